/*
 * test_journal.c - the runbook journal: what is written reads back, the
 * writer's lock excludes a second writer, a step left "running" by a dead
 * writer is visible as such, and the report renders from a loaded log.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../t.h"
#include "approve.h"
#include "journal.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"
#include "plan.h"
#include "report.h"
#include "status.h"

static char *
tmp_journal(void)
{
	char dir[] = "/tmp/cutover-journal.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return NULL;
	/* A directory that does not exist yet: open must create it. */
	return xasprintf("%s/.cutover/t.db", dir);
}

static void
rm_journal(char *path)
{
	char *cmd = xasprintf("rm -rf '%.*s'", (int)(strstr(path,
	    "/.cutover") - path), path);
	T_OK(system(cmd) == 0);
	free(cmd);
	free(path);
}

T_TEST(write_and_load)
{
	char *path = tmp_journal(), *e = NULL;
	struct journal *j = NULL;
	int64_t run = 0, row = 0;
	struct jlog l;

	T_OK(path != NULL);
	T_EQ_INT(journal_open(path, false, &j, &e), -1);
	T_OK(e && strstr(e, "nothing has run yet"));
	free(e);
	e = NULL;
	T_EQ_INT(journal_open(path, true, &j, &e), 0);
	T_EQ_INT(journal_load(j, 0, &l, &e), 1);	/* no run yet */
	T_EQ_INT(journal_run_begin(j, "plan", "p.yml", "abc", "alice", &run,
	    &e), 0);
	T_EQ_INT(run, 1);
	T_EQ_INT(journal_phase(j, run, "cut", "steps", 1000, 0, &e), 0);
	T_EQ_INT(journal_phase_window(j, run, "cut", 1500, &e), 0);
	T_EQ_INT(journal_step_begin(j, run, "cut", "s1", "step", 1, "run: a",
	    &row, &e), 0);
	T_EQ_INT(journal_step_pgid(j, row, 4242, &e), 0);
	T_EQ_INT(journal_step_end(j, row, STEP_OK, 0, 0, "exited with status 0",
	    "out\n", &e), 0);
	T_EQ_INT(journal_step_begin(j, run, "cut", "s2", "step", 1, "run: b",
	    &row, &e), 0);
	struct jcheck c = { .check_id = "c1", .kind = "file", .status = "pass",
	    .observed = "mode 0644", .attempts = 1, .duration_us = 12 };
	T_EQ_INT(journal_check(j, run, "cut", "gate", &c, &e), 0);
	T_EQ_INT(journal_decision(j, run, "cut", "go", "alice", "--yes",
	    "c1 pass", &e), 0);
	T_EQ_INT(journal_event(j, run, "window-target", "cut", NULL, "late",
	    &e), 0);
	/* The phase upsert keeps the first start and takes the end. */
	T_EQ_INT(journal_phase(j, run, "cut", "done", 9999, 2000, &e), 0);

	T_EQ_INT(journal_load(j, 0, &l, &e), 0);
	T_EQ_INT(l.run.id, 1);
	T_EQ_STR(l.run.user, "alice");
	T_EQ_STR(l.run.state, RUN_RUNNING);
	T_EQ_INT(l.nphases, 1);
	T_EQ_STR(l.phases[0].state, "done");
	T_EQ_INT(l.phases[0].started_us, 1000);
	T_EQ_INT(l.phases[0].ended_us, 2000);
	T_EQ_INT(l.phases[0].window_start_us, 1500);
	T_EQ_INT(l.nsteps, 2);
	T_EQ_STR(l.steps[0].state, STEP_OK);
	T_EQ_STR(l.steps[0].tail, "out\n");
	T_EQ_INT(l.steps[0].pgid, 4242);
	/* s2 started and never ended: exactly what a crash leaves. */
	T_EQ_STR(l.steps[1].state, STEP_RUNNING);
	T_EQ_INT(l.steps[1].ended_us, 0);
	T_OK(jlog_last_step(&l, "step", "s2") == &l.steps[1]);
	T_OK(jlog_last_step(&l, "undo", "s2") == NULL);
	T_EQ_INT(l.nchecks, 1);
	T_EQ_STR(l.checks[0].observed, "mode 0644");
	T_EQ_INT(l.ndecisions, 1);
	T_EQ_STR(l.decisions[0].based_on, "c1 pass");
	T_OK(jlog_has_event(&l, "window-target", NULL));
	T_OK(!jlog_has_event(&l, "not-undone", NULL));
	T_OK(jlog_phase(&l, "cut") != NULL);
	T_OK(jlog_phase(&l, "nope") == NULL);
	jlog_release(&l);

	T_EQ_INT(journal_run_state(j, run, RUN_COMPLETED, NULL, true, &e), 0);
	T_EQ_INT(journal_load(j, 1, &l, &e), 0);
	T_EQ_STR(l.run.state, RUN_COMPLETED);
	T_OK(l.run.ended_us > 0);
	jlog_release(&l);
	T_EQ_INT(journal_load(j, 7, &l, &e), 1);
	journal_close(j);
	free(e);
	rm_journal(path);
}

