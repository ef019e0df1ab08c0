#!/bin/sh
# bench/watch/ab.sh - A/B of two cutover binaries on one shape of
# bench/watch/run.sh, cutover only (no monit), runs alternated, so that a
# change can be judged on a shared machine: CPU seconds (user + sys) of
# each run and per 1,000 checks.
#
#   sh bench/watch/ab.sh OLD NEW [KIND] [N] [SECONDS] [PAIRS]
#   sh bench/watch/ab.sh /tmp/cutover-old build/cutover http 700 20 3
#
# KIND: http (GET /ok, body "ok"), tcp, or mixed (N*5/7 tcp + N*2/7 http).
set -eu
OLD=$1; NEW=$2; KIND=${3:-http}; N=${4:-700}; SECS=${5:-20}; PAIRS=${6:-3}
W=$(mktemp -d /tmp/cutover-ab.XXXXXX)
. "$(dirname "$0")/../nginx.sh"
nginx_start
case $KIND in
http)	nt=0; nh=$N ;;
tcp)	nt=$N; nh=0 ;;
mixed)	nh=$((N * 2 / 7)); nt=$((N - nh)) ;;
*)	echo "ab.sh: KIND is http, tcp or mixed"; exit 2 ;;
esac
{
	echo "cutover: 1"
	echo "name: bench-ab"
	echo "checks:"
	i=0; while [ $i -lt $nt ]; do
		echo "  - { id: tcp-$i, kind: tcp, address: '127.0.0.1:$PORT' }"; i=$((i + 1)); done
	i=0; while [ $i -lt $nh ]; do
		echo "  - { id: http-$i, kind: http, url: 'http://127.0.0.1:$PORT/ok', body_contains: ok }"; i=$((i + 1)); done
	echo "phases:"
	echo "  - id: post"
	printf "    watch: { every: 1s, for: %ss, checks: [" "$SECS"
	sep=""
	i=0; while [ $i -lt $nt ]; do printf "%stcp-%s" "$sep" $i; sep=", "; i=$((i + 1)); done
	i=0; while [ $i -lt $nh ]; do printf "%shttp-%s" "$sep" $i; sep=", "; i=$((i + 1)); done
	echo "] }"
} > "$W/plan.yml"
one() {	# LABEL BINARY
	rm -f "$W"/j.db*
	/usr/bin/time -f '%U %S' -o "$W/t" "$2" watch "$W/plan.yml" --state "$W/j.db" \
	    >"$W/out" 2>&1 || { echo "ab.sh: $1 failed"; tail -3 "$W/out"; }
	ns=$(sqlite3 "$W/j.db" "select count(*) from samples")
	nf=$(sqlite3 "$W/j.db" "select count(*) from samples where s >= 2")
	set -- "$1" $(cat "$W/t")
	python3 -c "import sys; u,s=float('$2'),float('$3'); print(f'$1 cpu {u+s:.2f} s  samples $ns (failed $nf)  per 1k {(u+s)/$ns*1000:.4f} s')"
}
echo "$KIND x$N, $SECS s, $PAIRS pairs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
p=0; while [ $p -lt "$PAIRS" ]; do
	one old "$OLD"; one new "$NEW"; p=$((p + 1)); done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
