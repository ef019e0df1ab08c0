/* db.c - URL scheme -> driver, and the helpers every driver shares. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "lib/error.h"
#include "lib/xmalloc.h"

extern const struct db_driver db_pg, db_mysql, db_sqlite;

static const struct {
	const char		*scheme;
	const struct db_driver	*drv;
} drivers[] = {
	{ "postgres", &db_pg },
	{ "mysql", &db_mysql },
	{ "sqlite", &db_sqlite },
};

const struct db_driver *
db_driver_for(const char *scheme)
{
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strcmp(drivers[i].scheme, scheme) == 0)
			return drivers[i].drv;
	return NULL;
}

static int
connect_as(const struct url *u, int64_t timeout_us, bool client_timeout,
    bool writable, struct db **out, char **errp)
{
	const struct db_driver *drv = db_driver_for(u->scheme);
	struct db *d;

	*out = NULL;
	if (drv == NULL)
		return seterr(errp, "'%s' is not a database URL (expected "
		    "postgres://, mysql:// or sqlite:)", u->safe);
	if (!drv->available)
		return seterr(errp, "cutover was built without %s support "
		    "(rebuild with the client library installed)", drv->name);
	d = xcalloc(1, sizeof(*d));
	d->drv = drv;
	d->url = u;
	d->client_timeout = client_timeout;
	d->writable = writable;
	if (u->host)
		d->what = xasprintf("%s %s%s%.0d/%s", drv->name, u->host,
		    u->port ? ":" : "", u->port, u->path ? u->path : "");
	else
		d->what = xasprintf("%s %s", drv->name, u->path ? u->path : "");
	if (drv->connect(d, u, timeout_us, errp) != 0) {
		free(d->what);
		free(d);
		return -1;
	}
	*out = d;
	return 0;
}

int
db_connect(const struct url *u, int64_t timeout_us, struct db **out,
    char **errp)
{
	return connect_as(u, timeout_us, false, false, out, errp);
}

int
db_connect_writable(const struct url *u, int64_t timeout_us, struct db **out,
    char **errp)
{
	return connect_as(u, timeout_us, false, true, out, errp);
}

int
db_connect_client_timeout(const struct url *u, int64_t timeout_us,
    struct db **out, char **errp)
{
	return connect_as(u, timeout_us, true, false, out, errp);
}

int
db_query(struct db *d, const char *sql, db_row_fn fn, void *arg, char **errp)
{
	d->fail = DB_FAIL_OTHER;
	return d->drv->query(d, sql, fn, arg, errp);
}

struct sample_arg {
	struct db_sample *out;
	long long	 max;
};

static int
sample_row(const struct db_row *row, void *arg)
{
	struct sample_arg *a = arg;
	struct db_sample *s = a->out;

	if (s->rows >= a->max) {
		s->more = true;
		return 1;
	}
	if (s->rows++ == 0) {
		s->ncols = row->ncols;
		if (row->ncols > 0 && row->vals[0] != NULL) {
			s->first_cut = row->lens[0] > DB_VALUE_MAX;
			s->first = xstrndup(row->vals[0], s->first_cut ?
			    DB_VALUE_MAX : row->lens[0]);
		}
	}
	return 0;
}

int
db_sample(struct db *d, const char *sql, int64_t timeout_us, long long row_max,
    struct db_sample *out, char **errp)
{
	struct sample_arg a = { out, row_max };

	memset(out, 0, sizeof(*out));
	d->fail = DB_FAIL_OTHER;
	if (d->drv->sample)
		return d->drv->sample(d, sql, timeout_us, row_max, out, errp);
	/* No row: the column count is unknown here, and not needed. */
	return db_query(d, sql, sample_row, &a, errp);
}

struct scalar_arg {
	bool	 got;
	char	*val;
};

static int
scalar_row(const struct db_row *row, void *arg)
{
	struct scalar_arg *a = arg;

	a->got = true;
	if (row->ncols > 0 && row->vals[0] != NULL)
		a->val = xstrndup(row->vals[0], row->lens[0]);
	return 1;	/* the first row is all we want */
}

int
db_scalar(struct db *d, const char *sql, char **val, char **errp)
{
	struct scalar_arg a = { 0 };

	*val = NULL;
	if (db_query(d, sql, scalar_row, &a, errp) != 0) {
		free(a.val);
		return -1;
	}
	if (!a.got)
		return seterr(errp, "query returned no rows");
	*val = a.val;
	return 0;
}

/*
 * One part of a table's spelling from *sp: up to an unquoted dot, or a
 * double-quoted identifier ("" inside is one quote).  NULL on an
 * unbalanced quote or an empty part.
 */
