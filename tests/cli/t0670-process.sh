#!/bin/bash
# t0670-process.sh - kind `process` against processes this test starts:
# selection by name, cmdline, pidfile and user; count ranges; min_uptime;
# RSS and CPU limits; a crash loop (a shell restarting a short sleep) is
# caught as restarts, a steady process is not; a missing process, a stale
# pidfile and an unknown user fail naming the cause.
. "$(dirname "$0")/lib.sh"
cd "$T"

# A unique name so that no other process on the machine matches.
TAG="cutover-t0670-$$"
cp /bin/sleep "$T/steady-$$"
"$T/steady-$$" 300 &
STEADY=$!
PIDS="$PIDS $STEADY"
echo "$STEADY" > steady.pid
echo 999999 > stale.pid
# A busy loop: 100% of one CPU.
sh -c "while :; do :; done; : $TAG-busy" &
BUSY=$!
PIDS="$PIDS $BUSY"
# A crash loop: the program dies at once and is started again.
sh -c "while :; do sleep 0.3; done; : $TAG-loop" &
LOOP=$!
PIDS="$PIDS $LOOP"
sleep 1.2
me=$(id -un)
name="steady-$$"
name=${name:0:15}

cat > plan.yml <<E2
cutover: 1
name: t0670
checks:
  - { id: by-name, kind: process, name: "$name", count: 1, min_uptime: 1s }
  - { id: by-cmdline, kind: process, cmdline: "steady-$$ 300\$", count: "1..4", max_rss: 50MB }
  - { id: by-pidfile, kind: process, pidfile: steady.pid, user: "$me" }
  - { id: steady-no-restart, kind: process, pidfile: steady.pid, restarts: 0, sample: 500ms, max_cpu: "20%" }
  - { id: absent-ok, kind: process, name: no-such-prog-x, count: 0 }
  - { id: missing, kind: process, name: no-such-prog-x }
  - { id: too-many, kind: process, cmdline: "$TAG", count: 1 }
  - { id: too-young, kind: process, name: "$name", min_uptime: 1h }
  - { id: stale-pidfile, kind: process, pidfile: stale.pid }
  - { id: no-pidfile, kind: process, pidfile: nope.pid }
  - { id: no-user, kind: process, user: no-such-user-t0670 }
  - { id: busy, kind: process, cmdline: "$TAG-busy", max_cpu: "1%", sample: 500ms }
  - { id: rss, kind: process, pidfile: steady.pid, max_rss: 1KB }
  - { id: crash-loop, kind: process, cmdline: "^sleep 0.3\$", user: "$me", restarts: 0, sample: 1500ms }
  - { id: regex-gives-up, kind: process, cmdline: "^(\\\\S+\\\\S+)+[#%]", count: 0 }
  - { id: crash-loop-ok, kind: process, cmdline: "^sleep 0.3\$", restarts: 1000, sample: 300ms, count: "0.." }
E2
run "$CUTOVER" lint plan.yml
expect_rc 0 "the plan lints"
run "$CUTOVER" check plan.yml --format json
expect_rc 1 "some checks fail"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
expect_result() {
	local got; got=$(st "$1")
	if printf '%s\n' "$got" | grep -Eq -- "^$2"; then ok "$1: $got"; else fail "$1" "got: $got"; fi
}
expect_result by-name "pass 1 process matches name '$name', the youngest up"
expect_result by-cmdline "pass 1 process matches cmdline"
expect_result by-pidfile "pass 1 process matches pidfile steady.pid, user $me"
expect_result steady-no-restart "pass 1 process matches pidfile steady.pid, the youngest up .*, no restart"
expect_result absent-ok "pass no process matches name 'no-such-prog-x', as expected"
expect_result missing "fail 0 processes match name 'no-such-prog-x', expected at least 1"
expect_result too-many "fail 2 processes match cmdline /$TAG/, expected exactly 1"
expect_result too-young "fail pid $STEADY \($name\) has run for .*, less than min_uptime 1h"
expect_result stale-pidfile "fail pidfile stale.pid names pid 999999, which is not running"
expect_result no-pidfile "fail cannot read 'nope.pid': No such file"
expect_result no-user "fail no user 'no-such-user-t0670' on this host"
expect_result busy "fail pid $BUSY \(sh\) used [0-9.]+% CPU over 500(\.0)?ms, more than max_cpu 1%"
expect_result rss "fail pid $STEADY \($name\) uses .* of memory \(RSS\), more than max_rss"
expect_result crash-loop "fail cmdline /\^sleep 0.3\\$/, user $me restarted: [0-9]+ new instances? since the run started \(last: pid [0-9]+ \(sleep\)\), at most 0 allowed"
expect_result regex-gives-up "fail cmdline regex .* gave up on pid [0-9]+'s command line \\(.*limit"
expect_result crash-loop-ok "pass (1 process matches|no process matches) cmdline .*, [0-9]+ restarts? \(at most 1000\)"

# A process started after the run began counts as a restart at once.
run "$CUTOVER" check plan.yml --only steady-no-restart --format json
expect_rc 0 "a steady process has no restart"

# Formats carry the result; lint knows the keys.
for f in text junit tap prometheus; do
	run "$CUTOVER" check plan.yml --only by-name --format $f
	expect_rc 0 "format $f"
done

cat > bad.yml <<'E2'
cutover: 1
name: bad
checks:
  - { id: a, kind: process }
  - { id: b, kind: process, name: /usr/sbin/nginx }
  - { id: c, kind: process, cmdline: "(" }
  - { id: d, kind: process, name: x, count: "4..1" }
  - { id: e, kind: process, name: x, max_cpu: 50 }
  - { id: f, kind: process, name: x, sample: 1s }
  - { id: g, kind: process, name: x, restart: 0 }
E2
run "$CUTOVER" lint bad.yml
expect_rc 2 "bad process keys are plan errors"
expect_err "^bad.yml:4:5: check 'a' needs at least one of 'name', 'cmdline', 'pidfile' or 'user'" "no selector"
expect_err "^bad.yml:5:.*'name' is a program name" "a path as name"
expect_err "^bad.yml:6:.*'cmdline': bad regex" "bad regex"
expect_err "^bad.yml:7:.*'count': empty range '4..1'" "empty range"
expect_err "^bad.yml:8:.*'max_cpu'" "cpu without %"
expect_err "^bad.yml:9:.*'sample' is the window" "sample alone"
expect_err "^bad.yml:10:.*restart.*did you mean 'restarts'" "typo suggests"
done_testing
