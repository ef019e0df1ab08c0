/*
 * agent.c - `cutover agent`: the remote end of `on: HOST` (hosts.h).
 *
 * Started by a local cutover over ssh, never by a person (it is left out
 * of `cutover --help`).  Reads the protocol of hosts_proto.h on stdin:
 * a hello (a different protocol or version is refused: the plan would
 * not be read the same way on both ends), the plan with the values of
 * the environment variables and vars it needs (secrets travel only in
 * this stream), then requests, each served on a thread of its own so
 * that 50 checks on a host run as concurrently as they do locally.
 *
 * A step runs in a process group of its own; its group is reported and
 * the step waits for the local side's "go" (journaled there) before it
 * may exec.  When the connection drops, running steps are neither killed
 * nor orphaned: the agent keeps draining their output until they end,
 * so that a later `cutover resume` can ask whether the group still runs.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "../cmd.h"
#include "../envcheck.h"
#include "../hosts.h"
#include "../hosts_proto.h"
#include "../journal.h"
#include "../plan.h"
#include "../lib/error.h"
#include "../lib/proc.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"

static const char usage[] =
"usage: cutover agent\n"
"\n"
"The remote end of a plan's `on: HOST`: a local cutover starts it over\n"
"ssh and speaks to it on standard input and output.  Not for direct use.\n"
"\n"
"  -h, --help  show this help\n";

static int agent_main(int argc, char **argv);

const struct cmd cmd_agent = {
	.name = "agent",
	.fn = agent_main,
	.usage = usage,
	.summary = "the remote end of `on: HOST` (started over ssh)",
	.hidden = true,
};

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t st_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t st_cond = PTHREAD_COND_INITIALIZER;
static struct plan *plan;
static bool out_dead;

static void
send_line(char *s)
{
	pthread_mutex_lock(&out_lock);
	if (!out_dead && write_all(STDOUT_FILENO, s, strlen(s)) != 0)
		out_dead = true;	/* the connection is gone */
	pthread_mutex_unlock(&out_lock);
	free(s);
}

/* ---- checks ---- */

struct creq {
	long long	 id;
	struct check	*c;
};

static void *
check_main(void *arg)
{
	struct creq *q = arg;
	struct result r = { .check = q->c };

	q->c->kind->run(q->c, &r);
	if (r.message == NULL)
		r.message = xstrdup("");
	send_line(proto_result(q->id, &r));
	result_release(&r);
	free(q);
	return NULL;
}

/* ---- fingerprints (env same_as across hosts) ---- */

struct freq {
	long long	 id;
	struct proto_msg m;
};

static void *
fprint_main(void *arg)
{
	struct freq *q = arg;
	struct strlist out = { 0 };
	char *e = NULL;

	if (env_fingerprints(q->m.file, q->m.flag, &q->m.keys, q->m.mac, &out,
	    &e) != 0) {
		send_line(proto_str(q->id, "error", e));
		free(e);
	} else {
		send_line(proto_fprints(q->id, &out));
	}
	strlist_release(&out);
	proto_msg_release(&q->m);
	free(q);
	return NULL;
}

/* ---- steps ---- */

struct sreq {
	long long	 id;
	char		*shell, *cwd;
	struct strlist	 argv, env;
	int64_t		 timeout_us;
	int		 go;		/* 0 waiting, 1 go, -1 refused */
	bool		 stop;
	struct sreq	*next;
};
static struct sreq *steps;
static int nsteps_running;

static bool
step_spawned(pid_t pgid, void *arg)
{
	struct sreq *s = arg;

	send_line(proto_num(s->id, "pgid", (long long)pgid));
	pthread_mutex_lock(&st_lock);
	while (s->go == 0)
		pthread_cond_wait(&st_cond, &st_lock);
	bool go = s->go > 0;
	pthread_mutex_unlock(&st_lock);
	return go;
}

static void
step_output(const char *data, size_t n, void *arg)
{
	struct sreq *s = arg;

	send_line(proto_out(s->id, data, n));
}

