/*
 * journal.c - the SQLite journal; see journal.h for the guarantees.
 *
 * Every write goes through jw(), which runs one statement in autocommit
 * mode: with journal_mode=WAL and synchronous=FULL, SQLite fsyncs the WAL
 * before sqlite3_step returns, so "committed" means "on disk".
 */
#include <ctype.h>
#include <math.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "journal.h"
#include "lib/error.h"
#include "lib/redact.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define JOURNAL_VERSION	1

#include "journal_int.h"

static const char schema[] =
"CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, plan_name TEXT,"
" plan_file TEXT, plan_sha TEXT, state TEXT, reason TEXT, user TEXT,"
" host TEXT, pid INTEGER, started_us INTEGER, ended_us INTEGER);"
"CREATE TABLE IF NOT EXISTS phases(run_id INTEGER, phase_id TEXT,"
" seq INTEGER, state TEXT, entry_ok INTEGER DEFAULT 0, started_us INTEGER,"
" ended_us INTEGER, window_start_us INTEGER, PRIMARY KEY(run_id, phase_id));"
"CREATE TABLE IF NOT EXISTS steps(id INTEGER PRIMARY KEY, run_id INTEGER,"
" phase_id TEXT, step_id TEXT, kind TEXT, attempt INTEGER, state TEXT,"
" started_us INTEGER, ended_us INTEGER, exit_code INTEGER, signal INTEGER,"
" pgid INTEGER, message TEXT, tail TEXT, command TEXT);"
"CREATE TABLE IF NOT EXISTS checks(id INTEGER PRIMARY KEY, run_id INTEGER,"
" phase_id TEXT, role TEXT, check_id TEXT, kind TEXT, status TEXT,"
" observed TEXT, threshold TEXT, message TEXT, detail TEXT,"
" attempts INTEGER, duration_us INTEGER, at_us INTEGER, value REAL);"
"CREATE TABLE IF NOT EXISTS decisions(id INTEGER PRIMARY KEY,"
" run_id INTEGER, at_us INTEGER, phase_id TEXT, decision TEXT, user TEXT,"
" how TEXT, based_on TEXT);"
"CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, run_id INTEGER,"
" at_us INTEGER, type TEXT, phase_id TEXT, step_id TEXT, message TEXT);"
"CREATE TABLE IF NOT EXISTS confirmations(id INTEGER PRIMARY KEY,"
" check_id TEXT, answer INTEGER, user TEXT, at_us INTEGER, note TEXT);"
"CREATE TABLE IF NOT EXISTS alerts(id INTEGER PRIMARY KEY, run_id INTEGER,"
" channel TEXT, event TEXT, phase_id TEXT, check_id TEXT, status TEXT,"
" message TEXT, queued_us INTEGER, state TEXT, attempts INTEGER,"
" outcome TEXT, done_us INTEGER);";

/* ---- fault injection ------------------------------------------------- */

static long kill_after = -1;	/* -1: not read yet; 0: off */
static long ncommits;

void
journal_committed(void)
{
	if (kill_after < 0) {
		const char *s = getenv("CUTOVER_JOURNAL_KILL_AFTER");
		kill_after = s ? strtol(s, NULL, 10) : 0;
		if (kill_after < 0)
			kill_after = 0;
	}
	if (kill_after > 0 && ++ncommits == kill_after)
		raise(SIGKILL);
}

/* ---- statements ------------------------------------------------------ */

/*
 * Prepare the write sql and bind arguments described by fmt: 't' text,
 * redacted (NULL binds SQL NULL), 'i' int64, 'd' int, 'f' double (NaN
 * binds SQL NULL).
 */
static sqlite3_stmt *
prep(struct journal *j, const char *sql, const char *fmt, va_list ap,
    char **errp)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
		seterr(errp, "journal %s: %s", j->path, sqlite3_errmsg(j->db));
		return NULL;
	}
	for (int i = 0; fmt && fmt[i]; i++) {
		switch (fmt[i]) {
		case 't': {
			const char *s = va_arg(ap, const char *);
			if (s == NULL) {
				sqlite3_bind_null(st, i + 1);
				break;
			}
			/*
			 * The last line of defence: a caller that forgot to
			 * redact cannot journal a secret (the file outlives
			 * the run and is shared).  Cheap next to the fsync of
			 * the write: a step (begin + end, 64 KiB tail) takes
			 * 6-9 ms here, redacting its texts 0.15-0.25 ms with
			 * 10-50 secrets registered.
			 */
			char *r = redact(s);
			sqlite3_bind_text(st, i + 1, r, -1, SQLITE_TRANSIENT);
			free(r);
			break;
		}
		case 'i':
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'd':
			sqlite3_bind_int(st, i + 1, va_arg(ap, int));
			break;
		case 'f': {
			double v = va_arg(ap, double);
			if (isnan(v))
				sqlite3_bind_null(st, i + 1);
			else
				sqlite3_bind_double(st, i + 1, v);
			break;
		}
		}
	}
	return st;
}

