#!/bin/bash
# t0660-peers: the Debian monitoring-plugins (check_tcp, check_http -C,
# check_pgsql, check_mysql) and cutover on the same servers, in the same
# run.  Each case asserts both verdicts, so the comparison recorded in
# docs/PEERS.md stays true: where a plugin says OK and cutover fails, the
# test fails if either side changes its mind.
. "$(dirname "$0")/lib.sh"

PL=/usr/lib/nagios/plugins
for p in check_tcp check_http check_pgsql check_mysql; do
	if [ ! -x "$PL/$p" ]; then
		echo "# $_name: skipped: $PL/$p is not installed (monitoring-plugins-basic/-standard)"
		exit 0
	fi
done
PIDS=""
export T0660_PW=t0660-not-needed
cleanup() {
	# Killing psql does not end a backend inside pg_sleep: end them, or
	# the shared server's connection slots stay taken for later tests.
	psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tA -c \
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 't0660-hold'" \
		>/dev/null 2>&1
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
	for _ in $(seq 100); do
		python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
EC="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
# tls_server NAME CN DAYS: a self-signed certificate served by s_server.
tls_server() {
	openssl req -x509 $EC -subj "/CN=$2" -addext "subjectAltName=DNS:$2" \
		-days "$3" -keyout "$T/$1.key" -out "$T/$1.crt" 2>/dev/null
	local p; p=$(port)
	openssl s_server -accept "127.0.0.1:$p" -cert "$T/$1.crt" -key "$T/$1.key" \
		-www -quiet </dev/null >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	wait_port "$p"
	eval "P_$1=$p"
}
# peer CASE WANT_RC CMD...: run a plugin, expect its exit status.
peer() {
	local c=$1 want=$2; shift 2
	"$@" >"$T/peer.out" 2>&1
	local got=$?
	pout=$(head -1 "$T/peer.out")
	if [ "$got" -eq "$want" ]; then ok "$c: $(basename "$1") exits $got: $pout"
	else fail "$c: $(basename "$1") exits $got, expected $want" "$pout"; fi
}
# ours CASE WANT_STATUS PLAN_CHECK_YAML: run one cutover check.
ours() {
	printf 'cutover: 1\nname: t0660\nchecks:\n  - %s\n' "$3" >"$T/p.yml"
	"$CUTOVER" check "$T/p.yml" --format json >"$T/ours.json" 2>"$T/ours.err"
	local st msg
	st=$(jq -r '.results[0].status' "$T/ours.json" 2>/dev/null)
	msg=$(jq -r '.results[0].message' "$T/ours.json" 2>/dev/null)
	if [ "$st" = "$2" ]; then ok "$1: cutover $st: $msg"
	else fail "$1: cutover $st, expected $2" "$msg $(cat "$T/ours.err")"; fi
}

# 1. A certificate for another name (a known blind spot: -C checks only
#    the expiry date).
tls_server other other.example.net 90
peer wrong-name 0 "$PL/check_http" -H app.example.com -I 127.0.0.1 -p "$P_other" --sni -C 14
ours wrong-name fail "{ id: c, kind: tls, address: \"127.0.0.1:$P_other\", server_name: app.example.com, ca_file: \"$T/other.crt\" }"

# 2. A self-signed certificate with the right name, no trust anchor given.
tls_server self app.example.com 90
peer self-signed 0 "$PL/check_http" -H app.example.com -I 127.0.0.1 -p "$P_self" --sni -C 14
ours self-signed fail "{ id: c, kind: tls, address: \"127.0.0.1:$P_self\", server_name: app.example.com }"

# 3. Four days left against a 14-day minimum: both see it.
tls_server soon app.example.com 4
peer expiring 2 "$PL/check_http" -H app.example.com -I 127.0.0.1 -p "$P_soon" --sni -C 14,14
ours expiring fail "{ id: c, kind: tls, address: \"127.0.0.1:$P_soon\", server_name: app.example.com, ca_file: \"$T/soon.crt\", min_days_valid: 14 }"

# 4. 15 ms added to every request by a relay (a pooler, a tunnel, a slow
#    link behind a proxy): the TCP handshake stays fast, round trips don't.
RP=$(port)
echo 15 >"$T/delay"
python3 "$ROOT/tests/scenario/two-vps/relay.py" 127.0.0.1 "$RP" 127.0.0.1 \
	"$REDIS_PORT" "$T/delay" >/dev/null 2>&1 &
PIDS="$PIDS $!"
wait_port "$RP"
# Thresholds just under the added 15 ms, so that a busy machine's slow
# handshake does not decide the verdict.
peer slow-link 0 "$PL/check_tcp" -H 127.0.0.1 -p "$RP" -w 0.012 -c 0.014
ours slow-link fail "{ id: c, kind: latency, target: \"redis://127.0.0.1:$RP/0\", samples: 5, interval: 10ms, latency: { warn: 12ms, crit: 14ms } }"
# With send/expect check_tcp does time one round trip (connect included).
peer slow-link-send 2 "$PL/check_tcp" -H 127.0.0.1 -p "$RP" -s $'PING\r\n' -t 3 -e '+PONG' -w 0.012 -c 0.014

# 5. Redis answering without a password: there is no Redis auth check;
#    check_tcp's send/expect sees a healthy PONG.
peer redis-open 0 "$PL/check_tcp" -H 127.0.0.1 -p "$REDIS_PORT" -s $'PING\r\n' -t 3 -e '+PONG'
ours redis-open fail "{ id: c, kind: redis, target: \"$REDIS_URL\", require_auth: true, password_env: T0660_PW }"

# 6. A connection pool near capacity: check_pgsql times a login only.
psql_() { psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tA -c "$1"; }
pg_max=$(psql_ "SHOW max_connections")
hold=$(( pg_max * 35 / 100 + 1 ))
for i in $(seq "$hold"); do
	PGAPPNAME=t0660-hold psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
done
for _ in $(seq 100); do
	[ "$(psql_ "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'")" -ge "$hold" ] && break
	sleep 0.1
done
peer pool-busy 0 "$PL/check_pgsql" -H 127.0.0.1 -P "$PG_PORT" -l postgres -d postgres -w 2 -c 8
ours pool-busy fail "{ id: c, kind: sql, target: \"$PG_URL\", max_connections_used: 30% }"

# 7. A table the migration forgot: check_mysql logs in and reports status.
peer table-missing 0 "$PL/check_mysql" -H 127.0.0.1 -P "$MY_PORT" -u cutover -p cutover -d cutover
ours table-missing fail "{ id: c, kind: sql, target: \"$MY_URL\", tables_exist: [t0660_never_created] }"

# 8. Version floor: check_mysql has none; cutover compares components.
ours version pass "{ id: c, kind: sql, target: \"$MY_URL\", version: \">= 10.5\" }"
done_testing
