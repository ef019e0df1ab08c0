/*
 * canon.c - canonical typed values (see canon.h for the encodings).
 *
 * Every encoding starts with a tag byte: TAG_OK, or CANON_BAD followed by
 * the raw text of a value that did not parse.  The tag keeps a raw value
 * from ever colliding with a valid encoding of the same length.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "jsoncanon.h"
#include "xmalloc.h"

#define TAG_OK	0x01

static const char *const class_names[] = {
	[CC_TEXT] = "text", [CC_INT] = "integer", [CC_DEC] = "decimal",
	[CC_FLOAT] = "double", [CC_FLOAT4] = "float", [CC_BOOL] = "boolean",
	[CC_BYTES] = "bytes", [CC_TS] = "timestamp", [CC_DATE] = "date",
	[CC_TIME] = "time", [CC_UUID] = "uuid", [CC_JSON] = "json",
};

const char *
canon_class_name(enum canon_class c)
{
	return class_names[c];
}

/* "(50)" or "(10,2)" right after the type name, if any. */
static void
parens(const char *s, long *a, long *b)
{
	const char *p = strchr(s, '(');

	*a = *b = -1;
	if (p == NULL)
		return;
	*a = strtol(p + 1, (char **)&p, 10);
	if (*p == ',')
		*b = strtol(p + 1, NULL, 10);
}

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * PostgreSQL types printed as text whose stored form hashes exactly (see
 * enum canon_sub).  Not char(n)[] (its hash ignores trailing blanks), not
 * floating-point, numeric or interval arrays (the hash equates -0 and 0,
 * 1.0 and 1.00, '1 day' and '24:00:00', which print differently), not
 * user types (an enum hashes by a per-database OID).
 */
static enum canon_sub
sub_pg(const char *s)
{
	static const struct { const char *decl; enum canon_sub sub; } m[] = {
		{ "interval", CS_PG_INTERVAL }, { "inet", CS_PG_INET },
		{ "cidr", CS_PG_CIDR },
		{ "smallint[]", CS_PG_ARR_INT }, { "integer[]", CS_PG_ARR_INT },
		{ "bigint[]", CS_PG_ARR_INT }, { "text[]", CS_PG_ARR_TEXT },
		{ "character varying[]", CS_PG_ARR_TEXT },
		{ "uuid[]", CS_PG_ARR_UUID }, { "boolean[]", CS_PG_ARR_BOOL },
		{ "date[]", CS_PG_ARR_DATE }, { "bytea[]", CS_PG_ARR_BYTEA },
		{ "timestamp without time zone[]", CS_PG_ARR_TS },
		{ "timestamp with time zone[]", CS_PG_ARR_TSTZ },
	};
	char *t = xstrdup(s);
	char *p = strchr(t, '(');

	/* varchar(20)[] and timestamp(3)[]: the element type without (n) */
	if (p && strchr(p, ')')) {
		char *q = strchr(p, ')') + 1;
		memmove(p, q, strlen(q) + 1);
		if (p > t && p[-1] == ' ')
			memmove(p - 1, p, strlen(p) + 1);
	}
	enum canon_sub r = CS_NONE;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(t, m[i].decl) == 0)
			r = m[i].sub;
	free(t);
	return r;
}

