/*
 * approve.c - who is answering, whether they may, and whether enough
 * distinct people did (approve.h).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approve.h"
#include "journal.h"
#include "lib/error.h"
#include "lib/xmalloc.h"
#include "plan.h"
#include "schedule.h"

const char *
approve_identity(void)
{
	static char name[64];
	const char *u = NULL;

	/*
	 * Root answering through sudo is the person who ran sudo.  Only
	 * root's $SUDO_USER counts: anybody else can set the variable.
	 */
	if (getuid() == 0)
		u = getenv("SUDO_USER");
	if (u == NULL || *u == '\0') {
		struct passwd *pw = getpwuid(getuid());
		u = pw ? pw->pw_name : NULL;
	}
	if (u == NULL || *u == '\0')
		snprintf(name, sizeof(name), "uid %ld", (long)getuid());
	else
		snprintf(name, sizeof(name), "%s", u);
	return name;
}

bool
approve_member(const struct plan *p, const struct strlist *roles,
    const char *user)
{
	const struct schedule *s = p->sched;

	if (s == NULL)
		return false;
	for (size_t i = 0; i < s->nroles; i++) {
		if (roles && !strlist_has(roles, s->roles[i].name))
			continue;
		if (strlist_has(&s->roles[i].users, user))
			return true;
	}
	return false;
}

/*
 * The distinct people of r's roles whose latest answer on subject is a
 * yes not yet used; with consume, those answers are marked used.
 */
static int
tally(const struct plan *p, struct journal *j, const char *subject,
    const struct approval_rule *r, char **who, bool consume, char **errp)
{
	struct japproval *v;
	size_t n;
	struct strlist yes = { 0 }, seen = { 0 };
	int rc = 0;

	*who = NULL;
	if (journal_approvals(j, subject, &v, &n, errp) != 0)
		return -1;
	/* Newest first: a person's latest counted answer decides. */
	for (size_t i = n; i-- > 0 && rc == 0;) {
		if (v[i].refusal || strlist_has(&seen, v[i].user))
			continue;
		strlist_push(&seen, v[i].user);
		/* The plan may have changed since: judge by today's roles. */
		if (v[i].used || !v[i].yes ||
		    !approve_member(p, &r->roles, v[i].user))
			continue;
		strlist_push(&yes, v[i].user);
		if (consume)
			rc = journal_approval_use(j, v[i].id, errp);
	}
	int count = (int)yes.n;
	*who = strlist_join(&yes, ", ");
	strlist_release(&yes);
	strlist_release(&seen);
	japprovals_free(v, n);
	return rc ? -1 : count;
}

int
approve_count(const struct plan *p, struct journal *j, const char *subject,
    const struct approval_rule *r, char **who, char **errp)
{
	return tally(p, j, subject, r, who, false, errp);
}

int
approve_consume(const struct plan *p, struct journal *j, const char *subject,
    const struct approval_rule *r, char **errp)
{
	char *who;
	int rc = tally(p, j, subject, r, &who, true, errp);

	free(who);
	return rc < 0 ? -1 : 0;
}

int
approve_two_person(const struct plan *p, struct journal *j, const char *what,
    const char *user, char **errp)
{
	const struct schedule *s = p->sched;
	struct japproval *v;
	size_t n;

	/* One approval covers one command, whatever it forces. */
	static bool granted[2];
	bool rollback = strcmp(what, "rollback") == 0;

	if (s == NULL || !(rollback ? s->two_rollback : s->two_force) ||
	    granted[rollback])
		return 0;
	if (journal_approvals(j, what, &v, &n, errp) != 0)
		return -1;
	int64_t now = now_wall_us();
	int rc = 1;
	for (size_t i = n; i-- > 0;) {
		const struct japproval *a = &v[i];
		if (a->refusal || !a->yes || a->used ||
		    now - a->at_us > APPROVE_TWO_VALID)
			continue;
		if (strcmp(a->user, user) == 0)
			continue;
		if (s->nroles && !approve_member(p, NULL, a->user))
			continue;
		if (journal_approval_use(j, a->id, errp) != 0) {
			rc = -1;
			break;
		}
		printf("two-person rule: %s approved by %s\n", what, a->user);
		granted[rollback] = true;
		fflush(stdout);
		rc = 0;
		break;
	}
	japprovals_free(v, n);
	if (rc == 1)
		errmsg("two-person rule: %s by %s needs a second person: another "
		    "%s runs 'cutover approve %s %s' (good for an hour), then "
		    "try again", what, user, s->nroles ? "member of the plan's "
		    "roles" : "user", p->file, what);
	return rc;
}

bool
approve_is_rule(const struct plan *p, const char *id)
{
	const struct check *c = plan_check(p, id);
	const struct sched_check *sc = c ? sched_check_of(c) : NULL;

	return sc && sc->approve.roles.n;
}

int
approve_answer(const struct plan *p, struct journal *j, const char *what,
    bool yes, const char *note, char **errp)
{
	const struct schedule *s = p->sched;
	const char *user = approve_identity();
	const struct approval_rule *rule = NULL;
	char *subject = NULL;
	bool member;

	if (approve_is_rule(p, what)) {
		rule = &sched_check_of(plan_check(p, what))->approve;
		subject = xstrdup(what);
	} else if (plan_phase(p, what) &&
	    sched_phase_of(p, plan_phase(p, what))->gate.roles.n) {
		rule = &sched_phase_of(p, plan_phase(p, what))->gate;
		subject = xasprintf("gate:%s", what);
	} else if ((strcmp(what, "rollback") == 0 && s->two_rollback) ||
	    (strcmp(what, "force") == 0 && s->two_force)) {
		subject = xstrdup(what);
	} else {
		errmsg("%s: nothing to approve named '%s' (a manual item or a "
		    "phase with 'approvers', or rollback/force under "
		    "'two_person')", p->file, what);
		return 2;
	}
	if (rule)
		member = approve_member(p, &rule->roles, user);
	else
		member = s->nroles == 0 || approve_member(p, NULL, user);
	char *roles = rule ? strlist_join(&rule->roles, ", ") :
	    xstrdup("any role");
	char *refusal = member ? NULL : xasprintf("%s is not in %s", user,
	    roles);
	int rc = journal_approval_add(j, subject, user, yes, note, refusal,
	    errp);
	if (rc == 0 && refusal) {
		errmsg("%s: refused: %s (the answer is journaled as refused)",
		    what, refusal);
		rc = 1;
	} else if (rc == 0 && rule) {
		char *who = NULL;
		int got = approve_count(p, j, subject, rule, &who, errp);
		if (got < 0)
			rc = -1;
		else
			printf("%s: %s by %s (%d of %d: %s)\n", what, yes ?
			    "approved" : "not approved", user, got,
			    rule->quorum, got ? who : "nobody yet");
		free(who);
	} else if (rc == 0) {
		printf("%s: %s by %s (the next '%s' by someone else within an "
		    "hour may go ahead)\n", what, yes ? "approved" :
		    "not approved", user, what);
	}
	free(refusal);
	free(roles);
	free(subject);
	return rc;
}
