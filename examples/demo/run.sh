#!/bin/sh
# run.sh - what `make demo` runs: generate the source database with the
# project's generator (gen.sql), run the plan with --yes, and write the
# report in three formats to examples/demo/out/.  Offline; no server.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
CUTOVER=${CUTOVER:-$here/../../build/cutover}
cd "$here"
rm -rf out
mkdir -p out
t0=$(date +%s.%N)
echo "demo: generating out/source.db (riders, drivers, vehicles, trips, payments)"
sqlite3 out/source.db < gen.sql >/dev/null
echo "DB_PATH=out/source.db" > out/app.env
rc=0
"$CUTOVER" run plan.yml --yes --state out/journal.db || rc=$?
for f in md html json; do
	"$CUTOVER" report plan.yml --state out/journal.db --format $f \
	    -o out/report.$f || true
done
t1=$(date +%s.%N)
echo "demo: exit $rc; report in $here/out/report.md (.html, .json);" \
    "$(echo "$t1 - $t0" | bc 2>/dev/null || echo '?')s in all"
exit $rc
