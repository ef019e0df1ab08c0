/*
 * diff_repair.c - repair statements from the differences the diff finds
 * (see diff_repair.h).
 *
 * Literals are written from the canonical values, never from either
 * engine's text: an integer as its decimal digits, a double with 17
 * significant digits (enough to read back the same bits), a timestamp
 * in UTC with its microseconds (the session is put in UTC first), bytes
 * as a hex literal, text quoted for the target.  What differs between
 * the engines is a field of struct db_driver (lit_bool, lit_bytes,
 * lit_inf, lit_nan, repair_session, quote_ident).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "diff_repair.h"
#include "lib/error.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"

enum { R_DEL, R_UPD, R_INS, R_KINDS };	/* the order they run in */

struct rtable {
	const struct diff_table	*t;
	char			*name;		/* the user's spelling */
	FILE			*tmp;		/* records: kind, length, sql */
	long long		 n[R_KINDS];
	const char		*refused;	/* why it is not repaired */
	int			 err;		/* errno of a failed write */
};

struct repair {
	pthread_mutex_t	 lock;
	struct rtable	*v;
	size_t		 n, cap;
	long		 chunk;
	const struct db_driver *drv;	/* the target's: the dialect */
};

struct repair *
repair_new(long chunk)
{
	struct repair *r = xcalloc(1, sizeof(*r));

	pthread_mutex_init(&r->lock, NULL);
	r->chunk = chunk > 0 ? chunk : 500;
	return r;
}

void
repair_free(struct repair *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].tmp)
			fclose(r->v[i].tmp);
		free(r->v[i].name);
	}
	free(r->v);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* The table's entry; the caller holds the lock. */
static struct rtable *
table_of(struct repair *r, const struct diff_table *t)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].t == t)
			return &r->v[i];
	ARR_GROW(r->v, r->n, r->cap);
	struct rtable *x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	x->t = t;
	x->name = xstrdup(t->name);
	return x;
}

/* ---- literals ---------------------------------------------------------- */

static void
hex_lit(const struct db_driver *drv, struct buf *q, const unsigned char *v,
    size_t n)
{
	static const char hx[] = "0123456789abcdef";

	buf_adds(q, drv->lit_bytes[0]);
	for (size_t i = 0; i < n; i++) {
		buf_addc(q, hx[v[i] >> 4]);
		buf_addc(q, hx[v[i] & 15]);
	}
	buf_adds(q, drv->lit_bytes[1]);
}

/* Text as a string literal; text holding a NUL byte only as bytes. */
static void
text_lit(struct db *d, struct buf *q, const void *v, size_t n)
{
	if (memchr(v, '\0', n)) {
		hex_lit(d->drv, q, v, n);
		return;
	}
	char *s = xmalloc(n + 1);
	memcpy(s, v, n);
	s[n] = '\0';
	db_quote_literal(d, q, s);
	free(s);
}

/* Only digits, sign, point and exponent: safe to write bare. */
static bool
numeric_text(const unsigned char *v, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789+-.eE", v[i]) || v[i] == '\0')
			return false;
	return true;
}

static int
float_lit(struct db *d, struct buf *q, double x, bool real_class,
    char **errp)
{
	const struct db_driver *drv = d->drv;

	if (isnan(x)) {
		if (drv->lit_nan == NULL)
			return seterr(errp, "NaN cannot be stored in %s",
			    drv->name);
		buf_adds(q, drv->lit_nan);
		return 0;
	}
	if (isinf(x)) {
		if (drv->lit_inf[0] == NULL)
			return seterr(errp, "infinity cannot be stored in %s",
			    drv->name);
		buf_adds(q, drv->lit_inf[x > 0]);
		return 0;
	}
	size_t at = q->len;
	buf_addf(q, "%.17g", x == 0 ? 0.0 : x);
	/* 1 would be read back as an INTEGER by SQLite: say 1.0. */
	if (real_class && !strpbrk(q->s + at, ".e"))
		buf_adds(q, ".0");
	return 0;
}

/*
 * Column i of row r as a literal for the target.  Unparsable values
 * (the 0xff tag) keep their raw text, which the target parses itself.
 */
