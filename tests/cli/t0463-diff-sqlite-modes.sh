#!/bin/bash
# t0463: checksum mode and stream mode name the same rows on random
# SQLite tables (t0463-modes-sqlite.py: columns of every declared type
# holding values of every storage class, keys of every shape with or
# without a rowid, random faults), with fixed seeds so that a failure
# reproduces.  Checksum mode reads rows only where the sums disagree, so
# this is where a sum that misses rows shows: such runs found an INT key
# that holds a text or blob value (SQLite keeps what does not convert),
# which ended the key span before the first key and made the whole table
# "identical" (seeds 1, 2, 6 and 8 fail without the fix), and a REAL
# -0.0 against 0.0 in a column without a type, which checksum mode
# hashes as 0 and stream mode compared as written (seed 15).
. "$(dirname "$0")/lib.sh"
for seed in 1 2 6 8 15; do
	mkdir -p "$T/$seed"
	python3 "$ROOT/tests/cli/t0463-modes-sqlite.py" "$CUTOVER" "$T/$seed" "$seed" 15 >"$T/modes.$seed" 2>&1
	rc=$?
	expect_eq "$rc $(tail -n 1 "$T/modes.$seed")" "0 seed $seed: 15 rounds, 0 mismatches" \
	    "seed $seed: the two modes agree on every table"
	[ "$rc" -eq 0 ] && [ "$(tail -n 1 "$T/modes.$seed")" = "seed $seed: 15 rounds, 0 mismatches" ] ||
		grep -A4 -E '^MISMATCH|Error' "$T/modes.$seed" | cut -c1-300 | head -15 | sed 's/^/#   /'
done

# Keys of every class at once, in an INT column and in one without a
# type: stream mode stopped at "out of byte order" on them before SQLite's
# order of classes was followed (every seed here failed so).
for seed in 21 22 23; do
	mkdir -p "$T/m$seed"
	python3 "$ROOT/tests/cli/t0463-modes-sqlite.py" "$CUTOVER" "$T/m$seed" "$seed" 10 mixed >"$T/mixed.$seed" 2>&1
	rc=$?
	expect_eq "$rc $(tail -n 1 "$T/mixed.$seed")" "0 seed $seed: 10 rounds, 0 mismatches" \
	    "mixed keys, seed $seed: the two modes agree on every table"
	[ "$rc" -eq 0 ] && [ "$(tail -n 1 "$T/mixed.$seed")" = "seed $seed: 10 rounds, 0 mismatches" ] ||
		grep -A4 -E '^MISMATCH|Error' "$T/mixed.$seed" | cut -c1-300 | head -15 | sed 's/^/#   /'
done

# The minimal case: one text key in an INT key column made MAX(id) 'abc',
# read as 0, so the span [1, 0] held no row: "src 0 rows, dst 0 rows:
# identical".  A key of another class now sends the table to stream mode.
for f in a b; do
	sqlite3 "$T/k$f.db" "CREATE TABLE t (id INT PRIMARY KEY, v);
	  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)
	  INSERT INTO t SELECT x, x FROM c; INSERT INTO t VALUES ('abc', 1)"
done
sqlite3 "$T/kb.db" "UPDATE t SET v = 0 WHERE id IN (500, 'abc')"
run "$CUTOVER" diff --mode checksum "sqlite://$T/ka.db" "sqlite://$T/kb.db"
expect_rc 1 "a text value in an INT key: the table differs"
expect_out "changed  id=500: v" "the integer key's row is found"
expect_out "changed  id=abc: v" "and the text key's"

# -0.0 = 0.0 (README: doubles, -0 = 0), in a REAL column and in one
# without a type alike, in both modes.
sqlite3 "$T/za.db" "CREATE TABLE t (id INTEGER PRIMARY KEY, r REAL, u); INSERT INTO t VALUES (1, 0.0, 0.0)"
sqlite3 "$T/zb.db" "CREATE TABLE t (id INTEGER PRIMARY KEY, r REAL, u); INSERT INTO t VALUES (1, -0.0, -0.0)"
for mode in checksum stream; do
	run "$CUTOVER" diff --mode $mode "sqlite://$T/za.db" "sqlite://$T/zb.db"
	expect_rc 0 "$mode: -0.0 against 0.0 is no difference"
done
done_testing
