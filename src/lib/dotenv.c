/*
 * dotenv.c - the .env parser (see dotenv.h).  The rules follow what the
 * common loaders agree on (docker compose, python-dotenv, Node's dotenv,
 * vlucas/phpdotenv for Laravel), choosing an error where they disagree
 * about something a person is unlikely to have meant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dotenv.h"
#include "error.h"
#include "xmalloc.h"

struct lexer {
	const char	*name;
	const char	*p, *end;
	const char	*bol;		/* where the current line begins */
	int		 line;
	char		**errp;
	bool		 gap;		/* a blank or comment line was skipped */
};

static void	build_index(struct env_file *);

/* Column (1-based, in bytes) of p on the current line. */
static int
col_of(const struct lexer *lx, const char *p)
{
	return (int)(p - lx->bol) + 1;
}

static bool
key_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
key_char(char c)
{
	return key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
skip_blanks(struct lexer *lx)
{
	while (lx->p < lx->end && blank(*lx->p))
		lx->p++;
}

/* At end of line: "\n", "\r\n", or the end of the data. */
static bool
at_eol(struct lexer *lx)
{
	return lx->p >= lx->end || *lx->p == '\n' || (*lx->p == '\r' &&
	    (lx->p + 1 >= lx->end || lx->p[1] == '\n'));
}

static void
next_line(struct lexer *lx)
{
	while (lx->p < lx->end && *lx->p != '\n')
		lx->p++;
	if (lx->p < lx->end) {
		lx->p++;
		lx->line++;
		lx->bol = lx->p;
	}
}

/* Record ${NAME}, ${NAME:-x}, ${NAME-x} and $NAME references in s. */
static void
find_refs(const char *s, struct strlist *refs)
{
	for (const char *p = s; (p = strchr(p, '$')) != NULL; p++) {
		if (p[1] == '$') {	/* "$$" is a literal "$" */
			p++;
			continue;
		}
		const char *q = p + 1;
		bool brace = *q == '{';
		if (brace)
			q++;
		if (!key_start(*q))
			continue;
		const char *e = q;
		while (key_start(*e) || (*e >= '0' && *e <= '9'))
			e++;
		if (brace && *e != '}' && *e != ':' && *e != '-')
			continue;
		char *name = xstrndup(q, (size_t)(e - q));
		if (!strlist_has(refs, name))
			strlist_push(refs, name);
		free(name);
	}
}

/*
 * Messages never quote the input: the line may be a value, a line of a
 * PEM key pasted without quotes.  Only a key that parsed is named.
 */
static int
lex_error(struct lexer *lx, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
lex_error(struct lexer *lx, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	seterr(lx->errp, "%s:%d:%d: %s", lx->name, line, col, m);
	free(m);
	return -1;
}

/* After a closing quote: only blanks and a comment may follow. */
static int
after_quote(struct lexer *lx, const char *key)
{
	skip_blanks(lx);
	if (!at_eol(lx) && *lx->p != '#')
		return lex_error(lx, lx->line, col_of(lx, lx->p), "'%s': text "
		    "after the closing quote", key);
	next_line(lx);
	return 0;
}

static int
quoted(struct lexer *lx, struct env_entry *e)
{
	int start = lx->line, scol = col_of(lx, lx->p);
	char q = *lx->p++;
	struct buf b = BUF_INIT;

	while (lx->p < lx->end && *lx->p != q) {
		char c = *lx->p++;
		if (c == '\n') {
			lx->line++;
			lx->bol = lx->p;
		}
		if (c == '\r' && lx->p < lx->end && *lx->p == '\n')
			continue;	/* CRLF inside a multi-line value */
		if (c == '\\' && q == '"' && lx->p < lx->end) {
			char n = *lx->p++;
			switch (n) {
			case 'n': buf_addc(&b, '\n'); break;
			case 'r': buf_addc(&b, '\r'); break;
			case 't': buf_addc(&b, '\t'); break;
			case '"': case '\\': case '$': case '`':
				buf_addc(&b, n);
				break;
			case '\n':
				lx->line++;	/* a continued line */
				lx->bol = lx->p;
				break;
			default:
				/* Unknown escapes stay as written, as in sh. */
				buf_addc(&b, '\\');
				buf_addc(&b, n);
				break;
			}
			continue;
		}
		buf_addc(&b, c);
	}
	if (lx->p >= lx->end) {
		buf_release(&b);
		return lex_error(lx, start, scol, "'%s': unterminated %s-quoted "
		    "value (opened here)", e->key, q == '"' ? "double" : q == '\'' ?
		    "single" : "back");
	}
	lx->p++;
	e->quote = q;
	e->value = buf_detach(&b);
	if (q == '"')
		find_refs(e->value, &e->refs);
	return after_quote(lx, e->key);
}

static void
unquoted(struct lexer *lx, struct env_entry *e)
{
	const char *s = lx->p;

	while (!at_eol(lx)) {
		/* " #" starts a comment; "a#b" is a value (URLs, colours). */
		if (*lx->p == '#' && lx->p > s && blank(lx->p[-1]))
			break;
		lx->p++;
	}
	const char *t = lx->p;
	while (t > s && blank(t[-1]))
		t--;
	e->value = xstrndup(s, (size_t)(t - s));
	find_refs(e->value, &e->refs);
	next_line(lx);
}

/* What the byte at p is, in words: the byte itself may be a secret's. */
static const char *
what_char(char c)
{
	switch (c) {
	case ' ': return "a space";
	case '\t': return "a tab";
	case '"': case '\'': case '`': return "a quote";
	case ':': return "a colon (YAML style? write KEY=value)";
	default:
		if (c >= '0' && c <= '9')
			return "a digit";
		return (unsigned char)c >= 0x80 ? "a non-ASCII character" :
		    "a character keys may not contain";
	}
}

static int
parse_line(struct lexer *lx, struct env_file *f)
{
	struct env_entry e = { .line = lx->line, .col = col_of(lx, lx->p),
	    .after_gap = lx->gap };

	lx->gap = false;
	if (lx->end - lx->p >= 7 && strncmp(lx->p, "export", 6) == 0 &&
	    blank(lx->p[6])) {
		e.exported = true;
		lx->p += 6;
		skip_blanks(lx);
	}
	const char *k = lx->p;
	e.col = col_of(lx, k);
	if (lx->p >= lx->end || !key_start(*lx->p))
		return lex_error(lx, lx->line, e.col, "expected KEY=VALUE: a key "
		    "starts with a letter or '_', found %s", k < lx->end ?
		    what_char(*k) : "the end of the file");
	while (lx->p < lx->end && key_char(*lx->p))
		lx->p++;
	const char *kend = lx->p;
	skip_blanks(lx);
	e.spaced_eq = lx->p != kend;
	if (!at_eol(lx) && *lx->p != '#' && *lx->p != '=') {
		/*
		 * Not a key after all ("DB HOST=x", or a base64 line of a
		 * key): the text read so far is not named, it may be a value.
		 */
		return lex_error(lx, lx->line, col_of(lx, kend), "expected "
		    "KEY=VALUE: %s where '=' should follow the key (keys are "
		    "letters, digits and _ . -)", what_char(*kend));
	}
	e.key = xstrndup(k, (size_t)(kend - k));
	if (at_eol(lx) || *lx->p == '#') {
		/* A bare KEY (compose: taken from the environment). */
		e.value = xstrdup("");
		next_line(lx);
		ARR_PUSH(f->v, f->n, f->cap, e);
		return 0;
	}
	lx->p++;
	e.has_value = true;
	if (lx->p < lx->end && blank(*lx->p) && !at_eol(lx))
		e.spaced_eq = true;
	skip_blanks(lx);
	int rc = 0;
	if (lx->p < lx->end && (*lx->p == '"' || *lx->p == '\'' ||
	    *lx->p == '`'))
		rc = quoted(lx, &e);
	else
		unquoted(lx, &e);
	if (rc != 0) {
		free(e.key);
		free(e.value);
		strlist_release(&e.refs);
		return -1;
	}
	ARR_PUSH(f->v, f->n, f->cap, e);
	return 0;
}

int
dotenv_parse(const char *name, const char *data, size_t len,
    struct env_file *out, char **errp)
{
	struct lexer lx = { name, data, data + len, data, 1, errp, false };

	memset(out, 0, sizeof(*out));
	out->name = xstrdup(name);
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		out->bom = true;
		lx.p += 3;
		lx.bol = lx.p;
	}
	if (memchr(data, '\0', len) != NULL) {
		const char *z = memchr(data, '\0', len), *bol = data;
		int line = 1;
		for (const char *q = data; q < z; q++)
			if (*q == '\n') {
				line++;
				bol = q + 1;
			}
		dotenv_release(out);
		return seterr(errp, "%s:%d:%d: NUL byte: binary data, not an env "
		    "file", name, line, (int)(z - bol) + 1);
	}
	out->crlf = memmem(data, len, "\r\n", 2) != NULL;
	while (lx.p < lx.end) {
		skip_blanks(&lx);
		if (at_eol(&lx) || *lx.p == '#') {
			next_line(&lx);
			lx.gap = true;
			continue;
		}
		if (parse_line(&lx, out) != 0) {
			/* Nothing half-parsed is handed back. */
			dotenv_release(out);
			return -1;
		}
	}
	build_index(out);
	return 0;
}

int
dotenv_load(const char *path, struct env_file *out, char **errp)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	memset(out, 0, sizeof(*out));
	/* A FIFO or a device is refused, not waited on or read forever. */
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen_regular(path,
	    "an env file", errp);
	if (f == NULL)
		return -1;
	buf_init(&b, DOTENV_MAX);
	/* Stop at the limit: /dev/zero or a pipe that never ends is bad input. */
	while (!b.truncated && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	bool err = ferror(f);
	if (f != stdin)
		fclose(f);
	if (err || b.truncated) {
		buf_release(&b);
		return err ? seterr_errno(errp, "cannot read '%s'", path) :
		    seterr(errp, "%s: larger than %u MiB: not an env file", path,
		    DOTENV_MAX >> 20);
	}
	int rc = dotenv_parse(path, b.s, b.len, out, errp);
	buf_release(&b);
	return rc;
}

/* Compare a key of klen bytes (not terminated) with a terminated one. */
static int
keycmp(const char *k, size_t klen, const char *t)
{
	int c = strncmp(k, t, klen);

	return c ? c : t[klen] == '\0' ? 0 : -1;
}

/*
 * First slot whose key is >= k (n when none).  Lookups were a scan from
 * the end for every key, and env check looks every key up: 100k keys
 * took 23 s; with the index, 0.2 s.
 */
static size_t
lower_bound(const struct env_file *f, const char *k, size_t klen)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (keycmp(k, klen, f->index[mid].key) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The entry for key assigned last before entry `before` (f->n: the one
 * that wins), or NULL.
 */
static const struct env_entry *
entry_before(const struct env_file *f, size_t before, const char *key,
    size_t klen)
{
	size_t lo = lower_bound(f, key, klen), hi = lo;

	if (f->index == NULL)
		return NULL;
	while (hi < f->n && keycmp(key, klen, f->index[hi].key) == 0)
		hi++;
	/* Slots of one key are in file order: the last one below before. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->index[mid].i < before)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || keycmp(key, klen, f->index[lo - 1].key) != 0 ||
	    f->index[lo - 1].i >= before)
		return NULL;
	return &f->v[f->index[lo - 1].i];
}

static int
slot_cmp(const void *a, const void *b)
{
	const struct env_slot *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

static void
build_index(struct env_file *f)
{
	free(f->index);
	f->index = f->n ? xreallocarray(NULL, f->n, sizeof(*f->index)) : NULL;
	for (size_t i = 0; i < f->n; i++)
		f->index[i] = (struct env_slot){ f->v[i].key, i };
	if (f->n)
		qsort(f->index, f->n, sizeof(*f->index), slot_cmp);
}

/*
 * Expand s, the value of entry `at`, into *out; -1 when it would pass
 * max bytes (nothing more is allocated past the limit).
 */
static int
expand_one(const struct env_file *f, size_t at, const char *s, size_t max,
    char **out)
{
	struct buf b = BUF_INIT;

	buf_init(&b, max);
	while (*s && !b.truncated) {
		if (s[0] != '$') {
			buf_addc(&b, *s++);
			continue;
		}
		if (s[1] == '$') {
			buf_addc(&b, '$');
			s += 2;
			continue;
		}
		bool brace = s[1] == '{';
		const char *n = s + 1 + brace;
		if (!key_start(*n)) {
			buf_addc(&b, *s++);
			continue;
		}
		const char *e = n;
		while (key_start(*e) || (*e >= '0' && *e <= '9'))
			e++;
		const struct env_entry *ve = entry_before(f, at, n,
		    (size_t)(e - n));
		const char *val = ve ? ve->value : NULL;
		const char *def = NULL, *end = e;
		bool colon = false;
		if (brace) {
			colon = e[0] == ':' && e[1] == '-';
			if (colon || e[0] == '-')
				def = e + 1 + colon;
			end = strchr(e, '}');
			if (end == NULL || (def == NULL && end != e)) {
				/* Not a reference after all: keep it as written. */
				buf_addc(&b, *s++);
				continue;
			}
		}
		if (def && (val == NULL || (colon && *val == '\0')))
			buf_add(&b, def, (size_t)(end - def));
		else if (val)
			buf_adds(&b, val);
		s = brace ? end + 1 : end;
	}
	if (b.truncated) {
		buf_release(&b);
		return -1;
	}
	*out = buf_detach(&b);
	return 0;
}

int
dotenv_expand(struct env_file *f, char **errp)
{
	size_t total = 0;

	for (size_t i = 0; i < f->n; i++) {
		struct env_entry *e = &f->v[i];
		size_t len = strlen(e->value);
		if (e->quote == '\'' || strchr(e->value, '$') == NULL) {
			total += len;
			continue;
		}
		/* The whole file stays within what dotenv_load would read. */
		size_t left = total < DOTENV_MAX ? DOTENV_MAX - total : 0;
		size_t max = left < DOTENV_EXPAND_MAX ? left : DOTENV_EXPAND_MAX;
		char *x;
		if (expand_one(f, i, e->value, max, &x) != 0)
			return seterr(errp, "%s:%d:%d: '%s': expanding ${...} "
			    "references makes %s larger than %u MiB", f->name,
			    e->line, e->col, e->key, max == DOTENV_EXPAND_MAX ?
			    "the value" : "the file's values", max ==
			    DOTENV_EXPAND_MAX ? DOTENV_EXPAND_MAX >> 20 :
			    DOTENV_MAX >> 20);
		total += strlen(x);
		free(e->value);
		e->value = x;
	}
	return 0;
}

const struct env_entry *
dotenv_get(const struct env_file *f, const char *key)
{
	return entry_before(f, f->n, key, strlen(key));
}

void
dotenv_release(struct env_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].key);
		free(f->v[i].value);
		strlist_release(&f->v[i].refs);
	}
	free(f->v);
	free(f->index);
	free(f->name);
	memset(f, 0, sizeof(*f));
}
