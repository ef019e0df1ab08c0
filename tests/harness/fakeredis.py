#!/usr/bin/env python3
"""fakeredis.py MODE PORT - a hostile Redis no real server would be.

  permissive  NOAUTH until AUTH; then AUTH with any password is +OK
  auth-int    NOAUTH until AUTH; AUTH answers :0 (an integer, not OK)
  bigping     PING answers a 300 MB bulk string, sent as fast as read
  bigerr      PING answers an error line of 300 MB

Prints "ready" once listening.
"""
import socket, socketserver, sys

MODE, PORT = sys.argv[1], int(sys.argv[2])
BIG = 300 * 1024 * 1024
CHUNK = b"x" * 65536


def commands(f):
    """RESP arrays of bulk strings -> lists of bytes."""
    while True:
        line = f.readline()
        if not line:
            return
        if not line.startswith(b"*"):
            yield line.split()
            continue
        args = []
        for _ in range(int(line[1:])):
            n = int(f.readline()[1:])
            args.append(f.read(n + 2)[:n])
        yield args


def stream(w, head, n, tail):
    w.write(head)
    while n > 0:
        c = CHUNK[:min(n, len(CHUNK))]
        w.write(c)
        n -= len(c)
    w.write(tail)


class H(socketserver.StreamRequestHandler):
    def handle(self):
        authed = False
        try:
            for args in commands(self.rfile):
                c = args[0].upper() if args else b""
                if MODE == "bigping" and c == b"PING":
                    stream(self.wfile, b"$%d\r\n" % BIG, BIG, b"\r\n")
                elif MODE == "bigerr" and c == b"PING":
                    stream(self.wfile, b"-ERR ", BIG, b"\r\n")
                elif c == b"AUTH":
                    authed = True
                    self.wfile.write(b":0\r\n" if MODE == "auth-int" else b"+OK\r\n")
                elif not authed and MODE in ("permissive", "auth-int"):
                    self.wfile.write(b"-NOAUTH Authentication required.\r\n")
                elif c == b"PING":
                    self.wfile.write(b"+PONG\r\n")
                else:
                    self.wfile.write(b"+OK\r\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer.allow_reuse_address = True
srv = socketserver.ThreadingTCPServer(("127.0.0.1", PORT), H)
print("ready", flush=True)
srv.serve_forever()
