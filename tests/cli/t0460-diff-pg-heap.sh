#!/bin/bash
# t0460: PostgreSQL's checksum pass by stretches of the heap (TID ranges,
# one per bucket, found from each bucket's first key in the index).  The
# answer must not depend on where rows are stored: rows an UPDATE moved
# (to the end of the table, or into space VACUUM freed near its start),
# a moved row that is also a bucket's first, more moved rows in one
# stretch than its stray list holds (that stretch is grouped again), a
# table stored in random order (the GROUP BY is used instead), keys so
# sparse that most buckets have no first key, keys across zero and near
# the ends of bigint, a partitioned table (ctids are per partition: the
# GROUP BY again), and --where.  Each table's differences in checksum
# mode are exactly those of stream mode and of the list written here
# (also with changes in many buckets); the server's log shows which pass
# ran, and that differing buckets were narrowed by their stretches (the
# rows of each bucket in its own stretch, the strays listed elsewhere,
# the rows in a regrouped stretch), not by key ranges.  Names that need
# quoting too.
. "$(dirname "$0")/lib.sh"
started=$([ -z "${PG_PORT:-}" ] && echo 1)
use_pg
PSQL="psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U postgres"
cleanup_dbs() { $PSQL -c "DROP DATABASE IF EXISTS t0460_src" -c "DROP DATABASE IF EXISTS t0460_dst" >/dev/null 2>&1; }
trap 'cleanup_dbs; [ -n "$started" ] && stop_all; _cleanup' EXIT
cleanup_dbs
$PSQL -c "CREATE DATABASE t0460_src" -c "CREATE DATABASE t0460_dst" >/dev/null || fail "create"
for db in t0460_src t0460_dst; do
	$PSQL -d $db <<'SQL' >/dev/null || fail "load $db"
