/*
 * net.h - TCP probes with a deadline and messages people understand
 * ("connect to 10.0.0.2:3306 refused", not "errno 111").
 */
#ifndef CUTOVER_NET_H
#define CUTOVER_NET_H

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

#endif
