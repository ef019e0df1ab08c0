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
#include <stdio.h>

#include "lib/util.h"

struct rule_extra;

struct secret_rule {
	const char	*id;
	const char	*title;		/* one line, for --rules and SARIF */
	const char	*regex;
	int		 group;		/* capture holding the secret; 0: all */
	double		 min_entropy;	/* bits per character of the secret */
	bool		 generic;	/* yields to a specific rule's match */
	int		 reveal;	/* leading bytes shown: a type prefix */
	const char	*literal;	/* in every match, which is one line */
	const struct rule_extra *extra;	/* a rules file's: keywords, allowlist */
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
	char		*commit;	/* --git: the commit (hex) that added it */
};

/* A path not scanned, and why ("cannot read: Permission denied"). */
struct scan_skip {
	char		*path;
	char		*why;
	bool		 error;		/* could not read: fails the scan */
};

struct findings {
	struct finding	*v;
	size_t		 n, cap;
	struct scan_skip *skips;	/* in path order */
	size_t		 nskips, capskips;
	size_t		 nerrors;	/* skips that are errors */
	size_t		 nfiles;	/* files scanned */
	size_t		 nallowed;	/* findings the allowlist accepted */
	size_t		 nskipped;	/* files left unscanned at the deadline */
	size_t		 nbinary;	/* binary files, not scanned */
	size_t		 ncommits;	/* --git: commits walked */
	unsigned long long bytes;
};

struct scan_opts {
	const struct strlist *exclude;	/* .gitignore-style patterns */
	const char	*allowlist;	/* file of fingerprints, or NULL */
	int		 jobs;		/* threads; 0: one per CPU */
	int64_t		 deadline_us;	/* monotonic; 0: none */
	const char	*rules;		/* a rules file (YAML), or NULL */
};

/*
 * A rules file (secrets_rules.c), YAML:
 *
 *   use_default: true        # false: only the rules below
 *   rules:
 *     - id: acme-api-key
 *       description: ACME API key
 *       regex: 'acme_([a-z0-9]{32})'
 *       secret_group: 1        # default: 1 if the regex has a group
 *       entropy: 3.0           # minimum bits per character; default 0
 *       keywords: [acme_]      # run only on files (4 MiB windows) holding one
 *       allowlist: { regexes: [...], regex_target: secret|match|line,
 *                    paths: [...] }
 *   allowlist: { ... }         # for every rule, built-in ones too
 *
 * Errors are FILE:LINE:COL: message.  Regexes are PCRE2, bounded as the
 * built-in rules are: a match of at most SCAN_MATCH_MAX bytes.
 */
struct rules_file {
	bool		 use_default;
	struct secret_rule *v;		/* .extra set on each */
	size_t		 n;
	struct rule_extra *global;	/* the top-level allowlist, or NULL */
};

int	 rules_file_parse(const char *name, const char *data, size_t len,
	    struct rules_file *rf, char **errp);
int	 rules_file_load(const char *path, struct rules_file *rf, char **errp);
void	 rules_file_release(struct rules_file *rf);
/* Does the window hold one of the rule's keywords (or has it none)? */
bool	 rule_extra_wanted(const struct rule_extra *x, const char *data,
	    size_t len);
/* Does a path regex of the allowlist match path? (x may be NULL) */
bool	 rule_extra_path_allowed(const struct rule_extra *x, const char *path);
/* Does a regex of the allowlist match its target? (x may be NULL) */
bool	 rule_extra_allowed(const struct rule_extra *x, const char *secret,
	    size_t sn, const char *match, size_t mn, const char *line,
	    size_t ln);

/*
 * Files are read SCAN_WINDOW bytes at a time; consecutive windows overlap
 * by 2 * SCAN_MATCH_MAX so that a match across a window edge is seen
 * whole.  Every rule's match is bounded (its quantifiers have upper
 * limits) to at most SCAN_MATCH_MAX bytes.
 */
#define SCAN_WINDOW	(4 * 1024 * 1024)
#define SCAN_MATCH_MAX	(64 * 1024)

struct scanner;

/* Compile the rules and read the allowlist; NULL with *errp on error. */
struct scanner *scanner_new(const struct scan_opts *o, char **errp);
/*
 * Scan paths (files, directories walked sorted, "-" for stdin).  Skips
 * .git/, binary files and excluded paths silently; symbolic links found
 * in a walk are not followed.  Every other path not scanned is listed in
 * out->skips with the reason: special files (FIFOs, sockets, devices;
 * never opened in a way that blocks) and, counted in out->nerrors, paths
 * that could not be read (a directory or file without permission, a
 * read error).  Directories are walked to any depth.  Files are read in
 * bounded windows (SCAN_WINDOW), whatever their size.  Findings in path
 * order, then line and column.  Returns 0, or -1 with *errp when a path
 * is missing.
 */
int	 scanner_scan(struct scanner *s, char *const *paths, size_t n,
	    struct findings *out, char **errp);
/* Scan one buffer under a name (tests and the fuzzer use this). */
void	 scanner_scan_buffer(struct scanner *s, const char *name,
	    const char *data, size_t len, struct findings *out);
/*
 * Scan the history of the git repository at path (or containing it):
 * every commit reachable from any reference or HEAD, each changed file
 * of each commit, each distinct blob once; a finding once per (path,
 * fingerprint) with the oldest commit that has it.  Paths matching
 * exclude are left out.  Findings carry .commit; blobs over 64 MiB are
 * listed as skipped.  0, or -1 with *errp (not a repository, a corrupt
 * object).  secrets_git.c, over libgit2.
 */
int	 scanner_scan_git(struct scanner *s, const char *path,
	    const struct strlist *exclude, struct findings *out, char **errp);
void	 scanner_free(struct scanner *s);
/* The scanner's rules: the built-in ones (unless disabled), then a rules
 * file's. */
const struct secret_rule *const *scanner_rules(const struct scanner *s,
	    size_t *n);
void	 findings_release(struct findings *fs);


/* Does path (relative to the scan root) match an exclude pattern? */
bool	 scan_excluded(const struct strlist *patterns, const char *relpath,
	    bool is_dir);

#endif
