/*
 * manifest.c - `cutover manifest create|verify`: integrity manifests for
 * backups (manifest.h does the work).  The verbs are declared in verbs[]
 * below; each is a struct cmd of its own, so `--help`, unknown options
 * and usage errors behave exactly as for top-level commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cmd.h"
#include "../lib/buf.h"
#include "../lib/error.h"
#include "../lib/hash.h"
#include "../lib/json.h"
#include "../lib/progress.h"
#include "../lib/units.h"
#include "../lib/util.h"
#include "../lib/xmalloc.h"
#include "../manifest.h"

static int manifest_main(int argc, char **argv);
static int create_main(int argc, char **argv);
static int verify_main(int argc, char **argv);

static const char usage[] =
"usage: cutover manifest create PATH.. -o FILE [OPTIONS]\n"
"       cutover manifest verify FILE [OPTIONS]\n"
"\n"
"Integrity manifests for backups.  A manifest has one 'HASH  PATH' line\n"
"per file, the format `sha256sum -c` and `md5sum -c` read, plus '#' lines\n"
"with each file's size and the algorithm.  Beyond the hash, the content\n"
"is validated: .gz inflated completely, .zst decoded completely, .tar\n"
"walked to its end-of-archive blocks, SQL dumps (mysqldump, pg_dump;\n"
"plain or compressed) checked for their completion trailer.\n"
"\n"
"See 'cutover manifest create --help' and 'cutover manifest verify --help'.\n"
"\n"
"Exit status: 0 every file intact, 1 something missing, changed, extra\n"
"or incomplete, 2 bad input (arguments, a malformed manifest).\n";

const struct cmd cmd_manifest = {
	.name = "manifest",
	.fn = manifest_main,
	.usage = usage,
	.summary = "integrity manifests for backups: create, verify",
};

static const char create_usage[] =
"usage: cutover manifest create PATH.. -o FILE [OPTIONS]\n"
"\n"
"Hash every file (directories are walked, sorted) in parallel and write a\n"
"manifest.  Paths are written relative to the manifest's directory.  A\n"
"file whose content is incomplete (a truncated gzip, a dump without its\n"
"trailer) is still listed, marked in a comment, and the exit status is 1.\n"
"\n"
"  -o, --output FILE  the manifest to write ('-': stdout); written to a\n"
"                     temporary file and renamed, never half-written\n"
"  -a, --algo A       sha256 (default), xxh128, md5, sha1, sha512\n"
"      --follow       follow symbolic links while walking directories\n"
"      --skip-unreadable  files and directories that cannot be read are\n"
"                     listed as skipped (in the manifest too) instead of\n"
"                     failing; FIFOs, sockets and devices always are\n"
"      --no-content   hash only; skip the content validation\n"
"  -j, --jobs N       hashing threads (default: one per CPU)\n"
"  -q, --quiet        print only problems and the summary; no progress\n"
"      --progress     progress even without a terminal: a line every\n"
"                     second (by default: a live line on a terminal,\n"
"                     else a line every 5 s), on stderr\n"
"  -f, --format F     text (default) or json: the same document as\n"
"                     'manifest verify --format json' (README, \"JSON\n"
"                     output\"); needs -o FILE\n"
"  -h, --help         show this help\n"
"\n"
"Example:\n"
"  cutover manifest create /backups/2026-11-22 -o /backups/2026-11-22.sha256\n";

static const char verify_usage[] =
"usage: cutover manifest verify FILE [OPTIONS]\n"
"\n"
"Re-hash every file the manifest lists and report each one: OK, missing,\n"
"size changed, content changed, content incomplete; and every extra file\n"
"in a directory the manifest was made from.  Reads manifests written by\n"
"sha256sum, md5sum, sha1sum, sha512sum, xxhsum -H2 (and the BSD tag form)\n"
"too.  Relative paths are resolved against the manifest's directory.\n"
"\n"
"  -a, --algo A       the manifest's algorithm, when neither an '# algo'\n"
"                     line, a tag, its name nor the digest length tells\n"
"      --follow       follow symbolic links when looking for extra files\n"
"      --skip-unreadable  a directory that cannot be searched for extra\n"
"                     files is reported as skipped, not failed\n"
"      --no-content   compare hashes only; skip the content validation\n"
"  -j, --jobs N       hashing threads (default: one per CPU)\n"
"  -f, --format F     text (default) or json: {schema, manifest, algo,\n"
"                     files, ok, failed, extra, skipped, bytes,\n"
"                     duration_ms, results: [{path, status, detail, size,\n"
"                     hash}]} (README, \"JSON output\")\n"
"  -q, --quiet        print only problems and the summary; no progress\n"
"      --progress     progress even without a terminal: a line every\n"
"                     second (by default: a live line on a terminal,\n"
"                     else a line every 5 s), on stderr\n"
"  -h, --help         show this help\n"
"\n"
"Example:\n"
"  cutover manifest verify /backups/2026-11-22.sha256\n";

static const struct cmd verb_create = {
	.name = "manifest create",
	.fn = create_main,
	.usage = create_usage,
	.summary = "hash files into a manifest",
};

static const struct cmd verb_verify = {
	.name = "manifest verify",
	.fn = verify_main,
	.usage = verify_usage,
	.summary = "check files against a manifest",
};

/* The nested verbs: dispatch, suggestions and help come from here. */
static const struct cmd *const verbs[] = { &verb_create, &verb_verify };
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static const struct option common_lo[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "algo", required_argument, NULL, 'a' },
	{ "follow", no_argument, NULL, 'F' },
	{ "skip-unreadable", no_argument, NULL, 'U' },
	{ "no-content", no_argument, NULL, 'N' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "format", required_argument, NULL, 'f' },
	{ "progress", no_argument, NULL, 'P' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool json;		/* --format json */
static bool force_progress;	/* --progress */

/* Options both verbs share; returns the -o value (create only). */
static const char *
parse_opts(const struct cmd *c, int argc, char **argv, struct mf_opts *o,
    bool *quiet, bool want_output)
{
	const char *output = NULL;
	char *e = NULL;
	long long jobs;
	int ch;

	*o = (struct mf_opts){ .algo = -1, .content = true };
	*quiet = false;
	while ((ch = cmd_getopt(c, argc, argv, "o:a:j:f:qh", common_lo)) !=
	    -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "text") != 0)
				cmd_usage_error(c, "unknown format '%s' (text, "
				    "json)", optarg);
			json = strcmp(optarg, "json") == 0;
			break;
		case 'o':
			if (!want_output)
				cmd_usage_error(c, "'--output' is for 'manifest "
				    "create'");
			output = optarg;
			break;
		case 'a':
			o->algo = hash_algo_find(optarg);
			if (o->algo < 0)
				cmd_usage_error(c, "unknown algorithm '%s' (sha256, "
				    "xxh128, md5, sha1, sha512)", optarg);
			break;
		case 'F': o->follow = true; break;
		case 'U': o->skip_unreadable = true; break;
		case 'N': o->content = false; break;
		case 'q': *quiet = true; break;
		case 'P': force_progress = true; break;
		case 'j':
			if (parse_int(optarg, 1, 256, &jobs, &e) != 0)
				cmd_usage_error(c, "--jobs: %s", e);
			o->jobs = (int)jobs;
			break;
		}
	}
	if (*quiet && force_progress)
		cmd_usage_error(c, "--quiet and --progress contradict each "
		    "other");
	return output;
}

