/*
 * file.c - kind `file`: a path exists (or is absent), its mode is no more
 * open than max_mode (or exactly/at most `mode`), owner and group, its
 * size (min_size, or a `size` range), its age, its SHA-256; its content
 * (`contains`, `matches`, `not_matches`, line by line, streamed); or, for
 * a directory, how many entries (`count`, `glob`) it holds.
 *
 * Content is read in 64 KiB chunks and never held whole: a line longer
 * than LINE_MAX_ (1 MiB) is judged on its first 1 MiB, and the result says
 * so.  Reading stops at the check's deadline.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/localfs.h"
#include "../lib/range.h"
#include "../lib/xmalloc.h"

#define CHUNK_	(64 * 1024)
#define LINE_MAX_ (1024 * 1024)

struct file_re {
	char		*src;
	pcre2_code	*re;
};

struct file_conf {
	char		*path;
	bool		 absent;
	bool		 has_mode;
	mode_t		 max_mode;
	bool		 mode_exact;	/* mode: "0640" (else "<= 0640") */
	uint64_t	 min_size;
	char		*sha256;
	struct strlist	 contains;
	struct file_re	*matches, *not_matches;
	size_t		 nmatches, nnot;
	struct range	 count;		/* entries of a directory */
	char		*glob;
	struct range	 size;
	int64_t		 max_age_us;
	char		*owner, *group;
};

static const char *const keys[] = { "path", "exists", "absent", "max_mode",
	"mode", "min_size", "size", "sha256", "contains", "matches",
	"not_matches", "count", "glob", "max_age", "owner", "group", NULL };

/* A list of regexes (one or a sequence) compiled for per-line matching. */
static int
parse_res(struct pctx *cx, yaml_node_t *n, const char *key,
    struct file_re **out, size_t *nout)
{
	struct strlist l = { 0 };
	int rc = pn_strlist(cx, n, key, &l);

	*out = xcalloc(l.n + 1, sizeof(**out));
	for (size_t i = 0; i < l.n; i++) {
		int ec;
		PCRE2_SIZE eo;
		yaml_node_t *at = pn_is_seq(n) && pn_seq_len(n) == l.n ?
		    pn_seq_item(cx, n, i) : n;
		(*out)[i].src = xstrdup(l.v[i]);
		/* Bytes, not UTF-8: configuration files may be Latin-1. */
		(*out)[i].re = pcre2_compile((PCRE2_SPTR)l.v[i],
		    PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
		if ((*out)[i].re == NULL) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(ec, msg, sizeof(msg));
			pn_error(cx, at, "'%s': bad regex '%s': %s at offset %zu",
			    key, l.v[i], (char *)msg, (size_t)eo);
			rc = -1;
		} else {
			pcre2_jit_compile((*out)[i].re, PCRE2_JIT_COMPLETE);
		}
		(*nout)++;
	}
	strlist_release(&l);
	return rc;
}

static int
parse_range_key(struct pctx *cx, yaml_node_t *map, const char *key,
    enum range_unit u, struct range *r)
{
	yaml_node_t *n = pn_get(cx, map, key);
	char *s = pn_str(cx, n, key), *e = NULL;
	int rc = 0;

