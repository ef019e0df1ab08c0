/*
 * test_sdjournal.c - sdj_read against a real journal file, written by
 * systemd-journal-remote from the journal export format (journald
 * cannot run here): a unit's messages, since a time, the last N, and
 * only what is new after a cursor.  Without systemd-journal-remote the
 * cases say so and pass nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../t.h"
#include "lib/buf.h"
#include "lib/sdjournal.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define REMOTE	"/lib/systemd/systemd-journal-remote"
#define T0	1700000000000000LL	/* the first entry's wall time */

static char dir[] = "/tmp/cutover-sdj.XXXXXX";
static char *file;

/* Append entries (unit, message), one second apart from T0 + first s. */
static bool
write_entries(const char *const *um, size_t n, int first)
{
	char *cmd = xasprintf("%s -o %s - 2>/dev/null", REMOTE, file);
	FILE *p = popen(cmd, "w");

	free(cmd);
	if (p == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		fprintf(p, "__CURSOR=s=0;i=%zu\n__REALTIME_TIMESTAMP=%lld\n"
		    "__MONOTONIC_TIMESTAMP=%zu\n_BOOT_ID=0123456789abcdef0123"
		    "456789abcdef\n_SYSTEMD_UNIT=%s\nMESSAGE=%s\n\n", i + first,
		    T0 + (long long)(i + first) * 1000000, i + first + 1,
		    um[2 * i], um[2 * i + 1]);
	return pclose(p) == 0;
}

static bool
setup(void)
{
	static const char *const e[] = {
		"app.service", "started",
		"app.service", "ERROR db down",
		"web.service", "GET /",
		"app.service", "connection: open",
	};

	if (access(REMOTE, X_OK) != 0) {
		printf("# skipped: %s is not installed\n", REMOTE);
		return false;
	}
	T_OK(mkdtemp(dir) != NULL);
	file = xasprintf("%s/t.journal", dir);
	return T_OK(write_entries(e, 4, 0));
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	T_OK(system(cmd) == 0);
	free(cmd);
	free(file);
}

static int
collect(const char *msg, size_t len, int64_t wall_us, void *arg)
{
	struct buf *b = arg;

	buf_addf(b, "%s%.*s", b->len ? "|" : "", (int)len, msg);
	T_OK(wall_us >= T0);
	return 0;
}

T_TEST(unit_since_last_cursor)
{
	if (!setup())
		return;
	struct buf b = BUF_INIT;
	struct sdj_query q = { .path = file, .unit = "app.service" };
	size_t n;
	char *cur = NULL, *e = NULL;

	T_EQ_INT(sdj_read(&q, collect, &b, &n, &cur, &e), 0);
	T_EQ_STR(b.s, "started|ERROR db down|connection: open");
	T_EQ_INT(n, 3);
	T_OK(cur != NULL);
	buf_reset(&b);
	/* The whole directory, every unit, since the second entry. */
	struct sdj_query q2 = { .path = dir, .since_wall_us = T0 + 1000000 };
	T_EQ_INT(sdj_read(&q2, collect, &b, &n, NULL, &e), 0);
	T_EQ_STR(b.s, "ERROR db down|GET /|connection: open");
	buf_reset(&b);
	struct sdj_query q3 = { .path = file, .unit = "app.service",
	    .last_n = 2 };
	T_EQ_INT(sdj_read(&q3, collect, &b, &n, NULL, &e), 0);
	T_EQ_STR(b.s, "ERROR db down|connection: open");
	buf_reset(&b);
	/* A watch sample: nothing new after the cursor, then one entry. */
	struct sdj_query q4 = { .path = file, .unit = "app.service",
	    .after_cursor = cur };
	char *cur2 = NULL;
	T_EQ_INT(sdj_read(&q4, collect, &b, &n, &cur2, &e), 0);
	T_EQ_INT(n, 0);
	T_EQ_STR(cur2, cur);
	static const char *const more[] = { "app.service", "ERROR again" };
	T_OK(write_entries(more, 1, 4));
	free(cur2);
	T_EQ_INT(sdj_read(&q4, collect, &b, &n, &cur2, &e), 0);
	T_EQ_STR(b.s, "ERROR again");
	T_EQ_INT(n, 1);
	T_OK(cur2 && strcmp(cur2, cur) != 0);
	free(cur2);
	free(cur);
	buf_release(&b);
	teardown();
}

T_TEST(missing_journal)
{
	struct sdj_query q = { .path = "/nonexistent/cutover.journal" };
	size_t n;
	char *e = NULL;

	T_EQ_INT(sdj_read(&q, NULL, NULL, &n, NULL, &e), -1);
	T_OK(e && strstr(e, "No such file or directory"));
	free(e);
}

T_SUITE(sdjournal, unit_since_last_cursor, missing_journal);
