#!/usr/bin/env python3
"""flaky.py PORT - an HTTP service whose health a test steers.

GET /health answers 200 "ok", or 500 for a share of requests, after an
optional delay.  GET /control?fail=60&delay=0.5 sets the failing share (in
percent) and the delay (seconds) and restarts the count.  The failures are
spread exactly (request i fails when floor((i+1)p) > floor(ip)), so 60%
is 3 of every 5 requests, never a coin toss.  GET /count says how many
health requests came and how many failed.  Prints "ready" once listening.
"""
import http.server
import sys
import threading
import time
import urllib.parse

state = {"fail": 0.0, "delay": 0.0, "n": 0, "failed": 0}
lock = threading.Lock()


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, code, body):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path == "/control":
            with lock:
                if "fail" in q:
                    state["fail"] = float(q["fail"][0]) / 100
                if "delay" in q:
                    state["delay"] = float(q["delay"][0])
                state["n"] = state["failed"] = 0
            return self.answer(200, "ok")
        if u.path == "/count":
            with lock:
                return self.answer(200, "%d %d" % (state["n"], state["failed"]))
        if u.path != "/health":
            return self.answer(404, "no")
        with lock:
            i, p, d = state["n"], state["fail"], state["delay"]
            state["n"] += 1
            bad = int((i + 1) * p + 1e-9) > int(i * p + 1e-9)
            state["failed"] += bad
        if d:
            time.sleep(d)
        self.answer(500 if bad else 200, "failing" if bad else "ok")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
srv.daemon_threads = True
print("ready", flush=True)
srv.serve_forever()
