/*
 * secrets.c - the rule table, the scanner (walk, read, match) and the
 * allowlist (see secrets.h).
 *
 * Each file is read whole and every rule runs over the whole buffer in
 * multi-line mode rather than line by line: PCRE2's JIT then skips to
 * each rule's literal prefix (AKIA, ghp_, eyJ, ://) with memchr-speed
 * scans, and a file costs one pass per rule, not one call per line.
 * Patterns stay within a line by using [ \t] and classes that exclude
 * newlines, except the private key rule, which wants the line after the
 * BEGIN header.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "lib/strength.h"
#include "lib/xmalloc.h"
#include "secrets.h"

#define BINARY_SNIFF	8000		/* git's heuristic: a NUL in here */
#define MATCH_SHOW	100		/* bytes of a match printed, at most */
#define MAX_FILE	(1ULL << 30)	/* larger files are not source */

const struct secret_rule secret_rules[] = {
	{ "aws-access-key-id", "AWS access key ID",
	  "\\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Z0-9])", 1, 3.0,
	  false, 4, NULL },
	{ "aws-secret-access-key", "AWS secret access key",
	  "(?i)aws[a-z0-9_ .-]{0,20}?(?:secret|sk)[a-z0-9_ .-]{0,20}?['\"]?"
	  "[ \\t]*(?:=|:|=>)[ \\t]*['\"]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
	  1, 4.0, false, 0, NULL },
	{ "google-api-key", "Google API key",
	  "\\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])", 1, 3.5, false, 4,
	  "AIza" },
	{ "private-key", "a private key block",
	  "-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[ \\t]*\\r?\\n"
	  "(?:[A-Za-z-]+:[^\\n]*\\r?\\n)*(?:\\r?\\n)?([A-Za-z0-9+/=]{40,})",
	  1, 4.0, false, 0, NULL },
	{ "slack-token", "Slack token",
	  "\\b(xox[abposer]-[0-9A-Za-z-]{10,250})(?![0-9A-Za-z-])", 1, 3.0,
	  false, 5, NULL },
	{ "slack-webhook", "Slack incoming webhook URL",
	  "https://hooks\\.slack\\.com/services/"
	  "(T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,})", 1, 3.0, false, 0,
	  "hooks.slack.com/" },
	{ "telegram-bot-token", "Telegram bot token",
	  "\\b([0-9]{6,12}:AA[0-9A-Za-z_-]{33})(?![0-9A-Za-z_-])", 1, 3.5,
	  false, 0, ":AA" },
	{ "github-token", "GitHub token",
	  "\\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|"
	  "github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])", 1, 3.5, false, 4,
	  NULL },
	{ "jwt", "JSON Web Token",
	  "\\b(eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,})"
	  "(?![A-Za-z0-9_-])", 1, 3.5, false, 3, ".eyJ" },
	{ "stripe-key", "Stripe secret or restricted key",
	  "\\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99})(?![0-9A-Za-z])", 1,
	  3.5, false, 8, NULL },
	{ "gitlab-token", "GitLab personal access token",
	  "\\b(glpat-[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])", 1, 3.5, false, 6,
	  "glpat-" },
	{ "npm-token", "npm access token",
	  "\\b(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])", 1, 3.5, false, 4,
	  "npm_" },
	{ "sendgrid-key", "SendGrid API key",
	  "\\b(SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])", 1,
	  3.5, false, 3, "SG." },
	{ "url-password", "a password inside a connection URL",
	  "\\b(?:postgres(?:ql)?|mysql|mariadb|redis|rediss|mongodb(?:\\+srv)?|"
	  "amqps?|mssql|sqlserver|smtps?|ftps?|sftp|ldaps?)://"
	  "[^:@/\\s'\"]*:([^@/\\s'\"]+)@", 1, 0, false, 0, "://" },
	{ "generic-secret", "a password, secret or token assigned a "
	  "high-entropy value",
	  "(?i)(?:password|passwd|pwd|secret|token|api[_-]?key|"
	  "auth[_-]?key|access[_-]?key|private[_-]?key)[a-z0-9_.-]*"
	  "['\"\\]]{0,3}"
	  "[ \\t]*(?:=|:|=>|:=)[ \\t]*['\"]?"
	  "([^ \\t\\r\\n'\"`,;()\\[\\]{}<>]{8,})", 1, 3.5, true, 0, NULL },
	{ NULL, NULL, NULL, 0, 0, false, 0, NULL },
};

