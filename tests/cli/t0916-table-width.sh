#!/bin/bash
# t0916-table-width.sh - check's text table fits the terminal (COLUMNS, or
# the terminal's own width through script(1)'s pseudo-terminal): the
# message column is cut with "...", never the status; -v and a pipe keep
# it whole.  And counts read right in the singular: "1 file", "1 key".
. "$(dirname "$0")/lib.sh"
cd "$T"
unset COLUMNS
cat >plan.yml <<'YML'
cutover: 1
name: tw
checks:
  - { id: long, kind: command, shell: "exit 3", expect_exit: 0 }
  - { id: here, kind: file, path: plan.yml }
YML
maxw() { LC_ALL=C.UTF-8 awk '{ if (length($0) > m) m = length($0) } END { print m }'; }

run env COLUMNS=78 "$CUTOVER" check plan.yml
expect_rc 1 "check fails (long)"
expect_eq "$(printf '%s\n' "$out" | grep -E '^(pass|fail)' | maxw)" 78 "COLUMNS=78: rows cut to 78"
expect_out "^fail +long .*\.\.\.$" "the message is cut with ..., the status stays"
run "$CUTOVER" check plan.yml
expect_out "^fail +long .*\[exit 0\]$" "a pipe: the message whole"
run env COLUMNS=78 "$CUTOVER" check -v plan.yml
expect_out "^fail +long .*\[exit 0\]$" "-v: the message whole"

if command -v script >/dev/null; then
	script -qec "stty cols 75; '$CUTOVER' check --color=never plan.yml" /dev/null >tty.out 2>&1
	expect_eq "$(tr -d '\r' <tty.out | grep -E '^(pass|fail)' | maxw)" 75 \
	    "a 75-column terminal: rows cut to 75"
else
	echo "skipped: no script(1) for the terminal case"
fi

mkdir d && echo a >d/a
run "$CUTOVER" manifest create d -o m.sha256
expect_out "^m\.sha256: 1 file, 1 ok" "manifest: 1 file"
printf 'ONLY=1\n' >one.env && chmod 600 one.env
run "$CUTOVER" env check one.env
expect_out "^one\.env: 1 key, 0 failed, 0 warnings" "env check: 1 key"
done_testing
