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

#endif