/*
 * Every text a write binds is redacted by the journal itself: a caller
 * that forgot cannot journal a secret (its JSON spelling neither).
 */
T_TEST(writes_are_redacted)
{
	char *path = tmp_journal(), *e = NULL;
	struct journal *j = NULL;
	int64_t run = 0, row = 0;
	struct jlog l;
	const char *sec = "Jrnl\\\"Secret-8383";

	redact_add(sec);
	T_EQ_INT(journal_open(path, true, &j, &e), 0);
	char *msg = xasprintf("pw=%s!", sec);
	T_EQ_INT(journal_run_begin(j, msg, "p.yml", "abc", sec, &run, &e), 0);
	T_EQ_INT(journal_step_begin(j, run, "cut", "s1", "step", 1, msg, &row,
	    &e), 0);
	T_EQ_INT(journal_step_end(j, row, STEP_FAILED, 1, 0, msg, msg, &e), 0);
	T_EQ_INT(journal_event(j, run, "note", "cut", "s1", msg, &e), 0);
	struct jcheck c = { .check_id = "c1", .kind = "sql", .status = "fail",
	    .observed = msg, .threshold = msg, .message = msg, .detail = msg,
	    .attempts = 1 };
	T_EQ_INT(journal_check(j, run, "cut", "gate", &c, &e), 0);
	T_EQ_INT(journal_decision(j, run, "cut", "go", sec, msg, msg, &e), 0);
	T_EQ_INT(journal_load(j, run, &l, &e), 0);
	T_EQ_STR(l.run.user, REDACT_MASK);
	T_EQ_STR(l.steps[0].command, "pw=" REDACT_MASK "!");
	T_EQ_STR(l.steps[0].message, "pw=" REDACT_MASK "!");
	T_EQ_STR(l.steps[0].tail, "pw=" REDACT_MASK "!");
	T_EQ_STR(l.events[0].message, "pw=" REDACT_MASK "!");
	T_EQ_STR(l.checks[0].observed, "pw=" REDACT_MASK "!");
	T_EQ_STR(l.checks[0].detail, "pw=" REDACT_MASK "!");
	T_EQ_STR(l.decisions[0].user, REDACT_MASK);
	T_EQ_STR(l.decisions[0].based_on, "pw=" REDACT_MASK "!");
	jlog_release(&l);
	/* And nowhere in the file, in any spelling. */
	char *cmd = xasprintf("grep -qaF 'Secret-8383' '%s'*", path);
	T_OK(system(cmd) != 0);
	free(cmd);
	/* NULL stays SQL NULL, not an empty string. */
	T_EQ_INT(journal_event(j, run, "n2", NULL, NULL, NULL, &e), 0);
	T_EQ_INT(journal_load(j, run, &l, &e), 0);
	T_OK(l.events[1].phase_id == NULL);
	jlog_release(&l);
	free(msg);
	journal_close(j);
	redact_clear();
	free(e);
	rm_journal(path);
}

T_TEST(lock_excludes_a_second_writer)
{
	char *path = tmp_journal(), *e = NULL;
	struct journal *a = NULL, *b = NULL;

	T_EQ_INT(journal_open(path, true, &a, &e), 0);
	T_EQ_INT(journal_open(path, true, &b, &e), 0);
	T_EQ_INT(journal_holder(path), 0);
	T_EQ_INT(journal_lock(a, &e), 0);
	T_EQ_INT(journal_holder(path), getpid());
	T_EQ_INT(journal_lock(b, &e), -1);
	char *want = xasprintf("is in use by pid %ld", (long)getpid());
	T_OK(e && strstr(e, want));
	free(want);
	/* Closing the holder releases the lock, as death would. */
	journal_close(a);
	T_EQ_INT(journal_holder(path), 0);
	T_EQ_INT(journal_lock(b, &e), 0);
	journal_close(b);
	free(e);
	rm_journal(path);
}

