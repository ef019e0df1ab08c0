/*
 * test_planload.c - the plan loader's edges: error order and positions,
 * interpolation corners, defaults, limits (depth, size), odd YAML, and
 * the secrets a plan registers.  tests/plans/bad/ holds the user-facing
 * error corpus; these pin down what the corpus cannot see (structs).
 */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../t.h"
#include "check.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"
#include "plan.h"

static struct plan *
load(const char *yaml, char **errs)
{
	*errs = NULL;
	return plan_load_mem("p.yml", yaml, strlen(yaml), errs);
}

/* The n-th line (0-based) of s, in a static buffer. */
static const char *
line_of(const char *s, int n)
{
	static char b[512];

	for (; s && n > 0; n--) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	if (s == NULL || *s == '\0')
		return "";
	size_t len = strcspn(s, "\n");
	if (len >= sizeof(b))
		len = sizeof(b) - 1;
	memcpy(b, s, len);
	b[len] = '\0';
	return b;
}

T_TEST(errors_in_file_order)
{
	char *errs;
	/* Found in this order: 5 (missing key) after 7 (unknown key). */
	struct plan *p = load(
	    "cutover: 1\nname: x\nchecks:\n"
	    "  - id: a\n"
	    "    kind: tcp\n"
	    "    retries: many\n"
	    "    adress: h:1\n"
	    "phases: [ { id: p, gate: [b] } ]\n"
	    "bogus: 1\n", &errs);

	T_OK(p == NULL);
	T_EQ_STR(line_of(errs, 0), "p.yml:4:5: missing 'address'");
	T_EQ_STR(line_of(errs, 1), "p.yml:6:14: 'retries': bad number 'many' "
	    "(expected an integer from 0 to 100)");
	T_EQ_STR(line_of(errs, 2), "p.yml:7:5: unknown key 'adress' in check "
	    "(did you mean 'address'?)");
	T_EQ_STR(line_of(errs, 3), "p.yml:8:26: 'gate' names undefined check "
	    "'b' (did you mean 'a'?)");
	T_EQ_STR(line_of(errs, 4), "p.yml:9:1: unknown key 'bogus' in plan");
	T_EQ_STR(line_of(errs, 5), "");
	free(errs);
}

T_TEST(errors_sorted_with_odd_names)
{
	char *errs = NULL;
	const char *y = "cutover: 1\nname: x\nchecks:\n"
	    "  - { id: a, kind: tcp, adress: 'h:1' }\n"
	    "  - { id: b, kind: http, url: \"ftp://x\\ny\" }\n";
	/* A file name with colons and digits must not confuse the sort. */
	struct plan *p = plan_load_mem("plans:2:9/a.yml", y, strlen(y), &errs);

	T_OK(p == NULL);
	T_EQ_STR(line_of(errs, 0), "plans:2:9/a.yml:4:5: missing 'address'");
	T_EQ_STR(line_of(errs, 1), "plans:2:9/a.yml:4:25: unknown key 'adress' "
	    "in check (did you mean 'address'?)");
	/* A newline inside a quoted value stays inside its one line. */
	T_EQ_STR(line_of(errs, 2), "plans:2:9/a.yml:5:31: 'url' must start "
	    "with http:// or https:// (got 'ftp://x\\ny')");
	T_EQ_STR(line_of(errs, 3), "");
	free(errs);
}

T_TEST(too_deep_and_tabs)
{
	char *errs;
	struct buf b = BUF_INIT;

	buf_adds(&b, "cutover: 1\nname: x\ndescription: ");
	for (int i = 0; i < 65; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < 65; i++)
		buf_addc(&b, ']');
	buf_addc(&b, '\n');
	struct plan *p = load(b.s, &errs);
	T_OK(p == NULL);
	/* The root map is the first level: the 64th '[' is one too many. */
	T_EQ_STR(errs, "p.yml:3:77: nested deeper than 64 levels; a plan "
	    "needs a handful\n");
	free(errs);
	/* 64 levels are still loaded (root, vars, 62 lists). */
	buf_reset(&b);
	buf_adds(&b, "cutover: 1\nname: x\nvars: { a: ");
	for (int i = 0; i < 62; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < 62; i++)
		buf_addc(&b, ']');
	buf_adds(&b, " }\n");
	p = load(b.s, &errs);
	T_OK(p == NULL);
	T_OK(errs && strstr(errs, "'a' must be a string"));
	free(errs);
	buf_release(&b);

	p = load("cutover: 1\nname: x\nvars:\n\tport: 1\n", &errs);
	T_OK(p == NULL);
	T_EQ_STR(errs, "p.yml:4:1: a tab character where YAML expects spaces "
	    "(indent with spaces)\n");
	free(errs);
}

