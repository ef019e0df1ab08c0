#!/bin/bash
# t0774-log: kind `log` on real files and commands: "no ERROR" passes on a
# clean log and fails, naming the line, once an ERROR line is appended;
# "connection: open" must appear; a file rotated (renamed, written to,
# recreated) between plan load and the check is followed with
# `since: start`, lines before the start not counted; the last N lines;
# a command's output, and a failing or missing command never judged; a
# bad pattern, a missing file and a timeout fail naming the cause.
# (Container logs: t0771; repeated runs in one process: unit test
# hostkinds.)
. "$(dirname "$0")/lib.sh"

L=$T/app.log
printf '%s\n' "01:00 INFO boot" "01:01 INFO connection: open" "01:02 WARN slow" >"$L"
printf '%s\n' "01:00 INFO old" >"$T/old.log"
cat >"$T/plan.yml" <<YML
cutover: 1
name: t0774
checks:
  - { id: no-error, kind: log, path: $L, pattern: '\bERROR\b', max: 0 }
  - { id: open, kind: log, path: $L, pattern: 'connection: open', min: 1 }
  - { id: closed, kind: log, path: $L, pattern: 'connection: closed', min: 1 }
  - { id: warn-last, kind: log, path: $L, pattern: WARN, max: 0, last: 1 }
  - { id: cmd, kind: log, command: "cat $L; echo '01:09 ERROR from the command'", pattern: ERROR, max: 0 }
  - { id: cmd-argv, kind: log, command: [cat, $L], pattern: 'connection: open', min: 1 }
  - { id: cmd-missing, kind: log, command: "pm2-not-installed logs --nostream", pattern: ERROR, max: 0 }
  - { id: cmd-fails, kind: log, command: "echo 'no such app' >&2; exit 3", pattern: ERROR, max: 0 }
  - { id: absent, kind: log, path: $T/none.log, pattern: ERROR, max: 0 }
  - { id: dir, kind: log, path: $T, pattern: ERROR, max: 0 }
YML
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (some are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.observed) | \(.message)"'; }
want() {
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want no-error "pass 0 matching lines | $L: 0 lines match /\\\\bERROR\\\\b/" "a clean log"
want open "pass 1 matching line | *" "a line that must appear"
want closed "fail 0 matching lines | $L: 0 lines match /connection: closed/, at least 1 expected" "a line that does not appear"
want warn-last "fail 1 matching line | *first: 01:02 WARN slow" "last: 1"
want cmd "fail 1 matching line | command output: 1 line match /ERROR/, at most 0 allowed; first: 01:09 ERROR from the command" "a command's output"
want cmd-argv "pass 1 matching line | *" "a command as argv"
want cmd-missing "fail error | the command exited with status 127: output not judged: *not found" "a missing tool is never a pass"
want cmd-fails "fail error | the command exited with status 3: output not judged: no such app" "a failing command is not judged"
want absent "fail error | log file $T/none.log does not exist" "missing file"
want dir "fail error | $T is not a regular file" "a directory"

# An ERROR line appended: the same check now fails and names it.
echo "01:03 ERROR database is down" >>"$L"
run "$CUTOVER" check "$T/plan.yml" --only no-error --format json
want no-error "fail 1 matching line | $L: 1 line match /*/, at most 0 allowed; first: 01:03 ERROR database is down" "ERROR appended"

# Rotation during the run: the plan is loaded (the file's end noted and
# held), then a check rotates it the way logrotate does and the old
# writer appends one more line before it reopens; the log check, run
# after, reads the rest of the old file and all of the new one.
cat >"$T/rot.yml" <<YML
cutover: 1
name: t0774-rot
checks:
  - { id: rotate, kind: command, shell: "mv $L $L.1 && echo '01:10 ERROR in the old file' >>$L.1 && echo '01:11 INFO reopened' >$L && echo '01:12 ERROR in the new file' >>$L" }
  - { id: since-start, kind: log, path: $L, pattern: ERROR, max: 1, since: start, needs: [rotate] }
  - { id: whole, kind: log, path: $L, pattern: ERROR, max: 0, needs: [rotate] }
YML
run "$CUTOVER" check "$T/rot.yml" --format json
want since-start "fail 2 matching lines | $L: 2 lines match /ERROR/, at most 1 allowed; first: 01:10 ERROR in the old file; rotated, followed" "rotated during the run: old and new files read, older lines not"
want whole "fail 1 matching line | *first: 01:12 ERROR in the new file" "without since: the current file"

# The timeout holds on a file too big to read in time (sparse: no disk).
truncate -s 20G "$T/huge.log"
cat >"$T/big.yml" <<YML
cutover: 1
name: t0774-big
checks:
  - { id: huge, kind: log, path: $T/huge.log, pattern: ERROR, max: 0, timeout: 300ms }
YML
run "$CUTOVER" check "$T/big.yml" --format json
want huge "fail error | log file $T/huge.log: not read to its end within the timeout*" "timeout on a huge file"
dur=$(printf '%s\n' "$out" | jq -r '.results[0].duration_ms')
[ "${dur%.*}" -lt 2000 ] && ok "ended at its timeout (${dur}ms)" || fail "took ${dur}ms"
done_testing
