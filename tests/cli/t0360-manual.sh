#!/bin/bash
# t0360-manual.sh - human checklist items: the `manual` kind fails until
# someone says yes (by `cutover confirm` or at the terminal during a run),
# records who and when, honours valid_for, and a no stays a no.
. "$(dirname "$0")/lib.sh"
cd "$T"
cp "$ROOT/tests/plans/runbook/manual.yml" plan.yml
me=$(id -un)

run "$CUTOVER" check plan.yml --only team-notified
expect_rc 1 "an unanswered item fails"
expect_out "not confirmed: Team notified of the maintenance window\? \(answer with 'cutover confirm plan.yml team-notified'\)" \
    "says how to answer"
run "$CUTOVER" run plan.yml </dev/null
expect_rc 1 "unanswered entry items stop the run"
[ ! -e log ] && ok "no step ran" || fail "a step ran"

run "$CUTOVER" confirm plan.yml team-notified --note "mail sent 18:00"
expect_rc 0 "confirm"
expect_out "^team-notified: yes by $me: Team notified" "confirm says what it recorded"
run "$CUTOVER" confirm plan.yml restore-tested --no --by carol
expect_rc 0 "confirm --no"
run "$CUTOVER" check plan.yml --format json
expect_eq "$(printf '%s' "$out" | jq -r '.results[] | select(.id == "team-notified") | .status + " " + .observed')" \
    "pass yes by $me" "a yes passes, naming who"
expect_out "mail sent 18:00" "the note is kept"
expect_eq "$(printf '%s' "$out" | jq -r '.results[] | select(.id == "restore-tested") | .status')" \
    "fail" "a no fails"
expect_out "answered no by carol at 20[0-9-]+T" "says who said no and when"
run "$CUTOVER" confirm plan.yml
expect_rc 1 "the list exits 1 while an item is not confirmed"
expect_out "^team-notified +yes by $me" "the list shows the answers"
expect_out "^restore-tested +no  by carol" "and the no"

run "$CUTOVER" confirm plan.yml team-notifed
expect_rc 2 "unknown item"
expect_err "no check 'team-notifed' \(did you mean 'team-notified'\?\)" "suggests"
run "$CUTOVER" confirm plan.yml fine
expect_rc 2 "not a manual check"
expect_err "not a manual check: 'fine'" "says so"

run "$CUTOVER" confirm plan.yml restore-tested
run "$CUTOVER" resume plan.yml
expect_rc 0 "once confirmed, the run goes on"
expect_eq "$(cat log)" "s" "the step ran"
run "$CUTOVER" report plan.yml --format json
expect_eq "$(printf '%s' "$out" | jq -r '[.checks[] | select(.id == "restore-tested") | .status] | join(",")')" \
    "fail,pass" "the report shows the item failing, then passing"

sleep 3.2
run "$CUTOVER" check plan.yml --only restore-tested
expect_rc 1 "an answer older than valid_for expires"
expect_out "more than 3.00s ago: confirm it again" "says it expired"

# In a gate, an unanswered item waits for an answer; it is not a no-go.
cat >gate.yml <<'YML'
cutover: 1
name: mgate
checks:
  - { id: smoke-tested, kind: manual, ask: Did someone click through the app? }
phases:
  - id: p
    steps:
      - { id: s, shell: echo s >> glog, undo: { shell: echo undo >> glog } }
    gate: [smoke-tested]
YML
run "$CUTOVER" run gate.yml --yes
expect_rc 1 "an unanswered gate item stops the run"
expect_out "awaiting answers at the gate of phase p: smoke-tested: answer with 'cutover confirm gate.yml ID'" \
    "awaits an answer instead of rolling back"
expect_eq "$(cat glog)" "s" "nothing was undone"
run "$CUTOVER" confirm gate.yml smoke-tested
run "$CUTOVER" resume gate.yml --yes
expect_rc 0 "answered, the run completes"
run "$CUTOVER" confirm gate.yml smoke-tested --no
rm -f glog
run "$CUTOVER" run gate.yml --yes
expect_rc 1 "a no in a gate"
expect_eq "$(tr '\n' ' ' <glog)" "s undo " "a no is a no-go: rolled back"

# At a terminal, run asks the unanswered items itself.
rm -rf .cutover log
printf 'y\ny\n' | script -qfec "$CUTOVER run plan.yml" /dev/null >tty.out 2>&1
expect_eq "$?" 0 "answered at the terminal, the run completes"
grep -q "Team notified of the maintenance window? \[y/N\]" tty.out &&
	ok "the run asked the question" || fail "no question asked" "$(cat tty.out)"
run "$CUTOVER" check plan.yml --format json --only team-notified
expect_eq "$(printf '%s' "$out" | jq -r '.results[0].observed')" "yes by $me" \
    "the terminal answer is recorded with the user"

done_testing
