/*
 * http.c - kind `http`: one request through libcurl, judged on status,
 * body, headers and latency tiers.  Certificates and host names are
 * verified unless the plan says `insecure: true`, and the result says so.
 */
#include <ctype.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <pcre2.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/lazy_curl.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"

#define HTTP_BODY_MAX	(1u << 20)	/* what body_contains can search */
/*
 * The final response's header block; above curl's own cap on all headers
 * (300 KB in 7.88), so reaching it means something else went wrong.
 */
#define HTTP_HEAD_MAX	(1u << 20)
/*
 * curl 7.88 follows redirects without end by default; a loop then stops
 * only at its 300 KB cap on all header bytes seen, with "Too large
 * response headers".  Browsers stop at 20; 10 is plenty for a health URL.
 */
#define HTTP_MAX_REDIRS	10L

/*
 * One expected header: the name (compared case-insensitively) and either
 * the exact value (surrounding blanks trimmed), a regex that must match
 * the whole value ("Name: ~REGEX"), or nothing (presence only, "Name:").
 */
struct want_header {
	char		*text;		/* as written, for messages */
	char		*name;
	char		*value;		/* NULL: presence, or a regex */
	pcre2_code	*re;
};

struct http_conf {
	char		*url;
	char		*method;
	char		*body;		/* request body */
	struct strlist	 headers;	/* request headers */
	int		 status_lo, status_hi;	/* accepted range */
	struct strlist	 body_contains;
	struct want_header *header;	/* expected in the final reply */
	size_t		 nheader;
	bool		 insecure;
	bool		 follow;
	char		*ca_file;
	struct tiers	 latency;
	uint64_t	 serial;	/* unique in the process (run_batch) */
	uint64_t	 shape;		/* the same for the same options but url */
};

static const char *const keys[] = { "url", "method", "body", "headers",
	"expect_status", "body_contains", "header", "insecure",
	"follow_redirects", "ca_file", "latency", NULL };

static int
parse_status(const char *s, int *lo, int *hi)
{
	if (strlen(s) == 3 && isdigit((unsigned char)s[0]) &&
	    s[1] == 'x' && s[2] == 'x' && s[0] >= '1' && s[0] <= '5') {
		*lo = (s[0] - '0') * 100;
		*hi = *lo + 99;
		return 0;
	}
	char *end;
	long v = strtol(s, &end, 10);
	if (*end != '\0' || v < 100 || v > 599)
		return -1;
	*lo = *hi = (int)v;
	return 0;
}

static char *
trimmed(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

static int
parse_want_header(struct pctx *cx, yaml_node_t *n, const char *s,
    struct want_header *w)
{
	const char *colon = strchr(s, ':');

	w->text = xstrdup(s);
	if (colon == NULL || colon == s) {
		pn_error(cx, n, "'header' entries look like 'Name: value', "
		    "'Name: ~REGEX' or 'Name:' (got '%s')", s);
		return -1;
	}
	w->name = trimmed(s, (size_t)(colon - s));
	char *v = trimmed(colon + 1, strlen(colon + 1));
	if (*v == '\0') {
		free(v);
		return 0;
	}
	if (*v != '~') {
		w->value = v;
		return 0;
	}
	int ec;
	PCRE2_SIZE eo;
	/* The whole value must match, as a literal must. */
	w->re = pcre2_compile((PCRE2_SPTR)(v + 1), PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &eo, NULL);
	if (w->re == NULL) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		pn_error(cx, n, "'header': bad regex in '%s': %s at offset %zu",
		    s, (char *)msg, (size_t)eo);
		free(v);
		return -1;
	}
	free(v);
	return 0;
}

/*
 * Checks whose options differ only in their URL share a shape: a kept
 * handle set up for one is moved to another by its URL alone, without
 * curl_easy_reset and the ~15 options (run_batch; ~3 us of CPU a request
 * in a bare loop of libcurl GETs here).  Shapes are interned for the
 * process: few distinct ones, each kept.
 */
