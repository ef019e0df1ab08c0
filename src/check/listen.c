/*
 * listen.c - kind `listen`: on this host, which addresses a TCP port is
 * bound to, read from /proc/net/tcp and /proc/net/tcp6 (the seeds'
 * `netstat -tlnp | grep 3306` "should show the private IP only").
 *
 *   { kind: listen, port: 3306, only: [10.132.0.11, 127.0.0.1] }
 *
 * Without `only`, the check passes when anything listens on the port.
 * With it, every listening address must be in the list; a wildcard bind
 * (0.0.0.0 or ::) is "every address" and passes only when the list says
 * 0.0.0.0 or ::.  `absent: true` inverts the check: nothing may listen.
 * `from: NETNS` reads the sockets of that network namespace (what "this
 * host" is in a namespace-simulated topology): the file is read from a
 * thread that entered the namespace, through /proc/thread-self/net.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/net.h"
#include "../lib/xmalloc.h"

#define LISTEN_MAX_ADDRS 64

struct listen_conf {
	long long	 port;
	struct strlist	 only;		/* as written */
	unsigned char	(*only_bin)[16];
	bool		 absent;
	char		*from;
};

static const char *const keys[] = { "port", "only", "absent", "from", NULL };

static int
listen_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct listen_conf *l = xcalloc(1, sizeof(*l));
	yaml_node_t *pn = pn_get(cx, map, "port");
	yaml_node_t *on = pn_get(cx, map, "only");
	yaml_node_t *fr = pn_get(cx, map, "from");
	int rc = 0;

	c->priv = l;
	if (pn == NULL) {
		pn_error(cx, map, "check '%s': missing 'port' (the TCP port whose "
		    "bind addresses are checked)", c->id);
		rc = -1;
	} else {
		rc |= pn_int(cx, pn, "port", 1, 65535, &l->port);
	}
	rc |= pn_strlist(cx, on, "only", &l->only);
	if (on && l->only.n == 0 && rc == 0) {
		pn_error(cx, on, "'only' is empty");
		rc = -1;
	}
	l->only_bin = xcalloc(l->only.n + 1, sizeof(*l->only_bin));
	for (size_t i = 0; i < l->only.n; i++) {
		if (net_addr_parse(l->only.v[i], l->only_bin[i]) != 0) {
			pn_error(cx, on, "'only': '%s' is not an IP address",
			    l->only.v[i]);
			rc = -1;
		}
	}
	rc |= pn_bool(cx, pn_get(cx, map, "absent"), "absent", &l->absent);
	if (l->absent && on) {
		pn_error(cx, on, "'only' makes no sense with 'absent: true'");
		rc = -1;
	}
	if (fr && (l->from = pn_str(cx, fr, "from")) == NULL)
		rc = -1;
	else if (l->from && !net_netns_name_ok(l->from)) {
		pn_error(cx, fr, "'from' must name a network namespace as `ip "
		    "netns` lists it (got '%s')", l->from);
		rc = -1;
	}
	return rc;
}

struct scan {
	unsigned	 port;
	unsigned char	 addr[LISTEN_MAX_ADDRS][16];
	size_t		 n;
	char		*err;
};

static bool
is_wildcard(const unsigned char a[16])
{
	static const unsigned char any6[16], any4[16] = { [10] = 0xff,
	    [11] = 0xff };

	return memcmp(a, any6, 16) == 0 || memcmp(a, any4, 16) == 0;
}

static void
addr_text(const unsigned char a[16], char *out, size_t n)
{
	static const unsigned char v4pre[12] = { [10] = 0xff, [11] = 0xff };

	if (memcmp(a, v4pre, 12) == 0)
		inet_ntop(AF_INET, a + 12, out, (socklen_t)n);
	else
		inet_ntop(AF_INET6, a, out, (socklen_t)n);
}

#define TCP_LISTEN 0x0A

static void
scan_file(struct scan *s, const char *path, bool v6)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (f == NULL) {
		/* No IPv6 in this kernel or namespace: nothing listens there. */
		if (v6)
			return;
		seterr_errno(&s->err, "cannot read %s", path);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned char a[16];
		unsigned port, st;
		if (net_proc_tcp_line(line, v6, a, &port, &st) != 0 ||
		    st != TCP_LISTEN || port != s->port)
			continue;
		bool dup = false;
		for (size_t i = 0; i < s->n; i++)
			dup |= memcmp(s->addr[i], a, 16) == 0;
		if (!dup && s->n < LISTEN_MAX_ADDRS)
			memcpy(s->addr[s->n++], a, 16);
	}
	fclose(f);
}

static void
scan(void *p)
{
	struct scan *s = p;

	/* thread-self: the namespace of this thread, which may have moved. */
	scan_file(s, "/proc/thread-self/net/tcp", false);
	if (s->err == NULL)
		scan_file(s, "/proc/thread-self/net/tcp6", true);
}

static void
listen_run(const struct check *c, struct result *r)
{
	const struct listen_conf *l = c->priv;
	struct scan s = { .port = (unsigned)l->port };
	struct buf got = BUF_INIT, bad = BUF_INIT;
	char *e = NULL, *only = strlist_join(&l->only, ", ");
	const char *where = l->from ? l->from : "this host";

	if (l->absent)
		result_threshold(r, "nothing listens");
	else if (l->only.n)
		result_threshold(r, "only %s", only);
	else
		result_threshold(r, "something listens");
	if (l->from == NULL)
		scan(&s);
	else if (net_in_netns(l->from, scan, &s, &e) != 0) {
		result_set(r, ST_FAIL, "%s", e);
		goto out;
	}
	if (s.err) {
		result_set(r, ST_FAIL, "%s", s.err);
		goto out;
	}
	for (size_t i = 0; i < s.n; i++) {
		char t[INET6_ADDRSTRLEN];
		addr_text(s.addr[i], t, sizeof(t));
		buf_addf(&got, "%s%s", i ? ", " : "", t);
		bool ok = false;
		for (size_t k = 0; k < l->only.n; k++)
			ok |= memcmp(s.addr[i], l->only_bin[k], 16) == 0;
		if (!ok)
			buf_addf(&bad, "%s%s%s", bad.len ? ", " : "", t,
			    is_wildcard(s.addr[i]) ? " (all addresses)" : "");
	}
	result_observed(r, "%s", s.n ? got.s : "not listening");
	if (l->absent) {
		if (s.n)
			result_set(r, ST_FAIL, "port %lld listens on %s (on %s); "
			    "expected nothing", l->port, got.s, where);
		else
			result_set(r, ST_PASS, "nothing listens on port %lld (on "
			    "%s)", l->port, where);
	} else if (s.n == 0) {
		result_set(r, ST_FAIL, "nothing listens on TCP port %lld (on %s)",
		    l->port, where);
	} else if (l->only.n && bad.len) {
		result_set(r, ST_FAIL, "port %lld is bound to %s (on %s); allowed "
		    "only %s", l->port, bad.s, where, only);
	} else {
		result_set(r, ST_PASS, "port %lld is bound to %s (on %s)",
		    l->port, got.s, where);
	}
out:
	free(e);
	free(s.err);
	free(only);
	buf_release(&got);
	buf_release(&bad);
}

static void
listen_free(void *p)
{
	struct listen_conf *l = p;

	strlist_release(&l->only);
	free(l->only_bin);
	free(l->from);
	free(l);
}

const struct check_kind check_listen = {
	.name = "listen",
	.summary = "which local addresses a TCP port is bound to (/proc/net)",
	.keys = keys,
	.parse = listen_parse,
	.run = listen_run,
	.free = listen_free,
};
