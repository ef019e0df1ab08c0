/*
 * host.c - kind `host`: the machine cutover runs on has the resources the
 * plan asks for: memory and swap available, load per CPU, CPU busy and
 * iowait over a short sample, uptime, CPUs, free inodes.  From /proc/meminfo,
 * /proc/loadavg, /proc/stat, /proc/uptime and statvfs (lib/procfs.h).
 *
 * With no key it judges what a healthy machine always has (the defaults
 * below, documented in the README): at least 5% of memory available,
 * a 1-minute load under 8 per CPU, 5% of the inodes of / free.  With
 * any key, only the keys written are judged: `{min_cpus: 2}` must not
 * fail for a load the plan never mentioned.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/localfs.h"
#include "../lib/procfs.h"
#include "../lib/xmalloc.h"

#define DEFAULT_MIN_MEMORY_PCT	5.0
#define DEFAULT_MAX_LOAD	8.0
#define DEFAULT_MIN_INODES_PCT	5.0
#define DEFAULT_SAMPLE		(1 * US_PER_S)

/* "1GB" or "10%". */
struct amount {
	bool		 set;
	bool		 pct;
	double		 percent;
	uint64_t	 bytes;		/* or a count, for inodes */
	char		 text[32];
};

struct host_conf {
	struct amount	 min_memory, min_swap, min_inodes;
	bool		 has_load, has_busy, has_iowait, has_cpus, has_inodes_key;
	double		 max_load, max_busy, max_iowait;
	long long	 min_cpus;
	int64_t		 min_uptime_us;
	int64_t		 sample_us;
	char		*path;		/* for inodes */
	bool		 defaults;	/* no key: the defaults are judged */
};

static const char *const keys[] = { "min_memory", "min_swap",
	"max_load_per_cpu", "max_cpu_busy", "max_iowait", "sample", "min_uptime", "min_cpus",
	"min_inodes_free", "path", NULL };

static int
parse_amount(struct pctx *cx, yaml_node_t *map, const char *key,
    bool count, struct amount *a)
{
	yaml_node_t *n = pn_get(cx, map, key);
	char *s = pn_str(cx, n, key), *e = NULL;
	int rc = 0;

	if (s == NULL)
		return n ? -1 : 0;
	snprintf(a->text, sizeof(a->text), "%s", s);
	a->set = true;
	if (strchr(s, '%')) {
		a->pct = true;
		rc = parse_percent(s, &a->percent, &e);
	} else if (count) {
		long long v = 0;
		rc = parse_int(s, 0, INT64_MAX, &v, &e);
		a->bytes = (uint64_t)v;
	} else {
		rc = parse_size(s, &a->bytes, &e);
	}
	if (rc != 0) {
		pn_error(cx, n, "'%s': %s (a %s or a share like 10%%)", key, e,
		    count ? "number" : "size");
	}
	free(e);
	free(s);
	return rc;
}

