#!/bin/bash
# bench/diff/types.sh - cutover diff per column type family, side by side
# with the peers, on the same data in one run (issue 16):
#
#   PG -> PG        each table of types-pg.sql (one type family per table,
#                   and a 30-column mixed one), 10 rows changed (a column
#                   set to NULL): cutover (checksum mode) against
#                   pgcopydb's compare-data query run on both databases
#                   at once
#   MariaDB pair    each table of types-my.sql, the same 10 rows changed:
#                   cutover against pt-table-sync --print, and
#                   pt-table-checksum's time for the same table in both
#                   databases (without a replica it names no difference)
#
# Each row prints wall seconds and the database server's CPU seconds
# (every server process, reaped ones included), and the ratio of each:
# the medians of RUNS (default 3) runs of each side, alternated (one
# run of either side moved by up to 35% here between runs, which alone
# moved a ratio across 0.5).  ROWS (default 1000000) rows per table;
# ONLY=pg or ONLY=my for one half.  The machine may be shared: CPU
# seconds are the fairer figure.  COLD=1 (PostgreSQL only): before each
# run of either side the server is restarted (its shared buffers empty)
# and the kernel's page cache dropped, as for a table read the first
# time; otherwise both sides start warm.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CUTOVER=$ROOT/build/cutover
ROWS=${ROWS:-1000000}
ONLY=${ONLY:-}
RUNS=${RUNS:-3}
COLD=${COLD:-0}
case "$ONLY:$COLD" in
	:[01] | pg:[01] | my:[01]) ;;
	*) echo "types.sh: ONLY is pg, my or unset; COLD is 0 or 1 (ONLY='$ONLY', COLD='$COLD')" >&2
	   exit 2 ;;
esac
if [ "$COLD" = 1 ] && [ "$ONLY" != pg ]; then
	echo "types.sh: COLD=1 restarts PostgreSQL only: run it with ONLY=pg" >&2
	exit 2
fi
HERE=$ROOT/bench/diff
. "$ROOT/tests/harness/servers.sh"
trap stop_all EXIT INT TERM

