#!/bin/bash
# t0100-cli.sh - the command line itself: --help, --version, every
# command's --help, and what happens on a misspelt command or option
# (one line naming the mistake and the nearest valid spelling, exit 2).
. "$(dirname "$0")/lib.sh"

run "$CUTOVER" --version
expect_rc 0 "--version"
expect_out '^cutover [0-9]+\.[0-9]+\.[0-9]+$' "--version prints 'cutover X.Y.Z'"

run "$CUTOVER" --help
expect_rc 0 "--help"
expect_out '^usage: cutover ' "--help starts with usage"
expect_out '^  lint ' "--help lists lint"
expect_out '^  check ' "--help lists check"

run "$CUTOVER"
expect_rc 2 "no command"
expect_err '^usage: cutover ' "no command prints usage on stderr"

# Every command listed by --help has a --help of its own, on stdout, exit 0.
"$CUTOVER" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' >"$T/cmds"
[ -s "$T/cmds" ] && ok "--help lists commands" || fail "--help lists no commands"
while read -r c; do
	run "$CUTOVER" "$c" --help
	expect_rc 0 "$c --help"
	expect_out "^usage: cutover $c" "$c --help prints its usage"
	run "$CUTOVER" "$c" -h
	expect_rc 0 "$c -h"
	run "$CUTOVER" help "$c"
	expect_out "^usage: cutover $c" "help $c"
done <"$T/cmds"

# Unknown command: one line, the nearest spelling, exit 2.
run "$CUTOVER" chek plan.yml
expect_rc 2 "unknown command"
expect_eq "$err" "cutover: unknown command 'chek' (did you mean 'check'?)" \
    "unknown command names the nearest one"
expect_eq "$out" "" "unknown command prints nothing on stdout"
run "$CUTOVER" litn
expect_eq "$err" "cutover: unknown command 'litn' (did you mean 'lint'?)" \
    "transposed letters are suggested"
run "$CUTOVER" frobnicate
expect_rc 2 "unrelated unknown command"
expect_eq "$err" "cutover: unknown command 'frobnicate' (try 'cutover --help')" \
    "no suggestion when nothing is close"
run "$CUTOVER" --verbose
expect_rc 2 "unknown global option"
expect_eq "$err" "cutover: unknown option '--verbose' (try 'cutover --help')" \
    "unknown global option is one line"

# Unknown options of a command.
run "$CUTOVER" check --formt json plan.yml
expect_rc 2 "unknown option"
expect_eq "$err" "cutover check: unknown option '--formt' (did you mean '--format'?) (see 'cutover check --help')" \
    "unknown option names the nearest one"
run "$CUTOVER" check --strickt plan.yml
expect_eq "$err" "cutover check: unknown option '--strickt' (did you mean '--strict'?) (see 'cutover check --help')" \
    "a flag without argument is suggested too"
run "$CUTOVER" lint --qiet plan.yml
expect_rc 2 "lint: unknown option"
expect_eq "$err" "cutover lint: unknown option '--qiet' (did you mean '--quiet'?) (see 'cutover lint --help')" \
    "lint: unknown option names the nearest one"
run "$CUTOVER" check -x plan.yml
expect_rc 2 "unknown short option"
expect_err "^cutover check: unknown option '-x'" "unknown short option is named"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && ok "one line on stderr" ||
	fail "more than one line on stderr" "$err"

# Missing values and arguments.
run "$CUTOVER" check --format
expect_rc 2 "option without its value"
expect_eq "$err" "cutover check: option '--format' needs a value (see 'cutover check --help')" \
    "a missing option value is named"
run "$CUTOVER" check -j
expect_rc 2 "short option without its value"
expect_err "needs a value" "a missing short option value is named"
run "$CUTOVER" check
expect_rc 2 "check without a plan"
expect_eq "$err" "cutover check: missing PLAN (see 'cutover check --help')" "missing PLAN"
run "$CUTOVER" lint a.yml b.yml
expect_rc 2 "lint with two plans"
expect_err "expected one PLAN, got 2 arguments" "two plans are refused"
run "$CUTOVER" check --format jsn plan.yml
expect_rc 2 "unknown format"
expect_eq "$err" "cutover check: unknown format 'jsn' (did you mean 'json'?) (see 'cutover check --help')" \
    "unknown format names the nearest one"
run "$CUTOVER" check --format xml plan.yml
expect_rc 2 "unrelated format"
expect_err "unknown format 'xml' \(text, json, junit, tap, prometheus, nagios\)" \
    "an unrelated format lists the formats"
for j in 0 -1 abc 1025 2x; do
	run "$CUTOVER" check --jobs "$j" plan.yml
	expect_rc 2 "--jobs $j is refused"
done
expect_err "expected an integer from 1 to 1024" "--jobs names its range"

# Plans that cannot be read.
run "$CUTOVER" lint "$T/nope.yml"
expect_rc 2 "missing plan file"
expect_eq "$err" "$T/nope.yml: cannot open plan: No such file or directory" \
    "a missing plan is named"
run "$CUTOVER" check "$T"
expect_rc 2 "a directory as plan"
expect_eq "$err" "$T: is a directory, not a plan file" "a directory is refused"
printf 'cutover: 1\nname: x\n' >"$T/p.yml"
chmod 000 "$T/p.yml"
if [ "$(id -u)" -ne 0 ]; then
	run "$CUTOVER" lint "$T/p.yml"
	expect_rc 2 "unreadable plan"
fi
chmod 644 "$T/p.yml"

# --kinds lists every kind with a summary.
run "$CUTOVER" check --kinds
expect_rc 0 "check --kinds"
for k in command disk file http row-count sql tcp; do
	expect_out "^$k +[a-zA-Z]" "--kinds lists $k"
