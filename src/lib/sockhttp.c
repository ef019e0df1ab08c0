/*
 * sockhttp.c - one HTTP request to a local daemon over libcurl (see
 * sockhttp.h).  curl's CURLOPT_UNIX_SOCKET_PATH speaks HTTP over the
 * socket; CURLOPT_TIMEOUT_MS holds the whole request to the deadline, so
 * a daemon that accepts and never answers costs the check its timeout,
 * no more.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <curl/curl.h>

#include "error.h"
#include "lazy_curl.h"
#include "sockhttp.h"
#include "units.h"
#include "util.h"

int
sockhttp_probe(const char *path, const char *what, char **errp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return seterr(errp, "socket path %s is too long (at most %zu "
		    "bytes)", path, sizeof(sa.sun_path) - 1);
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return seterr(errp, "no %s daemon: socket %s does not "
			    "exist", what, path);
		return seterr_errno(errp, "%s socket %s", what, path);
	}
	if (!S_ISSOCK(st.st_mode))
		return seterr(errp, "%s is not a socket (the %s socket "
		    "expected there)", path, what);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return seterr_errno(errp, "socket");
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	close(fd);
	/* EAGAIN: the backlog is full; curl then waits within the deadline. */
	if (rc == 0 || e == EAGAIN)
		return 0;
	if (e == ECONNREFUSED)
		return seterr(errp, "%s daemon not running: nothing listens on "
		    "%s (a stale socket)", what, path);
	if (e == EACCES || e == EPERM)
		return seterr(errp, "permission denied on the %s socket %s "
		    "(run as a user who may use it)", what, path);
	errno = e;
	return seterr_errno(errp, "%s socket %s", what, path);
}

struct sink {
	const struct sockhttp_req *q;
	struct buf	*body;
	int		 failed;	/* on_data said stop */
};

static size_t
on_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct sink *s = arg;
	size_t n = sz * nm;

	if (s->q->on_data) {
		if (s->q->on_data(p, n, s->q->arg) != 0) {
			s->failed = 1;
			return 0;	/* curl stops: CURLE_WRITE_ERROR */
		}
		return n;
	}
	buf_add(s->body, p, n);
	/* Past the cap nothing more is useful: stop reading. */
	return s->body->truncated ? 0 : n;
}

long
sockhttp_do(const struct sockhttp_req *q, struct buf *body, char **errp)
{
	char eb[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	struct sink s = { .q = q, .body = body };
	int64_t left = q->deadline_us - now_mono_us();
	long code = -1;
	CURL *cu;

	if (body)
		buf_init(body, q->max);
	if (left <= 0)
		return seterr(errp, "no time left for %s", q->what);
	if (q->socket && sockhttp_probe(q->socket, q->what, errp) != 0)
		return -1;
	if ((cu = curl_easy_init()) == NULL)
		return seterr(errp, "cannot start an HTTP client");
	curl_easy_setopt(cu, CURLOPT_URL, q->url);
	if (q->socket)
		curl_easy_setopt(cu, CURLOPT_UNIX_SOCKET_PATH, q->socket);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	/* At least 1 ms: 0 would mean "no timeout" to curl. */
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, (long)(left / 1000) + 1);
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, eb);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, "cutover");
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
	if (q->userpwd)
		curl_easy_setopt(cu, CURLOPT_USERPWD, q->userpwd);
	if (q->head)
		curl_easy_setopt(cu, CURLOPT_NOBODY, 1L);
	if (q->body) {
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, q->body);
		if (q->content_type) {
			char h[128];
			snprintf(h, sizeof(h), "Content-Type: %s",
			    q->content_type);
			hdrs = curl_slist_append(hdrs, h);
			curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hdrs);
		}
	}
	CURLcode cc = curl_easy_perform(cu);
	if (cc == CURLE_OK ||
	    (cc == CURLE_WRITE_ERROR && !s.failed && body && body->truncated)) {
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		/* What was left when it started: 999.9ms reads as 1s. */
		char *d = fmt_duration((left + 50000) / 100000 * 100000);
		seterr(errp, "%s did not answer within %s (timeout)", q->what, d);
		free(d);
	} else if (cc == CURLE_WRITE_ERROR && s.failed) {
		seterr(errp, "%s", "stopped reading the answer");
	} else if (cc == CURLE_COULDNT_CONNECT && !q->socket) {
		seterr(errp, "%s not reachable at %s (%s)", q->what, q->url,
		    *eb ? eb : curl_easy_strerror(cc));
	} else {
		seterr(errp, "%s: %s", q->what, *eb ? eb :
		    curl_easy_strerror(cc));
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(cu);
	return code;
}
