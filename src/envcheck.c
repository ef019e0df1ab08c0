/*
 * envcheck.c - findings for .env files: required keys, placeholders,
 * weak secrets, duplicates, file mode, debug flags in production,
 * references; the schema file; and the value-free diff of two files.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "envcheck.h"
#include "lib/error.h"
#include "lib/redact.h"
#include "lib/strength.h"
#include "lib/units.h"
#include "lib/xmalloc.h"
#include "lib/yamldoc.h"

const char *
env_sev_name(enum env_sev s)
{
	static const char *const n[] = { "info", "warn", "fail" };
	return n[s];
}

const char *
env_change_name(enum env_change c)
{
	static const char *const n[] = { "added", "removed", "changed",
		"unchanged", "absent" };
	return n[c];
}

void
env_finding_add(struct env_findings *fs, enum env_sev sev, int line,
    const char *key, const char *code, const char *fmt, ...)
{
	va_list ap;
	struct env_finding f = { sev, line, key ? xstrdup(key) : NULL, code,
		NULL };

	va_start(ap, fmt);
	f.msg = xvasprintf(fmt, ap);
	va_end(ap);
	ARR_PUSH(fs->v, fs->n, fs->cap, f);
	if (sev == ENV_FAIL)
		fs->nfail++;
	else if (sev == ENV_WARN)
		fs->nwarn++;
}

/* The short name used throughout this file. */
#define add env_finding_add

void
env_findings_release(struct env_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].key);
		free(fs->v[i].msg);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

/* ---- schema ---------------------------------------------------------- */

static const char *
yscalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

static int
ylist(yaml_document_t *d, yaml_node_t *n, struct strlist *out,
    const char *file, const char *what, char **errp)
{
	if (yscalar(n)) {
		strlist_split(out, yscalar(n), ',');
		return 0;
	}
	if (n == NULL || n->type != YAML_SEQUENCE_NODE)
		return seterr(errp, "%s:%d: '%s' must be a list of keys", file,
		    n ? (int)n->start_mark.line + 1 : 0, what);
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		yaml_node_t *c = yaml_document_get_node(d, *it);
		if (!yscalar(c))
			return seterr(errp, "%s:%d: '%s' must be a list of keys",
			    file, (int)c->start_mark.line + 1, what);
		strlist_push(out, yscalar(c));
	}
	return 0;
}

static int
ybool(yaml_node_t *n, bool *out, const char *file, const char *what,
    char **errp)
{
	const char *s = yscalar(n);

	if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0))
		*out = true;
	else if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0))
		*out = false;
	else
		return seterr(errp, "%s:%d: '%s' must be true or false", file,
		    (int)n->start_mark.line + 1, what);
	return 0;
}

static int
schema_rule(yaml_document_t *d, const char *key, yaml_node_t *n,
    struct env_schema *s, char **errp)
{
	struct env_rule r = { .key = xstrdup(key),
		.line = (int)n->start_mark.line + 1 };
	int rc = 0;

