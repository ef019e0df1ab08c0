/*
 * prom.c - the Prometheus text exposition writer; see prom.h.
 */
#include <math.h>
#include <stdlib.h>

#include "prom.h"
#include "redact.h"
#include "util.h"

/* s redacted, valid UTF-8, with the exposition format's escapes. */
static void
esc(struct buf *b, const char *s, bool quote)
{
	char *r = redact(s ? s : ""), *u = utf8_fix(r);

	for (const char *p = u; *p; p++) {
		if (*p == '\\')
			buf_adds(b, "\\\\");
		else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p == '"' && quote)
			buf_adds(b, "\\\"");
		else
			buf_addc(b, *p);
	}
	free(u);
	free(r);
}

void
prom_family(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_addf(b, "# HELP %s ", name);
	esc(b, help, false);
	buf_addf(b, "\n# TYPE %s %s\n", name, type);
}

void
prom_sample(struct buf *b, const char *name, const char *const *labels,
    double value)
{
	buf_adds(b, name);
	bool open = false;
	for (size_t i = 0; labels && labels[i]; i += 2) {
		if (labels[i + 1] == NULL)
			continue;
		buf_adds(b, open ? ",": "{");
		open = true;
		buf_adds(b, labels[i]);
		buf_adds(b, "=\"");
		esc(b, labels[i + 1], true);
		buf_addc(b, '"');
	}
	if (open)
		buf_addc(b, '}');
	if (isnan(value))
		buf_adds(b, " NaN\n");
	else if (isinf(value))
		buf_adds(b, value > 0 ? " +Inf\n" : " -Inf\n");
	else if (fabs(value) >= 1e9)	/* a Unix time: keep milliseconds */
		buf_addf(b, " %.3f\n", value);
	else if (value == (double)(long long)value)
		buf_addf(b, " %lld\n", (long long)value);
	else
		buf_addf(b, " %.9g\n", value);
}
