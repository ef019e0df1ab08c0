/*
 * log.c - kind `log`: count the lines that match a PCRE2 pattern in a log
 * file, in a command's output, in a container's log (Engine API) or in a
 * unit's messages in the systemd journal (sd-journal), and
 * judge the count: `max: 0` is the seeds' "no ERROR in the logs", `min: 1`
 * their `pm2 logs | grep "connection: open"`.
 *
 *   { kind: log, path: /var/log/app.log, pattern: '\bERROR\b', max: 0,
 *     since: start }
 *
 * What is read:
 *  - everything (the default), or `since: start`: only what was appended
 *    after cutover loaded the plan (for a file: past the size it had then,
 *    the file being kept open so that a rotation loses nothing).  Both
 *    are read incrementally: each run of the same check in one process
 *    (a watch's samples) reads only the bytes added since the previous
 *    run and adds its matches to the count, which is the count since the
 *    start;
 *  - `since: DURATION` (containers and the journal only: a file's lines
 *    carry no time cutover could trust): the lines logged in the last
 *    DURATION;
 *  - `last: N`: the last N lines, read again on each run.
 *
 * Rotation: a file renamed away and recreated (logrotate's default) is
 * read to its end through the descriptor kept open, then the new file
 * from its start; a file truncated in place (copytruncate) is read again
 * from its start.  A line is counted once it ends in a newline; a last
 * line still being written counts in this run's figure but is read again
 * (whole) by the next run.
 *
 * Matching is grep's: a line matches when the pattern matches within it.
 * For speed the pattern searches whole 4 MiB windows (PCRE2 JIT, ^ and $
 * at line ends) and each hit is confirmed on its own line when it spans
 * one; see docs/BENCHMARKS.md.  The bytes are not taken as UTF-8.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <curl/curl.h>
#include <pcre2.h>

#include "../check.h"
#include "../lib/engine.h"
#include "../lib/error.h"
#include "../lib/lazy_curl.h"
#include "../lib/proc.h"
#include "../lib/sdjournal.h"
#include "../lib/sockhttp.h"
#include "../lib/units.h"
#include "../lib/xmalloc.h"

#define LOG_WINDOW	(1u << 20)	/* bytes read and searched at once */
#define LOG_LINE_MAX	(1u << 20)	/* a longer "line" is cut there */
#define LOG_EXAMPLES	5		/* matching lines kept for the detail */
#define LOG_EXAMPLE_MAX	200		/* bytes of each */
#define LOG_LAST_MAX	1000000LL

enum src { SRC_FILE, SRC_COMMAND, SRC_CONTAINER, SRC_UNIT };
enum since { SINCE_ALL, SINCE_START, SINCE_AGO };

/* The incremental state of a file or container source (under mu). */
struct log_state {
	int		 fd;		/* the file being followed, or -1 */
	off_t		 off;		/* bytes of it counted (whole lines) */
	long long	 count;		/* matches counted so far */
	bool		 begun;		/* a run has read */
	int64_t		 ts_sec, ts_nsec;	/* newest container line seen */
	char		*cursor;	/* systemd journal: after the last read */
};

struct log_conf {
	enum src	 src;
	char		*path;
	struct command	 cmd;
	char		*container;
	char		*unit;		/* systemd journal: the unit */
	char		*journal;	/* a journal directory or file; NULL: the
					 * machine's */
	char		*socket;
	char		*pattern;
	pcre2_code	*re;
	char		*literal;	/* a string every match contains, or NULL */
	long long	 max, min;	/* -1: not judged */
	enum since	 since;
	int64_t		 ago_us;
	long long	 last;		/* 0: not used */
	int64_t		 load_wall_us;	/* when the plan was loaded */
	pthread_mutex_t	 mu;
	struct log_state st;
};

static const char *const keys[] = { "path", "command", "container",
	"unit", "journal", "socket", "pattern", "max", "min", "since", "last",
	NULL };

/*
 * A string every match of the pattern contains, for a memmem prefilter:
 * the longest run of plain characters at the top level of a pattern
 * without top-level alternatives or inline options; NULL when there is
 * none of at least 3 bytes.  A character a quantifier follows is not
 * required, so it ends the run.  The JIT's own search for the first
 * byte stops at every 'E' of "DEBUG" for '\bERROR\b'; see find_lit.
 */
