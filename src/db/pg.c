/* pg.c - the PostgreSQL driver, over libpq. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db.h"
#include "../lib/error.h"
#include "../lib/units.h"
#include "../lib/xmalloc.h"

#ifdef WITH_PG
#include <libpq-fe.h>

#include "../lib/lazy_pq.h"

/*
 * libpq's messages end in newlines and may span lines: keep the first,
 * and no more than a message can show (a server can send 50 MB).
 */
static char *
first_line(const char *msg)
{
	size_t n = strcspn(msg ? msg : "", "\n");

	if (n > DB_VALUE_MAX)
		return xasprintf("%.*s ... (truncated)", DB_VALUE_MAX, msg);
	return xstrndup(msg ? msg : "", n);
}

static int
pg_connect(struct db *d, const struct url *u, int64_t timeout_us, char **errp)
{
	const char *keys[32], *vals[32];
	int n = 0;
	char port[16], tmo[32], opts[64];
	long secs = (long)((timeout_us + 999999) / 1000000);

	if (secs < 2)
		secs = 2;	/* libpq's minimum */
	snprintf(tmo, sizeof(tmo), "%ld", secs);
	snprintf(opts, sizeof(opts), "-c statement_timeout=%lld",
	    (long long)(timeout_us / 1000));
	if (u->host && *u->host) {
		keys[n] = "host"; vals[n++] = u->host;
	}
	if (u->port) {
		snprintf(port, sizeof(port), "%d", u->port);
		keys[n] = "port"; vals[n++] = port;
	}
	if (u->path && *u->path) {
		keys[n] = "dbname"; vals[n++] = u->path;
	}
	if (u->user) {
		keys[n] = "user"; vals[n++] = u->user;
	}
	if (u->password) {
		keys[n] = "password"; vals[n++] = u->password;
	}
	keys[n] = "connect_timeout"; vals[n++] = tmo;
	keys[n] = "application_name"; vals[n++] = "cutover";
	if (timeout_us > 0 && !d->client_timeout) {
		keys[n] = "options"; vals[n++] = opts;
	}
	for (size_t i = 0; i < u->nparams && n < 30; i++) {
		const char *k = u->params[i].key;
		if (strcmp(k, "password_env") == 0 || strcmp(k, "password") == 0)
			continue;
		keys[n] = k; vals[n++] = u->params[i].value;
	}
	keys[n] = vals[n] = NULL;

	PGconn *c = PQconnectdbParams(keys, vals, 0);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		char *m = first_line(c ? PQerrorMessage(c) : "out of memory");
		seterr(errp, "connect to %s: %s", d->what, m);
		free(m);
		PQfinish(c);
		return -1;
	}
	d->h = c;
	return 0;
}

static int
list_row(const struct db_row *row, void *arg)
{
	if (row->ncols > 0 && row->vals[0])
		strlist_push(arg, row->vals[0]);
	return 0;
}

/* The class of a failed result, from its SQLSTATE. */
static enum db_fail
pg_fail(const PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (st == NULL)
		return DB_FAIL_OTHER;
	if (strcmp(st, "42P01") == 0)		/* undefined_table */
		return DB_FAIL_NO_TABLE;
	if (strcmp(st, "42501") == 0)		/* insufficient_privilege */
		return DB_FAIL_DENIED;
	if (strcmp(st, "57014") == 0)		/* query_canceled */
		return DB_FAIL_TIMEOUT;
	return DB_FAIL_OTHER;
}

/*
 * A failed result: its class, and its first line (else the connection's,
 * else "connection lost") as the one error line.  Returns -1.
 */
static int
pg_result_err(struct db *d, const PGresult *r, char **errp)
{
	char *m = first_line(r ? PQresultErrorMessage(r) : "");

	if (*m == '\0') {
		free(m);
		m = first_line(PQerrorMessage(d->h));
	}
	d->fail = pg_fail(r);
	seterr(errp, "query on %s: %s", d->what, *m ? m : "connection lost");
	free(m);
	return -1;
}