static uint64_t
shape_of(const struct http_conf *h)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static char **known;
	static size_t nknown;
	struct buf b = BUF_INIT;
	const char *v[] = { h->method, h->body, h->ca_file };

	for (size_t i = 0; i < 3; i++)
		buf_addf(&b, "%zd:%s,", v[i] ? (ssize_t)strlen(v[i]) : -1,
		    v[i] ? v[i] : "");
	for (size_t i = 0; i < h->headers.n; i++)
		buf_addf(&b, "%zu:%s,", strlen(h->headers.v[i]), h->headers.v[i]);
	buf_addf(&b, "%d%d", h->insecure, h->follow);
	pthread_mutex_lock(&mu);
	size_t k;
	for (k = 0; k < nknown && strcmp(known[k], b.s) != 0; k++)
		;
	if (k == nknown) {
		known = xrealloc(known, (nknown + 1) * sizeof(*known));
		known[nknown++] = buf_detach(&b);
	}
	pthread_mutex_unlock(&mu);
	buf_release(&b);
	return k + 1;
}

static int
http_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct http_conf *h = xcalloc(1, sizeof(*h));
	int rc = 0;

	static _Atomic uint64_t serials;

	c->priv = h;
	h->serial = atomic_fetch_add(&serials, 1) + 1;
	h->url = pn_req_str(cx, map, "url");
	if (h->url && strncmp(h->url, "http://", 7) != 0 &&
	    strncmp(h->url, "https://", 8) != 0) {
		pn_error(cx, pn_get(cx, map, "url"), "'url' must start with "
		    "http:// or https:// (got '%s')", h->url);
		rc = -1;
	}
	h->method = pn_str(cx, pn_get(cx, map, "method"), "method");
	if (h->method) {
		for (char *p = h->method; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	h->body = pn_str(cx, pn_get(cx, map, "body"), "body");
	rc |= pn_strlist(cx, pn_get(cx, map, "headers"), "headers", &h->headers);
	h->status_lo = 200;
	h->status_hi = 299;
	yaml_node_t *es = pn_get(cx, map, "expect_status");
	char *s = pn_str(cx, es, "expect_status");
	if (s && parse_status(s, &h->status_lo, &h->status_hi) != 0) {
		pn_error(cx, es, "'expect_status' must be a status code like 200 "
		    "or a class like 2xx (got '%s')", s);
		rc = -1;
	}
	free(s);
	rc |= pn_strlist(cx, pn_get(cx, map, "body_contains"), "body_contains",
	    &h->body_contains);
	struct strlist hl = { 0 };
	yaml_node_t *hn = pn_get(cx, map, "header");
	rc |= pn_strlist(cx, hn, "header", &hl);
	h->header = xcalloc(hl.n + 1, sizeof(*h->header));
	for (size_t i = 0; i < hl.n; i++) {
		/* Point at the entry itself when the list is a sequence. */
		yaml_node_t *at = pn_is_seq(hn) && pn_seq_len(hn) == hl.n ?
		    pn_seq_item(cx, hn, i) : hn;
		if (parse_want_header(cx, at, hl.v[i], &h->header[h->nheader]))
			rc = -1;
		h->nheader++;
	}
	strlist_release(&hl);
	rc |= pn_bool(cx, pn_get(cx, map, "insecure"), "insecure", &h->insecure);
	rc |= pn_bool(cx, pn_get(cx, map, "follow_redirects"),
	    "follow_redirects", &h->follow);
	h->ca_file = pn_str(cx, pn_get(cx, map, "ca_file"), "ca_file");
	rc |= pn_tiers(cx, pn_get(cx, map, "latency"), "latency", &h->latency);
	h->shape = shape_of(h);
	return h->url ? rc : -1;
}

struct hx;

struct reply {
	struct buf	 body;
	struct buf	 headers;
	int		 status;	/* of the header block being read */
	bool		 switched;	/* a 101 answer's head is complete */
	bool		 keep_headers;	/* a `header` rule reads them */
};

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct reply *rp = arg;

	buf_add(&rp->body, data, size * n);
	return size * n;	/* past the cap we keep reading, not storing */
}

/*
 * Every response's header block comes through here: 1xx interim ones
 * (103 Early Hints), redirects that were followed, the final one.  Only
 * the final response is judged, so a new status line starts over.
 */
static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct reply *rp = arg;

	if (size * n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		buf_reset(&rp->headers);
		const char *sp = memchr(data, ' ', size * n);
		rp->status = sp && (size_t)(sp - data) + 4 <= size * n ?
		    atoi(sp + 1) : 0;
	}
	if (rp->keep_headers)
		buf_add(&rp->headers, data, size * n);
	/*
	 * 101 Switching Protocols: the connection now speaks another
	 * protocol (WebSocket) and no HTTP body follows; curl 7.88 would
	 * wait for one until the timeout.  The head is the whole answer:
	 * stop here and judge it.
	 */
	if (rp->status == 101 && (size * n <= 2 && (data[0] == '\r' ||
	    data[0] == '\n'))) {
		rp->switched = true;
		return 0;
	}
	return size * n;
}

