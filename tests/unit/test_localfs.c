/* test_localfs.c - the mount table and the local/remote classifier. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../t.h"
#include "lib/localfs.h"

#define S(x) x, sizeof(x) - 1

static const char sample[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "23 22 0:21 / /proc rw,nosuid - proc proc rw\n"
    "24 22 0:40 / /mnt/nfs rw shared:5 master:2 - nfs4 srv:/x rw,vers=4.2\n"
    /* A local mount nested in the NFS one: local again. */
    "25 24 0:41 / /mnt/nfs/scratch rw - tmpfs tmpfs rw\n"
    /* An escaped space, and a sibling whose name only starts the same. */
    "26 22 0:42 / /mnt/my\\040disk rw - cifs //h/s rw\n"
    "27 22 0:43 / /mnt/nfs2 rw - xfs /dev/sdb rw\n"
    "28 22 0:44 / /home/u/remote rw - fuse.sshfs u@h: rw\n"
    "29 22 0:45 / /srv rw - weirdfs none rw\n"
    /* Mounted over: the later line wins at an equal mount point. */
    "30 22 0:46 / /data rw - ext4 /dev/sdc rw\n"
    "31 30 0:47 / /data rw - nfs h:/d rw\n"
    "32 22 0:48 / /back\\134slash rw - tmpfs t rw";	/* no final \n */

T_TEST(parse_and_classify)
{
	struct mounttab t;

	T_OK(mountinfo_parse(S(sample), &t) == 0);
	T_EQ_INT(t.n, 11);
	T_EQ_STR(t.ent[4].point, "/mnt/my disk");
	T_EQ_STR(t.ent[10].point, "/back\\slash");
	T_OK(mounttab_local(&t, "/"));
	T_OK(mounttab_local(&t, "/etc/passwd"));
	T_OK(mounttab_local(&t, "/proc/self/stat"));
	T_OK(!mounttab_local(&t, "/mnt/nfs"));
	T_OK(!mounttab_local(&t, "/mnt/nfs/a/b"));
	T_OK(mounttab_local(&t, "/mnt/nfs/scratch/f"));
	T_OK(!mounttab_local(&t, "/mnt/nfs/scratchy"));
	T_OK(mounttab_local(&t, "/mnt/nfs2/f"));
	T_OK(!mounttab_local(&t, "/mnt/my disk/f"));
	T_OK(mounttab_local(&t, "/mnt/my"));
	T_OK(!mounttab_local(&t, "/home/u/remote/x"));
	T_OK(mounttab_local(&t, "/home/u/remotely"));
	T_OK(!mounttab_local(&t, "/srv/x"));		/* unknown type */
	T_OK(!mounttab_local(&t, "/data/x"));		/* nfs over ext4 */
	T_OK(mounttab_local(&t, "/back\\slash/x"));
	mounttab_free(&t);

	/* No mount of / at all: nothing is local. */
	T_OK(mountinfo_parse(S("5 1 0:1 / /x rw - ext4 d rw\n"), &t) == 0);
	T_OK(!mounttab_local(&t, "/y") && mounttab_local(&t, "/x/y"));
	mounttab_free(&t);
}

T_TEST(malformed)
{
	struct mounttab t;

	T_OK(mountinfo_parse(S(""), &t) == 0 && t.n == 0);
	T_OK(mountinfo_parse(S("22 1 8:1 / / rw ext4 /dev/sda1 rw\n"),
	    &t) == -1 && t.n == 0 && t.ent == NULL);	/* no "-" */
	T_OK(mountinfo_parse(S("22 1 8:1 / / rw -\n"), &t) == -1);
	T_OK(mountinfo_parse(S("22 1 8:1 / rel rw - ext4 d rw\n"), &t) == -1);
	T_OK(mountinfo_parse(S("22 1 8:1 / /a\\04 rw - ext4 d rw\n"), &t) == -1);
	T_OK(mountinfo_parse(S("22 1 8:1 / /a\\000 rw - ext4 d rw\n"),
	    &t) == -1);
	T_OK(mountinfo_parse(S("22 1 8:1 / /a\\9xx rw - ext4 d rw\n"),
	    &t) == -1);
	/* A good line then a bad one: all or nothing. */
	T_OK(mountinfo_parse(S("1 0 0:1 / / rw - ext4 d rw\nx\n"), &t) == -1);
	T_OK(t.n == 0);
	T_OK(fstype_local("ext4") && fstype_local("tmpfs") &&
	    fstype_local("overlay") && !fstype_local("nfs") &&
	    !fstype_local("nfs4") && !fstype_local("cifs") &&
	    !fstype_local("smb3") && !fstype_local("fuse.sshfs") &&
	    !fstype_local("ceph") && !fstype_local("glusterfs") &&
	    !fstype_local("9p") && !fstype_local("autofs") &&
	    !fstype_local(""));
}

