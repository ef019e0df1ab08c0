/*
 * runbook.c - the runbook engine; see runbook.h.
 *
 * Order of writes, which is what makes a crash harmless: a step's row is
 * committed (state running) before its process is spawned, and its end
 * is committed before the next step is looked at.  A row left "running"
 * by a dead process is therefore a step that may or may not have done its
 * work: resume re-runs it only when the plan says it is idempotent or the
 * operator says so (--retry-interrupted / --skip-interrupted).
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "check.h"
#include "journal.h"
#include "lib/error.h"
#include "lib/proc.h"
#include "lib/redact.h"
#include "lib/wake.h"
#include "lib/xmalloc.h"
#include "out.h"
#include "procedure.h"
#include "approve.h"
#include "report.h"
#include "runbook.h"
#include "schedule.h"
#include "hosts.h"
#include "runbook_from.h"
#include "watch.h"

#define STEP_TAIL	4096	/* bytes of output kept in the journal */
#define LINE_MAX_	4096	/* longer output lines print in parts */
#define LIVE_COLS_	72	/* a line "\r" rewrites, shown live: 80 with
				   its "    | " */

enum outcome {
	OC_OK,
	OC_FAIL,		/* a step failed after its retries */
	OC_GATE,		/* a gate failed (its no-go is journaled) */
	OC_NOGO,		/* a person said no at the gate */
	OC_WINDOW,	/* the phase's window max was exceeded */
	OC_SIGNAL,	/* SIGINT/SIGTERM */
	OC_AWAIT,	/* stopped at a gate, decision pending */
	OC_STOP,		/* stopped, state and message already recorded */
	OC_ERR,		/* the journal could not be written */
};

struct rb {
	struct plan		*p;
	const struct rb_opts	*o;
	struct journal		*j;
	int64_t			 run;
	struct jlog		 log;	/* the journal as this process began */
	const char		*user;
	char			*err;
	char			*reason;	/* why we stop or roll back */
	bool			 in_rollback;
	bool			 retry_failed;	/* re-run failed undos */
	/* The phase being executed and its window. */
	const struct phase	*ph;
	int64_t			 win_start;	/* wall us; 0: none */
	bool			 warned, overrun;
	/* The step being executed. */
	int64_t			 row;
	struct buf		 line;
	bool			 cr;	/* output's last byte was "\r" */
	size_t			 live_cols; /* a rewritten line shown live */
	struct buf		 based_on;	/* what a decision saw */
	struct buf		 unanswered;	/* manual checks nobody answered */
	size_t			 nhard;		/* other failures of the last set */
	struct alerter		*al;		/* the plan's alerts; NULL: none */
	/* Contingency procedures (procedure.h) and the rollback deadline. */
	struct proc_rules	*prules;
	enum outcome		 proc_oc;	/* how a failed procedure ends */
	int64_t			 rb_started;	/* wall us of rollback-start */
	bool			 rb_overrun;
};

static const char *watch_only_phase(const struct jlog *l);
static enum outcome watch_only(struct rb *rb, const char *phase);
static int same_plan(struct rb *rb);
static int fired_procedures(struct rb *rb, const char *phase);
static void rollback_tick(struct rb *rb);
/* Progress lines; stderr when stdout carries JSON lines (cutover watch). */
static FILE *say_to;

static volatile sig_atomic_t got_sig;
static volatile sig_atomic_t got_hup;	/* the terminal went away */

/*
 * The first SIGINT/SIGTERM is recorded and acted on at the next safe
 * point (the running step's group is stopped within 100ms, but checks
 * run to their timeouts).  A second one exits at once: the journal is
 * consistent at every instant, and resume treats whatever was running as
 * interrupted.
 */
static void
on_signal(int sig)
{
	static const char m[] = "cutover: second signal: exiting now; "
	    "'cutover status' shows where it stopped\n";

	static const char first[] = "cutover: stopping at the next safe "
	    "point (a second signal exits at once)\n";

	if (got_sig == 0) {
		got_sig = sig;
		(void)!write(2, first, sizeof(first) - 1);
		wake_post();	/* a watch sleeping to its next sample */
		return;
	}
	(void)!write(2, m, sizeof(m) - 1);
	_exit(128 + sig);
}

static void
on_hup(int sig)
{
	got_hup = sig;
}

static void
catch_signals(void)
{
	struct sigaction sa;

	wake_init();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* No SA_RESTART: poll() at the go/no-go prompt must wake up. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/*
	 * A closed terminal must not kill a migration halfway through a
	 * dump: on SIGHUP the run goes on (its record is the journal, not
	 * the screen) and stops at the next gate to await a decision.
	 */
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
}

static bool
have_terminal(void)
{
	return !got_hup && isatty(0) && isatty(1);
}

/* Print a line to stdout, redacted, flushed (progress must show). */
static void
say(const char *fmt, ...)
{
	va_list ap;
	char *m, *r;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	r = redact(m);
	/* Messages carry step output and peers' errors: inert on a TTY. */
	char *v = text_printable(r, true);
	FILE *f = say_to ? say_to : stdout;
	fputs(v, f);
	fputc('\n', f);
	fflush(f);
	free(v);
	free(r);
	free(m);
}

/* Queue an alert (alert.h); never waits for its delivery. */
static void
rb_alert(struct rb *rb, const char *event, const char *phase,
    const char *status, const char *message)
{
	struct alert_event ev = { .event = event, .phase = phase,
	    .status = status, .message = message };

	alert_emit(rb->al, &ev);
}

static enum outcome
jfail(struct rb *rb)
{
	errmsg("%s", rb->err ? rb->err : "journal write failed");
	return OC_ERR;
}

const char *
runbook_user(void)
{
	static char name[128];
	const char *u = getenv("SUDO_USER");

	if (u == NULL || *u == '\0')
		u = getenv("USER");
	if (u == NULL || *u == '\0') {
		struct passwd *pw = getpwuid(getuid());
		if (pw)
			u = pw->pw_name;
	}
	if (u == NULL || *u == '\0') {
		snprintf(name, sizeof(name), "uid %ld", (long)getuid());
		return name;
	}
	snprintf(name, sizeof(name), "%s", u);
	return name;
}

char *
runbook_journal_path(const struct plan *p, const char *state)
{
	if (state)
		return xstrdup(state);
	/*
	 * The name may hold a secret (name: ${env:X} with X in secrets): the
	 * file name is the redacted name with every character but letters,
	 * digits, '.', '_' and '-' made '_' ("***" -> "___"), twice, so that
	 * not even the result spells a secret.  No hash of the name: a short
	 * digest of a secret lets its guesses be checked offline.
	 */
	char *n = xstrdup(p->name);
	for (int pass = 0; pass < 2; pass++) {
		char *r = redact(n);
		for (char *c = r; *c; c++)
			if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
				*c = '_';
		free(n);
		n = r;
	}
	char *path = xasprintf("%s/.cutover/%s.db", p->dir ? p->dir : ".", n);
	free(n);
	return path;
}

/* ---- describing commands --------------------------------------------- */

static bool
needs_quotes(const char *w)
{
	if (*w == '\0')
		return true;
	for (; *w; w++)
		if (strchr(" \t\n'\"\\$`|&;<>()*?[]#~{}", *w))
			return true;
	return false;
}

/*
 * "run: a b 'c d'" or "shell: ...", redacted, newly allocated.  Each word
 * is redacted before it is quoted: quoting first would turn a secret
 * containing ' into 'ab'\''cd', which no longer matches it.  The whole
 * line is redacted again for a secret spanning words.
 */
static char *
cmd_desc(const struct command *c)
{
	struct buf b = BUF_INIT;

	if (c->shell) {
		buf_adds(&b, "shell: ");
		buf_add_redacted(&b, c->shell);
	} else {
		buf_adds(&b, "run:");
		for (size_t i = 0; i < c->argv.n; i++) {
			char *w = redact(c->argv.v[i]);
			buf_addc(&b, ' ');
			if (!needs_quotes(w)) {
				buf_adds(&b, w);
				free(w);
				continue;
			}
			buf_addc(&b, '\'');
			for (const char *x = w; *x; x++) {
				if (*x == '\'')
					buf_adds(&b, "'\\''");
				else
					buf_addc(&b, *x);
			}
			buf_addc(&b, '\'');
			free(w);
		}
	}
	char *r = redact(b.s);
	char *v = text_printable(r, true);
	buf_release(&b);
	free(r);
	return v;
}

/* ---- checks ---------------------------------------------------------- */

/* Read a y/N answer from the terminal; false on EOF or a signal. */
static bool
ask_yes(const char *question)
{
	char line[64];
	size_t n = 0;

	char *q = redact(question);
	printf("%s [y/N] ", q);
	free(q);
	fflush(stdout);
	for (;;) {
		char c;
		ssize_t k = read(0, &c, 1);
		if (k < 0 && errno == EINTR && !got_sig)
			continue;
		if (k <= 0 || c == '\n')
			break;
		if (n < sizeof(line) - 1)
			line[n++] = c;
	}
	line[n] = '\0';
	return !got_sig && (strcasecmp(line, "y") == 0 ||
	    strcasecmp(line, "yes") == 0);
}

/*
 * Human checklist items (kind manual) not yet confirmed are asked at the
 * terminal before the checks run, in the main thread: a question must
 * not race the other checks' output.  Without a terminal they stay
 * unanswered and the check says how to answer (`cutover confirm`).
 */
static void
ask_manual(struct rb *rb, struct check **sel, size_t n)
{
	if (!have_terminal())
		return;
	for (size_t i = 0; i < n && !got_sig && !got_hup; i++) {
		struct jconfirm a;
		char *e = NULL;
		/* Approvers answer as themselves (cutover approve). */
		if (strcmp(sel[i]->kind->name, "manual") != 0 ||
		    approve_is_rule(rb->p, sel[i]->id))
			continue;
		int rc = journal_confirmation(rb->j, sel[i]->id, &a, &e);
		bool yes = rc == 0 && a.yes;
		if (rc == 0)
			jconfirm_release(&a);
		if (!yes) {
			yes = ask_yes(sel[i]->title ? sel[i]->title : sel[i]->id);
			if (journal_confirm(rb->j, sel[i]->id, yes, rb->user,
			    "answered at the terminal", &e) != 0)
				errmsg("%s", e);
		}
		free(e);
	}
}

/*
 * Run the checks named in ids, print them as a table, journal each
 * result under (phase, role) and leave a one-line summary in
 * rb->based_on.  Returns the worst status; *jerr on a journal failure.
 */
/* A signal ends a gate at once instead of after every check's timeout. */
static bool
checks_stop(void *arg)
{
	(void)arg;
	return got_sig != 0;
}

static enum status
run_checks(struct rb *rb, const struct strlist *ids, const char *phase,
    const char *role, struct buf *failed, bool *jerr)
{
	struct check **sel = xcalloc(ids->n + 1, sizeof(*sel));
	size_t n = 0, nres = 0;

	for (size_t i = 0; i < ids->n; i++) {
		struct check *c = plan_check(rb->p, ids->v[i]);
		if (c)
			sel[n++] = c;
	}
	ask_manual(rb, sel, n);
	struct run_opts ro = { .jobs = rb->o->jobs,
	    .should_stop = checks_stop, .live = true };
	int64_t t0 = now_mono_us();
	struct out_ctx cx = {
		.plan_name = rb->p->name,
		.color = out_want_color(stdout),
		.started_wall_us = now_wall_us(),
	};
	struct result *rs = check_run_all(rb->p, sel, n, &ro, &nres);
	cx.duration_us = now_mono_us() - t0;
	results_redact(rs, nres);
	out_find("text")->emit(stdout, rs, nres, &cx);
	fflush(stdout);

	buf_reset(&rb->based_on);
	buf_reset(&rb->unanswered);
	rb->nhard = 0;
	for (size_t i = 0; i < nres; i++) {
		const struct result *r = &rs[i];
		if (r->status == ST_FAIL || r->status == ST_SKIP) {
			if (r->status == ST_FAIL && r->unanswered)
				buf_addf(&rb->unanswered, "%s%s",
				    rb->unanswered.len ? ", " : "", r->check->id);
			else
				rb->nhard++;
		}
		struct jcheck jc = {
			.check_id = r->check->id,
			.kind = (char *)r->check->kind->name,
			.status = (char *)status_name(r->status),
			.observed = r->observed,
			.threshold = r->threshold,
			.message = r->message,
			.detail = r->detail,
			.attempts = r->attempts,
			.duration_us = r->duration_us,
			.at_us = r->started_wall_us,
			.has_value = r->has_value,
			.value = r->value,
		};
		if (journal_check(rb->j, rb->run, phase, role, &jc,
		    &rb->err) != 0)
			*jerr = true;
		/* An unanswered checklist item is a question, not a failure. */
		if (!r->unanswered)
			alert_check_state(rb->al, phase, r->check->id,
			    r->status != ST_FAIL && r->status != ST_SKIP,
			    r->message);
		buf_addf(&rb->based_on, "%s%s %s%s%s%s", i ? "; " : "",
		    r->check->id, status_name(r->status),
		    r->observed ? " (" : "", r->observed ? r->observed : "",
		    r->observed ? ")" : "");
		if (failed && (r->status == ST_FAIL || r->status == ST_SKIP))
			buf_addf(failed, "%s%s", failed->len ? ", " : "",
			    r->check->id);
		if (strcmp(role, "gate") == 0) {
			/* A gate's results are samples for procedures' when. */
			struct wsample ws = { r->started_wall_us, (int)r->status,
			    r->has_value, r->value };
			proc_rules_feed(rb->prules, phase, r->check->id, &ws,
			    true);
		}
	}
	enum status worst = results_worst(rs, nres);
	for (size_t i = 0; i < nres && worst != ST_FAIL; i++)
		if (rs[i].status == ST_SKIP)
			worst = ST_FAIL;	/* a skipped check is no pass */
	results_free(rs, nres);
	free(sel);
	return worst;
}

