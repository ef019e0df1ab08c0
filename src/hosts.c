/*
 * hosts.c - checks run by cutover on another host (see hosts.h).
 *
 * One agent session per host and process, opened by the first check that
 * needs it and shared by all later ones: 50 checks on a host cost one
 * connection (and, through ssh's ControlMaster, one handshake across
 * runs).  Requests carry an id; a reader thread per session hands each
 * answer to the check waiting for it.  A check waits no longer than its
 * own timeout, whatever the host does.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "hosts.h"
#include "hosts_conn.h"
#include "hosts_proto.h"
#include "lib/error.h"
#include "lib/redact.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

struct pending {
	long long	 id;
	bool		 done;
	struct proto_msg ans;
	char		*err;
	struct pending	*next;
};

enum sstate { S_DOWN, S_OPENING, S_UP };

struct session {
	const struct plan *plan;
	const struct host *host;
	enum sstate	 state;
	struct conn	 conn;
	struct pending	*pending;
	pthread_t	 reader;
	bool		 have_reader;
	char		*err;		/* why the last open failed */
	struct session	*next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static struct session *sessions;
static long long next_id = 1;

static struct session *
session_get(const struct plan *p, const struct host *h)
{
	struct session *s;

	for (s = sessions; s; s = s->next)
		if (s->plan == p && s->host == h)
			return s;
	s = xcalloc(1, sizeof(*s));
	s->plan = p;
	s->host = h;
	s->next = sessions;
	sessions = s;
	return s;
}

/* Fail every pending request of s with msg; s is down.  Under lock. */
static void
session_down(struct session *s, const char *msg)
{
	for (struct pending *q = s->pending; q; q = q->next) {
		if (!q->done) {
			q->done = true;
			q->err = xstrdup(msg);
		}
	}
	s->state = S_DOWN;
	pthread_cond_broadcast(&cond);
}

static void *
reader_main(void *arg)
{
	struct session *s = arg;
	char *line, *e = NULL;
	size_t len;
	int rc;

	while ((rc = lread_line(&s->conn.lr, 0, &line, &len)) == 1) {
		struct proto_msg m;
		if (proto_decode(line, len, &m, &e) != 0) {
			free(e);
			e = NULL;
			proto_msg_release(&m);
			continue;
		}
		pthread_mutex_lock(&lock);
		for (struct pending *q = s->pending; q; q = q->next) {
			if (q->id == m.id && !q->done) {
				q->ans = m;
				memset(&m, 0, sizeof(m));
				q->done = true;
				pthread_cond_broadcast(&cond);
				break;
			}
		}
		pthread_mutex_unlock(&lock);
		proto_msg_release(&m);
	}
	char *why = conn_failure(&s->conn, "while checks ran");
	pthread_mutex_lock(&lock);
	session_down(s, why);
	pthread_mutex_unlock(&lock);
	free(why);
	return NULL;
}

/* Wait (under lock) until *flag or the deadline or a stop. */
static bool
wait_until(bool (*ready)(void *), void *arg, int64_t deadline_us)
{
	while (!ready(arg)) {
		int64_t now = now_mono_us();
		if (now >= deadline_us || check_stopping())
			return false;
		int64_t until = now + 100000 < deadline_us ? now + 100000 :
		    deadline_us;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t d = until - now;
		ts.tv_sec += d / 1000000;
		ts.tv_nsec += (d % 1000000) * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&cond, &lock, &ts);
	}
	return true;
}

static bool
not_opening(void *arg)
{
	return ((struct session *)arg)->state != S_OPENING;
}

static bool
pending_done(void *arg)
{
	return ((struct pending *)arg)->done;
}

/*
 * The host's session, up, under lock: NULL with *errp when it cannot be
 * had before the deadline.
 */
