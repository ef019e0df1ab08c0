#!/bin/bash
# bench/diff/run.sh - cutover diff against its peers on the same data, in
# one run, on PostgreSQL 15 and MariaDB 10.11 started on loopback:
#
#   PG -> PG       identical, then 10 changed rows: cutover (checksum mode)
#                  vs pgcopydb's compare-data checksum query and vs
#                  data-diff's MD5 template, each run on both servers at once
#   MariaDB pair   10 changed rows, two of them a swap of equal-length
#                  values: cutover vs pt-table-sync --print
#   PG -> MariaDB  stream mode vs the floor: reading both tables once,
#                  ordered (COPY ... TO STDOUT, mariadb --quick), at once
#
# Peak RSS of cutover from /usr/bin/time -v.  ROWS (default 1000000) sets
# the table size; the table has 8 mixed columns.  Installs percona-toolkit
# with apt-get when missing (bench only: make check does not need it).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CUTOVER=$ROOT/build/cutover
ROWS=${ROWS:-1000000}
. "$ROOT/tests/harness/servers.sh"
trap stop_all EXIT INT TERM

if ! command -v pt-table-sync >/dev/null || [ ! -x /usr/bin/time ]; then
	echo "bench/diff: installing percona-toolkit and time"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends percona-toolkit libdbd-mysql-perl time \
	    >/dev/null || exit 1
fi
start_pg || exit 1
start_mariadb || exit 1
# A private copy: a rebuild in the work tree must not change it mid-run.
cp "$CUTOVER" "$HARNESS_DIR/cutover" && CUTOVER=$HARNESS_DIR/cutover
PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U postgres -tA"
MYSQL="mariadb --no-defaults -S $MY_SOCK -uroot -N -B"
PGS="postgres://postgres@127.0.0.1:$PG_PORT/bsrc"
PGD="postgres://postgres@127.0.0.1:$PG_PORT/bdst"
MYS="mysql://cutover:cutover@127.0.0.1:$MY_PORT/bsrc"
MYD="mysql://cutover:cutover@127.0.0.1:$MY_PORT/bdst"

. "$(dirname "$0")/lib.sh"

echo "== loading $ROWS rows per table (8 columns) on PostgreSQL and MariaDB"
t0=$(now)
$PSQL -c "CREATE DATABASE bsrc" >/dev/null
$PSQL -d bsrc -c "CREATE TABLE t (id bigint PRIMARY KEY, i integer NOT NULL,
  n numeric(12,2), v double precision, s varchar(64), ts timestamp(6),
  b boolean, d date);
  INSERT INTO t SELECT g, (g * 7) % 100000, (g % 10000) / 100.0,
    g::float8 / 7, md5(g::text), timestamp '2024-01-01' + g * interval
    '1 second' + (g % 1000000) * interval '1 microsecond', g % 2 = 0,
    date '2024-01-01' + (g % 1000)::int FROM generate_series(1, $ROWS) g" ||
    exit 1
$PSQL -d bsrc -c "VACUUM ANALYZE t" || exit 1
$PSQL -c "CREATE DATABASE bdst TEMPLATE bsrc" >/dev/null
$MYSQL -e "CREATE DATABASE bsrc; CREATE DATABASE bdst; USE bsrc;
  CREATE TABLE bsrc.t (id bigint PRIMARY KEY, i int NOT NULL,
  n decimal(12,2), v double, s varchar(64), ts datetime(6), b tinyint(1),
  d date);
  INSERT INTO bsrc.t SELECT seq, (seq * 7) % 100000, (seq % 10000) / 100,
    seq / 7e0, MD5(seq), TIMESTAMP('2024-01-01') + INTERVAL seq SECOND +
    INTERVAL (seq % 1000000) MICROSECOND, seq % 2 = 0,
    DATE('2024-01-01') + INTERVAL (seq % 1000) DAY FROM seq_1_to_$ROWS;
  CREATE TABLE bdst.t LIKE bsrc.t; INSERT INTO bdst.t SELECT * FROM bsrc.t;" ||
    exit 1
echo "loaded in $(secs $t0)s"

IDS=$(changed_ids "$ROWS")

# cutover_run NAME ARGS...: time and peak RSS of one cutover diff.
cutover_run() {
	local name=$1; shift
	/usr/bin/time -v -o "$HARNESS_DIR/time.$name" "$CUTOVER" diff "$@" \
	    >"$HARNESS_DIR/out.$name" 2>&1
	CUT_RC=$?
	CUT_S=$(awk -F': ' '/Elapsed/ { n = split($2, a, ":");
	    s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; printf "%.2f", s }' \
	    "$HARNESS_DIR/time.$name")
	CUT_RSS=$(awk -F': ' '/Maximum resident/ { printf "%.1f", $2 / 1024 }' \
	    "$HARNESS_DIR/time.$name")
	CUT_CHANGED=$(grep -c '^  changed' "$HARNESS_DIR/out.$name")
}
# both_pg SQL: run SQL on bsrc and bdst at once; prints the wall time.
both_pg() {
	local t=$(now)
	$PSQL -d bsrc -c "$1" >"$HARNESS_DIR/q.src" &
	local pid=$!
	$PSQL -d bdst -c "$1" >"$HARNESS_DIR/q.dst"
	wait $pid	# not a bare wait: the servers are children too
	secs "$t"
}
PGCOPYDB="SELECT count(1), encode(sha256(format('%s-%s',
  sum(hashtext(t.*::text)::bigint), count(1))::bytea), 'hex') FROM ONLY t"
