/*
 * watch.c - the watch engine (see watch.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "check.h"
#include "hosts.h"
#include "lib/buf.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/redact.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/wake.h"
#include "lib/xmalloc.h"
#include "out.h"
#include "watch.h"

/* A failing rule's window at 1 s for a day; longer windows keep this many. */
#define RING_MAX	100000
/* The message journaled with a sample: a line, not a page. */
#define SAMPLE_MSG	160
/* Raw samples are kept this long at least, then folded per minute. */
#define KEEP_RAW_MIN	(3600 * US_PER_S)
#define FOLD_EVERY	(60 * US_PER_S)
/* A signal ends the sleep at once (lib/wake.h); the phase's window is
 * looked at between samples, at least once a second. */
#define POLL_US		(1000 * US_PER_MS)

/* ---- rule math ------------------------------------------------------- */

void
wring_init(struct wring *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap ? cap : 1;
	r->s = xcalloc(r->cap, sizeof(*r->s));
}

void
wring_push(struct wring *r, const struct wsample *s)
{
	r->s[(r->head + r->n) % r->cap] = *s;
	if (r->n < r->cap)
		r->n++;
	else
		r->head = (r->head + 1) % r->cap;
}

const struct wsample *
wring_back(const struct wring *r, size_t i)
{
	if (i >= r->n)
		return NULL;
	return &r->s[(r->head + r->n - 1 - i) % r->cap];
}

void
wring_release(struct wring *r)
{
	free(r->s);
	memset(r, 0, sizeof(*r));
}

size_t
rule_ring_need(const struct rollback_rule *r, int64_t every_us)
{
	size_t need = 1;

	if (every_us <= 0)
		every_us = US_PER_S;
	switch (r->kind) {
	case RULE_FAILING:
		need = (size_t)(r->within_us / every_us) + 2;
		if (need < (size_t)r->min_samples)
			need = (size_t)r->min_samples;
		break;
	case RULE_CONSECUTIVE:
		need = (size_t)r->consecutive;
		break;
	case RULE_VALUE:
		need = 1;	/* held_since carries the run */
		break;
	}
	return need > RING_MAX ? RING_MAX : need;
}

bool
vcmp_eval(const struct vcmp *c, double v)
{
	struct cmp x = c->cmp;

	x.num = c->num;
	return cmp_eval_num(&x, v);
}

static bool
failed(const struct wsample *s)
{
	return s->status != ST_PASS && s->status != ST_WARN;
}

static char *
fmt_value(double v, bool duration)
{
	if (isnan(v))
		return xstrdup("-");
	if (duration)
		return fmt_duration((int64_t)llround(v * US_PER_S));
	return xasprintf("%.6g", v);
}

char *
rule_describe(const struct rollback_rule *r)
{
	char *a, *b, *s;

	switch (r->kind) {
	case RULE_FAILING:
		a = fmt_duration(r->within_us);
		s = xasprintf("failing >= %g%% within %s (min %d samples)",
		    r->failing_pct, a, r->min_samples);
		free(a);
		return s;
	case RULE_CONSECUTIVE:
		return xasprintf("%d consecutive failures", r->consecutive);
	case RULE_VALUE:
		b = fmt_duration(r->for_us);
		s = xasprintf("value %s %s for %s", cmp_opstr(r->value.cmp.op),
		    r->value.cmp.text, b);
		free(b);
		return s;
	}
	return xstrdup("?");
}

/* "t+12.4s fail, t+12.6s pass 3ms, ..." of the last n samples. */
static void
list_samples(struct buf *b, const struct wring *ring, size_t n,
    int64_t since_us, bool duration)
{
	const struct wsample *last = wring_back(ring, 0);

	for (size_t i = n; i-- > 0;) {
		const struct wsample *s = wring_back(ring, i);
		if (s == NULL || s->at_us < since_us)
			continue;
		char *v = s->has_value ? fmt_value(s->value, duration) : NULL;
		buf_addf(b, "%s-%.1fs %s%s%s", b->len ? ", " : "",
		    (double)(last->at_us - s->at_us) / US_PER_S,
		    status_name((enum status)s->status), v ? " " : "",
		    v ? v : "");
		free(v);
	}
}

bool
rule_update(const struct rollback_rule *r, const struct wring *ring,
    struct wrule_state *st, char **why)
{
	const struct wsample *last = wring_back(ring, 0);
	struct buf b = BUF_INIT;

	*why = NULL;
	if (last == NULL)
		return false;
	switch (r->kind) {
	case RULE_FAILING: {
		/* The window is (last - within, last]: `within` of history. */
		size_t n = 0, nf = 0;
		for (size_t i = 0; i < ring->n; i++) {
			const struct wsample *s = wring_back(ring, i);
			if (s->at_us <= last->at_us - r->within_us)
				break;
			n++;
			nf += failed(s);
		}
		if (n < (size_t)r->min_samples ||
		    (double)nf * 100 < r->failing_pct * (double)n)
			return false;
		list_samples(&b, ring, n, 0, false);
		*why = xasprintf("%zu of %zu samples failed (%.1f%%, rule >= "
		    "%g%%): %s", nf, n, (double)nf * 100 / (double)n,
		    r->failing_pct, b.s);
		break;
	}
	case RULE_CONSECUTIVE: {
		if (ring->n < (size_t)r->consecutive)
			return false;
		for (size_t i = 0; i < (size_t)r->consecutive; i++)
			if (!failed(wring_back(ring, i)))
				return false;
		list_samples(&b, ring, (size_t)r->consecutive, 0, false);
		*why = xasprintf("%d failures in a row: %s", r->consecutive,
		    b.s);
		break;
	}
	case RULE_VALUE: {
		/*
		 * A sample without a value (the check could not measure)
		 * ends the run: the rule judges values, and the failing and
		 * consecutive rules judge failures.
		 */
		if (!last->has_value || !vcmp_eval(&r->value, last->value)) {
			st->held_since = 0;
			return false;
		}
		if (st->held_since == 0)
			st->held_since = last->at_us;
		st->held_until = last->at_us;
		if (last->at_us - st->held_since < r->for_us)
			return false;
		/* The samples of the run that are still in the ring. */
		size_t n = 0;
		while (n < ring->n && wring_back(ring, n)->at_us >=
		    st->held_since)
			n++;
		list_samples(&b, ring, n > 20 ? 20 : n, st->held_since,
		    r->value.duration);
		char *d = fmt_duration(last->at_us - st->held_since);
		*why = xasprintf("value %s %s held for %s: %s",
		    cmp_opstr(r->value.cmp.op), r->value.cmp.text, d, b.s);
		free(d);
		break;
	}
	}
	buf_release(&b);
	return true;
}

