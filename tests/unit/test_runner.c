/*
 * test_runner.c - the concurrent runner (check_run_all): needs and skips,
 * retries and their budget, timeouts (the kind's own and abandonment),
 * --jobs, plan order, the on_result callback.
 *
 * Checks are real `command` checks wherever a real kind can show the
 * behaviour.  Two things no well-behaved kind does on demand: overstay
 * its deadline (abandonment) and report how many of its runs overlap
 * (--jobs).  For those a check is switched, for the test only, to the
 * `probe` kind below, which does exactly that and nothing else.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../t.h"
#include "check.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "plan.h"

static struct plan *
load(const char *yaml)
{
	char *errs = NULL;
	struct plan *p = plan_load_mem("runner.yml", yaml, strlen(yaml), &errs);

	if (p == NULL)
		printf("# %s", errs);
	free(errs);
	return p;
}

static struct result *
run_all(struct plan *p, int jobs, size_t *n)
{
	struct check **sel = calloc(p->nchecks + 1, sizeof(*sel));
	struct run_opts o = { .jobs = jobs };

	for (size_t i = 0; i < p->nchecks; i++)
		sel[i] = &p->checks[i];
	struct result *rs = check_run_all(p, sel, p->nchecks, &o, n);
	free(sel);
	return rs;
}

static const struct result *
find(const struct result *rs, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rs[i].check->id, id) == 0)
			return &rs[i];
	return NULL;
}

/* ---- the probe kind ---------------------------------------------------- */

/*
 * Its run sleeps for the milliseconds in the check's title ("60", or
 * "warn:60" to warn), ignoring the deadline, and counts how many runs
 * overlap.  `finished` lets a test
 * wait for abandoned threads before it frees the plan they read.
 */
static atomic_int running, max_running, finished;
/*
 * When set, a probe waits (up to 10s) until that many probes have run at
 * once before it sleeps: on a loaded machine a 60ms sleep could end before
 * the runner had started the next thread, and the measured overlap then
 * said less about the job limit than about the load.
 */
static atomic_int gather;

static void
probe_run(const struct check *c, struct result *r)
{
	int now = atomic_fetch_add(&running, 1) + 1;
	int m = atomic_load(&max_running);

	while (now > m && !atomic_compare_exchange_weak(&max_running, &m, now))
		;
	for (int i = 0; i < 10000 && atomic_load(&gather) > 0 &&
	    atomic_load(&max_running) < atomic_load(&gather); i++)
		sleep_us(1000);
	bool warn = strncmp(c->title, "warn:", 5) == 0;
	sleep_us(atol(c->title + (warn ? 5 : 0)) * 1000);
	atomic_fetch_sub(&running, 1);
	result_set(r, warn ? ST_WARN : ST_PASS, "slept %sms", c->title);
	atomic_fetch_add(&finished, 1);
}

static const struct check_kind probe = {
	.name = "probe",
	.summary = "test only",
	.run = probe_run,
};

/* Switch every check to probe; returns the old kinds for unprobe(). */
static const struct check_kind **
probe_all(struct plan *p)
{
	const struct check_kind **old = calloc(p->nchecks + 1, sizeof(*old));

	for (size_t i = 0; i < p->nchecks; i++) {
		old[i] = p->checks[i].kind;
		p->checks[i].kind = &probe;
	}
	atomic_store(&running, 0);
	atomic_store(&max_running, 0);
	atomic_store(&finished, 0);
	return old;
}

/* Back to the real kinds, so that plan_free frees their config. */
static void
unprobe(struct plan *p, const struct check_kind **old)
{
	for (size_t i = 0; i < p->nchecks; i++)
		p->checks[i].kind = old[i];
	free(old);
}

/* ---- needs and skips --------------------------------------------------- */

