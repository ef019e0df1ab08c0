#!/bin/bash
# t0710-watch-trigger.sh - rollback_if against a real HTTP service that the
# test turns bad mid-watch: `failing: 50%` fires at the expected sample,
# the rollback runs and everything is journaled; a rule below its share or
# short of min_samples never fires.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 CLI missing"; exit 0; }

P=$(port)
python3 "$ROOT/tests/harness/flaky.py" "$P" >"$T/flaky.log" 2>&1 &
PIDS="$PIDS $!"
wait_ready "$T/flaky.log" || { fail "flaky.py did not start"; done_testing; exit; }
ctl() { curl -fsS "http://127.0.0.1:$P/control?$1" >/dev/null; }
# Never create the journal: the file appears whole when cutover makes it.
q() { [ -e "$T/j.db" ] && sqlite3 "$T/j.db" "$1" 2>/dev/null; }

cat >"$T/plan.yml" <<YML
cutover: 1
name: watch-trigger
checks:
  - { id: api, kind: http, url: "http://127.0.0.1:$P/health", timeout: 2s }
phases:
  - id: switch
    steps:
      - { id: flip, run: "touch $T/flipped", undo: "touch $T/undone" }
  - id: post
    watch: { every: 300ms, for: 30s }
    rollback_if:
      - { check: api, failing: 50%, within: 1500ms }
rollback:
  - { id: restore, run: "touch $T/restored" }
YML

ctl "fail=0"
"$CUTOVER" run "$T/plan.yml" --yes --state "$T/j.db" >"$T/run.out" 2>&1 &
runpid=$!
# Let five or more passing samples fill the window, then 60% failures.
for _ in $(seq 100); do
	n=$(q "select count(*) from samples" 2>/dev/null || echo 0)
	[ "${n:-0}" -ge 6 ] && break
	sleep 0.1
done
ctl "fail=60"
t0=$(date +%s)
wait $runpid
rc=$?
took=$(( $(date +%s) - t0 ))
out=$(cat "$T/run.out"); err=""
expect_eq "$rc" 1 "a fired rule rolls back: exit 1"
[ "$took" -le 8 ] && ok "the rule fired within seconds ($took s), not at the end of the 30 s watch" ||
	fail "took $took s to fire"
expect_out "trigger: api failing >= 50% within 1.50s" "the trigger is printed"
[ -f "$T/undone" ] && [ -f "$T/restored" ] && ok "undo and the plan's rollback steps ran" ||
	fail "rollback did not run" "$out"
expect_eq "$(q "select state from runs")" "rolled-back" "the run is rolled back"
expect_eq "$(q "select count(*) from triggers")" 1 "one trigger journaled"
expect_eq "$(q "select decision || '|' || how from decisions where phase_id='post'")" \
	"rollback|rollback_if fired" "the decision is journaled"
expect_eq "$(q "select count(*) from events where type='trigger'")" 1 "a trigger event"
expect_eq "$(q "select count(*) from events where type='rollback-start'")" 1 "the rollback started"
# 60% spread exactly is P F P F F: in a window of 5 samples (1.5 s at
# 300 ms) the share reaches 3/5 at the fifth sample after the switch,
# four samples after the first failure.
first=$(q "select min(t) from samples where s=2")
expect_eq "$(q "select count(*) from samples where t >= $first")" 4 \
	"fired at the 5th sample after the switch (4 from the first failure)"
expect_eq "$(q "select count(*) from samples where s=2")" 3 "3 failing samples"
tr=$(q "select samples from triggers")
printf '%s' "$tr" | grep -q "3 of 5 samples failed (60.0%" &&
	ok "the trigger keeps the samples that made it fire" || fail "trigger samples" "$tr"
expect_eq "$(q "select state from watches")" "triggered" "the watch ended triggered"
expect_eq "$(q "select count(*) from samples where s=2 and m is not null")" 1 \
	"a failing message is stored once, not per sample"

