/* json.c - the one JSON writer; see json.h. */
#include <stdlib.h>

#include "json.h"
#include "redact.h"
#include "util.h"
#include "xmalloc.h"

void
json_str(struct buf *b, const char *s)
{
	if (s == NULL) {
		buf_adds(b, "null");
		return;
	}
	/*
	 * Redact before escaping: a secret holding a quote or a backslash is
	 * matched as the plan wrote it, not as JSON spells it.
	 */
	char *r = redact(s);
	buf_addc(b, '"');
	buf_add_json(b, r);
	buf_addc(b, '"');
	free(r);
}

void
json_key(struct buf *b, const char *key, bool comma)
{
	if (comma)
		buf_adds(b, ", ");
	json_str(b, key);
	buf_adds(b, ": ");
}

void
json_field(struct buf *b, const char *key, const char *val, bool comma)
{
	json_key(b, key, comma);
	json_str(b, val);
}

void
json_open(struct buf *b)
{
	buf_addf(b, "{\"schema\": %d", JSON_SCHEMA);
}

/* `"NAME_SUFFIX": `: the suffix is the writer's, never the caller's. */
static void
suffixed_key(struct buf *b, const char *name, const char *suffix, bool comma)
{
	char *k = xasprintf("%s_%s", name, suffix);
	json_key(b, k, comma);
	free(k);
}

void
json_time(struct buf *b, const char *name, int64_t wall_us, bool comma)
{
	suffixed_key(b, name, "at", comma);
	if (wall_us == 0) {
		buf_adds(b, "null");
		return;
	}
	char *t = fmt_time_iso(wall_us);
	json_str(b, t);
	free(t);
}

void
json_ms(struct buf *b, const char *name, int64_t us, bool comma)
{
	suffixed_key(b, name, "ms", comma);
	if (us < 0)
		buf_adds(b, "null");
	else
		buf_addf(b, "%lld", (long long)((us + 500) / 1000));
}

void
json_span(struct buf *b, const char *name, int64_t a, int64_t z, bool comma)
{
	json_ms(b, name, a == 0 || z == 0 || z < a ? -1 : z - a, comma);
}
