#!/bin/bash
# t0931-tty-steps.sh - a step with `tty: true` runs on a pseudo-terminal
# (a program that asks isatty draws its meter), its output still streamed,
# journaled and redacted; a lone "\r" starts a line again: on a terminal
# the states show in place, in logs and the journal only the last one.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || { echo "skipped: script(1) is missing"; exit 0; }
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 is missing"; exit 0; }
cd "$T" || exit 1

cat >meter.py <<'P'
import os, sys, time
print("stdout is a tty" if os.isatty(1) else "stdout is no tty", flush=True)
print("stderr is a tty" if os.isatty(2) else "stderr is no tty", file=sys.stderr, flush=True)
print("token " + os.environ.get("API_TOKEN", ""), flush=True)
for i in range(0, 101, 25):
    sys.stdout.write("\rcopying %d%%" % i)
    sys.stdout.flush()
    time.sleep(0.15)
sys.stdout.write("\r\n")
print("done")
P
export API_TOKEN=Tty-Secret-4471
cat >plan.yml <<'P'
cutover: 1
name: ttysteps
secrets: [API_TOKEN]
phases:
  - id: go
    steps:
      - id: meter
        run: [python3, meter.py]
        tty: true
      - id: plain
        run: [python3, meter.py]
P
run "$CUTOVER" lint plan.yml
expect_rc 0 "lint knows 'tty'"

run "$CUTOVER" run plan.yml --yes
expect_rc 0 "the run"
expect_eq "$(printf '%s\n' "$out" | grep -c '^    | stdout is a tty$')" 1 "tty: true: the step's stdout is a terminal"
expect_eq "$(printf '%s\n' "$out" | grep -c '^    | stderr is a tty$')" 1 "and its stderr"
expect_out '^    \| stdout is no tty$' "a step without tty: a pipe"
expect_eq "$(printf '%s\n' "$out" | grep -c '^    | copying 100%$')" 2 "the meter's last state is printed, once a step"
expect_no "copying 50%" "without a terminal, no state a \\r replaced"
expect_no "Tty-Secret-4471" "the secret is redacted in streamed output"
expect_out '^    \| token \*\*\*$' "as ***"
tail=$(sqlite3 .cutover/ttysteps.db "SELECT tail FROM steps WHERE step_id = 'meter'")
printf '%s\n' "$tail" | grep -qx 'copying 100%' && ok "the journal keeps the last state" ||
	fail "journal tail" "$tail"
if printf '%s' "$tail" | grep -q 'copying 50%\|Tty-Secret'; then
	fail "journal: no flood, no secret" "$tail"
else ok "the journal holds no replaced state and no secret"; fi
expect_eq "$(printf '%s' "$tail" | tr -cd '\r' | wc -c)" 0 "the journal holds no carriage return"

# A terminal: the states show in place ("\r" then the line), then the last.
rm -rf .cutover
script -qfec "$CUTOVER run plan.yml --yes" /dev/null >tty.out 2>&1
grep -q $'\r    | copying 50%' tty.out && ok "on a terminal the meter redraws in place" ||
	fail "in place" "$(cat -A tty.out | head -20)"
tr '\r' '\n' <tty.out | grep -q '^    | copying 100%$' && ok "and ends with its last state" ||
	fail "last state" "$(cat -A tty.out | head -20)"
if grep -q 'Tty-Secret' tty.out; then fail "terminal: secret shown" "$(cat -A tty.out)"
else ok "the live states are redacted"; fi

# The timeout and the kill still reach the whole group on a terminal.
cat >slow.yml <<'P'
cutover: 1
name: ttyslow
phases:
  - id: go
    steps:
      - id: hang
        shell: "sleep 30 & echo $! >bg.pid; sleep 30; echo never"
        tty: true
        timeout: 1s
P
start=$(date +%s)
run "$CUTOVER" run slow.yml --yes
took=$(($(date +%s) - start))
expect_rc 1 "a tty step past its timeout fails the run"
expect_out "timed out after 1" "it says it timed out"
[ "$took" -lt 15 ] && ok "it ends at its timeout (${took}s)" || fail "took ${took}s"
# Killed is enough: a zombie waits for whoever adopted it to reap it.
if [ ! -s bg.pid ]; then fail "the step wrote its background pid"
elif ps -o stat= -p "$(cat bg.pid)" 2>/dev/null | grep -qv '^Z'; then
	kill "$(cat bg.pid)"
	fail "the group is killed, the background sleep too"
else ok "the group is killed, the background sleep too"; fi

done_testing
