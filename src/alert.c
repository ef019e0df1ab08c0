/*
 * alert.c - the plan's `alerts:` channels: reading them, and the alerter
 * that sends a run's (or a watch's) events to them; see alert.h.
 *
 * A migration must never wait for a chat server.  alert_emit only copies
 * the event into a bounded queue and wakes the sender, a thread of its
 * own that makes every delivery: a webhook through libcurl, a command
 * through proc_run with the event as JSON on its stdin.  A delivery that
 * fails for a reason that may pass (no connection, a timeout, HTTP 408,
 * 429 or 5xx, a command's non-zero exit) is tried again 1s, 2s, 4s ...
 * (at most 30s) later, until the channel's `retry.for` has passed since
 * it was queued; HTTP 3xx/4xx fail at once (a wrong token stays wrong).
 * Deliveries to one channel go out in order; a channel that is down does
 * not delay the others.
 *
 * The queue holds ALERT_QUEUE_MAX deliveries.  When it is full the oldest
 * waiting one is dropped (journaled "dropped"): the newest news matters
 * most.  The sender journals each delivery when it first tries it and
 * again with its outcome.  alert_stop gives the queue a deadline: what is
 * not delivered by then is journaled as failed, and counted.
 *
 * A channel's URL and header values are credentials (a Telegram bot
 * token in the path, a Slack webhook path, an Authorization header): they
 * are sent and never printed.  Their sensitive parts are registered with
 * redact() when the plan is read, so that no message (curl's included)
 * can carry them out; the endpoint is named by scheme://host[:port].
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <curl/curl.h>
#include <yaml.h>

#include "alert.h"
#include "check.h"
#include "journal.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/lazy_curl.h"
#include "lib/proc.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"
#include "plan.h"

#ifndef CUTOVER_VERSION
#define CUTOVER_VERSION "0.1.0"
#endif

#define ALERT_QUEUE_MAX		256	/* deliveries waiting, all channels */
#define XSTR(x)			STR(x)
#define STR(x)			#x
/*
 * One field of an event is cut at 4 KiB: Telegram refuses a message over
 * 4096 characters, Slack shortens one past 4000, and a field is mostly a
 * one-line message.
 */
#define ALERT_FIELD_MAX		4096
#define ALERT_BODY_MAX		(64u << 10)
#define ALERT_REPLY_MAX		512	/* bytes of a reply kept for the outcome */
#define ALERT_REPLY_SHOWN	200
#define BACKOFF_FIRST_US	(1LL * US_PER_S)
#define BACKOFF_MAX_US		(30LL * US_PER_S)

#define DEFAULT_TIMEOUT_US	(10LL * US_PER_S)
#define DEFAULT_RETRY_US	(2LL * 60 * US_PER_S)
#define DEFAULT_HOLD_US		(5LL * 60 * US_PER_S)

/* The order is the bits of alert_channel.events. */
const char *const alert_event_names[] = {
	"run.start", "gate.go", "gate.nogo", "rollback.start", "rollback.done",
	"trigger", "check.fail", "check.recover", "window.overrun", "run.done",
	"watch.done", "procedure.start", "procedure.done", "rollback.overrun",
	"checklist.overdue", NULL
};
enum { EV_RUN_START, EV_GATE_GO, EV_GATE_NOGO, EV_RB_START, EV_RB_DONE,
	EV_TRIGGER, EV_CHECK_FAIL, EV_CHECK_RECOVER, EV_OVERRUN, EV_RUN_DONE,
	EV_WATCH_DONE, EV_PROC_START, EV_PROC_DONE, EV_RB_OVERRUN,
	EV_CHECKLIST_OVERDUE, EV_COUNT };

/*
 * Without `events:` a channel gets what asks for a person: everything
 * but the two "going well" events, run.start and gate.go.
 */
#define DEFAULT_EVENTS	(((1u << EV_COUNT) - 1) & ~(1u << EV_RUN_START) & \
	    ~(1u << EV_GATE_GO))

/* The ${NAME}s of a body template. */
static const char *const fields[] = {
	"event", "plan", "run", "phase", "check", "status", "message", "time",
	"text", NULL
};

static int
event_index(const char *name)
{
	for (int i = 0; alert_event_names[i]; i++)
		if (strcmp(alert_event_names[i], name) == 0)
			return i;
	return -1;
}

/* ---- the plan's side ------------------------------------------------- */

static const char *const chan_keys[] = {
	"id", "kind", "events", "url", "method", "headers", "body", "run",
	"timeout", "retry", "hold", NULL
};
static const char *const kinds[] = { "webhook", "command", NULL };
static const char *const webhook_keys[] = { "url", "method", "headers",
	"body", NULL };

/*
 * Headers whose value is a credential by its name (Authorization,
 * X-Api-Key, X-Auth-Token, Cookie ...).  Others (Content-Type, ntfy's
 * Title or Priority) are left alone: registering "high" as a secret would
 * mask the word in every report.
 */
static bool
header_secret(const char *name)
{
	static const char *const words[] = { "auth", "token", "key", "secret",
	    "password", "signature", "cookie", "session", NULL };

	for (int i = 0; words[i]; i++)
		if (strcasestr_(name, words[i]))
			return true;
	return false;
}

/* Register s and its words of at least min bytes (split at seps). */
static void
register_parts(const char *s, const char *seps, size_t min)
{
	if (strlen(s) >= REDACT_MIN_LEN)
		redact_add(s);
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, seps);
		if (n >= min) {
			char *w = xstrndup(p, n);
			redact_add(w);
			free(w);
		}
		p += n;
		if (*p)
			p++;
	}
}

