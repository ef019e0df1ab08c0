#!/bin/bash
# t0954-procedure-phases.sh - a procedure's `phases` scopes its `when`
# rules: through the binary, a check that fails all along is sampled by
# the watch of phase `post` (where the rule is not judged: no start) and
# by the watch of phase `long-term` (where it is: the procedure starts
# there); the same for gates.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 CLI missing"; exit 0; }
q() { [ -e "$1" ] && sqlite3 "$1" "$2" 2>/dev/null; }

# ---- 1. watches ------------------------------------------------------------
cat >"$T/w.yml" <<YML
cutover: 1
name: proc-phases
checks:
  - { id: backup, kind: command, run: "test -f $T/backup-ok" }
procedures:
  restore-drill:
    when: [{ check: backup, consecutive: 2 }]
    phases: [long-term]
    steps:
      - { id: drill, shell: "echo drilled >> $T/drills; touch $T/backup-ok" }
phases:
  - id: switch
    steps:
      - { id: flip, run: "touch $T/flipped", undo: "rm -f $T/flipped" }
  - id: post
    watch: { every: 200ms, for: 1500ms, checks: [backup] }
  - id: long-term
    watch: { every: 200ms, for: 1500ms }
YML
run "$CUTOVER" run "$T/w.yml" --yes --state "$T/w.db"
expect_rc 0 "the run completes"
# The watch prints a check when its state changes, and counts samples.
post=$(printf '%s\n' "$out" | sed -n '/== phase post/,/== phase long-term/p')
printf '%s\n' "$post" | grep -q "backup  *fail:" &&
	printf '%s\n' "$post" | grep -Eq "held \(([3-9]|[1-9][0-9]) samples\)" &&
	ok "post's watch sampled the failing check for a while" ||
	fail "post's watch" "$out"
expect_eq "$(q "$T/w.db" "select phase_id || '|' || step_id from events where type='procedure.start'")" \
	"long-term|restore-drill" "the rule fired in long-term only, not in post"
expect_out "== procedure restore-drill started in phase long-term: when backup 2 consecutive failures" \
	"the start names the phase it was scoped to"
expect_eq "$(cat "$T/drills" 2>/dev/null)" drilled "its step ran once"

# ---- 2. gates ----------------------------------------------------------------
cat >"$T/g.yml" <<YML
cutover: 1
name: proc-phases-gate
checks:
  - { id: pool, kind: command, run: "test -f $T/pool-ok" }
  - { id: always, kind: command, run: "true" }
procedures:
  pool-fix:
    when: [{ check: pool, consecutive: 1 }]
    phases: [second]
    steps:
      - { id: fix-pool, run: "touch $T/pool-ok" }
phases:
  - id: first
    steps: [{ id: s1, run: "true" }]
    gate: [always]
  - id: second
    steps: [{ id: s2, run: "true" }]
    gate: [pool]
YML
run "$CUTOVER" run "$T/g.yml" --yes --state "$T/g.db"
expect_rc 0 "the procedure repaired the gate of phase second"
expect_eq "$(q "$T/g.db" "select phase_id || '|' || step_id from events where type='procedure.start'")" \
	"second|pool-fix" "started at the gate of the phase it is scoped to"

# Out of scope the failing gate is not repaired: the run rolls back.
rm -f "$T/pool-ok"
sed -i 's/phases: \[second\]/phases: [first]/' "$T/g.yml"
run "$CUTOVER" run "$T/g.yml" --yes --state "$T/g2.db"
expect_rc 1 "scoped to phase first, it does not repair the gate of second"
expect_eq "$(q "$T/g2.db" "select count(*) from events where type='procedure.start'")" 0 \
	"and never starts"
[ -f "$T/pool-ok" ] && fail "the procedure's step ran out of scope" || ok "its step did not run"
done_testing
