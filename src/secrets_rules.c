/*
 * secrets_rules.c - the rules file of `secrets scan --rules FILE`: custom
 * rules and allowlists, in YAML (see secrets.h for the shape).
 *
 * Every regex is compiled with PCRE2 as the built-in rules are, and must
 * be bounded like them: the scanner reads files in windows that overlap
 * by 2 * SCAN_MATCH_MAX, so a match longer than SCAN_MATCH_MAX could be
 * missed at a window edge.  regex_bound() computes an upper bound of the
 * match length from the pattern text; unbounded quantifiers (*, +, {n,})
 * and back-references or recursion (whose length the text does not say)
 * are refused.  The file is bounded too: 1 MiB, 256 rules, 4096 regexes
 * and keywords in all (aliases share nodes, so the count is of what is
 * walked, not of what is written).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "lib/yamldoc.h"
#include "secrets.h"

#define RULES_FILE_MAX	(1024 * 1024)
#define RULES_MAX	256
#define ITEMS_MAX	4096		/* regexes, paths and keywords in all */
#define REGEX_TEXT_MAX	4096

enum target { T_SECRET, T_MATCH, T_LINE };

struct rule_extra {
	pcre2_code	*keywords;	/* any of them, case-insensitive */
	pcre2_code	**regexes;	/* allowlist on the target */
	size_t		 nregexes;
	enum target	 target;
	pcre2_code	**paths;	/* allowlist on the file's path */
	size_t		 npaths;
};

struct parse {
	const char	*file;
	yaml_document_t	*d;
	size_t		 items;		/* walked so far, against ITEMS_MAX */
	char		*err;
};

/* ---- the bound of a regex's match ------------------------------------- */

#define BIG	((uint64_t)1 << 40)	/* saturates: "too long" */

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a + b > BIG ? BIG : a + b;
}

static uint64_t
sat_mul(uint64_t a, uint64_t b)
{
	return b && a > BIG / b ? BIG : a * b;
}

/* Skip a {...} argument of an escape (\x{41}, \p{L}); i at the '{'. */
static size_t
skip_brace(const char *re, size_t i)
{
	const char *c = strchr(re + i, '}');

	return c ? (size_t)(c - re) + 1 : strlen(re);
}

/*
 * An upper bound, in bytes, of what re can match (without UTF mode one
 * character is one byte; \R is two).  Conservative: assertions and
 * option settings count as a byte.  0 with *why set when there is none.
 */
