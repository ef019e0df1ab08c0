#!/bin/bash
# t0640-listen: `listen` reads /proc/net/tcp{,6} for the addresses a port
# is bound to: the shared PostgreSQL (127.0.0.1 only), a server on ::1,
# and, inside a network namespace of the test's own, servers bound to
# 0.0.0.0 and :: (every address) - the seeds' "MySQL on the private IP
# only" gone wrong.
. "$(dirname "$0")/lib.sh"

NS=cvt0640-$$
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# listener [ip netns exec NS] HOST PORT FAMILY: a listening socket.
listener() {
	"$@" >>"$T/l.log" 2>&1 &
	PIDS="$PIDS $!"
}
LSRV='import socket, sys, time
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4); print("ready", sys.argv[2], flush=True)
time.sleep(3600)'
wait_n() { for _ in $(seq 100); do [ "$(grep -c ready "$T/l.log")" -ge "$1" ] && return 0; sleep 0.05; done; return 1; }

P6=$(port)
listener python3 -c "$LSRV" ::1 "$P6"
n=1
have_ns=0
if [ "$(id -u)" -eq 0 ] && ip netns add "$NS" 2>/dev/null; then
	have_ns=1
	ip -n "$NS" link set lo up
	ip netns exec "$NS" python3 -c "$LSRV" 0.0.0.0 3306 >>"$T/l.log" 2>&1 &
	PIDS="$PIDS $!"
	ip netns exec "$NS" python3 -c "$LSRV" :: 6379 >>"$T/l.log" 2>&1 &
	PIDS="$PIDS $!"
	ip netns exec "$NS" python3 -c "$LSRV" 127.0.0.1 5432 >>"$T/l.log" 2>&1 &
	PIDS="$PIDS $!"
	n=4
fi
wait_n $n || fail "listeners did not start" "$(cat "$T/l.log")"
FREE=$(port)

cat >"$T/plan.yml" <<YML
cutover: 1
name: t0640
checks:
  - { id: pg-local, kind: listen, port: $PG_PORT, only: [127.0.0.1] }
  - { id: pg-any, kind: listen, port: $PG_PORT }
  - { id: pg-private, kind: listen, port: $PG_PORT, only: [10.132.0.11] }
  - { id: pg-absent, kind: listen, port: $PG_PORT, absent: true }
  - { id: v6, kind: listen, port: $P6, only: ["::1", 127.0.0.1] }
  - { id: v6-wrong, kind: listen, port: $P6, only: [127.0.0.1] }
  - { id: nothing, kind: listen, port: $FREE }
  - { id: free, kind: listen, port: $FREE, absent: true }
YML
if [ "$have_ns" -eq 1 ]; then cat >>"$T/plan.yml" <<YML
  - { id: ns-wild4, kind: listen, port: 3306, only: [10.132.0.11], from: $NS }
  - { id: ns-wild4-ok, kind: listen, port: 3306, only: [0.0.0.0], from: $NS }
  - { id: ns-wild6, kind: listen, port: 6379, only: [127.0.0.1, "::1"], from: $NS }
  - { id: ns-local, kind: listen, port: 5432, only: [127.0.0.1], from: $NS }
  - { id: ns-missing, kind: listen, port: 5432, from: cvt0640-no-such-ns }
YML
fi
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (some are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.observed) | \(.message)"'; }
want() {
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want pg-local "pass 127.0.0.1 | port $PG_PORT is bound to 127.0.0.1 (on this host)" "PostgreSQL on loopback only"
want pg-any "pass 127.0.0.1 | *" "without only: something listens"
want pg-private "fail 127.0.0.1 | port $PG_PORT is bound to 127.0.0.1 (on this host); allowed only 10.132.0.11" "bound to another address"
want pg-absent "fail * | port $PG_PORT listens on 127.0.0.1 (on this host); expected nothing" "absent: true with a listener"
want v6 "pass ::1 | *" "IPv6 loopback, listed as ::1"
want v6-wrong "fail ::1 | *allowed only 127.0.0.1" "::1 is not 127.0.0.1"
want nothing "fail not listening | nothing listens on TCP port $FREE (on this host)" "nothing listens"
want free "pass not listening | nothing listens on port $FREE (on this host)" "absent: true, free port"
if [ "$have_ns" -eq 1 ]; then
	want ns-wild4 "fail 0.0.0.0 | port 3306 is bound to 0.0.0.0 (all addresses) (on $NS); allowed only 10.132.0.11" "0.0.0.0 is every address"
	want ns-wild4-ok "pass 0.0.0.0 | *" "0.0.0.0 allowed explicitly"
	want ns-wild6 "fail :: | port 6379 is bound to :: (all addresses) (on $NS); allowed only 127.0.0.1, ::1" ":: is every address"
	want ns-local "pass 127.0.0.1 | port 5432 is bound to 127.0.0.1 (on $NS)" "the namespace's sockets, not this host's"
	want ns-missing "fail * | network namespace 'cvt0640-no-such-ns' does not exist*" "missing namespace"
else
	echo "# $_name: namespace cases skipped (needs root and ip netns)"
fi

cat >"$T/bad.yml" <<'YML'
cutover: 1
name: t0640
checks:
  - { id: noport, kind: listen, only: [127.0.0.1] }
  - { id: bigport, kind: listen, port: 70000 }
  - { id: name, kind: listen, port: 3306, only: [db.example.com] }
  - { id: both, kind: listen, port: 3306, only: [127.0.0.1], absent: true }
  - { id: from, kind: listen, port: 3306, from: "a/b" }
YML
run "$CUTOVER" lint "$T/bad.yml"
expect_rc 2 "bad listen checks fail lint"
expect_err "bad.yml:4:[0-9]+: check 'noport': missing 'port'" "missing port"
expect_err "bad.yml:5:[0-9]+: 'port': " "port out of range"
expect_err "bad.yml:6:[0-9]+: 'only': 'db.example.com' is not an IP address" "a name in only"
expect_err "bad.yml:7:[0-9]+: 'only' makes no sense with 'absent: true'" "only with absent"
expect_err "bad.yml:8:[0-9]+: 'from' must name a network namespace" "bad from"
done_testing