/* How results are printed as they come (mf_opts.on_result). */
struct printer {
	bool		 quiet;
	bool		 creating;
	bool		 to_stderr;	/* create -o -: only the problems */
	struct progress	*progress;
};

static void
print_one(const struct mf_result *r, void *arg)
{
	const struct printer *pr = arg;
	FILE *f = pr->to_stderr ? stderr : stdout;

	if (pr->to_stderr && r->state == MF_OK)
		return;
	if (r->state == MF_OK && pr->quiet)
		return;
	/* The live line is erased first: a result never lands inside it. */
	progress_hold(pr->progress);
	if (pr->to_stderr) {
		fprintf(f, "%s: INCOMPLETE: %s\n", r->path, r->detail ?
		    r->detail : "");
	} else if (r->state == MF_OK) {
		fprintf(f, "%s: OK%s%s%s\n", r->path, r->detail ? " (" : "",
		    r->detail ? r->detail : "", r->detail ? ")" : "");
	} else if (r->state == MF_EXTRA) {
		fprintf(f, "%s: EXTRA: not in the manifest\n", r->path);
	} else if (r->state == MF_SKIPPED) {
		fprintf(f, "%s: SKIPPED: %s\n", r->path, r->detail ?
		    r->detail : "");
	} else {
		fprintf(f, "%s: %s: %s%s%s\n", r->path, pr->creating &&
		    r->state == MF_CONTENT ? "INCOMPLETE" : "FAILED",
		    mf_state_name(r->state),
		    r->detail ? ": " : "", r->detail ? r->detail : "");
	}
	fflush(f);
	progress_release(pr->progress);
}

/* -q: none; --progress: lines without a terminal too. */
static struct progress *
progress_for(bool quiet)
{
	return progress_new("manifest", "files", quiet ? PROGRESS_OFF :
	    force_progress ? PROGRESS_ON : PROGRESS_AUTO);
}

static void
summary(FILE *f, const char *what, const struct mf_report *rep,
    int64_t elapsed_us)
{
	char *sz = fmt_size(rep->bytes);
	char *d = fmt_duration(elapsed_us);
	double secs = elapsed_us > 0 ? elapsed_us / 1e6 : 1e-6;

	char skipped[48] = "";
	if (rep->nskipped)
		snprintf(skipped, sizeof(skipped), ", %zu skipped",
		    rep->nskipped);
	fprintf(f, "%s: %zu file%s, %zu ok, %zu failed, %zu extra%s (%s, %s in "
	    "%s, %.0f MB/s)\n", what, rep->nok + rep->nfail,
	    PLURAL(rep->nok + rep->nfail), rep->nok,
	    rep->nfail, rep->nextra, skipped, hash_algo_name(rep->algo), sz, d,
	    rep->bytes / secs / 1e6);
	free(sz);
	free(d);
}