if ! command -v pt-table-sync >/dev/null || [ ! -x /usr/bin/time ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends percona-toolkit libdbd-mysql-perl time \
	    >/dev/null || exit 1
fi
cp "$CUTOVER" "$HARNESS_DIR/cutover" && CUTOVER=$HARNESS_DIR/cutover
. "$HERE/lib.sh"
IDS=$(changed_ids "$ROWS")
results=""
row() { results="$results$1
"; echo "$1"; }

# run_cut CPUFN NAME ARGS...: CUT_S, CUT_CPU, CUT_N (rows named), CUT_RSS
# of one run, each appended to the lists L_CUT_S, L_CUT_CPU, L_CUT_N,
# L_CUT_RSS
L_CUT_S="" L_CUT_CPU="" L_CUT_N="" L_CUT_RSS=""
run_cut() {
	local fn=$1 name=$2; shift 2
	local c0; c0=$($fn)
	/usr/bin/time -f '%e %M' -o "$HARNESS_DIR/time.$name" "$CUTOVER" diff \
	    -q "$@" >"$HARNESS_DIR/out.$name" 2>&1
	# The server's CPU once its backends have exited and been reaped:
	# read at once, 3 of 17 readings missed a whole table's (0.00 s).
	sleep 0.3
	CUT_CPU=$(cpu_secs "$c0" "$($fn)")
	# (time's first line may be "Command exited with non-zero status 1")
	read -r CUT_S CUT_RSS < <(tail -n 1 "$HARNESS_DIR/time.$name")
	CUT_RSS=$(echo "$CUT_RSS" | awk '{ printf "%.1f", $1 / 1024 }')
	CUT_N=$(grep -c '^  changed' "$HARNESS_DIR/out.$name")
	L_CUT_S="$L_CUT_S $CUT_S" L_CUT_CPU="$L_CUT_CPU $CUT_CPU"
	L_CUT_N="$L_CUT_N $CUT_N" L_CUT_RSS="$L_CUT_RSS $CUT_RSS"
}
# medians: the lists' medians (CUT_S, CUT_CPU, peer P_S, P_CPU), the
# fewest rows named and the largest RSS, then the lists emptied
medians() {
	CUT_S=$(med $L_CUT_S) CUT_CPU=$(med $L_CUT_CPU) P_S=$(med $L_P_S)
	P_CPU=$(med $L_P_CPU) CUT_N=$(printf '%s\n' $L_CUT_N | sort -n | head -1)
	CUT_RSS=$(printf '%s\n' $L_CUT_RSS | sort -g | tail -1)
	L_CUT_S="" L_CUT_CPU="" L_CUT_N="" L_CUT_RSS="" L_P_S="" L_P_CPU=""
}
L_P_S="" L_P_CPU=""
# With COLD=1: PostgreSQL restarted, then every clean page the kernel
# caches dropped (the restart's own reads included).
pg_cold() {
	[ "$COLD" = 1 ] || return 0
	su postgres -s /bin/sh -c "$PG_BINDIR/pg_ctl -D $PG_DIR/data -m fast -w restart" \
	    >/dev/null 2>&1 || { echo "types.sh: PostgreSQL did not restart" >&2; return 1; }
	sync && echo 3 >/proc/sys/vm/drop_caches
}

if [ "$ONLY" != my ]; then
	start_pg || exit 1
	PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U postgres -tA"
	echo "== PostgreSQL: loading $ROWS rows per table"
	t0=$(now)
	$PSQL -c "CREATE DATABASE bsrc" >/dev/null
	$PSQL -d bsrc -v rows="$ROWS" -f "$HERE/types-pg.sql" >/dev/null || exit 1
	$PSQL -d bsrc -c "VACUUM ANALYZE" >/dev/null
	$PSQL -c "CREATE DATABASE bdst TEMPLATE bsrc" >/dev/null
	echo "loaded in $(secs "$t0")s"
	# The load's writes reach the disk before anything is timed: a
	# write-back under way slowed the first tables' random reads 4x.
	sync
	PGS="postgres://postgres@127.0.0.1:$PG_PORT/bsrc"
	PGD="postgres://postgres@127.0.0.1:$PG_PORT/bdst"
	for t in $($PSQL -d bsrc -c "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 't\_%' ORDER BY 1"); do
		col=a; [ "$t" = t_wide ] && col=c7
		$PSQL -d bdst -c "UPDATE $t SET $col = NULL WHERE id IN ($IDS)" >/dev/null
		Q="SELECT count(1), encode(sha256(format('%s-%s', sum(hashtext(t.*::text)::bigint), count(1))::bytea), 'hex') FROM ONLY $t t"
		# Both sides start warm: the table's pages (a sequential scan,
		# not the index-only count(*) would make) and its index.
		[ "$COLD" = 1 ] || for db in bsrc bdst; do $PSQL -d $db -c "SET enable_indexonlyscan = off" \
		    -c "SET enable_indexscan = off" -c "SET enable_bitmapscan = off" \
		    -c "SELECT count(*) FROM $t" -c "RESET ALL" -c "SELECT count(*) FROM $t" >/dev/null; done
		for r in $(seq "$RUNS"); do
			pg_cold || exit 1
			run_cut pg_cpu "pg_$t" -t "$t" "$PGS" "$PGD"
			pg_cold || exit 1
			c0=$(pg_cpu); t1=$(now)
			$PSQL -d bsrc -c "$Q" >/dev/null & pid=$!
			$PSQL -d bdst -c "$Q" >/dev/null; wait $pid
			pc_s=$(secs "$t1"); sleep 0.3
			L_P_S="$L_P_S $pc_s" L_P_CPU="$L_P_CPU $(cpu_secs "$c0" "$(pg_cpu)")"
			echo "  $t run $r: cutover $CUT_S s / $CUT_CPU s, pgcopydb $pc_s s" >&2
		done
		medians
		row "| PG→PG | $t | ${CUT_S} s / ${CUT_CPU} s | ${P_S} s / ${P_CPU} s | $(ratio "$CUT_S" "$P_S") | $(ratio "$CUT_CPU" "$P_CPU") | $CUT_N of 10 | ${CUT_RSS} MB |"
	done
	stop_pg
fi

if [ "$ONLY" != pg ]; then
	start_mariadb || exit 1
	MYSQL="mariadb --no-defaults -S $MY_SOCK -uroot -N -B"
	echo "== MariaDB: loading $ROWS rows per table"
	t0=$(now)
	$MYSQL -e "CREATE DATABASE bsrc; CREATE DATABASE bdst"
	sed "s/:rows/$ROWS/g" "$HERE/types-my.sql" | $MYSQL bsrc || exit 1
	for t in $($MYSQL bsrc -e "SHOW TABLES"); do
		$MYSQL -e "CREATE TABLE bdst.$t LIKE bsrc.$t; INSERT INTO bdst.$t SELECT * FROM bsrc.$t"
	done
	echo "loaded in $(secs "$t0")s"
	MYS="mysql://cutover:cutover@127.0.0.1:$MY_PORT/bsrc"
	MYD="mysql://cutover:cutover@127.0.0.1:$MY_PORT/bdst"
	for t in $($MYSQL bsrc -e "SHOW TABLES"); do
		col=a; [ "$t" = t_wide ] && col=c7
		$MYSQL -e "UPDATE bdst.$t SET $col = NULL WHERE id IN ($IDS)"
		for r in $(seq "$RUNS"); do
			run_cut my_cpu "my_$t" -t "$t" "$MYS" "$MYD"
			c0=$(my_cpu); t1=$(now)
			pt-table-sync --print "h=127.0.0.1,P=$MY_PORT,u=cutover,p=cutover,D=bsrc,t=$t" \
			    "h=127.0.0.1,P=$MY_PORT,u=cutover,p=cutover,D=bdst,t=$t" \
			    >"$HARNESS_DIR/pt.$t" 2>&1
			pt_s=$(secs "$t1")
			L_P_S="$L_P_S $pt_s" L_P_CPU="$L_P_CPU $(cpu_secs "$c0" "$(my_cpu)")"
			echo "  $t run $r: cutover $CUT_S s / $CUT_CPU s, pt-table-sync $pt_s s" >&2
		done
		medians
		pt_n=$(grep -c -E '^(REPLACE|UPDATE|DELETE|INSERT)' "$HARNESS_DIR/pt.$t")
		# pt-table-checksum's pass over the table in both databases,
		# by root's socket: it names differences only on a replica,
		# so this is its time and the rows its report says it summed.
		# (Given h=127.0.0.1 it was refused at once, root logs in by
		# the socket only, and earlier runs printed that 0.2 s.)
		t1=$(now)
		pt-table-checksum --no-check-binlog-format --no-check-replication-filters \
		    --recursion-method=none --databases bsrc,bdst --tables "$t" \
		    "u=root,S=$MY_SOCK" >"$HARNESS_DIR/ptc.$t" 2>&1
		ptc_rc=$? ptc_s=$(secs "$t1")
		ptc_n=$(awk '$9 ~ /^(bsrc|bdst)\./ && $2 == 0 { n += $4 } END { print n + 0 }' \
		    "$HARNESS_DIR/ptc.$t")
		if [ "$ptc_rc" -eq 0 ] && [ "$ptc_n" -eq $((2 * ROWS)) ]; then
			ptc="${ptc_s} s, $ptc_n rows"
		else
			ptc="failed (exit $ptc_rc, $ptc_n rows summed)"
			sed 's/^/    /' "$HARNESS_DIR/ptc.$t" | tail -5 >&2
		fi
		row "| MariaDB→MariaDB | $t | ${CUT_S} s / ${CUT_CPU} s | ${P_S} s / ${P_CPU} s ($pt_n statements) | $(ratio "$CUT_S" "$P_S") | $(ratio "$CUT_CPU" "$P_CPU") | $CUT_N of 10 | ${CUT_RSS} MB | $ptc |"
	done
fi

echo
echo "rows per table: $ROWS; medians of $RUNS runs of each side, alternated$([ "$COLD" = 1 ] && echo ", each cold (PostgreSQL)"); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ratios: cutover / pgcopydb (PG rows), cutover / pt-table-sync (MariaDB rows); goal <= 0.5"
echo
echo "| pair | table | cutover wall / server CPU | peer wall / server CPU | ratio wall | ratio CPU | rows named | cutover peak RSS | (MariaDB) pt-table-checksum, both databases, time only (no replica) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s' "$results"
