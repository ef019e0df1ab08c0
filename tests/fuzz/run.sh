#!/bin/sh
# run.sh SECONDS   - run every libFuzzer target for SECONDS each, seeded
#                    with its kept corpus tests/fuzz/corpus/NAME; inputs it
#                    discovers go to build-fuzz/new-NAME, so a test run
#                    never dirties the tree.
# run.sh merge     - fold build-fuzz/new-NAME into the kept corpus,
#                    minimised (libFuzzer -merge=1): run it, then commit.
# Targets run FUZZ_JOBS at a time (default: one per CPU): each is one
# process on one core, and make check's time is 17 targets x SECONDS.
set -eu
self=$(cd "$(dirname "$0")" && pwd)/run.sh
cd "$(dirname "$0")/../.."
mode=${1:-30}
status=0
if [ "$mode" = --one ]; then	# --one BIN SECONDS: one target, its lines
	bin=$2 name=${2#build-fuzz/fuzz_} kept=tests/fuzz/corpus/${2#build-fuzz/fuzz_}
	new=build-fuzz/new-$name
	mkdir -p "$kept" "$new"
	if ! "$bin" -max_total_time="$3" -max_len=8192 -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=0 \
	    -artifact_prefix=build-fuzz/ "$new" "$kept" \
	    >"build-fuzz/$name.log" 2>&1; then
		{ echo "fuzz: $name crashed"; tail -n 40 "build-fuzz/$name.log"; } |
		    sed "s/^/[$name] /"
		exit 1
	fi
	echo "fuzz: $name, ${3}s over $(ls "$kept" | wc -l) kept inputs:" \
	    "$(grep -E '^(Done|#[0-9]+ +DONE)' "build-fuzz/$name.log" | tail -n 1)"
	exit 0
fi
if [ "$mode" != merge ]; then
	find build-fuzz -maxdepth 1 -name 'fuzz_*' -type f -perm -u+x | sort |
	    xargs -P "${FUZZ_JOBS:-$(nproc)}" -I{} sh "$self" --one {} "$mode" ||
	    status=1
	[ $status -eq 0 ] && echo "fuzz: no crashes"
	exit $status
fi
for bin in build-fuzz/fuzz_*; do
	case $bin in *.d|*.log|*.o) continue ;; esac
	[ -x "$bin" ] || continue
	name=${bin#build-fuzz/fuzz_}
	kept=tests/fuzz/corpus/$name
	new=build-fuzz/new-$name
	mkdir -p "$kept" "$new"
	rm -rf "$kept.min" && mkdir -p "$kept.min"
	"$bin" -merge=1 -max_len=8192 "$kept.min" "$kept" "$new" \
	    >"build-fuzz/$name.merge.log" 2>&1
	rm -rf "$kept" && mv "$kept.min" "$kept"
	echo "fuzz: $name corpus minimised to $(ls "$kept" | wc -l) inputs"
done