struct scanner {
	pcre2_code	**re;
	size_t		  nrules;
	struct strlist	  allow;	/* fingerprints, sorted */
	const struct strlist *exclude;
	int		  jobs;
	int64_t		  deadline_us;
};

static void
fingerprint(const char *rule, const char *secret, size_t n, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	static const char hex[] = "0123456789abcdef";

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, rule, strlen(rule) + 1);
	EVP_DigestUpdate(c, secret, n);
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[16] = '\0';
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
load_allowlist(const char *path, struct strlist *out, char **errp)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int lineno = 0;

	if (f == NULL)
		return seterr_errno(errp, "cannot read allowlist '%s'", path);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *p = line + strspn(line, " \t");
		size_t n = strspn(p, "0123456789abcdef");
		if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
			continue;
		if (n != 16 || (p[n] && !strchr(" \t\r\n#", p[n]))) {
			fclose(f);
			return seterr(errp, "%s:%d: expected a 16-digit "
			    "fingerprint (from --format json), optionally "
			    "followed by a comment", path, lineno);
		}
		p[n] = '\0';
		strlist_push(out, p);
	}
	fclose(f);
	if (out->n)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	return 0;
}

struct scanner *
scanner_new(const struct scan_opts *o, char **errp)
{
	struct scanner *s = xcalloc(1, sizeof(*s));

	while (secret_rules[s->nrules].id)
		s->nrules++;
	s->re = xcalloc(s->nrules, sizeof(*s->re));
	for (size_t i = 0; i < s->nrules; i++) {
		int ec;
		PCRE2_SIZE eo;
		s->re[i] = pcre2_compile((PCRE2_SPTR)secret_rules[i].regex,
		    PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE, &ec, &eo, NULL);
		if (s->re[i] == NULL) {
			/* The table is ours: a bad regex is a bug, said loudly. */
			PCRE2_UCHAR m[160];
			pcre2_get_error_message(ec, m, sizeof(m));
			seterr(errp, "rule %s: %s at %zu", secret_rules[i].id,
			    (char *)m, (size_t)eo);
			scanner_free(s);
			return NULL;
		}
		/* Without JIT (not built in) the interpreter still works. */
		pcre2_jit_compile(s->re[i], PCRE2_JIT_COMPLETE);
	}
	s->exclude = o->exclude;
	s->jobs = o->jobs;
	s->deadline_us = o->deadline_us;
	if (o->allowlist && load_allowlist(o->allowlist, &s->allow, errp)) {
		scanner_free(s);
		return NULL;
	}
	return s;
}

void
scanner_free(struct scanner *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nrules; i++)
		pcre2_code_free(s->re[i]);
	free(s->re);
	strlist_release(&s->allow);
	free(s);
}

void
findings_release(struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].file);
		free(fs->v[i].match);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

/* ---- matching one buffer --------------------------------------------- */

static bool
secret_is_placeholder(const char *s, size_t n)
{
	char *t = xstrndup(s, n);
	bool r = looks_placeholder(s, n) || strcasestr_(t, "example") ||
	    strstr(t, "${") || strstr(t, "{{") || strstr(t, "%(") ||
	    strstr(t, "<") || strstr(t, "*****");
	free(t);
	return r;
}

/* Generic rule: a value must look generated, not like code or a name. */
static bool
generic_plausible(const char *s, size_t n)
{
	bool digit = false, alpha = false, lower = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		digit |= c >= '0' && c <= '9';
		alpha |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		lower |= c >= 'a' && c <= 'z';
	}
	if (s[0] == '$' || s[0] == '@' || s[0] == '%')
		return false;	/* a variable, a decorator, a format */
	return digit && alpha && (lower || n >= 16);
}

