/*
 * secrets.c - `cutover secrets scan PATH..` (and `secrets rules`): find
 * credentials committed to files (secrets.h does the work).  Output as
 * text lines FILE:LINE:COL: rule-id: <masked match>, JSON, or SARIF
 * 2.1.0 for code-scanning services.  The verbs are declared in verbs[].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd.h"
#include "../lib/buf.h"
#include "../lib/error.h"
#include "../lib/json.h"
#include "../lib/ofile.h"
#include "../lib/redact.h"
#include "../lib/units.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"
#include "../secrets.h"

/* The Makefile defines it; builds that do not (the fuzzers) still link. */
#ifndef CUTOVER_VERSION
#define CUTOVER_VERSION "unknown"
#endif

static int secrets_main(int argc, char **argv);
static int scan_main(int argc, char **argv);
static int rules_main(int argc, char **argv);

static const char usage[] =
"usage: cutover secrets scan PATH.. [OPTIONS]\n"
"       cutover secrets scan --git [REPO] [OPTIONS]\n"
"       cutover secrets rules\n"
"\n"
"Find credentials committed to files.  See 'cutover secrets scan --help'.\n";

const struct cmd cmd_secrets = {
	.name = "secrets",
	.fn = secrets_main,
	.usage = usage,
	.summary = "find credentials committed to files",
};

static const char scan_usage[] =
"usage: cutover secrets scan PATH.. [OPTIONS]\n"
"       cutover secrets scan --git [REPO] [OPTIONS]\n"
"\n"
"Scan files and directories ('-': standard input) for credentials: AWS,\n"
"Google, Slack, Telegram, GitHub and Stripe tokens, JWTs, private key\n"
"blocks, passwords inside connection URLs (postgres://user:pass@...),\n"
"and password=/secret:/token= assignments with a high-entropy value.\n"
"Placeholders (<password>, ${VAR}, REPLACE_ME) are not findings.\n"
"Directories are walked sorted; .git/ and binary files are skipped.\n"
"Every finding shows the match with the secret masked, never the secret.\n"
"\n"
"      --git            scan the history of the git repository REPO\n"
"                       (default: the one holding the current directory):\n"
"                       every commit reachable from any branch, tag or\n"
"                       HEAD, each changed file; a finding once, at the\n"
"                       oldest commit that has it (text: COMMIT:FILE:...)\n"
"  -x, --exclude PAT    skip paths matching a .gitignore-style pattern\n"
"                       (repeatable; 'dir/', '*.min.js', '/vendor', '**/x')\n"
"      --exclude-from F patterns from a file, one a line ('#' comments)\n"
"  -a, --allowlist F    accept findings whose fingerprint (see --format\n"
"                       json) is listed in F, one a line ('#' comments)\n"
"      --rules FILE     add custom rules and allowlist regexes from a\n"
"                       YAML file (use_default: false keeps only those);\n"
"                       see the README, \"Custom rules\"\n"
"  -f, --format F       text (default): FILE:LINE:COL: rule-id: match;\n"
"                       json; sarif (SARIF 2.1.0)\n"
"  -o, --output FILE    write there instead of stdout\n"
"  -j, --jobs N         files scanned at once (default: one per CPU)\n"
"      --skip-unreadable  a path that cannot be read (no permission, a\n"
"                       FIFO or device named as an argument) is reported\n"
"                       but does not fail the scan\n"
"  -h, --help           show this help\n"
"\n"
"Every path not scanned is named on stderr with the reason.  Files are\n"
"read 4 MiB at a time, whatever their size; directories to any depth.\n"
"\n"
"Exit status: 0 nothing found, 1 something found, 2 bad input or a path\n"
"that could not be read (without --skip-unreadable).\n"
"\n"
"Examples:\n"
"  cutover secrets scan . --exclude node_modules/ --format sarif -o s.sarif\n"
"  git show HEAD:deploy.md | cutover secrets scan -\n"
"  cutover secrets scan --git --format json -o history.json\n";

