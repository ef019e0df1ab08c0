#!/bin/sh
# bench/filecontent/run.sh - kind `file` judging a large log line by line
# (matches + not_matches, PCRE2 JIT, 64 KiB chunks) against `grep -c -P`
# with the same two regexes, in one run on the same file.  Prints the
# CPU seconds (user+sys) of each, the ratio, and cutover's peak RSS.
#
#   sh bench/filecontent/run.sh [MB]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MB=${1:-512}
W=$(mktemp -d /tmp/cutover-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
python3 - "$W/app.log" "$MB" <<'PY'
import sys
line = b"2026-11-30T02:00:00Z INFO request handled path=/api/v1/items status=200 ms=12\n"
n = int(sys.argv[2]) * 1024 * 1024 // len(line)
with open(sys.argv[1], "wb") as f:
    f.write(line * n)
    f.write(b"2026-11-30T02:00:01Z ERROR connection: open failed\n")
PY
cat > "$W/plan.yml" <<P
cutover: 1
name: bench
checks:
  - { id: log, kind: file, path: $W/app.log, matches: "connection: open", not_matches: "^\\\\S+ FATAL ", timeout: 600s }
P
cat "$W/app.log" > /dev/null	# both read from the page cache
cpu() { tail -n 1 "$1" | awk '{ print $1 + $2 }'; }
/usr/bin/time -f '%U %S %M' -o "$W/c.t" "$ROOT/build/cutover" check "$W/plan.yml" >/dev/null || true
/usr/bin/time -f '%U %S %M' -o "$W/g.t" sh -c "grep -c -P 'connection: open' '$W/app.log' >/dev/null; grep -c -P '^\\S+ FATAL ' '$W/app.log' >/dev/null" || true
c=$(cpu "$W/c.t"); g=$(cpu "$W/g.t"); rss=$(tail -n 1 "$W/c.t" | awk '{ print $3 }')
echo "file content, $MB MB: cutover ${c}s CPU, grep -c -P x2 ${g}s CPU, ratio $(echo "scale=2; $g / $c" | bc) (grep/cutover), cutover peak RSS ${rss} KiB"
