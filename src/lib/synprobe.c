/*
 * synprobe.c - a port's "accepts connections" by SYN, SYN-ACK (see
 * synprobe.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/synprobe.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

/* The first SYN is sent again after this, then after twice as long... */
#define RESEND_US	US_PER_S
/* The source address chosen for a destination is asked again after this. */
#define SRC_TTL_US	US_PER_S

/* 0 not known yet, 1 raw sockets work, -1 they do not (no CAP_NET_RAW). */
static _Atomic int usable;
static _Atomic bool disabled;
static _Atomic uint64_t answered;

/*
 * A few raw sockets, each with its held source port, taken by a probe
 * for its duration (trylock): a raw socket is handed a copy of every TCP
 * packet this host receives before its filter drops it, so one per
 * worker thread (16) made every TCP packet 16 copies: a probe cost 16-19
 * us of CPU with 16 raw sockets open, 12-13 with one (bare C, 20,000
 * probes).  When every slot is busy (a probe waiting on a silent port),
 * the caller connects: the same verdict.
 */
#define NSLOTS	4

struct syn_slot {
	pthread_mutex_t	 mu;
	int		 state;		/* 0 not made, 1 ready, -1 failed */
	int		 raw, hold;
	uint16_t	 sport;		/* network order */
	uint32_t	 dst, src;	/* the last destination's source */
	int64_t		 src_at;
	uint64_t	 rnd;
};

static struct syn_slot slots[NSLOTS] = {
	{ .mu = PTHREAD_MUTEX_INITIALIZER }, { .mu = PTHREAD_MUTEX_INITIALIZER },
	{ .mu = PTHREAD_MUTEX_INITIALIZER }, { .mu = PTHREAD_MUTEX_INITIALIZER },
};

void
syn_probe_disable(bool off)
{
	atomic_store(&disabled, off);
}

uint64_t
syn_probe_count(void)
{
	return atomic_load(&answered);
}

/*
 * Make slot t's raw socket and source port (its lock held).  The port is
 * held by a TCP socket bound to it on every address and never listening
 * or connected: no connection of this host gets it (the kernel's port
 * choice for connect() skips ports bound by bind()), and the kernel
 * answers the SYN-ACKs sent to it with a RST.  The filter passes only
 * the packets to that port.
 */
static int
slot_make(struct syn_slot *t)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	int raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    IPPROTO_TCP);
	if (raw < 0) {
		if (errno == EPERM || errno == EACCES ||
		    errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)
			atomic_store(&usable, -1);
		return -1;
	}
	int hold = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (hold < 0 || bind(hold, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(hold, (struct sockaddr *)&a, &al) != 0) {
		close(raw);
		if (hold >= 0)
			close(hold);
		return -1;
	}
	struct sock_filter code[] = {
		/* X = the IP header's length; A = the TCP destination port */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohs(a.sin_port), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]),
	    .filter = code };
	if (setsockopt(raw, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) != 0) {
		close(raw);
		close(hold);
		return -1;
	}
	/* What came before the filter. */
	char drain[256];
	while (recv(raw, drain, sizeof(drain), MSG_DONTWAIT) > 0)
		;
	t->raw = raw;
	t->hold = hold;
	t->sport = a.sin_port;
	if (getrandom(&t->rnd, sizeof(t->rnd), GRND_NONBLOCK) !=
	    sizeof(t->rnd))
		t->rnd = (uint64_t)now_mono_us() ^ (uint64_t)(uintptr_t)t;
	t->rnd |= 1;
	atomic_store(&usable, 1);
	return 0;
}

/* A free slot, made and locked, or NULL (all busy, or none can be made). */
static struct syn_slot *
slot_take(void)
{
	for (int i = 0; i < NSLOTS; i++) {
		struct syn_slot *t = &slots[i];
		if (pthread_mutex_trylock(&t->mu) != 0)
			continue;
		if (t->state == 0)
			t->state = slot_make(t) == 0 ? 1 : -1;
		if (t->state == 1)
			return t;
		pthread_mutex_unlock(&t->mu);
		if (atomic_load(&usable) < 0)
			return NULL;
	}
	return NULL;
}

/* The source address the kernel picks for dst (network order), or 0. */
static uint32_t
source_for(struct syn_slot *t, uint32_t dst)
{
	int64_t now = now_mono_us();

	if (t->src && t->dst == dst && now - t->src_at < SRC_TTL_US)
		return t->src;
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9),
	    .sin_addr.s_addr = dst };
	socklen_t al = sizeof(a);

	if (u < 0)
		return 0;
	if (connect(u, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(u, (struct sockaddr *)&a, &al) != 0) {
		close(u);
		return 0;
	}
	close(u);
	t->dst = dst;
	t->src = a.sin_addr.s_addr;
	t->src_at = now;
	return t->src;
}

