/* test_canon.c - canonical typed values: equal means equal everywhere. */
#include <stdlib.h>

#include "../t.h"
#include "lib/canon.h"
#include "lib/xmalloc.h"

static struct canon_type
ty(const char *engine, const char *decl)
{
	struct canon_type t;

	canon_type_of(engine, decl, &t);
	return t;
}

/* Encode s as type t into a new buffer (caller releases). */
static struct buf
enc(const struct canon_type *t, const char *s)
{
	struct buf b = BUF_INIT;

	canon_encode(t, s, strlen(s), &b);
	return b;
}

static bool
same(const struct canon_type *t, const char *a, const char *b, double tol)
{
	struct buf x = enc(t, a), y = enc(t, b);
	bool eq = canon_equal(t->cls, x.s, x.len, y.s, y.len, tol);

	buf_release(&x);
	buf_release(&y);
	return eq;
}

static int
order(const struct canon_type *t, const char *a, const char *b)
{
	struct buf x = enc(t, a), y = enc(t, b);
	int c = canon_cmp(t->cls, x.s, x.len, y.s, y.len);

	buf_release(&x);
	buf_release(&y);
	return c < 0 ? -1 : c > 0;
}

static char *
dec(const char *s)
{
	struct buf b = BUF_INIT;

	if (!canon_parse_dec(s, strlen(s), &b)) {
		buf_release(&b);
		return strdup("(bad)");
	}
	return buf_detach(&b);
}

T_TEST(decimals_drop_trailing_zeros)
{
	const char *in[] = { "1.50", "-0.00", "007", "1e3", "1.5E-2", "-12.340",
	    "0.000", "+5", ".5", "123" };
	const char *want[] = { "1.5", "0", "7", "1000", "0.015", "-12.34", "0",
	    "5", "0.5", "123" };
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *d = dec(in[i]);
		T_EQ_STR(d, want[i]);
		free(d);
	}
	char *d = dec("12a");
	T_EQ_STR(d, "(bad)");
	free(d);
	d = dec("");
	T_EQ_STR(d, "(bad)");
	free(d);
}

T_TEST(decimals_order_numerically)
{
	struct canon_type t = ty("postgres", "numeric(10,2)");

	T_EQ_INT(order(&t, "-2", "-1.5"), -1);
	T_EQ_INT(order(&t, "-1.5", "0"), -1);
	T_EQ_INT(order(&t, "0.5", "10"), -1);
	T_EQ_INT(order(&t, "9.99", "10.00"), -1);
	T_EQ_INT(order(&t, "-10", "-9.5"), -1);
	T_EQ_INT(order(&t, "1.50", "1.5"), 0);
	T_OK(same(&t, "1.50", "1.5", 0));
	T_OK(!same(&t, "1.5", "1.51", 0));
}

T_TEST(integers_order_as_numbers_and_reach_the_limits)
{
	struct canon_type t = ty("mysql", "bigint(20)");

	T_EQ_INT(order(&t, "-9223372036854775808", "-1"), -1);
	T_EQ_INT(order(&t, "-1", "0"), -1);
	T_EQ_INT(order(&t, "9", "10"), -1);
	T_EQ_INT(order(&t, "9223372036854775806", "9223372036854775807"), -1);
	T_OK(same(&t, "9223372036854775807", "9223372036854775807", 0));
	/* Out of range or not a number: kept raw, never equal to a number. */
	T_OK(!same(&t, "9223372036854775808", "9223372036854775807", 0));
	T_OK(same(&t, "abc", "abc", 0));
	T_OK(!same(&t, "1", " 1", 0));
	struct buf b = enc(&t, "x");
	T_EQ_INT((unsigned char)b.s[0], CANON_BAD);
	buf_release(&b);
}

T_TEST(floats_keep_every_digit)
{
	struct canon_type t = ty("postgres", "double precision");

	T_OK(same(&t, "-0", "0", 0));
	T_OK(same(&t, "0.30000000000000004", "3.0000000000000004e-1", 0));
	/* A change in the 15th and the 17th significant digit. */
	T_OK(!same(&t, "1.23456789012345", "1.23456789012346", 0));
	T_OK(!same(&t, "0.30000000000000004", "0.3", 0));
	T_OK(same(&t, "0.30000000000000004", "0.3", 1e-12));
	T_OK(!same(&t, "1.0", "1.1", 1e-3));
	T_OK(same(&t, "NaN", "nan", 0));
	T_EQ_INT(order(&t, "-Infinity", "-1e300"), -1);
	T_EQ_INT(order(&t, "-1.5", "-1"), -1);
	T_EQ_INT(order(&t, "2", "10"), -1);
	T_EQ_INT(order(&t, "1e300", "Infinity"), -1);
}

