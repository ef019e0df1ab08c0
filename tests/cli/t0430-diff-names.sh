#!/bin/bash
# t0430: table names that hold a dot, a quote or a backtick, and a name
# that shadows a catalog table.  A discovered name is one identifier:
# public."s.t" beside schema s with table t (PostgreSQL), `s.t` beside a
# database s with table t (MariaDB) are different tables, and comparing
# the wrong one said "identical" though the data differ.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"

PA="postgres://postgres@127.0.0.1:$PG_PORT/t0430_a"
PB="postgres://postgres@127.0.0.1:$PG_PORT/t0430_b"
MA="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0430_a"
MB="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0430_b"
pga() { pg_sql "$1" t0430_a >/dev/null; }
pgb() { pg_sql "$1" t0430_b >/dev/null; }
cleanup() {
	pg_sql "DROP DATABASE IF EXISTS t0430_a" >/dev/null 2>&1
	pg_sql "DROP DATABASE IF EXISTS t0430_b" >/dev/null 2>&1
	my_sql "DROP DATABASE IF EXISTS t0430_a; DROP DATABASE IF EXISTS t0430_b;
	  DROP DATABASE IF EXISTS t0430_s" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cleanup
mkdir -p "$T"
pg_sql "CREATE DATABASE t0430_a" >/dev/null
pg_sql "CREATE DATABASE t0430_b" >/dev/null

# --- PostgreSQL -----------------------------------------------------------
# Schema s with table t: identical.  public."s.t": one row differs.
for db in a b; do
	v=x; [ $db = b ] && v=y
	pg_sql "CREATE SCHEMA s; CREATE TABLE s.t (id int PRIMARY KEY, v text);
	  INSERT INTO s.t VALUES (1, 'x');
	  CREATE TABLE public.\"s.t\" (id int PRIMARY KEY, v text);
	  INSERT INTO public.\"s.t\" VALUES (1, '$v');
	  CREATE TABLE public.\"q\"\"x\" (id int PRIMARY KEY, v text);
	  INSERT INTO public.\"q\"\"x\" VALUES (1, '$v');
	  CREATE TABLE public.pg_class (id int PRIMARY KEY, v text);
	  INSERT INTO public.pg_class VALUES (1, '$v');" t0430_$db >/dev/null
done
run "$CUTOVER" diff "$PA" "$PB"
expect_rc 1 "pg: a dotted table that differs is a difference"
expect_out '^"s\.t": src 1 row, dst 1 row: 0 missing in target, 0 extra in target, 1 changed' \
	'pg: public."s.t" compared as itself, not as s.t'
expect_out '^"q""x": src 1 row, dst 1 row: .*1 changed' 'pg: a quote in a name'
expect_out '^pg_class: src 1 row, dst 1 row: .*1 changed' \
	'pg: public.pg_class is not pg_catalog.pg_class'
expect_no "s.t: src 1 row, dst 1 row: identical" "pg: no identical s.t line"

run "$CUTOVER" diff "$PA" "$PB" --table '"s.t"'
expect_rc 1 'pg: --table "s.t" names the dotted table'
expect_out '^"s\.t": .*1 changed' 'pg: --table "s.t" compared'
run "$CUTOVER" diff "$PA" "$PB" --table '"s"."t"'
expect_rc 0 'pg: --table "s"."t" names table t of schema s'
expect_out '^s\.t: src 1 row, dst 1 row: identical' 'pg: schema s, table t'
run "$CUTOVER" diff "$PA" "$PB" --table s.t
expect_rc 2 "pg: --table s.t with both tables present is refused"
expect_err "table 's.t' is ambiguous" "pg: says it is ambiguous"
run "$CUTOVER" diff "$PA" "$PB" --exclude-table '"s.t"' --exclude-table '"q""x"' \
	--exclude-table pg_class
expect_rc 0 'pg: --exclude-table "s.t" leaves schema s alone'
run "$CUTOVER" diff "$PA" "$PB" --table '"s.t'
expect_rc 2 "pg: an unbalanced quote is bad input"
expect_err 'table .*"s\.t.*double-quoted' "pg: says how to write it"

# "Users" and "users" side by side on the source, only "users" on the
# target, holding the same rows: "Users" was matched to the target's
# "users" ignoring case, compared twice and its absence hidden.  The
# same for columns "Email" and "email".
pg_sql "CREATE DATABASE t0430_c" >/dev/null 2>&1
pg_sql "CREATE TABLE \"Users\" (id int PRIMARY KEY, v text); INSERT INTO \"Users\" VALUES (1, 'x');
  CREATE TABLE users (id int PRIMARY KEY, v text); INSERT INTO users VALUES (1, 'x');
  CREATE TABLE c (id int PRIMARY KEY, \"Email\" text, email text); INSERT INTO c VALUES (1, 'b', 'b');" t0430_a >/dev/null
pg_sql "CREATE TABLE users (id int PRIMARY KEY, v text); INSERT INTO users VALUES (1, 'x');
  CREATE TABLE c (id int PRIMARY KEY, email text); INSERT INTO c VALUES (1, 'b');" t0430_c >/dev/null
PC="postgres://postgres@127.0.0.1:$PG_PORT/t0430_c"
run "$CUTOVER" diff "$PA" "$PC" --table Users,users,c
expect_rc 1 "pg: Users and users on one side, users on the other"
expect_out '^Users: only in source' 'pg: "Users" is not matched to the other "users"'
expect_out '^users: src 1 row, dst 1 row: identical' 'pg: users matched exactly'
expect_out 'schema   column Email: missing in target' 'pg: column "Email" is not matched to "email"'
run "$CUTOVER" diff "$PA" "$PC" --table USERS
expect_rc 2 "pg: --table USERS matching two tables ignoring case is refused"
pg_sql "DROP DATABASE t0430_c" >/dev/null

# A URL without a database lists no table: an error, never "0 tables,
# identical".
run "$CUTOVER" diff "mysql://cutover:cutover@127.0.0.1:$MY_PORT/" "mysql://cutover:cutover@127.0.0.1:$MY_PORT/"
expect_rc 2 "mariadb: no database in the URL is an error"
expect_err "no database selected" "mariadb: says so"
run "$CUTOVER" diff "$PA?options=-csearch_path%3Dnosuch" "$PB"
expect_rc 2 "pg: no schema on search_path is an error"
expect_err "no schema of search_path exists" "pg: says so"

# --- MariaDB --------------------------------------------------------------
# Database t0430_s with table t, read by both sides when `t0430_s.t` was
# split at its dot: that said identical.
my_sql "CREATE DATABASE t0430_a; CREATE DATABASE t0430_b; CREATE DATABASE t0430_s;
  CREATE TABLE t0430_s.t (id int PRIMARY KEY, v text); INSERT INTO t0430_s.t VALUES (1, 'x');
  CREATE TABLE t0430_a.\`t0430_s.t\` (id int PRIMARY KEY, v text);
  INSERT INTO t0430_a.\`t0430_s.t\` VALUES (1, 'x');
  CREATE TABLE t0430_b.\`t0430_s.t\` (id int PRIMARY KEY, v text);
  INSERT INTO t0430_b.\`t0430_s.t\` VALUES (1, 'y'), (2, 'z');
  CREATE TABLE t0430_a.\`b\`\`q\` (id int PRIMARY KEY, v text);
  INSERT INTO t0430_a.\`b\`\`q\` VALUES (1, 'x');
  CREATE TABLE t0430_b.\`b\`\`q\` (id int PRIMARY KEY, v text);
  INSERT INTO t0430_b.\`b\`\`q\` VALUES (1, 'y');"
run "$CUTOVER" diff "$MA" "$MB"
expect_rc 1 "mariadb: a dotted table that differs is a difference"
expect_out '^"t0430_s\.t": src 1 row, dst 2 rows: 0 missing in target, 1 extra in target, 1 changed' \
	'mariadb: `t0430_s.t` compared as itself, not as database t0430_s'
expect_out '^b`q: src 1 row, dst 1 row: .*1 changed' 'mariadb: a backtick in a name'
run "$CUTOVER" diff "$MA" "$MB" --table '"t0430_s.t"'
expect_rc 1 'mariadb: --table "t0430_s.t"'
run "$CUTOVER" diff "$MA" "$MB" --table t0430_s.t
expect_rc 2 "mariadb: --table t0430_s.t with both present is refused"
run "$CUTOVER" diff "$MA" "$MB" --table '"t0430_s"."t"'
expect_rc 0 'mariadb: "t0430_s"."t" is the database t0430_s, table t'
# Across engines: PostgreSQL's "s.t" against MariaDB's.
my_sql "CREATE TABLE t0430_a.\`s.t\` (id int PRIMARY KEY, v text);
  INSERT INTO t0430_a.\`s.t\` VALUES (1, 'x');"
run "$CUTOVER" diff "$PB" "$MA" --table '"s.t"'
expect_rc 1 'pg -> mariadb: "s.t" on both sides, one row differs'
expect_out '^"s\.t": src 1 row, dst 1 row: .*1 changed' 'pg -> mariadb: compared'

# --- row-count: the same names ---------------------------------------------
cat >"$T/rc.yml" <<EOF
cutover: 1
name: t0430
targets:
  a: $MA
  b: $MB
checks:
  - { id: rc-dotted, kind: row-count, source: a, target: b, tables: ['"t0430_s.t"'] }
  - { id: rc-quote, kind: row-count, source: a, target: b, tables: ['b\`q'] }
  - { id: rc-ambiguous, kind: row-count, source: a, target: b, tables: [t0430_s.t] }
EOF
run "$CUTOVER" check -f json "$T/rc.yml"
expect_rc 1 "row-count: a dotted table's counts differ"
st=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "rc-dotted") | .status + " " + .message' 2>/dev/null)
case $st in
"fail 1 of 1 table differ: \"t0430_s.t\" (source 1, target 2)") ok "row-count: dotted name counted as itself" ;;
*) fail "row-count: dotted name: $st" "$out" ;;
esac
st=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "rc-quote") | .status' 2>/dev/null)
expect_eq "$st" pass "row-count: a backtick in a name"
st=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "rc-ambiguous") | .status + " " + .message' 2>/dev/null)
case $st in
"fail table 't0430_s.t': table 't0430_s.t' is ambiguous"*) ok "row-count: an ambiguous dotted name is refused" ;;
*) fail "row-count: ambiguous: $st" "$out" ;;
esac
cat >"$T/rcbad.yml" <<EOF
cutover: 1
name: t0430
targets:
  a: $MA
  b: $MB
checks:
  - { id: rc-bad, kind: row-count, source: a, target: b, tables: ['"open'] }
  - { id: dd-bad, kind: data-diff, source: a, target: b, tables: ['x"y'] }
EOF
run "$CUTOVER" lint "$T/rcbad.yml"
expect_rc 2 "row-count: an unbalanced quote is refused by lint"
expect_err 'rcbad\.yml:[0-9]+:[0-9]+: .*"open' "row-count: lint names the place"
expect_err "rcbad\.yml:[0-9]+:[0-9]+: check 'dd-bad': table 'x\"y'" "data-diff: lint names the place"
# A dotted name in data-diff's tables, quoted: the dotted table itself.
cat >"$T/dd.yml" <<EOF
cutover: 1
name: t0430
targets:
  a: $MA
  b: $MB
checks:
  - { id: dd-dotted, kind: data-diff, source: a, target: b, tables: ['"t0430_s.t"'] }
EOF
run "$CUTOVER" check -f json "$T/dd.yml"
expect_rc 1 "data-diff: the dotted table differs"

done_testing
