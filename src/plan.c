/*
 * plan.c - YAML -> struct plan, with every error at FILE:LINE:COL.
 *
 * libyaml's document loader gives us a node graph with start marks; we
 * walk it section by section.  Errors never stop the walk: each is
 * appended to cx->errs and the caller sees all of them at once.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libgen.h>

#include <openssl/evp.h>
#include <yaml.h>

#include "alert.h"
#include "check.h"
#include "lib/error.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"
#include "lib/yamldoc.h"
#include "plan.h"
#include "hosts.h"
#include "procedure.h"
#include "schedule.h"
#include "plan_include.h"

extern char **environ;

#define PLAN_MAX_BYTES	(16u << 20)	/* a plan is a document, not data */
/*
 * Vars may use vars: 34 lines of vN: "${vN-1}${vN-1}" asked for 8 GiB.
 * One interpolated value is held to 1 MiB (a long certificate chain is
 * 10 KiB) and all of them together to the size of the largest plan.
 */
#define PLAN_MAX_VALUE	(1u << 20)

struct pctx {
	const char	*file;
	yaml_document_t	*doc;
	struct plan	*plan;
	struct buf	 errs;
	size_t		 nerrs;
	struct buf	 warns;
	struct strlist	 check_ids;	/* collected before checks parse */
	char		**ids_sorted;	/* the same, sorted, for lookups */
	struct strset	 step_ids;
	size_t		 interpolated;	/* bytes made by interpolation */
	struct strlist	 bad_vars;	/* vars whose value had an error */
	struct strlist	 unknown_vars;	/* vars made from an unset variable */
	unsigned	 flags;		/* PLAN_* */
	/* Nodes whose value used an unset variable (PLAN_ENV_LATER). */
	yaml_node_t	**unknown;
	size_t		 nunknown, capunknown;
	yaml_node_t	**every_at;	/* each check's `every`, for errors */
	const struct host *on_plan, *on_phase;	/* `on:` defaults */
	struct plan_inc	 inc;		/* included files (plan_include.c) */
};

static const char *const top_keys[] = {
	"cutover", "name", "description", "vars", "secrets", "targets",
	"checks", "risks", "phases", "rollback", "rollback_verify", "success",
	"alerts", "procedures", "schedule", "roles", "two_person", "hosts", "on",
	"include", NULL
};
static const char *const check_common_keys[] = {
	"id", "kind", "title", "description", "timeout", "retries",
	"retry_interval", "needs", "every", "due", "approvers", "quorum", "on",
	NULL
};
static const char *const risk_keys[] = {
	"id", "title", "description", "level", "probability", "impact",
	"causes", "mitigated_by", "recovery", "owner", NULL
};
static const char *const phase_keys[] = {
	"id", "title", "description", "checks", "steps", "gate", "window",
	"watch", "rollback_if", "success", "schedule", "approvers", "quorum",
	"on", NULL
};
static const char *const step_keys[] = {
	"id", "title", "description", "run", "shell", "undo", "env", "cwd",
	"timeout", "retries", "retry_interval", "idempotent", "downtime", "on",
	"tty",
	NULL
};

/* ---- errors ---------------------------------------------------------- */

static void
vreport(struct pctx *cx, struct buf *to, yaml_node_t *n, const char *what,
    const char *fmt, va_list ap)
{
	size_t line = n ? n->start_mark.line + 1 : 1;
	size_t col = n ? n->start_mark.column + 1 : 1;
	/* A node merged from an included file names that file. */
	const char *file = n && cx->doc ? plan_include_file(&cx->inc,
	    (int)(n - cx->doc->nodes.start) + 1) : NULL;

	struct buf m = BUF_INIT;

	buf_addf(to, "%s:%zu:%zu: %s", file ? file : cx->file, line, col,
	    what);
	buf_vaddf(&m, fmt, ap);
	/* One error, one line: a value quoted in it may hold a newline. */
	for (const char *p = m.s; *p; p++) {
		if (*p == '\n')
			buf_adds(to, "\\n");
		else if (*p == '\t')
			buf_adds(to, "\\t");
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			buf_addf(to, "\\x%02x", (unsigned char)*p);
		else
			buf_addc(to, *p);
	}
	buf_release(&m);
	buf_addc(to, '\n');
}

/* Was n's value made from an unset variable (so is not known yet)? */
static bool
value_unknown(const struct pctx *cx, const yaml_node_t *n)
{
	for (size_t i = 0; n && i < cx->nunknown; i++)
		if (cx->unknown[i] == n)
			return true;
	return false;
}

void
pn_error(struct pctx *cx, yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	/*
	 * Lint cannot judge a value it does not know: "${env:HOST}:5432"
	 * is a bad address only for want of HOST.  The warning said so.
	 */
	if (value_unknown(cx, n))
		return;
	va_start(ap, fmt);
	vreport(cx, &cx->errs, n, "", fmt, ap);
	va_end(ap);
	cx->nerrs++;
}

void
pn_warn(struct pctx *cx, yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cx, &cx->warns, n, "warning: ", fmt, ap);
	va_end(ap);
	cx->plan->nwarnings++;
}

struct plan *
pn_plan(struct pctx *cx)
{
	return cx->plan;
}

/* ---- node access ----------------------------------------------------- */