static int
lit(const struct tplan *p, size_t i, const struct mrow *r, struct buf *q,
    char **errp)
{
	struct db *d = p->d;
	const struct db_driver *drv = d->drv;
	const struct dcol *c = &p->cols[i];
	const unsigned char *v = (const unsigned char *)r->enc + r->off[i];
	size_t n = r->len[i];
	struct buf x = BUF_INIT;
	int rc = 0;

	if (r->null[i]) {
		buf_adds(q, "NULL");
		return 0;
	}
	bool ok = n > 0 && v[0] != CANON_BAD;
	const unsigned char *pay = v + 1;
	size_t np = n ? n - 1 : 0;
	enum canon_class cls = c->pair.cls;
	unsigned vt = r->vt ? r->vt[i] & 0x7f : 0;

	/*
	 * A value with its own storage class (SQLite to SQLite, or one its
	 * column does not naturally hold) is written in that class.
	 */
	if (vt && drv->typed_values && vt != DB_VNULL) {
		bool raw = !ok || cls == CC_BYTES || cls == CC_TEXT;
		if (!raw)
			canon_render(cls, v, n, &x);
		const unsigned char *s = raw ? pay : (const unsigned char *)x.s;
		size_t ns = raw ? np : x.len;
		if (vt == DB_VBLOB)
			hex_lit(drv, q, s, ns);
		else if (vt == DB_VTEXT)
			text_lit(d, q, s, ns);
		else if (ok && cls == CC_BOOL)
			buf_adds(q, pay[0] ? "1" : "0");
		else if (ok && (cls == CC_FLOAT || cls == CC_FLOAT4))
			rc = float_lit(d, q, canon_double(pay), vt == DB_VREAL,
			    errp);
		else if (numeric_text(s, ns)) {
			buf_add(q, s, ns);
			if (vt == DB_VREAL && !memchr(s, '.', ns) &&
			    !memchr(s, 'e', ns) && !memchr(s, 'E', ns))
				buf_adds(q, ".0");
		} else
			text_lit(d, q, s, ns);
		buf_release(&x);
		return rc;
	}
	if (!ok) {
		text_lit(d, q, pay, np);
		return 0;
	}
	switch (cls) {
	case CC_BYTES:
		if (c->dt.cls == CC_TEXT)	/* text compared as bytes */
			text_lit(d, q, pay, np);
		else
			hex_lit(drv, q, pay, np);
		break;
	case CC_UUID:
		if (c->dt.cls == CC_BYTES)
			hex_lit(drv, q, pay, np);
		else {
			canon_render(cls, v, n, &x);
			text_lit(d, q, x.s, x.len);
		}
		break;
	case CC_FLOAT:
	case CC_FLOAT4:
		rc = float_lit(d, q, canon_double(pay), drv->typed_values,
		    errp);
		break;
	case CC_BOOL:
		buf_adds(q, drv->lit_bool[pay[0] != 0]);
		break;
	case CC_INT:
	case CC_DEC:
		canon_render(cls, v, n, &x);
		if (numeric_text((const unsigned char *)x.s, x.len))
			buf_add(q, x.s, x.len);
		else
			text_lit(d, q, x.s, x.len);
		break;
	case CC_TEXT:
		text_lit(d, q, pay, np);
		break;
	case CC_TS:
	case CC_DATE:
	case CC_TIME:
	default:
		/*
		 * UTC, microseconds when there are any: the session is UTC.
		 * A class added later (say JSON) is written as its rendered
		 * text, which the target parses; the re-verification says
		 * whether that was right.
		 */
		canon_render(cls, v, n, &x);
		text_lit(d, q, x.s, x.len);
		break;
	}
	buf_release(&x);
	return rc;
}

/* " WHERE k1 = v1 AND k2 IS NULL" from the target's row. */
static int
key_pred(const struct tplan *p, const struct mrow *r, struct buf *q,
    char **errp)
{
	buf_adds(q, " WHERE ");
	for (size_t i = 0; i < p->nkey; i++) {
		if (i)
			buf_adds(q, " AND ");
		p->d->drv->quote_ident(q, p->cols[i].dname);
		if (r->null[i]) {
			buf_adds(q, " IS NULL");
			continue;
		}
		buf_adds(q, " = ");
		if (lit(p, i, r, q, errp) != 0)
			return -1;
	}
	return 0;
}

