/*
 * container.c - kind `container`: a Docker container's state read from
 * the Engine API over its unix socket (no `docker` CLI to parse), the
 * seeds' "all containers show healthy", "PostgreSQL container running",
 * "pin exact image versions":
 *
 *   { kind: container, name: app-db, max_restarts: 0, pinned: true }
 *   { kind: container, compose_project: smartline }
 *
 * A container passes when it is running, its HEALTHCHECK (if it has one;
 * `healthy: true` demands one) says healthy, it restarted at most
 * `max_restarts` times and, with `pinned`, its image reference names a
 * digest or a tag other than latest.  `compose_project` judges every
 * container labelled com.docker.compose.project=NAME that way, stopped
 * ones included (a stopped service is what it looks for).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "../check.h"
#include "../lib/engine.h"
#include "../lib/error.h"
#include "../lib/sockhttp.h"
#include "../lib/units.h"
#include "../lib/xmalloc.h"

struct container_conf {
	char		*name;		/* name or id, or NULL */
	char		*project;	/* compose project, or NULL */
	char		*socket;
	long long	 max_restarts;	/* -1: not judged */
	bool		 pinned;
	bool		 healthy;	/* a HEALTHCHECK is required */
};

static const char *const keys[] = { "name", "compose_project", "socket",
	"max_restarts", "pinned", "healthy", NULL };

/* Docker's names ([a-zA-Z0-9][a-zA-Z0-9_.-]*), ids and compose projects:
 * nothing to escape in a URL path. */
static bool
name_ok(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static int
container_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct container_conf *k = xcalloc(1, sizeof(*k));
	yaml_node_t *nn = pn_get(cx, map, "name");
	yaml_node_t *pn = pn_get(cx, map, "compose_project");
	yaml_node_t *mr = pn_get(cx, map, "max_restarts");
	int rc = 0;

	c->priv = k;
	k->max_restarts = -1;
	if ((nn == NULL) == (pn == NULL)) {
		pn_error(cx, map, "check '%s' needs exactly one of 'name' (a "
		    "container's name or id) or 'compose_project'", c->id);
		rc = -1;
	}
	if (nn && (k->name = pn_str(cx, nn, "name")) == NULL)
		rc = -1;
	else if (k->name && !name_ok(k->name)) {
		pn_error(cx, nn, "'name': '%s' is not a container name or id "
		    "(letters, digits, '_', '.', '-')", k->name);
		rc = -1;
	}
	if (pn && (k->project = pn_str(cx, pn, "compose_project")) == NULL)
		rc = -1;
	else if (k->project && !name_ok(k->project)) {
		pn_error(cx, pn, "'compose_project': '%s' is not a compose "
		    "project name (letters, digits, '_', '.', '-')", k->project);
		rc = -1;
	}
	yaml_node_t *sn = pn_get(cx, map, "socket");
	if (sn) {
		if ((k->socket = pn_str(cx, sn, "socket")) == NULL)
			rc = -1;
		else if (k->socket[0] != '/') {
			pn_error(cx, sn, "'socket' must be an absolute path to "
			    "the Docker socket (got '%s')", k->socket);
			rc = -1;
		}
	} else {
		k->socket = xstrdup(ENGINE_SOCKET);
	}
	if (mr)
		rc |= pn_int(cx, mr, "max_restarts", 0, 1000000000,
		    &k->max_restarts);
	rc |= pn_bool(cx, pn_get(cx, map, "pinned"), "pinned", &k->pinned);
	rc |= pn_bool(cx, pn_get(cx, map, "healthy"), "healthy", &k->healthy);
	return rc;
}

/* GET path from the Engine: the body in *b, or -1 with *errp. */
static long
engine_get(const struct container_conf *k, const char *path,
    int64_t deadline, struct buf *b, char **errp)
{
	char *url = xasprintf("http://localhost%s", path);
	struct sockhttp_req q = {
		.socket = k->socket, .url = url, .what = "Docker",
		.deadline_us = deadline, .max = ENGINE_JSON_MAX,
	};
	long code = sockhttp_do(&q, b, errp);

	free(url);
	if (code >= 0 && b->truncated) {
		seterr(errp, "Docker's answer to %s is longer than %u MiB", path,
		    ENGINE_JSON_MAX >> 20);
		return -1;
	}
	return code;
}