T_TEST(needs_skip_chain)
{
	struct plan *p = load(
	    "cutover: 1\nname: r\nchecks:\n"
	    "  - { id: e, kind: command, run: 'true', needs: [d] }\n"
	    "  - { id: a, kind: command, run: 'false' }\n"
	    "  - { id: b, kind: command, run: 'true', needs: [a] }\n"
	    "  - { id: c, kind: command, run: 'true', needs: [b] }\n"
	    "  - { id: d, kind: command, run: 'true' }\n");
	size_t n = 0;

	if (!T_OK(p != NULL))
		return;
	struct result *rs = run_all(p, 4, &n);
	T_EQ_INT(n, 5);
	T_EQ_INT(find(rs, n, "a")->status, ST_FAIL);
	T_EQ_INT(find(rs, n, "b")->status, ST_SKIP);
	T_EQ_STR(find(rs, n, "b")->message,
	    "skipped: needs 'a', which did not pass");
	/* A skip propagates: c needs b, which was skipped. */
	T_EQ_INT(find(rs, n, "c")->status, ST_SKIP);
	T_EQ_STR(find(rs, n, "c")->message,
	    "skipped: needs 'b', which did not pass");
	/* e comes before d in the plan and still waits for it. */
	T_EQ_INT(find(rs, n, "e")->status, ST_PASS);
	T_OK(find(rs, n, "e")->started_wall_us >=
	    find(rs, n, "d")->started_wall_us);
	/* A skipped check never ran. */
	T_EQ_INT(find(rs, n, "b")->attempts, 0);
	/* Results come back in plan order, whatever order they finished in. */
	T_EQ_STR(rs[0].check->id, "e");
	T_EQ_STR(rs[4].check->id, "d");
	results_free(rs, n);
	plan_free(p);
}

T_TEST(warn_does_not_skip)
{
	struct plan *p = load(
	    "cutover: 1\nname: r\nchecks:\n"
	    "  - { id: w, kind: disk, path: /, min_free: 1% }\n"
	    "  - { id: x, kind: command, run: 'true', needs: w }\n");
	size_t n = 0;

	if (!T_OK(p != NULL))
		return;
	/* A warning, on demand: `w` becomes a probe that warns. */
	const struct check_kind **old = probe_all(p);
	p->checks[0].title = strdup("warn:1");
	p->checks[1].kind = old[1];
	struct result *rs = run_all(p, 2, &n);
	T_EQ_INT(find(rs, n, "w")->status, ST_WARN);
	T_EQ_INT(find(rs, n, "x")->status, ST_PASS);
	results_free(rs, n);
	unprobe(p, old);
	plan_free(p);
}

T_TEST(selection_pulls_in_needs)
{
	struct plan *p = load(
	    "cutover: 1\nname: r\nchecks:\n"
	    "  - { id: a, kind: command, run: 'true' }\n"
	    "  - { id: b, kind: command, run: 'true', needs: a }\n"
	    "  - { id: c, kind: command, run: 'true', needs: b }\n"
	    "  - { id: other, kind: command, run: 'true' }\n");
	size_t n = 0;

	if (!T_OK(p != NULL))
		return;
	struct check *only = plan_check(p, "c");
	struct run_opts o = { 0 };
	struct result *rs = check_run_all(p, &only, 1, &o, &n);
	T_EQ_INT(n, 3);
	T_EQ_STR(rs[0].check->id, "a");
	T_EQ_STR(rs[1].check->id, "b");
	T_EQ_STR(rs[2].check->id, "c");
	T_EQ_INT(results_worst(rs, n), ST_PASS);
	results_free(rs, n);
	plan_free(p);
}

/* ---- retries ----------------------------------------------------------- */

T_TEST(retries_until_pass)
{
	char dir[] = "/tmp/cutover-unit.XXXXXX";
	char *yaml;
	size_t n = 0;

	T_OK(mkdtemp(dir) != NULL);
	/* Fails twice, then passes: a counter file outlives each attempt. */
	yaml = xasprintf(
	    "cutover: 1\nname: r\nchecks:\n"
	    "  - id: flaky\n    kind: command\n"
	    "    shell: 'n=$$(cat %s/n 2>/dev/null || echo 0); n=$$((n+1)); "
	    "echo $$n > %s/n; [ $$n -ge 3 ]'\n"
	    "    retries: 5\n    retry_interval: 20ms\n"
	    "  - { id: hopeless, kind: command, run: 'false', retries: 2, "
	    "retry_interval: 10ms }\n"
	    "  - { id: first-time, kind: command, run: 'true', retries: 3 }\n",
	    dir, dir);
	struct plan *p = load(yaml);
	free(yaml);
	if (!T_OK(p != NULL))
		return;
	struct result *rs = run_all(p, 4, &n);
	const struct result *f = find(rs, n, "flaky");
	T_EQ_INT(f->status, ST_PASS);
	T_EQ_INT(f->attempts, 3);
	/* Two pauses of 20ms at least. */
	T_OK(f->duration_us >= 40000);
	T_EQ_INT(find(rs, n, "hopeless")->status, ST_FAIL);
	T_EQ_INT(find(rs, n, "hopeless")->attempts, 3);
	T_EQ_INT(find(rs, n, "first-time")->attempts, 1);
	results_free(rs, n);
	plan_free(p);
	char *rm = xasprintf("rm -rf %s", dir);
	T_EQ_INT(system(rm), 0);
	free(rm);
}

