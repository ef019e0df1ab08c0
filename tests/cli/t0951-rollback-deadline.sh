#!/bin/bash
# t0951-rollback-deadline.sh - rollback: {max, steps}: a rollback that
# takes longer than its max (a real sleep against the real clock) is
# warned about while it runs, journaled, alerted (rollback.overrun) and
# reported against its deadline; one within it is reported as such; the
# list form still works.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 CLI missing"; exit 0; }
# Never create a journal: sqlite3 makes an empty file for a missing one.
q() { [ -e "$1" ] && sqlite3 "$1" "$2" 2>/dev/null; }

plan() {	# plan FILE MAX SLEEP
	cat >"$1" <<YML
cutover: 1
name: rb-deadline
checks:
  - { id: never, kind: command, run: "false" }
phases:
  - id: switch
    steps:
      - { id: flip, run: "true", undo: "sleep $3" }
    gate: [never]
rollback:
  max: $2
  steps:
    - { id: restore, shell: "sleep $3; touch $T/restored" }
alerts:
  - id: log
    kind: command
    run: [sh, -c, 'cat >> $T/events.jsonl; echo >> $T/events.jsonl']
    events: [rollback.overrun]
YML
}

plan "$T/over.yml" 1s 0.8
t0=$(date +%s.%N)
run "$CUTOVER" run "$T/over.yml" --yes --state "$T/over.db"
expect_rc 1 "the failed gate rolls back"
expect_out "warning: rollback is past its deadline \(max 1.00s\)" "the overrun is said while it runs"
[ -f "$T/restored" ] && ok "the rollback goes on past its deadline" || fail "rollback stopped" "$out"
expect_eq "$(q "$T/over.db" "select count(*) from events where type='rollback-overrun'")" 1 \
	"the overrun is journaled once"
grep -q '"event": *"rollback.overrun"' "$T/events.jsonl" 2>/dev/null &&
	ok "and alerted (rollback.overrun)" || fail "no overrun alert" "$(cat "$T/events.jsonl" 2>&1)"
run "$CUTOVER" report "$T/over.yml" --state "$T/over.db"
expect_out "The rollback took 1\.[0-9]+s against its deadline of 1\.00s: OVERRUN by" \
	"the report shows rollback time against its deadline"
run "$CUTOVER" report "$T/over.yml" --state "$T/over.db" --format json
expect_eq "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["rollback_deadline"]; print(d["max_ms"], d["overrun"], d["duration_ms"] > 1000)')" \
	"1000 True True" "the JSON report too"
run "$CUTOVER" status "$T/over.yml" --state "$T/over.db"
expect_out "rollback: 1\.[0-9]+s of max 1\.00s \(OVERRUN\)" "status too"

rm -f "$T/restored" "$T/events.jsonl"
plan "$T/in.yml" 1m 0.1
run "$CUTOVER" run "$T/in.yml" --yes --state "$T/in.db"
expect_rc 1 "rolled back"
expect_no "past its deadline" "no warning within the deadline"
expect_eq "$(q "$T/in.db" "select count(*) from events where type='rollback-overrun'")" 0 \
	"nothing journaled"
[ -s "$T/events.jsonl" ] && fail "an overrun alert within the deadline" || ok "no alert"
run "$CUTOVER" report "$T/in.yml" --state "$T/in.db"
expect_out "The rollback took [0-9.]+ms, within its deadline of 1m" "reported within its deadline"

# The list form keeps working, without a deadline.
cat >"$T/list.yml" <<YML
cutover: 1
name: rb-list
checks:
  - { id: never, kind: command, run: "false" }
phases:
  - id: switch
    steps: [{ id: flip, run: "true" }]
    gate: [never]
rollback:
  - { id: restore, run: "true" }
YML
run "$CUTOVER" run "$T/list.yml" --yes --state "$T/list.db"
expect_rc 1 "the list form rolls back"
run "$CUTOVER" report "$T/list.yml" --state "$T/list.db"
expect_out "the plan sets no deadline" "the report says there is no deadline"

# A rollback cut short resumes against the same deadline (kill -9).
rm -f "$T/restored"
plan "$T/kill.yml" 1s 1.5
"$CUTOVER" run "$T/kill.yml" --yes --state "$T/kill.db" >"$T/k.out" 2>&1 &
kp=$!
for _ in $(seq 100); do
	[ "$(q "$T/kill.db" "select count(*) from steps where kind='undo'")" = 1 ] && break
	sleep 0.05
done
kill -9 $kp; wait $kp 2>/dev/null
pg=$(q "$T/kill.db" "select pgid from steps where kind='undo'")
[ -n "$pg" ] && kill -KILL -- "-$pg" 2>/dev/null
for _ in $(seq 50); do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.05; done
sleep 1
run "$CUTOVER" resume "$T/kill.yml" --state "$T/kill.db" --undo-interrupted
expect_out "past its deadline" "a resumed rollback counts from its first start"
expect_eq "$(q "$T/kill.db" "select count(*) from events where type='rollback-overrun'")" 1 \
	"journaled once"

done_testing
