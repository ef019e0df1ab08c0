/*
 * websocket.c - kind `websocket`: the opening handshake of ws:// or wss://
 * (101 Switching Protocols, Upgrade: websocket, Connection: upgrade, and
 * the Sec-WebSocket-Accept that RFC 6455 derives from our key), then
 * optionally a text message sent and a reply matching a regex awaited.
 *
 * Debian 12's libcurl (7.88) is built without WebSocket support
 * (`curl-config --protocols` has no WS), so the handshake is written
 * here over lib/net.h and OpenSSL, with the protocol pieces in lib/ws.c
 * (fuzzed).  One deadline covers connect, TLS, handshake and the reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/net.h"
#include "../lib/ws.h"
#include "../lib/xmalloc.h"

#define WS_MSG_MAX	(1024 * 1024)	/* a reply message is read this far */
#define WS_IN_MAX	(WS_MSG_MAX + 64 * 1024)

struct ws_conf {
	char		*url;
	bool		 tls;
	char		*host, *port, *path;	/* path with its query */
	struct strlist	 headers;
	char		*send;
	char		*expect_src;
	pcre2_code	*expect;
	bool		 insecure;
	char		*ca_file;
};

static const char *const keys[] = { "url", "headers", "send", "expect",
	"insecure", "ca_file", NULL };

/* ws://host[:port][/path] into host, port and path. */
static int
split_url(struct ws_conf *w, char **errp)
{
	const char *p = w->url, *rest;

	if (strncmp(p, "ws://", 5) == 0) {
		p += 5;
	} else if (strncmp(p, "wss://", 6) == 0) {
		p += 6;
		w->tls = true;
	} else {
		return seterr(errp, "'url' must start with ws:// or wss:// (got "
		    "'%s')", w->url);
	}
	rest = p + strcspn(p, "/?#");
	if (*rest == '#' || strchr(rest, '#'))
		return seterr(errp, "'url' has a fragment (#...), which a "
		    "WebSocket URL may not have (RFC 6455 3)");
	char *hp = xstrndup(p, (size_t)(rest - p));
	if (strchr(hp, '@')) {
		free(hp);
		return seterr(errp, "'url' must not hold credentials; send them "
		    "in 'headers'");
	}
	const char *colon = hp[0] == '[' ? strstr(hp, "]:") : strrchr(hp, ':');
	if (hp[0] == '[' && colon)
		colon++;
	if (colon) {
		w->port = xstrdup(colon + 1);
		w->host = xstrndup(hp, (size_t)(colon - hp));
	} else {
		w->port = xstrdup(w->tls ? "443" : "80");
		w->host = xstrdup(hp);
	}
	free(hp);
	size_t hl = strlen(w->host);
	if (hl >= 2 && w->host[0] == '[' && w->host[hl - 1] == ']') {
		memmove(w->host, w->host + 1, hl - 2);
		w->host[hl - 2] = '\0';
	}
	char *end;
	long pn = strtol(w->port, &end, 10);
	if (*w->host == '\0' || *end != '\0' || pn < 1 || pn > 65535)
		return seterr(errp, "'url' needs a host and a port from 1 to "
		    "65535 (got '%s')", w->url);
	w->path = *rest == '/' ? xstrdup(rest) : xasprintf("/%s", rest);
	return 0;
}

