/*
 * test_diff.c - the data diff engine on real SQLite files (in-process, so
 * the ASan run of the unit tests covers checksum and stream mode): counts,
 * keys, multisets, the mode switch, output formats, secret column names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../t.h"
#include "diff.h"
#include "lib/url.h"

static char dir[64];

/* A fresh SQLite file holding sql; returns its URL in u. */
static void
make_db(const char *name, const char *sql, struct url *u)
{
	char path[128], url[160];
	sqlite3 *h;

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	unlink(path);
	T_OK(sqlite3_open(path, &h) == SQLITE_OK);
	T_OK(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(h);
	snprintf(url, sizeof(url), "sqlite://%s", path);
	T_OK(url_parse(url, u, NULL) == 0);
}

static const char base[] =
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v REAL);"
    "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g "
    "WHERE x < 3000) INSERT INTO t SELECT x, 'n' || x, x / 3.0 FROM g;"
    "CREATE TABLE k (a TEXT, b INTEGER);"
    "INSERT INTO k VALUES ('x', 1), ('x', 1), ('y', 2);";

static const struct diff_table *
table(const struct diff_result *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->t[i].name, name) == 0)
			return &r->t[i];
	return NULL;
}

static void
setup(struct url *a, struct url *b, const char *change)
{
	char *sql;

	snprintf(dir, sizeof(dir), "/tmp/cutover-unit-diff.XXXXXX");
	T_OK(mkdtemp(dir) != NULL);
	make_db("a", base, a);
	if (asprintf(&sql, "%s%s", base, change) < 0)
		abort();
	make_db("b", sql, b);
	free(sql);
}

static void
teardown(struct url *a, struct url *b)
{
	char path[128];

	url_free(a);
	url_free(b);
	snprintf(path, sizeof(path), "%s/a.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.db", dir);
	unlink(path);
	rmdir(dir);
}

static void
check_modes(enum diff_mode mode, const char *want_mode)
{
	struct url a, b;
	struct diff_opts o;
	struct diff_result r;

	setup(&a, &b, "UPDATE t SET name = 'N' WHERE id = 1500;"
	    "UPDATE t SET v = v + 1e-12 WHERE id = 7;"
	    "DELETE FROM t WHERE id = 3000; INSERT INTO t VALUES (4000, 'z', 0);"
	    "DELETE FROM k WHERE rowid = 1;");
	diff_opts_init(&o);
	o.mode = mode;
	T_OK(diff_run(&a, &b, &o, &r, NULL) == 0);
	const struct diff_table *t = table(&r, "t"), *k = table(&r, "k");
	T_OK(t && k);
	if (t && k) {
		T_EQ_STR(t->mode, want_mode);
		T_EQ_INT(t->src_rows, 3000);
		T_EQ_INT(t->dst_rows, 3000);
		T_EQ_INT(t->missing, 1);
		T_EQ_INT(t->extra, 1);
		T_EQ_INT(t->changed, 2);
		T_EQ_INT(t->nrows, 4);
		T_EQ_STR(t->rows[0].key, "id=7");
		T_EQ_STR(t->rows[0].columns, "v");
		T_EQ_STR(t->rows[1].key, "id=1500");
		T_EQ_STR(t->rows[1].columns, "name");
		T_EQ_INT(t->rows[2].kind, DIFF_MISSING);
		T_EQ_STR(t->rows[3].key_json, "{\"id\":\"4000\"}");
		T_EQ_INT(k->missing, 1);
		T_EQ_STR(k->rows[0].key, "(a='x', b=1)");
		T_OK(k->key == NULL);
	}
	T_EQ_INT(diff_exit(&r), 1);
	diff_result_free(&r);
	diff_opts_release(&o);
	teardown(&a, &b);
}

T_TEST(checksum_mode_names_every_row)
{
	check_modes(DIFF_AUTO, "checksum");
}

T_TEST(stream_mode_names_every_row)
{
	check_modes(DIFF_STREAM, "stream");
}

