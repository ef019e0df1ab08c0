/*
 * hosts_step.c - a step run on another host (see hosts.h): proc_run's
 * contract, the command run by the remote agent in a session of its own.
 *
 * The remote process group is known before the command may exec: the
 * agent reports it and waits for "go", sent only once on_spawn (the
 * runbook's journal write) has returned true.  A stop (Ctrl-C, a window
 * overrun) is sent to the agent, which stops the group as proc_run stops
 * a local one.  When the connection drops, the step is not re-run: the
 * agent keeps it running to its end, and the error says so; resume asks
 * the host whether the group still runs (hosts_alive).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hosts.h"
#include "hosts_conn.h"
#include "journal.h"
#include "lib/proc.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"

/* How long connecting may take, whatever the step's own timeout. */
#define STEP_CONNECT_US		(30 * 1000000LL)
/* After the remote timeout or a stop, how long the agent may take to
 * report the end before the connection is given up. */
#define STEP_GRACE_US		(15 * 1000000LL)
#define STEP_ID			1

static json_t *
step_msg(const struct proc_spec *spec)
{
	json_t *st = json_object(), *env = json_array();

	if (spec->shell) {
		json_object_set_new(st, "shell", json_string(spec->shell));
	} else {
		json_t *av = json_array();
		for (size_t i = 0; spec->argv[i]; i++)
			json_array_append_new(av, json_string(spec->argv[i]));
		json_object_set_new(st, "argv", av);
	}
	for (size_t i = 0; spec->env && spec->env[i]; i++)
		json_array_append_new(env, json_string(spec->env[i]));
	json_object_set_new(st, "env", env);
	if (spec->cwd)
		json_object_set_new(st, "cwd", json_string(spec->cwd));
	json_object_set_new(st, "timeout_us", json_integer(spec->timeout_us));
	return json_pack("{s:i,s:o}", "id", STEP_ID, "step", st);
}

int
hosts_proc_run(const struct plan *p, const struct host *h,
    const struct proc_spec *spec, struct proc_result *r, char **errp)
{
	struct conn c;
	struct buf raw = BUF_INIT;
	size_t keep = spec->tail_max ? spec->tail_max + redact_longest() : 0;
	int64_t t0 = now_mono_us(), deadline = 0;
	long long pgid = 0;
	bool stop_sent = false, done = false;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	buf_init(&r->tail, 0);
	if (conn_open(&c, p, h, t0 + STEP_CONNECT_US, errp) != 0)
		return -1;
	if (conn_send(&c, step_msg(spec)) != 0) {
		*errp = conn_failure(&c, "sending the step");
		goto out;
	}
	if (spec->timeout_us)
		deadline = now_mono_us() + spec->timeout_us + STEP_GRACE_US;
	while (!done) {
		char *line, *e = NULL;
		size_t len;
		struct proto_msg m;

		if (!stop_sent && spec->should_stop && spec->should_stop(spec->arg)) {
			json_t *o = json_pack("{s:i,s:b}", "id", STEP_ID, "stop", 1);
			if (conn_send(&c, o) == 0) {
				stop_sent = true;
				r->stopped = true;
				int64_t d = now_mono_us() + STEP_GRACE_US;
				if (deadline == 0 || d < deadline)
					deadline = d;
			}
		}
		if (deadline && now_mono_us() > deadline) {
			*errp = xasprintf("host %s (%s): no word from the step's "
			    "agent in time%s", h->id, h->ssh, pgid ? "; its "
			    "process group may still run there" : "");
			goto out;
		}
		int lr = lread_line(&c.lr, now_mono_us() + 100000, &line, &len);
		if (lr == -2)
			continue;
		if (lr != 1) {
			char *why = conn_failure(&c, "while the step ran");
			if (pgid)
				*errp = xasprintf("%s; the step is not run again: "
				    "its process group %lld may still run on %s",
				    why, pgid, h->id);
			else
				*errp = xstrdup(why);
			free(why);
			goto out;
		}
		if (proto_decode(line, len, &m, &e) != 0) {
			*errp = xasprintf("host %s: bad answer from the agent: %s",
			    h->id, e);
			free(e);
			proto_msg_release(&m);
			goto out;
		}
		switch (m.type) {
		case P_PGID: {
			pgid = m.pgid;
			if (spec->pgid_out)
				*spec->pgid_out = (pid_t)pgid;
			bool go = spec->on_spawn == NULL ||
			    spec->on_spawn((pid_t)pgid, spec->arg);
			json_t *o = json_pack("{s:i,s:b}", "id", STEP_ID, "go",
			    go ? 1 : 0);
			if (conn_send(&c, o) != 0 || !go) {
				*errp = xasprintf("host %s: the step was not "
				    "started", h->id);
				proto_msg_release(&m);
				goto out;
			}
			break;
		}
		case P_OUT:
			if (spec->on_output && m.out.len)
				spec->on_output(m.out.s, m.out.len, spec->arg);
			buf_add(&raw, m.out.s, m.out.len);
			if (keep && raw.len > 2 * keep + 65536)
				buf_keep_tail(&raw, keep);
			break;
		case P_EXIT:
			r->exit_code = m.code;
			r->signal = m.signal;
			r->timed_out = m.timed_out;
			r->stopped = m.stopped || r->stopped;
			r->detached = m.detached;
			r->spawn_failed = m.spawn_failed;
			r->duration_us = m.duration_us;
			done = true;
			break;
		case P_ERROR:
			*errp = xasprintf("host %s: %s", h->id, m.str);
			proto_msg_release(&m);
			goto out;
		default:
			break;
		}
		proto_msg_release(&m);
	}
	if (spec->tail_max && raw.len) {
		char *t = redact_tail(raw.s, raw.len, spec->tail_max);
		buf_adds(&r->tail, t);
		free(t);
	}
	rc = 0;
out:
	buf_release(&raw);
	conn_close(&c);
	return rc;
}