bool
pn_is_map(yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

bool
pn_is_seq(yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

static bool
is_scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

static const char *
scalar(yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

size_t
pn_seq_len(yaml_node_t *n)
{
	if (!pn_is_seq(n))
		return 0;
	return (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
}

yaml_node_t *
pn_seq_item(struct pctx *cx, yaml_node_t *n, size_t i)
{
	return yaml_document_get_node(cx->doc,
	    n->data.sequence.items.start[i]);
}

size_t
pn_map_len(yaml_node_t *n)
{
	if (!pn_is_map(n))
		return 0;
	return (size_t)(n->data.mapping.pairs.top -
	    n->data.mapping.pairs.start);
}

const char *
pn_map_key(struct pctx *cx, yaml_node_t *n, size_t i, yaml_node_t **value)
{
	yaml_node_pair_t *pr = n->data.mapping.pairs.start + i;
	yaml_node_t *k = yaml_document_get_node(cx->doc, pr->key);

	*value = yaml_document_get_node(cx->doc, pr->value);
	return is_scalar(k) ? scalar(k) : NULL;
}

/* The i-th key node of a mapping: errors about a name point at it. */
static yaml_node_t *
map_key_node(struct pctx *cx, yaml_node_t *n, size_t i)
{
	yaml_node_pair_t *pr = n->data.mapping.pairs.start + i;

	return yaml_document_get_node(cx->doc, pr->key);
}

/*
 * A map's value for key, or NULL.  The nodes are read from the document's
 * array directly (ids the loader made, always in range), and the value
 * only for the key that matches: loading 700 checks makes 50,000 of these
 * lookups, which took 7.5 M instructions through yaml_document_get_node.
 */
yaml_node_t *
pn_get(struct pctx *cx, yaml_node_t *map, const char *key)
{
	if (!pn_is_map(map))
		return NULL;
	yaml_node_t *nodes = cx->doc->nodes.start;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = &nodes[pr->key - 1];
		if (is_scalar(k) && k->data.scalar.value[0] == key[0] &&
		    strcmp(scalar(k), key) == 0)
			return &nodes[pr->value - 1];
	}
	return NULL;
}

/*
 * Report keys of map that are not in allowed[] (or extra[]), and
 * duplicate keys.  With both lists NULL, any key is allowed (free-form
 * maps such as vars: and env:) and only duplicates are reported.
 */
static void
check_keys(struct pctx *cx, yaml_node_t *map, const char *const *allowed,
    const char *const *extra, const char *where)
{
	const char *all[128];
	size_t na = 0;
	size_t n = pn_map_len(map);

	for (size_t i = 0; allowed && allowed[i] && na < 127; i++)
		all[na++] = allowed[i];
	for (size_t i = 0; extra && extra[i] && na < 127; i++)
		all[na++] = extra[i];
	all[na] = NULL;

	for (size_t i = 0; i < n; i++) {
		yaml_node_pair_t *pr = map->data.mapping.pairs.start + i;
		yaml_node_t *k = yaml_document_get_node(cx->doc, pr->key);
		if (!is_scalar(k)) {
			pn_error(cx, k, "%s: keys must be plain strings", where);
			continue;
		}
		bool ok = allowed == NULL && extra == NULL;
		for (size_t j = 0; j < na; j++)
			ok |= strcmp(all[j], scalar(k)) == 0;
		if (!ok) {
			const char *near = nearest(scalar(k), all, na);
			if (near)
				pn_error(cx, k, "unknown key '%s' in %s (did you "
				    "mean '%s'?)", scalar(k), where, near);
			else
				pn_error(cx, k, "unknown key '%s' in %s",
				    scalar(k), where);
		}
		for (size_t j = 0; j < i; j++) {
			yaml_node_pair_t *pj = map->data.mapping.pairs.start + j;
			yaml_node_t *kj = yaml_document_get_node(cx->doc, pj->key);
			if (is_scalar(kj) && strcmp(scalar(kj), scalar(k)) == 0) {
				pn_error(cx, k, "duplicate key '%s' in %s",
				    scalar(k), where);
				break;
			}
		}
	}
}

void
pn_keys(struct pctx *cx, yaml_node_t *map, const char *const *allowed,
    const char *where)
{
	check_keys(cx, map, allowed, NULL, where);
}

/* ---- interpolation --------------------------------------------------- */

/*
 * An unset variable under PLAN_ENV_LATER: warn once per name, and mark
 * n so that errors about its value are not reported.
 */
static void
env_later(struct pctx *cx, yaml_node_t *n, const char *what, const char *name)
{
	if (!value_unknown(cx, n))
		ARR_PUSH(cx->unknown, cx->nunknown, cx->capunknown, n);
	if (strlist_has(&cx->plan->env_unset, name))
		return;
	strlist_push(&cx->plan->env_unset, name);
	pn_warn(cx, n, "%s '%s' is not set: check and run will need it", what,
	    name);
}

/* A remote agent loads the plan with the same environment values. */
static void
note_env(struct pctx *cx, const char *name)
{
	if (!strlist_has(&cx->plan->env_read, name))
		strlist_push(&cx->plan->env_read, name);
}

int
pn_env(struct pctx *cx, yaml_node_t *n, const char *key, const char *name,
    const char **value)
{
	*value = getenv(name);
	note_env(cx, name);
	if (*value)
		return 0;
	if (cx->flags & PLAN_ENV_LATER) {
		env_later(cx, n, "environment variable", name);
		return 0;
	}
	pn_error(cx, n, "'%s' names '%s', which is not set in the environment",
	    key, name);
	return -1;
}

/* url_parse for the plan: password_env may wait under PLAN_ENV_LATER. */
static int
plan_url_parse(struct pctx *cx, yaml_node_t *n, const char *s,
    struct url *u, char **errp)
{
	unsigned uf = cx->flags & PLAN_ENV_LATER ? URL_ENV_LATER : 0;

	if (url_parse_flags(s, uf, u, errp) != 0)
		return -1;
	const char *pe = url_param(u, "password_env");
	if (pe)
		note_env(cx, pe);
	if (pe && getenv(pe) == NULL)
		env_later(cx, n, "password_env variable", pe);
	return 0;
}

static const char *
var_value(struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->nvars; i++)
		if (strcmp(p->vars[i].key, name) == 0)
			return p->vars[i].value;
	return NULL;
}

static bool
in_list(const char *const *l, const char *s)
{
	for (; l && *l; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

/*
 * Expand ${var}, ${env:NAME} and ${env:NAME:-default}; "$$" is a literal
 * "$".  With keep, ${NAME} for NAME in keep and "$$" stay as written.
 * Returns NULL after reporting an error at n.
 */
static char *
interpolate(struct pctx *cx, yaml_node_t *n, const char *s,
    const char *const *keep)
{
	struct buf b = BUF_INIT;

	if (strchr(s, '$') == NULL)
		return xstrdup(s);
	size_t left = cx->interpolated < PLAN_MAX_BYTES ? PLAN_MAX_BYTES -
	    cx->interpolated : 0;
	buf_init(&b, left < PLAN_MAX_VALUE ? left : PLAN_MAX_VALUE);
	for (const char *p = s; *p && !b.truncated; p++) {
		if (p[0] == '$' && p[1] == '$') {
			buf_adds(&b, keep ? "$$" : "$");
			p++;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			buf_addc(&b, *p);
			continue;
		}
		const char *e = strchr(p + 2, '}');
		if (e == NULL) {
			pn_error(cx, n, "unclosed '${' in '%s'", s);
			goto fail;
		}
		char *ref = xstrndup(p + 2, (size_t)(e - p - 2));
		if (in_list(keep, ref)) {
			buf_add(&b, p, (size_t)(e - p + 1));
		} else if (strncmp(ref, "env:", 4) == 0) {
			char *name = ref + 4;
			char *dflt = strstr(name, ":-");
			if (dflt) {
				*dflt = '\0';
				dflt += 2;
			}
			const char *v = *name ? getenv(name) : NULL;
			if (*name)
				note_env(cx, name);
			if (v == NULL && dflt == NULL && *name &&
			    (cx->flags & PLAN_ENV_LATER)) {
				env_later(cx, n, "environment variable", name);
				dflt = "";
			}
			if (v == NULL && dflt == NULL) {
				pn_error(cx, n, "environment variable '%s' is not "
				    "set (write ${env:%s:-default} for a default)",
				    name, name);
				free(ref);
				goto fail;
			}
			buf_adds(&b, v ? v : dflt);
		} else {
			const char *v = var_value(cx->plan, ref);
			if (v && strlist_has(&cx->unknown_vars, ref) &&
			    !value_unknown(cx, n))
				ARR_PUSH(cx->unknown, cx->nunknown,
				    cx->capunknown, n);
			if (v == NULL && strlist_has(&cx->bad_vars, ref)) {
				/* Its own error is reported where it is defined. */
				free(ref);
				goto fail;
			}
			if (v == NULL) {
				const char *names[96];
				size_t k = 0;
				for (; k < cx->plan->nvars && k < 63; k++)
					names[k] = cx->plan->vars[k].key;
				for (size_t q = 0; keep && keep[q] && k < 95; q++)
					names[k++] = keep[q];
				const char *near = nearest(ref, names, k);
				if (near)
					pn_error(cx, n, "undefined variable '%s' "
					    "(did you mean '%s'?)", ref, near);
				else
					pn_error(cx, n, "undefined variable '%s' "
					    "(define it under vars:, or use "
					    "${env:%s})", ref, ref);
				free(ref);
				goto fail;
			}
			buf_adds(&b, v);
		}
		free(ref);
		p = e;
	}
	if (b.truncated) {
		if (b.max == PLAN_MAX_VALUE)
			pn_error(cx, n, "expanding ${...} makes this value larger "
			    "than %u MiB (the limit for one value)",
			    PLAN_MAX_VALUE >> 20);
		else
			pn_error(cx, n, "expanding ${...} makes the plan's values "
			    "larger than %u MiB in all", PLAN_MAX_BYTES >> 20);
		goto fail;
	}
	cx->interpolated += b.len;
	return buf_detach(&b);
fail:
	buf_release(&b);
	return NULL;
}

/* ---- typed accessors ------------------------------------------------- */

char *
pn_str(struct pctx *cx, yaml_node_t *n, const char *key)
{
	if (n == NULL)
		return NULL;
	if (!is_scalar(n)) {
		pn_error(cx, n, "'%s' must be a string", key);
		return NULL;
	}
	return interpolate(cx, n, scalar(n), NULL);
}

/*
 * The value of n with its variables, or NULL, saying nothing: for a
 * peek at what a value will be (a clock time or a duration?) before the
 * parser that owns it reports its errors once.
 */
char *
pn_str_peek(struct pctx *cx, yaml_node_t *n)
{
	size_t errs = cx->errs.len, warns = cx->warns.len, nerrs = cx->nerrs;

	if (n == NULL || !is_scalar(n))
		return NULL;
	char *v = interpolate(cx, n, scalar(n), NULL);
	if (cx->errs.len > errs)
		cx->errs.s[cx->errs.len = errs] = '\0';
	if (cx->warns.len > warns)
		cx->warns.s[cx->warns.len = warns] = '\0';
	cx->nerrs = nerrs;
	return v;
}

char *
pn_str_keep(struct pctx *cx, yaml_node_t *n, const char *key,
    const char *const *keep)
{
	if (n == NULL)
		return NULL;
	if (!is_scalar(n)) {
		pn_error(cx, n, "'%s' must be a string", key);
		return NULL;
	}
	return interpolate(cx, n, scalar(n), keep);
}

char *
pn_req_str(struct pctx *cx, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = pn_get(cx, map, key);

	if (n == NULL) {
		pn_error(cx, map, "missing '%s'", key);
		return NULL;
	}
	char *s = pn_str(cx, n, key);
	if (s && *s == '\0') {
		pn_error(cx, n, "'%s' is empty", key);
		free(s);
		return NULL;
	}
	return s;
}

int
pn_bool(struct pctx *cx, yaml_node_t *n, const char *key, bool *out)
{
	static const char *const t[] = { "true", "yes", "on", "True", "TRUE",
	    "Yes", "YES", "On", "ON", NULL };
	static const char *const f[] = { "false", "no", "off", "False",
	    "FALSE", "No", "NO", "Off", "OFF", NULL };

	if (n == NULL)
		return 0;
	if (is_scalar(n)) {
		for (int i = 0; t[i]; i++)
			if (strcmp(scalar(n), t[i]) == 0)
				return *out = true, 0;
		for (int i = 0; f[i]; i++)
			if (strcmp(scalar(n), f[i]) == 0)
				return *out = false, 0;
	}
	pn_error(cx, n, "'%s' must be true or false", key);
	return -1;
}

#define PN_TYPED(call)							\
	do {								\
		char *s_ = pn_str(cx, n, key);				\
		char *e_ = NULL;					\
		int rc_;						\
		if (s_ == NULL)						\
			return -1;					\
		rc_ = (call);						\
		if (rc_ != 0)						\
			pn_error(cx, n, "'%s': %s", key, e_);		\
		free(e_);						\
		free(s_);						\
		return rc_;						\
	} while (0)

int
pn_int(struct pctx *cx, yaml_node_t *n, const char *key, long long min,
    long long max, long long *out)
{
	if (n == NULL)
		return 0;
	PN_TYPED(parse_int(s_, min, max, out, &e_));
}

int
pn_duration(struct pctx *cx, yaml_node_t *n, const char *key, int64_t *us)
{
	if (n == NULL)
		return 0;
	PN_TYPED(parse_duration(s_, us, &e_));
}

int
pn_size(struct pctx *cx, yaml_node_t *n, const char *key, uint64_t *bytes)
{
	if (n == NULL)
		return 0;
	PN_TYPED(parse_size(s_, bytes, &e_));
}

int
pn_cmp(struct pctx *cx, yaml_node_t *n, const char *key, struct cmp *c)
{
	if (n == NULL)
		return 0;
	PN_TYPED(cmp_parse(s_, c, &e_));
}

int
pn_strlist(struct pctx *cx, yaml_node_t *n, const char *key,
    struct strlist *out)
{
	int rc = 0;

	if (n == NULL)
		return 0;
	if (is_scalar(n)) {
		char *s = pn_str(cx, n, key);
		if (s == NULL)
			return -1;
		strlist_push_owned(out, s);
		return 0;
	}
	if (!pn_is_seq(n)) {
		pn_error(cx, n, "'%s' must be a list of strings", key);
		return -1;
	}
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		yaml_node_t *it = pn_seq_item(cx, n, i);
		if (!is_scalar(it)) {
			pn_error(cx, it, "'%s' must be a list of strings", key);
			rc = -1;
			continue;
		}
		char *s = pn_str(cx, it, key);
		if (s == NULL) {
			rc = -1;
			continue;
		}
		strlist_push_owned(out, s);
	}
	return rc;
}

int
pn_tiers(struct pctx *cx, yaml_node_t *n, const char *key, struct tiers *t)
{
	static const char *const keys[] = { "expect", "warn", "crit", NULL };
	int rc = 0;

	t->set = false;
	t->expect = t->warn = t->crit = -1;
	if (n == NULL)
		return 0;
	if (!pn_is_map(n)) {
		pn_error(cx, n, "'%s' must be a map like {expect: 2ms, warn: "
		    "5ms, crit: 10ms}", key);
		return -1;
	}
	check_keys(cx, n, keys, NULL, key);
	rc |= pn_duration(cx, pn_get(cx, n, "expect"), "expect", &t->expect);
	rc |= pn_duration(cx, pn_get(cx, n, "warn"), "warn", &t->warn);
	rc |= pn_duration(cx, pn_get(cx, n, "crit"), "crit", &t->crit);
	if (rc == 0 && t->warn < 0 && t->crit < 0) {
		pn_error(cx, n, "'%s' needs at least one of warn or crit", key);
		return -1;
	}
	if (rc == 0 && t->warn >= 0 && t->crit >= 0 && t->warn > t->crit) {
		pn_error(cx, n, "'%s': warn must not be above crit", key);
		return -1;
	}
	t->set = rc == 0;
	return rc ? -1 : 0;
}

int
pn_command(struct pctx *cx, yaml_node_t *n, const char *key, bool shell,
    struct command *cmd)
{
	if (n == NULL)
		return 0;
	if (shell) {
		cmd->shell = pn_str(cx, n, key);
		if (cmd->shell && *cmd->shell == '\0') {
			pn_error(cx, n, "'%s' is empty", key);
			return -1;
		}
		return cmd->shell ? 0 : -1;
	}
	if (pn_is_seq(n)) {
		if (pn_seq_len(n) == 0) {
			pn_error(cx, n, "'%s' is an empty list", key);
			return -1;
		}
		return pn_strlist(cx, n, key, &cmd->argv);
	}
	char *s = pn_str(cx, n, key);
	char *e = NULL;
	if (s == NULL)
		return -1;
	if (split_words(s, &cmd->argv, &e) != 0) {
		pn_error(cx, n, "'%s': %s", key, e);
		free(e);
		free(s);
		return -1;
	}
	free(s);
	if (cmd->argv.n == 0) {
		pn_error(cx, n, "'%s' is empty", key);
		return -1;
	}
	return 0;
}

int
pn_kvmap(struct pctx *cx, yaml_node_t *n, const char *key, struct kv **out,
    size_t *nout)
{
	size_t cap = 0;
	int rc = 0;

	if (n == NULL)
		return 0;
	if (!pn_is_map(n)) {
		pn_error(cx, n, "'%s' must be a map of NAME: value", key);
		return -1;
	}
	check_keys(cx, n, NULL, NULL, key);	/* duplicates only */
	for (size_t i = 0; i < pn_map_len(n); i++) {
		yaml_node_t *v;
		const char *k = pn_map_key(cx, n, i, &v);
		if (k == NULL)
			continue;
		char *s = pn_str(cx, v, k);
		if (s == NULL) {
			rc = -1;
			continue;
		}
		struct kv item = { xstrdup(k), s };
		ARR_PUSH(*out, *nout, cap, item);
	}
	return rc;
}

const struct url *
pn_target(struct pctx *cx, yaml_node_t *map, const char *key, bool required)
{
	yaml_node_t *n = pn_get(cx, map, key);
	struct plan *p = cx->plan;

	if (n == NULL) {
		if (required)
			pn_error(cx, map, "missing '%s'", key);
		return NULL;
	}
	char *s = pn_str(cx, n, key);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < p->ntargets; i++) {
		if (strcmp(p->targets[i]->id, s) == 0) {
			free(s);
			/* A target whose URL failed to parse was reported. */
			return p->targets[i]->url.scheme ? &p->targets[i]->url :
			    NULL;
		}
	}
	if (url_like(s)) {
		/* An inline URL becomes an anonymous target owned by the plan. */
		struct url u;
		char *e = NULL;
		if (plan_url_parse(cx, n, s, &u, &e) != 0) {
			pn_error(cx, n, "%s", e);
			free(e);
			url_free(&u);
			free(s);
			return NULL;
		}
		/* Targets are held by pointer, so earlier ones never move. */
		struct target *t = xcalloc(1, sizeof(*t));
		p->targets = xreallocarray(p->targets, p->ntargets + 1,
		    sizeof(*p->targets));
		p->targets[p->ntargets++] = t;
		t->id = xasprintf("%s", u.safe);
		t->url = u;
		t->line = (int)n->start_mark.line + 1;
		t->col = (int)n->start_mark.column + 1;
		free(s);
		return &t->url;
	}
	const char *names[64];
	size_t k = 0;
	for (; k < p->ntargets && k < 63; k++)
		names[k] = p->targets[k]->id;
	const char *near = nearest(s, names, k);
	if (near)
		pn_error(cx, n, "undefined target '%s' (did you mean '%s'?)", s,
		    near);
	else
		pn_error(cx, n, "undefined target '%s' (define it under "
		    "targets:, or give a URL)", s);
	free(s);
	return NULL;
}

/* ---- sections -------------------------------------------------------- */

static bool
valid_id(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

/* Read `id:`; checks syntax and uniqueness against seen. */
static char *
read_id(struct pctx *cx, yaml_node_t *map, const char *what,
    struct strset *seen)
{
	char *id = pn_req_str(cx, map, "id");

	if (id == NULL)
		return NULL;
	if (!valid_id(id)) {
		pn_error(cx, pn_get(cx, map, "id"), "%s id '%s' may contain only "
		    "letters, digits, '.', '_' and '-'", what, id);
		free(id);
		return NULL;
	}
	/*
	 * Ids are printed everywhere, unmasked: an id interpolated from a
	 * secret is refused.  (A literal id is left alone, even if a weak
	 * password happens to be a word of it.)
	 */
	yaml_node_t *idn = pn_get(cx, map, "id");
	char *r = redact(id);
	bool secret = strcmp(r, id) != 0 && is_scalar(idn) &&
	    strstr(scalar(idn), "${") != NULL;
	free(r);
	if (secret) {
		pn_error(cx, pn_get(cx, map, "id"), "%s id '%s' contains a secret "
		    "value; ids are printed everywhere", what, id);
		free(id);
		return NULL;
	}
	if (seen) {
		if (!strset_add(seen, id)) {
			pn_error(cx, pn_get(cx, map, "id"), "duplicate %s id '%s'",
			    what, id);
			free(id);
			return NULL;
		}
	}
	return id;
}

/* ---- var overrides (--var, --vars-file) ------------------------------ */

struct override {
	char	*name, *value, *origin;
	bool	 strong;
};
static struct override *overrides;
static size_t noverrides, overrides_cap;

void
plan_override_var(const char *name, const char *value, const char *origin,
    bool strong)
{
	for (size_t i = 0; i < noverrides; i++) {
		struct override *o = &overrides[i];
		if (strcmp(o->name, name) != 0)
			continue;
		if (o->strong && !strong)
			return;
		free(o->value);
		free(o->origin);
		o->value = xstrdup(value);
		o->origin = xstrdup(origin);
		o->strong = strong;
		return;
	}
	struct override o = { xstrdup(name), xstrdup(value), xstrdup(origin),
	    strong };
	ARR_PUSH(overrides, noverrides, overrides_cap, o);
}

void
plan_overrides_clear(void)
{
	for (size_t i = 0; i < noverrides; i++) {
		free(overrides[i].name);
		free(overrides[i].value);
		free(overrides[i].origin);
	}
	free(overrides);
	overrides = NULL;
	noverrides = overrides_cap = 0;
}

static const struct override *
override_find(const char *name)
{
	for (size_t i = 0; i < noverrides; i++)
		if (strcmp(overrides[i].name, name) == 0)
			return &overrides[i];
	return NULL;
}

int
plan_vars_file(const char *path, char **errp)
{
	FILE *f = fopen_regular(path, "a vars file", errp);
	yaml_parser_t yp;
	struct stat st;
	yaml_document_t doc;
	struct buf errs = BUF_INIT;

	if (f == NULL) {
		char *e = *errp;
		*errp = xasprintf("%s\n", e);
		free(e);
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && st.st_size > PLAN_MAX_BYTES) {
		*errp = xasprintf("%s: a vars file is larger than %u MiB\n",
		    path, PLAN_MAX_BYTES >> 20);
		fclose(f);
		return -1;
	}
	yaml_parser_initialize(&yp);
	yaml_parser_set_input_file(&yp, f);
	struct yamldoc_err ye;
	if (yamldoc_load(&yp, &doc, YAMLDOC_MAX_DEPTH, &ye) != 0) {
		*errp = xasprintf("%s:%zu:%zu: %s\n", path, ye.mark.line + 1,
		    ye.mark.column + 1, ye.too_deep ? "nested too deep for "
		    "a vars file" : ye.problem);
		yaml_parser_delete(&yp);
		fclose(f);
		return -1;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		buf_addf(&errs, "%s:%zu:%zu: a vars file is a map of NAME: "
		    "VALUE\n", path, root ? root->start_mark.line + 1 : 1,
		    root ? root->start_mark.column + 1 : 1);
	} else {
		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
		    pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
			yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
			if (k->type != YAML_SCALAR_NODE ||
			    v->type != YAML_SCALAR_NODE) {
				yaml_node_t *bad = k->type != YAML_SCALAR_NODE ?
				    k : v;
				buf_addf(&errs, "%s:%zu:%zu: a var's name and "
				    "value are plain values, not lists or maps\n",
				    path, bad->start_mark.line + 1,
				    bad->start_mark.column + 1);
				continue;
			}
			char *origin = xasprintf("%s:%zu:%zu", path,
			    k->start_mark.line + 1, k->start_mark.column + 1);
			plan_override_var((const char *)k->data.scalar.value,
			    (const char *)v->data.scalar.value, origin, false);
			free(origin);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	fclose(f);
	if (errs.len) {
		*errp = buf_detach(&errs);
		return -1;
	}
	buf_release(&errs);
	return 0;
}

static void
load_vars(struct pctx *cx, yaml_node_t *n)
{
	struct plan *p = cx->plan;
	size_t cap = 0;

	if (n == NULL)
		return;
	if (!pn_is_map(n)) {
		pn_error(cx, n, "'vars' must be a map of name: value");
		return;
	}
	check_keys(cx, n, NULL, NULL, "vars");
	for (size_t i = 0; i < pn_map_len(n); i++) {
		yaml_node_t *v;
		const char *k = pn_map_key(cx, n, i, &v);
		if (k == NULL)
			continue;
		/* "env" alone would read like the ${env:NAME} prefix. */
		if (!valid_id(k) || strcmp(k, "env") == 0) {
			pn_error(cx, map_key_node(cx, n, i), "bad variable name "
			    "'%s' (letters, digits, '.', '_' and '-'; not 'env')",
			    k);
			continue;
		}
		/* Later vars may use earlier ones. */
		char *s = pn_str(cx, v, k);
		if (s == NULL) {
			strlist_push(&cx->bad_vars, k);
			continue;
		}
		if (value_unknown(cx, v))
			strlist_push(&cx->unknown_vars, k);
		const struct override *o = override_find(k);
		if (o) {
			/* Taken as written: a value from the command line is
			 * not interpolated. */
			free(s);
			s = xstrdup(o->value);
		}
		struct kv item = { xstrdup(k), s };
		ARR_PUSH(p->vars, p->nvars, cap, item);
	}
}

/* An override naming no var of the plan is a mistake, not a new var. */
static void
check_overrides(struct pctx *cx, yaml_node_t *root, yaml_node_t *vars)
{
	struct plan *p = cx->plan;
	const char *names[256];
	size_t k = 0;

	for (size_t i = 0; i < p->nvars && k < 256; i++)
		names[k++] = p->vars[i].key;
	for (size_t i = 0; i < noverrides; i++) {
		if (var_value(p, overrides[i].name))
			continue;
		const char *near = nearest(overrides[i].name, names, k);
		pn_error(cx, vars ? vars : root, "%s sets '%s', but the plan "
		    "has no var '%s'%s%s%s", overrides[i].origin,
		    overrides[i].name, overrides[i].name,
		    near ? " (did you mean '" : "", near ? near : "",
		    near ? "'?)" : "");
	}
}

static void
load_secrets(struct pctx *cx, yaml_node_t *n)
{
	struct plan *p = cx->plan;

	if (n == NULL)
		return;
	if (pn_strlist(cx, n, "secrets", &p->secrets) != 0)
		return;
	for (size_t i = 0; i < p->secrets.n; i++) {
		const char *name = p->secrets.v[i];
		const char *v = var_value(p, name);
		const char *e = getenv(name);
		note_env(cx, name);
		if (v)
			redact_add(v);
		if (e)
			redact_add(e);
		if (v || e)
			continue;
		/*
		 * A misspelt name masks nothing, silently: say so, and name
		 * the var or environment variable it probably meant.
		 */
		const char *cand[256];
		char *own[256];
		size_t k = 0, nown = 0;
		for (size_t j = 0; j < p->nvars && k < 255; j++)
			cand[k++] = p->vars[j].key;
		for (char **ep = environ; *ep && k < 255; ep++) {
			own[nown] = xstrndup(*ep, strcspn(*ep, "="));
			cand[k++] = own[nown++];
		}
		const char *near = nearest(name, cand, k);
		yaml_node_t *it = pn_is_seq(n) ? pn_seq_item(cx, n, i) : n;
		pn_warn(cx, it, "secret '%s' is neither a var nor set in the "
		    "environment: it masks nothing%s%s%s", name,
		    near ? " (did you mean '" : "", near ? near : "",
		    near ? "'?)" : "");
		for (size_t j = 0; j < nown; j++)
			free(own[j]);
	}
}

static void
load_targets(struct pctx *cx, yaml_node_t *n)
{
	struct plan *p = cx->plan;

	if (n == NULL)
		return;
	if (!pn_is_map(n)) {
		pn_error(cx, n, "'targets' must be a map of name: URL");
		return;
	}
	size_t len = pn_map_len(n);
	p->targets = xcalloc(len + 1, sizeof(*p->targets));
	for (size_t i = 0; i < len; i++)
		p->targets[i] = NULL;
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *v;
		const char *k = pn_map_key(cx, n, i, &v);
		if (k == NULL)
			continue;
		if (!valid_id(k)) {
			pn_error(cx, map_key_node(cx, n, i), "bad target name "
			    "'%s' (letters, digits, '.', '_' and '-')", k);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < p->ntargets; j++)
			dup |= strcmp(p->targets[j]->id, k) == 0;
		if (dup) {
			pn_error(cx, map_key_node(cx, n, i), "duplicate target "
			    "'%s'", k);
			continue;
		}
		char *s = pn_str(cx, v, k);
		if (s == NULL)
			continue;
		struct target *t = xcalloc(1, sizeof(*t));
		char *e = NULL;
		p->targets[p->ntargets++] = t;
		t->id = xstrdup(k);
		t->line = (int)v->start_mark.line + 1;
		t->col = (int)v->start_mark.column + 1;
		if (plan_url_parse(cx, v, s, &t->url, &e) != 0) {
			pn_error(cx, v, "target '%s': %s", k, e);
			free(e);
			url_free(&t->url);
		}
		free(s);
	}
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Is id a check's id?  A plan of 5,000 checks names checks some 20,000
 * times (needs, phases, gates, risks): a scan each was 100M strcmp.
 */
static bool
is_check_id(const struct pctx *cx, const char *id)
{
	return cx->check_ids.n && bsearch(&id, cx->ids_sorted,
	    cx->check_ids.n, sizeof(char *), cmp_strp) != NULL;
}

struct id_at {
	const char	*id;
	size_t		 i;
};

static int
cmp_id_at(const void *a, const void *b)
{
	return strcmp(((const struct id_at *)a)->id,
	    ((const struct id_at *)b)->id);
}

/* plan_check's index (ids are unique once loaded). */
static void
plan_index_checks(struct plan *p)
{
	struct id_at *v = xcalloc(p->nchecks + 1, sizeof(*v));

	for (size_t i = 0; i < p->nchecks; i++)
		v[i] = (struct id_at){ p->checks[i].id, i };
	if (p->nchecks)
		qsort(v, p->nchecks, sizeof(*v), cmp_id_at);
	free(p->check_order);
	p->check_order = xcalloc(p->nchecks + 1, sizeof(*p->check_order));
	for (size_t i = 0; i < p->nchecks; i++)
		p->check_order[i] = v[i].i;
	free(v);
}

/*
 * `needs` must not go round in a circle: no check of it could ever start,
 * and the runner would wait for them forever.  A depth-first walk; each
 * edge back into the walk's path is a cycle, reported at the `needs` of
 * the check that closes it.
 */
enum { WALK_NEW, WALK_ON_PATH, WALK_DONE };

static void
needs_cycles(struct pctx *cx, yaml_node_t **needs_at)
{
	struct plan *p = cx->plan;
	int *state = xcalloc(p->nchecks + 1, sizeof(*state));
	/* The walk's path and, per step, the next need to follow: no
	 * recursion, so a chain of 100k checks cannot exhaust the stack. */
	size_t *path = xcalloc(p->nchecks + 1, sizeof(*path));
	size_t *next = xcalloc(p->nchecks + 1, sizeof(*next));

	for (size_t root = 0; root < p->nchecks; root++) {
		if (state[root] != WALK_NEW)
			continue;
		size_t depth = 0;
		path[0] = root;
		next[0] = 0;
		state[root] = WALK_ON_PATH;
		for (;;) {
			size_t u = path[depth];
			const struct check *c = &p->checks[u];
			if (next[depth] >= c->needs.n) {
				state[u] = WALK_DONE;
				if (depth == 0)
					break;
				depth--;
				continue;
			}
			const struct check *d = plan_check(p,
			    c->needs.v[next[depth]++]);
			if (d == NULL || d == c)
				continue;	/* reported already */
			size_t v = (size_t)(d - p->checks);
			if (state[v] == WALK_NEW) {
				state[v] = WALK_ON_PATH;
				path[++depth] = v;
				next[depth] = 0;
			} else if (state[v] == WALK_ON_PATH) {
				struct buf b = BUF_INIT;
				size_t from = depth;
				while (path[from] != v)
					from--;
				for (size_t i = from; i <= depth; i++)
					buf_addf(&b, "'%s' -> ", p->checks[path[i]].id);
				buf_addf(&b, "'%s'", d->id);
				pn_error(cx, needs_at[u], "checks need each other in "
				    "a circle, so none of them could start: %s", b.s);
				buf_release(&b);
			}
		}
	}
	free(state);
	free(path);
	free(next);
}

static void
load_checks(struct pctx *cx, yaml_node_t *n)
{
	struct plan *p = cx->plan;
	struct strset seen = STRSET_INIT;

	if (n == NULL)
		return;
	if (!pn_is_seq(n)) {
		pn_error(cx, n, "'checks' must be a list");
		return;
	}
	/* Ids first, so that `needs` may point forward. */
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		yaml_node_t *c = pn_seq_item(cx, n, i);
		yaml_node_t *id = pn_get(cx, c, "id");
		if (is_scalar(id))
			strlist_push(&cx->check_ids, scalar(id));
	}
	if (cx->check_ids.n) {
		cx->ids_sorted = xreallocarray(NULL, cx->check_ids.n,
		    sizeof(char *));
		memcpy(cx->ids_sorted, cx->check_ids.v, cx->check_ids.n *
		    sizeof(char *));
		qsort(cx->ids_sorted, cx->check_ids.n, sizeof(char *), cmp_strp);
	}
	p->checks = xcalloc(pn_seq_len(n) + 1, sizeof(*p->checks));
	/* Each parsed check's `needs` node, for the cycle check below. */
	yaml_node_t **needs_at = xcalloc(pn_seq_len(n) + 1, sizeof(*needs_at));
	cx->every_at = xcalloc(pn_seq_len(n) + 1, sizeof(*cx->every_at));
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		yaml_node_t *cn = pn_seq_item(cx, n, i);
		if (!pn_is_map(cn)) {
			pn_error(cx, cn, "a check must be a map with id and kind");
			continue;
		}
		char *id = read_id(cx, cn, "check", &seen);
		char *kname = pn_req_str(cx, cn, "kind");
		const struct check_kind *kind = kname ? check_kind_find(kname) : NULL;
		if (kname && kind == NULL) {
			size_t nk;
			const char *const *names = check_kind_names(&nk);
			const char *near = nearest(kname, names, nk);
			if (near)
				pn_error(cx, pn_get(cx, cn, "kind"), "unknown check "
				    "kind '%s' (did you mean '%s'?)", kname, near);
			else
				pn_error(cx, pn_get(cx, cn, "kind"), "unknown check "
				    "kind '%s'", kname);
		}
		free(kname);
		if (kind)
			check_keys(cx, cn, check_common_keys, kind->keys, "check");
		if (id == NULL || kind == NULL) {
			free(id);
			continue;
		}
		struct check *c = &p->checks[p->nchecks++];
		c->id = id;
		c->kind = kind;
		c->plan = p;
		c->line = (int)cn->start_mark.line + 1;
		c->col = (int)cn->start_mark.column + 1;
		c->timeout_us = CHECK_DEFAULT_TIMEOUT;
		c->retry_interval_us = US_PER_S;
		c->title = pn_str(cx, pn_get(cx, cn, "title"), "title");
		c->description = pn_str(cx, pn_get(cx, cn, "description"),
		    "description");
		c->host = hosts_ref(cx, pn_get(cx, cn, "on"), cx->on_plan);
		pn_duration(cx, pn_get(cx, cn, "timeout"), "timeout", &c->timeout_us);
		if (c->timeout_us <= 0) {
			pn_error(cx, pn_get(cx, cn, "timeout"), "'timeout' must be "
			    "above zero");
			c->timeout_us = CHECK_DEFAULT_TIMEOUT;
		}
		long long r = 0;
		pn_int(cx, pn_get(cx, cn, "retries"), "retries", 0, 100, &r);
		c->retries = (int)r;
		pn_duration(cx, pn_get(cx, cn, "retry_interval"), "retry_interval",
		    &c->retry_interval_us);
		cx->every_at[p->nchecks - 1] = pn_get(cx, cn, "every");
		pn_duration(cx, cx->every_at[p->nchecks - 1], "every",
		    &c->every_us);
		yaml_node_t *needs = pn_get(cx, cn, "needs");
		needs_at[p->nchecks - 1] = needs;
		pn_strlist(cx, needs, "needs", &c->needs);
		for (size_t j = 0; j < c->needs.n; j++) {
			if (!is_check_id(cx, c->needs.v[j]))
				pn_error(cx, needs, "check '%s' needs undefined "
				    "check '%s'", c->id, c->needs.v[j]);
			else if (strcmp(c->needs.v[j], c->id) == 0)
				pn_error(cx, needs, "check '%s' needs itself", c->id);
		}
		if (kind->parse(cx, cn, c) != 0 && c->priv && kind->free) {
			kind->free(c->priv);
			c->priv = NULL;
		}
	}
	strset_release(&seen);
	plan_index_checks(p);
	needs_cycles(cx, needs_at);
	free(needs_at);
}

/* A list of check ids; each must be defined. */
static void
check_refs(struct pctx *cx, yaml_node_t *n, const char *key,
    struct strlist *out)
{
	if (n == NULL)
		return;
	size_t before = out->n;
	if (pn_strlist(cx, n, key, out) != 0)
		return;
	for (size_t i = before; i < out->n; i++) {
		if (is_check_id(cx, out->v[i]))
			continue;
		const char *near = nearest(out->v[i],
		    (const char *const *)cx->check_ids.v, cx->check_ids.n);
		if (near)
			pn_error(cx, n, "'%s' names undefined check '%s' (did you "
			    "mean '%s'?)", key, out->v[i], near);
		else
			pn_error(cx, n, "'%s' names undefined check '%s'", key,
			    out->v[i]);
	}
}

void
pn_check_refs(struct pctx *cx, yaml_node_t *n, const char *key,
    struct strlist *out)
{
	check_refs(cx, n, key, out);
}

static int
level(struct pctx *cx, yaml_node_t *n, const char *key, bool crit_ok,
    enum risk_level *out)
{
	static const char *const names[] = { "low", "medium", "high",
	    "critical" };
	char *s = pn_str(cx, n, key);

	if (s == NULL)
		return -1;
	for (int i = 0; i < 4; i++) {
		if ((i < 3 || crit_ok) && strcasecmp(s, names[i]) == 0) {
			*out = (enum risk_level)i;
			free(s);
			return 0;
		}
	}
	pn_error(cx, n, "'%s' must be one of low, medium, high%s (got '%s')",
	    key, crit_ok ? ", critical" : "", s);
	free(s);
	return -1;
}

static void
load_risks(struct pctx *cx, yaml_node_t *n)
{
	struct plan *p = cx->plan;
	struct strset seen = STRSET_INIT;

	if (n == NULL)
		return;
	if (!pn_is_seq(n)) {
		pn_error(cx, n, "'risks' must be a list");
		return;
	}
	p->risks = xcalloc(pn_seq_len(n) + 1, sizeof(*p->risks));
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		yaml_node_t *rn = pn_seq_item(cx, n, i);
		if (!pn_is_map(rn)) {
			pn_error(cx, rn, "a risk must be a map with id and title");
			continue;
		}
		check_keys(cx, rn, risk_keys, NULL, "risk");
		char *id = read_id(cx, rn, "risk", &seen);
		if (id == NULL)
			continue;
		struct risk *r = &p->risks[p->nrisks++];
		r->id = id;
		r->line = (int)rn->start_mark.line + 1;
		r->col = (int)rn->start_mark.column + 1;
		r->title = pn_req_str(cx, rn, "title");
		r->description = pn_str(cx, pn_get(cx, rn, "description"),
		    "description");
		yaml_node_t *lv = pn_get(cx, rn, "level");
		if (lv == NULL)
			pn_error(cx, rn, "risk '%s': missing 'level' (critical, "
			    "high, medium or low)", id);
		else
			level(cx, lv, "level", true, &r->level);
		r->probability = RISK_MEDIUM;
		yaml_node_t *pr = pn_get(cx, rn, "probability");
		if (pr)
			level(cx, pr, "probability", false, &r->probability);
		r->impact = pn_str(cx, pn_get(cx, rn, "impact"), "impact");
		r->recovery = pn_str(cx, pn_get(cx, rn, "recovery"), "recovery");
		r->owner = pn_str(cx, pn_get(cx, rn, "owner"), "owner");
		pn_strlist(cx, pn_get(cx, rn, "causes"), "causes", &r->causes);
		check_refs(cx, pn_get(cx, rn, "mitigated_by"), "mitigated_by",
		    &r->mitigated_by);
		if (r->level >= RISK_HIGH && r->mitigated_by.n == 0)
			pn_warn(cx, rn, "risk '%s' is %s but has no mitigated_by "
			    "checks", id, risk_level_name(r->level));
	}
	strset_release(&seen);
}

static void
load_step(struct pctx *cx, yaml_node_t *sn, struct step *s)
{
	check_keys(cx, sn, step_keys, NULL, "step");
	s->line = (int)sn->start_mark.line + 1;
	s->col = (int)sn->start_mark.column + 1;
	s->title = pn_str(cx, pn_get(cx, sn, "title"), "title");
	s->description = pn_str(cx, pn_get(cx, sn, "description"),
	    "description");
	s->host = hosts_ref(cx, pn_get(cx, sn, "on"), cx->on_phase);
	yaml_node_t *run = pn_get(cx, sn, "run");
	yaml_node_t *sh = pn_get(cx, sn, "shell");
	if (run && sh)
		pn_error(cx, sh, "step '%s' has both 'run' and 'shell'; give one",
		    s->id);
	else if (!run && !sh)
		pn_error(cx, sn, "step '%s' needs 'run' (argv) or 'shell'", s->id);
	pn_command(cx, run, "run", false, &s->cmd);
	pn_command(cx, sh, "shell", true, &s->cmd);
	yaml_node_t *undo = pn_get(cx, sn, "undo");
	if (undo) {
		s->has_undo = true;
		if (pn_is_map(undo)) {
			static const char *const uk[] = { "run", "shell",
			    "idempotent", NULL };
			check_keys(cx, undo, uk, NULL, "undo");
			yaml_node_t *ur = pn_get(cx, undo, "run");
			yaml_node_t *us = pn_get(cx, undo, "shell");
			if ((ur == NULL) == (us == NULL))
				pn_error(cx, undo, "'undo' needs exactly one of "
				    "'run' or 'shell'");
			pn_command(cx, ur, "run", false, &s->undo);
			pn_command(cx, us, "shell", true, &s->undo);
			pn_bool(cx, pn_get(cx, undo, "idempotent"), "idempotent",
			    &s->undo_idempotent);
		} else {
			pn_command(cx, undo, "undo", false, &s->undo);
		}
	}
	pn_kvmap(cx, pn_get(cx, sn, "env"), "env", &s->env, &s->nenv);
	s->cwd = pn_str(cx, pn_get(cx, sn, "cwd"), "cwd");
	pn_duration(cx, pn_get(cx, sn, "timeout"), "timeout", &s->timeout_us);
	long long r = 0;
	pn_int(cx, pn_get(cx, sn, "retries"), "retries", 0, 100, &r);
	s->retries = (int)r;
	s->retry_interval_us = US_PER_S;
	pn_duration(cx, pn_get(cx, sn, "retry_interval"), "retry_interval",
	    &s->retry_interval_us);
	pn_bool(cx, pn_get(cx, sn, "idempotent"), "idempotent", &s->idempotent);
	pn_bool(cx, pn_get(cx, sn, "tty"), "tty", &s->tty);
	yaml_node_t *dt = pn_get(cx, sn, "downtime");
	if (dt) {
		char *v = pn_str(cx, dt, "downtime");
		if (v && strcmp(v, "start") == 0)
			s->downtime = DOWNTIME_START;
		else if (v && strcmp(v, "end") == 0)
			s->downtime = DOWNTIME_END;
		else if (v)
			pn_error(cx, dt, "'downtime' must be start or end (got '%s')",
			    v);
		free(v);
	}
}

static struct step *
load_steps(struct pctx *cx, yaml_node_t *n, const char *key, size_t *nout)
{
	struct step *steps;

	*nout = 0;
	if (n == NULL)
		return NULL;
	if (!pn_is_seq(n)) {
		pn_error(cx, n, "'%s' must be a list of steps", key);
		return NULL;
	}
	steps = xcalloc(pn_seq_len(n) + 1, sizeof(*steps));
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		yaml_node_t *sn = pn_seq_item(cx, n, i);
		if (!pn_is_map(sn)) {
			pn_error(cx, sn, "a step must be a map with id and run");
			continue;
		}
		char *id = read_id(cx, sn, "step", &cx->step_ids);
		if (id == NULL)
			continue;
		struct step *s = &steps[(*nout)++];
		s->id = id;
		load_step(cx, sn, s);
	}
	return steps;
}

