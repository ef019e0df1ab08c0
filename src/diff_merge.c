/*
 * diff_merge.c - stream mode: read both sides ordered by key in byte
 * order, turn every value into its canonical form, and merge.
 *
 * Memory holds two rows per side (the current one and the previous one,
 * kept to verify the order), whatever the size of the table.  The order
 * each database returns is checked as rows arrive: a collation that
 * sorts differently from the canonical order would otherwise make the
 * merge report rows as missing and extra, or worse, pass them.
 */
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"

/*
 * A value's storage class takes part in the comparison (SQLite, see
 * class_of): VT_ODD marks a class its column does not naturally hold,
 * which renders with the class named.
 */
#define VT_ODD		0x80
#define VT_CLASS(x)	((x) & 0x7f)

struct srow {
	struct buf	 enc;		/* the encodings, back to back */
	size_t		*off, *len;
	bool		*null;
	unsigned char	*vt;		/* compared storage class, 0: none */
};

struct side {
	struct db_stream *st;
	struct srow	 rows[2];
	struct srow	*cur, *prev;
	bool		 have, has_prev, dst;
	long long	 n;
	const char	*what;		/* "source", "target" */
};

static void
srow_init(struct srow *r, size_t ncols)
{
	buf_init(&r->enc, 0);
	r->off = xcalloc(ncols + 1, sizeof(*r->off));
	r->len = xcalloc(ncols + 1, sizeof(*r->len));
	r->null = xcalloc(ncols + 1, sizeof(*r->null));
	r->vt = xcalloc(ncols + 1, sizeof(*r->vt));
}

static void
srow_release(struct srow *r)
{
	buf_release(&r->enc);
	free(r->off);
	free(r->len);
	free(r->null);
	free(r->vt);
}

static const void *
val(const struct srow *r, size_t i)
{
	return r->enc.s + r->off[i];
}

/*
 * Where a value sorts among SQLite's storage classes: 1 a number, 2
 * text, 3 a blob, by its own class or, without one (a typed engine's
 * value, or a class its column holds naturally), by its column's; 0 a
 * column compared by its encoding alone (dates, uuids...).
 */
static int
class_group(const struct dcol *c, unsigned char vt)
{
	switch (VT_CLASS(vt)) {
	case DB_VINT:
	case DB_VREAL:
		return 1;
	case DB_VTEXT:
		return 2;
	case DB_VBLOB:
		return 3;
	}
	switch (c->pair.cls) {
	case CC_INT:
	case CC_DEC:
	case CC_FLOAT:
	case CC_FLOAT4:
		return 1;
	case CC_TEXT:
		return 2;
	case CC_BYTES:
		return 3;
	default:
		return 0;
	}
}

/*
 * Column i of a and b in SQLite's order, which its ORDER BY gives a
 * column holding several classes: numbers by value (integers and reals
 * together), then text, then blobs, each by its bytes.  The encodings
 * alone order 10 before 9 in a column without a type, or 3 before 2.5
 * in an INTEGER one (2.5 does not parse as an integer), and the merge
 * then stopped at "out of byte order".  0 when that order does not
 * decide (equal, or a column compared by its encoding).
 */
static int
cmp_classes(const struct dcol *c, const struct srow *a,
    const struct srow *b, size_t i)
{
	int ga = class_group(c, a->vt[i]), gb = class_group(c, b->vt[i]);
	const unsigned char *x = val(a, i), *y = val(b, i);
	size_t nx = a->len[i], ny = b->len[i];

	if (ga == 0 || gb == 0)
		return 0;
	if (ga != gb)
		return ga < gb ? -1 : 1;
	if (ga == 1) {
		long double u, v;
		/* both as their column holds them: exact as encoded */
		if (!a->vt[i] && !b->vt[i])
			return 0;
		if (!canon_number(c->pair.cls, x, nx, &u) ||
		    !canon_number(c->pair.cls, y, ny, &v))
			return 0;
		return u < v ? -1 : u > v;
	}
	/* text and blobs by their bytes, past the tag */
	int r = memcmp(x + 1, y + 1, (nx < ny ? nx : ny) - 1);
	if (r != 0)
		return r < 0 ? -1 : 1;
	return nx < ny ? -1 : nx > ny;
}

