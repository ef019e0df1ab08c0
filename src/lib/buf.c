/* buf.c - growable NUL-terminated byte strings; see buf.h for invariants. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"
#include "xmalloc.h"

char buf_slop[1];

void
buf_init(struct buf *b, size_t max)
{
	b->s = buf_slop;
	b->len = b->cap = 0;
	b->max = max;
	b->truncated = false;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->s[0] = '\0';
	b->truncated = false;
}

void
buf_release(struct buf *b)
{
	size_t max = b->max;

	if (b->cap)
		free(b->s);
	buf_init(b, max);
}

char *
buf_detach(struct buf *b)
{
	char *s = b->cap ? b->s : xstrdup("");
	size_t max = b->max;

	buf_init(b, max);
	return s;
}

static void
grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (b->cap == 0) {
		b->s = xmalloc(cap);
		b->s[0] = '\0';
	} else {
		b->s = xrealloc(b->s, cap);
	}
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->max && b->len + n > b->max) {
		b->truncated = true;
		n = b->max > b->len ? b->max - b->len : 0;
	}
	if (n == 0)
		return;
	grow(b, n);
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap);

	buf_adds(b, s);
	free(s);
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

/*
 * A watch round writes a number or two per sample into its journal row:
 * through buf_addf, vfprintf was 4.5% of a 700-check watch's CPU (perf).
 */
void
buf_add_int(struct buf *b, long long v)
{
	char d[24], *p = d + sizeof(d);
	unsigned long long u = v < 0 ? -(unsigned long long)v :
	    (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(d + sizeof(d) - p));
}

void
buf_keep_tail(struct buf *b, size_t n)
{
	if (b->len <= n)
		return;
	memmove(b->s, b->s + (b->len - n), n);
	b->len = n;
	b->s[n] = '\0';
}

/*
 * The one JSON string escaper (lib/json adds quotes and redaction): the
 * result is always valid UTF-8 and valid JSON whatever the input bytes.
 * A byte outside a valid UTF-8 sequence becomes \ufffd (Python's json and
 * jq reject raw invalid bytes); every control character is escaped; so
 * are U+2028 and U+2029, which end a line in JavaScript.
 */
void
buf_add_json(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (*p) {
		size_t n = utf8_seq(p, &cp);
		if (n == 0) {
			buf_adds(b, "\\ufffd");
			p++;
			continue;
		}
		switch (cp) {
		case '"':  buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		default:
			if (cp < 0x20 || cp == 0x7f || cp == 0x2028 ||
			    cp == 0x2029)
				buf_addf(b, "\\u%04x", (unsigned)cp);
			else
				buf_add(b, p, n);
		}
		p += n;
	}
}

/*
 * XML 1.0 text and attributes.  Only Char (#x9 | #xA | #xD | #x20-#xD7FF |
 * #xE000-#xFFFD | #x10000-#x10FFFF) may appear, even as a character
 * reference: anything else (invalid UTF-8, C0 controls, U+FFFE, U+FFFF)
 * becomes U+FFFD, or xmllint and every JUnit reader reject the file.  ESC
 * and the C1 controls are legal XML but rewrite a terminal that shows the
 * report: they become U+FFFD too.  Line breaks inside attributes are
 * written as references so that they survive attribute normalisation.
 */
void
buf_add_xml(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (*p) {
		size_t n = utf8_seq(p, &cp);
		if (n == 0) {
			buf_adds(b, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		switch (cp) {
		case '<':  buf_adds(b, "&lt;"); break;
		case '>':  buf_adds(b, "&gt;"); break;
		case '&':  buf_adds(b, "&amp;"); break;
		case '"':  buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		case '\n': buf_addc(b, '\n'); break;
		case '\t': buf_addc(b, '\t'); break;
		case '\r': buf_adds(b, "&#13;"); break;
		default:
			if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
			    cp == 0xfffe || cp == 0xffff)
				buf_adds(b, "\xEF\xBF\xBD");
			else
				buf_add(b, p, n);
		}
		p += n;
	}
}