static int
ws_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct ws_conf *w = xcalloc(1, sizeof(*w));
	int rc = 0;
	char *e = NULL;

	c->priv = w;
	w->url = pn_req_str(cx, map, "url");
	if (w->url && split_url(w, &e) != 0) {
		pn_error(cx, pn_get(cx, map, "url"), "%s", e);
		rc = -1;
	}
	free(e);
	yaml_node_t *hn = pn_get(cx, map, "headers");
	rc |= pn_strlist(cx, hn, "headers", &w->headers);
	for (size_t i = 0; i < w->headers.n; i++) {
		const char *h = w->headers.v[i];
		size_t nl = strcspn(h, ":");
		if (h[nl] != ':' || nl == 0 || strcspn(h, " \t") < nl ||
		    strpbrk(h, "\r\n")) {
			pn_error(cx, hn, "'headers' entries look like 'Name: "
			    "value' on one line (got '%s')", h);
			rc = -1;
		}
	}
	w->send = pn_str(cx, pn_get(cx, map, "send"), "send");
	yaml_node_t *xn = pn_get(cx, map, "expect");
	w->expect_src = pn_str(cx, xn, "expect");
	if (w->expect_src) {
		int ec;
		PCRE2_SIZE eo;
		w->expect = pcre2_compile((PCRE2_SPTR)w->expect_src,
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
		    &ec, &eo, NULL);
		if (w->expect == NULL) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(ec, msg, sizeof(msg));
			pn_error(cx, xn, "'expect': bad regex: %s at offset %zu",
			    (char *)msg, (size_t)eo);
			rc = -1;
		}
	}
	rc |= pn_bool(cx, pn_get(cx, map, "insecure"), "insecure", &w->insecure);
	yaml_node_t *cn = pn_get(cx, map, "ca_file");
	w->ca_file = pn_str(cx, cn, "ca_file");
	if ((w->insecure || w->ca_file) && w->url && !w->tls) {
		pn_error(cx, cn ? cn : pn_get(cx, map, "insecure"), "'%s' is for "
		    "wss:// URLs", w->ca_file ? "ca_file" : "insecure");
		rc = -1;
	}
	return w->url ? rc : -1;
}

/* ---- a connection with one deadline ---------------------------------- */

struct conn {
	int	 fd;
	SSL	*ssl;
	int64_t	 deadline;
};

