/*
 * test_alert.c - alert channels: the flap filter at its boundaries (a
 * clock of our own), what a plan's `alerts:` turns into (defaults, the
 * endpoint shown, the credentials registered for masking), and the
 * bounded queue: a burst past ALERT_QUEUE_MAX drops the oldest, and every
 * event of the burst is journaled as sent, failed or dropped.
 */
#include <stdlib.h>
#include <unistd.h>

#include "../t.h"
#include "alert.h"
#include "journal.h"
#include "lib/redact.h"
#include "lib/units.h"
#include "lib/xmalloc.h"
#include "plan.h"

#define S	US_PER_S

T_TEST(flap_first_fail_sent_at_once)
{
	struct alert_flap f = { 0 };
	unsigned held = 9;

	/* Passing from the start: nothing to say. */
	T_EQ_INT(alert_flap_step(&f, false, 1 * S, 60 * S, &held), FLAP_NONE);
	T_EQ_INT(alert_flap_step(&f, false, 2 * S, 60 * S, &held), FLAP_NONE);
	T_EQ_INT(alert_flap_step(&f, true, 3 * S, 60 * S, &held), FLAP_FAIL);
	T_EQ_INT(held, 0);
	/* Still failing: no repeat, however long. */
	T_EQ_INT(alert_flap_step(&f, true, 500 * S, 60 * S, &held), FLAP_NONE);
	T_EQ_INT(alert_flap_step(&f, false, 501 * S, 60 * S, &held),
	    FLAP_RECOVER);
	T_EQ_INT(alert_flap_flush(&f, &held), FLAP_NONE);
}

T_TEST(flap_inside_hold_sends_nothing)
{
	struct alert_flap f = { 0 };
	unsigned held;

	T_EQ_INT(alert_flap_step(&f, true, 10 * S, 60 * S, &held), FLAP_FAIL);
	/* Recover and fail again within the hold: nothing. */
	T_EQ_INT(alert_flap_step(&f, false, 20 * S, 60 * S, &held), FLAP_NONE);
	T_EQ_INT(alert_flap_step(&f, true, 30 * S, 60 * S, &held), FLAP_NONE);
	/* Past the hold, still failing, as sent: nothing either. */
	T_EQ_INT(alert_flap_step(&f, true, 80 * S, 60 * S, &held), FLAP_NONE);
	T_EQ_INT(alert_flap_flush(&f, &held), FLAP_NONE);
}

T_TEST(flap_held_change_sent_after_hold)
{
	struct alert_flap f = { 0 };
	unsigned held;

	T_EQ_INT(alert_flap_step(&f, true, 10 * S, 60 * S, &held), FLAP_FAIL);
	T_EQ_INT(alert_flap_step(&f, false, 20 * S, 60 * S, &held), FLAP_NONE);
	T_EQ_INT(alert_flap_step(&f, true, 30 * S, 60 * S, &held), FLAP_NONE);
	T_EQ_INT(alert_flap_step(&f, false, 40 * S, 60 * S, &held), FLAP_NONE);
	/* One microsecond short of the hold, then at it. */
	T_EQ_INT(alert_flap_step(&f, false, 70 * S - 1, 60 * S, &held),
	    FLAP_NONE);
	T_EQ_INT(alert_flap_step(&f, false, 70 * S, 60 * S, &held),
	    FLAP_RECOVER);
	/* Three changes since the fail was sent: this one and two more. */
	T_EQ_INT(held, 2);
	/* The hold counts from this recover now. */
	T_EQ_INT(alert_flap_step(&f, true, 71 * S, 60 * S, &held), FLAP_NONE);
	T_EQ_INT(alert_flap_step(&f, true, 130 * S, 60 * S, &held), FLAP_FAIL);
	T_EQ_INT(held, 0);
}

