#!/bin/bash
# t0320-crash.sh - kill -9 at every point.  The journal's fault injection
# (CUTOVER_JOURNAL_KILL_AFTER=N raises SIGKILL right after the Nth
# commit) kills a run at each of its commit points in turn, i.e. at every
# step boundary, between a step's start and its spawn, and while a step
# runs; steps also kill their cutover from inside (kill -9 $PPID).  After
# each kill, status must tell the truth, and resume - acting like an
# operator on "interrupted" steps: --skip-interrupted when the step's mark
# is in the log, --retry-interrupted when it is not - must finish with
# every non-idempotent step run exactly once.  The same for rollbacks.
. "$(dirname "$0")/lib.sh"
cd "$T"
cp "$ROOT/tests/plans/runbook/crash.yml" plan.yml

# How many times ./log holds the line $1: read by bash itself, as ~800
# calls of grep -cx cost ~3 s of process starts here.
count() {
	local c=0 l
	[ -f log ] && while IFS= read -r l || [ -n "$l" ]; do [ "$l" = "$1" ] && c=$((c + 1)); done <log
	echo "$c"
}
# Run cutover quietly; a child shell reaps it so that bash does not print
# "Killed" for every kill -9 (the exit status is still 137).
quiet() { sh -c '"$@" >/dev/null 2>&1; exit $?' sh "$@" 2>/dev/null; }

# Resume until the run is over, the way an operator would; prints the
# final exit status.  Gives up after 12 rounds.
finish() {
	local i rc e step
	for i in $(seq 12); do
		sh -c 'o=$1; shift; "$@" >"$o.out" 2>"$o.err"' sh "$T/r" \
		    "$CUTOVER" resume plan.yml --yes 2>/dev/null
		rc=$?
		e=$(cat "$T/r.err")
		case "$e" in
		*"was interrupted and is not idempotent"*)
			step=$(printf '%s' "$e" | sed -n "s/.*\(step\|undo\|rollback\) '\([a-z0-9]*\)'.*/\2/p")
			# The mark of an undo is u1/u3, of a step its id.
			mark=$step
			case "$e" in *"undo '"*) mark=u${step#s} ;; esac
			if [ "$(count "$mark")" -gt 0 ]; then
				"$CUTOVER" resume plan.yml --yes --skip-interrupted >>"$T/r.out" 2>&1
			else
				"$CUTOVER" resume plan.yml --yes --retry-interrupted >>"$T/r.out" 2>&1
			fi
			rc=$?
			;;
		*"still running"*) sleep 0.1; continue ;;
		esac
		[ "$rc" -eq 137 ] && continue
		case "$rc" in 0|1) echo "$rc"; return ;; esac
		echo "resume exit $rc: $e" >&2
	done
	echo "gave up"
}

# Forward runs: kill after commit N, for every N until a run completes.
n=0; kills=0; bad=0
while :; do
	n=$((n + 1))
	rm -rf .cutover log
	touch gate-ok
	quiet env CUTOVER_JOURNAL_KILL_AFTER=$n "$CUTOVER" run plan.yml --yes
	rc=$?
	if [ "$rc" -eq 0 ]; then
		break
	fi
	if [ "$rc" -ne 137 ]; then
		fail "kill after commit $n: run exited $rc, not killed"
		bad=1
		break
	fi
	kills=$((kills + 1))
	st=$("$CUTOVER" status plan.yml --format json | jq -r .state)
	case "$st" in
	interrupted|completed) ;;
	*) fail "kill after commit $n: status says '$st'"; bad=1 ;;
	esac
	# Every format of the report renders whatever the kill left.
	for f in md html; do
		"$CUTOVER" report plan.yml --format $f >/dev/null 2>&1
		case $? in 0|1) ;; *) fail "kill after commit $n: report $f failed"; bad=1 ;; esac
	done
	"$CUTOVER" report plan.yml --format json 2>/dev/null | jq -e .run >/dev/null ||
		{ fail "kill after commit $n: report json is not valid JSON"; bad=1; }
	res=$(finish)
	summary="$(tr '\n' ' ' <log)"
	if [ "$res" != 0 ] || [ "$(count s1)" != 1 ] || [ "$(count s3)" != 1 ] ||
	    [ "$(count s4)" != 1 ] || [ "$(count s2)" -lt 1 ]; then
		fail "kill after commit $n: resume gave '$res', log: $summary" \
		    "$(cat "$T/r.out" "$T/r.err")"
		bad=1
	fi
	st=$("$CUTOVER" status plan.yml --format json | jq -r .state)
	[ "$st" = completed ] || { fail "kill after commit $n: final state '$st'"; bad=1; }
	[ $n -gt 200 ] && { fail "no end of commits"; break; }
done
[ "$kills" -ge 20 ] && ok "killed a run at each of its $kills commit points" ||
	fail "only $kills commit points"
[ "$bad" -eq 0 ] && ok "after every kill -9, status and every report format told the truth, and resume completed with each non-idempotent step run once"

