/*
 * version.c - dpkg's version ordering, version ranges, and a bounded
 * reader of dpkg's status database (version.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "units.h"
#include "util.h"
#include "version.h"
#include "xmalloc.h"

/* dpkg's lib/dpkg/version.c order(): '~' sorts before anything. */
static int
order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* dpkg's verrevcmp() over [a, ae) and [b, be). */
static int
verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
#define A_ (a < ae ? (unsigned char)*a : 0)
#define B_ (b < be ? (unsigned char)*b : 0)
	while (A_ || B_) {
		int first_diff = 0;
		while ((A_ && !isdigit(A_)) || (B_ && !isdigit(B_))) {
			int ac = order(A_), bc = order(B_);
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (A_ == '0')
			a++;
		while (B_ == '0')
			b++;
		while (isdigit(A_) && isdigit(B_)) {
			if (!first_diff)
				first_diff = A_ - B_;
			a++;
			b++;
		}
		if (isdigit(A_))
			return 1;
		if (isdigit(B_))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
#undef A_
#undef B_
}

struct vparts {
	unsigned long	 epoch;
	const char	*up, *up_end, *rev, *rev_end;
};

static void
split(const char *s, struct vparts *p)
{
	const char *colon = strchr(s, ':'), *end = s + strlen(s);
	bool digits = colon != NULL && colon > s;

	for (const char *q = s; digits && q < colon; q++)
		digits = isdigit((unsigned char)*q);
	p->epoch = 0;
	if (digits) {
		/* An epoch past what a long holds saturates: still large. */
		p->epoch = strtoul(s, NULL, 10);
		s = colon + 1;
	}
	const char *dash = strrchr(s, '-');
	p->up = s;
	if (dash) {
		p->up_end = dash;
		p->rev = dash + 1;
		p->rev_end = end;
	} else {
		p->up_end = end;
		p->rev = p->rev_end = end;
	}
}

int
version_cmp(const char *a, const char *b)
{
	struct vparts pa, pb;
	int r;

	split(a, &pa);
	split(b, &pb);
	if (pa.epoch != pb.epoch)
		return pa.epoch > pb.epoch ? 1 : -1;
	if ((r = verrevcmp(pa.up, pa.up_end, pb.up, pb.up_end)) != 0)
		return r;
	return verrevcmp(pa.rev, pa.rev_end, pb.rev, pb.rev_end);
}

/* ---- ranges ---------------------------------------------------------- */

static char *
trim(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* "20.x" -> "20" and "21"; "1.2.x" -> "1.2" and "1.3". */
static int
wildcard(const char *v, char **lo, char **below)
{
	size_t n = strlen(v);

	if (n < 3 || strcmp(v + n - 2, ".x") != 0)
		return 0;
	*lo = xstrndup(v, n - 2);
	const char *last = strrchr(*lo, '.');
	last = last ? last + 1 : *lo;
	for (const char *q = last; *q; q++)
		if (!isdigit((unsigned char)*q))
			return -1;
	if (*last == '\0' || strlen(last) > 18)
		return -1;
	unsigned long long k = strtoull(last, NULL, 10) + 1;
	*below = xasprintf("%.*s%llu", (int)(last - *lo), *lo, k);
	return 1;
}

static bool
version_ok(const char *v)
{
	if (*v == '\0' || !isalnum((unsigned char)*v))
		return false;
	for (const char *q = v; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr(".+-~:_", *q))
			return false;
	return true;
}

int
vrange_parse(const char *s, struct vrange *r, char **errp)
{
	struct strlist parts = { 0 };

	memset(r, 0, sizeof(*r));
	r->text = xstrdup(s);
	strlist_split(&parts, s, ',');
	if (parts.n == 0) {
		strlist_release(&parts);
		return seterr(errp, "empty version range (e.g. \">= 24.0, < 25\" "
		    "or \"20.x\")");
	}
	r->c = xcalloc(parts.n, sizeof(*r->c));
	for (size_t i = 0; i < parts.n; i++) {
		const char *p = parts.v[i];
		static const struct { const char *s; int op; } ops[] = {
			{ ">=", CMP_GE }, { "<=", CMP_LE }, { "==", CMP_EQ },
			{ "!=", CMP_NE }, { ">", CMP_GT }, { "<", CMP_LT },
			{ "=", CMP_EQ },
		};
		struct vconstraint *c = &r->c[r->n++];
		c->op = CMP_EQ;
		for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
			if (strncmp(p, ops[k].s, strlen(ops[k].s)) == 0) {
				c->op = ops[k].op;
				p += strlen(ops[k].s);
				break;
			}
		c->v = trim(p, strlen(p));
		char *lo = NULL, *below = NULL;
		int w = wildcard(c->v, &lo, &below);
		if (w < 0 || (w > 0 && c->op != CMP_EQ)) {
			free(lo);
			free(below);
			seterr(errp, "bad version pattern '%s' (a wildcard ends in "
			    "a number and '.x', like 20.x, and takes no operator)",
			    parts.v[i]);
			strlist_release(&parts);
			return -1;
		}
		if (w > 0) {
			free(c->v);
			c->v = lo;
			c->below = below;
		}
		if (!version_ok(c->v)) {
			strlist_release(&parts);
			return seterr(errp, "bad version '%s' in range '%s'",
			    c->v, s);
		}
	}
	strlist_release(&parts);
	return 0;
}

bool
vrange_has(const struct vrange *r, const char *v)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct vconstraint *c = &r->c[i];
		int k = version_cmp(v, c->v);
		bool ok;
		if (c->below) {
			/* "20.x": 20 itself or anything with the prefix "20."
			 * that orders below 21 (20.1, 20.11.1, not 200). */
			size_t n = strlen(c->v);
			ok = k >= 0 && version_cmp(v, c->below) < 0 &&
			    strncmp(v, c->v, n) == 0 && (v[n] == '\0' ||
			    !isdigit((unsigned char)v[n]));
		} else {
			switch (c->op) {
			case CMP_EQ: ok = k == 0; break;
			case CMP_NE: ok = k != 0; break;
			case CMP_LT: ok = k < 0; break;
			case CMP_LE: ok = k <= 0; break;
			case CMP_GT: ok = k > 0; break;
			default: ok = k >= 0; break;
			}
		}
		if (!ok)
			return false;
	}
	return true;
}

