/*
 * sql.c - kind `sql`: run a query and judge its scalar result, or run it
 * on two databases and require the same scalar on both; and three
 * questions about the server itself.
 *
 *   { kind: sql, target: dst, query: "SELECT count(*) FROM users",
 *     expect: "> 0" }
 *   { kind: sql, query: "SELECT max(id) FROM trips",
 *     compare: { source: src, target: dst } }
 *   { kind: sql, target: dst, max_connections_used: 80%,
 *     version: ">= 10.6", tables_exist: [users, trips] }
 *
 * max_connections_used is the seeds' "connection pool near capacity":
 * client connections now over the server's max_connections, failing at or
 * past the given share (PostgreSQL: client backends in pg_stat_activity;
 * MariaDB/MySQL: Threads_connected).  version compares the server's
 * version component by component ("10.11.6" >= "8.0"; an "==" with fewer
 * components is a prefix: "== 15" is any 15.x).  tables_exist is the
 * XFChat plan's validate_migration: every listed table can be selected
 * from.  The query, expect, and these keys may be combined in one check;
 * every part is reported in the detail, the first failure in the message.
 *
 * The check's value (for watches' `value` and percentile rules), chosen
 * with `value:`: `time` (default) the seconds its statements took on the
 * open connection, connecting excluded as `latency` does it (the seeds'
 * "DB query < 50 ms"; with compare, the slower side); `result` the
 * query's one value as a number, or with `rows` the row count (a pool's
 * or a queue's size); `connections` the share of max_connections in use,
 * in percent (85 for 85%).  Lint refuses a rule written in the other
 * unit: "> 5" on a time is ambiguous enough to be a mistake.
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../db.h"
#include "../lib/error.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"

#define VER_PARTS 4

struct sql_conf {
	const struct url *target;
	char		*query;
	bool		 has_expect;
	struct cmp	 expect;
	bool		 has_rows;
	struct cmp	 rows;		/* a row count comparison */
	const struct url *cmp_src, *cmp_dst;
	bool		 has_maxconn;
	double		 maxconn_pct;
	bool		 has_version;
	enum cmp_op	 ver_op;
	long		 ver[VER_PARTS];
	int		 ver_n;		/* components written */
	char		*ver_text;
	struct strlist	 tables;
	enum { SQLV_TIME, SQLV_RESULT, SQLV_CONN } value;
};

static const char *const keys[] = { "target", "query", "expect", "rows",
	"compare", "max_connections_used", "version", "tables_exist", "value",
	NULL };

/*
 * `expect` and `compare` judge one value: a result of any other shape is
 * an error naming it.  Up to this many rows are counted for the message;
 * past it the statement is canceled ("more than 1000 rows").
 */
#define SHAPE_ROWS	1000

/*
 * "[op] 1.2.3" -> op and up to VER_PARTS numbers.  A bare version means
 * "==".  0 or -1.
 */
static int
parse_version_cmp(const char *s, enum cmp_op *op, long *v, int *n)
{
	static const struct { const char *t; enum cmp_op op; } ops[] = {
		{ ">=", CMP_GE }, { "<=", CMP_LE }, { "==", CMP_EQ },
		{ "!=", CMP_NE }, { ">", CMP_GT }, { "<", CMP_LT },
		{ "=", CMP_EQ },
	};

	*op = CMP_EQ;
	while (isspace((unsigned char)*s))
		s++;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t l = strlen(ops[i].t);
		if (strncmp(s, ops[i].t, l) == 0) {
			*op = ops[i].op;
			s += l;
			break;
		}
	}
	while (isspace((unsigned char)*s))
		s++;
	*n = 0;
	for (;;) {
		if (!isdigit((unsigned char)*s) || *n == VER_PARTS)
			return -1;
		char *end;
		v[(*n)++] = strtol(s, &end, 10);
		s = end;
		if (*s != '.')
			break;
		s++;
	}
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0' ? 0 : -1;
}

