/*
 * command.c - kind `command`: run argv (no shell) or a shell script,
 * judge its exit status and output.  The process group is killed at the
 * timeout; the output tail is kept (redacted on the way out).
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/proc.h"
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
};

static const char *const keys[] = { "run", "shell", "expect_exit",
	"stdout_contains", "env", "cwd", NULL };

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
	return rc;
}

static void
command_run(const struct check *c, struct result *r)
{
	const struct command_conf *k = c->priv;
	struct proc_spec spec = {
		.argv = k->cmd.shell ? NULL : k->cmd.argv.v,
		.shell = k->cmd.shell,
		.env = (const char *const *)k->envv,
		.cwd = k->cwd,
		.timeout_us = c->timeout_us,
		.tail_max = COMMAND_TAIL,
	};
	struct proc_result pr;
	char *e = NULL;

	result_threshold(r, "exit %lld", k->expect_exit);
	if (proc_run(&spec, &pr, &e) != 0) {
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		return;
	}
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
				if (strstr(pr.tail.s, k->stdout_contains.v[i]) == NULL)
					missing = k->stdout_contains.v[i];
			if (missing)
				result_set(r, ST_FAIL, "output does not contain '%s'",
				    missing);
			else
				result_set(r, ST_PASS, "%s", why);
		}
	}
	free(why);
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

const struct check_kind check_command = {
	.name = "command",
	.summary = "run a command (argv or shell); exit status and output",
	.keys = keys,
	.parse = command_parse,
	.run = command_run,
	.free = command_free,
};
