/* redact.c - the secret registry and the masking of printed strings. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "util.h"
#include "xmalloc.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t nsecrets, capsecrets;

static void
add_one(const char *secret)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nsecrets; i++) {
		if (strcmp(secrets[i], secret) == 0) {
			pthread_mutex_unlock(&lock);
			return;
		}
	}
	ARR_PUSH(secrets, nsecrets, capsecrets, xstrdup(secret));
	/*
	 * Longest first, so that a secret containing another one is masked
	 * whole rather than leaving its remainder visible.
	 */
	for (size_t i = nsecrets - 1; i > 0; i--) {
		if (strlen(secrets[i]) <= strlen(secrets[i - 1]))
			break;
		char *t = secrets[i];
		secrets[i] = secrets[i - 1];
		secrets[i - 1] = t;
	}
	pthread_mutex_unlock(&lock);
}

void
redact_add(const char *secret)
{
	if (secret == NULL || strlen(secret) < REDACT_MIN_LEN)
		return;
	add_one(secret);
	/*
	 * The spellings a program is likely to print it in: JSON-escaped
	 * (a tool's JSON output: a"b as a\"b) and percent-encoded (a URL:
	 * a b as a%20b).  Same value, other bytes: masked too.
	 */
	struct buf b = BUF_INIT;
	buf_add_json(&b, secret);
	if (strcmp(b.s, secret) != 0)
		add_one(b.s);
	buf_reset(&b);
	for (const unsigned char *p = (const unsigned char *)secret; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p))
			buf_addc(&b, (char)*p);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	if (strcmp(b.s, secret) != 0)
		add_one(b.s);
	buf_release(&b);
}

size_t
redact_count(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = nsecrets;
	pthread_mutex_unlock(&lock);
	return n;
}

void
redact_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = capsecrets = 0;
	pthread_mutex_unlock(&lock);
}

static bool
is_scheme_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

bool
redact_key_secret(const char *key, size_t n)
{
	static const char *const words[] = { "password", "passwd", "secret",
	    "token", NULL };

	/* "password_env=NAME" names a variable; its value is no secret. */
	if (n >= 4 && strncasecmp(key + n - 4, "_env", 4) == 0)
		return false;
	for (int w = 0; words[w]; w++) {
		size_t wl = strlen(words[w]);
		for (size_t i = 0; i + wl <= n; i++)
			if (strncasecmp(key + i, words[w], wl) == 0)
				return true;
	}
	return false;
}

static bool
is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/*
 * If q starts "KEY=" where KEY names a secret (redact_key_secret) and
 * begins s or follows a separator, the length of "KEY="; else 0.
 */
static size_t
secret_kv(const char *s, const char *q)
{
	if (q != s && !strchr("?&; \t\n\"'", q[-1]))
		return 0;
	const char *e = q;
	while (is_key_char(*e))
		e++;
	if (*e != '=' || e == q || !redact_key_secret(q, (size_t)(e - q)))
		return 0;
	return (size_t)(e - q) + 1;
}

/*
 * Mask "scheme://user:PASS@" and "KEY=VALUE" for any key that names a
 * secret ("password=", "sslpassword=", "api_token=": a URL parameter or a
 * libpq conninfo keyword), in place of a copy.  The userinfo ends at the
 * last '@' before the next '/', '?', '#' or whitespace, so passwords
 * containing '@' are masked whole.
 */
static void
mask_urls(struct buf *out, const char *s)
{
	const char *p = s;

	while (*p) {
		const char *sep = strstr(p, "://");
		const char *pw = NULL;
		const char *kv = NULL;
		size_t kvlen = 0;

		/* Find the nearest of "://" and "KEY=". */
		for (const char *q = p; *q; q++) {
			if (q == sep)
				break;
			if (is_key_char(*q) && (kvlen = secret_kv(s, q)) > 0) {
				kv = q;
				break;
			}
			/* Skip the rest of a key that is not a secret's. */
			while (is_key_char(*q) && is_key_char(q[1]))
				q++;
		}
		if (kv != NULL) {
			buf_add(out, p, (size_t)(kv - p) + kvlen);
			const char *e = kv + kvlen;
			while (*e && *e != '&' && *e != ' ' && *e != '\n' &&
			    *e != '\t' && *e != ';' && *e != '"' && *e != '\'')
				e++;
			if (e > kv + kvlen)
				buf_adds(out, REDACT_MASK);
			p = e;
			continue;
		}
		if (sep == NULL) {
			buf_adds(out, p);
			return;
		}
		/* Verify a scheme precedes "://". */
		const char *sc = sep;
		while (sc > p && is_scheme_char(sc[-1]))
			sc--;
		const char *auth = sep + 3;
		const char *end = auth;
		const char *at = NULL;
		while (*end && *end != '/' && *end != '?' && *end != '#' &&
		    *end != ' ' && *end != '\n' && *end != '\t' &&
		    *end != '"' && *end != '\'') {
			if (*end == '@')
				at = end;
			end++;
		}
		if (sc < sep && at != NULL) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));
			if (colon != NULL) {
				pw = colon + 1;
				buf_add(out, p, (size_t)(pw - p));
				buf_adds(out, REDACT_MASK);
				buf_add(out, at, (size_t)(end - at));
				p = end;
				continue;
			}
		}
		buf_add(out, p, (size_t)(auth - p));
		p = auth;
	}
}

