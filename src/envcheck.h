/*
 * envcheck.h - what `cutover env check` and `env diff` find in .env
 * files, shared with the `env` and `env-drift` check kinds.
 *
 * Values are never put in a finding: messages name the key, the line,
 * lengths and reasons only, so every output is safe to paste.
 */
#ifndef CUTOVER_ENVCHECK_H
#define CUTOVER_ENVCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/dotenv.h"
#include "lib/util.h"

enum env_sev { ENV_INFO, ENV_WARN, ENV_FAIL };

struct env_finding {
	enum env_sev	 sev;
	int		 line;		/* 0: about the file or a missing key */
	char		*key;		/* NULL: about the file */
	const char	*code;		/* "weak-secret", "placeholder", ... */
	char		*msg;
};

struct env_findings {
	struct env_finding *v;
	size_t		 n, cap;
	size_t		 nfail, nwarn;
};

/* A per-key rule of a schema file. */
struct env_rule {
	char		*key;
	bool		 required;
	bool		 secret;
	long		 min_length;	/* 0: default */
	char		*pattern;	/* PCRE2, anchored by the writer */
	void		*re;		/* compiled pattern */
	struct strlist	 values;	/* allowed values, when non-empty */
	int		 line;
};

/*
 * A schema (YAML):
 *   production: true          # debug flags fail
 *   require: [APP_KEY, DB_PASSWORD]
 *   secrets: [STRIPE_WEBHOOK] # secret even though the name does not say
 *   keys:
 *     DB_PORT: { pattern: "^[0-9]+$" }
 *     APP_URL: { required: true, pattern: "^https://" }
 *     MAIL_MAILER: { values: [smtp, ses] }
 *     SESSION_SECRET: { min_length: 64 }
 */
struct env_schema {
	char		*file;
	int		 production;	/* -1 unset, 0, 1 */
	struct strlist	 require;
	struct strlist	 secrets;
	struct env_rule	*rules;
	size_t		 nrules;
};

/* Returns 0, or -1 with "FILE:LINE: message" in *errp. */
int	 env_schema_load(const char *path, struct env_schema *s, char **errp);
void	 env_schema_release(struct env_schema *s);

#define ENV_MIN_SECRET_LEN	32	/* the seeds: "32+ chars" */

struct env_check_opts {
	const struct strlist *require;	/* may be NULL */
	const struct env_schema *schema; /* may be NULL */
	int		 production;	/* -1: schema, then APP_ENV & co */
	const char	*path;		/* for the mode check; NULL: skip */
	bool		 expanded;	/* dotenv_expand ran on the file */
	/* Files named before this one (env check A B): a key already set
	 * there is a warning.  May be NULL. */
	const struct env_file *earlier;
	size_t		 nearlier;
};

void	 env_check(const struct env_file *f, const struct env_check_opts *o,
	    struct env_findings *out);

/*
 * Register with redact() the values of f that are secrets: those of keys
 * that look secret or that the schema (may be NULL) names, and passwords
 * inside URL values; 8 characters or more (masking every "root" in every
 * message would hide nothing and garble the output).
 */
void	 env_redact_file(const struct env_file *f,
	    const struct env_schema *schema);
/*
 * The same for the file at path, as written and, with expand, expanded.
 * For plan load time: every env file a plan names is masked before any
 * step can print it.  A file that cannot be read or parsed is skipped
 * (its check reports that when it runs).
 */
void	 env_redact_path(const char *path, const struct env_schema *schema,
	    bool expand);
void	 env_findings_release(struct env_findings *fs);
/* Append a finding (code: a static string; msg never holds a value). */
void	 env_finding_add(struct env_findings *fs, enum env_sev sev, int line,
	    const char *key, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
const char *env_sev_name(enum env_sev s);

/* ENV_ABSENT: an expected key that is in neither file. */
enum env_change { ENV_ADDED, ENV_REMOVED, ENV_CHANGED, ENV_UNCHANGED,
	ENV_ABSENT, ENV_NCHANGES };

struct env_diff_row {
	char		*key;
	enum env_change	 change;
	size_t		 oldlen, newlen;
	bool		 problem;	/* fails the diff */
	const char	*note;		/* why it is a problem, or NULL */
};

/*
 * Compare old and new, keys sorted.  With expect (may be NULL), a listed
 * key that did not change is a problem and so is any unlisted change
 * (drift); without it, every difference is one.  Returns the number of
 * problems; rows in *rows (release with env_diff_release).
 */
size_t	 env_diff(const struct env_file *old, const struct env_file *new_,
	    const struct strlist *expect, struct env_diff_row **rows,
	    size_t *nrows);
void	 env_diff_release(struct env_diff_row *rows, size_t n);
const char *env_change_name(enum env_change c);

/*
 * Across files, values never shown (not even their lengths): key of f
 * has the value of okey of other ("same-as": equal, or a failing
 * "differs"; a key missing on either side fails), and f's key set is
 * tmpl's ("template": each missing key and each extra key fails, named).
 * Findings are appended to out.
 */
void	 env_same_as(const struct env_file *f, const char *key,
	    const struct env_file *other, const char *okey,
	    struct env_findings *out);
void	 env_template(const struct env_file *f, const struct env_file *tmpl,
	    struct env_findings *out);

/*
 * Across hosts, values never sent: each side computes HMAC-SHA-256 of a
 * key's value under a key made once per process by the comparing side
 * (env_fp_key: 32 random bytes, as 64 hex digits, sent to a host only
 * inside its SSH channel, never written), and the comparing side compares
 * the two.  A fingerprint is useless without that key, which dies with
 * the process.
 */
#define ENV_FP_HEX	64
/* This process's key, hex (made on first use). */
const char *env_fp_key(void);
/* key's fingerprint in f under mac_hex into out: true, or false if absent. */
bool	 env_fingerprint(const struct env_file *f, const char *key,
	    const char *mac_hex, char out[ENV_FP_HEX + 1]);
/*
 * The file at path (expanded with expand): "KEY=HEX" in *out for each of
 * keys it has.  0, or -1 with "FILE:LINE:COL: ..." (never a value).
 */
int	 env_fingerprints(const char *path, bool expand,
	    const struct strlist *keys, const char *mac_hex,
	    struct strlist *out, char **errp);

#endif