T_TEST(single_floats_compare_at_single_precision)
{
	struct canon_type s = ty("postgres", "real"), d = ty("mysql", "float");
	struct canon_type p;
	bool narrower;
	const char *why;

	T_EQ_INT(canon_pair(&s, &d, &p, &narrower, &why), CC_FLOAT4);
	T_OK(!narrower);
	/* PostgreSQL prints 0.1; MariaDB's CAST(f AS DOUBLE) the float. */
	T_OK(same(&p, "0.1", "0.10000000149011612", 0));
	T_OK(!same(&p, "0.1", "0.2", 0));
}

T_TEST(timestamps_are_utc_microseconds)
{
	struct canon_type t = ty("postgres", "timestamp with time zone");
	int64_t us = 0;

	T_OK(same(&t, "2024-01-01 10:00:00+02", "2024-01-01 08:00:00", 0));
	T_OK(same(&t, "2024-01-01T08:00:00Z", "2024-01-01 08:00:00.000000", 0));
	T_OK(same(&t, "2024-01-01 05:30:00-02:30", "2024-01-01 08:00:00", 0));
	T_OK(!same(&t, "2024-01-01 08:00:00.000001", "2024-01-01 08:00:00", 0));
	T_OK(canon_parse_ts("1970-01-01 00:00:01.5", 21, &us));
	T_EQ_INT(us, 1500000);
	T_OK(canon_parse_ts("1969-12-31", 10, &us));
	T_EQ_INT(us, -86400000000LL);
	T_OK(canon_parse_ts("infinity", 8, &us));
	T_OK(!canon_parse_ts("2024-13-01", 10, &us));
	T_OK(!canon_parse_ts("2024-01-01 10:00", 16, &us));
	T_EQ_INT(order(&t, "1999-12-31 23:59:59", "2000-01-01 00:00:00"), -1);
	struct buf b = enc(&t, "2024-02-29 23:59:59.25+00"), r = BUF_INIT;
	canon_render(t.cls, b.s, b.len, &r);
	T_EQ_STR(r.s, "2024-02-29 23:59:59.250000");
	buf_release(&b);
	buf_release(&r);
}

T_TEST(timestamps_compare_at_the_lower_precision)
{
	struct canon_type s = ty("postgres", "timestamp(6) without time zone");
	struct canon_type d = ty("mysql", "datetime");
	struct canon_type p;
	bool narrower;
	const char *why;

	T_EQ_INT(canon_pair(&s, &d, &p, &narrower, &why), CC_TS);
	T_OK(narrower);
	T_EQ_INT(p.prec, 0);
	T_OK(same(&p, "2024-01-01 10:00:00.9", "2024-01-01 10:00:00", 0));
	T_OK(!same(&p, "2024-01-01 10:00:01", "2024-01-01 10:00:00", 0));
	struct canon_type t6 = ty("mysql", "datetime(6)");
	T_OK(!same(&t6, "2024-01-01 10:00:00.000001", "2024-01-01 10:00:00", 0));
}

T_TEST(text_is_bytes)
{
	struct canon_type t = ty("postgres", "text");

	T_OK(!same(&t, "Alice", "alice", 0));
	T_OK(!same(&t, "a", "a ", 0));
	/* é precomposed (NFC) and e + combining acute (NFD). */
	T_OK(!same(&t, "\xc3\xa9", "e\xcc\x81", 0));
	T_OK(same(&t, "caf\xc3\xa9", "caf\xc3\xa9", 0));
	/* Byte order, not a collation: 'B' < 'a', 'z' < 'é'. */
	T_EQ_INT(order(&t, "B", "a"), -1);
	T_EQ_INT(order(&t, "z", "\xc3\xa9"), -1);
	T_EQ_INT(order(&t, "a", "ab"), -1);
	/* '' is a value: its encoding is not empty (NULL has none). */
	struct buf b = enc(&t, "");
	T_EQ_INT(b.len, 1);
	buf_release(&b);
}

