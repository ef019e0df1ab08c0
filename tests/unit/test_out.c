/*
 * test_out.c - the output formats on crafted results: escaping in each
 * syntax, UTF-8 repair, the redaction pass, and the text table's cells.
 * tests/cli/t0220-formats.sh reads real runs back with real consumers;
 * these pin down the corners a run rarely produces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../t.h"
#include "check.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/ofile.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"
#include "lib/util.h"
#include "out.h"

static const struct check_kind fake_kind = { .name = "command" };

/* Emit rs with format name into a new string. */
static char *
emit(const char *name, struct result *rs, size_t n)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	struct out_ctx cx = { .plan_name = "p", .started_wall_us = 1700000000000000LL,
	    .duration_us = 1500 };

	out_find(name)->emit(f, rs, n, &cx);
	fclose(f);
	return s;
}

T_TEST(utf8_repair)
{
	char *s;

	s = utf8_fix("caf\xc3\xa9 ok");		/* valid: unchanged */
	T_EQ_STR(s, "caf\xc3\xa9 ok");
	free(s);
	s = utf8_fix("caf\xe9!");			/* Latin-1 e-acute */
	T_EQ_STR(s, "caf\xef\xbf\xbd!");
	free(s);
	s = utf8_fix("\xc0\xaf");			/* overlong '/' */
	T_EQ_STR(s, "\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = utf8_fix("\xed\xa0\x80");			/* a UTF-16 surrogate */
	T_EQ_STR(s, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = utf8_fix("\xf0\x9f\x98\x80 \xf4\x90\x80\x80");	/* ok; > U+10FFFF */
	T_EQ_STR(s, "\xf0\x9f\x98\x80 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd");
	free(s);
	s = utf8_fix("cut \xe2\x82");			/* truncated sequence */
	T_EQ_STR(s, "cut \xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = utf8_fix("");
	T_EQ_STR(s, "");
	free(s);
}

T_TEST(redact_pass_repairs_and_masks)
{
	struct check c = { .id = "c", .kind = &fake_kind };
	struct result r = { .check = &c };

	redact_clear();
	redact_add("hunter2-secret");
	result_set(&r, ST_FAIL, "login hunter2-secret failed: caf\xe9");
	result_observed(&r, "postgres://u:pw@h/db");
	result_detail(&r, "line\nhunter2-secret\n");
	results_redact(&r, 1);
	T_EQ_STR(r.message, "login *** failed: caf\xef\xbf\xbd");
	T_EQ_STR(r.observed, "postgres://u:***@h/db");
	T_EQ_STR(r.detail, "line\n***\n");
	result_release(&r);
	redact_clear();
}

T_TEST(json_escapes)
{
	struct check c = { .id = "c", .kind = &fake_kind, .title = "say \"hi\"" };
	struct result r = { .check = &c, .attempts = 1 };

	result_set(&r, ST_WARN, "tab\there \\ back \x01 ctl");
	result_detail(&r, "a\nb");
	char *s = emit("json", &r, 1);
	T_OK(strstr(s, "\"title\": \"say \\\"hi\\\"\"") != NULL);
	T_OK(strstr(s, "\"message\": \"tab\\there \\\\ back \\u0001 ctl\"") != NULL);
	T_OK(strstr(s, "\"detail\": \"a\\nb\"") != NULL);
	T_OK(strstr(s, "\"observed\": null") != NULL);
	T_OK(strstr(s, "\"status\": \"warn\"") != NULL);
	T_OK(strstr(s, "\"summary\": {\"total\": 1, \"pass\": 0, \"warn\": 1, "
	    "\"fail\": 0, \"skip\": 0}") != NULL);
	free(s);
	result_release(&r);
}

/*
 * The one JSON writer: whatever bytes come in, valid JSON and UTF-8 go
 * out, and a registered secret never does, even one holding a quote.
 */
T_TEST(json_writer)
{
	struct buf b = BUF_INIT;

	redact_clear();
	redact_add("pa\"ss-word");
	json_field(&b, "k\x01", "bad \xff\xfe caf\xe9 \xed\xa0\x80 \x1b[2K "
	    "\x7f pa\"ss-word \xe2\x80\xa8 ok \xc3\xa9", false);
	T_EQ_STR(b.s, "\"k\\u0001\": \"bad \\ufffd\\ufffd caf\\ufffd "
	    "\\ufffd\\ufffd\\ufffd \\u001b[2K \\u007f *** \\u2028 ok \xc3\xa9\"");
	buf_reset(&b);
	json_field(&b, "n", NULL, true);
	json_time(&b, "t", 0, true);
	json_time(&b, "u", 1700000000000000LL, true);
	T_EQ_STR(b.s, ", \"n\": null, \"t_at\": null, \"u_at\": "
	    "\"2023-11-14T22:13:20.000Z\"");
	/* The naming scheme is the writer's: _at, _ms, whole milliseconds. */
	buf_reset(&b);
	json_open(&b);
	json_ms(&b, "d", 1499, true);
	json_ms(&b, "e", 1500, true);
	json_ms(&b, "f", -1, true);
	json_span(&b, "g", 5, 2, true);
	json_span(&b, "h", 0, 2000, true);
	json_span(&b, "i", 1000, 3000, true);
	T_EQ_STR(b.s, "{\"schema\": 1, \"d_ms\": 1, \"e_ms\": 2, "
	    "\"f_ms\": null, \"g_ms\": null, \"h_ms\": null, \"i_ms\": 2");
	buf_release(&b);
	redact_clear();
}

/* The -o writer: 0600 whatever the umask, never through a link. */
T_TEST(ofile_safe)
{
	char dir[] = "/tmp/cutover-ofile.XXXXXX";
	char *e = NULL;
	struct stat st;

	T_OK(mkdtemp(dir) != NULL);
	char *out = xasprintf("%s/out", dir), *victim = xasprintf("%s/v", dir);
	char *link = xasprintf("%s/link", dir);
	mode_t old = umask(022);
	T_EQ_INT(ofile_write(out, "abc", 3, &e), 0);
	T_OK(stat(out, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_size == 3);
	T_EQ_INT(ofile_write(victim, "v", 1, &e), 0);
	T_OK(symlink(victim, link) == 0);
	T_EQ_INT(ofile_write(link, "x", 1, &e), -1);
	T_OK(e && strstr(e, "symbolic link") != NULL);
	T_OK(stat(victim, &st) == 0 && st.st_size == 1);
	free(e);
	e = NULL;
	/* A failed write leaves the old file and no temporary. */
	struct ofile o;
	T_EQ_INT(ofile_open(&o, out, &e), 0);
	fputs("partial", o.f);
	ofile_abort(&o);
	T_OK(stat(out, &st) == 0 && st.st_size == 3);
	umask(old);
	char *cmd = xasprintf("ls %s | grep -c tmp >/dev/null", dir);
	T_OK(system(cmd) != 0);
	free(cmd);
	cmd = xasprintf("rm -rf %s", dir);
	T_EQ_INT(system(cmd), 0);
	free(cmd);
	free(out);
	free(victim);
	free(link);
}

T_TEST(junit_escapes)
{
	struct check c = { .id = "c", .kind = &fake_kind, .title = "<a & 'b'>" };
	struct result r = { .check = &c };

	result_set(&r, ST_FAIL, "bad \"x\" < y\x1b[0m");
	result_observed(&r, "o");
	char *s = emit("junit", &r, 1);
	T_OK(strstr(s, "name=\"c: &lt;a &amp; &#39;b&#39;&gt;\"") != NULL);
	T_OK(strstr(s, "message=\"bad &quot;x&quot; &lt; y\xef\xbf\xbd[0m\"") != NULL);
	T_OK(strstr(s, "failures=\"1\"") != NULL);
	T_OK(strstr(s, "timestamp=\"2023-11-14T22:13:20\"") != NULL);
	free(s);
	result_release(&r);
}

T_TEST(tap_directives_and_yaml)
{
	struct check c = { .id = "c", .kind = &fake_kind };
	struct result rs[2] = { { .check = &c }, { .check = &c } };

	result_set(&rs[0], ST_FAIL, "50%% # of disk\n\x1b[32mok");
	result_observed(&rs[0], "it's\nmulti \"q\" \x01\x1b[2K \xef\xbf\xbe \xff");
	result_threshold(&rs[0], "== 'x'");
	result_set(&rs[1], ST_SKIP, "skipped: needs 'a'");
	char *s = emit("tap", rs, 2);
	/* A '#' in a description would start a directive. */
	T_OK(strstr(s, "not ok 1 - c (command): 50% _ of disk \xef\xbf\xbd[32mok\n") != NULL);
	/* YAML double quotes: the only style that can escape controls. */
	T_OK(strstr(s, "  observed: \"it's\\nmulti \\\"q\\\" \\x01\\x1B[2K "
	    "\\uFFFE \\uFFFD\"\n") != NULL);
	T_OK(strstr(s, "  threshold: \"== 'x'\"\n") != NULL);
	T_OK(strstr(s, "ok 2 - c (command): skipped: needs 'a' # SKIP ") != NULL);
	T_OK(strncmp(s, "TAP version 13\n1..2\n", 20) == 0);
	free(s);
	result_release(&rs[0]);
	result_release(&rs[1]);
}

T_TEST(prometheus_labels)
{
	struct check c = { .id = "c", .kind = &fake_kind };
	struct result r = { .check = &c, .has_value = true, .value = 0.25,
	    .duration_us = 2500000 };
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	struct out_ctx cx = { .plan_name = "a\"b\\c\nd" };

	result_set(&r, ST_SKIP, "x");
	out_find("prometheus")->emit(f, &r, 1, &cx);
	fclose(f);
	T_OK(strstr(s, "cutover_check_status{plan=\"a\\\"b\\\\c\\nd\",check=\"c\","
	    "kind=\"command\"} 3\n") != NULL);
	T_OK(strstr(s, "cutover_check_success{plan=\"a\\\"b\\\\c\\nd\",check=\"c\","
	    "kind=\"command\"} 0\n") != NULL);
	/* lib/prom writes the shortest exact form. */
	T_OK(strstr(s, "} 2.5\n") != NULL);
	T_OK(strstr(s, "} 0.25\n") != NULL);
	free(s);
	result_release(&r);
}

T_TEST(format_table)
{
	size_t n = 0;
	const char *const *names = out_names(&n);

	T_EQ_INT(n, 6);
	for (size_t i = 0; i < n; i++)
		T_OK(out_find(names[i]) != NULL);
	T_OK(out_find("xml") == NULL);
	T_OK(out_find("JSON") == NULL);
	setenv("NO_COLOR", "1", 1);
	T_OK(!out_want_color(stdout));
	unsetenv("NO_COLOR");
}

T_SUITE(out, utf8_repair, redact_pass_repairs_and_masks, json_escapes,
    json_writer, ofile_safe,
    junit_escapes, tap_directives_and_yaml, prometheus_labels, format_table)
