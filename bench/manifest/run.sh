#!/bin/sh
# bench/manifest/run.sh - `cutover manifest verify` against sha256sum -c,
# hashdeep (audit mode) and b3sum --check on the same files in one run:
# N files of SIZE_MB MiB of random data, first in the page cache ("warm"),
# then - when the kernel lets us drop caches - read from disk ("cold").
#
#   sh bench/manifest/run.sh [N] [SIZE_MB]       (default 8 x 512)
#   COLD=0 sh bench/manifest/run.sh              (skip the cold run: dropping
#                                                the page cache slows everyone)
#   ROUNDS=5 sh bench/manifest/run.sh            (rounds per cache state, 3)
#
# Every round runs every tool once, in an order that changes; the table
# shows each round and the medians.  `cat` of the same files is the read
# floor: cold, no tool can finish before the disk has delivered the
# bytes, so sha256sum ÷ cat is the most any tool could be faster than
# sha256sum here.
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
		{ echo "bench/manifest: $name failed:"; tail -5 "$W/$name.log"; } >&2
		exit 1
	fi
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }'
}

can_drop=0
if [ "${COLD:-1}" = 1 ] && [ -w /proc/sys/vm/drop_caches ] && sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then
	can_drop=1
fi

# The tools of one round, by the name time_it logs them under.
TOOLS="cutover-sha256 cutover-xxh128 sha256sum hashdeep b3sum cat"
run_tool() {
	case $1 in
	cutover-sha256)	"$CUTOVER" manifest verify c.sha256 -q ;;
	cutover-xxh128)	"$CUTOVER" manifest verify c.xxh128 -q ;;
	sha256sum)	sha256sum -c --quiet s2.sha256 ;;
	hashdeep)	hashdeep -c sha256 -a -k known.hashdeep -r data ;;
	b3sum)		b3sum --check --quiet b3.sums ;;
	cat)		cat data/* > /dev/null ;;	# the read floor: no hashing
	esac
}

# One line per round: "warm|cold ROUND t_c t_x t_s t_h t_b t_f".  The
# order rotates from round to round, and every other round runs it
# backwards, so that no tool always runs first or always right after
# the same other tool (on a virtual disk the one before matters).
run_set() {	# run_set warm|cold
	mode=$1 r=1
	while [ $r -le "$ROUNDS" ]; do
		order=$(echo $TOOLS | awk -v r=$r '{ for (i = 0; i < NF; i++) {
		    j = (i + r - 1) % NF; if (r % 2 == 0) j = NF - 1 - j
		    printf "%s ", $(j + 1) } }')
		for tool in $order; do
			if [ "$mode" = cold ]; then
				sync; echo 3 > /proc/sys/vm/drop_caches
			else
				cat data/* > /dev/null
			fi
			eval "t_$(echo $tool | tr -- - _)=\$(time_it $tool run_tool $tool)"
		done
		echo "$mode $r $t_cutover_sha256 $t_cutover_xxh128 $t_sha256sum" \
		    "$t_hashdeep $t_b3sum $t_cat" >> "$W/rows"
		r=$((r + 1))
	done
}

# Each round's row, then the medians of every column (ratios are the
# median of the rounds' ratios, not the ratio of the medians).
table() {	# table warm|cold
	awk -v want="$1" '
	function med(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function row(m, r, v) {
		printf "| %s | %s | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s | %.1f× | %.1f× | %.2f | %.1f× |\n",
		    m, r, v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]
	}
	$1 == want {
		m = $1; n[m]++; k = n[m]
		for (i = 1; i <= 6; i++) v[i] = $(i + 2)
		v[7] = v[3] / v[1]; v[8] = v[4] / v[1]; v[9] = v[5] / v[2]
		v[10] = v[3] / v[6]
		for (i = 1; i <= 10; i++) col[m, i, k] = v[i]
		row(m, $2, v)
		if (!(m in seen)) { seen[m] = 1; modes[++nm] = m }
	}
	END {
		for (x = 1; x <= nm; x++) {
			m = modes[x]
			if (n[m] < 2) continue
			for (i = 1; i <= 10; i++) {
				delete a
				for (k = 1; k <= n[m]; k++) a[k] = col[m, i, k]
				v[i] = med(a, n[m])
			}
			row(m, "**median**", v)
		}
	}' "$W/rows"
}

ROUNDS=${ROUNDS:-3}
echo "bench/manifest: $N files x $SIZE_MB MiB = $TOTAL_MB MiB, $(nproc) cores, $ROUNDS rounds"
: > "$W/rows"
run_set warm
if [ $can_drop -eq 1 ]; then
	run_set cold
else
	echo "(cold run skipped: COLD=0, or /proc/sys/vm/drop_caches is not writable)"
fi
echo "| cache | round | cutover sha256 | cutover xxh128 | sha256sum -c | hashdeep -a | b3sum --check | cat (read only) | vs sha256sum | vs hashdeep | b3sum ÷ xxh128 | sha256sum ÷ cat |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
table warm
table cold
