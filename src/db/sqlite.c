/*
 * sqlite.c - the SQLite driver.
 *
 * Databases open read-only unless the URL says ?mode=rw (or the caller
 * writes: diff --apply): checks and diffs
 * must never change what they inspect, and a missing file is an error
 * rather than a new empty database that "has zero rows".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <xxhash.h>

#include "../db.h"
#include "../lib/error.h"
#include "../lib/units.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"

/*
 * A connection: the handle and its statement timeout.  SQLite has no
 * server to cancel a query at, so a progress handler ends one that runs
 * past its deadline (SQLITE_INTERRUPT), as statement_timeout does for
 * PostgreSQL: a check's query stops at the check's timeout instead of
 * keeping a core busy until cutover exits.
 */
struct lite {
	sqlite3	*h;
	int64_t	 limit_us;	/* per statement; 0 after lite_snapshot */
	int64_t	 deadline_us;	/* of the statement running; 0: none */
};

#define LH(d)	(((struct lite *)(d)->h)->h)

_Static_assert(SQLITE_INTEGER == DB_VINT && SQLITE_FLOAT == DB_VREAL &&
    SQLITE_TEXT == DB_VTEXT && SQLITE_BLOB == DB_VBLOB &&
    SQLITE_NULL == DB_VNULL, "enum db_vtype follows sqlite3_column_type");

static int
on_progress(void *arg)
{
	const struct lite *l = arg;

	return l->deadline_us != 0 && now_mono_us() > l->deadline_us;
}

/* Start a statement's clock. */
static void
arm(struct db *d)
{
	struct lite *l = d->h;

	l->deadline_us = l->limit_us ? now_mono_us() + l->limit_us : 0;
}

/* "query on X: ..." with SQLite's message, or the timeout that ended it. */
static int
query_error(struct db *d, char **errp)
{
	struct lite *l = d->h;

	if (sqlite3_errcode(l->h) == SQLITE_AUTH)
		d->fail = DB_FAIL_DENIED;
	if (sqlite3_errcode(l->h) == SQLITE_INTERRUPT && l->deadline_us) {
		d->fail = DB_FAIL_TIMEOUT;
		char *t = fmt_duration(l->limit_us);
		seterr(errp, "query on %s: canceled after the %s statement "
		    "timeout", d->what, t);
		free(t);
		return -1;
	}
	return seterr(errp, "query on %s: %s", d->what, sqlite3_errmsg(l->h));
}

/*
 * cutover_rowhash(v1, v2, ...): a 64-bit XXH3 of the values with their
 * storage classes and lengths, so ('a|b','c') and ('a','b|c') differ
 * and NULL differs from ''.  The hash of the whole row, not a sum of
 * column hashes: a value swapped between two rows changes both rows'
 * hashes, and their sum with them.
 */
static void
fn_rowhash(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	XXH3_state_t *h = XXH3_createState();

	XXH3_64bits_reset(h);
	for (int i = 0; i < argc; i++) {
		unsigned char tag = (unsigned char)sqlite3_value_type(argv[i]);
		sqlite3_int64 iv;
		double dv;
		uint64_t n;
		XXH3_64bits_update(h, &tag, 1);
		switch (tag) {
		case SQLITE_INTEGER:
			iv = sqlite3_value_int64(argv[i]);
			XXH3_64bits_update(h, &iv, sizeof(iv));
			break;
		case SQLITE_FLOAT:
			dv = sqlite3_value_double(argv[i]);
			if (dv == 0)
				dv = 0;
			XXH3_64bits_update(h, &dv, sizeof(dv));
			break;
		case SQLITE_TEXT:
		case SQLITE_BLOB: {
			const void *p = tag == SQLITE_TEXT ?
			    (const void *)sqlite3_value_text(argv[i]) :
			    sqlite3_value_blob(argv[i]);
			n = (uint64_t)sqlite3_value_bytes(argv[i]);
			XXH3_64bits_update(h, &n, sizeof(n));
			if (n)
				XXH3_64bits_update(h, p, (size_t)n);
			break;
		}
		default:
			break;
		}
	}
	sqlite3_result_int64(cx, (sqlite3_int64)XXH3_64bits_digest(h));
	XXH3_freeState(h);
}

/* cutover_sum(x): a sum modulo 2^64, which never overflows to REAL. */
static void
fn_sum_step(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	uint64_t *acc = sqlite3_aggregate_context(cx, sizeof(*acc));

	(void)argc;
	if (acc && sqlite3_value_type(argv[0]) != SQLITE_NULL)
		*acc += (uint64_t)sqlite3_value_int64(argv[0]);
}

static void
fn_sum_final(sqlite3_context *cx)
{
	uint64_t *acc = sqlite3_aggregate_context(cx, 0);

	sqlite3_result_int64(cx, acc ? (sqlite3_int64)*acc : 0);
}

