/*
 * tls.c - kind `tls`: connect, handshake, and judge the certificate the
 * server really serves (the seeds' "verify the SSL certificate covers all
 * subdomains").
 *
 *   { kind: tls, address: "10.132.0.11:443", server_name: app.example.com,
 *     hostnames: [app.example.com, ws.example.com], min_days_valid: 14 }
 *
 * Fails when the chain does not verify (system store, or only `ca_file`
 * when given), when the certificate is expired or not yet valid, when it
 * has fewer than min_days_valid days left, or when a name in `hostnames`
 * is not covered.  Names are matched against the DNS subjectAltNames per
 * RFC 6125 (net_cert_name_matches); the subject CN is used only when the
 * certificate has no DNS SAN at all, and IP addresses only against IP
 * SANs.  The handshake does not abort on a verification error: the check
 * reads the verdict afterwards, so that a bad certificate is still
 * described (subject, issuer, SANs, dates, protocol) in the result.
 * `from: NETNS` connects from inside that network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/net.h"
#include "../lib/xmalloc.h"

struct tls_conf {
	char		*address;
	char		*host, *port;
	char		*server_name;	/* SNI; NULL: see tls_run */
	struct strlist	 hostnames;	/* names the certificate must cover */
	long long	 min_days;	/* -1: not checked */
	char		*ca_file;
	char		*from;		/* network namespace, or NULL */
};

static const char *const keys[] = { "address", "server_name", "hostnames",
	"min_days_valid", "ca_file", "from", NULL };

static int
tls_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct tls_conf *t = xcalloc(1, sizeof(*t));
	yaml_node_t *hn = pn_get(cx, map, "hostnames");
	char *e = NULL;
	int rc = 0;

	c->priv = t;
	t->min_days = -1;
	t->address = pn_req_str(cx, map, "address");
	if (t->address && net_split_hostport(t->address, &t->host, &t->port,
	    &e) != 0) {
		pn_error(cx, pn_get(cx, map, "address"), "'address': %s", e);
		free(e);
		rc = -1;
	}
	t->server_name = pn_str(cx, pn_get(cx, map, "server_name"),
	    "server_name");
	if (t->server_name && (*t->server_name == '\0' ||
	    net_is_ip(t->server_name))) {
		pn_error(cx, pn_get(cx, map, "server_name"), "'server_name' must "
		    "be a DNS name (SNI carries no IP address)");
		rc = -1;
	}
	rc |= pn_strlist(cx, hn, "hostnames", &t->hostnames);
	if (hn && t->hostnames.n == 0 && rc == 0) {
		pn_error(cx, hn, "'hostnames' is empty");
		rc = -1;
	}
	rc |= pn_int(cx, pn_get(cx, map, "min_days_valid"), "min_days_valid",
	    0, 36500, &t->min_days);
	t->ca_file = pn_str(cx, pn_get(cx, map, "ca_file"), "ca_file");
	yaml_node_t *fr = pn_get(cx, map, "from");
	if (fr && (t->from = pn_str(cx, fr, "from")) == NULL)
		rc = -1;
	else if (t->from && !net_netns_name_ok(t->from)) {
		pn_error(cx, fr, "'from' must name a network namespace as `ip "
		    "netns` lists it (got '%s')", t->from);
		rc = -1;
	}
	return t->address ? rc : -1;
}

/* "Nov 22 02:00:00 2026 GMT" into a new string. */
static char *
asn1_time_text(const ASN1_TIME *tm)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out, *p;
	long n;

	ASN1_TIME_print(b, tm);
	n = BIO_get_mem_data(b, &p);
	out = xstrndup(p, n > 0 ? (size_t)n : 0);
	BIO_free(b);
	return out;
}

static char *
name_text(const X509_NAME *nm)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out, *p;
	long n;

	X509_NAME_print_ex(b, nm, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &p);
	out = xstrndup(p, n > 0 ? (size_t)n : 0);
	BIO_free(b);
	return out;
}

/* The certificate's names, collected once. */
struct certnames {
	struct strlist	 dns;		/* DNS SANs */
	struct strlist	 ips;		/* IP SANs, as text */
	char		*cn;		/* subject CN, or NULL */
};

