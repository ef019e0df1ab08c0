/* out.c - the table of output formats and what they share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/redact.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "out.h"

extern const struct out_format out_text, out_json, out_junit, out_tap,
    out_prom, out_nagios;

static const struct out_format *const formats[] = {
	&out_text, &out_json, &out_junit, &out_tap, &out_prom, &out_nagios,
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct out_format *
out_find(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

const char *const *
out_names(size_t *n)
{
	static const char *names[NFORMATS + 1];

	for (size_t i = 0; i < NFORMATS; i++)
		names[i] = formats[i]->name;
	*n = NFORMATS;
	return names;
}

/*
 * Redacted, then made printable: text from a peer (a server's error, a
 * command's output) must not drive the terminal that shows the table
 * (ESC [2K ESC [1G "pass" redraws a failing row).  Control characters
 * become visible escapes, which also makes every field valid UTF-8; only
 * the detail keeps its line breaks (printed indented under its row).
 */
static void
redact_field(char **f, bool keep_nl)
{
	if (*f == NULL)
		return;
	char *r = redact(*f);
	free(*f);
	*f = text_printable(r, keep_nl);
	free(r);
}

void
results_redact(struct result *rs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		redact_field(&rs[i].observed, false);
		redact_field(&rs[i].threshold, false);
		redact_field(&rs[i].message, false);
		redact_field(&rs[i].detail, true);
	}
}

static enum color_when color_when = COLOR_AUTO;
static enum verbosity verbosity = V_NORMAL;

void
out_verbosity_set(enum verbosity v)
{
	verbosity = v;
}

enum verbosity
out_verbosity(void)
{
	return verbosity;
}

void
out_verbose(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < V_VERBOSE)
		return;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	char *r = redact(s);
	fprintf(stderr, "cutover: %s\n", r);
	free(r);
	free(s);
}

void
out_color_set(enum color_when w)
{
	color_when = w;
}

/*
 * --color wins; then NO_COLOR (no-color.org) turns colour off, and
 * FORCE_COLOR or CLICOLOR_FORCE (set and not "0") turn it on where no
 * terminal is, as CI logs that render ANSI want; then a TTY decides.
 */
bool
out_want_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if (color_when != COLOR_AUTO)
		return color_when == COLOR_ALWAYS;
	if (nc && *nc)
		return false;
	const char *fc = getenv("FORCE_COLOR");
	const char *cf = getenv("CLICOLOR_FORCE");
	if ((fc && *fc && strcmp(fc, "0") != 0) ||
	    (cf && *cf && strcmp(cf, "0") != 0))
		return true;
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(f));
}
