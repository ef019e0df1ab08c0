/*
 * iface.c - kind `iface`: a network interface of this host, from
 * getifaddrs(3) (netlink: what `ip addr` prints), never from parsing `ip`'s
 * text.  The seeds' "ip addr show: look for an interface with a
 * 192.168.0.x address" (a VPS attached to its private network):
 *
 *   { kind: iface, address: 192.168.0.0/24 }             some interface
 *   { kind: iface, interface: eth1, address: 192.168.0.0/24 }
 *   { kind: iface, interface: wg0 }                     present and up
 *
 * The interface must exist, be up (IFF_UP) and have a carrier
 * (IFF_RUNNING: `ip` prints LOWER_UP); with `address`, it must hold an
 * address inside that network (a CIDR, or one address).  Without
 * `interface`, any interface holding such an address will do, and the
 * message names it.  Like every kind it runs where `on:` says.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/net.h"
#include "../lib/xmalloc.h"

/* The detail lists at most this many interfaces (a router has thousands). */
#define IFACE_DETAIL_MAX 64

struct iface_conf {
	char		*name;		/* interface, or NULL: any */
	char		*cidr;		/* as written, or NULL */
	unsigned char	 net[16];	/* normalised as net_addr_parse does */
	unsigned	 bits;		/* prefix length over those 16 bytes */
};

static const char *const keys[] = { "interface", "address", NULL };

static const unsigned char v4pre[12] = { [10] = 0xff, [11] = 0xff };

/* Does a (16 bytes) lie in net/bits? */
static bool
in_net(const unsigned char *a, const unsigned char *net, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, net, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char m = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & m) == (net[whole] & m);
}

/* "192.168.0.0/24", "fd00::/8" or "192.168.0.4": 0, or -1 and why. */
static int
parse_cidr(const char *s, unsigned char net[16], unsigned *bits, char **why)
{
	const char *slash = strchr(s, '/');
	char *a = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	bool v4;
	int rc = -1;

	if (net_addr_parse(a, net) != 0) {
		*why = xasprintf("'%s' is not an IP address", a);
		goto out;
	}
	v4 = memcmp(net, v4pre, 12) == 0 && strchr(a, ':') == NULL;
	*bits = 128;
	if (slash) {
		char *end = NULL;
		long n = strtol(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || n < 0 ||
		    n > (v4 ? 32 : 128)) {
			*why = xasprintf("bad prefix length '%s' (0 to %d)",
			    slash + 1, v4 ? 32 : 128);
			goto out;
		}
		*bits = (unsigned)n + (v4 ? 96 : 0);
	}
	for (unsigned i = *bits; i < 128; i++)
		if (net[i / 8] & (0x80 >> (i % 8))) {
			*why = xasprintf("'%s' has host bits set: write the "
			    "network (like 192.168.0.0/24) or one address", s);
			goto out;
		}
	rc = 0;
out:
	free(a);
	return rc;
}

static int
iface_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct iface_conf *k = xcalloc(1, sizeof(*k));
	yaml_node_t *nn = pn_get(cx, map, "interface");
	yaml_node_t *an = pn_get(cx, map, "address");
	int rc = 0;

	c->priv = k;
	if (nn == NULL && an == NULL) {
		pn_error(cx, map, "check '%s': give 'interface' (like eth1), "
		    "'address' (a network like 192.168.0.0/24), or both", c->id);
		return -1;
	}
	if (nn && (k->name = pn_str(cx, nn, "interface")) == NULL)
		rc = -1;
	else if (k->name && (k->name[0] == '\0' ||
	    strlen(k->name) >= IF_NAMESIZE || strchr(k->name, '/') ||
	    strpbrk(k->name, " \t\n:"))) {
		pn_error(cx, nn, "'interface' is an interface name of at most "
		    "%d characters, like eth1 (got '%s')", IF_NAMESIZE - 1,
		    k->name);
		rc = -1;
	}
	if (an && (k->cidr = pn_str(cx, an, "address")) == NULL)
		rc = -1;
	else if (k->cidr) {
		char *why = NULL;
		if (parse_cidr(k->cidr, k->net, &k->bits, &why) != 0) {
			pn_error(cx, an, "'address': %s", why);
			rc = -1;
		}
		free(why);
	}
	return rc;
}

