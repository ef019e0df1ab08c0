#!/bin/bash
# t0652-sql-value: an `sql` check's value, which watches' `value` rules
# and `success` percentiles judge, on the shared PostgreSQL and MariaDB:
# the seconds its statements took (default), the query's number
# (`value: result`, or the row count with `rows`) and the share of
# connections in use (`value: connections`).  Before it had one, a value
# rule on an sql check never fired and a p95 rule failed "no data".
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 CLI missing"; exit 0; }
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${2:-postgres}" -tA -c "$1"; }
my_() { mariadb --no-defaults -S "$MY_SOCK" -uroot -N -B -e "$1"; }
q() { sqlite3 "$T/j.db" "$1" 2>/dev/null; }

psql_ "DROP DATABASE IF EXISTS t0652" >/dev/null 2>&1
psql_ "CREATE DATABASE t0652"
psql_ "CREATE TABLE queue (id int); INSERT INTO queue SELECT generate_series(1, 7)" t0652
my_ "DROP DATABASE IF EXISTS t0652; CREATE DATABASE t0652; CREATE TABLE t0652.queue (id INT);
INSERT INTO t0652.queue VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9); GRANT ALL ON t0652.* TO 'cutover'@'%'"
PG="postgres://postgres@127.0.0.1:$PG_PORT/t0652"
MY="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0652"

cat >"$T/plan.yml" <<YML
cutover: 1
name: t0652
targets: { pg: "$PG", my: "$MY" }
checks:
  - { id: pg-slow, kind: sql, target: pg, query: "SELECT pg_sleep(0.2)" }
  - { id: my-slow, kind: sql, target: my, query: "SELECT SLEEP(0.2)" }
  - { id: pg-count, kind: sql, target: pg, query: "SELECT count(*) FROM queue", expect: "> 0", value: result }
  - { id: my-count, kind: sql, target: my, query: "SELECT count(*) FROM queue", value: result }
  - { id: my-rows, kind: sql, target: my, query: "SELECT id FROM queue WHERE id > 6", rows: ">= 0", value: result }
  - { id: pg-text, kind: sql, target: pg, query: "SELECT 'abc'", value: result }
  - { id: pg-pool, kind: sql, target: pg, max_connections_used: 99%, value: connections }
  - { id: my-pool, kind: sql, target: my, max_connections_used: 99%, value: connections }
  - { id: cmp, kind: sql, query: "SELECT count(*) FROM queue", compare: { source: pg, target: pg } }
YML
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 0 "every check passes"
val() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | .value // "none"'; }
between() {
	local v; v=$(val "$1")
	python3 -c "import sys; v=sys.argv[1]; sys.exit(0 if v != 'none' and $2 <= float(v) < $3 else 1)" "$v" &&
		ok "$1: value $v in [$2, $3)" || fail "$1: value $v not in [$2, $3)" "$out"
}
between pg-slow 0.2 5
between my-slow 0.2 5
between pg-count 7 7.0001
between my-count 9 9.0001
between my-rows 3 3.0001
between pg-pool 0.0001 99
between my-pool 0.0001 99
between cmp 0 5
expect_eq "$(val pg-text)" none "a text result gives no value"

# A watch: the value rule fires on MariaDB's count, held for 1 s.
cat >"$T/trig.yml" <<YML
cutover: 1
name: t0652-trig
targets: { my: "$MY" }
checks:
  - { id: my-count, kind: sql, target: my, query: "SELECT count(*) FROM queue", value: result }
phases:
  - id: post
    watch: { every: 300ms, for: 6s }
    rollback_if:
      - { check: my-count, value: "> 8", for: 1s }
YML
run "$CUTOVER" watch "$T/trig.yml" --state "$T/j.db"
expect_rc 1 "value > 8 held for 1s on the query's number fires"
expect_out "value > 8 held for" "the trigger says why"
expect_eq "$(q "select count(*) from triggers")" 1 "the trigger is journaled"
rm -f "$T/j.db"*

# The seeds' metrics table: DB query p95 < 50 ms fails on a 200 ms query,
# holds on a fast one; max of the queue's size from PostgreSQL.
cat >"$T/succ.yml" <<YML
cutover: 1
name: t0652-succ
targets: { pg: "$PG" }
checks:
  - { id: fast, kind: sql, target: pg, query: "SELECT 1" }
  - { id: slow, kind: sql, target: pg, query: "SELECT pg_sleep(0.2)" }
  - { id: depth, kind: sql, target: pg, query: "SELECT count(*) FROM queue", value: result }
phases:
  - id: post
    watch: { every: 300ms, for: 2s }
    success:
      - { check: fast, p95: "< 50ms" }
      - { check: slow, p95: ">= 200ms" }
      - { check: depth, max: "== 7" }
YML
run "$CUTOVER" watch "$T/succ.yml" --state "$T/j.db" --format jsonl
expect_rc 0 "every success rule on sql values holds"
printf '%s\n' "$out" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
got = {r["check"]: r for r in rows if r["type"] == "success"}
assert got["depth"]["measured"] == 7, got["depth"]
assert 0 < got["fast"]["measured"] < 0.05, got["fast"]
assert got["slow"]["measured"] >= 0.2, got["slow"]
assert all(r["verdict"] == "pass" and r["samples"] >= 3 for r in got.values()), got
' 2>"$T/py.err" && ok "measured figures: p95 in seconds, max of the count" ||
	fail "measured figures" "$(cat "$T/py.err")"
psql_ "DROP DATABASE IF EXISTS t0652" >/dev/null 2>&1
my_ "DROP DATABASE IF EXISTS t0652"
done_testing
