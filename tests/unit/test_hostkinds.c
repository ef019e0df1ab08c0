/*
 * test_hostkinds.c - the parts of the log, container, supervisor and pm2
 * kinds that no CLI run can show: a `log` check run again and again in
 * one process (a watch's samples) reads only what is new, follows a file
 * renamed and recreated, rereads one truncated in place, counts a line
 * still being written once; and their answer parsers on edge inputs
 * (Docker log frames split anywhere, XML-RPC faults, pm2 lists).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../t.h"
#include "check.h"
#include "lib/engine.h"
#include "lib/pm2.h"
#include "lib/xmalloc.h"
#include "lib/xmlrpc.h"
#include "plan.h"

static char dir[] = "/tmp/cutover-hostkinds.XXXXXX";

static struct plan *
load(const char *fmt, const char *path)
{
	char *yaml = xasprintf(fmt, path), *errs = NULL;
	struct plan *p = plan_load_mem("log.yml", yaml, strlen(yaml), &errs);

	if (p == NULL)
		printf("# %s", errs);
	free(errs);
	free(yaml);
	return p;
}

static void
append(const char *path, const char *s)
{
	FILE *f = fopen(path, "a");

	fputs(s, f);
	fclose(f);
}

/* Run the plan's first check once: its count, or -1 on a failure. */
static long long
count(struct plan *p, char **msg)
{
	struct result r = { 0 };
	long long n;

	p->checks[0].kind->run(&p->checks[0], &r);
	n = r.has_value ? (long long)r.value : -1;
	if (msg) {
		free(*msg);
		*msg = xstrdup(r.message ? r.message : "");
	}
	result_release(&r);
	return n;
}

static char *
mkpath(const char *name)
{
	static bool made;

	/*
	 * Once: the name mkdtemp makes may itself hold an 'X' (9% of them),
	 * which the test of the template's 'X' took for "not made yet".
	 */
	if (!made && mkdtemp(dir) == NULL)
		abort();
	made = true;
	return xasprintf("%s/%s", dir, name);
}

T_TEST(log_reads_only_new_bytes_and_follows_rotation)
{
	char *path = mkpath("app.log"), *old = mkpath("app.log.1");
	char *msg = NULL;

	unlink(path);
	append(path, "ERROR before the start\n");
	struct plan *p = load("cutover: 1\nname: l\nchecks:\n  - { id: l, "
	    "kind: log, path: %s, pattern: ERROR, max: 0, since: start }\n",
	    path);
	T_OK(p != NULL);
	if (p == NULL)
		return;
	T_EQ_INT(count(p, NULL), 0);		/* before the start: not counted */
	append(path, "ok\nERROR one\n");
	T_EQ_INT(count(p, NULL), 1);
	T_EQ_INT(count(p, NULL), 1);		/* nothing new: the same count */
	append(path, "ERROR being wri");	/* no newline yet */
	T_EQ_INT(count(p, NULL), 2);
	append(path, "tten\n");
	T_EQ_INT(count(p, NULL), 2);		/* the same line, once */
	/* logrotate: renamed, written to by the old writer, recreated. */
	T_OK(rename(path, old) == 0);
	append(old, "ERROR late in the old file\n");
	append(path, "fresh ok\nERROR in the new file\n");
	T_EQ_INT(count(p, &msg), 4);
	T_OK(strstr(msg, "rotated") != NULL);
	/* copytruncate: emptied in place, then written again. */
	T_OK(truncate(path, 0) == 0);
	append(path, "ERROR after truncate\n");
	T_EQ_INT(count(p, &msg), 5);
	T_OK(strstr(msg, "truncated") != NULL);
	/* Renamed away and not recreated yet: what it had, no error. */
	T_OK(rename(path, old) == 0);
	append(old, "ERROR last words\n");
	T_EQ_INT(count(p, NULL), 6);
	T_EQ_INT(count(p, &msg), 6);		/* still absent: the count stands */
	T_OK(strstr(msg, "absent now") != NULL);
	append(path, "ERROR reborn\n");
	T_EQ_INT(count(p, NULL), 7);
	plan_free(p);
	unlink(path);
	unlink(old);
	free(path);
	free(old);
	free(msg);
}