static char *
required_literal(const char *re)
{
	struct buf run = BUF_INIT, best = BUF_INIT;
	int depth = 0;
	char *out = NULL;

	if (strstr(re, "(?"))
		return NULL;
	/* Escapes that take more characters (\x41, \1, \p{L}, \Q...\E):
	 * what follows them is not literal text. */
	for (const char *b = strchr(re, '\\'); b; b = strchr(b + 2, '\\')) {
		if (b[1] && strchr("xopPkgNcuQE0123456789", b[1]))
			return NULL;
		if (b[1] == '\0')
			break;
	}
	for (const char *p = re; ; p++) {
		int lit = -1;		/* the literal byte at p, if one */
		const char *nx = p + 1;
		if (*p == '\\' && p[1] && strchr(".^$|()[]{}*+?\\/-:=#@ ", p[1])) {
			lit = (unsigned char)p[1];
			nx = p + 2;
		} else if (*p && (isalnum((unsigned char)*p) ||
		    strchr(" :=,;/_-'\"<>@%&!~`#", *p))) {
			lit = (unsigned char)*p;
		}
		/* nx is read only after a literal byte: never past the end. */
		bool quant = lit >= 0 && (*nx == '?' || *nx == '*' ||
		    *nx == '+' || *nx == '{');
		if (depth == 0 && lit >= 0 && !quant) {
			buf_addc(&run, (char)lit);
		} else {
			if (run.len > best.len) {
				buf_reset(&best);
				buf_add(&best, run.s, run.len);
			}
			buf_reset(&run);
		}
		if (*p == '\0')
			break;
		if (lit >= 0) {
			p = nx - 1;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (*p == '|' && depth == 0)
			goto out;
		else if (*p == '[') {
			/* Skip the class: []...] and [^]...] start with ']'. */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']')
				p += *p == '\\' && p[1] ? 2 : 1;
			if (*p == '\0')
				goto out;
		}
	}
	if (best.len >= 3)
		out = xstrndup(best.s, best.len);
out:
	buf_release(&run);
	buf_release(&best);
	return out;
}

static int
log_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct log_conf *k = xcalloc(1, sizeof(*k));
	yaml_node_t *pn = pn_get(cx, map, "path");
	yaml_node_t *cn = pn_get(cx, map, "command");
	yaml_node_t *ct = pn_get(cx, map, "container");
	yaml_node_t *un = pn_get(cx, map, "unit");
	yaml_node_t *jn = pn_get(cx, map, "journal");
	yaml_node_t *sn = pn_get(cx, map, "since");
	yaml_node_t *ln = pn_get(cx, map, "last");
	yaml_node_t *mx = pn_get(cx, map, "max"), *mn = pn_get(cx, map, "min");
	yaml_node_t *so = pn_get(cx, map, "socket");
	int rc = 0;

	c->priv = k;
	pthread_mutex_init(&k->mu, NULL);
	k->st.fd = -1;
	k->max = k->min = -1;
	k->load_wall_us = now_wall_us();
	if ((pn != NULL) + (cn != NULL) + (ct != NULL) + (un != NULL) != 1) {
		pn_error(cx, map, "check '%s' needs exactly one of 'path' (a "
		    "file), 'command', 'container' or 'unit' (the systemd "
		    "journal)", c->id);
		rc = -1;
	}
	if (pn) {
		k->src = SRC_FILE;
		if ((k->path = pn_str(cx, pn, "path")) == NULL)
			rc = -1;
	} else if (cn) {
		k->src = SRC_COMMAND;
		/* A list is argv (no shell); a string is a shell script. */
		rc |= pn_command(cx, cn, "command", !pn_is_seq(cn), &k->cmd);
	} else if (ct) {
		k->src = SRC_CONTAINER;
		if ((k->container = pn_str(cx, ct, "container")) == NULL)
			rc = -1;
		else if (strspn(k->container, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		    strlen(k->container) || !*k->container) {
			pn_error(cx, ct, "'container': '%s' is not a container "
			    "name or id", k->container);
			rc = -1;
		}
	}
	else if (un) {
		k->src = SRC_UNIT;
		if ((k->unit = pn_str(cx, un, "unit")) == NULL)
			rc = -1;
	}
	if (jn && k->src != SRC_UNIT) {
		pn_error(cx, jn, "'journal' (a systemd journal directory or "
		    "file) goes with 'unit'");
		rc = -1;
	} else if (jn && (k->journal = pn_str(cx, jn, "journal")) == NULL) {
		rc = -1;
	}
	if (so && k->src != SRC_CONTAINER) {
		pn_error(cx, so, "'socket' (the Docker socket) goes with "
		    "'container'");
		rc = -1;
	} else if (so && (k->socket = pn_str(cx, so, "socket")) == NULL) {
		rc = -1;
	} else if (k->socket && k->socket[0] != '/') {
		pn_error(cx, so, "'socket' must be an absolute path (got '%s')",
		    k->socket);
		rc = -1;
	}
	if (k->socket == NULL)
		k->socket = xstrdup(ENGINE_SOCKET);
	k->pattern = pn_req_str(cx, map, "pattern");
	if (k->pattern) {
		int ec;
		PCRE2_SIZE eo;
		k->re = pcre2_compile((PCRE2_SPTR)k->pattern,
		    PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE, &ec, &eo, NULL);
		if (k->re == NULL) {
			PCRE2_UCHAR m[160];
			pcre2_get_error_message(ec, m, sizeof(m));
			pn_error(cx, pn_get(cx, map, "pattern"), "'pattern': bad "
			    "regex: %s at offset %zu", (char *)m, (size_t)eo);
			rc = -1;
		} else {
			pcre2_jit_compile(k->re, PCRE2_JIT_COMPLETE);
			k->literal = required_literal(k->pattern);
		}
	} else {
		rc = -1;
	}
	if (mx)
		rc |= pn_int(cx, mx, "max", 0, 1000000000000LL, &k->max);
	if (mn)
		rc |= pn_int(cx, mn, "min", 0, 1000000000000LL, &k->min);
	if (!mx && !mn) {
		pn_error(cx, map, "check '%s' needs 'max' (e.g. 0: no line "
		    "matches) or 'min' (e.g. 1: a line matches)", c->id);
		rc = -1;
	} else if (mx && mn && k->max >= 0 && k->min > k->max) {
		pn_error(cx, mn, "'min' (%lld) is above 'max' (%lld)", k->min,
		    k->max);
		rc = -1;
	}
	if (ln)
		rc |= pn_int(cx, ln, "last", 1, LOG_LAST_MAX, &k->last);
	if (sn) {
		char *s = pn_str(cx, sn, "since");
		if (s == NULL) {
			rc = -1;
		} else if (strcmp(s, "start") == 0) {
			k->since = SINCE_START;
		} else if (pn_duration(cx, sn, "since", &k->ago_us) == 0) {
			k->since = SINCE_AGO;
			if (k->src != SRC_CONTAINER && k->src != SRC_UNIT) {
				pn_error(cx, sn, "'since: %s' needs the time of "
				    "each line, which only a container's log "
				    "and the systemd journal have: use 'since: "
				    "start' or 'last: N'", s);
				rc = -1;
			}
		} else {
			rc = -1;
		}
		free(s);
		if (k->since != SINCE_ALL && k->src == SRC_COMMAND) {
			pn_error(cx, sn, "'since' does not apply to a command's "
			    "output (each run reads all of it): use 'last: N'");
			rc = -1;
		} else if (k->since != SINCE_ALL && ln) {
			pn_error(cx, sn, "give 'since' or 'last', not both");
			rc = -1;
		}
	}
	/*
	 * since: start on a file: what was appended after this moment.  The
	 * file is held open so that a rotation before the first run cannot
	 * hide what was appended to the old one.  Non-blocking: a FIFO must
	 * not hang the plan's loading.
	 */
	if (rc == 0 && k->src == SRC_FILE && k->since == SINCE_START) {
		int fd = open(k->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			k->st.fd = fd;
			k->st.off = st.st_size;
		} else if (fd >= 0) {
			close(fd);
		}
	}
	return rc;
}

