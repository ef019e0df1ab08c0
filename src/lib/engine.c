/*
 * engine.c - reading the Docker Engine API's answers (see engine.h).
 * Only the fields cutover judges are taken; a field of the wrong type is
 * a malformed answer, never a default.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "engine.h"
#include "error.h"
#include "xmalloc.h"

static json_t *
load(const char *json, size_t n, const char *what, char **errp)
{
	json_error_t je;
	/* Bounded by the caller's cap; jansson limits nesting to 2048. */
	json_t *j = json_loadb(json, n, JSON_REJECT_DUPLICATES, &je);

	if (j == NULL)
		seterr(errp, "malformed %s: %s at byte %d", what, je.text,
		    je.position);
	return j;
}

/* A string member, NULL when absent or null; -1 when of another type. */
static int
get_str(json_t *o, const char *key, char **out, char **errp)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return seterr(errp, "malformed Docker answer: '%s' is not a "
		    "string", key);
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

static int
get_long(json_t *o, const char *key, long *out, char **errp)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return seterr(errp, "malformed Docker answer: '%s' is not an "
		    "integer", key);
	*out = (long)json_integer_value(v);
	return 0;
}

int
engine_ctr_parse(const char *json, size_t n, struct engine_ctr *c,
    char **errp)
{
	json_t *j, *st, *cf, *h, *lb;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if ((j = load(json, n, "Docker answer", errp)) == NULL)
		return -1;
	if (!json_is_object(j) ||
	    !json_is_object(st = json_object_get(j, "State")) ||
	    !json_is_object(cf = json_object_get(j, "Config"))) {
		seterr(errp, "malformed Docker answer: no State and Config "
		    "objects");
		goto out;
	}
	if (get_str(j, "Id", &c->id, errp) || get_str(j, "Name", &c->name,
	    errp) || get_str(st, "Status", &c->status, errp) ||
	    get_str(st, "Error", &c->error, errp) ||
	    get_long(st, "ExitCode", &c->exit_code, errp) ||
	    get_long(j, "RestartCount", &c->restarts, errp) ||
	    get_str(cf, "Image", &c->image_ref, errp))
		goto out;
	if (c->id == NULL || c->status == NULL) {
		seterr(errp, "malformed Docker answer: no Id or State.Status");
		goto out;
	}
	if (c->name && c->name[0] == '/')
		memmove(c->name, c->name + 1, strlen(c->name));
	json_t *tty = json_object_get(cf, "Tty");
	c->tty = json_is_true(tty);
	if ((h = json_object_get(st, "Health")) != NULL && !json_is_null(h)) {
		if (!json_is_object(h) || get_str(h, "Status", &c->health,
		    errp))
			goto out;
		json_t *lg = json_object_get(h, "Log");
		size_t nl = json_is_array(lg) ? json_array_size(lg) : 0;
		/* The newest probe's output says why it is unhealthy. */
		if (nl && json_is_object(json_array_get(lg, nl - 1)) &&
		    get_str(json_array_get(lg, nl - 1), "Output",
		    &c->health_log, errp))
			goto out;
	}
	if ((lb = json_object_get(cf, "Labels")) != NULL && json_is_object(lb)
	    && get_str(lb, "com.docker.compose.service", &c->service, errp))
		goto out;
	if (get_str(j, "Image", &c->image_id, errp))
		goto out;
	json_t *hc = json_object_get(j, "HostConfig"), *mem;
	if (hc && !json_is_null(hc)) {
		if (!json_is_object(hc)) {
			seterr(errp, "malformed Docker answer: 'HostConfig' is "
			    "not an object");
			goto out;
		}
		if ((mem = json_object_get(hc, "Memory")) != NULL) {
			if (!json_is_integer(mem) || json_integer_value(mem) < 0) {
				seterr(errp, "malformed Docker answer: 'Memory' is "
				    "not a size");
				goto out;
			}
			c->memory = json_integer_value(mem);
		}
	}
	json_t *env = json_object_get(cf, "Env"), *ev;
	size_t i;
	if (env && !json_is_null(env)) {
		if (!json_is_array(env)) {
			seterr(errp, "malformed Docker answer: 'Env' is not an "
			    "array");
			goto out;
		}
		json_array_foreach(env, i, ev) {
			/* A NUL inside would cut the key off its value. */
			if (!json_is_string(ev) || strlen(json_string_value(ev))
			    != json_string_length(ev)) {
				seterr(errp, "malformed Docker answer: Env entry "
				    "%zu is not a string", i);
				goto out;
			}
			strlist_push(&c->env, json_string_value(ev));
		}
	}
	rc = 0;
out:
	json_decref(j);
	if (rc != 0)
		engine_ctr_release(c);
	return rc;
}

void
engine_ctr_release(struct engine_ctr *c)
{
	free(c->id);
	free(c->name);
	free(c->status);
	free(c->health);
	free(c->health_log);
	free(c->image_ref);
	free(c->error);
	free(c->service);
	free(c->image_id);
	strlist_release(&c->env);
	memset(c, 0, sizeof(*c));
}

