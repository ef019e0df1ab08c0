/*
 * alert.h - the plan's `alerts:` channels: events of a run or a watch sent
 * to webhooks and commands, without ever blocking the caller.
 *
 * The engine (runbook, watch) calls alert_emit() at each event and
 * alert_check_state() at each judged check result; the alerter turns
 * check states into `check.fail` / `check.recover` on changes only (with
 * flap suppression), queues every delivery for its sender thread, and
 * journals each delivery and its outcome.  Every function accepts a NULL
 * alerter (a plan without `alerts:`) and then does nothing.
 */
#ifndef CUTOVER_ALERT_H
#define CUTOVER_ALERT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct plan;
struct journal;
struct alerter;

/*
 * The fields of one event.  `event` is one of: run.start, gate.nogo,
 * gate.go, rollback.start, rollback.done, trigger, check.fail,
 * check.recover, window.overrun, run.done, watch.done.  Other fields may be
 * NULL.  Texts are redacted by the alerter before they leave the process.
 */
struct alert_event {
	const char	*event;
	const char	*phase;
	const char	*check;		/* check id, or the rule's check */
	const char	*status;	/* "pass", "fail", "go", "no-go", ... */
	const char	*message;	/* one line for a human */
};

/*
 * Start the alerter of plan p (NULL when the plan has no channels).  It
 * journals deliveries into j under run `run` (j may be NULL: then nothing
 * is journaled, for `cutover check`).
 */
struct alerter *alert_start(const struct plan *p, struct journal *j,
	    int64_t run);
/* Queue an event for every channel that wants it.  Never blocks long. */
void	 alert_emit(struct alerter *a, const struct alert_event *ev);
/* A check's judged state; emits check.fail / check.recover on changes. */
void	 alert_check_state(struct alerter *a, const char *phase,
	    const char *check, bool ok, const char *message);
/*
 * Deliver what is queued, waiting at most max_us for retries, then stop
 * the sender and free a.  Returns the number of deliveries that failed
 * or were dropped.
 */
int	 alert_stop(struct alerter *a, int64_t max_us);

/*
 * How long the end of a run waits for alerts still queued or being
 * retried: what is not delivered by then is journaled as failed.
 */
#define ALERT_DRAIN_US	(10LL * 1000000)

/* ---- the plan's side (plan.c calls these) ---------------------------- */

struct pctx;
typedef struct yaml_node_s yaml_node_t;

/* The event names, NULL-terminated; a channel's events are bits of it. */
extern const char *const alert_event_names[];
/* Read `alerts:` (n may be NULL) into the plan, errors through pn_error. */
void	 alert_parse(struct pctx *cx, yaml_node_t *n);
void	 alert_channels_free(struct plan *p);
/* The channels as `run --dry-run` shows them (endpoints, never URLs). */
void	 alert_describe(const struct plan *p, FILE *f);

/* ---- flap suppression, exposed for its unit test --------------------- */

/*
 * The check.fail / check.recover filter of one check on one channel.  A
 * change of state is sent at once unless the channel sent a change of
 * this check less than `hold` ago: then it is held, and sent at the
 * first sample after the hold that still differs from what was sent
 * last (a fail and recover inside the hold send nothing).  Before any
 * sample the check counts as passing: a first passing sample sends
 * nothing.  Zero-initialised is the start state.
 */
struct alert_flap {
	bool		 sent_fail;	/* the last state sent was "failing" */
	bool		 sent_any;	/* a change was sent (at sent_us) */
	bool		 cur_fail;	/* the latest sample failed */
	int64_t		 sent_us;
	unsigned	 changes;	/* changes seen since the last sent */
};
enum alert_flap_out { FLAP_NONE, FLAP_FAIL, FLAP_RECOVER };
/*
 * Feed one sample (fail: it failed) seen at now_us; returns what to send.
 * *held (may be NULL) gets how many changes the sent one stands for
 * beyond itself.
 */
enum alert_flap_out alert_flap_step(struct alert_flap *f, bool fail,
	    int64_t now_us, int64_t hold_us, unsigned *held);
/* At the end: the latest state, if it differs from what was sent last. */
enum alert_flap_out alert_flap_flush(struct alert_flap *f, unsigned *held);

#endif
