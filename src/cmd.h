/*
 * cmd.h - subcommands.
 *
 * Each command is one file in src/cmd/ exporting a `const struct cmd`,
 * listed once in commands[] (src/cmd.c).  The table drives dispatch,
 * `cutover --help` and suggestions for misspelt names.  A command's fn
 * returns the exit status (EXIT_GO, EXIT_NOGO, EXIT_USAGE).
 */
#ifndef CUTOVER_CMD_H
#define CUTOVER_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

struct plan;

struct cmd {
	const char	*name;
	int		(*fn)(int argc, char **argv);
	const char	*usage;		/* full --help text, options included */
	const char	*summary;	/* one line for `cutover --help` */
	/*
	 * Reads the plan without needing ${env:X} or password_env values
	 * (lint, status, report): unset ones are warnings, not errors.
	 */
	bool		 env_later;
	/*
	 * Takes a PLAN operand: accepts --var NAME=VALUE and --vars-file
	 * FILE (cmd_plan_options, before its own options) and documents them
	 * under its --help.
	 */
	bool		 reads_plan;
	/* PLAN may be '-' (standard input): lint, check, run --dry-run. */
	bool		 plan_stdin;
	/* Not listed by `cutover --help` (the remote agent). */
	bool		 hidden;
};

/*
 * The options every command shares, taken out of argv (up to a "--")
 * before the command sees its own, shortening *argc: --color=WHEN; and
 * for a command that reads_plan, --var NAME=VALUE, --var=...,
 * --vars-file FILE, registered as overrides of the plan's vars.  Exit 2
 * on a malformed one.  main() calls it.
 */
void	 cmd_common_options(const struct cmd *c, int *argc, char **argv);
/* The --help text of c: its usage, plus the plan options it shares. */
void	 cmd_print_usage(const struct cmd *c, FILE *f);

const struct cmd *cmd_find(const char *name);
void	 cmd_print_list(FILE *f);
const char *const *cmd_names(size_t *n);

/*
 * getopt_long for commands: handles --help/-h (prints c->usage, exits 0),
 * and turns an unknown option or a missing argument into one line with
 * the nearest valid spelling and exit 2.  Every command's longopts must
 * include { "help", no_argument, NULL, 'h' }.
 */
int	 cmd_getopt(const struct cmd *c, int argc, char **argv,
	    const char *shortopts, const struct option *longopts);
/*
 * The PLAN argument every plan command takes: exactly one operand left
 * after the options (or at least one, with `more`), loaded and validated.
 * On a missing operand or an invalid plan, prints why and exits 2.  The
 * plan is the caller's; commands that ran checks leave it to process exit
 * (an abandoned check thread may still read it).
 */
struct plan *cmd_plan_arg(const struct cmd *c, int argc, char **argv,
	    bool more);
/* cmd_plan_arg's checks of the operand alone (exit 2), without loading. */
void	 cmd_plan_check_arg(const struct cmd *c, int argc, char **argv,
	    bool more);
/* --jobs N: 1..1024, or exit 2 naming the option. */
int	 cmd_jobs(const struct cmd *c, const char *arg);
/* Exit 2 with "cutover CMD: MESSAGE" and a hint to --help. */
void	 cmd_usage_error(const struct cmd *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/*
 * word must be one of names: else exit 2 with "unknown WHAT 'word'" and
 * the nearest name ("did you mean") or the list of them.
 */
void	 cmd_choice(const struct cmd *c, const char *what, const char *word,
	    const char *const *names, size_t n);
/*
 * Nested verbs (`manifest create|verify`): verbs[i]->name is "PARENT
 * VERB".  Runs the verb named by argv[1] with argv shifted; --help prints
 * c->usage; a missing or unknown verb exits 2 with the choices.
 */
int	 cmd_verbs(const struct cmd *c, const struct cmd *const *verbs,
	    size_t n, int argc, char **argv);
/*
 * The journal at path, read without its lock (status, report): run 0 is
 * the latest.  0 loaded into *l (jlog_release it), 1 nothing has run
 * (no journal, or no run in it), -1 after printing why (unreadable, or
 * no run `run`).
 */
struct jlog;
int	 cmd_journal_load(const struct plan *p, const char *path,
	    long long run, struct jlog *l);

/*
 * run and watch --serve ADDR:PORT: check the serve options (exit 2 naming
 * the option), start serving the journal that state (or the plan's
 * default) names, run fn, stop serving and fold the -wal a reader left
 * back into the journal.  so->listen NULL: just fn.
 */
struct serve_opts;
struct rb_opts;
void	 cmd_serve_check(const struct cmd *c, const struct serve_opts *so);
int	 cmd_serve_while(const struct cmd *c, struct plan *p,
	    const struct serve_opts *so,
	    int (*fn)(struct plan *, const struct rb_opts *),
	    const struct rb_opts *o);

#endif