static uint64_t
regex_bound(const char *re, const char **why)
{
	/* Per open group: the longest alternative so far, the current one. */
	uint64_t alt[64], cur[64], last = 0, prev = 0;
	int depth = 0;
	bool quant_ok = false, after_quant = false;
	size_t n = strlen(re);

	alt[0] = cur[0] = 0;
	*why = NULL;
	for (size_t i = 0; i < n; ) {
		char c = re[i];
		if (after_quant && (c == '?' || c == '+')) {
			i++;		/* lazy or possessive */
			after_quant = false;
			continue;
		}
		after_quant = false;
		if (c == '*' || c == '+') {
			*why = "has an unbounded repetition ('*' or '+'); "
			    "give an upper limit, as in {1,64}";
			return 0;
		}
		if (c == '?' || c == '{') {
			unsigned long lo = 0, hi = 1;
			size_t j = i + 1;
			bool q = c == '?';
			if (c == '{') {
				char *end;
				errno = 0;
				lo = strtoul(re + j, &end, 10);
				if (end > re + j && *end == '}') {
					hi = lo;
					q = true;
					j = (size_t)(end - re) + 1;
				} else if (end > re + j && *end == ',') {
					const char *h = end + 1;
					hi = strtoul(h, &end, 10);
					if (end == h && *end == '}') {
						*why = "has an unbounded repetition "
						    "('{n,}'); give an upper limit, "
						    "as in {1,64}";
						return 0;
					}
					if (end > h && *end == '}') {
						q = true;
						j = (size_t)(end - re) + 1;
					}
				}
				if (errno == ERANGE)
					hi = (unsigned long)BIG;
			}
			if (q) {
				if (!quant_ok) {
					*why = "has a repetition with nothing "
					    "to repeat";
					return 0;
				}
				/* No subtraction: saturated sums stay so. */
				cur[depth] = sat_add(prev, sat_mul(last, hi));
				i = j;
				quant_ok = false;
				after_quant = true;
				continue;
			}
			/* A '{' that is no quantifier is a literal. */
		}
		uint64_t atom = 1;
		if (c == '\\') {
			char e = re[i + 1];
			if (e == '\0') {
				*why = "ends with a backslash";
				return 0;
			}
			if ((e >= '1' && e <= '9') || e == 'g' || e == 'k') {
				*why = "has a back-reference, whose length "
				    "is not bounded by the pattern";
				return 0;
			}
			if (e == 'X') {
				*why = "has \\X, which is not bounded";
				return 0;
			}
			if (e == 'Q') {
				const char *q = strstr(re + i + 2, "\\E");
				size_t qe = q ? (size_t)(q - re) : n;
				atom = 1;
				prev = sat_add(cur[depth], qe > i + 2 ?
				    qe - (i + 2) - 1 : 0);
				cur[depth] = sat_add(cur[depth], qe - (i + 2));
				last = 1;
				quant_ok = qe > i + 2;
				i = q ? qe + 2 : n;
				continue;
			}
			i += 2;
			if (e == 'R')
				atom = 2;
			if ((e == 'x' || e == 'o' || e == 'p' || e == 'P' ||
			    e == 'N') && re[i] == '{')
				i = skip_brace(re, i);
			else if (e == 'x')
				for (int k = 0; k < 2 && strchr("0123456789abcdef"
				    "ABCDEF", re[i]) && re[i]; k++)
					i++;
			else if ((e == 'p' || e == 'P' || e == 'c') && re[i])
				i++;
			else if (e == '0')
				for (int k = 0; k < 2 && re[i] >= '0' &&
				    re[i] <= '7'; k++)
					i++;
		} else if (c == '[') {
			size_t j = i + 1;
			if (re[j] == '^')
				j++;
			if (re[j] == ']')
				j++;
			while (j < n && re[j] != ']') {
				if (re[j] == '\\' && re[j + 1] == 'Q') {
					/* \Q..\E: literal, ']' included. */
					const char *e = strstr(re + j + 2, "\\E");
					j = e ? (size_t)(e - re) + 2 : n;
				} else if (re[j] == '\\' && j + 1 < n)
					j += 2;
				else if (re[j] == '[' && re[j + 1] == ':') {
					const char *e = strstr(re + j + 2, ":]");
					j = e ? (size_t)(e - re) + 2 : n;
				} else
					j++;
			}
			if (j >= n) {
				*why = "has a '[' without its ']'";
				return 0;
			}
			i = j + 1;
		} else if (c == '(') {
			if (re[i + 1] == '?' && re[i + 2] == '#') {
				const char *e = strchr(re + i, ')');
				i = e ? (size_t)(e - re) + 1 : n;
				continue;
			}
			if (re[i + 1] == '*') {		/* (*VERB) */
				const char *e = strchr(re + i, ')');
				i = e ? (size_t)(e - re) + 1 : n;
				continue;
			}
			size_t j = i + 1;
			if (re[j] == '?') {
				j++;
				if ((strchr("R&+-0123456789", re[j]) && re[j] &&
				    !(re[j] == '-' && re[j + 1] >= 'a' &&
				    re[j + 1] <= 'z')) || (re[j] == 'P' &&
				    re[j + 1] == '>')) {
					*why = "has a recursion or subroutine "
					    "call, whose length is not bounded";
					return 0;
				}
				if (re[j] == '<' && (re[j + 1] == '=' ||
				    re[j + 1] == '!'))
					j += 2;		/* look-behind */
				else if (re[j] == '<' || re[j] == '\'' ||
				    (re[j] == 'P' && re[j + 1] == '<')) {
					/* A named group: to the name's end. */
					while (j < n && re[j] != '>' &&
					    (re[j] != '\'' || j == i + 2))
						j++;
					j = j < n ? j + 1 : n;
				} else {
					/* Options ((?i), (?i-s:), (?^)). */
					bool off = false;
					while (re[j] && (strchr("^-", re[j]) ||
					    (re[j] >= 'a' && re[j] <= 'z') ||
					    (re[j] >= 'A' && re[j] <= 'Z'))) {
						off |= re[j] == '-';
						/*
						 * Extended mode moves quantifiers
						 * and comments where this reading
						 * does not follow them.
						 */
						if (re[j] == 'x' && !off) {
							*why = "sets extended mode "
							    "((?x)), which is not "
							    "supported here";
							return 0;
						}
						j++;
					}
					if (re[j] && strchr(":=!>|", re[j]))
						j++;
				}
			}
			if (depth == 63) {
				*why = "nests groups too deep (63 at most)";
				return 0;
			}
			depth++;
			alt[depth] = cur[depth] = 0;
			i = j;
			quant_ok = false;
			continue;
		} else if (c == ')') {
			if (depth == 0) {
				*why = "has a ')' without its '('";
				return 0;
			}
			atom = alt[depth] > cur[depth] ? alt[depth] : cur[depth];
			depth--;
			i++;
		} else if (c == '|') {
			if (cur[depth] > alt[depth])
				alt[depth] = cur[depth];
			cur[depth] = 0;
			i++;
			quant_ok = false;
			continue;
		} else {
			i++;
		}
		prev = cur[depth];
		cur[depth] = sat_add(cur[depth], atom);
		last = atom;
		quant_ok = true;
	}
	if (depth != 0) {
		*why = "has a '(' without its ')'";
		return 0;
	}
	uint64_t b = alt[0] > cur[0] ? alt[0] : cur[0];
	/* (*UTF): a character is up to 4 bytes. */
	return strstr(re, "(*UTF") ? sat_mul(b, 4) : b;
}

