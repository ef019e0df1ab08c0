/*
 * hosts_conn.h - one agent connection: `ssh HOST CUTOVER agent`, the
 * hello and the plan, shared by checks (hosts.c) and steps (hosts_step.c).
 */
#ifndef CUTOVER_HOSTS_CONN_H
#define CUTOVER_HOSTS_CONN_H

#include "hosts.h"
#include "hosts_proto.h"
#include "lib/ssh.h"

struct conn {
	const struct host	*host;
	struct ssh_proc		 sp;
	struct lread		 lr;
	char			*version;	/* the remote cutover's */
};

/*
 * Connect and shake hands before deadline_us (monotonic): 0, or -1 with
 * a one-line reason naming the host (the conn is then closed).
 */
int	 conn_open(struct conn *c, const struct plan *p, const struct host *h,
	    int64_t deadline_us, char **errp);
/* Why the connection ended: ssh's own failure, no cutover there... */
char	*conn_failure(struct conn *c, const char *doing);
/* Send one line built by jansson from o (stolen): 0 or -1. */
struct json_t;
int	 conn_send(struct conn *c, struct json_t *o);
void	 conn_close(struct conn *c);

#endif
