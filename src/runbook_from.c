/* runbook_from.c - begin a run later in the plan; see runbook_from.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "lib/buf.h"
#include "lib/error.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "plan.h"
#include "runbook.h"
#include "runbook_from.h"

/* The first step not skipped: phase index *pi, step index *si. */
static void
start_of(const struct plan *p, const struct rb_opts *o, size_t *pi,
    size_t *si)
{
	*pi = *si = 0;
	for (size_t i = 0; i < p->nphases; i++) {
		if (o->from_phase && strcmp(p->phases[i].id, o->from_phase) == 0) {
			*pi = i;
			return;
		}
		for (size_t k = 0; o->start_step && k < p->phases[i].nsteps; k++)
			if (strcmp(p->phases[i].steps[k].id, o->start_step) == 0) {
				*pi = i;
				*si = k;
				return;
			}
	}
}

/* Did step id complete in any run of this journal (runs 1..latest)? */
static bool
ran_before(struct journal *j, int64_t latest, const char *id)
{
	for (int64_t r = latest; r > 0; r--) {
		struct jlog l;
		char *e = NULL;
		if (journal_load(j, r, &l, &e) != 0) {
			free(e);
			continue;
		}
		const struct jstep *js = jlog_last_step(&l, "step", id);
		bool ok = js && strcmp(js->state, STEP_OK) == 0;
		jlog_release(&l);
		if (ok)
			return true;
	}
	return false;
}

/* The steps before the start that are not idempotent and never ran. */
static char *
missing(const struct plan *p, const struct rb_opts *o, struct journal *j,
    int64_t latest)
{
	size_t pi, si;
	struct buf b = BUF_INIT;

	start_of(p, o, &pi, &si);
	for (size_t i = 0; i <= pi && i < p->nphases; i++) {
		const struct phase *ph = &p->phases[i];
		for (size_t k = 0; k < (i < pi ? ph->nsteps : si); k++) {
			const struct step *s = &ph->steps[k];
			if (s->idempotent || ran_before(j, latest, s->id))
				continue;
			buf_addf(&b, "%s%s", b.len ? ", " : "", s->id);
		}
	}
	return b.len ? buf_detach(&b) : (buf_release(&b), NULL);
}

int
rb_from_check(const struct plan *p, const struct rb_opts *o,
    struct journal *j, int64_t latest)
{
	if (!o->from_phase && !o->start_step)
		return 0;
	char *m = missing(p, o, j, latest);
	if (m == NULL || o->force_start) {
		free(m);
		return 0;
	}
	errmsg("run: cannot start at %s %s: earlier steps that are not "
	    "idempotent have not run in this journal: %s; run them first, or "
	    "start there anyway with --force", o->from_phase ? "phase" :
	    "step", o->from_phase ? o->from_phase : o->start_step, m);
	free(m);
	return -1;
}

int
rb_from_journal(const struct plan *p, const struct rb_opts *o,
    struct journal *j, int64_t run, char **errp)
{
	if (!o->from_phase && !o->start_step)
		return 0;
	size_t pi, si;
	start_of(p, o, &pi, &si);
	/* Journaled before the run's own rows: the history reads in order. */
	char *m = missing(p, o, j, run - 1);
	char *why = xasprintf("started at %s %s (%s)%s%s", o->from_phase ?
	    "phase" : "step", o->from_phase ? o->from_phase : o->start_step,
	    o->from_phase ? "--from" : "--start-at", m ? "; forced past "
	    "steps that never ran: " : "", m ? m : "");
	int rc = journal_event(j, run, "start-at", p->phases[pi].id,
	    o->start_step, why, errp);
	for (size_t i = 0; rc == 0 && i <= pi && i < p->nphases; i++) {
		const struct phase *ph = &p->phases[i];
		for (size_t k = 0; rc == 0 && k < (i < pi ? ph->nsteps : si);
		    k++) {
			int64_t row;
			rc = journal_step_begin(j, run, ph->id, ph->steps[k].id,
			    "step", 1, NULL, &row, errp) != 0 ||
			    journal_step_end(j, row, STEP_SKIPPED, 0, 0, why, "",
			    errp) != 0 ? -1 : 0;
		}
		if (rc == 0 && i < pi) {
			int64_t now = now_wall_us();
			rc = journal_phase(j, run, ph->id, "done", now, now, errp);
		}
	}
	free(why);
	free(m);
	return rc;
}
