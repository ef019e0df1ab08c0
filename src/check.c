/*
 * check.c - the table of check kinds and the concurrent runner.
 *
 * The runner is a small scheduler on the calling thread: it starts a
 * thread per check as soon as the check's `needs` are done and a slot of
 * --jobs is free, and waits on one condition variable for completions and
 * deadlines.  A check whose thread overstays its timeout (plus a grace
 * period for the kind's own, better message) is recorded as timed out and
 * its thread abandoned: it owns a private copy of everything it writes,
 * so it can finish whenever it likes without touching the caller's data.
 *
 * A check's clock starts when its thread does, not when the runner asked
 * for it: with --jobs 1000 on two cores a thread may wait a while for the
 * CPU, and that wait must not turn a healthy check into a timeout.
 *
 * Abandoned threads and process exit: an abandoned thread may be inside a
 * library (OpenSSL, libpq) when the process ends, and exit() runs
 * OpenSSL's atexit cleanup, which frees the locks that thread is using:
 * 300 abandoned tls probes crashed cutover at exit (issue 11 #6).  So
 * every job thread is joinable; the runner joins what finishes, and keeps
 * what it abandons on an orphan list.  An exit handler, registered after
 * OpenSSL's so that it runs first, joins the orphans for up to a second
 * (kinds honour their deadlines, so they normally end within it) and then,
 * if any is still running, flushes stdio and ends the process with
 * _exit(), skipping the library cleanups that would pull the floor from
 * under it.  _exit is safe for what cutover writes: results and reports
 * are written and closed before the command returns, and the journal is
 * SQLite with synchronous=FULL, durable at every commit.  A bounded join
 * alone cannot be the guarantee: getaddrinfo, a client library's connect
 * or a stat on a hung mount take no deadline.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "check.h"
#include "hosts.h"
#include "lib/error.h"
#include "lib/net.h"
#include "lib/progress.h"
#include "lib/xmalloc.h"

extern const struct check_kind check_tcp, check_http, check_command,
    check_file, check_disk, check_sql, check_rowcount;
extern const struct check_kind check_latency;
extern const struct check_kind check_listen;
extern const struct check_kind check_redis;
extern const struct check_kind check_tls;
extern const struct check_kind check_manifest;
extern const struct check_kind check_env, check_envdrift, check_secrets;
extern const struct check_kind check_datadiff;
extern const struct check_kind check_manual;
extern const struct check_kind check_dns;
extern const struct check_kind check_replication;
extern const struct check_kind check_systemd;
extern const struct check_kind check_process;
extern const struct check_kind check_host;
extern const struct check_kind check_iface;
extern const struct check_kind check_version;
extern const struct check_kind check_websocket;
extern const struct check_kind check_container, check_log, check_pm2,
    check_supervisor;

/* Keep alphabetical: `cutover check --kinds` prints them in this order. */
static const struct check_kind *const check_kinds[] = {
	&check_command,
	&check_container,
	&check_datadiff,
	&check_disk,
	&check_dns,
	&check_env,
	&check_envdrift,
	&check_file,
	&check_host,
	&check_http,
	&check_iface,
	&check_latency,
	&check_listen,
	&check_log,
	&check_manifest,
	&check_manual,
	&check_pm2,
	&check_process,
	&check_redis,
	&check_replication,
	&check_rowcount,
	&check_secrets,
	&check_sql,
	&check_supervisor,
	&check_systemd,
	&check_tcp,
	&check_tls,
	&check_version,
	&check_websocket,
};
#define NKINDS (sizeof(check_kinds) / sizeof(check_kinds[0]))

const struct check_kind *
check_kind_find(const char *name)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(check_kinds[i]->name, name) == 0)
			return check_kinds[i];
	return NULL;
}

const char *const *
check_kind_names(size_t *n)
{
	static const char *names[NKINDS + 1];

	for (size_t i = 0; i < NKINDS; i++)
		names[i] = check_kinds[i]->name;
	*n = NKINDS;
	return names;
}

