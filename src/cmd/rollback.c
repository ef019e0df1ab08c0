/*
 * rollback.c - `cutover rollback PLAN`: undo the latest run: the undo of every
 * completed step, newest first, the plan's rollback steps, rollback_verify.
 * The engine is runbook.c; this file only reads options.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../cmd.h"
#include "../lib/error.h"
#include "../lib/units.h"
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
"\n"
"      --retry-interrupted  run an interrupted undo again\n"
"      --skip-interrupted   count an interrupted undo as done\n"
"      --undo-interrupted   run the undo of a step that did not complete\n"
"      --keep-interrupted   leave a step that did not complete as it is\n"
"      --force              accept a plan that changed since the run began\n"
"  -s, --state FILE         the journal (default .cutover/NAME.db beside PLAN)\n"
"  -j, --jobs N             checks run at once (default 16)\n"
"  -h, --help               show this help\n"
"\n"
"Exit status: 0 rolled back; 1 an undo, rollback step or rollback_verify\n"
"check failed; 2 bad input or nothing to roll back; 130/143 interrupted.\n"
"\n"
"Example:\n"
"  cutover rollback plan.yml && cutover report plan.yml -o rollback.md\n";;

static int
rollback_main(int argc, char **argv);

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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rb_opts o = { 0 };
	int ch;

	while ((ch = cmd_getopt(&cmd_rollback, argc, argv, "s:j:h", lo)) != -1) {
		switch (ch) {
		case 'I': o.retry_interrupted = true; break;
		case 'K': o.skip_interrupted = true; break;
		case 'U': o.undo_interrupted = true; break;
		case 'P': o.keep_interrupted = true; break;
		case 'F': o.force = true; break;
		case 's': o.state = optarg; break;
		case 'j': o.jobs = cmd_jobs(&cmd_rollback, optarg); break;
		}
	}
	struct plan *p = cmd_plan_arg(&cmd_rollback, argc, argv, false);
	/* Not plan_free: an abandoned check thread may still read it. */
	static struct plan *volatile keep;
	keep = p;
	return runbook_rollback(keep, &o);
}
