/*
 * redact.h - secrets never leave the process.
 *
 * The registry holds every secret value the process has learned: values of
 * names listed in a plan's `secrets`, passwords taken from URLs or from
 * `password_env`.  redact() replaces each registered value with "***" and,
 * independently of the registry, masks the password part of anything that
 * looks like a URL with credentials (scheme://user:PASS@) and `password=`
 * query parameters.  Every printer (text, JSON, journal, report, errors)
 * passes its strings through redact() or buf_add_redacted().
 *
 * Values shorter than REDACT_MIN_LEN are not registered: replacing every
 * "a" in the output would destroy it while hiding nothing.  They are still
 * masked where they appear in a URL.
 */
#ifndef CUTOVER_REDACT_H
#define CUTOVER_REDACT_H

#include <stddef.h>

#include "buf.h"

#define REDACT_MIN_LEN 4
#define REDACT_MASK "***"

/* Register a secret value (copied).  Thread-safe. */
void	 redact_add(const char *secret);
/* How many values are registered (for tests). */
size_t	 redact_count(void);
/* Forget every registered value (for tests). */
void	 redact_clear(void);
/* A newly allocated copy of s with secrets masked.  s may be NULL ("").  */
char	*redact(const char *s);
void	 buf_add_redacted(struct buf *b, const char *s);

#endif
