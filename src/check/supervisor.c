/*
 * supervisor.c - kind `supervisor`: supervisord's programs over its own
 * XML-RPC interface (supervisor.getAllProcessInfo), on its unix socket or
 * its HTTP port; the seeds' "supervisorctl status: all RUNNING":
 *
 *   { kind: supervisor, programs: [laravel-worker], min_uptime: 30s }
 *
 * Every listed program (a name, a group - all of its processes - or
 * group:name), or every process when `programs` is absent, must be
 * RUNNING, for at least `min_uptime` if given.  A FATAL or BACKOFF
 * process is reported with supervisord's spawn error, an EXITED one with
 * its exit status.  One call reads them all; no supervisorctl output is
 * parsed.
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/redact.h"
#include "../lib/sockhttp.h"
#include "../lib/units.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"
#include "../lib/xmlrpc.h"

#define SV_SOCKET	"/var/run/supervisor.sock"

struct supervisor_conf {
	char		*socket;	/* or: */
	char		*url;		/* http://host:port/RPC2 */
	struct strlist	 programs;
	int64_t		 min_uptime;	/* us; 0: not judged */
	char		*userpwd;	/* "user:password", or NULL */
};

static const char *const keys[] = { "socket", "url", "programs",
	"min_uptime", "username", "password_env", NULL };

static int
supervisor_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct supervisor_conf *k = xcalloc(1, sizeof(*k));
	yaml_node_t *sn = pn_get(cx, map, "socket");
	yaml_node_t *un = pn_get(cx, map, "url");
	yaml_node_t *pe = pn_get(cx, map, "password_env");
	yaml_node_t *us = pn_get(cx, map, "username");
	int rc = 0;

	c->priv = k;
	if (sn && un) {
		pn_error(cx, map, "check '%s': give 'socket' or 'url', not both",
		    c->id);
		rc = -1;
	}
	if (sn && (k->socket = pn_str(cx, sn, "socket")) == NULL)
		rc = -1;
	else if (k->socket && k->socket[0] != '/') {
		pn_error(cx, sn, "'socket' must be an absolute path to "
		    "supervisord's unix socket (got '%s')", k->socket);
		rc = -1;
	}
	if (un && (k->url = pn_str(cx, un, "url")) == NULL)
		rc = -1;
	else if (k->url && strncmp(k->url, "http://", 7) != 0 &&
	    strncmp(k->url, "https://", 8) != 0) {
		pn_error(cx, un, "'url' must be supervisord's http:// address, "
		    "like http://127.0.0.1:9001/RPC2 (got '%s')", k->url);
		rc = -1;
	}
	if (!sn && !un)
		k->socket = xstrdup(SV_SOCKET);
	rc |= pn_strlist(cx, pn_get(cx, map, "programs"), "programs",
	    &k->programs);
	rc |= pn_duration(cx, pn_get(cx, map, "min_uptime"), "min_uptime",
	    &k->min_uptime);
	if ((us == NULL) != (pe == NULL)) {
		pn_error(cx, us ? us : pe, "check '%s': 'username' and "
		    "'password_env' go together (supervisord's [unix_http_server] "
		    "or [inet_http_server] credentials)", c->id);
		rc = -1;
	} else if (us) {
		char *u = pn_str(cx, us, "username");
		char *env = pn_str(cx, pe, "password_env");
		const char *v = NULL;
		if (u == NULL || env == NULL || pn_env(cx, pe, "password_env",
		    env, &v) != 0)
			rc = -1;
		else if (v != NULL) {
			k->userpwd = xasprintf("%s:%s", u, v);
			redact_add(v);
		}
		free(u);
		free(env);
	}
	return rc;
}

/* Marks every entry of `programs` that names p. */
static bool
selected(const struct supervisor_conf *k, const struct sv_proc *p,
    bool *hit)
{
	bool any = k->programs.n == 0;
	size_t gl = strlen(p->group);

	for (size_t i = 0; i < k->programs.n; i++) {
		const char *w = k->programs.v[i];
		if (strcmp(w, p->name) == 0 || strcmp(w, p->group) == 0 ||
		    (strncmp(w, p->group, gl) == 0 && w[gl] == ':' &&
		    strcmp(w + gl + 1, p->name) == 0))
			any = hit[i] = true;
	}
	return any;
}

/* "laravel-worker:laravel-worker_00", or the name when alone. */
static char *
full_name(const struct sv_proc *p)
{
	if (strcmp(p->group, p->name) == 0)
		return xstrdup(p->name);
	return xasprintf("%s:%s", p->group, p->name);
}