static bool
value_ok(const struct want_header *w, const char *v, size_t vlen)
{
	if (w->re) {
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(w->re,
		    NULL);
		int m = pcre2_match(w->re, (PCRE2_SPTR)v, vlen, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		return m >= 0;
	}
	return w->value == NULL || (strlen(w->value) == vlen &&
	    memcmp(v, w->value, vlen) == 0);
}

/*
 * Does the reply satisfy w?  At least one header of that name, and every
 * one of them matching: a second, different Access-Control-Allow-Origin
 * is exactly what the check is there to catch.  *seen gets the first
 * offending (or the first) value, for the message.
 */
static bool
has_header(const char *all, const struct want_header *w, char **seen)
{
	size_t nlen = strlen(w->name);
	bool found = false;

	*seen = NULL;
	for (const char *p = all; *p; ) {
		size_t len = strcspn(p, "\r\n");
		if (len > nlen && strncasecmp(p, w->name, nlen) == 0 &&
		    p[nlen] == ':') {
			const char *v = p + nlen + 1;
			size_t vlen = len - nlen - 1;
			while (vlen && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			found = true;
			if (!value_ok(w, v, vlen)) {
				free(*seen);
				*seen = xstrndup(v, vlen);
				return false;
			}
		}
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	return found;
}

/*
 * Verification against the system store: curl's context gets the store
 * the tls kind loaded once (tls_system_store) instead of reading the
 * bundle itself, which libcurl does per handle, so per check: 100 https
 * checks spent 2.75 s of CPU on it, 0.2 s once shared (docs/BENCHMARKS.md).
 */
static CURLcode
system_store(CURL *cu, void *sslctx, void *arg)
{
	X509_STORE *st = tls_system_store();

	(void)cu;
	(void)arg;
	if (st == NULL)
		return CURLE_SSL_CACERT_BADFILE;
	SSL_CTX_set1_cert_store(sslctx, st);	/* takes a reference */
	return CURLE_OK;
}

void
http_system_store(void *cu)
{
	if (curl_easy_setopt(cu, CURLOPT_SSL_CTX_FUNCTION, system_store) ==
	    CURLE_OK) {
		/* Not loaded by curl as well (a TLS backend without the
		 * callback keeps its own bundle). */
		curl_easy_setopt(cu, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(cu, CURLOPT_CAPATH, NULL);
	}
}

/*
 * One curl handle per thread, reset between checks rather than freed, so
 * that its connections stay open (HTTP keep-alive): a watch samples the
 * same URLs every round on the same worker threads.  A new handle per
 * check made every sample a connect, an accept by the server and curl's
 * own socketpair, ~20 system calls against ~5 (bench/watch: 200 http
 * checks a second, docs/BENCHMARKS.md).  curl_easy_reset keeps the live
 * connections and clears every option.  A connection is not shared
 * between threads (curl does not support that) and lives at most
 * CONN_LIFETIME, so that a server that stops accepting new connections,
 * or a name that moved to another address (a DNS switch: curl reuses a
 * connection by name, without resolving), is seen within that time; a
 * new connection resolves again (no DNS cache kept between checks, as
 * with a handle per check).  One connect in ten samples at 1 s keeps
 * most of the saving.  The handle goes with its thread (the key's
 * destructor).
 */
#define CONN_LIFETIME_S	10L

static pthread_key_t	 handle_key;
static pthread_once_t	 handle_once = PTHREAD_ONCE_INIT;
static bool		 handle_key_ok;

static void
handle_free(void *cu)
{
	curl_easy_cleanup(cu);
}

static void
handle_key_make(void)
{
	handle_key_ok = pthread_key_create(&handle_key, handle_free) == 0;
}

/* This thread's handle, reset; *own when the caller must free it. */
static CURL *
thread_handle(bool *own)
{
	CURL *cu;

	pthread_once(&handle_once, handle_key_make);
	*own = !handle_key_ok;
	if (handle_key_ok && (cu = pthread_getspecific(handle_key)) != NULL) {
		curl_easy_reset(cu);
		return cu;
	}
	cu = curl_easy_init();
	if (cu && handle_key_ok && pthread_setspecific(handle_key, cu) != 0)
		*own = true;
	return cu;
}

/*
 * Does the environment name a proxy (http_proxy, HTTPS_PROXY, all_proxy,
 * any *_proxy)?  Asked once a process: libcurl looks the variables up
 * with getenv on every transfer, ~2% of an http sample's CPU at 700
 * checks a second (perf, bench/watch).  With none set, each transfer is
 * told "no proxy", which is what libcurl's own lookup would find; with
 * one set, libcurl still reads them itself (no_proxy and the scheme
 * rules stay libcurl's).
 */
static bool env_proxy;
static pthread_once_t env_proxy_once = PTHREAD_ONCE_INIT;

static void
env_proxy_read(void)
{
	extern char **environ;

	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (eq && eq - *e >= 6 && strncasecmp(eq - 6, "_proxy", 6) == 0 &&
		    eq[1] != '\0')
			env_proxy = true;
	}
}

/*
 * Every option of a check's transfer, on a handle just made or reset.
 * rp and errbuf must outlive the transfers made with them; *hdrs is the
 * caller's to free once the handle no longer uses it.
 */
static void
http_setup(const struct check *c, CURL *cu, struct reply *rp, char *errbuf,
    struct curl_slist **hdrs)
{
	const struct http_conf *h = c->priv;

	curl_easy_setopt(cu, CURLOPT_URL, h->url);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, (long)(c->timeout_us / 1000));
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, rp);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, rp);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, "cutover");
	curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, h->follow ? 1L : 0L);
	curl_easy_setopt(cu, CURLOPT_MAXREDIRS, HTTP_MAX_REDIRS);
	curl_easy_setopt(cu, CURLOPT_MAXLIFETIME_CONN, CONN_LIFETIME_S);
	curl_easy_setopt(cu, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	pthread_once(&env_proxy_once, env_proxy_read);
	if (!env_proxy)
		curl_easy_setopt(cu, CURLOPT_PROXY, "");
	if (h->insecure) {
		curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (h->ca_file)
		curl_easy_setopt(cu, CURLOPT_CAINFO, h->ca_file);
	else if (!h->insecure)
		http_system_store(cu);
	if (h->method && strcmp(h->method, "HEAD") == 0)
		curl_easy_setopt(cu, CURLOPT_NOBODY, 1L);
	else if (h->method)
		curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, h->method);
	if (h->body)
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, h->body);
	*hdrs = NULL;
	for (size_t i = 0; i < h->headers.n; i++)
		*hdrs = curl_slist_append(*hdrs, h->headers.v[i]);
	if (*hdrs)
		curl_easy_setopt(cu, CURLOPT_HTTPHEADER, *hdrs);
}

