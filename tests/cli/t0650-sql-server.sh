#!/bin/bash
# t0650-sql-server: the `sql` additions on the shared PostgreSQL 15 and
# MariaDB: max_connections_used (connections held open by this test push
# the share past the limit), version comparisons and tables_exist; and
# that query/expect/compare still work beside them.
. "$(dirname "$0")/lib.sh"

PIDS=""
cleanup() {
	# Killing psql does not end a backend inside pg_sleep: end them, or
	# the shared server's connection slots stay taken for later tests.
	psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tA -c \
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 't0650-hold'" \
		>/dev/null 2>&1
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${2:-postgres}" -tA -c "$1"; }
my_() { mariadb --no-defaults -S "$MY_SOCK" -uroot -N -B -e "$1"; }

psql_ "DROP DATABASE IF EXISTS t0650" >/dev/null 2>&1
psql_ "CREATE DATABASE t0650"
psql_ "CREATE TABLE users (id int); CREATE SCHEMA app; CREATE TABLE app.trips (id int)" t0650
my_ "DROP DATABASE IF EXISTS t0650; CREATE DATABASE t0650; CREATE TABLE t0650.users (id INT); GRANT ALL ON t0650.* TO 'cutover'@'%'"
PG="postgres://postgres@127.0.0.1:$PG_PORT/t0650"
MY="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0650"
pg_max=$(psql_ "SHOW max_connections")
my_max=$(my_ "SELECT @@max_connections")
pg_ver=$(psql_ "SHOW server_version_num")
my_ver=$(my_ "SELECT VERSION()" | sed 's/-.*//')

cat >"$T/plan.yml" <<YML
cutover: 1
name: t0650
targets: { pg: "$PG", my: "$MY", lite: "sqlite:$T/lite.db" }
checks:
  - { id: pg-all, kind: sql, target: pg, max_connections_used: 90%,
      version: ">= 12", tables_exist: [users, app.trips] }
  - { id: my-all, kind: sql, target: my, max_connections_used: 90%,
      version: ">= 8.0", tables_exist: [users] }
  - { id: pg-major, kind: sql, target: pg, version: "15" }
  - { id: pg-old, kind: sql, target: pg, version: "< 15" }
  - { id: my-prefix, kind: sql, target: my, version: "== ${my_ver%.*}" }
  - { id: my-minor, kind: sql, target: my, version: "> ${my_ver%.*}.999" }
  - { id: pg-missing, kind: sql, target: pg, tables_exist: [users, trips, app.nope] }
  - { id: my-missing, kind: sql, target: my, tables_exist: [users, drivers] }
  - { id: lite-tables, kind: sql, target: lite, tables_exist: [t], version: ">= 3" }
  - { id: combined, kind: sql, target: pg, query: "SELECT count(*) FROM users",
      expect: "== 0", tables_exist: [nope] }
  - { id: compare, kind: sql, query: "SELECT 1", compare: { source: pg, target: my } }
YML
sqlite3 "$T/lite.db" "CREATE TABLE t (x)"
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (some are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.observed) | \(.message)"'; }
want() {
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want pg-all "pass */$pg_max connections (*); postgres 15.*; 2/2 tables | *satisfies >= 12; all 2 tables exist" "PostgreSQL: connections, version, tables"
want my-all "pass */$my_max connections (*); mysql $my_ver; 1/1 tables | *" "MariaDB: connections, version, tables"
want pg-major "pass postgres 15.* | postgres 15.* satisfies 15" "a bare major version is a prefix"
want pg-old "fail * | server is postgres 15.*, expected version < 15" "version too new"
want my-prefix "pass * | mysql $my_ver satisfies == ${my_ver%.*}" "== with fewer components"
want my-minor "fail * | server is mysql $my_ver, expected version > *" "components compare as numbers"
want pg-missing "fail 1/3 tables | 2 of 3 tables missing: trips, app.nope (*does not exist*)" "missing tables on PostgreSQL"
want my-missing "fail 1/2 tables | 1 of 2 tables missing: drivers (*doesn't exist)" "missing table on MariaDB"
want lite-tables "pass sqlite 3.*; 1/1 tables | *" "SQLite tables and version"
want combined "fail 0; 0/1 tables | 1 of 1 tables missing: nope *" "query and tables_exist in one check"
d=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "combined") | .detail')
expect_eq "$(printf '%s\n' "$d" | head -1)" "ok: query returned 0" "combined detail lists each part"
want compare "pass 1 / 1 | both sides have 1" "compare still works"

# Hold connections open until the share passes 30% of max_connections.
hold=$(( pg_max * 35 / 100 + 1 ))
for i in $(seq "$hold"); do
	PGAPPNAME=t0650-hold psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d t0650 -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
done
for _ in $(seq 100); do
	[ "$(psql_ "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'")" -ge "$hold" ] && break
	sleep 0.1
done
cat >"$T/busy.yml" <<YML
cutover: 1
name: t0650
checks:
  - { id: pool, kind: sql, target: "$PG", max_connections_used: 30% }
YML
run "$CUTOVER" check "$T/busy.yml"
expect_rc 1 "a busy pool fails max_connections_used"
expect_out "of $pg_max connections in use \([0-9]+%\), at or past 30%" "and says how many are in use"

cat >"$T/bad.yml" <<YML
cutover: 1
name: t0650
checks:
  - { id: pct, kind: sql, target: "$PG", max_connections_used: 80 }
  - { id: lite, kind: sql, target: "sqlite:$T/lite.db", max_connections_used: 80% }
  - { id: ver, kind: sql, target: "$PG", version: ">= eight" }
  - { id: empty, kind: sql, target: "$PG", tables_exist: [] }
  - { id: cmp, kind: sql, query: "SELECT 1", compare: { source: "$PG", target: "$PG" }, version: "15" }
  - { id: nothing, kind: sql, target: "$PG" }
YML
run "$CUTOVER" lint "$T/bad.yml"
expect_rc 2 "bad sql checks fail lint"
expect_err "bad.yml:4:[0-9]+: 'max_connections_used': bad percentage '80'" "percent without %"
expect_err "bad.yml:5:[0-9]+: 'max_connections_used' needs a server" "SQLite has no connection pool"
expect_err "bad.yml:6:[0-9]+: 'version': bad version comparison '>= eight'" "bad version"
expect_err "bad.yml:7:[0-9]+: 'tables_exist' is empty" "empty tables_exist"
expect_err "bad.yml:8:[0-9]+: 'compare' cannot be combined" "compare with version"
expect_err "bad.yml:9:[0-9]+: missing 'query'" "nothing to do"
# ---- the shape of a result: `expect` needs one value, `rows` counts --
sqlite3 "$T/shape.db" "CREATE TABLE t (id integer); INSERT INTO t VALUES (1), (2);"
psql_ "CREATE TABLE two (id int); INSERT INTO two VALUES (1), (2)" t0650
my_ "CREATE TABLE t0650.two (id INT); INSERT INTO t0650.two VALUES (1), (2)"
# The server's own statement_timeout, set for the database: the check must
# see it, not its own timeout.
psql_ "ALTER DATABASE t0650 SET statement_timeout = '42s'"
cat >"$T/shape.yml" <<YML
cutover: 1
name: t0650
targets: { pg: "$PG", my: "$MY", lite: "sqlite:$T/shape.db" }
checks:
  - { id: pg-union, kind: sql, target: pg, query: "SELECT 1 UNION ALL SELECT 2", expect: 1 }
  - { id: pg-wide, kind: sql, target: pg, query: "SELECT 1, 2", expect: 1 }
  - { id: pg-none, kind: sql, target: pg, query: "SELECT 1 WHERE false", expect: 1 }
  - { id: pg-one, kind: sql, target: pg, query: "SELECT 1", expect: 1 }
  - { id: pg-rows0, kind: sql, target: pg, query: "SELECT id FROM two WHERE id < 0", rows: 0 }
  - { id: pg-rows0-bad, kind: sql, target: pg, query: "SELECT id FROM two", rows: 0 }
  - { id: pg-rows-ge, kind: sql, target: pg, query: "SELECT id FROM two WHERE id < 0", rows: ">= 1" }
  - { id: pg-cmp-shape, kind: sql, query: "SELECT id FROM two", compare: { source: pg, target: my } }
  - { id: my-union, kind: sql, target: my, query: "SELECT 1 UNION ALL SELECT 2", expect: 1 }
  - { id: my-rows0, kind: sql, target: my, query: "SELECT id FROM two WHERE id < 0", rows: 0 }
  - { id: my-rows2, kind: sql, target: my, query: "SELECT id FROM two", rows: "== 2" }
  - { id: lite-union, kind: sql, target: lite, query: "SELECT 1 UNION ALL SELECT 2", expect: 1 }
  - { id: lite-rows0, kind: sql, target: lite, query: "SELECT id FROM t WHERE id < 0", rows: 0 }
  - { id: lite-rows-ge, kind: sql, target: lite, query: "SELECT id FROM t", rows: ">= 1" }
  - { id: pg-copy, kind: sql, target: pg, query: "COPY two TO STDOUT", rows: 2, timeout: 5s }
  - { id: pg-show-timeout, kind: sql, target: pg, query: "SHOW statement_timeout", expect: "42s", timeout: 5s }
YML
run "$CUTOVER" check "$T/shape.yml" --format json
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
want() {  # want ID GLOB DESC
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want pg-union "fail *returned 2 rows × 1 column; one value was expected*" "PostgreSQL: two rows are not one value"
want pg-wide "fail *returned 1 row × 2 columns; one value was expected*" "PostgreSQL: two columns are not one value"
want pg-none "fail *returned 0 rows × 1 column; one value was expected*" "PostgreSQL: no row is not one value"
want pg-one "pass query returned 1" "PostgreSQL: one value"
want pg-rows0 "pass query returned 0 rows × 1 column" "PostgreSQL: rows: 0 on an empty result"
want pg-rows0-bad "fail query returned 2 rows × 1 column, expected rows == 0" "PostgreSQL: rows: 0 with rows"
want pg-rows-ge "fail query returned 0 rows × 1 column, expected rows >= 1" "PostgreSQL: rows >= 1 without rows"
want pg-cmp-shape "fail *returned 2 rows × 1 column; one value was expected*" "compare needs one value too"
want my-union "fail *returned 2 rows × 1 column; one value was expected*" "MariaDB: two rows are not one value"
want my-rows0 "pass query returned 0 rows" "MariaDB: rows: 0"
want my-rows2 "pass query returned 2 rows × 1 column" "MariaDB: rows == 2"
want lite-union "fail *returned 2 rows × 1 column; one value was expected*" "SQLite: two rows are not one value"
want lite-rows0 "pass query returned 0 rows" "SQLite: rows: 0"
want lite-rows-ge "pass query returned 2 rows × 1 column" "SQLite: rows >= 1"
want pg-copy "fail *COPY has no result a check can judge" "COPY is refused, not looped on"
want pg-show-timeout "pass query returned 42s" "SHOW statement_timeout is the server's setting, not the check's timeout"

# ---- the check's timeout is a cancel from the client -----------------
cat >"$T/sleep.yml" <<YML
cutover: 1
name: t0650
checks:
  - { id: sleep, kind: sql, target: "$PG", query: "SELECT pg_sleep(10)", timeout: 1s }
YML
t0=$(date +%s%N)
run "$CUTOVER" check "$T/sleep.yml" --format json
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
want sleep "fail *canceled after the 1.00s statement timeout" "pg_sleep(10) with timeout 1s is canceled"
[ "$ms" -ge 900 ] && [ "$ms" -lt 3000 ] && ok "at about 1s (${ms}ms)" || fail "took ${ms}ms"
left=$(psql_ "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(10)' AND state = 'active'")
[ "$left" = 0 ] && ok "the statement no longer runs on the server" || fail "$left statements still run"

# A table locked by a migration's ALTER: tables_exist stops at the timeout.
PGAPPNAME=t0650-hold psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d t0650 \
	-c "BEGIN; LOCK TABLE two IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30);" >/dev/null 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do
	[ "$(psql_ "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'two' AND l.granted" t0650)" -ge 1 ] && break
	sleep 0.1
done
cat >"$T/locked.yml" <<YML
cutover: 1
name: t0650
checks:
  - { id: locked, kind: sql, target: "$PG", tables_exist: [two], timeout: 1s }
YML
t0=$(date +%s%N)
run "$CUTOVER" check "$T/locked.yml" --format json
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
want locked "fail 1 of 1 tables not probed, the probe timed out (a lock?): two (query on * canceled after the 1.00s statement timeout)" "tables_exist on a locked table is canceled at the timeout"
case $(st locked) in *missing*) fail "a locked table is called missing" "$(st locked)" ;;
*) ok "a locked table is not called missing" ;; esac
[ "$ms" -lt 3000 ] && ok "at about 1s (${ms}ms)" || fail "took ${ms}ms"
psql_ "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 't0650-hold'" >/dev/null

# A table the check's user may not read is "not readable", told apart from
# a missing one by the SQLSTATE (42501, 42P01), not the message.
psql_ "DROP ROLE IF EXISTS t0650_ro" >/dev/null 2>&1
psql_ "CREATE ROLE t0650_ro LOGIN; REVOKE ALL ON users FROM PUBLIC" t0650
cat >"$T/denied.yml" <<YML
cutover: 1
name: t0650
checks:
  - { id: denied, kind: sql, target: "postgres://t0650_ro@127.0.0.1:$PG_PORT/t0650", tables_exist: [users, nope], timeout: 5s }
YML
run "$CUTOVER" check "$T/denied.yml" --format json
want denied "fail 1 of 2 tables missing: nope (*does not exist); 1 of 2 tables not readable: users (*permission denied*)" "an unreadable table is not readable, not missing"
psql_ "DROP ROLE t0650_ro" t0650 >/dev/null 2>&1

# ---- replies are bounded ---------------------------------------------
cat >"$T/big.yml" <<YML
cutover: 1
name: t0650
checks:
  - { id: many, kind: sql, target: "$PG", query: "SELECT md5(g::text) FROM generate_series(1,20000000) g", expect: x, timeout: 60s }
  - { id: count, kind: sql, target: "$PG", query: "SELECT md5(g::text) FROM generate_series(1,300000) g", rows: ">= 1", timeout: 60s }
  - { id: long-err, kind: sql, target: "$PG", query: "SELECT repeat('x', 50000000)::int", timeout: 60s }
  - { id: long-val, kind: sql, target: "$PG", query: "SELECT repeat('y', 20000000)", expect: x, timeout: 60s }
YML
run /usr/bin/time -f 'maxrss %M' -o "$T/time" "$CUTOVER" check "$T/big.yml" --format json
want many "fail *returned more than 1000 rows × 1 column; one value was expected*" "20 million rows for one value: stopped after 1000"
want count "pass query returned 300000 rows × 1 column" "rows counts every row"
want long-err "fail query on *xxxxxxxx ... (truncated)" "a 50 MB error message is cut"
want long-val "fail *returned a value longer than 4096 bytes (truncated): not compared" "a 20 MB value is not compared"
len=$(printf '%s\n' "$out" | wc -c)
[ "$len" -lt 30000 ] && ok "the report stays small ($len bytes)" || fail "report of $len bytes"
rss=$(sed -n 's/^maxrss //p' "$T/time")
# libpq holds the 50 MB error and the 20 MB row whole once (no API to
# bound them); everything else is one row at a time.
[ -n "$rss" ] && [ "$rss" -lt 400000 ] && ok "memory stays bounded (${rss} KiB)" || fail "max RSS ${rss} KiB"
cat >"$T/many.yml" <<YML
cutover: 1
name: t0650
checks:
  - { id: many, kind: sql, target: "$PG", query: "SELECT md5(g::text) FROM generate_series(1,20000000) g", expect: x, timeout: 60s }
YML
run /usr/bin/time -f 'maxrss %M' -o "$T/time" "$CUTOVER" check "$T/many.yml" --format json
rss=$(sed -n 's/^maxrss //p' "$T/time")
[ -n "$rss" ] && [ "$rss" -lt 100000 ] && ok "20 million rows, memory of a few rows (${rss} KiB)" || fail "max RSS ${rss} KiB"

cat >"$T/badrows.yml" <<YML
cutover: 1
name: t0650
checks:
  - { id: both, kind: sql, target: "$PG", query: "SELECT 1", expect: 1, rows: 1 }
  - { id: frac, kind: sql, target: "$PG", query: "SELECT 1", rows: ">= 1.5" }
  - { id: word, kind: sql, target: "$PG", query: "SELECT 1", rows: many }
  - { id: noq, kind: sql, target: "$PG", version: ">= 12", rows: 0 }
  - { id: cmp, kind: sql, query: "SELECT 1", compare: { source: "$PG", target: "$PG" }, rows: 1 }
YML
run "$CUTOVER" lint "$T/badrows.yml"
expect_rc 2 "bad rows keys fail lint"
expect_err "badrows.yml:4:[0-9]+: give 'expect' \(one value\) or 'rows'" "expect and rows together"
expect_err "badrows.yml:5:[0-9]+: 'rows' compares a row count" "a fractional row count"
expect_err "badrows.yml:6:[0-9]+: 'rows' compares a row count" "a word for a row count"
expect_err "badrows.yml:7:[0-9]+: 'rows' judges the result of 'query'" "rows without a query"
expect_err "badrows.yml:8:[0-9]+: 'compare' replaces 'target', 'expect' and 'rows'" "rows with compare"

psql_ "DROP DATABASE IF EXISTS t0650 WITH (FORCE)" >/dev/null 2>&1
my_ "DROP DATABASE IF EXISTS t0650"
done_testing