# Kills from inside each step (the middle of a step).
for s in s1 s2 s3 s4; do
	rm -rf .cutover log kill-*
	touch gate-ok "kill-$s"
	quiet "$CUTOVER" run plan.yml --yes
	rc=$?
	expect_eq "$rc" 137 "killed in the middle of $s"
	run "$CUTOVER" status plan.yml
	expect_out "interrupted" "status after a kill in $s says interrupted"
	expect_out "last step: $s \([12] of 2\), interrupted" "status names $s and its place"
	if [ "$s" = s2 ]; then
		run "$CUTOVER" resume plan.yml --yes
		expect_rc 0 "idempotent $s is simply run again"
		expect_eq "$(count s2)" 2 "idempotent s2 ran again"
	else
		run "$CUTOVER" resume plan.yml --yes
		expect_rc 1 "resume stops at interrupted $s"
		expect_err "step '$s' \(phase [ab]\) was interrupted and is not idempotent" \
		    "names the step"
		expect_err "--skip-interrupted' if it did, or '--retry-interrupted'" \
		    "says what to do"
		run "$CUTOVER" resume plan.yml --yes --skip-interrupted
		expect_rc 0 "resume --skip-interrupted completes"
		expect_eq "$(count "$s")" 1 "$s ran exactly once"
	fi
	expect_eq "$(count s1)/$(count s3)/$(count s4)" "1/1/1" "every step once after a kill in $s"
done

# Rollbacks: the gate fails, kill at every commit of run + rollback.
n=0; kills=0; bad=0
while :; do
	n=$((n + 1))
	rm -rf .cutover log gate-ok
	quiet env CUTOVER_JOURNAL_KILL_AFTER=$n "$CUTOVER" run plan.yml --yes
	rc=$?
	[ "$rc" -eq 1 ] && break
	[ "$rc" -ne 137 ] && { fail "rollback kill $n: exit $rc"; bad=1; break; }
	kills=$((kills + 1))
	res=$(finish)
	for m in s1 s3 s4 u4 u3 u1 r1; do
		[ "$(count $m)" = 1 ] || { fail "rollback kill after commit $n: $m ran $(count $m) times, log: $(tr '\n' ' ' <log)" "$(cat "$T/r.out" "$T/r.err")"; bad=1; break; }
	done
	st=$("$CUTOVER" status plan.yml --format json | jq -r .state)
	[ "$st" = rolled-back ] || { fail "rollback kill after commit $n: final state '$st'"; bad=1; }
	[ $n -gt 200 ] && { fail "no end of commits"; break; }
done
[ "$kills" -ge 30 ] && ok "killed a rolling-back run at each of its $kills commit points" ||
	fail "only $kills commit points"
[ "$bad" -eq 0 ] && ok "after every kill -9, the rollback finished with each undo run once"
expect_eq "$(tr '\n' ' ' <log)" "s1 s2 s3 s4 u4 u3 u1 r1 " "undo order without kills"

# Killed in the middle of an undo.
rm -rf .cutover log gate-ok kill-*
touch kill-u3
quiet "$CUTOVER" run plan.yml --yes
expect_eq "$?" 137 "killed inside undo u3"
run "$CUTOVER" status plan.yml
expect_out "rollback-interrupted" "status: rollback interrupted"
run "$CUTOVER" resume plan.yml
expect_rc 1 "resume stops at the interrupted undo"
expect_err "undo 's3' \(phase b\) was interrupted" "names the undo"
run "$CUTOVER" rollback plan.yml --skip-interrupted
expect_rc 0 "rollback --skip-interrupted finishes it"
expect_eq "$(tr '\n' ' ' <log)" "s1 s2 s3 s4 u4 u3 u1 r1 " "each undo once"

# A step's process group is journaled before the step may run: killed
# right after that commit (the 5th of this plan), the step has not begun,
# so no step can ever run without its group on record.
cat >gate.yml <<'YML'
cutover: 1
name: gate
phases:
  - id: p
    steps:
      - { id: s, shell: "echo s >> log" }
YML
rm -rf .cutover log
quiet env CUTOVER_JOURNAL_KILL_AFTER=5 "$CUTOVER" run gate.yml
expect_eq "$?" 137 "killed right after the step's group was journaled"
sleep 0.3
expect_eq "$(cat log 2>/dev/null)" "" "the step had not started: it waits for its group to be on record"
expect_eq "$(sqlite3 .cutover/gate.db 'select count(*) from steps where pgid > 0')" 1 "the group is on record"
run "$CUTOVER" resume gate.yml --retry-interrupted
expect_rc 0 "resume runs it"
expect_eq "$(cat log)" "s" "once"

# The killed run's step outlives it: resume waits for it, never races it.
cat >orphan.yml <<'YML'
cutover: 1
name: orphan
phases:
  - id: p
    steps:
      - { id: nap, shell: "kill -9 $PPID; sleep 6; echo nap >> log" }
YML
rm -rf .cutover log
quiet "$CUTOVER" run orphan.yml
expect_eq "$?" 137 "the step killed its cutover"
# Nor does a new run start a second copy beside it.
run "$CUTOVER" run orphan.yml --new
expect_rc 2 "run --new refuses while they run"
expect_err "step 'nap' of run 1 is still running \\(process group [0-9]+\\): wait for it or stop it" \
    "says which step of which run"
run "$CUTOVER" run orphan.yml --new --yes
expect_rc 2 "run --new --yes refuses too"
expect_eq "$("$CUTOVER" report orphan.yml --format json | jq -r .run)" 1 "no run 2 was begun"
run "$CUTOVER" status orphan.yml
expect_out "its processes \(group [0-9]+\) are still running" \
    "status says the step's processes still run"
run "$CUTOVER" resume orphan.yml --skip-interrupted
expect_rc 1 "resume refuses while they run"
expect_err "still running: wait for them or stop them" "says why"
for _ in $(seq 100); do [ -e log ] && break; sleep 0.1; done
sleep 0.2
run "$CUTOVER" resume orphan.yml --skip-interrupted
expect_rc 0 "once they are gone, resume goes on"
expect_eq "$(cat log)" "nap" "the step ran once"

done_testing
