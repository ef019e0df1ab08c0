/*
 * json.h - the one JSON writer.
 *
 * Every string it writes is redacted (redact()), valid UTF-8 (a stray
 * byte becomes \ufffd) and escaped (quotes, backslashes, every control
 * character), so whatever a check, a database or a plan puts into a value
 * the document parses with the strictest common reader (Python's json)
 * and never shows a secret.  Keys go through the same path.  Numbers and
 * literals are the caller's: buf_addf(b, "%lld", ...) as usual.
 *
 * The writer appends to a struct buf; layout (commas, newlines) stays
 * with the caller, which knows the shape of its document.
 *
 * One naming scheme for every document (README "JSON output"): each
 * starts with "schema": JSON_SCHEMA; an instant is an RFC 3339 UTC
 * string in a key ending "_at"; a duration is whole milliseconds in a key
 * ending "_ms".  json_time() and json_ms() append the suffix themselves,
 * so a caller cannot name a time any other way.
 */
#ifndef CUTOVER_JSON_H
#define CUTOVER_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* "s" redacted and escaped; null when s is NULL. */
void	 json_str(struct buf *b, const char *s);
/* `"key": ` preceded by ", " when comma. */
void	 json_key(struct buf *b, const char *key, bool comma);
/* `"key": "val"` (or null), preceded by ", " when comma. */
void	 json_field(struct buf *b, const char *key, const char *val,
	    bool comma);

/* The version of every document's shape; bumped on a breaking change. */
#define JSON_SCHEMA	1

/* `{"schema": 1`: how every document (and every JSON Lines line) opens. */
void	 json_open(struct buf *b);

/* `"NAME_at": "2026-11-22T01:47:54.123Z"`, or null for 0; ", " if comma. */
void	 json_time(struct buf *b, const char *name, int64_t wall_us,
	    bool comma);
/* `"NAME_ms": 1234` (microseconds rounded), null when us < 0. */
void	 json_ms(struct buf *b, const char *name, int64_t us, bool comma);
/* json_ms of z - a; null when either end is unknown (0) or z < a. */
void	 json_span(struct buf *b, const char *name, int64_t a, int64_t z,
	    bool comma);

#endif
