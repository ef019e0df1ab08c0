#!/bin/bash
# t0820-serve-access.sh - who may see the dashboard, and what bad requests
# get: loopback without credentials; another address (in a network
# namespace of the test's own) only with --token-env / --basic-auth-env,
# 401 otherwise and never the token in a log; TLS with --tls-cert; 404,
# 405, 431, slow clients, a dropped connection, SIGTERM.
. "$(dirname "$0")/lib.sh"
cd "$T"
NS=cutover-t0820-$$
trap '_cleanup; ip netns del "$NS" 2>/dev/null' EXIT

cat >plan.yml <<'YML'
cutover: 1
name: access-demo
checks:
  - { id: ok, kind: command, run: "true" }
phases:
  - { id: p, checks: [ok] }
YML
"$CUTOVER" run plan.yml >/dev/null 2>&1

start_serve() {	# start_serve LOG ARGS...: sets URL
	local log=$1; shift
	"$@" 2>"$log" &
	PIDS="$PIDS $!"
	SPID=$!
	URL=""
	for _ in $(seq 100); do grep -q '^cutover serve: http' "$log" && break; sleep 0.05; done
	URL=$(sed -n 's/^cutover serve: \(http[^ ]*\) .*/\1/p' "$log")
}

# --- options ------------------------------------------------------------
run "$CUTOVER" serve plan.yml --listen 0.0.0.0:0
expect_rc 2 "a non-loopback address without credentials is refused"
expect_err "not a loopback address: anyone who reaches it would see the run; give --token-env NAME or --basic-auth-env NAME" "says why"
run "$CUTOVER" serve plan.yml --listen 0.0.0.0:0 --token-env NOPE_UNSET_T0820
expect_rc 2 "an unset token variable is refused"
expect_err "--token-env NOPE_UNSET_T0820: the variable is not set or empty" "names the variable"
BAD_BASIC=nocolon run "$CUTOVER" serve plan.yml --basic-auth-env BAD_BASIC
expect_rc 2 "basic auth needs USER:PASSWORD"
run "$CUTOVER" serve plan.yml --listen 127.0.0.1
expect_rc 2 "an address without a port"
run "$CUTOVER" serve plan.yml --listen example.org:80
expect_rc 2 "a host name is not an address"
run "$CUTOVER" serve plan.yml --tls-cert x.pem
expect_rc 2 "--tls-cert without --tls-key"
run "$CUTOVER" run plan.yml --serve 0.0.0.0:0
expect_rc 2 "run --serve on a non-loopback address needs a token too"

# --- bad requests on loopback -------------------------------------------
start_serve serve.err "$CUTOVER" serve plan.yml --listen 127.0.0.1:0
[ -n "$URL" ] && ok "serving on loopback" || fail "no URL" "$(cat serve.err)"
run curl -s -o /dev/null -w '%{http_code}' "${URL}health"
expect_eq "$out" 200 "loopback: no credentials needed"
run curl -s -o /dev/null -w '%{http_code}' "${URL}nope"
expect_eq "$out" 404 "unknown path: 404"
run curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 "${URL}metrics"
expect_eq "$out" 405 "POST: 405"
big=$(head -c 40000 /dev/zero | tr '\0' a)
run curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "${URL}health"
case "$out" in 431|400) ok "40 KB of headers: $out";; *) fail "huge header got $out";; esac
# Slow clients: 40 connections that send a header byte now and then hold
# no one else up, and an idle one is closed after the 10 s timeout.
python3 - "${URL#http://}" >slow.out 2>&1 <<'PY' &
import socket, sys, time
host, port = sys.argv[1].rstrip("/").split(":")
socks = []
for i in range(40):
    s = socket.create_connection((host, int(port)))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
idle = socket.create_connection((host, int(port)))
idle.sendall(b"GET /health HTTP/1.1\r\n")
t0 = time.time()
idle.settimeout(20)
try:
    data = idle.recv(100)
except OSError:
    data = b""
