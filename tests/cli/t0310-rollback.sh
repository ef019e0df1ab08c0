#!/bin/bash
# t0310-rollback.sh - every way into a rollback and through it: a failing
# gate (undo in reverse order, a step without undo reported as not
# undone), a failed step after its retries, a window overrun, a failing
# undo (journaled, reported, the rollback goes on), --no-rollback then
# `cutover rollback` or `cutover resume`, and rolling back a completed run.
. "$(dirname "$0")/lib.sh"
cd "$T"
cp "$ROOT/tests/plans/runbook/rollback.yml" plan.yml
log() { tr '\n' ' ' <log; }
fresh() { rm -rf log gate-ok .cutover; }
json() { "$CUTOVER" report plan.yml --format json | jq -r "$1"; }

run "$CUTOVER" rollback plan.yml
expect_rc 2 "rollback with no journal"

# A failing gate rolls back: undo newest first, then rollback steps.
fresh
run "$CUTOVER" run plan.yml
expect_rc 1 "failing gate"
expect_out "no-go: gate of phase two failed: gate-ok" "names the failing check"
expect_eq "$(log)" "s1 s2 s3 s4 s4-done undo-s4 undo-s3 undo-s1 restore " \
    "undo in reverse order, then the rollback steps"
expect_out "undo s2: no undo: not undone" "a step without undo is not undone"
expect_out "run 1: rolled back" "rolled back"
expect_eq "$(json .state)" "rolled-back" "journal: rolled-back"
expect_eq "$(json '[.rollback[] | .action + ":" + .step + ":" + .state] | join(" ")')" \
    "undo:s4:ok undo:s3:ok undo:s1:ok rollback:restore:ok" "report lists rollback actions"
expect_eq "$(json '.not_undone[0].step')" "s2" "report lists the step not undone"
expect_eq "$(json '[.checks[] | select(.role == "rollback-verify") | .status] | join(",")')" \
    "pass" "rollback_verify ran"
expect_eq "$(json '.decisions[0].decision + " " + .decisions[0].how')" \
    "no-go gate failed" "the no-go is journaled"
expect_eq "$(json '.risks[0].mitigation_ready')" "false" \
    "risk not mitigated: its check failed"
run "$CUTOVER" report plan.yml
expect_rc 1 "report of a rolled-back run exits 1"
expect_out "^\*\*Verdict: NO-GO: rolled back\*\*" "md verdict"
expect_out "\| not undone \| s2 \| skipped \|" "md lists s2 as not undone"
run "$CUTOVER" rollback plan.yml
expect_rc 0 "rollback of a rolled-back run"
expect_out "already rolled back" "says so"

# A failing step: retried, then rolled back; it is not undone itself.
fresh
S4_EXIT=1 S4_RETRIES=2 run "$CUTOVER" run plan.yml
expect_rc 1 "failing step"
expect_out "step s4 \(attempt 3 of 3\)" "retried"
expect_eq "$(log)" "s1 s2 s3 s4 s4-done s4 s4-done s4 s4-done undo-s3 undo-s1 restore " \
    "three attempts, then undo of the completed steps only"
expect_eq "$(json '.reason')" "step s4 failed: exited with status 1" "reason"
expect_eq "$(json '[.phases[1].steps[] | .id + "#" + (.attempt|tostring) + ":" + .state] | join(" ")')" \
    "s3#1:ok s4#1:failed s4#2:failed s4#3:failed" "every attempt is journaled"

# A window overrun: the step is stopped at max and the run rolls back.
fresh
t0=$(date +%s)
TARGET=300ms MAX=1s S4_SLEEP=30.31 run "$CUTOVER" run plan.yml
t1=$(date +%s)
expect_rc 1 "window overrun"
[ $((t1 - t0)) -lt 10 ] && ok "the step was stopped at the window max" ||
	fail "took $((t1 - t0))s"
expect_out "warning: phase 'two' is past its window target 300.0ms" "target warns"
expect_out "window max 1.00s of phase 'two' exceeded; process group stopped" \
    "max stops the step"
# s4 was cut short and its undo is not marked idempotent: the rollback
# waits for the operator's word on it (t0380 has the details).
expect_eq "$(log)" "s1 s2 s3 s4 " "the rollback stops at s4, cut short"
expect_err "step 's4' \\(phase two\\) did not complete \\(window max" "and says why"
expect_eq "$(json '[.decisions[] | .decision + ":" + .how] | join(",")')" \
    "rollback:window max exceeded" "the overrun decision is journaled"
