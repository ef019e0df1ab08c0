/*
 * diff_sum.c - checksum mode: the databases do the reading.
 *
 * For a table with one integer key on the same engine, the key space is
 * walked in chunks (key ranges, sized to take about CHUNK_TARGET_US each
 * and skipping empty stretches with an index probe).  Both sides compute,
 * concurrently, per bucket of the chunk (key / width), a row count and
 * an order-independent sum of strong per-row hashes:
 *
 *   PostgreSQL  hashint8extended(hash_record_extended(ROW(..), 0), 0):
 *               the row hash is re-hashed, so it is not a linear
 *               combination of column hashes and swaps cannot cancel;
 *   MariaDB     64 bits of MD5(CONCAT_WS(',', QUOTE(c1), ..)): QUOTE
 *               makes values unambiguous and NULL distinct from '';
 *               FLOAT is cast to DOUBLE first;
 *   SQLite      cutover_rowhash() and cutover_sum(), registered by the
 *               driver (db/sqlite.c).
 *
 * Sums are exact (numeric / DECIMAL) or modulo 2^64, never floats, so
 * equal data gives equal text.  A bucket whose count or sum differs is
 * then compared row by row in stream mode, restricted to its key range.
 */
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "lib/error.h"
#include "lib/xmalloc.h"

#define CHUNK_TARGET_US	300000		/* per chunk, both sides at once */
#define CHUNK_FIRST	20000		/* keys in the first chunk */
#define BUCKETS		256		/* per chunk */
#define DRILL_BATCH	64		/* ranges kept before comparing them */

typedef __int128 i128;

struct bucket {
	int64_t		 b;
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
};

static int
bucket_row(const struct db_row *row, void *arg)
{
	struct sumq *q = arg;
	struct bucket b = {
		.b = strtoll(row->vals[0] ? row->vals[0] : "0", NULL, 10),
		.count = strtoll(row->vals[1] ? row->vals[1] : "0", NULL, 10),
		.sum = xstrdup(row->vals[2] ? row->vals[2] : "NULL"),
	};

	ARR_PUSH(q->v, q->n, q->cap, b);
	return 0;
}

static void *
sumq_run(void *arg)
{
	struct sumq *q = arg;

	q->rc = db_query(q->d, q->sql, bucket_row, q, &q->err);
	return NULL;
}

static void
sumq_release(struct sumq *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->v[i].sum);
	free(q->v);
	free(q->err);
	memset(q, 0, sizeof(*q));
}

bool
sum_possible(const struct tplan *p, const char **why)
{
	long v = 0;

	*why = NULL;
	if (strcmp(p->s->drv->name, p->d->drv->name) != 0)
		*why = "the engines differ";
	else if (p->nkey != 1)
		*why = p->nkey ? "the key has several columns" : "no key";
	else if (p->cols[0].st.cls != CC_INT || p->cols[0].dt.cls != CC_INT ||
	    p->cols[0].st.width > 8 || p->cols[0].dt.width > 8)
		*why = "the key is not a signed integer";
	else if (p->o->float_tol > 0)
		*why = "--float-tolerance needs the values";
	else if (strcmp(p->s->drv->name, "postgres") == 0 &&
	    ((p->s->drv->version(p->s, &v, NULL) == 0 && v < 140000) ||
	    (p->d->drv->version(p->d, &v, NULL) == 0 && v < 140000)))
		*why = "PostgreSQL before 14 has no hash_record_extended";
	return *why == NULL;
}

static void
add_where(struct tplan *p, struct buf *q, const char *kid, i128 lo, i128 hi)
{
	buf_addf(q, " WHERE %s BETWEEN %lld AND %lld", kid, (long long)lo,
	    (long long)hi);
	if (p->o->where)
		buf_addf(q, " AND (%s)", p->o->where);
}

/* count and sum per bucket of [lo, hi] with bucket width w. */
static void
sum_sql(struct tplan *p, bool dst, i128 lo, i128 hi, int64_t w,
    struct buf *q)
{
	struct db *d = dst ? p->d : p->s;
	const char *eng = d->drv->name;
	struct buf k = BUF_INIT;

