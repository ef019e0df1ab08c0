/*
 * status.c - the view of `cutover status`; see status.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/redact.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "procedure.h"
#include "report.h"
#include "runbook.h"
#include "schedule.h"
#include "status.h"

static bool
is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The step that was last started (any kind), or NULL. */
static const struct jstep *
last_started(const struct jlog *l)
{
	return l->nsteps ? &l->steps[l->nsteps - 1] : NULL;
}

/* The phase being (or last) executed: the last one that began. */
static const struct jphase *
current_phase(const struct jlog *l)
{
	const struct jphase *cur = NULL;

	for (size_t i = 0; i < l->nphases; i++)
		if (cur == NULL || l->phases[i].started_us >= cur->started_us)
			cur = &l->phases[i];
	return cur;
}

/*
 * The latest evaluation of the last gate: walking back from the newest
 * gate row, each check of that phase once.  Fills idx (newest first).
 */
static size_t
last_gate(const struct jlog *l, size_t *idx, size_t max)
{
	const char *phase = NULL;
	size_t n = 0;

	for (size_t i = l->nchecks; i-- > 0 && n < max;) {
		const struct jcheck *c = &l->checks[i];
		if (!is(c->role, "gate"))
			continue;
		if (phase == NULL)
			phase = c->phase_id;
		if (!is(c->phase_id, phase))
			break;
		bool seen = false;
		for (size_t k = 0; k < n; k++)
			seen |= is(l->checks[idx[k]].check_id, c->check_id);
		if (seen)
			break;
		idx[n++] = i;
	}
	return n;
}

/* The plan's step behind a journal row: a phase's step or a rollback step. */
static const struct step *
plan_step(const struct plan *p, const struct jstep *js)
{
	const struct phase *ph = plan_phase(p, js->phase_id ? js->phase_id :
	    "");

	/* A step or its undo; else one of the plan's rollback steps. */
	for (size_t k = 0; ph && k < ph->nsteps; k++)
		if (is(ph->steps[k].id, js->step_id))
			return &ph->steps[k];
	for (size_t k = 0; !is(js->kind, "step") && k < p->nrollback; k++)
		if (is(p->rollback[k].id, js->step_id))
			return &p->rollback[k];
	return NULL;
}

/* ---- watches: progress and the last samples --------------------------- */

static int64_t
watch_end(const struct jwatch *w, int64_t now)
{
	if (w->ended_us)
		return w->ended_us;
	return now < w->started_us + w->for_us ? now : w->started_us + w->for_us;
}

static void
watch_text(struct buf *b, const struct jlog *l, int64_t now)
{
	for (size_t i = 0; i < l->nwatches; i++) {
		const struct jwatch *w = &l->watches[i];
		int64_t el = watch_end(w, now) - w->started_us;
		int64_t left = w->ended_us ? 0 : w->started_us + w->for_us - now;
		char *e = fmt_duration(el > 0 ? el : 0);
		char *r = fmt_duration(left > 0 ? left : 0);
		char *ev = fmt_duration(w->every_us);
		int64_t gap = 0;
		for (size_t g = 0; g < w->ngaps; g++)
			gap += w->gaps[g].to_us - w->gaps[g].from_us;
		buf_addf(b, "  watch of %s: %s, %s elapsed, %s left, every %s",
		    w->phase_id, w->state, e, r, ev);
		if (w->ngaps) {
			char *g = fmt_duration(gap);
			buf_addf(b, ", %zu gap%s (%s unwatched)", w->ngaps,
			    w->ngaps == 1 ? "" : "s", g);
			free(g);
		}
		buf_addc(b, '\n');
		free(e);
		free(r);
		free(ev);
		for (size_t k = 0; w->stats && k < w->nchecks; k++) {
			const struct jwstat *st = &w->stats[k];
			char *t = st->last_at_us ? fmt_time_iso(st->last_at_us) :
			    xstrdup("-");
			buf_addf(b, "    %-20s %lld samples, %lld failing; last %s "
			    "at %s%s%s\n", w->checks[k], (long long)st->n,
			    (long long)st->nfail, st->n ? status_name((enum status)
			    st->last_status) : "none", t, st->last_status > ST_WARN
			    && st->last_message ? ": " : "", st->last_status >
			    ST_WARN && st->last_message ? st->last_message : "");
			free(t);
		}
		for (size_t k = 0; k < w->ntriggers; k++)
			buf_addf(b, "    trigger: %s %s: %s\n",
			    w->triggers[k].check_id, w->triggers[k].rule,
			    w->triggers[k].samples);
	}
}

