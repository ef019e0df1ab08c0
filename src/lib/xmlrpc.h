/*
 * xmlrpc.h - supervisord's XML-RPC answers, read with libxml2: the
 * process list of supervisor.getAllProcessInfo, or the fault the daemon
 * returned instead.  Any bytes in: 0 and the processes, or -1 and a
 * message (fuzz_xmlrpc).
 */
#ifndef CUTOVER_XMLRPC_H
#define CUTOVER_XMLRPC_H

#include <stddef.h>

/* Answers are a few hundred bytes per process. */
#define XMLRPC_MAX	(4u << 20)

struct sv_proc {
	char	*name;
	char	*group;
	char	*statename;	/* RUNNING FATAL EXITED BACKOFF STOPPED ... */
	char	*spawnerr;	/* why a start failed, or "" */
	char	*description;	/* "pid 123, uptime 0:00:05" */
	long long start, now;	/* seconds since the epoch */
	long long exitstatus;
	long long pid;
};

/* The request body of a call without parameters. */
char	*xmlrpc_call(const char *method);
int	 xmlrpc_parse_procs(const char *xml, size_t n, struct sv_proc **out,
	    size_t *nout, char **errp);
void	 sv_procs_free(struct sv_proc *p, size_t n);

#endif
