/*
 * diff_out.c - the data diff's output formats: text for people, json for
 * tools, jsonl (one object per difference, as found) for pipes.
 * Strings in the results were redacted when they were stored.
 */
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/redact.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

static const char *const kind_names[] = {
	[DIFF_MISSING] = "missing", [DIFF_EXTRA] = "extra",
	[DIFF_CHANGED] = "changed",
};
static const char *const status_names[] = {
	[DIFF_IDENTICAL] = "identical", [DIFF_DIFFERENT] = "different",
	[DIFF_ERROR] = "error", [DIFF_ONLY_SRC] = "only-in-source",
	[DIFF_ONLY_DST] = "only-in-target",
};

bool
diff_format_ok(const char *f)
{
	return strcmp(f, "text") == 0 || strcmp(f, "json") == 0 ||
	    strcmp(f, "jsonl") == 0;
}

static long long
ndiffs(const struct diff_table *t)
{
	return t->missing + t->extra + t->changed;
}

static void
text_table(FILE *f, const struct diff_table *t)
{
	switch (t->status) {
	case DIFF_ONLY_SRC:
		fprintf(f, "%s: only in source (missing in target)\n", t->name);
		return;
	case DIFF_ONLY_DST:
		fprintf(f, "%s: only in target (extra in target)\n", t->name);
		return;
	case DIFF_ERROR:
		fprintf(f, "%s: error: %s\n", t->name, t->error);
		for (size_t i = 0; i < t->schema.n; i++)
			fprintf(f, "  schema   %s\n", t->schema.v[i]);
		return;
	default:
		break;
	}
	fprintf(f, "%s: src %lld row%s, dst %lld row%s: ", t->name,
	    t->src_rows, PLURAL(t->src_rows), t->dst_rows,
	    PLURAL(t->dst_rows));
	if (ndiffs(t) == 0 && t->schema.n == 0)
		fputs("identical", f);
	else if (ndiffs(t) == 0)
		fputs("rows identical, schema differs", f);
	else
		fprintf(f, "%lld missing in target, %lld extra in target, "
		    "%lld changed", t->missing, t->extra, t->changed);
	fprintf(f, " (%s, %s%s)\n", t->mode ? t->mode : "stream",
	    t->key ? "key " : "no key: compared as a multiset",
	    t->key ? t->key : "");
	for (size_t i = 0; i < t->schema.n; i++)
		fprintf(f, "  schema   %s\n", t->schema.v[i]);
	for (size_t i = 0; i < t->nrows; i++) {
		const struct diff_row *r = &t->rows[i];
		/* Values are data: an ESC in one must not drive the terminal. */
		char *k = text_printable(r->key, false);
		fprintf(f, "  %-8s %s%s%s\n", kind_names[r->kind], k,
		    r->columns ? ": " : "", r->columns ? r->columns : "");
		free(k);
		if (r->values) {
			char *v = text_printable(r->values, false);
			fprintf(f, "           %s\n", v);
			free(v);
		}
	}
	if ((long long)t->nrows < ndiffs(t))
		fprintf(f, "  ... and %lld more (raise --max-diffs to list "
		    "them)\n", ndiffs(t) - (long long)t->nrows);
}

char *
diff_summary(const struct diff_result *r)
{
	size_t same = 0, differ = 0, err = 0;
	struct buf b = BUF_INIT, bad = BUF_INIT;

	for (size_t i = 0; i < r->n; i++) {
		const struct diff_table *t = &r->t[i];
		if (t->status == DIFF_IDENTICAL) {
			same++;
			continue;
		}
		t->status == DIFF_ERROR ? err++ : differ++;
		if (bad.len)
			buf_adds(&bad, ", ");
		if (t->status == DIFF_DIFFERENT && ndiffs(t))
			buf_addf(&bad, "%s (%lld missing, %lld extra, %lld "
			    "changed)", t->name, t->missing, t->extra,
			    t->changed);
		else
			buf_addf(&bad, "%s (%s)", t->name,
			    t->status == DIFF_DIFFERENT ? "schema" :
			    status_names[t->status]);
	}
	buf_addf(&b, "%zu table%s: %zu identical, %zu differ, %zu error%s",
	    r->n, r->n == 1 ? "" : "s", same, differ, err, err == 1 ? "" : "s");
	if (bad.len)
		buf_addf(&b, ": %s", bad.s);
	buf_release(&bad);
	return buf_detach(&b);
}