static void
watch_json(struct buf *b, const struct jlog *l, int64_t now)
{
	buf_adds(b, ", \"watches\": [");
	for (size_t i = 0; i < l->nwatches; i++) {
		const struct jwatch *w = &l->watches[i];
		int64_t el = watch_end(w, now) - w->started_us;
		int64_t left = w->ended_us ? 0 : w->started_us + w->for_us - now;
		buf_adds(b, i ? ", {" : "{");
		json_field(b, "phase", w->phase_id, false);
		json_field(b, "state", w->state, true);
		json_time(b, "started", w->started_us, true);
		json_ms(b, "elapsed", el > 0 ? el : 0, true);
		json_ms(b, "remaining", left > 0 ? left : 0, true);
		json_ms(b, "every", w->every_us, true);
		buf_addf(b, ", \"gaps\": %zu, \"checks\": [", w->ngaps);
		for (size_t k = 0; w->stats && k < w->nchecks; k++) {
			const struct jwstat *st = &w->stats[k];
			buf_adds(b, k ? ", {" : "{");
			json_field(b, "id", w->checks[k], false);
			buf_addf(b, ", \"samples\": %lld, \"failing\": %lld",
			    (long long)st->n, (long long)st->nfail);
			json_field(b, "last_status", st->n ? status_name(
			    (enum status)st->last_status) : NULL, true);
			json_time(b, "last", st->last_at_us, true);
			json_field(b, "last_message", st->last_message, true);
			buf_adds(b, "}");
		}
		buf_addf(b, "], \"triggers\": %zu}", w->ntriggers);
	}
	buf_adds(b, "]");
}

void
status_now(const struct plan *p, const struct jlog *l, int64_t now,
    struct status_now *o)
{
	memset(o, 0, sizeof(*o));
	const struct jphase *cp = current_phase(l);
	const struct jstep *ls = last_started(l);
	o->jphase = cp;
	o->phase = cp ? plan_phase(p, cp->phase_id) : NULL;
	for (size_t i = 0; cp && i < p->nphases; i++)
		if (is(p->phases[i].id, cp->phase_id))
			o->phase_pos = i + 1;
	o->jstep = ls;
	o->step = ls ? plan_step(p, ls) : NULL;
	/* A step row still "running" with no live run is interrupted. */
	o->step_state = ls ? ls->state : NULL;
	if (ls && is(o->step_state, STEP_RUNNING) && l->holder == 0)
		o->step_state = STEP_INTERRUPTED;
	if (cp && cp->window_start_us) {
		o->has_window = true;
		o->window_elapsed_us = (cp->ended_us ? cp->ended_us :
		    (l->run.ended_us && !is(l->run.state, RUN_AWAITING) &&
		    !is(l->run.state, RUN_STOPPED) ? l->run.ended_us : now)) -
		    cp->window_start_us;
	}
	/* The last gate's results: the newest gate rows of one phase. */
	o->ngate = last_gate(l, o->gate, STATUS_GATE_MAX);
	o->gate_phase = o->ngate ? l->checks[o->gate[0]].phase_id : NULL;
}