/*
 * Judge one inspected container: NULL when it passes, else why not (a
 * new string).  *worst gets ST_FAIL for a failure.
 */
static char *
judge(const struct container_conf *k, const struct engine_ctr *e)
{
	const char *nm = e->name ? e->name : e->id;

	if (strcmp(e->status, "running") != 0) {
		if (strcmp(e->status, "exited") == 0 || strcmp(e->status,
		    "dead") == 0)
			return xasprintf("%s is %s (exit code %ld%s%s)", nm,
			    e->status, e->exit_code, e->error && *e->error ?
			    ": " : "", e->error ? e->error : "");
		if (strcmp(e->status, "restarting") == 0)
			return xasprintf("%s is restarting (restarted %ld "
			    "times; last exit code %ld)", nm, e->restarts,
			    e->exit_code);
		return xasprintf("%s is %s, not running", nm, e->status);
	}
	if (e->health && strcmp(e->health, "healthy") != 0) {
		char *why = NULL;
		if (e->health_log && *e->health_log) {
			why = xstrdup(e->health_log);
			why[strcspn(why, "\r\n")] = '\0';
		}
		char *s = xasprintf("%s is %s%s%s", nm, e->health,
		    why && *why ? ": last probe said " : "",
		    why && *why ? why : "");
		free(why);
		return s;
	}
	if (e->health == NULL && k->healthy)
		return xasprintf("%s has no HEALTHCHECK (healthy: true needs "
		    "one)", nm);
	if (k->max_restarts >= 0 && e->restarts > k->max_restarts)
		return xasprintf("%s restarted %ld times (at most %lld allowed)",
		    nm, e->restarts, k->max_restarts);
	if (k->pinned && (e->image_ref == NULL ||
	    !engine_ref_pinned(e->image_ref)))
		return xasprintf("%s runs image '%s', not pinned (give an exact "
		    "tag or a @sha256: digest)", nm, e->image_ref ?
		    e->image_ref : "");
	return NULL;
}

/* Inspect one container: 0, 1 when it does not exist, -1 on error. */
static int
inspect(const struct container_conf *k, const char *id, int64_t deadline,
    struct engine_ctr *e, char **errp)
{
	struct buf b;
	char *path = xasprintf("/containers/%s/json", id);
	long code = engine_get(k, path, deadline, &b, errp);
	int rc = -1;

	free(path);
	if (code == 404) {
		rc = 1;
	} else if (code == 200) {
		rc = engine_ctr_parse(b.s, b.len, e, errp);
	} else if (code > 0) {
		char *m = engine_error_message(b.s, b.len);
		seterr(errp, "Docker answered HTTP %ld%s%s", code, m ? ": " : "",
		    m ? m : "");
		free(m);
	}
	buf_release(&b);
	return rc;
}

static void
describe(struct buf *o, const struct engine_ctr *e)
{
	buf_addf(o, "%s", e->status);
	if (e->health)
		buf_addf(o, ", %s", e->health);
	buf_addf(o, ", %ld restart%s", e->restarts, e->restarts == 1 ? "" :
	    "s");
}

static void
threshold(const struct container_conf *k, struct result *r)
{
	struct buf t = BUF_INIT;

	buf_adds(&t, k->healthy ? "running, healthy" :
	    "running, healthy if it has a HEALTHCHECK");
	if (k->max_restarts >= 0)
		buf_addf(&t, ", at most %lld restarts", k->max_restarts);
	if (k->pinned)
		buf_adds(&t, ", image pinned");
	result_threshold(r, "%s", t.s);
	buf_release(&t);
}