struct step *
pn_steps(struct pctx *cx, yaml_node_t *n, const char *key, size_t *nout)
{
	return load_steps(cx, n, key, nout);
}

/* ---- watch, rollback_if, success ------------------------------------ */

const char *
metric_name(enum metric m)
{
	static const char *const names[] = { "uptime", "failures", "p50",
	    "p90", "p95", "p99", "min", "max", "avg" };

	return names[m];
}

/*
 * A watched value's comparison ("> 2s", ">= 99.9%", "< 50"): numeric,
 * with a duration kept in seconds (checks report latencies in seconds).
 * want: 'p' a percentage, 'n' a plain number, 'v' a duration or a number.
 */
static int
pn_vcmp(struct pctx *cx, yaml_node_t *n, const char *key, int want,
    struct vcmp *v)
{
	int64_t us;

	memset(v, 0, sizeof(*v));
	if (pn_cmp(cx, n, key, &v->cmp) != 0)
		return -1;
	const char *t = v->cmp.text;
	size_t tl = strlen(t);
	bool pct = tl && t[tl - 1] == '%';
	if (!v->cmp.numeric) {
		pn_error(cx, n, "'%s' needs a number to compare with, like %s",
		    key, want == 'p' ? "\">= 99.9%\"" : want == 'n' ? "0" :
		    "\"< 2s\"");
		return -1;
	}
	v->duration = parse_duration(t, &us, NULL) == 0;
	if (want == 'p' && !pct) {
		pn_error(cx, n, "'%s' is a share of samples: write it with %%, "
		    "like \">= 99.9%%\"", key);
		return -1;
	}
	if (want != 'p' && pct) {
		pn_error(cx, n, "'%s' compares %s, not a percentage", key,
		    want == 'n' ? "a number of samples" : "the checks' values");
		return -1;
	}
	if (want == 'n' && v->duration) {
		pn_error(cx, n, "'%s' counts samples: write a plain number",
		    key);
		return -1;
	}
	if (want == 'v' && !v->duration && strpbrk(t, "KMGTBib")) {
		pn_error(cx, n, "'%s' compares the checks' values: write a "
		    "duration (2s, 50ms) or a plain number", key);
		return -1;
	}
	v->num = v->duration ? v->cmp.num / (double)US_PER_S : v->cmp.num;
	return 0;
}