/* ---- matching -------------------------------------------------------- */

struct scanner {
	const pcre2_code *re;
	const char	*literal;	/* prefilter, or NULL */
	size_t		 litlen;
	int		 rare;		/* index of its rarest byte; -1: not yet */
	pcre2_match_data *md;
	long long	 lines;		/* complete or final lines seen */
	long long	 matches;
	struct strlist	 examples;
	char		*error;		/* a matching error (limits) */
	/* last N for a stream (command): the line numbers of the last
	 * matches, a ring of up to N. */
	long long	 last;
	long long	*ring;
	size_t		 rhead, rlen;
};

static void
example(struct scanner *sc, const char *p, size_t n)
{
	if (sc->examples.n >= LOG_EXAMPLES)
		return;
	if (n && p[n - 1] == '\r')
		n--;
	char *s = xasprintf("%.*s%s", (int)(n > LOG_EXAMPLE_MAX ?
	    LOG_EXAMPLE_MAX : n), p, n > LOG_EXAMPLE_MAX ? "..." : "");
	strlist_push_owned(&sc->examples, s);
}

static void
hit(struct scanner *sc, const char *p, size_t n, long long lineno)
{
	sc->matches++;
	if (sc->ring) {
		if (sc->rlen == (size_t)sc->last) {
			sc->ring[sc->rhead] = lineno;
			sc->rhead = (sc->rhead + 1) % (size_t)sc->last;
		} else {
			sc->ring[(sc->rhead + sc->rlen++) % (size_t)sc->last] =
			    lineno;
		}
		return;	/* examples: the window moves, keep none */
	}
	example(sc, p, n);
}

/*
 * Count the matching lines of p[0..n): whole lines, the last one ending
 * at n (with or without its newline).
 */
static void scan_all(struct scanner *sc, const char *p, size_t n);

/*
 * Find lit in p[from..n): memchr for the literal's rarest byte in the
 * data (chosen on the first window), then a compare.  glibc's memchr is
 * vectorised; its memmem is not, and took 0.29 CPU-s on 1 GiB where
 * this takes less than grep -c (docs/BENCHMARKS.md).
 */
static const char *
find_lit(struct scanner *sc, const char *p, size_t from, size_t n)
{
	const char *lit = sc->literal;
	size_t ll = sc->litlen, ri;

	if (sc->rare < 0) {
		size_t cnt[256] = { 0 }, m = n < 65536 ? n : 65536, best = 0;
		for (size_t i = 0; i < m; i++)
			cnt[(unsigned char)p[i]]++;
		for (size_t i = 1; i < ll; i++)
			if (cnt[(unsigned char)lit[i]] <
			    cnt[(unsigned char)lit[best]])
				best = i;
		sc->rare = (int)best;
	}
	ri = (size_t)sc->rare;
	for (size_t q = from + ri; q < n; ) {
		const char *f = memchr(p + q, lit[ri], n - q);
		if (f == NULL)
			return NULL;
		size_t at = (size_t)(f - p) - ri;
		if (at + ll <= n && memcmp(p + at, lit, ll) == 0)
			return p + at;
		q = (size_t)(f - p) + 1;
	}
	return NULL;
}