static void
reply_start(struct reply *rp, const struct http_conf *h)
{
	buf_reset(&rp->body);
	buf_reset(&rp->headers);
	rp->status = 0;
	rp->switched = false;
	rp->keep_headers = h->nheader > 0;
}

/* Judge the transfer that ended with cc on cu into r. */
static void
http_judge(const struct check *c, CURLcode cc, CURL *cu,
    const struct reply *rp, const char *errbuf, struct result *r)
{
	const struct http_conf *h = c->priv;
	long code = 0;

	if (rp->switched && cc == CURLE_WRITE_ERROR)
		cc = CURLE_OK;	/* we stopped it at the 101's blank line */
	double total = 0;
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(cu, CURLINFO_TOTAL_TIME, &total);
	int64_t us = (int64_t)(total * 1e6);
	/* Not formatted for a terse passing sample, which shows nothing. */
	char *d = r->terse ? NULL : fmt_duration(us);
	const char *note = h->insecure ? " (TLS not verified: insecure)" : "";

	char want[16];
	if (h->status_lo == h->status_hi)
		snprintf(want, sizeof(want), "%d", h->status_lo);
	else
		snprintf(want, sizeof(want), "%dxx", h->status_lo / 100);
	result_threshold(r, "status %s", want);
	if (cc != CURLE_OK) {
		const char *why = *errbuf ? errbuf : curl_easy_strerror(cc);
		result_observed(r, "%s", cc == CURLE_OPERATION_TIMEDOUT ?
		    "timeout" : "error");
		if (cc == CURLE_COULDNT_CONNECT)
			result_set(r, ST_FAIL, "connect to %s refused or unreachable "
			    "(%s)", h->url, why);
		else if (cc == CURLE_TOO_MANY_REDIRECTS)
			result_set(r, ST_FAIL, "%s: too many redirects (more than "
			    "%ld)", h->url, HTTP_MAX_REDIRS);
		else if (cc == CURLE_OPERATION_TIMEDOUT) {
			char *t = fmt_duration(c->timeout_us);
			result_set(r, ST_FAIL, "%s timed out after %s", h->url, t);
			free(t);
		} else
			result_set(r, ST_FAIL, "%s: %s", h->url, why);
		goto out;
	}
	r->has_value = true;
	r->value = total;
	result_observed(r, "HTTP %ld in %s", code, d ? d : "");
	if (code < h->status_lo || code > h->status_hi) {
		result_set(r, ST_FAIL, "%s answered HTTP %ld, expected %s%s",
		    h->url, code, want, note);
		goto out;
	}
	for (size_t i = 0; i < h->body_contains.n; i++) {
		const char *bc = h->body_contains.v[i];
		/* memmem: a NUL byte early in the body must not end the search. */
		if (memmem(rp->body.s, rp->body.len, bc, strlen(bc)) == NULL) {
			result_set(r, ST_FAIL, "%s: body does not contain '%s'%s",
			    h->url, bc, rp->body.truncated ?
			    " (in its first 1 MiB)" : "");
			goto out;
		}
	}
	if (h->nheader && rp->headers.truncated) {
		/* A header past the cap could be the one that differs. */
		result_set(r, ST_FAIL, "%s: response headers longer than %u KiB "
		    "(truncated): not judged", h->url, HTTP_HEAD_MAX >> 10);
		goto out;
	}
	for (size_t i = 0; i < h->nheader; i++) {
		const struct want_header *w = &h->header[i];
		char *seen = NULL;
		if (!has_header(rp->headers.s, w, &seen)) {
			if (seen)
				result_set(r, ST_FAIL, "%s: header %s is '%.200s'%s, "
				    "expected '%s'", h->url, w->name, seen,
				    strlen(seen) > 200 ? "..." : "", w->text);
			else
				result_set(r, ST_FAIL, "%s: reply has no header "
				    "'%s'", h->url, w->text);
			free(seen);
			goto out;
		}
	}
	if (h->latency.set) {
		enum status st = tiers_judge(&h->latency, us);
		if (!r->terse) {
			char *th = tiers_describe(&h->latency);
			result_threshold(r, "status %s; %s", want, th);
			free(th);
		}
		if (d == NULL && st != ST_PASS)
			d = fmt_duration(us);
		result_set(r, st, "HTTP %ld in %s%s%s", code, d ? d : "",
		    st == ST_FAIL ? " (at or past crit)" : st == ST_WARN ?
		    " (at or past warn)" : "", note);
	} else {
		result_set(r, ST_PASS, "HTTP %ld in %s%s", code, d ? d : "",
		    note);
	}
out:
	free(d);
}