static int
host_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct host_conf *h = xcalloc(1, sizeof(*h));
	int rc = 0;
	char *e = NULL;

	c->priv = h;
	rc |= parse_amount(cx, map, "min_memory", false, &h->min_memory);
	rc |= parse_amount(cx, map, "min_swap", false, &h->min_swap);
	rc |= parse_amount(cx, map, "min_inodes_free", true, &h->min_inodes);
	h->has_inodes_key = h->min_inodes.set;
	yaml_node_t *ln = pn_get(cx, map, "max_load_per_cpu");
	char *ls = pn_str(cx, ln, "max_load_per_cpu");
	if (ls) {
		char *end;
		h->has_load = true;
		h->max_load = strtod(ls, &end);
		if (*ls == '\0' || *end != '\0' || !(h->max_load > 0) ||
		    h->max_load > 1e6) {
			pn_error(cx, ln, "'max_load_per_cpu' must be a positive "
			    "number like 2 or 1.5 (got '%s')", ls);
			rc = -1;
		}
	}
	free(ls);
	yaml_node_t *bn = pn_get(cx, map, "max_cpu_busy");
	char *bs = pn_str(cx, bn, "max_cpu_busy");
	if (bs) {
		h->has_busy = true;
		if (parse_percent(bs, &h->max_busy, &e) != 0) {
			pn_error(cx, bn, "'max_cpu_busy': %s", e);
			rc = -1;
		}
		free(e);
		e = NULL;
	}
	free(bs);
	yaml_node_t *wn = pn_get(cx, map, "max_iowait");
	char *ws = pn_str(cx, wn, "max_iowait");
	if (ws) {
		h->has_iowait = true;
		if (parse_percent(ws, &h->max_iowait, &e) != 0) {
			pn_error(cx, wn, "'max_iowait': %s", e);
			rc = -1;
		}
		free(e);
		e = NULL;
	}
	free(ws);
	h->sample_us = DEFAULT_SAMPLE;
	yaml_node_t *sn = pn_get(cx, map, "sample");
	if (sn) {
		rc |= pn_duration(cx, sn, "sample", &h->sample_us);
		if (!h->has_busy && !h->has_iowait) {
			pn_error(cx, sn, "'sample' is the window of "
			    "'max_cpu_busy' and 'max_iowait'; give one or drop "
			    "'sample'");
			rc = -1;
		}
	}
	if ((h->has_busy || h->has_iowait) && h->sample_us >= c->timeout_us) {
		pn_error(cx, sn ? sn : map, "check '%s': the 'sample' window "
		    "must be shorter than the timeout", c->id);
		rc = -1;
	}
	rc |= pn_duration(cx, pn_get(cx, map, "min_uptime"), "min_uptime",
	    &h->min_uptime_us);
	yaml_node_t *cn = pn_get(cx, map, "min_cpus");
	if (cn) {
		h->has_cpus = true;
		rc |= pn_int(cx, cn, "min_cpus", 1, 1000000, &h->min_cpus);
	}
	yaml_node_t *pn = pn_get(cx, map, "path");
	h->path = pn_str(cx, pn, "path");
	if (pn && !h->has_inodes_key) {
		pn_error(cx, pn, "'path' names the filesystem of "
		    "'min_inodes_free'; give it or drop 'path'");
		rc = -1;
	}
	if (h->path == NULL)
		h->path = xstrdup("/");
	/* The defaults of a host check with nothing else to say. */
	h->defaults = !h->min_memory.set && !h->min_swap.set &&
	    !h->has_inodes_key && !h->has_load && !h->has_busy &&
	    !h->has_iowait &&
	    !h->has_cpus && !h->min_uptime_us && !pn_get(cx, map,
	    "min_uptime");
	if (!h->defaults)
		return rc;
	h->min_memory.set = h->min_memory.pct = true;
	h->min_memory.percent = DEFAULT_MIN_MEMORY_PCT;
	snprintf(h->min_memory.text, sizeof(h->min_memory.text), "%g%%",
	    DEFAULT_MIN_MEMORY_PCT);
	h->has_load = true;
	h->max_load = DEFAULT_MAX_LOAD;
	h->min_inodes.set = h->min_inodes.pct = true;
	h->min_inodes.percent = DEFAULT_MIN_INODES_PCT;
	snprintf(h->min_inodes.text, sizeof(h->min_inodes.text), "%g%%",
	    DEFAULT_MIN_INODES_PCT);
	return rc;
}

static bool
amount_ok(const struct amount *a, uint64_t have, uint64_t total)
{
	if (a->pct)
		return total && 100.0 * (double)have / (double)total >=
		    a->percent;
	return have >= a->bytes;
}

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

static int
read_cpu(uint64_t *busy, uint64_t *iowait, uint64_t *total)
{
	char b[4096];
	ssize_t n = procfs_read("/proc/stat", b, sizeof(b), NULL);

	return n > 0 ? procfs_cpu_parse(b, (size_t)n, busy, iowait, total) :
	    -1;
}