T_TEST(log_last_lines_and_whole_file)
{
	char *path = mkpath("last.log");

	unlink(path);
	append(path, "ERROR 1\nok\nERROR 3\nok\nok\n");
	struct plan *p = load("cutover: 1\nname: l\nchecks:\n  - { id: l, "
	    "kind: log, path: %s, pattern: '^ERROR', max: 0, last: 3 }\n",
	    path);
	T_OK(p != NULL);
	if (p) {
		T_EQ_INT(count(p, NULL), 1);
		append(path, "ok\n");
		T_EQ_INT(count(p, NULL), 0);
		plan_free(p);
	}
	p = load("cutover: 1\nname: l\nchecks:\n  - { id: l, kind: log, "
	    "path: %s, pattern: '^ERROR \\d$', max: 0 }\n", path);
	T_OK(p != NULL);
	if (p) {
		T_EQ_INT(count(p, NULL), 2);
		plan_free(p);
	}
	/* A match that would span lines counts only if the line matches. */
	p = load("cutover: 1\nname: l\nchecks:\n  - { id: l, kind: log, "
	    "path: %s, pattern: '1\\s+ok', max: 0 }\n", path);
	T_OK(p != NULL);
	if (p) {
		T_EQ_INT(count(p, NULL), 0);
		plan_free(p);
	}
	/* Patterns with and without a required literal (the prefilter). */
	static const struct { const char *re; long long n; } pats[] = {
		{ "\\bERROR\\b", 2 }, { "ERR(OR)? \\d", 2 }, { "o+k", 4 },
		{ "xok|ERROR 3", 1 }, { "E[R]ROR\\x20\\d", 2 },
		{ "ROR 1$", 1 }, { "\\x45RROR", 2 }, { "(?i)error", 2 },
		{ "RO?R 3", 1 }, { "o\\.k|^ok", 4 },
	};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		char *y = xasprintf("cutover: 1\nname: l\nchecks:\n  - { id: l, "
		    "kind: log, path: %%s, pattern: '%s', max: 0 }\n",
		    pats[i].re);
		p = load(y, path);
		free(y);
		T_OK(p != NULL);
		if (p) {
			long long got = count(p, NULL);
			if (got != pats[i].n)
				printf("# pattern %s: %lld\n", pats[i].re, got);
			T_EQ_INT(got, pats[i].n);
			plan_free(p);
		}
	}
	unlink(path);
	free(path);
}

static struct buf demuxed = BUF_INIT;

static void
out(int stream, const char *p, size_t n, void *arg)
{
	(void)arg;
	buf_addf(&demuxed, "%d:", stream);
	buf_add(&demuxed, p, n);
}

T_TEST(engine_demux_any_split)
{
	static const char s[] = "\1\0\0\0\0\0\0\3ab\n\2\0\0\0\0\0\0\2e\n";
	size_t n = sizeof(s) - 1;

	/* Fed one byte at a time, then whole: the same payload. */
	for (size_t step = 1; step <= n; step += n - 1) {
		struct engine_demux d = { 0 };
		char *e = NULL;
		buf_reset(&demuxed);
		for (size_t i = 0; i < n; i += step)
			T_EQ_INT(engine_demux_feed(&d, s + i, i + step > n ?
			    n - i : step, out, NULL, &e), 0);
		T_EQ_INT(engine_demux_end(&d, &e), 0);
		free(e);
	}
	T_EQ_STR(demuxed.s, "1:ab\n2:e\n");
	struct engine_demux d = { 0 };
	char *e = NULL;
	T_EQ_INT(engine_demux_feed(&d, "\7\0\0\0\0\0\0\1x", 9, out, NULL, &e),
	    -1);
	T_OK(e && strstr(e, "frame header") != NULL);
	free(e);
	e = NULL;
	struct engine_demux d2 = { 0 };
	T_EQ_INT(engine_demux_feed(&d2, "\1\0\0\0\0\0\0\5ab", 10, out, NULL,
	    &e), 0);
	T_EQ_INT(engine_demux_end(&d2, &e), -1);
	free(e);
	buf_release(&demuxed);
	T_OK(engine_ref_pinned("app:1.2.3"));
	T_OK(engine_ref_pinned("registry:5000/app@sha256:abcd"));
	T_OK(!engine_ref_pinned("registry:5000/app"));
	T_OK(!engine_ref_pinned("app:latest"));
	T_OK(!engine_ref_pinned("app"));
}