	col_ident(p, dst, 0, &k);
	if (strcmp(eng, "postgres") == 0) {
		buf_addf(q, "SELECT %s / %lld, count(*), sum(hashint8extended("
		    "hash_record_extended(ROW(", k.s, (long long)w);
		for (size_t i = 0; i < p->ncols; i++) {
			const struct canon_type *t = dst ? &p->cols[i].dt :
			    &p->cols[i].st;
			if (i)
				buf_adds(q, ", ");
			/* json, xml and friends have no hash function. */
			if (t->cls == CC_TEXT)
				buf_adds(q, "CAST(");
			col_ident(p, dst, i, q);
			if (t->cls == CC_TEXT)
				buf_adds(q, " AS text)");
		}
		buf_adds(q, "), 0), 0))");
	} else if (strcmp(eng, "mysql") == 0) {
		buf_addf(q, "SELECT %s DIV %lld, COUNT(*), SUM(CAST(CONV(LEFT("
		    "MD5(CONCAT_WS(','", k.s, (long long)w);
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
		buf_adds(q, ")), 16), 16, 10) AS UNSIGNED))");
	} else {
		buf_addf(q, "SELECT %s / %lld, count(*), cutover_sum("
		    "cutover_rowhash(", k.s, (long long)w);
		for (size_t i = 0; i < p->ncols; i++) {
			if (i)
				buf_adds(q, ", ");
			col_ident(p, dst, i, q);
		}
		buf_adds(q, "))");
	}
	buf_adds(q, " FROM ");
	db_quote_name(d, q, p->table);
	add_where(p, q, k.s, lo, hi);
	buf_adds(q, " GROUP BY 1 ORDER BY 1");
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
	db_quote_name(d, &q, p->table);
	if (after)
		buf_addf(&q, " WHERE %s > %lld", k.s, (long long)*after);
	int rc = db_scalar(d, q.s, &s, errp);
	*null = s == NULL;
	*v = s ? strtoll(s, NULL, 10) : 0;
	free(s);
	buf_release(&q);
	buf_release(&k);
	return rc;
}

/* The smallest key above `after` on either side; false when none. */
static int
next_key(struct tplan *p, const i128 *after, int64_t *v, bool *found,
    char **errp)
{
	bool na, nb;
	int64_t a, b;

	if (key_probe(p, false, "MIN", after, &na, &a, errp) != 0 ||
	    key_probe(p, true, "MIN", after, &nb, &b, errp) != 0)
		return -1;
	*found = !na || !nb;
	*v = na ? b : nb ? a : (a < b ? a : b);
	return 0;
}

/* The keys of bucket b (width w, truncating division), within [lo, hi]. */
static void
bucket_range(int64_t b, int64_t w, i128 lo, i128 hi, i128 *blo, i128 *bhi)
{
	i128 x = (i128)b * w;

	if (b > 0)
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

struct range {
	i128	 lo, hi;
};

static int
drill(struct tplan *p, struct range *r, size_t n, char **errp)
{
	struct buf ps = BUF_INIT, pd = BUF_INIT;
	long long sr = p->t->src_rows, dr = p->t->dst_rows;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		buf_reset(&ps);
		buf_reset(&pd);
		col_ident(p, false, 0, &ps);
		col_ident(p, true, 0, &pd);
		buf_addf(&ps, " BETWEEN %lld AND %lld", (long long)r[i].lo,
		    (long long)r[i].hi);
		buf_addf(&pd, " BETWEEN %lld AND %lld", (long long)r[i].lo,
		    (long long)r[i].hi);
		rc = merge_range(p, ps.s, pd.s, errp);
	}
	/* The bucket sums already counted these rows. */
	p->t->src_rows = sr;
	p->t->dst_rows = dr;
	buf_release(&ps);
	buf_release(&pd);
	return rc;
}

