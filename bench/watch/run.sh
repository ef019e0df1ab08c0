#!/bin/sh
# bench/watch/run.sh - checks against a local nginx every second for 60 s,
# watched by `cutover watch` and by monit (`set daemon 1`, the same
# checks), one after the other in one run on the same server, in several
# shapes: 500 tcp + 200 http (the issue's), then 700 of one kind each
# (tcp, http, file).  Prints per shape the CPU seconds per 1,000 checks of
# each and their ratio, cutover's peak RSS and journal bytes per sample.
#
#   sh bench/watch/run.sh [NTCP] [NHTTP] [SECONDS]
#   SHAPES="mixed tcp" sh bench/watch/run.sh       # some shapes only
#   CUTOVER=/tmp/cutover-old SHAPES=http sh bench/watch/run.sh 0 700 20
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NTCP=${1:-500}
NHTTP=${2:-200}
SECS=${3:-60}
CUTOVER=${CUTOVER:-$ROOT/build/cutover}	# CUTOVER=path: another binary (A/B)

need() { command -v "$1" >/dev/null 2>&1; }
if ! need nginx || ! need monit || ! need /usr/bin/time || ! need sqlite3; then
	echo "bench/watch: installing nginx-light, monit, time, sqlite3"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light monit \
	    time sqlite3 >/dev/null
fi

W=$(mktemp -d /tmp/cutover-bench.XXXXXX)
. "$(dirname "$0")/../nginx.sh"
# monit's cycles are counted from nginx's log (its requests of /cycle).
nginx_start 'log_format n "$http_user_agent $uri"; access_log '"$W"'/logs/access.log n;'

# One row: the same checks for cutover and monit, each watched for SECS
# seconds, cutover first.  Kinds: tcp (a connect), http (GET /ok, body
# "ok"), file (exists, mode at most 0644).  Both also run one http check
# of /cycle, monit's cycle counter: its requests in nginx's log are
# monit's cycles (monit runs without -v, which would cost it CPU).
mkdir -p "$W/files"
echo cycle > "$W/html/cycle"
row() {	# NAME NTCP NHTTP NFILE
	name=$1; nt=$2; nh=$3; nf=$4
	ids=""
	{
		echo "cutover: 1"
		echo "name: bench-watch"
		echo "checks:"
		echo "  - { id: cycle, kind: http, url: 'http://127.0.0.1:$PORT/cycle' }"
		i=0; while [ $i -lt "$nt" ]; do
			echo "  - { id: tcp-$i, kind: tcp, address: '127.0.0.1:$PORT' }"
			i=$((i + 1)); done
		i=0; while [ $i -lt "$nh" ]; do
			echo "  - { id: http-$i, kind: http, url: 'http://127.0.0.1:$PORT/ok', body_contains: ok }"
			i=$((i + 1)); done
		i=0; while [ $i -lt "$nf" ]; do
			: > "$W/files/f$i"; chmod 644 "$W/files/f$i"
			echo "  - { id: file-$i, kind: file, path: '$W/files/f$i', max_mode: '0644' }"
			i=$((i + 1)); done
		echo "phases:"
		echo "  - id: post"
		printf "    watch: { every: 1s, for: %ss, checks: [cycle" "$SECS"
		for k in tcp:$nt http:$nh file:$nf; do
			i=0; while [ $i -lt "${k#*:}" ]; do printf ", %s-%s" "${k%:*}" $i
				i=$((i + 1)); done
		done
		echo "] }"
		echo "success:"
		echo "  - { check: cycle, uptime: '>= 99%' }"
	} > "$W/plan.yml"
	{
		echo "set daemon 1"
		echo "set idfile $W/monit.id"
		echo "set statefile $W/monit.state"
		echo "set pidfile $W/monit.pid"
		echo "set log $W/monit.log"
		echo "check host cycle with address 127.0.0.1"
		echo "  if failed port $PORT protocol http request \"/cycle\" then alert"
		i=0; while [ $i -lt "$nt" ]; do
			echo "check host tcp-$i with address 127.0.0.1"
			echo "  if failed port $PORT type tcp then alert"
			i=$((i + 1)); done
		i=0; while [ $i -lt "$nh" ]; do
			echo "check host http-$i with address 127.0.0.1"
			echo "  if failed port $PORT protocol http request \"/ok\" content = \"ok\" then alert"
			i=$((i + 1)); done
		i=0; while [ $i -lt "$nf" ]; do
			echo "check file file-$i with path $W/files/f$i"
			echo "  if failed permission 644 then alert"
			i=$((i + 1)); done
	} > "$W/monitrc"
	chmod 600 "$W/monitrc"

	# cutover watch: CPU (user+sys) and peak RSS of the process; checks
	# done = samples journaled.
	rm -f "$W/j.db" "$W/j.db-wal" "$W/j.db-shm" "$W/j.db.lock"
	/usr/bin/time -f '%U %S %M' -o "$W/ct" "$CUTOVER" watch "$W/plan.yml" \
	    --state "$W/j.db" >"$W/cutover.out" 2>&1 || {
		echo "bench/watch: cutover watch failed"; tail "$W/cutover.out"; exit 1; }
	nsamples=$(sqlite3 "$W/j.db" "select count(*) from samples")
	nfail=$(sqlite3 "$W/j.db" "select count(*) from samples where s >= 2")
	bytes=$(sqlite3 "$W/j.db" "select coalesce(sum(pgsize), 0) from dbstat where name in ('sample_rounds', 'sample_rounds_wt', 'samples', 'sqlite_autoindex_samples_1')" 2>/dev/null || echo 0)

	# monit in the foreground for the same time.
	: > "$W/logs/access.log"
	rm -f "$W/monit.state" "$W/monit.log"
	/usr/bin/time -f '%U %S %M' -o "$W/mt" timeout -s TERM "$SECS" \
	    monit -I -c "$W/monitrc" >"$W/monit.out" 2>&1 || true
	sleep 0.5
	cycles=$(grep -ci "^monit.* /cycle" "$W/logs/access.log" || true)
	mfail=$(grep -c "failed" "$W/monit.log" 2>/dev/null || true)
	echo "$name $((nt + nh + nf + 1)) $(tail -1 "$W/ct") $(tail -1 "$W/mt") $nsamples $nfail $bytes $cycles $mfail" >> "$W/rows"
}

