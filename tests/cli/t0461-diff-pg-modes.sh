#!/bin/bash
# t0461: checksum mode and stream mode name the same rows on random
# PostgreSQL tables (t0461-modes.py: random column types with their
# awkward values, keys of every shape, random faults, rows moved in the
# heap), with fixed seeds so that a failure reproduces.  Checksum mode
# reads rows only where the sums disagree, so this is where a hash that
# calls two different values equal shows: such runs found the
# case-insensitive collation's hash (seeds 9 and 18 fail without the fix)
# and date_bin's overflow near the last timestamp (6 and 11).
. "$(dirname "$0")/lib.sh"
started=$([ -z "${PG_PORT:-}" ] && echo 1)
use_pg
PSQL="psql -X -q -tA -h 127.0.0.1 -p $PG_PORT -U postgres"
cleanup_dbs() { $PSQL -c "DROP DATABASE IF EXISTS t0461_a" -c "DROP DATABASE IF EXISTS t0461_b" >/dev/null 2>&1; }
trap 'cleanup_dbs; [ -n "$started" ] && stop_all; _cleanup' EXIT
for seed in 6 9 11 18; do
	python3 "$ROOT/tests/cli/t0461-modes.py" "$PG_PORT" "$CUTOVER" "$seed" 15 >"$T/modes.$seed" 2>&1
	rc=$?
	expect_eq "$rc $(tail -n 1 "$T/modes.$seed")" "0 seed $seed: 15 rounds, 0 mismatches" \
	    "seed $seed: the two modes agree on every table"
	[ "$rc" -eq 0 ] && [ "$(tail -n 1 "$T/modes.$seed")" = "seed $seed: 15 rounds, 0 mismatches" ] ||
		grep -A4 -E '^MISMATCH|Error' "$T/modes.$seed" | cut -c1-300 | head -15 | sed 's/^/#   /'
done
done_testing
