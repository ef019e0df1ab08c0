/*
 * net.h - TCP probes with a deadline and messages people understand
 * ("connect to 10.0.0.2:3306 refused", not "errno 111"), network
 * namespaces, addresses and certificate host names.
 */
#ifndef CUTOVER_NET_H
#define CUTOVER_NET_H

#include <stdbool.h>
#include <stdint.h>

enum net_outcome { NET_OPEN, NET_REFUSED, NET_TIMEOUT, NET_UNREACHABLE,
	NET_ERROR };

struct net_probe {
	enum net_outcome outcome;
	int64_t		 elapsed_us;	/* connect time (of the attempt) */
	char		 message[256];
};

/* "host:port", "[::1]:port" -> host and port strings (newly allocated). */
int	 net_split_hostport(const char *s, char **host, char **port,
	    char **errp);
/* Resolve and connect within timeout_us; always fills *pr. */
void	 net_tcp_probe(const char *host, const char *port, int64_t timeout_us,
	    struct net_probe *pr);
/* Same, returning the connected socket (caller closes), or -1. */
int	 net_tcp_connect(const char *host, const char *port, int64_t timeout_us,
	    struct net_probe *pr);

/*
 * Network namespaces (Linux).  A namespace is named as `ip netns` names it:
 * /run/netns/NAME.  The network namespace is a property of a thread, not
 * of the process, so net_in_netns() runs fn(arg) on a new thread that
 * enters the namespace first and ends afterwards: every socket fn creates
 * (connect, getaddrinfo, libpq, hiredis, /proc/thread-self/net) lives in
 * NAME, and the caller's thread, like every other check's, never moves.
 * Entering needs CAP_SYS_ADMIN; without it the error says so.
 * Returns 0 once fn has run, or -1 with *errp when the namespace could not
 * be entered (fn did not run).
 */
int	 net_in_netns(const char *name, void (*fn)(void *), void *arg,
	    char **errp);
/* Is name usable as a namespace name (no '/', not "." or "..")? */
bool	 net_netns_name_ok(const char *name);

/*
 * An IPv4 or IPv6 address in text, normalised to 16 bytes (IPv4 as
 * ::ffff:a.b.c.d so that the two families compare).  0 or -1.
 */
int	 net_addr_parse(const char *s, unsigned char out[16]);
/* Is s a literal IPv4 or IPv6 address (not a name)? */
bool	 net_is_ip(const char *s);

/*
 * One line of /proc/net/tcp (v6 false) or /proc/net/tcp6: the local
 * address (normalised as net_addr_parse does), port and TCP state (0x0A is
 * LISTEN).  0, or -1 for the header line and anything malformed.
 */
int	 net_proc_tcp_line(const char *line, bool v6, unsigned char addr[16],
	    unsigned *port, unsigned *state);

/*
 * Does a certificate name `pattern` (a DNS subjectAltName) cover host, per
 * RFC 6125: case-insensitive, one trailing dot ignored; a wildcard only as
 * the whole left-most label ("*.example.com"), matching exactly one
 * non-empty label, never in a pattern with fewer than three labels
 * ("*.com") and never for an IP address.
 */
bool	 net_cert_name_matches(const char *pattern, const char *host);

#endif
