/*
 * schedule.c - the plan's wall clock (schedule.h): parsing `schedule:`,
 * `roles:`, `two_person:` and the per-phase and per-check keys, local
 * times in a zone, whether a phase may start, the T-minus checklist.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yaml.h>

#include "alert.h"
#include "approve.h"
#include "check.h"
#include "journal.h"
#include "lib/buf.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/redact.h"
#include "lib/units.h"
#include "lib/xmalloc.h"
#include "plan.h"
#include "schedule.h"

const char *const sched_top_keys[] = { "schedule", "roles", "two_person",
	NULL };
const char *const sched_phase_keys[] = { "schedule", "approvers", "quorum",
	NULL };
const char *const sched_check_keys[] = { "due", "approvers", "quorum",
	NULL };

/* ---- time in a zone -------------------------------------------------- */

/*
 * The C library reads the zone from $TZ: every conversion sets it, then
 * puts back what was there, under one lock.  Conversions happen at plan
 * load and in messages of the main thread; the rest of cutover formats
 * times in UTC (gmtime_r), which $TZ does not change.
 */
static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;
static char *tz_saved;
static bool tz_had;

static void
tz_enter(const char *tz)
{
	pthread_mutex_lock(&tz_mu);
	const char *old = getenv("TZ");
	tz_had = old != NULL;
	tz_saved = old ? xstrdup(old) : NULL;
	char *v = xasprintf(":%s", tz);
	setenv("TZ", v, 1);
	free(v);
	tzset();
}

static void
tz_leave(void)
{
	if (tz_had)
		setenv("TZ", tz_saved, 1);
	else
		unsetenv("TZ");
	free(tz_saved);
	tz_saved = NULL;
	tzset();
	pthread_mutex_unlock(&tz_mu);
}

bool
sched_tz_valid(const char *name)
{
	/* A name, not a path: no "..", no leading '/', the database's set. */
	if (name == NULL || *name == '\0' || *name == '/' ||
	    strstr(name, "..") || strlen(name) > 64)
		return false;
	for (const char *s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("/_+-", *s))
			return false;
	const char *dir = getenv("TZDIR");
	char *path = xasprintf("%s/%s", dir && *dir ? dir :
	    "/usr/share/zoneinfo", name);
	FILE *f = fopen(path, "rb");
	free(path);
	if (f == NULL)
		return false;
	char magic[4] = "";
	bool ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

/*
 * tm's fields as local time in the current $TZ: every instant whose
 * local time they are, the earlier of two when clocks went back; -1 when
 * none (the hour skipped when they went forward).
 */
static int
local_instant(const struct tm *want, time_t *out)
{
	bool found = false;

	for (int dst = 0; dst <= 1; dst++) {
		struct tm tm = *want, back;
		tm.tm_isdst = dst;
		time_t t = mktime(&tm);
		if (t == (time_t)-1 || localtime_r(&t, &back) == NULL)
			continue;
		if (back.tm_year != want->tm_year || back.tm_mon != want->tm_mon ||
		    back.tm_mday != want->tm_mday ||
		    back.tm_hour != want->tm_hour ||
		    back.tm_min != want->tm_min || back.tm_sec != want->tm_sec)
			continue;
		if (!found || t < *out)
			*out = t;
		found = true;
	}
	return found ? 0 : -1;
}

/* "HH:MM[:SS]" -> h, m, s; false if it is not one. */
static bool
parse_clock(const char *s, int *h, int *m, int *sec)
{
	int n = 0;
	*sec = 0;
	if (sscanf(s, "%2d:%2d%n", h, m, &n) != 2 || n != 5)
		return false;
	if (s[n] == ':') {
		int k = 0;
		if (sscanf(s + n, ":%2d%n", sec, &k) != 1 || k != 3)
			return false;
		n += k;
	}
	return s[n] == '\0' && *h >= 0 && *h <= 23 && *m >= 0 && *m <= 59 &&
	    *sec >= 0 && *sec <= 59;
}

int
sched_time(const char *tz, const char *text, int64_t base_us,
    bool after_base, int64_t *us, char **errp)
{
	struct tm tm;
	int h, mi, s, y, mo, d, n = 0;
	bool clock = parse_clock(text, &h, &mi, &s);

	memset(&tm, 0, sizeof(tm));
	if (!clock) {
		if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 ||
		    (text[10] != 'T' && text[10] != ' ') ||
		    !parse_clock(text + 11, &h, &mi, &s) || mo < 1 || mo > 12 ||
		    d < 1 || d > 31)
			return seterr(errp, "'%s' is not a local time like "
			    "2026-12-05T02:00 or a clock time like 04:00", text);
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
	}
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tz_enter(tz);
	if (clock) {
		time_t b = (time_t)(base_us / 1000000);
		struct tm bt;
		localtime_r(&b, &bt);
		tm.tm_year = bt.tm_year;
		tm.tm_mon = bt.tm_mon;
		tm.tm_mday = bt.tm_mday;
	}
	int rc = 0;
	time_t t = 0;
	for (int day = 0; day < 3; day++) {
		struct tm want = tm;
		if (day) {
			/* The next calendar day, normalised by mktime. */
			struct tm nd = tm;
			nd.tm_mday += day;
			nd.tm_hour = 12;
			nd.tm_isdst = -1;
			mktime(&nd);
			want.tm_year = nd.tm_year;
			want.tm_mon = nd.tm_mon;
			want.tm_mday = nd.tm_mday;
		}
		if (local_instant(&want, &t) != 0) {
			rc = seterr(errp, "%04d-%02d-%02d %02d:%02d does not "
			    "exist in %s (clocks go forward then)",
			    want.tm_year + 1900, want.tm_mon + 1, want.tm_mday,
			    h, mi, tz);
			break;
		}
		if (!clock || !after_base || (int64_t)t * 1000000 > base_us)
			break;
	}
	if (rc == 0 && !clock) {
		/* mktime normalises 2026-02-30: refuse instead. */
		struct tm back;
		localtime_r(&t, &back);
		if (back.tm_mday != tm.tm_mday || back.tm_mon != tm.tm_mon)
			rc = seterr(errp, "'%s' is not a date", text);
	}
	tz_leave();
	if (rc == 0)
		*us = (int64_t)t * 1000000;
	return rc;
}

