#!/usr/bin/python3
"""slowfs.py [FUSE options] MOUNTPOINT - a FUSE filesystem whose statfs,
and whose lookup of /backup.gz, answer only after $SLOWFS_DELAY seconds
(default 30): a hung network mount, as `disk` and `file` checks meet it.  Needs python3-fuse (Debian's
/usr/bin/python3) and /dev/fuse.  Run with -f; unmount with fusermount3 -u.
"""
import errno, os, stat, time
import fuse

fuse.fuse_python_api = (0, 2)


class SlowFS(fuse.Fuse):
    def getattr(self, path):
        st = fuse.Stat()
        if path == "/backup.gz":
            time.sleep(float(os.environ.get("SLOWFS_DELAY", "30")))
            st.st_mode = stat.S_IFREG | 0o600
            st.st_nlink = 1
            return st
        if path != "/":
            return -errno.ENOENT
        st.st_mode = stat.S_IFDIR | 0o755
        st.st_nlink = 2
        return st

    def readdir(self, path, offset):
        for name in (".", ".."):
            yield fuse.Direntry(name)

    def statfs(self):
        time.sleep(float(os.environ.get("SLOWFS_DELAY", "30")))
        return fuse.StatVfs(f_bsize=4096, f_frsize=4096, f_blocks=1000,
                            f_bfree=500, f_bavail=500)


fs = SlowFS()
fs.parse(errex=1)
fs.main()
