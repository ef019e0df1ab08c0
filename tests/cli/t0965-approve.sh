#!/bin/bash
# t0965-approve.sh - approvals bound to OS users.  Three users are made
# for the test (useradd; removed on exit): two DBAs and an outsider, who
# share a group with write access to the journal.  Each answers with
# `runuser -u USER -- cutover approve`: the outsider is refused and the
# refusal journaled; $USER and $SUDO_USER set by a non-root user change
# nothing; one DBA twice is one approval; two DBAs make quorum 2 for a
# manual item and for a phase's gate (which --yes does not pass); the
# two-person rule holds a rollback until a second person approved it.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 not installed"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "skipped: needs root to create users"; exit 0; }
for c in useradd userdel groupadd groupdel runuser; do
	command -v $c >/dev/null || { echo "skipped: $c not installed"; exit 0; }
done
# The binary must be reachable by the test users.
runuser -u nobody -- test -x "$CUTOVER" ||
	{ echo "skipped: $CUTOVER not executable by other users"; exit 0; }
G=cvt$$g A=cvt$$a B=cvt$$b X=cvt$$x
_users_cleanup() {
	for u in $A $B $X; do userdel "$u" 2>/dev/null; done
	groupdel "$G" 2>/dev/null
	_cleanup
}
trap _users_cleanup EXIT
groupadd "$G" || { echo "skipped: groupadd failed"; exit 0; }
for u in $A $B $X; do
	useradd -M -N -g "$G" -s /bin/sh "$u" || { fail "useradd $u"; done_testing; exit; }
done
# A shared directory: setgid, so the journal's -wal/-shm keep the group.
install -d -m 2775 -g "$G" "$T/w" && install -d -m 2770 -g "$G" "$T/w/.cutover"
cd "$T/w"
as() { local u=$1; shift; run runuser -u "$u" -- "$@"; }

cat >plan.yml <<EOF
cutover: 1
name: approvals
roles: { dba: [$A, $B], security: [$X-none] }
two_person: [rollback]
checks:
  - { id: signoff, kind: manual, ask: DBA sign-off of the migration?, approvers: [dba], quorum: 2 }
  - { id: ok, kind: command, run: [true] }
phases:
  - id: cut
    checks: [signoff]
    steps:
      - { id: switch, shell: echo switched >> log, undo: { shell: echo undone >> log } }
    gate: [ok]
    approvers: [dba]
    quorum: 2
EOF
chmod 644 plan.yml
run "$CUTOVER" lint plan.yml
expect_rc 0 "a plan with roles and approvers lints"

# The operator (root, in no role) starts: the sign-off is missing.
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "the run stops at the missing sign-off"
expect_out "0 of 2 approvals from dba" "the entry check says how many are missing"
chmod 660 .cutover/approvals.db && chgrp "$G" .cutover/approvals.db

# Somebody outside the role: refused, and the refusal is journaled.
as $X "$CUTOVER" approve plan.yml signoff
expect_rc 1 "an approval from outside the role is refused"
expect_err "refused: $X is not in dba" "the refusal names the user and the role"
expect_eq "$(sqlite3 .cutover/approvals.db "select user || ' ' || refusal from approvals where subject='signoff'")" \
	"$X $X is not in dba" "the refused answer is in the journal"
# Identity is the OS's: $USER and $SUDO_USER from a non-root user are ignored.
as $X env USER=$A SUDO_USER=$A "$CUTOVER" approve plan.yml signoff
expect_rc 1 "\$USER and \$SUDO_USER do not make an outsider a DBA"
expect_err "refused: $X is not in dba" "still the real user"
as $X "$CUTOVER" confirm plan.yml signoff --by $A
expect_rc 2 "confirm --by is refused for an item with approvers"

# One DBA, twice: one approval.
as $A "$CUTOVER" approve plan.yml signoff --note 'reviewed the plan'
expect_rc 0 "a DBA approves"
expect_out "signoff: approved by $A \(1 of 2: $A\)" "one of two"
as $A "$CUTOVER" confirm plan.yml signoff
expect_rc 0 "the same DBA again (through confirm)"
expect_out "\(1 of 2: $A\)" "the same person twice is still one"
run "$CUTOVER" resume plan.yml --yes
expect_rc 1 "one approval is not a quorum of two"
[ ! -e log ] && ok "nothing ran" || fail "a step ran without the quorum"

