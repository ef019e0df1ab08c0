/*
 * fuzz_redact.c - libFuzzer target for redaction: the URL and KEY= masks,
 * the registry, cutting a tail (redact_tail), printing a stream in parts
 * (redact_cut_before) and the printable filter, on text a child process
 * or a peer may produce.
 *
 * Input: a secret, a 0x01 byte, then the text; the first byte of the text
 * picks the chunk size of the simulated stream.  Beyond memory errors it
 * checks the promise: a secret of letters and digits (which no mask can
 * half-eat into a new copy of itself) never survives a tail cut or a
 * stream printed in chunks.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/redact.h"
#include "lib/url.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, 1, size);

	if (sep == NULL || sep + 1 >= data + size)
		return 0;
	char *secret = strndup((const char *)data, (size_t)(sep - data));
	const char *text = (const char *)sep + 1;
	size_t len = size - (size_t)(sep - data) - 1;
	bool plain = strlen(secret) >= REDACT_MIN_LEN;
	for (const char *c = secret; *c; c++)
		plain &= isalnum((unsigned char)*c) != 0;

	redact_clear();
	redact_add(secret);

	/* The tail: every size. */
	size_t max = 1 + (unsigned char)text[0] % 64;
	char *t = redact_tail(text, len, max);
	if (strlen(t) > max || (plain && strstr(t, secret)))
		abort();
	free(t);

	/* The stream, in chunks, held back and cut as runbook does. */
	size_t step = 1 + (unsigned char)text[0] % 7;
	struct buf pending = BUF_INIT, shown = BUF_INIT;
	for (size_t off = 0; off <= len; off += step) {
		bool end = off + step > len;
		buf_add(&pending, text + off, end ? len - off : step);
		size_t cut = redact_cut_before(pending.s, pending.len,
		    pending.len, !end);
		if (cut > pending.len)
			abort();
		char *piece = strndup(pending.s, cut);
		char *r = redact(piece);
		buf_adds(&shown, r);
		buf_addc(&shown, '|');	/* no secret spans two pieces */
		free(r);
		free(piece);
		buf_keep_tail(&pending, pending.len - cut);
	}
	if (plain && strstr(shown.s, secret))
		abort();
	buf_release(&pending);
	buf_release(&shown);

	char *z = strndup(text, len);
	char *p = text_printable(z, z[0] & 1);
	for (const unsigned char *c = (const unsigned char *)p; *c; c++)
		if ((*c < 0x20 && *c != '\t' && *c != '\n') || *c == 0x7f)
			abort();
	free(p);
	struct url u;
	url_parse(z, &u, NULL);
	url_free(&u);
	free(z);
	free(secret);
	redact_clear();
	return 0;
}