static bool
step_should_stop(void *arg)
{
	struct sreq *s = arg;

	pthread_mutex_lock(&st_lock);
	bool stop = s->stop;
	pthread_mutex_unlock(&st_lock);
	return stop;
}

static void *
step_main(void *arg)
{
	struct sreq *s = arg;
	struct proc_spec spec = {
		.argv = s->shell ? NULL : s->argv.v,
		.shell = s->shell,
		.env = (const char *const *)s->env.v,
		.cwd = s->cwd,
		.timeout_us = s->timeout_us,
		.tail_max = 4096,
		.on_output = step_output,
		.arg = s,
		.on_spawn = step_spawned,
		.should_stop = step_should_stop,
	};
	struct proc_result pr;
	char *e = NULL;

	if (proc_run(&spec, &pr, &e) != 0) {
		send_line(proto_str(s->id, "error", e));
		free(e);
	} else {
		/* Why it could not start is in the tail: send it as output. */
		if (pr.spawn_failed)
			send_line(proto_out(s->id, pr.tail.s, pr.tail.len));
		send_line(proto_exit(s->id, pr.exit_code, pr.signal,
		    pr.timed_out, pr.stopped, pr.detached, pr.spawn_failed,
		    pr.duration_us));
		buf_release(&pr.tail);
	}
	pthread_mutex_lock(&st_lock);
	nsteps_running--;
	pthread_cond_broadcast(&st_cond);
	pthread_mutex_unlock(&st_lock);
	return NULL;
}

static struct sreq *
step_find(long long id)
{
	for (struct sreq *s = steps; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

static void
start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	pthread_attr_t at;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, fn, arg) != 0) {
		fprintf(stderr, "cutover agent: cannot start a thread\n");
		_exit(1);
	}
	pthread_attr_destroy(&at);
}

/* ---- the conversation ---- */

static int
handshake(struct lread *lr)
{
	struct proto_msg m;
	char *line, *e = NULL;
	size_t len;

	send_line(proto_hello());
	if (lread_line(lr, 0, &line, &len) != 1)
		return -1;
	if (proto_decode(line, len, &m, &e) != 0 || m.type != P_HELLO) {
		send_line(proto_str(0, "error", e ? e : "expected a hello"));
		free(e);
		proto_msg_release(&m);
		return -1;
	}
	if (m.proto != HOSTS_PROTO || strcmp(m.version, CUTOVER_VERSION) != 0) {
		char *s = xasprintf("this host runs cutover %s (protocol %d); "
		    "the caller is %s (protocol %lld): install the same version",
		    CUTOVER_VERSION, HOSTS_PROTO, m.version, m.proto);
		send_line(proto_str(0, "error", s));
		free(s);
		proto_msg_release(&m);
		return -1;
	}
	proto_msg_release(&m);
	if (lread_line(lr, 0, &line, &len) != 1)
		return -1;
	if (proto_decode(line, len, &m, &e) != 0 || m.type != P_PLAN) {
		send_line(proto_str(0, "error", e ? e : "expected the plan"));
		free(e);
		proto_msg_release(&m);
		return -1;
	}
	for (size_t i = 0; i < m.env.n; i++) {
		char *eq = strchr(m.env.v[i], '=');
		*eq = '\0';
		setenv(m.env.v[i], eq + 1, 1);
	}
	for (size_t i = 0; i < m.vars.n; i++) {
		char *eq = strchr(m.vars.v[i], '=');
		*eq = '\0';
		plan_override_var(m.vars.v[i], eq + 1, "the caller", true);
	}
	/*
	 * Relative paths in the plan (an env schema, a file check) are the
	 * plan's directory's, as the README promises, when that directory
	 * exists here too; ssh starts us in the login's home otherwise.
	 */
	char *dir = xstrdup(m.file), *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		(void)chdir(dir);
	}
	free(dir);
	plan = plan_load_mem(m.file, m.text, m.textlen, &e);
	proto_msg_release(&m);
	if (plan == NULL) {
		/* Only the first line: the rest is the same kind of news. */
		char *nl = strchr(e, '\n');
		if (nl)
			*nl = '\0';
		char *s = xasprintf("the plan does not load here: %s", e);
		send_line(proto_str(0, "error", s));
		free(s);
		free(e);
		return -1;
	}
	send_line(proto_bool(0, "ok", true));
	return 0;
}

