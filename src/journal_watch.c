/*
 * journal_watch.c - the watch tables of the journal (see journal.h).
 *
 * Size and cost are the point here: a 7-day watch of 700 checks every
 * second is 423 million samples, and a round's journal write was a third
 * of its CPU.  A round is one row of sample_rounds: t, milliseconds since
 * the watch began, and data, a JSON object whose keys are the checks'
 * indexes in the order sampled and whose values are a status alone
 * ({"0":0,"1":2}) or [status, value, message, t offset] with the tail
 * left out when null or 0.  The value is an integer number of millionths
 * (an exact double otherwise), the message is kept only for a failing
 * sample whose message changed, and the t offset (ms after the row's t)
 * only for a check sampled late in a round.  Measured by bench/watch: 9.0
 * bytes a sample of 700 `file` checks, 13-15 with a latency (one row a
 * sample: 16-18); a round of 700 file checks took 3.9-4.4 ms of CPU with
 * one row a sample, 2.5-2.8 ms with nothing journaled, 2.8-3.4 ms now.
 * The view `samples` shows one row a sample (w, t, c, s, v, m), the
 * journal's format before sample_rounds, for a reader with sqlite3.
 * Raw samples older than the watch's keep_raw are folded into one row per
 * check and minute with a log-bucket histogram (1/8 octave: percentiles
 * within 4.4%), so the week above costs 1 hour of raw rows plus 7 million
 * minute rows.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "journal_int.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/redact.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

/*
 * One sample of a round row, as (t, c, s, v, m) and the row's own t:
 * r is sample_rounds, e is json_each(r.data).  Samples come out in t
 * order when rows are read in t order (journal_samples writes each row in
 * (t, c) order, and a later round's t is past every t of the rounds
 * before).
 */
#define SAMPLE_T "r.t + ifnull(CASE e.type WHEN 'array' THEN e.value ->> 3" \
	" END, 0)"
#define SAMPLE_COLS SAMPLE_T ", CAST(e.key AS INTEGER), CASE e.type WHEN" \
	" 'array' THEN e.value ->> 0 ELSE e.value END, CASE e.type WHEN" \
	" 'array' THEN e.value ->> 1 END, CASE e.type WHEN 'array' THEN" \
	" e.value ->> 2 END"

#define SAMPLES_VIEW "CREATE VIEW IF NOT EXISTS samples(w, t, c, s, v, m)" \
	" AS SELECT r.w, " SAMPLE_COLS " FROM sample_rounds r, json_each(r.data)" \
	" e;"

const char journal_watch_schema[] =
"CREATE TABLE IF NOT EXISTS watches(id INTEGER PRIMARY KEY, run_id INTEGER,"
" phase_id TEXT, every_us INTEGER, for_us INTEGER, keep_raw_us INTEGER,"
" started_us INTEGER, ended_us INTEGER, state TEXT, reason TEXT);"
"CREATE TABLE IF NOT EXISTS watch_checks(w INTEGER, idx INTEGER,"
" check_id TEXT, every_us INTEGER, PRIMARY KEY(w, idx)) WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS sample_rounds(w INTEGER, t INTEGER,"
" data TEXT);"
"CREATE UNIQUE INDEX IF NOT EXISTS sample_rounds_wt ON sample_rounds(w, t);"
SAMPLES_VIEW
"CREATE TABLE IF NOT EXISTS sample_minutes(w INTEGER, c INTEGER,"
" minute INTEGER, n INTEGER, npass INTEGER, nv INTEGER, vsum, vmin,"
" vmax, hist BLOB, PRIMARY KEY(w, c, minute))"
" WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS watch_gaps(w INTEGER, from_us INTEGER,"
" to_us INTEGER, PRIMARY KEY(w, from_us)) WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS triggers(id INTEGER PRIMARY KEY, w INTEGER,"
" at_us INTEGER, check_id TEXT, rule TEXT, samples TEXT);";

/*
 * Histogram buckets are 1/8 octave wide: a percentile read from them is
 * within 4.4% (half a bucket).  1/16 octave (2.2%) measured 130 bytes a
 * minute row for latencies spread over 0.5-3 ms, 917 MB for a week of
 * 700 checks; 1/8 with delta-coded bucket numbers about half that.
 */
#define OCTAVE		8
#define NBUCKETS	512	/* 1 + 8 * log2(2^63): 505 */
#define MICRO		1e6

/* ---- helpers --------------------------------------------------------- */

static int
dberr(struct journal *j, char **errp, const char *what)
{
	return seterr(errp, "journal %s: %s: %s", j->path, what,
	    sqlite3_errmsg(j->db));
}

static sqlite3_stmt *
prepare(struct journal *j, const char *sql, char **errp)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
		dberr(j, errp, "prepare");
		return NULL;
	}
	return st;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL) {
		sqlite3_bind_null(st, i);
		return;
	}
	char *r = redact(s);
	sqlite3_bind_text(st, i, r, -1, SQLITE_TRANSIENT);
	free(r);
}

/* One statement, its own committed transaction. */
static int
exec1(struct journal *j, sqlite3_stmt *st, char **errp)
{
	pthread_mutex_lock(&j->mu);
	return journal_write(j, st, errp);
}

/*
 * A round is one transaction on the connection the alert sender also
 * writes on: j->mu is held from BEGIN to COMMIT or ROLLBACK, so that no
 * delivery row lands inside it (or is rolled back with it).
 */