/*
 * The printed form of a match: its first line, the secret replaced by
 * "***" (keeping the rule's type prefix of long tokens - AKIA, ghp_,
 * xoxb-, sk_live_ - which says what leaked but not the secret), cut to
 * MATCH_SHOW bytes.
 */
static char *
mask_match(const struct secret_rule *rule, const char *data, size_t ms,
    size_t me, size_t ss, size_t se)
{
	struct buf b = BUF_INIT;
	size_t keep = se - ss >= 20 ? (size_t)rule->reveal : 0;
	const char *nl = memchr(data + ms, '\n', me - ms);
	size_t line_end = nl ? (size_t)(nl - data) : me;

	if (line_end > ms && data[line_end - 1] == '\r')
		line_end--;
	if (ss >= line_end) {
		/* The secret is on a later line (a key block): header only. */
		buf_add(&b, data + ms, line_end - ms);
		buf_adds(&b, " ***");
	} else {
		buf_add(&b, data + ms, ss - ms);
		buf_add(&b, data + ss, keep);
		buf_adds(&b, "***");
		size_t after = me < line_end ? me : line_end;
		if (se < after)
			buf_add(&b, data + se, after - se);
	}
	if (b.len > MATCH_SHOW) {
		b.len = MATCH_SHOW;
		b.s[b.len] = '\0';
		buf_adds(&b, "...");
	}
	/* Control bytes would garble a terminal; show them as '?'. */
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.s[i] < 0x20 && b.s[i] != '\t')
			b.s[i] = '?';
	return buf_detach(&b);
}

static int
cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return strcmp(x->rule->id, y->rule->id);
}

static bool
allowed(const struct scanner *s, const char *fp)
{
	const char *k = fp;

	return s->allow.n && bsearch(&k, s->allow.v, s->allow.n,
	    sizeof(char *), cmp_str) != NULL;
}

static bool
key_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* Where one rule's scan of one buffer stands: lines counted so far. */
struct cursor {
	size_t		 counted;	/* newlines counted up to here */
	size_t		 bol;		/* start of the line at counted */
	int		 line;
};

/* Run rule r over data[from..to), recording findings. */
static void
match_range(struct scanner *s, size_t r, const char *name, const char *data,
    size_t from, size_t to, struct cursor *cur, pcre2_match_data *md,
    struct findings *out, size_t first)
{
	const struct secret_rule *rule = &secret_rules[r];
	size_t pos = from;

