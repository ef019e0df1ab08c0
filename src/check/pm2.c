/*
 * pm2.c - kind `pm2`: node apps under pm2, from pm2's own JSON (`pm2
 * jlist`), never its table; the seeds' `pm2 status` ("all 8 services
 * online", "no service restarts"):
 *
 *   { kind: pm2, apps: [api, worker], max_restarts: 0, max_memory: 1GB }
 *
 * Every listed app (by name; every app without `apps`) must be online,
 * restarted at most `max_restarts` times and use at most `max_memory`.
 * `status: stopped` asks the opposite, the seeds' "pm2 stop all; pm2
 * status: all stopped" before a switch: every listed app is stopped (a
 * stopped app still counts its restarts; its memory is 0).
 * `pm2 jlist` starts a daemon when none runs; a check must not, so the
 * daemon's socket (PM2_HOME/rpc.sock) is probed first and its absence
 * fails the check.  PM2_HOME is `pm2_home`, else the environment's, else
 * ~/.pm2, as pm2 itself does.  The command runs in its own process group
 * within the check's timeout (a hung daemon makes jlist hang).
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/pm2.h"
#include "../lib/proc.h"
#include "../lib/sockhttp.h"
#include "../lib/units.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"

struct pm2_conf {
	struct strlist	 apps;
	long long	 max_restarts;	/* -1: not judged */
	uint64_t	 max_memory;	/* 0: not judged */
	char		*home;		/* PM2_HOME, or NULL */
	char		*pm2;		/* the program */
	const char	*status;	/* online (default) or stopped */
};

static const char *const keys[] = { "apps", "max_restarts", "max_memory",
	"pm2_home", "pm2", "status", NULL };

/*
 * The statuses a check may ask for.  pm2 also reports launching,
 * stopping, "waiting restart", errored and one-launch-status: passing
 * states on the way, or a failure, never a state to wait for.
 */
static const char *const statuses[] = { "online", "stopped", NULL };

static int
pm2_parse_conf(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct pm2_conf *k = xcalloc(1, sizeof(*k));
	yaml_node_t *mr = pn_get(cx, map, "max_restarts");
	yaml_node_t *hn = pn_get(cx, map, "pm2_home");
	yaml_node_t *bn = pn_get(cx, map, "pm2");
	yaml_node_t *sn = pn_get(cx, map, "status");
	int rc = 0;

	c->priv = k;
	k->max_restarts = -1;
	rc |= pn_strlist(cx, pn_get(cx, map, "apps"), "apps", &k->apps);
	if (mr)
		rc |= pn_int(cx, mr, "max_restarts", 0, 1000000000,
		    &k->max_restarts);
	rc |= pn_size(cx, pn_get(cx, map, "max_memory"), "max_memory",
	    &k->max_memory);
	if (hn && (k->home = pn_str(cx, hn, "pm2_home")) == NULL)
		rc = -1;
	else if (k->home && k->home[0] != '/') {
		pn_error(cx, hn, "'pm2_home' must be an absolute path (got "
		    "'%s')", k->home);
		rc = -1;
	}
	if (bn && (k->pm2 = pn_str(cx, bn, "pm2")) == NULL)
		rc = -1;
	else if (k->pm2 == NULL)
		k->pm2 = xstrdup("pm2");
	k->status = statuses[0];
	if (sn) {
		char *v = pn_str(cx, sn, "status");
		size_t i;

		for (i = 0; v && statuses[i]; i++)
			if (strcmp(v, statuses[i]) == 0)
				break;
		if (v == NULL)
			rc = -1;
		else if (statuses[i] == NULL) {
			pn_error(cx, sn, "'status' is online or stopped (got "
			    "'%s')", v);
			rc = -1;
		} else
			k->status = statuses[i];
		free(v);
	}
	return rc;
}

struct collect {
	struct buf	 out;
};

static void
on_out(const char *p, size_t n, void *arg)
{
	buf_add(&((struct collect *)arg)->out, p, n);
}

static bool
stopped(void *arg)
{
	(void)arg;
	return check_stopping();
}

/* Why a is not as wanted (a new string), or NULL. */
static char *
judge(const struct pm2_conf *k, const struct pm2_app *a)
{
	if (strcmp(a->status, k->status) != 0)
		return xasprintf("%s is %s (restarted %lld times)", a->name,
		    a->status, a->restarts);
	if (k->max_restarts >= 0 && a->restarts > k->max_restarts)
		return xasprintf("%s restarted %lld times (at most %lld "
		    "allowed)%s", a->name, a->restarts, k->max_restarts,
		    a->unstable ? ", crash-looping" : "");
	if (k->max_memory && (uint64_t)a->memory > k->max_memory) {
		char *m = fmt_size((uint64_t)a->memory);
		char *w = fmt_size(k->max_memory);
		char *s = xasprintf("%s uses %s of memory (at most %s)",
		    a->name, m, w);
		free(m);
		free(w);
		return s;
	}
	return NULL;
}

