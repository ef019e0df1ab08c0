/*
 * serve_view.c - the dashboard and the metrics; see serve_view.h.
 *
 * The page is server-rendered and complete without JavaScript; its small
 * inline script only fetches /api/dashboard (view_live, the same HTML)
 * every two seconds and swaps it in.  No style attribute, no external
 * resource: the Content-Security-Policy allows exactly the inline style
 * and script by their hashes.  Every text goes through redact() and
 * buf_add_xml(); class names come from fixed words only.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/prom.h"
#include "lib/redact.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "schedule.h"
#include "serve_view.h"
#include "watch.h"

static bool
is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- indexing ----------------------------------------------------------- */

static int
by_check_phase(const void *a, const void *b, void *arg)
{
	const struct jlog *l = arg;
	const struct jcheck *x = &l->checks[*(const size_t *)a];
	const struct jcheck *y = &l->checks[*(const size_t *)b];
	int c = strcmp(x->check_id ? x->check_id : "", y->check_id ?
	    y->check_id : "");

	if (c == 0)
		c = strcmp(x->phase_id ? x->phase_id : "", y->phase_id ?
		    y->phase_id : "");
	if (c == 0)
		c = *(const size_t *)a < *(const size_t *)b ? -1 : 1;
	return c;
}

void
view_index(const struct plan *p, const struct jlog *l, size_t **lastp,
    size_t **seriesp, size_t *nseries)
{
	size_t n = l ? l->nchecks : 0;
	size_t *ix = xcalloc(n + 1, sizeof(*ix));
	size_t *last = xcalloc(p->nchecks + 1, sizeof(*last));
	size_t *series = xcalloc(n + 1, sizeof(*series)), ns = 0;

	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	if (n)
		qsort_r(ix, n, sizeof(*ix), by_check_phase, (void *)l);
	/* The last of each (check, phase) run is its newest row. */
	for (size_t i = 0; i < n; i++) {
		const struct jcheck *c = &l->checks[ix[i]];
		if (i + 1 < n && is(c->check_id, l->checks[ix[i + 1]].check_id) &&
		    is(c->phase_id ? c->phase_id : "",
		    l->checks[ix[i + 1]].phase_id ? l->checks[ix[i + 1]].phase_id
		    : ""))
			continue;
		series[ns++] = ix[i];
	}
	for (size_t k = 0; k < p->nchecks; k++) {
		last[k] = SIZE_MAX;
		for (size_t i = 0; i < ns; i++)
			if (is(l->checks[series[i]].check_id, p->checks[k].id) &&
			    (last[k] == SIZE_MAX || series[i] > last[k]))
				last[k] = series[i];
	}
	free(ix);
	*lastp = last;
	*seriesp = series;
	*nseries = ns;
}

void
view_derive(struct view *v)
{
	if (v->l)
		status_now(v->p, v->l, v->now, &v->sn);
	else
		memset(&v->sn, 0, sizeof(v->sn));
}

/* ---- html helpers ------------------------------------------------------- */

/* s redacted and escaped for HTML text or an attribute value. */
static void
h(struct buf *b, const char *s)
{
	char *r = redact(s ? s : "");

	buf_add_xml(b, r);
	free(r);
}

static void
hf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
hf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	h(b, s);
	free(s);
}

/* A status word as a badge; its class only from words known here. */
static void
badge(struct buf *b, const char *word)
{
	static const char *const good[] = { "pass", "ok", "go", "yes",
	    "completed", NULL };
	static const char *const bad[] = { "fail", "failed", "no-go", "no",
	    "interrupted", "rolled-back", "rollback-failed", "stopped",
	    "rollback-interrupted", "unreadable", NULL };
	static const char *const mid[] = { "warn", "awaiting", "running",
	    "rolling-back", "evaluated", "pending", "steps", "gate", "entry",
	    NULL };
	const char *cls = "b-none";

	for (int i = 0; good[i]; i++)
		if (is(word, good[i]))
			cls = "b-good";
	for (int i = 0; bad[i]; i++)
		if (is(word, bad[i]))
			cls = "b-bad";
	for (int i = 0; mid[i]; i++)
		if (is(word, mid[i]))
			cls = "b-mid";
	buf_addf(b, "<span class=\"b %s\">", cls);
	h(b, word ? word : "-");
	buf_adds(b, "</span>");
}

