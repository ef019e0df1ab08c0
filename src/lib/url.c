/* url.c - parsing connection URLs; see url.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "redact.h"
#include "url.h"
#include "xmalloc.h"

static const char *const known_schemes[] = {
	"postgres", "postgresql", "mysql", "mariadb", "sqlite", "redis",
	"rediss", "http", "https", "tcp", NULL
};

int
url_like(const char *s)
{
	return strstr(s, "://") != NULL || strncmp(s, "sqlite:", 7) == 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *
pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			out[j++] = (char)(hexval((unsigned char)s[i + 1]) * 16 +
			    hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}

void
url_free(struct url *u)
{
	if (u == NULL)
		return;
	free(u->raw);
	free(u->safe);
	free(u->scheme);
	free(u->user);
	free(u->password);
	free(u->host);
	free(u->path);
	for (size_t i = 0; i < u->nparams; i++) {
		free(u->params[i].key);
		free(u->params[i].value);
	}
	free(u->params);
	memset(u, 0, sizeof(*u));
}

const char *
url_param(const struct url *u, const char *key)
{
	for (size_t i = 0; i < u->nparams; i++)
		if (strcmp(u->params[i].key, key) == 0)
			return u->params[i].value;
	return NULL;
}

static void
parse_query(struct url *u, const char *q)
{
	size_t cap = 0;

	while (*q) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);
		struct url_param p;

		if (n == 0) {
			q++;
			continue;
		}
		if (eq) {
			p.key = pct_decode(q, (size_t)(eq - q));
			p.value = pct_decode(eq + 1, n - (size_t)(eq - q) - 1);
		} else {
			p.key = pct_decode(q, n);
			p.value = xstrdup("");
		}
		/*
		 * sslpassword=, token=...: registered like the URL's password,
		 * decoded and as written, so that no message can print them.
		 */
		if (redact_key_secret(p.key, strlen(p.key))) {
			redact_add(p.value);
			if (eq) {
				char *enc = xstrndup(eq + 1,
				    n - (size_t)(eq - q) - 1);
				redact_add(enc);
				free(enc);
			}
		}
		ARR_PUSH(u->params, u->nparams, cap, p);
		q += n;
		if (*q == '&')
			q++;
	}
}