static void
host_run(const struct check *c, struct result *r)
{
	const struct host_conf *h = c->priv;
	char b[8192];
	struct meminfo m;
	double la[3], up;
	ssize_t n;
	struct buf ob;

	buf_init(&ob, 0);
	/* CPU busy first: its sample is the slow part. */
	double busy_pct = -1, iowait_pct = -1;
	if (h->has_busy || h->has_iowait) {
		uint64_t b1, w1, t1, b2, w2, t2;
		if (read_cpu(&b1, &w1, &t1) != 0) {
			result_set(r, ST_FAIL, "cannot read /proc/stat");
			goto out;
		}
		int64_t until = now_mono_us() + h->sample_us;
		while (now_mono_us() < until && !check_stopping()) {
			int64_t left = until - now_mono_us();
			sleep_us(left < 100000 ? left : 100000);
		}
		if (read_cpu(&b2, &w2, &t2) != 0) {
			result_set(r, ST_FAIL, "cannot read /proc/stat");
			goto out;
		}
		/*
		 * The kernel's iowait count may step back on an idle CPU
		 * (Documentation/filesystems/proc.rst): a drop counts as none.
		 */
		double dt = t2 > t1 ? (double)(t2 - t1) : 0;
		busy_pct = dt > 0 && b2 >= b1 ? 100.0 * (double)(b2 - b1) / dt :
		    0;
		iowait_pct = dt > 0 && w2 >= w1 ? 100.0 * (double)(w2 - w1) /
		    dt : 0;
	}
	n = procfs_read("/proc/meminfo", b, sizeof(b), NULL);
	if (n <= 0 || procfs_meminfo_parse(b, (size_t)n, &m) != 0) {
		result_set(r, ST_FAIL, "cannot read MemAvailable from "
		    "/proc/meminfo (Linux 3.14 or later has it)");
		goto out;
	}
	n = procfs_read("/proc/loadavg", b, sizeof(b), NULL);
	if (n <= 0 || procfs_loadavg_parse(b, (size_t)n, la) != 0) {
		result_set(r, ST_FAIL, "cannot read /proc/loadavg");
		goto out;
	}
	n = procfs_read("/proc/uptime", b, sizeof(b), NULL);
	if (n <= 0 || procfs_uptime_parse(b, (size_t)n, &up) != 0) {
		result_set(r, ST_FAIL, "cannot read /proc/uptime");
		goto out;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	double per_cpu = la[0] / (double)cpus;
	char *ma = fmt_size(m.available), *mt = fmt_size(m.total);
	char *ut = fmt_duration((int64_t)up * US_PER_S);
	buf_addf(&ob, "mem %s free of %s, load %.2f/CPU, %ld CPU%s, up %s", ma,
	    mt, per_cpu, cpus, cpus == 1 ? "" : "s", ut);
	free(ut);
	if (h->has_busy)
		buf_addf(&ob, ", busy %.0f%%", busy_pct);
	if (h->has_iowait)
		buf_addf(&ob, ", iowait %.0f%%", iowait_pct);
	result_observed(r, "%s", ob.s);
	r->has_value = true;
	r->value = (double)m.available;

	/* What is judged: the keys written, or the defaults. */
	struct buf th = BUF_INIT;
	if (h->min_memory.set)
		buf_addf(&th, "memory >= %s", h->min_memory.text);
	if (h->min_swap.set)
		buf_addf(&th, "%sswap >= %s", th.len ? ", " : "",
		    h->min_swap.text);
	if (h->has_load)
		buf_addf(&th, "%sload/CPU <= %g", th.len ? ", " : "",
		    h->max_load);
	if (h->has_busy)
		buf_addf(&th, "%sbusy <= %g%%", th.len ? ", " : "", h->max_busy);
	if (h->has_iowait)
		buf_addf(&th, "%siowait <= %g%%", th.len ? ", " : "",
		    h->max_iowait);
	if (h->has_cpus)
		buf_addf(&th, "%sCPUs >= %lld", th.len ? ", " : "", h->min_cpus);
	if (h->min_uptime_us) {
		char *d = fmt_duration(h->min_uptime_us);
		buf_addf(&th, "%suptime >= %s", th.len ? ", " : "", d);
		free(d);
	}
	if (h->min_inodes.set)
		buf_addf(&th, "%sinodes >= %s", th.len ? ", " : "",
		    h->min_inodes.text);
	result_threshold(r, "%s", th.len ? th.s : "none");
	buf_release(&th);
	if (h->min_memory.set &&
	    !amount_ok(&h->min_memory, m.available, m.total)) {
		result_set(r, ST_FAIL, "memory available is %s of %s (%.1f%%), "
		    "below %s", ma, mt, m.total ? 100.0 * (double)m.available /
		    (double)m.total : 0, h->min_memory.text);
		free(ma);
		free(mt);
		goto out;
	}
	free(ma);
	free(mt);
	if (h->min_swap.set) {
		char *sf = fmt_size(m.swap_free), *st = fmt_size(m.swap_total);
		bool ok = m.swap_total && amount_ok(&h->min_swap, m.swap_free,
		    m.swap_total);
		if (!ok) {
			if (m.swap_total == 0)
				result_set(r, ST_FAIL, "no swap configured, expected "
				    "at least %s free", h->min_swap.text);
			else
				result_set(r, ST_FAIL, "swap free is %s of %s, "
				    "below %s", sf, st, h->min_swap.text);
		}
		free(sf);
		free(st);
		if (!ok)
			goto out;
	}
	if (h->has_cpus && cpus < h->min_cpus) {
		result_set(r, ST_FAIL, "%ld CPU%s online, expected at least %lld",
		    cpus, cpus == 1 ? "" : "s", h->min_cpus);
		goto out;
	}
	if (h->has_load && per_cpu > h->max_load) {
		result_set(r, ST_FAIL, "load average %.2f over %ld CPU%s is %.2f "
		    "per CPU, above %g%s", la[0], cpus, cpus == 1 ? "" : "s",
		    per_cpu, h->max_load, h->defaults ?
		    " (the default; set max_load_per_cpu)" : "");
		goto out;
	}
	if (h->has_busy && busy_pct > h->max_busy) {
		char *d = fmt_duration(h->sample_us);
		result_set(r, ST_FAIL, "CPUs %.0f%% busy over %s, above %g%%",
		    busy_pct, d, h->max_busy);
		free(d);
		goto out;
	}
	if (h->has_iowait && iowait_pct > h->max_iowait) {
		char *d = fmt_duration(h->sample_us);
		result_set(r, ST_FAIL, "CPUs %.1f%% in iowait over %s, above "
		    "%g%%", iowait_pct, d, h->max_iowait);
		free(d);
		goto out;
	}
	if (h->min_uptime_us && up * US_PER_S < (double)h->min_uptime_us) {
		char *a = fmt_duration((int64_t)up * US_PER_S);
		char *w = fmt_duration(h->min_uptime_us);
		result_set(r, ST_FAIL, "up for %s only, less than min_uptime %s "
		    "(rebooted?)", a, w);
		free(a);
		free(w);
		goto out;
	}
	if (!h->min_inodes.set) {
		result_set(r, ST_PASS, "%s", ob.s);
		goto out;
	}
	struct vfs_answer ans;
	memset(&ans, 0, sizeof(ans));
	int64_t left = c->timeout_us - h->sample_us;
	int vrc = run_on_path(statvfs_child, h->path, &ans, sizeof(ans),
	    left > 100000 ? left : 100000);
	if (vrc != 0 || ans.err) {
		result_set(r, ST_FAIL, vrc > 0 ? "the filesystem of '%s' did not "
		    "answer (a hung network mount?)%s" : "cannot inspect the "
		    "filesystem of '%s': %s", h->path, vrc > 0 ? "" :
		    strerror(vrc < 0 ? errno : ans.err));
		goto out;
	}
	uint64_t files = ans.v.f_files, ffree = ans.v.f_favail;
	char inodes[96] = "";
	if (files == 0) {
		/* btrfs and some others allocate inodes on demand. */
		if (h->has_inodes_key) {
			result_set(r, ST_FAIL, "the filesystem of '%s' reports no "
			    "inode count; min_inodes_free cannot be judged",
			    h->path);
			goto out;
		}
	} else {
		double ipct = 100.0 * (double)ffree / (double)files;
		snprintf(inodes, sizeof(inodes), ", %.0f%% inodes free on %s",
		    ipct, h->path);
		if (!amount_ok(&h->min_inodes, ffree, files)) {
			result_set(r, ST_FAIL, "%llu of %llu inodes free on the "
			    "filesystem of '%s' (%.1f%%), below %s",
			    (unsigned long long)ffree, (unsigned long long)files,
			    h->path, ipct, h->min_inodes.text);
			goto out;
		}
	}
	result_set(r, ST_PASS, "%s%s", ob.s, inodes);
out:
	buf_release(&ob);
}

static void
host_free(void *p)
{
	struct host_conf *h = p;

	free(h->path);
	free(h);
}

const struct check_kind check_host = {
	.name = "host",
	.summary = "this machine: memory, swap, load per CPU, CPU busy, iowait, "
	    "uptime, CPUs, inodes",
	.keys = keys,
	.parse = host_parse,
	.run = host_run,
	.free = host_free,
	.value = "bytes of memory available",
};
