/*
 * dns.c - kind `dns`: resolve a name with given resolvers (or the
 * system's) and judge the answer: the records expected, the TTL at most
 * D (lowered before a move), the same answer from every resolver
 * (propagation).
 *
 *   { kind: dns, name: api.example.com, type: A,
 *     resolvers: [127.0.0.1:5353, "[::1]:53"],
 *     expect: [192.0.2.10], max_ttl: 5m, same_answer: true }
 *
 * Over ldns (libldns, NLnet Labs): every record of the answer carries its
 * TTL (c-ares 1.18 hands out TTLs for A and AAAA only, so MX, TXT and
 * CNAME would have needed a parser of our own), every record type is
 * known, and one resolver object per server puts each query exactly
 * where the plan says, port included.  The answer is decoded by ldns;
 * this file only reads the decoded records.
 *
 * The answers compared are those of the asked type (an A query through a
 * CNAME judges the A records); max_ttl holds for every record of the
 * answer, the CNAME on the way included: a cache keeps either that long.
 * Sets compare: order is the server's choice (round robin), never a
 * difference.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <ldns/ldns.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/lazy_ldns.h"
#include "../lib/net.h"
#include "../lib/units.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"

/* A TXT answer longer than this is cut in messages (and in compares). */
#define TXT_MAX		1024
/* Answers shown per resolver; past it "... (N more)". */
#define SHOW_MAX	8

struct resolver {
	char		*text;		/* as written */
	char		*host;
	uint16_t	 port;
	bool		 v6;
};

struct dns_conf {
	char		*name;		/* absolute: ends with a dot */
	char		*shown;		/* as written */
	ldns_rr_type	 type;
	const char	*type_name;
	struct resolver	*res;
	size_t		 nres;		/* 0: the system's (/etc/resolv.conf) */
	struct strlist	 expect;	/* normalised, sorted */
	bool		 has_expect;
	int64_t		 max_ttl_us;	/* -1: none */
	bool		 same_answer;
};

static const char *const keys[] = { "name", "type", "resolvers", "expect",
	"max_ttl", "same_answer", NULL };

static const struct { const char *name; ldns_rr_type t; } types[] = {
	{ "A", LDNS_RR_TYPE_A }, { "AAAA", LDNS_RR_TYPE_AAAA },
	{ "CNAME", LDNS_RR_TYPE_CNAME }, { "MX", LDNS_RR_TYPE_MX },
	{ "TXT", LDNS_RR_TYPE_TXT },
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
sort_list(struct strlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(l->v[0]), cmp_str);
}

