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

int
db_connect(const struct url *u, int64_t timeout_us, struct db **out,
    char **errp)
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
db_query(struct db *d, const char *sql, db_row_fn fn, void *arg, char **errp)
{
	return d->drv->query(d, sql, fn, arg, errp);
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

void
db_quote_name(struct db *d, struct buf *b, const char *name)
{
	const char *dot = strchr(name, '.');

	if (dot && d->drv != db_driver_for("sqlite")) {
		char *schema = xstrndup(name, (size_t)(dot - name));
		d->drv->quote_ident(b, schema);
		free(schema);
		buf_addc(b, '.');
		d->drv->quote_ident(b, dot + 1);
		return;
	}
	d->drv->quote_ident(b, name);
}

void
db_close(struct db *d)
{
	if (d == NULL)
		return;
	if (d->drv && d->h)
		d->drv->close(d);
	free(d->what);
	free(d);
}
