/*
 * secrets_git.c - `secrets scan --git`: every commit of a repository's
 * history, as gitleaks does, through libgit2 (the library git's own
 * ecosystem uses; no `git log -p` text to parse).
 *
 * Commits reachable from every reference (branches, tags, stashes, HEAD)
 * are walked oldest first; each commit's changed files (against its first
 * parent, or all files of a root commit) are scanned whole, each distinct
 * blob once.  A finding is reported once per (path, fingerprint), at the
 * first commit that had it: the commit that introduced the secret, which
 * is what a rotation needs to know.  A secret deleted later is still a
 * finding: it is in the history, and anyone who clones has it.
 */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "lib/lazy_git2.h"
#include "lib/xmalloc.h"
#include "secrets.h"

/* A blob larger than this is listed as skipped, not loaded. */
#define GIT_BLOB_MAX	(64u * 1024 * 1024)

struct gscan {
	struct scanner	*s;
	git_repository	*repo;
	struct findings	*out;
	const struct strlist *exclude;
	git_oid		*blobs;		/* scanned: [0, sorted) sorted */
	size_t		 nblobs, capblobs, sorted;
	const char	*commit;	/* hex of the commit being scanned */
};

static int
oid_cmp(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/*
 * Has this blob been scanned already?  A linear probe of a sorted array
 * with an unsorted tail: histories have thousands to millions of blobs,
 * so the tail is merged in whenever it grows past a few hundred.
 */
static bool
blob_seen(struct gscan *g, const git_oid *id)
{
	if (bsearch(id, g->blobs, g->sorted, sizeof(*g->blobs), oid_cmp))
		return true;
	for (size_t i = g->sorted; i < g->nblobs; i++)
		if (git_oid_cmp(&g->blobs[i], id) == 0)
			return true;
	if (g->nblobs == g->capblobs) {
		g->capblobs = g->capblobs ? 2 * g->capblobs : 1024;
		g->blobs = xreallocarray(g->blobs, g->capblobs,
		    sizeof(*g->blobs));
	}
	git_oid_cpy(&g->blobs[g->nblobs++], id);
	if (g->nblobs - g->sorted > 256) {
		qsort(g->blobs, g->nblobs, sizeof(*g->blobs), oid_cmp);
		g->sorted = g->nblobs;
	}
	return false;
}

/* Excluded itself, or under an excluded directory ("vendor/"). */
static bool
excluded(const struct strlist *ex, const char *path)
{
	if (ex == NULL || ex->n == 0)
		return false;
	for (const char *sl = strchr(path, '/'); sl; sl = strchr(sl + 1, '/')) {
		char *dir = xstrndup(path, (size_t)(sl - path));
		bool m = scan_excluded(ex, dir, true);
		free(dir);
		if (m)
			return true;
	}
	return scan_excluded(ex, path, false);
}

static void
skip(struct findings *out, const char *path, const char *why, bool error)
{
	struct scan_skip k = { xstrdup(path), xstrdup(why), error };

	if (out->nskips == out->capskips) {
		out->capskips = out->capskips ? 2 * out->capskips : 16;
		out->skips = xreallocarray(out->skips, out->capskips,
		    sizeof(*out->skips));
	}
	out->skips[out->nskips++] = k;
	out->nerrors += error;
}

static int
on_file(const git_diff_delta *d, float progress, void *arg)
{
	struct gscan *g = arg;
	const char *path = d->new_file.path;
	git_blob *blob = NULL;

	(void)progress;
	if (d->status != GIT_DELTA_ADDED && d->status != GIT_DELTA_MODIFIED &&
	    d->status != GIT_DELTA_RENAMED && d->status != GIT_DELTA_COPIED &&
	    d->status != GIT_DELTA_TYPECHANGE)
		return 0;
	/* Submodule entries are commits of another repository. */
	if (d->new_file.mode == GIT_FILEMODE_COMMIT ||
	    excluded(g->exclude, path) ||
	    blob_seen(g, &d->new_file.id))
		return 0;
	char *where = xasprintf("%.12s:%s", g->commit, path);
	if (d->new_file.size > GIT_BLOB_MAX) {
		skip(g->out, where, "larger than 64 MiB: not scanned", false);
		free(where);
		return 0;
	}
	if (git_blob_lookup(&blob, g->repo, &d->new_file.id) != 0) {
		const git_error *e = git_error_last();
		skip(g->out, where, e ? e->message : "cannot read the blob",
		    true);
		free(where);
		return 0;
	}
	if (git_blob_is_binary(blob)) {
		g->out->nbinary++;
	} else {
		size_t before = g->out->n;
		scanner_scan_buffer(g->s, path, git_blob_rawcontent(blob),
		    (size_t)git_blob_rawsize(blob), g->out);
		for (size_t i = before; i < g->out->n; i++)
			g->out->v[i].commit = xstrdup(g->commit);
		g->out->bytes += (unsigned long long)git_blob_rawsize(blob);
	}
	git_blob_free(blob);
	free(where);
	return 0;
}

/* Each (path, fingerprint) once: the first commit found it (oldest first). */
static void
dedupe(struct findings *out)
{
	size_t k = 0;

	for (size_t i = 0; i < out->n; i++) {
		struct finding *f = &out->v[i];
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = strcmp(out->v[j].fingerprint, f->fingerprint) == 0 &&
			    strcmp(out->v[j].file, f->file) == 0;
		if (dup) {
			free(f->file);
			free(f->match);
			free(f->commit);
			continue;
		}
		out->v[k++] = *f;
	}
	out->n = k;
}

static int
git_fail(const char *what, char **errp)
{
	const git_error *e = git_error_last();

	return seterr(errp, "%s: %s", what, e && e->message ? e->message :
	    "libgit2 error");
}

int
scanner_scan_git(struct scanner *s, const char *path,
    const struct strlist *exclude, struct findings *out, char **errp)
{
	struct gscan g = { .s = s, .out = out, .exclude = exclude };
	git_revwalk *walk = NULL;
	git_oid id;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	git_libgit2_init();
	if (git_repository_open_ext(&g.repo, path, 0, NULL) != 0) {
		git_fail(path, errp);
		goto done;
	}
	if (git_revwalk_new(&walk, g.repo) != 0)
		goto fail;
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME |
	    GIT_SORT_REVERSE);
	/* Every reference, and HEAD (which may be detached); an empty
	 * repository has neither and no history to scan. */
	if (git_revwalk_push_glob(walk, "*") != 0 && git_error_last())
		git_error_clear();
	if (git_revwalk_push_head(walk) != 0)
		git_error_clear();
	while (git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL, *parent = NULL;
		git_tree *tree = NULL, *ptree = NULL;
		git_diff *diff = NULL;
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), &id);
		g.commit = hex;
		if (git_commit_lookup(&c, g.repo, &id) != 0 ||
		    git_commit_tree(&tree, c) != 0)
			goto next_fail;
		if (git_commit_parentcount(c) > 0 &&
		    (git_commit_parent(&parent, c, 0) != 0 ||
		    git_commit_tree(&ptree, parent) != 0))
			goto next_fail;
		git_diff_options dopt;
		git_diff_options_init(&dopt, GIT_DIFF_OPTIONS_VERSION);
		dopt.flags |= GIT_DIFF_SKIP_BINARY_CHECK;
		if (git_diff_tree_to_tree(&diff, g.repo, ptree, tree, &dopt) != 0)
			goto next_fail;
		git_diff_foreach(diff, on_file, NULL, NULL, NULL, &g);
		out->ncommits++;
		git_diff_free(diff);
		git_tree_free(ptree);
		git_commit_free(parent);
		git_tree_free(tree);
		git_commit_free(c);
		continue;
next_fail:
		git_diff_free(diff);
		git_tree_free(ptree);
		git_commit_free(parent);
		git_tree_free(tree);
		git_commit_free(c);
		goto fail;
	}
	dedupe(out);
	rc = 0;
	goto done;
fail:
	git_fail(path, errp);
done:
	git_revwalk_free(walk);
	git_repository_free(g.repo);
	free(g.blobs);
	git_libgit2_shutdown();
	return rc;
}
