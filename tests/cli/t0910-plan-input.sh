#!/bin/bash
# t0910-plan-input.sh - where a plan and its vars come from: '-' reads the
# plan from standard input (lint, check, run --dry-run; refused where the
# plan file is needed later), --var and --vars-file override vars (a name
# the plan lacks is an error at file:line:col, with a suggestion), --var
# wins over a vars file, and commands without a plan refuse --var.
. "$(dirname "$0")/lib.sh"
cd "$T"
cat >plan.yml <<'EOF'
cutover: 1
name: input
vars:
  dir: here
  file: ${dir}/flag
checks:
  - { id: flag, kind: file, path: "${file}" }
phases:
  - { id: pre, checks: [flag] }
EOF
mkdir here there
touch there/flag

run "$CUTOVER" lint - <plan.yml
expect_rc 0 "lint - reads the plan from stdin"
expect_out "^<stdin>: ok: plan 'input'" "and calls it <stdin>"
run "$CUTOVER" lint - <<'EOF'
cutover: 1
name: x
checks:
  - { id: a, kind: tcpp }
EOF
expect_rc 2 "a bad plan on stdin"
expect_err "^<stdin>:4:20: unknown check kind 'tcpp' \(did you mean 'tcp'\?\)" \
    "errors name <stdin>:line:col"
run "$CUTOVER" check - <plan.yml
expect_rc 1 "check - runs the checks (the flag is missing under here/)"
run "$CUTOVER" check --var dir=there - <plan.yml
expect_rc 0 "check --var dir=there - : the var and later vars built on it follow"
run "$CUTOVER" run --dry-run - <plan.yml
expect_rc 0 "run --dry-run -"
run "$CUTOVER" run --yes - <plan.yml
expect_rc 2 "run - without --dry-run is refused"
expect_err "can only be dry-run" "saying why"
for c in status report resume rollback confirm; do
	run "$CUTOVER" $c - </dev/null
	expect_rc 2 "$c - is refused"
done

run "$CUTOVER" check --var dir=there plan.yml
expect_rc 0 "--var NAME=VALUE"
run "$CUTOVER" check --var=dir=there plan.yml
expect_rc 0 "--var=NAME=VALUE"
run "$CUTOVER" lint --var dri=there plan.yml
expect_rc 2 "--var for a var the plan lacks"
expect_err "^plan.yml:4:3: --var sets 'dri', but the plan has no var 'dri' \(did you mean 'dir'\?\)" \
    "names the plan's line and the nearest var"
run "$CUTOVER" lint --var nodelimiter plan.yml
expect_rc 2 "--var without ="
expect_err "NAME=VALUE" "says the shape"

printf 'dir: there\n' >vars.yml
run "$CUTOVER" check --vars-file vars.yml plan.yml
expect_rc 0 "--vars-file"
run "$CUTOVER" check --vars-file vars.yml --var dir=here plan.yml
expect_rc 1 "--var wins over --vars-file, whatever the order"
run "$CUTOVER" check --var dir=here --vars-file vars.yml plan.yml
expect_rc 1 "(either order)"
printf 'dir: there\nfiel: x\n' >typo.yml
run "$CUTOVER" lint --vars-file typo.yml plan.yml
expect_rc 2 "a vars-file name the plan lacks"
expect_err "typo.yml:2:1 sets 'fiel', but the plan has no var 'fiel' \(did you mean 'file'\?\)" \
    "names the vars file's line too"
printf 'dir: [a, b]\n' >list.yml
run "$CUTOVER" lint --vars-file list.yml plan.yml
expect_rc 2 "a list as a value"
expect_err "^list.yml:1:6: " "at its line and column"
run "$CUTOVER" lint --vars-file nothere.yml plan.yml
expect_rc 2 "a missing vars file"
run "$CUTOVER" diff --var a=b sqlite:x.db sqlite:y.db
expect_rc 2 "a command without a plan refuses --var"
run "$CUTOVER" check --help
expect_out "--vars-file FILE" "--help of a plan command shows the plan options"
done_testing