static int
cmp_cols(const struct tplan *p, const struct srow *a, const struct srow *b,
    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a->null[i] != b->null[i])
			return a->null[i] ? -1 : 1;	/* NULLs first */
		if (a->null[i])
			continue;
		int c = p->class_order ? cmp_classes(&p->cols[i], a, b, i) : 0;
		if (c != 0)
			return c;
		c = canon_cmp(p->cols[i].pair.cls, val(a, i), a->len[i],
		    val(b, i), b->len[i]);
		if (c != 0)
			return c;
		/* SQLite sorts INTEGER/REAL, then TEXT, then BLOB. */
		if (VT_CLASS(a->vt[i]) != VT_CLASS(b->vt[i]))
			return VT_CLASS(a->vt[i]) < VT_CLASS(b->vt[i]) ? -1 : 1;
	}
	return 0;
}

/*
 * The class a value renders as: a number or text kept in a column
 * without a type (compared as bytes) reads better as its text.
 */
static enum canon_class
render_cls(const struct dcol *c, const struct srow *r, size_t i)
{
	unsigned v = VT_CLASS(r->vt[i]);

	if (c->pair.cls == CC_BYTES && v && v != DB_VBLOB)
		return CC_TEXT;
	return c->pair.cls;
}

/*
 * A value as the output shows it.  A blob kept as its bytes in a column
 * of another class (TEXT, or bytes no integer reads as) shows as hex,
 * as a blob column's: printed raw, a NUL byte ended it (x'00' showed as
 * '') and other bytes reached the terminal as they were.
 */
static void
render_value(const struct dcol *c, const struct srow *r, size_t i,
    struct buf *b)
{
	const unsigned char *v = val(r, i);

	if (VT_CLASS(r->vt[i]) == DB_VBLOB && c->pair.cls != CC_BYTES &&
	    r->len[i] > 0 && (v[0] == CANON_BAD || c->pair.cls == CC_TEXT)) {
		struct canon_type t = { .cls = CC_BYTES };
		struct buf e = BUF_INIT;
		canon_encode(&t, (const char *)v + 1, r->len[i] - 1, &e);
		canon_render(CC_BYTES, e.s, e.len, b);
		buf_release(&e);
		return;
	}
	canon_render(render_cls(c, r, i), v, r->len[i], b);
}

/* " (text)": the storage class of a value its column does not hold. */
static void
render_class(const struct srow *r, size_t i, struct buf *b)
{
	static const char *const names[] = { "", "integer", "real", "text",
	    "blob", "null" };
	unsigned c = VT_CLASS(r->vt[i]);

	if ((r->vt[i] & VT_ODD) && c < sizeof(names) / sizeof(names[0]))
		buf_addf(b, " (%s)", names[c]);
}

/* Columns that the order is defined by: the key, or the whole row. */
static size_t
order_cols(const struct tplan *p)
{
	return p->nkey ? p->nkey : p->ncols;
}

static void
order_expr(struct tplan *p, bool dst, size_t i, struct buf *q)
{
	const struct dcol *c = &p->cols[i];
	const struct canon_type *t = dst ? &c->dt : &c->st;
	struct buf id = BUF_INIT;

	col_ident(p, dst, i, &id);
	bool bytes = t->cls == CC_TEXT || c->pair.cls == CC_TEXT ||
	    c->pair.cls == CC_BYTES || (c->pair.cls == CC_UUID &&
	    t->cls != CC_UUID);
	switch ((dst ? p->d : p->s)->drv->engine) {
	case DB_POSTGRES:
		if (bytes && t->cls == CC_TEXT)
			buf_addf(q, "CAST(%s AS text) COLLATE \"C\"", id.s);
		else
			buf_adds(q, id.s);
		buf_adds(q, " NULLS FIRST");
		break;
	case DB_MYSQL:
		if (bytes)
			buf_addf(q, "CAST(%s AS BINARY)", id.s);
		else
			buf_adds(q, id.s);
		break;
	case DB_SQLITE:
		buf_adds(q, id.s);
		if (bytes)
			buf_adds(q, " COLLATE BINARY");
		break;
	}
	buf_release(&id);
}

