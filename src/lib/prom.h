/*
 * prom.h - the one writer of the Prometheus text exposition format
 * (version 0.0.4), for `check --format prometheus` and serve's /metrics.
 *
 * Metric names are the caller's constants; label values and HELP texts
 * are escaped here (backslash, double quote and line feed in values,
 * backslash and line feed in HELP), made valid UTF-8 and redacted, so no
 * caller can emit a line a scraper rejects or a secret.  Values are
 * written as Prometheus reads them: integers plainly, NaN and +Inf by
 * name.
 */
#ifndef CUTOVER_PROM_H
#define CUTOVER_PROM_H

#include "buf.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help\n# TYPE name gauge\n" (type: gauge, counter...). */
void	 prom_family(struct buf *b, const char *name, const char *type,
	    const char *help);
/*
 * One sample line: name{k1="v1",...} value.  labels is NULL or a list of
 * key, value pairs ended by NULL; a pair whose value is NULL is left out.
 */
void	 prom_sample(struct buf *b, const char *name,
	    const char *const *labels, double value);

#endif
