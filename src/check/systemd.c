/*
 * systemd.c - kind `systemd`: a unit's state as systemd tells it over
 * D-Bus: ActiveState/SubState, whether it is enabled (UnitFileState; the
 * seeds keep old services "disabled, not deleted"), how often it was
 * restarted (NRestarts).
 *
 *   { kind: systemd, unit: nginx.service, state: active, sub: running,
 *     enabled: true, max_restarts: 0 }
 *   { kind: systemd, unit: app-v1.service, state: inactive,
 *     enabled: false }
 *
 * Over sd-bus (libsystemd): the bus client systemd itself uses, with a
 * timeout per call, typed reads of properties (no reply is parsed here)
 * and D-Bus errors by name (NoSuchUnit, AccessDenied, ServiceUnknown).
 * libdbus would need the same, hand-written around its iterators.
 * `bus:` names the bus (unix:path=...); without it the system bus
 * (DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/lazy_systemd.h"
#include "../lib/units.h"
#include "../lib/xmalloc.h"

#define SD_DEST		"org.freedesktop.systemd1"
#define SD_PATH		"/org/freedesktop/systemd1"
#define SD_MANAGER	"org.freedesktop.systemd1.Manager"
#define SD_UNIT		"org.freedesktop.systemd1.Unit"
#define SD_SERVICE	"org.freedesktop.systemd1.Service"
#define SD_NO_SUCH_UNIT	"org.freedesktop.systemd1.NoSuchUnit"

struct sd_conf {
	char		*unit;
	char		*bus;		/* address, or NULL: the system bus */
	char		*state;		/* ActiveState, or NULL */
	char		*sub;		/* SubState, or NULL */
	int		 enabled;	/* -1: not asked */
	long long	 max_restarts;	/* -1: not asked */
};

static const char *const keys[] = { "unit", "state", "sub", "enabled",
	"max_restarts", "bus", NULL };

static const char *const active_states[] = { "active", "reloading",
	"inactive", "failed", "activating", "deactivating", "maintenance",
	NULL };

static int
sd_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct sd_conf *s = xcalloc(1, sizeof(*s));
	yaml_node_t *st = pn_get(cx, map, "state");
	yaml_node_t *en = pn_get(cx, map, "enabled");
	yaml_node_t *mr = pn_get(cx, map, "max_restarts");
	yaml_node_t *bn = pn_get(cx, map, "bus");
	int rc = 0;

	c->priv = s;
	s->enabled = -1;
	s->max_restarts = -1;
	s->unit = pn_req_str(cx, map, "unit");
	if (s->unit && (s->unit[0] == '\0' || strchr(s->unit, '/') ||
	    strchr(s->unit, '.') == NULL)) {
		pn_error(cx, pn_get(cx, map, "unit"), "'unit' is a unit name "
		    "with its type, like nginx.service (got '%s')", s->unit);
		rc = -1;
	}
	s->state = pn_str(cx, st, "state");
	if (st && s->state == NULL) {
		rc = -1;
	} else if (s->state) {
		size_t i;
		for (i = 0; active_states[i]; i++)
			if (strcmp(s->state, active_states[i]) == 0)
				break;
		if (active_states[i] == NULL) {
			bool subst = strcmp(s->state, "running") == 0 ||
			    strcmp(s->state, "dead") == 0 ||
			    strcmp(s->state, "exited") == 0 ||
			    strcmp(s->state, "waiting") == 0;
			pn_error(cx, st, "'state' is an ActiveState: active, "
			    "inactive, failed, activating, deactivating, "
			    "reloading or maintenance (got '%s'%s%s%s)",
			    s->state, subst ? "; a SubState goes in 'sub: " : "",
			    subst ? s->state : "", subst ? "'" : "");
			rc = -1;
		}
	}
	yaml_node_t *sb = pn_get(cx, map, "sub");
	s->sub = pn_str(cx, sb, "sub");
	if (sb && s->sub == NULL)
		rc = -1;
	if (en) {
		bool b = false;
		if (pn_bool(cx, en, "enabled", &b) != 0)
			rc = -1;
		else
			s->enabled = b;
	}
	if (mr && pn_int(cx, mr, "max_restarts", 0, 1000000,
	    &s->max_restarts) != 0)
		rc = -1;
	size_t ul = s->unit ? strlen(s->unit) : 0;
	if (mr && s->unit && (ul < 8 || strcmp(s->unit + ul - 8,
	    ".service") != 0) && rc == 0) {
		pn_error(cx, mr, "'max_restarts' counts a service's restarts "
		    "(NRestarts): the unit must be a .service");
		rc = -1;
	}
	if (bn) {
		s->bus = pn_str(cx, bn, "bus");
		if (s->bus == NULL)
			rc = -1;
		else if (strncmp(s->bus, "unix:", 5) != 0 &&
		    strncmp(s->bus, "tcp:", 4) != 0) {
			pn_error(cx, bn, "'bus' is a D-Bus address, like "
			    "unix:path=/run/dbus/system_bus_socket (got '%s')",
			    s->bus);
			rc = -1;
		}
	}
	/* Nothing asked: the unit must run. */
	if (!st && !sb && !en && !mr)
		s->state = xstrdup("active");
	return s->unit ? rc : -1;
}

