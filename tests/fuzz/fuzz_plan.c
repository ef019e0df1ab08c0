/*
 * fuzz_plan.c - libFuzzer target for the plan loader: any bytes must give
 * a plan or a list of errors, never a crash, a leak or a hang; both as
 * check and run load it and as lint does (unset variables are warnings,
 * and errors about values made from them are not reported).  The same
 * bytes as a --vars-file: its overrides or FILE:LINE:COL errors, then
 * applied to the plan.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/redact.h"
#include "plan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *errors = NULL;
	int fd = memfd_create("fuzz-vars", 0);
	if (fd >= 0) {
		char path[64];
		if (write(fd, data, size) == (ssize_t)size) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			if (plan_vars_file(path, &errors) != 0) {
				free(errors);
				errors = NULL;
			}
		}
		close(fd);
	}
	unsigned flags = size && (data[size - 1] & 1) ? PLAN_ENV_LATER : 0;
	struct plan *p = plan_load_mem_flags("fuzz.yml", (const char *)data,
	    size, flags, &errors);

	plan_free(p);
	free(errors);
	plan_overrides_clear();
	/* One plan per process in real life: the registry starts empty. */
	redact_clear();
	return 0;
}