static char *
tname_part(const char **sp)
{
	const char *s = *sp;
	struct buf b = BUF_INIT;

	if (*s == '"') {
		for (s++;; s++) {
			if (*s == '\0') {
				buf_release(&b);
				return NULL;
			}
			if (*s == '"' && s[1] == '"')
				s++;
			else if (*s == '"')
				break;
			buf_addc(&b, *s);
		}
		s++;
		if (*s != '\0' && *s != '.') {
			buf_release(&b);
			return NULL;	/* "a"b */
		}
	} else {
		for (; *s && *s != '.'; s++) {
			if (*s == '"') {
				buf_release(&b);
				return NULL;	/* a"b */
			}
			buf_addc(&b, *s);
		}
	}
	*sp = s;
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int
db_tname_parse(const char *s, struct db_tname *out, char **errp)
{
	const char *p = s;
	char *a = NULL, *b = NULL;

	memset(out, 0, sizeof(*out));
	if ((a = tname_part(&p)) == NULL)
		goto bad;
	if (*p == '.') {
		p++;
		if ((b = tname_part(&p)) == NULL || *p != '\0')
			goto bad;
		out->schema = a;
		out->name = b;
	} else
		out->name = a;
	return 0;
bad:
	free(a);
	free(b);
	return seterr(errp, "table '%s': expected table, schema.table or a "
	    "double-quoted part (\"a.b\") for a name with a dot or a quote", s);
}

static void
show_part(struct buf *b, const char *s)
{
	if (*s != '\0' && strpbrk(s, ".\"") == NULL) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

void
db_tname_show(struct buf *b, const struct db_tname *t)
{
	if (t->schema) {
		show_part(b, t->schema);
		buf_addc(b, '.');
	}
	show_part(b, t->name);
}

void
db_tname_release(struct db_tname *t)
{
	free(t->schema);
	free(t->name);
	t->schema = t->name = NULL;
}

int
db_tname_ambiguous(const char *spelled, const struct db_tname *t, char **errp)
{
	return seterr(errp, "table '%s' is ambiguous: it names table '%s' of "
	    "schema '%s', and a table named '%s' exists too; write '\"%s\"' "
	    "for that one, '\"%s\".\"%s\"' for the other", spelled, t->name,
	    t->schema, spelled, spelled, t->schema, t->name);
}

int
db_tname_resolve(struct db *d, const char *spelled, struct db_tname *out,
    char **errp)
{
	struct strlist l = STRLIST_INIT;

	if (db_tname_parse(spelled, out, errp) != 0)
		return -1;
	if (out->schema == NULL || strchr(spelled, '"'))
		return 0;
	if (db_tables(d, &l, errp) != 0) {
		/* A query that fails midway has appended some rows to l. */
		strlist_release(&l);
		db_tname_release(out);
		return -1;
	}
	bool both = strlist_has(&l, spelled);
	strlist_release(&l);
	if (both) {
		db_tname_ambiguous(spelled, out, errp);
		db_tname_release(out);
		return -1;
	}
	return 0;
}

void
db_quote_tname(struct db *d, struct buf *b, const struct db_tname *t)
{
	const char *schema = t->schema ? t->schema : d->schema;

	if (schema) {
		d->drv->quote_ident(b, schema);
		buf_addc(b, '.');
	}
	d->drv->quote_ident(b, t->name);
}

void
db_quote_name(struct db *d, struct buf *b, const char *name)
{
	struct db_tname t;

	if (db_tname_parse(name, &t, NULL) != 0) {
		d->drv->quote_ident(b, name);
		return;
	}
	db_quote_tname(d, b, &t);
	db_tname_release(&t);
}

void
db_close(struct db *d)
{
	if (d == NULL)
		return;
	if (d->drv && d->h)
		d->drv->close(d);
	free(d->what);
	free(d->schema);
	free(d);
}

int
db_exec(struct db *d, const char *sql, char **errp)
{
	return d->drv->query(d, sql, NULL, NULL, errp);
}

struct db_stream {
	struct db	*d;
	void		*st;
};

int
db_stream_open(struct db *d, const char *sql, struct db_stream **out,
    char **errp)
{
	void *st = NULL;

	*out = NULL;
	if (d->drv->stream_open(d, sql, &st, errp) != 0)
		return -1;
	*out = xcalloc(1, sizeof(**out));
	(*out)->d = d;
	(*out)->st = st;
	return 0;
}

int
db_stream_next(struct db_stream *s, struct db_row *row, char **errp)
{
	row->types = NULL;	/* set only by drivers with typed values */
	return s->d->drv->stream_next(s->st, row, errp);
}

void
db_stream_close(struct db_stream *s)
{
	if (s == NULL)
		return;
	s->d->drv->stream_close(s->st);
	free(s);
}

int
db_tables(struct db *d, struct strlist *out, char **errp)
{
	return d->drv->tables(d, out, errp);
}

int
db_columns(struct db *d, const struct db_tname *table, struct db_col **out,
    size_t *n, char **errp)
{
	*out = NULL;
	*n = 0;
	return d->drv->columns(d, table, out, n, errp);
}

void
db_cols_free(struct db_col *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].name);
		free(c[i].type);
	}
	free(c);
}