/*
 * With a required literal: only the lines that contain it can match,
 * and each is matched on its own.  (Line numbers are not kept: not used
 * with a ring.)
 */
static void
scan(struct scanner *sc, const char *p, size_t n)
{
	size_t pos = 0;

	if (sc->literal == NULL || sc->ring) {
		scan_all(sc, p, n);
		return;
	}
	while (pos < n) {
		const char *f = find_lit(sc, p, pos, n);
		if (f == NULL)
			break;
		const char *nl = memrchr(p + pos, '\n', (size_t)(f - p) - pos);
		size_t ls = nl ? (size_t)(nl - p) + 1 : pos;
		const char *en = memchr(f, '\n', n - (size_t)(f - p));
		size_t le = en ? (size_t)(en - p) : n;
		int rc = pcre2_match(sc->re, (PCRE2_SPTR)p + ls, le - ls, 0, 0,
		    sc->md, NULL);
		if (rc >= 0) {
			hit(sc, p + ls, le - ls, 0);
		} else if (rc != PCRE2_ERROR_NOMATCH && sc->error == NULL) {
			PCRE2_UCHAR m[160];
			pcre2_get_error_message(rc, m, sizeof(m));
			sc->error = xasprintf("pattern: %s", (char *)m);
			break;
		}
		pos = le + 1;
	}
}

static void
scan_all(struct scanner *sc, const char *p, size_t n)
{
	size_t pos = 0;

	while (pos < n) {
		int rc = pcre2_match(sc->re, (PCRE2_SPTR)p, n, pos, 0, sc->md,
		    NULL);
		if (rc < 0) {
			if (rc != PCRE2_ERROR_NOMATCH && sc->error == NULL) {
				PCRE2_UCHAR m[160];
				pcre2_get_error_message(rc, m, sizeof(m));
				sc->error = xasprintf("pattern: %s", (char *)m);
			}
			break;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
		size_t s = ov[0], e = ov[1];
		if (s >= n)
			break;
		const char *nl = memrchr(p + pos, '\n', s - pos);
		size_t ls = nl ? (size_t)(nl - p) + 1 : pos;
		sc->lines += nl ? 1 : 0;
		/* Lines between pos and ls had no match: count them. */
		for (const char *q = p + pos; nl && (q = memchr(q, '\n',
		    (size_t)(nl - q))) != NULL; q++)
			sc->lines++;
		const char *en = memchr(p + s, '\n', n - s);
		size_t le = en ? (size_t)(en - p) : n;
		bool ok = e <= le;
		if (!ok)	/* spans a line end: does the line alone match? */
			ok = pcre2_match(sc->re, (PCRE2_SPTR)p + ls, le - ls, 0,
			    0, sc->md, NULL) >= 0;
		sc->lines++;
		if (ok)
			hit(sc, p + ls, le - ls, sc->lines);
		pos = le + 1;
	}
	/* The lines after the last match. */
	for (const char *q = p + pos; pos < n && (q = memchr(q, '\n',
	    (size_t)(p + n - q))) != NULL; q++)
		sc->lines++;
	if (pos < n && p[n - 1] != '\n')
		sc->lines++;
}

static long long
ring_count(const struct scanner *sc)
{
	long long n = 0;

	for (size_t i = 0; i < sc->rlen; i++)
		if (sc->ring[(sc->rhead + i) % (size_t)sc->last] >
		    sc->lines - sc->last)
			n++;
	return n;
}

static void
scanner_init(struct scanner *sc, const struct log_conf *k)
{
	memset(sc, 0, sizeof(*sc));
	sc->re = k->re;
	sc->literal = k->literal;
	sc->litlen = k->literal ? strlen(k->literal) : 0;
	sc->rare = -1;
	sc->md = pcre2_match_data_create_from_pattern(k->re, NULL);
}

static void
scanner_release(struct scanner *sc)
{
	pcre2_match_data_free(sc->md);
	strlist_release(&sc->examples);
	free(sc->error);
	free(sc->ring);
}

/* ---- files ----------------------------------------------------------- */

/*
 * Read fd from *off to its end, scanning whole lines; *off advances past
 * the last newline.  With final, the last partial line counts and is
 * consumed (the file was rotated away: nothing will complete it).
 * Returns 0, 1 when the deadline came first, -1 on a read error; *partial
 * gets whether the unconsumed tail (a line being written) matched.
 */
static int
read_file(struct scanner *sc, int fd, off_t *off, bool final, bool *partial,
    int64_t deadline, char **errp)
{
	char *w = xmalloc(LOG_WINDOW + 1);
	size_t have = 0;	/* bytes in w not yet consumed */
	int rc = 0;

	*partial = false;
	for (;;) {
		ssize_t r = pread(fd, w + have, LOG_WINDOW - have,
		    *off + (off_t)have);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = seterr_errno(errp, "read");
			break;
		}
		have += (size_t)r;
		if (r == 0 || have == LOG_WINDOW) {
			const char *nl = memrchr(w, '\n', have);
			size_t n = nl ? (size_t)(nl - w) + 1 : 0;
			/* A line longer than the window is cut there. */
			if (n == 0 && have == LOG_WINDOW)
				n = have;
			if (r == 0 && final)
				n = have;
			scan(sc, w, n);
			*off += (off_t)n;
			memmove(w, w + n, have - n);
			have -= n;
		}
		if (r == 0)
			break;
		if (now_mono_us() >= deadline) {
			rc = 1;
			break;
		}
	}
	if (rc == 0 && have) {
		/* The line being written: this run's figure only. */
		long long m = sc->matches;
		struct scanner tmp = *sc;
		tmp.examples = (struct strlist)STRLIST_INIT;
		scan(&tmp, w, have);
		*partial = tmp.matches > m;
		strlist_release(&tmp.examples);
		if (*partial && sc->examples.n < LOG_EXAMPLES)
			example(sc, w, have);
	}
	free(w);
	return rc;
}

