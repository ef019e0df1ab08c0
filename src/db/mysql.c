/* mysql.c - the MariaDB/MySQL driver, over libmariadb. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db.h"
#include "../lib/error.h"
#include "../lib/xmalloc.h"

#ifdef WITH_MYSQL
#include <mysql.h>
#include <mysqld_error.h>

#include "../lib/lazy_mariadb.h"

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

/* "query on X: ..." and the class of the error, from its number. */
static int
my_error(struct db *d, MYSQL *m, char **errp)
{
	switch (mysql_errno(m)) {
	case ER_NO_SUCH_TABLE:
		d->fail = DB_FAIL_NO_TABLE;
		break;
	case ER_TABLEACCESS_DENIED_ERROR:
	case ER_COLUMNACCESS_DENIED_ERROR:
	case ER_DBACCESS_DENIED_ERROR:
		d->fail = DB_FAIL_DENIED;
		break;
	case ER_STATEMENT_TIMEOUT:
		d->fail = DB_FAIL_TIMEOUT;
		break;
	}
	return seterr(errp, "query on %s: %s", d->what, mysql_error(m));
}

static int
my_query(struct db *d, const char *sql, db_row_fn fn, void *arg, char **errp)
{
	MYSQL *m = d->h;

	if (mysql_real_query(m, sql, strlen(sql)) != 0)
		return my_error(d, m, errp);
	MYSQL_RES *res = mysql_use_result(m);
	if (res == NULL) {
		if (mysql_field_count(m) == 0)
			return 0;	/* a statement without rows */
		return my_error(d, m, errp);
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
		struct db_row r = { nf, vals, lens, NULL };
		stop = fn(&r, arg) != 0;
	}
	free(vals);
	free(lens);
	int rc = 0;
	if (mysql_errno(m) != 0)
		rc = my_error(d, m, errp);
	mysql_free_result(res);
	return rc;
}

/* SHOW GLOBAL STATUS rows are (Variable_name, Value). */
static int
status_row(const struct db_row *row, void *arg)
{
	long long *used = arg;

	if (row->ncols >= 2 && row->vals[1])
		*used = strtoll(row->vals[1], NULL, 10);
	return 1;
}

static int
max_row(const struct db_row *row, void *arg)
{
	long long *max = arg;

	if (row->ncols >= 1 && row->vals[0])
		*max = strtoll(row->vals[0], NULL, 10);
	return 1;
}

/*
 * SHOW works on MariaDB and on MySQL 5.7 and 8, where
 * information_schema.GLOBAL_STATUS is gone.
 */
static int
my_connections(struct db *d, long long *used, long long *max, char **errp)
{
	*used = *max = -1;
	if (my_query(d, "SHOW GLOBAL STATUS LIKE 'Threads_connected'",
	    status_row, used, errp) != 0 ||
	    my_query(d, "SELECT @@max_connections", max_row, max, errp) != 0)
		return -1;
	if (*used < 0 || *max < 0)
		return seterr(errp, "no figures returned");
	return 0;
}

