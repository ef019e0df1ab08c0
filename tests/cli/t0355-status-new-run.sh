#!/bin/bash
# t0355-status-new-run.sh - `cutover status` right after `cutover run &`
# shows the new run, never the one before it: a process that holds the
# journal's lock but is not the latest run's is starting a run, and
# status waits (at most 2 s) for it to be written.  The window is made
# wide and certain by a stand-in writer (Python) that takes the lock and
# writes its run 300 ms later; then the real thing, several times: a run
# takes the journal's lock before opening it, so status sees it early.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "skipped: jq not installed"; exit 0; }
cd "$T"
cat >plan.yml <<'EOF'
cutover: 1
name: st
phases:
  - id: p
    steps:
      - { id: wait, shell: "sleep ${env:W:-0}" }
EOF
run "$CUTOVER" run plan.yml --yes
expect_rc 0 "run 1 completes"
st() { "$CUTOVER" status plan.yml --format json | jq -c '[.run, .state]'; }

# The stand-in: lock (pid written, as cutover does), then the run row.
python3 - .cutover/st.db >py.out 2>&1 <<'PY' &
import fcntl, os, sqlite3, sys, time
db = sys.argv[1]
fd = os.open(db + ".lock", os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0); os.pwrite(fd, b"%d\n" % os.getpid(), 0)
print("locked", flush=True)
time.sleep(0.3)
c = sqlite3.connect(db)
c.execute("INSERT INTO runs(plan_name, plan_file, plan_sha, state, user, host, pid, started_us)"
          " VALUES('st', 'plan.yml', '', 'running', 'test', 'h', ?, ?)", (os.getpid(), int(time.time() * 1e6)))
c.commit()
time.sleep(1.5)
PY
PY_PID=$!
PIDS="$PIDS $PY_PID"
for _ in $(seq 200); do grep -q locked py.out && break; sleep 0.02; done
expect_eq "$(st)" '[2,"running"]' "a run being started under the lock: status waits and shows it"
wait "$PY_PID"

# The real thing: run in the background, status as soon as the run's
# process has the journal (--new: the stand-in's run was left running).
# Before that moment (the run still reading its plan) nothing says a
# run is coming: the README says so.
bad=""
for i in 1 2 3 4 5; do
	W=1 "$CUTOVER" run plan.yml --yes --new >/dev/null 2>&1 &
	rp=$!
	for _ in $(seq 500); do [ "$(cat .cutover/st.db.lock 2>/dev/null)" = "$rp" ] && break; sleep 0.01; done
	got=$(st)
	want="[$((i + 2)),\"running\"]"
	[ "$got" = "$want" ] || bad="$bad run $((i + 2)): got $got;"
	wait "$rp"
done
[ -z "$bad" ] && ok "status at once shows the new run, 5 times of 5" || fail "status showed another run" "$bad"
done_testing