/* Why p is not as wanted (a new string), or NULL. */
static char *
judge(const struct supervisor_conf *k, const struct sv_proc *p,
    const char *nm)
{
	if (strcmp(p->statename, "RUNNING") != 0) {
		if (strcmp(p->statename, "EXITED") == 0)
			return xasprintf("%s is EXITED (exit status %lld)", nm,
			    p->exitstatus);
		if (*p->spawnerr)
			return xasprintf("%s is %s: %s", nm, p->statename,
			    p->spawnerr);
		return xasprintf("%s is %s", nm, p->statename);
	}
	int64_t up = (p->now - p->start) * US_PER_S;
	if (k->min_uptime && up < k->min_uptime) {
		char *a = fmt_duration(up), *b = fmt_duration(k->min_uptime);
		char *s = xasprintf("%s has run for %s only (restarted?), "
		    "expected at least %s", nm, a, b);
		free(a);
		free(b);
		return s;
	}
	return NULL;
}

static void
supervisor_run(const struct check *c, struct result *r)
{
	const struct supervisor_conf *k = c->priv;
	char *body = xmlrpc_call("supervisor.getAllProcessInfo");
	struct sockhttp_req q = {
		.socket = k->socket,
		.url = k->url ? k->url : "http://localhost/RPC2",
		.body = body, .content_type = "text/xml",
		.userpwd = k->userpwd, .what = "supervisord",
		.deadline_us = now_mono_us() + c->timeout_us,
		.max = XMLRPC_MAX,
	};
	struct buf b, bad = BUF_INIT, det = BUF_INIT;
	struct sv_proc *ps = NULL;
	size_t nps = 0, nsel = 0, nbad = 0, nfail = 0;
	bool *hit = xcalloc(k->programs.n + 1, sizeof(*hit));
	char *err = NULL;
	const char *where = k->socket ? k->socket : k->url;

	if (k->min_uptime) {
		char *d = fmt_duration(k->min_uptime);
		result_threshold(r, "RUNNING for at least %s", d);
		free(d);
	} else {
		result_threshold(r, "RUNNING");
	}
	long code = sockhttp_do(&q, &b, &err);
	free(body);
	if (code == 401)
		seterr(&err, "supervisord at %s wants a username and password "
		    "(401): give 'username' and 'password_env'", where);
	else if (code > 0 && b.truncated)
		seterr(&err, "supervisord's answer is longer than %u MiB",
		    XMLRPC_MAX >> 20);
	else if (code > 0 && code != 200)
		seterr(&err, "supervisord at %s answered HTTP %ld", where, code);
	if (err || xmlrpc_parse_procs(b.s, b.len, &ps, &nps, &err) != 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "%s", err);
		goto out;
	}
	for (size_t i = 0; i < nps; i++) {
		if (!selected(k, &ps[i], hit))
			continue;
		char *nm = full_name(&ps[i]);
		char *why = judge(k, &ps[i], nm);
		nsel++;
		buf_addf(&det, "%s %s %s\n", nm, ps[i].statename,
		    ps[i].description);
		if (why) {
			nfail++;
			buf_addf(&bad, "%s%s", nbad++ ? "; " : "", why);
			free(why);
		}
		free(nm);
	}
	for (size_t i = 0; i < k->programs.n; i++) {
		if (hit[i])
			continue;
		struct strlist have = STRLIST_INIT;
		for (size_t j = 0; j < nps && j < 20; j++)
			strlist_push_owned(&have, full_name(&ps[j]));
		char *h = strlist_join(&have, ", ");
		buf_addf(&bad, "%sno program '%s' in supervisord (it has: %s)",
		    nbad++ ? "; " : "", k->programs.v[i], nps ? h : "nothing");
		free(h);
		strlist_release(&have);
	}
	result_detail(r, "%s", det.s);
	result_observed(r, "%zu/%zu RUNNING", nsel - nfail, nsel);
	if (nbad)
		result_set(r, ST_FAIL, "%s", bad.s);
	else if (nsel == 0)
		result_set(r, ST_FAIL, "supervisord at %s runs no programs",
		    where);
	else
		result_set(r, ST_PASS, "%zu program%s RUNNING", nsel, nsel == 1 ?
		    "" : "s");
out:
	free(err);
	free(hit);
	sv_procs_free(ps, nps);
	buf_release(&b);
	buf_release(&bad);
	buf_release(&det);
}

static void
supervisor_free(void *p)
{
	struct supervisor_conf *k = p;

	free(k->socket);
	free(k->url);
	strlist_release(&k->programs);
	free(k->userpwd);
	free(k);
}

const struct check_kind check_supervisor = {
	.name = "supervisor",
	.summary = "supervisord programs RUNNING (XML-RPC on its socket or "
	    "port), uptime",
	.keys = keys,
	.parse = supervisor_parse,
	.run = supervisor_run,
	.free = supervisor_free,
};
