#!/bin/bash
# t0736-watch-http-batch.sh - the watch runs a round's http checks
# together (one curl multi handle, at most --jobs transfers at once,
# src/check/http.c run_batch): each check must still be judged as alone.
# One round holds passing, failing (status, body), slow (its own timeout),
# refused, retried (fails then passes within its budget), redirected and
# header-judged checks, checks that differ only in their URL (a kept
# handle is moved by its URL), and tcp checks between them; more checks
# than --jobs, so that some wait for a free transfer.  Then TLS: a CA
# file, insecure, and the system store refusing a self-signed server.
. "$(dirname "$0")/lib.sh"

HP=$(port)
python3 - "$HP" >"$T/srv.log" 2>&1 <<'PY' &
import http.server, sys, threading, time
lock = threading.Lock()
flaky = [0]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, code, body, extra=()):
        b = body.encode()
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        p = self.path
        if p == "/ok":
            self.reply(200, "ok", [("X-Role", "primary")])
        elif p == "/bad":
            self.reply(500, "no")
        elif p == "/slow":
            time.sleep(2)
            self.reply(200, "ok")
        elif p == "/flaky":
            # Odd requests fail, even ones pass: with one retry every
            # sample passes on its second attempt.
            with lock:
                flaky[0] += 1
                n = flaky[0]
            self.reply(503 if n % 2 else 200, "flaky %d" % n)
        elif p == "/flakycount":
            self.reply(200, str(flaky[0]))
        elif p == "/redir":
            self.reply(302, "", [("Location", "/ok")])
        else:
            self.reply(200, "path " + p)
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        self.reply(200, "got " + self.rfile.read(n).decode())
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
s.daemon_threads = True
print("ready", flush=True)
s.serve_forever()
PY
PIDS="$PIDS $!"
wait_ready "$T/srv.log" || { fail "server did not start"; done_testing; exit; }
CP=$(port)	# nothing listens
U="http://127.0.0.1:$HP"
{
	echo "cutover: 1"
	echo "name: batch"
	echo "checks:"
	echo "  - { id: ok, kind: http, url: '$U/ok', body_contains: ok }"
	echo "  - { id: tcp-up, kind: tcp, address: '127.0.0.1:$HP' }"
	echo "  - { id: bad, kind: http, url: '$U/bad' }"
	echo "  - { id: slow, kind: http, url: '$U/slow', timeout: 400ms }"
	echo "  - { id: refused, kind: http, url: 'http://127.0.0.1:$CP/' }"
	echo "  - { id: tcp-down, kind: tcp, address: '127.0.0.1:$CP' }"
	echo "  - { id: body, kind: http, url: '$U/ok', body_contains: nope }"
	echo "  - { id: flaky, kind: http, url: '$U/flaky', retries: 1, retry_interval: 50ms }"
	echo "  - { id: redir, kind: http, url: '$U/redir', follow_redirects: true, body_contains: ok }"
	echo "  - { id: noredir, kind: http, url: '$U/redir', expect_status: 302 }"
	echo "  - { id: role, kind: http, url: '$U/ok', header: 'X-Role: primary' }"
	echo "  - { id: role2, kind: http, url: '$U/ok', header: 'X-Role: standby' }"
	echo "  - { id: post, kind: http, url: '$U/p', method: POST, body: ping, body_contains: 'got ping' }"
	ids="ok, tcp-up, bad, slow, refused, tcp-down, body, flaky, redir, noredir, role, role2, post"
	for i in 1 2 3 4 5 6 7 8; do
		echo "  - { id: p$i, kind: http, url: '$U/path/$i', body_contains: 'path /path/$i' }"
		ids="$ids, p$i"
	done
	echo "phases:"
	echo "  - id: post"
	echo "    watch: { every: 1s, for: 3s, checks: [$ids] }"
} >"$T/plan.yml"
run "$CUTOVER" watch "$T/plan.yml" --state "$T/w.db" --format jsonl --jobs 3
# Each check's statuses and messages over all samples (times and curl's
# own words cut off).
st=$(python3 -c '
import json, re, sys
seen, n = {}, {}
for l in sys.stdin:
    o = json.loads(l)
    if o.get("type") != "sample":
        continue
    m = re.split(r" in [0-9]| \(", o["message"] or "")[0]
    seen.setdefault(o["check"], set()).add(o["status"] + ":" + m)
    n[o["check"]] = n.get(o["check"], 0) + 1
for k in sorted(seen):
    print(k, n[k], sorted(seen[k]))' <<<"$out" | sed "s/$HP/HP/g; s/$CP/CP/g")
expect_eq "$st" "bad 3 ['fail:http://127.0.0.1:HP/bad answered HTTP 500, expected 2xx']
body 3 [\"fail:http://127.0.0.1:HP/ok: body does not contain 'nope'\"]
flaky 3 ['pass:HTTP 200']
noredir 3 ['pass:HTTP 302']
ok 3 ['pass:HTTP 200']
p1 3 ['pass:HTTP 200']
p2 3 ['pass:HTTP 200']
p3 3 ['pass:HTTP 200']
p4 3 ['pass:HTTP 200']
p5 3 ['pass:HTTP 200']
p6 3 ['pass:HTTP 200']
p7 3 ['pass:HTTP 200']
p8 3 ['pass:HTTP 200']
post 3 ['pass:HTTP 200']
redir 3 ['pass:HTTP 200']
refused 3 ['fail:connect to http://127.0.0.1:CP/ refused or unreachable']
role 3 ['pass:HTTP 200']
role2 3 [\"fail:http://127.0.0.1:HP/ok: header X-Role is 'primary', expected 'X-Role: standby'\"]
slow 3 ['fail:http://127.0.0.1:HP/slow timed out after 400.0ms']
tcp-down 3 ['fail:connect to 127.0.0.1:CP refused']
tcp-up 3 ['pass:connected to 127.0.0.1:HP']" "each check judged as alone, every sample"
# The slow check timed out at its own 400ms, not at the round's grace,
# and did not hold the others: every round kept its 1 s pace.
d=$(sqlite3 "$T/w.db" "select count(*) from samples" 2>/dev/null)
expect_eq "$d" 63 "3 rounds of 21 checks journaled"
# The flaky check passed on its second attempt each time: the server
# saw two requests a sample.
n=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$U/flakycount")
expect_eq "$n" 6 "flaky: a failed first attempt and a passing retry each sample"

# --- TLS in a batch ----------------------------------------------------
command -v openssl >/dev/null || { echo "skipped: TLS part (no openssl)"; done_testing; exit 0; }
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$T/k.pem" -out "$T/c.pem" >/dev/null 2>&1
SP=$(port)
python3 - "$SP" "$T/c.pem" "$T/k.pem" >"$T/tls.log" 2>&1 <<'PY' &
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
s.daemon_threads = True
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print("ready", flush=True)
s.serve_forever()
PY
PIDS="$PIDS $!"
wait_ready "$T/tls.log" || { fail "TLS server did not start"; done_testing; exit; }
S="https://127.0.0.1:$SP"
cat >"$T/tls.yml" <<YML
cutover: 1
name: tls
checks:
  - { id: ca, kind: http, url: "$S/a", ca_file: "$T/c.pem", body_contains: ok }
  - { id: insecure, kind: http, url: "$S/b", insecure: true }
  - { id: untrusted, kind: http, url: "$S/c" }
  - { id: ca2, kind: http, url: "$S/d", ca_file: "$T/c.pem" }
phases:
  - id: post
    watch: { every: 500ms, for: 1s, checks: [ca, insecure, untrusted, ca2] }
YML
run "$CUTOVER" watch "$T/tls.yml" --state "$T/tls.db" --format jsonl --jobs 2
st=$(python3 -c '
import json, sys
seen = {}
for l in sys.stdin:
    o = json.loads(l)
    if o.get("type") == "sample":
        m = o["message"] or ""
        k = "insecure" if "TLS not verified" in m else "certificate" if "certificate" in m else ""
        seen.setdefault(o["check"], set()).add(o["status"] + ":" + k)
for k in sorted(seen): print(k, sorted(seen[k]))' <<<"$out")
expect_eq "$st" "ca ['pass:']
ca2 ['pass:']
insecure ['pass:insecure']
untrusted ['fail:certificate']" "TLS: CA file, insecure (said so) and the system store, each sample"
done_testing