/* A D-Bus failure as one line naming its cause. */
static char *
bus_why(const struct sd_conf *s, int64_t timeout_us, const char *what, int r,
    const sd_bus_error *e)
{
	const char *where = s->bus ? s->bus : "the system bus";

	if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
	    sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
		return xasprintf("systemd is not on %s (no %s there)", where,
		    SD_DEST);
	if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) ||
	    r == -EACCES || r == -EPERM)
		return xasprintf("%s: permission denied on %s%s%s", what, where,
		    e && e->message ? ": " : "", e && e->message ? e->message :
		    "");
	if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) ||
	    sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT) ||
	    r == -ETIMEDOUT)
	{
		char *t = fmt_duration(timeout_us);
		char *m = xasprintf("%s: no answer from systemd on %s within "
		    "%s", what, where, t);
		free(t);
		return m;
	}
	if (e && e->name)
		return xasprintf("%s: %s%s%s", what, e->name, e->message ?
		    ": " : "", e->message ? e->message : "");
	return xasprintf("%s on %s: %s", what, where, strerror(-r));
}

/* Read one string property into *out; 0 or -1 with *errp. */
static int
get_str(sd_bus *b, const struct check *c, const char *path,
    const char *iface, const char *name, char **out, char **errp)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_get_property_string(b, SD_DEST, path, iface, name, &e,
	    out);

	if (r < 0) {
		char *w = xasprintf("reading %s", name);
		*errp = bus_why(c->priv, c->timeout_us, w, r, &e);
		free(w);
		sd_bus_error_free(&e);
		return -1;
	}
	return 0;
}

