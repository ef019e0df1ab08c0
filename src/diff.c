/*
 * diff.c - data verification: which tables, their schemas and keys, and
 * the workers that compare them (see diff.h for the whole picture).
 *
 * Each worker holds one connection per side, inside one read-only
 * snapshot, and takes tables from a shared counter.  With --jobs 1 (the
 * default) every table is read in the same snapshot per side.
 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "diff_int.h"
#include "lib/error.h"
#include "lib/progress.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"

void
diff_opts_init(struct diff_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	o->max_diffs = 100;
	o->timeout_us = 30 * 1000000LL;
}

void
diff_opts_release(struct diff_opts *o)
{
	strlist_release(&o->tables);
	strlist_release(&o->exclude_tables);
	strlist_release(&o->columns);
	strlist_release(&o->exclude_columns);
	strlist_release(&o->key);
}

bool
diff_secret_name(const char *name)
{
	static const char *const words[] = { "pass", "pwd", "secret",
	    "token", "apikey", "api_key", "private_key", "credential",
	    "salt", "otp", NULL };

	for (const char *const *w = words; *w; w++)
		if (strcasestr_(name, *w))
			return true;
	return false;
}

void
diff_progress_add(struct diff_progress *pg, long long rows)
{
	if (pg == NULL)
		return;
	progress_add(pg->rep, rows, 0);
	if (pg->rows_out)
		atomic_fetch_add(pg->rows_out, rows);
}

/*
 * "diff: users (table 2 of 7): 120000 rows, 81000 rows/s, 1s, ETA 9s",
 * drawn by the progress reporter.  The ETA is from the catalog's row
 * estimates.
 */
static void
diff_render(struct buf *b, const struct progress_view *v, void *arg)
{
	struct diff_progress *pg = arg;

	pthread_mutex_lock(&pg->lock);
	if (pg->table && !v->last)
		buf_addf(b, "%s (table %zu of %zu): ", pg->table,
		    pg->next_table < pg->ntables ? pg->next_table : pg->ntables,
		    pg->ntables);
	pthread_mutex_unlock(&pg->lock);
	double rate = v->secs > 0 ? (double)v->items / v->secs : 0;
	buf_addf(b, "%lld rows, %.0f rows/s, %.0fs", v->items, rate, v->secs);
	if (!v->last)
		progress_add_eta(b, (double)v->items, (double)pg->est, v->secs);
}

static pthread_mutex_t row_lock = PTHREAD_MUTEX_INITIALIZER;

void
diff_record(struct tplan *p, struct diff_row *r)
{
	struct diff_table *t = p->t;

	switch (r->kind) {
	case DIFF_MISSING: t->missing++; break;
	case DIFF_EXTRA: t->extra++; break;
	case DIFF_CHANGED: t->changed++; break;
	}
	if (p->o->on_row) {
		pthread_mutex_lock(&row_lock);
		p->o->on_row(t, r, p->o->arg);
		pthread_mutex_unlock(&row_lock);
	}
	if ((long long)t->nrows < p->o->max_diffs) {
		ARR_PUSH(t->rows, t->nrows, t->caprows, *r);
		return;
	}
	free(r->key);
	free(r->key_json);
	free(r->columns);
	free(r->values);
	free(r->values_json);
}

void
col_ident(struct tplan *p, bool dst, size_t i, struct buf *b)
{
	struct db *d = dst ? p->d : p->s;

	d->drv->quote_ident(b, dst ? p->cols[i].dname : p->cols[i].name);
}

/*
 * How names match across the sides: exactly, else ignoring case ("Users"
 * on MariaDB, "users" after a migration to PostgreSQL) -- but only when
 * that is unambiguous: PostgreSQL and SQLite can hold "Users" and
 * "users" side by side, and matching one of them to the other side's
 * "users" would compare a table (or column) twice and hide the other.
 */
static size_t
count_ci(const struct strlist *l, const char *want)
{
	size_t n = 0;

	for (size_t i = 0; l && i < l->n; i++)
		n += strcasecmp(l->v[i], want) == 0;
	return n;
}

/* want in list, exactly or else by the rule above (own: want's side). */
static const char *
match_name(const struct strlist *list, const char *want,
    const struct strlist *own)
{
	const char *hit = NULL;

	for (size_t i = 0; i < list->n; i++)
		if (strcmp(list->v[i], want) == 0)
			return list->v[i];
	if (count_ci(list, want) != 1 || (own && count_ci(own, want) > 1))
		return NULL;
	for (size_t i = 0; i < list->n && hit == NULL; i++)
		if (strcasecmp(list->v[i], want) == 0)
			hit = list->v[i];
	return hit;
}

static size_t
count_col_ci(const struct db_col *c, size_t n, const char *want)
{
	size_t k = 0;

	for (size_t i = 0; c && i < n; i++)
		k += strcasecmp(c[i].name, want) == 0;
	return k;
}

static const struct db_col *
match_col(const struct db_col *c, size_t n, const char *want,
    const struct db_col *own, size_t nown)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].name, want) == 0)
			return &c[i];
	if (count_col_ci(c, n, want) != 1 || count_col_ci(own, nown, want) > 1)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(c[i].name, want) == 0)
			return &c[i];
	return NULL;
}

static bool
in_list_ci(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return true;
	return false;
}

