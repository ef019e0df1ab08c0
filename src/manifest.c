/*
 * manifest.c - create and verify manifests: walking, the parallel hasher,
 * and the text format (see manifest.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "lib/hash.h"
#include "lib/validate.h"
#include "lib/xmalloc.h"
#include "manifest.h"

/*
 * Files are hashed from a mapping in 1 MiB steps (read() in 1 MiB reads
 * where mapping fails), with readahead asked for AHEAD bytes in front:
 * the disk stays busy while we hash, and a step is short enough to check
 * the deadline often.
 */
#define READ_CHUNK	(1024 * 1024)
#define AHEAD		(16 * 1024 * 1024)
#define MAX_DEPTH	64

const char *
mf_state_name(enum mf_state s)
{
	static const char *const n[] = { "ok", "missing", "size changed",
		"content changed", "content incomplete", "error", "extra" };
	return n[s];
}

/* ---- paths ------------------------------------------------------------- */

/* Lexically normalise an absolute path: no ".", "..", or "//". */
static char *
normalize(const char *abs)
{
	struct buf b = BUF_INIT;
	const char *p = abs;

	while (*p) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		size_t n = strcspn(p, "/");
		if (n == 1 && p[0] == '.') {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(b.s, '/');
			if (slash) {
				b.len = (size_t)(slash - b.s);
				b.s[b.len] = '\0';
			}
		} else {
			buf_addc(&b, '/');
			buf_add(&b, p, n);
		}
		p += n;
	}
	if (b.len == 0)
		buf_addc(&b, '/');
	return buf_detach(&b);
}

static char *
absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return normalize(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		strcpy(cwd, "/");
	char *j = xasprintf("%s/%s", cwd, path);
	char *n = normalize(j);
	free(j);
	return n;
}

/* path as the manifest writes it: relative to base when under it. */
static char *
relative_to(const char *base, const char *path)
{
	char *abs = absolute(path);
	size_t bl = strlen(base);

	if (strcmp(abs, base) == 0) {
		free(abs);
		return xstrdup(".");
	}
	if (strcmp(base, "/") != 0 && strncmp(abs, base, bl) == 0 &&
	    abs[bl] == '/') {
		char *r = xstrdup(abs + bl + 1);
		free(abs);
		return r;
	}
	return abs;
}

/* A manifest path as a filesystem path: relative ones to base. */
static char *
resolve(const char *base, const char *path)
{
	if (path[0] == '/' || strcmp(base, ".") == 0)
		return xstrdup(path);
	return xasprintf("%s/%s", base, path);
}

static char *
dir_of(const char *path)
{
	char *t = xstrdup(path);
	char *d = xstrdup(dirname(t));
	free(t);
	return d;
}

/* sha256sum's escaping: backslash and newline (and CR) in names. */
static bool
needs_escape(const char *s)
{
	return strpbrk(s, "\\\n\r") != NULL;
}

static void
add_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_adds(b, "\\\\");
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else if (*s == '\r')
			buf_adds(b, "\\r");
		else
			buf_addc(b, *s);
	}
}

static char *
unescape(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			buf_addc(&b, *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s);
		} else {
			buf_addc(&b, *s);
		}
	}
	return buf_detach(&b);
}

/* ---- walking ----------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Append the regular files under dir (sorted, depth-first) to out.
 * Symlinks are not followed unless follow; with follow, depth is capped
 * so that a link cycle ends.
 */
static void
walk(const char *dir, bool follow, int depth, const char *skip_abs,
    struct strlist *out)
{
	DIR *d = opendir(dir);
	struct strlist names = STRLIST_INIT;
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		strlist_push(&names, e->d_name);
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		char *p = strcmp(dir, "/") == 0 ? xasprintf("/%s", names.v[i]) :
		    xasprintf("%s/%s", dir, names.v[i]);
		struct stat st;
		int r = follow ? stat(p, &st) : lstat(p, &st);
		if (r == 0 && S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			walk(p, follow, depth + 1, skip_abs, out);
			free(p);
		} else if (r == 0 && S_ISREG(st.st_mode)) {
			char *abs = skip_abs ? absolute(p) : NULL;
			size_t sl = skip_abs ? strlen(skip_abs) : 0;
			/* The manifest being written, and its temporary file. */
			if (abs && strncmp(abs, skip_abs, sl) == 0 &&
			    (abs[sl] == '\0' || strncmp(abs + sl, ".tmp.", 5) == 0))
				free(p);
			else
				strlist_push_owned(out, p);
			free(abs);
		} else {
			free(p);
		}
	}
	strlist_release(&names);
}

