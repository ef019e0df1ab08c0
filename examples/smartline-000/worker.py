#!/usr/bin/env python3
"""worker.py ENVFILE QUEUE - `php artisan queue:work redis --queue=QUEUE`
as far as the migration can see it: reads REDIS_* from the app's .env at
start, takes jobs from queues:QUEUE (BLPOP, with AUTH) and, for each job
processed, touches storage/queue-heartbeat: the file's age is how long
ago a job was last processed.  A lost connection is retried every 0.5 s
(and said on stderr, which supervisord logs).
"""
import os
import socket
import sys
import time

envfile, queue = sys.argv[1], sys.argv[2]
app = os.path.dirname(os.path.abspath(envfile))
beat = os.path.join(app, "storage/queue-heartbeat")
from envfile import read_env  # noqa: E402

E = read_env(envfile)


def cmd(s, f, *args):
    s.sendall(("*%d\r\n" % len(args)).encode() + b"".join(
        b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args))
    line = f.readline()
    if not line or line[:1] == b"-":
        raise OSError(line[1:].strip().decode() or "connection closed")
    if line[:1] == b"*":
        n = int(line[1:])
        for _ in range(max(n, 0)):
            ln = f.readline()
            f.read(int(ln[1:]) + 2)
        return n
    return line


while True:
    try:
        s = socket.create_connection((E["REDIS_HOST"], int(E.get("REDIS_PORT", 6379))), timeout=5)
        f = s.makefile("rb")
        cmd(s, f, "AUTH", E.get("REDIS_PASSWORD", ""))
        while True:
            if cmd(s, f, "BLPOP", "queues:" + queue, "1") > 0:
                with open(beat, "a"):
                    os.utime(beat)
    except OSError as e:
        print("worker %s: %s" % (queue, e), file=sys.stderr, flush=True)
        time.sleep(0.5)
