#!/bin/bash
# t0905-nagios.sh - `check --format nagios`: the plugin's exit statuses
# (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN including bad input), a status
# line a monitoring system parses, performance data in the guidelines'
# grammar, and the monitoring-plugins' `negate` reading it as a plugin.
. "$(dirname "$0")/lib.sh"
cd "$T"
P=$(port)
python3 -c 'import socket,time,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); print("ready", flush=True)
while True:
    c, _ = s.accept(); c.close()' "$P" >srv.log 2>&1 &
PIDS="$PIDS $!"
wait_ready srv.log || fail "listener did not start"
CLOSED=$(port)
cat >plan.yml <<EOF
cutover: 1
name: nag
checks:
  - { id: up, kind: tcp, address: "127.0.0.1:$P" }
  - { id: slow, kind: tcp, address: "127.0.0.1:$P",
      latency: { expect: 1us, warn: 1us, crit: 10s } }
  - { id: down, kind: tcp, address: "127.0.0.1:$CLOSED", timeout: 2s }
  - { id: after-down, kind: tcp, address: "127.0.0.1:$P", needs: [down] }
phases:
  - { id: ok, checks: [up] }
  - { id: warn, checks: [up, slow] }
  - { id: crit, checks: [up, slow, down] }
EOF
run "$CUTOVER" check plan.yml --phase ok --format nagios
expect_rc 0 "all pass: OK"
expect_out "^CUTOVER OK - 1 check: 1 pass, 0 warn, 0 fail, 0 skip \|" "the OK status line"
# perfdata: 'label'=value[UOM];[warn];[crit];[min];[max], space separated.
perf=$(printf '%s\n' "$out" | head -n1 | sed 's/^[^|]*| //')
bad=$(printf '%s\n' "$perf" | tr ' ' '\n' |
    grep -Ev "^'[^'=]+'=-?[0-9.]+(e[-+]?[0-9]+)?(s|%|B|KB|MB|GB|TB|c)?(;[0-9.]*){0,4}$")
expect_eq "$bad" "" "every perfdata item follows the guidelines' grammar"
expect_out "'up_seconds'=[0-9.]+s;;;0;" "the duration of each check"

run "$CUTOVER" check plan.yml --phase warn --format nagios
expect_rc 1 "a warning: WARNING"
expect_out "^CUTOVER WARNING - 2 checks: 1 pass, 1 warn, 0 fail, 0 skip; slow: " \
    "the warning check named on the status line"
expect_out "^warn: slow: " "and on a line of its own"

run "$CUTOVER" check plan.yml --phase crit --format nagios
expect_rc 2 "a failure: CRITICAL"
expect_out "^CUTOVER CRITICAL - 3 checks: 1 pass, 1 warn, 1 fail, 0 skip; down: " \
    "the failing check first"
expect_out "^fail: down: " "failing line"

run "$CUTOVER" check plan.yml --only after-down --format nagios
expect_rc 2 "a failed dependency is CRITICAL (down failed, after-down skipped)"
expect_out "^skip: after-down: " "the skipped check listed"

run "$CUTOVER" check nope.yml --format nagios
expect_rc 3 "a missing plan: UNKNOWN"
run "$CUTOVER" check plan.yml --format=nagios --bogus
expect_rc 3 "an unknown option: UNKNOWN"
run "$CUTOVER" check plan.yml -f nagios --phase nope
expect_rc 3 "an unknown phase: UNKNOWN"
run "$CUTOVER" check plan.yml --phase nope
expect_rc 2 "other formats keep exit 2 for bad input"

NEG=/usr/lib/nagios/plugins/negate
if [ -x "$NEG" ]; then
	# negate runs a plugin and maps its states: CRITICAL -> OK here.
	run "$NEG" -c OK -s -- "$CUTOVER" check "$T/plan.yml" --phase crit --format nagios
	expect_rc 0 "negate reads CRITICAL from cutover and maps it to OK"
	expect_out "^CUTOVER OK - " "negate rewrote the state word of the status line"
else
	echo "# skipped part: monitoring-plugins' negate absent"
fi
done_testing
