/*
 * journal.h - the runbook's record: an SQLite file that survives anything.
 *
 * One journal per plan (default .cutover/NAME.db beside the plan).  It
 * holds runs, phases, step attempts (times, exit status, redacted output
 * tail), check results, decisions and events.  The database is in WAL mode
 * with synchronous=FULL and every write is its own transaction, so a row
 * is on disk when the call returns: the runbook commits a step's start
 * before spawning it and its end before the next step begins.
 *
 * Writers take an exclusive flock(2) on PATH.lock, which also holds the
 * writer's pid; the kernel drops the lock when the process dies, so a
 * crashed run never blocks a resume.  Readers (status, report) do not lock.
 *
 * Strings handed to the journal must already be redacted: it stores what
 * it is given.
 *
 * Fault injection: when the environment variable CUTOVER_JOURNAL_KILL_AFTER
 * is N > 0, the process raises SIGKILL right after its Nth commit.  The
 * crash-safety test uses it to die at every commit point of a run in turn
 * (SQLite's own test suite injects faults the same way).  The alert
 * sender's writes count too: a plan with alerts commits at times of its
 * own, so such a test uses plans without them.
 */
#ifndef CUTOVER_JOURNAL_H
#define CUTOVER_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct journal;

/* Run states as stored; "interrupted" is derived (state running, no holder). */
#define RUN_RUNNING	"running"
#define RUN_AWAITING	"awaiting"	/* at a gate, decision pending */
#define RUN_STOPPED	"stopped"	/* --no-rollback failure, signal */
#define RUN_ROLLING	"rolling-back"
#define RUN_COMPLETED	"completed"
#define RUN_ROLLED	"rolled-back"
/* An undo, a rollback step or a rollback_verify check failed. */
#define RUN_ROLLFAIL	"rollback-failed"
#define RUN_ABANDONED	"abandoned"	/* superseded by run --new */

/* Step states. */
#define STEP_RUNNING	"running"	/* after a crash: interrupted */
#define STEP_OK		"ok"
#define STEP_FAILED	"failed"
#define STEP_INTERRUPTED "interrupted"
#define STEP_SKIPPED	"skipped"	/* marked done by the operator */

struct jrun {
	int64_t	 id;
	char	*plan_name, *plan_file, *plan_sha;
	char	*state, *reason;
	char	*user, *host;
	long	 pid;
	int64_t	 started_us, ended_us;
};

struct jphase {
	char	*phase_id;
	char	*state;		/* entry, steps, gate, done */
	bool	 entry_ok;
	/* Wall-clock microseconds; 0: not yet. */
	int64_t	 started_us, ended_us, window_start_us;
};

struct jstep {
	int64_t	 id;
	char	*phase_id, *step_id;
	char	*kind;		/* step, undo, rollback */
	int	 attempt;
	char	*state;
	int64_t	 started_us, ended_us;
	int	 exit_code, signal;
	long	 pgid;
	char	*message, *tail, *command;
	/*
	 * Where it ran: a host's name and ssh destination, or "local" (and
	 * NULL host_ssh); NULL: not recorded (a journal older than hosts).
	 */
	char	*host, *host_ssh;
};

struct jcheck {
	char	*phase_id;
	char	*role;		/* entry, gate, rollback-verify */
	char	*check_id, *kind, *status;
	char	*observed, *threshold, *message, *detail;
	int	 attempts;
	int64_t	 duration_us, at_us;
	bool	 has_value;	/* numeric observation (for metrics) */
	double	 value;
};

struct jdecision {
	int64_t	 at_us;
	char	*phase_id, *decision, *user, *how, *based_on;
};

struct jevent {
	int64_t	 at_us;
	char	*type, *phase_id, *step_id, *message;
};

/*
 * One alert delivery (alert.h): written by the alert sender when it first
 * tries it (state "sending"), ended "sent", "failed" or "dropped" (the
 * queue was full).  A row left "sending" was cut short by a crash.
 */
struct jalert {
	int64_t	 id;
	char	*channel, *event, *phase_id, *check_id, *status, *message;
	char	*state, *outcome;
	int	 attempts;
	int64_t	 queued_us, done_us;
};

