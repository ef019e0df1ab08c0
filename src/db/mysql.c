/* mysql.c - the MariaDB/MySQL driver, over libmariadb. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"

#ifdef WITH_MYSQL
#include <mysql.h>

static int
my_connect(struct db *d, const struct url *u, int64_t timeout_us, char **errp)
{
	MYSQL *m = mysql_init(NULL);
	unsigned int secs = (unsigned int)((timeout_us + 999999) / 1000000);

	if (m == NULL)
		return seterr(errp, "connect to %s: out of memory", d->what);
	if (secs == 0)
		secs = 1;
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &secs);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &secs);
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	const char *host = u->host && *u->host ? u->host : "127.0.0.1";
	const char *sock = url_param(u, "socket");
	if (!mysql_real_connect(m, host, u->user, u->password,
	    u->path && *u->path ? u->path : NULL, (unsigned)u->port, sock, 0)) {
		seterr(errp, "connect to %s: %s", d->what, mysql_error(m));
		mysql_close(m);
		return -1;
	}
	d->h = m;
	return 0;
}

static int
my_query(struct db *d, const char *sql, db_row_fn fn, void *arg, char **errp)
{
	MYSQL *m = d->h;

	if (mysql_real_query(m, sql, strlen(sql)) != 0)
		return seterr(errp, "query on %s: %s", d->what, mysql_error(m));
	MYSQL_RES *res = mysql_use_result(m);
	if (res == NULL) {
		if (mysql_field_count(m) == 0)
			return 0;	/* a statement without rows */
		return seterr(errp, "query on %s: %s", d->what, mysql_error(m));
	}
	unsigned nf = mysql_num_fields(res);
	MYSQL_ROW row;
	bool stop = false;
	const char **vals = xcalloc(nf + 1, sizeof(*vals));
	size_t *lens = xcalloc(nf + 1, sizeof(*lens));
	while ((row = mysql_fetch_row(res)) != NULL) {
		if (stop || fn == NULL)
			continue;	/* drain: the protocol needs it */
		unsigned long *l = mysql_fetch_lengths(res);
		for (unsigned j = 0; j < nf; j++) {
			vals[j] = row[j];
			lens[j] = l[j];
		}
		struct db_row r = { nf, vals, lens };
		stop = fn(&r, arg) != 0;
	}
	free(vals);
	free(lens);
	int rc = 0;
	if (mysql_errno(m) != 0)
		rc = seterr(errp, "query on %s: %s", d->what, mysql_error(m));
	mysql_free_result(res);
	return rc;
}

static int
my_version(struct db *d, long *out, char **errp)
{
	unsigned long v = mysql_get_server_version(d->h);

	if (v == 0)
		return seterr(errp, "cannot read the server version of %s",
		    d->what);
	*out = (long)v;
	return 0;
}

static void
my_close(struct db *d)
{
	mysql_close(d->h);
	d->h = NULL;
}
#endif

static void
my_quote_ident(struct buf *b, const char *s)
{
	buf_addc(b, '`');
	for (; *s; s++) {
		if (*s == '`')
			buf_addc(b, '`');
		buf_addc(b, *s);
	}
	buf_addc(b, '`');
}

const struct db_driver db_mysql = {
	.name = "mysql",
#ifdef WITH_MYSQL
	.available = true,
	.connect = my_connect,
	.query = my_query,
	.version = my_version,
	.close = my_close,
#endif
	.quote_ident = my_quote_ident,
};
