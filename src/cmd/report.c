/*
 * report.c - `cutover report PLAN`: the migration report of a run, read
 * from the journal, as Markdown, self-contained HTML or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cmd.h"
#include "../journal.h"
#include "../lib/error.h"
#include "../lib/ofile.h"
#include "../lib/units.h"
#include "../report.h"
#include "../runbook.h"

static const char usage[] =
"usage: cutover report [OPTIONS] PLAN\n"
"\n"
"Write the migration report of the latest run of PLAN from its journal:\n"
"the verdict, each phase and step with its duration, the real downtime\n"
"against the window, every check result with its observed value, the\n"
"go/no-go decisions (who, when, on which results), rollback actions and\n"
"steps not undone, the risk matrix (mitigation ready: every mitigated_by\n"
"check passed in this run; rollback ready: every completed step of the\n"
"phases the risk touches has an undo) and the timeline.\n"
"\n"
"  -f, --format F     md (default), html (one self-contained file, no\n"
"                     network, printable) or json\n"
"  -o, --output FILE  write there instead of stdout\n"
"      --run N        a given run instead of the latest\n"
"  -s, --state FILE   the journal (default .cutover/NAME.db beside PLAN)\n"
"  -h, --help         show this help\n"
"\n"
"Exit status: 0 the run completed (go), 1 it did not (rolled back,\n"
"stopped, awaiting, in progress), 2 bad input or no journal.\n"
"\n"
"Examples:\n"
"  cutover report plan.yml -o report.md\n"
"  cutover report plan.yml --format html -o report.html\n";

static int
report_main(int argc, char **argv);

const struct cmd cmd_report = {
	.name = "report",
	.fn = report_main,
	.usage = usage,
	.summary = "the migration report from the journal: md, html, json",
	.env_later = true,
	.reads_plan = true,
};

static int
report_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "run", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "md", *state = NULL, *output = NULL;
	long long run = 0;
	int ch;
	char *e = NULL;

	while ((ch = cmd_getopt(&cmd_report, argc, argv, "f:o:s:h", lo)) != -1) {
		switch (ch) {
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 's': state = optarg; break;
		case 'r':
			if (parse_int(optarg, 1, 1LL << 40, &run, &e) != 0)
				cmd_usage_error(&cmd_report, "--run: %s", e);
			break;
		}
	}
	size_t nformats = 0;
	while (report_formats[nformats])
		nformats++;
	cmd_choice(&cmd_report, "format", format, report_formats, nformats);
	struct plan *p = cmd_plan_arg(&cmd_report, argc, argv, false);
	char *path = runbook_journal_path(p, state);
	struct jlog l;
	int rc = EXIT_USAGE, lr = cmd_journal_load(p, path, run, &l);
	FILE *out = NULL;
	if (lr < 0)
		goto out;
	if (lr == 1) {
		if (access(path, F_OK) != 0)
			errmsg("no journal at %s: nothing has run yet (or give "
			    "--state FILE)", path);
		else
			errmsg("%s: no run in %s: nothing to report", p->file,
			    path);
		goto out;
	}
	/* A report holds output tails: 0600, whole or not at all. */
	struct ofile of;
	if (output && ofile_open(&of, output, &e) != 0) {
		errmsg("%s", e);
		jlog_release(&l);
		goto out;
	}
	out = output ? of.f : stdout;
	report_emit(out, format, p, &l);
	rc = strcmp(l.run.state, RUN_COMPLETED) == 0 ? EXIT_GO : EXIT_NOGO;
	if (output && ofile_commit(&of, &e) != 0) {
		errmsg("%s", e);
		rc = EXIT_USAGE;
	}
	jlog_release(&l);
out:
	free(e);
	free(path);
	plan_free(p);
	return rc;
}
