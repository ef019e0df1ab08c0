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
done_testing