const char *
status_name(enum status s)
{
	static const char *const n[] = { "pass", "warn", "fail", "skip" };
	return n[s];
}

/* ---- results --------------------------------------------------------- */

/*
 * Caps on what a peer can put into a result, hence into the journal, the
 * report and every output: a 50 MB error message from a server is
 * printed as its first 4 KiB and says so.
 */
#define RESULT_TEXT_MAX		4096		/* message, observed, threshold */
#define RESULT_DETAIL_MAX	(64 * 1024)

static void
setf(char **field, size_t max, const char *fmt, va_list ap)
{
	static const char more[] = " ... (truncated)";
	size_t n;

	free(*field);
	*field = xvasprintf(fmt, ap);
	if ((n = strlen(*field)) <= max)
		return;
	n = max - sizeof(more) + 1;
	/* Cut on a character boundary: never half a UTF-8 sequence. */
	while (n > 0 && ((unsigned char)(*field)[n] & 0xC0) == 0x80)
		n--;
	memcpy(*field + n, more, sizeof(more));
}

void
result_set(struct result *r, enum status st, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	if (r->terse && st == ST_PASS) {
		free(r->message);
		r->message = NULL;
		return;
	}
	va_start(ap, fmt);
	setf(&r->message, RESULT_TEXT_MAX, fmt, ap);
	va_end(ap);
	/* One line: a multi-line message would break every table. */
	for (char *p = r->message; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

void
result_observed(struct result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->terse)
		return;
	va_start(ap, fmt);
	setf(&r->observed, RESULT_TEXT_MAX, fmt, ap);
	va_end(ap);
}

void
result_threshold(struct result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->terse)
		return;
	va_start(ap, fmt);
	setf(&r->threshold, RESULT_TEXT_MAX, fmt, ap);
	va_end(ap);
}

void
result_detail(struct result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->terse)
		return;
	va_start(ap, fmt);
	setf(&r->detail, RESULT_DETAIL_MAX, fmt, ap);
	va_end(ap);
}