/* Start of the last n lines of fd (size bytes); a final newline ends the
 * last line, it does not start one. */
static off_t
last_lines(int fd, off_t size, long long n)
{
	char b[65536];
	off_t end = size;
	long long seen = 0;

	while (end > 0) {
		size_t k = end > (off_t)sizeof(b) ? sizeof(b) : (size_t)end;
		if (pread(fd, b, k, end - (off_t)k) != (ssize_t)k)
			return 0;
		for (size_t i = k; i-- > 0; ) {
			if (b[i] != '\n' || end - (off_t)k + (off_t)i == size - 1)
				continue;
			if (++seen == n)
				return end - (off_t)k + (off_t)i + 1;
		}
		end -= (off_t)k;
	}
	return 0;
}

static bool
same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Open path for reading as a regular file; -1 with *errp. */
static int
open_log(const char *path, char **errp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0) {
		if (errno == ENOENT)
			seterr(errp, "log file %s does not exist", path);
		else
			seterr_errno(errp, "cannot open log file %s", path);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		seterr(errp, "%s is not a regular file", path);
		return -1;
	}
	/* Read front to back once: a larger readahead for a cold file. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return fd;
}

/*
 * The file source.  Returns the count, or -1 with *errp; *note gets a
 * remark for the message (rotation seen).
 */
static long long
run_file(struct log_conf *k, struct scanner *sc, int64_t deadline,
    char **note, char **errp)
{
	struct log_state *st = &k->st;
	long long count = -1;
	bool partial = false;
	int rc;

	if (k->last) {
		int fd = open_log(k->path, errp);
		struct stat s;
		if (fd < 0)
			return -1;
		fstat(fd, &s);
		off_t off = last_lines(fd, s.st_size, k->last);
		rc = read_file(sc, fd, &off, true, &partial, deadline, errp);
		close(fd);
		if (rc == 1)
			seterr(errp, "log file %s: not read to its end within "
			    "the timeout", k->path);
		return rc == 0 ? sc->matches : -1;
	}
	pthread_mutex_lock(&k->mu);
	long long before = sc->matches;
	/* At most: the rest of a rotated file, then the new one. */
	for (int round = 0; round < 3; round++) {
		if (st->fd < 0) {
			if ((st->fd = open_log(k->path, errp)) < 0) {
				/* Read before, rotated away and not recreated
				 * yet: the count so far stands. */
				if (st->begun) {
					free(*errp);
					*errp = NULL;
					free(*note);
					*note = xstrdup("the file is absent now "
					    "(rotated?)");
					break;
				}
				goto out;
			}
			/* A new file (or, since start, one absent when the plan
			 * was loaded): all of it is new. */
			st->off = 0;
		}
		st->begun = true;
		struct stat s;
		if (fstat(st->fd, &s) == 0 && s.st_size < st->off) {
			/* Truncated in place (copytruncate): from the start. */
			st->off = 0;
			free(*note);
			*note = xstrdup("truncated, read again");
		}
		bool moved = !same_file(st->fd, k->path);
		rc = read_file(sc, st->fd, &st->off, moved, &partial, deadline,
		    errp);
		if (rc != 0) {
			if (rc == 1)
				seterr(errp, "log file %s: not read to its end "
				    "within the timeout (%lld bytes read)",
				    k->path, (long long)st->off);
			st->count += sc->matches - before;
			goto out;
		}
		if (!moved)
			break;
		/* Rotated: the old file is read to its end; now the new. */
		close(st->fd);
		st->fd = -1;
		free(*note);
		*note = xstrdup("rotated, followed");
	}
	st->count += sc->matches - before;
	count = st->count + (partial ? 1 : 0);
out:
	pthread_mutex_unlock(&k->mu);
	return count;
}

