/*
 * serve.h - the live view over HTTP: the dashboard (/), Prometheus
 * metrics (/metrics), /health and /api/status, read from a run's journal.
 *
 * The server reads the journal through a connection of its own opened
 * read-only (journal_open_ro): it never writes, and a writer's commit
 * only makes it load again (SQLite's data_version, the lock holder and
 * the file's identity are compared per request; an unchanged journal is
 * served from the loaded copy).  libmicrohttpd runs the connections on a
 * small pool of threads; a request never waits for a run.
 *
 * `cutover serve` runs it in the foreground; `run --serve` (and `watch
 * --serve`) call serve_start before their work and serve_stop after it,
 * so the pages come from the running process.
 *
 * Access: a loopback address (127.0.0.1, ::1, localhost) needs nothing;
 * any other needs a bearer token or basic-auth credentials read from the
 * environment (the value is never printed or logged).  Every string on a
 * page or in a metric is redacted and escaped.
 */
#ifndef CUTOVER_SERVE_H
#define CUTOVER_SERVE_H

#include <stdbool.h>

struct plan;
struct server;

#define SERVE_DEFAULT_LISTEN	"127.0.0.1:9477"

struct serve_opts {
	const char	*listen;	/* ADDR:PORT, [V6]:PORT; NULL: default */
	const char	*token_env;	/* name of the variable with the token */
	const char	*basic_env;	/* name of the variable with user:pass */
	const char	*tls_cert, *tls_key;	/* PEM files, both or neither */
	unsigned	 max_conns;	/* 0: SERVE_MAX_CONNS */
	unsigned	 threads;	/* 0: 2 */
};

#define SERVE_MAX_CONNS	512

/*
 * Is TLS available in this build of libmicrohttpd?  (Debian's is built
 * with GnuTLS.)
 */
bool	 serve_tls_supported(void);

/*
 * Check the options without starting anything: the address parses, a
 * non-loopback address has an access rule, the named variables are set
 * and non-empty, TLS files come in pairs and are readable.  0, or -1 with
 * *errp naming the option (never a value).
 */
int	 serve_opts_check(const struct serve_opts *o, char **errp);

/*
 * Serve plan p's journal at path (it may not exist yet: the pages say no
 * run yet until it does).  p and path must outlive the server.  Returns
 * NULL with *errp (address in use, bad options).  The threads it starts
 * block every signal: the caller's handlers stay the caller's.
 */
struct server *serve_start(const struct plan *p, const char *journal,
	    const struct serve_opts *o, char **errp);
/* "http://127.0.0.1:9477/" as bound (the port when 0 was asked). */
const char *serve_url(const struct server *s);
/* Stop accepting, finish or drop open connections, free s.  NULL is ok. */
void	 serve_stop(struct server *s);

#endif
