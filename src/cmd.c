/* cmd.c - the table of subcommands and the shared option handling. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "journal.h"
#include "out.h"
#include "plan.h"
#include "runbook.h"
#include "serve.h"
#include "lib/buf.h"
#include "lib/error.h"
#include "lib/redact.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

extern const struct cmd cmd_init, cmd_lint, cmd_check;
extern const struct cmd cmd_manifest;
extern const struct cmd cmd_env;
extern const struct cmd cmd_secrets;
extern const struct cmd cmd_diff;
extern const struct cmd cmd_run, cmd_resume, cmd_rollback, cmd_status, cmd_report, cmd_confirm;
extern const struct cmd cmd_serve;
extern const struct cmd cmd_watch;
extern const struct cmd cmd_procedure;
extern const struct cmd cmd_approve;
extern const struct cmd cmd_agent;
extern const struct cmd cmd_reap;

/* In the order `cutover --help` lists them: the order of a migration. */
static const struct cmd *const commands[] = {
	&cmd_init, &cmd_lint,
	&cmd_check,
	&cmd_confirm, &cmd_approve, &cmd_run, &cmd_resume, &cmd_rollback, &cmd_watch,
	&cmd_procedure,
	&cmd_status, &cmd_serve, &cmd_report,
	&cmd_diff,
	&cmd_manifest,
	&cmd_env,
	&cmd_secrets,
	&cmd_agent,
	&cmd_reap,
};
#define NCMDS (sizeof(commands) / sizeof(commands[0]))

const struct cmd *
cmd_find(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

const char *const *
cmd_names(size_t *n)
{
	static const char *names[NCMDS + 1];

	for (size_t i = 0; i < NCMDS; i++)
		names[i] = commands[i]->name;
	*n = NCMDS;
	return names;
}

void
cmd_print_list(FILE *f)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (!commands[i]->hidden)
			fprintf(f, "  %-10s %s\n", commands[i]->name,
			    commands[i]->summary);
}

void
cmd_usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;
	char *m, *r;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	r = redact(m);
	fprintf(stderr, "cutover %s: %s (see 'cutover %s --help')\n", c->name,
	    r, c->name);
	free(r);
	free(m);
	exit_usage();
}

/*
 * -q/--quiet and -v/--verbose belong to every command: added to its
 * options here, recorded with out_verbosity_set(), and passed on to a
 * command that lists 'q' itself (to drop its own lines).  Both at once
 * contradict each other: exit 2.
 */
static int
verbosity_opt(const struct cmd *c, int ch, const char *shortopts)
{
	static int seen;

	if (ch != 'q' && ch != 'v')
		return ch;
	if (seen && seen != ch)
		cmd_usage_error(c, "--quiet and --verbose contradict each other");
	seen = ch;
	out_verbosity_set(ch == 'q' ? V_QUIET : V_VERBOSE);
	return strchr(shortopts, ch) ? ch : 0;
}

