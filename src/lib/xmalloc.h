/*
 * xmalloc.h - allocation that never fails.
 *
 * Every x* function aborts the process with a message when memory runs
 * out, so call sites carry no OOM branches (tmux's rule).  Everything
 * returned belongs to the caller and is released with free().
 */
#ifndef CUTOVER_XMALLOC_H
#define CUTOVER_XMALLOC_H

#include <stddef.h>
#include <stdarg.h>

void	*xmalloc(size_t n);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *p, size_t n);
/* Grow an array of nmemb elements of size bytes, checking for overflow. */
void	*xreallocarray(void *p, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * Once, first thing in main: the heap's first megabytes made resident in
 * one call rather than page by page as they are first written.
 */
void	 heap_warm(void);

/* Append one element to a growable array: ARR_PUSH(arr, n, cap, value). */
#define ARR_GROW(arr, n, cap) do {					\
	if ((n) >= (cap)) {						\
		(cap) = (cap) ? (cap) * 2 : 8;				\
		(arr) = xreallocarray((arr), (cap), sizeof(*(arr)));	\
	}								\
} while (0)
#define ARR_PUSH(arr, n, cap, v) do {					\
	ARR_GROW(arr, n, cap);						\
	(arr)[(n)++] = (v);						\
} while (0)

#endif