static int
begin(struct journal *j, char **errp)
{
	pthread_mutex_lock(&j->mu);
	if (sqlite3_exec(j->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		dberr(j, errp, "begin");
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	return 0;
}

static int
commit(struct journal *j, char **errp)
{
	if (sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		dberr(j, errp, "commit");
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	pthread_mutex_unlock(&j->mu);
	journal_committed();
	return 0;
}

static void
rollback(struct journal *j)
{
	sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&j->mu);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

/*
 * Whether the journal keeps samples in sample_rounds (1) or, read-only
 * and written by an earlier release, in the table samples (0): a journal
 * opened for writing is brought to sample_rounds by journal_watch_upgrade.
 */
static bool
rounds(struct journal *j)
{
	if (j->rounds == 0) {
		sqlite3_stmt *st = NULL;
		j->rounds = sqlite3_prepare_v2(j->db, "SELECT 1 FROM"
		    " sample_rounds LIMIT 0", -1, &st, NULL) == SQLITE_OK ? 1 : 2;
		sqlite3_finalize(st);
	}
	return j->rounds == 1;
}

/* A value as stored: millionths as an integer, else the REAL itself. */
static void
bind_value(sqlite3_stmt *st, int i, bool has, double v)
{
	double m = v * MICRO;

	if (!has || isnan(v))
		sqlite3_bind_null(st, i);
	else if (fabs(m) < 9e15)
		sqlite3_bind_int64(st, i, llround(m));
	else
		sqlite3_bind_double(st, i, v);
}

static bool
col_value(sqlite3_stmt *st, int i, double *v)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		*v = (double)sqlite3_column_int64(st, i) / MICRO;
		return true;
	case SQLITE_FLOAT:
		*v = sqlite3_column_double(st, i);
		return true;
	}
	return false;
}

/*
 * A journal of an earlier release keeps one row a sample in the table
 * samples: its rows become rounds (one row per watch and t), and the
 * view takes the table's name.  In the caller's transaction.
 */
int
journal_watch_upgrade(sqlite3 *db, char **e)
{
	sqlite3_stmt *st = NULL;
	bool table = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE"
	    " type='table' AND name='samples'", -1, &st, NULL) == SQLITE_OK)
		table = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!table)
		return 0;
	return sqlite3_exec(db, "INSERT OR REPLACE INTO sample_rounds(w, t,"
	    " data) SELECT w, t, json_group_object(CAST(c AS TEXT), CASE WHEN"
	    " v IS NULL AND m IS NULL THEN s ELSE json_array(s, v, m) END) FROM"
	    " (SELECT w, t, c, s, v, m FROM samples ORDER BY w, t, c) GROUP BY"
	    " w, t; DROP TABLE samples; " SAMPLES_VIEW, NULL, NULL, e) ==
	    SQLITE_OK ? 0 : -1;
}

/* ---- histogram buckets ----------------------------------------------- */

/* 0 for values <= 1e-6 (and negative ones), else 1 + floor(8 log2 u). */
static int
bucket_of(double v)
{
	double u = v * MICRO;

	if (!(u >= 1))
		return 0;
	int b = 1 + (int)floor(OCTAVE * log2(u));
	return b >= NBUCKETS ? NBUCKETS - 1 : b;
}

/* The geometric middle of bucket b, in the value's unit. */
static double
bucket_value(int b)
{
	return b == 0 ? 0 : exp2((b - 1 + 0.5) / OCTAVE) / MICRO;
}

static void
put_varint(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		buf_addc(b, (char)(0x80 | (v & 0x7f)));
		v >>= 7;
	}
	buf_addc(b, (char)v);
}

static bool
get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char c = *(*p)++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/* ---- writes ---------------------------------------------------------- */

int
journal_watch_begin(struct journal *j, int64_t run, const char *phase,
    int64_t every_us, int64_t for_us, int64_t keep_raw_us,
    int64_t started_us, const char *const *checks, const int64_t *every,
    size_t n, int64_t *w, char **errp)
{
	sqlite3_stmt *st;

	if (begin(j, errp) != 0)
		return -1;
	st = prepare(j, "INSERT INTO watches(run_id, phase_id, every_us,"
	    " for_us, keep_raw_us, started_us, ended_us, state) VALUES"
	    " (?, ?, ?, ?, ?, ?, 0, 'watching')", errp);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, run);
	bind_text(st, 2, phase);
	sqlite3_bind_int64(st, 3, every_us);
	sqlite3_bind_int64(st, 4, for_us);
	sqlite3_bind_int64(st, 5, keep_raw_us);
	sqlite3_bind_int64(st, 6, started_us);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		dberr(j, errp, "write failed");
		goto fail;
	}
	sqlite3_finalize(st);
	*w = sqlite3_last_insert_rowid(j->db);
	st = prepare(j, "INSERT INTO watch_checks VALUES (?, ?, ?, ?)", errp);
	if (st == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, *w);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		bind_text(st, 3, checks[i]);
		sqlite3_bind_int64(st, 4, every[i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			dberr(j, errp, "write failed");
			goto fail;
		}
	}
	sqlite3_finalize(st);
	return commit(j, errp);
fail:
	rollback(j);
	return -1;
}

int
journal_watch_state(struct journal *j, int64_t w, const char *state,
    const char *reason, bool ended, char **errp)
{
	sqlite3_stmt *st = prepare(j, "UPDATE watches SET state=?, reason=?,"
	    " ended_us=CASE WHEN ? THEN ? ELSE ended_us END WHERE id=?", errp);

	if (st == NULL)
		return -1;
	bind_text(st, 1, state);
	bind_text(st, 2, reason);
	sqlite3_bind_int(st, 3, ended);
	sqlite3_bind_int64(st, 4, now_wall_us());
	sqlite3_bind_int64(st, 5, w);
	return exec1(j, st, errp);
}