	if (n->type != YAML_MAPPING_NODE) {
		free(r.key);
		return seterr(errp, "%s:%d: key '%s': expected a map of rules "
		    "(required, secret, pattern, values, min_length)", s->file,
		    r.line, key);
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	    p < n->data.mapping.pairs.top && rc == 0; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		yaml_node_t *v = yaml_document_get_node(d, p->value);
		const char *ks = yscalar(k);
		int line = (int)k->start_mark.line + 1;
		if (ks == NULL)
			rc = seterr(errp, "%s:%d: rule names are strings", s->file,
			    line);
		else if (strcmp(ks, "required") == 0)
			rc = ybool(v, &r.required, s->file, ks, errp);
		else if (strcmp(ks, "secret") == 0)
			rc = ybool(v, &r.secret, s->file, ks, errp);
		else if (strcmp(ks, "values") == 0)
			rc = ylist(d, v, &r.values, s->file, ks, errp);
		else if (strcmp(ks, "min_length") == 0) {
			char *e = NULL;
			long long x;
			if (!yscalar(v) || parse_int(yscalar(v), 1, 4096, &x,
			    &e) != 0)
				rc = seterr(errp, "%s:%d: 'min_length' must be a "
				    "number from 1 to 4096", s->file, line);
			free(e);
			r.min_length = rc == 0 ? (long)x : 0;
		} else if (strcmp(ks, "pattern") == 0 && yscalar(v)) {
			int ec;
			PCRE2_SIZE eo;
			r.pattern = xstrdup(yscalar(v));
			r.re = pcre2_compile((PCRE2_SPTR)r.pattern,
			    PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
			if (r.re == NULL) {
				PCRE2_UCHAR msg[160];
				pcre2_get_error_message(ec, msg, sizeof(msg));
				rc = seterr(errp, "%s:%d: 'pattern': %s at offset "
				    "%zu", s->file, line, (char *)msg, (size_t)eo);
			}
		} else {
			rc = seterr(errp, "%s:%d: unknown rule '%s' (required, "
			    "secret, pattern, values, min_length)", s->file,
			    line, ks);
		}
	}
	s->rules = xreallocarray(s->rules, s->nrules + 1, sizeof(*s->rules));
	s->rules[s->nrules++] = r;
	return rc;
}

int
env_schema_load(const char *path, struct env_schema *s, char **errp)
{
	FILE *f;
	yaml_parser_t p;
	yaml_document_t d;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	s->file = xstrdup(path);
	s->production = -1;
	if ((f = fopen_regular(path, "a schema", errp)) == NULL)
		return -1;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	struct yamldoc_err ye;
	if (yamldoc_load(&p, &d, YAMLDOC_MAX_DEPTH, &ye) != 0) {
		rc = seterr(errp, "%s:%d: %s", path, (int)ye.mark.line + 1,
		    ye.too_deep ? "nested too deep for a schema" : ye.problem);
		yaml_parser_delete(&p);
		fclose(f);
		return rc;
	}
	yaml_node_t *root = yaml_document_get_root_node(&d);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		rc = seterr(errp, "%s:1: a schema is a map (production, require, "
		    "secrets, keys)", path);
		goto done;
	}
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	    pr < root->data.mapping.pairs.top && rc == 0; pr++) {
		yaml_node_t *k = yaml_document_get_node(&d, pr->key);
		yaml_node_t *v = yaml_document_get_node(&d, pr->value);
		const char *ks = yscalar(k);
		int line = (int)k->start_mark.line + 1;
		bool b;
		if (ks == NULL) {
			rc = seterr(errp, "%s:%d: keys are strings", path, line);
		} else if (strcmp(ks, "production") == 0) {
			if ((rc = ybool(v, &b, path, ks, errp)) == 0)
				s->production = b;
		} else if (strcmp(ks, "require") == 0) {
			rc = ylist(&d, v, &s->require, path, ks, errp);
		} else if (strcmp(ks, "secrets") == 0) {
			rc = ylist(&d, v, &s->secrets, path, ks, errp);
		} else if (strcmp(ks, "keys") == 0) {
			if (v->type != YAML_MAPPING_NODE) {
				rc = seterr(errp, "%s:%d: 'keys' is a map of KEY: "
				    "{rules}", path, line);
				break;
			}
			for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
			    q < v->data.mapping.pairs.top && rc == 0; q++) {
				yaml_node_t *kk = yaml_document_get_node(&d, q->key);
				yaml_node_t *vv = yaml_document_get_node(&d,
				    q->value);
				if (!yscalar(kk))
					rc = seterr(errp, "%s:%d: keys are strings",
					    path, (int)kk->start_mark.line + 1);
				else
					rc = schema_rule(&d, yscalar(kk), vv, s,
					    errp);
			}
		} else {
			const char *known[] = { "production", "require",
				"secrets", "keys" };
			const char *near = nearest(ks, known, 4);
			rc = seterr(errp, "%s:%d: unknown key '%s'%s%s%s", path,
			    line, ks, near ? " (did you mean '" : "",
			    near ? near : "", near ? "'?)" : "");
		}
	}