static int
sql_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct sql_conf *s = xcalloc(1, sizeof(*s));
	yaml_node_t *cmp = pn_get(cx, map, "compare");
	yaml_node_t *ex = pn_get(cx, map, "expect");
	yaml_node_t *rw = pn_get(cx, map, "rows");
	yaml_node_t *mc = pn_get(cx, map, "max_connections_used");
	yaml_node_t *vn = pn_get(cx, map, "version");
	yaml_node_t *te = pn_get(cx, map, "tables_exist");
	bool server_q = mc || vn || te;
	char *e = NULL;
	int rc = 0;

	c->priv = s;
	if (server_q && pn_get(cx, map, "query") == NULL)
		s->query = NULL;
	else
		s->query = pn_req_str(cx, map, "query");
	if (cmp) {
		if (!pn_is_map(cmp)) {
			pn_error(cx, cmp, "'compare' must be a map {source: A, "
			    "target: B}");
			return -1;
		}
		if (pn_get(cx, map, "target") || ex || rw) {
			pn_error(cx, cmp, "'compare' replaces 'target', 'expect' "
			    "and 'rows'; give one or the other");
			rc = -1;
		}
		if (server_q) {
			pn_error(cx, cmp, "'compare' cannot be combined with "
			    "max_connections_used, version or tables_exist");
			rc = -1;
		}
		s->cmp_src = pn_target(cx, cmp, "source", true);
		s->cmp_dst = pn_target(cx, cmp, "target", true);
		if (!s->cmp_src || !s->cmp_dst)
			rc = -1;
	} else {
		s->target = pn_target(cx, map, "target", true);
		if (s->target == NULL)
			rc = -1;
		if (ex && s->query == NULL) {
			pn_error(cx, ex, "'expect' judges the result of 'query', "
			    "which is missing");
			rc = -1;
		} else if (ex) {
			s->has_expect = true;
			rc |= pn_cmp(cx, ex, "expect", &s->expect);
		}
		if (rw && s->query == NULL) {
			pn_error(cx, rw, "'rows' judges the result of 'query', "
			    "which is missing");
			rc = -1;
		} else if (rw && ex) {
			pn_error(cx, rw, "give 'expect' (one value) or 'rows' (a "
			    "row count), not both");
			rc = -1;
		} else if (rw) {
			s->has_rows = true;
			if (pn_cmp(cx, rw, "rows", &s->rows) != 0)
				rc = -1;
			else if (!s->rows.numeric || s->rows.num < 0 ||
			    s->rows.num != (double)(long long)s->rows.num) {
				pn_error(cx, rw, "'rows' compares a row count: a "
				    "whole number, like 0 or \">= 1\" (got '%s')",
				    s->rows.text);
				rc = -1;
			}
		}
	}
	char *m = pn_str(cx, mc, "max_connections_used");
	if (m && parse_percent(m, &s->maxconn_pct, &e) != 0) {
		pn_error(cx, mc, "'max_connections_used': %s", e);
		free(e);
		e = NULL;
		rc = -1;
	} else if (m) {
		s->has_maxconn = true;
	} else if (mc) {
		rc = -1;
	}
	free(m);
	s->ver_text = pn_str(cx, vn, "version");
	if (s->ver_text && parse_version_cmp(s->ver_text, &s->ver_op, s->ver,
	    &s->ver_n) != 0) {
		pn_error(cx, vn, "'version': bad version comparison '%s' "
		    "(expected e.g. \">= 8.0\" or \"15\")", s->ver_text);
		rc = -1;
	} else if (s->ver_text) {
		s->has_version = true;
	} else if (vn) {
		rc = -1;
	}
	rc |= pn_strlist(cx, te, "tables_exist", &s->tables);
	if (te && s->tables.n == 0 && rc == 0) {
		pn_error(cx, te, "'tables_exist' is empty");
		rc = -1;
	}
	const struct url *us[] = { s->target, s->cmp_src, s->cmp_dst };
	for (int i = 0; i < 3; i++) {
		if (us[i] && db_driver_for(us[i]->scheme) == NULL) {
			pn_error(cx, map, "check '%s': '%s' is not a database URL",
			    c->id, us[i]->safe);
			rc = -1;
		}
	}
	if (s->has_maxconn && s->target && db_driver_for(s->target->scheme) &&
	    db_driver_for(s->target->scheme)->available &&
	    db_driver_for(s->target->scheme)->connections == NULL) {
		pn_error(cx, mc, "'max_connections_used' needs a server "
		    "(PostgreSQL or MariaDB/MySQL), not SQLite");
		rc = -1;
	}
	yaml_node_t *vk = pn_get(cx, map, "value");
	char *vs = pn_str(cx, vk, "value");
	if (vs && strcmp(vs, "time") == 0) {
		s->value = SQLV_TIME;
	} else if (vs && strcmp(vs, "result") == 0) {
		s->value = SQLV_RESULT;
		if (s->query == NULL || s->cmp_src) {
			pn_error(cx, vk, "'value: result' is the number 'query' "
			    "returns on 'target'; this check has %s",
			    s->cmp_src ? "'compare'" : "no 'query'");
			rc = -1;
		}
	} else if (vs && strcmp(vs, "connections") == 0) {
		s->value = SQLV_CONN;
		if (!s->has_maxconn) {
			pn_error(cx, vk, "'value: connections' is the share of "
			    "connections in use: it needs 'max_connections_used'");
			rc = -1;
		}
	} else if (vs) {
		pn_error(cx, vk, "'value' is one of time (the seconds the "
		    "statements took), result (the query's number) or "
		    "connections (the share in use, in percent); got '%s'", vs);
		rc = -1;
	} else if (vk) {
		rc = -1;
	}
	free(vs);
	return s->query || server_q ? rc : -1;
}

