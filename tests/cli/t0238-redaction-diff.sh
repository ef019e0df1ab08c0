#!/bin/bash
# t0238-redaction-diff.sh - a registered secret that JSON escapes (it holds
# '"' and '\') inside a differing row: the key and the values of the diff
# are built as JSON, so the secret must be masked as the row holds it,
# not only as JSON spells it.  Checked in `cutover diff -f json/jsonl/text`
# (it knows only the URLs' passwords, so the secret
# reaches it as a URL's password), the data-diff check of a run (the
# plan's secrets:), its journal, and the report.
. "$(dirname "$0")/lib.sh"
cd "$T"
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3"; exit 0; }
export DIFF_SECRET='Se"cr\et-Diff-7272'
# The spellings a leak could take: raw, JSON-escaped, and the distinctive
# tail (a cut secret) in both.
SECRETS=('Se"cr\et-Diff-7272' 'Se\"cr\\et-Diff-7272' 'et-Diff-7272')

no_secrets() {
	local s leaked=""
	for s in "${SECRETS[@]}"; do
		grep -qaF -- "$s" "$1" && leaked="$leaked [$s]"
	done
	if [ -z "$leaked" ]; then ok "$2: no secret"; else
		fail "$2: leaks$leaked" "$(grep -aF -e 'Diff-7272' "$1" | head -5)"
	fi
}

# The secret is in the key of a missing row, in the key of an extra row
# and in the value of a changed row (quoted for SQL: ' stays as is).
sqlite3 src.db "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);
INSERT INTO t VALUES ('a', 'x'), ('key-$DIFF_SECRET', 'gone'),
                     ('c', 'old $DIFF_SECRET here');"
sqlite3 dst.db "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);
INSERT INTO t VALUES ('a', 'x'), ('extra $DIFF_SECRET', 'new'),
                     ('c', 'plain');"
[ "$(sqlite3 src.db "SELECT count(*) FROM t WHERE k LIKE '%et-Diff-7272'")" = 1 ] ||
	{ fail "the fixture holds the secret"; done_testing; }

# 1. A data-diff check in a run: the secret is the plan's.
cat >plan.yml <<EOF
cutover: 1
name: leakdiff
secrets: [DIFF_SECRET]
targets:
  src: sqlite://$T/src.db
  dst: sqlite://$T/dst.db
checks:
  - { id: same, kind: data-diff, source: src, target: dst }
phases:
  - id: p
    steps:
      - { id: s, title: A step, run: [true] }
    gate: [same]
EOF
for f in text json; do
	"$CUTOVER" check plan.yml -f $f >"check.$f" 2>&1
	no_secrets "check.$f" "check -f $f of a data-diff"
done
grep -qF 'missing' check.text && ok "the check names the differing rows" ||
	fail "check detail" "$(cat check.text)"
"$CUTOVER" run plan.yml --yes >run.out 2>&1
expect_eq "$?" 1 "the gate stops the run on the difference"
no_secrets run.out "run output"
sqlite3 .cutover/leakdiff.db .dump >journal.sql
[ -s journal.sql ] && ok "the journal was read" || fail "journal dump"
grep -qF '***' journal.sql && ok "the journal holds the mask" ||
	fail "journal mask" "$(grep -a same journal.sql | head -5)"
no_secrets journal.sql "journal"
for f in md html json; do
	"$CUTOVER" report plan.yml --format $f >"report.$f" 2>&1
	no_secrets "report.$f" "report -f $f"
done

# 2. cutover diff: it has no plan; the secrets it knows are the URLs'
#    passwords.  The source URL's password= is the secret (a SQLite URL
#    takes one and connects without it), so every spelling of it in the
#    rows' keys and values is masked, JSON-escaped or not.
SRC="sqlite:src.db?password=Se%22cr%5Cet-Diff-7272"
for f in text json jsonl; do
	"$CUTOVER" diff "$SRC" sqlite:dst.db -t t --show-values -f $f \
	    >"diff.$f" 2>&1
	no_secrets "diff.$f" "diff --show-values -f $f"
	n=$(grep -aoF '***' "diff.$f" | wc -l)
	[ "$n" -ge 3 ] && ok "diff -f $f masks the keys and the value ($n masks)" ||
		fail "diff -f $f masks" "$(cat "diff.$f")"
done
# The JSON stays valid around the masks.
python3 -c 'import json,sys; json.load(open("diff.json"))' &&
	ok "diff -f json parses" || fail "diff -f json parses" "$(cat diff.json)"

done_testing
