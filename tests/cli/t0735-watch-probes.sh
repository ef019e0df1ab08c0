#!/bin/bash
# t0735-watch-probes.sh - what the watch's per-sample savings must keep:
# a passing check that turns failing journals its message and prints the
# change (passing samples of a passing check format no message); the
# http kind still goes through a proxy named in the environment (the
# lookup is made once a process); tcp probes of this host's ports give
# connect()'s verdicts in a watch (SYN probes when root, see
# tests/unit/test_synprobe.c for each case against connect()).
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 CLI missing"; exit 0; }

# --- file: pass, fail mid-watch, pass again ---------------------------
f="$T/watched"; : >"$f"; chmod 644 "$f"
cat >"$T/file.yml" <<YML
cutover: 1
name: probes
checks:
  - { id: perm, kind: file, path: "$f", max_mode: "0644" }
phases:
  - id: post
    watch: { every: 200ms, for: 3s, checks: [perm] }
YML
( sleep 1; chmod 666 "$f"; sleep 1; chmod 644 "$f" ) &
PIDS="$PIDS $!"
run "$CUTOVER" watch "$T/file.yml" --state "$T/f.db"
expect_out "perm +fail: '.*watched' has mode 0666, more open than 0644" \
	"the change to failing is printed with its message"
expect_out "perm +pass: '.*watched' exists, mode ok" \
	"the recovery is printed with its message"
nf=$(sqlite3 "$T/f.db" "select count(*) from samples where s >= 2")
[ "${nf:-0}" -ge 3 ] && ok "failing samples journaled ($nf)" || fail "failing samples: $nf"
expect_eq "$(sqlite3 "$T/f.db" "select count(*) from samples where s >= 2 and m like '%more open than 0644%'")" 1 \
	"the failing message is journaled once (unchanged messages are not repeated)"

# --- http: a proxy from the environment -------------------------------
PP=$(port)
python3 - "$PP" >"$T/proxy.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        b = ("via-proxy " + self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("ready", flush=True)
s.serve_forever()
PY
PIDS="$PIDS $!"
wait_ready "$T/proxy.log" || { fail "proxy did not start"; done_testing; exit; }
cat >"$T/http.yml" <<YML
cutover: 1
name: proxied
checks:
  - { id: far, kind: http, url: "http://cutover-test.invalid/x", body_contains: "via-proxy http://cutover-test.invalid/x", timeout: 3s }
phases:
  - id: post
    watch: { every: 300ms, for: 1s, checks: [far] }
YML
run env http_proxy="http://127.0.0.1:$PP" "$CUTOVER" watch "$T/http.yml" --state "$T/h1.db"
expect_rc 0 "http_proxy in the environment is used"
expect_eq "$(sqlite3 "$T/h1.db" "select count(*) from samples where s >= 2")" 0 "every proxied sample passed"
run env -u http_proxy -u HTTP_PROXY -u all_proxy -u ALL_PROXY "$CUTOVER" check "$T/http.yml"
expect_rc 1 "without it the name does not resolve"

# --- tcp: open, closed, expect closed, in a watch ---------------------
LP=$(port)
python3 - "$LP" >"$T/listen.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.close()
PY
PIDS="$PIDS $!"
wait_ready "$T/listen.log" || { fail "listener did not start"; done_testing; exit; }
CP=$(port)
cat >"$T/tcp.yml" <<YML
cutover: 1
name: tcp
checks:
  - { id: up, kind: tcp, address: "127.0.0.1:$LP" }
  - { id: down, kind: tcp, address: "127.0.0.1:$CP" }
  - { id: shut, kind: tcp, address: "127.0.0.1:$CP", expect: closed }
  - { id: wide, kind: tcp, address: "127.0.0.1:$LP", expect: closed }
phases:
  - id: post
    watch: { every: 200ms, for: 1s, checks: [up, down, shut, wide] }
YML
run "$CUTOVER" watch "$T/tcp.yml" --state "$T/t.db" --format jsonl
q() { sqlite3 "$T/t.db" "select group_concat(distinct s) from samples where c = $1"; }
st=$(python3 -c '
import json, sys
seen = {}
for l in sys.stdin:
    o = json.loads(l)
    if o.get("type") == "sample":
        seen.setdefault(o["check"], set()).add(o["status"] + ":" + o["message"].split(" in ")[0])
for k in sorted(seen): print(k, sorted(seen[k]))' <<<"$out")
expect_eq "$st" "down ['fail:connect to 127.0.0.1:$CP refused']
shut ['pass:port 127.0.0.1:$CP is closed (connection refused)']
up ['pass:connected to 127.0.0.1:$LP']
wide ['fail:port 127.0.0.1:$LP is OPEN (connected']" "each tcp check's verdict and message, every sample"
done_testing
