#!/bin/bash
# t0671-file-content.sh - kind `file`'s content and shape: contains,
# matches/not_matches per line (the line number, never the line, in the
# message), count of directory entries with a glob, size ranges (a file,
# or a directory's total), max_age, owner/group, exact and "at most"
# modes; a 200 MB file streamed within a small memory bound; a FIFO
# refused without hanging.
. "$(dirname "$0")/lib.sh"
cd "$T"

printf 'Port 22\nPasswordAuthentication no\nrequirepass s3cr3t-value\r\n' > sshd_config
chmod 640 sshd_config
mkdir sessions
for i in $(seq 170); do echo '{}' > "sessions/creds-$i.json"; done
touch sessions/.hidden.json sessions/readme.txt
head -c 12000000 /dev/zero > backup.tar.gz
touch -d '3 hours ago' old.log
mkfifo fifo
# A big file whose only match is on its last line.
python3 -c "
import sys
f = open('big.log', 'wb')
line = b'x' * 99 + b'\n'
for _ in range(2000000): f.write(line)
f.write(b'FATAL the end\n')
"
me=$(id -un); grp=$(id -gn)

cat > plan.yml <<E2
cutover: 1
name: t0671
checks:
  - { id: ssh-hardened, kind: file, path: sshd_config, matches: "^PasswordAuthentication no\$", not_matches: "^PermitRootLogin yes", mode: "0640", owner: "$me", group: "$grp" }
  - { id: redis-pass, kind: file, path: sshd_config, contains: requirepass }
  - { id: missing-text, kind: file, path: sshd_config, contains: [Port, AllowUsers] }
  - { id: no-match, kind: file, path: sshd_config, matches: "^PermitRootLogin no" }
  - { id: forbidden, kind: file, path: sshd_config, not_matches: ["^requirepass "] }
  - { id: sessions, kind: file, path: sessions, count: "162..200", glob: "*.json" }
  - { id: sessions-all, kind: file, path: sessions, count: "..171" }
  - { id: backup-size, kind: file, path: backup.tar.gz, size: "10MB..50MB", max_age: 1h }
  - { id: backup-small, kind: file, path: backup.tar.gz, size: "20MB..50MB" }
  - { id: dir-size, kind: file, path: sessions, size: "1KB..", glob: "*.json" }
  - { id: stale, kind: file, path: old.log, max_age: 1h }
  - { id: owner, kind: file, path: sshd_config, owner: nobody }
  - { id: mode-exact, kind: file, path: sshd_config, mode: "0600" }
  - { id: mode-atmost, kind: file, path: sshd_config, mode: "<= 0644" }
  - { id: not-dir, kind: file, path: sshd_config, count: 1 }
  - { id: fifo, kind: file, path: fifo, contains: x }
  - { id: big, kind: file, path: big.log, matches: "^FATAL", timeout: 30s }
  - { id: big-clean, kind: file, path: big.log, not_matches: "^FATAL", timeout: 30s }
  - { id: gone, kind: file, path: nope.conf, contains: x }
E2
run "$CUTOVER" lint plan.yml
expect_rc 0 "the plan lints"
/usr/bin/time -f '%M' -o rss.txt "$CUTOVER" check plan.yml --format json > out.json 2>/dev/null
out=$(cat out.json)
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
expect_result() {
	local got; got=$(st "$1")
	if printf '%s\n' "$got" | grep -Eq -- "^$2"; then ok "$1: $got"; else fail "$1" "got: $got"; fi
}
expect_result ssh-hardened "pass 'sshd_config' exists, mode ok, ownership ok, content ok"
expect_result redis-pass "pass 'sshd_config' exists, content ok"
expect_result missing-text "fail 'sshd_config' does not contain 'AllowUsers'"
expect_result no-match "fail no line of 'sshd_config' matches /\^PermitRootLogin no/"
expect_result forbidden "fail 'sshd_config' line 3 matches /\^requirepass /, which it must not"
expect_result sessions "pass 'sessions' exists, 170 entries"
expect_result sessions-all "fail 'sessions' holds 172 entries, expected at most 171"
expect_result backup-size "pass 'backup.tar.gz' exists, size 11.4 MiB, recent"
expect_result backup-small "fail 'backup.tar.gz' is 11.4 MiB \(12000000 bytes\), expected 20MB..50MB"
expect_result dir-size "fail 'sessions' holds 510 B \(510 bytes\), expected at least 1KB"
expect_result stale "fail 'old.log' was last modified 3h.* ago, more than max_age 1h"
expect_result owner "fail 'sshd_config' is owned by $me, expected nobody"
expect_result mode-exact "fail 'sshd_config' has mode 0640, expected 0600"
expect_result mode-atmost "pass 'sshd_config' exists, mode ok"
expect_result not-dir "fail 'sshd_config' is not a directory; cannot count its entries"
expect_result fifo "fail 'fifo' is not a regular file; cannot read its content"
expect_result big "pass 'big.log' exists, content ok"
expect_result big-clean "fail 'big.log' line 2000001 matches /\^FATAL/"
expect_result gone "fail 'nope.conf' does not exist"
if printf '%s\n' "$out" | grep -Fq s3cr3t-value; then
	fail "a matched line's content reached the output"
else
	ok "lines are named by number, never printed"
fi
# 200 MB read twice: memory stays bounded (chunks, not the file).
rss=$(tail -n 1 rss.txt)
if [ "$rss" -lt 120000 ]; then ok "peak RSS ${rss} KiB for a 200 MB file"; else
	fail "peak RSS ${rss} KiB: the file was loaded whole?"; fi

# A read that cannot finish in time stops at the timeout and says so
# (20 GB of a sparse file: no disk used, more than a second to read).
truncate -s 20G sparse.bin
# A regex that gives up (catastrophic backtracking hits PCRE2's match
# limit) is an error, never a silent "no match".
python3 -c "print('x' * 40)" > backtrack.txt
cat > slow.yml <<'E2'
cutover: 1
name: slow
checks:
  - { id: slow, kind: file, path: sparse.bin, contains: needle, timeout: 1s }
  - { id: backtrack, kind: file, path: backtrack.txt, not_matches: "^(x+x+)+[yz]" }
E2
run "$CUTOVER" check slow.yml --format json
expect_rc 1 "a read past the timeout fails"
expect_result slow "fail reading 'sparse.bin' timed out after 1(.00)?s \\([0-9.]+ [KMG]iB read\\)"
expect_result backtrack "fail 'backtrack.txt' line 1: regex /\\^\\(x\\+x\\+\\)\\+\\[yz\\]/ gave up \\(.*limit"
done_testing