/* A host name as compared: lower case, no final dot. */
static char *
norm_host(const char *s)
{
	char *h = xstrdup(s);
	size_t n = strlen(h);

	while (n > 1 && h[n - 1] == '.')
		h[--n] = '\0';
	for (char *p = h; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return h;
}

/*
 * An expected answer written by the user, in the form answers are shown
 * in: addresses as inet_ntop prints them, names lower case without the
 * final dot, MX as "PREFERENCE HOST".  NULL with *why when it cannot be
 * one of this type.
 */
static char *
norm_expect(ldns_rr_type t, const char *s, const char **why)
{
	unsigned char a[16];
	char out[INET6_ADDRSTRLEN];

	switch (t) {
	case LDNS_RR_TYPE_A:
		if (inet_pton(AF_INET, s, a) != 1)
			return *why = "an IPv4 address", NULL;
		return xstrdup(inet_ntop(AF_INET, a, out, sizeof(out)));
	case LDNS_RR_TYPE_AAAA:
		if (inet_pton(AF_INET6, s, a) != 1)
			return *why = "an IPv6 address", NULL;
		return xstrdup(inet_ntop(AF_INET6, a, out, sizeof(out)));
	case LDNS_RR_TYPE_CNAME: {
		ldns_rdf *d = NULL;
		if (ldns_str2rdf_dname(&d, s) != LDNS_STATUS_OK)
			return *why = "a host name", NULL;
		ldns_rdf_deep_free(d);
		return norm_host(s);
	}
	case LDNS_RR_TYPE_MX: {
		char *end;
		long pref = strtol(s, &end, 10);
		if (end == s || pref < 0 || pref > 65535 ||
		    !isspace((unsigned char)*end))
			return *why = "\"PREFERENCE HOST\", like \"10 mail."
			    "example.com\"", NULL;
		while (isspace((unsigned char)*end))
			end++;
		ldns_rdf *d = NULL;
		if (*end == '\0' || ldns_str2rdf_dname(&d, end) !=
		    LDNS_STATUS_OK)
			return *why = "\"PREFERENCE HOST\", like \"10 mail."
			    "example.com\"", NULL;
		ldns_rdf_deep_free(d);
		char *h = norm_host(end);
		char *r = xasprintf("%ld %s", pref, h);
		free(h);
		return r;
	}
	default:
		if (strlen(s) > TXT_MAX)
			return *why = "at most 1024 bytes", NULL;
		return xstrdup(s);
	}
}

/* "127.0.0.1:5353", "127.0.0.1", "[::1]:53", "::1"; 0 or -1 with *errp. */
static int
parse_resolver(const char *s, struct resolver *r, char **errp)
{
	char *host = NULL, *port = NULL;
	long long p = 53;

	memset(r, 0, sizeof(*r));
	if (net_is_ip(s)) {
		host = xstrdup(s);
	} else if (net_split_hostport(s, &host, &port, errp) != 0) {
		return -1;
	} else if (parse_int(port, 1, 65535, &p, errp) != 0) {
		free(host);
		free(port);
		return -1;
	}
	free(port);
	if (!net_is_ip(host)) {
		free(host);
		return seterr(errp, "a resolver is an IP address with an "
		    "optional port, like 127.0.0.1:5353 or [::1]:53 (got '%s')",
		    s);
	}
	r->text = xstrdup(s);
	r->host = host;
	r->port = (uint16_t)p;
	r->v6 = strchr(host, ':') != NULL;
	return 0;
}

/*
 * A scalar or a sequence of scalars, each with its node (for an error at
 * the item).  0, or -1 with the errors reported.
 */
static int
items(struct pctx *cx, yaml_node_t *n, const char *key, struct strlist *out,
    yaml_node_t ***nodes)
{
	size_t k = pn_is_seq(n) ? pn_seq_len(n) : 1;
	int rc = 0;

	*nodes = xcalloc(k, sizeof(**nodes));
	if (n == NULL)
		return 0;
	if (!pn_is_seq(n)) {
		char *v = pn_str(cx, n, key);
		if (v == NULL)
			return -1;
		(*nodes)[0] = n;
		strlist_push_owned(out, v);
		return 0;
	}
	for (size_t i = 0; i < k; i++) {
		yaml_node_t *it = pn_seq_item(cx, n, i);
		char *v = pn_str(cx, it, key);
		if (v == NULL) {
			rc = -1;
			continue;
		}
		(*nodes)[out->n] = it;
		strlist_push_owned(out, v);
	}
	return rc;
}

static int
dns_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct dns_conf *d = xcalloc(1, sizeof(*d));
	char *e = NULL;
	int rc = 0;

	c->priv = d;
	d->max_ttl_us = -1;
	d->shown = pn_req_str(cx, map, "name");
	if (d->shown) {
		ldns_rdf *n = NULL;
		size_t l = strlen(d->shown);
		d->name = l && d->shown[l - 1] == '.' ? xstrdup(d->shown) :
		    xasprintf("%s.", d->shown);
		if (l == 0 || ldns_str2rdf_dname(&n, d->name) != LDNS_STATUS_OK) {
			pn_error(cx, pn_get(cx, map, "name"), "'name': not a "
			    "domain name: '%s'", d->shown);
			rc = -1;
		}
		ldns_rdf_deep_free(n);
	}
	d->type = LDNS_RR_TYPE_A;
	d->type_name = "A";
	yaml_node_t *tn = pn_get(cx, map, "type");
	char *ts = pn_str(cx, tn, "type");
	if (ts) {
		size_t i;
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(ts, types[i].name) == 0)
				break;
		if (i == sizeof(types) / sizeof(types[0])) {
			pn_error(cx, tn, "'type' must be A, AAAA, CNAME, MX or "
			    "TXT (got '%s')", ts);
			rc = -1;
		} else {
			d->type = types[i].t;
			d->type_name = types[i].name;
		}
		free(ts);
	} else if (tn) {
		rc = -1;
	}
	yaml_node_t *rn = pn_get(cx, map, "resolvers");
	struct strlist rl = STRLIST_INIT;
	yaml_node_t **rnodes, **enodes;
	rc |= items(cx, rn, "resolvers", &rl, &rnodes);
	if (rn && pn_is_seq(rn) && pn_seq_len(rn) == 0) {
		pn_error(cx, rn, "'resolvers' is empty (leave it out to use the "
		    "system's resolver)");
		rc = -1;
	}
	d->res = xcalloc(rl.n ? rl.n : 1, sizeof(*d->res));
	for (size_t i = 0; i < rl.n; i++) {
		if (parse_resolver(rl.v[i], &d->res[d->nres], &e) != 0) {
			pn_error(cx, rnodes[i], "'resolvers': %s", e);
			free(e);
			e = NULL;
			rc = -1;
		} else {
			d->nres++;
		}
	}
	strlist_release(&rl);
	free(rnodes);
	yaml_node_t *en = pn_get(cx, map, "expect");
	struct strlist el = STRLIST_INIT;
	rc |= items(cx, en, "expect", &el, &enodes);
	if (en && pn_is_seq(en) && pn_seq_len(en) == 0) {
		pn_error(cx, en, "'expect' is empty");
		rc = -1;
	}
	for (size_t i = 0; i < el.n; i++) {
		const char *why = NULL;
		char *v = norm_expect(d->type, el.v[i], &why);
		if (v == NULL) {
			pn_error(cx, enodes[i], "'expect': '%s' is not %s (type %s)",
			    el.v[i], why, d->type_name);
			rc = -1;
		} else if (strlist_has(&d->expect, v)) {
			free(v);	/* a set: written twice is once */
		} else {
			strlist_push_owned(&d->expect, v);
		}
	}
	d->has_expect = el.n > 0;
	strlist_release(&el);
	free(enodes);
	sort_list(&d->expect);
	rc |= pn_duration(cx, pn_get(cx, map, "max_ttl"), "max_ttl",
	    &d->max_ttl_us);
	yaml_node_t *sn = pn_get(cx, map, "same_answer");
	rc |= pn_bool(cx, sn, "same_answer", &d->same_answer);
	if (d->same_answer && rn && d->nres < 2 && rc == 0) {
		pn_error(cx, sn, "'same_answer' compares the answers of several "
		    "resolvers: list at least two in 'resolvers'");
		rc = -1;
	} else if (d->same_answer && !rn) {
		pn_error(cx, sn, "'same_answer' compares the answers of the "
		    "resolvers listed in 'resolvers', which is missing");
		rc = -1;
	}
	return d->shown ? rc : -1;
}

