#!/bin/bash
# t0772-supervisor: kind `supervisor` against a real supervisord (Debian's
# supervisor) on a unix socket of the test's own and on an HTTP port with
# a password: RUNNING programs pass (a group as a whole, group:name, a
# min_uptime they reach); a stopped program, a crash loop gone FATAL, a
# missing command, an exited one (with its status), a program it does not
# know, a min_uptime not reached fail naming the cause; so do an absent
# daemon, a stale socket, a hanging daemon (the timeout holds), a garbage
# answer and a wrong password.
. "$(dirname "$0")/lib.sh"

command -v supervisord >/dev/null ||
	{ echo "skipped: supervisord not installed (supervisor)"; exit 0; }
HP=$(port)
export SVPW=t0772-Secret-pw
cat >"$T/sv.conf" <<CONF
[unix_http_server]
file=$T/sv.sock
[inet_http_server]
port=127.0.0.1:$HP
username=ops
password=$SVPW
[supervisorctl]
serverurl=unix://$T/sv.sock
[supervisord]
logfile=$T/sv.log
pidfile=$T/sv.pid
childlogdir=$T
user=root
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:web]
command=/bin/sleep 300
startsecs=0
[program:worker]
command=/bin/sleep 300
process_name=%(program_name)s_%(process_num)02d
numprocs=2
startsecs=0
[program:crashy]
command=/bin/sh -c 'exit 3'
startsecs=1
startretries=1
[program:missing]
command=/nonexistent/bin/app
startretries=0
[program:stopped]
command=/bin/sleep 300
autostart=false
[program:once]
command=/bin/sh -c 'exit 4'
startsecs=0
autorestart=false
CONF
supervisord -n -c "$T/sv.conf" >"$T/sv.out" 2>&1 &
PIDS="$PIDS $!"
# Its own log says when the states are reached (supervisorctl costs 0.3 s
# of CPU a call).
for _ in $(seq 300); do
	grep -q 'gave up: crashy entered FATAL' "$T/sv.log" 2>/dev/null &&
		grep -q 'exited: once' "$T/sv.log" &&
		grep -q 'success: worker_01 entered RUNNING' "$T/sv.log" && break
	sleep 0.1
done
supervisorctl -c "$T/sv.conf" status >"$T/status" 2>&1
grep -q '^web .*RUNNING' "$T/status" || { fail "supervisord did not start" "$(cat "$T/status" "$T/sv.out")"; done_testing; exit; }

python3 "$ROOT/tests/harness/fakesock.py" hang "$T/hang.sock" >"$T/f1.log" 2>&1 &
PIDS="$PIDS $!"
python3 "$ROOT/tests/harness/fakesock.py" answer "$T/junk.sock" '<?xml version="1.0"?><methodResponse><params><param><value><array><data><value><struct><member><name>name</name><value><int>7</int></value></member></struct></value></data></array></value></param></params></methodResponse>' >"$T/f2.log" 2>&1 &
PIDS="$PIDS $!"
python3 "$ROOT/tests/harness/fakesock.py" answer "$T/notxml.sock" '<methodResponse><params>' >"$T/f3.log" 2>&1 &
PIDS="$PIDS $!"
python3 "$ROOT/tests/harness/fakesock.py" stale "$T/stale.sock" >"$T/f4.log" 2>&1
wait_ready "$T/f1.log" && wait_ready "$T/f2.log" && wait_ready "$T/f3.log" || fail "fake daemons did not start"