static struct session *
session_up(const struct plan *p, const struct host *h, int64_t deadline_us,
    char **errp)
{
	struct session *s = session_get(p, h);

	for (;;) {
		if (s->state == S_UP)
			return s;
		if (s->state == S_OPENING) {
			/* Another check opens it: its outcome is ours. */
			if (!wait_until(not_opening, s, deadline_us)) {
				*errp = xasprintf("host %s (%s): not connected "
				    "in time", h->id, h->ssh);
				return NULL;
			}
			if (s->state == S_DOWN) {
				*errp = xstrdup(s->err ? s->err : "connection "
				    "failed");
				return NULL;
			}
			continue;
		}
		/* Down: open it, without the lock (it takes a while). */
		if (s->have_reader) {
			pthread_mutex_unlock(&lock);
			pthread_join(s->reader, NULL);
			pthread_mutex_lock(&lock);
			s->have_reader = false;
			conn_close(&s->conn);
			continue;
		}
		s->state = S_OPENING;
		pthread_mutex_unlock(&lock);
		struct conn c;
		char *e = NULL;
		int rc = conn_open(&c, p, h, deadline_us, &e);
		pthread_mutex_lock(&lock);
		free(s->err);
		s->err = e;
		if (rc != 0) {
			s->state = S_DOWN;
			pthread_cond_broadcast(&cond);
			*errp = xstrdup(e);
			return NULL;
		}
		s->conn = c;
		s->state = S_UP;
		if (pthread_create(&s->reader, NULL, reader_main, s) != 0) {
			conn_close(&s->conn);
			s->state = S_DOWN;
			*errp = xstrdup("cannot start a thread");
			return NULL;
		}
		s->have_reader = true;
		pthread_cond_broadcast(&cond);
		return s;
	}
}