/* One resolver's answer. */
struct answer {
	const char	*who;		/* the resolver as written, or "system" */
	char		*error;		/* no usable answer: why */
	struct strlist	 rrs;		/* of the asked type, normalised, sorted */
	uint32_t	 max_ttl;	/* over every record of the answer */
	bool		 any_ttl;
};

/* A TXT record's strings, concatenated (as SPF and DKIM read them). */
static char *
txt_text(const ldns_rr *rr)
{
	struct buf b;

	buf_init(&b, TXT_MAX + 4);
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		const uint8_t *p = ldns_rdf_data(f);
		size_t n = ldns_rdf_size(f);
		/* A character-string: one length byte, then the bytes. */
		if (ldns_rdf_get_type(f) != LDNS_RDF_TYPE_STR || n == 0)
			continue;
		size_t l = p[0] < n - 1 ? p[0] : n - 1;
		for (size_t j = 0; j < l && b.len < TXT_MAX; j++) {
			unsigned char ch = p[1 + j];
			/* No control bytes in a one-line message. */
			if (ch < 0x20 || ch == 0x7f)
				buf_addf(&b, "\\%03u", ch);
			else
				buf_addc(&b, (char)ch);
		}
	}
	return buf_detach(&b);
}

/* The record in its compared form, or NULL when it is not well formed. */
static char *
rr_text(const ldns_rr *rr)
{
	const ldns_rdf *f = ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, 0) : NULL;
	char out[INET6_ADDRSTRLEN];

	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_A:
		if (f == NULL || ldns_rdf_size(f) != 4)
			return NULL;
		return xstrdup(inet_ntop(AF_INET, ldns_rdf_data(f), out,
		    sizeof(out)));
	case LDNS_RR_TYPE_AAAA:
		if (f == NULL || ldns_rdf_size(f) != 16)
			return NULL;
		return xstrdup(inet_ntop(AF_INET6, ldns_rdf_data(f), out,
		    sizeof(out)));
	case LDNS_RR_TYPE_CNAME: {
		if (f == NULL || ldns_rdf_get_type(f) != LDNS_RDF_TYPE_DNAME)
			return NULL;
		char *s = ldns_rdf2str(f);
		if (s == NULL)
			return NULL;
		char *h = norm_host(s);
		free(s);
		return h;
	}
	case LDNS_RR_TYPE_MX: {
		if (ldns_rr_rd_count(rr) != 2 ||
		    ldns_rdf_get_type(f) != LDNS_RDF_TYPE_INT16 ||
		    ldns_rdf_get_type(ldns_rr_rdf(rr, 1)) != LDNS_RDF_TYPE_DNAME)
			return NULL;
		char *s = ldns_rdf2str(ldns_rr_rdf(rr, 1));
		if (s == NULL)
			return NULL;
		char *h = norm_host(s);
		char *r = xasprintf("%u %s", (unsigned)ldns_rdf2native_int16(f),
		    h);
		free(h);
		free(s);
		return r;
	}
	case LDNS_RR_TYPE_TXT:
		return txt_text(rr);
	default:
		return NULL;
	}
}

