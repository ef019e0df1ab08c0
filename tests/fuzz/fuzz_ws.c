/*
 * fuzz_ws.c - libFuzzer target for what a WebSocket server sends
 * (lib/ws.h): the answer to the upgrade request and the frames after it,
 * walked as kind `websocket` walks them.  Any bytes give a verdict,
 * never a read past the input, a crash or an unbounded allocation.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ws.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_answer a;
	size_t off = 0;

	/* Copy: the parsers must not need a terminator or slack. */
	unsigned char *b = malloc(size ? size : 1);
	memcpy(b, data, size);
	if (ws_answer_parse((const char *)b, size, &a) == 0) {
		if (a.head_len > size || strlen(a.accept) >= sizeof(a.accept))
			abort();
		off = a.head_len;
	}
	for (int i = 0; i < 1000 && off < size; i++) {
		struct ws_frame f;
		const char *why = NULL;
		int r = ws_frame_parse(b + off, size - off, 4096, &f, &why);
		if (r != 0)
			break;
		if (f.size == 0 || f.size > size - off || f.len > 4096 ||
		    f.payload + f.len > b + size)
			abort();
		off += f.size;
	}
	free(b);
	return 0;
}