/* One request, one answer, on a connection of its own. */
static int
ask(const struct plan *p, const struct host *h, json_t *o, int64_t timeout_us,
    struct proto_msg *m, char **errp)
{
	struct conn c;
	char *line, *e = NULL;
	size_t len;
	int64_t deadline = now_mono_us() + timeout_us;

	if (conn_open(&c, p, h, deadline, errp) != 0) {
		json_decref(o);
		return -1;
	}
	if (conn_send(&c, o) != 0) {
		*errp = conn_failure(&c, "asking");
		conn_close(&c);
		return -1;
	}
	int lr = lread_line(&c.lr, deadline, &line, &len);
	if (lr != 1) {
		*errp = lr == -2 ? xasprintf("host %s: no answer in time", h->id) :
		    conn_failure(&c, "asking");
		conn_close(&c);
		return -1;
	}
	if (proto_decode(line, len, m, &e) != 0 || m->type == P_ERROR) {
		*errp = xasprintf("host %s: %s", h->id, e ? e : m->str);
		free(e);
		proto_msg_release(m);
		conn_close(&c);
		return -1;
	}
	conn_close(&c);
	return 0;
}

int
hosts_alive(const struct plan *p, const struct host *h, pid_t pgid,
    char **errp)
{
	struct proto_msg m;

	if (ask(p, h, json_pack("{s:i,s:I}", "id", 1, "alive", (json_int_t)pgid),
	    10 * 1000000LL, &m, errp) != 0)
		return -1;
	int rc = m.type == P_ALIVE_ANS ? (m.flag ? 1 : 0) : -1;
	if (rc < 0)
		*errp = xasprintf("host %s: unexpected answer", h->id);
	proto_msg_release(&m);
	return rc;
}

int
hosts_kill(const struct plan *p, const struct host *h, pid_t pgid, int sig,
    int64_t timeout_us, char **errp)
{
	struct proto_msg m;

	if (ask(p, h, json_pack("{s:i,s:I,s:i}", "id", 1, "kill",
	    (json_int_t)pgid, "sig", sig), timeout_us, &m, errp) != 0)
		return -1;
	proto_msg_release(&m);
	return 0;
}

/* Whether pgid runs on h (unknown: true, with a warning naming step id). */
static bool
alive_on(const struct plan *p, const struct host *h, const char *id,
    long pgid)
{
	char *e = NULL;
	int rc = hosts_alive(p, h, (pid_t)pgid, &e);

	if (rc < 0) {
		/* Unknown is not "ended": a step is never run twice on a guess. */
		char *m = redact(e);
		fprintf(stderr, "cutover: cannot tell whether step '%s' (process "
		    "group %ld on %s) still runs: %s\n", id, pgid, h->id, m);
		free(m);
		free(e);
		return true;
	}
	return rc == 1;
}

