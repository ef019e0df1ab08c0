/*
 * procedure.c - contingency procedures (see procedure.h): their keys,
 * the rules that start them (the watch's rule math, not a copy of it),
 * their execution through the runbook's step runner, and what the
 * journal says ran.
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "alert.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/redact.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "procedure.h"

/* ---- the plan's side ------------------------------------------------- */

static const char *const proc_keys[] = {
	"title", "steps", "checks", "when", "on_failure", "phases",
	NULL
};

static void
proc_release(struct procedure *pr)
{
	free(pr->id);
	free(pr->title);
	pn_steps_free(pr->steps, pr->nsteps);
	strlist_release(&pr->checks);
	strlist_release(&pr->phases);
	for (size_t i = 0; i < pr->nwhen; i++) {
		free(pr->when[i].check);
		cmp_free(&pr->when[i].value.cmp);
	}
	free(pr->when);
}

yaml_node_t *
procedure_rollback_map(struct pctx *cx, yaml_node_t *map)
{
	static const char *const rk[] = { "max", "steps", NULL };

	pn_keys(cx, map, rk, "rollback");
	yaml_node_t *mx = pn_get(cx, map, "max");
	if (mx && pn_duration(cx, mx, "max", &pn_plan(cx)->rollback_max_us)
	    == 0 && pn_plan(cx)->rollback_max_us <= 0)
		pn_error(cx, mx, "'max' of rollback must be above zero");
	yaml_node_t *st = pn_get(cx, map, "steps");
	if (st == NULL)
		pn_error(cx, map, "'rollback' as a map needs 'steps' (and "
		    "'max', its deadline, like 15m)");
	return st;
}

/* The item of steps list st whose id is id (for an error's position). */
static yaml_node_t *
step_node(struct pctx *cx, yaml_node_t *st, const char *id)
{
	for (size_t j = 0; j < pn_seq_len(st); j++) {
		yaml_node_t *it = pn_seq_item(cx, st, j);
		yaml_node_t *in = pn_is_map(it) ? pn_get(cx, it, "id") : NULL;
		if (in && in->type == YAML_SCALAR_NODE && strcmp((const char *)
		    in->data.scalar.value, id) == 0)
			return it;
	}
	return st;
}

/* phases: [NAME, ...]: read now (the watches are built from it), the
 * names judged by procedure_phases_check once the phases are known. */
static void
procedure_phases_read(struct pctx *cx, struct procedure *pr, yaml_node_t *n)
{
	if (n == NULL)
		return;
	if (!pn_is_seq(n) || pn_seq_len(n) == 0) {
		pn_error(cx, n, "'phases' of procedure '%s' must be a list of "
		    "phase ids, like [long-term]", pr->id);
		return;
	}
	if (pr->nwhen == 0)
		/* Nothing accepted and ignored: phases scope when only. */
		pn_error(cx, n, "'phases' of procedure '%s' scopes its 'when' "
		    "rules, and it has none", pr->id);
	for (size_t i = 0; i < pn_seq_len(n); i++) {
		char *s = pn_str(cx, pn_seq_item(cx, n, i), "phases");
		if (s && !strlist_has(&pr->phases, s))
			strlist_push(&pr->phases, s);
		free(s);
	}
}

void
procedure_phases_check(struct pctx *cx, yaml_node_t *n)
{
	const struct plan *p = pn_plan(cx);
	const char **names = xcalloc(p->nphases + 1, sizeof(*names));

	for (size_t i = 0; i < p->nphases; i++)
		names[i] = p->phases[i].id;
	for (size_t i = 0; pn_is_map(n) && i < pn_map_len(n); i++) {
		yaml_node_t *v;
		const char *name = pn_map_key(cx, n, i, &v);
		yaml_node_t *ps = name && pn_is_map(v) ? pn_get(cx, v,
		    "phases") : NULL;
		for (size_t k = 0; pn_is_seq(ps) && k < pn_seq_len(ps); k++) {
			yaml_node_t *it = pn_seq_item(cx, ps, k);
			if (it == NULL || it->type != YAML_SCALAR_NODE)
				continue;
			const char *s = (const char *)it->data.scalar.value;
			const struct phase *ph = NULL;
			for (size_t j = 0; j < p->nphases; j++)
				if (strcmp(p->phases[j].id, s) == 0)
					ph = &p->phases[j];
			if (ph == NULL) {
				const char *near = nearest(s, (const char *
				    const *)names, p->nphases);
				pn_error(cx, it, "procedure '%s': no phase "
				    "'%s'%s%s%s", name, s, near ? " (did you "
				    "mean '" : "", near ? near : "", near ?
				    "'?)" : "");
			} else if (!ph->has_watch && ph->gate.n == 0) {
				pn_error(cx, it, "procedure '%s': phase '%s' "
				    "has no watch and no gate, where its 'when' "
				    "rules would be judged", name, s);
			}
		}
	}
	free(names);
}

