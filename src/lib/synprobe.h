/*
 * synprobe.h - "does this IPv4 port accept connections?" by a SYN on a
 * raw socket instead of a connect().
 *
 * A SYN is sent from a source port that a bound TCP socket of ours holds
 * (so no connection of this host can use it); a SYN-ACK means open, a
 * RST means refused, nothing means timed out (the SYN is sent again after
 * 1 s, 2 s, ... as connect() does, so a listener whose backlog is full
 * and later drains answers as it would to connect()).  The kernel itself
 * answers the SYN-ACK with a RST: no socket of ours is connected on that
 * port.  The connection is never made: at 700 probes a second of a
 * loopback port, the connect, its close and the server's accept were
 * 25-28 us of kernel time a probe, the SYN and its answer 11-12 us.
 *
 * Used only for an IPv4 literal address of this host (127.0.0.0/8 or an
 * address of an interface: nothing between can answer with an ICMP
 * error, which connect() reports and a raw TCP socket never sees) and
 * when the process may open a raw socket (CAP_NET_RAW); otherwise
 * syn_probe returns -1 and the caller connects.  A few raw sockets
 * (synprobe.c: slots), each filtered in the kernel to its own held
 * source port; with every one busy, the caller connects.
 */
#ifndef CUTOVER_LIB_SYNPROBE_H
#define CUTOVER_LIB_SYNPROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/net.h"

/*
 * Probe host:port (host an IPv4 literal, port 1-65535; where is the
 * "host:port" of messages).  0 with *pr filled as net_tcp_probe fills it,
 * or -1 when a SYN probe cannot be made here (pr untouched).
 */
int	 syn_probe(const char *host, const char *port, const char *where,
	    int64_t timeout_us, struct net_probe *pr);
/* Turn SYN probes off (true) or back on, for tests and comparison. */
void	 syn_probe_disable(bool off);
/* Probes answered by SYN since the start (tests). */
uint64_t syn_probe_count(void);

#endif
