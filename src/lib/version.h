/*
 * version.h - versions compared as Debian compares them, and version
 * ranges as plans write them.
 *
 * version_cmp is dpkg's ordering (deb-version(7)): an optional numeric
 * epoch ("1:"), the upstream part, an optional revision after the last
 * '-'; each compared by alternating non-digit runs (letters before other
 * characters, '~' before everything, even the end) and digit runs
 * (numerically).  So 1.10 > 1.9, 1.0~rc1 < 1.0, 2:1.0 > 1:9.9.  It
 * orders upstream version numbers (node v20.11.1, Docker 24.0.5) the way
 * people expect too.
 */
#ifndef CUTOVER_VERSION_H
#define CUTOVER_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* <0, 0, >0 as a orders before, with, after b. */
int	 version_cmp(const char *a, const char *b);

/*
 * A range: constraints separated by commas, all of which must hold:
 * ">= 24.0, < 25", "20.x" (20 and anything after "20."), "== 1.2.3",
 * "!= 1.0", a bare "1.2.3" (equal).  Operators: == = != < <= > >=.
 */
struct vconstraint {
	int	 op;		/* enum cmp_op of units.h */
	char	*v;
	char	*below;		/* "20.x": v "20", below "21" */
};
struct vrange {
	struct vconstraint *c;
	size_t	 n;
	char	*text;
};
int	 vrange_parse(const char *s, struct vrange *r, char **errp);
bool	 vrange_has(const struct vrange *r, const char *v);
void	 vrange_free(struct vrange *r);

/*
 * The installed version of package pkg in a dpkg status database
 * (/var/lib/dpkg/status): stanzas of "Field: value" lines separated by
 * blank lines.  Lines are read at most 4 KiB long (longer ones, such as
 * a huge Description, are skipped in pieces).  Returns 1 with the version
 * (new string) in *version when a stanza for pkg has Status "install ok
 * installed"; when several do (Multi-Arch), the lowest version.  0 when
 * none is installed: *state then gets its Status if a stanza names the
 * package ("deinstall ok config-files"), else NULL.  -1 on a read error.
 */
int	 dpkg_installed(FILE *f, const char *pkg, char **version, char **state,
	    char **errp);

#endif
