#!/bin/bash
# t0300-run.sh - `cutover run/resume/status/report` on the happy path and
# its stops: dry run, entry checks, awaiting a decision without a
# terminal, resume --yes, a plan changed between run and resume, two runs
# on one journal, --new, and bad input.
. "$(dirname "$0")/lib.sh"
export API_TOKEN=tok-s3cr3t-value
cd "$T"
cp "$ROOT/tests/plans/runbook/basic.yml" plan.yml

run "$CUTOVER" status plan.yml
expect_rc 0 "status before any run"
expect_out "no run yet" "status says nothing has run"
run "$CUTOVER" report plan.yml
expect_rc 2 "report before any run"
expect_err "nothing has run yet" "report says why"

# Dry run: the plan as it would execute, redacted; nothing runs.
run "$CUTOVER" run plan.yml --dry-run
expect_rc 0 "dry run"
expect_out "^phase cut" "dry run lists phases"
expect_out "window: target 1m00s, max 10m00s" "dry run shows the window"
expect_out "step copy: shell: echo copy >> log; echo using \*\*\*; touch copied" \
    "dry run shows interpolated, redacted commands"
expect_out "gate \(go/no-go\): copied \(file\)" "dry run shows the gate"
expect_out "step restore: shell: echo restore >> log" "dry run shows rollback steps"
expect_no "tok-s3cr3t-value" "dry run never prints the secret"
[ ! -e log ] && [ ! -e .cutover ] && ok "dry run ran no step, wrote no journal" ||
	fail "dry run executed something"

# Entry checks fail: stop before any step.
run "$CUTOVER" run plan.yml
expect_rc 1 "entry check failing stops the run"
expect_out "stopped: entry checks of phase pre failed: ready" "says which check"
[ ! -e log ] && ok "no step ran" || fail "a step ran" "$(cat log)"
run "$CUTOVER" status plan.yml
expect_out "run 1 stopped" "status: stopped"

# Fixed; resume without a terminal and without --yes stops at the gate.
touch ready
run "$CUTOVER" resume plan.yml </dev/null
expect_rc 1 "gate without a terminal awaits a decision"
expect_out "    \| using \*\*\*" "step output streams, redacted"
expect_no "tok-s3cr3t-value" "the secret is never printed"
expect_out "awaiting go/no-go at the gate of phase cut" "says it is awaiting"
expect_eq "$(tr '\n' ' ' <log)" "stop copy start " "steps ran once, in order"
run "$CUTOVER" status plan.yml
expect_out "run 1 awaiting" "status: awaiting"
expect_out "last gate \(cut\): copied pass" "status shows the last gate"
expect_out "next: cutover resume plan.yml --yes" "status says what to do"
expect_out "window of cut: .* elapsed \(target 1m00s, max 10m00s\)" \
    "status shows the window"
run "$CUTOVER" status plan.yml --format json
expect_rc 0 "status json"
expect_eq "$(printf '%s' "$out" | jq -r '.state + " " + .phase + " " + .last_gate.results[0].status')" \
    "awaiting cut pass" "status json: state, phase, gate"

run "$CUTOVER" run plan.yml
expect_rc 2 "run refuses while a run is unfinished"
expect_err "run 1 of 'basic' is not finished \(awaiting" "names the unfinished run"

run "$CUTOVER" resume plan.yml --yes
expect_rc 0 "resume --yes completes"
expect_out "step stop: done earlier" "completed steps are skipped"
expect_out "run 1: completed \(go\)" "completed"
expect_out "^summary: go in [0-9.]+(us|ms|s|m|h)[^;]*; (downtime [0-9.]+(us|ms|s|m|h) \((within target|over target|over max|no window)\)|no downtime measured[^;]*); report: cutover report plan.yml --format html -o report.html$" \
    "the last line: total time, downtime against the window, how to get the report"
expect_eq "$(tr '\n' ' ' <log)" "stop copy start notify " "each step ran exactly once"
run "$CUTOVER" resume plan.yml
expect_rc 0 "resume of a completed run"
expect_out "nothing to resume" "says so"
run "$CUTOVER" report plan.yml --format json
expect_rc 0 "report of a completed run exits 0"
expect_eq "$(printf '%s' "$out" | jq -r '[.decisions[] | .decision + ":" + .how] | join(",")')" \
    "awaiting:no terminal and no --yes,go:--yes" "decisions journaled: awaiting, then go"