static int
pg_query(struct db *d, const char *sql, db_row_fn fn, void *arg, char **errp)
{
	PGresult *r = PQexec(d->h, sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = 0;

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		pg_result_err(d, r, errp);
		PQclear(r);
		return -1;
	}
	int nf = PQnfields(r), nt = PQntuples(r);
	const char **vals = xcalloc((size_t)nf + 1, sizeof(*vals));
	size_t *lens = xcalloc((size_t)nf + 1, sizeof(*lens));
	for (int i = 0; i < nt && fn; i++) {
		for (int j = 0; j < nf; j++) {
			vals[j] = PQgetisnull(r, i, j) ? NULL : PQgetvalue(r, i, j);
			lens[j] = (size_t)PQgetlength(r, i, j);
		}
		struct db_row row = { (size_t)nf, vals, lens, NULL };
		if (fn(&row, arg) != 0)
			break;
	}
	free(vals);
	free(lens);
	PQclear(r);
	return rc;
}

/*
 * Wait for libpq to have a whole result: 0, 1 at the deadline (0: none),
 * -1 when the connection fails.
 */
static int
pg_wait(PGconn *c, int64_t deadline)
{
	while (PQisBusy(c)) {
		int ms = -1;
		if (deadline) {
			int64_t left = deadline - now_mono_us();
			if (left <= 0)
				return 1;
			ms = (int)((left + 999) / 1000);
		}
		struct pollfd p = { .fd = PQsocket(c), .events = POLLIN };
		if (poll(&p, 1, ms) < 0 && errno != EINTR)
			return -1;
		if (!PQconsumeInput(c))
			return -1;
	}
	return 0;
}

static void
pg_cancel(PGconn *c)
{
	PGcancel *cn = PQgetCancel(c);
	char buf[256];

	if (cn) {
		PQcancel(cn, buf, sizeof(buf));
		PQfreeCancel(cn);
	}
}

/*
 * The `sql` check's query.  PQexec would buffer the whole result (a
 * 20-million-row SELECT took 1.29 GB to give one scalar): single-row mode
 * keeps one row at a time, and once past row_max the statement is
 * canceled.  The check's timeout is enforced here by a cancel request at
 * the deadline, not by statement_timeout, so the session is what the
 * server makes it (SHOW statement_timeout says the server's value).
 */
static int
pg_sample(struct db *d, const char *sql, int64_t timeout_us, long long row_max,
    struct db_sample *out, char **errp)
{
	PGconn *c = d->h;
	int64_t deadline = timeout_us > 0 ? now_mono_us() + timeout_us : 0;
	/* After a cancel, the server has this long to end the statement. */
	const int64_t grace = 2000000;
	bool canceled = false, timed_out = false, fresh = true;
	char *err = NULL;
	int rc = 0;

	if (!PQsendQuery(c, sql)) {
		char *m = first_line(PQerrorMessage(c));
		seterr(errp, "query on %s: %s", d->what, m);
		free(m);
		return -1;
	}
	PQsetSingleRowMode(c);
	for (;;) {
		int w = pg_wait(c, deadline);
		if (w == 1 && !canceled) {
			timed_out = canceled = true;
			pg_cancel(c);
			deadline = now_mono_us() + grace;
			continue;
		}
		if (w != 0) {
			rc = -1;
			if (err == NULL)
				err = w == 1 ? xstrdup("the server did not end the "
				    "canceled statement") :
				    first_line(PQerrorMessage(c));
			break;
		}
		PGresult *r = PQgetResult(c);
		if (r == NULL)
			break;
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_COPY_OUT || st == PGRES_COPY_IN ||
		    st == PGRES_COPY_BOTH) {
			/* PQgetResult would return this state for ever. */
			PQclear(r);
			free(err);
			err = xstrdup("COPY has no result a check can judge");
			rc = -1;
			break;
		}
		if ((st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) &&
		    fresh) {
			/* A new result set: of several, the last counts. */
			free(out->first);
			memset(out, 0, sizeof(*out));
			fresh = false;
		}
		if (st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) {
			out->ncols = (size_t)PQnfields(r);
			for (int i = 0; i < PQntuples(r) && !canceled; i++) {
				if (out->rows >= row_max) {
					out->more = canceled = true;
					pg_cancel(c);
					deadline = now_mono_us() + grace;
					break;
				}
				if (out->rows++ == 0 && out->ncols > 0 &&
				    !PQgetisnull(r, i, 0)) {
					size_t l = (size_t)PQgetlength(r, i, 0);
					out->first_cut = l > DB_VALUE_MAX;
					out->first = xstrndup(PQgetvalue(r, i, 0),
					    out->first_cut ? DB_VALUE_MAX : l);
				}
			}
			if (st == PGRES_TUPLES_OK)
				fresh = true;
		} else if (st != PGRES_COMMAND_OK && !(canceled && !timed_out)) {
			/* Our own cancel past row_max is not an error. */
			if (err == NULL) {
				err = first_line(PQresultErrorMessage(r));
				d->fail = pg_fail(r);
			}
			rc = -1;
		}
		PQclear(r);
	}
	if (timed_out) {
		d->fail = DB_FAIL_TIMEOUT;
		char *t = fmt_duration(timeout_us);
		seterr(errp, "query on %s: canceled after the %s statement "
		    "timeout", d->what, t);
		free(t);
		rc = -1;
	} else if (rc != 0) {
		seterr(errp, "query on %s: %s", d->what, err);
	}
	free(err);
	if (rc != 0) {
		free(out->first);
		out->first = NULL;
	}
	return rc;
}

