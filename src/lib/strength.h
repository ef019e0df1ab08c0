/*
 * strength.h - is a value a real secret, a weak one, or a placeholder?
 * Shared by `env check` (weak secrets, placeholders) and `secrets scan`
 * (which must not report "password=<password>").
 */
#ifndef CUTOVER_STRENGTH_H
#define CUTOVER_STRENGTH_H

#include <stdbool.h>
#include <stddef.h>

/* Shannon entropy of s[0..n) in bits per character. */
double	 str_entropy(const char *s, size_t n);
/*
 * A template value, not a real one: REPLACE_ME, CHANGEME, <password>,
 * your-api-key-here, xxx, todo, example (any case), ${VAR}, $VAR, %s,
 * {{ var }}, ****, or a word that names the thing itself ("password").
 */
bool	 looks_placeholder(const char *s, size_t n);
/*
 * Does a key name say its value is secret?  *PASSWORD*, *PASSWD*,
 * *SECRET*, *TOKEN*, *_KEY (API_KEY, APP_KEY), *PRIVATE_KEY*, *CREDENTIAL*
 * - but not *PUBLIC*, *PUBLISHABLE*, *_KEY_ID or *TOKEN_URL-style names.
 */
bool	 key_looks_secret(const char *key);
/*
 * Why a secret value is weak, or NULL when it is not: shorter than
 * min_len, or fewer than 3 bits of entropy per character (a repeated
 * word, a run of one character).
 */
const char *secret_weakness(const char *value, size_t min_len);

#endif
