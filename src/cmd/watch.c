/*
 * watch.c - `cutover watch PLAN`: one watch phase of the plan, without
 * its steps, journaled as a run (runbook_watch; the engine is watch.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd.h"
#include "../serve.h"
#include "../lib/error.h"
#include "../lib/units.h"
#include "../lib/xmalloc.h"
#include "../runbook.h"

static const char usage[] =
"usage: cutover watch [OPTIONS] PLAN\n"
"\n"
"Watch a system that is already switched (or the old one before the move)\n"
"with one watch phase of the plan, without its steps: its checks sampled\n"
"every 'every' for 'for', each sample journaled, its rollback_if rules\n"
"judged at every sample and its success rules (and the plan's) at the end.\n"
"A fired rule or a failed success rule rolls back with the plan's\n"
"rollback steps, as 'cutover run' does (--no-auto-rollback: it alerts and\n"
"awaits 'cutover resume' or 'cutover rollback').  The run is journaled\n"
"like any other: after kill -9 or a signal, the same command (or 'cutover\n"
"resume PLAN') continues the same watch, and the time nothing watched\n"
"counts as failing samples; --new starts another.\n"
"\n"
"Made to run under a service manager: it sleeps between samples, its\n"
"memory stays bounded over days, SIGTERM stops it at once with the\n"
"journal consistent.\n"
"\n"
"  -p, --phase P            the watch phase (default: the plan's last one)\n"
"      --for D              watch this long instead (a new watch only)\n"
"      --every D            sample this often instead (a new watch only)\n"
"  -f, --format F           text (state changes, the success table) or\n"
"                           jsonl (one JSON object a line: every sample,\n"
"                           trigger, success rule and the verdict)\n"
"      --no-auto-rollback   alert and await a decision instead of rolling back\n"
"      --new                abandon an unfinished run and start a new one\n"
"  -s, --state FILE         the journal (default .cutover/NAME.db beside PLAN)\n"
"  -j, --jobs N             checks run at once (default 16)\n"
"      --serve ADDR:PORT    serve the dashboard, /metrics and /health of\n"
"                           this watch from this process (as 'cutover\n"
"                           serve'; loopback, or a token:)\n"
"      --serve-token-env NAME, --serve-basic-auth-env NAME\n"
"                           credentials for a non-loopback --serve\n"
"  -h, --help               show this help\n"
"\n"
"Exit status: 0 every success rule held; 1 a rule fired or a success rule\n"
"failed (rolled back, or awaiting a decision); 2 bad input; 130/143\n"
"stopped by SIGINT/SIGTERM (continue with 'cutover resume PLAN').\n"
"\n"
"Examples:\n"
"  cutover watch plan.yml\n"
"  cutover watch plan.yml --phase post --for 48h --every 2h\n"
"  cutover watch plan.yml --format jsonl --no-auto-rollback\n";

static int
watch_main(int argc, char **argv);

const struct cmd cmd_watch = {
	.name = "watch",
	.fn = watch_main,
	.usage = usage,
	.summary = "watch after the switch: samples, rollback_if, success",
	.reads_plan = true,
};

static int64_t
duration_arg(const char *opt, const char *arg)
{
	int64_t us;
	char *e = NULL;

	if (parse_duration(arg, &us, &e) != 0 || us <= 0)
		cmd_usage_error(&cmd_watch, "%s: %s", opt, e ? e :
		    "must be above zero");
	return us;
}

static int
watch_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "phase", required_argument, NULL, 'p' },
		{ "for", required_argument, NULL, 'F' },
		{ "every", required_argument, NULL, 'E' },
		{ "format", required_argument, NULL, 'f' },
		{ "no-auto-rollback", no_argument, NULL, 'A' },
		{ "new", no_argument, NULL, 'N' },
		{ "state", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "serve", required_argument, NULL, 'S' },
		{ "serve-token-env", required_argument, NULL, 'K' },
		{ "serve-basic-auth-env", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const formats[] = { "text", "jsonl" };
	struct rb_opts o = { 0 };
	struct serve_opts so = { 0 };
	const char *phase = NULL;
	int ch;

	while ((ch = cmd_getopt(&cmd_watch, argc, argv, "p:f:s:j:h", lo)) !=
	    -1) {
		switch (ch) {
		case 'p': phase = optarg; break;
		case 'F': o.watch_for_us = duration_arg("--for", optarg); break;
		case 'E': o.watch_every_us = duration_arg("--every", optarg);
			break;
		case 'f':
			cmd_choice(&cmd_watch, "format", optarg, formats, 2);
			o.jsonl = strcmp(optarg, "jsonl") == 0;
			break;
		case 'A': o.no_auto_rollback = true; break;
		case 'N': o.new_run = true; break;
		case 's': o.state = optarg; break;
		case 'j': o.jobs = cmd_jobs(&cmd_watch, optarg); break;
		case 'S': so.listen = optarg; break;
		case 'K': so.token_env = optarg; break;
		case 'B': so.basic_env = optarg; break;
		}
	}
	cmd_serve_check(&cmd_watch, &so);
	struct plan *p = cmd_plan_arg(&cmd_watch, argc, argv, false);
	const struct phase *ph = NULL;
	if (phase) {
		ph = plan_phase(p, phase);
		if (ph == NULL || !ph->has_watch) {
			errmsg("%s: %s '%s'%s", p->file, ph ? "no watch in phase" :
			    "no phase", phase, ph ? ": give it 'watch: {every: "
			    "30s, for: 4h}'" : "");
			return EXIT_USAGE;
		}
	} else {
		for (size_t i = 0; i < p->nphases; i++)
			if (p->phases[i].has_watch)
				ph = &p->phases[i];
		if (ph == NULL) {
			errmsg("%s: no phase has 'watch:': give one 'watch: "
			    "{every: 30s, for: 4h}' and the checks to watch",
			    p->file);
			return EXIT_USAGE;
		}
	}
	o.watch_phase = ph->id;
	/* As for run: an abandoned check thread may still read the plan. */
	static struct plan *volatile keep;
	keep = p;
	return cmd_serve_while(&cmd_watch, keep, &so, runbook_watch, &o);
}
