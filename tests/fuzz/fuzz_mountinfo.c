/*
 * fuzz_mountinfo.c - libFuzzer target for the mountinfo parser
 * (lib/localfs.h): any bytes give 0 or -1 and a table whose every mount
 * point is absolute, never a read past the given length (the input is
 * not NUL-terminated).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/localfs.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mounttab t;

	if (mountinfo_parse((const char *)data, size, &t) != 0) {
		if (t.n != 0 || t.ent != NULL)
			abort();
		return 0;
	}
	for (size_t i = 0; i < t.n; i++)
		if (t.ent[i].point[0] != '/' ||
		    strlen(t.ent[i].point) != t.ent[i].len)
			abort();
	(void)mounttab_local(&t, "/");
	(void)mounttab_local(&t, "/mnt/a b/c");
	mounttab_free(&t);
	return 0;
}
