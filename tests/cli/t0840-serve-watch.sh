#!/bin/bash
# t0840-serve-watch.sh - `cutover watch --serve`: the dashboard shows the
# watch (per-check samples and chart, the success rules live) and /metrics
# the watch's figures, read from the process that watches; promtool accepts
# them; a failing check's pass ratio moves while the watch runs.
. "$(dirname "$0")/lib.sh"
cd "$T"
UP=$(port)
python3 -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); print("ready", flush=True)
while True:
    c, _ = s.accept(); c.close()' "$UP" >up.log 2>&1 &
PIDS="$PIDS $!"
wait_ready up.log || fail "listener did not start"
DOWN=$(port)
SP=$(port)
cat >plan.yml <<EOF
cutover: 1
name: served-watch
checks:
  - { id: api, kind: tcp, address: "127.0.0.1:$UP" }
  - { id: worker, kind: tcp, address: "127.0.0.1:$DOWN", timeout: 1s }
phases:
  - id: post
    watch: { every: 200ms, for: 4s, checks: [api, worker] }
    success:
      - { check: api, uptime: ">= 99%" }
      - { check: worker, failures: 0 }
EOF
"$CUTOVER" watch plan.yml --state j.db --serve "127.0.0.1:$SP" --no-auto-rollback \
    >watch.out 2>&1 &
W=$!
PIDS="$PIDS $W"
for _ in $(seq 50); do
	curl -fsS "http://127.0.0.1:$SP/metrics" 2>/dev/null | grep -q '^cutover_watch_samples' && break
	sleep 0.1
done
curl -fsS "http://127.0.0.1:$SP/metrics" >m1.txt
grep -q '^cutover_watch_samples{plan="served-watch",phase="post",check="api"} [1-9]' m1.txt &&
	ok "/metrics has the watch's samples while it runs" || fail "watch samples" "$(cat m1.txt | head -40)"
grep -q '^cutover_watch_pass_ratio{plan="served-watch",phase="post",check="worker"} 0$' m1.txt &&
	ok "the failing check's pass ratio is 0" || fail "pass ratio" "$(grep pass_ratio m1.txt)"
grep -q '^cutover_success_rule_ok{plan="served-watch",phase="post",check="worker",rule="failures"} 0$' m1.txt &&
	ok "the broken success rule reads 0 live" || fail "success rule" "$(grep success_rule m1.txt)"
grep -q '^cutover_success_rule_ok{plan="served-watch",phase="post",check="api",rule="uptime"} 1$' m1.txt &&
	ok "the holding rule reads 1" || fail "success rule api" "$(grep success_rule m1.txt)"
if command -v promtool >/dev/null; then
	promtool check metrics <m1.txt >pt.out 2>&1 && ok "promtool accepts the watch metrics" ||
		fail "promtool" "$(cat pt.out)"
fi
sleep 0.5
curl -fsS "http://127.0.0.1:$SP/metrics" >m2.txt
n1=$(sed -n 's/^cutover_watch_samples{.*check="api"} //p' m1.txt)
n2=$(sed -n 's/^cutover_watch_samples{.*check="api"} //p' m2.txt)
[ "${n2:-0}" -gt "${n1:-0}" ] && ok "the figures move as samples arrive ($n1 -> $n2)" ||
	fail "samples did not grow" "$n1 -> $n2"
curl -fsS "http://127.0.0.1:$SP/" >page.html
grep -q "Watch of phase post" page.html && ok "the dashboard has the watch section" ||
	fail "dashboard watch" "$(head -c 2000 page.html)"
grep -q "<svg" page.html && ok "with a chart" || fail "chart"
grep -q "Success rules" page.html && ok "and the success rules" || fail "success rules"
grep -q "worker" page.html && ok "naming the failing check" || fail "worker on page"
wait "$W"
rc=$?
expect_eq "$rc" 1 "the watch ends no-go (worker's rule failed)"
grep -q "serving http://127.0.0.1:$SP/" watch.out && ok "it said where it serves" ||
	fail "serving line" "$(cat watch.out)"
run "$CUTOVER" watch plan.yml --state j2.db --serve-token-env X
expect_rc 2 "--serve-token-env without --serve"
done_testing
