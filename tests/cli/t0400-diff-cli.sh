#!/bin/bash
# t0400: cutover diff's command line on SQLite: arguments, exit statuses,
# output formats, the options that select and shape the comparison, and
# the data-diff check kind.
. "$(dirname "$0")/lib.sh"

A="$T/a.db" B="$T/b.db"
sqlite3 "$A" "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT,
    password TEXT, score REAL, note TEXT);
  INSERT INTO users VALUES (1, 'a@x', 'hunter22', 1.5, 'n1'),
    (2, 'b@x', 'pw2pw2pw', 2.25, NULL), (3, 'c@x', 'pw3pw3pw', 0.1, 'n3');
  CREATE TABLE tags (name TEXT, n INTEGER);
  INSERT INTO tags VALUES ('red', 1), ('blue', 2);"
cp "$A" "$B"

run "$CUTOVER" diff --help
expect_rc 0 "--help"
expect_out "^usage: cutover diff" "--help prints the usage"
expect_out "--float-tolerance" "--help lists every option"

run "$CUTOVER" diff "sqlite:$A" "sqlite:$B"
expect_rc 0 "identical databases"
expect_out "^users: src 3 rows, dst 3 rows: identical \(checksum, key id\)" "per-table line"
expect_out "^tags: src 2 rows, dst 2 rows: identical \(stream, no key" "keyless table compared as a multiset"
expect_out "^2 tables: 2 identical, 0 differ, 0 errors" "summary line"

# Bad input: exit 2 with one line naming the problem.
for args in "" "sqlite:$A" "sqlite:$A sqlite:$B sqlite:$B"; do
	run "$CUTOVER" diff $args
	expect_rc 2 "argument count '$args'"
done
run "$CUTOVER" diff "foo://x" "sqlite:$B"
expect_rc 2 "unknown scheme"
expect_err "SRC_URL: bad URL 'foo://x'" "names the URL"
run "$CUTOVER" diff "sqlite:$A" "redis://127.0.0.1:1/0"
expect_rc 2 "not a database URL"
expect_err "DST_URL: 'redis://127.0.0.1:1/0' is not a database URL" "names the URL"
run "$CUTOVER" diff --mode fast "sqlite:$A" "sqlite:$B"
expect_rc 2 "bad --mode"
expect_err "'fast' is not auto, checksum or stream" "--mode error names the value"
run "$CUTOVER" diff --format xml "sqlite:$A" "sqlite:$B"
expect_rc 2 "bad --format"
run "$CUTOVER" diff --jobs 0 "sqlite:$A" "sqlite:$B"
expect_rc 2 "bad --jobs"
run "$CUTOVER" diff --float-tolerance abc "sqlite:$A" "sqlite:$B"
expect_rc 2 "bad --float-tolerance"
run "$CUTOVER" diff --max-diffs -1 "sqlite:$A" "sqlite:$B"
expect_rc 2 "bad --max-diffs"
run "$CUTOVER" diff --tabel users "sqlite:$A" "sqlite:$B"
expect_rc 2 "misspelt option"
expect_err "did you mean '--table'" "suggests --table"
run "$CUTOVER" diff "sqlite:$T/nope.db" "sqlite:$B"
expect_rc 2 "missing SQLite file"
expect_err "open sqlite .*nope.db" "names the file"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && ok "one line" || fail "one line" "$err"
run "$CUTOVER" diff --table nosuch "sqlite:$A" "sqlite:$B"
expect_rc 2 "unknown --table"
expect_err "no table 'nosuch' on either side" "names the table"
run "$CUTOVER" diff "postgres://u:s3cr3tpw@127.0.0.1:1/db" "sqlite:$B"
expect_rc 2 "connection refused"
expect_no "s3cr3tpw" "password never printed"

# Differences: exit 1, keys and columns named; values only on request.
sqlite3 "$B" "UPDATE users SET email = 'B@x', password = 'changed1'
    WHERE id = 2; UPDATE users SET score = 0.30000000000000004 WHERE id = 3;
  DELETE FROM tags WHERE name = 'red'; INSERT INTO tags VALUES ('red', 1),
    ('red', 1);"
