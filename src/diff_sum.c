/*
 * diff_sum.c - checksum mode: the databases do the reading.
 *
 * For a table with one integer key on the same engine, the key space is
 * walked in chunks: key ranges sized to take about CHUNK_TARGET_US each,
 * at most 1/CHUNKS_MIN of the key range (so that a few differences do not
 * make most of the table suspect), skipping empty stretches with an
 * index probe.  Both sides compute, concurrently, a row count and an
 * order-independent sum of strong per-row hashes per chunk:
 *
 *   PostgreSQL  hashint8extended(k, x), x = k # h2(c2) # .., each hi
 *               the type's extended hash seeded by the column's position
 *               (see pg_col_hash, pg_sum_sql): the XOR of column hashes
 *               is re-hashed, so it is not linear and swaps cannot cancel;
 *   MariaDB     CRC32(s) * CRC32C(s), s the row printed once with
 *               lengths and NULL marks, doubles as their 8 bytes (see
 *               my_sum_crc); MySQL and
 *               MariaDB before 10.8: 64 bits of MD5(CONCAT_WS(',',
 *               QUOTE(c1), ..)); FLOAT is cast to DOUBLE first;
 *   SQLite      cutover_rowhash() and cutover_sum(), registered by the
 *               driver (db/sqlite.c).
 *
 * Sums are exact (numeric / DECIMAL) or modulo 2^64, never floats, so
 * equal data gives equal text.  A chunk whose count or sum differs is
 * split: the same sums per bucket of it (key / width, one GROUP BY), and
 * again for a bucket that is still big; a small bucket that differs is
 * compared row by row in stream mode, restricted to its key range.
 *
 * PostgreSQL skips the chunk walk: one GROUP BY key / width over the
 * whole table per side (sum_onepass) costs 1.3-2x a plain sum, but
 * the walk's index range scans and round trips cost a little more on
 * identical data, and a second round once chunks differ, where the one
 * pass answers both "identical?" and "where?".  MariaDB and
 * SQLite keep the walk, which is what their figures were measured on.
 */
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "lib/error.h"
#include "lib/xmalloc.h"

#define CHUNK_TARGET_US	200000		/* per chunk and side */
#define CHUNK_FIRST	5000		/* keys in the first chunk */
#define CHUNKS_MIN	128		/* over the key range, at least */
#define BUCKETS		64		/* a suspect range splits in */
#define SMALL		512		/* rows: stream from here */
#define ONEPASS_BUCKETS	4096		/* over the key range, PostgreSQL */
/* PostgreSQL's settings for a grouped pass, in its query: see pg_reset */
#define PG_PASS_SET	"SET jit = off; SET enable_sort = off; " \
	"SET max_parallel_workers_per_gather = 0; SET enable_tidscan = on; "

typedef __int128 i128;

struct bucket {
	int64_t		 b;		/* first: see bucket_cmp */
	long long	 count;
	char		*sum;
};

struct sumq {
	struct db	*d;
	const char	*sql;
	struct bucket	*v;
	size_t		 n, cap;
	char		*err;
	int		 rc;
	bool		 skip_null;	/* drop a NULL bucket */
	/*
	 * PostgreSQL's whole-table pass by TID ranges (pg_tid_sums), with
	 * sql, the GROUP BY, as its fallback: set when tid is.
	 */
	bool		 tid;
	bool		 dst;
	struct tplan	*p;
	int64_t		 w;
	__int128	 lo, hi;
	/*
	 * What the TID pass leaves to resolve differing buckets by their
	 * stretches (tid_narrow): set when that pass ran, not its fallback.
	 */
	struct tid_job	*keep;
};

static int	 pg_tid_sums(struct sumq *q);
static void	 tid_job_free(struct tid_job *j);

static int
bucket_row(const struct db_row *row, void *arg)
{
	struct sumq *q = arg;

	/*
	 * A NULL key's bucket (a pass over the whole table): its rows are
	 * never compared in checksum mode, as no key range holds them.
	 */
	if (row->vals[0] == NULL && q->skip_null)
		return 0;
	struct bucket b = {
		.b = strtoll(row->vals[0] ? row->vals[0] : "0", NULL, 10),
		.count = strtoll(row->vals[1] ? row->vals[1] : "0", NULL, 10),
		.sum = xstrdup(row->vals[2] ? row->vals[2] : "NULL"),
	};

	ARR_PUSH(q->v, q->n, q->cap, b);
	return 0;
}

/* By bucket: struct bucket and struct tid_ent begin with their number. */
static int
bucket_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
sumq_run(struct sumq *q)
{
	if (q->tid && (q->rc = pg_tid_sums(q)) <= 0)
		return;
	q->rc = db_query(q->d, q->sql, bucket_row, q, &q->err);
}

/* Both sides' queries at once (diff_both); each keeps its rc and err. */
static int
sumq_side(void *arg, int side, char **errp)
{
	(void)errp;
	sumq_run(((struct sumq **)arg)[side]);
	return 0;
}

static void
sumq_both(struct sumq *s, struct sumq *d)
{
	struct sumq *q[2] = { s, d };

	(void)diff_both(sumq_side, q, NULL);
}

static void
sumq_release(struct sumq *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->v[i].sum);
	free(q->v);
	free(q->err);
	tid_job_free(q->keep);
	memset(q, 0, sizeof(*q));
}

static void
unprepare_one(struct db *d, const char *name)
{
	struct buf q = BUF_INIT;

	d->drv->deallocate(&q, name);
	db_exec(d, q.s, NULL);	/* best effort: the connection may be gone */
	buf_release(&q);
}

static void
unprepare(struct tplan *p)
{
	if (p->prepared == NULL)
		return;
	unprepare_one(p->s, p->prepared);
	unprepare_one(p->d, p->prepared);
	free(p->prepared);
	p->prepared = NULL;
}

/* One signed integer key column: buckets are key ranges. */
static bool
int_key(const struct tplan *p)
{
	return sum_int_key(p);
}

bool
sum_int_key(const struct tplan *p)
{
	return p->nkey == 1 && p->cols[0].st.cls == CC_INT &&
	    p->cols[0].dt.cls == CC_INT && p->cols[0].st.width <= 8 &&
	    p->cols[0].dt.width <= 8;
}

bool
sum_possible(const struct tplan *p, const char **why)
{
	long v = 0;

	*why = NULL;
	if (p->s->drv != p->d->drv)
		*why = "the engines differ";
	else if (p->nkey == 0)
		*why = "no key";
	else if (p->o->float_tol > 0)
		*why = "--float-tolerance needs the values";
	else if (p->s->drv->sum_min_version &&
	    ((p->s->drv->version(p->s, &v, NULL) == 0 &&
	    v < p->s->drv->sum_min_version) ||
	    (p->d->drv->version(p->d, &v, NULL) == 0 &&
	    v < p->s->drv->sum_min_version)))
		*why = p->s->drv->sum_min_why;
	return *why == NULL;
}

/* pred NULL: every row (but --where's). */
static void
add_where(struct tplan *p, struct buf *q, const char *pred)
{
	if (pred)
		buf_addf(q, " WHERE (%s)", pred);
	if (p->o->where)
		buf_addf(q, " %s (%s)", pred ? "AND" : "WHERE", p->o->where);
}

/* " AND (part)" for this side's part of the table (--jobs), if any. */
static void
add_part(const struct tplan *p, bool dst, struct buf *q, const char *glue)
{
	if (p->part[dst])
		buf_addf(q, "%s(%s)", glue, p->part[dst]);
}

/* The same for a MIN/MAX probe (see struct tplan's probe). */
static void
add_probe(const struct tplan *p, bool dst, struct buf *q, const char *glue)
{
	if (p->probe[dst])
		buf_addf(q, "%s(%s)", glue, p->probe[dst]);
}

/* "k BETWEEN lo AND hi" for one side (lo, hi: numbers or placeholders). */
static void
between(struct tplan *p, bool dst, const char *lo, const char *hi,
    struct buf *q)
{
	col_ident(p, dst, 0, q);
	buf_addf(q, " BETWEEN %s AND %s", lo, hi);
}

static void
bucket_expr(struct buf *q, const char *key, const char *div, int64_t w)
{
	if (w)
		buf_addf(q, "SELECT %s%s%lld", key, div, (long long)w);
	else
		buf_adds(q, "SELECT 0");
}

/*
 * PostgreSQL's row hash: each column hashed by its type's own extended
 * hash function with a seed of its own (pg_seed: a mix of its position,
 * so swapping two columns' values changes the row, and no value hashes
 * to a small number: a float 0.0 hashes to the seed), NULL as a constant
 * of its own, the column hashes XORed and the result hashed again
 * (pg_sum_sql).  The XOR alone would be linear; the outer hash is what
 * keeps values swapped between rows from cancelling in the sum.  Cheaper
 * than hash_record_extended(ROW(..)) by a quarter: no record is built
 * per row.  Every function call and operator is a call through fmgr
 * (about 20 ns here), so the forms below are the ones with the fewest.
 *
 * t is this side's declared type, o the other side's: a type hashed by
 * its stored form (bytes, binary interval, inet, arrays) only when both
 * sides declare it, since another type's hash of the same value differs
 * (the sums then differ and the rows are compared one by one: slower,
 * never wrong).  Backend CPU per million rows of one column, over the
 * 50-60 ms of the scan (bench tables, 2026-11-30, shared machine; earlier
 * figures include the whole query):
 *
 *   bytea        md5() then hashtext 1.43 s; ARRAY[c] hashed 0.09 s
 *                (encode(c, 'hex') 0.17 s, c::text 0.11 s, ROW(c) more)
 *   timestamptz  ::timestamp 0.36 s; AT TIME ZONE 'UTC' 0.06 s (the zone
 *                name looked up per row); AT TIME ZONE INTERVAL '00:00'
 *                0.02 s (the same UTC wall time, by arithmetic); then
 *                hashed exactly, see CC_TS below
 *   time         ::text 0.10 s; date_part('epoch', c) hashed 0.04 s: a
 *                double, exact for microseconds of a day (its spacing at
 *                86400 is 1.5e-11); time_hash_extended folds 64 bits to
 *                32: 00:00 and 01:11:34.967297 hash alike (lo ^ hi = 0).
 *                Per row (callgrind, 100,000 rows, a tenth NULL): the
 *                epoch 768 (its 'epoch' parsed per call); the folded
 *                hash seeded with hi: hi by date_bin 498 (see CC_TIME
 *                below), by a CASE of 5 comparisons 531, by 20 in a row
 *                886, by width_bucket() 614-673, CC_TS's form on
 *                DATE '2000-01-01' + c as it is 768; the folded hash
 *                alone (inexact) 269
 *   interval     ::text 0.41-0.48 s; interval_send() hashed 0.27 s
 *   inet, cidr   ::text 0.25 s; ARRAY[c] 0.09 s; hashinetextended 0.02 s
 *                (family, bits and address)
 *   bool         ::int hashed 0.07 s; a CASE of three constants 0.00 s
 *   int8         lo and hi halves hashed apart (5 calls) 0.04 s; the
 *                value with itself as seed (2 calls) 0.03 s
 *   int2, int4   ::int8 then hashint8extended, or the type's own hash
 *                (equal for equal values): 0.02 s either, one call less
 *   enum         ::text 0.08 s (hashenumextended, 0.02 s, hashes the
 *                OID, which differs between databases); both sides enums:
 *                a CASE over the labels, see pg_enum_hash
 *   date, timestamp, timestamptz  both sides such types: see CC_TS below
 *                (callgrind, instructions per row: date 1,210 -> 250,
 *                timestamp 1,140 -> 470, timestamptz 1,290 -> 740)
 *   json, jsonb  ::text 0.20 s and 0.44 s (jsonb_out); jsonb_hash_extended
 *                0.24 s but not exact: it skips the end of a container,
 *                so [[1],2] and [[1,2]] hash alike.  Per row (callgrind):
 *                json ::text 908, concat() 1,186, format() 1,776; jsonb
 *                ::text 3,715, jsonb_hash_extended 2,001
 *   int[], text[] ::text 0.33 s per column; hash_array_extended 0.16 s,
 *                with the shape check 0.25 s.  Per row (callgrind):
 *                ::text 2,467; hash_array_extended 763, the shape check
 *                487 more, hashing array_dims() instead 1,275 more
 */
static bool
same_sub(const struct canon_type *t, const struct canon_type *o,
    enum canon_sub s)
{
	return t->sub == s && o->sub == s;
}

/*
 * A 64-bit constant from a small number (splitmix64), never INT64_MIN,
 * which PostgreSQL would read as a numeric (-(2^63)).
 */
