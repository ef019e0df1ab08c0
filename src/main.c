/*
 * main.c - global options, command lookup, exit status.
 *
 *   cutover [--version] [--help] COMMAND [ARGS]
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "cmd.h"
#include "lib/error.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#ifndef CUTOVER_VERSION
#define CUTOVER_VERSION "0.1.0"
#endif

static void
usage(FILE *f)
{
	fputs("usage: cutover [--version] [--help] COMMAND [ARGS]\n\n"
	    "Run a production migration as an executable, verifiable plan.\n\n"
	    "Commands:\n", f);
	cmd_print_list(f);
	fputs("\nRun 'cutover COMMAND --help' for a command's options.\n"
	    "Exit status: 0 go/identical/passed, 1 no-go/differences/failed, "
	    "2 bad input.\n", f);
}

/* A full disk or a closed stdout is an error, even for --help. */
static int
flushed(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		errmsg("error writing output");
		return EXIT_USAGE;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	const struct cmd *c;

	heap_warm();
	setlocale(LC_CTYPE, "C.UTF-8");
	/* A closed pipe (| head) must end us quietly, not kill a step. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("cutover %s\n", CUTOVER_VERSION);
		return flushed(EXIT_GO);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && (c = cmd_find(argv[2])) != NULL) {
			cmd_print_usage(c, stdout);
			return flushed(EXIT_GO);
		}
		usage(stdout);
		return flushed(EXIT_GO);
	}
	c = cmd_find(argv[1]);
	if (c == NULL) {
		size_t n;
		const char *const *names = cmd_names(&n);
		const char *near = nearest(argv[1], names, n);
		if (argv[1][0] == '-')
			die(EXIT_USAGE, "unknown option '%s' (try 'cutover --help')",
			    argv[1]);
		if (near)
			die(EXIT_USAGE, "unknown command '%s' (did you mean '%s'?)",
			    argv[1], near);
		die(EXIT_USAGE, "unknown command '%s' (try 'cutover --help')",
		    argv[1]);
	}
	int cargc = argc - 1;
	cmd_common_options(c, &cargc, argv + 1);
	return flushed(c->fn(cargc, argv + 1));
}