/* Sampled earlier, or the same time and a lower index: a row's order. */
static int
sample_cmp(const void *a, const void *b)
{
	const struct jsample *x = a, *y = b;

	if (x->at_us != y->at_us)
		return x->at_us < y->at_us ? -1 : 1;
	return (x->check > y->check) - (x->check < y->check);
}

/* A value as the row keeps it (bind_value's forms, in JSON). */
static void
json_value(struct buf *b, double v)
{
	double m = v * MICRO;

	if (fabs(m) < 9e15)
		buf_add_int(b, llround(m));
	else if (isinf(v))
		buf_adds(b, v > 0 ? "1e999" : "-1e999");	/* SQLite: inf */
	else {
		/* A REAL: 1e12 prints "1000000000000", read back as millionths. */
		size_t at = b->len;
		buf_addf(b, "%.17g", v);
		if (strcspn(b->s + at, ".e") == b->len - at)
			buf_adds(b, ".0");
	}
}

int
journal_samples(struct journal *j, int64_t w, int64_t started_us,
    const struct jsample *s, size_t n, char **errp)
{
	struct jsample *o = NULL;
	struct buf b = BUF_INIT;

	if (n == 0)
		return 0;
	/* Sorted already unless a check was sampled late (its own t). */
	for (size_t i = 1; i < n; i++) {
		if (sample_cmp(&s[i - 1], &s[i]) > 0) {
			o = xreallocarray(NULL, n, sizeof(*o));
			memcpy(o, s, n * sizeof(*o));
			qsort(o, n, sizeof(*o), sample_cmp);
			s = o;
			break;
		}
	}
	int64_t t0 = (s[0].at_us - started_us) / 1000;
	buf_addc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		int64_t dt = (s[i].at_us - started_us) / 1000 - t0;
		bool v = s[i].has_value && !isnan(s[i].value);
		buf_adds(&b, i ? ",\"" : "\"");
		buf_add_int(&b, s[i].check);
		buf_adds(&b, "\":");
		if (!v && s[i].message == NULL && dt == 0) {
			buf_add_int(&b, s[i].status);
			continue;
		}
		buf_addc(&b, '[');
		buf_add_int(&b, s[i].status);
		buf_addc(&b, ',');
		if (v)
			json_value(&b, s[i].value);
		else
			buf_adds(&b, "null");
		if (s[i].message || dt) {
			buf_addc(&b, ',');
			json_str(&b, s[i].message);	/* redacted there */
			if (dt) {
				buf_addc(&b, ',');
				buf_add_int(&b, dt);
			}
		}
		buf_addc(&b, ']');
	}
	buf_addc(&b, '}');
	free(o);
	if (begin(j, errp) != 0) {
		buf_release(&b);
		return -1;
	}
	if (j->ins_samples == NULL)
		j->ins_samples = prepare(j, "INSERT OR REPLACE INTO"
		    " sample_rounds(w, t, data) VALUES (?, ?, ?)", errp);
	sqlite3_stmt *st = j->ins_samples;
	if (st == NULL) {
		buf_release(&b);
		rollback(j);
		return -1;
	}
	sqlite3_bind_int64(st, 1, w);
	sqlite3_bind_int64(st, 2, t0);
	sqlite3_bind_text(st, 3, b.s, (int)b.len, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	buf_release(&b);
	if (rc != SQLITE_DONE) {
		dberr(j, errp, "write failed");
		rollback(j);
		return -1;
	}
	return commit(j, errp);
}

int
journal_watch_gap(struct journal *j, int64_t w, int64_t from_us,
    int64_t to_us, char **errp)
{
	sqlite3_stmt *st = prepare(j, "INSERT OR REPLACE INTO watch_gaps"
	    " VALUES (?, ?, ?)", errp);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, w);
	sqlite3_bind_int64(st, 2, from_us);
	sqlite3_bind_int64(st, 3, to_us);
	return exec1(j, st, errp);
}

int
journal_trigger(struct journal *j, int64_t w, int64_t at_us,
    const char *check, const char *rule, const char *samples, char **errp)
{
	sqlite3_stmt *st = prepare(j, "INSERT INTO triggers(w, at_us,"
	    " check_id, rule, samples) VALUES (?, ?, ?, ?, ?)", errp);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, w);
	sqlite3_bind_int64(st, 2, at_us);
	bind_text(st, 3, check);
	bind_text(st, 4, rule);
	bind_text(st, 5, samples);
	return exec1(j, st, errp);
}

/* One check's figures for one minute, being folded. */
struct acc {
	int64_t	 n, npass, nv;
	double	 sum, min, max;
	uint32_t *hist;		/* NBUCKETS, allocated on first value */
};

static int
flush_minute(struct journal *j, sqlite3_stmt *ins, int64_t w, int64_t minute,
    struct acc *a, size_t nacc, char **errp)
{
	struct buf h = BUF_INIT;

