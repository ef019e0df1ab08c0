/*
 * fuzz_canon.c - libFuzzer target for the canonical value encoding: the
 * first byte picks a declared type, the rest is a value as a database
 * would print it.  Any bytes must encode (or fall back to raw text)
 * without a crash; a value must equal and order equal to itself; and a
 * canonical decimal, printed and parsed again, must encode the same.
 * A first byte of 0xf0 or more fuzzes the declared-type classifier.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/canon.h"

static const char *const types[][2] = {
	{ "postgres", "integer" }, { "postgres", "numeric(12,3)" },
	{ "postgres", "double precision" }, { "postgres", "real" },
	{ "postgres", "boolean" }, { "postgres", "text" },
	{ "postgres", "bytea" }, { "postgres", "timestamp with time zone" },
	{ "postgres", "date" }, { "postgres", "time(3) without time zone" },
	{ "postgres", "uuid" }, { "mysql", "datetime(2)" },
	{ "mysql", "tinyint(1)" }, { "mysql", "decimal(10,2)" },
	{ "sqlite", "NUMERIC" }, { "mysql", "time(6)" },
	{ "postgres", "character varying(20)[]" }, { "postgres", "interval" },
	{ "postgres", "inet" }, { "postgres", "time with time zone" },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct canon_type t;
	struct buf a = BUF_INIT, b = BUF_INIT, r = BUF_INIT;

	if (size < 1)
		return 0;
	/* A first byte of 0xf0 or more: the rest is a declared type. */
	if (data[0] >= 0xf0) {
		char *decl = strndup((const char *)data + 1, size - 1);
		if (decl == NULL)
			return 0;
		canon_type_of("postgres", decl, &t);
		canon_type_of("mysql", decl, &t);
		canon_type_of("sqlite", decl, &t);
		free(decl);
		return 0;
	}
	size_t k = data[0] % (sizeof(types) / sizeof(types[0]));
	canon_type_of(types[k][0], types[k][1], &t);
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	bool ok = canon_encode(&t, s, n, &a);
	canon_encode(&t, s, n, &b);
	if (!canon_equal(t.cls, a.s, a.len, b.s, b.len, 0) ||
	    canon_cmp(t.cls, a.s, a.len, b.s, b.len) != 0)
		abort();
	canon_render(t.cls, a.s, a.len, &r);
	if (ok && t.cls == CC_DEC) {
		buf_reset(&b);
		if (!canon_encode(&t, r.s, r.len, &b) ||
		    !canon_equal(t.cls, a.s, a.len, b.s, b.len, 0))
			abort();
	}
	buf_release(&a);
	buf_release(&b);
	buf_release(&r);
	return 0;
}
