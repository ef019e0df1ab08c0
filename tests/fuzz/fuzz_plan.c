/*
 * fuzz_plan.c - libFuzzer target for the plan loader: any bytes must give
 * a plan or a list of errors, never a crash, a leak or a hang; both as
 * check and run load it and as lint does (unset variables are warnings,
 * and errors about values made from them are not reported).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/redact.h"
#include "plan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *errors = NULL;
	unsigned flags = size && (data[size - 1] & 1) ? PLAN_ENV_LATER : 0;
	struct plan *p = plan_load_mem_flags("fuzz.yml", (const char *)data,
	    size, flags, &errors);

	plan_free(p);
	free(errors);
	/* One plan per process in real life: the registry starts empty. */
	redact_clear();
	return 0;
}