struct conn_row {
	bool		 got;
	long long	 used, max;
};

static int
conn_row(const struct db_row *row, void *arg)
{
	struct conn_row *cr = arg;

	if (row->ncols >= 2 && row->vals[0] && row->vals[1]) {
		cr->used = strtoll(row->vals[0], NULL, 10);
		cr->max = strtoll(row->vals[1], NULL, 10);
		cr->got = true;
	}
	return 1;
}

/* Both figures from one statement, the same instant. */
static int
pg_connections(struct db *d, long long *used, long long *max, char **errp)
{
	static const char q[] = "SELECT (SELECT count(*) FROM "
	    "pg_stat_activity WHERE backend_type = 'client backend'), "
	    "current_setting('max_connections')::int";
	struct conn_row cr = { 0 };

	if (pg_query(d, q, conn_row, &cr, errp) != 0)
		return -1;
	if (!cr.got)
		return seterr(errp, "no figures returned");
	*used = cr.used;
	*max = cr.max;
	return 0;
}

/* 150004: 15.4; before 10, 90624: 9.6.24. */
static int
pg_version_parts(long v, long out[3])
{
	if (v >= 100000) {
		out[0] = v / 10000;
		out[1] = v % 10000;
		return 2;
	}
	out[0] = v / 10000;
	out[1] = v / 100 % 100;
	out[2] = v % 100;
	return 3;
}

static int
pg_version(struct db *d, long *out, char **errp)
{
	int v = PQserverVersion(d->h);

	if (v <= 0)
		return seterr(errp, "cannot read the server version of %s",
		    d->what);
	*out = v;
	return 0;
}

/*
 * Streams use COPY (query) TO STDOUT in text format: one row per
 * PQgetCopyData call, so memory stays at a row however big the table.
 * The text format escapes backslash, tab, newline and a few control
 * characters and writes SQL NULL as \N.
 */
struct pg_stream {
	PGconn		*c;
	struct db	*d;
	char		*line;		/* from PQgetCopyData, PQfreemem'd */
	const char	**vals;
	size_t		*lens;
	size_t		 cap;
	bool		 started;	/* the COPY's first result read */
	bool		 done;
};

/*
 * The COPY is sent here and its first result read by the first
 * pg_stream_next: a diff opens the source's stream, then the target's,
 * then reads both, so the two servers plan and start their COPY at the
 * same time instead of one after the other (the integrator's server log,
 * 10 differing buckets of t_enum: 4 ms on the source, then 5 ms on the
 * target).  An error in the query shows at that first read, with the
 * same message.
 */
static int
pg_stream_open(struct db *d, const char *sql, void **out, char **errp)
{
	struct buf q = BUF_INIT;

	buf_addf(&q, "COPY (%s) TO STDOUT", sql);
	int ok = PQsendQuery(d->h, q.s);
	buf_release(&q);
	if (!ok) {
		char *m = first_line(PQerrorMessage(d->h));
		seterr(errp, "query on %s: %s", d->what, m);
		free(m);
		return -1;
	}
	struct pg_stream *st = xcalloc(1, sizeof(*st));
	st->c = d->h;
	st->d = d;
	*out = st;
	return 0;
}

/* The COPY's first result: COPY OUT, else the error (and done). */
static int
pg_stream_start(struct pg_stream *st, char **errp)
{
	PGresult *r = PQgetResult(st->c);

	st->started = true;
	if (PQresultStatus(r) == PGRES_COPY_OUT) {
		PQclear(r);
		return 0;
	}
	pg_result_err(st->d, r, errp);
	PQclear(r);
	while ((r = PQgetResult(st->c)) != NULL)
		PQclear(r);
	st->done = true;
	return -1;
}

