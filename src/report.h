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
/*
 * The watch section of the HTML report (per watched check: samples, pass
 * share, percentiles, a chart; triggers, gaps, success rules) appended to
 * b: the dashboard shows the same markup.  Needs journal_watches_stats.
 */
void	 report_watch_html(struct buf *b, const struct plan *p,
	    const struct jlog *l);
void	 report_alert_counts(const struct jlog *l, size_t *sent,
	    size_t *failed);
/* "1.23s", or "-" when either end is missing; new string. */
char	*report_span(int64_t a, int64_t z);

/*
 * The report's computed parts for a live view (serve's dashboard): the
 * same verdict, downtime, risk matrix and timeline the report prints,
 * from the same code.  Strings are unredacted: the printer redacts.
 */
struct report_risk {
	const struct risk *r;
	bool		 mit_ready;	/* every mitigated_by check passed */
	char		*mit_note;
	const char	*rb_ready;	/* "yes", "no", "n/a" */
	char		*rb_note;
};
struct report_event {
	int64_t		 at_us;
	char		*what;
};
struct report_live {
	const char	*state, *verdict;
	int64_t		 dt_start, dt_end;	/* downtime, wall us; 0: not yet */
	char		*dt_how;		/* NULL: nothing to measure */
	const struct phase *dt_phase;		/* whose window judges it */
	struct report_risk *risks;	size_t nrisks;	/* the plan's order */
	struct report_event *events;	size_t nevents;	/* the timeline */
};
void	 report_live_init(struct report_live *v, const struct plan *p,
	    const struct jlog *l);
void	 report_live_release(struct report_live *v);
/* "within target", "over target", "over max" or "no window". */
const char *report_live_judgement(const struct report_live *v, int64_t dur);

#endif