/* Run one write statement as its own committed transaction. */
static int
jw(struct journal *j, char **errp, const char *sql, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&j->mu);
	va_start(ap, fmt);
	sqlite3_stmt *st = prep(j, sql, fmt, ap, errp);
	va_end(ap);
	if (st == NULL) {
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	return journal_write(j, st, errp);
}

int
journal_write(struct journal *j, sqlite3_stmt *st, char **errp)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		seterr(errp, "journal %s: write failed: %s", j->path,
		    sqlite3_errmsg(j->db));
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	pthread_mutex_unlock(&j->mu);
	journal_committed();
	return 0;
}

/* ---- open, lock ------------------------------------------------------ */

static int
mkdirs(const char *path, char **errp)
{
	char *d = xstrdup(path);

	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0755) != 0 && errno != EEXIST) {
			seterr_errno(errp, "cannot create directory '%s'", d);
			free(d);
			return -1;
		}
		*p = '/';
	}
	free(d);
	return 0;
}

/* The files SQLite and the lock keep beside the journal. */
static const char *const companions[] = { "-wal", "-shm", ".lock" };

int
journal_probe(const char *path, char **errp)
{
	struct stat sb;

	if (lstat(path, &sb) == 0) {
		if (S_ISLNK(sb.st_mode))
			return seterr(errp, "journal %s is a symbolic link: "
			    "refusing to follow it (it holds step output); "
			    "remove the link, or give --state FILE", path);
		if (!S_ISREG(sb.st_mode))
			return seterr(errp, "journal %s is not a regular file",
			    path);
		/*
		 * journal_open never leaves an empty file (it creates the
		 * journal aside and links it in whole): an empty one was
		 * truncated, and taking it as new would run completed
		 * steps again.
		 */
		if (sb.st_size == 0)
			return seterr(errp, "journal %s is empty (0 bytes): "
			    "what it recorded is lost; restore it from a copy, "
			    "or remove it and its -wal, -shm and .lock files to "
			    "start afresh (completed steps would run again)",
			    path);
		return 0;
	}
	if (errno != ENOENT)
		return seterr_errno(errp, "cannot read journal '%s'", path);
	for (size_t i = 0; i < sizeof(companions) / sizeof(*companions); i++) {
		char *c = xasprintf("%s%s", path, companions[i]);
		bool there = lstat(c, &sb) == 0;
		if (there)
			seterr(errp, "no journal at %s, but %s is there: the "
			    "journal was deleted or moved, and what it recorded "
			    "is lost; restore it, or remove %s to start afresh "
			    "(completed steps would run again)", path, c, c);
		free(c);
		if (there)
			return -1;
	}
	return 1;
}

/* Refuse a symbolic link planted where SQLite will create a file. */
static int
no_links(const char *path, char **errp)
{
	struct stat sb;

	for (size_t i = 0; i < sizeof(companions) / sizeof(*companions); i++) {
		char *c = xasprintf("%s%s", path, companions[i]);
		bool link = lstat(c, &sb) == 0 && S_ISLNK(sb.st_mode);
		if (link)
			seterr(errp, "%s is a symbolic link: refusing to follow "
			    "it (the journal's files hold step output)", c);
		free(c);
		if (link)
			return -1;
	}
	return 0;
}

/* Whether sql (a SELECT naming a column) prepares: the column exists. */
static bool
prepares(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;

	sqlite3_finalize(st);
	return ok;
}

static bool
has_value_column(sqlite3 *db)
{
	return prepares(db, "SELECT value FROM checks LIMIT 0");
}

static bool
has_host_column(sqlite3 *db)
{
	return prepares(db, "SELECT host FROM steps LIMIT 0");
}

static int
user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * The schema in one transaction: each CREATE in autocommit was its own
 * commit and fdatasync, and user_version was written (a commit and a
 * sync) at every open.  A 1-s `cutover watch` that creates its journal
 * made 38 fdatasync and 265 fcntl calls, now 22 and 143 (strace -c;
 * creating the journal was ~11% of its ~125 ms of CPU in `perf`).  A
 * journal already up to date commits nothing.
 */
static int
setup(sqlite3 *db, const char *path, char **errp)
{
	char *e = NULL;

	/* A reader may meet a writer mid-commit: wait rather than fail. */
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;", NULL, NULL, &e) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &e) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, schema, NULL, NULL, &e) != SQLITE_OK ||
	    sqlite3_exec(db, journal_watch_schema, NULL, NULL, &e) !=
	    SQLITE_OK)
		goto fail_tx;
	if (journal_watch_upgrade(db, &e) != 0)
		goto fail_tx;
	if (user_version(db) != 1)
		sqlite3_exec(db, "PRAGMA user_version=1", NULL, NULL, NULL);
	/*
	 * checks.value (the numeric observation behind /metrics) came after
	 * the first journals: add it to one that lacks it.  The test is a
	 * prepare of a statement naming it, not the text of an error.
	 */
	if (!has_value_column(db) && sqlite3_exec(db, "ALTER TABLE checks ADD"
	    " COLUMN value REAL", NULL, NULL, &e) != SQLITE_OK)
		goto fail_tx;
	/*
	 * steps.host (where a step ran: "NAME DESTINATION", or "local") came
	 * with `on: HOST`; an older journal's rows have none (NULL: not
	 * recorded, resume asks the host the plan names).
	 */
	if (!has_host_column(db) && sqlite3_exec(db, "ALTER TABLE steps ADD"
	    " COLUMN host TEXT", NULL, NULL, &e) != SQLITE_OK)
		goto fail_tx;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &e) != SQLITE_OK)
		goto fail_tx;
	return 0;
