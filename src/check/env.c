/*
 * env.c - kind `env`: an .env file is complete and safe: required keys
 * present and non-empty, no placeholders, no weak secrets, not readable
 * by others, no debug flags in production (envcheck.h).  Fails on any
 * failing finding, warns on warnings; values never reach the result.
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../envcheck.h"
#include "../lib/util.h"
#include "../lib/buf.h"
#include "../lib/redact.h"
#include "../lib/strength.h"
#include "../lib/xmalloc.h"

struct env_conf {
	char		*file;
	struct strlist	 require;
	char		*schema_file;
	struct env_schema schema;
	bool		 has_schema;
	int		 production;
	bool		 expand;
};

static const char *const keys[] = { "file", "require", "schema",
	"production", "expand", NULL };

static int
env_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct env_conf *ec = xcalloc(1, sizeof(*ec));
	int rc = 0;

	c->priv = ec;
	ec->production = -1;
	ec->file = pn_req_str(cx, map, "file");
	rc |= pn_strlist(cx, pn_get(cx, map, "require"), "require",
	    &ec->require);
	yaml_node_t *sn = pn_get(cx, map, "schema");
	ec->schema_file = pn_str(cx, sn, "schema");
	if (ec->schema_file) {
		char *e = NULL;
		/* Read now: a broken schema is a plan error, not a failed check. */
		if (env_schema_load(ec->schema_file, &ec->schema, &e) != 0) {
			pn_error(cx, sn, "'schema': %s", e);
			free(e);
			rc = -1;
		}
		ec->has_schema = true;
	}
	rc |= pn_bool(cx, pn_get(cx, map, "expand"), "expand", &ec->expand);
	yaml_node_t *pn = pn_get(cx, map, "production");
	if (pn) {
		bool b = false;
		rc |= pn_bool(cx, pn, "production", &b);
		ec->production = b;
	}
	/*
	 * Mask the file's secrets now, not when the check runs: a step
	 * before the check's phase, or a resumed run that never runs it
	 * again, may print the file.
	 */
	env_redact_path(ec->file, ec->has_schema && rc == 0 ? &ec->schema :
	    NULL, ec->expand);
	return ec->file ? rc : -1;
}

static void
env_run(const struct check *c, struct result *r)
{
	const struct env_conf *ec = c->priv;
	struct env_file f;
	struct env_findings fs;
	char *e = NULL;

	if (dotenv_load(ec->file, &f, &e) != 0) {
		result_observed(r, "unreadable");
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		return;
	}
	/*
	 * Again as it is now (a step may have written it since the plan was
	 * loaded): whatever prints later must not show a secret value.
	 */
	env_redact_file(&f, ec->has_schema ? &ec->schema : NULL);
	if (ec->expand && dotenv_expand(&f, &e) != 0) {
		result_observed(r, "unexpandable");
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		dotenv_release(&f);
		return;
	}
	struct env_check_opts o = { .require = &ec->require,
		.schema = ec->has_schema ? &ec->schema : NULL,
		.production = ec->production, .path = ec->file,
		.expanded = ec->expand };
	if (ec->expand)
		env_redact_file(&f, ec->has_schema ? &ec->schema : NULL);
	env_check(&f, &o, &fs);
	result_observed(r, "%zu key%s, %zu failed, %zu warning%s", f.n,
	    PLURAL(f.n), fs.nfail, fs.nwarn, PLURAL(fs.nwarn));
	result_threshold(r, "no failing findings");
	r->has_value = true;
	r->value = (double)fs.nfail;
	struct buf sum = BUF_INIT, det = BUF_INIT;
	size_t shown = 0;
	for (size_t i = 0; i < fs.n; i++) {
		const struct env_finding *x = &fs.v[i];
		if (x->sev == ENV_INFO)
			continue;
		buf_addf(&det, "%s:%d: %s: %s%s%s\n", ec->file, x->line,
		    env_sev_name(x->sev), x->key ? x->key : "", x->key ? ": " :
		    "", x->msg);
		if (shown++ < 3)
			buf_addf(&sum, "%s%s %s", shown > 1 ? "; " : "",
			    x->key ? x->key : "file", x->code);
	}
	if (shown > 3)
		buf_addf(&sum, "; and %zu more", shown - 3);
	if (fs.nfail)
		result_set(r, ST_FAIL, "%s: %s", ec->file, sum.s);
	else if (fs.nwarn)
		result_set(r, ST_WARN, "%s: %s", ec->file, sum.s);
	else
		result_set(r, ST_PASS, "%s: %zu keys, nothing to report",
		    ec->file, f.n);
	if (det.len)
		result_detail(r, "%s", det.s);
	buf_release(&sum);
	buf_release(&det);
	env_findings_release(&fs);
	dotenv_release(&f);
}

static void
env_free(void *p)
{
	struct env_conf *ec = p;

	free(ec->file);
	strlist_release(&ec->require);
	free(ec->schema_file);
	if (ec->has_schema)
		env_schema_release(&ec->schema);
	free(ec);
}

const struct check_kind check_env = {
	.name = "env",
	.summary = "an .env file: required keys, placeholders, weak secrets, mode",
	.keys = keys,
	.parse = env_parse,
	.run = env_run,
	.free = env_free,
};
