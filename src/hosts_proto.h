/*
 * hosts_proto.h - the wire format between cutover and `cutover agent`.
 *
 * One JSON object per line, both ways.  To the agent (jansson-encoded,
 * not redacted: it carries the plan, secrets and step commands the agent
 * needs as they are, inside the SSH channel only):
 *   {"hello":"cutover","proto":1,"version":"0.1.0"}
 *   {"plan":{"file":F,"text":T,"vars":{..},"env":{..}}}
 *   {"id":N,"check":"ID"}
 *   {"id":N,"step":{"argv":[..]|"shell":S,"env":[..],"cwd":C,"timeout_us":T}}
 *   {"id":N,"go":true|false}       (answer to the step's "pgid")
 *   {"id":N,"stop":true}           (stop step N: TERM, then KILL)
 *   {"id":N,"alive":PGID}  {"id":N,"kill":PGID,"sig":S}
 *   {"id":N,"fingerprint":{"file":F,"keys":[K..],"expand":B,"mac":HEX}}
 *                                  (env same_as across hosts: envcheck.h)
 * From the agent (every string redacted there, valid UTF-8):
 *   {"hello":"cutover","proto":1,"version":"0.1.0"}
 *   {"id":N,"error":"..."}  {"id":N,"ok":true}  {"id":N,"alive":B}
 *   {"id":N,"result":{"status":..,"message":..,"observed":..,
 *                     "threshold":..,"detail":..,"value":X}}
 *   {"id":N,"pgid":P}  {"id":N,"out":BASE64}
 *   {"id":N,"fingerprints":{"K":HEX,..}}  (keys absent from the file left out)
 *   {"id":N,"exit":{"code":C,"signal":S,"timed_out":B,"stopped":B,
 *                   "detached":B,"spawn_failed":B,"duration_us":D}}
 * ("id" 0 is the connection's: hello and plan answers.)
 */
#ifndef CUTOVER_HOSTS_PROTO_H
#define CUTOVER_HOSTS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "lib/buf.h"
#include "lib/util.h"

/* A line longer than this ends the connection (a plan is at most 16 MiB,
 * JSON-escaped at most ~6x in theory; real ones are far smaller). */
#define PROTO_LINE_MAX	(32u << 20)

enum proto_type {
	P_HELLO, P_PLAN, P_CHECK, P_STEP, P_GO, P_STOP, P_ALIVE, P_KILL,
	P_FPRINT,
	/* answers */
	P_ERROR, P_OK, P_RESULT, P_PGID, P_OUT, P_EXIT, P_ALIVE_ANS,
	P_FPRINT_ANS,
};

struct proto_msg {
	enum proto_type	 type;
	long long	 id;
	/* hello */
	char		*version;
	long long	 proto;
	/* plan; fingerprint: the env file */
	char		*file, *text;
	size_t		 textlen;
	struct strlist	 vars;		/* "NAME=VALUE" */
	struct strlist	 env;		/* "NAME=VALUE" */
	/* check, error */
	char		*str;
	/* step */
	struct strlist	 argv;
	char		*shell;
	struct strlist	 step_env;
	char		*cwd;
	int64_t		 timeout_us;
	/* go, alive answer, exit flags */
	bool		 flag;
	long long	 pgid;
	int		 sig;
	/* out: decoded bytes */
	struct buf	 out;
	/* result */
	struct result	 result;
	/* exit */
	int		 code, signal;
	bool		 timed_out, stopped, detached, spawn_failed;
	int64_t		 duration_us;
	/* fingerprint: the keys asked, expand in flag, the MAC key (hex);
	 * its answer: "KEY=HEX" per key found */
	struct strlist	 keys;
	char		*mac;
};

/*
 * Decode one line (any bytes) into m: 0, or -1 with a one-line *errp.
 * Release m with proto_msg_release either way.
 */
int	 proto_decode(const char *line, size_t len, struct proto_msg *m,
	    char **errp);
void	 proto_msg_release(struct proto_msg *m);

/* Encoders; each returns a line ending in '\n'. */
char	*proto_hello(void);
char	*proto_result(long long id, const struct result *r);
char	*proto_exit(long long id, int code, int sig, bool timed_out,
	    bool stopped, bool detached, bool spawn_failed, int64_t dur_us);
char	*proto_out(long long id, const char *data, size_t n);
/* {"id":N,"fingerprints":{..}} from "KEY=HEX" entries. */
char	*proto_fprints(long long id, const struct strlist *kv);
/* {"id":N,KEY:...} with a number, a bool or a (redacted) string. */
char	*proto_num(long long id, const char *key, long long v);
char	*proto_bool(long long id, const char *key, bool v);
char	*proto_str(long long id, const char *key, const char *s);

/* Line reader over a file descriptor. */
struct lread {
	int	 fd;
	char	*buf;
	size_t	 len, cap;
	size_t	 skip;		/* the line returned last, with its '\n' */
	bool	 eof;
};
/*
 * The next line (without '\n', NUL-terminated, valid until the next
 * call) in *line, *len: 1; 0 at end of input; -1 on an error or a line
 * over PROTO_LINE_MAX.  deadline_us (monotonic; 0: none) gives -2 when
 * it passes first.
 */
int	 lread_line(struct lread *lr, int64_t deadline_us, char **line,
	    size_t *len);
void	 lread_release(struct lread *lr);
/* Write all of s (a line) to fd: 0 or -1. */
int	 write_all(int fd, const char *s, size_t n);

#endif
