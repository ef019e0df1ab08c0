#!/bin/bash
# t0350-report.sh - `cutover report`: Markdown and JSON of a rolled-back
# run compared with the expected documents (times, durations, user, host
# and the plan's hash normalised), and the HTML report opened in headless
# Chromium and screenshotted.
. "$(dirname "$0")/lib.sh"
cd "$T"
cp "$ROOT/tests/plans/runbook/rollback.yml" plan.yml
EXP=$ROOT/tests/plans/runbook

run "$CUTOVER" run plan.yml
expect_rc 1 "the run rolls back (its gate fails)"

norm() {
	perl -pe 's/\d{4}-\d\d-\d\dT[\d:.]+Z/TIME/g;
	    s/(?<![\w.])\+?\d+(\.\d+)?(us|ms|s)\b/DUR/g;
	    s/sha256 [0-9a-f]{12}/sha256 SHA/g' |
	    sed "s/by $(id -un) on $(hostname)/by USER on HOST/g"
}

"$CUTOVER" report plan.yml | norm >report.md
expect_eq "${PIPESTATUS[0]}" 1 "report of a rolled-back run exits 1"
if diff -u "$EXP/rollback.report.md" report.md >diff.out; then
	ok "Markdown report matches the expected document"
else
	fail "Markdown report differs" "$(cat diff.out)"
fi

"$CUTOVER" report plan.yml --format json -o report.json
expect_eq "$?" 1 "json report to a file"
jq -S 'del(.user, .host, .plan_sha256) | walk(if type == "object" then
    del(.started, .ended, .at, .duration_s, .seconds, .start, .end) else .
    end) | .timeline |= map(.event)' report.json | norm >report.norm.json
if diff -u "$EXP/rollback.report.json" report.norm.json >diff.out; then
	ok "JSON report matches the expected document"
else
	fail "JSON report differs" "$(cat diff.out)"
fi
# Times are there, just not compared: every step has a start and an end.
expect_eq "$(jq '[.phases[].steps[] | select(.started == null or .ended == null)] | length' report.json)" \
    0 "every step has start and end times"
expect_eq "$(jq -r '.downtime.seconds > 0' report.json)" "true" "downtime measured"

# The HTML report: one self-contained file, rendered by Chromium.
run "$CUTOVER" report plan.yml --format html -o report.html
expect_rc 1 "html report"
head -c 15 report.html | grep -q '<!DOCTYPE html>' && ok "html document" ||
	fail "not an html document"
if grep -Eiq '(src|href)=|@import|url\(' report.html; then
	fail "the html report references outside resources"
else
	ok "the html report is self-contained (no src, href, @import, url())"
fi
grep -q '@media print' report.html && ok "print styles" || fail "no print styles"
grep -q 'NO-GO: rolled back' report.html && ok "html shows the verdict" ||
	fail "html lacks the verdict"
grep -q '<td>R1 Copy incomplete</td>' report.html && ok "html has the risk matrix" ||
	fail "html lacks the risk matrix"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	fail "chromium is not installed (make deps installs it)"
else
	prof=$(mktemp -d)
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --user-data-dir="$prof" \
	    --window-size=1200,1600 --screenshot="$T/report.png" \
	    "file://$T/report.html" >chromium.log 2>&1
	rm -rf "$prof"
	size=$(stat -c %s report.png 2>/dev/null || echo 0)
	if [ "$size" -gt 30000 ] && [ "$(head -c 8 report.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
		ok "chromium rendered the html report ($size bytes of PNG)"
	else
		fail "no screenshot of the html report ($size bytes)" "$(tail -5 chromium.log)"
	fi
	# A blank page compresses to almost nothing: make sure it is not blank.
	colours=$(python3 -c 'import sys,zlib,struct
d=open(sys.argv[1],"rb").read()
print(len(set(d[i:i+3] for i in range(100, min(len(d), 40000), 7))))' report.png)
	[ "$colours" -gt 100 ] && ok "the screenshot is not blank" ||
		fail "the screenshot looks blank ($colours)"
fi

run "$CUTOVER" report plan.yml --format md -o /nonexistent/dir/r.md
expect_rc 2 "unwritable output"
expect_err "cannot write '/nonexistent/dir/r.md'" "names the file"
run "$CUTOVER" report plan.yml --run 9
expect_rc 2 "a run that does not exist"
expect_err "no run 9" "says so"

done_testing
