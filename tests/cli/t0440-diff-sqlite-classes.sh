#!/bin/bash
# t0440: SQLite's storage classes against PostgreSQL and MariaDB, both
# directions.  A value stored in a class its column does not naturally
# hold (BLOB x'32' in an INTEGER column, TEXT '3' or REAL 4.0 in a column
# without a type compared with an integer, BLOB x'65' in a TEXT column)
# prints like the other side's value but is not the same value to SQLite:
# each is a difference, and the natural ones are not.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"

P="postgres://postgres@127.0.0.1:$PG_PORT/t0440"
M="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0440"
cleanup() {
	pg_sql "DROP DATABASE IF EXISTS t0440" >/dev/null 2>&1
	my_sql "DROP DATABASE IF EXISTS t0440" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cleanup
mkdir -p "$T"
pg_sql "CREATE DATABASE t0440" >/dev/null
ROWS="(1, 1, 1, 'a', 1.5, '2024-01-01'), (2, 2, 2, 'b', 2.5, '2024-01-02'),
  (3, 3, 3, 'c', 3.5, '2024-01-03'), (4, 4, 4, 'd', 4.5, '2024-01-04'),
  (5, 5, 5, 'e', 5.5, '2024-01-05')"
pg_sql "CREATE TABLE s (id int PRIMARY KEY, n int, u int, t text, r double precision, d date);
  INSERT INTO s VALUES $ROWS" t0440 >/dev/null
my_sql "CREATE DATABASE t0440; CREATE TABLE t0440.s (id int PRIMARY KEY, n int, u int,
  t text, r double, d date); INSERT INTO t0440.s VALUES $ROWS"
sqlite3 "$T/s.db" "CREATE TABLE s (id INTEGER PRIMARY KEY, n INTEGER, u, t TEXT, r REAL, d DATE);
  INSERT INTO s VALUES (1, 1, 1, 'a', 1.5, '2024-01-01'), (2, x'32', 2, 'b', 2.5, '2024-01-02'),
  (3, 3, '3', 'c', 3.5, '2024-01-03'), (4, 4, 4.0, 'd', 4.5, '2024-01-04'),
  (5, 5, 5, x'65', 5.5, '2024-01-05')"
L="sqlite://$T/s.db"

want="s: src 5 rows, dst 5 rows: 0 missing in target, 0 extra in target, 4 changed (stream, key id)
  changed  id=2: n
  changed  id=3: u
  changed  id=4: u
  changed  id=5: t
1 table: 0 identical, 1 differ, 0 errors: s (0 missing, 0 extra, 4 changed)"
for pair in "$L $P" "$P $L" "$L $M" "$M $L"; do
	# shellcheck disable=SC2086
	run "$CUTOVER" diff $pair
	expect_rc 1 "${pair%% *} -> ${pair##* }: odd storage classes differ"
	expect_eq "$(printf '%s\n' "$out" | sed 's/ ([0-9.]*[mu]*s)$//')" "$want" \
		"${pair%% *} -> ${pair##* }: each odd value named, nothing else"
done
run "$CUTOVER" diff "$L" "$P" --show-values --table s
expect_out "n: 2 \(blob\) -> 2$" "the value shows its storage class"
expect_out "u: 3 \(text\) -> 3$" "text in a column without a type"
expect_out "u: 4 \(real\) -> 4$" "real in a column without a type"

# Natural classes only: identical.
sqlite3 "$T/ok.db" "CREATE TABLE s (id INTEGER PRIMARY KEY, n INTEGER, u, t TEXT, r REAL, d DATE);
  INSERT INTO s VALUES $ROWS"