/* ---- the parallel hasher ---------------------------------------------- */

struct job {
	const char	*fspath;
	char		 hash[HASH_HEX_MAX];
	uint64_t	 size;
	int		 err;		/* errno of open/read, or ETIMEDOUT */
	bool		 changed;	/* size or mtime moved while hashed */
	uint64_t	 size_after;
	bool		 content_bad;
	char		*content;	/* the validator's verdict */
};

struct pool {
	struct job	**order;	/* dispatch order: largest first */
	size_t		 n;
	atomic_size_t	 next;
	enum hash_algo	 algo;
	bool		 content;
	int64_t		 deadline_us;
	atomic_ullong	 bytes;
};

/*
 * Hashing from a mapping saves the copy read() makes, which is most of
 * the cost at XXH3's speed.  A file that shrinks while mapped raises
 * SIGBUS on the next page: the handler jumps back to the thread that was
 * reading (each has its own jump buffer), which reports the file as
 * changed instead of the process dying.
 */
static _Thread_local sigjmp_buf *bus_jmp;
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;

static void
on_sigbus(int sig)
{
	if (bus_jmp != NULL)
		siglongjmp(*bus_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_sigbus(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* Feed one chunk; false when the deadline has passed. */
static bool
feed(struct pool *pl, struct hasher *h, struct validator *v,
    const unsigned char *p, size_t n)
{
	hash_update(h, p, n);
	if (v)
		validate_feed(v, p, n);
	return pl->deadline_us == 0 || now_mono_us() <= pl->deadline_us;
}

/*
 * True when at least half of the mapping's pages are in the page cache.
 * Only then is the mapping worth it: from a cold cache, faulting pages in
 * (even with a helper thread touching them ahead of the hasher) kept
 * fewer reads in flight than read() with the kernel's sequential
 * readahead (4 GiB cold xxh128: 3.3 s against 2.9 s), while warm the copy
 * read() makes costs XXH3 half its speed.  Cached pages need no helper:
 * it only took a core from the other hasher.
 */
static bool
mostly_cached(unsigned char *m, uint64_t size)
{
	unsigned char vec[16384];	/* one call covers 64 MiB */
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), in = 0, all = 0;

	for (uint64_t off = 0; off < size; off += sizeof(vec) * pg) {
		uint64_t len = size - off < sizeof(vec) * pg ? size - off :
		    sizeof(vec) * pg;
		size_t np = (size_t)((len + pg - 1) / pg);

		if (mincore(m + off, len, vec) != 0)
			return true;	/* cannot tell: keep the mapping */
		for (size_t i = 0; i < np; i++)
			in += vec[i] & 1;
		all += np;
	}
	return in * 2 >= all;
}

/*
 * Returns bytes hashed, or -1 with errno (ETIMEDOUT, EIO on SIGBUS), or
 * -2 when the file should be read instead (not mappable, or not cached).
 */
static int64_t
hash_mapped(struct pool *pl, int fd, uint64_t size, struct hasher *h,
    struct validator *v)
{
	unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	sigjmp_buf jb;
	volatile uint64_t off = 0;

	if (m == MAP_FAILED)
		return -2;
	if (!mostly_cached(m, size)) {
		munmap(m, size);
		return -2;
	}
	madvise(m, size, MADV_SEQUENTIAL);
	if (sigsetjmp(jb, 1) != 0) {
		bus_jmp = NULL;
		munmap(m, size);
		errno = EIO;	/* the file shrank under us */
		return -1;
	}
	bus_jmp = &jb;
	while (off < size) {
		size_t k = size - off < READ_CHUNK ? (size_t)(size - off) :
		    READ_CHUNK;
		/* Ask for the next window while this one is hashed. */
		if (off % AHEAD == 0 && off + AHEAD < size)
			madvise(m + off + AHEAD, size - off - AHEAD < AHEAD ?
			    (size_t)(size - off - AHEAD) : AHEAD, MADV_WILLNEED);
		bool more = feed(pl, h, v, m + off, k);
		off += k;
		if (!more && off < size) {
			bus_jmp = NULL;
			munmap(m, size);
			errno = ETIMEDOUT;
			return -1;
		}
	}
	bus_jmp = NULL;
	munmap(m, size);
	return (int64_t)off;
}

static int64_t
hash_read(struct pool *pl, int fd, struct hasher *h, struct validator *v,
    unsigned char *buf)
{
	uint64_t off = 0;
	ssize_t n;

	/* The kernel doubles its readahead window for sequential files. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while ((n = read(fd, buf, READ_CHUNK)) > 0) {
		off += (uint64_t)n;
		if (off % AHEAD < (uint64_t)n)
			posix_fadvise(fd, (off_t)(off + AHEAD), AHEAD,
			    POSIX_FADV_WILLNEED);
		if (!feed(pl, h, v, buf, (size_t)n)) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return n < 0 ? -1 : (int64_t)off;
}

static void
hash_one(struct pool *pl, struct job *j, struct hasher *h, unsigned char *buf)
{
	int fd = open(j->fspath, O_RDONLY | O_CLOEXEC);
	struct validator *v = NULL;
	struct stat st;
	int64_t n = -2;

	if (fd < 0) {
		j->err = errno;
		return;
	}
	if (fstat(fd, &st) != 0) {
		j->err = errno;
		close(fd);
		return;
	}
	if (pl->content)
		v = validate_new(j->fspath);
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		n = hash_mapped(pl, fd, (uint64_t)st.st_size, h, v);
	if (n == -2) {
		/* Empty, not mappable or not cached: plain reads. */
		lseek(fd, 0, SEEK_SET);
		n = hash_read(pl, fd, h, v, buf);
	}
	if (n < 0)
		j->err = errno;
	/*
	 * A file written to while it was hashed (a backup still being
	 * copied in) has a digest of no version of it: the mapping stops at
	 * the size seen at open, so bytes appended meanwhile would go
	 * unhashed and an old digest could match.  Size and mtime are
	 * looked at again once the last byte is read.
	 */
	struct stat st2;
	if (n >= 0 && fstat(fd, &st2) == 0 && (st2.st_size != st.st_size ||
	    (uint64_t)n != (uint64_t)st.st_size ||
	    st2.st_mtim.tv_sec != st.st_mtim.tv_sec ||
	    st2.st_mtim.tv_nsec != st.st_mtim.tv_nsec)) {
		j->changed = true;
		j->size_after = (uint64_t)st2.st_size;
	}
	close(fd);
	j->size = n > 0 ? (uint64_t)n : 0;
	pl->bytes += j->size;
	hash_final(h, j->hash);
	if (v && j->err == 0) {
		const char *what;
		j->content_bad = validate_finish(v, &what) != 0;
		j->content = xstrdup(what);
	}
	validate_free(v);
}

static void *
worker(void *arg)
{
	struct pool *pl = arg;
	struct hasher *h = hash_new(pl->algo);
	unsigned char *buf = xmalloc(READ_CHUNK);
	size_t i;

	pthread_once(&bus_once, install_sigbus);
	while ((i = atomic_fetch_add(&pl->next, 1)) < pl->n) {
		/* Past the deadline, the files still queued are not opened. */
		if (pl->deadline_us && now_mono_us() > pl->deadline_us)
			pl->order[i]->err = ETIMEDOUT;
		else
			hash_one(pl, pl->order[i], h, buf);
	}
	free(buf);
	hash_free(h);
	return NULL;
}

static int
cmp_job_size(const void *a, const void *b)
{
	const struct job *x = *(struct job *const *)a;
	const struct job *y = *(struct job *const *)b;

	return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

/*
 * Hash jobs[0..n) with o->jobs threads.  Each job's size must hold the
 * file's size from stat: the biggest files start first so that one large
 * file does not run alone at the end.
 */
static uint64_t
hash_all(struct job *jobs, size_t n, enum hash_algo algo,
    const struct mf_opts *o)
{
	struct pool pl = { .n = n, .algo = algo, .content = o->content,
		.deadline_us = o->deadline_us };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = o->jobs > 0 ? (size_t)o->jobs : ncpu > 0 ? (size_t)ncpu : 1;

	if (n == 0)
		return 0;
	if (nt > n)
		nt = n;
	pl.order = xcalloc(n, sizeof(*pl.order));
	for (size_t i = 0; i < n; i++)
		pl.order[i] = &jobs[i];
	qsort(pl.order, n, sizeof(*pl.order), cmp_job_size);
	atomic_init(&pl.next, 0);
	atomic_init(&pl.bytes, 0);
	pthread_t *th = xcalloc(nt, sizeof(*th));
	size_t started = 0;
	for (size_t i = 1; i < nt; i++)
		if (pthread_create(&th[i], NULL, worker, &pl) == 0)
			started = i;
		else
			break;
	worker(&pl);		/* this thread works too */
	for (size_t i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	free(th);
	free(pl.order);
	return pl.bytes;
}

/* ---- create ------------------------------------------------------------- */

static char *
changed_detail(const struct job *j)
{
	return xasprintf("changed while it was hashed (size %llu, then %llu): "
	    "still being written?", (unsigned long long)j->size,
	    (unsigned long long)j->size_after);
}

static void
report_push(struct mf_report *rep, size_t *cap, const char *path,
    enum mf_state st, char *detail)
{
	ARR_GROW(rep->v, rep->n, *cap);
	struct mf_result *r = &rep->v[rep->n++];
	memset(r, 0, sizeof(*r));
	r->path = xstrdup(path);
	r->state = st;
	r->detail = detail;
	if (st == MF_OK)
		rep->nok++;
	else if (st == MF_EXTRA)
		rep->nextra++;
	else
		rep->nfail++;
}

static void
add_path_comment(struct buf *b, const char *what, const char *path)
{
	buf_addf(b, "# %s ", what);
	add_escaped(b, path);
	buf_addc(b, '\n');
}

static void
add_hash_line(struct buf *b, const char *hash, const char *path)
{
	if (needs_escape(path)) {
		buf_addf(b, "\\%s  ", hash);
		add_escaped(b, path);
	} else {
		buf_addf(b, "%s  %s", hash, path);
	}
	buf_addc(b, '\n');
}

static int
write_atomically(const char *path, const struct buf *b, char **errp)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(b->s, 1, b->len, stdout) != b->len || fflush(stdout))
			return seterr_errno(errp, "cannot write the manifest");
		return 0;
	}
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		free(tmp);
		return seterr_errno(errp, "cannot write '%s'", path);
	}
	bool ok = fwrite(b->s, 1, b->len, f) == b->len;
	ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		errno = e;
		return seterr_errno(errp, "cannot write '%s'", path);
	}
	free(tmp);
	return 0;
}