void
result_release(struct result *r)
{
	free(r->observed);
	free(r->threshold);
	free(r->message);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
result_copy(struct result *dst, const struct result *src)
{
	*dst = *src;
	dst->observed = dup_or_null(src->observed);
	dst->threshold = dup_or_null(src->threshold);
	dst->message = dup_or_null(src->message);
	dst->detail = dup_or_null(src->detail);
}

void
results_free(struct result *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		result_release(&rs[i]);
	free(rs);
}

enum status
results_worst(const struct result *rs, size_t n)
{
	enum status w = ST_PASS;

	for (size_t i = 0; i < n; i++) {
		if (rs[i].status == ST_FAIL)
			return ST_FAIL;
		if (rs[i].status == ST_WARN)
			w = ST_WARN;
	}
	return w;
}

struct probe_call {
	void	(*probe)(const struct check *, struct result *);
	const struct check *c;
	struct result *r;
};

static void
probe_call(void *arg)
{
	struct probe_call *pc = arg;

	pc->probe(pc->c, pc->r);
}

void
check_probe_from(const char *from,
    void (*probe)(const struct check *, struct result *),
    const struct check *c, struct result *r)
{
	struct probe_call pc = { probe, c, r };
	char *e = NULL;

	if (from == NULL) {
		probe(c, r);
		return;
	}
	if (net_in_netns(from, probe_call, &pc, &e) != 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		return;
	}
	char *m = xasprintf("%s (from network namespace %s)", r->message ?
	    r->message : "", from);
	free(r->message);
	r->message = m;
}

void
check_free(struct check *c)
{
	if (c->priv && c->kind && c->kind->free)
		c->kind->free(c->priv);
	free(c->id);
	free(c->title);
	free(c->description);
	strlist_release(&c->needs);
}

/* ---- runner ---------------------------------------------------------- */

enum slot_state { S_WAITING, S_RUNNING, S_DONE };
enum job_state { J_RUNNING, J_DONE, J_ABANDONED };

struct job {
	const struct check *check;
	struct result	 res;		/* owned by the thread until done */
	/*
	 * J_RUNNING, then J_DONE (the thread) or J_ABANDONED (the runner),
	 * whichever comes first.  Atomic, not under run_lock: the runner
	 * holds that lock while it starts a thousand threads, and a check
	 * that finished meanwhile must not look overdue for want of it.
	 */
	_Atomic int	 state;
	_Atomic int64_t	 started_us;	/* monotonic; 0 until the thread runs */
	struct check_progress prog;	/* what a timeout says it did */
};

/* The job of this thread, for check_progress. */
static _Thread_local struct job *cur_job;

struct check_progress *
check_progress(const char *what, bool bytes)
{
	static _Thread_local struct check_progress none;
	struct check_progress *p = cur_job ? &cur_job->prog : &none;

	p->what = what;
	p->bytes = bytes;
	return p;
}

struct slot {
	const struct check *check;
	enum slot_state	 state;
	struct job	*job;
	int64_t		 budget;	/* us from the thread's start */
	int64_t		 deadline;	/* monotonic us */
	int		*need;		/* slots of check->needs, -1 if absent */
	int64_t		 started_us;	/* monotonic, wall: when it started */
	int64_t		 started_wall_us;
	pthread_t	 tid;
	bool		 joinable;	/* finished: join once the run is over */
	struct result	 res;
};

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t run_cond = PTHREAD_COND_INITIALIZER;

/* Abandon j unless it is done: true when it is now the thread's. */
static bool
abandon(struct job *j)
{
	int running = J_RUNNING;

	return atomic_compare_exchange_strong(&j->state, &running, J_ABANDONED);
}

static bool
job_done(struct job *j)
{
	return atomic_load(&j->state) == J_DONE;
}

/* Grace beyond the check's timeout for the kind to report it itself. */
#define TIMEOUT_GRACE_US (500 * 1000LL)

static void *
job_main(void *arg)
{
	struct job *j = arg;
	const struct check *c = j->check;
	int64_t t0 = now_mono_us();
	int attempts = 0;

	atomic_store(&j->started_us, t0);
	cur_job = j;
	j->res.check = c;
	j->res.started_wall_us = now_wall_us();
	for (;;) {
		struct result r = { .check = c };
		attempts++;
		/* `on: HOST`: run by cutover there (hosts.c). */
		if (c->host)
			hosts_run_check(c, &r);
		else
			c->kind->run(c, &r);
		result_release(&j->res);
		j->res = r;
		if (j->res.message == NULL)
			j->res.message = xstrdup("");
		if (!check_retry(c, &j->res, attempts, now_mono_us() - t0))
			break;
		sleep_us(c->retry_interval_us);
	}
	j->res.check = c;
	j->res.attempts = attempts;
	j->res.started_wall_us = j->res.started_wall_us ? j->res.started_wall_us :
	    now_wall_us();
	j->res.duration_us = now_mono_us() - t0;

	int running = J_RUNNING;
	if (!atomic_compare_exchange_strong(&j->state, &running, J_DONE)) {
		/* Abandoned: the runner has forgotten j. */
		result_release(&j->res);
		free(j);
		return NULL;
	}
	/* j is the runner's now; only wake it. */
	pthread_mutex_lock(&run_lock);
	pthread_cond_broadcast(&run_cond);
	pthread_mutex_unlock(&run_lock);
	return NULL;
}

/* ---- abandoned threads and process exit ------------------------------ */

static pthread_mutex_t orphan_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t *orphans;
static size_t norphans, orphans_cap;

/* How long exit waits for abandoned threads before it stops waiting. */
#define EXIT_WAIT_US (1000 * 1000LL)

static void
orphan_add(pthread_t t)
{
	pthread_mutex_lock(&orphan_lock);
	if (norphans == orphans_cap) {
		orphans_cap = orphans_cap ? orphans_cap * 2 : 64;
		orphans = xreallocarray(orphans, orphans_cap, sizeof(*orphans));
	}
	orphans[norphans++] = t;
	pthread_mutex_unlock(&orphan_lock);
}

size_t
check_orphans_wait(int64_t max_us)
{
	int64_t until = now_mono_us() + max_us;
	size_t left = 0;

	pthread_mutex_lock(&orphan_lock);
	for (size_t i = 0; i < norphans; i++) {
		int64_t wait = until - now_mono_us();
		int rc;
		if (wait <= 0) {
			rc = pthread_tryjoin_np(orphans[i], NULL);
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += wait / 1000000;
			ts.tv_nsec += (wait % 1000000) * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			rc = pthread_timedjoin_np(orphans[i], NULL, &ts);
		}
		if (rc != 0)
			orphans[left++] = orphans[i];
	}
	norphans = left;
	pthread_mutex_unlock(&orphan_lock);
	return left;
}

static void
exit_guard(int status, void *arg)
{
	(void)arg;
	if (check_orphans_wait(EXIT_WAIT_US) == 0)
		return;
	fflush(NULL);
	_exit(status);
}

static void
exit_guard_arm(void)
{
	/*
	 * OpenSSL registers its cleanup with atexit when it initialises;
	 * make sure that happened, so that our handler (registered after)
	 * runs before it.  No other library linked here registers one.
	 */
	OPENSSL_init_ssl(0, NULL);
	on_exit(exit_guard, NULL);
}

static int
index_of(struct slot *s, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].check->id, id) == 0)
			return (int)i;
	return -1;
}