/*
 * Watches (watch.h): a phase watched after the switch, or `cutover
 * watch`.  Tables (all WITHOUT ROWID where rows are many):
 *
 *   watches(id, run_id, phase_id, every_us, for_us, keep_raw_us,
 *           started_us, ended_us, state, reason)
 *   watch_checks(w, idx, check_id, every_us)   idx: the samples' `c`
 *   samples(w, t, c, s, v, m)  PRIMARY KEY(w, t, c)
 *       t  ms since the watch started (the round's scheduled time)
 *       c  the check's idx; s its status (0 pass, 1 warn, 2 fail,
 *          3 skipped); v the value in millionths (INTEGER; a REAL is the
 *          value itself when it does not fit), NULL when none;
 *       m  the message of a non-passing sample, only when it differs
 *          from the check's previous one (NULL: unchanged or passing)
 *   sample_minutes(w, c, minute, n, npass, nv, vsum, vmin, vmax, hist)
 *       (vsum, vmin, vmax stored as v is)
 *       raw samples older than keep_raw folded per check and minute;
 *       hist: the values' log buckets (see journal_watch.c)
 *   watch_gaps(w, from_us, to_us)   nothing watched (the process was dead)
 *   triggers(w, at_us, check_id, rule, samples)   a rollback_if that fired
 *
 * The key order (w, t, c) makes every round an append: pages fill, and
 * one round is one transaction (one fsync), not one per sample.
 */
#define WATCH_SERIES	48	/* points of a check's chart */

struct jgap {
	int64_t	 from_us, to_us;
};

struct jtrigger {
	int64_t	 at_us;
	char	*check_id, *rule, *samples;
};

/* One sample to journal (journal_samples). */
struct jsample {
	int64_t		 at_us;		/* the round's scheduled wall time */
	int		 check;		/* index in the watch's checks */
	int		 status;	/* enum status */
	bool		 has_value;
	double		 value;
	const char	*message;	/* NULL: unchanged; redacted here */
};

/* A watched check over its watch (journal_watch_stats). */
struct jwstat {
	int64_t	 n, npass, nfail;	/* samples; warn counts as passing */
	int64_t	 nmissed;		/* intervals lost in gaps */
	int64_t	 nvalues;
	double	 min, max, avg, p50, p90, p95, p99;
	bool	 approx;		/* percentiles partly from aggregates */
	int64_t	 last_at_us;
	int	 last_status;
	char	*last_message;		/* latest non-passing message */
	/* The chart: WATCH_SERIES slices of the watch's duration. */
	float	 series_v[WATCH_SERIES];	/* mean value, NAN: none */
	int32_t	 series_n[WATCH_SERIES], series_fail[WATCH_SERIES];
};

struct jwatch {
	int64_t		 id;
	char		*phase_id;
	int64_t		 every_us, for_us, keep_raw_us;
	int64_t		 started_us, ended_us;
	int64_t		 last_us;	/* the latest round journaled; 0 none */
	char		*state;		/* watching, go, no-go, triggered, stopped */
	char		*reason;
	char		**checks;
	int64_t		*check_every_us;
	size_t		 nchecks;
	struct jgap	*gaps;		size_t ngaps;
	struct jtrigger	*triggers;	size_t ntriggers;
	struct jwstat	*stats;		/* [nchecks] after journal_watch_stats */
};

#define WATCH_WATCHING	"watching"

/* Everything about one run, in the order it happened. */
struct jlog {
	struct jrun	 run;
	struct jphase	*phases;	size_t nphases;
	struct jstep	*steps;		size_t nsteps;
	struct jcheck	*checks;	size_t nchecks;
	struct jdecision *decisions;	size_t ndecisions;
	struct jevent	*events;	size_t nevents;
	struct jalert	*alerts;	size_t nalerts;
	struct jwatch	*watches;	size_t nwatches;
	long		 holder;	/* pid holding the lock, 0 if none */
};

/*
 * Open (create: also create the file and its directory) the journal at
 * path.  Returns 0, or -1 with *errp.  Without create, a missing file is
 * an error saying nothing has run yet.
 */
int	 journal_open(const char *path, bool create, struct journal **out,
	    char **errp);
void	 journal_close(struct journal *j);
/*
 * Open the journal at path for reading only (serve): never a write, not
 * even the schema.  0, 1 when there is no journal yet, -1 with *errp
 * (journal_probe's refusals included).
 */
