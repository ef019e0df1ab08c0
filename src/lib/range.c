/*
 * range.c - "N", "N..M", "N..", "..M" over counts or sizes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "range.h"
#include "units.h"
#include "xmalloc.h"

static int
bound(const char *s, size_t n, enum range_unit u, uint64_t *v, char **errp)
{
	char *t = xstrndup(s, n);
	char *e = NULL;
	int rc;

	if (u == RANGE_SIZE) {
		rc = parse_size(t, v, &e);
	} else {
		long long ll = 0;
		rc = parse_int(t, 0, INT64_MAX, &ll, &e);
		*v = (uint64_t)ll;
	}
	free(t);
	if (rc != 0) {
		seterr(errp, "%s", e);
		free(e);
	}
	return rc;
}

int
range_parse(const char *s, enum range_unit u, struct range *r, char **errp)
{
	const char *dots = strstr(s, "..");

	memset(r, 0, sizeof(*r));
	r->unit = u;
	while (*s == ' ')
		s++;
	snprintf(r->text, sizeof(r->text), "%s", s);
	if (dots == NULL) {
		if (bound(s, strlen(s), u, &r->lo, errp) != 0)
			return -1;
		r->hi = r->lo;
		r->has_lo = r->has_hi = r->set = true;
		return 0;
	}
	const char *hi = dots + 2;
	size_t lon = (size_t)(dots - s);
	while (lon && s[lon - 1] == ' ')
		lon--;
	while (*hi == ' ')
		hi++;
	if (lon == 0 && *hi == '\0')
		return seterr(errp, "bad range '%s' (e.g. 3, 1..4, 2.., ..10)", s);
	if (lon && bound(s, lon, u, &r->lo, errp) != 0)
		return -1;
	if (*hi && bound(hi, strlen(hi), u, &r->hi, errp) != 0)
		return -1;
	r->has_lo = lon != 0;
	r->has_hi = *hi != '\0';
	if (r->has_lo && r->has_hi && r->lo > r->hi)
		return seterr(errp, "empty range '%s': the low bound is above "
		    "the high one", s);
	r->set = true;
	return 0;
}

bool
range_has(const struct range *r, uint64_t v)
{
	return (!r->has_lo || v >= r->lo) && (!r->has_hi || v <= r->hi);
}

char *
range_describe(const struct range *r)
{
	const char *t = r->text, *dots = strstr(t, "..");

	if (dots == NULL)
		return xasprintf("exactly %s", t);
	if (!r->has_hi)
		return xasprintf("at least %.*s", (int)(dots - t), t);
	if (!r->has_lo)
		return xasprintf("at most %s", dots + 2);
	return xstrdup(t);
}
