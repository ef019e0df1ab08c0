/*
 * canon.h - canonical typed values: the one definition of "the same value"
 * across PostgreSQL, MariaDB/MySQL and SQLite.
 *
 * Each engine prints values its own way ("t" or "1", "1.50" or "1.5",
 * "2024-01-01 10:00:00+00" or "2024-01-01 10:00:00").  Data verification
 * must not depend on that, so every value is parsed from the engine's
 * text form into a canonical byte encoding chosen per type class:
 *
 *   INT    int64, 8 bytes big-endian with the sign bit flipped
 *   DEC    "-123.45": sign, integer digits without leading zeros, the
 *          fraction without trailing zeros ("1.50" = "1.5", "-0" = "0")
 *   FLOAT  the double's bits, order-preserving; -0 = 0
 *   FLOAT4 the value rounded to single precision, then as FLOAT
 *   BOOL   one byte, 0 or 1
 *   TS     UTC microseconds (rounded to the column pair's precision),
 *          as INT; DATE and TIME the same (days*86400e6, micros of day)
 *   TEXT   the UTF-8 bytes as they are: never trimmed, folded or
 *          normalized ('Alice' != 'alice', NFC != NFD, 'a ' != 'a')
 *   BYTES  the bytes (PostgreSQL's \x hex decoded)
 *   UUID   16 bytes
 *   JSON   the canonical text of jsoncanon.h: key order, whitespace and
 *          escapes do not count, numbers exact as decimals
 *
 * NULL is a flag beside the encoding, so it differs from every value,
 * the empty string included.  A value that does not parse as its class
 * keeps its raw text behind a 0xff tag: it can equal only the same
 * unparsable text, so a surprise in the data shows as a difference and
 * never as "identical".
 *
 * For INT, TS, FLOAT, BOOL, TEXT, BYTES and UUID, memcmp order of the
 * encodings is the order the engines sort in (byte order for text, as
 * `COLLATE "C"` and `CAST(.. AS BINARY)` give it); canon_cmp also orders
 * DEC numerically.  The diff merge relies on that order.
 */
#ifndef CUTOVER_CANON_H
#define CUTOVER_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum canon_class {
	CC_TEXT, CC_INT, CC_DEC, CC_FLOAT, CC_FLOAT4, CC_BOOL, CC_BYTES,
	CC_TS, CC_DATE, CC_TIME, CC_UUID, CC_JSON,
};

#define CANON_BAD	0xff	/* first byte of an unparsable value */

/*
 * The engine's own type within a class, where checksum mode can hash the
 * stored value directly instead of its text (diff_sum.c): only when both
 * sides declare the same sub-type, and only where the engine's hash of
 * the value is equal exactly when its printed text is.
 */
enum canon_sub {
	CS_NONE,
	CS_PG_INTERVAL,		/* hashed by its binary form (interval_send) */
	CS_PG_INET, CS_PG_CIDR,	/* family, bits and address */
	/* Arrays whose element hash is exact, by element type. */
	CS_PG_ARR_INT, CS_PG_ARR_TEXT, CS_PG_ARR_UUID, CS_PG_ARR_BOOL,
	CS_PG_ARR_DATE, CS_PG_ARR_TS, CS_PG_ARR_TSTZ, CS_PG_ARR_BYTEA,
};

/* What a declared column type means for comparison. */
struct canon_type {
	enum canon_class cls;
	int		 prec;	/* TS/TIME fractional digits; -1 unknown */
	long		 len;	/* TEXT/BYTES max length; -1 unbounded */
	int		 width;	/* INT bytes (2, 4, 8; 9 = unsigned 64) */
	int		 dprec, dscale;	/* DEC digits; -1 unknown */
	bool		 weak;	/* SQLite: the declared type is a hint */
	bool		 tz;	/* timestamp with time zone */
	bool		 hex;	/* PostgreSQL bytea: \x and hex */
	bool		 str;	/* text, varchar or char */
	enum canon_sub	 sub;
};

/*
 * Classify a declared type as the engine reports it ("postgres":
 * format_type(), "mysql": COLUMN_TYPE, "sqlite": the declared type).
 */
void	 canon_type_of(const char *engine, const char *decl,
	    struct canon_type *t);
const char *canon_class_name(enum canon_class c);

/*
 * The class two columns are compared as, or -1 when their values cannot
 * be compared meaningfully (an integer against bytes).  *narrower is set
 * when the target's type can hold fewer values than the source's (text ->
 * varchar(50), timestamp(6) -> timestamp(0), double -> float), with a
 * short reason in why (static string).
 */
int	 canon_pair(const struct canon_type *src, const struct canon_type *dst,
	    struct canon_type *out, bool *narrower, const char **why);

/*
 * Append the canonical encoding of the text value s[0..n) to b.  t is the
 * pair's comparison type from canon_pair, with `hex` taken from the side
 * the value comes from.
 * Returns false when the value did not parse (b then holds the 0xff tag
 * and the raw bytes).
 */
bool	 canon_encode(const struct canon_type *t, const char *s, size_t n,
	    struct buf *b);

/* Order two encodings of class c (memcmp-like); DEC numerically. */
int	 canon_cmp(enum canon_class c, const void *a, size_t na, const void *b,
	    size_t nb);
/*
 * The number an encoding of class c holds: an INT or FLOAT one, or raw
 * text (TEXT, BYTES, an unparsable value) that reads wholly as an
 * integer or a real.  long double holds every int64 and double exactly
 * (x86-64's 64-bit mantissa, aarch64's 113), so two numbers of either
 * kind compare exactly.  false when it holds none.
 */
bool	 canon_number(enum canon_class c, const void *v, size_t n,
	    long double *x);
/*
 * Equality with an optional relative tolerance for FLOAT/FLOAT4
 * (|a-b| <= tol * max(|a|,|b|)); tol 0 means bit equality.
 */
bool	 canon_equal(enum canon_class c, const void *a, size_t na,
	    const void *b, size_t nb, double tol);

/* Parsers used by canon_encode, exposed for tests. */
bool	 canon_parse_ts(const char *s, size_t n, int64_t *us);
bool	 canon_parse_dec(const char *s, size_t n, struct buf *out);

/* The double of a FLOAT/FLOAT4 encoding, v just past its tag byte. */
double	 canon_double(const void *v);

/* A printable rendering of an encoding (for messages and --show-values). */
void	 canon_render(enum canon_class c, const void *v, size_t n,
	    struct buf *b);

#endif
