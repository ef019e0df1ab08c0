#!/usr/bin/env python3
"""fakesock.py MODE PATH [BODY] - a hostile daemon on a unix socket, for
what no real dockerd or supervisord does: `hang` accepts and never answers;
`answer` replies HTTP 200 with BODY (malformed JSON or XML-RPC) to every
request; `stale` binds the socket and exits, leaving it with nobody
listening.  Prints "ready" once it listens."""
import os, socket, sys, threading, time

mode, path = sys.argv[1], sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 else b""
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX)
s.bind(path)
if mode == "stale":
    print("ready", flush=True)
    sys.exit(0)
s.listen(16)
print("ready", flush=True)


def serve(c):
    data = b""
    while b"\r\n\r\n" not in data:
        d = c.recv(65536)
        if not d:
            return
        data += d
    if mode == "hang":
        time.sleep(3600)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
              + body)
    c.close()


while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
