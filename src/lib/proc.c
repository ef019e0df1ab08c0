/* proc.c - spawn, capture, deadline, process-group kill; see proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "error.h"
#include "proc.h"
#include "redact.h"
#include "units.h"
#include "util.h"
#include "xmalloc.h"

extern char **environ;

/*
 * The process groups of the children running now, so that a SIGINT or
 * SIGTERM handler can take them down with us (they have groups of their
 * own, which the terminal's signal does not reach).  Slots are claimed
 * with a compare-and-swap and read with plain atomic loads: lock-free,
 * hence usable from a signal handler.
 */
#define PROC_SLOTS	1024
static int live_groups[PROC_SLOTS];

static int
live_add(pid_t pid)
{
	for (int i = 0; i < PROC_SLOTS; i++) {
		int zero = 0;
		if (__atomic_compare_exchange_n(&live_groups[i], &zero, (int)pid,
		    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return i;
	}
	return -1;
}

static void
live_remove(int slot)
{
	if (slot >= 0)
		__atomic_store_n(&live_groups[slot], 0, __ATOMIC_SEQ_CST);
}

void
proc_kill_all(int sig)
{
	for (int i = 0; i < PROC_SLOTS; i++) {
		int pid = __atomic_load_n(&live_groups[i], __ATOMIC_SEQ_CST);
		if (pid > 0)
			kill(-pid, sig);
	}
}

/* environ plus spec->env (which wins), built before fork. */
static char **
build_env(const char *const *extra)
{
	size_t n = 0, m = 0;
	char **env;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	env = xcalloc(n + m + 1, sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t klen = strcspn(environ[i], "=");
		bool overridden = false;
		for (size_t j = 0; j < m; j++)
			overridden |= strncmp(extra[j], environ[i], klen) == 0 &&
			    extra[j][klen] == '=';
		if (!overridden)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		env[k++] = (char *)extra[j];
	env[k] = NULL;
	return env;
}

/*
 * SIGTERM the group, give it 200ms, then SIGKILL.  Returns true when the
 * leader was reaped here (its status in *st).
 */
static bool
kill_group(pid_t pid, int *st)
{
	bool reaped = false;

	kill(-pid, SIGTERM);
	for (int i = 0; i < 20 && !reaped; i++) {
		if (waitpid(pid, st, WNOHANG) == pid)
			reaped = true;
		else
			sleep_us(10 * 1000);
	}
	kill(-pid, SIGKILL);
	return reaped;
}

/*
 * A pseudo-terminal for the child's output: the size of ours when we
 * have one (a meter fits the screen it is shown on), else 80x24; output
 * processing off, so "\n" stays "\n".  Both ends close on exec: a
 * command started meanwhile by another thread must not hold the
 * terminal open (its end would never come).
 */
static int
open_pty(int *master, int *slave)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	struct termios tio;

	if (ioctl(1, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) {
		ws.ws_row = 24;
		ws.ws_col = 80;
	}
	if (openpty(master, slave, NULL, NULL, &ws) != 0)
		return -1;
	if (tcgetattr(*slave, &tio) == 0) {
		tio.c_oflag &= ~(tcflag_t)OPOST;
		tio.c_lflag &= ~(tcflag_t)(ECHO | ICANON);
		tcsetattr(*slave, TCSANOW, &tio);
	}
	fcntl(*master, F_SETFD, FD_CLOEXEC);
	fcntl(*slave, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Append chunk to the tail, a line "\r" rewrote down to its last state. */
static void
tail_add(struct buf *tail, const char *p, size_t n, bool collapse,
    bool *cr)
{
	if (!collapse) {
		buf_add(tail, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (*cr && p[i] != '\n') {
			const char *nl = tail->len ?
			    memrchr(tail->s, '\n', tail->len) : NULL;
			tail->len = nl ? (size_t)(nl - tail->s) + 1 : 0;
			tail->s[tail->len] = '\0';
		}
		*cr = p[i] == '\r';
		if (!*cr)
			buf_addc(tail, p[i]);
	}
}

int
proc_run(const struct proc_spec *spec, struct proc_result *r, char **errp)
{
	int pfd[2], efd[2];
	char **env;
	pid_t pid;
	int64_t t0 = now_mono_us();
	char *sh_argv[] = { "/bin/sh", "-c", (char *)spec->shell, NULL };
	char *const *argv = spec->shell ? sh_argv : spec->argv;

	memset(r, 0, sizeof(*r));
	buf_init(&r->tail, 0);
	int gate[2] = { -1, -1 };
	if (spec->pty) {
		/* pfd[0] reads the terminal's master; pfd[1] is its slave. */
		if (open_pty(&pfd[0], &pfd[1]) != 0)
			return seterr_errno(errp, "cannot open a pseudo-terminal");
	} else if (pipe2(pfd, O_CLOEXEC) != 0) {
		return seterr_errno(errp, "cannot create a pipe");
	}
	if (pipe2(efd, O_CLOEXEC) != 0 ||
	    (spec->on_spawn && pipe2(gate, O_CLOEXEC) != 0)) {
		close(pfd[0]);
		close(pfd[1]);
		return seterr_errno(errp, "cannot create a pipe");
	}
	env = build_env(spec->env);
	/*
	 * vfork, not fork: fork copies the page tables of a process with a
	 * thousand check threads under its mmap lock, serialised; with --jobs
	 * 1000, `true` then took over 20s to start.  The child
	 * shares our memory until exec, so it makes only async-signal-safe
	 * calls, and no handler of ours may run in it: signals stay blocked
	 * until every caught one is back to its default, as posix_spawn does.
	 */
	sigset_t all, oldmask;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &oldmask);
	/*
	 * A step whose process group must be journaled before it runs
	 * (on_spawn) waits in the child for the parent's word: that needs
	 * fork, as a vfork parent is suspended until the exec.  Steps are
	 * few; the checks that come by the thousand take vfork.
	 */
	pid = gate[0] >= 0 || spec->pty ? fork() : vfork();
	if (pid < 0) {
		int e = errno;
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
		free(env);
		close(pfd[0]); close(pfd[1]); close(efd[0]); close(efd[1]);
		if (gate[0] >= 0) {
			close(gate[0]);
			close(gate[1]);
		}
		errno = e;
		return seterr_errno(errp, "cannot fork");
	}
	if (pid == 0) {
		/* Child: only async-signal-safe calls from here to exec. */
		for (int sig = 1; sig < NSIG; sig++) {
			struct sigaction sa;
			if (sigaction(sig, NULL, &sa) == 0 &&
			    sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
				signal(sig, SIG_DFL);
		}
		/*
		 * Nothing blocked, whatever the calling thread blocks: the
		 * alert sender blocks every signal, and a command inheriting
		 * that would ignore the SIGTERM of its timeout.
		 */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int devnull = open("/dev/null", O_RDONLY);
		/*
		 * A terminal needs a session: its leader's group is the same
		 * one the kill and the timeout reach.
		 */
		if (spec->pty) {
			setsid();
			ioctl(pfd[1], TIOCSCTTY, 0);
		} else {
			setpgid(0, 0);
		}
		signal(SIGPIPE, SIG_DFL);
		if (spec->stdin_fd > 0)
			dup2(spec->stdin_fd, 0);
		else if (devnull >= 0)
			dup2(devnull, 0);
		if (gate[0] >= 0) {
			/* Wait for the parent's word; its death is a no. */
			char go = 0;
			close(gate[1]);
			while (read(gate[0], &go, 1) < 0 && errno == EINTR)
				;
			if (go != 'g')
				_exit(127);
		}
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (spec->cwd && chdir(spec->cwd) != 0) {
			/* Negative: the parent tells chdir from exec apart. */
			int e = -errno;
			(void)!write(efd[1], &e, sizeof(e));
			_exit(127);
		}
		execvpe(argv[0], argv, env);
		int e = errno;
		(void)!write(efd[1], &e, sizeof(e));
		_exit(127);
	}
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	/*
	 * Parent: make the group ours too, so a kill cannot race exec.  A
	 * session leader makes its own (setsid fails in a group leader):
	 * wait the few microseconds until it has.
	 */
	if (spec->pty) {
		for (int i = 0; i < 1000 && getpgid(pid) != pid; i++)
			sleep_us(100);
	} else {
		setpgid(pid, pid);
	}
	int slot = live_add(pid);
	if (spec->pgid_out)
		*spec->pgid_out = pid;
	free(env);
	close(pfd[1]);
	close(efd[1]);
	if (gate[0] >= 0) {
		close(gate[0]);
		bool go = spec->on_spawn(pid, spec->arg);
		if (go)
			(void)!write(gate[1], "g", 1);
		close(gate[1]);
		if (!go) {
			int st;
			kill(-pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			live_remove(slot);
			close(pfd[0]);
			close(efd[0]);
			return seterr(errp, "not started: its process group "
			    "could not be recorded");
		}
	}

	struct buf tail = BUF_INIT;
	char chunk[16384];
	/*
	 * The tail is redacted before it is cut (redact_tail): keep enough
	 * output before the cut to recognise a secret that straddles it.
	 */
	size_t keep = spec->tail_max ? spec->tail_max + redact_longest() : 0;
	bool open_ = true, reaped = false, cr = false;
	int st = 0;
	int64_t exited_at = 0;
	while (open_) {
		int wait_ms = 100;
		/*
		 * The command is judged by its own process: once it has
		 * exited, whatever still holds the pipe is a background
		 * child it left (a daemon).  Read what is already on its
		 * way for PROC_GRACE_US, then stop: never wait for the
		 * daemon, never count its life against the timeout.
		 */
		if (!reaped && waitpid(pid, &st, WNOHANG) == pid) {
			reaped = true;
			exited_at = now_mono_us();
		}
		if (reaped) {
			int64_t left = exited_at + PROC_GRACE_US - now_mono_us();
			if (left <= 0) {
				r->detached = true;
				break;
			}
			if (left / 1000 < wait_ms)
				wait_ms = (int)(left / 1000) + 1;
		} else {
			if (spec->timeout_us > 0) {
				int64_t left = t0 + spec->timeout_us -
				    now_mono_us();
				if (left <= 0) {
					r->timed_out = true;
					break;
				}
				if (left / 1000 < wait_ms)
					wait_ms = (int)(left / 1000) + 1;
			}
			if (spec->should_stop && spec->should_stop(spec->arg)) {
				r->stopped = true;
				break;
			}
		}
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int n = poll(&p, 1, wait_ms);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		ssize_t got = read(pfd[0], chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		/* A terminal whose last writer closed it says EIO: the end. */
		if (got <= 0) {
			open_ = false;
			break;
		}
		if (spec->on_output)
			spec->on_output(chunk, (size_t)got, spec->arg);
		tail_add(&tail, chunk, (size_t)got, spec->collapse_cr, &cr);
		/* Keep memory bounded: trim to the tail in big steps. */
		if (keep && tail.len > 2 * keep + 65536)
			buf_keep_tail(&tail, keep);
	}
	if (r->timed_out || r->stopped)
		reaped = kill_group(pid, &st);
	close(pfd[0]);
	while (!reaped && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* Reap the rest of the group if the leader left children behind. */
	if (r->timed_out || r->stopped)
		kill(-pid, SIGKILL);
	live_remove(slot);
	int exec_errno = 0;
	if (read(efd[0], &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno)) {
		r->spawn_failed = true;
		buf_reset(&tail);
		if (exec_errno < 0)
			buf_addf(&tail, "cannot change to directory '%s': %s",
			    spec->cwd, strerror(-exec_errno));
		else
			buf_addf(&tail, "cannot run '%s': %s", argv[0],
			    strerror(exec_errno));
	}
	close(efd[0]);
	if (WIFEXITED(st)) {
		r->exit_code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		r->exit_code = -1;
		r->signal = WTERMSIG(st);
	}
	if (spec->tail_max) {
		char *t = redact_tail(tail.s, tail.len, spec->tail_max);
		buf_reset(&tail);
		buf_adds(&tail, t);
		free(t);
	}
	r->tail = tail;
	r->duration_us = now_mono_us() - t0;
	return 0;
}

char *
proc_describe(const struct proc_result *r, int64_t timeout_us)
{
	if (r->spawn_failed)
		return xstrdup(r->tail.s);
	if (r->timed_out) {
		char *d = fmt_duration(timeout_us);
		char *s = xasprintf("timed out after %s; process group killed", d);
		free(d);
		return s;
	}
	if (r->stopped)
		return xstrdup("stopped; process group killed");
	if (r->signal)
		return xasprintf("killed by signal %d (%s)", r->signal,
		    strsignal(r->signal));
	if (r->detached)
		return xasprintf("exited with status %d, leaving processes in "
		    "the background (their output is not read)", r->exit_code);
	return xasprintf("exited with status %d", r->exit_code);
}
