/*
 * junit.c - JUnit XML, the format CI servers read: one testsuite for the
 * run, one testcase per check.  A warning is a passing testcase with the
 * warning in <system-out>, so CI shows it without failing the build.
 */
#include <stdlib.h>

#include "../lib/buf.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../out.h"

static void
junit_emit(FILE *f, const struct result *rs, size_t n,
    const struct out_ctx *cx)
{
	struct buf b = BUF_INIT;
	size_t fails = 0, skips = 0;
	char *ts = fmt_time_iso(cx->started_wall_us);

	for (size_t i = 0; i < n; i++) {
		fails += rs[i].status == ST_FAIL;
		skips += rs[i].status == ST_SKIP;
	}
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_addf(&b, "<testsuites tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
	    "skipped=\"%zu\" time=\"%.3f\">\n", n, fails, skips,
	    cx->duration_us / 1e6);
	buf_adds(&b, "  <testsuite name=\"");
	buf_add_xml(&b, cx->plan_name);
	buf_addf(&b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
	    "skipped=\"%zu\" time=\"%.3f\" timestamp=\"%.19s\">\n", n, fails,
	    skips, cx->duration_us / 1e6, ts);
	free(ts);
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		buf_adds(&b, "    <testcase classname=\"cutover.");
		buf_add_xml(&b, r->check->kind->name);
		buf_adds(&b, "\" name=\"");
		buf_add_xml(&b, r->check->id);
		if (r->check->title) {
			/* A title may interpolate a var: redact it like results. */
			char *title = redact(r->check->title);
			buf_adds(&b, ": ");
			buf_add_xml(&b, title);
			free(title);
		}
		buf_addf(&b, "\" time=\"%.3f\"", r->duration_us / 1e6);
		if (r->status == ST_PASS && !r->detail) {
			buf_adds(&b, "/>\n");
			continue;
		}
		buf_adds(&b, ">\n");
		if (r->status == ST_FAIL) {
			buf_adds(&b, "      <failure message=\"");
			buf_add_xml(&b, r->message);
			buf_adds(&b, "\" type=\"");
			buf_add_xml(&b, r->check->kind->name);
			buf_adds(&b, "\">");
			buf_adds(&b, "observed: ");
			buf_add_xml(&b, r->observed ? r->observed : "-");
			if (r->threshold) {
				buf_adds(&b, "\nthreshold: ");
				buf_add_xml(&b, r->threshold);
			}
			buf_adds(&b, "</failure>\n");
		} else if (r->status == ST_SKIP) {
			buf_adds(&b, "      <skipped message=\"");
			buf_add_xml(&b, r->message);
			buf_adds(&b, "\"/>\n");
		}
		if (r->status == ST_WARN || r->detail) {
			buf_adds(&b, "      <system-out>");
			if (r->status == ST_WARN) {
				buf_adds(&b, "warning: ");
				buf_add_xml(&b, r->message);
				buf_adds(&b, "\n");
			}
			if (r->detail)
				buf_add_xml(&b, r->detail);
			buf_adds(&b, "</system-out>\n");
		}
		buf_adds(&b, "    </testcase>\n");
	}
	buf_adds(&b, "  </testsuite>\n</testsuites>\n");
	fwrite(b.s, 1, b.len, f);
	buf_release(&b);
}

const struct out_format out_junit = { .name = "junit", .emit = junit_emit };
