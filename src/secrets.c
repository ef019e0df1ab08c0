/*
 * secrets.c - the rule table, the scanner (walk, read, match) and the
 * allowlist (see secrets.h).
 *
 * Each file is read in windows (secrets.h) and every rule runs over a
 * whole window in multi-line mode rather than line by line: PCRE2's JIT
 * then skips to each rule's literal prefix (AKIA, ghp_, eyJ, ://) with memchr-speed
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
#include <stdarg.h>
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

const struct secret_rule secret_rules[] = {
	{ "aws-access-key-id", "AWS access key ID",
	  "\\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Z0-9])", 1, 3.0,
	  false, 4, NULL, NULL },
	{ "aws-secret-access-key", "AWS secret access key",
	  "(?i)aws[a-z0-9_ .-]{0,20}?(?:secret|sk)[a-z0-9_ .-]{0,20}?['\"]?"
	  "[ \\t]{0,64}(?:=|:|=>)[ \\t]{0,64}['\"]?([A-Za-z0-9/+]{40})"
	  "(?![A-Za-z0-9/+])",
	  1, 4.0, false, 0, NULL, NULL },
	{ "google-api-key", "Google API key",
	  "\\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])", 1, 3.5, false, 4,
	  "AIza", NULL },
	{ "private-key", "a private key block",
	  "-----BEGIN[ A-Z0-9]{0,64}PRIVATE KEY(?: BLOCK)?-----[ \\t]{0,64}"
	  "\\r?\\n(?:[A-Za-z-]{1,64}:[^\\n]{0,1024}\\r?\\n){0,16}(?:\\r?\\n)?"
	  "([A-Za-z0-9+/=]{40,8192})",
	  1, 4.0, false, 0, NULL, NULL },
	{ "slack-token", "Slack token",
	  "\\b(xox[abposer]-[0-9A-Za-z-]{10,250})(?![0-9A-Za-z-])", 1, 3.0,
	  false, 5, NULL, NULL },
	{ "slack-webhook", "Slack incoming webhook URL",
	  "https://hooks\\.slack\\.com/services/"
	  "(T[A-Z0-9]{6,64}/B[A-Z0-9]{6,64}/[A-Za-z0-9]{20,128})", 1, 3.0,
	  false, 0,
	  "hooks.slack.com/", NULL },
	{ "telegram-bot-token", "Telegram bot token",
	  "\\b([0-9]{6,12}:AA[0-9A-Za-z_-]{33})(?![0-9A-Za-z_-])", 1, 3.5,
	  false, 0, ":AA", NULL },
	{ "github-token", "GitHub token",
	  "\\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|"
	  "github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])", 1, 3.5, false, 4,
	  NULL, NULL },
	{ "jwt", "JSON Web Token",
	  "\\b(eyJ[A-Za-z0-9_-]{8,4096}\\.eyJ[A-Za-z0-9_-]{8,4096}\\."
	  "[A-Za-z0-9_-]{16,8192})"
	  "(?![A-Za-z0-9_-])", 1, 3.5, false, 3, ".eyJ", NULL },
	{ "stripe-key", "Stripe secret or restricted key",
	  "\\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99})(?![0-9A-Za-z])", 1,
	  3.5, false, 8, NULL, NULL },
	{ "gitlab-token", "GitLab personal access token",
	  "\\b(glpat-[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])", 1, 3.5, false, 6,
	  "glpat-", NULL },
	{ "npm-token", "npm access token",
	  "\\b(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])", 1, 3.5, false, 4,
	  "npm_", NULL },
	{ "sendgrid-key", "SendGrid API key",
	  "\\b(SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])", 1,
	  3.5, false, 3, "SG.", NULL },
	{ "url-password", "a password inside a connection URL",
	  "\\b(?:postgres(?:ql)?|mysql|mariadb|redis|rediss|mongodb(?:\\+srv)?|"
	  "amqps?|mssql|sqlserver|smtps?|ftps?|sftp|ldaps?)://"
	  "[^:@/\\s'\"]{0,256}:([^@/\\s'\"]{1,1024})@", 1, 0, false, 0,
	  "://", NULL },
	{ "generic-secret", "a password, secret or token assigned a "
	  "high-entropy value",
	  "(?i)(?:password|passwd|pwd|secret|token|api[_-]?key|"
	  "auth[_-]?key|access[_-]?key|private[_-]?key)[a-z0-9_.-]{0,64}"
	  "['\"\\]]{0,3}"
	  "[ \\t]{0,64}(?:=|:|=>|:=)[ \\t]{0,64}['\"]?"
	  "([^ \\t\\r\\n'\"`,;()\\[\\]{}<>]{8,1024})", 1, 3.5, true, 0, NULL, NULL },
	{ NULL, NULL, NULL, 0, 0, false, 0, NULL, NULL },
};

struct scanner {
	const struct secret_rule **rules;	/* built-in, then the file's */
	pcre2_code	**re;
	size_t		  nrules;
	struct rules_file rf;		/* --rules, or empty */
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
	FILE *f = fopen_regular(path, "an allowlist", errp);
	char line[512];
	int lineno = 0;

	if (f == NULL)
		return -1;
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
	size_t nbuiltin = 0;

	s->rf.use_default = true;
	if (o->rules && rules_file_load(o->rules, &s->rf, errp) != 0) {
		free(s);
		return NULL;
	}
	while (s->rf.use_default && secret_rules[nbuiltin].id)
		nbuiltin++;
	s->rules = xcalloc(nbuiltin + s->rf.n + 1, sizeof(*s->rules));
	for (size_t i = 0; i < nbuiltin; i++)
		s->rules[s->nrules++] = &secret_rules[i];
	for (size_t i = 0; i < s->rf.n; i++)
		s->rules[s->nrules++] = &s->rf.v[i];
	s->re = xcalloc(s->nrules + 1, sizeof(*s->re));
	for (size_t i = 0; i < s->nrules; i++) {
		int ec;
		PCRE2_SIZE eo;
		s->re[i] = pcre2_compile((PCRE2_SPTR)s->rules[i]->regex,
		    PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE, &ec, &eo, NULL);
		if (s->re[i] == NULL) {
			/* The table is ours: a bad regex is a bug, said loudly. */
			PCRE2_UCHAR m[160];
			pcre2_get_error_message(ec, m, sizeof(m));
			seterr(errp, "rule %s: %s at %zu", s->rules[i]->id,
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
	free(s->rules);
	rules_file_release(&s->rf);
	strlist_release(&s->allow);
	free(s);
}

const struct secret_rule *const *
scanner_rules(const struct scanner *s, size_t *n)
{
	*n = s->nrules;
	return s->rules;
}

void
findings_release(struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].file);
		free(fs->v[i].match);
		free(fs->v[i].commit);
	}
	free(fs->v);
	for (size_t i = 0; i < fs->nskips; i++) {
		free(fs->skips[i].path);
		free(fs->skips[i].why);
	}
	free(fs->skips);
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
	size_t digits = 0, lower = 0, upper = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		digits += c >= '0' && c <= '9';
		lower += c >= 'a' && c <= 'z';
		upper += c >= 'A' && c <= 'Z';
	}
	if (s[0] == '$' || s[0] == '@' || s[0] == '%')
		return false;	/* a variable, a decorator, a format */
	if (digits && lower + upper)
		return lower || n >= 16;
	/*
	 * Letters only: a random password of letters (0.7% of random
	 * 28-character alphanumeric ones have no digit, and were missed) or
	 * an identifier (getPasswordFromEnv, TOKEN_ENDPOINT).  Identifiers
	 * are one case or camelCase, whose capitals start words (12-19% of
	 * the letters); random letters are about half capitals.  A quarter
	 * to three quarters, on 16 letters or more, is taken as a secret:
	 * of random 28-letter values 0.4% fall outside it.
	 */
	return digits == 0 && lower + upper == n && n >= 16 &&
	    upper * 4 >= n && upper * 4 <= 3 * n;
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