T_TEST(retry_budget)
{
	size_t n = 0;
	/*
	 * Each attempt times out at 100ms and the pause is 1s: the budget of
	 * timeout x (retries + 1) = 300ms leaves no room for a second try.
	 */
	struct plan *p = load(
	    "cutover: 1\nname: r\nchecks:\n"
	    "  - { id: slow, kind: command, run: [sleep, '5'], timeout: 100ms, "
	    "retries: 2, retry_interval: 1s }\n");

	if (!T_OK(p != NULL))
		return;
	int64_t t0 = now_mono_us();
	struct result *rs = run_all(p, 1, &n);
	int64_t took = now_mono_us() - t0;
	T_EQ_INT(rs[0].status, ST_FAIL);
	T_EQ_INT(rs[0].attempts, 1);
	T_EQ_STR(rs[0].message, "timed out after 100.0ms; process group killed");
	T_OK(took < 1500000);
	results_free(rs, n);
	plan_free(p);
}

/* ---- timeouts ---------------------------------------------------------- */

T_TEST(kind_reports_its_timeout)
{
	size_t n = 0;
	struct plan *p = load(
	    "cutover: 1\nname: r\nchecks:\n"
	    "  - { id: s, kind: command, run: [sleep, '10'], timeout: 150ms }\n");

	if (!T_OK(p != NULL))
		return;
	int64_t t0 = now_mono_us();
	struct result *rs = run_all(p, 1, &n);
	int64_t took = now_mono_us() - t0;
	T_EQ_INT(rs[0].status, ST_FAIL);
	T_EQ_STR(rs[0].observed, "timeout");
	T_EQ_STR(rs[0].message, "timed out after 150.0ms; process group killed");
	T_OK(took >= 150000 && took < 1500000);
	results_free(rs, n);
	plan_free(p);
}

T_TEST(overdue_thread_abandoned)
{
	size_t n = 0;
	struct plan *p = load(
	    "cutover: 1\nname: r\nchecks:\n"
	    "  - { id: stuck, title: '2500', kind: command, run: 'true', "
	    "timeout: 100ms }\n"
	    "  - { id: after, kind: command, run: 'true', needs: stuck }\n"
	    "  - { id: quick, title: '10', kind: command, run: 'true' }\n");

	if (!T_OK(p != NULL))
		return;
	const struct check_kind **old = probe_all(p);
	p->checks[1].kind = old[1];
	int64_t t0 = now_mono_us();
	struct result *rs = run_all(p, 4, &n);
	int64_t took = now_mono_us() - t0;
	/* The runner gives up at timeout + a 500ms grace, not at 2.5s. */
	T_OK(took >= 100000 && took < 1800000);
	const struct result *s = find(rs, n, "stuck");
	T_EQ_INT(s->status, ST_FAIL);
	T_EQ_STR(s->message, "timed out after 100.0ms");
	/* Its duration is the time it held a slot: timeout + grace. */
	T_OK(s->duration_us >= 600000 && s->duration_us <= took);
	T_OK(s->started_wall_us > 0);
	T_EQ_INT(find(rs, n, "after")->status, ST_SKIP);
	T_EQ_INT(find(rs, n, "quick")->status, ST_PASS);
	results_free(rs, n);
	/* The abandoned thread still reads the plan: let it finish first. */
	T_EQ_INT(check_orphans_wait(3000000), 0);
	T_EQ_INT(atomic_load(&finished), 2);
	unprobe(p, old);
	plan_free(p);
}

/*
 * A kind that ignores its deadline while working inside OpenSSL, as a tls
 * probe against a trickling server did: 300 of them made cutover crash at
 * exit, when OpenSSL's atexit cleanup freed what they were using.
 */
static void
spin_ssl_run(const struct check *c, struct result *r)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len;
	int64_t until = now_mono_us() + 20000000;

	(void)c;
	while (now_mono_us() < until) {
		EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
		EVP_Digest("x", 1, md, &len, sha, NULL);
		EVP_MD_free(sha);
	}
	result_set(r, ST_PASS, "done");
}

static const struct check_kind spin_ssl = {
	.name = "spin-ssl",
	.summary = "test only",
	.run = spin_ssl_run,
};

