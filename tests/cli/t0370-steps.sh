#!/bin/bash
# t0370-steps.sh - what a step gets and how it ends: env (with the
# CUTOVER_* variables), cwd, argv without a shell, a timeout that kills
# the process group, a program that does not exist, output streamed and
# its tail journaled, redacted.
. "$(dirname "$0")/lib.sh"
cd "$T"
mkdir sub
export STEP_SECRET=hunter2-value
cat >plan.yml <<'YML'
cutover: 1
name: steps
secrets: [STEP_SECRET]
vars: { pw: "${env:STEP_SECRET}" }
phases:
  - id: p
    steps:
      - id: env
        shell: echo "foo=$FOO run=$CUTOVER_RUN_ID phase=$CUTOVER_PHASE step=$CUTOVER_STEP pw=$PW"
        env: { FOO: bar baz, PW: "${pw}" }
      - id: where
        run: pwd
        cwd: sub
      - id: argv
        run: [printf, "%s|", "two words", "$HOME", "a;b"]
      - id: long
        shell: "i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done"
  - id: q
    steps:
      - id: slow
        shell: "echo $$$$ > slow.pid; sleep 30"
        timeout: 300ms
YML

run "$CUTOVER" run plan.yml --dry-run
expect_out "env FOO=bar baz, env PW=\*\*\*" "dry run shows env, redacted"
expect_out "cwd sub" "dry run shows cwd"
expect_out "step argv: run: printf '%s\|' 'two words' '\\\$HOME' 'a;b'" \
    "dry run quotes argv words"
expect_out "timeout 300.0ms" "dry run shows the timeout"

run "$CUTOVER" run plan.yml
expect_rc 1 "the timed-out step fails the run"
expect_out "    \| foo=bar baz run=1 phase=p step=env pw=\*\*\*" \
    "env and CUTOVER_* variables reach the step; secrets are redacted"
expect_no "hunter2-value" "the secret is never printed"
expect_out "    \| $T/sub\$" "cwd is honoured"
expect_out "    \| two words\|\\\$HOME\|a;b\|" "argv runs without a shell"
expect_out "    \| line 2999" "all output streams"
expect_out "step slow: timed out after 300.0ms; process group killed" "timeout"
sleep 0.2
kill -0 "$(cat slow.pid)" 2>/dev/null && fail "the timed-out step survived" ||
	ok "the timed-out step's process is gone"
run "$CUTOVER" report plan.yml --format json
tail_=$(printf '%s' "$out" | jq -r '.phases[0].steps[] | select(.id == "long") | .output_tail')
[ "${#tail_}" -le 4096 ] && [ "${#tail_}" -gt 3000 ] &&
	ok "the journal keeps a bounded tail (${#tail_} bytes)" ||
	fail "tail of ${#tail_} bytes"
case "$tail_" in *"line 2999"*) ok "the tail is the end of the output" ;;
*) fail "the tail lacks the last line" ;; esac
expect_no "hunter2-value" "the report never holds the secret"
sqlite3 .cutover/steps.db .dump | grep -q hunter2-value &&
	fail "the journal holds the secret" || ok "the journal never holds the secret"

# A step that fails once and then passes: both attempts journaled, one
# completion, one undo.  A failure stopped with --no-rollback is run
# again by resume, its attempts counted on.
cat >flaky.yml <<'YML'
cutover: 1
name: flaky
phases:
  - id: p
    steps:
      - id: flaky
        shell: n=$(cat cnt 2>/dev/null || echo 0); n=$((n + 1)); echo $n > cnt; echo try $n; [ $n -ge 2 ]
        undo: { shell: echo undone >> undo.log }
        retries: 1
        retry_interval: 50ms
      - id: picky
        shell: "[ -e fixed ]"
YML
rm -f cnt
run "$CUTOVER" run flaky.yml --no-rollback
expect_rc 1 "picky fails and the run stops"
expect_out "    \| try 2" "flaky passed on its second attempt"
run "$CUTOVER" report flaky.yml --format json
expect_eq "$(printf '%s' "$out" | jq -r '[.phases[0].steps[] | .id + "#" + (.attempt|tostring) + ":" + .state] | join(" ")')" \
    "flaky#1:failed flaky#2:ok picky#1:failed" "every attempt is journaled"
touch fixed
run "$CUTOVER" resume flaky.yml
expect_rc 0 "resume re-runs the failed step"
expect_out "step flaky: done earlier" "the completed step is not run again"
run "$CUTOVER" report flaky.yml --format json
expect_eq "$(printf '%s' "$out" | jq -r '[.phases[0].steps[] | select(.id == "picky") | (.attempt|tostring) + ":" + .state] | join(" ")')" \
    "1:failed 2:ok" "attempts count on across the resume"
run "$CUTOVER" rollback flaky.yml --yes
expect_rc 0 "rollback"
expect_eq "$(cat undo.log)" "undone" "the step that passed on a retry is undone once"

cat >nosuch.yml <<'YML'
cutover: 1
name: nosuch
phases:
  - id: p
    steps:
      - { id: ghost, run: [no-such-program-xyz, arg] }
YML
run "$CUTOVER" run nosuch.yml
expect_rc 1 "a program that does not exist fails the step"
expect_out "step ghost: cannot run 'no-such-program-xyz': No such file or directory" \
    "says why"

done_testing