static void
dt_dd(struct buf *b, const char *term)
{
	buf_adds(b, "<div class=\"kv\"><dt>");
	h(b, term);
	buf_adds(b, "</dt><dd>");
}

static char *
dur(int64_t us)
{
	return fmt_duration(us > 0 ? us : 0);
}

/* ---- sections ----------------------------------------------------------- */

static void
sec_run(struct buf *b, const struct view *v)
{
	const struct jlog *l = v->l;
	const struct status_now *sn = &v->sn;

	buf_adds(b, "<dl class=\"grid\">");
	dt_dd(b, "Run");
	if (l) {
		hf(b, "%lld by %s on %s", (long long)l->run.id, l->run.user ?
		    l->run.user : "?", l->run.host ? l->run.host : "?");
		if (l->holder > 0)
			hf(b, ", pid %ld", l->holder);
	} else {
		h(b, v->error ? "journal unreadable" : "no run yet");
	}
	buf_adds(b, "</dd></div>");

	dt_dd(b, "State");
	badge(b, l ? v->rl->state : v->error ? "unreadable" : "none");
	buf_adds(b, "</dd></div>");

	dt_dd(b, "Phase");
	if (sn->jphase) {
		buf_adds(b, "<span id=\"phase\">");
		h(b, sn->jphase->phase_id);
		buf_adds(b, "</span> ");
		if (sn->phase && sn->phase->title)
			hf(b, "%s ", sn->phase->title);
		hf(b, "(%zu of %zu) ", sn->phase_pos, v->p->nphases);
		badge(b, sn->jphase->state);
	} else {
		buf_adds(b, "-");
	}
	buf_adds(b, "</dd></div>");

	dt_dd(b, "Step");
	if (sn->jstep) {
		const struct jstep *s = sn->jstep;
		hf(b, "%s%s %s", is(s->kind, "step") ? "" : s->kind,
		    is(s->kind, "step") ? "" : ":", s->step_id);
		if (sn->step && sn->step->title)
			hf(b, " \"%s\"", sn->step->title);
		buf_adds(b, " ");
		badge(b, sn->step_state);
		char *d = report_span(s->started_us, s->ended_us ? s->ended_us :
		    v->now);
		hf(b, " %s", d);
		free(d);
	} else {
		buf_adds(b, "-");
	}
	buf_adds(b, "</dd></div>");

	dt_dd(b, "Window");
	const struct window *w = sn->phase ? &sn->phase->window : NULL;
	if (sn->has_window && w && w->set) {
		char *e = dur(sn->window_elapsed_us);
		char *t = w->target_us >= 0 ? dur(w->target_us) : xstrdup("-");
		char *x = w->max_us >= 0 ? dur(w->max_us) : xstrdup("-");
		hf(b, "%s elapsed / target %s / max %s", e, t, x);
		int64_t lim = w->max_us >= 0 ? w->max_us : w->target_us;
		if (lim > 0)
			buf_addf(b, " <progress max=\"%lld\" value=\"%lld\">"
			    "</progress>", (long long)lim, (long long)(
			    sn->window_elapsed_us < lim ? sn->window_elapsed_us :
			    lim));
		free(e);
		free(t);
		free(x);
	} else {
		buf_adds(b, "no window running");
	}
	buf_adds(b, "</dd></div>");

	dt_dd(b, "Downtime");
	if (l && v->rl->dt_how && v->rl->dt_start) {
		int64_t end = v->rl->dt_end ? v->rl->dt_end : v->now;
		char *d = dur(end - v->rl->dt_start);
		hf(b, "%s%s (%s)", d, v->rl->dt_end ? "" : " so far",
		    report_live_judgement(v->rl, end - v->rl->dt_start));
		free(d);
	} else {
		h(b, l && v->rl->dt_how ? "not started" : "-");
	}
	buf_adds(b, "</dd></div>");
	buf_adds(b, "</dl>");
	if (v->error) {
		buf_adds(b, "<p class=\"err\">");
		h(b, v->error);
		buf_adds(b, "</p>");
	}
	if (l && l->run.reason) {
		buf_adds(b, "<p>");
		h(b, l->run.reason);
		buf_adds(b, "</p>");
	}
}

