/* tap.c - Test Anything Protocol 13; warnings are "ok ... # warn". */
#include <stdio.h>
#include <string.h>

#include "../out.h"

/* TAP descriptions must not contain '#' (it starts a directive). */
static void
desc(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc(*s == '#' ? '_' : *s, f);
}

/* A YAML single-quoted scalar: a quote is doubled, nothing else escapes. */
static void
yaml_sq(FILE *f, const char *key, const char *s)
{
	fprintf(f, "  %s: '", key);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		/* A line break would end the scalar's indentation block. */
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
	fputs("'\n", f);
}

static void
tap_emit(FILE *f, const struct result *rs, size_t n, const struct out_ctx *cx)
{
	(void)cx;
	fprintf(f, "TAP version 13\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		fprintf(f, "%s %zu - ", r->status == ST_FAIL ? "not ok" : "ok",
		    i + 1);
		desc(f, r->check->id);
		fprintf(f, " (%s): ", r->check->kind->name);
		desc(f, r->message);
		if (r->status == ST_SKIP) {
			fputs(" # SKIP ", f);
			desc(f, r->message);
		} else if (r->status == ST_WARN) {
			fputs(" # warn", f);
		}
		fputc('\n', f);
		if (r->status == ST_FAIL || r->status == ST_WARN) {
			fputs("  ---\n", f);
			yaml_sq(f, "observed", r->observed);
			if (r->threshold)
				yaml_sq(f, "threshold", r->threshold);
			fprintf(f, "  attempts: %d\n  ...\n", r->attempts);
		}
	}
}

const struct out_format out_tap = { .name = "tap", .emit = tap_emit };
