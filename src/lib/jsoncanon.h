/*
 * jsoncanon.h - JSON compared by meaning, exactly.
 *
 * json_canon appends to out one canonical text per JSON value:
 *   - whitespace outside strings dropped;
 *   - object members sorted by key (the key's decoded bytes); a key
 *     written twice keeps both members, in their order, so {"a":1,"a":2}
 *     equals only itself and not jsonb's {"a":2}: jsonb dropped a value;
 *   - strings with escapes decoded ("\u0041" is "A", "\/" is "/"), then
 *     only '"', '\\' and control characters escaped;
 *   - numbers as exact decimals, never through a double, in the form
 *     PostgreSQL's numeric (so jsonb) prints them: the value with
 *     max(0, fraction digits - exponent) fractional digits.  1e0 = 1 and
 *     -0 = 0, but 1.0 <> 1 (jsonb itself keeps 1.0), and
 *     0.1 <> 0.10000000000000001;
 *   - array order kept.
 * Returns false, out unchanged, when s[0..n) is not one JSON value, an
 * exponent is past 1000 or nesting is deeper than 256.
 */
#ifndef CUTOVER_JSONCANON_H
#define CUTOVER_JSONCANON_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

bool	 json_canon(const char *s, size_t n, struct buf *out);

#endif
