#!/bin/bash
# t0913-rollback-confirm.sh - rolling back a completed run is done only on
# purpose: refused without a terminal unless --yes, asked on a terminal
# (through script(1)'s pseudo-terminal; "n" declines, "y" goes), and
# --dry-run prints what would run and changes nothing.
. "$(dirname "$0")/lib.sh"
cd "$T"
command -v script >/dev/null || { echo "skipped: no script(1)"; exit 0; }
cat >plan.yml <<'YML'
cutover: 1
name: rbc
vars: { token: s3cr3t-tok3n }
secrets: [token]
checks:
  - { id: restored, kind: command, shell: grep -q restore log }
phases:
  - id: one
    steps:
      - { id: s1, shell: echo s1 >> log, undo: { shell: "echo u1 ${token} >> log" } }
      - { id: s2, shell: echo s2 >> log }
rollback:
  - { id: restore, shell: echo restore >> log }
rollback_verify: [restored]
YML
"$CUTOVER" run plan.yml --yes >run.out 2>&1
expect_eq "$?" 0 "the run completes"

run "$CUTOVER" rollback plan.yml </dev/null
expect_rc 2 "completed run, no terminal, no --yes: refused"
expect_err "completed \(go\).*needs --yes" "refusal says why and what to do"
expect_eq "$(cat log)" "$(printf 's1\ns2')" "refused: nothing undone"

run "$CUTOVER" rollback plan.yml --dry-run
expect_rc 0 "--dry-run"
expect_out "^  step s2: not undone \(no undo\)$" "dry run: newest first, a step without undo"
expect_out "^  undo s1: shell: echo u1 \*\*\* >> log$" "dry run: the undo, redacted"
expect_out "^  step restore: shell: echo restore >> log$" "dry run: the plan's rollback steps"
expect_out "rollback_verify: restored \(command\)" "dry run: rollback_verify"
expect_eq "$(cat log)" "$(printf 's1\ns2')" "dry run: nothing run"
expect_eq "$("$CUTOVER" status plan.yml --format json | jq -r .state)" completed \
    "dry run: the run is still completed"

printf 'n\n' | script -qec "'$CUTOVER' rollback plan.yml" /dev/null >tty1.out 2>&1
expect_eq "$?" 1 "terminal, answered n: declined, exit 1"
grep -q 'roll it back.*\[y/N\]' tty1.out && ok "terminal: the question" ||
	fail "no question" "$(cat tty1.out)"
expect_eq "$(cat log)" "$(printf 's1\ns2')" "declined: nothing undone"

printf 'y\n' | script -qec "'$CUTOVER' rollback plan.yml" /dev/null >tty2.out 2>&1
expect_eq "$?" 0 "terminal, answered y: rolled back"
expect_eq "$(cat log)" "$(printf 's1\ns2\nu1 s3cr3t-tok3n\nrestore')" "the undo and the rollback ran"

# A second run, rolled back with --yes and no terminal.
"$CUTOVER" run plan.yml --yes --new >/dev/null 2>&1
run "$CUTOVER" rollback plan.yml --yes </dev/null
expect_rc 0 "--yes: no question asked"
expect_no "\[y/N\]" "--yes: no prompt"
done_testing
