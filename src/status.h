/*
 * status.h - the short view of `cutover status`: where the latest run
 * stands (state, phase, step, window, last gate, what to do next), read
 * from a journal loaded without its lock.  Text for people, JSON through
 * lib/json; every string is redacted, the plan's name included (it may
 * interpolate a secret).
 */
#ifndef CUTOVER_STATUS_H
#define CUTOVER_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include "journal.h"
#include "plan.h"

void	 status_emit(FILE *f, bool json, const struct plan *p,
	    const struct jlog *l, const char *journal);
/* No run yet; journal is NULL when there is no journal file either. */
void	 status_emit_none(FILE *f, bool json, const struct plan *p,
	    const char *journal);

#endif