	while (pos <= to) {
		if (pcre2_match(s->re[r], (PCRE2_SPTR)data, to, pos, 0, md,
		    NULL) < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t ms = ov[0], me = ov[1];
		size_t ss = ov[2 * rule->group], se = ov[2 * rule->group + 1];
		pos = me > ms ? me : ms + 1;
		/*
		 * The generic rule starts at its keyword, which keeps the
		 * JIT's start-of-match search fast; the finding starts at the
		 * whole key name (db_password, not password).
		 */
		if (rule->generic)
			while (ms > 0 && key_byte(data[ms - 1]))
				ms--;
		if (ss == PCRE2_UNSET)
			continue;
		const char *sec = data + ss;
		size_t sn = se - ss;
		if (secret_is_placeholder(sec, sn) ||
		    str_entropy(sec, sn) < rule->min_entropy)
			continue;
		if (rule->generic && !generic_plausible(sec, sn))
			continue;
		bool dup = false;
		for (size_t i = first; i < out->n && rule->generic && !dup; i++)
			dup = out->v[i].off < se && ss < out->v[i].end;
		if (dup)
			continue;
		/* Line and column of the match start, counted forward. */
		while (cur->counted < ms) {
			const char *nl = memchr(data + cur->counted, '\n',
			    ms - cur->counted);
			if (nl == NULL) {
				cur->counted = ms;
				break;
			}
			cur->line++;
			cur->counted = (size_t)(nl - data) + 1;
			cur->bol = cur->counted;
		}
		struct finding f = { .line = cur->line,
			.col = (int)(ms - cur->bol) + 1, .rule = rule, .off = ss,
			.end = se };
		fingerprint(rule->id, sec, sn, f.fingerprint);
		if (allowed(s, f.fingerprint)) {
			out->nallowed++;
			continue;
		}
		f.file = xstrdup(name);
		f.match = mask_match(rule, data, ms, me, ss, se);
		ARR_PUSH(out->v, out->n, out->cap, f);
	}
}

void
scanner_scan_buffer(struct scanner *s, const char *name, const char *data,
    size_t len, struct findings *out)
{
	pcre2_match_data *md = pcre2_match_data_create(8, NULL);
	size_t first = out->n;

	for (size_t r = 0; r < s->nrules; r++) {
		const char *lit = secret_rules[r].literal;
		struct cursor cur = { 0, 0, 1 };
		if (lit == NULL) {
			match_range(s, r, name, data, 0, len, &cur, md, out,
			    first);
			continue;
		}
		/*
		 * A rule with a literal that every match contains, and that
		 * stays within a line, runs only on the lines holding the
		 * literal: memmem skips the rest far faster than the regex's
		 * own start-of-match search would.
		 */
		size_t ll = strlen(lit), pos = 0;
		const char *hit;
		while (pos < len && (hit = memmem(data + pos, len - pos, lit,
		    ll)) != NULL) {
			size_t h = (size_t)(hit - data);
			size_t ls = h;
			while (ls > pos && data[ls - 1] != '\n')
				ls--;
			const char *nl = memchr(hit, '\n', len - h);
			size_t le = nl ? (size_t)(nl - data) : len;
			match_range(s, r, name, data, ls, le, &cur, md, out,
			    first);
			pos = le + 1;
		}
	}
	pcre2_match_data_free(md);
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof(*out->v),
		    cmp_finding);
	out->nfiles++;
	out->bytes += len;
}

/* ---- excludes and walking --------------------------------------------- */

bool
scan_excluded(const struct strlist *patterns, const char *relpath,
    bool is_dir)
{
	const char *base = strrchr(relpath, '/');

	base = base ? base + 1 : relpath;
	for (size_t i = 0; patterns && i < patterns->n; i++) {
		char *p = xstrdup(patterns->v[i]);
		size_t n = strlen(p);
		bool dir_only = n > 1 && p[n - 1] == '/';
		if (dir_only)
			p[--n] = '\0';
		bool anchored = p[0] == '/' || strchr(p, '/') != NULL;
		const char *pat = p[0] == '/' ? p + 1 : p;
		bool m;
		if (dir_only && !is_dir)
			m = false;
		else if (!anchored)
			m = fnmatch(pat, base, 0) == 0;
		else if (strstr(pat, "**"))
			m = fnmatch(pat, relpath, 0) == 0 || (strncmp(pat, "**/",
			    3) == 0 && fnmatch(pat + 3, relpath, 0) == 0);
		else
			m = fnmatch(pat, relpath, FNM_PATHNAME) == 0;
		free(p);
		if (m)
			return true;
	}
	return false;
}

static void
walk(const char *dir, const char *rel, const struct strlist *ex, int depth,
    struct strlist *out)
{
	DIR *d = opendir(dir);
	struct strlist names = STRLIST_INIT;
	struct dirent *e;

	if (d == NULL || depth > 64) {
		if (d)
			closedir(d);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, ".git"))
			strlist_push(&names, e->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		/* "." is the usual root: name files "a/b", not "./a/b". */
		char *p = strcmp(dir, ".") == 0 ? xstrdup(names.v[i]) :
		    xasprintf("%s/%s", dir, names.v[i]);
		char *r = *rel ? xasprintf("%s/%s", rel, names.v[i]) :
		    xstrdup(names.v[i]);
		struct stat st;
		if (lstat(p, &st) == 0 && !scan_excluded(ex, r,
		    S_ISDIR(st.st_mode))) {
			if (S_ISDIR(st.st_mode))
				walk(p, r, ex, depth + 1, out);
			else if (S_ISREG(st.st_mode)) {
				strlist_push_owned(out, p);
				p = NULL;
			}
		}
		free(p);
		free(r);
	}
	strlist_release(&names);
}

