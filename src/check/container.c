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
 *
 * The seed 002 items a `docker inspect` used to answer, from the same
 * inspection: its environment (`env` keys set, `env_file` every key of a
 * file with the file's value, `env_same` keys with one value across a
 * project - only key names are ever reported, never a value), its memory
 * limit (`memory_limit`, `max_memory_limit`, `min_memory_limit`), and
 * from the image it runs (GET /images/ID/json) its size and age.
 * `absent_commands` looks for each name in every directory of the
 * container's PATH with HEAD /containers/ID/archive (a stat, no exec: a
 * minimal image has no shell to run `command -v` with).  `images:` is
 * the third form: those references (name:tag or id) are stored on the
 * daemon ("images retained for rollback").
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "../check.h"
#include "../envcheck.h"
#include "../lib/dotenv.h"
#include "../lib/engine.h"
#include "../lib/error.h"
#include "../lib/lazy_curl.h"
#include "../lib/redact.h"
#include "../lib/sockhttp.h"
#include "../lib/units.h"
#include "../lib/xmalloc.h"

struct container_conf {
	char		*name;		/* name or id, or NULL */
	char		*project;	/* compose project, or NULL */
	struct strlist	 images;	/* the images form, or empty */
	char		*socket;
	long long	 max_restarts;	/* -1: not judged */
	bool		 pinned;
	bool		 healthy;	/* a HEALTHCHECK is required */
	struct strlist	 env;		/* keys that must be set */
	char		*env_file;	/* every key with this file's value */
	struct strlist	 env_same;	/* one value across the project */
	bool		 memory_limit;	/* a limit is set */
	uint64_t	 max_mem, min_mem;	/* 0: not judged */
	uint64_t	 max_image_size;	/* 0: not judged */
	int64_t		 max_image_age_us;	/* 0: not judged */
	/* The limits as the plan wrote them, for messages. */
	char		*max_mem_s, *min_mem_s, *max_size_s, *max_age_s;
	struct strlist	 absent_commands;
};

static const char *const keys[] = { "name", "compose_project", "images",
	"socket", "max_restarts", "pinned", "healthy", "env", "env_file",
	"env_same", "memory_limit", "max_memory_limit", "min_memory_limit",
	"max_image_size", "max_image_age", "absent_commands", NULL };

/* Keys that judge a running container: not for the images form. */
static const char *const ctr_keys[] = { "max_restarts", "pinned",
	"healthy", "env", "env_file", "env_same", "memory_limit",
	"max_memory_limit", "min_memory_limit", "absent_commands", NULL };

/* Docker's PATH when the image sets none (the daemon's default). */
#define DEFAULT_PATH	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
	"/sbin:/bin"

/* Starts with a letter or digit; then letters, digits and the marks of
 * `also`: nothing to escape in a URL path. */
