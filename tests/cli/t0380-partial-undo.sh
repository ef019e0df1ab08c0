#!/bin/bash
# t0380-partial-undo.sh - rolling back a step that did not complete.  Step
# b is cut short (SIGTERM, kill -9 of cutover, its timeout): it may have
# done part of its work.  An undo marked `idempotent: true` runs; any
# other undo stops the rollback (exit 1, b listed as not undone, the two
# ways on named) until the operator decides with --undo-interrupted or
# --keep-interrupted.  Never "rolled back" with b's effects unaccounted.
. "$(dirname "$0")/lib.sh"
cd "$T"
log() { tr '\n' ' ' <log 2>/dev/null; }

# plan NAME [SAFE]: steps a and b; b naps ${NAP}s; b's undo is marked
# idempotent when SAFE is given.
plan() {
	cat >"$1.yml" <<YML
cutover: 1
name: $1
phases:
  - id: p
    steps:
      - { id: a, shell: echo a >> log, undo: { shell: echo ua >> log } }
      - id: b
        shell: echo b >> log; echo \$\$\$\$ > nap.pid; sleep \${env:NAP:-0}; echo b-done >> log
        undo: { shell: echo ub >> log$2 }
        timeout: \${env:TMO:-1h}
YML
}
plan unsafe ''
plan safe ', idempotent: true'

# start NAME ARGS..: run in the background until b naps; sets $pid, $nap.
start() {
	local name=$1; shift
	rm -rf .cutover log nap.pid
	NAP=30 "$CUTOVER" run "$name.yml" "$@" >run.out 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -s nap.pid ] && break; sleep 0.05; done
	nap=$(cat nap.pid 2>/dev/null)
	[ -n "$nap" ] || fail "step b did not start" "$(cat run.out)"
}
json() { "$CUTOVER" report "$1.yml" --format json | jq -r "$2"; }

# SIGTERM during b, then `cutover rollback`.
start unsafe
kill -TERM $pid; wait $pid
expect_eq "$?" 143 "SIGTERM during b"
run "$CUTOVER" rollback unsafe.yml
expect_rc 1 "rollback stops at the interrupted b (its undo is not idempotent)"
expect_out "undo b: did not complete, and its undo is not marked idempotent" "lists b as not undone"
expect_err "step 'b' \(phase p\) did not complete \(interrupted by SIGTERM" "names b and why"
expect_err "rollback unsafe.yml --undo-interrupted' to run its undo, or 'cutover rollback unsafe.yml --keep-interrupted'" \
    "says how to proceed"
expect_no "rolled back" "does not say rolled back"
expect_eq "$(log)" "a b " "nothing undone before the decision (b's undo comes first)"
expect_eq "$(json unsafe '[.not_undone[].step] | join(",")')" "b" "report lists b as not undone"
run "$CUTOVER" status unsafe.yml
expect_out "rollback-interrupted" "status: the rollback is not finished"
run "$CUTOVER" rollback unsafe.yml
expect_rc 1 "asked again without a decision: still stops"
run "$CUTOVER" rollback unsafe.yml --undo-interrupted
expect_rc 0 "--undo-interrupted: rolled back"
expect_eq "$(log)" "a b ub ua " "b's undo ran, then a's"
expect_eq "$(json unsafe '[.decisions[] | .decision + ":" + .based_on] | map(select(startswith("undo-"))) | join(",")')" \
    "undo-interrupted:b" "the decision is journaled"

# The same, left as it is.
start unsafe
kill -TERM $pid; wait $pid
run "$CUTOVER" rollback unsafe.yml --keep-interrupted
expect_rc 0 "--keep-interrupted: the rollback goes on"
expect_eq "$(log)" "a b ua " "b left, a undone"
expect_out "undo b: did not complete; left as it is \(--keep-interrupted\)" "says b is left"
expect_eq "$(json unsafe '.state')" "rolled-back" "rolled back"

# An idempotent undo runs on an interrupted step.
start safe
kill -TERM $pid; wait $pid
run "$CUTOVER" rollback safe.yml
expect_rc 0 "idempotent undo: rolled back"
expect_out "step b did not complete; its undo is idempotent: running it" "says why b is undone"
expect_eq "$(log)" "a b ub ua " "b's undo ran"

# --rollback-on-signal goes the same way.
start unsafe --rollback-on-signal
kill -TERM $pid; wait $pid
expect_eq "$?" 143 "--rollback-on-signal exits 143"
expect_eq "$(log)" "a b " "and stops before undoing past b"
expect_eq "$(json unsafe .state)" "rollback-interrupted" "the rollback awaits the decision"
run "$CUTOVER" resume unsafe.yml --undo-interrupted
expect_rc 1 "resume --undo-interrupted finishes the rollback (exit 1: rolled back)"
expect_eq "$(log)" "a b ub ua " "b's undo, then a's"

# kill -9 of cutover during b: b's process outlives it.
for kind in unsafe safe; do
	start $kind
	kill -9 $pid; wait $pid 2>/dev/null
	run "$CUTOVER" rollback $kind.yml
	expect_rc 1 "$kind, kill -9: rollback refuses while b's processes run"
	expect_err "step 'b' did not complete and its processes \(group $nap\) are still running" "says so"
	expect_eq "$(log)" "a b " "$kind: nothing undone while b runs"
	kill -9 -- -"$nap" 2>/dev/null
	sleep 0.2
	run "$CUTOVER" rollback $kind.yml
	if [ $kind = safe ]; then
		expect_rc 0 "safe, kill -9: rolled back once b is gone"
		expect_eq "$(log)" "a b ub ua " "safe: b's undo ran"
	else
		expect_rc 1 "unsafe, kill -9: stops for a decision"
		expect_err "step 'b' \(phase p\) did not complete \(cutover stopped while it ran\)" "names b"
		run "$CUTOVER" rollback $kind.yml --undo-interrupted
		expect_rc 0 "unsafe, kill -9: rolled back after the decision"
		expect_eq "$(log)" "a b ub ua " "unsafe: b's undo ran"
	fi
done

# Killed at its timeout: cut short like an interrupted step.
rm -rf .cutover log
NAP=30 TMO=300ms run "$CUTOVER" run unsafe.yml
expect_rc 1 "b timed out"
expect_out "undo b: did not complete, and its undo is not marked idempotent" "b is not undone silently"
expect_eq "$(log)" "a b " "the rollback stopped at b"
run "$CUTOVER" rollback unsafe.yml --undo-interrupted
expect_rc 0 "decided: rolled back"
expect_eq "$(log)" "a b ub ua " "b's undo, then a's"

done_testing
