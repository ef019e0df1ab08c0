/*
 * pm2.h - pm2's process list as `pm2 jlist` prints it (a JSON array, one
 * object per app), read with jansson.  Any bytes in: 0 and the apps, or
 * -1 and a message (fuzz_pm2).  Only the fields judged are kept: each
 * app's environment, which jlist includes whole, is never copied.
 */
#ifndef CUTOVER_PM2_H
#define CUTOVER_PM2_H

#include <stddef.h>

/* jlist carries every app's environment: ~5 KiB an app, often more. */
#define PM2_JLIST_MAX	(32u << 20)

struct pm2_app {
	char		*name;
	long long	 id;		/* pm_id */
	char		*status;	/* online stopped errored launching ... */
	long long	 restarts;	/* pm2_env.restart_time */
	long long	 unstable;	/* pm2_env.unstable_restarts */
	long long	 started_ms;	/* pm2_env.pm_uptime: start, epoch ms */
	long long	 memory;	/* monit.memory, bytes */
	double		 cpu;		/* monit.cpu, percent */
};

int	 pm2_parse(const char *json, size_t n, struct pm2_app **out,
	    size_t *nout, char **errp);
void	 pm2_apps_free(struct pm2_app *a, size_t n);

#endif