static void
pending_remove(struct session *s, struct pending *q)
{
	for (struct pending **pp = &s->pending; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	proto_msg_release(&q->ans);
	free(q->err);
	free(q);
}

void
hosts_run_check(const struct check *c, struct result *r)
{
	const struct host *h = c->host;
	int64_t t0 = now_mono_us();
	/* Connecting (the first check on a host: the SSH handshake). */
	int64_t deadline = t0 + c->timeout_us + 300000;
	char *e = NULL;
	bool answered = false;

	pthread_mutex_lock(&lock);
	struct session *s = session_up(c->plan, h, deadline, &e);
	if (s == NULL) {
		pthread_mutex_unlock(&lock);
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		return;
	}
	struct pending *q = xcalloc(1, sizeof(*q));
	q->id = next_id++;
	q->next = s->pending;
	s->pending = q;
	json_t *o = json_pack("{s:I,s:s}", "id", (json_int_t)q->id, "check",
	    c->id);
	/* Writes are short and whole lines: the lock keeps them apart. */
	if (conn_send(&s->conn, o) != 0) {
		pending_remove(s, q);
		pthread_mutex_unlock(&lock);
		result_set(r, ST_FAIL, "host %s (%s): connection lost sending the "
		    "check", h->id, h->ssh);
		return;
	}
	/*
	 * The remote kind honours the same timeout from when it gets the
	 * check and answers first; a second more covers the way back on a
	 * busy host.  Counted from the connect, a check that takes its
	 * whole timeout there (a filtered port's `expect: closed`) missed
	 * by the handshake's time.
	 */
	bool got = wait_until(pending_done, q, now_mono_us() + c->timeout_us +
	    1000000);
	if (!got) {
		pending_remove(s, q);
		pthread_mutex_unlock(&lock);
		if (check_stopping())
			result_set(r, ST_SKIP, "stopped before host %s answered",
			    h->id);
		else
			result_set(r, ST_FAIL, "host %s (%s): no answer within "
			    "the check's timeout", h->id, h->ssh);
		return;
	}
	if (q->err) {
		result_set(r, ST_FAIL, "%s", q->err);
	} else if (q->ans.type == P_RESULT) {
		answered = true;
		struct result *a = &q->ans.result;
		r->status = a->status;
		r->message = a->message ? xasprintf("%s (on %s)", a->message,
		    h->id) : xasprintf("on %s", h->id);
		r->observed = a->observed;
		r->threshold = a->threshold;
		r->detail = a->detail;
		r->unanswered = a->unanswered;
		r->has_value = a->has_value;
		r->value = a->value;
		free(a->message);
		a->message = a->observed = a->threshold = a->detail = NULL;
	} else if (q->ans.type == P_ERROR) {
		result_set(r, ST_FAIL, "host %s: %s", h->id, q->ans.str);
	} else {
		result_set(r, ST_FAIL, "host %s: unexpected answer to a check",
		    h->id);
	}
	pending_remove(s, q);
	pthread_mutex_unlock(&lock);
	/*
	 * What the kind judges here, from what several hosts say (env's
	 * same_as on another host), by the deadline this call keeps anyway:
	 * connect and answer, each within the timeout (the runner's budget).
	 */
	if (answered && c->kind->after_host)
		c->kind->after_host(c, r, t0 + 2 * c->timeout_us + 1300000);
}

int
hosts_fingerprints(const struct plan *p, const struct host *h,
    const char *file, bool expand, const struct strlist *keys,
    const char *mac_hex, int64_t deadline_us, struct strlist *out,
    char **errp)
{
	pthread_mutex_lock(&lock);
	struct session *s = session_up(p, h, deadline_us, errp);
	if (s == NULL) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	struct pending *q = xcalloc(1, sizeof(*q));
	q->id = next_id++;
	q->next = s->pending;
	s->pending = q;
	json_t *ks = json_array();
	for (size_t i = 0; i < keys->n; i++)
		json_array_append_new(ks, json_string(keys->v[i]));
	json_t *o = json_pack("{s:I,s:{s:s,s:o,s:b,s:s}}", "id",
	    (json_int_t)q->id, "fingerprint", "file", file, "keys", ks,
	    "expand", expand, "mac", mac_hex);
	int rc = -1;
	if (conn_send(&s->conn, o) != 0)
		*errp = xasprintf("host %s (%s): connection lost sending the "
		    "request", h->id, h->ssh);
	else if (!wait_until(pending_done, q, deadline_us))
		*errp = xasprintf("host %s (%s): no answer in time", h->id,
		    h->ssh);
	else if (q->err)
		*errp = xstrdup(q->err);
	else if (q->ans.type == P_ERROR)
		*errp = xasprintf("host %s: %s", h->id, q->ans.str);
	else if (q->ans.type != P_FPRINT_ANS)
		*errp = xasprintf("host %s: unexpected answer to a fingerprint "
		    "request", h->id);
	else {
		*out = q->ans.keys;
		memset(&q->ans.keys, 0, sizeof(q->ans.keys));
		rc = 0;
	}
	pending_remove(s, q);
	pthread_mutex_unlock(&lock);
	return rc;
}

int
hosts_probe(const struct plan *p, const struct host *h, int64_t timeout_us,
    char **version, char **errp)
{
	int64_t deadline = now_mono_us() + timeout_us;

	pthread_mutex_lock(&lock);
	struct session *s = session_up(p, h, deadline, errp);
	if (s)
		*version = xstrdup(s->conn.version);
	pthread_mutex_unlock(&lock);
	return s ? 0 : -1;
}

/* ---- check --hosts ---- */

#define PREFLIGHT_TIMEOUT	(15 * 1000000LL)

struct probe {
	const struct plan	*plan;
	const struct host	*host;
	pthread_t		 tid;
	int64_t			 took_us;
	char			*version, *err;
	int			 rc;
};

static void *
probe_main(void *arg)
{
	struct probe *pr = arg;
	int64_t t0 = now_mono_us();

	pr->rc = hosts_probe(pr->plan, pr->host, PREFLIGHT_TIMEOUT,
	    &pr->version, &pr->err);
	pr->took_us = now_mono_us() - t0;
	return NULL;
}

int
hosts_preflight(const struct plan *p, FILE *f)
{
	struct probe *pr = xcalloc(p->nhosts + 1, sizeof(*pr));
	int bad = 0;

	if (p->nhosts == 0) {
		fprintf(f, "%s: the plan has no hosts: every check runs here\n",
		    p->file);
		free(pr);
		return EXIT_GO;
	}
	for (size_t i = 0; i < p->nhosts; i++) {
		pr[i].plan = p;
		pr[i].host = &p->hosts[i];
		if (pthread_create(&pr[i].tid, NULL, probe_main, &pr[i]) != 0)
			probe_main(&pr[i]), pr[i].tid = 0;
	}
	for (size_t i = 0; i < p->nhosts; i++) {
		if (pr[i].tid)
			pthread_join(pr[i].tid, NULL);
		char *d = fmt_duration(pr[i].took_us);
		if (pr[i].rc == 0) {
			fprintf(f, "ok    %-12s %s: cutover %s (%s)\n",
			    pr[i].host->id, pr[i].host->ssh, pr[i].version, d);
		} else {
			char *m = redact(pr[i].err);
			fprintf(f, "FAIL  %-12s %s\n", pr[i].host->id, m);
			free(m);
			bad++;
		}
		free(d);
		free(pr[i].version);
		free(pr[i].err);
	}
	fprintf(f, "%zu host%s, %zu reachable with cutover %s\n", p->nhosts,
	    p->nhosts == 1 ? "" : "s", p->nhosts - (size_t)bad,
	    CUTOVER_VERSION);
	free(pr);
	return bad ? EXIT_NOGO : EXIT_GO;
}