/*
 * Read a decoded answer into a: NXDOMAIN and other failures as the error,
 * the records of type t.  Exposed for the fuzzer (dns_answer_read).
 */
static void
read_pkt(const ldns_pkt *p, ldns_rr_type t, const char *type_name,
    const char *name, struct answer *a)
{
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(p);
	const ldns_rr_list *l = ldns_pkt_answer(p);

	if (rc == LDNS_RCODE_NXDOMAIN) {
		a->error = xasprintf("%s does not exist (NXDOMAIN from %s)",
		    name, a->who);
		return;
	}
	if (rc != LDNS_RCODE_NOERROR) {
		ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, rc);
		a->error = xasprintf("%s answered %s", a->who, lt ? lt->name :
		    "an unknown error code");
		return;
	}
	if (ldns_pkt_tc(p)) {
		a->error = xasprintf("the answer from %s was truncated, even "
		    "over TCP", a->who);
		return;
	}
	size_t bad = 0;
	for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		if (!a->any_ttl || ldns_rr_ttl(rr) > a->max_ttl)
			a->max_ttl = ldns_rr_ttl(rr);
		a->any_ttl = true;
		if (ldns_rr_get_type(rr) != t)
			continue;
		char *s = rr_text(rr);
		if (s == NULL)
			bad++;
		else if (strlist_has(&a->rrs, s))
			free(s);
		else
			strlist_push_owned(&a->rrs, s);
	}
	sort_list(&a->rrs);
	if (bad) {
		a->error = xasprintf("malformed %s record in the answer from "
		    "%s", type_name, a->who);
		return;
	}
	if (a->rrs.n == 0)
		a->error = xasprintf("%s has no %s record (the name exists; "
		    "answer from %s)", name, type_name, a->who);
}

