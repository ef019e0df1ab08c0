/*
 * diff.c - `cutover diff SRC_URL DST_URL`: compare two databases table by
 * table and name every differing row (the engine is src/diff*.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cmd.h"
#include "../db.h"
#include "../diff.h"
#include "../diff_repair.h"
#include "../lib/error.h"
#include "../lib/ofile.h"
#include "../lib/redact.h"
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
"                            with a key (any key), stream otherwise;\n"
"                            checksum: hash in the database, read only the\n"
"                            differing chunks; stream: read every row\n"
"  -j, --jobs N              connection pairs at once (default 1): tables\n"
"                            side by side, a table with an integer key in\n"
"                            key ranges; same answer as one job\n"
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
"Repair (make the target equal to the source, row by row):\n"
"      --repair-sql FILE     write the statements (DELETE extra rows,\n"
"                            INSERT missing ones, UPDATE changed columns)\n"
"                            in the target's SQL, for its own client\n"
"      --apply               execute them on the target, then compare the\n"
"                            repaired tables again; asks first on a\n"
"                            terminal\n"
"  -y, --yes                 apply without asking (required without a\n"
"                            terminal)\n"
"      --repair-chunk N      statements per transaction (default 500)\n"
"Tables without a key, on one side only, or whose comparison failed are\n"
"not repaired (each is named, with the reason).\n"
"\n"
"Exit status: 0 identical (after --apply: the repaired tables compare\n"
"identical and nothing was left unrepaired), 1 differences (rows, schema,\n"
"a table on one side only), 2 error (bad arguments, a connection lost\n"
"mid-diff: never reported as identical).\n"
"\n"
"Examples:\n"
"  cutover diff postgres://app@old/shop postgres://app@new/shop\n"
"  cutover diff mysql://root@127.0.0.1/shop?password_env=PW \\\n"
"      postgres://app@new/shop --table users,orders --format jsonl\n"
"  cutover diff sqlite:old.db sqlite:new.db --where \"id > 1000\"\n"
"  cutover diff postgres://app@old/shop mysql://app@new/shop \\\n"
"      --repair-sql fix.sql          # review, then: mariadb shop < fix.sql\n"
"  cutover diff postgres://app@old/shop postgres://app@new/shop --apply\n";

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

/* Options that only make sense together, refused before any work. */
static void
repair_check(const struct diff_opts *o, const char *sql, bool apply,
    bool yes, bool chunk_set)
{
	bool on = sql || apply;

	if (on && (o->columns.n || o->exclude_columns.n))
		cmd_usage_error(&cmd_diff, "%s: --columns and "
		    "--exclude-columns would insert partial rows",
		    sql ? "--repair-sql" : "--apply");
	if (yes && !apply)
		cmd_usage_error(&cmd_diff, "--yes: only with --apply");
	if (chunk_set && !on)
		cmd_usage_error(&cmd_diff, "--repair-chunk: only with "
		    "--repair-sql or --apply");
	if (apply && !yes && !isatty(0))
		cmd_usage_error(&cmd_diff, "--apply changes the target: run it "
		    "on a terminal to confirm, or pass --yes");
}

/* The counts, then y/N on the terminal. */
static bool
confirm(const struct url *dst, const struct repair_counts *c)
{
	char line[16];
	size_t n = 0;

	fprintf(stderr, "repair %s: DELETE %lld, UPDATE %lld, INSERT %lld in "
	    "%lld transaction(s) on %zu table(s).  Apply? [y/N] ", dst->safe,
	    c->del, c->upd, c->ins, c->tx, c->tables);
	fflush(stderr);
	for (;;) {
		char ch;
		if (read(0, &ch, 1) != 1 || ch == '\n')
			break;
		if (n < sizeof(line) - 1)
			line[n++] = ch;
	}
	line[n] = '\0';
	return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 ||
	    strcmp(line, "yes") == 0;
}

/*
 * After the diff: write and/or apply the repair, then compare the
 * repaired tables again.  Returns the exit status.
 */
