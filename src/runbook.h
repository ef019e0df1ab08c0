/*
 * runbook.h - executing a plan's phases: entry checks, steps, go/no-go
 * gates, windows, rollback; everything journaled (journal.h) as it happens.
 *
 * The engine is one loop over the plan that skips whatever the journal
 * says is done, so `run` and `resume` are the same walk: a crash, a
 * signal or a pending decision only decides where the next walk starts.
 *
 * The entry points print progress and errors themselves and return the
 * command's exit status: 0 completed (go), 1 no-go / awaiting a decision /
 * stopped / rolled back, 2 bad input (lock held, plan changed, nothing to
 * resume), 128+N after signal N.
 */
#ifndef CUTOVER_RUNBOOK_H
#define CUTOVER_RUNBOOK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "plan.h"

struct rb_opts {
	const char	*state;		/* journal file; NULL: beside the plan */
	bool		 yes;		/* answer go at every passing gate */
	bool		 no_rollback;	/* stop instead of rolling back */
	bool		 rollback_on_signal;	/* SIGTERM rolls back */
	bool		 retry_interrupted;	/* re-run interrupted steps */
	bool		 skip_interrupted;	/* count them as done */
	/* Rolling back a step that did not complete (see do_rollback): */
	bool		 undo_interrupted;	/* run its undo anyway */
	bool		 keep_interrupted;	/* leave it, not undone */
	bool		 force;		/* accept a changed plan */
	bool		 new_run;	/* abandon an unfinished run */
	int		 jobs;		/* concurrent checks; 0: default */
	/* A watch's fired rule or failed success rules await a person. */
	bool		 no_auto_rollback;
	/* cutover watch: the phase, and overrides of its watch */
	const char	*watch_phase;
	int64_t		 watch_for_us, watch_every_us;
	bool		 jsonl;		/* watch output as JSON lines */
	/* run --from PHASE / --start-at STEP (runbook_from.c), --force */
	const char	*from_phase, *start_step;
	bool		 force_start;
};

/* The journal's path: state, or .cutover/NAME.db beside the plan. */
char	*runbook_journal_path(const struct plan *p, const char *state);
/* Who is deciding: $SUDO_USER, $USER, or the login name of the uid. */
const char *runbook_user(void);
/* The plan as it would execute, redacted; runs nothing. */
void	 runbook_dry_run(const struct plan *p, const struct rb_opts *o,
	    FILE *f);

/*
 * rollback --dry-run: what rolling back the run in l would run, in the
 * order `cutover rollback` runs it, redacted; runs and journals nothing.
 */
void	 runbook_rollback_dry_run(const struct plan *p, const struct jlog *l,
	    FILE *f);

int	 runbook_run(struct plan *p, const struct rb_opts *o);
int	 runbook_resume(struct plan *p, const struct rb_opts *o);
int	 runbook_rollback(struct plan *p, const struct rb_opts *o);
/*
 * Run contingency procedure name by hand (procedure.h): within the
 * latest run when it is unfinished (it is left as it was after), else
 * as a run of its own; journaled and resumable like a run.
 */
int	 runbook_procedure(struct plan *p, const struct rb_opts *o,
	    const char *name);
/*
 * `cutover watch`: a run made of one watch phase (o->watch_phase), with
 * its rollback_if and success rules; resumable like any run.
 */
int	 runbook_watch(struct plan *p, const struct rb_opts *o);

#endif
