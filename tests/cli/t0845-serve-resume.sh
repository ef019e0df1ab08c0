#!/bin/bash
# t0845-serve-resume.sh - `cutover resume --serve`: the run that resumes
# serves /metrics, /api/status and the dashboard from its own process
# while it runs (as run and watch do), and stops serving when it ends.
# The run first stops at a gate awaiting a decision (no --yes, no
# terminal); the resume answers go and holds in a step until released.
. "$(dirname "$0")/lib.sh"
cd "$T"
SP=$(port)
cat >plan.yml <<'EOF'
cutover: 1
name: served-resume
checks:
  - { id: ready, kind: command, run: "true" }
  - { id: flag, kind: file, path: flag }
phases:
  - id: switch
    steps:
      - { id: flip, shell: "echo flipped > flip.log" }
    gate: [ready]
  - id: post
    steps:
      - { id: hold, shell: "while [ ! -e release ]; do sleep 0.1; done" }
    gate: [flag]
EOF
run "$CUTOVER" run plan.yml --state j.db </dev/null
expect_rc 1 "the run stops at the gate, awaiting a decision"

touch flag
"$CUTOVER" resume plan.yml --state j.db --yes --serve "127.0.0.1:$SP" \
    >resume.out 2>&1 &
R=$!
PIDS="$PIDS $R"
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$SP/api/status" 2>/dev/null | grep -q '"hold"' && break
	sleep 0.1
done
curl -fsS "http://127.0.0.1:$SP/api/status" >s.json
[ "$(jq -r '.plan' s.json 2>/dev/null)" = served-resume ] &&
	ok "/api/status is served by the resuming process" || fail "api/status" "$(head -c 1500 s.json)"
grep -q '"post"' s.json && grep -q '"hold"' s.json &&
	ok "it shows the resumed run in phase post, step hold" || fail "phase/step" "$(head -c 1500 s.json)"
curl -fsS "http://127.0.0.1:$SP/metrics" >m.txt
grep -q '^cutover_run_state{plan="served-resume"' m.txt &&
	ok "/metrics answers during the resume" || fail "metrics" "$(head -30 m.txt)"
if command -v promtool >/dev/null; then
	promtool check metrics <m.txt >pt.out 2>&1 && ok "promtool accepts them" ||
		fail "promtool" "$(cat pt.out)"
fi
curl -fsS "http://127.0.0.1:$SP/" >page.html
grep -q "served-resume" page.html && ok "the dashboard names the plan" ||
	fail "dashboard" "$(head -c 1500 page.html)"
touch release
wait "$R"
rc=$?
expect_eq "$rc" 0 "the resumed run completes"
grep -q "serving http://127.0.0.1:$SP/" resume.out && ok "resume said where it serves" ||
	fail "serving line" "$(cat resume.out)"
curl -fsS "http://127.0.0.1:$SP/health" >/dev/null 2>&1 &&
	fail "still serving after the run ended" || ok "serving stops with the run"
run "$CUTOVER" resume plan.yml --state j.db --serve-token-env X
expect_rc 2 "--serve-token-env without --serve"
run "$CUTOVER" resume --help
expect_out "--serve ADDR:PORT" "--help names --serve"
done_testing