/* ---- scanning files in parallel ---------------------------------------- */

struct work {
	struct scanner	*s;
	struct strlist	*files;
	struct findings	*per;		/* one per file */
	atomic_size_t	 next;
};

static void
scan_file(struct scanner *s, const char *path, struct findings *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char head[BINARY_SNIFF];
	ssize_t n;

	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    (unsigned long long)st.st_size > MAX_FILE) {
		close(fd);
		return;
	}
	/* Look at the head first: binaries are skipped without reading on. */
	n = pread(fd, head, sizeof(head), 0);
	if (n <= 0 || memchr(head, '\0', (size_t)n) != NULL) {
		close(fd);
		return;
	}
	/*
	 * Read, not mapped: a file that shrinks while it is scanned (a log
	 * being rotated) must give a shorter buffer, not SIGBUS.
	 */
	size_t cap = (size_t)st.st_size, len = 0;
	char *data = xmalloc(cap + 1);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (len < cap && (n = read(fd, data + len, cap - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len > 0)
		scanner_scan_buffer(s, path, data, len, out);
	free(data);
}

static void *
scan_worker(void *arg)
{
	struct work *w = arg;
	size_t i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->files->n) {
		if (strcmp(w->files->v[i], "-") == 0)	/* read up front */
			continue;
		if (w->s->deadline_us && now_mono_us() > w->s->deadline_us)
			w->per[i].nskipped++;
		else
			scan_file(w->s, w->files->v[i], &w->per[i]);
	}
	return NULL;
}

static void
scan_stdin(struct scanner *s, struct findings *out)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	buf_init(&b, MAX_FILE);
	/* Like files, stdin is scanned up to MAX_FILE: never read forever. */
	while (!b.truncated && (n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		buf_add(&b, chunk, n);
	if (memchr(b.s, '\0', b.len < BINARY_SNIFF ? b.len : BINARY_SNIFF) ==
	    NULL)
		scanner_scan_buffer(s, "-", b.s, b.len, out);
	buf_release(&b);
}

int
scanner_scan(struct scanner *s, char *const *paths, size_t n,
    struct findings *out, char **errp)
{
	struct strlist files = STRLIST_INIT;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (strcmp(paths[i], "-") == 0) {
			strlist_push(&files, "-");
			continue;
		}
		if (stat(paths[i], &st) != 0) {
			strlist_release(&files);
			return seterr_errno(errp, "cannot read '%s'", paths[i]);
		}
		if (S_ISDIR(st.st_mode))
			walk(paths[i], "", s->exclude, 0, &files);
		else
			strlist_push(&files, paths[i]);
	}
	struct work w = { .s = s, .files = &files,
		.per = xcalloc(files.n + 1, sizeof(struct findings)) };
	atomic_init(&w.next, 0);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = s->jobs > 0 ? (size_t)s->jobs : ncpu > 0 ? (size_t)ncpu : 1;
	if (nt > files.n)
		nt = files.n ? files.n : 1;
	/* stdin is read by this thread first; the workers skip it. */
	for (size_t i = 0; i < files.n; i++)
		if (strcmp(files.v[i], "-") == 0)
			scan_stdin(s, &w.per[i]);
	pthread_t *th = xcalloc(nt, sizeof(*th));
	size_t started = 0;
	for (size_t i = 1; i < nt; i++) {
		if (pthread_create(&th[i], NULL, scan_worker, &w) != 0)
			break;
		started = i;
	}
	scan_worker(&w);
	for (size_t i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	free(th);
	for (size_t i = 0; i < files.n; i++) {
		struct findings *p = &w.per[i];
		for (size_t j = 0; j < p->n; j++)
			ARR_PUSH(out->v, out->n, out->cap, p->v[j]);
		out->nfiles += p->nfiles;
		out->nallowed += p->nallowed;
		out->nskipped += p->nskipped;
		out->bytes += p->bytes;
		free(p->v);
	}
	free(w.per);
	strlist_release(&files);
	return 0;
}