fail_tx:
	seterr(errp, "journal %s: %s", path, e ? e : sqlite3_errmsg(db));
	sqlite3_free(e);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
fail:
	seterr(errp, "journal %s: %s", path, e ? e : sqlite3_errmsg(db));
	sqlite3_free(e);
	return -1;
}

/*
 * Create a journal at path whole: built under a temporary name, then
 * linked in (link fails if another process got there first, which is
 * fine).  A crash leaves either no journal or a complete empty one, never
 * a zero-byte file that journal_probe would have to tell from a
 * truncated journal.
 */
static int
create_journal(const char *path, char **errp)
{
	char *tmp = xasprintf("%s.new-%ld", path, (long)getpid());
	sqlite3 *db = NULL;
	int rc = -1;

	unlink(tmp);
	/*
	 * Output tails are redacted, but a step may print what nobody
	 * declared secret: the journal is for its owner's eyes only.
	 * SQLite gives its -wal and -shm files the same mode.
	 */
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		seterr_errno(errp, "cannot create journal '%s'", tmp);
		free(tmp);
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
		seterr(errp, "cannot create journal %s: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
	else if (setup(db, path, errp) == 0)
		rc = 0;
	/* Closing the last connection checkpoints and removes the -wal. */
	sqlite3_close(db);
	if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST)
		rc = seterr_errno(errp, "cannot create journal '%s'", path);
	unlink(tmp);
	free(tmp);
	return rc;
}

/* A journal handle without its connection; mu is recursive (see above). */
static struct journal *
journal_new(const char *path)
{
	struct journal *j = xcalloc(1, sizeof(*j));
	pthread_mutexattr_t ma;

	j->path = xstrdup(path);
	j->lockfd = -1;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&j->mu, &ma);
	pthread_mutexattr_destroy(&ma);
	return j;
}

int
journal_open(const char *path, bool create, struct journal **out,
    char **errp)
{
	struct journal *j;

	*out = NULL;
	int pr = journal_probe(path, errp);
	if (pr < 0)
		return -1;
	if (pr == 1 && !create)
		return seterr(errp, "no journal at %s: nothing has run yet "
		    "(or give --state FILE)", path);
	if (pr == 1 && (mkdirs(path, errp) != 0 || no_links(path, errp) != 0 ||
	    create_journal(path, errp) != 0))
		return -1;
	if (no_links(path, errp) != 0)
		return -1;
	j = journal_new(path);
	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		seterr(errp, "cannot open journal %s: %s", path,
		    j->db ? sqlite3_errmsg(j->db) : "out of memory");
		journal_close(j);
		return -1;
	}
	if (setup(j->db, path, errp) != 0) {
		journal_close(j);
		return -1;
	}
	*out = j;
	return 0;
}

int
journal_open_ro(const char *path, struct journal **out, char **errp)
{
	struct journal *j;

	*out = NULL;
	int pr = journal_probe(path, errp);
	if (pr != 0)
		return pr;
	if (no_links(path, errp) != 0)
		return -1;
	j = journal_new(path);
	/*
	 * SQLITE_OPEN_READONLY: the file is opened O_RDONLY and no write can
	 * reach it; query_only refuses one before it starts.  A reader of a
	 * WAL database still maps the -shm index (created 0600 like the
	 * journal when the writer has closed), which holds no data.
	 */
	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
	    sqlite3_exec(j->db, "PRAGMA query_only=1", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		seterr(errp, "cannot open journal %s: %s", path,
		    j->db ? sqlite3_errmsg(j->db) : "out of memory");
		journal_close(j);
		return -1;
	}
	sqlite3_busy_timeout(j->db, 5000);
	*out = j;
	return 0;
}