static uint16_t
csum(const void *data, size_t n)
{
	const uint8_t *p = data;
	uint32_t s = 0;

	for (; n > 1; p += 2, n -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static void
send_syn(struct syn_slot *t, uint32_t src, const struct sockaddr_in *dst,
    uint32_t seq, int *err)
{
	struct {
		uint32_t	src, dst;
		uint8_t		zero, proto;
		uint16_t	len;
		struct tcphdr	tcp;
	} ph;

	memset(&ph, 0, sizeof(ph));
	ph.src = src;
	ph.dst = dst->sin_addr.s_addr;
	ph.proto = IPPROTO_TCP;
	ph.len = htons(sizeof(struct tcphdr));
	ph.tcp.source = t->sport;
	ph.tcp.dest = dst->sin_port;
	ph.tcp.seq = htonl(seq);
	ph.tcp.doff = 5;
	ph.tcp.syn = 1;
	ph.tcp.window = htons(1024);
	ph.tcp.check = csum(&ph, sizeof(ph));
	*err = sendto(t->raw, &ph.tcp, sizeof(ph.tcp), 0,
	    (const struct sockaddr *)dst, sizeof(*dst)) < 0 ? errno : 0;
}

/* 1 SYN-ACK, 2 RST, 0 not an answer to this probe. */
static int
answer(const uint8_t *b, ssize_t n, const struct sockaddr_in *dst,
    uint16_t sport, uint32_t seq)
{
	if (n < 20 || (b[0] >> 4) != 4)
		return 0;
	size_t ihl = (size_t)(b[0] & 15) * 4;
	if ((size_t)n < ihl + sizeof(struct tcphdr) || b[9] != IPPROTO_TCP)
		return 0;
	uint32_t from;
	memcpy(&from, b + 12, 4);
	struct tcphdr tcp;
	memcpy(&tcp, b + ihl, sizeof(tcp));
	if (from != dst->sin_addr.s_addr || tcp.source != dst->sin_port ||
	    tcp.dest != sport || !tcp.ack || ntohl(tcp.ack_seq) != seq + 1)
		return 0;
	if (tcp.rst)
		return 2;
	return tcp.syn ? 1 : 0;
}

int
syn_probe(const char *host, const char *port, const char *where,
    int64_t timeout_us, struct net_probe *pr)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	char *end;

	if (atomic_load(&disabled) || atomic_load(&usable) < 0 ||
	    inet_pton(AF_INET, host, &dst.sin_addr) != 1)
		return -1;
	unsigned long p = strtoul(port, &end, 10);
	if (*end != '\0' || p == 0 || p > 65535)
		return -1;
	dst.sin_port = htons((uint16_t)p);
	struct syn_slot *t = slot_take();
	if (t == NULL)
		return -1;
	/*
	 * Only an address of this host (loopback included): a remote one
	 * can answer a connect() with an ICMP error ("host unreachable"),
	 * which a raw TCP socket never sees.
	 */
	uint32_t src = source_for(t, dst.sin_addr.s_addr);
	if (src == 0 || ((ntohl(dst.sin_addr.s_addr) >> 24) != 127 &&
	    src != dst.sin_addr.s_addr)) {
		pthread_mutex_unlock(&t->mu);
		return -1;
	}
	t->rnd ^= t->rnd << 13;
	t->rnd ^= t->rnd >> 7;
	t->rnd ^= t->rnd << 17;
	uint32_t seq = (uint32_t)t->rnd;
	int64_t t0 = now_mono_us(), deadline = t0 + timeout_us;
	int64_t resend = RESEND_US, next = t0 + resend;
	int err, got = 0;

	memset(pr, 0, sizeof(*pr));
	send_syn(t, src, &dst, seq, &err);
	while (err == 0) {
		uint8_t b[128];
		ssize_t n = recv(t->raw, b, sizeof(b), MSG_DONTWAIT);
		if (n >= 0) {
			if ((got = answer(b, n, &dst, t->sport, seq)) != 0)
				break;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			err = errno;
			break;
		}
		int64_t now = now_mono_us();
		if (now >= deadline)
			break;
		if (now >= next) {
			/* No answer: sent again, as connect() does. */
			send_syn(t, src, &dst, seq, &err);
			resend *= 2;
			next = now + resend;
			continue;
		}
		int64_t until = next < deadline ? next : deadline;
		struct pollfd pf = { .fd = t->raw, .events = POLLIN };
		(void)poll(&pf, 1, (int)((until - now + 999) / 1000));
	}
	pr->elapsed_us = now_mono_us() - t0;
	if (got == 1) {
		pr->outcome = NET_OPEN;
		snprintf(pr->message, sizeof(pr->message), "connected to %s",
		    where);
	} else if (got == 2) {
		pr->outcome = NET_REFUSED;
		snprintf(pr->message, sizeof(pr->message), "connect to %s "
		    "refused", where);
	} else if (err == ENETUNREACH || err == EHOSTUNREACH) {
		pr->outcome = NET_UNREACHABLE;
		snprintf(pr->message, sizeof(pr->message), "connect to %s: %s",
		    where, err == ENETUNREACH ? "network unreachable" :
		    "host unreachable");
	} else if (err != 0) {
		pr->outcome = NET_ERROR;
		snprintf(pr->message, sizeof(pr->message), "connect to %s: %s",
		    where, strerror(err));
	} else {
		char *d = fmt_duration(timeout_us);
		pr->outcome = NET_TIMEOUT;
		snprintf(pr->message, sizeof(pr->message), "connect to %s timed "
		    "out after %s (no answer)", where, d);
		free(d);
	}
	pthread_mutex_unlock(&t->mu);
	atomic_fetch_add(&answered, 1);
	return 0;
}
