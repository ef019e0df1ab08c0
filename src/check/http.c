/*
 * http.c - kind `http`: one request through libcurl, judged on status,
 * body, headers and latency tiers.  Certificates and host names are
 * verified unless the plan says `insecure: true`, and the result says so.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"

#define HTTP_BODY_MAX	(1u << 20)	/* what body_contains can search */

struct http_conf {
	char		*url;
	char		*method;
	char		*body;		/* request body */
	struct strlist	 headers;	/* request headers */
	int		 status_lo, status_hi;	/* accepted range */
	struct strlist	 body_contains;
	struct strlist	 header;	/* "Name: value" expected in the reply */
	bool		 insecure;
	bool		 follow;
	char		*ca_file;
	struct tiers	 latency;
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

static int
http_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct http_conf *h = xcalloc(1, sizeof(*h));
	int rc = 0;

	c->priv = h;
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
	rc |= pn_strlist(cx, pn_get(cx, map, "header"), "header", &h->header);
	for (size_t i = 0; i < h->header.n; i++) {
		if (strchr(h->header.v[i], ':') == NULL) {
			pn_error(cx, pn_get(cx, map, "header"), "'header' entries "
			    "look like 'Name: value' (got '%s')", h->header.v[i]);
			rc = -1;
		}
	}
	rc |= pn_bool(cx, pn_get(cx, map, "insecure"), "insecure", &h->insecure);
	rc |= pn_bool(cx, pn_get(cx, map, "follow_redirects"),
	    "follow_redirects", &h->follow);
	h->ca_file = pn_str(cx, pn_get(cx, map, "ca_file"), "ca_file");
	rc |= pn_tiers(cx, pn_get(cx, map, "latency"), "latency", &h->latency);
	return h->url ? rc : -1;
}

struct reply {
	struct buf	 body;
	struct buf	 headers;
};

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct reply *rp = arg;

	buf_add(&rp->body, data, size * n);
	return size * n;	/* past the cap we keep reading, not storing */
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct reply *rp = arg;

	buf_add(&rp->headers, data, size * n);
	return size * n;
}

/* Does the reply carry header "Name: value" (name case-insensitive)? */
static bool
has_header(const char *all, const char *want)
{
	const char *colon = strchr(want, ':');
	size_t nlen = (size_t)(colon - want);
	const char *val = colon + 1;

	while (*val == ' ')
		val++;
	for (const char *p = all; *p; ) {
		size_t len = strcspn(p, "\r\n");
		if (len > nlen && strncasecmp(p, want, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			while (*v == ' ')
				v++;
			size_t vlen = len - (size_t)(v - p);
			if (strlen(val) == 0 || (vlen >= strlen(val) &&
			    memmem(v, vlen, val, strlen(val)) != NULL))
				return true;
		}
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	return false;
}

static void
http_run(const struct check *c, struct result *r)
{
	const struct http_conf *h = c->priv;
	struct reply rp;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	CURL *cu = curl_easy_init();

	buf_init(&rp.body, HTTP_BODY_MAX);
	buf_init(&rp.headers, 64 * 1024);
	if (cu == NULL) {
		result_set(r, ST_FAIL, "cannot start an HTTP client");
		return;
	}
	curl_easy_setopt(cu, CURLOPT_URL, h->url);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, (long)(c->timeout_us / 1000));
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &rp);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, &rp);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, "cutover");
	curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, h->follow ? 1L : 0L);
	if (h->insecure) {
		curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (h->ca_file)
		curl_easy_setopt(cu, CURLOPT_CAINFO, h->ca_file);
	if (h->method && strcmp(h->method, "HEAD") == 0)
		curl_easy_setopt(cu, CURLOPT_NOBODY, 1L);
	else if (h->method)
		curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, h->method);
	if (h->body)
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, h->body);
	for (size_t i = 0; i < h->headers.n; i++)
		hdrs = curl_slist_append(hdrs, h->headers.v[i]);
	if (hdrs)
		curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hdrs);

	CURLcode cc = curl_easy_perform(cu);
	long code = 0;
	double total = 0;
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(cu, CURLINFO_TOTAL_TIME, &total);
	int64_t us = (int64_t)(total * 1e6);
	char *d = fmt_duration(us);
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
	result_observed(r, "HTTP %ld in %s", code, d);
	if (code < h->status_lo || code > h->status_hi) {
		result_set(r, ST_FAIL, "%s answered HTTP %ld, expected %s%s",
		    h->url, code, want, note);
		goto out;
	}
	for (size_t i = 0; i < h->body_contains.n; i++) {
		if (strstr(rp.body.s, h->body_contains.v[i]) == NULL) {
			result_set(r, ST_FAIL, "%s: body does not contain '%s'%s",
			    h->url, h->body_contains.v[i], rp.body.truncated ?
			    " (in its first 1 MiB)" : "");
			goto out;
		}
	}
	for (size_t i = 0; i < h->header.n; i++) {
		if (!has_header(rp.headers.s, h->header.v[i])) {
			result_set(r, ST_FAIL, "%s: reply has no header '%s'",
			    h->url, h->header.v[i]);
			goto out;
		}
	}
	if (h->latency.set) {
		char *th = tiers_describe(&h->latency);
		enum status st = tiers_judge(&h->latency, us);
		result_threshold(r, "status %s; %s", want, th);
		free(th);
		result_set(r, st, "HTTP %ld in %s%s%s", code, d,
		    st == ST_FAIL ? " (at or past crit)" : st == ST_WARN ?
		    " (at or past warn)" : "", note);
	} else {
		result_set(r, ST_PASS, "HTTP %ld in %s%s", code, d, note);
	}
out:
	free(d);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(cu);
	buf_release(&rp.body);
	buf_release(&rp.headers);
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
	strlist_release(&h->header);
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
};
