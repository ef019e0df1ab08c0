#!/bin/bash
# t0410: cutover diff on every pair of engines (PG, MariaDB, SQLite), same
# data on both sides (identical, even where the default collations order
# the keys differently), then one injected difference per row of every
# common column type: each must be named, and nothing else.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"
GEN="$ROOT/tests/cli/t0410-data.py"

load() {	# load ENGINE VARIANT DBNAME
	case $1 in
	postgres)
		pg_sql "DROP DATABASE IF EXISTS $3" >/dev/null 2>&1
		pg_sql "CREATE DATABASE $3" >/dev/null
		python3 "$GEN" postgres "$2" | psql -X -q -v ON_ERROR_STOP=1 \
			-h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$3" >/dev/null ;;
	mysql)
		my_sql "DROP DATABASE IF EXISTS $3; CREATE DATABASE $3 CHARACTER SET utf8mb4"
		python3 "$GEN" mysql "$2" | mariadb --no-defaults -S "$MY_SOCK" \
			-uroot "$3" ;;
	sqlite)
		rm -f "$T/$3.db"
		python3 "$GEN" sqlite "$2" | sqlite3 "$T/$3.db" ;;
	esac
}
url() {	# url ENGINE DBNAME
	case $1 in
	postgres) echo "postgres://postgres@127.0.0.1:$PG_PORT/$2" ;;
	mysql) echo "mysql://cutover:cutover@127.0.0.1:$MY_PORT/$2" ;;
	sqlite) echo "sqlite://$T/$2.db" ;;
	esac
}
cleanup() {
	pg_sql "DROP DATABASE IF EXISTS t0410_base" >/dev/null 2>&1
	pg_sql "DROP DATABASE IF EXISTS t0410_mut" >/dev/null 2>&1
	my_sql "DROP DATABASE IF EXISTS t0410_base; DROP DATABASE IF EXISTS t0410_mut" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ENGINES="postgres mysql sqlite"
for e in $ENGINES; do
	load $e base t0410_base || fail "load $e base"
	load $e mut t0410_mut || fail "load $e mut"
done

# Every line a diff of base -> mut must print, and how many of each.
expected="big: src 50000 rows, dst 49999 rows: 1 missing in target, 0 extra in target, 6 changed
  changed  id=78: val
  changed  id=79: val
  changed  id=390: val
  changed  id=391: val
  changed  id=20000: val
  changed  id=20001: val
  missing  id=50000
ck: src 7 rows, dst 7 rows: 0 missing in target, 0 extra in target, 1 changed
  changed  (a='a', b=2): val
k: src 3 rows, dst 2 rows: 1 missing in target, 0 extra in target, 0 changed
  missing  (a='x', b=1)
only_src: only in source (missing in target)
t: src 21 rows, dst 21 rows: 1 missing in target, 1 extra in target, 17 changed
  missing  id=1
  changed  id=3: i
  changed  id=5: n
  changed  id=6: v
  changed  id=7: f
  changed  id=8: ts
  changed  id=9: d
  changed  id=10: b
  changed  id=11: s
  changed  id=12: s
  changed  id=13: s
  changed  id=14: s
  changed  id=15: bl
  changed  id=16: s
  changed  id=17: s
  changed  id=18: s, s2
  changed  id=19: u
  extra    id=1000
  changed  id=9223372036854775807: i"

check_pair() {	# check_pair SRC DST [MODE]
	local s=$1 d=$2 m=${3:-auto}
	local tag="$s -> $d ($m)"
	run "$CUTOVER" diff --mode "$m" "$(url $s t0410_base)" "$(url $d t0410_base)"
	expect_rc 0 "$tag: identical data"
	expect_out "^5 tables: 5 identical, 0 differ, 0 errors" "$tag: all five tables identical"
	run "$CUTOVER" diff --mode "$m" "$(url $s t0410_base)" "$(url $d t0410_mut)"
	expect_rc 1 "$tag: differences"
	# Strip the "(mode, key ...)" suffix; compare the rest line for line.
	got=$(printf '%s\n' "$out" | sed -E 's/ \((checksum|stream), [^)]*\)$//' | grep -v '^5 tables')
	expect_eq "$got" "$expected" "$tag: every injected difference named, nothing else"
}

for s in $ENGINES; do
	for d in $ENGINES; do
		check_pair $s $d
	done
	check_pair $s $s stream
done

# Same engine picks checksum mode for integer keys, cross engine streams.
run "$CUTOVER" diff "$(url mysql t0410_base)" "$(url mysql t0410_mut)" --table big
expect_out "big: .*\(checksum, key id\)" "MariaDB pair: checksum mode"
for e in postgres sqlite; do
	run "$CUTOVER" diff "$(url $e t0410_base)" "$(url $e t0410_mut)" --table t
	expect_out "^t: .*17 changed \(checksum, key id\)" "$e pair: checksum mode, every type"
done
run "$CUTOVER" diff "$(url postgres t0410_base)" "$(url mysql t0410_mut)" --table big
expect_out "big: .*\(stream, key id\)" "cross-engine pair: stream mode"
run "$CUTOVER" diff "$(url postgres t0410_base)" "$(url postgres t0410_mut)" --table ck
expect_out "ck: .*\(checksum, key a, b\)" "composite key: checksum mode on PostgreSQL (hashed buckets)"
run "$CUTOVER" diff "$(url mysql t0410_base)" "$(url mysql t0410_mut)" --table ck
expect_out "ck: .*\(checksum, key a, b\)" "composite key: checksum mode on MariaDB (hashed buckets)"

done_testing