static void
http_run(const struct check *c, struct result *r)
{
	const struct http_conf *h = c->priv;
	struct reply rp;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	bool own;
	CURL *cu = thread_handle(&own);

	buf_init(&rp.body, HTTP_BODY_MAX);
	buf_init(&rp.headers, HTTP_HEAD_MAX);
	reply_start(&rp, h);
	if (cu == NULL) {
		result_set(r, ST_FAIL, "cannot start an HTTP client");
		return;
	}
	http_setup(c, cu, &rp, errbuf, &hdrs);
	CURLcode cc = curl_easy_perform(cu);
	http_judge(c, cc, cu, &rp, errbuf, r);
	/* The handle must not keep pointers into this frame. */
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (own)
		curl_easy_cleanup(cu);
	buf_release(&rp.body);
	buf_release(&rp.headers);
}

/*
 * The watch's batch: a round's http checks driven by one curl multi
 * handle on one thread, up to `width` transfers at once, instead of one
 * curl_easy_perform each on the pool's 16 threads: no thread hand-off,
 * ~2 polls a sample instead of 3.1, and 34% less CPU per sample (700
 * checks a second, A/B in docs/BENCHMARKS.md).  A multi handle and
 * its easy handles are kept between rounds (its connection cache holds
 * the keep-alive connections, CONN_LIFETIME_S as above); one multi per
 * batch running at once.  An easy handle per check, set up once, was
 * tried: 700 of them cost 10 MB of RSS (~14 KB each; the goal is < 30
 * MB) and their connections, one per transfer in flight.  Each transfer
 * keeps its own deadline (CURLOPT_TIMEOUT_MS) from when it starts; a
 * failed one is tried again after its retry_interval while its budget
 * lasts, as check.c's runner does.  A stopped round ends its transfers
 * at once (SIGTERM of a watch waiting on slow servers: 0.2 s to exit
 * instead of the pool's 1 s).
 */
