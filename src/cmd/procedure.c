/*
 * procedure.c - `cutover procedure PLAN NAME` (also `cutover run PLAN
 * --procedure NAME`): start a contingency procedure by hand.  The engine
 * is runbook.c (runbook_procedure) and procedure.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"
#include "../procedure.h"
#include "../runbook.h"

static const char usage[] =
"usage: cutover procedure [OPTIONS] PLAN NAME\n"
"\n"
"Start the plan's contingency procedure NAME by hand (the plan's\n"
"'procedures:', such as 'use the public IPs when the private network\n"
"fails'): its steps in order, then its checks.  When the latest run is\n"
"unfinished (stopped, awaiting a decision), the procedure is journaled in\n"
"that run and the run is left where it was; otherwise it is a run of its\n"
"own.  A procedure that fails stops, or rolls back when the procedure\n"
"says 'on_failure: rollback'.  After a crash or kill -9 inside it,\n"
"'cutover resume PLAN' continues it without running its completed steps\n"
"again.  The same as 'cutover run PLAN --procedure NAME'.\n"
"\n"
"  -l, --list               list the plan's procedures and exit\n"
"      --no-rollback        on failure stop instead of rolling back\n"
"      --retry-interrupted  (resume) run an interrupted step again\n"
"      --force              accept a plan that changed since the run began\n"
"  -s, --state FILE         the journal (default .cutover/NAME.db beside PLAN)\n"
"  -j, --jobs N             checks run at once (default 16)\n"
"  -h, --help               show this help\n"
"\n"
"Exit status: 0 the procedure succeeded; 1 it failed (stopped or rolled\n"
"back); 2 bad input (no such procedure, journal in use); 130/143\n"
"interrupted by SIGINT/SIGTERM.\n"
"\n"
"Examples:\n"
"  cutover procedure plan.yml --list\n"
"  cutover procedure plan.yml public-ips\n";

static int
procedure_main(int argc, char **argv);

const struct cmd cmd_procedure = {
	.name = "procedure",
	.fn = procedure_main,
	.usage = usage,
	.summary = "start a contingency procedure of the plan by hand",
	.reads_plan = true,
};

/* NAME must be one of the plan's procedures ("did you mean"). */
void
procedure_name_arg(const struct cmd *c, const struct plan *p,
    const char *name)
{
	const char **names = xcalloc(p->nprocedures + 1, sizeof(*names));

	if (p->nprocedures == 0)
		cmd_usage_error(c, "%s has no procedures (give it "
		    "'procedures:')", p->file);
	for (size_t i = 0; i < p->nprocedures; i++)
		names[i] = p->procedures[i].id;
	cmd_choice(c, "procedure", name, names, p->nprocedures);
	free(names);
}

static int
procedure_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "no-rollback", no_argument, NULL, 'R' },
		{ "retry-interrupted", no_argument, NULL, 'I' },
		{ "force", no_argument, NULL, 'F' },
		{ "state", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rb_opts o = { 0 };
	bool list = false;
	int ch;

	while ((ch = cmd_getopt(&cmd_procedure, argc, argv, "ls:j:h", lo))
	    != -1) {
		switch (ch) {
		case 'l': list = true; break;
		case 'R': o.no_rollback = true; break;
		case 'I': o.retry_interrupted = true; break;
		case 'F': o.force = true; break;
		case 's': o.state = optarg; break;
		case 'j': o.jobs = cmd_jobs(&cmd_procedure, optarg); break;
		}
	}
	if (!list && optind + 2 != argc)
		cmd_usage_error(&cmd_procedure, optind + 1 >= argc ?
		    "missing NAME (see --list)" : "expected PLAN NAME");
	const char *name = list ? NULL : argv[argc - 1];
	struct plan *p = cmd_plan_arg(&cmd_procedure, list ? argc : argc - 1,
	    argv, false);
	if (list) {
		for (size_t i = 0; i < p->nprocedures; i++) {
			const struct procedure *pr = &p->procedures[i];
			printf("%s\t%zu step%s, on_failure %s%s%s\n", pr->id,
			    pr->nsteps, pr->nsteps == 1 ? "" : "s",
			    pr->on_failure == PROC_FAIL_ROLLBACK ? "rollback" :
			    "stop", pr->title ? "\t" : "", pr->title ?
			    pr->title : "");
		}
		plan_free(p);
		return EXIT_GO;
	}
	procedure_name_arg(&cmd_procedure, p, name);
	/* Not plan_free: an abandoned check thread may still read it. */
	static struct plan *volatile keep;
	keep = p;
	return runbook_procedure(keep, &o, name);
}