/* Wait for fd to be readable (want_write false) or writable: 0, 1 timeout. */
static int
wait_fd(struct conn *k, bool want_write)
{
	struct pollfd p = { .fd = k->fd, .events = want_write ? POLLOUT :
		POLLIN };

	for (;;) {
		int64_t left = k->deadline - now_mono_us();
		if (left <= 0 || check_stopping())
			return 1;
		int n = poll(&p, 1, (int)(left > 100000 ? 100 : (left + 999) /
		    1000));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Write all: 0, 1 on timeout, -1 on error. */
static int
conn_write(struct conn *k, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t w;
		if (k->ssl) {
			int r = SSL_write(k->ssl, p, (int)(n > 65536 ? 65536 : n));
			if (r <= 0) {
				int e = SSL_get_error(k->ssl, r);
				if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
					return -1;
				int t = wait_fd(k, e == SSL_ERROR_WANT_WRITE);
				if (t)
					return t;
				continue;
			}
			w = r;
		} else {
			w = send(k->fd, p, n, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno != EAGAIN && errno != EINTR)
					return -1;
				int t = wait_fd(k, true);
				if (t)
					return t;
				continue;
			}
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read some bytes into b: >0 bytes, 0 at EOF, -1 error, -2 timeout. */
static ssize_t
conn_read(struct conn *k, void *b, size_t cap)
{
	for (;;) {
		if (k->ssl) {
			int r = SSL_read(k->ssl, b, (int)(cap > 65536 ? 65536 : cap));
			if (r > 0)
				return r;
			int e = SSL_get_error(k->ssl, r);
			if (e == SSL_ERROR_ZERO_RETURN)
				return 0;
			if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
				return 0;	/* closed without close_notify */
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				return -1;
			int t = wait_fd(k, e == SSL_ERROR_WANT_WRITE);
			if (t)
				return t > 0 ? -2 : -1;
		} else {
			ssize_t r = recv(k->fd, b, cap, 0);
			if (r >= 0)
				return r;
			if (errno != EAGAIN && errno != EINTR)
				return -1;
			int t = wait_fd(k, false);
			if (t)
				return t > 0 ? -2 : -1;
		}
	}
}

static char *
ssl_err_text(void)
{
	unsigned long e = ERR_get_error();
	char b[256];

	if (e == 0)
		return xstrdup("connection closed during the TLS handshake");
	ERR_error_string_n(e, b, sizeof(b));
	ERR_clear_error();
	return xstrdup(b);
}

static int
start_tls(const struct ws_conf *w, struct conn *k, SSL_CTX **ctxp,
    char **errp)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	*ctxp = ctx;
	if (ctx == NULL)
		return seterr(errp, "cannot start TLS");
	if (w->insecure) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	} else {
		if (w->ca_file) {
			if (SSL_CTX_load_verify_locations(ctx, w->ca_file,
			    NULL) != 1) {
				char *e = ssl_err_text();
				seterr(errp, "cannot load ca_file '%s': %s",
				    w->ca_file, e);
				free(e);
				return -1;
			}
		} else {
			X509_STORE *st = tls_system_store();
			if (st == NULL)
				return seterr(errp, "no system trust store");
			SSL_CTX_set1_cert_store(ctx, st);
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	if ((k->ssl = SSL_new(ctx)) == NULL)
		return seterr(errp, "cannot start TLS");
	SSL_set_fd(k->ssl, k->fd);
	if (!net_is_ip(w->host))
		SSL_set_tlsext_host_name(k->ssl, w->host);
	if (!w->insecure) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(k->ssl);
		if (net_is_ip(w->host))
			X509_VERIFY_PARAM_set1_ip_asc(vp, w->host);
		else
			SSL_set1_host(k->ssl, w->host);
	}
	for (;;) {
		int r = SSL_connect(k->ssl);
		if (r == 1)
			return 0;
		int e = SSL_get_error(k->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			long vr = SSL_get_verify_result(k->ssl);
			char *t = ssl_err_text();
			if (vr != X509_V_OK)
				seterr(errp, "TLS with %s:%s failed: %s", w->host,
				    w->port, X509_verify_cert_error_string(vr));
			else
				seterr(errp, "TLS with %s:%s failed: %s", w->host,
				    w->port, t);
			free(t);
			return -1;
		}
		int t = wait_fd(k, e == SSL_ERROR_WANT_WRITE);
		if (t > 0) {
			seterr(errp, "TLS handshake with %s:%s timed out",
			    w->host, w->port);
			return 1;
		}
		if (t < 0)
			return seterr(errp, "TLS with %s:%s failed", w->host,
			    w->port);
	}
}

/* ---- the check ------------------------------------------------------- */

/* The first 120 characters of a message, for the result. */
static char *
excerpt(const unsigned char *p, size_t n)
{
	size_t k = n > 120 ? 120 : n;
	char *s = xstrndup((const char *)p, k), *f;

	for (char *q = s; *q; q++)
		if ((unsigned char)*q < 0x20)
			*q = ' ';
	f = utf8_fix(s);
	free(s);
	if (n > 120) {
		s = xasprintf("%s...", f);
		free(f);
		f = s;
	}
	return f;
}

static void
ws_run(const struct check *c, struct result *r)
{
	const struct ws_conf *w = c->priv;
	int64_t t0 = now_mono_us();
	struct conn k = { .fd = -1, .deadline = t0 + c->timeout_us };
	SSL_CTX *ctx = NULL;
	struct net_probe pr;
	struct buf req, in, msg;
	char key[25], want[29], *e = NULL, *d = NULL;
	struct ws_answer a;

	buf_init(&req, 0);
	buf_init(&in, WS_IN_MAX);
	buf_init(&msg, WS_MSG_MAX);
	result_threshold(r, "101, accept key%s%s%s", w->expect ? ", reply /" :
	    "", w->expect ? w->expect_src : "", w->expect ? "/" : "");
	k.fd = net_tcp_connect(w->host, w->port, c->timeout_us, &pr);
	if (k.fd < 0) {
		result_observed(r, "%s", pr.outcome == NET_TIMEOUT ? "timeout" :
		    "error");
		result_set(r, ST_FAIL, "%s", pr.message);
		goto out;
	}
	fcntl(k.fd, F_SETFL, fcntl(k.fd, F_GETFL) | O_NONBLOCK);
	if (w->tls) {
		int tr = start_tls(w, &k, &ctx, &e);
		if (tr != 0) {
			result_observed(r, tr > 0 ? "timeout" : "TLS error");
			result_set(r, ST_FAIL, "%s", e);
			goto out;
		}
	}
	if (ws_key(key) != 0) {
		result_set(r, ST_FAIL, "no randomness for the WebSocket key");
		goto out;
	}
	ws_accept_for(key, want);
	bool v6 = strchr(w->host, ':') != NULL;
	bool dflt = strcmp(w->port, w->tls ? "443" : "80") == 0;
	buf_addf(&req, "GET %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
	    "User-Agent: cutover\r\n", w->path, v6 ? "[" : "", w->host,
	    v6 ? "]" : "", dflt ? "" : ":", dflt ? "" : w->port, key);
	for (size_t i = 0; i < w->headers.n; i++)
		buf_addf(&req, "%s\r\n", w->headers.v[i]);
	buf_adds(&req, "\r\n");
	int wr = conn_write(&k, req.s, req.len);
	if (wr != 0) {
		result_observed(r, wr > 0 ? "timeout" : "error");
		result_set(r, ST_FAIL, "%s: cannot send the upgrade request%s",
		    w->url, wr > 0 ? " (timeout)" : "");
		goto out;
	}
	/* The answer's head; bytes after it may already be frames. */
	char chunk[16384];
	int ar;
	while ((ar = ws_answer_parse(in.s, in.len, &a)) == 1) {
		ssize_t n = conn_read(&k, chunk, sizeof(chunk));
		if (n <= 0) {
			d = fmt_duration(c->timeout_us);
			result_observed(r, n == -2 ? "timeout" : "closed");
			if (n == -2)
				result_set(r, ST_FAIL, "%s: no answer to the upgrade "
				    "request within %s", w->url, d);
			else
				result_set(r, ST_FAIL, "%s: the server closed the "
				    "connection before answering the upgrade",
				    w->url);
			goto out;
		}
		buf_add(&in, chunk, (size_t)n);
	}
	if (ar < 0) {
		result_observed(r, "not HTTP");
		result_set(r, ST_FAIL, "%s: the answer to the upgrade request is "
		    "not HTTP", w->url);
		goto out;
	}
	int64_t hs_us = now_mono_us() - t0;
	d = fmt_duration(hs_us);
	result_observed(r, "HTTP %d in %s", a.status, d);
	if (a.status != 101) {
		result_set(r, ST_FAIL, "%s answered HTTP %d %s, expected 101 "
		    "Switching Protocols", w->url, a.status, a.reason);
		goto out;
	}
	if (strcasecmp(a.upgrade, "websocket") != 0 || !a.conn_upgrade) {
		result_set(r, ST_FAIL, "%s answered 101 without 'Upgrade: "
		    "websocket' and 'Connection: upgrade' (Upgrade: '%s')",
		    w->url, a.upgrade);
		goto out;
	}
	if (strcmp(a.accept, want) != 0) {
		result_set(r, ST_FAIL, "%s: Sec-WebSocket-Accept is '%s', "
		    "expected '%s' (the server did not answer this request's "
		    "key)", w->url, *a.accept ? a.accept : "(absent)", want);
		goto out;
	}
	r->has_value = true;
	r->value = (double)hs_us / 1e6;
	if (w->send) {
		struct buf f;
		buf_init(&f, 0);
		ws_frame_add(&f, WS_TEXT, w->send, strlen(w->send));
		wr = conn_write(&k, f.s, f.len);
		buf_release(&f);
		if (wr != 0) {
			result_set(r, ST_FAIL, "%s: cannot send the message%s",
			    w->url, wr > 0 ? " (timeout)" : "");
			goto out;
		}
	}
	if (w->expect == NULL) {
		result_set(r, ST_PASS, "%s upgraded to WebSocket in %s%s", w->url,
		    d, w->send ? ", message sent" : "");
		goto close;
	}
	/* Frames until a message matches the regex. */
	size_t off = a.head_len, nmsg = 0;
	char *last = NULL;
	int msg_op = -1;
	for (;;) {
		struct ws_frame fr;
		const char *why = "";
		int fp = ws_frame_parse((unsigned char *)in.s + off, in.len - off,
		    WS_MSG_MAX, &fr, &why);
		if (fp < 0) {
			result_set(r, ST_FAIL, "%s: the server broke the WebSocket "
			    "protocol: %s", w->url, why);
			free(last);
			goto out;
		}
		if (fp == 1) {
			/* Keep the unparsed tail only. */
			if (off) {
				memmove(in.s, in.s + off, in.len - off);
				in.len -= off;
				in.s[in.len] = '\0';
				off = 0;
			}
			ssize_t n = conn_read(&k, chunk, sizeof(chunk));
			if (n <= 0) {
				char *t = fmt_duration(c->timeout_us);
				if (n == -2)
					result_set(r, ST_FAIL, "%s: no message matching "
					    "/%s/ within %s (%zu message%s, last: "
					    "'%s')", w->url, w->expect_src, t, nmsg,
					    nmsg == 1 ? "" : "s", last ? last : "");
				else
					result_set(r, ST_FAIL, "%s: the connection "
					    "closed with no message matching /%s/ "
					    "(%zu message%s)", w->url,
					    w->expect_src, nmsg, nmsg == 1 ? "" : "s");
				free(t);
				free(last);
				goto out;
			}
			buf_add(&in, chunk, (size_t)n);
			continue;
		}
		off += fr.size;
		if (fr.opcode == WS_PING) {
			struct buf f;
			buf_init(&f, 0);
			ws_frame_add(&f, WS_PONG, fr.payload, (size_t)fr.len);
			(void)conn_write(&k, f.s, f.len);
			buf_release(&f);
			continue;
		}
		if (fr.opcode == WS_PONG)
			continue;
		if (fr.opcode == WS_CLOSE) {
			unsigned code = fr.len >= 2 ? (unsigned)(fr.payload[0] << 8 |
			    fr.payload[1]) : 0;
			char *why2 = fr.len > 2 ? excerpt(fr.payload + 2,
			    (size_t)fr.len - 2) : xstrdup("");
			result_set(r, ST_FAIL, "%s: the server closed the WebSocket "
			    "(code %u%s%s) with no message matching /%s/", w->url,
			    code, *why2 ? ": " : "", why2, w->expect_src);
			free(why2);
			free(last);
			goto out;
		}
		if (fr.opcode == WS_CONT ? msg_op < 0 : msg_op >= 0) {
			result_set(r, ST_FAIL, "%s: the server broke the WebSocket "
			    "protocol: a fragment out of sequence", w->url);
			free(last);
			goto out;
		}
		if (fr.opcode != WS_CONT)
			msg_op = fr.opcode;
		buf_add(&msg, fr.payload, (size_t)fr.len);
		if (msg.truncated) {
			result_set(r, ST_FAIL, "%s: a message longer than 1 MiB",
			    w->url);
			free(last);
			goto out;
		}
		if (!fr.fin)
			continue;
		nmsg++;
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		int m = pcre2_match(w->expect, (PCRE2_SPTR)msg.s, msg.len, 0, 0,
		    md, NULL);
		pcre2_match_data_free(md);
		free(last);
		last = excerpt((unsigned char *)msg.s, msg.len);
		if (m >= 0) {
			char *t = fmt_duration(now_mono_us() - t0);
			result_set(r, ST_PASS, "%s upgraded in %s; reply matches "
			    "/%s/ after %s", w->url, d, w->expect_src, t);
			free(t);
			free(last);
			goto close;
		}
		buf_reset(&msg);
		msg.truncated = false;
		msg_op = -1;
	}
close:
	{
		/* A polite close (1000); we do not wait for the echo. */
		struct buf f;
		unsigned char code[2] = { 0x03, 0xe8 };
		buf_init(&f, 0);
		ws_frame_add(&f, WS_CLOSE, code, 2);
		k.deadline = now_mono_us() + 100000;
		(void)conn_write(&k, f.s, f.len);
		buf_release(&f);
	}
out:
	if (k.ssl) {
		SSL_shutdown(k.ssl);
		SSL_free(k.ssl);
	}
	SSL_CTX_free(ctx);
	if (k.fd >= 0)
		close(k.fd);
	free(e);
	free(d);
	buf_release(&req);
	buf_release(&in);
	buf_release(&msg);
}

static void
ws_free(void *p)
{
	struct ws_conf *w = p;

	free(w->url);
	free(w->host);
	free(w->port);
	free(w->path);
	strlist_release(&w->headers);
	free(w->send);
	free(w->expect_src);
	pcre2_code_free(w->expect);
	free(w->ca_file);
	free(w);
}

const struct check_kind check_websocket = {
	.name = "websocket",
	.summary = "ws:// or wss:// upgrade (101, accept key); send a message, "
	    "expect a reply",
	.keys = keys,
	.parse = ws_parse,
	.run = ws_run,
	.free = ws_free,
	.value = "seconds the handshake took",
};
