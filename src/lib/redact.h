/*
 * redact.h - secrets never leave the process.
 *
 * The registry holds every secret value the process has learned: values of
 * names listed in a plan's `secrets`, passwords taken from URLs or from
 * `password_env`.  redact() replaces each registered value with "***" and,
 * independently of the registry, masks the password part of anything that
 * looks like a URL with credentials (scheme://user:PASS@) and the value of
 * every `KEY=` whose key names a secret (redact_key_secret: `password=`,
 * `sslpassword=`, `token=` ...).  Every printer (text, JSON, journal, report, errors)
 * passes its strings through redact() or buf_add_redacted().
 *
 * Values shorter than REDACT_MIN_LEN are not registered: replacing every
 * "a" in the output would destroy it while hiding nothing.  They are still
 * masked where they appear in a URL.
 */
#ifndef CUTOVER_REDACT_H
#define CUTOVER_REDACT_H

#include <stdbool.h>
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
/*
 * Does a parameter named key[0..n) hold a secret?  Any name containing
 * "password", "passwd", "secret" or "token" (sslpassword, api_token,
 * client_secret), except a "..._env" name whose value names a variable.
 */
bool	 redact_key_secret(const char *key, size_t n);

/*
 * Output that is cut (a kept tail, a stream printed as it arrives) must be
 * redacted before it is cut: a registered secret split by the cut is no
 * longer recognised on either side, and its second half would be printed.
 *
 * redact_longest() is the length of the longest registered secret: keep at
 * least that many bytes more than the tail you mean to show.
 *
 * redact_cut_before(s, len, want, more) is the largest cut n <= want such
 * that s[0..n) can be redacted and printed on its own: no secret occurring
 * in s[0..len) straddles n and, when more output may follow (more), no
 * suffix of s that could begin a secret lies before n.
 *
 * redact_tail(s, len, max) is the redacted end of s[0..len), at most max
 * bytes: the cut is moved past any secret it would split, then the text is
 * redacted.  NUL bytes in s end the text that is kept before them.
 */
size_t	 redact_longest(void);
size_t	 redact_cut_before(const char *s, size_t len, size_t want, bool more);
char	*redact_tail(const char *s, size_t len, size_t max);

/*
 * A copy of s fit to be shown on a terminal: C0 control characters (but
 * TAB, and LF when keep_nl), DEL and the C1 controls U+0080..U+009F become
 * visible escapes ("\x1b", "\u009b"), so that text from a peer cannot
 * move the cursor or recolour a line; bytes that are not UTF-8 become
 * U+FFFD, as in utf8_fix (a lone 0x9b is CSI to some terminals).  s may be
 * NULL ("").
 */
char	*text_printable(const char *s, bool keep_nl);

#endif
