/*
 * fuzz_secrets.c - libFuzzer target for the credential scanner: any bytes
 * (a file someone committed) give findings or none, never a crash, a
 * leak or a hang; every finding's position lies inside the input and its
 * printed match never holds the whole secret.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets.h"

static struct scanner *s;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings fs = { 0 };
	char *e = NULL;

	if (s == NULL) {
		struct scan_opts o = { 0 };
		if ((s = scanner_new(&o, &e)) == NULL)
			abort();
	}
	scanner_scan_buffer(s, "fuzz", (const char *)data, size, &fs);
	for (size_t i = 0; i < fs.n; i++) {
		const struct finding *f = &fs.v[i];
		if (f->end > size || f->off >= f->end || f->line < 1 ||
		    f->col < 1)
			abort();
		/*
		 * A secret of 8+ bytes never appears whole in its match -
		 * unless the same bytes also stand before it (a key named
		 * like its value), which the match may show as context.
		 */
		size_t n = f->end - f->off;
		if (n >= 8 && memmem(f->match, strlen(f->match),
		    data + f->off, n) != NULL &&
		    memmem(data, f->off, data + f->off, n) == NULL)
			abort();
	}
	findings_release(&fs);
	return 0;
}
