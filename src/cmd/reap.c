/*
 * reap.c - `cutover reap -- PROGRAM [ARG..]` (hidden): run PROGRAM and,
 * once it has exited, kill every process it left behind, daemons in
 * sessions of their own included: with PR_SET_CHILD_SUBREAPER the
 * orphans of its descendants become ours, where a process group kill
 * does not reach them.  For the `version` kind: asking a program for its
 * version must not leave a service running (`pm2 --version` spawns
 * pm2's daemon when none runs).  Exit status: PROGRAM's (128 + signal
 * when a signal ended it; 127 when it could not be started).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cmd.h"
#include "../lib/error.h"
#include "../lib/util.h"

static const char usage[] =
"usage: cutover reap -- PROGRAM [ARG..]\n"
"\n"
"Run PROGRAM, then kill every process it left behind (a daemon it\n"
"started included).  Used by the version check; not for direct use.\n"
"\n"
"  -h, --help  show this help\n";

static int reap_main(int argc, char **argv);

const struct cmd cmd_reap = {
	.name = "reap",
	.fn = reap_main,
	.usage = usage,
	.summary = "run a program and kill what it left behind",
	.hidden = true,
};

/* Kill our children (orphans handed to us); how many were found. */
static int
kill_children(pid_t self)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char path[64], b[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "re");
		if (f == NULL)
			continue;
		size_t len = fread(b, 1, sizeof(b) - 1, f);
		fclose(f);
		b[len] = '\0';
		/* pid (comm) state ppid ...; comm may hold spaces. */
		char *rp = strrchr(b, ')'), st;
		long ppid;
		if (rp && sscanf(rp + 1, " %c %ld", &st, &ppid) == 2 &&
		    ppid == (long)self) {
			kill((pid_t)atol(de->d_name), SIGKILL);
			n++;
		}
	}
	closedir(d);
	return n;
}

static int
reap_main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return EXIT_GO;
	}
	if (argc < 3 || strcmp(argv[1], "--") != 0) {
		errmsg("usage: cutover reap -- PROGRAM [ARG..]");
		return EXIT_USAGE;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		errmsg("reap: cannot become a subreaper: %s (a daemon it "
		    "starts may be left running)", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		errmsg("reap: fork: %s", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "cannot run '%s': %s\n", argv[2],
		    strerror(errno));
		_exit(127);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/*
	 * What it left: a daemon's own children become ours when it dies,
	 * so until a round finds none (bounded: 50 rounds, 20ms apart).
	 */
	pid_t self = getpid();
	for (int round = 0; round < 50 && kill_children(self) > 0; round++) {
		sleep_us(20 * 1000);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
