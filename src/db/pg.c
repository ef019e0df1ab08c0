/* pg.c - the PostgreSQL driver, over libpq. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"

#ifdef WITH_PG
#include <libpq-fe.h>

/* libpq's messages end in newlines and may span lines: keep the first. */
static char *
first_line(const char *msg)
{
	size_t n = strcspn(msg ? msg : "", "\n");

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
	if (timeout_us > 0) {
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
pg_query(struct db *d, const char *sql, db_row_fn fn, void *arg, char **errp)
{
	PGresult *r = PQexec(d->h, sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = 0;

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		char *m = first_line(PQresultErrorMessage(r));
		if (*m == '\0') {
			free(m);
			m = first_line(PQerrorMessage(d->h));
		}
		seterr(errp, "query on %s: %s", d->what, m);
		free(m);
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
		struct db_row row = { (size_t)nf, vals, lens };
		if (fn(&row, arg) != 0)
			break;
	}
	free(vals);
	free(lens);
	PQclear(r);
	return rc;
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

static void
pg_close(struct db *d)
{
	PQfinish(d->h);
	d->h = NULL;
}
#endif

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
#ifdef WITH_PG
	.available = true,
	.connect = pg_connect,
	.query = pg_query,
	.version = pg_version,
	.close = pg_close,
#endif
	.quote_ident = pg_quote_ident,
};