struct hx {
	CURL			*cu;
	uint64_t		 serial;	/* whose options are set */
	uint64_t		 shape;
	int64_t			 timeout_us;
	struct reply		 rp;
	char			 errbuf[CURL_ERROR_SIZE];
	struct curl_slist	*hdrs;
	size_t			 i;		/* in the batch */
	int			 attempts;
	int64_t			 t0, again_us;	/* mono; again: 0 none */
};

struct mh {
	CURLM		*m;
	struct hx	**idle;
	size_t		 nidle, cap;
	/* The sockets curl wants watched, and its timer (mono; -1: none). */
	struct pollfd	*pf;
	size_t		 npf;
	int64_t		 timer_at;
};

/*
 * curl's socket interface: curl says which sockets it waits on and when
 * its next timer is due, and is told which socket is ready and how.
 * Told that, it reads without first polling the socket itself, which
 * curl_multi_perform's transfers did after every send (strace: a poll
 * with no wait between the request and the answer).
 */
static int
on_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct mh *mh = arg;
	size_t k;

	(void)e;
	(void)sockp;
	for (k = 0; k < mh->npf && mh->pf[k].fd != fd; k++)
		;
	if (what == CURL_POLL_REMOVE) {
		if (k < mh->npf)
			mh->pf[k] = mh->pf[--mh->npf];
		return 0;
	}
	if (k == mh->npf) {
		mh->pf = xrealloc(mh->pf, (mh->npf + 1) * sizeof(*mh->pf));
		mh->pf[mh->npf++].fd = fd;
	}
	mh->pf[k].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) |
	    (what & CURL_POLL_OUT ? POLLOUT : 0));
	mh->pf[k].revents = 0;
	return 0;
}

static int
on_timer(CURLM *m, long ms, void *arg)
{
	struct mh *mh = arg;

	(void)m;
	mh->timer_at = ms < 0 ? -1 : now_mono_us() + (int64_t)ms * 1000;
	return 0;
}

static void
hx_free(struct hx *x)
{
	if (x == NULL)
		return;
	curl_easy_cleanup(x->cu);
	curl_slist_free_all(x->hdrs);
	buf_release(&x->rp.body);
	buf_release(&x->rp.headers);
	free(x);
}

/* An idle handle of mh, or a new one, set up for c; NULL: no curl. */
static struct hx *
hx_take(struct mh *mh, const struct check *c)
{
	struct hx *x = mh->nidle ? mh->idle[--mh->nidle] : NULL;
	const struct http_conf *h = c->priv;

	if (x == NULL) {
		x = xcalloc(1, sizeof(*x));
		buf_init(&x->rp.body, HTTP_BODY_MAX);
		buf_init(&x->rp.headers, HTTP_HEAD_MAX);
		if ((x->cu = curl_easy_init()) == NULL) {
			hx_free(x);
			return NULL;
		}
	} else if (x->serial == h->serial) {
		return x;	/* the same check's options are still set */
	} else if (x->shape == h->shape && x->timeout_us == c->timeout_us) {
		curl_easy_setopt(x->cu, CURLOPT_URL, h->url);
		if (h->body)	/* not copied by curl: this check's */
			curl_easy_setopt(x->cu, CURLOPT_POSTFIELDS, h->body);
		x->serial = h->serial;
		return x;
	} else {
		curl_easy_reset(x->cu);	/* keeps the connections */
		curl_slist_free_all(x->hdrs);
	}
	x->serial = h->serial;
	x->shape = h->shape;
	x->timeout_us = c->timeout_us;
	http_setup(c, x->cu, &x->rp, x->errbuf, &x->hdrs);
	curl_easy_setopt(x->cu, CURLOPT_PRIVATE, x);
	return x;
}

