#!/bin/bash
# bench/repair/run.sh - cutover diff --apply against pt-table-sync
# --execute on the same MariaDB fixture, in one run, on MariaDB 10.11
# started on loopback.
#
# The fixture: ROWS rows (default 200000, 8 mixed columns) copied to a
# target database, then CHANGED rows (default 10000, spread over the
# first 90% of the key range) given a new value, plus one value swapped
# between two adjacent rows of equal length, alone in its part of the
# table (the fault pt-table-sync's checksums miss).  Each tool
# repairs its own fresh copy of that target; afterwards a fresh
# `cutover diff` says whether the target equals the source.
#
# Printed per tool: wall seconds, the tool's own CPU seconds (user+sys,
# /usr/bin/time; the server's CPU is not in it), and the verdict; then
# the ratio pt-table-sync / cutover of the wall times (goal >= 1).
# Installs percona-toolkit with apt-get when missing.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CUTOVER=$ROOT/build/cutover
ROWS=${ROWS:-200000}
CHANGED=${CHANGED:-10000}
. "$ROOT/tests/harness/servers.sh"
trap stop_all EXIT INT TERM

if ! command -v pt-table-sync >/dev/null || [ ! -x /usr/bin/time ]; then
	echo "bench/repair: installing percona-toolkit and time"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends percona-toolkit libdbd-mysql-perl time \
	    >/dev/null || exit 1
fi
start_mariadb || exit 1
cp "$CUTOVER" "$HARNESS_DIR/cutover" && CUTOVER=$HARNESS_DIR/cutover
MYSQL="mariadb --no-defaults -S $MY_SOCK -uroot -N -B"
SRC="mysql://cutover:cutover@127.0.0.1:$MY_PORT/bsrc"
DST="mysql://cutover:cutover@127.0.0.1:$MY_PORT/bdst"
now() { date +%s.%N; }
secs() { echo "$(now) $1" | awk '{ printf "%.2f", $1 - $2 }'; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", ($2 > 0) ? $1 / $2 : 0 }'; }
cpu() { awk '/User time/ { u = $NF } /System time/ { s = $NF }
    END { printf "%.2f", u + s }' "$1"; }

echo "== loading $ROWS rows (8 columns), $CHANGED changed + a swap"
t0=$(now)
# The changed rows in the first 90% of the key range; the swap in the
# last 5%, in a chunk of pt's with no other change (where a checksum
# must see the swap by itself).
STEP=$((ROWS * 9 / 10 / CHANGED))
SWAP=$((ROWS - ROWS / 20 + 17))
$MYSQL -e "CREATE DATABASE bsrc; CREATE DATABASE bpristine; USE bsrc;
  CREATE TABLE bsrc.t (id bigint PRIMARY KEY, i int NOT NULL,
  n decimal(12,2), v double, s varchar(64), ts datetime(6), b tinyint(1),
  d date);
  INSERT INTO bsrc.t SELECT seq, (seq * 7) % 100000, (seq % 10000) / 100,
    seq / 7e0, MD5(seq), TIMESTAMP('2024-01-01') + INTERVAL seq SECOND +
    INTERVAL (seq % 1000000) MICROSECOND, seq % 2 = 0,
    DATE('2024-01-01') + INTERVAL (seq % 1000) DAY FROM seq_1_to_$ROWS;
  CREATE TABLE bpristine.t LIKE bsrc.t;
  INSERT INTO bpristine.t SELECT * FROM bsrc.t;
  UPDATE bpristine.t SET s = CONCAT('changed-', id)
    WHERE id % $STEP = 0 AND id <= $((STEP * CHANGED));
  UPDATE bpristine.t SET s = MD5(IF(id = $SWAP, $SWAP + 1, $SWAP))
    WHERE id IN ($SWAP, $SWAP + 1);" || exit 1
echo "loaded in $(secs "$t0")s"
fresh_target() {
	$MYSQL -e "DROP DATABASE IF EXISTS bdst; CREATE DATABASE bdst;
	  CREATE TABLE bdst.t LIKE bpristine.t;
	  INSERT INTO bdst.t SELECT * FROM bpristine.t" || exit 1
}
verdict() {
	"$CUTOVER" diff "$SRC" "$DST" >"$HARNESS_DIR/verify.out" 2>&1
	local rc=$? cols swap
	# The columns still differing (of the rows listed), and the swap.
	cols=$(sed -n 's/^  changed  id=[0-9]*: //p' "$HARNESS_DIR/verify.out" |
	    tr ', ' '\n\n' | sed '/^$/d' | sort -u | paste -sd, -)
	swap=$($MYSQL -e "SELECT COUNT(*) FROM bsrc.t a JOIN bdst.t b USING (id)
	    WHERE id IN ($SWAP, $SWAP + 1) AND a.s = b.s")
	case $rc in
	0) echo "identical afterwards (swap repaired: $swap of 2)" ;;
	1) echo "NOT identical afterwards: $(tail -n 1 "$HARNESS_DIR/verify.out" |
	    sed 's/^.*: t (/t (/; s/ ([0-9.]*m\?s)$//'), columns $cols; swap repaired: $swap of 2" ;;
	*) echo "verification failed: $(tail -n 1 "$HARNESS_DIR/verify.out")" ;;
	esac
}

echo
echo "| tool | wall | own CPU | result |"
echo "| --- | ---: | ---: | --- |"

fresh_target
t=$(now)
/usr/bin/time -v -o "$HARNESS_DIR/time.pt" pt-table-sync --execute \
    "h=127.0.0.1,P=$MY_PORT,u=cutover,p=cutover,D=bsrc,t=t" \
    "h=127.0.0.1,P=$MY_PORT,u=cutover,p=cutover,D=bdst,t=t" \
    >"$HARNESS_DIR/pt.out" 2>"$HARNESS_DIR/pt.err"
pt_rc=$?
pt=$(secs "$t")
echo "| pt-table-sync --execute | ${pt}s | $(cpu "$HARNESS_DIR/time.pt")s | exit $pt_rc, $(verdict) |"

fresh_target
t=$(now)
/usr/bin/time -v -o "$HARNESS_DIR/time.cut" "$CUTOVER" diff "$SRC" "$DST" \
    --apply --yes --max-diffs 0 >"$HARNESS_DIR/cut.out" 2>"$HARNESS_DIR/cut.err"
cut_rc=$?
cut=$(secs "$t")
counts=$(grep -o 'DELETE [0-9]*, UPDATE [0-9]*, INSERT [0-9]*' \
    "$HARNESS_DIR/cut.err" | head -n 1)
echo "| cutover diff --apply --yes (diff, apply, re-verify) | ${cut}s | $(cpu "$HARNESS_DIR/time.cut")s | exit $cut_rc, $counts, $(verdict) |"

echo
echo "pt-table-sync / cutover (wall) = $(ratio "$pt" "$cut") (goal >= 1)"