/* The gate shown: the current phase's, else the last evaluated one. */
static void
sec_gate(struct buf *b, const struct view *v)
{
	const struct jlog *l = v->l;
	const struct status_now *sn = &v->sn;
	const char *phase = sn->gate_phase;
	const struct phase *cur = sn->phase;

	if (cur && cur->gate.n && (phase == NULL || !is(phase, cur->id)))
		phase = cur->id;
	if (l == NULL || phase == NULL) {
		buf_adds(b, "<p>No gate reached yet.</p>");
		return;
	}
	/* The newest decision at that phase says where the gate stands. */
	const char *state = is(phase, sn->gate_phase) ? "evaluated" :
	    "pending";
	const struct jdecision *d = NULL;
	for (size_t i = l->ndecisions; i-- > 0 && d == NULL;)
		if (is(l->decisions[i].phase_id, phase))
			d = &l->decisions[i];
	if (d)
		state = d->decision;
	buf_adds(b, "<p>Gate of phase <strong>");
	h(b, phase);
	buf_adds(b, "</strong>: <span id=\"gate-state\">");
	badge(b, state);
	buf_adds(b, "</span>");
	if (d)
		hf(b, " by %s (%s)", d->user ? d->user : "?", d->how ? d->how :
		    "");
	buf_adds(b, "</p>");
	if (!is(phase, sn->gate_phase)) {
		const struct phase *ph = plan_phase(v->p, phase);
		char *names = ph ? strlist_join(&ph->gate, ", ") : xstrdup("");
		buf_adds(b, "<p>Checks to pass: ");
		h(b, names);
		buf_adds(b, "</p>");
		free(names);
		return;
	}
	buf_adds(b, "<div class=\"tw\"><table><thead><tr><th>Check</th>"
	    "<th>Status</th><th>Observed</th><th class=\"opt\">Message</th>"
	    "</tr></thead><tbody>");
	for (size_t k = sn->ngate; k-- > 0;) {
		const struct jcheck *c = &l->checks[sn->gate[k]];
		buf_adds(b, "<tr><td>");
		h(b, c->check_id);
		buf_adds(b, "</td><td>");
		badge(b, c->status);
		buf_adds(b, "</td><td>");
		h(b, c->observed ? c->observed : "-");
		buf_adds(b, "</td><td class=\"opt\">");
		h(b, c->message);
		buf_adds(b, "</td></tr>");
	}
	buf_adds(b, "</tbody></table></div>");
}

