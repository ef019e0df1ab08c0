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
	fprintf(f, "%s: src %lld rows, dst %lld rows: ", t->name, t->src_rows,
	    t->dst_rows);
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

/* A string value through the one JSON writer (escaped, redacted). */
static void
put_str(FILE *f, const char *s)
{
	struct buf b = BUF_INIT;

	json_str(&b, s);
	fputs(b.s, f);
	buf_release(&b);
}

static void
json_row(FILE *f, const struct diff_row *r)
{
	fprintf(f, "{\"type\":\"%s\",\"key\":%s", kind_names[r->kind],
	    r->key_json);
	if (r->columns) {
		fputs(",\"columns\":[", f);
		const char *s = r->columns;
		for (bool first = true; *s; first = false) {
			size_t n = strcspn(s, ",");
			char *c = xstrndup(s, n);
			fputs(first ? "" : ",", f);
			put_str(f, c);
			free(c);
			s += n;
			while (*s == ',' || *s == ' ')
				s++;
		}
		fputc(']', f);
	}
	if (r->values_json)
		fprintf(f, ",\"values\":%s", r->values_json);
	fputc('}', f);
}

static void
json_table(FILE *f, const struct diff_table *t, bool rows)
{
	fputs("{\"table\":", f);
	put_str(f, t->name);
	fprintf(f, ",\"status\":\"%s\",\"mode\":", status_names[t->status]);
	put_str(f, t->mode);
	fputs(",\"key\":", f);
	put_str(f, t->key);
	fprintf(f, ",\"src_rows\":%lld,\"dst_rows\":%lld,\"missing\":%lld,"
	    "\"extra\":%lld,\"changed\":%lld,\"duration_s\":%.3f",
	    t->src_rows, t->dst_rows, t->missing, t->extra, t->changed,
	    (double)t->duration_us / 1e6);
	if (t->ranges > 1)
		fprintf(f, ",\"ranges\":%zu", t->ranges);
	fputs(",\"schema\":[", f);
	for (size_t i = 0; i < t->schema.n; i++) {
		fputs(i ? "," : "", f);
		put_str(f, t->schema.v[i]);
	}
	fputs("],\"error\":", f);
	put_str(f, t->error);
	if (rows) {
		fputs(",\"diffs\":[", f);
		for (size_t i = 0; i < t->nrows; i++) {
			fputs(i ? "," : "", f);
			json_row(f, &t->rows[i]);
		}
		fprintf(f, "],\"truncated\":%s", (long long)t->nrows <
		    ndiffs(t) ? "true" : "false");
	}
	fputc('}', f);
}

void
diff_print_row_jsonl(FILE *f, const struct diff_table *t,
    const struct diff_row *r)
{
	fputs("{\"table\":", f);
	put_str(f, t->name);
	fputc(',', f);
	/* Splice the row object's members after the table name. */
	char *s = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&s, &n);
	json_row(m, r);
	fclose(m);
	fputs(s + 1, f);
	fputc('\n', f);
	free(s);
	fflush(f);
}

int
diff_print(FILE *f, const struct diff_result *r, const char *format)
{
	char *sum = diff_summary(r);

	if (strcmp(format, "json") == 0) {
		fputs("{\"source\":", f);
		put_str(f, r->src);
		fputs(",\"target\":", f);
		put_str(f, r->dst);
		fprintf(f, ",\"identical\":%s,\"duration_s\":%.3f,"
		    "\"snapshot\":\"%s\",\"summary\":",
		    diff_exit(r) == 0 ? "true" : "false",
		    (double)r->duration_us / 1e6,
		    r->snapshot ? r->snapshot : "shared");
		put_str(f, sum);
		fputs(",\"tables\":[", f);
		for (size_t i = 0; i < r->n; i++) {
			fputs(i ? ",\n" : "\n", f);
			json_table(f, &r->t[i], true);
		}
		fputs("]}\n", f);
	} else if (strcmp(format, "jsonl") == 0) {
		/* The differences went out as they were found. */
		for (size_t i = 0; i < r->n; i++) {
			fputs("{\"type\":\"table\",", f);
			char *s = NULL;
			size_t n = 0;
			FILE *m = open_memstream(&s, &n);
			json_table(m, &r->t[i], false);
			fclose(m);
			fputs(s + 1, f);
			fputc('\n', f);
			free(s);
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
