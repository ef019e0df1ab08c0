/*
 * status.c - `cutover status PLAN`: where the latest run stands, read from
 * the journal without taking its lock (a run may be going on right now).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cmd.h"
#include "../journal.h"
#include "../lib/error.h"
#include "../lib/units.h"
#include "../lib/util.h"
#include "../runbook.h"
#include "../schedule.h"
#include "../status.h"

static const char usage[] =
"usage: cutover status [OPTIONS] PLAN\n"
"\n"
"Show where the latest run of PLAN stands, from its journal: the run's\n"
"state (running with its pid, awaiting a decision, stopped, interrupted\n"
"when the process died, rolling back, completed, rolled back), the current\n"
"phase and step, the time elapsed in the phase's window, the last gate's\n"
"results and what to do next.  Safe to run while a run is going on.\n"
"\n"
"  -f, --format F     text (default) or json\n"
"      --run N        a given run instead of the latest\n"
"  -s, --state FILE   the journal (default .cutover/NAME.db beside PLAN)\n"
"      --alert        send checklist.overdue to the plan's alerts for each\n"
"                     overdue checklist item not alerted before (for cron)\n"
"  -h, --help         show this help\n"
"\n"
"Exit status: 0 (also when nothing has run yet), 2 bad input or an\n"
"unreadable journal.\n"
"\n"
"Example:\n"
"  cutover status plan.yml --format json | jq -r .state\n";

static int
status_main(int argc, char **argv);

/* How long status waits for a run that a lock holder is starting. */
#define STATUS_WAIT_US	(2 * US_PER_S)

const struct cmd cmd_status = {
	.name = "status",
	.fn = status_main,
	.usage = usage,
	.summary = "show where a run stands: state, phase, step, window",
	.env_later = true,
	.reads_plan = true,
};

static int
status_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "run", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "alert", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text", *state = NULL;
	long long run = 0;
	bool alert = false;
	int ch;
	char *e = NULL;

	while ((ch = cmd_getopt(&cmd_status, argc, argv, "f:s:h", lo)) != -1) {
		switch (ch) {
		case 'f': format = optarg; break;
		case 's': state = optarg; break;
		case 'A': alert = true; break;
		case 'r':
			if (parse_int(optarg, 1, 1LL << 40, &run, &e) != 0)
				cmd_usage_error(&cmd_status, "--run: %s", e);
			break;
		}
	}
	static const char *const formats[] = { "text", "json" };
	cmd_choice(&cmd_status, "format", format, formats, 2);
	struct plan *p = cmd_plan_arg(&cmd_status, argc, argv, false);
	bool json = strcmp(format, "json") == 0;
	char *path = runbook_journal_path(p, state);
	int rc = EXIT_GO;
	struct jlog l;
	journal_set_current(path);	/* the checklist's answers */
	int lr = cmd_journal_load(p, path, run, &l);
	/*
	 * A process that holds the journal but is not the latest run's is
	 * starting a new run (or resuming one) and has not written it yet:
	 * wait for it, so that `run &` then `status` shows the new run and
	 * not the one before.  Bounded: confirm and approve hold the lock
	 * for a moment without a run of their own.
	 */
	for (int64_t until = now_mono_us() + STATUS_WAIT_US; run == 0 &&
	    lr >= 0 && now_mono_us() < until;) {
		long h = journal_holder(path);
		if (h == 0 || (lr == 0 && h == l.run.pid))
			break;
		if (lr == 0)
			jlog_release(&l);
		sleep_us(20 * 1000);
		lr = cmd_journal_load(p, path, run, &l);
	}
	switch (lr) {
	case 0:
		status_emit(stdout, json, p, &l, path);
		jlog_release(&l);
		break;
	case 1:
		status_emit_none(stdout, json, p, access(path, F_OK) == 0 ?
		    NULL : path);
		break;
	default:
		rc = EXIT_USAGE;
	}
	if (alert && rc == EXIT_GO && schedule_alert_overdue(p, path, &e) < 0) {
		errmsg("%s", e);
		rc = EXIT_USAGE;
	}
	free(e);
	free(path);
	plan_free(p);
	return rc;
}