	if (s && range_parse(s, u, r, &e) != 0) {
		pn_error(cx, n, "'%s': %s", key, e);
		rc = -1;
	}
	free(e);
	free(s);
	return n && !s ? -1 : rc;
}

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
	yaml_node_t *mo = pn_get(cx, map, "mode");
	if (m && mo) {
		pn_error(cx, mo, "give one of 'mode' and 'max_mode' (max_mode: "
		    "\"0600\" is mode: \"<= 0600\")");
		rc = -1;
	}
	const char *mkey = mo ? "mode" : "max_mode";
	char *ms = pn_str(cx, mo ? mo : m, mkey);
	if (ms) {
		char *end, *t = ms;
		if (mo) {
			f->mode_exact = true;
			if (strncmp(t, "<=", 2) == 0) {
				f->mode_exact = false;
				t += 2;
				while (*t == ' ')
					t++;
			}
		}
		long v = strtol(t, &end, 8);
		if (*t == '\0' || *end != '\0' || v < 0 || v > 07777) {
			pn_error(cx, mo ? mo : m, mo ? "'mode' must be an octal "
			    "mode, exact (\"0640\") or at most (\"<= 0640\") "
			    "(got '%s')" : "'max_mode' must be an octal mode like "
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
	rc |= pn_strlist(cx, pn_get(cx, map, "contains"), "contains",
	    &f->contains);
	rc |= parse_res(cx, pn_get(cx, map, "matches"), "matches", &f->matches,
	    &f->nmatches);
	rc |= parse_res(cx, pn_get(cx, map, "not_matches"), "not_matches",
	    &f->not_matches, &f->nnot);
	rc |= parse_range_key(cx, map, "count", RANGE_COUNT, &f->count);
	rc |= parse_range_key(cx, map, "size", RANGE_SIZE, &f->size);
	yaml_node_t *gn = pn_get(cx, map, "glob");
	f->glob = pn_str(cx, gn, "glob");
	if (gn && !f->count.set && !f->size.set) {
		pn_error(cx, gn, "'glob' chooses the entries that 'count' or "
		    "'size' judge in a directory; give one of them");
		rc = -1;
	}
	bool content = f->contains.n || f->nmatches || f->nnot;
	if (content && f->count.set) {
		pn_error(cx, map, "check '%s': 'count' is for a directory, "
		    "'contains'/'matches'/'not_matches' for a file; not both",
		    c->id);
		rc = -1;
	}
	if (pn_get(cx, map, "size") && pn_get(cx, map, "min_size")) {
		pn_error(cx, pn_get(cx, map, "size"), "give one of 'size' and "
		    "'min_size' (min_size: 5MB is size: \"5MB..\")");
		rc = -1;
	}
	rc |= pn_duration(cx, pn_get(cx, map, "max_age"), "max_age",
	    &f->max_age_us);
	f->owner = pn_str(cx, pn_get(cx, map, "owner"), "owner");
	f->group = pn_str(cx, pn_get(cx, map, "group"), "group");
	if (f->absent && (f->has_mode || f->min_size || f->sha256 || content ||
	    f->count.set || f->size.set || f->max_age_us || f->owner ||
	    f->group)) {
		pn_error(cx, map, "check '%s': an absent file has no mode, size, "
		    "content or hash to check", c->id);
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

/* stat for run_on_path: backups live on mounts that hang (localfs.h). */
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

/* A user or group name or number as an id; -1 when unknown. */
static int
name_id(const char *s, bool group, unsigned *id)
{
	char b[4096], *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s && *end == '\0') {
		*id = (unsigned)v;
		return 0;
	}
	if (group) {
		struct group g, *res = NULL;
		if (getgrnam_r(s, &g, b, sizeof(b), &res) != 0 || res == NULL)
			return -1;
		*id = g.gr_gid;
	} else {
		struct passwd pw, *res = NULL;
		if (getpwnam_r(s, &pw, b, sizeof(b), &res) != 0 || res == NULL)
			return -1;
		*id = pw.pw_uid;
	}
	return 0;
}

/* An id as its name when it has one (new string). */
static char *
id_name(unsigned id, bool group)
{
	char b[4096];

	if (group) {
		struct group g, *res = NULL;
		if (getgrgid_r(id, &g, b, sizeof(b), &res) == 0 && res)
			return xstrdup(g.gr_name);
	} else {
		struct passwd pw, *res = NULL;
		if (getpwuid_r(id, &pw, b, sizeof(b), &res) == 0 && res)
			return xstrdup(pw.pw_name);
	}
	return xasprintf("%u", id);
}

/*
 * The content of a regular file, streamed: which `contains` strings and
 * `matches` regexes were found, the first line matching a `not_matches`.
 */
struct content {
	bool		*found;		/* contains[i] */
	bool		*matched;	/* matches[i] */
	long		 bad_line;	/* first line matching not_matches */
	size_t		 bad_re;
	bool		 long_line;	/* a line was judged on its first 1 MiB */
	long		 err_line;	/* a regex gave up here (match limit) */
	int		 err_code;
	const char	*err_re;
	bool		 timed_out;
	uint64_t	 done;
};

static void
judge_line(const struct file_conf *f, const char *l, size_t n, long lineno,
    pcre2_match_data *md, struct content *ct)
{
	if (n && l[n - 1] == '\r')
		n--;
	int m;

	/*
	 * A regex that gives up (match or depth limit: catastrophic
	 * backtracking) has not said "no match": for not_matches that
	 * would be a false pass, so it is an error, named with its line.
	 */
	for (size_t i = 0; i < f->nmatches; i++) {
		if (ct->matched[i])
			continue;
		m = pcre2_match(f->matches[i].re, (PCRE2_SPTR)l, n, 0, 0, md,
		    NULL);
		if (m >= 0)
			ct->matched[i] = true;
		else if (m != PCRE2_ERROR_NOMATCH && ct->err_line == 0) {
			ct->err_line = lineno;
			ct->err_code = m;
			ct->err_re = f->matches[i].src;
		}
	}
	for (size_t i = 0; i < f->nnot && ct->bad_line == 0; i++) {
		m = pcre2_match(f->not_matches[i].re, (PCRE2_SPTR)l, n, 0, 0, md,
		    NULL);
		if (m >= 0) {
			ct->bad_line = lineno;
			ct->bad_re = i;
		} else if (m != PCRE2_ERROR_NOMATCH && ct->err_line == 0) {
			ct->err_line = lineno;
			ct->err_code = m;
			ct->err_re = f->not_matches[i].src;
		}
	}
}

static int
scan_content(const struct file_conf *f, int fd, int64_t deadline,
    struct content *ct, char **errp)
{
	struct buf line, carry;
	char *b = xmalloc(CHUNK_);
	size_t keep = 0;
	long lineno = 1;
	ssize_t n;
	int rc = 0;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);

	buf_init(&line, LINE_MAX_);
	buf_init(&carry, 0);
	for (size_t i = 0; i < f->contains.n; i++) {
		size_t len = strlen(f->contains.v[i]);
		if (len > keep + 1)
			keep = len - 1;
	}
	while ((n = read(fd, b, CHUNK_)) > 0) {
		ct->done += (uint64_t)n;
		if (f->contains.n) {
			/* carry: the end of the last chunk, for a match
			 * across the boundary. */
			buf_add(&carry, b, (size_t)n);
			for (size_t i = 0; i < f->contains.n; i++)
				if (!ct->found[i] && memmem(carry.s, carry.len,
				    f->contains.v[i], strlen(f->contains.v[i])))
					ct->found[i] = true;
			buf_keep_tail(&carry, keep);
		}
		if (f->nmatches || f->nnot) {
			const char *p = b, *end = b + n;
			while (p < end) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				buf_add(&line, p, (size_t)((nl ? nl : end) - p));
				if (nl == NULL)
					break;
				ct->long_line |= line.truncated;
				judge_line(f, line.s, line.len, lineno++, md, ct);
				buf_reset(&line);
				line.truncated = false;
				p = nl + 1;
			}
		}
		if (now_mono_us() >= deadline) {
			ct->timed_out = true;
			break;
		}
	}
	if (n < 0)
		rc = seterr_errno(errp, "cannot read '%s'", f->path);
	else if (!ct->timed_out && line.len) {
		ct->long_line |= line.truncated;
		judge_line(f, line.s, line.len, lineno, md, ct);
	}
	pcre2_match_data_free(md);
	buf_release(&line);
	buf_release(&carry);
	free(b);
	return rc;
}

/* Entries of a directory matching glob (all but . and .. without). */
static int
count_dir(const struct file_conf *f, int64_t deadline, uint64_t *count,
    uint64_t *bytes, bool *timed_out, char **errp)
{
	DIR *d = opendir(f->path);
	struct dirent *de;

	*count = *bytes = 0;
	*timed_out = false;
	if (d == NULL)
		return seterr_errno(errp, "cannot list '%s'", f->path);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (f->glob && fnmatch(f->glob, de->d_name, FNM_PERIOD) != 0)
			continue;
		(*count)++;
		if (f->size.set) {
			struct stat st;
			if (fstatat(dirfd(d), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
				*bytes += (uint64_t)st.st_size;
		}
		if ((*count & 1023) == 0 && now_mono_us() >= deadline) {
			*timed_out = true;
			break;
		}
	}
	closedir(d);
	return 0;
}

static void
file_run(const struct check *c, struct result *r)
{
	const struct file_conf *f = c->priv;
	struct stat_answer ans;
	/* The clock only for what reads more than the stat (job_run). */
	bool reads = f->count.set || f->glob || f->size.set ||
	    f->contains.n || f->nmatches || f->nnot || f->sha256;
	int64_t deadline = reads ? now_mono_us() + c->timeout_us : 0;

	memset(&ans, 0, sizeof(ans));
	int rc = run_on_path(stat_child, f->path, &ans, sizeof(ans),
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
	if (!r->terse) {
		char *sz = fmt_size((uint64_t)st.st_size);
		result_observed(r, "mode %04o, %s", (unsigned)mode, sz);
		free(sz);
	}
	if (f->has_mode && !f->mode_exact && (mode & ~f->max_mode) != 0) {
		result_threshold(r, "max mode %04o", (unsigned)f->max_mode);
		result_set(r, ST_FAIL, "'%s' has mode %04o, more open than %04o "
		    "(extra bits %04o)", f->path, (unsigned)mode,
		    (unsigned)f->max_mode, (unsigned)(mode & ~f->max_mode));
		return;
	}
	if (f->has_mode && f->mode_exact && mode != f->max_mode) {
		result_threshold(r, "mode %04o", (unsigned)f->max_mode);
		result_set(r, ST_FAIL, "'%s' has mode %04o, expected %04o",
		    f->path, (unsigned)mode, (unsigned)f->max_mode);
		return;
	}
	for (int g = 0; g < 2; g++) {
		const char *want = g ? f->group : f->owner;
		unsigned id, have = g ? (unsigned)st.st_gid : (unsigned)st.st_uid;
		if (want == NULL)
			continue;
		result_threshold(r, "%s %s", g ? "group" : "owner", want);
		if (name_id(want, g, &id) != 0) {
			result_set(r, ST_FAIL, "no %s '%s' on this host",
			    g ? "group" : "user", want);
			return;
		}
		if (id != have) {
			char *hn = id_name(have, g);
			result_set(r, ST_FAIL, "'%s' %s %s, expected %s", f->path,
			    g ? "has group" : "is owned by", hn, want);
			free(hn);
			return;
		}
	}
	if (f->max_age_us) {
		int64_t age = now_wall_us() - ((int64_t)st.st_mtim.tv_sec *
		    US_PER_S + st.st_mtim.tv_nsec / 1000);
		if (age > f->max_age_us) {
			char *a = fmt_duration(age / US_PER_S * US_PER_S);
			char *m = fmt_duration(f->max_age_us);
			result_threshold(r, "max age %s", m);
			result_set(r, ST_FAIL, "'%s' was last modified %s ago, "
			    "more than max_age %s", f->path, a, m);
			free(a);
			free(m);
			return;
		}
	}
	bool is_dir = S_ISDIR(st.st_mode);
	uint64_t total = (uint64_t)st.st_size;
	char *e = NULL;
	if (f->count.set || f->glob || (is_dir && f->size.set)) {
		uint64_t n = 0;
		bool late = false;
		if (!is_dir) {
			result_set(r, ST_FAIL, "'%s' is not a directory; cannot "
			    "count its entries", f->path);
			return;
		}
		if (count_dir(f, deadline, &n, &total, &late, &e) != 0) {
			result_set(r, ST_FAIL, "%s", e);
			free(e);
			return;
		}
		char *gl = f->glob ? xasprintf(" matching '%s'", f->glob) :
		    xstrdup("");
		if (late) {
			char *t = fmt_duration(c->timeout_us);
			result_set(r, ST_FAIL, "listing '%s' timed out after %s "
			    "(%llu entries%s so far)", f->path, t,
			    (unsigned long long)n, gl);
			free(t);
			free(gl);
			return;
		}
		result_observed(r, "%llu entries", (unsigned long long)n);
		r->has_value = true;
		r->value = (double)n;
		if (f->count.set && !range_has(&f->count, n)) {
			char *want = range_describe(&f->count);
			result_threshold(r, "count %s", want);
			result_set(r, ST_FAIL, "'%s' holds %llu entr%s%s, expected "
			    "%s", f->path, (unsigned long long)n, n == 1 ? "y" :
			    "ies", gl, want);
			free(want);
			free(gl);
			return;
		}
		free(gl);
	}
	if (f->size.set && !range_has(&f->size, total)) {
		char *want = range_describe(&f->size);
		char *got = fmt_size(total);
		result_threshold(r, "size %s", want);
		result_set(r, ST_FAIL, "'%s' %s %s (%llu bytes), expected %s",
		    f->path, is_dir ? "holds" : "is", got,
		    (unsigned long long)total, want);
		free(want);
		free(got);
		return;
	}
	if (f->contains.n || f->nmatches || f->nnot) {
		struct content ct = { 0 };
		if (!S_ISREG(st.st_mode)) {
			result_set(r, ST_FAIL, "'%s' is not a regular file; cannot "
			    "read its content", f->path);
			return;
		}
		/* O_NONBLOCK: a FIFO put there meanwhile must not hang us. */
		int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
		    O_NOCTTY);
		struct stat fst;
		if (fd < 0) {
			result_set(r, ST_FAIL, "cannot read '%s': %s", f->path,
			    strerror(errno));
			return;
		}
		if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
			close(fd);
			result_set(r, ST_FAIL, "'%s' is not a regular file; cannot "
			    "read its content", f->path);
			return;
		}
		ct.found = xcalloc(f->contains.n + 1, sizeof(bool));
		ct.matched = xcalloc(f->nmatches + 1, sizeof(bool));
		int src = scan_content(f, fd, deadline, &ct, &e);
		close(fd);
		char *msg = NULL;
		if (src != 0)
			msg = xstrdup(e);
		else if (ct.timed_out) {
			char *t = fmt_duration(c->timeout_us);
			char *d = fmt_size(ct.done);
			msg = xasprintf("reading '%s' timed out after %s (%s read)",
			    f->path, t, d);
			free(t);
			free(d);
		}
		if (msg == NULL && ct.err_line) {
			PCRE2_UCHAR em[120];
			pcre2_get_error_message(ct.err_code, em, sizeof(em));
			msg = xasprintf("'%s' line %ld: regex /%s/ gave up (%s); "
			    "simplify it", f->path, ct.err_line, ct.err_re,
			    (char *)em);
		}
		for (size_t i = 0; msg == NULL && i < f->contains.n; i++)
			if (!ct.found[i])
				msg = xasprintf("'%s' does not contain '%s'", f->path,
				    f->contains.v[i]);
		for (size_t i = 0; msg == NULL && i < f->nmatches; i++)
			if (!ct.matched[i])
				msg = xasprintf("no line of '%s' matches /%s/%s",
				    f->path, f->matches[i].src, ct.long_line ?
				    " (lines over 1 MiB judged on their first "
				    "1 MiB)" : "");
		/* The line number, never the line: it may hold a secret. */
		if (msg == NULL && ct.bad_line)
			msg = xasprintf("'%s' line %ld matches /%s/, which it "
			    "must not", f->path, ct.bad_line,
			    f->not_matches[ct.bad_re].src);
		free(ct.found);
		free(ct.matched);
		free(e);
		e = NULL;
		if (msg) {
			result_set(r, ST_FAIL, "%s", msg);
			free(msg);
			return;
		}
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
	if (r->terse) {
		/* Nothing of a passing message is wanted (struct result). */
		r->status = ST_PASS;
		return;
	}
	struct buf ok;
	buf_init(&ok, 0);
	if (f->has_mode)
		buf_adds(&ok, ", mode ok");
	if (f->owner || f->group)
		buf_adds(&ok, ", ownership ok");
	if (f->count.set)
		buf_addf(&ok, ", %s", r->observed);
	if (f->size.set) {
		char *sz2 = fmt_size(total);
		buf_addf(&ok, ", size %s", sz2);
		free(sz2);
	}
	if (f->max_age_us)
		buf_adds(&ok, ", recent");
	if (f->contains.n || f->nmatches || f->nnot)
		buf_adds(&ok, ", content ok");
	if (f->sha256)
		buf_adds(&ok, ", sha256 matches");
	result_set(r, ST_PASS, "'%s' exists%s", f->path, ok.s);
	buf_release(&ok);
	/* Passing: the threshold says everything that was judged. */
	struct buf th;
	buf_init(&th, 0);
	if (f->has_mode)
		buf_addf(&th, "mode %s%04o", f->mode_exact ? "" : "<= ",
		    (unsigned)f->max_mode);
	if (f->owner)
		buf_addf(&th, "%sowner %s", th.len ? ", " : "", f->owner);
	if (f->group)
		buf_addf(&th, "%sgroup %s", th.len ? ", " : "", f->group);
	if (f->count.set) {
		char *d = range_describe(&f->count);
		buf_addf(&th, "%scount %s", th.len ? ", " : "", d);
		free(d);
	}
	if (f->size.set) {
		char *d = range_describe(&f->size);
		buf_addf(&th, "%ssize %s", th.len ? ", " : "", d);
		free(d);
	}
	if (f->contains.n || f->nmatches || f->nnot)
		buf_addf(&th, "%scontent", th.len ? ", " : "");
	if (th.len && !f->sha256)
		result_threshold(r, "%s", th.s);
	buf_release(&th);
}

static void
file_free(void *p)
{
	struct file_conf *f = p;

	free(f->path);
	free(f->sha256);
	strlist_release(&f->contains);
	for (size_t i = 0; i < f->nmatches; i++) {
		free(f->matches[i].src);
		pcre2_code_free(f->matches[i].re);
	}
	for (size_t i = 0; i < f->nnot; i++) {
		free(f->not_matches[i].src);
		pcre2_code_free(f->not_matches[i].re);
	}
	free(f->matches);
	free(f->not_matches);
	free(f->glob);
	free(f->owner);
	free(f->group);
	free(f);
}

/*
 * A stat and a comparison of its fields, nothing more: no content, hash
 * or directory to read, no user or group name to look up (NSS may ask
 * a network service), no retry to sleep for, and a path on a local file
 * system now (path_is_local: else the stat runs in a child with its
 * timeout, as before).
 */
static bool
file_quick(const struct check *c)
{
	const struct file_conf *f = c->priv;

	return c->retries == 0 && !f->sha256 && !f->contains.n &&
	    !f->nmatches && !f->nnot && !f->count.set && !f->glob &&
	    !f->size.set && !f->owner && !f->group && path_is_local(f->path);
}

const struct check_kind check_file = {
	.name = "file",
	.summary = "a file exists or not; mode, owner, size, age, sha256, "
	    "content; a directory's entries",
	.keys = keys,
	.parse = file_parse,
	.run = file_run,
	.free = file_free,
	.value = "entries counted in a directory",
	.quick = file_quick,
};