T_TEST(odd_yaml)
{
	char *errs;
	struct plan *p;

	p = load("", &errs);
	T_EQ_STR(errs, "p.yml:1:1: the plan is empty\n");
	free(errs);
	p = load("cutover: 1\nname: x\n? [a, b]\n: c\n", &errs);
	T_OK(p == NULL);
	T_OK(errs && strstr(errs, "p.yml:3:3: plan: keys must be plain strings"));
	free(errs);
	p = load("cutover: 1\nname: x\nname: y\n", &errs);
	T_OK(p == NULL);
	T_OK(errs && strstr(errs, "p.yml:3:1: duplicate key 'name' in plan"));
	free(errs);
	/* Bytes that are not UTF-8, and a NUL, are YAML errors, not crashes. */
	p = plan_load_mem("p.yml", "cutover: 1\nname: \xff\xfe\n", 20, &errs);
	T_OK(p == NULL && errs && strncmp(errs, "p.yml:", 6) == 0);
	free(errs);
	p = plan_load_mem("p.yml", "cutover: 1\n\0name: x\n", 20, &errs);
	T_OK(p == NULL && errs && strncmp(errs, "p.yml:", 6) == 0);
	free(errs);
	/* Two documents: the first is the plan. */
	p = load("cutover: 1\nname: one\n---\ncutover: 1\nname: two\n", &errs);
	T_OK(p != NULL);
	T_EQ_STR(p ? p->name : NULL, "one");
	plan_free(p);
	/* A version written as a string or a float is not version 1. */
	p = load("cutover: 1.0\nname: x\n", &errs);
	T_OK(p == NULL);
	free(errs);
}

T_TEST(anchors_and_aliases)
{
	char *errs;
	struct plan *p;

	/* An alias is the anchored node: both checks get the same url. */
	p = load("cutover: 1\nname: x\nchecks:\n"
	    "  - { id: a, kind: http, url: &u 'http://127.0.0.1:1/' }\n"
	    "  - { id: b, kind: http, url: *u }\n", &errs);
	T_OK(p != NULL && p->nchecks == 2);
	plan_free(p);
	/* A whole map anchored, aliased as a list item: the same node. */
	p = load("cutover: 1\nname: x\nchecks:\n"
	    "  - &c { id: a, kind: tcp, address: 'h:1' }\n  - *c\n", &errs);
	T_OK(p == NULL);
	T_OK(errs && strstr(errs, "p.yml:4:14: duplicate check id 'a'"));
	free(errs);
	p = load("cutover: 1\nname: *nope\n", &errs);
	T_EQ_STR(errs, "p.yml:2:7: found undefined alias\n");
	free(errs);
	p = load("cutover: 1\nname: &n x\ndescription: &n y\n", &errs);
	T_EQ_STR(errs, "p.yml:3:14: found duplicate anchor\n");
	free(errs);
	/* An alias inside its own anchor's collection would be a cycle. */
	p = load("cutover: 1\nname: x\nvars: &v { a: *v }\n", &errs);
	T_EQ_STR(errs, "p.yml:3:15: an alias inside the collection its anchor "
	    "names (a cycle)\n");
	free(errs);
	/* Every node keeps its position, aliased or not. */
	p = load("cutover: 1\nname: x\nchecks:\n"
	    "  - { id: a, kind: tcp, address: &h 'h:1' }\n"
	    "  - { id: b, kind: tcp, address: *h, retries: x }\n", &errs);
	T_EQ_STR(errs, "p.yml:5:47: 'retries': bad number 'x' (expected an "
	    "integer from 0 to 100)\n");
	free(errs);
}