int
sum_table(struct tplan *p, char **errp)
{
	bool n1, n2;
	int64_t a, b;
	struct range *drl = NULL;
	size_t ndrl = 0, capdrl = 0;
	bool drilled = false;
	long long nbuckets = 0, nbad = 0;
	struct sumq qs = { 0 }, qd = { 0 };
	struct buf ss = BUF_INIT, sd = BUF_INIT;
	int rc = -1;

	if (key_probe(p, false, "MAX", NULL, &n1, &a, errp) != 0 ||
	    key_probe(p, true, "MAX", NULL, &n2, &b, errp) != 0)
		return -1;
	if (n1 && n2)
		return 0;	/* both empty */
	i128 hi = n1 ? b : n2 ? a : (a > b ? a : b);
	int64_t first;
	bool found;
	if (next_key(p, NULL, &first, &found, errp) != 0)
		return -1;
	i128 lo = first;
	i128 span = CHUNK_FIRST;

	while (found && lo <= hi) {
		i128 chi = lo + span - 1;
		if (chi > hi)
			chi = hi;
		int64_t w = (int64_t)((chi - lo + 1 + BUCKETS - 1) / BUCKETS);
		if (w < 1)
			w = 1;
		buf_reset(&ss);
		buf_reset(&sd);
		sum_sql(p, false, lo, chi, w, &ss);
		sum_sql(p, true, lo, chi, w, &sd);
		sumq_release(&qs);
		sumq_release(&qd);
		qs.d = p->s, qs.sql = ss.s;
		qd.d = p->d, qd.sql = sd.s;
		int64_t t0 = now_mono_us();
		pthread_t th;
		bool threaded = pthread_create(&th, NULL, sumq_run, &qs) == 0;
		if (!threaded)
			sumq_run(&qs);
		sumq_run(&qd);
		if (threaded)
			pthread_join(th, NULL);
		int64_t el = now_mono_us() - t0;
		if (qs.rc != 0 || qd.rc != 0) {
			seterr(errp, "%s", qs.rc ? qs.err : qd.err);
			free(p->reached);
			p->reached = xasprintf("%s=%lld", p->cols[0].name,
			    (long long)lo);
			goto out;
		}
		p->t->chunks++;
		/* Merge the two bucket lists, both ordered by bucket. */
		size_t i = 0, j = 0;
		bool bad_chunk = false;
		long long chunk_rows = p->t->src_rows;
		while (i < qs.n || j < qd.n) {
			int c = i >= qs.n ? 1 : j >= qd.n ? -1 :
			    qs.v[i].b < qd.v[j].b ? -1 : qs.v[i].b > qd.v[j].b;
			int64_t bk = c <= 0 ? qs.v[i].b : qd.v[j].b;
			bool same = c == 0 && qs.v[i].count == qd.v[j].count &&
			    strcmp(qs.v[i].sum, qd.v[j].sum) == 0;
			if (c <= 0)
				p->t->src_rows += qs.v[i].count;
			if (c >= 0)
				p->t->dst_rows += qd.v[j].count;
			nbuckets++;
			if (!same) {
				struct range r;
				bucket_range(bk, w, lo, chi, &r.lo, &r.hi);
				ARR_PUSH(drl, ndrl, capdrl, r);
				nbad++;
				bad_chunk = true;
			}
			i += c <= 0;
			j += c >= 0;
		}
		p->t->chunks_differ += bad_chunk;
		diff_progress_add(p->prog, p->t->src_rows - chunk_rows);
		/* Mostly different: reading rows once beats checksums. */
		if (!drilled && p->o->mode == DIFF_AUTO && nbuckets >= 32 &&
		    nbad * 2 > nbuckets) {
			rc = 1;
			goto out;
		}
		if (ndrl >= DRILL_BATCH && nbuckets >= 32) {
			if (drill(p, drl, ndrl, errp) != 0)
				goto out;
			drilled = true;
			ndrl = 0;
		}
		/* Size the next chunk to the time target. */
		if (qs.n == 0 && qd.n == 0) {
			if (next_key(p, &chi, &first, &found, errp) != 0)
				goto out;
			lo = first;
			continue;
		}
		double f = el > 0 ? (double)CHUNK_TARGET_US / (double)el : 4;
		if (f > 4)
			f = 4;
		if (f < 0.25)
			f = 0.25;
		span = (i128)((double)span * f);
		if (span < BUCKETS)
			span = BUCKETS;
		if (chi >= hi)
			break;
		lo = chi + 1;
	}
	if (ndrl && drill(p, drl, ndrl, errp) != 0)
		goto out;
	rc = 0;
out:
	sumq_release(&qs);
	sumq_release(&qd);
	buf_release(&ss);
	buf_release(&sd);
	free(drl);
	return rc;
}
