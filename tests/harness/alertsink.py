#!/usr/bin/env python3
"""alertsink.py PORT LOG [MODE] - an HTTP receiver for alert webhooks.

Every request is appended to LOG as one JSON line: {"method", "path",
"headers", "body", "answer"}, then answered according to MODE:

  ok         200 {"ok":true} (default)
  fail:N     503 to the first N requests, then 200
  status:C   always status C (404: a wrong bot token, say)
  hang       reads the request, then never answers

Threaded: a hung request does not block the next one.  Loopback only.
Prints "ready" once listening.
"""
import http.server
import json
import socketserver
import sys
import threading
import time

port, log = int(sys.argv[1]), sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "ok"
lock = threading.Lock()
count = [0]


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        with lock:
            count[0] += 1
            k = count[0]
        if mode == "hang":
            answer = "hang"
        elif mode.startswith("fail:"):
            answer = 503 if k <= int(mode[5:]) else 200
        elif mode.startswith("status:"):
            answer = int(mode[7:])
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
        self.send_response(answer)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_POST = do_PUT = do_PATCH = do_GET = handle_any


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = S(("127.0.0.1", port), H)
print("ready", flush=True)
srv.serve_forever()