done:
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
	fclose(f);
	return rc;
}

void
env_schema_release(struct env_schema *s)
{
	for (size_t i = 0; i < s->nrules; i++) {
		free(s->rules[i].key);
		free(s->rules[i].pattern);
		pcre2_code_free(s->rules[i].re);
		strlist_release(&s->rules[i].values);
	}
	free(s->rules);
	strlist_release(&s->require);
	strlist_release(&s->secrets);
	free(s->file);
	memset(s, 0, sizeof(*s));
}

/* ---- check ------------------------------------------------------------ */

static const struct env_rule *
rule_of(const struct env_schema *s, const char *key)
{
	for (size_t i = 0; s && i < s->nrules; i++)
		if (strcmp(s->rules[i].key, key) == 0)
			return &s->rules[i];
	return NULL;
}

static bool
is_production(const struct env_file *f, const struct env_check_opts *o)
{
	static const char *const env_keys[] = { "APP_ENV", "NODE_ENV",
		"RAILS_ENV", "RACK_ENV", "DJANGO_ENV", "FLASK_ENV", "ENVIRONMENT",
		"ENV", "APP_ENVIRONMENT", "GO_ENV", "MIX_ENV", "STAGE", NULL };

	if (o->production >= 0)
		return o->production;
	if (o->schema && o->schema->production >= 0)
		return o->schema->production;
	for (size_t i = 0; env_keys[i]; i++) {
		const struct env_entry *e = dotenv_get(f, env_keys[i]);
		if (e && (strcasecmp(e->value, "production") == 0 ||
		    strcasecmp(e->value, "prod") == 0))
			return true;
	}
	return false;
}

static bool
truthy(const char *v)
{
	return strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0;
}

static bool
is_debug_key(const char *k)
{
	size_t n = strlen(k);

	return strcasecmp(k, "DEBUG") == 0 || (n > 6 &&
	    strcasecmp(k + n - 6, "_DEBUG") == 0) ||
	    strcasecmp(k, "DEBUG_MODE") == 0;
}

/*
 * A password written inside a URL value (postgres://app:PASS@db) is a
 * secret whatever the key is called: judge it like one.
 */
static void
url_password(struct env_findings *out, const struct env_entry *e)
{
	const char *sep = strstr(e->value, "://");

	if (sep == NULL)
		return;
	const char *auth = sep + 3;
	size_t an = strcspn(auth, "/?#");
	const char *at = NULL;
	for (const char *q = auth; q < auth + an; q++)
		if (*q == '@')
			at = q;
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon == NULL || colon + 1 == at)
		return;
	char *pw = xstrndup(colon + 1, (size_t)(at - colon - 1));
	size_t n = strlen(pw);
	if (pw[0] == '$')
		;	/* a reference: the referenced key is checked itself */
	else if (looks_placeholder(pw, n))
		add(out, ENV_FAIL, e->line, e->key, "placeholder", "the password "
		    "inside the URL is a placeholder (%zu characters)", n);
	else if (secret_weakness(pw, ENV_MIN_SECRET_LEN))
		add(out, ENV_FAIL, e->line, e->key, "weak-secret", "weak "
		    "password inside the URL: %zu characters%s", n,
		    n >= ENV_MIN_SECRET_LEN ? ", low entropy" : " (at least 32)");
	free(pw);
}

/*
 * What dotenv-linter calls style, as warnings (they change no value but
 * trip tools: a lowercase key is a different variable to a shell, and
 * `KEY = v` is refused by `docker run --env-file`), except the order of
 * keys, which is information only: files grouped by topic are common.
 */
