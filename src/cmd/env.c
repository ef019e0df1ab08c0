/*
 * env.c - `cutover env check|diff`: .env completeness, placeholders, weak
 * secrets, drift (envcheck.h does the work).  Values are never printed.
 * The verbs are declared in verbs[] below, each a struct cmd of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd.h"
#include "../envcheck.h"
#include "../lib/buf.h"
#include "../lib/error.h"
#include "../lib/json.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"

static int env_main(int argc, char **argv);
static int check_main(int argc, char **argv);
static int diff_main(int argc, char **argv);

static const char usage[] =
"usage: cutover env check FILE.. [--require K,..] [--schema FILE]\n"
"       cutover env diff OLD NEW [--expect-changed K,..]\n"
"\n"
"Check .env files and compare them without ever printing a value.\n"
"See 'cutover env check --help' and 'cutover env diff --help'.\n";

const struct cmd cmd_env = {
	.name = "env",
	.fn = env_main,
	.usage = usage,
	.summary = "env files: completeness, placeholders, weak secrets, drift",
};

static const char check_usage[] =
"usage: cutover env check FILE.. [OPTIONS]\n"
"\n"
"Parse each .env file (comments, export, quotes, escapes, multi-line\n"
"values, CRLF, BOM; ${REF}s reported, not expanded) and report, one line\n"
"each as FILE:LINE: SEVERITY: KEY: message:\n"
"  fail  a required key missing or empty; a placeholder (REPLACE_ME,\n"
"        CHANGEME, <...>, your-...-here, xxx, todo, example; any case);\n"
"        a weak secret (a key named *PASSWORD*, *SECRET*, *TOKEN*, *_KEY\n"
"        with a value under 32 characters or of low entropy); a file\n"
"        readable by group or others; APP_DEBUG=true-style flags in a\n"
"        production file; a schema rule broken\n"
"  warn  a duplicate key; an empty value; a reference to an undefined key\n"
"  info  a ${REF} to a key the file defines; a bare KEY (no '='), which\n"
"        docker compose takes from the environment\n"
"\n"
"A file is production when --production is given, the schema says\n"
"'production: true', or APP_ENV/NODE_ENV/RAILS_ENV/... is 'production'.\n"
"\n"
"  -r, --require K,..   keys that must be present and non-empty\n"
"  -s, --schema FILE    a YAML schema: production, require, secrets, and\n"
"                       keys: {KEY: {required, secret, pattern, values,\n"
"                       min_length}}\n"
"      --production     treat the files as production\n"
"      --expand         expand ${REF}s (from keys above, never from the\n"
"                       environment) before judging values\n"
"  -f, --format F       text (default) or json\n"
"      --strict         warnings fail too (exit 1)\n"
"  -h, --help           show this help\n"
"\n"
"Exit status: 0 nothing failed, 1 a finding failed, 2 a malformed file.\n"
"\n"
"Example:\n"
"  cutover env check .env --require APP_KEY,DB_PASSWORD --production\n";

static const char diff_usage[] =
"usage: cutover env diff OLD NEW [OPTIONS]\n"
"\n"
"List the keys added, removed and changed between two .env files, values\n"
"never printed: a changed secret shows as 'changed (length 24 -> 40)'.\n"
"Without --expect-changed any difference exits 1.  With it, a listed key\n"
"that did NOT change fails, and so does any change to an unlisted key\n"
"(drift): exit 0 means exactly the expected keys changed.\n"
"\n"
"  -e, --expect-changed K,..  keys that must change\n"
"  -a, --all            list unchanged keys too\n"
"      --expand         compare values with ${REF}s expanded\n"
"  -f, --format F       text (default) or json\n"
"  -h, --help           show this help\n"
"\n"
"Example:\n"
"  cutover env diff vps1.env vps2.env --expect-changed DB_HOST,REDIS_HOST\n";

static const struct cmd verb_check = {
	.name = "env check",
	.fn = check_main,
	.usage = check_usage,
	.summary = "check .env files",
};

static const struct cmd verb_diff = {
	.name = "env diff",
	.fn = diff_main,
	.usage = diff_usage,
	.summary = "compare two .env files, values never printed",
};

/* The nested verbs: dispatch, suggestions and help come from here. */
static const struct cmd *const verbs[] = { &verb_check, &verb_diff };
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static bool
json_format(const struct cmd *c, const char *f)
{
	if (strcmp(f, "json") == 0)
		return true;
	if (strcmp(f, "text") != 0)
		cmd_usage_error(c, "unknown format '%s' (text, json)", f);
	return false;
}

