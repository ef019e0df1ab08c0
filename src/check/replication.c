/*
 * replication.c - kind `replication`: a replica's state and lag, the
 * moment many cutovers wait for ("switch when the replica has caught
 * up").
 *
 *   { kind: replication, target: primary, role: primary, lag: "< 1s" }
 *   { kind: replication, target: replica, role: replica, lag: "< 1s" }
 *   { kind: replication, target: subscriber, subscription: app_sub,
 *     publisher: primary, lag: "< 5s" }
 *
 * What each engine can tell, and how, is the driver's `replication` hook
 * (db.h): PostgreSQL's pg_stat_replication on a primary, the WAL
 * receiver and the replay timestamp on a standby, pg_stat_subscription
 * and the slot on the publisher for logical replication; MariaDB's SHOW
 * REPLICA STATUS on a replica and its binlog dump threads on a primary.
 * This file only judges: the server plays the part asked for, every link
 * is healthy, at least min_replicas of them, each within `lag`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../db.h"
#include "../lib/error.h"
#include "../lib/units.h"
#include "../lib/xmalloc.h"

struct repl_conf {
	const struct url *target;
	const struct url *publisher;
	enum db_repl_ask ask;
	char		*subscription;
	bool		 has_lag;
	struct cmp	 lag;
	long long	 min_replicas;
};

static const char *const keys[] = { "target", "role", "subscription",
	"publisher", "lag", "min_replicas", NULL };

static int
repl_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct repl_conf *r = xcalloc(1, sizeof(*r));
	yaml_node_t *rn = pn_get(cx, map, "role");
	yaml_node_t *sn = pn_get(cx, map, "subscription");
	yaml_node_t *pn = pn_get(cx, map, "publisher");
	yaml_node_t *ln = pn_get(cx, map, "lag");
	yaml_node_t *mn = pn_get(cx, map, "min_replicas");
	int rc = 0;

	c->priv = r;
	r->min_replicas = 1;
	r->target = pn_target(cx, map, "target", true);
	if (r->target == NULL)
		rc = -1;
	const struct db_driver *drv = r->target ?
	    db_driver_for(r->target->scheme) : NULL;
	if (r->target && drv == NULL) {
		pn_error(cx, pn_get(cx, map, "target"), "'target': '%s' is not "
		    "a database URL", r->target->safe);
		rc = -1;
	}
	char *role = pn_str(cx, rn, "role");
	if (rn && role == NULL)
		rc = -1;
	else if (role && strcmp(role, "primary") == 0)
		r->ask = DB_REPL_PRIMARY;
	else if (role && (strcmp(role, "replica") == 0 ||
	    strcmp(role, "standby") == 0))
		r->ask = DB_REPL_REPLICA;
	else if (role) {
		pn_error(cx, rn, "'role' must be primary, or replica (standby) "
		    "(got '%s')", role);
		rc = -1;
	}
	free(role);
	if (sn) {
		if ((r->subscription = pn_str(cx, sn, "subscription")) == NULL)
			rc = -1;
		if (rn) {
			pn_error(cx, sn, "give 'role' or 'subscription', not "
			    "both");
			rc = -1;
		}
		r->ask = DB_REPL_SUBSCRIPTION;
	} else if (rn == NULL) {
		pn_error(cx, map, "check '%s': missing 'role' (primary or "
		    "replica) or 'subscription'", c->id);
		rc = -1;
	}
	if (pn) {
		if (!sn) {
			pn_error(cx, pn, "'publisher' goes with 'subscription'");
			rc = -1;
		}
		r->publisher = pn_target(cx, map, "publisher", true);
		if (r->publisher == NULL)
			rc = -1;
		else if (db_driver_for(r->publisher->scheme) == NULL ||
		    !(db_driver_for(r->publisher->scheme)->repl_asks &
		    DB_REPL_SLOT)) {
			pn_error(cx, pn, "'publisher': replication slots are "
			    "known for PostgreSQL only (got '%s')",
			    r->publisher->safe);
			rc = -1;
		}
	}
	if (ln) {
		int64_t us;
		char *e = NULL;
		if (pn_cmp(cx, ln, "lag", &r->lag) != 0) {
			rc = -1;
		} else if (parse_duration(r->lag.text, &us, &e) != 0 ||
		    r->lag.op == CMP_GT || r->lag.op == CMP_GE ||
		    r->lag.op == CMP_NE) {
			pn_error(cx, ln, "'lag' is a limit like \"< 1s\" or \"<= "
			    "500ms\" (got '%s')", r->lag.text);
			free(e);
			rc = -1;
		} else {
			r->has_lag = true;
		}
		if (sn && !pn) {
			pn_error(cx, ln, "'lag' of a subscription is measured "
			    "on its publisher: add 'publisher'");
			rc = -1;
		}
	}
	if (mn) {
		rc |= pn_int(cx, mn, "min_replicas", 1, 1000, &r->min_replicas);
		if (r->ask != DB_REPL_PRIMARY && rc == 0) {
			pn_error(cx, mn, "'min_replicas' goes with 'role: "
			    "primary'");
			rc = -1;
		}
	}
	if (drv && r->ask && drv->repl_asks == 0) {
		pn_error(cx, pn_get(cx, map, "target"), "'target': a %s "
		    "database has no replication (PostgreSQL and MariaDB/MySQL "
		    "have)", drv->name);
		rc = -1;
	} else if (drv && r->ask && !(drv->repl_asks & r->ask)) {
		pn_error(cx, sn ? sn : rn, "'%s': known for PostgreSQL only "
		    "(the target is %s)", sn ? "subscription" : "role",
		    drv->name);
		rc = -1;
	} else if (drv && r->has_lag && r->ask == DB_REPL_PRIMARY &&
	    !(drv->repl_asks & DB_REPL_PRIMARY_LAG)) {
		pn_error(cx, ln, "a %s primary does not know its replicas' "
		    "lag: check 'lag' on the replica (role: replica)",
		    drv->name);
		rc = -1;
	}
	return rc;
}

/* "streaming, lag 0.12s, 0 B behind, at 0/3000060" */
static void
describe(struct buf *b, const struct db_repl_link *l)
{
	buf_addf(b, "%s: %s", l->who, l->state);
	if (l->has_lag) {
		char *d = fmt_duration((int64_t)(l->lag_s * 1e6));
		buf_addf(b, ", lag %s", d);
		free(d);
	}
	if (l->behind_bytes > 0) {
		char *s = fmt_size((uint64_t)l->behind_bytes);
		buf_addf(b, ", %s behind", s);
		free(s);
	}
	if (l->position)
		buf_addf(b, ", at %s", l->position);
}