print("idle closed after %.1f s" % (time.time() - t0), data[:12])
PY
SLOW=$!
PIDS="$PIDS $SLOW"
sleep 1
run curl -s -m 5 -o /dev/null -w '%{http_code}' "${URL}health"
expect_eq "$out" 200 "served while 40 slow clients hang"
# A client that goes away mid-response.
python3 - "${URL#http://}" <<'PY'
import socket, sys
host, port = sys.argv[1].rstrip("/").split(":")
for _ in range(20):
    s = socket.create_connection((host, int(port)))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    s.close()
PY
wait "$SLOW"
grep -Eq '^idle closed after (9|1[0-3])\.[0-9] s' slow.out && ok "an idle connection is closed after ~10 s" ||
	fail "idle connection" "$(cat slow.out)"
run curl -s -o /dev/null -w '%{http_code}' "${URL}"
expect_eq "$out" 200 "still serving"
kill -TERM "$SPID"
wait "$SPID"; rc=$?
expect_eq "$rc" 0 "SIGTERM stops it, exit 0"
grep -q "stopped by signal 15" serve.err && ok "says it stopped" || fail "stop message" "$(cat serve.err)"

# --- TLS ------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem -days 2 >/dev/null 2>&1
start_serve tls.err "$CUTOVER" serve plan.yml --listen 127.0.0.1:0 --tls-cert cert.pem --tls-key key.pem
case "$URL" in https://*) ok "TLS: https URL";; *) fail "TLS URL '$URL'" "$(cat tls.err)";; esac
run curl -s --cacert cert.pem "${URL}health"
expect_out '"status": "ok"' "TLS: /health over https, verified"

# --- a non-loopback address, in a namespace -------------------------------
if ! ip netns add "$NS" 2>/dev/null; then
	echo "skipped: no network namespaces here (the rest passed: $_passes)"
	exit 0
fi
ip -n "$NS" link set lo up
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" addr add 10.203.0.1/24 dev v0
ip -n "$NS" addr add 10.203.0.2/24 dev v1
ip -n "$NS" link set v0 up
ip -n "$NS" link set v1 up
export DASH_TOKEN=s3cret-$RANDOM$RANDOM-tok
export DASH_BASIC=ops:pa55-$RANDOM$RANDOM
start_serve ns.err ip netns exec "$NS" "$CUTOVER" serve plan.yml \
    --listen 10.203.0.1:9477 --token-env DASH_TOKEN
[ "$URL" = "http://10.203.0.1:9477/" ] && ok "serving on 10.203.0.1 with a token" || fail "ns URL '$URL'" "$(cat ns.err)"
nc() { ip netns exec "$NS" curl -s --interface 10.203.0.2 -o /dev/null -w '%{http_code}' "$@"; }
expect_eq "$(nc "${URL}metrics")" 401 "no token: 401"
expect_eq "$(nc -H "Authorization: Bearer wrong-$DASH_TOKEN" "${URL}metrics")" 401 "a wrong token: 401"
expect_eq "$(nc "${URL}metrics?token=guess-$DASH_TOKEN")" 401 "a wrong ?token=: 401"
expect_eq "$(nc -H "Authorization: Bearer $DASH_TOKEN" "${URL}metrics")" 200 "the bearer token: 200"
expect_eq "$(nc "${URL}?token=$DASH_TOKEN")" 200 "?token= for a browser: 200"
run ip netns exec "$NS" curl -sD - -o /dev/null "${URL}health"
expect_out "WWW-Authenticate: Bearer" "401 says how to authenticate"
start_serve nsb.err ip netns exec "$NS" "$CUTOVER" serve plan.yml \
    --listen 10.203.0.1:9478 --basic-auth-env DASH_BASIC
expect_eq "$(nc "${URL}health")" 401 "basic: none, 401"
expect_eq "$(nc -u "ops:wrong" "${URL}health")" 401 "basic: wrong password, 401"
expect_eq "$(nc -u "$DASH_BASIC" "${URL}health")" 200 "basic: right, 200"
grep -q "401 GET /metrics from 10.203.0.2 (no credentials)" ns.err &&
	ok "a 401 is logged with path and client" || fail "401 log" "$(cat ns.err)"
run cat ns.err nsb.err serve.err
expect_no "$DASH_TOKEN" "the token is in no log"
expect_no "${DASH_BASIC#ops:}" "the password is in no log"
expect_no "guess-" "a wrong token is in no log"
done_testing
