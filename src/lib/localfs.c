/*
 * localfs.c - which paths may be stat'ed on the calling thread (localfs.h).
 *
 * Measured on the 700-`file` watch of bench/watch (2 cores, load 9-44):
 * a sample in a child (clone, pipe, poll, wait) cost 0.250 ms of CPU in
 * all; with the lookup here (a poll of the mountinfo descriptor, an
 * lstat per component of the path) and the stat on the thread, 0.030 ms
 * (docs/BENCHMARKS.md, watch).  Then 0.015 ms: with no network mount
 * at all the walk is skipped, and the lock with it between polls (one
 * stat a sample instead of 5 and a poll; ~2 futex calls became ~0.08).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/localfs.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

/*
 * Types whose stat is answered by this kernel from memory or a local
 * device.  Anything else (nfs, cifs, smb3, fuse.*, ceph, glusterfs, 9p,
 * autofs, and types not known here) keeps the child.
 */
static const char *const local_types[] = {
	"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs",
	"f2fs", "vfat", "msdos", "exfat", "ntfs3", "jfs", "reiserfs", "nilfs2",
	"squashfs", "iso9660", "ramfs", "proc", "sysfs", "devtmpfs", "devpts",
	"cgroup", "cgroup2", "mqueue", "hugetlbfs", "debugfs", "tracefs",
	"securityfs", "pstore", "bpf", "configfs", "efivarfs", "binfmt_misc",
	"fusectl", "nsfs",
};

bool
fstype_local(const char *type)
{
	for (size_t i = 0; i < sizeof(local_types) / sizeof(*local_types); i++)
		if (strcmp(type, local_types[i]) == 0)
			return true;
	return false;
}

void
mounttab_free(struct mounttab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->ent[i].point);
	free(t->ent);
	t->ent = NULL;
	t->n = 0;
	t->all_local = false;
}

/*
 * Field i (0-based, space-separated) of line [s, e): sets *f, *flen.
 * Returns -1 when the line has fewer fields.
 */
static int
field(const char *s, const char *e, size_t i, const char **f, size_t *flen)
{
	const char *p = s;

	for (;;) {
		const char *q = memchr(p, ' ', (size_t)(e - p));
		if (q == NULL)
			q = e;
		if (i-- == 0) {
			*f = p;
			*flen = (size_t)(q - p);
			return 0;
		}
		if (q == e)
			return -1;
		p = q + 1;
	}
}

/* The kernel's escapes in mountinfo: \ooo for space, tab, \n and \\. */
static char *
unescape(const char *f, size_t n)
{
	char *o = xmalloc(n + 1), *w = o;

	for (size_t i = 0; i < n; i++) {
		if (f[i] != '\\') {
			*w++ = f[i];
			continue;
		}
		if (n - i < 4)
			goto bad;
		unsigned v = 0;
		for (int k = 1; k <= 3; k++) {
			if (f[i + k] < '0' || f[i + k] > '7')
				goto bad;
			v = v * 8 + (unsigned)(f[i + k] - '0');
		}
		if (v == 0 || v > 255)
			goto bad;
		*w++ = (char)v;
		i += 3;
	}
	*w = '\0';
	return o;
bad:
	free(o);
	return NULL;
}

/* One line: "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE ...". */
static int
parse_line(const char *s, const char *e, struct mount_ent *m)
{
	const char *f, *pf;
	size_t fl, pl, i;
	char type[64];

	if (field(s, e, 4, &pf, &pl) != 0 || pl == 0 || pl >= PATH_MAX ||
	    *pf != '/')
		return -1;
	for (i = 6; ; i++) {
		if (field(s, e, i, &f, &fl) != 0)
			return -1;
		if (fl == 1 && *f == '-')
			break;
	}
	if (field(s, e, i + 1, &f, &fl) != 0 || fl == 0 || fl >= sizeof(type))
		return -1;
	memcpy(type, f, fl);
	type[fl] = '\0';
	if (memchr(type, '\0', fl) != NULL)
		return -1;
	if ((m->point = unescape(pf, pl)) == NULL)
		return -1;
	m->len = strlen(m->point);
	/* "/a/" is never printed; take it as "/a" all the same. */
	while (m->len > 1 && m->point[m->len - 1] == '/')
		m->point[--m->len] = '\0';
	m->local = fstype_local(type);
	return 0;
}

