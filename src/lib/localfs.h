/*
 * localfs.h - whether a path lives on a local file system, so that a
 * stat or statvfs of it can run on the calling thread instead of in a
 * child process (run_in_child, util.h): only a network or FUSE mount can
 * hang a stat, and a child costs ~0.25 ms of CPU per sample.
 *
 * The mount table is /proc/self/mountinfo, parsed by a bounded parser
 * (fuzzed: tests/fuzz/fuzz_mountinfo.c), cached, and read again when the
 * kernel signals a change on it (POLLPRI) or every few seconds.
 */
#ifndef CUTOVER_LOCALFS_H
#define CUTOVER_LOCALFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mount_ent {
	char		*point;		/* unescaped, absolute */
	size_t		 len;
	bool		 local;
};

struct mounttab {
	struct mount_ent *ent;		/* in mountinfo's order */
	size_t		  n;
	bool		  all_local;	/* / is mounted, every mount local */
};

/* The most lines and bytes of mountinfo the parser takes. */
#define MOUNTTAB_MAX_ENTRIES	20000
#define MOUNTTAB_MAX_BYTES	(8u << 20)

/*
 * Parse mountinfo text (len bytes, no terminator needed) into t.  Returns
 * 0, or -1 for a malformed line or past the limits (t is then empty).
 */
int	 mountinfo_parse(const char *s, size_t len, struct mounttab *t);
void	 mounttab_free(struct mounttab *t);

/* Whether a file system type never hangs a stat (ext4, tmpfs, ...). */
bool	 fstype_local(const char *type);

/*
 * Whether the absolute path p (no symlinks, no "." or "..") is on a local
 * file system by t: the last-mounted of the longest mount points that
 * contain it.  A path under no mount point is not local.
 */
bool	 mounttab_local(const struct mounttab *t, const char *p);

/*
 * Whether path is on a local file system by t: its existing prefix is
 * resolved as path_is_local says.  When every mount of t is local (and /
 * is one), any path is, and nothing is looked up.
 */
bool	 mounttab_path_local(const struct mounttab *t, const char *path);

/*
 * Whether path is on a local file system now: its existing prefix is
 * resolved component by component, symlinks followed, and each component
 * is looked up only when its directory and itself are on local mounts
 * (a lookup on a hung mount would hang).  False when unsure.
 */
bool	 path_is_local(const char *path);

/*
 * fn(path, out) on this thread when path is local, else in a child with
 * run_in_child's timeout and answer (util.h).  fn follows run_in_child's
 * rules.  Returns 0, 1 on timeout, or -1 with errno.
 */
int	 run_on_path(void (*fn)(void *path, void *out), char *path, void *out,
	    size_t outlen, int64_t timeout_us);

#endif
