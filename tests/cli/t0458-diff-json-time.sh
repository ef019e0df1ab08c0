#!/bin/bash
# t0458: JSON and time compared by meaning across engines.  The same
# documents written with other key orders, whitespace, escapes and number
# notations (PostgreSQL json vs jsonb, MariaDB JSON, SQLite text), and the
# same instants in other offsets and session time zones, are identical in
# both modes; a changed nested value, a number's last digit (0.1 vs
# 0.10000000000000001, a 20-digit integer), an array's order and a
# one-microsecond change of a timestamptz and of a timestamp are each
# named, and nothing else.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"
GEN="$ROOT/tests/cli/t0458-data.py"
OWN=
if [ -z "${PG_PORT:-}" ] || [ -z "${MY_PORT:-}" ]; then
	OWN=1
	trap 'stop_all; _cleanup' EXIT
	start_pg || { echo "skipped: PostgreSQL does not start"; exit 0; }
	start_mariadb || { echo "skipped: MariaDB does not start"; exit 0; }
fi
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3"; exit 0; }

cleanup() {
	for db in t0458_pga t0458_pgb t0458_pgm; do
		pg_sql "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	done
	my_sql "DROP DATABASE IF EXISTS t0458_my; DROP DATABASE IF EXISTS t0458_mym" 2>/dev/null
}
cleanup
trap 'cleanup; [ -z "$OWN" ] || stop_all; _cleanup' EXIT
pgload() {	# pgload VARIANT DB
	pg_sql "CREATE DATABASE $2" >/dev/null
	python3 "$GEN" postgres "$1" | psql -X -q -v ON_ERROR_STOP=1 \
	    -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$2" >/dev/null
}
myload() {	# myload VARIANT DB
	my_sql "CREATE DATABASE $2 CHARACTER SET utf8mb4"
	python3 "$GEN" mysql "$1" | mariadb --no-defaults -S "$MY_SOCK" -uroot "$2"
	my_sql "GRANT ALL ON $2.* TO 'cutover'@'%'" 2>/dev/null
}
pgload a t0458_pga || fail "load PG json"
pgload b t0458_pgb || fail "load PG jsonb"
pgload mut t0458_pgm || fail "load PG jsonb, changed"
myload b t0458_my || fail "load MariaDB"
myload mut t0458_mym || fail "load MariaDB, changed"
python3 "$GEN" sqlite b | sqlite3 "$T/lite.db" || fail "load SQLite"
python3 "$GEN" sqlite mut | sqlite3 "$T/litem.db" || fail "load SQLite, changed"
PG="postgres://postgres@127.0.0.1:$PG_PORT"
MY="mysql://cutover:cutover@127.0.0.1:$MY_PORT"

expected="  changed  id=1: doc
  changed  id=3: doc
  changed  id=4: doc
  changed  id=5: doc
  changed  id=6: ts
  changed  id=7: lt"
pair() {	# pair TAG SRC DST DST-CHANGED [MODE]
	local m=${5:-auto}
	run "$CUTOVER" diff --mode "$m" "$2" "$3"
	expect_rc 0 "$1 ($m): same meaning, identical"
	expect_out "^1 table: 1 identical, 0 differ" "$1 ($m): the table identical"
	run "$CUTOVER" diff --mode "$m" "$2" "$4"
	expect_rc 1 "$1 ($m): differences"
	got=$(printf '%s\n' "$out" | grep '^  ' | sort)
	expect_eq "$got" "$expected" "$1 ($m): every change named, nothing else"
}
pair "PG json -> jsonb" "$PG/t0458_pga" "$PG/t0458_pgb" "$PG/t0458_pgm" checksum
pair "PG json -> jsonb" "$PG/t0458_pga" "$PG/t0458_pgb" "$PG/t0458_pgm" stream
pair "PG jsonb -> jsonb" "$PG/t0458_pgb" "$PG/t0458_pgb" "$PG/t0458_pgm" checksum
pair "PG -> MariaDB" "$PG/t0458_pga" "$MY/t0458_my" "$MY/t0458_mym"
pair "MariaDB -> PG" "$MY/t0458_my" "$PG/t0458_pgb" "$PG/t0458_pgm"
pair "MariaDB -> MariaDB" "$MY/t0458_my" "$MY/t0458_my" "$MY/t0458_mym" checksum
pair "MariaDB -> SQLite" "$MY/t0458_my" "sqlite://$T/lite.db" "sqlite://$T/litem.db"
pair "SQLite -> PG" "sqlite://$T/lite.db" "$PG/t0458_pga" "$PG/t0458_pgm"
# Checksum mode on json vs jsonb: the sums differ (each side hashes its
# own text), so the rows are compared by meaning, never called identical
# by the sums alone.
run "$CUTOVER" diff --mode checksum --format json "$PG/t0458_pga" "$PG/t0458_pgb"
expect_out '"identical": *true|"status": *"identical"' "PG json -> jsonb, checksum: identical after the row comparison"
done_testing
