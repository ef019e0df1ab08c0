#!/bin/bash
# t0830-serve-load.sh - 50 clients at once for 10 s against `run --serve`
# while the run writes its journal (steps and checks every few tens of
# milliseconds): every response is 200 and complete, and the run ends as
# it would without them.
. "$(dirname "$0")/lib.sh"
cd "$T"

{
	echo "cutover: 1"
	echo "name: load-demo"
	echo "checks:"
	for i in $(seq 1 20); do echo "  - { id: c$i, kind: command, run: \"true\" }"; done
	echo "phases:"
	for p in $(seq 1 40); do
		echo "  - id: p$p"
		echo "    checks: [c$((p % 20 + 1))]"
		echo "    steps:"
		echo "      - { id: s$p, shell: \"sleep 0.3; echo $p >> done.log\" }"
	done
} >plan.yml
"$CUTOVER" lint plan.yml >/dev/null || fail "the plan lints"
SP=$(port)
"$CUTOVER" run plan.yml --yes --serve 127.0.0.1:$SP >run.out 2>run.err &
RP=$!
PIDS="$PIDS $RP"
for _ in $(seq 100); do grep -q "serving http" run.err && break; sleep 0.05; done
grep -q "cutover run: serving http://127.0.0.1:$SP/" run.err && ok "run --serve says where" ||
	fail "run --serve" "$(cat run.err)"

python3 - "$SP" >load.out 2>&1 <<'PY'
import http.client, sys, threading, time
port = int(sys.argv[1])
paths = ["/", "/metrics", "/health", "/api/status", "/api/dashboard"]
stop = time.time() + 10
codes, bad, lock = {}, [], threading.Lock()
def client(i):
    n = 0
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.time() < stop:
        p = paths[(i + n) % len(paths)]
        n += 1
        try:
            c.request("GET", p)
            r = c.getresponse()
            body = r.read()
            ok = r.status == 200 and len(body) == int(r.getheader("Content-Length", "-1"))
            if p == "/" and not body.rstrip().endswith(b"</html>"):
                ok = False
        except Exception as e:
            ok, r = False, None
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with lock:
                bad.append("%s: %r" % (p, e))
            continue
        with lock:
            codes[r.status] = codes.get(r.status, 0) + 1
            if not ok:
                bad.append("%s: %d" % (p, r.status))
ts = [threading.Thread(target=client, args=(i,)) for i in range(50)]
[t.start() for t in ts]
[t.join() for t in ts]
print("codes", codes)
print("bad", len(bad), bad[:5])
PY
cat load.out | sed 's/^/# /'
# The load ran while the run wrote (40 steps of 0.3 s take 12 s at least).
during=$(cat done.log 2>/dev/null | wc -l)
[ "$during" -lt 40 ] && ok "the run was still writing ($during of 40 steps done)" ||
	fail "the run had ended before the load did"
grep -q "^bad 0 " load.out && ok "50 clients for 10 s: every response 200 and whole" ||
	fail "load" "$(cat load.out)"
n=$(sed -n 's/^codes {200: \([0-9]*\)}$/\1/p' load.out)
[ "${n:-0}" -gt 500 ] && ok "served $n responses" || fail "too few responses: ${n:-0}"
wait "$RP"; rc=$?
expect_eq "$rc" 0 "the run completed"
expect_eq "$(wc -l <done.log)" 40 "every step ran once"
run "$CUTOVER" status plan.yml --format json
expect_out '"state": "completed"' "status: completed"
[ ! -e .cutover/load-demo.db-wal ] && ok "no -wal left beside the journal" ||
	fail "the -wal was left: the server's connection outlived the writer's"
run grep -ci "locked\|busy" run.err run.out
expect_no "locked" "no 'database is locked' anywhere"
done_testing
