#!/bin/bash
# t0420: cutover diff against real PostgreSQL and MariaDB: schema
# comparison (missing, extra, narrower and incompatible columns, keys),
# --where, and a connection killed mid-diff, which must be an error
# naming the table and the key reached, never "identical".
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"

PA="postgres://postgres@127.0.0.1:$PG_PORT/t0420_a"
PB="postgres://postgres@127.0.0.1:$PG_PORT/t0420_b"
MA="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0420_a"
MB="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0420_b"
pga() { pg_sql "$1" t0420_a >/dev/null; }
pgb() { pg_sql "$1" t0420_b >/dev/null; }
cleanup() {
	pg_sql "DROP DATABASE IF EXISTS t0420_a" >/dev/null 2>&1
	pg_sql "DROP DATABASE IF EXISTS t0420_b" >/dev/null 2>&1
	my_sql "DROP DATABASE IF EXISTS t0420_a; DROP DATABASE IF EXISTS t0420_b" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cleanup
# No table line may say "identical" (the summary counts "0 identical").
never_identical() {
	if printf '%s\n' "$out" | grep -Eq '^[a-z_0-9]+: .*identical'; then
		fail "$1" "$out"; else ok "$1"; fi
}
mkdir -p "$T"
pg_sql "CREATE DATABASE t0420_a" >/dev/null
pg_sql "CREATE DATABASE t0420_b" >/dev/null
my_sql "CREATE DATABASE t0420_a; CREATE DATABASE t0420_b"

# --- schema comparison ---------------------------------------------------
pga "CREATE TABLE s (id int PRIMARY KEY, a text, b timestamp(6),
  c double precision, gone int, k int);
  INSERT INTO s VALUES (1, 'x', '2024-01-01 10:00:00', 1.5, 1, 1)"
pgb "CREATE TABLE s (id int PRIMARY KEY, a varchar(50), b timestamp(0),
  c real, k int, added int);
  INSERT INTO s VALUES (1, 'x', '2024-01-01 10:00:00', 1.5, 1, 7)"
run "$CUTOVER" diff "$PA" "$PB" --table s
expect_rc 1 "schema differences are differences"
expect_out "^s: src 1 row, dst 1 row: rows identical, schema differs" "rows identical, schema not"
expect_out "schema   column a: text -> character varying\(50\) \(shorter\)" "text -> varchar(50)"
expect_out "schema   column b: timestamp\(6\) without time zone -> timestamp\(0\) without time zone \(lower fractional-second precision\)" "timestamp(6) -> timestamp(0)"
expect_out "schema   column c: double precision -> real \(single precision\)" "double -> float"
expect_out "schema   column gone: missing in target" "missing column"
expect_out "schema   column added: extra in target" "extra column"

pga "CREATE TABLE inc (id int PRIMARY KEY, v int); INSERT INTO inc VALUES (1, 1)"
pgb "CREATE TABLE inc (id int PRIMARY KEY, v bytea); INSERT INTO inc VALUES (1, '\\x01')"
run "$CUTOVER" diff "$PA" "$PB" --table inc
expect_rc 2 "incompatible column types are an error"
expect_out "^inc: error: column v: integer and bytea cannot be compared" "names the column and types"
never_identical "never identical"

pga "CREATE TABLE nokey (id int NOT NULL, v int); INSERT INTO nokey VALUES (1, 1)"
pgb "CREATE TABLE nokey (id int PRIMARY KEY, v int); INSERT INTO nokey VALUES (1, 1)"
run "$CUTOVER" diff "$PA" "$PB" --table nokey
expect_rc 1 "a key on one side only"
expect_out "schema   key: source has none" "names the missing key"
run "$CUTOVER" diff "$PA" "$PB" --table nokey --key v
expect_out "schema   key: source has none" "--key does not hide it"

pga "CREATE TABLE uq (code text NOT NULL UNIQUE, v int); INSERT INTO uq VALUES ('a', 1), ('b', 2)"
pgb "CREATE TABLE uq (code text NOT NULL UNIQUE, v int); INSERT INTO uq VALUES ('a', 1), ('b', 3)"
run "$CUTOVER" diff "$PA" "$PB" --table uq
expect_out "^  changed  code='b': v$" "a unique NOT NULL index is the key"

# --- --where, both engines -----------------------------------------------
pga "CREATE TABLE w (id bigint PRIMARY KEY, v text);
  INSERT INTO w SELECT g, 'v' || g FROM generate_series(1, 5000) g"
pgb "CREATE TABLE w (id bigint PRIMARY KEY, v text);
  INSERT INTO w SELECT g, 'v' || g FROM generate_series(1, 5000) g;
  UPDATE w SET v = 'changed' WHERE id = 4000"
for m in checksum stream; do
	run "$CUTOVER" diff "$PA" "$PB" --table w --mode $m
	expect_out "^  changed  id=4000: v$" "PostgreSQL $m: found"
	run "$CUTOVER" diff "$PA" "$PB" --table w --mode $m --where "id < 4000"
	expect_rc 0 "PostgreSQL $m: --where excludes it"
	expect_out "^w: src 3999 rows, dst 3999 rows: identical" "PostgreSQL $m: --where counts"
done
my_sql "CREATE TABLE w (id bigint PRIMARY KEY, v text);
  INSERT INTO w SELECT seq, CONCAT('v', seq) FROM seq_1_to_5000" t0420_a
my_sql "CREATE TABLE w (id bigint PRIMARY KEY, v text);
  INSERT INTO w SELECT seq, CONCAT('v', seq) FROM seq_1_to_5000;
  UPDATE w SET v = 'Changed' WHERE id = 4000" t0420_b