/* ---- YAML --------------------------------------------------------------- */

static int
perr(struct parse *ps, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(struct parse *ps, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	if (ps->err)
		return -1;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	ps->err = xasprintf("%s:%d:%d: %s", ps->file,
	    n ? (int)n->start_mark.line + 1 : 1,
	    n ? (int)n->start_mark.column + 1 : 1, m);
	free(m);
	return -1;
}

static const char *
scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *
node(struct parse *ps, int id)
{
	return yaml_document_get_node(ps->d, id);
}

static int
count_item(struct parse *ps, const yaml_node_t *n)
{
	if (++ps->items > ITEMS_MAX)
		return perr(ps, n, "too many regexes, paths and keywords "
		    "(%d at most)", ITEMS_MAX);
	return 0;
}

/* Compile a user regex: bounded, valid; the message says which key. */
static pcre2_code *
compile(struct parse *ps, const yaml_node_t *n, const char *key,
    uint32_t flags)
{
	const char *re = scalar(n), *why;
	int ec;
	PCRE2_SIZE eo;

	if (re == NULL || *re == '\0') {
		perr(ps, n, "'%s' must be a non-empty string (a regex)", key);
		return NULL;
	}
	if (strlen(re) > REGEX_TEXT_MAX || n->data.scalar.length != strlen(re)) {
		perr(ps, n, "'%s': a regex of at most %d bytes, without NUL",
		    key, REGEX_TEXT_MAX);
		return NULL;
	}
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	    flags, &ec, &eo, NULL);
	if (c == NULL) {
		PCRE2_UCHAR m[160];
		pcre2_get_error_message(ec, m, sizeof(m));
		perr(ps, n, "'%s': %s at offset %zu", key, (char *)m, (size_t)eo);
		return NULL;
	}
	uint64_t b = regex_bound(re, &why);
	if (why || b > SCAN_MATCH_MAX) {
		pcre2_code_free(c);
		if (why)
			perr(ps, n, "'%s': the regex %s", key, why);
		else
			perr(ps, n, "'%s': the regex can match more than %d "
			    "bytes (64 KiB); lower its repetition limits",
			    key, SCAN_MATCH_MAX);
		return NULL;
	}
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	return c;
}

static int
check_keys(struct parse *ps, const yaml_node_t *map, const char *what,
    const char *const *allowed, size_t na)
{
	if (map->type != YAML_MAPPING_NODE)
		return perr(ps, map, "%s must be a map", what);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ps, p->key);
		const char *ks = scalar(k);
		bool ok = false;
		for (size_t i = 0; ks && i < na && !ok; i++)
			ok = strcmp(ks, allowed[i]) == 0;
		/*
		 * A key twice is an error, which also bounds the pairs
		 * walked to the allowed keys (an alias repeats a map).
		 */
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start;
		    ok && q < p; q++)
			if (strcmp(scalar(node(ps, q->key)), ks) == 0)
				return perr(ps, k, "'%s' is given twice in %s",
				    ks, what);
		if (ok)
			continue;
		if (ks == NULL)
			return perr(ps, k, "keys of %s are strings", what);
		/* The message stays one line: an odd key is not echoed. */
		bool odd = strlen(ks) > 64;
		for (const char *c = ks; *c && !odd; c++)
			odd = (unsigned char)*c < 0x20 || *c == 0x7f;
		if (odd)
			return perr(ps, k, "unknown key in %s", what);
		const char *near = nearest(ks, allowed, na);
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < na; i++)
			buf_addf(&b, "%s%s", i ? ", " : "", allowed[i]);
		int rc = near ? perr(ps, k, "unknown key '%s' in %s; did you "
		    "mean '%s'?", ks, what, near) : perr(ps, k, "unknown key "
		    "'%s' in %s (%s)", ks, what, b.s);
		buf_release(&b);
		return rc;
	}
	return 0;
}