static int
repair_run(struct repair *rp, const struct diff_result *r,
    const struct diff_opts *o, const struct url *src, const struct url *dst,
    const char *sql, struct ofile *of, bool apply, bool yes, int rc)
{
	struct repair_counts c;
	char *e = NULL;

	repair_settle(rp, r, stderr);
	repair_count(rp, &c);
	if (sql) {
		if (repair_write(rp, of->f, r->src, r->dst, &e) != 0) {
			ofile_abort(of);
			die(EXIT_USAGE, "%s", e);
		}
		if (ofile_commit(of, &e) != 0)
			die(EXIT_USAGE, "%s", e);
	}
	fprintf(stderr, "repair: DELETE %lld, UPDATE %lld, INSERT %lld in "
	    "%lld transaction(s)%s%s\n", c.del, c.upd, c.ins, c.tx,
	    sql ? ", written to " : "", sql ? sql : "");
	if (!apply)
		return rc;
	if (c.tables == 0) {
		fprintf(stderr, "repair: nothing to apply\n");
		return rc;
	}
	if (!yes && !confirm(dst, &c)) {
		fprintf(stderr, "repair: not applied\n");
		return EXIT_NOGO;
	}
	if (repair_apply(rp, dst, o->timeout_us, stderr, &e) != 0) {
		errmsg("repair: %s", e);
		free(e);
		return EXIT_USAGE;
	}

	/* Re-verify: the repaired tables, compared afresh. */
	struct diff_opts v = *o;
	struct diff_result r2;
	memset(&v.tables, 0, sizeof(v.tables));
	memset(&v.exclude_tables, 0, sizeof(v.exclude_tables));
	v.on_row = NULL;
	v.arg = NULL;
	v.repair = NULL;
	v.progress = false;
	repair_tables(rp, &v.tables);
	if (diff_run(src, dst, &v, &r2, &e) != 0) {
		errmsg("repair: re-verification: %s", e);
		free(e);
		strlist_release(&v.tables);
		return EXIT_USAGE;
	}
	char *sum = diff_summary(&r2), *red = redact(sum);
	fprintf(stderr, "repair: re-verified %s\n", red);
	free(red);
	free(sum);
	int vr = diff_exit(&r2);
	/* Tables left as they were keep their verdict. */
	for (size_t i = 0; i < r->n && vr != EXIT_USAGE; i++) {
		const struct diff_table *t = &r->t[i];
		if (t->status == DIFF_IDENTICAL || strlist_has(&v.tables,
		    t->name))
			continue;
		vr = t->status == DIFF_ERROR ? EXIT_USAGE : EXIT_NOGO;
	}
	diff_result_free(&r2);
	strlist_release(&v.tables);
	return vr;
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
		{ "repair-sql", required_argument, NULL, 'R' },
		{ "apply", no_argument, NULL, 'A' },
		{ "yes", no_argument, NULL, 'y' },
		{ "repair-chunk", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diff_opts o;
	const char *format = "text", *output = NULL, *repair_sql = NULL;
	bool apply = false, yes = false, chunk_set = false;
	long long chunk = 500;
	long long n;
	char *e = NULL, *end;
	int ch;
	enum diff_progress_mode progress = DIFF_PROGRESS_AUTO;
	bool quiet = false;

	diff_opts_init(&o);
	while ((ch = cmd_getopt(&cmd_diff, argc, argv, "t:k:w:m:j:f:o:yqh",
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
		case 'R': repair_sql = optarg; break;
		case 'A': apply = true; break;
		case 'y': yes = true; break;
		case 'N':
			if (parse_int(optarg, 1, 1000000, &chunk, &e) != 0)
				cmd_usage_error(&cmd_diff,
				    "--repair-chunk: %s", e);
			chunk_set = true;
			break;
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
	repair_check(&o, repair_sql, apply, yes, chunk_set);

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
	/* The script's file first: a path that cannot be written fails now. */
	struct repair *rp = NULL;
	struct ofile rof;
	if (repair_sql && ofile_open(&rof, repair_sql, &e) != 0)
		die(EXIT_USAGE, "%s", e);
	if (repair_sql || apply)
		o.repair = rp = repair_new(chunk);
	struct diff_result r;
	int rc;
	bool ran = false;
	if (diff_run(&src, &dst, &o, &r, &e) != 0) {
		errmsg("diff: %s", e);
		rc = EXIT_USAGE;
	} else {
		diff_print(out, &r, format);
		rc = diff_exit(&r);
		ran = true;
	}
	if (output && ofile_commit(&of, &e) != 0)
		die(EXIT_USAGE, "%s", e);
	if (rp && ran)
		rc = repair_run(rp, &r, &o, &src, &dst, repair_sql, &rof, apply,
		    yes, rc);
	else if (repair_sql)
		ofile_abort(&rof);
	repair_free(rp);
	diff_result_free(&r);
	diff_opts_release(&o);
	url_free(&src);
	url_free(&dst);
	free(e);
	return rc;
}