# The second DBA: quorum; the gate then waits for its own approvals.
as $B "$CUTOVER" approve plan.yml signoff
expect_rc 0 "the second DBA approves"
expect_out "\(2 of 2: $A, $B\)|\(2 of 2: $B, $A\)" "two of two"
run "$CUTOVER" resume plan.yml --yes
expect_rc 1 "the gate awaits its approvers, --yes or not"
expect_out "pass +signoff .*approved by" "the sign-off passed"
expect_out "awaiting approval of the gate of phase cut: 0 of 2 from dba" "the gate says what it waits for"
expect_eq "$(cat log)" switched "the phase's step ran"
run "$CUTOVER" status plan.yml
expect_out "gate of cut +0 of 2 from dba" "status shows the gate's approvals"
as $A "$CUTOVER" approve plan.yml cut
as $X "$CUTOVER" approve plan.yml cut
expect_rc 1 "the outsider cannot approve the gate either"
as $B "$CUTOVER" approve plan.yml cut
expect_rc 0 "two DBAs approve the gate"
run "$CUTOVER" resume plan.yml --yes
expect_rc 0 "the run completes"
expect_out "go \(approved by ($A, $B|$B, $A)\)" "the go names the approvers"
expect_eq "$(sqlite3 .cutover/approvals.db "select user from decisions where decision='go'" | grep -Ec "^($A, $B|$B, $A)$")" 1 \
	"the go decision is journaled with the approvers"

# Two-person rule: the operator's rollback waits for a second person.
run "$CUTOVER" rollback plan.yml --yes
expect_rc 1 "a rollback without a second person is refused"
expect_err "two-person rule: rollback by .* needs a second person" "it says why"
expect_eq "$(cat log)" switched "nothing was undone"
run "$CUTOVER" approve plan.yml rollback
expect_rc 1 "root, in no role, cannot be the second person"
as $A "$CUTOVER" approve plan.yml rollback
expect_rc 0 "a DBA approves the rollback"
run "$CUTOVER" rollback plan.yml --yes
expect_rc 0 "the rollback goes"
expect_out "two-person rule: rollback approved by $A" "by whom"
expect_eq "$(tr '\n' ' ' <log)" "switched undone " "the step was undone"
expect_eq "$(sqlite3 .cutover/approvals.db "select used from approvals where subject='rollback' and refusal is null")" 1 \
	"the approval is used up"

# The gate's approvals opened it once: the next run's gate asks again,
# while the checklist item's sign-off still stands.
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "a second run awaits its gate again"
expect_out "awaiting approval of the gate of phase cut: 0 of 2 from dba" "the first run's approvals are used up"
expect_eq "$(sqlite3 .cutover/approvals.db "select count(*) from approvals where subject='gate:cut' and used=1")" 2 \
	"both gate approvals are marked used"

# Two-person rule for --force: a schedule override waits for a second person.
cat >force.yml <<EOF
cutover: 1
name: forced
schedule: { start: "$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M)", tz: UTC }
roles: { dba: [$A, $B] }
two_person: [force]
phases:
  - id: cut
    steps:
      - { id: switch, shell: echo forced >> flog }
EOF
chmod 644 force.yml
run "$CUTOVER" run force.yml --yes --force
expect_rc 1 "--force alone does not pass the two-person rule"
expect_err "two-person rule: force by .* needs a second person" "it says why"
[ ! -e flog ] && ok "nothing ran" || fail "forced without a second person"
chmod 660 .cutover/forced.db && chgrp "$G" .cutover/forced.db
as $A "$CUTOVER" approve force.yml force
expect_rc 0 "a DBA approves the override"
run "$CUTOVER" resume force.yml --yes --force
expect_rc 0 "with the second person's approval --force goes"
expect_out "two-person rule: force approved by $A" "by whom"
expect_eq "$(cat flog)" forced "the phase ran"
as $A "$CUTOVER" approve force.yml rollback
expect_rc 2 "approving what the plan does not ask for is bad input"

done_testing
