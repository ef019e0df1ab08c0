/* init.c - `cutover init`: write a commented starter plan that lints clean. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../cmd.h"
#include "../lib/error.h"
#include "../lib/ofile.h"
#include "init.h"

static const char usage[] =
"usage: cutover init [--template NAME] [-o FILE] [--force]\n"
"       cutover init --list\n"
"\n"
"Write a starter plan, commented line by line, that `cutover lint` accepts\n"
"as it is: edit its vars, checks and steps, then lint, check, run\n"
"--dry-run, run, report.  Templates:\n"
"\n"
"  sqlite     move an SQLite database to a new file (runs as written once\n"
"             app.db and app.env exist)\n"
"  postgres   move a PostgreSQL database to a new server\n"
"  mysql      move a MariaDB/MySQL database to a new server\n"
"  two-hosts  move a database from the app's host to a private DB host\n"
"\n"
"  -t, --template NAME  the template (default sqlite)\n"
"  -o, --output FILE    where to write it (default plan.yml; - for stdout)\n"
"      --force          replace FILE if it exists\n"
"      --list           list the templates and exit\n"
"  -h, --help           show this help\n"
"\n"
"Exit status: 0 written, 2 bad option or FILE exists (without --force).\n"
"\n"
"Example:\n"
"  cutover init --template postgres -o move.yml && cutover lint move.yml\n";

static int
init_main(int argc, char **argv);

const struct cmd cmd_init = {
	.name = "init",
	.fn = init_main,
	.usage = usage,
	.summary = "write a commented starter plan: sqlite, postgres, mysql, two-hosts",
};

static int
init_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "template", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ "list", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tname = "sqlite", *out = "plan.yml";
	bool force = false, list = false;
	int ch;

	while ((ch = cmd_getopt(&cmd_init, argc, argv, "t:o:h", lo)) != -1) {
		switch (ch) {
		case 't': tname = optarg; break;
		case 'o': out = optarg; break;
		case 'F': force = true; break;
		case 'L': list = true; break;
		}
	}
	if (optind < argc)
		cmd_usage_error(&cmd_init, "unexpected argument '%s'",
		    argv[optind]);

	const char *names[16];
	size_t n = 0;
	while (init_templates[n].name && n < sizeof(names) / sizeof(*names)) {
		names[n] = init_templates[n].name;
		n++;
	}
	if (list) {
		for (size_t i = 0; i < n; i++)
			puts(names[i]);
		return EXIT_GO;
	}
	cmd_choice(&cmd_init, "template", tname, names, n);
	const struct init_template *t = init_templates;
	while (strcmp(t->name, tname) != 0)
		t++;

	if (strcmp(out, "-") == 0) {
		fputs(t->text, stdout);
		return fflush(stdout) == 0 ? EXIT_GO : EXIT_USAGE;
	}
	struct stat st;
	if (!force && lstat(out, &st) == 0) {
		fprintf(stderr, "cutover init: '%s' exists; choose another -o "
		    "or add --force to replace it\n", out);
		return EXIT_USAGE;
	}
	char *err = NULL;
	if (ofile_write(out, t->text, strlen(t->text), &err) == -1) {
		fprintf(stderr, "cutover init: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	fprintf(stderr, "cutover init: wrote %s (template %s); next: "
	    "cutover lint %s\n", out, tname, out);
	return EXIT_GO;
}