/* ---- the worker pool ------------------------------------------------- */

/*
 * A round runs its checks on threads that live as long as the watch.
 * check_run_all starts a thread per check: at 700 checks a second that
 * was most of the watch's CPU (perf: clone, stack mmap/munmap and the
 * TLB shootdowns they cause across cores; 0.57 s per 1,000 checks, 4.8x
 * monit).  The pool keeps the runner's rules: retries within the
 * check's budget, and a check that overstays its timeout (plus a grace)
 * is recorded as timed out and abandoned to its thread, which a new one
 * replaces.  Rounds with `needs` go through check_run_all.
 *
 * Workers claim the round's jobs with one atomic compare-and-swap each
 * and mark them done with another; the lock is taken to sleep, to wake
 * and once a round by the worker that finishes its last job.  Taking
 * the lock twice a job was ~2 futex calls a sample (strace -f, 700
 * `file` checks, 16 workers on 2 cores): most of the CPU a sample spent
 * outside its probe after the stat itself.
 */
#define TIMEOUT_GRACE_US	(500 * US_PER_MS)
#define POOL_STACK		(512 * 1024)

enum { WJ_QUEUED, WJ_RUNNING, WJ_DONE, WJ_ABANDONED };

struct wjob {
	const struct check	*c;
	struct result		 res;
	bool			 terse;
	_Atomic int		 state;
	_Atomic int64_t		 started_mono;
	size_t			 at;	/* in the round's sel and results */
	/* Jobs from this one on that its kind's run_batch can take
	 * together (this one included); 0: run alone. */
	size_t			 batch;
	size_t			 range;	/* first job of its claimed batch */
};

struct wpool {
	pthread_mutex_t	 mu;
	pthread_cond_t	 work, done;
	/* The round's jobs; gen and the jobs change under mu. */
	struct wjob	**jobs;
	size_t		 njobs;
	uint32_t	 gen;
	/* (gen << 32) | the next job to claim: a worker of an older round
	 * cannot claim from a newer round's array. */
	_Atomic uint64_t next;
	_Atomic size_t	 pending;	/* jobs of the round not done */
	size_t		 nthreads;	/* under mu */
	size_t		 width;		/* transfers a batch runs at once */
	bool		 quit;		/* under mu */
};

/*
 * Job j, started at t0 (monotonic).  The clock is read once an attempt
 * beyond that: a `file` sample read it ~8 times (the job's start, the
 * attempt's, its end twice, the kind's deadline...), ~5% of a round's
 * CPU in perf on this machine, whose clock reads cost ~0.1 us.
 */
static void
job_run(struct wjob *j, int64_t t0)
{
	const struct check *c = j->c;
	int64_t end = t0;
	int attempts = 0;
	bool terse = j->terse && c->host == NULL;
	struct result res = { .check = c, .started_wall_us = now_wall_us() };

	for (;;) {
		struct result r = { .check = c, .terse = terse };
		attempts++;
		/* `on: HOST`: run by cutover there (hosts.c). */
		if (c->host)
			hosts_run_check(c, &r);
		else
			c->kind->run(c, &r);
		int64_t at = res.started_wall_us;
		result_release(&res);
		res = r;
		res.started_wall_us = at;
		if (res.message == NULL && !terse)
			res.message = xstrdup("");
		end = now_mono_us();
		if (!check_retry(c, &res, attempts, end - t0))
			break;
		sleep_us(c->retry_interval_us);
	}
	res.check = c;
	res.attempts = attempts;
	res.duration_us = end - t0;
	j->res = res;
}

/*
 * Checks whose kind drives many at once (a kind with run_batch: http,
 * one curl multi handle, src/check/http.c) are claimed up to this many
 * together by one worker, which runs at most the pool's size (--jobs)
 * of them at once: one thread for the round's transfers instead of a
 * curl_easy_perform each on 16 threads (700 http checks a second, 20-s
 * runs alternated: 0.98 -> 0.67 s of CPU, docs/BENCHMARKS.md).
 */
#define POOL_BATCH	1024

/*
 * Claim the next job of round gen out of n and, when it starts a batch,
 * those after it: *first is the first claimed, the count is returned
 * (0: none left).
 */
static size_t
pool_claim(struct wpool *p, uint32_t gen, struct wjob **jobs, size_t n,
    size_t *first)
{
	uint64_t v = atomic_load(&p->next);

	for (;;) {
		size_t k = v & 0xffffffffu;
		if ((uint32_t)(v >> 32) != gen || k >= n)
			return 0;
		size_t m = jobs[k]->batch ? jobs[k]->batch : 1;
		if (m > POOL_BATCH)
			m = POOL_BATCH;
		if (atomic_compare_exchange_weak(&p->next, &v, v + m)) {
			*first = k;
			return m;
		}
	}
}

/*
 * Start job j (claimed) at started (0: not yet, a batch's job that waits
 * for its turn: not overdue before it starts); false if a stopped round
 * dropped it.
 */
static bool
job_start(struct wjob *j, int64_t started)
{
	int st = WJ_QUEUED;

	atomic_store(&j->started_mono, started);
	if (!atomic_compare_exchange_strong(&j->state, &st, WJ_RUNNING)) {
		free(j);
		return false;
	}
	return true;
}

/*
 * Job j has its result: mark it done; false if the round gave up on it
 * (overdue) and started a successor to this worker, which must end.
 */
static bool
job_done(struct wpool *p, struct wjob *j)
{
	int st = WJ_RUNNING;

	if (!atomic_compare_exchange_strong(&j->state, &st, WJ_DONE)) {
		result_release(&j->res);
		free(j);
		return false;
	}
	/* One wake-up a round, not one a check. */
	if (atomic_fetch_sub(&p->pending, 1) == 1) {
		pthread_mutex_lock(&p->mu);
		pthread_cond_signal(&p->done);
		pthread_mutex_unlock(&p->mu);
	}
	return true;
}