/* ---- commands -------------------------------------------------------- */

struct cmdscan {
	struct scanner	*sc;
	struct buf	 carry;
};

static void
cmd_output(const char *p, size_t n, void *arg)
{
	struct cmdscan *cs = arg;

	buf_add(&cs->carry, p, n);
	const char *nl = memrchr(cs->carry.s, '\n', cs->carry.len);
	size_t k = nl ? (size_t)(nl - cs->carry.s) + 1 : 0;
	if (k == 0 && cs->carry.len >= LOG_LINE_MAX)
		k = cs->carry.len;
	if (k == 0)
		return;
	scan(cs->sc, cs->carry.s, k);
	memmove(cs->carry.s, cs->carry.s + k, cs->carry.len - k);
	cs->carry.len -= k;
	cs->carry.s[cs->carry.len] = '\0';
}

static bool
stopping(void *arg)
{
	(void)arg;
	return check_stopping();
}

static long long
run_command(const struct log_conf *k, const struct check *c,
    struct scanner *sc, char **errp)
{
	struct cmdscan cs = { .sc = sc, .carry = BUF_INIT };
	struct proc_spec spec = {
		.argv = k->cmd.shell ? NULL : k->cmd.argv.v,
		.shell = k->cmd.shell,
		.timeout_us = c->timeout_us,
		.tail_max = 4096,
		.on_output = cmd_output,
		.arg = &cs,
		.should_stop = stopping,
	};
	struct proc_result pr = { 0 };
	long long count = -1;

	if (k->last) {
		sc->last = k->last;
		sc->ring = xcalloc((size_t)k->last, sizeof(*sc->ring));
	}
	if (proc_run(&spec, &pr, errp) != 0)
		goto out;
	if (cs.carry.len)
		scan(sc, cs.carry.s, cs.carry.len);
	if (pr.spawn_failed) {
		seterr(errp, "%s", pr.tail.s);
	} else if (pr.timed_out || pr.signal || pr.exit_code != 0) {
		/* A failed command's output is not the log: never judge it
		 * (an absent tool prints nothing, and nothing matches). */
		char *why = proc_describe(&pr, c->timeout_us);
		char *t = pr.tail.s;
		size_t n = pr.tail.len;
		while (n && (t[n - 1] == '\n' || t[n - 1] == '\r'))
			t[--n] = '\0';
		char *last = strrchr(t, '\n');
		last = last ? last + 1 : t;
		seterr(errp, "the command %s: output not judged%s%s", why,
		    *last ? ": " : "", last);
		free(why);
	} else {
		count = sc->ring ? ring_count(sc) : sc->matches;
	}
out:
	buf_release(&cs.carry);
	buf_release(&pr.tail);
	return count;
}

/* ---- containers ------------------------------------------------------ */

struct ctrscan {
	struct log_conf	*k;
	struct scanner	*sc;
	struct engine_demux dm;
	bool		 raw;		/* a TTY container: no frames */
	struct buf	 line[3];	/* per stream: a line being assembled */
	int64_t		 after_sec, after_nsec;	/* skip lines up to this */
	int64_t		 new_sec, new_nsec;	/* newest line seen */
	char		*error;
};

/* "2026-11-30T01:02:03.123456789Z " -> seconds, nanoseconds, length. */
static int
parse_ts(const char *s, size_t n, int64_t *sec, int64_t *nsec, size_t *len)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, se, k = 0;
	size_t i;

	if (n < 21 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h,
	    &mi, &se, &k) != 6 || k != 19)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*sec = (int64_t)timegm(&tm);
	*nsec = 0;
	i = 19;
	if (i < n && s[i] == '.') {
		int64_t scale = 100000000;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			*nsec += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i >= n || s[i] != 'Z')
		return -1;
	i++;
	if (i < n && s[i] == ' ')
		i++;
	*len = i;
	return 0;
}

static void
ctr_line(struct ctrscan *cs, const char *p, size_t n)
{
	int64_t sec, nsec;
	size_t tl;

	if (cs->error)
		return;
	if (parse_ts(p, n, &sec, &nsec, &tl) != 0) {
		cs->error = xstrdup("malformed Docker log stream: a line "
		    "without its timestamp");
		return;
	}
	if (sec < cs->after_sec || (sec == cs->after_sec &&
	    nsec <= cs->after_nsec))
		return;
	if (sec > cs->new_sec || (sec == cs->new_sec && nsec > cs->new_nsec)) {
		cs->new_sec = sec;
		cs->new_nsec = nsec;
	}
	scan(cs->sc, p + tl, n - tl);
}

static void
ctr_payload(int stream, const char *p, size_t n, void *arg)
{
	struct ctrscan *cs = arg;
	struct buf *b = &cs->line[stream];

	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		buf_add(b, p, k);
		if (!nl && b->len < LOG_LINE_MAX)
			return;
		ctr_line(cs, b->s, b->len);
		buf_reset(b);
		if (!nl)
			return;
		p += k + 1;
		n -= k + 1;
	}
}