static void
sec_checks(struct buf *b, const struct view *v)
{
	const struct plan *p = v->p;
	const struct jlog *l = v->l;
	size_t count[5] = { 0 };	/* pass warn fail skip not-run */
	static const char *const words[] = { "pass", "warn", "fail", "skip" };

	for (size_t k = 0; k < p->nchecks; k++) {
		size_t w = 4;
		if (l && v->last[k] != SIZE_MAX)
			for (size_t i = 0; i < 4; i++)
				if (is(l->checks[v->last[k]].status, words[i]))
					w = i;
		count[w]++;
	}
	buf_addf(b, "<p class=\"counts\">%zu pass, %zu warn, %zu fail, %zu skip, "
	    "%zu not run</p>", count[0], count[1], count[2], count[3],
	    count[4]);
	buf_adds(b, "<div class=\"tw\"><table><thead><tr><th>Check</th>"
	    "<th class=\"opt\">Kind</th><th>Status</th><th>Observed</th>"
	    "<th class=\"opt\">Threshold</th><th class=\"opt\">Phase</th>"
	    "<th class=\"opt\">Message</th></tr></thead><tbody>");
	for (size_t k = 0; k < p->nchecks; k++) {
		const struct check *ck = &p->checks[k];
		const struct jcheck *c = l && v->last[k] != SIZE_MAX ?
		    &l->checks[v->last[k]] : NULL;
		buf_adds(b, "<tr><td><code>");
		h(b, ck->id);
		buf_adds(b, "</code>");
		if (ck->title) {
			buf_adds(b, " ");
			h(b, ck->title);
		}
		buf_adds(b, "</td><td class=\"opt\">");
		h(b, ck->kind->name);
		buf_adds(b, "</td><td>");
		badge(b, c ? c->status : "not run");
		buf_adds(b, "</td><td>");
		h(b, c && c->observed ? c->observed : "-");
		buf_adds(b, "</td><td class=\"opt\">");
		h(b, c && c->threshold ? c->threshold : "");
		buf_adds(b, "</td><td class=\"opt\">");
		if (c)
			hf(b, "%s %s", c->phase_id ? c->phase_id : "", c->role ?
			    c->role : "");
		buf_adds(b, "</td><td class=\"opt\">");
		h(b, c ? c->message : "");
		buf_adds(b, "</td></tr>");
	}
	buf_adds(b, "</tbody></table></div>");
}

/* Watched checks after the switch: the report's own section, live. */
static void
sec_watch(struct buf *b, const struct view *v)
{
	if (v->l == NULL || v->l->nwatches == 0) {
		buf_adds(b, "<p>No watch has started in this run.</p>");
		return;
	}
	report_watch_html(b, v->p, v->l);
}

static void
sec_risks(struct buf *b, const struct view *v)
{
	static const char *const level[] = { "Low", "Medium", "High",
	    "Critical" };

	if (v->p->nrisks == 0) {
		buf_adds(b, "<p>The plan has no risks.</p>");
		return;
	}
	buf_adds(b, "<div class=\"tw\"><table><thead><tr><th>Risk</th>"
	    "<th>Level</th><th>Mitigation ready</th><th class=\"opt\">"
	    "Rollback ready</th><th class=\"opt\">Recovery</th></tr></thead>"
	    "<tbody>");
	for (size_t i = 0; i < v->p->nrisks; i++) {
		const struct risk *r = &v->p->risks[i];
		const struct report_risk *rr = v->l ? &v->rl->risks[i] : NULL;
		buf_adds(b, "<tr><td>");
		hf(b, "%s %s", r->id, r->title ? r->title : "");
		buf_addf(b, "</td><td><span class=\"lv lv-%d\">%s</span></td><td>",
		    (int)r->level, level[r->level]);
		badge(b, rr && rr->mit_ready ? "yes" : "no");
		if (rr) {
			buf_adds(b, " ");
			h(b, rr->mit_note);
		}
		buf_adds(b, "</td><td class=\"opt\">");
		if (rr) {
			badge(b, rr->rb_ready);
			buf_adds(b, " ");
			h(b, rr->rb_note);
		}
		buf_adds(b, "</td><td class=\"opt\">");
		h(b, r->recovery);
		buf_adds(b, "</td></tr>");
	}
	buf_adds(b, "</tbody></table></div>");
}

static void
sec_timeline(struct buf *b, const struct view *v)
{
	if (v->l == NULL || v->rl->nevents == 0) {
		buf_adds(b, "<p>Nothing has happened yet.</p>");
		return;
	}
	/* Newest first: what just happened is what people look for. */
	buf_adds(b, "<ol class=\"tl\">");
	for (size_t i = v->rl->nevents; i-- > 0;) {
		const struct report_event *e = &v->rl->events[i];
		char *t = fmt_time_iso(e->at_us);
		buf_adds(b, "<li><time>");
		h(b, t + (strlen(t) > 11 ? 11 : 0));
		buf_adds(b, "</time> ");
		h(b, e->what);
		buf_adds(b, "</li>");
		free(t);
	}
	buf_adds(b, "</ol>");
}

