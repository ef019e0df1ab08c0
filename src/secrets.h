/*
 * secrets.h - finds credentials committed to files.
 *
 * Each rule has an id, a PCRE2 regex (compiled once, JIT), the capture
 * group that holds the secret itself, and a minimum entropy for that
 * secret.  A match whose secret is a placeholder ("<password>", "${VAR}",
 * REPLACE_ME, an AWS documentation key) is not a finding.  The generic
 * rules (password=..., secret: ...) give way to a specific rule that
 * matched the same bytes.
 *
 * Findings carry the match with the secret masked (never the secret) and
 * a fingerprint: the first 16 hex digits of SHA-256 over the rule id and
 * the secret.  An allowlist file of fingerprints accepts known findings;
 * the fingerprint survives the line moving or the file being renamed.
 */
#ifndef CUTOVER_SECRETS_H
#define CUTOVER_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

struct secret_rule {
	const char	*id;
	const char	*title;		/* one line, for --rules and SARIF */
	const char	*regex;
	int		 group;		/* capture holding the secret; 0: all */
	double		 min_entropy;	/* bits per character of the secret */
	bool		 generic;	/* yields to a specific rule's match */
	int		 reveal;	/* leading bytes shown: a type prefix */
	const char	*literal;	/* in every match, which is one line */
};

/* The built-in rules, NULL-id terminated. */
extern const struct secret_rule secret_rules[];

struct finding {
	char		*file;
	int		 line, col;	/* 1-based; col in bytes */
	const struct secret_rule *rule;
	char		*match;		/* the line's match, secret masked */
	char		 fingerprint[17];
	size_t		 off, end;	/* byte span of the secret in the file */
};

struct findings {
	struct finding	*v;
	size_t		 n, cap;
	size_t		 nfiles;	/* files scanned */
	size_t		 nallowed;	/* findings the allowlist accepted */
	size_t		 nskipped;	/* files left unscanned at the deadline */
	unsigned long long bytes;
};

struct scan_opts {
	const struct strlist *exclude;	/* .gitignore-style patterns */
	const char	*allowlist;	/* file of fingerprints, or NULL */
	int		 jobs;		/* threads; 0: one per CPU */
	int64_t		 deadline_us;	/* monotonic; 0: none */
};

struct scanner;

/* Compile the rules and read the allowlist; NULL with *errp on error. */
struct scanner *scanner_new(const struct scan_opts *o, char **errp);
/*
 * Scan paths (files, directories walked sorted, "-" for stdin).  Skips
 * .git/, binary files and excluded paths.  Findings in path order, then
 * line and column.  Returns 0, or -1 with *errp when a path is missing.
 */
int	 scanner_scan(struct scanner *s, char *const *paths, size_t n,
	    struct findings *out, char **errp);
/* Scan one buffer under a name (tests and the fuzzer use this). */
void	 scanner_scan_buffer(struct scanner *s, const char *name,
	    const char *data, size_t len, struct findings *out);
void	 scanner_free(struct scanner *s);
void	 findings_release(struct findings *fs);

/* Does path (relative to the scan root) match an exclude pattern? */
bool	 scan_excluded(const struct strlist *patterns, const char *relpath,
	    bool is_dir);

#endif
