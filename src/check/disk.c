/*
 * disk.c - kind `disk`: free space on the filesystem holding `path`, as
 * an absolute size (min_free: 5GB) or a share of it (min_free: 10%).
 * Counts what an unprivileged writer can use (f_bavail), as df does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/localfs.h"
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

/* statvfs for run_on_path: a hung mount must not hold us (localfs.h). */
struct vfs_answer {
	int		 err;
	struct statvfs	 v;
};

static void
statvfs_child(void *path, void *out)
{
	struct vfs_answer *a = out;

	a->err = statvfs(path, &a->v) == 0 ? 0 : errno;
}

static void
disk_run(const struct check *c, struct result *r)
{
	const struct disk_conf *d = c->priv;
	struct vfs_answer ans;

	memset(&ans, 0, sizeof(ans));
	int rc = run_on_path(statvfs_child, d->path, &ans, sizeof(ans),
	    c->timeout_us);
	if (rc == 0 && ans.err) {
		rc = -1;
		errno = ans.err;
	}
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
		    d->path, strerror(errno));
		return;
	}
	struct statvfs vfs = ans.v;
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
	.value = "bytes free",
};