static bool
token_char(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * Check the URL (never quoted in an error: it may hold a token), make
 * url_safe, and register what must never be printed: the password, the
 * path and query, and each long part of them (a token is 20+ bytes, the
 * words of a path are short; a Telegram token's secret half follows a
 * ':').
 */
static int
webhook_url(struct pctx *cx, yaml_node_t *n, struct alert_channel *c)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *query = NULL, *pass = NULL;
	int rc = -1;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, c->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		pn_error(cx, n, "alert '%s': 'url' is not a valid URL (it is not "
		    "shown: it may hold a token)", c->id);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		pn_error(cx, n, "alert '%s': 'url' must be an http:// or https:// "
		    "URL", c->id);
		goto out;
	}
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
	c->url_safe = xasprintf("%s://%s%s%s", scheme, host, port ? ":" : "",
	    port ? port : "");
	if (pass)
		register_parts(pass, "", 0);
	/* "/bot123456:AAH..." registers the secret half of the token too. */
	if (path && strcmp(path, "/") != 0)
		register_parts(path, "/:", 16);
	if (query)
		register_parts(query, "&=", 16);
	rc = 0;
out:
	curl_free(scheme); curl_free(host); curl_free(port); curl_free(path);
	curl_free(query); curl_free(pass);
	curl_url_cleanup(u);
	return rc;
}

static int
webhook_headers(struct pctx *cx, yaml_node_t *n, struct alert_channel *c)
{
	int rc = 0;

	size_t cap = 0;

	if (n == NULL)
		return 0;
	if (!pn_is_map(n)) {
		pn_error(cx, n, "alert '%s': 'headers' must be a map of Name: "
		    "value", c->id);
		return -1;
	}
	pn_keys(cx, n, NULL, "headers");	/* duplicates */
	for (size_t i = 0; i < pn_map_len(n); i++) {
		yaml_node_t *v;
		const char *k = pn_map_key(cx, n, i, &v);
		if (k == NULL)
			continue;
		bool ok = *k != '\0';
		for (const char *p = k; *p; p++)
			ok &= token_char((unsigned char)*p);
		if (!ok) {
			pn_error(cx, v, "alert '%s': '%s' is not a header name",
			    c->id, k);
			rc = -1;
		}
		/* A header may name the event too (ntfy's Title: ${event}). */
		char *val = pn_str_keep(cx, v, k, fields);
		if (val == NULL) {
			rc = -1;
			continue;
		}
		struct kv item = { xstrdup(k), val };
		ARR_PUSH(c->headers, c->nheaders, cap, item);
	}
	for (size_t i = 0; i < c->nheaders; i++) {
		const char *val = c->headers[i].value;
		if (strpbrk(val, "\r\n")) {
			pn_error(cx, pn_get(cx, n, c->headers[i].key), "alert '%s': "
			    "header '%s' holds a line break", c->id,
			    c->headers[i].key);
			rc = -1;
		}
		if (header_secret(c->headers[i].key))
			register_parts(val, " \t", 8);
	}
	return rc;
}

/* Does the body go out as JSON (its fields escaped for a JSON string)? */
static bool
body_is_json(const struct alert_channel *c)
{
	for (size_t i = 0; i < c->nheaders; i++)
		if (strcasecmp(c->headers[i].key, "Content-Type") == 0)
			return strcasestr_(c->headers[i].value, "json") != NULL;
	if (c->body == NULL)
		return true;
	const char *p = c->body;
	while (isspace((unsigned char)*p))
		p++;
	return *p == '{' || *p == '[';
}

static int
parse_events(struct pctx *cx, yaml_node_t *n, struct alert_channel *c)
{
	int rc = 0;

	if (n == NULL) {
		c->events = DEFAULT_EVENTS;
		return 0;
	}
	if (!pn_is_seq(n) || pn_seq_len(n) == 0) {
		pn_error(cx, n, "alert '%s': 'events' must be a list of events like "
		    "[gate.nogo, rollback.start]", c->id);
		return -1;
	}
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		yaml_node_t *it = pn_seq_item(cx, n, i);
		char *name = pn_str(cx, it, "events");
		if (name == NULL) {
			rc = -1;
			continue;
		}
		int k = event_index(name);
		if (k < 0) {
			const char *near = nearest(name, alert_event_names,
			    EV_COUNT);
			if (near)
				pn_error(cx, it, "alert '%s': unknown event '%s' "
				    "(did you mean '%s'?)", c->id, name, near);
			else {
				/* From the table, so a new event is listed. */
				struct buf all = BUF_INIT;
				for (int e = 0; e < EV_COUNT; e++)
					buf_addf(&all, "%s%s", e ? ", " : "",
					    alert_event_names[e]);
				pn_error(cx, it, "alert '%s': unknown event '%s' "
				    "(events: %s)", c->id, name, all.s);
				buf_release(&all);
			}
			rc = -1;
		} else {
			c->events |= 1u << k;
		}
		free(name);
	}
	return rc;
}

