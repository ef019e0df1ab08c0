#!/bin/bash
# t0452: the repair at scale and when things go wrong: 100k rows with 1%
# random changes (PostgreSQL -> PostgreSQL in checksum mode, PostgreSQL ->
# MariaDB in stream mode); kill -9 in the middle of --apply leaves whole
# chunks only, and a rerun completes it; a keyless table is refused with
# the reason; --apply asks on a terminal (counts shown, "n" changes
# nothing) and refuses without one unless --yes; doubles at the edges;
# foreign keys between repaired tables on MariaDB; options that make no
# sense together; a runbook step that calls `cutover diff --apply --yes`.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"

DB=t0452
cleanup() {
	pg_sql "DROP DATABASE IF EXISTS ${DB}_s" >/dev/null 2>&1
	pg_sql "DROP DATABASE IF EXISTS ${DB}_d" >/dev/null 2>&1
	my_sql "DROP DATABASE IF EXISTS ${DB}_d" 2>/dev/null
	rm -rf "$T"
}
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; cleanup' EXIT
cleanup
mkdir -p "$T"
pg_sql "CREATE DATABASE ${DB}_s" >/dev/null
pg_sql "CREATE DATABASE ${DB}_d" >/dev/null
my_sql "CREATE DATABASE ${DB}_d"
S="postgres://postgres@127.0.0.1:$PG_PORT/${DB}_s"
D="postgres://postgres@127.0.0.1:$PG_PORT/${DB}_d"
M="mysql://cutover:cutover@127.0.0.1:$MY_PORT/${DB}_d"
pgs() { pg_sql "$1" "${DB}_s"; }
pgd() { pg_sql "$1" "${DB}_d"; }
myd() { my_sql "$1" "${DB}_d"; }

# --- 100k rows, 1% changed at random ------------------------------------
pgs "CREATE TABLE big (id bigint PRIMARY KEY, v text, n int, f double precision);
  INSERT INTO big SELECT g, 'v' || g, g * 7 % 1000, g * 0.5
  FROM generate_series(1, 100000) g" >/dev/null
pgd "CREATE TABLE big (id bigint PRIMARY KEY, v text, n int, f double precision);
  INSERT INTO big SELECT g, 'v' || g, g * 7 % 1000, g * 0.5
  FROM generate_series(1, 100000) g;
  UPDATE big SET v = v || 'x', f = f + 0.25
    WHERE id IN (SELECT id FROM big ORDER BY random() LIMIT 500);
  DELETE FROM big WHERE id IN (SELECT id FROM big WHERE v NOT LIKE '%x'
    ORDER BY random() LIMIT 250);
  INSERT INTO big SELECT g, 'extra', 0, 0 FROM generate_series(100001, 100250) g" >/dev/null
myd "CREATE TABLE big (id bigint PRIMARY KEY, v longtext, n int, f double);
  INSERT INTO big SELECT seq, CONCAT('v', seq), seq * 7 % 1000, seq * 0.5
  FROM seq_1_to_100000;
  UPDATE big SET v = CONCAT(v, 'x') ORDER BY RAND() LIMIT 500;
  DELETE FROM big WHERE v NOT LIKE '%x' ORDER BY RAND() LIMIT 250;
  INSERT INTO big SELECT seq, 'extra', 0, 0 FROM seq_100001_to_100250"

run "$CUTOVER" diff "$S" "$D" --table big --apply --yes
expect_rc 0 "100k PostgreSQL: --apply makes them identical"
expect_err "repair: DELETE 250, UPDATE 500, INSERT 250 in 2 transaction" "100k PostgreSQL: 1% as counted"
expect_err "re-verified 1 table: 1 identical" "100k PostgreSQL: re-verified"
expect_out "checksum" "100k PostgreSQL: found in checksum mode"
run "$CUTOVER" diff "$S" "$D" --table big --apply --yes
expect_err "nothing to apply" "100k PostgreSQL: idempotent"