static void
type_pg(const char *s, struct canon_type *t)
{
	long a, b;

	parens(s, &a, &b);
	if (s[0] && s[strlen(s) - 1] == ']')	/* arrays: as printed */
		t->cls = CC_TEXT, t->sub = sub_pg(s);
	else if (strcmp(s, "smallint") == 0)
		t->cls = CC_INT, t->width = 2;
	else if (strcmp(s, "integer") == 0)
		t->cls = CC_INT, t->width = 4;
	else if (strcmp(s, "bigint") == 0)
		t->cls = CC_INT, t->width = 8;
	else if (starts(s, "numeric"))
		t->cls = CC_DEC, t->dprec = (int)a, t->dscale = a < 0 ? -1 :
		    (int)(b < 0 ? 0 : b);
	else if (strcmp(s, "double precision") == 0)
		t->cls = CC_FLOAT;
	else if (strcmp(s, "real") == 0)
		t->cls = CC_FLOAT4;
	else if (strcmp(s, "boolean") == 0)
		t->cls = CC_BOOL;
	else if (starts(s, "character varying") || starts(s, "character") ||
	    strcmp(s, "text") == 0)
		t->cls = CC_TEXT, t->len = a, t->str = true;
	else if (strcmp(s, "bytea") == 0)
		t->cls = CC_BYTES, t->hex = true;
	else if (starts(s, "timestamp"))
		t->cls = CC_TS, t->prec = a < 0 ? 6 : (int)a,
		    t->tz = strstr(s, "with time zone") != NULL;
	else if (strcmp(s, "date") == 0)
		t->cls = CC_DATE;
	else if (starts(s, "time"))
		t->cls = CC_TIME, t->prec = a < 0 ? 6 : (int)a,
		    t->tz = strstr(s, "with time zone") != NULL;
	else if (strcmp(s, "uuid") == 0)
		t->cls = CC_UUID;
	else if (strcmp(s, "json") == 0 || strcmp(s, "jsonb") == 0)
		t->cls = CC_JSON;
	else {
		t->cls = CC_TEXT;	/* text, enums, arrays: as printed */
		t->sub = sub_pg(s);
	}
}

static void
type_mysql(const char *s, struct canon_type *t)
{
	long a, b;
	bool uns = strstr(s, "unsigned") != NULL;

	parens(s, &a, &b);
	if (starts(s, "tinyint(1)"))
		t->cls = CC_BOOL;	/* MySQL's BOOLEAN */
	else if (starts(s, "tinyint"))
		t->cls = CC_INT, t->width = 2;
	else if (starts(s, "smallint"))
		t->cls = CC_INT, t->width = uns ? 4 : 2;
	else if (starts(s, "mediumint"))
		t->cls = CC_INT, t->width = 4;
	else if (starts(s, "int") || starts(s, "year"))
		t->cls = CC_INT, t->width = uns ? 8 : 4;
	else if (starts(s, "bigint") && !uns)
		t->cls = CC_INT, t->width = 8;
	else if (starts(s, "bigint") || starts(s, "bit"))
		/* Past int64: compared as exact decimals, in numeric order. */
		t->cls = CC_DEC, t->width = 9, t->dprec = 20, t->dscale = 0;
	else if (starts(s, "decimal") || starts(s, "numeric"))
		t->cls = CC_DEC, t->dprec = a < 0 ? 10 : (int)a,
		    t->dscale = b < 0 ? 0 : (int)b;
	else if (starts(s, "float"))
		t->cls = CC_FLOAT4;
	else if (starts(s, "double") || starts(s, "real"))
		t->cls = CC_FLOAT;
	else if (starts(s, "varchar") || starts(s, "char"))
		t->cls = CC_TEXT, t->len = a, t->str = true;
	else if (starts(s, "tinytext"))
		t->cls = CC_TEXT, t->len = 255;
	else if (starts(s, "text"))
		t->cls = CC_TEXT, t->len = 65535;
	else if (starts(s, "mediumtext"))
		t->cls = CC_TEXT, t->len = 16777215;
	else if (starts(s, "binary") || starts(s, "varbinary"))
		t->cls = CC_BYTES, t->len = a;
	else if (strstr(s, "blob"))
		t->cls = CC_BYTES, t->len = starts(s, "tinyblob") ? 255 :
		    starts(s, "blob") ? 65535 : starts(s, "mediumblob") ?
		    16777215 : -1;
	else if (starts(s, "datetime") || starts(s, "timestamp"))
		t->cls = CC_TS, t->prec = a < 0 ? 0 : (int)a,
		    t->tz = starts(s, "timestamp");
	else if (strcmp(s, "date") == 0)
		t->cls = CC_DATE;
	else if (starts(s, "time"))
		t->cls = CC_TIME, t->prec = a < 0 ? 0 : (int)a;
	else if (strcmp(s, "uuid") == 0)
		t->cls = CC_UUID;
	else if (strcmp(s, "json") == 0)
		/* MySQL's type; MariaDB's LONGTEXT CHECK (json_valid) */
		t->cls = CC_JSON;
	else
		t->cls = CC_TEXT;	/* longtext, enum, set */
}

