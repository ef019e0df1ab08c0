/*
 * test_serve.c - the Prometheus writer's escaping and numbers, and the
 * server in-process over real HTTP (libcurl): pages escaped and redacted,
 * /api/status equal to `status --format json`, the journal reloaded after
 * a writer's commit and never written, 503 for a journal that cannot be
 * trusted, and the option rules.  tests/cli/t08*-serve*.sh run the binary
 * against Chromium, Prometheus and load.
 */
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../t.h"
#include "journal.h"
#include "lib/buf.h"
#include "lib/lazy_curl.h"
#include "lib/prom.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"
#include "plan.h"
#include "serve.h"
#include "status.h"

T_TEST(prom_escapes_and_numbers)
{
	struct buf b = BUF_INIT;
	const char *lv[] = { "plan", "a\"b\\c\nd", "check", "caf\xe9", "skip",
	    NULL, "kind", "tcp", NULL };

	redact_add("hunter2secret");
	prom_family(&b, "m", "gauge", "help with \\ and\nnewline");
	prom_sample(&b, "m", lv, 3);
	prom_sample(&b, "m", NULL, NAN);
	prom_sample(&b, "m", NULL, INFINITY);
	prom_sample(&b, "m", NULL, 0.25);
	prom_sample(&b, "m", NULL, 1796004534.2831);
	const char *sec[] = { "plan", "x hunter2secret y", NULL };
	prom_sample(&b, "m", sec, -2);
	T_EQ_STR(b.s, "# HELP m help with \\\\ and\\nnewline\n# TYPE m gauge\n"
	    "m{plan=\"a\\\"b\\\\c\\nd\",check=\"caf\xef\xbf\xbd\",kind=\"tcp\"} 3\n"
	    "m NaN\nm +Inf\nm 0.25\nm 1796004534.283\n"
	    "m{plan=\"x *** y\"} -2\n");
	buf_release(&b);
	redact_clear();
}

struct body {
	struct buf	 b;
	long		 code;
	char		*ctype;
};

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	buf_add(&((struct body *)arg)->b, p, size * n);
	return size * n;
}

static bool gzip_wanted;	/* ask for gzip (curl inflates it) */

static void
get(const char *base, const char *path, struct body *out)
{
	CURL *cu = curl_easy_init();
	char *url = xasprintf("%s%s", base, path + 1);
	char *ct = NULL;

	memset(out, 0, sizeof(*out));
	out->b = (struct buf)BUF_INIT;
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, 10L);
	if (gzip_wanted)
		curl_easy_setopt(cu, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_perform(cu);
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &out->code);
	curl_easy_getinfo(cu, CURLINFO_CONTENT_TYPE, &ct);
	out->ctype = ct ? xstrdup(ct) : NULL;
	curl_easy_cleanup(cu);
	free(url);
}

static void
body_release(struct body *b)
{
	buf_release(&b->b);
	free(b->ctype);
}