	for (size_t c = 0; c < nacc; c++) {
		if (a[c].n == 0)
			continue;
		buf_reset(&h);
		/* (bucket - previous bucket, count) pairs: a byte each mostly. */
		for (int b = 0, prev = 0; a[c].hist && b < NBUCKETS; b++) {
			if (a[c].hist[b] == 0)
				continue;
			put_varint(&h, (uint64_t)(b - prev));
			put_varint(&h, a[c].hist[b]);
			prev = b;
		}
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, w);
		sqlite3_bind_int64(ins, 2, (int64_t)c);
		sqlite3_bind_int64(ins, 3, minute);
		sqlite3_bind_int64(ins, 4, a[c].n);
		sqlite3_bind_int64(ins, 5, a[c].npass);
		sqlite3_bind_int64(ins, 6, a[c].nv);
		if (a[c].nv) {
			/* Millionths as integers: 2-4 bytes, not 8. */
			bind_value(ins, 7, true, a[c].sum);
			bind_value(ins, 8, true, a[c].min);
			bind_value(ins, 9, true, a[c].max);
			sqlite3_bind_blob(ins, 10, h.s, (int)h.len,
			    SQLITE_TRANSIENT);
		} else {
			for (int k = 7; k <= 10; k++)
				sqlite3_bind_null(ins, k);
		}
		if (sqlite3_step(ins) != SQLITE_DONE) {
			buf_release(&h);
			return dberr(j, errp, "write failed");
		}
		free(a[c].hist);
		memset(&a[c], 0, sizeof(a[c]));
	}
	buf_release(&h);
	return 0;
}

int
journal_fold(struct journal *j, int64_t w, int64_t started_us,
    int64_t before_us, char **errp)
{
	int64_t cutoff = (before_us - started_us) / 1000;
	struct acc *a = NULL;
	size_t nacc = 0;
	int64_t cur = -1;
	int rc = -1, src;

	cutoff -= cutoff % 60000;	/* whole minutes only */
	if (cutoff <= 0)
		return 0;
	if (begin(j, errp) != 0)
		return -1;
	sqlite3_stmt *sel = prepare(j, "SELECT " SAMPLE_COLS " FROM"
	    " sample_rounds r, json_each(r.data) e WHERE r.w=? AND r.t<?"
	    " ORDER BY r.t", errp);
	sqlite3_stmt *ins = prepare(j, "INSERT OR REPLACE INTO sample_minutes"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", errp);
	sqlite3_stmt *del = prepare(j, "DELETE FROM sample_rounds WHERE w=? AND"
	    " t<?", errp);
	if (sel == NULL || ins == NULL || del == NULL)
		goto out;
	sqlite3_bind_int64(sel, 1, w);
	sqlite3_bind_int64(sel, 2, cutoff);
	while ((src = sqlite3_step(sel)) == SQLITE_ROW) {
		/*
		 * A row before the cutoff whose late sample falls after it
		 * counts in the last minute folded: the next fold replaces
		 * minutes after the cutoff whole.
		 */
		int64_t minute = sqlite3_column_int64(sel, 0) / 60000;
		if (minute >= cutoff / 60000)
			minute = cutoff / 60000 - 1;
		int c = sqlite3_column_int(sel, 1);
		if (c < 0 || c > 1000000)
			continue;
		if (minute != cur && cur >= 0 &&
		    flush_minute(j, ins, w, cur, a, nacc, errp) != 0)
			goto out;
		cur = minute;
		if ((size_t)c >= nacc) {
			a = xrealloc(a, ((size_t)c + 1) * sizeof(*a));
			memset(a + nacc, 0, ((size_t)c + 1 - nacc) * sizeof(*a));
			nacc = (size_t)c + 1;
		}
		struct acc *x = &a[c];
		x->n++;
		x->npass += sqlite3_column_int(sel, 2) <= ST_WARN;
		double v;
		if (col_value(sel, 3, &v)) {
			if (x->nv == 0 || v < x->min)
				x->min = v;
			if (x->nv == 0 || v > x->max)
				x->max = v;
			x->nv++;
			x->sum += v;
			if (x->hist == NULL)
				x->hist = xcalloc(NBUCKETS, sizeof(*x->hist));
			x->hist[bucket_of(v)]++;
		}
	}
	if (src != SQLITE_DONE) {
		dberr(j, errp, "read failed");
		goto out;
	}
	if (cur >= 0 && flush_minute(j, ins, w, cur, a, nacc, errp) != 0)
		goto out;
	sqlite3_bind_int64(del, 1, w);
	sqlite3_bind_int64(del, 2, cutoff);
	if (sqlite3_step(del) != SQLITE_DONE) {
		dberr(j, errp, "write failed");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	for (size_t i = 0; i < nacc; i++)
		free(a[i].hist);
	free(a);
	if (rc == 0)
		return commit(j, errp);
	rollback(j);
	return -1;
}

/* ---- reads ----------------------------------------------------------- */

int
journal_watches_load(struct journal *j, int64_t run, struct jlog *l,
    char **errp)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	st = prepare(j, rounds(j) ? "SELECT id, phase_id, every_us, for_us,"
	    " keep_raw_us, started_us, ended_us, state, reason, (SELECT max("
	    SAMPLE_T ") FROM (SELECT t, data FROM sample_rounds WHERE"
	    " w=watches.id ORDER BY t DESC LIMIT 1) r, json_each(r.data) e),"
	    " (SELECT max(minute) FROM sample_minutes WHERE w=watches.id) FROM"
	    " watches WHERE run_id=? ORDER BY id" : "SELECT id, phase_id,"
	    " every_us, for_us, keep_raw_us, started_us, ended_us, state,"
	    " reason, (SELECT max(t) FROM samples WHERE w=watches.id), (SELECT"
	    " max(minute) FROM sample_minutes WHERE w=watches.id) FROM watches"
	    " WHERE run_id=? ORDER BY id", errp);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ARR_GROW(l->watches, l->nwatches, cap);
		struct jwatch *w = &l->watches[l->nwatches++];
		memset(w, 0, sizeof(*w));
		w->id = sqlite3_column_int64(st, 0);
		w->phase_id = col_dup(st, 1);
		w->every_us = sqlite3_column_int64(st, 2);
		w->for_us = sqlite3_column_int64(st, 3);
		w->keep_raw_us = sqlite3_column_int64(st, 4);
		w->started_us = sqlite3_column_int64(st, 5);
		w->ended_us = sqlite3_column_int64(st, 6);
		w->state = col_dup(st, 7);
		w->reason = col_dup(st, 8);
		if (sqlite3_column_type(st, 9) != SQLITE_NULL)
			w->last_us = w->started_us +
			    sqlite3_column_int64(st, 9) * 1000;
		else if (sqlite3_column_type(st, 10) != SQLITE_NULL)
			w->last_us = w->started_us +
			    sqlite3_column_int64(st, 10) * 60000000;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return dberr(j, errp, "read failed");

	for (size_t i = 0; i < l->nwatches; i++) {
		struct jwatch *w = &l->watches[i];
		st = prepare(j, "SELECT check_id, every_us FROM watch_checks"
		    " WHERE w=? ORDER BY idx", errp);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, w->id);
		cap = 0;
		size_t cap2 = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			ARR_GROW(w->checks, w->nchecks, cap);
			size_t n2 = w->nchecks;
			ARR_GROW(w->check_every_us, n2, cap2);
			w->checks[w->nchecks] = col_dup(st, 0);
			w->check_every_us[w->nchecks++] =
			    sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return dberr(j, errp, "read failed");
		st = prepare(j, "SELECT from_us, to_us FROM watch_gaps WHERE w=?"
		    " ORDER BY from_us", errp);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, w->id);
		cap = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			ARR_GROW(w->gaps, w->ngaps, cap);
			w->gaps[w->ngaps].from_us = sqlite3_column_int64(st, 0);
			w->gaps[w->ngaps++].to_us = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return dberr(j, errp, "read failed");
		st = prepare(j, "SELECT at_us, check_id, rule, samples FROM"
		    " triggers WHERE w=? ORDER BY id", errp);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, w->id);
		cap = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			ARR_GROW(w->triggers, w->ntriggers, cap);
			struct jtrigger *t = &w->triggers[w->ntriggers++];
			t->at_us = sqlite3_column_int64(st, 0);
			t->check_id = col_dup(st, 1);
			t->rule = col_dup(st, 2);
			t->samples = col_dup(st, 3);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return dberr(j, errp, "read failed");
	}
	return 0;
}

