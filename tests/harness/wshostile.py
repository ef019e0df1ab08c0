#!/usr/bin/env python3
"""wshostile.py PORT - a WebSocket server that gets it wrong, chosen by the
request path: /wrong-accept (101 with an accept for another key), /200
(an HTTP 200 page), /silent (reads, never answers), /no-upgrade (101
without Upgrade), /masked (101 right, then a masked frame), /trickle
(the answer one byte per 200ms), /junk (not HTTP).  Prints "ready"."""
import base64
import hashlib
import socket
import sys
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept(key):
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def serve(c):
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            d = c.recv(4096)
            if not d:
                return
            data += d
        line = data.split(b"\r\n")[0].decode()
        path = line.split(" ")[1]
        key = b""
        for h in data.split(b"\r\n"):
            if h.lower().startswith(b"sec-websocket-key:"):
                key = h.split(b":", 1)[1].strip()
        ok = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept(key) +
              b"\r\n\r\n")
        if path == "/wrong-accept":
            c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      b"Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                      accept(b"dGhlIHNhbXBsZSBub25jZQ==") + b"\r\n\r\n")
        elif path == "/200":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
        elif path == "/silent":
            time.sleep(30)
        elif path == "/no-upgrade":
            c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: " +
                      accept(key) + b"\r\n\r\n")
        elif path == "/masked":
            c.sendall(ok + b"\x81\x82abcd\x00\x00")
        elif path == "/trickle":
            for b in ok:
                c.sendall(bytes([b]))
                time.sleep(0.2)
        elif path == "/junk":
            c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
        time.sleep(5)
    except OSError:
        pass
    finally:
        c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