run "$CUTOVER" diff "sqlite://$T/ok.db" "$P"
expect_rc 0 "sqlite -> pg: natural classes are identical"
run "$CUTOVER" diff "$M" "sqlite://$T/ok.db"
expect_rc 0 "mariadb -> sqlite: natural classes are identical"
# --- keys holding several storage classes ----------------------------------
# SQLite's ORDER BY puts numbers (integers and reals by value), then text,
# then blobs; the merge once ordered by encoding (10 before 9 in a column
# without a type, 3 before 2.5 in an INTEGER one) and stopped with "out
# of byte order" on such keys, in stream mode and in checksum mode's
# differing buckets.
for f in k1 k2; do
	sqlite3 "$T/$f.db" "CREATE TABLE w (id PRIMARY KEY, v text);
	  INSERT INTO w VALUES (9, 'a'), (10, 'b'), (100, 'c'), (2.5, 'd'), ('10', 'e'),
	    ('a', 'f'), (x'01', 'g'), (x'39', 'h'), (-3, 'i'), (1e300, 'j'),
	    (9223372036854775807, 'k'), (9223372036854775806.0, 'l');
	  CREATE TABLE u (id INTEGER NOT NULL UNIQUE, v text);
	  INSERT INTO u VALUES (1, 'a'), (2, 'b'), (2.5, 'c'), ('x', 'd'), (3, 'e'), (x'00', 'f'), (-1.5, 'g');
	  CREATE TABLE tx (id TEXT PRIMARY KEY, v text);
	  INSERT INTO tx VALUES ('b', 'a'), (x'01', 'b'), ('a', 'c'), (x'ff', 'd');
	  CREATE TABLE k (id PRIMARY KEY, v int);
	  WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 30)
	  INSERT INTO k SELECT x, x FROM g" || fail "$f: load"
done
for t in w u tx; do
	run "$CUTOVER" diff --mode stream -t $t "sqlite://$T/k1.db" "sqlite://$T/k2.db"
	expect_rc 0 "$t: keys of several classes, identical (stream)"
done
sqlite3 "$T/k2.db" "UPDATE w SET v = 'z' WHERE id IN (100, '10', x'01', 1e300);
  DELETE FROM w WHERE id = 2.5; INSERT INTO w VALUES ('9', 'new');
  UPDATE u SET v = 'z' WHERE id IN (2.5, 3, x'00'); DELETE FROM u WHERE id = 'x';
  UPDATE tx SET v = 'z' WHERE id = x'ff'; INSERT INTO tx VALUES (x'00', 'n')"
for m in stream checksum; do
	run "$CUTOVER" diff --mode $m -t w "sqlite://$T/k1.db" "sqlite://$T/k2.db"
	expect_rc 1 "w ($m): a column without a type, keys of every class"
	expect_eq "$(printf '%s\n' "$out" | grep '^  ' | sort)" "$(printf '%s\n' \
	    '  changed  id=100 (integer): v' '  changed  id=10 (text): v' \
	    '  changed  id=1e+300 (real): v' '  changed  id=\x01: v' \
	    '  extra    id=9 (text)' '  missing  id=2.5 (real)' | sort)" \
	    "w ($m): each difference named, in SQLite's order of classes"
	run "$CUTOVER" diff --mode $m -t u "sqlite://$T/k1.db" "sqlite://$T/k2.db"
	expect_rc 1 "u ($m): reals, text and a blob in an INTEGER key"
	expect_eq "$(printf '%s\n' "$out" | grep '^  ')" '  changed  id=2.5: v
  changed  id=3: v
  missing  id=x
  changed  id=\x00 (blob): v' "u ($m): named in key order, a blob as hex"
	run "$CUTOVER" diff --mode $m -t tx "sqlite://$T/k1.db" "sqlite://$T/k2.db"
	expect_rc 1 "tx ($m): blobs in a TEXT key"
	expect_eq "$(printf '%s\n' "$out" | grep '^  ')" '  extra    id=\x00 (blob)
  changed  id=\xff (blob): v' "tx ($m): blobs after text, shown as hex with their class"
done
# Integers in a column without a type against PostgreSQL's integer key:
# 1..30 by value on both sides (as bytes, 10 would come before 9).
pg_sql "CREATE TABLE k (id int PRIMARY KEY, v int);
  INSERT INTO k SELECT g, g FROM generate_series(1, 30) g" t0440 >/dev/null
for pair in "sqlite://$T/k1.db $P" "$P sqlite://$T/k1.db"; do
	# shellcheck disable=SC2086
	run "$CUTOVER" diff --mode stream -t k $pair
	expect_rc 0 "${pair%% *} -> ${pair##* }: integer keys without a type, in order"
done
pg_sql "UPDATE k SET v = 0 WHERE id IN (9, 10, 30)" t0440 >/dev/null
run "$CUTOVER" diff --mode stream -t k "sqlite://$T/k1.db" "$P"
expect_rc 1 "sqlite -> pg: changed rows under integer keys without a type"
expect_eq "$(printf '%s\n' "$out" | grep -c '^  changed')" 3 "sqlite -> pg: the 3 changed rows named"
done_testing
