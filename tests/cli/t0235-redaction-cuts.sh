#!/bin/bash
# t0235-redaction-cuts.sh - secrets stay masked where output is cut and
# where commands are quoted: a secret straddling the 4 KiB tail kept in
# the journal, or the point where streamed output is printed in parts,
# must not show its second half; a secret containing quotes, backslashes,
# spaces or '$' must not show through the displayed command line.
. "$(dirname "$0")/lib.sh"
cd "$T"
export TOK=ret-AAAA1111
export QSECRET="it's a \"Qx9\" \\ \$Zq7"
cat >plan.yml <<'YML'
cutover: 1
name: cuts
secrets: [TOK, QSECRET]
checks:
  # One line: the 4 KiB tail starts inside the secret ("AA1111yyy...").
  - id: long-line
    kind: command
    shell: 'printf "xx%s" "$TOK"; head -c 4088 /dev/zero | tr "\0" y; exit 3'
phases:
  - id: p
    steps:
      # The journal keeps the last 4096 bytes: the cut falls 6 bytes
      # into the secret.
      - id: tailcut
        shell: 'printf "xx%s\n" "$TOK"; head -c 4088 /dev/zero | tr "\0" y; echo'
      # A line longer than 4096 bytes prints in parts: the part boundary
      # falls inside the secret.
      - id: streamcut
        shell: 'head -c 4090 /dev/zero | tr "\0" x; printf "%s\n" "$TOK"; echo end'
      # The secret arrives in two writes (two chunks of output).
      - id: chunks
        run: [sh, -c, 'printf "%.6s" "$TOK"; sleep 0.3; printf "%s done\n" "$${TOK#ret-AA}"']
      - id: q-argv
        run: [printf, '<%s>\n', "${env:QSECRET}", "x${env:QSECRET}y"]
      - id: q-shell
        shell: "printf '<%s>\\n' \"$QSECRET\""
      # A tool's JSON output escapes the quotes and backslash.
      - id: q-json
        shell: 'jq -cn --arg s "$QSECRET" "{pw: \$s}"'
YML

# leaks FILE DESC: no part of a secret longer than 5 bytes past its cut.
leaks() {
	if grep -qaE 'AA1111|1111yy|A1111|Qx9|Zq7' "$1"; then
		fail "$2: leaks" "$(grep -aoE '.{0,20}(AA1111|1111yy|A1111|Qx9|Zq7).{0,20}' "$1" | head -5)"
	else ok "$2: no part of a secret"; fi
}

"$CUTOVER" run plan.yml >run.out 2>run.err
rc=$?
expect_eq "$rc" 0 "the run completes"
leaks run.out "run stdout"
leaks run.err "run stderr"
grep -q '^    | \*\*\* done$' run.out && ok "a secret split across chunks is masked whole" ||
	fail "chunks" "$(grep -a done run.out)"
grep -q '^    | xxxx*\*\*\*$' run.out && ok "a secret across a part boundary is masked whole" ||
	fail "streamcut" "$(grep -a 'xxx' run.out | cut -c1-60)"
grep -qF "step q-argv: run: printf '<%s>\n' '***' 'x***y'" run.out &&
	ok "quoted words show the mask" || fail "quoted" "$(grep -a 'step q-argv' run.out)"
grep -qF '    | <***>' run.out && ok "the quoted secret's output is masked" ||
	fail "quoted output" "$(grep -a '<' run.out)"
grep -qF '    | {"pw":"***"}' run.out && ok "the secret JSON-escaped is masked" ||
	fail "json-escaped" "$(grep -a 'pw' run.out)"

sqlite3 .cutover/cuts.db "SELECT step_id, tail, command, message FROM steps" >journal.txt
leaks journal.txt "journal rows"
tail_=$(sqlite3 .cutover/cuts.db "SELECT tail FROM steps WHERE step_id = 'tailcut'")
[ "${#tail_}" -le 4096 ] && [ "${#tail_}" -ge 4000 ] &&
	ok "the journaled tail stays bounded (${#tail_} bytes)" || fail "tail of ${#tail_} bytes"
for f in json md html; do
	"$CUTOVER" report plan.yml --format "$f" >"report.$f" 2>&1
	leaks "report.$f" "report -f $f"
done
"$CUTOVER" run plan.yml --dry-run >dry.out 2>&1
leaks dry.out "dry run"

for f in text json tap junit; do
	"$CUTOVER" check plan.yml -f "$f" >"check.$f" 2>&1
	leaks "check.$f" "check -f $f of a command's cut tail"
done
jq -r '.results[0].detail' check.json | grep -q '^yyyy' &&
	ok "the command's tail keeps the output after the secret" ||
	fail "command tail" "$(jq -r '.results[0].detail' check.json | cut -c1-40)"

done_testing