/* Add c and, recursively, what it needs, in plan order. */
static void
select_with_needs(const struct plan *p, const struct check *c, bool *want)
{
	size_t i = (size_t)(c - p->checks);

	if (want[i])
		return;
	want[i] = true;
	for (size_t k = 0; k < c->needs.n; k++) {
		const struct check *d = plan_check(p, c->needs.v[k]);
		if (d)
			select_with_needs(p, d, want);
	}
}

static void
finish_slot(struct slot *s, struct job *j)
{
	/*
	 * Join it if it has already ended (its stack then goes back to the
	 * cache for the next thread); else after the run, never waiting
	 * here (see check_run_all).
	 */
	s->joinable = pthread_tryjoin_np(s->tid, NULL) != 0;
	s->res = j->res;
	s->state = S_DONE;
	s->job = NULL;
	free(j);
}

#define STOP_POLL_US (100 * 1000LL)

/* Set once a run is told to stop; kinds that spawn processes poll it. */
static volatile bool stopping;

bool
check_stopping(void)
{
	return stopping;
}

void
check_set_stopping(void)
{
	stopping = true;
}

bool
check_retry(const struct check *c, const struct result *r, int attempts,
    int64_t elapsed_us)
{
	return r->status == ST_FAIL && attempts <= c->retries && !stopping &&
	    elapsed_us + c->retry_interval_us < c->timeout_us *
	    (c->retries + 1);
}

/*
 * End every slot now (run_lock held).  Kinds that run processes see
 * check_stopping() and kill their process groups; we give them a second
 * to do so, so that nothing a check started outlives cutover.  What waits
 * is skipped; what still runs is abandoned to its thread, which frees its
 * own job when it returns.
 */