run "$CUTOVER" diff "sqlite:$A" "sqlite:$B"
expect_rc 1 "differences"
expect_out "^users: src 3 rows, dst 3 rows: 0 missing in target, 0 extra in target, 2 changed" "users counts"
expect_out "^  changed  id=2: email, password$" "changed columns named"
expect_out "^  changed  id=3: score$" "float change named"
expect_out "^tags: src 2 rows, dst 3 rows: 0 missing in target, 1 extra in target" "duplicate in a keyless table"
expect_no "B@x" "values hidden by default"
run "$CUTOVER" diff --show-values "sqlite:$A" "sqlite:$B" --table users
expect_out "email: b@x -> B@x; password: \*\*\* -> \*\*\*" "--show-values, secrets masked"
expect_no "changed1" "a password column's value never shown"
expect_no "pw2pw2pw" "the old password neither"
run "$CUTOVER" diff --exclude-columns password,email "sqlite:$A" "sqlite:$B" --table users
expect_out "^  changed  id=3: score$" "--exclude-columns"
expect_no "id=2" "excluded columns do not count"
run "$CUTOVER" diff --columns email "sqlite:$A" "sqlite:$B" --table users
expect_out "1 changed" "--columns compares only those"
run "$CUTOVER" diff --float-tolerance 1e-9 --columns score "sqlite:$A" "sqlite:$B" --table users
expect_rc 1 "a tolerance does not hide a real change"
sqlite3 "$B" "UPDATE users SET score = 0.1000000000000001 WHERE id = 3"
run "$CUTOVER" diff --columns score "sqlite:$A" "sqlite:$B" --table users
expect_rc 1 "a change in the 16th digit is found"
run "$CUTOVER" diff --float-tolerance 1e-12 --columns score "sqlite:$A" "sqlite:$B" --table users
expect_rc 0 "--float-tolerance accepts it"
run "$CUTOVER" diff --where "id <> 2" "sqlite:$A" "sqlite:$B" --table users --columns email
expect_rc 0 "--where skips the changed row"
run "$CUTOVER" diff --exclude-table users,tags "sqlite:$A" "sqlite:$B"
expect_rc 0 "--exclude-table"
expect_out "^0 tables" "nothing left to compare"
run "$CUTOVER" diff --key name "sqlite:$A" "sqlite:$B" --table tags
expect_rc 2 "--key that is not unique on a side"
expect_out "duplicate key" "says the key is not unique"
run "$CUTOVER" diff --max-diffs 1 "sqlite:$A" "sqlite:$B" --table users
expect_out "and 1 more" "--max-diffs lists fewer, counts all"
run "$CUTOVER" diff --jobs 4 "sqlite:$A" "sqlite:$B"
expect_rc 1 "--jobs 4"
expect_out "^2 tables: 0 identical, 2 differ" "--jobs gives the same answer"
# Progress: by default a live line on a terminal, on other stderr a line
# every 5 s only (none for a short diff); --progress forces lines without
# a terminal; --quiet turns it off.
run "$CUTOVER" diff "sqlite:$A" "sqlite:$B"
expect_eq "$err" "" "a short diff prints no progress when stderr is not a terminal"
run "$CUTOVER" diff --progress "sqlite:$A" "sqlite:$B"
expect_err "^diff: [0-9]+ rows, [0-9]+ rows/s, [0-9]+s$" "--progress without a terminal: a last line"
# script(1) gives the command a terminal.
out=$(script -qec "$CUTOVER diff sqlite:$A sqlite:$B" /dev/null | tr '\r' '\n')
expect_out "diff: [0-9]+ rows, [0-9]+ rows/s" "on a terminal by default: rows and rate (t0450: the live line)"
out=$(script -qec "$CUTOVER diff --quiet sqlite:$A sqlite:$B" /dev/null | tr '\r' '\n')
if printf '%s\n' "$out" | grep -q '^diff:'; then
	fail "--quiet on a terminal: no progress" "$out"
else ok "--quiet on a terminal: no progress"; fi
expect_out "^2 tables: 0 identical, 2 differ" "--quiet keeps the result"
out=$(script -qec "$CUTOVER diff -q -f json sqlite:$A sqlite:$B" /dev/null)
expect_eq "$(printf '%s' "$out" | tr -d '\r' | jq -r '.identical')" false "JSON on a terminal with --quiet: JSON only"
run "$CUTOVER" diff --quiet --progress "sqlite:$A" "sqlite:$B"
expect_rc 2 "--quiet with --progress"
expect_err "contradict" "says why"

# JSON and JSON lines.
run "$CUTOVER" diff -f json "sqlite:$A" "sqlite:$B"
expect_rc 1 "json exit status"
expect_eq "$(printf '%s' "$out" | jq -r '.tables[] | select(.table=="users") | .changed')" 2 "json counts"
expect_eq "$(printf '%s' "$out" | jq -r '.tables[1].diffs[0].key.id')" 2 "json keys"
expect_eq "$(printf '%s' "$out" | jq -r '.identical')" false "json verdict"
run "$CUTOVER" diff -f jsonl "sqlite:$A" "sqlite:$B"
expect_eq "$(printf '%s\n' "$out" | jq -r 'select(.type=="changed") | .key.id' | tr '\n' ' ')" "2 3 " "jsonl: one object per difference"
expect_eq "$(printf '%s\n' "$out" | jq -r 'select(.type=="table") | .table' | tr '\n' ' ')" "tags users " "jsonl: then one per table"
run "$CUTOVER" diff -o "$T/out.json" -f json "sqlite:$A" "sqlite:$B"
expect_eq "$(jq -r .identical "$T/out.json")" false "-o writes the file"

# The data-diff check kind.
cat >"$T/plan.yml" <<EOF
cutover: 1
name: t0400
targets:
  a: sqlite:$A
  b: sqlite:$B
checks:
  - id: same
    kind: data-diff
    source: a
    target: a
  - id: rows
    kind: data-diff
    source: a
    target: b
    tables: [users]
    where: "id > 0"
    mode: stream
    max_diffs: 5
EOF
run "$CUTOVER" check "$T/plan.yml"
expect_rc 1 "check: a differing table fails the plan"
expect_out "^pass +same +data-diff" "check: identical passes"
expect_out "^fail +rows +data-diff .*1 table: 0 identical, 1 differ, 0 errors: users \(0 missing, 0 extra, 2 changed\)" "check: lists the table and its counts"
expect_out "changed  id=2: email, password" "check: the keys in the detail"
run "$CUTOVER" check "$T/plan.yml" --only same
expect_rc 0 "check: identical only"
sed -i 's/mode: stream/mode: quick/' "$T/plan.yml"
run "$CUTOVER" lint "$T/plan.yml"
expect_rc 2 "lint: bad mode"
expect_err "plan.yml:[0-9]+:[0-9]+: 'mode': 'quick' is not auto, checksum or stream" "lint: names the line"

done_testing
