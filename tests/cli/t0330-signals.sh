#!/bin/bash
# t0330-signals.sh - SIGINT and SIGTERM while a step runs: the step's
# process group is stopped, the step is journaled as interrupted, cutover
# exits 130/143, and resume takes it from there; with
# --rollback-on-signal, SIGTERM rolls back instead (SIGINT still stops).
. "$(dirname "$0")/lib.sh"
cd "$T"
cp "$ROOT/tests/plans/runbook/signals.yml" plan.yml

# start_run ARGS...: run in the background with s2 napping; sets $pid.
start_run() {
	rm -f nap.pid
	NAP=30 "$CUTOVER" "$@" >run.out 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -s nap.pid ] && break; sleep 0.05; done
	[ -s nap.pid ] || fail "step s2 did not start" "$(cat run.out)"
}

for sig in INT TERM; do
	rm -rf .cutover log
	start_run run plan.yml
	nap=$(cat nap.pid)
	kill -$sig $pid
	wait $pid
	rc=$?
	want=$((128 + $(kill -l $sig)))
	expect_eq "$rc" "$want" "SIG$sig exits $want"
	sleep 0.2
	if kill -0 "$nap" 2>/dev/null; then
		fail "SIG$sig: the step's process survived"
		kill -9 "$nap"
	else
		ok "SIG$sig: the step's process group was stopped"
	fi
	expect_eq "$(grep -c s2-done log)" 0 "SIG$sig: the step did not finish"
	run "$CUTOVER" status plan.yml
	expect_out "run 1 stopped \(STOPPED\): interrupted by SIG$sig" "status says interrupted by SIG$sig"
	expect_out "last step: s2 \(2 of 3\), interrupted" "status names the interrupted step"
	run "$CUTOVER" report plan.yml --format json
	expect_eq "$(printf '%s' "$out" | jq -r '.phases[0].steps[1].state + ": " + .phases[0].steps[1].message')" \
	    "interrupted: interrupted by SIG$sig; process group stopped" "journal: s2 interrupted"
	run "$CUTOVER" resume plan.yml
	expect_rc 1 "resume refuses to re-run the interrupted step blindly"
	run "$CUTOVER" resume plan.yml --retry-interrupted
	expect_rc 0 "resume --retry-interrupted completes"
	expect_eq "$(tr '\n' ' ' <log)" "s1 s2 s2 s2-done s3 " "s2 run again, the rest once"
done

# --rollback-on-signal: SIGTERM rolls back, SIGINT just stops.
rm -rf .cutover log
start_run run plan.yml --rollback-on-signal
kill -TERM $pid
wait $pid
expect_eq "$?" 143 "SIGTERM with --rollback-on-signal exits 143"
# s2's undo is idempotent: safe to run on a step cut short.
expect_eq "$(tr '\n' ' ' <log)" "s1 s2 u2 u1 r " "and rolled back (s2 cut short, its idempotent undo run)"
run "$CUTOVER" report plan.yml --format json
expect_eq "$(printf '%s' "$out" | jq -r '.state + " / " + .reason')" \
    "rolled-back / SIGTERM received (--rollback-on-signal)" "journal: rolled back on SIGTERM"
expect_eq "$(printf '%s' "$out" | jq -r '.decisions[0].decision + " " + .decisions[0].how')" \
    "rollback --rollback-on-signal" "the decision is journaled"

rm -rf .cutover log
start_run run plan.yml --rollback-on-signal
kill -INT $pid
wait $pid
expect_eq "$?" 130 "SIGINT with --rollback-on-signal still just stops"
expect_eq "$(tr '\n' ' ' <log)" "s1 s2 " "nothing undone"

# A signal while checks run waits for them; a second one exits at once.
cat >slowcheck.yml <<'YML'
cutover: 1
name: slowcheck
checks:
  - { id: slow, kind: command, shell: "echo $$$$ > chk.pid; sleep 20", timeout: 30s }
phases:
  - id: p
    checks: [slow]
YML
rm -f chk.pid
"$CUTOVER" run slowcheck.yml >run.out 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s chk.pid ] && break; sleep 0.05; done
t0=$(date +%s)
kill -INT $pid
wait $pid
expect_eq "$?" 130 "SIGINT while checks run exits 130"
t1=$(date +%s)
# The check's own timeout is 30s: stopping must not wait for it.
[ $((t1 - t0)) -lt 10 ] && ok "without waiting for the check's timeout" ||
	fail "SIGINT waited $((t1 - t0))s for the checks"
grep -q "stopped before it finished" run.out && ok "the check is reported stopped" ||
	fail "no stopped check" "$(cat run.out)"
sleep 0.3
kill -0 "$(cat chk.pid)" 2>/dev/null && fail "the check's process survived" ||
	ok "the check's process was stopped"
run "$CUTOVER" status slowcheck.yml
expect_out "run 1 stopped \(STOPPED\): interrupted by SIGINT" "status: interrupted by SIGINT"
kill -9 -- -"$(cat chk.pid)" 2>/dev/null

# SIGHUP (the terminal closed) does not stop a migration: the run goes on
# and waits at the next gate for a decision.
cat >hup.yml <<'YML'
cutover: 1
name: hup
checks: [ { id: fine, kind: command, run: "true" } ]
phases:
  - id: p
    steps:
      - { id: s1, shell: "echo $$$$ > nap.pid; sleep ${env:NAP:-0}; echo s1 >> log" }
      - { id: s2, shell: echo s2 >> log }
    gate: [fine]
YML
rm -rf .cutover log nap.pid
NAP=1 "$CUTOVER" run hup.yml >run.out 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s nap.pid ] && break; sleep 0.05; done
kill -HUP $pid
wait $pid
expect_eq "$?" 1 "after SIGHUP the run went on to the gate (awaiting: exit 1)"
expect_eq "$(tr '\n' ' ' <log)" "s1 s2 " "every step finished"
run "$CUTOVER" report hup.yml --format json
expect_eq "$(printf '%s' "$out" | jq -r '.state + " / " + .decisions[0].how')" \
    "awaiting / terminal closed (SIGHUP)" "journal: awaiting, because the terminal closed"

# A signal during the rollback itself stops it; resume continues it.
cat >slowundo.yml <<'YML'
cutover: 1
name: slowundo
checks: [ { id: never, kind: file, path: no-such-file } ]
phases:
  - id: p
    steps:
      - { id: a, shell: echo a >> log, undo: { shell: echo ua >> log } }
      - id: b
        shell: echo b >> log
        undo: { shell: "echo $$$$ > nap.pid; sleep ${env:NAP:-0}; echo ub >> log" }
    gate: [never]
YML
rm -rf .cutover log nap.pid
NAP=30 "$CUTOVER" run slowundo.yml >run.out 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s nap.pid ] && break; sleep 0.05; done
kill -TERM $pid
wait $pid
expect_eq "$?" 143 "SIGTERM during the rollback"
run "$CUTOVER" status slowundo.yml
expect_out "rollback-interrupted" "status: the rollback was interrupted"
run "$CUTOVER" resume slowundo.yml --retry-interrupted
expect_rc 1 "resume finishes the rollback (a rolled-back run exits 1)"
expect_eq "$(tr '\n' ' ' <log)" "a b ub ua " "the rollback finished"

done_testing
