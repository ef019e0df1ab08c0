/*
 * report.h - what happened, read back from the journal.
 *
 * report_emit writes the migration report of one run: verdict, timeline,
 * phases and steps with durations, real downtime against the window,
 * every check result, decisions, rollback actions and the risk matrix
 * (mitigation ready = every mitigated_by check passed in this run;
 * rollback ready = every completed step of the phases the risk touches
 * has an undo).  Formats: md, html (one self-contained file, printable),
 * json.  status_emit writes the short view of `cutover status`.
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
void	 status_emit(FILE *f, bool json, const struct plan *p,
	    const struct jlog *l, const char *journal);

#endif