/*
 * The dashboard, top to bottom.  A section is an id, a heading and one
 * function writing its body.
 */
/* The plan's schedule, checklist and approvals, as `cutover status`. */
static void
sec_schedule(struct buf *b, const struct view *v)
{
	struct buf t = BUF_INIT;

	schedule_status(&t, false, v->p, v->journal, v->now);
	if (t.len == 0) {
		buf_adds(b, "<p class=\"none\">no schedule</p>");
	} else {
		buf_adds(b, "<pre>");
		h(b, t.s);
		buf_adds(b, "</pre>");
	}
	buf_release(&t);
}

static const struct section {
	const char	*id, *title;
	void		(*html)(struct buf *b, const struct view *v);
} sections[] = {
	{ "run", "Run", sec_run },
	{ "gate", "Gate", sec_gate },
	{ "schedule", "Schedule", sec_schedule },
	{ "checks", "Checks", sec_checks },
	{ "watch", "Watch", sec_watch },
	{ "risks", "Risk matrix", sec_risks },
	{ "timeline", "Timeline", sec_timeline },
};

void
view_live(struct buf *b, const struct view *v)
{
	const char *verdict = v->l ? v->rl->verdict : v->error ?
	    "JOURNAL UNREADABLE" : "NO RUN YET";
	const char *vc = v->l && is(v->rl->state, RUN_COMPLETED) ? "v-go" :
	    v->l && (is(v->rl->state, RUN_ROLLED) || is(v->rl->state,
	    RUN_ROLLFAIL)) ? "v-nogo" : "v-other";

	buf_adds(b, "<header><h1 id=\"plan\">");
	h(b, v->p->name);
	buf_addf(b, "</h1><div class=\"verdict %s\" id=\"verdict\">", vc);
	h(b, verdict);
	buf_adds(b, "</div>");
	char *t = fmt_time_iso(v->now);
	buf_adds(b, "<p class=\"upd\">updated <time>");
	h(b, t);
	buf_adds(b, "</time></p></header>");
	free(t);
	for (size_t i = 0; i < sizeof(sections) / sizeof(*sections); i++) {
		buf_addf(b, "<section id=\"%s\"><h2>%s</h2>", sections[i].id,
		    sections[i].title);
		sections[i].html(b, v);
		buf_adds(b, "</section>");
	}
}

const char view_css[] =
"*{box-sizing:border-box}"
"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
"color:#1b1f24;background:#fff;max-width:1200px;margin:0 auto;"
"padding:12px 16px}"
"h1{font-size:24px;margin:4px 0}h2{font-size:17px;margin:22px 0 8px;"
"border-bottom:1px solid #d0d7de;padding-bottom:4px}"
".upd{color:#57606a;font-size:12px;margin:2px 0}"
".stale .upd::after{content:' (not updating)';color:#a40e26}"
".verdict{display:inline-block;padding:4px 12px;border-radius:6px;"
"font-weight:700;font-size:17px}"
".v-go{background:#dafbe1;color:#116329;border:1px solid #4ac26b}"
".v-nogo{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}"
".v-other{background:#fff8c5;color:#7d4e00;border:1px solid #d4a72c}"
".grid{display:grid;grid-template-columns:repeat(auto-fit,"
"minmax(260px,1fr));gap:8px;margin:0}"
".kv{border:1px solid #d0d7de;border-radius:6px;padding:6px 10px}"
"dt{font-size:12px;color:#57606a;text-transform:uppercase}dd{margin:0}"
"progress{width:100%;height:8px}"
".tw{overflow-x:auto}"
"table{border-collapse:collapse;width:100%;font-size:13px}"
"th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;"
"vertical-align:top}th{background:#f6f8fa}"
".b{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;"
"font-weight:600;background:#eaeef2;color:#424a53}"
".b-good{background:#dafbe1;color:#116329}"
".b-bad{background:#ffebe9;color:#a40e26}"
".b-mid{background:#fff8c5;color:#7d4e00}"
".lv{font-weight:600}.lv-3{color:#a40e26}.lv-2{color:#bc4c00}"
".lv-1{color:#7d4e00}.lv-0{color:#57606a}"
".err{color:#a40e26;font-weight:600}"
".tl{list-style:none;padding:0;margin:0;font-size:13px;max-height:420px;"
"overflow-y:auto}.tl li{padding:2px 0;border-bottom:1px solid #eaeef2}"
".tl time{color:#57606a;font-variant-numeric:tabular-nums;"
"margin-right:6px}"
"@media (max-width:640px){body{padding:8px}.opt{display:none}"
"h1{font-size:20px}}";

