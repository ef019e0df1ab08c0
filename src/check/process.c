/*
 * process.c - kind `process`: the processes selected by name (the
 * kernel's comm), cmdline (PCRE2), pidfile and user are running, as many
 * as `count` says, old enough, within RSS and CPU limits, and not
 * restarted.  Everything comes from /proc (lib/procfs.h); no `ps`.
 *
 * Restarts.  A process is identified by (pid, start time): a restarted
 * daemon gets a new pid, and a reused pid a new start time.  An instance
 * counts as a restart when it started after the run did (the baseline:
 * when this cutover process started, or what check_set_run_start says -
 * the runbook and watch give the journal's run start, so a resumed run
 * keeps counting from the first start).  The check's priv remembers every
 * instance it has seen, under a mutex, so repeated samples of the same
 * check (watch) count each new instance once, cumulatively; and every
 * run samples twice, `sample` apart, so a crash loop is caught by a single
 * `cutover check` even when it started before it.  Start times are
 * compared in clock ticks since boot, the unit of /proc/PID/stat: no wall
 * clock step can fake a restart.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/procfs.h"
#include "../lib/range.h"
#include "../lib/xmalloc.h"

#define CMDLINE_MAX	(128 * 1024)	/* what a cmdline regex searches */
#define SEEN_MAX	4096		/* instances remembered for restarts */
#define DEFAULT_SAMPLE	(1 * US_PER_S)

struct instance {
	long		 pid;
	uint64_t	 start;		/* ticks after boot */
};

struct process_conf {
	char		*name;
	char		*cmdline_src;
	pcre2_code	*cmdline;
	char		*pidfile;
	char		*user;
	struct range	 count;
	int64_t		 min_uptime_us;
	uint64_t	 max_rss;
	bool		 has_cpu;
	double		 max_cpu;
	bool		 has_restarts;
	long long	 restarts;
	int64_t		 sample_us;
	/* Across samples (watch): guarded by mu. */
	pthread_mutex_t	 mu;
	struct instance	*seen;
	size_t		 nseen;
	long long	 nrestarts;
	char		 last_restart[96];
};

static const char *const keys[] = { "name", "cmdline", "pidfile", "user",
	"count", "min_uptime", "max_rss", "max_cpu", "restarts", "sample",
	NULL };

/* ---- the run's start ------------------------------------------------- */

static pthread_mutex_t base_mu = PTHREAD_MUTEX_INITIALIZER;
static bool base_set;
static uint64_t base_ticks;

static long
hz(void)
{
	long h = sysconf(_SC_CLK_TCK);
	return h > 0 ? h : 100;
}

static int64_t
boot_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * US_PER_S + ts.tv_nsec / 1000;
}

void
check_set_run_start(int64_t wall_us)
{
	int64_t since_boot = boot_us() - (now_wall_us() - wall_us);

	pthread_mutex_lock(&base_mu);
	base_ticks = since_boot > 0 ?
	    (uint64_t)(since_boot * hz() / US_PER_S) : 0;
	base_set = true;
	pthread_mutex_unlock(&base_mu);
}

/* The baseline in ticks: by default our own start (/proc/self/stat). */
static uint64_t
run_start_ticks(void)
{
	uint64_t t;

	pthread_mutex_lock(&base_mu);
	if (!base_set) {
		char b[1024];
		struct pstat st;
		ssize_t n = procfs_read("/proc/self/stat", b, sizeof(b), NULL);
		if (n > 0 && procfs_stat_parse(b, (size_t)n, &st) == 0)
			base_ticks = st.starttime;
		base_set = true;
	}
	t = base_ticks;
	pthread_mutex_unlock(&base_mu);
	return t;
}

/* ---- plan ------------------------------------------------------------ */