int
journal_samples_each(struct journal *j, const struct jwatch *w,
    int64_t from_us, void (*fn)(const struct jsample *, void *), void *arg,
    char **errp)
{
	char **last = xcalloc(w->nchecks + 1, sizeof(*last));
	sqlite3_stmt *st;
	int rc;

	st = prepare(j, rounds(j) ? "SELECT " SAMPLE_COLS " FROM sample_rounds"
	    " r, json_each(r.data) e WHERE r.w=? ORDER BY r.t" : "SELECT t, c,"
	    " s, v, m FROM samples WHERE w=? ORDER BY t, c", errp);
	if (st == NULL) {
		free(last);
		return -1;
	}
	sqlite3_bind_int64(st, 1, w->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct jsample s = { 0 };
		s.at_us = w->started_us + sqlite3_column_int64(st, 0) * 1000;
		s.check = sqlite3_column_int(st, 1);
		if (s.check < 0 || (size_t)s.check >= w->nchecks)
			continue;
		s.status = sqlite3_column_int(st, 2);
		s.has_value = col_value(st, 3, &s.value);
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			free(last[s.check]);
			last[s.check] = col_dup(st, 4);
		}
		if (s.status == ST_PASS)
			s.message = NULL;
		else
			s.message = last[s.check];
		if (s.at_us >= from_us)
			fn(&s, arg);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < w->nchecks; i++)
		free(last[i]);
	free(last);
	if (rc != SQLITE_DONE)
		return dberr(j, errp, "read failed");
	return 0;
}

