/*
 * env.c - kind `env`: an .env file is complete and safe: required keys
 * present and non-empty, no placeholders, no weak secrets, not readable
 * by others, no debug flags in production (envcheck.h).  Fails on any
 * failing finding, warns on warnings; values never reach the result.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../check.h"
#include "../envcheck.h"
#include "../hosts.h"
#include "../lib/util.h"
#include "../lib/buf.h"
#include "../lib/redact.h"
#include "../lib/strength.h"
#include "../lib/xmalloc.h"

/*
 * same_as: {key, file, as, on}: key's value equals as's in file, on the
 * check's host or on another one (`on:`).  Across hosts the values stay
 * where they are: each side sends a keyed fingerprint (envcheck.h) and
 * this process compares; on a host, run() leaves such items to
 * after_host() here.
 */
struct env_same {
	char		*key, *file, *as;
	const struct host *host;	/* where file is; NULL: here */
	bool		 cross;		/* host is not the check's */
};

struct env_conf {
	char		*file;
	struct env_same	*same;
	size_t		 nsame;
	char		*tmpl;		/* template: the key set to match */
	struct strlist	 require;
	char		*schema_file;
	struct env_schema schema;
	bool		 has_schema;
	int		 production;
	bool		 expand;
};

static const char *const keys[] = { "file", "require", "schema",
	"production", "expand", "same_as", "template", NULL };

static int
same_parse(struct pctx *cx, yaml_node_t *n, struct env_conf *ec,
    const struct check *c)
{
	static const char *const sk[] = { "key", "file", "as", "on", NULL };
	int rc = 0;

	if (n == NULL)
		return 0;
	if (!pn_is_seq(n)) {
		pn_error(cx, n, "'same_as' must be a list like [{key: "
		    "INTERNAL_API_KEY, file: ../worker/.env, as: API_KEY}]");
		return -1;
	}
	ec->same = xcalloc(pn_seq_len(n) + 1, sizeof(*ec->same));
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		yaml_node_t *it = pn_seq_item(cx, n, i);
		if (!pn_is_map(it)) {
			pn_error(cx, it, "a 'same_as' item must be a map with "
			    "'key' and 'file' (and 'as': the key there)");
			rc = -1;
			continue;
		}
		pn_keys(cx, it, sk, "same_as");
		struct env_same *x = &ec->same[ec->nsame++];
		x->key = pn_req_str(cx, it, "key");
		x->file = pn_req_str(cx, it, "file");
		x->as = pn_str(cx, pn_get(cx, it, "as"), "as");
		if (x->key == NULL || x->file == NULL)
			rc = -1;
		else if (x->as == NULL)
			x->as = xstrdup(x->key);
		x->host = hosts_ref(cx, pn_get(cx, it, "on"), c->host);
		x->cross = x->host != c->host;
		/* The other file's secrets are masked like this one's (a file
		 * on another host is not read here). */
		if (x->file && x->host == NULL)
			env_redact_path(x->file, NULL, ec->expand);
	}
	return rc;
}

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
	rc |= same_parse(cx, pn_get(cx, map, "same_as"), ec, c);
	ec->tmpl = pn_str(cx, pn_get(cx, map, "template"), "template");
	if (ec->tmpl)
		env_redact_path(ec->tmpl, NULL, false);
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

/* A file named by same_as or template; NULL with a finding if unusable. */
static bool
load_other(const char *path, struct env_file *o, struct env_findings *fs,
    bool expand)
{
	char *e = NULL;

	if (dotenv_load(path, o, &e) != 0 || (expand &&
	    dotenv_expand(o, &e) != 0)) {
		/* The message names file, line and key, never a value. */
		char *m = redact(e ? e : "unreadable");
		struct env_finding x = { ENV_FAIL, 0, NULL, "unreadable", m };
		ARR_PUSH(fs->v, fs->n, fs->cap, x);
		fs->nfail++;
		free(e);
		dotenv_release(o);
		return false;
	}
	env_redact_file(o, NULL);
	return true;
}

static const char *
host_name(const struct host *h)
{
	return h ? h->id : "local";
}

/* "KEY=HEX" in l for key, or NULL. */
static const char *
fp_find(const struct strlist *l, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i], key, n) == 0 && l->v[i][n] == '=')
			return l->v[i] + n + 1;
	return NULL;
}

/* The fingerprints of keys in file on h (NULL: here); -1 with *errp. */
static int
fps_of(const struct check *c, const struct host *h, const char *file,
    const struct strlist *names, int64_t deadline, struct strlist *out,
    char **errp)
{
	const struct env_conf *ec = c->priv;

	if (h == NULL)
		return env_fingerprints(file, ec->expand, names, env_fp_key(),
		    out, errp);
	return hosts_fingerprints(c->plan, h, file, ec->expand, names,
	    env_fp_key(), deadline, out, errp);
}

/*
 * The items on another host than the check's, compared by fingerprint.
 * f: the check's own file when it was read here, else NULL (asked of the
 * check's host).
 */
static void
cross(const struct check *c, const struct env_file *f, int64_t deadline,
    struct env_findings *fs)
{
	const struct env_conf *ec = c->priv;
	struct strlist own = { 0 }, names = { 0 };
	char *ownerr = NULL;