struct wbatch {
	struct wpool	*p;
	struct wjob	**jobs;
	bool		 end;	/* one was abandoned: this worker ends */
};

static void
batch_start(size_t i, void *arg)
{
	struct wbatch *b = arg;

	atomic_store(&b->jobs[i]->started_mono, now_mono_us());
}

static void
batch_done(size_t i, void *arg)
{
	struct wbatch *b = arg;
	struct wjob *j = b->jobs[i];

	/* As job_run leaves it. */
	j->res.check = j->c;
	if (j->res.message == NULL && !j->terse)
		j->res.message = xstrdup("");
	if (!job_done(b->p, j))
		b->end = true;
}

/* Run jobs[0..m) with their kind's run_batch; false: this worker ends. */
static bool
batch_run(struct wpool *p, struct wjob **claimed, size_t m)
{
	const struct check **cs = xcalloc(m + 1, sizeof(*cs));
	struct result **rs = xcalloc(m + 1, sizeof(*rs));
	struct wjob **jobs = xcalloc(m + 1, sizeof(*jobs));
	struct wbatch b = { .p = p, .jobs = jobs };
	size_t k = 0;

	for (size_t i = 0; i < m; i++) {
		struct wjob *j = claimed[i];
		if (!job_start(j, 0))
			continue;
		j->res = (struct result){ .check = j->c, .terse = j->terse };
		jobs[k] = j;
		cs[k] = j->c;
		rs[k++] = &j->res;
	}
	if (k)
		cs[0]->kind->run_batch(cs, rs, k, p->width, batch_start,
		    batch_done, &b);
	free(cs);
	free(rs);
	free(jobs);
	return !b.end;
}

static void *
pool_main(void *arg)
{
	struct wpool *p = arg;
	uint32_t gen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == gen && !p->quit)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		gen = p->gen;
		struct wjob **jobs = p->jobs;
		size_t n = p->njobs;
		pthread_mutex_unlock(&p->mu);
		size_t k, m;
		while ((m = pool_claim(p, gen, jobs, n, &k)) > 0) {
			struct wjob *j = jobs[k];
			if (j->batch) {
				for (size_t i = k; i < k + m; i++)
					jobs[i]->range = k;
				if (!batch_run(p, jobs + k, m)) {
					pthread_mutex_lock(&p->mu);
					goto out;
				}
				continue;
			}
			/* Dropped by a stopped round before it ran? */
			int64_t t0 = now_mono_us();
			if (!job_start(j, t0))
				continue;
			job_run(j, t0);
			if (!job_done(p, j)) {
				pthread_mutex_lock(&p->mu);
				goto out;
			}
		}
		pthread_mutex_lock(&p->mu);
	}
out:
	p->nthreads--;
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Start one more worker (the pool's lock held, or before any). */
static void
pool_grow(struct wpool *p)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, POOL_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, pool_main, p) == 0)
		p->nthreads++;
	pthread_attr_destroy(&attr);
}

static struct wpool *
pool_new(size_t n)
{
	struct wpool *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	atomic_init(&p->next, 0);
	atomic_init(&p->pending, 0);
	p->width = n;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < n; i++)
		pool_grow(p);
	pthread_mutex_unlock(&p->mu);
	return p;
}

/*
 * Tell the workers to end once idle.  A worker still in an abandoned
 * check keeps the pool: it is leaked with it, as the runner's abandoned
 * threads are, rather than freed under its feet.
 */
static void
pool_end(struct wpool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->work);
	int64_t until = now_mono_us() + US_PER_S;
	while (p->nthreads > 0 && now_mono_us() < until) {
		pthread_mutex_unlock(&p->mu);
		sleep_us(5 * US_PER_MS);
		pthread_mutex_lock(&p->mu);
	}
	size_t left = p->nthreads;
	pthread_mutex_unlock(&p->mu);
	if (left)
		return;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p);
}

static int64_t
job_budget(const struct check *c)
{
	return c->timeout_us * (c->retries + 1) + c->retry_interval_us *
	    c->retries + TIMEOUT_GRACE_US;
}

/*
 * Run checks sel[0..n) on the pool; results in the same order; terse[i]
 * as struct result's.  NULL when stopped (should_stop): the round is not
 * an observation then.
 */