static void
style(const struct env_file *f, size_t i, const struct env_check_opts *o,
    struct env_findings *out)
{
	const struct env_entry *e = &f->v[i];

	for (const char *k = e->key; *k; k++)
		if (*k >= 'a' && *k <= 'z') {
			add(out, ENV_WARN, e->line, e->key, "lowercase-key",
			    "key has lowercase letters (shells and most tools "
			    "treat keys as upper case)");
			break;
		}
	if (e->spaced_eq)
		add(out, ENV_WARN, e->line, e->key, "spaced-equals", "blanks "
		    "around '=' (docker --env-file and shells take them as "
		    "part of the key or value)");
	/* A block is a run of assignments with no blank or comment line. */
	if (i > 0 && !e->after_gap && strcmp(f->v[i - 1].key, e->key) > 0)
		add(out, ENV_INFO, e->line, e->key, "unordered-key", "not in "
		    "alphabetical order within its block (after %s)",
		    f->v[i - 1].key);
	for (size_t j = 0; j < o->nearlier; j++) {
		const struct env_entry *d = dotenv_get(&o->earlier[j], e->key);
		if (d) {
			add(out, ENV_WARN, e->line, e->key, "duplicate-in-files",
			    "also set in %s:%d: where both are loaded, the one "
			    "loaded last wins", o->earlier[j].name, d->line);
			break;
		}
	}
}

void
env_check(const struct env_file *f, const struct env_check_opts *o,
    struct env_findings *out)
{
	const struct env_schema *s = o->schema;
	bool prod = is_production(f, o);
	struct strlist req = STRLIST_INIT;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; o->require && i < o->require->n; i++)
		strlist_push(&req, o->require->v[i]);
	for (size_t i = 0; s && i < s->require.n; i++)
		if (!strlist_has(&req, s->require.v[i]))
			strlist_push(&req, s->require.v[i]);
	for (size_t i = 0; s && i < s->nrules; i++)
		if (s->rules[i].required && !strlist_has(&req, s->rules[i].key))
			strlist_push(&req, s->rules[i].key);

	if (o->path && strcmp(o->path, "-") != 0) {
		struct stat st;
		if (stat(o->path, &st) == 0 && (st.st_mode & 044)) {
			add(out, ENV_FAIL, 0, NULL, "mode", "mode %04o: readable "
			    "by %s (chmod 600)", (unsigned)(st.st_mode & 07777),
			    (st.st_mode & 004) ? "everyone" : "the group");
		}
	}
	for (size_t i = 0; i < req.n; i++) {
		const struct env_entry *e = dotenv_get(f, req.v[i]);
		if (e == NULL)
			add(out, ENV_FAIL, 0, req.v[i], "missing", "required key "
			    "is missing");
	}
	for (size_t i = 0; i < f->n; i++) {
		const struct env_entry *e = &f->v[i];
		const struct env_rule *r = rule_of(s, e->key);
		bool required = strlist_has(&req, e->key);
		bool secret = key_looks_secret(e->key) || (r && r->secret) ||
		    (s && strlist_has(&s->secrets, e->key));
		size_t len = strlen(e->value);

		style(f, i, o, out);
		/* Only the last assignment counts; earlier ones are noise. */
		const struct env_entry *last = dotenv_get(f, e->key);
		if (last != e) {
			add(out, ENV_WARN, e->line, e->key, "duplicate",
			    "duplicate key: set again on line %d, which wins",
			    last->line);
			continue;
		}
		if (!e->has_value) {
			/* docker compose passes a bare KEY from its environment. */
			add(out, required ? ENV_WARN : ENV_INFO, e->line, e->key,
			    "no-value", "no value here: taken from the environment "
			    "at run time");
			continue;
		}
		if (len == 0) {
			add(out, required || secret ? ENV_FAIL : ENV_WARN, e->line,
			    e->key, "empty", "%s is empty", required ?
			    "required key" : secret ? "secret" : "value");
			continue;
		}
		for (size_t j = 0; j < e->refs.n; j++) {
			bool defined = dotenv_get(f, e->refs.v[j]) != NULL;
			add(out, defined ? ENV_INFO : ENV_WARN, e->line, e->key,
			    defined ? "reference" : "undefined-reference",
			    "refers to ${%s}%s", e->refs.v[j], !defined ?
			    ", which this file does not define" : o->expanded ?
			    " (expanded)" : " (not expanded)");
		}
		bool templ = e->refs.n > 0 && e->value[0] == '$';
		if (!templ && looks_placeholder(e->value, len)) {
			add(out, ENV_FAIL, e->line, e->key, "placeholder",
			    "value is a placeholder (%zu characters)", len);
			continue;
		}
		if (secret && !templ) {
			size_t min = r && r->min_length ? (size_t)r->min_length :
			    ENV_MIN_SECRET_LEN;
			const char *why = secret_weakness(e->value, min);
			if (why && strcmp(why, "short") == 0)
				add(out, ENV_FAIL, e->line, e->key, "weak-secret",
				    "weak secret: %zu characters (at least %zu)",
				    len, min);
			else if (why)
				add(out, ENV_FAIL, e->line, e->key, "weak-secret",
				    "weak secret: low entropy (%.1f bits per "
				    "character)", str_entropy(e->value, len));
		}
		url_password(out, e);
		if (prod && is_debug_key(e->key) && truthy(e->value))
			add(out, ENV_FAIL, e->line, e->key, "debug-in-production",
			    "debug is on in a production file");
		if (r && r->values.n && !strlist_has(&r->values, e->value))
			add(out, ENV_FAIL, e->line, e->key, "value", "value is "
			    "not one of the schema's %zu allowed values",
			    r->values.n);
		if (r && r->re) {
			pcre2_match_data *md = pcre2_match_data_create(4, NULL);
			int m = pcre2_match(r->re, (PCRE2_SPTR)e->value, len, 0,
			    0, md, NULL);
			pcre2_match_data_free(md);
			if (m < 0)
				add(out, ENV_FAIL, e->line, e->key, "pattern",
				    "value does not match the schema's pattern "
				    "(line %d of %s)", r->line, s->file);
		}
	}
	strlist_release(&req);
}

