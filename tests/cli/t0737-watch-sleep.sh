#!/bin/bash
# t0737-watch-sleep.sh - a watch sleeps to its next sample in one go
# (lib/wake.c): few wake-ups of its main thread while idle, and SIGTERM
# still stops it at once, also when the signal lands on a worker thread
# (whose delivery does not interrupt the main thread's sleep).
. "$(dirname "$0")/lib.sh"
[ -d /proc/self/task ] || { echo "skipped: no /proc/PID/task"; exit 0; }
command -v perl >/dev/null || { echo "skipped: perl missing"; exit 0; }

cat >"$T/plan.yml" <<YML
cutover: 1
name: sleep
checks:
  - { id: f, kind: file, path: "$T/plan.yml" }
phases:
  - id: post
    watch: { every: 30s, for: 20s, checks: [f] }
YML
vcs() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$1/task/$1/status"; }
started() { for _ in $(seq 100); do grep -q ' f  *pass' "$1" && return 0; sleep 0.05; done; return 1; }

# --- idle: the main thread wakes about once a second, not ten times ---
"$CUTOVER" watch "$T/plan.yml" --state "$T/a.db" >"$T/a.out" 2>&1 &
P=$!; PIDS="$PIDS $P"
started "$T/a.out" || fail "the watch did not start" "$(cat "$T/a.out")"
sleep 0.3
c0=$(vcs $P); sleep 2; c1=$(vcs $P)
d=$((c1 - c0))
[ "$d" -le 8 ] && ok "2 s idle: $d wake-ups of the main thread (100-ms slices: ~20)" ||
	fail "2 s idle: $d wake-ups of the main thread, expected at most 8"
t0=$(date +%s%N)
kill -TERM $P; wait $P; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_rc 143 "SIGTERM during the 30-s sleep"
[ "$ms" -lt 900 ] && ok "stopped ${ms} ms after SIGTERM" || fail "stopped ${ms} ms after SIGTERM"

# --- SIGTERM sent to a worker thread (tgkill) wakes the sleeper --------
"$CUTOVER" watch "$T/plan.yml" --state "$T/b.db" >"$T/b.out" 2>&1 &
P=$!; PIDS="$PIDS $P"
started "$T/b.out" || fail "the second watch did not start" "$(cat "$T/b.out")"
tid=$(ls "/proc/$P/task" | grep -vx "$P" | tail -1)
[ -n "$tid" ] || fail "no worker thread found"
t0=$(date +%s%N)
perl -e 'syscall(234, $ARGV[0] + 0, $ARGV[1] + 0, 15) == 0 or die "tgkill: $!\n"' "$P" "$tid"
wait $P; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_rc 143 "SIGTERM to a worker thread"
[ "$ms" -lt 900 ] && ok "stopped ${ms} ms after SIGTERM to thread $tid" ||
	fail "stopped ${ms} ms after SIGTERM to a worker thread"
run "$CUTOVER" status "$T/plan.yml" --state "$T/b.db"
expect_out "interrupted|stopped" "the journal says the watch was stopped"

done_testing