/* ---- windows --------------------------------------------------------- */

static void
window_tick(struct rb *rb)
{
	const struct window *w;

	if (rb->in_rollback) {
		rollback_tick(rb);
		return;
	}
	if (rb->ph == NULL || rb->win_start == 0)
		return;
	w = &rb->ph->window;
	if (!w->set)
		return;
	int64_t el = now_wall_us() - rb->win_start;
	if (w->target_us >= 0 && el > w->target_us && !rb->warned) {
		char *t = fmt_duration(w->target_us);
		char *m = xasprintf("phase '%s' is past its window target %s",
		    rb->ph->id, t);
		say("warning: %s", m);
		rb->warned = true;
		char *e = NULL;
		if (journal_event(rb->j, rb->run, "window-target", rb->ph->id,
		    NULL, m, &e) != 0)
			errmsg("%s", e);
		free(e);
		free(m);
		free(t);
	}
	if (w->max_us >= 0 && el > w->max_us && !rb->overrun) {
		rb->overrun = true;
		char *mx = fmt_duration(w->max_us);
		char *m = xasprintf("phase '%s' is past its window max %s",
		    rb->ph->id, mx);
		rb_alert(rb, "window.overrun", rb->ph->id, "overrun", m);
		free(m);
		free(mx);
	}
}

/* ---- steps ----------------------------------------------------------- */

/*
 * Print rb->line[0..n) as lines "    | ...", redacted, then drop it.  A
 * part that does not end a line (a long line printed in parts) prints as
 * a line of its own.  Control characters are escaped: a step's output must
 * not move the cursor or rewrite the lines above it.
 */
/* Blank the line a "\r" rewrote on the terminal (see cr_rewrite). */
static void
live_erase(struct rb *rb)
{
	if (rb->live_cols == 0)
		return;
	printf("\r%*s\r", (int)rb->live_cols, "");
	rb->live_cols = 0;
}

static void
print_lines(struct rb *rb, size_t n)
{
	live_erase(rb);
	char *t = xstrndup(rb->line.s, n);
	char *r = redact(t);
	char *v = text_printable(r, true);

	for (char *l = v; *l;) {
		char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		if (len == 0)
			printf("    |\n");
		/* Cutting text already redacted shows nothing new. */
		for (size_t at = 0; at < len; at += LINE_MAX_)
			printf("    | %.*s\n", (int)(len - at < LINE_MAX_ ?
			    len - at : LINE_MAX_), l + at);
		l += len + (e != NULL);
	}
	fflush(stdout);
	free(v);
	free(r);
	free(t);
	buf_keep_tail(&rb->line, rb->line.len - n);
}

/* At the end of the output: print what is left. */
static void
flush_line(struct rb *rb)
{
	if (rb->line.len > 0)
		print_lines(rb, rb->line.len);
	live_erase(rb);
	rb->cr = false;
}

/*
 * A "\r" not ending a line starts it again (a progress meter): only its
 * last state is printed.  On a terminal the state it replaces is shown
 * in place meanwhile, redacted, cut to the width, as the meter meant.
 */
static void
cr_rewrite(struct rb *rb)
{
	const char *nl = rb->line.len ? memrchr(rb->line.s, '\n',
	    rb->line.len) : NULL;
	size_t from = nl ? (size_t)(nl - rb->line.s) + 1 : 0;

	if (!isatty(1)) {
		rb->line.len = from;
		rb->line.s[from] = '\0';
		return;
	}
	if (from > 0)
		print_lines(rb, from);
	/* Never the start of a secret the next state would complete. */
	size_t cut = redact_cut_before(rb->line.s, rb->line.len,
	    rb->line.len, true);
	if (cut == 0) {
		buf_reset(&rb->line);
		return;
	}
	char *t = xstrndup(rb->line.s, cut);
	char *r = redact(t);
	char *v = text_printable(r, false);
	size_t cols = strlen(v) > LIVE_COLS_ ? LIVE_COLS_ : strlen(v);
	printf("\r    | %.*s", (int)cols, v);
	if (rb->live_cols > cols + 6)
		printf("%*s", (int)(rb->live_cols - cols - 6), "");
	fflush(stdout);
	rb->live_cols = cols + 6;
	free(v);
	free(r);
	free(t);
	buf_reset(&rb->line);
}

/*
 * Output is printed as it arrives, whole lines at a time, each redacted.
 * A chunk may end inside a secret, a long line is printed in parts and a
 * secret may span lines: the text printed stops at a cut that splits no
 * secret and leaves out any end that could begin one (redact_cut_before);
 * the rest waits for the next chunk or the end of the output.
 */
static void
on_output(const char *data, size_t n, void *arg)
{
	struct rb *rb = arg;

	for (size_t i = 0; i < n; i++) {
		/* CRLF ends a line; a lone CR starts it again. */
		if (rb->cr && data[i] != '\n')
			cr_rewrite(rb);
		rb->cr = data[i] == '\r';
		if (data[i] == '\0')
			buf_adds(&rb->line, "\\x00");	/* would end the text */
		else if (data[i] != '\r')
			buf_addc(&rb->line, data[i]);
	}
	const char *nl = memrchr(rb->line.s, '\n', rb->line.len);
	size_t want = nl ? (size_t)(nl - rb->line.s) + 1 : 0;
	if (rb->line.len - want >= LINE_MAX_)
		want = rb->line.len;
	size_t cut = redact_cut_before(rb->line.s, rb->line.len, want, true);
	if (cut > 0)
		print_lines(rb, cut);
}

/*
 * The step's process group is committed before the step may exec: a kill
 * at any instant leaves either no process or a recorded group, which
 * resume and run wait for (a group known only after the step started
 * could outlive a kill unrecorded, and run beside its own re-run).
 */
static bool
on_spawn(pid_t pgid, void *arg)
{
	struct rb *rb = arg;

	if (journal_step_pgid(rb->j, rb->row, (long)pgid, &rb->err) != 0) {
		errmsg("%s", rb->err);
		return false;
	}
	return true;
}

static bool
should_stop(void *arg)
{
	struct rb *rb = arg;

	if (got_sig)
		return true;
	window_tick(rb);
	return rb->overrun && !rb->in_rollback;
}

/* Sleep us, waking for signals and window overruns. */
static void
pause_us(struct rb *rb, int64_t us)
{
	int64_t end = now_mono_us() + us;

	while (!got_sig && !rb->overrun && now_mono_us() < end) {
		int64_t left = end - now_mono_us();
		sleep_us(left < 100000 ? left : 100000);
		window_tick(rb);
	}
}

/*
 * Execute one step (or its undo: cmd) with its retries, journaling each
 * attempt.  kind is "step", "undo" or "rollback".
 */
/*
 * A step row whose host the plan has changed since (an edited `on:` or
 * hosts: entry): refused unless --force, journaled when forced.  0 to go
 * on, -1 to stop.
 */
static int
rb_host_moved(struct rb *rb, const struct jstep *js, const struct step *s,
    const char *what, const char *cmd)
{
	char *m = hosts_row_moved(s, js);

	if (m == NULL)
		return 0;
	if (!rb->o->force) {
		errmsg("%s '%s' was interrupted and %s: run 'cutover %s %s "
		    "--force' to go on with the plan as it is now", what, s->id,
		    m, cmd, rb->p->file);
		free(m);
		return -1;
	}
	say("   %s %s: %s (--force)", what, s->id, m);
	int rc = journal_decision(rb->j, rb->run, js->phase_id, "host-moved",
	    rb->user, "--force", s->id, &rb->err);
	free(m);
	return rc ? (jfail(rb), -1) : 0;
}

static enum outcome
exec_step(struct rb *rb, const char *phase, const struct step *s,
    const char *kind, const struct command *cmd)
{
	char *desc = cmd_desc(cmd);
	char **envv = xcalloc(s->nenv + 6, sizeof(*envv));
	size_t ne = 0;
	enum outcome oc = OC_FAIL;

	for (size_t i = 0; i < s->nenv; i++)
		envv[ne++] = xasprintf("%s=%s", s->env[i].key, s->env[i].value);
	envv[ne++] = xasprintf("CUTOVER_RUN_ID=%lld", (long long)rb->run);
	envv[ne++] = xasprintf("CUTOVER_PHASE=%s", phase);
	envv[ne++] = xasprintf("CUTOVER_STEP=%s", s->id);
	envv[ne++] = xasprintf("CUTOVER_PLAN_DIR=%s", rb->p->dir);
	/* Attempts keep counting across resumes: the journal shows them all. */
	const struct jstep *prev = jlog_last_step(&rb->log, kind, s->id);
	int base = prev ? prev->attempt : 0;

	for (int attempt = 1;; attempt++) {
		if (strcmp(kind, "step") == 0 && rb->ph && rb->ph->window.set &&
		    rb->win_start == 0) {
			/* The window's clock starts at the phase's first step. */
			rb->win_start = now_wall_us();
			schedule_window(rb->p, rb->ph, rb->win_start);
			if (journal_phase_window(rb->j, rb->run, phase,
			    rb->win_start, &rb->err) != 0) {
				oc = jfail(rb);
				break;
			}
		}
		char *dest = s->host ? hosts_dest(s->host) : NULL;
		int brc = journal_step_begin_on(rb->j, rb->run, phase, s->id,
		    kind, base + attempt, desc, s->host ? s->host->id : NULL,
		    dest, &rb->row, &rb->err);
		free(dest);
		if (brc != 0) {
			oc = jfail(rb);
			break;
		}
		if (attempt > 1)
			say("-> %s %s (attempt %d of %d): %s", kind, s->id,
			    attempt, s->retries + 1, desc);
		else
			say("-> %s %s: %s", kind, s->id, desc);
		struct proc_spec spec = {
			.argv = cmd->shell ? NULL : cmd->argv.v,
			.shell = cmd->shell,
			.env = (const char *const *)envv,
			.cwd = s->cwd,
			.timeout_us = s->timeout_us,
			.tail_max = STEP_TAIL,
			.on_output = on_output,
			.arg = rb,
			.on_spawn = on_spawn,
			.should_stop = should_stop,
			.pty = s->tty,
			.collapse_cr = true,
		};
		struct proc_result pr;
		char *e = NULL, *msg, *tail;
		const char *state;
		/* `on: HOST`: run by the agent there (hosts_step.c). */
		int rc = s->host ? hosts_proc_run(rb->p, s->host, &spec, &pr,
		    &e) : proc_run(&spec, &pr, &e);
		flush_line(rb);
		if (rc != 0) {
			state = STEP_FAILED;
			msg = e;
			e = NULL;
			tail = xstrdup("");
		} else {
			msg = proc_describe(&pr, s->timeout_us);
			tail = redact(pr.tail.s);
			if (pr.stopped && got_sig) {
				free(msg);
				msg = xasprintf("interrupted by %s; process group "
				    "stopped", got_sig == SIGINT ? "SIGINT" :
				    "SIGTERM");
				state = STEP_INTERRUPTED;
			} else if (pr.stopped && rb->overrun && rb->ph) {
				char *m = fmt_duration(rb->ph->window.max_us);
				free(msg);
				msg = xasprintf("window max %s of phase '%s' "
				    "exceeded; process group stopped", m,
				    rb->ph->id);
				free(m);
				state = STEP_FAILED;
			} else if (!pr.spawn_failed && !pr.timed_out &&
			    pr.signal == 0 && pr.exit_code == 0) {
				state = STEP_OK;
			} else {
				state = STEP_FAILED;
			}
			buf_release(&pr.tail);
		}
		free(e);
		char *rmsg = redact(msg);
		char *d = rc == 0 ? fmt_duration(pr.duration_us) : xstrdup("0s");
		int jrc = journal_step_end(rb->j, rb->row, state,
		    rc == 0 ? pr.exit_code : -1, rc == 0 ? pr.signal : 0, rmsg,
		    tail, &rb->err);
		if (strcmp(state, STEP_OK) == 0)
			say("   %s %s: ok (%s)", kind, s->id, d);
		else
			say("   %s %s: %s (%s)", kind, s->id, rmsg, d);
		free(d);
		free(tail);
		free(msg);
		if (jrc != 0) {
			free(rmsg);
			oc = jfail(rb);
			break;
		}
		if (strcmp(state, STEP_OK) == 0) {
			free(rmsg);
			oc = OC_OK;
			break;
		}
		if (strcmp(state, STEP_INTERRUPTED) == 0 || got_sig) {
			free(rmsg);
			oc = OC_SIGNAL;
			break;
		}
		if (rb->overrun) {
			free(rb->reason);
			rb->reason = xasprintf("%s %s: %s", kind, s->id, rmsg);
			free(rmsg);
			oc = OC_WINDOW;
			break;
		}
		if (attempt > s->retries) {
			free(rb->reason);
			rb->reason = xasprintf("%s %s failed: %s", kind, s->id,
			    rmsg);
			free(rmsg);
			oc = OC_FAIL;
			break;
		}
		free(rmsg);
		char *iv = fmt_duration(s->retry_interval_us);
		say("   retrying in %s", iv);
		free(iv);
		pause_us(rb, s->retry_interval_us);
		if (got_sig) {
			oc = OC_SIGNAL;
			break;
		}
		if (rb->overrun) {
			free(rb->reason);
			rb->reason = xasprintf("window of phase '%s' exceeded "
			    "while retrying %s", phase, s->id);
			oc = OC_WINDOW;
			break;
		}
	}
	for (size_t i = 0; i < ne; i++)
		free(envv[i]);
	free(envv);
	free(desc);
	return oc;
}