bool
procedure_in_phase(const struct procedure *pr, const char *phase)
{
	return pr->phases.n == 0 || (phase && strlist_has(&pr->phases,
	    phase));
}

void
procedure_parse(struct pctx *cx, yaml_node_t *n)
{
	struct plan *p = pn_plan(cx);

	if (n == NULL)
		return;
	if (!pn_is_map(n)) {
		pn_error(cx, n, "'procedures' must be a map of NAME: {steps: "
		    "[...], when: [...], on_failure: stop}");
		return;
	}
	p->procedures = xcalloc(pn_map_len(n) + 1, sizeof(*p->procedures));
	for (size_t i = 0; i < pn_map_len(n); i++) {
		yaml_node_t *v;
		const char *name = pn_map_key(cx, n, i, &v);
		if (name == NULL)
			continue;
		if (!pn_is_map(v)) {
			pn_error(cx, v, "procedure '%s' must be a map with "
			    "'steps'", name);
			continue;
		}
		bool ok = *name != '\0';
		for (const char *c = name; *c; c++)
			ok &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' &&
			    *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			    strchr("._-", *c) != NULL;
		if (!ok) {
			pn_error(cx, v, "procedure name '%s' may contain only "
			    "letters, digits, '.', '_' and '-'", name);
			continue;
		}
		struct procedure *pr = &p->procedures[p->nprocedures++];
		pr->id = xstrdup(name);
		pr->line = (int)v->start_mark.line + 1;
		pr->col = (int)v->start_mark.column + 1;
		pn_keys(cx, v, proc_keys, "procedure");
		pr->title = pn_str(cx, pn_get(cx, v, "title"), "title");
		yaml_node_t *st = pn_get(cx, v, "steps");
		if (st == NULL)
			pn_error(cx, v, "procedure '%s' needs 'steps'", name);
		pr->steps = pn_steps(cx, st, "steps", &pr->nsteps);
		for (size_t k = 0; k < pr->nsteps; k++)
			if (pr->steps[k].has_undo)
				/* A rollback undoes the run's phases' steps;
				 * a procedure's undo would never run. */
				pn_error(cx, pn_get(cx, step_node(cx, st, pr->steps[k].id),
				    "undo"), "step '%s' of procedure '%s': a "
				    "procedure's steps have no 'undo' (give the "
				    "plan's rollback what undoes them)",
				    pr->steps[k].id, name);
		for (size_t k = 0; k < pr->nsteps; k++)
			if (pr->steps[k].downtime != DOWNTIME_NONE)
				/* Downtime is measured on the phases' steps. */
				pn_error(cx, pn_get(cx, step_node(cx, st, pr->steps[k].id),
				    "downtime"), "step '%s' of procedure '%s': "
				    "'downtime' marks a phase's steps, not a "
				    "procedure's", pr->steps[k].id, name);
		pn_check_refs(cx, pn_get(cx, v, "checks"), "checks",
		    &pr->checks);
		pn_rules(cx, pn_get(cx, v, "when"), "when", &pr->when,
		    &pr->nwhen);
		procedure_phases_read(cx, pr, pn_get(cx, v, "phases"));
		yaml_node_t *of = pn_get(cx, v, "on_failure");
		if (of) {
			static const char *const words[] = { "stop",
			    "rollback", NULL };
			char *w = pn_str(cx, of, "on_failure");
			if (w && strcmp(w, "rollback") == 0) {
				pr->on_failure = PROC_FAIL_ROLLBACK;
			} else if (w && strcmp(w, "stop") != 0) {
				const char *near = nearest(w, words, 2);
				pn_error(cx, of, "'on_failure' must be stop or "
				    "rollback (got '%s')%s%s%s", w, near ?
				    " (did you mean '" : "", near ? near : "",
				    near ? "'?)" : "");
			}
			free(w);
		}
	}
}

