/*
 * runbook_from.h - `cutover run --from PHASE | --start-at STEP`: begin a
 * run later in the plan.  The steps before the start are not run; each
 * one that is not idempotent must have completed in an earlier run of the
 * same journal (else refused unless --force).  The new run records why it
 * began there: an event, the earlier phases done and the earlier steps
 * "skipped", so that resume, status and report tell the truth.
 */
#ifndef CUTOVER_RUNBOOK_FROM_H
#define CUTOVER_RUNBOOK_FROM_H

#include <stdint.h>

struct plan;
struct rb_opts;
struct journal;

/* Safe to start there?  0, or -1 after printing why (exit 2). */
int	 rb_from_check(const struct plan *p, const struct rb_opts *o,
	    struct journal *j, int64_t latest);
/* Journal the start in run; 0 or -1 with *errp. */
int	 rb_from_journal(const struct plan *p, const struct rb_opts *o,
	    struct journal *j, int64_t run, char **errp);

#endif
