/*
 * test_synprobe.c - the SYN probe gives connect()'s verdict against real
 * loopback listeners: open, closed, a listener whose backlog is full
 * (its SYNs are dropped, as a firewall's DROP would), the same one once
 * drained.  Needs CAP_NET_RAW (root); without it prints skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../t.h"
#include "lib/net.h"
#include "lib/synprobe.h"
#include "lib/units.h"

/* A TCP socket bound to 127.0.0.1 on a free port; listening if backlog >= 0. */
static int
bound(int backlog, char port[8])
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) != 0 ||
	    (backlog >= 0 && listen(fd, backlog) != 0))
		return -1;
	snprintf(port, 8, "%u", ntohs(a.sin_port));
	return fd;
}

/* The SYN probe's and connect()'s outcomes of 127.0.0.1:port. */
static int
both(const char *port, int64_t timeout_us, enum net_outcome *connected)
{
	struct net_probe s, c;
	char where[32];

	snprintf(where, sizeof(where), "127.0.0.1:%s", port);
	uint64_t n0 = syn_probe_count();
	if (syn_probe("127.0.0.1", port, where, timeout_us, &s) != 0)
		return -1;
	T_EQ_INT(syn_probe_count(), n0 + 1);
	net_tcp_probe("127.0.0.1", port, timeout_us, &c);
	*connected = c.outcome;
	T_EQ_INT(s.outcome, c.outcome);
	return (int)s.outcome;
}

static bool
have_raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);

	if (fd < 0) {
		fprintf(stderr, "synprobe: skipped: no raw socket here (%s; "
		    "needs CAP_NET_RAW)\n", strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

T_TEST(open_closed)
{
	char port[8];
	enum net_outcome c;

	if (!have_raw())
		return;
	int l = bound(16, port);
	T_OK(l >= 0);
	T_EQ_INT(both(port, US_PER_S, &c), NET_OPEN);
	/* Twice: the port held for the source is reused, cleanly. */
	T_EQ_INT(both(port, US_PER_S, &c), NET_OPEN);
	close(l);
	/* Bound, not listening: the kernel answers RST. */
	int b = bound(-1, port);
	T_OK(b >= 0);
	T_EQ_INT(both(port, US_PER_S, &c), NET_REFUSED);
	close(b);
	/* Not a literal IPv4 address: the caller connects. */
	struct net_probe pr;
	T_EQ_INT(syn_probe("localhost", port, "localhost", US_PER_S, &pr), -1);
	T_EQ_INT(syn_probe("::1", port, "[::1]", US_PER_S, &pr), -1);
	/* Not this host's (TEST-NET-1): an ICMP error may answer: connect. */
	T_EQ_INT(syn_probe("192.0.2.77", "80", "x", US_PER_S, &pr), -1);
	syn_probe_disable(true);
	T_EQ_INT(syn_probe("127.0.0.1", port, "x", US_PER_S, &pr), -1);
	syn_probe_disable(false);
}

T_TEST(full_backlog)
{
	char port[8];
	enum net_outcome c;
	int cl[8];

	if (!have_raw())
		return;
	/* Backlog 0 holds one connection; the others' SYNs are dropped. */
	int l = bound(0, port);
	T_OK(l >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned p;
	sscanf(port, "%u", &p);
	a.sin_port = htons((uint16_t)p);
	for (int i = 0; i < 8; i++) {
		cl[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(cl[i], (struct sockaddr *)&a, sizeof(a));
	}
	usleep(50 * 1000);
	/* No answer within the timeout: timed out, as a connect. */
	T_EQ_INT(both(port, 300 * US_PER_MS, &c), NET_TIMEOUT);
	T_EQ_INT(c, NET_TIMEOUT);
	/* Drained: open again. */
	for (int i = 0; i < 8; i++)
		close(cl[i]);
	int fd;
	struct timeval tv = { 0, 200 * 1000 };
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((fd = accept(l, NULL, NULL)) >= 0)
		close(fd);
	T_EQ_INT(both(port, 2 * US_PER_S, &c), NET_OPEN);
	close(l);
}

T_SUITE(synprobe, open_closed, full_backlog);