static void
pm2_run(const struct check *c, struct result *r)
{
	const struct pm2_conf *k = c->priv;
	const char *envhome = getenv("PM2_HOME"), *home_env = getenv("HOME");
	char *home = k->home ? xstrdup(k->home) : envhome && *envhome ?
	    xstrdup(envhome) : xasprintf("%s/.pm2", home_env ? home_env : "");
	char *sock = xasprintf("%s/rpc.sock", home);
	char *envv[2] = { xasprintf("PM2_HOME=%s", home), NULL };
	char *argv[] = { k->pm2, "jlist", NULL };
	struct collect col;
	struct proc_spec spec = {
		.argv = argv, .env = (const char *const *)envv,
		.timeout_us = c->timeout_us, .tail_max = 4096,
		.on_output = on_out, .arg = &col, .should_stop = stopped,
	};
	struct proc_result pr = { 0 };
	struct pm2_app *apps = NULL;
	size_t napps = 0, nsel = 0, nfail = 0, nbad = 0;
	struct buf bad = BUF_INIT, det = BUF_INIT;
	bool *hit = xcalloc(k->apps.n + 1, sizeof(*hit));
	char *err = NULL;

	buf_init(&col.out, PM2_JLIST_MAX);
	{
		struct buf t = BUF_INIT;
		buf_adds(&t, k->status);
		if (k->max_restarts >= 0)
			buf_addf(&t, ", at most %lld restarts", k->max_restarts);
		if (k->max_memory) {
			char *m = fmt_size(k->max_memory);
			buf_addf(&t, ", at most %s of memory", m);
			free(m);
		}
		result_threshold(r, "%s", t.s);
		buf_release(&t);
	}
	if (sockhttp_probe(sock, "pm2", &err) != 0) {
		result_observed(r, "no daemon");
		result_set(r, ST_FAIL, "%s (PM2_HOME %s)", err, home);
		goto out;
	}
	if (proc_run(&spec, &pr, &err) != 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "cannot run %s: %s", k->pm2, err);
		goto out;
	}
	if (pr.spawn_failed) {
		result_observed(r, "not run");
		result_set(r, ST_FAIL, "cannot run '%s jlist' (is pm2 "
		    "installed?): %s", k->pm2, pr.tail.s);
		goto out;
	}
	if (pr.timed_out || pr.signal || pr.exit_code != 0) {
		char *why = proc_describe(&pr, c->timeout_us);
		result_observed(r, "%s", pr.timed_out ? "timeout" : "error");
		result_set(r, ST_FAIL, "%s jlist %s", k->pm2, why);
		if (pr.tail.len)
			result_detail(r, "%s", pr.tail.s);
		free(why);
		goto out;
	}
	if (col.out.truncated) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "%s jlist printed more than %u MiB",
		    k->pm2, PM2_JLIST_MAX >> 20);
		goto out;
	}
	if (pm2_parse(col.out.s, col.out.len, &apps, &napps, &err) != 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "%s", err);
		goto out;
	}
	int64_t now_ms = now_wall_us() / 1000;
	for (size_t i = 0; i < napps; i++) {
		const struct pm2_app *a = &apps[i];
		bool want = k->apps.n == 0;
		for (size_t j = 0; j < k->apps.n; j++)
			if (strcmp(k->apps.v[j], a->name) == 0)
				want = hit[j] = true;
		if (!want)
			continue;
		nsel++;
		char *m = fmt_size((uint64_t)a->memory);
		char *up = strcmp(a->status, "online") == 0 && a->started_ms &&
		    now_ms > a->started_ms ?
		    fmt_duration((now_ms - a->started_ms) * 1000) : xstrdup("-");
		buf_addf(&det, "%s (id %lld) %s, %lld restarts, uptime %s, "
		    "memory %s, cpu %.0f%%\n", a->name, a->id, a->status,
		    a->restarts, up, m, a->cpu);
		free(m);
		free(up);
		char *why = judge(k, a);
		if (why) {
			nfail++;
			buf_addf(&bad, "%s%s", nbad++ ? "; " : "", why);
			free(why);
		}
	}
	for (size_t j = 0; j < k->apps.n; j++)
		if (!hit[j])
			buf_addf(&bad, "%sno app '%s' in pm2 (PM2_HOME %s)",
			    nbad++ ? "; " : "", k->apps.v[j], home);
	result_detail(r, "%s", det.s);
	result_observed(r, "%zu/%zu ok", nsel - nfail, nsel);
	if (nbad)
		result_set(r, ST_FAIL, "%s", bad.s);
	else if (nsel == 0)
		result_set(r, ST_FAIL, "pm2 runs no apps (PM2_HOME %s)", home);
	else
		result_set(r, ST_PASS, "%zu app%s %s", nsel, nsel == 1 ? "" :
		    "s", k->status);
out:
	free(err);
	free(hit);
	free(home);
	free(sock);
	free(envv[0]);
	pm2_apps_free(apps, napps);
	buf_release(&col.out);
	buf_release(&pr.tail);
	buf_release(&bad);
	buf_release(&det);
}

static void
pm2_free(void *p)
{
	struct pm2_conf *k = p;

	strlist_release(&k->apps);
	free(k->home);
	free(k->pm2);
	free(k);
}

const struct check_kind check_pm2 = {
	.name = "pm2",
	.summary = "pm2 apps online, restart counts and memory (pm2 jlist)",
	.keys = keys,
	.parse = pm2_parse_conf,
	.run = pm2_run,
	.free = pm2_free,
};
