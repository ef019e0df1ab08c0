#!/bin/bash
# t0450: every column type family, same engine (checksum mode, where each
# type has a hash of its own) and stream mode, against one fault corpus:
# a missing row, an extra row, a changed value, two values swapped
# between rows, NULL <-> empty, and a precision edge of the type (one
# microsecond, the last digit, '1 day' vs '24:00:00', an array's lower
# bound, two timestamps 2^32 + 3 us apart whose 64-bit values fold to the
# same 32 bits, times whose high and low halves change together so that
# lo ^ hi stays (00:00 -> 01:11:34.967297, 00:00:00.000003 ->
# 02:23:09.934593), a time 2^32 us later, 24:00...).  Identical data must
# give zero differences; the corpus must name exactly its rows in both
# modes.  Then a 33-column table with each column changed in a row of its
# own.  The same corpus on MariaDB's types
# (BLOB, JSON, DATETIME, DECIMAL, ENUM, SET, BIT, UUID, INET6...).
# Cross-engine pairs of these types: t0410.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"
# The runner's servers when it started them, else our own.
if [ -z "${PG_PORT:-}" ] || [ -z "${MY_PORT:-}" ]; then
	trap 'stop_all; _cleanup' EXIT
	start_pg || { echo "skipped: PostgreSQL does not start"; exit 0; }
	start_mariadb || { echo "skipped: MariaDB does not start"; exit 0; }
fi

# name;type;value of row g;edge base (row 50);edge target;row 20 target;"empty" (row 40)
PG_TYPES="text;text;md5(g::text);'café';normalize('café', NFD);a || ' ';''
bytea;bytea;decode(md5(g::text), 'hex');'\\x0001';'\\x0002';a || '\\x00'::bytea;''
json;json;json_build_object('n', g);'{\"a\":[[1],2]}';'{\"a\":[[1,2]]}';'{\"n\":-1}';'\"\"'
jsonb;jsonb;jsonb_build_object('n', g);'[[1],2]';'[[1,2]]';'{\"n\":-1}';'\"\"'
uuid;uuid;md5(g::text)::uuid;'00000000-0000-0000-0000-000000000001';'00000000-0000-0000-0000-000000000002';'ffffffff-ffff-ffff-ffff-ffffffffffff';'00000000-0000-0000-0000-000000000000'
numeric;numeric(14,4);g * 1.25;0.0001;0.0002;a + 0.0001;0
int2;smallint;(g % 1000)::int2;32767;-32768;a + 1;0
int4;integer;g * 1000;2147483647;2147483646;a + 1;0
int8;bigint;g::int8 * 1000000007;1;4294967296;a + 1;0
float4;real;g / 3.0;1;1.0000001;a + 1;0
float8;double precision;g / 7.0;0.1;0.10000000000000002;a + 1;0
bool;boolean;g % 2 = 0;true;false;NOT a;false
date;date;date '2000-01-01' + g;'2000-02-29';'2000-03-01';a + 1;'1970-01-01'
dateinf;date;date '2000-01-01' + g;'infinity';'-infinity';a + 1;'infinity'
time;time(6);time '00:00' + g * interval '1 min';'00:00:00';'01:11:34.967297';a + interval '1 microsecond';'00:00'
timefold;time(6);time '00:00' + g * interval '1 min';'00:00:00.000003';'02:23:09.934593';a + interval '4294.967296 s';'24:00:00'
timestamp;timestamp(6);timestamp '2024-01-01' + g * interval '1 hour';'2024-01-01 00:00:00.000001';'2024-01-01 00:00:00.000002';a + interval '1 microsecond';'epoch'
timestamptz;timestamptz(6);timestamptz '2024-01-01 00:00+00' + g * interval '1 hour';'2024-03-10 02:30:00.000001+00';'2024-03-10 02:30:00.000002+00';a + interval '1 microsecond';'epoch'
tsinf;timestamp(6);timestamp '2024-01-01' + g * interval '1 hour';'infinity';'-infinity';a + interval '1 microsecond';'4714-11-24 00:00:00 BC'
tstzinf;timestamptz(6);timestamptz '2024-01-01 00:00+00' + g * interval '1 hour';'infinity';'-infinity';a + interval '1 microsecond';'4714-11-24 00:00:00+00 BC'
tsfold;timestamp(6);timestamp '2024-01-01' + g * interval '1 hour';'2024-01-01 00:00:00';'2024-01-01 01:11:34.967299';a + interval '4294.967297 s';'2024-01-01 01:00:00'
tstzfold;timestamptz(6);timestamptz '2024-01-01 00:00+00' + g * interval '1 hour';'2024-01-01 00:00:00+00';'2024-01-01 01:11:34.967299+00';a + interval '4294.967297 s';'2024-01-01 01:00:00+00'
interval;interval;make_interval(0, 0, 0, g);'1 day';'24:00:00';a + interval '1 microsecond';'0'
inet;inet;'10.0.0.0'::inet + g;'10.0.0.1/32';'10.0.0.1/31';a + 1;'0.0.0.0'
cidr;cidr;set_masklen(('10.0.0.0'::inet + g * 256)::cidr, 24);'10.0.0.0/24';'10.0.0.0/25';'11.0.0.0/8';'0.0.0.0/0'
intarr;integer[];ARRAY[g, g + 1];'{1,2}';'[0:1]={1,2}';ARRAY[a[2], a[1]];'{}'
textarr;text[];ARRAY[md5(g::text)];'{NULL}';'{\"\"}';ARRAY[a[1] || 'x'];'{}'
tsarr;timestamptz[];ARRAY[timestamptz '2024-01-01 00:00+00' + g * interval '1 s'];'{\"2024-01-01 00:00:00+00\"}';'{\"2024-01-01 00:00:00.000001+00\"}';ARRAY[a[1], a[1]];'{}'
enum;mood;(enum_range(NULL::mood))[1 + g % 4];'sad';'ok';(CASE WHEN a = 'sad' THEN 'ok' ELSE 'sad' END)::mood;'happy'"