/* The one check a rule names, with "did you mean"; NULL otherwise. */
static char *
rule_check(struct pctx *cx, yaml_node_t *it, const char *what)
{
	struct strlist one = STRLIST_INIT;
	yaml_node_t *cn = pn_get(cx, it, "check");
	char *id = NULL;

	if (cn == NULL) {
		pn_error(cx, it, "%s needs 'check' (the id of the check it "
		    "judges)", what);
		return NULL;
	}
	if (!is_scalar(cn)) {
		pn_error(cx, cn, "%s: 'check' names one check", what);
		return NULL;
	}
	size_t errs = cx->nerrs;
	check_refs(cx, cn, "check", &one);
	if (one.n == 1 && cx->nerrs == errs)
		id = xstrdup(one.v[0]);
	strlist_release(&one);
	return id;
}

/*
 * A rule on a check's value (a `value` rule, a percentile, min, max or
 * avg) needs a check that reports one: otherwise the rule could never
 * fire, or would fail every watch with "no data".  0, or -1 reported.
 */
static int
rule_value_ok(struct pctx *cx, yaml_node_t *at, const char *id,
    const char *key, const struct vcmp *v)
{
	const struct check *c = id ? plan_check(cx->plan, id) : NULL;

	if (c == NULL || c->kind == NULL)
		return 0;	/* reported already */
	if (c->kind->value == NULL) {
		pn_error(cx, at, "'%s' judges the value of check '%s', but a "
		    "'%s' check reports no value; judge it with 'failing', "
		    "'consecutive', 'uptime' or 'failures'", key, id,
		    c->kind->name);
		return -1;
	}
	const char *why = c->priv && c->kind->value_refuse ?
	    c->kind->value_refuse(c, v) : NULL;
	if (why) {
		pn_error(cx, at, "'%s' judges the value of check '%s': %s", key,
		    id, why);
		return -1;
	}
	return 0;
}