static long long
pg_seed(uint64_t n)
{
	uint64_t z = (n + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	if (z == (uint64_t)1 << 63)
		z ^= 1;
	return (long long)z;
}

/*
 * An enum on both sides: a CASE over this side's labels, each giving a
 * constant made from the label's text and the column's seed, so that a
 * label hashes alike in both databases whatever its OID or place.  The
 * comparisons are of OIDs, no catalog lookup per row as ::text makes
 * (enum_out): callgrind, 100,000 rows of 4 labels, 860 instructions per
 * row as text, 215 here.  A value outside the list read (there is none
 * in the snapshot) hashes as text, which differs from its constant: its
 * rows are then compared one by one, never passed as equal.
 */
#define PG_ENUM_MAX	32	/* labels; more go as text */

static void
pg_enum_hash(struct db *d, struct buf *q, const struct strlist *elab,
    const char *col, long long seed)
{
	buf_addf(q, "CASE %s", col);
	for (size_t i = 0; i < elab->n; i++) {
		uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a, then mixed */
		for (const char *c = elab->v[i]; *c; c++)
			h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
		buf_adds(q, " WHEN ");
		db_quote_literal(d, q, elab->v[i]);
		buf_addf(q, " THEN %lld", pg_seed(h ^ (uint64_t)seed));
	}
	buf_addf(q, " ELSE hashtextextended(%s::text, %lld) END", col, seed);
}

/* date_bin() is PostgreSQL 14's: both sides have it. */
static bool
pg_date_bin(struct tplan *p)
{
	long a = 0, b = 0;

	return p->s->drv->version(p->s, &a, NULL) == 0 && a >= 140000 &&
	    p->d->drv->version(p->d, &b, NULL) == 0 && b >= 140000;
}

/*
 * The first multiple of 2^32 microseconds from 2000-01-01 (PostgreSQL's
 * timestamp zero) at or after its earliest timestamp, 4714-11-24 BC.
 */
#define PG_TS_BIN0	"TIMESTAMP '4714-11-24 00:53:22.37568 BC'"
/*
 * date_bin() subtracts its origin in 64-bit microseconds, which
 * overflows ("interval out of range") from about 287,500 AD, short of
 * PostgreSQL's last timestamp, 294276 AD: later values go as text.
 */
#define PG_TS_BINMAX	"TIMESTAMP '200000-01-01'"

static void
pg_col_hash(struct tplan *p, bool dst, struct buf *q,
    const struct canon_type *t, const struct canon_type *o,
    const struct strlist *elab, const char *col, long long pos)
{
	struct db *d = dst ? p->d : p->s;
	long long seed = pg_seed((uint64_t)pos);
	long long null = pg_seed((uint64_t)pos + (1ULL << 32));

	if (t->cls == CC_BOOL && o->cls == CC_BOOL) {
		/* No call at all: the value picks a constant. */
		buf_addf(q, "CASE WHEN %s THEN %lld WHEN NOT %s THEN %lld "
		    "ELSE %lld END", col, seed, col,
		    pg_seed((uint64_t)pos + (2ULL << 32)), null);
		return;
	}
	buf_adds(q, "coalesce(");
	switch (t->cls) {
	case CC_INT:
		/*
		 * hashint8extended folds its input to 32 bits (lo ^ hi), so
		 * 1 and 2^32 would hash alike: the value is the seed too.
		 * int2 and int4 hash as int8 of the same value.
		 */
		if (t->width >= 8 || o->width >= 8)
			buf_addf(q, "hashint8extended(%s::int8, %s::int8 # "
			    "(%lld))", col, col, seed);
		else
			buf_addf(q, "hashint%dextended(%s, %lld)",
			    t->width == 2 ? 2 : 4, col, seed);
		break;
	case CC_DEC:
		buf_addf(q, "hash_numeric_extended(%s, %lld)", col, seed);
		break;
	case CC_FLOAT:
		buf_addf(q, "hashfloat8extended(%s, %lld)", col, seed);
		break;
	case CC_FLOAT4:
		buf_addf(q, "hashfloat4extended(%s, %lld)", col, seed);
		break;
	case CC_BOOL:
		buf_addf(q, "hashint4extended(%s::int, %lld)", col, seed);
		break;
	case CC_TS:
	case CC_DATE:
		if (t->cls == CC_DATE && o->cls == CC_DATE) {
			/*
			 * Both sides dates: the day number, exact in one
			 * subtraction and one hash (250 instructions per
			 * row against 1,210 through the timestamp, callgrind);
			 * the subtraction refuses infinities, which go as text.
			 */
			buf_addf(q, "CASE WHEN isfinite(%s) THEN hashint4extended("
			    "%s - DATE '2000-01-01', %lld) ELSE hashtextextended("
			    "%s::text, %lld) END", col, col, seed, col, seed);
			break;
		}
		if (t->cls == CC_TS && o->cls == CC_TS && pg_date_bin(p)) {
			/*
			 * Both sides timestamps, with or without time zone
			 * (a timestamptz as UTC wall time, AT TIME ZONE
			 * INTERVAL '00:00': an addition of zero, no zone
			 * lookup): the value's own hash folds its 64 bits
			 * to 32 (lo ^ hi), and its seed here is the hash of
			 * the value rounded down to 2^32 us from PG_TS_BIN0,
			 * which gives hi: exact, and 470 instructions per
			 * row against 1,140 for the epoch as a double below
			 * (callgrind, timestamp).  timestamptz, 1M rows,
			 * one backend, the GROUP BY pass alone (median of
			 * 5, load 3): 255-410 ms through the epoch, 220-234
			 * ms here.  date_bin rounds toward zero before its
			 * origin in some releases, so the 53 minutes before
			 * it, the years from PG_TS_BINMAX, the infinities and
			 * NULL go as text (of the UTC wall time, which both
			 * types print alike).
			 */
			struct buf ts = BUF_INIT;
			buf_addf(&ts, t->tz ? "(%s AT TIME ZONE INTERVAL "
			    "'00:00')" : "%s", col);
			buf_addf(q, "CASE WHEN %s >= " PG_TS_BIN0 " AND %s < "
			    PG_TS_BINMAX " THEN timestamp_hash_extended("
			    "%s, timestamp_hash_extended(date_bin("
			    "'4294967296 microseconds', %s, " PG_TS_BIN0 "), "
			    "%lld)) ELSE hashtextextended(%s::text, %lld) END",
			    ts.s, ts.s, ts.s, ts.s, seed, ts.s, seed);
			buf_release(&ts);
			break;
		}
		/*
		 * As UTC wall time, so timestamptz and timestamp (taken as
		 * UTC) compare; dates as midnight.  timestamp_hash_extended
		 * alone folds 64 bits to 32: 2024-01-01 00:00:00 and
		 * 01:11:34.967299 hash alike.  The seconds since 1970 as a
		 * double tell microseconds apart from 1698 to 2242 (the
		 * double's spacing is under 1 us there); outside, two values
		 * the double confuses are under 2 ms apart, which the folded
		 * hash (the seed here) tells apart.  0.06 s per million rows
		 * more than the folded hash alone.
		 */
		{
			struct buf ts = BUF_INIT;
			buf_addf(&ts, t->tz ? "%s AT TIME ZONE INTERVAL '00:00'" :
			    "%s::timestamp", col);
			buf_addf(q, "hashfloat8extended(date_part('epoch', %s), "
			    "timestamp_hash_extended(%s, %lld))", ts.s, ts.s,
			    seed);
			buf_release(&ts);
		}
		break;
	case CC_TIME:
		if (o->cls == CC_TIME && !t->tz && !o->tz && pg_date_bin(p))
			/*
			 * Both sides time without time zone: microseconds
			 * from 00:00 to 24:00 (37 bits), the same number as
			 * the timestamp DATE '2000-01-01' + c (PostgreSQL's
			 * timestamp zero), whose date_bin() by 2^32 us from
			 * there gives the high 32 bits (0 to 20), hashed as
			 * the seed of the value's own folded hash, as for
			 * CC_TS: exact, 498 instructions per row against 768
			 * for the epoch as a double (callgrind, 100,000 rows).
			 * No range check: no time is before the origin.
			 */
			buf_addf(q, "time_hash_extended(%s, "
			    "timestamp_hash_extended(date_bin('4294967296 "
			    "microseconds', DATE '2000-01-01' + %s, TIMESTAMP "
			    "'2000-01-01'), %lld))", col, col, seed);
		else if (o->cls == CC_TIME && !t->tz && !o->tz)
			/* before 14: exact too (see above) */
			buf_addf(q, "hashfloat8extended(date_part('epoch', %s), "
			    "%lld)", col, seed);
		else
			buf_addf(q, "hashtextextended(%s::text, %lld)", col,
			    seed);
		break;
	case CC_UUID:
		buf_addf(q, "uuid_hash_extended(%s, %lld)", col, seed);
		break;
	case CC_BYTES:
		/*
		 * bytea's hash is not callable from SQL, but an array's
		 * hash calls its elements' one.
		 */
		if (o->cls == CC_BYTES && o->hex)
			buf_addf(q, "hash_array_extended(ARRAY[%s], %lld)", col,
			    seed);
		else
			buf_addf(q, "hashtextextended(md5(%s), %lld)", col,
			    seed);
		break;
	default:
		if (elab && elab->n)
			pg_enum_hash(d, q, elab, col, seed);
		else if (same_sub(t, o, CS_PG_INTERVAL))
			/* months, days, microseconds: '1 day' <> '24:00' */
			buf_addf(q, "hash_array_extended(ARRAY[interval_send("
			    "%s)], %lld)", col, seed);
		else if (same_sub(t, o, CS_PG_INET) ||
		    same_sub(t, o, CS_PG_CIDR))
			buf_addf(q, "hashinetextended(%s, %lld)", col, seed);
		else if (t->sub >= CS_PG_ARR_INT && t->sub == o->sub)
			/*
			 * The elements in order, then the shape when it is
			 * not the usual [1:n] (array_dims() on every row
			 * would cost most of the gain).  Text elements by
			 * their bytes, as below.
			 */
			buf_addf(q, "hash_array_extended(%s%s, %lld) # CASE WHEN "
			    "array_ndims(%s) = 1 AND array_lower(%s, 1) = 1 "
			    "THEN 0 ELSE hashtextextended(coalesce(array_dims("
			    "%s), ''), %lld) END", col, t->sub == CS_PG_ARR_TEXT ?
			    " COLLATE \"C\"" : "", seed, col, col, col, seed);
		else
			/*
			 * Text as is; json, enums, others as printed.  Hashed
			 * by its bytes (COLLATE "C"): under a nondeterministic
			 * collation hashtext hashes the collation's sort key,
			 * so 'abc' and 'ABC' in a case-insensitive column
			 * summed alike and a changed row was called identical;
			 * the C collation also skips a locale lookup per call
			 * (847 instructions per row against 881, callgrind).
			 */
			buf_addf(q, "hashtextextended(%s%s COLLATE \"C\", %lld)",
			    col, t->cls == CC_TEXT && t->str ? "" : "::text", seed);
		break;
	}
	buf_addf(q, ", %lld)", null);
}

#define HASH_BUCKETS	4096	/* a key that is not one integer */

/*
 * The bucket of a row whose key is not one integer (text, uuid,
 * composite): the key columns' hashes, as in the row hash, modulo
 * HASH_BUCKETS.  Both sides compute the same number for the same key
 * (the hashes are of the canonical value, see pg_col_hash).
 */
static void
pg_key_bucket(struct tplan *p, bool dst, struct buf *q)
{
	buf_adds(q, "((");
	for (size_t i = 0; i < p->nkey; i++) {
		struct buf id = BUF_INIT;
		col_ident(p, dst, i, &id);
		if (i)
			buf_adds(q, " # ");
		pg_col_hash(p, dst, q, dst ? &p->cols[i].dt :
		    &p->cols[i].st, dst ? &p->cols[i].st : &p->cols[i].dt,
		    NULL, id.s, (long long)i + 1);
		buf_release(&id);
	}
	buf_addf(q, ") & %d)", HASH_BUCKETS - 1);
}

/*
 * MariaDB and SQLite: the same from the engine's own hash of the key
 * values.  MariaDB hashes QUOTE()d values by their bytes (a
 * case-insensitive collation cannot put 'a' and 'A' in one bucket by
 * mistake: the merge then compares them by their binary key); SQLite's
 * cutover_rowhash() hashes each value with its storage class.  A key
 * stored differently on the two sides lands in two buckets, both of
 * which then differ: its rows are compared one by one, never missed.
 *
 * Measured on MariaDB, 300,000 rows (int id, varchar(40) unique k, 10
 * changed), server CPU: the integer walk by id 1.25-1.37 s; buckets by
 * the hash of k 1.94 s with CRC32 (2.55-2.75 s with 12 bits of MD5);
 * stream mode 0.62-0.71 s plus 0.22 s in cutover, but all 600,000 rows
 * cross the network, where the sums send 4,096 per side.  Key ranges
 * for such a key would need split points from a walk of the index in
 * byte order, which a collated index does not give.
 */
static void
key_bucket(struct tplan *p, bool dst, struct buf *q)
{
	struct db *d = dst ? p->d : p->s;

	switch (d->drv->engine) {
	case DB_POSTGRES:
		pg_key_bucket(p, dst, q);
		return;
	case DB_MYSQL:
		/* Spread, not strength, is what a bucket needs: CRC32. */
		buf_adds(q, "(CRC32(CONCAT_WS(','");
		for (size_t i = 0; i < p->nkey; i++) {
			buf_adds(q, ", QUOTE(");
			col_ident(p, dst, i, q);
			buf_adds(q, ")");
		}
		buf_addf(q, ")) & %d)", HASH_BUCKETS - 1);
		return;
	case DB_SQLITE:
		buf_adds(q, "(cutover_rowhash(");
		for (size_t i = 0; i < p->nkey; i++) {
			if (i)
				buf_adds(q, ", ");
			col_ident(p, dst, i, q);
		}
		buf_addf(q, ") & %d)", HASH_BUCKETS - 1);
		return;
	}
}

/*
 * PostgreSQL's sums.  The row's value x is the XOR of its column hashes,
 * hashed again; the outer hash is what keeps the sum from being linear.
 * With an integer key k (w >= 0) it is hashint8extended(k, x): that
 * function folds its input to 32 bits (lo ^ hi, so that int4 and int8
 * hash alike) but takes a 64-bit seed through a full mix, so with x as
 * the seed every bit of x counts, and k is XORed into x raw, not hashed
 * (a row whose key and values both changed in a way that keeps x needs
 * two column hashes to differ by a bucket's key distance).  x appears
 * once, so the query needs no subquery to compute it once.  Without an
 * integer key (w < 0) the row has no such value: x is computed in a
 * subquery and hashed as hashint8extended(x, x).
 *
 * Measured with callgrind on a single-user backend (2026-11-30, t_bool,
 * 100,000 rows, instructions per row; deterministic, where CPU time on
 * this shared machine was not): the earlier form, x in a subquery kept
 * apart by OFFSET 0 and the range as k BETWEEN lo AND hi, 2,620; the
 * form here with k IS NOT NULL for the whole table, 2,350.  Of that, the
 * scan is 460, the GROUP BY (the hash aggregate's lookup per row) 1,270
 * whatever the bucket count, count(*) 160.
 *
 * The pass runs in one backend per side (PG_PASS_SET): both sides of a
 * diff already run at once, and each parallel worker costs a process
 * start (~0.08 s of CPU); on a quiet 2-core machine, 1M rows per table,
 * the whole diff took 0.53-0.87x pgcopydb's time in parallel against
 * 0.37-0.62x in one backend per side (BENCHMARKS.md, 2026-11-30 13:00),
 * and a migration's source server is better not handed extra workers by
 * a check.
 */
/*
 * x, the XOR of the row's column hashes; with int_key the key's column
 * goes in raw (see pg_sum_sql).
 */
static void
pg_row_x(struct tplan *p, bool dst, bool int_k, struct buf *q)
{
	for (size_t i = 0; i < p->ncols; i++) {
		struct buf id = BUF_INIT;
		col_ident(p, dst, i, &id);
		if (i)
			buf_adds(q, " # ");
		if (i == 0 && int_k)
			buf_addf(q, "coalesce(%s::int8, %lld)", id.s,
			    pg_seed(0));
		else {
			const struct dcol *c = &p->cols[i];
			bool en = c->elab[0].n && c->elab[1].n &&
			    c->elab[0].n <= PG_ENUM_MAX &&
			    c->elab[1].n <= PG_ENUM_MAX;
			pg_col_hash(p, dst, q, dst ? &c->dt : &c->st,
			    dst ? &c->st : &c->dt, en ? &c->elab[dst] : NULL,
			    id.s, (long long)i + 1);
		}
		buf_release(&id);
	}
}

/* The row's hash with an integer key k: hashint8extended(k, x). */
static void
pg_row_hash(struct tplan *p, bool dst, struct buf *q)
{
	buf_adds(q, "hashint8extended(");
	col_ident(p, dst, 0, q);
	buf_adds(q, "::int8, ");
	pg_row_x(p, dst, true, q);
	buf_adds(q, ")");
}

static void
pg_sum_sql(struct tplan *p, bool dst, const char *pred, int64_t w,
    struct buf *q)
{
	struct db *d = dst ? p->d : p->s;
	struct buf k = BUF_INIT;

	col_ident(p, dst, 0, &k);
	if (w < 0) {
		buf_adds(q, "SELECT b, count(*), sum(hashint8extended(x, x)) "
		    "FROM (SELECT ");
		pg_key_bucket(p, dst, q);
		buf_adds(q, " AS b, ");
		pg_row_x(p, dst, false, q);
		buf_adds(q, " AS x FROM ");
	} else {
		if (w)
			buf_addf(q, "SELECT %s/%lld AS b", k.s, (long long)w);
		else
			buf_adds(q, "SELECT 0 AS b");
		buf_adds(q, ", count(*), sum(");
		pg_row_hash(p, dst, q);
		buf_adds(q, ") FROM ");
	}
	db_quote_tname(d, q, TNAME(p, dst));
	add_where(p, q, pred);
	/* PostgreSQL sorts in C (compare_sums), see PG_PASS_SET. */
	buf_adds(q, w < 0 ? " OFFSET 0) s GROUP BY 1" : " GROUP BY 1");
	buf_release(&k);
}

/*
 * MariaDB's row hash.  The row is printed once, CONCAT_WS(',', ..) of
 * its columns, and hashed by two CRCs of different polynomials, CRC32
 * and CRC32C (MariaDB 10.8+): together 64 bits, which tell apart any two
 * strings that differ in up to 64 bits and others with probability
 * 1 - 2^-64.  A CRC is linear: a swap of equal-length values between
 * two rows changes both rows' CRCs by the same XOR, and pt-table-sync's
 * BIT_XOR of CRC32s cancels it.  The product of the two CRCs is not
 * linear, and the sum is exact (DECIMAL), so such changes do not cancel
 * (in a simulation of 30,000 swaps, one-bit, random and digit changes,
 * no sum came within 2^40 of the old one).  The string is built once and
 * read again from a user variable: MariaDB evaluates the product's
 * operands left to right, which my_crc_probe checks on each connection
 * first (MD5 is kept where it fails, and on MySQL, which has no CRC32C).
 *
 * Each value is printed so that the string tells the row apart from
 * every other: a number, date or time prints as a token without a comma
 * and never empty, so IFNULL(c, '') marks NULL; any other value (text,
 * bytes, JSON, ENUM, SET, BIT, UUID) goes with its length in bytes, or
 * 'N' for NULL.  QUOTE() did the same at a higher price (it copies and
 * escapes every value).  UUID (and INET6, text here) cannot take
 * IFNULL(c, ''): '' is cast to the column's type, which makes it NULL.
 * BIT prints as bytes but classifies as BIGINT UNSIGNED does: both take
 * the length.  The walk's integer key takes no IFNULL: BETWEEN keeps no
 * NULL.  A row longer than max_allowed_packet makes CONCAT_WS NULL: it
 * then adds -1 on the source and -2 on the target, so the chunk differs
 * and is compared value by value.
 *
 * DOUBLE and FLOAT (on both sides) are not printed but go as the
 * double's 8 bytes, in a one-column dynamic column, COLUMN_CREATE(1, c):
 * always 14 bytes (00 0100 0100 02 and the value), and 00 00 00 for NULL
 * (no IFNULL), so the field's length is known from its second byte; a
 * FLOAT is widened to the double exactly, as the CAST did.  It is cast
 * to BINARY: COLUMN_CREATE's result is binary but only coercible, so next
 * to a utf8mb4 column CONCAT_WS converted it to utf8mb4 and every byte
 * that is not valid UTF-8 became '?': 0.1 (9A99999999 99B93F) and 0.2
 * (..C93F) both printed as eight '?', and a table with a text and a
 * DOUBLE column was "identical" with 0.1 changed to 0.2 (found by t0462).
 * BINARY makes the whole string binary: every column goes as its bytes.
 * Printing the
 * shortest round-trip digits (dtoa) was a quarter of t_wide's pass (perf,
 * 24% of the query's samples for its three such columns): 0.93 s per
 * million rows for the three printed, 0.40 s as bytes (3 runs each,
 * load average 4).  The probe checks the 14 and 3 bytes (my_crc 2); a
 * server that differs prints them.  A dynamic column for every column
 * was dearer (5.1-5.6 s against 3.8 s on t_wide: it sorts and packs),
 * and for DECIMAL, dates and times alone 0.1 s per column dearer than
 * printing them; a mantissa and exponent by LOG2 and POW cost what dtoa
 * does.
 *
 * Server CPU for 1M rows, one side (SUM over the whole table, 2026-11-30,
 * load average 13-19, so about 1.4x a quiet machine's figures):
 *
 *                    t_varchar (id, varchar, text)   t_wide (31 columns)
 *   MD5 of QUOTEs    2.60 s                           5.84-7.06 s
 *   CRC pair, string built twice  1.48 s              6.64 s
 *   CRC pair, user variable       1.30-1.48 s         4.17 s
 *   one CRC32C (32 bits only)     1.05-1.13 s         3.99-4.47 s
 *   a bare COUNT(*)  0.31-0.33 s                      0.61-0.85 s
 *
 * t_wide's whole query again (load average 5-10, 3 runs alternated):
 * 5.56-6.18 s with its doubles printed, 4.96-5.00 s as bytes.
 */
static bool
my_plain(const struct canon_type *t)
{
	switch (t->cls) {
	case CC_INT:
	case CC_FLOAT:
	case CC_FLOAT4:
	case CC_BOOL:
	case CC_TS:
	case CC_DATE:
	case CC_TIME:
		return true;
	case CC_DEC:
		return t->width != 9;	/* BIGINT UNSIGNED or BIT */
	default:
		return false;
	}
}

/* DOUBLE or FLOAT: hashed as the double's 8 bytes (my_crc 2). */
static bool
my_raw(const struct canon_type *t)
{
	return t->cls == CC_FLOAT || t->cls == CC_FLOAT4;
}

static void
my_sum_crc(struct tplan *p, bool dst, struct buf *q)
{
	buf_adds(q, ", COUNT(*), SUM(IFNULL(CRC32C(@cutover_h := CONCAT_WS(','");
	for (size_t i = 0; i < p->ncols; i++) {
		const struct canon_type *t = dst ? &p->cols[i].dt :
		    &p->cols[i].st;
		const struct canon_type *o = dst ? &p->cols[i].st :
		    &p->cols[i].dt;
		struct buf id = BUF_INIT;
		col_ident(p, dst, i, &id);
		/* The same form on both sides, or equal values would differ. */
		if (p->my_crc > 1 && my_raw(t) && my_raw(o))
			buf_addf(q, ", CAST(COLUMN_CREATE(1, %s) AS BINARY)",
			    id.s);
		else if (i == 0 && int_key(p))
			/* The walk's key: BETWEEN keeps no NULL. */
			buf_addf(q, ", %s", id.s);
		else if (my_plain(t) && my_plain(o))
			buf_addf(q, t->cls == CC_FLOAT4 ?
			    ", IFNULL(CAST(%s AS DOUBLE), '')" :
			    ", IFNULL(%s, '')", id.s);
		else
			buf_addf(q, ", IFNULL(LENGTH(%s), 'N'), %s", id.s, id.s);
		buf_release(&id);
	}
	buf_addf(q, ")) * CRC32(@cutover_h), %d))", dst ? -2 : -1);
}

/*
 * Which of my_sum_crc's hashes this connection can run: 0 none; 1 the
 * CRC pair (CRC32C exists, MariaDB 10.8+, and the user variable is set
 * before it is read, row by row); 2 also a double as its bytes, in the
 * 14-byte dynamic column (3 bytes for NULL) the framing relies on.
 */
static int
my_crc_probe(struct db *d)
{
	char *v = NULL, *w = NULL;
	int level = 0;

	if (db_scalar(d, "SELECT SUM(CRC32C(@cutover_h := x) * "
	    "CRC32(@cutover_h)) = SUM(CRC32C(x) * CRC32(x)) FROM (SELECT "
	    "'a' AS x UNION ALL SELECT 'bc') t", &v, NULL) == 0 && v &&
	    strcmp(v, "1") == 0)
		level = db_scalar(d, "SELECT LENGTH(COLUMN_CREATE(1, 0.5e0)) = "
		    "14 AND COLUMN_CREATE(1, NULL) = X'000000'", &w, NULL) == 0 &&
		    w && strcmp(w, "1") == 0 ? 2 : 1;
	free(v);
	free(w);
	return level;
}

/* Choose MariaDB's row hash once per table: the best both can run. */
static void
my_choose(struct tplan *p)
{
	if (p->my_crc != 0 || p->s->drv->engine != DB_MYSQL)
		return;
	int a = my_crc_probe(p->s), b = my_crc_probe(p->d);
	p->my_crc = (signed char)(a < b ? a : b);
	if (p->my_crc == 0)
		p->my_crc = -1;
}

/* count and sum of the rows of pred, per bucket of width w (0: one). */
static void
sum_sql(struct tplan *p, bool dst, const char *pred, int64_t w, struct buf *q)
{
	struct db *d = dst ? p->d : p->s;
	struct buf k = BUF_INIT;

	if (d->drv->engine == DB_POSTGRES) {
		pg_sum_sql(p, dst, pred, w, q);
		return;
	}
	col_ident(p, dst, 0, &k);
	if (w < 0) {
		buf_adds(q, "SELECT ");
		key_bucket(p, dst, q);
	} else
		bucket_expr(q, k.s, d->drv->int_div, w);
	switch (d->drv->engine) {
	case DB_POSTGRES:
		break;
	case DB_MYSQL:
		if (p->my_crc > 0) {
			my_sum_crc(p, dst, q);
			break;
		}
		/* As my_sum_crc's, -1 and -2: a row too long to print. */
		buf_adds(q, ", COUNT(*), SUM(IFNULL(CAST(CONV(LEFT(MD5(CONCAT_WS("
		    "','");
		for (size_t i = 0; i < p->ncols; i++) {
			const struct canon_type *t = dst ? &p->cols[i].dt :
			    &p->cols[i].st;
			buf_adds(q, ", QUOTE(");
			if (t->cls == CC_FLOAT4)
				buf_adds(q, "CAST(");
			col_ident(p, dst, i, q);
			if (t->cls == CC_FLOAT4)
				buf_adds(q, " AS DOUBLE)");
			buf_adds(q, ")");
		}
		buf_addf(q, ")), 16), 16, 10) AS UNSIGNED), %d))", dst ? -2 : -1);
		break;
	case DB_SQLITE:
		buf_adds(q, ", count(*), cutover_sum(cutover_rowhash(");
		for (size_t i = 0; i < p->ncols; i++) {
			if (i)
				buf_adds(q, ", ");
			col_ident(p, dst, i, q);
		}
		buf_adds(q, "))");
		break;
	}
	buf_adds(q, " FROM ");
	db_quote_tname(d, q, TNAME(p, dst));
	add_where(p, q, pred);
	/*
	 * PostgreSQL sorts in C (compare_sums): ORDER BY would make it
	 * sort every row before grouping, see PG_PASS_SET.
	 */
	if (w)
		buf_adds(q, d->drv->sum_onepass ? " GROUP BY 1" :
		    " GROUP BY 1 ORDER BY 1");
	buf_release(&k);
}

/*
 * MIN or MAX of the key on one side (above `after` when set).  Without
 * --where: the index answers at once, and a range that covers more keys
 * than the predicate keeps is still a cover.
 */
static int
key_probe(struct tplan *p, bool dst, const char *fn, const i128 *after,
    bool *null, int64_t *v, char **errp)
{
	struct db *d = dst ? p->d : p->s;
	struct buf q = BUF_INIT, k = BUF_INIT;
	char *s = NULL;

	col_ident(p, dst, 0, &k);
	buf_addf(&q, "SELECT %s(%s) FROM ", fn, k.s);
	db_quote_tname(d, &q, TNAME(p, dst));
	if (after)
		buf_addf(&q, " WHERE %s > %lld", k.s, (long long)*after);
	add_probe(p, dst, &q, after ? " AND " : " WHERE ");
	int rc = db_scalar(d, q.s, &s, errp);
	*null = s == NULL;
	*v = s ? strtoll(s, NULL, 10) : 0;
	free(s);
	buf_release(&q);
	buf_release(&k);
	return rc;
}

/* One side's smallest and largest key (diff_both). */
struct span_job {
	struct tplan	*p;
	bool		 none[2];
	int64_t		 min[2], max[2];
};

struct span_one {
	bool	 none;
	int64_t	 max, min;
};

static int
span_row(const struct db_row *row, void *arg)
{
	struct span_one *o = arg;

	o->none = row->ncols < 2 || row->vals[0] == NULL ||
	    row->vals[1] == NULL;
	if (!o->none) {
		o->max = strtoll(row->vals[0], NULL, 10);
		o->min = strtoll(row->vals[1], NULL, 10);
	}
	return 1;
}

/*
 * MAX and MIN of the key, each answered from the index at once.
 * PostgreSQL (one InitPlan each) and MariaDB ("Select tables optimized
 * away") take both in one query, a round trip less per side; SQLite
 * reads a lone MIN or MAX from the index but scans the table for both in
 * one query, so it keeps two.
 */
static int
span_side(void *arg, int side, char **errp)
{
	struct span_job *j = arg;
	struct tplan *p = j->p;
	struct db *d = side ? p->d : p->s;
	bool n;

	if (d->drv->engine != DB_SQLITE) {
		struct buf q = BUF_INIT, k = BUF_INIT;
		struct span_one o = { true, 0, 0 };
		col_ident(p, side, 0, &k);
		buf_addf(&q, "SELECT MAX(%s), MIN(%s) FROM ", k.s, k.s);
		db_quote_tname(d, &q, TNAME(p, side));
		add_probe(p, side, &q, " WHERE ");
		int rc = db_query(d, q.s, span_row, &o, errp);
		buf_release(&q);
		buf_release(&k);
		j->none[side] = o.none;
		j->max[side] = o.max;
		j->min[side] = o.min;
		return rc;
	}
	if (key_probe(p, side, "MAX", NULL, &j->none[side], &j->max[side],
	    errp) != 0)
		return -1;
	if (j->none[side])
		return 0;
	return key_probe(p, side, "MIN", NULL, &n, &j->min[side], errp);
}

int
sum_key_span(struct tplan *p, int64_t *lo, int64_t *hi, bool *empty,
    char **errp)
{
	struct span_job j = { .p = p };

	if (diff_both(span_side, &j, errp) != 0)
		return -1;
	bool n1 = j.none[0], n2 = j.none[1];
	*empty = n1 && n2;
	*hi = n1 ? j.max[1] : n2 ? j.max[0] :
	    (j.max[0] > j.max[1] ? j.max[0] : j.max[1]);
	*lo = n1 ? j.min[1] : n2 ? j.min[0] :
	    (j.min[0] < j.min[1] ? j.min[0] : j.min[1]);
	return 0;
}

/* The keys of bucket b (width w, truncating division), within [lo, hi]. */
static void
bucket_range(int64_t b, int64_t w, i128 lo, i128 hi, i128 *blo, i128 *bhi)
{
	i128 x = (i128)b * w;

	if (w == 0)
		*blo = lo, *bhi = hi;
	else if (b > 0)
		*blo = x, *bhi = x + w - 1;
	else if (b < 0)
		*blo = x - w + 1, *bhi = x;
	else
		*blo = -(i128)(w - 1), *bhi = w - 1;
	if (*blo < lo)
		*blo = lo;
	if (*bhi > hi)
		*bhi = hi;
}

/*
 * The chunk query runs hundreds of times per table: prepared once per
 * side, PostgreSQL plans it once instead of every time (planning costs
 * about a third of a 5000-row chunk).  SQLite prepares cheaply anyway.
 */
static bool
can_prepare(const struct db *d)
{
	return d->drv->prepare != NULL;
}

static void
exec_sql(struct tplan *p, bool dst, const char *lo, const char *hi,
    struct buf *q)
{
	(dst ? p->d : p->s)->drv->execute(q, p->prepared, lo, hi);
}

static int
prepare(struct tplan *p, char **errp)
{
	static unsigned long long seq;
	char *name = xasprintf("cutover_chunk_%llu",
	    __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));

	for (int side = 0; side < 2; side++) {
		struct db *d = side ? p->d : p->s;
		struct buf q = BUF_INIT, body = BUF_INIT, pred = BUF_INIT;
		between(p, side, d->drv->param[0], d->drv->param[1], &pred);
		sum_sql(p, side, pred.s, 0, &body);
		buf_release(&pred);
		d->drv->prepare(d, &q, name, body.s);
		int rc = db_exec(d, q.s, errp);
		buf_release(&q);
		buf_release(&body);
		if (rc != 0) {
			if (side)
				unprepare_one(p->s, name);
			free(name);
			return -1;
		}
	}
	p->prepared = name;
	return 0;
}