run "$CUTOVER" diff "$S" "$M" --table big --repair-sql "$T/big.sql"
expect_rc 1 "100k to MariaDB: differences"
expect_err "repair: DELETE 250, UPDATE 500, INSERT 250" "100k to MariaDB: 1% as counted"
run "$CUTOVER" diff "$S" "$M" --table big --apply --yes
expect_rc 0 "100k to MariaDB: --apply makes them identical"
run "$CUTOVER" diff "$S" "$M" --table big
expect_rc 0 "100k to MariaDB: a fresh diff agrees"

# --- doubles at the edges, and values an engine cannot store -------------
pgs "CREATE TABLE fl (id int PRIMARY KEY, f double precision);
  INSERT INTO fl VALUES (1, 'Infinity'), (2, '-Infinity'), (3, 'NaN'),
  (4, '-0'), (5, 4.9e-324), (6, 1.7976931348623157e308), (7, 0.1)" >/dev/null
pgd "CREATE TABLE fl (id int PRIMARY KEY, f double precision);
  INSERT INTO fl VALUES (7, 0.1000000000000000194)" >/dev/null
myd "CREATE TABLE fl (id int PRIMARY KEY, f double)"
run "$CUTOVER" diff "$S" "$D" --table fl --apply --yes
expect_rc 0 "doubles: infinities, NaN, a denormal, the last bit"
run "$CUTOVER" diff "$S" "$M" --table fl --apply --yes
expect_rc 1 "doubles to MariaDB: not repaired"
expect_err "repair: fl: not repaired: a value the target cannot store \(NaN or infinity\)" "doubles to MariaDB: says why"

# --- foreign keys: a child table repaired before its parent (MariaDB) ----
pgs "CREATE TABLE b_parent (id int PRIMARY KEY);
  CREATE TABLE a_child (id int PRIMARY KEY, p int REFERENCES b_parent);
  INSERT INTO b_parent VALUES (1), (2); INSERT INTO a_child VALUES (1, 1), (2, 2)" >/dev/null
myd "CREATE TABLE b_parent (id int PRIMARY KEY);
  CREATE TABLE a_child (id int PRIMARY KEY, p int, FOREIGN KEY (p) REFERENCES b_parent (id));
  INSERT INTO b_parent VALUES (1), (3); INSERT INTO a_child VALUES (1, 1), (3, 3)"
run "$CUTOVER" diff "$S" "$M" --table a_child,b_parent --apply --yes
expect_rc 0 "foreign keys: child before parent, repaired"
expect_err "re-verified 2 tables: 2 identical" "foreign keys: re-verified"

# --- kill -9 in the middle of --apply --------------------------------------
pgs "CREATE TABLE k (id int PRIMARY KEY, v text);
  INSERT INTO k SELECT g, 'k' || g FROM generate_series(1, 2000) g" >/dev/null
# A slow target: 2 ms per row, so that the kill lands mid-way.
pgd "CREATE TABLE k (id int PRIMARY KEY, v text);
  CREATE FUNCTION slow() RETURNS trigger AS \$\$ BEGIN PERFORM pg_sleep(0.002);
  RETURN NEW; END \$\$ LANGUAGE plpgsql;
  CREATE TRIGGER slow BEFORE INSERT ON k FOR EACH ROW EXECUTE FUNCTION slow()" >/dev/null
"$CUTOVER" diff "$S" "$D" --table k --apply --yes --repair-chunk 100 \
	>"$T/kill.out" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
n=0
for _ in $(seq 200); do
	n=$(pgd "SELECT count(*) FROM k")
	[ "$n" -ge 100 ] && break
	sleep 0.05
done
sleep 0.3
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
sleep 0.5	# the server rolls back the chunk whose client died
n=$(pgd "SELECT count(*) FROM k")
if [ "$n" -gt 0 ] && [ "$n" -lt 2000 ] && [ $((n % 100)) -eq 0 ]; then
	ok "kill -9: $n rows, whole chunks only"
else
	fail "kill -9: $n rows is not a positive multiple of 100 below 2000" "$(cat "$T/kill.out")"
