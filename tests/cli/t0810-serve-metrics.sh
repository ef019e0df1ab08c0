#!/bin/bash
# t0810-serve-metrics.sh - /metrics in the Prometheus text format: promtool
# accepts it, and a real Prometheus (Debian's) scraping `cutover serve`
# with a bearer token answers PromQL queries with the checks' statuses,
# the run's state and the window, while the run goes on and after it.
. "$(dirname "$0")/lib.sh"
cd "$T"
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
	{ echo "skipped: prometheus/promtool are not installed"; exit 0; }

SP=$(port)
PP=$(port)
cat >plan.yml <<YML
cutover: 1
name: metrics-demo
checks:
  - { id: api-port, kind: tcp, address: "127.0.0.1:$SP" }
  - { id: bad, kind: command, run: "false" }
phases:
  - id: preflight
    checks: [api-port]
  - id: switch
    window: { target: 5m, max: 10m }
    steps:
      - { id: hold, shell: "while [ ! -e release ]; do sleep 0.1; done" }
    gate: [api-port, bad]
YML
export SCRAPE_TOKEN=tok-$RANDOM-$RANDOM-metrics
"$CUTOVER" lint plan.yml >/dev/null || fail "the plan lints"
"$CUTOVER" serve plan.yml --listen 127.0.0.1:$SP --token-env SCRAPE_TOKEN 2>serve.err &
PIDS="$PIDS $!"
for _ in $(seq 100); do grep -q '^cutover serve: http' serve.err && break; sleep 0.05; done
URL=http://127.0.0.1:$SP/

"$CUTOVER" run plan.yml --yes >run.out 2>&1 &
RP=$!
PIDS="$PIDS $RP"
for _ in $(seq 200); do
	curl -s -H "Authorization: Bearer $SCRAPE_TOKEN" "${URL}api/status" | grep -q '"step": "hold"' && break
	sleep 0.05
done

run curl -s -H "Authorization: Bearer $SCRAPE_TOKEN" "${URL}metrics"
printf '%s\n' "$out" >m1.prom
run promtool check metrics <m1.prom
expect_rc 0 "promtool check metrics accepts /metrics"
grep -q '^cutover_check_status{plan="metrics-demo",phase="preflight",check="api-port",kind="tcp"} 0$' m1.prom &&
	ok "the check's status, labelled with plan, phase, check, kind" || fail "status line" "$(cat m1.prom)"
grep -Eq '^cutover_check_value\{plan="metrics-demo",phase="preflight",check="api-port",kind="tcp"\} [0-9.e-]+$' m1.prom &&
	ok "the tcp latency is the observed value" || fail "value line"
grep -q '^cutover_run_state{plan="metrics-demo",state="running"} 1$' m1.prom && ok "run state" || fail "run state"
grep -q '^cutover_phase_current{plan="metrics-demo",phase="switch"} 1$' m1.prom && ok "current phase" || fail "phase"
grep -Eq '^cutover_window_remaining_seconds\{plan="metrics-demo",phase="switch"\} 59[0-9.]+$' m1.prom &&
	ok "window remaining (max 10m)" || fail "window remaining" "$(grep window m1.prom)"
grep -q '^cutover_downtime_seconds{plan="metrics-demo"} ' m1.prom && ok "downtime" || fail "downtime"
# One writer: the family names check --format prometheus uses.
"$CUTOVER" check plan.yml --only api-port -f prometheus >check.prom 2>/dev/null
for f in cutover_check_status cutover_check_success cutover_check_duration_seconds cutover_check_value; do
	grep -q "^# TYPE $f gauge" check.prom && grep -q "^# TYPE $f gauge" m1.prom ||
		fail "family $f in both outputs"
done
ok "check --format prometheus and /metrics share the families"

# A real Prometheus scrapes it with the token.
printf '%s' "$SCRAPE_TOKEN" >token
cat >prom.yml <<YML
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: cutover
    authorization: { credentials_file: $T/token }
    static_configs: [ { targets: ["127.0.0.1:$SP"] } ]
YML
prometheus --config.file=prom.yml --storage.tsdb.path="$T/tsdb" \
    --web.listen-address=127.0.0.1:$PP >prom.log 2>&1 &
PIDS="$PIDS $!"
q() {
	curl -s "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
	    jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}
v=""
for _ in $(seq 300); do
	v=$(q 'cutover_check_status{check="api-port",phase="preflight"}')
	[ -n "$v" ] && break; sleep 0.1
done
expect_eq "$v" 0 "PromQL: the scraped check status is 0 (pass)"
expect_eq "$(q 'cutover_run_state{state="running"}')" 1 "PromQL: the run is running"

touch release
wait "$RP"
for _ in $(seq 300); do
	v=$(q 'cutover_check_status{check="bad",phase="switch"}')
	[ -n "$v" ] && break; sleep 0.1
done
expect_eq "$v" 2 "PromQL: the failed gate check is 2 (fail)"
for _ in $(seq 100); do
	[ "$(q 'cutover_run_state{state="rolled-back"}')" = 1 ] && break; sleep 0.1
done
expect_eq "$(q 'cutover_run_state{state="rolled-back"}')" 1 "PromQL: the run rolled back"
expect_eq "$(q 'up{job="cutover"}')" 1 "the scrape target is up"
run grep -F "$SCRAPE_TOKEN" serve.err prom.log run.out
expect_rc 1 "the token is in no log"
done_testing
