#!/bin/bash
# bench/diff/scattered.sh - cutover diff on one PostgreSQL table of ROWS
# rows (default 1000000; id bigint, smallint, int, bigint) with N rows
# changed at random (N in COUNTS, default "10 300 1000 2000", the same
# rows each run: setseed), the target analysed and, with FRESH=1 too,
# the same target never analysed (a table just loaded).  Each cell: the
# whole diff's wall time and the server's CPU, best of RUNS (2); the
# rows cutover named; pgcopydb's checksum query on the same two tables
# beside it (it tells only "identical or not": cutover also finds the
# rows), and the ratio of each.  A BIN=PATH second binary (an older
# build) runs alternated with this one, for before/after tables.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CUTOVER=$ROOT/build/cutover
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-2}
COUNTS=${COUNTS:-10 300 1000 2000}
FRESH=${FRESH:-}
BIN=${BIN:-}
. "$ROOT/tests/harness/servers.sh"
trap stop_all EXIT INT TERM
. "$ROOT/bench/diff/lib.sh"
start_pg || exit 1
cp "$CUTOVER" "$HARNESS_DIR/cutover" && CUTOVER=$HARNESS_DIR/cutover
[ -n "$BIN" ] && { cp "$BIN" "$HARNESS_DIR/cutover.other" || exit 1; }
PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U postgres -tA"
URL="postgres://postgres@127.0.0.1:$PG_PORT"
Q="SELECT count(1), encode(sha256(format('%s-%s', sum(hashtext(t.*::text)::bigint), count(1))::bytea), 'hex') FROM ONLY t t"

echo "== loading $ROWS rows"
$PSQL -c "CREATE DATABASE bsrc" >/dev/null
$PSQL -d bsrc -c "CREATE TABLE t (id bigint PRIMARY KEY, a smallint, b int, c bigint)" \
    -c "INSERT INTO t SELECT g, g % 30000, g * 7, g::bigint * 1000003 FROM generate_series(1, $ROWS) g" \
    -c "VACUUM ANALYZE t" >/dev/null || exit 1
$PSQL -d bsrc -c "COPY t TO STDOUT" >"$HARNESS_DIR/t.copy" || exit 1

# best BIN DB: the best of RUNS whole diffs against DB: "wall cpu named"
best() {
	local bin=$1 db=$2 bw="" bc="" n=0
	for _ in $(seq "$RUNS"); do
		local c0 t0; c0=$(pg_cpu); t0=$(now)
		"$bin" diff -q -t t "$URL/bsrc" "$URL/$db" >"$HARNESS_DIR/out" 2>&1
		local w; w=$(secs "$t0"); sleep 0.3
		local c; c=$(cpu_secs "$c0" "$(pg_cpu)")
		n=$(grep -o '[0-9]* missing, [0-9]* extra, [0-9]* changed' "$HARNESS_DIR/out" |
		    awk '{ print $1 + $3 + $5 }')
		[ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }' && bw=$w
		[ -z "$bc" ] || awk -v a="$c" -v b="$bc" 'BEGIN { exit !(a < b) }' && bc=$c
	done
	echo "$bw $bc ${n:-0}"
}
peer() {	# peer DB: pgcopydb's query on both sides at once, "wall cpu"
	local c0 t0; c0=$(pg_cpu); t0=$(now)
	$PSQL -d bsrc -c "$Q" >/dev/null & local pid=$!
	$PSQL -d "$1" -c "$Q" >/dev/null; wait $pid
	local w; w=$(secs "$t0"); sleep 0.3
	echo "$w $(cpu_secs "$c0" "$(pg_cpu)")"
}

rows=""
for n in $COUNTS; do
	for kind in analysed ${FRESH:+fresh}; do
		db="bdst_${n}_$kind"
		$PSQL -c "CREATE DATABASE $db" >/dev/null
		$PSQL -d "$db" -c "CREATE TABLE t (id bigint PRIMARY KEY, a smallint, b int, c bigint) WITH (autovacuum_enabled = off)" >/dev/null
		$PSQL -d "$db" -c "COPY t FROM STDIN" <"$HARNESS_DIR/t.copy" >/dev/null || exit 1
		$PSQL -d "$db" -c "SELECT setseed(0.5)" -c "UPDATE t SET a = a + 1 WHERE id IN (SELECT DISTINCT 1 + (random() * ($ROWS - 1))::bigint FROM generate_series(1, $n))" >/dev/null
		[ "$kind" = analysed ] && $PSQL -d "$db" -c "VACUUM ANALYZE t" >/dev/null
		sync
		# both sides warm: the heap and the index
		for d in bsrc "$db"; do $PSQL -d "$d" -c "SET enable_indexscan = off" \
		    -c "SET enable_indexonlyscan = off" -c "SET enable_bitmapscan = off" \
		    -c "SELECT count(*) FROM t" -c "RESET ALL" -c "SELECT count(*) FROM t" >/dev/null; done
		read -r w c named < <(best "$CUTOVER" "$db")
		other=""
		if [ -n "$BIN" ]; then
			read -r ow oc on < <(best "$HARNESS_DIR/cutover.other" "$db")
			other=" ${ow} s / ${oc} s ($on named) |"
		fi
		read -r pw pc < <(peer "$db")
		r="| $n | $kind | ${w} s / ${c} s | $named |$other ${pw} s / ${pc} s | $(ratio "$w" "$pw") | $(ratio "$c" "$pc") |"
		echo "$r"
		rows="$rows$r
"
		$PSQL -c "DROP DATABASE $db" >/dev/null
	done
done
echo
echo "rows: $ROWS; best of $RUNS; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| changed rows | target | cutover wall / server CPU | rows named |${BIN:+ other binary |} pgcopydb's query wall / CPU | ratio wall | ratio CPU |"
echo "| --- | --- | --- | --- |${BIN:+ --- |} --- | --- | --- |"
printf '%s' "$rows"
