/* ofile.c - output files written whole, 0600, never through a link. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "ofile.h"
#include "xmalloc.h"

int
ofile_open(struct ofile *o, const char *path, char **errp)
{
	struct stat st;
	int fd;

	memset(o, 0, sizeof(*o));
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return seterr(errp, "cannot write '%s': it is a symbolic link "
		    "(name the file it points to)", path);
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return seterr(errp, "cannot write '%s': it is a directory",
		    path);
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* /dev/null, a FIFO: nothing to rename, write in place. */
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	} else {
		/* mkostemp: O_CREAT|O_EXCL (a link there fails), mode 0600. */
		o->tmp = xasprintf("%s.tmp.XXXXXX", path);
		fd = mkostemp(o->tmp, O_CLOEXEC);
		if (fd < 0) {
			free(o->tmp);
			o->tmp = NULL;
		}
	}
	if (fd < 0 || (o->f = fdopen(fd, "w")) == NULL) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (o->tmp)
			unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		errno = e;
		return seterr_errno(errp, "cannot write '%s'", path);
	}
	o->path = xstrdup(path);
	return 0;
}

/* fsync the directory holding path, so that the rename survives a crash. */
static int
sync_dir(const char *path)
{
	const char *sl = strrchr(path, '/');
	char *dir = sl == NULL ? xstrdup(".") : sl == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(sl - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd < 0 ? -1 : fsync(fd);

	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int
ofile_commit(struct ofile *o, char **errp)
{
	bool ok = fflush(o->f) == 0 && !ferror(o->f);
	/* A device is not synced: /dev/null and pipes refuse fsync. */
	ok = ok && (o->tmp == NULL || fsync(fileno(o->f)) == 0);
	int e = errno;
	ok = (fclose(o->f) == 0) && ok;
	if (ok)
		e = 0;
	o->f = NULL;
	if (ok && o->tmp && rename(o->tmp, o->path) != 0) {
		e = errno;
		ok = false;
	}
	if (ok && o->tmp && sync_dir(o->path) != 0) {
		e = errno;
		ok = false;
	}
	int rc = 0;
	if (!ok) {
		if (o->tmp)
			unlink(o->tmp);
		errno = e ? e : EIO;
		rc = seterr_errno(errp, "cannot write '%s'", o->path);
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return rc;
}

void
ofile_abort(struct ofile *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}

int
ofile_write(const char *path, const void *data, size_t n, char **errp)
{
	struct ofile o;

	if (ofile_open(&o, path, errp) != 0)
		return -1;
	if (n && fwrite(data, 1, n, o.f) != n) {
		int e = errno;
		ofile_abort(&o);
		errno = e;
		return seterr_errno(errp, "cannot write '%s'", path);
	}
	return ofile_commit(&o, errp);
}
