#!/bin/bash
# t0462: checksum mode and stream mode name the same rows on random
# MariaDB tables (t0462-modes-my.py: random column types with their
# awkward values, keys of every shape, random faults), with fixed seeds so
# that a failure reproduces.  Checksum mode reads rows only where the sums
# disagree, so this is where a row hash that calls two different values
# equal shows, as t0461 does for PostgreSQL: each of the four seeds fails
# without the fix that casts a DOUBLE's dynamic column to BINARY (next to
# a utf8mb4 column its bytes became '?'s, so 0.1 and 0.2 hashed alike).
# Each round also counts the rows whose stored values differ (bytes, floats
# by value, JSON left out): stream mode naming fewer is an ORACLE line.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"
own=""
cleanup_dbs() {
	[ -n "${MY_SOCK:-}" ] && mariadb --no-defaults -S "$MY_SOCK" -uroot -e \
	    "DROP DATABASE IF EXISTS t0462_a; DROP DATABASE IF EXISTS t0462_b" 2>/dev/null
}
trap 'cleanup_dbs; [ -n "$own" ] && stop_all; _cleanup' EXIT
# The runner's server when it started one, else our own.
if [ -z "${MY_PORT:-}" ]; then
	own=1
	start_mariadb || { echo "skipped: MariaDB does not start"; exit 0; }
fi
for seed in 5 7 12 13; do
	python3 "$ROOT/tests/cli/t0462-modes-my.py" "$MY_SOCK" "$MY_PORT" "$CUTOVER" "$seed" 15 >"$T/modes.$seed" 2>&1
	rc=$?
	expect_eq "$rc $(tail -n 1 "$T/modes.$seed")" "0 seed $seed: 15 rounds, 0 mismatches" \
	    "seed $seed: the two modes agree on every table"
	expect_eq "$(grep -c '^ORACLE' "$T/modes.$seed")" "0" "seed $seed: stream mode names every row whose stored values differ"
	[ "$rc" -eq 0 ] && [ "$(tail -n 1 "$T/modes.$seed")" = "seed $seed: 15 rounds, 0 mismatches" ] ||
		grep -A4 -E '^MISMATCH|^ORACLE|Error' "$T/modes.$seed" | cut -c1-300 | head -15 | sed 's/^/#   /'
done
done_testing