/* ---- redaction -------------------------------------------------------- */

#define ENV_REDACT_MIN	8

void
env_redact_file(const struct env_file *f, const struct env_schema *schema)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct env_entry *e = &f->v[i];
		if ((key_looks_secret(e->key) || (schema && (strlist_has(
		    &schema->secrets, e->key) || (rule_of(schema, e->key) &&
		    rule_of(schema, e->key)->secret)))) &&
		    strlen(e->value) >= ENV_REDACT_MIN)
			redact_add(e->value);
		/* postgres://app:PASSWORD@db/app, whatever the key is called. */
		const char *sep = strstr(e->value, "://");
		if (sep == NULL)
			continue;
		const char *auth = sep + 3, *at = NULL;
		size_t an = strcspn(auth, "/?#");
		for (const char *q = auth; q < auth + an; q++)
			if (*q == '@')
				at = q;
		const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) :
		    NULL;
		if (colon && (size_t)(at - colon - 1) >= ENV_REDACT_MIN) {
			char *pw = xstrndup(colon + 1, (size_t)(at - colon - 1));
			redact_add(pw);
			free(pw);
		}
	}
}

void
env_redact_path(const char *path, const struct env_schema *schema,
    bool expand)
{
	struct env_file f;
	char *e = NULL;

	/* "-" would be stdin, which a plan cannot mean. */
	if (path == NULL || strcmp(path, "-") == 0)
		return;
	if (dotenv_load(path, &f, &e) == 0) {
		env_redact_file(&f, schema);
		if (expand && dotenv_expand(&f, &e) == 0)
			env_redact_file(&f, schema);
	}
	free(e);
	dotenv_release(&f);
}

