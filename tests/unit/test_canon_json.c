/*
 * test_canon_json.c - JSON and time compared by meaning: what must be
 * equal across engines is, and every real change still differs.
 */
#include <stdlib.h>
#include <string.h>

#include "../t.h"
#include "lib/canon.h"
#include "lib/jsoncanon.h"

static char *
jc(const char *s)
{
	struct buf b = BUF_INIT;

	if (!json_canon(s, strlen(s), &b)) {
		buf_release(&b);
		return strdup("(bad)");
	}
	if (b.s == NULL)
		return strdup("");
	return buf_detach(&b);
}

static bool
jsame(const char *a, const char *b)
{
	char *x = jc(a), *y = jc(b);
	bool eq = strcmp(x, y) == 0 && strcmp(x, "(bad)") != 0;

	free(x);
	free(y);
	return eq;
}

static bool
same(const char *engine, const char *decl, const char *a, const char *b)
{
	struct canon_type t;
	struct buf x = BUF_INIT, y = BUF_INIT;

	canon_type_of(engine, decl, &t);
	canon_encode(&t, a, strlen(a), &x);
	canon_encode(&t, b, strlen(b), &y);
	bool eq = canon_equal(t.cls, x.s, x.len, y.s, y.len, 0);
	buf_release(&x);
	buf_release(&y);
	return eq;
}

T_TEST(json_canonical_forms)
{
	static const char *const io[][2] = {
		{ " { \"b\" : 1 ,\n\"a\":[ true,false ,null ] } ",
		    "{\"a\":[true,false,null],\"b\":1}" },
		{ "1e0", "1" }, { "1.0", "1.0" }, { "1E+2", "100" },
		{ "1.50e1", "15.0" }, { "-0", "0" }, { "-0.0", "0.0" },
		{ "0.001e-2", "0.00001" }, { "12e-1", "1.2" }, { "-5", "-5" },
		{ "\"\\u0041\\/\\n\\u00e9\"", "\"A/\\u000a\xc3\xa9\"" },
		{ "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"" },
		{ "{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}" },
		{ "{\"a\":2,\"b\":0,\"a\":1}", "{\"a\":2,\"a\":1,\"b\":0}" },
		{ "{\"ab\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"ab\":1,\"b\":2}" },
		{ "[]", "[]" }, { "{ }", "{}" }, { "\"\"", "\"\"" },
	};
	for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++) {
		char *c = jc(io[i][0]);
		T_EQ_STR(c, io[i][1]);
		free(c);
	}
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\"}", "01", "1.", ".5", "+1", "1e", "tru",
		"\"\\ud800\"", "\"\\udc00x\"", "\"a\tb\"", "[1] 2", "NaN",
		"1e1001", "\"\\x\"", "{1:2}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *c = jc(bad[i]);
		T_EQ_STR(c, "(bad)");
		free(c);
	}
	/* Nesting is bounded: 256 levels parse, 257 do not. */
	char deep[520];
	memset(deep, '[', 256);
	memset(deep + 256, ']', 256);
	deep[512] = '\0';
	char *c = jc(deep);
	T_OK(strcmp(c, "(bad)") != 0);
	free(c);
	memset(deep, '[', 257);
	memset(deep + 257, ']', 257);
	deep[514] = '\0';
	c = jc(deep);
	T_EQ_STR(c, "(bad)");
	free(c);
}

T_TEST(json_equal_by_meaning_and_only_then)
{
	T_OK(jsame("{\"a\":{\"x\":1,\"y\":[1,2]},\"b\":\"s\"}",
	    "{\"b\": \"s\", \"a\": {\"y\": [1, 2], \"x\": 1}}"));
	T_OK(jsame("1e2", "100"));
	/* Not through a double. */
	T_OK(!jsame("0.1", "0.10000000000000001"));
	T_OK(!jsame("12345678901234567890", "12345678901234567891"));
	/* jsonb keeps 1.0 as 1.0: a different text, reported. */
	T_OK(!jsame("1.0", "1"));
	T_OK(!jsame("[1,2]", "[2,1]"));
	T_OK(!jsame("{\"a\":{\"b\":1}}", "{\"a\":{\"b\":2}}"));
	T_OK(!jsame("{\"a\":1,\"a\":2}", "{\"a\":2}"));
	T_OK(!jsame("{\"a\":1,\"a\":2}", "{\"a\":2,\"a\":1}"));
	T_OK(!jsame("[[1],2]", "[[1,2]]"));
	T_OK(!jsame("\"1\"", "1"));
	T_OK(!jsame("\"A\"", "\"a\""));
	T_OK(!jsame("null", "\"null\""));
	/* Through the column types of each engine. */
	T_OK(same("postgres", "jsonb", "{\"b\":1, \"a\":2}",
	    "{\"a\": 2, \"b\": 1}"));
	T_OK(same("mysql", "json", "{\"b\":1,\"a\":2}", "{\"a\":2,\"b\":1}"));
	T_OK(same("sqlite", "JSON", "[1e0]", "[1]"));
	/* Not JSON at all: compared as written, never equal to a document. */
	T_OK(!same("postgres", "json", "{x", "{ x"));
	T_OK(same("postgres", "json", "{x", "{x"));
}