int
db_key(struct db *d, const struct db_tname *table, struct strlist *out,
    char **errp)
{
	return d->drv->key(d, table, out, errp);
}

int
db_snapshot(struct db *d, char **errp)
{
	return d->drv->snapshot(d, errp);
}

void
db_quote_literal(struct db *d, struct buf *b, const char *s)
{
	bool bs = d->drv->literal_backslash;

	buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'' || (bs && *s == '\\'))
			buf_addc(b, *s);
		buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

struct key_arg {
	struct strlist	 cur;
	char		*cur_id;
	bool		 cur_ok;
	bool		 done;
	struct strlist	*out;
};

static bool
truthy(const char *v)
{
	return v && (strcmp(v, "1") == 0 || strcmp(v, "t") == 0);
}

static void
key_flush(struct key_arg *a)
{
	if (a->cur_id && a->cur_ok && !a->done && a->cur.n > 0) {
		for (size_t i = 0; i < a->cur.n; i++)
			strlist_push(a->out, a->cur.v[i]);
		a->done = true;
	}
	strlist_release(&a->cur);
	free(a->cur_id);
	a->cur_id = NULL;
}

static int
key_row(const struct db_row *row, void *arg)
{
	struct key_arg *a = arg;

	if (row->ncols < 4 || row->vals[0] == NULL)
		return 0;
	if (a->cur_id == NULL || strcmp(a->cur_id, row->vals[0]) != 0) {
		key_flush(a);
		if (a->done)
			return 1;
		a->cur_id = xstrdup(row->vals[0]);
		a->cur_ok = true;
	}
	/* An expression or a nullable column cannot identify a row. */
	if (row->vals[2] == NULL || (!truthy(row->vals[1]) &&
	    !truthy(row->vals[3])))
		a->cur_ok = false;
	else
		strlist_push(&a->cur, row->vals[2]);
	return 0;
}

int
db_key_from_query(struct db *d, const char *sql, struct strlist *out,
    char **errp)
{
	struct key_arg a = { .out = out };
	int rc = db_query(d, sql, key_row, &a, errp);

	key_flush(&a);
	return rc;
}

struct cols_arg {
	struct db_col	*v;
	size_t		 n, cap;
};

static int
cols_row(const struct db_row *row, void *arg)
{
	struct cols_arg *a = arg;
	struct db_col c = {
		.name = xstrdup(row->vals[0] ? row->vals[0] : ""),
		.type = xstrdup(row->vals[1] ? row->vals[1] : ""),
		/* PostgreSQL says 't', MariaDB and SQLite '1'. */
		.notnull = row->vals[2] && (row->vals[2][0] == 't' ||
		    row->vals[2][0] == '1'),
	};
	ARR_PUSH(a->v, a->n, a->cap, c);
	return 0;
}

int
db_columns_from(struct db *d, const char *sql, const struct db_tname *table,
    struct db_col **out, size_t *n, char **errp)
{
	struct cols_arg a = { 0 };
	int rc = db_query(d, sql, cols_row, &a, errp);

	if (rc == 0 && a.n == 0) {
		struct buf t = BUF_INIT;
		db_tname_show(&t, table);
		rc = seterr(errp, "%s: no table '%s'", d->what, t.s);
		buf_release(&t);
	}
	if (rc != 0) {
		db_cols_free(a.v, a.n);
		return -1;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

struct db_repl_link *
db_repl_add(struct db_repl *r)
{
	r->links = xreallocarray(r->links, r->n + 1, sizeof(*r->links));
	struct db_repl_link *l = &r->links[r->n++];
	memset(l, 0, sizeof(*l));
	l->behind_bytes = -1;
	return l;
}

void
db_repl_release(struct db_repl *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->links[i].who);
		free(r->links[i].state);
		free(r->links[i].why);
		free(r->links[i].position);
	}
	free(r->links);
	free(r->role_why);
	free(r->slot);
	free(r->note);
	memset(r, 0, sizeof(*r));
}

int
db_rows_fn(const struct db_row *row, void *arg)
{
	struct db_rows *r = arg;

	if (r->n >= r->max)
		return 1;
	if (r->n == 0)
		r->ncols = row->ncols;
	if (row->ncols != r->ncols)
		return 1;
	r->v = xreallocarray(r->v, (r->n + 1) * (r->ncols ? r->ncols : 1),
	    sizeof(*r->v));
	for (size_t j = 0; j < r->ncols; j++)
		r->v[r->n * r->ncols + j] = row->vals[j] ?
		    xstrndup(row->vals[j], row->lens[j]) : NULL;
	r->n++;
	return 0;
}

const char *
db_rows_get(const struct db_rows *r, size_t row, size_t col)
{
	return row < r->n && col < r->ncols ? r->v[row * r->ncols + col] :
	    NULL;
}

void
db_rows_release(struct db_rows *r)
{
	for (size_t i = 0; i < r->n * r->ncols; i++)
		free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}