T_TEST(engine_env_memory_image)
{
	static const char ins[] = "{\"Id\": \"abc\", \"Image\": \"sha256:f00\","
	    "\"State\": {\"Status\": \"running\"}, \"HostConfig\": "
	    "{\"Memory\": 134217728}, \"Config\": {\"Env\": [\"A=1\", "
	    "\"B=x=y\"]}}";
	struct engine_ctr c;
	struct engine_image im;
	char *e = NULL;

	T_EQ_INT(engine_ctr_parse(ins, sizeof(ins) - 1, &c, &e), 0);
	T_EQ_STR(c.image_id, "sha256:f00");
	T_EQ_INT(c.memory, 134217728);
	T_EQ_INT(c.env.n, 2);
	T_EQ_STR(c.env.v[1], "B=x=y");
	engine_ctr_release(&c);
	/* No HostConfig, Env null: no limit, no variables. */
	static const char bare[] = "{\"Id\": \"a\", \"State\": {\"Status\": "
	    "\"exited\"}, \"Config\": {\"Env\": null}}";
	T_EQ_INT(engine_ctr_parse(bare, sizeof(bare) - 1, &c, &e), 0);
	T_EQ_INT(c.memory, 0);
	T_EQ_INT(c.env.n, 0);
	engine_ctr_release(&c);
	/* A wrong type is a malformed answer, never a default. */
	static const char badenv[] = "{\"Id\": \"a\", \"State\": {\"Status\":"
	    " \"running\"}, \"Config\": {\"Env\": [1]}}";
	T_EQ_INT(engine_ctr_parse(badenv, sizeof(badenv) - 1, &c, &e), -1);
	T_OK(e && strstr(e, "Env entry 0") != NULL);
	free(e);
	e = NULL;
	static const char badmem[] = "{\"Id\": \"a\", \"State\": {\"Status\":"
	    " \"running\"}, \"Config\": {}, \"HostConfig\": {\"Memory\": -1}}";
	T_EQ_INT(engine_ctr_parse(badmem, sizeof(badmem) - 1, &c, &e), -1);
	free(e);
	e = NULL;

	static const char img[] = "{\"Id\": \"sha256:f00\", \"Size\": 2048, "
	    "\"Created\": \"2026-11-30T11:49:03.123456789Z\"}";
	T_EQ_INT(engine_image_parse(img, sizeof(img) - 1, &im, &e), 0);
	T_EQ_INT(im.size, 2048);
	T_EQ_INT(im.created, 1796039343);
	engine_image_release(&im);
	static const char noimg[] = "{\"Id\": \"x\", \"Size\": \"big\"}";
	T_EQ_INT(engine_image_parse(noimg, sizeof(noimg) - 1, &im, &e), -1);
	free(e);
	T_EQ_INT(engine_time("2026-11-30T14:49:03+03:00"), 1796039343);
	T_EQ_INT(engine_time("1970-01-01T00:00:00Z"), 0);
	T_EQ_INT(engine_time("2026-11-30T11:49:03"), -1);
	T_EQ_INT(engine_time("2026-13-30T11:49:03Z"), -1);
	T_EQ_INT(engine_time("2026-11-30T11:49:03Zjunk"), -1);
}

