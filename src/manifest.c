/*
 * manifest.c - create and verify manifests: walking and the text format
 * (see manifest.h); manifest_hash.c hashes.
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
#include "lib/ofile.h"
#include "lib/progress.h"
#include "lib/validate.h"
#include "lib/xmalloc.h"
#include "manifest.h"
#include "manifest_hash.h"


const char *
mf_state_name(enum mf_state s)
{
	static const char *const n[] = { "ok", "missing", "size changed",
		"content changed", "content incomplete", "error", "extra",
		"skipped" };
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

/* A path a walk did not list, and why. */
struct note {
	char		*path;
	char		*why;
	bool		 error;		/* could not read (else: not a file) */
};

struct notes {
	struct note	*v;
	size_t		 n, cap;
};

static void
note(struct notes *ns, const char *path, bool error, char *why)
{
	ARR_GROW(ns->v, ns->n, ns->cap);
	ns->v[ns->n++] = (struct note){ xstrdup(path), why, error };
}

static void
notes_release(struct notes *ns)
{
	for (size_t i = 0; i < ns->n; i++) {
		free(ns->v[i].path);
		free(ns->v[i].why);
	}
	free(ns->v);
}

static const char *
file_type(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
	    S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
	    S_ISLNK(m) ? "a symbolic link" : "not a regular file";
}

/* One directory being walked: its sorted names and the next one. */
struct frame {
	char		*dir;
	dev_t		 dev;
	ino_t		 ino;
	struct strlist	 names;
	size_t		 i;
};

static bool
frame_open(struct frame *fr, char *dir, const struct stat *st,
    struct notes *ns)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	memset(fr, 0, sizeof(*fr));
	fr->dir = dir;
	fr->dev = st->st_dev;
	fr->ino = st->st_ino;
	if (d == NULL) {
		note(ns, dir, true, xasprintf("cannot read the directory: %s",
		    strerror(errno)));
		return false;
	}
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		strlist_push(&fr->names, e->d_name);
	}
	if (errno != 0)
		note(ns, dir, true, xasprintf("cannot read the directory: %s",
		    strerror(errno)));
	closedir(d);
	if (fr->names.n)
		qsort(fr->names.v, fr->names.n, sizeof(char *), cmp_str);
	return true;
}

/*
 * Append the regular files under dir (sorted, depth-first) to out, to
 * any depth: the stack of open directories is on the heap (a check runs
 * on a 512 KiB thread stack).  Symlinks are not followed unless follow;
 * with follow, a directory that is its own ancestor (a link cycle) is
 * noted, not entered.  Every path not listed is noted with the reason,
 * except symlinks left unfollowed and skip_abs (the manifest itself).
 */
static void
walk(const char *dir, bool follow, const char *skip_abs, struct strlist *out,
    struct notes *ns)
{
	struct frame *stk = NULL;
	size_t n = 0, cap = 0;
	struct stat st;

	if (stat(dir, &st) != 0) {
		note(ns, dir, true, xasprintf("cannot read: %s", strerror(errno)));
		return;
	}
	ARR_GROW(stk, n, cap);
	if (frame_open(&stk[n], xstrdup(dir), &st, ns))
		n++;
	else
		free(stk[n].dir);
	while (n > 0) {
		struct frame *fr = &stk[n - 1];
		if (fr->i == fr->names.n) {
			free(fr->dir);
			strlist_release(&fr->names);
			n--;
			continue;
		}
		const char *name = fr->names.v[fr->i++];
		char *p = strcmp(fr->dir, "/") == 0 ? xasprintf("/%s", name) :
		    xasprintf("%s/%s", fr->dir, name);
		int r = follow ? stat(p, &st) : lstat(p, &st);
		int e = errno;
		if (r != 0 && follow && lstat(p, &st) == 0 && S_ISLNK(st.st_mode)) {
			/* Dangling: skipped; pointing somewhere unreadable: failed. */
			note(ns, p, e != ENOENT, xasprintf("a symbolic link to "
			    "nothing readable: %s", strerror(e)));
		} else if (r != 0 && e != ENOENT) {
			note(ns, p, true, xasprintf("cannot read: %s",
			    strerror(e)));
		} else if (r != 0) {
			/* Gone since readdir: nothing to list. */
		} else if (S_ISDIR(st.st_mode)) {
			bool loop = false;
			for (size_t k = 0; k < n && !loop; k++)
				loop = stk[k].dev == st.st_dev &&
				    stk[k].ino == st.st_ino;
			if (loop) {
				note(ns, p, false, xstrdup("a link back to a "
				    "directory above it: not walked again"));
			} else {
				ARR_GROW(stk, n, cap);
				if (frame_open(&stk[n], p, &st, ns))
					n++;
				else
					free(p);
				continue;
			}
		} else if (S_ISREG(st.st_mode)) {
			char *abs = skip_abs ? absolute(p) : NULL;
			size_t sl = skip_abs ? strlen(skip_abs) : 0;
			/* The manifest being written, and its temporary file. */
			if (abs && strncmp(abs, skip_abs, sl) == 0 &&
			    (abs[sl] == '\0' || strncmp(abs + sl, ".tmp.", 5) == 0)) {
				free(abs);
			} else {
				free(abs);
				strlist_push_owned(out, p);
				continue;
			}
		} else if (!S_ISLNK(st.st_mode)) {
			note(ns, p, false, xasprintf("%s: not hashed",
			    file_type(st.st_mode)));
		}
		free(p);
	}
	free(stk);
}