static void
print_finding_text(const char *file, const struct env_finding *f)
{
	if (f->line)
		printf("%s:%d: ", file, f->line);
	else
		printf("%s: ", file);
	printf("%s: %s%s%s\n", env_sev_name(f->sev), f->key ? f->key : "",
	    f->key ? ": " : "", f->msg);
}

static int
check_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "require", required_argument, NULL, 'r' },
		{ "schema", required_argument, NULL, 's' },
		{ "production", no_argument, NULL, 'P' },
		{ "expand", no_argument, NULL, 'E' },
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "strict", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct strlist req = STRLIST_INIT;
	const char *schema_file = NULL;
	struct env_schema schema;
	bool quiet = false, strict = false, json = false, expand = false;
	int production = -1, ch;
	char *e = NULL;

	while ((ch = cmd_getopt(&verb_check, argc, argv, "r:s:f:qh", lo)) != -1) {
		switch (ch) {
		case 'r': strlist_split(&req, optarg, ','); break;
		case 's': schema_file = optarg; break;
		case 'P': production = 1; break;
		case 'E': expand = true; break;
		case 'f': json = json_format(&verb_check, optarg); break;
		case 'q': quiet = true; break;
		case 'S': strict = true; break;
		}
	}
	if (optind >= argc)
		cmd_usage_error(&verb_check, "missing FILE");
	if (schema_file && env_schema_load(schema_file, &schema, &e) != 0) {
		fprintf(stderr, "%s\n", e);
		free(e);
		env_schema_release(&schema);
		strlist_release(&req);
		return EXIT_USAGE;
	}
	/* Parse every file first: a malformed one is bad input (exit 2). */
	size_t nf = (size_t)(argc - optind);
	struct env_file *files = xcalloc(nf, sizeof(*files));
	int rc = EXIT_GO;
	for (size_t i = 0; i < nf; i++) {
		if (dotenv_load(argv[optind + (int)i], &files[i], &e) != 0 ||
		    (expand && dotenv_expand(&files[i], &e) != 0)) {
			fprintf(stderr, "%s\n", e);
			free(e);
			e = NULL;
			rc = EXIT_USAGE;
		}
	}
	struct buf js = BUF_INIT;
	if (json) {
		json_open(&js);
		buf_adds(&js, ",\"files\":[");
	}
	for (size_t i = 0; i < nf && rc != EXIT_USAGE; i++) {
		const char *path = argv[optind + (int)i];
		struct env_check_opts o = { .require = &req,
			.schema = schema_file ? &schema : NULL,
			.production = production, .path = path,
			.expanded = expand, .earlier = files, .nearlier = i };
		struct env_findings fs;
		env_check(&files[i], &o, &fs);
		if (json) {
			buf_adds(&js, i ? ",{\"file\":" : "{\"file\":");
			json_str(&js, path);
			buf_addf(&js, ",\"keys\":%zu,\"failed\":%zu,\"warnings\":"
			    "%zu,\"findings\":[", files[i].n, fs.nfail, fs.nwarn);
		}
		size_t shown = 0;
		for (size_t j = 0; j < fs.n; j++) {
			const struct env_finding *f = &fs.v[j];
			if (quiet && f->sev == ENV_INFO)
				continue;
			if (!json) {
				print_finding_text(path, f);
				continue;
			}
			buf_adds(&js, shown++ ? ",{" : "{");
			buf_addf(&js, "\"line\":%d,\"key\":", f->line);
			if (f->key)
				json_str(&js, f->key);
			else
				buf_adds(&js, "null");
			buf_adds(&js, ",\"severity\":");
			json_str(&js, env_sev_name(f->sev));
			buf_adds(&js, ",\"code\":");
			json_str(&js, f->code);
			buf_adds(&js, ",\"message\":");
			json_str(&js, f->msg);
			buf_addc(&js, '}');
		}
		if (json)
			buf_adds(&js, "]}");
		else
			printf("%s: %zu key%s, %zu failed, %zu warning%s\n",
			    path, files[i].n, PLURAL(files[i].n), fs.nfail,
			    fs.nwarn, PLURAL(fs.nwarn));
		if (fs.nfail || (strict && fs.nwarn))
			rc = EXIT_NOGO;
		env_findings_release(&fs);
	}
	if (json && rc != EXIT_USAGE) {
		buf_adds(&js, "]}\n");
		fputs(js.s, stdout);
	}
	buf_release(&js);
	for (size_t i = 0; i < nf; i++)
		dotenv_release(&files[i]);
	free(files);
	if (schema_file)
		env_schema_release(&schema);
	strlist_release(&req);
	return rc;
}