S=$T/sv.sock
cat >"$T/plan.yml" <<YML
cutover: 1
name: t0772
secrets: [SVPW]
checks:
  - { id: web, kind: supervisor, socket: $S, programs: [web] }
  - { id: workers, kind: supervisor, socket: $S, programs: [worker, "worker:worker_01"] }
  - { id: uptime-short, kind: supervisor, socket: $S, programs: [web], min_uptime: 1h }
  - { id: all, kind: supervisor, socket: $S }
  - { id: crashy, kind: supervisor, socket: $S, programs: [crashy] }
  - { id: missing-cmd, kind: supervisor, socket: $S, programs: [missing] }
  - { id: stopped, kind: supervisor, socket: $S, programs: [stopped] }
  - { id: once, kind: supervisor, socket: $S, programs: [once] }
  - { id: unknown, kind: supervisor, socket: $S, programs: [web, nginx] }
  - { id: http, kind: supervisor, url: "http://127.0.0.1:$HP/RPC2", username: ops, password_env: SVPW, programs: [web] }
  - { id: http-nopw, kind: supervisor, url: "http://127.0.0.1:$HP/RPC2", programs: [web] }
  - { id: no-daemon, kind: supervisor, socket: $T/absent.sock }
  - { id: stale, kind: supervisor, socket: $T/stale.sock }
  - { id: hang, kind: supervisor, socket: $T/hang.sock, timeout: 1s }
  - { id: junk, kind: supervisor, socket: $T/junk.sock }
  - { id: notxml, kind: supervisor, socket: $T/notxml.sock }
YML
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (some are meant to fail)"
expect_no "$SVPW" "the password is never printed"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.observed) | \(.message)"'; }
want() {
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want web "pass 1/1 RUNNING | 1 program RUNNING" "a RUNNING program"
want workers "pass 2/2 RUNNING | 2 programs RUNNING" "a group and group:name"
want uptime-short "fail 0/1 RUNNING | web has run for * only (restarted?), expected at least 1h*" "min_uptime not reached"
want all "fail 3/7 RUNNING | crashy is FATAL: Exited too quickly*; missing is FATAL: can't find command '/nonexistent/bin/app'; once is EXITED (exit status 4); stopped is STOPPED" "all programs: each failure named"
want crashy "fail 0/1 RUNNING | crashy is FATAL: Exited too quickly*" "crash loop gone FATAL"
want missing-cmd "fail 0/1 RUNNING | missing is FATAL: can't find command*" "missing command"
want stopped "fail 0/1 RUNNING | stopped is STOPPED" "stopped program"
want once "fail 0/1 RUNNING | once is EXITED (exit status 4)" "exit status of an exited program"
want unknown "fail 1/1 RUNNING | no program 'nginx' in supervisord (it has: *web*)" "unknown program"
want http "pass 1/1 RUNNING | 1 program RUNNING" "over HTTP with a password"
want http-nopw "fail error | supervisord at http://127.0.0.1:$HP/RPC2 wants a username and password (401)*" "HTTP without the password"
want no-daemon "fail error | no supervisord daemon: socket $T/absent.sock does not exist" "daemon absent"
want stale "fail error | supervisord daemon not running: nothing listens on $T/stale.sock*" "stale socket"
want hang "fail error | supervisord did not answer within 1*s (timeout)" "hanging daemon: the timeout holds"
want junk "fail error | malformed supervisord answer: member 'name' has the wrong type" "wrong XML-RPC type"
want notxml "fail error | malformed supervisord answer: not XML*" "not XML"
dur=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "hang") | .duration_ms')
[ "${dur%.*}" -lt 3000 ] && ok "the hang ends at its timeout (${dur}ms)" || fail "hang took ${dur}ms"

# Permission denied on the socket (as nobody: root passes any mode).
if command -v setpriv >/dev/null; then
	chmod 600 "$S"
	run setpriv --reuid 65534 --regid 65534 --clear-groups "$CUTOVER" check "$T/plan.yml" --only web --format json
	want web "fail error | permission denied on the supervisord socket $S*" "permission denied on the socket"
fi

# supervisorctl stop: the same check that passed now fails.
supervisorctl -c "$T/sv.conf" stop web >/dev/null 2>&1
run "$CUTOVER" check "$T/plan.yml" --only web --format json
want web "fail 0/1 RUNNING | web is STOPPED" "a program stopped between two checks"
supervisorctl -c "$T/sv.conf" shutdown >/dev/null 2>&1
done_testing
