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
psql_ "DROP DATABASE IF EXISTS t0650 WITH (FORCE)" >/dev/null 2>&1
my_ "DROP DATABASE IF EXISTS t0650"
done_testing
