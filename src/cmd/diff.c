/*
 * diff.c - `cutover diff SRC_URL DST_URL`: compare two databases table by
 * table and name every differing row (the engine is src/diff*.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd.h"
#include "../db.h"
#include "../diff.h"
#include "../lib/error.h"
#include "../lib/ofile.h"
#include "../lib/units.h"
#include "../lib/xmalloc.h"

static const char usage[] =
"usage: cutover diff [OPTIONS] SRC_URL DST_URL\n"
"\n"
"Prove that the target database holds exactly the source's rows, and\n"
"name every row that differs.  Works on any pair of PostgreSQL, MariaDB/\n"
"MySQL and SQLite.  Schemas are compared first (missing or extra\n"
"columns, types that change values, keys); then rows, by primary key\n"
"(else a unique NOT NULL index, else --key; without a key a table is\n"
"compared as a multiset).  Each side is read in one consistent snapshot.\n"
"\n"
"  -t, --table T,..          only these tables (default: all tables)\n"
"      --exclude-table T,..  skip these tables\n"
"  -k, --key COLS            row identity, comma-separated (overrides the\n"
"                            primary key)\n"
"      --columns C,..        compare only these columns (and the key)\n"
"      --exclude-columns C,..  do not compare these columns\n"
"  -w, --where SQL           compare only rows satisfying SQL (both sides)\n"
"  -m, --mode MODE           auto (default): checksum for same-engine pairs\n"
"                            with an integer key (PostgreSQL: any key),\n"
"                            stream otherwise;\n"
"                            checksum: hash in the database, read only the\n"
"                            differing chunks; stream: read every row\n"
"  -j, --jobs N              tables compared at once (default 1; each job\n"
"                            has its own connections and snapshot)\n"
"      --max-diffs N         differences listed per table (default 100;\n"
"                            all are counted)\n"
"  -f, --format F            text (default), json, jsonl (one object per\n"
"                            difference as found, then one per table)\n"
"      --float-tolerance X   relative tolerance for floating-point values\n"
"                            (default 0: exact)\n"
"      --show-values         print the differing values (never those of\n"
"                            columns whose name says secret)\n"
"  -q, --quiet               no progress on stderr (by default: a live line\n"
"                            on a terminal, else a line every 5 s)\n"
"      --progress            progress even without a terminal: a line\n"
"                            every second and a last one\n"
"  -o, --output FILE         write there instead of stdout\n"
"      --timeout DUR         connect timeout (default 30s)\n"
"  -h, --help                show this help\n"
"\n"
"Exit status: 0 identical, 1 differences (rows, schema, a table on one\n"
"side only), 2 error (bad arguments, a connection lost mid-diff: never\n"
"reported as identical).\n"
"\n"
"Examples:\n"
"  cutover diff postgres://app@old/shop postgres://app@new/shop\n"
"  cutover diff mysql://root@127.0.0.1/shop?password_env=PW \\\n"
"      postgres://app@new/shop --table users,orders --format jsonl\n"
"  cutover diff sqlite:old.db sqlite:new.db --where \"id > 1000\"\n";

static int
diff_main(int argc, char **argv);

const struct cmd cmd_diff = {
	.name = "diff",
	.fn = diff_main,
	.usage = usage,
	.summary = "compare two databases table by table, name every differing row",
};

static void
on_row(const struct diff_table *t, const struct diff_row *r, void *arg)
{
	diff_print_row_jsonl(arg, t, r);
}

static void
parse_url(const char *s, const char *what, struct url *u)
{
	char *e = NULL;

	if (url_parse(s, u, &e) != 0)
		cmd_usage_error(&cmd_diff, "%s: %s", what, e);
	if (db_driver_for(u->scheme) == NULL)
		cmd_usage_error(&cmd_diff, "%s: '%s' is not a database URL "
		    "(postgres://, mysql://, sqlite:)", what, u->safe);
}

static int
diff_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "table", required_argument, NULL, 't' },
		{ "exclude-table", required_argument, NULL, 'T' },
		{ "key", required_argument, NULL, 'k' },
		{ "columns", required_argument, NULL, 'c' },
		{ "exclude-columns", required_argument, NULL, 'C' },
		{ "where", required_argument, NULL, 'w' },
		{ "mode", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-diffs", required_argument, NULL, 'M' },
		{ "format", required_argument, NULL, 'f' },
		{ "float-tolerance", required_argument, NULL, 'F' },
		{ "show-values", no_argument, NULL, 'V' },
		{ "progress", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "output", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diff_opts o;
	const char *format = "text", *output = NULL;
	long long n;
	char *e = NULL, *end;
	int ch;
	enum diff_progress_mode progress = DIFF_PROGRESS_AUTO;
	bool quiet = false;

	diff_opts_init(&o);
	while ((ch = cmd_getopt(&cmd_diff, argc, argv, "t:k:w:m:j:f:o:qh",
	    lo)) != -1) {
		switch (ch) {
		case 't': strlist_split(&o.tables, optarg, ','); break;
		case 'T': strlist_split(&o.exclude_tables, optarg, ','); break;
		case 'k': strlist_split(&o.key, optarg, ','); break;
		case 'c': strlist_split(&o.columns, optarg, ','); break;
		case 'C': strlist_split(&o.exclude_columns, optarg, ','); break;
		case 'w': o.where = optarg; break;
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'V': o.show_values = true; break;
		case 'P': progress = DIFF_PROGRESS_ON; break;
		case 'q': quiet = true; break;
		case 'm':
			if (strcmp(optarg, "auto") == 0)
				o.mode = DIFF_AUTO;
			else if (strcmp(optarg, "checksum") == 0)
				o.mode = DIFF_CHECKSUM;
			else if (strcmp(optarg, "stream") == 0)
				o.mode = DIFF_STREAM;
			else
				cmd_usage_error(&cmd_diff, "--mode: '%s' is not "
				    "auto, checksum or stream", optarg);
			break;
		case 'j':
			if (parse_int(optarg, 1, 64, &n, &e) != 0)
				cmd_usage_error(&cmd_diff, "--jobs: %s", e);
			o.jobs = (int)n;
			break;
		case 'M':
			if (parse_int(optarg, 0, 1000000000, &n, &e) != 0)
				cmd_usage_error(&cmd_diff, "--max-diffs: %s", e);
			o.max_diffs = n;
			break;
		case 'F':
			o.float_tol = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' ||
			    !(o.float_tol >= 0) || o.float_tol >= 1)
				cmd_usage_error(&cmd_diff, "--float-tolerance: "
				    "'%s' is not a number in [0, 1)", optarg);
			break;
		case 'D':
			if (parse_duration(optarg, &o.timeout_us, &e) != 0)
				cmd_usage_error(&cmd_diff, "--timeout: %s", e);
			break;
		}
	}
	if (!diff_format_ok(format))
		cmd_usage_error(&cmd_diff, "unknown format '%s' (text, json, "
		    "jsonl)", format);
	if (argc - optind != 2)
		cmd_usage_error(&cmd_diff, argc - optind < 2 ?
		    "missing SRC_URL and DST_URL" : "expected two URLs, got %d "
		    "arguments", argc - optind);
	if (quiet && progress == DIFF_PROGRESS_ON)
		cmd_usage_error(&cmd_diff, "--quiet and --progress contradict "
		    "each other");
	o.progress = quiet ? DIFF_PROGRESS_OFF : progress;
	if (o.where && *o.where == '\0')
		cmd_usage_error(&cmd_diff, "--where: empty predicate");

	struct url src, dst;
	parse_url(argv[optind], "SRC_URL", &src);
	parse_url(argv[optind + 1], "DST_URL", &dst);

	/* Differing rows are data: 0600, whole or not at all. */
	FILE *out = stdout;
	struct ofile of;
	if (output) {
		if (ofile_open(&of, output, &e) != 0)
			die(EXIT_USAGE, "%s", e);
		out = of.f;
	}
	if (strcmp(format, "jsonl") == 0) {
		o.on_row = on_row;
		o.arg = out;
	}
	struct diff_result r;
	int rc;
	if (diff_run(&src, &dst, &o, &r, &e) != 0) {
		errmsg("diff: %s", e);
		rc = EXIT_USAGE;
	} else {
		diff_print(out, &r, format);
		rc = diff_exit(&r);
	}
	if (output && ofile_commit(&of, &e) != 0)
		die(EXIT_USAGE, "%s", e);
	diff_result_free(&r);
	diff_opts_release(&o);
	url_free(&src);
	url_free(&dst);
	free(e);
	return rc;
}
