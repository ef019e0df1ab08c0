/*
 * serve.c - `cutover serve PLAN`: the dashboard, /metrics, /health and
 * /api/status of a plan's journal, in the foreground until SIGTERM or
 * SIGINT.  The server is serve.c's; this file reads options and waits.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "../cmd.h"
#include "../lib/error.h"
#include "../plan.h"
#include "../runbook.h"
#include "../serve.h"

static const char usage[] =
"usage: cutover serve [OPTIONS] PLAN\n"
"\n"
"Serve the live view of PLAN's latest run, read from its journal while\n"
"'cutover run' writes it (never a write, never a lock held):\n"
"  /             the dashboard: verdict, state, phase and step, window\n"
"                clock, downtime so far, the gate and its results, every\n"
"                check's last status, the risk matrix, the timeline;\n"
"                updates itself every 2 s (reloads every 10 s without\n"
"                JavaScript)\n"
"  /metrics      Prometheus text format\n"
"  /health       200 and a small JSON while the journal is readable,\n"
"                503 otherwise\n"
"  /api/status   what 'cutover status --format json' prints\n"
"\n"
"  -l, --listen ADDR:PORT   where to listen (default " SERVE_DEFAULT_LISTEN ");\n"
"                           [::1]:PORT for IPv6; port 0 picks a free one\n"
"      --token-env NAME     require the token in variable NAME: header\n"
"                           'Authorization: Bearer TOKEN' or ?token=TOKEN\n"
"      --basic-auth-env NAME  require basic auth USER:PASSWORD from NAME\n"
"      --tls-cert FILE      serve HTTPS with this PEM certificate (chain)\n"
"      --tls-key FILE       and this PEM key\n"
"      --max-conns N        connections at once (default 512; a quarter\n"
"                           of them per client address)\n"
"  -s, --state FILE         the journal (default .cutover/NAME.db beside PLAN)\n"
"  -h, --help               show this help\n"
"\n"
"Loopback addresses (127.0.0.0/8, ::1) are served without credentials;\n"
"any other address requires --token-env or --basic-auth-env.  HTTPS is\n"
"built in (libmicrohttpd with GnuTLS); to serve where this build has no\n"
"TLS, listen on loopback behind a reverse proxy (README: Caddy example).\n"
"Connections idle for 10 s are closed; request headers over 32 KiB get\n"
"431.  The URL is printed on stderr once listening.\n"
"\n"
"Exit status: 0 stopped by SIGTERM or SIGINT; 2 bad input (plan, options,\n"
"address in use).\n"
"\n"
"Examples:\n"
"  cutover serve plan.yml\n"
"  DASH_TOKEN=$(openssl rand -hex 16) cutover serve plan.yml \\\n"
"      --listen 0.0.0.0:9477 --token-env DASH_TOKEN\n";

static int
serve_main(int argc, char **argv);

const struct cmd cmd_serve = {
	.name = "serve",
	.fn = serve_main,
	.usage = usage,
	.summary = "serve the dashboard, /metrics and /health of a run",
	.env_later = true,
	.reads_plan = true,
};

static int
serve_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "token-env", required_argument, NULL, 'T' },
		{ "basic-auth-env", required_argument, NULL, 'B' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "max-conns", required_argument, NULL, 'M' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve_opts o = { 0 };
	const char *state = NULL;
	char *e = NULL;
	int ch;

	while ((ch = cmd_getopt(&cmd_serve, argc, argv, "l:s:h", lo)) != -1) {
		switch (ch) {
		case 'l': o.listen = optarg; break;
		case 'T': o.token_env = optarg; break;
		case 'B': o.basic_env = optarg; break;
		case 'C': o.tls_cert = optarg; break;
		case 'K': o.tls_key = optarg; break;
		case 's': state = optarg; break;
		case 'M':
			o.max_conns = (unsigned)cmd_jobs(&cmd_serve, optarg);
			break;
		}
	}
	if (serve_opts_check(&o, &e) != 0)
		cmd_usage_error(&cmd_serve, "%s", e);
	struct plan *p = cmd_plan_arg(&cmd_serve, argc, argv, false);
	char *path = runbook_journal_path(p, state);

	/* Signals are taken by sigwait here, never by a handler. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct server *s = serve_start(p, path, &o, &e);
	if (s == NULL) {
		errmsg("serve: %s", e);
		free(e);
		free(path);
		plan_free(p);
		return EXIT_USAGE;
	}
	fprintf(stderr, "cutover serve: %s (journal %s)\n", serve_url(s), path);
	int sig = 0;
	sigwait(&set, &sig);
	serve_stop(s);
	fprintf(stderr, "cutover serve: stopped by signal %d\n", sig);
	free(path);
	plan_free(p);
	return EXIT_GO;
}