static int
process_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct process_conf *p = xcalloc(1, sizeof(*p));
	int rc = 0;
	char *e = NULL;

	c->priv = p;
	pthread_mutex_init(&p->mu, NULL);
	p->name = pn_str(cx, pn_get(cx, map, "name"), "name");
	p->pidfile = pn_str(cx, pn_get(cx, map, "pidfile"), "pidfile");
	p->user = pn_str(cx, pn_get(cx, map, "user"), "user");
	yaml_node_t *cn = pn_get(cx, map, "cmdline");
	p->cmdline_src = pn_str(cx, cn, "cmdline");
	if (!pn_get(cx, map, "name") && !cn && !pn_get(cx, map, "pidfile") &&
	    !pn_get(cx, map, "user")) {
		pn_error(cx, map, "check '%s' needs at least one of 'name', "
		    "'cmdline', 'pidfile' or 'user' to select processes", c->id);
		rc = -1;
	}
	if (p->name && (*p->name == '\0' || strchr(p->name, '/'))) {
		pn_error(cx, pn_get(cx, map, "name"), "'name' is a program name "
		    "as the kernel keeps it (e.g. nginx), not a path (got "
		    "'%s'); use 'cmdline' to match a path", p->name);
		rc = -1;
	}
	if (p->cmdline_src) {
		int ec;
		PCRE2_SIZE eo;
		p->cmdline = pcre2_compile((PCRE2_SPTR)p->cmdline_src,
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
		    &ec, &eo, NULL);
		if (p->cmdline == NULL) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(ec, msg, sizeof(msg));
			pn_error(cx, cn, "'cmdline': bad regex: %s at offset %zu",
			    (char *)msg, (size_t)eo);
			rc = -1;
		} else {
			pcre2_jit_compile(p->cmdline, PCRE2_JIT_COMPLETE);
		}
	}
	yaml_node_t *kn = pn_get(cx, map, "count");
	char *ks = pn_str(cx, kn, "count");
	if (ks && range_parse(ks, RANGE_COUNT, &p->count, &e) != 0) {
		pn_error(cx, kn, "'count': %s", e);
		rc = -1;
	}
	free(e);
	e = NULL;
	free(ks);
	if (!p->count.set) {
		/* Default: at least one. */
		range_parse("1..", RANGE_COUNT, &p->count, NULL);
	}
	rc |= pn_duration(cx, pn_get(cx, map, "min_uptime"), "min_uptime",
	    &p->min_uptime_us);
	rc |= pn_size(cx, pn_get(cx, map, "max_rss"), "max_rss", &p->max_rss);
	yaml_node_t *mc = pn_get(cx, map, "max_cpu");
	char *cs = pn_str(cx, mc, "max_cpu");
	if (cs) {
		p->has_cpu = true;
		if (parse_percent(cs, &p->max_cpu, &e) != 0) {
			pn_error(cx, mc, "'max_cpu': %s (100%% is one CPU)", e);
			rc = -1;
		}
		free(e);
		e = NULL;
	}
	free(cs);
	yaml_node_t *rn = pn_get(cx, map, "restarts");
	if (rn) {
		p->has_restarts = true;
		rc |= pn_int(cx, rn, "restarts", 0, 1000000, &p->restarts);
	}
	p->sample_us = DEFAULT_SAMPLE;
	yaml_node_t *sn = pn_get(cx, map, "sample");
	if (sn) {
		rc |= pn_duration(cx, sn, "sample", &p->sample_us);
		if (!p->has_cpu && !p->has_restarts) {
			pn_error(cx, sn, "'sample' is the window of 'max_cpu' and "
			    "'restarts'; give one of them or drop it");
			rc = -1;
		}
	}
	if ((p->has_cpu || p->has_restarts) && p->sample_us >= c->timeout_us) {
		pn_error(cx, sn ? sn : map, "check '%s': the 'sample' window "
		    "must be shorter than the timeout", c->id);
		rc = -1;
	}
	return rc;
}

/* ---- /proc ----------------------------------------------------------- */

struct proc {
	long		 pid;
	struct pstat	 st;
};

struct scan {
	struct proc	*v;
	size_t		 n, cap;
	bool		 cmdline_cut;	/* a cmdline longer than we search */
	int		 re_err;	/* the cmdline regex gave up (limit) */
	long		 re_err_pid;
	int		 denied;	/* /proc entries we could not read */
};

