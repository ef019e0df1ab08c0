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

/*
 * Where a run stands now, as `status` shows it (serve's dashboard reads
 * the same): the phase begun last, the step started last with its state
 * as shown ("interrupted" when no process holds the journal), the window
 * clock, and the last gate's newest results (indices into l->checks,
 * newest first).
 */
#define STATUS_GATE_MAX	64
struct status_now {
	const struct jphase *jphase;	/* NULL: no phase began */
	const struct phase *phase;	/* its plan phase, or NULL */
	size_t		 phase_pos;	/* 1-based in the plan; 0 unknown */
	const struct jstep *jstep;	/* NULL: no step started */
	const struct step *step;	/* its plan step, or NULL */
	const char	*step_state;
	bool		 has_window;	/* the phase's window has started */
	int64_t		 window_elapsed_us;
	const char	*gate_phase;	/* NULL: no gate evaluated */
	size_t		 gate[STATUS_GATE_MAX], ngate;
};
void	 status_now(const struct plan *p, const struct jlog *l, int64_t now,
	    struct status_now *out);

void	 status_emit(FILE *f, bool json, const struct plan *p,
	    const struct jlog *l, const char *journal);
/* No run yet; journal is NULL when there is no journal file either. */
void	 status_emit_none(FILE *f, bool json, const struct plan *p,
	    const char *journal);

#endif
