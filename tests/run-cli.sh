#!/usr/bin/env bash
# run-cli.sh - start the servers once, run every tests/cli/t*.sh against
# them, stop the servers.  Each script prints TAP-like lines and a summary;
# this prints "cli: N passed, N skipped, N failed" and fails if any script
# failed.  A script that cannot run here (a tool or a kernel feature is
# missing) prints "skipped: WHY" (or "# NAME: skipped: WHY") and exits 0:
# it is counted as skipped, never as passed.  A script passes only when it
# exits 0 *and* its last summary says "# NAME: N passed, 0 failed" with
# N > 0: a script cut short (a quoting slip that ends it early, an `exit 0`
# in the middle) has run nothing that proves anything.
#
# Servers are shared; each test isolates itself with its own databases,
# keys or paths.  TESTS="t0010 t0020" runs a subset.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HARNESS_HERE=$ROOT/tests/harness
. tests/harness/servers.sh
trap stop_all EXIT INT TERM
# python3 is Debian's (scripts/deps.sh installs the modules the harness
# imports: fuse, dbus, websockets...).  A version manager's shim first on
# PATH (pyenv's here) is a bash program that costs 0.7 s of CPU per start,
# 2 s of wall time under load, against 0.05 s: the suites start python3
# hundreds of times (servers, port(), JSON one-liners).  t0220, t0610,
# t0620 and t0674 (check suites, few journal writes), main vs this: 92 ->
# 41 s at load 4-5, 45 -> 31 s at load 2.
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
	mkdir -p "$HARNESS_DIR/bin"
	ln -sf /usr/bin/python3 "$HARNESS_DIR/bin/python3"
	export PATH="$HARNESS_DIR/bin:$PATH"
fi

start_pg || { echo "cli: cannot start PostgreSQL"; exit 1; }
start_mariadb || { echo "cli: cannot start MariaDB"; exit 1; }
start_redis || { echo "cli: cannot start Redis"; exit 1; }
start_httpd || { echo "cli: cannot start the HTTP server"; exit 1; }
export PG_BINDIR
# The suites' temp dirs (tests/cli/lib.sh) go on a tmpfs when there is
# one: each journal commit is an fdatasync (synchronous=FULL), 15-25 ms
# on this machine's disk and 40% of a short run's wall time; no suite
# simulates a power cut, the one fault that fsync guards against, and
# kill -9 leaves the page cache.  The seed scenarios (examples/lib.sh)
# stay on disk: their plans check its free space (dcmove's 50GB).
if [ -z "${CUTOVER_TEST_TMP:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
    [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
    [ "$(df -Pk /dev/shm | awk 'NR == 2 {print $4}')" -gt 4194304 ]; then
	export CUTOVER_TEST_TMP=/dev/shm
fi

pass=0; skipn=0; failn=0; failed=""; skipped=""
for t in tests/cli/t*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ -n "${TESTS:-}" ]; then
		case " $TESTS " in *" ${name%%-*} "*|*" $name "*) ;; *) continue ;; esac
	fi
	t0=$(date +%s)
	bash "$t" >"$HARNESS_DIR/$name.log" 2>&1
	trc=$?
	# Each suite's time, so that the total's budget can be watched.
	echo "# $name: $(( $(date +%s) - t0 ))s" >>"$HARNESS_DIR/$name.log"
	# CLI_LOGS=DIR keeps every suite's log (the harness dir goes at exit).
	[ -n "${CLI_LOGS:-}" ] && mkdir -p "$CLI_LOGS" &&
		cp "$HARNESS_DIR/$name.log" "$CLI_LOGS/"
	if [ "$trc" -eq 0 ]; then
		if grep -Eq "^(# $name: )?skipped:" "$HARNESS_DIR/$name.log"; then
			skipn=$((skipn + 1))
			skipped="$skipped $name"
			grep -Em1 "^(# $name: )?skipped:" "$HARNESS_DIR/$name.log"
			continue
		fi
		if ! grep -Eq "^# $name: [1-9][0-9]* passed, 0 failed$" \
		    "$HARNESS_DIR/$name.log"; then
			failn=$((failn + 1))
			failed="$failed $name"
			echo "not ok - $name: exited 0 without its summary line" \
			    "(\"# $name: N passed, 0 failed\"): it stopped early"
			tail -n 5 "$HARNESS_DIR/$name.log" | sed 's/^/#   /'
			continue
		fi
		pass=$((pass + 1))
		tail -n 2 "$HARNESS_DIR/$name.log" | paste -sd ' ' -
	else
		failn=$((failn + 1))
		failed="$failed $name"
		grep -E '^(not ok|#)' "$HARNESS_DIR/$name.log" | head -60
	fi
done
echo "cli: $pass passed, $skipn skipped${skipped:+ ($skipped )}, $failn failed${failed:+ ($failed )}"
[ "$failn" -eq 0 ]
