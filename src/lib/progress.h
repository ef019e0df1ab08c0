/*
 * progress.h - the one progress reporter: long work (manifest hashing,
 * diff, checks and gates) says how far it got, on stderr only.
 *
 * On a terminal a live line is redrawn in place twice a second; without
 * one (a log, CI) a line is printed every PROGRESS_PLAIN_US, none before,
 * so a short job prints nothing.  -q is PROGRESS_OFF.  Workers count with
 * progress_add (atomic, any thread); a thread of the reporter draws.
 * Whoever writes other lines to the terminal meanwhile brackets them with
 * progress_hold/progress_release, so that they do not land in the middle
 * of the live line.
 */
#ifndef CUTOVER_PROGRESS_H
#define CUTOVER_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

enum progress_mode {
	PROGRESS_OFF,		/* -q: nothing */
	PROGRESS_AUTO,		/* live on a terminal, else every 5 s */
	PROGRESS_ON,		/* also without a terminal: every second,
				   and a last line */
	PROGRESS_TTY,		/* live on a terminal, else nothing */
};

/* Without a terminal: a progress line this often (and none before). */
#define PROGRESS_PLAIN_US	(5 * 1000000LL)
/* With --progress (PROGRESS_ON) and no terminal. */
#define PROGRESS_FORCED_US	(1000000LL)
/* A terminal: redrawn this often. */
#define PROGRESS_TTY_US		(500 * 1000LL)

/* What a renderer is given (a snapshot of the counters). */
struct progress_view {
	long long	 items, items_total;	/* total 0: unknown */
	long long	 bytes, bytes_total;
	double		 secs;			/* since progress_start */
	bool		 last;			/* the closing line */
};

/*
 * Appends the line's text after "LABEL: " (no newline).  Called on the
 * reporter's thread: it must lock what it reads.
 */
typedef void progress_render_fn(struct buf *b, const struct progress_view *v,
	    void *arg);

struct progress;

/*
 * A reporter printing "LABEL: ..." in mode; unit names the items
 * ("files", "rows").  Returns NULL when the mode prints nothing here
 * (OFF, or TTY without a terminal): every function takes NULL.
 */
struct progress *progress_new(const char *label, const char *unit,
	    enum progress_mode mode);
/* A renderer of one's own instead of the counts (before progress_start). */
void	 progress_set_render(struct progress *p, progress_render_fn *fn,
	    void *arg);
void	 progress_set_total(struct progress *p, long long items,
	    long long bytes);
void	 progress_add(struct progress *p, long long items, long long bytes);
/* Start the clock and the drawing thread. */
void	 progress_start(struct progress *p);
/* Erase the live line and keep it off until progress_release. */
void	 progress_hold(struct progress *p);
void	 progress_release(struct progress *p);
/*
 * Stop and free.  keep: leave a last line (the totals) where one is due
 * (a terminal, PROGRESS_ON, or after a periodic line); else the live
 * line is erased, for a summary that says it all.
 */
void	 progress_end(struct progress *p, bool keep);

/* The default text: "120 of 700 files, 3.2 GiB of 14.6 GiB, 310 MB/s, ETA 37s". */
void	 progress_render_counts(struct buf *b, const struct progress_view *v,
	    const char *unit);
/* ", ETA 37s" when it can be told (past 1% of a known total), else "". */
void	 progress_add_eta(struct buf *b, double done, double total,
	    double secs);

#endif
