/*
 * report.c - the migration report; see report.h.
 *
 * Markdown and HTML share one writer (struct w: headings, paragraphs,
 * tables, preformatted text) so the two can never disagree about content;
 * JSON is written separately because its shape is data, not layout.
 */
#include <math.h>
#include <stdarg.h>
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
#include "watch.h"

const char *const report_formats[] = { "md", "html", "json", NULL };

/* ---- the model ------------------------------------------------------- */

struct risk_row {
	const struct risk *r;
	bool		 mit_ready;
	char		*mit_note;
	const char	*rb_ready;	/* "yes", "no", "n/a" */
	char		*rb_note;
};

struct downtime {
	int64_t		 start, end;	/* wall us; end 0: ongoing */
	char		*how;
	const struct phase *phase;	/* whose window it is judged by */
};

struct model {
	const struct plan	*p;
	const struct jlog	*l;
	const char		*state;		/* derived */
	const char		*verdict;
	struct downtime		 dt;
	struct risk_row		*risks;
};

static bool
is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

const char *
report_state(const struct jlog *l)
{
	/* A run state says running but nobody holds the lock: it died. */
	if (l->holder == 0 && is(l->run.state, RUN_RUNNING))
		return "interrupted";
	if (l->holder == 0 && is(l->run.state, RUN_ROLLING))
		return "rollback-interrupted";
	return l->run.state;
}

