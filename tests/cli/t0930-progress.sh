#!/bin/bash
# t0930-progress.sh - long work is visible: manifest create/verify and
# check show a live line on a terminal (script(1) gives one), a line now
# and then without one (--progress: every second), nothing with -q; the
# line is on stderr only, and results stream as files finish.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || { echo "skipped: script(1) is missing"; exit 0; }
cd "$T" || exit 1

# Sparse files cost no disk but take time to hash: b and c hold the run
# long enough (hundreds of ms at least) for live lines between results.
mkdir d
echo small >d/a
truncate -s 160M d/b
truncate -s 96M d/c
tty_run() { script -qfec "$1" /dev/null | tr '\r' '\n'; }

# A terminal: the live line with files, bytes of the total, rate.
out=$(tty_run "$CUTOVER manifest create d -o m.sha256 -j1 --no-content")
expect_out "^manifest: [0-9] of 3 files, [0-9.]+ [KMG]i?B of 256\.0 MiB, [0-9.]+ [KMG]?i?B/s, [0-9]+s" \
    "create on a terminal: files and bytes of the total, rate"
expect_out "^d/a: OK$" "create: the result lines"
expect_out "^m.sha256: 3 files, 3 ok" "create: the summary"
# Results stream: e/b's line comes while e/c is still hashed (largest
# first, one thread: b, then c, then a), so a live line follows it; on a
# terminal lines come as files end.  The line is redrawn every 500 ms:
# c must take longer than that on any machine (2 GiB of SHA-256, 1.5 s
# at this machine's 1.4 GB/s; d/c's 96 MiB took 68 ms on a tmpfs and
# drew no line between the two results).
mkdir e
echo small >e/a
truncate -s 2100M e/b
truncate -s 2048M e/c
out2=$(tty_run "$CUTOVER manifest create e -o me.sha256 -j1 --no-content")
after=$(printf '%s\n' "$out2" | sed -n '/^e\/b: OK/,$p' | grep -c '^manifest: 1 of 3 files')
[ "$after" -ge 1 ] && ok "create: e/b is printed before the hashing ends" ||
	fail "create: results stream" "$out2"
expect_eq "$(printf '%s\n' "$out" | grep -E '^d/.: OK' | tr '\n' ' ')" "d/b: OK d/c: OK d/a: OK " \
    "on a terminal, in the order files end"
run "$CUTOVER" manifest create d -o m0.sha256 -j1 --no-content
expect_eq "$(printf '%s\n' "$out" | grep -E '^d/.: OK' | tr '\n' ' ')" "d/a: OK d/b: OK d/c: OK " \
    "without a terminal, in manifest order"
expect_eq "$(sha256sum -c m.sha256 2>&1 | grep -c ': OK')" 3 "the manifest is sha256sum's"

out=$(tty_run "$CUTOVER manifest verify m.sha256 -j1 --no-content")
expect_out "^manifest: [0-9] of 3 files, .* of 256\.0 MiB" "verify on a terminal: the live line"
expect_out "^m.sha256: 3 files, 3 ok, 0 failed" "verify: the summary"
out=$(tty_run "$CUTOVER manifest verify m.sha256 -q -j1 --no-content")
if printf '%s\n' "$out" | grep -q '^manifest:'; then
	fail "-q on a terminal: no progress" "$out"
else ok "-q on a terminal: no progress"; fi
expect_out "^m.sha256: 3 files" "-q keeps the summary"

# Never on stdout: stdout through a pipe, stderr the terminal.
script -qfec "$CUTOVER manifest verify m.sha256 -j1 --no-content >stdout.txt" /dev/null >tty.txt
if grep -q '^manifest:' stdout.txt; then fail "stdout holds no progress" "$(cat stdout.txt)"
else ok "stdout holds no progress"; fi
tr '\r' '\n' <tty.txt | grep -q '^manifest: .* files' && ok "stderr on a terminal has it" ||
	fail "stderr has the progress" "$(cat -A tty.txt | head -5)"
# JSON stays one document.
script -qfec "$CUTOVER manifest verify m.sha256 -f json -j1 --no-content >v.json" /dev/null >/dev/null
jq -e '.ok == 3' v.json >/dev/null && ok "JSON unchanged by the live line" || fail "json" "$(cat v.json)"

# No terminal: a short run prints nothing on stderr (a line every 5 s).
run "$CUTOVER" manifest verify m.sha256 --no-content
expect_rc 0 "verify without a terminal"
expect_eq "$err" "" "without a terminal, a short verify prints no progress"
# --progress: a line every second; a run this long (3 GiB of SHA-512,
# one thread: 3 s at this machine's 1 GB/s, over a second on any core;
# 768 MiB took under a second on a tmpfs) gets at least one.  Each is a
# line of its own, on stderr.
truncate -s 2976M d/b
run "$CUTOVER" manifest create d -o m2.sha512 -a sha512 --progress -j1 --no-content
expect_rc 0 "create --progress"
expect_err "^manifest: [0-9] of 3 files, [0-9.]+ [KMG]i?B of 3\.0 GiB, .*B/s, [0-9]+s" \
    "--progress without a terminal: periodic lines"
expect_eq "$(printf '%s\n' "$err" | grep -c $'\r')" 0 "without a terminal, no carriage returns"
run "$CUTOVER" manifest create d -o m3.sha256 --progress -q
expect_rc 2 "--quiet with --progress"

# check: on a terminal, what is still running; the table as before.
cat >plan.yml <<'P'
cutover: 1
name: live
checks:
  - id: quick
    kind: command
    run: "true"
  - id: slow-cmd
    kind: command
    run: "sleep 1.2"
  - id: slower
    kind: command
    run: "sleep 2.5"
P
# The terminal line is redrawn every 0.5 s: slower outlives slow-cmd by
# more than two redraws (1.6 s left 0.4 s, and a loaded CI missed it).
out=$(tty_run "$CUTOVER check plan.yml")
expect_out "check: 1/3 done, waiting for: slow-cmd, slower, [0-9]+s" "check on a terminal: done and waiting for"
expect_out "check: 2/3 done, waiting for: slower" "the list shrinks as checks end"
expect_out "^STATUS +CHECK +KIND" "the table follows"
expect_out "3 checks: 3 pass" "and the summary"
out=$(tty_run "$CUTOVER check -q plan.yml")
if printf '%s\n' "$out" | grep -q 'done, waiting for'; then
	fail "check -q on a terminal: no live line" "$out"
else ok "check -q on a terminal: no live line"; fi
expect_out "3 checks: 3 pass" "check -q keeps the summary"
run "$CUTOVER" check plan.yml
expect_rc 0 "check without a terminal"
expect_eq "$err" "" "check without a terminal: no live line"
script -qfec "$CUTOVER check plan.yml -f json >c.json" /dev/null >/dev/null
jq -e '.results | length == 3' c.json >/dev/null && ok "check JSON unchanged" || fail "check json" "$(cat c.json)"

done_testing