static yaml_node_t *
get(struct parse *ps, const yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(ps, p->key));
		if (k && strcmp(k, key) == 0)
			return node(ps, p->value);
	}
	return NULL;
}

/* A list of regexes under key: compiled into *v. */
static int
regex_list(struct parse *ps, const yaml_node_t *seq, const char *key,
    pcre2_code ***v, size_t *nv)
{
	if (seq == NULL)
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return perr(ps, seq, "'%s' must be a list of regexes", key);
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		yaml_node_t *c = node(ps, *it);
		if (count_item(ps, c) != 0)
			return -1;
		pcre2_code *re = compile(ps, c, key, PCRE2_MULTILINE);
		if (re == NULL)
			return -1;
		*v = xreallocarray(*v, *nv + 1, sizeof(**v));
		(*v)[(*nv)++] = re;
	}
	return 0;
}

static void
extra_free(struct rule_extra *x)
{
	if (x == NULL)
		return;
	pcre2_code_free(x->keywords);
	for (size_t i = 0; i < x->nregexes; i++)
		pcre2_code_free(x->regexes[i]);
	free(x->regexes);
	for (size_t i = 0; i < x->npaths; i++)
		pcre2_code_free(x->paths[i]);
	free(x->paths);
	free(x);
}

static int
allowlist(struct parse *ps, const yaml_node_t *n, struct rule_extra *x)
{
	static const char *const keys[] = { "regexes", "regex_target",
		"paths", "description" };

	if (check_keys(ps, n, "'allowlist'", keys, 4) != 0)
		return -1;
	yaml_node_t *t = get(ps, n, "regex_target");
	if (t) {
		const char *ts = scalar(t);
		if (ts && strcmp(ts, "secret") == 0)
			x->target = T_SECRET;
		else if (ts && strcmp(ts, "match") == 0)
			x->target = T_MATCH;
		else if (ts && strcmp(ts, "line") == 0)
			x->target = T_LINE;
		else
			return perr(ps, t, "'regex_target' is secret, match or "
			    "line");
	}
	yaml_node_t *d = get(ps, n, "description");
	if (d && scalar(d) == NULL)
		return perr(ps, d, "'description' must be a string");
	if (regex_list(ps, get(ps, n, "regexes"), "regexes", &x->regexes,
	    &x->nregexes) != 0)
		return -1;
	return regex_list(ps, get(ps, n, "paths"), "paths", &x->paths,
	    &x->npaths);
}

/* The keywords as one case-insensitive alternation of literals. */
static int
keywords(struct parse *ps, const yaml_node_t *seq, struct rule_extra *x)
{
	struct buf b = BUF_INIT;
	int ec;
	PCRE2_SIZE eo;

	if (seq->type != YAML_SEQUENCE_NODE ||
	    seq->data.sequence.items.start == seq->data.sequence.items.top)
		return perr(ps, seq, "'keywords' must be a non-empty list of "
		    "strings");
	buf_adds(&b, "(?i)(?:");
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		yaml_node_t *c = node(ps, *it);
		const char *k = scalar(c);
		if (count_item(ps, c) != 0) {
			buf_release(&b);
			return -1;
		}
		if (k == NULL || *k == '\0' || strlen(k) > 256 ||
		    c->data.scalar.length != strlen(k)) {
			buf_release(&b);
			return perr(ps, c, "a keyword is a string of 1 to 256 "
			    "bytes");
		}
		if (it > seq->data.sequence.items.start)
			buf_addc(&b, '|');
		/* Every byte but letters and digits escaped: a literal. */
		for (const char *p = k; *p; p++) {
			unsigned char u = (unsigned char)*p;
			if (u < 0x20)
				buf_addf(&b, "\\x{%02x}", u);
			else {
				if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <=
				    'Z') || (u >= '0' && u <= '9') || u >= 0x80))
					buf_addc(&b, '\\');
				buf_addc(&b, (char)u);
			}
		}
	}
	buf_addc(&b, ')');
	x->keywords = pcre2_compile((PCRE2_SPTR)b.s, b.len, 0, &ec, &eo, NULL);
	buf_release(&b);
	if (x->keywords == NULL)
		return perr(ps, seq, "'keywords' cannot be used");
	pcre2_jit_compile(x->keywords, PCRE2_JIT_COMPLETE);
	return 0;
}

