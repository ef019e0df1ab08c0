/*
 * util.h - small helpers shared by every room: clocks, string lists,
 * word splitting, and "did you mean" suggestions.
 */
#ifndef CUTOVER_UTIL_H
#define CUTOVER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Microseconds on the monotonic clock (for durations and deadlines). */
int64_t	 now_mono_us(void);
/* Microseconds since the epoch (for timestamps shown to people). */
int64_t	 now_wall_us(void);
/* "2026-11-22T01:47:54.123Z" into a new string. */
char	*fmt_time_iso(int64_t wall_us);
void	 sleep_us(int64_t us);

/* A NULL-terminated array of owned strings. */
struct strlist {
	char	**v;
	size_t	  n, cap;
};
#define STRLIST_INIT { 0 }
void	 strlist_push(struct strlist *l, const char *s);	/* copies s */
void	 strlist_push_owned(struct strlist *l, char *s);
bool	 strlist_has(const struct strlist *l, const char *s);
void	 strlist_release(struct strlist *l);
/*
 * A set of strings, for duplicate checks: a tree, O(log n) a lookup where
 * strlist_has scans (a plan of 700 checks spent 8.8 M instructions, a
 * tenth of its load, on strlist_has finding no duplicate id).
 */
struct strset {
	void	*root;
};
#define STRSET_INIT { NULL }
bool	 strset_add(struct strset *set, const char *s);	/* false: was in */
void	 strset_release(struct strset *set);
/* Split "a,b, c" at commas (trimmed, empty parts dropped) into l. */
void	 strlist_split(struct strlist *l, const char *s, char sep);
/* Joined with sep into a new string. */
char	*strlist_join(const struct strlist *l, const char *sep);

/*
 * Split a command line into argv the way a shell splits words, without
 * any expansion: whitespace separates, '...' is literal, "..." allows \" \\
 * \$ and \`, a backslash outside quotes escapes the next character.
 * Returns 0, or -1 with *errp for an unclosed quote.
 */
int	 split_words(const char *s, struct strlist *out, char **errp);

/* The candidate nearest to s by edit distance, or NULL if none is close. */
const char *nearest(const char *s, const char *const *cands, size_t n);

/*
 * A copy of s in which every byte that does not belong to a valid UTF-8
 * sequence is replaced by U+FFFD: command output and database values may
 * be Latin-1, and JSON and XML readers reject such bytes.
 */
char	*utf8_fix(const char *s);
/*
 * Length of the valid UTF-8 sequence at s (1 to 4; 1 for the terminator),
 * or 0 when s does not start one (a stray byte, an overlong form, a
 * surrogate, past U+10FFFF, cut short).  *cp gets the code point if cp.
 */
size_t	 utf8_seq(const unsigned char *s, uint32_t *cp);

/*
 * Run fn(arg, out) in a child process and copy its outlen bytes of answer
 * back, waiting at most timeout_us.  For a syscall that a hung NFS or FUSE
 * mount can block uninterruptibly (stat, statvfs): a thread stuck there
 * would keep the whole process from exiting, a stuck child is killed and
 * left to init.  The child shares our memory (it costs what a thread
 * does, not a fork): fn may only make async-signal-safe calls and must
 * touch no thread-local state but errno (util.c says why).  arg must
 * outlive the process or the call's answer: a child killed at the
 * timeout may still read it.  Returns 0, 1 on timeout, or -1 with errno.
 */
int	 run_in_child(void (*fn)(void *arg, void *out), void *arg, void *out,
	    size_t outlen, int64_t timeout_us);

/*
 * fopen(path, "r") for a file that must be regular.  A FIFO's open()
 * waits for a writer forever, so the file is opened non-blocking and its
 * type looked at first.  Errors: "cannot read 'PATH': ..." or "'PATH' is
 * a FIFO, not WHAT" (what: "an env file").  Returns NULL with *errp.
 */
FILE	*fopen_regular(const char *path, const char *what, char **errp);

/* Does s end with suffix? */
bool	 ends_with(const char *s, const char *suffix);
/* Case-insensitive substring search. */
const char *strcasestr_(const char *hay, const char *needle);

/* "s" unless n is 1: "1 file", "2 files", "0 files". */
#define PLURAL(n)	((n) == 1 ? "" : "s")

#endif
