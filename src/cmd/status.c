/*
 * status.c - `cutover status PLAN`: where the latest run stands, read from
 * the journal without taking its lock (a run may be going on right now).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../cmd.h"
#include "../journal.h"
#include "../lib/error.h"
#include "../lib/units.h"
#include "../report.h"
#include "../runbook.h"

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
"  -h, --help         show this help\n"
"\n"
"Exit status: 0 (also when nothing has run yet), 2 bad input or an\n"
"unreadable journal.\n"
"\n"
"Example:\n"
"  cutover status plan.yml --format json | jq -r .state\n";

static int
status_main(int argc, char **argv);

const struct cmd cmd_status = {
	.name = "status",
	.fn = status_main,
	.usage = usage,
	.summary = "show where a run stands: state, phase, step, window",
	.env_later = true,
};

static int
status_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "run", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text", *state = NULL;
	long long run = 0;
	int ch;
	char *e = NULL;

	while ((ch = cmd_getopt(&cmd_status, argc, argv, "f:s:h", lo)) != -1) {
		switch (ch) {
		case 'f': format = optarg; break;
		case 's': state = optarg; break;
		case 'r':
			if (parse_int(optarg, 1, 1LL << 40, &run, &e) != 0)
				cmd_usage_error(&cmd_status, "--run: %s", e);
			break;
		}
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		cmd_usage_error(&cmd_status, "unknown format '%s' (text, json)",
		    format);
	struct plan *p = cmd_plan_arg(&cmd_status, argc, argv, false);
	bool json = strcmp(format, "json") == 0;
	char *path = runbook_journal_path(p, state);
	struct stat sb;
	int rc = EXIT_GO;
	struct journal *j = NULL;
	struct jlog l;
	if (stat(path, &sb) != 0) {
		if (json)
			printf("{\"plan\": \"%s\", \"state\": \"none\", "
			    "\"run\": null}\n", p->name);
		else
			printf("plan %s: no run yet (no journal at %s)\n",
			    p->name, path);
		goto out;
	}
	int lr = -1;
	if (journal_open(path, false, &j, &e) != 0 ||
	    (lr = journal_load(j, run, &l, &e)) < 0) {
		errmsg("%s", e);
		rc = EXIT_USAGE;
		goto out;
	}
	if (lr == 1) {
		if (run) {
			errmsg("%s: no run %lld in %s", p->file, run, path);
			rc = EXIT_USAGE;
		} else if (json) {
			printf("{\"plan\": \"%s\", \"state\": \"none\", "
			    "\"run\": null}\n", p->name);
		} else {
			printf("plan %s: no run yet\n", p->name);
		}
		goto out;
	}
	status_emit(stdout, json, p, &l, path);
	jlog_release(&l);
out:
	journal_close(j);
	free(e);
	free(path);
	plan_free(p);
	return rc;
}
