/*
 * db.h - one interface over PostgreSQL (libpq), MariaDB/MySQL (libmariadb)
 * and SQLite (sqlite3).
 *
 * A driver is a table of functions, chosen by URL scheme.  A driver that
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

/* One row of a result: column values as text, NULL for SQL NULL. */
struct db_row {
	size_t		 ncols;
	const char	**vals;
	const size_t	*lens;
};

/* Called per row by db_query; return non-zero to stop early. */
typedef int (*db_row_fn)(const struct db_row *row, void *arg);

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

struct db_driver {
	const char	*name;		/* "postgres", "mysql", "sqlite" */
	bool		 available;	/* false when compiled out */
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
	/* Base tables of the connection's schema/database, sorted. */
	int		(*tables)(struct db *d, struct strlist *out, char **errp);
	/* Columns in order; an unknown table is an error. */
	int		(*columns)(struct db *d, const char *table,
			    struct db_col **out, size_t *n, char **errp);
	/*
	 * The row identity: the primary key, else the first unique index
	 * whose columns are all NOT NULL; empty when there is none.
	 */
	int		(*key)(struct db *d, const char *table, struct strlist *out,
			    char **errp);
	/* Open a read-only transaction that sees one consistent snapshot. */
	int		(*snapshot)(struct db *d, char **errp);
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
};

struct db {
	const struct db_driver	*drv;
	void			*h;		/* the driver's handle */
	const struct url	*url;
	char			*what;		/* "postgres 127.0.0.1:5432/app" */
	/*
	 * The caller enforces timeouts from the client (db_sample): the
	 * session keeps the server's own statement_timeout.
	 */
	bool			 client_timeout;
};

/* The driver for a URL scheme, or NULL when the scheme is not a database. */
const struct db_driver *db_driver_for(const char *scheme);
/* Connect within timeout_us; *out is freed with db_close. */
int	 db_connect(const struct url *u, int64_t timeout_us, struct db **out,
	    char **errp);
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
/* Append a possibly schema-qualified name ("public.users") quoted. */
void	 db_quote_name(struct db *d, struct buf *b, const char *name);
void	 db_close(struct db *d);

/* Run a statement without rows (SET, BEGIN). */
int	 db_exec(struct db *d, const char *sql, char **errp);

/* A row stream (see struct db_driver); NULL-safe close. */
struct db_stream;
int	 db_stream_open(struct db *d, const char *sql, struct db_stream **out,
	    char **errp);
int	 db_stream_next(struct db_stream *s, struct db_row *row, char **errp);
void	 db_stream_close(struct db_stream *s);

int	 db_tables(struct db *d, struct strlist *out, char **errp);
int	 db_columns(struct db *d, const char *table, struct db_col **out,
	    size_t *n, char **errp);
void	 db_cols_free(struct db_col *c, size_t n);
/*
 * For drivers: run sql, whose rows are (name, type, not-null as 't'/'1'),
 * into *out; no row at all means there is no such table.
 */
int	 db_columns_from(struct db *d, const char *sql, const char *table,
	    struct db_col **out, size_t *n, char **errp);
int	 db_key(struct db *d, const char *table, struct strlist *out,
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
