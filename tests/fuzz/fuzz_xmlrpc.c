/*
 * fuzz_xmlrpc.c - libFuzzer target for supervisord's XML-RPC answers
 * (libxml2 underneath): any bytes give processes or one error, never a
 * crash, a leak, a hang or a file read through an entity.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/xmlrpc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_proc *ps;
	size_t n;
	char *e = NULL;

	if (xmlrpc_parse_procs((const char *)data, size, &ps, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++)
			if (ps[i].name == NULL || ps[i].group == NULL ||
			    ps[i].statename == NULL || ps[i].spawnerr == NULL)
				abort();
		sv_procs_free(ps, n);
	} else if (e == NULL) {
		abort();
	}
	free(e);
	return 0;
}