/*
 * A step row left `running` by a crash becomes `interrupted` before
 * anything decides about it, so that a second crash finds the decision's
 * premise journaled.  0, or -1 after jfail.
 */
static int
mark_interrupted(struct rb *rb, const struct jstep *js)
{
	if (strcmp(js->state, STEP_RUNNING) == 0 && journal_step_end(rb->j,
	    js->id, STEP_INTERRUPTED, -1, 0, "interrupted: cutover stopped "
	    "while it ran", js->tail, &rb->err) != 0) {
		jfail(rb);
		return -1;
	}
	return 0;
}

/*
 * A step row left running (crash) or interrupted (signal).  Returns 0 to
 * run the step again, 1 to count it as done, -1 to stop here.
 */
static int
interrupted(struct rb *rb, const struct jstep *js, const struct step *s,
    const char *what)
{
	const char *pf = rb->p->file;

	if (rb_host_moved(rb, js, s, what, "resume") != 0)
		return -1;
	if (js->pgid > 0 && hosts_row_alive(rb->p, s, js)) {
		errmsg("%s '%s' was interrupted but its processes (group %ld%s%s) "
		    "are still running: wait for them or stop them, then run "
		    "'cutover resume %s' again", what, s->id, js->pgid,
		    hosts_row_remote(s, js) ? " on " : "",
		    hosts_row_remote(s, js) ? (js->host ? js->host :
		    s->host->id) : "", pf);
		return -1;
	}
	if (mark_interrupted(rb, js) != 0)
		return -1;
	if (s->idempotent) {
		say("   %s %s was interrupted; it is idempotent: running it "
		    "again", what, s->id);
		return journal_event(rb->j, rb->run, "rerun-interrupted",
		    js->phase_id, s->id, "idempotent: run again", &rb->err) ?
		    (jfail(rb), -1) : 0;
	}
	if (rb->o->retry_interrupted) {
		say("   %s %s was interrupted: running it again "
		    "(--retry-interrupted)", what, s->id);
		return journal_decision(rb->j, rb->run, js->phase_id,
		    "retry-interrupted", rb->user, "--retry-interrupted",
		    s->id, &rb->err) ? (jfail(rb), -1) : 0;
	}
	if (rb->o->skip_interrupted) {
		int64_t row;
		say("   %s %s was interrupted: counted as done "
		    "(--skip-interrupted)", what, s->id);
		if (journal_decision(rb->j, rb->run, js->phase_id,
		    "skip-interrupted", rb->user, "--skip-interrupted", s->id,
		    &rb->err) != 0 ||
		    journal_step_begin(rb->j, rb->run, js->phase_id, s->id,
		    js->kind, js->attempt + 1, js->command, &row, &rb->err) != 0 ||
		    journal_step_end(rb->j, row, STEP_SKIPPED, 0, 0, "marked done "
		    "by the operator (--skip-interrupted)", "", &rb->err) != 0) {
			jfail(rb);
			return -1;
		}
		return 1;
	}
	errmsg("%s '%s' (phase %s) was interrupted and is not idempotent: "
	    "check whether it finished, then run 'cutover resume %s "
	    "--skip-interrupted' if it did, or '--retry-interrupted' to run it "
	    "again", what, s->id, js->phase_id, pf);
	if (!rb->in_rollback) {
		char *r = xasprintf("%s %s was interrupted; awaiting the "
		    "operator", what, s->id);
		journal_run_state(rb->j, rb->run, RUN_STOPPED, r, false,
		    &rb->err);
		free(r);
	}
	return -1;
}

/* ---- the walk -------------------------------------------------------- */

static bool
phase_has_event(const struct jlog *l, const char *type, const char *phase)
{
	for (size_t i = 0; i < l->nevents; i++)
		if (strcmp(l->events[i].type, type) == 0 &&
		    l->events[i].phase_id &&
		    strcmp(l->events[i].phase_id, phase) == 0)
			return true;
	return false;
}

/* What came of asking go/no-go at the terminal. */
enum answer {
	ANS_GO,
	ANS_NOGO,
	ANS_WINDOW,	/* the window's max passed while asking */
	ANS_SIGNAL,	/* SIGINT/SIGTERM */
	ANS_NOBODY,	/* no terminal, or it went away (EOF, SIGHUP) */
};

static enum answer
prompt_go(struct rb *rb)
{
	char line[64];
	size_t n = 0;

	fputs("go? [y/N] ", stdout);
	fflush(stdout);
	for (;;) {
		struct pollfd pf = { .fd = 0, .events = POLLIN };
		int r = poll(&pf, 1, 500);
		if (got_sig)
			return ANS_SIGNAL;
		if (got_hup)
			return ANS_NOBODY;
		window_tick(rb);
		if (rb->overrun)
			return ANS_WINDOW;
		if (r <= 0)
			continue;
		char c;
		ssize_t k = read(0, &c, 1);
		if (k < 0 && errno == EINTR)
			continue;
		/* End of input is no answer at all, not a no. */
		if (k <= 0)
			return ANS_NOBODY;
		if (c == '\n')
			break;
		if (n < sizeof(line) - 1)
			line[n++] = c;
	}
	line[n] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0 ?
	    ANS_GO : ANS_NOGO;
}

/*
 * A gate with approvers: the go is theirs, given with `cutover approve
 * PLAN PHASE` by quorum distinct people of its roles; --yes and the
 * terminal do not stand in for them.  Until then the run awaits.
 */
static enum outcome
gate_approvals(struct rb *rb, const struct phase *ph, bool *decided)
{
	const struct sched_phase *sp = sched_phase_of(rb->p, ph);
	char *subject, *who = NULL;

	*decided = false;
	if (sp == NULL || sp->gate.roles.n == 0)
		return OC_OK;
	*decided = true;
	subject = xasprintf("gate:%s", ph->id);
	int got = approve_count(rb->p, rb->j, subject, &sp->gate, &who,
	    &rb->err);
	free(subject);
	if (got < 0) {
		free(who);
		return jfail(rb);
	}
	enum outcome oc = OC_OK;
	char *roles = strlist_join(&sp->gate.roles, ", ");
	if (got >= sp->gate.quorum) {
		char *how = xasprintf("approved by %s", who);
		say("go (%s)", how);
		rb_alert(rb, "gate.go", ph->id, "go", how);
		/* The go is journaled first: a crash between leaves a passed
		 * gate, not approvals used for nothing. */
		subject = xasprintf("gate:%s", ph->id);
		if (journal_decision(rb->j, rb->run, ph->id, "go", who, how,
		    rb->based_on.s, &rb->err) != 0 ||
		    approve_consume(rb->p, rb->j, subject, &sp->gate,
		    &rb->err) != 0)
			oc = jfail(rb);
		free(subject);
		free(how);
	} else {
		free(rb->reason);
		rb->reason = xasprintf("awaiting approval of the gate of phase "
		    "%s: %d of %d from %s%s%s%s", ph->id, got, sp->gate.quorum,
		    roles, got ? " (so far " : "", got ? who : "",
		    got ? ")" : "");
		if (journal_decision(rb->j, rb->run, ph->id, "awaiting",
		    rb->user, "approvals missing", rb->based_on.s,
		    &rb->err) != 0 ||
		    journal_run_state(rb->j, rb->run, RUN_AWAITING, rb->reason,
		    false, &rb->err) != 0) {
			oc = jfail(rb);
		} else {
			say("gate passed; %s: each approver runs 'cutover "
			    "approve %s %s', then 'cutover resume %s'",
			    rb->reason, rb->p->file, ph->id, rb->p->file);
			oc = OC_AWAIT;
		}
	}
	free(roles);
	free(who);
	return oc;
}

static enum outcome
gate(struct rb *rb, const struct phase *ph)
{
	struct buf failed = BUF_INIT;
	bool jerr = false;
	enum outcome oc = OC_OK;
	enum answer a;

	say("   gate of phase %s:", ph->id);
	if (journal_phase(rb->j, rb->run, ph->id, "gate", 0, 0, &rb->err) != 0)
		return jfail(rb);
again:;
	enum status st = run_checks(rb, &ph->gate, ph->id, "gate", &failed,
	    &jerr);
	if (jerr) {
		oc = jfail(rb);
		goto out;
	}
	if (got_sig) {
		oc = OC_SIGNAL;
		goto out;
	}
	if (st == ST_FAIL) {
		/* A procedure started by these results; done, judge again. */
		int pr = fired_procedures(rb, ph->id);
		if (pr < 0) {
			oc = OC_ERR;
			goto out;
		}
		if (pr == 1) {
			oc = rb->proc_oc;
			goto out;
		}
		if (pr == 2) {
			buf_reset(&failed);
			say("   gate of phase %s again, after the procedure:",
			    ph->id);
			goto again;
		}
	}
	/*
	 * The checks take time: the window may have passed its max while
	 * they ran.  Judge that before anyone answers, so that a terminal
	 * "y", --yes and an answer awaited from `cutover confirm` meet the
	 * same rule.
	 */
	window_tick(rb);
	if (rb->overrun) {
		free(rb->reason);
		rb->reason = xasprintf("window max of phase %s exceeded at its "
		    "gate", ph->id);
		say("no-go: %s", rb->reason);
		oc = OC_WINDOW;
		goto out;
	}
	if (st == ST_FAIL && rb->nhard == 0 && rb->unanswered.len) {
		/*
		 * Only human checklist items are missing: that is a question
		 * nobody answered yet, not a failed verification.  Wait.
		 */
		free(rb->reason);
		rb->reason = xasprintf("awaiting answers at the gate of phase "
		    "%s: %s", ph->id, rb->unanswered.s);
		if (journal_decision(rb->j, rb->run, ph->id, "awaiting",
		    rb->user, "manual checks unanswered", rb->based_on.s,
		    &rb->err) != 0 ||
		    journal_run_state(rb->j, rb->run, RUN_AWAITING, rb->reason,
		    false, &rb->err) != 0) {
			oc = jfail(rb);
		} else {
			say("%s: answer with 'cutover confirm %s ID', then "
			    "'cutover resume %s'", rb->reason, rb->p->file,
			    rb->p->file);
			oc = OC_AWAIT;
		}
		goto out;
	}
	if (st == ST_FAIL) {
		free(rb->reason);
		rb->reason = xasprintf("gate of phase %s failed: %s", ph->id,
		    failed.s);
		say("no-go: %s", rb->reason);
		rb_alert(rb, "gate.nogo", ph->id, "no-go", rb->reason);
		oc = journal_decision(rb->j, rb->run, ph->id, "no-go", "cutover",
		    "gate failed", rb->based_on.s, &rb->err) ? jfail(rb) :
		    OC_GATE;
		goto out;
	}
	bool decided;
	oc = gate_approvals(rb, ph, &decided);
	if (decided)
		goto out;
	if (rb->o->yes) {
		say("go (--yes)");
		rb_alert(rb, "gate.go", ph->id, "go", rb->based_on.s);
		if (journal_decision(rb->j, rb->run, ph->id, "go", rb->user,
		    "--yes", rb->based_on.s, &rb->err) != 0)
			oc = jfail(rb);
		goto out;
	}
	a = have_terminal() ? prompt_go(rb) : ANS_NOBODY;
	if (a == ANS_SIGNAL) {
		oc = OC_SIGNAL;
	} else if (a == ANS_WINDOW) {
		free(rb->reason);
		rb->reason = xasprintf("window max of phase %s exceeded at its "
		    "gate", ph->id);
		oc = OC_WINDOW;
	} else if (a == ANS_NOBODY) {
		/* Nobody to ask: record that, and stop until someone decides. */
		free(rb->reason);
		rb->reason = xasprintf("awaiting go/no-go at the gate of phase "
		    "%s", ph->id);
		if (journal_decision(rb->j, rb->run, ph->id, "awaiting",
		    rb->user, got_hup ? "terminal closed (SIGHUP)" :
		    "no terminal and no --yes", rb->based_on.s, &rb->err) != 0 ||
		    journal_run_state(rb->j, rb->run, RUN_AWAITING, rb->reason,
		    false, &rb->err) != 0) {
			oc = jfail(rb);
		} else {
			say("gate passed; %s: continue with 'cutover resume %s "
			    "--yes' or stop with 'cutover rollback %s'",
			    rb->reason, rb->p->file, rb->p->file);
			oc = OC_AWAIT;
		}
	} else if (journal_decision(rb->j, rb->run, ph->id, a == ANS_GO ?
	    "go" : "no-go",
	    rb->user, "answered at the terminal", rb->based_on.s,
	    &rb->err) != 0) {
		oc = jfail(rb);
	} else if (a == ANS_NOGO) {
		free(rb->reason);
		rb->reason = xasprintf("no-go at the gate of phase %s (%s)",
		    ph->id, rb->user);
		rb_alert(rb, "gate.nogo", ph->id, "no-go", rb->reason);
		oc = OC_NOGO;
	} else {
		rb_alert(rb, "gate.go", ph->id, "go", rb->based_on.s);
	}
out:
	buf_release(&failed);
	return oc;
}

