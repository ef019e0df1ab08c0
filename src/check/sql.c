/*
 * sql.c - kind `sql`: run a query and judge its scalar result, or run it
 * on two databases and require the same scalar on both.
 *
 *   { kind: sql, target: dst, query: "SELECT count(*) FROM users",
 *     expect: "> 0" }
 *   { kind: sql, query: "SELECT max(id) FROM trips",
 *     compare: { source: src, target: dst } }
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../db.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"

struct sql_conf {
	const struct url *target;
	char		*query;
	bool		 has_expect;
	struct cmp	 expect;
	const struct url *cmp_src, *cmp_dst;
};

static const char *const keys[] = { "target", "query", "expect", "compare",
	NULL };

static int
sql_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct sql_conf *s = xcalloc(1, sizeof(*s));
	yaml_node_t *cmp = pn_get(cx, map, "compare");
	yaml_node_t *ex = pn_get(cx, map, "expect");
	int rc = 0;

	c->priv = s;
	s->query = pn_req_str(cx, map, "query");
	if (cmp) {
		if (!pn_is_map(cmp)) {
			pn_error(cx, cmp, "'compare' must be a map {source: A, "
			    "target: B}");
			return -1;
		}
		if (pn_get(cx, map, "target") || ex) {
			pn_error(cx, cmp, "'compare' replaces 'target' and 'expect'; "
			    "give one or the other");
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
		if (ex) {
			s->has_expect = true;
			rc |= pn_cmp(cx, ex, "expect", &s->expect);
		}
	}
	const struct url *us[] = { s->target, s->cmp_src, s->cmp_dst };
	for (int i = 0; i < 3; i++) {
		if (us[i] && db_driver_for(us[i]->scheme) == NULL) {
			pn_error(cx, map, "check '%s': '%s' is not a database URL",
			    c->id, us[i]->safe);
			rc = -1;
		}
	}
	return s->query ? rc : -1;
}

/* The query's scalar on u, or NULL with *errp. */
static int
scalar_on(const struct check *c, const struct url *u, char **val,
    bool *isnull, char **errp)
{
	struct db *d = NULL;
	const struct sql_conf *s = c->priv;

	if (db_connect(u, c->timeout_us, &d, errp) != 0)
		return -1;
	int rc = db_scalar(d, s->query, val, errp);
	*isnull = rc == 0 && *val == NULL;
	db_close(d);
	return rc;
}

static void
sql_run(const struct check *c, struct result *r)
{
	const struct sql_conf *s = c->priv;
	char *e = NULL, *a = NULL, *b = NULL;
	bool na = false, nb = false;

	if (s->cmp_src) {
		result_threshold(r, "same value on both sides");
		if (scalar_on(c, s->cmp_src, &a, &na, &e) != 0 ||
		    scalar_on(c, s->cmp_dst, &b, &nb, &e) != 0) {
			result_set(r, ST_FAIL, "%s", e);
			goto out;
		}
		const char *sa = na ? "NULL" : a, *sb = nb ? "NULL" : b;
		result_observed(r, "%s / %s", sa, sb);
		if (na != nb || (!na && strcmp(a, b) != 0))
			result_set(r, ST_FAIL, "source has %s, target has %s", sa, sb);
		else
			result_set(r, ST_PASS, "both sides have %s", sa);
		goto out;
	}
	if (scalar_on(c, s->target, &a, &na, &e) != 0) {
		result_set(r, ST_FAIL, "%s", e);
		goto out;
	}
	result_observed(r, "%s", na ? "NULL" : a);
	if (!s->has_expect) {
		result_set(r, ST_PASS, "query returned %s", na ? "NULL" : a);
		goto out;
	}
	result_threshold(r, "%s %s", cmp_opstr(s->expect.op), s->expect.text);
	if (!na && cmp_eval(&s->expect, a))
		result_set(r, ST_PASS, "query returned %s", a);
	else
		result_set(r, ST_FAIL, "query returned %s, expected %s %s",
		    na ? "NULL" : a, cmp_opstr(s->expect.op), s->expect.text);
out:
	free(a);
	free(b);
	free(e);
}

static void
sql_free(void *p)
{
	struct sql_conf *s = p;

	free(s->query);
	cmp_free(&s->expect);
	free(s);
}

const struct check_kind check_sql = {
	.name = "sql",
	.summary = "a query's scalar against expect, or equal on two databases",
	.keys = keys,
	.parse = sql_parse,
	.run = sql_run,
	.free = sql_free,
};
