/*
 * fuzz_engine.c - libFuzzer target for the Docker Engine API answers
 * cutover reads: any bytes as a container inspection, an image
 * inspection, a time, a container list, an error answer, and a log stream (fed whole and split in two at the
 * first byte's value, so frame headers cut anywhere are exercised); never
 * a crash, a leak or a hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/engine.h"

static void
sink(int stream, const char *p, size_t n, void *arg)
{
	size_t *total = arg;

	if (stream < 0 || stream > 2)
		abort();
	(void)p;
	*total += n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct engine_ctr c;
	struct strlist ids = STRLIST_INIT;
	char *e = NULL;

	if (engine_ctr_parse(s, size, &c, &e) == 0) {
		(void)engine_ref_pinned(c.image_ref ? c.image_ref : "");
		engine_ctr_release(&c);
	}
	free(e);
	e = NULL;
	struct engine_image im;
	if (engine_image_parse(s, size, &im, &e) == 0)
		engine_image_release(&im);
	free(e);
	e = NULL;
	char *t = malloc(size + 1);
	if (t) {
		memcpy(t, s, size);
		t[size] = '\0';
		(void)engine_time(t);
		free(t);
	}
	(void)engine_list_parse(s, size, &ids, &e);
	strlist_release(&ids);
	free(e);
	e = NULL;
	free(engine_error_message(s, size));

	size_t cut = size ? data[0] % (size + 1) : 0, total = 0;
	struct engine_demux d = { 0 };
	if (engine_demux_feed(&d, s, cut, sink, &total, &e) == 0 &&
	    engine_demux_feed(&d, s + cut, size - cut, sink, &total, &e) == 0)
		(void)engine_demux_end(&d, &e);
	if (total > size)
		abort();
	free(e);
	return 0;
}