const char *
report_verdict(const char *state)
{
	static const char *const map[][2] = {
		{ RUN_COMPLETED, "GO: completed" },
		{ RUN_ROLLED, "NO-GO: rolled back" },
		{ RUN_ROLLFAIL, "NO-GO: rollback incomplete" },
		{ RUN_AWAITING, "AWAITING DECISION" },
		{ RUN_STOPPED, "STOPPED" },
		{ RUN_RUNNING, "IN PROGRESS" },
		{ RUN_ROLLING, "ROLLING BACK" },
		{ "interrupted", "INTERRUPTED" },
		{ "rollback-interrupted", "ROLLBACK INTERRUPTED" },
		{ RUN_ABANDONED, "ABANDONED" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (is(state, map[i][0]))
			return map[i][1];
	return state;
}

/* The latest result of a check in this run, or NULL. */
static const struct jcheck *
last_check(const struct jlog *l, const char *id)
{
	for (size_t i = l->nchecks; i-- > 0;)
		if (is(l->checks[i].check_id, id))
			return &l->checks[i];
	return NULL;
}

static bool
step_completed(const struct jlog *l, const char *id)
{
	for (size_t i = 0; i < l->nsteps; i++)
		if (is(l->steps[i].kind, "step") && is(l->steps[i].step_id, id) &&
		    (is(l->steps[i].state, STEP_OK) ||
		    is(l->steps[i].state, STEP_SKIPPED)))
			return true;
	return false;
}

/*
 * What this run's watches saw of a check: samples, failing samples and
 * rollback triggers naming it.  A check that passed at a gate and then
 * failed while watched has not kept its risk mitigated.
 */
struct watched {
	int64_t	 n, nfail, ntrig;
	const char *phase;	/* the first watch with a failure or trigger */
};

static struct watched
watched(const struct jlog *l, const char *id)
{
	struct watched w = { 0, 0, 0, NULL };

	for (size_t i = 0; i < l->nwatches; i++) {
		const struct jwatch *jw = &l->watches[i];
		int64_t before = w.nfail + w.ntrig;
		for (size_t k = 0; jw->stats && k < jw->nchecks; k++) {
			if (!is(jw->checks[k], id))
				continue;
			w.n += jw->stats[k].n;
			w.nfail += jw->stats[k].nfail;
		}
		for (size_t k = 0; k < jw->ntriggers; k++)
			w.ntrig += is(jw->triggers[k].check_id, id);
		if (w.phase == NULL && w.nfail + w.ntrig > before)
			w.phase = jw->phase_id;
	}
	return w;
}

static void
risk_rows(struct model *m)
{
	const struct plan *p = m->p;

	m->risks = xcalloc(p->nrisks + 1, sizeof(*m->risks));
	for (size_t i = 0; i < p->nrisks; i++) {
		const struct risk *r = &p->risks[i];
		struct risk_row *rr = &m->risks[i];
		struct buf bad = BUF_INIT, ok = BUF_INIT;
		rr->r = r;

		for (size_t k = 0; k < r->mitigated_by.n; k++) {
			const char *id = r->mitigated_by.v[k];
			const struct jcheck *c = last_check(m->l, id);
			struct watched w = watched(m->l, id);
			if (w.ntrig)
				buf_addf(&bad, "%s%s fired a rollback trigger in "
				    "the watch of phase %s", bad.len ? ", " : "",
				    id, w.phase);
			else if (w.nfail)
				buf_addf(&bad, "%s%s failed %lld of %lld samples "
				    "in the watch of phase %s", bad.len ? ", " :
				    "", id, (long long)w.nfail, (long long)w.n,
				    w.phase);
			else if (c && (is(c->status, "pass") ||
			    is(c->status, "warn")))
				buf_addf(&ok, "%s%s %s", ok.len ? ", " : "", id,
				    c->status);
			else if (c == NULL && w.n)
				buf_addf(&ok, "%s%s passed %lld watch samples",
				    ok.len ? ", " : "", id, (long long)w.n);
			else
				buf_addf(&bad, "%s%s %s", bad.len ? ", " : "", id,
				    c ? c->status : "not run");
		}
		rr->mit_ready = r->mitigated_by.n > 0 && bad.len == 0;
		rr->mit_note = r->mitigated_by.n == 0 ?
		    xstrdup("no mitigating checks") :
		    xstrdup(bad.len ? bad.s : ok.s);
		buf_release(&bad);
		buf_release(&ok);

		/* The phases it touches: those that run its checks. */
		bool touched_any = false, has_steps = false, done_any = false;
		struct buf noundo = BUF_INIT;
		for (int pass = 0; pass < 2 && !touched_any; pass++) {
			for (size_t k = 0; k < p->nphases; k++) {
				const struct phase *ph = &p->phases[k];
				bool t = pass == 1;
				for (size_t c = 0; !t && c < r->mitigated_by.n; c++)
					t = strlist_has(&ph->checks,
					    r->mitigated_by.v[c]) ||
					    strlist_has(&ph->gate,
					    r->mitigated_by.v[c]);
				if (!t)
					continue;
				touched_any = true;
				for (size_t s = 0; s < ph->nsteps; s++) {
					const struct step *st = &ph->steps[s];
					has_steps = true;
					if (!step_completed(m->l, st->id))
						continue;
					done_any = true;
					if (!st->has_undo)
						buf_addf(&noundo, "%s%s", noundo.len ?
						    ", " : "", st->id);
				}
			}
		}
		if (!has_steps) {
			rr->rb_ready = "n/a";
			rr->rb_note = xstrdup("no steps to undo");
		} else if (noundo.len) {
			rr->rb_ready = "no";
			rr->rb_note = xasprintf("no undo: %s", noundo.s);
		} else {
			rr->rb_ready = "yes";
			rr->rb_note = xstrdup(done_any ? "every completed step "
			    "has an undo" : "no step completed yet");
		}
		buf_release(&noundo);
	}
}

static int64_t
first_start(const struct jlog *l, const char *id)
{
	for (size_t i = 0; i < l->nsteps; i++)
		if (is(l->steps[i].kind, "step") && is(l->steps[i].step_id, id))
			return l->steps[i].started_us;
	return 0;
}

static int64_t
ok_end(const struct jlog *l, const char *id)
{
	for (size_t i = l->nsteps; i-- > 0;)
		if (is(l->steps[i].kind, "step") && is(l->steps[i].step_id, id) &&
		    (is(l->steps[i].state, STEP_OK) ||
		    is(l->steps[i].state, STEP_SKIPPED)))
			return l->steps[i].ended_us;
	return 0;
}

static void
downtime(struct model *m)
{
	const struct plan *p = m->p;
	const struct jlog *l = m->l;
	const struct step *s0 = NULL, *s1 = NULL;
	const struct phase *ph0 = NULL;
	struct downtime *d = &m->dt;

	for (size_t i = 0; i < p->nphases; i++)
		for (size_t k = 0; k < p->phases[i].nsteps; k++) {
			const struct step *s = &p->phases[i].steps[k];
			if (s->downtime == DOWNTIME_START && s0 == NULL) {
				s0 = s;
				ph0 = &p->phases[i];
			}
			if (s->downtime == DOWNTIME_END)
				s1 = s;
		}
	if (s0) {
		d->phase = ph0;
		d->start = first_start(l, s0->id);
		d->end = s1 ? ok_end(l, s1->id) : 0;
		d->how = xasprintf("from the start of step %s to the end of "
		    "step %s", s0->id, s1 ? s1->id : "(none)");
	} else {
		/* Without markers, the cutover phase's duration counts. */
		const struct phase *ph = plan_phase(p, "cutover");
		for (size_t i = 0; ph == NULL && i < p->nphases; i++)
			if (p->phases[i].window.set)
				ph = &p->phases[i];
		for (size_t i = 0; ph == NULL && i < p->nphases; i++)
			if (p->phases[i].nsteps)
				ph = &p->phases[i];
		if (ph == NULL)
			return;
		const struct jphase *jp = jlog_phase(l, ph->id);
		d->phase = ph;
		d->start = jp ? (jp->window_start_us ? jp->window_start_us :
		    jp->started_us) : 0;
		d->end = jp ? jp->ended_us : 0;
		d->how = xasprintf("phase %s (no downtime markers)", ph->id);
	}
	/* Rolled back or stopped: service was down until the run ended. */
	if (d->start && d->end == 0 && l->run.ended_us)
		d->end = l->run.ended_us;
}

static void
model_init(struct model *m, const struct plan *p, const struct jlog *l)
{
	memset(m, 0, sizeof(*m));
	m->p = p;
	m->l = l;
	m->state = report_state(l);
	m->verdict = report_verdict(m->state);
	downtime(m);
	risk_rows(m);
}

static void
model_release(struct model *m)
{
	for (size_t i = 0; i < m->p->nrisks; i++) {
		free(m->risks[i].mit_note);
		free(m->risks[i].rb_note);
	}
	free(m->risks);
	free(m->dt.how);
}

char *
report_span(int64_t a, int64_t b)
{
	if (a == 0 || b == 0 || b < a)
		return xstrdup("-");
	return fmt_duration(b - a);
}

/* Offset from the run's start: "+1.23s". */
static char *
offset(const struct model *m, int64_t t)
{
	if (t == 0)
		return xstrdup("-");
	char *d = fmt_duration(t >= m->l->run.started_us ?
	    t - m->l->run.started_us : 0);
	char *r = xasprintf("+%s", d);
	free(d);
	return r;
}

/* "within target", "over target", "over max" of the downtime window. */
static const char *
window_judgement(const struct model *m, int64_t dur)
{
	const struct window *w = m->dt.phase ? &m->dt.phase->window : NULL;

	if (w == NULL || !w->set)
		return "no window";
	if (w->max_us >= 0 && dur > w->max_us)
		return "over max";
	if (w->target_us >= 0 && dur > w->target_us)
		return "over target";
	return "within target";
}

char *
report_window(const struct phase *ph)
{
	if (ph == NULL || !ph->window.set)
		return xstrdup("none");
	char *t = ph->window.target_us >= 0 ? fmt_duration(ph->window.target_us)
	    : xstrdup("-");
	char *x = ph->window.max_us >= 0 ? fmt_duration(ph->window.max_us) :
	    xstrdup("-");
	char *r = xasprintf("target %s, max %s", t, x);
	free(t);
	free(x);
	return r;
}

/* ---- alerts ---------------------------------------------------------- */

/* A delivery that did not arrive: failed, dropped, or cut short. */
static bool
alert_lost(const struct jalert *a)
{
	return !is(a->state, "sent");
}

void
report_alert_counts(const struct jlog *l, size_t *sent, size_t *failed)
{
	*sent = *failed = 0;
	for (size_t i = 0; i < l->nalerts; i++) {
		if (alert_lost(&l->alerts[i]))
			(*failed)++;
		else
			(*sent)++;
	}
}

/* Per channel: the plan's channels, then any only the journal names. */
struct alert_tally {
	const char	*id;
	const struct alert_channel *c;	/* NULL: no longer in the plan */
	size_t		 sent, failed, dropped, cut;
};

static struct alert_tally *
alert_tally(const struct plan *p, const struct jlog *l, size_t *nout)
{
	struct alert_tally *t = xcalloc(p->nalerts + l->nalerts + 1,
	    sizeof(*t));
	size_t n = 0;

	for (size_t i = 0; i < p->nalerts; i++) {
		t[n].id = p->alerts[i].id;
		t[n++].c = &p->alerts[i];
	}
	for (size_t i = 0; i < l->nalerts; i++) {
		const struct jalert *a = &l->alerts[i];
		size_t k = 0;
		while (k < n && !is(t[k].id, a->channel ? a->channel : ""))
			k++;
		if (k == n)
			t[n++].id = a->channel ? a->channel : "";
		if (is(a->state, "sent"))
			t[k].sent++;
		else if (is(a->state, "dropped"))
			t[k].dropped++;
		else if (is(a->state, "failed"))
			t[k].failed++;
		else
			t[k].cut++;
	}
	*nout = n;
	return t;
}

/* Where a channel sends: scheme://host for a webhook (never its path). */
static char *
alert_endpoint(const struct alert_tally *t)
{
	if (t->c == NULL)
		return xstrdup("(no longer in the plan)");
	if (t->c->kind == ALERT_WEBHOOK)
		return xasprintf("webhook %s %s", t->c->method, t->c->url_safe);
	return xasprintf("command %s", t->c->cmd.argv.n ? t->c->cmd.argv.v[0] :
	    "");
}

/* ---- markdown / html writer ------------------------------------------ */

struct w {
	FILE		*f;
	bool		 html;
	int		 ncols;
	unsigned	 badges;	/* columns whose words are badges */
};

/*
 * How esc() writes a string: running text, a table cell (no line breaks,
 * '|' escaped), or the body of a preformatted block.
 */
enum esc_mode { ESC_TEXT, ESC_CELL, ESC_PRE };

/*
 * Markdown: raw HTML in a report rendered by a forge or a wiki would run
 * as markup, so <, > and & are written as entities outside code blocks
 * (inside one they are shown as they are).  Everywhere, invalid UTF-8 and
 * control characters (ESC sequences that redraw a terminal, NULs) become
 * U+FFFD; a tab and, outside cells, a line break stay.
 */
static void
md_esc(struct buf *b, const char *s, enum esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (*p) {
		size_t n = utf8_seq(p, &cp);
		if (n == 0) {
			buf_adds(b, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		if (mode == ESC_CELL && cp == '|')
			buf_adds(b, "\\|");
		else if (mode == ESC_CELL && (cp == '\n' || cp == '\r'))
			buf_addc(b, ' ');
		else if (mode != ESC_PRE && cp == '<')
			buf_adds(b, "&lt;");
		else if (mode != ESC_PRE && cp == '>')
			buf_adds(b, "&gt;");
		else if (mode != ESC_PRE && cp == '&')
			buf_adds(b, "&amp;");
		else if ((cp < 0x20 && cp != '\n' && cp != '\t') ||
		    (cp >= 0x7f && cp < 0xa0))
			buf_adds(b, "\xEF\xBF\xBD");
		else
			buf_add(b, p, n);
		p += n;
	}
}

static void
esc(struct w *w, const char *s, enum esc_mode mode)
{
	char *r = redact(s ? s : "");
	struct buf b = BUF_INIT;

	if (w->html)
		buf_add_xml(&b, r);
	else
		md_esc(&b, r, mode);
	fputs(b.s, w->f);
	buf_release(&b);
	free(r);
}

static void
w_h(struct w *w, int level, const char *text)
{
	if (w->html) {
		fprintf(w->f, "<h%d>", level);
		esc(w, text, ESC_TEXT);
		fprintf(w->f, "</h%d>\n", level);
	} else {
		fprintf(w->f, "\n%.*s ", level, "######");
		esc(w, text, ESC_TEXT);
		fputs("\n\n", w->f);
	}
}

static void
w_p(struct w *w, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	fputs(w->html ? "<p>" : "", w->f);
	esc(w, s, ESC_TEXT);
	fputs(w->html ? "</p>\n" : "\n\n", w->f);
	free(s);
}

static void
w_table(struct w *w, int n, ...)
{
	va_list ap;

	w->ncols = n;
	w->badges = 0;
	va_start(ap, n);
	fputs(w->html ? "<table><thead><tr>" : "|", w->f);
	for (int i = 0; i < n; i++) {
		const char *h = va_arg(ap, const char *);
		if (is(h, "State") || is(h, "Status") || is(h, "Decision") ||
		    is(h, "Level"))
			w->badges |= 1u << i;
		fputs(w->html ? "<th>" : " ", w->f);
		esc(w, h, ESC_CELL);
		fputs(w->html ? "</th>" : " |", w->f);
	}
	va_end(ap);
	if (w->html) {
		fputs("</tr></thead><tbody>\n", w->f);
		return;
	}
	fputs("\n|", w->f);
	for (int i = 0; i < n; i++)
		fputs("---|", w->f);
	fputc('\n', w->f);
}

/* A status word shown as a badge in HTML. */
static bool
badge_word(const char *s)
{
	static const char *const words[] = { "pass", "warn", "fail", "skip",
	    "ok", "failed", "interrupted", "skipped", "running", "go", "no-go",
	    "awaiting", "rollback", "yes", "no", "n/a", "Critical", "High",
	    "Medium", "Low", NULL };
	for (int i = 0; words[i]; i++)
		if (is(s, words[i]))
			return true;
	return false;
}

static void
w_row(struct w *w, ...)
{
	va_list ap;

	va_start(ap, w);
	fputs(w->html ? "<tr>" : "|", w->f);
	for (int i = 0; i < w->ncols; i++) {
		const char *c = va_arg(ap, const char *);
		if (w->html && (w->badges & (1u << i)) && badge_word(c)) {
			char cls[16];
			snprintf(cls, sizeof(cls), "%s", c);
			for (char *p = cls; *p; p++)
				if (*p == '/' || *p == '-')
					*p = '_';
			fprintf(w->f, "<td><span class=\"b b-%s\">%s</span></td>",
			    cls, c);
			continue;
		}
		fputs(w->html ? "<td>" : " ", w->f);
		esc(w, c, ESC_CELL);
		fputs(w->html ? "</td>" : " |", w->f);
	}
	va_end(ap);
	fputs(w->html ? "</tr>\n" : "\n", w->f);
}

static void
w_end(struct w *w)
{
	fputs(w->html ? "</tbody></table>\n" : "\n", w->f);
}

static void
w_pre(struct w *w, const char *title, const char *text)
{
	if (w->html) {
		fputs("<details open><summary>", w->f);
		esc(w, title, ESC_TEXT);
		fputs("</summary><pre>", w->f);
		esc(w, text, ESC_TEXT);
		fputs("</pre></details>\n", w->f);
		return;
	}
	/* A fence longer than any run of backticks in the text: output
	 * holding ``` cannot close the block and turn into markup. */
	size_t run = 0, fence = 3;
	for (const char *q = text ? text : ""; *q; q++) {
		run = *q == '`' ? run + 1 : 0;
		if (run >= fence)
			fence = run + 1;
	}
	esc(w, title, ESC_TEXT);
	fputs(":\n\n", w->f);
	for (size_t i = 0; i < fence; i++)
		fputc('`', w->f);
	fputc('\n', w->f);
	esc(w, text, ESC_PRE);
	fputc('\n', w->f);
	for (size_t i = 0; i < fence; i++)
		fputc('`', w->f);
	fputs("\n\n", w->f);
}

static const char css[] =
"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
"color:#1b1f24;max-width:1100px;margin:24px auto;padding:0 16px}"
"h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;"
"border-bottom:1px solid #d0d7de;padding-bottom:4px}"
"table{border-collapse:collapse;width:100%;margin:8px 0 16px;"
"font-size:13px}th,td{border:1px solid #d0d7de;padding:4px 8px;"
"text-align:left;vertical-align:top}th{background:#f6f8fa}"
"tr:nth-child(even) td{background:#fbfcfd}"
".verdict{display:inline-block;padding:6px 14px;border-radius:6px;"
"font-weight:700;font-size:18px;margin:8px 0}"
".v-go{background:#dafbe1;color:#116329;border:1px solid #4ac26b}"
".v-nogo{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}"
".v-other{background:#fff8c5;color:#7d4e00;border:1px solid #d4a72c}"
".b{display:inline-block;padding:0 6px;border-radius:10px;"
"font-size:12px;font-weight:600}"
".b-pass,.b-ok,.b-go,.b-yes{background:#dafbe1;color:#116329}"
".b-fail,.b-failed,.b-no_go,.b-no,.b-interrupted{background:#ffebe9;"
"color:#a40e26}"
".b-warn,.b-awaiting,.b-rollback,.b-running{background:#fff8c5;"
"color:#7d4e00}"
".b-skip,.b-skipped,.b-n_a,.b-Low{background:#eaeef2;color:#57606a}"
".b-Critical{background:#a40e26;color:#fff}.b-High{background:#bc4c00;"
"color:#fff}.b-Medium{background:#d4a72c;color:#1b1f24}"
"pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:12px;"
"white-space:pre-wrap}"
"@media print{body{margin:0;max-width:none}h2{break-after:avoid}"
"tr{break-inside:avoid}details{display:block}"
".verdict,.b{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static const char *
level_md(enum risk_level lv)
{
	static const char *const n[] = { "🟢 Low", "🟡 Medium", "🟠 High",
	    "🔴 Critical" };
	return n[lv];
}

static const char *
level_word(enum risk_level lv)
{
	static const char *const n[] = { "Low", "Medium", "High", "Critical" };
	return n[lv];
}

struct tl {
	int64_t	 at;
	size_t	 seq;
	char	*what;
};

static int
tl_cmp(const void *a, const void *b)
{
	const struct tl *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
tl_add(struct tl **v, size_t *n, size_t *cap, int64_t at, char *what)
{
	if (at == 0) {
		free(what);
		return;
	}
	ARR_GROW(*v, *n, *cap);
	(*v)[*n] = (struct tl){ at, *n, what };
	(*n)++;
}

static struct tl *
timeline(const struct model *m, size_t *nout)
{
	const struct jlog *l = m->l;
	struct tl *v = NULL;
	size_t n = 0, cap = 0;

	tl_add(&v, &n, &cap, l->run.started_us, xasprintf("run %lld started "
	    "by %s on %s", (long long)l->run.id, l->run.user ? l->run.user :
	    "?", l->run.host ? l->run.host : "?"));
	for (size_t i = 0; i < l->nphases; i++) {
		const struct jphase *p = &l->phases[i];
		tl_add(&v, &n, &cap, p->started_us, xasprintf("phase %s started",
		    p->phase_id));
		tl_add(&v, &n, &cap, p->ended_us, xasprintf("phase %s done",
		    p->phase_id));
	}
	for (size_t i = 0; i < l->nsteps; i++) {
		const struct jstep *s = &l->steps[i];
		tl_add(&v, &n, &cap, s->started_us, xasprintf("%s %s started%s",
		    s->kind, s->step_id, s->attempt > 1 ? " (again)" : ""));
		tl_add(&v, &n, &cap, s->ended_us, xasprintf("%s %s %s: %s",
		    s->kind, s->step_id, s->state, s->message ? s->message : ""));
	}
	for (size_t i = 0; i < l->nchecks; i++) {
		const struct jcheck *c = &l->checks[i];
		tl_add(&v, &n, &cap, c->at_us, xasprintf("%s check %s: %s%s%s%s",
		    c->role, c->check_id, c->status, c->observed ? " (" : "",
		    c->observed ? c->observed : "", c->observed ? ")" : ""));
	}
	for (size_t i = 0; i < l->ndecisions; i++) {
		const struct jdecision *d = &l->decisions[i];
		tl_add(&v, &n, &cap, d->at_us, xasprintf("decision %s%s%s by %s "
		    "(%s)", d->decision, d->phase_id ? " at phase " : "",
		    d->phase_id ? d->phase_id : "", d->user ? d->user : "?",
		    d->how ? d->how : ""));
	}
	for (size_t i = 0; i < l->nevents; i++) {
		const struct jevent *e = &l->events[i];
		tl_add(&v, &n, &cap, e->at_us, xasprintf("%s%s%s: %s", e->type,
		    e->step_id ? " " : "", e->step_id ? e->step_id : "",
		    e->message ? e->message : ""));
	}
	tl_add(&v, &n, &cap, l->run.ended_us, xasprintf("run %s%s%s",
	    l->run.state, l->run.reason ? ": " : "", l->run.reason ?
	    l->run.reason : ""));
	if (n)
		qsort(v, n, sizeof(*v), tl_cmp);
	*nout = n;
	return v;
}

/* The plan's step id in phase ph, or NULL. */
static const struct step *
find_step(const struct plan *p, const char *phase, const char *id)
{
	const struct phase *ph = plan_phase(p, phase ? phase : "");

	for (size_t k = 0; ph && k < ph->nsteps; k++)
		if (is(ph->steps[k].id, id))
			return &ph->steps[k];
	return NULL;
}

/* "id: title - description" for a table cell; the parts that are set. */
static char *
titled(const char *id, const char *title, const char *desc)
{
	return xasprintf("%s%s%s%s%s", id, title ? ": " : "", title ? title :
	    "", desc ? " - " : "", desc ? desc : "");
}

/*
 * A check's detail (a data diff's differing keys, a command's output) as
 * shown in md and html: the first REPORT_DETAIL_LINES lines and how many
 * more there are; the JSON report has all of it.
 */
#define REPORT_DETAIL_LINES	50

static char *
detail_head(const char *d)
{
	size_t lines = 0, cut = 0;
	const char *q;

	for (q = d; *q; q++)
		if (*q == '\n' || q[1] == '\0') {
			lines++;
			if (lines == REPORT_DETAIL_LINES)
				cut = (size_t)(q - d);
		}
	if (lines <= REPORT_DETAIL_LINES)
		return xstrdup(d);
	return xasprintf("%.*s\n... and %zu more line%s (the JSON report has "
	    "them all)", (int)cut, d, lines - REPORT_DETAIL_LINES,
	    lines - REPORT_DETAIL_LINES == 1 ? "" : "s");
}

/* ---- watches --------------------------------------------------------- */

static char *
fig(double v)
{
	return isnan(v) ? xstrdup("-") : xasprintf("%.4g", v);
}

/*
 * A check's chart: the mean value per slice of the watch as a line, and
 * slices with failing samples as red bars.  Inline SVG, no script, no
 * outside resource: the report is one self-contained file.
 */
static void
svg_chart(FILE *f, const struct jwstat *st)
{
	const int W = 240, H = 40, n = WATCH_SERIES;
	double mx = 0;

	for (int i = 0; i < n; i++)
		if (!isnan(st->series_v[i]) && st->series_v[i] > mx)
			mx = st->series_v[i];
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><rect width=\"%d\" "
	    "height=\"%d\" fill=\"#f6f8fa\"/>", W, H, W, H, W, H);
	for (int i = 0; i < n; i++) {
		if (st->series_n[i] == 0 || st->series_fail[i] == 0)
			continue;
		double share = (double)st->series_fail[i] / st->series_n[i];
		int h = (int)(share * H + 0.5);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		    "fill=\"#ff8182\"/>", i * W / n, H - h, W / n, h ? h : 1);
	}
	if (mx > 0) {
		fputs("<polyline fill=\"none\" stroke=\"#0969da\" "
		    "stroke-width=\"1.5\" points=\"", f);
		for (int i = 0; i < n; i++)
			if (!isnan(st->series_v[i]))
				fprintf(f, "%d,%d ", i * W / n + W / n / 2,
				    H - 2 - (int)(st->series_v[i] / mx * (H - 4)));
		fputs("\"/>", f);
	}
	fputs("</svg>", f);
}

static void
watch_section(struct w *w, const struct model *m)
{
	const struct jlog *l = m->l;
	char *t, *u, *x;

	for (size_t i = 0; i < l->nwatches; i++) {
		const struct jwatch *jw = &l->watches[i];
		const struct phase *ph = plan_phase(m->p, jw->phase_id);
		t = xasprintf("Watch of phase %s", jw->phase_id);
		w_h(w, 2, t);
		free(t);
		t = fmt_time_iso(jw->started_us);
		u = fmt_duration(jw->every_us);
		x = fmt_duration(jw->for_us);
		w_p(w, "Started %s, every %s for %s: %s%s%s.", t, u, x, jw->state,
		    jw->reason ? " - " : "", jw->reason ? jw->reason : "");
		free(t);
		free(u);
		free(x);
		if (w->html)
			w_table(w, 10, "Check", "Samples", "Pass share", "Failing",
			    "p50", "p95", "p99", "Max", "Last", "Chart");
		else
			w_table(w, 9, "Check", "Samples", "Pass share", "Failing",
			    "p50", "p95", "p99", "Max", "Last");
		for (size_t k = 0; jw->stats && k < jw->nchecks; k++) {
			const struct jwstat *st = &jw->stats[k];
			char *n = xasprintf("%lld%s", (long long)st->n, st->nmissed ?
			    " (+ gaps)" : "");
			char *ps = st->n ? xasprintf("%.3f%%", 100.0 * st->npass /
			    (double)st->n) : xstrdup("-");
			char *nf = xasprintf("%lld", (long long)st->nfail);
			char *a = fig(st->p50), *b = fig(st->p95), *c = fig(st->p99);
			char *d = fig(st->max);
			const char *last = st->n ? status_name((enum status)
			    st->last_status) : "-";
			if (!w->html) {
				w_row(w, jw->checks[k], n, ps, nf, a, b, c, d, last);
			} else {
				/* The chart cell is markup of our own: written raw. */
				fputs("<tr>", w->f);
				const char *cells[] = { jw->checks[k], n, ps, nf, a, b,
				    c, d, last };
				for (int q = 0; q < 9; q++) {
					fputs("<td>", w->f);
					esc(w, cells[q], ESC_CELL);
					fputs("</td>", w->f);
				}
				fputs("<td>", w->f);
				svg_chart(w->f, st);
				fputs("</td></tr>\n", w->f);
			}
			free(n); free(ps); free(nf); free(a); free(b); free(c);
			free(d);
		}
		w_end(w);
		if (jw->stats && jw->nchecks && jw->stats[0].approx)
			w_p(w, "Percentiles of samples older than %s come from "
			    "per-minute histograms (within 4.4%%).",
			    "the raw retention");
		w_p(w, "Values are in seconds for latencies, else as the check "
		    "reports them; percentiles are nearest-rank.");
		if (jw->ntriggers) {
			w_h(w, 3, "Triggers that fired");
			w_table(w, 4, "Time", "Check", "Rule", "Samples");
			for (size_t k = 0; k < jw->ntriggers; k++) {
				const struct jtrigger *tr = &jw->triggers[k];
				t = fmt_time_iso(tr->at_us);
				w_row(w, t, tr->check_id, tr->rule, tr->samples);
				free(t);
			}
			w_end(w);
		}
		if (jw->ngaps) {
			w_h(w, 3, "Gaps (nothing watched)");
			w_table(w, 4, "From", "To", "Duration", "Counted");
			for (size_t k = 0; k < jw->ngaps; k++) {
				const struct jgap *g = &jw->gaps[k];
				t = fmt_time_iso(g->from_us);
				u = fmt_time_iso(g->to_us);
				x = fmt_duration(g->to_us - g->from_us);
				w_row(w, t, u, x, "as failing samples (uptime, "
				    "failures)");
				free(t);
				free(u);
				free(x);
			}
			w_end(w);
		}
		const struct success_rule *rules[2] = { ph ? ph->success : NULL,
		    m->p->success };
		size_t nr[2] = { ph ? ph->nsuccess : 0, m->p->nsuccess };
		if (nr[0] + nr[1] == 0 || jw->stats == NULL)
			continue;
		w_h(w, 3, "Success rules");
		w_table(w, 6, "Check", "Rule", "Target", "Measured", "Samples",
		    "Status");
		for (int g = 0; g < 2; g++) {
			for (size_t k = 0; k < nr[g]; k++) {
				const struct success_rule *r = &rules[g][k];
				double v;
				int64_t ns;
				char *mt;
				bool ok = success_judge(r, jw, &v, &mt, &ns);
				t = xasprintf("%s %s", cmp_opstr(r->target.cmp.op),
				    r->target.cmp.text);
				u = xasprintf("%lld", (long long)ns);
				w_row(w, r->check, metric_name(r->metric), t, mt, u,
				    ok ? "pass" : "fail");
				free(t);
				free(u);
				free(mt);
			}
		}
		w_end(w);
	}
}

void
report_watch_html(struct buf *b, const struct plan *p, const struct jlog *l)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return;
	struct w w = { .f = f, .html = true };
	struct model m = { .p = p, .l = l };
	watch_section(&w, &m);
	fclose(f);
	buf_add(b, text, len);
	free(text);
}

static void
watch_json(struct buf *b, const struct model *m)
{
	const struct jlog *l = m->l;

	buf_adds(b, "],\n \"watches\": [");
	for (size_t i = 0; i < l->nwatches; i++) {
		const struct jwatch *jw = &l->watches[i];
		const struct phase *ph = plan_phase(m->p, jw->phase_id);
		buf_adds(b, i ? ",\n  {" : "\n  {");
		json_field(b, "phase", jw->phase_id, false);
		json_field(b, "state", jw->state, true);
		json_field(b, "reason", jw->reason, true);
		json_time(b, "started", jw->started_us, true);
		json_time(b, "ended", jw->ended_us, true);
		json_ms(b, "every", jw->every_us, true);
		json_ms(b, "for", jw->for_us, true);
		buf_adds(b, ", \"checks\": [");
		for (size_t k = 0; jw->stats && k < jw->nchecks; k++) {
			const struct jwstat *st = &jw->stats[k];
			buf_adds(b, k ? ", {" : "{");
			json_field(b, "id", jw->checks[k], false);
			buf_addf(b, ", \"samples\": %lld, \"passing\": %lld, "
			    "\"failing\": %lld, \"missed_in_gaps\": %lld",
			    (long long)st->n, (long long)st->npass,
			    (long long)st->nfail, (long long)st->nmissed);
			const char *names[] = { "p50", "p95", "p99", "min", "max",
			    "avg" };
			double vs[] = { st->p50, st->p95, st->p99, st->min, st->max,
			    st->avg };
			for (int q = 0; q < 6; q++) {
				if (isnan(vs[q]))
					buf_addf(b, ", \"%s\": null", names[q]);
				else
					buf_addf(b, ", \"%s\": %.9g", names[q], vs[q]);
			}
			buf_addf(b, ", \"approximate\": %s}", st->approx ? "true" :
			    "false");
		}
		buf_adds(b, "], \"triggers\": [");
		for (size_t k = 0; k < jw->ntriggers; k++) {
			const struct jtrigger *tr = &jw->triggers[k];
			buf_adds(b, k ? ", {" : "{");
			json_time(b, "fired", tr->at_us, false);
			json_field(b, "check", tr->check_id, true);
			json_field(b, "rule", tr->rule, true);
			json_field(b, "samples", tr->samples, true);
			buf_adds(b, "}");
		}
		buf_adds(b, "], \"gaps\": [");
		for (size_t k = 0; k < jw->ngaps; k++) {
			buf_adds(b, k ? ", {" : "{");
			json_time(b, "started", jw->gaps[k].from_us, false);
			json_time(b, "ended", jw->gaps[k].to_us, true);
			buf_adds(b, "}");
		}
		buf_adds(b, "], \"success\": [");
		const struct success_rule *rules[2] = { ph ? ph->success : NULL,
		    m->p->success };
		size_t nr[2] = { ph ? ph->nsuccess : 0, m->p->nsuccess };
		bool first = true;
		for (int g = 0; g < 2 && jw->stats; g++) {
			for (size_t k = 0; k < nr[g]; k++) {
				const struct success_rule *r = &rules[g][k];
				double v;
				int64_t ns;
				char *mt;
				bool ok = success_judge(r, jw, &v, &mt, &ns);
				buf_adds(b, first ? "{" : ", {");
				first = false;
				json_field(b, "check", r->check, false);
				json_field(b, "metric", metric_name(r->metric), true);
				char *tg = xasprintf("%s %s", cmp_opstr(
				    r->target.cmp.op), r->target.cmp.text);
				json_field(b, "target", tg, true);
				free(tg);
				if (isnan(v))
					buf_adds(b, ", \"measured\": null");
				else
					buf_addf(b, ", \"measured\": %.9g", v);
				buf_addf(b, ", \"samples\": %lld", (long long)ns);
				json_field(b, "verdict", ok ? "pass" : "fail", true);
				buf_adds(b, "}");
				free(mt);
			}
		}
		buf_adds(b, "]}");
	}
}

/* ---- procedures and the rollback deadline --------------------------- */

static void
procedures_section(struct w *w, const struct model *m)
{
	size_t n;
	struct proc_run *v = procedure_runs(m->l, &n);

	if (n == 0 && m->p->nprocedures == 0) {
		free(v);
		return;
	}
	w_h(w, 2, "Procedures");
	if (n == 0) {
		w_p(w, "No contingency procedure ran.");
		free(v);
		return;
	}
	w_table(w, 7, "Procedure", "Started in", "Why", "Status", "At",
	    "Duration", "Result");
	for (size_t i = 0; i < n; i++) {
		char *u = offset(m, v[i].started_us);
		char *x = report_span(v[i].started_us, v[i].ended_us);
		char *r = xasprintf("%zu step%s ok%s%s", v[i].steps_ok,
		    v[i].steps_ok == 1 ? "" : "s", v[i].detail ? "; " : "",
		    v[i].detail ? v[i].detail : "");
		w_row(w, v[i].name, v[i].phase ? v[i].phase : "by hand",
		    v[i].why, v[i].outcome, u, x, r);
		free(r);
		free(u);
		free(x);
	}
	w_end(w);
	free(v);
}

static void
rollback_deadline(struct w *w, const struct model *m)
{
	int64_t a, z;
	bool over;

	if (!procedure_rollback_span(m->p, m->l, now_wall_us(), &a, &z, &over))
		return;
	char *took = fmt_duration(z - a);
	if (m->p->rollback_max_us <= 0) {
		w_p(w, "The rollback took %s (the plan sets no deadline: "
		    "rollback: {max: ...}).", took);
	} else {
		char *mx = fmt_duration(m->p->rollback_max_us);
		if (over) {
			char *by = fmt_duration(z - a - m->p->rollback_max_us);
			w_p(w, "The rollback took %s against its deadline of %s: "
			    "OVERRUN by %s.", took, mx, z - a >
			    m->p->rollback_max_us ? by : "its steps' time");
			free(by);
		} else {
			w_p(w, "The rollback took %s, within its deadline of %s.",
			    took, mx);
		}
		free(mx);
	}
	free(took);
}

static void
procedures_json(struct buf *b, const struct model *m)
{
	size_t n;
	struct proc_run *v = procedure_runs(m->l, &n);
	int64_t a, z;
	bool over;

	buf_adds(b, ",\n \"procedures\": [");
	for (size_t i = 0; i < n; i++) {
		buf_adds(b, i ? ",\n  {" : "\n  {");
		json_field(b, "procedure", v[i].name, false);
		json_field(b, "phase", v[i].phase, true);
		json_field(b, "why", v[i].why, true);
		json_field(b, "outcome", v[i].outcome, true);
		json_field(b, "result", v[i].detail, true);
		json_time(b, "started", v[i].started_us, true);
		json_time(b, "ended", v[i].ended_us, true);
		buf_addf(b, ", \"steps_ok\": %zu, \"steps_failed\": %zu}",
		    v[i].steps_ok, v[i].steps_failed);
	}
	free(v);
	buf_adds(b, "],\n \"rollback_deadline\": ");
	if (!procedure_rollback_span(m->p, m->l, now_wall_us(), &a, &z, &over)) {
		buf_adds(b, "null");
	} else {
		buf_adds(b, "{");
		json_ms(b, "duration", z - a, false);
		json_ms(b, "max", m->p->rollback_max_us > 0 ?
		    m->p->rollback_max_us : -1, true);
		buf_addf(b, ", \"overrun\": %s}", over ? "true" : "false");
	}
}

static void
emit_doc(struct w *w, const struct model *m)
{
	const struct plan *p = m->p;
	const struct jlog *l = m->l;
	char *t, *u, *x;

	if (w->html) {
		fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
		    "\"utf-8\"><title>", w->f);
		t = xasprintf("Cutover report: %s, run %lld", p->name,
		    (long long)l->run.id);
		esc(w, t, ESC_TEXT);
		free(t);
		fprintf(w->f, "</title><style>%s</style></head><body>\n", css);
		fputs("<h1>", w->f);
		esc(w, "Cutover report: ", ESC_TEXT);
		esc(w, p->name, ESC_TEXT);
		fputs("</h1>\n", w->f);
		const char *cls = is(m->state, RUN_COMPLETED) ? "v-go" :
		    (is(m->state, RUN_ROLLED) || is(m->state, RUN_ROLLFAIL)) ?
		    "v-nogo" : "v-other";
		fprintf(w->f, "<div class=\"verdict %s\">", cls);
		esc(w, m->verdict, ESC_TEXT);
		fputs("</div>\n", w->f);
	} else {
		fputs("# Cutover report: ", w->f);
		esc(w, p->name, ESC_TEXT);
		fputs("\n\n", w->f);
		fputs("**Verdict: ", w->f);
		esc(w, m->verdict, ESC_TEXT);
		fputs("**\n\n", w->f);
	}
	if (p->description)
		w_p(w, "%s", p->description);

	w_table(w, 2, "Field", "Value");
	w_row(w, "Verdict", m->verdict);
	if (l->run.reason)
		w_row(w, "Reason", l->run.reason);
	t = xasprintf("%s (sha256 %.12s)", p->file, l->run.plan_sha ?
	    l->run.plan_sha : "?");
	w_row(w, "Plan", t);
	free(t);
	t = xasprintf("%lld, by %s on %s", (long long)l->run.id,
	    l->run.user ? l->run.user : "?", l->run.host ? l->run.host : "?");
	w_row(w, "Run", t);
	free(t);
	t = fmt_time_iso(l->run.started_us);
	w_row(w, "Started", t);
	free(t);
	t = l->run.ended_us ? fmt_time_iso(l->run.ended_us) : xstrdup("-");
	w_row(w, "Ended", t);
	free(t);
	t = report_span(l->run.started_us, l->run.ended_us);
	w_row(w, "Duration", t);
	free(t);
	if (m->dt.how) {
		int64_t end = m->dt.end ? m->dt.end : now_wall_us();
		u = report_span(m->dt.start, end);
		x = report_window(m->dt.phase);
		t = m->dt.start == 0 ? xasprintf("not started (%s)", m->dt.how) :
		    xasprintf("%s%s, %s; window %s: %s", u, m->dt.end ? "" :
		    " so far", m->dt.how, x, window_judgement(m, end -
		    m->dt.start));
		w_row(w, "Downtime", t);
		free(t);
		free(u);
		free(x);
	}
	w_end(w);

	/* Phases and steps. */
	w_h(w, 2, "Phases and steps");
	w_table(w, 7, "Phase", "Step", "Kind", "State", "At", "Duration",
	    "Result");
	for (size_t i = 0; i < p->nphases; i++) {
		const struct phase *ph = &p->phases[i];
		const struct jphase *jp = jlog_phase(l, ph->id);
		u = jp ? offset(m, jp->started_us) : xstrdup("-");
		x = jp ? report_span(jp->started_us, jp->ended_us) : xstrdup("-");
		t = report_window(ph);
		char *res = ph->window.set ? xasprintf("window %s", t) :
		    xstrdup("");
		char *pid = titled(ph->id, ph->title, ph->description);
		w_row(w, pid, "", "phase", jp ? jp->state : "not reached",
		    u, x, res);
		free(pid);
		free(res);
		free(t);
		free(u);
		free(x);
		for (size_t k = 0; k < l->nsteps; k++) {
			const struct jstep *s = &l->steps[k];
			if (!is(s->phase_id, ph->id) || !is(s->kind, "step"))
				continue;
			u = offset(m, s->started_us);
			x = report_span(s->started_us, s->ended_us);
			const struct step *ps = find_step(p, ph->id,
			    s->step_id);
			char at[24] = "";
			if (s->attempt > 1)
				snprintf(at, sizeof(at), " (#%d)", s->attempt);
			char *t0 = titled(s->step_id, ps ? ps->title : NULL,
			    ps ? ps->description : NULL);
			/* Where it ran, when not here (`on: HOST`). */
			bool far = s->host && !is(s->host, "local");
			char *id = xasprintf("%s%s%s%s", t0, at, far ? " on " :
			    "", far ? s->host : "");
			free(t0);
			w_row(w, "", id, s->kind, s->state, u, x,
			    s->message ? s->message : "");
			free(id);
			free(u);
			free(x);
		}
	}
	w_end(w);

	/* Failed steps' output. */
	for (size_t k = 0; k < l->nsteps; k++) {
		const struct jstep *s = &l->steps[k];
		if (is(s->state, STEP_OK) || is(s->state, STEP_SKIPPED) ||
		    s->tail == NULL || *s->tail == '\0')
			continue;
		t = xasprintf("Output of %s %s (%s)", s->kind, s->step_id,
		    s->state);
		w_pre(w, t, s->tail);
		free(t);
	}

	/* Checks. */
	w_h(w, 2, "Checks");
	if (l->nchecks == 0) {
		w_p(w, "No check ran.");
	} else {
		w_table(w, 8, "Phase", "Role", "Check", "Kind", "Status",
		    "Observed", "Threshold", "Message");
		for (size_t i = 0; i < l->nchecks; i++) {
			const struct jcheck *c = &l->checks[i];
			w_row(w, c->phase_id ? c->phase_id : "", c->role,
			    c->check_id, c->kind, c->status, c->observed ?
			    c->observed : "-", c->threshold ? c->threshold : "",
			    c->message ? c->message : "");
		}
		w_end(w);
		/* What a failing check found: which rows differ, say. */
		for (size_t i = 0; i < l->nchecks; i++) {
			const struct jcheck *c = &l->checks[i];
			if (c->detail == NULL || *c->detail == '\0' ||
			    is(c->status, "pass") || is(c->status, "skip"))
				continue;
			t = xasprintf("Detail of check %s (%s)", c->check_id,
			    c->status);
			u = detail_head(c->detail);
			w_pre(w, t, u);
			free(t);
			free(u);
		}
	}

	/* Decisions. */
	w_h(w, 2, "Decisions");
	if (l->ndecisions == 0) {
		w_p(w, "No decision was taken.");
	} else {
		w_table(w, 6, "At", "Phase", "Decision", "By", "How",
		    "Based on");
		for (size_t i = 0; i < l->ndecisions; i++) {
			const struct jdecision *d = &l->decisions[i];
			u = offset(m, d->at_us);
			w_row(w, u, d->phase_id ? d->phase_id : "", d->decision,
			    d->user ? d->user : "", d->how ? d->how : "",
			    d->based_on ? d->based_on : "");
			free(u);
		}
		w_end(w);
	}

	procedures_section(w, m);

	/* Rollback. */
	w_h(w, 2, "Rollback");
	bool any = false;
	for (size_t k = 0; k < l->nsteps; k++)
		any |= !is(l->steps[k].kind, "step") &&
		    !is(l->steps[k].kind, "procedure");
	any |= jlog_has_event(l, "rollback-start", NULL);
	if (!any) {
		w_p(w, "No rollback.");
	} else {
		w_table(w, 6, "Action", "Step", "State", "At", "Duration",
		    "Result");
		for (size_t k = 0; k < l->nsteps; k++) {
			const struct jstep *s = &l->steps[k];
			if (is(s->kind, "step") || is(s->kind, "procedure"))
				continue;
			u = offset(m, s->started_us);
			x = report_span(s->started_us, s->ended_us);
			w_row(w, s->kind, s->step_id, s->state, u, x,
			    s->message ? s->message : "");
			free(u);
			free(x);
		}
		for (size_t i = 0; i < l->nevents; i++) {
			const struct jevent *e = &l->events[i];
			if (!is(e->type, "not-undone"))
				continue;
			u = offset(m, e->at_us);
			w_row(w, "not undone", e->step_id ? e->step_id : "",
			    "skipped", u, "-", e->message ? e->message : "");
			free(u);
		}
		w_end(w);
		rollback_deadline(w, m);
	}

	/* Alerts: per channel, and every delivery that did not arrive. */
	if (p->nalerts || l->nalerts) {
		size_t nt;
		struct alert_tally *at = alert_tally(p, l, &nt);
		w_h(w, 2, "Alerts");
		w_table(w, 6, "Channel", "Sends to", "Sent", "Failed", "Dropped",
		    "Cut short");
		for (size_t i = 0; i < nt; i++) {
			char n1[24], n2[24], n3[24], n4[24];
			snprintf(n1, sizeof(n1), "%zu", at[i].sent);
			snprintf(n2, sizeof(n2), "%zu", at[i].failed);
			snprintf(n3, sizeof(n3), "%zu", at[i].dropped);
			snprintf(n4, sizeof(n4), "%zu", at[i].cut);
			u = alert_endpoint(&at[i]);
			w_row(w, at[i].id, u, n1, n2, n3, n4);
			free(u);
		}
		w_end(w);
		free(at);
		size_t sent, lost;
		report_alert_counts(l, &sent, &lost);
		if (l->nalerts == 0) {
			w_p(w, "No alert was sent.");
		} else if (lost == 0) {
			w_p(w, "Every alert was delivered (%zu).", sent);
		} else {
			w_p(w, "%zu alert%s not delivered:", lost, lost == 1 ?
			    " was" : "s were");
			w_table(w, 7, "At", "Channel", "Event", "About", "State",
			    "Attempts", "Outcome");
			for (size_t i = 0; i < l->nalerts; i++) {
				const struct jalert *a = &l->alerts[i];
				if (!alert_lost(a))
					continue;
				u = offset(m, a->queued_us);
				t = xasprintf("%s%s%s%s%s", a->phase_id ? "phase " :
				    "", a->phase_id ? a->phase_id : "",
				    a->phase_id && a->check_id ? ", " : "",
				    a->check_id ? "check " : "", a->check_id ?
				    a->check_id : "");
				char na[16];
				snprintf(na, sizeof(na), "%d", a->attempts);
				w_row(w, u, a->channel ? a->channel : "", a->event,
				    t, is(a->state, "sending") ? "cut short" :
				    a->state, na, a->outcome ? a->outcome : "");
				free(t);
				free(u);
			}
			w_end(w);
		}
	}

	/* The risk matrix, laid out like the seeds' Risk Summary Matrix. */
	w_h(w, 2, "Risk matrix");
	if (p->nrisks == 0) {
		w_p(w, "The plan has no risks.");
	} else {
		w_table(w, 8, "Risk", "Level", "Probability", "Impact",
		    "Mitigation ready", "Rollback ready", "Recovery", "Owner");
		for (size_t i = 0; i < p->nrisks; i++) {
			const struct risk_row *rr = &m->risks[i];
			const struct risk *r = rr->r;
			t = xasprintf("%s %s%s%s", r->id, r->title ? r->title :
			    "", r->description ? " - " : "", r->description ?
			    r->description : "");
			if (w->html) {
				u = xasprintf("%s: %s", rr->mit_ready ? "yes" : "no",
				    rr->mit_note);
				x = xasprintf("%s: %s", rr->rb_ready, rr->rb_note);
			} else {
				u = xasprintf("%s %s", rr->mit_ready ? "✅" : "❌",
				    rr->mit_note);
				x = xasprintf("%s %s", is(rr->rb_ready, "yes") ? "✅" :
				    is(rr->rb_ready, "no") ? "❌" : "N/A",
				    rr->rb_note);
			}
			/* The causes the plan names, after the impact. */
			char *c = strlist_join(&r->causes, "; ");
			char *imp = r->causes.n ? xasprintf("%s (causes: %s)",
			    r->impact ? r->impact : "-", c) :
			    xstrdup(r->impact ? r->impact : "");
			free(c);
			w_row(w, t, w->html ? level_word(r->level) :
			    level_md(r->level), level_word(r->probability),
			    imp, u, x,
			    r->recovery ? r->recovery : "", r->owner ? r->owner :
			    "");
			free(imp);
			free(t);
			free(u);
			free(x);
		}
		w_end(w);
	}

	watch_section(w, m);

	/* Timeline. */
	w_h(w, 2, "Timeline");
	size_t n;
	struct tl *v = timeline(m, &n);
	w_table(w, 3, "Time", "Offset", "Event");
	for (size_t i = 0; i < n; i++) {
		t = fmt_time_iso(v[i].at);
		u = offset(m, v[i].at);
		w_row(w, t, u, v[i].what);
		free(t);
		free(u);
		free(v[i].what);
	}
	free(v);
	w_end(w);
	if (w->html)
		fputs("<p><small>Generated by cutover from the journal."
		    "</small></p>\n</body></html>\n", w->f);
}

/* ---- json ------------------------------------------------------------ */

static void
emit_json(FILE *f, const struct model *m)
{
	const struct plan *p = m->p;
	const struct jlog *l = m->l;
	struct buf b = BUF_INIT;

	json_open(&b);
	json_field(&b, "plan", p->name, true);
	json_field(&b, "file", p->file, true);
	json_field(&b, "plan_sha256", l->run.plan_sha, true);
	buf_addf(&b, ", \"run\": %lld", (long long)l->run.id);
	json_field(&b, "state", m->state, true);
	json_field(&b, "verdict", m->verdict, true);
	json_field(&b, "reason", l->run.reason, true);
	json_field(&b, "user", l->run.user, true);
	json_field(&b, "host", l->run.host, true);
	json_time(&b, "started", l->run.started_us, true);
	json_time(&b, "ended", l->run.ended_us, true);
	json_span(&b, "duration", l->run.started_us, l->run.ended_us, true);

	buf_adds(&b, ",\n \"downtime\": ");
	if (m->dt.how) {
		buf_adds(&b, "{");
		json_field(&b, "measured", m->dt.how, false);
		json_time(&b, "started", m->dt.start, true);
		json_time(&b, "ended", m->dt.end, true);
		json_span(&b, "duration", m->dt.start, m->dt.end, true);
		json_field(&b, "window_phase", m->dt.phase ? m->dt.phase->id : NULL,
		    true);
		const struct window *w = m->dt.phase ? &m->dt.phase->window :
		    NULL;
		if (w && w->set && w->target_us >= 0)
			json_ms(&b, "target", w->target_us, true);
		if (w && w->set && w->max_us >= 0)
			json_ms(&b, "max", w->max_us, true);
		json_field(&b, "judgement", m->dt.start && m->dt.end ?
		    window_judgement(m, m->dt.end - m->dt.start) : NULL, true);
		buf_adds(&b, "}");
	} else {
		buf_adds(&b, "null");
	}

	buf_adds(&b, ",\n \"phases\": [");
	for (size_t i = 0; i < p->nphases; i++) {
		const struct phase *ph = &p->phases[i];
		const struct jphase *jp = jlog_phase(l, ph->id);
		buf_adds(&b, i ? ",\n  {" : "\n  {");
		json_field(&b, "id", ph->id, false);
		json_field(&b, "title", ph->title, true);
		json_field(&b, "description", ph->description, true);
		json_field(&b, "state", jp ? jp->state : "not reached", true);
		json_time(&b, "started", jp ? jp->started_us : 0, true);
		json_time(&b, "ended", jp ? jp->ended_us : 0, true);
		json_span(&b, "duration", jp ? jp->started_us : 0,
		    jp ? jp->ended_us : 0, true);
		if (ph->window.set) {
			buf_adds(&b, ", \"window\": {");
			json_ms(&b, "target", ph->window.target_us, false);
			json_ms(&b, "max", ph->window.max_us, true);
			buf_adds(&b, "}");
		}
		buf_adds(&b, ", \"steps\": [");
		bool first = true;
		for (size_t k = 0; k < l->nsteps; k++) {
			const struct jstep *s = &l->steps[k];
			if (!is(s->phase_id, ph->id) || !is(s->kind, "step"))
				continue;
			buf_adds(&b, first ? "\n    {" : ",\n    {");
			first = false;
			json_field(&b, "id", s->step_id, false);
			const struct step *ps = find_step(p, ph->id,
			    s->step_id);
			json_field(&b, "title", ps ? ps->title : NULL, true);
			json_field(&b, "description", ps ? ps->description :
			    NULL, true);
			buf_addf(&b, ", \"attempt\": %d", s->attempt);
			json_field(&b, "state", s->state, true);
			json_time(&b, "started", s->started_us, true);
			json_time(&b, "ended", s->ended_us, true);
			json_span(&b, "duration", s->started_us, s->ended_us,
			    true);
			buf_addf(&b, ", \"exit_code\": %d", s->exit_code);
			json_field(&b, "host", s->host, true);
			json_field(&b, "host_ssh", s->host_ssh, true);
			json_field(&b, "command", s->command, true);
			json_field(&b, "message", s->message, true);
			json_field(&b, "output_tail", s->tail, true);
			buf_adds(&b, "}");
		}
		buf_adds(&b, "]}");
	}
	buf_adds(&b, "],\n \"checks\": [");
	for (size_t i = 0; i < l->nchecks; i++) {
		const struct jcheck *c = &l->checks[i];
		buf_adds(&b, i ? ",\n  {" : "\n  {");
		json_field(&b, "phase", c->phase_id, false);
		json_field(&b, "role", c->role, true);
		json_field(&b, "id", c->check_id, true);
		json_field(&b, "kind", c->kind, true);
		json_field(&b, "status", c->status, true);
		json_field(&b, "observed", c->observed, true);
		json_field(&b, "threshold", c->threshold, true);
		json_field(&b, "message", c->message, true);
		json_field(&b, "detail", c->detail, true);
		buf_addf(&b, ", \"attempts\": %d", c->attempts);
		json_ms(&b, "duration", c->duration_us, true);
		json_time(&b, "checked", c->at_us, true);
		buf_adds(&b, "}");
	}
	buf_adds(&b, "],\n \"decisions\": [");
	for (size_t i = 0; i < l->ndecisions; i++) {
		const struct jdecision *d = &l->decisions[i];
		buf_adds(&b, i ? ",\n  {" : "\n  {");
		json_field(&b, "phase", d->phase_id, false);
		json_field(&b, "decision", d->decision, true);
		json_field(&b, "user", d->user, true);
		json_field(&b, "how", d->how, true);
		json_field(&b, "based_on", d->based_on, true);
		json_time(&b, "decided", d->at_us, true);
		buf_adds(&b, "}");
	}
	buf_adds(&b, "],\n \"rollback\": [");
	bool first = true;
	for (size_t k = 0; k < l->nsteps; k++) {
		const struct jstep *s = &l->steps[k];
		if (is(s->kind, "step") || is(s->kind, "procedure"))
			continue;
		buf_adds(&b, first ? "\n  {" : ",\n  {");
		first = false;
		json_field(&b, "action", s->kind, false);
		json_field(&b, "step", s->step_id, true);
		json_field(&b, "state", s->state, true);
		json_time(&b, "started", s->started_us, true);
		json_time(&b, "ended", s->ended_us, true);
		json_field(&b, "message", s->message, true);
		buf_adds(&b, "}");
	}
	buf_adds(&b, "]");
	procedures_json(&b, m);
	buf_adds(&b, ",\n \"not_undone\": [");
	first = true;
	for (size_t i = 0; i < l->nevents; i++) {
		const struct jevent *e = &l->events[i];
		if (!is(e->type, "not-undone"))
			continue;
		buf_adds(&b, first ? "" : ", ");
		first = false;
		buf_adds(&b, "{");
		json_field(&b, "step", e->step_id, false);
		json_field(&b, "why", e->message, true);
		buf_adds(&b, "}");
	}
	if (p->nalerts || l->nalerts) {
		size_t nt;
		struct alert_tally *at = alert_tally(p, l, &nt);
		buf_adds(&b, "],\n \"alerts\": {\"channels\": [");
		for (size_t i = 0; i < nt; i++) {
			buf_adds(&b, i ? ",\n  {" : "\n  {");
			json_field(&b, "id", at[i].id, false);
			char *e = alert_endpoint(&at[i]);
			json_field(&b, "sends_to", e, true);
			free(e);
			buf_addf(&b, ", \"sent\": %zu, \"failed\": %zu, "
			    "\"dropped\": %zu, \"cut_short\": %zu}", at[i].sent,
			    at[i].failed, at[i].dropped, at[i].cut);
		}
		free(at);
		buf_adds(&b, "], \"deliveries\": [");
		for (size_t i = 0; i < l->nalerts; i++) {
			const struct jalert *a = &l->alerts[i];
			buf_adds(&b, i ? ",\n  {" : "\n  {");
			json_field(&b, "channel", a->channel, false);
			json_field(&b, "event", a->event, true);
			json_field(&b, "phase", a->phase_id, true);
			json_field(&b, "check", a->check_id, true);
			json_field(&b, "status", a->status, true);
			json_field(&b, "message", a->message, true);
			json_field(&b, "state", a->state, true);
			buf_addf(&b, ", \"attempts\": %d", a->attempts);
			json_field(&b, "outcome", a->outcome, true);
			json_time(&b, "queued", a->queued_us, true);
			json_time(&b, "done", a->done_us, true);
			buf_adds(&b, "}");
		}
		buf_adds(&b, "]}");
		buf_adds(&b, ",\n \"risks\": [");
	} else {
		buf_adds(&b, "],\n \"risks\": [");
	}
	for (size_t i = 0; i < p->nrisks; i++) {
		const struct risk_row *rr = &m->risks[i];
		buf_adds(&b, i ? ",\n  {" : "\n  {");
		json_field(&b, "id", rr->r->id, false);
		json_field(&b, "title", rr->r->title, true);
		json_field(&b, "description", rr->r->description, true);
		json_field(&b, "level", risk_level_name(rr->r->level), true);
		json_field(&b, "probability", risk_level_name(rr->r->probability),
		    true);
		json_field(&b, "impact", rr->r->impact, true);
		json_field(&b, "owner", rr->r->owner, true);
		json_key(&b, "causes", true);
		buf_addc(&b, '[');
		for (size_t k = 0; k < rr->r->causes.n; k++) {
			buf_adds(&b, k ? ", " : "");
			json_str(&b, rr->r->causes.v[k]);
		}
		buf_addc(&b, ']');
		buf_addf(&b, ", \"mitigation_ready\": %s",
		    rr->mit_ready ? "true" : "false");
		json_field(&b, "mitigation_note", rr->mit_note, true);
		json_field(&b, "rollback_ready", rr->rb_ready, true);
		json_field(&b, "rollback_note", rr->rb_note, true);
		buf_adds(&b, "}");
	}
	watch_json(&b, m);
	buf_adds(&b, "],\n \"timeline\": [");
	size_t n;
	struct tl *v = timeline(m, &n);
	for (size_t i = 0; i < n; i++) {
		buf_adds(&b, i ? ",\n  {" : "\n  {");
		json_time(&b, "occurred", v[i].at, false);
		json_field(&b, "event", v[i].what, true);
		buf_adds(&b, "}");
		free(v[i].what);
	}
	free(v);
	buf_adds(&b, "]}\n");
	fputs(b.s, f);
	buf_release(&b);
}

int
report_emit(FILE *f, const char *format, const struct plan *p,
    const struct jlog *l)
{
	struct model m;

	if (!is(format, "md") && !is(format, "html") && !is(format, "json"))
		return -1;
	model_init(&m, p, l);
	if (is(format, "json")) {
		emit_json(f, &m);
	} else {
		struct w w = { .f = f, .html = is(format, "html") };
		emit_doc(&w, &m);
	}
	model_release(&m);
	return 0;
}


/* ---- the live view ---------------------------------------------------- */

void
report_live_init(struct report_live *v, const struct plan *p,
    const struct jlog *l)
{
	struct model m;

	memset(v, 0, sizeof(*v));
	model_init(&m, p, l);
	v->state = m.state;
	v->verdict = m.verdict;
	v->dt_start = m.dt.start;
	v->dt_end = m.dt.end;
	v->dt_how = m.dt.how;
	v->dt_phase = m.dt.phase;
	v->risks = xcalloc(p->nrisks + 1, sizeof(*v->risks));
	for (size_t i = 0; i < p->nrisks; i++) {
		v->risks[i].r = m.risks[i].r;
		v->risks[i].mit_ready = m.risks[i].mit_ready;
		v->risks[i].mit_note = m.risks[i].mit_note;
		v->risks[i].rb_ready = m.risks[i].rb_ready;
		v->risks[i].rb_note = m.risks[i].rb_note;
	}
	v->nrisks = p->nrisks;
	struct tl *t = timeline(&m, &v->nevents);
	v->events = xcalloc(v->nevents + 1, sizeof(*v->events));
	for (size_t i = 0; i < v->nevents; i++) {
		v->events[i].at_us = t[i].at;
		v->events[i].what = t[i].what;
	}
	free(t);
	/* The strings now belong to v. */
	free(m.risks);
}

void
report_live_release(struct report_live *v)
{
	for (size_t i = 0; i < v->nrisks; i++) {
		free(v->risks[i].mit_note);
		free(v->risks[i].rb_note);
	}
	free(v->risks);
	for (size_t i = 0; i < v->nevents; i++)
		free(v->events[i].what);
	free(v->events);
	free(v->dt_how);
	memset(v, 0, sizeof(*v));
}

const char *
report_live_judgement(const struct report_live *v, int64_t dur)
{
	struct model m = { .dt.phase = v->dt_phase };

	return window_judgement(&m, dur);
}
