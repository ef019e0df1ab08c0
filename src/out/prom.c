/*
 * prom.c - Prometheus text exposition, written for node_exporter's
 * textfile collector: one gauge family per property, labelled by plan,
 * check and kind.  Names and escaping are lib/prom's, shared with serve's
 * /metrics (which adds the phase label).
 */
#include <stdio.h>

#include "../lib/buf.h"
#include "../lib/prom.h"
#include "../out.h"

static void
family(struct buf *b, const struct out_ctx *cx, const struct result *rs,
    size_t n, const char *name, const char *help, int what)
{
	prom_family(b, name, "gauge", help);
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		const char *lv[] = { "plan", cx->plan_name, "check", r->check->id,
		    "kind", r->check->kind->name, NULL };
		double v;
		switch (what) {
		case 0: v = (int)r->status; break;
		case 1: v = r->status <= ST_WARN; break;
		case 2: v = r->duration_us / 1e6; break;
		default:
			if (!r->has_value)
				continue;
			v = r->value;
		}
		prom_sample(b, name, lv, v);
	}
}

static void
prom_emit(FILE *f, const struct result *rs, size_t n,
    const struct out_ctx *cx)
{
	struct buf b = BUF_INIT;

	family(&b, cx, rs, n, "cutover_check_status",
	    "Check status: 0 pass, 1 warn, 2 fail, 3 skip.", 0);
	family(&b, cx, rs, n, "cutover_check_success",
	    "1 if the check passed or warned, else 0.", 1);
	family(&b, cx, rs, n, "cutover_check_duration_seconds",
	    "Wall time the check took, retries included.", 2);
	family(&b, cx, rs, n, "cutover_check_value",
	    "The observed value (seconds for latencies).", 3);
	prom_family(&b, "cutover_run_timestamp_seconds", "gauge",
	    "When this run of checks started (Unix time).");
	const char *lv[] = { "plan", cx->plan_name, NULL };
	prom_sample(&b, "cutover_run_timestamp_seconds", lv,
	    cx->started_wall_us / 1e6);
	fwrite(b.s, 1, b.len, f);
	buf_release(&b);
}

const struct out_format out_prom = { .name = "prometheus", .emit = prom_emit };
