/*
 * file.c - kind `file`: a path exists (or is absent), its mode is no more
 * open than max_mode, it is at least min_size, its SHA-256 matches.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"

struct file_conf {
	char		*path;
	bool		 absent;
	bool		 has_mode;
	mode_t		 max_mode;
	uint64_t	 min_size;
	char		*sha256;
};

static const char *const keys[] = { "path", "exists", "absent", "max_mode",
	"min_size", "sha256", NULL };

static int
file_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct file_conf *f = xcalloc(1, sizeof(*f));
	int rc = 0;
	bool exists = true;

	c->priv = f;
	f->path = pn_req_str(cx, map, "path");
	rc |= pn_bool(cx, pn_get(cx, map, "exists"), "exists", &exists);
	rc |= pn_bool(cx, pn_get(cx, map, "absent"), "absent", &f->absent);
	yaml_node_t *en = pn_get(cx, map, "exists");
	if (en && pn_get(cx, map, "absent") && exists == f->absent) {
		pn_error(cx, en, "'exists: %s' contradicts 'absent: %s'; give "
		    "one of them", exists ? "true" : "false",
		    f->absent ? "true" : "false");
		rc = -1;
	}
	if (!exists)
		f->absent = true;
	yaml_node_t *m = pn_get(cx, map, "max_mode");
	char *ms = pn_str(cx, m, "max_mode");
	if (ms) {
		char *end;
		long v = strtol(ms, &end, 8);
		if (*ms == '\0' || *end != '\0' || v < 0 || v > 07777) {
			pn_error(cx, m, "'max_mode' must be an octal mode like "
			    "\"0600\" (got '%s')", ms);
			rc = -1;
		}
		f->has_mode = true;
		f->max_mode = (mode_t)v;
		free(ms);
	}
	rc |= pn_size(cx, pn_get(cx, map, "min_size"), "min_size", &f->min_size);
	yaml_node_t *h = pn_get(cx, map, "sha256");
	f->sha256 = pn_str(cx, h, "sha256");
	if (f->sha256) {
		bool ok = strlen(f->sha256) == 64;
		for (char *p = f->sha256; *p; p++) {
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
			ok &= (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
		}
		if (!ok) {
			pn_error(cx, h, "'sha256' must be 64 hex digits");
			rc = -1;
		}
	}
	if (f->absent && (f->has_mode || f->min_size || f->sha256)) {
		pn_error(cx, map, "check '%s': an absent file has no mode, size "
		    "or hash to check", c->id);
		rc = -1;
	}
	return f->path ? rc : -1;
}

/*
 * Hash path into out (hex).  Stops at the monotonic deadline (a backup on
 * a slow or hung mount must not outlive the check's timeout): then returns
 * 1 with the number of bytes read so far in *done.
 */
static int
sha256_file(const char *path, int64_t deadline, char out[65], uint64_t *done,
    char **errp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const size_t CHUNK = 1 << 20;
	unsigned char *buf;
	ssize_t n;

	if (fd < 0)
		return seterr_errno(errp, "cannot open '%s'", path);
	buf = xmalloc(CHUNK);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	int rc = 0;
	*done = 0;
	while ((n = read(fd, buf, CHUNK)) > 0) {
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		*done += (uint64_t)n;
		if (now_mono_us() >= deadline) {
			rc = 1;
			break;
		}
	}
	if (n < 0)
		rc = seterr_errno(errp, "cannot read '%s'", path);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	free(buf);
	close(fd);
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return rc;
}

/* stat for run_in_child: backups live on mounts that hang (util.h). */
struct stat_answer {
	int		 err;
	struct stat	 st;
};

static void
stat_child(void *path, void *out)
{
	struct stat_answer *a = out;

	a->err = stat(path, &a->st) == 0 ? 0 : errno;
}

