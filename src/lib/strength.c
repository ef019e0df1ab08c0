/* strength.c - entropy, placeholders and secret-looking key names. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strength.h"
#include "util.h"
#include "xmalloc.h"

double
str_entropy(const char *s, size_t n)
{
	size_t count[256] = { 0 };
	double h = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		count[(unsigned char)s[i]]++;
	for (size_t i = 0; i < 256; i++) {
		if (count[i] == 0)
			continue;
		double p = (double)count[i] / (double)n;
		h -= p * log2(p);
	}
	return h;
}

/* Words that, standing alone, name a thing rather than being it. */
static const char *const self_names[] = { "password", "passwd", "pass",
	"secret", "token", "apikey", "api_key", "key", "value", "null", "none",
	"changeit", "empty", "redacted", "hidden", "masked", "dummy", "test",
	"sample", "placeholder", "string", "your_password", "yourpassword",
	"mypassword", NULL };

/* Tokens that mark a template wherever they stand in the value. */
static const char *const marker_tokens[] = { "todo", "fixme", "tbd",
	"changeme", "replaceme", "example", "placeholder", "redacted", NULL };

bool
looks_placeholder(const char *s, size_t n)
{
	char *v, *norm;
	bool r = false;
	size_t i, k;

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return false;
	/* <password>, [token], {{ var }}, ${VAR}, $VAR, %s, %(name)s */
	if ((s[0] == '<' && s[n - 1] == '>') || (s[0] == '[' &&
	    s[n - 1] == ']') || (s[0] == '{' && s[n - 1] == '}'))
		return true;
	if (s[0] == '$' && n > 1 && (s[1] == '{' || s[1] == '_' ||
	    isalpha((unsigned char)s[1])))
		return true;
	if (s[0] == '%' && n <= 16)
		return true;
	/* All one symbol: ****, ..., ---, xxxxxx */
	for (i = 1; i < n && tolower((unsigned char)s[i]) ==
	    tolower((unsigned char)s[0]); i++)
		;
	if (i == n && (n >= 3 || !isalnum((unsigned char)s[0])) &&
	    (!isalnum((unsigned char)s[0]) || tolower((unsigned char)s[0]) ==
	    'x'))
		return true;

	/* Not xstrndup: s may hold a NUL, and the loops below run to n. */
	v = xmalloc(n + 1);
	memcpy(v, s, n);
	v[n] = '\0';
	for (i = 0; i < n; i++)
		v[i] = (char)tolower((unsigned char)v[i]);
	for (i = 0; self_names[i]; i++)
		if (strcmp(v, self_names[i]) == 0)
			r = true;
	/* Normalised: separators dropped, so replace_me == REPLACE-ME. */
	norm = xmalloc(n + 1);
	for (i = k = 0; i < n; i++)
		if (isalnum((unsigned char)v[i]))
			norm[k++] = v[i];
	norm[k] = '\0';
	if (strstr(norm, "replaceme") || strstr(norm, "changeme") ||
	    strstr(norm, "changethis") || strstr(norm, "insertyour") ||
	    strstr(norm, "putyour") || strstr(norm, "enteryour"))
		r = true;
	if (strncmp(norm, "your", 4) == 0 && k >= 8 &&
	    strcmp(norm + k - 4, "here") == 0)
		r = true;
	/* Tokens: todo, example, xxx (three or more x's). */
	for (char *t = v; *t && !r; ) {
		while (*t && !isalnum((unsigned char)*t))
			t++;
		char *e = t;
		while (*e && isalnum((unsigned char)*e))
			e++;
		size_t tl = (size_t)(e - t);
		if (tl == 0)
			break;
		bool xs = tl >= 3;
		for (size_t j = 0; j < tl && xs; j++)
			xs = t[j] == 'x';
		if (xs)
			r = true;
		for (i = 0; marker_tokens[i] && !r; i++)
			if (strlen(marker_tokens[i]) == tl &&
			    strncmp(t, marker_tokens[i], tl) == 0)
				r = true;
		t = e;
	}
	free(norm);
	free(v);
	return r;
}

static bool
has_ci(const char *s, const char *w)
{
	return strcasestr_(s, w) != NULL;
}

bool
key_looks_secret(const char *key)
{
	size_t n = strlen(key);

	if (has_ci(key, "PUBLIC") || has_ci(key, "PUBLISHABLE") ||
	    (n >= 7 && strcasecmp(key + n - 7, "_KEY_ID") == 0) ||
	    ends_with(key, "_URL") || ends_with(key, "_FILE") ||
	    ends_with(key, "_PATH") || ends_with(key, "_TTL") ||
	    ends_with(key, "_EXPIRY") || ends_with(key, "_LIFETIME") ||
	    ends_with(key, "_LENGTH") || ends_with(key, "_ALGORITHM"))
		return false;
	if (has_ci(key, "PASSWORD") || has_ci(key, "PASSWD") ||
	    has_ci(key, "SECRET") || has_ci(key, "TOKEN") ||
	    has_ci(key, "PRIVATE_KEY") || has_ci(key, "CREDENTIAL"))
		return true;
	if (strcasecmp(key, "KEY") == 0 || (n > 4 &&
	    strcasecmp(key + n - 4, "_KEY") == 0))
		return true;
	return strcasecmp(key, "PASS") == 0 || (n > 5 &&
	    strcasecmp(key + n - 5, "_PASS") == 0) || has_ci(key, "APIKEY");
}

const char *
secret_weakness(const char *value, size_t min_len)
{
	size_t n = strlen(value);

	if (n < min_len)
		return "short";
	if (str_entropy(value, n) < 3.0)
		return "low entropy";
	return NULL;
}