static int
statement(const struct tplan *p, const struct mrow *a, const struct mrow *b,
    const bool *changed, struct buf *q, char **errp)
{
	struct db *d = p->d;

	if (a == NULL) {
		buf_adds(q, "DELETE FROM ");
		db_quote_tname(d, q, p->dtable);
		if (key_pred(p, b, q, errp) != 0)
			return -1;
	} else if (b == NULL) {
		buf_adds(q, "INSERT INTO ");
		db_quote_tname(d, q, p->dtable);
		buf_adds(q, " (");
		for (size_t i = 0; i < p->ncols; i++) {
			if (i)
				buf_adds(q, ", ");
			d->drv->quote_ident(q, p->cols[i].dname);
		}
		buf_addc(q, ')');
		if (d->drv->insert_keep_ids)
			buf_adds(q, d->drv->insert_keep_ids);
		buf_adds(q, " VALUES (");
		for (size_t i = 0; i < p->ncols; i++) {
			if (i)
				buf_adds(q, ", ");
			if (lit(p, i, a, q, errp) != 0)
				return -1;
		}
		buf_addc(q, ')');
	} else {
		buf_adds(q, "UPDATE ");
		db_quote_tname(d, q, p->dtable);
		buf_adds(q, " SET ");
		bool first = true;
		for (size_t i = p->nkey; i < p->ncols; i++) {
			if (!changed[i])
				continue;
			if (!first)
				buf_adds(q, ", ");
			first = false;
			d->drv->quote_ident(q, p->cols[i].dname);
			buf_adds(q, " = ");
			if (lit(p, i, a, q, errp) != 0)
				return -1;
		}
		if (key_pred(p, b, q, errp) != 0)
			return -1;
	}
	buf_addc(q, ';');
	return 0;
}

static const char keyless_why[] =
    "no key (no primary key or unique NOT NULL index, and no --key): its "
    "rows have no identity, and removing one of two equal rows is not "
    "exact on every engine";

void
repair_row(struct tplan *p, const struct mrow *a, const struct mrow *b,
    const bool *changed)
{
	struct repair *r = p->o->repair;
	struct buf q = BUF_INIT;
	char *e = NULL;
	int k = a == NULL ? R_DEL : b == NULL ? R_INS : R_UPD;

	int rc = p->nkey ? statement(p, a, b, changed, &q, &e) : 0;
	pthread_mutex_lock(&r->lock);
	r->drv = p->d->drv;
	struct rtable *t = table_of(r, p->t);
	if (p->nkey == 0)
		t->refused = keyless_why;
	else if (rc != 0) {
		if (t->refused == NULL)
			t->refused = "a value the target cannot store (NaN or "
			    "infinity)";
	} else if (t->refused == NULL && t->err == 0) {
		if (t->tmp == NULL && (t->tmp = tmpfile()) == NULL)
			t->err = errno;
		uint64_t len = q.len;
		unsigned char kind = (unsigned char)k;
		if (t->tmp && (fwrite(&kind, 1, 1, t->tmp) != 1 ||
		    fwrite(&len, sizeof(len), 1, t->tmp) != 1 ||
		    fwrite(q.s, 1, q.len, t->tmp) != q.len))
			t->err = errno ? errno : EIO;
		if (t->err == 0)
			t->n[k]++;
	}
	pthread_mutex_unlock(&r->lock);
	buf_release(&q);
	free(e);
}

/* ---- after the diff ---------------------------------------------------- */

static bool
repairable(const struct rtable *t)
{
	return t->refused == NULL && t->err == 0 && t->tmp != NULL &&
	    t->n[R_DEL] + t->n[R_UPD] + t->n[R_INS] > 0;
}

