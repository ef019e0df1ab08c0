#!/bin/bash
# t0600-tcp-from: `tcp` with `from: NETNS` probes from inside a network
# namespace, so "open from the app host, closed from outside" is one plan.
# The namespaces are the test's own (needs root); without `ip netns` the
# namespace cases are skipped and the error cases still run.
. "$(dirname "$0")/lib.sh"

NS=cvt0600-$$
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# A server inside the namespace, on the namespace's own loopback: open from
# there, while the same address in this namespace has nothing behind it.
have_ns=0
if [ "$(id -u)" -eq 0 ] && ip netns add "$NS" 2>/dev/null; then
	have_ns=1
	ip -n "$NS" link set lo up
	PORT=$(free_port 2>/dev/null || python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	ip netns exec "$NS" python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.close()' "$PORT" >"$T/srv.log" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 50); do grep -q ready "$T/srv.log" && break; sleep 0.1; done
	# A Redis and a TLS server that exist only inside the namespace.
	RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	TPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	ip netns exec "$NS" redis-server --port "$RPORT" --bind 127.0.0.1 --save '' \
		--dir "$T" --logfile "$T/redis.log" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj /CN=inside.example.com -addext subjectAltName=DNS:inside.example.com \
		-days 30 -keyout "$T/in.key" -out "$T/in.crt" >/dev/null 2>&1
	ip netns exec "$NS" openssl s_server -accept "127.0.0.1:$TPORT" -cert "$T/in.crt" \
		-key "$T/in.key" -www -quiet </dev/null >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		ip netns exec "$NS" python3 -c "import socket,sys; sys.exit(socket.socket().connect_ex(('127.0.0.1',$RPORT)) or socket.socket().connect_ex(('127.0.0.1',$TPORT)))" 2>/dev/null && break
		sleep 0.05
	done
fi

if [ "$have_ns" -eq 1 ]; then
	cat >"$T/plan.yml" <<YML
cutover: 1
name: t0600
checks:
  - { id: open-inside, kind: tcp, address: "127.0.0.1:$PORT", from: $NS,
      latency: { warn: 1s, crit: 2s } }
  - { id: closed-here, kind: tcp, address: "127.0.0.1:$PORT", expect: closed }
  - { id: closed-inside, kind: tcp, address: "127.0.0.1:1", from: $NS,
      expect: closed }
  - { id: open-inside-wrong, kind: tcp, address: "127.0.0.1:$PORT", from: $NS,
      expect: closed }
  - { id: no-route, kind: tcp, address: "10.99.0.1:80", from: $NS,
      timeout: 1s }
  - { id: latency-inside, kind: latency, address: "127.0.0.1:$PORT", from: $NS,
      samples: 3, interval: 10ms }
  - { id: latency-here, kind: latency, address: "127.0.0.1:$PORT", samples: 2,
      interval: 10ms }
  - { id: redis-inside, kind: redis, target: "redis://127.0.0.1:$RPORT/0", from: $NS }
  - { id: redis-here, kind: redis, target: "redis://127.0.0.1:$RPORT/0" }
  - { id: tls-inside, kind: tls, address: "127.0.0.1:$TPORT", from: $NS,
      server_name: inside.example.com, ca_file: "$T/in.crt" }
  - { id: tls-here, kind: tls, address: "127.0.0.1:$TPORT",
      server_name: inside.example.com, ca_file: "$T/in.crt" }
YML
	run "$CUTOVER" check "$T/plan.yml" --format json
	expect_rc 1 "check runs (two checks are meant to fail)"
	st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
	r=$(st open-inside)
	case $r in "pass connected to 127.0.0.1:$PORT in "*" from $NS"*) ok "open from inside $NS: $r" ;;
		*) fail "open from inside" "$r" ;; esac
	r=$(st closed-here)
	case $r in "pass port 127.0.0.1:$PORT is closed"*) ok "same port closed from here: $r" ;;
		*) fail "closed from here" "$r" ;; esac
	r=$(st closed-inside)
	case $r in "pass port 127.0.0.1:1 is closed (connection refused from $NS)") ok "closed inside: $r" ;;
		*) fail "closed inside" "$r" ;; esac
	r=$(st open-inside-wrong)
	case $r in "fail port 127.0.0.1:$PORT is OPEN"*"from $NS"*) ok "expect closed fails when open: $r" ;;
		*) fail "expect closed, open" "$r" ;; esac
	# The namespace has only loopback: no route, at once, not a hang.
	r=$(st no-route)
	case $r in "fail connect to 10.99.0.1:80: network unreachable (from network namespace $NS)") ok "no route: $r" ;;
		*) fail "no route" "$r" ;; esac
	r=$(st latency-inside)
	case $r in "pass p50 "*" over 3 TCP connect samples to 127.0.0.1:$PORT from $NS ("*) ok "latency from inside $NS: $r" ;;
		*) fail "latency from inside" "$r" ;; esac
	r=$(st latency-here)
	case $r in "fail all 2 samples of TCP connect to 127.0.0.1:$PORT from"*) fail "latency-here names a namespace" "$r" ;;
		"fail all 2 samples of TCP connect to 127.0.0.1:$PORT failed: "*refused) ok "same latency check without from: refused here: $r" ;;
		*) fail "latency here" "$r" ;; esac
	r=$(st redis-inside)
	case $r in "pass redis redis://127.0.0.1:$RPORT/0: PONG (from network namespace $NS)") ok "redis from inside: $r" ;;
		*) fail "redis from inside" "$r" ;; esac
	r=$(st redis-here)
	case $r in "fail connect to redis 127.0.0.1:$RPORT: Connection refused") ok "redis not here: $r" ;;
		*) fail "redis here" "$r" ;; esac
	r=$(st tls-inside)
	case $r in "pass 127.0.0.1:$TPORT: "*"DNS:inside.example.com"*"(from network namespace $NS)") ok "tls from inside: $r" ;;
		*) fail "tls from inside" "$r" ;; esac
	r=$(st tls-here)
	case $r in "fail connect to 127.0.0.1:$TPORT refused") ok "tls not here: $r" ;;
		*) fail "tls here" "$r" ;; esac
	# Without privileges: a clear failure, and "closed" is not a pass.
	# (Only where user nobody can run the binary: a clone under /root
	# cannot be.)
	if command -v setpriv >/dev/null 2>&1 &&
	    setpriv --reuid 65534 --regid 65534 --clear-groups "$CUTOVER" \
	    --version >/dev/null 2>&1; then
		cat >"$T/unpriv.yml" <<YML
