/*
 * check.c - `cutover check PLAN`: run checks once, concurrently, and print
 * the results in one of the output formats.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "../hosts.h"
#include "../cmd.h"
#include "../lib/error.h"
#include "../lib/ofile.h"
#include "../lib/proc.h"
#include "../lib/redact.h"
#include "../lib/xmalloc.h"
#include "../out.h"
#include "../plan.h"

static const char usage[] =
"usage: cutover check [OPTIONS] PLAN\n"
"\n"
"Run the plan's checks once, concurrently, each within its timeout, and\n"
"print one result per check: status (pass, warn, fail, skip), observed\n"
"value, the threshold it was judged against, attempts, duration and a\n"
"message.\n"
"\n"
"  -p, --phase P      only the checks of phase P (its checks and gate)\n"
"      --only IDS     only these checks (comma-separated); checks they\n"
"                     need are run too\n"
"  -f, --format F     text (default), json, junit, tap, prometheus,\n"
"                     nagios (a plugin's status line, perfdata and exit\n"
"                     status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN,\n"
"                     bad input included)\n"
"  -o, --output FILE  write the results to FILE instead of stdout\n"
"  -j, --jobs N       checks run at once (default 16)\n"
"      --strict       exit 1 on warnings too\n"
"      --kinds        list the check kinds and exit\n"
"      --hosts        connect to each host of the plan's hosts: and say\n"
"                   whether it is reachable and runs this cutover\n"
"  -h, --help         show this help\n"
"\n"
"Exit status: 0 nothing failed, 1 a check failed (or warned, with\n"
"--strict), 2 bad input, 130/143 interrupted by SIGINT/SIGTERM (running\n"
"commands are killed with their process groups).\n"
"\n"
"Example:\n"
"  cutover check plan.yml --phase preflight --format junit -o checks.xml\n";

static int
check_main(int argc, char **argv);

const struct cmd cmd_check = {
	.name = "check",
	.fn = check_main,
	.usage = usage,
	.summary = "run checks once, in parallel, each with a timeout",
	.reads_plan = true,
	.plan_stdin = true,
};

/*
 * Ctrl-C or a TERM must not leave a check's command running: it sits in a
 * process group of its own, out of the terminal's reach.  Kill those
 * groups, then die of the same signal (exit 130, 143) as the shell expects.
 */
/* The temporary file -o writes, removed if a signal ends us first. */
/* The -o file being written: a signal removes its temporary. */
static struct ofile ofile;