static const char rules_usage[] =
"usage: cutover secrets rules [--regex] [--rules FILE]\n"
"\n"
"List the rules: id, what it finds, minimum entropy of the secret.  With\n"
"--regex, print each rule's id and PCRE2 pattern, tab-separated (what\n"
"bench/secrets feeds to grep -P).  With --rules FILE, the rules that\n"
"'secrets scan --rules FILE' uses (the file is checked as scan does).\n";

static const struct cmd verb_scan = {
	.name = "secrets scan",
	.fn = scan_main,
	.usage = scan_usage,
	.summary = "scan files for credentials",
};

static const struct cmd verb_rules = {
	.name = "secrets rules",
	.fn = rules_main,
	.usage = rules_usage,
	.summary = "list the rules",
};

/* The nested verbs: dispatch, suggestions and help come from here. */
static const struct cmd *const verbs[] = { &verb_scan, &verb_rules };
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

/*
 * A file name as a SARIF artifactLocation uri (a URI reference, RFC
 * 3986): every byte but the unreserved characters and '/' is
 * percent-encoded, so spaces, '#', '%' and bytes that are not UTF-8 reach
 * a SARIF reader as the same name instead of an invalid document.
 */
static char *
uri_path(const char *path)
{
	struct buf b = BUF_INIT;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			buf_addc(&b, (char)*p);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	return buf_detach(&b);
}

static void
emit_text(struct buf *b, const struct findings *fs, const struct scanner *s)
{
	(void)s;
	struct buf t = BUF_INIT;

	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		if (f->commit)
			buf_addf(&t, "%.12s:", f->commit);
		buf_addf(&t, "%s:%d:%d: %s: ", f->file, f->line, f->col,
		    f->rule->id);
		buf_add_redacted(&t, f->match);
		buf_addc(&t, '\n');
	}
	/* A file name may hold ESC sequences: shown, never obeyed. */
	char *pr = text_printable(t.s, true);
	buf_adds(b, pr);
	free(pr);
	buf_release(&t);
}

static void
emit_json(struct buf *b, const struct findings *fs, const struct scanner *s)
{
	(void)s;
	json_open(b);
	buf_adds(b, ",\"findings\":[");
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		buf_adds(b, i ? ",{\"file\":" : "{\"file\":");
		json_str(b, f->file);
		if (f->commit)
			buf_addf(b, ",\"commit\":\"%s\"", f->commit);
		buf_addf(b, ",\"line\":%d,\"column\":%d,\"rule\":\"%s\","
		    "\"match\":", f->line, f->col, f->rule->id);
		json_str(b, f->match);
		buf_addf(b, ",\"fingerprint\":\"%s\"}", f->fingerprint);
	}
	buf_addf(b, "],\"count\":%zu,\"files\":%zu,\"allowed\":%zu", fs->n,
	    fs->nfiles, fs->nallowed);
	if (fs->ncommits)
		buf_addf(b, ",\"commits\":%zu", fs->ncommits);
	buf_adds(b, "}\n");
}

