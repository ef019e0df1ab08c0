/*
 * range.h - a value range as plans write it: "3" (exactly), "162..200",
 * "1.." (at least), "..4" (at most), with bounds in the unit of the key
 * (a count, or a size such as "10MB..50MB").
 */
#ifndef CUTOVER_RANGE_H
#define CUTOVER_RANGE_H

#include <stdbool.h>
#include <stdint.h>

enum range_unit { RANGE_COUNT, RANGE_SIZE };

struct range {
	bool		 set;
	enum range_unit	 unit;
	bool		 has_lo, has_hi;
	uint64_t	 lo, hi;
	char		 text[64];	/* as written, for messages */
};

/* 0, or -1 with *errp naming the problem (an empty range included). */
int	 range_parse(const char *s, enum range_unit u, struct range *r,
	    char **errp);
bool	 range_has(const struct range *r, uint64_t v);
/* "exactly 3", "162..200", "at least 1", "at most 50MB": the bounds as
 * written (new string). */
char	*range_describe(const struct range *r);

#endif
