/*
 * db.h - one interface over PostgreSQL (libpq), MariaDB/MySQL (libmariadb)
 * and SQLite (sqlite3).
 *
 * A driver is a table of functions, chosen by URL scheme.  What differs
 * between the engines is a field or a function here (quoting, prepared
 * statements, storage classes, integer division...) or, for SQL that
 * differs throughout (checksum mode's row hash), a switch on `engine`:
 * never a comparison of the driver's name.  A driver that
 * was compiled out (WITH_PG=0, WITH_MYSQL=0) is still a known name: its
 * connect() says "built without PostgreSQL support" (lesson 6 of STYLE.md).
 *
 * Every call returns 0 or -1 with a one-line message in *errp; messages
 * never contain a password (URLs are printed in their `safe` form).
 */
#ifndef CUTOVER_DB_H
#define CUTOVER_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/url.h"
#include "lib/util.h"

struct db;

/*
 * SQLite's storage classes (the values of sqlite3_column_type), for
 * drivers with typed_values; 0 where a driver has none.
 */
enum db_vtype { DB_VINT = 1, DB_VREAL = 2, DB_VTEXT = 3, DB_VBLOB = 4,
    DB_VNULL = 5 };

/* One row of a result: column values as text, NULL for SQL NULL. */
struct db_row {
	size_t		 ncols;
	const char	**vals;
	const size_t	*lens;
	/* enum db_vtype per value from streams of typed_values drivers. */
	const unsigned char *types;
};

/* Called per row by db_query; return non-zero to stop early. */
typedef int (*db_row_fn)(const struct db_row *row, void *arg);

/*
 * A table: its schema (a MariaDB database; NULL: the connection's own)
 * and its name, each one identifier whatever characters it holds.  A
 * name is never split at a dot: `public."s.t"` and `s.t` are different
 * tables, and both can exist side by side.
 *
 * Users write tables as `table`, `schema.table`, and double-quote a part
 * that holds a dot or a quote: `"s.t"`, `app."a.b"`, `"say ""hi"""`.
 */
struct db_tname {
	char	*schema;
	char	*name;
};

/* Parse the user's spelling; -1 with *errp on unbalanced quotes. */
int	 db_tname_parse(const char *s, struct db_tname *out, char **errp);
/* The user's spelling back: quotes only where a part needs them. */
void	 db_tname_show(struct buf *b, const struct db_tname *t);
void	 db_tname_release(struct db_tname *t);

/* The engines, for what differs in SQL beyond the hooks below. */
enum db_engine { DB_POSTGRES, DB_MYSQL, DB_SQLITE };

/* A column as the catalog declares it (for data verification). */
struct db_col {
	char	*name;
	char	*type;		/* format_type(), COLUMN_TYPE, declared type */
	bool	 notnull;
};

/*
 * What the `sql` check keeps of a query's result: its shape and its first
 * value, never the rows (a result of 20 million rows is counted, not
 * held).  Of several statements, the last result set counts.
 */
struct db_sample {
	long long	 rows;		/* rows read */
	bool		 more;		/* stopped at row_max: there are more */
	size_t		 ncols;
	char		*first;		/* row 1, column 1; NULL: SQL NULL */
	bool		 first_cut;	/* first was cut at DB_VALUE_MAX */
};
#define DB_VALUE_MAX	4096

/*
 * Replication, as the `replication` check asks for it (see the driver's
 * `replication` hook).  What each engine can tell is in its repl_asks.
 */
enum db_repl_ask {
	DB_REPL_PRIMARY		= 1,	/* the replicas this server sends to */
	DB_REPL_REPLICA		= 2,	/* this server's link to its primary */
	DB_REPL_SUBSCRIPTION	= 4,	/* a logical subscription (name) here */
	DB_REPL_SLOT		= 8,	/* a replication slot (name) here */
	DB_REPL_PRIMARY_LAG	= 16,	/* the primary knows its replicas' lag */
};

/* One replication link: a replica seen from its primary, or its own. */
struct db_repl_link {
	char		*who;		/* "standby1 (127.0.0.1)", a host:port */
	char		*state;		/* the engine's words: "streaming" */
	bool		 healthy;
	char		*why;		/* when not healthy: what is wrong */
	bool		 has_lag;	/* lag known */
	double		 lag_s;
	char		*position;	/* LSN or GTID; NULL: unknown */
	long long	 behind_bytes;	/* WAL not yet replayed; -1: unknown */
};