static void
stop_all(struct slot *s, size_t ns)
{
	int64_t until = now_mono_us() + US_PER_S;

	stopping = true;
	for (;;) {
		bool busy = false;
		for (size_t i = 0; i < ns; i++)
			busy |= s[i].state == S_RUNNING && !job_done(s[i].job);
		if (!busy || now_mono_us() >= until)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&run_cond, &run_lock, &ts);
	}
	int64_t now = now_mono_us();
	for (size_t i = 0; i < ns; i++) {
		if (s[i].state == S_DONE)
			continue;
		if (s[i].state == S_RUNNING) {
			struct job *j = s[i].job;
			if (!abandon(j)) {
				finish_slot(&s[i], j);
				/* It ended because we stopped it: say so. */
				if (s[i].res.status == ST_FAIL) {
					s[i].res.status = ST_SKIP;
					result_set(&s[i].res, ST_SKIP, "stopped before "
					    "it finished");
				}
				continue;
			}
			orphan_add(s[i].tid);
			s[i].job = NULL;
			s[i].res.check = s[i].check;
			s[i].res.started_wall_us = s[i].started_wall_us;
			s[i].res.duration_us = now - s[i].started_us;
			s[i].res.attempts = 1;
			result_set(&s[i].res, ST_SKIP, "stopped before it finished");
		} else {
			s[i].res.check = s[i].check;
			s[i].res.started_wall_us = now_wall_us();
			result_set(&s[i].res, ST_SKIP, "stopped before it started");
		}
		s[i].state = S_DONE;
	}
}

/* What the live line of a run shows: read under run_lock. */
struct live {
	const struct slot	*s;
	size_t			 ns;
	const size_t		*done;
};

/* Named in the live line: the longest running first, this many. */
#define LIVE_NAMES	4

/* "12/700 done, waiting for: data-diff, slow-cmd (and 3 more), 4s" */
static void
live_render(struct buf *b, const struct progress_view *v, void *arg)
{
	const struct live *lv = arg;
	size_t shown[LIVE_NAMES], nshown = 0, running = 0;

	pthread_mutex_lock(&run_lock);
	buf_addf(b, "%zu/%zu done", *lv->done, lv->ns);
	for (size_t i = 0; i < lv->ns; i++)
		running += lv->s[i].state == S_RUNNING;
	/* A few scans of the slots, twice a second: no sort needed. */
	while (nshown < LIVE_NAMES && nshown < running) {
		size_t best = lv->ns;
		for (size_t i = 0; i < lv->ns; i++) {
			bool taken = false;
			if (lv->s[i].state != S_RUNNING)
				continue;
			for (size_t k = 0; k < nshown; k++)
				taken |= shown[k] == i;
			if (!taken && (best == lv->ns ||
			    lv->s[i].started_us < lv->s[best].started_us))
				best = i;
		}
		shown[nshown++] = best;
	}
	for (size_t k = 0; k < nshown; k++)
		buf_addf(b, "%s%s", k ? ", " : ", waiting for: ",
		    lv->s[shown[k]].check->id);
	if (running > nshown)
		buf_addf(b, " (and %zu more)", running - nshown);
	pthread_mutex_unlock(&run_lock);
	buf_addf(b, ", %.0fs", v->secs);
}

/* " (120000 of 500000 rows compared)", or NULL when it never said. */
static char *
how_far(struct check_progress *p)
{
	long long done = atomic_load(&p->done), total = atomic_load(&p->total);

	if (p->what == NULL)
		return NULL;
	if (!p->bytes)
		return total > 0 ? xasprintf(" (%lld of %lld %s)", done, total,
		    p->what) : xasprintf(" (%lld %s)", done, p->what);
	char *d = fmt_size((uint64_t)done), *t = fmt_size((uint64_t)total);
	char *m = total > 0 ? xasprintf(" (%s of %s %s)", d, t, p->what) :
	    xasprintf(" (%s %s)", d, p->what);
	free(d);
	free(t);
	return m;
}

