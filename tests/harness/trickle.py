#!/usr/bin/env python3
"""trickle.py PORT_FILE - a TLS "server" that never finishes a handshake.

Accepts any number of connections and answers each with the header of a
TLS handshake record announcing 16 KiB, then one byte of it every 200ms,
for ever: every read a client makes succeeds, so a per-read socket
timeout never fires and only an overall deadline ends the handshake.
One thread, selectors: thousands of clients at once.  Loopback only;
writes the port it bound to PORT_FILE, then "ready" on stdout.
"""
import selectors, socket, sys, time

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(4096)
ls.setblocking(False)
with open(sys.argv[1], "w") as f:
    f.write(str(ls.getsockname()[1]))
sel = selectors.DefaultSelector()
sel.register(ls, selectors.EVENT_READ)
conns = set()
print("ready", flush=True)
last = time.monotonic()
while True:
    for key, _ in sel.select(timeout=0.05):
        if key.fileobj is ls:
            try:
                c, _ = ls.accept()
            except OSError:
                continue
            c.setblocking(False)
            try:
                c.send(b"\x16\x03\x03\x40\x00")
            except OSError:
                c.close()
                continue
            sel.register(c, selectors.EVENT_READ)
            conns.add(c)
        else:
            c = key.fileobj
            try:
                d = c.recv(65536)
            except OSError:
                d = b""
            if not d:
                sel.unregister(c)
                conns.discard(c)
                c.close()
    if time.monotonic() - last >= 0.2:
        last = time.monotonic()
        for c in list(conns):
            try:
                c.send(b"\x02")
            except BlockingIOError:
                pass
            except OSError:
                sel.unregister(c)
                conns.discard(c)
                c.close()