struct db_repl {
	bool		 role_ok;	/* the server plays the asked part */
	char		*role_why;	/* otherwise: what it is instead */
	struct db_repl_link *links;
	size_t		 n;
	char		*slot;		/* a subscription's slot on the publisher */
	char		*note;		/* for the detail: "gtid_binlog_pos 0-1-9" */
};
struct db_repl_link *db_repl_add(struct db_repl *r);
void	 db_repl_release(struct db_repl *r);

struct db_driver {
	const char	*name;		/* "postgres", "mysql", "sqlite" */
	enum db_engine	 engine;
	bool		 available;	/* false when compiled out */
	/* String literals read backslash escapes (MariaDB). */
	bool		 literal_backslash;
	/*
	 * Every value carries its own storage class (SQLite): struct
	 * db_row's types say which, and two values of different classes
	 * are different values even when they print the same.
	 */
	bool		 typed_values;
	/* Integer division in SQL: " DIV " on MariaDB, "/" elsewhere. */
	const char	*int_div;
	/*
	 * Server-side prepared statements of two bigint parameters, for
	 * checksum mode's chunk query; NULL where preparing does not pay
	 * (SQLite).  param[i] is the i-th placeholder; prepare() appends
	 * the statement that prepares body as name, execute() the one
	 * that runs it, deallocate() the one that frees it.
	 */
	const char	*param[2];
	void		(*prepare)(struct db *d, struct buf *q, const char *name,
			    const char *body);
	void		(*execute)(struct buf *q, const char *name,
			    const char *a, const char *b);
	void		(*deallocate)(struct buf *q, const char *name);
	/*
	 * The oldest server version checksum mode's row hash runs on
	 * (PostgreSQL 11: the extended hash functions), 0 for any.
	 */
	long		 sum_min_version;
	const char	*sum_min_why;
	/* Checksum mode in one GROUP BY pass per side, not a chunk walk. */
	bool		 sum_onepass;
	/*
	 * The server version from which that pass reads the heap by TID
	 * ranges instead of grouping (PostgreSQL 14's TID range scan), 0
	 * for never.
	 */
	long		 sum_tid_version;
	/*
	 * Repair statements (diff_repair.c): a boolean literal (false,
	 * true); a byte string is lit_bytes[0], hex digits, lit_bytes[1];
	 * +/-infinity and NaN as the engine reads them into a double,
	 * NULL where it cannot store them; the statement(s) that make a
	 * session read the literals as written: timestamps in UTC, string
	 * literals with (MariaDB) or without (PostgreSQL) backslash
	 * escapes, whatever the server's defaults; on MariaDB, foreign
	 * keys unchecked (tables are repaired one after the other, so a
	 * child row may come before its parent; the end state is the
	 * source's).  NULL: nothing to set.
	 */
	const char	*lit_bool[2];
	const char	*lit_bytes[2];
	const char	*lit_inf[2], *lit_nan;
	const char	*repair_session;
	/*
	 * Between an INSERT's column list and VALUES: what lets a repair
	 * write the source's value into an identity column (PostgreSQL's
	 * GENERATED ALWAYS refuses one otherwise).  NULL: nothing.
	 */
	const char	*insert_keep_ids;
	int		(*connect)(struct db *d, const struct url *u,
			    int64_t timeout_us, char **errp);
	int		(*query)(struct db *d, const char *sql, db_row_fn fn,
			    void *arg, char **errp);
	/* Quote an identifier (table or column) for this engine. */
	void		(*quote_ident)(struct buf *b, const char *ident);
	/* Server version as a number: 150004, 101106, 3040001. */
	int		(*version)(struct db *d, long *out, char **errp);
	/* That number as components (15.4, 10.11.6, 3.40.1); how many. */
	int		(*version_parts)(long v, long out[3]);
	void		(*close)(struct db *d);