/*
 * A rules file's allowlist (the rule's, then the file's global one):
 * its regexes on the secret, the match or the whole line.
 */
static bool
rules_allow(const struct scanner *s, const struct secret_rule *rule,
    const char *data, size_t ms, size_t me, size_t ss, size_t se, size_t len)
{
	size_t ls = ms, le = me;

	while (ls > 0 && data[ls - 1] != '\n')
		ls--;
	const char *nl = memchr(data + ms, '\n', len - ms);
	le = nl ? (size_t)(nl - data) : len;
	if (le < me)
		le = me;
	return rule_extra_allowed(rule->extra, data + ss, se - ss, data + ms,
	    me - ms, data + ls, le - ls) || rule_extra_allowed(s->rf.global,
	    data + ss, se - ss, data + ms, me - ms, data + ls, le - ls);
}

static bool
key_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/*
 * One file's scan across its windows.  Offsets are in the file; a
 * window's data[0] is at file offset base.  A match is taken by the
 * window in whose accepted range [from, to) it starts: it is bounded by
 * SCAN_MATCH_MAX, and the window holds that much past `to` (and before
 * `from`, for look-behinds and the key name shown).
 */
struct filescan {
	const char	*name;
	size_t		 first;		/* out->n when the file began */
	size_t		*resume;	/* per rule: search from here */
	bool		*path_allowed;	/* per rule: an allowlist path matched */
	size_t		 counted;	/* lines counted up to this offset */
	size_t		 bol;		/* start of the line at counted */
	int		 line;
	pcre2_match_data *md;
};