/* For tests/fuzz/fuzz_dns.c: wire bytes -> records; never crashes. */
int dns_answer_read(const unsigned char *wire, size_t n, int type,
    char **out);

int
dns_answer_read(const unsigned char *wire, size_t n, int type, char **out)
{
	ldns_pkt *p = NULL;
	struct answer a = { .who = "server" };

	*out = NULL;
	if (ldns_wire2pkt(&p, wire, n) != LDNS_STATUS_OK)
		return -1;
	read_pkt(p, (ldns_rr_type)type, "X", "name", &a);
	ldns_pkt_free(p);
	*out = a.error ? a.error : strlist_join(&a.rrs, ", ");
	strlist_release(&a.rrs);
	return 0;
}

/* ldns's verdicts on the bytes of an answer that came back. */
static bool
wire_error(ldns_status st)
{
	switch (st) {
	case LDNS_STATUS_LABEL_OVERFLOW:
	case LDNS_STATUS_DOMAINNAME_OVERFLOW:
	case LDNS_STATUS_DOMAINNAME_UNDERFLOW:
	case LDNS_STATUS_PACKET_OVERFLOW:
	case LDNS_STATUS_INVALID_POINTER:
	case LDNS_STATUS_WIRE_INCOMPLETE_HEADER:
	case LDNS_STATUS_WIRE_INCOMPLETE_QUESTION:
	case LDNS_STATUS_WIRE_INCOMPLETE_ANSWER:
	case LDNS_STATUS_WIRE_INCOMPLETE_AUTHORITY:
	case LDNS_STATUS_WIRE_INCOMPLETE_ADDITIONAL:
	case LDNS_STATUS_WIRE_RDATA_ERR:
	case LDNS_STATUS_RDATA_OVERFLOW:
		return true;
	default:
		return false;
	}
}

static void
set_timeout(ldns_resolver *r, int64_t us)
{
	struct timeval tv;

	if (us < 1000)
		us = 1000;
	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	ldns_resolver_set_timeout(r, tv);
	/* One attempt per server: the deadline is the check's. */
	ldns_resolver_set_retry(r, 1);
	ldns_resolver_set_retrans(r, (uint8_t)(tv.tv_sec ? tv.tv_sec : 1));
}

/* Ask one resolver (or the system's, r == NULL) within us. */
static void
ask(const struct dns_conf *d, const struct resolver *rs, int64_t us,
    struct answer *a)
{
	ldns_resolver *r = NULL;
	ldns_rdf *name = NULL;
	ldns_pkt *p = NULL;
	ldns_status st;

