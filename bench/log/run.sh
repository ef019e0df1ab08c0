#!/bin/sh
# bench/log/run.sh - a `log` check (`cutover check`, one check counting
# the lines that match) against `grep -c` and `grep -cP` with the same
# regex, on one generated log file (bench/log/gen.py), in one run.
# For each pattern: cold (the file's pages dropped from the cache with
# POSIX_FADV_DONTNEED, this file only) and warm (read twice before); CPU
# seconds (user+sys, /usr/bin/time) and wall seconds, the counts each
# found (they must be equal), and cutover's CPU over grep -c's.
#
#   sh bench/log/run.sh [SIZE_MB]        (default 1024)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZE_MB=${1:-1024}
CUTOVER=$ROOT/build/cutover
W=${BENCH_DIR:-/var/tmp/cutover-bench-log}
mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
LOG=$W/app.log
python3 "$ROOT/bench/log/gen.py" "$LOG" "$SIZE_MB"

drop() { python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$LOG"; }
warm() { cat "$LOG" >/dev/null; cat "$LOG" >/dev/null; }
# timed OUT CMD...: CPU and wall seconds into $cpu/$wall, stdout to OUT.
timed() {
	o=$1; shift
	/usr/bin/time -f '%U %S %e' -o "$W/t" "$@" >"$o" 2>/dev/null || true
	# The last line: a failing command's status comes first.
	cpu=$(tail -n 1 "$W/t" | awk '{ printf "%.2f", $1 + $2 }')
	wall=$(tail -n 1 "$W/t" | awk '{ printf "%.2f", $3 }')
}

echo "bench/log: $SIZE_MB MiB, $(wc -l <"$LOG") lines, $(nproc) cores"
printf '%-22s %-5s %17s %17s %17s %8s %s\n' pattern cache \
    "cutover cpu/wall" "grep -c cpu/wall" "grep -cP cpu/wall" "cpu x" counts
for re in '\bERROR\b' 'ERROR|FATAL' 'status=5[0-9][0-9]' 'connection: open'; do
	q=$(printf '%s' "$re" | sed "s/'/''/g")
	cat >"$W/plan.yml" <<YML
cutover: 1
name: bench-log
checks:
  - { id: l, kind: log, path: $LOG, pattern: '$q', max: 0, timeout: 10m }
YML
	for cache in cold warm; do
		[ $cache = cold ] && drop || warm
		timed "$W/c.out" "$CUTOVER" check "$W/plan.yml" --format json
		cc=$cpu; cw=$wall
		nc=$(jq -r '.results[0].value' "$W/c.out")
		[ $cache = cold ] && drop || warm
		timed "$W/g.out" grep -cE "$re" "$LOG"
		gc=$cpu; gw=$wall; ng=$(cat "$W/g.out")
		[ $cache = cold ] && drop || warm
		timed "$W/p.out" grep -cP "$re" "$LOG"
		pc=$cpu; pw=$wall; np=$(cat "$W/p.out")
		same=$([ "$nc" = "$ng" ] && [ "$ng" = "$np" ] && echo "equal $nc" || echo "DIFFER $nc/$ng/$np")
		ratio=$(echo "$gc $cc" | awk '{ if ($2 + 0 == 0) print "-"; else printf "%.2f", $1 / $2 }')
		printf '%-22s %-5s %8s/%-8s %8s/%-8s %8s/%-8s %8s %s\n' "$re" $cache \
		    "$cc" "$cw" "$gc" "$gw" "$pc" "$pw" "$ratio" "$same"
	done
done
echo "cpu x: grep -c's CPU seconds over cutover's (above 1: cutover used less)"