/* ---- create ------------------------------------------------------------- */

static char *
changed_detail(const struct job *j)
{
	return xasprintf("changed while it was hashed (size %llu, then %llu): "
	    "still being written?", (unsigned long long)j->size,
	    (unsigned long long)j->size_after);
}

/* Move r (its strings too) to the end of rep, counted. */
static void
report_take(struct mf_report *rep, size_t *cap, struct mf_result *r)
{
	ARR_GROW(rep->v, rep->n, *cap);
	rep->v[rep->n++] = *r;
	if (r->state == MF_OK)
		rep->nok++;
	else if (r->state == MF_EXTRA)
		rep->nextra++;
	else if (r->state == MF_SKIPPED)
		rep->nskipped++;
	else
		rep->nfail++;
	memset(r, 0, sizeof(*r));
}

static void
report_push(struct mf_report *rep, size_t *cap, const char *path,
    enum mf_state st, char *detail)
{
	struct mf_result r = { .path = xstrdup(path), .state = st,
	    .detail = detail };

	report_take(rep, cap, &r);
}

/* The result report_push added last, to whoever streams them. */
static void
tell(const struct mf_opts *o, const struct mf_report *rep)
{
	if (o->on_result)
		o->on_result(&rep->v[rep->n - 1], o->arg);
}

/*
 * Results stream while files finish in any order (the largest first):
 * each finished job prepares its result at once; the report, and the
 * manifest's lines, take them in order as the prefix completes.  They
 * are told (on_result) as prepared with any_order, else in order: the
 * largest-first dispatch may then hold them back, but a log reads in
 * manifest order.
 */
struct stream {
	pthread_mutex_t	 lock;
	bool		*done;
	size_t		 n, next;
	struct mf_result *res;		/* prepared, by index */
	void		(*prepare)(void *ctx, size_t i, struct mf_result *r);
	void		(*commit)(void *ctx, size_t i, const struct mf_result *r);
	void		*ctx;
	struct job	*jobs;		/* where a finished copy goes back */
	const struct mf_opts *o;
	struct mf_report *rep;
	size_t		*cap;
};

static void
stream_mark(struct stream *s, size_t i)
{
	pthread_mutex_lock(&s->lock);
	s->prepare(s->ctx, i, &s->res[i]);
	s->done[i] = true;
	if (s->o->any_order && s->o->on_result)
		s->o->on_result(&s->res[i], s->o->arg);
	while (s->next < s->n && s->done[s->next]) {
		if (s->commit)
			s->commit(s->ctx, s->next, &s->res[s->next]);
		report_take(s->rep, s->cap, &s->res[s->next++]);
		if (!s->o->any_order)
			tell(s->o, s->rep);
	}
	pthread_mutex_unlock(&s->lock);
}

static void
stream_job_done(struct job *j, void *arg)
{
	struct stream *s = arg;

	if (s->jobs && &s->jobs[j->id] != j)
		s->jobs[j->id] = *j;
	stream_mark(s, j->id);
}

static void
stream_release(struct stream *s)
{
	free(s->done);
	free(s->res);
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
	return ofile_write(path, b->s, b->len, errp);
}

struct create_ctx {
	const struct mf_opts	*o;
	struct mf_report	*rep;
	struct buf		*b;
	const char		*base;
	struct job		*jobs;
};

/* File i is hashed: its result. */
static void
create_prepare(void *ctx, size_t i, struct mf_result *r)
{
	struct create_ctx *cc = ctx;
	struct job *j = &cc->jobs[i];

	r->path = relative_to(cc->base, j->fspath);
	if (j->err || j->changed) {
		bool skip = j->err && cc->o->skip_unreadable;
		r->state = skip ? MF_SKIPPED : MF_ERROR;
		r->detail = j->changed ? changed_detail(j) : xasprintf("cannot "
		    "read: %s", strerror(j->err));
		return;
	}
	cc->rep->nhashed++;
	r->state = j->content_bad ? MF_CONTENT : MF_OK;
	r->detail = j->content ? xstrdup(j->content) : NULL;
	r->size = j->size;
	memcpy(r->hash, j->hash, HASH_HEX_MAX);
}