int64_t
journal_data_version(struct journal *j)
{
	int64_t v = -1;

	if (j->data_version == NULL && sqlite3_prepare_v2(j->db,
	    "PRAGMA data_version", -1, &j->data_version, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(j->data_version) == SQLITE_ROW)
		v = sqlite3_column_int64(j->data_version, 0);
	sqlite3_reset(j->data_version);
	return v;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	sqlite3_finalize(j->data_version);
	sqlite3_finalize(j->ins_samples);
	sqlite3_close(j->db);
	if (j->lockfd >= 0)
		close(j->lockfd);
	pthread_mutex_destroy(&j->mu);
	free(j->path);
	free(j);
}

const char *
journal_path(const struct journal *j)
{
	return j->path;
}

/* State and process group of pid from /proc; false if it is gone. */
static bool
proc_stat(const char *pid, char *state, long *pgrp)
{
	char path[300], b[512];
	long ppid;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return false;
	b[n] = '\0';
	/* pid (comm) state ppid pgrp ...; comm may hold spaces. */
	char *rp = strrchr(b, ')');
	return rp && sscanf(rp + 1, " %c %ld %ld", state, &ppid, pgrp) == 3;
}

/* Alive and not a zombie (a zombie holds no locks). */
static bool
pid_alive(long pid)
{
	char s[32], state;
	long pgrp;

	snprintf(s, sizeof(s), "%ld", pid);
	return proc_stat(s, &state, &pgrp) && state != 'Z' && state != 'X';
}

static long
read_pid(int fd)
{
	char b[32] = { 0 };
	ssize_t n = pread(fd, b, sizeof(b) - 1, 0);

	return n > 0 ? strtol(b, NULL, 10) : 0;
}

int
journal_lock(struct journal *j, char **errp)
{
	char *lp = xasprintf("%s.lock", j->path);
	int fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		seterr_errno(errp, "cannot open lock file '%s'", lp);
		free(lp);
		return -1;
	}
	free(lp);
	/*
	 * A child forked by a writer shares its lock until the child execs
	 * (the descriptor is close-on-exec): if the writer is already dead,
	 * the lock is about to be free, so wait a moment for it.
	 */
	/*
	 * A reader (status, serve) probing the holder takes a shared lock
	 * for microseconds, with no pid written: wait for that too.
	 */
	int tries = 0;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		long pid = read_pid(fd);
		if ((pid <= 0 || !pid_alive(pid)) && tries++ < 40) {
			sleep_us(50 * 1000);
			continue;
		}
		close(fd);
		if (pid > 0)
			return seterr(errp, "journal %s is in use by pid %ld",
			    j->path, pid);
		return seterr(errp, "journal %s is in use by another process",
		    j->path);
	}
	char b[32];
	int n = snprintf(b, sizeof(b), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, b, (size_t)n, 0) != n) {
		close(fd);
		return seterr_errno(errp, "cannot write lock file of %s",
		    j->path);
	}
	j->lockfd = fd;
	return 0;
}

