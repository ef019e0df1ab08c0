#!/bin/bash
# t0960-schedule.sh - the wall-clock schedule with the real clock: the
# plan's start is placed around now (in Europe/Moscow, read through the
# TZ database), so no settable clock is needed.  A phase is refused
# before its start and after not_after, naming the phase, the interval
# and now; --force starts it and is journaled; a phase's own schedule
# holds a later phase back; a window max written as a clock time
# ("HH:MM:SS") rolls back past it.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 not installed"; exit 0; }
[ -f /usr/share/zoneinfo/Europe/Moscow ] || { echo "skipped: tzdata not installed"; exit 0; }
cd "$T"
msk() { TZ=Europe/Moscow date -d "$1" "+$2"; }

plan() {	# plan START NOT_AFTER [PHASE2_NOT_BEFORE]
	local ps=""
	[ -n "${3:-}" ] && ps="    schedule: { not_before: \"$3\" }"
	cat >plan.yml <<EOF
cutover: 1
name: sched
schedule: { start: "$1", tz: Europe/Moscow, not_after: "$2" }
checks:
  - { id: ok, kind: command, run: [true] }
phases:
  - id: prepare
    steps:
      - { id: mark, shell: echo prepared >> log }
  - id: cut
$ps
    steps:
      - { id: switch, shell: echo switched >> log }
EOF
	rm -rf .cutover log
}

# Before its start: refused, with the phase, the interval and now in MSK.
# Each time is read once: the minute may turn between plan and check.
now=$(date +%s)
at() { TZ=Europe/Moscow date -d "@$((now + $1))" "+$2"; }
plan "$(at 3600 %Y-%m-%dT%H:%M)" "$(at 10800 %H:%M)"
run "$CUTOVER" lint plan.yml
expect_rc 0 "a scheduled plan lints"
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "a run before the schedule's start is refused"
expect_out "phase 'prepare' may start from $(at 3600 '%Y-%m-%d %H:%M') MSK to $(at 10800 '%Y-%m-%d %H:%M') MSK; now is [0-9-]+ [0-9:]+ MSK" \
	"the message names the phase, the interval and now, in the plan's zone"
[ ! -e log ] && ok "nothing ran" || fail "a step ran before the schedule"
expect_eq "$(sqlite3 .cutover/sched.db 'select state from runs')" stopped \
	"the run is journaled as stopped"

# --force starts it anyway, journaled with who and why.
run "$CUTOVER" resume plan.yml --yes --force
expect_rc 0 "--force starts the phases outside the schedule"
expect_out "started anyway \(--force\)" "--force is said"
expect_eq "$(sqlite3 .cutover/sched.db "select count(*) from decisions where decision='force-schedule' and how='--force' and user='$(id -un)' and based_on like '%may start from%'")" 2 \
	"each forced phase is a journaled decision with the user"

# Inside the schedule: allowed.
plan "$(msk '-1 minute' %Y-%m-%dT%H:%M:%S)" "$(msk '+1 hour' %H:%M:%S)"
run "$CUTOVER" run plan.yml --yes
expect_rc 0 "a run inside the schedule goes"
expect_eq "$(tr '\n' ' ' <log)" "prepared switched " "both phases ran"
expect_eq "$(sqlite3 .cutover/sched.db "select count(*) from decisions where decision='force-schedule'")" 0 \
	"nothing forced inside the schedule"

# After not_after: refused.
now=$(date +%s)
plan "$(at -7200 %Y-%m-%dT%H:%M:%S)" "$(at -3600 %H:%M:%S)"
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "a run after not_after is refused"
expect_out "may start from .* to $(at -3600 '%Y-%m-%d %H:%M')(:[0-9]+)? MSK; now is" "past the end"

# A phase's own schedule: the first phase runs, the second waits.
now=$(date +%s)
plan "$(at -60 %Y-%m-%dT%H:%M:%S)" "$(at 10800 %H:%M:%S)" "$(at 7200 %H:%M:%S)"
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "the second phase's own schedule holds it back"
expect_eq "$(cat log)" "prepared" "the first phase ran, the second did not"
expect_out "phase 'cut' may start from $(at 7200 '%Y-%m-%d %H:%M')(:[0-9]+)? MSK to" \
	"the refusal names the phase's own interval"
run "$CUTOVER" status plan.yml
expect_out "stopped.*phase 'cut' may start" "status shows why it stopped"

# A window max as a clock time: the step outlives it, the phase rolls back.
# (A clock time may have seconds: the test waits seconds, not hours.)
while [ "$(msk now %H%M%S)" -gt 235945 ]; do sleep 1; done
cat >plan.yml <<EOF
cutover: 1
name: sched
schedule: { start: "$(msk '-1 minute' %Y-%m-%dT%H:%M:%S)", tz: Europe/Moscow }
phases:
  - id: cut
    window: { max: "$(msk '+3 seconds' %H:%M:%S)" }
    steps:
      - { id: slow, shell: sleep 8, undo: { shell: echo undone >> log, idempotent: true } }
EOF
rm -rf .cutover log
start=$(date +%s)
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "past the window's clock max the run rolls back"
expect_out "window max" "the overrun is named"
[ $(( $(date +%s) - start )) -lt 8 ] && ok "the step was stopped at the clock max" ||
	fail "the step ran its full 8s" "$out"
expect_eq "$(sqlite3 .cutover/sched.db 'select state from runs')" rolled-back "rolled back"
expect_eq "$(cat log)" undone "the step was undone"

# The seed-000 example lints and shows its checklist.
run "$CUTOVER" lint "$ROOT/examples/runbook-000/plan.yml"
expect_rc 0 "examples/runbook-000/plan.yml lints"
run "$CUTOVER" status "$ROOT/examples/runbook-000/plan.yml" --state "$T/ex.db"
expect_out "schedule: start 2026-12-05 02:00 MSK, not after 2026-12-05 04:00 MSK" "its schedule"

done_testing
