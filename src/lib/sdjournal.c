/*
 * sdjournal.c - see sdjournal.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <systemd/sd-journal.h>

#include "error.h"
#include "lazy_systemd.h"
#include "sdjournal.h"
#include "util.h"
#include "xmalloc.h"

/* The deadline is looked at every this many entries. */
#define CHECK_EVERY	256

static int
open_journal(const struct sdj_query *q, sd_journal **j, char **errp)
{
	struct stat st;
	int r;

	if (q->path == NULL) {
		r = sd_journal_open(j, SD_JOURNAL_LOCAL_ONLY);
	} else if (stat(q->path, &st) != 0) {
		return seterr(errp, "journal %s: %s", q->path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		r = sd_journal_open_directory(j, q->path, 0);
	} else {
		const char *files[] = { q->path, NULL };
		r = sd_journal_open_files(j, files, 0);
	}
	if (r < 0)
		return seterr(errp, "cannot open the journal%s%s: %s",
		    q->path ? " " : "", q->path ? q->path : "", strerror(-r));
	return 0;
}

static int
add_unit(sd_journal *j, const char *unit, char **errp)
{
	char *a = xasprintf("_SYSTEMD_UNIT=%s", unit);
	char *b = xasprintf("UNIT=%s", unit);
	int r;

	if ((r = sd_journal_add_match(j, a, 0)) >= 0 &&
	    (r = sd_journal_add_disjunction(j)) >= 0 &&
	    (r = sd_journal_add_match(j, b, 0)) >= 0)
		r = sd_journal_add_match(j, "_PID=1", 0);
	free(a);
	free(b);
	if (r < 0)
		return seterr(errp, "journal match for unit %s: %s", unit,
		    strerror(-r));
	return 0;
}

/* Put the read position just before the first entry to hand over. */
static int
position(sd_journal *j, const struct sdj_query *q, char **errp)
{
	int r;

	if (q->after_cursor) {
		r = sd_journal_seek_cursor(j, q->after_cursor);
		if (r >= 0) {
			/* Step onto the cursor's entry: next() goes past it. */
			r = sd_journal_next(j);
			if (r > 0 && sd_journal_test_cursor(j,
			    q->after_cursor) <= 0)
				r = sd_journal_previous(j);
		}
	} else if (q->last_n) {
		r = sd_journal_seek_tail(j);
		if (r >= 0)
			r = sd_journal_previous_skip(j, q->last_n + 1);
		/* Fewer entries than asked: from the first one. */
		if (r >= 0 && (size_t)r < q->last_n + 1)
			r = sd_journal_seek_head(j);
	} else if (q->since_wall_us > 0) {
		r = sd_journal_seek_realtime_usec(j,
		    (uint64_t)q->since_wall_us);
	} else {
		r = sd_journal_seek_head(j);
	}
	if (r < 0)
		return seterr(errp, "cannot position in the journal: %s",
		    strerror(-r));
	return 0;
}

int
sdj_read(const struct sdj_query *q,
    int (*fn)(const char *msg, size_t len, int64_t wall_us, void *arg),
    void *arg, size_t *nread, char **cursor, char **errp)
{
	sd_journal *j = NULL;
	char *last = NULL;
	int rc = -1, r;

	*nread = 0;
	if (cursor)
		*cursor = NULL;
	if (open_journal(q, &j, errp) != 0)
		return -1;
	sd_journal_set_data_threshold(j, SDJ_MESSAGE_MAX);
	if (q->unit && add_unit(j, q->unit, errp) != 0)
		goto out;
	if (position(j, q, errp) != 0)
		goto out;
	for (size_t n = 0;; n++) {
		if (q->deadline_mono_us && n % CHECK_EVERY == 0 &&
		    now_mono_us() >= q->deadline_mono_us) {
			seterr(errp, "reading the journal: out of time after %zu "
			    "entries", *nread);
			goto out;
		}
		if ((r = sd_journal_next(j)) < 0) {
			seterr(errp, "reading the journal: %s", strerror(-r));
			goto out;
		}
		if (r == 0)
			break;
		uint64_t ts = 0;
		/* Files interleave: an entry past the seek may be older. */
		if (sd_journal_get_realtime_usec(j, &ts) >= 0 &&
		    (int64_t)ts < q->since_wall_us)
			continue;
		char *cur = NULL;
		if (sd_journal_get_cursor(j, &cur) >= 0) {
			free(last);
			last = cur;
		}
		const void *d;
		size_t len;
		/* An entry without MESSAGE (a binary field) counts as empty. */
		if (sd_journal_get_data(j, "MESSAGE", &d, &len) < 0) {
			d = "MESSAGE=";
			len = 8;
		}
		(*nread)++;
		if (fn && fn((const char *)d + 8, len - 8, (int64_t)ts, arg))
			break;
	}
	rc = 0;
out:
	if (cursor && rc == 0)
		*cursor = last ? last : q->after_cursor ?
		    xstrdup(q->after_cursor) : NULL;
	else
		free(last);
	sd_journal_close(j);
	return rc;
}
