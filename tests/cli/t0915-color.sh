#!/bin/bash
# t0915-color.sh - colour is the user's to choose: --color=auto|always|never
# on every command, NO_COLOR off, FORCE_COLOR / CLICOLOR_FORCE on without a
# terminal (CI logs that render ANSI), --color winning over both.
. "$(dirname "$0")/lib.sh"
cd "$T"
cat >plan.yml <<'EOF'
cutover: 1
name: colour
checks:
  - { id: here, kind: file, path: plan.yml }
phases:
  - { id: p, checks: [here] }
EOF
esc=$'\033['
has_esc() { case "$out" in *"$esc"*) return 0 ;; esac; return 1; }
unset NO_COLOR FORCE_COLOR CLICOLOR_FORCE

run "$CUTOVER" check plan.yml
has_esc && fail "no colour into a pipe by default" || ok "no colour into a pipe by default"
run env FORCE_COLOR=1 "$CUTOVER" check plan.yml
has_esc && ok "FORCE_COLOR=1 colours a pipe" || fail "FORCE_COLOR" "$out"
run env FORCE_COLOR=0 "$CUTOVER" check plan.yml
has_esc && fail "FORCE_COLOR=0 means off" || ok "FORCE_COLOR=0 means off"
run env CLICOLOR_FORCE=1 "$CUTOVER" check plan.yml
has_esc && ok "CLICOLOR_FORCE=1 colours a pipe" || fail "CLICOLOR_FORCE" "$out"
run env NO_COLOR=1 FORCE_COLOR=1 "$CUTOVER" check plan.yml
has_esc && fail "NO_COLOR wins over FORCE_COLOR" || ok "NO_COLOR wins over FORCE_COLOR"
run "$CUTOVER" check --color=always plan.yml
has_esc && ok "--color=always" || fail "--color=always" "$out"
run env NO_COLOR=1 "$CUTOVER" check plan.yml --color always
has_esc && ok "--color always wins over NO_COLOR" || fail "--color over NO_COLOR" "$out"
run env FORCE_COLOR=1 "$CUTOVER" check --color=never plan.yml
has_esc && fail "--color=never wins over FORCE_COLOR" || ok "--color=never wins over FORCE_COLOR"
run "$CUTOVER" run --yes --color=always --state j.db plan.yml
expect_rc 0 "run takes --color too"
has_esc && ok "and colours its output" || fail "run --color=always" "$out"
run "$CUTOVER" check --color=sometimes plan.yml
expect_rc 2 "a bad --color value"
expect_err "unknown --color value 'sometimes'" "names it"
run "$CUTOVER" diff --color=never sqlite:nothere.db sqlite:nothere.db
expect_no "unknown option" "commands without a plan take --color"
run "$CUTOVER" check --help
expect_out "--color=WHEN" "--help lists --color"
done_testing