expect_eq "$(printf '%s' "$out" | jq -r '.decisions[1].based_on')" \
    "copied pass (mode 0644, 0 B)" "a decision records the results it was based on"
expect_eq "$(printf '%s' "$out" | jq -r '.decisions[1].user')" "$(id -un)" \
    "a decision records the user"
expect_no "tok-s3cr3t-value" "the report never holds the secret"
if sqlite3 .cutover/basic.db .dump | grep -q tok-s3cr3t-value; then
	fail "the journal holds the secret"
else
	ok "the journal never holds the secret"
fi
[ "$(sqlite3 .cutover/basic.db 'PRAGMA journal_mode')" = wal ] &&
	ok "journal is in WAL mode" || fail "journal is not WAL"
expect_eq "$(stat -c %a .cutover/basic.db)" 600 "the journal is readable by its owner only"

# The plan changes between run and resume.
rm -f log copied
run "$CUTOVER" run plan.yml
expect_rc 1 "second run awaits again"
echo "# edited" >>plan.yml
run "$CUTOVER" resume plan.yml --yes
expect_rc 2 "resume refuses a changed plan"
expect_err "plan.yml changed since run 2 started \(sha256 [0-9a-f]{12}, now [0-9a-f]{12}\)" \
    "names the change"
expect_err "accept it with --force" "says how to accept it"
run "$CUTOVER" resume plan.yml --yes --force
expect_rc 0 "resume --force accepts it"
run "$CUTOVER" report plan.yml --format json
expect_eq "$(printf '%s' "$out" | jq -r '.decisions[] | select(.decision == "accept-changed-plan") | .how')" \
    "--force" "accepting a changed plan is journaled"

# Two runs on one journal: the second exits 2 naming the holder's pid.
cat >slow.yml <<'YML'
cutover: 1
name: slow
phases:
  - id: only
    steps:
      - { id: wait, shell: "touch started; sleep 3" }
YML
"$CUTOVER" run slow.yml >slow.out 2>&1 &
holder=$!
for _ in $(seq 50); do [ -e started ] && break; sleep 0.1; done
run "$CUTOVER" run slow.yml
expect_rc 2 "a second run on a busy journal"
expect_err "journal ./.cutover/slow.db is in use by pid $holder" "names the holder's pid"
run "$CUTOVER" resume slow.yml
expect_rc 2 "resume on a busy journal"
run "$CUTOVER" status slow.yml
expect_rc 0 "status works while a run holds the journal"
expect_out "run 1 running" "status: running"
expect_out "running as pid $holder" "status names the running pid"
wait $holder
expect_eq "$?" "0" "the first run completed"

# --new abandons an unfinished run.
rm -f log copied
run "$CUTOVER" run plan.yml --froce </dev/null
expect_rc 2 "run refuses an unknown option"
run "$CUTOVER" run plan.yml </dev/null
expect_rc 1 "third run awaits"
run "$CUTOVER" run plan.yml --new --yes
expect_rc 0 "--new starts over"
run "$CUTOVER" report plan.yml --run 3 --format json
expect_eq "$(printf '%s' "$out" | jq -r .state)" "abandoned" "the old run is abandoned"

# Bad input: one line, exit 2.
run "$CUTOVER" run
expect_rc 2 "run without a plan"
expect_err "missing PLAN" "says so"
run "$CUTOVER" run nosuch.yml
expect_rc 2 "run with a missing plan"
printf 'cutover: 1\nname: x\nphases:\n  - id: a\n    steps:\n      - { id: s }\n' >bad.yml
run "$CUTOVER" run bad.yml
expect_rc 2 "run with a bad plan"
expect_err "^bad.yml:6:9: step 's' needs 'run' \(argv\) or 'shell'" "file:line:col"
run "$CUTOVER" status plan.yml --format xml
expect_rc 2 "status with a bad format"
run "$CUTOVER" report plan.yml --format pdf
expect_rc 2 "report with a bad format"
run "$CUTOVER" resume plan.yml --yes --retry-interupted
expect_rc 2 "misspelt option"
expect_err "did you mean '--retry-interrupted'" "suggests the option"

done_testing
