#!/bin/sh
# bench/runbook/run.sh - what the journal costs: a runbook of N trivial
# steps (`true`) run by `cutover run --yes` (each step: start committed
# and fsynced before the spawn, pgid and end committed after) against the
# same N commands run by a plain shell script, the seeds' way of running
# a runbook.  Prints both times, the ratio and the overhead per step.
#   sh bench/runbook/run.sh [N]      (default 300)
set -eu
N=${1:-300}
here=$(cd "$(dirname "$0")" && pwd)
CUTOVER=${CUTOVER:-$here/../../build/cutover}
d=$(mktemp -d /tmp/cutover-bench-runbook.XXXXXX)
trap 'rm -rf "$d"' EXIT
cd "$d"

{
	echo "cutover: 1"
	echo "name: bench"
	echo "phases:"
	echo "  - id: all"
	echo "    steps:"
	i=1
	while [ $i -le "$N" ]; do
		echo "      - { id: s$i, run: [\"true\"], undo: [\"true\"] }"
		i=$((i + 1))
	done
} >plan.yml
{
	echo "#!/bin/sh"
	echo "set -e"
	i=1
	while [ $i -le "$N" ]; do
		echo "sh -c true"
		i=$((i + 1))
	done
} >runbook.sh

now() { date +%s.%N; }
t0=$(now)
sh runbook.sh
t1=$(now)
"$CUTOVER" run plan.yml --yes >run.out
t2=$(now)
n=$(sqlite3 .cutover/bench.db "SELECT count(*) FROM steps WHERE state = 'ok'")
[ "$n" -eq "$N" ] || { echo "bench: only $n of $N steps journaled ok"; exit 1; }
fs=$(df -T . | awk 'NR == 2 { print $2 }')
echo "$N steps on $fs: shell script $(echo "$t1 - $t0" | bc)s," \
    "cutover run $(echo "$t2 - $t1" | bc)s," \
    "ratio $(echo "scale=1; ($t2 - $t1) / ($t1 - $t0)" | bc)x," \
    "journal overhead $(echo "scale=2; (($t2 - $t1) - ($t1 - $t0)) * 1000 / $N" | bc) ms/step"