static void
json_row(struct buf *b, const struct diff_row *r)
{
	buf_addf(b, "\"type\":\"%s\",\"key\":%s", kind_names[r->kind],
	    r->key_json);
	if (r->columns) {
		buf_adds(b, ",\"columns\":[");
		const char *s = r->columns;
		for (bool first = true; *s; first = false) {
			size_t n = strcspn(s, ",");
			char *c = xstrndup(s, n);
			buf_adds(b, first ? "" : ",");
			json_str(b, c);
			free(c);
			s += n;
			while (*s == ',' || *s == ' ')
				s++;
		}
		buf_addc(b, ']');
	}
	if (r->values_json)
		buf_addf(b, ",\"values\":%s", r->values_json);
}

/* The table's members, without braces: jsonl splices them into a line. */
static void
json_table(struct buf *b, const struct diff_table *t, bool rows)
{
	buf_adds(b, "\"table\":");
	json_str(b, t->name);
	buf_addf(b, ",\"status\":\"%s\",\"mode\":", status_names[t->status]);
	json_str(b, t->mode);
	buf_adds(b, ",\"key\":");
	json_str(b, t->key);
	buf_addf(b, ",\"src_rows\":%lld,\"dst_rows\":%lld,\"missing\":%lld,"
	    "\"extra\":%lld,\"changed\":%lld", t->src_rows, t->dst_rows,
	    t->missing, t->extra, t->changed);
	json_ms(b, "duration", t->duration_us, true);
	if (t->ranges > 1)
		buf_addf(b, ",\"ranges\":%zu", t->ranges);
	buf_adds(b, ",\"schema_differences\":[");
	for (size_t i = 0; i < t->schema.n; i++) {
		buf_adds(b, i ? "," : "");
		json_str(b, t->schema.v[i]);
	}
	buf_adds(b, "],\"error\":");
	json_str(b, t->error);
	if (rows) {
		buf_adds(b, ",\"diffs\":[");
		for (size_t i = 0; i < t->nrows; i++) {
			buf_adds(b, i ? ",{" : "{");
			json_row(b, &t->rows[i]);
			buf_addc(b, '}');
		}
		buf_addf(b, "],\"truncated\":%s", (long long)t->nrows <
		    ndiffs(t) ? "true" : "false");
	}
}

void
diff_print_row_jsonl(FILE *f, const struct diff_table *t,
    const struct diff_row *r)
{
	struct buf b = BUF_INIT;

	json_open(&b);
	buf_adds(&b, ",\"table\":");
	json_str(&b, t->name);
	buf_addc(&b, ',');
	json_row(&b, r);
	buf_adds(&b, "}\n");
	fputs(b.s, f);
	buf_release(&b);
	fflush(f);
}

int
diff_print(FILE *f, const struct diff_result *r, const char *format)
{
	char *sum = diff_summary(r);

	if (strcmp(format, "json") == 0) {
		struct buf b = BUF_INIT;
		json_open(&b);
		json_field(&b, "source", r->src, true);
		json_field(&b, "target", r->dst, true);
		buf_addf(&b, ", \"identical\": %s", diff_exit(r) == 0 ? "true" :
		    "false");
		json_ms(&b, "duration", r->duration_us, true);
		json_field(&b, "snapshot", r->snapshot ? r->snapshot :
		    "shared", true);
		json_field(&b, "summary", sum, true);
		buf_adds(&b, ", \"tables\": [");
		for (size_t i = 0; i < r->n; i++) {
			buf_adds(&b, i ? ",\n{" : "\n{");
			json_table(&b, &r->t[i], true);
			buf_addc(&b, '}');
		}
		buf_adds(&b, "]}\n");
		fputs(b.s, f);
		buf_release(&b);
	} else if (strcmp(format, "jsonl") == 0) {
		/* The differences went out as they were found. */
		for (size_t i = 0; i < r->n; i++) {
			struct buf b = BUF_INIT;
			json_open(&b);
			buf_adds(&b, ",\"type\":\"table\",");
			json_table(&b, &r->t[i], false);
			buf_adds(&b, "}\n");
			fputs(b.s, f);
			buf_release(&b);
		}
	} else {
		for (size_t i = 0; i < r->n; i++)
			text_table(f, &r->t[i]);
		char *d = fmt_duration(r->duration_us);
		fprintf(f, "%s (%s)\n", sum, d);
		free(d);
	}
	free(sum);
	return ferror(f) ? -1 : 0;
}