const char view_js[] =
"(function(){var q=location.search,m=document.getElementById('live');"
"function t(){fetch('/api/dashboard'+q,{cache:'no-store'})"
".then(function(r){if(!r.ok)throw r.status;return r.text()})"
".then(function(x){m.innerHTML=x;document.body.className=''})"
".catch(function(){document.body.className='stale'})"
".then(function(){setTimeout(t,2000)})}setTimeout(t,2000)})();";

void
view_page(struct buf *b, const struct view *v)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\"><title>");
	hf(b, "cutover: %s", v->p->name);
	/* Without JavaScript the page reloads itself instead. */
	buf_adds(b, "</title><noscript><meta http-equiv=\"refresh\" "
	    "content=\"10\"></noscript><style>");
	buf_adds(b, view_css);
	buf_adds(b, "</style></head><body><main id=\"live\">");
	view_live(b, v);
	buf_adds(b, "</main><script>");
	buf_adds(b, view_js);
	buf_adds(b, "</script></body></html>\n");
}

/* ---- metrics ------------------------------------------------------------ */

static int
status_num(const char *s)
{
	static const char *const words[] = { "pass", "warn", "fail", "skip" };

	for (int i = 0; i < 4; i++)
		if (is(s, words[i]))
			return i;
	return -1;
}

/* Per check and phase: the newest result's figures. */
static void
m_checks(struct buf *b, const struct view *v)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "cutover_check_status",
		    "Check status: 0 pass, 1 warn, 2 fail, 3 skip." },
		{ "cutover_check_success",
		    "1 if the check passed or warned, else 0." },
		{ "cutover_check_duration_seconds",
		    "Wall time the check took, retries included." },
		{ "cutover_check_value",
		    "The observed value (seconds for latencies)." },
		{ "cutover_check_timestamp_seconds",
		    "When the check ran (Unix time)." },
	};
	const struct jlog *l = v->l;

	if (l == NULL)
		return;
	for (size_t f = 0; f < sizeof(fam) / sizeof(*fam); f++) {
		prom_family(b, fam[f].name, "gauge", fam[f].help);
		for (size_t i = 0; i < v->nseries; i++) {
			const struct jcheck *c = &l->checks[v->series[i]];
			int st = status_num(c->status);
			const char *lv[] = { "plan", v->p->name, "phase",
			    c->phase_id ? c->phase_id : "", "check", c->check_id,
			    "kind", c->kind, NULL };
			double x;
			if (st < 0)
				continue;
			switch (f) {
			case 0: x = st; break;
			case 1: x = st <= 1; break;
			case 2: x = c->duration_us / 1e6; break;
			case 3:
				if (!c->has_value)
					continue;
				x = c->value;
				break;
			default: x = c->at_us / 1e6;
			}
			prom_sample(b, fam[f].name, lv, x);
		}
	}
}

/* Mitigation ready, per risk of the plan. */
static void
m_risks(struct buf *b, const struct view *v)
{
	if (v->l == NULL || v->p->nrisks == 0)
		return;
	prom_family(b, "cutover_risk_mitigation_ready", "gauge",
	    "1 when every check mitigating the risk passed in this run.");
	for (size_t i = 0; i < v->p->nrisks; i++) {
		const struct risk *r = &v->p->risks[i];
		const char *lv[] = { "plan", v->p->name, "risk", r->id, "level",
		    risk_level_name(r->level), NULL };
		prom_sample(b, "cutover_risk_mitigation_ready", lv,
		    v->rl->risks[i].mit_ready);
	}
}

