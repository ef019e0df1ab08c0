#!/bin/bash
# t0454: PostgreSQL streams (COPY) are sent on both sides before either
# is read.  The rows they bring and the errors they raise stay as they
# were: a query that fails on the source, or only on the target, names
# that side's database in its one error line; differing buckets in
# checksum mode and whole tables in stream mode name the same rows.  And
# timestamptz against timestamp in checksum mode (both hashed by their
# UTC wall time, the text of it outside the hash's bins), up to the last
# timestamp.  Text under a case-insensitive collation, by its bytes.
. "$(dirname "$0")/lib.sh"
use_pg
PSQL="psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U postgres"
cleanup_dbs() { $PSQL -c "DROP DATABASE IF EXISTS t0454_src" -c "DROP DATABASE IF EXISTS t0454_dst" >/dev/null 2>&1; }
cleanup_dbs
$PSQL -c "CREATE DATABASE t0454_src" -c "CREATE DATABASE t0454_dst" >/dev/null || fail "create"
for db in t0454_src t0454_dst; do
	$PSQL -d $db -c "CREATE TABLE a (id int PRIMARY KEY, v int);
INSERT INTO a SELECT g, g FROM generate_series(1, 5000) g;
CREATE TABLE b (id int PRIMARY KEY, v text);
INSERT INTO b SELECT g, md5(g::text) FROM generate_series(1, 5000) g" >/dev/null || fail "load $db"
done
$PSQL -d t0454_dst -c "UPDATE a SET v = -v WHERE id IN (7, 2500, 4999);
DELETE FROM b WHERE id = 3000; UPDATE b SET v = 'x' WHERE id = 1" >/dev/null || fail "mutate"
S="postgres://postgres@127.0.0.1:$PG_PORT/t0454_src"
D="postgres://postgres@127.0.0.1:$PG_PORT/t0454_dst"
want="a: changed id=2500: v
a: changed id=4999: v
a: changed id=7: v
b: changed id=1: v
b: missing id=3000"
# lines: "TABLE: difference" for every difference line of $out
lines() {
	printf '%s\n' "$out" | awk '/^[^ ]/ { t = $1; next } /^  / { $1 = $1; print t " " $0 }' | sort
}
for m in checksum stream; do
	run "$CUTOVER" diff --mode $m "$S" "$D"
	expect_rc 1 "$m: differences"
	expect_eq "$(lines)" "$want" "$m: both tables' rows, exactly"
done
# An error on the source only (id 1 divides by zero there), then on the
# target only (its row 7 holds -7): one line naming the database.
run "$CUTOVER" diff --mode stream -t a -w "10 / (id - 1) <> 0 OR id = 1" "$S" "$D"
expect_rc 2 "an error in the source's stream"
expect_out "^a: error: query on postgres [^ ]*/t0454_src: ERROR: +division by zero" "the source's error, named"
run "$CUTOVER" diff --mode stream -t a -w "10 / (v + 7) <> 0" "$S" "$D"
expect_rc 2 "an error in the target's stream"
expect_out "^a: error: query on postgres [^ ]*/t0454_dst: ERROR: +division by zero" "the target's error, named"
# A table that fails does not fail the ones after it: on PostgreSQL its
# error aborted the transaction, and every later table failed with
# "current transaction is aborted"; each table now runs in a savepoint.
for db in t0454_src t0454_dst; do
	$PSQL -d $db -c "CREATE TABLE q1 (id int PRIMARY KEY);
INSERT INTO q1 SELECT generate_series(1, 100);
CREATE TABLE q2 (id int PRIMARY KEY);
INSERT INTO q2 SELECT generate_series(2, 100)" >/dev/null || fail "load q1, q2 in $db"
done
$PSQL -d t0454_dst -c "DELETE FROM q2 WHERE id = 50" >/dev/null || fail "mutate q2"
for m in checksum stream; do
	run "$CUTOVER" diff --mode $m -t q1,q2 -w "1.0 / (id - 1) > 0 OR id = 1" "$S" "$D"
	expect_rc 2 "$m: q1 fails"
	expect_out "^q1: error: .*division by zero" "$m: q1's error, named"
	expect_out "^q2: src 99 rows, dst 98 rows" "$m: q2 compared after q1 failed"
	expect_out "^ +missing +id=50$" "$m: q2's missing row named"
	expect_no "transaction is aborted" "$m: no table fails for another's error"
done
# timestamptz on the source, timestamp (as UTC) on the target: both hash
# their UTC wall time, so equal values are equal in checksum mode, and a
# microsecond, an infinity and a value before the hash's bins are named.
$PSQL -d t0454_src -c "CREATE TABLE m (id int PRIMARY KEY, c timestamptz);
INSERT INTO m SELECT g, timestamptz '2024-01-01 00:00+00' + g * interval '77 minutes 1.000001 s'
  FROM generate_series(1, 3000) g;