/* The value as a number ("42", "0.5", " 7 "); false for NULL or text. */
static bool
numeric(const char *v, double *out)
{
	char *end;

	if (v == NULL)
		return false;
	while (isspace((unsigned char)*v))
		v++;
	*out = strtod(v, &end);
	while (isspace((unsigned char)*end))
		end++;
	return end != v && *end == '\0' && isfinite(*out);
}

static void
set_value(struct result *r, double v)
{
	r->has_value = true;
	r->value = v;
}

/* "2 rows × 1 column" */
static char *
shape(const struct db_sample *sm)
{
	if (sm->rows == 0 && sm->ncols == 0)
		return xstrdup("0 rows");	/* columns unknown without a row */
	return xasprintf("%s%lld row%s × %zu column%s", sm->more ?
	    "more than " : "", sm->rows, sm->rows == 1 && !sm->more ? "" : "s",
	    sm->ncols, sm->ncols == 1 ? "" : "s");
}

/*
 * The query's one value into *val (NULL for SQL NULL); any other shape
 * is an error naming it.
 */
static int
scalar(struct db *d, const struct check *c, char **val, char **errp)
{
	const struct sql_conf *s = c->priv;
	struct db_sample sm;

	*val = NULL;
	if (db_sample(d, s->query, c->timeout_us, SHAPE_ROWS, &sm, errp) != 0)
		return -1;
	if (sm.rows != 1 || sm.more || sm.ncols > 1) {
		char *sh = shape(&sm);
		seterr(errp, "query on %s returned %s; one value was expected "
		    "(use 'rows' to judge a row count)", d->what, sh);
		free(sh);
		free(sm.first);
		return -1;
	}
	if (sm.first_cut) {
		free(sm.first);
		return seterr(errp, "query on %s returned a value longer than "
		    "%d bytes (truncated): not compared", d->what, DB_VALUE_MAX);
	}
	*val = sm.first;
	return 0;
}

/* The query's scalar on u, or -1 with *errp. */
static int
scalar_on(const struct check *c, const struct url *u, char **val,
    bool *isnull, int64_t *took_us, char **errp)
{
	struct db *d = NULL;

	if (db_connect_client_timeout(u, c->timeout_us, &d, errp) != 0)
		return -1;
	int64_t t0 = now_mono_us();
	int rc = scalar(d, c, val, errp);
	*took_us = now_mono_us() - t0;
	*isnull = rc == 0 && *val == NULL;
	db_close(d);
	return rc;
}

static void
run_compare(const struct check *c, struct result *r)
{
	const struct sql_conf *s = c->priv;
	char *e = NULL, *a = NULL, *b = NULL;
	bool na = false, nb = false;
	int64_t ta = 0, tb = 0;

	result_threshold(r, "same value on both sides");
	if (scalar_on(c, s->cmp_src, &a, &na, &ta, &e) != 0 ||
	    scalar_on(c, s->cmp_dst, &b, &nb, &tb, &e) != 0) {
		result_set(r, ST_FAIL, "%s", e);
		goto out;
	}
	set_value(r, (double)(ta > tb ? ta : tb) / US_PER_S);
	const char *sa = na ? "NULL" : a, *sb = nb ? "NULL" : b;
	result_observed(r, "%s / %s", sa, sb);
	if (na != nb || (!na && strcmp(a, b) != 0))
		result_set(r, ST_FAIL, "source has %s, target has %s", sa, sb);
	else
		result_set(r, ST_PASS, "both sides have %s", sa);
out:
	free(a);
	free(b);
	free(e);
}