static struct result *
pool_run(struct wpool *p, struct check **sel, const bool *terse, size_t n,
    bool (*stop)(void *), void *stop_arg)
{
	struct wjob **jobs = xcalloc(n + 1, sizeof(*jobs));
	struct result *rs = xcalloc(n + 1, sizeof(*rs));
	bool stopped = false;

	/*
	 * Checks of a kind with run_batch first, each kind's together, so
	 * that a worker can claim them as one range; the rest after, in
	 * order.  jobs[k]->at says whose result it is.
	 */
	bool *placed = xcalloc(n + 1, sizeof(*placed));
	size_t m = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			bool batchable = sel[i]->kind->run_batch &&
			    sel[i]->host == NULL;
			if (placed[i] || batchable != (pass == 0))
				continue;
			size_t from = m;
			/* A batch: the kind's checks from here; else sel[i]. */
			for (size_t k = i; k < (pass == 0 ? n : i + 1); k++) {
				if (placed[k] || (pass == 0 && (sel[k]->host ||
				    sel[k]->kind != sel[i]->kind)))
					continue;
				struct wjob *j = xcalloc(1, sizeof(*j));
				j->c = sel[k];
				j->terse = terse[k];
				j->at = k;
				atomic_init(&j->state, WJ_QUEUED);
				jobs[m++] = j;
				placed[k] = true;
			}
			for (size_t k = from; pass == 0 && k < m; k++)
				jobs[k]->batch = m - k;
		}
	}
	free(placed);
	/*
	 * Wake one worker per batch and per job that may block, and one
	 * for all the quick jobs (kind->quick): a worker that finishes
	 * goes on claiming, and one that overstays is replaced (below), so
	 * a stuck quick job holds up no other.  Waking all 16 workers for
	 * 700 stats a round was 41 context switches a round, now 19 (700
	 * `file` checks; the CPU it saves, a few percent at most, is
	 * within this machine's noise: docs/BENCHMARKS.md, watch, eighth
	 * round).
	 */
	size_t wake = 0;
	bool any_quick = false;
	for (size_t k = 0; k < n; k++) {
		const struct check *c = jobs[k]->c;
		if (jobs[k]->batch) {
			/* A batch's first job: its claims of POOL_BATCH. */
			if (k == 0 || jobs[k - 1]->batch != jobs[k]->batch + 1)
				wake += (jobs[k]->batch + POOL_BATCH - 1) /
				    POOL_BATCH;
		} else if (c->host == NULL && c->kind->quick && c->kind->quick(c))
			any_quick = true;
		else
			wake++;
	}
	wake += any_quick;
	bool *grown = xcalloc(n + 1, sizeof(*grown));
	pthread_mutex_lock(&p->mu);
	p->gen++;
	p->jobs = jobs;
	p->njobs = n;
	atomic_store(&p->pending, n);
	atomic_store(&p->next, (uint64_t)p->gen << 32);
	if (wake >= p->nthreads)
		pthread_cond_broadcast(&p->work);
	else
		for (size_t k = 0; k < wake; k++)
			pthread_cond_signal(&p->work);
	for (;;) {
		if (atomic_load(&p->pending) == 0)
			break;
		size_t left = 0;
		int64_t now = now_mono_us();
		for (size_t i = 0; i < n; i++) {
			struct wjob *j = jobs[i];
			if (j == NULL)
				continue;
			int st = atomic_load(&j->state);
			if (st == WJ_DONE)
				continue;
			int64_t t0 = atomic_load(&j->started_mono);
			if (st == WJ_RUNNING && t0 != 0 &&
			    now - t0 > job_budget(j->c) &&
			    atomic_compare_exchange_strong(&j->state, &st,
			    WJ_ABANDONED)) {
				/* Overdue: a timeout, and a new worker. */
				jobs[i] = NULL;
				atomic_fetch_sub(&p->pending, 1);
				char *d = fmt_duration(j->c->timeout_us);
				struct result *r = &rs[j->at];
				r->check = j->c;
				r->attempts = 1;
				r->started_wall_us = now_wall_us();
				r->duration_us = now - atomic_load(
				    &j->started_mono);
				result_set(r, ST_FAIL, "timed out after %s", d);
				free(d);
				/* A batch's worker ends after it, if one of its
				 * jobs was given up: one successor a batch. */
				if (j->batch == 0 || !grown[j->range]) {
					if (j->batch)
						grown[j->range] = true;
					pool_grow(p);
				}
				continue;
			}
			if (st != WJ_DONE)
				left++;
		}
		if (left == 0)
			break;
		if (stop && stop(stop_arg)) {
			stopped = true;
			break;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->done, &p->mu, &ts);
	}
	if (stopped) {
		/*
		 * Kinds that run processes stop them (check_stopping); what
		 * was not claimed is dropped here; a claimed job not done is
		 * abandoned to its worker, which frees it.
		 */
		check_set_stopping();
		uint64_t v = atomic_load(&p->next);
		while ((v & 0xffffffffu) < n && !atomic_compare_exchange_weak(
		    &p->next, &v, ((uint64_t)p->gen << 32) | n))
			;
		size_t claimed = v & 0xffffffffu;
		for (size_t i = 0; i < n; i++) {
			struct wjob *j = jobs[i];
			if (j == NULL)
				continue;
			int st = atomic_load(&j->state);
			if (i >= claimed) {
				free(j);
				continue;
			}
			while (st != WJ_DONE && !atomic_compare_exchange_weak(
			    &j->state, &st, WJ_ABANDONED))
				;
			if (st == WJ_DONE) {
				result_release(&j->res);
				free(j);
			}
		}
		p->jobs = NULL;
		p->njobs = 0;
		pthread_mutex_unlock(&p->mu);
		results_free(rs, n);
		free(jobs);
		free(grown);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (jobs[i] == NULL)
			continue;
		rs[jobs[i]->at] = jobs[i]->res;
		free(jobs[i]);
	}
	p->jobs = NULL;
	p->njobs = 0;
	pthread_mutex_unlock(&p->mu);
	free(jobs);
	free(grown);
	return rs;
}

/* ---- the engine ------------------------------------------------------ */

struct wcheck {
	struct check	*c;
	int64_t		 every_us;
	int64_t		 due_us;	/* next scheduled sample, wall */
	struct wring	 ring;
	char		*last_msg;	/* the last message journaled */
	int		 last_status;	/* -1: none yet */
};

struct wctx {
	const struct plan	*p;
	const struct phase	*ph;
	struct journal		*j;
	int64_t			 run, w;
	const struct watch_opts	*o;
	int64_t			 started_us, end_us, every_us, for_us;
	int64_t			 keep_raw_us, folded_us;
	struct wcheck		*wc;
	size_t			 nwc;
	/* Rules: the phase's rollback_if, each with its check's index. */
	struct wrule_state	*rs;
	size_t			*rcheck;
	struct jsample		*batch;
	/* Inside a round's loop: lines are flushed once, after it (a
	 * first round of 700 checks was 700 write calls). */
	bool			 in_round;
	struct wpool		*pool;
	char			*err;
	int64_t			 nsamples;
};