T_TEST(flap_flush_sends_last_state)
{
	struct alert_flap f = { 0 };
	unsigned held;

	T_EQ_INT(alert_flap_step(&f, true, 10 * S, 300 * S, &held), FLAP_FAIL);
	T_EQ_INT(alert_flap_step(&f, false, 20 * S, 300 * S, &held),
	    FLAP_NONE);
	T_EQ_INT(alert_flap_flush(&f, &held), FLAP_RECOVER);
	T_EQ_INT(held, 0);
	T_EQ_INT(alert_flap_flush(&f, &held), FLAP_NONE);
	/* A check that never failed has nothing to flush. */
	struct alert_flap g = { 0 };
	T_EQ_INT(alert_flap_step(&g, false, 1 * S, 300 * S, &held), FLAP_NONE);
	T_EQ_INT(alert_flap_flush(&g, &held), FLAP_NONE);
}

T_TEST(flap_zero_hold_sends_every_change)
{
	struct alert_flap f = { 0 };
	unsigned held;

	T_EQ_INT(alert_flap_step(&f, true, 1, 0, &held), FLAP_FAIL);
	T_EQ_INT(alert_flap_step(&f, false, 1, 0, &held), FLAP_RECOVER);
	T_EQ_INT(alert_flap_step(&f, true, 1, 0, &held), FLAP_FAIL);
}

static struct plan *
load(const char *yaml, char **errs)
{
	*errs = NULL;
	return plan_load_mem("p.yml", yaml, strlen(yaml), errs);
}

T_TEST(channels_and_defaults)
{
	char *errs;
	struct plan *p = load(
	    "cutover: 1\nname: x\n"
	    "checks: [ { id: c, kind: file, path: / } ]\n"
	    "alerts:\n"
	    "  - kind: webhook\n"
	    "    url: https://api.example.org:8443/bot123456:AAAAAAAAAAAAAAAA"
	    "BBBBBBBB/sendMessage?x=1\n"
	    "    headers: { Authorization: \"Bearer zzzzzzzzzzzz\", Title: high }\n"
	    "    body: 'ev=${event} $$5'\n"
	    "  - id: log\n"
	    "    kind: command\n"
	    "    run: [notify, --json]\n"
	    "    events: [run.done]\n"
	    "    timeout: 3s\n"
	    "    retry: { for: 0s }\n"
	    "    hold: 0s\n", &errs);

	T_OK(p != NULL);
	if (p == NULL) {
		fprintf(stderr, "%s", errs);
		free(errs);
		return;
	}
	T_EQ_INT(p->nalerts, 2);
	const struct alert_channel *w = &p->alerts[0], *c = &p->alerts[1];
	T_EQ_STR(w->id, "webhook-1");
	T_EQ_STR(w->method, "POST");
	T_EQ_STR(w->url_safe, "https://api.example.org:8443");
	T_EQ_STR(w->body, "ev=${event} $$5");
	T_OK(!w->body_json);
	T_EQ_INT(w->timeout_us, 10 * S);
	T_EQ_INT(w->retry_for_us, 120 * S);
	T_EQ_INT(w->hold_us, 300 * S);
	/* Default events: all but run.start and gate.go. */
	T_OK(!(w->events & 1u));
	T_OK(!(w->events & 2u));
	T_OK(w->events & 4u);
	/* The token and the Authorization value are masked from now on ... */
	char *r = redact("token 123456:AAAAAAAAAAAAAAAABBBBBBBB, auth Bearer "
	    "zzzzzzzzzzzz");
	T_OK(strstr(r, "AAAAAAAA") == NULL);
	T_OK(strstr(r, "zzzzzzzz") == NULL);
	free(r);
	/* ... a harmless header value is not (it would mask the word). */
	r = redact("risk high");
	T_EQ_STR(r, "risk high");
	free(r);
	T_EQ_STR(c->id, "log");
	T_EQ_INT(c->kind, ALERT_COMMAND);
	T_EQ_STR(c->cmd.argv.v[1], "--json");
	T_EQ_INT(c->events, 1u << 9);
	T_EQ_INT(c->timeout_us, 3 * S);
	T_EQ_INT(c->retry_for_us, 0);
	T_EQ_INT(c->hold_us, 0);
	plan_free(p);
	redact_clear();
}

