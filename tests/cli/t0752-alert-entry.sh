#!/bin/bash
# t0752-alert-entry.sh - a phase's entry checks that fail are a no-go like
# a failed gate's: the run stops (nothing is rolled back) and a real HTTP
# receiver (tests/harness/alertsink.py) gets `gate.nogo` naming the phase
# and the failing checks, journaled as delivered.  Repaired and resumed,
# the run completes without another no-go.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 not installed"; exit 0; }
command -v jq >/dev/null || { echo "skipped: jq not installed"; exit 0; }
cd "$T"
P=$(port)
python3 "$ROOT/tests/harness/alertsink.py" "$P" sink.jsonl >sink.out 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 400); do grep -q ready sink.out && break; sleep 0.05; done
grep -q ready sink.out || { fail "alert receiver did not start" "$(cat sink.out)"; done_testing; exit; }

cat >plan.yml <<EOF
cutover: 1
name: entry-alert
checks:
  - { id: backup, kind: file, path: backup.sql }
  - { id: disk, kind: disk, path: ., min_free: 1MB }
phases:
  - id: preflight
    checks: [backup, disk]
    steps:
      - { id: touch, shell: "touch moved" }
alerts:
  - { id: hook, kind: webhook, url: "http://127.0.0.1:$P/hook", hold: 0s }
EOF

run "$CUTOVER" run plan.yml --yes
expect_rc 1 "the entry checks fail: the run stops"
expect_out "stopped: entry checks of phase preflight failed: backup" "it says why"
[ ! -e moved ] && ok "no step ran" || fail "a step ran past failed entry checks"
ev() { jq -c "select(.path == \"/hook\") | .body | fromjson | $1" sink.jsonl; }
expect_eq "$(ev 'select(.event == "gate.nogo") | "\(.phase)|\(.status)|\(.message)"')" \
	'"preflight|no-go|entry checks of phase preflight failed: backup"' \
	"gate.nogo received with the phase and the failing check"
expect_eq "$(ev '.event' | tr -d '"' | tr '\n' ' ')" "check.fail gate.nogo run.done " \
	"the events, in order"
q() { sqlite3 .cutover/entry-alert.db "$1"; }
expect_eq "$(q "select count(*) from alerts where event = 'gate.nogo' and state = 'sent'")" 1 \
	"the delivery is journaled as sent"
expect_eq "$(q "select state from runs")" stopped "the run is stopped, not rolled back"

: >sink.jsonl
touch backup.sql
run "$CUTOVER" resume plan.yml --yes
expect_rc 0 "repaired, resume completes"
[ -e moved ] && ok "the step ran" || fail "the step did not run"
expect_eq "$(ev 'select(.event == "gate.nogo") | .phase')" "" "no gate.nogo once the checks pass"
done_testing
