#!/bin/sh
# bench/serve/run.sh - /metrics of a plan of 700 checks under wrk: `cutover
# serve` reading the run's journal, side by side with node_exporter's
# textfile collector serving the file `cutover check --format prometheus`
# writes (Debian's prometheus-node-exporter, its own metrics off, its cap
# of 40 requests at once lifted: it answers 503 past it), in one run on
# the same machine.  Prints requests/s, p99 latency, the server's
# CPU seconds per 1,000 requests, the body size, and the ratios; then
# cutover again while a watch of the same checks journals every second.
#
#   sh bench/serve/run.sh [NCHECKS] [SECONDS] [CONNECTIONS]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-700}
SECS=${2:-10}
CONNS=${3:-16}
CUTOVER=$ROOT/build/cutover
NE=/usr/bin/prometheus-node-exporter

if ! command -v wrk >/dev/null || [ ! -x $NE ]; then
	echo "bench/serve: installing wrk, prometheus-node-exporter"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    wrk prometheus-node-exporter >/dev/null
fi

W=$(mktemp -d /tmp/cutover-bench.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CP=$(port)
NP=$(port)
mkdir -p "$W/textfile"

# The node exporter starts first: the checks probe its port (a tcp check
# has a latency, so every family, the value too, has 700 series).
$NE --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory="$W/textfile" --web.disable-exporter-metrics \
    --web.max-requests=0 \
    --web.listen-address=127.0.0.1:$NP >"$W/ne.log" 2>&1 &
PIDS="$PIDS $!"
NEPID=$!
{
	echo "cutover: 1"
	echo "name: bench-serve"
	echo "checks:"
	i=1
	while [ $i -le "$N" ]; do
		printf '  - { id: port-%04d, kind: tcp, address: "127.0.0.1:%s" }\n' $i $NP
		i=$((i + 1))
	done
	echo "phases:"
	echo "  - id: preflight"
	printf '    checks: ['
	i=1
	while [ $i -le "$N" ]; do
		printf 'port-%04d%s' $i "$([ $i -lt "$N" ] && echo ', ')"
		i=$((i + 1))
	done
	echo "]"
} >"$W/plan.yml"
sleep 0.5
"$CUTOVER" run "$W/plan.yml" --yes >/dev/null
"$CUTOVER" check "$W/plan.yml" --format prometheus -o "$W/textfile/cutover.prom" >/dev/null || true

"$CUTOVER" serve "$W/plan.yml" --listen 127.0.0.1:$CP 2>"$W/serve.log" &
PIDS="$PIDS $!"
CPID=$!
sleep 0.5

cpu() {	# utime+stime of pid in seconds
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' /proc/$1/stat
}
bench() {	# bench NAME PID URL [HEADER]
	h=${4:-X-No: 1}
	size=$(curl -s -H "$h" "$3" | wc -c)
	series=$(curl -s --compressed "$3" | grep -Ec '^cutover_(check|watch)_' || true)
	c0=$(cpu "$2")
	wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency -H "$h" "$3" >"$W/$1.wrk" 2>&1
	c1=$(cpu "$2")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$W/$1.wrk")
	p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
	    else if (v ~ /ms$/) sub(/ms$/, "", v); else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
	    print v }' "$W/$1.wrk")
	total=$(awk '/requests in/ { print $1 }' "$W/$1.wrk")
	errs=$(awk '/Non-2xx|Socket errors/' "$W/$1.wrk")
	cpk=$(echo "$c0 $c1 $total" | awk '{ if ($3 > 0) printf "%.3f", ($2 - $1) * 1000 / $3; else printf "nan" }')
	printf '%-26s %10s %9s ms %10s s %9s B %6s\n' "$1" "$rps" "$p99" "$cpk" "$size" "$series"
	[ -z "$errs" ] || echo "  $1: $errs"
	k=$(echo "$1" | tr -c 'a-z\n' _)
	eval "${k}_rps=$rps ${k}_p99=$p99 ${k}_cpk=$cpk"
}
echo "bench/serve: /metrics of $N checks, wrk -t2 -c$CONNS -d${SECS}s, $(nproc) cores (shared)"
printf '%-26s %10s %12s %12s %11s %6s\n' "server" "req/s" "p99" "CPU/1k req" "body" "series"
# As Prometheus scrapes (Accept-Encoding: gzip), then uncompressed.
G="Accept-Encoding: gzip"
bench "cutover gzip" "$CPID" "http://127.0.0.1:$CP/metrics" "$G"
bench "node_exporter gzip" "$NEPID" "http://127.0.0.1:$NP/metrics" "$G"
bench "cutover plain" "$CPID" "http://127.0.0.1:$CP/metrics"
bench "node_exporter plain" "$NEPID" "http://127.0.0.1:$NP/metrics"
# Live: a watch of the same 700 checks journals a round every second
# while wrk runs (started SECS before it, so the journal already holds
# some thousands of samples); serve loads the journal at every round.
{
	cat "$W/plan.yml"
	echo "  - id: post"
	printf '    watch: { every: 1s, for: 1h, checks: ['
	i=1
	while [ $i -le "$N" ]; do
		printf 'port-%04d%s' $i "$([ $i -lt "$N" ] && echo ', ')"
		i=$((i + 1))
	done
	echo "] }"
} >"$W/plan-watch.yml"
"$CUTOVER" watch "$W/plan-watch.yml" --phase post >"$W/watch.log" 2>&1 &
PIDS="$PIDS $!"
sleep "$SECS"
bench "cutover gzip live" "$CPID" "http://127.0.0.1:$CP/metrics" "$G"
samples=$(sqlite3 "$W/.cutover/bench-serve.db" "select count(*) from samples" 2>/dev/null || echo "?")
echo "  (live: a watch journaling $N samples a second; $samples in the journal at the end)"
for m in gzip plain; do
	eval "echo \$cutover_${m}_rps \$node_exporter_${m}_rps \$cutover_${m}_cpk \$node_exporter_${m}_cpk \$cutover_${m}_p99 $m" |
	    awk '{ printf "ratio (%s): cutover %.2fx the requests/s, %.2fx less CPU per request; p99 %s ms; goal (>= 5,000 req/s, p99 < 20 ms) %s\n",
	    $6, ($2 > 0 ? $1 / $2 : 0), ($3 > 0 ? $4 / $3 : 0), $5, (($1 >= 5000 && $5 < 20) ? "met" : "NOT met") }'
done
