/*
 * fuzz_pm2.c - libFuzzer target for `pm2 jlist` output: any bytes give
 * apps (each with a name and a status) or one error; never a crash, a
 * leak or a hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/pm2.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pm2_app *a;
	size_t n;
	char *e = NULL;

	if (pm2_parse((const char *)data, size, &a, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++)
			if (a[i].name == NULL || a[i].status == NULL)
				abort();
		pm2_apps_free(a, n);
	} else if (e == NULL) {
		abort();
	}
	free(e);
	return 0;
}