static int
parse_durations(struct pctx *cx, yaml_node_t *m, struct alert_channel *c)
{
	int rc = 0;
	yaml_node_t *n;

	c->timeout_us = DEFAULT_TIMEOUT_US;
	c->retry_for_us = DEFAULT_RETRY_US;
	c->hold_us = DEFAULT_HOLD_US;
	if ((n = pn_get(cx, m, "timeout")) != NULL) {
		if (pn_duration(cx, n, "timeout", &c->timeout_us) != 0)
			rc = -1;
		else if (c->timeout_us <= 0) {
			pn_error(cx, n, "'timeout' must be above zero");
			rc = -1;
		}
	}
	if ((n = pn_get(cx, m, "retry")) != NULL) {
		static const char *const rk[] = { "for", NULL };
		if (!pn_is_map(n)) {
			pn_error(cx, n, "alert '%s': 'retry' must be a map like "
			    "{for: 2m}", c->id);
			rc = -1;
		} else {
			pn_keys(cx, n, rk, "retry");
			yaml_node_t *f = pn_get(cx, n, "for");
			if (f == NULL) {
				pn_error(cx, n, "alert '%s': 'retry' needs 'for' "
				    "(how long to keep trying, 0s: once)", c->id);
				rc = -1;
			} else if (pn_duration(cx, f, "for", &c->retry_for_us)) {
				rc = -1;
			}
		}
	}
	if ((n = pn_get(cx, m, "hold")) != NULL &&
	    pn_duration(cx, n, "hold", &c->hold_us) != 0)
		rc = -1;
	return rc;
}

static int
parse_channel(struct pctx *cx, yaml_node_t *m, size_t idx,
    struct alert_channel *c, struct strlist *seen)
{
	int rc = 0;
	yaml_node_t *n;

	c->line = (int)m->start_mark.line + 1;
	c->col = (int)m->start_mark.column + 1;
	n = pn_get(cx, m, "kind");
	char *kind = pn_str(cx, n, "kind");
	if (n == NULL) {
		pn_error(cx, m, "alert channel needs 'kind' (webhook or command)");
		return -1;
	}
	if (kind == NULL)
		return -1;
	if (strcmp(kind, "webhook") == 0) {
		c->kind = ALERT_WEBHOOK;
	} else if (strcmp(kind, "command") == 0) {
		c->kind = ALERT_COMMAND;
	} else {
		const char *near = nearest(kind, kinds, 2);
		pn_error(cx, n, "unknown alert kind '%s'%s%s%s", kind,
		    near ? " (did you mean '" : " (webhook or command)",
		    near ? near : "", near ? "'?)" : "");
		free(kind);
		return -1;
	}