static int
ctr_data(const char *p, size_t n, void *arg)
{
	struct ctrscan *cs = arg;

	if (cs->raw) {
		ctr_payload(1, p, n, cs);
		return 0;
	}
	char *e = NULL;
	if (engine_demux_feed(&cs->dm, p, n, ctr_payload, cs, &e) != 0) {
		free(cs->error);
		cs->error = e;
		return -1;
	}
	return cs->error ? -1 : 0;
}

static long long
run_container(struct log_conf *k, struct scanner *sc, int64_t deadline,
    char **errp)
{
	struct ctrscan cs = { .k = k, .sc = sc };
	struct engine_ctr e;
	struct buf b;
	char *url = xasprintf("http://localhost/containers/%s/json",
	    k->container);
	struct sockhttp_req q = {
		.socket = k->socket, .url = url, .what = "Docker",
		.deadline_us = deadline, .max = ENGINE_JSON_MAX,
	};
	long long count = -1;
	long code = sockhttp_do(&q, &b, errp);
	bool incremental = k->since != SINCE_AGO && !k->last;

	free(url);
	if (code == 404) {
		seterr(errp, "no container named %s", k->container);
	} else if (code > 0 && code != 200) {
		char *m = engine_error_message(b.s, b.len);
		seterr(errp, "Docker answered HTTP %ld%s%s", code, m ? ": " : "",
		    m ? m : "");
		free(m);
	}
	if (code != 200 || engine_ctr_parse(b.s, b.len, &e, errp) != 0) {
		buf_release(&b);
		return -1;
	}
	buf_release(&b);
	cs.raw = e.tty;
	for (int i = 0; i < 3; i++)
		buf_init(&cs.line[i], LOG_LINE_MAX);
	if (incremental)
		pthread_mutex_lock(&k->mu);
	struct buf path = BUF_INIT;
	buf_addf(&path, "http://localhost/containers/%s/logs?stdout=1&stderr=1"
	    "&timestamps=1", e.id);
	if (k->last) {
		buf_addf(&path, "&tail=%lld", k->last);
	} else if (k->since == SINCE_AGO) {
		int64_t from = now_wall_us() - k->ago_us;
		cs.after_sec = from / US_PER_S;
		cs.after_nsec = from % US_PER_S * 1000 - 1;
		buf_addf(&path, "&since=%lld", (long long)cs.after_sec);
	} else if (k->st.begun) {
		cs.after_sec = k->st.ts_sec;
		cs.after_nsec = k->st.ts_nsec;
		buf_addf(&path, "&since=%lld", (long long)cs.after_sec);
	} else if (k->since == SINCE_START) {
		cs.after_sec = k->load_wall_us / US_PER_S;
		cs.after_nsec = k->load_wall_us % US_PER_S * 1000 - 1;
		buf_addf(&path, "&since=%lld", (long long)cs.after_sec);
	} else {
		cs.after_sec = -1;
	}
	cs.new_sec = cs.after_sec;
	cs.new_nsec = cs.after_nsec;
	q.url = path.s;
	q.on_data = ctr_data;
	q.arg = &cs;
	q.max = 0;
	long long before = sc->matches;
	code = sockhttp_do(&q, NULL, errp);
	for (int i = 1; i < 3 && !cs.error; i++)
		if (cs.line[i].len)
			ctr_line(&cs, cs.line[i].s, cs.line[i].len);
	if (cs.error) {
		free(*errp);
		*errp = xstrdup(cs.error);
	} else if (code == 200 && !cs.raw &&
	    engine_demux_end(&cs.dm, errp) != 0) {
		;
	} else if (code > 0 && code != 200) {
		seterr(errp, "Docker answered HTTP %ld to the logs request",
		    code);
	} else if (code == 200) {
		count = sc->matches - before;
		if (incremental) {
			k->st.count += count;
			count = k->st.count;
			k->st.begun = true;
			k->st.ts_sec = cs.new_sec < 0 ? 0 : cs.new_sec;
			k->st.ts_nsec = cs.new_sec < 0 ? 0 : cs.new_nsec;
		}
	}
	if (incremental)
		pthread_mutex_unlock(&k->mu);
	for (int i = 0; i < 3; i++)
		buf_release(&cs.line[i]);
	free(cs.error);
	buf_release(&path);
	engine_ctr_release(&e);
	return count;
}

/* ---- the systemd journal --------------------------------------------- */

static int
unit_msg(const char *msg, size_t len, int64_t wall_us, void *arg)
{
	struct scanner *sc = arg;

	(void)wall_us;
	scan(sc, msg, len);
	return sc->error != NULL;
}

/*
 * A unit's messages through sd-journal (lib/sdjournal): the last N, those
 * of the last D, or (since: start, or no since) only the entries after
 * the cursor the previous run ended at, added to its count as for a file.
 */