/* The user key as a uid: a name or a number; -1 when unknown. */
static int
user_uid(const char *user, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char b[4096];
	char *end;
	unsigned long v = strtoul(user, &end, 10);

	if (*user && *end == '\0') {
		*uid = (uid_t)v;
		return 0;
	}
	if (getpwnam_r(user, &pw, b, sizeof(b), &res) != 0 || res == NULL)
		return -1;
	*uid = pw.pw_uid;
	return 0;
}

static bool
cmdline_matches(const struct process_conf *p, long pid, char *b,
    struct scan *sc)
{
	char path[64];
	bool cut;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	ssize_t n = procfs_read(path, b, CMDLINE_MAX, &cut);
	if (n <= 0)
		return false;	/* gone, or a kernel thread */
	sc->cmdline_cut |= cut;
	/* Arguments are NUL-separated: match them as one line. */
	while (n > 0 && b[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (b[i] == '\0')
			b[i] = ' ';
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int m = pcre2_match(p->cmdline, (PCRE2_SPTR)b, (size_t)n, 0, 0, md,
	    NULL);
	pcre2_match_data_free(md);
	/* Giving up is not "no match": with count 0, a false pass. */
	if (m < 0 && m != PCRE2_ERROR_NOMATCH && sc->re_err == 0) {
		sc->re_err = m;
		sc->re_err_pid = pid;
	}
	return m >= 0;
}

/* Does pid's argv[0] end in "/name" or equal name (names past 15 chars). */
static bool
argv0_is(long pid, const char *name, char *b)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (procfs_read(path, b, CMDLINE_MAX, NULL) <= 0)
		return false;
	const char *slash = strrchr(b, '/');
	return strcmp(slash ? slash + 1 : b, name) == 0;
}

static bool
name_matches(const char *name, const struct pstat *st, char *b)
{
	size_t n = strlen(name);

	/* The kernel keeps 15 characters of the name (TASK_COMM_LEN). */
	if (n <= 15)
		return strcmp(st->comm, name) == 0;
	return strncmp(st->comm, name, 15) == 0 && st->comm[15] == '\0' &&
	    argv0_is(st->pid, name, b);
}

static void
scan_add(struct scan *sc, long pid, const struct pstat *st)
{
	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? 2 * sc->cap : 16;
		sc->v = xreallocarray(sc->v, sc->cap, sizeof(*sc->v));
	}
	sc->v[sc->n].pid = pid;
	sc->v[sc->n].st = *st;
	sc->n++;
}

/* Add pid to sc if it matches every selector. */
static void
consider(const struct process_conf *p, long pid, bool has_uid, uid_t uid,
    char *b, struct scan *sc)
{
	char path[64], sb[1024];
	struct pstat st;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	ssize_t n = procfs_read(path, sb, sizeof(sb), NULL);
	if (n <= 0 || procfs_stat_parse(sb, (size_t)n, &st) != 0)
		return;		/* ended meanwhile */
	/* A zombie has ended: it only waits for its parent. */
	if (st.state == 'Z' || st.state == 'X')
		return;
	if (p->name && !name_matches(p->name, &st, b))
		return;
	if (has_uid) {
		uid_t ru, eu;
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		n = procfs_read(path, sb, sizeof(sb), NULL);
		/* The effective user, as ps shows it. */
		if (n <= 0 || procfs_status_uids(sb, (size_t)n, &ru, &eu) != 0 ||
		    eu != uid)
			return;
	}
	if (p->cmdline && !cmdline_matches(p, pid, b, sc))
		return;
	scan_add(sc, pid, &st);
}