int
cmd_getopt(const struct cmd *c, int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	int prev = optind;
	int ch;
	const char *own = shortopts;
	char so[128];
	struct option lo[96];
	size_t nlo = 0;

	/* The command's options plus quiet and verbose. */
	snprintf(so, sizeof(so), "%s%s%s", shortopts, strchr(shortopts, 'q') ?
	    "" : "q", strchr(shortopts, 'v') ? "" : "v");
	bool hq = false, hv = false;
	for (; longopts[nlo].name && nlo < 93; nlo++) {
		lo[nlo] = longopts[nlo];
		hq |= strcmp(lo[nlo].name, "quiet") == 0;
		hv |= strcmp(lo[nlo].name, "verbose") == 0;
	}
	if (!hq)
		lo[nlo++] = (struct option){ "quiet", no_argument, NULL, 'q' };
	if (!hv)
		lo[nlo++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	lo[nlo] = (struct option){ NULL, 0, NULL, 0 };
	shortopts = so;
	longopts = lo;

	opterr = 0;
	do {
		prev = optind;
		ch = getopt_long(argc, argv, shortopts, longopts, NULL);
		if (ch == 'q' || ch == 'v')
			ch = verbosity_opt(c, ch, own);
	} while (ch == 0);
	if (ch == 'h') {
		cmd_print_usage(c, stdout);
		if (fflush(stdout) != 0 || ferror(stdout))
			die(EXIT_USAGE, "error writing output");
		exit(EXIT_GO);
	}
	if (ch != '?' && ch != ':')
		return ch;

	/* The offending word is the one getopt just stepped over. */
	const char *word = argv[optind - 1 >= prev ? optind - 1 : prev];
	if (ch == ':' || (optopt && strchr(shortopts, optopt) &&
	    strchr(shortopts, optopt)[1] == ':'))
		cmd_usage_error(c, "option '%s' needs a value", word);
	for (const struct option *o = longopts; o->name; o++) {
		size_t n = strlen(o->name);
		if (strncmp(word, "--", 2) == 0 &&
		    strncmp(word + 2, o->name, n) == 0 && word[2 + n] == '\0' &&
		    o->has_arg == required_argument)
			cmd_usage_error(c, "option '%s' needs a value", word);
	}
	const char *names[64];
	size_t k = 0;
	for (const struct option *o = longopts; o->name && k < 63; o++)
		names[k++] = o->name;
	const char *w = word;
	while (*w == '-')
		w++;
	char *bare = xstrndup(w, strcspn(w, "="));
	const char *near = nearest(bare, names, k);
	free(bare);
	if (near)
		cmd_usage_error(c, "unknown option '%s' (did you mean '--%s'?)",
		    word, near);
	cmd_usage_error(c, "unknown option '%s'", word);
}

static const char common_usage[] =
"\n"
"Common options (every command):\n"
"      --color=WHEN       colour text output: auto (a terminal, unless\n"
"                         NO_COLOR; FORCE_COLOR or CLICOLOR_FORCE force it),\n"
"                         always, never\n"
"  -q, --quiet            only what needs attention (failures, warnings,\n"
"                         errors) and the verdict: no progress, no passing\n"
"                         rows; a JSON or other machine document is whole\n"
"  -v, --verbose          also what text output cuts (every detail line,\n"
"                         passing checks' too) and, on stderr, which plan\n"
"                         and journal were read\n";

static const char plan_options_usage[] =
"\n"
"Plan options (every command that reads a plan):\n"
"      --var NAME=VALUE   set the plan's var NAME (it must exist in vars:);\n"
"                         repeatable; wins over --vars-file\n"
"      --vars-file FILE   a YAML map of NAME: VALUE setting the plan's vars\n"
"%s";

void
cmd_print_usage(const struct cmd *c, FILE *f)
{
	fputs(c->usage, f);
	fputs(common_usage, f);
	if (c->reads_plan)
		fprintf(f, plan_options_usage, c->plan_stdin ?
		    "  PLAN '-' reads the plan from standard input (lint, check, "
		    "run --dry-run).\n" : "");
}

/* --color=WHEN or --color WHEN; 1 when argv[*i] was it (*i advanced). */
static int
color_option(const struct cmd *c, int argc, char **argv, int *i)
{
	static const char *const whens[] = { "auto", "always", "never" };
	const char *a = argv[*i], *w;

	if (strncmp(a, "--color=", 8) == 0)
		w = a + 8;
	else if (strcmp(a, "--color") == 0) {
		if (*i + 1 >= argc)
			cmd_usage_error(c, "option '--color' needs a value "
			    "(auto, always, never)");
		w = argv[++*i];
	} else
		return 0;
	cmd_choice(c, "--color value", w, whens, 3);
	out_color_set(w[1] == 'u' ? COLOR_AUTO : w[1] == 'l' ? COLOR_ALWAYS :
	    COLOR_NEVER);
	return 1;
}

void
cmd_common_options(const struct cmd *c, int *argc, char **argv)
{
	int out = 1;
	bool done = false;
	const char *files[16];
	size_t nfiles = 0;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i], *val = NULL;
		bool file = false;
		if (done || strcmp(a, "--") == 0) {
			done = true;
			argv[out++] = argv[i];
			continue;
		}
		if (color_option(c, *argc, argv, &i))
			continue;
		if (!c->reads_plan) {
			argv[out++] = argv[i];
			continue;
		}
		if (strcmp(a, "--var") == 0 || strcmp(a, "--vars-file") == 0) {
			file = a[5] == 's';
			if (i + 1 >= *argc)
				cmd_usage_error(c, "option '%s' needs a value", a);
			val = argv[++i];
		} else if (strncmp(a, "--var=", 6) == 0) {
			val = a + 6;
		} else if (strncmp(a, "--vars-file=", 12) == 0) {
			file = true;
			val = a + 12;
		} else {
			argv[out++] = argv[i];
			continue;
		}
		if (file) {
			if (nfiles == sizeof(files) / sizeof(*files))
				cmd_usage_error(c, "at most %zu --vars-file",
				    nfiles);
			files[nfiles++] = val;
			continue;
		}
		const char *eq = strchr(val, '=');
		if (eq == NULL || eq == val)
			cmd_usage_error(c, "--var wants NAME=VALUE, not '%s'",
			    val);
		char *name = xstrndup(val, (size_t)(eq - val));
		plan_override_var(name, eq + 1, "--var", true);
		free(name);
	}
	argv[out] = NULL;
	*argc = out;
	/* Files in order, each later one winning; --var wins over all. */
	for (size_t i = 0; i < nfiles; i++) {
		char *err = NULL;
		if (plan_vars_file(files[i], &err) != 0) {
			fputs(err, stderr);
			free(err);
			exit_usage();
		}
	}
}

void
cmd_plan_check_arg(const struct cmd *c, int argc, char **argv, bool more)
{
	if (optind >= argc)
		cmd_usage_error(c, "missing PLAN");
	if (strcmp(argv[optind], "-") == 0 && !c->plan_stdin)
		cmd_usage_error(c, "the plan cannot come from standard input "
		    "here: give its file (reading a plan from '-' works for "
		    "lint, check and run --dry-run)");
	if (!more && optind + 1 != argc)
		cmd_usage_error(c, "expected one PLAN, got %d arguments",
		    argc - optind);
}