DATADIFF="SELECT count(*), sum(('x' || substring(md5(concat_ws('|', id, i,
  n, v, s, ts, b, d)), 18))::bit(60)::bigint) FROM t"

results=""
row() { results="$results$1
"; }

echo "== PostgreSQL -> PostgreSQL"
# Every tool is timed warm: the first connection to a new database
# builds its catalog caches and the first scan reads the files the
# load just wrote, which would otherwise be charged to whichever tool
# runs first (cutover).
for db in bsrc bdst; do
	$PSQL -d $db -c "SELECT count(*) FROM t" >/dev/null
done
cutover_run pg_same "$PGS" "$PGD"
row "| PG→PG identical | cutover (checksum) | ${CUT_S}s | exit $CUT_RC | ${CUT_RSS} MB |"
pc=$(both_pg "$PGCOPYDB")
row "| PG→PG identical | pgcopydb checksum query | ${pc}s | says equal/not equal only | |"
dd=$(both_pg "$DATADIFF")
row "| PG→PG identical | data-diff MD5 template, one pass | ${dd}s | says equal/not equal only | |"
SAME_S=$CUT_S
$PSQL -d bdst -c "UPDATE t SET s = 'changed' WHERE id IN ($IDS)"
cutover_run pg_10 "$PGS" "$PGD"
row "| PG→PG 10 changed | cutover (checksum) | ${CUT_S}s | names $CUT_CHANGED rows, exit $CUT_RC | ${CUT_RSS} MB |"
pc2=$(both_pg "$PGCOPYDB")
row "| PG→PG 10 changed | pgcopydb checksum query | ${pc2}s | table differs, no rows named | |"
PG_RATIO_SAME=$(ratio "$SAME_S" "$pc")
PG_RATIO=$(ratio "$CUT_S" "$pc2")

echo "== MariaDB -> MariaDB"
# 8 changed rows and one swap of two equal-length values (a pair of
# adjacent rows): CRC32s combined with XOR cancel on such a swap.
SWAP=$(( ROWS / 2 + 17 ))	# not at a multiple of pt's 1000-row chunks
$MYSQL -e "UPDATE bdst.t SET s = 'changed' WHERE id IN ($(echo "$IDS" | cut -d, -f1-8));
  UPDATE bdst.t a JOIN bdst.t b ON a.id = $SWAP AND b.id = $SWAP + 1
  SET a.s = b.s, b.s = a.s"
cutover_run my_10 "$MYS" "$MYD"
row "| MariaDB→MariaDB 10 changed (incl. a swap) | cutover (checksum) | ${CUT_S}s | names $CUT_CHANGED rows, exit $CUT_RC | ${CUT_RSS} MB |"
MY_CUT=$CUT_S
MY_SWAP=$(grep -c "changed  id=\($SWAP\|$((SWAP + 1))\):" "$HARNESS_DIR/out.my_10")
t=$(now)
pt-table-sync --print "h=127.0.0.1,P=$MY_PORT,u=cutover,p=cutover,D=bsrc,t=t" \
    "h=127.0.0.1,P=$MY_PORT,u=cutover,p=cutover,D=bdst,t=t" \
    >"$HARNESS_DIR/pt.out" 2>"$HARNESS_DIR/pt.err"
pt=$(secs "$t")
pt_rows=$(grep -c -E '^(REPLACE|UPDATE|DELETE|INSERT)' "$HARNESS_DIR/pt.out")
pt_swap=$(grep -c -E "\`id\`='($SWAP|$((SWAP + 1)))'" "$HARNESS_DIR/pt.out")
row "| MariaDB→MariaDB 10 changed (incl. a swap) | pt-table-sync --print | ${pt}s | prints $pt_rows statements, swap rows found: $pt_swap of 2 | |"
MY_RATIO=$(ratio "$pt" "$MY_CUT")

echo "== PostgreSQL -> MariaDB (stream mode)"
t=$(now)
$PSQL -d bsrc -c "COPY (SELECT * FROM t ORDER BY id) TO STDOUT" >/dev/null &
pid=$!
$MYSQL --quick -e "SELECT * FROM bsrc.t ORDER BY id" >/dev/null
wait $pid
floor=$(secs "$t")
row "| PG→MariaDB identical | floor: COPY + mariadb --quick at once | ${floor}s | | |"
cutover_run x_same "$PGS" "$MYS"
row "| PG→MariaDB identical | cutover (stream) | ${CUT_S}s | exit $CUT_RC | ${CUT_RSS} MB |"
X_RATIO=$(ratio "$CUT_S" "$floor")
cutover_run x_10 "$PGD" "$MYS"
row "| PG→MariaDB 10 changed | cutover (stream) | ${CUT_S}s | names $CUT_CHANGED rows, exit $CUT_RC | ${CUT_RSS} MB |"

echo
echo "rows per table: $ROWS; $(nproc) cores; $(uname -r)"
echo
echo "| pair | tool | time | result | cutover peak RSS |"
echo "| --- | --- | --- | --- | --- |"
printf '%s' "$results"
echo
echo "PG→PG: cutover / pgcopydb = $PG_RATIO_SAME (identical), $PG_RATIO (10 changed; goal <= 0.5)"
echo "MariaDB: pt-table-sync / cutover = $MY_RATIO (goal >= 1.5); swap rows named by cutover: $MY_SWAP of 2"
echo "PG→MariaDB stream: cutover / floor = $X_RATIO (goal <= 1.5)"