/*
 * The live table of this machine: a file under the build tree is on
 * whatever / is; /proc is local; a symlink is followed to its target, so
 * a link into /proc is judged by /proc, not by the link's directory.
 */
T_TEST(live_paths)
{
	char dir[] = "/tmp/cutover-localfs.XXXXXX", l[PATH_MAX];

	T_OK(path_is_local("/proc/self/stat"));
	T_OK(path_is_local("/proc/no/such/file"));
	T_OK(mkdtemp(dir) != NULL);
	bool tmp_local = path_is_local(dir);
	snprintf(l, sizeof(l), "%s/l", dir);
	T_OK(symlink("/proc/self", l) == 0);
	snprintf(l, sizeof(l), "%s/l/../l/./stat", dir);
	T_OK(path_is_local(l));
	snprintf(l, sizeof(l), "%s/loop", dir);
	T_OK(symlink("loop", l) == 0);
	snprintf(l, sizeof(l), "%s/absent/x", dir);
	T_OK(path_is_local(l) == tmp_local);
	/*
	 * A link onto a network mount is judged by the mount: a table in
	 * which dir/remote is nfs and everything else local.
	 */
	char mi[PATH_MAX + 128], r[PATH_MAX];
	struct mounttab t;
	snprintf(r, sizeof(r), "%s/remote", dir);
	T_OK(mkdir(r, 0700) == 0);
	snprintf(mi, sizeof(mi), "1 0 0:1 / / rw - ext4 d rw\n"
	    "2 1 0:2 / %s rw - nfs h:/x rw\n", r);
	T_OK(mountinfo_parse(mi, strlen(mi), &t) == 0);
	T_OK(!t.all_local);
	snprintf(l, sizeof(l), "%s/loop", dir);
	T_OK(!mounttab_path_local(&t, l));	/* more than 40 links: unsure */
	snprintf(l, sizeof(l), "%s/ln", dir);
	T_OK(symlink("remote", l) == 0);
	snprintf(l, sizeof(l), "%s/ln/f", dir);
	T_OK(!mounttab_path_local(&t, l));
	snprintf(l, sizeof(l), "%s/ln", dir);
	T_OK(!mounttab_path_local(&t, l));
	T_OK(!mounttab_path_local(&t, r));
	snprintf(l, sizeof(l), "%s/remote/../ok", dir);
	T_OK(!mounttab_path_local(&t, l));	/* looked up in remote */
	snprintf(l, sizeof(l), "%s/ok", dir);
	T_OK(mounttab_path_local(&t, l));
	mounttab_free(&t);
	/*
	 * Every mount local, / among them: any path is, looked up or not
	 * (the loop would get ELOOP from the stat itself); without a
	 * mount of / the walk decides.
	 */
	snprintf(mi, sizeof(mi), "1 0 0:1 / / rw - ext4 d rw\n"
	    "2 1 0:2 / %s rw - tmpfs t rw\n", r);
	T_OK(mountinfo_parse(mi, strlen(mi), &t) == 0 && t.all_local);
	snprintf(l, sizeof(l), "%s/loop", dir);
	T_OK(mounttab_path_local(&t, l));
	mounttab_free(&t);
	T_OK(!t.all_local);
	snprintf(mi, sizeof(mi), "2 1 0:2 / %s rw - tmpfs t rw\n", r);
	T_OK(mountinfo_parse(mi, strlen(mi), &t) == 0 && !t.all_local);
	snprintf(l, sizeof(l), "%s/ok", dir);
	T_OK(!mounttab_path_local(&t, l));
	mounttab_free(&t);
	snprintf(l, sizeof(l), "%s/ln", dir);
	unlink(l);
	rmdir(r);
	snprintf(l, sizeof(l), "%s/loop", dir);
	unlink(l);
	snprintf(l, sizeof(l), "%s/l", dir);
	unlink(l);
	rmdir(dir);
}

T_SUITE(localfs, parse_and_classify, malformed, live_paths)
