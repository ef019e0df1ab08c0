/*
 * approve.c - `cutover approve PLAN WHAT`: an approval by the person
 * running it, as the operating system knows them (approve.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "../approve.h"
#include "../cmd.h"
#include "../journal.h"
#include "../lib/error.h"
#include "../lib/redact.h"
#include "../runbook.h"

static const char usage[] =
"usage: cutover approve [OPTIONS] PLAN WHAT\n"
"\n"
"Approve WHAT as yourself: your login name (or, when root runs this\n"
"through sudo, the user who ran sudo).  There is no option to name\n"
"someone else.  WHAT is one of:\n"
"  ITEM      a manual checklist item with 'approvers:' (it passes when\n"
"            'quorum' distinct people of those roles approved it)\n"
"  PHASE     a phase with 'approvers:': the go at its gate is theirs;\n"
"            an awaiting run continues with 'cutover resume PLAN'\n"
"  rollback  the second person of 'two_person: [rollback]': the next\n"
"            'cutover rollback' by somebody else, within an hour, goes\n"
"  force     the same for --force under 'two_person: [force]'\n"
"An answer from somebody outside the roles asked is refused, and kept in\n"
"the journal as refused.  The approver needs write access to the journal\n"
"(sudo, or a group shared with the operator: see the README).\n"
"\n"
"      --no           record a no (withdraws your earlier yes)\n"
"      --note TEXT    a note kept with the answer\n"
"  -s, --state FILE   the journal (default .cutover/NAME.db beside PLAN)\n"
"  -h, --help         show this help\n"
"\n"
"Exit status: 0 recorded, 1 refused (not in the role), 2 bad input.\n"
"\n"
"Examples:\n"
"  cutover approve plan.yml backup-signed-off --note 'restore tested'\n"
"  sudo cutover approve plan.yml rollback\n";

static int
approve_main(int argc, char **argv);

const struct cmd cmd_approve = {
	.name = "approve",
	.fn = approve_main,
	.usage = usage,
	.summary = "approve an item, a gate, a rollback or --force, as yourself",
	.reads_plan = true,
};

static int
approve_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "no", no_argument, NULL, 'N' },
		{ "note", required_argument, NULL, 'n' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state = NULL, *note = NULL;
	bool yes = true;
	int ch;

	while ((ch = cmd_getopt(&cmd_approve, argc, argv, "s:h", lo)) != -1) {
		switch (ch) {
		case 'N': yes = false; break;
		case 'n': note = optarg; break;
		case 's': state = optarg; break;
		}
	}
	struct plan *p = cmd_plan_arg(&cmd_approve, argc, argv, true);
	if (argc - optind != 2) {
		errmsg("approve: name one thing to approve (see --help)");
		plan_free(p);
		return EXIT_USAGE;
	}
	char *path = runbook_journal_path(p, state), *e = NULL;
	char *rnote = note ? redact(note) : NULL;
	struct journal *j = NULL;
	int rc;
	if (journal_open(path, true, &j, &e) != 0) {
		errmsg("%s", e);
		rc = EXIT_USAGE;
		goto out;
	}
	rc = approve_answer(p, j, argv[optind + 1], yes, rnote, &e);
	if (rc < 0) {
		errmsg("%s", e);
		rc = EXIT_USAGE;
	} else {
		rc = rc == 0 ? EXIT_GO : rc == 1 ? EXIT_NOGO : EXIT_USAGE;
	}
out:
	journal_close(j);
	free(e);
	free(rnote);
	free(path);
	plan_free(p);
	return rc;
}
