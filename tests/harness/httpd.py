#!/usr/bin/env python3
"""httpd.py - a small real HTTP server for the tests (threaded).

  /ok                 200 "ok"
  /status/NNN         that status
  /delay/MS           200 after MS milliseconds
  /header             200 with X-Cutover: yes
  /body/TEXT          200 with TEXT as the body
  /count              200, body = number of requests so far (for retries)
  /hdr?N=V&N=V        200 with those headers, in order (names may repeat)
  /early-hints        103 Early Hints carrying Strict-Transport-Security,
                      then a 200 without it
  /redirect-hsts      302 with Strict-Transport-Security to /ok (without)
  /loop/N             302 to /loop/N+1, for ever
"""
import sys, time, threading
from urllib.parse import urlsplit, parse_qsl
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

count = 0
lock = threading.Lock()

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def reply(self, code, body=b"ok", headers=()):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def do_GET(self):
        global count
        with lock:
            count += 1
            n = count
        p = self.path.split("?")[0].split("/")[1:]
        if p[0] == "ok":
            self.reply(200)
        elif p[0] == "status" and len(p) > 1:
            self.reply(int(p[1]), b"status")
        elif p[0] == "delay" and len(p) > 1:
            time.sleep(int(p[1]) / 1000.0)
            self.reply(200)
        elif p[0] == "header":
            self.reply(200, headers=[("X-Cutover", "yes")])
        elif p[0] == "body" and len(p) > 1:
            self.reply(200, "/".join(p[1:]).encode())
        elif p[0] == "hdr":
            q = parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
            self.reply(200, headers=q)
        elif p[0] == "early-hints":
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\n"
                             b"Strict-Transport-Security: max-age=31536000\r\n"
                             b"Link: </style.css>; rel=preload\r\n\r\n")
            self.reply(200)
        elif p[0] == "redirect-hsts":
            self.reply(302, b"", headers=[
                ("Location", "/ok"),
                ("Strict-Transport-Security", "max-age=31536000")])
        elif p[0] == "loop" and len(p) > 1:
            self.reply(302, b"", headers=[("Location", "/loop/%d" % (int(p[1]) + 1)),
                                          ("X-Pad", "x" * 8000)])
        elif p[0] == "count":
            self.reply(200, str(n).encode())
        else:
            self.reply(404, b"not found")
    do_HEAD = do_GET
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        self.reply(200, body)

ThreadingHTTPServer.daemon_threads = True
# socketserver's default backlog of 5 drops the SYNs of a burst of
# concurrent checks: the kernel retries after 1s and a 50us connect is
# measured as 1s, which turns latency tiers into coin flips.
ThreadingHTTPServer.request_queue_size = 128
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