/*
 * The watch: per watched check its samples and pass share; per success
 * rule its measured figure and verdict; alert deliveries that failed.
 */
static void
m_watch(struct buf *b, const struct view *v)
{
	const struct jlog *l = v->l;

	if (l == NULL)
		return;
	if (l->nwatches) {
		prom_family(b, "cutover_watch_samples", "gauge",
		    "Samples of the watched check in its latest watch.");
		for (size_t i = 0; i < l->nwatches; i++) {
			const struct jwatch *w = &l->watches[i];
			for (size_t k = 0; w->stats && k < w->nchecks; k++) {
				const char *lv[] = { "plan", v->p->name, "phase",
				    w->phase_id, "check", w->checks[k], NULL };
				prom_sample(b, "cutover_watch_samples", lv,
				    (double)w->stats[k].n);
			}
		}
		prom_family(b, "cutover_watch_pass_ratio", "gauge",
		    "Share of the watched check's samples that passed (0-1).");
		for (size_t i = 0; i < l->nwatches; i++) {
			const struct jwatch *w = &l->watches[i];
			for (size_t k = 0; w->stats && k < w->nchecks; k++) {
				const struct jwstat *st = &w->stats[k];
				if (st->n == 0)
					continue;
				const char *lv[] = { "plan", v->p->name, "phase",
				    w->phase_id, "check", w->checks[k], NULL };
				prom_sample(b, "cutover_watch_pass_ratio", lv,
				    (double)st->npass / (double)st->n);
			}
		}
		bool fam = false;
		for (size_t i = 0; i < l->nwatches; i++) {
			const struct jwatch *w = &l->watches[i];
			const struct phase *ph = plan_phase(v->p, w->phase_id);
			const struct success_rule *rules[2] = { ph ? ph->success :
			    NULL, v->p->success };
			size_t nr[2] = { ph ? ph->nsuccess : 0, v->p->nsuccess };
			for (int g = 0; g < 2 && w->stats; g++) {
				for (size_t k = 0; k < nr[g]; k++) {
					const struct success_rule *r = &rules[g][k];
					double val;
					char *mt;
					int64_t ns;
					bool ok = success_judge(r, w, &val, &mt, &ns);
					free(mt);
					if (!fam) {
						prom_family(b, "cutover_success_rule_ok",
						    "gauge", "1 when the success rule "
						    "holds over the watch so far.");
						fam = true;
					}
					const char *lv[] = { "plan", v->p->name,
					    "phase", w->phase_id, "check", r->check,
					    "rule", metric_name(r->metric), NULL };
					prom_sample(b, "cutover_success_rule_ok", lv,
					    ok ? 1 : 0);
				}
			}
		}
	}
	if (l->nalerts) {
		size_t sent, failed;
		report_alert_counts(l, &sent, &failed);
		const char *lv[] = { "plan", v->p->name, NULL };
		prom_family(b, "cutover_alerts_failed", "gauge",
		    "Alert deliveries of this run that failed or were dropped.");
		prom_sample(b, "cutover_alerts_failed", lv, (double)failed);
		prom_family(b, "cutover_alerts_sent", "gauge",
		    "Alert deliveries of this run that arrived.");
		prom_sample(b, "cutover_alerts_sent", lv, (double)sent);
	}
}

/* The groups of families that depend on the journal only. */
static void (*const journal_groups[])(struct buf *, const struct view *) = {
	m_checks,
	m_risks,
	m_watch,
};

void
view_metrics_journal(struct buf *b, const struct view *v)
{
	for (size_t i = 0; i < sizeof(journal_groups) /
	    sizeof(*journal_groups); i++)
		journal_groups[i](b, v);
}