T_TEST(pgid_alive_sees_live_groups_only)
{
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	setpgid(pid, pid);
	T_OK(pgid_alive(pid));
	kill(pid, SIGKILL);
	/*
	 * A zombie is not alive.  Wait until the child is one (waitid with
	 * WNOWAIT leaves it unreaped) rather than for a fixed 50 ms, which a
	 * loaded machine did not always give the kernel.
	 */
	siginfo_t si;
	T_EQ_INT(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	T_OK(!pgid_alive(pid));
	waitpid(pid, NULL, 0);
	T_OK(!pgid_alive(pid));
	T_OK(!pgid_alive(0));
}

T_TEST(report_renders_from_a_log)
{
	static const char yaml[] =
	    "cutover: 1\nname: r\n"
	    "checks: [ { id: c1, kind: file, path: /x } ]\n"
	    "risks: [ { id: R1, title: 'Loss | <b>', level: critical, "
	    "mitigated_by: [c1] } ]\n"
	    "phases:\n"
	    "  - id: cut\n"
	    "    window: { target: 1s, max: 2s }\n"
	    "    steps:\n"
	    "      - { id: s1, run: 'true', undo: 'true', downtime: start }\n"
	    "      - { id: s2, run: 'true', downtime: end }\n"
	    "    gate: [c1]\n";
	char *errs = NULL, *path = tmp_journal(), *e = NULL;
	struct plan *p = plan_load_mem("r.yml", yaml, sizeof(yaml) - 1, &errs);
	struct journal *j = NULL;
	int64_t run, row;
	struct jlog l;

	T_OK(p != NULL);
	if (p == NULL) {
		printf("# %s", errs);
		free(errs);
		free(path);
		return;
	}
	T_EQ_INT(journal_open(path, true, &j, &e), 0);
	T_EQ_INT(journal_run_begin(j, "r", "r.yml", p->sha256, "bob", &run,
	    &e), 0);
	T_EQ_INT(journal_phase(j, run, "cut", "steps", 5, 0, &e), 0);
	T_EQ_INT(journal_step_begin(j, run, "cut", "s1", "step", 1, "run: true",
	    &row, &e), 0);
	T_EQ_INT(journal_step_end(j, row, STEP_OK, 0, 0, "ok", "", &e), 0);
	T_EQ_INT(journal_step_begin(j, run, "cut", "s2", "step", 1, "run: true",
	    &row, &e), 0);
	T_EQ_INT(journal_step_end(j, row, STEP_FAILED, 1, 0, "exited with "
	    "status 1", "boom <tag> | pipe", &e), 0);
	struct jcheck c = { .check_id = "c1", .kind = "file", .status = "pass",
	    .attempts = 1 };
	T_EQ_INT(journal_check(j, run, "cut", "gate", &c, &e), 0);
	T_EQ_INT(journal_load(j, 0, &l, &e), 0);

	const char *fmts[] = { "md", "html", "json" };
	for (int i = 0; i < 3; i++) {
		char *doc = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&doc, &len);
		T_EQ_INT(report_emit(f, fmts[i], p, &l), 0);
		fclose(f);
		T_OK(len > 500);
		/* State running, nobody holds the lock: the run died. */
		T_OK(strstr(doc, "INTERRUPTED") != NULL);
		if (i == 0) {
			/* A pipe in a cell must not break the table, nor
			 * raw HTML run when a forge renders the report. */
			T_OK(strstr(doc, "Loss \\| &lt;b&gt;") != NULL);
			T_OK(strstr(doc, "<b>") == NULL);
			T_OK(strstr(doc, "boom <tag> | pipe") != NULL);
		} else if (i == 1) {
			T_OK(strstr(doc, "Loss | &lt;b&gt;") != NULL);
			T_OK(strstr(doc, "<b>") == NULL);
		} else {
			T_OK(strstr(doc, "\"mitigation_ready\": true") != NULL);
		}
		free(doc);
	}
	T_EQ_INT(report_emit(stdout, "pdf", p, &l), -1);

	char *doc = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);
	status_emit(f, false, p, &l, path);
	fclose(f);
	T_OK(strstr(doc, "plan r: run 1 ") != NULL);
	T_OK(strstr(doc, "last step: s2 (2 of 2), failed") != NULL);
	T_OK(strstr(doc, "last gate (cut): c1 pass") != NULL);
	free(doc);

	jlog_release(&l);
	journal_close(j);
	plan_free(p);
	free(e);
	rm_journal(path);
}