CREATE TABLE h_order (id int PRIMARY KEY, a int, b text);
INSERT INTO h_order SELECT g * 16, g * 7, md5(g::text) FROM generate_series(1, 20000) g WHERE g <> 15000;
CREATE TABLE h_same (id bigint PRIMARY KEY, a int, b text);
INSERT INTO h_same SELECT g * 16, g, md5(g::text) FROM generate_series(1, 20000) g;
CREATE TABLE h_moved (id bigint PRIMARY KEY, a int, b text);
INSERT INTO h_moved SELECT g * 16, g, md5(g::text) FROM generate_series(1, 20000) g;
CREATE TABLE h_many (id int PRIMARY KEY, a int);
INSERT INTO h_many SELECT g * 16, g FROM generate_series(1, 20000) g;
CREATE TABLE h_shuf (id int PRIMARY KEY, a text);
INSERT INTO h_shuf SELECT g * 16, md5(g::text) FROM generate_series(1, 20000) g ORDER BY random();
CREATE TABLE h_sparse (id bigint PRIMARY KEY, a int);
INSERT INTO h_sparse SELECT g * 101, g FROM generate_series(1, 3000) g;
CREATE TABLE h_neg (id bigint PRIMARY KEY, a int);
INSERT INTO h_neg SELECT g * 16, g FROM generate_series(-10000, 10000) g;
CREATE TABLE h_big (id bigint PRIMARY KEY, a int);
INSERT INTO h_big SELECT g * 3074457345618258, g FROM generate_series(-3000, 3000) g;
CREATE TABLE "h ""odd"".name" ("k ey" int PRIMARY KEY, "b""x" text);
INSERT INTO "h ""odd"".name" SELECT g * 16, md5(g::text) FROM generate_series(1, 20000) g;
CREATE TABLE public.pg_class (id int PRIMARY KEY, a int);
INSERT INTO public.pg_class SELECT g * 16, g FROM generate_series(1, 20000) g;
CREATE TABLE h_part (id int PRIMARY KEY, a int) PARTITION BY RANGE (id);
CREATE TABLE h_part_1 PARTITION OF h_part FOR VALUES FROM (MINVALUE) TO (160001);
CREATE TABLE h_part_2 PARTITION OF h_part FOR VALUES FROM (160001) TO (MAXVALUE);
INSERT INTO h_part SELECT g * 32, g FROM generate_series(1, 10000) g;
VACUUM ANALYZE;
SQL
done
# The target's faults.  h_order: a changed row (moved to the end by its
# UPDATE), a missing one, an extra one inside the key range (stored at
# the end), two rows' values swapped, 1 row in 97 moved with its value
# kept (more strays than the last stretch lists) and one of those
# changed.  h_same: a tenth of the rows moved to the end, space freed,
# another tenth moved into it, nothing changed.
$PSQL -d t0460_dst <<'SQL' >/dev/null || fail "mutate"
UPDATE h_order SET a = a + 1 WHERE id = 5 * 16;
DELETE FROM h_order WHERE id = 10000 * 16;
INSERT INTO h_order VALUES (15000 * 16, 15000 * 7, md5('15000'));
UPDATE h_order SET a = CASE id WHEN 1600 THEN 707 ELSE 700 END WHERE id IN (1600, 1616);
UPDATE h_order SET a = a WHERE id % (97 * 16) = 0;
UPDATE h_order SET a = -a WHERE id = 4850 * 16;
UPDATE h_order SET a = -a WHERE id = 19990 * 16;
UPDATE h_same SET a = a WHERE id % 160 = 0;
VACUUM h_same;
UPDATE h_same SET a = a WHERE id % 160 = 80;
UPDATE h_moved SET a = a WHERE id % 160 = 0;
VACUUM h_moved;
UPDATE h_moved SET a = a WHERE id % 160 = 80;
UPDATE h_moved SET a = -a WHERE id IN (80 * 16, 85 * 16, 12345 * 16, 12350 * 16);
UPDATE h_shuf SET a = 'x' WHERE id = 777 * 16;
UPDATE h_many SET a = -a WHERE id % (16 * 97) = 16;
UPDATE h_sparse SET a = -1 WHERE id = 101 * 1500;
DELETE FROM h_sparse WHERE id = 101 * 2999;
UPDATE h_neg SET a = 0 WHERE id IN (-5000 * 16, 7000 * 16);
DELETE FROM h_neg WHERE id = 0;
UPDATE h_big SET a = 0 WHERE id IN (-3000 * 3074457345618258, 3000 * 3074457345618258, 3074457345618258);
UPDATE h_part SET a = 0 WHERE id IN (2 * 32, 9999 * 32) OR id % (32 * 250) = 0;
UPDATE "h ""odd"".name" SET "b""x" = 'x' WHERE "k ey" = 160;
UPDATE public.pg_class SET a = 0 WHERE id = 320;
SQL
for db in t0460_src t0460_dst; do
	$PSQL -c "ALTER DATABASE $db SET log_statement = 'all'" >/dev/null