	/*
	 * Streaming, for data verification: rows one at a time with memory
	 * bounded by a row (PostgreSQL COPY TO STDOUT, MariaDB
	 * mysql_use_result, sqlite3_step).  next() returns 1 with a row
	 * valid until the next call, 0 at the end, -1 on error.
	 */
	int		(*stream_open)(struct db *d, const char *sql, void **st,
			    char **errp);
	int		(*stream_next)(void *st, struct db_row *row, char **errp);
	void		(*stream_close)(void *st);
	/*
	 * Base tables of the connection's schema/database, sorted: plain
	 * names, never qualified, never split.
	 */
	int		(*tables)(struct db *d, struct strlist *out, char **errp);
	/*
	 * Columns in order, generated ones included (they hold data the
	 * target must reproduce); an unknown table is an error.
	 */
	int		(*columns)(struct db *d, const struct db_tname *table,
			    struct db_col **out, size_t *n, char **errp);
	/*
	 * The row identity: the primary key, else the first unique index
	 * whose columns are all NOT NULL; empty when there is none.
	 */
	int		(*key)(struct db *d, const struct db_tname *table,
			    struct strlist *out, char **errp);
	/* The catalog's estimate of a table's rows (for an ETA), or -1. */
	long long	(*estimate_rows)(struct db *d,
			    const struct db_tname *table);
	/* Open a read-only transaction that sees one consistent snapshot. */
	int		(*snapshot)(struct db *d, char **errp);
	/*
	 * One snapshot for several connections (diff --jobs): export()
	 * names the snapshot of a connection that snapshot() opened;
	 * import() opens, on another connection, a read-only transaction
	 * that sees that same snapshot (PostgreSQL: pg_export_snapshot()
	 * and SET TRANSACTION SNAPSHOT).  NULL where the engine cannot
	 * share one: MariaDB's consistent snapshot and SQLite's read
	 * transaction belong to their connection, so each connection calls
	 * snapshot() and sees the data as of its own start.
	 */
	int		(*snapshot_export)(struct db *d, char **id, char **errp);
	int		(*snapshot_import)(struct db *d, const char *id,
			    char **errp);
	/*
	 * The `sql` check's query: counts up to row_max rows (more is set
	 * past it) in memory bounded by a row, and cancels the statement
	 * from the client at timeout_us.  NULL: query() with a counting
	 * callback, whose engine ends statements at the connect timeout
	 * itself (MariaDB's read timeout, SQLite's progress handler).
	 */
	int		(*sample)(struct db *d, const char *sql,
			    int64_t timeout_us, long long row_max,
			    struct db_sample *out, char **errp);
	/*
	 * Client connections in use and the server's limit, read at one
	 * instant where the engine allows; NULL for an engine without a
	 * connection limit (SQLite).
	 */
	int		(*connections)(struct db *d, long long *used,
			    long long *max, char **errp);
	/*
	 * Replication status (the `replication` check): the asks of enum
	 * db_repl_ask this engine answers, and the answer for one of them
	 * (name: the subscription or slot).  NULL/0: no replication.
	 */
	unsigned	 repl_asks;
	int		(*replication)(struct db *d, enum db_repl_ask ask,
			    const char *name, struct db_repl *out, char **errp);
};

/*
 * What ended a failed statement, from the engine's error code (never its
 * message): a table that does not exist, one the user may not read, or
 * the statement timeout.  DB_FAIL_OTHER: anything else, or not known.
 */
enum db_fail {
	DB_FAIL_OTHER,
	DB_FAIL_NO_TABLE,
	DB_FAIL_DENIED,
	DB_FAIL_TIMEOUT,
};

struct db {
	const struct db_driver	*drv;
	void			*h;		/* the driver's handle */
	const struct url	*url;
	char			*what;		/* "postgres 127.0.0.1:5432/app" */
	/*
	 * The schema that tables() lists, set by a driver whose name
	 * lookup could find another schema's table first (PostgreSQL's
	 * search_path puts pg_catalog first): unqualified names are then
	 * qualified with it.  NULL: the engine's lookup is the listing's.
	 */
	char			*schema;
	/*
	 * The caller enforces timeouts from the client (db_sample): the
	 * session keeps the server's own statement_timeout.
	 */
	bool			 client_timeout;
	/*
	 * The caller means to change the database (diff --apply): a
	 * driver that opens read-only by default (SQLite) opens it
	 * read-write.
	 */
	bool			 writable;
	/* Why the last failed db_query/db_sample failed; set by the driver. */
	enum db_fail		 fail;
};

