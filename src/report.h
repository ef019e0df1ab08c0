/*
 * report.h - what happened, read back from the journal.
 *
 * report_emit writes the migration report of one run: verdict, timeline,
 * phases and steps with durations, real downtime against the window,
 * every check result, decisions, rollback actions and the risk matrix
 * (mitigation ready = every mitigated_by check passed in this run;
 * rollback ready = every completed step of the phases the risk touches
 * has an undo).  Formats: md, html (one self-contained file, printable),
 * json.  status.h writes the short view of `cutover status` with the
 * helpers below.
 *
 * The plan supplies what the journal does not hold (risks, windows,
 * undo availability); every string printed passes through redact().
 */
#ifndef CUTOVER_REPORT_H
#define CUTOVER_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "journal.h"
#include "plan.h"

/* "md, html, json"; NULL-terminated. */
extern const char *const report_formats[];

/* 0, or -1 for an unknown format. */
int	 report_emit(FILE *f, const char *format, const struct plan *p,
	    const struct jlog *l);

/* The run's state as shown: "interrupted" when nobody holds the lock. */
const char *report_state(const struct jlog *l);
/* "GO: completed", "NO-GO: rolled back", ... for a report_state(). */
const char *report_verdict(const char *state);
/* "target 30m, max 2h" or "none", new string. */
char	*report_window(const struct phase *ph);
/* Alert deliveries that arrived, and those that did not (any reason). */
void	 report_alert_counts(const struct jlog *l, size_t *sent,
	    size_t *failed);
/* "1.23s", or "-" when either end is missing; new string. */
char	*report_span(int64_t a, int64_t z);

#endif