	if ((n = pn_get(cx, m, "id")) != NULL) {
		c->id = pn_str(cx, n, "id");
		if (c->id == NULL)
			rc = -1;
		bool ok = c->id && *c->id;
		for (const char *p = c->id; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || strchr("._-", *p);
		char *r = c->id ? redact(c->id) : NULL;
		if (c->id && !ok) {
			pn_error(cx, n, "alert id '%s' may contain only letters, "
			    "digits, '.', '_' and '-'", c->id);
			rc = -1;
		} else if (r && strcmp(r, c->id) != 0) {
			pn_error(cx, n, "alert id '%s' contains a secret value; ids "
			    "are printed everywhere", r);
			rc = -1;
		}
		free(r);
	} else {
		c->id = xasprintf("%s-%zu", kind, idx + 1);
	}
	free(kind);
	if (rc != 0)
		return -1;
	if (strlist_has(seen, c->id)) {
		pn_error(cx, n ? n : m, "duplicate alert id '%s'", c->id);
		rc = -1;
	}
	strlist_push(seen, c->id);

	rc |= parse_events(cx, pn_get(cx, m, "events"), c);
	rc |= parse_durations(cx, m, c);

	if (c->kind == ALERT_COMMAND) {
		for (int i = 0; webhook_keys[i]; i++)
			if ((n = pn_get(cx, m, webhook_keys[i])) != NULL) {
				pn_error(cx, n, "alert '%s': '%s' is for webhook "
				    "channels; a command channel has 'run'", c->id,
				    webhook_keys[i]);
				rc = -1;
			}
		if ((n = pn_get(cx, m, "run")) == NULL) {
			pn_error(cx, m, "alert '%s': missing 'run' (the command "
			    "that reads the event as JSON on stdin)", c->id);
			rc = -1;
		} else if (pn_command(cx, n, "run", false, &c->cmd) != 0) {
			rc = -1;
		}
		return rc;
	}

	if ((n = pn_get(cx, m, "run")) != NULL) {
		pn_error(cx, n, "alert '%s': 'run' is for command channels; a "
		    "webhook sends to 'url'", c->id);
		rc = -1;
	}
	if ((n = pn_get(cx, m, "url")) == NULL) {
		pn_error(cx, m, "alert '%s': missing 'url'", c->id);
		rc = -1;
	} else if ((c->url = pn_str(cx, n, "url")) == NULL ||
	    webhook_url(cx, n, c) != 0) {
		rc = -1;
	}
	c->method = xstrdup("POST");
	if ((n = pn_get(cx, m, "method")) != NULL) {
		char *s = pn_str(cx, n, "method");
		for (char *p = s; p && *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (s && (strcmp(s, "POST") == 0 || strcmp(s, "PUT") == 0 ||
		    strcmp(s, "PATCH") == 0)) {
			free(c->method);
			c->method = s;
		} else {
			if (s)
				pn_error(cx, n, "alert '%s': 'method' must be POST, "
				    "PUT or PATCH", c->id);
			free(s);
			rc = -1;
		}
	}
	rc |= webhook_headers(cx, pn_get(cx, m, "headers"), c);
	if ((n = pn_get(cx, m, "body")) != NULL) {
		c->body = pn_str_keep(cx, n, "body", fields);
		if (c->body == NULL) {
			rc = -1;
		} else if (*c->body == '\0') {
			pn_error(cx, n, "alert '%s': 'body' is empty (leave it out "
			    "for the default JSON)", c->id);
			rc = -1;
		}
	}
	c->body_json = body_is_json(c);
	return rc;
}

static void
channel_release(struct alert_channel *c)
{
	free(c->id);
	free(c->url);
	free(c->url_safe);
	free(c->method);
	for (size_t i = 0; i < c->nheaders; i++) {
		free(c->headers[i].key);
		free(c->headers[i].value);
	}
	free(c->headers);
	free(c->body);
	strlist_release(&c->cmd.argv);
	free(c->cmd.shell);
	memset(c, 0, sizeof(*c));
}

void
alert_parse(struct pctx *cx, yaml_node_t *n)
{
	struct plan *p = pn_plan(cx);
	struct strlist seen = STRLIST_INIT;

	if (n == NULL)
		return;
	if (!pn_is_seq(n)) {
		pn_error(cx, n, "'alerts' must be a list of channels like {kind: "
		    "webhook, url: ..., events: [gate.nogo]}");
		return;
	}
	p->alerts = xcalloc(pn_seq_len(n) + 1, sizeof(*p->alerts));
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		yaml_node_t *it = pn_seq_item(cx, n, i);
		if (!pn_is_map(it)) {
			pn_error(cx, it, "an alert channel must be a map like "
			    "{kind: webhook, url: ...}");
			continue;
		}
		pn_keys(cx, it, chan_keys, "alert");
		struct alert_channel *c = &p->alerts[p->nalerts];
		if (parse_channel(cx, it, i, c, &seen) == 0)
			p->nalerts++;
		else
			channel_release(c);
	}
	strlist_release(&seen);
}

void
alert_channels_free(struct plan *p)
{
	for (size_t i = 0; i < p->nalerts; i++)
		channel_release(&p->alerts[i]);
	free(p->alerts);
	p->alerts = NULL;
	p->nalerts = 0;
}

void
alert_describe(const struct plan *p, FILE *f)
{
	if (p->nalerts == 0)
		return;
	fprintf(f, "\nalerts (a dry run sends none):\n");
	for (size_t i = 0; i < p->nalerts; i++) {
		const struct alert_channel *c = &p->alerts[i];
		if (c->kind == ALERT_WEBHOOK)
			fprintf(f, "  %s: webhook %s %s\n", c->id, c->method,
			    c->url_safe);
		else
			fprintf(f, "  %s: command %s\n", c->id, c->cmd.argv.v[0]);
		fputs("    events:", f);
		for (int k = 0; alert_event_names[k]; k++)
			if (c->events & (1u << k))
				fprintf(f, " %s", alert_event_names[k]);
		char *t = fmt_duration(c->timeout_us);
		char *r = fmt_duration(c->retry_for_us);
		char *h = fmt_duration(c->hold_us);
		fprintf(f, "\n    timeout %s, retry for %s, hold %s\n", t, r, h);
		free(t);
		free(r);
		free(h);
	}
}

/* ---- flap suppression ------------------------------------------------ */

static enum alert_flap_out
flap_send(struct alert_flap *f, int64_t now_us, unsigned *held)
{
	if (held)
		*held = f->changes ? f->changes - 1 : 0;
	f->changes = 0;
	f->sent_fail = f->cur_fail;
	f->sent_any = true;
	f->sent_us = now_us;
	return f->cur_fail ? FLAP_FAIL : FLAP_RECOVER;
}

enum alert_flap_out
alert_flap_step(struct alert_flap *f, bool fail, int64_t now_us,
    int64_t hold_us, unsigned *held)
{
	if (fail != f->cur_fail)
		f->changes++;
	f->cur_fail = fail;
	if (held)
		*held = 0;
	if (f->cur_fail == f->sent_fail)
		return FLAP_NONE;
	if (f->sent_any && now_us - f->sent_us < hold_us)
		return FLAP_NONE;
	return flap_send(f, now_us, held);
}

enum alert_flap_out
alert_flap_flush(struct alert_flap *f, unsigned *held)
{
	if (held)
		*held = 0;
	if (f->cur_fail == f->sent_fail)
		return FLAP_NONE;
	return flap_send(f, f->sent_us, held);
}

/* ---- the alerter ----------------------------------------------------- */

enum { F_EVENT, F_PHASE, F_CHECK, F_STATUS, F_MESSAGE, F_TEXT, F_N };

struct item {
	struct item	*next;
	size_t		 chan;
	char		*f[F_N];	/* redacted, cut to ALERT_FIELD_MAX */
	int64_t		 at_wall;
	int64_t		 queued_us;	/* monotonic */
	int64_t		 next_us;	/* next attempt (monotonic) */
	int		 attempts;
	int64_t		 row;		/* journal row; 0: not written */
	char		*last;		/* outcome of the latest attempt */
	bool		 busy;		/* being sent (never dropped) */
};

/* The latest sample of a check, for check.fail/recover. */
struct cstate {
	char		*phase, *message;
};

struct alerter {
	const struct plan *p;
	struct journal	*j;
	int64_t		 run;
	char		*plan_name;	/* redacted */
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct item	*head;		/* waiting or being sent, oldest first */
	size_t		 nq;
	struct item	*dropped;	/* dropped, to be journaled */
	size_t		 ndropped;
	size_t		 lost;		/* dropped past that: counted only */
	bool		 stopping;
	int64_t		 deadline;	/* monotonic, once stopping */
	int		 failures;
	bool		 jerr;		/* a journal write failed */
	struct alert_flap *flap;	/* [check * nalerts + channel] */
	struct cstate	*cs;		/* [check] */
	CURL		**curl;		/* per channel; the sender's */
	bool		*seen;		/* per channel; the sender's */
};

static void
item_free(struct item *it)
{
	for (int i = 0; i < F_N; i++)
		free(it->f[i]);
	free(it->last);
	free(it);
}

/* s redacted, cut to ALERT_FIELD_MAX bytes on a character boundary. */
static char *
field(const char *s)
{
	if (s == NULL)
		return NULL;
	char *r = redact(s);
	size_t n = strlen(r);
	if (n > ALERT_FIELD_MAX) {
		n = ALERT_FIELD_MAX;
		while (n > 0 && ((unsigned char)r[n] & 0xc0) == 0x80)
			n--;
		r[n] = '\0';
	}
	return r;
}

/* Queue ev for channel k; a->mu held. */
static void
push(struct alerter *a, size_t k, const struct alert_event *ev)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->chan = k;
	it->f[F_EVENT] = xstrdup(ev->event);
	it->f[F_PHASE] = field(ev->phase);
	it->f[F_CHECK] = field(ev->check);
	it->f[F_STATUS] = field(ev->status);
	it->f[F_MESSAGE] = field(ev->message);
	struct buf t = BUF_INIT;
	buf_addf(&t, "cutover: %s run %lld: %s", a->plan_name,
	    (long long)a->run, ev->event);
	if (it->f[F_PHASE])
		buf_addf(&t, " phase %s", it->f[F_PHASE]);
	if (it->f[F_CHECK])
		buf_addf(&t, " check %s", it->f[F_CHECK]);
	if (it->f[F_STATUS])
		buf_addf(&t, " (%s)", it->f[F_STATUS]);
	if (it->f[F_MESSAGE])
		buf_addf(&t, ": %s", it->f[F_MESSAGE]);
	it->f[F_TEXT] = field(t.s);
	buf_release(&t);
	it->at_wall = now_wall_us();
	it->queued_us = it->next_us = now_mono_us();

