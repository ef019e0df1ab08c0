/*
 * fuzz_validate.c - libFuzzer target for the backup content validator:
 * gzip, zstd and tar streams and dump trailers from untrusted files.  The
 * first byte picks the name (and so the expectations) and the chunking,
 * so that every layer sees input split at awkward places.
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/validate.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "x.gz", "x.zst", "x.tar",
		"x.tar.gz", "db.sql", "db.sql.zst", "x.bin", "x.tgz" };
	const char *what;

	if (size == 0)
		return 0;
	struct validator *v = validate_new(names[data[0] % 8]);
	size_t step = 1 + (data[0] >> 3);
	for (size_t off = 1; off < size; off += step)
		validate_feed(v, data + off, size - off < step ? size - off :
		    step);
	validate_finish(v, &what);
	validate_free(v);
	return 0;
}