T_TEST(serves_a_live_journal)
{
	static const char yaml[] =
	    "cutover: 1\nname: live\nsecrets: [SERVE_T_PW]\n"
	    "checks:\n"
	    "  - { id: c1, kind: file, path: /x }\n"
	    "  - { id: c2, kind: file, path: /y }\n"
	    "risks: [ { id: R1, title: 'Loss <b>', level: high, "
	    "mitigated_by: [c1] } ]\n"
	    "phases:\n"
	    "  - id: cut\n"
	    "    window: { target: 1m, max: 2m }\n"
	    "    steps: [ { id: s1, run: 'true' } ]\n"
	    "    gate: [c1, c2]\n";
	char dir[] = "/tmp/cutover-serve.XXXXXX";
	char *errs = NULL, *e = NULL;
	struct body r;

	setenv("SERVE_T_PW", "pw-Zq81-never-shown", 1);
	struct plan *p = plan_load_mem("live.yml", yaml, sizeof(yaml) - 1,
	    &errs);
	T_OK(p != NULL);
	T_OK(mkdtemp(dir) != NULL);
	if (p == NULL) {
		printf("# %s", errs);
		free(errs);
		return;
	}
	char *path = xasprintf("%s/j.db", dir);
	struct serve_opts o = { .listen = "127.0.0.1:0" };
	struct server *s = serve_start(p, path, &o, &e);
	T_OK(s != NULL);
	if (s == NULL) {
		printf("# %s\n", e);
		free(e);
		plan_free(p);
		free(path);
		return;
	}
	const char *url = serve_url(s);
	T_OK(strncmp(url, "http://127.0.0.1:", 17) == 0);

	/* No journal yet: nothing has run, which is not an error. */
	get(url, "/health", &r);
	T_EQ_INT(r.code, 200);
	T_EQ_STR(r.b.s, "{\"schema\": 1, \"status\": \"ok\", \"state\": "
	    "\"none\"}\n");
	body_release(&r);
	get(url, "/", &r);
	T_EQ_INT(r.code, 200);
	T_OK(strstr(r.b.s, "NO RUN YET") != NULL);
	body_release(&r);

	/* A writer commits: the next request sees it. */
	struct journal *j = NULL;
	int64_t run, row;
	T_EQ_INT(journal_open(path, true, &j, &e), 0);
	T_EQ_INT(journal_lock(j, &e), 0);
	T_EQ_INT(journal_run_begin(j, "live", "live.yml", p->sha256, "bob",
	    &run, &e), 0);
	T_EQ_INT(journal_phase(j, run, "cut", "gate", 5, 0, &e), 0);
	T_EQ_INT(journal_phase_window(j, run, "cut", 5, &e), 0);
	T_EQ_INT(journal_step_begin(j, run, "cut", "s1", "step", 1, "true",
	    &row, &e), 0);
	T_EQ_INT(journal_step_end(j, row, STEP_OK, 0, 0, "ok", "", &e), 0);
	struct jcheck c = { .check_id = "c1", .kind = "file", .status = "pass",
	    .attempts = 1, .observed = "1.5ms", .has_value = true,
	    .value = 0.0015 };
	T_EQ_INT(journal_check(j, run, "cut", "gate", &c, &e), 0);
	struct jcheck c2 = { .check_id = "c2", .kind = "file", .status = "fail",
	    .attempts = 1, .message = "<script>alert(1)</script> "
	    "pw-Zq81-never-shown" };
	T_EQ_INT(journal_check(j, run, "cut", "gate", &c2, &e), 0);
	struct stat before;
	T_EQ_INT(stat(path, &before), 0);

	get(url, "/", &r);
	T_EQ_INT(r.code, 200);
	T_OK(strstr(r.b.s, "<h1 id=\"plan\">live</h1>") != NULL);
	T_OK(strstr(r.b.s, "<span id=\"phase\">cut</span>") != NULL);
	T_OK(strstr(r.b.s, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	T_OK(strstr(r.b.s, "<script>alert") == NULL);
	T_OK(strstr(r.b.s, "pw-Zq81") == NULL);
	T_OK(strstr(r.b.s, "Loss &lt;b&gt;") != NULL);
	/* The writer holds the lock in this process: it is running. */
	T_OK(strstr(r.b.s, "IN PROGRESS") != NULL);
	T_EQ_STR(r.ctype, "text/html; charset=utf-8");
	body_release(&r);

	get(url, "/metrics", &r);
	T_EQ_INT(r.code, 200);
	T_OK(strstr(r.b.s, "cutover_check_status{plan=\"live\",phase=\"cut\","
	    "check=\"c2\",kind=\"file\"} 2\n") != NULL);
	T_OK(strstr(r.b.s, "cutover_check_value{plan=\"live\",phase=\"cut\","
	    "check=\"c1\",kind=\"file\"} 0.0015\n") != NULL);
	T_OK(strstr(r.b.s, "cutover_run_state{plan=\"live\",state=\"running\"}"
	    " 1\n") != NULL);
	T_OK(strstr(r.b.s, "cutover_risk_mitigation_ready{plan=\"live\","
	    "risk=\"R1\",level=\"high\"} 1\n") != NULL);
	T_OK(strstr(r.b.s, "cutover_window_max_seconds{plan=\"live\","
	    "phase=\"cut\"} 120\n") != NULL);
	T_EQ_STR(r.ctype, PROM_CONTENT_TYPE);
	/* Gzip'd (two members: the journal's part, the clock's), the same. */
	struct body zb;
	gzip_wanted = true;
	get(url, "/metrics", &zb);
	gzip_wanted = false;
	T_EQ_INT(zb.code, 200);
	/* The clock part may have been rendered again in between. */
	char *za = strstr(zb.b.s, "# HELP cutover_journal_readable");
	char *ra = strstr(r.b.s, "# HELP cutover_journal_readable");
	T_OK(za && ra && za - zb.b.s == ra - r.b.s &&
	    memcmp(zb.b.s, r.b.s, (size_t)(ra - r.b.s)) == 0);
	T_OK(strstr(zb.b.s, "cutover_run_state{plan=\"live\",state=\"running\"}"
	    " 1\n") != NULL);
	body_release(&zb);
	body_release(&r);

	/* /api/status is status --format json, byte for byte. */
	get(url, "/api/status", &r);
	T_EQ_INT(r.code, 200);
	struct jlog l;
	T_EQ_INT(journal_load(j, 0, &l, &e), 0);
	l.holder = getpid();
	char *doc = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);
	status_emit(f, true, p, &l, path);
	fclose(f);
	/* The window's elapsed seconds move between the two: cut it. */
	char *a = strstr(r.b.s, "\"window_elapsed_ms\""), *z = strstr(doc,
	    "\"window_elapsed_ms\"");
	T_OK(a && z && a - r.b.s == z - doc);
	if (a && z)
		T_OK(strncmp(r.b.s, doc, (size_t)(a - r.b.s)) == 0);
	free(doc);
	jlog_release(&l);
	body_release(&r);

	get(url, "/health", &r);
	T_EQ_INT(r.code, 200);
	T_OK(strstr(r.b.s, "\"state\": \"running\"") != NULL);
	body_release(&r);
	get(url, "/nope", &r);
	T_EQ_INT(r.code, 404);
	body_release(&r);

	/* Serving wrote nothing to the journal. */
	struct stat after;
	T_EQ_INT(stat(path, &after), 0);
	T_OK(after.st_size == before.st_size &&
	    after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
	    after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
	journal_close(j);

	/* A journal that cannot be trusted: 503, and the page says why. */
	char *cmd = xasprintf("rm -f '%s'* && ln -s /etc/hostname '%s'", path,
	    path);
	T_OK(system(cmd) == 0);
	free(cmd);
	get(url, "/health", &r);
	T_EQ_INT(r.code, 503);
	T_OK(strstr(r.b.s, "symbolic link") != NULL);
	body_release(&r);
	get(url, "/metrics", &r);
	T_OK(strstr(r.b.s, "cutover_journal_readable{plan=\"live\"} 0\n") !=
	    NULL);
	body_release(&r);

	serve_stop(s);
	plan_free(p);
	cmd = xasprintf("rm -rf '%s'", dir);
	T_OK(system(cmd) == 0);
	free(cmd);
	free(path);
	free(e);
	redact_clear();
	unsetenv("SERVE_T_PW");
}

T_TEST(options)
{
	char *e = NULL;
	struct serve_opts o = { .listen = "0.0.0.0:1" };

	T_EQ_INT(serve_opts_check(&o, &e), -1);
	T_OK(e && strstr(e, "not a loopback address") != NULL);
	o.listen = "[::1]:0";
	T_EQ_INT(serve_opts_check(&o, &e), 0);
	o.listen = "127.0.0.2:0";	/* 127/8 is this machine's own */
	T_EQ_INT(serve_opts_check(&o, &e), 0);
	o.listen = "[::ffff:10.0.0.1]:0";
	T_EQ_INT(serve_opts_check(&o, &e), -1);
	o.listen = "127.0.0.1:65536";
	T_EQ_INT(serve_opts_check(&o, &e), -1);
	T_OK(e && strstr(e, "0 to 65535") != NULL);
	o.listen = "[::1:0";
	T_EQ_INT(serve_opts_check(&o, &e), -1);
	setenv("SERVE_T_TOK", "t", 1);
	o = (struct serve_opts){ .listen = "10.0.0.1:0",
	    .token_env = "SERVE_T_TOK" };
	T_EQ_INT(serve_opts_check(&o, &e), 0);
	o.tls_cert = "/nonexistent.pem";
	T_EQ_INT(serve_opts_check(&o, &e), -1);
	T_OK(e && strstr(e, "go together") != NULL);
	o.tls_key = "/nonexistent.key";
	T_EQ_INT(serve_opts_check(&o, &e), -1);
	T_OK(e && strstr(e, "--tls-cert '/nonexistent.pem'") != NULL);
	unsetenv("SERVE_T_TOK");
	free(e);
}

T_SUITE(serve, prom_escapes_and_numbers, serves_a_live_journal, options);