T_TEST(json_body_by_content_type)
{
	char *errs;
	struct plan *p = load(
	    "cutover: 1\nname: x\n"
	    "alerts:\n"
	    "  - { kind: webhook, url: 'http://h/a' }\n"
	    "  - { kind: webhook, url: 'http://h/b', body: ' {\"t\": \"${text}\"}' }\n"
	    "  - { kind: webhook, url: 'http://h/c', body: '${text}',"
	    " headers: { content-type: application/json } }\n", &errs);

	T_OK(p != NULL);
	if (p) {
		T_OK(p->alerts[0].body_json);
		T_OK(p->alerts[1].body_json);
		T_OK(p->alerts[2].body_json);
	}
	plan_free(p);
	free(errs);
	redact_clear();
}

/* A burst past the queue's size: the oldest waiting are dropped. */
T_TEST(queue_drops_oldest_and_journals_all)
{
	char dir[] = "/tmp/cutover-alert.XXXXXX";
	char *errs, *e = NULL;
	struct journal *j;
	int64_t run;

	T_OK(mkdtemp(dir) != NULL);
	char *path = xasprintf("%s/j.db", dir);
	/* Port 9 (discard) on loopback refuses at once; no retries. */
	struct plan *p = load(
	    "cutover: 1\nname: x\n"
	    "alerts:\n"
	    "  - { id: down, kind: webhook, url: 'http://127.0.0.1:9/',"
	    " retry: { for: 0s }, events: [trigger] }\n", &errs);
	T_OK(p != NULL);
	T_EQ_INT(journal_open(path, true, &j, &e), 0);
	T_EQ_INT(journal_run_begin(j, "x", "p.yml", "0", "me", &run, &e), 0);
	struct alerter *a = alert_start(p, j, run);
	T_OK(a != NULL);
	for (int i = 0; i < 300; i++) {
		char m[32];
		snprintf(m, sizeof(m), "burst %d", i);
		struct alert_event ev = { .event = "trigger", .message = m };
		alert_emit(a, &ev);
	}
	/* Not wanted by the channel: never queued. */
	struct alert_event other = { .event = "run.done" };
	alert_emit(a, &other);
	int failed = alert_stop(a, 20 * S);
	T_EQ_INT(failed, 300);
	struct jlog l;
	T_EQ_INT(journal_load(j, run, &l, &e), 0);
	size_t dropped = 0, nfailed = 0, lost = 0;
	for (size_t i = 0; i < l.nalerts; i++) {
		if (strcmp(l.alerts[i].state, "dropped") == 0 &&
		    strcmp(l.alerts[i].event, "alerts.lost") == 0)
			lost += strtoul(l.alerts[i].outcome, NULL, 10);
		else if (strcmp(l.alerts[i].state, "dropped") == 0)
			dropped++;
		else if (strcmp(l.alerts[i].state, "failed") == 0)
			nfailed++;
	}
	/* 300 events, 256 waiting at most: at least 43 dropped. */
	T_OK(dropped + lost >= 300 - 256 - 1);
	T_EQ_INT(dropped + lost + nfailed, 300);
	/* The newest survived the drops: it was tried. */
	bool tried = false;
	for (size_t i = 0; i < l.nalerts; i++)
		tried |= l.alerts[i].message && strcmp(l.alerts[i].message,
		    "burst 299") == 0 && strcmp(l.alerts[i].state, "failed") == 0;
	T_OK(tried);
	jlog_release(&l);
	journal_close(j);
	plan_free(p);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	T_OK(system(cmd) == 0);
	free(cmd);
	free(path);
	free(e);
}

/* A NULL alerter (a plan without alerts) takes every call. */
T_TEST(null_alerter)
{
	struct alert_event ev = { .event = "run.start" };

	T_OK(alert_start(NULL, NULL, 0) == NULL);
	alert_emit(NULL, &ev);
	alert_check_state(NULL, "p", "c", false, "m");
	T_EQ_INT(alert_stop(NULL, 0), 0);
}

T_SUITE(alert, flap_first_fail_sent_at_once, flap_inside_hold_sends_nothing,
    flap_held_change_sent_after_hold, flap_flush_sends_last_state,
    flap_zero_hold_sends_every_change, channels_and_defaults,
    json_body_by_content_type, queue_drops_oldest_and_journals_all,
    null_alerter);
