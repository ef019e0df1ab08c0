/*
 * fuzz_jsoncanon.c - libFuzzer target for the canonical JSON text: any
 * bytes either canonicalise or are refused, without a crash; a canonical
 * text is itself valid and its own canonical form (so two documents
 * equal by meaning have one encoding); and the canonical text of a
 * document reformatted with extra whitespace is the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsoncanon.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT, w = BUF_INIT;
	const char *s = (const char *)data;

	if (json_canon(s, size, &a)) {
		if (!json_canon(a.s ? a.s : "", a.len, &b) || a.len != b.len ||
		    memcmp(a.s, b.s, a.len) != 0)
			abort();
		/* Whitespace after every structural character. */
		bool str = false;
		for (size_t i = 0; i < a.len; i++) {
			buf_addc(&w, a.s[i]);
			if (str && a.s[i] == '\\')
				buf_addc(&w, a.s[++i]);
			else if (a.s[i] == '"')
				str = !str;
			else if (!str && strchr("{}[],:", a.s[i]))
				buf_adds(&w, " \n\t");
		}
		buf_reset(&b);
		if (!json_canon(w.s, w.len, &b) || a.len != b.len ||
		    memcmp(a.s, b.s, a.len) != 0)
			abort();
	} else if (a.len != 0)
		abort();	/* refused: nothing left behind */
	buf_release(&a);
	buf_release(&b);
	buf_release(&w);
	return 0;
}
