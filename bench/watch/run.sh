#!/bin/sh
# bench/watch/run.sh - 500 tcp and 200 http checks against a local nginx,
# every second for 60 s, watched by `cutover watch` and by monit (`set
# daemon 1`, the same checks), one after the other in one run on the same
# server.  Prints CPU seconds per 1,000 checks of each and their ratio,
# cutover's peak RSS and its journal bytes per sample.
#
#   sh bench/watch/run.sh [NTCP] [NHTTP] [SECONDS]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NTCP=${1:-500}
NHTTP=${2:-200}
SECS=${3:-60}
CUTOVER=$ROOT/build/cutover

need() { command -v "$1" >/dev/null 2>&1; }
if ! need nginx || ! need monit || ! need /usr/bin/time || ! need sqlite3; then
	echo "bench/watch: installing nginx-light, monit, time, sqlite3"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light monit \
	    time sqlite3 >/dev/null
fi

W=$(mktemp -d /tmp/cutover-bench.XXXXXX)
chmod 755 "$W"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$W/logs" "$W/html"
echo ok > "$W/html/ok"
cat > "$W/nginx.conf" <<CONF
daemon off;
worker_processes 2;
pid $W/nginx.pid;
error_log $W/logs/error.log;
events { worker_connections 4096; }
http {
	# monit's checks are counted from here: its HTTP requests / NHTTP
	# are its cycles (it runs without -v, which would cost it CPU).
	log_format n "\$http_user_agent";
	access_log $W/logs/access.log n;
	server {
		listen 127.0.0.1:$PORT backlog=4096;
		root $W/html;
		location / { }
	}
}
CONF
nginx -c "$W/nginx.conf" -p "$W" &
NGINX=$!
trap 'kill $NGINX 2>/dev/null; wait $NGINX 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
for i in $(seq 50); do
	python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$PORT)))" 2>/dev/null && break
	sleep 0.1
done

# The same checks for both: a TCP connect, an HTTP GET of /ok.
{
	echo "cutover: 1"
	echo "name: bench-watch"
	echo "checks:"
	i=0; while [ $i -lt "$NTCP" ]; do
		echo "  - { id: tcp-$i, kind: tcp, address: '127.0.0.1:$PORT' }"
		i=$((i + 1)); done
	i=0; while [ $i -lt "$NHTTP" ]; do
		echo "  - { id: http-$i, kind: http, url: 'http://127.0.0.1:$PORT/ok', body_contains: ok }"
		i=$((i + 1)); done
	echo "phases:"
	echo "  - id: post"
	printf "    watch: { every: 1s, for: %ss, checks: [" "$SECS"
	i=0; while [ $i -lt "$NTCP" ]; do printf "tcp-%s, " $i; i=$((i + 1)); done
	i=0; while [ $i -lt "$NHTTP" ]; do printf "http-%s%s" $i "$([ $i -lt $((NHTTP - 1)) ] && echo ', ')"; i=$((i + 1)); done
	echo "] }"
	echo "success:"
	echo "  - { check: tcp-0, uptime: '>= 99%' }"
} > "$W/plan.yml"

{
	echo "set daemon 1"
	echo "set httpd port $MPORT and use address 127.0.0.1 allow 127.0.0.1"
	echo "set idfile $W/monit.id"
	echo "set statefile $W/monit.state"
	echo "set pidfile $W/monit.pid"
	echo "set log $W/monit.log"
	i=0; while [ $i -lt "$NTCP" ]; do
		echo "check host tcp-$i with address 127.0.0.1"
		echo "  if failed port $PORT type tcp then alert"
		i=$((i + 1)); done
	i=0; while [ $i -lt "$NHTTP" ]; do
		echo "check host http-$i with address 127.0.0.1"
		echo "  if failed port $PORT protocol http request \"/ok\" content = \"ok\" then alert"
		i=$((i + 1)); done
} > "$W/monitrc"
chmod 600 "$W/monitrc"