base=$T/base.sql mut=$T/mut.sql
echo "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'ecstatic');" >"$base"
: >"$mut"
wide_cols="" wide_vals="" k=0 wide_mut=""
while IFS=';' read -r name type gen e50 m50 v20 empty; do
	t=t_$name
	cat >>"$base" <<SQL
CREATE TABLE $t (id bigint PRIMARY KEY, a $type);
INSERT INTO $t SELECT g, CASE g WHEN 40 THEN NULL WHEN 50 THEN $e50 ELSE $gen END
  FROM generate_series(1, 200) g;
SQL
	cat >>"$mut" <<SQL
DELETE FROM $t WHERE id = 10;
INSERT INTO $t SELECT 1000, a FROM $t WHERE id = 1;
UPDATE $t SET a = $v20 WHERE id = 20;
UPDATE $t SET a = CASE id WHEN 30 THEN (SELECT a FROM $t WHERE id = 31)
  ELSE (SELECT a FROM $t WHERE id = 30) END WHERE id IN (30, 31);
UPDATE $t SET a = $empty WHERE id = 40;
UPDATE $t SET a = $m50 WHERE id = 50;
SQL
	k=$((k + 1))
	wide_cols="$wide_cols, c$k $type"
	wide_vals="$wide_vals, $gen"
	wide_mut="${wide_mut}UPDATE t_wide SET c$k = (SELECT ($v20)::$type FROM (SELECT c$k AS a) x) WHERE id = $((100 + k));
"
done <<<"$PG_TYPES"
# 33 columns: the families above, then 7 more of the common ones.
extra="text|'n' || g
integer|g % 7
numeric|g / 3.0
bigint|-g
varchar(10)|left(md5(g::text), 10)
boolean|g % 3 = 0
date|date '2020-01-01' + g"
while IFS='|' read -r type gen; do
	k=$((k + 1))
	c=c$k
	wide_cols="$wide_cols, $c $type" wide_vals="$wide_vals, $gen"
	wide_mut="${wide_mut}UPDATE t_wide SET $c = NULL WHERE id = $((100 + k));
"
done <<<"$extra"
echo "CREATE TABLE t_wide (id bigint PRIMARY KEY$wide_cols);
INSERT INTO t_wide SELECT g$wide_vals FROM generate_series(1, 200) g;" >>"$base"
printf '%s' "$wide_mut" >>"$mut"
NWIDE=$k

PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U postgres"
cleanup_dbs() {
	$PSQL -c "DROP DATABASE IF EXISTS t0450_src" -c "DROP DATABASE IF EXISTS t0450_dst" >/dev/null 2>&1
}
cleanup_dbs
$PSQL -c "CREATE DATABASE t0450_src" -c "CREATE DATABASE t0450_dst" >/dev/null
for db in t0450_src t0450_dst; do
	$PSQL -d $db -f "$base" >"$T/load.log" 2>&1 || fail "load $db" "$(cat "$T/load.log")"
