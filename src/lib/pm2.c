/*
 * pm2.c - reading `pm2 jlist` (see pm2.h).  pm2 may print a notice before
 * the list (an out-of-date daemon warns on stdout): the list is the first
 * line that starts with '['.  A field of the wrong type is a malformed
 * list, never a default; a missing monit (a stopped app) reads as 0.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "pm2.h"
#include "xmalloc.h"

static int
num(json_t *o, const char *key, long long *out, size_t i, char **errp)
{
	json_t *v = o ? json_object_get(o, key) : NULL;

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v))
		*out = (long long)json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) >= -9e18 &&
	    json_real_value(v) <= 9e18)
		*out = (long long)json_real_value(v);
	else
		return seterr(errp, "malformed pm2 jlist: app %zu: '%s' is not "
		    "a number", i, key);
	return 0;
}

static int
app(json_t *a, size_t i, struct pm2_app *p, char **errp)
{
	json_t *env = json_object_get(a, "pm2_env");
	json_t *mon = json_object_get(a, "monit");
	json_t *nm = json_object_get(a, "name");
	json_t *st = json_is_object(env) ? json_object_get(env, "status") :
	    NULL;

	memset(p, 0, sizeof(*p));
	if (!json_is_string(nm) || !json_is_object(env) || !json_is_string(st))
		return seterr(errp, "malformed pm2 jlist: app %zu has no name, "
		    "pm2_env or status", i);
	if (mon && !json_is_object(mon) && !json_is_null(mon))
		return seterr(errp, "malformed pm2 jlist: app %zu: 'monit' is "
		    "not an object", i);
	if (!json_is_object(mon))
		mon = NULL;
	long long mem = 0;
	if (num(a, "pm_id", &p->id, i, errp) ||
	    num(env, "restart_time", &p->restarts, i, errp) ||
	    num(env, "unstable_restarts", &p->unstable, i, errp) ||
	    num(env, "pm_uptime", &p->started_ms, i, errp) ||
	    num(mon, "memory", &mem, i, errp))
		return -1;
	json_t *c = mon ? json_object_get(mon, "cpu") : NULL;
	if (c && !json_is_number(c))
		return seterr(errp, "malformed pm2 jlist: app %zu: 'cpu' is not "
		    "a number", i);
	p->cpu = c ? json_number_value(c) : 0;
	p->memory = mem;
	/* A NUL inside a JSON string would cut the name short: refuse. */
	if (strlen(json_string_value(nm)) != json_string_length(nm) ||
	    strlen(json_string_value(st)) != json_string_length(st))
		return seterr(errp, "malformed pm2 jlist: app %zu: a NUL in its "
		    "name or status", i);
	p->name = xstrdup(json_string_value(nm));
	p->status = xstrdup(json_string_value(st));
	return 0;
}

int
pm2_parse(const char *json, size_t n, struct pm2_app **out, size_t *nout,
    char **errp)
{
	const char *p = json, *end = json + n;
	json_error_t je;
	json_t *j, *a;
	size_t i, cap = 0;

	*out = NULL;
	*nout = 0;
	while (p < end && *p != '[') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	if (p == end)
		return seterr(errp, "pm2 jlist printed no list (%zu bytes of "
		    "something else)", n);
	if ((j = json_loadb(p, (size_t)(end - p), JSON_DISABLE_EOF_CHECK,
	    &je)) == NULL)
		return seterr(errp, "malformed pm2 jlist: %s at byte %d",
		    je.text, je.position);
	if (!json_is_array(j)) {
		json_decref(j);
		return seterr(errp, "malformed pm2 jlist: not an array");
	}
	json_array_foreach(j, i, a) {
		struct pm2_app x = { 0 };
		if (!json_is_object(a) || app(a, i, &x, errp) != 0) {
			if (!json_is_object(a))
				seterr(errp, "malformed pm2 jlist: app %zu is "
				    "not an object", i);
			free(x.name);
			free(x.status);
			pm2_apps_free(*out, *nout);
			*out = NULL;
			*nout = 0;
			json_decref(j);
			return -1;
		}
		ARR_PUSH(*out, *nout, cap, x);
	}
	json_decref(j);
	return 0;
}

void
pm2_apps_free(struct pm2_app *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].status);
	}
	free(a);
}