INSERT INTO m VALUES (5000, 'infinity'), (5001, '-infinity'), (5002, '4714-11-24 00:10:00+00 BC'), (5003, NULL)" >/dev/null ||
	fail "load m (source)"
$PSQL -d t0454_dst -c "CREATE TABLE m (id int PRIMARY KEY, c timestamp);
INSERT INTO m SELECT g, timestamp '2024-01-01 00:00' + g * interval '77 minutes 1.000001 s'
  FROM generate_series(1, 3000) g;
INSERT INTO m VALUES (5000, 'infinity'), (5001, '-infinity'), (5002, '4714-11-24 00:10:00 BC'), (5003, NULL)" >/dev/null ||
	fail "load m (target)"
run "$CUTOVER" diff --mode checksum -t m "$S" "$D"
expect_out "^m: src 3004 rows, dst 3004 rows: identical \\(checksum" "timestamptz against timestamp: identical"
$PSQL -d t0454_dst -c "UPDATE m SET c = c + interval '1 microsecond' WHERE id IN (7, 5002);
UPDATE m SET c = '-infinity' WHERE id = 5000" >/dev/null || fail "mutate m"
run "$CUTOVER" diff --mode checksum -t m "$S" "$D"
expect_eq "$(lines)" "$(printf 'm: changed id=5000: c\nm: changed id=5002: c\nm: changed id=7: c')" \
    "timestamptz against timestamp: a microsecond, an infinity, a value before the bins"
# Timestamps past date_bin's reach (its origin subtracted in 64-bit
# microseconds overflows from about 287,500 AD): checksum mode failed
# with "interval out of range" on a table holding one.
for db in t0454_src t0454_dst; do
	$PSQL -d $db -c "CREATE TABLE mx (id int PRIMARY KEY, t timestamp, z timestamptz);
INSERT INTO mx SELECT g, timestamp '2024-01-01' + g * interval '1 s', timestamptz '2024-01-01 00:00+00' + g * interval '1 s'
  FROM generate_series(1, 3000) g;
INSERT INTO mx VALUES (5000, '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00'),
  (5001, '287600-01-01', '287600-01-01 00:00+00'), (5002, '199999-12-31 23:59:59.999999', '199999-12-31 23:59:59.999999+00'),
  (5003, '200000-01-01', '200000-01-01 00:00+00')" >/dev/null || fail "load mx ($db)"
done
$PSQL -d t0454_dst -c "UPDATE mx SET t = t - interval '1 microsecond' WHERE id IN (5000, 5003);
UPDATE mx SET z = z + interval '1 microsecond' WHERE id IN (5001, 5002)" >/dev/null || fail "mutate mx"
for m in checksum stream; do
	run "$CUTOVER" diff --mode $m -t mx "$S" "$D"
	expect_rc 1 "timestamps up to 294276 AD ($m): differences, no error"
	expect_eq "$(lines)" "$(printf 'mx: changed id=5000: t\nmx: changed id=5001: z\nmx: changed id=5002: z\nmx: changed id=5003: t')" \
	    "timestamps up to 294276 AD ($m): a microsecond either side of the bins' end"
done
# A case-insensitive (nondeterministic ICU) collation: text is compared by
# its bytes in both modes.  Its hash once hashed the collation's sort key,
# so in checksum mode 'abc5' -> 'ABC5' (a column, an array element, a
# text key) summed alike and the table was called identical.
if [ "$($PSQL -c "SELECT count(*) FROM pg_collation WHERE collprovider = 'i'")" -gt 0 ]; then
	for db in t0454_src t0454_dst; do
		$PSQL -d $db -c "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE ci (id int PRIMARY KEY, v text COLLATE ci, w text[] COLLATE ci);
INSERT INTO ci SELECT g, 'abc' || g, ARRAY['x' || g] FROM generate_series(1, 3000) g;
CREATE TABLE cik (k text COLLATE ci PRIMARY KEY, v int);
INSERT INTO cik SELECT 'k' || g, g FROM generate_series(1, 3000) g" >/dev/null || fail "load ci ($db)"
	done
	$PSQL -d t0454_dst -c "UPDATE ci SET v = 'ABC5' WHERE id = 5; UPDATE ci SET w = ARRAY['X7'] WHERE id = 7;
UPDATE cik SET k = 'K5' WHERE k = 'k5'" >/dev/null || fail "mutate ci"
	for m in checksum stream; do
		run "$CUTOVER" diff --mode $m -t ci,cik "$S" "$D"
		expect_eq "$(lines)" "$(printf "ci: changed id=5: v\nci: changed id=7: w\ncik: extra k='K5'\ncik: missing k='k5'")" \
		    "case-insensitive collation ($m): a change of case is a change"
	done
else
	echo "# no ICU collations on this server: the case-insensitive collation not tried"
fi
cleanup_dbs
done_testing