done
PGS="postgres://postgres@127.0.0.1:$PG_PORT/t0450_src"
PGD="postgres://postgres@127.0.0.1:$PG_PORT/t0450_dst"

for m in checksum stream; do
	run "$CUTOVER" diff --mode $m "$PGS" "$PGD"
	expect_rc 0 "PG identical, $m"
	expect_out "^$((NWIDE - 6)) tables: $((NWIDE - 6)) identical" "PG: every type table identical, $m"
done
# A terminal (script(1)): the live line names the table and counts.
out=$(script -qec "$CUTOVER diff --mode stream $PGS $PGD" /dev/null | tr '\r' '\n')
# A diff this small may end before the first redraw (0.1 s): then only the
# closing line shows; the per-table line is asserted where the diff lasts.
expect_out "diff: [0-9]+ rows, [0-9]+ rows/s, [0-9]+s$" "the progress line on a terminal ends with the totals"
if printf '%s\n' "$out" | grep -q "(table [0-9]* of $((NWIDE - 6)))"; then
	expect_out "diff: t_[a-z0-9]+ \(table [0-9]+ of $((NWIDE - 6))\): [0-9]+ rows, [0-9]+ rows/s, [0-9]+s" "a live line names the table"
fi
out=$(script -qec "$CUTOVER diff -q --mode stream $PGS $PGD" /dev/null | tr '\r' '\n')
expect_eq "$(printf '%s\n' "$out" | grep -c '^diff:')" 0 "--quiet: no progress on a terminal"
$PSQL -d t0450_dst -f "$mut" >"$T/mut.log" 2>&1 || fail "mutate" "$(cat "$T/mut.log")"

want="  changed  id=20: a
  changed  id=30: a
  changed  id=31: a
  changed  id=40: a
  changed  id=50: a
  extra    id=1000
  missing  id=10"
wide=$(for i in $(seq $NWIDE); do echo "  changed  id=$((100 + i)): c$i"; done | sort)
# lines TABLE: the difference lines under TABLE's header in $out, sorted
lines() {
	printf '%s\n' "$out" | awk -v t="$1:" '/^[^ ]/ { on = ($1 == t); next }
	    on && /^  / { print }' | sort
}
# One run per mode over every table (a connection costs ~1 s on a loaded
# machine; one run per table took 80 s).
for m in checksum stream; do
	run "$CUTOVER" diff --mode $m --max-diffs 1000 "$PGS" "$PGD"
	expect_rc 1 "PG corpus, $m: differences"
	while IFS=';' read -r name _; do
		expect_eq "$(lines "t_$name")" "$want" "PG $name ($m): the corpus, exactly"
	done <<<"$PG_TYPES"
	expect_eq "$(lines t_wide)" "$wide" "PG $NWIDE columns ($m): each column's change named"
done
# Checksum mode's grouped pass stays in one backend per side even where
# PostgreSQL would plan parallel workers for a query (parallel costs set
# to zero here, on 20,000 rows): the workers' start cost more than they
# saved (BENCHMARKS.md).  The corpus on a table of its own, named the
# same; the plan (auto_explain, in the server's log) has no workers.
for db in t0450_src t0450_dst; do
	$PSQL -d $db -c "CREATE TABLE t_par (id bigint PRIMARY KEY, a text, b float8, c timestamptz);
INSERT INTO t_par SELECT g, md5(g::text), g / 7.0, timestamptz '2024-01-01 00:00+00' + g * interval '1 s'
  FROM generate_series(1, 20000) g; ANALYZE t_par" \
	    -c "ALTER DATABASE $db SET parallel_setup_cost = 0" \
	    -c "ALTER DATABASE $db SET min_parallel_table_scan_size = 0" \
	    -c "ALTER DATABASE $db SET session_preload_libraries = 'auto_explain'" \
	    -c "ALTER DATABASE $db SET auto_explain.log_min_duration = 0" \
	    -c "ALTER DATABASE $db SET auto_explain.log_analyze = on" >"$T/par.log" 2>&1 ||
		fail "parallel table and settings on $db" "$(cat "$T/par.log")"
done
$PSQL -d t0450_dst -c "DELETE FROM t_par WHERE id = 10; INSERT INTO t_par VALUES (30000, 'x', 1, 'epoch');
UPDATE t_par SET b = b + 1e-9 WHERE id = 12000; UPDATE t_par SET a = '' WHERE id = 15000;
UPDATE t_par SET c = CASE id WHEN 7000 THEN (SELECT c FROM t_par WHERE id = 7001)
  ELSE (SELECT c FROM t_par WHERE id = 7000) END WHERE id IN (7000, 7001)" >/dev/null ||
	fail "mutate t_par"