static long long
run_unit(struct log_conf *k, struct scanner *sc, int64_t deadline,
    char **errp)
{
	bool incremental = k->since != SINCE_AGO && !k->last;
	struct sdj_query q = {
		.path = k->journal, .unit = k->unit,
		.deadline_mono_us = deadline,
	};
	long long before = sc->matches, count = -1;
	size_t nread = 0;
	char *cursor = NULL;

	if (incremental)
		pthread_mutex_lock(&k->mu);
	if (k->last)
		q.last_n = (size_t)k->last;
	else if (k->since == SINCE_AGO)
		q.since_wall_us = now_wall_us() - k->ago_us;
	else if (k->st.cursor)
		q.after_cursor = k->st.cursor;
	else if (k->since == SINCE_START)
		/* Also on a repeat that found nothing yet: no cursor then. */
		q.since_wall_us = k->load_wall_us;
	if (sdj_read(&q, unit_msg, sc, &nread, incremental ? &cursor : NULL,
	    errp) == 0) {
		count = sc->matches - before;
		if (incremental) {
			k->st.count += count;
			count = k->st.count;
			k->st.begun = true;
			free(k->st.cursor);
			k->st.cursor = cursor;
			cursor = NULL;
		}
	}
	free(cursor);
	if (incremental)
		pthread_mutex_unlock(&k->mu);
	return count;
}

/* ---- the check ------------------------------------------------------- */

static void
log_run(const struct check *c, struct result *r)
{
	struct log_conf *k = c->priv;
	int64_t deadline = now_mono_us() + c->timeout_us;
	struct scanner sc;
	char *err = NULL, *note = NULL;
	long long n;
	const char *what = k->src == SRC_FILE ? k->path : k->src ==
	    SRC_CONTAINER ? k->container : k->src == SRC_UNIT ? k->unit :
	    "command output";

	scanner_init(&sc, k);
	{
		struct buf t = BUF_INIT;
		if (k->min >= 0)
			buf_addf(&t, "at least %lld", k->min);
		if (k->max >= 0)
			buf_addf(&t, "%sat most %lld", t.len ? ", " : "", k->max);
		buf_addf(&t, " matching /%s/", k->pattern);
		if (k->last)
			buf_addf(&t, " in the last %lld lines", k->last);
		else if (k->since == SINCE_START)
			buf_adds(&t, " since the start");
		else if (k->since == SINCE_AGO) {
			char *d = fmt_duration(k->ago_us);
			buf_addf(&t, " in the last %s", d);
			free(d);
		}
		result_threshold(r, "%s", t.s);
		buf_release(&t);
	}
	if (k->src == SRC_FILE)
		n = run_file(k, &sc, deadline, &note, &err);
	else if (k->src == SRC_COMMAND)
		n = run_command(k, c, &sc, &err);
	else if (k->src == SRC_UNIT)
		n = run_unit(k, &sc, deadline, &err);
	else
		n = run_container(k, &sc, deadline, &err);
	if (n >= 0 && sc.error) {
		n = -1;
		err = xstrdup(sc.error);
	}
	if (n < 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "%s", err ? err : "not read");
		goto out;
	}
	r->has_value = true;
	r->value = (double)n;
	result_observed(r, "%lld matching line%s", n, n == 1 ? "" : "s");
	if (sc.examples.n) {
		char *j = strlist_join(&sc.examples, "\n");
		result_detail(r, "%s", j);
		free(j);
	}
	const char *nt = note ? note : "";
	if (k->max >= 0 && n > k->max)
		result_set(r, ST_FAIL, "%s: %lld line%s match /%s/, at most %lld "
		    "allowed%s%s%s%s", what, n, n == 1 ? "" : "s", k->pattern,
		    k->max, sc.examples.n ? "; first: " : "", sc.examples.n ?
		    sc.examples.v[0] : "", *nt ? "; " : "", nt);
	else if (k->min >= 0 && n < k->min)
		result_set(r, ST_FAIL, "%s: %lld line%s match /%s/, at least %lld "
		    "expected%s%s", what, n, n == 1 ? "" : "s", k->pattern,
		    k->min, *nt ? "; " : "", nt);
	else
		result_set(r, ST_PASS, "%s: %lld line%s match /%s/%s%s", what, n,
		    n == 1 ? "" : "s", k->pattern, *nt ? "; " : "", nt);
out:
	free(err);
	free(note);
	scanner_release(&sc);
}

static void
log_free(void *p)
{
	struct log_conf *k = p;

	free(k->path);
	strlist_release(&k->cmd.argv);
	free(k->cmd.shell);
	free(k->container);
	free(k->unit);
	free(k->journal);
	free(k->st.cursor);
	free(k->socket);
	free(k->pattern);
	pcre2_code_free(k->re);
	free(k->literal);
	if (k->st.fd >= 0)
		close(k->st.fd);
	pthread_mutex_destroy(&k->mu);
	free(k);
}

const struct check_kind check_log = {
	.name = "log",
	.summary = "count lines matching a regex in a log file, a command's "
	    "output, a container's log or a unit's systemd journal; follows "
	    "rotation",
	.keys = keys,
	.parse = log_parse,
	.run = log_run,
	.free = log_free,
	.value = "matching lines",
};