char *
redact(const char *s)
{
	struct buf a = BUF_INIT;

	if (s == NULL)
		return xstrdup("");
	mask_urls(&a, s);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nsecrets; i++) {
		const char *sec = secrets[i];
		size_t n = strlen(sec);
		const char *hit = strstr(a.s, sec);

		if (hit == NULL)
			continue;
		struct buf b = BUF_INIT;
		const char *p = a.s;
		while (hit != NULL) {
			buf_add(&b, p, (size_t)(hit - p));
			buf_adds(&b, REDACT_MASK);
			p = hit + n;
			hit = strstr(p, sec);
		}
		buf_adds(&b, p);
		buf_release(&a);
		a = b;
	}
	pthread_mutex_unlock(&lock);
	return buf_detach(&a);
}

void
buf_add_redacted(struct buf *b, const char *s)
{
	char *r = redact(s);

	buf_adds(b, r);
	free(r);
}

size_t
redact_longest(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	/* Sorted longest first. */
	n = nsecrets ? strlen(secrets[0]) : 0;
	pthread_mutex_unlock(&lock);
	return n;
}

/*
 * Move the cut *at to the start (back) or the end (!back) of any secret
 * occurrence in s[0..len) that straddles it, until none does.  Each move
 * goes one way only, so this ends.  Called with the lock held.
 */
static size_t
cut_clear(const char *s, size_t len, size_t at, bool back)
{
	bool moved = true;

	while (moved) {
		moved = false;
		for (size_t i = 0; i < nsecrets; i++) {
			size_t n = strlen(secrets[i]);
			/* Only occurrences starting in (at - n, at) straddle. */
			size_t from = at >= n ? at - n + 1 : 0;
			size_t to = at + n - 1 < len ? at + n - 1 : len;
			const char *h = from < to ? memmem(s + from, to - from,
			    secrets[i], n) : NULL;
			if (h == NULL || (size_t)(h - s) >= at)
				continue;
			at = back ? (size_t)(h - s) : (size_t)(h - s) + n;
			moved = true;
		}
	}
	return at;
}

size_t
redact_cut_before(const char *s, size_t len, size_t want, bool more)
{
	size_t at = want < len ? want : len;

	pthread_mutex_lock(&lock);
	if (more) {
		/* A suffix of s that begins a secret may be completed later. */
		for (size_t i = 0; i < nsecrets; i++) {
			size_t n = strlen(secrets[i]);
			for (size_t k = n - 1 < len ? n - 1 : len; k > 0; k--) {
				if (len - k < at &&
				    memcmp(s + len - k, secrets[i], k) == 0) {
					at = len - k;
					break;
				}
			}
		}
	}
	at = cut_clear(s, len, at, true);
	pthread_mutex_unlock(&lock);
	return at;
}

char *
redact_tail(const char *s, size_t len, size_t max)
{
	size_t at = len > max ? len - max : 0;

	pthread_mutex_lock(&lock);
	at = cut_clear(s, len, at, false);
	pthread_mutex_unlock(&lock);
	/* strndup: a NUL in the output ends the text, as printf would. */
	char *t = strndup(s + at, len - at);
	if (t == NULL)
		t = xstrdup("");
	char *r = redact(t);
	free(t);
	size_t n = strlen(r);
	if (n > max) {
		/*
		 * A masked URL password may be shorter than the mask: cutting
		 * text that is already redacted shows nothing new.
		 */
		memmove(r, r + n - max, max + 1);
	}
	return r;
}

char *
text_printable(const char *s, bool keep_nl)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		/*
		 * A run of printable ASCII is copied at once: byte by byte, a
		 * watch's first round of 700 status lines spent 6.7 M
		 * instructions here, 9,600 a line.
		 */
		const unsigned char *q = p;
		while ((*q >= 0x20 && *q < 0x7f) || *q == '\t')
			q++;
		if (q != p) {
			buf_add(&b, p, (size_t)(q - p));
			p = q;
			continue;
		}
		size_t n = utf8_seq(p, NULL);
		if (n == 0) {
			/* As utf8_fix: Latin-1 output stays readable. */
			buf_adds(&b, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		if (n == 1 && ((*p < 0x20 && *p != '\t' &&
		    !(keep_nl && *p == '\n')) || *p == 0x7f)) {
			buf_addf(&b, "\\x%02x", *p);
			p++;
			continue;
		}
		/* U+0080..U+009F: C2 80..C2 9F; 0x9b is CSI on some terminals. */
		if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0) {
			buf_addf(&b, "\\u%04x", p[1]);
			p += 2;
			continue;
		}
		buf_add(&b, p, n);
		p += n;
	}
	return buf_detach(&b);
}
