#!/bin/bash
# t0700-scale: thousands of checks at once (issue 11 #6, #7).
#
# 1. tls probes against a server that trickles its handshake one byte at
#    a time, with a short timeout and a large --jobs: every probe ends at
#    its deadline and cutover exits 1 (a failed check), never by a signal.
#    Before, the abandoned probes were inside OpenSSL when exit() ran its
#    cleanup: SIGSEGV at every run.
# 2. A generated plan of 5,000 mixed checks (file, disk, tcp open and
#    closed, listen, tls against openssl s_server, command, http against
#    the harness server, env), each designed to pass or to fail, gives the
#    designed verdict for every check at --jobs 1, 64 and 1000: --jobs must
#    never change a verdict.  Before, --jobs 1000 turned healthy file
#    checks into "timed out after 5.00s" (a fork per stat, serialised).
#    The timeouts are 20s, not 5s: the test machines run eight builds on
#    two cores, and a thousand checks at once then wait seconds for the
#    CPU, which no scheduler can hide; the old binary fails even so (its
#    stat forks took 0.24s each, serialised: 357s for 1,500 checks).
. "$(dirname "$0")/lib.sh"


# ---- 1. abandoned tls probes and a clean exit --------------------------
python3 "$ROOT/tests/harness/trickle.py" "$T/trickle.port" >"$T/trickle.log" 2>&1 &
PIDS="$PIDS $!"
wait_ready "$T/trickle.log" || fail "trickle server did not start" "$(cat "$T/trickle.log")"
TP=$(cat "$T/trickle.port")
gen_tls() {	# N FILE
	{ echo "cutover: 1"; echo "name: trickle"; echo "checks:"
	  for i in $(seq "$1"); do
		echo "  - { id: t$i, kind: tls, address: \"127.0.0.1:$TP\", server_name: app.example.com, timeout: 1s }"
	  done; } >"$2"
}
gen_tls 300 "$T/tls300.yml"
for round in 1 2 3; do
	run "$CUTOVER" check "$T/tls300.yml" --jobs 300 --format json
	expect_rc 1 "300 trickled tls probes, --jobs 300, round $round: a failed check, no signal"
done
n=$(printf '%s\n' "$out" | grep -c '"message": "TLS handshake with 127.0.0.1:[0-9]* timed out after 1.00s"')
expect_eq "$n" 300 "each probe reports its own handshake timeout"
gen_tls 2000 "$T/tls2000.yml"
t0=$(date +%s%N)
run "$CUTOVER" check "$T/tls2000.yml" --jobs 1000 --format json
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_rc 1 "2,000 trickled tls probes, --jobs 1000: a failed check, no signal"
# Two waves of 1s plus 2,000 thread starts; the bound only catches a hang
# (a loaded two-core machine has taken 38s).
[ "$ms" -lt 120000 ] && ok "2,000 trickled probes end in ${ms}ms" ||
	fail "2,000 trickled probes took ${ms}ms"

# ---- 2. 5,000 mixed checks: --jobs never changes a verdict -------------
if [ -z "${HTTP_URL:-}" ]; then
	. "$ROOT/tests/harness/servers.sh"
	start_httpd || fail "cannot start the HTTP server"
	PIDS="$PIDS $HTTPD_PID"