/* One pass over /proc, or over the pidfile's one pid. */
static int
scan_procs(const struct process_conf *p, long only_pid, bool has_uid,
    uid_t uid, struct scan *sc, char **errp)
{
	char *b = xmalloc(CMDLINE_MAX);
	long self = (long)getpid();
	struct dirent *de;
	DIR *d;

	memset(sc, 0, sizeof(*sc));
	if (only_pid > 0) {
		consider(p, only_pid, has_uid, uid, b, sc);
		free(b);
		return 0;
	}
	if ((d = opendir("/proc")) == NULL) {
		free(b);
		return seterr_errno(errp, "cannot list /proc");
	}
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		long pid = strtol(de->d_name, NULL, 10);
		if (pid != self)
			consider(p, pid, has_uid, uid, b, sc);
	}
	closedir(d);
	free(b);
	return 0;
}

/* The pid a pidfile names: 0 with *pid, or -1 with *errp. */
static int
read_pidfile(const char *path, long *pid, char **errp)
{
	char b[64];
	bool cut;
	FILE *f = fopen_regular(path, "a pidfile", errp);

	if (f == NULL)
		return -1;
	size_t n = fread(b, 1, sizeof(b) - 1, f);
	cut = n == sizeof(b) - 1;
	fclose(f);
	b[n] = '\0';
	char *s = b, *end;
	while (*s == ' ' || *s == '\t')
		s++;
	long v = strtol(s, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (cut || end == s || *end != '\0' || v <= 0 || v > INT32_MAX)
		return seterr(errp, "pidfile '%s' does not hold one pid", path);
	*pid = v;
	return 0;
}

/* ---- run ------------------------------------------------------------- */

static char *
selector(const struct process_conf *p)
{
	struct buf b;

	buf_init(&b, 0);
	if (p->name)
		buf_addf(&b, "name '%s'", p->name);
	if (p->cmdline_src)
		buf_addf(&b, "%scmdline /%s/", b.len ? ", " : "",
		    p->cmdline_src);
	if (p->pidfile)
		buf_addf(&b, "%spidfile %s", b.len ? ", " : "", p->pidfile);
	if (p->user)
		buf_addf(&b, "%suser %s", b.len ? ", " : "", p->user);
	return buf_detach(&b);
}

static const struct proc *
find(const struct scan *sc, long pid, uint64_t start)
{
	for (size_t i = 0; i < sc->n; i++)
		if (sc->v[i].pid == pid && sc->v[i].st.starttime == start)
			return &sc->v[i];
	return NULL;
}

/*
 * Count instances in sc not seen before that started after the baseline;
 * remember them all.  Returns the check's running total.
 */
static long long
note_restarts(struct process_conf *p, const struct scan *sc, uint64_t base)
{
	long long total;

	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < sc->n; i++) {
		const struct proc *pr = &sc->v[i];
		bool known = false;
		for (size_t j = 0; j < p->nseen && !known; j++)
			known = p->seen[j].pid == pr->pid &&
			    p->seen[j].start == pr->st.starttime;
		if (known)
			continue;
		if (pr->st.starttime > base) {
			p->nrestarts++;
			snprintf(p->last_restart, sizeof(p->last_restart),
			    "pid %ld (%s)", pr->pid, pr->st.comm);
		}
		/* Bounded: the oldest are forgotten first. */
		if (p->nseen == SEEN_MAX) {
			memmove(p->seen, p->seen + 1,
			    (SEEN_MAX - 1) * sizeof(*p->seen));
			p->nseen--;
		}
		if (p->seen == NULL)
			p->seen = xcalloc(SEEN_MAX, sizeof(*p->seen));
		p->seen[p->nseen].pid = pr->pid;
		p->seen[p->nseen].start = pr->st.starttime;
		p->nseen++;
	}
	total = p->nrestarts;
	pthread_mutex_unlock(&p->mu);
	return total;
}