/* ---- procedures ------------------------------------------------------ */

static int
rb_proc_step(void *arg, const struct procedure *pr, const struct step *s)
{
	enum outcome oc = exec_step(arg, pr->id, s, "procedure", &s->cmd);

	return oc == OC_OK ? 0 : oc == OC_SIGNAL ? 2 : oc == OC_ERR ? -1 : 1;
}

static int
rb_proc_interrupted(void *arg, const struct jstep *js, const struct step *s)
{
	return interrupted(arg, js, s, "procedure step");
}

static enum status
rb_proc_checks(void *arg, const struct procedure *pr, struct buf *failed,
    int *jerr)
{
	bool je = false;
	enum status st = run_checks(arg, &pr->checks, pr->id, "procedure",
	    failed, &je);

	*jerr = je;
	return st;
}

/*
 * Run pr (resume: continue the journal's unfinished execution).  0 it
 * succeeded; 1 the run ends with rb->proc_oc (a failure rolls back or
 * stops as the procedure says; a signal; an interrupted step); -1 after
 * jfail.
 */
static int
run_procedure(struct rb *rb, const struct procedure *pr, const char *phase,
    const char *why, const struct jlog *resume)
{
	struct proc_host h = { .arg = rb, .j = rb->j, .run = rb->run,
	    .al = rb->al, .step = rb_proc_step,
	    .interrupted = rb_proc_interrupted, .checks = rb_proc_checks,
	    .say = say };
	char *reason = NULL;
	enum proc_end e = procedure_exec(&h, pr, phase, why, resume, &reason);

	switch (e) {
	case PROC_OK:
		free(reason);
		return 0;
	case PROC_ERR:
		free(reason);
		rb->proc_oc = jfail(rb);
		return -1;
	case PROC_SIGNAL:
		rb->proc_oc = OC_SIGNAL;
		break;
	case PROC_HALT:
		rb->proc_oc = OC_STOP;
		break;
	case PROC_FAILED:
		free(rb->reason);
		rb->reason = reason;
		reason = NULL;
		if (pr->on_failure == PROC_FAIL_ROLLBACK) {
			rb->proc_oc = OC_GATE;
			if (journal_decision(rb->j, rb->run, phase, "rollback",
			    "cutover", "procedure failed (on_failure: rollback)",
			    rb->reason, &rb->err) != 0) {
				rb->proc_oc = jfail(rb);
				return -1;
			}
			break;
		}
		rb->proc_oc = OC_STOP;
		if (journal_run_state(rb->j, rb->run, RUN_STOPPED, rb->reason,
		    false, &rb->err) != 0) {
			rb->proc_oc = jfail(rb);
			return -1;
		}
		say("stopped: %s (on_failure: stop); decide with 'cutover "
		    "resume %s' or 'cutover rollback %s'", rb->reason,
		    rb->p->file, rb->p->file);
		break;
	}
	free(reason);
	return 1;
}

/*
 * Run the procedures whose when rules fired.  0 none; 2 they ran and
 * succeeded; 1 the run ends with rb->proc_oc; -1 after jfail.
 */
static int
fired_procedures(struct rb *rb, const char *phase)
{
	const struct procedure *pr;
	char *why;
	int ran = 0;

	while ((pr = proc_rules_take(rb->prules, &rb->log, &why)) != NULL) {
		int r = run_procedure(rb, pr, phase, why, NULL);
		free(why);
		if (r != 0)
			return r;
		ran = 2;
	}
	return ran;
}

static void
rb_proc_sample(void *arg, const char *check, const struct wsample *s,
    bool judge)
{
	struct rb *rb = arg;

	proc_rules_feed(rb->prules, rb->ph ? rb->ph->id : NULL, check, s,
	    judge);
}

static int
rb_proc_round(void *arg, char **reason)
{
	struct rb *rb = arg;
	int r = fired_procedures(rb, rb->ph ? rb->ph->id : NULL);

	if (r == 1)
		*reason = xstrdup(rb->reason ? rb->reason : "procedure ended");
	return r < 0 ? -1 : r == 1;
}

/* ---- watch ----------------------------------------------------------- */

/*
 * The phase's watch (watch.c): its success rules are a gate, a fired
 * rollback_if rule a no-go; both roll back as a failed gate does, or
 * with --no-auto-rollback wait for a person (resume or rollback).
 */
static enum outcome
watch_step(struct rb *rb, const struct phase *ph)
{
	struct watch_opts wo = {
		.for_us = rb->o->watch_for_us,
		.every_us = rb->o->watch_every_us,
		.jobs = rb->o->jobs,
		.jsonl = rb->o->jsonl,
		.out = stdout,
		.should_stop = checks_stop,
		.alert = rb->al,
		.on_sample = rb_proc_sample,
		.after_round = rb_proc_round,
		.proc_arg = rb,
	};
	char *reason = NULL, *based_on = NULL, *e = NULL;
	enum outcome oc = OC_OK;

	if (journal_phase(rb->j, rb->run, ph->id, "watch", 0, 0, &rb->err) != 0)
		return jfail(rb);
	if (!rb->o->jsonl)
		say("   watch of phase %s:", ph->id);
	enum watch_end we = watch_phase(rb->p, ph, rb->j, rb->run, &rb->log,
	    &wo, &reason, &based_on, &e);
	switch (we) {
	case WATCH_ERR:
		free(rb->err);
		rb->err = e;
		oc = jfail(rb);
		break;
	case WATCH_STOPPED:
		oc = OC_SIGNAL;
		break;
	case WATCH_PROCEDURE:
		oc = rb->proc_oc;
		break;
	case WATCH_GO:
		if (journal_decision(rb->j, rb->run, ph->id, "go", "cutover",
		    "success rules held", based_on, &rb->err) != 0)
			oc = jfail(rb);
		break;
	case WATCH_NOGO:
	case WATCH_TRIGGER:
		free(rb->reason);
		rb->reason = xstrdup(reason);
		if (rb->o->no_auto_rollback) {
			char *r = xasprintf("%s; awaiting a decision "
			    "(--no-auto-rollback)", reason);
			if (journal_decision(rb->j, rb->run, ph->id, "awaiting",
			    "cutover", "--no-auto-rollback", based_on,
			    &rb->err) != 0 ||
			    journal_run_state(rb->j, rb->run, RUN_AWAITING, r,
			    false, &rb->err) != 0) {
				oc = jfail(rb);
			} else {
				say("no-go: %s: go on watching with 'cutover resume "
				    "%s' or undo with 'cutover rollback %s'", reason,
				    rb->p->file, rb->p->file);
				oc = OC_AWAIT;
			}
			free(r);
			break;
		}
		say("no-go: %s", reason);
		/* The decision is journaled here, as a gate's is. */
		if (journal_decision(rb->j, rb->run, ph->id, we == WATCH_TRIGGER ?
		    "rollback" : "no-go", "cutover", we == WATCH_TRIGGER ?
		    "rollback_if fired" : "success rules failed", based_on,
		    &rb->err) != 0)
			oc = jfail(rb);
		else
			oc = OC_GATE;
		break;
	}
	free(reason);
	free(based_on);
	return oc;
}

/*
 * A phase not yet begun starts only inside its schedule (or --force) and
 * with no overdue checklist item it needs (schedule.h).
 */
static enum outcome
admit(struct rb *rb, const struct phase *ph)
{
	char *why = NULL;
	int rc = schedule_admit(rb->p, ph, rb->j, rb->run, approve_identity(),
	    rb->o->force, rb->al, &why, &rb->err);

	if (rc < 0)
		return jfail(rb);
	if (rc == 0)
		return OC_OK;
	free(rb->reason);
	rb->reason = why;
	say("stopped: %s; 'cutover resume %s' starts it", why, rb->p->file);
	if (journal_run_state(rb->j, rb->run, RUN_STOPPED, why, false,
	    &rb->err) != 0)
		return jfail(rb);
	return OC_STOP;
}

static enum outcome
execute(struct rb *rb)
{
	struct plan *p = rb->p;

	for (size_t i = 0; i < p->nphases; i++) {
		const struct phase *ph = &p->phases[i];
		const struct jphase *jp = jlog_phase(&rb->log, ph->id);

		if (jp && strcmp(jp->state, "done") == 0)
			continue;
		rb->ph = ph;
		rb->win_start = jp ? jp->window_start_us : 0;
		rb->warned = phase_has_event(&rb->log, "window-target", ph->id);
		rb->overrun = false;
		say("== phase %s%s%s", ph->id, ph->title ? ": " : "",
		    ph->title ? ph->title : "");
		if (jp == NULL) {
			enum outcome oc = admit(rb, ph);
			if (oc != OC_OK)
				return oc;
		}
		schedule_window(p, ph, rb->win_start);
		if (journal_phase(rb->j, rb->run, ph->id, "entry", now_wall_us(),
		    0, &rb->err) != 0)
			return jfail(rb);
		if (ph->checks.n && !(jp && jp->entry_ok)) {
			struct buf failed = BUF_INIT;
			bool jerr = false;
			say("   entry checks of phase %s:", ph->id);
			enum status st = run_checks(rb, &ph->checks, ph->id,
			    "entry", &failed, &jerr);
			if (jerr) {
				buf_release(&failed);
				return jfail(rb);
			}
			if (got_sig) {
				buf_release(&failed);
				return OC_SIGNAL;
			}
			if (st == ST_FAIL) {
				free(rb->reason);
				rb->reason = xasprintf("entry checks of phase %s "
				    "failed: %s", ph->id, failed.s);
				buf_release(&failed);
				say("stopped: %s; fix them and run 'cutover resume "
				    "%s'", rb->reason, p->file);
				/* A no-go like a failed gate's, for its alert. */
				rb_alert(rb, "gate.nogo", ph->id, "no-go",
				    rb->reason);
				if (journal_run_state(rb->j, rb->run, RUN_STOPPED,
				    rb->reason, false, &rb->err) != 0)
					return jfail(rb);
				return OC_STOP;
			}
			buf_release(&failed);
			if (journal_phase_entry_ok(rb->j, rb->run, ph->id,
			    &rb->err) != 0)
				return jfail(rb);
		}
		if (ph->nsteps && journal_phase(rb->j, rb->run, ph->id, "steps",
		    0, 0, &rb->err) != 0)
			return jfail(rb);
		for (size_t k = 0; k < ph->nsteps; k++) {
			const struct step *s = &ph->steps[k];
			const struct jstep *js = jlog_last_step(&rb->log, "step",
			    s->id);
			if (js && (strcmp(js->state, STEP_OK) == 0 ||
			    strcmp(js->state, STEP_SKIPPED) == 0)) {
				say("   step %s: done earlier", s->id);
				continue;
			}
			if (js && (strcmp(js->state, STEP_RUNNING) == 0 ||
			    strcmp(js->state, STEP_INTERRUPTED) == 0)) {
				int r = interrupted(rb, js, s, "step");
				if (r < 0)
					return OC_STOP;
				if (r > 0)
					continue;
			}
			window_tick(rb);
			if (got_sig)
				return OC_SIGNAL;
			if (rb->overrun) {
				free(rb->reason);
				rb->reason = xasprintf("window max of phase %s "
				    "exceeded before step %s", ph->id, s->id);
				return OC_WINDOW;
			}
			enum outcome oc = exec_step(rb, ph->id, s, "step",
			    &s->cmd);
			if (oc != OC_OK)
				return oc;
		}
		/* A watch in progress passed its gate already. */
		bool watching = jp && strcmp(jp->state, "watch") == 0;
		if (ph->gate.n && !watching) {
			window_tick(rb);
			if (rb->overrun) {
				free(rb->reason);
				rb->reason = xasprintf("window max of phase %s "
				    "exceeded before its gate", ph->id);
				return OC_WINDOW;
			}
			enum outcome oc = gate(rb, ph);
			if (oc != OC_OK)
				return oc;
		}
		if (ph->has_watch) {
			enum outcome oc = watch_step(rb, ph);
			if (oc != OC_OK)
				return oc;
		}
		if (journal_phase(rb->j, rb->run, ph->id, "done", 0,
		    now_wall_us(), &rb->err) != 0)
			return jfail(rb);
	}
	rb->ph = NULL;
	return OC_OK;
}

