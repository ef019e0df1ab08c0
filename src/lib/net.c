/* net.c - TCP connect with a deadline, namespaces, names; see net.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

static int
tcp_connect(const char *host, const char *port, int64_t timeout_us,
    struct net_probe *pr, bool blocking)
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
			} else if (rc == 1 && p.revents == POLLOUT) {
				/* Writable and no error or hang-up: connected
				 * (Linux flags a failed connect POLLERR). */
				err = 0;
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
			if (blocking)
				fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) &
				    ~O_NONBLOCK);
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

int
net_tcp_connect(const char *host, const char *port, int64_t timeout_us,
    struct net_probe *pr)
{
	return tcp_connect(host, port, timeout_us, pr, true);
}

void
net_tcp_probe(const char *host, const char *port, int64_t timeout_us,
    struct net_probe *pr)
{
	/* Closed at once: two fcntl calls fewer a probe (a watch makes
	 * hundreds a second). */
	int fd = tcp_connect(host, port, timeout_us, pr, false);

	if (fd >= 0)
		close(fd);
}

/* ---- network namespaces ---------------------------------------------- */

bool
net_netns_name_ok(const char *name)
{
	if (*name == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	return strlen(name) < 200;
}

struct netns_job {
	const char	*name;
	void		(*fn)(void *);
	void		*arg;
	char		*err;		/* set if the namespace was not entered */
};

static void *
netns_main(void *p)
{
	struct netns_job *j = p;
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", j->name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			seterr(&j->err, "network namespace '%s' does not exist "
			    "(no %s; see `ip netns list`)", j->name, path);
		else
			seterr_errno(&j->err, "cannot open network namespace "
			    "'%s' (%s)", j->name, path);
		return NULL;
	}
	/*
	 * setns() moves only this thread.  It is ours and ends after fn, so
	 * nothing needs to be restored.
	 */
	if (setns(fd, CLONE_NEWNET) != 0) {
		int e = errno;
		close(fd);
		if (e == EPERM)
			seterr(&j->err, "entering network namespace '%s' needs "
			    "privileges (CAP_SYS_ADMIN: run as root)", j->name);
		else
			seterr(&j->err, "cannot enter network namespace '%s': %s",
			    j->name, strerror(e));
		return NULL;
	}
	close(fd);
	j->fn(j->arg);
	return NULL;
}

int
net_in_netns(const char *name, void (*fn)(void *), void *arg, char **errp)
{
	struct netns_job j = { .name = name, .fn = fn, .arg = arg };
	pthread_attr_t attr;
	pthread_t tid;

	if (!net_netns_name_ok(name))
		return seterr(errp, "bad network namespace name '%s'", name);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	int rc = pthread_create(&tid, &attr, netns_main, &j);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return seterr(errp, "cannot start a thread for network "
		    "namespace '%s': %s", name, strerror(rc));
	/* fn honours its own deadline, so this join is bounded. */
	pthread_join(tid, NULL);
	if (j.err) {
		seterr(errp, "%s", j.err);
		free(j.err);
		return -1;
	}
	return 0;
}

/* ---- addresses and names --------------------------------------------- */

int
net_addr_parse(const char *s, unsigned char out[16])
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(out, &a6, 16);
		return 0;
	}
	return -1;
}

bool
net_is_ip(const char *s)
{
	unsigned char b[16];

	return net_addr_parse(s, b) == 0;
}

/*
 * One line of /proc/net/tcp{,6}: "sl local:port rem:port st ...".  The
 * kernel prints each 32-bit word of the address as a host-order %08X of
 * the network-order bytes, so copying the parsed word back into memory
 * restores the bytes on any endianness.
 */
int
net_proc_tcp_line(const char *line, bool v6, unsigned char addr[16],
    unsigned *port, unsigned *state)
{
	char local[64];
	unsigned st;

	if (sscanf(line, " %*u: %63s %*s %x", local, &st) != 2)
		return -1;
	char *colon = strchr(local, ':');
	if (colon == NULL)
		return -1;
	*colon = '\0';
	size_t hexlen = strlen(local);
	if (hexlen != (v6 ? 32u : 8u) || strspn(local, "0123456789abcdefABCDEF")
	    != hexlen)
		return -1;
	memset(addr, 0, 16);
	unsigned char *dst = v6 ? addr : addr + 12;
	if (!v6)
		addr[10] = addr[11] = 0xff;
	for (size_t w = 0; w < hexlen / 8; w++) {
		char word[9];
		memcpy(word, local + w * 8, 8);
		word[8] = '\0';
		char *end;
		uint32_t v = (uint32_t)strtoul(word, &end, 16);
		if (*end != '\0')
			return -1;
		memcpy(dst + w * 4, &v, 4);
	}
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 16);
	if (*end != '\0' || p > 65535)
		return -1;
	*port = (unsigned)p;
	*state = st;
	return 0;
}

/* Length of s without one trailing dot ("example.com." is absolute). */
static size_t
name_len(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

bool
net_cert_name_matches(const char *pattern, const char *host)
{
	size_t pn = name_len(pattern), hn = name_len(host);

	if (pn == 0 || hn == 0 || net_is_ip(host))
		return false;
	if (pattern[0] != '*')
		return pn == hn && strncasecmp(pattern, host, pn) == 0;
	/* "*." then at least two more labels: "*.example.com". */
	if (pn < 3 || pattern[1] != '.')
		return false;
	const char *rest = pattern + 2;
	size_t rn = pn - 2;
	const char *dot = memchr(rest, '.', rn);
	if (dot == NULL || dot == rest || dot == rest + rn - 1)
		return false;
	if (memchr(rest, '*', rn) != NULL)
		return false;
	/* The host's first label is what * stands for: one, non-empty. */
	const char *hdot = memchr(host, '.', hn);
	if (hdot == NULL || hdot == host)
		return false;
	size_t tail = hn - (size_t)(hdot + 1 - host);
	return tail == rn && strncasecmp(hdot + 1, rest, rn) == 0;
}