char *
sched_fmt(const char *tz, int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char s[64];

	tz_enter(tz ? tz : "UTC");
	localtime_r(&t, &tm);
	strftime(s, sizeof(s), tm.tm_sec ? "%Y-%m-%d %H:%M:%S %Z" :
	    "%Y-%m-%d %H:%M %Z", &tm);
	tz_leave();
	return xstrdup(s);
}

/* ---- parsing --------------------------------------------------------- */

bool
sched_is_clock(struct pctx *cx, yaml_node_t *n)
{
	int h, m, s;

	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return false;
	const char *raw = (const char *)n->data.scalar.value;
	if (strstr(raw, "${") == NULL)
		return parse_clock(raw, &h, &m, &s);
	/* max: "${window_end}" is a clock time when the variable is one. */
	char *v = pn_str_peek(cx, n);
	bool clock = v && parse_clock(v, &h, &m, &s);
	free(v);
	return clock;
}

static const struct role *
find_role(const struct schedule *s, const char *name)
{
	for (size_t i = 0; i < s->nroles; i++)
		if (strcmp(s->roles[i].name, name) == 0)
			return &s->roles[i];
	return NULL;
}

static void
parse_roles(struct pctx *cx, struct schedule *s, yaml_node_t *n)
{
	if (n == NULL)
		return;
	if (!pn_is_map(n)) {
		pn_error(cx, n, "'roles' must be a map of role: [user, ...]");
		return;
	}
	pn_keys(cx, n, NULL, "roles");
	size_t nr = pn_map_len(n);
	s->roles = xcalloc(nr + 1, sizeof(*s->roles));
	for (size_t i = 0; i < nr; i++) {
		yaml_node_t *v;
		const char *k = pn_map_key(cx, n, i, &v);
		if (k == NULL)
			continue;
		struct role *r = &s->roles[s->nroles++];
		r->name = xstrdup(k);
		if (pn_strlist(cx, v, k, &r->users) != 0)
			continue;
		if (r->users.n == 0)
			pn_error(cx, v, "role '%s' has nobody in it", k);
		for (size_t u = 0; u < r->users.n; u++) {
			const char *x = r->users.v[u];
			bool ok = *x != '\0' && strlen(x) <= 32 && *x != '-';
			for (const char *c = x; *c; c++)
				ok &= isalnum((unsigned char)*c) ||
				    strchr("._-", *c) != NULL;
			if (!ok)
				pn_error(cx, v, "role '%s': '%s' is not a login "
				    "name", k, x);
		}
	}
}