static int
parse_port(const char *s, size_t n, int *port)
{
	long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int
url_parse(const char *s, struct url *u, char **errp)
{
	return url_parse_flags(s, 0, u, errp);
}

int
url_parse_flags(const char *s, unsigned flags, struct url *u, char **errp)
{
	const char *p, *sep, *q;
	char *rest = NULL;
	int rc = -1;

	memset(u, 0, sizeof(*u));
	u->raw = xstrdup(s);
	u->safe = redact(s);

	sep = strstr(s, "://");
	if (strncmp(s, "sqlite:", 7) == 0 && (sep == NULL || sep != s + 6)) {
		/* sqlite:rel/path */
		u->scheme = xstrdup("sqlite");
		q = strchr(s + 7, '?');
		u->path = q ? xstrndup(s + 7, (size_t)(q - s - 7)) : xstrdup(s + 7);
		if (q)
			parse_query(u, q + 1);
		if (*u->path == '\0') {
			seterr(errp, "bad URL '%s': no database file", u->safe);
			goto out;
		}
		return 0;
	}
	if (sep == NULL || sep == s) {
		seterr(errp, "bad URL '%s': expected scheme://...", u->safe);
		goto out;
	}
	u->scheme = xstrndup(s, (size_t)(sep - s));
	for (char *c = u->scheme; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	int known = 0;
	for (int i = 0; known_schemes[i]; i++)
		known |= strcmp(u->scheme, known_schemes[i]) == 0;
	if (!known) {
		seterr(errp, "bad URL '%s': unknown scheme '%s' (known: postgres, "
		    "mysql, sqlite, redis, http, https, tcp)", u->safe, u->scheme);
		goto out;
	}
	if (strcmp(u->scheme, "postgresql") == 0) {
		free(u->scheme);
		u->scheme = xstrdup("postgres");
	}
	if (strcmp(u->scheme, "mariadb") == 0) {
		free(u->scheme);
		u->scheme = xstrdup("mysql");
	}
	p = sep + 3;
	if (strcmp(u->scheme, "sqlite") == 0) {
		/* sqlite:///abs/path: everything after :// is the path. */
		q = strchr(p, '?');
		u->path = q ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
		if (q)
			parse_query(u, q + 1);
		if (*u->path == '\0') {
			seterr(errp, "bad URL '%s': no database file", u->safe);
			goto out;
		}
		return 0;
	}
	if (strcmp(u->scheme, "http") == 0 || strcmp(u->scheme, "https") == 0) {
		/* libcurl parses HTTP URLs itself; we only need the host. */
	}

	/* authority = [userinfo@]host[:port] */
	size_t alen = strcspn(p, "/?#");
	const char *auth_end = p + alen;
	const char *at = NULL;
	for (const char *c = p; c < auth_end; c++)
		if (*c == '@')
			at = c;
	const char *hp = p;
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		if (colon) {
			u->user = pct_decode(p, (size_t)(colon - p));
			u->password = pct_decode(colon + 1, (size_t)(at - colon - 1));
			/*
			 * Registered now, so that an error further down cannot
			 * print it; the encoded form too ("p%40ss"), since a
			 * driver may echo the URL as written.
			 */
			redact_add(u->password);
			char *enc = xstrndup(colon + 1, (size_t)(at - colon - 1));
			redact_add(enc);
			free(enc);
		} else {
			u->user = pct_decode(p, (size_t)(at - p));
		}
		if (u->user && *u->user == '\0') {
			free(u->user);
			u->user = NULL;
		}
		hp = at + 1;
	}
	const char *port_colon = NULL;
	if (*hp == '[') {
		const char *rb = memchr(hp, ']', (size_t)(auth_end - hp));
		if (rb == NULL) {
			seterr(errp, "bad URL '%s': unclosed '[' in host", u->safe);
			goto out;
		}
		u->host = xstrndup(hp + 1, (size_t)(rb - hp - 1));
		if (rb + 1 < auth_end && rb[1] == ':')
			port_colon = rb + 1;
		else if (rb + 1 != auth_end) {
			seterr(errp, "bad URL '%s': junk after ']'", u->safe);
			goto out;
		}
	} else {
		port_colon = memchr(hp, ':', (size_t)(auth_end - hp));
		u->host = xstrndup(hp, (size_t)((port_colon ? port_colon : auth_end) - hp));
	}
	if (port_colon && parse_port(port_colon + 1,
	    (size_t)(auth_end - port_colon - 1), &u->port) != 0) {
		rest = xstrndup(port_colon + 1, (size_t)(auth_end - port_colon - 1));
		seterr(errp, "bad URL '%s': bad port '%s'", u->safe, rest);
		goto out;
	}
	if (*u->host == '\0' && strcmp(u->scheme, "postgres") != 0) {
		seterr(errp, "bad URL '%s': no host", u->safe);
		goto out;
	}
	if (strcmp(u->scheme, "tcp") == 0 && u->port == 0) {
		seterr(errp, "bad URL '%s': tcp:// needs a port", u->safe);
		goto out;
	}
	p = auth_end;
	if (*p == '/') {
		size_t n = strcspn(p + 1, "?#");
		u->path = pct_decode(p + 1, n);
		p += 1 + n;
	}
	if (*p == '?') {
		size_t n = strcspn(p + 1, "#");
		rest = xstrndup(p + 1, n);
		parse_query(u, rest);
	}
	const char *env = url_param(u, "password_env");
	if (env != NULL) {
		const char *v = getenv(env);
		if (v == NULL && (flags & URL_ENV_LATER)) {
			;	/* no password: nothing connects */
		} else if (v == NULL) {
			seterr(errp, "bad URL '%s': password_env names '%s', which "
			    "is not set in the environment", u->safe, env);
			goto out;
		} else {
			free(u->password);
			u->password = xstrdup(v);
		}
	}
	const char *pw = url_param(u, "password");
	if (pw != NULL && u->password == NULL)
		u->password = xstrdup(pw);
	if (u->password)
		redact_add(u->password);
	rc = 0;
out:
	free(rest);
	if (rc != 0) {
		char *raw = u->raw, *safe = u->safe;
		u->raw = u->safe = NULL;
		url_free(u);
		u->raw = raw;
		u->safe = safe;
	}
	return rc;
}
