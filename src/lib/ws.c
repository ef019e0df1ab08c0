/*
 * ws.c - WebSocket handshake and frames (ws.h), over OpenSSL for SHA-1,
 * base64 and randomness.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ws.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_HEAD_MAX	(64 * 1024)

int
ws_key(char out[25])
{
	unsigned char k[16];

	if (RAND_bytes(k, sizeof(k)) != 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, k, sizeof(k));
	return 0;
}

void
ws_accept_for(const char *key, char out[29])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	EVP_DigestUpdate(ctx, key, strlen(key));
	EVP_DigestUpdate(ctx, WS_GUID, sizeof(WS_GUID) - 1);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	EVP_EncodeBlock((unsigned char *)out, md, mdlen);
}

/* Copy a header value (blanks trimmed) into dst, cut to its size. */
static void
value(const char *v, size_t n, char *dst, size_t cap)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	/* Printable only: it may end up in a message. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20 || (unsigned char)dst[i] == 0x7f)
			dst[i] = '?';
}

/* Does the comma-separated list v[0..n) hold token (any case)? */
static bool
has_token(const char *v, size_t n, const char *token)
{
	size_t tl = strlen(token);
	const char *end = v + n;

	while (v < end) {
		while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
			v++;
		const char *s = v;
		while (v < end && *v != ',')
			v++;
		const char *e = v;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if ((size_t)(e - s) == tl && strncasecmp(s, token, tl) == 0)
			return true;
	}
	return false;
}

int
ws_answer_parse(const char *b, size_t n, struct ws_answer *a)
{
	const char *end = NULL;

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i + 3 < n; i++)
		if (memcmp(b + i, "\r\n\r\n", 4) == 0) {
			end = b + i + 4;
			break;
		}
	if (n >= 5 && memcmp(b, "HTTP/", 5) != 0)
		return -1;
	if (n < 5 && memcmp(b, "HTTP/", n) != 0)
		return -1;
	if (end == NULL)
		return n >= WS_HEAD_MAX ? -1 : 1;
	a->head_len = (size_t)(end - b);
	/* Status line: HTTP/1.1 101 Switching Protocols */
	const char *p = b, *eol = memchr(p, '\n', (size_t)(end - p));
	const char *sp = memchr(p, ' ', (size_t)(eol - p));
	if (sp == NULL || eol - sp < 4 || !isdigit((unsigned char)sp[1]) ||
	    !isdigit((unsigned char)sp[2]) || !isdigit((unsigned char)sp[3]) ||
	    (sp + 4 < eol && sp[4] != ' ' && sp[4] != '\r'))
		return -1;
	a->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	if (sp + 5 < eol)
		value(sp + 5, (size_t)(eol - sp - 5), a->reason, sizeof(a->reason));
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)(eol - p);
		if (len == 0 || (len == 1 && *p == '\r'))
			break;
		const char *colon = memchr(p, ':', len);
		if (colon == NULL || colon == p)
			return -1;
		size_t nl = (size_t)(colon - p), vl = len - nl - 1;
		const char *v = colon + 1;
		if (nl == 7 && strncasecmp(p, "Upgrade", 7) == 0)
			value(v, vl, a->upgrade, sizeof(a->upgrade));
		else if (nl == 10 && strncasecmp(p, "Connection", 10) == 0)
			a->conn_upgrade |= has_token(v, vl, "upgrade");
		else if (nl == 20 && strncasecmp(p, "Sec-WebSocket-Accept", 20) == 0)
			value(v, vl, a->accept, sizeof(a->accept));
	}
	return 0;
}

void
ws_frame_add(struct buf *out, int opcode, const void *data, size_t len)
{
	unsigned char h[14], mask[4];
	size_t hl = 2;

	h[0] = (unsigned char)(0x80 | (opcode & 0x0f));
	if (len < 126) {
		h[1] = (unsigned char)(0x80 | len);
	} else if (len <= 0xffff) {
		h[1] = 0x80 | 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		hl = 4;
	} else {
		h[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
		hl = 10;
	}
	if (RAND_bytes(mask, 4) != 1)
		memset(mask, 0x5a, 4);	/* masking is not a secret (RFC 6455 5.3) */
	memcpy(h + hl, mask, 4);
	buf_add(out, h, hl + 4);
	const unsigned char *d = data;
	for (size_t i = 0; i < len; i++) {
		char c = (char)(d[i] ^ mask[i & 3]);
		buf_add(out, &c, 1);
	}
}

int
ws_frame_parse(const unsigned char *b, size_t n, uint64_t max,
    struct ws_frame *f, const char **why)
{
	size_t hl = 2;
	uint64_t len;

	memset(f, 0, sizeof(*f));
	if (n < 2)
		return 1;
	if (b[0] & 0x70) {
		*why = "reserved bits set (no extension was negotiated)";
		return -1;
	}
	f->fin = (b[0] & 0x80) != 0;
	f->opcode = b[0] & 0x0f;
	if ((f->opcode > 2 && f->opcode < 8) || f->opcode > 10) {
		*why = "unknown opcode";
		return -1;
	}
	if (b[1] & 0x80) {
		*why = "a masked frame from the server";
		return -1;
	}
	len = b[1] & 0x7f;
	if (len == 126) {
		if (n < 4)
			return 1;
		len = (uint64_t)b[2] << 8 | b[3];
		hl = 4;
	} else if (len == 127) {
		if (n < 10)
			return 1;
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | b[2 + i];
		hl = 10;
		if (len >> 63) {
			*why = "a length with its top bit set";
			return -1;
		}
	}
	if (f->opcode >= 8 && (len > 125 || !f->fin)) {
		*why = "a control frame longer than 125 bytes or fragmented";
		return -1;
	}
	if (len > max) {
		*why = "a message longer than cutover reads";
		return -1;
	}
	if (n - hl < len)
		return 1;
	f->len = len;
	f->payload = b + hl;
	f->size = hl + (size_t)len;
	return 0;
}