logn=0
[ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/log" ] && logn=$(wc -l <"$PG_DIR/log")
run "$CUTOVER" diff --mode checksum -t t_par "$PGS" "$PGD"
expect_rc 1 "PG, parallel costs zero: differences"
expect_eq "$(lines t_par)" "  changed  id=12000: b
  changed  id=15000: a
  changed  id=7000: c
  changed  id=7001: c
  extra    id=30000
  missing  id=10" "PG, parallel costs zero: the corpus, exactly"
if [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/log" ]; then
	# the plans of the grouped passes only (the catalog queries may
	# take workers at these costs): from their Query Text to the next
	plan=$(tail -n +$((logn + 1)) "$PG_DIR/log" | awk '
	    /Query Text:/ { p = ($0 ~ /GROUP BY 1/) } p')
	if printf '%s\n' "$plan" | grep -q 'HashAggregate' &&
	    ! printf '%s\n' "$plan" | grep -Eq 'Partial HashAggregate|Workers (Planned|Launched)'; then
		ok "the grouped pass ran in one backend per side"
	else
		fail "the grouped pass ran in one backend per side" \
		    "$(printf '%s\n' "$plan" | grep -E 'Aggregate|Workers|Query Text' | head -20)"
	fi
fi
# Enums hash by label, not by OID or place in the type: the target's type
# lists the labels in another order, with one more.  Equal data is
# identical; a label changed (also to the one only the target has) is named.
for db in t0450_src t0450_dst; do
	labels="'a', 'b', 'c'"
	[ $db = t0450_dst ] && labels="'d', 'c', 'b', 'a'"
	$PSQL -d $db -c "CREATE TYPE mood2 AS ENUM ($labels);
CREATE TABLE t_enum2 (id bigint PRIMARY KEY, m mood2);
INSERT INTO t_enum2 SELECT g, (ARRAY['a', 'b', 'c'])[1 + g % 3]::mood2
  FROM generate_series(1, 300) g" >"$T/enum2.log" 2>&1 ||
		fail "enum2 on $db" "$(cat "$T/enum2.log")"
done
run "$CUTOVER" diff --mode checksum -t t_enum2 "$PGS" "$PGD"
expect_rc 0 "PG enums, labels in another order: identical"
$PSQL -d t0450_dst -c "UPDATE t_enum2 SET m = 'a' WHERE id = 7;
UPDATE t_enum2 SET m = 'd' WHERE id = 8; UPDATE t_enum2 SET m = NULL WHERE id = 9" >/dev/null ||
	fail "mutate t_enum2"
run "$CUTOVER" diff --mode checksum -t t_enum2 "$PGS" "$PGD"
expect_rc 1 "PG enums, labels in another order: differences"
expect_eq "$(lines t_enum2)" "  changed  id=7: m
  changed  id=8: m
  changed  id=9: m" "PG enums: each changed label named"
# MariaDB: the same corpus on its types (checksum: MD5 of the QUOTEd
# values; stream: the canonical values).
MY_TYPES="varchar;varchar(64);MD5(seq);'café';CONCAT('cafe', _utf8mb4 X'CC81');CONCAT(a, ' ');''
text;text;REPEAT(MD5(seq), 3);'x';'X';CONCAT(a, ' ');''
blob;blob;UNHEX(MD5(seq));X'0001';X'0002';CONCAT(a, X'00');''
varbinary;varbinary(32);UNHEX(MD5(seq));X'00';X'0000';CONCAT(a, X'00');''
json;json;JSON_OBJECT('n', seq);'{\"a\":[[1],2]}';'{\"a\":[[1,2]]}';'{\"n\":-1}';'\"\"'
decimal;decimal(14,4);seq * 1.25;0.0001;0.0002;a + 0.0001;0
tinyint;tinyint;seq % 100;127;-128;a + 1;0
int;int;seq * 1000;2147483647;2147483646;a + 1;0
bigint;bigint;seq * 1000000007;1;4294967296;a + 1;0
ubigint;bigint unsigned;seq;18446744073709551615;18446744073709551614;a + 1;0
float;float;seq / 3;1;1.0000001;a + 1;0
double;double;seq / 7;0.1;0.10000000000000002;a + 1;0
bool;tinyint(1);seq % 2;1;0;1 - a;0
date;date;DATE('2000-01-01') + INTERVAL seq DAY;'2000-02-29';'2000-03-01';a + INTERVAL 1 DAY;'1970-01-01'
time;time(6);SEC_TO_TIME(seq * 60);'00:00:00';'01:11:34.967297';ADDTIME(a, '00:00:00.000001');'00:00:00'
datetime;datetime(6);TIMESTAMP('2024-01-01') + INTERVAL seq HOUR;'2024-01-01 00:00:00.000001';'2024-01-01 00:00:00.000002';a + INTERVAL 1 MICROSECOND;'1970-01-01 00:00:00'
timestamp;timestamp(6) NULL DEFAULT NULL;TIMESTAMP('2024-01-01') + INTERVAL seq HOUR;'2024-01-01 00:00:00.000001';'2024-01-01 00:00:00.000002';a + INTERVAL 1 MICROSECOND;'1970-01-02 00:00:00'
enum;enum('sad','ok','happy');ELT(1 + seq % 3, 'sad', 'ok', 'happy');'sad';'ok';IF(a = 'sad', 'ok', 'sad');'happy'
set;set('a','b','c');ELT(1 + seq % 3, 'a', 'a,b', 'c');'a';'a,b';IF(a = 'a', 'b', 'a');''
bit;bit(8);CAST(seq % 256 AS UNSIGNED);1;2;a ^ 1;0
uuid;uuid;CONCAT('00000000-0000-4000-8000-', LPAD(HEX(seq), 12, '0'));'00000000-0000-4000-8000-100000000001';'00000000-0000-4000-8000-100000000002';'00000000-0000-4000-8000-1fffffffffff';'00000000-0000-4000-8000-100000000000'
inet6;inet6;CONCAT('::', HEX(seq));'::1';'::2';'::ffff';'::'"
MYSQL="mariadb --no-defaults -S $MY_SOCK -uroot"
mybase=$T/mybase.sql mymut=$T/mymut.sql
: >"$mybase"; : >"$mymut"
nmy=0
while IFS=';' read -r name type gen e50 m50 v20 empty; do
	t=t_$name nmy=$((nmy + 1))
	cat >>"$mybase" <<SQL
CREATE TABLE $t (id bigint PRIMARY KEY, a $type);
INSERT INTO $t SELECT seq, CASE seq WHEN 40 THEN NULL WHEN 50 THEN $e50 ELSE $gen END
  FROM seq_1_to_200;
SQL
	cat >>"$mymut" <<SQL
DELETE FROM $t WHERE id = 10;
INSERT INTO $t SELECT 1000, a FROM $t WHERE id = 1;
UPDATE $t SET a = $v20 WHERE id = 20;
UPDATE $t x JOIN $t y ON x.id = 30 AND y.id = 31 SET x.a = y.a, y.a = x.a;
UPDATE $t SET a = $empty WHERE id = 40;
UPDATE $t SET a = $m50 WHERE id = 50;
SQL
done <<<"$MY_TYPES"
my_cleanup() { $MYSQL -e "DROP DATABASE IF EXISTS t0450_src; DROP DATABASE IF EXISTS t0450_dst" 2>/dev/null; }
my_cleanup
$MYSQL -e "CREATE DATABASE t0450_src CHARACTER SET utf8mb4; CREATE DATABASE t0450_dst CHARACTER SET utf8mb4"
for db in t0450_src t0450_dst; do
	$MYSQL $db <"$mybase" >"$T/myload.log" 2>&1 || fail "MariaDB load $db" "$(cat "$T/myload.log")"
done
MYS="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0450_src"
MYD="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0450_dst"
$MYSQL -e "GRANT ALL ON t0450_src.* TO 'cutover'@'%'; GRANT ALL ON t0450_dst.* TO 'cutover'@'%'" 2>/dev/null
for m in checksum stream; do
	run "$CUTOVER" diff --mode $m "$MYS" "$MYD"
	expect_rc 0 "MariaDB identical, $m"
	expect_out "^$nmy tables: $nmy identical" "MariaDB: every type table identical, $m"
done
$MYSQL t0450_dst <"$mymut" >"$T/mymut.log" 2>&1 || fail "MariaDB mutate" "$(cat "$T/mymut.log")"
for m in checksum stream; do
	run "$CUTOVER" diff --mode $m --max-diffs 1000 "$MYS" "$MYD"
	expect_rc 1 "MariaDB corpus, $m: differences"
	while IFS=';' read -r name _; do
		expect_eq "$(lines "t_$name")" "$want" "MariaDB $name ($m): the corpus, exactly"
	done <<<"$MY_TYPES"
done
my_cleanup
cleanup_dbs
done_testing