size_t
repair_settle(struct repair *r, const struct diff_result *res, FILE *f)
{
	size_t bad = 0;

	for (size_t i = 0; i < res->n; i++) {
		const struct diff_table *t = &res->t[i];
		struct rtable *x = NULL;
		for (size_t j = 0; j < r->n && x == NULL; j++)
			if (r->v[j].t == t)
				x = &r->v[j];
		const char *why = NULL;
		char *own = NULL;
		switch (t->status) {
		case DIFF_ONLY_SRC:
			why = "only on the source (create it on the target "
			    "first)";
			break;
		case DIFF_ONLY_DST:
			why = "only on the target";
			break;
		case DIFF_ERROR:
			why = "its comparison failed";
			break;
		default:
			if (x == NULL && t->status == DIFF_DIFFERENT)
				why = "the schemas differ (the rows are "
				    "identical)";
			else if (x && x->refused)
				why = x->refused;
			else if (x && x->err)
				why = own = xasprintf("cannot keep its "
				    "statements: %s", strerror(x->err));
			break;
		}
		char *n = redact(t->name);
		if (why) {
			if (x && x->refused == NULL)
				x->refused = "not repaired";
			fprintf(f, "repair: %s: not repaired: %s\n", n, why);
			bad++;
		} else if (x && t->schema.n && repairable(x))
			fprintf(f, "repair: %s: the schemas differ: rows are "
			    "repaired on the compared columns only\n", n);
		free(n);
		free(own);
	}
	return bad;
}

static long long
table_total(const struct rtable *t)
{
	return t->n[R_DEL] + t->n[R_UPD] + t->n[R_INS];
}

void
repair_count(const struct repair *r, struct repair_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < r->n; i++) {
		const struct rtable *t = &r->v[i];
		if (!repairable(t))
			continue;
		c->del += t->n[R_DEL];
		c->upd += t->n[R_UPD];
		c->ins += t->n[R_INS];
		c->tx += (table_total(t) + r->chunk - 1) / r->chunk;
		c->tables++;
	}
}

void
repair_tables(const struct repair *r, struct strlist *out)
{
	for (size_t i = 0; i < r->n; i++)
		if (repairable(&r->v[i]))
			strlist_push(out, r->v[i].name);
}

/*
 * The statements, in order, to a sink: begin/commit around each chunk.
 * Per table the records are read three times, once per kind.
 */
struct sink {
	int	(*table)(void *arg, const struct rtable *t, char **errp);
	int	(*begin)(void *arg, char **errp);
	int	(*stmt)(void *arg, const char *sql, char **errp);
	int	(*commit)(void *arg, char **errp);
	void	*arg;
};

static int
walk(struct repair *r, const struct sink *s, char **errp)
{
	int rc = -1;

	for (size_t i = 0; i < r->n; i++) {
		struct rtable *t = &r->v[i];
		if (!repairable(t))
			continue;
		if (fflush(t->tmp) != 0) {
			seterr(errp, "%s: cannot keep its statements: %s",
			    t->name, strerror(errno));
			goto out;
		}
		if (s->table && s->table(s->arg, t, errp) != 0)
			goto out;
		long long in_chunk = 0;
		for (int k = 0; k < R_KINDS; k++) {
			if (t->n[k] == 0)
				continue;
			rewind(t->tmp);
			unsigned char kind;
			uint64_t len;
			while (fread(&kind, 1, 1, t->tmp) == 1) {
				if (fread(&len, sizeof(len), 1, t->tmp) != 1)
					goto short_read;
				if (kind != k) {
					if (fseeko(t->tmp, (off_t)len,
					    SEEK_CUR) != 0)
						goto short_read;
					continue;
				}
				char *p = xmalloc((size_t)len + 1);
				if (fread(p, 1, len, t->tmp) != len) {
					free(p);
					goto short_read;
				}
				p[len] = '\0';
				if (in_chunk == 0 &&
				    s->begin(s->arg, errp) != 0) {
					free(p);
					goto out;
				}
				int x = s->stmt(s->arg, p, errp);
				free(p);
				if (x != 0)
					goto out;
				if (++in_chunk == r->chunk) {
					if (s->commit(s->arg, errp) != 0)
						goto out;
					in_chunk = 0;
				}
			}
		}
		if (in_chunk && s->commit(s->arg, errp) != 0)
			goto out;
	}
	rc = 0;
	goto out;
short_read:
	seterr(errp, "cannot read back the repair statements");
out:
	return rc;
}

/* ---- the SQL script ---------------------------------------------------- */

static int
w_check(FILE *f, char **errp)
{
	if (ferror(f))
		return seterr(errp, "cannot write the repair script: %s",
		    strerror(errno));
	return 0;
}

