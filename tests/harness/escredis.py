#!/usr/bin/env python3
"""A hostile "Redis" on loopback for t0237: every command gets an error
whose text carries terminal control sequences (erase the line, go to
column 1, green "pass"; a bare CR; a raw and a UTF-8 C1 CSI; BEL), as a
peer could send to redraw a failing row as passing.  Prints its port.

escredis.py SECRET: the error instead carries SECRET where the check cuts
a server's message at 100 bytes (as a server echoing a password would).
"""
import socket
import sys
import threading

EVIL = (b"-ERR \x1b[2K\x1b[1G\x1b[32mpass\x1b[0m evil\rpass"
        b"\x9b31m\xc2\x9b32m\x07\x7f\r\n")
if len(sys.argv) > 1:
    EVIL = b"-ERR " + b"x" * 90 + b" " + sys.argv[1].encode() + b" rest\r\n"

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)


def serve(c):
    try:
        while c.recv(4096):
            c.sendall(EVIL)
    except OSError:
        pass
    c.close()


while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