void
status_emit(FILE *f, bool json, const struct plan *p, const struct jlog *l,
    const char *journal)
{
	int64_t now = now_wall_us();
	struct status_now sn;

	status_now(p, l, now, &sn);
	const struct jphase *cp = sn.jphase;
	const struct jstep *ls = sn.jstep;
	const struct phase *ph = sn.phase;
	const char *ls_state = sn.step_state;
	int64_t win_el = sn.window_elapsed_us;
	const size_t *gi = sn.gate;
	size_t ng = sn.ngate;
	const char *gate_phase = sn.gate_phase;

	const char *state = report_state(l), *verdict = report_verdict(state);
	if (json) {
		struct buf b = BUF_INIT;
		json_open(&b);
		json_field(&b, "plan", p->name, true);
		json_field(&b, "journal", journal, true);
		buf_addf(&b, ", \"run\": %lld", (long long)l->run.id);
		json_field(&b, "state", state, true);
		json_field(&b, "verdict", verdict, true);
		json_field(&b, "reason", l->run.reason, true);
		buf_addf(&b, ", \"pid\": %ld", l->holder > 0 ? l->holder : 0L);
		json_field(&b, "user", l->run.user, true);
		json_time(&b, "started", l->run.started_us, true);
		json_time(&b, "ended", l->run.ended_us, true);
		json_field(&b, "phase", cp ? cp->phase_id : NULL, true);
		json_field(&b, "phase_state", cp ? cp->state : NULL, true);
		json_field(&b, "step", ls ? ls->step_id : NULL, true);
		const struct step *lst = sn.step;
		json_field(&b, "step_title", lst ? lst->title : NULL, true);
		json_field(&b, "step_description", lst ? lst->description :
		    NULL, true);
		json_field(&b, "step_kind", ls ? ls->kind : NULL, true);
		json_field(&b, "step_host", ls ? ls->host : NULL, true);
		json_field(&b, "step_host_ssh", ls ? ls->host_ssh : NULL, true);
		json_field(&b, "step_state", ls_state, true);
		if (cp && cp->window_start_us) {
			json_ms(&b, "window_elapsed", win_el > 0 ? win_el : 0,
			    true);
			if (ph && ph->window.target_us >= 0)
				json_ms(&b, "window_target", ph->window.target_us,
				    true);
			if (ph && ph->window.max_us >= 0)
				json_ms(&b, "window_max", ph->window.max_us, true);
		}
		if (p->nalerts || l->nalerts) {
			size_t sent, failed;
			report_alert_counts(l, &sent, &failed);
			buf_addf(&b, ", \"alerts\": {\"sent\": %zu, "
			    "\"failed\": %zu}", sent, failed);
		}
		buf_adds(&b, ", \"last_gate\": ");
		if (gate_phase) {
			buf_adds(&b, "{");
			json_field(&b, "phase", gate_phase, false);
			buf_adds(&b, ", \"results\": [");
			for (size_t k = ng; k-- > 0;) {
				const struct jcheck *c = &l->checks[gi[k]];
				buf_adds(&b, k + 1 == ng ? "{" : ", {");
				json_field(&b, "id", c->check_id, false);
				json_field(&b, "status", c->status, true);
				json_field(&b, "observed", c->observed, true);
				json_field(&b, "message", c->message, true);
				buf_adds(&b, "}");
			}
			buf_adds(&b, "]}");
		} else {
			buf_adds(&b, "null");
		}
		watch_json(&b, l, now);
		procedure_status(&b, p, l, now, true);
		schedule_status(&b, true, p, journal, now);
		buf_adds(&b, "}\n");
		fputs(b.s, f);
		buf_release(&b);
		return;
	}

	struct buf b = BUF_INIT;
	char *t = fmt_time_iso(l->run.started_us);
	buf_addf(&b, "plan %s: run %lld %s (%s)%s%s\n", p->name,
	    (long long)l->run.id, state, verdict, l->run.reason ? ": " : "",
	    l->run.reason ? l->run.reason : "");
	buf_addf(&b, "  started %s by %s on %s", t, l->run.user ? l->run.user :
	    "?", l->run.host ? l->run.host : "?");
	free(t);
	if (l->holder > 0)
		buf_addf(&b, ", running as pid %ld", l->holder);
	buf_addc(&b, '\n');
	if (cp) {
		size_t pi = sn.phase_pos;
		buf_addf(&b, "  phase %s (%zu of %zu): %s\n", cp->phase_id, pi,
		    p->nphases, cp->state);
	}
	if (ls) {
		char *d = report_span(ls->started_us, ls->ended_us ? ls->ended_us : now);
		/* Where the step stands in its phase: "step 3 of 5". */
		char pos[48] = "";
		const struct phase *sp = plan_phase(p, ls->phase_id ?
		    ls->phase_id : "");
		for (size_t k = 0; sp && is(ls->kind, "step") &&
		    k < sp->nsteps; k++)
			if (is(sp->steps[k].id, ls->step_id))
				snprintf(pos, sizeof(pos), " (%zu of %zu)", k + 1,
				    sp->nsteps);
		const struct step *lst = sn.step;
		const char *sd = lst ? lst->description : NULL;
		/* Where it ran, when not here: "on vps2 (root@10.0.0.2)". */
		bool far = ls->host && !is(ls->host, "local");
		char *on = far ? xasprintf(" on %s%s%s%s", ls->host,
		    ls->host_ssh ? " (" : "", ls->host_ssh ? ls->host_ssh : "",
		    ls->host_ssh ? ")" : "") : xstrdup("");
		buf_addf(&b, "  last %s: %s%s%s%s%s%s%s%s, %s (%s)%s%s\n",
		    ls->kind, ls->step_id, lst && lst->title ? " \"" : "", lst &&
		    lst->title ? lst->title : "", lst && lst->title ? "\"" : "",
		    sd ? " - " : "", sd ? sd : "",
		    pos, on, ls_state, d, ls->message ? ": " : "",
		    ls->message ? ls->message : "");
		free(on);
		free(d);
	}
	if (ls && is(ls_state, STEP_INTERRUPTED) && ls->pgid > 0 &&
	    l->holder == 0 && pgid_alive(ls->pgid))
		buf_addf(&b, "  its processes (group %ld) are still running\n",
		    ls->pgid);
	if (cp && cp->window_start_us && ph && ph->window.set) {
		char *e = fmt_duration(win_el > 0 ? win_el : 0);
		char *w = report_window(ph);
		buf_addf(&b, "  window of %s: %s elapsed (%s)\n", cp->phase_id, e,
		    w);
		free(e);
		free(w);
	}
	if (gate_phase) {
		buf_addf(&b, "  last gate (%s):", gate_phase);
		for (size_t k = ng; k-- > 0;) {
			const struct jcheck *c = &l->checks[gi[k]];
			buf_addf(&b, " %s %s%s", c->check_id, c->status,
			    k ? "," : "");
		}
		buf_addc(&b, '\n');
	}
	if (p->nalerts || l->nalerts) {
		size_t sent, failed;
		report_alert_counts(l, &sent, &failed);
		buf_addf(&b, "  alerts: %zu sent, %zu failed%s\n", sent, failed,
		    failed ? " (cutover report lists them)" : "");
	}
	watch_text(&b, l, now);
	procedure_status(&b, p, l, now, false);
	schedule_status(&b, false, p, journal, now);
	const char *next = NULL;
	if (is(state, RUN_AWAITING))
		next = "cutover resume %s --yes (go) or cutover rollback %s";
	else if (is(state, RUN_STOPPED) || is(state, "interrupted"))
		next = "cutover resume %s or cutover rollback %s";
	else if (is(state, "rollback-interrupted"))
		next = "cutover resume %s (continues the rollback)%.0s";
	if (next) {
		buf_adds(&b, "  next: ");
		buf_addf(&b, next, p->file, p->file);
		buf_addc(&b, '\n');
	}
	buf_addf(&b, "journal: %s\n", journal);
	/* Messages come from commands and servers: no raw ESC sequences. */
	char *r = redact(b.s), *pr = text_printable(r, true);
	fputs(pr, f);
	free(pr);
	free(r);
	buf_release(&b);
}

void
status_emit_none(FILE *f, bool json, const struct plan *p, const char *journal)
{
	struct buf b = BUF_INIT;

	if (json) {
		json_open(&b);
		json_field(&b, "plan", p->name, true);
		buf_adds(&b, ", \"state\": \"none\", \"run\": null");
		/* A checklist is worked through before any run. */
		schedule_status(&b, true, p, journal_current(), now_wall_us());
		buf_adds(&b, "}\n");
		fputs(b.s, f);
	} else {
		buf_addf(&b, "plan %s: no run yet", p->name);
		if (journal)
			buf_addf(&b, " (no journal at %s)", journal);
		buf_addc(&b, '\n');
		schedule_status(&b, false, p, journal_current(), now_wall_us());
		char *r = redact(b.s);
		fputs(r, f);
		free(r);
	}
	buf_release(&b);
}