/* The run: state (one series per state), phase, window, downtime. */
static void
m_run(struct buf *b, const struct view *v)
{
	static const char *const states[] = { "none", RUN_RUNNING,
	    RUN_AWAITING, RUN_STOPPED, "interrupted", RUN_ROLLING,
	    "rollback-interrupted", RUN_COMPLETED, RUN_ROLLED, RUN_ROLLFAIL,
	    RUN_ABANDONED };
	const struct jlog *l = v->l;
	const char *state = l ? v->rl->state : "none";
	const char *plv[] = { "plan", v->p->name, NULL };

	prom_family(b, "cutover_journal_readable", "gauge",
	    "1 when the journal could be read.");
	prom_sample(b, "cutover_journal_readable", plv, v->error == NULL);
	prom_family(b, "cutover_run_state", "gauge",
	    "1 for the state the latest run is in, 0 for the others.");
	for (size_t i = 0; i < sizeof(states) / sizeof(*states); i++) {
		const char *lv[] = { "plan", v->p->name, "state", states[i],
		    NULL };
		prom_sample(b, "cutover_run_state", lv, is(state, states[i]));
	}
	if (l == NULL)
		return;
	prom_family(b, "cutover_run_id", "gauge", "The latest run's number.");
	prom_sample(b, "cutover_run_id", plv, (double)l->run.id);
	prom_family(b, "cutover_run_started_timestamp_seconds", "gauge",
	    "When the latest run started (Unix time).");
	prom_sample(b, "cutover_run_started_timestamp_seconds", plv,
	    l->run.started_us / 1e6);
	prom_family(b, "cutover_phase_current", "gauge",
	    "1 for the phase the run is in (or last was), 0 for the others.");
	for (size_t i = 0; i < v->p->nphases; i++) {
		const char *id = v->p->phases[i].id;
		const char *lv[] = { "plan", v->p->name, "phase", id, NULL };
		prom_sample(b, "cutover_phase_current", lv, v->sn.jphase &&
		    is(v->sn.jphase->phase_id, id));
	}
	const struct window *w = v->sn.phase ? &v->sn.phase->window : NULL;
	if (v->sn.has_window && w && w->set) {
		const char *lv[] = { "plan", v->p->name, "phase",
		    v->sn.phase->id, NULL };
		int64_t el = v->sn.window_elapsed_us;
		prom_family(b, "cutover_window_elapsed_seconds", "gauge",
		    "Time spent in the current phase's window.");
		prom_sample(b, "cutover_window_elapsed_seconds", lv, el / 1e6);
		int64_t lim = w->max_us >= 0 ? w->max_us : w->target_us;
		if (lim >= 0) {
			prom_family(b, "cutover_window_remaining_seconds",
			    "gauge", "Time left before the window's max "
			    "(its target when it has no max); negative past it.");
			prom_sample(b, "cutover_window_remaining_seconds", lv,
			    (lim - el) / 1e6);
		}
		if (w->target_us >= 0) {
			prom_family(b, "cutover_window_target_seconds", "gauge",
			    "The window's target.");
			prom_sample(b, "cutover_window_target_seconds", lv,
			    w->target_us / 1e6);
		}
		if (w->max_us >= 0) {
			prom_family(b, "cutover_window_max_seconds", "gauge",
			    "The window's max.");
			prom_sample(b, "cutover_window_max_seconds", lv,
			    w->max_us / 1e6);
		}
	}
	if (v->rl->dt_how) {
		int64_t end = v->rl->dt_end ? v->rl->dt_end : v->now;
		prom_family(b, "cutover_downtime_seconds", "gauge",
		    "Downtime so far (0 before it starts).");
		prom_sample(b, "cutover_downtime_seconds", plv,
		    v->rl->dt_start ? (end - v->rl->dt_start) / 1e6 : 0);
	}
}

/* The groups of families that move with the clock. */
static void (*const clock_groups[])(struct buf *, const struct view *) = {
	m_run,
};

void
view_metrics_clock(struct buf *b, const struct view *v)
{
	for (size_t i = 0; i < sizeof(clock_groups) / sizeof(*clock_groups);
	    i++)
		clock_groups[i](b, v);
}