/* Where one rule's scan of one window stands: lines counted so far. */
struct cursor {
	size_t		 counted;	/* newlines counted up to here */
	size_t		 bol;		/* start of the line at counted */
	int		 line;
};

struct window {
	const char	*data;
	size_t		 len;		/* bytes in data */
	size_t		 base;		/* file offset of data[0] */
	size_t		 from, to;	/* accepted match starts, file offsets */
};

static void add_skip(struct findings *, const char *, bool, const char *,
    ...) __attribute__((format(printf, 4, 5)));

/* Run rule r over w->data[lo..hi), recording findings. */
static void
match_range(struct scanner *s, size_t r, struct filescan *fsc,
    const struct window *w, size_t lo, size_t hi, struct cursor *cur,
    struct findings *out)
{
	const struct secret_rule *rule = s->rules[r];
	const char *data = w->data;
	size_t pos = lo;

	while (pos <= hi) {
		int rc = pcre2_match(s->re[r], (PCRE2_SPTR)data, hi, pos, 0,
		    fsc->md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			/*
			 * A limit (match, depth, JIT stack) or no memory: the
			 * rest of the window is unknown, which is not "clean".
			 */
			PCRE2_UCHAR m[120];
			pcre2_get_error_message(rc, m, sizeof(m));
			add_skip(out, fsc->name, true, "rule %s stopped at byte "
			    "%zu: %s", rule->id, w->base + pos, (char *)m);
			break;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(fsc->md);
		size_t ms = ov[0], me = ov[1];
		size_t ss = ov[2 * rule->group], se = ov[2 * rule->group + 1];
		/* The next window takes matches that start from here on. */
		if (w->base + ms >= w->to)
			break;
		pos = me > ms ? me : ms + 1;
		fsc->resume[r] = w->base + pos;
		/*
		 * The generic rule starts at its keyword, which keeps the
		 * JIT's start-of-match search fast; the finding starts at the
		 * whole key name (db_password, not password), of at most 256
		 * bytes.
		 */
		if (rule->generic)
			for (size_t k = 0; k < 256 && ms > 0 &&
			    key_byte(data[ms - 1]); k++)
				ms--;
		if (ss == PCRE2_UNSET)
			continue;
		const char *sec = data + ss;
		size_t sn = se - ss;
		size_t fss = w->base + ss, fse = w->base + se;
		if (secret_is_placeholder(sec, sn) ||
		    str_entropy(sec, sn) < rule->min_entropy)
			continue;
		if (rule->generic && !generic_plausible(sec, sn))
			continue;
		if ((rule->extra || s->rf.global) && rules_allow(s, rule, data,
		    ms, me, ss, se, w->len)) {
			out->nallowed++;
			continue;
		}
		bool dup = false;
		for (size_t i = fsc->first; i < out->n && rule->generic && !dup;
		    i++)
			dup = out->v[i].off < fse && fss < out->v[i].end;
		if (dup)
			continue;
		/* Line and column of the match start, counted forward. */
		size_t fms = w->base + ms;
		while (cur->counted < fms) {
			const char *nl = memchr(data + (cur->counted - w->base),
			    '\n', fms - cur->counted);
			if (nl == NULL) {
				cur->counted = fms;
				break;
			}
			cur->line++;
			cur->counted = w->base + (size_t)(nl - data) + 1;
			cur->bol = cur->counted;
		}
		struct finding f = { .line = cur->line,
			.col = (int)(fms - (fms < cur->bol ? fms : cur->bol)) + 1,
			.rule = rule, .off = fss, .end = fse };
		fingerprint(rule->id, sec, sn, f.fingerprint);
		if (allowed(s, f.fingerprint)) {
			out->nallowed++;
			continue;
		}
		f.file = xstrdup(fsc->name);
		f.match = mask_match(rule, data, ms, me, ss, se);
		ARR_PUSH(out->v, out->n, out->cap, f);
	}
}

static void
scan_window(struct scanner *s, struct filescan *fsc, const struct window *w,
    struct findings *out)
{
	const char *data = w->data;
	size_t len = w->len;

