#!/bin/bash
# t0800-serve-dashboard.sh - `cutover serve` against a live run, seen by a
# real browser (headless Chromium): the dashboard names the plan, the
# current phase, a failing check and the gate's state, looks like a page
# (a screenshot with text and the verdict's colour), and says something
# else once the run has moved on.  (Chromium takes 2-25 s a page here,
# depending on the machine's load: three pages, one screenshot.)
. "$(dirname "$0")/lib.sh"
cd "$T"
command -v chromium >/dev/null || { echo "skipped: chromium is not installed"; exit 0; }

cat >plan.yml <<'YML'
cutover: 1
name: night-move
checks:
  - { id: db-up, kind: command, run: "true" }
  - { id: smoke-tested, kind: manual, ask: Did someone click through the app? }
risks:
  - { id: R1, title: Data loss, level: critical, probability: low,
      impact: lost rows, mitigated_by: [db-up] }
phases:
  - id: preflight
    checks: [db-up]
  - id: switch
    window: { target: 5m, max: 10m }
    steps:
      - { id: flip, shell: "echo flipped > flip.log" }
    gate: [db-up, smoke-tested]
  - id: post
    steps:
      - { id: hold, shell: "while [ ! -e release ]; do sleep 0.1; done" }
YML

"$CUTOVER" serve plan.yml --listen 127.0.0.1:0 2>serve.err &
PIDS="$PIDS $!"
for _ in $(seq 100); do grep -q '^cutover serve: http' serve.err && break; sleep 0.05; done
URL=$(sed -n 's/^cutover serve: \(http[^ ]*\) .*/\1/p' serve.err)
[ -n "$URL" ] && ok "serve prints its URL" || { fail "no URL" "$(cat serve.err)"; done_testing; exit; }

run curl -s "$URL"
expect_out "NO RUN YET" "before any run the page says so"

# The run stops at the switch gate: the manual item is not answered yet.
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "the run awaits an answer at the gate"

chrome() {
	timeout 60 chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --user-data-dir="$T/chrome" \
	    --window-size=1000,800 "$@" 2>/dev/null
}
chrome --dump-dom "$URL" >dom1.html
grep -q '<h1 id="plan">night-move</h1>' dom1.html && ok "dom: plan name" ||
	fail "dom: plan name" "$(head -c 2000 dom1.html)"
grep -q '<span id="phase">switch</span>' dom1.html && ok "dom: current phase" ||
	fail "dom: current phase" "$(head -c 2000 dom1.html)"
grep -Eq '<code>smoke-tested</code>[^<]*</td><td class="opt">manual</td><td><span class="b b-bad">fail</span>' dom1.html &&
	ok "dom: the failing check and its status" || fail "dom: failing check" "$(grep -o 'smoke-tested.\{0,200\}' dom1.html)"
grep -q '<span id="gate-state"><span class="b b-mid">awaiting</span>' dom1.html &&
	ok "dom: the gate awaits" || fail "dom: gate state" "$(grep -o 'Gate of.\{0,200\}' dom1.html)"
grep -q 'AWAITING DECISION' dom1.html && ok "dom: verdict" || fail "dom: verdict"

chrome --screenshot="$T/shot1.png" "$URL" >/dev/null
# Dark text pixels, many colours, and the yellow of "awaiting" (#fff8c5).
read -r w h dark ncol yellow green < <(python3 "$ROOT/tests/harness/pngstat.py" shot1.png fff8c5 dafbe1)
echo "# screenshot: ${w}x$h dark=$dark colours=$ncol yellow=$yellow green=$green"
[ "${w:-0}" -eq 1000 ] && ok "screenshot: a page was drawn" || fail "screenshot size ${w:-?}"
python3 -c "import sys; sys.exit(not (0.003 < $dark < 0.2 and $ncol > 50))" &&
	ok "screenshot: text on a light page" || fail "screenshot: dark=$dark colours=$ncol"
[ "${yellow:-0}" -gt 1000 ] && [ "${green:-0}" -lt "${yellow:-0}" ] &&
	ok "screenshot: the awaiting verdict is yellow" ||
	fail "screenshot: yellow pixels ${yellow:-?}, green ${green:-?}"

# The run moves on: answer, go, and it stays in post's step.
run "$CUTOVER" confirm plan.yml smoke-tested
"$CUTOVER" resume plan.yml --yes >resume.out 2>&1 &
RP=$!
PIDS="$PIDS $RP"
for _ in $(seq 200); do
	curl -s "${URL}api/status" | grep -q '"step": "hold"' && break; sleep 0.05
done
chrome --dump-dom "$URL" >dom2.html
grep -q '<span id="phase">post</span>' dom2.html && ok "dom after: phase post" ||
	fail "dom after: phase" "$(grep -o 'id="phase".\{0,100\}' dom2.html)"
grep -q '<span id="gate-state"><span class="b b-good">go</span>' dom2.html &&
	ok "dom after: the gate said go" || fail "dom after: gate" "$(grep -o 'Gate of.\{0,200\}' dom2.html)"
grep -Eq '<code>smoke-tested</code>.{0,80}<span class="b b-good">pass</span>' dom2.html &&
	ok "dom after: the check passes now" || fail "dom after: check"
grep -q 'hold.\{0,40\}running' dom2.html && ok "dom after: step hold running" ||
	fail "dom after: step" "$(grep -o 'STEP.\{0,200\}' dom2.html)"
# The live part the page's script polls says the same.
run curl -s "${URL}api/dashboard"
expect_out '<span id="phase">post</span>' "/api/dashboard is the live part"

touch release
wait "$RP"; rc=$?
expect_eq "$rc" 0 "resume completes"
chrome --dump-dom "$URL" >dom3.html
grep -q '<div class="verdict v-go" id="verdict">GO: completed</div>' dom3.html &&
	ok "dom at the end: the GO verdict" || fail "dom at the end" "$(grep -o 'verdict.\{0,100\}' dom3.html)"
run curl -s "$URL"
expect_out "GO: completed" "the page shows the end"

# Escaping: the page is well-formed XHTML-ish text and no raw '<' leaks
# from the journal; the CSP header is there.
run curl -sI "$URL"
expect_out "Content-Security-Policy: default-src 'none'; style-src 'sha256-" "CSP header"
done_testing
