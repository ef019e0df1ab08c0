/* redact.c - the secret registry and the masking of printed strings. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "xmalloc.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t nsecrets, capsecrets;

void
redact_add(const char *secret)
{
	if (secret == NULL || strlen(secret) < REDACT_MIN_LEN)
		return;
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

/*
 * Mask "scheme://user:PASS@" and "password=VALUE" in place of a copy.
 * The userinfo ends at the last '@' before the next '/', '?', '#' or
 * whitespace, so passwords containing '@' are masked whole.
 */
static void
mask_urls(struct buf *out, const char *s)
{
	const char *p = s;

	while (*p) {
		const char *sep = strstr(p, "://");
		const char *pw = NULL;
		const char *kv = NULL;

		/* Find the nearest of "://" and "password=". */
		for (const char *q = p; *q; q++) {
			if ((q[0] == 'p' || q[0] == 'P') &&
			    strncasecmp(q, "password=", 9) == 0 &&
			    (q == s || q[-1] == '?' || q[-1] == '&' ||
			     q[-1] == ' ' || q[-1] == ';')) {
				kv = q;
				break;
			}
			if (q == sep)
				break;
		}
		if (kv != NULL) {
			buf_add(out, p, (size_t)(kv - p) + 9);
			const char *e = kv + 9;
			while (*e && *e != '&' && *e != ' ' && *e != '\n' &&
			    *e != ';' && *e != '"' && *e != '\'')
				e++;
			if (e > kv + 9)
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
