/*
 * manifest.h - integrity manifests for backups.
 *
 * A manifest is a text file that `sha256sum -c` and `md5sum -c` read
 * (one "HASH  PATH" line per file) with cutover's facts in `#` comment
 * lines, which those tools skip:
 *
 *   # cutover manifest; check with `cutover manifest verify` or sha256sum -c
 *   # algo sha256
 *   # dir backups
 *   # size 1048576 backups/db.sql.gz
 *   3b0c...  backups/db.sql.gz
 *
 * Relative paths are relative to the manifest's own directory, so the
 * manifest can be checked from anywhere (and by sha256sum -c from there).
 * Manifests written by sha256sum, md5sum, sha1sum, sha512sum, xxhsum -H2
 * and b3sum-style tools ("HASH  PATH", "HASH *PATH", or the BSD tag form
 * "SHA256 (PATH) = HASH") are read too, for the algorithms of hash.h.
 *
 * Files are hashed in parallel, one sequential stream per file, and the
 * same bytes feed the content validator (validate.h): one read per file.
 */
#ifndef CUTOVER_MANIFEST_H
#define CUTOVER_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/hash.h"
#include "lib/util.h"

enum mf_state {
	MF_OK,
	MF_MISSING,		/* listed, not on disk */
	MF_SIZE,		/* size differs from the manifest's */
	MF_HASH,		/* content changed */
	MF_CONTENT,		/* hash fine (or new), content incomplete */
	MF_ERROR,		/* unreadable, not a regular file, timed out */
	MF_EXTRA,		/* in a listed directory, not in the manifest */
	MF_SKIPPED,		/* not hashed: not a regular file, or unreadable
				   with skip_unreadable */
};

/* One file's outcome, in manifest order (extras last). */
struct mf_result {
	char		*path;		/* as written in the manifest */
	enum mf_state	 state;
	char		*detail;	/* "size 10 -> 8", "gzip ok, tar ..." */
	uint64_t	 size;
	char		 hash[HASH_HEX_MAX];
};

struct mf_opts {
	int		 algo;		/* enum hash_algo; -1: from the file */
	bool		 content;	/* validate .gz/.zst/.tar/dumps */
	bool		 follow;	/* follow symlinks while walking */
	bool		 skip_unreadable; /* unreadable paths: skipped, not
					   failed */
	int		 jobs;		/* hashing threads; 0: one per CPU */
	int64_t		 deadline_us;	/* monotonic; 0: none */
	/* Files and bytes hashed, of how many (lib/progress.h; may be NULL). */
	struct progress	*progress;
	/*
	 * Each result as soon as it is final, in report order (the files
	 * as the hashing of them and of all before them ends), or with
	 * any_order as each file ends; may be NULL.  Called on a hashing
	 * thread, one call at a time.
	 */
	void		(*on_result)(const struct mf_result *r, void *arg);
	void		*arg;
	bool		 any_order;
};

struct mf_report {
	struct mf_result *v;
	size_t		 n;
	enum hash_algo	 algo;
	size_t		 nok, nfail, nextra, nskipped;
	uint64_t	 bytes;		/* hashed */
	/* How far it got (a timeout's message): bytes read of bytes to
	   hash, files hashed of files to hash. */
	uint64_t	 bytes_read, bytes_total;
	size_t		 nhashed, nto_hash;
	bool		 timed_out;	/* the deadline stopped the hashing */
};

/*
 * Hash PATHs (files and directories, walked sorted, to any depth) and
 * write a manifest
 * to out_path ("-": stdout), atomically (a temporary file renamed over
 * it).  Returns 0 with *rep filled (files whose content is incomplete,
 * and files and directories that could not be read, are counted in
 * nfail: the manifest is still written, and says so; special files met
 * in a walk are MF_SKIPPED), or -1 with *errp for bad input (a PATH that
 * does not exist, or nothing to list).
 */
int	 manifest_create(char *const *paths, size_t n, const char *out_path,
	    const struct mf_opts *o, struct mf_report *rep, char **errp);

/*
 * Read the manifest at path and check every file it lists, then look for
 * extra files in the directories it lists.  Returns 0 with *rep filled
 * (the verdict is in rep->nfail and rep->nextra), or -1 with
 * "FILE:LINE: message" in *errp when the manifest itself is malformed.
 */
int	 manifest_verify(const char *path, const struct mf_opts *o,
	    struct mf_report *rep, char **errp);

void	 mf_report_release(struct mf_report *rep);
const char *mf_state_name(enum mf_state s);

#endif