	if (a->nq >= ALERT_QUEUE_MAX) {
		struct item **pp = &a->head;
		while (*pp && (*pp)->busy)
			pp = &(*pp)->next;
		struct item *old = *pp;
		if (old) {
			*pp = old->next;
			a->nq--;
			if (a->ndropped < ALERT_QUEUE_MAX) {
				old->next = a->dropped;
				a->dropped = old;
				a->ndropped++;
			} else {
				a->lost++;
				item_free(old);
			}
		}
	}
	struct item **pp = &a->head;
	while (*pp)
		pp = &(*pp)->next;
	*pp = it;
	a->nq++;
	pthread_cond_signal(&a->cv);
}

void
alert_emit(struct alerter *a, const struct alert_event *ev)
{
	int k;

	if (a == NULL || ev == NULL || ev->event == NULL ||
	    (k = event_index(ev->event)) < 0)
		return;
	pthread_mutex_lock(&a->mu);
	for (size_t i = 0; i < a->p->nalerts; i++)
		if (a->p->alerts[i].events & (1u << k))
			push(a, i, ev);
	pthread_mutex_unlock(&a->mu);
}

/* Queue what alert_flap_* said for channel k; a->mu held. */
static void
push_flap(struct alerter *a, size_t k, enum alert_flap_out o,
    const char *check, const struct cstate *cs, unsigned held,
    const char *why)
{
	const struct alert_channel *c = &a->p->alerts[k];
	int ev = o == FLAP_FAIL ? EV_CHECK_FAIL : EV_CHECK_RECOVER;

	if (o == FLAP_NONE || !(c->events & (1u << ev)))
		return;
	struct buf m = BUF_INIT;
	buf_adds(&m, cs->message ? cs->message : "");
	if (held) {
		char *d = fmt_duration(c->hold_us);
		buf_addf(&m, "%s(%u other change%s within hold %s not sent)",
		    m.len ? " " : "", held, held == 1 ? "" : "s", d);
		free(d);
	}
	if (why)
		buf_addf(&m, "%s(%s)", m.len ? " " : "", why);
	struct alert_event e = {
		.event = alert_event_names[ev], .phase = cs->phase,
		.check = check, .status = o == FLAP_FAIL ? "fail" : "pass",
		.message = m.s,
	};
	push(a, k, &e);
	buf_release(&m);
}

void
alert_check_state(struct alerter *a, const char *phase, const char *check,
    bool ok, const char *message)
{
	if (a == NULL || check == NULL)
		return;
	const struct check *ck = plan_check(a->p, check);
	if (ck == NULL)
		return;
	size_t ci = (size_t)(ck - a->p->checks);
	int64_t now = now_mono_us();

	pthread_mutex_lock(&a->mu);
	struct cstate *cs = &a->cs[ci];
	free(cs->phase);
	free(cs->message);
	cs->phase = phase ? xstrdup(phase) : NULL;
	cs->message = message ? xstrdup(message) : NULL;
	for (size_t k = 0; k < a->p->nalerts; k++) {
		unsigned held;
		struct alert_flap *f = &a->flap[ci * a->p->nalerts + k];
		enum alert_flap_out o = alert_flap_step(f, !ok, now,
		    a->p->alerts[k].hold_us, &held);
		push_flap(a, k, o, ck->id, cs, held, NULL);
	}
	pthread_mutex_unlock(&a->mu);
}

/* ---- delivery -------------------------------------------------------- */

enum res { R_SENT, R_RETRY, R_FAIL };

