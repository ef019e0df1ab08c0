#!/bin/sh
# bench/checks/run.sh - 500 tcp and 200 http checks against a local nginx,
# run by `cutover check` and by a shell loop of the equivalent Nagios
# plugins (check_tcp, check_http from monitoring-plugins), in one run on
# the same server.  Prints both times, the ratio and cutover's peak RSS.
#
#   sh bench/checks/run.sh [NTCP] [NHTTP]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NTCP=${1:-500}
NHTTP=${2:-200}
PLUGINS=/usr/lib/nagios/plugins
CUTOVER=$ROOT/build/cutover

need() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
if ! need nginx || ! need $PLUGINS/check_tcp || ! need /usr/bin/time; then
	echo "bench/checks: installing nginx-light, monitoring-plugins-basic, time"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light \
	    monitoring-plugins-basic time >/dev/null
fi

W=$(mktemp -d /tmp/cutover-bench.XXXXXX)
. "$(dirname "$0")/../nginx.sh"
nginx_start

# The plan: NTCP tcp checks and NHTTP http checks on that server.
{
	echo "cutover: 1"
	echo "name: bench-checks"
	echo "checks:"
	i=0
	while [ $i -lt "$NTCP" ]; do
		echo "  - { id: tcp-$i, kind: tcp, address: '127.0.0.1:$PORT' }"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt "$NHTTP" ]; do
		echo "  - { id: http-$i, kind: http, url: 'http://127.0.0.1:$PORT/ok', body_contains: ok }"
		i=$((i + 1))
	done
} > "$W/plan.yml"

now() { date +%s.%N; }

# Warm up both (page cache, nginx workers).
"$CUTOVER" check "$W/plan.yml" --format json >/dev/null
$PLUGINS/check_tcp -H 127.0.0.1 -p "$PORT" >/dev/null

t0=$(now)
/usr/bin/time -f '%M' -o "$W/rss" "$CUTOVER" check "$W/plan.yml" --format json > "$W/out.json"
t1=$(now)
rc=0
i=0
while [ $i -lt "$NTCP" ]; do
	$PLUGINS/check_tcp -H 127.0.0.1 -p "$PORT" >/dev/null || rc=1
	i=$((i + 1))
done
i=0
while [ $i -lt "$NHTTP" ]; do
	$PLUGINS/check_http -H 127.0.0.1 -p "$PORT" -u /ok -s ok >/dev/null || rc=1
	i=$((i + 1))
done
t2=$(now)

passed=$(python3 -c "import json; d=json.load(open('$W/out.json')); print(d['summary']['pass'])")
[ "$passed" -eq $((NTCP + NHTTP)) ] || { echo "bench/checks: cutover passed only $passed checks"; exit 1; }
[ $rc -eq 0 ] || { echo "bench/checks: a plugin check failed"; exit 1; }

python3 - "$t0" "$t1" "$t2" "$(cat "$W/rss")" "$NTCP" "$NHTTP" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:4])
rss_kb = int(sys.argv[4]); ntcp, nhttp = sys.argv[5], sys.argv[6]
c, p = t1 - t0, t2 - t1
print(f"checks: {ntcp} tcp + {nhttp} http")
print(f"cutover check:            {c:8.3f} s   peak RSS {rss_kb/1024:.1f} MiB")
print(f"check_tcp/check_http loop: {p:8.3f} s")
print(f"ratio (plugins / cutover): {p / c:8.1f}x")
PY