double
percentile_sorted(const double *v, size_t n, double p)
{
	if (n == 0)
		return NAN;
	size_t k = (size_t)ceil(p / 100 * (double)n);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* One check's values while its figures are computed. */
struct cvals {
	double		*v;		/* [0, nsorted) sorted, then new ones */
	size_t		 n, cap, nsorted;
	uint32_t	*hist;	/* from folded minutes */
	int64_t		 nhist;
	double		 sum;
	double		 ssum[WATCH_SERIES];
	int32_t		 sn[WATCH_SERIES];
};

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* k-th smallest (1-based) of the sorted raw values and the histogram. */
static double
kth(const struct cvals *cv, int64_t k)
{
	size_t i = 0;
	int64_t seen = 0;

	for (int b = 0; b <= NBUCKETS; b++) {
		double bv = b < NBUCKETS ? bucket_value(b) : INFINITY;
		while (i < cv->n && (b == NBUCKETS || bucket_of(cv->v[i]) <= b)) {
			if (++seen == k)
				return cv->v[i];
			i++;
		}
		if (b < NBUCKETS && cv->hist && cv->hist[b]) {
			seen += cv->hist[b];
			if (seen >= k)
				return bv;
		}
	}
	return NAN;
}

static double
pct(const struct cvals *cv, int64_t total, double p)
{
	if (total == 0)
		return NAN;
	int64_t k = (int64_t)ceil(p / 100 * (double)total);
	if (k < 1)
		k = 1;
	if (k > total)
		k = total;
	if (cv->hist == NULL)
		return cv->v[k - 1];
	return kth(cv, k);
}

static int
slice_of(const struct jwatch *w, int64_t at_us)
{
	int64_t span = w->for_us > 0 ? w->for_us : 1;
	int64_t s = (at_us - w->started_us) * WATCH_SERIES / span;

	return s < 0 ? 0 : s >= WATCH_SERIES ? WATCH_SERIES - 1 : (int)s;
}

/*
 * A watch's figures as they add up, sample by sample: what
 * journal_watch_stats computes in one go, and what a jwcache keeps from
 * one load of the journal to the next so that a load reads only the
 * samples journaled since (serve loads the journal at every commit, a
 * round a second; reading every sample each time cost 36 ms of CPU a load
 * at 68,000 samples, and grows with the watch: an hour of 700 checks is
 * 2.5 million).
 */
struct jwacc {
	int64_t		 w;		/* the watch's id */
	size_t		 nchecks;
	struct jwstat	*st;		/* counts, min, max, last; no figures */
	struct cvals	*cv;
	char		**last;		/* each check's latest message row */
	int64_t		 next_t;	/* raw samples from this t (ms) on */
	int64_t		 min_t;		/* the oldest raw sample seen, -1 none */
	bool		 loaded;
	bool		 seen;		/* in the latest load */
	const bool	*want;		/* [nchecks] the checks to add up; NULL all */
};

struct jwcache {
	struct jwacc	*a;
	size_t		 n, cap;
};

static void
acc_init(struct jwacc *a, const struct jwatch *w)
{
	memset(a, 0, sizeof(*a));
	a->w = w->id;
	a->nchecks = w->nchecks;
	a->st = xcalloc(w->nchecks + 1, sizeof(*a->st));
	a->cv = xcalloc(w->nchecks + 1, sizeof(*a->cv));
	a->last = xcalloc(w->nchecks + 1, sizeof(*a->last));
	a->min_t = -1;
}

static void
acc_free(struct jwacc *a)
{
	for (size_t i = 0; i < a->nchecks; i++) {
		/* Not read: a check left out owns nothing, and its pages
		 * of the arrays were never touched (see journal_watch_stats). */
		if (a->want && !a->want[i])
			continue;
		free(a->st[i].last_message);
		free(a->cv[i].v);
		free(a->cv[i].hist);
		free(a->last[i]);
	}
	free(a->st);
	free(a->cv);
	free(a->last);
	memset(a, 0, sizeof(*a));
}

static void
acc_sample(struct jwacc *a, const struct jwatch *w, const struct jsample *s)
{
	struct jwstat *st = &a->st[s->check];
	struct cvals *c = &a->cv[s->check];
	int sl = slice_of(w, s->at_us);

	st->n++;
	if (s->status <= ST_WARN)
		st->npass++;
	else
		st->nfail++;
	st->series_n[sl]++;
	st->series_fail[sl] += s->status > ST_WARN;
	if (s->at_us >= st->last_at_us) {
		st->last_at_us = s->at_us;
		st->last_status = s->status;
		if (s->message) {
			free(st->last_message);
			st->last_message = xstrdup(s->message);
		}
	}
	if (s->has_value) {
		ARR_GROW(c->v, c->n, c->cap);
		c->v[c->n++] = s->value;
		c->sum += s->value;
		c->ssum[sl] += s->value;
		c->sn[sl]++;
		if (st->nvalues == 0 || s->value < st->min)
			st->min = s->value;
		if (st->nvalues == 0 || s->value > st->max)
			st->max = s->value;
		st->nvalues++;
	}
}

/* The folded minutes: the older part of the watch. */
static int
acc_minutes(struct journal *j, const struct jwatch *w, struct jwacc *a,
    char **errp)
{
	sqlite3_stmt *st;
	int src;

	st = prepare(j, "SELECT c, minute, n, npass, nv, vsum, vmin, vmax, hist"
	    " FROM sample_minutes WHERE w=?", errp);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, w->id);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		int c = sqlite3_column_int(st, 0);
		if (c < 0 || (size_t)c >= w->nchecks || (a->want && !a->want[c]))
			continue;
		struct jwstat *s = &a->st[c];
		struct cvals *x = &a->cv[c];
		int64_t at = w->started_us + sqlite3_column_int64(st, 1) *
		    60000000;
		int sl = slice_of(w, at);
		int64_t n = sqlite3_column_int64(st, 2);
		int64_t np = sqlite3_column_int64(st, 3);
		int64_t nv = sqlite3_column_int64(st, 4);
		s->n += n;
		s->npass += np;
		s->nfail += n - np;
		s->series_n[sl] += (int32_t)n;
		s->series_fail[sl] += (int32_t)(n - np);
		if (at > s->last_at_us)
			s->last_at_us = at;
		if (nv <= 0)
			continue;
		double sum = 0, mn = 0, mx = 0;
		col_value(st, 5, &sum);
		col_value(st, 6, &mn);
		col_value(st, 7, &mx);
		if (s->nvalues == 0 || mn < s->min)
			s->min = mn;
		if (s->nvalues == 0 || mx > s->max)
			s->max = mx;
		s->nvalues += nv;
		x->sum += sum;
		x->ssum[sl] += sum;
		x->sn[sl] += (int32_t)nv;
		if (x->hist == NULL)
			x->hist = xcalloc(NBUCKETS, sizeof(*x->hist));
		const unsigned char *p = sqlite3_column_blob(st, 8);
		const unsigned char *end = p + sqlite3_column_bytes(st, 8);
		uint64_t d, k, b = 0;
		while (p && p < end && get_varint(&p, end, &d) &&
		    get_varint(&p, end, &k)) {
			b += d;
			if (b < NBUCKETS)
				x->hist[b] += (uint32_t)k;
		}
		x->nhist += nv;
		s->approx = true;
	}
	sqlite3_finalize(st);
	if (src != SQLITE_DONE)
		return dberr(j, errp, "read failed");
	return 0;
}

