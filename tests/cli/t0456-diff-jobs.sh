#!/bin/bash
# t0456: diff --jobs N splits a table with an integer key into key
# ranges compared on N connection pairs at once; the answer (text,
# json, jsonl) must be the one --jobs 1 gives, on PostgreSQL, MariaDB
# and SQLite, with differences at the ranges' edges and beyond the
# keys' ends.  On PostgreSQL every job reads in one shared snapshot: a
# writer that moves a row between ranges during the runs must never
# make a run see half a move.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"
if [ -z "${PG_PORT:-}" ] || [ -z "${MY_PORT:-}" ]; then
	echo "skipped: needs the PostgreSQL and MariaDB of tests/run-cli.sh"
	exit 0
fi
PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U postgres"
WRITER=""
cleanup() {
	[ -n "$WRITER" ] && kill "$WRITER" 2>/dev/null && wait "$WRITER" 2>/dev/null
	$PSQL -c "DROP DATABASE IF EXISTS t0456_src" -c "DROP DATABASE IF EXISTS t0456_dst" >/dev/null 2>&1
	my_sql "DROP DATABASE IF EXISTS t0456_src; DROP DATABASE IF EXISTS t0456_dst" 2>/dev/null
	_cleanup
}
trap cleanup EXIT
cleanup_dbs() {
	$PSQL -c "DROP DATABASE IF EXISTS t0456_src" -c "DROP DATABASE IF EXISTS t0456_dst" >/dev/null 2>&1
	my_sql "DROP DATABASE IF EXISTS t0456_src; DROP DATABASE IF EXISTS t0456_dst" 2>/dev/null
}
cleanup_dbs
# Durations differ from run to run: everything else must not.
norm() { sed -E 's/"duration_ms": ?[0-9]+/"duration_ms":D/g; s/"(started|ended)_at": ?"[^"]*"/"\1_at":T/g; s/ \([0-9.]+[a-z]+[0-9a-z. ]*\)$/ (D)/; s/, ?"ranges": ?[0-9]+//; s/"snapshot": ?"[a-z-]+"/"snapshot":S/'; }
# same DESC ARGS...: --jobs 1 and --jobs 4 give the same output.
same() {
	local desc=$1; shift
	run "$CUTOVER" diff -q --jobs 1 "$@"
	local one=$out rc1=$rc
	run "$CUTOVER" diff -q --jobs 4 "$@"
	if [ "$rc" = "$rc1" ] && [ "$(printf '%s\n' "$one" | norm)" = "$(printf '%s\n' "$out" | norm)" ]; then
		ok "$desc: --jobs 4 = --jobs 1"
	else
		fail "$desc: --jobs 4 differs from --jobs 1 (exit $rc1, $rc)" "$(diff <(printf '%s\n' "$one" | norm) <(printf '%s\n' "$out" | norm))"
	fi
}

echo "# $(date +%T) PostgreSQL ------------------------------------------------------------"
# --- PostgreSQL ------------------------------------------------------------
$PSQL -c "CREATE DATABASE t0456_src" >/dev/null
$PSQL -d t0456_src >/dev/null <<'SQL' || fail "pg load"
CREATE TABLE big (id bigint PRIMARY KEY, v text, n numeric);
INSERT INTO big SELECT g, md5(g::text), g / 7.0 FROM generate_series(1, 50000) g;
CREATE TABLE small (id int PRIMARY KEY, v text);
INSERT INTO small SELECT g, 'x' || g FROM generate_series(1, 20) g;
CREATE TABLE tk (k text PRIMARY KEY, v int);
INSERT INTO tk SELECT md5(g::text), g FROM generate_series(1, 3000) g;
SQL
$PSQL -c "CREATE DATABASE t0456_dst TEMPLATE t0456_src" >/dev/null
S="postgres://postgres@127.0.0.1:$PG_PORT/t0456_src"
D="postgres://postgres@127.0.0.1:$PG_PORT/t0456_dst"
run "$CUTOVER" diff -q --jobs 4 --format json "$S" "$D"
expect_rc 0 "pg identical with --jobs 4"
expect_out '"table":"big".*"ranges":4' "pg: the big table is split in 4 ranges"
expect_out '"snapshot": ?"shared"' "pg: the jobs share one snapshot"
# The ranges of 50000 keys split at 12501, 25001, 37501: differences on
# both sides of each edge, below the first key and above the last.
$PSQL -d t0456_dst >/dev/null <<'SQL' || fail "pg mutate"
DELETE FROM big WHERE id IN (1, 12500, 25001, 50000);
UPDATE big SET v = 'changed' WHERE id IN (12501, 25000, 37500, 37501);
INSERT INTO big VALUES (-5, 'below', 0), (0, 'zero', 0), (50001, 'above', 1),
  (9000000000, 'far', 2);
UPDATE small SET v = 'y' WHERE id = 3;
DELETE FROM tk WHERE v = 17;
SQL
same "pg text" --max-diffs 1000 "$S" "$D"
expect_rc 1 "pg differences"
expect_out '^big: src 50000 rows, dst 50000 rows: 4 missing in target, 4 extra in target, 4 changed \(checksum, key id\)' "pg: every difference counted"
for k in 1 12500 25001 50000 12501 25000 37500 37501 -5 0 50001 9000000000; do
	expect_out "^  [a-z]+ +id=$k(:|\$)" "pg: id=$k named"
done
same "pg jsonl" --format jsonl "$S" "$D"
same "pg --max-diffs 5" --max-diffs 5 "$S" "$D"
same "pg stream" --mode stream --max-diffs 1000 "$S" "$D"
same "pg --where" --where "id % 2 = 0" "$S" "$D"

