#!/bin/bash
# t0914-run-from.sh - `run --from PHASE` / `--start-at STEP`: refused while
# an earlier step that is not idempotent has never completed in this
# journal (idempotent ones do not count), allowed once it has or with
# --force; the skipped steps and why are journaled; names are checked.
. "$(dirname "$0")/lib.sh"
cd "$T"
cat >plan.yml <<'YML'
cutover: 1
name: fr
phases:
  - id: one
    steps:
      - { id: a, shell: echo a >> log }
      - { id: b, shell: echo b >> log, idempotent: true }
  - id: two
    steps:
      - { id: c, shell: echo c >> log }
      - { id: d, shell: echo d >> log }
YML
run "$CUTOVER" run plan.yml --from two
expect_rc 2 "--from with a non-idempotent earlier step never run"
expect_err "cannot start at phase two: .*not idempotent.*: a; .*--force" \
    "refusal names the step (not the idempotent one)"
[ ! -e log ] && ok "refused: nothing ran" || fail "something ran" "$(cat log)"
run "$CUTOVER" run plan.yml --from tow
expect_rc 2 "unknown phase"
expect_err "unknown phase 'tow' \(did you mean 'two'\?\)" "unknown phase: did you mean"
run "$CUTOVER" run plan.yml --from two --start-at d
expect_rc 2 "--from with --start-at"

run "$CUTOVER" run plan.yml --start-at d --force
expect_rc 0 "--start-at d --force runs"
expect_eq "$(cat log)" d "only d ran"
sqlite3 .cutover/fr.db "select message from events where type = 'start-at'" >ev.out
grep -q 'started at step d (--start-at); forced past steps that never ran: a, c' ev.out &&
	ok "the start and what was forced past are journaled" || fail "event" "$(cat ev.out)"
expect_eq "$(sqlite3 .cutover/fr.db "select step_id || ':' || state from steps where run_id = 1 order by id" | tr '\n' ' ')" \
    "a:skipped b:skipped c:skipped d:ok " "the earlier steps journaled as skipped"

"$CUTOVER" run plan.yml --yes >/dev/null 2>&1
rm -f log
run "$CUTOVER" run plan.yml --from two
expect_rc 0 "--from two once a has completed in an earlier run"
expect_eq "$(cat log | tr '\n' ' ')" "c d " "phase two ran, phase one did not"
done_testing
