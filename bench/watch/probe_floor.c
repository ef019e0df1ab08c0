/*
 * bench/watch/probe_floor.c - the CPU floor of one tcp probe of a local
 * port, in bare C: connect() (socket, non-blocking connect, poll,
 * getsockopt, close) against a SYN on a raw socket read back without a
 * poll when the answer is already there (what src/lib/synprobe.c does).
 * EXTRA raw sockets (filtered to drop everything) show what each raw
 * socket open on the host adds to every TCP packet.  Needs root.
 *
 *   cc -O2 -o /tmp/probe_floor bench/watch/probe_floor.c
 *   /tmp/probe_floor PORT N MODE [EXTRA]    # MODE 0 connect, 1 SYN
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/filter.h>

static double
cpu(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 +
	       u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}
static unsigned short
csum(const void *d, size_t n, unsigned long s)
{
	const unsigned short *p = d;
	while (n > 1) {
		s += *p++;
		n -= 2;
	}
	if (n)
		s += *(const unsigned char *)p;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned short)~s;
}
int
main(int argc, char **argv)
{
	int port = atoi(argv[1]);
	int n = atoi(argv[2]);
	int mode = atoi(argv[3]);
	struct sockaddr_in dst = {.sin_family = AF_INET,
				  .sin_port = htons(port)};
	dst.sin_addr.s_addr = htonl(0x7f000001);
	int open_ = 0;
	double t0 = cpu();
	if (mode == 0) {
		for (int i = 0; i < n; i++) {
			int s = socket(
			    AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);
			int r = connect(s, (void *)&dst, sizeof dst);
			if (r < 0 && errno == EINPROGRESS) {
				struct pollfd p = {s, POLLOUT, 0};
				poll(&p, 1, 1000);
				int e = 0;
				socklen_t l = sizeof e;
				getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &l);
				if (!e)
					open_++;
			} else if (r == 0)
				open_++;
			close(s);
		}
	} else {
		int raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
		if (raw < 0) {
			perror("raw");
			return 1;
		}
		int extra = argc > 4 ? atoi(argv[4]) : 0;
		for (int e = 0; e < extra; e++) {
			int x = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC,
				       IPPROTO_TCP);
			struct sock_filter code[] = {
			    BPF_STMT(BPF_RET | BPF_K, 0)};
			struct sock_fprog pr = {1, code};
			setsockopt(x, SOL_SOCKET, SO_ATTACH_FILTER, &pr,
				   sizeof pr);
		}
		/* reserve a source port: a bound TCP socket */
		int hold = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in src = {.sin_family = AF_INET};
		src.sin_addr.s_addr = htonl(0x7f000001);
		bind(hold, (void *)&src, sizeof src);
		socklen_t sl = sizeof src;
		getsockopt(hold, 0, 0, 0, 0);
		getsockname(hold, (void *)&src, &sl);
		unsigned short sport = src.sin_port;
		for (int i = 0; i < n; i++) {
			struct {
				unsigned int s, d;
				unsigned char z, p;
				unsigned short l;
				struct tcphdr t;
			} ph;
			memset(&ph, 0, sizeof ph);
			ph.s = src.sin_addr.s_addr;
			ph.d = dst.sin_addr.s_addr;
			ph.p = IPPROTO_TCP;
			ph.l = htons(sizeof(struct tcphdr));
			ph.t.source = sport;
			ph.t.dest = htons(port);
			ph.t.seq = htonl(0x1000 + i);
			ph.t.doff = 5;
			ph.t.syn = 1;
			ph.t.window = htons(1024);
			ph.t.check = csum(&ph, sizeof ph, 0);
			sendto(raw, &ph.t, sizeof ph.t, 0, (void *)&dst,
			       sizeof dst);
			for (;;) {
				unsigned char b[256];
				ssize_t k =
				    recv(raw, b, sizeof b, MSG_DONTWAIT);
				if (k < 0) {
					struct pollfd p = {raw, POLLIN, 0};
					if (poll(&p, 1, 1000) <= 0)
						break;
					continue;
				}
				if (k < 40)
					continue;
				int ihl = (b[0] & 15) * 4;
				struct tcphdr *t = (void *)(b + ihl);
				if (t->source != htons(port) ||
				    t->dest != sport)
					continue;
				if (ntohl(t->ack_seq) != 0x1000u + i + 1)
					continue;
				if (t->syn && t->ack)
					open_++;
				break;
			}
		}
	}
	double c = cpu() - t0;
	printf("mode %d: %d/%d open, %.2f us cpu per probe\n", mode, open_, n,
	       c / n * 1e6);
	return 0;
}
