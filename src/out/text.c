/*
 * text.c - an aligned table for people; colour only on a terminal.
 *
 *   STATUS  CHECK          KIND   OBSERVED  TIME    MESSAGE
 *   pass    mysql-private  tcp    0.21ms    0.3ms   connected to ...
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/buf.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"
#include "../out.h"

#define OBS_MAX	24	/* widest OBSERVED cell; JSON has the whole value */
#define DETAIL_LINES	10	/* lines of detail under a row */

static const char *
colour(enum status s)
{
	switch (s) {
	case ST_PASS: return "\033[32m";
	case ST_WARN: return "\033[33m";
	case ST_FAIL: return "\033[31;1m";
	case ST_SKIP: return "\033[36m";
	}
	return "";
}

/* Display width of a UTF-8 string: count code points, not bytes. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; s && *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void
pad(FILE *f, const char *s, size_t w)
{
	fputs(s ? s : "", f);
	for (size_t i = width(s); i < w; i++)
		fputc(' ', f);
}

/*
 * A cell of at most max code points, padded to w: a query can return a
 * long or multi-line value, which must not push the row out of its
 * columns.  Control characters become spaces; a cut ends in "...".
 */
static void
cell(FILE *f, const char *s, size_t max, size_t w)
{
	size_t n = 0, full = width(s);

	for (; s && *s; s++) {
		bool lead = ((unsigned char)*s & 0xC0) != 0x80;
		if (lead && full > max && n == max - 3) {
			fputs("...", f);
			n += 3;
			break;
		}
		if (lead)
			n++;
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
	}
	for (; n < w; n++)
		fputc(' ', f);
}

/*
 * Text from outside (a message, a command's output) as the terminal will
 * show it: a peer's ESC sequence could erase a "fail" row and draw "pass"
 * over it, so every control character (C0, DEL, C1) becomes U+FFFD, and a
 * line break a space.
 */
static void
plain(FILE *f, const char *s, size_t len)
{
	if (s == NULL)
		return;
	if (len == SIZE_MAX)
		len = strlen(s);
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	uint32_t cp = 0;

	while (p < end) {
		size_t n = utf8_seq(p, &cp);
		if (n == 0 || n > (size_t)(end - p)) {
			fputs("\xEF\xBF\xBD", f);
			p++;
		} else if (cp == '\n' || cp == '\r') {
			fputc(' ', f);
			p++;
		} else if ((cp < 0x20 && cp != '\t') ||
		    (cp >= 0x7f && cp < 0xa0)) {
			fputs("\xEF\xBF\xBD", f);
			p += n;
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
}

/*
 * The terminal's width for a table on f: COLUMNS when set (the user's
 * word, and a log's), else the terminal's (TIOCGWINSZ), else 0: no limit
 * (a pipe or a file keeps every character).
 */
static size_t
term_columns(FILE *f)
{
	const char *c = getenv("COLUMNS");
	char *e;
	if (c && *c) {
		long v = strtol(c, &e, 10);
		if (*e == '\0' && v > 0 && v < 100000)
			return (size_t)v;
	}
	struct winsize ws;
	if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

/* The bytes of s's first max code points. */
static size_t
prefix_bytes(const char *s, size_t max)
{
	size_t i = 0, n = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max)
			break;
	}
	return i;
}

static void
text_emit(FILE *f, const struct result *rs, size_t n, const struct out_ctx *cx)
{
	size_t wid = 5, wkind = 4, wobs = 8;
	size_t counts[4] = { 0 };
	char **dur = xcalloc(n + 1, sizeof(*dur));

	for (size_t i = 0; i < n; i++) {
		size_t w = width(rs[i].check->id);
		if (w > wid)
			wid = w;
		w = width(rs[i].check->kind->name);
		if (w > wkind)
			wkind = w;
		w = width(rs[i].observed);
		if (w > wobs)
			wobs = w < OBS_MAX ? w : OBS_MAX;
		dur[i] = fmt_duration(rs[i].duration_us);
		counts[rs[i].status]++;
	}
	fprintf(f, "%-6s  ", "STATUS");
	pad(f, "CHECK", wid + 2);
	pad(f, "KIND", wkind + 2);
	pad(f, "OBSERVED", wobs + 2);
	pad(f, "TIME", 10);
	fputs("MESSAGE\n", f);
	/* -q: the rows that need attention; the summary counts them all. */
	bool quiet = out_verbosity() == V_QUIET;
	/*
	 * Rows fit the terminal: the message column (the last) is cut, the
	 * status never; at least 20 characters of message stay.  -v cuts
	 * nothing.
	 */
	size_t cols = out_verbosity() == V_VERBOSE ? 0 : term_columns(f);
	size_t lead = 8 + wid + 2 + wkind + 2 + wobs + 2 + 10;
	size_t msgmax = cols == 0 ? SIZE_MAX : cols > lead + 20 ? cols - lead :
	    20;
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		if (quiet && r->status == ST_PASS)
			continue;
		if (cx->color)
			fprintf(f, "%s%-6s\033[0m  ", colour(r->status),
			    status_name(r->status));
		else
			fprintf(f, "%-6s  ", status_name(r->status));
		pad(f, r->check->id, wid + 2);
		pad(f, r->check->kind->name, wkind + 2);
		cell(f, r->observed ? r->observed : "-", OBS_MAX, wobs + 2);
		pad(f, dur[i], 10);
		struct buf m = BUF_INIT;
		buf_adds(&m, r->message ? r->message : "");
		if (r->threshold && *r->threshold)
			buf_addf(&m, " [%s]", r->threshold);
		if (r->attempts > 1)
			buf_addf(&m, " (%d attempts)", r->attempts);
		if (width(m.s) > msgmax) {
			plain(f, m.s, prefix_bytes(m.s, msgmax - 3));
			fputs("...", f);
		} else {
			plain(f, m.s, SIZE_MAX);
		}
		buf_release(&m);
		fputc('\n', f);
		if (r->detail && *r->detail) {
			/*
			 * The last lines say why a command failed; a chatty one
			 * must not bury the table (-f json keeps it whole).
			 */
			const char *p = r->detail;
			size_t lines = 0, skip;
			for (const char *q = p; *q; q++)
				lines += *q == '\n' || q[1] == '\0';
			skip = lines > DETAIL_LINES && out_verbosity() <
			    V_VERBOSE ? lines - DETAIL_LINES : 0;
			if (skip)
				fprintf(f, "%8s... %zu earlier line%s\n", "", skip,
				    skip == 1 ? "" : "s");
			for (; skip > 0 && *p; p++)
				if (*p == '\n')
					skip--;
			while (*p) {
				size_t len = strcspn(p, "\n");
				fprintf(f, "%8s", "");
				plain(f, p, len);
				fputc('\n', f);
				p += len;
				if (*p == '\n')
					p++;
			}
		}
	}
	char *total = fmt_duration(cx->duration_us);
	fprintf(f, "\n%zu check%s: %zu pass, %zu warn, %zu fail, %zu skip in %s\n",
	    n, n == 1 ? "" : "s", counts[ST_PASS], counts[ST_WARN],
	    counts[ST_FAIL], counts[ST_SKIP], total);
	free(total);
	for (size_t i = 0; i < n; i++)
		free(dur[i]);
	free(dur);
}

const struct out_format out_text = { .name = "text", .emit = text_emit };
