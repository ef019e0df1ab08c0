/*
 * diff_int.h - what the rooms of the data diff share: diff.c (tables,
 * schema, workers), diff_merge.c (stream mode), diff_sum.c (checksum
 * mode), diff_out.c (formats).  Not for use outside src/diff*.c.
 */
#ifndef CUTOVER_DIFF_INT_H
#define CUTOVER_DIFF_INT_H

#include "db.h"
#include "diff.h"
#include "lib/buf.h"
#include "lib/canon.h"

/* A compared column: its name on each side and how values compare. */
struct dcol {
	char		*name;		/* the source's spelling */
	char		*dname;		/* the target's spelling */
	struct canon_type st, dt;	/* as each side declares it */
	struct canon_type pair;		/* the comparison type */
	bool		 secret;	/* never show its values */
	/*
	 * Per side, the storage classes (bits 1 << enum db_vtype) that the
	 * column's declared type stores its values in; 0 on an engine
	 * whose values have no storage class of their own.
	 */
	unsigned	 snat, dnat;
	/* PostgreSQL enums: the labels per side (diff_sum.c, pg_enums). */
	struct strlist	 elab[2];
};

/* One table's comparison: the columns, key columns first. */
struct tplan {
	struct diff_table	*t;
	const struct diff_opts	*o;
	struct db		*s, *d;
	const struct db_tname	*table;		/* the source's table */
	const struct db_tname	*dtable;	/* the target's */
	struct dcol		*cols;
	size_t			 ncols;
	size_t			 nkey;		/* 0: a multiset */
	/* Both engines store a class per value: compare it always. */
	bool			 classes_both;
	/* One does: its ORDER BY puts numbers, then text, then blobs. */
	bool			 class_order;
	long long		 est_rows;	/* catalog estimate, or -1 */
	struct diff_progress	*prog;
	/* Where the merge got to, for "connection lost after key ...". */
	char			*reached;
	char			*prepared;	/* the chunk query */
	/*
	 * --jobs: the part of the table this plan compares, a predicate
	 * per side (source, target) on the key; NULL: the whole table.
	 */
	const char		*part[2];
	/*
	 * The same without its "OR k IS NULL": for MIN/MAX probes, which
	 * ignore NULLs anyway and answer from the index only without it
	 * (with it PostgreSQL scans the table: 0.9 s per million rows).
	 */
	const char		*probe[2];
	/*
	 * MariaDB's row hash in checksum mode (diff_sum.c): 0 not chosen
	 * yet, 1 the CRC32 x CRC32C product, 2 the same with doubles as
	 * their bytes, -1 MD5 (a server without CRC32C, e.g. MySQL, on
	 * either side).
	 */
	signed char		 my_crc;
	bool			 enums_read;	/* dcol.elab filled */
	/*
	 * PostgreSQL, per side: a plain table (no partitions, no children),
	 * so a ctid names one row of it (found by the TID pass).
	 */
	bool			 heap[2];
};

/* One diff_run: the workers' table counter, and what progress shows. */
struct diff_progress {
	pthread_mutex_t	 lock;
	size_t		 next_table;
	struct progress	*rep;		/* lib/progress.h; NULL: quiet */
	_Atomic long long *rows_out;	/* diff_opts.rows_done */
	long long	 est;		/* rows, from the catalog */
	const char	*table;		/* the table last started */
	size_t		 ntables;
	size_t		 next_part;	/* the work list (struct part) */
	size_t		 nparts;
};
void	 diff_progress_add(struct diff_progress *pg, long long rows);

/*
 * Stream-compare the rows of p that satisfy the extra predicates (NULL:
 * the whole table); counts and differences go to p->t.  -1 with *errp
 * when a side fails.
 */
int	 merge_range(struct tplan *p, const char *pred_src, const char *pred_dst,
	    char **errp);
/* SELECT list, FROM, WHERE and ORDER BY of one side of a stream. */
void	 merge_sql(struct tplan *p, bool dst, const char *pred, struct buf *q);

/*
 * Checksum mode for a table with a key on the same engine.
 * Returns 0, 1 when the table should be streamed instead (most buckets
 * differ), -1 on error.
 */
int	 sum_table(struct tplan *p, char **errp);
/*
 * Whether a --key column holds a NULL on either side (a key found in the
 * catalog cannot): no key range or bucket of checksum mode holds such
 * a row, so such a table is compared in stream mode.
 */
int	 sum_key_nulls(struct tplan *p, bool *found, char **errp);
/*
 * fn(arg, 0, ..) for the source in a thread of its own and fn(arg, 1, ..)
 * for the target here, at once; -1 with the source's error first when
 * either fails.
 */
int	 diff_both(int (*fn)(void *arg, int side, char **errp), void *arg,
	    char **errp);
/* One signed integer key column on both sides. */
bool	 sum_int_key(const struct tplan *p);
/*
 * The smallest and largest key over both sides (within p->part);
 * *empty when neither side has a row.
 */
int	 sum_key_span(struct tplan *p, int64_t *lo, int64_t *hi, bool *empty,
	    char **errp);
/* Can checksum mode run on this plan?  Why not, in *why. */
bool	 sum_possible(const struct tplan *p, const char **why);

/*
 * One row as the merge holds it: per column the canonical encoding at
 * enc + off[i] (len[i] bytes), NULL, and the compared storage class
 * (vt[i] & 0x7f, enum db_vtype; 0: none).
 */
struct mrow {
	const char		*enc;
	const size_t		*off, *len;
	const bool		*null;
	const unsigned char	*vt;
};
/*
 * diff_repair.c: the statement for one difference (src NULL: extra,
 * dst NULL: missing, else changed with the columns in changed[]).
 */
void	 repair_row(struct tplan *p, const struct mrow *src,
	    const struct mrow *dst, const bool *changed);

/* Record a difference (counts, the first max_diffs rows, on_row). */
void	 diff_record(struct tplan *p, struct diff_row *r);
/* The table's name on one side. */
#define TNAME(p, dst)	((dst) ? (p)->dtable : (p)->table)
/* A column's name quoted for one side. */
void	 col_ident(struct tplan *p, bool dst, size_t i, struct buf *b);

#endif
