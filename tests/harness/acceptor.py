#!/usr/bin/env python3
"""acceptor.py PORT_FILE - accepts any number of TCP connections and closes
them at once: a port that is open under thousands of concurrent connects
(a listen backlog of 4096, one thread, never busy).  Loopback only; writes
the port it bound to PORT_FILE, then "ready" on stdout.
"""
import socket, sys

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(4096)
with open(sys.argv[1], "w") as f:
    f.write(str(ls.getsockname()[1]))
print("ready", flush=True)
while True:
    c, _ = ls.accept()
    c.close()