	for (size_t r = 0; r < s->nrules; r++) {
		const struct secret_rule *rule = s->rules[r];
		const char *lit = rule->literal;
		struct cursor cur = { fsc->counted, fsc->bol, fsc->line };
		size_t start = fsc->resume[r] > w->from ? fsc->resume[r] :
		    w->from;
		if (start >= w->to || fsc->path_allowed[r])
			continue;
		start -= w->base;
		if (!rule_extra_wanted(rule->extra, data, len))
			continue;
		if (lit == NULL) {
			match_range(s, r, fsc, w, start, len, &cur, out);
			continue;
		}
		/*
		 * A rule with a literal that every match contains, and that
		 * stays within a line, runs only on the lines holding the
		 * literal: memmem skips the rest far faster than the regex's
		 * own start-of-match search would.
		 */
		size_t ll = strlen(lit), pos = start;
		const char *hit;
		while (pos < len && (hit = memmem(data + pos, len - pos, lit,
		    ll)) != NULL) {
			size_t h = (size_t)(hit - data);
			size_t ls = h;
			while (ls > pos && data[ls - 1] != '\n')
				ls--;
			if (w->base + ls >= w->to)
				break;
			const char *nl = memchr(hit, '\n', len - h);
			size_t le = nl ? (size_t)(nl - data) : len;
			match_range(s, r, fsc, w, ls, le, &cur, out);
			pos = le + 1;
		}
	}
	/* Count the lines of the accepted range: the next window's start. */
	for (size_t off = fsc->counted; off < w->to; ) {
		const char *nl = memchr(data + (off - w->base), '\n', w->to - off);
		if (nl == NULL)
			break;
		fsc->line++;
		off = w->base + (size_t)(nl - data) + 1;
		fsc->bol = off;
	}
	fsc->counted = w->to;
}

static void
filescan_begin(struct scanner *s, struct filescan *fsc, const char *name,
    struct findings *out)
{
	memset(fsc, 0, sizeof(*fsc));
	fsc->name = name;
	fsc->first = out->n;
	fsc->resume = xcalloc(s->nrules + 1, sizeof(*fsc->resume));
	fsc->path_allowed = xcalloc(s->nrules + 1, sizeof(bool));
	bool all = rule_extra_path_allowed(s->rf.global, name);
	for (size_t r = 0; r < s->nrules; r++)
		fsc->path_allowed[r] = all ||
		    rule_extra_path_allowed(s->rules[r]->extra, name);
	fsc->line = 1;
	fsc->md = pcre2_match_data_create(8, NULL);
}

/*
 * A generic finding over the same bytes as a specific one found in
 * another window (the generic one was taken first) is dropped here.
 */
static void
filescan_end(struct filescan *fsc, struct findings *out, size_t len)
{
	size_t k = fsc->first;

	for (size_t i = fsc->first; i < out->n; i++) {
		struct finding *f = &out->v[i];
		bool dup = false;
		for (size_t j = fsc->first; j < out->n && f->rule->generic &&
		    !dup; j++)
			dup = !out->v[j].rule->generic && out->v[j].off < f->end &&
			    f->off < out->v[j].end;
		if (dup) {
			free(f->file);
			free(f->match);
		} else {
			out->v[k++] = *f;
		}
	}
	out->n = k;
	if (out->n - fsc->first > 1)
		qsort(out->v + fsc->first, out->n - fsc->first,
		    sizeof(*out->v), cmp_finding);
	pcre2_match_data_free(fsc->md);
	free(fsc->resume);
	free(fsc->path_allowed);
	out->nfiles++;
	out->bytes += len;
}

void
scanner_scan_buffer(struct scanner *s, const char *name, const char *data,
    size_t len, struct findings *out)
{
	struct filescan fsc;
	struct window w = { data, len, 0, 0, len };

	filescan_begin(s, &fsc, name, out);
	scan_window(s, &fsc, &w, out);
	filescan_end(&fsc, out, len);
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
add_skip(struct findings *out, const char *path, bool error, const char *fmt,
    ...)
{
	va_list ap;

	ARR_GROW(out->skips, out->nskips, out->capskips);
	struct scan_skip *k = &out->skips[out->nskips++];
	k->path = xstrdup(path);
	va_start(ap, fmt);
	k->why = xvasprintf(fmt, ap);
	va_end(ap);
	k->error = error;
	out->nerrors += error;
}

static const char *
file_type(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
	    S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
	    S_ISDIR(m) ? "a directory" : "not a regular file";
}

/* One directory being walked: its sorted names and the next one. */
struct frame {
	char		*dir, *rel;
	struct strlist	 names;
	size_t		 i;
};

static bool
frame_open(struct frame *fr, char *dir, char *rel, struct findings *notes)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	memset(fr, 0, sizeof(*fr));
	fr->dir = dir;
	fr->rel = rel;
	if (d == NULL) {
		add_skip(notes, dir, true, "cannot read the directory: %s",
		    strerror(errno));
		return false;
	}
	errno = 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, ".git"))
			strlist_push(&fr->names, e->d_name);
	if (errno != 0)
		add_skip(notes, dir, true, "cannot read the directory: %s",
		    strerror(errno));
	closedir(d);
	if (fr->names.n)
		qsort(fr->names.v, fr->names.n, sizeof(char *), cmp_str);
	return true;
}