bool
hosts_step_alive(const struct plan *p, const struct step *s, long pgid)
{
	if (pgid <= 0)
		return false;
	if (s == NULL || s->host == NULL)
		return pgid_alive(pgid);
	return alive_on(p, s->host, s->id, pgid);
}

char *
hosts_dest(const struct host *h)
{
	if (h->port <= 0)
		return xstrdup(h->ssh);
	/* ssh's URI form keeps the port in the one string the journal holds. */
	const char *at = strrchr(h->ssh, '@');
	const char *addr = at ? at + 1 : h->ssh;
	bool v6 = strchr(addr, ':') != NULL && addr[0] != '[';
	return xasprintf("ssh://%.*s%s%s%s:%d", at ? (int)(at - h->ssh + 1) : 0,
	    h->ssh, v6 ? "[" : "", addr, v6 ? "]" : "", h->port);
}

bool
hosts_row_remote(const struct step *s, const struct jstep *js)
{
	if (js->host)
		return strcmp(js->host, "local") != 0;
	return s && s->host;
}

char *
hosts_row_moved(const struct step *s, const struct jstep *js)
{
	if (js->host == NULL || s == NULL)
		return NULL;	/* not recorded: the plan's host is all we know */
	char *now = s->host ? hosts_dest(s->host) : NULL;
	bool was_local = strcmp(js->host, "local") == 0;
	bool same = s->host == NULL ? was_local : !was_local &&
	    strcmp(js->host, s->host->id) == 0 && js->host_ssh &&
	    strcmp(js->host_ssh, now) == 0;
	char *m = NULL;

	if (!same)
		m = xasprintf("it ran on %s%s%s%s, the plan now puts it on %s%s%s%s",
		    was_local ? "this machine" : js->host, was_local ? "" : " (",
		    was_local || !js->host_ssh ? "" : js->host_ssh,
		    was_local ? "" : ")", s->host ? s->host->id : "this machine",
		    s->host ? " (" : "", s->host ? now : "", s->host ? ")" : "");
	free(now);
	return m;
}

bool
hosts_row_alive(const struct plan *p, const struct step *s,
    const struct jstep *js)
{
	if (js->pgid <= 0)
		return false;
	if (js->host == NULL)
		return hosts_step_alive(p, s, js->pgid);
	if (strcmp(js->host, "local") == 0)
		return pgid_alive(js->pgid);
	/*
	 * Ask the host the row names, at the destination it recorded: the
	 * plan's entry of that name (or the step's host) lends the rest of
	 * the ssh settings (identity, options, the remote binary).
	 */
	const struct host *ph = plan_host(p, js->host);
	struct host h = { 0 };
	if (ph)
		h = *ph;
	else if (s && s->host)
		h = *s->host;
	h.id = js->host;
	char *d = h.ssh ? hosts_dest(&h) : NULL;
	if (js->host_ssh && (d == NULL || strcmp(d, js->host_ssh) != 0)) {
		h.ssh = js->host_ssh;
		h.port = 0;
	}
	bool alive = h.ssh ? alive_on(p, &h, js->step_id, js->pgid) : true;
	if (h.ssh == NULL)
		fprintf(stderr, "cutover: cannot tell whether step '%s' still "
		    "runs: host %s is not recorded with a destination\n",
		    js->step_id, js->host);
	free(d);
	return alive;
}

const struct step *
hosts_find_step(const struct plan *p, const char *kind, const char *phase,
    const char *id)
{
	if (kind && strcmp(kind, "rollback") == 0) {
		for (size_t i = 0; i < p->nrollback; i++)
			if (strcmp(p->rollback[i].id, id) == 0)
				return &p->rollback[i];
		return NULL;
	}
	for (size_t i = 0; i < p->nphases; i++) {
		const struct phase *ph = &p->phases[i];
		if (phase && strcmp(ph->id, phase) != 0)
			continue;
		for (size_t j = 0; j < ph->nsteps; j++)
			if (strcmp(ph->steps[j].id, id) == 0)
				return &ph->steps[j];
	}
	return NULL;
}