/* One address of an interface as `ip` prints it: 192.168.0.5/24. */
static void
addr_text(const struct sockaddr *sa, const struct sockaddr *mask,
    struct buf *b)
{
	char t[INET6_ADDRSTRLEN];
	const unsigned char *m = NULL;
	size_t mlen = 0;
	unsigned bits = 0;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    t, sizeof(t));
		if (mask)
			m = (const unsigned char *)
			    &((const struct sockaddr_in *)mask)->sin_addr, mlen = 4;
	} else {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    t, sizeof(t));
		if (mask)
			m = (const unsigned char *)
			    &((const struct sockaddr_in6 *)mask)->sin6_addr,
			    mlen = 16;
	}
	for (size_t i = 0; i < mlen; i++)
		bits += (unsigned)__builtin_popcount(m[i]);
	if (m)
		buf_addf(b, "%s/%u", t, bits);
	else
		buf_adds(b, t);
}

/* An interface seen, with its addresses (entries of one getifaddrs list). */
struct seen {
	const char	*name;
	unsigned	 flags;
	struct buf	 addrs;		/* "a/n a/n" */
	struct buf	 match;		/* the ones inside the network */
};

static const char *
state_text(unsigned flags)
{
	if (!(flags & IFF_UP))
		return "down";
	if (!(flags & IFF_RUNNING))
		return "up, no carrier";
	return "up";
}