# A writer moves a row between the first and the last range of the
# source, over and over, one transaction per move.  Each run must see
# the source before or after a move, never both: 49999 rows, and the
# two differences together or neither.
$PSQL -d t0456_dst >/dev/null <<'SQL'
DELETE FROM big;
INSERT INTO big SELECT g, md5(g::text), g / 7.0 FROM generate_series(1, 50000) g
  WHERE g <> 49900;
SQL
$PSQL -d t0456_src -c "DELETE FROM big WHERE id = 49900" >/dev/null
echo "# $(date +%T) writer"
python3 - "$T/moves.sql" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        if i % 2 == 0:
            f.write("BEGIN; DELETE FROM big WHERE id = 100; INSERT INTO big VALUES (49900, 'moved', 0); COMMIT;\n")
        else:
            f.write("BEGIN; DELETE FROM big WHERE id = 49900; INSERT INTO big VALUES (100, md5('100'), 100 / 7.0); COMMIT;\n")
PY
PGOPTIONS="-c synchronous_commit=off" $PSQL -d t0456_src -f "$T/moves.sql" >/dev/null 2>&1 &
WRITER=$!
sleep 0.5
torn=0 seen=""
for i in 1 2 3 4 5 6; do
	run "$CUTOVER" diff -q --jobs 4 --table big "$S" "$D"
	line=$(printf '%s\n' "$out" | grep '^big:')
	case "$line" in
	"big: src 49999 rows, dst 49999 rows: identical (checksum, key id)") seen="$seen same" ;;
	"big: src 49999 rows, dst 49999 rows: 1 missing in target, 1 extra in target, 0 changed"*)
		seen="$seen moved" ;;
	*) torn=$((torn + 1)); echo "# torn: $line" ;;
	esac
done
kill "$WRITER" 2>/dev/null; wait "$WRITER" 2>/dev/null; WRITER=""
echo "# runs saw:$seen"
expect_eq "$torn" 0 "pg: a concurrent writer never shows half a move (one snapshot)"

echo "# $(date +%T) MariaDB -----------------------------------------------------------------"
# --- MariaDB -----------------------------------------------------------------
my_sql "CREATE DATABASE t0456_src; CREATE DATABASE t0456_dst;
  GRANT ALL ON t0456_src.* TO cutover; GRANT ALL ON t0456_dst.* TO cutover"
for db in t0456_src t0456_dst; do
	my_sql "SET SESSION max_recursive_iterations = 100000;
	  CREATE TABLE big (id bigint PRIMARY KEY, v varchar(40), n decimal(20,6));
	  INSERT INTO big WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
	    SELECT i, md5(i), i / 7.0 FROM g;
	  CREATE TABLE small (id int PRIMARY KEY, v text);
	  INSERT INTO small VALUES (1, 'a'), (2, 'b'), (3, 'c');" "$db" || fail "my load"
done
my_sql "DELETE FROM big WHERE id IN (1, 12500, 25001, 50000);
  UPDATE big SET v = 'changed' WHERE id IN (12501, 25000, 37500, 37501);
  INSERT INTO big VALUES (-5, 'below', 0), (0, 'zero', 0), (50001, 'above', 1);
  UPDATE small SET v = 'z' WHERE id = 3;" t0456_dst
MS="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0456_src"
MD="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0456_dst"
same "mariadb text" --max-diffs 1000 "$MS" "$MD"
expect_out '^big: src 50000 rows, dst 49999 rows: 4 missing in target, 3 extra in target, 4 changed \(checksum' "mariadb: every difference counted"
same "mariadb json" --format json "$MS" "$MD"
run "$CUTOVER" diff -q --jobs 4 --format json "$MS" "$MD"
expect_out '"snapshot": ?"per-connection"' "mariadb: --jobs says each connection has its own snapshot"
expect_out '"table":"big".*"ranges":4' "mariadb: the big table is split"
run "$CUTOVER" diff -q --jobs 1 --format json "$MS" "$MD"
expect_out '"snapshot": ?"shared"' "mariadb: one job is one snapshot"
same "postgres -> mariadb (stream)" --table big --max-diffs 1000 "$S" "$MD"

echo "# $(date +%T) SQLite (WAL) --------------------------------------------------------------"
# --- SQLite (WAL) --------------------------------------------------------------
python3 - "$T/a.db" "$T/b.db" <<'PY'
import sqlite3, sys, hashlib
for i, path in enumerate(sys.argv[1:]):
    c = sqlite3.connect(path)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT, n REAL)")
    c.executemany("INSERT INTO big VALUES (?, ?, ?)",
        ((g, hashlib.md5(str(g).encode()).hexdigest(), g / 7.0) for g in range(1, 50001)))
    if i:
        c.execute("DELETE FROM big WHERE id IN (1, 12500, 25001, 50000)")
        c.execute("UPDATE big SET v = 'changed' WHERE id IN (12501, 25000, 37500, 37501)")
        c.execute("INSERT INTO big VALUES (-5, 'below', 0), (0, 'zero', 0), (50001, 'above', 1)")
        c.execute("UPDATE big SET n = 'text' WHERE id = 30000")
    c.commit()
    c.close()
PY
same "sqlite text" --max-diffs 1000 "sqlite:$T/a.db" "sqlite:$T/b.db"
expect_out '^big: src 50000 rows, dst 49999 rows: 4 missing in target, 3 extra in target, 5 changed' "sqlite: every difference counted"
same "sqlite jsonl" --format jsonl "sqlite:$T/a.db" "sqlite:$T/b.db"
run "$CUTOVER" diff -q --jobs 4 --format json "sqlite:$T/a.db" "sqlite:$T/b.db"
expect_out '"ranges":4' "sqlite: split"
expect_out '"snapshot": ?"per-connection"' "sqlite: per-connection snapshots said"
done_testing