static bool
same_key(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcasecmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static void
schema_note(struct diff_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
schema_note(struct diff_table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strlist_push_owned(&t->schema, xvasprintf(fmt, ap));
	va_end(ap);
}

struct side_job {
	int		(*fn)(void *, int, char **);
	void		*arg;
	int		 side, rc;
	char		*err;
};

static void *
side_main(void *a)
{
	struct side_job *j = a;

	j->rc = j->fn(j->arg, j->side, &j->err);
	return NULL;
}

/*
 * The two sides' setup round trips overlap instead of following each
 * other: a new PostgreSQL backend takes 15-25 ms from connect to its
 * first answer here, and each first catalog query of a session 2-6 ms
 * (its caches are loaded then), so a diff of one table spent ~80 ms
 * before its pass, one side after the other (2026-11-30, PostgreSQL 15).
 */
int
diff_both(int (*fn)(void *arg, int side, char **errp), void *arg,
    char **errp)
{
	struct side_job j[2] = { { fn, arg, 0, 0, NULL },
	    { fn, arg, 1, 0, NULL } };
	pthread_t th;
	bool threaded = pthread_create(&th, NULL, side_main, &j[0]) == 0;

	if (!threaded)
		side_main(&j[0]);
	side_main(&j[1]);
	if (threaded)
		pthread_join(th, NULL);
	int rc = 0;
	if (j[0].rc || j[1].rc)
		rc = seterr(errp, "%s", j[0].rc ? (j[0].err ? j[0].err :
		    "failed") : (j[1].err ? j[1].err : "failed"));
	free(j[0].err);
	free(j[1].err);
	return rc;
}

static void
plan_free(struct tplan *p)
{
	for (size_t i = 0; i < p->ncols; i++) {
		free(p->cols[i].name);
		free(p->cols[i].dname);
		strlist_release(&p->cols[i].elab[0]);
		strlist_release(&p->cols[i].elab[1]);
	}
	free(p->cols);
	free(p->reached);
	p->cols = NULL;
	p->ncols = 0;
}

#define VT(x)	(1u << (x))

/*
 * The storage classes a SQLite column's values naturally have (see
 * README, "SQLite storage classes").  A column with INTEGER, REAL or
 * NUMERIC affinity converts what reads as a number and keeps other text
 * as TEXT; TEXT affinity turns numbers into text; neither converts a
 * BLOB.  A column without a type (BLOB affinity) keeps every value as
 * given: there the class the comparison type stands for is the natural
 * one; a BLOB is natural wherever bytes or a uuid are compared.  Rules
 * of datatype3.html §3.1, in its order.
 */
static unsigned
natural_classes(const char *decl, enum canon_class pair)
{
	char *s = xstrdup(decl ? decl : "");
	unsigned m;

	for (char *c = s; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (strstr(s, "int"))
		m = VT(DB_VINT) | VT(DB_VREAL) | VT(DB_VTEXT);
	else if (strstr(s, "char") || strstr(s, "clob") || strstr(s, "text"))
		m = VT(DB_VTEXT);
	else if (*s && !strstr(s, "blob"))	/* REAL, NUMERIC */
		m = VT(DB_VINT) | VT(DB_VREAL) | VT(DB_VTEXT);
	else {
		switch (pair) {
		case CC_INT:
		case CC_BOOL:
			m = VT(DB_VINT);
			break;
		case CC_FLOAT:
		case CC_FLOAT4:
			m = VT(DB_VREAL);
			break;
		case CC_DEC:
			m = VT(DB_VINT) | VT(DB_VREAL);
			break;
		case CC_BYTES:
			m = VT(DB_VBLOB);
			break;
		default:
			m = VT(DB_VTEXT);
			break;
		}
	}
	free(s);
	/* A uuid or bytes compared as bytes: a BLOB is what holds them. */
	if (pair == CC_UUID || pair == CC_BYTES)
		m |= VT(DB_VBLOB);
	return m;
}

static bool
is_secret(const struct diff_opts *o, const char *name)
{
	return diff_secret_name(name) || (o->secrets &&
	    in_list_ci(o->secrets, name));
}

/*
 * Columns and key of one table on both sides.  Schema differences go to
 * t->schema; -1 (with *errp) when the table cannot be compared at all.
 */
/* One side's columns, then its key. */
struct schema_job {
	struct tplan	*p;
	struct db_col	**cols[2];
	size_t		*n[2];
	struct strlist	*key[2];
};

static int
schema_side(void *arg, int side, char **errp)
{
	struct schema_job *j = arg;
	struct db *d = side ? j->p->d : j->p->s;
	const struct db_tname *t = side ? j->p->dtable : j->p->table;

	if (db_columns(d, t, j->cols[side], j->n[side], errp) != 0)
		return -1;
	return db_key(d, t, j->key[side], errp);
}

static int
plan_table(struct tplan *p, char **errp)
{
	const struct diff_opts *o = p->o;
	struct db_col *sc = NULL, *dc = NULL;
	size_t ns = 0, nd = 0;
	struct strlist skey = STRLIST_INIT, dkey = STRLIST_INIT;
	struct strlist key = STRLIST_INIT;
	int rc = -1;

	/* The keys are part of the schema, even when --key overrides them. */
	struct schema_job sj = { p, { &sc, &dc }, { &ns, &nd },
	    { &skey, &dkey } };
	if (diff_both(schema_side, &sj, errp) != 0)
		goto out;
	if (skey.n && dkey.n && !same_key(&skey, &dkey)) {
		char *a = strlist_join(&skey, ", ");
		char *b = strlist_join(&dkey, ", ");
		schema_note(p->t, "key: source (%s), target (%s)", a, b);
		free(a);
		free(b);
	} else if ((skey.n == 0) != (dkey.n == 0))
		schema_note(p->t, "key: %s has none", skey.n ? "target" :
		    "source");
	const struct strlist *k = o->key.n ? &o->key : skey.n ? &skey : &dkey;
	for (size_t i = 0; i < k->n; i++)
		strlist_push(&key, k->v[i]);
	for (size_t i = 0; i < key.n; i++) {
		if (in_list_ci(&o->exclude_columns, key.v[i])) {
			seterr(errp, "key column '%s' cannot be excluded",
			    key.v[i]);
			goto out;
		}
		if (!match_col(sc, ns, key.v[i], NULL, 0) ||
		    !match_col(dc, nd, key.v[i], NULL, 0)) {
			seterr(errp, "key column '%s' is not on both sides",
			    key.v[i]);
			goto out;
		}
	}
	for (size_t i = 0; i < o->columns.n; i++)
		if (!match_col(sc, ns, o->columns.v[i], NULL, 0) &&
		    !match_col(dc, nd, o->columns.v[i], NULL, 0)) {
			seterr(errp, "no column '%s'", o->columns.v[i]);
			goto out;
		}

	/* Key columns first, in key order; then the others in source order. */
	size_t cap = ns + 1;
	p->cols = xcalloc(cap, sizeof(*p->cols));
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < (pass ? ns : key.n); i++) {
			const struct db_col *a = pass ? &sc[i] :
			    match_col(sc, ns, key.v[i], NULL, 0);
			bool iskey = in_list_ci(&key, a->name);
			if (pass && iskey)
				continue;
			if (!iskey && ((o->columns.n &&
			    !in_list_ci(&o->columns, a->name)) ||
			    in_list_ci(&o->exclude_columns, a->name)))
				continue;
			const struct db_col *b = match_col(dc, nd, a->name, sc,
			    ns);
			if (b == NULL) {
				schema_note(p->t, "column %s: missing in target",
				    a->name);
				continue;
			}
			struct dcol *c = &p->cols[p->ncols];
			canon_type_of(p->s->drv->name, a->type, &c->st);
			canon_type_of(p->d->drv->name, b->type, &c->dt);
			bool narrower;
			const char *why;
			if (canon_pair(&c->st, &c->dt, &c->pair, &narrower,
			    &why) < 0) {
				seterr(errp, "column %s: %s and %s cannot be "
				    "compared", a->name, a->type, b->type);
				goto out;
			}
			if (narrower)
				schema_note(p->t, "column %s: %s -> %s (%s)",
				    a->name, a->type, b->type, why);
			if (p->s->drv->typed_values)
				c->snat = natural_classes(a->type, c->pair.cls);
			if (p->d->drv->typed_values)
				c->dnat = natural_classes(b->type, c->pair.cls);
			c->name = xstrdup(a->name);
			c->dname = xstrdup(b->name);
			c->secret = is_secret(o, a->name);
			p->ncols++;
			if (!pass)
				p->nkey++;
		}
	}
	for (size_t i = 0; i < nd; i++) {
		if (match_col(sc, ns, dc[i].name, dc, nd) ||
		    (o->columns.n && !in_list_ci(&o->columns, dc[i].name)) ||
		    in_list_ci(&o->exclude_columns, dc[i].name))
			continue;
		schema_note(p->t, "column %s: extra in target", dc[i].name);
	}
	if (p->ncols == 0) {
		seterr(errp, "no column to compare");
		goto out;
	}
	if (p->nkey)
		p->t->key = strlist_join(&key, ", ");
	rc = 0;
out:
	db_cols_free(sc, ns);
	db_cols_free(dc, nd);
	strlist_release(&skey);
	strlist_release(&dkey);
	strlist_release(&key);
	return rc;
}

static void
reset_counts(struct diff_table *t)
{
	for (size_t i = 0; i < t->nrows; i++) {
		free(t->rows[i].key);
		free(t->rows[i].key_json);
		free(t->rows[i].columns);
		free(t->rows[i].values);
		free(t->rows[i].values_json);
	}
	t->nrows = 0;
	t->src_rows = t->dst_rows = 0;
	t->missing = t->extra = t->changed = 0;
}

/*
 * Each table is compared inside a savepoint on both sides: on PostgreSQL
 * a statement that fails (a -w predicate that divides by zero on one
 * table, a permission refused) aborts the whole transaction, and every
 * table after it failed with "current transaction is aborted" though
 * nothing was wrong with them.  Rolling back to the savepoint keeps the
 * transaction, and so the snapshot every table is read in.  The
 * statements are the same on the three engines.
 */
static int
table_savepoint(struct db *s, struct db *d, const char *sql, char **errp)
{
	int rc = db_exec(s, sql, errp);

	/* Both sides always: a rollback is owed to each. */
	if (db_exec(d, sql, rc == 0 ? errp : NULL) != 0)
		rc = -1;
	return rc;
}

static void
diff_table_run(struct db *s, struct db *d, const struct diff_opts *o,
    struct diff_table *t, struct diff_progress *pg, char *const part[2],
    char *const probe[2])
{
	struct tplan p = { .t = t, .o = o, .s = s, .d = d, .table = &t->src,
	    .dtable = &t->dst, .est_rows = -1, .prog = pg,
	    .part = { part[0], part[1] }, .probe = { probe[0], probe[1] } };
	char *e = NULL;
	int64_t t0 = now_mono_us();
	const char *why = NULL;

	p.classes_both = s->drv->typed_values && d->drv->typed_values;
	p.class_order = s->drv->typed_values || d->drv->typed_values;
	if (table_savepoint(s, d, "SAVEPOINT cutover_table", &e) != 0)
		goto fail;
	if (plan_table(&p, &e) != 0)
		goto fail;
	int rc = 1;
	if (o->mode != DIFF_STREAM && sum_possible(&p, &why)) {
		t->mode = "checksum";
		rc = sum_table(&p, &e);
		if (rc < 0)
			goto fail;
		if (rc == 1)
			reset_counts(t);
	}
	if (rc == 1) {
		t->mode = "stream";
		if (merge_range(&p, p.part[0], p.part[1], &e) != 0)
			goto fail;
	}
	t->status = t->missing || t->extra || t->changed || t->schema.n ?
	    DIFF_DIFFERENT : DIFF_IDENTICAL;
	goto out;
fail:
	t->status = DIFF_ERROR;
	if (p.reached)
		t->error = xasprintf("%s (compared up to key %s)", e, p.reached);
	else
		t->error = xstrdup(e ? e : "failed");
	{
		char *r = redact(t->error);
		free(t->error);
		t->error = r;
	}
out:
	plan_free(&p);
	/* Best effort: a connection that is gone fails the next table. */
	if (t->status == DIFF_ERROR)
		table_savepoint(s, d, "ROLLBACK TO SAVEPOINT cutover_table",
		    NULL);
	table_savepoint(s, d, "RELEASE SAVEPOINT cutover_table", NULL);
	t->duration_us = now_mono_us() - t0;
	free(e);
}

/*
 * The work list: a table, or with --jobs N a key range of one (a part).
 * A table is split when its key is one integer on both sides and its
 * key range holds at least SPLIT_MIN keys per part; the parts are
 * compared by all the workers at once, each into its own results, and
 * put together in key order afterwards (part_merge), so the answer is
 * the one a single job gives.
 *
 * A part's fixed cost is its table's catalog queries and a few probes
 * on each side, a few milliseconds; 10,000 rows take 10-20 ms to
 * checksum here (bench/diff, 1M rows in 1.3 s on PostgreSQL).
 *
 * What a split costs the server (bench/diff/jobs.sh, 1M rows, 2 parts):
 * MariaDB's chunk walk reads by index range either way, the same CPU
 * (6.6 s); PostgreSQL reads a part by an index range scan where the
 * whole table was one sequential scan, 2.3x the CPU (1.6 s -> 3.7 s):
 * worth it only where the server has idle cores.
 */
#define SPLIT_MIN	10000

struct part {
	size_t			 table;		/* r->t[table] */
	size_t			 idx, n;	/* part idx of n */
	char			*pred[2];	/* source, target; NULL: all */
	char			*probe[2];	/* see struct tplan */
	struct diff_table	 t;		/* its results when n > 1 */
	struct diff_opts	 o;		/* on_row goes to spill */
	FILE			*spill;		/* the rows for on_row */
	int64_t			 t0, t1;
	bool			 done;
};

struct worker {
	pthread_t		 th;
	const struct url	*src, *dst;
	const struct diff_opts	*o;
	struct diff_result	*r;
	struct db		*s, *d;		/* set for worker 0 */
	/* The coordinator's snapshots, per side (NULL: not shared). */
	const char		*snap[2];
	struct part		*parts;
	/* Several jobs: on_row is given each part's rows in part order. */
	bool			 spill;
	size_t			*flushed;	/* parts given so far */
	char			*err;
	struct diff_progress	*pg;
};

static int
open_side(const struct url *u, const struct diff_opts *o, const char *snap,
    struct db **out, char **errp)
{
	if (db_connect(u, o->timeout_us, out, errp) != 0)
		return -1;
	int rc = snap ? (*out)->drv->snapshot_import(*out, snap, errp) :
	    db_snapshot(*out, errp);
	if (rc != 0) {
		db_close(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Both sides' connections at once (diff_both); none when either fails. */
struct open_job {
	const struct url	*u[2];
	const struct diff_opts	*o;
	const char		*snap[2];
	struct db		**out[2];
};

static int
open_one(void *arg, int side, char **errp)
{
	struct open_job *j = arg;

	return open_side(j->u[side], j->o, j->snap[side], j->out[side], errp);
}

static int
open_both(const struct url *src, const struct url *dst,
    const struct diff_opts *o, const char *const snap[2], struct db **s,
    struct db **d, char **errp)
{
	struct open_job j = { { src, dst }, o, { snap[0], snap[1] },
	    { s, d } };

	*s = *d = NULL;
	if (diff_both(open_one, &j, errp) == 0)
		return 0;
	db_close(*s);
	db_close(*d);
	*s = *d = NULL;
	return -1;
}

/*
 * A part's differences for on_row, kept in a temporary file until the
 * parts before it are done: memory stays bounded by a row whatever the
 * number of differences.  Strings as length and bytes, -1 for NULL.
 */
static void
spill_str(FILE *f, const char *s)
{
	long long n = s ? (long long)strlen(s) : -1;

	fwrite(&n, sizeof(n), 1, f);
	if (s)
		fwrite(s, 1, (size_t)n, f);
}

static char *
unspill_str(FILE *f, bool *bad)
{
	long long n;

	if (fread(&n, sizeof(n), 1, f) != 1 || n < -1) {
		*bad = true;
		return NULL;
	}
	if (n < 0)
		return NULL;
	char *s = xmalloc((size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		*bad = true;
	s[n] = '\0';
	return s;
}

static void
spill_row(const struct diff_table *t, const struct diff_row *r, void *arg)
{
	struct part *pt = arg;
	int kind = (int)r->kind;

	(void)t;
	if (pt->spill == NULL)
		return;
	fwrite(&kind, sizeof(kind), 1, pt->spill);
	spill_str(pt->spill, r->key);
	spill_str(pt->spill, r->key_json);
	spill_str(pt->spill, r->columns);
	spill_str(pt->spill, r->values);
	spill_str(pt->spill, r->values_json);
}

/*
 * Replay a part's rows to the caller's on_row, in the order found.  A
 * row that could not be kept (a full disk) makes the table an error:
 * never a list that looks complete and is not.
 */
static void
unspill(struct part *pt, const struct diff_opts *o, struct diff_table *t)
{
	int kind;
	bool bad = false;

	if (pt->spill == NULL)
		return;
	/* rewind() clears the error flag of the writes: look first. */
	bool lost = fflush(pt->spill) != 0 || ferror(pt->spill);
	rewind(pt->spill);
	while (!bad && fread(&kind, sizeof(kind), 1, pt->spill) == 1) {
		struct diff_row r = { .kind = (enum diff_kind)kind };
		r.key = unspill_str(pt->spill, &bad);
		r.key_json = unspill_str(pt->spill, &bad);
		r.columns = unspill_str(pt->spill, &bad);
		r.values = unspill_str(pt->spill, &bad);
		r.values_json = unspill_str(pt->spill, &bad);
		if (!bad)
			o->on_row(t, &r, o->arg);
		free(r.key);
		free(r.key_json);
		free(r.columns);
		free(r.values);
		free(r.values_json);
	}
	if (lost || bad || ferror(pt->spill)) {
		struct diff_table *into = pt->n == 1 ? t : &pt->t;
		if (into->error == NULL) {
			into->status = DIFF_ERROR;
			into->error = xstrdup("cannot keep the differences in a "
			    "temporary file");
		}
	}
	fclose(pt->spill);
	pt->spill = NULL;
}

static pthread_mutex_t flush_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Give on_row the rows of the parts done, in part order (tables in
 * order, a table's ranges in key order), up to the first part still
 * running: what a single job would have given, as early as it can.
 */
static void
flush_parts(struct worker *w)
{
	pthread_mutex_lock(&flush_lock);
	for (;;) {
		pthread_mutex_lock(&w->pg->lock);
		size_t i = *w->flushed;
		bool go = i < w->pg->nparts && w->parts[i].done;
		pthread_mutex_unlock(&w->pg->lock);
		if (!go)
			break;
		unspill(&w->parts[i], w->o, &w->r->t[w->parts[i].table]);
		pthread_mutex_lock(&w->pg->lock);
		(*w->flushed)++;
		pthread_mutex_unlock(&w->pg->lock);
	}
	pthread_mutex_unlock(&flush_lock);
}

static void
run_part(struct worker *w, struct part *pt)
{
	struct diff_table *t = &w->r->t[pt->table];
	struct diff_table *into = pt->n == 1 ? t : &pt->t;
	const struct diff_opts *o = w->o;

	pt->t0 = now_mono_us();
	/* Its own results: the table's names, shared, not owned. */
	if (pt->n > 1)
		pt->t = (struct diff_table){ .name = t->name, .dname = t->dname,
		    .src = t->src, .dst = t->dst };
	if (w->spill) {
		pt->o = *w->o;
		pt->o.on_row = spill_row;
		pt->o.arg = pt;
		o = &pt->o;
		pt->spill = tmpfile();
		if (pt->spill == NULL) {
			into->status = DIFF_ERROR;
			into->error = xstrdup("cannot create a temporary file "
			    "for the differences");
			pt->t1 = now_mono_us();
			return;
		}
	}
	diff_table_run(w->s, w->d, o, into, w->pg, pt->pred, pt->probe);
	pt->t1 = now_mono_us();
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	char *e = NULL;

	if (w->s == NULL && open_both(w->src, w->dst, w->o, w->snap, &w->s,
	    &w->d, &e) != 0)
		w->err = e, e = NULL;
	for (;;) {
		pthread_mutex_lock(&w->pg->lock);
		size_t i = w->pg->next_part++;
		pthread_mutex_unlock(&w->pg->lock);
		if (i >= w->pg->nparts)
			break;
		struct part *pt = &w->parts[i];
		struct diff_table *t = &w->r->t[pt->table];
		if (t->status != DIFF_IDENTICAL && pt->n == 1) {
			/* only on one side: nothing to read */
			pthread_mutex_lock(&w->pg->lock);
			pt->done = true;
			pthread_mutex_unlock(&w->pg->lock);
			if (w->spill)
				flush_parts(w);
			continue;
		}
		pthread_mutex_lock(&w->pg->lock);
		w->pg->table = t->name;
		if (pt->table >= w->pg->next_table)
			w->pg->next_table = pt->table + 1;
		pthread_mutex_unlock(&w->pg->lock);
		if (w->err) {
			struct diff_table *et = pt->n == 1 ? t : &pt->t;
			et->status = DIFF_ERROR;
			et->error = redact(w->err);
		} else
			run_part(w, pt);
		pthread_mutex_lock(&w->pg->lock);
		pt->done = true;
		pthread_mutex_unlock(&w->pg->lock);
		if (w->spill)
			flush_parts(w);
	}
	return NULL;
}

/*
 * The parts of one table: n - 1 keys splitting [lo, hi] into ranges of
 * equal width, each part's predicate half-open (k >= a AND k < b), the
 * first open below and the last open above, so that every row is in
 * exactly one part on both sides -- also a row written after the
 * coordinator's snapshot on an engine where each connection has its own
 * (MariaDB), and in SQLite a key stored as REAL or TEXT.
 */
static void
split_table(struct tplan *p, size_t ti, int64_t lo, int64_t hi, size_t n,
    struct part **v, size_t *nv, size_t *cap)
{
	for (size_t i = 0; i < n; i++) {
		struct part pt = { .table = ti, .idx = i, .n = n };
		for (int side = 0; side < 2; side++) {
			struct buf q = BUF_INIT, k = BUF_INIT;
			col_ident(p, side, 0, &k);
			__int128 a = (__int128)lo + ((__int128)hi - lo + 1) *
			    (__int128)i / (__int128)n;
			__int128 b = (__int128)lo + ((__int128)hi - lo + 1) *
			    (__int128)(i + 1) / (__int128)n;
			if (i > 0)
				buf_addf(&q, "%s >= %lld", k.s, (long long)a);
			if (i > 0 && i + 1 < n)
				buf_adds(&q, " AND ");
			if (i + 1 < n)
				buf_addf(&q, "%s < %lld", k.s, (long long)b);
			pt.probe[side] = xstrdup(q.s);
			if (i + 1 == n)
				buf_addf(&q, " OR %s IS NULL", k.s);
			pt.pred[side] = buf_detach(&q);
			buf_release(&k);
		}
		ARR_PUSH(*v, *nv, *cap, pt);
	}
}

/*
 * The work list: with one job, or for a table that does not split,
 * one part per table.  Planned on the coordinator's connections (in
 * the snapshot the workers share where the engine allows).
 */
static void
plan_parts(struct db *s, struct db *d, const struct diff_opts *o,
    struct diff_result *r, int nw, struct part **v, size_t *nv)
{
	size_t cap = 0;

	*v = NULL;
	*nv = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct diff_table *t = &r->t[i];
		size_t n = 1;
		int64_t lo = 0, hi = 0;
		/*
		 * A repair's statements are written in the order found,
		 * and its chunks follow that order: kept whole.
		 */
		if (nw > 1 && t->status == DIFF_IDENTICAL && !o->repair) {
			struct diff_table scratch = { .name = t->name,
			    .src = t->src, .dst = t->dst };
			struct tplan p = { .t = &scratch, .o = o, .s = s,
			    .d = d, .table = &t->src, .dtable = &t->dst,
			    .est_rows = -1 };
			bool empty = true;
			/* A failure here is the worker's to report. */
			if (plan_table(&p, NULL) == 0 && sum_int_key(&p) &&
			    sum_key_span(&p, &lo, &hi, &empty, NULL) == 0 &&
			    !empty) {
				__int128 span = (__int128)hi - lo + 1;
				__int128 k = span / SPLIT_MIN;
				n = k < nw ? (size_t)k : (size_t)nw;
				if (n < 1)
					n = 1;
			}
			if (n > 1)
				split_table(&p, i, lo, hi, n, v, nv, &cap);
			plan_free(&p);
			strlist_release(&scratch.schema);
			free(scratch.key);
		}
		if (n == 1) {
			struct part pt = { .table = i, .n = 1 };
			ARR_PUSH(*v, *nv, cap, pt);
		}
	}
}

/*
 * A split table's answer from its parts, in key order: counts added,
 * the first max_diffs differences, the caller's on_row in order, the
 * first error (with where it stopped).
 */
static void
part_merge(struct part *v, size_t n, const struct diff_opts *o,
    struct diff_result *r)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].n == 1 || v[i].idx != 0)
			continue;
		struct diff_table *t = &r->t[v[i].table];
		int64_t t0 = v[i].t0, t1 = v[i].t1;
		bool checksum = false;
		for (size_t j = i; j < i + v[i].n; j++) {
			struct part *pt = &v[j];
			struct diff_table *x = &pt->t;
			if (pt->t0 && (t0 == 0 || pt->t0 < t0))
				t0 = pt->t0;
			if (pt->t1 > t1)
				t1 = pt->t1;
			t->src_rows += x->src_rows;
			t->dst_rows += x->dst_rows;
			t->missing += x->missing;
			t->extra += x->extra;
			t->changed += x->changed;
			t->chunks += x->chunks;
			t->chunks_differ += x->chunks_differ;
			checksum |= x->mode && strcmp(x->mode, "checksum") == 0;
			if (t->mode == NULL)
				t->mode = x->mode;
			if (j == i) {
				/* Each part read the same schema: one note. */
				t->schema = x->schema;
				x->schema = (struct strlist)STRLIST_INIT;
				t->key = x->key;
				x->key = NULL;
			}
			if (x->status == DIFF_ERROR && t->error == NULL) {
				t->error = x->error;
				x->error = NULL;
			}
			for (size_t k = 0; k < x->nrows; k++) {
				if ((long long)t->nrows < o->max_diffs) {
					ARR_PUSH(t->rows, t->nrows, t->caprows,
					    x->rows[k]);
					continue;
				}
				free(x->rows[k].key);
				free(x->rows[k].key_json);
				free(x->rows[k].columns);
				free(x->rows[k].values);
				free(x->rows[k].values_json);
			}
			free(x->rows);
			x->rows = NULL;
			x->nrows = 0;
			strlist_release(&x->schema);
			free(x->key);
			free(x->error);
		}
		/* A part that fell back to stream mode is still summed. */
		if (checksum)
			t->mode = "checksum";
		t->ranges = v[i].n;
		t->duration_us = t1 - t0;
		if (t->status != DIFF_IDENTICAL)
			continue;
		t->status = t->error ? DIFF_ERROR : t->missing || t->extra ||
		    t->changed || t->schema.n ? DIFF_DIFFERENT : DIFF_IDENTICAL;
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].pred[0]);
		free(v[i].pred[1]);
		free(v[i].probe[0]);
		free(v[i].probe[1]);
		if (v[i].spill)
			fclose(v[i].spill);
	}
}

