/* t.c - the unit-test runner's main; see t.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"

struct suite {
	const char	*name;
	char		**names;
	void		(*const *fns)(void);
	size_t		 n;
};

static struct suite suites[128];
static size_t nsuites;
static int failures_in_case;

void
t_register_names(const char *suite, const char *names, void (*const *fns)(void),
    size_t n)
{
	struct suite *s = &suites[nsuites++];
	const char *p = names;

	s->name = suite;
	s->fns = fns;
	s->n = n;
	s->names = calloc(n, sizeof(*s->names));
	for (size_t i = 0; i < n; i++) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		size_t len = strcspn(p, ", \t\n");
		s->names[i] = strndup(p, len);
		p += len;
	}
}

bool
t_check(bool ok, const char *expr, const char *file, int line)
{
	if (!ok) {
		printf("#   %s:%d: check failed: %s\n", file, line, expr);
		failures_in_case++;
	}
	return ok;
}

bool
t_check_str(const char *got, const char *want, const char *expr,
    const char *file, int line)
{
	bool ok = (got == NULL && want == NULL) ||
	    (got && want && strcmp(got, want) == 0);

	if (!ok) {
		printf("#   %s:%d: %s\n#     got:  %s%s%s\n#     want: %s%s%s\n",
		    file, line, expr, got ? "\"" : "", got ? got : "NULL",
		    got ? "\"" : "", want ? "\"" : "", want ? want : "NULL",
		    want ? "\"" : "");
		failures_in_case++;
	}
	return ok;
}

bool
t_check_int(long long got, long long want, const char *expr,
    const char *file, int line)
{
	if (got != want) {
		printf("#   %s:%d: %s\n#     got:  %lld\n#     want: %lld\n", file,
		    line, expr, got, want);
		failures_in_case++;
	}
	return got == want;
}

int
main(int argc, char **argv)
{
	int passed = 0, failed = 0, num = 0;

	printf("TAP version 13\n");
	for (size_t i = 0; i < nsuites; i++) {
		struct suite *s = &suites[i];
		if (argc > 1 && strcmp(argv[1], s->name) != 0)
			continue;
		for (size_t j = 0; j < s->n; j++) {
			failures_in_case = 0;
			s->fns[j]();
			num++;
			if (failures_in_case) {
				printf("not ok %d - %s: %s\n", num, s->name,
				    s->names[j]);
				failed++;
			} else {
				printf("ok %d - %s: %s\n", num, s->name, s->names[j]);
				passed++;
			}
		}
	}
	printf("1..%d\n", num);
	printf("unit: %d passed, %d failed\n", passed, failed);
	for (size_t i = 0; i < nsuites; i++) {
		for (size_t j = 0; j < suites[i].n; j++)
			free(suites[i].names[j]);
		free(suites[i].names);
	}
	return failed ? 1 : 0;
}
