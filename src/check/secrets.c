/*
 * secrets.c - kind `secrets`: no credentials in the given paths (a
 * runbook, a repository, a config directory).  Passes when the scan finds
 * nothing the allowlist does not accept; the result names files, lines
 * and rules, never the secrets (secrets.h masks them).
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../lib/buf.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"
#include "../secrets.h"

struct secrets_conf {
	struct strlist	 paths;
	struct strlist	 exclude;
	char		*allowlist;
	char		*rules;		/* a rules file, as secrets scan --rules */
};

static const char *const keys[] = { "paths", "exclude", "allowlist", "rules",
	NULL };

static int
secrets_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct secrets_conf *s = xcalloc(1, sizeof(*s));
	int rc = 0;

	c->priv = s;
	yaml_node_t *pn = pn_get(cx, map, "paths");
	if (pn == NULL) {
		pn_error(cx, map, "missing 'paths'");
		return -1;
	}
	rc |= pn_strlist(cx, pn, "paths", &s->paths);
	rc |= pn_strlist(cx, pn_get(cx, map, "exclude"), "exclude",
	    &s->exclude);
	s->allowlist = pn_str(cx, pn_get(cx, map, "allowlist"), "allowlist");
	s->rules = pn_str(cx, pn_get(cx, map, "rules"), "rules");
	if (rc == 0 && s->paths.n == 0) {
		pn_error(cx, pn, "'paths' is empty");
		rc = -1;
	}
	return rc;
}

static void
secrets_run(const struct check *c, struct result *r)
{
	const struct secrets_conf *sc = c->priv;
	struct scan_opts o = { .exclude = &sc->exclude,
		.allowlist = sc->allowlist, .rules = sc->rules };
	struct findings fs;
	struct scanner *s;
	char *e = NULL;

	/* Stop taking files a little before the runner gives up on us. */
	if (c->timeout_us > 0)
		o.deadline_us = now_mono_us() + c->timeout_us;
	s = scanner_new(&o, &e);
	if (s == NULL || scanner_scan(s, sc->paths.v, sc->paths.n, &fs,
	    &e) != 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		scanner_free(s);
		return;
	}
	result_observed(r, "%zu findings in %zu files", fs.n, fs.nfiles);
	result_threshold(r, "no findings");
	r->has_value = true;
	r->value = (double)fs.n;
	if (fs.n == 0 && fs.nerrors) {
		const struct scan_skip *k = fs.skips;
		while (!k->error)
			k++;
		result_set(r, ST_FAIL, "%zu path%s could not be read, first %s: "
		    "%s", fs.nerrors, PLURAL(fs.nerrors), k->path,
		    k->why);
	} else if (fs.n == 0 && fs.nskipped) {
		result_set(r, ST_FAIL, "timed out: %zu file%s scanned, %zu not",
		    fs.nfiles, PLURAL(fs.nfiles), fs.nskipped);
	} else if (fs.n == 0) {
		result_set(r, ST_PASS, "no credentials in %zu file%s%s",
		    fs.nfiles, PLURAL(fs.nfiles), fs.nallowed ? " (allowlisted findings accepted)" : "");
	} else {
		struct buf d = BUF_INIT;
		for (size_t i = 0; i < fs.n; i++)
			buf_addf(&d, "%s:%d:%d: %s: %s\n", fs.v[i].file,
			    fs.v[i].line, fs.v[i].col, fs.v[i].rule->id,
			    fs.v[i].match);
		result_set(r, ST_FAIL, "%zu credential%s found, first %s:%d "
		    "(%s)", fs.n, PLURAL(fs.n), fs.v[0].file,
		    fs.v[0].line, fs.v[0].rule->id);
		result_detail(r, "%s", d.s);
		buf_release(&d);
	}
	findings_release(&fs);
	scanner_free(s);
}

static void
secrets_free(void *p)
{
	struct secrets_conf *s = p;

	strlist_release(&s->paths);
	strlist_release(&s->exclude);
	free(s->allowlist);
	free(s->rules);
	free(s);
}

const struct check_kind check_secrets = {
	.name = "secrets",
	.summary = "no credentials committed in the given paths",
	.keys = keys,
	.parse = secrets_parse,
	.run = secrets_run,
	.free = secrets_free,
	.value = "findings",
};
