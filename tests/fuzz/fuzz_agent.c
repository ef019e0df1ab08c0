/*
 * fuzz_agent.c - libFuzzer target for the `on: HOST` wire format
 * (hosts_proto.c): any line a remote or a caller sends decodes to one
 * message or one error; never a crash, a leak or a hang.  A result's
 * status is always one of the four.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "hosts_proto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg m;
	char *e = NULL;

	if (proto_decode((const char *)data, size, &m, &e) == 0) {
		if (m.type == P_RESULT && (unsigned)m.result.status > ST_SKIP)
			abort();
		if (m.type == P_STEP && (m.shell == NULL) == (m.argv.n == 0))
			abort();
	} else if (e == NULL) {
		abort();
	}
	proto_msg_release(&m);
	free(e);
	return 0;
}