/* A journal that lost its record is an error, never a fresh start. */
T_TEST(probe_refuses_a_lost_journal)
{
	char *path = tmp_journal(), *e = NULL;
	struct journal *j = NULL;
	struct stat sb;

	T_OK(path != NULL);
	T_EQ_INT(journal_probe(path, &e), 1);	/* fresh: nothing there */
	T_EQ_INT(journal_open(path, true, &j, &e), 0);
	T_EQ_INT(journal_lock(j, &e), 0);
	journal_close(j);
	T_OK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	T_EQ_INT(journal_probe(path, &e), 0);
	T_OK(truncate(path, 0) == 0);		/* truncated */
	T_EQ_INT(journal_probe(path, &e), -1);
	T_OK(e && strstr(e, "is empty (0 bytes)"));
	free(e);
	e = NULL;
	T_EQ_INT(journal_open(path, true, &j, &e), -1);
	free(e);
	e = NULL;
	T_OK(unlink(path) == 0);		/* deleted, .lock left */
	T_EQ_INT(journal_probe(path, &e), -1);
	T_OK(e && strstr(e, ".lock is there"));
	free(e);
	e = NULL;
	char *lock = xasprintf("%s.lock", path);
	T_OK(unlink(lock) == 0);
	free(lock);
	T_OK(symlink("/nonexistent/cutover-stolen.db", path) == 0);
	T_EQ_INT(journal_open(path, true, &j, &e), -1);
	T_OK(e && strstr(e, "is a symbolic link"));
	T_OK(lstat("/nonexistent/cutover-stolen.db", &sb) != 0);
	free(e);
	rm_journal(path);
}

/*
 * A step row keeps the host it ran on ("NAME DESTINATION", or "local");
 * a journal made before the column existed is migrated on open, and its
 * rows read back with no host (not recorded).
 */
T_TEST(step_host_and_old_journal)
{
	char *path = tmp_journal(), *e = NULL;
	struct journal *j = NULL;
	int64_t run = 0, row = 0;
	struct jlog l;
	sqlite3 *db = NULL;

	T_OK(path != NULL);
	T_EQ_INT(journal_open(path, true, &j, &e), 0);
	T_EQ_INT(journal_run_begin(j, "plan", "p.yml", "abc", "alice", &run,
	    &e), 0);
	T_EQ_INT(journal_step_begin(j, run, "p", "far", "step", 1, "run: a",
	    &row, &e), 0);
	T_EQ_INT(journal_step_host(j, row, "vps2", "ssh://root@10.0.0.2:2222",
	    &e), 0);
	T_EQ_INT(journal_step_begin(j, run, "p", "near", "step", 1, "run: b",
	    &row, &e), 0);
	T_EQ_INT(journal_step_host(j, row, NULL, NULL, &e), 0);
	T_EQ_INT(journal_load(j, 0, &l, &e), 0);
	T_EQ_STR(l.steps[0].host, "vps2");
	T_EQ_STR(l.steps[0].host_ssh, "ssh://root@10.0.0.2:2222");
	T_EQ_STR(l.steps[1].host, "local");
	T_OK(l.steps[1].host_ssh == NULL);
	jlog_release(&l);
	journal_close(j);

	/* An old journal: the same rows without the column. */
	T_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(db, "ALTER TABLE steps DROP COLUMN host", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	T_EQ_INT(journal_open(path, false, &j, &e), 0);	/* read-only */
	T_EQ_INT(journal_load(j, 0, &l, &e), 0);
	T_EQ_INT(l.nsteps, 2);
	T_OK(l.steps[0].host == NULL && l.steps[0].host_ssh == NULL);
	jlog_release(&l);
	journal_close(j);
	T_EQ_INT(journal_open(path, true, &j, &e), 0);	/* migrates */
	T_EQ_INT(journal_step_host(j, 1, "vps1", "root@10.0.0.1", &e), 0);
	T_EQ_INT(journal_load(j, 0, &l, &e), 0);
	T_EQ_STR(l.steps[0].host, "vps1");
	T_OK(l.steps[1].host == NULL);
	jlog_release(&l);
	journal_close(j);
	free(e);
	rm_journal(path);
}

/*
 * An approvals table journal_approvals cannot read (a damaged journal):
 * an error, and nothing handed back (unit-asan: nothing leaked).
 */
T_TEST(unreadable_approvals_leave_nothing)
{
	char *path = tmp_journal(), *e = NULL;
	struct journal *j = NULL;
	struct japproval *v = NULL;
	size_t n = 1;
	sqlite3 *db = NULL;

	T_OK(path != NULL);
	T_EQ_INT(journal_open(path, true, &j, &e), 0);
	journal_close(j);
	T_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(db, "CREATE TABLE approvals(id INTEGER)", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	T_EQ_INT(journal_open(path, false, &j, &e), 0);
	T_EQ_INT(journal_approvals(j, "gate:cut", &v, &n, &e), -1);
	T_OK(v == NULL && n == 0);
	T_OK(e && strstr(e, "at_us"));
	free(e);
	journal_close(j);
	rm_journal(path);
}

T_SUITE(journal, write_and_load, writes_are_redacted, lock_excludes_a_second_writer,
    pgid_alive_sees_live_groups_only, report_renders_from_a_log,
    probe_refuses_a_lost_journal,
    step_host_and_old_journal, unreadable_approvals_leave_nothing)