struct range {
	i128		 lo, hi;
	long long	 rows;		/* the larger side's count */
};

struct ranges {
	struct range	*v;
	size_t		 n, cap;
};

/*
 * "(k BETWEEN a AND b OR ...)" over ranges, for one side.  PostgreSQL
 * tests such an OR on every row of a scan when it expects many rows: a
 * table never analysed (a target just loaded) is expected to match
 * 0.5% per range, and 256 ranges of 16 keys in a 1M-row table took 5.7
 * s (a parallel sequential scan) where the index gives them in 72 ms;
 * there the plan turns from bitmap scans to the sequential scan between
 * 160 and 192 ranges.  So on a plain table, more than RANGES_OR ranges
 * are the rows whose ctid one index range scan per range finds (an
 * InitPlan, then a TID scan): 70-136 ms on the same table analysed,
 * where the OR takes 51-119 ms.  A ctid is per relation: not for a
 * partitioned or inherited table.
 */
#define RANGES_OR	32

static void
ranges_pred(struct tplan *p, bool dst, const struct range *r, size_t n,
    struct buf *q)
{
	char l[32], h[32];

	if (n > RANGES_OR && p->heap[dst]) {
		struct buf lo = BUF_INIT, hi = BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			buf_addf(&lo, "%s%lld", i ? "," : "", (long long)r[i].lo);
			buf_addf(&hi, "%s%lld", i ? "," : "", (long long)r[i].hi);
		}
		buf_addf(q, "ctid = ANY(ARRAY(SELECT cutover_x.ctid FROM "
		    "unnest('{%s}'::int8[], '{%s}'::int8[]) AS cutover_r(lo, hi) "
		    "CROSS JOIN LATERAL (SELECT ctid FROM ", lo.s, hi.s);
		db_quote_tname(dst ? p->d : p->s, q, TNAME(p, dst));
		buf_adds(q, " WHERE ");
		between(p, dst, "cutover_r.lo", "cutover_r.hi", q);
		buf_adds(q, ") AS cutover_x))");
		buf_release(&lo);
		buf_release(&hi);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(l, sizeof(l), "%lld", (long long)r[i].lo);
		snprintf(h, sizeof(h), "%lld", (long long)r[i].hi);
		if (i)
			buf_adds(q, " OR ");
		between(p, dst, l, h, q);
	}
}