T_TEST(identical_and_max_diffs)
{
	struct url a, b;
	struct diff_opts o;
	struct diff_result r;

	setup(&a, &b, "");
	diff_opts_init(&o);
	T_OK(diff_run(&a, &b, &o, &r, NULL) == 0);
	T_EQ_INT(diff_exit(&r), 0);
	T_EQ_INT(r.n, 2);
	char *s = diff_summary(&r);
	T_EQ_STR(s, "2 tables: 2 identical, 0 differ, 0 errors");
	free(s);
	diff_result_free(&r);
	teardown(&a, &b);

	/* Every row changed: counted all, listed max_diffs, streamed. */
	setup(&a, &b, "UPDATE t SET name = name || '!';");
	o.max_diffs = 5;
	T_OK(diff_run(&a, &b, &o, &r, NULL) == 0);
	const struct diff_table *t = table(&r, "t");
	T_OK(t != NULL);
	if (t) {
		T_EQ_INT(t->changed, 3000);
		T_EQ_INT(t->nrows, 5);
		T_EQ_STR(t->mode, "stream");	/* most chunks differed */
	}
	diff_result_free(&r);
	diff_opts_release(&o);
	teardown(&a, &b);
}

T_TEST(output_formats)
{
	struct url a, b;
	struct diff_opts o;
	struct diff_result r;
	char *text = NULL;
	size_t len = 0;

	setup(&a, &b, "UPDATE t SET name = 'N' WHERE id = 2;");
	diff_opts_init(&o);
	o.show_values = true;
	o.tables.n = 0;
	strlist_push(&o.tables, "t");
	T_OK(diff_run(&a, &b, &o, &r, NULL) == 0);
	FILE *f = open_memstream(&text, &len);
	T_OK(diff_print(f, &r, "json") == 0);
	fclose(f);
	T_OK(strstr(text, "\"identical\": false") != NULL);
	T_OK(strstr(text, "{\"type\":\"changed\",\"key\":{\"id\":\"2\"},"
	    "\"columns\":[\"name\"],\"values\":{\"name\":[\"n2\",\"N\"]}}") != NULL);
	free(text);
	f = open_memstream(&text, &len);
	T_OK(diff_print(f, &r, "text") == 0);
	fclose(f);
	T_OK(strstr(text, "t: src 3000 rows, dst 3000 rows: 0 missing in target, "
	    "0 extra in target, 1 changed (checksum, key id)\n"
	    "  changed  id=2: name\n           name: n2 -> N\n") != NULL);
	free(text);
	T_OK(diff_format_ok("jsonl"));
	T_OK(!diff_format_ok("xml"));
	diff_result_free(&r);
	diff_opts_release(&o);
	teardown(&a, &b);
}

/* Compare two databases built from sa and sb in one mode. */
static void
diff_two(const char *sa, const char *sb, enum diff_mode mode,
    struct diff_result *r)
{
	struct url a, b;
	struct diff_opts o;

	snprintf(dir, sizeof(dir), "/tmp/cutover-unit-diff.XXXXXX");
	T_OK(mkdtemp(dir) != NULL);
	make_db("a", sa, &a);
	make_db("b", sb, &b);
	diff_opts_init(&o);
	o.mode = mode;
	T_OK(diff_run(&a, &b, &o, r, NULL) == 0);
	diff_opts_release(&o);
	teardown(&a, &b);
}

/*
 * Generated columns hold data the target must reproduce: PRAGMA
 * table_info hid them, and a different expression compared identical.
 */