/* SQLite's affinity rules (datatype3.html §3.1), refined by common names. */
static void
type_sqlite(const char *s, struct canon_type *t)
{
	t->weak = true;
	if (strstr(s, "json"))
		t->cls = CC_JSON;	/* NUMERIC affinity, but text in practice */
	else if (strstr(s, "bool"))
		t->cls = CC_BOOL;
	else if (strstr(s, "int"))
		t->cls = CC_INT, t->width = 8;
	else if (strstr(s, "char") || strstr(s, "clob") || strstr(s, "text"))
		t->cls = CC_TEXT;
	else if (strstr(s, "blob") || *s == '\0')
		t->cls = CC_BYTES;
	else if (strstr(s, "real") || strstr(s, "floa") || strstr(s, "doub"))
		t->cls = CC_FLOAT;
	else if (strstr(s, "timestamp") || strstr(s, "datetime"))
		t->cls = CC_TS, t->prec = 6;
	else if (strstr(s, "date"))
		t->cls = CC_DATE;
	else if (strstr(s, "time"))
		t->cls = CC_TIME, t->prec = 6;
	else if (strstr(s, "uuid"))
		t->cls = CC_UUID;
	else
		t->cls = CC_DEC;	/* NUMERIC affinity */
}

void
canon_type_of(const char *engine, const char *decl, struct canon_type *t)
{
	char *s = xstrdup(decl ? decl : "");

	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	memset(t, 0, sizeof(*t));
	t->prec = -1;
	t->len = -1;
	t->dprec = t->dscale = -1;
	if (strcmp(engine, "postgres") == 0)
		type_pg(s, t);
	else if (strcmp(engine, "mysql") == 0)
		type_mysql(s, t);
	else
		type_sqlite(s, t);
	free(s);
}

static bool
numeric(enum canon_class c)
{
	return c == CC_INT || c == CC_DEC || c == CC_FLOAT || c == CC_FLOAT4;
}