T_TEST(exit_with_abandoned_threads_is_clean)
{
	struct buf y = BUF_INIT;

	buf_adds(&y, "cutover: 1\nname: r\nchecks:\n");
	for (int i = 0; i < 16; i++)
		buf_addf(&y, "  - { id: c%d, kind: command, run: 'true', "
		    "timeout: 50ms }\n", i);
	struct plan *p = load(y.s);
	buf_release(&y);
	if (!T_OK(p != NULL))
		return;
	/* Earlier tests' threads are gone: the child starts alone. */
	T_EQ_INT(check_orphans_wait(5000000), 0);
	for (int round = 0; round < 3; round++) {
		int64_t t0 = now_mono_us();
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			size_t n = 0;
			for (size_t i = 0; i < p->nchecks; i++)
				p->checks[i].kind = &spin_ssl;
			struct result *rs = run_all(p, 16, &n);
			/* All 16 abandoned, each still inside OpenSSL. */
			exit(results_worst(rs, n) == ST_FAIL ? 1 : 3);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		int64_t took = now_mono_us() - t0;
		if (!T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 1))
			printf("#   round %d: status %#x%s%d\n", round, st,
			    WIFSIGNALED(st) ? ", signal " : ", exit ",
			    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		/*
		 * 50ms + 500ms grace, then at most a second's wait at exit,
		 * not the 20s the threads spin (slack for a loaded machine).
		 */
		if (!T_OK(took < 8000000))
			printf("#   took %lld us\n", (long long)took);
	}
	plan_free(p);
}

/* ---- --jobs ------------------------------------------------------------ */

static void
jobs_case(int jobs, int nchecks, int want_max)
{
	struct buf y = BUF_INIT;
	size_t n = 0;

	buf_adds(&y, "cutover: 1\nname: r\nchecks:\n");
	for (int i = 0; i < nchecks; i++)
		buf_addf(&y, "  - { id: c%d, title: '60', kind: command, "
		    "run: 'true' }\n", i);
	struct plan *p = load(y.s);
	buf_release(&y);
	if (!T_OK(p != NULL))
		return;
	const struct check_kind **old = probe_all(p);
	atomic_store(&gather, want_max);
	int64_t t0 = now_mono_us();
	struct result *rs = run_all(p, jobs, &n);
	int64_t took = now_mono_us() - t0;
	atomic_store(&gather, 0);
	T_EQ_INT(n, nchecks);
	/* Reaches the limit (the probes wait for it) and never passes it. */
	T_EQ_INT(atomic_load(&max_running), want_max);
	/*
	 * At least ceil(nchecks / jobs) waves of 60ms each: a lower bound,
	 * which load cannot break (no upper one: that would time the box).
	 */
	int waves = (nchecks + want_max - 1) / want_max;
	T_OK(took >= waves * 60000);
	T_EQ_INT(results_worst(rs, n), ST_PASS);
	results_free(rs, n);
	unprobe(p, old);
	plan_free(p);
}

T_TEST(jobs_limit_concurrency)
{
	jobs_case(1, 4, 1);
	jobs_case(3, 9, 3);
	/* The default is 16 at once. */
	jobs_case(0, 20, CHECK_DEFAULT_JOBS);
	jobs_case(64, 20, 20);
}

T_TEST(long_needs_chain_is_cheap)
{
	struct buf y = BUF_INIT;
	size_t n = 0;

	/* 2000 checks, each needing the one before it and the first. */
	buf_adds(&y, "cutover: 1\nname: r\nchecks:\n"
	    "  - { id: c0, title: '0', kind: command, run: 'true' }\n");
	for (int i = 1; i <= 2000; i++)
		buf_addf(&y, "  - { id: c%d, title: '0', kind: command, "
		    "run: 'true', needs: [c0, c%d] }\n", i, i - 1);
	struct plan *p = load(y.s);
	buf_release(&y);
	if (!T_OK(p != NULL))
		return;
	const struct check_kind **old = probe_all(p);
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	struct result *rs = run_all(p, 64, &n);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	int64_t cpu = (c1.tv_sec - c0.tv_sec) * 1000000LL +
	    (c1.tv_nsec - c0.tv_nsec) / 1000;
	T_EQ_INT(n, 2001);
	T_EQ_INT(results_worst(rs, n), ST_PASS);
	/*
	 * Resolving needs by name on every scheduling pass made this cubic:
	 * 18s of CPU.  Now it costs the 2000 thread starts, a fraction of a
	 * second.  CPU time, not wall time: the work, whatever the load
	 * (15s of headroom keeps ASan and a busy box in).
	 */
	T_OK(cpu < 15000000);
	if (cpu >= 15000000)
		printf("#   took %lld us of CPU\n", (long long)cpu);
	results_free(rs, n);
	unprobe(p, old);
	plan_free(p);

	/* A failing head skips the whole chain, in one pass. */
	p = load("cutover: 1\nname: r\nchecks:\n"
	    "  - { id: a, kind: command, run: 'false' }\n"
	    "  - { id: b, kind: command, run: 'true', needs: a }\n"
	    "  - { id: c, kind: command, run: 'true', needs: [b, a] }\n");
	if (!T_OK(p != NULL))
		return;
	rs = run_all(p, 2, &n);
	T_EQ_STR(rs[2].message, "skipped: needs 'a', which did not pass");
	results_free(rs, n);
	plan_free(p);
}

