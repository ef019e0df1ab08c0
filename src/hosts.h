/*
 * hosts.h - the plan's `hosts:` and `on: HOST`: checks and steps run on
 * another machine, reached with the system's OpenSSH client.
 *
 * A check with `on: HOST` is run by cutover on that host: the local side
 * starts `ssh HOST CUTOVER agent` once per host and process (lib/ssh.c:
 * one multiplexed connection per host), sends the plan text, the values
 * of the environment variables the plan reads and the resolved vars in
 * the stream (never on a command line nor in a remote file), then one
 * request per check attempt; the agent (cmd/agent.c) answers with the
 * result as JSON.  The check's timeout is enforced here: a host that does
 * not answer in time fails the check naming the host.
 *
 * A step with `on: HOST` runs its command through the same agent in a
 * session of its own; the remote process group is reported first, so the
 * runbook can journal it, stop it on Ctrl-C and ask after a crash whether
 * it still runs.
 *
 * The wire format (one JSON object per line, both ways) is in
 * hosts_proto.c, which is the only code that reads the other side's bytes.
 */
#ifndef CUTOVER_HOSTS_H
#define CUTOVER_HOSTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/util.h"
#include "plan.h"

struct check;
struct result;

struct host {
	char		*id;
	char		*ssh;		/* [user@]address, as ssh takes it */
	int		 port;		/* 0: ssh's own default */
	char		*identity;	/* -i FILE, or NULL */
	char		*jump;		/* -J, or NULL */
	char		*cutover;	/* the remote binary; default "cutover" */
	struct strlist	 options;	/* -o Key=Value, as written */
	int		 line, col;
};

/* The wire protocol's version: a remote speaking another one is refused. */
#define HOSTS_PROTO	1

/* ---- plan (hosts_plan.c) ---- */
/* Read the top-level `hosts:` map into the plan. */
void	 hosts_parse(struct pctx *cx, yaml_node_t *n);
/*
 * The host an `on:` node names: dflt when on is NULL, NULL for `local`,
 * the host otherwise; an unknown name is an error ("did you mean").
 */
const struct host *hosts_ref(struct pctx *cx, yaml_node_t *on,
	    const struct host *dflt);
const struct host *plan_host(const struct plan *p, const char *id);
void	 hosts_free(struct host *h, size_t n);

/* ---- checks (hosts.c) ---- */
/* One attempt of c on its host, within c's timeout. */
void	 hosts_run_check(const struct check *c, struct result *r);
/*
 * Keyed fingerprints of the values of keys in the .env file at path on h
 * (expanded with expand): "KEY=HEX" in *out for each key the file has
 * (envcheck.h, env_fingerprints).  mac_hex is the caller's per-run key;
 * values never leave h.  0, or -1 with a one-line *errp naming h.
 */
int	 hosts_fingerprints(const struct plan *p, const struct host *h,
	    const char *path, bool expand, const struct strlist *keys,
	    const char *mac_hex, int64_t deadline_us, struct strlist *out,
	    char **errp);
/*
 * Connect to h and shake hands within timeout_us: 0 with the remote
 * cutover's version in *version, or -1 with a one-line reason.
 */
int	 hosts_probe(const struct plan *p, const struct host *h,
	    int64_t timeout_us, char **version, char **errp);

/*
 * `cutover check --hosts`: probe every host at once, print one line per
 * host to f; EXIT_GO when all answer with this version, else EXIT_NOGO.
 */
int	 hosts_preflight(const struct plan *p, FILE *f);

/* ---- steps (hosts_step.c) ---- */
struct proc_spec;
struct proc_result;
/*
 * proc_run for a step on host h: same spec and result, the command run by
 * the remote agent.  spec->on_spawn gets the remote process group.
 * Returns 0 when the command ran, -1 with *errp when it could not start
 * or the connection was lost (the message names the host).
 */
int	 hosts_proc_run(const struct plan *p, const struct host *h,
	    const struct proc_spec *spec, struct proc_result *r, char **errp);
/*
 * Whether process group pgid still runs on h: 1 yes, 0 no, -1 unknown
 * (*errp says why).
 */
int	 hosts_alive(const struct plan *p, const struct host *h, pid_t pgid,
	    char **errp);
/* Send sig to pgid on h (best effort, bounded by timeout_us). */
int	 hosts_kill(const struct plan *p, const struct host *h, pid_t pgid,
	    int sig, int64_t timeout_us, char **errp);

/*
 * Whether step s's process group pgid (from the journal) still runs:
 * here, or on the step's host (when the host cannot be asked: true, with
 * a warning, so that a step is never run twice on a guess).
 */
bool	 hosts_step_alive(const struct plan *p, const struct step *s,
	    long pgid);
struct jstep;
/* ssh's destination for h: [user@]address, or ssh://[user@]address:port. */
char	*hosts_dest(const struct host *h);
/* Whether journal row js ran on another host (unrecorded: s's host). */
bool	 hosts_row_remote(const struct step *s, const struct jstep *js);
/*
 * NULL when js ran where the plan now puts s (or did not record where),
 * else a one-line description of the move, to free.
 */
char	*hosts_row_moved(const struct step *s, const struct jstep *js);
/*
 * Whether js's process group still runs on the host js recorded (not the
 * one the plan names now); like hosts_step_alive when it recorded none.
 */
bool	 hosts_row_alive(const struct plan *p, const struct step *s,
	    const struct jstep *js);
/* The step a journal row names (kind "rollback": a rollback step). */
const struct step *hosts_find_step(const struct plan *p, const char *kind,
	    const char *phase, const char *id);

#endif
