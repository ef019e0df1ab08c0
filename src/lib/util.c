/* util.c - clocks, string lists, word splitting and suggestions. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "util.h"
#include "xmalloc.h"

int64_t
now_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
now_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

char *
fmt_time_iso(int64_t wall_us)
{
	time_t t = (time_t)(wall_us / 1000000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%03dZ", s, (int)((wall_us / 1000) % 1000));
}

void
sleep_us(int64_t us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (us > 0 && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void
strlist_push_owned(struct strlist *l, char *s)
{
	if (l->n + 1 >= l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

void
strlist_push(struct strlist *l, const char *s)
{
	strlist_push_owned(l, xstrdup(s));
}

bool
strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void
strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
strlist_split(struct strlist *l, const char *s, char sep)
{
	while (*s) {
		const char *e = strchr(s, sep);
		size_t n = e ? (size_t)(e - s) : strlen(s);
		const char *a = s, *b = s + n;

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a)
			strlist_push_owned(l, xstrndup(a, (size_t)(b - a)));
		s += n;
		if (*s == sep)
			s++;
	}
}

char *
strlist_join(const struct strlist *l, const char *sep)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_adds(&b, sep);
		buf_adds(&b, l->v[i]);
	}
	return buf_detach(&b);
}

int
split_words(const char *s, struct strlist *out, char **errp)
{
	struct buf w = BUF_INIT;
	bool inword = false;

	for (const char *p = s; ; p++) {
		if (*p == '\0' || isspace((unsigned char)*p)) {
			if (inword)
				strlist_push_owned(out, buf_detach(&w));
			inword = false;
			if (*p == '\0')
				break;
			continue;
		}
		inword = true;
		if (*p == '\'') {
			const char *e = strchr(p + 1, '\'');
			if (e == NULL)
				goto unclosed;
			buf_add(&w, p + 1, (size_t)(e - p - 1));
			p = e;
		} else if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0')
					goto unclosed;
				if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
					p++;
				buf_addc(&w, *p);
			}
		} else if (*p == '\\' && p[1]) {
			buf_addc(&w, *++p);
		} else {
			buf_addc(&w, *p);
		}
	}
	buf_release(&w);
	return 0;
unclosed:
	buf_release(&w);
	return seterr(errp, "unclosed quote in '%s'", s);
}

static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xcalloc(lb + 1, sizeof(*row));

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]) ? 0 : 1;
			size_t v = prev + cost;
			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			prev = cur;
		}
	}
	size_t d = row[lb];
	free(row);
	return d;
}

const char *
nearest(const char *s, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	size_t len = strlen(s);

	for (size_t i = 0; i < n && cands[i]; i++) {
		size_t d = distance(s, cands[i]);
		/* A prefix of a candidate is close whatever its length. */
		if (len >= 2 && strncmp(cands[i], s, len) == 0)
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	/* Allow about one edit in three characters. */
	if (best && bestd <= 1 + len / 3)
		return best;
	return NULL;
}

bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

const char *
strcasestr_(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return n == 0 ? hay : NULL;
}

size_t
utf8_seq(const unsigned char *s, uint32_t *cpp)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80) {
		if (cpp)
			*cpp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* Overlong forms, UTF-16 surrogates, past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	if (cpp)
		*cpp = cp;
	return n;
}

char *
utf8_fix(const char *s)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_seq(p, NULL);
		if (n == 0) {
			buf_adds(&b, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		buf_add(&b, p, n);
		p += n;
	}
	return buf_detach(&b);
}

char *
utf8_printable(const char *s)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (*p) {
		size_t n = utf8_seq(p, &cp);
		if (n == 0 || (cp < 0x20 && cp != '\n' && cp != '\t') ||
		    (cp >= 0x7f && cp < 0xa0)) {
			buf_adds(&b, "\xEF\xBF\xBD");
			p += n ? n : 1;
			continue;
		}
		buf_add(&b, p, n);
		p += n;
	}
	return buf_detach(&b);
}

int
run_in_child(void (*fn)(void *arg, void *out), void *arg, void *out,
    size_t outlen, int64_t timeout_us)
{
	int fd[2];

	if (pipe2(fd, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fd[0]);
		close(fd[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		fn(arg, out);
		(void)!write(fd[1], out, outlen);
		_exit(0);
	}
	close(fd[1]);
	struct pollfd p = { .fd = fd[0], .events = POLLIN };
	int64_t deadline = now_mono_us() + timeout_us;
	int n;
	do {
		int64_t left = deadline - now_mono_us();
		n = poll(&p, 1, left > 0 ? (int)((left + 999) / 1000) : 0);
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		close(fd[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, WNOHANG);
		return 1;
	}
	ssize_t got = read(fd[0], out, outlen);
	close(fd[0]);
	waitpid(pid, NULL, 0);
	if (got != (ssize_t)outlen) {
		errno = EIO;
		return -1;
	}
	return 0;
}