/*
 * Judge the links of one answer: the first failure into *fail, the
 * largest lag into *max_lag.
 */
static void
judge(const struct repl_conf *r, const struct db_repl *st, bool lag_here,
    char **fail, double *max_lag, bool *any_lag, struct buf *det)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct db_repl_link *l = &st->links[i];
		char *m = NULL;

		buf_addf(det, "%s", det->len ? "\n" : "");
		describe(det, l);
		if (l->has_lag && (!*any_lag || l->lag_s > *max_lag))
			*max_lag = l->lag_s;
		*any_lag |= l->has_lag;
		if (!l->healthy) {
			m = xasprintf("%s: %s", l->who, l->why ? l->why :
			    l->state);
		} else if (r->has_lag && lag_here && !l->has_lag) {
			m = xasprintf("%s: lag unknown (the server does not "
			    "tell it yet)", l->who);
		} else if (r->has_lag && lag_here &&
		    !cmp_eval_num(&r->lag, l->lag_s * 1e6)) {
			char *d = fmt_duration((int64_t)(l->lag_s * 1e6));
			m = xasprintf("%s: lag %s, expected %s %s", l->who, d,
			    cmp_opstr(r->lag.op), r->lag.text);
			free(d);
		}
		if (m && *fail == NULL)
			*fail = m;
		else
			free(m);
	}
	if (st->note)
		buf_addf(det, "%s%s", det->len ? "\n" : "", st->note);
}

