/*
 * disk.c - kind `disk`: free space on the filesystem holding `path`, as
 * an absolute size (min_free: 5GB) or a share of it (min_free: 10%).
 * Counts what an unprivileged writer can use (f_bavail), as df does.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"

struct disk_conf {
	char		*path;
	bool		 pct;
	double		 min_pct;
	uint64_t	 min_bytes;
};

static const char *const keys[] = { "path", "min_free", NULL };

static int
disk_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct disk_conf *d = xcalloc(1, sizeof(*d));
	int rc = 0;

	c->priv = d;
	d->path = pn_req_str(cx, map, "path");
	yaml_node_t *m = pn_get(cx, map, "min_free");
	char *s = m ? pn_str(cx, m, "min_free") : NULL;
	char *e = NULL;
	if (m == NULL) {
		pn_error(cx, map, "missing 'min_free' (e.g. 5GB or 10%%)");
		rc = -1;
	} else if (s && strchr(s, '%')) {
		d->pct = true;
		if (parse_percent(s, &d->min_pct, &e) != 0) {
			pn_error(cx, m, "'min_free': %s", e);
			rc = -1;
		}
	} else if (s && parse_size(s, &d->min_bytes, &e) != 0) {
		pn_error(cx, m, "'min_free': %s", e);
		rc = -1;
	}
	free(e);
	free(s);
	return d->path ? rc : -1;
}

/*
 * statvfs in a child process, waited for until the deadline.  On a hung
 * NFS or FUSE mount statvfs sleeps in the kernel and cannot be
 * interrupted; a thread of ours stuck there would also keep the whole
 * process from exiting.  A stuck child is killed and left to init.
 * Returns 0, -1 with *err (errno), or 1 on timeout.
 */
static int
statvfs_within(const char *path, int64_t timeout_us, struct statvfs *out,
    int *err)
{
	struct { int err; struct statvfs v; } rep;
	int fd[2];

	if (pipe2(fd, O_CLOEXEC) != 0) {
		*err = errno;
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		*err = errno;
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls in a child of a threaded parent. */
		memset(&rep, 0, sizeof(rep));
		rep.err = statvfs(path, &rep.v) == 0 ? 0 : errno;
		(void)!write(fd[1], &rep, sizeof(rep));
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
	ssize_t got = read(fd[0], &rep, sizeof(rep));
	close(fd[0]);
	waitpid(pid, NULL, 0);
	if (got != (ssize_t)sizeof(rep)) {
		*err = EIO;
		return -1;
	}
	if (rep.err) {
		*err = rep.err;
		return -1;
	}
	*out = rep.v;
	return 0;
}

static void
disk_run(const struct check *c, struct result *r)
{
	const struct disk_conf *d = c->priv;
	struct statvfs vfs;
	int err = 0;

	int rc = statvfs_within(d->path, c->timeout_us, &vfs, &err);
	if (rc > 0) {
		char *t = fmt_duration(c->timeout_us);
		result_observed(r, "timeout");
		result_set(r, ST_FAIL, "the filesystem of '%s' did not answer "
		    "within %s (a hung network mount?)", d->path, t);
		free(t);
		return;
	}
	if (rc < 0) {
		result_set(r, ST_FAIL, "cannot inspect the filesystem of '%s': %s",
		    d->path, strerror(err));
		return;
	}
	uint64_t total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	double pct = total ? 100.0 * (double)avail / (double)total : 0;
	char *a = fmt_size(avail), *t = fmt_size(total);

	r->has_value = true;
	r->value = (double)avail;
	result_observed(r, "%s free (%.1f%%)", a, pct);
	if (d->pct) {
		result_threshold(r, "min free %.1f%%", d->min_pct);
		if (pct < d->min_pct)
			result_set(r, ST_FAIL, "'%s' has %s free of %s (%.1f%%), "
			    "below %.1f%%", d->path, a, t, pct, d->min_pct);
		else
			result_set(r, ST_PASS, "'%s' has %s free of %s (%.1f%%)",
			    d->path, a, t, pct);
	} else {
		char *m = fmt_size(d->min_bytes);
		result_threshold(r, "min free %s", m);
		if (avail < d->min_bytes)
			result_set(r, ST_FAIL, "'%s' has %s free, below %s",
			    d->path, a, m);
		else
			result_set(r, ST_PASS, "'%s' has %s free of %s", d->path, a,
			    t);
		free(m);
	}
	free(a);
	free(t);
}

static void
disk_free(void *p)
{
	struct disk_conf *d = p;

	free(d->path);
	free(d);
}

const struct check_kind check_disk = {
	.name = "disk",
	.summary = "free space on a filesystem: min_free 5GB or 10%",
	.keys = keys,
	.parse = disk_parse,
	.run = disk_run,
	.free = disk_free,
};