int
journal_open_locked(const char *path, bool create, struct journal **out,
    char **errp)
{
	struct journal *pre = NULL;
	char *e = NULL;

	*out = NULL;
	if (journal_probe(path, &e) == 0) {
		if (no_links(path, errp) != 0) {
			free(e);
			return -1;
		}
		pre = journal_new(path);
		if (journal_lock(pre, errp) != 0) {
			journal_close(pre);
			free(e);
			return -1;
		}
	}
	free(e);
	if (journal_open(path, create, out, errp) != 0) {
		journal_close(pre);
		return -1;
	}
	if (pre) {
		(*out)->lockfd = pre->lockfd;
		pre->lockfd = -1;
		journal_close(pre);
	} else if (journal_lock(*out, errp) != 0) {
		journal_close(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

long
journal_holder(const char *path)
{
	char *lp = xasprintf("%s.lock", path);
	int fd = open(lp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	long pid = 0;

	free(lp);
	if (fd < 0)
		return 0;
	/* A shared lock is refused exactly while a writer holds its lock. */
	if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
		pid = read_pid(fd);
		if (pid <= 0)
			pid = -1;	/* held, pid not written yet */
		else if (!pid_alive(pid))
			pid = 0;	/* a dead writer's child, until it execs */
	}
	close(fd);
	return pid;
}

/* ---- writes ---------------------------------------------------------- */

static const char *
hostname(void)
{
	static char h[256];

	if (h[0] == '\0' && gethostname(h, sizeof(h) - 1) != 0)
		snprintf(h, sizeof(h), "unknown");
	return h;
}

int
journal_run_begin(struct journal *j, const char *plan_name,
    const char *plan_file, const char *plan_sha, const char *user,
    int64_t *run_id, char **errp)
{
	pthread_mutex_lock(&j->mu);
	int rc = jw(j, errp, "INSERT INTO runs(plan_name, plan_file, plan_sha,"
	    " state, user, host, pid, started_us) VALUES(?,?,?,?,?,?,?,?)",
	    "ttttttii", plan_name, plan_file, plan_sha, RUN_RUNNING, user,
	    hostname(), (int64_t)getpid(), now_wall_us());
	if (rc == 0)
		*run_id = sqlite3_last_insert_rowid(j->db);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int
journal_run_state(struct journal *j, int64_t run, const char *state,
    const char *reason, bool ended, char **errp)
{
	if (ended)
		return jw(j, errp, "UPDATE runs SET state=?, reason=?, ended_us=?, "
		    "pid=? WHERE id=?", "ttiii", state, reason, now_wall_us(),
		    (int64_t)getpid(), run);
	return jw(j, errp, "UPDATE runs SET state=?, reason=?, ended_us=NULL, "
	    "pid=? WHERE id=?", "ttii", state, reason, (int64_t)getpid(), run);
}

int
journal_run_sha(struct journal *j, int64_t run, const char *sha, char **errp)
{
	return jw(j, errp, "UPDATE runs SET plan_sha=? WHERE id=?", "ti", sha,
	    run);
}

int
journal_phase(struct journal *j, int64_t run, const char *phase,
    const char *state, int64_t started_us, int64_t ended_us, char **errp)
{
	return jw(j, errp, "INSERT INTO phases(run_id, phase_id, seq, state,"
	    " started_us, ended_us) VALUES(?1, ?2, (SELECT count(*) FROM phases"
	    " WHERE run_id=?1), ?3, NULLIF(?4, 0), NULLIF(?5, 0))"
	    " ON CONFLICT(run_id, phase_id) DO UPDATE SET state=?3,"
	    " started_us=coalesce(started_us, NULLIF(?4, 0)),"
	    " ended_us=coalesce(NULLIF(?5, 0), ended_us)", "ittii", run, phase,
	    state, started_us, ended_us);
}

int
journal_phase_entry_ok(struct journal *j, int64_t run, const char *phase,
    char **errp)
{
	return jw(j, errp, "UPDATE phases SET entry_ok=1 WHERE run_id=? AND "
	    "phase_id=?", "it", run, phase);
}

int
journal_phase_window(struct journal *j, int64_t run, const char *phase,
    int64_t start_us, char **errp)
{
	return jw(j, errp, "UPDATE phases SET window_start_us=? WHERE run_id=? "
	    "AND phase_id=?", "iit", start_us, run, phase);
}

static int
step_insert(struct journal *j, int64_t run, const char *phase,
    const char *step, const char *kind, int attempt, const char *command,
    const char *host, int64_t *row, char **errp)
{
	pthread_mutex_lock(&j->mu);
	int rc = jw(j, errp, "INSERT INTO steps(run_id, phase_id, step_id, kind,"
	    " attempt, state, started_us, command, host)"
	    " VALUES(?,?,?,?,?,?,?,?,?)", "itttdtitt", run, phase, step, kind,
	    attempt, STEP_RUNNING, now_wall_us(), command, host);
	if (rc == 0)
		*row = sqlite3_last_insert_rowid(j->db);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int
journal_step_begin(struct journal *j, int64_t run, const char *phase,
    const char *step, const char *kind, int attempt, const char *command,
    int64_t *row, char **errp)
{
	return step_insert(j, run, phase, step, kind, attempt, command, NULL,
	    row, errp);
}

int
journal_step_begin_on(struct journal *j, int64_t run, const char *phase,
    const char *step, const char *kind, int attempt, const char *command,
    const char *host, const char *dest, int64_t *row, char **errp)
{
	char *v = host ? xasprintf("%s %s", host, dest) : xstrdup("local");
	int rc = step_insert(j, run, phase, step, kind, attempt, command, v,
	    row, errp);

	free(v);
	return rc;
}

int
journal_step_pgid(struct journal *j, int64_t row, long pgid, char **errp)
{
	return jw(j, errp, "UPDATE steps SET pgid=? WHERE id=?", "ii",
	    (int64_t)pgid, row);
}

int
journal_step_host(struct journal *j, int64_t row, const char *name,
    const char *dest, char **errp)
{
	char *v = name ? xasprintf("%s %s", name, dest) : xstrdup("local");
	int rc = jw(j, errp, "UPDATE steps SET host=? WHERE id=?", "ti", v, row);

	free(v);
	return rc;
}

int
journal_step_end(struct journal *j, int64_t row, const char *state,
    int exit_code, int sig, const char *message, const char *tail,
    char **errp)
{
	return jw(j, errp, "UPDATE steps SET state=?, ended_us=?, exit_code=?,"
	    " signal=?, message=?, tail=? WHERE id=?", "tiddtti", state,
	    now_wall_us(), exit_code, sig, message, tail, row);
}

int
journal_check(struct journal *j, int64_t run, const char *phase,
    const char *role, const struct jcheck *c, char **errp)
{
	return jw(j, errp, "INSERT INTO checks(run_id, phase_id, role,"
	    " check_id, kind, status, observed, threshold, message, detail,"
	    " attempts, duration_us, at_us, value)"
	    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	    "itttttttttdiif", run, phase, role, c->check_id, c->kind, c->status,
	    c->observed, c->threshold, c->message, c->detail, c->attempts,
	    c->duration_us, c->at_us ? c->at_us : now_wall_us(),
	    c->has_value ? c->value : (double)NAN);
}

int
journal_decision(struct journal *j, int64_t run, const char *phase,
    const char *decision, const char *user, const char *how,
    const char *based_on, char **errp)
{
	return jw(j, errp, "INSERT INTO decisions(run_id, at_us, phase_id,"
	    " decision, user, how, based_on) VALUES(?,?,?,?,?,?,?)", "iitttt"
	    "t", run, now_wall_us(), phase, decision, user, how, based_on);
}

int
journal_event(struct journal *j, int64_t run, const char *type,
    const char *phase, const char *step, const char *message, char **errp)
{
	return jw(j, errp, "INSERT INTO events(run_id, at_us, type, phase_id,"
	    " step_id, message) VALUES(?,?,?,?,?,?)", "iitttt", run,
	    now_wall_us(), type, phase, step, message);
}

int
journal_alert_begin(struct journal *j, int64_t run, const struct jalert *a,
    int64_t *row, char **errp)
{
	pthread_mutex_lock(&j->mu);
	int rc = jw(j, errp, "INSERT INTO alerts(run_id, channel, event,"
	    " phase_id, check_id, status, message, queued_us, state, attempts,"
	    " outcome, done_us) VALUES(?,?,?,?,?,?,?,?,?,?,?,NULLIF(?,0))",
	    "ittttttitdti", run, a->channel, a->event, a->phase_id, a->check_id,
	    a->status, a->message, a->queued_us, a->state, a->attempts,
	    a->outcome, a->done_us);
	if (rc == 0 && row)
		*row = sqlite3_last_insert_rowid(j->db);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int
journal_alert_end(struct journal *j, int64_t row, const char *state,
    int attempts, const char *outcome, char **errp)
{
	return jw(j, errp, "UPDATE alerts SET state=?, attempts=?, outcome=?,"
	    " done_us=? WHERE id=?", "tdtii", state, attempts, outcome,
	    now_wall_us(), row);
}

/* ---- reads ----------------------------------------------------------- */

static char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

static int
query(struct journal *j, char **errp, sqlite3_stmt **st, const char *sql,
    int64_t run)
{
	if (sqlite3_prepare_v2(j->db, sql, -1, st, NULL) != SQLITE_OK)
		return seterr(errp, "journal %s: %s", j->path,
		    sqlite3_errmsg(j->db));
	sqlite3_bind_int64(*st, 1, run);
	return 0;
}

static int
finish(struct journal *j, sqlite3_stmt *st, int rc, char **errp)
{
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return seterr(errp, "journal %s: read failed: %s", j->path,
		    sqlite3_errmsg(j->db));
	return 0;
}

static int
load(struct journal *j, int64_t run, struct jlog *l, char **errp)
{
	sqlite3_stmt *st;
	int rc;
	size_t cap;

	memset(l, 0, sizeof(*l));
	/*
	 * One read transaction: the six queries see one snapshot, never a
	 * step that ended without its phase while a writer commits between
	 * them (serve reads while a run writes).
	 */
	if (sqlite3_exec(j->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return seterr(errp, "journal %s: %s", j->path,
		    sqlite3_errmsg(j->db));
	/* Run 0 means the latest. */
	if (query(j, errp, &st, "SELECT id, plan_name, plan_file, plan_sha,"
	    " state, reason, user, host, pid, started_us, ended_us FROM runs"
	    " WHERE id = coalesce(nullif(?1, 0), (SELECT max(id) FROM runs))",
	    run) != 0) {
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		finish(j, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, errp);
		sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
		return rc == SQLITE_DONE ? 1 : -1;
	}
	struct jrun *r = &l->run;
	r->id = sqlite3_column_int64(st, 0);
	r->plan_name = col_str(st, 1);
	r->plan_file = col_str(st, 2);
	r->plan_sha = col_str(st, 3);
	r->state = col_str(st, 4);
	r->reason = col_str(st, 5);
	r->user = col_str(st, 6);
	r->host = col_str(st, 7);
	r->pid = (long)sqlite3_column_int64(st, 8);
	r->started_us = sqlite3_column_int64(st, 9);
	r->ended_us = sqlite3_column_int64(st, 10);
	sqlite3_finalize(st);
	run = r->id;

	if (query(j, errp, &st, "SELECT phase_id, state, entry_ok, started_us,"
	    " ended_us, window_start_us FROM phases WHERE run_id=? ORDER BY seq",
	    run) != 0)
		goto fail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ARR_GROW(l->phases, l->nphases, cap);
		struct jphase *p = &l->phases[l->nphases++];
		p->phase_id = col_str(st, 0);
		p->state = col_str(st, 1);
		p->entry_ok = sqlite3_column_int(st, 2) != 0;
		p->started_us = sqlite3_column_int64(st, 3);
		p->ended_us = sqlite3_column_int64(st, 4);
		p->window_start_us = sqlite3_column_int64(st, 5);
	}
	if (finish(j, st, rc, errp) != 0)
		goto fail;

	/* A journal opened read-only keeps its schema: host may be absent. */
	if (query(j, errp, &st, has_host_column(j->db) ?
	    "SELECT id, phase_id, step_id, kind, attempt,"
	    " state, started_us, ended_us, exit_code, signal, pgid, message,"
	    " tail, command, host FROM steps WHERE run_id=? ORDER BY id" :
	    "SELECT id, phase_id, step_id, kind, attempt,"
	    " state, started_us, ended_us, exit_code, signal, pgid, message,"
	    " tail, command, NULL FROM steps WHERE run_id=? ORDER BY id",
	    run) != 0)
		goto fail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ARR_GROW(l->steps, l->nsteps, cap);
		struct jstep *s = &l->steps[l->nsteps++];
		s->id = sqlite3_column_int64(st, 0);
		s->phase_id = col_str(st, 1);
		s->step_id = col_str(st, 2);
		s->kind = col_str(st, 3);
		s->attempt = sqlite3_column_int(st, 4);
		s->state = col_str(st, 5);
		s->started_us = sqlite3_column_int64(st, 6);
		s->ended_us = sqlite3_column_int64(st, 7);
		s->exit_code = sqlite3_column_int(st, 8);
		s->signal = sqlite3_column_int(st, 9);
		s->pgid = (long)sqlite3_column_int64(st, 10);
		s->message = col_str(st, 11);
		s->tail = col_str(st, 12);
		s->command = col_str(st, 13);
		/* "NAME DESTINATION" (a host id has no space), or "local". */
		char *h = col_str(st, 14), *sp = h ? strchr(h, ' ') : NULL;
		s->host_ssh = NULL;
		if (sp) {
			s->host_ssh = xstrdup(sp + 1);
			*sp = '\0';
		}
		s->host = h;
	}
	if (finish(j, st, rc, errp) != 0)
		goto fail;

	/* A journal opened read-only keeps its schema: value may be absent. */
	if (query(j, errp, &st, has_value_column(j->db) ?
	    "SELECT phase_id, role, check_id, kind, status, observed,"
	    " threshold, message, detail, attempts, duration_us, at_us, value"
	    " FROM checks WHERE run_id=? ORDER BY id" :
	    "SELECT phase_id, role, check_id, kind, status, observed,"
	    " threshold, message, detail, attempts, duration_us, at_us, NULL"
	    " FROM checks WHERE run_id=? ORDER BY id", run) != 0)
		goto fail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ARR_GROW(l->checks, l->nchecks, cap);
		struct jcheck *c = &l->checks[l->nchecks++];
		c->phase_id = col_str(st, 0);
		c->role = col_str(st, 1);
		c->check_id = col_str(st, 2);
		c->kind = col_str(st, 3);
		c->status = col_str(st, 4);
		c->observed = col_str(st, 5);
		c->threshold = col_str(st, 6);
		c->message = col_str(st, 7);
		c->detail = col_str(st, 8);
		c->attempts = sqlite3_column_int(st, 9);
		c->duration_us = sqlite3_column_int64(st, 10);
		c->at_us = sqlite3_column_int64(st, 11);
		c->has_value = sqlite3_column_type(st, 12) != SQLITE_NULL;
		c->value = c->has_value ? sqlite3_column_double(st, 12) : 0;
	}
	if (finish(j, st, rc, errp) != 0)
		goto fail;

	if (query(j, errp, &st, "SELECT at_us, phase_id, decision, user, how,"
	    " based_on FROM decisions WHERE run_id=? ORDER BY id", run) != 0)
		goto fail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ARR_GROW(l->decisions, l->ndecisions, cap);
		struct jdecision *d = &l->decisions[l->ndecisions++];
		d->at_us = sqlite3_column_int64(st, 0);
		d->phase_id = col_str(st, 1);
		d->decision = col_str(st, 2);
		d->user = col_str(st, 3);
		d->how = col_str(st, 4);
		d->based_on = col_str(st, 5);
	}
	if (finish(j, st, rc, errp) != 0)
		goto fail;

	if (query(j, errp, &st, "SELECT at_us, type, phase_id, step_id, message"
	    " FROM events WHERE run_id=? ORDER BY id", run) != 0)
		goto fail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ARR_GROW(l->events, l->nevents, cap);
		struct jevent *e = &l->events[l->nevents++];
		e->at_us = sqlite3_column_int64(st, 0);
		e->type = col_str(st, 1);
		e->phase_id = col_str(st, 2);
		e->step_id = col_str(st, 3);
		e->message = col_str(st, 4);
	}
	if (finish(j, st, rc, errp) != 0)
		goto fail;

	if (query(j, errp, &st, "SELECT id, channel, event, phase_id, check_id,"
	    " status, message, queued_us, state, attempts, outcome, done_us"
	    " FROM alerts WHERE run_id=? ORDER BY id", run) != 0)
		goto fail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ARR_GROW(l->alerts, l->nalerts, cap);
		struct jalert *a = &l->alerts[l->nalerts++];
		a->id = sqlite3_column_int64(st, 0);
		a->channel = col_str(st, 1);
		a->event = col_str(st, 2);
		a->phase_id = col_str(st, 3);
		a->check_id = col_str(st, 4);
		a->status = col_str(st, 5);
		a->message = col_str(st, 6);
		a->queued_us = sqlite3_column_int64(st, 7);
		a->state = col_str(st, 8);
		a->attempts = sqlite3_column_int(st, 9);
		a->outcome = col_str(st, 10);
		a->done_us = sqlite3_column_int64(st, 11);
	}
	if (finish(j, st, rc, errp) != 0)
		goto fail;
	if (journal_watches_load(j, run, l, errp) != 0)
		goto fail;
	sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
	l->holder = journal_holder(j->path);
	/* Our own lock does not make the run "held by someone else". */
	if (l->holder == (long)getpid())
		l->holder = 0;
	return 0;
fail:
	sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	jlog_release(l);
	return -1;
}

int
journal_load(struct journal *j, int64_t run, struct jlog *l, char **errp)
{
	pthread_mutex_lock(&j->mu);
	int rc = load(j, run, l, errp);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

void
jlog_release(struct jlog *l)
{
	struct jrun *r = &l->run;

	free(r->plan_name); free(r->plan_file); free(r->plan_sha);
	free(r->state); free(r->reason); free(r->user); free(r->host);
	for (size_t i = 0; i < l->nphases; i++) {
		free(l->phases[i].phase_id);
		free(l->phases[i].state);
	}
	free(l->phases);
	for (size_t i = 0; i < l->nsteps; i++) {
		struct jstep *s = &l->steps[i];
		free(s->phase_id); free(s->step_id); free(s->kind);
		free(s->state); free(s->message); free(s->tail);
		free(s->command); free(s->host); free(s->host_ssh);
	}
	free(l->steps);
	for (size_t i = 0; i < l->nchecks; i++) {
		struct jcheck *c = &l->checks[i];
		free(c->phase_id); free(c->role); free(c->check_id);
		free(c->kind); free(c->status); free(c->observed);
		free(c->threshold); free(c->message); free(c->detail);
	}
	free(l->checks);
	for (size_t i = 0; i < l->ndecisions; i++) {
		struct jdecision *d = &l->decisions[i];
		free(d->phase_id); free(d->decision); free(d->user);
		free(d->how); free(d->based_on);
	}
	free(l->decisions);
	for (size_t i = 0; i < l->nevents; i++) {
		struct jevent *e = &l->events[i];
		free(e->type); free(e->phase_id); free(e->step_id);
		free(e->message);
	}
	free(l->events);
	for (size_t i = 0; i < l->nalerts; i++) {
		struct jalert *a = &l->alerts[i];
		free(a->channel); free(a->event); free(a->phase_id);
		free(a->check_id); free(a->status); free(a->message);
		free(a->state); free(a->outcome);
	}
	free(l->alerts);
	for (size_t i = 0; i < l->nwatches; i++)
		jwatch_release(&l->watches[i]);
	free(l->watches);
	memset(l, 0, sizeof(*l));
}

const struct jphase *
jlog_phase(const struct jlog *l, const char *phase)
{
	for (size_t i = 0; i < l->nphases; i++)
		if (strcmp(l->phases[i].phase_id, phase) == 0)
			return &l->phases[i];
	return NULL;
}

const struct jstep *
jlog_last_step(const struct jlog *l, const char *kind, const char *step)
{
	for (size_t i = l->nsteps; i-- > 0;)
		if (strcmp(l->steps[i].kind, kind) == 0 &&
		    strcmp(l->steps[i].step_id, step) == 0)
			return &l->steps[i];
	return NULL;
}

bool
jlog_has_event(const struct jlog *l, const char *type, const char *step)
{
	for (size_t i = 0; i < l->nevents; i++)
		if (strcmp(l->events[i].type, type) == 0 && (step == NULL ||
		    (l->events[i].step_id &&
		    strcmp(l->events[i].step_id, step) == 0)))
			return true;
	return false;
}

int
journal_confirm(struct journal *j, const char *check, bool yes,
    const char *user, const char *note, char **errp)
{
	return jw(j, errp, "INSERT INTO confirmations(check_id, answer, user,"
	    " at_us, note) VALUES(?,?,?,?,?)", "tdtit", check, yes ? 1 : 0,
	    user, now_wall_us(), note);
}

int
journal_confirmation(struct journal *j, const char *check,
    struct jconfirm *out, char **errp)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(j->db, "SELECT answer, user, at_us, note FROM"
	    " confirmations WHERE check_id=? ORDER BY id DESC LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK)
		return seterr(errp, "journal %s: %s", j->path,
		    sqlite3_errmsg(j->db));
	sqlite3_bind_text(st, 1, check, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->yes = sqlite3_column_int(st, 0) != 0;
		out->user = col_str(st, 1);
		out->at_us = sqlite3_column_int64(st, 2);
		out->note = col_str(st, 3);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return seterr(errp, "journal %s: read failed: %s", j->path,
		    sqlite3_errmsg(j->db));
	return 1;
}

void
jconfirm_release(struct jconfirm *c)
{
	free(c->user);
	free(c->note);
	memset(c, 0, sizeof(*c));
}

static char *current_path;

void
journal_set_current(const char *path)
{
	free(current_path);
	current_path = path ? xstrdup(path) : NULL;
}

const char *
journal_current(void)
{
	return current_path;
}

bool
pgid_alive(long pgid)
{
	DIR *d;
	struct dirent *de;
	bool alive = false;

	if (pgid <= 0 || (d = opendir("/proc")) == NULL)
		return false;
	while (!alive && (de = readdir(d)) != NULL) {
		char state;
		long pgrp;
		if (isdigit((unsigned char)de->d_name[0]) &&
		    proc_stat(de->d_name, &state, &pgrp) && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			alive = true;
	}
	closedir(d);
	return alive;
}