static void
out_line(struct wctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_line(struct wctx *x, const char *fmt, ...)
{
	va_list ap;

	if (x->o->out == NULL || x->o->jsonl)
		return;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	char *r = redact(m);
	char *v = text_printable(r, false);
	fprintf(x->o->out, "%s\n", v);
	if (!x->in_round)
		fflush(x->o->out);
	free(v);
	free(r);
	free(m);
}

static void
out_json(struct wctx *x, struct buf *b)
{
	if (x->o->out == NULL || !x->o->jsonl)
		return;
	buf_addc(b, '\n');
	fwrite(b->s, 1, b->len, x->o->out);
	if (!x->in_round)
		fflush(x->o->out);
}

static char *
clock_of(int64_t wall_us)
{
	time_t t = (time_t)(wall_us / US_PER_S);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%H:%M:%S", &tm);
	return xstrdup(s);
}

static bool
stop_now(struct wctx *x)
{
	return x->o->should_stop && x->o->should_stop(x->o->stop_arg);
}

static int
check_index(const struct wctx *x, const char *id)
{
	for (size_t i = 0; i < x->nwc; i++)
		if (strcmp(x->wc[i].c->id, id) == 0)
			return (int)i;
	return -1;
}

/* Feed one sample to the check's ring and rules; true if a rule fired. */
static bool
feed(struct wctx *x, size_t ci, const struct wsample *s, bool judge,
    size_t *rule, char **why)
{
	struct wcheck *w = &x->wc[ci];
	bool fired = false;

	wring_push(&w->ring, s);
	if (x->o->on_sample)
		x->o->on_sample(x->o->proc_arg, w->c->id, s, judge);
	for (size_t k = 0; k < x->ph->nrollback_if; k++) {
		if (x->rcheck[k] != ci)
			continue;
		char *m = NULL;
		bool f = rule_update(&x->ph->rollback_if[k], &w->ring, &x->rs[k],
		    &m);
		if (f && judge && !fired) {
			fired = true;
			*rule = k;
			*why = m;
		} else {
			free(m);
		}
	}
	return fired;
}

/* Replay journaled samples into the rings (resume). */
static void
replay(const struct jsample *s, void *arg)
{
	struct wctx *x = arg;
	struct wsample ws = { s->at_us, s->status, s->has_value, s->value };
	size_t rule;
	char *why = NULL;

	if (s->check < 0 || (size_t)s->check >= x->nwc)
		return;
	feed(x, (size_t)s->check, &ws, false, &rule, &why);
	x->wc[s->check].last_status = s->status;
	if (s->message) {
		free(x->wc[s->check].last_msg);
		x->wc[s->check].last_msg = xstrdup(s->message);
	}
	x->nsamples++;
}

static int
fire(struct wctx *x, size_t k, const char *why, char **reason)
{
	const struct rollback_rule *r = &x->ph->rollback_if[k];
	char *d = rule_describe(r);
	int64_t at = now_wall_us();
	int rc = 0;

	*reason = xasprintf("rollback_if fired in phase %s: %s %s: %s",
	    x->ph->id, r->check, d, why);
	if (journal_trigger(x->j, x->w, at, r->check, d, why, &x->err) != 0 ||
	    journal_event(x->j, x->run, "trigger", x->ph->id, r->check,
	    *reason, &x->err) != 0 ||
	    journal_watch_state(x->j, x->w, "triggered", *reason, false,
	    &x->err) != 0)
		rc = -1;
	out_line(x, "trigger: %s %s: %s", r->check, d, why);
	struct buf b = BUF_INIT;
	json_open(&b);
	json_field(&b, "type", "trigger", true);
	json_time(&b, "fired", at, true);
	json_field(&b, "phase", x->ph->id, true);
	json_field(&b, "check", r->check, true);
	json_field(&b, "rule", d, true);
	json_field(&b, "samples", why, true);
	buf_adds(&b, "}");
	out_json(x, &b);
	buf_release(&b);
	struct alert_event ev = { .event = "trigger", .phase = x->ph->id,
	    .check = r->check, .status = "fired", .message = *reason };
	alert_emit(x->o->alert, &ev);
	free(d);
	return rc;
}

/* Run the due checks, journal the round, feed the rules. */
static int
round_once(struct wctx *x, int64_t now, size_t *rule, char **why)
{
	struct check **sel = xcalloc(x->nwc + 1, sizeof(*sel));
	size_t *idx = xcalloc(x->nwc + 1, sizeof(*idx));
	size_t n = 0, nres = 0;
	int fired = 0;

	for (size_t i = 0; i < x->nwc; i++) {
		if (x->wc[i].due_us <= now) {
			idx[n] = i;
			sel[n++] = x->wc[i].c;
		}
	}
	if (n == 0) {
		free(sel);
		free(idx);
		return 0;
	}
	bool needs = false;
	for (size_t k = 0; k < n; k++)
		needs |= sel[k]->needs.n > 0;
	struct result *rs;
	if (needs) {
		struct run_opts ro = { .jobs = x->o->jobs,
		    .should_stop = x->o->should_stop, .arg = NULL,
		    .stop_arg = x->o->stop_arg };
		rs = check_run_all(x->p, sel, n, &ro, &nres);
	} else {
		/*
		 * A check that was passing needs no passing message: one
		 * goes out only on a change, in jsonl or to an alerter.
		 */
		bool *terse = xcalloc(n + 1, sizeof(*terse));
		for (size_t k = 0; k < n; k++)
			terse[k] = !x->o->jsonl && !x->o->alert &&
			    x->wc[idx[k]].last_status == ST_PASS;
		rs = pool_run(x->pool, sel, terse, n, x->o->should_stop,
		    x->o->stop_arg);
		free(terse);
		nres = rs ? n : 0;
	}
	if (rs == NULL || stop_now(x)) {
		/* A round cut short is not journaled: its "stopped" are no
		 * observations of the system. */
		results_free(rs, nres);
		free(sel);
		free(idx);
		return 0;
	}
	/*
	 * Which result is which check's: the pool's results are in sel's
	 * order; check_run_all's (a round with `needs`) are searched.  Two
	 * searches per result were 2 x 700 x 700 comparisons a round.
	 */
	size_t nb = 0;
	const struct result **byci = xcalloc(x->nwc + 1, sizeof(*byci));
	for (size_t r = 0; r < nres; r++) {
		int ci = -1;
		if (!needs)
			ci = (int)idx[r];
		for (size_t k = 0; needs && k < n && ci < 0; k++)
			if (rs[r].check == sel[k])
				ci = (int)idx[k];
		if (ci < 0)
			continue;	/* a `needs` of a watched check */
		byci[ci] = &rs[r];
		/*
		 * Redacted only when shown or kept: a message goes out in
		 * jsonl, to an alerter, when the status changes, and to the
		 * journal when failing.  The other fields are never shown
		 * by a watch.  A passing sample of an unchanged status
		 * skips the redaction (2 allocations and a scan of each of
		 * 4 strings) that every sample paid.
		 */
		struct result *rr = &rs[r];
		free(rr->observed);
		free(rr->threshold);
		free(rr->detail);
		rr->observed = rr->threshold = rr->detail = NULL;
		if (x->o->jsonl || x->o->alert || rr->status != ST_PASS ||
		    (int)rr->status != x->wc[ci].last_status)
			results_redact(rr, 1);
		else {
			free(rr->message);
			rr->message = NULL;
		}
		struct wcheck *w = &x->wc[ci];
		struct jsample *s = &x->batch[nb++];
		memset(s, 0, sizeof(*s));
		s->at_us = w->due_us;
		s->check = ci;
		s->status = (int)rs[r].status;
		s->has_value = rs[r].has_value;
		s->value = rs[r].value;
		const char *m = rs[r].message ? rs[r].message : "";
		if (s->status != ST_PASS && (w->last_msg == NULL ||
		    strncmp(w->last_msg, m, SAMPLE_MSG) != 0)) {
			free(w->last_msg);
			w->last_msg = xstrndup(m, SAMPLE_MSG);
			s->message = w->last_msg;
		}
	}
	int rc = journal_samples(x->j, x->w, x->started_us, x->batch, nb,
	    &x->err);
	x->nsamples += (int64_t)nb;
	x->in_round = true;
	for (size_t i = 0; rc == 0 && i < nb; i++) {
		const struct jsample *s = &x->batch[i];
		struct wcheck *w = &x->wc[s->check];
		const struct result *r = byci[s->check];
		bool ok = s->status == ST_PASS || s->status == ST_WARN;
		alert_check_state(x->o->alert, x->ph->id, w->c->id, ok,
		    r ? r->message : NULL);
		if (x->o->jsonl) {
			struct buf b = BUF_INIT;
			json_open(&b);
			json_field(&b, "type", "sample", true);
			json_time(&b, "sampled", s->at_us, true);
			json_field(&b, "phase", x->ph->id, true);
			json_field(&b, "check", w->c->id, true);
			json_field(&b, "status", status_name((enum status)
			    s->status), true);
			json_key(&b, "value", true);
			if (s->has_value && isfinite(s->value))
				buf_addf(&b, "%.9g", s->value);
			else
				buf_adds(&b, "null");
			json_field(&b, "message", r ? r->message : NULL, true);
			buf_adds(&b, "}");
			out_json(x, &b);
			buf_release(&b);
		} else if (s->status != w->last_status) {
			char *t = clock_of(s->at_us);
			out_line(x, "  %s %-20s %s%s%s", t, w->c->id,
			    status_name((enum status)s->status),
			    r && r->message ? ": " : "",
			    r && r->message ? r->message : "");
			free(t);
		}
		w->last_status = s->status;
		struct wsample ws = { s->at_us, s->status, s->has_value,
		    s->value };
		if (!fired && feed(x, (size_t)s->check, &ws, true, rule, why))
			fired = 1;
		else if (fired)
			wring_push(&w->ring, &ws);
	}
	x->in_round = false;
	if (x->o->out)
		fflush(x->o->out);
	/* The next due time: missed slots are skipped (a slow round). */
	for (size_t k = 0; k < n; k++) {
		struct wcheck *w = &x->wc[idx[k]];
		while (w->due_us <= now)
			w->due_us += w->every_us;
	}
	results_free(rs, nres);
	free(byci);
	free(sel);
	free(idx);
	return rc < 0 ? -1 : fired;
}

/* The measured figure of one success rule. */
static double
measured(const struct jwstat *s, enum metric m)
{
	switch (m) {
	case MET_UPTIME:
		return s->n + s->nmissed ? (double)s->npass * 100 /
		    (double)(s->n + s->nmissed) : NAN;
	case MET_FAILURES:
		return (double)(s->nfail + s->nmissed);
	case MET_P50: return s->p50;
	case MET_P90: return s->p90;
	case MET_P95: return s->p95;
	case MET_P99: return s->p99;
	case MET_MIN: return s->min;
	case MET_MAX: return s->max;
	case MET_AVG: return s->avg;
	}
	return NAN;
}

static char *
fmt_measured(const struct success_rule *r, double v)
{
	if (isnan(v))
		return xstrdup("no data");
	if (r->metric == MET_UPTIME)
		return xasprintf("%.3f%%", v);
	if (r->metric == MET_FAILURES)
		return xasprintf("%.0f", v);
	return fmt_value(v, r->target.duration);
}

bool
success_judge(const struct success_rule *r, const struct jwatch *jw,
    double *measured_out, char **text, int64_t *samples)
{
	const struct jwstat *s = NULL;

	for (size_t i = 0; jw->stats && i < jw->nchecks; i++)
		if (strcmp(jw->checks[i], r->check) == 0)
			s = &jw->stats[i];
	double v = s ? measured(s, r->metric) : NAN;
	*measured_out = v;
	*text = fmt_measured(r, v);
	*samples = s ? s->n : 0;
	return !isnan(v) && vcmp_eval(&r->target, v);
}

/* Judge the success rules; 1 all hold, 0 one fails, -1 journal error. */
static int
judge(struct wctx *x, struct jwatch *jw, struct buf *based_on)
{
	const struct success_rule *rules[2] = { x->ph->success, x->p->success };
	size_t nrules[2] = { x->ph->nsuccess, x->p->nsuccess };
	int all = 1;

	/* Only the checks the rules name are added up (journal.h). */
	bool *want = xcalloc(jw->nchecks + 1, sizeof(*want));
	for (int g = 0; g < 2; g++)
		for (size_t i = 0; i < nrules[g]; i++) {
			int ci = check_index(x, rules[g][i].check);
			if (ci >= 0 && (size_t)ci < jw->nchecks)
				want[ci] = true;
		}
	int rc = journal_watch_stats_of(x->j, jw, want, &x->err);
	free(want);
	if (rc != 0)
		return -1;
	if (nrules[0] + nrules[1])
		out_line(x, "success rules of phase %s:", x->ph->id);
	for (int g = 0; g < 2; g++) {
		for (size_t i = 0; i < nrules[g]; i++) {
			const struct success_rule *r = &rules[g][i];
			int ci = check_index(x, r->check);
			const struct jwstat *s = ci >= 0 ? &jw->stats[ci] : NULL;
			double v = s ? measured(s, r->metric) : NAN;
			bool ok = !isnan(v) && vcmp_eval(&r->target, v);
			char *mv = fmt_measured(r, v);
			all &= ok;
			int64_t ns = s ? s->n : 0;
			buf_addf(based_on, "%s%s %s %s %s: %s (%lld samples%s)"
			    " %s", based_on->len ? "; " : "", r->check,
			    metric_name(r->metric), cmp_opstr(r->target.cmp.op),
			    r->target.cmp.text, mv, (long long)ns,
			    s && s->nmissed ? ", gaps count as failing" : "",
			    ok ? "pass" : "FAIL");
			out_line(x, "  %-20s %-8s %2s %-10s measured %-12s %6lld "
			    "samples  %s", r->check, metric_name(r->metric),
			    cmp_opstr(r->target.cmp.op), r->target.cmp.text, mv,
			    (long long)ns, ok ? "pass" : "FAIL");
			struct buf b = BUF_INIT;
			json_open(&b);
			json_field(&b, "type", "success", true);
			json_field(&b, "phase", x->ph->id, true);
			json_field(&b, "check", r->check, true);
			json_field(&b, "metric", metric_name(r->metric), true);
			char *tg = xasprintf("%s %s", cmp_opstr(r->target.cmp.op),
			    r->target.cmp.text);
			json_field(&b, "target", tg, true);
			free(tg);
			json_key(&b, "measured", true);
			if (isnan(v))
				buf_adds(&b, "null");
			else
				buf_addf(&b, "%.9g", v);
			buf_addf(&b, ", \"samples\": %lld", (long long)ns);
			json_field(&b, "verdict", ok ? "pass" : "fail", true);
			buf_adds(&b, "}");
			out_json(x, &b);
			buf_release(&b);
			free(mv);
		}
	}
	return all;
}

/* Set up the watch: a new one, or the phase's unfinished one. */
static int
begin_watch(struct wctx *x, const struct jlog *log, struct jwatch **prev)
{
	const struct jwatch *jw = log ? jlog_watch(log, x->ph->id) : NULL;
	int64_t now = now_wall_us();

	*prev = NULL;
	if (jw && (strcmp(jw->state, WATCH_WATCHING) == 0 ||
	    strcmp(jw->state, "triggered") == 0)) {
		/* Continue it with its own figures, whatever the options. */
		x->w = jw->id;
		x->started_us = jw->started_us;
		x->every_us = jw->every_us;
		x->for_us = jw->for_us;
		x->keep_raw_us = jw->keep_raw_us;
		x->end_us = x->started_us + x->for_us;
		for (size_t i = 0; i < x->nwc; i++) {
			for (size_t k = 0; k < jw->nchecks; k++)
				if (strcmp(jw->checks[k], x->wc[i].c->id) == 0 &&
				    jw->check_every_us[k] > 0)
					x->wc[i].every_us = jw->check_every_us[k];
		}
		*prev = (struct jwatch *)jw;
		return 1;
	}
	x->started_us = now;
	x->end_us = now + x->for_us;
	const char **ids = xcalloc(x->nwc + 1, sizeof(*ids));
	int64_t *ev = xcalloc(x->nwc + 1, sizeof(*ev));
	for (size_t i = 0; i < x->nwc; i++) {
		ids[i] = x->wc[i].c->id;
		ev[i] = x->wc[i].every_us;
	}
	int rc = journal_watch_begin(x->j, x->run, x->ph->id, x->every_us,
	    x->for_us, x->keep_raw_us, x->started_us, ids, ev, x->nwc, &x->w,
	    &x->err);
	free(ids);
	free(ev);
	return rc;
}

enum watch_end
watch_phase(const struct plan *p, const struct phase *ph, struct journal *j,
    int64_t run, const struct jlog *log, const struct watch_opts *o,
    char **reason, char **based_on, char **errp)
{
	struct wctx x = { .p = p, .ph = ph, .j = j, .run = run, .o = o };
	enum watch_end end = WATCH_ERR;
	struct buf bo = BUF_INIT;
	struct jwatch *prev;
	struct jlog one = { 0 };

	*reason = *based_on = NULL;
	x.every_us = o->every_us > 0 ? o->every_us : ph->watch_every_us;
	x.for_us = o->for_us > 0 ? o->for_us : ph->watch_for_us;
	x.nwc = ph->watch_checks.n;
	x.wc = xcalloc(x.nwc + 1, sizeof(*x.wc));
	x.batch = xcalloc(x.nwc + 1, sizeof(*x.batch));
	x.rs = xcalloc(ph->nrollback_if + 1, sizeof(*x.rs));
	x.rcheck = xcalloc(ph->nrollback_if + 1, sizeof(*x.rcheck));
	for (size_t i = 0; i < x.nwc; i++) {
		x.wc[i].c = plan_check(p, ph->watch_checks.v[i]);
		x.wc[i].every_us = x.wc[i].c->every_us > 0 ?
		    x.wc[i].c->every_us : x.every_us;
		x.wc[i].last_status = -1;
	}
	/* Raw samples cover every rule's window, and an hour at least. */
	x.keep_raw_us = KEEP_RAW_MIN;
	for (size_t k = 0; k < ph->nrollback_if; k++) {
		const struct rollback_rule *r = &ph->rollback_if[k];
		int64_t win = r->kind == RULE_FAILING ? r->within_us :
		    r->kind == RULE_VALUE ? r->for_us : 0;
		if (2 * win > x.keep_raw_us)
			x.keep_raw_us = 2 * win;
	}
	const struct jwatch *done = log ? jlog_watch(log, ph->id) : NULL;
	if (done && strcmp(done->state, "go") == 0) {
		/* Judged go before a crash: the phase only has to end. */
		*reason = xasprintf("watch of phase %s ended go earlier", ph->id);
		buf_adds(&bo, done->reason ? done->reason : "");
		end = WATCH_GO;
		goto out;
	}
	int b = begin_watch(&x, log, &prev);
	if (b < 0)
		goto jerr;
	/* Ring sizes from the (possibly journaled) intervals. */
	for (size_t i = 0; i < x.nwc; i++) {
		size_t need = 1;
		for (size_t k = 0; k < ph->nrollback_if; k++) {
			if (strcmp(ph->rollback_if[k].check, x.wc[i].c->id) != 0)
				continue;
			x.rcheck[k] = i;
			size_t nk = rule_ring_need(&ph->rollback_if[k],
			    x.wc[i].every_us);
			if (nk > need)
				need = nk;
		}
		wring_init(&x.wc[i].ring, need);
	}
	int64_t now = now_wall_us();
	char *es = fmt_duration(x.every_us), *fs = fmt_duration(x.for_us);
	if (b == 1) {
		/*
		 * Continue: what was journaled feeds the rules again (only
		 * what came after a decision to go on, if a trigger was
		 * overridden), and the time nothing watched is a gap.
		 */
		int64_t from = 0;
		if (strcmp(prev->state, "triggered") == 0) {
			from = now;
			if (journal_watch_state(j, x.w, WATCH_WATCHING,
			    "continued after a trigger by decision", false,
			    &x.err) != 0)
				goto jerr_free;
		}
		if (journal_samples_each(j, prev, from, replay, &x, &x.err) != 0)
			goto jerr_free;
		int64_t last = prev->last_us ? prev->last_us : x.started_us;
		int64_t gap_from = prev->last_us ? last + x.every_us : last;
		if (now > gap_from + x.every_us) {
			if (journal_watch_gap(j, x.w, gap_from, now, &x.err) != 0)
				goto jerr_free;
			char *g = fmt_duration(now - gap_from);
			out_line(&x, "watch of phase %s continues after a gap of "
			    "%s with nothing watched (counted as failing "
			    "samples)", ph->id, g);
			free(g);
		}
		for (size_t i = 0; i < x.nwc; i++) {
			struct wcheck *w = &x.wc[i];
			int64_t k = (now - x.started_us + w->every_us - 1) /
			    w->every_us;
			w->due_us = x.started_us + (k > 0 ? k : 0) * w->every_us;
		}
		char *left = fmt_duration(x.end_us > now ? x.end_us - now : 0);
		out_line(&x, "watch of phase %s resumed: %lld samples kept, %s "
		    "left (every %s, %zu checks)", ph->id,
		    (long long)x.nsamples, left, es, x.nwc);
		free(left);
	} else {
		for (size_t i = 0; i < x.nwc; i++)
			x.wc[i].due_us = x.started_us;
		char *t = clock_of(x.end_us);
		out_line(&x, "watch of phase %s: every %s for %s, %zu checks, "
		    "until %s UTC", ph->id, es, fs, x.nwc, t);
		free(t);
	}
	free(es);
	free(fs);
	x.folded_us = now;
	x.pool = pool_new((size_t)(o->jobs > 0 ? o->jobs : CHECK_DEFAULT_JOBS));

	for (;;) {
		now = now_wall_us();
		if (stop_now(&x)) {
			end = WATCH_STOPPED;
			*reason = xasprintf("watch of phase %s stopped", ph->id);
			goto out;
		}
		if (now >= x.end_us)
			break;
		int64_t next = x.end_us;
		for (size_t i = 0; i < x.nwc; i++)
			if (x.wc[i].due_us < next)
				next = x.wc[i].due_us;
		if (next > now) {
			/* Sleep to the next due time; wake for signals. */
			int64_t d = next - now;
			wake_sleep_us(d < POLL_US ? d : POLL_US);
			continue;
		}
		size_t rule = 0;
		char *why = NULL;
		int f = round_once(&x, now, &rule, &why);
		if (f < 0)
			goto jerr;
		if (f > 0) {
			int rc = fire(&x, rule, why, reason);
			free(why);
			if (rc != 0)
				goto jerr;
			buf_adds(&bo, *reason);
			end = WATCH_TRIGGER;
			goto out;
		}
		if (x.o->after_round) {
			int pr = x.o->after_round(x.o->proc_arg, reason);
			if (pr < 0)
				goto jerr;
			if (pr > 0) {
				buf_adds(&bo, *reason ? *reason : "");
				end = WATCH_PROCEDURE;
				goto out;
			}
		}
		if (now - x.folded_us >= FOLD_EVERY) {
			if (journal_fold(j, x.w, x.started_us, now -
			    x.keep_raw_us, &x.err) != 0)
				goto jerr;
			x.folded_us = now;
		}
	}

	/* The end of the window: the success rules are the gate. */
	if (journal_load(j, run, &one, &x.err) != 0)
		goto jerr;
	struct jwatch *jw = NULL;
	for (size_t i = 0; i < one.nwatches; i++)
		if (one.watches[i].id == x.w)
			jw = &one.watches[i];
	if (jw == NULL) {
		seterr(&x.err, "watch %lld vanished from the journal",
		    (long long)x.w);
		goto jerr;
	}
	int ok = judge(&x, jw, &bo);
	if (ok < 0)
		goto jerr;
	end = ok ? WATCH_GO : WATCH_NOGO;
	*reason = ok ? xasprintf("watch of phase %s: every success rule held "
	    "(%lld samples)", ph->id, (long long)x.nsamples) :
	    xasprintf("watch of phase %s: a success rule failed", ph->id);
	if (journal_watch_state(j, x.w, ok ? "go" : "no-go", bo.s, true,
	    &x.err) != 0)
		goto jerr;
	out_line(&x, "%s", *reason);
	struct buf jb = BUF_INIT;
	json_open(&jb);
	json_field(&jb, "type", "done", true);
	json_field(&jb, "phase", ph->id, true);
	json_field(&jb, "verdict", ok ? "go" : "no-go", true);
	buf_addf(&jb, ", \"samples\": %lld}", (long long)x.nsamples);
	out_json(&x, &jb);
	buf_release(&jb);
	struct alert_event ev = { .event = "watch.done", .phase = ph->id,
	    .status = ok ? "go" : "no-go", .message = *reason };
	alert_emit(o->alert, &ev);
	struct alert_event gv = { .event = ok ? "gate.go" : "gate.nogo",
	    .phase = ph->id, .status = ok ? "go" : "no-go", .message = bo.s };
	alert_emit(o->alert, &gv);
	goto out;

jerr_free:
	free(es);
	free(fs);
jerr:
	end = WATCH_ERR;
	*errp = x.err ? x.err : xstrdup("journal write failed");
	x.err = NULL;
out:
	pool_end(x.pool);
	jlog_release(&one);
	*based_on = bo.s ? xstrdup(bo.s) : xstrdup("");
	buf_release(&bo);
	for (size_t i = 0; i < x.nwc; i++) {
		wring_release(&x.wc[i].ring);
		free(x.wc[i].last_msg);
	}
	free(x.wc);
	free(x.batch);
	free(x.rs);
	free(x.rcheck);
	free(x.err);
	return end;
}
