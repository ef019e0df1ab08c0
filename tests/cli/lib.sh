# lib.sh - helpers for the CLI tests (got's regress/cmdline style).
# Each test script sources this, runs the real binary in a temp dir, and
# calls the assertions; the first failure is reported and counted.
set -u
CUTOVER=${CUTOVER:-$(cd "$(dirname "$0")/../.." && pwd)/build/cutover}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The temp dir goes under CUTOVER_TEST_TMP when set (run-cli.sh points it
# at a tmpfs: the journal's fdatasync per commit, 15-25 ms on this disk,
# is 40% of a short run's wall time and tests nothing a kill -9 can
# show), else /tmp.
T=$(mktemp -d "${CUTOVER_TEST_TMP:-/tmp}/cutover-test.XXXXXX")
chmod 755 "$T"
# Servers a test starts in the background: it adds their pids to PIDS,
# and they are stopped (and waited for) before the temp dir goes.
PIDS=""
_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap _cleanup EXIT
# A free loopback port (bound, read back, released).
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Wait up to 5s for a harness server's log to say "ready".
wait_ready() { for _ in $(seq 100); do grep -q ready "$1" && return 0; sleep 0.05; done; return 1; }
_fails=0
_passes=0
_name=$(basename "$0" .sh)

ok() { _passes=$((_passes + 1)); echo "ok - $_name: $1"; }
fail() { _fails=$((_fails + 1)); echo "not ok - $_name: $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /' | head -40; }

# run CMD...: runs the command, sets $out (stdout), $err (stderr), $rc.
run() {
	"$@" >"$T/.out" 2>"$T/.err"
	rc=$?
	out=$(cat "$T/.out")
	err=$(cat "$T/.err")
}

# expect_rc WANT DESC
expect_rc() {
	if [ "$rc" -eq "$1" ]; then ok "$2 (exit $1)"; else
		fail "$2: exit $rc, expected $1" "stdout: $out
stderr: $err"; fi
}
# expect_out PATTERN DESC  (grep -E on stdout)
expect_out() {
	if printf '%s\n' "$out" | grep -Eq -- "$1"; then ok "$2"; else
		fail "$2: stdout lacks /$1/" "stdout: $out
stderr: $err"; fi
}
expect_err() {
	if printf '%s\n' "$err" | grep -Eq -- "$1"; then ok "$2"; else
		fail "$2: stderr lacks /$1/" "stderr: $err"; fi
}
expect_no() {
	if printf '%s\n%s\n' "$out" "$err" | grep -Fq -- "$1"; then
		fail "$2: output contains '$1'" "$out
$err"; else ok "$2"; fi
}
# expect_eq GOT WANT DESC
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else fail "$3" "got:  $1
want: $2"; fi
}

# use_pg: the PostgreSQL of tests/run-cli.sh when it started one, else
# this suite's own (stopped at exit); the suite is skipped when none starts.
use_pg() {
	. "$ROOT/tests/harness/servers.sh"
	if [ -z "${PG_PORT:-}" ]; then
		trap 'stop_all; _cleanup' EXIT
		start_pg || { echo "skipped: PostgreSQL does not start"; exit 0; }
	fi
}

done_testing() {
	echo "# $_name: $_passes passed, $_fails failed"
	[ "$_fails" -eq 0 ]
}

# scenario_suite SCRIPT: run a scenario script (examples/*/scenario.sh,
# examples/lib.sh) and take its "ok -"/"not ok -" lines as this suite's;
# its "skipped: WHY" skips the suite.  The namespaces it names must be
# gone when it ends.
scenario_suite() {
	CUTOVER=$CUTOVER bash "$1" >"$T/scenario.log" 2>&1
	local rc=$? n left=""
	cat "$T/scenario.log"
	if grep -q '^skipped:' "$T/scenario.log"; then
		echo "# $_name: $(grep -m1 '^skipped:' "$T/scenario.log")"
		exit 0
	fi
	_passes=$(grep -c '^ok - ' "$T/scenario.log")
	_fails=$(grep -c '^not ok - ' "$T/scenario.log")
	if [ "$rc" -ne 0 ] && [ "$_fails" -eq 0 ]; then
		fail "scenario exited $rc without a failing assertion"
	fi
	if grep -Eq '^# [^ ]+: [0-9]+ passed, [0-9]+ failed$' "$T/scenario.log"; then
		ok "scenario ran to the end"
	else fail "scenario did not finish"; fi
	for n in $(sed -n 's/^# namespaces://p' "$T/scenario.log" | tail -1); do
		[ -e "/run/netns/$n" ] && left="$left $n"
	done
	if [ -z "$left" ]; then ok "no namespace left behind"
	else fail "namespaces left behind:$left"; fi
}
