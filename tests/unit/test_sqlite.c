/*
 * test_sqlite.c - the SQLite driver's statement timeout: a query that
 * runs past the connect timeout is canceled with a message naming the
 * timeout, the connection stays usable, and a diff's snapshot lifts the
 * limit as it does on PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../t.h"
#include "db.h"
#include "lib/url.h"

/* About a second of work for SQLite's VM, on any machine here. */
static const char slow[] =
    "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g "
    "WHERE x < 5000000) SELECT count(*) FROM g";

T_TEST(statement_timeout)
{
	char dir[] = "/tmp/cutover-lite.XXXXXX", path[64], url[96];
	struct url u;
	struct db *d = NULL;
	char *e = NULL, *v = NULL;
	sqlite3 *h;

	T_OK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/t.db", dir);
	T_OK(sqlite3_open(path, &h) == SQLITE_OK);
	T_OK(sqlite3_exec(h, "CREATE TABLE t (x INTEGER)", NULL, NULL, NULL) ==
	    SQLITE_OK);
	sqlite3_close(h);
	snprintf(url, sizeof(url), "sqlite://%s", path);
	T_OK(url_parse(url, &u, NULL) == 0);

	T_EQ_INT(db_connect(&u, 50000, &d, &e), 0);
	T_EQ_INT(db_scalar(d, slow, &v, &e), -1);
	T_OK(e && strstr(e, "canceled after the 50.0ms statement timeout"));
	free(e);
	e = NULL;
	/* The next statement has its own clock. */
	T_EQ_INT(db_scalar(d, "SELECT 41 + 1", &v, &e), 0);
	T_EQ_STR(v, "42");
	free(v);
	v = NULL;
	/* A diff's snapshot may run as long as it needs. */
	T_EQ_INT(db_snapshot(d, &e), 0);
	T_EQ_INT(db_scalar(d, slow, &v, &e), 0);
	T_EQ_STR(v, "5000000");
	free(v);
	db_close(d);
	url_free(&u);
	unlink(path);
	rmdir(dir);
}

T_SUITE(sqlite, statement_timeout)
