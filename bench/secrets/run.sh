#!/bin/sh
# bench/secrets/run.sh - `cutover secrets scan` against `grep -rP` running
# the same regexes (cutover prints them: `cutover secrets rules --regex`)
# over a tree of source-like text (bench/secrets/gen.py), in one run.
# Prints both times and compares the lines each found.
#
#   sh bench/secrets/run.sh [SIZE_MB]        (default 1024)
#
# grep works line by line, so the private-key rule (which reads the line
# after the BEGIN header) is given to it as the header alone.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZE_MB=${1:-1024}
CUTOVER=$ROOT/build/cutover
W=${BENCH_DIR:-/var/tmp/cutover-bench-secrets}
mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
python3 "$ROOT/bench/secrets/gen.py" "$W/tree" "$SIZE_MB"

# One PCRE alternation of every rule, as grep -P takes it.
"$CUTOVER" secrets rules --regex | awk -F '\t' '
	$1 == "private-key" { $2 = "-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----" }
	{ printf "%s(?:%s)", (NR > 1 ? "|" : ""), $2 }' > "$W/re"

now() { date +%s.%N; }
cat "$W"/tree/*/*/* > /dev/null		# both read from the page cache
t0=$(now)
"$CUTOVER" secrets scan "$W/tree" --format json > "$W/c.json" 2>/dev/null || true
t1=$(now)
grep -rnP -f "$W/re" "$W/tree" > "$W/g.out" || true
t2=$(now)

jq -r '.findings[] | "\(.file):\(.line)"' "$W/c.json" | sort -u > "$W/c.lines"
cut -d: -f1,2 "$W/g.out" | sort -u > "$W/g.lines"
both=$(comm -12 "$W/c.lines" "$W/g.lines" | wc -l)
conly=$(comm -23 "$W/c.lines" "$W/g.lines" | wc -l)
gonly=$(comm -13 "$W/c.lines" "$W/g.lines" | wc -l)
tc=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
tg=$(echo "$t1 $t2" | awk '{ printf "%.2f", $2 - $1 }')
echo "bench/secrets: $SIZE_MB MiB, $(nproc) cores"
echo "| tree | cutover secrets scan | grep -rP (same regexes) | speed-up | lines found by both | only cutover | only grep |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
echo "| $SIZE_MB MiB | $tc s | $tg s | $(echo "$tg $tc" | awk '{ printf "%.1f×", $1 / $2 }') | $both | $conly | $gonly |"
if [ "$gonly" -gt 0 ]; then
	echo "grep-only lines (first 5; cutover drops placeholders and low-entropy values):"
	comm -13 "$W/c.lines" "$W/g.lines" | head -5 | while IFS=: read -r f l; do
		sed -n "${l}p" "$f" | cut -c1-100; done
fi