/*
 * Rules of the rollback_if forms (failing/consecutive/value), for a
 * phase's rollback_if and a procedure's when (what: "rollback_if").
 */
void
pn_rules(struct pctx *cx, yaml_node_t *rb, const char *what,
    struct rollback_rule **out, size_t *nout)
{
	char *rname = xasprintf("a %s rule", what);
	char *rkey = xasprintf("%s rule", what);

	static const char *const rk[] = { "check", "failing", "within",
	    "min_samples", "consecutive", "value", "for", NULL };

	*out = NULL;
	*nout = 0;
	if (rb == NULL || !pn_is_seq(rb)) {
		if (rb)
			pn_error(cx, rb, "'%s' must be a list of rules like "
			    "{check: id, failing: 50%%, within: 5m}", what);
		free(rname);
		free(rkey);
		return;
	}
	*out = xcalloc(pn_seq_len(rb) + 1, sizeof(**out));
	for (size_t j = 0; j < pn_seq_len(rb); j++) {
		yaml_node_t *it = pn_seq_item(cx, rb, j);
		if (!pn_is_map(it)) {
			pn_error(cx, it, "%s must be a map like "
			    "{check: id, failing: 50%%, within: 5m}", rname);
			continue;
		}
		check_keys(cx, it, rk, NULL, rkey);
		struct rollback_rule rr = { .min_samples = 3,
		    .within_us = 5 * 60 * US_PER_S };
		rr.line = (int)it->start_mark.line + 1;
		rr.col = (int)it->start_mark.column + 1;
		yaml_node_t *f = pn_get(cx, it, "failing");
		yaml_node_t *c = pn_get(cx, it, "consecutive");
		yaml_node_t *v = pn_get(cx, it, "value");
		int kinds = (f != NULL) + (c != NULL) + (v != NULL);
		bool ok = true;
		char *id = rule_check(cx, it, rname);
		ok &= id != NULL;
		if (kinds != 1) {
			pn_error(cx, it, "%s needs exactly one of "
			    "'failing' (with 'within'), 'consecutive' or 'value' "
			    "(with 'for')", rname);
			ok = false;
		}
		/* Keys of another kind of rule would be ignored: refuse. */
		static const struct { const char *key; int kind; } own[] = {
			{ "within", RULE_FAILING }, { "min_samples", RULE_FAILING },
			{ "for", RULE_VALUE },
		};
		rr.kind = f ? RULE_FAILING : c ? RULE_CONSECUTIVE : RULE_VALUE;
		for (size_t k = 0; kinds == 1 && k < 3; k++) {
			yaml_node_t *x = pn_get(cx, it, own[k].key);
			if (x && (int)rr.kind != own[k].kind) {
				pn_error(cx, x, "'%s' belongs to a %s rule; this rule "
				    "is '%s'", own[k].key, own[k].kind ==
				    RULE_FAILING ? "'failing'" : "'value'",
				    f ? "failing" : c ? "consecutive" : "value");
				ok = false;
			}
		}
		if (f) {
			char *fs = pn_str(cx, f, "failing");
			char *e = NULL;
			if (fs == NULL) {
				ok = false;
			} else if (parse_percent(fs, &rr.failing_pct, &e) != 0) {
				pn_error(cx, f, "'failing': %s", e);
				ok = false;
			} else if (rr.failing_pct <= 0 || rr.failing_pct > 100) {
				pn_error(cx, f, "'failing' must be above 0%% and at "
				    "most 100%%");
				ok = false;
			}
			free(e);
			free(fs);
			ok &= pn_duration(cx, pn_get(cx, it, "within"), "within",
			    &rr.within_us) == 0;
			long long m = 3;
			ok &= pn_int(cx, pn_get(cx, it, "min_samples"),
			    "min_samples", 1, 100000, &m) == 0;
			rr.min_samples = (int)m;
		}
		if (c) {
			long long m = 0;
			ok &= pn_int(cx, c, "consecutive", 1, 100000, &m) == 0;
			rr.consecutive = (int)m;
		}
		if (v) {
			ok &= pn_vcmp(cx, v, "value", 'v', &rr.value) == 0;
			ok &= !ok || rule_value_ok(cx, v, id, "value",
			    &rr.value) == 0;
			yaml_node_t *fo = pn_get(cx, it, "for");
			if (fo == NULL) {
				pn_error(cx, it, "a 'value' rule needs 'for' (how "
				    "long the value must hold, like 5m)");
				ok = false;
			} else {
				ok &= pn_duration(cx, fo, "for", &rr.for_us) == 0;
			}
		}
		if (!ok) {
			free(id);
			cmp_free(&rr.value.cmp);
			continue;
		}
		rr.check = id;
		(*out)[(*nout)++] = rr;
	}
	free(rname);
	free(rkey);
}

