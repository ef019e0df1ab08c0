# bench/diff/lib.sh - sourced by the diff benchmarks: timing and the
# database servers' CPU (tests/harness/servers.sh started them).
now() { date +%s.%N; }
# secs START: seconds since START, 2 decimals
secs() { echo "$(now) $1" | awk '{ printf "%.2f", $1 - $2 }'; }
# med X...: the median of the numbers (the lower middle of an even count)
med() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", ($2 > 0) ? $1 / $2 : 0 }'; }
# CPU ticks of a server: its processes and the children it reaped.
pg_cpu() {
	local pm; pm=$(head -1 "$PG_DIR/data/postmaster.pid")
	{ awk '{ print $14 + $15 + $16 + $17 }' /proc/$pm/stat
	  for c in $(cat /proc/$pm/task/*/children); do
		awk '{ print $14 + $15 }' /proc/$c/stat 2>/dev/null; done
	} | awk '{ s += $1 } END { print s }'
}
my_cpu() { awk '{ print $14 + $15 }' /proc/$MY_PID/stat; }
# cpu_secs TICKS0 TICKS1: seconds between two readings
cpu_secs() { echo "$1 $2" | awk '{ printf "%.2f", ($2 - $1) / 100 }'; }
# changed_ids ROWS: the 10 keys the benchmarks change, spread evenly
changed_ids() { awk -v n="$1" 'BEGIN { for (k = 1; k <= 10; k++)
    printf "%s%d", (k > 1) ? "," : "", int(n * k / 11) }'; }