static void
serve(struct proto_msg *m)
{
	switch (m->type) {
	case P_CHECK: {
		struct check *c = plan_check(plan, m->str);
		if (c == NULL) {
			send_line(proto_str(m->id, "error", "no such check in the "
			    "plan"));
			return;
		}
		struct creq *q = xcalloc(1, sizeof(*q));
		q->id = m->id;
		q->c = c;
		start_thread(check_main, q);
		return;
	}
	case P_FPRINT: {
		/* On a thread: the file may be on a mount that hangs. */
		struct freq *q = xcalloc(1, sizeof(*q));
		q->id = m->id;
		q->m = *m;
		memset(m, 0, sizeof(*m));
		start_thread(fprint_main, q);
		return;
	}
	case P_STEP: {
		struct sreq *s = xcalloc(1, sizeof(*s));
		s->id = m->id;
		s->shell = m->shell;
		s->cwd = m->cwd;
		s->argv = m->argv;
		s->env = m->step_env;
		m->shell = m->cwd = NULL;
		memset(&m->argv, 0, sizeof(m->argv));
		memset(&m->step_env, 0, sizeof(m->step_env));
		s->timeout_us = m->timeout_us;
		pthread_mutex_lock(&st_lock);
		s->next = steps;
		steps = s;
		nsteps_running++;
		pthread_mutex_unlock(&st_lock);
		start_thread(step_main, s);
		return;
	}
	case P_GO:
	case P_STOP: {
		pthread_mutex_lock(&st_lock);
		struct sreq *s = step_find(m->id);
		if (s && m->type == P_GO && s->go == 0)
			s->go = m->flag ? 1 : -1;
		if (s && m->type == P_STOP) {
			s->stop = true;
			if (s->go == 0)
				s->go = -1;
		}
		pthread_cond_broadcast(&st_cond);
		pthread_mutex_unlock(&st_lock);
		return;
	}
	case P_ALIVE:
		send_line(proto_bool(m->id, "alive", pgid_alive(m->pgid)));
		return;
	case P_KILL:
		if (kill(-(pid_t)m->pgid, m->sig) != 0 && errno != ESRCH) {
			char *s = xasprintf("kill: %s", strerror(errno));
			send_line(proto_str(m->id, "error", s));
			free(s);
		} else {
			send_line(proto_bool(m->id, "ok", true));
		}
		return;
	default:
		send_line(proto_str(m->id, "error", "unexpected message"));
	}
}

static int
agent_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lread lr = { .fd = STDIN_FILENO };
	char *line;
	size_t len;
	int rc;

	if (cmd_getopt(&cmd_agent, argc, argv, "h", lo) != -1 ||
	    optind != argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	/* A dropped connection is a failed write, not a death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (handshake(&lr) != 0) {
		lread_release(&lr);
		return 1;
	}
	while ((rc = lread_line(&lr, 0, &line, &len)) == 1) {
		struct proto_msg m;
		char *e = NULL;
		if (proto_decode(line, len, &m, &e) != 0) {
			send_line(proto_str(m.id, "error", e));
			free(e);
		} else {
			serve(&m);
		}
		proto_msg_release(&m);
	}
	/*
	 * The caller is gone.  Steps still waiting for "go" never start;
	 * running ones run to their end (see the header).
	 */
	pthread_mutex_lock(&st_lock);
	for (struct sreq *s = steps; s; s = s->next)
		if (s->go == 0)
			s->go = -1;
	pthread_cond_broadcast(&st_cond);
	while (nsteps_running > 0)
		pthread_cond_wait(&st_cond, &st_lock);
	pthread_mutex_unlock(&st_lock);
	lread_release(&lr);
	fflush(stdout);
	/* Check threads may still run: leave without joining them. */
	_exit(rc == 0 ? 0 : 1);
}
