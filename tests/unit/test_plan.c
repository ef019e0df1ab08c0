/* test_plan.c - the plan loader: structure, interpolation, errors. */
#include <stdlib.h>

#include "../t.h"
#include "check.h"
#include "lib/redact.h"
#include "plan.h"

static struct plan *
load(const char *yaml, char **errs)
{
	return plan_load_mem("p.yml", yaml, strlen(yaml), errs);
}

T_TEST(minimal_plan)
{
	char *errs = NULL;
	struct plan *p = load("cutover: 1\nname: x\n", &errs);

	T_OK(p != NULL);
	T_EQ_STR(p ? p->name : NULL, "x");
	plan_free(p);
	free(errs);
}

T_TEST(interpolation)
{
	char *errs = NULL;
	setenv("T_PLAN_HOST", "10.1.2.3", 1);
	struct plan *p = load(
	    "cutover: 1\nname: x\nvars: { port: 3306, addr: '${env:T_PLAN_HOST}:${port}' }\n"
	    "checks:\n  - { id: a, kind: tcp, address: '${addr}' }\n"
	    "  - { id: b, kind: tcp, address: '${env:T_PLAN_UNSET:-127.0.0.1}:1' }\n",
	    &errs);
	T_OK(p != NULL);
	if (p == NULL) {
		printf("# %s", errs);
		free(errs);
		return;
	}
	T_EQ_STR(p->vars[1].value, "10.1.2.3:3306");
	T_EQ_INT(p->nchecks, 2);
	plan_free(p);
}

T_TEST(all_errors_at_once)
{
	char *errs = NULL;
	struct plan *p = load(
	    "cutover: 1\nname: x\nchecks:\n"
	    "  - { id: a, kind: tpc, address: 'h:1' }\n"
	    "  - { id: b, kind: tcp, address: 'h:1', timeout: 5 }\n"
	    "  - { id: b, kind: tcp, address: 'h:1', retrys: 2 }\n",
	    &errs);
	T_OK(p == NULL);
	T_OK(errs && strstr(errs, "p.yml:4:20: unknown check kind 'tpc' (did you mean 'tcp'?)"));
	T_OK(errs && strstr(errs, "p.yml:5:50: 'timeout': bad duration '5'"));
	T_OK(errs && strstr(errs, "p.yml:6:11: duplicate check id 'b'"));
	T_OK(errs && strstr(errs, "p.yml:6:41: unknown key 'retrys' in check (did you mean 'retries'?)"));
	free(errs);
}

T_TEST(secrets_registered)
{
	char *errs = NULL;
	redact_clear();
	setenv("T_DB_PASSWORD", "correct-horse-battery", 1);
	struct plan *p = load("cutover: 1\nname: x\nsecrets: [T_DB_PASSWORD]\n",
	    &errs);
	T_OK(p != NULL);
	char *r = redact("pw is correct-horse-battery");
	T_EQ_STR(r, "pw is ***");
	free(r);
	plan_free(p);
	redact_clear();
}

T_TEST(runbook_model)
{
	char *errs = NULL;
	struct plan *p = load(
	    "cutover: 1\nname: x\n"
	    "checks: [ { id: c1, kind: disk, path: /, min_free: 1% } ]\n"
	    "risks: [ { id: '1.1', title: t, level: critical, mitigated_by: [c1] } ]\n"
	    "phases:\n"
	    "  - id: cut\n"
	    "    window: { target: 30m, max: 2h }\n"
	    "    steps:\n"
	    "      - { id: s1, run: php artisan down, undo: php artisan up, downtime: start }\n"
	    "      - { id: s2, shell: 'echo a | wc -c', idempotent: true, retries: 2 }\n"
	    "    gate: [c1]\n"
	    "rollback: [ { id: r1, run: [cp, a, b] } ]\n", &errs);
	T_OK(p != NULL);
	if (p == NULL) {
		printf("# %s", errs);
		free(errs);
		return;
	}
	T_EQ_INT(p->nphases, 1);
	T_EQ_INT(p->phases[0].nsteps, 2);
	T_EQ_INT(p->phases[0].window.max_us, 7200000000LL);
	T_EQ_STR(p->phases[0].steps[0].cmd.argv.v[2], "down");
	T_OK(p->phases[0].steps[0].has_undo);
	T_EQ_INT(p->phases[0].steps[0].downtime, DOWNTIME_START);
	T_EQ_STR(p->phases[0].steps[1].cmd.shell, "echo a | wc -c");
	T_EQ_INT(p->nrollback, 1);
	T_EQ_INT(p->risks[0].level, RISK_CRITICAL);
	plan_free(p);
}

T_SUITE(plan, minimal_plan, interpolation, all_errors_at_once,
    secrets_registered, runbook_model)
