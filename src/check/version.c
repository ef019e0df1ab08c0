/*
 * version.c - kind `version`: a program's version (from the output of a
 * command such as `node --version`) or an installed Debian package's
 * (from dpkg's status database) is within a range, compared as versions
 * (dpkg's ordering, lib/version.h), never as strings.
 *
 * The package database is read directly (/var/lib/dpkg/status, with a
 * bounded line reader), not through `dpkg-query`: no process to start,
 * no PATH to trust, an answer in ~20ms for 2000 packages, and the same
 * code path as the fuzzed parser.  dpkg itself rewrites that file
 * atomically (rename), so a read never sees half of it.
 *
 * A command runs under `cutover reap` (cmd/reap.c), which kills what it
 * left behind once it has exited: `pm2 --version` spawns pm2's daemon in
 * a session of its own, which the process group kill does not reach, and
 * a version check must not leave a service running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <unistd.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/proc.h"
#include "../lib/version.h"
#include "../lib/xmalloc.h"

#define VERSION_OUT_MAX	(64 * 1024)	/* output searched for the version */
#define DPKG_STATUS	"/var/lib/dpkg/status"
/* The first dotted number, else the first number. */
#define DEFAULT_REGEX	"[0-9]+(?:\\.[0-9]+)+|[0-9]+"

struct version_conf {
	struct command	 cmd;
	char		*cmd_text;	/* for messages */
	char		*package;
	char		*regex_src;
	pcre2_code	*re;
	struct vrange	 range;
};

static const char *const keys[] = { "command", "package", "regex", "range",
	NULL };

static int
version_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct version_conf *v = xcalloc(1, sizeof(*v));
	yaml_node_t *cn = pn_get(cx, map, "command");
	yaml_node_t *pk = pn_get(cx, map, "package");
	yaml_node_t *rx = pn_get(cx, map, "regex");
	int rc = 0;
	char *e = NULL;

	c->priv = v;
	if ((cn == NULL) == (pk == NULL)) {
		pn_error(cx, map, "check '%s' needs exactly one of 'command' "
		    "(e.g. \"node --version\") or 'package' (a Debian package)",
		    c->id);
		rc = -1;
	}
	rc |= pn_command(cx, cn, "command", false, &v->cmd);
	if (cn && v->cmd.argv.n)
		v->cmd_text = strlist_join(&v->cmd.argv, " ");
	v->package = pn_str(cx, pk, "package");
	if (rx && pk) {
		pn_error(cx, rx, "'regex' picks the version out of a command's "
		    "output; a package's version needs none");
		rc = -1;
	}
	v->regex_src = rx ? pn_str(cx, rx, "regex") : xstrdup(DEFAULT_REGEX);
	if (v->regex_src) {
		int ec;
		PCRE2_SIZE eo;
		v->re = pcre2_compile((PCRE2_SPTR)v->regex_src,
		    PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
		if (v->re == NULL) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(ec, msg, sizeof(msg));
			pn_error(cx, rx, "'regex': bad regex: %s at offset %zu",
			    (char *)msg, (size_t)eo);
			rc = -1;
		}
	}
	yaml_node_t *rn = pn_get(cx, map, "range");
	char *rs = pn_req_str(cx, map, "range");
	if (rs && vrange_parse(rs, &v->range, &e) != 0) {
		pn_error(cx, rn, "'range': %s", e);
		rc = -1;
	}
	free(e);
	free(rs);
	return rs || rn ? rc : -1;
}

static void
on_out(const char *data, size_t n, void *arg)
{
	buf_add(arg, data, n);
}

static bool
run_stopped(void *arg)
{
	(void)arg;
	return check_stopping();
}

/* The version out of a command's output: new string, or NULL. */
static char *
extract(const struct version_conf *v, const char *out, size_t n)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(v->re,
	    NULL);
	char *res = NULL;

	if (pcre2_match(v->re, (PCRE2_SPTR)out, n, 0, 0, md, NULL) >= 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		uint32_t k = pcre2_get_ovector_count(md) > 1 &&
		    ov[2] != PCRE2_UNSET ? 1 : 0;
		if (ov[2 * k + 1] > ov[2 * k] && ov[2 * k + 1] - ov[2 * k] < 256)
			res = xstrndup(out + ov[2 * k], ov[2 * k + 1] - ov[2 * k]);
	}
	pcre2_match_data_free(md);
	return res;
}

/* prog as PATH finds it (new string), or NULL when nothing runs. */
static char *
find_program(const char *prog)
{
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? xstrdup(prog) : NULL;
	const char *path = getenv("PATH");
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *cand = xasprintf("%.*s%s%s", (int)n, p, n ? "/" : "",
		    prog);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (end == NULL)
			return NULL;
		p = end;
	}
}

