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

/* .env files are small; anything past this is not one. */
#define DOTENV_MAX	(16 * 1024 * 1024)

struct lexer {
	const char	*name;
	const char	*p, *end;
	int		 line;
	char		**errp;
};

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

static int
lex_error(struct lexer *lx, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
lex_error(struct lexer *lx, int line, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	seterr(lx->errp, "%s:%d: %s", lx->name, line, m);
	free(m);
	return -1;
}

/* After a closing quote: only blanks and a comment may follow. */
static int
after_quote(struct lexer *lx, const char *key, int line)
{
	skip_blanks(lx);
	if (!at_eol(lx) && *lx->p != '#')
		return lex_error(lx, line, "'%s': text after the closing quote",
		    key);
	next_line(lx);
	return 0;
}

static int
quoted(struct lexer *lx, struct env_entry *e)
{
	char q = *lx->p++;
	int start = lx->line;
	struct buf b = BUF_INIT;

	while (lx->p < lx->end && *lx->p != q) {
		char c = *lx->p++;
		if (c == '\n')
			lx->line++;
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
		return lex_error(lx, start, "'%s': unterminated %s-quoted value "
		    "(opened here)", e->key, q == '"' ? "double" : q == '\'' ?
		    "single" : "back");
	}
	lx->p++;
	e->quote = q;
	e->value = buf_detach(&b);
	if (q == '"')
		find_refs(e->value, &e->refs);
	return after_quote(lx, e->key, lx->line);
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

/* Length of the rest of the line at p, at most 40 (for messages). */
static int
excerpt(const struct lexer *lx, const char *p)
{
	const char *q = p;

	while (q < lx->end && *q != '\n' && *q != '\r' && q - p < 40)
		q++;
	return (int)(q - p);
}

static int
parse_line(struct lexer *lx, struct env_file *f)
{
	struct env_entry e = { .line = lx->line };

	if (lx->end - lx->p >= 7 && strncmp(lx->p, "export", 6) == 0 &&
	    blank(lx->p[6])) {
		e.exported = true;
		lx->p += 6;
		skip_blanks(lx);
	}
	const char *k = lx->p;
	if (lx->p >= lx->end || !key_start(*lx->p))
		return lex_error(lx, lx->line, "expected KEY=VALUE, got '%.*s'",
		    excerpt(lx, k), k);
	while (lx->p < lx->end && key_char(*lx->p))
		lx->p++;
	e.key = xstrndup(k, (size_t)(lx->p - k));
	skip_blanks(lx);
	if (at_eol(lx) || *lx->p == '#') {
		/* A bare KEY (compose: taken from the environment). */
		e.value = xstrdup("");
		next_line(lx);
		ARR_PUSH(f->v, f->n, f->cap, e);
		return 0;
	}
	if (*lx->p != '=') {
		free(e.key);
		return lex_error(lx, lx->line, "expected KEY=VALUE, got '%.*s' "
		    "(keys are letters, digits and _ . -)", excerpt(lx, k), k);
	}
	lx->p++;
	e.has_value = true;
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
	struct lexer lx = { name, data, data + len, 1, errp };

	memset(out, 0, sizeof(*out));
	out->name = xstrdup(name);
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		out->bom = true;
		lx.p += 3;
	}
	if (memchr(data, '\0', len) != NULL) {
		const char *z = memchr(data, '\0', len);
		int line = 1;
		for (const char *q = data; q < z; q++)
			line += *q == '\n';
		dotenv_release(out);
		return seterr(errp, "%s:%d: NUL byte: binary data, not an env "
		    "file", name, line);
	}
	out->crlf = memmem(data, len, "\r\n", 2) != NULL;
	while (lx.p < lx.end) {
		skip_blanks(&lx);
		if (at_eol(&lx) || *lx.p == '#') {
			next_line(&lx);
			continue;
		}
		if (parse_line(&lx, out) != 0) {
			/* Nothing half-parsed is handed back. */
			dotenv_release(out);
			return -1;
		}
	}
	return 0;
}

int
dotenv_load(const char *path, struct env_file *out, char **errp)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	memset(out, 0, sizeof(*out));
	if (f == NULL)
		return seterr_errno(errp, "cannot read '%s'", path);
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
		    seterr(errp, "%s: larger than 16 MiB: not an env file", path);
	}
	int rc = dotenv_parse(path, b.s, b.len, out, errp);
	buf_release(&b);
	return rc;
}

/* The value of key as assigned before entry `before`, or NULL. */
static const char *
value_before(const struct env_file *f, size_t before, const char *key,
    size_t klen)
{
	for (size_t i = before; i > 0; i--)
		if (strlen(f->v[i - 1].key) == klen &&
		    strncmp(f->v[i - 1].key, key, klen) == 0)
			return f->v[i - 1].value;
	return NULL;
}

static char *
expand_one(const struct env_file *f, size_t at, const char *s)
{
	struct buf b = BUF_INIT;

	while (*s) {
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
		const char *val = value_before(f, at, n, (size_t)(e - n));
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
	return buf_detach(&b);
}

void
dotenv_expand(struct env_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i].quote == '\'' || strchr(f->v[i].value, '$') == NULL)
			continue;
		char *x = expand_one(f, i, f->v[i].value);
		free(f->v[i].value);
		f->v[i].value = x;
	}
}

const struct env_entry *
dotenv_get(const struct env_file *f, const char *key)
{
	for (size_t i = f->n; i > 0; i--)
		if (strcmp(f->v[i - 1].key, key) == 0)
			return &f->v[i - 1];
	return NULL;
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
	free(f->name);
	memset(f, 0, sizeof(*f));
}