static void
event_json(const struct alerter *a, const struct item *it, struct buf *b)
{
	buf_adds(b, "{");
	json_field(b, "event", it->f[F_EVENT], false);
	json_field(b, "plan", a->plan_name, true);
	buf_addf(b, ", \"run\": %lld", (long long)a->run);
	json_field(b, "phase", it->f[F_PHASE], true);
	json_field(b, "check", it->f[F_CHECK], true);
	json_field(b, "status", it->f[F_STATUS], true);
	json_field(b, "message", it->f[F_MESSAGE], true);
	/* The webhook body keeps the key its templates call $time. */
	char *t = fmt_time_iso(it->at_wall);
	json_field(b, "time", t, true);
	free(t);
	json_field(b, "text", it->f[F_TEXT], true);
	buf_adds(b, "}");
}

/* Append template tpl with the event's fields (JSON-escaped when json). */
static void
expand(const struct alerter *a, const char *tpl, bool json,
    const struct item *it, struct buf *b)
{
	char run[32];
	snprintf(run, sizeof(run), "%lld", (long long)a->run);
	char *time = fmt_time_iso(it->at_wall);
	const char *val[] = {
		it->f[F_EVENT], a->plan_name, run, it->f[F_PHASE], it->f[F_CHECK],
		it->f[F_STATUS], it->f[F_MESSAGE], time, it->f[F_TEXT],
	};
	for (const char *p = tpl; *p; p++) {
		if (p[0] == '$' && p[1] == '$') {
			buf_addc(b, '$');
			p++;
			continue;
		}
		const char *e = p[0] == '$' && p[1] == '{' ? strchr(p, '}') : NULL;
		int k = -1;
		for (int i = 0; e && fields[i] && k < 0; i++)
			if ((size_t)(e - p - 2) == strlen(fields[i]) &&
			    strncmp(p + 2, fields[i], strlen(fields[i])) == 0)
				k = i;
		if (k < 0) {
			buf_addc(b, *p);
			continue;
		}
		const char *v = val[k] ? val[k] : "";
		if (json)
			buf_add_json(b, v);
		else
			buf_adds(b, v);
		p = e;
	}
	free(time);
}

/* The body of a webhook: the channel's template expanded, or the JSON. */
static void
render_body(const struct alerter *a, const struct alert_channel *c,
    const struct item *it, struct buf *b)
{
	if (c->body == NULL)
		event_json(a, it, b);
	else
		expand(a, c->body, c->body_json, it, b);
}

/* One line fit for the journal and a terminal: redacted, no controls. */
static char *
one_line(const char *s, size_t max)
{
	char *r = redact(s);
	for (char *p = r; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	size_t n = strlen(r);
	if (n > max) {
		while (max > 0 && ((unsigned char)r[max] & 0xc0) == 0x80)
			max--;
		r[max] = '\0';
	}
	char *v = text_printable(r, false);
	free(r);
	return v;
}

static size_t
on_reply(char *data, size_t size, size_t n, void *arg)
{
	buf_add(arg, data, size * n);
	return size * n;
}

static enum res
send_webhook(struct alerter *a, CURL *cu, const struct alert_channel *c,
    const struct item *it, int64_t timeout_us, char **msg)
{
	struct buf body = BUF_INIT, reply = BUF_INIT;
	struct curl_slist *h = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	bool has_ct = false;
	enum res r;

	buf_init(&body, ALERT_BODY_MAX);
	buf_init(&reply, ALERT_REPLY_MAX);
	render_body(a, c, it, &body);
	for (size_t i = 0; i < c->nheaders; i++) {
		struct buf line = BUF_INIT;
		buf_init(&line, ALERT_FIELD_MAX);
		buf_addf(&line, "%s: ", c->headers[i].key);
		expand(a, c->headers[i].value, false, it, &line);
		/* A field's line break would end the header early. */
		for (char *p = line.s; *p; p++)
			if (*p == '\r' || *p == '\n')
				*p = ' ';
		h = curl_slist_append(h, line.s);
		buf_release(&line);
		has_ct |= strcasecmp(c->headers[i].key, "Content-Type") == 0;
	}
	if (!has_ct)
		h = curl_slist_append(h, c->body_json ?
		    "Content-Type: application/json" :
		    "Content-Type: text/plain; charset=utf-8");
	/* No "100-continue" round trip before a body over 1 KiB. */
	h = curl_slist_append(h, "Expect:");

	curl_easy_reset(cu);
	curl_easy_setopt(cu, CURLOPT_URL, c->url);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, (long)(timeout_us / 1000) + 1);
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &reply);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, "cutover/" CUTOVER_VERSION);
	curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body.s);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)body.len);
	if (strcmp(c->method, "POST") != 0)
		curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, c->method);
	http_system_store(cu);
	CURLcode rc = curl_easy_perform(cu);
	long code = 0;
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		*msg = one_line(*errbuf ? errbuf : curl_easy_strerror(rc), 300);
		/* A certificate that does not verify will not start to. */
		r = rc == CURLE_PEER_FAILED_VERIFICATION ||
		    rc == CURLE_SSL_CACERT_BADFILE ? R_FAIL : R_RETRY;
	} else {
		char *snip = one_line(reply.s, ALERT_REPLY_SHOWN);
		*msg = xasprintf("HTTP %ld%s%s%s", code, *snip ? ": " : "", snip,
		    code >= 300 && code < 400 ? " (redirects are not followed)" :
		    "");
		free(snip);
		if (code >= 200 && code < 300)
			r = R_SENT;
		else if (code == 408 || code == 429 || code >= 500)
			r = R_RETRY;
		else
			r = R_FAIL;
	}
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	buf_release(&body);
	buf_release(&reply);
	return r;
}

