#!/bin/bash
# t0385-window-gate.sh - a window's max is judged at the gate the same way
# whoever answers: the gate's checks take longer than the window allows,
# and neither --yes, nor a run without a terminal (awaiting), nor an
# answer given with `cutover confirm` lets the phase pass.
. "$(dirname "$0")/lib.sh"
cd "$T"
cat >plan.yml <<'YML'
cutover: 1
name: wg
checks:
  - { id: slow, kind: command, shell: "sleep ${env:SLOW:-0}", timeout: 10s }
  - { id: asked, kind: manual, ask: "Team told?" }
phases:
  - id: p
    window: { max: 2s }
    steps:
      - { id: a, shell: echo a >> log, undo: { shell: echo ua >> log } }
    gate: ["${env:GATE:-slow}"]
YML
json() { "$CUTOVER" report plan.yml --format json | jq -r "$1"; }

# Fast enough: go.
rm -rf .cutover log
run "$CUTOVER" run plan.yml --yes
expect_rc 0 "a gate within the window goes"

# The gate's checks outlast the window: --yes does not make it go.
rm -rf .cutover log
SLOW=2.5 run "$CUTOVER" run plan.yml --yes
expect_rc 1 "--yes: no-go past the window max"
expect_out "window max of phase p exceeded at its gate" "says why"
expect_no "go (--yes)" "no go was given"
expect_eq "$(tr '\n' ' ' <log)" "a ua " "rolled back"
expect_eq "$(json '.state')" "rolled-back" "journal: rolled back"
expect_eq "$(json '[.decisions[] | .decision + ":" + .how] | join(",")')" \
    "rollback:window max exceeded" "the decision is the window's"

# Without a terminal: not left awaiting an answer past the max.
rm -rf .cutover log
SLOW=2.5 run "$CUTOVER" run plan.yml </dev/null
expect_rc 1 "no terminal: no-go past the window max"
expect_eq "$(json '.state')" "rolled-back" "rolled back, not awaiting"

# A manual answer given later with `cutover confirm` meets the same rule.
rm -rf .cutover log
GATE=asked run "$CUTOVER" run plan.yml </dev/null
expect_rc 1 "awaiting the answer"
expect_eq "$(json '.state')" "awaiting" "awaiting"
GATE=asked run "$CUTOVER" confirm plan.yml asked
sleep 2.2
GATE=asked run "$CUTOVER" resume plan.yml --yes
expect_rc 1 "answered after the max: rolled back"
expect_eq "$(tr '\n' ' ' <log)" "a ua " "rolled back"

done_testing
