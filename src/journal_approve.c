/*
 * journal_approve.c - the approvals table of the journal (approve.h):
 *
 *   approvals(id, at_us, subject, user, yes, note, refusal, used)
 *
 * Kept across runs like the manual items' confirmations: a T-48h
 * sign-off is given before any run exists.  refusal is NULL for an
 * answer that counts, else why it does not (not in the role).  The table
 * is made by the first write, so that an older journal, and serve's
 * read-only connection to it, read "no approvals" until then.
 */
#include <stdlib.h>
#include <string.h>

#include "approve.h"
#include "journal_int.h"
#include "lib/error.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

static const char schema[] =
"CREATE TABLE IF NOT EXISTS approvals(id INTEGER PRIMARY KEY,"
" at_us INTEGER, subject TEXT, user TEXT, yes INTEGER, note TEXT,"
" refusal TEXT, used INTEGER DEFAULT 0)";

static int
dberr(struct journal *j, char **errp)
{
	seterr(errp, "journal %s: %s", j->path, sqlite3_errmsg(j->db));
	pthread_mutex_unlock(&j->mu);
	return -1;
}

static bool
has_table(struct journal *j, const char *name)
{
	sqlite3_stmt *st;
	bool has = false;

	if (sqlite3_prepare_v2(j->db, "SELECT 1 FROM sqlite_master WHERE "
	    "type='table' AND name=?", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	has = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return has;
}

static char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

int
journal_approval_add(struct journal *j, const char *subject,
    const char *user, bool yes, const char *note, const char *refusal,
    char **errp)
{
	sqlite3_stmt *st;

	pthread_mutex_lock(&j->mu);
	if (sqlite3_exec(j->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(j->db, "INSERT INTO approvals(at_us, subject,"
	    " user, yes, note, refusal) VALUES(?,?,?,?,?,?)", -1, &st,
	    NULL) != SQLITE_OK)
		return dberr(j, errp);
	sqlite3_bind_int64(st, 1, now_wall_us());
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, yes ? 1 : 0);
	sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, refusal, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return dberr(j, errp);
	pthread_mutex_unlock(&j->mu);
	journal_committed();
	return 0;
}

int
journal_approvals(struct journal *j, const char *subject,
    struct japproval **out, size_t *n, char **errp)
{
	sqlite3_stmt *st;
	size_t cap = 8;

	*n = 0;
	*out = xcalloc(cap, sizeof(**out));
	pthread_mutex_lock(&j->mu);
	if (!has_table(j, "approvals")) {
		pthread_mutex_unlock(&j->mu);
		return 0;
	}
	if (sqlite3_prepare_v2(j->db, "SELECT id, at_us, subject, user, yes,"
	    " note, refusal, used FROM approvals WHERE subject=? ORDER BY id",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, subject, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap *= 2;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		struct japproval *a = &(*out)[(*n)++];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(st, 0);
		a->at_us = sqlite3_column_int64(st, 1);
		a->subject = col(st, 2);
		a->user = col(st, 3);
		a->yes = sqlite3_column_int(st, 4) != 0;
		a->note = col(st, 5);
		a->refusal = col(st, 6);
		a->used = sqlite3_column_int(st, 7) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	pthread_mutex_unlock(&j->mu);
	return 0;
fail:
	/* Nothing half-read is handed back: the callers return at once. */
	japprovals_free(*out, *n);
	*out = NULL;
	*n = 0;
	return dberr(j, errp);
}

int
journal_approval_use(struct journal *j, int64_t id, char **errp)
{
	sqlite3_stmt *st;

	pthread_mutex_lock(&j->mu);
	if (sqlite3_prepare_v2(j->db, "UPDATE approvals SET used=1 WHERE id=?",
	    -1, &st, NULL) != SQLITE_OK)
		return dberr(j, errp);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return dberr(j, errp);
	pthread_mutex_unlock(&j->mu);
	journal_committed();
	return 0;
}

void
japprovals_free(struct japproval *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].subject);
		free(v[i].user);
		free(v[i].note);
		free(v[i].refusal);
	}
	free(v);
}

int
journal_check_passed(struct journal *j, const char *check, int64_t *at_us,
    char **errp)
{
	sqlite3_stmt *st;

	pthread_mutex_lock(&j->mu);
	if (sqlite3_prepare_v2(j->db, "SELECT at_us FROM checks WHERE"
	    " check_id=? AND status IN ('pass','warn') ORDER BY id DESC"
	    " LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return dberr(j, errp);
	sqlite3_bind_text(st, 1, check, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*at_us = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&j->mu);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return seterr(errp, "journal %s: read failed", j->path);
	return rc == SQLITE_ROW ? 0 : 1;
}

int
journal_alerted(struct journal *j, const char *event, const char *check,
    char **errp)
{
	sqlite3_stmt *st;

	pthread_mutex_lock(&j->mu);
	if (sqlite3_prepare_v2(j->db, "SELECT 1 FROM alerts WHERE event=? AND"
	    " check_id=? AND state='sent' LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return dberr(j, errp);
	sqlite3_bind_text(st, 1, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, check, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&j->mu);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return seterr(errp, "journal %s: read failed", j->path);
	return rc == SQLITE_ROW ? 1 : 0;
}