static int
diff_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "expect-changed", required_argument, NULL, 'e' },
		{ "all", no_argument, NULL, 'a' },
		{ "expand", no_argument, NULL, 'E' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct strlist expect = STRLIST_INIT;
	bool has_expect = false, all = false, json = false, expand = false;
	/* Zeroed: when OLD fails to load, NEW is released unread. */
	struct env_file a = { 0 }, b = { 0 };
	char *e = NULL;
	int ch;

	while ((ch = cmd_getopt(&verb_diff, argc, argv, "e:af:h", lo)) != -1) {
		switch (ch) {
		case 'e':
			strlist_split(&expect, optarg, ',');
			has_expect = true;
			break;
		case 'a': all = true; break;
		case 'E': expand = true; break;
		case 'f': json = json_format(&verb_diff, optarg); break;
		}
	}
	if (argc - optind != 2)
		cmd_usage_error(&verb_diff, "expected OLD and NEW, got %d file%s",
		    argc - optind, argc - optind == 1 ? "" : "s");
	if (dotenv_load(argv[optind], &a, &e) != 0 ||
	    dotenv_load(argv[optind + 1], &b, &e) != 0 ||
	    (expand && (dotenv_expand(&a, &e) != 0 ||
	    dotenv_expand(&b, &e) != 0))) {
		fprintf(stderr, "%s\n", e);
		free(e);
		dotenv_release(&a);
		dotenv_release(&b);
		strlist_release(&expect);
		return EXIT_USAGE;
	}
	struct env_diff_row *rows;
	size_t n, count[ENV_NCHANGES] = { 0 };
	size_t problems = env_diff(&a, &b, has_expect ? &expect : NULL, &rows,
	    &n);
	struct buf js = BUF_INIT;
	json_open(&js);
	buf_adds(&js, ",\"keys\":[");
	for (size_t i = 0; i < n; i++) {
		const struct env_diff_row *r = &rows[i];
		count[r->change]++;
		if (json) {
			buf_adds(&js, i ? ",{\"key\":" : "{\"key\":");
			json_str(&js, r->key);
			buf_addf(&js, ",\"change\":\"%s\",\"old_length\":%zu,"
			    "\"new_length\":%zu,\"problem\":%s",
			    env_change_name(r->change), r->oldlen, r->newlen,
			    r->problem ? "true" : "false");
			if (r->note) {
				buf_adds(&js, ",\"note\":");
				json_str(&js, r->note);
			}
			buf_addc(&js, '}');
			continue;
		}
		if (r->change == ENV_UNCHANGED && !all && !r->problem)
			continue;
		static const char mark[] = "+-~ !";
		printf("%c %s: %s", r->note ? '!' : mark[r->change], r->key,
		    env_change_name(r->change));
		if (r->change == ENV_CHANGED)
			printf(" (length %zu -> %zu)", r->oldlen, r->newlen);
		if (r->note)
			printf(": %s", r->note);
		putchar('\n');
	}
	if (json) {
		buf_addf(&js, "],\"added\":%zu,\"removed\":%zu,\"changed\":%zu,"
		    "\"unchanged\":%zu,\"problems\":%zu}\n", count[ENV_ADDED],
		    count[ENV_REMOVED], count[ENV_CHANGED], count[ENV_UNCHANGED],
		    problems);
		fputs(js.s, stdout);
	} else {
		printf("%zu added, %zu removed, %zu changed, %zu unchanged%s\n",
		    count[ENV_ADDED], count[ENV_REMOVED], count[ENV_CHANGED],
		    count[ENV_UNCHANGED], problems && has_expect ?
		    "; not as expected" : "");
	}
	buf_release(&js);
	env_diff_release(rows, n);
	dotenv_release(&a);
	dotenv_release(&b);
	strlist_release(&expect);
	return problems ? EXIT_NOGO : EXIT_GO;
}

static int
env_main(int argc, char **argv)
{
	return cmd_verbs(&cmd_env, verbs, NVERBS, argc, argv);
}
