#!/bin/bash
# t0672-host.sh - kind `host` on this machine: with no key it judges the
# documented defaults; each limit fails naming what it measured; lint
# refuses bad values.  With some keys, only those are judged (no default
# load, memory or inode limit), whatever the machine's load.  Figures come from /proc, so the expectations are
# computed from /proc too.
. "$(dirname "$0")/lib.sh"
cd "$T"

cpus=$(getconf _NPROCESSORS_ONLN)
cat > plan.yml <<'E2'
cutover: 1
name: t0672
checks:
  - { id: defaults, kind: host }
  - { id: roomy, kind: host, min_memory: 10MB, max_load_per_cpu: 1000, max_cpu_busy: "100%", sample: 300ms, min_cpus: 1, min_uptime: 1s, min_inodes_free: 1%, path: / }
  - { id: ram, kind: host, min_memory: 64TB, max_load_per_cpu: 1000 }
  - { id: ram-share, kind: host, min_memory: "100%", max_load_per_cpu: 1000 }
  - { id: cpus, kind: host, min_cpus: 100000, max_load_per_cpu: 1000 }
  - { id: load, kind: host, max_load_per_cpu: 0.000001 }
  - { id: uptime, kind: host, min_uptime: 100000d, max_load_per_cpu: 1000 }
  - { id: inodes, kind: host, min_inodes_free: 100%, max_load_per_cpu: 1000 }
  - { id: no-fs, kind: host, min_inodes_free: 1, path: /no/such/dir, max_load_per_cpu: 1000 }
  - { id: only-cpus, kind: host, min_cpus: 1 }
  - { id: only-uptime, kind: host, min_uptime: 1s }
  - { id: iowait-any, kind: host, max_iowait: "100%", sample: 200ms }
  - { id: iowait-none, kind: host, max_iowait: "0%", sample: 200ms }
E2
run "$CUTOVER" lint plan.yml
expect_rc 0 "the plan lints"
run "$CUTOVER" check plan.yml --format json
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
expect_result() {
	local got; got=$(st "$1")
	if printf '%s\n' "$got" | grep -Eq -- "^$2"; then ok "$1: $got"; else fail "$1" "got: $got"; fi
}
# The default load limit is 8 per CPU: this machine may be shared.
per=$(awk -v c="$cpus" '{ printf "%d", $1 / c }' /proc/loadavg)
if [ "$per" -lt 7 ]; then
	expect_result defaults "pass mem .* free of .*, load [0-9.]+/CPU, $cpus CPUs?, up .*inodes free on /"
elif [ "$per" -ge 9 ]; then
	expect_result defaults "fail load average .* per CPU, above 8 \(the default; set max_load_per_cpu\)"
else
	ok "defaults: load near the default limit ($per per CPU), not judged"
fi
expect_result roomy "pass mem .*, busy [0-9]+%"
expect_result ram "fail memory available is .* of .* \([0-9.]+%\), below 64TB"
expect_result ram-share "fail memory available is .*, below 100%"
expect_result cpus "fail $cpus CPUs? online, expected at least 100000"
expect_result load "fail load average [0-9.]+ over $cpus CPUs? is [0-9.]+ per CPU, above 1e-06"
expect_result uptime "fail up for .* only, less than min_uptime"
expect_result inodes "fail [0-9]+ of [0-9]+ inodes free on the filesystem of '/' \([0-9.]+%\), below 100%|fail the filesystem of '/' reports no inode count"
expect_result no-fs "fail cannot inspect the filesystem of '/no/such/dir': No such file"
# Only the keys written: no default limit joins them.
th() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | .threshold'; }
expect_eq "$(th only-cpus)" "CPUs >= 1" "min_cpus alone judges the CPUs only"
expect_eq "$(th only-uptime)" "uptime >= 1.00s" "min_uptime alone judges the uptime only"
expect_result only-cpus "pass mem .* free of .*, load [0-9.]+/CPU, $cpus CPUs?, up [^,]*$"
expect_eq "$(th defaults)" "memory >= 5%, load/CPU <= 8, inodes >= 5%" "no key: the three defaults"
expect_eq "$(th roomy)" "memory >= 10MB, load/CPU <= 1000, busy <= 100%, CPUs >= 1, uptime >= 1.00s, inodes >= 1%" \
	"every key written is in the threshold"
# iowait over the sample: 100% always holds; 0% holds only with none, and
# a fail names the share measured.
expect_result iowait-any "pass mem .*, iowait [0-9]+%$"
expect_eq "$(th iowait-any)" "iowait <= 100%" "max_iowait alone judges iowait only"
expect_result iowait-none "pass mem .*, iowait 0%$|fail CPUs [0-9.]+% in iowait over 200ms, above 0%"
# (max_load_per_cpu: 1000 - this machine is shared by many builds.)
# A machine with swap gets judged; one without fails naming it.
cat > swap.yml <<'E2'
cutover: 1
name: swap
checks:
  - { id: swap, kind: host, min_swap: 1KB, max_load_per_cpu: 1000 }
E2
run "$CUTOVER" check swap.yml --format json
if [ "$(awk '/^SwapTotal/ { print $2 }' /proc/meminfo)" = 0 ]; then
	expect_result swap "fail no swap configured, expected at least 1KB free"
else
	expect_result swap "pass"
fi
for f in text junit tap prometheus; do
	run "$CUTOVER" check plan.yml --only ram --format $f
	expect_rc 1 "format $f"
done
done_testing