static void
hx_give(struct mh *mh, struct hx *x)
{
	if (mh->nidle == mh->cap) {
		mh->cap = mh->cap ? 2 * mh->cap : 16;
		mh->idle = xrealloc(mh->idle, mh->cap * sizeof(*mh->idle));
	}
	mh->idle[mh->nidle++] = x;
}

#define MULTI_KEPT	8
static pthread_mutex_t	 multi_mu = PTHREAD_MUTEX_INITIALIZER;
static struct mh	*multi_kept[MULTI_KEPT];
static size_t		 nmulti_kept;

static struct mh *
multi_take(void)
{
	struct mh *mh = NULL;

	pthread_mutex_lock(&multi_mu);
	if (nmulti_kept)
		mh = multi_kept[--nmulti_kept];
	pthread_mutex_unlock(&multi_mu);
	if (mh)
		return mh;
	mh = xcalloc(1, sizeof(*mh));
	mh->timer_at = -1;
	if ((mh->m = curl_multi_init()) != NULL) {
		curl_multi_setopt(mh->m, CURLMOPT_SOCKETFUNCTION, on_socket);
		curl_multi_setopt(mh->m, CURLMOPT_SOCKETDATA, mh);
		curl_multi_setopt(mh->m, CURLMOPT_TIMERFUNCTION, on_timer);
		curl_multi_setopt(mh->m, CURLMOPT_TIMERDATA, mh);
	}
	return mh;
}

static void
multi_give(struct mh *mh)
{
	pthread_mutex_lock(&multi_mu);
	if (nmulti_kept < MULTI_KEPT) {
		multi_kept[nmulti_kept++] = mh;
		mh = NULL;
	}
	pthread_mutex_unlock(&multi_mu);
	if (mh == NULL)
		return;
	for (size_t i = 0; i < mh->nidle; i++)
		hx_free(mh->idle[i]);
	free(mh->idle);
	if (mh->m)
		curl_multi_cleanup(mh->m);
	free(mh->pf);
	free(mh);
}

/* Start an attempt of x's check; false if the multi refused it. */
static bool
hx_start(CURLM *m, struct hx *x, const struct check *c)
{
	reply_start(&x->rp, c->priv);
	x->errbuf[0] = '\0';
	x->attempts++;
	x->again_us = 0;
	return curl_multi_add_handle(m, x->cu) == CURLM_OK;
}

/* A fresh result for an attempt, keeping what the caller preset. */
static void
result_again(struct result *r)
{
	struct result keep = *r;

	result_release(r);
	r->check = keep.check;
	r->terse = keep.terse;
	r->started_wall_us = keep.started_wall_us;
}

static void
batch_end(struct mh *mh, struct hx *x, struct result *r, int64_t now)
{
	r->attempts = x->attempts ? x->attempts : 1;
	r->duration_us = now - x->t0;
	hx_give(mh, x);
}

/* Start cs[i]'s first attempt; false: it failed to start (and is done). */
static bool
batch_launch(struct mh *mh, const struct check *const *cs,
    struct result *const *rs, struct hx **xs, size_t i,
    void (*start)(size_t i, void *arg), void (*done)(size_t i, void *arg),
    void *arg)
{
	struct hx *x = mh->m ? hx_take(mh, cs[i]) : NULL;

	start(i, arg);
	rs[i]->started_wall_us = now_wall_us();
	if (x) {
		x->i = i;
		x->attempts = 0;
		x->t0 = now_mono_us();
	}
	if (x == NULL || !hx_start(mh->m, x, cs[i])) {
		result_again(rs[i]);
		result_set(rs[i], ST_FAIL, "cannot start an HTTP client");
		rs[i]->attempts = 1;
		if (x)
			hx_give(mh, x);
		done(i, arg);
		return false;
	}
	xs[i] = x;
	return true;
}