int
mountinfo_parse(const char *s, size_t len, struct mounttab *t)
{
	size_t cap = 0;

	t->ent = NULL;
	t->n = 0;
	t->all_local = false;
	if (len > MOUNTTAB_MAX_BYTES)
		return -1;
	for (const char *p = s, *end = s + len; p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if (e > p) {
			if (t->n == MOUNTTAB_MAX_ENTRIES)
				goto bad;
			if (t->n == cap) {
				cap = cap ? cap * 2 : 32;
				t->ent = xrealloc(t->ent, cap * sizeof(*t->ent));
			}
			if (parse_line(p, e, &t->ent[t->n]) != 0)
				goto bad;
			t->n++;
		}
		p = e + 1;
	}
	bool root = false, all = true;
	for (size_t i = 0; i < t->n; i++) {
		root |= t->ent[i].len == 1;
		all &= t->ent[i].local;
	}
	t->all_local = root && all;
	return 0;
bad:
	mounttab_free(t);
	return -1;
}

bool
mounttab_local(const struct mounttab *t, const char *p)
{
	const struct mount_ent *best = NULL;

	for (size_t i = 0; i < t->n; i++) {
		const struct mount_ent *m = &t->ent[i];
		if (strncmp(p, m->point, m->len) != 0)
			continue;
		if (m->len > 1 && p[m->len] != '\0' && p[m->len] != '/')
			continue;
		/* Equal length: the later line is mounted over the earlier. */
		if (best == NULL || m->len >= best->len)
			best = m;
	}
	return best != NULL && best->local;
}

/*
 * The cached table: shared, immutable, counted, so a lookup walks it
 * without the lock while a refresh replaces it.
 */
struct table {
	struct mounttab	 t;
	unsigned	 refs;
};

#define REREAD_US	(5 * US_PER_S)
/*
 * The mountinfo descriptor is polled at most once a millisecond: a
 * round of 700 `file` checks polled 700 times (one system call of the
 * two a sample is left with); a mount made since is seen within 1 ms,
 * and one made between the poll and the stat was never seen anyway.
 */
#define REPOLL_US	US_PER_MS

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct table *table;
static int64_t table_at, polled_at;
static int minfo_fd = -1;
/*
 * Until this monotonic time (the next poll due), every path is local
 * without taking the lock: the table has no network mount.  16 workers
 * taking table_lock twice a sample made a futex call per `file` sample
 * (strace -k, 700 file checks).
 */
static _Atomic int64_t all_local_until;
/*
 * When the all-local table must be read again (table_at + REREAD_US),
 * and a mount change seen by a poll made without the lock (path_is_local):
 * the kernel reports a change once per open file, to the first poll.
 */
static _Atomic int64_t reread_due;
static _Atomic bool changed_seen;

static void
table_put(struct table *tb)
{
	if (tb && --tb->refs == 0) {
		mounttab_free(&tb->t);
		free(tb);
	}
}

/* Read mountinfo whole from its start; an empty table when it cannot. */
static struct table *
table_read(void)
{
	struct table *tb = xcalloc(1, sizeof(*tb));
	struct buf b = BUF_INIT;
	char chunk[16384];
	ssize_t n;

	tb->refs = 1;
	if (minfo_fd < 0)
		minfo_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (minfo_fd < 0 || lseek(minfo_fd, 0, SEEK_SET) != 0)
		return tb;
	while ((n = read(minfo_fd, chunk, sizeof(chunk))) > 0) {
		if (b.len + (size_t)n > MOUNTTAB_MAX_BYTES) {
			buf_release(&b);
			return tb;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	if (n == 0)
		(void)mountinfo_parse(b.s, b.len, &tb->t);
	buf_release(&b);
	return tb;
}

static struct table *
table_get(void)
{
	struct table *tb;
	int64_t now = now_mono_us();

	pthread_mutex_lock(&table_lock);
	bool stale = table == NULL || now - table_at > REREAD_US ||
	    atomic_exchange(&changed_seen, false);
	if (!stale && minfo_fd >= 0 && now - polled_at >= REPOLL_US) {
		polled_at = now;
		/* The kernel flags a mount or unmount once per reader. */
		struct pollfd p = { .fd = minfo_fd, .events = POLLPRI };
		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLPRI | POLLERR)))
			stale = true;
	}
	if (stale) {
		table_put(table);
		table = table_read();
		table_at = polled_at = now;
	}
	tb = table;
	int64_t until = polled_at + REPOLL_US;
	if (until > table_at + REREAD_US)
		until = table_at + REREAD_US;
	atomic_store(&reread_due, table_at + REREAD_US);
	atomic_store(&all_local_until, tb->t.all_local ? until : 0);
	tb->refs++;
	pthread_mutex_unlock(&table_lock);
	return tb;
}