static void
file_run(const struct check *c, struct result *r)
{
	const struct file_conf *f = c->priv;
	struct stat_answer ans;
	int64_t deadline = now_mono_us() + c->timeout_us;

	memset(&ans, 0, sizeof(ans));
	int rc = run_in_child(stat_child, f->path, &ans, sizeof(ans),
	    c->timeout_us);
	if (rc > 0) {
		char *t = fmt_duration(c->timeout_us);
		result_observed(r, "timeout");
		result_set(r, ST_FAIL, "'%s' did not answer within %s (a hung "
		    "network mount?)", f->path, t);
		free(t);
		return;
	}
	if (rc < 0) {
		result_set(r, ST_FAIL, "cannot stat '%s': %s", f->path,
		    strerror(errno));
		return;
	}
	struct stat st = ans.st;
	if (ans.err != 0) {
		int e = ans.err;
		result_observed(r, "absent");
		result_threshold(r, f->absent ? "absent" : "exists");
		if (f->absent && e == ENOENT)
			result_set(r, ST_PASS, "'%s' is absent", f->path);
		else if (e == ENOENT)
			result_set(r, ST_FAIL, "'%s' does not exist", f->path);
		else
			result_set(r, ST_FAIL, "cannot stat '%s': %s", f->path,
			    strerror(e));
		return;
	}
	if (f->absent) {
		result_observed(r, "exists");
		result_threshold(r, "absent");
		result_set(r, ST_FAIL, "'%s' exists; expected it to be absent",
		    f->path);
		return;
	}
	mode_t mode = st.st_mode & 07777;
	char *sz = fmt_size((uint64_t)st.st_size);
	result_observed(r, "mode %04o, %s", (unsigned)mode, sz);
	free(sz);
	if (f->has_mode && (mode & ~f->max_mode) != 0) {
		result_threshold(r, "max mode %04o", (unsigned)f->max_mode);
		result_set(r, ST_FAIL, "'%s' has mode %04o, more open than %04o "
		    "(extra bits %04o)", f->path, (unsigned)mode,
		    (unsigned)f->max_mode, (unsigned)(mode & ~f->max_mode));
		return;
	}
	if ((uint64_t)st.st_size < f->min_size) {
		char *want = fmt_size(f->min_size);
		char *got = fmt_size((uint64_t)st.st_size);
		result_threshold(r, "min size %s", want);
		result_set(r, ST_FAIL, "'%s' is %s, smaller than %s", f->path, got,
		    want);
		free(want);
		free(got);
		return;
	}
	if (f->sha256) {
		char got[65] = "";
		char *e = NULL;
		uint64_t done = 0;
		result_threshold(r, "sha256 %.12s...", f->sha256);
		if (!S_ISREG(st.st_mode)) {
			result_set(r, ST_FAIL, "'%s' is not a regular file; cannot "
			    "hash it", f->path);
			return;
		}
		int hr = sha256_file(f->path, deadline, got, &done, &e);
		if (hr > 0) {
			char *t = fmt_duration(c->timeout_us);
			char *d = fmt_size(done);
			char *all = fmt_size((uint64_t)st.st_size);
			result_set(r, ST_FAIL, "hashing '%s' timed out after %s "
			    "(%s of %s read)", f->path, t, d, all);
			free(t);
			free(d);
			free(all);
			return;
		}
		if (hr < 0) {
			result_set(r, ST_FAIL, "%s", e);
			free(e);
			return;
		}
		if (strcmp(got, f->sha256) != 0) {
			result_set(r, ST_FAIL, "'%s' sha256 is %.12s..., expected "
			    "%.12s...", f->path, got, f->sha256);
			return;
		}
	}
	result_set(r, ST_PASS, "'%s' exists%s%s", f->path,
	    f->has_mode ? ", mode ok" : "", f->sha256 ? ", sha256 matches" : "");
}

static void
file_free(void *p)
{
	struct file_conf *f = p;

	free(f->path);
	free(f->sha256);
	free(f);
}

const struct check_kind check_file = {
	.name = "file",
	.summary = "a file exists or is absent; mode, size, sha256",
	.keys = keys,
	.parse = file_parse,
	.run = file_run,
	.free = file_free,
};
