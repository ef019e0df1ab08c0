/*
 * diff_repair.h - the statements that make the target equal to the
 * source (`cutover diff --repair-sql FILE`, `--apply`).
 *
 * While the diff runs, every difference it finds is turned into one
 * statement in the target's dialect, from the canonical values (see
 * lib/canon.h): DELETE for an extra row, INSERT for a missing one,
 * UPDATE of the changed columns only.  Statements wait in an unlinked
 * 0600 temporary file per table (memory stays bounded whatever the
 * number of differences); afterwards they are written out or executed,
 * per table DELETEs first, then UPDATEs, then INSERTs (a unique column
 * freed by a DELETE can then be taken), grouped in transactions of
 * `chunk` statements.
 *
 * A table without a key is refused: its rows have no identity, and
 * `DELETE ... LIMIT 1` (one extra duplicate) does not exist on
 * PostgreSQL, so the repair could not be exact everywhere.
 */
#ifndef CUTOVER_DIFF_REPAIR_H
#define CUTOVER_DIFF_REPAIR_H

#include <stdio.h>

#include "diff.h"

struct repair;

/* Counts over the tables that will be repaired. */
struct repair_counts {
	long long	 del, ins, upd;
	long long	 tx;		/* transactions */
	size_t		 tables;
};

struct repair	*repair_new(long chunk);
void		 repair_free(struct repair *r);

/*
 * After diff_run: drop what the comparison could not vouch for (a table
 * whose diff failed) and print, to f, one line per table that differs
 * but will not be repaired, with the reason.  Returns the number of such
 * tables.
 */
size_t		 repair_settle(struct repair *r, const struct diff_result *res,
		    FILE *f);
void		 repair_count(const struct repair *r, struct repair_counts *c);
/* The repaired tables as the user spells them (for re-verification). */
void		 repair_tables(const struct repair *r, struct strlist *out);

/*
 * Write the statements as an SQL script for the target's own client
 * (psql, mariadb, sqlite3); src and dst are the URLs' safe forms.
 */
int		 repair_write(struct repair *r, FILE *f, const char *src,
		    const char *dst, char **errp);
/*
 * Execute them on dst, one transaction per chunk; progress and a line
 * per table to log.  -1 with *errp at the first failing statement (its
 * chunk rolled back; earlier chunks stay committed).
 */
int		 repair_apply(struct repair *r, const struct url *dst,
		    int64_t timeout_us, FILE *log, char **errp);

#endif