T_TEST(bytes_uuid_bool_time)
{
	struct canon_type pg = ty("postgres", "bytea");
	struct canon_type my = ty("mysql", "longblob");
	struct canon_type p;
	bool narrower;
	const char *why;
	struct buf a = BUF_INIT, b = BUF_INIT;

	T_EQ_INT(canon_pair(&pg, &my, &p, &narrower, &why), CC_BYTES);
	p.hex = true;
	canon_encode(&p, "\\x00ff41", 8, &a);
	p.hex = false;
	canon_encode(&p, "\x00\xff" "A", 3, &b);
	T_OK(canon_equal(p.cls, a.s, a.len, b.s, b.len, 0));
	buf_release(&a);
	buf_release(&b);

	struct canon_type u = ty("postgres", "uuid");
	T_OK(same(&u, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
	    "A0EEBC999C0B4EF8BB6D6BB9BD380A11", 0));
	T_OK(!same(&u, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
	    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12", 0));

	struct canon_type bo = ty("postgres", "boolean");
	T_OK(same(&bo, "t", "1", 0));
	T_OK(same(&bo, "f", "0", 0));
	T_OK(!same(&bo, "t", "f", 0));

	struct canon_type tm = ty("mysql", "time(6)");
	T_OK(same(&tm, "10:00:00.5", "10:00:00.500000", 0));
	T_OK(!same(&tm, "-01:00:00", "01:00:00", 0));
	T_OK(same(&tm, "838:59:59", "838:59:59.000000", 0));
}

T_TEST(types_classify_and_pair)
{
	struct canon_type a, b, p;
	bool narrower;
	const char *why;

	T_EQ_INT(ty("postgres", "character varying(50)").len, 50);
	T_EQ_INT(ty("mysql", "tinyint(1)").cls, CC_BOOL);
	T_EQ_INT(ty("mysql", "decimal(12,3)").dscale, 3);
	T_EQ_INT(ty("sqlite", "VARCHAR(10)").cls, CC_TEXT);
	T_OK(ty("sqlite", "INTEGER").weak);
	/* Unsigned 64-bit values do not fit int64: exact decimals. */
	struct canon_type u = ty("mysql", "bigint(20) unsigned");
	T_EQ_INT(u.cls, CC_DEC);
	T_EQ_INT(order(&u, "9223372036854775808", "18446744073709551615"), -1);

	a = ty("postgres", "text"), b = ty("mysql", "varchar(50)");
	T_EQ_INT(canon_pair(&a, &b, &p, &narrower, &why), CC_TEXT);
	T_OK(narrower);
	a = ty("mysql", "double"), b = ty("mysql", "float");
	T_EQ_INT(canon_pair(&a, &b, &p, &narrower, &why), CC_FLOAT4);
	T_OK(narrower);
	a = ty("postgres", "integer"), b = ty("postgres", "bigint");
	T_EQ_INT(canon_pair(&a, &b, &p, &narrower, &why), CC_INT);
	T_OK(!narrower);
	T_EQ_INT(canon_pair(&b, &a, &p, &narrower, &why), CC_INT);
	T_OK(narrower);
	a = ty("postgres", "integer"), b = ty("postgres", "bytea");
	T_EQ_INT(canon_pair(&a, &b, &p, &narrower, &why), -1);
	a = ty("postgres", "boolean"), b = ty("mysql", "tinyint(1)");
	T_EQ_INT(canon_pair(&a, &b, &p, &narrower, &why), CC_BOOL);
	a = ty("postgres", "uuid"), b = ty("mysql", "char(36)");
	T_EQ_INT(canon_pair(&a, &b, &p, &narrower, &why), CC_UUID);
	/* SQLite's declared type is a hint: the typed side decides. */
	a = ty("postgres", "timestamp(3) without time zone");
	b = ty("sqlite", "TEXT");
	T_EQ_INT(canon_pair(&a, &b, &p, &narrower, &why), CC_TS);
	T_EQ_INT(p.prec, 3);
	T_OK(!narrower);
}

/*
 * PostgreSQL arrays compare as printed (a numeric[] is not a decimal, a
 * timestamptz[] not a timestamp); the sub-types that checksum mode may
 * hash by value are only those whose hash is exact.
 */
T_TEST(pg_arrays_and_sub_types)
{
	struct canon_type t;

	t = ty("postgres", "numeric(10,2)[]");
	T_EQ_INT(t.cls, CC_TEXT);
	T_EQ_INT(t.sub, CS_NONE);
	t = ty("postgres", "timestamp with time zone[]");
	T_EQ_INT(t.cls, CC_TEXT);
	T_EQ_INT(t.sub, CS_PG_ARR_TSTZ);
	T_EQ_INT(ty("postgres", "timestamp(3) without time zone[]").sub,
	    CS_PG_ARR_TS);
	T_EQ_INT(ty("postgres", "character varying(20)[]").sub, CS_PG_ARR_TEXT);
	T_EQ_INT(ty("postgres", "character(3)[]").sub, CS_NONE);
	T_EQ_INT(ty("postgres", "double precision[]").sub, CS_NONE);
	T_EQ_INT(ty("postgres", "integer[]").sub, CS_PG_ARR_INT);
	T_EQ_INT(ty("postgres", "bigint[]").sub, CS_PG_ARR_INT);
	T_EQ_INT(ty("postgres", "interval").sub, CS_PG_INTERVAL);
	T_EQ_INT(ty("postgres", "interval second(3)").sub, CS_NONE);
	T_EQ_INT(ty("postgres", "inet").sub, CS_PG_INET);
	T_EQ_INT(ty("postgres", "cidr").sub, CS_PG_CIDR);
	T_EQ_INT(ty("postgres", "mood").sub, CS_NONE);
	t = ty("postgres", "time with time zone");
	T_EQ_INT(t.cls, CC_TIME);
	T_OK(t.tz);
	T_OK(!ty("postgres", "time(6) without time zone").tz);
	T_EQ_INT(ty("mysql", "json").sub, CS_NONE);
}

/* What SQLite's order of a column holding several classes compares. */
T_TEST(numbers_of_every_encoding)
{
	struct canon_type it = { .cls = CC_INT }, ft = { .cls = CC_FLOAT },
	    bt = { .cls = CC_BYTES };
	struct buf b = BUF_INIT;
	long double x;

	/* a NUL ends the C string: x'00' is not the integer 0 */
	T_OK(!canon_encode(&it, "\0", 1, &b));
	buf_reset(&b);
	T_OK(!canon_encode(&it, "12\0003", 4, &b));
	buf_reset(&b);
	T_OK(!canon_encode(&ft, "1.5\0", 4, &b));
	buf_reset(&b);

	canon_encode(&it, "-9223372036854775808", 20, &b);
	T_OK(canon_number(CC_INT, b.s, b.len, &x));
	T_OK(x == -9223372036854775807.0L - 1);
	buf_reset(&b);
	canon_encode(&ft, "2.5", 3, &b);
	T_OK(canon_number(CC_FLOAT, b.s, b.len, &x) && x == 2.5L);
	buf_reset(&b);
	/* raw text: integers exactly, past a double's 53 bits */
	canon_encode(&bt, "9223372036854775807", 19, &b);
	T_OK(canon_number(CC_BYTES, b.s, b.len, &x));
	T_OK(x == 9223372036854775807.0L);
	T_OK(x != 9223372036854775806.0L);
	buf_reset(&b);
	canon_encode(&it, "2.5", 3, &b);	/* unparsable: raw */
	T_OK(canon_number(CC_INT, b.s, b.len, &x) && x == 2.5L);
	buf_reset(&b);
	canon_encode(&bt, "1e300", 5, &b);
	T_OK(canon_number(CC_BYTES, b.s, b.len, &x) && x == (long double)1e300);
	buf_reset(&b);
	canon_encode(&bt, "abc", 3, &b);
	T_OK(!canon_number(CC_BYTES, b.s, b.len, &x));
	buf_reset(&b);
	canon_encode(&bt, "nan", 3, &b);
	T_OK(!canon_number(CC_BYTES, b.s, b.len, &x));
	buf_reset(&b);
	canon_encode(&bt, "", 0, &b);
	T_OK(!canon_number(CC_BYTES, b.s, b.len, &x));
	buf_release(&b);
}

T_SUITE(canon, decimals_drop_trailing_zeros, decimals_order_numerically,
    integers_order_as_numbers_and_reach_the_limits, floats_keep_every_digit,
    single_floats_compare_at_single_precision, timestamps_are_utc_microseconds,
    timestamps_compare_at_the_lower_precision, text_is_bytes,
    bytes_uuid_bool_time, types_classify_and_pair,
    pg_arrays_and_sub_types, numbers_of_every_encoding)