static char *
from_command(const struct check *c, struct result *r)
{
	const struct version_conf *v = c->priv;
	struct buf out;
	char *prog = find_program(v->cmd.argv.v[0]);

	if (prog == NULL) {
		result_observed(r, "not found");
		result_set(r, ST_FAIL, "cannot run '%s' (not installed, or not in "
		    "PATH)", v->cmd.argv.v[0]);
		return NULL;
	}
	/* cutover reap -- PROG ARGS: what it leaves behind is killed. */
	size_t na = v->cmd.argv.n;
	char **argv = xcalloc(na + 4, sizeof(*argv));
	argv[0] = (char *)"/proc/self/exe";
	argv[1] = (char *)"reap";
	argv[2] = (char *)"--";
	argv[3] = prog;
	for (size_t i = 1; i < na; i++)
		argv[3 + i] = v->cmd.argv.v[i];
	struct proc_spec spec = {
		.argv = argv,
		.timeout_us = c->timeout_us,
		.tail_max = 1024,
		.on_output = on_out,
		.should_stop = run_stopped,
	};
	struct proc_result pr;
	char *e = NULL, *ver = NULL;

	buf_init(&out, VERSION_OUT_MAX);
	spec.arg = &out;
	if (proc_run(&spec, &pr, &e) != 0) {
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		buf_release(&out);
		free(argv);
		free(prog);
		return NULL;
	}
	if (pr.spawn_failed) {
		result_observed(r, "not found");
		result_set(r, ST_FAIL, "cannot run '%s' (not installed, or not in "
		    "PATH): %s", v->cmd.argv.v[0], pr.tail.s);
	} else if (pr.timed_out || pr.signal || pr.exit_code != 0) {
		char *why = proc_describe(&pr, c->timeout_us);
		result_observed(r, "%s", pr.timed_out ? "timeout" : "error");
		result_set(r, ST_FAIL, "'%s' %s", v->cmd_text, why);
		free(why);
	} else if ((ver = extract(v, out.s, out.len)) == NULL) {
		result_observed(r, "no version");
		result_set(r, ST_FAIL, "no version in the output of '%s' (regex "
		    "/%s/)", v->cmd_text, v->regex_src);
	}
	if (ver == NULL && pr.tail.len && !pr.spawn_failed)
		result_detail(r, "%s", pr.tail.s);
	buf_release(&pr.tail);
	buf_release(&out);
	free(argv);
	free(prog);
	return ver;
}

static char *
from_dpkg(const struct version_conf *v, struct result *r)
{
	char *e = NULL, *ver = NULL, *state = NULL;
	FILE *f = fopen_regular(DPKG_STATUS, "dpkg's status database", &e);

	if (f == NULL) {
		result_set(r, ST_FAIL, "%s (not a Debian system?)", e);
		free(e);
		return NULL;
	}
	int rc = dpkg_installed(f, v->package, &ver, &state, &e);
	fclose(f);
	if (rc < 0) {
		result_set(r, ST_FAIL, "%s", e);
		free(e);
	} else if (rc == 0) {
		result_observed(r, "not installed");
		if (state)
			result_set(r, ST_FAIL, "package '%s' is not installed "
			    "(dpkg status: %s)", v->package, state);
		else
			result_set(r, ST_FAIL, "package '%s' is not installed",
			    v->package);
	}
	free(state);
	return ver;
}

static void
version_run(const struct check *c, struct result *r)
{
	const struct version_conf *v = c->priv;
	const char *what = v->package ? v->package : v->cmd.argv.v[0];
	char *ver;

	result_threshold(r, "%s", v->range.text);
	ver = v->package ? from_dpkg(v, r) : from_command(c, r);
	if (ver == NULL)
		return;
	result_observed(r, "%s", ver);
	if (vrange_has(&v->range, ver))
		result_set(r, ST_PASS, "%s %s is in %s", what, ver,
		    v->range.text);
	else
		result_set(r, ST_FAIL, "%s %s is not in %s", what, ver,
		    v->range.text);
	free(ver);
}

static void
version_free(void *p)
{
	struct version_conf *v = p;

	strlist_release(&v->cmd.argv);
	free(v->cmd.shell);
	free(v->cmd_text);
	free(v->package);
	free(v->regex_src);
	pcre2_code_free(v->re);
	vrange_free(&v->range);
	free(v);
}

const struct check_kind check_version = {
	.name = "version",
	.summary = "a program's (--version) or Debian package's version is in "
	    "a range",
	.keys = keys,
	.parse = version_parse,
	.run = version_run,
	.free = version_free,
};