static void
http_run_batch(const struct check *const *cs, struct result *const *rs,
    size_t n, size_t width, void (*start)(size_t i, void *arg),
    void (*done)(size_t i, void *arg), void *arg)
{
	struct mh *mh = multi_take();
	CURLM *m = mh->m;
	struct hx **xs = xcalloc(n + 1, sizeof(*xs));
	size_t left = n, nagain = 0, next = 0, busy = 0;

	if (width == 0)
		width = 1;
	while (left > 0) {
		int running, q;
		CURLMsg *msg;

		/* At most width at once: each holds a connection. */
		while (busy < width && next < n) {
			if (batch_launch(mh, cs, rs, xs, next++, start, done, arg))
				busy++;
			else
				left--;
		}
		if (left == 0 || check_stopping())
			break;	/* stopped: the round is dropped, see below */
		int64_t now = now_mono_us();
		if (mh->timer_at >= 0 && mh->timer_at <= now) {
			mh->timer_at = -1;
			curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0,
			    &running);
		}
		while ((msg = curl_multi_info_read(m, &q)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *cu = msg->easy_handle;
			CURLcode cc = msg->data.result;
			struct hx *x = NULL;
			curl_easy_getinfo(cu, CURLINFO_PRIVATE, (char **)&x);
			curl_multi_remove_handle(m, cu);
			size_t i = x->i;
			const struct check *c = cs[i];
			result_again(rs[i]);
			http_judge(c, cc, cu, &x->rp, x->errbuf, rs[i]);
			if (check_retry(c, rs[i], x->attempts, now - x->t0)) {
				x->again_us = now + c->retry_interval_us;
				if (x->again_us == 0)
					x->again_us = 1;
				nagain++;
				continue;
			}
			xs[i] = NULL;
			batch_end(mh, x, rs[i], now);
			busy--;
			left--;
			done(i, arg);
		}
		int64_t due = INT64_MAX;
		for (size_t i = 0; nagain && i < next; i++) {
			struct hx *x = xs[i];
			if (x == NULL || x->again_us == 0)
				continue;
			if (x->again_us > now) {
				if (x->again_us < due)
					due = x->again_us;
				continue;
			}
			nagain--;
			if (!hx_start(m, x, cs[i])) {
				xs[i] = NULL;
				batch_end(mh, x, rs[i], now);
				busy--;
				left--;
				done(i, arg);
			}
		}
		if (left == 0)
			break;
		if (busy < width && next < n)
			continue;
		if (mh->timer_at >= 0 && mh->timer_at < due)
			due = mh->timer_at;
		now = now_mono_us();
		if (due <= now)
			continue;
		int64_t wait = due == INT64_MAX ? 1000 : (due - now + 999) / 1000;
		if (poll(mh->pf, mh->npf, (int)(wait > 1000 ? 1000 : wait)) <= 0)
			continue;
		/* on_socket changes pf while curl runs: the ready ones first. */
		struct pollfd ready[64];
		size_t nr = 0;
		for (size_t k = 0; k < mh->npf && nr < 64; k++)
			if (mh->pf[k].revents)
				ready[nr++] = mh->pf[k];
		for (size_t k = 0; k < nr; k++) {
			short re = ready[k].revents;
			int ev = (re & (POLLIN | POLLHUP) ? CURL_CSELECT_IN : 0) |
			    (re & POLLOUT ? CURL_CSELECT_OUT : 0) |
			    (re & (POLLERR | POLLNVAL) ? CURL_CSELECT_ERR : 0);
			curl_multi_socket_action(m, ready[k].fd, ev, &running);
		}
	}
	/*
	 * Stopped: what is left is not an observation (the pool drops the
	 * round); it ends now rather than at its timeout.
	 */
	for (size_t i = 0; i < n && left > 0; i++) {
		struct hx *x = xs[i];
		if (x == NULL && i < next)
			continue;
		if (x == NULL)
			start(i, arg);
		else if (x->again_us == 0)
			curl_multi_remove_handle(m, x->cu);
		result_again(rs[i]);
		result_set(rs[i], ST_FAIL, "stopped");
		rs[i]->attempts = 1;
		if (x)
			batch_end(mh, x, rs[i], now_mono_us());
		left--;
		done(i, arg);
	}
	multi_give(mh);
	free(xs);
}

static void
http_free(void *p)
{
	struct http_conf *h = p;

	free(h->url);
	free(h->method);
	free(h->body);
	strlist_release(&h->headers);
	strlist_release(&h->body_contains);
	for (size_t i = 0; i < h->nheader; i++) {
		free(h->header[i].text);
		free(h->header[i].name);
		free(h->header[i].value);
		pcre2_code_free(h->header[i].re);
	}
	free(h->header);
	free(h->ca_file);
	free(h);
}

const struct check_kind check_http = {
	.name = "http",
	.summary = "HTTP(S) request: status, body, headers, latency tiers",
	.keys = keys,
	.parse = http_parse,
	.run = http_run,
	.free = http_free,
	.run_batch = http_run_batch,
	.value = "seconds the request took",
};