static void
on_signal(int sig)
{
	proc_kill_all(SIGKILL);
	if (ofile.tmp)
		unlink(ofile.tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
list_kinds(void)
{
	size_t n;
	const char *const *names = check_kind_names(&n);

	for (size_t i = 0; i < n; i++) {
		const struct check_kind *k = check_kind_find(names[i]);
		printf("%-12s %s\n", k->name, k->summary);
	}
}

static int
check_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "phase", required_argument, NULL, 'p' },
		{ "only", required_argument, NULL, 'O' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 'S' },
		{ "kinds", no_argument, NULL, 'K' },
		{ "hosts", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *phase = NULL, *only = NULL, *format = "text", *output = NULL;
	long long jobs = CHECK_DEFAULT_JOBS;
	bool strict = false, hosts = false;
	int ch;
	char *e = NULL;

	/*
	 * A Nagios plugin reports bad arguments as UNKNOWN: look for the
	 * format before anything can fail, so that every error exits 3.
	 */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--format=nagios") == 0 ||
		    strcmp(argv[i], "-fnagios") == 0 ||
		    (i + 1 < argc && strcmp(argv[i + 1], "nagios") == 0 &&
		    (strcmp(argv[i], "-f") == 0 ||
		    strcmp(argv[i], "--format") == 0)))
			usage_status_set(out_find("nagios")->usage_status);
	while ((ch = cmd_getopt(&cmd_check, argc, argv, "p:f:o:j:h", lo)) != -1) {
		switch (ch) {
		case 'p': phase = optarg; break;
		case 'O': only = optarg; break;
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'S': strict = true; break;
		case 'K': list_kinds(); return EXIT_GO;
		case 'H': hosts = true; break;
		case 'j': jobs = cmd_jobs(&cmd_check, optarg); break;
		}
	}
	size_t nformats;
	const char *const *formats = out_names(&nformats);
	cmd_choice(&cmd_check, "format", format, formats, nformats);
	const struct out_format *fmt = out_find(format);
	struct plan *p = cmd_plan_arg(&cmd_check, argc, argv, false);
	if (hosts)
		return hosts_preflight(p, stdout);

	/* Selection: a phase's checks and gate, then --only within it. */
	struct check **sel = xcalloc(p->nchecks + 1, sizeof(*sel));
	size_t nsel = 0;
	const struct phase *ph = NULL;
	if (phase) {
		ph = plan_phase(p, phase);
		if (ph == NULL)
			die(EXIT_USAGE, "%s: no phase '%s'", p->file, phase);
	}
	struct strlist ids = STRLIST_INIT;
	if (only) {
		strlist_split(&ids, only, ',');
		if (ids.n == 0)
			cmd_usage_error(&cmd_check, "--only needs check ids, "
			    "comma-separated");
		for (size_t i = 0; i < ids.n; i++) {
			if (plan_check(p, ids.v[i]) != NULL)
				continue;
			const char *cand[256];
			size_t k = 0;
			for (; k < p->nchecks && k < 255; k++)
				cand[k] = p->checks[k].id;
			const char *near = nearest(ids.v[i], cand, k);
			die(EXIT_USAGE, "%s: no check '%s'%s%s%s", p->file, ids.v[i],
			    near ? " (did you mean '" : "", near ? near : "",
			    near ? "'?)" : "");
		}
	}
	for (size_t i = 0; i < p->nchecks; i++) {
		struct check *c = &p->checks[i];
		if (ph && !strlist_has(&ph->checks, c->id) &&
		    !strlist_has(&ph->gate, c->id))
			continue;
		if (only && !strlist_has(&ids, c->id))
			continue;
		sel[nsel++] = c;
	}
	strlist_release(&ids);
	/* Zero checks would read as "all passed": say what went wrong. */
	if (only && ph && nsel == 0)
		die(EXIT_USAGE, "%s: none of the --only checks is in phase '%s'",
		    p->file, ph->id);

	/*
	 * -o goes through the safe writer: a temporary renamed into place, so
	 * node_exporter's textfile collector or a CI step never reads half a
	 * file; 0600; never through a symbolic link.
	 */
	FILE *out = stdout;
	if (output) {
		if (ofile_open(&ofile, output, &e) != 0)
			die(EXIT_USAGE, "%s", e);
		out = ofile.f;
	}

	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa = { .sa_handler = on_signal }, old;
		/* A signal ignored by whoever started us (nohup, &) stays so. */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}

	char *plan_name = redact(p->name);
	/* -q: only problems and the summary, so no live line either. */
	struct run_opts ro = { .jobs = (int)jobs,
	    .live = out_verbosity() != V_QUIET };
	struct out_ctx cx = {
		/* A name may interpolate a var, even a secret one. */
		.plan_name = plan_name,
		.color = fmt == out_find("text") && out_want_color(out),
		.started_wall_us = now_wall_us(),
	};
	int64_t t0 = now_mono_us();
	size_t nres = 0;
	struct result *rs = check_run_all(p, sel, nsel, &ro, &nres);
	cx.duration_us = now_mono_us() - t0;
	results_redact(rs, nres);
	fmt->emit(out, rs, nres, &cx);

	enum status worst = results_worst(rs, nres);
	int rc = worst == ST_FAIL || (strict && worst == ST_WARN) ?
	    EXIT_NOGO : EXIT_GO;
	if (fmt->exit_status)
		rc = fmt->exit_status(rs, nres, strict);
	if (output && ofile_commit(&ofile, &e) != 0)
		die(EXIT_USAGE, "%s", e);
	results_free(rs, nres);
	free(plan_name);
	free(sel);
	/*
	 * A check that overran its timeout may still be running in an
	 * abandoned thread that reads the plan: leave it to process exit.
	 */
	return rc;
}
