/* util.c - clocks, string lists, word splitting and suggestions. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <search.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

static int
strset_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

bool
strset_add(struct strset *set, const char *s)
{
	char *k = xstrdup(s);
	char **at = tsearch(k, &set->root, strset_cmp);

	if (at == NULL)
		die(1, "out of memory");
	if (*at != k) {
		free(k);
		return false;
	}
	return true;
}

void
strset_release(struct strset *set)
{
	tdestroy(set->root, free);
	set->root = NULL;
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
	size_t bestd = (size_t)-1, bestreal = (size_t)-1;
	size_t len = strlen(s);

	for (size_t i = 0; i < n && cands[i]; i++) {
		size_t real = distance(s, cands[i]), d = real;
		/* A prefix of a candidate is close whatever its length. */
		if (len >= 2 && strncmp(cands[i], s, len) == 0)
			d = 1;
		/* Between equals, the fewer edits: 'app' is 'apps', not
		 * 'approvers'. */
		if (d < bestd || (d == bestd && real < bestreal)) {
			bestd = d;
			bestreal = real;
			best = cands[i];
		}
	}
	/* Allow about one edit in three characters. */
	if (best && bestd <= 1 + len / 3)
		return best;
	return NULL;
}

static const char *
file_type(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
	    S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
	    S_ISDIR(m) ? "a directory" : "not a regular file";
}

FILE *
fopen_regular(const char *path, const char *what, char **errp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st = { 0 };

	if (fd < 0) {
		int e = errno;
		/* A socket's open() fails (ENXIO): say what it is instead. */
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			seterr(errp, "'%s' is a socket, not %s", path, what);
			return NULL;
		}
		errno = e;
		seterr_errno(errp, "cannot read '%s'", path);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		seterr(errp, "'%s' is %s, not %s", path, file_type(st.st_mode),
		    what);
		return NULL;
	}
	/* Regular files never block; reads of a whole file want no EAGAIN. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	FILE *f = fdopen(fd, "r");
	if (f == NULL) {
		int e = errno;
		close(fd);
		errno = e;
		seterr_errno(errp, "cannot read '%s'", path);
	}
	return f;
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

/*
 * run_in_child: fn runs in a child process that shares our memory (clone
 * with CLONE_VM, as posix_spawn does, but without waiting for it).
 *
 * Why a process: a stat on a hung NFS or FUSE mount can sleep
 * uninterruptibly until the server answers, and a process whose thread
 * sleeps so cannot finish exiting (FUSE waits out a request already sent
 * even for SIGKILL); a stuck child is only killed and left behind.
 *
 * Why not fork: fork copies the page tables of a process with a thousand
 * threads under its mmap lock, 2.9ms each and serialised: with --jobs
 * 1000, 354 of 1,500 `file` checks timed out waiting for fork (issue 11
 * #7).  Sharing the memory makes a start cost what a thread's does.
 *
 * The price of sharing: the child runs on its own stack but with the
 * calling thread's thread pointer, so fn may touch nothing thread-local
 * but errno, take no lock and allocate nothing (async-signal-safe calls
 * only: stat, statvfs).  errno of the calling thread may change under it
 * while it waits, so the wait below never reads errno to decide.  A child
 * that overstays is killed, and its stack and answer are kept until it is
 * reaped (it may still write to them): a later call frees them.
 */
#define CHILD_STACK (64 * 1024)

struct bounded {
	void		(*fn)(void *arg, void *out);
	void		*arg;
	int		 wfd;
	pid_t		 pid;
	void		*stack;
	struct bounded	*next;		/* on the straggler list */
	unsigned char	 out[];
};

static pthread_mutex_t straggler_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bounded *stragglers;

static void
bounded_free(struct bounded *b)
{
	munmap(b->stack, CHILD_STACK);
	free(b);
}

/* Free what earlier calls left to children that have since ended. */
static void
reap_stragglers(void)
{
	pthread_mutex_lock(&straggler_lock);
	for (struct bounded **pp = &stragglers; *pp; ) {
		struct bounded *b = *pp;
		if (waitpid(b->pid, NULL, WNOHANG) == b->pid) {
			*pp = b->next;
			bounded_free(b);
		} else {
			pp = &b->next;
		}
	}
	pthread_mutex_unlock(&straggler_lock);
}

static int
bounded_main(void *p)
{
	struct bounded *b = p;

	/* Its own copy of the descriptor table: hold none of ours open. */
	if (b->wfd > 0)
		close_range(0, (unsigned)b->wfd - 1, 0);
	close_range((unsigned)b->wfd + 1, ~0U, 0);
	b->fn(b->arg, b->out);
	(void)!write(b->wfd, "", 1);
	return 0;
}

int
run_in_child(void (*fn)(void *arg, void *out), void *arg, void *out,
    size_t outlen, int64_t timeout_us)
{
	int fd[2];
	struct bounded *b;
	sigset_t all, old;

	reap_stragglers();
	if (pipe2(fd, O_CLOEXEC) != 0)
		return -1;
	b = xcalloc(1, sizeof(*b) + outlen);
	b->fn = fn;
	b->arg = arg;
	b->wfd = fd[1];
	b->stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (b->stack == MAP_FAILED) {
		int e = errno;
		free(b);
		close(fd[0]);
		close(fd[1]);
		errno = e;
		return -1;
	}
	/* No signal handler of ours may run on the child's stack. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	b->pid = clone(bounded_main, (char *)b->stack + CHILD_STACK,
	    CLONE_VM | SIGCHLD, b);
	int e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(fd[1]);
	if (b->pid < 0) {
		close(fd[0]);
		bounded_free(b);
		errno = e;
		return -1;
	}
	struct pollfd p = { .fd = fd[0], .events = POLLIN };
	int64_t deadline = now_mono_us() + timeout_us;
	int n;
	for (;;) {
		int64_t left = deadline - now_mono_us();
		n = poll(&p, 1, left > 0 ? (int)((left + 999) / 1000) : 0);
		if (n >= 0 || left <= 0)
			break;
	}
	char c;
	if (n <= 0 || read(fd[0], &c, 1) != 1) {
		bool answered = n > 0;
		close(fd[0]);
		kill(b->pid, SIGKILL);
		if (waitpid(b->pid, NULL, WNOHANG) == b->pid) {
			bounded_free(b);
		} else {
			pthread_mutex_lock(&straggler_lock);
			b->next = stragglers;
			stragglers = b;
			pthread_mutex_unlock(&straggler_lock);
		}
		if (answered) {
			errno = EIO;
			return -1;
		}
		return 1;
	}
	close(fd[0]);
	/* It wrote its answer and is returning: a short wait. */
	waitpid(b->pid, NULL, 0);
	memcpy(out, b->out, outlen);
	bounded_free(b);
	return 0;
}
