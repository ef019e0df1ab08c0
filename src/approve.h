/*
 * approve.h - approvals bound to people.
 *
 * Identity is the operating system's: the login name of the real uid,
 * or $SUDO_USER when root runs cutover through sudo.  Never $USER nor a
 * typed name: those are anyone's to set.  An answer is journaled with
 * that name whether it counts or not; one from somebody outside the
 * roles asked is kept as refused, so the report shows who tried.
 *
 * Subjects: a manual item's check id, "gate:PHASE" (a phase's go),
 * "rollback" and "force" (the two-person rule).  A two-person approval
 * is good for APPROVE_TWO_VALID after it was given and for one use.
 */
#ifndef CUTOVER_APPROVE_H
#define CUTOVER_APPROVE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/util.h"

struct plan;
struct journal;
struct approval_rule;

#define APPROVE_TWO_VALID	(60LL * 60 * 1000000)	/* an hour */

/* The OS identity (static storage). */
const char *approve_identity(void);
/* Is user in one of the rule's roles (any role when rule is NULL)? */
bool	 approve_member(const struct plan *p, const struct strlist *roles,
	    const char *user);

/* Journal rows (journal_approve.c). */
struct japproval {
	int64_t	 id, at_us;
	char	*subject, *user, *note, *refusal;
	bool	 yes, used;
	int64_t	 run;		/* 0: not tied to a run */
};
int	 journal_approval_add(struct journal *j, const char *subject,
	    const char *user, bool yes, const char *note, const char *refusal,
	    char **errp);
/* Every approval of subject, oldest first; caller frees. */
int	 journal_approvals(struct journal *j, const char *subject,
	    struct japproval **out, size_t *n, char **errp);
int	 journal_approval_use(struct journal *j, int64_t id, char **errp);
void	 japprovals_free(struct japproval *v, size_t n);
/* The latest passing journaled result of a check (any run): 0, 1 none. */
int	 journal_check_passed(struct journal *j, const char *check,
	    int64_t *at_us, char **errp);

/* Was event about check delivered to a channel (1), or not (0)? */
int	 journal_alerted(struct journal *j, const char *event,
	    const char *check, char **errp);

/*
 * Is the rule met for subject?  Counts the people in its roles whose
 * latest accepted answer is a yes not yet used (a later no withdraws).  Returns the
 * count; *who lists them ("alice, bob").  -1 with *errp.
 */
int	 approve_count(const struct plan *p, struct journal *j,
	    const char *subject, const struct approval_rule *r, char **who,
	    char **errp);
/*
 * Mark used the answers approve_count counts: a gate's approvals open
 * that gate once, and the next run's gate asks again (a checklist
 * item's sign-off is never used up).
 */
int	 approve_consume(const struct plan *p, struct journal *j,
	    const char *subject, const struct approval_rule *r, char **errp);
/*
 * The two-person rule for what ("rollback", "force") asked by user: 0
 * when the plan does not ask for it or a second person approved (that
 * approval is used up), 1 not (a line saying how to get one is printed),
 * -1 with *errp.
 */
int	 approve_two_person(const struct plan *p, struct journal *j,
	    const char *what, const char *user, char **errp);

/*
 * An answer by the OS identity to what: a manual item with approvers, a
 * phase whose gate has approvers, "rollback" or "force".  Prints a line
 * saying what was recorded.  0 counted, 1 refused (journaled as such),
 * 2 what is none of those (printed), -1 with *errp.
 */
int	 approve_answer(const struct plan *p, struct journal *j,
	    const char *what, bool yes, const char *note, char **errp);
/* Does manual item id take approvals rather than a confirmation? */
bool	 approve_is_rule(const struct plan *p, const char *id);

#endif