int
manifest_create(char *const *paths, size_t n, const char *out_path,
    const struct mf_opts *o, struct mf_report *rep, char **errp)
{
	enum hash_algo algo = o->algo >= 0 ? (enum hash_algo)o->algo :
	    HASH_SHA256;
	struct strlist files = STRLIST_INIT, dirs = STRLIST_INIT;
	char *base = NULL, *out_abs = NULL;
	size_t cap = 0;
	int rc = -1;

	memset(rep, 0, sizeof(*rep));
	rep->algo = algo;
	if (strcmp(out_path, "-") == 0) {
		base = absolute(".");
	} else {
		char *d = dir_of(out_path);
		char real[PATH_MAX];
		if (realpath(d, real) == NULL) {
			seterr_errno(errp, "cannot write '%s'", out_path);
			free(d);
			goto done;
		}
		free(d);
		base = xstrdup(real);
		out_abs = absolute(out_path);
	}
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(paths[i], &st) != 0) {
			seterr_errno(errp, "cannot read '%s'", paths[i]);
			goto done;
		}
		if (S_ISDIR(st.st_mode)) {
			strlist_push(&dirs, paths[i]);
			walk(paths[i], o->follow, 0, out_abs, &files);
		} else if (S_ISREG(st.st_mode)) {
			strlist_push(&files, paths[i]);
		} else {
			seterr(errp, "'%s' is neither a file nor a directory",
			    paths[i]);
			goto done;
		}
	}
	if (files.n == 0) {
		/*
		 * A manifest without a checksum line cannot be verified (and
		 * an empty backup directory is a failed backup more often than
		 * not): refused, like verify refuses such a manifest.
		 */
		seterr(errp, "no files to list: %s%s%s empty", n == 1 ? "'" : "",
		    n == 1 ? paths[0] : "every path", n == 1 ? "' is" : " is");
		goto done;
	}
	struct job *jobs = xcalloc(files.n + 1, sizeof(*jobs));
	for (size_t i = 0; i < files.n; i++) {
		struct stat st;
		jobs[i].fspath = files.v[i];
		if (stat(files.v[i], &st) == 0)
			jobs[i].size = (uint64_t)st.st_size;
	}
	rep->bytes = hash_all(jobs, files.n, algo, o);

	struct buf b = BUF_INIT;
	buf_addf(&b, "# cutover manifest; check with `cutover manifest verify "
	    "FILE` or `%ssum -c FILE`\n# algo %s\n", algo == HASH_XXH128 ?
	    "xxh128" : hash_algo_name(algo), hash_algo_name(algo));
	for (size_t i = 0; i < dirs.n; i++) {
		char *r = relative_to(base, dirs.v[i]);
		add_path_comment(&b, "dir", r);
		free(r);
	}
	for (size_t i = 0; i < files.n; i++) {
		struct job *j = &jobs[i];
		char *r = relative_to(base, j->fspath);
		if (j->err || j->changed) {
			report_push(rep, &cap, r, MF_ERROR, j->changed ?
			    changed_detail(j) : xasprintf("cannot read: %s",
			    strerror(j->err)));
			free(r);
			continue;
		}
		char *sz = xasprintf("size %llu", (unsigned long long)j->size);
		if (j->content_bad) {
			/* Said in the manifest too: whoever restores sees it. */
			buf_adds(&b, "# incomplete ");
			add_escaped(&b, j->content);
			buf_addc(&b, '\n');
		}
		add_path_comment(&b, sz, r);
		add_hash_line(&b, j->hash, r);
		free(sz);
		report_push(rep, &cap, r, j->content_bad ? MF_CONTENT : MF_OK,
		    j->content ? xstrdup(j->content) : NULL);
		rep->v[rep->n - 1].size = j->size;
		memcpy(rep->v[rep->n - 1].hash, j->hash, HASH_HEX_MAX);
		free(r);
	}
	for (size_t i = 0; i < files.n; i++)
		free(jobs[i].content);
	free(jobs);
	if (rep->nfail && rep->nok == 0 && files.n > 0 &&
	    rep->v[0].state == MF_ERROR) {
		/* Nothing could be read: do not write an empty manifest. */
		buf_release(&b);
		rc = 0;
		goto done;
	}
	rc = write_atomically(out_path, &b, errp);
	buf_release(&b);