/* Its lines in the manifest, in order. */
static void
create_commit(void *ctx, size_t i, const struct mf_result *r)
{
	struct create_ctx *cc = ctx;
	struct job *j = &cc->jobs[i];

	if (r->state != MF_OK && r->state != MF_CONTENT)
		return;
	if (j->content_bad) {
		/* Said in the manifest too: whoever restores sees it. */
		buf_adds(cc->b, "# incomplete ");
		add_escaped(cc->b, j->content);
		buf_addc(cc->b, '\n');
	}
	char *sz = xasprintf("size %llu", (unsigned long long)j->size);
	add_path_comment(cc->b, sz, r->path);
	add_hash_line(cc->b, j->hash, r->path);
	free(sz);
}

int
manifest_create(char *const *paths, size_t n, const char *out_path,
    const struct mf_opts *o, struct mf_report *rep, char **errp)
{
	enum hash_algo algo = o->algo >= 0 ? (enum hash_algo)o->algo :
	    HASH_SHA256;
	struct strlist files = STRLIST_INIT, dirs = STRLIST_INIT;
	struct notes ns = { 0 };
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
			walk(paths[i], o->follow, out_abs, &files, &ns);
		} else if (S_ISREG(st.st_mode)) {
			strlist_push(&files, paths[i]);
		} else {
			seterr(errp, "'%s' is neither a file nor a directory",
			    paths[i]);
			goto done;
		}
	}
	if (files.n == 0 && ns.n == 0) {
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
	uint64_t total = 0;
	for (size_t i = 0; i < files.n; i++) {
		struct stat st;
		jobs[i].fspath = files.v[i];
		jobs[i].id = i;
		if (stat(files.v[i], &st) == 0)
			jobs[i].size = (uint64_t)st.st_size;
		total += jobs[i].size;
	}
	progress_set_total(o->progress, (long long)files.n, (long long)total);
	rep->bytes_total = total;
	rep->nto_hash = files.n;

	struct buf b = BUF_INIT;
	buf_addf(&b, "# cutover manifest; check with `cutover manifest verify "
	    "FILE` or `%ssum -c FILE`\n# algo %s\n", algo == HASH_XXH128 ?
	    "xxh128" : hash_algo_name(algo), hash_algo_name(algo));
	for (size_t i = 0; i < dirs.n; i++) {
		char *r = relative_to(base, dirs.v[i]);
		add_path_comment(&b, "dir", r);
		free(r);
	}
	struct create_ctx cc = { .o = o, .rep = rep, .b = &b, .base = base,
	    .jobs = jobs };
	struct stream sm = { .lock = PTHREAD_MUTEX_INITIALIZER,
	    .done = xcalloc(files.n + 1, sizeof(bool)), .n = files.n,
	    .res = xcalloc(files.n + 1, sizeof(struct mf_result)),
	    .prepare = create_prepare, .commit = create_commit, .ctx = &cc,
	    .o = o, .rep = rep, .cap = &cap };
	struct hash_watch hw = { .progress = o->progress,
	    .done = stream_job_done, .arg = &sm };
	rep->bytes = hash_all(jobs, files.n, algo, o, &hw);
	/* Every job has told its end: the stream is complete. */
	stream_release(&sm);
	rep->bytes_read = hw.bytes_read;
	/* What the walk could not list: in the report, and the manifest. */
	for (size_t i = 0; i < ns.n; i++) {
		char *r = relative_to(base, ns.v[i].path);
		bool skip = !ns.v[i].error || o->skip_unreadable;
		buf_adds(&b, skip ? "# skipped " : "# unreadable ");
		add_escaped(&b, r);
		buf_adds(&b, ": ");
		add_escaped(&b, ns.v[i].why);
		buf_addc(&b, '\n');
		report_push(rep, &cap, r, skip ? MF_SKIPPED : MF_ERROR,
		    xstrdup(ns.v[i].why));
		tell(o, rep);
		free(r);
	}
	for (size_t i = 0; i < files.n; i++)
		free(jobs[i].content);
	free(jobs);
	size_t nlines = 0;
	for (size_t i = 0; i < rep->n; i++)
		nlines += rep->v[i].state == MF_OK ||
		    rep->v[i].state == MF_CONTENT;
	if (nlines == 0) {
		/*
		 * Nothing could be read: no manifest without a checksum line
		 * (verify refuses one).  Failures say why (exit 1); only
		 * skipped paths make it bad input, like an empty directory.
		 */
		buf_release(&b);
		rc = 0;
		if (rep->nfail == 0) {
			mf_report_release(rep);
			rc = seterr(errp, "no files to list: every path was "
			    "skipped");
		}
		goto done;
	}
	rc = write_atomically(out_path, &b, errp);
	buf_release(&b);
done:
	strlist_release(&files);
	strlist_release(&dirs);
	notes_release(&ns);
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
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen_regular(path,
	    "a manifest", errp);
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
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

struct verify_ctx {
	struct mf_report	*rep;
	const struct parsed	*pm;
	struct job		*jobs;
	const bool		*hashed;
};

/* Entry i is final (hashed, or known without hashing): its result. */
static void
verify_prepare(void *ctx, size_t i, struct mf_result *r)
{
	struct verify_ctx *vc = ctx;
	const struct entry *e = &vc->pm->v[i];
	struct job *j = &vc->jobs[i];
	char *detail = NULL;
	enum mf_state st;

	if (vc->hashed[i] && j->err != ETIMEDOUT)
		vc->rep->nhashed++;
	if (j->err == ENOENT || j->err == ENOTDIR) {
		st = MF_MISSING;
	} else if (j->err == EISDIR) {
		st = MF_ERROR;
		detail = xstrdup("not a regular file");
	} else if (j->err == ETIMEDOUT) {
		st = MF_ERROR;
		detail = xstrdup("timed out while hashing");
		vc->rep->timed_out = true;
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
	} else if (!vc->hashed[i]) {
		st = MF_SIZE;
		detail = xasprintf("size %lld -> %llu", (long long)e->size,
		    (unsigned long long)j->size);
	} else if (strcmp(j->hash, e->hash) != 0) {
		st = MF_HASH;
		detail = xasprintf("%s %.12s... -> %.12s...",
		    hash_algo_name(vc->rep->algo), e->hash, j->hash);
	} else if (j->content_bad) {
		st = MF_CONTENT;
		detail = xstrdup(j->content);
	} else {
		st = MF_OK;
		detail = j->content ? xstrdup(j->content) : NULL;
	}
	r->path = xstrdup(e->path);
	r->state = st;
	r->detail = detail;
	r->size = j->size;
	memcpy(r->hash, j->hash, HASH_HEX_MAX);
	free(j->content);
	j->content = NULL;
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
	uint64_t total = 0;
	for (size_t i = 0; i < pm.n; i++) {
		struct stat st;
		fspaths[i] = resolve(base, pm.v[i].path);
		jobs[i].fspath = fspaths[i];
		jobs[i].id = i;
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
		total += jobs[i].size;
		npending++;
	}
	progress_set_total(o->progress, (long long)pm.n, (long long)total);
	progress_add(o->progress, (long long)(pm.n - npending), 0);
	rep->bytes_total = total;
	rep->nto_hash = npending;
	struct verify_ctx vc = { .rep = rep, .pm = &pm, .jobs = jobs,
	    .hashed = hashed };
	struct stream sm = { .lock = PTHREAD_MUTEX_INITIALIZER,
	    .done = xcalloc(pm.n + 1, sizeof(bool)), .n = pm.n,
	    .res = xcalloc(pm.n + 1, sizeof(struct mf_result)),
	    .prepare = verify_prepare, .ctx = &vc, .jobs = jobs, .o = o,
	    .rep = rep, .cap = &cap };
	/* What needs no hashing is final now: missing, size changed. */
	for (size_t i = 0; i < pm.n; i++)
		if (!hashed[i])
			stream_mark(&sm, i);
	/*
	 * hash_all takes a contiguous array: hash copies, each copied back
	 * as it finishes (stream_job_done).
	 */
	struct job *tj = xcalloc(npending + 1, sizeof(*tj));
	size_t k = 0;
	for (size_t i = 0; i < pm.n; i++)
		if (hashed[i])
			tj[k++] = jobs[i];
	struct hash_watch hw = { .progress = o->progress,
	    .done = stream_job_done, .arg = &sm };
	rep->bytes = hash_all(tj, npending, rep->algo, o, &hw);
	rep->bytes_read = hw.bytes_read;
	free(tj);
	stream_release(&sm);

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
			struct notes ns = { 0 };
			char *dp = resolve(base, pm.dirs.v[d]);
			walk(dp, o->follow, NULL, &found, &ns);
			/*
			 * A directory that cannot be read may hide extra files:
			 * not a pass.  Special files were never listed.
			 */
			for (size_t i = 0; i < ns.n; i++) {
				char *shown = relative_to(babs, ns.v[i].path);
				if (ns.v[i].error)
				{
					report_push(rep, &cap, shown,
					    o->skip_unreadable ? MF_SKIPPED :
					    MF_ERROR, xasprintf("%s (extra files "
					    "there cannot be looked for)",
					    ns.v[i].why));
					tell(o, rep);
				}
				free(shown);
			}
			notes_release(&ns);
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
					tell(o, rep);
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