run "$CUTOVER" report "$T/plan.yml" --state "$T/j.db" --format html
expect_out "<h3>Triggers that fired</h3>" "the HTML report lists the trigger"
expect_out "<svg xmlns=\"http://www.w3.org/2000/svg\"" "with an inline SVG chart per check"
expect_out "fill=\"#ff8182\"" "failing slices drawn in the chart"
if printf '%s' "$out" | grep -Eq '(src|href)='; then fail "the HTML report loads outside resources"
else ok "no outside resources in the HTML report"; fi
run "$CUTOVER" status "$T/plan.yml" --state "$T/j.db"
expect_out "trigger: api failing >= 50%" "status shows the trigger"

# Below the share: 40% failures against failing: 50% never fires.
rm -f "$T/j.db"*
cat >"$T/below.yml" <<YML
cutover: 1
name: watch-below
checks:
  - { id: api, kind: http, url: "http://127.0.0.1:$P/health", timeout: 2s }
phases:
  - id: post
    watch: { every: 200ms, for: 3s }
    rollback_if:
      - { check: api, failing: 50%, within: 1s }
      - { check: api, failing: 50%, within: 500ms, min_samples: 10 }
success:
  - { check: api, uptime: ">= 55%" }
YML
ctl "fail=40"
run "$CUTOVER" watch "$T/below.yml" --state "$T/j.db"
expect_rc 0 "40% failures and a rule short of min_samples: no trigger, success holds"
expect_eq "$(q "select count(*) from triggers")" 0 "nothing fired"
want=$(q "select printf('%.3f', 100.0 * sum(s < 2) / count(*)) from samples")
expect_out "uptime +>= +55% +measured $want%" "uptime measured exactly from the samples ($want%)"

# Too few samples: 100% failures, but a 500 ms window never holds the 10
# samples the rule asks for.
rm -f "$T/j.db"*
cat >"$T/few.yml" <<YML
cutover: 1
name: watch-few
checks:
  - { id: api, kind: http, url: "http://127.0.0.1:$P/health", timeout: 2s }
phases:
  - id: post
    watch: { every: 200ms, for: 2s }
    rollback_if:
      - { check: api, failing: 50%, within: 500ms, min_samples: 10 }
YML
ctl "fail=100"
run "$CUTOVER" watch "$T/few.yml" --state "$T/j.db"
expect_rc 0 "every sample failing, but never min_samples in the window: no trigger"
expect_eq "$(q "select count(*) from triggers")" 0 "nothing fired"
expect_eq "$(q "select count(*) = sum(s = 2) from samples")" 1 "every sample failed"

# The same samples against a 1 s window with min_samples 3 fire, and
# --no-auto-rollback leaves the decision to a person.
rm -f "$T/j.db"*
sed -i 's/within: 500ms, min_samples: 10/within: 1s/' "$T/few.yml"
run "$CUTOVER" watch "$T/few.yml" --state "$T/j.db" --no-auto-rollback
expect_rc 1 "the 1 s rule fires"
expect_eq "$(q "select count(*) from samples")" 3 "at the third sample (min_samples 3)"
expect_eq "$(q "select state from runs")" "awaiting" \
	"--no-auto-rollback: the run awaits a decision"
expect_out "go on watching with 'cutover resume" "it says how to decide"
# A person decides to go on: resume continues the same watch, the rule
# judging only samples after the decision, the time awaited a gap.
ctl "fail=0"
# The decision takes a moment: longer than a sample interval, so that the
# time awaited is a gap whatever the machine's speed (a resume within two
# intervals of the last sample is no gap).
sleep 0.6
run "$CUTOVER" resume "$T/few.yml" --state "$T/j.db"
expect_rc 0 "resume after an awaited trigger watches on to the end"
expect_eq "$(q "select count(*) from watches")" 1 "the same watch"
expect_eq "$(q "select state from watches")" go "it ended go"
expect_eq "$(q "select group_concat(decision, ',') from decisions where phase_id = 'post'")" \
	"awaiting,go" "the decisions: awaiting, then go"
expect_eq "$(q "select count(*) from watch_gaps")" 1 "the time awaited is a gap"
done_testing
