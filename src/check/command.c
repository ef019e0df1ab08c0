/*
 * command.c - kind `command`: run argv (no shell) or a shell script,
 * judge its exit status and output.  The process group is killed at the
 * timeout; the output tail is kept (redacted on the way out).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/proc.h"
#include "../lib/units.h"
#include "../lib/xmalloc.h"

#define COMMAND_TAIL	4096

struct command_conf {
	struct command	 cmd;
	struct kv	*env;
	size_t		 nenv;
	char		**envv;		/* "K=V", NULL-terminated */
	char		*cwd;
	long long	 expect_exit;
	struct strlist	 stdout_contains;
	/* value: stdout - the last line of output is the sample's value */
	bool		 value_stdout;
};

static const char *const keys[] = { "run", "shell", "expect_exit",
	"stdout_contains", "env", "cwd", "value", NULL };

static int
command_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct command_conf *k = xcalloc(1, sizeof(*k));
	yaml_node_t *run = pn_get(cx, map, "run");
	yaml_node_t *sh = pn_get(cx, map, "shell");
	int rc = 0;

	c->priv = k;
	if ((run == NULL) == (sh == NULL)) {
		pn_error(cx, map, "check '%s' needs exactly one of 'run' (argv, "
		    "no shell) or 'shell'", c->id);
		rc = -1;
	}
	rc |= pn_command(cx, run, "run", false, &k->cmd);
	rc |= pn_command(cx, sh, "shell", true, &k->cmd);
	rc |= pn_int(cx, pn_get(cx, map, "expect_exit"), "expect_exit", 0, 255,
	    &k->expect_exit);
	rc |= pn_strlist(cx, pn_get(cx, map, "stdout_contains"),
	    "stdout_contains", &k->stdout_contains);
	rc |= pn_kvmap(cx, pn_get(cx, map, "env"), "env", &k->env, &k->nenv);
	k->envv = xcalloc(k->nenv + 1, sizeof(*k->envv));
	for (size_t i = 0; i < k->nenv; i++)
		k->envv[i] = xasprintf("%s=%s", k->env[i].key, k->env[i].value);
	k->cwd = pn_str(cx, pn_get(cx, map, "cwd"), "cwd");
	yaml_node_t *v = pn_get(cx, map, "value");
	char *vs = pn_str(cx, v, "value");
	if (vs && strcmp(vs, "stdout") != 0) {
		pn_error(cx, v, "'value' can only be 'stdout' (the number on the "
		    "command's last line of output)");
		rc = -1;
	}
	k->value_stdout = vs != NULL;
	free(vs);
	return rc;
}

/*
 * stdout_contains is judged on the whole output as it streams by, not on
 * the kept tail: "Version 2" may be in the first line of 10 MB.  carry
 * holds the end of the previous chunks so a match may span chunks.
 */
struct scan {
	const struct strlist *want;
	bool		*found;
	struct buf	 carry;
	size_t		 keep;		/* the longest needle, less one byte */
};

static void
scan_output(const char *data, size_t n, void *arg)
{
	struct scan *sc = arg;

	buf_add(&sc->carry, data, n);
	for (size_t i = 0; i < sc->want->n; i++) {
		const char *w = sc->want->v[i];
		if (!sc->found[i] && memmem(sc->carry.s, sc->carry.len, w,
		    strlen(w)) != NULL)
			sc->found[i] = true;
	}
	buf_keep_tail(&sc->carry, sc->keep);
}

/*
 * A tail cut at COMMAND_TAIL starts mid-line, perhaps mid-secret, where
 * redaction cannot recognise the rest: drop that partial first line.
 */
static void
trim_partial_line(struct buf *tail)
{
	if (tail->len < COMMAND_TAIL)
		return;
	const char *nl = memchr(tail->s, '\n', tail->len);
	if (nl != NULL && (size_t)(nl - tail->s) + 1 < tail->len)
		buf_keep_tail(tail, tail->len - (size_t)(nl - tail->s) - 1);
}

/* A stopped run (Ctrl-C at a gate) must not leave our command behind. */
static bool
run_stopped(void *arg)
{
	(void)arg;
	return check_stopping();
}

/*
 * value: stdout.  The last line is a number, or a duration taken in
 * seconds as latencies are ("120ms" -> 0.12); anything else: no value.
 */
