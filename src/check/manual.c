/*
 * manual.c - kind `manual`: a human checklist item ("Team notified of the
 * maintenance window?").  It passes when someone said yes: at the
 * go/no-go terminal of `cutover run` (which asks before running the
 * checks) or with `cutover confirm PLAN ID`.  The answer, who gave it and
 * when, lives in the plan's journal, so the report can show it.
 *
 *   { id: team-notified, kind: manual,
 *     ask: Team notified of the maintenance window?, valid_for: 24h }
 *
 * The question doubles as the check's title when it has none: that is
 * what the runbook prints at the prompt.
 */
#include <stdlib.h>
#include <string.h>

#include "../approve.h"
#include "../check.h"
#include "../journal.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"
#include "../runbook.h"
#include "../schedule.h"

struct manual_conf {
	char	*ask;
	int64_t	 valid_us;	/* 0: an answer never expires */
};

static const char *const keys[] = { "ask", "valid_for", NULL };

static int
manual_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct manual_conf *k = xcalloc(1, sizeof(*k));
	int rc = 0;

	c->priv = k;
	k->ask = pn_req_str(cx, map, "ask");
	if (k->ask == NULL)
		rc = -1;
	else if (c->title == NULL)
		c->title = xstrdup(k->ask);
	rc |= pn_duration(cx, pn_get(cx, map, "valid_for"), "valid_for",
	    &k->valid_us);
	return rc;
}

/* An item with approvers (approve.h): quorum distinct people said yes. */
static void
approvals(const struct check *c, const char *path, struct result *r)
{
	const struct approval_rule *rule = &sched_check_of(c)->approve;
	struct journal *j = NULL;
	char *e = NULL, *who = NULL;
	int got = -1;

	result_threshold(r, "approved by %d", rule->quorum);
	if (journal_open(path, false, &j, &e) == 0)
		got = approve_count(c->plan, j, c->id, rule, &who, &e);
	journal_close(j);
	if (got < 0)
		got = 0;
	result_observed(r, "%d approval%s", got, got == 1 ? "" : "s");
	if (got >= rule->quorum) {
		result_set(r, ST_PASS, "approved by %s", who);
	} else {
		char *roles = strlist_join(&rule->roles, ", ");
		/* Not a failed verification: a question still open. */
		r->unanswered = true;
		result_set(r, ST_FAIL, "%d of %d approvals from %s%s%s (each "
		    "approver runs 'cutover approve %s %s')", got, rule->quorum,
		    roles, got ? ": " : "", got ? who : "", c->plan->file, c->id);
		free(roles);
	}
	free(who);
	free(e);
}

static void
manual_run(const struct check *c, struct result *r)
{
	const struct manual_conf *k = c->priv;
	char *path = journal_current() ? xstrdup(journal_current()) :
	    runbook_journal_path(c->plan, NULL);
	struct journal *j = NULL;
	struct jconfirm a;
	char *e = NULL;
	int rc = -1;

	result_threshold(r, "confirmed yes");
	if (approve_is_rule(c->plan, c->id)) {
		approvals(c, path, r);
		free(path);
		return;
	}
	if (journal_open(path, false, &j, &e) == 0)
		rc = journal_confirmation(j, c->id, &a, &e);
	if (rc != 0) {
		result_observed(r, "unanswered");
		r->unanswered = true;
		result_set(r, ST_FAIL, "not confirmed: %s (answer with 'cutover "
		    "confirm %s %s')", k->ask, c->plan->file, c->id);
		goto out;
	}
	char *when = fmt_time_iso(a.at_us);
	result_observed(r, "%s by %s", a.yes ? "yes" : "no", a.user ? a.user :
	    "?");
	if (!a.yes) {
		result_set(r, ST_FAIL, "answered no by %s at %s%s%s", a.user,
		    when, a.note ? ": " : "", a.note ? a.note : "");
	} else if (k->valid_us && now_wall_us() - a.at_us > k->valid_us) {
		char *v = fmt_duration(k->valid_us);
		result_set(r, ST_FAIL, "confirmed by %s at %s, more than %s ago: "
		    "confirm it again", a.user, when, v);
		free(v);
	} else {
		result_set(r, ST_PASS, "confirmed by %s at %s%s%s", a.user, when,
		    a.note ? ": " : "", a.note ? a.note : "");
	}
	free(when);
	jconfirm_release(&a);
out:
	journal_close(j);
	free(e);
	free(path);
}

static void
manual_free(void *p)
{
	struct manual_conf *k = p;

	free(k->ask);
	free(k);
}

const struct check_kind check_manual = {
	.name = "manual",
	.summary = "a human checklist item, answered at the prompt or by "
	    "`cutover confirm`",
	.keys = keys,
	.parse = manual_parse,
	.run = manual_run,
	.free = manual_free,
};