static void
parse_rule(struct pctx *cx, const struct schedule *s, yaml_node_t *map,
    struct approval_rule *r)
{
	yaml_node_t *a = pn_get(cx, map, "approvers");
	yaml_node_t *q = pn_get(cx, map, "quorum");

	r->quorum = 1;
	if (a == NULL) {
		if (q)
			pn_error(cx, q, "'quorum' needs 'approvers'");
		return;
	}
	if (pn_strlist(cx, a, "approvers", &r->roles) != 0)
		return;
	struct strlist people = { 0 };
	const char *names[64];
	size_t nn = 0;
	for (size_t i = 0; i < s->nroles && nn < 64; i++)
		names[nn++] = s->roles[i].name;
	for (size_t i = 0; i < r->roles.n; i++) {
		const struct role *ro = find_role(s, r->roles.v[i]);
		if (ro == NULL) {
			const char *near = nearest(r->roles.v[i], names, nn);
			pn_error(cx, a, "'approvers' names undefined role '%s'%s%s%s",
			    r->roles.v[i], near ? " (did you mean '" : "",
			    near ? near : "", near ? "'?)" : " (define it in "
			    "'roles')");
			continue;
		}
		for (size_t u = 0; u < ro->users.n; u++)
			if (!strlist_has(&people, ro->users.v[u]))
				strlist_push(&people, ro->users.v[u]);
	}
	if (r->roles.n == 0)
		pn_error(cx, a, "'approvers' is empty");
	long long v = 1;
	if (pn_int(cx, q, "quorum", 1, 64, &v) == 0) {
		r->quorum = (int)v;
		if (q && people.n && (size_t)v > people.n)
			pn_error(cx, q, "quorum %lld is more than the %zu "
			    "people in its roles", v, people.n);
	}
	strlist_release(&people);
}

/* A bound: a local time, or a clock read against base. */
static int64_t
parse_bound(struct pctx *cx, const struct schedule *s, yaml_node_t *map,
    const char *key, int64_t base, bool after)
{
	yaml_node_t *n = pn_get(cx, map, key);
	char *e = NULL;
	int64_t us = 0;

	if (n == NULL || s->tz == NULL || s->start_us == 0)
		return 0;
	char *t = pn_str(cx, n, key);
	if (t && sched_time(s->tz, t, base, after, &us, &e) != 0) {
		pn_error(cx, n, "'%s': %s", key, e);
		us = 0;
	}
	free(e);
	free(t);
	return us;
}

static void
parse_plan_schedule(struct pctx *cx, struct schedule *s, yaml_node_t *n)
{
	static const char *const keys[] = { "start", "tz", "not_before",
		"not_after", NULL };

	if (n == NULL)
		return;
	if (!pn_is_map(n)) {
		pn_error(cx, n, "'schedule' must be a map like {start: "
		    "2026-12-05T02:00, tz: Europe/Moscow, not_after: \"04:00\"}");
		return;
	}
	pn_keys(cx, n, keys, "schedule");
	s->set = true;
	s->tz = pn_req_str(cx, n, "tz");
	if (s->tz && !sched_tz_valid(s->tz)) {
		pn_error(cx, pn_get(cx, n, "tz"), "unknown time zone '%s' (a "
		    "name of the TZ database, such as Europe/Moscow or UTC)",
		    s->tz);
		free(s->tz);
		s->tz = NULL;
	}
	char *st = pn_req_str(cx, n, "start");
	int h, m, sec;
	char *e = NULL;
	if (st && parse_clock(st, &h, &m, &sec))
		pn_error(cx, pn_get(cx, n, "start"), "'start' needs a date: "
		    "2026-12-05T%s", st);
	else if (st && s->tz && sched_time(s->tz, st, 0, false, &s->start_us,
	    &e) != 0)
		pn_error(cx, pn_get(cx, n, "start"), "'start': %s", e);
	free(e);
	free(st);
	if (s->start_us == 0)
		return;
	s->not_before_us = parse_bound(cx, s, n, "not_before", s->start_us,
	    false);
	if (s->not_before_us == 0)
		s->not_before_us = s->start_us;
	s->not_after_us = parse_bound(cx, s, n, "not_after", s->start_us, true);
	if (s->not_after_us && s->not_after_us <= s->not_before_us)
		pn_error(cx, pn_get(cx, n, "not_after"), "'not_after' is not "
		    "after the schedule's start");
	if (s->not_before_us > s->start_us)
		pn_error(cx, pn_get(cx, n, "not_before"), "'not_before' is after "
		    "'start'");
}

