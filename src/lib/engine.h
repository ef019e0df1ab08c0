/*
 * engine.h - the Docker Engine API answers cutover reads: a container's
 * inspection (GET /containers/ID/json), a list of containers (GET
 * /containers/json), and the multiplexed log stream (GET
 * /containers/ID/logs).  JSON through jansson; every parser takes any
 * bytes and returns 0 or -1 with a message (fuzz_engine).
 */
#ifndef CUTOVER_ENGINE_H
#define CUTOVER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define ENGINE_SOCKET	"/var/run/docker.sock"
/* An inspection is ~10 KiB; a list of 1000 containers ~2 MiB. */
#define ENGINE_JSON_MAX	(8u << 20)

struct engine_ctr {
	char	*id;
	char	*name;		/* without Docker's leading '/' */
	char	*status;	/* created running paused restarting exited dead */
	char	*health;	/* starting healthy unhealthy; NULL: none */
	char	*health_log;	/* output of the last failing probe, or NULL */
	char	*image_ref;	/* Config.Image: as the user wrote it */
	char	*error;		/* State.Error, or NULL */
	long	 restarts;	/* RestartCount */
	long	 exit_code;
	bool	 tty;		/* Config.Tty: logs are not multiplexed */
	char	*service;	/* com.docker.compose.service label, or NULL */
	char	*image_id;	/* Image: the id the container runs, or NULL */
	long long memory;	/* HostConfig.Memory: the limit in bytes; 0 none */
	struct strlist env;	/* Config.Env: "KEY=value" (secrets: never print) */
};

int	 engine_ctr_parse(const char *json, size_t n, struct engine_ctr *c,
	    char **errp);
void	 engine_ctr_release(struct engine_ctr *c);
/* An image's inspection (GET /images/REF/json). */
struct engine_image {
	char	*id;
	long long size;		/* Size, bytes */
	int64_t	 created;	/* Created, Unix seconds; -1 when absent */
};
int	 engine_image_parse(const char *json, size_t n, struct engine_image *im,
	    char **errp);
void	 engine_image_release(struct engine_image *im);
/*
 * Docker's RFC 3339 times ("2026-11-30T11:49:03.123456789Z", or an
 * offset): Unix seconds, or -1 when s is not one.
 */
int64_t	 engine_time(const char *s);
/* The ids in an answer of GET /containers/json. */
int	 engine_list_parse(const char *json, size_t n, struct strlist *ids,
	    char **errp);
/* The message of an error answer ({"message": "..."}), or NULL. */
char	*engine_error_message(const char *json, size_t n);
/*
 * Is a reference pinned: a digest (@sha256:...) or a tag other than
 * `latest`?  An untagged reference means latest.
 */
bool	 engine_ref_pinned(const char *ref);

/*
 * The log stream of a container without a TTY: frames of an 8-byte
 * header {stream (0 stdin, 1 stdout, 2 stderr), 0, 0, 0, size (big
 * endian u32)} and size bytes of payload.  Fed in any pieces; the
 * payload goes to out() in pieces too.  -1 with a message on a malformed
 * header (the stream then cannot be trusted).
 */
struct engine_demux {
	unsigned char	 hdr[8];
	size_t		 hlen;
	uint32_t	 left;		/* payload bytes left in this frame */
	int		 stream;
};
int	 engine_demux_feed(struct engine_demux *d, const char *p, size_t n,
	    void (*out)(int stream, const char *p, size_t n, void *arg),
	    void *arg, char **errp);
/* 0 when the stream ended on a frame boundary, else -1 (cut short). */
int	 engine_demux_end(const struct engine_demux *d, char **errp);

#endif
