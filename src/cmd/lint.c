/* lint.c - `cutover lint PLAN`: validate a plan, report every error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../cmd.h"
#include "../lib/error.h"
#include "../lib/redact.h"
#include "../plan.h"

static const char usage[] =
"usage: cutover lint [--quiet] [--list WHAT] PLAN\n"
"\n"
"Validate PLAN against the plan format: unknown keys, wrong types,\n"
"duplicate ids, references to undefined checks, targets or risks, bad\n"
"durations and URLs, undefined ${variables}.  Every error is printed as\n"
"FILE:LINE:COL: message, all at once.  Warnings (a critical or high risk\n"
"with no mitigated_by checks; an ${env:NAME} or password_env variable\n"
"that is not set, which check and run will need) are printed but do not\n"
"fail the lint: lint needs no secret in its environment.\n"
"\n"
"  -q, --quiet      print nothing on success\n"
"      --list WHAT  after a clean lint, print the ids of WHAT, one per\n"
"                   line, instead of the summary: checks, phases, risks\n"
"                   (for scripts and shell completion)\n"
"  -h, --help       show this help\n"
"\n"
"Exit status: 0 valid, 2 invalid or unreadable.\n";

static int
lint_main(int argc, char **argv);

static const char *const lists[] = { "checks", "phases", "risks" };

static void
put_id(const char *id)
{
	char *s = redact(id);
	puts(s);
	free(s);
}

const struct cmd cmd_lint = {
	.name = "lint",
	.fn = lint_main,
	.usage = usage,
	.summary = "validate a plan; every error as file:line:col: message",
	.env_later = true,
	.reads_plan = true,
	.plan_stdin = true,
};

static int
lint_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "list", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool quiet = false;
	const char *list = NULL;
	int ch;

	while ((ch = cmd_getopt(&cmd_lint, argc, argv, "qh", lo)) != -1) {
		if (ch == 'q')
			quiet = true;
		else if (ch == 'L') {
			cmd_choice(&cmd_lint, "list", optarg, lists,
			    sizeof(lists) / sizeof(*lists));
			list = optarg;
		}
	}
	struct plan *p = cmd_plan_arg(&cmd_lint, argc, argv, false);
	if (list) {
		/* Ids are words, but everything printed passes redaction. */
		for (size_t i = 0; list[0] == 'c' && i < p->nchecks; i++)
			put_id(p->checks[i].id);
		for (size_t i = 0; list[0] == 'p' && i < p->nphases; i++)
			put_id(p->phases[i].id);
		for (size_t i = 0; list[0] == 'r' && i < p->nrisks; i++)
			put_id(p->risks[i].id);
		plan_free(p);
		return EXIT_GO;
	}
	size_t nsteps = 0;
	for (size_t i = 0; i < p->nphases; i++)
		nsteps += p->phases[i].nsteps;
	/* The name may interpolate a var, even a secret one. */
	char *name = redact(p->name);
	if (!quiet) {
		char al[48] = "";
		if (p->nalerts)
			snprintf(al, sizeof(al), ", %zu alert channel%s",
			    p->nalerts, p->nalerts == 1 ? "" : "s");
		if (p->nprocedures)
			snprintf(al + strlen(al), sizeof(al) - strlen(al),
			    ", %zu procedure%s", p->nprocedures,
			    p->nprocedures == 1 ? "" : "s");
		printf("%s: ok: plan '%s', %zu check%s, %zu risk%s, %zu phase%s "
		    "(%zu step%s), %zu rollback step%s%s%s\n", p->file, name,
		    p->nchecks, p->nchecks == 1 ? "" : "s",
		    p->nrisks, p->nrisks == 1 ? "" : "s",
		    p->nphases, p->nphases == 1 ? "" : "s",
		    nsteps, nsteps == 1 ? "" : "s",
		    p->nrollback, p->nrollback == 1 ? "" : "s", al,
		    p->nwarnings ? ", with warnings" : "");
	}
	free(name);
	plan_free(p);
	return EXIT_GO;
}
