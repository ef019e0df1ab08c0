/*
 * run.c - `cutover run PLAN`: execute the runbook phase by phase
 * (entry checks, steps, go/no-go gates, windows, rollback), journaled.
 * The engine is runbook.c; this file only reads options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cmd.h"
#include "../journal.h"
#include "../lib/error.h"
#include "../lib/units.h"
#include "../procedure.h"
#include "../lib/xmalloc.h"
#include "../plan.h"
#include "../report.h"
#include "../runbook.h"
#include "../serve.h"

static const char usage[] =
"usage: cutover run [OPTIONS] PLAN\n"
"\n"
"Execute the plan's phases in order.  For each phase its checks must pass\n"
"(an entry gate), then its steps run in order (argv or shell, with env,\n"
"cwd, timeout, retries; output streams here, redacted), then its gate\n"
"checks decide go/no-go.  A passing gate asks 'go? [y/N]' on a terminal;\n"
"without a terminal and without --yes the run stops there, awaiting a\n"
"decision ('cutover resume PLAN --yes').  A failing step, a failing gate or\n"
"a phase past its window max rolls back: the undo of every completed step,\n"
"newest first, then the plan's rollback steps, then rollback_verify.\n"
"\n"
"Everything is journaled in .cutover/NAME.db beside the plan, committed\n"
"before each step starts and after it ends: after a crash, 'cutover status'\n"
"tells the truth and 'cutover resume' continues.\n"
"\n"
"  -y, --yes                answer go at every gate that passes\n"
"  -n, --dry-run            print the plan as it would execute; run nothing\n"
"      --no-rollback        on failure stop instead of rolling back\n"
"      --no-auto-rollback   a watch's fired rollback_if or failed success\n"
"                           rules alert and await a decision instead\n"
"      --rollback-on-signal SIGTERM rolls back (SIGINT always just stops)\n"
"      --new                abandon an unfinished run and start a new one\n"
"      --procedure NAME     start contingency procedure NAME by hand\n"
"                           instead (as 'cutover procedure PLAN NAME')\n"
"      --from PHASE         begin at PHASE: the phases before it are not\n"
"                           run (journaled as skipped); refused when one\n"
"                           of their steps is not idempotent and has not\n"
"                           completed in an earlier run of this journal\n"
"      --start-at STEP      begin at STEP (its phase's entry checks run,\n"
"                           the steps before it do not); refused likewise\n"
"      --force              start there anyway, or start a phase outside\n"
"                           the plan's schedule (journaled; a second person\n"
"                           approves it first when the plan has\n"
"                           two_person: [force])\n"
"  -s, --state FILE         the journal (default .cutover/NAME.db beside PLAN)\n"
"  -j, --jobs N             checks run at once (default 16)\n"
"  -f, --format F           text (default), or json: the run's output goes\n"
"                           to stderr and, once it ends, stdout gets the\n"
"                           run's record as 'report --format json' prints\n"
"                           it (README, \"JSON output\")\n"
"      --serve ADDR:PORT    serve the dashboard, /metrics and /health of\n"
"                           this run from this process while it runs (as\n"
"                           'cutover serve'; loopback, or a token:)\n"
"      --serve-token-env NAME, --serve-basic-auth-env NAME\n"
"                           credentials for a non-loopback --serve\n"
"  -h, --help               show this help\n"
"\n"
"Exit status: 0 completed (go); 1 no-go, awaiting a decision, stopped or\n"
"rolled back; 2 bad input (plan, options, journal in use by another run);\n"
"130/143 interrupted by SIGINT/SIGTERM.\n"
"\n"
"Examples:\n"
"  cutover run plan.yml --dry-run\n"
"  cutover run plan.yml --yes\n"
"  cutover run plan.yml --no-rollback --state /var/lib/cutover/db.journal\n";;

static int
run_main(int argc, char **argv);

const struct cmd cmd_run = {
	.name = "run",
	.fn = run_main,
	.usage = usage,
	.summary = "execute the runbook: checks, steps, gates, rollback",
	.reads_plan = true,
	.plan_stdin = true,
};

/*
 * run --format json: stdout is the document alone, so the run's own lines
 * go to stderr until it ends; then the journal's record of the run, in
 * the report's shape (one shape for a run, however it is asked for).
 */