static void
parse_two_person(struct pctx *cx, struct schedule *s, yaml_node_t *n)
{
	static const char *const what[] = { "rollback", "force" };
	struct strlist l = { 0 };

	/*
	 * On an error pn_strlist keeps the items read before the bad one:
	 * they are ours ("[rollback, [x]]" leaked "rollback" and the array).
	 */
	if (n == NULL || pn_strlist(cx, n, "two_person", &l) != 0) {
		strlist_release(&l);
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.v[i], "rollback") == 0)
			s->two_rollback = true;
		else if (strcmp(l.v[i], "force") == 0)
			s->two_force = true;
		else {
			const char *near = nearest(l.v[i], what, 2);
			pn_error(cx, n, "'two_person': unknown action '%s' (%s%s%s)",
			    l.v[i], near ? "did you mean '" : "rollback or force",
			    near ? near : "", near ? "'?" : "");
		}
	}
	strlist_release(&l);
}

static void
parse_phase(struct pctx *cx, struct plan *p, struct schedule *s,
    yaml_node_t *pn, size_t idx)
{
	static const char *const keys[] = { "not_before", "not_after", NULL };
	struct sched_phase *sp = &s->phases[idx];
	struct phase *ph = &p->phases[idx];
	yaml_node_t *n = pn_get(cx, pn, "schedule");

	parse_rule(cx, s, pn, &sp->gate);
	if (sp->gate.roles.n && ph->gate.n == 0)
		pn_error(cx, pn_get(cx, pn, "approvers"), "'approvers' of phase "
		    "'%s' approve its gate: the phase needs a 'gate'", ph->id);
	if (n) {
		if (!pn_is_map(n)) {
			pn_error(cx, n, "a phase's 'schedule' must be a map like "
			    "{not_before: \"02:30\", not_after: \"03:30\"}");
		} else {
			pn_keys(cx, n, keys, "phase schedule");
			if (s->start_us == 0)
				pn_error(cx, n, "phase '%s' has a schedule but the "
				    "plan has no 'schedule: {start, tz}'", ph->id);
			/*
			 * A clock time: the first at or after the plan's
			 * start (start 23:00, "00:30" is the next night's).
			 */
			sp->not_before_us = parse_bound(cx, s, n, "not_before",
			    s->start_us - 1, true);
			int64_t base = sp->not_before_us ? sp->not_before_us :
			    s->start_us;
			sp->not_after_us = parse_bound(cx, s, n, "not_after",
			    base, true);
			if (sp->not_after_us && sp->not_after_us <= base)
				pn_error(cx, pn_get(cx, n, "not_after"),
				    "'not_after' is not after the phase's start");
		}
	}
	yaml_node_t *w = pn_get(cx, pn, "window");
	yaml_node_t *mx = pn_is_map(w) ? pn_get(cx, w, "max") : NULL;
	if (sched_is_clock(cx, mx)) {
		if (s->start_us == 0) {
			pn_error(cx, mx, "a window max as a clock time needs the "
			    "plan's 'schedule: {start, tz}'");
			return;
		}
		int64_t base = sp->not_before_us ? sp->not_before_us :
		    s->start_us;
		sp->window_max_at_us = parse_bound(cx, s, w, "max", base, true);
		/* Until the phase starts, the planned length is shown. */
		if (sp->window_max_at_us) {
			ph->window.set = true;
			ph->window.max_us = sp->window_max_at_us - base;
			if (ph->window.target_us > ph->window.max_us)
				pn_error(cx, mx, "window target is above its max");
		}
	}
}

static void
parse_check(struct pctx *cx, struct plan *p, struct schedule *s,
    yaml_node_t *cn, size_t idx)
{
	struct sched_check *sc = &s->checks[idx];
	const struct check *c = &p->checks[idx];
	yaml_node_t *d = pn_get(cx, cn, "due");

	parse_rule(cx, s, cn, &sc->approve);
	if (sc->approve.roles.n && strcmp(c->kind->name, "manual") != 0)
		pn_error(cx, pn_get(cx, cn, "approvers"), "'approvers' applies "
		    "to manual items only (check '%s' is kind %s)", c->id,
		    c->kind->name);
	if (d == NULL)
		return;
	char *t = pn_str(cx, d, "due"), *e = NULL;
	if (t == NULL)
		return;
	if (strncmp(t, "T-", 2) != 0 ||
	    parse_duration(t + 2, &sc->due_before_us, &e) != 0 ||
	    sc->due_before_us < 0)
		pn_error(cx, d, "'due' must be a time before the scheduled start "
		    "like T-48h or T-30m%s%s", e ? ": " : "", e ? e : "");
	else if (s->start_us == 0)
		pn_error(cx, d, "'due' counts back from the plan's 'schedule: "
		    "{start, tz}', which is missing");
	else
		sc->has_due = true;
	free(e);
	free(t);
}

