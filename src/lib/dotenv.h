/*
 * dotenv.h - a parser for what real .env files contain.
 *
 *   # comments, blank lines           export KEY=value
 *   KEY=unquoted value # comment      KEY='single: no escapes, $NOT_A_REF'
 *   KEY="double: \n \t \" \\ \$ escapes, ${REF} references"
 *   KEY="multi-line
 *   values"                           KEY=   (empty)
 *
 * CRLF line ends and a UTF-8 byte-order mark are accepted.  `${OTHER}`,
 * `${OTHER:-default}` and `$OTHER` in unquoted and double-quoted values
 * are recorded as references and left as written (not expanded): the
 * caller reports them.  Anything else is an error "FILE:LINE:COL: message"
 * that names the key when there is one and never quotes the line: a
 * malformed line may be the middle of a private key.
 *
 * Ownership: the file owns every string in it; dotenv_release frees them.
 */
#ifndef CUTOVER_DOTENV_H
#define CUTOVER_DOTENV_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct env_entry {
	char		*key;
	char		*value;		/* unescaped; never NULL */
	int		 line, col;	/* where the key is */
	char		 quote;		/* '\'', '"', '`' or 0 */
	bool		 exported;
	bool		 has_value;	/* false for a bare `KEY` line */
	bool		 spaced_eq;	/* blanks around '=' (KEY = v) */
	bool		 after_gap;	/* a blank or comment line above it */
	struct strlist	 refs;		/* names of ${REF}s in the value */
};

/* The index: every entry by key, then by position (private). */
struct env_slot {
	const char	*key;
	size_t		 i;
};

struct env_file {
	char		*name;
	struct env_entry *v;
	size_t		 n, cap;
	struct env_slot	*index;		/* n slots, sorted; lookups are O(log n) */
	bool		 crlf, bom;	/* as found, for reports */
};

/*
 * Parse data; returns 0, or -1 with "NAME:LINE:COL: message" in *errp and
 * *out empty (releasing it again is harmless).
 */
int	 dotenv_parse(const char *name, const char *data, size_t len,
	    struct env_file *out, char **errp);
/* Read and parse a file ("-": stdin). */
int	 dotenv_load(const char *path, struct env_file *out, char **errp);
/*
 * Expand ${NAME}, ${NAME:-default}, ${NAME-default} and $NAME in place,
 * in file order: a value sees the keys assigned above it, as docker
 * compose and python-dotenv do; the process environment is not read, so
 * the result depends on the file alone.  Single-quoted values stay
 * literal; "$$" is a literal "$"; an unset name without a default
 * expands to "".  refs keeps what each value referred to.
 *
 * References can double a value at each line (B=$A$A, C=$B$B, ...), so
 * 40 lines would ask for a terabyte: an expanded value is limited to
 * DOTENV_EXPAND_MAX bytes and the whole file to DOTENV_MAX.  Returns 0,
 * or -1 with "NAME:LINE:COL: 'KEY': ..." in *errp (values then are
 * partly expanded: release the file).
 */
#define DOTENV_MAX		(16u * 1024 * 1024)
#define DOTENV_EXPAND_MAX	(1u * 1024 * 1024)
int	 dotenv_expand(struct env_file *f, char **errp);
/* The last entry for key (the value that wins), or NULL. */
const struct env_entry *dotenv_get(const struct env_file *f, const char *key);
void	 dotenv_release(struct env_file *f);

#endif
