/* units.c - parsing and printing of durations, sizes and comparisons. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "units.h"
#include "xmalloc.h"

/* Parse a non-negative decimal number with its suffix left in *rest. */
static int
number(const char *s, double *v, const char **rest)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(*v) || *v < 0)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	*rest = end;
	return 0;
}

int
parse_duration(const char *s, int64_t *us, char **errp)
{
	static const struct { const char *sfx; double mul; } u[] = {
		{ "us", 1 }, { "µs", 1 }, { "ms", 1e3 }, { "s", 1e6 },
		{ "m", 60e6 }, { "h", 3600e6 }, { "d", 86400e6 },
	};
	const char *rest;
	double v;

	if (number(s, &v, &rest) == 0) {
		for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
			if (strcmp(rest, u[i].sfx) == 0) {
				double r = v * u[i].mul;
				if (r > 9e18)
					break;
				*us = (int64_t)llround(r);
				return 0;
			}
		}
	}
	return seterr(errp, "bad duration '%s' (expected a number and a unit: "
	    "250ms, 5s, 2m, 2h)", s);
}

int
parse_size(const char *s, uint64_t *bytes, char **errp)
{
	static const struct { const char *sfx; double mul; } u[] = {
		{ "", 1 }, { "B", 1 },
		{ "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 }, { "TB", 1e12 },
		{ "K", 1024.0 }, { "M", 1048576.0 }, { "G", 1073741824.0 },
		{ "T", 1099511627776.0 },
		{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
		{ "TiB", 1099511627776.0 },
	};
	const char *rest;
	double v;

	if (number(s, &v, &rest) == 0) {
		for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
			if (strcmp(rest, u[i].sfx) == 0 && v * u[i].mul < 1.8e19) {
				*bytes = (uint64_t)llround(v * u[i].mul);
				return 0;
			}
		}
	}
	return seterr(errp, "bad size '%s' (expected e.g. 512MB, 5GB, 2GiB)", s);
}

int
parse_percent(const char *s, double *pct, char **errp)
{
	const char *rest;
	double v;

	if (number(s, &v, &rest) == 0 && strcmp(rest, "%") == 0 && v <= 100) {
		*pct = v;
		return 0;
	}
	return seterr(errp, "bad percentage '%s' (expected e.g. 80%%)", s);
}

int
parse_int(const char *s, long long min, long long max, long long *out,
    char **errp)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return seterr(errp, "bad number '%s' (expected an integer "
		    "from %lld to %lld)", s, min, max);
	*out = v;
	return 0;
}

char *
fmt_duration(int64_t us)
{
	if (us < 0)
		return xstrdup("-");
	if (us < 1000)
		return xasprintf("%lldus", (long long)us);
	if (us < 10 * US_PER_MS)
		return xasprintf("%.2fms", us / 1e3);
	if (us < US_PER_S)
		return xasprintf("%.1fms", us / 1e3);
	if (us < 60 * US_PER_S)
		return xasprintf("%.2fs", us / 1e6);
	long long s = us / US_PER_S;
	if (s < 3600)
		return xasprintf("%lldm%02llds", s / 60, s % 60);
	return xasprintf("%lldh%02lldm%02llds", s / 3600, (s / 60) % 60, s % 60);
}

char *
fmt_size(uint64_t bytes)
{
	static const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	size_t i = 0;

	while (v >= 1024 && i + 1 < sizeof(u) / sizeof(u[0])) {
		v /= 1024;
		i++;
	}
	return i == 0 ? xasprintf("%llu B", (unsigned long long)bytes) :
	    xasprintf("%.1f %s", v, u[i]);
}

enum status
tiers_judge(const struct tiers *t, int64_t value)
{
	if (!t->set)
		return ST_PASS;
	if (t->crit >= 0 && value >= t->crit)
		return ST_FAIL;
	if (t->warn >= 0 && value >= t->warn)
		return ST_WARN;
	return ST_PASS;
}

char *
tiers_describe(const struct tiers *t)
{
	struct buf b = BUF_INIT;
	const char *names[] = { "expect", "warn", "crit" };
	int64_t v[] = { t->expect, t->warn, t->crit };

	for (int i = 0; i < 3; i++) {
		if (v[i] < 0)
			continue;
		char *d = fmt_duration(v[i]);
		buf_addf(&b, "%s%s %s", b.len ? ", " : "", names[i], d);
		free(d);
	}
	return buf_detach(&b);
}

const char *
cmp_opstr(enum cmp_op op)
{
	static const char *s[] = { "==", "!=", "<", "<=", ">", ">=" };
	return s[op];
}

/* A number with an optional unit, into base units. */
static bool
numeric_value(const char *s, double *out)
{
	const char *rest;
	double v;
	bool neg = false;
	int64_t us;
	uint64_t bytes;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (number(s, &v, &rest) != 0)
		return false;
	if (*rest == '\0' || strcmp(rest, "%") == 0) {
		*out = neg ? -v : v;
		return true;
	}
	if (parse_duration(s, &us, NULL) == 0) {
		*out = neg ? -(double)us : (double)us;
		return true;
	}
	if (parse_size(s, &bytes, NULL) == 0) {
		*out = neg ? -(double)bytes : (double)bytes;
		return true;
	}
	return false;
}

int
cmp_parse(const char *s, struct cmp *c, char **errp)
{
	static const struct { const char *tok; enum cmp_op op; } ops[] = {
		{ ">=", CMP_GE }, { "<=", CMP_LE }, { "==", CMP_EQ },
		{ "!=", CMP_NE }, { ">", CMP_GT }, { "<", CMP_LT }, { "=", CMP_EQ },
	};
	const char *p = s;

	memset(c, 0, sizeof(*c));
	c->op = CMP_EQ;
	while (isspace((unsigned char)*p))
		p++;
	bool has_op = false;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].tok);
		if (strncmp(p, ops[i].tok, n) == 0) {
			c->op = ops[i].op;
			p += n;
			has_op = true;
			break;
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	if (has_op && *p == '\0')
		return seterr(errp, "comparison '%s' has no value", s);
	c->numeric = numeric_value(p, &c->num);
	if (!c->numeric && has_op && c->op != CMP_EQ && c->op != CMP_NE)
		return seterr(errp, "comparison '%s' needs a number after '%s'",
		    s, cmp_opstr(c->op));
	c->text = xstrdup(p);
	return 0;
}

bool
cmp_eval_num(const struct cmp *c, double v)
{
	switch (c->op) {
	case CMP_EQ: return v == c->num;
	case CMP_NE: return v != c->num;
	case CMP_LT: return v < c->num;
	case CMP_LE: return v <= c->num;
	case CMP_GT: return v > c->num;
	case CMP_GE: return v >= c->num;
	}
	return false;
}

bool
cmp_eval(const struct cmp *c, const char *observed)
{
	double v;

	if (observed == NULL)
		return false;
	if (c->numeric && numeric_value(observed, &v))
		return cmp_eval_num(c, v);
	if (c->op == CMP_EQ)
		return strcmp(observed, c->text) == 0;
	if (c->op == CMP_NE)
		return strcmp(observed, c->text) != 0;
	return false;
}

void
cmp_free(struct cmp *c)
{
	if (c == NULL)
		return;
	free(c->text);
	c->text = NULL;
}