static void
frame_close(struct frame *fr)
{
	free(fr->dir);
	free(fr->rel);
	strlist_release(&fr->names);
}

/*
 * Sorted depth-first walk, to any depth: the stack of open directories
 * is on the heap (a check runs on a 512 KiB thread stack), one frame per
 * level; symbolic links are not followed, so there are no cycles.
 */
static void
walk(const char *root, const struct strlist *ex, struct strlist *out,
    struct findings *notes)
{
	struct frame *st = NULL;
	size_t n = 0, cap = 0;

	ARR_GROW(st, n, cap);
	if (!frame_open(&st[n], xstrdup(root), xstrdup(""), notes)) {
		frame_close(&st[n]);
		free(st);
		return;
	}
	n++;
	while (n > 0) {
		struct frame *fr = &st[n - 1];
		if (fr->i == fr->names.n) {
			frame_close(fr);
			n--;
			continue;
		}
		const char *name = fr->names.v[fr->i++];
		/* "." is the usual root: name files "a/b", not "./a/b". */
		char *p = strcmp(fr->dir, ".") == 0 ? xstrdup(name) :
		    xasprintf("%s/%s", fr->dir, name);
		char *r = *fr->rel ? xasprintf("%s/%s", fr->rel, name) :
		    xstrdup(name);
		struct stat sb;
		if (lstat(p, &sb) != 0) {
			/* Gone since readdir (a build directory): not ours. */
			if (errno != ENOENT)
				add_skip(notes, p, true, "cannot read: %s",
				    strerror(errno));
		} else if (scan_excluded(ex, r, S_ISDIR(sb.st_mode))) {
			/* excluded: silently */
		} else if (S_ISDIR(sb.st_mode)) {
			ARR_GROW(st, n, cap);
			if (frame_open(&st[n], p, r, notes))
				n++;
			else
				frame_close(&st[n]);
			continue;
		} else if (S_ISREG(sb.st_mode)) {
			strlist_push_owned(out, p);
			p = NULL;
		} else if (!S_ISLNK(sb.st_mode)) {
			add_skip(notes, p, false, "%s", file_type(sb.st_mode));
		}
		free(p);
		free(r);
	}
	free(st);
}

/* ---- scanning files in parallel ---------------------------------------- */

struct work {
	struct scanner	*s;
	struct strlist	*files;
	struct findings	*per;		/* one per file */
	atomic_size_t	 next;
};

/*
 * Scan what fd reads, to its end, SCAN_WINDOW bytes at a time: memory is
 * one window per thread whatever the file's size (a 1 GB one-line file
 * took 988 MB when files were read whole), and files whose size says 0
 * are read all the same.  Such pseudo-files (/proc/PID/environ, cmdline)
 * separate their strings with NULs: read as line ends, not as binary.
 */
