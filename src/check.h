/*
 * check.h - check kinds, results, and the concurrent runner.
 *
 * A kind is one file in src/check/ exporting a `const struct check_kind`,
 * listed once in check_kinds[] (src/check.c).  Its parse() reads the kind's
 * own keys from the plan and stores a private config in check->priv; its
 * run() performs one attempt and fills the result; its free() releases
 * priv.  The runner (check_run_all) owns everything else: concurrency,
 * timeouts, retries, `needs`, timing.
 *
 * run() must honour check->timeout_us as one deadline for the whole
 * attempt (pass what is left to connect/curl/poll; a per-read socket
 * timeout is not one: a peer trickling a byte at a time resets it): the
 * runner gives it a short grace period and then records the check as
 * timed out and abandons the thread, so a kind that ignores its deadline
 * only loses its own message, never hangs the process nor crashes its
 * exit (check.c).  Costly setup shared by all checks of a kind (a CA
 * store) is made once, under pthread_once, never per run().
 */
#ifndef CUTOVER_CHECK_H
#define CUTOVER_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "plan.h"

enum status { ST_PASS, ST_WARN, ST_FAIL, ST_SKIP };

const char *status_name(enum status s);

struct result {
	const struct check *check;
	enum status	 status;
	char		*observed;	/* "1.23ms", "200", "users 10/10" */
	char		*threshold;	/* what it was judged against */
	char		*message;	/* one line a human understands */
	char		*detail;	/* optional, several lines */
	int		 attempts;
	int64_t		 duration_us;
	int64_t		 started_wall_us;
	/* Fails only for want of a person's answer (kind manual). */
	bool		 unanswered;
	bool		 has_value;	/* numeric observation for metrics: */
	double		 value;		/*   seconds for latencies, else raw */
	/*
	 * Set by the caller before run: only the status, the value and a
	 * non-passing message are wanted (a watch's sample of a check that
	 * was passing).  result_observed/threshold/detail and a passing
	 * result_set then format nothing: at 700 checks a second, the
	 * strings that were formatted and dropped were ~10% of a sample.
	 */
	bool		 terse;
};

