#!/bin/bash
# bench/diff/ab-pg.sh - two cutover binaries, alternated, on the
# PostgreSQL tables of types-pg.sql, with pgcopydb's checksum query run on
# both databases at once after each pair (issue 16):
#
#   OLD=/path/cutover-before NEW=build/cutover TABLES="t_bool t_date" \
#       ROWS=1000000 RUNS=3 bash bench/diff/ab-pg.sh
#
# Loads only TABLES (default: all of types-pg.sql), 10 rows changed as in
# types.sh, and prints per table the median wall and server CPU seconds
# (every server process, reaped ones included) of each binary and of the
# peer, their ratios, the rows named and the load average seen.  On a
# shared machine alternate several pairs: one run says little.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OLD=${OLD:?OLD=path of the binary before}
NEW=${NEW:-$ROOT/build/cutover}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
HERE=$ROOT/bench/diff
. "$ROOT/tests/harness/servers.sh"
trap stop_all EXIT INT TERM

cp "$OLD" "$HARNESS_DIR/old" && cp "$NEW" "$HARNESS_DIR/new" || exit 1
start_pg || exit 1
PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U postgres -tA"
want=${TABLES:-$(awk '/^CREATE TABLE/ { print $3 }' "$HERE/types-pg.sql")}
# The enum type, then each wanted table's CREATE and INSERT.
awk -v want=" $(echo $want) " 'BEGIN { p = 0 } /^CREATE TYPE/ { print; next }
    /^CREATE TABLE/ { p = index(want, " " $3 " ") > 0 } p' \
    "$HERE/types-pg.sql" >"$HARNESS_DIR/load.sql"
$PSQL -c "CREATE DATABASE bsrc" >/dev/null
$PSQL -d bsrc -v rows="$ROWS" -f "$HARNESS_DIR/load.sql" >/dev/null || exit 1
$PSQL -d bsrc -c "VACUUM ANALYZE" >/dev/null
$PSQL -c "CREATE DATABASE bdst TEMPLATE bsrc" >/dev/null
. "$HERE/lib.sh"
IDS=$(changed_ids "$ROWS")
PGS="postgres://postgres@127.0.0.1:$PG_PORT/bsrc"
PGD="postgres://postgres@127.0.0.1:$PG_PORT/bdst"
# one LABEL TABLE CMD...: a line "TABLE LABEL wall cpu named load"
one() {
	local label=$1 t=$2 c0 t0; shift 2
	c0=$(pg_cpu); t0=$(date +%s.%N)
	"$@" >"$HARNESS_DIR/out" 2>&1
	echo "$t $label $(date +%s.%N) $t0 $(pg_cpu) $c0 \
$(grep -c '^  changed' "$HARNESS_DIR/out") $(cut -d' ' -f1 /proc/loadavg)" |
	    awk '{ printf "%s %s %.3f %.2f %s %s\n", $1, $2, $3 - $4, ($5 - $6) / 100, $7, $8 }'
}
peer() {
	$PSQL -d bsrc -c "$1" >/dev/null & local pid=$!
	$PSQL -d bdst -c "$1" >/dev/null; wait $pid
}
for t in $want; do
	col=a; [ "$t" = t_wide ] && col=c7
	$PSQL -d bdst -c "UPDATE $t SET $col = NULL WHERE id IN ($IDS)" >/dev/null
	Q="SELECT count(1), encode(sha256(format('%s-%s', sum(hashtext(t.*::text)::bigint), count(1))::bytea), 'hex') FROM ONLY $t t"
	for r in $(seq "$RUNS"); do
		one old "$t" "$HARNESS_DIR/old" diff -q -t "$t" "$PGS" "$PGD"
		one new "$t" "$HARNESS_DIR/new" diff -q -t "$t" "$PGS" "$PGD"
		one pgcopydb "$t" peer "$Q"
	done
done | tee "$HARNESS_DIR/runs" >&2
echo
echo "rows per table: $ROWS; $RUNS runs each, alternated; $(nproc) cores"
echo "| table | load | old wall / CPU | new wall / CPU | pgcopydb wall / CPU | ratio wall old → new | ratio CPU old → new | named (old, new) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
awk '{ k = $1 " " $2; w[k] = w[k] " " $3; c[k] = c[k] " " $4; n[k] = n[k] " " $5
    ld[$1] = ld[$1] " " $6; if (!($1 in seen)) { seen[$1] = 1; order[++nt] = $1 } }
function med(s,   a, m, i, j, x) { m = split(s, a, " ")
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { x = a[i]; a[i] = a[j]; a[j] = x }
    return a[int((m + 1) / 2)] }
function rng(s,   a, m, i, lo, hi) { m = split(s, a, " "); lo = hi = a[1]
    for (i = 2; i <= m; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
    return lo "–" hi }
END { for (i = 1; i <= nt; i++) { x = order[i]; o = x " old"; f = x " new"; p = x " pgcopydb"
    printf "| %s | %s | %.2f s / %.2f s | %.2f s / %.2f s | %.2f s / %.2f s | %.2f → %.2f | %.2f → %.2f | %s, %s |\n",
      x, rng(ld[x]), med(w[o]), med(c[o]), med(w[f]), med(c[f]), med(w[p]), med(c[p]),
      med(w[o]) / med(w[p]), med(w[f]) / med(w[p]), med(c[o]) / med(c[p]), med(c[f]) / med(c[p]),
      rng(n[o]), rng(n[f]) } }' "$HARNESS_DIR/runs"