int	 journal_open_ro(const char *path, struct journal **out, char **errp);
/*
 * A number that changes whenever another connection committed to the
 * journal since the last call (SQLite's data_version); -1 on error.
 */
int64_t	 journal_data_version(struct journal *j);
/*
 * Is there a journal at path?  1: no, and nothing says there was one
 * (a fresh start); 0: yes; -1 with *errp when the journal cannot be
 * trusted: a symbolic link, not a regular file, zero bytes (truncated),
 * or missing while its -wal, -shm or .lock file is there.  journal_open
 * refuses the same, never follows a link and creates files 0600.
 */
int	 journal_probe(const char *path, char **errp);
const char *journal_path(const struct journal *j);
/*
 * Take the writer's lock.  -1 with "journal PATH is in use by pid N" when
 * another process holds it.
 */
int	 journal_lock(struct journal *j, char **errp);
/*
 * journal_open and journal_lock, the lock first when the journal exists:
 * a writer starting a run is seen (journal_holder) from its first moment,
 * before SQLite's open, so that `status` waits for its run.
 */
int	 journal_open_locked(const char *path, bool create,
	    struct journal **out, char **errp);
/* The pid of the process holding path's lock, or 0. */
long	 journal_holder(const char *path);

/* Writes: each is one committed (fsync'd) transaction; -1 with *errp. */
int	 journal_run_begin(struct journal *j, const char *plan_name,
	    const char *plan_file, const char *plan_sha, const char *user,
	    int64_t *run_id, char **errp);
int	 journal_run_state(struct journal *j, int64_t run, const char *state,
	    const char *reason, bool ended, char **errp);
int	 journal_run_sha(struct journal *j, int64_t run, const char *sha,
	    char **errp);
/* Upsert a phase row: state, and times when non-zero. */
int	 journal_phase(struct journal *j, int64_t run, const char *phase,
	    const char *state, int64_t started_us, int64_t ended_us,
	    char **errp);
int	 journal_phase_entry_ok(struct journal *j, int64_t run,
	    const char *phase, char **errp);
int	 journal_phase_window(struct journal *j, int64_t run,
	    const char *phase, int64_t start_us, char **errp);
int	 journal_step_begin(struct journal *j, int64_t run, const char *phase,
	    const char *step, const char *kind, int attempt,
	    const char *command, int64_t *row, char **errp);
/*
 * journal_step_begin for a step about to run, with where it runs (host
 * name and ssh destination; NULL name: "local") in the same commit: a
 * commit more per step would cost a sync (synchronous=FULL).
 */
int	 journal_step_begin_on(struct journal *j, int64_t run,
	    const char *phase, const char *step, const char *kind, int attempt,
	    const char *command, const char *host, const char *dest,
	    int64_t *row, char **errp);
int	 journal_step_pgid(struct journal *j, int64_t row, long pgid,
	    char **errp);
/* Where the step runs: name and ssh destination, or NULL: this machine. */
int	 journal_step_host(struct journal *j, int64_t row, const char *name,
	    const char *dest, char **errp);
int	 journal_step_end(struct journal *j, int64_t row, const char *state,
	    int exit_code, int sig, const char *message, const char *tail,
	    char **errp);
int	 journal_check(struct journal *j, int64_t run, const char *phase,
	    const char *role, const struct jcheck *c, char **errp);
int	 journal_decision(struct journal *j, int64_t run, const char *phase,
	    const char *decision, const char *user, const char *how,
	    const char *based_on, char **errp);
int	 journal_event(struct journal *j, int64_t run, const char *type,
	    const char *phase, const char *step, const char *message,
	    char **errp);

/*
 * Alert deliveries.  These are written by the alert sender's thread while
 * the engine writes on its own: every journal call is safe from two
 * threads (a mutex per journal).  *row may be NULL.
 */
int	 journal_alert_begin(struct journal *j, int64_t run,
	    const struct jalert *a, int64_t *row, char **errp);
int	 journal_alert_end(struct journal *j, int64_t row, const char *state,
	    int attempts, const char *outcome, char **errp);

/*
 * Load run `run` (0: the latest) into *out.  Returns 0, 1 when the journal
 * has no such run (nothing has run yet), -1 with *errp.
 */
int	 journal_load(struct journal *j, int64_t run, struct jlog *out,
	    char **errp);