T_TEST(json_pairs_with_text)
{
	struct canon_type s, d, p;
	bool narrower;
	const char *why;

	canon_type_of("postgres", "jsonb", &s);
	canon_type_of("mysql", "longtext", &d);
	T_EQ_INT(canon_pair(&s, &d, &p, &narrower, &why), CC_JSON);
	canon_type_of("postgres", "json", &s);
	canon_type_of("postgres", "jsonb", &d);
	T_EQ_INT(canon_pair(&s, &d, &p, &narrower, &why), CC_JSON);
	canon_type_of("mysql", "json", &s);
	canon_type_of("sqlite", "TEXT", &d);
	T_EQ_INT(canon_pair(&s, &d, &p, &narrower, &why), CC_JSON);
	canon_type_of("postgres", "integer", &d);
	T_EQ_INT(canon_pair(&s, &d, &p, &narrower, &why), -1);
}

T_TEST(time_equal_instants_whatever_the_notation)
{
	const char *tz = "timestamp with time zone";

	T_OK(same("postgres", tz, "2024-01-01 03:00:00+03",
	    "2024-01-01 00:00:00Z"));
	T_OK(same("postgres", tz, "2024-01-01 03:00:00+03:00",
	    "2023-12-31 19:00:00-05"));
	T_OK(same("postgres", tz, "2024-01-01T00:00:00.5+00",
	    "2024-01-01 00:00:00.500000"));
	T_OK(same("postgres", tz, "2024-01-01 05:30:00+05:30",
	    "2024-01-01 00:00:00+00"));
	/* One microsecond, exactly, far from 1970 too. */
	T_OK(!same("postgres", tz, "2024-01-01 00:00:00.000001+00",
	    "2024-01-01 00:00:00+00"));
	T_OK(!same("postgres", tz, "9999-12-31 23:59:59.999999+00",
	    "9999-12-31 23:59:59.999998+00"));
	T_OK(!same("postgres", tz, "2024-01-01 03:00:00+03",
	    "2024-01-01 03:00:00+00"));
	/* Without a zone: compared as written, never shifted. */
	const char *nz = "timestamp without time zone";
	T_OK(same("postgres", nz, "2024-01-01 03:00:00", "2024-01-01T03:00:00"));
	T_OK(!same("postgres", nz, "2024-01-01 03:00:00",
	    "2024-01-01 00:00:00"));
	T_OK(!same("mysql", "datetime(6)", "2024-01-01 00:00:00.000001",
	    "2024-01-01 00:00:00.000002"));
	T_OK(same("sqlite", "DATETIME", "2024-01-01 00:00:00.100",
	    "2024-01-01 00:00:00.1"));
	/* Past the microsecond: kept only when it adds nothing. */
	T_OK(same("sqlite", "DATETIME", "2024-01-01 00:00:00.1000000",
	    "2024-01-01 00:00:00.1"));
	T_OK(!same("sqlite", "DATETIME", "2024-01-01 00:00:00.0000001",
	    "2024-01-01 00:00:00"));
	T_OK(same("sqlite", "DATETIME", "2024-01-01 00:00:00.0000001",
	    "2024-01-01 00:00:00.0000001"));
	/* time of day: a microsecond, exactly */
	T_OK(!same("postgres", "time without time zone", "10:00:00.000001",
	    "10:00:00"));
	T_OK(same("postgres", "time without time zone", "10:00:00.50",
	    "10:00:00.5"));
}

T_SUITE(canon_json, json_canonical_forms, json_equal_by_meaning_and_only_then,
    json_pairs_with_text, time_equal_instants_whatever_the_notation)
