/*
 * tcp.c - kind `tcp`: connect to host:port, judge the connect latency
 * against tiers; with `expect: closed`, pass only when the port refuses
 * or does not answer (the seeds' "nmap should show filtered or closed").
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/net.h"
#include "../lib/xmalloc.h"

struct tcp_conf {
	char		*host;
	char		*port;
	char		*address;	/* as written, for messages */
	bool		 expect_closed;
	struct tiers	 latency;
};

static const char *const keys[] = { "address", "expect", "latency", NULL };

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
	if (t->expect_closed && t->latency.set) {
		pn_error(cx, pn_get(cx, map, "latency"), "'latency' makes no sense "
		    "with 'expect: closed'");
		rc = -1;
	}
	return t->address ? rc : -1;
}

static void
tcp_run(const struct check *c, struct result *r)
{
	const struct tcp_conf *t = c->priv;
	struct net_probe pr;

	net_tcp_probe(t->host, t->port, c->timeout_us, &pr);
	char *d = fmt_duration(pr.elapsed_us);
	if (t->expect_closed) {
		result_threshold(r, "closed or filtered");
		switch (pr.outcome) {
		case NET_OPEN:
			result_observed(r, "open");
			result_set(r, ST_FAIL, "port %s is OPEN (connected in %s); "
			    "expected closed or filtered", t->address, d);
			break;
		case NET_REFUSED:
			result_observed(r, "closed");
			result_set(r, ST_PASS, "port %s is closed (connection "
			    "refused)", t->address);
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
		result_set(r, st, "connected to %s in %s%s", t->address, d,
		    st == ST_FAIL ? " (at or past crit)" : st == ST_WARN ?
		    " (at or past warn)" : "");
		free(th);
	} else {
		result_set(r, ST_PASS, "connected to %s in %s", t->address, d);
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
	free(t);
}

const struct check_kind check_tcp = {
	.name = "tcp",
	.summary = "connect to host:port; latency tiers; expect: closed",
	.keys = keys,
	.parse = tcp_parse,
	.run = tcp_run,
	.free = tcp_free,
};
