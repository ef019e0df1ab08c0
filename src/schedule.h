/*
 * schedule.h - the plan's wall clock and its people: `schedule:` (when
 * a phase may start, in the plan's time zone), T-minus checklists (`due:
 * T-48h` on a check), `roles:`, `approvers:`/`quorum:` on a manual item
 * or a phase's gate, and `two_person:` (rollback, force).
 *
 * Times are absolute microseconds since the epoch, computed once at plan
 * load from local times read in the plan's zone through the C library's
 * TZ database (tzdata): a clock time ("04:00") is the one on the day of
 * the start, or the next day when that is not after what it bounds, by
 * calendar (mktime), never by adding 24 hours, so a DST change in between
 * is counted right.  A local time that does not exist (the hour skipped
 * when clocks go forward) is an error; one that happens twice (clocks go
 * back) is the earlier.
 */
#ifndef CUTOVER_SCHEDULE_H
#define CUTOVER_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/util.h"

struct plan;
struct phase;
struct check;
struct journal;
struct alerter;
struct pctx;
typedef struct yaml_node_s yaml_node_t;

/* Who may answer: `approvers:` (role names) and `quorum:` (people). */
struct approval_rule {
	struct strlist	 roles;		/* empty: no approval needed */
	int		 quorum;	/* distinct people; default 1 */
};

struct sched_phase {
	int64_t			 not_before_us, not_after_us;	/* 0: none */
	int64_t			 window_max_at_us;	/* window max as a clock */
	struct approval_rule	 gate;
};

struct sched_check {
	bool			 has_due;
	int64_t			 due_before_us;	/* T-48h: 48h */
	struct approval_rule	 approve;	/* manual items only */
};

struct role {
	char		*name;
	struct strlist	 users;
};

struct schedule {
	bool		 set;		/* `schedule:` given */
	char		*tz;
	int64_t		 start_us, not_before_us, not_after_us;	/* 0: none */
	struct sched_phase *phases;	/* [nphases] */
	struct sched_check *checks;	/* [nchecks] */
	struct role	*roles;
	size_t		 nroles;
	bool		 two_rollback, two_force;
};

/* plan.c's hooks: the keys, parsed after everything else. */
extern const char *const sched_top_keys[];	/* schedule, roles, two_person */
extern const char *const sched_phase_keys[];	/* schedule, approvers, quorum */
extern const char *const sched_check_keys[];	/* due, approvers, quorum */
void	 schedule_parse(struct pctx *cx, yaml_node_t *root);
void	 schedule_free(struct plan *p);
/* Is n a clock time ("04:00"), which a window's max may be? */
bool	 sched_is_clock(struct pctx *cx, yaml_node_t *n);

/* ---- time in a zone (unit-tested) ---- */
/* Is name a zone of the TZ database here? */
bool	 sched_tz_valid(const char *name);
/*
 * Local time text in tz -> epoch us.  text: "YYYY-MM-DDTHH:MM[:SS]" (or a
 * space for T), or a clock "HH:MM[:SS]" read on base_us's local day (then
 * the next day while the result is not after base_us, when after_base).
 * 0, or -1 with *errp (bad text, a time the DST change skips).
 */
int	 sched_time(const char *tz, const char *text, int64_t base_us,
	    bool after_base, int64_t *us, char **errp);
/* "2026-12-05 02:00 MSK" (seconds when not zero); caller frees. */
char	*sched_fmt(const char *tz, int64_t us);

/* ---- the runbook's hooks ---- */
/*
 * May phase ph start now?  0 yes, 1 no (*reason says why: outside its
 * schedule, or an overdue checklist item it needs), -1 journal error in
 * *errp.  force overrides the schedule (journaled as a decision); an
 * overdue item is also alerted (checklist.overdue).
 */
int	 schedule_admit(const struct plan *p, const struct phase *ph,
	    struct journal *j, int64_t run, const char *user, bool force,
	    struct alerter *al, char **reason, char **errp);
/* The phase's window max as a duration from win_start, when a clock. */
void	 schedule_window(struct plan *p, const struct phase *ph,
	    int64_t win_start_us);
const struct sched_phase *sched_phase_of(const struct plan *p,
	    const struct phase *ph);
const struct sched_check *sched_check_of(const struct check *c);

/* ---- T-minus checklist ---- */
enum item_state { ITEM_PENDING, ITEM_DUE, ITEM_OVERDUE, ITEM_DONE };
struct citem {
	const struct check *c;
	int64_t		 due_us;
	enum item_state	 state;
	char		*by;		/* done: who (manual) */
	int64_t		 done_us;
};
/*
 * The plan's checklist items at time now, in due order, read from j
 * (NULL: nothing done).  "due" is a window of an hour before the due
 * time.  Caller frees with citems_free.
 */
struct citem *schedule_checklist(const struct plan *p, struct journal *j,
	    int64_t now_us, size_t *n);
void	 citems_free(struct citem *v, size_t n);
/*
 * status's and serve's view: the schedule, the checklist and pending
 * approvals at now, read from the journal at path (opened read-only;
 * none yet: nothing done).  Text lines, or `, "schedule": {...}` to go
 * into a JSON object.  Nothing when the plan has no schedule nor
 * approvals.
 */
/*
 * `status --alert` (run from cron): send checklist.overdue to the plan's
 * channels for each overdue item not delivered before.  The number
 * alerted, or -1 with *errp.
 */
int	 schedule_alert_overdue(const struct plan *p, const char *path,
	    char **errp);
struct buf;
void	 schedule_status(struct buf *b, bool json, const struct plan *p,
	    const char *path, int64_t now_us);
const char *item_state_name(enum item_state s);

#endif