static void
scan_fd(struct scanner *s, int fd, const char *name, bool pseudo,
    struct findings *out)
{
	char *buf = xmalloc(SCAN_WINDOW + 1);
	size_t len = 0, base = 0, keep = 2 * SCAN_MATCH_MAX;
	struct filescan fsc;
	bool eof = false, started = false;
	int err = 0;

	while (!eof && err == 0) {
		while (len < SCAN_WINDOW) {
			ssize_t n = read(fd, buf + len, SCAN_WINDOW - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				err = errno;
				eof = true;
				break;
			}
			if (n == 0) {
				eof = true;
				break;
			}
			if (pseudo)
				for (char *c = buf + len; (c = memchr(c, '\0',
				    (size_t)(buf + len + n - c))) != NULL; )
					*c = '\n';
			len += (size_t)n;
		}
		if (!started) {
			/* Binary files are skipped, by git's heuristic. */
			if (len == 0)
				break;
			if (memchr(buf, '\0', len < BINARY_SNIFF ? len :
			    BINARY_SNIFF) != NULL) {
				out->nbinary++;
				break;
			}
			filescan_begin(s, &fsc, name, out);
			started = true;
		}
		struct window w = { buf, len, base, base ? base +
			SCAN_MATCH_MAX : 0, eof ? base + len : base + len -
			SCAN_MATCH_MAX };
		scan_window(s, &fsc, &w, out);
		if (eof)
			break;
		if (s->deadline_us && now_mono_us() > s->deadline_us) {
			out->nskipped++;
			break;
		}
		memmove(buf, buf + len - keep, keep);
		base += len - keep;
		len = keep;
	}
	if (started)
		filescan_end(&fsc, out, base + len);
	if (err)
		add_skip(out, name, true, "read error: %s", strerror(err));
	free(buf);
}

static void
scan_file(struct scanner *s, const char *path, struct findings *out)
{
	/*
	 * O_NONBLOCK: a FIFO put in place of a file after the walk looked
	 * must not block the open; it is refused by the fstat below.
	 */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0) {
		add_skip(out, path, true, "cannot read: %s", strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		add_skip(out, path, true, "%s, not scanned",
		    file_type(st.st_mode));
		close(fd);
		return;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	scan_fd(s, fd, path, st.st_size == 0, out);
	close(fd);
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

int
scanner_scan(struct scanner *s, char *const *paths, size_t n,
    struct findings *out, char **errp)
{
	struct strlist files = STRLIST_INIT;
	struct findings notes;

	memset(out, 0, sizeof(*out));
	memset(&notes, 0, sizeof(notes));
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (strcmp(paths[i], "-") == 0) {
			strlist_push(&files, "-");
			continue;
		}
		if (stat(paths[i], &st) != 0) {
			if (errno != ENOENT && errno != ENOTDIR) {
				/* There, but not ours to see (EACCES, ELOOP). */
				add_skip(&notes, paths[i], true, "cannot read: %s",
				    strerror(errno));
				continue;
			}
			strlist_release(&files);
			findings_release(&notes);
			return seterr_errno(errp, "cannot read '%s'", paths[i]);
		}
		if (S_ISDIR(st.st_mode))
			walk(paths[i], s->exclude, &files, &notes);
		else if (S_ISREG(st.st_mode))
			strlist_push(&files, paths[i]);
		else	/* never opened: a FIFO's open() would block */
			add_skip(&notes, paths[i], true, "%s, not scanned",
			    file_type(st.st_mode));
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
			scan_fd(s, STDIN_FILENO, "-", false, &w.per[i]);
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
	out->skips = notes.skips;
	out->nskips = notes.nskips;
	out->capskips = notes.capskips;
	out->nerrors = notes.nerrors;
	for (size_t i = 0; i < files.n; i++) {
		struct findings *p = &w.per[i];
		for (size_t j = 0; j < p->n; j++)
			ARR_PUSH(out->v, out->n, out->cap, p->v[j]);
		for (size_t j = 0; j < p->nskips; j++)
			ARR_PUSH(out->skips, out->nskips, out->capskips,
			    p->skips[j]);
		out->nerrors += p->nerrors;
		out->nfiles += p->nfiles;
		out->nallowed += p->nallowed;
		out->nskipped += p->nskipped;
		out->nbinary += p->nbinary;
		out->bytes += p->bytes;
		free(p->v);
		free(p->skips);
	}
	free(w.per);
	strlist_release(&files);
	return 0;
}