done:
	strlist_release(&files);
	strlist_release(&dirs);
	free(base);
	free(out_abs);
	return rc;
}

/* ---- reading a manifest ------------------------------------------------ */

struct entry {
	char		*path;
	char		 hash[HASH_HEX_MAX];
	int64_t		 size;		/* -1: unknown */
	int		 line;
	int		 algo;		/* from a BSD tag, or -1 */
};

static bool
all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return n > 0;
}

static void
lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/*
 * Guess the algorithm of a manifest without an "# algo" line or tags
 * from its name (B3SUMS, *.md5, *.xxh128) and then the digest length.
 */
static int
guess_algo(const char *file, size_t hexlen)
{
	const char *b = strrchr(file, '/');
	char *name = xstrdup(b ? b + 1 : file);
	int a = -1;

	lower(name);
	if (strstr(name, "b3") || strstr(name, "blake3"))
		a = -2;
	else if (strstr(name, "xxh"))
		a = HASH_XXH128;
	else if (strstr(name, "sha512"))
		a = HASH_SHA512;
	else if (strstr(name, "sha1"))
		a = HASH_SHA1;
	else if (strstr(name, "md5"))
		a = HASH_MD5;
	free(name);
	if (a != -1)
		return a;
	switch (hexlen) {
	case 32: return HASH_MD5;
	case 40: return HASH_SHA1;
	case 64: return HASH_SHA256;
	case 128: return HASH_SHA512;
	default: return -1;
	}
}