static void
table_release(struct table *tb)
{
	pthread_mutex_lock(&table_lock);
	table_put(tb);
	pthread_mutex_unlock(&table_lock);
}

/* At most as many symlinks as the kernel follows in one lookup. */
#define MAX_LINKS	40

/*
 * Resolve path like realpath, but look up a component only once it and
 * its directory are known to be on local mounts.  res and rest are
 * PATH_MAX buffers: rest holds what is left to walk.
 */
bool
mounttab_path_local(const struct mounttab *t, const char *path)
{
	char res[PATH_MAX], rest[PATH_MAX], cand[PATH_MAX], link[PATH_MAX];
	size_t rl = 1;
	int links = 0;

	/*
	 * No network or FUSE mount at all (most servers): wherever the
	 * path leads, it is local.  The walk below costs an lstat per
	 * component: 4 of the 5 system calls of a `file` sample of
	 * /tmp/x/files/fN (strace -c, bench/watch).
	 */
	if (t->all_local)
		return true;
	if (*path == '/') {
		if (strlen(path) >= sizeof(rest))
			return false;
		strcpy(rest, path);
	} else {
		if (getcwd(rest, sizeof(rest)) == NULL ||
		    strlen(rest) + 1 + strlen(path) >= sizeof(rest))
			return false;
		strcat(strcat(rest, "/"), path);
	}
	strcpy(res, "/");
	if (!mounttab_local(t, res))
		return false;
	char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return true;
		char *q = strchrnul(p, '/');
		size_t cl = (size_t)(q - p);
		if (cl == 1 && *p == '.') {
			p = q;
			continue;
		}
		if (cl == 2 && p[0] == '.' && p[1] == '.') {
			/* res holds no symlinks: its parent is lexical. */
			while (rl > 1 && res[rl - 1] != '/')
				rl--;
			if (rl > 1)
				rl--;
			res[rl] = '\0';
			p = q;
			continue;
		}
		size_t sep = rl > 1;
		if (rl + sep + cl >= sizeof(cand))
			return false;
		memcpy(cand, res, rl);
		if (sep)
			cand[rl] = '/';
		memcpy(cand + rl + sep, p, cl);
		cand[rl + sep + cl] = '\0';
		if (!mounttab_local(t, res) || !mounttab_local(t, cand))
			return false;
		struct stat st;
		if (lstat(cand, &st) != 0)
			/* Absent, or not ours to see: the stat will say so. */
			return errno == ENOENT || errno == ENOTDIR ||
			    errno == EACCES;
		if (!S_ISLNK(st.st_mode)) {
			memcpy(res, cand, rl + sep + cl + 1);
			rl += sep + cl;
			p = q;
			continue;
		}
		if (++links > MAX_LINKS)
			return false;
		ssize_t n = readlink(cand, link, sizeof(link) - 1);
		if (n <= 0)
			return false;
		link[n] = '\0';
		/* The link's target, then what followed it. */
		if ((size_t)n + 1 + strlen(q) >= sizeof(link))
			return false;
		strcat(link, q);
		strcpy(rest, link);
		p = rest;
		if (*link == '/') {
			rl = 1;
			res[1] = '\0';
		}
	}
}

bool
path_is_local(const char *path)
{
	int64_t now = now_mono_us();
	int64_t until = atomic_load(&all_local_until);

	if (now < until)
		return true;
	/*
	 * All local, and the poll is due: the one caller that moves the
	 * deadline polls for everyone, without the lock.  Taking table_lock
	 * for it, as every caller did once the deadline passed, kept ~2
	 * futex calls a `file` sample (strace -f -k, 700 checks, 16
	 * workers): the workers queued on the lock behind the poll.
	 */
	int64_t next = now + REPOLL_US, due = atomic_load(&reread_due);
	if (next > due)
		next = due;
	if (until != 0 && next > now &&
	    atomic_compare_exchange_strong(&all_local_until, &until, next)) {
		struct pollfd pf = { .fd = minfo_fd, .events = POLLPRI };
		if (!(poll(&pf, 1, 0) > 0 && (pf.revents & (POLLPRI |
		    POLLERR | POLLNVAL))))
			return true;
		atomic_store(&all_local_until, 0);
		atomic_store(&changed_seen, true);
	}
	struct table *tb = table_get();
	bool local = mounttab_path_local(&tb->t, path);

	table_release(tb);
	return local;
}

int
run_on_path(void (*fn)(void *path, void *out), char *path, void *out,
    size_t outlen, int64_t timeout_us)
{
	if (path_is_local(path)) {
		fn(path, out);
		return 0;
	}
	return run_in_child(fn, path, out, outlen, timeout_us);
}