T_TEST(interpolation_corners)
{
	char *errs;
	unsetenv("T_PL_UNSET");
	setenv("T_PL_SET", "from-env", 1);
	setenv("T_PL_EMPTY", "", 1);
	struct plan *p = load(
	    "cutover: 1\nname: x\nvars:\n"
	    "  a: ${env:T_PL_UNSET:-}\n"
	    "  b: ${env:T_PL_SET:-dflt}\n"
	    "  c: ${env:T_PL_UNSET:-dflt:with:colons}\n"
	    "  d: $$5 and $${a}\n"
	    "  e: '${b}${b}'\n"
	    "  f: ${env:T_PL_EMPTY}\n"
	    "  envoy: 1.2.3.4\n"
	    "  g: cost $ 5\n", &errs);

	T_OK(p != NULL);
	if (p == NULL) {
		printf("# %s", errs);
		free(errs);
		return;
	}
	T_EQ_STR(p->vars[0].value, "");
	T_EQ_STR(p->vars[1].value, "from-env");
	T_EQ_STR(p->vars[2].value, "dflt:with:colons");
	T_EQ_STR(p->vars[3].value, "$5 and ${a}");
	T_EQ_STR(p->vars[4].value, "from-envfrom-env");
	/* Set but empty is set: no default, no error. */
	T_EQ_STR(p->vars[5].value, "");
	T_EQ_STR(p->vars[6].key, "envoy");
	T_EQ_STR(p->vars[7].value, "cost $ 5");
	plan_free(p);

	/* A var may not use a later one, nor itself. */
	p = load("cutover: 1\nname: x\nvars: { a: '${b}', b: '1' }\n", &errs);
	T_OK(p == NULL);
	T_OK(errs && strstr(errs, "undefined variable 'b'"));
	free(errs);
	p = load("cutover: 1\nname: x\nvars: { a: '${a}' }\n", &errs);
	T_OK(p == NULL);
	free(errs);
	p = load("cutover: 1\nname: x\nvars: { env: 1 }\n", &errs);
	T_OK(p == NULL);
	T_OK(errs && strstr(errs, "p.yml:3:9: bad variable name 'env'"));
	free(errs);
	p = load("cutover: 1\nname: x\nvars: { a: '${env:}' }\n", &errs);
	T_OK(p == NULL);
	free(errs);
}

T_TEST(check_defaults)
{
	char *errs;
	struct plan *p = load(
	    "cutover: 1\nname: x\nchecks:\n"
	    "  - { id: later, kind: tcp, address: 'h:1', needs: [first] }\n"
	    "  - { id: first, kind: tcp, address: 'h:2', timeout: 250ms, "
	    "retries: 3, retry_interval: 2s, title: The first }\n", &errs);

	T_OK(p != NULL);
	if (p == NULL) {
		free(errs);
		return;
	}
	struct check *a = plan_check(p, "later"), *b = plan_check(p, "first");
	T_EQ_INT(a->timeout_us, CHECK_DEFAULT_TIMEOUT);
	T_EQ_INT(a->retries, 0);
	T_EQ_INT(a->retry_interval_us, 1000000);
	T_EQ_STR(a->needs.v[0], "first");	/* a forward reference */
	T_EQ_INT(b->timeout_us, 250000);
	T_EQ_INT(b->retries, 3);
	T_EQ_INT(b->retry_interval_us, 2000000);
	T_EQ_STR(b->title, "The first");
	T_EQ_INT(a->line, 4);
	T_EQ_INT(a->col, 5);
	T_OK(plan_check(p, "nope") == NULL);
	T_OK(plan_phase(p, "nope") == NULL);
	T_EQ_INT(strlen(p->sha256), 64);
	plan_free(p);
}

T_TEST(targets_and_secrets)
{
	char *errs;
	redact_clear();
	setenv("T_PL_PW", "env-password-123", 1);
	struct plan *p = load(
	    "cutover: 1\nname: x\nvars: { pw: var-password-456 }\n"
	    "targets:\n"
	    "  a: postgres://u:${pw}@db:5432/app\n"
	    "  b: mysql://u@db/app?password_env=T_PL_PW\n"
	    "  c: 'postgres://u:p%40ss-word-789@db/app'\n"
	    "checks:\n"
	    "  - { id: s, kind: sql, target: 'sqlite:///tmp/x.db', query: "
	    "'select 1' }\n", &errs);

	T_OK(p != NULL);
	if (p == NULL) {
		printf("# %s", errs);
		free(errs);
		return;
	}
	const struct target *a = plan_target(p, "a");
	T_OK(a != NULL);
	T_EQ_STR(a ? a->url.password : NULL, "var-password-456");
	T_EQ_STR(a ? a->url.safe : NULL, "postgres://u:***@db:5432/app");
	/* The inline sqlite URL became an anonymous target of the plan. */
	T_EQ_INT(p->ntargets, 4);
	char *r = redact("a var-password-456 b env-password-123 c p@ss-word-789 "
	    "d p%40ss-word-789 e postgres://x:other-pass@h/");
	T_EQ_STR(r, "a *** b *** c *** d *** e postgres://x:***@h/");
	free(r);
	plan_free(p);

	/* password_env naming an unset variable is an error, not "". */
	unsetenv("T_PL_UNSET_PW");
	p = load("cutover: 1\nname: x\ntargets:\n"
	    "  a: mysql://u@db/app?password_env=T_PL_UNSET_PW\n", &errs);
	T_OK(p == NULL);
	T_OK(errs && strstr(errs, "p.yml:4:6: target 'a': "));
	T_OK(errs && strstr(errs, "T_PL_UNSET_PW"));
	free(errs);
	redact_clear();
}

