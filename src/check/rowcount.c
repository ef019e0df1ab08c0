/*
 * rowcount.c - kind `row-count`: the seeds' "verify row counts match
 * after import".  COUNT(*) of each table on both sides, one line per
 * table in the result.  Counts say nothing about content: data-diff does.
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../db.h"
#include "../lib/util.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"

struct rc_conf {
	const struct url *src, *dst;
	struct strlist	 tables;
};

static const char *const keys[] = { "source", "target", "tables", NULL };

static int
rc_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct rc_conf *k = xcalloc(1, sizeof(*k));
	int rc = 0;

	c->priv = k;
	k->src = pn_target(cx, map, "source", true);
	k->dst = pn_target(cx, map, "target", true);
	yaml_node_t *t = pn_get(cx, map, "tables");
	if (t == NULL) {
		pn_error(cx, map, "check '%s': missing 'tables' (the tables whose "
		    "row counts must match)", c->id);
		rc = -1;
	}
	rc |= pn_strlist(cx, t, "tables", &k->tables);
	if (t && k->tables.n == 0) {
		pn_error(cx, t, "'tables' is empty");
		rc = -1;
	}
	/* `schema.table`, or a quoted part for a name with a dot. */
	for (size_t i = 0; i < k->tables.n; i++) {
		struct db_tname tn;
		char *e = NULL;
		if (db_tname_parse(k->tables.v[i], &tn, &e) != 0) {
			pn_error(cx, t, "check '%s': %s", c->id, e);
			free(e);
			rc = -1;
		}
		db_tname_release(&tn);
	}
	const struct url *us[] = { k->src, k->dst };
	for (int i = 0; i < 2; i++) {
		if (us[i] && db_driver_for(us[i]->scheme) == NULL) {
			pn_error(cx, map, "check '%s': '%s' is not a database URL",
			    c->id, us[i]->safe);
			rc = -1;
		}
	}
	return k->src && k->dst ? rc : -1;
}

static int
count(struct db *d, const char *table, long long *n, char **errp)
{
	struct buf q = BUF_INIT;
	struct db_tname tn;
	char *v = NULL;

	if (db_tname_resolve(d, table, &tn, errp) != 0)
		return -1;
	buf_adds(&q, "SELECT COUNT(*) FROM ");
	db_quote_tname(d, &q, &tn);
	db_tname_release(&tn);
	int rc = db_scalar(d, q.s, &v, errp);
	buf_release(&q);
	if (rc == 0)
		*n = v ? strtoll(v, NULL, 10) : 0;
	free(v);
	return rc;
}

static void
rc_run(const struct check *c, struct result *r)
{
	const struct rc_conf *k = c->priv;
	struct db *s = NULL, *d = NULL;
	char *e = NULL;
	struct buf detail = BUF_INIT, bad = BUF_INIT;
	size_t ndiff = 0;
	long long total_s = 0, total_d = 0;

	result_threshold(r, "equal counts");
	if (db_connect(k->src, c->timeout_us, &s, &e) != 0 ||
	    db_connect(k->dst, c->timeout_us, &d, &e) != 0) {
		result_set(r, ST_FAIL, "%s", e);
		goto out;
	}
	for (size_t i = 0; i < k->tables.n; i++) {
		const char *t = k->tables.v[i];
		long long ns = 0, nd = 0;
		if (count(s, t, &ns, &e) != 0 || count(d, t, &nd, &e) != 0) {
			result_set(r, ST_FAIL, "table '%s': %s", t, e);
			goto out;
		}
		total_s += ns;
		total_d += nd;
		buf_addf(&detail, "%s%s: source %lld, target %lld%s",
		    i ? "\n" : "", t, ns, nd, ns == nd ? "" :
		    nd < ns ? " (target is missing rows)" :
		    " (target has extra rows)");
		if (ns != nd) {
			buf_addf(&bad, "%s%s (source %lld, target %lld)",
			    ndiff ? ", " : "", t, ns, nd);
			ndiff++;
		}
	}
	result_observed(r, "%lld / %lld row%s", total_s, total_d,
	    PLURAL(total_d));
	result_detail(r, "%s", detail.s);
	if (ndiff)
		result_set(r, ST_FAIL, "%zu of %zu table%s differ: %s", ndiff,
		    k->tables.n, k->tables.n == 1 ? "" : "s", bad.s);
	else
		result_set(r, ST_PASS, "%zu table%s match, %lld row%s",
		    k->tables.n, PLURAL(k->tables.n), total_s, PLURAL(total_s));
out:
	db_close(s);
	db_close(d);
	free(e);
	buf_release(&detail);
	buf_release(&bad);
}

static void
rc_free(void *p)
{
	struct rc_conf *k = p;

	strlist_release(&k->tables);
	free(k);
}

const struct check_kind check_rowcount = {
	.name = "row-count",
	.summary = "COUNT(*) of each table equal on source and target",
	.keys = keys,
	.parse = rc_parse,
	.run = rc_run,
	.free = rc_free,
};