: > "$W/rows"
for shape in ${SHAPES:-mixed tcp http file}; do
	case $shape in
	mixed)	row "mixed: $NTCP tcp + $NHTTP http" "$NTCP" "$NHTTP" 0 ;;
	tcp)	row "tcp: $((NTCP + NHTTP)) tcp" $((NTCP + NHTTP)) 0 0 ;;
	http)	row "http: $((NTCP + NHTTP)) http" 0 $((NTCP + NHTTP)) 0 ;;
	file)	row "file: $((NTCP + NHTTP)) file" 0 0 $((NTCP + NHTTP)) ;;
	*)	echo "bench/watch: unknown shape $shape (mixed tcp http file)"; exit 2 ;;
	esac
done

# The retention rule: 10 minutes of 700 checks folded into minute rows.
objs=$(find "$ROOT/build/src" "$ROOT/build/build" -name '*.o' ! -name main.o)
cc -I"$ROOT/src" -o "$W/fold_size" "$ROOT/bench/watch/fold_size.c" $objs \
    $(pkg-config --libs $(printf 'p:\n\t@echo $(LINK_PKGS)\n' | \
    make -s -C "$ROOT" -f config.mk -f - p)) -lm -lpthread
"$W/fold_size" "$W/f.db" 600
minbytes=$(sqlite3 "$W/f.db" "select sum(pgsize) from dbstat where name = 'sample_minutes'")
minrows=$(sqlite3 "$W/f.db" "select count(*) from sample_minutes")

python3 - "$W/rows" "$SECS" "$minbytes" "$minrows" <<'PY'
import sys
secs, minb, minr = map(int, sys.argv[2:5])
print(f"every 1 s for {secs} s; CPU = user + sys seconds; per 1,000 checks")
print(f"{'shape':<24} {'cutover':>9} {'monit':>9} {'ratio':>6} {'goal':>6}"
      f" {'cutover RSS':>11} {'B/sample':>8}  checks done (failed)")
bps = None
for line in open(sys.argv[1]):
    name, rest = line.split(":", 1)
    f = rest.split()
    desc = " ".join(f[:-12])
    n = int(f[-12])
    cu, cs, crss, mu, ms, mrss = map(float, f[-11:-5])
    ns, nf, by, cyc, mf = map(int, f[-5:])
    nm = cyc * n
    c_per = (cu + cs) / ns * 1000
    m_per = (mu + ms) / nm * 1000 if nm else float("nan")
    r = c_per / m_per
    if bps is None:
        bps = by / ns
    print(f"{name + ': ' + desc:<24} {c_per:>8.3f}s {m_per:>8.3f}s {r:>5.2f}x"
          f" {'met' if r <= 0.5 else 'NOT':>6} {crss/1024:>8.1f} MiB {by / ns:>8.1f}"
          f"  cutover {ns} ({nf}), monit {nm} ({mf} failures logged, {cyc} cycles)")
row = minb / minr
week = 700 * 7 * 1440 * row + 700 * 3600 * bps
print(f"retention: {row:.1f} bytes per check-minute row; 7 days of 700 checks "
      f"every 1 s = 1 h raw + minute rows = {week / 1e9:.2f} GB")
PY
