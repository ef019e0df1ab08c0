#!/bin/bash
# t0932-bulk-timeouts.sh - a data-diff or manifest check that hits its
# timeout says how far it got, of how much; their default timeout suits
# bulk work (10 minutes), not a probe's 10 s.
. "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 is missing"; exit 0; }
cd "$T" || exit 1

# Sizes no machine gets through within the timeouts below (3M rows in
# 100 ms, 12 GiB in 300 ms): on a quiet machine 300,000 rows did.
# Made by sqlite3 itself: the rows python3's executemany made (the same
# .dump) took 4.9 s, this 1.8 s.
sqlite3 a.db "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < 2999999)
INSERT INTO t SELECT i, 'value-' || i FROM g;" ||
	{ fail "making a.db"; done_testing; exit 1; }
cp a.db b.db
mkdir bk
truncate -s 12G bk/big.tar
"$CUTOVER" manifest create bk -o bk.sha256 -q --no-content -a xxh128 >/dev/null 2>&1 ||
	{ fail "manifest create"; done_testing; exit 1; }
# The manifest lists a file the size of the new one: it is hashed again.
truncate -s 12G bk/big.tar

cat >plan.yml <<'P'
cutover: 1
name: bulk
targets:
  a: sqlite:a.db
  b: sqlite:b.db
checks:
  - id: rows
    kind: data-diff
    source: a
    target: b
    mode: stream
    timeout: 100ms
  - id: backup
    kind: manifest
    file: bk.sha256
    content: false
    timeout: 300ms
  - id: rows-default
    kind: data-diff
    source: a
    target: b
    tables: [t]
P
run "$CUTOVER" check plan.yml --only rows,backup -f json
expect_rc 1 "checks past their timeout fail"
msg=$(printf '%s' "$out" | jq -r '.results[] | select(.id == "rows") | .message')
printf '%s\n' "$msg" | grep -Eq '^timed out after 100\.0ms \([0-9]+ of 3000000 rows compared\)$' &&
	ok "data-diff: rows compared of how many" || fail "data-diff timeout message" "$msg"
msg=$(printf '%s' "$out" | jq -r '.results[] | select(.id == "backup") | .message')
printf '%s\n' "$msg" | grep -Eq '^hashing timed out after 300\.0ms \([0-9.]+ [KMG]?i?B of 12\.0 GiB read; 0 of 1 files hashed\)$' &&
	ok "manifest: bytes read of how many, files hashed" || fail "manifest timeout message" "$msg"

# Without 'timeout', the bulk kinds get ten minutes: 3000000 rows pass.
run "$CUTOVER" check plan.yml --only rows-default -f json
expect_rc 0 "data-diff without a timeout key finishes"
expect_eq "$(printf '%s' "$out" | jq -r '.results[0].status')" pass "and passes"

done_testing