static int
unoct(char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

/* Decode one field in place; returns its new length. */
static size_t
copy_unescape(char *s, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (s[i] != '\\' || i + 1 >= n) {
			s[o++] = s[i++];
			continue;
		}
		char c = s[i + 1];
		i += 2;
		switch (c) {
		case 'b': s[o++] = '\b'; break;
		case 'f': s[o++] = '\f'; break;
		case 'n': s[o++] = '\n'; break;
		case 'r': s[o++] = '\r'; break;
		case 't': s[o++] = '\t'; break;
		case 'v': s[o++] = '\v'; break;
		default:
			if (unoct(c) >= 0) {
				int v = unoct(c);
				for (int k = 0; k < 2 && i < n && unoct(s[i]) >= 0;
				    k++)
					v = v * 8 + unoct(s[i++]);
				s[o++] = (char)v;
			} else
				s[o++] = c;
		}
	}
	return o;
}

static int
pg_stream_next(void *p, struct db_row *row, char **errp)
{
	struct pg_stream *st = p;

	if (st->line) {
		PQfreemem(st->line);
		st->line = NULL;
	}
	if (!st->started && pg_stream_start(st, errp) != 0)
		return -1;
	if (st->done)
		return 0;
	int n = PQgetCopyData(st->c, &st->line, 0);
	if (n < 0) {
		st->line = NULL;
		st->done = true;
		/* -1 is the end of the COPY; its final result says how. */
		PGresult *r = PQgetResult(st->c);
		int rc = 0;
		if (n == -2 || PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = pg_result_err(st->d, r, errp);
		PQclear(r);
		while ((r = PQgetResult(st->c)) != NULL)
			PQclear(r);
		return rc;
	}
	if (n > 0 && st->line[n - 1] == '\n')
		n--;
	size_t k = 0;
	char *s = st->line, *end = st->line + n;
	for (;;) {
		char *tab = memchr(s, '\t', (size_t)(end - s));
		char *fe = tab ? tab : end;
		if (k == st->cap) {
			st->cap = st->cap ? st->cap * 2 : 16;
			st->vals = xreallocarray(st->vals, st->cap,
			    sizeof(*st->vals));
			st->lens = xreallocarray(st->lens, st->cap,
			    sizeof(*st->lens));
		}
		if (fe - s == 2 && s[0] == '\\' && s[1] == 'N') {
			st->vals[k] = NULL;
			st->lens[k] = 0;
		} else {
			st->vals[k] = s;
			st->lens[k] = copy_unescape(s, (size_t)(fe - s));
		}
		k++;
		if (tab == NULL)
			break;
		s = tab + 1;
	}
	row->ncols = k;
	row->vals = st->vals;
	row->lens = st->lens;
	return 1;
}

static void
pg_stream_close(void *p)
{
	struct pg_stream *st = p;

	if (st == NULL)
		return;
	if (st->line)
		PQfreemem(st->line);
	char *e = NULL;
	if (!st->started && pg_stream_start(st, &e) != 0)
		free(e);
	/* Abandoning a COPY midway: drain it so the connection is usable. */
	if (!st->done) {
		char *line;
		int n;
		while ((n = PQgetCopyData(st->c, &line, 0)) > 0)
			PQfreemem(line);
		PGresult *r;
		while ((r = PQgetResult(st->c)) != NULL)
			PQclear(r);
	}
	free(st->vals);
	free(st->lens);
	free(st);
}

/*
 * current_schema() is NULL when no schema of search_path exists: that
 * must not read as "no tables, identical".
 */
static int
pg_tables(struct db *d, struct strlist *out, char **errp)
{
	char *schema = NULL;

	/* pg_begin read it already, in the same snapshot. */
	if (d->schema == NULL &&
	    db_scalar(d, "SELECT current_schema()", &schema, errp) != 0)
		return -1;
	if (d->schema == NULL && schema == NULL)
		return seterr(errp, "%s: no schema of search_path exists, so "
		    "there is no table to compare", d->what);
	free(schema);
	/*
	 * pg_class, not information_schema.tables (the same tables: plain
	 * and partitioned ones the user holds a privilege on): the view
	 * took 70-110 ms of a diff of one table on a loaded machine, this
	 * query 1-3 ms.
	 */
	return db_query(d, "SELECT relname FROM pg_class WHERE relnamespace "
	    "= (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) "
	    "AND relkind IN ('r', 'p') AND "
	    "has_table_privilege(oid, 'SELECT, INSERT, UPDATE, DELETE, "
	    "TRUNCATE, REFERENCES, TRIGGER') ORDER BY relname COLLATE \"C\"",
	    list_row, out, errp);
}

/* '"schema"."table"' as a literal, for to_regclass(). */
static void
regclass_lit(struct db *d, struct buf *q, const struct db_tname *table)
{
	struct buf name = BUF_INIT;

	db_quote_tname(d, &name, table);
	buf_adds(q, "to_regclass(");
	db_quote_literal(d, q, name.s);
	buf_adds(q, ")");
	buf_release(&name);
}

static int
pg_columns(struct db *d, const struct db_tname *table, struct db_col **out, size_t *n,
    char **errp)
{
	struct buf q = BUF_INIT;

	buf_adds(&q, "SELECT attname, format_type(atttypid, atttypmod), "
	    "attnotnull FROM pg_attribute WHERE attrelid = ");
	regclass_lit(d, &q, table);
	buf_adds(&q, " AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
	int rc = db_columns_from(d, q.s, table, out, n, errp);
	buf_release(&q);
	return rc;
}

static int
pg_key(struct db *d, const struct db_tname *table, struct strlist *out,
    char **errp)
{
	struct buf q = BUF_INIT;

	buf_adds(&q, "SELECT i.indexrelid, i.indisprimary, a.attname, "
	    "a.attnotnull FROM pg_index i CROSS JOIN LATERAL "
	    "unnest(i.indkey::int2[]) WITH ORDINALITY AS k(n, ord) "
	    "LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
	    "a.attnum = k.n WHERE i.indrelid = ");
	regclass_lit(d, &q, table);
	buf_adds(&q, " AND i.indisunique AND i.indisvalid AND i.indpred IS "
	    "NULL ORDER BY i.indisprimary DESC, i.indexrelid, k.ord");
	int rc = db_key_from_query(d, q.s, out, errp);
	buf_release(&q);
	return rc;
}

static long long
pg_estimate_rows(struct db *d, const struct db_tname *table)
{
	struct buf q = BUF_INIT;
	char *v = NULL;
	long long n = -1;

	buf_adds(&q, "SELECT reltuples::bigint FROM pg_class WHERE oid = ");
	regclass_lit(d, &q, table);
	if (db_scalar(d, q.s, &v, NULL) == 0 && v)
		n = atoll(v);
	free(v);
	buf_release(&q);
	return n;
}

/*
 * One snapshot for every query of the diff, and session settings that
 * make the text output independent of the server's configuration: ISO
 * dates in UTC, floats with all their digits, bytea in hex.  A diff
 * may run longer than the connect timeout's statement_timeout.
 *
 * Tables are listed from current_schema(), but an unqualified name is
 * looked up along search_path, where pg_catalog comes first: a table
 * public."pg_class" would be read as the catalog's.  Names are
 * qualified with the listed schema from here on.
 */
static int
pg_begin(struct db *d, const char *snapshot, char **errp)
{
	struct buf q = BUF_INIT;

	/* One round trip: a statement's result is its last query's. */
	buf_adds(&q, "SET statement_timeout = 0; SET DateStyle = ISO; "
	    "SET TimeZone = 'UTC'; SET extra_float_digits = 3; "
	    "SET bytea_output = hex; SET IntervalStyle = iso_8601; "
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ");
	if (snapshot) {
		/* Before any query of the transaction, as PostgreSQL asks. */
		buf_adds(&q, "SET TRANSACTION SNAPSHOT ");
		db_quote_literal(d, &q, snapshot);
		buf_adds(&q, "; ");
	}
	buf_adds(&q, "SELECT current_schema()");
	free(d->schema);
	d->schema = NULL;
	int rc = db_scalar(d, q.s, &d->schema, errp);
	buf_release(&q);
	return rc;
}

static int
pg_snapshot(struct db *d, char **errp)
{
	return pg_begin(d, NULL, errp);
}

/* Valid while d's transaction stays open (the diff's coordinator). */
static int
pg_snapshot_export(struct db *d, char **id, char **errp)
{
	return db_scalar(d, "SELECT pg_export_snapshot()", id, errp);
}

static int
pg_snapshot_import(struct db *d, const char *id, char **errp)
{
	return pg_begin(d, id, errp);
}

/*
 * Replication (the `replication` check).  Lag: on a primary the replay
 * lag its walsender measured (NULL once a standby has been idle and
 * caught up: 0 when nothing is left to replay); on a standby the age of
 * the last replayed transaction, 0 when all received WAL is replayed (an
 * idle primary sends nothing, and the timestamp alone would grow).
 */
static int
pg_rows(struct db *d, const char *sql, struct db_rows *r, char **errp)
{
	memset(r, 0, sizeof(*r));
	r->max = 1000;
	return pg_query(d, sql, db_rows_fn, r, errp);
}

/* A lag in seconds from its text, or from "nothing left" (behind 0). */
static void
set_lag(struct db_repl_link *l, const char *lag)
{
	if (lag) {
		l->has_lag = true;
		l->lag_s = strtod(lag, NULL);
	} else if (l->behind_bytes == 0) {
		l->has_lag = true;
		l->lag_s = 0;
	}
}

static int
pg_in_recovery(struct db *d, bool *rec, char **errp)
{
	struct db_rows r;

	if (pg_rows(d, "SELECT pg_is_in_recovery()::text", &r, errp) != 0)
		return -1;
	*rec = r.n == 1 && db_rows_get(&r, 0, 0) &&
	    strcmp(db_rows_get(&r, 0, 0), "true") == 0;
	db_rows_release(&r);
	return 0;
}

static int
pg_repl_primary(struct db *d, struct db_repl *out, char **errp)
{
	/* Physical standbys only: a logical walsender holds a logical slot. */
	static const char q[] = "SELECT coalesce(nullif(application_name, "
	    "''), 'walreceiver'), coalesce(host(client_addr), 'local socket'), "
	    "state, extract(epoch FROM replay_lag)::text, replay_lsn::text, "
	    "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint::text "
	    "FROM pg_stat_replication r WHERE NOT EXISTS (SELECT 1 FROM "
	    "pg_replication_slots s WHERE s.active_pid = r.pid AND "
	    "s.slot_type = 'logical') ORDER BY 1, 2";
	struct db_rows r;
	bool rec;

	if (pg_in_recovery(d, &rec, errp) != 0)
		return -1;
	if (rec) {
		out->role_why = xasprintf("%s is a standby (in recovery), not a "
		    "primary", d->what);
		return 0;
	}
	out->role_ok = true;
	if (pg_rows(d, q, &r, errp) != 0)
		return -1;
	for (size_t i = 0; i < r.n; i++) {
		struct db_repl_link *l = db_repl_add(out);
		const char *st = db_rows_get(&r, i, 2);
		const char *b = db_rows_get(&r, i, 5);
		l->who = xasprintf("%s (%s)", db_rows_get(&r, i, 0),
		    db_rows_get(&r, i, 1));
		l->state = xstrdup(st ? st : "unknown");
		l->healthy = st && strcmp(st, "streaming") == 0;
		if (st == NULL)
			l->why = xstrdup("its state is hidden from this user "
			    "(grant pg_monitor)");
		else if (!l->healthy)
			l->why = xasprintf("state is %s, not streaming", st);
		if (db_rows_get(&r, i, 4))
			l->position = xstrdup(db_rows_get(&r, i, 4));
		if (b)
			l->behind_bytes = strtoll(b, NULL, 10);
		set_lag(l, db_rows_get(&r, i, 3));
	}
	db_rows_release(&r);
	return 0;
}

static int
pg_repl_standby(struct db *d, struct db_repl *out, char **errp)
{
	static const char qr[] = "SELECT status, coalesce(sender_host, ''), "
	    "coalesce(sender_port::text, '') FROM pg_stat_wal_receiver";
	static const char ql[] = "SELECT CASE WHEN pg_last_wal_receive_lsn() "
	    "= pg_last_wal_replay_lsn() THEN '0' ELSE extract(epoch FROM "
	    "now() - pg_last_xact_replay_timestamp())::text END, "
	    "pg_last_wal_replay_lsn()::text, pg_wal_lsn_diff("
	    "pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint::text";
	struct db_rows r, lr;
	bool rec;

	if (pg_in_recovery(d, &rec, errp) != 0)
		return -1;
	if (!rec) {
		out->role_why = xasprintf("%s is not a standby (not in "
		    "recovery): promoted, or a primary", d->what);
		return 0;
	}
	out->role_ok = true;
	if (pg_rows(d, qr, &r, errp) != 0)
		return -1;
	if (pg_rows(d, ql, &lr, errp) != 0) {
		db_rows_release(&r);
		return -1;
	}
	struct db_repl_link *l = db_repl_add(out);
	const char *st = db_rows_get(&r, 0, 0);
	if (r.n == 0) {
		l->who = xstrdup("WAL receiver");
		l->state = xstrdup("stopped");
		l->why = xstrdup("no WAL receiver is running: the standby is "
		    "not connected to its primary");
	} else {
		l->who = xasprintf("WAL receiver from %s:%s",
		    db_rows_get(&r, 0, 1), db_rows_get(&r, 0, 2));
		l->state = xstrdup(st ? st : "unknown");
		l->healthy = st && strcmp(st, "streaming") == 0;
		if (st == NULL)
			l->why = xstrdup("its status is hidden from this user "
			    "(grant pg_monitor)");
		else if (!l->healthy)
			l->why = xasprintf("WAL receiver is %s, not streaming",
			    st);
	}
	if (db_rows_get(&lr, 0, 1))
		l->position = xstrdup(db_rows_get(&lr, 0, 1));
	if (db_rows_get(&lr, 0, 2))
		l->behind_bytes = strtoll(db_rows_get(&lr, 0, 2), NULL, 10);
	if (db_rows_get(&lr, 0, 0)) {
		l->has_lag = true;
		l->lag_s = strtod(db_rows_get(&lr, 0, 0), NULL);
	}
	db_rows_release(&r);
	db_rows_release(&lr);
	return 0;
}

/*
 * The one row q selects for the replication object name (appended to q as
 * a literal): 1 with *r, 0 when there is none (out->role_why says so,
 * printf-style with d->what and name), -1 on an error.
 */
static int
repl_row(struct db *d, struct buf *q, const char *name, struct db_rows *r,
    struct db_repl *out, const char *missing, char **errp)
{
	db_quote_literal(d, q, name);
	int rc = pg_rows(d, q->s, r, errp);
	buf_release(q);
	if (rc != 0)
		return -1;
	if (r->n == 0) {
		out->role_why = xasprintf(missing, d->what, name);
		db_rows_release(r);
		return 0;
	}
	out->role_ok = true;
	return 1;
}

static int
pg_repl_subscription(struct db *d, const char *name, struct db_repl *out,
    char **errp)
{
	struct buf q = BUF_INIT;
	struct db_rows r;

	buf_adds(&q, "SELECT s.subenabled::text, st.pid::text, "
	    "st.received_lsn::text, s.subslotname, (SELECT count(*) FROM "
	    "pg_subscription_rel sr WHERE sr.srsubid = s.oid AND "
	    "sr.srsubstate <> 'r')::text FROM pg_subscription s LEFT JOIN "
	    "pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL "
	    "WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = "
	    "current_database()) AND s.subname = ");
	int rc = repl_row(d, &q, name, &r, out, "%s has no subscription %s "
	    "in this database", errp);
	if (rc <= 0)
		return rc;
	struct db_repl_link *l = db_repl_add(out);
	const char *en = db_rows_get(&r, 0, 0), *pid = db_rows_get(&r, 0, 1);
	const char *sync = db_rows_get(&r, 0, 4);
	l->who = xasprintf("subscription %s", name);
	if (en && strcmp(en, "true") != 0) {
		l->state = xstrdup("disabled");
		l->why = xstrdup("disabled");
	} else if (pid == NULL) {
		l->state = xstrdup("no worker");
		l->why = xstrdup("no apply worker is running (the "
		    "publisher unreachable, or its slot gone?)");
	} else if (sync && strcmp(sync, "0") != 0) {
		l->state = xstrdup("synchronizing");
		l->why = xasprintf("%s table%s not yet synchronized "
		    "(initial copy)", sync, strcmp(sync, "1") == 0 ? "" : "s");
	} else {
		l->state = xstrdup("streaming");
		l->healthy = true;
	}
	if (db_rows_get(&r, 0, 2))
		l->position = xstrdup(db_rows_get(&r, 0, 2));
	if (db_rows_get(&r, 0, 3))
		out->slot = xstrdup(db_rows_get(&r, 0, 3));
	db_rows_release(&r);
	return 0;
}

static int
pg_repl_slot(struct db *d, const char *name, struct db_repl *out,
    char **errp)
{
	struct buf q = BUF_INIT;
	struct db_rows r;

	buf_adds(&q, "SELECT s.slot_type, s.active::text, pg_wal_lsn_diff("
	    "pg_current_wal_lsn(), coalesce(s.confirmed_flush_lsn, "
	    "s.restart_lsn))::bigint::text, (SELECT extract(epoch FROM "
	    "replay_lag)::text FROM pg_stat_replication r WHERE r.pid = "
	    "s.active_pid), coalesce(s.confirmed_flush_lsn, "
	    "s.restart_lsn)::text, s.wal_status FROM pg_replication_slots s "
	    "WHERE s.slot_name = ");
	int rc = repl_row(d, &q, name, &r, out, "the publisher %s has no "
	    "replication slot %s", errp);
	if (rc <= 0)
		return rc;
	struct db_repl_link *l = db_repl_add(out);
	const char *act = db_rows_get(&r, 0, 1), *ws = db_rows_get(&r, 0, 5);
	l->who = xasprintf("slot %s on the publisher", name);
	if (ws && strcmp(ws, "lost") == 0) {
		l->state = xstrdup("lost");
		l->why = xstrdup("lost: the WAL it needed was removed "
		    "(max_slot_wal_keep_size)");
	} else if (act == NULL || strcmp(act, "true") != 0) {
		l->state = xstrdup("inactive");
		l->why = xstrdup("not active: no subscriber is connected to "
		    "it");
	} else {
		l->state = xstrdup("active");
		l->healthy = true;
	}
	if (db_rows_get(&r, 0, 2))
		l->behind_bytes = strtoll(db_rows_get(&r, 0, 2), NULL, 10);
	if (db_rows_get(&r, 0, 4))
		l->position = xstrdup(db_rows_get(&r, 0, 4));
	if (l->healthy)
		set_lag(l, db_rows_get(&r, 0, 3));
	db_rows_release(&r);
	return 0;
}

static int
pg_replication(struct db *d, enum db_repl_ask ask, const char *name,
    struct db_repl *out, char **errp)
{
	memset(out, 0, sizeof(*out));
	switch (ask) {
	case DB_REPL_PRIMARY:
		return pg_repl_primary(d, out, errp);
	case DB_REPL_REPLICA:
		return pg_repl_standby(d, out, errp);
	case DB_REPL_SUBSCRIPTION:
		return pg_repl_subscription(d, name, out, errp);
	case DB_REPL_SLOT:
		return pg_repl_slot(d, name, out, errp);
	default:
		return seterr(errp, "PostgreSQL cannot tell that");
	}
}

static void
pg_close(struct db *d)
{
	PQfinish(d->h);
	d->h = NULL;
}
#endif

static void
pg_prepare(struct db *d, struct buf *q, const char *name, const char *body)
{
	(void)d;
	buf_addf(q, "PREPARE %s(bigint, bigint) AS %s", name, body);
}

static void
pg_execute(struct buf *q, const char *name, const char *a, const char *b)
{
	buf_addf(q, "EXECUTE %s(%s, %s)", name, a, b);
}

static void
pg_deallocate(struct buf *q, const char *name)
{
	buf_addf(q, "DEALLOCATE %s", name);
}

static void
pg_quote_ident(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

const struct db_driver db_pg = {
	.name = "postgres",
	.engine = DB_POSTGRES,
	.repl_asks = DB_REPL_PRIMARY | DB_REPL_REPLICA | DB_REPL_SUBSCRIPTION |
	    DB_REPL_SLOT | DB_REPL_PRIMARY_LAG,
	.int_div = "/",
	.param = { "$1", "$2" },
	.prepare = pg_prepare,
	.execute = pg_execute,
	.deallocate = pg_deallocate,
	.sum_min_version = 110000,
	.sum_min_why = "PostgreSQL before 11 has no extended hash functions",
	.sum_onepass = true,
	.sum_tid_version = 140000,
	.lit_bool = { "false", "true" },
	.lit_bytes = { "'\\x", "'" },
	.lit_inf = { "'-Infinity'", "'Infinity'" },
	.lit_nan = "'NaN'",
	.repair_session = "SET TimeZone = 'UTC'; "
	    "SET standard_conforming_strings = on",
	.insert_keep_ids = " OVERRIDING SYSTEM VALUE",
#ifdef WITH_PG
	.available = true,
	.connect = pg_connect,
	.query = pg_query,
	.sample = pg_sample,
	.connections = pg_connections,
	.replication = pg_replication,
	.version = pg_version,
	.version_parts = pg_version_parts,
	.close = pg_close,
	.stream_open = pg_stream_open,
	.stream_next = pg_stream_next,
	.stream_close = pg_stream_close,
	.tables = pg_tables,
	.columns = pg_columns,
	.key = pg_key,
	.snapshot = pg_snapshot,
	.snapshot_export = pg_snapshot_export,
	.snapshot_import = pg_snapshot_import,
	.estimate_rows = pg_estimate_rows,
#endif
	.quote_ident = pg_quote_ident,
};
