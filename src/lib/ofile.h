/*
 * ofile.h - the one way an output file (`-o FILE`) is written.
 *
 * Reports, manifests, findings and check results hold the same output
 * tails as the journal: the file is created 0600 under a random name in
 * the target's directory (O_CREAT|O_EXCL|O_NOFOLLOW: a link planted at a
 * predictable name cannot redirect the write), written, fsynced, renamed
 * over the target and its directory fsynced.  A reader (a textfile
 * collector, a CI step) sees the old file or the whole new one.
 *
 * A symbolic link at the target itself is refused rather than followed
 * or replaced: root writing through a link planted by another user is
 * the attack.  A device or FIFO (/dev/null, /dev/full, a pipe) is written
 * in place, since it cannot be renamed over.
 */
#ifndef CUTOVER_OFILE_H
#define CUTOVER_OFILE_H

#include <stdio.h>

struct ofile {
	FILE	*f;		/* write here */
	char	*path;		/* the target */
	char	*tmp;		/* the temporary, NULL when written in place */
};

/* Open for writing; 0, or -1 with *errp ("cannot write 'X': ..."). */
int	 ofile_open(struct ofile *o, const char *path, char **errp);
/* Flush, sync, rename into place; 0, or -1 with *errp.  Always closes. */
int	 ofile_commit(struct ofile *o, char **errp);
/* Close and remove the temporary; the target is left as it was. */
void	 ofile_abort(struct ofile *o);
/* The whole of data to path, through the above. */
int	 ofile_write(const char *path, const void *data, size_t n,
	    char **errp);

#endif
