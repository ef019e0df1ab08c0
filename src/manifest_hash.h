/*
 * manifest_hash.h - the parallel hasher behind manifest create and
 * verify (manifest.c): files hashed and content-validated in one read.
 */
#ifndef CUTOVER_MANIFEST_HASH_H
#define CUTOVER_MANIFEST_HASH_H

#include <stdbool.h>
#include <stdint.h>

#include "manifest.h"

/* One file to hash, and what came of it. */
struct job {
	const char	*fspath;
	char		 hash[HASH_HEX_MAX];
	uint64_t	 size;
	int		 err;		/* errno of open/read, or ETIMEDOUT */
	bool		 changed;	/* size or mtime moved while hashed */
	uint64_t	 size_after;
	bool		 content_bad;
	char		*content;	/* the validator's verdict */
	size_t		 id;		/* the caller's index */
};

struct progress;

/* Told as hashing goes (every field may be NULL). */
struct hash_watch {
	struct progress	*progress;	/* bytes as read, files as done */
	/* A job is final; on the worker's thread, any order. */
	void		(*done)(struct job *j, void *arg);
	void		*arg;
	uint64_t	 bytes_read;	/* out: read, the unfinished too */
};

/*
 * Hash jobs[0..n) with o->jobs threads.  Each job's size must hold the
 * file's size from stat: the biggest files start first so that one large
 * file does not run alone at the end.  Returns the bytes hashed.
 */
uint64_t hash_all(struct job *jobs, size_t n, enum hash_algo algo,
	    const struct mf_opts *o, struct hash_watch *w);

#endif