void
schedule_parse(struct pctx *cx, yaml_node_t *root)
{
	struct plan *p = pn_plan(cx);
	struct schedule *s = xcalloc(1, sizeof(*s));

	p->sched = s;
	s->phases = xcalloc(p->nphases + 1, sizeof(*s->phases));
	s->checks = xcalloc(p->nchecks + 1, sizeof(*s->checks));
	parse_plan_schedule(cx, s, pn_get(cx, root, "schedule"));
	parse_roles(cx, s, pn_get(cx, root, "roles"));
	parse_two_person(cx, s, pn_get(cx, root, "two_person"));

	/* Nodes are matched to what plan.c made of them by id. */
	yaml_node_t *ps = pn_get(cx, root, "phases");
	for (size_t i = 0; pn_is_seq(ps) && i < pn_seq_len(ps); i++) {
		yaml_node_t *pn = pn_seq_item(cx, ps, i);
		yaml_node_t *id = pn_is_map(pn) ? pn_get(cx, pn, "id") : NULL;
		if (id == NULL || id->type != YAML_SCALAR_NODE)
			continue;
		const struct phase *ph = plan_phase(p,
		    (const char *)id->data.scalar.value);
		if (ph)
			parse_phase(cx, p, s, pn, (size_t)(ph - p->phases));
	}
	yaml_node_t *cs = pn_get(cx, root, "checks");
	for (size_t i = 0; pn_is_seq(cs) && i < pn_seq_len(cs); i++) {
		yaml_node_t *cn = pn_seq_item(cx, cs, i);
		yaml_node_t *id = pn_is_map(cn) ? pn_get(cx, cn, "id") : NULL;
		if (id == NULL || id->type != YAML_SCALAR_NODE)
			continue;
		const struct check *c = plan_check(p,
		    (const char *)id->data.scalar.value);
		if (c)
			parse_check(cx, p, s, cn, (size_t)(c - p->checks));
	}
}

static void
rule_free(struct approval_rule *r)
{
	strlist_release(&r->roles);
}

void
schedule_free(struct plan *p)
{
	struct schedule *s = p->sched;

	if (s == NULL)
		return;
	for (size_t i = 0; i < p->nphases; i++)
		rule_free(&s->phases[i].gate);
	for (size_t i = 0; i < p->nchecks; i++)
		rule_free(&s->checks[i].approve);
	for (size_t i = 0; i < s->nroles; i++) {
		free(s->roles[i].name);
		strlist_release(&s->roles[i].users);
	}
	free(s->roles);
	free(s->phases);
	free(s->checks);
	free(s->tz);
	free(s);
	p->sched = NULL;
}

const struct sched_phase *
sched_phase_of(const struct plan *p, const struct phase *ph)
{
	if (p->sched == NULL || ph < p->phases || ph >= p->phases + p->nphases)
		return NULL;
	return &p->sched->phases[ph - p->phases];
}

const struct sched_check *
sched_check_of(const struct check *c)
{
	const struct plan *p = c->plan;

	if (p == NULL || p->sched == NULL || c < p->checks ||
	    c >= p->checks + p->nchecks)
		return NULL;
	return &p->sched->checks[c - p->checks];
}

/* ---- the runbook's hooks --------------------------------------------- */

void
schedule_window(struct plan *p, const struct phase *ph, int64_t win_start_us)
{
	const struct sched_phase *sp = sched_phase_of(p, ph);

	if (sp == NULL || sp->window_max_at_us == 0 || win_start_us == 0)
		return;
	int64_t left = sp->window_max_at_us - win_start_us;
	p->phases[ph - p->phases].window.max_us = left > 0 ? left : 0;
}

