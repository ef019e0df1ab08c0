/*
 * manifest_hash.c - the parallel hasher (manifest_hash.h): one sequential
 * stream per file, largest first, through a mapping when the file is
 * mostly cached, else read(); the same bytes feed the content validator.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/hash.h"
#include "lib/progress.h"
#include "lib/util.h"
#include "lib/validate.h"
#include "lib/xmalloc.h"
#include "manifest_hash.h"

/*
 * Files are hashed from a mapping in 1 MiB steps (read() in 1 MiB reads
 * where mapping fails), with readahead asked for AHEAD bytes in front:
 * the disk stays busy while we hash, and a step is short enough to check
 * the deadline often.
 */
#define READ_CHUNK	(1024 * 1024)
#define AHEAD		(16 * 1024 * 1024)


struct pool {
	struct job	**order;	/* dispatch order: largest first */
	size_t		 n;
	atomic_size_t	 next;
	enum hash_algo	 algo;
	bool		 content;
	int64_t		 deadline_us;
	atomic_ullong	 bytes;
	atomic_ullong	 read;		/* every byte fed, for a timeout's
					   "how far" */
	struct hash_watch *w;
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
	/* One atomic add per MiB: nothing beside hashing it. */
	pl->read += n;
	if (pl->w)
		progress_add(pl->w->progress, 0, (long long)n);
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
	/* O_NONBLOCK: a FIFO put where a file was must not block open(). */
	int fd = open(j->fspath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct validator *v = NULL;
	struct stat st;
	int64_t n = -2;

	if (fd < 0) {
		j->err = errno;
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		/* EISDIR: reported as "not a regular file". */
		j->err = fstat(fd, &st) != 0 ? errno : EISDIR;
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
		if (pl->w) {
			progress_add(pl->w->progress, 1, 0);
			if (pl->w->done)
				pl->w->done(pl->order[i], pl->w->arg);
		}
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
uint64_t
hash_all(struct job *jobs, size_t n, enum hash_algo algo,
    const struct mf_opts *o, struct hash_watch *w)
{
	struct pool pl = { .n = n, .algo = algo, .content = o->content,
		.deadline_us = o->deadline_us, .w = w };
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
	atomic_init(&pl.read, 0);
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
	if (w)
		w->bytes_read = pl.read;
	return pl.bytes;
}

