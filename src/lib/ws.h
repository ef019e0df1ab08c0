/*
 * ws.h - the client side of the WebSocket protocol (RFC 6455) that kind
 * `websocket` speaks: the opening handshake (key, expected accept value,
 * the server's answer parsed) and frames.  No I/O: the caller owns the
 * connection, so these are fuzzed as plain parsers (fuzz_ws.c).
 */
#ifndef CUTOVER_WS_H
#define CUTOVER_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A fresh Sec-WebSocket-Key: 16 random bytes in base64 (24 chars + NUL). */
int	 ws_key(char out[25]);
/* The Sec-WebSocket-Accept a server must answer to key (28 + NUL). */
void	 ws_accept_for(const char *key, char out[29]);

/* The server's answer to the upgrade request, up to its blank line. */
struct ws_answer {
	int	 status;		/* 101 */
	char	 reason[64];
	char	 upgrade[64];		/* Upgrade: value, "" when absent */
	bool	 conn_upgrade;		/* Connection: has the token upgrade */
	char	 accept[64];		/* Sec-WebSocket-Accept, "" absent */
	size_t	 head_len;		/* bytes up to and with CRLF CRLF */
};
/*
 * Parse the answer at b[0..n): 0 when the head is complete (*a filled),
 * 1 when more bytes are needed, -1 when it is not HTTP (no status line,
 * a line without a colon, a bare LF-only stream of 64 KiB...).
 */
int	 ws_answer_parse(const char *b, size_t n, struct ws_answer *a);

enum { WS_CONT = 0, WS_TEXT = 1, WS_BINARY = 2, WS_CLOSE = 8, WS_PING = 9,
	WS_PONG = 10 };

/* Append a client frame (masked, as clients must) to out. */
void	 ws_frame_add(struct buf *out, int opcode, const void *data,
	    size_t len);

struct ws_frame {
	bool		 fin;
	int		 opcode;
	const unsigned char *payload;	/* inside the input */
	uint64_t	 len;
	size_t		 size;		/* header + payload */
};
/*
 * One server frame at b[0..n): 0 with *f when whole, 1 when more bytes
 * are needed, -1 when it breaks the protocol (*why says how): reserved
 * bits set, an unknown opcode, a masked server frame, a control frame
 * longer than 125 bytes or fragmented, or a payload past max.
 */
int	 ws_frame_parse(const unsigned char *b, size_t n, uint64_t max,
	    struct ws_frame *f, const char **why);

#endif
