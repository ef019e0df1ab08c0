/*
 * json.c - one JSON document: the run's summary and every result, written
 * through lib/json (escaped, valid UTF-8, redacted).
 */
#include <stdlib.h>

#include "../lib/buf.h"
#include "../lib/json.h"
#include "../lib/util.h"
#include "../out.h"

static void
json_emit(FILE *f, const struct result *rs, size_t n, const struct out_ctx *cx)
{
	struct buf b = BUF_INIT;
	size_t counts[4] = { 0 };

	for (size_t i = 0; i < n; i++)
		counts[rs[i].status]++;
	json_open(&b);
	json_field(&b, "plan", cx->plan_name, true);
	json_time(&b, "started", cx->started_wall_us, true);
	json_ms(&b, "duration", cx->duration_us, true);
	buf_addf(&b, ", \"status\": \"%s\"",
	    status_name(results_worst(rs, n)));
	buf_addf(&b, ", \"summary\": {\"total\": %zu, \"pass\": %zu, "
	    "\"warn\": %zu, \"fail\": %zu, \"skip\": %zu}", n, counts[ST_PASS],
	    counts[ST_WARN], counts[ST_FAIL], counts[ST_SKIP]);
	buf_adds(&b, ", \"results\": [");
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		buf_adds(&b, i ? ",\n  {" : "\n  {");
		json_field(&b, "id", r->check->id, false);
		json_field(&b, "kind", r->check->kind->name, true);
		/* A title may interpolate a var: the writer redacts it. */
		json_field(&b, "title", r->check->title, true);
		json_field(&b, "description", r->check->description, true);
		json_field(&b, "status", status_name(r->status), true);
		json_field(&b, "observed", r->observed, true);
		json_field(&b, "threshold", r->threshold, true);
		json_field(&b, "message", r->message, true);
		json_field(&b, "detail", r->detail, true);
		buf_addf(&b, ", \"attempts\": %d", r->attempts);
		json_ms(&b, "duration", r->duration_us, true);
		json_time(&b, "started", r->started_wall_us, true);
		if (r->has_value)
			buf_addf(&b, ", \"value\": %.9g", r->value);
		buf_adds(&b, "}");
	}
	buf_adds(&b, "\n]}\n");
	fwrite(b.s, 1, b.len, f);
	buf_release(&b);
}

const struct out_format out_json = { .name = "json", .emit = json_emit };