/* ---- rollback -------------------------------------------------------- */

static const struct step *
find_step(const struct plan *p, const char *id, const char **phase)
{
	for (size_t i = 0; i < p->nphases; i++)
		for (size_t k = 0; k < p->phases[i].nsteps; k++)
			if (strcmp(p->phases[i].steps[k].id, id) == 0) {
				*phase = p->phases[i].id;
				return &p->phases[i].steps[k];
			}
	return NULL;
}

static bool
row_done(const struct jstep *js, bool retry_failed)
{
	if (js == NULL)
		return false;
	return strcmp(js->state, STEP_OK) == 0 ||
	    strcmp(js->state, STEP_SKIPPED) == 0 ||
	    (strcmp(js->state, STEP_FAILED) == 0 && !retry_failed);
}

static int
rollback_action(struct rb *rb, const char *phase, const struct step *s,
    const char *kind, const struct command *cmd, size_t *failures)
{
	const struct jstep *js = jlog_last_step(&rb->log, kind, s->id);

	if (row_done(js, rb->retry_failed)) {
		if (strcmp(js->state, STEP_FAILED) == 0)
			(*failures)++;
		say("   %s %s: done earlier (%s)", kind, s->id, js->state);
		return 0;
	}
	if (js && (strcmp(js->state, STEP_RUNNING) == 0 ||
	    strcmp(js->state, STEP_INTERRUPTED) == 0)) {
		int r = interrupted(rb, js, s, kind);
		if (r < 0)
			return -1;
		if (r > 0)
			return 0;
	}
	enum outcome oc = exec_step(rb, phase, s, kind, cmd);
	if (oc == OC_SIGNAL || oc == OC_ERR)
		return -1;
	if (oc != OC_OK) {
		/* A failed undo is recorded and the rollback goes on. */
		(*failures)++;
		char *e = NULL;
		journal_event(rb->j, rb->run, "rollback-action-failed", phase,
		    s->id, rb->reason, &e);
		free(e);
	}
	return 0;
}

/*
 * A step that did not complete and may have left part of its work
 * behind: a crash (its row still running), a signal (interrupted), or a
 * kill at its timeout or the window's max (failed, with the signal that
 * ended it).  A step that failed on its own (an exit status) is not
 * counted here: it reported what it did.
 */
static bool
row_uncertain(const struct jstep *js)
{
	return strcmp(js->state, STEP_RUNNING) == 0 ||
	    strcmp(js->state, STEP_INTERRUPTED) == 0 ||
	    (strcmp(js->state, STEP_FAILED) == 0 && js->signal != 0);
}

static bool
has_decision(const struct jlog *l, const char *decision, const char *step)
{
	for (size_t i = 0; i < l->ndecisions; i++)
		if (strcmp(l->decisions[i].decision, decision) == 0 &&
		    l->decisions[i].based_on &&
		    strcmp(l->decisions[i].based_on, step) == 0)
			return true;
	return false;
}

/* Say that step id stays not undone and journal it once; 0 or -1. */
static int
not_undone(struct rb *rb, const char *phase, const char *id, const char *m)
{
	say("   undo %s: %s", id, m);
	if (jlog_has_event(&rb->log, "not-undone", id))
		return 0;
	if (journal_event(rb->j, rb->run, "not-undone", phase, id, m,
	    &rb->err) != 0) {
		jfail(rb);
		return -1;
	}
	return 0;
}

/*
 * Wait up to 500ms for a process group to be gone: a group this process
 * has just killed takes a moment to die (SIGKILL is delivered when the
 * process next runs); a group that outlived a crash is still there.
 */
static bool
group_alive(long pgid)
{
	for (int i = 0; pgid > 0 && i < 25; i++) {
		if (!pgid_alive(pgid))
			return false;
		sleep_us(20 * 1000);
	}
	return pgid > 0 && pgid_alive(pgid);
}

/*
 * The undo of a step whose latest attempt did not complete (js).  The
 * rule: an undo marked `idempotent: true` is safe whatever the step did
 * (all, part or none of its work) and runs; otherwise a step that failed
 * on its own is listed as not undone and the rollback goes on, while a
 * step cut short (row_uncertain) stops the rollback until the operator
 * decides: --undo-interrupted runs its undo, --keep-interrupted leaves it.
 * Returns 0 to run the undo, 1 to leave the step not undone, -1 to stop.
 */
static int
undo_partial(struct rb *rb, const struct jstep *js, const struct step *s)
{
	const char *pf = rb->p->file, *id = s->id;

	/* Decided by an earlier pass: its undo has a row of its own. */
	if (jlog_last_step(&rb->log, "undo", id))
		return 0;
	if (!row_uncertain(js)) {
		if (s->undo_idempotent) {
			say("   step %s failed; its undo is idempotent: running "
			    "it", id);
			return 0;
		}
		return not_undone(rb, js->phase_id, id, "failed, and its undo "
		    "is not marked idempotent: not undone") ? -1 : 1;
	}
	if (has_decision(&rb->log, "keep-interrupted", id))
		return not_undone(rb, js->phase_id, id, "did not complete; "
		    "left as it is (--keep-interrupted)") ? -1 : 1;
	if (rb_host_moved(rb, js, s, "step", "rollback") != 0)
		return -1;
	if (hosts_row_remote(s, js) ? hosts_row_alive(rb->p, s, js) :
	    group_alive(js->pgid)) {
		errmsg("step '%s' did not complete and its processes (group "
		    "%ld) are still running: wait for them or stop them, then "
		    "run 'cutover rollback %s' again", id, js->pgid, pf);
		return -1;
	}
	if (mark_interrupted(rb, js) != 0)
		return -1;
	if (s->undo_idempotent) {
		say("   step %s did not complete; its undo is idempotent: "
		    "running it", id);
		return journal_event(rb->j, rb->run, "undo-interrupted",
		    js->phase_id, id, "undo idempotent: run on a step that did "
		    "not complete", &rb->err) ? (jfail(rb), -1) : 0;
	}
	if (rb->o->undo_interrupted) {
		say("   step %s did not complete: running its undo "
		    "(--undo-interrupted)", id);
		return journal_decision(rb->j, rb->run, js->phase_id,
		    "undo-interrupted", rb->user, "--undo-interrupted", id,
		    &rb->err) ? (jfail(rb), -1) : 0;
	}
	if (rb->o->keep_interrupted) {
		if (journal_decision(rb->j, rb->run, js->phase_id,
		    "keep-interrupted", rb->user, "--keep-interrupted", id,
		    &rb->err) != 0) {
			jfail(rb);
			return -1;
		}
		return not_undone(rb, js->phase_id, id, "did not complete; "
		    "left as it is (--keep-interrupted)") ? -1 : 1;
	}
	if (not_undone(rb, js->phase_id, id, "did not complete, and its "
	    "undo is not marked idempotent: awaiting a decision") != 0)
		return -1;
	errmsg("step '%s' (phase %s) did not complete (%s), so it may have "
	    "done part of its work, and its undo is not marked 'idempotent: "
	    "true' (safe on a partly done step): the rollback stops here.  "
	    "Check what the step left, then run 'cutover rollback %s "
	    "--undo-interrupted' to run its undo, or 'cutover rollback %s "
	    "--keep-interrupted' to leave it as it is; either way the "
	    "rollback goes on with the earlier steps", id, js->phase_id,
	    js->message ? js->message : "cutover stopped while it ran", pf,
	    pf);
	return -1;
}

static int
signal_status(void)
{
	return 128 + (got_sig ? got_sig : SIGTERM);
}

static int
do_rollback(struct rb *rb, const char *reason)
{
	struct plan *p = rb->p;
	size_t failures = 0;
	char *why = xstrdup(reason ? reason : "rollback");

	rb->in_rollback = true;
	rb->ph = NULL;
	rb->overrun = false;	/* windows do not apply to a rollback */
	if (strcmp(rb->log.run.state, RUN_ROLLING) != 0) {
		if (journal_run_state(rb->j, rb->run, RUN_ROLLING, why, false,
		    &rb->err) != 0 ||
		    journal_event(rb->j, rb->run, "rollback-start", NULL, NULL,
		    why, &rb->err) != 0) {
			free(why);
			jfail(rb);
			return EXIT_USAGE;
		}
		rb_alert(rb, "rollback.start", NULL, "rolling-back", why);
	}
	say("== rollback: %s", why);
	/* Everything this run completed, including what this process did. */
	jlog_release(&rb->log);
	if (journal_load(rb->j, rb->run, &rb->log, &rb->err) != 0) {
		free(why);
		jfail(rb);
		return EXIT_USAGE;
	}
	/* The deadline counts from the rollback's first start. */
	for (size_t i = 0; i < rb->log.nevents; i++) {
		if (strcmp(rb->log.events[i].type, "rollback-start") == 0) {
			rb->rb_started = rb->log.events[i].at_us;
			rb->rb_overrun = false;
		} else if (strcmp(rb->log.events[i].type, "rollback-overrun")
		    == 0) {
			rb->rb_overrun = true;
		}
	}
	rollback_tick(rb);
	/*
	 * Every step this run started, newest first, each once, judged by its
	 * latest attempt: completed ones are undone; the others may have
	 * done part of their work (undo_partial decides).
	 */
	struct strlist seen = STRLIST_INIT;
	size_t *rows = xcalloc(rb->log.nsteps + 1, sizeof(*rows));
	size_t nrows = 0;
	for (size_t i = rb->log.nsteps; i-- > 0;) {
		const struct jstep *js = &rb->log.steps[i];
		if (strcmp(js->kind, "step") != 0 || strlist_has(&seen,
		    js->step_id))
			continue;
		strlist_push(&seen, js->step_id);
		rows[nrows++] = i;
	}
	strlist_release(&seen);
	int rc = 0;
	for (size_t i = 0; i < nrows && rc == 0; i++) {
		const struct jstep *js = &rb->log.steps[rows[i]];
		const char *phase = NULL;
		const struct step *s = find_step(p, js->step_id, &phase);
		if (s == NULL || !s->has_undo) {
			rc = not_undone(rb, js->phase_id, js->step_id, s ?
			    "no undo: not undone" :
			    "no longer in the plan: not undone");
			continue;
		}
		if (strcmp(js->state, STEP_OK) != 0 &&
		    strcmp(js->state, STEP_SKIPPED) != 0) {
			int r = undo_partial(rb, js, s);
			if (r != 0) {
				rc = r < 0 ? -1 : 0;
				continue;
			}
		}
		rc = rollback_action(rb, phase, s, "undo", &s->undo, &failures);
	}
	free(rows);
	for (size_t i = 0; i < p->nrollback && rc == 0; i++)
		rc = rollback_action(rb, "rollback", &p->rollback[i],
		    "rollback", &p->rollback[i].cmd, &failures);
	if (rc == 0 && p->rollback_verify.n) {
		struct buf failed = BUF_INIT;
		bool jerr = false;
		say("   rollback_verify:");
		enum status st = run_checks(rb, &p->rollback_verify, "rollback",
		    "rollback-verify", &failed, &jerr);
		if (jerr) {
			jfail(rb);
			rc = -1;
		} else if (st == ST_FAIL) {
			failures++;
			say("   rollback_verify failed: %s", failed.s);
		}
		buf_release(&failed);
	}
	if (rc != 0) {
		free(why);
		if (got_sig) {
			say("rollback interrupted by %s; continue it with "
			    "'cutover resume %s'", got_sig == SIGINT ? "SIGINT" :
			    "SIGTERM", p->file);
			return signal_status();
		}
		return EXIT_NOGO;
	}
	rollback_tick(rb);
	const char *final = failures ? RUN_ROLLFAIL : RUN_ROLLED;
	if (journal_run_state(rb->j, rb->run, final, why, true, &rb->err) != 0) {
		free(why);
		jfail(rb);
		return EXIT_USAGE;
	}
	if (failures) {
		char *m = xasprintf("rollback finished with %zu failure%s",
		    failures, failures == 1 ? "" : "s");
		rb_alert(rb, "rollback.done", NULL, final, m);
		free(m);
		say("run %lld: rollback finished with %zu failure%s (see "
		    "'cutover report %s')", (long long)rb->run, failures,
		    failures == 1 ? "" : "s", p->file);
	} else {
		rb_alert(rb, "rollback.done", NULL, final, why);
		say("run %lld: rolled back", (long long)rb->run);
	}
	free(why);
	return EXIT_NOGO;
}