/*
 * {schema, manifest, algo, files, ok, failed, extra, skipped, bytes,
 * duration_ms, results: [...]}, for create and verify alike.
 */
static void
print_json(const char *file, const struct mf_report *rep, int64_t us)
{
	struct buf b = BUF_INIT;

	json_open(&b);
	buf_adds(&b, ",\"manifest\":");
	json_str(&b, file);
	buf_addf(&b, ",\"algo\":\"%s\",\"files\":%zu,\"ok\":%zu,"
	    "\"failed\":%zu,\"extra\":%zu,\"skipped\":%zu,\"bytes\":%llu",
	    hash_algo_name(rep->algo), rep->nok + rep->nfail, rep->nok,
	    rep->nfail, rep->nextra, rep->nskipped,
	    (unsigned long long)rep->bytes);
	json_ms(&b, "duration", us, true);
	buf_adds(&b, ",\"results\":[");
	for (size_t i = 0; i < rep->n; i++) {
		const struct mf_result *r = &rep->v[i];
		buf_adds(&b, i ? ",{\"path\":" : "{\"path\":");
		json_str(&b, r->path);
		buf_addf(&b, ",\"status\":\"%s\"", mf_state_name(r->state));
		if (r->detail) {
			buf_adds(&b, ",\"detail\":");
			json_str(&b, r->detail);
		}
		if (r->state != MF_MISSING && r->state != MF_EXTRA)
			buf_addf(&b, ",\"size\":%llu",
			    (unsigned long long)r->size);
		if (r->hash[0])
			buf_addf(&b, ",\"hash\":\"%s\"", r->hash);
		buf_addc(&b, '}');
	}
	buf_adds(&b, "]}\n");
	fputs(b.s, stdout);
	buf_release(&b);
}

static int
create_main(int argc, char **argv)
{
	struct mf_opts o;
	struct mf_report rep;
	bool quiet;
	char *e = NULL;
	const char *output = parse_opts(&verb_create, argc, argv, &o, &quiet,
	    true);

	if (output == NULL)
		cmd_usage_error(&verb_create, "missing '-o FILE'");
	if (optind >= argc)
		cmd_usage_error(&verb_create, "missing PATH");
	if (json && strcmp(output, "-") == 0)
		cmd_usage_error(&verb_create, "'-o -' writes the manifest to "
		    "stdout: '--format json' needs '-o FILE'");
	int64_t t0 = now_mono_us();
	/* With -o -, stdout is the manifest: the report goes to stderr. */
	bool to_stdout = strcmp(output, "-") == 0;
	struct printer pr = { .quiet = quiet, .creating = true,
	    .to_stderr = to_stdout, .progress = progress_for(quiet) };
	o.progress = pr.progress;
	/* JSON is one document: printed whole at the end. */
	if (!json) {
		o.on_result = print_one;
		o.arg = &pr;
		/* Someone watching sees each file as it ends; a log reads
		 * in order. */
		o.any_order = !to_stdout && isatty(1);
	}
	progress_start(pr.progress);
	int mrc = manifest_create(argv + optind, (size_t)(argc - optind),
	    output, &o, &rep, &e);
	progress_end(pr.progress, false);
	if (mrc != 0) {
		errmsg("manifest create: %s", e);
		free(e);
		return EXIT_USAGE;
	}
	if (json)
		print_json(output, &rep, now_mono_us() - t0);
	else
		summary(to_stdout ? stderr : stdout, output, &rep,
		    now_mono_us() - t0);
	int rc = rep.nfail ? EXIT_NOGO : EXIT_GO;
	mf_report_release(&rep);
	return rc;
}

static int
verify_main(int argc, char **argv)
{
	struct mf_opts o;
	struct mf_report rep;
	bool quiet;
	char *e = NULL;

	parse_opts(&verb_verify, argc, argv, &o, &quiet, false);
	if (optind + 1 != argc)
		cmd_usage_error(&verb_verify, optind >= argc ? "missing FILE" :
		    "expected one manifest FILE, got %d", argc - optind);
	int64_t t0 = now_mono_us();
	/* JSON is one document: printed whole at the end. */
	struct printer pr = { .quiet = quiet, .progress = progress_for(quiet) };
	o.progress = pr.progress;
	if (!json) {
		o.on_result = print_one;
		o.arg = &pr;
		o.any_order = isatty(1);
	}
	progress_start(pr.progress);
	int mrc = manifest_verify(argv[optind], &o, &rep, &e);
	progress_end(pr.progress, false);
	if (mrc != 0) {
		fprintf(stderr, "%s\n", e);
		free(e);
		return EXIT_USAGE;
	}
	if (json)
		print_json(argv[optind], &rep, now_mono_us() - t0);
	else
		summary(stdout, argv[optind], &rep, now_mono_us() - t0);
	int rc = rep.nfail || rep.nextra ? EXIT_NOGO : EXIT_GO;
	mf_report_release(&rep);
	return rc;
}

static int
manifest_main(int argc, char **argv)
{
	return cmd_verbs(&cmd_manifest, verbs, NVERBS, argc, argv);
}
