/*
 * envdrift.c - kind `env-drift`: between two .env files exactly the keys
 * in expect_changed changed (the seeds' "VPS1 .env - must update these"):
 * a listed key that kept its value fails, and so does a change to any
 * other key.  Without expect_changed, any difference fails.  Values are
 * never in the result: only key names and lengths.
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../envcheck.h"
#include "../lib/buf.h"
#include "../lib/xmalloc.h"

struct drift_conf {
	char		*old;
	char		*new_;
	struct strlist	 expect;
	bool		 has_expect;
	bool		 expand;
};

static const char *const keys[] = { "old", "new", "expect_changed",
	"expand", NULL };

static int
drift_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct drift_conf *d = xcalloc(1, sizeof(*d));
	int rc = 0;

	c->priv = d;
	d->old = pn_req_str(cx, map, "old");
	d->new_ = pn_req_str(cx, map, "new");
	rc |= pn_bool(cx, pn_get(cx, map, "expand"), "expand", &d->expand);
	yaml_node_t *en = pn_get(cx, map, "expect_changed");
	if (en) {
		d->has_expect = true;
		rc |= pn_strlist(cx, en, "expect_changed", &d->expect);
	}
	/* Both files' secrets are masked from the start (see env.c). */
	env_redact_path(d->old, NULL, d->expand);
	env_redact_path(d->new_, NULL, d->expand);
	return d->old && d->new_ ? rc : -1;
}

static void
drift_run(const struct check *c, struct result *r)
{
	const struct drift_conf *d = c->priv;
	struct env_file a = { 0 }, b = { 0 };
	char *e = NULL;

	if (dotenv_load(d->old, &a, &e) != 0 ||
	    dotenv_load(d->new_, &b, &e) != 0 ||
	    (d->expand && (dotenv_expand(&a, &e) != 0 ||
	    dotenv_expand(&b, &e) != 0))) {
		result_observed(r, "unreadable");
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		dotenv_release(&a);
		dotenv_release(&b);
		return;
	}
	env_redact_file(&a, NULL);
	env_redact_file(&b, NULL);
	struct env_diff_row *rows;
	size_t n, count[ENV_NCHANGES] = { 0 };
	size_t problems = env_diff(&a, &b, d->has_expect ? &d->expect : NULL,
	    &rows, &n);
	struct buf sum = BUF_INIT, det = BUF_INIT;
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		const struct env_diff_row *x = &rows[i];
		count[x->change]++;
		if (x->change != ENV_UNCHANGED || x->problem) {
			buf_addf(&det, "%s: %s", x->key,
			    env_change_name(x->change));
			if (x->change == ENV_CHANGED)
				buf_addf(&det, " (length %zu -> %zu)", x->oldlen,
				    x->newlen);
			buf_addf(&det, "%s%s\n", x->note ? ": " : "",
			    x->note ? x->note : "");
		}
		if (x->problem && shown++ < 3)
			buf_addf(&sum, "%s%s %s", shown > 1 ? "; " : "", x->key,
			    x->note ? x->note : env_change_name(x->change));
	}
	if (shown > 3)
		buf_addf(&sum, "; and %zu more", shown - 3);
	result_observed(r, "%zu added, %zu removed, %zu changed",
	    count[ENV_ADDED], count[ENV_REMOVED], count[ENV_CHANGED]);
	if (d->has_expect) {
		char *j = strlist_join(&d->expect, ", ");
		result_threshold(r, "exactly these change: %s", j);
		free(j);
	} else {
		result_threshold(r, "no differences");
	}
	r->has_value = true;
	r->value = (double)problems;
	if (problems)
		result_set(r, ST_FAIL, "%s", sum.s);
	else
		result_set(r, ST_PASS, "%s", d->has_expect ? "exactly the "
		    "expected keys changed" : "no differences");
	if (det.len)
		result_detail(r, "%s", det.s);
	buf_release(&sum);
	buf_release(&det);
	env_diff_release(rows, n);
	dotenv_release(&a);
	dotenv_release(&b);
}

static void
drift_free(void *p)
{
	struct drift_conf *d = p;

	free(d->old);
	free(d->new_);
	strlist_release(&d->expect);
	free(d);
}

const struct check_kind check_envdrift = {
	.name = "env-drift",
	.summary = "two .env files differ in exactly the expected keys",
	.keys = keys,
	.parse = drift_parse,
	.run = drift_run,
	.free = drift_free,
	.value = "keys that changed against the expectation",
};
