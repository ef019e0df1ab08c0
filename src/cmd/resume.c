/*
 * resume.c - `cutover resume PLAN`: continue the latest run where it stopped
 * (a crash, a signal, a pending go/no-go decision, a stopped failure).
 * The engine is runbook.c; this file only reads options.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../cmd.h"
#include "../lib/error.h"
#include "../lib/units.h"
#include "../runbook.h"
#include "../serve.h"

static const char usage[] =
"usage: cutover resume [OPTIONS] PLAN\n"
"\n"
"Continue the latest run of PLAN after the last completed step: after a\n"
"crash or kill -9, a signal, a failure stopped with --no-rollback, or a\n"
"gate awaiting a decision (gate checks run again before the decision).  A\n"
"run that was rolling back continues its rollback.\n"
"\n"
"A step that had started but not finished is 'interrupted'.  It is run\n"
"again only when the plan marks it 'idempotent: true' or with\n"
"--retry-interrupted; --skip-interrupted records that it finished (you\n"
"checked).  Otherwise resume exits 1 naming the step.\n"
"\n"
"The plan must be the file the run started with (its sha256 is in the\n"
"journal); --force accepts a changed plan and journals that decision.\n"
"\n"
"  -y, --yes                answer go at every gate that passes\n"
"      --retry-interrupted  run an interrupted step again\n"
"      --skip-interrupted   count an interrupted step as done\n"
"      --undo-interrupted   continuing a rollback: run the undo of a step\n"
"                           that did not complete\n"
"      --keep-interrupted   continuing a rollback: leave that step as it is\n"
"      --force              accept a plan that changed since the run began,\n"
"                           and start a phase outside the plan's schedule\n"
"      --no-rollback        on failure stop instead of rolling back\n"
"      --no-auto-rollback   a watch's fired rollback_if or failed success\n"
"                           rules alert and await a decision instead\n"
"      --rollback-on-signal SIGTERM rolls back (SIGINT always just stops)\n"
"  -s, --state FILE         the journal (default .cutover/NAME.db beside PLAN)\n"
"  -j, --jobs N             checks run at once (default 16)\n"
"      --serve ADDR:PORT    serve the dashboard, /metrics and /health of\n"
"                           this run from this process while it runs (as\n"
"                           'cutover serve'; loopback, or a token:)\n"
"      --serve-token-env NAME, --serve-basic-auth-env NAME\n"
"                           credentials for a non-loopback --serve\n"
"  -h, --help               show this help\n"
"\n"
"Exit status: as for 'cutover run'; 2 also when there is nothing to resume\n"
"or the plan changed.\n"
"\n"
"Examples:\n"
"  cutover resume plan.yml --yes\n"
"  cutover resume plan.yml --retry-interrupted\n";;

static int
resume_main(int argc, char **argv);

const struct cmd cmd_resume = {
	.name = "resume",
	.fn = resume_main,
	.usage = usage,
	.summary = "continue a stopped, crashed or awaiting run",
	.reads_plan = true,
};

static int
resume_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "retry-interrupted", no_argument, NULL, 'I' },
		{ "skip-interrupted", no_argument, NULL, 'K' },
		{ "undo-interrupted", no_argument, NULL, 'U' },
		{ "keep-interrupted", no_argument, NULL, 'P' },
		{ "force", no_argument, NULL, 'F' },
		{ "no-rollback", no_argument, NULL, 'R' },
		{ "no-auto-rollback", no_argument, NULL, 'A' },
		{ "rollback-on-signal", no_argument, NULL, 'T' },
		{ "state", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "serve", required_argument, NULL, 'S' },
		{ "serve-token-env", required_argument, NULL, 'E' },
		{ "serve-basic-auth-env", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rb_opts o = { 0 };
	struct serve_opts so = { 0 };
	int ch;

	while ((ch = cmd_getopt(&cmd_resume, argc, argv, "ys:j:h", lo)) != -1) {
		switch (ch) {
		case 'y': o.yes = true; break;
		case 'I': o.retry_interrupted = true; break;
		case 'K': o.skip_interrupted = true; break;
		case 'U': o.undo_interrupted = true; break;
		case 'P': o.keep_interrupted = true; break;
		case 'F': o.force = true; break;
		case 'R': o.no_rollback = true; break;
		case 'A': o.no_auto_rollback = true; break;
		case 'T': o.rollback_on_signal = true; break;
		case 's': o.state = optarg; break;
		case 'j': o.jobs = cmd_jobs(&cmd_resume, optarg); break;
		case 'S': so.listen = optarg; break;
		case 'E': so.token_env = optarg; break;
		case 'B': so.basic_env = optarg; break;
		}
	}
	cmd_serve_check(&cmd_resume, &so);
	struct plan *p = cmd_plan_arg(&cmd_resume, argc, argv, false);
	/* Not plan_free: an abandoned check thread may still read it. */
	static struct plan *volatile keep;
	keep = p;
	return cmd_serve_while(&cmd_resume, keep, &so, runbook_resume, &o);
}