done
sorted=$(printf '%s\n' "$out" | awk '{print $1}' | LC_ALL=C sort)
expect_eq "$(printf '%s\n' "$out" | awk '{print $1}')" "$sorted" "--kinds is alphabetical"

# A selection that names nothing real is bad input.
cat >"$T/p.yml" <<'EOF'
cutover: 1
name: x
checks:
  - { id: disk-root, kind: disk, path: /, min_free: 1% }
phases:
  - { id: pre, checks: [disk-root] }
EOF
run "$CUTOVER" check "$T/p.yml" --only disk-rot
expect_rc 2 "--only with an unknown id"
expect_eq "$err" "cutover: $T/p.yml: no check 'disk-rot' (did you mean 'disk-root'?)" \
    "--only suggests the nearest id"
run "$CUTOVER" check "$T/p.yml" --phase post
expect_rc 2 "--phase with an unknown phase"
expect_err "no phase 'post'" "--phase names the unknown phase"
run "$CUTOVER" check "$T/p.yml" --phase pre -o "$T/nodir/out.txt"
expect_rc 2 "unwritable --output"
expect_err "cannot write '$T/nodir/out.txt'" "--output names the file"

run "$CUTOVER" check "$T/p.yml" --only ,
expect_rc 2 "--only with no ids"
expect_eq "$err" "cutover check: --only needs check ids, comma-separated (see 'cutover check --help')" \
    "an empty --only is refused, not read as 'nothing failed'"
cat >"$T/p2.yml" <<'EOF'
cutover: 1
name: x
checks:
  - { id: a, kind: disk, path: /, min_free: 1% }
  - { id: b, kind: disk, path: /, min_free: 1% }
phases:
  - { id: pre, checks: [a] }
EOF
run "$CUTOVER" check "$T/p2.yml" --phase pre --only b
expect_rc 2 "--only outside --phase"
expect_eq "$err" "cutover: $T/p2.yml: none of the --only checks is in phase 'pre'" \
    "an empty intersection of --phase and --only is refused"
run "$CUTOVER" check "$T/p2.yml" --phase pre --only a,b -f json
expect_rc 0 "--only within --phase"
expect_eq "$(printf '%s' "$out" | jq -r '[.results[].id] | join(",")')" a \
    "--only is narrowed to the phase"

# Options may come before or after the plan; -o writes the file.
run "$CUTOVER" check -f json -o "$T/out.json" "$T/p.yml"
expect_rc 0 "options before the plan"
expect_eq "$out" "" "-o leaves stdout empty"
jq -e '.results[0].id == "disk-root"' "$T/out.json" >/dev/null &&
	ok "-o wrote the JSON" || fail "-o did not write the JSON" "$(cat "$T/out.json")"

# -o replaces a file atomically: no temporary left behind, an interrupted
# run leaves the previous file whole, a symlink is refused (exit 2), never
# written through: root would overwrite whatever a planted link names.
run "$CUTOVER" check -f json -o "$T/out.json" "$T/p.yml"
expect_eq "$(ls "$T" | grep -c '^out\.json')" 1 "-o leaves no temporary file"
cp "$T/out.json" "$T/before.json"
cat >"$T/slow.yml" <<'EOF'
cutover: 1
name: slow
checks:
  - { id: slow, kind: command, run: [sleep, "30"] }
EOF
timeout --preserve-status -s TERM 1 "$CUTOVER" check -f json -o "$T/out.json" "$T/slow.yml"
expect_eq "$?" 143 "interrupted run exits 143"
cmp -s "$T/out.json" "$T/before.json" && ok "an interrupted run leaves the old file whole" ||
	fail "an interrupted run damaged the -o file"
expect_eq "$(ls "$T" | grep -c '^out\.json')" 1 "an interrupted run leaves no temporary file"
ln -s out.json "$T/link.json"
run "$CUTOVER" check -f tap -o "$T/link.json" "$T/p.yml"
expect_rc 2 "-o refuses a symlink"
expect_err "link.json': it is a symbolic link" "-o says why"
[ -L "$T/link.json" ] && cmp -s "$T/out.json" "$T/before.json" &&
	ok "-o leaves the symlink and its target alone" ||
	fail "-o wrote through or replaced the symlink"

# make install PREFIX=...: the binary and the man page, which renders
# without warnings.  (-o: install what is built, never rebuild here.)
run make -s -C "$ROOT" -o build/cutover install PREFIX="$T/prefix"
expect_rc 0 "make install PREFIX=..."
[ -x "$T/prefix/bin/cutover" ] && [ -f "$T/prefix/share/man/man1/cutover.1" ] &&
	ok "installs bin/cutover and share/man/man1/cutover.1" ||
	fail "install layout" "$(find "$T/prefix" 2>&1)"
run "$T/prefix/bin/cutover" --version
expect_rc 0 "the installed binary runs"
if command -v man >/dev/null; then
	run env LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$T/prefix/share/man/man1/cutover.1"
	[ "$rc" -eq 0 ] && [ -z "$err" ] && printf '%s\n' "$out" | grep -q '^NAME' &&
		ok "the man page renders without warnings" || fail "man page" "$err"
fi

# A full disk under stdout is an error (exit 2), not a silent success.
run sh -c "'$CUTOVER' lint '$T/p.yml' >/dev/full"
expect_rc 2 "lint >/dev/full"
expect_err "error writing output" "a failed write is reported"
run "$CUTOVER" check -f json -o /dev/full "$T/p.yml"
expect_rc 2 "check -o /dev/full"
expect_err "cannot write '/dev/full'" "a failed -o write is reported"

done_testing