static void
process_run(const struct check *c, struct result *r)
{
	struct process_conf *p = c->priv;
	int64_t deadline = now_mono_us() + c->timeout_us;
	char *sel = selector(p);
	char *want = range_describe(&p->count);
	char *e = NULL;
	long only = 0;
	bool has_uid = false;
	uid_t uid = 0;
	struct scan s1 = { 0 }, s2 = { 0 };
	uint64_t base = run_start_ticks();

	result_threshold(r, "count %s", want);
	if (p->user) {
		if (user_uid(p->user, &uid) != 0) {
			result_observed(r, "no such user");
			result_set(r, ST_FAIL, "no user '%s' on this host", p->user);
			goto out;
		}
		has_uid = true;
	}
	if (p->pidfile) {
		if (read_pidfile(p->pidfile, &only, &e) != 0) {
			result_observed(r, "no pid");
			result_set(r, ST_FAIL, "%s", e);
			goto out;
		}
	}
	int64_t t1 = now_mono_us(), t2 = t1;
	if (scan_procs(p, only, has_uid, uid, &s1, &e) != 0) {
		result_set(r, ST_FAIL, "%s", e);
		goto out;
	}
	struct scan *now = &s1;
	if (p->has_cpu || p->has_restarts) {
		if (p->has_restarts)
			note_restarts(p, &s1, base);
		int64_t until = now_mono_us() + p->sample_us;
		if (until > deadline)
			until = deadline;
		/*
		 * A crash loop's instance may live a fraction of a second:
		 * for restarts, look every 250ms of the window, not only at
		 * its ends.  A scan costs ~1ms per 100 processes.
		 */
		int64_t next = now_mono_us() + 250000;
		while (now_mono_us() < until && !check_stopping()) {
			int64_t left = until - now_mono_us();
			sleep_us(left < 50000 ? left : 50000);
			if (p->has_restarts && now_mono_us() >= next &&
			    now_mono_us() < until) {
				struct scan mid;
				if (scan_procs(p, only, has_uid, uid, &mid,
				    NULL) == 0)
					note_restarts(p, &mid, base);
				free(mid.v);
				next = now_mono_us() + 250000;
			}
		}
		t2 = now_mono_us();
		if (scan_procs(p, only, has_uid, uid, &s2, &e) != 0) {
			result_set(r, ST_FAIL, "%s", e);
			goto out;
		}
		now = &s2;
	}
	long long restarts = p->has_restarts ? note_restarts(p, now, base) : 0;

	/* Observed: how many, and their pids (a few). */
	struct buf ob;
	buf_init(&ob, 0);
	buf_addf(&ob, "%zu process%s", now->n, now->n == 1 ? "" : "es");
	for (size_t i = 0; i < now->n && i < 5; i++)
		buf_addf(&ob, "%s%ld", i ? "," : " (pid ", now->v[i].pid);
	if (now->n)
		buf_adds(&ob, now->n > 5 ? ",...)" : ")");
	result_observed(r, "%s", ob.s);
	buf_release(&ob);
	r->has_value = true;
	r->value = (double)now->n;

	if (only > 0 && now->n == 0) {
		result_set(r, ST_FAIL, "pidfile %s names pid %ld, which is not "
		    "running%s", p->pidfile, only, p->name || p->cmdline ||
		    p->user ? " (or does not match the other keys)" : "");
		goto out;
	}
	if (s1.re_err || s2.re_err) {
		PCRE2_UCHAR em[120];
		const struct scan *es = s1.re_err ? &s1 : &s2;
		pcre2_get_error_message(es->re_err, em, sizeof(em));
		result_set(r, ST_FAIL, "cmdline regex /%s/ gave up on pid %ld's "
		    "command line (%s); simplify it", p->cmdline_src,
		    es->re_err_pid, (char *)em);
		goto out;
	}
	/* A restart explains a missing process: say it first. */
	if (p->has_restarts && restarts > p->restarts) {
		pthread_mutex_lock(&p->mu);
		result_set(r, ST_FAIL, "%s restarted: %lld new instance%s since "
		    "the run started (last: %s), at most %lld allowed", sel,
		    restarts, restarts == 1 ? "" : "s", p->last_restart,
		    p->restarts);
		pthread_mutex_unlock(&p->mu);
		goto out;
	}
	if (!range_has(&p->count, now->n)) {
		result_set(r, ST_FAIL, "%zu process%s match%s %s, expected %s%s",
		    now->n, now->n == 1 ? "" : "es", now->n == 1 ? "es" : "",
		    sel, want, now->cmdline_cut ? " (a command line longer "
		    "than 128 KiB was searched in its first 128 KiB)" : "");
		goto out;
	}
	int64_t up_now = boot_us();
	long ticks = hz();
	int64_t youngest = -1;
	const struct proc *yp = NULL;
	for (size_t i = 0; i < now->n; i++) {
		const struct proc *pr = &now->v[i];
		int64_t up = up_now - (int64_t)(pr->st.starttime * US_PER_S /
		    (uint64_t)ticks);
		if (youngest < 0 || up < youngest) {
			youngest = up;
			yp = pr;
		}
		uint64_t rss = pr->st.rss_pages * (uint64_t)sysconf(_SC_PAGESIZE);
		if (p->max_rss && rss > p->max_rss) {
			char *a = fmt_size(rss), *m = fmt_size(p->max_rss);
			result_set(r, ST_FAIL, "pid %ld (%s) uses %s of memory "
			    "(RSS), more than max_rss %s", pr->pid, pr->st.comm, a,
			    m);
			free(a);
			free(m);
			goto out;
		}
		if (p->has_cpu && now == &s2) {
			const struct proc *old = find(&s1, pr->pid,
			    pr->st.starttime);
			if (old == NULL)
				continue;	/* started within the sample */
			/* The time between the two reads of this process's
			 * counters, as near as the scans tell. */
			double secs = (double)(t2 - t1) / US_PER_S;
			if (secs <= 0)
				continue;
			double used = (double)(pr->st.utime + pr->st.stime -
			    old->st.utime - old->st.stime) / (double)ticks;
			double pct = 100.0 * used / secs;
			if (pct > p->max_cpu) {
				char *d = fmt_duration(p->sample_us);
				result_set(r, ST_FAIL, "pid %ld (%s) used %.1f%% CPU "
				    "over %s, more than max_cpu %g%%", pr->pid,
				    pr->st.comm, pct, d, p->max_cpu);
				free(d);
				goto out;
			}
		}
	}
	if (yp && p->min_uptime_us && youngest < p->min_uptime_us) {
		char *a = fmt_duration(youngest < 0 ? 0 : youngest / 1000 * 1000);
		char *m = fmt_duration(p->min_uptime_us);
		result_set(r, ST_FAIL, "pid %ld (%s) has run for %s, less than "
		    "min_uptime %s (restarted?)", yp->pid, yp->st.comm, a, m);
		free(a);
		free(m);
		goto out;
	}
	char *rs = !p->has_restarts ? xstrdup("") : restarts == 0 ?
	    xstrdup(", no restart") : xasprintf(", %lld restart%s (at most "
	    "%lld)", restarts, restarts == 1 ? "" : "s", p->restarts);
	if (now->n == 0) {
		result_set(r, ST_PASS, "no process matches %s, as expected%s",
		    sel, rs);
	} else {
		char *a = fmt_duration(youngest < US_PER_S ? youngest / 1000 *
		    1000 : youngest / US_PER_S * US_PER_S);
		result_set(r, ST_PASS, "%zu process%s match%s %s, the youngest "
		    "up %s%s", now->n, now->n == 1 ? "" : "es",
		    now->n == 1 ? "es" : "", sel, a, rs);
		free(a);
	}
	free(rs);
out:
	free(e);
	free(sel);
	free(want);
	free(s1.v);
	free(s2.v);
}

static void
process_free(void *arg)
{
	struct process_conf *p = arg;

	free(p->name);
	free(p->cmdline_src);
	pcre2_code_free(p->cmdline);
	free(p->pidfile);
	free(p->user);
	free(p->seen);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

const struct check_kind check_process = {
	.name = "process",
	.summary = "processes by name, cmdline, pidfile, user: count, uptime, "
	    "RSS, CPU, restarts",
	.keys = keys,
	.parse = process_parse,
	.run = process_run,
	.free = process_free,
	.value = "matching processes",
};