static int
w_table(void *arg, const struct rtable *t, char **errp)
{
	FILE *f = arg;
	char *n = redact(t->name);

	/* A name is one line of comment, whatever it holds. */
	fputs("\n-- ", f);
	for (const char *c = n; *c; c++)
		fputc(*c == '\n' || *c == '\r' ? ' ' : *c, f);
	fprintf(f, ": DELETE %lld, UPDATE %lld, INSERT %lld\n",
	    t->n[R_DEL], t->n[R_UPD], t->n[R_INS]);
	free(n);
	return w_check(f, errp);
}

static int
w_begin(void *arg, char **errp)
{
	fputs("BEGIN;\n", arg);
	return w_check(arg, errp);
}

static int
w_stmt(void *arg, const char *sql, char **errp)
{
	fputs(sql, arg);
	fputc('\n', arg);
	return w_check(arg, errp);
}

static int
w_commit(void *arg, char **errp)
{
	fputs("COMMIT;\n", arg);
	return w_check(arg, errp);
}

int
repair_write(struct repair *r, FILE *f, const char *src, const char *dst,
    char **errp)
{
	struct repair_counts c;
	const struct db_driver *drv = r->drv;
	const struct sink s = { w_table, w_begin, w_stmt, w_commit, f };

	repair_count(r, &c);
	fprintf(f, "-- cutover repair: make %s equal to %s\n", dst, src);
	fprintf(f, "-- DELETE %lld, UPDATE %lld, INSERT %lld in %lld "
	    "transaction(s)\n", c.del, c.upd, c.ins, c.tx);
	/* Timestamps in UTC, string literals as written (see db.h). */
	if (drv && drv->repair_session)
		fprintf(f, "%s;\n", drv->repair_session);
	if (walk(r, &s, errp) != 0)
		return -1;
	return w_check(f, errp);
}

/* ---- --apply ----------------------------------------------------------- */

struct applier {
	struct db		*d;
	FILE			*log;
	const struct rtable	*t;
	long long		 done, total;	/* statements of t */
	bool			 open;
};

static int
a_table(void *arg, const struct rtable *t, char **errp)
{
	struct applier *a = arg;

	(void)errp;
	a->t = t;
	a->done = 0;
	a->total = table_total(t);
	return 0;
}

static int
a_begin(void *arg, char **errp)
{
	struct applier *a = arg;

	if (db_exec(a->d, "BEGIN", errp) != 0)
		return -1;
	a->open = true;
	return 0;
}

static int
a_stmt(void *arg, const char *sql, char **errp)
{
	struct applier *a = arg;
	char *e = NULL;

	if (db_exec(a->d, sql, &e) != 0) {
		/* The engine's message may quote the row's values. */
		char *m = redact(e);
		seterr(errp, "%s: statement %lld of %lld failed (its "
		    "transaction was rolled back): %s", a->t->name,
		    a->done + 1, a->total, m);
		free(m);
		free(e);
		return -1;
	}
	a->done++;
	return 0;
}

static int
a_commit(void *arg, char **errp)
{
	struct applier *a = arg;

	if (db_exec(a->d, "COMMIT", errp) != 0)
		return -1;
	a->open = false;
	if (a->done == a->total) {
		char *n = redact(a->t->name);
		fprintf(a->log, "repair: %s: DELETE %lld, UPDATE %lld, INSERT "
		    "%lld applied\n", n, a->t->n[R_DEL], a->t->n[R_UPD],
		    a->t->n[R_INS]);
		free(n);
	}
	return 0;
}

int
repair_apply(struct repair *r, const struct url *dst, int64_t timeout_us,
    FILE *log, char **errp)
{
	struct applier a = { .log = log };
	const struct sink s = { a_table, a_begin, a_stmt, a_commit, &a };

	if (db_connect_writable(dst, timeout_us, &a.d, errp) != 0)
		return -1;
	int rc = -1;
	if (a.d->drv->repair_session && db_exec(a.d, a.d->drv->repair_session,
	    errp) != 0)
		goto out;
	rc = walk(r, &s, errp);
	if (rc != 0 && a.open)
		db_exec(a.d, "ROLLBACK", NULL);	/* best effort */
out:
	db_close(a.d);
	return rc;
}
