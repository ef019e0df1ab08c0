/*
 * proc.h - running a command (argv or /bin/sh -c) in its own process group
 * with a deadline, its output captured.
 *
 * The child gets a new process group so that a timeout or a signal stops
 * everything it started (`sh -c 'a | b'` included), not just the shell.
 * stdout and stderr are merged into one pipe, in the order written.
 */
#ifndef CUTOVER_PROC_H
#define CUTOVER_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

/*
 * A command is judged by its own process.  When it exits while processes
 * it left in the background still hold its output (`daemon & echo ok`),
 * proc_run reads for PROC_GRACE_US more, then stops reading and returns:
 * those processes keep running, but their output is no longer read (a
 * write to it fails with EPIPE/SIGPIPE).  Output already written when the
 * command exits is in the pipe and is read in full: the grace only
 * serves a background process's last words.
 */
#define PROC_GRACE_US	(200 * 1000)

struct proc_spec {
	char *const	*argv;		/* argv[0] looked up in PATH; or: */
	const char	*shell;		/* run with /bin/sh -c */
	const char *const *env;		/* extra "K=V" entries, NULL-terminated */
	const char	*cwd;		/* NULL: inherit */
	int64_t		 timeout_us;	/* 0: no deadline */
	/* When > 0, the child's stdin (else /dev/null); the caller's. */
	int		 stdin_fd;
	size_t		 tail_max;	/* bytes of output kept (tail) */
	/* Called with each chunk of output as it arrives (may be NULL). */
	void		(*on_output)(const char *data, size_t n, void *arg);
	void		*arg;
	/* Set to the child's pid/pgid as soon as it exists (may be NULL). */
	volatile pid_t	*pgid_out;
	/*
	 * Called with the child's pid/pgid before the child may exec (it
	 * waits): whatever this records is true before the command can do
	 * anything.  Returning false kills the child unstarted and makes
	 * proc_run fail.  May be NULL.
	 */
	bool		(*on_spawn)(pid_t pgid, void *arg);
	/* Polled every 100ms; returning true stops the child (may be NULL). */
	bool		(*should_stop)(void *arg);
	/*
	 * stdout and stderr on a pseudo-terminal (a session of its own, the
	 * terminal its controlling one, the group still killed whole), so
	 * that progress meters (rsync --info=progress2, pv) draw.  No
	 * "\r\n" translation: lines end as the program wrote them.
	 */
	bool		 pty;
	/*
	 * The tail keeps only the last state of a line that "\r" rewrote
	 * (CRLF ends a line): a progress meter is not a flood.
	 */
	bool		 collapse_cr;
};

struct proc_result {
	int		 exit_code;	/* -1 when killed by a signal */
	int		 signal;	/* the signal, or 0 */
	bool		 timed_out;
	bool		 stopped;	/* should_stop said so */
	bool		 spawn_failed;	/* exec failed: message in tail */
	/* It exited leaving background processes that hold its output. */
	bool		 detached;
	int64_t		 duration_us;
	/*
	 * The last tail_max bytes of output, secrets masked: redacted before
	 * the cut, so that a secret the cut would split is dropped whole.
	 */
	struct buf	 tail;
};

/*
 * Run spec; fills *r (release r->tail with buf_release).  Returns 0 when
 * the command ran (whatever its exit status), -1 with *errp when it
 * could not be started.
 */
int	 proc_run(const struct proc_spec *spec, struct proc_result *r,
	    char **errp);
/*
 * Send sig to the process group of every child proc_run is running now.
 * Async-signal-safe: for a SIGINT/SIGTERM handler, since those children
 * sit in groups of their own that the terminal's signal does not reach.
 */
void	 proc_kill_all(int sig);
/* "exited with status 3", "killed by SIGKILL", "timed out after 5s" */
char	*proc_describe(const struct proc_result *r, int64_t timeout_us);

#endif
