#!/bin/bash
# t0674-websocket.sh - kind `websocket` against a real WebSocket server
# (python3-websockets; ws:// and wss:// with a certificate this test makes)
# and a hostile one (wrong accept key, 200 instead of 101, no answer, no
# Upgrade header, a masked server frame, an answer trickled past the
# timeout, not HTTP); and kind `http` judging a 101 answer at once.
. "$(dirname "$0")/lib.sh"
cd "$T"

# Debian's python3-websockets lives in Debian's python, not in whatever
# python3 comes first in PATH.
PY=/usr/bin/python3
"$PY" -c 'import websockets' 2>/dev/null || { echo "skipped: python3-websockets not installed"; exit 0; }
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout ws.key -out ws.crt >/dev/null 2>&1
P=$(port); PS=$(port); PH=$(port)
"$PY" "$ROOT/tests/harness/wsecho.py" "$P" > ws.log 2>&1 &
PIDS="$PIDS $!"
"$PY" "$ROOT/tests/harness/wsecho.py" "$PS" ws.crt ws.key > wss.log 2>&1 &
PIDS="$PIDS $!"
"$PY" "$ROOT/tests/harness/wshostile.py" "$PH" > hostile.log 2>&1 &
PIDS="$PIDS $!"
wait_ready ws.log && wait_ready wss.log && wait_ready hostile.log ||
	{ fail "servers did not start" "$(cat ./*.log)"; done_testing; exit 1; }
CLOSED=$(port)

cat > plan.yml <<E2
cutover: 1
name: t0674
checks:
  - { id: ws, kind: websocket, url: "ws://127.0.0.1:$P/echo" }
  - { id: ws-echo, kind: websocket, url: "ws://127.0.0.1:$P/echo?token=abc", send: "ping 42", expect: "^echo: ping 42\$", headers: ["Origin: https://app.example.com"] }
  - { id: ws-greet, kind: websocket, url: "ws://localhost:$P/greet", expect: "welcome" }
  - { id: wss, kind: websocket, url: "wss://localhost:$PS/echo", ca_file: ws.crt, send: hi, expect: "echo: hi" }
  - { id: wss-untrusted, kind: websocket, url: "wss://localhost:$PS/echo" }
  - { id: wss-insecure, kind: websocket, url: "wss://127.0.0.1:$PS/echo", insecure: true }
  - { id: ws-no-reply, kind: websocket, url: "ws://127.0.0.1:$P/echo", send: "x", expect: "never", timeout: 1s }
  - { id: ws-closed-by-server, kind: websocket, url: "ws://127.0.0.1:$P/close", expect: "x" }
  - { id: refused, kind: websocket, url: "ws://127.0.0.1:$CLOSED/" }
  - { id: wrong-accept, kind: websocket, url: "ws://127.0.0.1:$PH/wrong-accept" }
  - { id: not-101, kind: websocket, url: "ws://127.0.0.1:$PH/200" }
  - { id: silent, kind: websocket, url: "ws://127.0.0.1:$PH/silent", timeout: 1s }
  - { id: no-upgrade, kind: websocket, url: "ws://127.0.0.1:$PH/no-upgrade" }
  - { id: masked, kind: websocket, url: "ws://127.0.0.1:$PH/masked", expect: x }
  - { id: trickle, kind: websocket, url: "ws://127.0.0.1:$PH/trickle", timeout: 1s }
  - { id: junk, kind: websocket, url: "ws://127.0.0.1:$PH/junk" }
  - { id: http-101, kind: http, url: "http://127.0.0.1:$P/echo", expect_status: 101, headers: ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"], timeout: 5s }
E2
run "$CUTOVER" lint plan.yml
expect_rc 0 "the plan lints"
start=$(date +%s)
run "$CUTOVER" check plan.yml --format json
elapsed=$(( $(date +%s) - start ))
expect_rc 1 "some checks fail"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
expect_result() {
	local got; got=$(st "$1")
	if printf '%s\n' "$got" | grep -Eq -- "^$2"; then ok "$1: $got"; else fail "$1" "got: $got"; fi
}
expect_result ws "pass ws://127.0.0.1:$P/echo upgraded to WebSocket in"
expect_result ws-echo "pass ws://127.0.0.1:$P/echo\?token=\*\*\* upgraded in .*; reply matches /\^echo: ping 42\\$/"
expect_result ws-greet "pass ws://localhost:$P/greet upgraded in .*; reply matches /welcome/"
expect_result wss "pass wss://localhost:$PS/echo upgraded in .*; reply matches /echo: hi/"
expect_result wss-untrusted "fail TLS with localhost:$PS failed: self.signed certificate"
expect_result wss-insecure "pass wss://127.0.0.1:$PS/echo upgraded to WebSocket"
expect_result ws-no-reply "fail ws://127.0.0.1:$P/echo: no message matching /never/ within 1(.00)?s \(1 message, last: 'echo: x'\)"
expect_result ws-closed-by-server "fail ws://127.0.0.1:$P/close: the server closed the WebSocket \(code 1008: policy violation\)"
expect_result refused "fail connect to 127.0.0.1:$CLOSED refused"
expect_result wrong-accept "fail ws://127.0.0.1:$PH/wrong-accept: Sec-WebSocket-Accept is 's3pPLMBiTxaQ9kYGzzhZRbK\+xOo=', expected"
expect_result not-101 "fail ws://127.0.0.1:$PH/200 answered HTTP 200 OK, expected 101 Switching Protocols"
expect_result silent "fail ws://127.0.0.1:$PH/silent: no answer to the upgrade request within 1"
expect_result no-upgrade "fail ws://127.0.0.1:$PH/no-upgrade answered 101 without 'Upgrade: websocket'"
expect_result masked "fail ws://127.0.0.1:$PH/masked: the server broke the WebSocket protocol: a masked frame from the server"
expect_result trickle "fail ws://127.0.0.1:$PH/trickle: no answer to the upgrade request within 1"
expect_result junk "fail ws://127.0.0.1:$PH/junk: the answer to the upgrade request is not HTTP"
expect_result http-101 "pass HTTP 101 in"
http_ms=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "http-101") | .duration_ms')
if awk -v m="$http_ms" 'BEGIN { exit !(m < 4000) }'; then ok "http judges 101 at once (${http_ms} ms)"; else
	fail "http waited ${http_ms} ms for a 101"; fi
if [ "$elapsed" -lt 9 ]; then ok "all within their timeouts (${elapsed}s)"; else fail "took ${elapsed}s"; fi
for f in text junit tap prometheus; do
	run "$CUTOVER" check plan.yml --only ws-echo --format $f
	expect_rc 0 "format $f"
done
done_testing