	for (size_t i = 0; i < ec->nsame; i++)
		if (ec->same[i].cross)
			strlist_push(&names, ec->same[i].key);
	if (names.n == 0)
		return;
	if (f) {
		for (size_t i = 0; i < names.n; i++) {
			char fp[ENV_FP_HEX + 1];
			if (env_fingerprint(f, names.v[i], env_fp_key(), fp))
				strlist_push_owned(&own, xasprintf("%s=%s",
				    names.v[i], fp));
		}
	} else {
		/* When the check's own host does not say, every item fails
		 * with its reason (ownerr). */
		(void)fps_of(c, c->host, ec->file, &names, deadline, &own,
		    &ownerr);
	}
	for (size_t i = 0; i < ec->nsame; i++) {
		const struct env_same *x = &ec->same[i];
		if (!x->cross)
			continue;
		struct strlist one = { 0 }, theirs = { 0 };
		char *e = NULL;
		strlist_push(&one, x->as);
		const char *where = host_name(x->host);
		if (ownerr) {
			env_finding_add(fs, ENV_FAIL, 0, x->key, "not-comparable",
			    "cannot compare with %s %s on %s: %s", x->file,
			    x->as, where, ownerr);
		} else if (fps_of(c, x->host, x->file, &one, deadline, &theirs,
		    &e) != 0) {
			env_finding_add(fs, ENV_FAIL, 0, x->key, "not-comparable",
			    "cannot compare with %s %s on %s: %s", x->file,
			    x->as, where, e);
			free(e);
		} else {
			const char *a = fp_find(&own, x->key);
			const char *b = fp_find(&theirs, x->as);
			if (a == NULL || b == NULL)
				env_finding_add(fs, ENV_FAIL, 0, x->key,
				    "not-comparable", "cannot compare with %s %s "
				    "on %s: %s", x->file, x->as, where, a ?
				    "missing there" : b ? "missing here" :
				    "missing in both files");
			else if (CRYPTO_memcmp(a, b, ENV_FP_HEX) == 0)
				env_finding_add(fs, ENV_INFO, 0, x->key, "equal",
				    "equal to %s %s on %s", x->file, x->as,
				    where);
			else
				env_finding_add(fs, ENV_FAIL, 0, x->key,
				    "differs", "differs from %s %s on %s",
				    x->file, x->as, where);
		}
		strlist_release(&one);
		strlist_release(&theirs);
	}
	free(ownerr);
	strlist_release(&own);
	strlist_release(&names);
}

static void
across(const struct check *c, const struct env_file *f,
    struct env_findings *fs)
{
	const struct env_conf *ec = c->priv;

	for (size_t i = 0; i < ec->nsame; i++) {
		struct env_file o;
		/* On a host, items elsewhere are after_host()'s. */
		if (ec->same[i].cross)
			continue;
		if (!load_other(ec->same[i].file, &o, fs, ec->expand))
			continue;
		env_same_as(f, ec->same[i].key, &o, ec->same[i].as, fs);
		dotenv_release(&o);
	}
	if (ec->tmpl) {
		struct env_file t;
		if (load_other(ec->tmpl, &t, fs, false)) {
			env_template(f, &t, fs);
			dotenv_release(&t);
		}
	}
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
	across(c, &f, &fs);
	/* Here: compare with the other hosts now. */
	if (c->host == NULL)
		cross(c, &f, now_mono_us() + c->timeout_us, &fs);
	result_observed(r, "%zu key%s, %zu failed, %zu warning%s", f.n,
	    PLURAL(f.n), fs.nfail, fs.nwarn, PLURAL(fs.nwarn));
	result_threshold(r, "no failing findings");
	r->has_value = true;
	r->value = (double)fs.nfail;
	struct buf sum = BUF_INIT, det = BUF_INIT;
	size_t shown = 0;
	for (size_t i = 0; i < fs.n; i++) {
		const struct env_finding *x = &fs.v[i];
		/* An equality is shown too: "equal" is what was asked. */
		if (x->sev == ENV_INFO && strcmp(x->code, "equal") != 0)
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
	else if (shown)
		result_set(r, ST_PASS, "%s: %zu keys, %s", ec->file, f.n,
		    sum.s);
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

/* The check ran on its host (r); now its items on other hosts. */
static void
env_after_host(const struct check *c, struct result *r, int64_t deadline)
{
	const struct env_conf *ec = c->priv;
	struct env_findings fs = { 0 };

	cross(c, NULL, deadline, &fs);
	if (fs.n == 0)
		return;
	struct buf sum = BUF_INIT, det = BUF_INIT;
	if (r->detail)
		buf_adds(&det, r->detail);
	for (size_t i = 0; i < fs.n; i++) {
		const struct env_finding *x = &fs.v[i];
		buf_addf(&det, "%s (on %s): %s: %s: %s\n", ec->file, c->host->id,
		    env_sev_name(x->sev), x->key, x->msg);
		if (x->sev == ENV_FAIL)
			buf_addf(&sum, "%s%s %s", sum.len ? "; " : "", x->key,
			    x->code);
	}
	if (fs.nfail) {
		char *was = xstrdup(r->message ? r->message : "");
		if (r->status == ST_FAIL)
			result_set(r, ST_FAIL, "%s; %s", was, sum.s);
		else
			result_set(r, ST_FAIL, "%s: %s (on %s)", ec->file, sum.s,
			    c->host->id);
		free(was);
		if (r->has_value)
			r->value += (double)fs.nfail;
	}
	result_detail(r, "%s", det.s);
	buf_release(&sum);
	buf_release(&det);
	env_findings_release(&fs);
}

static void
env_free(void *p)
{
	struct env_conf *ec = p;

	free(ec->file);
	for (size_t i = 0; i < ec->nsame; i++) {
		free(ec->same[i].key);
		free(ec->same[i].file);
		free(ec->same[i].as);
	}
	free(ec->same);
	free(ec->tmpl);
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
	.after_host = env_after_host,
	.value = "failing findings",
};
