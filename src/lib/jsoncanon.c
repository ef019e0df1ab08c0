/*
 * jsoncanon.c - one canonical text per JSON value, so that PostgreSQL
 * json and jsonb, MariaDB JSON and SQLite text holding the same document
 * compare equal (see jsoncanon.h for the rules).
 *
 * A bounded recursive descent over the text, writing the canonical form
 * as it goes; an object's members are then sorted in place.  Numbers are
 * never converted to double (jansson would: 0.1 and 0.10000000000000001
 * are one double), they are rewritten as exact decimals.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsoncanon.h"
#include "xmalloc.h"

#define DEPTH_MAX	256	/* jsonb's own limit is the stack, ~ thousands */
#define EXP_MAX		1000	/* |10^e| of a number: 1e1000 is 1001 digits */

struct jp {
	const char	*s;
	size_t		 n, i;
	struct buf	*out;
	int		 depth;
};

static void
ws(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
	    p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static bool
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A number as PostgreSQL's numeric prints it: the exact value with
 * max(0, fraction digits - exponent) fractional digits, so "1e0" is "1",
 * "1.0" stays "1.0", "1.50e1" is "15.0" and "-0" is "0".
 */
static bool
number(struct jp *p)
{
	const char *s = p->s;
	size_t i = p->i, d0, d1, f0 = 0, f1 = 0;
	bool neg = false;
	long exp = 0;

	if (i < p->n && s[i] == '-')
		neg = true, i++;
	d0 = i;
	if (i < p->n && s[i] == '0')
		i++;
	else if (i < p->n && isdig(s[i]))
		while (i < p->n && isdig(s[i]))
			i++;
	else
		return false;
	d1 = i;
	if (i < p->n && s[i] == '.') {
		f0 = ++i;
		while (i < p->n && isdig(s[i]))
			i++;
		f1 = i;
		if (f1 == f0)
			return false;
	}
	if (i < p->n && (s[i] == 'e' || s[i] == 'E')) {
		bool eneg = false;
		i++;
		if (i < p->n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		if (i >= p->n || !isdig(s[i]))
			return false;
		for (; i < p->n && isdig(s[i]); i++) {
			exp = exp * 10 + (s[i] - '0');
			if (exp > EXP_MAX)
				return false;	/* bounded: the value stays raw */
		}
		if (eneg)
			exp = -exp;
	}
	p->i = i;

	/* value = D * 10^e10, D the digits of both parts */
	size_t flen = f1 - f0;
	long e10 = exp - (long)flen;
	long scale = e10 < 0 ? -e10 : 0;
	struct buf dg = BUF_INIT;
	long ndig = (long)(d1 - d0 + flen);
	/* at least one integer digit before the scale's */
	for (long k = ndig; k < scale + 1; k++)
		buf_addc(&dg, '0');
	buf_add(&dg, s + d0, d1 - d0);
	buf_add(&dg, s + f0, flen);
	for (long k = 0; k < e10; k++)
		buf_addc(&dg, '0');
	size_t ilen = dg.len - (size_t)scale, lead = 0;
	while (lead + 1 < ilen && dg.s[lead] == '0')
		lead++;
	bool zero = true;
	for (size_t k = 0; k < dg.len; k++)
		if (dg.s[k] != '0')
			zero = false;
	if (neg && !zero)
		buf_addc(p->out, '-');
	buf_add(p->out, dg.s + lead, ilen - lead);
	if (scale) {
		buf_addc(p->out, '.');
		buf_add(p->out, dg.s + ilen, (size_t)scale);
	}
	buf_release(&dg);
	return true;
}

static int
hex4(const char *s)
{
	int v = 0;

	for (int k = 0; k < 4; k++) {
		char c = s[k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (c | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return v;
}

static void
put_utf8(struct buf *b, uint32_t c)
{
	if (c < 0x80)
		buf_addc(b, (char)c);
	else if (c < 0x800) {
		buf_addc(b, (char)(0xc0 | c >> 6));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addc(b, (char)(0xe0 | c >> 12));
		buf_addc(b, (char)(0x80 | (c >> 6 & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | c >> 18));
		buf_addc(b, (char)(0x80 | (c >> 12 & 0x3f)));
		buf_addc(b, (char)(0x80 | (c >> 6 & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	}
}

/* Escapes decoded, then only '"', '\\' and control bytes escaped. */
static bool
string(struct jp *p)
{
	const char *s = p->s;
	size_t i = p->i;
	static const char hx[] = "0123456789abcdef";

	if (i >= p->n || s[i] != '"')
		return false;
	buf_addc(p->out, '"');
	for (i++;; i++) {
		if (i >= p->n)
			return false;
		unsigned char c = (unsigned char)s[i];
		uint32_t u;
		if (c == '"')
			break;
		if (c < 0x20)
			return false;	/* raw control characters are invalid */
		if (c != '\\') {
			u = c;
			goto put;
		}
		if (++i >= p->n)
			return false;
		switch (s[i]) {
		case '"': u = '"'; break;
		case '\\': u = '\\'; break;
		case '/': u = '/'; break;
		case 'b': u = '\b'; break;
		case 'f': u = '\f'; break;
		case 'n': u = '\n'; break;
		case 'r': u = '\r'; break;
		case 't': u = '\t'; break;
		case 'u': {
			int h;
			if (i + 4 >= p->n || (h = hex4(s + i + 1)) < 0)
				return false;
			i += 4;
			u = (uint32_t)h;
			if (u >= 0xdc00 && u <= 0xdfff)
				return false;	/* lone low surrogate */
			if (u >= 0xd800 && u <= 0xdbff) {
				int l;
				if (i + 6 >= p->n || s[i + 1] != '\\' ||
				    s[i + 2] != 'u' ||
				    (l = hex4(s + i + 3)) < 0xdc00 ||
				    l > 0xdfff)
					return false;
				i += 6;
				u = 0x10000 + ((u - 0xd800) << 10) +
				    ((uint32_t)l - 0xdc00);
			}
			if (u >= 0x80) {
				put_utf8(p->out, u);
				continue;
			}
			break;
		}
		default:
			return false;
		}
put:
		if (u == '"' || u == '\\')
			buf_addc(p->out, '\\'), buf_addc(p->out, (char)u);
		else if (u < 0x20) {
			buf_adds(p->out, "\\u00");
			buf_addc(p->out, hx[u >> 4]);
			buf_addc(p->out, hx[u & 15]);
		} else
			buf_addc(p->out, (char)u);
	}
	buf_addc(p->out, '"');
	p->i = i + 1;
	return true;
}

static bool value(struct jp *p);

struct member {
	size_t	 at, klen, len, seq;
	const char *base;
};

static int
member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->base + x->at, y->base + y->at, n);

	if (c == 0 && x->klen != y->klen)
		c = x->klen < y->klen ? -1 : 1;
	if (c == 0)	/* a duplicate key keeps its place among its kind */
		c = x->seq < y->seq ? -1 : x->seq > y->seq;
	return c;
}

static bool
object(struct jp *p)
{
	struct member *m = NULL;
	size_t nm = 0, cap = 0, start;
	bool ok = false;

	p->i++;
	buf_addc(p->out, '{');
	start = p->out->len;
	ws(p);
	if (p->i < p->n && p->s[p->i] == '}') {
		p->i++;
		buf_addc(p->out, '}');
		return true;
	}
	for (;;) {
		size_t at = p->out->len;
		ws(p);
		if (!string(p))
			goto out;
		size_t klen = p->out->len - at;
		ws(p);
		if (p->i >= p->n || p->s[p->i] != ':')
			goto out;
		p->i++;
		buf_addc(p->out, ':');
		if (!value(p))
			goto out;
		if (nm == cap) {
			cap = cap ? cap * 2 : 8;
			m = xreallocarray(m, cap, sizeof(*m));
		}
		m[nm] = (struct member){ at, klen, p->out->len - at, nm, NULL };
		nm++;
		ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			buf_addc(p->out, ',');
			continue;
		}
		if (p->i < p->n && p->s[p->i] == '}') {
			p->i++;
			break;
		}
		goto out;
	}
	if (nm > 1) {
		/* Sort the members' text: one copy of the object's region. */
		size_t rlen = p->out->len - start;
		char *copy = xmalloc(rlen);
		memcpy(copy, p->out->s + start, rlen);
		for (size_t k = 0; k < nm; k++)
			m[k].at -= start, m[k].base = copy;
		qsort(m, nm, sizeof(*m), member_cmp);
		p->out->len = start;
		for (size_t k = 0; k < nm; k++) {
			if (k)
				buf_addc(p->out, ',');
			buf_add(p->out, copy + m[k].at, m[k].len);
		}
		free(copy);
	}
	buf_addc(p->out, '}');
	ok = true;
out:
	free(m);
	return ok;
}

static bool
array(struct jp *p)
{
	p->i++;
	buf_addc(p->out, '[');
	ws(p);
	if (p->i < p->n && p->s[p->i] == ']') {
		p->i++;
		buf_addc(p->out, ']');
		return true;
	}
	for (;;) {
		if (!value(p))
			return false;
		ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			buf_addc(p->out, ',');
			continue;
		}
		if (p->i < p->n && p->s[p->i] == ']') {
			p->i++;
			buf_addc(p->out, ']');
			return true;
		}
		return false;
	}
}

static bool
word(struct jp *p, const char *w)
{
	size_t l = strlen(w);

	if (p->n - p->i < l || memcmp(p->s + p->i, w, l) != 0)
		return false;
	p->i += l;
	buf_add(p->out, w, l);
	return true;
}

static bool
value(struct jp *p)
{
	bool ok;

	ws(p);
	if (p->i >= p->n || ++p->depth > DEPTH_MAX)
		return false;
	switch (p->s[p->i]) {
	case '{': ok = object(p); break;
	case '[': ok = array(p); break;
	case '"': ok = string(p); break;
	case 't': ok = word(p, "true"); break;
	case 'f': ok = word(p, "false"); break;
	case 'n': ok = word(p, "null"); break;
	default: ok = number(p); break;
	}
	p->depth--;
	return ok;
}

bool
json_canon(const char *s, size_t n, struct buf *out)
{
	struct jp p = { s, n, 0, out, 0 };
	size_t start = out->len;

	if (value(&p)) {
		ws(&p);
		if (p.i == n)
			return true;
	}
	out->len = start;
	if (out->s)
		out->s[start] = '\0';
	return false;
}
