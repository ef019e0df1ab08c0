/*
 * watch.h - watching after the switch: a phase's `watch`, its
 * `rollback_if` rules and the `success` rules, for `cutover run` (the
 * watch phase) and `cutover watch` (the same engine without steps).
 *
 * The engine samples the watched checks on their schedule (the watch's
 * `every`, or a check's own), journals each round in one transaction
 * (journal.h: samples), evaluates every rule of a check at each of its
 * samples from a ring buffer sized by the rule's window (memory stays
 * bounded over days), and at the end judges the success rules from the
 * journaled samples: that judgement is the phase's gate.  It sleeps
 * until the next due time, waking every 100 ms for should_stop.
 *
 * A watch that was cut short (kill -9, a signal, a trigger awaiting a
 * decision) continues when called again for the same phase: its samples
 * are kept, its end time is unchanged (the window is wall-clock time),
 * and the time nothing watched is journaled as a gap, which the success
 * rules count as failing samples (never as passing ones).
 */
#ifndef CUTOVER_WATCH_H
#define CUTOVER_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "journal.h"
#include "plan.h"

struct alerter;
struct wsample;

struct watch_opts {
	int64_t		 for_us, every_us;	/* overrides; 0: the plan's */
	int		 jobs;			/* concurrent checks */
	bool		 jsonl;			/* JSON lines on out, else text */
	FILE		*out;
	bool		(*should_stop)(void *arg);
	void		*stop_arg;
	struct alerter	*alert;
	/*
	 * Contingency procedures (procedure.h): each sample of a watched
	 * check (judge false: replayed on resume), and after each round
	 * whether one must run (run by the callee): -1 journal failure,
	 * 0 go on, 1 end the watch (WATCH_PROCEDURE, *reason set).
	 */
	void		(*on_sample)(void *arg, const char *check,
			    const struct wsample *s, bool judge);
	int		(*after_round)(void *arg, char **reason);
	void		*proc_arg;
};

enum watch_end {
	WATCH_GO,		/* every success rule holds */
	WATCH_NOGO,		/* a success rule failed */
	WATCH_TRIGGER,		/* a rollback_if rule fired */
	WATCH_STOPPED,		/* should_stop returned true */
	WATCH_ERR,		/* the journal failed (*errp) */
	WATCH_PROCEDURE,	/* a procedure failed (after_round said so) */
};

/*
 * Watch phase ph of p in run `run` (log: the run as journaled, to find
 * an unfinished watch of the phase).  *reason gets one line saying how it
 * ended, *based_on the figures it was decided on (caller frees both).
 */
enum watch_end watch_phase(const struct plan *p, const struct phase *ph,
	    struct journal *j, int64_t run, const struct jlog *log,
	    const struct watch_opts *o, char **reason, char **based_on,
	    char **errp);

/*
 * One success rule judged on a watch's figures (jw->stats computed):
 * true when it holds.  *measured gets the figure (NAN: no data), *text
 * the figure as shown (caller frees), *samples the samples it rests on.
 */
bool	 success_judge(const struct success_rule *r, const struct jwatch *jw,
	    double *measured, char **text, int64_t *samples);

/* ---- the rule math (exposed for tests/unit) ---------------------------- */

struct wsample {
	int64_t	 at_us;
	int	 status;		/* enum status */
	bool	 has_value;
	double	 value;
};

/* The last samples of one check, oldest first from head. */
struct wring {
	struct wsample	*s;
	size_t		 cap, n, head;
};

/* What one rule remembers between samples. */
struct wrule_state {
	int64_t	 held_since;	/* value rules: first sample of the run; 0 */
	int64_t	 held_until;	/* the latest sample the run covers */
};

void	 wring_init(struct wring *r, size_t cap);
void	 wring_push(struct wring *r, const struct wsample *s);
/* The i-th most recent sample (0: the latest). */
const struct wsample *wring_back(const struct wring *r, size_t i);
void	 wring_release(struct wring *r);
/* How many samples a rule needs kept at interval every_us. */
size_t	 rule_ring_need(const struct rollback_rule *r, int64_t every_us);
/*
 * Feed the check's latest sample (already pushed on ring) to rule r.
 * True when the rule fires; *why then says why with the samples that
 * made it fire (caller frees).
 */
bool	 rule_update(const struct rollback_rule *r, const struct wring *ring,
	    struct wrule_state *st, char **why);
/* Does value v satisfy the comparison (in the value's unit)? */
bool	 vcmp_eval(const struct vcmp *c, double v);
/* "failing >= 50% within 5m (min 3 samples)" */
char	*rule_describe(const struct rollback_rule *r);

#endif
