/*
 * diff.h - data verification: prove the target holds exactly the
 * source's rows, and name every row that differs.
 *
 * diff_run() compares two databases table by table, on any pair of
 * engines (PostgreSQL, MariaDB/MySQL, SQLite):
 *
 *  1. schema first: columns missing or extra, types that change values
 *     (text -> varchar(50), timestamp(6) -> timestamp(0)), the key;
 *  2. rows, by key (primary key, else a unique NOT NULL index, else
 *     --key; without any, the table is compared as a multiset):
 *     - checksum mode (same engine, one integer key, or any other key
 *       bucketed by its hash): the databases
 *       compute a count and a sum of strong row hashes per key bucket;
 *       only buckets that differ are read row by row (diff_sum.c);
 *     - stream mode (any pair): both sides are read ordered by key in
 *       byte order, every value turned into its canonical typed form
 *       (lib/canon.h) and merged (diff_merge.c).
 *  Each side is read inside one consistent snapshot.
 *
 * Library code: errors are recorded in the results and in *errp; the
 * caller (cmd/diff.c, check/datadiff.c) chooses the exit status.
 */
#ifndef CUTOVER_DIFF_H
#define CUTOVER_DIFF_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "lib/url.h"
#include "lib/util.h"

enum diff_mode { DIFF_AUTO, DIFF_CHECKSUM, DIFF_STREAM };
enum diff_kind { DIFF_MISSING, DIFF_EXTRA, DIFF_CHANGED };
/*
 * Progress on stderr: OFF (the default of the library: checks are
 * quiet); AUTO, a live line on a terminal, else a line every
 * PROGRESS_PLAIN_US once the diff has run that long; ON, also a line
 * every second and a last one without a terminal.
 */
enum diff_progress_mode { DIFF_PROGRESS_OFF, DIFF_PROGRESS_AUTO,
	DIFF_PROGRESS_ON };

/* One differing row.  Strings are redacted before they are stored. */
struct diff_row {
	enum diff_kind	 kind;
	char		*key;		/* "id=17" or "(a=1, b='x')" */
	char		*key_json;	/* {"id":"17"} */
	char		*columns;	/* changed columns, "email, name" */
	char		*values;	/* --show-values: "email: a -> b" */
	char		*values_json;	/* {"email":["a","b"]} or NULL */
};

enum diff_status {
	DIFF_IDENTICAL, DIFF_DIFFERENT, DIFF_ERROR, DIFF_ONLY_SRC, DIFF_ONLY_DST,
};

struct diff_table {
	/* As the user writes it (see struct db_tname): "users", "\"s.t\"". */
	char		*name;		/* as the source spells it */
	char		*dname;		/* the target's, if different */
	struct db_tname	 src, dst;	/* the tables themselves */
	enum diff_status status;
	long long	 src_rows, dst_rows;
	long long	 missing, extra, changed;
	struct strlist	 schema;	/* schema differences, one per line */
	char		*key;		/* "id", "a, b"; NULL: multiset */
	const char	*mode;		/* "checksum", "stream" */
	char		*error;		/* for DIFF_ERROR */
	struct diff_row	*rows;		/* the first max_diffs */
	size_t		 nrows, caprows;
	int64_t		 duration_us;
	long long	 chunks, chunks_differ;
	/* --jobs: the key ranges it was compared in at once (0, 1: one). */
	size_t		 ranges;
};

struct diff_opts {
	struct strlist	 tables, exclude_tables;
	struct strlist	 columns, exclude_columns;
	struct strlist	 key;		/* --key: overrides detection */
	const char	*where;		/* SQL predicate, both sides */
	enum diff_mode	 mode;
	int		 jobs;		/* connection pairs at once */
	long long	 max_diffs;	/* per table */
	double		 float_tol;	/* relative; 0 = exact */
	bool		 show_values;
	enum diff_progress_mode progress;	/* lines on stderr */
	/* Also counted here (may be NULL): source rows compared, of the
	   catalog's estimate (a check's timeout says how far it got). */
	_Atomic long long *rows_done, *rows_total;
	int64_t		 timeout_us;	/* connect timeout */
	const struct strlist *secrets;	/* column names never shown */
	/* Called for every difference as found (jsonl); serialized. */
	void		(*on_row)(const struct diff_table *t,
			    const struct diff_row *r, void *arg);
	void		*arg;
	/* --repair-sql/--apply: every difference becomes a statement. */
	struct repair	*repair;
};

void	 diff_opts_init(struct diff_opts *o);
void	 diff_opts_release(struct diff_opts *o);

struct diff_result {
	struct diff_table *t;
	size_t		 n;
	char		*src, *dst;	/* the URLs, password masked */
	int64_t		 duration_us;
	/*
	 * "shared": every connection read the data as of one instant per
	 * side; "per-connection" (--jobs on MariaDB, SQLite): each job's
	 * connections as of their own start.
	 */
	const char	*snapshot;
};

/*
 * Compare src and dst.  Returns 0 when the comparison ran (tables may
 * still differ or have errors: see diff_exit), or -1 with *errp when it
 * could not start (connection refused, an unknown --table).
 */
int	 diff_run(const struct url *src, const struct url *dst,
	    const struct diff_opts *o, struct diff_result *out, char **errp);
/* 0 identical, 1 differences, 2 an error in some table. */
int	 diff_exit(const struct diff_result *r);
void	 diff_result_free(struct diff_result *r);

/* diff_out.c: "text", "json", "jsonl" (the summary lines only). */
int	 diff_print(FILE *f, const struct diff_result *r, const char *format);
void	 diff_print_row_jsonl(FILE *f, const struct diff_table *t,
	    const struct diff_row *row);
bool	 diff_format_ok(const char *format);
/* A one-line summary: "2 of 5 tables differ: users (1 missing), ..." */
char	*diff_summary(const struct diff_result *r);

/* Does this column name say it holds a secret (password, token...)? */
bool	 diff_secret_name(const char *name);

#endif