static void
load_rollback_if(struct pctx *cx, yaml_node_t *rb, struct phase *ph)
{
	pn_rules(cx, rb, "rollback_if", &ph->rollback_if, &ph->nrollback_if);
}

/* success: at the top or in a watch phase. */
static struct success_rule *
load_success(struct pctx *cx, yaml_node_t *n, size_t *nout)
{
	static const char *const sk[] = { "check", "uptime", "failures", "p50",
	    "p90", "p95", "p99", "min", "max", "avg", NULL };
	struct success_rule *out;

	*nout = 0;
	if (n == NULL)
		return NULL;
	if (!pn_is_seq(n)) {
		pn_error(cx, n, "'success' must be a list of rules like "
		    "{check: id, uptime: \">= 99.9%%\"}");
		return NULL;
	}
	out = xcalloc(pn_seq_len(n) + 1, sizeof(*out));
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		yaml_node_t *it = pn_seq_item(cx, n, i);
		if (!pn_is_map(it)) {
			pn_error(cx, it, "a success rule must be a map like "
			    "{check: id, uptime: \">= 99.9%%\"}");
			continue;
		}
		check_keys(cx, it, sk, NULL, "success rule");
		char *id = rule_check(cx, it, "a success rule");
		size_t metrics = 0;
		for (size_t j = 0; j < pn_map_len(it); j++) {
			yaml_node_t *v;
			const char *k = pn_map_key(cx, it, j, &v);
			if (k == NULL || strcmp(k, "check") == 0)
				continue;
			int m = -1;
			for (int x = 1; sk[x]; x++)
				if (strcmp(sk[x], k) == 0)
					m = x - 1;
			if (m < 0)
				continue;
			if (metrics++ > 0) {
				pn_error(cx, v, "a success rule judges one metric; "
				    "write another rule for '%s'", k);
				continue;
			}
			struct success_rule r = { .metric = (enum metric)m };
			r.line = (int)it->start_mark.line + 1;
			r.col = (int)it->start_mark.column + 1;
			int want = m == MET_UPTIME ? 'p' : m == MET_FAILURES ?
			    'n' : 'v';
			if (pn_vcmp(cx, v, k, want, &r.target) == 0 && id &&
			    (want != 'v' || rule_value_ok(cx, v, id, k,
			    &r.target) == 0)) {
				r.check = xstrdup(id);
				out[(*nout)++] = r;
			} else {
				cmp_free(&r.target.cmp);
			}
		}
		if (metrics == 0)
			pn_error(cx, it, "a success rule needs a metric: uptime, "
			    "failures, p50, p90, p95, p99, min, max or avg");
		free(id);
	}
	return out;
}

