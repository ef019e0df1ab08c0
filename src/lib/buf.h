/*
 * buf.h - the one string builder.
 *
 * Invariants (after BUF_INIT or buf_init):
 *  - s is never NULL and is always NUL-terminated, so it can be passed to
 *    any C string function;
 *  - len is the number of bytes before the terminator;
 *  - if max is non-zero the buffer never holds more than max bytes: data
 *    past it is dropped and `truncated` is set.  Buffers filled from a
 *    network, a database or a child process must set max (curl's rule).
 *
 * Lifecycle: buf_init / buf_reset (empty, keep memory) / buf_release (free,
 * back to the initial state) / buf_detach (hand the string to the caller).
 */
#ifndef CUTOVER_BUF_H
#define CUTOVER_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	bool	 truncated;
};

extern char buf_slop[1];
#define BUF_INIT { .s = buf_slop }

void	 buf_init(struct buf *b, size_t max);
void	 buf_reset(struct buf *b);
void	 buf_release(struct buf *b);
char	*buf_detach(struct buf *b);
void	 buf_add(struct buf *b, const void *data, size_t n);
void	 buf_adds(struct buf *b, const char *s);
void	 buf_addc(struct buf *b, char c);
void	 buf_addf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* Keep only the last n bytes (an output tail). */
/* v in decimal, as "%lld" writes it, without a format to parse. */
void	 buf_add_int(struct buf *b, long long v);
void	 buf_keep_tail(struct buf *b, size_t n);
/* Append s escaped for a JSON string body (no surrounding quotes). */
void	 buf_add_json(struct buf *b, const char *s);
/* Append s escaped for XML/HTML text and attributes. */
void	 buf_add_xml(struct buf *b, const char *s);

#endif