/* The parts of a combined check: each adds to these. */
struct parts {
	struct buf	 observed, threshold, detail;
	char		*fail;		/* the first failure, for the message */
	struct buf	 ok;		/* what passed, for the message */
};

static void
part_fail(struct parts *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
part_fail(struct parts *p, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	buf_addf(&p->detail, "%sFAIL: %s", p->detail.len ? "\n" : "", m);
	if (p->fail == NULL)
		p->fail = m;
	else
		free(m);
}

static void
part_ok(struct parts *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
part_ok(struct parts *p, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	buf_addf(&p->detail, "%sok: %s", p->detail.len ? "\n" : "", m);
	buf_addf(&p->ok, "%s%s", p->ok.len ? "; " : "", m);
	free(m);
}

static void
sep(struct buf *b)
{
	if (b->len)
		buf_adds(b, "; ");
}

/* The share in use in percent, or -1 when it could not be read. */
static double
do_maxconn(struct db *d, const struct sql_conf *s, struct parts *p)
{
	struct { bool got; long long used, max; } cr = { 0 };
	char *e = NULL;
	int rc;

	sep(&p->threshold);
	buf_addf(&p->threshold, "connections < %g%%", s->maxconn_pct);
	if (d->drv->connections == NULL)
		rc = seterr(&e, "%s has no connection limit", d->drv->name);
	else if ((rc = d->drv->connections(d, &cr.used, &cr.max, &e)) == 0)
		cr.got = true;
	if (rc != 0 || !cr.got || cr.max <= 0) {
		part_fail(p, "cannot read connections in use: %s", e ? e :
		    "no figures returned");
		free(e);
		return -1;
	}
	double pct = 100.0 * (double)cr.used / (double)cr.max;
	sep(&p->observed);
	buf_addf(&p->observed, "%lld/%lld connections (%.0f%%)", cr.used,
	    cr.max, pct);
	if (pct >= s->maxconn_pct)
		part_fail(p, "%lld of %lld connections in use (%.0f%%), at or "
		    "past %g%%", cr.used, cr.max, pct, s->maxconn_pct);
	else
		part_ok(p, "%lld of %lld connections in use (%.0f%%)", cr.used,
		    cr.max, pct);
	return pct;
}

static bool
version_ok(const struct sql_conf *s, const long *have, int nhave)
{
	int n = s->ver_op == CMP_EQ || s->ver_op == CMP_NE ? s->ver_n :
	    VER_PARTS;
	int c = 0;

	for (int i = 0; i < n && c == 0; i++) {
		long a = i < nhave ? have[i] : 0;
		long b = i < s->ver_n ? s->ver[i] : 0;
		c = a < b ? -1 : a > b;
	}
	switch (s->ver_op) {
	case CMP_EQ: return c == 0;
	case CMP_NE: return c != 0;
	case CMP_LT: return c < 0;
	case CMP_LE: return c <= 0;
	case CMP_GT: return c > 0;
	case CMP_GE: return c >= 0;
	}
	return false;
}

static void
do_version(struct db *d, const struct sql_conf *s, struct parts *p)
{
	long v = 0, have[VER_PARTS] = { 0 };
	char *e = NULL;
	struct buf t = BUF_INIT;

	sep(&p->threshold);
	buf_addf(&p->threshold, "version %s", s->ver_text);
	if (d->drv->version(d, &v, &e) != 0) {
		part_fail(p, "%s", e);
		free(e);
		return;
	}
	int n = d->drv->version_parts(v, have);
	for (int i = 0; i < n; i++)
		buf_addf(&t, "%s%ld", i ? "." : "", have[i]);
	sep(&p->observed);
	buf_addf(&p->observed, "%s %s", d->drv->name, t.s);
	if (version_ok(s, have, n))
		part_ok(p, "%s %s satisfies %s", d->drv->name, t.s, s->ver_text);
	else
		part_fail(p, "server is %s %s, expected version %s",
		    d->drv->name, t.s, s->ver_text);
	buf_release(&t);
}

/*
 * The tables that failed the probe, by cause: the engine's error code
 * tells a table that is not there from one the user may not read and from
 * a probe the timeout ended (a lock held by a migration), which says
 * nothing about the table.  A cause the engine does not tell (SQLite has
 * one code for "no such table" and a bad statement) counts as missing.
 */
struct tfail {
	struct buf	 names;
	size_t		 n;
	char		*why;		/* the first one's error */
};

static void
tfail_add(struct tfail *f, const char *name, char *e)
{
	buf_addf(&f->names, "%s%s", f->n++ ? ", " : "", name);
	if (f->why == NULL)
		f->why = e;
	else
		free(e);
}

static void
do_tables(struct db *d, const struct sql_conf *s, int64_t timeout_us,
    struct parts *p)
{
	struct tfail miss = { BUF_INIT, 0, NULL }, slow = miss, denied = miss;

	sep(&p->threshold);
	buf_addf(&p->threshold, "%zu table%s exist%s", s->tables.n,
	    s->tables.n == 1 ? "" : "s", s->tables.n == 1 ? "s" : "");
	for (size_t i = 0; i < s->tables.n; i++) {
		struct buf q = BUF_INIT;
		char *e = NULL;
		/* Selecting nothing works on every engine, views included. */
		buf_adds(&q, "SELECT 1 FROM ");
		db_quote_name(d, &q, s->tables.v[i]);
		buf_adds(&q, " WHERE 1 = 0");
		/*
		 * With the check's timeout: a table held by an ACCESS
		 * EXCLUSIVE lock (a migration's ALTER) must not hang it.
		 */
		struct db_sample sm;
		int rc = db_sample(d, q.s, timeout_us, 0, &sm, &e);
		free(sm.first);
		if (rc != 0)
			tfail_add(d->fail == DB_FAIL_TIMEOUT ? &slow :
			    d->fail == DB_FAIL_DENIED ? &denied : &miss,
			    s->tables.v[i], e);
		else
			free(e);
		buf_release(&q);
	}
	size_t bad = miss.n + slow.n + denied.n;
	sep(&p->observed);
	buf_addf(&p->observed, "%zu/%zu tables", s->tables.n - bad,
	    s->tables.n);
	/* One message: each cause is a different fix. */
	struct buf m = BUF_INIT;
	if (miss.n)
		buf_addf(&m, "%zu of %zu tables missing: %s (%s)", miss.n,
		    s->tables.n, miss.names.s, miss.why);
	if (denied.n)
		buf_addf(&m, "%s%zu of %zu tables not readable: %s (%s)",
		    m.len ? "; " : "", denied.n, s->tables.n,
		    denied.names.s, denied.why);
	if (slow.n)
		buf_addf(&m, "%s%zu of %zu tables not probed, the probe timed "
		    "out (a lock?): %s (%s)", m.len ? "; " : "", slow.n,
		    s->tables.n, slow.names.s, slow.why);
	if (bad)
		part_fail(p, "%s", m.s);
	buf_release(&m);
	if (bad == 0)
		part_ok(p, "%s %zu table%s exist%s", s->tables.n == 1 ? "the" :
		    "all", s->tables.n, s->tables.n == 1 ? "" : "s",
		    s->tables.n == 1 ? "s" : "");
	struct tfail *all[] = { &miss, &slow, &denied };
	for (size_t i = 0; i < 3; i++) {
		buf_release(&all[i]->names);
		free(all[i]->why);
	}
}

static void
sql_run(const struct check *c, struct result *r)
{
	const struct sql_conf *s = c->priv;
	struct parts p = { BUF_INIT, BUF_INIT, BUF_INIT, NULL, BUF_INIT };
	struct db *d = NULL;
	char *e = NULL, *a = NULL;

	if (s->cmp_src) {
		run_compare(c, r);
		return;
	}
	if (db_connect_client_timeout(s->target, c->timeout_us, &d, &e) != 0) {
		result_set(r, ST_FAIL, "%s", e);
		goto out;
	}
	int64_t t0 = now_mono_us();
	double got = 0;		/* value: result or connections */
	bool have = false;
	if (s->query && s->has_rows) {
		struct db_sample sm;
		if (db_sample(d, s->query, c->timeout_us, LLONG_MAX, &sm,
		    &e) != 0) {
			result_set(r, ST_FAIL, "%s", e);
			goto out;
		}
		free(sm.first);
		got = (double)sm.rows;
		have = !sm.more;
		char *sh = shape(&sm);
		char n[32];
		snprintf(n, sizeof(n), "%lld", sm.rows);
		buf_addf(&p.observed, "%lld row%s", sm.rows, sm.rows == 1 ?
		    "" : "s");
		buf_addf(&p.threshold, "rows %s %s", cmp_opstr(s->rows.op),
		    s->rows.text);
		if (cmp_eval(&s->rows, n))
			part_ok(&p, "query returned %s", sh);
		else
			part_fail(&p, "query returned %s, expected rows %s %s",
			    sh, cmp_opstr(s->rows.op), s->rows.text);
		free(sh);
	} else if (s->query && s->has_expect) {
		if (scalar(d, c, &a, &e) != 0) {
			result_set(r, ST_FAIL, "%s", e);
			goto out;
		}
		const char *sa = a ? a : "NULL";
		have = numeric(a, &got);
		buf_adds(&p.observed, sa);
		buf_addf(&p.threshold, "%s %s", cmp_opstr(s->expect.op),
		    s->expect.text);
		if (a && cmp_eval(&s->expect, a))
			part_ok(&p, "query returned %s", sa);
		else
			part_fail(&p, "query returned %s, expected %s %s",
			    sa, cmp_opstr(s->expect.op), s->expect.text);
	} else if (s->query) {
		/* No judgement asked: the query must run; say what it gave. */
		struct db_sample sm;
		if (db_sample(d, s->query, c->timeout_us, SHAPE_ROWS, &sm,
		    &e) != 0) {
			result_set(r, ST_FAIL, "%s", e);
			goto out;
		}
		if (sm.rows == 1 && !sm.more && sm.ncols <= 1) {
			const char *sa = sm.first ? sm.first : "NULL";
			have = !sm.first_cut && numeric(sm.first, &got);
			buf_addf(&p.observed, "%s%s", sa, sm.first_cut ?
			    " ... (truncated)" : "");
			part_ok(&p, "query returned %s%s", sa, sm.first_cut ?
			    " ... (truncated)" : "");
		} else {
			char *sh = shape(&sm);
			buf_adds(&p.observed, sh);
			part_ok(&p, "query returned %s", sh);
			free(sh);
		}
		free(sm.first);
	}
	if (s->has_maxconn) {
		double pct = do_maxconn(d, s, &p);
		if (s->value == SQLV_CONN && pct >= 0) {
			got = pct;
			have = true;
		}
	}
	if (s->has_version)
		do_version(d, s, &p);
	if (s->tables.n)
		do_tables(d, s, c->timeout_us, &p);
	if (s->value == SQLV_TIME)
		set_value(r, (double)(now_mono_us() - t0) / US_PER_S);
	else if (have)
		set_value(r, got);	/* else no value: NULL, text, a failure */
	result_observed(r, "%s", p.observed.s);
	if (p.threshold.len)
		result_threshold(r, "%s", p.threshold.s);
	/* One part: its line is the message already; several: list them. */
	int nparts = (s->query != NULL) + s->has_maxconn + s->has_version +
	    (s->tables.n > 0);
	if (nparts > 1)
		result_detail(r, "%s", p.detail.s);
	if (p.fail)
		result_set(r, ST_FAIL, "%s", p.fail);
	else
		result_set(r, ST_PASS, "%s", p.ok.s);
out:
	db_close(d);
	free(a);
	free(e);
	free(p.fail);
	buf_release(&p.observed);
	buf_release(&p.threshold);
	buf_release(&p.detail);
	buf_release(&p.ok);
}

static void
sql_free(void *p)
{
	struct sql_conf *s = p;

	free(s->query);
	cmp_free(&s->expect);
	cmp_free(&s->rows);
	free(s->ver_text);
	strlist_release(&s->tables);
	free(s);
}

static const char *
sql_value_refuse(const struct check *c, const struct vcmp *v)
{
	const struct sql_conf *s = c->priv;

	if (s->value == SQLV_TIME && !v->duration)
		return "an sql check's value is the seconds its statements took: "
		    "write a duration (\"< 50ms\"), or set 'value: result' on "
		    "the check to judge the number its query returns";
	if (s->value != SQLV_TIME && v->duration)
		return s->value == SQLV_RESULT ? "with 'value: result' the "
		    "value is the number the query returns, not a time" :
		    "with 'value: connections' the value is the share of "
		    "connections in use in percent (write 80 for 80%), not a "
		    "time";
	return NULL;
}

const struct check_kind check_sql = {
	.name = "sql",
	.summary = "a query's scalar vs expect or on two databases; pool use, "
	    "version, tables",
	.keys = keys,
	.parse = sql_parse,
	.run = sql_run,
	.free = sql_free,
	.value = "seconds its statements took (value: time), the query's "
	    "number (value: result) or the share of connections in use "
	    "(value: connections)",
	.value_refuse = sql_value_refuse,
};