/* ---- diff ------------------------------------------------------------- */

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct env_diff_row *)a)->key,
	    ((const struct env_diff_row *)b)->key);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
env_diff(const struct env_file *old, const struct env_file *new_,
    const struct strlist *expect, struct env_diff_row **rows, size_t *nrows)
{
	struct env_diff_row *v = NULL;
	size_t n = 0, cap = 0, problems = 0;

	for (size_t i = 0; i < old->n; i++) {
		const struct env_entry *a = &old->v[i];
		if (dotenv_get(old, a->key) != a)
			continue;
		const struct env_entry *b = dotenv_get(new_, a->key);
		struct env_diff_row r = { .key = xstrdup(a->key),
			.oldlen = strlen(a->value) };
		if (b == NULL) {
			r.change = ENV_REMOVED;
		} else {
			r.newlen = strlen(b->value);
			r.change = strcmp(a->value, b->value) == 0 ?
			    ENV_UNCHANGED : ENV_CHANGED;
		}
		ARR_PUSH(v, n, cap, r);
	}
	for (size_t i = 0; i < new_->n; i++) {
		const struct env_entry *b = &new_->v[i];
		if (dotenv_get(new_, b->key) != b || dotenv_get(old, b->key))
			continue;
		struct env_diff_row r = { .key = xstrdup(b->key),
			.change = ENV_ADDED, .newlen = strlen(b->value) };
		ARR_PUSH(v, n, cap, r);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_key);
	/* Sorted, so that drift over 100k keys is not 100k x 100k. */
	const char **want = NULL;
	if (expect && expect->n) {
		want = xreallocarray(NULL, expect->n, sizeof(*want));
		memcpy(want, expect->v, expect->n * sizeof(*want));
		qsort(want, expect->n, sizeof(*want), cmp_str);
	}
	for (size_t i = 0; i < n; i++) {
		struct env_diff_row *r = &v[i];
		bool listed = expect && bsearch(&r->key, want, expect->n,
		    sizeof(*want), cmp_str) != NULL;
		if (expect == NULL) {
			r->problem = r->change != ENV_UNCHANGED;
		} else if (listed && r->change == ENV_UNCHANGED) {
			r->problem = true;
			r->note = "expected to change";
		} else if (listed && r->change == ENV_REMOVED) {
			r->problem = true;
			r->note = "expected to change, but removed";
		} else if (!listed && r->change != ENV_UNCHANGED) {
			r->problem = true;
			r->note = "drift: not in --expect-changed";
		}
		problems += r->problem;
	}
	/* An expected key that is in neither file cannot have changed. */
	size_t nsorted = n;
	for (size_t i = 0; expect && i < expect->n; i++) {
		struct env_diff_row probe = { .key = expect->v[i] };
		if (nsorted && bsearch(&probe, v, nsorted, sizeof(*v), cmp_key))
			continue;
		bool again = false;	/* listed twice */
		for (size_t j = nsorted; j < n && !again; j++)
			again = strcmp(v[j].key, expect->v[i]) == 0;
		if (again)
			continue;
		struct env_diff_row r = { .key = xstrdup(expect->v[i]),
			.change = ENV_ABSENT, .problem = true,
			.note = "expected to change, but in neither file" };
		ARR_PUSH(v, n, cap, r);
		problems++;
	}
	free(want);
	*rows = v;
	*nrows = n;
	return problems;
}

void
env_diff_release(struct env_diff_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].key);
	free(rows);
}

/* ---- across files ---------------------------------------------------- */

/*
 * Equal without an early exit: how long the comparison took must not say
 * how much of a secret matched.
 */
