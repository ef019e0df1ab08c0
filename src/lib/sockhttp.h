/*
 * sockhttp.h - one HTTP request to a local daemon, over its unix socket
 * (Docker Engine, supervisord) or a URL, through libcurl, with one
 * deadline and a capped answer.
 *
 * Before curl connects, a unix socket is probed with connect(2) so that
 * the failure names its cause: no such socket (daemon absent), nothing
 * listening (daemon stopped, stale socket), permission denied.  curl only
 * says "Couldn't connect to server" for all three.
 */
#ifndef CUTOVER_SOCKHTTP_H
#define CUTOVER_SOCKHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct sockhttp_req {
	const char	*socket;	/* unix socket path, or NULL */
	const char	*url;		/* http://localhost/PATH for a socket */
	const char	*body;		/* POST body, or NULL for GET */
	bool		 head;		/* HEAD: the status only */
	const char	*content_type;	/* of body */
	const char	*userpwd;	/* "user:password" (basic auth), or NULL */
	const char	*what;		/* "Docker", "supervisord": in messages */
	int64_t		 deadline_us;	/* now_mono_us() clock */
	size_t		 max;		/* answer cap (buffered) */
	/* Streamed answer instead of a buffered one (may be NULL). */
	int		(*on_data)(const char *p, size_t n, void *arg);
	void		*arg;
};

/*
 * Probe a unix socket: 0 when something accepts, else -1 with a message
 * naming the cause ("no Docker daemon: /var/run/docker.sock does not
 * exist").
 */
int	 sockhttp_probe(const char *path, const char *what, char **errp);
/*
 * Perform q; the answer's body goes to *body (capped at q->max; truncated
 * set when cut) or to q->on_data.  Returns the HTTP status, or -1 with
 * *errp on a transport failure or a timeout (the message says which).
 */
long	 sockhttp_do(const struct sockhttp_req *q, struct buf *body,
	    char **errp);

#endif