/* Set status and message (printf-style); the message is one line. */
void	 result_set(struct result *r, enum status st, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 result_observed(struct result *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 result_threshold(struct result *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 result_detail(struct result *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Free the strings of r and zero it. */
void	 result_release(struct result *r);
/* Deep copy (used when a thread is abandoned). */
void	 result_copy(struct result *dst, const struct result *src);

struct check_kind {
	const char	 *name;
	const char	 *summary;	/* one line, for `cutover check --kinds` */
	const char *const *keys;	/* the kind's own keys, NULL-terminated */
	/* Validate and store config in c->priv; 0 or -1 (errors reported). */
	int		(*parse)(struct pctx *cx, yaml_node_t *map,
			    struct check *c);
	/* One attempt.  Fills status, message, observed, threshold. */
	void		(*run)(const struct check *c, struct result *r);
	void		(*free)(void *priv);
	/*
	 * Optional, for `on: HOST`: after the host's answer r, what this
	 * process judges from several hosts (env's same_as on another
	 * host), by deadline_us (monotonic).  run() on the host leaves it.
	 */
	void		(*after_host)(const struct check *c, struct result *r,
			    int64_t deadline_us);
	/*
	 * What the kind's value is ("seconds the connect took"), for the
	 * watches' `value` rules and `p95`/`min`/`max`/`avg` success rules;
	 * NULL: the kind reports none, and lint refuses such a rule on it.
	 */
	const char	 *value;
	/*
	 * Optional: may this check's value be compared with v (NULL, or a
	 * message for lint: the check has no value as configured, or it is
	 * in another unit than v is written in)?  Static text.
	 */
	const char	*(*value_refuse)(const struct check *c,
			    const struct vcmp *v);
	/*
	 * Optional, for the watch's pool: run cs[0..n) (all of this kind,
	 * none `on:` a host) on the calling thread, at most width at once,
	 * each as the runner would (its own deadline from when it starts,
	 * its retries within its budget), filling *rs[i] (check and terse
	 * preset) with attempts, duration_us and started_wall_us too.
	 * Calls start(i, arg) when cs[i] starts and done(i, arg) once *rs[i]
	 * is final, after which it is not touched.
	 */
	void		(*run_batch)(const struct check *const *cs,
			    struct result *const *rs, size_t n, size_t width,
			    void (*start)(size_t i, void *arg),
			    void (*done)(size_t i, void *arg), void *arg);
	/*
	 * Optional, for the watch's pool: whether one attempt of c takes
	 * microseconds and cannot block (a stat of a local path): such
	 * checks share the one worker the pool wakes for them.
	 */
	bool		(*quick)(const struct check *c);
};

struct check {
	char			*id;
	char			*title;
	char			*description;
	const struct check_kind	*kind;
	void			*priv;
	int64_t			 timeout_us;
	int			 retries;
	int64_t			 retry_interval_us;
	struct strlist		 needs;
	/* Sampling interval when watched (`every:`); 0: the watch's. */
	int64_t			 every_us;
	const struct host	*host;	/* `on:`; NULL: this machine */
	const struct plan	*plan;
	int			 line, col;
};

#define CHECK_DEFAULT_TIMEOUT	(10 * 1000000LL)
/*
 * Kinds whose work grows with the data (data-diff, manifest) default to
 * this instead: 10 minutes hash about 60 GB from a disk reading 100 MB/s,
 * or checksum some hundreds of millions of rows.
 */
#define CHECK_BULK_TIMEOUT	(600 * 1000000LL)

/*
 * How far the running check got, for the message of its timeout
 * ("timed out after 10s (120000 of 500000 rows compared)").  A kind
 * calls check_progress() on its own thread and counts into what it
 * returns, from any thread; bytes: the figures are sizes.
 */
struct check_progress {
	_Atomic long long done, total;	/* total 0: unknown */
	const char	*what;		/* "rows compared" */
	bool		 bytes;
};
struct check_progress *check_progress(const char *what, bool bytes);
#define CHECK_DEFAULT_JOBS	16

const struct check_kind *check_kind_find(const char *name);
/* NULL-terminated list of kind names (for suggestions and help). */
const char *const *check_kind_names(size_t *n);

struct run_opts {
	int	 jobs;			/* concurrent checks; 0 = default */
	void	(*on_result)(const struct result *r, void *arg);
	void	*arg;
	/*
	 * Polled at least every 100ms (may be NULL).  Once it returns true
	 * the run ends at once: checks not started are skipped, running
	 * ones abandoned, both with the message "stopped before ...".  A
	 * signal handler's flag goes here, so Ctrl-C during a gate does not
	 * wait for every check's timeout.
	 */
	bool	(*should_stop)(void *arg);
	void	*stop_arg;
	/*
	 * On a terminal, a live line on stderr while checks run: "12/700
	 * done, waiting for: data-diff, slow-cmd" (lib/progress.h).
	 */
	bool	 live;
};

/*
 * Run checks[0..n) concurrently.  Checks named in `needs` but not in the
 * list are added and run first.  Returns a newly allocated array of
 * results in plan order (caller frees with results_free) and its length
 * in *nres.
 */
struct result *check_run_all(const struct plan *p, struct check **checks,
	    size_t n, const struct run_opts *o, size_t *nres);
void	 results_free(struct result *rs, size_t n);
/*
 * Run probe(c, r) as is, or with `from` set, on a thread inside that
 * network namespace (net_in_netns), the message then naming it.  For kinds
 * whose whole probe moves into the namespace (redis, tls).
 */
void	 check_probe_from(const char *from,
	    void (*probe)(const struct check *, struct result *),
	    const struct check *c, struct result *r);
/*
 * Redis commands for the kinds that speak to Redis (redis, latency),
 * defined in check/redis.c over hiredis.  redis_cmd reads the reply at
 * most 1 MiB far (hiredis alone buffers any length a server announces)
 * and returns NULL with "redis WHERE: ..." in *errp on I/O errors, a
 * timeout or a longer reply.  redis_auth sends AUTH [user] pw through it;
 * only a reply for which redis_is_ok is true (+OK) authenticates.
 */
struct redisContext;
struct redisReply;
struct redisReply *redis_cmd(struct redisContext *rc, const char *where,
	    char **errp, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
struct redisReply *redis_auth(struct redisContext *rc, const char *where,
	    char **errp, const char *user, const char *pw);
bool	 redis_is_ok(const struct redisReply *rp);
/* A reply's text for messages: status, error, string or its type. */
const char *redis_reply_text(const struct redisReply *rp);
/*
 * The system trust store (X509_STORE), loaded once per process and shared
 * (check/tls.c), or NULL when it cannot be made.  Loading it costs ~27ms
 * of CPU; per check, that was most of an https check's CPU.  A borrowed
 * reference: take one (SSL_CTX_set1_cert_store) to keep it.
 */
struct x509_store_st;
struct x509_store_st *tls_system_store(void);
/* Make a curl handle (CURL *) verify against that store (check/http.c). */
void	 http_system_store(void *cu);
/*
 * Wait up to max_us for the threads of checks that runs abandoned (they
 * overstayed their timeout) to end, and reap those that did.  Returns how
 * many still run.  The process exit does this itself (see check.c); tests
 * call it before freeing a plan an abandoned thread may still read.
 */
size_t	 check_orphans_wait(int64_t max_us);
/* True once a run's should_stop fired: kinds stop their processes. */
bool	 check_stopping(void);
/* The same for a runner of its own (the watch's worker pool). */
void	 check_set_stopping(void);
/*
 * Whether an attempt of c that ended as r, the attempts-th, elapsed_us
 * after the first began, is tried again after c->retry_interval_us: it
 * failed, retries are left, the run is not stopping, and the whole budget
 * (timeout x (retries + 1)) allows another attempt.  The one rule of
 * every runner (check.c, the watch's pool, http's batch).
 */
bool	 check_retry(const struct check *c, const struct result *r,
	    int attempts, int64_t elapsed_us);
/*
 * When the run began (wall clock, us): kind `process` counts as a restart
 * every instance that started after it (check/process.c).  Default: when
 * this cutover process started; the runbook and watch set the journal's
 * run start, so that a resumed run counts from its first start.
 */
void	 check_set_run_start(int64_t wall_us);
/* Worst status of a result set. */
enum status results_worst(const struct result *rs, size_t n);

void	 check_free(struct check *c);

#endif