/* What compare_sums saw: rows per side and buckets compared. */
struct sumtot {
	long long	 rows[2];
	long long	 buckets;
};

/*
 * The buckets (of width w over [lo, hi]) whose count or sum differs
 * between the two sides' lists, appended to bad as key ranges; the
 * totals added to tot when it is set.
 */
static void
merge_buckets(struct sumq *qs, struct sumq *qd, int64_t w, i128 lo, i128 hi,
    struct ranges *bad, struct sumtot *tot)
{
	/* An empty side has no array: qsort's pointer must not be NULL. */
	if (qs->n)
		qsort(qs->v, qs->n, sizeof(*qs->v), bucket_cmp);
	if (qd->n)
		qsort(qd->v, qd->n, sizeof(*qd->v), bucket_cmp);
	size_t i = 0, j = 0;
	while (i < qs->n || j < qd->n) {
		int c = i >= qs->n ? 1 : j >= qd->n ? -1 :
		    qs->v[i].b < qd->v[j].b ? -1 : qs->v[i].b > qd->v[j].b;
		long long cs = c <= 0 ? qs->v[i].count : 0;
		long long cd = c >= 0 ? qd->v[j].count : 0;
		if (c != 0 || cs != cd ||
		    strcmp(qs->v[i].sum, qd->v[j].sum) != 0) {
			struct range b = { .rows = cs > cd ? cs : cd };
			bucket_range(c <= 0 ? qs->v[i].b : qd->v[j].b, w, lo, hi,
			    &b.lo, &b.hi);
			ARR_PUSH(bad->v, bad->n, bad->cap, b);
		}
		if (tot) {
			tot->rows[0] += cs;
			tot->rows[1] += cd;
			tot->buckets++;
		}
		i += c <= 0;
		j += c >= 0;
	}
}

/*
 * Both sides' sums of the rows in ranges r[0..n) per bucket of width w,
 * at once; the buckets that differ (clamped to the ranges' span) are
 * appended to bad, and the totals added to tot when it is set.  keep,
 * when set, receives each side's TID pass leftovers (see tid_narrow).
 */
static int
compare_sums(struct tplan *p, const struct range *r, size_t n, int64_t w,
    bool whole, bool tid, struct ranges *bad, struct sumtot *tot,
    struct tid_job **keep, char **errp)
{
	struct sumq qs = { 0 }, qd = { 0 };
	struct buf ss = BUF_INIT, sd = BUF_INIT, ps = BUF_INIT, pd = BUF_INIT;
	int rc = -1;
	i128 lo = r[0].lo, hi = r[n - 1].hi;

	/*
	 * The whole table: [lo, hi] is both sides' key span, so the range
	 * would only drop NULL keys, whose bucket bucket_row drops instead.
	 * Any filter costs per row (instructions per row, callgrind, t_bool:
	 * the range 260, k IS NOT NULL 180, of 2,350).
	 */
	bool all = whole && !p->part[0] && !p->part[1];
	if (!all) {
		ranges_pred(p, false, r, n, &ps);
		ranges_pred(p, true, r, n, &pd);
	}
	if (whole && p->s->drv->sum_onepass) {	/* see PG_PASS_SET */
		buf_adds(&ss, PG_PASS_SET);
		buf_adds(&sd, PG_PASS_SET);
	}
	sum_sql(p, false, all ? NULL : ps.s, w, &ss);
	sum_sql(p, true, all ? NULL : pd.s, w, &sd);
	qs.d = p->s, qs.sql = ss.s;
	qd.d = p->d, qd.sql = sd.s;
	qs.skip_null = qd.skip_null = all;
	if (all && tid) {	/* pg_tid_sums, the GROUP BY its fallback */
		qs.tid = qd.tid = true;
		qs.p = qd.p = p;
		qs.w = qd.w = w;
		qs.lo = qd.lo = lo;
		qs.hi = qd.hi = hi;
		qd.dst = true;
	}
	sumq_both(&qs, &qd);
	if (qs.rc != 0 || qd.rc != 0) {
		seterr(errp, "%s", qs.rc ? qs.err : qd.err);
		free(p->reached);
		p->reached = xasprintf("%s=%lld", p->cols[0].name, (long long)lo);
		goto out;
	}
	merge_buckets(&qs, &qd, w, lo, hi, bad, tot);
	if (keep) {
		keep[0] = qs.keep, qs.keep = NULL;
		keep[1] = qd.keep, qd.keep = NULL;
	}
	rc = 0;
out:
	sumq_release(&qs);
	sumq_release(&qd);
	buf_release(&ss);
	buf_release(&sd);
	buf_release(&ps);
	buf_release(&pd);
	return rc;
}

/* Row by row, the rows of ranges r[0..n), in one stream per side. */
static int
stream_ranges(struct tplan *p, const struct range *r, size_t n, char **errp)
{
	struct buf ps = BUF_INIT, pd = BUF_INIT;
	long long sr = p->t->src_rows, dr = p->t->dst_rows;

	ranges_pred(p, false, r, n, &ps);
	ranges_pred(p, true, r, n, &pd);
	int rc = merge_range(p, ps.s, pd.s, errp);
	/* The sums already counted these rows. */
	p->t->src_rows = sr;
	p->t->dst_rows = dr;
	buf_release(&ps);
	buf_release(&pd);
	return rc;
}

#define BATCH	256	/* ranges per query: keeps the SQL text short */

/*
 * Narrow the suspect ranges (ordered, disjoint) down to the rows that
 * differ: all of them at once, one bucket query per level on each side,
 * until the differing buckets are small; then one stream for those.
 */
static int
resolve_batch(struct tplan *p, struct range *r, size_t n, char **errp)
{
	struct ranges cur = { 0 }, next = { 0 };
	int rc = -1;

	for (size_t i = 0; i < n; i++)
		ARR_PUSH(cur.v, cur.n, cur.cap, r[i]);
	for (int depth = 0; cur.n > 0 && depth < 6; depth++) {
		long long rows = 0;
		i128 minlen = -1;
		for (size_t i = 0; i < cur.n; i++) {
			rows += cur.v[i].rows;
			i128 len = cur.v[i].hi - cur.v[i].lo + 1;
			if (minlen < 0 || len < minlen)
				minlen = len;
		}
		if (rows <= SMALL * (long long)cur.n || minlen <= BUCKETS)
			break;
		int64_t w = (int64_t)((minlen + BUCKETS - 1) / BUCKETS);
		next.n = 0;
		if (compare_sums(p, cur.v, cur.n, w, false, false, &next, NULL,
		    NULL, errp) != 0)
			goto out;
		/* Buckets of neighbouring ranges may overlap: merge them. */
		cur.n = 0;
		for (size_t i = 0; i < next.n; i++) {
			struct range *last = cur.n ? &cur.v[cur.n - 1] : NULL;
			if (last && next.v[i].lo <= last->hi + 1) {
				if (next.v[i].hi > last->hi)
					last->hi = next.v[i].hi;
				last->rows += next.v[i].rows;
			} else
				ARR_PUSH(cur.v, cur.n, cur.cap, next.v[i]);
		}
	}
	rc = cur.n ? stream_ranges(p, cur.v, cur.n, errp) : 0;
out:
	free(cur.v);
	free(next.v);
	return rc;
}

