/*
 * error.h - one way to report an error.
 *
 * Library code never exits: it returns -1 (or NULL) and records a one-line
 * message in *errp with seterr().  Only main() and the cmd_*() functions
 * decide the exit status; they print messages with errmsg(), which redacts
 * secrets on the way out.  Messages are lowercase, no full stop, the
 * subject first (git's CodingGuidelines).
 */
#ifndef CUTOVER_ERROR_H
#define CUTOVER_ERROR_H

#include <stdnoreturn.h>

/* Exit statuses of every command (DESIGN.md). */
enum {
	EXIT_GO = 0,		/* go / identical / all passed */
	EXIT_NOGO = 1,		/* no-go / differences / a check failed */
	EXIT_USAGE = 2,		/* bad input: arguments, plan, URL */
};

/* Record a message in *errp (replacing any earlier one); returns -1. */
int	 seterr(char **errp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Like seterr, appending ": strerror(errno)". */
int	 seterr_errno(char **errp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Print "cutover: MESSAGE" to stderr, redacted. */
void	 errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* errmsg, then exit(status). */
noreturn void die(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * Bad input exits with status instead of EXIT_USAGE from now on: a
 * format with its own convention (`check --format nagios`: UNKNOWN, 3).
 * die(EXIT_USAGE, ...) and exit_usage() honour it.
 */
void	 usage_status_set(int status);
noreturn void exit_usage(void);

#endif
