/* test_procfs.c - the /proc parsers and value ranges of the host kinds. */
#include <stdlib.h>
#include <string.h>

#include "../t.h"
#include "lib/procfs.h"
#include "lib/range.h"

#define S(x) x, sizeof(x) - 1

T_TEST(stat_line)
{
	struct pstat st;
	/* A comm holding ") " and spaces: it ends at the last ')'. */
	static const char l[] = "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 "
	    "100 0 0 0 7 3 0 0 20 0 1 0 123456 1000000 250 18446744073709551615"
	    " 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

	T_OK(procfs_stat_parse(S(l), &st) == 0);
	T_EQ_INT(st.pid, 4242);
	T_EQ_STR(st.comm, "a) b (c)");
	T_EQ_INT(st.state, 'S');
	T_EQ_INT(st.ppid, 1);
	T_EQ_INT(st.utime, 7);
	T_EQ_INT(st.stime, 3);
	T_EQ_INT(st.starttime, 123456);
	T_EQ_INT(st.rss_pages, 250);
	T_OK(procfs_stat_parse(S("12 (x S 1"), &st) == -1);
	T_OK(procfs_stat_parse(S("12 (x) S 1 2 3"), &st) == -1);
	T_OK(procfs_stat_parse(S("(x) S 1"), &st) == -1);
	T_OK(procfs_stat_parse(S(""), &st) == -1);
	/* Cut short: no field read past the end. */
	T_OK(procfs_stat_parse(l, 60, &st) == -1);
}

T_TEST(status_meminfo_loadavg)
{
	uid_t r, e;
	struct meminfo m;
	double la[3], up;
	uint64_t busy, iowait, total;

	T_OK(procfs_status_uids(S("Name:\tx\nUid:\t1000\t33\t33\t33\n"), &r,
	    &e) == 0);
	T_EQ_INT(r, 1000);
	T_EQ_INT(e, 33);
	T_OK(procfs_status_uids(S("Name:\tx\n"), &r, &e) == -1);
	T_OK(procfs_meminfo_parse(S("MemTotal:  2048 kB\nMemFree: 1 kB\n"
	    "MemAvailable:   1024 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n"),
	    &m) == 0);
	T_EQ_INT(m.total, 2048 * 1024);
	T_EQ_INT(m.available, 1024 * 1024);
	T_EQ_INT(m.swap_total, 0);
	T_OK(procfs_meminfo_parse(S("MemTotal:  2048 kB\n"), &m) == -1);
	T_OK(procfs_loadavg_parse(S("0.52 1.05 2.50 1/123 4567\n"), la) == 0);
	T_OK(la[0] > 0.519 && la[0] < 0.521);
	T_OK(la[2] > 2.49 && la[2] < 2.51);
	T_OK(procfs_loadavg_parse(S("0.52 x"), la) == -1);
	T_OK(procfs_cpu_parse(S("cpu  10 1 5 80 4 0 0 0 0 0\ncpu0 1 2"),
	    &busy, &iowait, &total) == 0);
	T_EQ_INT(total, 100);
	T_EQ_INT(busy, 16);
	T_EQ_INT(iowait, 4);
	T_OK(procfs_cpu_parse(S("cpu0 1 2 3"), &busy, &iowait, &total) == -1);
	T_OK(procfs_uptime_parse(S("12345.67 999.00\n"), &up) == 0);
	T_OK(up > 12345.6 && up < 12345.7);
}

T_TEST(ranges)
{
	struct range r;
	char *e = NULL, *d;

	T_OK(range_parse("162..200", RANGE_COUNT, &r, NULL) == 0);
	T_OK(!range_has(&r, 161) && range_has(&r, 162) && range_has(&r, 200) &&
	    !range_has(&r, 201));
	d = range_describe(&r);
	T_EQ_STR(d, "162..200");
	free(d);
	T_OK(range_parse("3", RANGE_COUNT, &r, NULL) == 0);
	T_OK(range_has(&r, 3) && !range_has(&r, 4));
	d = range_describe(&r);
	T_EQ_STR(d, "exactly 3");
	free(d);
	T_OK(range_parse("1..", RANGE_COUNT, &r, NULL) == 0);
	T_OK(range_has(&r, 1000000) && !range_has(&r, 0));
	d = range_describe(&r);
	T_EQ_STR(d, "at least 1");
	free(d);
	T_OK(range_parse("..4", RANGE_COUNT, &r, NULL) == 0);
	T_OK(range_has(&r, 0) && !range_has(&r, 5));
	T_OK(range_parse("10MB..50MB", RANGE_SIZE, &r, NULL) == 0);
	T_OK(range_has(&r, 10000000) && !range_has(&r, 9999999) &&
	    range_has(&r, 50000000) && !range_has(&r, 50000001));
	d = range_describe(&r);
	T_EQ_STR(d, "10MB..50MB");
	free(d);
	T_OK(range_parse("5..1", RANGE_COUNT, &r, &e) == -1);
	T_OK(e && strstr(e, "empty range"));
	free(e);
	e = NULL;
	T_OK(range_parse("..", RANGE_COUNT, &r, &e) == -1);
	free(e);
	e = NULL;
	T_OK(range_parse("1..x", RANGE_COUNT, &r, &e) == -1);
	free(e);
	T_OK(range_parse("-1", RANGE_COUNT, &r, NULL) == -1);
	T_OK(range_parse("1.5", RANGE_COUNT, &r, NULL) == -1);
}

T_SUITE(procfs, stat_line, status_meminfo_loadavg, ranges)