cutover: 1
name: t0600
checks:
  - { id: unpriv, kind: tcp, address: "127.0.0.1:1", from: $NS, expect: closed }
YML
		chmod 644 "$T/unpriv.yml"
		run setpriv --reuid 65534 --regid 65534 --clear-groups "$CUTOVER" check "$T/unpriv.yml"
		expect_rc 1 "unprivileged from: fails (expect: closed does not pass)"
		expect_out "entering network namespace '$NS' needs privileges \(CAP_SYS_ADMIN: run as root\)" "and says it needs privileges"
	else
		echo "# $_name: unprivileged case skipped (nobody cannot run $CUTOVER)"
	fi
	# The runner's own thread is not moved: a check without `from` in the
	# same run still sees this namespace (closed-here above passed).
else
	echo "# $_name: namespace cases skipped (needs root and ip netns)"
fi

# A namespace that does not exist: a clear failure, not a crash.
cat >"$T/missing.yml" <<YML
cutover: 1
name: t0600
checks:
  - { id: ghost, kind: tcp, address: "127.0.0.1:1", from: cvt0600-no-such-ns }
YML
run "$CUTOVER" check "$T/missing.yml"
expect_rc 1 "missing namespace fails the check"
expect_out "network namespace 'cvt0600-no-such-ns' does not exist" "missing namespace is named"

# Bad configuration: exit 2 at lint, one line naming file:line:col.
cat >"$T/bad.yml" <<'YML'
cutover: 1
name: t0600
checks:
  - { id: slash, kind: tcp, address: "127.0.0.1:1", from: "../etc" }
  - { id: empty, kind: tcp, address: "127.0.0.1:1", from: [a] }
  - { id: r, kind: redis, target: "redis://127.0.0.1:1/0", from: "a/b" }
  - { id: t, kind: tls, address: "127.0.0.1:1", from: ".." }
YML
run "$CUTOVER" lint "$T/bad.yml"
expect_rc 2 "bad from: is a lint error"
expect_err "bad.yml:4:[0-9]+: 'from' must name a network namespace" "from with a slash"
expect_err "bad.yml:5:[0-9]+: 'from' must be a string" "from as a list"
expect_err "bad.yml:6:[0-9]+: 'from' must name a network namespace" "redis from with a slash"
expect_err "bad.yml:7:[0-9]+: 'from' must name a network namespace" "tls from .."
done_testing
