#!/bin/sh
# bench/watch/ab.sh - A/B of two cutover binaries on one shape of
# bench/watch/run.sh, cutover only (no monit), runs alternated, so that a
# change can be judged on a shared machine: CPU seconds (user + sys) of
# each run and per 1,000 checks.
#
#   sh bench/watch/ab.sh OLD NEW [KIND] [N] [SECONDS] [PAIRS]
#   sh bench/watch/ab.sh /tmp/cutover-old build/cutover http 700 20 3
#   TOGETHER=1 sh bench/watch/ab.sh /tmp/cutover-old build/cutover file 700 20 5
#
# KIND: http (GET /ok, body "ok"), tcp, mixed (N*5/7 tcp + N*2/7 http),
# or file (exists, mode at most 0644, under $W/files as run.sh's).
# TOGETHER=1 runs each pair's two binaries at the same time, so that both
# see the same load: under a load average of 4-7 on 2 cores, sequential
# pairs of 700 `file` checks swung by +-20% and showed no sign of a 10%
# change that every one of 5 pairs run together showed (BENCHMARKS.md,
# watch, eighth round).
set -eu
OLD=$1; NEW=$2; KIND=${3:-http}; N=${4:-700}; SECS=${5:-20}; PAIRS=${6:-3}
W=$(mktemp -d /tmp/cutover-ab.XXXXXX)
. "$(dirname "$0")/../nginx.sh"
nginx_start
case $KIND in
http)	nt=0; nh=$N ;;
tcp)	nt=$N; nh=0 ;;
mixed)	nh=$((N * 2 / 7)); nt=$((N - nh)) ;;
file)	nf=$N ;;
*)	echo "ab.sh: KIND is http, tcp, mixed or file"; exit 2 ;;
esac
nt=${nt:-0}; nh=${nh:-0}; nf=${nf:-0}
mkdir -p "$W/files"
{
	echo "cutover: 1"
	echo "name: bench-ab"
	echo "checks:"
	i=0; while [ $i -lt $nt ]; do
		echo "  - { id: tcp-$i, kind: tcp, address: '127.0.0.1:$PORT' }"; i=$((i + 1)); done
	i=0; while [ $i -lt $nh ]; do
		echo "  - { id: http-$i, kind: http, url: 'http://127.0.0.1:$PORT/ok', body_contains: ok }"; i=$((i + 1)); done
	i=0; while [ $i -lt $nf ]; do
		: > "$W/files/f$i"; chmod 644 "$W/files/f$i"
		echo "  - { id: file-$i, kind: file, path: '$W/files/f$i', max_mode: '0644' }"; i=$((i + 1)); done
	echo "phases:"
	echo "  - id: post"
	printf "    watch: { every: 1s, for: %ss, checks: [" "$SECS"
	sep=""
	i=0; while [ $i -lt $nt ]; do printf "%stcp-%s" "$sep" $i; sep=", "; i=$((i + 1)); done
	i=0; while [ $i -lt $nh ]; do printf "%shttp-%s" "$sep" $i; sep=", "; i=$((i + 1)); done
	i=0; while [ $i -lt $nf ]; do printf "%sfile-%s" "$sep" $i; sep=", "; i=$((i + 1)); done
	echo "] }"
} > "$W/plan.yml"
one() {	# LABEL BINARY: a run, journal $W/j-LABEL.db, times in $W/t-LABEL
	rm -f "$W/j-$1".db*
	/usr/bin/time -f '%U %S' -o "$W/t-$1" "$2" watch "$W/plan.yml" \
	    --state "$W/j-$1.db" >"$W/out-$1" 2>&1 || {
		echo "ab.sh: $1 failed"; tail -3 "$W/out-$1"; }
}
show() {	# LABEL
	ns=$(sqlite3 "$W/j-$1.db" "select count(*) from samples")
	nbad=$(sqlite3 "$W/j-$1.db" "select count(*) from samples where s >= 2")
	set -- "$1" $(cat "$W/t-$1")
	python3 -c "import sys; u,s=float('$2'),float('$3'); print(f'$1 cpu {u+s:.2f} s  samples $ns (failed $nbad)  per 1k {(u+s)/$ns*1000:.4f} s')"
}
echo "$KIND x$N, $SECS s, $PAIRS pairs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
p=0; while [ $p -lt "$PAIRS" ]; do
	if [ "${TOGETHER:-0}" = 1 ]; then
		one old "$OLD" & pa=$!
		one new "$NEW" & pb=$!
		wait $pa $pb
	else
		one old "$OLD"; one new "$NEW"
	fi
	show old; show new; p=$((p + 1)); done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