static void
collect_names(X509 *x, struct certnames *cn)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL);

	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS) {
			const ASN1_IA5STRING *s = g->d.dNSName;
			const unsigned char *d = ASN1_STRING_get0_data(s);
			int len = ASN1_STRING_length(s);
			/* An embedded NUL is an attack, not a name. */
			if (len > 0 && memchr(d, '\0', (size_t)len) == NULL)
				strlist_push_owned(&cn->dns,
				    xstrndup((const char *)d, (size_t)len));
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *s = g->d.iPAddress;
			const unsigned char *d = ASN1_STRING_get0_data(s);
			int len = ASN1_STRING_length(s);
			char t[64];
			if (len == 4)
				inet_ntop(AF_INET, d, t, sizeof(t));
			else if (len == 16)
				inet_ntop(AF_INET6, d, t, sizeof(t));
			else
				continue;
			strlist_push(&cn->ips, t);
		}
	}
	GENERAL_NAMES_free(gens);
	char buf[256];
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, buf, sizeof(buf));
	if (n > 0 && (size_t)n < sizeof(buf) && strlen(buf) == (size_t)n)
		cn->cn = xstrdup(buf);
}

/* Does the certificate cover name?  *how says by which entry. */
static bool
covers(const struct certnames *cn, const char *name, const char **how)
{
	if (net_is_ip(name)) {
		unsigned char a[16], b[16];
		net_addr_parse(name, a);
		for (size_t i = 0; i < cn->ips.n; i++) {
			if (net_addr_parse(cn->ips.v[i], b) == 0 &&
			    memcmp(a, b, 16) == 0) {
				*how = cn->ips.v[i];
				return true;
			}
		}
		return false;
	}
	for (size_t i = 0; i < cn->dns.n; i++) {
		if (net_cert_name_matches(cn->dns.v[i], name)) {
			*how = cn->dns.v[i];
			return true;
		}
	}
	/* RFC 6125 6.4.4: the CN only when there is no DNS SAN at all. */
	if (cn->dns.n == 0 && cn->cn && net_cert_name_matches(cn->cn, name)) {
		*how = cn->cn;
		return true;
	}
	return false;
}

/*
 * Wait until the socket is ready for what SSL_connect asked for (after a
 * return of rc), at most until deadline.  0 ready, 1 deadline passed, -1
 * not a wait (a real error).  The whole handshake shares one deadline: a
 * server that trickles a byte at a time satisfies every single read, so a
 * per-read socket timeout never fired and the probe outlived its check
 * (issue 11 #6).
 */
static int
ssl_wait(SSL *ssl, int fd, int rc, int64_t deadline)
{
	int e = SSL_get_error(ssl, rc);
	struct pollfd p = { .fd = fd };

	if (e == SSL_ERROR_WANT_READ)
		p.events = POLLIN;
	else if (e == SSL_ERROR_WANT_WRITE)
		p.events = POLLOUT;
	else
		return -1;
	for (;;) {
		int64_t left = deadline - now_mono_us();
		if (left <= 0)
			return 1;
		int n = poll(&p, 1, (int)((left + 999) / 1000));
		if (n > 0)
			return 0;
		if (n == 0)
			return 1;
		if (errno != EINTR)
			return -1;
	}
}

/*
 * One client context with the system store, made once and shared by every
 * check (SSL_new takes its own reference; a context is safe to share once
 * set up).  Loading the system bundle costs ~37ms of CPU: per check, 1,000
 * concurrent tls checks spent 37s of CPU on it and timed each other out
 * (issue 11 #7).  A ca_file stays per check: it is small, and a file on a
 * hung mount must stall only its own check.
 */
static pthread_once_t sys_once = PTHREAD_ONCE_INIT;
static SSL_CTX *sys_ctx;

