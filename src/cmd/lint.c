/* lint.c - `cutover lint PLAN`: validate a plan, report every error. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../cmd.h"
#include "../lib/buf.h"
#include "../lib/error.h"
#include "../lib/json.h"
#include "../lib/redact.h"
#include "../lib/xmalloc.h"
#include "../plan.h"

static const char usage[] =
"usage: cutover lint [--quiet] [--list WHAT] [--format F] PLAN\n"
"\n"
"Validate PLAN against the plan format: unknown keys, wrong types,\n"
"duplicate ids, references to undefined checks, targets or risks, bad\n"
"durations and URLs, undefined ${variables}.  Every error is printed as\n"
"FILE:LINE:COL: message, all at once.  Warnings (a critical or high risk\n"
"with no mitigated_by checks; an ${env:NAME} or password_env variable\n"
"that is not set, which check and run will need) are printed but do not\n"
"fail the lint: lint needs no secret in its environment.\n"
"\n"
"  -f, --format F   text (default) or json: one document with every error\n"
"                   and warning as {file, line, column, message} and the\n"
"                   plan's counts (README, \"JSON output\")\n"
"      --list WHAT  after a clean lint, print the ids of WHAT, one per\n"
"                   line, instead of the summary: checks, phases, risks\n"
"                   (for scripts and shell completion)\n"
"  -h, --help       show this help\n"
"\n"
"With -q nothing is printed for a valid plan.\n"
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

/*
 * One "FILE:LINE:COL: message" line as {file, line, column, message};
 * a line without a position (an unreadable file) keeps it all as message.
 * FILE may hold colons: the position is the last ":N:N: " before text.
 */
static void
json_diag(struct buf *b, const char *line, size_t len, bool comma)
{
	char *l = xstrndup(line, len);
	char *file = NULL, *msg = l;
	long ln = 0, col = 0;

	for (char *q = l; (q = strchr(q, ':')) != NULL; q++) {
		char *e;
		if (!isdigit((unsigned char)q[1]))
			continue;
		long a = strtol(q + 1, &e, 10);
		if (*e != ':' || !isdigit((unsigned char)e[1]))
			continue;
		long c = strtol(e + 1, &e, 10);
		if (e[0] != ':' || e[1] != ' ')
			continue;
		*q = '\0';
		file = l, ln = a, col = c, msg = e + 2;
		break;
	}
	if (strncmp(msg, "warning: ", 9) == 0)
		msg += 9;
	buf_adds(b, comma ? ",\n  {" : "\n  {");
	json_field(b, "file", file, false);
	if (file)
		buf_addf(b, ", \"line\": %ld, \"column\": %ld", ln, col);
	else
		buf_adds(b, ", \"line\": null, \"column\": null");
	json_field(b, "message", msg, true);
	buf_adds(b, "}");
	free(l);
}

static void
json_diags(struct buf *b, const char *key, const char *text)
{
	json_key(b, key, true);
	buf_addc(b, '[');
	bool first = true;
	for (const char *s = text; s && *s;) {
		size_t n = strcspn(s, "\n");
		if (n) {
			json_diag(b, s, n, !first);
			first = false;
		}
		s += n + (s[n] == '\n');
	}
	buf_addc(b, ']');
}

/* lint --format json: the verdict, the counts, every error and warning. */
static int
lint_json(const char *path, unsigned flags)
{
	char *errors = NULL;
	struct plan *p = plan_load_flags(path, flags | PLAN_WARNINGS_KEEP,
	    &errors);
	struct buf b = BUF_INIT;

	json_open(&b);
	json_field(&b, "file", p ? p->file : path, true);
	buf_addf(&b, ", \"valid\": %s", p ? "true" : "false");
	json_field(&b, "plan", p ? p->name : NULL, true);
	if (p) {
		size_t nsteps = 0;
		for (size_t i = 0; i < p->nphases; i++)
			nsteps += p->phases[i].nsteps;
		buf_addf(&b, ", \"counts\": {\"checks\": %zu, \"risks\": %zu, "
		    "\"phases\": %zu, \"steps\": %zu, \"rollback_steps\": %zu, "
		    "\"alert_channels\": %zu}", p->nchecks, p->nrisks,
		    p->nphases, nsteps, p->nrollback, p->nalerts);
	} else {
		buf_adds(&b, ", \"counts\": null");
	}
	json_diags(&b, "errors", errors);
	json_diags(&b, "warnings", p ? p->warnings : NULL);
	buf_adds(&b, "}\n");
	fputs(b.s, stdout);
	buf_release(&b);
	free(errors);
	int rc = p ? EXIT_GO : EXIT_USAGE;
	plan_free(p);
	return rc;
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
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool quiet = false;
	const char *list = NULL, *format = "text";
	static const char *const formats[] = { "text", "json" };
	int ch;

	while ((ch = cmd_getopt(&cmd_lint, argc, argv, "qf:h", lo)) != -1) {
		if (ch == 'q')
			quiet = true;
		else if (ch == 'f') {
			cmd_choice(&cmd_lint, "format", optarg, formats, 2);
			format = optarg;
		}
		else if (ch == 'L') {
			cmd_choice(&cmd_lint, "list", optarg, lists,
			    sizeof(lists) / sizeof(*lists));
			list = optarg;
		}
	}
	if (strcmp(format, "json") == 0) {
		if (list)
			cmd_usage_error(&cmd_lint, "--list prints ids, not "
			    "--format json");
		cmd_plan_check_arg(&cmd_lint, argc, argv, false);
		return lint_json(argv[optind], PLAN_ENV_LATER);
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
