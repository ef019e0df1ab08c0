#!/bin/sh
# bench/manifest/run.sh - `cutover manifest verify` against sha256sum -c,
# hashdeep (audit mode) and b3sum --check on the same files in one run:
# N files of SIZE_MB MiB of random data, first in the page cache ("warm"),
# then - when the kernel lets us drop caches - read from disk ("cold").
#
#   sh bench/manifest/run.sh [N] [SIZE_MB]       (default 8 x 512)
#   COLD=0 sh bench/manifest/run.sh              (skip the cold run: dropping
#                                                the page cache slows everyone)
#
# The peers are Debian packages installed here if missing (not part of
# make check).  Every tool must report every file OK, or the run fails.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-8}
SIZE_MB=${2:-512}
CUTOVER=$ROOT/build/cutover

if ! command -v hashdeep >/dev/null || ! command -v b3sum >/dev/null; then
	echo "bench/manifest: installing hashdeep, b3sum"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q hashdeep b3sum \
	    >/dev/null
fi

W=${BENCH_DIR:-/var/tmp/cutover-bench-manifest}
mkdir -p "$W/data"
trap 'rm -rf "$W"' EXIT
i=0
while [ $i -lt "$N" ]; do
	f="$W/data/backup-$i.bin"
	if [ "$(stat -c %s "$f" 2>/dev/null || echo 0)" -ne $((SIZE_MB * 1048576)) ]; then
		head -c $((SIZE_MB * 1048576)) /dev/urandom > "$f"
	fi
	i=$((i + 1))
done
TOTAL_MB=$((N * SIZE_MB))
cd "$W"

# The manifests each tool checks against, made once (not timed).
"$CUTOVER" manifest create data -o c.sha256 -q >/dev/null
"$CUTOVER" manifest create data -o c.xxh128 -a xxh128 -q >/dev/null
(cd data && sha256sum -- * > ../s.sha256)
sed 's|  |  data/|' s.sha256 > s2.sha256
hashdeep -c sha256 -r data > known.hashdeep
b3sum data/* > b3.sums

now() { date +%s.%N; }
# time_it NAME CMD...: run, fail on a non-zero exit, print seconds.
time_it() {
	name=$1; shift
	t0=$(now)
	if ! "$@" > "$W/$name.log" 2>&1; then
		echo "bench/manifest: $name failed:"; tail -5 "$W/$name.log"; exit 1
	fi
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }'
}

can_drop=0
if [ "${COLD:-1}" = 1 ] && [ -w /proc/sys/vm/drop_caches ] && sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then
	can_drop=1
fi

run_set() {	# run_set warm|cold
	mode=$1
	warm() { [ "$mode" = cold ] && { sync; echo 3 > /proc/sys/vm/drop_caches; } || cat data/* > /dev/null; }
	warm; t_c=$(time_it cutover-sha256 "$CUTOVER" manifest verify c.sha256 -q)
	warm; t_x=$(time_it cutover-xxh128 "$CUTOVER" manifest verify c.xxh128 -q)
	warm; t_s=$(time_it sha256sum sha256sum -c --quiet s2.sha256)
	warm; t_h=$(time_it hashdeep hashdeep -c sha256 -a -k known.hashdeep -r data)
	warm; t_b=$(time_it b3sum b3sum --check --quiet b3.sums)
	echo "| $mode | $t_c | $t_x | $t_s | $t_h | $t_b |" \
	    "$(echo "$t_s $t_c" | awk '{ printf "%.1f×", $1 / $2 }') |" \
	    "$(echo "$t_h $t_c" | awk '{ printf "%.1f×", $1 / $2 }') |" \
	    "$(echo "$t_b $t_x" | awk '{ printf "%.2f", $1 / $2 }') |" \
	    "$(echo "$TOTAL_MB $t_c" | awk '{ printf "%.0f", $1 * 1.048576 / $2 }') MB/s |"
}

echo "bench/manifest: $N files x $SIZE_MB MiB = $TOTAL_MB MiB, $(nproc) cores"
echo "| cache | cutover sha256 | cutover xxh128 | sha256sum -c | hashdeep -a | b3sum --check | vs sha256sum | vs hashdeep | b3sum / xxh128 | cutover sha256 rate |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
run_set warm
if [ $can_drop -eq 1 ]; then
	run_set cold
else
	echo "(cold run skipped: COLD=0, or /proc/sys/vm/drop_caches is not writable)"
fi
