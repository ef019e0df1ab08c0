/*
 * sqlite.c - the SQLite driver.
 *
 * Databases open read-only unless the URL says ?mode=rw: checks and diffs
 * must never change what they inspect, and a missing file is an error
 * rather than a new empty database that "has zero rows".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "../db.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"

static int
lite_connect(struct db *d, const struct url *u, int64_t timeout_us,
    char **errp)
{
	sqlite3 *h = NULL;
	const char *mode = url_param(u, "mode");
	int flags = SQLITE_OPEN_READONLY;

	if (mode && strcmp(mode, "rw") == 0)
		flags = SQLITE_OPEN_READWRITE;
	else if (mode && strcmp(mode, "rwc") == 0)
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	flags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(u->path, &h, flags, NULL) != SQLITE_OK) {
		seterr(errp, "open %s: %s", d->what,
		    h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h, (int)(timeout_us / 1000));
	/* Opening is lazy: touch the schema so a non-database fails here. */
	if (sqlite3_exec(h, "SELECT count(*) FROM sqlite_master", NULL, NULL,
	    NULL) != SQLITE_OK) {
		seterr(errp, "open %s: %s", d->what, sqlite3_errmsg(h));
		sqlite3_close(h);
		return -1;
	}
	d->h = h;
	return 0;
}

static int
lite_query(struct db *d, const char *sql, db_row_fn fn, void *arg,
    char **errp)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK)
		return seterr(errp, "query on %s: %s", d->what,
		    sqlite3_errmsg(d->h));
	int nf = sqlite3_column_count(st);
	const char **vals = xcalloc((size_t)nf + 1, sizeof(*vals));
	size_t *lens = xcalloc((size_t)nf + 1, sizeof(*lens));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn == NULL)
			continue;
		for (int j = 0; j < nf; j++) {
			vals[j] = sqlite3_column_type(st, j) == SQLITE_NULL ? NULL :
			    (const char *)sqlite3_column_text(st, j);
			lens[j] = (size_t)sqlite3_column_bytes(st, j);
		}
		struct db_row row = { (size_t)nf, vals, lens };
		if (fn(&row, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	free(vals);
	free(lens);
	if (rc != SQLITE_DONE) {
		seterr(errp, "query on %s: %s", d->what, sqlite3_errmsg(d->h));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static void
lite_quote_ident(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static int
lite_version(struct db *d, long *out, char **errp)
{
	(void)d;
	(void)errp;
	*out = sqlite3_libversion_number();
	return 0;
}

static void
lite_close(struct db *d)
{
	sqlite3_close(d->h);
	d->h = NULL;
}

const struct db_driver db_sqlite = {
	.name = "sqlite",
	.available = true,
	.connect = lite_connect,
	.query = lite_query,
	.quote_ident = lite_quote_ident,
	.version = lite_version,
	.close = lite_close,
};