static bool
same_value(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

void
env_same_as(const struct env_file *f, const char *key,
    const struct env_file *other, const char *okey, struct env_findings *out)
{
	const struct env_entry *a = dotenv_get(f, key);
	const struct env_entry *b = dotenv_get(other, okey);

	if (a == NULL || b == NULL) {
		add(out, ENV_FAIL, a ? a->line : 0, key, "not-comparable", "cannot "
		    "compare with %s %s: %s", other->name, okey, a ? "missing "
		    "there" : b ? "missing here" : "missing in both files");
		return;
	}
	if (same_value(a->value, b->value))
		add(out, ENV_INFO, a->line, key, "equal", "equal to %s %s",
		    other->name, okey);
	else
		add(out, ENV_FAIL, a->line, key, "differs", "differs from %s %s",
		    other->name, okey);
}

void
env_template(const struct env_file *f, const struct env_file *tmpl,
    struct env_findings *out)
{
	for (size_t i = 0; i < tmpl->n; i++) {
		const struct env_entry *t = &tmpl->v[i];
		if (dotenv_get(tmpl, t->key) != t)
			continue;	/* a key set twice: its last line */
		if (dotenv_get(f, t->key) == NULL)
			add(out, ENV_FAIL, 0, t->key, "template-missing",
			    "missing: %s has it (line %d)", tmpl->name,
			    t->line);
	}
	for (size_t i = 0; i < f->n; i++) {
		const struct env_entry *e = &f->v[i];
		if (dotenv_get(f, e->key) != e)
			continue;
		if (dotenv_get(tmpl, e->key) == NULL)
			add(out, ENV_FAIL, e->line, e->key, "template-extra",
			    "extra: not in %s", tmpl->name);
	}
}

/* ---- fingerprints across hosts ---- */

static char fp_key[ENV_FP_HEX + 1];

static void
fp_key_make(void)
{
	unsigned char k[ENV_FP_HEX / 2];

	/* Without randomness no key: a fixed one would make fingerprints a
	 * dictionary's target. */
	if (RAND_bytes(k, sizeof(k)) != 1)
		die(EXIT_USAGE, "no random bytes for a fingerprint key");
	for (size_t i = 0; i < sizeof(k); i++)
		snprintf(fp_key + 2 * i, 3, "%02x", k[i]);
	OPENSSL_cleanse(k, sizeof(k));
}

const char *
env_fp_key(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fp_key_make);
	return fp_key;
}

static int
unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

bool
env_fingerprint(const struct env_file *f, const char *key,
    const char *mac_hex, char out[ENV_FP_HEX + 1])
{
	const struct env_entry *e = dotenv_get(f, key);
	unsigned char k[ENV_FP_HEX / 2], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t kl = 0;

	if (e == NULL)
		return false;
	for (; kl < sizeof(k) && mac_hex[2 * kl] && mac_hex[2 * kl + 1]; kl++)
		k[kl] = (unsigned char)(unhex(mac_hex[2 * kl]) << 4 |
		    unhex(mac_hex[2 * kl + 1]));
	HMAC(EVP_sha256(), k, (int)kl, (const unsigned char *)e->value,
	    strlen(e->value), md, &mdlen);
	OPENSSL_cleanse(k, sizeof(k));
	for (unsigned int i = 0; i < mdlen && 2 * i < ENV_FP_HEX; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[ENV_FP_HEX] = '\0';
	return true;
}

int
env_fingerprints(const char *path, bool expand, const struct strlist *keys,
    const char *mac_hex, struct strlist *out, char **errp)
{
	struct env_file f;

	if (dotenv_load(path, &f, errp) != 0 || (expand &&
	    dotenv_expand(&f, errp) != 0)) {
		dotenv_release(&f);
		return -1;
	}
	for (size_t i = 0; i < keys->n; i++) {
		char fp[ENV_FP_HEX + 1];
		if (env_fingerprint(&f, keys->v[i], mac_hex, fp))
			strlist_push_owned(out, xasprintf("%s=%s", keys->v[i],
			    fp));
	}
	dotenv_release(&f);
	return 0;
}