static void
stdout_value(const struct buf *tail, struct result *r)
{
	char *t = xstrndup(tail->s ? tail->s : "", tail->len);
	size_t n = strlen(t);
	int64_t us;
	char *end;

	while (n && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' '))
		t[--n] = '\0';
	char *line = strrchr(t, '\n');
	line = line ? line + 1 : t;
	if (parse_duration(line, &us, NULL) == 0) {
		r->has_value = true;
		r->value = (double)us / US_PER_S;
	} else {
		double d = strtod(line, &end);
		if (end != line && *end == '\0' && isfinite(d)) {
			r->has_value = true;
			r->value = d;
		}
	}
	free(t);
}

static void
command_run(const struct check *c, struct result *r)
{
	const struct command_conf *k = c->priv;
	struct scan sc = { .want = &k->stdout_contains };
	struct proc_spec spec = {
		.argv = k->cmd.shell ? NULL : k->cmd.argv.v,
		.shell = k->cmd.shell,
		.env = (const char *const *)k->envv,
		.cwd = k->cwd,
		.timeout_us = c->timeout_us,
		.tail_max = COMMAND_TAIL,
		.on_output = k->stdout_contains.n ? scan_output : NULL,
		.arg = &sc,
		.should_stop = run_stopped,
	};
	struct proc_result pr;
	char *e = NULL;

	sc.found = xcalloc(k->stdout_contains.n + 1, sizeof(*sc.found));
	for (size_t i = 0; i < k->stdout_contains.n; i++) {
		size_t len = strlen(k->stdout_contains.v[i]);
		if (len > sc.keep + 1)
			sc.keep = len - 1;
	}
	result_threshold(r, "exit %lld", k->expect_exit);
	if (proc_run(&spec, &pr, &e) != 0) {
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		free(sc.found);
		buf_release(&sc.carry);
		return;
	}
	trim_partial_line(&pr.tail);
	char *why = proc_describe(&pr, c->timeout_us);
	/* A spawn failure's tail is its message: do not say it twice. */
	if (pr.tail.len && !pr.spawn_failed)
		result_detail(r, "%s", pr.tail.s);
	if (pr.spawn_failed || pr.timed_out || pr.signal) {
		result_observed(r, "%s", pr.timed_out ? "timeout" : pr.signal ?
		    "signal" : "not run");
		result_set(r, ST_FAIL, "%s", why);
	} else {
		result_observed(r, "exit %d", pr.exit_code);
		if (pr.exit_code != k->expect_exit) {
			/* The last line of output usually says why. */
			char *last = NULL;
			if (pr.tail.len) {
				char *t = xstrdup(pr.tail.s);
				size_t n = strlen(t);
				while (n && (t[n - 1] == '\n' || t[n - 1] == '\r'))
					t[--n] = '\0';
				char *nl = strrchr(t, '\n');
				last = xstrdup(nl ? nl + 1 : t);
				free(t);
			}
			result_set(r, ST_FAIL, "%s, expected %lld%s%s", why,
			    k->expect_exit, last && *last ? ": " : "",
			    last ? last : "");
			free(last);
		} else {
			const char *missing = NULL;
			for (size_t i = 0; i < k->stdout_contains.n; i++)
				if (!sc.found[i] && missing == NULL)
					missing = k->stdout_contains.v[i];
			if (missing)
				result_set(r, ST_FAIL, "output does not contain '%s'",
				    missing);
			else
				result_set(r, ST_PASS, "%s", why);
		}
	}
	if (k->value_stdout && !pr.spawn_failed && !pr.timed_out)
		stdout_value(&pr.tail, r);
	free(why);
	free(sc.found);
	buf_release(&sc.carry);
	buf_release(&pr.tail);
}

static void
command_free(void *p)
{
	struct command_conf *k = p;

	strlist_release(&k->cmd.argv);
	free(k->cmd.shell);
	for (size_t i = 0; i < k->nenv; i++) {
		free(k->env[i].key);
		free(k->env[i].value);
		free(k->envv[i]);
	}
	free(k->env);
	free(k->envv);
	free(k->cwd);
	strlist_release(&k->stdout_contains);
	free(k);
}

static const char *
command_value_refuse(const struct check *c, const struct vcmp *v)
{
	const struct command_conf *k = c->priv;

	(void)v;
	return k->value_stdout ? NULL : "a command check has a value only "
	    "with 'value: stdout' (the number on its last line of output)";
}

const struct check_kind check_command = {
	.name = "command",
	.summary = "run a command (argv or shell); exit status and output",
	.keys = keys,
	.parse = command_parse,
	.run = command_run,
	.free = command_free,
	.value_refuse = command_value_refuse,
	.value = "the number (or duration, in seconds) on the last line of output, with value: stdout",
};
