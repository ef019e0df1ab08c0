/* ssh.c - spawning the system's ssh client (see ssh.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "ssh.h"
#include "util.h"
#include "xmalloc.h"

extern char **environ;

char *
sh_quote(const char *s)
{
	struct buf b = BUF_INIT;

	buf_addc(&b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(&b, "'\\''");
		else
			buf_addc(&b, *s);
	}
	buf_addc(&b, '\'');
	return buf_detach(&b);
}

char *
ssh_control_dir(char **errp)
{
	const char *env = getenv("CUTOVER_SSH_DIR");
	char *dir = env && *env ? xstrdup(env) :
	    xasprintf("/tmp/cutover-ssh-%u", (unsigned)getuid());
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		*errp = xasprintf("cannot make ssh control directory %s: %s", dir,
		    strerror(errno));
		free(dir);
		return NULL;
	}
	/* Another user's directory, or a symlink to one, would let them
	 * plant a socket that our ssh then trusts as the master. */
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 077) != 0) {
		*errp = xasprintf("ssh control directory %s must be a directory "
		    "of this user with mode 0700 (not a symlink)", dir);
		free(dir);
		return NULL;
	}
	return dir;
}

int
ssh_spawn(const struct ssh_dest *d, const char *const *remote, int connect_s,
    struct ssh_proc *sp, char **errp)
{
	struct strlist av = STRLIST_INIT;
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char *dir, *cmd;
	int rc;

	if ((dir = ssh_control_dir(errp)) == NULL)
		return -1;
	strlist_push(&av, "ssh");
	/* ssh keeps the first value given for an option: the user's own
	 * options go first, so they override these defaults. */
	for (size_t i = 0; d->options && i < d->options->n; i++) {
		strlist_push(&av, "-o");
		strlist_push(&av, d->options->v[i]);
	}
	strlist_push(&av, "-o");
	strlist_push(&av, "BatchMode=yes");
	strlist_push(&av, "-o");
	strlist_push_owned(&av, xasprintf("ConnectTimeout=%d",
	    connect_s > 0 ? connect_s : 1));
	/* A dropped link is noticed in about 10 s, not TCP's 15 minutes. */
	strlist_push(&av, "-o");
	strlist_push(&av, "ServerAliveInterval=5");
	strlist_push(&av, "-o");
	strlist_push(&av, "ServerAliveCountMax=2");
	strlist_push(&av, "-o");
	strlist_push(&av, "ControlMaster=auto");
	strlist_push(&av, "-o");
	strlist_push_owned(&av, xasprintf("ControlPath=%s/%%C", dir));
	strlist_push(&av, "-o");
	strlist_push_owned(&av, xasprintf("ControlPersist=%d", SSH_PERSIST_S));
	strlist_push(&av, "-T");
	strlist_push(&av, "-x");
	if (d->port > 0) {
		strlist_push(&av, "-p");
		strlist_push_owned(&av, xasprintf("%d", d->port));
	}
	if (d->identity) {
		strlist_push(&av, "-i");
		strlist_push(&av, d->identity);
	}
	if (d->jump) {
		strlist_push(&av, "-J");
		strlist_push(&av, d->jump);
	}
	strlist_push(&av, "--");
	strlist_push(&av, d->dest);
	{
		struct buf b = BUF_INIT;
		for (size_t i = 0; remote[i]; i++) {
			char *q = sh_quote(remote[i]);
			if (i)
				buf_addc(&b, ' ');
			buf_adds(&b, q);
			free(q);
		}
		cmd = buf_detach(&b);
	}
	strlist_push_owned(&av, cmd);
	free(dir);

	if (pipe2(pin, O_CLOEXEC) != 0 || pipe2(pout, O_CLOEXEC) != 0 ||
	    pipe2(perr, O_CLOEXEC) != 0) {
		*errp = xasprintf("pipe: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setpgroup(&at, 0);
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	/* SIGPIPE and SIGINT back to their defaults in ssh. */
	sigemptyset(&all);
	sigaddset(&all, SIGPIPE);
	sigaddset(&all, SIGINT);
	sigaddset(&all, SIGTERM);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&sp->pid, "ssh", &fa, &at, av.v, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		*errp = xasprintf("cannot run ssh: %s (install openssh-client)",
		    strerror(rc));
		rc = -1;
		goto out;
	}
	sp->in = pin[1];
	sp->out = pout[0];
	sp->err = perr[0];
	pin[1] = pout[0] = perr[0] = -1;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	
	strlist_release(&av);
	return rc;
}

int
ssh_reap(struct ssh_proc *sp, int64_t max_us)
{
	int st;

	if (sp->pid <= 0)
		return -1;
	for (int64_t waited = 0;; waited += 10000) {
		pid_t r = waitpid(sp->pid, &st, WNOHANG);
		if (r == sp->pid) {
			sp->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
		}
		if (r < 0 || waited >= max_us)
			return -1;
		usleep(10000);
	}
}

void
ssh_close(struct ssh_proc *sp)
{
	if (sp->in >= 0)
		close(sp->in);
	if (sp->out >= 0)
		close(sp->out);
	if (sp->err >= 0)
		close(sp->err);
	sp->in = sp->out = sp->err = -1;
	if (sp->pid > 0 && ssh_reap(sp, 200000) < 0) {
		kill(sp->pid, SIGTERM);
		if (ssh_reap(sp, 1000000) < 0) {
			kill(sp->pid, SIGKILL);
			ssh_reap(sp, 1000000);
		}
	}
}
