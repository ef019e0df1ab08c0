/*
 * tcp.c - kind `tcp`: connect to host:port, judge the connect latency
 * against tiers; with `expect: closed`, pass only when the port refuses
 * or does not answer (the seeds' "nmap should show filtered or closed").
 * With `from: NETNS` the probe runs inside that network namespace (see
 * net_in_netns: a thread of its own enters it), so one plan can say
 * "closed from outside, open from the app host".
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/net.h"
#include "../lib/synprobe.h"
#include "../lib/xmalloc.h"

struct tcp_conf {
	char		*host;
	char		*port;
	char		*address;	/* as written, for messages */
	char		*from;		/* network namespace, or NULL */
	bool		 expect_closed;
	struct tiers	 latency;
};

static const char *const keys[] = { "address", "expect", "from", "latency",
	NULL };

static int
tcp_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct tcp_conf *t = xcalloc(1, sizeof(*t));
	char *e = NULL;
	int rc = 0;

	c->priv = t;
	t->address = pn_req_str(cx, map, "address");
	if (t->address && net_split_hostport(t->address, &t->host, &t->port,
	    &e) != 0) {
		pn_error(cx, pn_get(cx, map, "address"), "'address': %s", e);
		free(e);
		rc = -1;
	}
	yaml_node_t *ex = pn_get(cx, map, "expect");
	char *v = pn_str(cx, ex, "expect");
	if (v && strcmp(v, "closed") == 0)
		t->expect_closed = true;
	else if (v && strcmp(v, "open") != 0) {
		pn_error(cx, ex, "'expect' must be open or closed (got '%s')", v);
		rc = -1;
	}
	free(v);
	rc |= pn_tiers(cx, pn_get(cx, map, "latency"), "latency", &t->latency);
	yaml_node_t *fr = pn_get(cx, map, "from");
	if (fr && (t->from = pn_str(cx, fr, "from")) == NULL)
		rc = -1;
	else if (t->from && !net_netns_name_ok(t->from)) {
		pn_error(cx, fr, "'from' must name a network namespace as `ip "
		    "netns` lists it (got '%s')", t->from);
		rc = -1;
	}
	if (t->expect_closed && t->latency.set) {
		pn_error(cx, pn_get(cx, map, "latency"), "'latency' makes no sense "
		    "with 'expect: closed'");
		rc = -1;
	}
	return t->address ? rc : -1;
}

struct probe_arg {
	const struct tcp_conf	*t;
	int64_t			 timeout_us;
	struct net_probe	 pr;
};

static void
probe(void *p)
{
	struct probe_arg *a = p;
	char where[300];

	/*
	 * An IPv4 address, CAP_NET_RAW: a SYN answered by SYN-ACK or RST,
	 * the same verdict as a connect for a third of its CPU (synprobe.h);
	 * from a network namespace, a name or IPv6: connect.
	 */
	if (a->t->from == NULL) {
		snprintf(where, sizeof(where), "%s:%s", a->t->host, a->t->port);
		if (syn_probe(a->t->host, a->t->port, where, a->timeout_us,
		    &a->pr) == 0)
			return;
	}
	net_tcp_probe(a->t->host, a->t->port, a->timeout_us, &a->pr);
}

static void
tcp_run(const struct check *c, struct result *r)
{
	const struct tcp_conf *t = c->priv;
	struct probe_arg a = { .t = t, .timeout_us = c->timeout_us };
	char *e = NULL;

	if (t->from == NULL)
		probe(&a);
	else if (net_in_netns(t->from, probe, &a, &e) != 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		return;
	}
	struct net_probe pr = a.pr;
	/* Say where from: "open from outside" is the point of such a check. */
	if (t->from) {
		size_t n = strlen(pr.message);
		snprintf(pr.message + n, sizeof(pr.message) - n, " (from network "
		    "namespace %s)", t->from);
	}
	char *d = fmt_duration(pr.elapsed_us);
	if (t->expect_closed) {
		result_threshold(r, "closed or filtered");
		switch (pr.outcome) {
		case NET_OPEN:
			result_observed(r, "open");
			result_set(r, ST_FAIL, "port %s is OPEN (connected in %s%s%s); "
			    "expected closed or filtered", t->address, d,
			    t->from ? " from " : "", t->from ? t->from : "");
			break;
		case NET_REFUSED:
			result_observed(r, "closed");
			result_set(r, ST_PASS, "port %s is closed (connection "
			    "refused%s%s)", t->address, t->from ? " from " : "",
			    t->from ? t->from : "");
			break;
		case NET_TIMEOUT:
		case NET_UNREACHABLE:
			result_observed(r, "filtered");
			result_set(r, ST_PASS, "port %s is filtered (%s)",
			    t->address, pr.message);
			break;
		case NET_ERROR:
			result_observed(r, "error");
			result_set(r, ST_FAIL, "%s", pr.message);
			break;
		}
		free(d);
		return;
	}
	if (pr.outcome != NET_OPEN) {
		result_observed(r, "%s", pr.outcome == NET_REFUSED ? "refused" :
		    pr.outcome == NET_TIMEOUT ? "timeout" : "error");
		result_set(r, ST_FAIL, "%s", pr.message);
		free(d);
		return;
	}
	r->has_value = true;
	r->value = pr.elapsed_us / 1e6;
	result_observed(r, "%s", d);
	if (t->latency.set) {
		char *th = tiers_describe(&t->latency);
		enum status st = tiers_judge(&t->latency, pr.elapsed_us);
		result_threshold(r, "%s", th);
		result_set(r, st, "connected to %s in %s%s%s%s", t->address, d,
		    t->from ? " from " : "", t->from ? t->from : "",
		    st == ST_FAIL ? " (at or past crit)" : st == ST_WARN ?
		    " (at or past warn)" : "");
		free(th);
	} else {
		result_set(r, ST_PASS, "connected to %s in %s%s%s", t->address, d,
		    t->from ? " from " : "", t->from ? t->from : "");
	}
	free(d);
}

static void
tcp_free(void *p)
{
	struct tcp_conf *t = p;

	free(t->host);
	free(t->port);
	free(t->address);
	free(t->from);
	free(t);
}

const struct check_kind check_tcp = {
	.name = "tcp",
	.summary = "connect to host:port; latency tiers; expect: closed; from: "
	    "NETNS",
	.keys = keys,
	.parse = tcp_parse,
	.run = tcp_run,
	.free = tcp_free,
	.value = "seconds the connect took",
};