void
procedure_watched(const struct plan *p, const char *phase,
    struct strlist *checks)
{
	for (size_t i = 0; i < p->nprocedures; i++)
		for (size_t k = 0; procedure_in_phase(&p->procedures[i],
		    phase) && k < p->procedures[i].nwhen; k++)
			if (!strlist_has(checks, p->procedures[i].when[k].check))
				strlist_push(checks, p->procedures[i].when[k].check);
}

void
procedure_free_all(struct plan *p)
{
	for (size_t i = 0; i < p->nprocedures; i++)
		proc_release(&p->procedures[i]);
	free(p->procedures);
	p->procedures = NULL;
	p->nprocedures = 0;
}

const struct procedure *
plan_procedure(const struct plan *p, const char *id)
{
	for (size_t i = 0; i < p->nprocedures; i++)
		if (strcmp(p->procedures[i].id, id) == 0)
			return &p->procedures[i];
	return NULL;
}

/* ---- rules ----------------------------------------------------------- */

/* One `when` rule: its own ring of its check's samples. */
struct prule {
	const struct procedure		*pr;
	const struct rollback_rule	*r;
	struct wring			 ring;
	struct wrule_state		 st;
	char				*why;	/* fired, not yet taken */
};

struct proc_rules {
	struct prule	*v;
	size_t		 n;
	struct strlist	 taken;		/* started by this process */
};

struct proc_rules *
proc_rules_new(const struct plan *p)
{
	struct proc_rules *r = xcalloc(1, sizeof(*r));
	size_t n = 0;

	for (size_t i = 0; i < p->nprocedures; i++)
		n += p->procedures[i].nwhen;
	r->v = xcalloc(n + 1, sizeof(*r->v));
	for (size_t i = 0; i < p->nprocedures; i++) {
		const struct procedure *pr = &p->procedures[i];
		for (size_t k = 0; k < pr->nwhen; k++) {
			struct prule *x = &r->v[r->n++];
			x->pr = pr;
			x->r = &pr->when[k];
			/* Sized for a sample a second over the rule's window:
			 * gates and watches feed fewer. */
			wring_init(&x->ring, rule_ring_need(x->r, US_PER_S));
		}
	}
	return r;
}

void
proc_rules_free(struct proc_rules *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		wring_release(&r->v[i].ring);
		free(r->v[i].why);
	}
	free(r->v);
	strlist_release(&r->taken);
	free(r);
}

void
proc_rules_feed(struct proc_rules *r, const char *phase, const char *check,
    const struct wsample *s, bool judge)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct prule *x = &r->v[i];
		/* Out of its phases a rule sees nothing: its window holds
		 * only samples of the phases that judge it. */
		if (strcmp(x->r->check, check) != 0 ||
		    !procedure_in_phase(x->pr, phase))
			continue;
		wring_push(&x->ring, s);
		char *why = NULL;
		if (rule_update(x->r, &x->ring, &x->st, &why) && judge &&
		    x->why == NULL) {
			char *d = rule_describe(x->r);
			x->why = xasprintf("when %s %s: %s", x->r->check, d, why);
			free(d);
		}
		free(why);
	}
}

/* Has pr started in this run already (by a rule or by hand)? */
static bool
has_run(const struct jlog *l, const char *name)
{
	for (size_t i = 0; l && i < l->nevents; i++)
		if (strcmp(l->events[i].type, "procedure.start") == 0 &&
		    l->events[i].step_id &&
		    strcmp(l->events[i].step_id, name) == 0)
			return true;
	return false;
}

const struct procedure *
proc_rules_take(struct proc_rules *r, const struct jlog *l, char **why)
{
	*why = NULL;
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		struct prule *x = &r->v[i];
		if (x->why == NULL)
			continue;
		char *w = x->why;
		x->why = NULL;
		if (has_run(l, x->pr->id) || strlist_has(&r->taken,
		    x->pr->id)) {
			free(w);
			continue;
		}
		/* Another rule of the same procedure fired too: once. */
		for (size_t k = 0; k < r->n; k++)
			if (r->v[k].pr == x->pr && r->v[k].why) {
				free(r->v[k].why);
				r->v[k].why = NULL;
			}
		strlist_push(&r->taken, x->pr->id);
		*why = w;
		return x->pr;
	}
	return NULL;
}

/* ---- execution ------------------------------------------------------- */

static bool
is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