static int
lite_connect(struct db *d, const struct url *u, int64_t timeout_us,
    char **errp)
{
	sqlite3 *h = NULL;
	const char *mode = url_param(u, "mode");
	int flags = SQLITE_OPEN_READONLY;

	if ((mode && strcmp(mode, "rw") == 0) || d->writable)
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
	sqlite3_create_function(h, "cutover_rowhash", -1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, fn_rowhash, NULL, NULL);
	sqlite3_create_function(h, "cutover_sum", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, NULL, fn_sum_step, fn_sum_final);
	struct lite *l = xcalloc(1, sizeof(*l));
	l->h = h;
	l->limit_us = timeout_us;
	if (timeout_us > 0)
		sqlite3_progress_handler(h, 1000, on_progress, l);
	d->h = l;
	return 0;
}

static int
lite_query(struct db *d, const char *sql, db_row_fn fn, void *arg,
    char **errp)
{
	sqlite3_stmt *st = NULL;
	int rc;

	arm(d);
	if (sqlite3_prepare_v2(LH(d), sql, -1, &st, NULL) != SQLITE_OK)
		return query_error(d, errp);
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
		struct db_row row = { (size_t)nf, vals, lens, NULL };
		if (fn(&row, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	free(vals);
	free(lens);
	if (rc != SQLITE_DONE) {
		query_error(d, errp);
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

/* 3040001: 3.40.1 */
static int
lite_version_parts(long v, long out[3])
{
	out[0] = v / 1000000;
	out[1] = v / 1000 % 1000;
	out[2] = v % 1000;
	return 3;
}

static int
lite_version(struct db *d, long *out, char **errp)
{
	(void)d;
	(void)errp;
	*out = sqlite3_libversion_number();
	return 0;
}

/*
 * Streams step a statement.  REAL values are printed here in their
 * shortest exact form: sqlite3_column_text() keeps 15 digits, which
 * would hide a change in a double's last digits.
 */
struct lite_stream {
	struct db	*d;
	sqlite3_stmt	*st;
	int		 nf;
	const char	**vals;
	size_t		*lens;
	unsigned char	*types;		/* enum db_vtype per column */
	char		(*num)[32];
	bool		 done;
};

/* The shortest text that reads back as the same double. */
static size_t
shortest(char *out, size_t n, double v)
{
	int len = 0;

	for (int prec = 15; prec <= 17; prec++) {
		len = snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return (size_t)len;
}

static int
lite_stream_open(struct db *d, const char *sql, void **out, char **errp)
{
	sqlite3_stmt *st = NULL;

	arm(d);
	if (sqlite3_prepare_v2(LH(d), sql, -1, &st, NULL) != SQLITE_OK)
		return query_error(d, errp);
	struct lite_stream *s = xcalloc(1, sizeof(*s));
	s->d = d;
	s->st = st;
	s->nf = sqlite3_column_count(st);
	s->vals = xcalloc((size_t)s->nf + 1, sizeof(*s->vals));
	s->lens = xcalloc((size_t)s->nf + 1, sizeof(*s->lens));
	s->num = xcalloc((size_t)s->nf + 1, sizeof(*s->num));
	s->types = xcalloc((size_t)s->nf + 1, sizeof(*s->types));
	*out = s;
	return 0;
}

static int
lite_stream_next(void *p, struct db_row *row, char **errp)
{
	struct lite_stream *s = p;

	if (s->done)
		return 0;
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_DONE) {
		s->done = true;
		return 0;
	}
	if (rc != SQLITE_ROW)
		return query_error(s->d, errp);
	for (int j = 0; j < s->nf; j++) {
		int type = sqlite3_column_type(s->st, j);
		/* SQLITE_INTEGER..SQLITE_NULL are 1..5, as enum db_vtype. */
		s->types[j] = (unsigned char)type;
		switch (type) {
		case SQLITE_NULL:
			s->vals[j] = NULL;
			s->lens[j] = 0;
			break;
		case SQLITE_FLOAT: {
			/*
			 * -0.0 as 0, as cutover_rowhash() hashes it and as a
			 * REAL column compares it (-0 = 0): printed "-0" it
			 * differed from 0.0 in a column without a type, where
			 * the value is compared as written, and stream mode
			 * called a row changed that checksum mode did not.
			 */
			double v = sqlite3_column_double(s->st, j);
			if (v == 0)
				v = 0;
			s->lens[j] = shortest(s->num[j], sizeof(s->num[j]), v);
			s->vals[j] = s->num[j];
			break;
		}
		case SQLITE_BLOB:
			s->vals[j] = sqlite3_column_blob(s->st, j);
			s->lens[j] = (size_t)sqlite3_column_bytes(s->st, j);
			if (s->vals[j] == NULL)
				s->vals[j] = "";
			break;
		default:
			s->vals[j] = (const char *)sqlite3_column_text(s->st, j);
			s->lens[j] = (size_t)sqlite3_column_bytes(s->st, j);
		}
	}
	row->ncols = (size_t)s->nf;
	row->vals = s->vals;
	row->lens = s->lens;
	row->types = s->types;
	return 1;
}

static void
lite_stream_close(void *p)
{
	struct lite_stream *s = p;

	if (s == NULL)
		return;
	sqlite3_finalize(s->st);
	free(s->vals);
	free(s->lens);
	free(s->num);
	free(s->types);
	free(s);
}

static int
list_row(const struct db_row *row, void *arg)
{
	if (row->ncols > 0 && row->vals[0])
		strlist_push(arg, row->vals[0]);
	return 0;
}

static int
lite_tables(struct db *d, struct strlist *out, char **errp)
{
	return db_query(d, "SELECT name FROM sqlite_master WHERE type = "
	    "'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
	    list_row, out, errp);
}

/* "(table)" or "(table, schema)": the arguments of a pragma function. */
static void
pragma_args(struct db *d, struct buf *q, const struct db_tname *table)
{
	buf_addc(q, '(');
	db_quote_literal(d, q, table->name);
	if (table->schema) {
		buf_adds(q, ", ");
		db_quote_literal(d, q, table->schema);
	}
	buf_addc(q, ')');
}

/*
 * table_xinfo, not table_info: generated columns (hidden 2 virtual,
 * 3 stored) hold values the target must reproduce; table_info leaves
 * them out.  Hidden 1 is a virtual table's hidden column.
 */
static int
lite_columns(struct db *d, const struct db_tname *table, struct db_col **out,
    size_t *n, char **errp)
{
	struct buf q = BUF_INIT;

	buf_adds(&q, "SELECT name, type, \"notnull\" OR pk > 0 FROM "
	    "pragma_table_xinfo");
	pragma_args(d, &q, table);
	buf_adds(&q, " WHERE hidden <> 1 ORDER BY cid");
	int rc = db_columns_from(d, q.s, table, out, n, errp);
	buf_release(&q);
	return rc;
}

static int
lite_key(struct db *d, const struct db_tname *table, struct strlist *out,
    char **errp)
{
	struct buf q = BUF_INIT;

	buf_adds(&q, "SELECT 'pk', 1, name, 1 FROM pragma_table_info");
	pragma_args(d, &q, table);
	buf_adds(&q, " WHERE pk > 0 ORDER BY pk");
	int rc = db_key_from_query(d, q.s, out, errp);
	if (rc == 0 && out->n == 0) {
		buf_reset(&q);
		buf_adds(&q, "SELECT il.name, 0, ii.name, ti.\"notnull\" FROM "
		    "pragma_index_list");
		pragma_args(d, &q, table);
		buf_adds(&q, " il JOIN pragma_index_info(il.name");
		if (table->schema) {
			buf_adds(&q, ", ");
			db_quote_literal(d, &q, table->schema);
		}
		buf_adds(&q, ") ii LEFT JOIN pragma_table_xinfo");
		pragma_args(d, &q, table);
		buf_adds(&q, " ti ON ti.name = ii.name WHERE il.\"unique\" AND "
		    "il.partial = 0 ORDER BY il.name, ii.seqno");
		rc = db_key_from_query(d, q.s, out, errp);
	}
	buf_release(&q);
	return rc;
}

/* SQLite counts quickly (a b-tree walk): the "estimate" is exact. */
static long long
lite_estimate_rows(struct db *d, const struct db_tname *table)
{
	struct buf q = BUF_INIT;
	char *v = NULL;
	long long n = -1;

	buf_adds(&q, "SELECT count(*) FROM ");
	db_quote_tname(d, &q, table);
	if (db_scalar(d, q.s, &v, NULL) == 0 && v)
		n = atoll(v);
	free(v);
	buf_release(&q);
	return n;
}

/*
 * A read transaction: later writers do not change what the diff sees.
 * A diff may run longer than the connect timeout: no statement timeout,
 * and no progress handler left on the diff's hot path.
 */
static int
lite_snapshot(struct db *d, char **errp)
{
	struct lite *l = d->h;

	l->limit_us = l->deadline_us = 0;
	sqlite3_progress_handler(l->h, 0, NULL, NULL);
	if (db_exec(d, "BEGIN", errp) != 0)
		return -1;
	return db_exec(d, "SELECT count(*) FROM sqlite_master", errp);
}

static void
lite_close(struct db *d)
{
	struct lite *l = d->h;

	if (l == NULL)
		return;
	sqlite3_close(l->h);
	free(l);
	d->h = NULL;
}

const struct db_driver db_sqlite = {
	.name = "sqlite",
	.engine = DB_SQLITE,
	.typed_values = true,
	.int_div = "/",
	.lit_bool = { "0", "1" },
	.lit_bytes = { "X'", "'" },
	/* A REAL past the largest double reads as infinity; NaN is NULL. */
	.lit_inf = { "-9e999", "9e999" },
	.available = true,
	.connect = lite_connect,
	.query = lite_query,
	.quote_ident = lite_quote_ident,
	.version = lite_version,
	.version_parts = lite_version_parts,
	.close = lite_close,
	.stream_open = lite_stream_open,
	.stream_next = lite_stream_next,
	.stream_close = lite_stream_close,
	.tables = lite_tables,
	.columns = lite_columns,
	.key = lite_key,
	.snapshot = lite_snapshot,
	.estimate_rows = lite_estimate_rows,
};