done
S="postgres://postgres@127.0.0.1:$PG_PORT/t0460_src"
D="postgres://postgres@127.0.0.1:$PG_PORT/t0460_dst"
LOG=${PG_DIR:+$PG_DIR/log}
lines() {
	printf '%s\n' "$out" | awk '/^[^ ]/ { t = $1; next } /^  / { $1 = $1; print t " " $0 }' | sort
}
# log_since N: the server log after its first N bytes
log_since() { tail -c +"$(( $1 + 1 ))" "$LOG"; }
# logged TABLE PATTERN: the statements of a checksum diff of TABLE that
# match PATTERN, counted
logged() {
	local at; at=$(stat -c %s "$LOG")
	run "$CUTOVER" diff --mode checksum -t "$1" "$S" "$D"
	log_since "$at" | grep -c "$2"
}
check() {	# TABLE WANT PASS [ARGS...]: PASS tid or group
	local t=$1 want=$2 pass=$3; shift 3
	local at=0
	[ -n "$LOG" ] && at=$(stat -c %s "$LOG")
	run "$CUTOVER" diff --mode checksum -t "$t" "$@" "$S" "$D"
	CHECK_LOG=$([ -n "$LOG" ] && log_since "$at")
	expect_rc "$([ -n "$want" ] && echo 1 || echo 0)" "$t: exit status"
	local sum; sum=$(lines)
	expect_eq "$sum" "$want" "$t: checksum mode names exactly the differences"
	run "$CUTOVER" diff --mode stream -t "$t" "$@" "$S" "$D"
	expect_eq "$(lines)" "$sum" "$t: stream mode agrees"
	[ -z "$LOG" ] && return
	local n; n=$(log_since "$at" | grep -c "CROSS JOIN LATERAL (SELECT count(\*) AS n, .* FROM \"public\".\"$t\" WHERE ctid")
	if [ "$pass" = tid ]; then
		expect_eq "$n" 2 "$t: both sides summed the heap's stretches"
	else
		expect_eq "$n" 0 "$t: no stretches: the GROUP BY ran"
	fi
}
# narrowed WHAT TABLE: the last checksum run narrowed its differing
# buckets by stretches on both sides, with WHAT (regrouped: a regrouped
# stretch's rows read on one side; strays: the strays counted, so that
# only the N changed sub-buckets are read again, N the 3rd argument).
# A narrowing reads only the differing buckets' rows of each stretch:
# NARROW matches its query (a stretch regrouped in the pass reads all).
NARROW='AS cutover_c(b, c0, c1) CROSS JOIN LATERAL (SELECT "id" / [0-9]* AS b, count(\*) AS n, .*"id" / [0-9]* = \(cutover_c\.b\|ANY(\)'
narrowed() {
	local q; q=$(printf '%s\n' "$CHECK_LOG" | grep "$NARROW" | grep "FROM \"public\".\"$2\" WHERE ctid")
	expect_eq "$(printf '%s\n' "$q" | grep -c .)" 2 \
	    "$2: differing buckets narrowed by their stretches on both sides"
	expect_eq "$(printf '%s\n' "$CHECK_LOG" | grep -c "AS b, count(\*), sum(.*\"$2\" WHERE (\"id\" BETWEEN")" 0 \
	    "$2: no key ranges summed"
	case $1 in
	regrouped) expect_eq "$(printf '%s\n' "$q" | grep -c '"id" / [0-9]* = ANY(')" 1 \
	    "$2: the target's regrouped stretch read for those buckets' rows" ;;
	strays) expect_eq "$(printf '%s\n' "$CHECK_LOG" | grep "COPY (SELECT .* FROM \"public\".\"$2\" WHERE" | grep -o '"id" BETWEEN' | wc -l)" $(( $3 * 2 )) \
	    "$2: strays counted in their sub-buckets: only the $3 changed ones read again" ;;
	esac
}
check h_order "h_order: changed id=1600: a
h_order: changed id=1616: a
h_order: changed id=319840: a
h_order: changed id=77600: a
h_order: changed id=80: a
h_order: extra id=240000
h_order: missing id=160000" tid
if [ -n "$LOG" ]; then
	narrowed regrouped h_order
	# the last stretch's strays: more than its list holds
	expect_eq "$(logged h_order 'SELECT cutover_g.b, cutover_g.n, cutover_g.s FROM unnest(.*ctid < cutover_c.c1 GROUP BY 1) AS cutover_g$')" 1 \
	    "h_order: the target's stretch with too many strays grouped again"