const struct jevent *
procedure_open(const struct jlog *l)
{
	const struct jevent *open = NULL;

	for (size_t i = 0; l && i < l->nevents; i++) {
		const struct jevent *e = &l->events[i];
		if (is(e->type, "procedure.start"))
			open = e;
		else if (open && (is(e->type, "procedure.done") ||
		    is(e->type, "procedure.failed")) && is(e->step_id,
		    open->step_id))
			open = NULL;
	}
	return open;
}

/* The latest row of step sid in the execution that began at since. */
static const struct jstep *
row_since(const struct jlog *l, const char *proc, const char *sid,
    int64_t since)
{
	const struct jstep *last = NULL;

	for (size_t i = 0; l && i < l->nsteps; i++) {
		const struct jstep *js = &l->steps[i];
		if (is(js->kind, "procedure") && is(js->phase_id, proc) &&
		    is(js->step_id, sid) && js->started_us >= since)
			last = js;
	}
	return last;
}

static void
emit(const struct proc_host *h, const char *event, const char *phase,
    const char *status, const char *message)
{
	struct alert_event ev = { .event = event, .phase = phase,
	    .status = status, .message = message };

	alert_emit(h->al, &ev);
}

static enum proc_end
end_with(const struct proc_host *h, const struct procedure *pr,
    const char *phase, bool ok, const char *msg)
{
	char *e = NULL;
	char *m = xasprintf("procedure %s %s: %s", pr->id, ok ? "done" :
	    "failed", msg);

	int rc = journal_event(h->j, h->run, ok ? "procedure.done" :
	    "procedure.failed", phase, pr->id, msg, &e);
	h->say("== %s", m);
	emit(h, "procedure.done", phase, ok ? "ok" : "failed", m);
	free(m);
	if (rc != 0) {
		errmsg("%s", e);
		free(e);
		return PROC_ERR;
	}
	return ok ? PROC_OK : PROC_FAILED;
}

enum proc_end
procedure_exec(const struct proc_host *h, const struct procedure *pr,
    const char *phase, const char *why, const struct jlog *l, char **reason)
{
	int64_t since = 0;
	char *e = NULL;

	*reason = NULL;
	if (l) {
		const struct jevent *o = procedure_open(l);
		if (o == NULL || !is(o->step_id, pr->id))
			return PROC_OK;
		since = o->at_us;
		phase = o->phase_id;
		h->say("== procedure %s continues (started: %s)", pr->id,
		    o->message ? o->message : "?");
	} else {
		char *m = xasprintf("procedure %s started%s%s: %s", pr->id,
		    phase ? " in phase " : " by hand", phase ? phase : "", why);
		int rc = journal_event(h->j, h->run, "procedure.start", phase,
		    pr->id, why, &e);
		h->say("== %s", m);
		emit(h, "procedure.start", phase, "started", m);
		free(m);
		if (rc != 0) {
			errmsg("%s", e);
			free(e);
			return PROC_ERR;
		}
	}
	for (size_t i = 0; i < pr->nsteps; i++) {
		const struct step *s = &pr->steps[i];
		const struct jstep *js = l ? row_since(l, pr->id, s->id, since) :
		    NULL;
		if (js && (is(js->state, STEP_OK) || is(js->state,
		    STEP_SKIPPED))) {
			h->say("   step %s: done earlier", s->id);
			continue;
		}
		if (js && (is(js->state, STEP_RUNNING) || is(js->state,
		    STEP_INTERRUPTED))) {
			int r = h->interrupted(h->arg, js, s);
			if (r < 0)
				return PROC_HALT;
			if (r > 0)
				continue;
		}
		int r = h->step(h->arg, pr, s);
		if (r < 0)
			return PROC_ERR;
		if (r == 2)
			return PROC_SIGNAL;
		if (r == 1) {
			*reason = xasprintf("procedure %s: step %s failed",
			    pr->id, s->id);
			return end_with(h, pr, phase, false, *reason);
		}
	}
	if (pr->checks.n) {
		struct buf failed = BUF_INIT;
		int jerr = 0;
		h->say("   checks of procedure %s:", pr->id);
		enum status st = h->checks(h->arg, pr, &failed, &jerr);
		if (jerr) {
			buf_release(&failed);
			return PROC_ERR;
		}
		if (st == ST_FAIL) {
			*reason = xasprintf("procedure %s: checks failed: %s",
			    pr->id, failed.s ? failed.s : "");
			buf_release(&failed);
			return end_with(h, pr, phase, false, *reason);
		}
		buf_release(&failed);
	}
	return end_with(h, pr, phase, true, pr->checks.n ? "steps ok, checks "
	    "passed" : "steps ok");
}