struct parsed {
	struct entry	*v;
	size_t		 n, cap;
	struct strlist	 dirs;
	int		 algo;		/* from "# algo", or -1 */
};

static void
parsed_release(struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].path);
	free(p->v);
	strlist_release(&p->dirs);
}

static int
parse_manifest(const char *file, const char *data, struct parsed *pm,
    char **errp)
{
	int lineno = 0;
	const char *p = data;
	char *pend_path = NULL;
	int64_t pend_size = -1;
	int rc = 0;

	pm->algo = -1;
	while (*p && rc == 0) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		lineno++;
		size_t ll = strlen(line);
		if (ll && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (ll == 0) {
			free(line);
			continue;
		}
		if (line[0] == '#') {
			char *c = line + 1;
			while (*c == ' ')
				c++;
			if (strncmp(c, "algo ", 5) == 0) {
				pm->algo = hash_algo_find(c + 5);
				if (pm->algo < 0)
					rc = seterr(errp, "%s:%d: unsupported "
					    "algorithm '%s'", file, lineno, c + 5);
			} else if (strncmp(c, "dir ", 4) == 0) {
				strlist_push_owned(&pm->dirs, unescape(c + 4));
			} else if (strncmp(c, "size ", 5) == 0) {
				char *end;
				long long sz = strtoll(c + 5, &end, 10);
				if (end == c + 5 || *end != ' ' || sz < 0) {
					rc = seterr(errp, "%s:%d: bad size "
					    "comment", file, lineno);
				} else {
					free(pend_path);
					pend_path = unescape(end + 1);
					pend_size = sz;
				}
			}
			free(line);
			continue;
		}
		struct entry e = { .size = -1, .line = lineno, .algo = -1 };
		bool esc = line[0] == '\\';
		char *l = line + esc;
		char *paren = strstr(l, " (");
		char *eq = strstr(l, ") = ");
		size_t hl = strspn(l, "0123456789abcdefABCDEF");
		if (hl > 0 && (l[hl] == ' ') && (l[hl + 1] == ' ' ||
		    l[hl + 1] == '*') && l[hl + 2] != '\0') {
			/* GNU: HASH, space, space or '*', path. */
			if (hl >= HASH_HEX_MAX) {
				rc = seterr(errp, "%s:%d: digest too long", file,
				    lineno);
			} else {
				memcpy(e.hash, l, hl);
				e.hash[hl] = '\0';
				e.path = esc ? unescape(l + hl + 2) :
				    xstrdup(l + hl + 2);
			}
		} else if (paren && eq && eq > paren && all_hex(eq + 4,
		    strlen(eq + 4)) && strlen(eq + 4) < HASH_HEX_MAX) {
			/* BSD tag: ALGO (path) = HASH */
			*paren = '\0';
			e.algo = hash_algo_find(l);
			if (e.algo < 0) {
				rc = seterr(errp, "%s:%d: unsupported algorithm "
				    "'%s'", file, lineno, l);
			} else {
				strcpy(e.hash, eq + 4);
				*eq = '\0';
				e.path = esc ? unescape(paren + 2) :
				    xstrdup(paren + 2);
			}
		} else {
			rc = seterr(errp, "%s:%d: not a checksum line (expected "
			    "'HASH  PATH' or 'ALGO (PATH) = HASH')", file,
			    lineno);
		}
		free(line);
		if (rc != 0)
			break;
		lower(e.hash);
		if (pend_path && strcmp(pend_path, e.path) == 0)
			e.size = pend_size;
		free(pend_path);
		pend_path = NULL;
		ARR_PUSH(pm->v, pm->n, pm->cap, e);
	}
	free(pend_path);
	return rc;
}