void	 jlog_release(struct jlog *l);

/*
 * Watches.  journal_watch_begin records a watch and its checks (idx =
 * position in checks[]); journal_samples writes one round's samples in
 * one transaction, synced before it returns; journal_fold moves samples
 * older than before_us into per-minute aggregates (the retention rule:
 * raw samples for keep_raw, minutes after).  journal_load loads watches,
 * gaps and triggers but no samples; journal_watch_stats computes each
 * check's figures (w->stats) by one pass over the watch's rows.
 */
int	 journal_watch_begin(struct journal *j, int64_t run, const char *phase,
	    int64_t every_us, int64_t for_us, int64_t keep_raw_us,
	    int64_t started_us, const char *const *checks,
	    const int64_t *every, size_t n, int64_t *w, char **errp);
int	 journal_watch_state(struct journal *j, int64_t w, const char *state,
	    const char *reason, bool ended, char **errp);
int	 journal_samples(struct journal *j, int64_t w, int64_t started_us,
	    const struct jsample *s, size_t n, char **errp);
int	 journal_watch_gap(struct journal *j, int64_t w, int64_t from_us,
	    int64_t to_us, char **errp);
int	 journal_trigger(struct journal *j, int64_t w, int64_t at_us,
	    const char *check, const char *rule, const char *samples,
	    char **errp);
int	 journal_fold(struct journal *j, int64_t w, int64_t started_us,
	    int64_t before_us, char **errp);
/*
 * Call fn for each raw sample of watch w at or after from_us, in time
 * order (messages: the check's latest non-NULL one so far, or NULL).
 */
int	 journal_samples_each(struct journal *j, const struct jwatch *w,
	    int64_t from_us, void (*fn)(const struct jsample *, void *),
	    void *arg, char **errp);
int	 journal_watch_stats(struct journal *j, struct jwatch *w, char **errp);
/* The same for the checks whose want[i] is set (others left zero). */
int	 journal_watch_stats_of(struct journal *j, struct jwatch *w,
	    const bool *want, char **errp);
/* Stats of every watch of l. */
int	 journal_watches_stats(struct journal *j, struct jlog *l, char **errp);
/*
 * The same, carrying each watch's running figures in c from one call to
 * the next so that a call reads only the samples journaled since (serve).
 * Give it the same journal every time (jwcache_clear when it changes).
 */
struct jwcache;
struct jwcache *jwcache_new(void);
void	 jwcache_clear(struct jwcache *c);
void	 jwcache_free(struct jwcache *c);
int	 journal_watches_stats_cached(struct journal *j, struct jlog *l,
	    struct jwcache *c, char **errp);
void	 jwatch_release(struct jwatch *w);
/* The watch of phase in l (the latest), or NULL. */
struct jwatch *jlog_watch(const struct jlog *l, const char *phase);
/* Nearest-rank percentile of sorted v[0..n): v[ceil(p/100 n) - 1]. */
double	 percentile_sorted(const double *v, size_t n, double p);

/* Lookups in a loaded log. */
const struct jphase *jlog_phase(const struct jlog *l, const char *phase);
/* The latest row of kind for step id (any attempt), or NULL. */
const struct jstep *jlog_last_step(const struct jlog *l, const char *kind,
	    const char *step);
bool	 jlog_has_event(const struct jlog *l, const char *type,
	    const char *step);

/*
 * Answers to `manual` checks (human checklist items), kept across runs:
 * journal_confirm records one, journal_confirmation reads the latest for
 * a check (0; 1 when there is none; -1 with *errp).  Strings returned are
 * the caller's.
 */
struct jconfirm {
	bool	 yes;
	char	*user, *note;
	int64_t	 at_us;
};
int	 journal_confirm(struct journal *j, const char *check, bool yes,
	    const char *user, const char *note, char **errp);
int	 journal_confirmation(struct journal *j, const char *check,
	    struct jconfirm *out, char **errp);
void	 jconfirm_release(struct jconfirm *c);

/*
 * The journal a run is using, for the `manual` kind to read answers from
 * (a run may name its journal with --state); NULL when none is set.
 */
void	 journal_set_current(const char *path);
const char *journal_current(void);

/* Is any process of group pgid still alive (zombies do not count)? */
bool	 pgid_alive(long pgid);

#endif