/* ---- what ran -------------------------------------------------------- */

struct proc_run *
procedure_runs(const struct jlog *l, size_t *n)
{
	struct proc_run *v = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < l->nevents; i++) {
		const struct jevent *e = &l->events[i];
		if (is(e->type, "procedure.start")) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 4;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			struct proc_run *r = &v[(*n)++];
			memset(r, 0, sizeof(*r));
			r->name = e->step_id ? e->step_id : "?";
			r->phase = e->phase_id;
			r->why = e->message ? e->message : "";
			r->outcome = "running";
			r->started_us = e->at_us;
			continue;
		}
		if (!is(e->type, "procedure.done") &&
		    !is(e->type, "procedure.failed"))
			continue;
		for (size_t k = *n; k-- > 0;) {
			if (v[k].ended_us == 0 && is(v[k].name, e->step_id)) {
				v[k].ended_us = e->at_us;
				v[k].outcome = is(e->type, "procedure.done") ?
				    "ok" : "failed";
				v[k].detail = e->message;
				break;
			}
		}
	}
	for (size_t k = 0; k < *n; k++) {
		struct proc_run *r = &v[k];
		for (size_t i = 0; i < l->nsteps; i++) {
			const struct jstep *js = &l->steps[i];
			if (!is(js->kind, "procedure") || !is(js->phase_id,
			    r->name) || js->started_us < r->started_us ||
			    (r->ended_us && js->started_us > r->ended_us))
				continue;
			if (is(js->state, STEP_OK) || is(js->state,
			    STEP_SKIPPED))
				r->steps_ok++;
			else if (!is(js->state, STEP_RUNNING))
				r->steps_failed++;
		}
		/* Not ended and nobody holds the journal: a crash. */
		if (r->ended_us == 0 && l->holder == 0)
			r->outcome = "interrupted";
	}
	return v;
}

bool
procedure_rollback_span(const struct plan *p, const struct jlog *l,
    int64_t now, int64_t *start, int64_t *end, bool *overrun)
{
	*start = *end = 0;
	*overrun = false;
	for (size_t i = 0; i < l->nevents; i++) {
		if (is(l->events[i].type, "rollback-start") && *start == 0)
			*start = l->events[i].at_us;
		if (is(l->events[i].type, "rollback-overrun"))
			*overrun = true;
	}
	if (*start == 0)
		return false;
	bool ended = is(l->run.state, RUN_ROLLED) || is(l->run.state,
	    RUN_ROLLFAIL);
	*end = ended && l->run.ended_us ? l->run.ended_us : now;
	if (p->rollback_max_us > 0 && *end - *start > p->rollback_max_us)
		*overrun = true;
	return true;
}

void
procedure_status(struct buf *b, const struct plan *p, const struct jlog *l,
    int64_t now, bool json)
{
	size_t n;
	struct proc_run *v = procedure_runs(l, &n);
	int64_t a, z;
	bool over;
	bool rb = procedure_rollback_span(p, l, now, &a, &z, &over);

	if (json) {
		buf_adds(b, ", \"procedures\": [");
		for (size_t i = 0; i < n; i++) {
			buf_adds(b, i ? ", {" : "{");
			json_field(b, "procedure", v[i].name, false);
			json_field(b, "phase", v[i].phase, true);
			json_field(b, "why", v[i].why, true);
			json_field(b, "outcome", v[i].outcome, true);
			buf_adds(b, "}");
		}
		buf_adds(b, "]");
		if (rb) {
			json_ms(b, "rollback", z - a, true);
			buf_addf(b, ", \"rollback_overrun\": %s",
			    over ? "true" : "false");
			if (p->rollback_max_us > 0)
				json_ms(b, "rollback_max", p->rollback_max_us,
				    true);
		}
		free(v);
		return;
	}
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "  procedure %s (%s): %s; %s\n", v[i].name,
		    v[i].phase ? v[i].phase : "by hand", v[i].outcome,
		    v[i].why);
	if (rb) {
		char *t = fmt_duration(z - a);
		char *m = p->rollback_max_us > 0 ?
		    fmt_duration(p->rollback_max_us) : NULL;
		buf_addf(b, "  rollback: %s%s%s%s\n", t, m ? " of max " : "",
		    m ? m : "", over ? " (OVERRUN)" : "");
		free(t);
		free(m);
	}
	free(v);
}
