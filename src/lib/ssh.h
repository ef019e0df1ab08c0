/*
 * ssh.h - the system's OpenSSH client as a transport.
 *
 * Like Ansible, cutover runs `ssh`: the user's ~/.ssh/config, agent,
 * known_hosts and ProxyJump apply as they do on the command line.  Host
 * keys are checked as that configuration says (cutover never adds
 * StrictHostKeyChecking=no); BatchMode=yes makes a prompt a failure, not a
 * hang.  One master connection per destination (ControlMaster=auto,
 * ControlPersist) in a private directory: later sessions skip the
 * handshake.  The directory is /tmp/cutover-ssh-UID (a socket path must
 * fit in 108 bytes, which a $HOME-based path may not), or
 * $CUTOVER_SSH_DIR; it must be a directory of ours, mode 0700, not a
 * symlink.
 */
#ifndef CUTOVER_SSH_H
#define CUTOVER_SSH_H

#include <stdint.h>
#include <sys/types.h>

#include "util.h"

struct ssh_dest {
	const char		*dest;		/* [user@]host */
	int			 port;		/* 0: ssh's default */
	const char		*identity;	/* or NULL */
	const char		*jump;		/* or NULL */
	const struct strlist	*options;	/* "Key=Value", or NULL */
};

/* How long a master connection outlives its last session (seconds). */
#define SSH_PERSIST_S	60

struct ssh_proc {
	pid_t	 pid;
	int	 in;		/* the remote command's stdin (write) */
	int	 out;		/* its stdout (read) */
	int	 err;		/* ssh's and the command's stderr (read) */
};

/*
 * Start ssh to run `remote` (words, each quoted for the remote shell) on
 * d, in a process group of its own (a Ctrl-C is cutover's to handle).
 * connect_s bounds the TCP connect and handshake (ConnectTimeout).
 * 0, or -1 with *errp.
 */
int	 ssh_spawn(const struct ssh_dest *d, const char *const *remote,
	    int connect_s, struct ssh_proc *sp, char **errp);
/* Close the pipes, kill ssh (SIGTERM) unless it has exited, reap it. */
void	 ssh_close(struct ssh_proc *sp);
/* Reap ssh, waiting up to max_us: its exit status (255: ssh's own
 * failure), 128+signal, or -1 when it still runs. */
int	 ssh_reap(struct ssh_proc *sp, int64_t max_us);
/* The control directory (made when absent), or NULL with *errp. */
char	*ssh_control_dir(char **errp);
/* Quote s for a POSIX shell ('...'). */
char	*sh_quote(const char *s);

#endif