for m in checksum stream; do
	run "$CUTOVER" diff "$MA" "$MB" --table w --mode $m
	expect_out "^  changed  id=4000: v$" "MariaDB $m: found"
	run "$CUTOVER" diff "$MA" "$MB" --table w --mode $m --where "id < 4000"
	expect_rc 0 "MariaDB $m: --where excludes it"
done
run "$CUTOVER" diff "$PA" "$MB" --table w --where "id >= 4000"
expect_out "^w: src 1001 rows, dst 1001 rows: 0 missing in target, 0 extra in target, 1 changed" "cross-engine --where"

# --- names spelt differently: MariaDB keeps case, PostgreSQL folds it -----
my_sql "CREATE TABLE Users (Id int PRIMARY KEY, Email varchar(20));
  INSERT INTO Users VALUES (1, 'a@x'), (2, 'b@x')" t0420_a
pgb "CREATE TABLE users (id int PRIMARY KEY, email varchar(20));
  INSERT INTO users VALUES (1, 'a@x'), (2, 'B@x')"
run "$CUTOVER" diff "$MA" "$PB" --table Users
expect_rc 1 "Users (MariaDB) against users (PostgreSQL)"
expect_out "^Users: src 2 rows, dst 2 rows: 0 missing in target, 0 extra in target, 1 changed \(stream, key Id\)" "each side queried with its own spelling"
expect_out "^  changed  Id=2: Email$" "columns matched regardless of case"

# --- a connection killed mid-diff ----------------------------------------
# A WHERE that sleeps per row keeps the diff running while we kill it.
for db in t0420_a t0420_b; do
	pg_sql "CREATE FUNCTION slow(bigint) RETURNS bool LANGUAGE plpgsql
	  VOLATILE AS 'BEGIN PERFORM pg_sleep(0.001); RETURN true; END'" $db >/dev/null
done
pg_kill() {
	sleep 2.5
	pg_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	  WHERE application_name = 'cutover' AND datname LIKE 't0420%'" >/dev/null
}
for m in stream checksum; do
	pg_kill &
	run "$CUTOVER" diff "$PA" "$PB" --table w --mode $m --where "slow(id)"
	wait
	expect_rc 2 "PostgreSQL $m: killed connection is an error"
	expect_out "^w: error: .*\(compared up to key [^)]+\)" "PostgreSQL $m: names the table and the key reached"
	never_identical "PostgreSQL $m: never identical"
done
my_kill() {
	sleep 2.5
	for id in $(my_sql "SELECT ID FROM information_schema.PROCESSLIST
	    WHERE USER = 'cutover' AND DB LIKE 't0420%'"); do
		my_sql "KILL $id" 2>/dev/null
	done
}
for m in stream checksum; do
	my_kill &
	run "$CUTOVER" diff "$MA" "$MB" --table w --mode $m --where "SLEEP(0.001) = 0"
	wait
	expect_rc 2 "MariaDB $m: killed connection is an error"
	expect_out "^w: error: .*\(compared up to key [^)]+\)" "MariaDB $m: names the table and the key reached"
	never_identical "MariaDB $m: never identical"
done


# --- a --key column holding NULLs ------------------------------------------
# No key range or bucket holds a NULL key: checksum mode once skipped
# such rows and called the table identical (4 rows against 3).  Now the
# table goes to stream mode, which sees them.
nk="CREATE TABLE nk (k int, v text); INSERT INTO nk VALUES (1, 'a'), (2, 'b')"
pga "$nk; INSERT INTO nk VALUES (NULL, 'x')"
pgb "$nk"
my_sql "USE t0420_a; $nk; INSERT INTO nk VALUES (NULL, 'x')"
my_sql "USE t0420_b; $nk"
for pair in "PostgreSQL $PA $PB" "MariaDB $MA $MB"; do
	set -- $pair
	run "$CUTOVER" diff "$2" "$3" --table nk --key k
	expect_rc 1 "$1: a NULL --key value only in the source differs"
	expect_out "^nk: src 3 rows, dst 2 rows: 1 missing in target, 0 extra in target, 0 changed \(stream, key k\)" "$1: counted and compared in stream mode"
	never_identical "$1: NULL key never identical"
done
pgb "INSERT INTO nk VALUES (NULL, 'y')"
my_sql "USE t0420_b; INSERT INTO nk VALUES (NULL, 'y')"
for pair in "PostgreSQL $PA $PB" "MariaDB $MA $MB"; do
	set -- $pair
	run "$CUTOVER" diff "$2" "$3" --table nk --key k --mode checksum
	expect_rc 1 "$1: a changed row under a NULL key differs"
	expect_out "^  changed  k=NULL: v$" "$1: names the NULL-key row"
done
pgb "UPDATE nk SET v = 'x' WHERE k IS NULL"
my_sql "USE t0420_b; UPDATE nk SET v = 'x' WHERE k IS NULL"
run "$CUTOVER" diff "$PA" "$PB" --table nk --key k
expect_rc 0 "PostgreSQL: equal rows with a NULL key are identical"
expect_out "^nk: src 3 rows, dst 3 rows: identical \(stream, key k\)" "PostgreSQL: in stream mode"

# --jobs splits a table into key ranges; the first also holds the NULL
# keys, and each range is then compared in stream mode.
pga "CREATE TABLE nkj (k int, v int); INSERT INTO nkj SELECT g, g FROM generate_series(1, 30000) g; INSERT INTO nkj VALUES (NULL, 0)"
pgb "CREATE TABLE nkj (k int, v int); INSERT INTO nkj SELECT g, g FROM generate_series(1, 30000) g"
run "$CUTOVER" diff "$PA" "$PB" --table nkj --key k --jobs 2 --format json
expect_rc 1 "--jobs 2: a NULL --key value only in the source differs"
expect_out '"missing": *1' "--jobs 2: the NULL-key row is missing in target"

done_testing