	if (rs == NULL) {
		a->who = "the system's resolver";
		st = ldns_resolver_new_frm_file(&r, NULL);
		if (st != LDNS_STATUS_OK) {
			a->error = xasprintf("cannot use the system's resolver "
			    "(/etc/resolv.conf): %s", ldns_get_errorstr_by_id(st));
			return;
		}
		if (ldns_resolver_nameserver_count(r) == 0) {
			a->error = xstrdup("/etc/resolv.conf names no "
			    "nameserver");
			goto out;
		}
	} else {
		a->who = rs->text;
		r = ldns_resolver_new();
		ldns_rdf *ns = ldns_rdf_new_frm_str(rs->v6 ?
		    LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, rs->host);
		if (ns == NULL || ldns_resolver_push_nameserver(r, ns) !=
		    LDNS_STATUS_OK) {
			ldns_rdf_deep_free(ns);
			a->error = xasprintf("bad resolver address %s", rs->host);
			goto out;
		}
		ldns_rdf_deep_free(ns);		/* pushed as a copy */
		ldns_resolver_set_port(r, rs->port);
	}
	/* The system's nameservers are asked in turn: share the time. */
	set_timeout(r, us / (int64_t)(ldns_resolver_nameserver_count(r) ?
	    ldns_resolver_nameserver_count(r) : 1));
	ldns_resolver_set_random(r, false);
	ldns_resolver_set_recursive(r, true);
	ldns_resolver_set_dnssec(r, false);
	/* A truncated UDP answer is asked again over TCP. */
	ldns_resolver_set_fallback(r, true);
	if (ldns_str2rdf_dname(&name, d->name) != LDNS_STATUS_OK) {
		a->error = xasprintf("not a domain name: %s", d->shown);
		goto out;
	}
	int64_t t0 = now_mono_us();
	st = ldns_resolver_send(&p, r, name, d->type, LDNS_RR_CLASS_IN,
	    LDNS_RD);
	if (st != LDNS_STATUS_OK || p == NULL) {
		char *w = fmt_duration(now_mono_us() - t0);
		/*
		 * A UDP server that is absent says nothing (ldns's sockets
		 * are not connected, so no refusal comes back): no answer
		 * within the time is all there is to tell.
		 */
		if (st == LDNS_STATUS_NETWORK_ERR || st == LDNS_STATUS_OK)
			a->error = xasprintf("no answer from %s within %s (no "
			    "DNS server there, or it does not answer)", a->who, w);
		else if (wire_error(st))
			a->error = xasprintf("malformed answer from %s: %s",
			    a->who, ldns_get_errorstr_by_id(st));
		else
			a->error = xasprintf("no answer from %s: %s", a->who,
			    ldns_get_errorstr_by_id(st));
		free(w);
		goto out;
	}
	read_pkt(p, d->type, d->type_name, d->shown, a);
out:
	ldns_pkt_free(p);
	ldns_rdf_deep_free(name);
	ldns_resolver_deep_free(r);
}

/* "a, b, c" or "a, b, ... (3 more)" */
static char *
show(const struct strlist *l)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < l->n && i < SHOW_MAX; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", l->v[i]);
	if (l->n > SHOW_MAX)
		buf_addf(&b, ", ... (%zu more)", l->n - SHOW_MAX);
	if (b.s == NULL)
		buf_adds(&b, "");
	return buf_detach(&b);
}

static bool
same_set(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* What differs from the expected set: "missing X; unexpected Y". */
static char *
expect_diff(const struct strlist *want, const struct strlist *got)
{
	struct strlist miss = STRLIST_INIT, extra = STRLIST_INIT;
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < want->n; i++)
		if (!strlist_has(got, want->v[i]))
			strlist_push(&miss, want->v[i]);
	for (size_t i = 0; i < got->n; i++)
		if (!strlist_has(want, got->v[i]))
			strlist_push(&extra, got->v[i]);
	char *m = show(&miss), *x = show(&extra);
	if (miss.n)
		buf_addf(&b, "%s missing", m);
	if (extra.n)
		buf_addf(&b, "%s%s not expected", b.len ? "; " : "", x);
	free(m);
	free(x);
	strlist_release(&miss);
	strlist_release(&extra);
	return buf_detach(&b);
}

