/* json.c - one JSON document: the run's summary and every result. */
#include <stdlib.h>

#include "../lib/buf.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../out.h"

static void
field(struct buf *b, const char *key, const char *val, bool comma)
{
	buf_addf(b, "%s\"%s\": ", comma ? ", " : "", key);
	if (val == NULL) {
		buf_adds(b, "null");
		return;
	}
	buf_addc(b, '"');
	buf_add_json(b, val);
	buf_addc(b, '"');
}

static void
json_emit(FILE *f, const struct result *rs, size_t n, const struct out_ctx *cx)
{
	struct buf b = BUF_INIT;
	size_t counts[4] = { 0 };
	char *ts = fmt_time_iso(cx->started_wall_us);

	for (size_t i = 0; i < n; i++)
		counts[rs[i].status]++;
	buf_adds(&b, "{");
	field(&b, "plan", cx->plan_name, false);
	field(&b, "started_at", ts, true);
	buf_addf(&b, ", \"duration_ms\": %.3f", cx->duration_us / 1e3);
	buf_addf(&b, ", \"status\": \"%s\"",
	    status_name(results_worst(rs, n)));
	buf_addf(&b, ", \"summary\": {\"total\": %zu, \"pass\": %zu, "
	    "\"warn\": %zu, \"fail\": %zu, \"skip\": %zu}", n, counts[ST_PASS],
	    counts[ST_WARN], counts[ST_FAIL], counts[ST_SKIP]);
	buf_adds(&b, ", \"results\": [");
	free(ts);
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		char *st = fmt_time_iso(r->started_wall_us);
		buf_adds(&b, i ? ",\n  {" : "\n  {");
		field(&b, "id", r->check->id, false);
		field(&b, "kind", r->check->kind->name, true);
		/* A title may interpolate a var; results are redacted, it is not. */
		char *title = r->check->title ? redact(r->check->title) : NULL;
		field(&b, "title", title, true);
		free(title);
		field(&b, "status", status_name(r->status), true);
		field(&b, "observed", r->observed, true);
		field(&b, "threshold", r->threshold, true);
		field(&b, "message", r->message, true);
		field(&b, "detail", r->detail, true);
		buf_addf(&b, ", \"attempts\": %d", r->attempts);
		buf_addf(&b, ", \"duration_ms\": %.3f", r->duration_us / 1e3);
		field(&b, "started_at", st, true);
		if (r->has_value)
			buf_addf(&b, ", \"value\": %.9g", r->value);
		buf_adds(&b, "}");
		free(st);
	}
	buf_adds(&b, "\n]}\n");
	fwrite(b.s, 1, b.len, f);
	buf_release(&b);
}

const struct out_format out_json = { .name = "json", .emit = json_emit };
