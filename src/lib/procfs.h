/*
 * procfs.h - the few /proc files the process and host kinds read, each
 * read whole into a bounded buffer with one read() (the kernel builds
 * them at open: no torn lines) and parsed without allocating.
 *
 * The parsers take (text, length), need no terminator, and return 0 or
 * -1 for anything malformed: they are fuzzed (tests/fuzz/fuzz_procfs.c).
 */
#ifndef CUTOVER_PROCFS_H
#define CUTOVER_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Read path into b (at most cap - 1 bytes, NUL-terminated).  Returns the
 * length, or -1 with errno.  *cut is set when the file was longer.
 */
ssize_t	 procfs_read(const char *path, char *b, size_t cap, bool *cut);

/* /proc/PID/stat: the fields cutover uses. */
struct pstat {
	long		 pid;
	char		 comm[64];	/* as the kernel keeps it (15 chars) */
	char		 state;		/* R, S, D, Z, T, ... */
	long		 ppid;
	uint64_t	 utime, stime;	/* clock ticks */
	uint64_t	 starttime;	/* clock ticks after boot */
	uint64_t	 rss_pages;
};
/*
 * The comm field is "(...)" and may itself hold ')' and spaces: it ends
 * at the last ')' of the line.
 */
int	 procfs_stat_parse(const char *s, size_t n, struct pstat *st);
/* The real and effective uid of /proc/PID/status ("Uid:" line). */
int	 procfs_status_uids(const char *s, size_t n, uid_t *ruid,
	    uid_t *euid);

/* /proc/meminfo, in bytes. */
struct meminfo {
	uint64_t	 total, available, swap_total, swap_free;
};
/* -1 when MemTotal or MemAvailable (Linux >= 3.14) is missing. */
int	 procfs_meminfo_parse(const char *s, size_t n, struct meminfo *m);
/* /proc/loadavg: the 1, 5 and 15 minute averages. */
int	 procfs_loadavg_parse(const char *s, size_t n, double la[3]);
/*
 * /proc/stat's first line, "cpu user nice system idle iowait irq softirq
 * steal ...": busy is everything but idle and iowait, in ticks; iowait
 * the idle time with I/O outstanding.
 */
int	 procfs_cpu_parse(const char *s, size_t n, uint64_t *busy,
	    uint64_t *iowait, uint64_t *total);
/* /proc/uptime: seconds since boot. */
int	 procfs_uptime_parse(const char *s, size_t n, double *up);

#endif
