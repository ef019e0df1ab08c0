#!/usr/bin/python3
"""load.py PORT steady RATE | PORT longpoll CLIENTS [GOFILE]

Traffic for the simulated XFChat server on 127.0.0.1:PORT until killed.

  steady RATE       logins and sent messages, RATE requests a second in
                    all (users 1-500, conversations 1-50): the everyday
                    load, which holds a pool connection for milliseconds.
  longpoll CLIENTS  CLIENTS clients each waiting on a conversation
                    (/api/conversations/N/wait) again and again: the
                    seed's "unbounded concurrent requests" that exhaust
                    v2's pool, whose long-poll holds a connection while
                    it waits.  With GOFILE the clients are ready
                    and start at once when that file appears.

Errors (the server down during the switch, 503s) are counted, never
fatal; the counts are printed every 5 s.
"""
import http.client
import json
import random
import sys
import threading
import time

import os

port, mode, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
gofile = sys.argv[4] if len(sys.argv) > 4 else None
stats = {"ok": 0, "err": 0}
lock = threading.Lock()


def req(method, path, body=None, timeout=5):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        data = json.dumps(body).encode() if body is not None else None
        c.request(method, path, body=data,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        c.close()
        good = r.status < 400
    except OSError:
        good = False
        time.sleep(0.1)
    with lock:
        stats["ok" if good else "err"] += 1


def steady():
    while True:
        t = time.time()
        if random.random() < 0.3:
            req("POST", "/api/login",
                {"username": "user%d" % random.randint(1, 500)})
        else:
            req("POST", "/api/messages",
                {"conversation_id": random.randint(1, 50),
                 "sender_id": random.randint(1, 500), "body": "hello"})
        time.sleep(max(0.0, 4.0 / n - (time.time() - t)))


def longpoll():
    while gofile and not os.path.exists(gofile):
        time.sleep(0.02)
    while True:
        req("GET", "/api/conversations/%d/wait" % random.randint(1, 50),
            timeout=10)


threads = 4 if mode == "steady" else n
for _ in range(threads):
    threading.Thread(target=steady if mode == "steady" else longpoll,
                     daemon=True).start()
while True:
    time.sleep(5)
    with lock:
        print("%s %s: %d ok, %d errors" % (time.strftime("%H:%M:%S"), mode,
                                           stats["ok"], stats["err"]),
              flush=True)
