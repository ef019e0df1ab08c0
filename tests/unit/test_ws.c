/* test_ws.c - the WebSocket handshake and frames (lib/ws.h). */
#include <string.h>

#include "../t.h"
#include "lib/ws.h"

T_TEST(accept_key)
{
	char out[29], key[25], key2[25];

	/* The example of RFC 6455 section 1.3. */
	ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", out);
	T_EQ_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	T_OK(ws_key(key) == 0 && ws_key(key2) == 0);
	T_EQ_INT(strlen(key), 24);
	T_OK(strcmp(key, key2) != 0);
}

T_TEST(answer)
{
	static const char ok[] = "HTTP/1.1 101 Switching Protocols\r\n"
	    "upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
	    "Sec-WebSocket-Accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \r\n\r\n\x81";
	struct ws_answer a;

	T_EQ_INT(ws_answer_parse(ok, sizeof(ok) - 1, &a), 0);
	T_EQ_INT(a.status, 101);
	T_EQ_STR(a.reason, "Switching Protocols");
	T_EQ_STR(a.upgrade, "WebSocket");
	T_OK(a.conn_upgrade);
	T_EQ_STR(a.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	T_EQ_INT(a.head_len, sizeof(ok) - 2);
	T_EQ_INT(ws_answer_parse(ok, 40, &a), 1);	/* more to come */
	T_EQ_INT(ws_answer_parse("HTT", 3, &a), 1);
	T_EQ_INT(ws_answer_parse("SSH-2.0-x\r\n\r\n", 13, &a), -1);
	T_EQ_INT(ws_answer_parse("HTTP/1.1 1\r\n\r\n", 14, &a), -1);
	T_EQ_INT(ws_answer_parse("HTTP/1.1 200 OK\r\nbad line\r\n\r\n", 29,
	    &a), -1);
	T_EQ_INT(ws_answer_parse("HTTP/1.1 200 OK\r\nConnection: upgraded\r\n"
	    "\r\n", 41, &a), 0);
	T_OK(!a.conn_upgrade);
}

T_TEST(frames)
{
	struct buf b;
	struct ws_frame f;
	const char *why = NULL;
	static const unsigned char text[] = "\x81\x05hello";
	static const unsigned char len16[] = { 0x82, 126, 0x01, 0x00 };
	static const unsigned char masked[] = { 0x81, 0x81, 1, 2, 3, 4, 'x' };
	static const unsigned char rsv[] = { 0xc1, 0x00 };
	static const unsigned char bigping[] = { 0x89, 126, 0x00, 0x80 };
	static const unsigned char huge[] = { 0x82, 127, 0x80, 0, 0, 0, 0, 0, 0,
	    0 };

	T_EQ_INT(ws_frame_parse(text, 7, 100, &f, &why), 0);
	T_OK(f.fin && f.opcode == WS_TEXT && f.len == 5 && f.size == 7 &&
	    memcmp(f.payload, "hello", 5) == 0);
	T_EQ_INT(ws_frame_parse(text, 6, 100, &f, &why), 1);
	T_EQ_INT(ws_frame_parse(len16, 4, 1000, &f, &why), 1);	/* 256 bytes */
	T_EQ_INT(ws_frame_parse(len16, 4, 100, &f, &why), -1);
	T_EQ_INT(ws_frame_parse(masked, 7, 100, &f, &why), -1);
	T_OK(strstr(why, "masked") != NULL);
	T_EQ_INT(ws_frame_parse(rsv, 2, 100, &f, &why), -1);
	T_EQ_INT(ws_frame_parse(bigping, 4, 1000, &f, &why), -1);
	T_EQ_INT(ws_frame_parse(huge, 10, 1000, &f, &why), -1);
	/* What we send is masked and says its length. */
	buf_init(&b, 0);
	ws_frame_add(&b, WS_TEXT, "ping 42", 7);
	T_EQ_INT(b.len, 2 + 4 + 7);
	T_EQ_INT((unsigned char)b.s[0], 0x81);
	T_EQ_INT((unsigned char)b.s[1], 0x80 | 7);
	char un[8];
	for (int i = 0; i < 7; i++)
		un[i] = (char)(b.s[6 + i] ^ b.s[2 + (i & 3)]);
	un[7] = '\0';
	T_EQ_STR(un, "ping 42");
	buf_reset(&b);
	char big[70000];
	memset(big, 'a', sizeof(big));
	ws_frame_add(&b, WS_BINARY, big, sizeof(big));
	T_EQ_INT(b.len, 2 + 8 + 4 + sizeof(big));
	T_EQ_INT((unsigned char)b.s[1], 0x80 | 127);
	buf_release(&b);
}

T_SUITE(ws, accept_key, answer, frames)