/* The driver for a URL scheme, or NULL when the scheme is not a database. */
const struct db_driver *db_driver_for(const char *scheme);
/* Connect within timeout_us; *out is freed with db_close. */
int	 db_connect(const struct url *u, int64_t timeout_us, struct db **out,
	    char **errp);
/* db_connect for a caller that writes (see struct db's writable). */
int	 db_connect_writable(const struct url *u, int64_t timeout_us,
	    struct db **out, char **errp);
/*
 * db_connect for the `sql` check: the session is left as the server sets
 * it up (SHOW statement_timeout says the server's value), and db_sample
 * enforces the timeout.
 */
int	 db_connect_client_timeout(const struct url *u, int64_t timeout_us,
	    struct db **out, char **errp);
int	 db_query(struct db *d, const char *sql, db_row_fn fn, void *arg,
	    char **errp);
/* See struct db_sample; free out->first. */
int	 db_sample(struct db *d, const char *sql, int64_t timeout_us,
	    long long row_max, struct db_sample *out, char **errp);
/*
 * The first column of the first row as text, newly allocated in *val
 * (NULL for SQL NULL).  No row at all is an error.
 */
int	 db_scalar(struct db *d, const char *sql, char **val, char **errp);
/*
 * Parse a table as the user spells it, for this connection: an
 * unquoted "s.t" (schema s, table t) is refused as ambiguous when the
 * connection also lists a table named "s.t".
 */
int	 db_tname_resolve(struct db *d, const char *spelled,
	    struct db_tname *out, char **errp);
/* The message for that ambiguity (shared with the diff's own check). */
int	 db_tname_ambiguous(const char *spelled, const struct db_tname *t,
	    char **errp);
/* Append a table quoted for this engine, one identifier per part. */
void	 db_quote_tname(struct db *d, struct buf *b, const struct db_tname *t);
/*
 * Append a table as the user spells it (see struct db_tname), quoted;
 * a spelling that does not parse is taken as one identifier.
 */
void	 db_quote_name(struct db *d, struct buf *b, const char *name);
void	 db_close(struct db *d);

/*
 * Every row of a small result as text (NULL for SQL NULL), at most max
 * rows: v[row * ncols + col].  For catalog and status queries.
 */
struct db_rows {
	size_t	 ncols, n, max;
	char	**v;
};
int	 db_rows_fn(const struct db_row *row, void *arg);
const char *db_rows_get(const struct db_rows *r, size_t row, size_t col);
void	 db_rows_release(struct db_rows *r);

/* Run a statement without rows (SET, BEGIN). */
int	 db_exec(struct db *d, const char *sql, char **errp);

/* A row stream (see struct db_driver); NULL-safe close. */
struct db_stream;
int	 db_stream_open(struct db *d, const char *sql, struct db_stream **out,
	    char **errp);
int	 db_stream_next(struct db_stream *s, struct db_row *row, char **errp);
void	 db_stream_close(struct db_stream *s);

int	 db_tables(struct db *d, struct strlist *out, char **errp);
int	 db_columns(struct db *d, const struct db_tname *table,
	    struct db_col **out, size_t *n, char **errp);
void	 db_cols_free(struct db_col *c, size_t n);
/*
 * For drivers: run sql, whose rows are (name, type, not-null as 't'/'1'),
 * into *out; no row at all means there is no such table.
 */
int	 db_columns_from(struct db *d, const char *sql,
	    const struct db_tname *table, struct db_col **out, size_t *n,
	    char **errp);
int	 db_key(struct db *d, const struct db_tname *table, struct strlist *out,
	    char **errp);
int	 db_snapshot(struct db *d, char **errp);
/*
 * For drivers: run sql, whose rows are (index id, is primary, column or
 * NULL for an expression, column is NOT NULL), ordered primary first,
 * then by index and position, and keep the first usable index in out.
 */
int	 db_key_from_query(struct db *d, const char *sql, struct strlist *out,
	    char **errp);
/* Append s as an SQL string literal for this engine. */
void	 db_quote_literal(struct db *d, struct buf *b, const char *s);

#endif