/* SARIF 2.1.0: one run, the rules as the driver's rules, one result each. */
static void
emit_sarif(struct buf *b, const struct findings *fs, const struct scanner *s)
{
	size_t nr;
	const struct secret_rule *const *rules = scanner_rules(s, &nr);

	buf_adds(b, "{\"$schema\":\"https://json.schemastore.org/"
	    "sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":"
	    "{\"driver\":{\"name\":\"cutover\",\"version\":\"" CUTOVER_VERSION
	    "\",\"rules\":[");
	for (size_t i = 0; i < nr; i++) {
		buf_addf(b, "%s{\"id\":\"%s\",\"shortDescription\":{\"text\":",
		    i ? "," : "", rules[i]->id);
		json_str(b, rules[i]->title);
		buf_adds(b, "},\"defaultConfiguration\":{\"level\":\"error\"}}");
	}
	buf_adds(b, "]}},\"results\":[");
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		size_t ri = 0;
		while (ri < nr && rules[ri] != f->rule)
			ri++;
		buf_addf(b, "%s{\"ruleId\":\"%s\",\"ruleIndex\":%zu,\"level\":"
		    "\"error\",\"message\":{\"text\":", i ? "," : "",
		    f->rule->id, ri);
		char *m = xasprintf("%s: %s", f->rule->title, f->match);
		json_str(b, m);
		free(m);
		buf_adds(b, "},\"locations\":[{\"physicalLocation\":{"
		    "\"artifactLocation\":{\"uri\":");
		char *uri = uri_path(strcmp(f->file, "-") == 0 ? "stdin" :
		    f->file);
		json_str(b, uri);
		free(uri);
		buf_addf(b, "},\"region\":{\"startLine\":%d,\"startColumn\":%d}}}],"
		    "\"partialFingerprints\":{\"cutoverSecret/v1\":\"%s\"}",
		    f->line, f->col, f->fingerprint);
		/* SARIF has no per-result commit: a property bag carries it. */
		if (f->commit)
			buf_addf(b, ",\"properties\":{\"commit\":\"%s\"}",
			    f->commit);
		buf_addc(b, '}');
	}
	buf_adds(b, "]}]}\n");
}

static const struct scan_skip *
first_error(const struct findings *fs)
{
	for (size_t i = 0; i < fs->nskips; i++)
		if (fs->skips[i].error)
			return &fs->skips[i];
	return &fs->skips[0];
}

static void
add_patterns_from(struct strlist *ex, const char *path)
{
	char line[1024], *e = NULL;
	FILE *f = fopen_regular(path, "a pattern file", &e);

	if (f == NULL)
		die(EXIT_USAGE, "%s", e);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *p = line + strspn(line, " \t");
		if (*p && *p != '#')
			strlist_push(ex, p);
	}
	fclose(f);
}