static int
run_json(struct plan *p, const struct rb_opts *o)
{
	fflush(stdout);
	int keep = dup(STDOUT_FILENO);
	if (keep < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		die(EXIT_USAGE, "run: cannot redirect output: %m");
	int rc = runbook_run(p, o);
	fflush(stdout);
	if (dup2(keep, STDOUT_FILENO) < 0)
		die(EXIT_USAGE, "run: cannot restore output: %m");
	close(keep);
	char *path = runbook_journal_path(p, o->state);
	struct jlog l;
	if (cmd_journal_load(p, path, 0, &l) == 0) {
		report_emit(stdout, "json", p, &l);
		jlog_release(&l);
	}
	free(path);
	return rc;
}

/* --from / --start-at name a phase or a step of the plan: else exit 2. */
static void
start_exists(const struct plan *p, const struct rb_opts *o)
{
	const char *want = o->from_phase ? o->from_phase : o->start_step;
	if (want == NULL)
		return;
	size_t n = 0;
	for (size_t i = 0; i < p->nphases; i++)
		n += o->from_phase ? 1 : p->phases[i].nsteps;
	const char **ids = xcalloc(n + 1, sizeof(*ids));
	n = 0;
	for (size_t i = 0; i < p->nphases; i++) {
		if (o->from_phase)
			ids[n++] = p->phases[i].id;
		for (size_t k = 0; o->start_step && k < p->phases[i].nsteps; k++)
			ids[n++] = p->phases[i].steps[k].id;
	}
	cmd_choice(&cmd_run, o->from_phase ? "phase" : "step", want, ids, n);
	free(ids);
}

static int
run_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-rollback", no_argument, NULL, 'R' },
		{ "no-auto-rollback", no_argument, NULL, 'A' },
		{ "rollback-on-signal", no_argument, NULL, 'T' },
		{ "new", no_argument, NULL, 'N' },
		{ "procedure", required_argument, NULL, 'P' },
		{ "state", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "serve", required_argument, NULL, 'S' },
		{ "serve-token-env", required_argument, NULL, 'K' },
		{ "serve-basic-auth-env", required_argument, NULL, 'B' },
		{ "format", required_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'M' },
		{ "start-at", required_argument, NULL, 'X' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const formats[] = { "text", "json" };
	struct rb_opts o = { 0 };
	struct serve_opts so = { 0 };
	bool dry = false, json = false;
	const char *proc = NULL;
	int ch;

	while ((ch = cmd_getopt(&cmd_run, argc, argv, "yns:j:f:h", lo)) !=
	    -1) {
		switch (ch) {
		case 'y': o.yes = true; break;
		case 'n': dry = true; break;
		case 'R': o.no_rollback = true; break;
		case 'A': o.no_auto_rollback = true; break;
		case 'T': o.rollback_on_signal = true; break;
		case 'N': o.new_run = true; break;
		case 'P': proc = optarg; break;
		case 'F': o.force = o.force_start = true; break;
		case 's': o.state = optarg; break;
		case 'j': o.jobs = cmd_jobs(&cmd_run, optarg); break;
		case 'S': so.listen = optarg; break;
		case 'K': so.token_env = optarg; break;
		case 'B': so.basic_env = optarg; break;
		case 'M': o.from_phase = optarg; break;
		case 'X': o.start_step = optarg; break;
		case 'f':
			cmd_choice(&cmd_run, "format", optarg, formats, 2);
			json = strcmp(optarg, "json") == 0;
			break;
		}
	}
	if (!dry && optind < argc && strcmp(argv[optind], "-") == 0)
		cmd_usage_error(&cmd_run, "a plan from standard input can only "
		    "be dry-run (--dry-run): a run is resumed, rolled back and "
		    "reported from its plan file");
	if (dry && json)
		cmd_usage_error(&cmd_run, "--dry-run prints text: '--format "
		    "json' is the record of a run");
	if (o.from_phase && o.start_step)
		cmd_usage_error(&cmd_run, "--from and --start-at both say where "
		    "to begin: give one");
	if (proc && (o.from_phase || o.start_step))
		cmd_usage_error(&cmd_run, "--procedure runs one procedure: "
		    "--from and --start-at are for the plan's phases");
	if (dry && (o.from_phase || o.start_step))
		cmd_usage_error(&cmd_run, "--dry-run prints the whole plan: "
		    "--from and --start-at are for a run");
	cmd_serve_check(&cmd_run, &so);
	struct plan *p = cmd_plan_arg(&cmd_run, argc, argv, false);
	start_exists(p, &o);
	if (dry) {
		runbook_dry_run(p, &o, stdout);
		plan_free(p);
		return EXIT_GO;
	}
	/*
	 * Not plan_free: a check that overran its timeout may still be
	 * running in an abandoned thread that reads the plan (see check.c).
	 * A static reference keeps it reachable until exit.
	 */
	static struct plan *volatile keep;
	keep = p;
	if (proc) {
		procedure_name_arg(&cmd_run, p, proc);
		return runbook_procedure(keep, &o, proc);
	}
	return cmd_serve_while(&cmd_run, keep, &so, json ? run_json :
	    runbook_run, &o);
}