static enum res
send_command(struct alerter *a, const struct alert_channel *c,
    const struct item *it, int64_t timeout_us, char **msg)
{
	struct buf js = BUF_INIT;
	struct proc_result pr;
	char *e = NULL;

	event_json(a, it, &js);
	buf_addc(&js, '\n');
	/* The event waits in a memory file: no pipe to keep fed. */
	int fd = memfd_create("cutover-alert", MFD_CLOEXEC);
	size_t off = 0;
	while (fd >= 0 && off < js.len) {
		ssize_t w = write(fd, js.s + off, js.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	buf_release(&js);
	if (fd < 0 || off < js.len || lseek(fd, 0, SEEK_SET) != 0) {
		*msg = xasprintf("cannot hold the event for stdin: %s",
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return R_RETRY;
	}
	struct proc_spec ps = {
		.argv = c->cmd.argv.v,
		.timeout_us = timeout_us,
		.tail_max = 400,
		.stdin_fd = fd,
	};
	int rc = proc_run(&ps, &pr, &e);
	close(fd);
	if (rc != 0) {
		*msg = one_line(e, 300);
		free(e);
		return R_RETRY;
	}
	enum res r = pr.spawn_failed ? R_FAIL : !pr.timed_out &&
	    pr.exit_code == 0 ? R_SENT : R_RETRY;
	char *d = proc_describe(&pr, timeout_us);
	char *t = one_line(pr.tail.s, 200);
	*msg = r != R_SENT && *t && !pr.spawn_failed ?
	    xasprintf("%s: %s", d, t) : xstrdup(d);
	free(t);
	free(d);
	buf_release(&pr.tail);
	return r;
}

/* ---- the sender ------------------------------------------------------ */

static void
journal_row(struct alerter *a, struct item *it, const char *state,
    const char *outcome)
{
	char *e = NULL;
	int rc;

	if (a->j == NULL)
		return;
	if (it->row == 0) {
		struct jalert ja = {
			.channel = it->chan < a->p->nalerts ?
			    a->p->alerts[it->chan].id : NULL,
			.event = it->f[F_EVENT], .phase_id = it->f[F_PHASE],
			.check_id = it->f[F_CHECK], .status = it->f[F_STATUS],
			.message = it->f[F_MESSAGE], .state = (char *)state,
			.outcome = (char *)outcome, .attempts = it->attempts,
			.queued_us = it->at_wall,
			.done_us = strcmp(state, "sending") ? now_wall_us() : 0,
		};
		rc = journal_alert_begin(a->j, a->run, &ja, &it->row, &e);
	} else {
		rc = journal_alert_end(a->j, it->row, state, it->attempts,
		    outcome, &e);
	}
	if (rc != 0 && !a->jerr) {
		errmsg("alerts: %s", e);
		a->jerr = true;
	}
	free(e);
}

/* End it (unlinked from the queue): journal its outcome and free it. */
static void
settle(struct alerter *a, struct item *it, const char *state,
    const char *outcome)
{
	journal_row(a, it, state, outcome);
	item_free(it);
}

static void
unlink_item(struct alerter *a, struct item *it)
{
	for (struct item **pp = &a->head; *pp; pp = &(*pp)->next)
		if (*pp == it) {
			*pp = it->next;
			a->nq--;
			return;
		}
}

/*
 * The oldest item that is due, looking at one item per channel (the
 * channel's oldest: deliveries keep their order); *wake gets the
 * earliest time another becomes due.
 */
static struct item *
pick(struct alerter *a, int64_t now, int64_t *wake)
{
	memset(a->seen, 0, a->p->nalerts * sizeof(*a->seen));
	*wake = INT64_MAX;
	for (struct item *it = a->head; it; it = it->next) {
		if (a->seen[it->chan])
			continue;
		a->seen[it->chan] = true;
		if (it->next_us <= now)
			return it;
		if (it->next_us < *wake)
			*wake = it->next_us;
	}
	return NULL;
}

static int64_t
backoff(int attempts)
{
	int64_t d = BACKOFF_FIRST_US;

	for (int i = 1; i < attempts && d < BACKOFF_MAX_US; i++)
		d *= 2;
	return d < BACKOFF_MAX_US ? d : BACKOFF_MAX_US;
}

/* Try it once; a->mu held on entry and on return. */
static void
attempt(struct alerter *a, struct item *it)
{
	const struct alert_channel *c = &a->p->alerts[it->chan];
	int64_t timeout = c->timeout_us;
	char *msg = NULL;

	if (a->stopping && a->deadline - now_mono_us() < timeout)
		timeout = a->deadline - now_mono_us();
	if (timeout < 100 * US_PER_MS)
		timeout = 100 * US_PER_MS;
	it->busy = true;
	pthread_mutex_unlock(&a->mu);

	if (it->row == 0)
		journal_row(a, it, "sending", NULL);
	enum res r;
	if (c->kind == ALERT_WEBHOOK) {
		if (a->curl[it->chan] == NULL)
			a->curl[it->chan] = curl_easy_init();
		r = a->curl[it->chan] ? send_webhook(a, a->curl[it->chan], c,
		    it, timeout, &msg) : R_RETRY;
		if (msg == NULL)
			msg = xstrdup("cannot start libcurl");
	} else {
		r = send_command(a, c, it, timeout, &msg);
	}
	it->attempts++;
	int64_t now = now_mono_us();
	int64_t delay = backoff(it->attempts);
	if (r == R_RETRY && now + delay - it->queued_us > c->retry_for_us) {
		char *d = fmt_duration(now - it->queued_us);
		char *f = fmt_duration(c->retry_for_us);
		char *m = xasprintf("%s (%d attempt%s in %s; retry for %s)", msg,
		    it->attempts, it->attempts == 1 ? "" : "s", d, f);
		free(msg);
		free(d);
		free(f);
		msg = m;
		r = R_FAIL;
	}

	pthread_mutex_lock(&a->mu);
	it->busy = false;
	free(it->last);
	it->last = msg;
	if (r == R_RETRY) {
		it->next_us = now + delay;
		return;
	}
	unlink_item(a, it);
	if (r == R_FAIL)
		a->failures++;
	pthread_mutex_unlock(&a->mu);
	settle(a, it, r == R_SENT ? "sent" : "failed", it->last);
	pthread_mutex_lock(&a->mu);
}

static void *
sender_main(void *arg)
{
	struct alerter *a = arg;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		if (a->dropped) {
			struct item *d = a->dropped;
			a->failures += (int)a->ndropped;
			a->dropped = NULL;
			a->ndropped = 0;
			pthread_mutex_unlock(&a->mu);
			while (d) {
				struct item *next = d->next;
				settle(a, d, "dropped", "dropped: the queue was "
				    "full (" XSTR(ALERT_QUEUE_MAX) " alerts waiting; "
				    "the oldest goes first)");
				d = next;
			}
			pthread_mutex_lock(&a->mu);
			continue;
		}
		int64_t now = now_mono_us(), wake;
		struct item *it = pick(a, now, &wake);
		if (a->stopping && (now >= a->deadline || a->head == NULL ||
		    (it == NULL && wake >= a->deadline)))
			break;
		if (it) {
			attempt(a, it);
			continue;
		}
		if (a->stopping && wake > a->deadline)
			wake = a->deadline;
		if (wake == INT64_MAX) {
			pthread_cond_wait(&a->cv, &a->mu);
		} else {
			struct timespec ts = {
				.tv_sec = wake / US_PER_S,
				.tv_nsec = (wake % US_PER_S) * 1000,
			};
			pthread_cond_timedwait(&a->cv, &a->mu, &ts);
		}
	}
	/* The deadline: what is left is not delivered. */
	struct item *left = a->head;
	a->head = NULL;
	a->nq = 0;
	pthread_mutex_unlock(&a->mu);
	while (left) {
		struct item *next = left->next;
		char *m = xasprintf("not delivered before the end%s%s",
		    left->last ? "; last attempt: " : "",
		    left->last ? left->last : " (never tried)");
		a->failures++;
		settle(a, left, "failed", m);
		free(m);
		left = next;
	}
	for (size_t k = 0; k < a->p->nalerts; k++)
		if (a->curl[k])
			curl_easy_cleanup(a->curl[k]);
	return NULL;
}

struct alerter *
alert_start(const struct plan *p, struct journal *j, int64_t run)
{
	if (p == NULL || p->nalerts == 0)
		return NULL;
	struct alerter *a = xcalloc(1, sizeof(*a));
	a->p = p;
	a->j = j;
	a->run = run;
	a->plan_name = redact(p->name);
	a->flap = xcalloc(p->nchecks * p->nalerts + 1, sizeof(*a->flap));
	a->cs = xcalloc(p->nchecks + 1, sizeof(*a->cs));
	a->curl = xcalloc(p->nalerts, sizeof(*a->curl));
	a->seen = xcalloc(p->nalerts, sizeof(*a->seen));
	pthread_mutex_init(&a->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cv, &ca);
	pthread_condattr_destroy(&ca);
	/*
	 * The sender takes no signal: SIGINT must reach the main thread,
	 * whose poll() at the go/no-go prompt it interrupts.
	 */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&a->th, NULL, sender_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errmsg("alerts: cannot start the sender: %s; no alert will be "
		    "sent", strerror(rc));
		a->stopping = true;
		alert_stop(a, 0);
		return NULL;
	}
	return a;
}

int
alert_stop(struct alerter *a, int64_t max_us)
{
	if (a == NULL)
		return 0;
	bool started = !a->stopping;
	pthread_mutex_lock(&a->mu);
	/*
	 * A change held back by a channel's hold is sent now if the state
	 * it would have reported still holds: the last word is the truth.
	 */
	for (size_t ci = 0; started && ci < a->p->nchecks; ci++) {
		for (size_t k = 0; k < a->p->nalerts; k++) {
			unsigned held;
			struct alert_flap *f = &a->flap[ci * a->p->nalerts + k];
			enum alert_flap_out o = alert_flap_flush(f, &held);
			push_flap(a, k, o, a->p->checks[ci].id, &a->cs[ci], held,
			    "the state at the end");
		}
	}
	a->stopping = true;
	a->deadline = now_mono_us() + (max_us > 0 ? max_us : 0);
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (started)
		pthread_join(a->th, NULL);
	int n = a->failures + (int)a->lost;
	if (a->lost) {
		/* Of no one channel: the queue is shared. */
		struct item it = { .chan = SIZE_MAX,
		    .f = { xstrdup("alerts.lost") } };
		char *m = xasprintf("%zu more alerts dropped: the queue was full",
		    a->lost);
		journal_row(a, &it, "dropped", m);
		free(m);
		free(it.f[F_EVENT]);
	}
	for (struct item *it = a->head; it;) {
		struct item *next = it->next;
		item_free(it);
		it = next;
	}
	for (struct item *it = a->dropped; it;) {
		struct item *next = it->next;
		item_free(it);
		it = next;
	}
	for (size_t ci = 0; ci < a->p->nchecks; ci++) {
		free(a->cs[ci].phase);
		free(a->cs[ci].message);
	}
	free(a->cs);
	free(a->flap);
	free(a->curl);
	free(a->seen);
	free(a->plan_name);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free(a);
	return n;
}
