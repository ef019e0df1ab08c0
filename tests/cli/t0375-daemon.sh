#!/bin/bash
# t0375-daemon.sh - a step or a `command` check that starts a daemon and
# exits (`sleep 30 & echo started`) is judged by its own exit: cutover
# stops reading shortly after it exits, never waits for the background
# child, never counts its life against the timeout, and leaves it running.
. "$(dirname "$0")/lib.sh"
cd "$T"
cat >plan.yml <<'YML'
cutover: 1
name: daemon
checks:
  - id: starts
    kind: command
    shell: "sleep 30 & echo $! > check.pid; echo started"
    stdout_contains: [started]
    timeout: 5s
phases:
  - id: p
    steps:
      - id: start
        shell: "sleep 30 & echo $! > step.pid; echo started"
        timeout: 5s
      - { id: forever, shell: "sleep 30 & echo $! > step2.pid; echo again" }
    gate: [starts]
YML
t0=$(date +%s%N)
run "$CUTOVER" run plan.yml --yes
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
expect_rc 0 "a run whose steps and check leave daemons completes"
[ "$ms" -lt 5000 ] && ok "without waiting for the daemons (${ms}ms)" ||
	fail "took ${ms}ms: it waited for the daemons"
expect_out "step start: ok" "the step with a timeout is ok, not timed out"
expect_out "step forever: ok" "the step without a timeout is ok"
expect_out "pass +starts +command" "the command check passes"
expect_out "exited with status 0, leaving processes in the background" "and says a daemon was left"
expect_out "\| started" "the step's output is read"
for f in step.pid step2.pid check.pid; do
	pid=$(cat $f 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		ok "the daemon of $f is left running"
		kill "$pid"
	else
		fail "the daemon of $f was killed"
	fi
done
run "$CUTOVER" check plan.yml
expect_rc 0 "cutover check: the command check passes"
kill "$(cat check.pid)" 2>/dev/null

done_testing