T_TEST(circular_needs_do_not_hang)
{
	size_t n = 0;
	struct plan *p = load(
	    "cutover: 1\nname: r\nchecks:\n"
	    "  - { id: a, kind: command, run: 'true', needs: b }\n"
	    "  - { id: b, kind: command, run: 'true' }\n"
	    "  - { id: free, kind: command, run: 'true' }\n");

	if (!T_OK(p != NULL))
		return;
	/* plan_load refuses a circle; make one behind its back. */
	strlist_push(&p->checks[1].needs, "a");
	struct result *rs = run_all(p, 4, &n);
	T_EQ_INT(n, 3);
	T_EQ_INT(rs[0].status, ST_SKIP);
	T_EQ_STR(rs[0].message, "skipped: its needs can never complete (they "
	    "form a circle)");
	T_EQ_INT(rs[1].status, ST_SKIP);
	T_EQ_INT(rs[2].status, ST_PASS);
	results_free(rs, n);
	plan_free(p);
}

/* ---- run_in_child: what disk and file lean on ---------------------------- */

static void
child_answers(void *arg, void *out)
{
	int *o = out;

	o[0] = *(int *)arg * 2;
	o[1] = (int)getpid();
}

static void
child_hangs(void *arg, void *out)
{
	(void)arg;
	(void)out;
	pause();	/* a syscall that never returns, like a hung mount */
}

T_TEST(run_in_child_deadline)
{
	int in = 21, out[2] = { 0, 0 };

	T_EQ_INT(run_in_child(child_answers, &in, out, sizeof(out), 1000000), 0);
	T_EQ_INT(out[0], 42);
	T_OK(out[1] != (int)getpid());	/* it did run elsewhere */
	int64_t t0 = now_mono_us();
	T_EQ_INT(run_in_child(child_hangs, &in, out, sizeof(out), 100000), 1);
	int64_t took = now_mono_us() - t0;
	T_OK(took >= 100000 && took < 1000000);
}

/* ---- callback ---------------------------------------------------------- */

static void
count_result(const struct result *r, void *arg)
{
	int *calls = arg;

	(*calls)++;
	/* Called once a result is final: it has its status and message. */
	if (r->message == NULL)
		*calls = -1000;
}

T_TEST(on_result_called_per_result)
{
	struct plan *p = load(
	    "cutover: 1\nname: r\nchecks:\n"
	    "  - { id: a, kind: command, run: 'true' }\n"
	    "  - { id: b, kind: command, run: 'false' }\n"
	    "  - { id: c, kind: command, run: 'true', needs: b }\n");
	int calls = 0;
	size_t n = 0;

	if (!T_OK(p != NULL))
		return;
	struct check *all[] = { &p->checks[0], &p->checks[1], &p->checks[2] };
	struct run_opts o = { .jobs = 2, .on_result = count_result,
	    .arg = &calls };
	struct result *rs = check_run_all(p, all, 3, &o, &n);
	/* Every result, the skip of c included. */
	T_EQ_INT(calls, 3);
	T_EQ_INT(results_worst(rs, n), ST_FAIL);
	for (size_t i = 0; i < n; i++) {
		T_OK(rs[i].started_wall_us > 0);
		T_OK(rs[i].message != NULL);
	}
	results_free(rs, n);
	plan_free(p);
}

T_TEST(results_worst_order)
{
	struct result rs[3] = { { .status = ST_PASS }, { .status = ST_SKIP },
	    { .status = ST_PASS } };

	T_EQ_INT(results_worst(rs, 3), ST_PASS);
	rs[2].status = ST_WARN;
	T_EQ_INT(results_worst(rs, 3), ST_WARN);
	rs[0].status = ST_FAIL;
	T_EQ_INT(results_worst(rs, 3), ST_FAIL);
	T_EQ_INT(results_worst(rs, 0), ST_PASS);
}

T_SUITE(runner, needs_skip_chain, warn_does_not_skip, selection_pulls_in_needs,
    retries_until_pass, retry_budget, kind_reports_its_timeout,
    overdue_thread_abandoned, exit_with_abandoned_threads_is_clean,
    jobs_limit_concurrency, long_needs_chain_is_cheap,
    circular_needs_do_not_hang, run_in_child_deadline,
    on_result_called_per_result, results_worst_order)
