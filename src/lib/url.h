/*
 * url.h - connection URLs as plans and commands give them.
 *
 *   postgres://user:pass@host:port/db?sslmode=require
 *   postgresql://...            mysql://user@host:port/db?password_env=NAME
 *   sqlite:///abs/path.db       sqlite:rel/path.db
 *   redis://[:pass@]host:port/0 http(s)://...  tcp://host:port
 *
 * A password may be given inline or, better, as `password_env=NAME`: it is
 * then read from the environment when the URL is parsed.  Either way it is
 * registered with redact() so that it never appears in output.  url->raw
 * keeps the URL as written; print url->safe, which has the password masked.
 */
#ifndef CUTOVER_URL_H
#define CUTOVER_URL_H

#include <stddef.h>

struct url_param {
	char	*key;
	char	*value;
};

struct url {
	char	*raw;		/* as written */
	char	*safe;		/* password masked, for printing */
	char	*scheme;	/* lowercase; "postgresql" becomes "postgres" */
	char	*user;		/* NULL when absent; percent-decoded */
	char	*password;	/* NULL when absent; percent-decoded */
	char	*host;		/* NULL for sqlite; IPv6 without brackets */
	int	 port;		/* 0 when absent */
	char	*path;		/* database name, redis db, sqlite file path */
	struct url_param *params;
	size_t	 nparams;
};

/* Parse s; returns 0 or -1 with a message naming what is wrong. */
int	 url_parse(const char *s, struct url *u, char **errp);
/*
 * With URL_ENV_LATER, a password_env naming an unset variable is not an
 * error: the password stays NULL (for commands that never connect, such
 * as lint and status; the caller checks url_param "password_env").
 */
#define URL_ENV_LATER	0x1
int	 url_parse_flags(const char *s, unsigned flags, struct url *u,
	    char **errp);
const char *url_param(const struct url *u, const char *key);
void	 url_free(struct url *u);
/* Does s look like a URL (rather than a target name)? */
int	 url_like(const char *s);

#endif