/* 101106: 10.11.6 */
static int
my_version_parts(long v, long out[3])
{
	out[0] = v / 10000;
	out[1] = v / 100 % 100;
	out[2] = v % 100;
	return 3;
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

/*
 * Streams use mysql_use_result: rows come off the socket one at a time,
 * never buffered whole.  The result must be drained before the
 * connection can run anything else, so close() drains it.
 */
struct my_stream {
	struct db	*d;
	MYSQL_RES	*res;
	const char	**vals;
	size_t		*lens;
	unsigned	 nf;
};

static int
my_stream_open(struct db *d, const char *sql, void **out, char **errp)
{
	MYSQL *m = d->h;

	if (mysql_real_query(m, sql, strlen(sql)) != 0)
		return seterr(errp, "query on %s: %s", d->what, mysql_error(m));
	MYSQL_RES *res = mysql_use_result(m);
	if (res == NULL)
		return seterr(errp, "query on %s: %s", d->what,
		    mysql_errno(m) ? mysql_error(m) : "no result set");
	struct my_stream *st = xcalloc(1, sizeof(*st));
	st->d = d;
	st->res = res;
	st->nf = mysql_num_fields(res);
	st->vals = xcalloc(st->nf + 1, sizeof(*st->vals));
	st->lens = xcalloc(st->nf + 1, sizeof(*st->lens));
	*out = st;
	return 0;
}

static int
my_stream_next(void *p, struct db_row *row, char **errp)
{
	struct my_stream *st = p;
	MYSQL *m = st->d->h;
	MYSQL_ROW r = mysql_fetch_row(st->res);

	if (r == NULL) {
		if (mysql_errno(m) != 0)
			return seterr(errp, "query on %s: %s", st->d->what,
			    mysql_error(m));
		return 0;
	}
	unsigned long *l = mysql_fetch_lengths(st->res);
	for (unsigned j = 0; j < st->nf; j++) {
		st->vals[j] = r[j];
		st->lens[j] = l[j];
	}
	row->ncols = st->nf;
	row->vals = st->vals;
	row->lens = st->lens;
	return 1;
}

static void
my_stream_close(void *p)
{
	struct my_stream *st = p;

	if (st == NULL)
		return;
	while (mysql_fetch_row(st->res) != NULL)
		;
	mysql_free_result(st->res);
	free(st->vals);
	free(st->lens);
	free(st);
}

static int
list_row(const struct db_row *row, void *arg)
{
	if (row->ncols > 0 && row->vals[0])
		strlist_push(arg, row->vals[0]);
	return 0;
}

/*
 * Without a database in the URL, DATABASE() is NULL and there is no
 * table to list: that must not read as "no tables, identical".
 */
static int
my_tables(struct db *d, struct strlist *out, char **errp)
{
	char *db = NULL;

	if (db_scalar(d, "SELECT DATABASE()", &db, errp) != 0)
		return -1;
	if (db == NULL)
		return seterr(errp, "%s: no database selected (name one in "
		    "the URL: mysql://host/DATABASE)", d->what);
	free(db);
	return db_query(d, "SELECT TABLE_NAME FROM information_schema.TABLES "
	    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' "
	    "ORDER BY CAST(TABLE_NAME AS BINARY)", list_row, out, errp);
}

/*
 * "TABLE_SCHEMA = .. AND TABLE_NAME = .." for a table of another
 * database or of the connection's; never split at a dot (`s.t` is one
 * table).  information_schema compares names with the server's
 * lower_case_table_names rules, as the table's own lookup does.
 */
static void
where_table(struct db *d, struct buf *q, const struct db_tname *table)
{
	if (table->schema) {
		buf_adds(q, "TABLE_SCHEMA = ");
		db_quote_literal(d, q, table->schema);
	} else
		buf_adds(q, "TABLE_SCHEMA = DATABASE()");
	buf_adds(q, " AND TABLE_NAME = ");
	db_quote_literal(d, q, table->name);
}

/*
 * MariaDB's JSON is LONGTEXT with a column CHECK (json_valid(`c`)) named
 * after the column: such a column is reported as "json", so its values
 * compare by meaning.  Best effort: MySQL (native JSON, and a
 * CHECK_CONSTRAINTS without TABLE_NAME) and old servers fail the query
 * and the column stays text, compared byte for byte.
 */
static void
my_json_columns(struct db *d, const struct db_tname *table,
    struct db_col *c, size_t n)
{
	struct buf q = BUF_INIT;
	struct db_rows r = { .max = 4096 };

	buf_adds(&q, "SELECT CONSTRAINT_NAME FROM "
	    "information_schema.CHECK_CONSTRAINTS WHERE ");
	if (table->schema) {
		buf_adds(&q, "CONSTRAINT_SCHEMA = ");
		db_quote_literal(d, &q, table->schema);
	} else
		buf_adds(&q, "CONSTRAINT_SCHEMA = DATABASE()");
	buf_adds(&q, " AND TABLE_NAME = ");
	db_quote_literal(d, &q, table->name);
	buf_adds(&q, " AND CHECK_CLAUSE = CONCAT('json_valid(`', "
	    "REPLACE(CONSTRAINT_NAME, '`', '``'), '`)')");
	if (db_query(d, q.s, db_rows_fn, &r, NULL) == 0)
		for (size_t i = 0; i < r.n; i++)
			for (size_t k = 0; k < n; k++)
				if (db_rows_get(&r, i, 0) && strcmp(c[k].name,
				    db_rows_get(&r, i, 0)) == 0 &&
				    strcmp(c[k].type, "longtext") == 0) {
					free(c[k].type);
					c[k].type = xstrdup("json");
				}
	db_rows_release(&r);
	buf_release(&q);
}

static int
my_columns(struct db *d, const struct db_tname *table, struct db_col **out, size_t *n,
    char **errp)
{
	struct buf q = BUF_INIT;

	buf_adds(&q, "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'NO' "
	    "FROM information_schema.COLUMNS WHERE ");
	where_table(d, &q, table);
	buf_adds(&q, " ORDER BY ORDINAL_POSITION");
	int rc = db_columns_from(d, q.s, table, out, n, errp);
	buf_release(&q);
	if (rc == 0)
		my_json_columns(d, table, *out, *n);
	return rc;
}

static int
my_key(struct db *d, const struct db_tname *table, struct strlist *out,
    char **errp)
{
	struct buf q = BUF_INIT;

	/* A prefix index (SUB_PART) does not identify rows. */
	buf_adds(&q, "SELECT INDEX_NAME, INDEX_NAME = 'PRIMARY', COLUMN_NAME, "
	    "NULLABLE <> 'YES' FROM information_schema.STATISTICS WHERE ");
	where_table(d, &q, table);
	buf_adds(&q, " AND NON_UNIQUE = 0 AND SUB_PART IS NULL ORDER BY "
	    "INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX");
	int rc = db_key_from_query(d, q.s, out, errp);
	buf_release(&q);
	return rc;
}

static long long
my_estimate_rows(struct db *d, const struct db_tname *table)
{
	struct buf q = BUF_INIT;
	char *v = NULL;
	long long n = -1;

	buf_adds(&q, "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE ");
	where_table(d, &q, table);
	if (db_scalar(d, q.s, &v, NULL) == 0 && v)
		n = atoll(v);
	free(v);
	buf_release(&q);
	return n;
}

/*
 * One consistent snapshot for the whole diff; TIMESTAMP columns are
 * printed in UTC so that they compare with other engines' instants.
 */
static int
my_snapshot(struct db *d, char **errp)
{
	if (db_exec(d, "SET time_zone = '+00:00'", errp) != 0 ||
	    db_exec(d, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE "
	    "READ", errp) != 0)
		return -1;
	return db_exec(d, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ "
	    "ONLY", errp);
}

/*
 * Replication (the `replication` check).  A replica: SHOW REPLICA STATUS
 * (MariaDB 10.5.1+, MySQL 8.0.22+), else SHOW SLAVE STATUS, chosen by
 * the parse error's number; its columns read by name, the old names
 * (Slave_IO_Running, Seconds_Behind_Master: MariaDB keeps them) or the
 * new (Replica_IO_Running, Seconds_Behind_Source: MySQL).  A primary:
 * the binlog dump threads of its connected replicas in the process
 * list; it does not know their lag.
 */
static const char *
col(MYSQL_RES *res, MYSQL_ROW row, const char *a, const char *b)
{
	unsigned nf = mysql_num_fields(res);
	MYSQL_FIELD *f = mysql_fetch_fields(res);

	for (unsigned i = 0; i < nf; i++)
		if (strcasecmp(f[i].name, a) == 0 ||
		    (b && strcasecmp(f[i].name, b) == 0))
			return row[i];
	return NULL;
}

static int
my_repl_replica(struct db *d, struct db_repl *out, char **errp)
{
	MYSQL *m = d->h;
	static const char *const q[] = { "SHOW REPLICA STATUS",
	    "SHOW SLAVE STATUS" };
	int rc = -1;

	for (int i = 0; i < 2; i++) {
		rc = mysql_query(m, q[i]);
		if (rc == 0 || mysql_errno(m) != ER_PARSE_ERROR)
			break;
	}
	if (rc != 0)
		return my_error(d, m, errp);
	MYSQL_RES *res = mysql_store_result(m);
	if (res == NULL)
		return my_error(d, m, errp);
	MYSQL_ROW row = mysql_fetch_row(res);
	if (row == NULL) {
		out->role_why = xasprintf("%s is not a replica (SHOW REPLICA "
		    "STATUS is empty)", d->what);
		mysql_free_result(res);
		return 0;
	}
	out->role_ok = true;
	struct db_repl_link *l = db_repl_add(out);
	const char *io = col(res, row, "Slave_IO_Running", "Replica_IO_Running");
	const char *sql = col(res, row, "Slave_SQL_Running",
	    "Replica_SQL_Running");
	const char *host = col(res, row, "Master_Host", "Source_Host");
	const char *port = col(res, row, "Master_Port", "Source_Port");
	const char *lag = col(res, row, "Seconds_Behind_Master",
	    "Seconds_Behind_Source");
	const char *ioe = col(res, row, "Last_IO_Error", NULL);
	const char *sqe = col(res, row, "Last_SQL_Error", NULL);
	const char *gtid = col(res, row, "Gtid_IO_Pos", "Executed_Gtid_Set");
	l->who = xasprintf("replica of %s:%s", host ? host : "?",
	    port ? port : "?");
	l->state = xasprintf("IO %s, SQL %s", io ? io : "?", sql ? sql : "?");
	bool io_ok = io && strcmp(io, "Yes") == 0;
	bool sql_ok = sql && strcmp(sql, "Yes") == 0;
	l->healthy = io_ok && sql_ok;
	if (!io_ok)
		l->why = xasprintf("the IO thread is %s, not running%s%s",
		    io ? io : "unknown", ioe && *ioe ? ": " : "",
		    ioe && *ioe ? ioe : "");
	else if (!sql_ok)
		l->why = xasprintf("the SQL thread is %s, not running%s%s",
		    sql ? sql : "unknown", sqe && *sqe ? ": " : "",
		    sqe && *sqe ? sqe : "");
	if (lag) {
		l->has_lag = true;
		l->lag_s = strtod(lag, NULL);
	}
	if (gtid && *gtid)
		l->position = xasprintf("GTID %s", gtid);
	mysql_free_result(res);
	return 0;
}

static int
my_repl_primary(struct db *d, struct db_repl *out, char **errp)
{
	struct db_rows r = { .max = 1000 };

	if (my_query(d, "SELECT @@log_bin, @@gtid_binlog_pos", db_rows_fn,
	    &r, errp) != 0)
		return -1;
	const char *lb = db_rows_get(&r, 0, 0), *pos = db_rows_get(&r, 0, 1);
	if (lb == NULL || strcmp(lb, "1") != 0) {
		out->role_why = xasprintf("%s has no binary log (log_bin is "
		    "off): it cannot be a primary", d->what);
		db_rows_release(&r);
		return 0;
	}
	out->role_ok = true;
	if (pos && *pos)
		out->note = xasprintf("gtid_binlog_pos %s", pos);
	db_rows_release(&r);
	r = (struct db_rows){ .max = 1000 };
	if (my_query(d, "SELECT HOST, STATE FROM information_schema.PROCESSLIST "
	    "WHERE COMMAND IN ('Binlog Dump', 'Binlog Dump GTID') ORDER BY 1",
	    db_rows_fn, &r, errp) != 0)
		return -1;
	for (size_t i = 0; i < r.n; i++) {
		struct db_repl_link *l = db_repl_add(out);
		const char *h = db_rows_get(&r, i, 0);
		l->who = xasprintf("replica at %s", h ? h : "?");
		l->state = xstrdup("connected");
		l->healthy = true;
	}
	/* Without PROCESS only one's own threads are listed. */
	if (r.n == 0)
		out->note = xasprintf("%s%s(a user without the PROCESS "
		    "privilege sees no replica)", out->note ? out->note : "",
		    out->note ? "; " : "");
	db_rows_release(&r);
	return 0;
}

static int
my_replication(struct db *d, enum db_repl_ask ask, const char *name,
    struct db_repl *out, char **errp)
{
	memset(out, 0, sizeof(*out));
	switch (ask) {
	case DB_REPL_PRIMARY:
		return my_repl_primary(d, out, errp);
	case DB_REPL_REPLICA:
		return my_repl_replica(d, out, errp);
	default:
		return seterr(errp, "MariaDB/MySQL cannot tell that");
	}
}

static void
my_close(struct db *d)
{
	mysql_close(d->h);
	d->h = NULL;
}
#endif

/* PREPARE takes the statement as a string literal. */
static void
my_prepare(struct db *d, struct buf *q, const char *name, const char *body)
{
	buf_addf(q, "PREPARE %s FROM ", name);
	db_quote_literal(d, q, body);
}

static void
my_execute(struct buf *q, const char *name, const char *a, const char *b)
{
	buf_addf(q, "EXECUTE %s USING %s, %s", name, a, b);
}

static void
my_deallocate(struct buf *q, const char *name)
{
	buf_addf(q, "DEALLOCATE PREPARE %s", name);
}

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
	.engine = DB_MYSQL,
	.repl_asks = DB_REPL_PRIMARY | DB_REPL_REPLICA,
	.literal_backslash = true,
	.int_div = " DIV ",
	.lit_bool = { "0", "1" },
	.lit_bytes = { "X'", "'" },
	.repair_session = "SET time_zone = '+00:00', sql_mode = "
	    "REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', ''), "
	    "foreign_key_checks = 0",
	.param = { "?", "?" },
	.prepare = my_prepare,
	.execute = my_execute,
	.deallocate = my_deallocate,
#ifdef WITH_MYSQL
	.available = true,
	.connect = my_connect,
	.query = my_query,
	.connections = my_connections,
	.replication = my_replication,
	.version = my_version,
	.version_parts = my_version_parts,
	.close = my_close,
	.stream_open = my_stream_open,
	.stream_next = my_stream_next,
	.stream_close = my_stream_close,
	.tables = my_tables,
	.columns = my_columns,
	.key = my_key,
	.snapshot = my_snapshot,
	.estimate_rows = my_estimate_rows,
#endif
	.quote_ident = my_quote_ident,
};
