/*
 * rollback.c - `cutover rollback PLAN`: undo the latest run: the undo of every
 * completed step, newest first, the plan's rollback steps, rollback_verify.
 * The engine is runbook.c; this file only reads options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../cmd.h"
#include "../journal.h"
#include "../lib/error.h"
#include "../lib/redact.h"
#include "../lib/units.h"
#include "../lib/util.h"
#include "../runbook.h"

static const char usage[] =
"usage: cutover rollback [OPTIONS] PLAN\n"
"\n"
"Roll back the latest run of PLAN, whatever its state (stopped, awaiting a\n"
"decision, crashed, or completed and found bad afterwards): run the undo of\n"
"every completed step in reverse order, then the plan's 'rollback' steps,\n"
"then the checks in 'rollback_verify'.  A step without undo is reported as\n"
"not undone.  A failing undo is journaled and the rollback goes on.  An\n"
"interrupted rollback continues with 'cutover resume' or 'cutover rollback';\n"
"rolling back a run whose rollback failed retries what failed.\n"
"\n"
"A step that did not complete (a crash, a signal, killed at its timeout or\n"
"the window's max) may have done part of its work: its undo runs when it\n"
"is marked 'idempotent: true'; otherwise the rollback stops there and\n"
"exits 1 until you decide with --undo-interrupted or --keep-interrupted.\n"
"\n"
"With 'two_person: [rollback]' in the plan, a second person approves the\n"
"rollback first ('cutover approve PLAN rollback'); until then it exits 1.\n"
"A run that completed (go) was good when it ended: rolling it back asks\n"
"'roll back? [y/N]' on a terminal; without one it needs --yes.\n"
"\n"
"      --retry-interrupted  run an interrupted undo again\n"
"      --skip-interrupted   count an interrupted undo as done\n"
"      --undo-interrupted   run the undo of a step that did not complete\n"
"      --keep-interrupted   leave a step that did not complete as it is\n"
"      --force              accept a plan that changed since the run began\n"
"  -y, --yes                roll back a completed run without asking\n"
"  -n, --dry-run            print what the rollback would run; run nothing\n"
"  -s, --state FILE         the journal (default .cutover/NAME.db beside PLAN)\n"
"  -j, --jobs N             checks run at once (default 16)\n"
"  -h, --help               show this help\n"
"\n"
"Exit status: 0 rolled back (or --dry-run); 1 an undo, rollback step or\n"
"rollback_verify check failed, or the confirmation was declined; 2 bad\n"
"input, nothing to roll back, or a completed run without --yes and no\n"
"terminal; 130/143 interrupted.\n"
"\n"
"Example:\n"
"  cutover rollback plan.yml && cutover report plan.yml -o rollback.md\n";;

static int
rollback_main(int argc, char **argv);

/*
 * A completed run is undone only on purpose: --yes, or "y" typed at the
 * terminal.  EXIT_GO to go on, else the exit status.
 */
static int
confirm_completed(const struct plan *p, const struct jlog *l, bool yes)
{
	if (yes || strcmp(l->run.state, RUN_COMPLETED) != 0)
		return EXIT_GO;
	char *t = fmt_time_iso(l->run.ended_us ? l->run.ended_us :
	    l->run.started_us);
	char *name = redact(p->name);
	int rc = EXIT_GO;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		errmsg("rollback: run %lld of plan '%s' completed (go) at %s; "
		    "rolling back a completed run needs --yes when there is "
		    "no terminal to confirm on (--dry-run shows what would "
		    "run)", (long long)l->run.id, name, t);
		rc = EXIT_USAGE;
	} else {
		printf("run %lld of plan '%s' completed (go) at %s.\n"
		    "roll it back (undo its steps, run the plan's rollback)? "
		    "[y/N] ", (long long)l->run.id, name, t);
		fflush(stdout);
		char line[64] = "";
		if (fgets(line, sizeof(line), stdin) == NULL)
			line[0] = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		if (strcasecmp(line, "y") != 0 && strcasecmp(line, "yes") != 0) {
			puts("not rolled back");
			rc = EXIT_NOGO;
		}
	}
	free(name);
	free(t);
	return rc;
}

const struct cmd cmd_rollback = {
	.name = "rollback",
	.fn = rollback_main,
	.usage = usage,
	.summary = "undo a run: undo actions, rollback steps, verification",
	.reads_plan = true,
};

static int
rollback_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "retry-interrupted", no_argument, NULL, 'I' },
		{ "skip-interrupted", no_argument, NULL, 'K' },
		{ "undo-interrupted", no_argument, NULL, 'U' },
		{ "keep-interrupted", no_argument, NULL, 'P' },
		{ "force", no_argument, NULL, 'F' },
		{ "state", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rb_opts o = { 0 };
	bool dry = false;
	int ch;

	while ((ch = cmd_getopt(&cmd_rollback, argc, argv, "s:j:ynh", lo)) !=
	    -1) {
		switch (ch) {
		case 'I': o.retry_interrupted = true; break;
		case 'K': o.skip_interrupted = true; break;
		case 'U': o.undo_interrupted = true; break;
		case 'P': o.keep_interrupted = true; break;
		case 'F': o.force = true; break;
		case 's': o.state = optarg; break;
		case 'j': o.jobs = cmd_jobs(&cmd_rollback, optarg); break;
		case 'y': o.yes = true; break;
		case 'n': dry = true; break;
		}
	}
	struct plan *p = cmd_plan_arg(&cmd_rollback, argc, argv, false);
	/* The latest run, read without the lock: what it is decides. */
	char *path = runbook_journal_path(p, o.state);
	struct jlog l;
	int lr = cmd_journal_load(p, path, 0, &l);
	free(path);
	if (lr < 0)
		return EXIT_USAGE;
	if (lr == 1) {
		if (!dry)
			return runbook_rollback(p, &o); /* it says why not */
		errmsg("rollback: %s has no run to roll back", p->file);
		return EXIT_USAGE;
	}
	int rc = dry ? (runbook_rollback_dry_run(p, &l, stdout), EXIT_GO) :
	    confirm_completed(p, &l, o.yes);
	jlog_release(&l);
	if (dry || rc != EXIT_GO)
		return rc;
	/* Not plan_free: an abandoned check thread may still read it. */
	static struct plan *volatile keep;
	keep = p;
	return runbook_rollback(keep, &o);
}
