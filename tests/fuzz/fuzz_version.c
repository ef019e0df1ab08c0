/*
 * fuzz_version.c - libFuzzer target for version ordering, version ranges
 * and the dpkg status reader (lib/version.h).  The input is split at the
 * first NUL: two versions to compare (at a newline), or a range and a
 * version; the whole input is also read as a status database.  The
 * ordering must be antisymmetric and reflexive.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/version.h"

static int
sgn(int x)
{
	return (x > 0) - (x < 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *e = NULL;

	memcpy(s, data, size);
	s[size] = '\0';
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		const char *a = s, *b = nl + 1;
		if (sgn(version_cmp(a, b)) != -sgn(version_cmp(b, a)) ||
		    version_cmp(a, a) != 0)
			abort();
		struct vrange r;
		if (vrange_parse(a, &r, &e) == 0)
			(void)vrange_has(&r, b);
		vrange_free(&r);
		free(e);
		e = NULL;
		*nl = '\n';
	}
	FILE *f = fmemopen((void *)data, size ? size : 1, "r");
	if (f && size) {
		char *v = NULL, *st = NULL;
		(void)dpkg_installed(f, "bash", &v, &st, &e);
		free(v);
		free(st);
		free(e);
	}
	if (f)
		fclose(f);
	free(s);
	return 0;
}