static int
rule(struct parse *ps, const yaml_node_t *n, struct secret_rule *r,
    struct rules_file *rf)
{
	static const char *const keys[] = { "id", "description", "regex",
		"secret_group", "entropy", "keywords", "allowlist" };
	pcre2_code *re;
	uint32_t ncap = 0;

	if (check_keys(ps, n, "a rule", keys, 7) != 0)
		return -1;
	yaml_node_t *id = get(ps, n, "id"), *rx = get(ps, n, "regex");
	const char *ids = scalar(id);
	if (id == NULL || rx == NULL)
		return perr(ps, n, "a rule needs 'id' and 'regex'");
	if (ids == NULL || *ids == '\0' || strlen(ids) > 64 ||
	    strspn(ids, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.") != strlen(ids))
		return perr(ps, id, "'id' is 1 to 64 letters, digits, '-', '_' "
		    "or '.'");
	for (size_t i = 0; i < rf->n; i++)
		if (strcmp(rf->v[i].id, ids) == 0)
			return perr(ps, id, "rule '%s' is defined twice", ids);
	for (size_t i = 0; rf->use_default && secret_rules[i].id; i++)
		if (strcmp(secret_rules[i].id, ids) == 0)
			return perr(ps, id, "'%s' is a built-in rule's id; "
			    "pick another (or set use_default: false)", ids);
	if (count_item(ps, rx) != 0 ||
	    (re = compile(ps, rx, "regex", PCRE2_MULTILINE)) == NULL)
		return -1;
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	pcre2_code_free(re);
	struct rule_extra *x = xcalloc(1, sizeof(*x));
	r->extra = x;
	r->id = xstrdup(ids);
	r->regex = xstrdup(scalar(rx));
	yaml_node_t *d = get(ps, n, "description");
	if (d && scalar(d) == NULL)
		return perr(ps, d, "'description' must be a string");
	r->title = xstrdup(d ? scalar(d) : ids);
	yaml_node_t *g = get(ps, n, "secret_group");
	if (g) {
		long long v;
		char *e = NULL;
		if (scalar(g) == NULL || parse_int(scalar(g), 0, 99, &v,
		    &e) != 0) {
			free(e);
			return perr(ps, g, "'secret_group' is a number from 0 "
			    "(the whole match) to 99");
		}
		if (v > (long long)ncap)
			return perr(ps, g, "'secret_group' is %lld but the regex "
			    "has %u capture group%s", v, ncap, ncap == 1 ? "" :
			    "s");
		r->group = (int)v;
	} else {
		/* gitleaks' default: the first group if there is one. */
		r->group = ncap > 0 ? 1 : 0;
	}
	yaml_node_t *en = get(ps, n, "entropy");
	if (en) {
		const char *es = scalar(en);
		char *end;
		double v = es ? strtod(es, &end) : -1;
		if (es == NULL || end == es || *end || !(v >= 0 && v <= 8))
			return perr(ps, en, "'entropy' is a number of bits per "
			    "character, 0 to 8");
		r->min_entropy = v;
	}
	yaml_node_t *kw = get(ps, n, "keywords");
	if (kw && keywords(ps, kw, x) != 0)
		return -1;
	yaml_node_t *al = get(ps, n, "allowlist");
	if (al && allowlist(ps, al, x) != 0)
		return -1;
	return 0;
}

static void
rule_release(struct secret_rule *r)
{
	free((char *)r->id);
	free((char *)r->title);
	free((char *)r->regex);
	extra_free((struct rule_extra *)r->extra);
}

static int
walk_root(struct parse *ps, yaml_node_t *root, struct rules_file *rf)
{
	static const char *const keys[] = { "use_default", "rules",
		"allowlist" };

	if (root == NULL)
		return perr(ps, NULL, "empty rules file; expected 'rules:' "
		    "and/or 'allowlist:'");
	if (check_keys(ps, root, "the rules file", keys, 3) != 0)
		return -1;
	yaml_node_t *ud = get(ps, root, "use_default");
	if (ud) {
		const char *v = scalar(ud);
		if (v && strcmp(v, "true") == 0)
			rf->use_default = true;
		else if (v && strcmp(v, "false") == 0)
			rf->use_default = false;
		else
			return perr(ps, ud, "'use_default' is true or false");
	}
	yaml_node_t *al = get(ps, root, "allowlist");
	if (al) {
		rf->global = xcalloc(1, sizeof(*rf->global));
		if (allowlist(ps, al, rf->global) != 0)
			return -1;
	}
	yaml_node_t *rs = get(ps, root, "rules");
	if (rs == NULL)
		return 0;
	if (rs->type != YAML_SEQUENCE_NODE)
		return perr(ps, rs, "'rules' must be a list of rules");
	for (yaml_node_item_t *it = rs->data.sequence.items.start;
	    it < rs->data.sequence.items.top; it++) {
		if (rf->n == RULES_MAX)
			return perr(ps, node(ps, *it), "too many rules (%d at "
			    "most)", RULES_MAX);
		rf->v = xreallocarray(rf->v, rf->n + 1, sizeof(*rf->v));
		memset(&rf->v[rf->n], 0, sizeof(*rf->v));
		int rc = rule(ps, node(ps, *it), &rf->v[rf->n], rf);
		rf->n++;	/* released with the rest, even half-made */
		if (rc != 0)
			return -1;
	}
	return 0;
}

int
rules_file_parse(const char *name, const char *data, size_t len,
    struct rules_file *rf, char **errp)
{
	yaml_parser_t p;
	yaml_document_t d;
	struct parse ps = { .file = name, .d = &d };

	memset(rf, 0, sizeof(*rf));
	rf->use_default = true;
	if (len > RULES_FILE_MAX)
		return seterr(errp, "%s:1:1: a rules file is at most 1 MiB",
		    name);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	struct yamldoc_err ye;
	if (yamldoc_load(&p, &d, YAMLDOC_MAX_DEPTH, &ye) != 0) {
		int rc = seterr(errp, "%s:%d:%d: %s", name,
		    (int)ye.mark.line + 1, (int)ye.mark.column + 1,
		    ye.too_deep ? "nested too deep for a rules file" :
		    ye.problem);
		yaml_parser_delete(&p);
		return rc;
	}
	walk_root(&ps, yaml_document_get_root_node(&d), rf);
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
	if (ps.err) {
		rules_file_release(rf);
		*errp = ps.err;
		return -1;
	}
	return 0;
}

int
rules_file_load(const char *path, struct rules_file *rf, char **errp)
{
	FILE *f = fopen_regular(path, "a rules file", errp);
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	memset(rf, 0, sizeof(*rf));
	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	    b.len <= RULES_FILE_MAX)
		buf_add(&b, chunk, n);
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		buf_release(&b);
		return seterr(errp, "%s: read error", path);
	}
	int rc = rules_file_parse(path, b.s ? b.s : "", b.len, rf, errp);
	buf_release(&b);
	return rc;
}

