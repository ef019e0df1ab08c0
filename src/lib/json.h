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

/* `"key": "2026-11-22T01:47:54.123Z"`, or null for 0; ", " when comma. */
void	 json_time(struct buf *b, const char *key, int64_t wall_us,
	    bool comma);

#endif