/* Take ownership of the tables sn and dn (either may be empty). */
static void
add_table(struct diff_result *r, size_t *cap, struct db_tname *sn,
    struct db_tname *dn)
{
	struct buf a = BUF_INIT, b = BUF_INIT;

	ARR_GROW(r->t, r->n, *cap);
	struct diff_table *t = &r->t[r->n++];
	memset(t, 0, sizeof(*t));
	t->status = sn->name && dn->name ? DIFF_IDENTICAL : sn->name ?
	    DIFF_ONLY_SRC : DIFF_ONLY_DST;
	t->src = *sn;
	t->dst = *dn;
	if (t->src.name == NULL) {
		t->src.schema = dn->schema ? xstrdup(dn->schema) : NULL;
		t->src.name = xstrdup(dn->name);
	}
	if (t->dst.name == NULL) {
		t->dst.schema = sn->schema ? xstrdup(sn->schema) : NULL;
		t->dst.name = xstrdup(sn->name);
	}
	db_tname_show(&a, &t->src);
	db_tname_show(&b, &t->dst);
	t->name = buf_detach(&a);
	if (strcmp(t->name, b.s) != 0)
		t->dname = buf_detach(&b);
	buf_release(&b);
	memset(sn, 0, sizeof(*sn));
	memset(dn, 0, sizeof(*dn));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
same_tname_ci(const struct db_tname *a, const struct db_tname *b)
{
	if ((a->schema == NULL) != (b->schema == NULL))
		return false;
	return (a->schema == NULL || strcasecmp(a->schema, b->schema) == 0) &&
	    strcasecmp(a->name, b->name) == 0;
}

/* --table/--exclude-table spellings parsed; -1 with *errp when bad. */
static int
parse_tnames(const struct strlist *in, struct db_tname **out, size_t *n,
    char **errp)
{
	*out = xcalloc(in->n + 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (db_tname_parse(in->v[i], &(*out)[i], errp) != 0)
			return -1;
		(*n)++;
	}
	return 0;
}

static void
free_tnames(struct db_tname *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		db_tname_release(&v[i]);
	free(v);
}

/*
 * A user's table as one side has it: a qualified one is taken as it
 * is (checked when its columns are read); a plain one is the side's
 * own spelling ("Users" on MariaDB, "users" after a migration to
 * PostgreSQL).  Empty when the side has none.
 */
static void
side_tname(const struct db_tname *want, const struct strlist *listed,
    const struct strlist *other, struct db_tname *out)
{
	const char *n;

	memset(out, 0, sizeof(*out));
	if (want->schema) {
		out->schema = xstrdup(want->schema);
		out->name = xstrdup(want->name);
	} else if ((n = match_name(listed, want->name, other)) != NULL)
		out->name = xstrdup(n);
}

/*
 * "s.t" given unquoted names table t of schema s; when a table named
 * "s.t" exists as well, the user may have meant that one: refuse to
 * guess (a wrong guess compares the wrong table and may say identical).
 */
static int
check_ambiguous(const char *spelled, const struct strlist *st,
    const struct strlist *dt, char **errp)
{
	if (strchr(spelled, '"') || strchr(spelled, '.') == NULL)
		return 0;
	if (!strlist_has(st, spelled) && !strlist_has(dt, spelled))
		return 0;
	struct db_tname t;
	if (db_tname_parse(spelled, &t, NULL) != 0)
		return 0;
	int rc = db_tname_ambiguous(spelled, &t, errp);
	db_tname_release(&t);
	return rc;
}

/* Which tables to compare, and which exist on one side only. */
struct tables_job {
	struct db	*d[2];
	struct strlist	*out[2];
};

static int
tables_side(void *arg, int side, char **errp)
{
	struct tables_job *j = arg;

	return db_tables(j->d[side], j->out[side], errp);
}

static int
select_tables(struct db *s, struct db *d, const struct diff_opts *o,
    struct diff_result *r, char **errp)
{
	struct strlist st = STRLIST_INIT, dt = STRLIST_INIT, names = STRLIST_INIT;
	struct db_tname *want = NULL, *excl = NULL;
	size_t nwant = 0, nexcl = 0, cap = 0;
	int rc = -1;

