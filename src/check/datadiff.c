/*
 * datadiff.c - kind `data-diff`: the seeds' "zero data loss", proven.
 * Runs the same comparison as `cutover diff` (src/diff.h) and passes only
 * when every table is identical; the result lists the differing tables
 * with their counts, and the first differing keys in the detail.
 * Columns named in the plan's `secrets` never show values (and values
 * are not shown at all: a check result is not the place for row data).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../db.h"
#include "../diff.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"

struct dd_conf {
	const struct url *src, *dst;
	struct strlist	 tables;
	char		*where;
	enum diff_mode	 mode;
	long long	 max_diffs;
};

/* "repair" is known only to be refused with the way to do it. */
static const char *const keys[] = { "source", "target", "tables", "where",
    "mode", "max_diffs", "repair", NULL };

static int
dd_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct dd_conf *k = xcalloc(1, sizeof(*k));
	int rc = 0;
	yaml_node_t *n;

	c->priv = k;
	k->max_diffs = 10;
	/* Its work grows with the tables: not the 10 s of a probe. */
	if (pn_get(cx, map, "timeout") == NULL)
		c->timeout_us = CHECK_BULK_TIMEOUT;
	k->src = pn_target(cx, map, "source", true);
	k->dst = pn_target(cx, map, "target", true);
	if ((n = pn_get(cx, map, "tables")) != NULL)
		rc |= pn_strlist(cx, n, "tables", &k->tables);
	/* `schema.table`, or a quoted part for a name with a dot. */
	for (size_t i = 0; i < k->tables.n; i++) {
		struct db_tname tn;
		char *e = NULL;
		if (db_tname_parse(k->tables.v[i], &tn, &e) != 0) {
			pn_error(cx, n, "check '%s': %s", c->id, e);
			free(e);
			rc = -1;
		}
		db_tname_release(&tn);
	}
	if ((n = pn_get(cx, map, "where")) != NULL &&
	    (k->where = pn_str(cx, n, "where")) == NULL)
		rc = -1;
	if ((n = pn_get(cx, map, "max_diffs")) != NULL)
		rc |= pn_int(cx, n, "max_diffs", 0, 1000000, &k->max_diffs);
	/* Checks observe: changing the target is a deliberate step. */
	if ((n = pn_get(cx, map, "repair")) != NULL) {
		pn_error(cx, n, "check '%s': a check does not repair (checks "
		    "only observe); repair in a runbook step: shell: cutover "
		    "diff SOURCE TARGET --apply --yes", c->id);
		rc = -1;
	}
	if ((n = pn_get(cx, map, "mode")) != NULL) {
		char *m = pn_str(cx, n, "mode");
		if (m && strcmp(m, "auto") == 0)
			k->mode = DIFF_AUTO;
		else if (m && strcmp(m, "checksum") == 0)
			k->mode = DIFF_CHECKSUM;
		else if (m && strcmp(m, "stream") == 0)
			k->mode = DIFF_STREAM;
		else {
			if (m)
				pn_error(cx, n, "'mode': '%s' is not auto, "
				    "checksum or stream", m);
			rc = -1;
		}
		free(m);
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

static void
dd_run(const struct check *c, struct result *r)
{
	const struct dd_conf *k = c->priv;
	struct diff_opts o;
	struct diff_result dr;
	char *e = NULL;

	diff_opts_init(&o);
	for (size_t i = 0; i < k->tables.n; i++)
		strlist_push(&o.tables, k->tables.v[i]);
	o.where = k->where;
	o.mode = k->mode;
	o.max_diffs = k->max_diffs;
	o.timeout_us = c->timeout_us;
	o.secrets = c->plan ? &c->plan->secrets : NULL;
	/* A timeout says how far the comparison got. */
	struct check_progress *cp = check_progress("rows compared", false);
	o.rows_done = &cp->done;
	o.rows_total = &cp->total;
	result_threshold(r, "identical");
	if (diff_run(k->src, k->dst, &o, &dr, &e) != 0) {
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		diff_result_free(&dr);
		diff_opts_release(&o);
		return;
	}
	long long rows = 0;
	for (size_t i = 0; i < dr.n; i++)
		rows += dr.t[i].src_rows;
	result_observed(r, "%zu tables, %lld rows", dr.n, rows);
	char *sum = diff_summary(&dr);
	result_set(r, diff_exit(&dr) == 0 ? ST_PASS : ST_FAIL, "%s", sum);
	free(sum);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	diff_print(m, &dr, "text");
	fclose(m);
	/* The text output ends with the summary line: the message has it. */
	char *last = len > 1 ? memrchr(text, '\n', len - 1) : NULL;
	if (last)
		*last = '\0';
	result_detail(r, "%s", last ? text : "");
	free(text);
	diff_result_free(&dr);
	diff_opts_release(&o);
}

static void
dd_free(void *p)
{
	struct dd_conf *k = p;

	strlist_release(&k->tables);
	free(k->where);
	free(k);
}

const struct check_kind check_datadiff = {
	.name = "data-diff",
	.summary = "every row of the source's tables identical on the target",
	.keys = keys,
	.parse = dd_parse,
	.run = dd_run,
	.free = dd_free,
};
