/*
 * alert_none.c - placeholder alerter so this branch links before the
 * `alerts:` channels (src/alert.c) are merged: every call does nothing.
 * The integrator deletes this file when merging alert.c.
 */
#include <stddef.h>

#include "alert.h"

struct alerter *
alert_start(const struct plan *p, struct journal *j, int64_t run)
{
	(void)p;
	(void)j;
	(void)run;
	return NULL;
}

void
alert_emit(struct alerter *a, const struct alert_event *ev)
{
	(void)a;
	(void)ev;
}

void
alert_check_state(struct alerter *a, const char *phase, const char *check,
    bool ok, const char *message)
{
	(void)a;
	(void)phase;
	(void)check;
	(void)ok;
	(void)message;
}

int
alert_stop(struct alerter *a, int64_t max_us)
{
	(void)a;
	(void)max_us;
	return 0;
}