fi
pgd "DROP TRIGGER slow ON k" >/dev/null
run "$CUTOVER" diff "$S" "$D" --table k --apply --yes --repair-chunk 100
expect_rc 0 "kill -9: a rerun completes it"
expect_err "INSERT $((2000 - n)) " "kill -9: the rerun inserts what is left"

# --- a keyless table -----------------------------------------------------
pgs "CREATE TABLE nk (a int, b text); INSERT INTO nk VALUES (1, 'x'), (1, 'x')" >/dev/null
pgd "CREATE TABLE nk (a int, b text); INSERT INTO nk VALUES (1, 'x')" >/dev/null
run "$CUTOVER" diff "$S" "$D" --table nk,k --apply --yes --repair-sql "$T/nk.sql"
expect_rc 1 "keyless: the difference stays"
expect_err "repair: nk: not repaired: no key \(no primary key or unique NOT NULL index, and no --key\)" "keyless: refused with the reason"
expect_err "nothing to apply" "keyless: nothing applied"
if grep -q '"nk"' "$T/nk.sql"; then fail "keyless: statements written"; else ok "keyless: no statement written"; fi
run "$CUTOVER" diff "$S" "$D" --table nk --key a,b --repair-sql "$T/nk.sql"
expect_err "DELETE 0, UPDATE 0, INSERT 0" "--key on duplicates: still no statement"

# --- asking first --------------------------------------------------------
pgd "UPDATE k SET v = 'changed' WHERE id = 7" >/dev/null
run "$CUTOVER" diff "$S" "$D" --table k --apply </dev/null
expect_rc 2 "--apply without a terminal and without --yes"
expect_err "--apply changes the target: run it on a terminal to confirm, or pass --yes" "says why"
printf 'n\n' | script -qec "$CUTOVER diff '$S' '$D' --table k --apply" /dev/null >"$T/tty.out" 2>&1
out=$(cat "$T/tty.out")
expect_out "DELETE 0, UPDATE 1, INSERT 0 in 1 transaction\(s\) on 1 table\(s\)\.  Apply\? \[y/N\]" "terminal: the counts, then the question"
expect_out "not applied" "terminal: n applies nothing"
expect_eq "$(pgd "SELECT v FROM k WHERE id = 7")" "changed" "terminal: target unchanged"
printf 'y\n' | script -qec "$CUTOVER diff '$S' '$D' --table k --apply" /dev/null >"$T/tty.out" 2>&1
out=$(cat "$T/tty.out")
expect_out "re-verified 1 table: 1 identical" "terminal: y applies"
expect_eq "$(pgd "SELECT v FROM k WHERE id = 7")" "k7" "terminal: target repaired"

# --- options --------------------------------------------------------------
run "$CUTOVER" diff "$S" "$D" --yes
expect_rc 2 "--yes without --apply"
expect_err "--yes: only with --apply" "--yes: says why"
run "$CUTOVER" diff "$S" "$D" --repair-sql "$T/x.sql" --columns v
expect_rc 2 "--repair-sql with --columns"
expect_err "would insert partial rows" "--columns: says why"
run "$CUTOVER" diff "$S" "$D" --repair-chunk 10
expect_rc 2 "--repair-chunk alone"
run "$CUTOVER" diff "$S" "$D" --apply --yes --repair-chunk 0
expect_rc 2 "--repair-chunk 0"

# --- a runbook step calls the repair ---------------------------------------
pgd "DELETE FROM k WHERE id > 1990" >/dev/null
cat >"$T/plan.yml" <<EOF
cutover: 1
name: repair-step
checks:
  - { id: same, kind: data-diff, source: "$S", target: "$D", tables: [k] }
phases:
  - id: fix
    steps:
      - id: repair
        shell: "$CUTOVER diff '$S' '$D' --table k --apply --yes"
    gate: [same]
EOF
run "$CUTOVER" run "$T/plan.yml" --yes --state "$T/state.db"
expect_rc 0 "runbook: the step repairs, the gate passes"
expect_eq "$(pgd "SELECT count(*) FROM k")" "2000" "runbook: target complete"

done_testing