static void
sys_ctx_init(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return;
	/* No store at all: every chain then fails as untrusted, and says so. */
	SSL_CTX_set_default_verify_paths(ctx);
	/* Verify, but finish the handshake: the verdict is read after. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	sys_ctx = ctx;
}

/* The system store of that context, loaded once; the http kind uses it. */
struct x509_store_st *
tls_system_store(void)
{
	pthread_once(&sys_once, sys_ctx_init);
	return sys_ctx ? SSL_CTX_get_cert_store(sys_ctx) : NULL;
}

static char *
ssl_errors(void)
{
	unsigned long e = ERR_get_error();
	char b[256];

	if (e == 0)
		return xstrdup("connection closed during the handshake");
	ERR_error_string_n(e, b, sizeof(b));
	ERR_clear_error();
	return xstrdup(b);
}

static void
tls_probe(const struct check *c, struct result *r)
{
	const struct tls_conf *t = c->priv;
	int64_t t0 = now_mono_us();
	struct net_probe pr;
	struct certnames cn = { 0 };
	struct buf detail = BUF_INIT, sans = BUF_INIT, uncovered = BUF_INIT;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	bool handshaken = false;
	X509 *x = NULL;
	char *subj = NULL, *iss = NULL, *na = NULL, *nb = NULL;
	/*
	 * SNI: as written; else the host when it is a name; else, for an
	 * address, the first name the certificate must cover - what a client
	 * of that name would send to that address.
	 */
	const char *sni = t->server_name ? t->server_name :
	    !net_is_ip(t->host) ? t->host :
	    t->hostnames.n && !net_is_ip(t->hostnames.v[0]) ?
	    t->hostnames.v[0] : NULL;
	int fd;

	if (t->min_days >= 0)
		result_threshold(r, ">= %lld days left", t->min_days);
	else
		result_threshold(r, "valid, trusted, names covered");
	fd = net_tcp_connect(t->host, t->port, c->timeout_us, &pr);
	if (fd < 0) {
		result_observed(r, "%s", pr.outcome == NET_TIMEOUT ? "timeout" :
		    "error");
		result_set(r, ST_FAIL, "%s", pr.message);
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (t->ca_file) {
		ctx = SSL_CTX_new(TLS_client_method());
		if (ctx && SSL_CTX_load_verify_locations(ctx, t->ca_file,
		    NULL) != 1) {
			char *e = ssl_errors();
			result_set(r, ST_FAIL, "cannot load ca_file '%s': %s",
			    t->ca_file, e);
			free(e);
			goto out;
		}
		if (ctx)
			SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	} else {
		pthread_once(&sys_once, sys_ctx_init);
		if (sys_ctx && SSL_CTX_up_ref(sys_ctx) == 1)
			ctx = sys_ctx;
	}
	if (ctx == NULL || (ssl = SSL_new(ctx)) == NULL) {
		char *e = ssl_errors();
		result_set(r, ST_FAIL, "cannot start TLS: %s", e);
		free(e);
		goto out;
	}
	SSL_set_fd(ssl, fd);
	if (sni)
		SSL_set_tlsext_host_name(ssl, sni);
	int hs, w = 0;
	while ((hs = SSL_connect(ssl)) != 1 &&
	    (w = ssl_wait(ssl, fd, hs, t0 + c->timeout_us)) == 0)
		;
	if (hs != 1) {
		char *e = ssl_errors();
		if (w > 0) {
			char *d = fmt_duration(c->timeout_us);
			result_observed(r, "timeout");
			result_set(r, ST_FAIL, "TLS handshake with %s timed out "
			    "after %s", t->address, d);
			free(d);
		} else {
			result_observed(r, "error");
			result_set(r, ST_FAIL, "TLS handshake with %s failed: %s",
			    t->address, e);
		}
		free(e);
		goto out;
	}
	handshaken = true;
	x = SSL_get1_peer_certificate(ssl);
	if (x == NULL) {
		result_set(r, ST_FAIL, "%s sent no certificate", t->address);
		goto out;
	}
	collect_names(x, &cn);
	subj = name_text(X509_get_subject_name(x));
	iss = name_text(X509_get_issuer_name(x));
	na = asn1_time_text(X509_get0_notAfter(x));
	nb = asn1_time_text(X509_get0_notBefore(x));
	for (size_t i = 0; i < cn.dns.n; i++)
		buf_addf(&sans, "%sDNS:%s", sans.len ? ", " : "", cn.dns.v[i]);
	for (size_t i = 0; i < cn.ips.n; i++)
		buf_addf(&sans, "%sIP:%s", sans.len ? ", " : "", cn.ips.v[i]);

	int days = 0, secs = 0;
	ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x));
	int bdays = 0, bsecs = 0;
	ASN1_TIME_diff(&bdays, &bsecs, NULL, X509_get0_notBefore(x));
	bool not_yet = bdays > 0 || bsecs > 0;
	bool expired = days < 0 || secs < 0 || (days == 0 && secs == 0);
	long vr = SSL_get_verify_result(ssl);
	const char *proto = SSL_get_version(ssl);

	buf_addf(&detail, "subject: %s\nissuer: %s\nSANs: %s\nnot before: %s\n"
	    "not after: %s\ndays left: %d\nprotocol: %s\nchain: %s%s%s",
	    subj, iss, sans.len ? sans.s : "(none)", nb, na, days, proto,
	    vr == X509_V_OK ? "verified" : X509_verify_cert_error_string(vr),
	    t->ca_file ? " (against ca_file " : " (against the system store)",
	    t->ca_file ? t->ca_file : "");
	if (t->ca_file)
		buf_addc(&detail, ')');
	r->has_value = true;
	r->value = days;
	result_observed(r, "%d days left", days);

	/* Names: the listed ones, or the one we connected for. */
	struct strlist want = STRLIST_INIT;
	if (t->hostnames.n)
		for (size_t i = 0; i < t->hostnames.n; i++)
			strlist_push(&want, t->hostnames.v[i]);
	else
		strlist_push(&want, t->server_name ? t->server_name : t->host);
	size_t nbad = 0;
	for (size_t i = 0; i < want.n; i++) {
		const char *how = NULL;
		bool ok = covers(&cn, want.v[i], &how);
		buf_addf(&detail, "\n%s: %s%s", want.v[i], ok ? "covered by " :
		    "NOT covered", ok ? how : "");
		if (!ok) {
			buf_addf(&uncovered, "%s%s", nbad ? ", " : "", want.v[i]);
			nbad++;
		}
	}
	strlist_release(&want);
	result_detail(r, "%s", detail.s);

	if (not_yet)
		result_set(r, ST_FAIL, "certificate of %s is not valid yet (not "
		    "before %s)", t->address, nb);
	else if (expired)
		result_set(r, ST_FAIL, "certificate of %s EXPIRED on %s",
		    t->address, na);
	else if (vr != X509_V_OK)
		result_set(r, ST_FAIL, "certificate of %s is not trusted: %s "
		    "(subject %s, issuer %s)", t->address,
		    X509_verify_cert_error_string(vr), subj, iss);
	else if (nbad)
		result_set(r, ST_FAIL, "certificate of %s does not cover %s "
		    "(SANs: %s)", t->address, uncovered.s,
		    sans.len ? sans.s : "none");
	else if (t->min_days >= 0 && days < t->min_days)
		result_set(r, ST_FAIL, "certificate of %s expires in %d days (%s), "
		    "fewer than %lld", t->address, days, na, t->min_days);
	else
		result_set(r, ST_PASS, "%s: %d days left (until %s), %s, %s",
		    t->address, days, na, sans.len ? sans.s : subj, proto);
out:
	X509_free(x);
	if (ssl) {
		/* Non-blocking: sends close_notify, waits for nothing. */
		if (handshaken)
			SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	SSL_CTX_free(ctx);
	close(fd);
	strlist_release(&cn.dns);
	strlist_release(&cn.ips);
	free(cn.cn);
	free(subj);
	free(iss);
	free(na);
	free(nb);
	buf_release(&detail);
	buf_release(&sans);
	buf_release(&uncovered);
	ERR_clear_error();
}

/* With `from`, the whole probe runs in that namespace. */
static void
tls_run(const struct check *c, struct result *r)
{
	check_probe_from(((const struct tls_conf *)c->priv)->from, tls_probe, c, r);
}

static void
tls_free(void *p)
{
	struct tls_conf *t = p;

	free(t->address);
	free(t->host);
	free(t->port);
	free(t->server_name);
	strlist_release(&t->hostnames);
	free(t->ca_file);
	free(t->from);
	free(t);
}

const struct check_kind check_tls = {
	.name = "tls",
	.summary = "certificate served: chain, validity days, names covered",
	.keys = keys,
	.parse = tls_parse,
	.run = tls_run,
	.free = tls_free,
	.value = "days the certificate is still valid",
};
