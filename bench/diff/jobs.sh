#!/bin/bash
# bench/diff/jobs.sh - cutover diff --jobs 1 against --jobs 2 on one
# table of ROWS rows (default 1000000; the 8 columns of bench/diff/run.sh)
# with 10 changed rows, PostgreSQL 15 and MariaDB 10.11 started on
# loopback: wall time, cutover's CPU, and the servers' CPU (the backends'
# time as their parent has reaped it: /proc/PID/stat cutime + cstime of
# the postmaster and mariadbd's own utime + stime), best of RUNS (3)
# each, alternated, the load average printed beside each run, and
# cutover's peak RSS.  ONLY=pg or ONLY=my for one engine (the 10M-row
# run: ONLY=pg ROWS=10000000 RUNS=1).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CUTOVER=$ROOT/build/cutover
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
ONLY=${ONLY:-}
. "$ROOT/tests/harness/servers.sh"
trap stop_all EXIT INT TERM
[ -x /usr/bin/time ] || { echo "bench/diff/jobs: needs /usr/bin/time (apt-get install time)"; exit 1; }
ENGINES="pg my"
[ -n "$ONLY" ] && ENGINES=$ONLY
case " $ENGINES " in *" pg "*) start_pg || exit 1 ;; esac
case " $ENGINES " in *" my "*) start_mariadb || exit 1 ;; esac
cp "$CUTOVER" "$HARNESS_DIR/cutover" && CUTOVER=$HARNESS_DIR/cutover
PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p ${PG_PORT:-} -U postgres -tA"
MYSQL="mariadb --no-defaults -S ${MY_SOCK:-} -uroot -N -B"
PGS="postgres://postgres@127.0.0.1:${PG_PORT:-}/bsrc"
PGD="postgres://postgres@127.0.0.1:${PG_PORT:-}/bdst"
MYS="mysql://cutover:cutover@127.0.0.1:${MY_PORT:-}/bsrc"
MYD="mysql://cutover:cutover@127.0.0.1:${MY_PORT:-}/bdst"
TCK=$(getconf CLK_TCK)

echo "== loading $ROWS rows (8 columns) on: $ENGINES"
case " $ENGINES " in *" pg "*)
$PSQL -c "CREATE DATABASE bsrc" >/dev/null
$PSQL -d bsrc -c "CREATE TABLE t (id bigint PRIMARY KEY, i integer NOT NULL,
  n numeric(12,2), v double precision, s varchar(64), ts timestamp(6),
  b boolean, d date);
  INSERT INTO t SELECT g, (g * 7) % 100000, (g % 10000) / 100.0,
    g::float8 / 7, md5(g::text), timestamp '2024-01-01' + g * interval
    '1 second', g % 2 = 0, date '2024-01-01' + (g % 1000)::int
  FROM generate_series(1, $ROWS) g" >/dev/null || exit 1
$PSQL -d bsrc -c "VACUUM ANALYZE t" >/dev/null || exit 1
$PSQL -c "CREATE DATABASE bdst TEMPLATE bsrc" >/dev/null
$PSQL -d bdst -c "UPDATE t SET s = 'changed' WHERE id % ($ROWS / 10) = 7" >/dev/null
;; esac
case " $ENGINES " in *" my "*)
$MYSQL -e "CREATE DATABASE bsrc; CREATE DATABASE bdst;
  GRANT ALL ON bsrc.* TO cutover; GRANT ALL ON bdst.* TO cutover; USE bsrc;
  CREATE TABLE bsrc.t (id bigint PRIMARY KEY, i int NOT NULL,
  n decimal(12,2), v double, s varchar(64), ts datetime(6), b tinyint(1),
  d date);
  INSERT INTO bsrc.t SELECT seq, (seq * 7) % 100000, (seq % 10000) / 100,
    seq / 7e0, MD5(seq), TIMESTAMP('2024-01-01') + INTERVAL seq SECOND,
    seq % 2 = 0, DATE('2024-01-01') + INTERVAL (seq % 1000) DAY
  FROM seq_1_to_$ROWS;
  CREATE TABLE bdst.t LIKE bsrc.t; INSERT INTO bdst.t SELECT * FROM bsrc.t;
  UPDATE bdst.t SET s = 'changed' WHERE id % ($ROWS DIV 10) = 7" || exit 1
;; esac

# server CPU seconds so far: PostgreSQL's reaped backends, mariadbd
# itself; after a pause, so that the postmaster has reaped the backends
# of the run that just ended
pg_cpu() { sleep 0.5; awk -v t="$TCK" '{ printf "%.2f", ($16 + $17) / t }' "/proc/$(head -1 "$PG_DIR/data/postmaster.pid")/stat"; }
my_cpu() { sleep 0.5; awk -v t="$TCK" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$(pgrep -o -f "mariadbd.*$MY_PORT")/stat"; }

# one ENGINE JOBS SRC DST: prints "wall cutover_cpu server_cpu load rss_mb"
one() {
	local eng=$1 j=$2 c0 c1
	c0=$($eng)
	/usr/bin/time -f "%e %U %S %M" -o "$HARNESS_DIR/time" "$CUTOVER" diff -q \
	    --jobs "$j" "$3" "$4" >"$HARNESS_DIR/out" 2>&1
	[ $? = 1 ] || { echo "unexpected exit"; cat "$HARNESS_DIR/out"; exit 1; }
	grep -q "10 changed" "$HARNESS_DIR/out" || { cat "$HARNESS_DIR/out"; exit 1; }
	c1=$($eng)
	read -r w u s m < <(tail -1 "$HARNESS_DIR/time")
	echo "$w $(echo "$u $s" | awk '{ printf "%.2f", $1 + $2 }') $(echo "$c1 $c0" | awk '{ printf "%.2f", $1 - $2 }') $(cut -d' ' -f1 /proc/loadavg) $(echo "$m" | awk '{ printf "%.1f", $1 / 1024 }')"
}
printf '%-10s %-6s %8s %8s %8s %6s %7s\n' engine jobs wall_s cut_cpu srv_cpu load rss_mb
for eng in $ENGINES; do
	if [ $eng = pg ]; then S=$PGS D=$PGD; else S=$MYS D=$MYD; fi
	best1="" best2=""
	for r in $(seq "$RUNS"); do
		for j in 1 2; do
			l=$(one ${eng}_cpu $j "$S" "$D") || { echo "$l"; exit 1; }
			printf '%-10s %-6s %8s %8s %8s %6s %7s\n' $eng $j $l
			w=${l%% *}
			if [ $j = 1 ]; then
				[ -z "$best1" ] || awk "BEGIN{exit !($w < $best1)}" && best1=$w
			else
				[ -z "$best2" ] || awk "BEGIN{exit !($w < $best2)}" && best2=$w
			fi
		done
	done
	echo "$eng: best wall --jobs 1 ${best1}s, --jobs 2 ${best2}s, ratio jobs2/jobs1 $(echo "$best2 $best1" | awk '{ printf "%.2f", $1 / $2 }')"
done
