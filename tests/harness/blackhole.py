#!/usr/bin/env python3
"""blackhole.py PORT - a port that never completes a TCP handshake.

It listens with a backlog of 0 and fills that backlog itself, so the
kernel drops further SYNs: a client's connect() hangs until its timeout,
as against a firewalled ("filtered") port.  Loopback only.
"""
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(0)
fill = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", int(sys.argv[1])))
    except BlockingIOError:
        pass
    fill.append(c)
print("ready", flush=True)
while True:
    time.sleep(3600)