static void
iface_run(const struct check *c, struct result *r)
{
	const struct iface_conf *k = c->priv;
	struct ifaddrs *all = NULL;
	struct seen *sv = NULL;
	size_t n = 0, cap = 0;
	struct buf det = BUF_INIT, tmp = BUF_INIT;

	{
		struct buf t = BUF_INIT;
		buf_adds(&t, "up");
		if (k->cidr)
			buf_addf(&t, ", an address in %s", k->cidr);
		result_threshold(r, "%s", t.s);
		buf_release(&t);
	}
	if (getifaddrs(&all) != 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "cannot list the interfaces: %s",
		    strerror(errno));
		return;
	}
	for (struct ifaddrs *p = all; p; p = p->ifa_next) {
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(sv[i].name, p->ifa_name) == 0)
				break;
		if (i == n) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				sv = xreallocarray(sv, cap, sizeof(*sv));
			}
			memset(&sv[n], 0, sizeof(sv[n]));
			sv[n].name = p->ifa_name;
			n++;
		}
		sv[i].flags = p->ifa_flags;
		if (p->ifa_addr == NULL || (p->ifa_addr->sa_family != AF_INET &&
		    p->ifa_addr->sa_family != AF_INET6))
			continue;
		buf_reset(&tmp);
		addr_text(p->ifa_addr, p->ifa_netmask, &tmp);
		buf_addf(&sv[i].addrs, "%s%s", sv[i].addrs.len ? " " : "",
		    tmp.s);
		if (k->cidr) {
			unsigned char a[16];
			if (p->ifa_addr->sa_family == AF_INET) {
				memcpy(a, v4pre, 12);
				memcpy(a + 12, &((struct sockaddr_in *)
				    p->ifa_addr)->sin_addr, 4);
			} else
				memcpy(a, &((struct sockaddr_in6 *)
				    p->ifa_addr)->sin6_addr, 16);
			if (in_net(a, k->net, k->bits))
				buf_addf(&sv[i].match, "%s%s",
				    sv[i].match.len ? " " : "", tmp.s);
		}
	}
	for (size_t i = 0; i < n && i < IFACE_DETAIL_MAX; i++)
		buf_addf(&det, "%s %s %s\n", sv[i].name, state_text(sv[i].flags),
		    sv[i].addrs.len ? sv[i].addrs.s : "(no address)");
	if (n > IFACE_DETAIL_MAX)
		buf_addf(&det, "... and %zu more\n", n - IFACE_DETAIL_MAX);

	if (k->name) {
		struct seen *s = NULL;
		for (size_t i = 0; i < n; i++)
			if (strcmp(sv[i].name, k->name) == 0)
				s = &sv[i];
		if (s == NULL) {
			buf_reset(&tmp);
			for (size_t i = 0; i < n && i < IFACE_DETAIL_MAX; i++)
				buf_addf(&tmp, "%s%s", i ? ", " : "", sv[i].name);
			result_observed(r, "absent");
			result_set(r, ST_FAIL, "no interface '%s' (there are: %s)",
			    k->name, tmp.len ? tmp.s : "none");
		} else if ((s->flags & (IFF_UP | IFF_RUNNING)) !=
		    (IFF_UP | IFF_RUNNING)) {
			result_observed(r, "%s", state_text(s->flags));
			result_set(r, ST_FAIL, "%s is %s", s->name,
			    state_text(s->flags));
		} else if (k->cidr && s->match.len == 0) {
			result_observed(r, "no address in %s", k->cidr);
			result_set(r, ST_FAIL, "%s has no address in %s (it has: "
			    "%s)", s->name, k->cidr, s->addrs.len ? s->addrs.s :
			    "none");
		} else {
			result_observed(r, "%s", k->cidr ? s->match.s : "up");
			if (k->cidr)
				result_set(r, ST_PASS, "%s is up with %s", s->name,
				    s->match.s);
			else
				result_set(r, ST_PASS, "%s is up%s%s", s->name,
				    s->addrs.len ? " with " : "", s->addrs.len ?
				    s->addrs.s : "");
		}
		goto out;
	}
	/* Any interface: one that is up with such an address passes. */
	struct seen *up = NULL, *down = NULL;
	for (size_t i = 0; i < n; i++) {
		if (sv[i].match.len == 0)
			continue;
		if ((sv[i].flags & (IFF_UP | IFF_RUNNING)) ==
		    (IFF_UP | IFF_RUNNING)) {
			up = &sv[i];
			break;
		}
		if (down == NULL)
			down = &sv[i];
	}
	if (up) {
		result_observed(r, "%s", up->match.s);
		result_set(r, ST_PASS, "%s is up with %s", up->name, up->match.s);
	} else if (down) {
		result_observed(r, "%s", state_text(down->flags));
		result_set(r, ST_FAIL, "%s holds %s but is %s", down->name,
		    down->match.s, state_text(down->flags));
	} else {
		buf_reset(&tmp);
		for (size_t i = 0; i < n && i < IFACE_DETAIL_MAX; i++)
			if (sv[i].addrs.len)
				buf_addf(&tmp, "%s%s %s", tmp.len ? "; " : "",
				    sv[i].name, sv[i].addrs.s);
		result_observed(r, "no address in %s", k->cidr);
		result_set(r, ST_FAIL, "no interface has an address in %s "
		    "(addresses: %s)", k->cidr, tmp.len ? tmp.s : "none");
	}
out:
	/* What `ip -brief addr` would show, when it helps to see why. */
	if (r->status == ST_FAIL)
		result_detail(r, "%s", det.s);
	for (size_t i = 0; i < n; i++) {
		buf_release(&sv[i].addrs);
		buf_release(&sv[i].match);
	}
	free(sv);
	freeifaddrs(all);
	buf_release(&det);
	buf_release(&tmp);
}

static void
iface_free(void *p)
{
	struct iface_conf *k = p;

	free(k->name);
	free(k->cidr);
	free(k);
}

const struct check_kind check_iface = {
	.name = "iface",
	.summary = "a network interface up, with an address in a network "
	    "(getifaddrs)",
	.keys = keys,
	.parse = iface_parse,
	.run = iface_run,
	.free = iface_free,
};