int64_t
engine_time(const char *s)
{
	struct tm tm = { 0 };
	int n = 0, oh, om;
	char sign;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60 || tm.tm_year < 1970)
		return -1;
	s += n;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	int64_t off = 0;
	if (*s == 'Z' && s[1] == '\0')
		;
	else if (sscanf(s, "%c%2d:%2d%n", &sign, &oh, &om, &n) == 3 &&
	    n == 6 && s[n] == '\0' && (sign == '+' || sign == '-') &&
	    oh <= 23 && om <= 59)
		off = (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60);
	else
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) - off;
}

int
engine_image_parse(const char *json, size_t n, struct engine_image *im,
    char **errp)
{
	json_t *j, *sz;
	char *created = NULL;
	int rc = -1;

	memset(im, 0, sizeof(*im));
	im->created = -1;
	if ((j = load(json, n, "Docker image answer", errp)) == NULL)
		return -1;
	if (!json_is_object(j)) {
		seterr(errp, "malformed Docker image answer: not an object");
		goto out;
	}
	if (get_str(j, "Id", &im->id, errp) || get_str(j, "Created", &created,
	    errp))
		goto out;
	if (im->id == NULL || !json_is_integer(sz = json_object_get(j, "Size"))
	    || json_integer_value(sz) < 0) {
		seterr(errp, "malformed Docker image answer: no Id or Size");
		goto out;
	}
	im->size = json_integer_value(sz);
	if (created && (im->created = engine_time(created)) < 0) {
		seterr(errp, "malformed Docker image answer: 'Created' is not "
		    "a time");
		goto out;
	}
	rc = 0;
out:
	free(created);
	json_decref(j);
	if (rc != 0)
		engine_image_release(im);
	return rc;
}

void
engine_image_release(struct engine_image *im)
{
	free(im->id);
	memset(im, 0, sizeof(*im));
	im->created = -1;
}

int
engine_list_parse(const char *json, size_t n, struct strlist *ids,
    char **errp)
{
	json_t *j = load(json, n, "Docker container list", errp), *v;
	size_t i;

	if (j == NULL)
		return -1;
	if (!json_is_array(j)) {
		json_decref(j);
		return seterr(errp, "malformed Docker container list: not an "
		    "array");
	}
	json_array_foreach(j, i, v) {
		json_t *id = json_is_object(v) ? json_object_get(v, "Id") : NULL;
		if (!json_is_string(id) || json_string_length(id) == 0 ||
		    strlen(json_string_value(id)) != json_string_length(id)) {
			json_decref(j);
			return seterr(errp, "malformed Docker container list: "
			    "entry %zu has no Id", i);
		}
		strlist_push(ids, json_string_value(id));
	}
	json_decref(j);
	return 0;
}

char *
engine_error_message(const char *json, size_t n)
{
	json_t *j = json_loadb(json, n, 0, NULL);
	json_t *m = json_is_object(j) ? json_object_get(j, "message") : NULL;
	char *s = json_is_string(m) ? xstrdup(json_string_value(m)) : NULL;

	json_decref(j);
	return s;
}

bool
engine_ref_pinned(const char *ref)
{
	if (strstr(ref, "@sha256:") != NULL)
		return true;
	/* The tag follows the last ':' after the last '/' (a registry's
	 * port is before a '/': registry:5000/app is untagged). */
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	if (colon == NULL || colon[1] == '\0')
		return false;
	return strcmp(colon + 1, "latest") != 0;
}

int
engine_demux_feed(struct engine_demux *d, const char *p, size_t n,
    void (*out)(int stream, const char *p, size_t n, void *arg), void *arg,
    char **errp)
{
	while (n) {
		if (d->left) {
			size_t k = n < d->left ? n : d->left;
			out(d->stream, p, k, arg);
			d->left -= (uint32_t)k;
			p += k;
			n -= k;
			continue;
		}
		size_t k = sizeof(d->hdr) - d->hlen;
		if (k > n)
			k = n;
		memcpy(d->hdr + d->hlen, p, k);
		d->hlen += k;
		p += k;
		n -= k;
		if (d->hlen < sizeof(d->hdr))
			break;
		d->hlen = 0;
		if (d->hdr[0] > 2 || d->hdr[1] || d->hdr[2] || d->hdr[3])
			return seterr(errp, "malformed Docker log stream: frame "
			    "header %02x %02x %02x %02x is not {0-2, 0, 0, 0}",
			    d->hdr[0], d->hdr[1], d->hdr[2], d->hdr[3]);
		d->stream = d->hdr[0];
		d->left = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 |
		    (uint32_t)d->hdr[6] << 8 | d->hdr[7];
	}
	return 0;
}

int
engine_demux_end(const struct engine_demux *d, char **errp)
{
	if (d->hlen || d->left)
		return seterr(errp, "malformed Docker log stream: cut short "
		    "inside a frame");
	return 0;
}