fi
python3 "$ROOT/tests/harness/acceptor.py" "$T/acc.port" >"$T/acc.log" 2>&1 &
PIDS="$PIDS $!"
wait_ready "$T/acc.log" || fail "acceptor did not start" "$(cat "$T/acc.log")"
AP=$(cat "$T/acc.port")
CLOSED=$(port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj /CN=scale.test -addext subjectAltName=DNS:scale.test -days 30 \
	-keyout "$T/tls.key" -out "$T/tls.crt" 2>"$T/openssl.log" ||
	fail "cannot make a certificate" "$(cat "$T/openssl.log")"
SP=""
for _ in 1 2 3 4 5 6 7 8; do
	p=$(port)
	openssl s_server -accept "127.0.0.1:$p" -cert "$T/tls.crt" -key "$T/tls.key" \
		-www -quiet </dev/null >"$T/s_server.$p.log" 2>&1 &
	PIDS="$PIDS $!"
	SP="$SP $p"
done
mkdir -p "$T/files"
for i in $(seq 0 99); do printf 'backup %d\n' "$i" >"$T/files/f$i"; done
chmod 600 "$T"/files/*
printf 'APP_KEY=Zq8vN3xW1pL6tR9yB2mK7cF4hJ5sD0gA\nDB_HOST=10.0.0.2\n' >"$T/app.env"
chmod 600 "$T/app.env"
for p in $SP; do
	for _ in $(seq 100); do
		python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$p)))" 2>/dev/null && break
		sleep 0.05
	done
done

T="$T" AP="$AP" CLOSED="$CLOSED" SP="$SP" HTTP_URL="$HTTP_URL" python3 - >"$T/mixed.yml" <<'PY'
import os
T, ap, closed, http = os.environ["T"], os.environ["AP"], os.environ["CLOSED"], os.environ["HTTP_URL"]
sps = os.environ["SP"].split()
print("cutover: 1\nname: scale\nchecks:")
n = 0
def add(want, body):
    global n
    n += 1
    print(f"  - {{ id: {want}-{n}, {body}, timeout: 20s }}")
# (count of passing, count of failing, passing body, failing body)
mix = [
    (2300, 100, lambda i: f'kind: file, path: "{T}/files/f{i % 100}", max_mode: "0640", min_size: 4',
                lambda i: f'kind: file, path: "{T}/files/none{i}"'),
    (250, 50,   lambda i: f'kind: disk, path: "{T}", min_free: 1%',
                lambda i: f'kind: disk, path: "{T}", min_free: 100%'),
    (800, 200,  lambda i: f'kind: tcp, address: "127.0.0.1:{ap}"',
                lambda i: f'kind: tcp, address: "127.0.0.1:{closed}"'),
    (80, 20,    lambda i: f'kind: listen, port: {ap}',
                lambda i: f'kind: listen, port: {closed}'),
    (150, 50,   lambda i: f'kind: tls, address: "127.0.0.1:{sps[i % len(sps)]}", server_name: scale.test, ca_file: "{T}/tls.crt"',
                lambda i: f'kind: tls, address: "127.0.0.1:{sps[i % len(sps)]}", server_name: scale.test'),
    (80, 20,    lambda i: 'kind: command, run: "true"',
                lambda i: 'kind: command, run: "false"'),
    (160, 40,   lambda i: f'kind: http, url: "{http}/ok"',
                lambda i: f'kind: http, url: "{http}/status/500"'),
    (650, 50,   lambda i: f'kind: env, file: "{T}/app.env", require: [APP_KEY, DB_HOST]',
                lambda i: f'kind: env, file: "{T}/app.env", require: [APP_KEY, NO_SUCH_KEY]'),
]
# Interleave the kinds, as a real plan would, so every wave mixes them.
queue = []
for npass, nfail, good, bad in mix:
    queue.append([("pass", good, i) for i in range(npass)] +
                 [("fail", bad, i) for i in range(nfail)])
while any(queue):
    for q in queue:
        if q:
            want, f, i = q.pop(0)
            add(want, f(i))
PY
total=$(grep -c '^  - ' "$T/mixed.yml")
expect_eq "$total" 5000 "the generated plan has 5,000 checks"

# verdicts JOBS: one line per check, "id status", from the JSON results.
verdicts() {
	"$CUTOVER" check "$T/mixed.yml" --jobs "$1" --format json >"$T/j$1.json" 2>"$T/j$1.err"
	echo $? >"$T/j$1.rc"
	python3 - "$T/j$1.json" >"$T/j$1.v" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["id"], r["status"], r["message"] if r["status"] != r["id"].split("-")[0] else "")
PY
}
for j in 1 64 1000; do
	t0=$(date +%s%N)
	verdicts "$j"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	expect_eq "$(cat "$T/j$j.rc")" 1 "--jobs $j: exit 1 (the designed failures)"
	bad=$(awk '{ split($1, a, "-"); if (a[1] != $2) print }' "$T/j$j.v")
	n=$(wc -l <"$T/j$j.v")
	if [ "$n" -eq 5000 ] && [ -z "$bad" ]; then
		ok "--jobs $j: all 5,000 checks give their designed verdict (${ms}ms)"
	else
		fail "--jobs $j: $(printf '%s\n' "$bad" | grep -c .) of $n checks differ from their design (${ms}ms)" \
			"$(printf '%s\n' "$bad" | sort -k3 | uniq -f2 -c | sort -rn | head -10)"
	fi
done
cut -d' ' -f1,2 "$T/j1.v" >"$T/a"
for j in 64 1000; do
	cut -d' ' -f1,2 "$T/j$j.v" >"$T/b"
	cmp -s "$T/a" "$T/b" && ok "--jobs 1 and --jobs $j: identical verdicts" ||
		fail "--jobs 1 and --jobs $j differ" "$(diff "$T/a" "$T/b" | head -10)"
done

done_testing