static void
sd_run(const struct check *c, struct result *res)
{
	const struct sd_conf *s = c->priv;
	sd_bus *b = NULL;
	sd_bus_message *m = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *err = NULL, *load = NULL, *act = NULL, *sub = NULL, *ufs = NULL;
	const char *path = NULL;
	uint32_t nres = 0;
	int r;
	struct buf thr = BUF_INIT, fails = BUF_INIT;

	if (s->state)
		buf_addf(&thr, "state %s", s->state);
	if (s->sub)
		buf_addf(&thr, "%ssub %s", thr.len ? ", " : "", s->sub);
	if (s->enabled >= 0)
		buf_addf(&thr, "%s%s", thr.len ? ", " : "", s->enabled ?
		    "enabled" : "disabled");
	if (s->max_restarts >= 0)
		buf_addf(&thr, "%srestarts <= %lld", thr.len ? ", " : "",
		    s->max_restarts);
	result_threshold(res, "%s", thr.s);
	if (s->bus) {
		if ((r = sd_bus_new(&b)) >= 0 &&
		    (r = sd_bus_set_address(b, s->bus)) >= 0 &&
		    (r = sd_bus_set_bus_client(b, 1)) >= 0)
			r = sd_bus_start(b);
	} else {
		r = sd_bus_open_system(&b);
	}
	if (r < 0) {
		err = r == -ENOENT || r == -ECONNREFUSED ?
		    xasprintf("no D-Bus at %s (%s): is dbus-daemon running?",
		    s->bus ? s->bus : "the system bus", strerror(-r)) :
		    bus_why(s, c->timeout_us, "connecting", r, NULL);
		goto out;
	}
	/* One deadline for every call: the check's timeout. */
	sd_bus_set_method_call_timeout(b, (uint64_t)c->timeout_us);
	/*
	 * GetUnit knows loaded units only; LoadUnit also loads one that
	 * is not (a disabled, stopped unit may not be), and answers for a
	 * unit without a file with LoadState not-found.
	 */
	r = sd_bus_call_method(b, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &e,
	    &m, "s", s->unit);
	if (r < 0 && sd_bus_error_has_name(&e, SD_NO_SUCH_UNIT)) {
		sd_bus_error_free(&e);
		r = sd_bus_call_method(b, SD_DEST, SD_PATH, SD_MANAGER,
		    "LoadUnit", &e, &m, "s", s->unit);
	}
	if (r < 0) {
		err = sd_bus_error_has_name(&e, SD_NO_SUCH_UNIT) ?
		    xasprintf("unit %s does not exist (NoSuchUnit)", s->unit) :
		    bus_why(s, c->timeout_us, "asking for the unit", r, &e);
		goto out;
	}
	if ((r = sd_bus_message_read(m, "o", &path)) < 0) {
		err = xasprintf("systemd's answer for %s is not an object path",
		    s->unit);
		goto out;
	}
	if (get_str(b, c, path, SD_UNIT, "LoadState", &load, &err) != 0)
		goto out;
	if (strcmp(load, "not-found") == 0) {
		err = xasprintf("unit %s not found (no unit file; LoadState "
		    "not-found)", s->unit);
		goto out;
	}
	if (get_str(b, c, path, SD_UNIT, "ActiveState", &act, &err) != 0 ||
	    get_str(b, c, path, SD_UNIT, "SubState", &sub, &err) != 0)
		goto out;
	if (s->enabled >= 0 &&
	    get_str(b, c, path, SD_UNIT, "UnitFileState", &ufs, &err) != 0)
		goto out;
	if (s->max_restarts >= 0) {
		r = sd_bus_get_property_trivial(b, SD_DEST, path, SD_SERVICE,
		    "NRestarts", &e, 'u', &nres);
		if (r < 0) {
			err = bus_why(s, c->timeout_us, "reading NRestarts", r, &e);
			goto out;
		}
	}
	result_observed(res, "%s (%s)%s%s", act, sub, ufs ? ", " : "",
	    ufs ? ufs : "");
	if (s->max_restarts >= 0) {
		res->has_value = true;
		res->value = nres;
	}
	if (s->state && strcmp(act, s->state) != 0)
		buf_addf(&fails, "%s is %s (%s), expected %s", s->unit, act,
		    sub, s->state);
	if (s->sub && strcmp(sub, s->sub) != 0)
		buf_addf(&fails, "%s%s sub-state is %s, expected %s",
		    fails.len ? "; " : "", s->unit, sub, s->sub);
	if (s->enabled == 1 && strcmp(ufs, "enabled") != 0 &&
	    strcmp(ufs, "enabled-runtime") != 0)
		buf_addf(&fails, "%s%s is %s, expected enabled",
		    fails.len ? "; " : "", s->unit, *ufs ? ufs : "of no unit "
		    "file state");
	else if (s->enabled == 0 && strcmp(ufs, "disabled") != 0)
		buf_addf(&fails, "%s%s is %s, expected disabled%s",
		    fails.len ? "; " : "", s->unit, *ufs ? ufs : "of no unit "
		    "file state", strcmp(ufs, "masked") == 0 ? " (masked: "
		    "unmask it before it can be enabled again)" : "");
	if (s->max_restarts >= 0 && nres > s->max_restarts)
		buf_addf(&fails, "%s%s restarted %u time%s, at most %lld "
		    "allowed", fails.len ? "; " : "", s->unit, nres,
		    nres == 1 ? "" : "s", s->max_restarts);
	if (fails.len)
		result_set(res, ST_FAIL, "%s", fails.s);
	else if (s->max_restarts >= 0)
		result_set(res, ST_PASS, "%s is %s (%s)%s%s, %u restart%s",
		    s->unit, act, sub, ufs ? ", " : "", ufs ? ufs : "", nres,
		    nres == 1 ? "" : "s");
	else
		result_set(res, ST_PASS, "%s is %s (%s)%s%s", s->unit, act, sub,
		    ufs ? ", " : "", ufs ? ufs : "");
out:
	if (err) {
		result_observed(res, "error");
		result_set(res, ST_FAIL, "%s", err);
	}
	free(err);
	free(load);
	free(act);
	free(sub);
	free(ufs);
	buf_release(&thr);
	buf_release(&fails);
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(b);
}

static void
sd_free(void *p)
{
	struct sd_conf *s = p;

	free(s->unit);
	free(s->bus);
	free(s->state);
	free(s->sub);
	free(s);
}

const struct check_kind check_systemd = {
	.name = "systemd",
	.summary = "a unit's ActiveState/SubState, enabled or disabled, "
	    "restarts, over D-Bus",
	.keys = keys,
	.parse = sd_parse,
	.run = sd_run,
	.free = sd_free,
	.value = "restarts, with max_restarts",
};