	if (parse_tnames(&o->tables, &want, &nwant, errp) != 0 ||
	    parse_tnames(&o->exclude_tables, &excl, &nexcl, errp) != 0)
		goto out;
	struct tables_job tj = { { s, d }, { &st, &dt } };
	if (diff_both(tables_side, &tj, errp) != 0)
		goto out;
	if (nwant == 0) {
		/*
		 * Listed names are whole names of the connection's schema,
		 * never split: "s.t" is one table.
		 */
		for (size_t i = 0; i < st.n; i++)
			strlist_push(&names, st.v[i]);
		for (size_t i = 0; i < dt.n; i++)
			if (!match_name(&st, dt.v[i], &dt))
				strlist_push(&names, dt.v[i]);
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
		free_tnames(want, nwant);
		want = xcalloc(names.n + 1, sizeof(*want));
		for (nwant = 0; nwant < names.n; nwant++)
			want[nwant].name = xstrdup(names.v[nwant]);
	} else {
		for (size_t i = 0; i < nwant; i++) {
			if (check_ambiguous(o->tables.v[i], &st, &dt, errp) != 0)
				goto out;
			if (want[i].schema == NULL &&
			    !match_name(&st, want[i].name, &dt) &&
			    !match_name(&dt, want[i].name, &st)) {
				seterr(errp, "no table '%s' on either side",
				    o->tables.v[i]);
				goto out;
			}
		}
	}
	for (size_t i = 0; i < nexcl; i++)
		if (check_ambiguous(o->exclude_tables.v[i], &st, &dt, errp) != 0)
			goto out;
	for (size_t i = 0; i < nwant; i++) {
		bool skip = false;
		for (size_t j = 0; j < nexcl && !skip; j++)
			skip = same_tname_ci(&want[i], &excl[j]);
		if (skip)
			continue;
		struct db_tname sn, dn;
		side_tname(&want[i], &st, &dt, &sn);
		side_tname(&want[i], &dt, &st, &dn);
		if (sn.name == NULL && dn.name == NULL)
			continue;	/* listed on neither side: cannot be */
		add_table(r, &cap, &sn, &dn);
	}
	rc = 0;
out:
	free_tnames(want, nwant);
	free_tnames(excl, nexcl);
	strlist_release(&st);
	strlist_release(&dt);
	strlist_release(&names);
	return rc;
}

/* The source's row count as the catalog estimates it, for the ETA. */
static long long
estimate_rows(struct db *s, const struct diff_result *r)
{
	long long total = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (r->t[i].status == DIFF_ONLY_DST ||
		    s->drv->estimate_rows == NULL)
			continue;
		long long n = s->drv->estimate_rows(s, &r->t[i].src);
		if (n > 0)
			total += n;
	}
	return total;
}