static bool
word_ok(const char *s, const char *also)
{
	if (!isalnum((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(also, *s))
			return false;
	return true;
}

/* Docker's names ([a-zA-Z0-9][a-zA-Z0-9_.-]*), ids and compose projects. */
static bool
name_ok(const char *s)
{
	return word_ok(s, "_.-");
}

/* An image reference or id: no spaces, quotes or '?'/'#'. */
static bool
ref_ok(const char *s)
{
	return word_ok(s, "_.-:/@");
}

/* A command's name (g++, python3.11) or an absolute path to one. */
static bool
cmd_ok(const char *s)
{
	bool path = *s == '/';

	if (*s == '\0' || strstr(s, "..") || (!path && strchr(s, '/')))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-+@:", *s) &&
		    !(path && *s == '/'))
			return false;
	return true;
}

/* An environment variable's name as Docker's --env takes it. */
static bool
envkey_ok(const char *s)
{
	if (*s == '\0' || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static int
parse_keylist(struct pctx *cx, yaml_node_t *n, const char *key,
    struct strlist *out)
{
	int rc = pn_strlist(cx, n, key, out);

	for (size_t i = 0; rc == 0 && i < out->n; i++)
		if (!envkey_ok(out->v[i])) {
			pn_error(cx, n, "'%s': '%s' is not a variable name "
			    "(letters, digits, '_')", key, out->v[i]);
			rc = -1;
		}
	return rc;
}

/* A size limit, and its text as written. */
static int
limit(struct pctx *cx, yaml_node_t *map, const char *key, uint64_t *v,
    char **text)
{
	yaml_node_t *n = pn_get(cx, map, key);

	if (n == NULL)
		return 0;
	if (pn_size(cx, n, key, v) != 0)
		return -1;
	if (*v == 0) {
		pn_error(cx, n, "'%s' must be more than 0", key);
		return -1;
	}
	*text = pn_str(cx, n, key);
	return *text ? 0 : -1;
}

static int
parse_more(struct pctx *cx, yaml_node_t *map, const struct check *c,
    struct container_conf *k, bool project)
{
	yaml_node_t *n;
	int rc = 0;

	rc |= parse_keylist(cx, pn_get(cx, map, "env"), "env", &k->env);
	if ((n = pn_get(cx, map, "env_file")) != NULL) {
		if ((k->env_file = pn_str(cx, n, "env_file")) == NULL)
			rc = -1;
		else	/* masked from the start, like every env file */
			env_redact_path(k->env_file, NULL, false);
	}
	if ((n = pn_get(cx, map, "env_same")) != NULL) {
		rc |= parse_keylist(cx, n, "env_same", &k->env_same);
		if (!project) {
			pn_error(cx, n, "check '%s': 'env_same' compares the "
			    "containers of a 'compose_project'", c->id);
			rc = -1;
		}
	}
	rc |= pn_bool(cx, pn_get(cx, map, "memory_limit"), "memory_limit",
	    &k->memory_limit);
	rc |= limit(cx, map, "max_memory_limit", &k->max_mem, &k->max_mem_s);
	rc |= limit(cx, map, "min_memory_limit", &k->min_mem, &k->min_mem_s);
	if (k->max_mem && k->min_mem > k->max_mem) {
		pn_error(cx, pn_get(cx, map, "min_memory_limit"), "check '%s': "
		    "'min_memory_limit' is above 'max_memory_limit'", c->id);
		rc = -1;
	}
	rc |= limit(cx, map, "max_image_size", &k->max_image_size,
	    &k->max_size_s);
	if ((n = pn_get(cx, map, "max_image_age")) != NULL) {
		rc |= pn_duration(cx, n, "max_image_age", &k->max_image_age_us);
		k->max_age_s = pn_str(cx, n, "max_image_age");
		if (rc == 0 && k->max_image_age_us < US_PER_S) {
			pn_error(cx, n, "'max_image_age' must be at least 1s");
			rc = -1;
		}
	}
	if ((n = pn_get(cx, map, "absent_commands")) != NULL) {
		rc |= pn_strlist(cx, n, "absent_commands", &k->absent_commands);
		for (size_t i = 0; i < k->absent_commands.n; i++) {
			const char *a = k->absent_commands.v[i];
			if (!cmd_ok(a)) {
				pn_error(cx, n, "'absent_commands': '%s' is not a "
				    "command name or an absolute path", a);
				rc = -1;
			}
		}
	}
	return rc;
}

static int
container_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct container_conf *k = xcalloc(1, sizeof(*k));
	yaml_node_t *nn = pn_get(cx, map, "name");
	yaml_node_t *pn = pn_get(cx, map, "compose_project");
	yaml_node_t *in = pn_get(cx, map, "images");
	yaml_node_t *mr = pn_get(cx, map, "max_restarts");
	int rc = 0;

	c->priv = k;
	k->max_restarts = -1;
	if ((nn != NULL) + (pn != NULL) + (in != NULL) != 1) {
		pn_error(cx, map, "check '%s' needs exactly one of 'name' (a "
		    "container's name or id), 'compose_project' or 'images'",
		    c->id);
		rc = -1;
	}
	if (in) {
		rc |= pn_strlist(cx, in, "images", &k->images);
		if (in && k->images.n == 0 && rc == 0) {
			pn_error(cx, in, "'images' lists no image");
			rc = -1;
		}
		for (size_t i = 0; i < k->images.n; i++)
			if (!ref_ok(k->images.v[i])) {
				pn_error(cx, in, "'images': '%s' is not an image "
				    "reference (name:tag, name@sha256:..., or an "
				    "id)", k->images.v[i]);
				rc = -1;
			}
		for (const char *const *x = ctr_keys; *x; x++) {
			yaml_node_t *xn = pn_get(cx, map, *x);
			if (xn) {
				pn_error(cx, xn, "'%s' judges a container: not "
				    "with 'images' (give 'name' or "
				    "'compose_project')", *x);
				rc = -1;
			}
		}
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
	rc |= parse_more(cx, map, c, k, pn != NULL);
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

/* An answer other than the one expected: its code and Docker's message. */
static void
answer_err(long code, const struct buf *b, char **errp)
{
	char *m = engine_error_message(b->s, b->len);

	seterr(errp, "Docker answered HTTP %ld%s%s", code, m ? ": " : "",
	    m ? m : "");
	free(m);
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

/* The value of key in a container's environment, or NULL. */
static const char *
ctr_env(const struct engine_ctr *e, const char *key)
{
	size_t kl = strlen(key);

	/* The last one wins, as in the process Docker starts. */
	for (size_t i = e->env.n; i-- > 0;)
		if (strncmp(e->env.v[i], key, kl) == 0 && e->env.v[i][kl] == '=')
			return e->env.v[i] + kl + 1;
	return NULL;
}

static void
finding(struct buf *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
finding(struct buf *why, const char *fmt, ...)
{
	va_list ap;

	if (why->len)
		buf_adds(why, "; ");
	va_start(ap, fmt);
	buf_vaddf(why, fmt, ap);
	va_end(ap);
}

/* GET /images/REF/json: 0, 1 when the daemon has no such image, -1. */
static int
image_get(const struct container_conf *k, const char *ref, int64_t deadline,
    struct engine_image *im, char **errp)
{
	struct buf b;
	char *esc = curl_easy_escape(NULL, ref, 0);
	char *path = xasprintf("/images/%s/json", esc);
	long code = engine_get(k, path, deadline, &b, errp);
	int rc = -1;

	curl_free(esc);
	free(path);
	if (code == 404) {
		rc = 1;
	} else if (code == 200) {
		rc = engine_image_parse(b.s, b.len, im, errp);
	} else if (code > 0) {
		answer_err(code, &b, errp);
	}
	buf_release(&b);
	return rc;
}

/* An age in whole units: "34s", "12m", "5h", "40d". */
static char *
fmt_age(int64_t s)
{
	if (s < 120)
		return xasprintf("%llds", (long long)s);
	if (s < 7200)
		return xasprintf("%lldm", (long long)(s / 60));
	if (s < 172800)
		return xasprintf("%lldh", (long long)(s / 3600));
	return xasprintf("%lldd", (long long)(s / 86400));
}

/* An image's size and age against the limits; its figures to det. */
static void
judge_image(const struct container_conf *k, const char *what,
    const struct engine_image *im, struct buf *why, struct buf *det)
{
	char *sz = fmt_size((uint64_t)im->size);
	int64_t age = im->created >= 0 ? (int64_t)time(NULL) - im->created :
	    -1;
	char *ag = age >= 0 ? fmt_age(age) : xstrdup("?");

	buf_addf(det, "%s: image %.19s, %s, built %s ago\n", what, im->id, sz,
	    ag);
	if (k->max_image_size && (uint64_t)im->size > k->max_image_size)
		finding(why, "%s's image is %s (at most %s allowed)", what, sz,
		    k->max_size_s);
	if (k->max_image_age_us && (age < 0 ||
	    age * US_PER_S > k->max_image_age_us))
		finding(why, "%s's image was built %s ago (at most %s allowed)",
		    what, ag, k->max_age_s);
	free(sz);
	free(ag);
}

/* Is path in the container's filesystem: 1 yes, 0 no, -1 error. */
static int
ctr_has_path(const struct container_conf *k, const char *id, const char *p,
    int64_t deadline, char **errp)
{
	char *esc = curl_easy_escape(NULL, p, 0);
	char *url = xasprintf("http://localhost/containers/%s/archive?path=%s",
	    id, esc);
	struct sockhttp_req q = {
		.socket = k->socket, .url = url, .what = "Docker",
		.deadline_us = deadline, .max = 4096, .head = true,
	};
	struct buf b;
	long code = sockhttp_do(&q, &b, errp);

	buf_release(&b);
	curl_free(esc);
	free(url);
	if (code == 200)
		return 1;
	if (code == 404)
		return 0;
	if (code > 0)
		seterr(errp, "Docker answered HTTP %ld to a stat of %s", code, p);
	return -1;
}

static int	inspect(const struct container_conf *, const char *, int64_t,
		    struct engine_ctr *, char **);

/*
 * The judgments beyond the container's state: findings appended to why,
 * figures to det.  -1 with *errp when Docker could not tell.
 */
static int
judge_more(const struct container_conf *k, const struct engine_ctr *e,
    const struct env_file *f, int64_t deadline, struct buf *why,
    struct buf *det, char **errp)
{
	const char *nm = e->name ? e->name : e->id;
	struct buf miss = BUF_INIT, diff = BUF_INIT;

	for (size_t i = 0; i < k->env.n; i++)
		if (ctr_env(e, k->env.v[i]) == NULL)
			buf_addf(&miss, "%s%s", miss.len ? ", " : "",
			    k->env.v[i]);
	if (miss.len)
		finding(why, "%s lacks env %s", nm, miss.s);
	buf_release(&miss);
	miss = (struct buf)BUF_INIT;
	for (size_t i = 0; f && i < f->n; i++) {
		const struct env_entry *en = &f->v[i];
		if (dotenv_get(f, en->key) != en)	/* an earlier duplicate */
			continue;
		const char *v = ctr_env(e, en->key);
		if (v == NULL)
			buf_addf(&miss, "%s%s", miss.len ? ", " : "", en->key);
		else if (strcmp(v, en->value) != 0)
			buf_addf(&diff, "%s%s", diff.len ? ", " : "", en->key);
	}
	if (miss.len)
		finding(why, "%s lacks env %s of %s", nm, miss.s, k->env_file);
	if (diff.len)
		finding(why, "%s's env differs from %s on %s (values not shown)",
		    nm, k->env_file, diff.s);
	buf_release(&miss);
	buf_release(&diff);

	if (k->memory_limit || k->max_mem || k->min_mem) {
		if (e->memory <= 0) {
			finding(why, "%s has no memory limit", nm);
		} else {
			char *m = fmt_size((uint64_t)e->memory);
			if (k->max_mem && (uint64_t)e->memory > k->max_mem)
				finding(why, "%s's memory limit is %s (at most %s "
				    "allowed)", nm, m, k->max_mem_s);
			if (k->min_mem && (uint64_t)e->memory < k->min_mem)
				finding(why, "%s's memory limit is %s (at least %s "
				    "needed)", nm, m, k->min_mem_s);
			free(m);
		}
	}
	if (e->memory > 0) {
		char *m = fmt_size((uint64_t)e->memory);
		buf_addf(det, "%s: memory limit %s\n", nm, m);
		free(m);
	}

	if (k->max_image_size || k->max_image_age_us) {
		struct engine_image im;
		int rc = e->image_id ? image_get(k, e->image_id, deadline, &im,
		    errp) : 1;
		if (rc < 0)
			return -1;
		if (rc > 0) {
			finding(why, "%s's image %s is not stored on the daemon",
			    nm, e->image_id ? e->image_id : "(none)");
		} else {
			judge_image(k, nm, &im, why, det);
			engine_image_release(&im);
		}
	}

	if (k->absent_commands.n) {
		struct strlist dirs = STRLIST_INIT;
		const char *path = ctr_env(e, "PATH");
		strlist_split(&dirs, path ? path : DEFAULT_PATH, ':');
		for (size_t i = 0; i < k->absent_commands.n; i++) {
			const char *a = k->absent_commands.v[i];
			size_t nd = a[0] == '/' ? 1 : dirs.n;
			for (size_t d = 0; d < nd; d++) {
				if (a[0] != '/' && dirs.v[d][0] != '/')
					continue;	/* a relative PATH entry */
				char *p = a[0] == '/' ? xstrdup(a) :
				    xasprintf("%s/%s", dirs.v[d], a);
				int has = ctr_has_path(k, e->id, p, deadline,
				    errp);
				if (has == 1)
					finding(why, "%s has %s", nm, p);
				free(p);
				if (has < 0) {
					strlist_release(&dirs);
					return -1;
				}
				if (has == 1)
					break;
			}
		}
		strlist_release(&dirs);
		/* Docker answers 404 for a missing container as for a missing
		 * path: a container removed meanwhile is not "no gcc". */
		struct engine_ctr again;
		int rc = inspect(k, e->id, deadline, &again, errp);
		if (rc == 0)
			engine_ctr_release(&again);
		else if (rc > 0)
			seterr(errp, "%s was removed while its files were looked "
			    "at", nm);
		if (rc != 0)
			return -1;
	}
	return 0;
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
		answer_err(code, &b, errp);
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

	if (k->images.n)
		buf_adds(&t, "every image stored");
	else
		buf_adds(&t, k->healthy ? "running, healthy" :
		    "running, healthy if it has a HEALTHCHECK");
	if (k->max_restarts >= 0)
		buf_addf(&t, ", at most %lld restarts", k->max_restarts);
	if (k->pinned)
		buf_adds(&t, ", image pinned");
	if (k->env.n || k->env_file || k->env_same.n)
		buf_adds(&t, ", env");
	for (size_t i = 0; i < k->env.n; i++)
		buf_addf(&t, " %s", k->env.v[i]);
	if (k->env_file)
		buf_addf(&t, " as in %s", k->env_file);
	if (k->env_same.n) {
		buf_adds(&t, " with one value of");
		for (size_t i = 0; i < k->env_same.n; i++)
			buf_addf(&t, " %s", k->env_same.v[i]);
	}
	if (k->memory_limit || k->max_mem || k->min_mem) {
		buf_adds(&t, ", a memory limit");
		if (k->min_mem)
			buf_addf(&t, " >= %s", k->min_mem_s);
		if (k->max_mem)
			buf_addf(&t, " <= %s", k->max_mem_s);
	}
	if (k->max_image_size)
		buf_addf(&t, ", image <= %s", k->max_size_s);
	if (k->max_image_age_us)
		buf_addf(&t, ", image built within %s", k->max_age_s);
	if (k->absent_commands.n) {
		buf_adds(&t, ", no");
		for (size_t i = 0; i < k->absent_commands.n; i++)
			buf_addf(&t, " %s", k->absent_commands.v[i]);
	}
	result_threshold(r, "%s", t.s);
	buf_release(&t);
}

/* The env file, when the check names one: 0, or -1 with a result set. */
static int
load_env_file(const struct container_conf *k, struct env_file *f,
    struct result *r)
{
	char *e = NULL;

	memset(f, 0, sizeof(*f));
	if (k->env_file == NULL || dotenv_load(k->env_file, f, &e) == 0)
		return 0;
	/* The message names file, line and key; redacted all the same. */
	char *m = redact(e ? e : "unreadable");
	result_observed(r, "error");
	result_set(r, ST_FAIL, "%s", m);
	free(m);
	free(e);
	dotenv_release(f);
	return -1;
}

static void
run_one(const struct container_conf *k, const struct env_file *f,
    int64_t deadline, struct result *r)
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
	struct buf o = BUF_INIT, why = BUF_INIT, det = BUF_INIT;
	describe(&o, &e);
	result_observed(r, "%s", o.s);
	if (e.image_ref)
		buf_addf(&det, "image %s\nid %.12s\n", e.image_ref, e.id);
	char *w = judge(k, &e);
	if (w)
		finding(&why, "%s", w);
	free(w);
	if (judge_more(k, &e, f, deadline, &why, &det, &err) != 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "container %s: %s", k->name, err);
		free(err);
	} else if (why.len) {
		result_set(r, ST_FAIL, "container %s", why.s);
	} else {
		result_set(r, ST_PASS, "container %s is %s", e.name ? e.name :
		    k->name, o.s);
	}
	result_detail(r, "%s", det.s);
	buf_release(&o);
	buf_release(&why);
	buf_release(&det);
	engine_ctr_release(&e);
}

/* env_same: the first container's value of each key, and its name. */
struct same {
	char	**val, **from;
};

static void
judge_same(const struct container_conf *k, const struct engine_ctr *e,
    struct same *sm, struct buf *why)
{
	const char *nm = e->name ? e->name : e->id;

	for (size_t i = 0; i < k->env_same.n; i++) {
		const char *v = ctr_env(e, k->env_same.v[i]);
		if (v == NULL)
			finding(why, "%s lacks env %s", nm, k->env_same.v[i]);
		else if (sm->val[i] == NULL) {
			sm->val[i] = xstrdup(v);
			sm->from[i] = xstrdup(nm);
		} else if (strcmp(sm->val[i], v) != 0)
			finding(why, "env %s differs between %s and %s (values "
			    "not shown)", k->env_same.v[i], sm->from[i], nm);
	}
}

static void
run_project(const struct container_conf *k, const struct env_file *f,
    int64_t deadline, struct result *r)
{
	struct strlist ids = STRLIST_INIT;
	struct buf b, bad = BUF_INIT, det = BUF_INIT;
	struct same sm = {
		.val = xcalloc(k->env_same.n + 1, sizeof(char *)),
		.from = xcalloc(k->env_same.n + 1, sizeof(char *)),
	};
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
		answer_err(code, &b, &err);
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
	size_t seen = 0;
	for (size_t i = 0; i < ids.n; i++) {
		struct engine_ctr e;
		struct buf why = BUF_INIT;
		int rc = inspect(k, ids.v[i], deadline, &e, &err);
		if (rc > 0)	/* removed since the list: not ours to judge */
			continue;
		if (rc == 0) {
			char *w = judge(k, &e);
			if (w)
				finding(&why, "%s", w);
			free(w);
			buf_addf(&det, "%s (%s): ", e.service ? e.service : "?",
			    e.name ? e.name : e.id);
			describe(&det, &e);
			buf_addf(&det, ", image %s\n", e.image_ref ?
			    e.image_ref : "?");
			rc = judge_more(k, &e, f, deadline, &why, &det, &err);
			judge_same(k, &e, &sm, &why);
			engine_ctr_release(&e);
		}
		if (rc < 0) {
			buf_release(&why);
			result_observed(r, "error");
			result_set(r, ST_FAIL, "compose project %s: %s",
			    k->project, err);
			goto out;
		}
		seen++;
		if (why.len) {
			buf_addf(&bad, "%s%s", nbad ? "; " : "", why.s);
			nbad++;
		}
		buf_release(&why);
	}
	result_detail(r, "%s", det.s);
	result_observed(r, "%zu/%zu containers ok", seen - nbad, seen);
	if (nbad)
		result_set(r, ST_FAIL, "compose project %s: %s", k->project,
		    bad.s);
	else
		result_set(r, ST_PASS, "compose project %s: all %zu containers "
		    "running%s", k->project, seen, k->healthy ? " and healthy" :
		    "");
out:
	for (size_t i = 0; i < k->env_same.n; i++) {
		free(sm.val[i]);
		free(sm.from[i]);
	}
	free(sm.val);
	free(sm.from);
	free(err);
	buf_release(&bad);
	buf_release(&det);
	strlist_release(&ids);
}

/* The images form: each reference stored on the daemon. */
static void
run_images(const struct container_conf *k, int64_t deadline,
    struct result *r)
{
	struct buf miss = BUF_INIT, why = BUF_INIT, det = BUF_INIT;
	size_t nmiss = 0;

	for (size_t i = 0; i < k->images.n; i++) {
		struct engine_image im;
		char *err = NULL;
		int rc = image_get(k, k->images.v[i], deadline, &im, &err);
		if (rc < 0) {
			result_observed(r, "error");
			result_set(r, ST_FAIL, "image %s: %s", k->images.v[i],
			    err);
			free(err);
			goto out;
		}
		if (rc > 0) {
			buf_addf(&miss, "%s%s", nmiss ? ", " : "",
			    k->images.v[i]);
			nmiss++;
			continue;
		}
		judge_image(k, k->images.v[i], &im, &why, &det);
		engine_image_release(&im);
	}
	result_detail(r, "%s", det.s);
	result_observed(r, "%zu/%zu images stored", k->images.n - nmiss,
	    k->images.n);
	if (nmiss)
		finding(&why, "not stored on the daemon: %s", miss.s);
	if (why.len)
		result_set(r, ST_FAIL, "%s", why.s);
	else
		result_set(r, ST_PASS, "all %zu images stored", k->images.n);
out:
	buf_release(&miss);
	buf_release(&why);
	buf_release(&det);
}

static void
container_run(const struct check *c, struct result *r)
{
	const struct container_conf *k = c->priv;
	int64_t deadline = now_mono_us() + c->timeout_us;
	struct env_file f;

	threshold(k, r);
	if (k->images.n) {
		run_images(k, deadline, r);
		return;
	}
	if (load_env_file(k, &f, r) != 0)
		return;
	if (k->name)
		run_one(k, k->env_file ? &f : NULL, deadline, r);
	else
		run_project(k, k->env_file ? &f : NULL, deadline, r);
	dotenv_release(&f);
}

static void
container_free(void *p)
{
	struct container_conf *k = p;

	free(k->name);
	free(k->project);
	strlist_release(&k->images);
	free(k->socket);
	strlist_release(&k->env);
	free(k->env_file);
	strlist_release(&k->env_same);
	strlist_release(&k->absent_commands);
	free(k->max_mem_s);
	free(k->min_mem_s);
	free(k->max_size_s);
	free(k->max_age_s);
	free(k);
}

const struct check_kind check_container = {
	.name = "container",
	.summary = "a Docker container (or a compose project) running, "
	    "healthy, few restarts, image pinned, env, memory limit, image "
	    "size and age, commands absent; or images stored",
	.keys = keys,
	.parse = container_parse,
	.run = container_run,
	.free = container_free,
};