static void
repl_run(const struct check *c, struct result *r)
{
	const struct repl_conf *rc = c->priv;
	struct db *d = NULL, *pd = NULL;
	struct db_repl st = { 0 }, ps = { 0 };
	struct buf det = BUF_INIT, thr = BUF_INIT;
	char *e = NULL, *fail = NULL;
	double max_lag = 0;
	bool any_lag = false;
	int64_t t0 = now_mono_us();

	switch (rc->ask) {
	case DB_REPL_PRIMARY:
		buf_addf(&thr, "primary with >= %lld streaming replica%s",
		    rc->min_replicas, rc->min_replicas == 1 ? "" : "s");
		break;
	case DB_REPL_REPLICA:
		buf_adds(&thr, "replica connected and replaying");
		break;
	default:
		buf_addf(&thr, "subscription %s streaming", rc->subscription);
		break;
	}
	if (rc->has_lag)
		buf_addf(&thr, ", lag %s %s", cmp_opstr(rc->lag.op),
		    rc->lag.text);
	result_threshold(r, "%s", thr.s);
	if (db_connect(rc->target, c->timeout_us, &d, &e) != 0 ||
	    d->drv->replication(d, rc->ask, rc->subscription, &st, &e) != 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "%s", e);
		goto out;
	}
	if (!st.role_ok) {
		result_observed(r, "not %s", rc->ask == DB_REPL_PRIMARY ?
		    "a primary" : rc->ask == DB_REPL_REPLICA ? "a replica" :
		    "subscribed");
		result_set(r, ST_FAIL, "%s", st.role_why);
		goto out;
	}
	/* A subscription's lag is measured on its publisher (below). */
	judge(rc, &st, rc->ask != DB_REPL_SUBSCRIPTION, &fail, &max_lag,
	    &any_lag, &det);
	if (rc->ask == DB_REPL_PRIMARY && fail == NULL &&
	    (long long)st.n < rc->min_replicas) {
		fail = st.n == 0 ? xasprintf("no replica is connected to %s%s%s",
		    d->what, st.note ? " " : "", st.note ? st.note : "") :
		    xasprintf("%zu replica%s connected to %s, expected at least "
		    "%lld", st.n, st.n == 1 ? "" : "s", d->what,
		    rc->min_replicas);
	}
	/* A subscription's slot and lag, on its publisher. */
	if (rc->publisher && fail == NULL) {
		int64_t left = c->timeout_us - (now_mono_us() - t0);
		if (st.slot == NULL) {
			fail = xasprintf("subscription %s has no slot (slot_name "
			    "= NONE): nothing to check on the publisher",
			    rc->subscription);
		} else if (db_connect(rc->publisher, left > 0 ? left : 1, &pd,
		    &e) != 0 || pd->drv->replication(pd, DB_REPL_SLOT,
		    st.slot, &ps, &e) != 0) {
			fail = xasprintf("publisher: %s", e);
		} else if (!ps.role_ok) {
			fail = xstrdup(ps.role_why);
		} else {
			judge(rc, &ps, true, &fail, &max_lag, &any_lag, &det);
		}
	}
	struct buf obs = BUF_INIT;
	if (rc->ask == DB_REPL_PRIMARY)
		buf_addf(&obs, "%zu replica%s", st.n, st.n == 1 ? "" : "s");
	else
		buf_adds(&obs, st.n ? st.links[0].state : "none");
	if (any_lag) {
		char *dl = fmt_duration((int64_t)(max_lag * 1e6));
		buf_addf(&obs, ", lag %s", dl);
		free(dl);
		r->has_value = true;
		r->value = max_lag;
	}
	result_observed(r, "%s", obs.s);
	buf_release(&obs);
	if (det.len)
		result_detail(r, "%s", det.s);
	if (fail) {
		result_set(r, ST_FAIL, "%s", fail);
	} else {
		struct buf m = BUF_INIT;
		for (size_t i = 0; i < st.n && i < 4; i++) {
			buf_adds(&m, i ? "; " : "");
			describe(&m, &st.links[i]);
		}
		if (st.n > 4)
			buf_addf(&m, "; and %zu more", st.n - 4);
		for (size_t i = 0; i < ps.n; i++) {
			buf_adds(&m, "; ");
			describe(&m, &ps.links[i]);
		}
		result_set(r, ST_PASS, "%s", m.s);
		buf_release(&m);
	}
out:
	db_repl_release(&st);
	db_repl_release(&ps);
	db_close(d);
	db_close(pd);
	free(e);
	free(fail);
	buf_release(&det);
	buf_release(&thr);
}

static void
repl_free(void *p)
{
	struct repl_conf *r = p;

	free(r->subscription);
	cmp_free(&r->lag);
	free(r);
}

const struct check_kind check_replication = {
	.name = "replication",
	.summary = "a replica's state and lag: PostgreSQL streaming and "
	    "logical, MariaDB/MySQL",
	.keys = keys,
	.parse = repl_parse,
	.run = repl_run,
	.free = repl_free,
	.value = "seconds of lag, the largest",
};