static void
load_watch(struct pctx *cx, yaml_node_t *pn, struct phase *ph)
{
	yaml_node_t *wa = pn_get(cx, pn, "watch");

	if (wa && !pn_is_map(wa)) {
		pn_error(cx, wa, "'watch' must be a map like {every: 30s, for: "
		    "4h, checks: [id, ...]}");
	} else if (wa) {
		static const char *const wk[] = { "every", "for", "checks",
		    NULL };
		check_keys(cx, wa, wk, NULL, "watch");
		ph->has_watch = true;
		ph->watch_every_us = 30 * US_PER_S;
		pn_duration(cx, pn_get(cx, wa, "every"), "every",
		    &ph->watch_every_us);
		yaml_node_t *fo = pn_get(cx, wa, "for");
		if (fo == NULL)
			pn_error(cx, wa, "'watch' needs 'for' (how long to watch, "
			    "like 4h)");
		else
			pn_duration(cx, fo, "for", &ph->watch_for_us);
		check_refs(cx, pn_get(cx, wa, "checks"), "checks",
		    &ph->watch_checks);
	}
	load_rollback_if(cx, pn_get(cx, pn, "rollback_if"), ph);
	yaml_node_t *su = pn_get(cx, pn, "success");
	ph->success = load_success(cx, su, &ph->nsuccess);
	yaml_node_t *at = pn_get(cx, pn, "rollback_if");
	if (!ph->has_watch && (at || su)) {
		pn_error(cx, at ? at : su, "'%s' judges a watch: phase '%s' needs "
		    "'watch: {every: 30s, for: 4h}'", at ? "rollback_if" :
		    "success", ph->id);
	}
	for (size_t i = 0; i < ph->nrollback_if; i++)
		if (!strlist_has(&ph->watch_checks, ph->rollback_if[i].check))
			strlist_push(&ph->watch_checks, ph->rollback_if[i].check);
	for (size_t i = 0; i < ph->nsuccess; i++)
		if (!strlist_has(&ph->watch_checks, ph->success[i].check))
			strlist_push(&ph->watch_checks, ph->success[i].check);
	/* The plan's success rules (loaded first) join every watch. */
	const struct plan *p = cx->plan;
	for (size_t k = 0; ph->has_watch && k < p->nsuccess; k++)
		if (!strlist_has(&ph->watch_checks, p->success[k].check))
			strlist_push(&ph->watch_checks, p->success[k].check);
	if (ph->has_watch)
		procedure_watched(p, ph->id, &ph->watch_checks);
	if (ph->has_watch && ph->watch_checks.n == 0 && !at && !su &&
	    !pn_get(cx, wa, "checks") && p->nsuccess == 0)
		pn_error(cx, wa, "phase '%s' watches nothing: name checks in "
		    "watch.checks, rollback_if or success", ph->id);
}

/*
 * After the whole plan: the plan's success rules join every watch phase;
 * a check's `every` must be watched somewhere (or it would be ignored).
 */
static void
finish_watch(struct pctx *cx, yaml_node_t *root)
{
	struct plan *p = cx->plan;
	size_t nwatch = 0;

	for (size_t i = 0; i < p->nphases; i++) {
		struct phase *ph = &p->phases[i];
		nwatch += ph->has_watch;
	}
	if (p->nsuccess && nwatch == 0)
		pn_error(cx, pn_get(cx, root, "success"), "'success' is judged "
		    "over a watch: give a phase 'watch: {every: 30s, for: 4h}'");
	for (size_t i = 0; i < p->nchecks; i++) {
		struct check *c = &p->checks[i];
		if (c->every_us == 0)
			continue;
		bool watched = false;
		for (size_t k = 0; k < p->nphases && !watched; k++)
			watched = strlist_has(&p->phases[k].watch_checks, c->id);
		if (!watched)
			pn_error(cx, cx->every_at ? cx->every_at[i] : NULL,
			    "check '%s' sets 'every', which only a watch uses, "
			    "and no phase watches it", c->id);
	}
}

static void
load_phases(struct pctx *cx, yaml_node_t *n)
{
	struct plan *p = cx->plan;
	struct strset seen = STRSET_INIT;

	if (n == NULL)
		return;
	if (!pn_is_seq(n)) {
		pn_error(cx, n, "'phases' must be a list");
		return;
	}
	p->phases = xcalloc(pn_seq_len(n) + 1, sizeof(*p->phases));
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		yaml_node_t *pn = pn_seq_item(cx, n, i);
		if (!pn_is_map(pn)) {
			pn_error(cx, pn, "a phase must be a map with an id");
			continue;
		}
		check_keys(cx, pn, phase_keys, NULL, "phase");
		char *id = read_id(cx, pn, "phase", &seen);
		if (id == NULL)
			continue;
		struct phase *ph = &p->phases[p->nphases++];
		ph->id = id;
		ph->line = (int)pn->start_mark.line + 1;
		ph->col = (int)pn->start_mark.column + 1;
		ph->title = pn_str(cx, pn_get(cx, pn, "title"), "title");
		ph->description = pn_str(cx, pn_get(cx, pn, "description"),
		    "description");
		check_refs(cx, pn_get(cx, pn, "checks"), "checks", &ph->checks);
		check_refs(cx, pn_get(cx, pn, "gate"), "gate", &ph->gate);
		cx->on_phase = hosts_ref(cx, pn_get(cx, pn, "on"), cx->on_plan);
		ph->steps = load_steps(cx, pn_get(cx, pn, "steps"), "steps",
		    &ph->nsteps);
		cx->on_phase = cx->on_plan;

		yaml_node_t *w = pn_get(cx, pn, "window");
		ph->window.target_us = ph->window.max_us = -1;
		if (w && !pn_is_map(w)) {
			pn_error(cx, w, "'window' must be a map like {target: 30m, "
			    "max: 2h}");
		} else if (w) {
			static const char *const wk[] = { "target", "max", NULL };
			check_keys(cx, w, wk, NULL, "window");
			int rc = pn_duration(cx, pn_get(cx, w, "target"), "target",
			    &ph->window.target_us);
			/* A clock time ("04:00") is schedule.c's. */
			bool clock = sched_is_clock(cx, pn_get(cx, w, "max"));
			if (!clock)
				rc |= pn_duration(cx, pn_get(cx, w, "max"), "max",
				    &ph->window.max_us);
			if (clock)
				rc = -1;	/* set by schedule_parse */
			else if (rc == 0 && ph->window.target_us < 0 &&
			    ph->window.max_us < 0)
				pn_error(cx, w, "'window' needs target or max");
			else if (rc == 0 && ph->window.target_us >= 0 &&
			    ph->window.max_us >= 0 &&
			    ph->window.target_us > ph->window.max_us)
				pn_error(cx, w, "window target is above its max");
			else if (rc == 0)
				ph->window.set = true;
		}

		load_watch(cx, pn, ph);
	}
	strset_release(&seen);
}

/* ---- entry points ---------------------------------------------------- */

struct errline {
	const char	*s;
	size_t		 len;
	unsigned long	 line, col;
	size_t		 seq;
};