static int
scan_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "exclude", required_argument, NULL, 'x' },
		{ "exclude-from", required_argument, NULL, 'X' },
		{ "allowlist", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "skip-unreadable", no_argument, NULL, 'U' },
		{ "git", no_argument, NULL, 'G' },
		{ "rules", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool skip_unreadable = false, git = false;
	struct strlist ex = STRLIST_INIT;
	struct scan_opts o = { .exclude = &ex };
	const char *format = "text", *output = NULL;
	long long jobs;
	char *e = NULL;
	int ch;

	while ((ch = cmd_getopt(&verb_scan, argc, argv, "x:a:f:o:j:h", lo)) !=
	    -1) {
		switch (ch) {
		case 'x': strlist_push(&ex, optarg); break;
		case 'X': add_patterns_from(&ex, optarg); break;
		case 'a': o.allowlist = optarg; break;
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'U': skip_unreadable = true; break;
		case 'G': git = true; break;
		case 'R': o.rules = optarg; break;
		case 'j':
			if (parse_int(optarg, 1, 256, &jobs, &e) != 0)
				cmd_usage_error(&verb_scan, "--jobs: %s", e);
			o.jobs = (int)jobs;
			break;
		}
	}
	void (*emit)(struct buf *, const struct findings *,
	    const struct scanner *) =
	    strcmp(format, "text") == 0 ? emit_text :
	    strcmp(format, "json") == 0 ? emit_json :
	    strcmp(format, "sarif") == 0 ? emit_sarif : NULL;
	if (emit == NULL)
		cmd_usage_error(&verb_scan, "unknown format '%s' (text, json, "
		    "sarif)", format);
	if (git && argc - optind > 1)
		cmd_usage_error(&verb_scan, "--git scans one repository, not %d "
		    "paths", argc - optind);
	if (optind >= argc && !git)
		cmd_usage_error(&verb_scan, "missing PATH ('-' for stdin)");
	struct scanner *s = scanner_new(&o, &e);
	if (s == NULL) {
		/* A rules file's errors are FILE:LINE:COL: said as is. */
		if (o.rules && strncmp(e, o.rules, strlen(o.rules)) == 0)
			errmsg("%s", e);
		else
			errmsg("secrets scan: %s", e);
		free(e);
		strlist_release(&ex);
		return EXIT_USAGE;
	}
	struct findings fs;
	if (git ? scanner_scan_git(s, optind < argc ? argv[optind] : ".", &ex,
	    &fs, &e) != 0 : scanner_scan(s, argv + optind,
	    (size_t)(argc - optind), &fs, &e) != 0) {
		errmsg("secrets scan: %s", e);
		free(e);
		scanner_free(s);
		strlist_release(&ex);
		return EXIT_USAGE;
	}
	struct buf b = BUF_INIT;
	emit(&b, &fs, s);
	/* Findings point at credentials: 0600, whole or not at all. */
	if (output && ofile_write(output, b.s, b.len, &e) != 0)
		die(EXIT_USAGE, "%s", e);
	if (!output)
		fwrite(b.s, 1, b.len, stdout);
	/* Names are the user's own paths; shown like findings' names. */
	for (size_t i = 0; i < fs.nskips; i++)
		fprintf(stderr, "secrets: skipped %s: %s\n", fs.skips[i].path,
		    fs.skips[i].why);
	if (emit == emit_text || output) {
		struct buf sm = BUF_INIT;
		buf_addf(&sm, "secrets: %zu finding%s in %zu file%s", fs.n,
		    fs.n == 1 ? "" : "s", fs.nfiles, git ? (fs.nfiles == 1 ?
		    " version" : " versions") : fs.nfiles == 1 ? "" : "s");
		if (git)
			buf_addf(&sm, " of %zu commit%s", fs.ncommits,
			    fs.ncommits == 1 ? "" : "s");
		if (fs.nallowed)
			buf_adds(&sm, " (some accepted by the allowlist)");
		if (fs.nbinary)
			buf_addf(&sm, "; %zu binary file%s skipped", fs.nbinary,
			    fs.nbinary == 1 ? "" : "s");
		if (fs.nskips)
			buf_addf(&sm, "; %zu path%s not scanned", fs.nskips,
			    fs.nskips == 1 ? "" : "s");
		fprintf(stderr, "%s\n", sm.s);
		buf_release(&sm);
	}
	int rc = fs.n ? EXIT_NOGO : EXIT_GO;
	/*
	 * "Nothing found" in what could not be read is no verdict: a scan
	 * that missed files fails as bad input unless told to skip them.
	 */
	if (fs.nerrors && !skip_unreadable) {
		errmsg("secrets scan: %zu path%s could not be read (first: %s: "
		    "%s); --skip-unreadable to scan the rest", fs.nerrors,
		    fs.nerrors == 1 ? "" : "s", first_error(&fs)->path,
		    first_error(&fs)->why);
		rc = EXIT_USAGE;
	}
	buf_release(&b);
	findings_release(&fs);
	scanner_free(s);
	strlist_release(&ex);
	return rc;
}

static int
rules_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "regex", no_argument, NULL, 'r' },
		{ "rules", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool regex = false;
	struct scan_opts o = { 0 };
	char *e = NULL;
	size_t nr;
	int ch;

	while ((ch = cmd_getopt(&verb_rules, argc, argv, "h", lo)) != -1) {
		if (ch == 'r')
			regex = true;
		if (ch == 'R')
			o.rules = optarg;
	}
	if (optind != argc)
		cmd_usage_error(&verb_rules, "takes no arguments");
	struct scanner *s = scanner_new(&o, &e);
	if (s == NULL) {
		errmsg("%s", e);
		free(e);
		return EXIT_USAGE;
	}
	const struct secret_rule *const *r = scanner_rules(s, &nr);
	for (size_t i = 0; i < nr; i++) {
		if (regex)
			printf("%s\t%s\n", r[i]->id, r[i]->regex);
		else
			printf("%-22s %s (min entropy %.1f)\n", r[i]->id,
			    r[i]->title, r[i]->min_entropy);
	}
	scanner_free(s);
	return EXIT_GO;
}

static int
secrets_main(int argc, char **argv)
{
	return cmd_verbs(&cmd_secrets, verbs, NVERBS, argc, argv);
}
