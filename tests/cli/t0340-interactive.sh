#!/bin/bash
# t0340-interactive.sh - go/no-go at a terminal, through a pseudo-terminal
# made by script(1): a passing gate asks "go? [y/N]"; y goes on, n (or
# anything else) is a no-go that rolls back; both are journaled as
# answered at the terminal, by the user, with the gate's results.
. "$(dirname "$0")/lib.sh"
cd "$T"
cp "$ROOT/tests/plans/runbook/basic.yml" plan.yml
export API_TOKEN=tok-tty-secret
touch ready

# tty ANSWER: run the plan at a pty, typing ANSWER.
tty_run() {
	printf '%s\n' "$1" | script -qfec "$CUTOVER run plan.yml" /dev/null >tty.out 2>&1
	rc=$?
	out=$(tr -d '\r' <tty.out)
}

tty_run y
expect_eq "$rc" 0 "answering y at the prompt completes the run"
expect_out "go\? \[y/N\]" "the gate asks go? [y/N]"
expect_out "run 1: completed \(go\)" "completed"
expect_eq "$(tr '\n' ' ' <log)" "stop copy start notify " "every step ran"
run "$CUTOVER" report plan.yml --format json
expect_eq "$(printf '%s' "$out" | jq -r '.decisions[0] | .decision + "|" + .how + "|" + .user + "|" + .based_on')" \
    "go|answered at the terminal|$(id -un)|copied pass (mode 0644, 0 B)" \
    "the answer is journaled with user and results"

rm -rf .cutover log copied
tty_run n
expect_eq "$rc" 1 "answering n is a no-go"
expect_out "== rollback: no-go at the gate of phase cut" "a no-go rolls back"
expect_eq "$(tr '\n' ' ' <log)" "stop copy start undo-copy undo-stop restore " \
    "rolled back in reverse order"
run "$CUTOVER" report plan.yml --format json
expect_eq "$(printf '%s' "$out" | jq -r '.decisions[0] | .decision + "|" + .how')" \
    "no-go|answered at the terminal" "the no-go is journaled"

rm -rf .cutover log copied
tty_run ""
expect_eq "$rc" 1 "an empty answer is no (the default)"

# Nobody answers and the window's max passes: the prompt gives way to a
# rollback.  (The pipe stays open, so the terminal has no end of input.)
cp "$ROOT/tests/plans/runbook/rollback.yml" rb.yml
rm -rf .cutover log
touch gate-ok
(sleep 5) | TARGET=500ms MAX=1500ms script -qfec "$CUTOVER run rb.yml" /dev/null >tty.out 2>&1
rc=$?
out=$(tr -d '\r' <tty.out)
expect_eq "$rc" 1 "an unanswered prompt past the window max"
expect_out "== rollback: window max of phase two exceeded at its gate" "rolls back"
expect_eq "$(tr '\n' ' ' <log)" "s1 s2 s3 s4 s4-done undo-s4 undo-s3 undo-s1 restore " \
    "undone in reverse order"
rm -f gate-ok

# Without a terminal the same run awaits instead of asking.
rm -rf .cutover log copied
run "$CUTOVER" run plan.yml </dev/null
expect_rc 1 "no terminal: awaiting"
expect_no "go? [y/N]" "no prompt without a terminal"

done_testing