static void
dns_run(const struct check *c, struct result *r)
{
	const struct dns_conf *d = c->priv;
	size_t n = d->nres ? d->nres : 1;
	struct answer *a = xcalloc(n, sizeof(*a));
	struct buf obs = BUF_INIT, thr = BUF_INIT, det = BUF_INIT;
	char *fail = NULL;
	int64_t deadline = now_mono_us() + c->timeout_us;

	/* Ask in turn; each gets an equal share of what is left. */
	for (size_t i = 0; i < n; i++) {
		int64_t left = deadline - now_mono_us();
		ask(d, d->nres ? &d->res[i] : NULL, left / (int64_t)(n - i),
		    &a[i]);
	}
	buf_addf(&thr, "%s %s", d->shown, d->type_name);
	if (d->has_expect) {
		char *w = show(&d->expect);
		buf_addf(&thr, " = %s", w);
		free(w);
	}
	if (d->max_ttl_us >= 0) {
		char *t = fmt_duration(d->max_ttl_us);
		buf_addf(&thr, ", TTL <= %s", t);
		free(t);
	}
	if (d->same_answer)
		buf_addf(&thr, ", same answer from %zu resolvers", n);
	for (size_t i = 0; i < n; i++) {
		char *got = show(&a[i].rrs);
		char *ttl = fmt_duration((int64_t)a[i].max_ttl * US_PER_S);
		char *m = NULL;

		if (a[i].error)
			m = xstrdup(a[i].error);
		else if (d->has_expect && !same_set(&d->expect, &a[i].rrs)) {
			char *x = expect_diff(&d->expect, &a[i].rrs);
			m = xasprintf("%s answered %s %s: %s", a[i].who,
			    d->type_name, got, x);
			free(x);
		} else if (d->max_ttl_us >= 0 &&
		    (int64_t)a[i].max_ttl * US_PER_S > d->max_ttl_us) {
			char *lim = fmt_duration(d->max_ttl_us);
			m = xasprintf("%s answered with TTL %s, longer than "
			    "max_ttl %s: caches may keep the old answer that "
			    "long", a[i].who, ttl, lim);
			free(lim);
		}
		if (n > 1)
			buf_addf(&obs, "%s%s: ", i ? "; " : "", a[i].who);
		if (a[i].error)
			buf_adds(&obs, "error");
		else
			buf_addf(&obs, "%s (TTL %s)", got, ttl);
		buf_addf(&det, "%s%s: %s%s%s", i ? "\n" : "", a[i].who,
		    m ? "FAIL: " : "", m ? m : got, m ? "" : " (TTL ");
		if (m == NULL)
			buf_addf(&det, "%s)", ttl);
		if (m && fail == NULL)
			fail = m;
		else
			free(m);
		free(got);
		free(ttl);
	}
	/* Propagation: compared only between resolvers that answered. */
	if (d->same_answer && fail == NULL) {
		for (size_t i = 1; i < n && fail == NULL; i++) {
			if (same_set(&a[0].rrs, &a[i].rrs))
				continue;
			char *x = show(&a[0].rrs), *y = show(&a[i].rrs);
			fail = xasprintf("resolvers disagree (not propagated "
			    "yet?): %s answered %s, %s answered %s", a[0].who,
			    x, a[i].who, y);
			free(x);
			free(y);
		}
	}
	result_observed(r, "%s", obs.s ? obs.s : "");
	result_threshold(r, "%s", thr.s);
	if (n > 1)
		result_detail(r, "%s", det.s);
	if (fail) {
		result_set(r, ST_FAIL, "%s", fail);
	} else {
		char *got = show(&a[0].rrs);
		char *ttl = fmt_duration((int64_t)a[0].max_ttl * US_PER_S);
		if (n > 1)
			result_set(r, ST_PASS, "%s %s is %s on all %zu "
			    "resolvers (TTL up to %s)", d->shown, d->type_name,
			    got, n, ttl);
		else
			result_set(r, ST_PASS, "%s %s is %s (TTL %s, from %s)",
			    d->shown, d->type_name, got, ttl, a[0].who);
		free(got);
		free(ttl);
	}
	for (size_t i = 0; i < n; i++) {
		free(a[i].error);
		strlist_release(&a[i].rrs);
	}
	free(a);
	free(fail);
	buf_release(&obs);
	buf_release(&thr);
	buf_release(&det);
}

static void
dns_free(void *p)
{
	struct dns_conf *d = p;

	free(d->name);
	free(d->shown);
	for (size_t i = 0; i < d->nres; i++) {
		free(d->res[i].text);
		free(d->res[i].host);
	}
	free(d->res);
	strlist_release(&d->expect);
	free(d);
}

const struct check_kind check_dns = {
	.name = "dns",
	.summary = "a name's A/AAAA/CNAME/MX/TXT answer, its TTL, the same on "
	    "every resolver",
	.keys = keys,
	.parse = dns_parse,
	.run = dns_run,
	.free = dns_free,
};