/* The interval phase ph may start in: 0 for an open end. */
static void
allowed(const struct plan *p, const struct phase *ph, int64_t *from,
    int64_t *to)
{
	const struct schedule *s = p->sched;
	const struct sched_phase *sp = sched_phase_of(p, ph);

	*from = sp && sp->not_before_us ? sp->not_before_us : s->not_before_us;
	*to = sp && sp->not_after_us ? sp->not_after_us : s->not_after_us;
}

static bool
needs(const struct phase *ph, const char *id)
{
	return strlist_has(&ph->checks, id) || strlist_has(&ph->gate, id);
}

int
schedule_admit(const struct plan *p, const struct phase *ph,
    struct journal *j, int64_t run, const char *user, bool force,
    struct alerter *al, char **reason, char **errp)
{
	const struct schedule *s = p->sched;
	int64_t now = now_wall_us(), from, to;

	*reason = NULL;
	if (s == NULL || s->start_us == 0)
		return 0;
	allowed(p, ph, &from, &to);
	if ((from && now < from) || (to && now > to)) {
		char *a = from ? sched_fmt(s->tz, from) : NULL;
		char *b = to ? sched_fmt(s->tz, to) : NULL;
		char *n = sched_fmt(s->tz, now);
		char *m = xasprintf("phase '%s' may start %s%s%s%s%s; now is %s",
		    ph->id, a ? "from " : "", a ? a : "", a && b ? " to " : "",
		    b ? (a ? "" : "until ") : " on", b ? b : "", n);
		free(a);
		free(b);
		free(n);
		if (!force) {
			*reason = xasprintf("%s (start it then, or override "
			    "with --force)", m);
			free(m);
			return 1;
		}
		int rc = approve_two_person(p, j, "force", user, errp);
		if (rc != 0) {
			if (rc > 0)
				*reason = xasprintf("%s; --force needs a second "
				    "person's approval (two_person)", m);
			free(m);
			return rc;
		}
		printf("warning: %s; started anyway (--force)\n", m);
		fflush(stdout);
		rc = journal_decision(j, run, ph->id, "force-schedule", user,
		    "--force", m, errp);
		free(m);
		if (rc != 0)
			return -1;
	}
	/*
	 * An overdue human item blocks the phases that need it.  Any other
	 * check is done by passing, which the phase's own entry checks or
	 * gate are about to try: it is alerted, not blocked.
	 */
	size_t ni;
	struct citem *it = schedule_checklist(p, j, now, &ni);
	struct buf late = BUF_INIT;
	for (size_t i = 0; i < ni; i++) {
		if (it[i].state != ITEM_OVERDUE || !needs(ph, it[i].c->id))
			continue;
		bool human = strcmp(it[i].c->kind->name, "manual") == 0;
		char *d = sched_fmt(s->tz, it[i].due_us);
		char *m = xasprintf("checklist item '%s' was due at %s and is "
		    "not done", it[i].c->id, d);
		struct alert_event ev = { .event = "checklist.overdue",
			.phase = ph->id, .check = it[i].c->id, .status = "overdue",
			.message = m };
		alert_emit(al, &ev);
		char *e = NULL;
		if (journal_event(j, run, "checklist-overdue", ph->id, NULL, m,
		    &e) != 0) {
			errmsg("%s", e);
			free(e);
		}
		if (human)
			buf_addf(&late, "%s%s (due %s)", late.len ? ", " : "",
			    it[i].c->id, d);
		free(d);
		free(m);
	}
	citems_free(it, ni);
	if (late.len) {
		*reason = xasprintf("phase '%s' is blocked by overdue checklist "
		    "items: %s; do them, then resume", ph->id, late.s);
		buf_release(&late);
		return 1;
	}
	buf_release(&late);
	return 0;
}

/* ---- T-minus checklist ----------------------------------------------- */

#define DUE_SOON	(60LL * 60 * 1000000)

const char *
item_state_name(enum item_state s)
{
	static const char *const n[] = { "pending", "due", "overdue", "done" };
	return n[s];
}

static int
by_due(const void *a, const void *b)
{
	const struct citem *x = a, *y = b;

	if (x->due_us != y->due_us)
		return x->due_us < y->due_us ? -1 : 1;
	/* Then as the plan lists them: the seeds' checklists are ordered. */
	return x->c < y->c ? -1 : x->c > y->c;
}