struct result *
check_run_all(const struct plan *p, struct check **checks, size_t n,
    const struct run_opts *o, size_t *nres)
{
	int jobs = o && o->jobs > 0 ? o->jobs : CHECK_DEFAULT_JOBS;
	bool *want = xcalloc(p->nchecks + 1, sizeof(*want));
	struct slot *s;
	size_t ns = 0, done = 0, npend = 0, *pend;
	int running = 0;
	pthread_attr_t attr;
	static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

	pthread_once(&guard_once, exit_guard_arm);
	/* Reap what earlier runs abandoned and has ended since (watch). */
	check_orphans_wait(0);
	for (size_t i = 0; i < n; i++)
		select_with_needs(p, checks[i], want);
	s = xcalloc(p->nchecks + 1, sizeof(*s));
	pend = xcalloc(p->nchecks + 1, sizeof(*pend));
	for (size_t i = 0; i < p->nchecks; i++)
		if (want[i])
			s[ns++].check = &p->checks[i];
	free(want);
	/*
	 * Resolve `needs` to slots once: the scheduler checks readiness on
	 * every completion, and by name that made 2000 chained checks take
	 * 18s of CPU.
	 */
	for (size_t i = 0; i < ns; i++) {
		const struct strlist *nd = &s[i].check->needs;
		s[i].need = xcalloc(nd->n + 1, sizeof(*s[i].need));
		for (size_t k = 0; k < nd->n; k++)
			s[i].need[k] = index_of(s, ns, nd->v[k]);
	}

	pthread_attr_init(&attr);
	/* Client libraries recurse little; 512 KiB keeps 16 threads cheap. */
	pthread_attr_setstacksize(&attr, 512 * 1024);

	/* A terminal sees what is still running (the table comes at the end). */
	struct progress *live = o && o->live ?
	    progress_new("check", "checks", PROGRESS_TTY) : NULL;
	struct live lv = { .s = s, .ns = ns, .done = &done };
	progress_set_render(live, live_render, &lv);
	progress_start(live);

	pthread_mutex_lock(&run_lock);
	while (done < ns) {
		/* Start what is ready, resolve skips. */
		for (size_t i = 0; i < ns && running < jobs; i++) {
			if (s[i].state != S_WAITING)
				continue;
			const struct check *c = s[i].check;
			bool ready = true;
			const char *failed = NULL;
			for (size_t k = 0; k < c->needs.n; k++) {
				int d = s[i].need[k];
				if (d < 0)
					continue;
				if (s[d].state != S_DONE)
					ready = false;
				else if (s[d].res.status == ST_FAIL ||
				    s[d].res.status == ST_SKIP)
					failed = c->needs.v[k];
			}
			if (failed) {
				s[i].res.check = c;
				s[i].res.started_wall_us = now_wall_us();
				result_set(&s[i].res, ST_SKIP, "skipped: needs '%s', "
				    "which did not pass", failed);
				s[i].state = S_DONE;
				done++;
				/* A live display must hear of skips too. */
				if (o && o->on_result) {
					pthread_mutex_unlock(&run_lock);
					o->on_result(&s[i].res, o->arg);
					pthread_mutex_lock(&run_lock);
				}
				i = (size_t)-1;	/* a skip may unblock others */
				continue;
			}
			if (!ready)
				continue;
			struct job *j = xcalloc(1, sizeof(*j));
			j->check = c;
			s[i].job = j;
			s[i].state = S_RUNNING;
			s[i].started_us = now_mono_us();
			s[i].started_wall_us = now_wall_us();
			s[i].budget = c->timeout_us * (c->retries + 1) +
			    c->retry_interval_us * c->retries + TIMEOUT_GRACE_US;
			/*
			 * On a host, connecting comes first (bounded by the
			 * timeout) and the answer's way back after it
			 * (hosts_run_check): the kind's own clock starts there.
			 */
			if (c->host)
				s[i].budget += (c->timeout_us + 1300000) *
				    (c->retries + 1);
			s[i].deadline = s[i].started_us + s[i].budget;
			if (pthread_create(&s[i].tid, &attr, job_main, j) != 0)
				die(EXIT_USAGE, "cannot start a thread for check '%s'",
				    c->id);
			running++;
		}
		if (done >= ns)
			break;
		/*
		 * Nothing running and nothing could start: what waits can only
		 * wait on itself (plan_load refuses circular needs; this keeps
		 * a plan built otherwise from hanging us).
		 */
		if (running == 0) {
			for (size_t i = 0; i < ns; i++) {
				if (s[i].state != S_WAITING)
					continue;
				s[i].res.check = s[i].check;
				s[i].res.started_wall_us = now_wall_us();
				result_set(&s[i].res, ST_SKIP, "skipped: its needs "
				    "can never complete (they form a circle)");
				s[i].state = S_DONE;
				done++;
			}
			break;
		}

		if (o && o->should_stop && o->should_stop(o->stop_arg)) {
			stop_all(s, ns);
			break;
		}

		/* Collect finished jobs and overdue ones. */
		/* Join what has ended since it finished (stacks get reused). */
		for (size_t k = 0; k < npend; ) {
			struct slot *e = &s[pend[k]];
			if (pthread_tryjoin_np(e->tid, NULL) == 0) {
				e->joinable = false;
				pend[k] = pend[--npend];
			} else {
				k++;
			}
		}
		int64_t now = now_mono_us(), next = INT64_MAX;
		bool progressed = false;
		for (size_t i = 0; i < ns; i++) {
			if (s[i].state != S_RUNNING)
				continue;
			struct job *j = s[i].job;
			int64_t st = atomic_load(&j->started_us);
			/*
			 * The budget counts from the thread's own start: the
			 * provisional deadline only ever moves later.
			 */
			if (!job_done(j) && now >= s[i].deadline) {
				int64_t d = (st ? st : now) + s[i].budget;
				if (d > s[i].deadline)
					s[i].deadline = d;
			}
			/* Read before abandon(): the job is then the thread's. */
			char *far = now >= s[i].deadline ? how_far(&j->prog) : NULL;
			if (job_done(j) || (now >= s[i].deadline && !abandon(j))) {
				free(far);
				finish_slot(&s[i], j);
				if (s[i].joinable)
					pend[npend++] = i;
			} else if (now >= s[i].deadline) {
				const struct check *c = s[i].check;
				char *d = fmt_duration(c->timeout_us);
				orphan_add(s[i].tid);
				s[i].res.check = c;
				s[i].res.attempts = c->retries + 1;
				/* What it really took, not what it was allowed. */
				s[i].res.started_wall_us = s[i].started_wall_us;
				s[i].res.duration_us = now - (st ? st : s[i].started_us);
				result_set(&s[i].res, ST_FAIL, "timed out after %s%s",
				    d, far ? far : "");
				free(far);
				free(d);
				s[i].state = S_DONE;
				s[i].job = NULL;
			} else {
				if (s[i].deadline < next)
					next = s[i].deadline;
				continue;
			}
			if (o && o->on_result) {
				pthread_mutex_unlock(&run_lock);
				o->on_result(&s[i].res, o->arg);
				pthread_mutex_lock(&run_lock);
			}
			running--;
			done++;
			progressed = true;
		}
		if (progressed || done >= ns)
			continue;
		/* A stop hook needs polling: no wait longer than 100ms. */
		if (o && o->should_stop && (next == INT64_MAX ||
		    next > now_mono_us() + STOP_POLL_US))
			next = now_mono_us() + STOP_POLL_US;
		if (next == INT64_MAX) {
			pthread_cond_wait(&run_cond, &run_lock);
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			int64_t wait = next - now_mono_us();
			if (wait < 0)
				wait = 0;
			ts.tv_sec += wait / 1000000;
			ts.tv_nsec += (wait % 1000000) * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&run_cond, &run_lock, &ts);
		}
	}
	pthread_mutex_unlock(&run_lock);
	pthread_attr_destroy(&attr);
	progress_end(live, false);

	/*
	 * Join what finished only now: a thread that has set done may still
	 * wait for the CPU to end (and run OpenSSL's per-thread cleanup).
	 * Joining each as it finished made the scheduler wait for a CPU
	 * slice behind a thousand runnable threads, again and again: --jobs
	 * 1000 then took 150s and abandoned 2,000 healthy checks.
	 */
	struct result *rs = xcalloc(ns + 1, sizeof(*rs));
	for (size_t i = 0; i < ns; i++) {
		if (s[i].joinable)
			pthread_join(s[i].tid, NULL);
		rs[i] = s[i].res;
		free(s[i].need);
	}
	free(pend);
	free(s);
	*nres = ns;
	return rs;
}