void
merge_sql(struct tplan *p, bool dst, const char *pred, struct buf *q)
{
	struct db *d = dst ? p->d : p->s;
	bool my = d->drv->engine == DB_MYSQL;

	buf_adds(q, "SELECT ");
	for (size_t i = 0; i < p->ncols; i++) {
		const struct canon_type *t = dst ? &p->cols[i].dt :
		    &p->cols[i].st;
		struct buf id = BUF_INIT;
		col_ident(p, dst, i, &id);
		if (i)
			buf_adds(q, ", ");
		/* MariaDB prints FLOAT with 6 digits: ask for all of them. */
		if (my && t->cls == CC_FLOAT4)
			buf_addf(q, "CAST(%s AS DOUBLE)", id.s);
		else if (my && t->width == 9)	/* BIT prints as bytes */
			buf_addf(q, "CAST(%s AS UNSIGNED)", id.s);
		else
			buf_adds(q, id.s);
		buf_release(&id);
	}
	buf_adds(q, " FROM ");
	db_quote_tname(d, q, TNAME(p, dst));
	if (p->o->where || pred) {
		buf_adds(q, " WHERE ");
		if (p->o->where)
			buf_addf(q, "(%s)", p->o->where);
		if (p->o->where && pred)
			buf_adds(q, " AND ");
		if (pred)
			buf_addf(q, "(%s)", pred);
	}
	buf_adds(q, " ORDER BY ");
	for (size_t i = 0; i < order_cols(p); i++) {
		if (i)
			buf_adds(q, ", ");
		order_expr(p, dst, i, q);
	}
}

/* The key (or the row) of r as "id=5" or "(a=1, b='x')". */
static void
render_key(const struct tplan *p, const struct srow *r, struct buf *b,
    struct buf *json)
{
	size_t n = order_cols(p);

	if (n > 1)
		buf_addc(b, '(');
	buf_addc(json, '{');
	for (size_t i = 0; i < n; i++) {
		const struct dcol *c = &p->cols[i];
		struct buf v = BUF_INIT, cl = BUF_INIT;
		if (c->secret)
			buf_adds(&v, REDACT_MASK);
		else if (!r->null[i])
			render_value(c, r, i, &v);
		bool quote = !r->null[i] && !c->secret &&
		    VT_CLASS(r->vt[i]) != DB_VBLOB &&
		    (c->pair.cls == CC_TEXT || c->pair.cls == CC_TS ||
		    c->pair.cls == CC_DATE || c->pair.cls == CC_TIME ||
		    c->pair.cls == CC_UUID);
		if (!r->null[i] && !c->secret)
			render_class(r, i, &cl);
		/* the class after the quotes: id='b' (blob), not 'b (blob)' */
		buf_addf(b, "%s%s=%s%s%s%s", i ? ", " : "", c->name,
		    quote ? "'" : "", r->null[i] ? "NULL" : v.s,
		    quote ? "'" : "", cl.s);
		buf_add(&v, cl.s, cl.len);
		if (i)
			buf_addc(json, ',');
		json_str(json, c->name);
		buf_addc(json, ':');
		json_str(json, r->null[i] ? NULL : v.s);
		buf_release(&v);
		buf_release(&cl);
	}
	if (n > 1)
		buf_addc(b, ')');
	buf_addc(json, '}');
}

static void
render_val(const struct dcol *c, const struct srow *r, size_t i,
    struct buf *b)
{
	if (r->null[i])
		buf_adds(b, "NULL");
	else if (c->secret)
		buf_adds(b, REDACT_MASK);
	else {
		render_value(c, r, i, b);
		render_class(r, i, b);
	}
}

/*
 * A rendered value as JSON: null for SQL NULL, else a string, redacted
 * before it is escaped (json_str): a secret holding '"' or '\\' is matched
 * as the row holds it, which masking the finished JSON could not do.
 */
static void
json_val(struct buf *j, const struct srow *r, size_t i, const struct buf *v)
{
	json_str(j, r->null[i] ? NULL : v->s);
}

static char *
redacted(struct buf *b)
{
	char *s = redact(b->s);

	buf_release(b);
	return s;
}

/*
 * Record one difference: a is the source row (NULL when extra), b the
 * target row (NULL when missing); changed marks the differing columns.
 */
