/*
 * fuzz_procfs.c - libFuzzer target for the /proc parsers (lib/procfs.h)
 * and value ranges (lib/range.h): any bytes give 0 or -1, never a read
 * past the length they are given (the input is not NUL-terminated).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/procfs.h"
#include "lib/range.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct pstat st;
	struct meminfo m;
	uid_t r, e;
	double la[3], up;
	uint64_t busy, iowait, total;

	(void)procfs_stat_parse(s, size, &st);
	(void)procfs_status_uids(s, size, &r, &e);
	(void)procfs_meminfo_parse(s, size, &m);
	(void)procfs_loadavg_parse(s, size, la);
	(void)procfs_cpu_parse(s, size, &busy, &iowait, &total);
	(void)procfs_uptime_parse(s, size, &up);
	if (size < 256) {
		char *z = malloc(size + 1), *err = NULL;
		struct range rg;
		memcpy(z, data, size);
		z[size] = '\0';
		for (int u = 0; u < 2; u++) {
			if (range_parse(z, u ? RANGE_SIZE : RANGE_COUNT, &rg,
			    &err) == 0) {
				free(range_describe(&rg));
				if (rg.has_lo && rg.has_hi && rg.lo > rg.hi)
					abort();
			}
			free(err);
			err = NULL;
		}
		free(z);
	}
	return 0;
}