void
vrange_free(struct vrange *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->c[i].v);
		free(r->c[i].below);
	}
	free(r->c);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

/* ---- dpkg status ----------------------------------------------------- */

#define DPKG_LINE	4096

/*
 * One line into b (at most DPKG_LINE - 1 bytes, without the newline);
 * the rest of a longer line is read and dropped.  0 at EOF, 1 a line.
 */
static int
get_line(FILE *f, char *b, bool *cut)
{
	int c;
	size_t n = 0;

	*cut = false;
	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n + 1 < DPKG_LINE)
			b[n++] = (char)c;
		else
			*cut = true;
	}
	b[n] = '\0';
	return c == EOF && n == 0 && !*cut ? 0 : 1;
}

static char *
field(const char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	return trim(line + n + 1, strlen(line + n + 1));
}

int
dpkg_installed(FILE *f, const char *pkg, char **version, char **state,
    char **errp)
{
	char *b = xmalloc(DPKG_LINE);
	char *name = NULL, *status = NULL, *ver = NULL;
	bool cut, more = true;
	int found = 0;

	*version = NULL;
	*state = NULL;
	while (more) {
		more = get_line(f, b, &cut) == 1;
		if (more && b[0] != '\0') {
			char *v;
			/* Continuation lines start with a blank. */
			if (cut || b[0] == ' ' || b[0] == '\t')
				continue;
			if ((v = field(b, "Package")) != NULL) {
				free(name);
				name = v;
			} else if ((v = field(b, "Status")) != NULL) {
				free(status);
				status = v;
			} else if ((v = field(b, "Version")) != NULL) {
				free(ver);
				ver = v;
			}
			continue;
		}
		/* End of a stanza. */
		if (name && strcmp(name, pkg) == 0) {
			if (status && strcmp(status, "install ok installed") == 0 &&
			    ver) {
				if (*version == NULL ||
				    version_cmp(ver, *version) < 0) {
					free(*version);
					*version = xstrdup(ver);
				}
				found = 1;
			} else if (*state == NULL) {
				*state = xstrdup(status ? status : "no Status");
			}
		}
		free(name);
		free(status);
		free(ver);
		name = status = ver = NULL;
	}
	free(b);
	if (ferror(f)) {
		free(*version);
		free(*state);
		*version = *state = NULL;
		return seterr(errp, "cannot read the dpkg status database");
	}
	if (found) {
		free(*state);
		*state = NULL;
	}
	return found;
}
