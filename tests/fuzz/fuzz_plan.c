/*
 * fuzz_plan.c - libFuzzer target for the plan loader: any bytes must give
 * a plan or a list of errors, never a crash, a leak or a hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "plan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *errors = NULL;
	struct plan *p = plan_load_mem("fuzz.yml", (const char *)data, size,
	    &errors);

	plan_free(p);
	free(errors);
	return 0;
}
