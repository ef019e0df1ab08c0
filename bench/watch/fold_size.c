/*
 * fold_size.c - what the retention rule leaves on disk: N checks sampled
 * every second for SECS seconds (latencies spread over 0.5-3 ms, one
 * sample in 1,000 failing), journaled round by round as the watch does,
 * then folded into per-minute rows.  run.sh builds it against the build's
 * objects and projects a 7-day watch from the bytes per minute row.
 *
 *   fold_size JOURNAL SECS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "journal.h"

int
main(int argc, char **argv)
{
	struct journal *j;
	char *e = NULL;
	int64_t run, w, t0 = 1000000LL * 1000000;
	int nc = 700, secs = argc > 2 ? atoi(argv[2]) : 600;
	const char **ids = calloc(nc, sizeof(*ids));
	int64_t *ev = calloc(nc, sizeof(*ev));
	struct jsample *s = calloc(nc, sizeof(*s));

	for (int i = 0; i < nc; i++) {
		char b[32];
		snprintf(b, sizeof(b), "c-%d", i);
		ids[i] = strdup(b);
	}
	if (argc < 2 || journal_open(argv[1], true, &j, &e) != 0 ||
	    journal_run_begin(j, "p", "p", "x", "u", &run, &e) != 0 ||
	    journal_watch_begin(j, run, "post", 1000000, 3600000000LL,
	    3600000000LL, t0, ids, ev, nc, &w, &e) != 0) {
		fprintf(stderr, "fold_size: %s\n", e ? e : "usage");
		return 1;
	}
	srand(1);
	for (int t = 0; t < secs; t++) {
		for (int i = 0; i < nc; i++)
			s[i] = (struct jsample){ .at_us = t0 + t * 1000000LL,
			    .check = i, .status = rand() % 1000 ? ST_PASS : ST_FAIL,
			    .has_value = true,
			    .value = (500 + rand() % 2500) / 1e6,
			    .message = NULL };
		if (journal_samples(j, w, t0, s, nc, &e) != 0) {
			fprintf(stderr, "fold_size: %s\n", e);
			return 1;
		}
	}
	if (journal_fold(j, w, t0, t0 + secs * 1000000LL, &e) != 0) {
		fprintf(stderr, "fold_size: %s\n", e);
		return 1;
	}
	journal_close(j);
	return 0;
}