/* A manifest of a million files is about 150 MB; past this it is not one. */
#define MANIFEST_MAX	(512ULL * 1024 * 1024)

static char *
slurp(const char *path, char **errp)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct buf b = BUF_INIT;
	char chunk[65536];
	struct stat st;
	size_t n;

	if (f == NULL) {
		seterr_errno(errp, "cannot read '%s'", path);
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		if (f != stdin)
			fclose(f);
		seterr(errp, "'%s' is a directory, not a manifest", path);
		return NULL;
	}
	buf_init(&b, MANIFEST_MAX);
	while (!b.truncated && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (memchr(chunk, '\0', n)) {
			if (f != stdin)
				fclose(f);
			buf_release(&b);
			seterr(errp, "%s: binary data, not a manifest", path);
			return NULL;
		}
		buf_add(&b, chunk, n);
	}
	if (f != stdin)
		fclose(f);
	if (b.truncated) {
		buf_release(&b);
		seterr(errp, "%s: larger than 512 MiB: not a manifest", path);
		return NULL;
	}
	return buf_detach(&b);
}

/* ---- verify ------------------------------------------------------------- */

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
manifest_verify(const char *path, const struct mf_opts *o,
    struct mf_report *rep, char **errp)
{
	struct parsed pm = { 0 };
	char *data = slurp(path, errp);
	size_t cap = 0;
	int rc = -1;