/*
 * The raw samples of the rows from a->next_t on (all of them the first
 * time); with a->want, only the wanted checks', one query each: the end of a watch
 * judges the checks its success rules name, and stepping through every
 * row of the others cost ~1,000 instructions a row (callgrind; 42,000
 * rows at the end of bench/watch's 60-s watch), filtering them in
 * SQLite's own loop a few hundred.
 */
static int
acc_raw(struct journal *j, const struct jwatch *w, struct jwacc *a,
    char **errp)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;
	int64_t from = a->next_t;
	size_t k = 0;

	do {
		if (a->want) {
			while (k < w->nchecks && !a->want[k])
				k++;
			if (k == w->nchecks)
				break;
		}
		/*
		 * One check's samples: its key looked up in each row, not
		 * every sample of the row decoded and compared.
		 */
		if (!rounds(j))
			st = prepare(j, a->want ? "SELECT t, c, s, v, m, t FROM"
			    " samples WHERE w=?1 AND t>=?2 AND c=?3 ORDER BY t" :
			    "SELECT t, c, s, v, m, t FROM samples WHERE w=?1 AND"
			    " t>=?2 ORDER BY t, c", errp);
		else if (a->want)
			st = prepare(j, "SELECT r.t + ifnull(CASE WHEN typeof(x)"
			    " = 'text' THEN x ->> 3 END, 0), ?3, CASE WHEN"
			    " typeof(x) = 'text' THEN x ->> 0 ELSE x END, CASE"
			    " WHEN typeof(x) = 'text' THEN x ->> 1 END, CASE WHEN"
			    " typeof(x) = 'text' THEN x ->> 2 END, r.t FROM"
			    " (SELECT t, json_extract(data, ?4) AS x FROM"
			    " sample_rounds WHERE w=?1 AND t>=?2) r WHERE x IS"
			    " NOT NULL ORDER BY r.t", errp);
		else
			st = prepare(j, "SELECT " SAMPLE_COLS ", r.t FROM"
			    " sample_rounds r, json_each(r.data) e WHERE r.w=?1"
			    " AND r.t>=?2 ORDER BY r.t", errp);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, w->id);
		sqlite3_bind_int64(st, 2, from);
		if (a->want) {
			sqlite3_bind_int64(st, 3, (int64_t)k);
			if (rounds(j)) {
				char *path = xasprintf("$.\"%zu\"", k);
				sqlite3_bind_text(st, 4, path, -1,
				    SQLITE_TRANSIENT);
				free(path);
			}
			k++;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct jsample s = { 0 };
			int64_t t = sqlite3_column_int64(st, 0);
			int64_t rt = sqlite3_column_int64(st, 5);
			s.at_us = w->started_us + t * 1000;
			s.check = sqlite3_column_int(st, 1);
			/* Only the cache (want NULL) reads these two: rows. */
			if (a->min_t < 0 || rt < a->min_t)
				a->min_t = rt;
			if (rt >= a->next_t)
				a->next_t = rt + 1;
			if (s.check < 0 || (size_t)s.check >= w->nchecks ||
			    (a->want && !a->want[s.check]))
				continue;
			s.status = sqlite3_column_int(st, 2);
			s.has_value = col_value(st, 3, &s.value);
			if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
				free(a->last[s.check]);
				a->last[s.check] = col_dup(st, 4);
			}
			s.message = s.status == ST_PASS ? NULL :
			    a->last[s.check];
			acc_sample(a, w, &s);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return dberr(j, errp, "read failed");
	} while (a->want);
	return 0;
}

/* Sort what came since the last time and merge it into the sorted part. */
static void
merge_new(struct cvals *c)
{
	size_t m = c->n - c->nsorted;

	if (m == 0)
		return;
	qsort(c->v + c->nsorted, m, sizeof(*c->v), dcmp);
	if (c->nsorted == 0 || c->v[c->nsorted - 1] <= c->v[c->nsorted]) {
		c->nsorted = c->n;
		return;
	}
	double *tail = xmalloc(m * sizeof(*tail));
	memcpy(tail, c->v + c->nsorted, m * sizeof(*tail));
	/* From the back: the larger of the two ends goes last. */
	size_t i = c->nsorted, k = m, o = c->n;
	while (k > 0) {
		if (i > 0 && c->v[i - 1] > tail[k - 1])
			c->v[--o] = c->v[--i];
		else
			c->v[--o] = tail[--k];
	}
	free(tail);
	c->nsorted = c->n;
}