run "$CUTOVER" rollback plan.yml --undo-interrupted
expect_rc 0 "rolled back once the operator decided"
expect_eq "$(log)" "s1 s2 s3 s4 undo-s4 undo-s3 undo-s1 restore " "rolled back"
expect_eq "$(json '[.timeline[] | select(.event | startswith("window-target"))] | length')" \
    "1" "the target warning is in the timeline"
sleep 0.2
# A duration no other test uses: pgrep sees the whole machine, and
# t0375 leaves `sleep 30` daemons running on purpose.
pgrep -fx "sleep 30.31" >/dev/null && fail "the step's process survived" ||
	ok "the step's process group is gone"

# A decision that waits past the window's max: resume rolls back.  The
# phase reaches its gate in ~0.2 s: a 2 s max leaves it ten times that.
fresh
touch gate-ok
TARGET=1s MAX=2s run "$CUTOVER" run plan.yml </dev/null
expect_rc 1 "awaiting at the gate"
sleep 2.2
TARGET=1s MAX=2s run "$CUTOVER" resume plan.yml --yes
expect_rc 1 "resume past the window max rolls back instead of going on"
expect_out "== rollback: window max of phase two exceeded before its gate" \
    "says why"
expect_eq "$(log)" "s1 s2 s3 s4 s4-done undo-s4 undo-s3 undo-s1 restore " "rolled back"

# A failing undo is journaled and reported; the rollback goes on.
fresh
UNDO3_EXIT=3 run "$CUTOVER" run plan.yml
expect_rc 1 "rollback with a failing undo"
expect_eq "$(log)" "s1 s2 s3 s4 s4-done undo-s4 undo-s3 undo-s1 restore " \
    "the rollback went on past the failed undo"
expect_out "finished with 1 failure" "says the rollback had a failure"
expect_eq "$(json .state)" "rollback-failed" "journal: rollback-failed"
expect_eq "$(json '.rollback[] | select(.step == "s3") | .state + ": " + .message')" \
    "failed: exited with status 3" "the failed undo is in the report"
run "$CUTOVER" status plan.yml
expect_out "rollback-failed" "status shows it"
# Rolling back again retries what failed.
n=$(wc -l <log)
run "$CUTOVER" rollback plan.yml
expect_rc 0 "a second rollback retries the failed undo"
expect_eq "$(tail -n +$((n + 1)) log | tr '\n' ' ')" "undo-s3 " \
    "only the failed undo ran again (rollback steps already done)"
expect_eq "$(json .state)" "rolled-back" "now rolled back"

# --no-rollback stops at a failing gate; `cutover rollback` decides.
fresh
run "$CUTOVER" run plan.yml --no-rollback
expect_rc 1 "--no-rollback"
expect_out "stopped \(--no-rollback\): gate of phase two failed" "stopped"
expect_eq "$(log)" "s1 s2 s3 s4 s4-done " "nothing undone yet"
run "$CUTOVER" rollback plan.yml
expect_rc 0 "cutover rollback"
expect_eq "$(log)" "s1 s2 s3 s4 s4-done undo-s4 undo-s3 undo-s1 restore " "undone"
expect_eq "$(json '.decisions[-1].decision + " by " + .decisions[-1].user + " (" + .decisions[-1].how + ")"')" \
    "rollback by $(id -un) (cutover rollback)" "the rollback decision is journaled"

# --no-rollback, then fix and resume: the gate runs again and passes.
fresh
run "$CUTOVER" run plan.yml --no-rollback
expect_rc 1 "--no-rollback again"
touch gate-ok
run "$CUTOVER" resume plan.yml --yes
expect_rc 0 "resume after the fix"
expect_eq "$(log)" "s1 s2 s3 s4 s4-done " "steps not run twice"
# ... and a completed run can still be rolled back.
# Without a terminal to ask on, a completed run needs --yes ...
run "$CUTOVER" rollback plan.yml
expect_rc 2 "a completed run is not rolled back unasked"
expect_eq "$(log)" "s1 s2 s3 s4 s4-done " "nothing undone unasked"
run "$CUTOVER" rollback plan.yml --yes
expect_rc 0 "roll back a completed run"
expect_eq "$(log)" "s1 s2 s3 s4 s4-done undo-s4 undo-s3 undo-s1 restore " \
    "completed run undone"

done_testing
