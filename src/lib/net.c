/* net.c - TCP connect with a deadline; see net.h. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "net.h"
#include "units.h"
#include "util.h"
#include "xmalloc.h"

int
net_split_hostport(const char *s, char **host, char **port, char **errp)
{
	const char *colon;

	*host = *port = NULL;
	if (*s == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':')
			return seterr(errp, "bad address '%s' (expected [v6]:port)",
			    s);
		*host = xstrndup(s + 1, (size_t)(rb - s - 1));
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || colon == s)
			return seterr(errp, "bad address '%s' (expected host:port)",
			    s);
		*host = xstrndup(s, (size_t)(colon - s));
	}
	long long p;
	if (parse_int(colon + 1, 1, 65535, &p, NULL) != 0) {
		free(*host);
		*host = NULL;
		return seterr(errp, "bad port in '%s' (expected 1-65535)", s);
	}
	*port = xstrdup(colon + 1);
	return 0;
}

int
net_tcp_connect(const char *host, const char *port, int64_t timeout_us,
    struct net_probe *pr)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_family = AF_UNSPEC };
	struct addrinfo *ai = NULL;
	int64_t t0 = now_mono_us(), deadline = t0 + timeout_us;
	int fd = -1;
	char *d;
	const char *fmt_host = strchr(host, ':') ? "[%s]:%s" : "%s:%s";
	char where[300];

	snprintf(where, sizeof(where), fmt_host, host, port);
	memset(pr, 0, sizeof(*pr));
	int gai = getaddrinfo(host, port, &hints, &ai);
	if (gai != 0) {
		pr->outcome = NET_ERROR;
		snprintf(pr->message, sizeof(pr->message),
		    "cannot resolve '%s': %s", host, gai_strerror(gai));
		pr->elapsed_us = now_mono_us() - t0;
		return -1;
	}
	pr->outcome = NET_ERROR;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		int64_t ta = now_mono_us();
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		int rc = connect(fd, a->ai_addr, a->ai_addrlen);
		int err = rc == 0 ? 0 : errno;
		if (rc != 0 && err == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int left;
			do {
				int64_t l = deadline - now_mono_us();
				left = l > 0 ? (int)((l + 999) / 1000) : 0;
				rc = poll(&p, 1, left);
			} while (rc < 0 && errno == EINTR);
			if (rc == 0) {
				err = ETIMEDOUT;
			} else {
				socklen_t len = sizeof(err);
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
			}
		}
		pr->elapsed_us = now_mono_us() - ta;
		if (err == 0) {
			pr->outcome = NET_OPEN;
			snprintf(pr->message, sizeof(pr->message),
			    "connected to %s", where);
			freeaddrinfo(ai);
			/* Back to blocking for callers that talk on it. */
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			return fd;
		}
		close(fd);
		fd = -1;
		switch (err) {
		case ECONNREFUSED:
			pr->outcome = NET_REFUSED;
			snprintf(pr->message, sizeof(pr->message),
			    "connect to %s refused", where);
			break;
		case ETIMEDOUT:
			pr->outcome = NET_TIMEOUT;
			d = fmt_duration(timeout_us);
			snprintf(pr->message, sizeof(pr->message),
			    "connect to %s timed out after %s (no answer)", where,
			    d);
			free(d);
			break;
		case ENETUNREACH:
		case EHOSTUNREACH:
			pr->outcome = NET_UNREACHABLE;
			snprintf(pr->message, sizeof(pr->message),
			    "connect to %s: %s", where, err == ENETUNREACH ?
			    "network unreachable" : "host unreachable");
			break;
		default:
			pr->outcome = NET_ERROR;
			snprintf(pr->message, sizeof(pr->message),
			    "connect to %s: %s", where, strerror(err));
		}
		if (now_mono_us() >= deadline)
			break;
	}
	freeaddrinfo(ai);
	return -1;
}

void
net_tcp_probe(const char *host, const char *port, int64_t timeout_us,
    struct net_probe *pr)
{
	int fd = net_tcp_connect(host, port, timeout_us, pr);

	if (fd >= 0)
		close(fd);
}