static void
run_one(const struct container_conf *k, int64_t deadline, struct result *r)
{
	struct engine_ctr e;
	char *err = NULL;
	int rc = inspect(k, k->name, deadline, &e, &err);

	if (rc < 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "container %s: %s", k->name, err);
		free(err);
		return;
	}
	if (rc > 0) {
		result_observed(r, "absent");
		result_set(r, ST_FAIL, "no container named %s", k->name);
		return;
	}
	struct buf o = BUF_INIT;
	describe(&o, &e);
	result_observed(r, "%s", o.s);
	if (e.image_ref)
		result_detail(r, "image %s\nid %.12s", e.image_ref, e.id);
	char *why = judge(k, &e);
	if (why)
		result_set(r, ST_FAIL, "container %s", why);
	else
		result_set(r, ST_PASS, "container %s is %s", e.name ? e.name :
		    k->name, o.s);
	free(why);
	buf_release(&o);
	engine_ctr_release(&e);
}

static void
run_project(const struct container_conf *k, int64_t deadline,
    struct result *r)
{
	struct strlist ids = STRLIST_INIT;
	struct buf b, bad = BUF_INIT, det = BUF_INIT;
	char *err = NULL;
	size_t nbad = 0;
	char *filt = xasprintf("{\"label\":[\"com.docker.compose.project=%s\"]}",
	    k->project);
	char *esc = curl_easy_escape(NULL, filt, 0);
	char *path = xasprintf("/containers/json?all=1&filters=%s", esc);
	long code = engine_get(k, path, deadline, &b, &err);

	curl_free(esc);
	free(filt);
	free(path);
	if (code == 200 && engine_list_parse(b.s, b.len, &ids, &err) != 0)
		code = -1;
	else if (code > 0 && code != 200) {
		char *m = engine_error_message(b.s, b.len);
		seterr(&err, "Docker answered HTTP %ld%s%s", code, m ? ": " : "",
		    m ? m : "");
		free(m);
		code = -1;
	}
	buf_release(&b);
	if (code < 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "compose project %s: %s", k->project, err);
		goto out;
	}
	if (ids.n == 0) {
		result_observed(r, "0 containers");
		result_set(r, ST_FAIL, "compose project %s has no containers "
		    "(none labelled com.docker.compose.project=%s)", k->project,
		    k->project);
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++) {
		struct engine_ctr e;
		int rc = inspect(k, ids.v[i], deadline, &e, &err);
		if (rc > 0)	/* removed since the list: not ours to judge */
			continue;
		if (rc < 0) {
			result_observed(r, "error");
			result_set(r, ST_FAIL, "compose project %s: %s",
			    k->project, err);
			goto out;
		}
		char *why = judge(k, &e);
		buf_addf(&det, "%s (%s): ", e.service ? e.service : "?",
		    e.name ? e.name : e.id);
		describe(&det, &e);
		buf_addf(&det, ", image %s\n", e.image_ref ? e.image_ref : "?");
		if (why) {
			buf_addf(&bad, "%s%s", nbad ? "; " : "", why);
			nbad++;
		}
		free(why);
		engine_ctr_release(&e);
	}
	result_detail(r, "%s", det.s);
	result_observed(r, "%zu/%zu containers ok", ids.n - nbad, ids.n);
	if (nbad)
		result_set(r, ST_FAIL, "compose project %s: %s", k->project,
		    bad.s);
	else
		result_set(r, ST_PASS, "compose project %s: all %zu containers "
		    "running%s", k->project, ids.n, k->healthy ? " and healthy" :
		    "");
out:
	free(err);
	buf_release(&bad);
	buf_release(&det);
	strlist_release(&ids);
}

static void
container_run(const struct check *c, struct result *r)
{
	const struct container_conf *k = c->priv;
	int64_t deadline = now_mono_us() + c->timeout_us;

	threshold(k, r);
	if (k->name)
		run_one(k, deadline, r);
	else
		run_project(k, deadline, r);
}

static void
container_free(void *p)
{
	struct container_conf *k = p;

	free(k->name);
	free(k->project);
	free(k->socket);
	free(k);
}

const struct check_kind check_container = {
	.name = "container",
	.summary = "a Docker container (or a compose project) running, "
	    "healthy, few restarts, image pinned",
	.keys = keys,
	.parse = container_parse,
	.run = container_run,
	.free = container_free,
};