static int
resolve_all(struct tplan *p, struct ranges *pend, char **errp)
{
	for (size_t i = 0; i < pend->n; i += BATCH) {
		size_t n = pend->n - i < BATCH ? pend->n - i : BATCH;
		if (resolve_batch(p, pend->v + i, n, errp) != 0)
			return -1;
	}
	pend->n = 0;
	return 0;
}

/*
 * The chunk walk.  Each side runs its chunk queries back to back in its
 * own thread, so neither waits for the other between chunks: the source
 * side decides the chunk boundaries (sized to its own timing) and the
 * target side follows the same list; the caller compares results as both
 * arrive.  After an empty chunk the source probes its next key and the
 * following chunk stretches to it, so the ranges stay contiguous and a
 * key present only on the target is never skipped.
 */
struct chunk {
	i128		 lo, hi;
	long long	 n[2];
	char		*sum[2];
	bool		 done[2];
};

struct walk {
	struct tplan	*p;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct chunk	*v;
	size_t		 n, cap;
	bool		 listed;	/* the source listed its last chunk */
	bool		 stop;		/* the caller needs no more */
	int		 rc[2];
	char		*err[2];
	i128		 first, hi, cap_span;
};

/* One side's count and sum of [lo, hi]. */
static int
side_sum(struct tplan *p, int side, i128 lo, i128 hi, long long *n,
    char **sum, char **errp)
{
	struct sumq q = { .d = side ? p->d : p->s };
	struct buf b = BUF_INIT;
	char l[32], h[32];

	snprintf(l, sizeof(l), "%lld", (long long)lo);
	snprintf(h, sizeof(h), "%lld", (long long)hi);
	if (p->prepared)
		exec_sql(p, side, l, h, &b);
	else {
		struct buf pred = BUF_INIT;
		between(p, side, l, h, &pred);
		sum_sql(p, side, pred.s, 0, &b);
		buf_release(&pred);
	}
	q.sql = b.s;
	sumq_run(&q);
	int rc = q.rc;
	if (rc != 0)
		seterr(errp, "%s", q.err);
	*n = q.n ? q.v[0].count : 0;
	*sum = xstrdup(q.n ? q.v[0].sum : "NULL");
	sumq_release(&q);
	buf_release(&b);
	return rc;
}

