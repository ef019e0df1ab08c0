/*
 * serve_view.h - what serve's pages say, from one loaded journal: the
 * dashboard's HTML and the metrics, apart from the HTTP around them
 * (serve.c).  Both are built from tables of parts in serve_view.c: the
 * dashboard from `sections[]` (an id, a heading, one function writing
 * the body), the metrics from `journal_groups[]` (families that change
 * only with the journal: rendered once per load) and `clock_groups[]`
 * (families that move with the clock: rendered per request, at most
 * every 0.1 s), one function per group.
 */
#ifndef CUTOVER_SERVE_VIEW_H
#define CUTOVER_SERVE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "lib/buf.h"
#include "plan.h"
#include "report.h"
#include "status.h"

struct view {
	const struct plan	*p;
	const char		*journal;
	const char		*error;	/* the journal cannot be read: why */
	const struct jlog	*l;	/* NULL: no run yet (or error) */
	const struct report_live *rl;	/* with l */
	/* Per plan check, the index of its newest row in l->checks, or
	 * SIZE_MAX when it has not run. */
	const size_t		*last;
	/* The newest row of each (check, phase): the metric series. */
	const size_t		*series;
	size_t			 nseries;
	int64_t			 now;	/* wall us */
	struct status_now	 sn;
};

/* Fill v's derived parts (status_now) once p, l, rl and now are set. */
void	 view_derive(struct view *v);
/*
 * Index l's check rows for a view: *last (p->nchecks entries) and
 * *series; both new arrays, the caller's.
 */
void	 view_index(const struct plan *p, const struct jlog *l, size_t **last,
	    size_t **series, size_t *nseries);

/* The whole page: view_live inside, the inline style and script around. */
void	 view_page(struct buf *b, const struct view *v);
/* The page's live part, what the script swaps in. */
void	 view_live(struct buf *b, const struct view *v);
/* Families that depend only on the journal (cacheable per load). */
void	 view_metrics_journal(struct buf *b, const struct view *v);
/* Families that move with the clock (window, downtime), per request. */
void	 view_metrics_clock(struct buf *b, const struct view *v);

/* The page's inline style and script, for the CSP hashes. */
extern const char view_css[], view_js[];

#endif
