/*
 * procfs.c - bounded readers and parsers of /proc files (procfs.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

ssize_t
procfs_read(const char *path, char *b, size_t cap, bool *cut)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n = 0;

	if (cut)
		*cut = false;
	if (fd < 0)
		return -1;
	/* Most /proc files come in one read; a long cmdline needs more. */
	while (len + 1 < cap &&
	    (n = read(fd, b + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (len + 1 >= cap && cut) {
		char c;
		*cut = read(fd, &c, 1) == 1;
	}
	close(fd);
	if (cap)
		b[len] = '\0';
	return (ssize_t)len;
}

/* Parse an unsigned decimal at *p (< end), skipping leading blanks. */
static int
num(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
		s++;
	}
	*p = s;
	*v = x;
	return 0;
}

/* Skip one blank-separated field (any characters but blanks). */
static int
skip(const char **p, const char *end)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s >= end || *s == '\n')
		return -1;
	while (s < end && *s != ' ' && *s != '\n')
		s++;
	*p = s;
	return 0;
}

int
procfs_stat_parse(const char *s, size_t n, struct pstat *st)
{
	const char *end = s + n, *p = s, *open, *close = NULL;
	uint64_t v;

	memset(st, 0, sizeof(*st));
	if (num(&p, end, &v) != 0 || v > (uint64_t)INT32_MAX)
		return -1;
	st->pid = (long)v;
	open = memchr(p, '(', (size_t)(end - p));
	if (open == NULL)
		return -1;
	for (const char *q = open + 1; q < end; q++)
		if (*q == ')')
			close = q;
	if (close == NULL)
		return -1;
	size_t cl = (size_t)(close - open - 1);
	if (cl >= sizeof(st->comm))
		cl = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, cl);
	st->comm[cl] = '\0';
	p = close + 1;
	/* Field 3 is the state; counting from it, fields 4.. follow. */
	while (p < end && *p == ' ')
		p++;
	if (p >= end)
		return -1;
	st->state = *p++;
	uint64_t f[25];
	/* Fields 4 (ppid) to 24 (rss); a few (tty_nr...) may be negative. */
	for (int i = 4; i <= 24; i++) {
		const char *q = p;
		while (q < end && *q == ' ')
			q++;
		if (q < end && *q == '-') {
			if (skip(&p, end) != 0)
				return -1;
			f[i] = 0;
			continue;
		}
		if (num(&p, end, &f[i]) != 0)
			return -1;
	}
	st->ppid = (long)(f[4] & 0x7fffffff);
	st->utime = f[14];
	st->stime = f[15];
	st->starttime = f[22];
	st->rss_pages = f[24];
	return 0;
}

/* The line starting with key (at a line start), or NULL. */
static const char *
line_of(const char *s, size_t n, const char *key)
{
	size_t kl = strlen(key);
	const char *end = s + n;

	for (const char *p = s; p < end; ) {
		if ((size_t)(end - p) >= kl && memcmp(p, key, kl) == 0)
			return p + kl;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return NULL;
}

int
procfs_status_uids(const char *s, size_t n, uid_t *ruid, uid_t *euid)
{
	const char *p = line_of(s, n, "Uid:"), *end = s + n;
	uint64_t r, e;

	if (p == NULL || num(&p, end, &r) != 0 || num(&p, end, &e) != 0 ||
	    r > UINT32_MAX || e > UINT32_MAX)
		return -1;
	*ruid = (uid_t)r;
	*euid = (uid_t)e;
	return 0;
}

static int
kb(const char *s, size_t n, const char *key, uint64_t *bytes)
{
	const char *p = line_of(s, n, key);
	uint64_t v;

	if (p == NULL || num(&p, s + n, &v) != 0 || v > UINT64_MAX / 1024)
		return -1;
	*bytes = v * 1024;
	return 0;
}

int
procfs_meminfo_parse(const char *s, size_t n, struct meminfo *m)
{
	memset(m, 0, sizeof(*m));
	if (kb(s, n, "MemTotal:", &m->total) != 0 ||
	    kb(s, n, "MemAvailable:", &m->available) != 0)
		return -1;
	/* No swap configured: both lines still read 0 kB. */
	(void)kb(s, n, "SwapTotal:", &m->swap_total);
	(void)kb(s, n, "SwapFree:", &m->swap_free);
	return 0;
}

/* A decimal like "0.52" (what the kernel prints), no exponent. */
static int
dec(const char **p, const char *end, double *v)
{
	uint64_t i, f = 0;
	double scale = 1;

	if (num(p, end, &i) != 0)
		return -1;
	if (*p < end && **p == '.') {
		(*p)++;
		while (*p < end && **p >= '0' && **p <= '9' && scale < 1e9) {
			f = f * 10 + (uint64_t)(**p - '0');
			scale *= 10;
			(*p)++;
		}
	}
	*v = (double)i + (double)f / scale;
	return 0;
}

int
procfs_loadavg_parse(const char *s, size_t n, double la[3])
{
	const char *p = s, *end = s + n;

	for (int i = 0; i < 3; i++)
		if (dec(&p, end, &la[i]) != 0)
			return -1;
	return 0;
}

int
procfs_cpu_parse(const char *s, size_t n, uint64_t *busy, uint64_t *iowait,
    uint64_t *total)
{
	const char *p = s, *end = s + n;
	uint64_t v[8];

	if (n < 4 || memcmp(s, "cpu ", 4) != 0)
		return -1;
	p += 4;
	for (int i = 0; i < 8; i++)
		if (num(&p, end, &v[i]) != 0)
			return -1;
	/* guest times are already counted in user and nice. */
	*total = 0;
	for (int i = 0; i < 8; i++) {
		if (*total > UINT64_MAX - v[i])
			return -1;
		*total += v[i];
	}
	*busy = *total - v[3] - v[4];
	*iowait = v[4];
	return 0;
}

int
procfs_uptime_parse(const char *s, size_t n, double *up)
{
	const char *p = s;

	return dec(&p, s + n, up);
}