	memset(rep, 0, sizeof(*rep));
	if (data == NULL)
		return -1;
	if (parse_manifest(path, data, &pm, errp) != 0)
		goto done;
	if (pm.n == 0) {
		seterr(errp, "%s: no checksum lines", path);
		goto done;
	}
	int algo = o->algo >= 0 ? o->algo : pm.algo >= 0 ? pm.algo :
	    pm.v[0].algo >= 0 ? pm.v[0].algo :
	    guess_algo(path, strlen(pm.v[0].hash));
	if (algo == -2) {
		seterr(errp, "%s: a BLAKE3 manifest; this build hashes with "
		    "sha256, sha512, sha1, md5 and xxh128 (use --algo if the "
		    "name misleads)", path);
		goto done;
	}
	if (algo < 0) {
		seterr(errp, "%s:%d: cannot tell the algorithm of a %zu-digit "
		    "digest (use --algo)", path, pm.v[0].line,
		    strlen(pm.v[0].hash));
		goto done;
	}
	for (size_t i = 0; i < pm.n; i++) {
		int a = pm.v[i].algo >= 0 ? pm.v[i].algo : algo;
		if (a != algo) {
			seterr(errp, "%s:%d: mixes %s with %s; one algorithm per "
			    "manifest", path, pm.v[i].line,
			    hash_algo_name((enum hash_algo)a),
			    hash_algo_name((enum hash_algo)algo));
			goto done;
		}
		if (strlen(pm.v[i].hash) != hash_hex_len((enum hash_algo)algo)) {
			seterr(errp, "%s:%d: a %s digest has %zu hex digits, not "
			    "%zu", path, pm.v[i].line,
			    hash_algo_name((enum hash_algo)algo),
			    strlen(pm.v[i].hash),
			    hash_hex_len((enum hash_algo)algo));
			goto done;
		}
	}
	rep->algo = (enum hash_algo)algo;

	char *base = strcmp(path, "-") == 0 ? xstrdup(".") : dir_of(path);
	struct job *jobs = xcalloc(pm.n, sizeof(*jobs));
	char **fspaths = xcalloc(pm.n, sizeof(*fspaths));
	bool *hashed = xcalloc(pm.n, sizeof(*hashed));
	size_t npending = 0;
	for (size_t i = 0; i < pm.n; i++) {
		struct stat st;
		fspaths[i] = resolve(base, pm.v[i].path);
		jobs[i].fspath = fspaths[i];
		if (stat(fspaths[i], &st) != 0) {
			jobs[i].err = errno;
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			jobs[i].err = EISDIR;
			continue;
		}
		jobs[i].size = (uint64_t)st.st_size;
		/* A size that differs already proves a change: skip hashing. */
		if (pm.v[i].size >= 0 && (uint64_t)pm.v[i].size != jobs[i].size)
			continue;
		hashed[i] = true;
		npending++;
	}
	/* hash_all takes a contiguous array: hash copies, then copy back. */
	struct job *tj = xcalloc(npending + 1, sizeof(*tj));
	size_t k = 0;
	for (size_t i = 0; i < pm.n; i++)
		if (hashed[i])
			tj[k++] = jobs[i];
	rep->bytes = hash_all(tj, npending, rep->algo, o);
	k = 0;
	for (size_t i = 0; i < pm.n; i++)
		if (hashed[i])
			jobs[i] = tj[k++];
	free(tj);

