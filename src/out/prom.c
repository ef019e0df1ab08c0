/*
 * prom.c - Prometheus text exposition, written for node_exporter's
 * textfile collector: one gauge family per property, labelled by plan,
 * check and kind.
 */
#include <stdio.h>

#include "../lib/buf.h"
#include "../out.h"

static void
label(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_addc(b, '\\');
		if (*s == '\n') {
			buf_adds(b, "\\n");
			continue;
		}
		buf_addc(b, *s);
	}
}

static void
labels(struct buf *b, const struct out_ctx *cx, const struct result *r)
{
	buf_adds(b, "{plan=\"");
	label(b, cx->plan_name);
	buf_adds(b, "\",check=\"");
	label(b, r->check->id);
	buf_adds(b, "\",kind=\"");
	label(b, r->check->kind->name);
	buf_adds(b, "\"}");
}

static void
family(struct buf *b, const char *name, const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void
prom_emit(FILE *f, const struct result *rs, size_t n,
    const struct out_ctx *cx)
{
	struct buf b = BUF_INIT;

	family(&b, "cutover_check_status",
	    "Check status: 0 pass, 1 warn, 2 fail, 3 skip.");
	for (size_t i = 0; i < n; i++) {
		buf_adds(&b, "cutover_check_status");
		labels(&b, cx, &rs[i]);
		buf_addf(&b, " %d\n", (int)rs[i].status);
	}
	family(&b, "cutover_check_success",
	    "1 if the check passed or warned, else 0.");
	for (size_t i = 0; i < n; i++) {
		buf_adds(&b, "cutover_check_success");
		labels(&b, cx, &rs[i]);
		buf_addf(&b, " %d\n", rs[i].status <= ST_WARN);
	}
	family(&b, "cutover_check_duration_seconds",
	    "Wall time the check took, retries included.");
	for (size_t i = 0; i < n; i++) {
		buf_adds(&b, "cutover_check_duration_seconds");
		labels(&b, cx, &rs[i]);
		buf_addf(&b, " %.6f\n", rs[i].duration_us / 1e6);
	}
	family(&b, "cutover_check_value",
	    "The observed value (seconds for latencies).");
	for (size_t i = 0; i < n; i++) {
		if (!rs[i].has_value)
			continue;
		buf_adds(&b, "cutover_check_value");
		labels(&b, cx, &rs[i]);
		buf_addf(&b, " %.9g\n", rs[i].value);
	}
	family(&b, "cutover_run_timestamp_seconds",
	    "When this run of checks started (Unix time).");
	buf_adds(&b, "cutover_run_timestamp_seconds{plan=\"");
	label(&b, cx->plan_name);
	buf_addf(&b, "\"} %.3f\n", cx->started_wall_us / 1e6);
	fwrite(b.s, 1, b.len, f);
	buf_release(&b);
}

const struct out_format out_prom = { .name = "prometheus", .emit = prom_emit };
