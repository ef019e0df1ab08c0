#!/bin/sh
# run.sh SECONDS   - run every libFuzzer target for SECONDS each, seeded
#                    with its kept corpus tests/fuzz/corpus/NAME; inputs it
#                    discovers go to build-fuzz/new-NAME, so a test run
#                    never dirties the tree.
# run.sh merge     - fold build-fuzz/new-NAME into the kept corpus,
#                    minimised (libFuzzer -merge=1): run it, then commit.
set -eu
cd "$(dirname "$0")/../.."
mode=${1:-30}
status=0
for bin in build-fuzz/fuzz_*; do
	case $bin in *.d|*.log|*.o) continue ;; esac
	[ -x "$bin" ] || continue
	name=${bin#build-fuzz/fuzz_}
	kept=tests/fuzz/corpus/$name
	new=build-fuzz/new-$name
	mkdir -p "$kept" "$new"
	if [ "$mode" = merge ]; then
		rm -rf "$kept.min" && mkdir -p "$kept.min"
		"$bin" -merge=1 -max_len=8192 "$kept.min" "$kept" "$new" \
		    >"build-fuzz/$name.merge.log" 2>&1
		rm -rf "$kept" && mv "$kept.min" "$kept"
		echo "fuzz: $name corpus minimised to $(ls "$kept" | wc -l) inputs"
		continue
	fi
	echo "fuzz: $name for ${mode}s over $(ls "$kept" | wc -l) kept inputs"
	if ! "$bin" -max_total_time="$mode" -max_len=8192 -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=0 \
	    -artifact_prefix=build-fuzz/ "$new" "$kept" \
	    >"build-fuzz/$name.log" 2>&1; then
		tail -n 40 "build-fuzz/$name.log"
		status=1
	fi
	grep -E '^(Done|#[0-9]+ +DONE)' "build-fuzz/$name.log" | tail -n 1 || true
done
[ $status -eq 0 ] && echo "fuzz: no crashes"
exit $status