int
diff_run(const struct url *src, const struct url *dst,
    const struct diff_opts *o, struct diff_result *r, char **errp)
{
	struct db *s = NULL, *d = NULL;
	int64_t t0 = now_mono_us();

	memset(r, 0, sizeof(*r));
	r->src = xstrdup(src->safe);
	r->dst = xstrdup(dst->safe);
	const char *none[2] = { NULL, NULL };
	if (open_both(src, dst, o, none, &s, &d, errp) != 0 ||
	    select_tables(s, d, o, r, errp) != 0) {
		db_close(s);
		db_close(d);
		return -1;
	}

	/*
	 * The workers read in the coordinator's snapshot where the engine
	 * can share it; elsewhere each connection has its own.
	 */
	char *snap[2] = { NULL, NULL };
	r->snapshot = "shared";
	for (int side = 0; side < 2 && o->jobs > 1; side++) {
		struct db *x = side ? d : s;
		if (x->drv->snapshot_export == NULL ||
		    x->drv->snapshot_export(x, &snap[side], errp) != 0) {
			if (x->drv->snapshot_export) {
				free(snap[0]);
				db_close(s);
				db_close(d);
				return -1;
			}
			r->snapshot = "per-connection";
		}
	}
	enum progress_mode pm = o->progress == DIFF_PROGRESS_OFF ?
	    PROGRESS_OFF : o->progress == DIFF_PROGRESS_ON ? PROGRESS_ON :
	    PROGRESS_AUTO;
	struct progress *rep = progress_new("diff", "rows", pm);
	long long est = rep || o->rows_total ? estimate_rows(s, r) : 0;
	if (o->rows_total)
		atomic_store(o->rows_total, est);
	int nw = o->jobs < 1 ? 1 : o->jobs;
	struct part *parts;
	size_t nparts;
	plan_parts(s, d, o, r, nw, &parts, &nparts);
	if ((size_t)nw > nparts)
		nw = nparts ? (int)nparts : 1;
	if (nw == 1)
		r->snapshot = "shared";		/* one connection per side */
	struct worker *w = xcalloc((size_t)nw, sizeof(*w));
	size_t flushed = 0;
	struct diff_progress pg = { .lock = PTHREAD_MUTEX_INITIALIZER,
	    .rep = rep, .rows_out = o->rows_done, .est = est,
	    .ntables = r->n,
	    .nparts = nparts };
	progress_set_render(rep, diff_render, &pg);
	progress_start(rep);
	for (int i = 0; i < nw; i++) {
		w[i] = (struct worker){ .src = src, .dst = dst, .o = o, .r = r,
		    .pg = &pg, .parts = parts, .snap = { snap[0], snap[1] },
		    .spill = nw > 1 && o->on_row, .flushed = &flushed };
		if (i == 0)
			w[i].s = s, w[i].d = d;
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0)
			die(EXIT_USAGE, "cannot start a thread");
	}
	for (int i = 0; i < nw; i++) {
		pthread_join(w[i].th, NULL);
		db_close(w[i].s);
		db_close(w[i].d);
		free(w[i].err);
	}
	progress_end(rep, true);
	free(w);
	part_merge(parts, nparts, o, r);
	free(parts);
	free(snap[0]);
	free(snap[1]);
	r->duration_us = now_mono_us() - t0;
	return 0;
}

int
diff_exit(const struct diff_result *r)
{
	int rc = EXIT_GO;

	for (size_t i = 0; i < r->n; i++) {
		if (r->t[i].status == DIFF_ERROR)
			return EXIT_USAGE;
		if (r->t[i].status != DIFF_IDENTICAL)
			rc = EXIT_NOGO;
	}
	return rc;
}

void
diff_result_free(struct diff_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct diff_table *t = &r->t[i];
		reset_counts(t);
		free(t->rows);
		free(t->name);
		free(t->dname);
		db_tname_release(&t->src);
		db_tname_release(&t->dst);
		free(t->key);
		free(t->error);
		strlist_release(&t->schema);
	}
	free(r->t);
	free(r->src);
	free(r->dst);
	memset(r, 0, sizeof(*r));
}
