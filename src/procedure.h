/*
 * procedure.h - contingency procedures: named lists of steps, with checks
 * after them, that are not a rollback ("if the private network fails,
 * use the public IPs"; "connection pool exhausted").
 *
 *   procedures:
 *     public-ips:
 *       when: [{check: private-net, consecutive: 2}]   # rollback_if forms
 *       steps: [{id: use-public, run: ...}]
 *       checks: [api-health]
 *       on_failure: rollback          # or stop (the default)
 *       phases: [long-term]           # when judged only there (default: all)
 *
 * A `when` rule is judged by the watch engine's rule math (watch.h:
 * rule_update) on the samples of a watch and on the results of a gate.
 * A procedure started by a rule runs at most once a run; a person starts
 * one with `cutover procedure PLAN NAME` (or `run --procedure NAME`).
 *
 * Journal (no table of its own): each step is a `steps` row of kind
 * "procedure" whose phase is the procedure's name; its checks are rows of
 * role "procedure"; events "procedure.start" (phase: where it started,
 * step: the name, message: why) and "procedure.done"/"procedure.failed"
 * bracket one execution.  A start without an end is an execution that a
 * crash cut short: resume continues it, skipping its completed steps.
 */
#ifndef CUTOVER_PROCEDURE_H
#define CUTOVER_PROCEDURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "journal.h"
#include "plan.h"
#include "watch.h"

struct alerter;

enum proc_on_failure { PROC_FAIL_STOP, PROC_FAIL_ROLLBACK };

struct procedure {
	char			*id;
	char			*title;
	struct step		*steps;
	size_t			 nsteps;
	struct strlist		 checks;	/* after the steps */
	struct rollback_rule	*when;
	size_t			 nwhen;
	struct strlist		 phases;	/* when's scope; empty: all */
	enum proc_on_failure	 on_failure;
	int			 line, col;
};

/* ---- the plan's side (called from plan.c) ---------------------------- */

void	 procedure_parse(struct pctx *cx, yaml_node_t *n);
/* After the phases: each name of a procedure's `phases` is one (n: the
 * plan's procedures node). */
void	 procedure_phases_check(struct pctx *cx, yaml_node_t *n);
/* rollback: {max: 15m, steps: [...]}: reads max, returns the steps node. */
yaml_node_t *procedure_rollback_map(struct pctx *cx, yaml_node_t *map);
void	 procedure_free_all(struct plan *p);
/* Does phase (NULL: none) judge pr's when rules? */
bool	 procedure_in_phase(const struct procedure *pr, const char *phase);
/* A watch of phase samples the checks of the when rules judged there. */
void	 procedure_watched(const struct plan *p, const char *phase,
	    struct strlist *checks);
const struct procedure *plan_procedure(const struct plan *p, const char *id);

/* ---- rules: which procedure a run's samples start -------------------- */

struct proc_rules;

struct proc_rules *proc_rules_new(const struct plan *p);
void	 proc_rules_free(struct proc_rules *r);
/*
 * One sample of check taken in phase; judge false: only remembered (a
 * resumed watch).  Rules whose procedure is not judged in phase ignore it.
 */
void	 proc_rules_feed(struct proc_rules *r, const char *phase,
	    const char *check, const struct wsample *s, bool judge);
/*
 * A procedure whose rule fired and that has not run in this run (l:
 * the journal as loaded now), or NULL; *why: the rule and its samples
 * (caller frees).  Each firing is handed out once.
 */
const struct procedure *proc_rules_take(struct proc_rules *r,
	    const struct jlog *l, char **why);

/* ---- execution ------------------------------------------------------- */

/* What the runbook lends a procedure to run its steps and checks with. */
struct proc_host {
	void		*arg;
	struct journal	*j;
	int64_t		 run;
	struct alerter	*al;
	/* 0 ok, 1 failed, 2 interrupted (signal), -1 journal failure */
	int		(*step)(void *arg, const struct procedure *pr,
			    const struct step *s);
	/* A step row left running/interrupted: 0 run again, 1 done, -1 stop */
	int		(*interrupted)(void *arg, const struct jstep *js,
			    const struct step *s);
	/* The procedure's checks, journaled; -1 journal failure */
	enum status	(*checks)(void *arg, const struct procedure *pr,
			    struct buf *failed, int *jerr);
	void		(*say)(const char *fmt, ...)
			    __attribute__((format(printf, 1, 2)));
};

enum proc_end {
	PROC_OK,
	PROC_FAILED,	/* a step or a check failed: *reason says which */
	PROC_SIGNAL,	/* SIGINT/SIGTERM: continue with resume */
	PROC_HALT,	/* an interrupted step awaits the operator */
	PROC_ERR,	/* the journal could not be written */
};

/*
 * Execute pr (started at phase, NULL by hand, because of why).  With
 * resume (l: the journal), continue its unfinished execution instead:
 * completed steps are not run again.  *reason gets a line on failure.
 */
enum proc_end procedure_exec(const struct proc_host *h,
	    const struct procedure *pr, const char *phase, const char *why,
	    const struct jlog *l, char **reason);
/* The start event of an execution of l that has not ended, or NULL. */
const struct jevent *procedure_open(const struct jlog *l);

/* NAME names one of p's procedures, or exit 2 ("did you mean"). */
struct cmd;
void	 procedure_name_arg(const struct cmd *c, const struct plan *p,
	    const char *name);

/* ---- what ran (report, status) --------------------------------------- */

struct proc_run {
	const char	*name, *phase, *why, *outcome, *detail;
	int64_t		 started_us, ended_us;	/* ended 0: not ended */
	size_t		 steps_ok, steps_failed;
};

/* The executions of l, oldest first (strings point into l). */
struct proc_run *procedure_runs(const struct jlog *l, size_t *n);

/*
 * The rollback of l against the plan's rollback max: false when l has no
 * rollback; else its start, its end (now while it runs) and whether it
 * went past max (0: the plan sets none).
 */
bool	 procedure_rollback_span(const struct plan *p, const struct jlog *l,
	    int64_t now, int64_t *start, int64_t *end, bool *overrun);
/* status: the procedures that ran and the rollback against its max. */
void	 procedure_status(struct buf *b, const struct plan *p,
	    const struct jlog *l, int64_t now, bool json);

#endif