/* The figures into w->stats from what a added up. */
static void
acc_finish(struct jwacc *a, struct jwatch *w)
{
	if (w->stats == NULL)
		w->stats = xcalloc(w->nchecks + 1, sizeof(*w->stats));
	for (size_t i = 0; i < w->nchecks; i++) {
		if (a->want && !a->want[i])
			continue;
		struct jwstat *s = &w->stats[i];
		struct cvals *x = &a->cv[i];
		free(s->last_message);
		*s = a->st[i];
		s->last_message = a->st[i].last_message ?
		    xstrdup(a->st[i].last_message) : NULL;
		int64_t every = w->check_every_us[i] > 0 ?
		    w->check_every_us[i] : w->every_us;
		for (size_t g = 0; g < w->ngaps && every > 0; g++)
			s->nmissed += (w->gaps[g].to_us - w->gaps[g].from_us) /
			    every;
		merge_new(x);
		s->avg = s->nvalues ? x->sum / (double)s->nvalues : NAN;
		s->p50 = pct(x, s->nvalues, 50);
		s->p90 = pct(x, s->nvalues, 90);
		s->p95 = pct(x, s->nvalues, 95);
		s->p99 = pct(x, s->nvalues, 99);
		if (s->nvalues == 0)
			s->min = s->max = NAN;
		for (int k = 0; k < WATCH_SERIES; k++)
			s->series_v[k] = x->sn[k] ? (float)(x->ssum[k] /
			    x->sn[k]) : NAN;
	}
}

int
journal_watch_stats(struct journal *j, struct jwatch *w, char **errp)
{
	return journal_watch_stats_of(j, w, NULL, errp);
}

/*
 * Only the checks in want: the end of a watch judges the checks its
 * success rules name, not all of them.  Adding up all 700 checks of
 * bench/watch's 60-s watch read 42,000 rows into per-check arrays and
 * touched ~1.4 MB of them (~275 page faults at 13-20 us each on the
 * bench's virtual machine), ~4% of the whole watch's CPU in `perf`.
 */
int
journal_watch_stats_of(struct journal *j, struct jwatch *w, const bool *want,
    char **errp)
{
	struct jwacc a;
	int rc = -1;

	acc_init(&a, w);
	a.want = want;
	if (acc_minutes(j, w, &a, errp) == 0 && acc_raw(j, w, &a, errp) == 0) {
		acc_finish(&a, w);
		rc = 0;
	}
	acc_free(&a);
	return rc;
}

int
journal_watches_stats(struct journal *j, struct jlog *l, char **errp)
{
	for (size_t i = 0; i < l->nwatches; i++)
		if (journal_watch_stats(j, &l->watches[i], errp) != 0)
			return -1;
	return 0;
}

struct jwcache *
jwcache_new(void)
{
	return xcalloc(1, sizeof(struct jwcache));
}

void
jwcache_clear(struct jwcache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		acc_free(&c->a[i]);
	c->n = 0;
}

void
jwcache_free(struct jwcache *c)
{
	jwcache_clear(c);
	if (c)
		free(c->a);
	free(c);
}

/* The oldest raw sample's t, -1 when there is none. */
static int
raw_min_t(struct journal *j, int64_t w, int64_t *t, char **errp)
{
	sqlite3_stmt *st = prepare(j, rounds(j) ? "SELECT min(t) FROM"
	    " sample_rounds WHERE w=?" : "SELECT min(t) FROM samples WHERE w=?",
	    errp);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, w);
	int rc = sqlite3_step(st);
	*t = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ?
	    sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return dberr(j, errp, "read failed");
	return 0;
}

int
journal_watches_stats_cached(struct journal *j, struct jlog *l,
    struct jwcache *c, char **errp)
{
	for (size_t i = 0; i < c->n; i++)
		c->a[i].seen = false;
	for (size_t i = 0; i < l->nwatches; i++) {
		struct jwatch *w = &l->watches[i];
		struct jwacc *a = NULL;
		for (size_t k = 0; k < c->n && a == NULL; k++)
			if (c->a[k].w == w->id && c->a[k].nchecks == w->nchecks)
				a = &c->a[k];
		if (a == NULL) {
			ARR_GROW(c->a, c->n, c->cap);
			a = &c->a[c->n++];
			acc_init(a, w);
		}
		a->seen = true;
		int64_t min_t;
		if (raw_min_t(j, w->id, &min_t, errp) != 0)
			return -1;
		/*
		 * Raw samples go away only when folded into minutes: then,
		 * or when older ones than expected appear (folded before we
		 * saw them, a resumed watch), add everything up again.
		 */
		if (a->loaded && ((a->min_t >= 0 && min_t != a->min_t) ||
		    (a->min_t < 0 && min_t > a->next_t))) {
			acc_free(a);
			acc_init(a, w);
			a->seen = true;
		}
		if (!a->loaded && acc_minutes(j, w, a, errp) != 0)
			return -1;
		a->loaded = true;
		if (acc_raw(j, w, a, errp) != 0) {
			/* Half read: start over next time. */
			acc_free(a);
			acc_init(a, w);
			a->seen = true;
			return -1;
		}
		acc_finish(a, w);
	}
	/* Watches no longer in the run are dropped. */
	size_t o = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->a[i].seen)
			c->a[o++] = c->a[i];
		else
			acc_free(&c->a[i]);
	}
	c->n = o;
	return 0;
}

struct jwatch *
jlog_watch(const struct jlog *l, const char *phase)
{
	for (size_t i = l->nwatches; i-- > 0;)
		if (strcmp(l->watches[i].phase_id, phase) == 0)
			return &l->watches[i];
	return NULL;
}

void
jwatch_release(struct jwatch *w)
{
	free(w->phase_id);
	free(w->state);
	free(w->reason);
	for (size_t i = 0; i < w->nchecks; i++) {
		free(w->checks[i]);
		if (w->stats)
			free(w->stats[i].last_message);
	}
	free(w->checks);
	free(w->check_every_us);
	free(w->gaps);
	for (size_t i = 0; i < w->ntriggers; i++) {
		free(w->triggers[i].check_id);
		free(w->triggers[i].rule);
		free(w->triggers[i].samples);
	}
	free(w->triggers);
	free(w->stats);
	memset(w, 0, sizeof(*w));
}