/* Is item c done, according to j?  Fills who and when. */
static bool
item_done(const struct plan *p, struct journal *j, const struct check *c,
    const struct sched_check *sc, struct citem *it)
{
	char *e = NULL;
	bool done = false;

	if (j == NULL)
		return false;
	if (strcmp(c->kind->name, "manual") != 0) {
		done = journal_check_passed(j, c->id, &it->done_us, &e) == 0;
	} else if (sc->approve.roles.n) {
		char *who = NULL;
		int got = approve_count(p, j, c->id, &sc->approve, &who, &e);
		done = got >= sc->approve.quorum;
		if (done)
			it->by = who;
		else
			free(who);
	} else {
		struct jconfirm a;
		if (journal_confirmation(j, c->id, &a, &e) == 0) {
			done = a.yes;
			if (done) {
				it->by = a.user;
				a.user = NULL;
				it->done_us = a.at_us;
			}
			jconfirm_release(&a);
		}
	}
	free(e);
	return done;
}

struct citem *
schedule_checklist(const struct plan *p, struct journal *j, int64_t now_us,
    size_t *n)
{
	const struct schedule *s = p->sched;
	struct citem *v = xcalloc(p->nchecks + 1, sizeof(*v));

	*n = 0;
	if (s == NULL || s->start_us == 0)
		return v;
	for (size_t i = 0; i < p->nchecks; i++) {
		const struct sched_check *sc = &s->checks[i];
		if (!sc->has_due)
			continue;
		struct citem *it = &v[(*n)++];
		it->c = &p->checks[i];
		it->due_us = s->start_us - sc->due_before_us;
		if (item_done(p, j, it->c, sc, it))
			it->state = ITEM_DONE;
		else if (now_us > it->due_us)
			it->state = ITEM_OVERDUE;
		else if (now_us > it->due_us - DUE_SOON)
			it->state = ITEM_DUE;
		else
			it->state = ITEM_PENDING;
	}
	qsort(v, *n, sizeof(*v), by_due);
	return v;
}

void
citems_free(struct citem *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].by);
	free(v);
}

/* ---- status ---------------------------------------------------------- */

/* "T-48h" as the plan wrote it, from the duration. */
static char *
tminus(int64_t us)
{
	static const struct { const char *u; int64_t n; } units[] = {
		{ "h", 3600 }, { "m", 60 }, { "s", 1 },
	};
	int64_t sec = us / 1000000;
	struct buf b = BUF_INIT;

	buf_adds(&b, "T-");
	for (size_t i = 0; i < 3; i++) {
		if (sec >= units[i].n || (sec == 0 && i == 2 && b.len == 2)) {
			buf_addf(&b, "%lld%s", (long long)(sec / units[i].n),
			    units[i].u);
			sec %= units[i].n;
		}
	}
	return b.s;
}

/* Each phase gate's approvals: "phase cut: 1 of 2 (alice)". */
static void
gates_status(struct buf *b, bool json, const struct plan *p,
    struct journal *j)
{
	bool first = true;

	for (size_t i = 0; i < p->nphases; i++) {
		const struct approval_rule *r = &p->sched->phases[i].gate;
		char *who = NULL, *e = NULL, *subject;
		if (r->roles.n == 0)
			continue;
		subject = xasprintf("gate:%s", p->phases[i].id);
		int got = j ? approve_count(p, j, subject, r, &who, &e) : 0;
		if (got < 0)
			got = 0;
		char *roles = strlist_join(&r->roles, ", ");
		if (json) {
			buf_adds(b, first ? "" : ", ");
			buf_adds(b, "{");
			json_field(b, "phase", p->phases[i].id, false);
			json_field(b, "approvers", roles, true);
			buf_addf(b, ", \"quorum\": %d, \"approvals\": %d",
			    r->quorum, got);
			json_field(b, "by", who && *who ? who : NULL, true);
			buf_adds(b, "}");
		} else {
			buf_addf(b, "    gate of %-12s %d of %d from %s%s%s%s\n",
			    p->phases[i].id, got, r->quorum, roles,
			    got ? " (" : "", got ? who : "", got ? ")" : "");
		}
		first = false;
		free(roles);
		free(who);
		free(e);
		free(subject);
	}
}

