#!/usr/bin/env python3
"""relay.py LISTEN_HOST LISTEN_PORT DEST_HOST DEST_PORT DELAY_FILE

A delaying TCP relay, written for the tests: the kernel here has no netem
qdisc, so latency on the simulated private link is added in user space.
Every chunk from the client is held for the delay (milliseconds, read
from DELAY_FILE before each chunk, so a test can change it while the
relay runs) before it is forwarded; replies pass straight through.  A
request/reply round trip therefore takes the delay more.
"""
import socket
import sys
import threading
import time


def delay_s(path):
    try:
        with open(path) as f:
            return float(f.read().strip() or 0) / 1000.0
    except (OSError, ValueError):
        return 0.0


def pipe(src, dst, delay_path):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if delay_path:
                d = delay_s(delay_path)
                if d > 0:
                    time.sleep(d)
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client, dest, delay_path):
    try:
        upstream = socket.create_connection(dest, timeout=5)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    for s in (client, upstream):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=pipe, args=(client, upstream, delay_path),
                     daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client, None),
                     daemon=True).start()


def main():
    lhost, lport, dhost, dport, delay_path = sys.argv[1:6]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((lhost, int(lport)))
    ls.listen(64)
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()
        serve(c, (dhost, int(dport)), delay_path)


if __name__ == "__main__":
    main()