	for (size_t i = 0; i < pm.n; i++) {
		struct entry *e = &pm.v[i];
		struct job *j = &jobs[i];
		char *detail = NULL;
		enum mf_state st;
		if (j->err == ENOENT || j->err == ENOTDIR) {
			st = MF_MISSING;
		} else if (j->err == EISDIR) {
			st = MF_ERROR;
			detail = xstrdup("not a regular file");
		} else if (j->err == ETIMEDOUT) {
			st = MF_ERROR;
			detail = xstrdup("timed out while hashing");
		} else if (j->err == EIO) {
			st = MF_ERROR;
			detail = xstrdup("read error, or the file shrank while it "
			    "was read");
		} else if (j->err) {
			st = MF_ERROR;
			detail = xasprintf("cannot read: %s", strerror(j->err));
		} else if (j->changed) {
			st = MF_ERROR;
			detail = changed_detail(j);
		} else if (!hashed[i]) {
			st = MF_SIZE;
			detail = xasprintf("size %lld -> %llu", (long long)e->size,
			    (unsigned long long)j->size);
		} else if (strcmp(j->hash, e->hash) != 0) {
			st = MF_HASH;
			detail = xasprintf("%s %.12s... -> %.12s...",
			    hash_algo_name(rep->algo), e->hash, j->hash);
		} else if (j->content_bad) {
			st = MF_CONTENT;
			detail = xstrdup(j->content);
		} else {
			st = MF_OK;
			detail = j->content ? xstrdup(j->content) : NULL;
		}
		report_push(rep, &cap, e->path, st, detail);
		rep->v[rep->n - 1].size = j->size;
		memcpy(rep->v[rep->n - 1].hash, j->hash, HASH_HEX_MAX);
		free(j->content);
	}

	/* Extras: files in a listed directory that the manifest lacks. */
	if (pm.dirs.n) {
		char *mabs = strcmp(path, "-") == 0 ? NULL : absolute(path);
		char *babs = absolute(base);
		char **known = xcalloc(pm.n, sizeof(*known));
		for (size_t i = 0; i < pm.n; i++)
			known[i] = absolute(fspaths[i]);
		qsort(known, pm.n, sizeof(*known), cmp_cstr);
		for (size_t d = 0; d < pm.dirs.n; d++) {
			struct strlist found = STRLIST_INIT;
			char *dp = resolve(base, pm.dirs.v[d]);
			walk(dp, o->follow, 0, NULL, &found);
			for (size_t i = 0; i < found.n; i++) {
				char *a = absolute(found.v[i]);
				bool self = mabs && (strcmp(a, mabs) == 0 ||
				    (strncmp(a, mabs, strlen(mabs)) == 0 &&
				    strncmp(a + strlen(mabs), ".tmp.", 5) == 0));
				if (!self && bsearch(&a, known, pm.n,
				    sizeof(*known), cmp_cstr) == NULL) {
					/* Name it the way create would have. */
					char *shown = relative_to(babs, found.v[i]);
					report_push(rep, &cap, shown, MF_EXTRA,
					    xstrdup("not in the manifest"));
					free(shown);
				}
				free(a);
			}
			strlist_release(&found);
			free(dp);
		}
		for (size_t i = 0; i < pm.n; i++)
			free(known[i]);
		free(known);
		free(mabs);
		free(babs);
	}
	for (size_t i = 0; i < pm.n; i++)
		free(fspaths[i]);
	free(fspaths);
	free(hashed);
	free(jobs);
	free(base);
	rc = 0;
done:
	parsed_release(&pm);
	free(data);
	return rc;
}

void
mf_report_release(struct mf_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->v[i].path);
		free(rep->v[i].detail);
	}
	free(rep->v);
	memset(rep, 0, sizeof(*rep));
}