T_TEST(plan_files)
{
	char dir[] = "/tmp/cutover-unit.XXXXXX";
	char *errs = NULL;

	T_OK(mkdtemp(dir) != NULL);
	struct plan *p = plan_load(dir, &errs);
	T_OK(p == NULL);
	char *want = xasprintf("%s: is a directory, not a plan file\n", dir);
	T_EQ_STR(errs, want);
	free(want);
	free(errs);

	char *path = xasprintf("%s/none.yml", dir);
	p = plan_load(path, &errs);
	T_OK(p == NULL && errs && strstr(errs, "cannot open plan"));
	free(errs);
	free(path);

	/* 16 MiB and one byte: refused before parsing. */
	path = xasprintf("%s/big.yml", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	T_OK(fd >= 0 && ftruncate(fd, (16 << 20) + 1) == 0);
	close(fd);
	p = plan_load(path, &errs);
	T_OK(p == NULL && errs && strstr(errs, "plan is larger than 16 MiB"));
	free(errs);
	unlink(path);
	free(path);

	path = xasprintf("%s/ok.yml", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	T_EQ_INT(write(fd, "cutover: 1\nname: ok\n", 20), 20);
	close(fd);
	p = plan_load(path, &errs);
	T_OK(p != NULL);
	T_EQ_STR(p ? p->dir : NULL, dir);
	T_EQ_STR(p ? p->file : NULL, path);
	plan_free(p);
	unlink(path);
	free(path);
	rmdir(dir);
}

T_TEST(runbook_edges)
{
	char *errs;
	struct plan *p = load(
	    "cutover: 1\nname: x\n"
	    "checks: [ { id: api, kind: disk, path: /, min_free: 1% } ]\n"
	    "phases:\n"
	    "  - id: post\n"
	    "    checks: [api]\n"
	    "rollback_verify: [api]\n", &errs);

	T_OK(p != NULL);
	if (p == NULL) {
		printf("# %s", errs);
		free(errs);
		return;
	}
	T_EQ_STR(p->rollback_verify.v[0], "api");
	plan_free(p);

	/*
	 * watch, rollback_if and success: the watched checks are those the
	 * rules name, the plan's success joining every watch phase.
	 */
	p = load("cutover: 1\nname: x\n"
	    "checks: [ { id: api, kind: disk, path: /, min_free: 1% } ]\n"
	    "phases:\n"
	    "  - id: post\n"
	    "    watch: { every: 10s, for: 1h }\n"
	    "    rollback_if: [ { check: api, failing: 50%, within: 2m } ]\n"
	    "success: [ { check: api, uptime: '>= 99%' } ]\n", &errs);
	T_OK(p != NULL);
	if (p == NULL) {
		printf("# %s", errs);
		free(errs);
		return;
	}
	T_OK(p->phases[0].has_watch);
	T_EQ_INT(p->phases[0].watch_every_us, 10 * US_PER_S);
	T_EQ_INT(p->phases[0].watch_for_us, 3600 * US_PER_S);
	T_EQ_INT(p->phases[0].watch_checks.n, 1);
	T_EQ_STR(p->phases[0].watch_checks.v[0], "api");
	T_EQ_INT(p->phases[0].rollback_if[0].within_us, 120 * US_PER_S);
	T_EQ_INT(p->phases[0].rollback_if[0].min_samples, 3);
	T_EQ_INT(p->nsuccess, 1);
	T_OK(p->success[0].metric == MET_UPTIME);
	T_OK(fabs(p->success[0].target.num - 99) < 1e-9);
	plan_free(p);
}

/*
 * A list with a bad item after good ones: what was read before the error
 * is freed (unit-asan's leak check; the plan fuzzer found two_person's).
 */
T_TEST(bad_list_frees_what_was_read)
{
	char *errs;
	struct plan *p;

	p = load("cutover: 1\nname: x\ntwo_person: [rollback, [x]]\n", &errs);
	T_OK(p == NULL);
	T_OK(errs && strstr(errs, "p.yml:3:24: 'two_person' must be a list "
	    "of strings"));
	free(errs);
}

T_SUITE(planload, errors_in_file_order, errors_sorted_with_odd_names,
    too_deep_and_tabs, odd_yaml, anchors_and_aliases,
    interpolation_corners, check_defaults, targets_and_secrets, plan_files,
    runbook_edges, bad_list_frees_what_was_read)