T_TEST(sqlite_generated_columns)
{
	static const char *const kinds[] = { "VIRTUAL", "STORED" };
	static const enum diff_mode modes[] = { DIFF_CHECKSUM, DIFF_STREAM };

	for (int k = 0; k < 2; k++) {
		for (int m = 0; m < 2; m++) {
			char *sa, *sb;
			struct diff_result r;
			if (asprintf(&sa, "CREATE TABLE g (id INTEGER PRIMARY "
			    "KEY, n INTEGER, d INTEGER GENERATED ALWAYS AS "
			    "(n * 2) %s); INSERT INTO g (id, n) VALUES (1, 1), "
			    "(2, 0);", kinds[k]) < 0 ||
			    asprintf(&sb, "CREATE TABLE g (id INTEGER PRIMARY "
			    "KEY, n INTEGER, d INTEGER GENERATED ALWAYS AS "
			    "(n * 3) %s); INSERT INTO g (id, n) VALUES (1, 1), "
			    "(2, 0);", kinds[k]) < 0)
				abort();
			diff_two(sa, sb, modes[m], &r);
			const struct diff_table *t = table(&r, "g");
			T_OK(t != NULL);
			if (t) {
				T_EQ_INT(t->status, DIFF_DIFFERENT);
				T_EQ_INT(t->changed, 1);
				T_EQ_STR(t->nrows ? t->rows[0].key : "", "id=1");
				T_EQ_STR(t->nrows ? t->rows[0].columns : "", "d");
			}
			diff_result_free(&r);
			free(sa);
			free(sb);
		}
	}
}

/*
 * SQLite keeps a storage class per value: INTEGER 1, REAL 1.0, TEXT '1'
 * and BLOB x'31' are four values (SQLite says 1 <> '1'), which the
 * stream compared equal through their text.  Every pair, in a column
 * without a type (where all four can be stored), in both modes; and
 * the classes an INTEGER or TEXT column can hold besides its own.
 */
T_TEST(sqlite_storage_classes)
{
	static const char *const vals[] = { "1", "1.0", "'1'", "x'31'" };
	static const enum diff_mode modes[] = { DIFF_CHECKSUM, DIFF_STREAM };
	static const struct {
		const char *decl, *a, *b;
		int changed;
	} more[] = {
		{ "INTEGER", "1", "x'31'", 1 },
		{ "INTEGER", "1", "'1'", 0 },	/* stored as INTEGER 1 */
		{ "TEXT", "'1'", "x'31'", 1 },
		{ "TEXT", "'1'", "1", 0 },	/* stored as TEXT '1' */
		{ "REAL", "1", "1.0", 0 },	/* both REAL 1.0 */
		{ "", "x'31'", "x'31'", 0 },
		{ "", "'1'", "'1'", 0 },
	};

	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < 4 * 4 + sizeof(more) / sizeof(more[0]);
		    i++) {
			const char *decl = "", *va, *vb;
			int want;
			if (i < 16) {
				va = vals[i / 4], vb = vals[i % 4];
				want = i / 4 != i % 4;
			} else {
				decl = more[i - 16].decl;
				va = more[i - 16].a, vb = more[i - 16].b;
				want = more[i - 16].changed;
			}
			char *sa, *sb;
			struct diff_result r;
			if (asprintf(&sa, "CREATE TABLE v (id INTEGER PRIMARY "
			    "KEY, x %s); INSERT INTO v VALUES (1, %s), (2, 2);",
			    decl, va) < 0 ||
			    asprintf(&sb, "CREATE TABLE v (id INTEGER PRIMARY "
			    "KEY, x %s); INSERT INTO v VALUES (1, %s), (2, 2);",
			    decl, vb) < 0)
				abort();
			diff_two(sa, sb, modes[m], &r);
			const struct diff_table *t = table(&r, "v");
			T_OK(t != NULL);
			if (t && t->changed != want)
				fprintf(stderr, "# %s: x %s: %s vs %s: %lld "
				    "changed, want %d\n", m ? "stream" :
				    "checksum", decl, va, vb, t->changed, want);
			if (t)
				T_EQ_INT(t->changed, want);
			diff_result_free(&r);
			free(sa);
			free(sb);
		}
	}
}

T_TEST(secret_column_names)
{
	T_OK(diff_secret_name("password"));
	T_OK(diff_secret_name("user_pwd"));
	T_OK(diff_secret_name("API_KEY"));
	T_OK(diff_secret_name("reset_token"));
	T_OK(diff_secret_name("client_secret"));
	T_OK(!diff_secret_name("email"));
	T_OK(!diff_secret_name("name"));
}

T_SUITE(diff, checksum_mode_names_every_row, stream_mode_names_every_row,
    identical_and_max_diffs, output_formats, secret_column_names,
    sqlite_generated_columns, sqlite_storage_classes)