fi
# Rows moved into space VACUUM freed, two of them changed: their buckets
# differ, and their rows are strays of other stretches (listed).
check h_moved "h_moved: changed id=1280: a
h_moved: changed id=1360: a
h_moved: changed id=197520: a
h_moved: changed id=197600: a" tid
[ -n "$LOG" ] && narrowed strays h_moved 4
check h_same "" tid
if [ -n "$LOG" ]; then
	# every moved row counted in its own bucket: no bucket differs, so
	# no key range is read again
	expect_eq "$(logged h_same 'h_same" WHERE ("id" BETWEEN')" 0 \
	    "h_same: strays put back in their buckets: nothing read again"
fi
# Changes in many buckets (a quarter): no second pass over the table.
want=$(for g in $(seq 1 97 20000); do echo "h_many: changed id=$((g * 16)): a"; done | sort)
check h_many "$want" tid --max-diffs 1000
if [ -n "$LOG" ]; then
	narrowed regrouped h_many
	expect_eq "$(printf '%s\n' "$CHECK_LOG" | grep -c 'SET enable_tidscan = on; SELECT "id"/[0-9]* AS b, count')" 0 \
	    "h_many: no GROUP BY pass"
fi
check h_shuf "h_shuf: changed id=12432: a" group
check h_sparse "h_sparse: changed id=151500: a
h_sparse: missing id=302899" tid
check h_neg "h_neg: changed id=-80000: a
h_neg: changed id=112000: a
h_neg: missing id=0" tid
check h_big "h_big: changed id=-9223372036854774000: a
h_big: changed id=3074457345618258: a
h_big: changed id=9223372036854774000: a" tid
want=$( (echo "h_part: changed id=319968: a"; echo "h_part: changed id=64: a"
	for k in $(seq 40); do echo "h_part: changed id=$((k * 8000)): a"; done) | sort)
check h_part "$want" group
if [ -n "$LOG" ]; then
	# 42 ranges, but a ctid names a row of one partition only
	expect_eq "$(printf '%s\n' "$CHECK_LOG" | grep -c 'ctid = ANY(ARRAY(')" 0 \
	    "h_part: partitions: the rows of many key ranges not fetched by ctid"
fi
check h_order "h_order: changed id=1600: a
h_order: changed id=1616: a
h_order: changed id=77600: a
h_order: changed id=80: a
h_order: missing id=160000" tid -w "id < 200000"
[ -n "$LOG" ] && narrowed "" h_order
# Random faults on tables big enough for the stretches: rows moved by
# no-op UPDATEs, VACUUM, changed values, deleted and inserted rows, keys
# made negative; checksum mode names what stream mode names.  Fixed seeds
# (bash's RANDOM and setseed()), no autovacuum moving rows meanwhile,
# each of which narrows its differing buckets.
[ -n "$LOG" ] && at=$(stat -c %s "$LOG")
for seed in 13 14 16 21 29 38; do
	RANDOM=$seed
	n=$((5000 + RANDOM % 30000)) step=$((16 + RANDOM % 40))
	for db in t0460_src t0460_dst; do
		$PSQL -d $db -c "CREATE TABLE z$seed (id bigint PRIMARY KEY, a int, b text) WITH (autovacuum_enabled = off)" \
		    -c "INSERT INTO z$seed SELECT g * $step, g, md5(g::text) FROM generate_series(1, $n) g" >/dev/null
	done
	sql=""
	# (RANDOM drawn here: a $(..) subshell reseeds it)
	nf=$((RANDOM % 8 + 1))
	for _ in $(seq $nf); do
		case $((RANDOM % 8)) in
		0) sql="$sql UPDATE z$seed SET a = a WHERE id % $((step * (RANDOM % 50 + 2))) = 0;" ;;
		1) sql="$sql VACUUM z$seed;" ;;
		2) sql="$sql UPDATE z$seed SET a = a + 1 WHERE id IN (SELECT id FROM z$seed ORDER BY random() LIMIT $((RANDOM % 400)));" ;;
		3) sql="$sql DELETE FROM z$seed WHERE id IN (SELECT id FROM z$seed ORDER BY random() LIMIT $((RANDOM % 50)));" ;;
		4) sql="$sql INSERT INTO z$seed SELECT g * $step + 1, g, 'x' FROM generate_series(1, $n) g WHERE random() < 0.002;" ;;
		5) sql="$sql UPDATE z$seed SET b = md5(b) WHERE id BETWEEN $((RANDOM * step)) AND $((RANDOM * step + step * (RANDOM % 3000)));" ;;
		6) sql="$sql UPDATE z$seed SET a = -a WHERE random() < 0.01;" ;;
		7) sql="$sql UPDATE z$seed SET id = -id WHERE id IN (SELECT id FROM z$seed ORDER BY random() LIMIT $((RANDOM % 30)));" ;;
		esac
	done
	# random() seeded too: the same faults every run
	printf 'SELECT setseed(0.%s);%s\n' "$seed" "$sql" | sed 's/;/;\n/g' |
	    $PSQL -d t0460_dst >/dev/null || fail "z$seed: faults" "$sql"
	run "$CUTOVER" diff --mode checksum --max-diffs 1000000 -t z$seed "$S" "$D"
	sum=$(lines)
	run "$CUTOVER" diff --mode stream --max-diffs 1000000 -t z$seed "$S" "$D"
	expect_eq "$sum" "$(lines)" "z$seed ($n rows, $(printf '%s\n' "$sum" | grep -c .) differences): checksum mode names what stream mode names"