static void
report(struct tplan *p, const struct srow *a, const struct srow *b,
    const bool *changed)
{
	struct diff_row r = { .kind = a && b ? DIFF_CHANGED : a ? DIFF_MISSING :
	    DIFF_EXTRA };
	struct buf key = BUF_INIT, kj = BUF_INIT, cols = BUF_INIT;
	struct buf vals = BUF_INIT, vj = BUF_INIT;
	const struct srow *row = a ? a : b;

	render_key(p, row, &key, &kj);
	r.key = redacted(&key);
	r.key_json = buf_detach(&kj);	/* redacted value by value */
	if (changed) {
		for (size_t i = p->nkey; i < p->ncols; i++)
			if (changed[i])
				buf_addf(&cols, "%s%s", cols.len ? ", " : "",
				    p->cols[i].name);
		r.columns = redacted(&cols);
	}
	if (p->o->show_values && p->nkey) {
		buf_addc(&vj, '{');
		for (size_t i = p->nkey; i < p->ncols; i++) {
			if (changed && !changed[i])
				continue;
			const struct dcol *c = &p->cols[i];
			struct buf x = BUF_INIT, y = BUF_INIT;
			render_val(c, row, i, &x);
			if (changed)
				render_val(c, b, i, &y);
			buf_addf(&vals, "%s%s: %s%s%s", vals.len ? "; " : "",
			    c->name, x.s, changed ? " -> " : "", y.s);
			if (vj.len > 1)
				buf_addc(&vj, ',');
			json_str(&vj, c->name);
			buf_addc(&vj, ':');
			if (changed) {
				buf_addc(&vj, '[');
				json_val(&vj, row, i, &x);
				buf_addc(&vj, ',');
				json_val(&vj, b, i, &y);
				buf_addc(&vj, ']');
			} else
				json_val(&vj, row, i, &x);
			buf_release(&x);
			buf_release(&y);
		}
		buf_addc(&vj, '}');
		r.values = redacted(&vals);
		r.values_json = buf_detach(&vj);
	}
	buf_release(&vals);
	buf_release(&vj);
	diff_record(p, &r);
	if (p->o->repair) {
		struct mrow x, y;
		if (a)
			x = (struct mrow){ a->enc.s, a->off, a->len, a->null,
			    a->vt };
		if (b)
			y = (struct mrow){ b->enc.s, b->off, b->len, b->null,
			    b->vt };
		repair_row(p, a ? &x : NULL, b ? &y : NULL, changed);
	}
}

/*
 * The storage class a value is compared with (SQLite's, the engine that
 * keeps one per value): INTEGER 1, REAL 1.0, TEXT '1' and BLOB x'31'
 * print alike but SQLite tells them apart, so the diff must.  Between
 * two SQLite databases the class is always compared (checksum mode's
 * cutover_rowhash hashes it too); against an engine with typed columns,
 * only a class the column does not naturally hold (see dnat/snat) is,
 * so that INTEGER 1 in an INTEGER column equals PostgreSQL's 1 while
 * TEXT '1' in a column without a type does not.  One byte per value,
 * on SQLite streams only.
 */
static unsigned char
class_of(const struct tplan *p, bool dst, size_t i, unsigned char vt)
{
	unsigned nat = dst ? p->cols[i].dnat : p->cols[i].snat;
	bool odd = vt < 8 && !(nat & (1u << vt));

	if (odd)
		return (unsigned char)(vt | VT_ODD);
	return p->classes_both ? vt : 0;
}

/* Read the next row of a side into s->cur; 1 row, 0 end, -1 error. */
static int
advance(struct tplan *p, struct side *s, char **errp)
{
	struct db_row row = { 0 };
	int rc;

	if (s->have) {
		struct srow *t = s->prev;
		s->prev = s->cur;
		s->cur = t;
		s->has_prev = true;
	}
	s->have = false;
	if ((rc = db_stream_next(s->st, &row, errp)) <= 0)
		return rc;
	if (row.ncols != p->ncols)
		return seterr(errp, "%s returned %zu columns, expected %zu",
		    s->what, row.ncols, p->ncols);
	struct srow *r = s->cur;
	buf_reset(&r->enc);
	for (size_t i = 0; i < p->ncols; i++) {
		const struct dcol *c = &p->cols[i];
		struct canon_type t = c->pair;
		t.hex = (s->dst ? c->dt : c->st).hex;
		r->off[i] = r->enc.len;
		r->null[i] = row.vals[i] == NULL;
		if (!r->null[i])
			canon_encode(&t, row.vals[i], row.lens[i], &r->enc);
		r->len[i] = r->enc.len - r->off[i];
		r->vt[i] = row.types && !r->null[i] ? class_of(p, s->dst, i,
		    row.types[i]) : 0;
	}
	s->have = true;
	s->n++;
	if (!s->dst && (s->n & 1023) == 0)
		diff_progress_add(p->prog, 1024);	/* source rows only */
	if (s->has_prev) {
		int c = cmp_cols(p, s->prev, s->cur, order_cols(p));
		if (c > 0 || (c == 0 && p->nkey)) {
			struct buf k = BUF_INIT, j = BUF_INIT;
			render_key(p, s->cur, &k, &j);
			char *kr = redact(k.s);
			seterr(errp, "%s returned %s out of byte order at %s "
			    "(a collation or a --key that is not unique?)",
			    s->what, c == 0 ? "a duplicate key" : "rows", kr);
			free(kr);
			buf_release(&k);
			buf_release(&j);
			return -1;
		}
	}
	return 1;
}