# cutover watch: CPU (user+sys) and peak RSS of the process; checks done
# = samples journaled.
/usr/bin/time -f '%U %S %M' -o "$W/ct" "$CUTOVER" watch "$W/plan.yml" \
    --state "$W/j.db" --jobs 64 >"$W/cutover.out" 2>&1 || {
	echo "bench/watch: cutover watch failed"; tail "$W/cutover.out"; exit 1; }
nsamples=$(sqlite3 "$W/j.db" "select count(*) from samples")
nfail=$(sqlite3 "$W/j.db" "select count(*) from samples where s >= 2")
bytes=$(sqlite3 "$W/j.db" "select sum(pgsize) from dbstat where name in ('samples', 'sqlite_autoindex_samples_1')" 2>/dev/null || echo 0)
filebytes=$(stat -c %s "$W/j.db")

# monit in the foreground for the same time; checks done = its cycles
# (its HTTP requests in nginx's log / NHTTP) times the checks.
: > "$W/logs/access.log"
/usr/bin/time -f '%U %S %M' -o "$W/mt" timeout -s TERM "$SECS" \
    monit -I -c "$W/monitrc" >"$W/monit.out" 2>&1 || true
sleep 0.5
cycles=$(( $(grep -ci monit "$W/logs/access.log" || true) / NHTTP ))
mfail=$(grep -c "failed" "$W/monit.log" 2>/dev/null || true)

# The retention rule: 10 minutes of 700 checks folded into minute rows.
objs=$(ls "$ROOT"/build/src/*.o "$ROOT"/build/src/*/*.o | grep -v /main.o)
cc -I"$ROOT/src" -o "$W/fold_size" "$ROOT/bench/watch/fold_size.c" $objs \
    $(pkg-config --libs $(printf 'p:\n\t@echo $(PKGS)\n' | \
    make -s -C "$ROOT" -f config.mk -f - p)) -lm -lpthread
"$W/fold_size" "$W/f.db" 600
minbytes=$(sqlite3 "$W/f.db" "select sum(pgsize) from dbstat where name = 'sample_minutes'")
minrows=$(sqlite3 "$W/f.db" "select count(*) from sample_minutes")

python3 - "$(tail -1 "$W/ct")" "$(tail -1 "$W/mt")" "$nsamples" "$nfail" "$bytes" \
    "$filebytes" "$cycles" "$mfail" "$NTCP" "$NHTTP" "$SECS" "$minbytes" \
    "$minrows" <<'PY'
import sys
cu, cs, crss = map(float, sys.argv[1].split())
mu, ms, mrss = map(float, sys.argv[2].split())
ns, nf, by, fb, cyc, mf = map(int, sys.argv[3:9])
ntcp, nhttp, secs, minb, minr = map(int, sys.argv[9:14])
nm = cyc * (ntcp + nhttp)
c_per = (cu + cs) / ns * 1000
m_per = (mu + ms) / nm * 1000 if nm else float("nan")
print(f"checks: {ntcp} tcp + {nhttp} http, every 1 s for {secs} s")
print(f"cutover watch: {ns} checks ({nf} failed), CPU {cu+cs:.2f} s "
      f"({cu:.2f} user + {cs:.2f} sys) = {c_per:.3f} s per 1,000 checks, "
      f"peak RSS {crss/1024:.1f} MiB")
print(f"monit:         {nm} checks ({cyc} cycles, {mf} failures logged), CPU "
      f"{mu+ms:.2f} s ({mu:.2f} user + {ms:.2f} sys) = {m_per:.3f} s per 1,000 "
      f"checks, peak RSS {mrss/1024:.1f} MiB")
print(f"ratio (cutover / monit CPU per check): {c_per / m_per:.2f}x (goal <= 0.5x)")
print(f"journal: samples table {by} bytes = {by / ns:.1f} bytes per sample "
      f"(goal <= 48); whole file {fb} bytes = {fb / ns:.1f} per sample")
row = minb / minr
week = 700 * 7 * 1440 * row + 700 * 3600 * (by / ns)
print(f"retention: {row:.1f} bytes per check-minute row; 7 days of 700 checks "
      f"every 1 s = 1 h raw + minute rows = {week / 1e9:.2f} GB")
PY