done
if [ -n "$LOG" ]; then
	expect_eq "$(log_since "$at" | grep -c "$NARROW")" 12 \
	    "random faults: every seed narrowed its buckets by stretches on both sides"
	# more than 32 key ranges read through their rows' ctids, not an OR
	# tested on every row (see ranges_pred)
	n=$(log_since "$at" | grep -c 'COPY (SELECT .* WHERE (ctid = ANY(ARRAY(SELECT cutover_x.ctid FROM unnest(')
	[ "$n" -ge 2 ] && ok "random faults: many key ranges read by ctid ($n streams)" ||
	    fail "random faults: many key ranges read by ctid" "$n streams"
fi
# --jobs 2: each part is compared by the GROUP BY (no stretches), and
# its many key ranges go by ctid too; the same rows.
[ -n "$LOG" ] && at=$(stat -c %s "$LOG")
run "$CUTOVER" diff --mode stream --max-diffs 1000000 -t z16 "$S" "$D"
want=$(lines)
run "$CUTOVER" diff --mode checksum --jobs 2 --max-diffs 1000000 -t z16 "$S" "$D"
expect_eq "$(lines)" "$want" "z16, --jobs 2: the rows stream mode names"
if [ -n "$LOG" ]; then
	n=$(log_since "$at" | grep -c 'z16" WHERE (ctid = ANY(ARRAY(SELECT cutover_x.ctid FROM unnest(')
	[ "$n" -ge 2 ] && ok "z16, --jobs 2: many key ranges read by ctid ($n queries)" ||
	    fail "z16, --jobs 2: many key ranges read by ctid" "$n queries"
fi
# Names that need quoting (a quote, a dot, a space; a table that shadows
# the catalog's pg_class), in the stretches' queries and the relkind
# check's regclass literal.
at=0
[ -n "$LOG" ] && at=$(stat -c %s "$LOG")
for m in checksum stream; do
	run "$CUTOVER" diff --mode $m -t '"h ""odd"".name"' "$S" "$D"
	expect_rc 1 "odd names ($m): a difference"
	expect_eq "$(printf '%s\n' "$out" | grep '^  ' | tr -s ' ')" ' changed k ey=160: b"x' \
	    "odd names ($m): the row, named"
	run "$CUTOVER" diff --mode $m -t public.pg_class "$S" "$D"
	expect_eq "$(lines)" "public.pg_class: changed id=320: a" "a table named pg_class ($m): the row"
done
if [ -n "$LOG" ]; then
	expect_eq "$(log_since "$at" | grep -c 'AS st FROM "public"."h ""odd"".name" WHERE ctid')" 2 \
	    "odd names: both sides summed the heap's stretches"
	expect_eq "$(log_since "$at" | grep -c 'AS st FROM "public"."pg_class" WHERE ctid')" 2 \
	    "a table named pg_class: both sides summed the heap's stretches"
fi
[ -z "$LOG" ] && echo "# no server log here: which pass ran was not checked"
done_testing