T_TEST(xmlrpc_fault_and_types)
{
	static const char fault[] = "<?xml version='1.0'?><methodResponse>"
	    "<fault><value><struct><member><name>faultCode</name><value><int>"
	    "10</int></value></member><member><name>faultString</name><value>"
	    "<string>BAD_NAME: x</string></value></member></struct></value>"
	    "</fault></methodResponse>";
	static const char ok[] = "<?xml version='1.0'?><methodResponse>"
	    "<params><param><value><array><data><value><struct>"
	    "<member><name>name</name><value>web</value></member>"
	    "<member><name>statename</name><value><string>RUNNING</string>"
	    "</value></member><member><name>start</name><value><int>100</int>"
	    "</value></member><member><name>now</name><value><i4>160</i4>"
	    "</value></member></struct></value></data></array></value></param>"
	    "</params></methodResponse>";
	struct sv_proc *ps;
	size_t n;
	char *e = NULL;

	T_EQ_INT(xmlrpc_parse_procs(fault, sizeof(fault) - 1, &ps, &n, &e), -1);
	T_EQ_STR(e, "supervisord answered fault 10: BAD_NAME: x");
	free(e);
	e = NULL;
	T_EQ_INT(xmlrpc_parse_procs(ok, sizeof(ok) - 1, &ps, &n, &e), 0);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_STR(ps[0].name, "web");
		T_EQ_STR(ps[0].group, "web");
		T_EQ_INT(ps[0].now - ps[0].start, 60);
	}
	sv_procs_free(ps, n);
	/* An entity is not expanded: no file is read. */
	static const char xxe[] = "<?xml version='1.0'?><!DOCTYPE r [<!ENTITY "
	    "x SYSTEM 'file:///etc/passwd'>]><methodResponse><params><param>"
	    "<value><array><data><value><struct><member><name>name</name>"
	    "<value>&x;</value></member><member><name>statename</name><value>"
	    "RUNNING</value></member></struct></value></data></array></value>"
	    "</param></params></methodResponse>";
	if (xmlrpc_parse_procs(xxe, sizeof(xxe) - 1, &ps, &n, &e) == 0) {
		T_OK(n == 1 && strstr(ps[0].name, "root:") == NULL);
		sv_procs_free(ps, n);
	}
	free(e);
}

T_TEST(pm2_list_after_a_notice)
{
	static const char s[] = ">>>> In-memory PM2 is out-of-date\n"
	    "[{\"name\":\"api\",\"pm_id\":0,\"monit\":{\"memory\":1024,\"cpu\":"
	    "1.5},\"pm2_env\":{\"status\":\"online\",\"restart_time\":3,"
	    "\"pm_uptime\":1.7e12}}]\n";
	struct pm2_app *a;
	size_t n;
	char *e = NULL;

	T_EQ_INT(pm2_parse(s, sizeof(s) - 1, &a, &n, &e), 0);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_STR(a[0].status, "online");
		T_EQ_INT(a[0].restarts, 3);
		T_EQ_INT(a[0].memory, 1024);
	}
	pm2_apps_free(a, n);
	static const char bad[] = "[{\"name\":\"a\",\"pm2_env\":{\"status\":"
	    "\"online\",\"restart_time\":\"x\"}}]";
	T_EQ_INT(pm2_parse(bad, sizeof(bad) - 1, &a, &n, &e), -1);
	T_OK(e && strstr(e, "restart_time") != NULL);
	free(e);
	rmdir(dir);
}

T_SUITE(hostkinds, log_reads_only_new_bytes_and_follows_rotation,
    log_last_lines_and_whole_file, engine_demux_any_split,
    engine_env_memory_image, xmlrpc_fault_and_types, pm2_list_after_a_notice)