struct plan *
cmd_plan_arg(const struct cmd *c, int argc, char **argv, bool more)
{
	char *errors = NULL;
	struct plan *p;

	cmd_plan_check_arg(c, argc, argv, more);
	p = plan_load_flags(argv[optind], c->env_later ? PLAN_ENV_LATER : 0,
	    &errors);
	if (p == NULL) {
		fputs(errors, stderr);
		free(errors);
		exit_usage();
	}
	out_verbose("plan %s (sha256 %.12s): %zu check%s, %zu phase%s",
	    p->file, p->sha256, p->nchecks, p->nchecks == 1 ? "" : "s",
	    p->nphases, p->nphases == 1 ? "" : "s");
	return p;
}

int
cmd_jobs(const struct cmd *c, const char *arg)
{
	long long n = 0;
	char *e = NULL;

	if (parse_int(arg, 1, 1024, &n, &e) != 0)
		cmd_usage_error(c, "--jobs: %s", e);
	return (int)n;
}

void
cmd_choice(const struct cmd *c, const char *what, const char *word,
    const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(word, names[i]) == 0)
			return;
	const char *near = nearest(word, names, n);
	if (near)
		cmd_usage_error(c, "unknown %s '%s' (did you mean '%s'?)", what,
		    word, near);
	struct buf all = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_addf(&all, "%s%s", i ? ", " : "", names[i]);
	cmd_usage_error(c, "unknown %s '%s' (%s)", what, word, all.s);
}

int
cmd_verbs(const struct cmd *c, const struct cmd *const *verbs, size_t n,
    int argc, char **argv)
{
	const char *names[16];
	size_t skip = strlen(c->name) + 1;	/* "secrets scan" -> "scan" */

	if (n > 16)
		n = 16;
	for (size_t i = 0; i < n; i++)
		names[i] = verbs[i]->name + skip;
	if (argc < 2) {
		struct buf all = BUF_INIT;
		for (size_t i = 0; i < n; i++)
			buf_addf(&all, "%s%s", i ? ", " : "", names[i]);
		cmd_usage_error(c, "missing verb (%s)", all.s);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(c->usage, stdout);
		return EXIT_GO;
	}
	cmd_choice(c, "verb", argv[1], names, n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], names[i]) == 0)
			return verbs[i]->fn(argc - 1, argv + 1);
	return EXIT_USAGE;	/* not reached: cmd_choice exits */
}

int
cmd_journal_load(const struct plan *p, const char *path, long long run,
    struct jlog *l)
{
	struct journal *j = NULL;
	char *e = NULL;
	int rc;

	/* A journal that cannot be trusted (empty, a link, its -wal left
	 * alone) is an error, never "no run yet". */
	int pr = journal_probe(path, &e);
	if (pr < 0) {
		errmsg("%s", e);
		free(e);
		return -1;
	}
	if (pr == 1 && run == 0)
		return 1;
	if (journal_open(path, false, &j, &e) != 0 ||
	    (rc = journal_load(j, run, l, &e)) < 0 ||
	    (rc == 0 && journal_watches_stats(j, l, &e) != 0 && (rc = -1))) {
		errmsg("%s", e);
		rc = -1;
	} else if (rc == 1 && run) {
		errmsg("%s: no run %lld in %s", p->file, run, path);
		rc = -1;
	} else if (rc == 0) {
		out_verbose("journal %s: run %lld", path, (long long)l->run.id);
	}
	journal_close(j);
	free(e);
	return rc;
}

void
cmd_serve_check(const struct cmd *c, const struct serve_opts *so)
{
	char *e = NULL;

	if ((so->token_env || so->basic_env) && so->listen == NULL)
		cmd_usage_error(c, "--serve-token-env and --serve-basic-auth-env "
		    "go with --serve ADDR:PORT");
	if (so->listen && serve_opts_check(so, &e) != 0)
		cmd_usage_error(c, "--serve: %s", e);
}

int
cmd_serve_while(const struct cmd *c, struct plan *p,
    const struct serve_opts *so,
    int (*fn)(struct plan *, const struct rb_opts *), const struct rb_opts *o)
{
	struct server *srv = NULL;
	char *path = NULL, *e = NULL;

	if (so->listen == NULL)
		return fn(p, o);
	path = runbook_journal_path(p, o->state);
	if ((srv = serve_start(p, path, so, &e)) == NULL) {
		errmsg("%s --serve: %s", c->name, e);
		free(e);
		free(path);
		return EXIT_USAGE;
	}
	fprintf(stderr, "cutover %s: serving %s\n", c->name, serve_url(srv));
	int rc = fn(p, o);
	serve_stop(srv);
	/*
	 * The runbook closed the journal while the server's read-only
	 * connection was open, so SQLite left the -wal beside it (only the
	 * last connection checkpoints, and a read-only one cannot).  Closing
	 * a connection of ours last folds it back into the journal.
	 */
	struct journal *j = NULL;
	if (journal_open(path, false, &j, &e) == 0)
		journal_close(j);
	free(e);
	free(path);
	return rc;
}
