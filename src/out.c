/* out.c - the table of output formats and what they share. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/redact.h"
#include "lib/util.h"
#include "out.h"

extern const struct out_format out_text, out_json, out_junit, out_tap,
    out_prom;

static const struct out_format *const formats[] = {
	&out_text, &out_json, &out_junit, &out_tap, &out_prom,
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

static void
redact_field(char **f)
{
	if (*f == NULL)
		return;
	char *r = redact(*f);
	free(*f);
	/* Every format promises UTF-8; outside text may not be. */
	*f = utf8_fix(r);
	free(r);
}

void
results_redact(struct result *rs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		redact_field(&rs[i].observed);
		redact_field(&rs[i].threshold);
		redact_field(&rs[i].message);
		redact_field(&rs[i].detail);
	}
}

bool
out_want_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if (nc && *nc)
		return false;
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(f));
}
