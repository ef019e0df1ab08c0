#!/usr/bin/env python3
"""alertsink.py PORT LOG [MODE|@FILE] [UPFILE] - an HTTP receiver for
alert webhooks.

Every request is appended to LOG as one JSON line: {"method", "path",
"headers", "body", "answer"}, then answered according to MODE (or to
the mode written in FILE, read at each request, so that one receiver
serves a test's every case: Python starts slowly on a loaded machine):

  ok         200 {"ok":true} (default)
  fail:N     503 to the first N requests (since the mode was set), then 200
  status:C   always status C (404: a wrong bot token, say)
  echo:C     always status C, the answer naming the request's path (as
             some servers do: the token in it must not be journaled)
  hang       reads the request, then never answers

With UPFILE the port stays closed (connections refused, as a receiver
that is down) until that file exists.  Threaded: a hung request does not
block the next one.  Loopback only.  Prints "started", then "ready" once
listening.
"""
import http.server
import json
import socketserver
import sys
import threading
import os
import time

port, log = int(sys.argv[1]), sys.argv[2]
mode_arg = sys.argv[3] if len(sys.argv) > 3 else "ok"
upfile = sys.argv[4] if len(sys.argv) > 4 else None
lock = threading.Lock()
count = [0]
last = [None]


def current_mode():
    if not mode_arg.startswith("@"):
        return mode_arg
    try:
        with open(mode_arg[1:]) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        mode = current_mode()
        with lock:
            if mode != last[0]:
                last[0], count[0] = mode, 0	# fail:N counts anew
            count[0] += 1
            k = count[0]
        if mode == "hang":
            answer = "hang"
        elif mode.startswith("fail:"):
            answer = 503 if k <= int(mode[5:]) else 200
        elif mode.startswith("status:"):
            answer = int(mode[7:])
        elif mode.startswith("echo:"):
            answer = int(mode[5:])
        else:
            answer = 200
        rec = {"method": self.command, "path": self.path,
               "headers": dict(self.headers.items()), "body": body,
               "answer": answer}
        with lock, open(log, "a") as f:
            f.write(json.dumps(rec) + "\n")
        if answer == "hang":
            time.sleep(3600)
            return
        out = b'{"ok":true}' if answer == 200 else b'{"ok":false,"description":"no"}'
        if mode.startswith("echo:"):
            out = ("no such path: " + self.path).encode()
        self.send_response(answer)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_POST = do_PUT = do_PATCH = do_GET = handle_any


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


print("started", flush=True)
while upfile and not os.path.exists(upfile):
    time.sleep(0.02)
srv = S(("127.0.0.1", port), H)
print("ready", flush=True)
srv.serve_forever()