void
schedule_status(struct buf *b, bool json, const struct plan *p,
    const char *path, int64_t now_us)
{
	const struct schedule *s = p->sched;
	struct journal *j = NULL;
	char *e = NULL;
	bool gates = false;

	if (s == NULL)
		return;
	for (size_t i = 0; i < p->nphases; i++)
		gates |= s->phases[i].gate.roles.n > 0;
	if (s->start_us == 0 && !gates)
		return;
	if (path && journal_open_ro(path, &j, &e) != 0)
		j = NULL;
	free(e);
	size_t n = 0;
	struct citem *it = schedule_checklist(p, j, now_us, &n);
	size_t count[4] = { 0 };
	for (size_t i = 0; i < n; i++)
		count[it[i].state]++;
	if (json) {
		buf_adds(b, ", \"schedule\": {");
		json_field(b, "tz", s->tz, false);
		json_time(b, "start", s->start_us, true);
		json_time(b, "not_before", s->not_before_us, true);
		json_time(b, "not_after", s->not_after_us, true);
		buf_addf(b, ", \"overdue\": %zu, \"due\": %zu, \"pending\": %zu, "
		    "\"done\": %zu, \"items\": [", count[ITEM_OVERDUE],
		    count[ITEM_DUE], count[ITEM_PENDING], count[ITEM_DONE]);
		for (size_t i = 0; i < n; i++) {
			char *t = tminus(s->start_us - it[i].due_us);
			buf_adds(b, i ? ", {" : "{");
			json_field(b, "id", it[i].c->id, false);
			json_field(b, "title", it[i].c->title, true);
			json_field(b, "kind", it[i].c->kind->name, true);
			json_field(b, "due", t, true);
			json_time(b, "due", it[i].due_us, true);
			json_field(b, "state", item_state_name(it[i].state), true);
			json_field(b, "by", it[i].by, true);
			buf_adds(b, "}");
			free(t);
		}
		buf_adds(b, "], \"gates\": [");
		gates_status(b, true, p, j);
		buf_adds(b, "]}");
	} else {
		if (s->start_us) {
			char *a = sched_fmt(s->tz, s->start_us);
			char *z = s->not_after_us ? sched_fmt(s->tz,
			    s->not_after_us) : NULL;
			buf_addf(b, "  schedule: start %s%s%s\n", a,
			    z ? ", not after " : "", z ? z : "");
			free(a);
			free(z);
		}
		if (n)
			buf_addf(b, "  checklist: %zu overdue, %zu due, %zu "
			    "pending, %zu done\n", count[ITEM_OVERDUE],
			    count[ITEM_DUE], count[ITEM_PENDING], count[ITEM_DONE]);
		for (size_t i = 0; i < n; i++) {
			char *t = tminus(s->start_us - it[i].due_us);
			char *d = sched_fmt(s->tz, it[i].due_us);
			buf_addf(b, "    %-8s %-20s %-7s due %s", item_state_name(
			    it[i].state), it[i].c->id, t, d);
			if (it[i].by)
				buf_addf(b, ", by %s", it[i].by);
			buf_addc(b, '\n');
			free(t);
			free(d);
		}
		if (gates) {
			buf_adds(b, "  approvals:\n");
			gates_status(b, false, p, j);
		}
	}
	citems_free(it, n);
	journal_close(j);
}

int
schedule_alert_overdue(const struct plan *p, const char *path, char **errp)
{
	struct journal *j = NULL;
	size_t n;
	int sent = 0;

	if (p->sched == NULL || p->sched->start_us == 0 || p->nalerts == 0)
		return 0;
	if (journal_open(path, true, &j, errp) != 0)
		return -1;
	struct citem *it = schedule_checklist(p, j, now_wall_us(), &n);
	struct alerter *al = alert_start(p, j, 0);
	for (size_t i = 0; i < n && sent >= 0; i++) {
		if (it[i].state != ITEM_OVERDUE)
			continue;
		int was = journal_alerted(j, "checklist.overdue", it[i].c->id,
		    errp);
		if (was < 0)
			sent = -1;
		if (was != 0)
			continue;
		char *d = sched_fmt(p->sched->tz, it[i].due_us);
		char *m = xasprintf("checklist item '%s' was due at %s and is not "
		    "done", it[i].c->id, d);
		struct alert_event ev = { .event = "checklist.overdue",
			.check = it[i].c->id, .status = "overdue", .message = m };
		alert_emit(al, &ev);
		fprintf(stderr, "alerted: %s\n", m);
		free(d);
		free(m);
		sent++;
	}
	citems_free(it, n);
	int nf = alert_stop(al, ALERT_DRAIN_US);
	if (nf > 0 && sent >= 0)
		errmsg("alerts: %d deliver%s failed; the next --alert retries",
		    nf, nf == 1 ? "y" : "ies");
	journal_close(j);
	return sent;
}
