/*
 * sdjournal.h - reading the systemd journal through sd-journal
 * (libsystemd), for the `log` kind's `unit:` source: a unit's messages
 * since a time, the last N, or only those after the cursor the previous
 * watch sample ended at.  The journal's own reader does the decoding;
 * every message is handed to a callback (the caller matches its regex).
 */
#ifndef CUTOVER_SDJOURNAL_H
#define CUTOVER_SDJOURNAL_H

#include <stddef.h>
#include <stdint.h>

/* A message longer than this is cut to it (sd-journal's data threshold). */
#define SDJ_MESSAGE_MAX	(64 * 1024)

struct sdj_query {
	/*
	 * A journal directory or one journal file; NULL: this machine's
	 * journal (system and, as journalctl, those the user may read).
	 */
	const char	*path;
	/*
	 * Messages of this unit, as `journalctl -u` picks them: logged by
	 * its processes (_SYSTEMD_UNIT) or by systemd about it (UNIT with
	 * _PID 1).  NULL: every message.
	 */
	const char	*unit;
	/* The filters combine: the last N of those since, after a cursor. */
	int64_t		 since_wall_us;	/* at or after (realtime); 0: any */
	size_t		 last_n;	/* only the last N; 0: all */
	/* Only entries after this cursor (what a sample returned); NULL. */
	const char	*after_cursor;
	int64_t		 deadline_mono_us;	/* now_mono_us() based; 0: none */
};

/*
 * Call fn(msg, len, wall_us, arg) for every matching entry, oldest first
 * (msg is not NUL-terminated; at most SDJ_MESSAGE_MAX bytes); fn returns
 * non-zero to stop.  *nread counts the entries handed over; *cursor (may
 * be NULL) gets the cursor of the last entry read, newly allocated, or
 * a copy of after_cursor when there was none: pass it back as
 * after_cursor to read only what is new.  0, or -1 with *errp naming the
 * cause (no journal there, permission denied, the deadline passed).
 */
int	 sdj_read(const struct sdj_query *q,
	    int (*fn)(const char *msg, size_t len, int64_t wall_us, void *arg),
	    void *arg, size_t *nread, char **cursor, char **errp);

#endif