/*
 * rollback: {max: D}: past it, say so, journal it and alert, once; the
 * rollback goes on (stopping half way would leave the worst state).
 */
static void
rollback_tick(struct rb *rb)
{
	int64_t max = rb->p->rollback_max_us;

	if (max <= 0 || rb->rb_overrun || rb->rb_started == 0 ||
	    now_wall_us() - rb->rb_started <= max)
		return;
	rb->rb_overrun = true;
	char *mx = fmt_duration(max);
	char *m = xasprintf("rollback is past its deadline (max %s)", mx);
	char *e = NULL;
	say("warning: %s", m);
	if (journal_event(rb->j, rb->run, "rollback-overrun", NULL, NULL, m,
	    &e) != 0)
		errmsg("%s", e);
	free(e);
	rb_alert(rb, "rollback.overrun", NULL, "overrun", m);
	free(m);
	free(mx);
}

/* ---- entry points ---------------------------------------------------- */

/*
 * The run's last line: the time it took, the downtime against its window
 * (as the report measures it) and how to get the report, so that the
 * operator at the end of a long night has the three figures at once.
 */
static void
run_summary(struct rb *rb)
{
	struct jlog l;
	struct report_live v;
	char *e = NULL;

	if (journal_load(rb->j, rb->run, &l, &e) != 0) {
		free(e);
		return;
	}
	report_live_init(&v, rb->p, &l);
	int64_t end = l.run.ended_us ? l.run.ended_us : now_wall_us();
	char *total = fmt_duration(end - l.run.started_us);
	struct buf b = BUF_INIT;
	buf_addf(&b, "summary: go in %s", total);
	if (v.dt_start && v.dt_end) {
		char *d = fmt_duration(v.dt_end - v.dt_start);
		buf_addf(&b, "; downtime %s (%s)", d,
		    report_live_judgement(&v, v.dt_end - v.dt_start));
		free(d);
	} else {
		buf_adds(&b, "; no downtime measured (no step marks downtime: "
		    "start/end)");
	}
	buf_addf(&b, "; report: cutover report %s --format html -o "
	    "report.html", rb->p->file);
	say("%s", b.s);
	buf_release(&b);
	free(total);
	report_live_release(&v);
	jlog_release(&l);
}

static int
finish(struct rb *rb, enum outcome oc)
{
	const char *pf = rb->p->file;

	switch (oc) {
	case OC_OK:
		if (journal_run_state(rb->j, rb->run, RUN_COMPLETED, NULL, true,
		    &rb->err) != 0)
			return jfail(rb), EXIT_USAGE;
		say("run %lld: completed (go)", (long long)rb->run);
		run_summary(rb);
		return EXIT_GO;
	case OC_AWAIT:
	case OC_STOP:
		return EXIT_NOGO;
	case OC_ERR:
		return EXIT_USAGE;
	case OC_SIGNAL: {
		int sig = got_sig ? got_sig : SIGTERM;
		const char *name = sig == SIGINT ? "SIGINT" : "SIGTERM";
		if (sig == SIGTERM && rb->o->rollback_on_signal &&
		    !rb->o->no_rollback) {
			char *r = xasprintf("%s received (--rollback-on-signal)",
			    name);
			got_sig = 0;
			if (journal_decision(rb->j, rb->run, rb->ph ? rb->ph->id :
			    NULL, "rollback", "cutover", "--rollback-on-signal",
			    name, &rb->err) != 0) {
				free(r);
				return jfail(rb), EXIT_USAGE;
			}
			int rc = do_rollback(rb, r);
			free(r);
			return rc == EXIT_NOGO ? 128 + sig : rc;
		}
		char *r = xasprintf("interrupted by %s", name);
		if (journal_run_state(rb->j, rb->run, RUN_STOPPED, r, false,
		    &rb->err) != 0) {
			free(r);
			return jfail(rb), EXIT_USAGE;
		}
		say("run %lld: %s; continue with 'cutover resume %s' or undo "
		    "with 'cutover rollback %s'", (long long)rb->run, r, pf, pf);
		free(r);
		return 128 + sig;
	}
	case OC_FAIL:
	case OC_GATE:
	case OC_NOGO:
	case OC_WINDOW:
		if (rb->o->no_rollback) {
			if (journal_run_state(rb->j, rb->run, RUN_STOPPED,
			    rb->reason, false, &rb->err) != 0)
				return jfail(rb), EXIT_USAGE;
			say("stopped (--no-rollback): %s; decide with 'cutover "
			    "resume %s' or 'cutover rollback %s'", rb->reason, pf,
			    pf);
			return EXIT_NOGO;
		}
		if (oc == OC_WINDOW && journal_decision(rb->j, rb->run,
		    rb->ph ? rb->ph->id : NULL, "rollback", "cutover",
		    "window max exceeded", rb->reason, &rb->err) != 0)
			return jfail(rb), EXIT_USAGE;
		/* A gate's no-go is journaled by gate() itself. */
		if (oc == OC_FAIL && rb->ph &&
		    journal_decision(rb->j, rb->run, rb->ph->id, "rollback",
		    "cutover", "step failed", rb->reason, &rb->err) != 0)
			return jfail(rb), EXIT_USAGE;
		return do_rollback(rb, rb->reason);
	}
	return do_rollback(rb, rb->reason);
}

/*
 * Start the alerter once the run is known, and announce start; run.done
 * and the drain come from rb_alerts_stop when the process is done.
 */
static void
rb_alerts_start(struct rb *rb, const char *how)
{
	rb->al = alert_start(rb->p, rb->j, rb->run);
	char *m = xasprintf("run %lld %s by %s", (long long)rb->run, how,
	    rb->user);
	rb_alert(rb, "run.start", NULL, how, m);
	free(m);
}

/*
 * run.done with the state the run is left in (completed, rolled back,
 * awaiting a decision, stopped), then at most ALERT_DRAIN_US for the
 * deliveries still queued: the run's result never waits longer.
 */
static void
rb_alerts_stop(struct rb *rb)
{
	struct jlog l;
	char *e = NULL;

	if (rb->al == NULL)
		return;
	if (journal_load(rb->j, rb->run, &l, &e) == 0) {
		char *m = l.run.reason ? xstrdup(l.run.reason) :
		    xasprintf("run %lld %s", (long long)rb->run, l.run.state);
		rb_alert(rb, "run.done", NULL, l.run.state, m);
		free(m);
		jlog_release(&l);
	}
	free(e);
	int nf = alert_stop(rb->al, ALERT_DRAIN_US);
	rb->al = NULL;
	if (nf > 0)
		errmsg("alerts: %d deliver%s failed (see 'cutover report %s')",
		    nf, nf == 1 ? "y" : "ies", rb->p->file);
}

static void
rb_release(struct rb *rb)
{
	rb_alerts_stop(rb);
	proc_rules_free(rb->prules);
	jlog_release(&rb->log);
	journal_close(rb->j);
	free(rb->err);
	free(rb->reason);
	buf_release(&rb->line);
	buf_release(&rb->based_on);
	buf_release(&rb->unanswered);
}

/* Open and lock the journal; 0 or an exit status. */
static int
rb_open(struct rb *rb, struct plan *p, const struct rb_opts *o, bool create)
{
	memset(rb, 0, sizeof(*rb));
	rb->p = p;
	rb->o = o;
	rb->user = runbook_user();
	buf_init(&rb->line, 0);
	buf_init(&rb->based_on, 0);
	buf_init(&rb->unanswered, 0);
	char *path = runbook_journal_path(p, o->state);
	int rc = journal_open_locked(path, create, &rb->j, &rb->err);
	free(path);
	if (rc != 0) {
		errmsg("%s", rb->err);
		return EXIT_USAGE;
	}
	journal_set_current(journal_path(rb->j));
	catch_signals();
	rb->prules = proc_rules_new(p);
	return 0;
}

static bool
final_state(const char *s)
{
	return strcmp(s, RUN_COMPLETED) == 0 || strcmp(s, RUN_ROLLED) == 0 ||
	    strcmp(s, RUN_ROLLFAIL) == 0 || strcmp(s, RUN_ABANDONED) == 0;
}

/* A step row of l whose processes outlived their cutover, or NULL. */
static const struct jstep *
live_step(const struct plan *p, const struct jlog *l)
{
	for (size_t i = 0; i < l->nsteps; i++) {
		const struct jstep *js = &l->steps[i];
		if ((strcmp(js->state, STEP_RUNNING) == 0 ||
		    strcmp(js->state, STEP_INTERRUPTED) == 0) &&
		    hosts_row_alive(p, hosts_find_step(p, js->kind,
		    js->phase_id, js->step_id), js))
			return js;
	}
	return NULL;
}

/*
 * Open the journal and load its latest run into rb->log: 0 when there is
 * one, 1 when there is none, EXIT_USAGE (said) when the journal cannot be
 * read or, with `then` (what the refusal asks: "before starting a new
 * run"), when a step of that run still runs.  A step may outlive its run
 * (kill -9 of cutover: the step has a process group of its own), and no
 * command may start a second copy of a migration beside it.
 */
static int
rb_open_latest(struct rb *rb, struct plan *p, const struct rb_opts *o,
    const char *then)
{
	int rc = rb_open(rb, p, o, true);

	if (rc != 0)
		return rc;
	rc = journal_load(rb->j, 0, &rb->log, &rb->err);
	if (rc < 0) {
		errmsg("%s", rb->err);
		return EXIT_USAGE;
	}
	const struct jstep *live = rc == 0 && then ? live_step(p, &rb->log) :
	    NULL;
	if (live) {
		errmsg("%s '%s' of run %lld is still running (process group "
		    "%ld): wait for it or stop it %s", live->kind,
		    live->step_id, (long long)rb->log.run.id, live->pgid, then);
		return EXIT_USAGE;
	}
	return rc;
}

