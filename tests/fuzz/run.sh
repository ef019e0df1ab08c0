#!/bin/sh
# run.sh SECONDS - run every libFuzzer target for SECONDS each over its
# corpus in tests/fuzz/corpus/NAME (new inputs it finds are kept there).
set -eu
secs=${1:-30}
cd "$(dirname "$0")/../.."
status=0
for bin in build-fuzz/fuzz_*; do
	name=${bin#build-fuzz/fuzz_}
	corpus=tests/fuzz/corpus/$name
	mkdir -p "$corpus"
	echo "fuzz: $name for ${secs}s over $(ls "$corpus" | wc -l) inputs"
	# Plans may name env vars and run nothing; keep the fuzzer quiet.
	if ! "$bin" -max_total_time="$secs" -max_len=8192 -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=0 "$corpus" \
	    >"build-fuzz/$name.log" 2>&1; then
		tail -n 40 "build-fuzz/$name.log"
		status=1
	fi
	grep -E '^(Done|#[0-9]+ +DONE)' "build-fuzz/$name.log" | tail -n 1 || true
done
[ $status -eq 0 ] && echo "fuzz: no crashes"
exit $status
