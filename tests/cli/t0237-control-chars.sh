#!/bin/bash
# t0237-control-chars.sh - text from a peer cannot drive the terminal.  A
# hostile "Redis" on loopback answers with ESC [2K ESC [1G ESC [32m "pass"
# (erase the line, back to column 1, green), a bare CR, C1 CSI bytes and
# BEL, which would redraw its failing row as "pass"; a command and a step
# print the same; a database value holds an ESC.  The raw bytes of every
# human output must hold none of them: they show as visible escapes.
. "$(dirname "$0")/lib.sh"

PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
python3 "$ROOT/tests/harness/escredis.py" >port.txt 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 400); do [ -s port.txt ] && break; sleep 0.05; done
P=$(head -1 port.txt)
case "$P" in [0-9]*) ;; *) echo "skipped: the fake Redis did not start"; exit 0 ;; esac

cat >plan.yml <<YML
cutover: 1
name: esc
checks:
  - { id: evil-redis, kind: redis, target: "redis://127.0.0.1:$P/0" }
  - id: evil-cmd
    kind: command
    shell: "printf 'ok\\\\033[2K\\\\033[1G\\\\033[32mpass\\\\rpass\\\\302\\\\233\\\\007\\\\n'; exit 1"
phases:
  - id: p
    steps:
      - id: evil-step
        shell: "printf 'fail\\\\rout\\\\033]0;title\\\\007\\\\033[2Kpass\\\\n'"
YML

# controls FILE DESC [KEEP]: no ESC, CR, BEL, DEL, raw or UTF-8 C1 in FILE.
controls() {
	if LC_ALL=C grep -qaP '[\x00-\x08\x0b-\x1f\x7f\x9b]|\xc2[\x80-\x9f]' "$1"; then
		fail "$2: raw control characters" "$(od -c "$1" | grep -E '033|\\r|007' | head -5)"
	else ok "$2: no raw control character"; fi
}

"$CUTOVER" check plan.yml >check.text 2>check.err
expect_eq "$?" 1 "the checks fail"
controls check.text "check -f text"
controls check.err "check stderr"
grep -q '^fail *evil-redis' check.text && ok "the hostile row still reads fail" ||
	fail "evil-redis row" "$(cat -A check.text)"
grep -qF '\x1b[2K\x1b[1G\x1b[32mpass' check.text &&
	ok "the sequences show as visible escapes" || fail "escapes" "$(cat -A check.text)"
for f in tap junit json; do
	"$CUTOVER" check plan.yml -f "$f" >"check.$f" 2>&1
	controls "check.$f" "check -f $f"
done
jq -e '.results[] | select(.id == "evil-cmd") | .detail | test("pass\\\\x0dpass")' \
    check.json >/dev/null && ok "json: the detail keeps the escaped CR" ||
	fail "json detail" "$(jq '.results[1].detail' check.json)"

"$CUTOVER" run plan.yml --yes >run.out 2>run.err
controls run.out "run stdout"
controls run.err "run stderr"
# A lone CR starts the line again (progress meters): its last state shows.
grep -qxF '    | out\x1b]0;title\x07\x1b[2Kpass' run.out &&
	ok "streamed step output shows the escapes" || fail "step output" "$(cat -A run.out)"

# A database value is data too.
python3 - <<'PY'
import sqlite3
for n, v in (("a.db", "x"), ("b.db", "y")):
    c = sqlite3.connect(n)
    c.execute("CREATE TABLE t(k TEXT PRIMARY KEY, v TEXT)")
    c.execute("INSERT INTO t VALUES (?, ?)", ("k\x1b[2K\x1b[1Gsame", v + "\x1b[32m"))
    c.commit()
PY
"$CUTOVER" diff sqlite:a.db sqlite:b.db --show-values >diff.out 2>&1
expect_eq "$?" 1 "diff finds the changed row"
controls diff.out "diff text"
grep -qF "k='k\x1b[2K\x1b[1Gsame'" diff.out && ok "diff shows the key's escapes" ||
	fail "diff key" "$(cat -A diff.out)"

# The same kind of check cuts a server's message at 100 bytes: a secret
# the peer echoes across the cut is masked whole, not cut to "Redis...".
export RSEC=Redis-Pw-Secret-99
python3 "$ROOT/tests/harness/escredis.py" "$RSEC" >port2.txt 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 400); do [ -s port2.txt ] && break; sleep 0.05; done
cat >echo.yml <<YML
cutover: 1
name: echo
secrets: [RSEC]
checks:
  - { id: echo, kind: redis, target: "redis://127.0.0.1:$(head -1 port2.txt)/0" }
YML
"$CUTOVER" check echo.yml -f json >echo.json 2>&1
jq -r '.results[0].message' echo.json | grep -qE "x \*\*\* r\.\.\.'" &&
	ok "a secret across the cut of a server's message is masked whole" ||
	fail "cut server message" "$(jq -r '.results[0].message' echo.json)"

done_testing