int
runbook_run(struct plan *p, const struct rb_opts *o)
{
	struct rb rb;
	int rc = rb_open_latest(&rb, p, o, "before starting a new run");

	if (rc != 0 && rc != 1)
		goto out;
	if (rc == 0 && !final_state(rb.log.run.state)) {
		if (!o->new_run) {
			errmsg("run %lld of '%s' is not finished (%s%s%s): continue "
			    "it with 'cutover resume %s', undo it with 'cutover "
			    "rollback %s', or start over with --new",
			    (long long)rb.log.run.id, p->name, rb.log.run.state,
			    rb.log.run.reason ? ": " : "", rb.log.run.reason ?
			    rb.log.run.reason : "", p->file, p->file);
			rc = EXIT_USAGE;
			goto out;
		}
		if (journal_run_state(rb.j, rb.log.run.id, RUN_ABANDONED,
		    "abandoned by a new run (--new)", true, &rb.err) != 0) {
			rc = (jfail(&rb), EXIT_USAGE);
			goto out;
		}
	}
	int64_t latest = rc == 0 ? rb.log.run.id : 0;
	jlog_release(&rb.log);
	if (rb_from_check(p, o, rb.j, latest) != 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	/* runs.plan_name is shown by status and report: redacted. */
	char *rname = redact(p->name);
	int jrc = journal_run_begin(rb.j, rname, p->file, p->sha256, rb.user,
	    &rb.run, &rb.err);
	free(rname);
	if (jrc != 0 || rb_from_journal(p, o, rb.j, rb.run, &rb.err) != 0 ||
	    journal_load(rb.j, rb.run, &rb.log, &rb.err) != 0) {
		rc = (jfail(&rb), EXIT_USAGE);
		goto out;
	}
	say("cutover: plan %s, run %lld, journal %s", p->name,
	    (long long)rb.run, journal_path(rb.j));
	rb_alerts_start(&rb, "started");
	rc = finish(&rb, execute(&rb));
out:
	rb_release(&rb);
	return rc;
}

/* Load the latest run for resume/rollback; 0 or an exit status. */
static int
load_latest(struct rb *rb, const char *verb)
{
	int rc = journal_load(rb->j, 0, &rb->log, &rb->err);

	if (rc < 0) {
		errmsg("%s", rb->err);
		return EXIT_USAGE;
	}
	if (rc == 1) {
		errmsg("%s: no run of '%s' in %s: nothing to %s",
		    rb->p->file, rb->p->name, journal_path(rb->j), verb);
		return EXIT_USAGE;
	}
	rb->run = rb->log.run.id;
	if (strcmp(rb->log.run.state, RUN_ABANDONED) == 0) {
		errmsg("run %lld was abandoned: nothing to %s",
		    (long long)rb->run, verb);
		return EXIT_USAGE;
	}
	return 0;
}

/* The plan must be the one the run started with, unless --force. */
static int
same_plan(struct rb *rb)
{
	const char *was = rb->log.run.plan_sha ? rb->log.run.plan_sha : "";

	if (strcmp(was, rb->p->sha256) == 0)
		return 0;
	if (!rb->o->force) {
		errmsg("%s changed since run %lld started (sha256 %.12s, now "
		    "%.12s): review the change, then accept it with --force",
		    rb->p->file, (long long)rb->run, was, rb->p->sha256);
		return EXIT_USAGE;
	}
	int tp = approve_two_person(rb->p, rb->j, "force", approve_identity(),
	    &rb->err);
	if (tp != 0)
		return tp < 0 ? (jfail(rb), EXIT_USAGE) : EXIT_NOGO;
	char *m = xasprintf("plan sha256 %.12s -> %.12s", was, rb->p->sha256);
	say("warning: %s changed since run %lld started; accepted (--force)",
	    rb->p->file, (long long)rb->run);
	int rc = journal_decision(rb->j, rb->run, NULL, "accept-changed-plan",
	    rb->user, "--force", m, &rb->err) != 0 ||
	    journal_run_sha(rb->j, rb->run, rb->p->sha256, &rb->err) != 0;
	free(m);
	return rc ? (jfail(rb), EXIT_USAGE) : 0;
}

/* The procedure of a run made by `cutover procedure`, or NULL. */
static const char *
procedure_only(const struct jlog *l)
{
	for (size_t i = 0; i < l->nevents; i++)
		if (strcmp(l->events[i].type, "procedure-only") == 0)
			return l->events[i].step_id;
	return NULL;
}

/*
 * Resume: a procedure a crash cut short continues first, without its
 * completed steps.  -1: go on with the walk; else the exit status.
 */
static int
resume_procedure(struct rb *rb)
{
	const struct jevent *op = procedure_open(&rb->log);

	if (op) {
		const struct procedure *pr = plan_procedure(rb->p, op->step_id);
		if (pr == NULL) {
			errmsg("procedure '%s' of run %lld is no longer in the "
			    "plan", op->step_id, (long long)rb->run);
			return EXIT_USAGE;
		}
		int r = run_procedure(rb, pr, op->phase_id, NULL, &rb->log);
		if (r != 0)
			return finish(rb, rb->proc_oc);
		jlog_release(&rb->log);
		if (journal_load(rb->j, rb->run, &rb->log, &rb->err) != 0)
			return jfail(rb), EXIT_USAGE;
	}
	const char *only = procedure_only(&rb->log);
	if (only == NULL)
		return -1;
	/* A run of one procedure that failed (on_failure: stop): again. */
	size_t n;
	struct proc_run *v = procedure_runs(&rb->log, &n);
	bool again = n && strcmp(v[n - 1].outcome, "failed") == 0;
	free(v);
	const struct procedure *pr = plan_procedure(rb->p, only);
	if (again && pr) {
		char *why = xasprintf("run again by %s (cutover resume)",
		    rb->user);
		int r = run_procedure(rb, pr, NULL, why, NULL);
		free(why);
		if (r != 0)
			return finish(rb, rb->proc_oc);
	}
	return finish(rb, OC_OK);
}

int
runbook_procedure(struct plan *p, const struct rb_opts *o, const char *name)
{
	const struct procedure *pr = plan_procedure(p, name);
	struct rb rb;
	int rc;

	if (pr == NULL) {
		errmsg("%s: no procedure '%s'", p->file, name);
		return EXIT_USAGE;
	}
	rc = rb_open_latest(&rb, p, o, "first");
	if (rc != 0 && rc != 1)
		goto out;
	char *why = xasprintf("started by %s (cutover procedure)", rb.user);
	char *prev_state = NULL, *prev_reason = NULL;
	if (rc == 0 && !final_state(rb.log.run.state)) {
		/* An unfinished run: the procedure joins it. */
		rb.run = rb.log.run.id;
		if (strcmp(rb.log.run.state, RUN_ROLLING) == 0 ||
		    procedure_open(&rb.log)) {
			errmsg("run %lld is %s: continue it with 'cutover resume "
			    "%s' first", (long long)rb.run, procedure_open(
			    &rb.log) ? "in a procedure" : "rolling back",
			    p->file);
			rc = EXIT_USAGE;
			free(why);
			goto out;
		}
		if ((rc = same_plan(&rb)) != 0) {
			free(why);
			goto out;
		}
		prev_state = xstrdup(rb.log.run.state);
		prev_reason = rb.log.run.reason ? xstrdup(rb.log.run.reason) :
		    NULL;
		say("cutover: plan %s, procedure %s in run %lld (%s), journal "
		    "%s", p->name, name, (long long)rb.run, prev_state,
		    journal_path(rb.j));
		char *r = xasprintf("procedure %s", name);
		int jrc = journal_run_state(rb.j, rb.run, RUN_RUNNING, r, false,
		    &rb.err);
		free(r);
		if (jrc != 0) {
			rc = (jfail(&rb), EXIT_USAGE);
			goto out_free;
		}
	} else {
		jlog_release(&rb.log);
		char *rname = redact(p->name);
		int jrc = journal_run_begin(rb.j, rname, p->file, p->sha256,
		    rb.user, &rb.run, &rb.err);
		free(rname);
		if (jrc != 0 || journal_event(rb.j, rb.run, "procedure-only",
		    NULL, name, why, &rb.err) != 0 ||
		    journal_load(rb.j, rb.run, &rb.log, &rb.err) != 0) {
			rc = (jfail(&rb), EXIT_USAGE);
			goto out_free;
		}
		say("cutover: plan %s, procedure %s, run %lld, journal %s",
		    p->name, name, (long long)rb.run, journal_path(rb.j));
	}
	rb_alerts_start(&rb, "started (procedure)");
	int r = run_procedure(&rb, pr, NULL, why, NULL);
	if (r != 0) {
		rc = finish(&rb, rb.proc_oc);
	} else if (prev_state) {
		/* Done: the run is where it was, awaiting whoever it awaited. */
		if (journal_run_state(rb.j, rb.run, prev_state, prev_reason,
		    false, &rb.err) != 0)
			rc = (jfail(&rb), EXIT_USAGE);
		else
			rc = EXIT_GO;
	} else {
		rc = finish(&rb, OC_OK);
	}
out_free:
	free(why);
	free(prev_state);
	free(prev_reason);
out:
	rb_release(&rb);
	return rc;
}

int
runbook_resume(struct plan *p, const struct rb_opts *o)
{
	struct rb rb;
	int rc = rb_open(&rb, p, o, false);

	if (rc != 0 || (rc = load_latest(&rb, "resume")) != 0)
		goto out;
	const char *st = rb.log.run.state;
	if (strcmp(st, RUN_COMPLETED) == 0) {
		say("run %lld completed: nothing to resume", (long long)rb.run);
		rc = EXIT_GO;
		goto out;
	}
	if (strcmp(st, RUN_ROLLED) == 0 || strcmp(st, RUN_ROLLFAIL) == 0) {
		say("run %lld was rolled back (%s): nothing to resume; "
		    "start a new run with 'cutover run %s'", (long long)rb.run,
		    st, p->file);
		rc = EXIT_NOGO;
		goto out;
	}
	if ((rc = same_plan(&rb)) != 0)
		goto out;
	/* Restarts (kind process) count from the run's first start. */
	check_set_run_start(rb.log.run.started_us);
	say("cutover: plan %s, resuming run %lld (%s%s%s), journal %s",
	    p->name, (long long)rb.run, st, rb.log.run.reason ? ": " : "",
	    rb.log.run.reason ? rb.log.run.reason : "", journal_path(rb.j));
	if (journal_event(rb.j, rb.run, "resume", NULL, NULL, rb.user,
	    &rb.err) != 0) {
		rc = (jfail(&rb), EXIT_USAGE);
		goto out;
	}
	rb_alerts_start(&rb, "resumed");
	if (strcmp(st, RUN_ROLLING) == 0) {
		rc = do_rollback(&rb, rb.log.run.reason);
		goto out;
	}
	if (journal_run_state(rb.j, rb.run, RUN_RUNNING, NULL, false,
	    &rb.err) != 0) {
		rc = (jfail(&rb), EXIT_USAGE);
		goto out;
	}
	if ((rc = resume_procedure(&rb)) >= 0)
		goto out;
	const char *wph = watch_only_phase(&rb.log);
	rc = finish(&rb, wph ? watch_only(&rb, wph) : execute(&rb));
out:
	rb_release(&rb);
	return rc;
}

int
runbook_rollback(struct plan *p, const struct rb_opts *o)
{
	struct rb rb;
	int rc = rb_open(&rb, p, o, false);

	if (rc != 0 || (rc = load_latest(&rb, "roll back")) != 0)
		goto out;
	/* A copy: the log's own state is reset below for a retry. */
	char st[32];
	snprintf(st, sizeof(st), "%s", rb.log.run.state);
	if (strcmp(st, RUN_ROLLED) == 0) {
		say("run %lld is already rolled back", (long long)rb.run);
		rc = EXIT_GO;
		goto out;
	}
	if ((rc = same_plan(&rb)) != 0)
		goto out;
	/* A rollback already under way finishes without asking again. */
	if (strcmp(st, RUN_ROLLING) != 0 && strcmp(st, RUN_ROLLFAIL) != 0) {
		int tp = approve_two_person(p, rb.j, "rollback",
		    approve_identity(), &rb.err);
		if (tp != 0) {
			rc = tp < 0 ? (jfail(&rb), EXIT_USAGE) : EXIT_NOGO;
			goto out;
		}
	}
	/* A second rollback of a failed one retries what failed. */
	rb.retry_failed = strcmp(st, RUN_ROLLFAIL) == 0;
	char *why = strcmp(st, RUN_ROLLING) == 0 && rb.log.run.reason ?
	    xstrdup(rb.log.run.reason) :
	    xasprintf("rollback requested by %s", rb.user);
	if (journal_decision(rb.j, rb.run, NULL, "rollback", rb.user,
	    "cutover rollback", st, &rb.err) != 0) {
		free(why);
		rc = (jfail(&rb), EXIT_USAGE);
		goto out;
	}
	if (rb.retry_failed) {
		free(rb.log.run.state);
		rb.log.run.state = xstrdup("");
	}
	say("cutover: plan %s, rolling back run %lld (%s), journal %s",
	    p->name, (long long)rb.run, st, journal_path(rb.j));
	rb_alerts_start(&rb, "rollback requested");
	rc = do_rollback(&rb, why);
	free(why);
	/* The rollback was what was asked for: done is success. */
	if (rc == EXIT_NOGO && !got_sig) {
		jlog_release(&rb.log);
		if (journal_load(rb.j, rb.run, &rb.log, &rb.err) == 0 &&
		    strcmp(rb.log.run.state, RUN_ROLLED) == 0)
			rc = EXIT_GO;
	}
out:
	rb_release(&rb);
	return rc;
}

/* ---- cutover watch --------------------------------------------------- */

/* The phase of a run made by `cutover watch`, or NULL for a runbook. */
static const char *
watch_only_phase(const struct jlog *l)
{
	for (size_t i = 0; i < l->nevents; i++)
		if (strcmp(l->events[i].type, "watch-only") == 0)
			return l->events[i].phase_id;
	return NULL;
}

static enum outcome
watch_only(struct rb *rb, const char *phase)
{
	const struct phase *ph = plan_phase(rb->p, phase);

	if (ph == NULL || !ph->has_watch) {
		free(rb->reason);
		rb->reason = xasprintf("phase '%s' of this watch is no longer a "
		    "watch phase of the plan", phase);
		say("stopped: %s", rb->reason);
		if (journal_run_state(rb->j, rb->run, RUN_STOPPED, rb->reason,
		    false, &rb->err) != 0)
			return jfail(rb);
		return OC_STOP;
	}
	rb->ph = ph;
	enum outcome oc = watch_step(rb, ph);
	if (oc == OC_OK && journal_phase(rb->j, rb->run, ph->id, "done", 0,
	    now_wall_us(), &rb->err) != 0)
		return jfail(rb);
	return oc;
}

int
runbook_watch(struct plan *p, const struct rb_opts *o)
{
	struct rb rb;
	int rc;

	if (o->jsonl)
		say_to = stderr;
	rc = rb_open_latest(&rb, p, o, NULL);
	if (rc != 0 && rc != 1)
		goto out;
	/*
	 * An unfinished `cutover watch` run (a crash, a reboot, SIGTERM from
	 * the service manager) is continued: the same command restarts it.
	 * One awaiting a person's decision is not: that takes `resume`.
	 */
	if (rc == 0 && !final_state(rb.log.run.state) && !o->new_run &&
	    watch_only_phase(&rb.log) && strcmp(rb.log.run.state,
	    RUN_ROLLING) != 0 && strcmp(rb.log.run.state, RUN_AWAITING) != 0) {
		rb.run = rb.log.run.id;
		if ((rc = same_plan(&rb)) != 0)
			goto out;
		if (!o->jsonl)
			say("cutover: plan %s, continuing watch run %lld, journal "
			    "%s", p->name, (long long)rb.run, journal_path(rb.j));
		if (journal_event(rb.j, rb.run, "resume", NULL, NULL, rb.user,
		    &rb.err) != 0 || journal_run_state(rb.j, rb.run,
		    RUN_RUNNING, NULL, false, &rb.err) != 0) {
			rc = (jfail(&rb), EXIT_USAGE);
			goto out;
		}
		check_set_run_start(rb.log.run.started_us);
		rb_alerts_start(&rb, "continued (watch)");
		rc = finish(&rb, watch_only(&rb, watch_only_phase(&rb.log)));
		goto out;
	}
	if (rc == 0 && !final_state(rb.log.run.state)) {
		if (!o->new_run) {
			errmsg("run %lld of '%s' is not finished (%s): continue it "
			    "with 'cutover resume %s', undo it with 'cutover "
			    "rollback %s', or start over with --new",
			    (long long)rb.log.run.id, p->name, rb.log.run.state,
			    p->file, p->file);
			rc = EXIT_USAGE;
			goto out;
		}
		if (journal_run_state(rb.j, rb.log.run.id, RUN_ABANDONED,
		    "abandoned by a new run (--new)", true, &rb.err) != 0) {
			rc = (jfail(&rb), EXIT_USAGE);
			goto out;
		}
	}
	jlog_release(&rb.log);
	char *rname = redact(p->name);
	int jrc = journal_run_begin(rb.j, rname, p->file, p->sha256, rb.user,
	    &rb.run, &rb.err);
	free(rname);
	if (jrc != 0 || journal_event(rb.j, rb.run, "watch-only",
	    o->watch_phase, NULL, "cutover watch", &rb.err) != 0 ||
	    journal_load(rb.j, rb.run, &rb.log, &rb.err) != 0) {
		rc = (jfail(&rb), EXIT_USAGE);
		goto out;
	}
	if (!o->jsonl)
		say("cutover: plan %s, watch run %lld, journal %s", p->name,
		    (long long)rb.run, journal_path(rb.j));
	rb_alerts_start(&rb, "started (watch)");
	rc = finish(&rb, watch_only(&rb, o->watch_phase));
out:
	rb_release(&rb);
	return rc;
}

/* ---- dry run --------------------------------------------------------- */

static void
dry_checks(FILE *f, const struct plan *p, const char *what,
    const struct strlist *ids)
{
	if (ids->n == 0)
		return;
	fprintf(f, "  %s:", what);
	for (size_t i = 0; i < ids->n; i++) {
		const struct check *c = plan_check(p, ids->v[i]);
		fprintf(f, "%s %s (%s)", i ? "," : "", ids->v[i],
		    c ? c->kind->name : "?");
	}
	fputc('\n', f);
}

static void
dry_step(FILE *f, const struct step *s, bool undoable)
{
	char *d = cmd_desc(&s->cmd);
	char *r = redact(s->id);
	char *title = s->title ? redact(s->title) : NULL;

	fprintf(f, "  step %s%s%s%s: %s\n", r, title ? " (" : "",
	    title ? title : "", title ? ")" : "", d);
	free(title);
	free(d);
	free(r);
	if (s->has_undo) {
		d = cmd_desc(&s->undo);
		fprintf(f, "      undo %s%s\n", d, s->undo_idempotent ?
		    " (idempotent)" : "");
		free(d);
	} else if (undoable) {
		fputs("      no undo\n", f);
	}
	struct buf b = BUF_INIT;
	if (s->timeout_us) {
		char *t = fmt_duration(s->timeout_us);
		buf_addf(&b, ", timeout %s", t);
		free(t);
	}
	if (s->retries)
		buf_addf(&b, ", retries %d", s->retries);
	if (s->idempotent)
		buf_adds(&b, ", idempotent");
	if (s->downtime != DOWNTIME_NONE)
		buf_addf(&b, ", downtime %s", s->downtime == DOWNTIME_START ?
		    "start" : "end");
	if (s->cwd)
		buf_addf(&b, ", cwd %s", s->cwd);
	for (size_t i = 0; i < s->nenv; i++)
		buf_addf(&b, ", env %s=%s", s->env[i].key, s->env[i].value);
	if (b.len) {
		char *x = redact(b.s + 2);
		fprintf(f, "      %s\n", x);
		free(x);
	}
	buf_release(&b);
}

static void
dry_watch(FILE *f, const struct plan *p, const struct phase *ph)
{
	char *e = fmt_duration(ph->watch_every_us);
	char *d = fmt_duration(ph->watch_for_us);

	fprintf(f, "  watch: every %s for %s\n", e, d);
	free(e);
	free(d);
	dry_checks(f, p, "  sampled", &ph->watch_checks);
	for (size_t i = 0; i < ph->nrollback_if; i++) {
		char *r = rule_describe(&ph->rollback_if[i]);
		fprintf(f, "    rollback_if: %s %s\n", ph->rollback_if[i].check, r);
		free(r);
	}
	const struct success_rule *rules[2] = { ph->success, p->success };
	size_t nr[2] = { ph->nsuccess, p->nsuccess };
	for (int g = 0; g < 2; g++)
		for (size_t i = 0; i < nr[g]; i++)
			fprintf(f, "    success (the gate at the end): %s %s %s "
			    "%s\n", rules[g][i].check,
			    metric_name(rules[g][i].metric),
			    cmp_opstr(rules[g][i].target.cmp.op),
			    rules[g][i].target.cmp.text);
}

static void
dry_run(const struct plan *p, const struct rb_opts *o, FILE *f)
{
	char *jp = runbook_journal_path(p, o->state);

	fprintf(f, "plan %s (%s): dry run, nothing is executed\n", p->name,
	    p->file);
	fprintf(f, "journal: %s\n", jp);
	free(jp);
	for (size_t i = 0; i < p->nphases; i++) {
		const struct phase *ph = &p->phases[i];
		fprintf(f, "\nphase %s%s%s\n", ph->id, ph->title ? ": " : "",
		    ph->title ? ph->title : "");
		if (ph->window.set) {
			char *t = ph->window.target_us >= 0 ?
			    fmt_duration(ph->window.target_us) : xstrdup("-");
			char *m = ph->window.max_us >= 0 ?
			    fmt_duration(ph->window.max_us) : xstrdup("-");
			fprintf(f, "  window: target %s, max %s (rollback past "
			    "max)\n", t, m);
			free(t);
			free(m);
		}
		dry_checks(f, p, "entry checks", &ph->checks);
		for (size_t k = 0; k < ph->nsteps; k++)
			dry_step(f, &ph->steps[k], true);
		dry_checks(f, p, "gate (go/no-go)", &ph->gate);
		if (ph->has_watch)
			dry_watch(f, p, ph);
	}
	for (size_t i = 0; i < p->nprocedures; i++) {
		const struct procedure *pr = &p->procedures[i];
		fprintf(f, "\nprocedure %s%s%s (on failure: %s)\n", pr->id,
		    pr->title ? ": " : "", pr->title ? pr->title : "",
		    pr->on_failure == PROC_FAIL_ROLLBACK ? "rollback" : "stop");
		for (size_t k = 0; k < pr->nwhen; k++) {
			char *d = rule_describe(&pr->when[k]);
			fprintf(f, "  when %s %s\n", pr->when[k].check, d);
			free(d);
		}
		for (size_t k = 0; k < pr->nsteps; k++)
			dry_step(f, &pr->steps[k], false);
		dry_checks(f, p, "checks", &pr->checks);
	}
	char *mx = p->rollback_max_us > 0 ? fmt_duration(p->rollback_max_us) :
	    NULL;
	fprintf(f, "\nrollback%s%s: the undo of every completed step, newest "
	    "first%s\n", mx ? " within " : "", mx ? mx : "",
	    p->nrollback ? ", then:" : "");
	free(mx);
	for (size_t i = 0; i < p->nrollback; i++)
		dry_step(f, &p->rollback[i], false);
	dry_checks(f, p, "rollback_verify", &p->rollback_verify);
	alert_describe(p, f);
}

/* Written, redacted and made printable as runbook_dry_run's text. */
static void
put_redacted(FILE *f, char *text)
{
	char *r = redact(text);
	char *v = text_printable(r, true);
	fputs(v, f);
	free(v);
	free(r);
	free(text);
}

void
runbook_rollback_dry_run(const struct plan *p, const struct jlog *l, FILE *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	struct strlist seen = STRLIST_INIT;

	if (m == NULL) {
		errmsg("cannot describe the rollback: out of memory");
		return;
	}
	fprintf(m, "rollback of run %lld (%s), nothing run (--dry-run):\n",
	    (long long)l->run.id, l->run.state);
	/* As do_rollback: each step this run started, newest first, once. */
	for (size_t i = l->nsteps; i-- > 0;) {
		const struct jstep *js = &l->steps[i];
		if (strcmp(js->kind, "step") != 0 || strlist_has(&seen,
		    js->step_id))
			continue;
		strlist_push(&seen, js->step_id);
		const char *phase = NULL;
		const struct step *s = find_step(p, js->step_id, &phase);
		if (s == NULL || !s->has_undo) {
			fprintf(m, "  step %s: not undone (%s)\n", js->step_id,
			    s ? "no undo" : "no longer in the plan");
			continue;
		}
		char *d = cmd_desc(&s->undo);
		if (strcmp(js->state, STEP_OK) == 0 ||
		    strcmp(js->state, STEP_SKIPPED) == 0)
			fprintf(m, "  undo %s: %s\n", js->step_id, d);
		else
			fprintf(m, "  undo %s: %s (the step is %s: %s)\n",
			    js->step_id, d, js->state, s->undo_idempotent ?
			    "its undo is idempotent, so it runs" : "runs only "
			    "with --undo-interrupted");
		free(d);
	}
	strlist_release(&seen);
	if (p->nrollback)
		fputs("then the plan's rollback steps:\n", m);
	for (size_t i = 0; i < p->nrollback; i++)
		dry_step(m, &p->rollback[i], false);
	dry_checks(m, p, "then rollback_verify", &p->rollback_verify);
	fclose(m);
	put_redacted(f, text);
}

/*
 * Written whole, then redacted and made printable in one place: the plan
 * name, phase and check titles, commands and env all pass through here.
 */
void
runbook_dry_run(const struct plan *p, const struct rb_opts *o, FILE *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (m == NULL) {
		errmsg("cannot describe the plan: out of memory");
		return;
	}
	dry_run(p, o, m);
	fclose(m);
	char *r = redact(text);
	char *v = text_printable(r, true);
	fputs(v, f);
	free(v);
	free(r);
	free(text);
}