static int
min_prec(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* The comparison class of two different classes, or -1. */
static int
join_class(enum canon_class a, enum canon_class b)
{
	if (a == b)
		return (int)a;
	if ((a == CC_INT && b == CC_BOOL) || (a == CC_BOOL && b == CC_INT))
		return CC_BOOL;
	if (numeric(a) && numeric(b)) {
		if (a == CC_FLOAT4 || b == CC_FLOAT4)
			return CC_FLOAT4;
		if (a == CC_FLOAT || b == CC_FLOAT)
			return CC_FLOAT;
		return CC_DEC;
	}
	if ((a == CC_TEXT && b == CC_UUID) || (a == CC_UUID && b == CC_TEXT))
		return CC_UUID;
	if ((a == CC_BYTES && b == CC_UUID) || (a == CC_UUID && b == CC_BYTES))
		return CC_UUID;
	if ((a == CC_TEXT && b == CC_BYTES) || (a == CC_BYTES && b == CC_TEXT))
		return CC_BYTES;
	if ((a == CC_TS && b == CC_DATE) || (a == CC_DATE && b == CC_TS))
		return CC_TS;
	/* A document kept as text on one side: compared by meaning. */
	if ((a == CC_JSON && b == CC_TEXT) || (a == CC_TEXT && b == CC_JSON))
		return CC_JSON;
	return -1;
}

int
canon_pair(const struct canon_type *s, const struct canon_type *d,
    struct canon_type *out, bool *narrower, const char **why)
{
	int c;

	*narrower = false;
	*why = NULL;
	*out = *s;
	/* SQLite's declared type is a hint: the typed side decides. */
	if (s->weak && !d->weak)
		c = d->cls, *out = *d;
	else if (d->weak && !s->weak)
		c = s->cls;
	else if (s->weak && d->weak)
		c = s->cls == d->cls ? (int)s->cls : join_class(s->cls, d->cls);
	else
		c = join_class(s->cls, d->cls);
	if (c < 0) {
		if (!(s->weak || d->weak))
			return -1;
		c = CC_TEXT;	/* two hints that disagree: compare text */
	}
	out->cls = (enum canon_class)c;
	out->prec = min_prec(s->prec, d->prec);
	out->weak = false;
	if (s->weak || d->weak)
		return c;

	if ((s->cls == CC_TEXT || s->cls == CC_BYTES) && s->cls == d->cls &&
	    d->len >= 0 && (s->len < 0 || d->len < s->len))
		*narrower = true, *why = "shorter";
	else if ((s->cls == CC_TS || s->cls == CC_TIME) && s->cls == d->cls &&
	    d->prec >= 0 && s->prec >= 0 && d->prec < s->prec)
		*narrower = true, *why = "lower fractional-second precision";
	else if (s->cls == CC_TS && d->cls == CC_DATE)
		*narrower = true, *why = "drops the time of day";
	else if (s->cls == CC_FLOAT && d->cls == CC_FLOAT4)
		*narrower = true, *why = "single precision";
	else if (s->cls == CC_INT && d->cls == CC_INT && d->width < s->width &&
	    !(s->width == 9 && d->width == 8))
		*narrower = true, *why = "narrower integer";
	else if (s->cls == CC_INT && d->cls == CC_BOOL)
		*narrower = true, *why = "boolean";
	else if (s->cls == CC_DEC && d->cls == CC_DEC && (d->dprec >= 0 &&
	    (s->dprec < 0 || d->dscale < s->dscale ||
	    d->dprec - d->dscale < s->dprec - s->dscale)))
		*narrower = true, *why = "fewer decimal digits";
	return c;
}

static void
put64(struct buf *b, uint64_t v)
{
	unsigned char x[8];

	for (int i = 7; i >= 0; i--, v >>= 8)
		x[i] = (unsigned char)(v & 0xff);
	buf_add(b, x, 8);
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_int(struct buf *b, int64_t v)
{
	put64(b, (uint64_t)v ^ (1ULL << 63));
}

static void
put_double(struct buf *b, double d)
{
	uint64_t u;

	if (d == 0)
		d = 0;		/* -0 is 0 */
	if (isnan(d))
		d = NAN;	/* one NaN */
	memcpy(&u, &d, 8);
	u = (u >> 63) ? ~u : u | (1ULL << 63);
	put64(b, u);
}

static double
get_double(const unsigned char *p)
{
	uint64_t u = get64(p);
	double d;

	u = (u >> 63) ? u & ~(1ULL << 63) : ~u;
	memcpy(&d, &u, 8);
	return d;
}

/* A NUL-terminated copy for strto*, on the stack when small. */
#define WITH_CSTR(var, s, n, body) do {					\
	char var##_sm[64], *var = (n) < sizeof(var##_sm) ? var##_sm :	\
	    xmalloc((n) + 1);						\
	memcpy(var, (s), (n));						\
	var[(n)] = '\0';						\
	body								\
	if (var != var##_sm)						\
		free(var);						\
} while (0)

/*
 * Whether s[0..n) can be read as a number by strto*: not empty, no
 * leading space, and no NUL, at which the copy would end (a blob x'00'
 * in an INTEGER column of SQLite once read as the integer 0).
 */
static bool
numeric_text(const char *s, size_t n)
{
	return n > 0 && !isspace((unsigned char)s[0]) &&
	    memchr(s, '\0', n) == NULL;
}

static bool
parse_int64(const char *s, size_t n, int64_t *v)
{
	bool ok = false;

	if (!numeric_text(s, n))
		return false;
	WITH_CSTR(c, s, n, {
		char *end;
		errno = 0;
		long long x = strtoll(c, &end, 10);
		ok = errno == 0 && *end == '\0';
		*v = x;
	});
	return ok;
}

static bool
parse_double(const char *s, size_t n, bool single, double *v)
{
	bool ok = false;

	if (!numeric_text(s, n))
		return false;
	WITH_CSTR(c, s, n, {
		char *end;
		if (single)
			*v = (double)strtof(c, &end);
		else
			*v = strtod(c, &end);
		ok = *end == '\0';
	});
	return ok;
}

/*
 * The common case, digits and a point without an exponent, written
 * straight to out: stream mode parses one value per row and column.
 */
static int
dec_fast(const char *s, size_t n, struct buf *out)
{
	size_t i = 0, is, ie, fs, fe;
	bool neg = false;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (is = i; i < n && isdigit((unsigned char)s[i]); i++)
		;
	ie = i;
	fs = fe = i;
	if (i < n && s[i] == '.') {
		for (fs = ++i; i < n && isdigit((unsigned char)s[i]); i++)
			;
		fe = i;
	}
	if (i != n)
		return -1;		/* an exponent or junk: the slow path */
	if (ie == is && fe == fs)
		return 0;		/* no digit at all */
	while (is < ie && s[is] == '0')
		is++;
	while (fe > fs && s[fe - 1] == '0')
		fe--;
	if (is == ie && fe == fs)
		neg = false;		/* -0 is 0 */
	if (neg)
		buf_addc(out, '-');
	if (is == ie)
		buf_addc(out, '0');
	else
		buf_add(out, s + is, ie - is);
	if (fe > fs) {
		buf_addc(out, '.');
		buf_add(out, s + fs, fe - fs);
	}
	return 1;
}

bool
canon_parse_dec(const char *s, size_t n, struct buf *out)
{
	int fast = dec_fast(s, n, out);

	if (fast >= 0)
		return fast == 1;
	size_t i = 0;
	bool neg = false;
	struct buf ip = BUF_INIT, fp = BUF_INIT;
	bool ok = false, any = false;
	long exp = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < n && isdigit((unsigned char)s[i]); i++, any = true)
		buf_addc(&ip, s[i]);
	if (i < n && s[i] == '.')
		for (i++; i < n && isdigit((unsigned char)s[i]); i++, any = true)
			buf_addc(&fp, s[i]);
	if (any && i < n && (s[i] == 'e' || s[i] == 'E')) {
		int64_t e;
		if (!parse_int64(s + i + 1, n - i - 1, &e) || e > 4096 ||
		    e < -4096)
			goto out;
		exp = (long)e;
		i = n;
	}
	if (!any || i != n)
		goto out;
	/* Apply the exponent by moving digits across the point. */
	for (; exp > 0; exp--) {
		buf_addc(&ip, fp.len ? fp.s[0] : '0');
		if (fp.len)
			memmove(fp.s, fp.s + 1, fp.len--);
	}
	for (; exp < 0; exp++) {
		char c = ip.len ? ip.s[ip.len - 1] : '0';
		if (ip.len)
			ip.s[--ip.len] = '\0';
		buf_addc(&fp, ' ');
		memmove(fp.s + 1, fp.s, fp.len - 1);
		fp.s[0] = c;
	}
	size_t lead = 0;
	while (lead < ip.len && ip.s[lead] == '0')
		lead++;
	while (fp.len && fp.s[fp.len - 1] == '0')
		fp.s[--fp.len] = '\0';
	if (lead == ip.len && fp.len == 0)
		neg = false;	/* -0 is 0 */
	if (neg)
		buf_addc(out, '-');
	if (lead == ip.len)
		buf_addc(out, '0');
	else
		buf_add(out, ip.s + lead, ip.len - lead);
	if (fp.len) {
		buf_addc(out, '.');
		buf_add(out, fp.s, fp.len);
	}
	ok = true;
out:
	buf_release(&ip);
	buf_release(&fp);
	return ok;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
digits(const char *s, size_t n, size_t *i, int count, int *v)
{
	*v = 0;
	for (int k = 0; k < count; k++, (*i)++) {
		if (*i >= n || !isdigit((unsigned char)s[*i]))
			return false;
		*v = *v * 10 + (s[*i] - '0');
	}
	return true;
}

/* "HH:MM:SS[.ffffff]" from s[*i], hours may exceed 24 (MySQL TIME). */
static bool
parse_clock(const char *s, size_t n, size_t *i, int64_t *us)
{
	int64_t h = 0;
	int mi, se;
	bool any = false;

	for (; *i < n && isdigit((unsigned char)s[*i]); (*i)++, any = true)
		h = h * 10 + (s[*i] - '0');
	if (!any || h > 100000 || *i >= n || s[(*i)++] != ':' ||
	    !digits(s, n, i, 2, &mi) || *i >= n || s[(*i)++] != ':' ||
	    !digits(s, n, i, 2, &se) || mi > 59 || se > 60)
		return false;
	int64_t frac = 0, scale = 100000;
	if (*i < n && s[*i] == '.') {
		for ((*i)++; *i < n && isdigit((unsigned char)s[*i]); (*i)++) {
			/*
			 * Past microseconds (SQLite text may have them): a
			 * digit that is not 0 would be lost, so the value
			 * stays raw text and can only equal itself.
			 */
			if (scale == 0 && s[*i] != '0')
				return false;
			frac += (s[*i] - '0') * scale;
			scale /= 10;
		}
	}
	*us = ((h * 60 + mi) * 60 + se) * 1000000 + frac;
	return true;
}

bool
canon_parse_ts(const char *s, size_t n, int64_t *us)
{
	size_t i = 0;
	int y, m, d;
	int64_t clock = 0;
	bool neg = false;

	if (n == 8 && strncmp(s, "infinity", 8) == 0) {
		*us = INT64_MAX;
		return true;
	}
	if (n == 9 && strncmp(s, "-infinity", 9) == 0) {
		*us = INT64_MIN;
		return true;
	}
	if (!digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' ||
	    !digits(s, n, &i, 2, &m) || i >= n || s[i++] != '-' ||
	    !digits(s, n, &i, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	if (i < n && (s[i] == ' ' || s[i] == 'T')) {
		i++;
		if (!parse_clock(s, n, &i, &clock))
			return false;
	}
	int64_t off = 0;
	if (i < n && s[i] == 'Z')
		i++;
	else if (i < n && (s[i] == '+' || s[i] == '-')) {
		neg = s[i++] == '-';
		int oh, om = 0, os = 0;
		if (!digits(s, n, &i, 2, &oh))
			return false;
		if (i < n && s[i] == ':')
			i++;
		if (i < n && !digits(s, n, &i, 2, &om))
			return false;
		if (i < n && s[i] == ':')
			i++;
		if (i < n && !digits(s, n, &i, 2, &os))
			return false;
		off = ((int64_t)oh * 3600 + om * 60 + os) * 1000000;
	}
	if (i != n)
		return false;
	*us = days_from_civil(y, m, d) * 86400000000LL + clock -
	    (neg ? -off : off);
	return true;
}

/* Truncate to prec fractional digits (MariaDB's default on insert). */
static int64_t
trunc_prec(int64_t us, int prec)
{
	int64_t unit = 1;

	if (prec < 0 || prec >= 6 || us == INT64_MAX || us == INT64_MIN)
		return us;
	for (int k = prec; k < 6; k++)
		unit *= 10;
	int64_t q = us / unit;
	if (us % unit < 0)
		q--;
	return q * unit;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool
parse_uuid(const char *s, size_t n, unsigned char out[16])
{
	int k = 0, hi = -1;

	if (n == 16) {
		memcpy(out, s, 16);	/* BINARY(16) */
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-' || (i == 0 && s[i] == '{') ||
		    (i == n - 1 && s[i] == '}'))
			continue;
		int v = hexval((unsigned char)s[i]);
		if (v < 0 || k >= 16)
			return false;
		if (hi < 0)
			hi = v;
		else
			out[k++] = (unsigned char)(hi << 4 | v), hi = -1;
	}
	return k == 16 && hi < 0;
}

static bool
parse_bool(const char *s, size_t n, int *v)
{
	static const char *const yes[] = { "t", "true", "1", "y", "yes", "on" };
	static const char *const no[] = { "f", "false", "0", "n", "no", "off" };

	for (size_t i = 0; i < 6; i++) {
		if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0)
			return *v = 1, true;
		if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0)
			return *v = 0, true;
	}
	return false;
}

bool
canon_encode(const struct canon_type *t, const char *s, size_t n,
    struct buf *b)
{
	size_t start = b->len;
	int64_t i64;
	double d;
	int bv;
	unsigned char u[16];

	buf_addc(b, TAG_OK);
	switch (t->cls) {
	case CC_TEXT:
		buf_add(b, s, n);
		return true;
	case CC_BYTES:
		/* PostgreSQL prints bytea as \x and hex digits. */
		if (t->hex && n >= 2 && s[0] == '\\' && s[1] == 'x' &&
		    n % 2 == 0) {
			for (size_t k = 2; k < n; k += 2) {
				int h = hexval((unsigned char)s[k]);
				int l = hexval((unsigned char)s[k + 1]);
				if (h < 0 || l < 0)
					goto bad;
				buf_addc(b, (char)(h << 4 | l));
			}
			return true;
		}
		buf_add(b, s, n);
		return true;
	case CC_INT:
		if (!parse_int64(s, n, &i64))
			goto bad;
		put_int(b, i64);
		return true;
	case CC_DEC:
		if (!canon_parse_dec(s, n, b))
			goto bad;
		return true;
	case CC_FLOAT:
	case CC_FLOAT4:
		if (!parse_double(s, n, t->cls == CC_FLOAT4, &d))
			goto bad;
		put_double(b, d);
		return true;
	case CC_BOOL:
		if (!parse_bool(s, n, &bv))
			goto bad;
		buf_addc(b, (char)bv);
		return true;
	case CC_TS:
	case CC_DATE:
		if (!canon_parse_ts(s, n, &i64))
			goto bad;
		put_int(b, trunc_prec(i64, t->cls == CC_DATE ? 6 : t->prec));
		return true;
	case CC_TIME: {
		size_t k = 0;
		bool neg = n > 0 && s[0] == '-';
		k = neg;
		if (!parse_clock(s, n, &k, &i64) || k != n)
			goto bad;
		put_int(b, trunc_prec(neg ? -i64 : i64, t->prec));
		return true;
	}
	case CC_UUID:
		if (!parse_uuid(s, n, u))
			goto bad;
		buf_add(b, u, 16);
		return true;
	case CC_JSON:
		if (!json_canon(s, n, b))
			goto bad;
		return true;
	}
bad:
	b->len = start;
	b->s[start] = '\0';
	buf_addc(b, (char)CANON_BAD);
	buf_add(b, s, n);
	return false;
}

static int
memcmp_len(const unsigned char *a, size_t na, const unsigned char *b,
    size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	if (c != 0)
		return c;
	return na < nb ? -1 : na > nb;
}

/* Numeric order of two canonical decimals ("-12.5", "3"). */
static int
dec_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	bool an = na && a[0] == '-', bn = nb && b[0] == '-';

	if (an != bn)
		return an ? -1 : 1;
	if (an)
		a++, na--, b++, nb--;
	size_t ia = strcspn(a, "."), ib = strcspn(b, ".");
	if (ia > na)
		ia = na;
	if (ib > nb)
		ib = nb;
	int c;
	if (ia != ib)
		c = ia < ib ? -1 : 1;
	else if ((c = memcmp(a, b, ia)) == 0)
		c = memcmp_len((const unsigned char *)a + ia, na - ia,
		    (const unsigned char *)b + ib, nb - ib);
	return an ? -c : c;
}

int
canon_cmp(enum canon_class c, const void *a, size_t na, const void *b,
    size_t nb)
{
	const unsigned char *x = a, *y = b;

	if (c == CC_DEC && na && nb && x[0] == TAG_OK && y[0] == TAG_OK)
		return dec_cmp((const char *)x + 1, na - 1,
		    (const char *)y + 1, nb - 1);
	return memcmp_len(x, na, y, nb);
}

bool
canon_number(enum canon_class c, const void *v, size_t n, long double *x)
{
	const unsigned char *p = v;
	int64_t i;
	double d;

	if (n == 0)
		return false;
	if (p[0] == TAG_OK && n == 9 && c == CC_INT) {
		*x = (long double)(int64_t)(get64(p + 1) ^ (1ULL << 63));
		return true;
	}
	if (p[0] == TAG_OK && n == 9 && (c == CC_FLOAT || c == CC_FLOAT4)) {
		*x = get_double(p + 1);
		return true;
	}
	if (p[0] == TAG_OK && c != CC_TEXT && c != CC_BYTES)
		return false;	/* not raw text */
	if (parse_int64((const char *)p + 1, n - 1, &i)) {
		*x = (long double)i;
		return true;
	}
	if (parse_double((const char *)p + 1, n - 1, false, &d) && !isnan(d)) {
		*x = d;
		return true;
	}
	return false;
}

bool
canon_equal(enum canon_class c, const void *a, size_t na, const void *b,
    size_t nb, double tol)
{
	const unsigned char *x = a, *y = b;

	if (tol > 0 && (c == CC_FLOAT || c == CC_FLOAT4) && na == 9 &&
	    nb == 9 && x[0] == TAG_OK && y[0] == TAG_OK) {
		double p = get_double(x + 1), q = get_double(y + 1);
		double m = fabs(p) > fabs(q) ? fabs(p) : fabs(q);
		if (p == q)
			return true;
		return fabs(p - q) <= tol * m;
	}
	return na == nb && memcmp(a, b, na) == 0;
}

static void
render_ts(int64_t us, enum canon_class c, struct buf *b)
{
	if (us == INT64_MAX || us == INT64_MIN) {
		buf_adds(b, us > 0 ? "infinity" : "-infinity");
		return;
	}
	int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
	if (rem < 0)
		rem += 86400000000LL, days--;
	/* civil_from_days (Hinnant) */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	buf_addf(b, "%04lld-%02lld-%02lld", (long long)y, (long long)m,
	    (long long)d);
	if (c == CC_DATE && rem == 0)
		return;
	buf_addf(b, " %02lld:%02lld:%02lld", (long long)(rem / 3600000000LL),
	    (long long)(rem / 60000000 % 60), (long long)(rem / 1000000 % 60));
	if (rem % 1000000)
		buf_addf(b, ".%06lld", (long long)(rem % 1000000));
}

void
canon_render(enum canon_class c, const void *v, size_t n, struct buf *b)
{
	const unsigned char *p = v;

	if (n == 0)
		return;
	if (p[0] != TAG_OK) {
		buf_add(b, p + 1, n - 1);
		return;
	}
	p++, n--;
	switch (c) {
	case CC_TEXT:
	case CC_DEC:
	case CC_JSON:
		buf_add(b, p, n);
		break;
	case CC_BYTES:
		buf_adds(b, "\\x");
		for (size_t i = 0; i < n && i < 64; i++)
			buf_addf(b, "%02x", p[i]);
		if (n > 64)
			buf_addf(b, "... (%zu bytes)", n);
		break;
	case CC_INT:
		buf_addf(b, "%lld", (long long)(get64(p) ^ (1ULL << 63)));
		break;
	case CC_FLOAT:
	case CC_FLOAT4:
		buf_addf(b, "%.17g", get_double(p));
		break;
	case CC_BOOL:
		buf_adds(b, p[0] ? "true" : "false");
		break;
	case CC_TS:
	case CC_DATE:
		render_ts((int64_t)(get64(p) ^ (1ULL << 63)), c, b);
		break;
	case CC_TIME: {
		int64_t us = (int64_t)(get64(p) ^ (1ULL << 63));
		if (us < 0)
			buf_addc(b, '-'), us = -us;
		buf_addf(b, "%02lld:%02lld:%02lld", (long long)(us / 3600000000LL),
		    (long long)(us / 60000000 % 60),
		    (long long)(us / 1000000 % 60));
		if (us % 1000000)
			buf_addf(b, ".%06lld", (long long)(us % 1000000));
		break;
	}
	case CC_UUID:
		for (size_t i = 0; i < n; i++)
			buf_addf(b, "%s%02x", i == 4 || i == 6 || i == 8 ||
			    i == 10 ? "-" : "", p[i]);
		break;
	}
}

double
canon_double(const void *v)
{
	return get_double(v);
}