static int
errline_cmp(const void *a, const void *b)
{
	const struct errline *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Errors are found section by section (a check's missing key after its
 * unknown ones); people read them top to bottom, as a compiler prints
 * them.  Each line is "NAME:LINE:COL: ..." with NAME namelen bytes long.
 */
static void
sort_errors(struct buf *errs, const char *name)
{
	size_t namelen = strlen(name);
	struct errline *v = NULL;
	size_t n = 0, cap = 0;
	struct buf out = BUF_INIT;

	for (const char *p = errs->s; *p; ) {
		size_t len = strcspn(p, "\n");
		struct errline e = { p, len, 0, 0, n };
		/* An included file's errors follow the plan's, as found. */
		if (strncmp(p, name, namelen) != 0 || p[namelen] != ':')
			e.line = (size_t)-1;
		else if (len > namelen + 1) {
			char *end;
			e.line = strtoul(p + namelen + 1, &end, 10);
			if (*end == ':')
				e.col = strtoul(end + 1, NULL, 10);
		}
		ARR_PUSH(v, n, cap, e);
		p += len;
		if (*p == '\n')
			p++;
	}
	qsort(v, n, sizeof(*v), errline_cmp);
	for (size_t i = 0; i < n; i++) {
		buf_add(&out, v[i].s, v[i].len);
		buf_addc(&out, '\n');
	}
	free(v);
	buf_release(errs);
	*errs = out;
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

struct plan *
plan_load_mem(const char *name, const char *data, size_t len, char **errors)
{
	return plan_load_mem_flags(name, data, len, 0, errors);
}

struct plan *
plan_load_mem_flags(const char *name, const char *data, size_t len,
    unsigned flags, char **errors)
{
	struct plan *p = xcalloc(1, sizeof(*p));
	struct pctx cx = { .file = name, .plan = p, .flags = flags };
	yaml_parser_t parser;
	yaml_document_t doc;
	bool have_doc = false;

	buf_init(&cx.errs, 0);
	buf_init(&cx.warns, 0);
	p->file = xstrdup(name);
	{
		char *tmp = xstrdup(name);
		p->dir = xstrdup(dirname(tmp));
		free(tmp);
	}
	sha256_hex(data, len, p->sha256);
	p->text = xmalloc(len + 1);
	memcpy(p->text, data, len);
	p->text[len] = '\0';
	p->textlen = len;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	struct yamldoc_err ye;
	if (yamldoc_load(&parser, &doc, YAMLDOC_MAX_DEPTH, &ye) != 0) {
		size_t at = ye.mark.index;
		if (ye.too_deep)
			buf_addf(&cx.errs, "%s:%zu:%zu: nested deeper than %d "
			    "levels; a plan needs a handful\n", name,
			    ye.mark.line + 1, ye.mark.column + 1,
			    YAMLDOC_MAX_DEPTH);
		/* libyaml's wording for the commonest mistake helps nobody. */
		else if (at < len && data[at] == '\t')
			buf_addf(&cx.errs, "%s:%zu:%zu: a tab character where YAML "
			    "expects spaces (indent with spaces)\n", name,
			    ye.mark.line + 1, ye.mark.column + 1);
		else
			buf_addf(&cx.errs, "%s:%zu:%zu: %s%s%s\n", name,
			    ye.mark.line + 1, ye.mark.column + 1, ye.problem,
			    ye.context ? " " : "",
			    ye.context ? ye.context : "");
		cx.nerrs++;
		yaml_parser_delete(&parser);
		goto done;
	}
	have_doc = true;
	yaml_parser_delete(&parser);
	plan_include(&doc, name, p->dir, &cx.inc, &cx.errs, &cx.nerrs);
	if (cx.inc.bytes.len) {
		/* The plan is its file and every file it includes. */
		struct buf all = BUF_INIT;
		buf_add(&all, data, len);
		buf_add(&all, cx.inc.bytes.s, cx.inc.bytes.len);
		sha256_hex(all.s, all.len, p->sha256);
		buf_release(&all);
	}
	cx.doc = &doc;

	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		buf_addf(&cx.errs, "%s:1:1: the plan is empty\n", name);
		cx.nerrs++;
		goto done;
	}
	if (!pn_is_map(root)) {
		pn_error(&cx, root, "a plan must be a map with cutover: 1, name, "
		    "checks, ...");
		goto done;
	}
	check_keys(&cx, root, top_keys, NULL, "plan");
	yaml_node_t *ver = pn_get(&cx, root, "cutover");
	if (ver == NULL)
		pn_error(&cx, root, "missing 'cutover: 1' (the plan format "
		    "version)");
	else if (!is_scalar(ver) || strcmp(scalar(ver), "1") != 0)
		pn_error(&cx, ver, "unsupported plan format version (this "
		    "cutover reads 'cutover: 1')");

	/* vars and secrets first: everything else may interpolate them. */
	load_vars(&cx, pn_get(&cx, root, "vars"));
	check_overrides(&cx, root, pn_get(&cx, root, "vars"));
	load_secrets(&cx, pn_get(&cx, root, "secrets"));
	p->name = pn_req_str(&cx, root, "name");
	if (p->name && !valid_id(p->name)) {
		pn_error(&cx, pn_get(&cx, root, "name"), "plan name '%s' may "
		    "contain only letters, digits, '.', '_' and '-' (it names "
		    "the journal file)", p->name);
	}
	p->description = pn_str(&cx, pn_get(&cx, root, "description"),
	    "description");
	load_targets(&cx, pn_get(&cx, root, "targets"));
	hosts_parse(&cx, pn_get(&cx, root, "hosts"));
	cx.on_plan = hosts_ref(&cx, pn_get(&cx, root, "on"), NULL);
	cx.on_phase = cx.on_plan;
	load_checks(&cx, pn_get(&cx, root, "checks"));
	load_risks(&cx, pn_get(&cx, root, "risks"));
	p->success = load_success(&cx, pn_get(&cx, root, "success"),
	    &p->nsuccess);
	/* Before the phases: their watches sample the procedures' rules. */
	procedure_parse(&cx, pn_get(&cx, root, "procedures"));
	load_phases(&cx, pn_get(&cx, root, "phases"));
	procedure_phases_check(&cx, pn_get(&cx, root, "procedures"));
	yaml_node_t *rbn = pn_get(&cx, root, "rollback");
	if (pn_is_map(rbn))	/* rollback: {max: 15m, steps: [...]} */
		rbn = procedure_rollback_map(&cx, rbn);
	p->rollback = load_steps(&cx, rbn, "rollback", &p->nrollback);
	check_refs(&cx, pn_get(&cx, root, "rollback_verify"), "rollback_verify",
	    &p->rollback_verify);
	finish_watch(&cx, root);
	alert_parse(&cx, pn_get(&cx, root, "alerts"));
	schedule_parse(&cx, root);

done:
	if (have_doc)
		yaml_document_delete(&doc);
	strlist_release(&cx.check_ids);
	free(cx.ids_sorted);
	strset_release(&cx.step_ids);
	strlist_release(&cx.bad_vars);
	strlist_release(&cx.unknown_vars);
	free(cx.unknown);
	free(cx.every_at);
	plan_include_release(&cx.inc);
	if (cx.warns.len && cx.nerrs == 0) {
		char *r = redact(cx.warns.s);
		if (flags & PLAN_WARNINGS_KEEP) {
			p->warnings = r;
		} else {
			fputs(r, stderr);
			free(r);
		}
	}
	buf_release(&cx.warns);
	if (cx.nerrs) {
		sort_errors(&cx.errs, name);
		*errors = redact(cx.errs.s);
		buf_release(&cx.errs);
		plan_free(p);
		return NULL;
	}
	buf_release(&cx.errs);
	*errors = NULL;
	return p;
}

struct plan *
plan_load(const char *path, char **errors)
{
	return plan_load_flags(path, 0, errors);
}

struct plan *
plan_load_flags(const char *path, unsigned flags, char **errors)
{
	struct buf data = BUF_INIT;
	char chunk[65536];
	int fd;
	ssize_t n;
	struct stat st;

	/*
	 * "-" is standard input, whatever it is (a pipe, a here-document);
	 * errors then name "<stdin>" as the file.
	 */
	if (strcmp(path, "-") == 0) {
		buf_init(&data, PLAN_MAX_BYTES + 1);
		while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0 &&
		    !data.truncated)
			buf_add(&data, chunk, (size_t)n);
		path = "<stdin>";
		goto loaded;
	}
	/* O_NONBLOCK: a FIFO's open() would wait for a writer forever. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		*errors = xasprintf("%s: cannot open plan: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		*errors = xasprintf("%s: is a directory, not a plan file\n", path);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		*errors = xasprintf("%s: is %s, not a plan file\n", path,
		    S_ISFIFO(st.st_mode) ? "a FIFO" : "not a regular file");
		return NULL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	buf_init(&data, PLAN_MAX_BYTES + 1);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && !data.truncated)
		buf_add(&data, chunk, (size_t)n);
	int saved = errno;
	close(fd);
	errno = saved;
loaded:
	if (n < 0) {
		*errors = xasprintf("%s: cannot read plan: %s\n", path,
		    strerror(errno));
		buf_release(&data);
		return NULL;
	}
	if (data.truncated || data.len > PLAN_MAX_BYTES) {
		*errors = xasprintf("%s: plan is larger than %u MiB\n", path,
		    PLAN_MAX_BYTES >> 20);
		buf_release(&data);
		return NULL;
	}
	struct plan *p = plan_load_mem_flags(path, data.s, data.len, flags,
	    errors);
	buf_release(&data);
	return p;
}

static void
command_release(struct command *c)
{
	strlist_release(&c->argv);
	free(c->shell);
}

static void
steps_free(struct step *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].id);
		free(s[i].title);
		free(s[i].description);
		command_release(&s[i].cmd);
		command_release(&s[i].undo);
		for (size_t j = 0; j < s[i].nenv; j++) {
			free(s[i].env[j].key);
			free(s[i].env[j].value);
		}
		free(s[i].env);
		free(s[i].cwd);
	}
	free(s);
}

void
pn_steps_free(struct step *s, size_t n)
{
	steps_free(s, n);
}

static void
success_free(struct success_rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].check);
		cmp_free(&r[i].target.cmp);
	}
	free(r);
}

void
plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	schedule_free(p);
	free(p->file);
	free(p->dir);
	free(p->text);
	strlist_release(&p->env_read);
	hosts_free(p->hosts, p->nhosts);
	free(p->warnings);
	free(p->name);
	free(p->description);
	for (size_t i = 0; i < p->nvars; i++) {
		free(p->vars[i].key);
		free(p->vars[i].value);
	}
	free(p->vars);
	strlist_release(&p->secrets);
	strlist_release(&p->env_unset);
	for (size_t i = 0; i < p->ntargets; i++) {
		free(p->targets[i]->id);
		url_free(&p->targets[i]->url);
		free(p->targets[i]);
	}
	free(p->targets);
	for (size_t i = 0; i < p->nchecks; i++)
		check_free(&p->checks[i]);
	free(p->checks);
	free(p->check_order);
	for (size_t i = 0; i < p->nrisks; i++) {
		struct risk *r = &p->risks[i];
		free(r->id);
		free(r->title);
		free(r->description);
		free(r->impact);
		free(r->recovery);
		free(r->owner);
		strlist_release(&r->causes);
		strlist_release(&r->mitigated_by);
	}
	free(p->risks);
	for (size_t i = 0; i < p->nphases; i++) {
		struct phase *ph = &p->phases[i];
		free(ph->id);
		free(ph->title);
		free(ph->description);
		strlist_release(&ph->checks);
		strlist_release(&ph->gate);
		steps_free(ph->steps, ph->nsteps);
		for (size_t j = 0; j < ph->nrollback_if; j++) {
			free(ph->rollback_if[j].check);
			cmp_free(&ph->rollback_if[j].value.cmp);
		}
		free(ph->rollback_if);
		success_free(ph->success, ph->nsuccess);
		strlist_release(&ph->watch_checks);
	}
	free(p->phases);
	steps_free(p->rollback, p->nrollback);
	strlist_release(&p->rollback_verify);
	success_free(p->success, p->nsuccess);
	alert_channels_free(p);
	procedure_free_all(p);
	free(p);
}

const struct target *
plan_target(const struct plan *p, const char *id)
{
	for (size_t i = 0; i < p->ntargets; i++)
		if (strcmp(p->targets[i]->id, id) == 0)
			return p->targets[i];
	return NULL;
}

struct check *
plan_check(const struct plan *p, const char *id)
{
	size_t lo = 0, hi = p->check_order ? p->nchecks : 0;

	for (size_t i = 0; p->check_order == NULL && i < p->nchecks; i++)
		if (strcmp(p->checks[i].id, id) == 0)
			return &p->checks[i];	/* while loading */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->checks[p->check_order[mid]].id, id);
		if (c == 0)
			return &p->checks[p->check_order[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct phase *
plan_phase(const struct plan *p, const char *id)
{
	for (size_t i = 0; i < p->nphases; i++)
		if (strcmp(p->phases[i].id, id) == 0)
			return &p->phases[i];
	return NULL;
}

const char *
risk_level_name(enum risk_level l)
{
	static const char *const n[] = { "low", "medium", "high", "critical" };
	return n[l];
}
