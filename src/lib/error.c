/* error.c - recording and printing errors; see error.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "redact.h"
#include "xmalloc.h"

int
seterr(char **errp, const char *fmt, ...)
{
	va_list ap;

	if (errp == NULL)
		return -1;
	free(*errp);
	va_start(ap, fmt);
	*errp = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

int
seterr_errno(char **errp, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;
	char *m;

	if (errp == NULL)
		return -1;
	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	free(*errp);
	*errp = xasprintf("%s: %s", m, strerror(saved));
	free(m);
	return -1;
}

static void
verrmsg(const char *fmt, va_list ap)
{
	char *m = xvasprintf(fmt, ap);
	char *r = redact(m);
	/* A server's error text may carry terminal escapes: shown, inert. */
	char *v = text_printable(r, true);

	fprintf(stderr, "cutover: %s\n", v);
	free(v);
	free(r);
	free(m);
}

void
errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg(fmt, ap);
	va_end(ap);
}

static int usage_status = EXIT_USAGE;

void
usage_status_set(int status)
{
	usage_status = status;
}

void
exit_usage(void)
{
	exit(usage_status);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg(fmt, ap);
	va_end(ap);
	exit(status == EXIT_USAGE ? usage_status : status);
}
