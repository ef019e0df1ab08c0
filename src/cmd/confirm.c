/*
 * confirm.c - `cutover confirm PLAN [ID..]`: answer the plan's human
 * checklist items (checks of kind `manual`).  Answers go to the plan's
 * journal with who and when; the `manual` check passes on a yes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../approve.h"
#include "../check.h"
#include "../cmd.h"
#include "../journal.h"
#include "../lib/error.h"
#include "../lib/redact.h"
#include "../lib/xmalloc.h"
#include "../runbook.h"

static const char usage[] =
"usage: cutover confirm [OPTIONS] PLAN [ID...]\n"
"\n"
"Answer the plan's human checklist items (checks of kind 'manual', such\n"
"as \"Team notified of the maintenance window?\").  With IDs, record yes\n"
"(or no, with --no) for each; without, list every item with its latest\n"
"answer and, on a terminal, ask the ones not yet confirmed.  Answers are\n"
"kept in the plan's journal with who gave them and when; 'cutover run'\n"
"asks unanswered items itself when it runs on a terminal.\n"
"\n"
"      --no           record no instead of yes\n"
"      --by NAME      who answers (default: $SUDO_USER, $USER)\n"
"      --note TEXT    a note kept with the answer\n"
"  -s, --state FILE   the journal (default .cutover/NAME.db beside PLAN)\n"
"  -h, --help         show this help\n"
"\n"
"Exit status: 0 recorded (or listed), 1 an item listed is not confirmed,\n"
"2 bad input (no such check, not a manual check).\n"
"\n"
"Examples:\n"
"  cutover confirm plan.yml team-notified --note 'mail sent 18:00'\n"
"  cutover confirm plan.yml\n";

static int
confirm_main(int argc, char **argv);

const struct cmd cmd_confirm = {
	.name = "confirm",
	.fn = confirm_main,
	.usage = usage,
	.summary = "answer manual checklist items; who and when are journaled",
	.reads_plan = true,
};

static int
list(struct journal *j, struct plan *p, const char *user)
{
	int rc = EXIT_GO;
	bool tty = isatty(0) && isatty(1);

	for (size_t i = 0; i < p->nchecks; i++) {
		const struct check *c = &p->checks[i];
		struct jconfirm a;
		char *e = NULL;
		if (strcmp(c->kind->name, "manual") != 0)
			continue;
		int got = journal_confirmation(j, c->id, &a, &e);
		char *q = redact(c->title ? c->title : c->id);
		if (got == 0) {
			char *t = fmt_time_iso(a.at_us);
			char *u = redact(a.user ? a.user : "?");
			printf("%-20s %-3s by %s at %s  %s\n", c->id,
			    a.yes ? "yes" : "no", u, t, q);
			free(u);
			free(t);
		} else {
			printf("%-20s %-3s %s\n", c->id, "-", q);
		}
		if ((got != 0 || !a.yes) && tty) {
			printf("  %s [y/N] ", q);
			fflush(stdout);
			char line[64] = "";
			bool yes = fgets(line, sizeof(line), stdin) != NULL &&
			    (line[0] == 'y' || line[0] == 'Y');
			if (journal_confirm(j, c->id, yes, user,
			    "answered at the terminal", &e) != 0) {
				errmsg("%s", e);
				rc = EXIT_USAGE;
			} else if (!yes) {
				rc = rc == EXIT_GO ? EXIT_NOGO : rc;
			}
		} else if (got != 0 || !a.yes) {
			rc = rc == EXIT_GO ? EXIT_NOGO : rc;
		}
		if (got == 0)
			jconfirm_release(&a);
		free(q);
		free(e);
	}
	return rc;
}

static int
confirm_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "no", no_argument, NULL, 'N' },
		{ "by", required_argument, NULL, 'b' },
		{ "note", required_argument, NULL, 'n' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state = NULL, *by = NULL, *note = NULL;
	bool yes = true;
	int ch;

	while ((ch = cmd_getopt(&cmd_confirm, argc, argv, "s:h", lo)) != -1) {
		switch (ch) {
		case 'N': yes = false; break;
		case 'b': by = optarg; break;
		case 'n': note = optarg; break;
		case 's': state = optarg; break;
		}
	}
	struct plan *p = cmd_plan_arg(&cmd_confirm, argc, argv, true);
	/* Every ID must be a manual check before anything is recorded. */
	const char *manual[256];
	size_t nm = 0;
	for (size_t i = 0; i < p->nchecks && nm < 256; i++)
		if (strcmp(p->checks[i].kind->name, "manual") == 0)
			manual[nm++] = p->checks[i].id;
	for (int i = optind + 1; i < argc; i++) {
		const struct check *c = plan_check(p, argv[i]);
		if (c && strcmp(c->kind->name, "manual") == 0)
			continue;
		const char *near = nearest(argv[i], manual, nm);
		errmsg("%s: %s '%s'%s%s%s", p->file, c ? "not a manual check:" :
		    "no check", argv[i], near ? " (did you mean '" : "",
		    near ? near : "", near ? "'?)" : "");
		plan_free(p);
		return EXIT_USAGE;
	}
	char *path = runbook_journal_path(p, state), *e = NULL;
	struct journal *j = NULL;
	/*
	 * Redacted before they are journaled: the journal is read by status
	 * and report, and a secret typed into --note must not be kept.
	 */
	char *user = redact(by ? by : runbook_user());
	char *rnote = note ? redact(note) : NULL;
	int rc = EXIT_GO;
	if (journal_open(path, true, &j, &e) != 0) {
		errmsg("%s", e);
		rc = EXIT_USAGE;
		goto out;
	}
	if (optind + 1 == argc) {
		if (nm == 0)
			printf("%s: no manual checks\n", p->file);
		rc = list(j, p, user);
		goto out;
	}
	for (int i = optind + 1; i < argc; i++) {
		const struct check *c = plan_check(p, argv[i]);
		/* Items with approvers take answers from people, not --by. */
		if (approve_is_rule(p, c->id)) {
			if (by) {
				errmsg("%s: --by is refused: '%s' has approvers, "
				    "who answer as themselves", p->file, c->id);
				rc = EXIT_USAGE;
				goto out;
			}
			int a = approve_answer(p, j, c->id, yes, rnote, &e);
			if (a < 0)
				errmsg("%s", e);
			if (a != 0) {
				rc = a < 0 || a == 2 ? EXIT_USAGE : EXIT_NOGO;
				goto out;
			}
			continue;
		}
		if (journal_confirm(j, c->id, yes, user, rnote, &e) != 0) {
			errmsg("%s", e);
			rc = EXIT_USAGE;
			goto out;
		}
		char *q = redact(c->title ? c->title : c->id);
		printf("%s: %s by %s: %s\n", c->id, yes ? "yes" : "no", user, q);
		free(q);
	}
out:
	journal_close(j);
	free(e);
	free(user);
	free(rnote);
	free(path);
	plan_free(p);
	return rc;
}