void
rules_file_release(struct rules_file *rf)
{
	for (size_t i = 0; i < rf->n; i++)
		rule_release(&rf->v[i]);
	free(rf->v);
	extra_free(rf->global);
	memset(rf, 0, sizeof(*rf));
}

/* ---- use while scanning -------------------------------------------------- */

static bool
any_match(pcre2_code *const *v, size_t n, const char *s, size_t len)
{
	if (n == 0)
		return false;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	bool hit = false;
	for (size_t i = 0; i < n && !hit; i++)
		hit = pcre2_match(v[i], (PCRE2_SPTR)s, len, 0, 0, md, NULL) >= 0;
	pcre2_match_data_free(md);
	return hit;
}

bool
rule_extra_wanted(const struct rule_extra *x, const char *data, size_t len)
{
	if (x == NULL || x->keywords == NULL)
		return true;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	bool hit = pcre2_match(x->keywords, (PCRE2_SPTR)data, len, 0, 0, md,
	    NULL) >= 0;
	pcre2_match_data_free(md);
	return hit;
}

bool
rule_extra_path_allowed(const struct rule_extra *x, const char *path)
{
	return x && any_match(x->paths, x->npaths, path, strlen(path));
}

bool
rule_extra_allowed(const struct rule_extra *x, const char *secret, size_t sn,
    const char *match, size_t mn, const char *line, size_t ln)
{
	if (x == NULL)
		return false;
	return x->target == T_SECRET ? any_match(x->regexes, x->nregexes,
	    secret, sn) : x->target == T_MATCH ? any_match(x->regexes,
	    x->nregexes, match, mn) : any_match(x->regexes, x->nregexes, line,
	    ln);
}
