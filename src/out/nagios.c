/*
 * nagios.c - the Nagios/Icinga plugin format, so that a plan's checks can
 * run as one NRPE or Icinga check: a status line "CUTOVER STATE - summary",
 * one line per check that did not pass, and performance data after '|'
 * (the plugin development guidelines: 'label'=value[UOM];warn;crit;min;max).
 * The exit status is the plugin's: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
#include <stdio.h>
#include <string.h>

#include "../lib/buf.h"
#include "../out.h"

enum { NG_OK, NG_WARNING, NG_CRITICAL, NG_UNKNOWN };
static const char *const ng_names[] = { "OK", "WARNING", "CRITICAL",
    "UNKNOWN" };

/*
 * CRITICAL when a check failed, WARNING when one warned, UNKNOWN when
 * nothing was judged (no check, or every one skipped), else OK.
 */
static int
nagios_state(const struct result *rs, size_t n)
{
	size_t fail = 0, warn = 0, skip = 0;

	for (size_t i = 0; i < n; i++) {
		fail += rs[i].status == ST_FAIL;
		warn += rs[i].status == ST_WARN;
		skip += rs[i].status == ST_SKIP;
	}
	if (fail)
		return NG_CRITICAL;
	if (warn)
		return NG_WARNING;
	if (skip == n)
		return NG_UNKNOWN;
	return NG_OK;
}

static int
nagios_exit(const struct result *rs, size_t n, bool strict)
{
	(void)strict;	/* WARNING is its own state here */
	return nagios_state(rs, n);
}

/* Plugin output is one line per item: no line breaks, no '|'. */
static void
text(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		buf_addc(b, *s == '|' ? '/' : *s == '\n' || *s == '\r' ? ' ' : *s);
}

/* A perfdata label: quoted; a quote inside is doubled, '=' is not allowed. */
static void
label(struct buf *b, const char *id, const char *suffix)
{
	buf_addc(b, '\'');
	for (const char *s = id; *s; s++) {
		if (*s == '\'')
			buf_addc(b, '\'');
		buf_addc(b, *s == '=' ? '_' : *s);
	}
	buf_adds(b, suffix);
	buf_addc(b, '\'');
}

static void
nagios_emit(FILE *f, const struct result *rs, size_t n,
    const struct out_ctx *cx)
{
	struct buf b = BUF_INIT;
	size_t count[4] = { 0 };
	int st = nagios_state(rs, n);

	for (size_t i = 0; i < n; i++)
		count[rs[i].status]++;
	buf_addf(&b, "CUTOVER %s - ", ng_names[st]);
	if (n == 0)
		buf_adds(&b, "no checks selected");
	else
		buf_addf(&b, "%zu check%s: %zu pass, %zu warn, %zu fail, "
		    "%zu skip", n, n == 1 ? "" : "s", count[ST_PASS],
		    count[ST_WARN], count[ST_FAIL], count[ST_SKIP]);
	/* The first failing check's message, so one line tells the most. */
	for (size_t i = 0; i < n; i++)
		if (rs[i].status == ST_FAIL || (count[ST_FAIL] == 0 &&
		    rs[i].status == ST_WARN)) {
			buf_adds(&b, "; ");
			text(&b, rs[i].check->id);
			buf_adds(&b, ": ");
			text(&b, rs[i].message);
			break;
		}
	buf_adds(&b, " |");
	for (size_t i = 0; i < n; i++) {
		buf_addc(&b, ' ');
		label(&b, rs[i].check->id, "_seconds");
		buf_addf(&b, "=%.6fs;;;0;", rs[i].duration_us / 1e6);
		if (rs[i].has_value) {
			buf_addc(&b, ' ');
			label(&b, rs[i].check->id, "");
			buf_addf(&b, "=%.9g", rs[i].value);
		}
	}
	buf_addc(&b, '\n');
	/* Long output: every check that did not pass, one per line. */
	for (size_t i = 0; i < n; i++) {
		if (rs[i].status == ST_PASS)
			continue;
		buf_addf(&b, "%s: ", status_name(rs[i].status));
		text(&b, rs[i].check->id);
		buf_adds(&b, ": ");
		text(&b, rs[i].message);
		buf_addc(&b, '\n');
	}
	(void)cx;
	fwrite(b.s, 1, b.len, f);
	buf_release(&b);
}

const struct out_format out_nagios = {
	.name = "nagios",
	.emit = nagios_emit,
	.exit_status = nagios_exit,
	.usage_status = NG_UNKNOWN,
};
