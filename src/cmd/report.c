/*
 * report.c - `cutover report PLAN`: the migration report of a run, read
 * from the journal, as Markdown, self-contained HTML or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd.h"
#include "../journal.h"
#include "../lib/error.h"
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
	bool known = false;
	for (size_t i = 0; report_formats[i]; i++)
		known |= strcmp(format, report_formats[i]) == 0;
	if (!known) {
		const char *near = nearest(format, report_formats, 3);
		cmd_usage_error(&cmd_report, "unknown format '%s'%s%s%s", format,
		    near ? " (did you mean '" : " (md, html, json)",
		    near ? near : "", near ? "'?)" : "");
	}
	struct plan *p = cmd_plan_arg(&cmd_report, argc, argv, false);
	char *path = runbook_journal_path(p, state);
	struct journal *j = NULL;
	struct jlog l;
	int rc = EXIT_USAGE, lr = -1;
	FILE *out = NULL;
	if (journal_open(path, false, &j, &e) != 0 ||
	    (lr = journal_load(j, run, &l, &e)) < 0) {
		errmsg("%s", e);
		goto out;
	}
	if (lr == 1) {
		if (run)
			errmsg("%s: no run %lld in %s", p->file, run, path);
		else
			errmsg("%s: no run in %s: nothing to report", p->file,
			    path);
		goto out;
	}
	out = output ? fopen(output, "w") : stdout;
	if (out == NULL) {
		errmsg("cannot write '%s': %m", output);
		jlog_release(&l);
		goto out;
	}
	report_emit(out, format, p, &l);
	rc = strcmp(l.run.state, RUN_COMPLETED) == 0 ? EXIT_GO : EXIT_NOGO;
	if (out != stdout && fclose(out) != 0) {
		errmsg("cannot write '%s': %m", output);
		rc = EXIT_USAGE;
	}
	jlog_release(&l);
out:
	journal_close(j);
	free(e);
	free(path);
	plan_free(p);
	return rc;
}