static void
set_reached(struct tplan *p, const struct side *a)
{
	struct buf k = BUF_INIT, j = BUF_INIT;

	free(p->reached);
	p->reached = NULL;
	if (!a->has_prev && !a->have) {
		p->reached = xstrdup("none: no row read yet");
		return;
	}
	render_key(p, a->has_prev ? a->prev : a->cur, &k, &j);
	p->reached = redact(k.s);
	buf_release(&k);
	buf_release(&j);
}

int
merge_range(struct tplan *p, const char *pred_src, const char *pred_dst,
    char **errp)
{
	struct side a = { .what = "source" }, b = { .what = "target",
	    .dst = true };
	struct buf q = BUF_INIT;
	bool *changed = xcalloc(p->ncols + 1, sizeof(*changed));
	int rc = -1;

	for (int k = 0; k < 2; k++) {
		srow_init(&a.rows[k], p->ncols);
		srow_init(&b.rows[k], p->ncols);
	}
	a.cur = &a.rows[0], a.prev = &a.rows[1];
	b.cur = &b.rows[0], b.prev = &b.rows[1];
	merge_sql(p, false, pred_src, &q);
	if (db_stream_open(p->s, q.s, &a.st, errp) != 0)
		goto fail;
	buf_reset(&q);
	merge_sql(p, true, pred_dst, &q);
	if (db_stream_open(p->d, q.s, &b.st, errp) != 0)
		goto fail;
	if (advance(p, &a, errp) < 0 || advance(p, &b, errp) < 0)
		goto fail;
	while (a.have || b.have) {
		int c = !a.have ? 1 : !b.have ? -1 :
		    cmp_cols(p, a.cur, b.cur, order_cols(p));
		if (c < 0) {
			report(p, a.cur, NULL, NULL);
			if (advance(p, &a, errp) < 0)
				goto fail;
			continue;
		}
		if (c > 0) {
			report(p, NULL, b.cur, NULL);
			if (advance(p, &b, errp) < 0)
				goto fail;
			continue;
		}
		bool any = false;
		for (size_t i = p->nkey; p->nkey && i < p->ncols; i++) {
			const struct dcol *col = &p->cols[i];
			changed[i] = a.cur->null[i] != b.cur->null[i] ||
			    (!a.cur->null[i] && (!canon_equal(col->pair.cls,
			    val(a.cur, i), a.cur->len[i], val(b.cur, i),
			    b.cur->len[i], p->o->float_tol) ||
			    VT_CLASS(a.cur->vt[i]) != VT_CLASS(b.cur->vt[i])));
			any |= changed[i];
		}
		if (any)
			report(p, a.cur, b.cur, changed);
		if (advance(p, &a, errp) < 0 || advance(p, &b, errp) < 0)
			goto fail;
	}
	rc = 0;
	goto out;
fail:
	set_reached(p, &a);
out:
	p->t->src_rows += a.n;
	p->t->dst_rows += b.n;
	diff_progress_add(p->prog, a.n & 1023);
	/* Close the streams before anything else uses the connections. */
	db_stream_close(a.st);
	db_stream_close(b.st);
	for (int k = 0; k < 2; k++) {
		srow_release(&a.rows[k]);
		srow_release(&b.rows[k]);
	}
	free(changed);
	buf_release(&q);
	return rc;
}
