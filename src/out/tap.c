/* tap.c - Test Anything Protocol 13; warnings are "ok ... # warn". */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../lib/util.h"
#include "../out.h"

/*
 * A TAP description is the rest of one line and must not contain '#' (it
 * starts a directive): '#' becomes '_', a line break a space, and any
 * other control character (ESC sequences that redraw a terminal) or byte
 * that is not UTF-8 becomes U+FFFD.
 */
static void
desc(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	uint32_t cp;

	while (*p) {
		size_t n = utf8_seq(p, &cp);
		if (n == 0) {
			fputs("\xEF\xBF\xBD", f);
			p++;
			continue;
		}
		if (cp == '#')
			fputc('_', f);
		else if (cp == '\n' || cp == '\r' || cp == '\t')
			fputc(' ', f);
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			fputs("\xEF\xBF\xBD", f);
		else
			fwrite(p, 1, n, f);
		p += n;
	}
}

/*
 * A YAML double-quoted scalar: the only YAML style that can carry every
 * character.  Outside YAML's printable set (C0 and C1 controls, DEL,
 * U+FFFE, U+FFFF) a character is written as an escape; bytes that are
 * not UTF-8 as \uFFFD.  TAP parsers that load the block with a YAML
 * library get the original text back.
 */
static void
yaml_dq(FILE *f, const char *key, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	uint32_t cp;

	fprintf(f, "  %s: \"", key);
	while (*p) {
		size_t n = utf8_seq(p, &cp);
		if (n == 0) {
			fputs("\\uFFFD", f);
			p++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			fprintf(f, "\\x%02X", (unsigned)cp);
		else if (cp == 0xfffe || cp == 0xffff || cp == 0xfeff)
			fprintf(f, "\\u%04X", (unsigned)cp);
		else
			fwrite(p, 1, n, f);
		p += n;
	}
	fputs("\"\n", f);
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
			yaml_dq(f, "observed", r->observed);
			if (r->threshold)
				yaml_dq(f, "threshold", r->threshold);
			fprintf(f, "  attempts: %d\n  ...\n", r->attempts);
		}
	}
}

const struct out_format out_tap = { .name = "tap", .emit = tap_emit };