static void
walk_fail(struct walk *w, int side, char *err)
{
	pthread_mutex_lock(&w->mu);
	w->rc[side] = -1;
	w->err[side] = err;
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void
walk_store(struct walk *w, int side, size_t i, long long n, char *sum)
{
	pthread_mutex_lock(&w->mu);
	w->v[i].n[side] = n;
	w->v[i].sum[side] = sum;
	w->v[i].done[side] = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void *
walk_source(void *arg)
{
	struct walk *w = arg;
	struct tplan *p = w->p;
	i128 lo = w->first, span = CHUNK_FIRST < w->cap_span ? CHUNK_FIRST :
	    w->cap_span;
	char *e = NULL;

	while (lo <= w->hi) {
		i128 chi = lo + span - 1;
		if (chi > w->hi || chi < lo)
			chi = w->hi;
		pthread_mutex_lock(&w->mu);
		bool stop = w->stop;
		size_t i = w->n;
		if (!stop) {
			struct chunk c = { .lo = lo, .hi = chi };
			ARR_PUSH(w->v, w->n, w->cap, c);
			pthread_cond_broadcast(&w->cv);
		}
		pthread_mutex_unlock(&w->mu);
		if (stop)
			break;
		long long n;
		char *sum;
		int64_t t0 = now_mono_us();
		if (side_sum(p, 0, lo, chi, &n, &sum, &e) != 0) {
			free(sum);
			walk_fail(w, 0, e);
			return NULL;
		}
		int64_t el = now_mono_us() - t0;
		walk_store(w, 0, i, n, sum);
		if (chi >= w->hi)
			break;
		lo = chi + 1;
		if (n == 0) {
			/* Empty here: let the next chunk reach our next key. */
			bool none;
			int64_t next;
			if (key_probe(p, false, "MIN", &chi, &none, &next,
			    &e) != 0) {
				walk_fail(w, 0, e);
				return NULL;
			}
			span = none ? w->hi - lo + 1 : next - lo + 1 +
			    (span < w->cap_span ? span : w->cap_span);
			continue;
		}
		double f = el > 0 ? (double)CHUNK_TARGET_US / (double)el : 4;
		span = (i128)((double)span * (f > 4 ? 4 : f < 0.25 ? 0.25 : f));
		if (span > w->cap_span)
			span = w->cap_span;
		if (span < BUCKETS)
			span = BUCKETS;
	}
	pthread_mutex_lock(&w->mu);
	w->listed = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void *
walk_target(void *arg)
{
	struct walk *w = arg;
	char *e = NULL;

	for (size_t i = 0;; i++) {
		pthread_mutex_lock(&w->mu);
		while (i >= w->n && !w->listed && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		bool go = i < w->n && !w->stop;
		i128 lo = go ? w->v[i].lo : 0, hi = go ? w->v[i].hi : 0;
		pthread_mutex_unlock(&w->mu);
		if (!go)
			break;
		long long n;
		char *sum;
		if (side_sum(w->p, 1, lo, hi, &n, &sum, &e) != 0) {
			free(sum);
			walk_fail(w, 1, e);
			break;
		}
		walk_store(w, 1, i, n, sum);
	}
	return NULL;
}

/*
 * PostgreSQL plans GROUP BY key / width for as many groups as there are
 * keys (it has no statistics on the expression), so it would sort the
 * whole table (spilling 100 MB per million rows to disk) and JIT-compile
 * the query; there are at most ONEPASS_BUCKETS + 1 groups, which a hash
 * aggregate holds in about 1.5 MB, under the default work_mem.  No
 * parallel workers either (see pg_sum_sql).  The settings go in the
 * pass's own query string (PQexec returns the last statement's rows),
 * which saves a round trip per side before the pass, and are put back
 * after it on both sides at once: the streams that follow are planned
 * as usual.
 */
static int
reset_side(void *arg, int side, char **errp)
{
	struct tplan *p = arg;

	return db_exec(side ? p->d : p->s, "RESET jit; RESET enable_sort; "
	    "RESET max_parallel_workers_per_gather; RESET enable_tidscan",
	    errp);
}

static int
pg_reset(struct tplan *p, char **errp)
{
	return diff_both(reset_side, p, errp);
}

/*
 * PostgreSQL 14 and later: the whole-table pass without the hash
 * aggregate.  The GROUP BY above costs as much as everything else in a
 * row's sum (callgrind, single-user backend, instructions per row,
 * 100,000 rows: t_bool 1,986 grouped, 1,038 as one plain sum; t_time
 * 2,457 and 1,544; t_json 6,420 and 5,496; pgcopydb's query 3,915,
 * 4,503 and 10,784).  A table is mostly stored in key order, so each
 * bucket's rows mostly lie in one stretch of the heap: the first row of
 * each bucket is looked up in the key's index (its ctid), and each
 * stretch between two such rows is summed as a plain aggregate over a
 * TID range scan, one LATERAL subquery per bucket, all in one query.
 *
 * The stretches cover the heap exactly once whatever the order of the
 * rows (their starts are made non-decreasing, see tid_stretches), so
 * order only decides speed, never the answer: a row in a stretch whose
 * key is not in the stretch's bucket (a row an UPDATE moved) is a stray,
 * listed with its key and hash, and moved here from the stretch's sum to
 * its own bucket's; a stretch with more strays than TID_STRAYS_MAX holds
 * is summed again per bucket (GROUP BY over its TID range).  The buckets
 * are then exactly those of GROUP BY key / w, count and sum, so each side
 * may use the GROUP BY instead: an old server, a partitioned or inherited
 * table (ctids are per relation), or rows mostly not in key order.
 *
 * Measured (callgrind, as above): t_bool, 100,000 rows in 409 buckets,
 * 1,468 instructions per row and 211 more for the index probes (9,500
 * each as `k = ANY(..)`, 50,000 as `k >= x ORDER BY k LIMIT 1`, kept for
 * first keys that are not there); in 25 buckets of 4,000 rows, 1,275, of
 * which the stray filter is 150.  A stretch costs ~50,000 (the LATERAL
 * subquery's rescan, its row out), so buckets must be big: TID_BUCKETS
 * over at least TID_KEYS_MIN keys each, and a differing bucket of ~1,000
 * rows per million is split once more by resolve_batch.  1M rows, 1,024
 * buckets: t_bool 1,321 per row against 1,950 grouped; the whole diff's
 * server CPU 35-58 ticks against 55-76 (4 runs each, alternated).
 */
#define TID_BUCKETS	1024		/* over the key range */
#define TID_KEYS_MIN	256		/* keys per bucket, at least */
#define TID_STRAYS_MAX	4096		/* bytes of a stretch's strays */
#define TID_END		((uint64_t)0xffffffff << 16)	/* past any ctid */

/* Both servers read TID ranges (and a key range big enough to split). */
static bool
pg_tid_ok(struct tplan *p, i128 lo, i128 hi)
{
	long a = 0, b = 0, min = p->s->drv->sum_tid_version;

	return min && !p->part[0] && !p->part[1] &&
	    (hi - lo) / TID_BUCKETS >= TID_KEYS_MIN &&
	    p->s->drv->version(p->s, &a, NULL) == 0 && a >= min &&
	    p->d->drv->version(p->d, &b, NULL) == 0 && b >= min;
}

/* A ctid "(block,offset)" as a number that orders as the ctid does. */
static bool
tid_parse(const char *s, uint64_t *v)
{
	char *e;

	if (s == NULL || *s != '(' || s[1] < '0' || s[1] > '9')
		return false;
	unsigned long long blk = strtoull(s + 1, &e, 10);
	if (*e != ',' || blk > 0xffffffffULL || e[1] < '0' || e[1] > '9')
		return false;
	unsigned long long off = strtoull(e + 1, &e, 10);
	if (*e != ')' || e[1] != '\0' || off > 0xffff)
		return false;
	*v = (uint64_t)blk << 16 | off;
	return true;
}

static void
tid_add(struct buf *q, uint64_t v)
{
	buf_addf(q, "\"(%llu,%llu)\"", (unsigned long long)(v >> 16),
	    (unsigned long long)(v & 0xffff));
}

/* A sum as PostgreSQL prints a numeric integer: digits, maybe a '-'. */
static bool
i128_parse(const char *s, i128 *out)
{
	bool neg = *s == '-';
	i128 v = 0;
	int n = 0;

	s += neg;
	for (; *s >= '0' && *s <= '9' && n < 38; s++, n++)
		v = v * 10 + (*s - '0');
	*out = neg ? -v : v;
	return n > 0 && *s == '\0';
}

static char *
i128_str(i128 v)
{
	char b[48], *e = b + sizeof(b) - 1;
	unsigned __int128 u = v < 0 ? -(unsigned __int128)v :
	    (unsigned __int128)v;

	*e = '\0';
	do
		*--e = (char)('0' + (int)(u % 10));
	while ((u /= 10) != 0);
	if (v < 0)
		*--e = '-';
	return xstrdup(e);
}

/* One bucket's start: its first key and that row's ctid. */
struct tid_start {
	i128		 lo, hi;	/* the bucket's keys */
	uint64_t	 c;
	bool		 found;		/* c is set */
	bool		 redo;		/* its stretch is grouped instead */
};

/* A change to a bucket's count and sum (the stretches and strays). */
struct tid_ent {
	int64_t		 b;		/* first, as in struct bucket */
	long long	 n;
	i128		 s;
};

/* A row outside its stretch's bucket: its key and row hash. */
struct tid_stray {
	int64_t		 k;
	long long	 h;
};

struct tid_job {
	struct sumq	*q;
	struct tid_start *st;
	size_t		 nb;
	int64_t		 b0, w;
	struct tid_ent	*e;
	size_t		 ne, cap;
	struct tid_stray *sv;		/* every stray listed, in no order */
	size_t		 sn, scap;
	size_t		 nredo;		/* stretches with redo set */
	bool		 bad;		/* a reply not understood, or too many strays */
};

static void
tid_job_free(struct tid_job *j)
{
	if (j == NULL)
		return;
	free(j->st);
	free(j->e);
	free(j->sv);
	free(j);
}

/* The bucket index of key k, or nb when it has none here. */
static size_t
tid_index(const struct tid_job *j, int64_t k)
{
	int64_t b = k / j->q->w - j->b0;

	return b >= 0 && (size_t)b < j->nb ? (size_t)b : j->nb;
}

static int
tid_probe_row(const struct db_row *row, void *arg)
{
	struct tid_job *j = arg;
	uint64_t c;

	if (row->ncols < 2 || row->vals[0] == NULL) {
		j->bad = true;
		return 0;
	}
	size_t i = tid_index(j, strtoll(row->vals[0], NULL, 10));
	if (i == j->nb || i == 0)
		j->bad = true;
	else if (row->vals[1] == NULL)
		;	/* no key in the bucket: its stretch is empty */
	else if (tid_parse(row->vals[1], &c))
		j->st[i].c = c, j->st[i].found = true;
	else
		j->bad = true;
	return 0;
}

static void
tid_ent_add(struct tid_job *j, int64_t b, long long n, i128 s)
{
	struct tid_ent e = { b, n, s };

	ARR_PUSH(j->e, j->ne, j->cap, e);
}

/* A stretch's rows per bucket (GROUP BY): b, count, sum. */
static int
tid_group_row(const struct db_row *row, void *arg)
{
	struct tid_job *j = arg;
	i128 s = 0;

	if (row->ncols < 3 || row->vals[1] == NULL || (row->vals[2] &&
	    !i128_parse(row->vals[2], &s))) {
		j->bad = true;
		return 1;
	}
	if (row->vals[0])	/* a NULL key's bucket: dropped, as GROUP BY */
		tid_ent_add(j, strtoll(row->vals[0], NULL, 10),
		    strtoll(row->vals[1], NULL, 10), s);
	return 0;
}

/* b, count, sum, strays ("k h k h .." or N for a NULL key), truncated. */
static int
tid_sum_row(const struct db_row *row, void *arg)
{
	struct tid_job *j = arg;
	i128 s = 0;

	if (row->ncols < 5 || row->vals[0] == NULL || row->vals[1] == NULL ||
	    row->vals[4] == NULL || (row->vals[2] &&
	    !i128_parse(row->vals[2], &s))) {
		j->bad = true;
		return 1;
	}
	int64_t b = strtoll(row->vals[0], NULL, 10);
	if (row->vals[4][0] == 't') {	/* too many strays: regroup it */
		size_t i = (size_t)(b - j->b0);
		if (b < j->b0 || i >= j->nb) {
			j->bad = true;
			return 1;
		}
		j->st[i].redo = true;
		j->nredo++;
		return 0;
	}
	tid_ent_add(j, b, strtoll(row->vals[1], NULL, 10), s);
	for (const char *t = row->vals[3]; t && *t; ) {
		char *e;
		if (*t == 'N') {
			tid_ent_add(j, b, -1, 0);	/* a NULL key: dropped */
			t += t[1] == ' ' ? 2 : 1;
			continue;
		}
		long long k = strtoll(t, &e, 10);
		i128 h;
		char num[32];
		const char *hs = e + (*e == ' ');
		size_t len = strcspn(hs, " ");
		if (e == t || *e != ' ' || len == 0 || len >= sizeof(num)) {
			j->bad = true;
			return 1;
		}
		memcpy(num, hs, len);
		num[len] = '\0';
		/* a row hash is an int8 */
		if (!i128_parse(num, &h) || h < INT64_MIN || h > INT64_MAX) {
			j->bad = true;
			return 1;
		}
		struct tid_stray sy = { k, (long long)h };
		ARR_PUSH(j->sv, j->sn, j->scap, sy);
		tid_ent_add(j, b, -1, -h);
		tid_ent_add(j, k / j->q->w, 1, h);
		t = hs + len + (hs[len] == ' ');
	}
	return 0;
}

/* Bucket i's stretch [*from, *to): false when it holds no row. */
static bool
tid_stretch(const struct tid_job *j, size_t i, uint64_t *from, uint64_t *to)
{
	*from = j->st[i].c;
	*to = i + 1 < j->nb ? j->st[i + 1].c : TID_END;
	return *from < *to;
}

/*
 * " CROSS JOIN LATERAL (..) AS cutover_g": per row of cutover_c, the rows
 * of its TID range [c0, c1) that match filter (NULL: all) and --where,
 * as b (k / w), count n and sum s of their hashes h.  Grouped inside the
 * subquery, which PostgreSQL then keeps whole, with a TID range scan: as
 * a plain join (flattened) it read the stretches through the key's index
 * or the whole table (1.3 s against 0.11-0.17 s, 1M rows).
 */
static void
tid_grouped(struct tplan *p, struct buf *q, const char *k, int64_t w,
    const char *h, const char *nm, const char *filter)
{
	buf_addf(q, " CROSS JOIN LATERAL (SELECT %s / %lld AS b, count(*) AS "
	    "n, sum(%s) AS s FROM %s WHERE ctid >= cutover_c.c0 AND ctid < "
	    "cutover_c.c1", k, (long long)w, h, nm);
	if (filter)
		buf_addf(q, " AND %s", filter);
	if (p->o->where)
		buf_addf(q, " AND (%s)", p->o->where);
	buf_adds(q, " GROUP BY 1) AS cutover_g");
}

/* The buckets and their stretches' ctids: the table cutover_c(b, c0, c1). */
static void
tid_arrays(struct tid_job *j, bool redo, struct buf *q)
{
	struct buf b = BUF_INIT, c0 = BUF_INIT, c1 = BUF_INIT;
	size_t n = 0;

	for (size_t i = 0; i < j->nb; i++) {
		uint64_t from, to;
		if (!tid_stretch(j, i, &from, &to) || j->st[i].redo != redo)
			continue;
		const char *sep = n++ ? "," : "";
		buf_addf(&b, "%s%lld", sep, (long long)(j->b0 + (int64_t)i));
		buf_adds(&c0, sep);
		tid_add(&c0, from);
		buf_adds(&c1, sep);
		tid_add(&c1, to);
	}
	buf_addf(q, "unnest('{%s}'::int8[], '{%s}'::tid[], '{%s}'::tid[]) "
	    "AS cutover_c(b, c0, c1)", b.s, c0.s, c1.s);
	buf_release(&b);
	buf_release(&c0);
	buf_release(&c1);
}

/* Each bucket's first key's ctid, from the index (see pg_tid_sums). */
static int
tid_starts(struct tid_job *j, struct buf *k, char **errp)
{
	struct sumq *q = j->q;
	struct tplan *p = q->p;
	struct buf sql = BUF_INIT, xs = BUF_INIT, ys = BUF_INIT;
	size_t miss = 0;
	int rc;

	for (size_t i = 1; i < j->nb; i++)
		buf_addf(&xs, "%s%lld", i > 1 ? "," : "",
		    (long long)j->st[i].lo);
	buf_addf(&sql, "SELECT %s, ctid FROM ", k->s);
	db_quote_tname(q->d, &sql, TNAME(p, q->dst));
	buf_addf(&sql, " WHERE %s = ANY('{%s}'::int8[])", k->s,
	    xs.s);
	rc = db_query(q->d, sql.s, tid_probe_row, j, errp);
	/* A bucket whose first key is not there: its first key, if any. */
	buf_release(&xs);
	for (size_t i = 1; rc == 0 && i < j->nb; i++) {
		if (j->st[i].found)
			continue;
		const char *sep = miss++ ? "," : "";
		buf_addf(&xs, "%s%lld", sep, (long long)j->st[i].lo);
		buf_addf(&ys, "%s%lld", sep, (long long)j->st[i].hi);
	}
	if (rc == 0 && miss) {
		buf_reset(&sql);
		buf_addf(&sql, "SELECT x, (SELECT ctid FROM ");
		db_quote_tname(q->d, &sql, TNAME(p, q->dst));
		buf_addf(&sql, " WHERE %s >= x AND %s <= y ORDER BY %s LIMIT 1) "
		    "FROM unnest('{%s}'::int8[], '{%s}'::int8[]) AS u(x, y)",
		    k->s, k->s, k->s, xs.s, ys.s);
		rc = db_query(q->d, sql.s, tid_probe_row, j, errp);
	}
	buf_release(&sql);
	buf_release(&xs);
	buf_release(&ys);
	return rc;
}

/* Each bucket's count and sum, from j's changes to them, into q->v. */
static void
tid_buckets(struct tid_job *j, struct sumq *q)
{
	if (j->ne)
		qsort(j->e, j->ne, sizeof(*j->e), bucket_cmp);
	for (size_t i = 0; i < j->ne; ) {
		struct tid_ent t = j->e[i++];
		for (; i < j->ne && j->e[i].b == t.b; i++)
			t.n += j->e[i].n, t.s += j->e[i].s;
		if (t.n == 0 && t.s == 0)
			continue;	/* as GROUP BY: no row, no bucket */
		struct bucket bk = { t.b, t.n, i128_str(t.s) };
		ARR_PUSH(q->v, q->n, q->cap, bk);
	}
}

/*
 * Where each bucket's stretch of the heap starts: its first row's ctid.
 * Those starts that are out of line (a row an UPDATE moved elsewhere)
 * are dropped, keeping the longest non-decreasing run of them, so that
 * one moved row costs one bucket's rows as strays of its neighbour, not
 * every stretch after it; a dropped start, or an empty bucket's, is the
 * next start kept (its stretch is empty).  true when more than a
 * quarter were dropped: the rows are not stored in key order, and the
 * GROUP BY is cheaper.
 */
static bool
tid_stretches(struct tid_job *j)
{
	struct tid_start *st = j->st;
	size_t nb = j->nb, len = 0, found = 0;
	size_t *tail = xcalloc(nb, sizeof(*tail));
	size_t *prev = xcalloc(nb, sizeof(*prev));
	bool *keep = xcalloc(nb, sizeof(*keep));

	st[0].c = 0;
	st[0].found = true;
	for (size_t i = 0; i < nb; i++) {
		if (!st[i].found)
			continue;
		found++;
		/* the first run end above st[i].c: it can end in i instead */
		size_t lo = 0, hi = len;
		while (lo < hi) {
			size_t m = (lo + hi) / 2;
			if (st[tail[m]].c <= st[i].c)
				lo = m + 1;
			else
				hi = m;
		}
		prev[i] = lo ? tail[lo - 1] : nb;
		tail[lo] = i;
		if (lo == len)
			len++;
	}
	for (size_t i = len ? tail[len - 1] : nb; i < nb; i = prev[i])
		keep[i] = true;
	for (size_t i = nb; i-- > 0; )
		if (!keep[i])
			st[i].c = i + 1 < nb ? st[i + 1].c : TID_END;
	st[0].c = 0;	/* the first stretch starts the heap, kept or not */
	free(tail);
	free(prev);
	free(keep);
	return (found - len) * 4 > found;
}

/* Run a stretch query: -1 failed (q->err), 1 a reply not understood, 0. */
static int
tid_query(struct tid_job *j, const struct buf *sql, db_row_fn fn)
{
	if (db_query(j->q->d, sql->s, fn, j, &j->q->err) != 0)
		return -1;
	return j->bad ? 1 : 0;
}

/*
 * One side's buckets of width q->w over [q->lo, q->hi] by TID ranges,
 * into q->v as bucket_row would put the GROUP BY's: 0, or 1 to fall
 * back to that GROUP BY (q->sql), or -1 with q->err.
 */
static int
pg_tid_sums(struct sumq *q)
{
	struct tplan *p = q->p;
	struct tid_job j = { .q = q };
	struct buf sql = BUF_INIT, k = BUF_INIT, nm = BUF_INIT, h = BUF_INIT;
	int rc = 1;

	if (!p->heap[q->dst])
		goto out;	/* ctids are per relation: see pg_heaps */
	db_quote_tname(q->d, &nm, TNAME(p, q->dst));

	j.b0 = (int64_t)(q->lo / q->w);
	j.nb = (size_t)((int64_t)(q->hi / q->w) - j.b0 + 1);
	j.st = xcalloc(j.nb, sizeof(*j.st));
	for (size_t i = 0; i < j.nb; i++)
		bucket_range(j.b0 + (int64_t)i, q->w, q->lo, q->hi,
		    &j.st[i].lo, &j.st[i].hi);
	col_ident(p, q->dst, 0, &k);
	if (tid_starts(&j, &k, &q->err) != 0) {
		rc = -1;
		goto out;
	}
	if (j.bad)
		goto out;
	if (tid_stretches(&j))
		goto out;
	pg_row_hash(p, q->dst, &h);
	buf_reset(&sql);
	buf_addf(&sql, PG_PASS_SET "SELECT cutover_c.b, cutover_a.n, "
	    "cutover_a.s, CASE WHEN length(cutover_a.st) <= %d THEN "
	    "cutover_a.st END, coalesce(length(cutover_a.st) > %d, false) "
	    "FROM ", TID_STRAYS_MAX, TID_STRAYS_MAX);
	tid_arrays(&j, false, &sql);
	/*
	 * A stray is a row whose key is not in the stretch's bucket, or is
	 * NULL: k / w IS DISTINCT FROM b, one division and one comparison
	 * (every key of this side is within [q->lo, q->hi], read in this
	 * snapshot, so the bucket alone decides).  The test runs on every
	 * row: callgrind, 1M rows of (int8 key, bool, bool), 1,321
	 * instructions a row with k < lo OR k > hi OR k IS NULL, 1,243 with
	 * this, 1,140 without any test.
	 */
	buf_addf(&sql, " CROSS JOIN LATERAL "
	    "(SELECT count(*) AS n, sum(%s) AS s, string_agg(coalesce(%s::text "
	    "|| ' ' || (%s)::text, 'N'), ' ') FILTER (WHERE %s / %lld IS "
	    "DISTINCT FROM cutover_c.b) AS st FROM %s WHERE ctid >= "
	    "cutover_c.c0 AND ctid < cutover_c.c1", h.s, k.s, h.s, k.s,
	    (long long)q->w, nm.s);
	if (p->o->where)
		buf_addf(&sql, " AND (%s)", p->o->where);
	buf_adds(&sql, ") AS cutover_a");
	if ((rc = tid_query(&j, &sql, tid_sum_row)) != 0)
		goto out;
	if (j.nredo) {
		/* The stretches with too many strays, grouped by bucket. */
		buf_reset(&sql);
		buf_adds(&sql, "SELECT cutover_g.b, cutover_g.n, cutover_g.s "
		    "FROM ");
		tid_arrays(&j, true, &sql);
		tid_grouped(p, &sql, k.s, q->w, h.s, nm.s, NULL);
		if ((rc = tid_query(&j, &sql, tid_group_row)) != 0)
			goto out;
	}

	tid_buckets(&j, q);
	/* The stretches and strays, for tid_narrow (which refills e). */
	j.ne = 0;
	j.q = NULL;
	j.w = q->w;
	q->keep = xmalloc(sizeof(*q->keep));
	*q->keep = j;
	j.st = NULL, j.e = NULL, j.sv = NULL;
	rc = 0;
out:
	free(j.st);
	free(j.e);
	free(j.sv);
	buf_release(&sql);
	buf_release(&k);
	buf_release(&nm);
	buf_release(&h);
	return rc;
}

/*
 * The differing buckets of a TID pass, narrowed by their stretches: each
 * side sums, per sub-bucket of width w2, the rows of each such bucket's
 * own stretch whose key is in the bucket (a TID range scan, as in the
 * pass), the strays the pass listed whose key is in one (their hashes
 * added here, see narrow_side), and the rows in those buckets of each stretch
 * that was regrouped (it listed no stray; `k / w = ANY(..)`, hashed by
 * PostgreSQL).  Each row lies in one stretch, so each is counted once,
 * and only those buckets' rows are read again, in heap order (rows an
 * UPDATE moved are mostly in the last, regrouped, stretch).  Resolving
 * them through key ranges instead (resolve_batch) ORs one range per
 * bucket into a predicate that
 * PostgreSQL evaluates on every row: 1M rows, 300 changed at random,
 * 2.0-2.4 s, and 1.26-1.33 s with a second, finer GROUP BY pass first.
 */
#define TID_SUB_MIN	64	/* sub-buckets per differing bucket, at least */
#define TID_SUB_ROWS	32	/* rows per sub-bucket, about */
#define TID_SUB_MAX	65536	/* sub-buckets in all, at most: ~100 bytes each a side */
/*
 * Rows of the differing sub-buckets, as a share of the table, from which
 * the whole table is streamed instead (1/NARROW_ALL): read by key ranges
 * (256 ranges of 16 rows a query) a row costs ~9 us, in one stream of
 * the table ~1 us (1M rows, t_bool, both sides at once).  Narrowing
 * itself pays off until nearly every bucket differs.  1M rows, changed
 * at random, whole diff: 300 changed rows 0.60-0.64 s (a second GROUP BY
 * pass first: 0.89-1.37 s); 1,000 (62% of the buckets) 0.82-0.95 s
 * against 1.15-1.25 s streamed; 2,000 (86%) 1.45 s against 2.2-2.3 s
 * (streamed after the GROUP BY pass).  From 7/8 of the buckets the table
 * is streamed at once.
 */
#define NARROW_ALL	10

/* Whether bucket b is in v[0..n), ordered. */
static bool
bucket_in(const int64_t *v, size_t n, int64_t b)
{
	return n && bsearch(&b, v, n, sizeof(*v), bucket_cmp) != NULL;
}

/*
 * One side's query: sub-bucket, count, sum per stretch.  The bucket test
 * is a division, not a key range, which PostgreSQL would rather read
 * through the key's index than through the TID range.
 */
static void
tid_narrow_sql(struct tplan *p, bool dst, const struct tid_job *j,
    const int64_t *bv, size_t bn, int64_t w2, struct buf *q)
{
	struct buf k = BUF_INIT, h = BUF_INIT, nm = BUF_INIT, bs = BUF_INIT,
	    c0 = BUF_INIT, c1 = BUF_INIT, r0 = BUF_INIT, r1 = BUF_INIT,
	    in = BUF_INIT, f = BUF_INIT;
	size_t n = 0, nr = 0;

	col_ident(p, dst, 0, &k);
	pg_row_hash(p, dst, &h);
	db_quote_tname(dst ? p->d : p->s, &nm, TNAME(p, dst));
	for (size_t r = 0; r < bn; r++) {
		buf_addf(&in, "%s%lld", r ? "," : "", (long long)bv[r]);
		size_t i = (size_t)(bv[r] - j->b0);
		if (bv[r] < j->b0 || i >= j->nb || j->st[i].redo)
			continue;	/* no row here, or see below */
		uint64_t from, to;
		if (!tid_stretch(j, i, &from, &to))
			continue;	/* all its rows are strays */
		const char *sep = n++ ? "," : "";
		buf_addf(&bs, "%s%lld", sep, (long long)bv[r]);
		buf_adds(&c0, sep);
		tid_add(&c0, from);
		buf_adds(&c1, sep);
		tid_add(&c1, to);
	}
	/* A regrouped stretch listed no stray: its rows in those buckets. */
	for (size_t i = 0; i < j->nb; i++) {
		uint64_t from, to;
		if (!j->st[i].redo || !tid_stretch(j, i, &from, &to))
			continue;
		buf_adds(&r0, nr ? "," : "");
		tid_add(&r0, from);
		buf_adds(&r1, nr++ ? "," : "");
		tid_add(&r1, to);
	}
	buf_addf(&f, "%s / %lld = cutover_c.b", k.s, (long long)j->w);
	buf_addf(q, PG_PASS_SET "SELECT cutover_g.b, cutover_g.n, cutover_g.s "
	    "FROM unnest('{%s}'::int8[], '{%s}'::tid[], '{%s}'::tid[]) AS "
	    "cutover_c(b, c0, c1)", bs.s, c0.s, c1.s);
	tid_grouped(p, q, k.s, w2, h.s, nm.s, f.s);
	if (nr) {
		buf_reset(&f);
		buf_addf(&f, "%s / %lld = ANY('{%s}'::int8[])", k.s,
		    (long long)j->w, in.s);
		buf_addf(q, " UNION ALL SELECT cutover_g.b, cutover_g.n, "
		    "cutover_g.s FROM unnest('{%s}'::tid[], '{%s}'::tid[]) AS "
		    "cutover_c(c0, c1)", r0.s, r1.s);
		tid_grouped(p, q, k.s, w2, h.s, nm.s, f.s);
	}
	buf_release(&k);
	buf_release(&h);
	buf_release(&nm);
	buf_release(&bs);
	buf_release(&c0);
	buf_release(&c1);
	buf_release(&r0);
	buf_release(&r1);
	buf_release(&in);
	buf_release(&f);
}

struct narrow {
	struct tplan	*p;
	struct tid_job	**keep;
	const int64_t	*bv;
	size_t		 bn;
	int64_t		 w2;
	struct sumq	 q[2];
};

/* One side: its stretches' sub-buckets, then its strays', into q->v. */
static int
narrow_side(void *arg, int side, char **errp)
{
	struct narrow *x = arg;
	struct tid_job *j = x->keep[side];
	struct sumq *q = &x->q[side];
	struct buf sql = BUF_INIT;

	tid_narrow_sql(x->p, side, j, x->bv, x->bn, x->w2, &sql);
	j->ne = 0;
	int rc = db_query(q->d, sql.s, tid_group_row, j, errp);
	buf_release(&sql);
	if (rc != 0)
		return -1;
	if (j->bad) {
		seterr(errp, "%s: a sum not understood", q->d->what);
		return -1;
	}
	for (size_t i = 0; i < j->sn; i++)
		if (bucket_in(x->bv, x->bn, j->sv[i].k / j->w))
			tid_ent_add(j, j->sv[i].k / x->w2, 1, j->sv[i].h);
	tid_buckets(j, q);
	return 0;
}

/*
 * Replace bad, the differing buckets of width w of a TID pass over
 * [lo, hi] on both sides (keep), with the sub-buckets that differ.
 */
static int
tid_narrow(struct tplan *p, struct tid_job **keep, struct ranges *bad,
    int64_t w, i128 lo, i128 hi, char **errp)
{
	struct ranges out = { 0 };
	int64_t *bv = xcalloc(bad->n, sizeof(*bv));
	long long most = 0;
	int rc = 0;

	for (size_t i = 0; i < bad->n; i++) {
		bv[i] = (int64_t)(bad->v[i].lo / w);	/* ordered, see merge */
		if (bad->v[i].rows > most)
			most = bad->v[i].rows;
	}
	long long nsub = most / TID_SUB_ROWS, cap = TID_SUB_MAX /
	    (long long)bad->n;
	if (nsub > cap)
		nsub = cap;
	if (nsub < TID_SUB_MIN)
		nsub = TID_SUB_MIN;
	struct narrow x = { .p = p, .keep = keep, .bv = bv, .bn = bad->n,
	    .w2 = (int64_t)((w + nsub - 1) / nsub) };
	x.q[0].d = p->s;
	x.q[1].d = p->d;
	if (x.w2 < w && (rc = diff_both(narrow_side, &x, errp)) == 0) {
		merge_buckets(&x.q[0], &x.q[1], x.w2, lo, hi, &out, NULL);
		free(bad->v);
		*bad = out;
	}
	free(bv);
	sumq_release(&x.q[0]);
	sumq_release(&x.q[1]);
	return rc;
}

/*
 * PostgreSQL: the whole key range in one scan per side, both sides at
 * once, per bucket of a fixed width (GROUP BY key / width).  The same
 * pass gives the totals (identical data costs one hash aggregate, 1.3-2x
 * a plain sum, a little less than the walk's index range scans and
 * round trips) and localises the differences to buckets of a few hundred rows
 * per million, which are then resolved as the chunk walk's are.
 * Returns as sum_table.
 */
static int
sum_onepass(struct tplan *p, i128 lo, i128 hi, char **errp)
{
	struct range all = { lo, hi, 0 };
	struct ranges bad = { 0 };
	struct sumtot tot = { { 0, 0 }, 0 };
	struct tid_job *keep[2] = { NULL, NULL };
	bool tid = pg_tid_ok(p, lo, hi);
	int64_t w;
	int rc = -1;

	for (;;) {
		w = (int64_t)((hi - lo) / (tid ? TID_BUCKETS :
		    ONEPASS_BUCKETS) + 1);
		bad.n = 0;
		memset(&tot, 0, sizeof(tot));
		if (compare_sums(p, &all, 1, w, true, tid, &bad, &tot, keep,
		    errp) != 0) {
			pg_reset(p, NULL);	/* best effort: may be gone */
			goto out;
		}
		/*
		 * A side fell back to the GROUP BY and changes spread over
		 * more than an eighth of the stretches' big buckets, which
		 * tid_narrow cannot then split: resolving them would read
		 * their rows again through key ranges, whose OR costs
		 * per range on every row, and the stream below would read
		 * every row; the GROUP BY's buckets, 4x finer, cost one more
		 * pass.  1M rows, whole diff, changed rows at random: 60 (58
		 * buckets resolved in 100-117 ms) 0.50-0.52 s, the GROUP BY
		 * alone 0.51-0.72 s; 300 resolved 2.0-2.4 s against 0.9 s;
		 * 1,000 (62% of the buckets) resolved 4.0-4.1 s, streamed
		 * 2.5-2.8 s, grouped again 1.41-1.45 s, the GROUP BY alone
		 * 1.33-1.34 s.
		 */
		if (!tid || (keep[0] && keep[1]) ||
		    (long long)bad.n * 8 <= tot.buckets)
			break;
		tid_job_free(keep[0]);
		tid_job_free(keep[1]);
		keep[0] = keep[1] = NULL;
		tid = false;
	}
	p->t->chunks = tot.buckets;
	p->t->chunks_differ = (long long)bad.n;
	p->t->src_rows = tot.rows[0];
	p->t->dst_rows = tot.rows[1];
	diff_progress_add(p->prog, tot.rows[0]);
	/*
	 * Mostly different: reading rows once beats resolving buckets.  By
	 * stretches, the rows still to read decide (NARROW_ALL below).
	 */
	bool narrow = tid && keep[0] && keep[1] && bad.n;
	bool auto_ = p->o->mode == DIFF_AUTO && tot.buckets >= 16;
	if (auto_ && (long long)bad.n * (narrow ? 8 : 2) > tot.buckets *
	    (narrow ? 7 : 1)) {
		rc = pg_reset(p, errp) != 0 ? -1 : 1;
		goto out;
	}
	if (narrow) {
		if (tid_narrow(p, keep, &bad, w, lo, hi, errp) != 0) {
			pg_reset(p, NULL);	/* best effort: may be gone */
			goto out;
		}
		long long left = 0, most = tot.rows[0] > tot.rows[1] ?
		    tot.rows[0] : tot.rows[1];
		for (size_t i = 0; i < bad.n; i++)
			left += bad.v[i].rows;
		if (auto_ && left * NARROW_ALL > most) {
			rc = pg_reset(p, errp) != 0 ? -1 : 1;
			goto out;
		}
	}
	if (pg_reset(p, errp) != 0)
		goto out;
	rc = resolve_all(p, &bad, errp);
out:
	tid_job_free(keep[0]);
	tid_job_free(keep[1]);
	free(bad.v);
	return rc;
}

/*
 * A key that is not one integer (PostgreSQL): there are no key ranges to
 * split, so rows are bucketed by a hash of their key (HASH_BUCKETS
 * buckets, ~250 rows each per million): one GROUP BY pass per side, as
 * sum_onepass, then the rows of the differing buckets in one stream per
 * side, `WHERE bucket IN (..)` ordered by key.  That stream is a second
 * scan of the table (filtered, the few rows sorted), where integer
 * ranges use the index; key ranges from the index would need a walk of
 * it first to find split points, and keys compare by collation there,
 * not by the byte order the merge needs.
 */
static int
sum_hashed(struct tplan *p, char **errp)
{
	struct sumq qs = { 0 }, qd = { 0 };
	struct buf ss = BUF_INIT, sd = BUF_INIT, bs = BUF_INIT, bd = BUF_INIT;
	struct buf in = BUF_INIT;
	int rc = -1;
	long long nbad = 0;

	bool onepass = p->s->drv->sum_onepass;

	if (onepass) {
		buf_adds(&ss, PG_PASS_SET);
		buf_adds(&sd, PG_PASS_SET);
	}
	sum_sql(p, false, p->part[0] ? p->part[0] : "TRUE", -1, &ss);
	sum_sql(p, true, p->part[1] ? p->part[1] : "TRUE", -1, &sd);
	qs.d = p->s, qs.sql = ss.s;
	qd.d = p->d, qd.sql = sd.s;
	sumq_both(&qs, &qd);
	if (qs.rc != 0 || qd.rc != 0) {
		seterr(errp, "%s", qs.rc ? qs.err : qd.err);
		if (onepass)
			pg_reset(p, NULL);	/* best effort */
		goto out;
	}
	if (onepass && pg_reset(p, errp) != 0)
		goto out;
	qsort(qs.v, qs.n, sizeof(*qs.v), bucket_cmp);
	qsort(qd.v, qd.n, sizeof(*qd.v), bucket_cmp);
	size_t i = 0, j = 0;
	while (i < qs.n || j < qd.n) {
		int c = i >= qs.n ? 1 : j >= qd.n ? -1 :
		    qs.v[i].b < qd.v[j].b ? -1 : qs.v[i].b > qd.v[j].b;
		long long cs = c <= 0 ? qs.v[i].count : 0;
		long long cd = c >= 0 ? qd.v[j].count : 0;
		p->t->src_rows += cs;
		p->t->dst_rows += cd;
		p->t->chunks++;
		if (c != 0 || cs != cd || strcmp(qs.v[i].sum, qd.v[j].sum) != 0) {
			buf_addf(&in, "%s%lld", nbad ? ", " : "",
			    (long long)(c <= 0 ? qs.v[i].b : qd.v[j].b));
			nbad++;
		}
		i += c <= 0;
		j += c >= 0;
	}
	p->t->chunks_differ = nbad;
	diff_progress_add(p->prog, p->t->src_rows);
	if (nbad == 0) {
		rc = 0;
		goto out;
	}
	/* Mostly different: reading rows once beats a filtered second scan. */
	if (p->o->mode == DIFF_AUTO && p->t->chunks >= 16 &&
	    nbad * 2 > p->t->chunks) {
		rc = 1;
		goto out;
	}
	key_bucket(p, false, &bs);
	buf_addf(&bs, " IN (%s)", in.s);
	add_part(p, false, &bs, " AND ");
	key_bucket(p, true, &bd);
	buf_addf(&bd, " IN (%s)", in.s);
	add_part(p, true, &bd, " AND ");
	long long sr = p->t->src_rows, dr = p->t->dst_rows;
	rc = merge_range(p, bs.s, bd.s, errp);
	p->t->src_rows = sr;	/* the sums counted them */
	p->t->dst_rows = dr;
out:
	sumq_release(&qs);
	sumq_release(&qd);
	buf_release(&ss);
	buf_release(&sd);
	buf_release(&bs);
	buf_release(&bd);
	buf_release(&in);
	return rc;
}

/* One side's enum labels, per column (see pg_enum_hash). */
static int
enum_row(const struct db_row *row, void *arg)
{
	struct strlist *l = arg;	/* the column's elab, this side */

	if (row->vals[0] && row->vals[1]) {
		strlist_push(&l[0], row->vals[0]);
		strlist_push(&l[1], row->vals[1]);
	}
	return 0;
}

static int
enums_side(void *arg, int side, char **errp)
{
	struct tplan *p = arg;
	struct db *d = side ? p->d : p->s;
	struct buf q = BUF_INIT, t = BUF_INIT;
	struct strlist l[2] = { STRLIST_INIT, STRLIST_INIT };

	db_quote_tname(d, &t, TNAME(p, side));
	buf_adds(&q, "SELECT a.attname, e.enumlabel FROM pg_attribute a JOIN "
	    "pg_enum e ON e.enumtypid = a.atttypid WHERE a.attrelid = "
	    "to_regclass(");
	db_quote_literal(d, &q, t.s);
	buf_adds(&q, ") AND a.attnum > 0 AND NOT a.attisdropped ORDER BY "
	    "a.attnum, e.enumsortorder");
	int rc = db_query(d, q.s, enum_row, l, errp);
	for (size_t i = 0; rc == 0 && i < l[0].n; i++)
		for (size_t c = 0; c < p->ncols; c++)
			if (strcmp(side ? p->cols[c].dname : p->cols[c].name,
			    l[0].v[i]) == 0)
				strlist_push(&p->cols[c].elab[side], l[1].v[i]);
	strlist_release(&l[0]);
	strlist_release(&l[1]);
	buf_release(&q);
	buf_release(&t);
	return rc;
}

/*
 * PostgreSQL: the labels of the enum columns, once per table, where a
 * column (not the key) may be one: a type cutover does not know, on
 * both sides.
 */
static int
pg_enums(struct tplan *p, char **errp)
{
	bool maybe = false;

	if (p->enums_read || p->s->drv->engine != DB_POSTGRES ||
	    p->d->drv->engine != DB_POSTGRES)
		return 0;
	for (size_t i = p->nkey; i < p->ncols; i++)
		maybe |= p->cols[i].st.cls == CC_TEXT && !p->cols[i].st.str &&
		    p->cols[i].dt.cls == CC_TEXT && !p->cols[i].dt.str &&
		    p->cols[i].st.sub == CS_NONE;
	p->enums_read = true;
	return maybe ? diff_both(enums_side, p, errp) : 0;
}

/*
 * A key given by --key may hold NULLs (a key found in the catalog cannot:
 * a primary key or a unique NOT NULL index).  No key range or bucket
 * holds such a row, so checksum mode would never compare it and could
 * call the table identical (it did: 4 rows against 3, two of them with
 * a NULL key, "identical").  A table with a NULL key value on either
 * side is compared in stream mode instead.  One probe per side, only
 * for --key: an index on the key answers it at once, a column without
 * one costs a scan.
 */
static bool
key_null_pred(struct tplan *p, bool dst, struct buf *q)
{
	for (size_t i = 0; i < p->nkey; i++) {
		if (i)
			buf_adds(q, " OR ");
		col_ident(p, dst, i, q);
		buf_adds(q, " IS NULL");
	}
	return true;
}

/*
 * SQLite: a column declared INTEGER may still hold TEXT, a BLOB or a REAL
 * ('abc', x'41', 2.5, 1e300: affinity keeps what does not convert
 * losslessly).  Such a key is in no integer chunk, and as the key's MAX
 * (text and blobs sort after numbers) it made the span end before the
 * first key: "src 0 rows, dst 0 rows: identical" for a whole table whose
 * rows differed.  A table where either side's key holds anything but an
 * integer is compared in stream mode instead.  One probe per side, a
 * scan of the key (typeof() is no index lookup); a table with an
 * INTEGER PRIMARY KEY (the rowid, always an integer) costs it too.
 */
static bool
key_odd_pred(struct tplan *p, bool dst, struct buf *q)
{
	if ((dst ? p->d : p->s)->drv->engine != DB_SQLITE)
		return false;
	buf_adds(q, "typeof(");
	col_ident(p, dst, 0, q);
	buf_adds(q, ") <> 'integer'");
	return true;
}

/*
 * Whether a row on either side matches a predicate on its key (pred
 * writes it; false: nothing to ask that side), one probe per side.
 */
struct keyrow_job {
	struct tplan	*p;
	bool		(*pred)(struct tplan *p, bool dst, struct buf *q);
	bool		 found[2];
};

static int
keyrow_side(void *arg, int side, char **errp)
{
	struct keyrow_job *j = arg;
	struct tplan *p = j->p;
	struct db *d = side ? p->d : p->s;
	struct buf q = BUF_INIT, pred = BUF_INIT;
	char *s = NULL;
	int rc = 0;

	if (j->pred(p, side, &pred)) {
		buf_adds(&q, "SELECT count(*) FROM (SELECT 1 FROM ");
		db_quote_tname(d, &q, TNAME(p, side));
		add_where(p, &q, pred.s);
		buf_adds(&q, " LIMIT 1) n");
		rc = db_scalar(d, q.s, &s, errp);
		j->found[side] = s == NULL || strcmp(s, "0") != 0;
	}
	free(s);
	buf_release(&q);
	buf_release(&pred);
	return rc;
}

static int
key_rows_any(struct tplan *p, bool (*pred)(struct tplan *, bool,
    struct buf *), bool *found, char **errp)
{
	struct keyrow_job j = { .p = p, .pred = pred };

	*found = false;
	if (diff_both(keyrow_side, &j, errp) != 0)
		return -1;
	*found = j.found[0] || j.found[1];
	return 0;
}

int
sum_key_nulls(struct tplan *p, bool *found, char **errp)
{
	*found = false;
	return p->o->key.n ? key_rows_any(p, key_null_pred, found, errp) : 0;
}

static int
sum_key_odd(struct tplan *p, bool *found, char **errp)
{
	*found = false;
	if (p->s->drv->engine != DB_SQLITE && p->d->drv->engine != DB_SQLITE)
		return 0;
	return key_rows_any(p, key_odd_pred, found, errp);
}

/* PostgreSQL: whether this side's table is a plain one (p->heap). */
static int
heap_side(void *arg, int side, char **errp)
{
	struct tplan *p = arg;
	struct db *d = side ? p->d : p->s;
	struct buf q = BUF_INIT, nm = BUF_INIT;
	char *v = NULL;

	if (d->drv->engine != DB_POSTGRES)
		return 0;
	db_quote_tname(d, &nm, TNAME(p, side));
	buf_adds(&q, "SELECT c.relkind IN ('r', 'm') AND NOT "
	    "c.relhassubclass FROM pg_catalog.pg_class c WHERE c.oid = ");
	db_quote_literal(d, &q, nm.s);
	buf_adds(&q, "::regclass");
	int rc = db_scalar(d, q.s, &v, errp);
	p->heap[side] = rc == 0 && v && strcmp(v, "t") == 0;
	free(v);
	buf_release(&q);
	buf_release(&nm);
	return rc;
}

/*
 * Once per table, before any pass: a plain table's rows can be named by
 * ctid (the TID pass, ranges_pred); a partitioned or inherited one's
 * cannot, each partition numbering its own.
 */
static int
pg_heaps(struct tplan *p, char **errp)
{
	if (p->s->drv->engine != DB_POSTGRES && p->d->drv->engine !=
	    DB_POSTGRES)
		return 0;
	return diff_both(heap_side, p, errp);
}

int
sum_table(struct tplan *p, char **errp)
{
	bool empty;
	int64_t a, first;
	struct ranges pend = { 0 };
	struct walk w = { .p = p, .mu = PTHREAD_MUTEX_INITIALIZER,
	    .cv = PTHREAD_COND_INITIALIZER };
	pthread_t ts, td;
	int rc = -1;

	bool nulls;
	if (sum_key_nulls(p, &nulls, errp) != 0)
		return -1;
	if (nulls)
		return 1;
	my_choose(p);
	if (pg_enums(p, errp) != 0)
		return -1;
	if (!int_key(p))
		return sum_hashed(p, errp);
	bool odd;
	if (sum_key_odd(p, &odd, errp) != 0)
		return -1;
	if (odd)
		return 1;
	if (pg_heaps(p, errp) != 0 ||
	    sum_key_span(p, &first, &a, &empty, errp) != 0)
		return -1;
	if (empty)
		return 0;	/* both empty */
	w.hi = a;
	if (p->s->drv->sum_onepass)
		return sum_onepass(p, first, w.hi, errp);
	if (can_prepare(p->s) && prepare(p, errp) != 0)
		return -1;
	w.first = first;
	w.cap_span = (w.hi - w.first + 1) / CHUNKS_MIN;
	if (w.cap_span < BUCKETS)
		w.cap_span = BUCKETS;
	if (pthread_create(&ts, NULL, walk_source, &w) != 0)
		die(EXIT_USAGE, "cannot start a thread");
	if (pthread_create(&td, NULL, walk_target, &w) != 0)
		die(EXIT_USAGE, "cannot start a thread");

	long long nbad = 0;
	bool switched = false;
	for (size_t i = 0;; i++) {
		pthread_mutex_lock(&w.mu);
		while (!w.stop && !(i < w.n && w.v[i].done[0] &&
		    w.v[i].done[1]) && !(w.listed && i >= w.n))
			pthread_cond_wait(&w.cv, &w.mu);
		bool have = !w.stop && i < w.n;
		struct chunk c = have ? w.v[i] : (struct chunk){ 0 };
		pthread_mutex_unlock(&w.mu);
		if (!have)
			break;
		p->t->chunks++;
		p->t->src_rows += c.n[0];
		p->t->dst_rows += c.n[1];
		diff_progress_add(p->prog, c.n[0]);
		if (c.n[0] != c.n[1] || strcmp(c.sum[0], c.sum[1]) != 0) {
			struct range r = { c.lo, c.hi, c.n[0] > c.n[1] ?
			    c.n[0] : c.n[1] };
			ARR_PUSH(pend.v, pend.n, pend.cap, r);
			p->t->chunks_differ++;
			nbad++;
		}
		/* Mostly different: reading rows once beats checksums. */
		if (p->o->mode == DIFF_AUTO && p->t->chunks >= 16 &&
		    nbad * 2 > p->t->chunks) {
			pthread_mutex_lock(&w.mu);
			w.stop = true;
			pthread_cond_broadcast(&w.cv);
			pthread_mutex_unlock(&w.mu);
			switched = true;
			break;
		}
	}
	pthread_join(ts, NULL);
	pthread_join(td, NULL);
	if (w.rc[0] || w.rc[1]) {
		seterr(errp, "%s", w.rc[0] ? w.err[0] : w.err[1]);
		free(p->reached);
		/* The first chunk not compared on both sides. */
		size_t k = (size_t)p->t->chunks;
		p->reached = xasprintf("%s=%lld", p->cols[0].name,
		    k < w.n ? (long long)w.v[k].lo : (long long)w.first);
		goto out;
	}
	if (switched) {
		rc = 1;
		goto out;
	}
	if (resolve_all(p, &pend, errp) != 0)
		goto out;
	rc = 0;
out:
	unprepare(p);
	for (size_t i = 0; i < w.n; i++) {
		free(w.v[i].sum[0]);
		free(w.v[i].sum[1]);
	}
	free(w.v);
	free(w.err[0]);
	free(w.err[1]);
	free(pend.v);
	return rc;
}
