#!/bin/bash
# t0200-lint.sh - `cutover lint` on the plan corpus in tests/plans/.
#
#   bad/NAME.yml + NAME.err   lint exits 2, prints nothing on stdout and
#                             exactly NAME.err on stderr (every error, in
#                             file order, as NAME.yml:LINE:COL: message)
#   good/NAME.yml + NAME.out  lint exits 0 and prints exactly NAME.out;
#                 [+ NAME.warn]  and NAME.warn (or nothing) on stderr
#
# `cutover check` must refuse a bad plan with the same lines: both load
# plans the same way.
. "$(dirname "$0")/lib.sh"

# bad/env-unset.yml relies on this one being unset; good/smartline.yml
# names these in password_env.
unset CUTOVER_TEST_SURELY_UNSET CUTOVER_TEST_PORT_UNSET CUTOVER_TEST_HOME_UNSET
export DB_PASSWORD=pw-for-lint-only REDIS_PASSWORD=pw-for-lint-only2

cd "$ROOT/tests/plans/bad" || exit 1
nbad=0
for y in *.yml; do
	n=${y%.yml}
	nbad=$((nbad + 1))
	if [ ! -f "$n.err" ]; then
		fail "bad/$n.yml has no $n.err"
		continue
	fi
	run "$CUTOVER" lint "$y"
	if [ "$rc" -eq 2 ] && [ -z "$out" ] && [ "$err" = "$(<"$n.err")" ]; then
		ok "bad/$n: exit 2 and the expected errors"
	else
		fail "bad/$n: exit $rc" "$(printf 'stdout: %s\n--- stderr:\n%s\n--- expected:\n%s' \
		    "$out" "$err" "$(<"$n.err")")"
	fi
	# Every error line has the file:line:col shape.
	bad=$(printf '%s\n' "$err" | grep -Ev "^$y:[0-9]+:[0-9]+: [a-z'\"]" || true)
	[ -z "$bad" ] && ok "bad/$n: every line is $y:LINE:COL: message" ||
		fail "bad/$n: a line without position" "$bad"
	run "$CUTOVER" check "$y"
	if [ "$rc" -eq 2 ] && [ "$err" = "$(<"$n.err")" ]; then
		ok "bad/$n: check refuses it the same way"
	else
		fail "bad/$n: check exit $rc" "$err"
	fi
done
[ "$nbad" -ge 25 ] && ok "$nbad malformed plans (at least 25)" ||
	fail "only $nbad malformed plans"
for e in *.err; do
	[ -f "${e%.err}.yml" ] || fail "bad/$e has no plan"
done

# The same error through a path: the file is named as given.
cd "$ROOT" || exit 1
run "$CUTOVER" lint tests/plans/bad/duration-no-unit.yml
expect_eq "$err" "tests/plans/bad/duration-no-unit.yml:4:51: 'timeout': bad duration '5' (expected a number and a unit: 250ms, 5s, 2m, 2h)" \
    "errors name the plan as given on the command line"

cd "$ROOT/tests/plans/good" || exit 1
for y in *.yml; do
	n=${y%.yml}
	run "$CUTOVER" lint "$y"
	want_err=""
	[ -f "$n.warn" ] && want_err=$(<"$n.warn")
	if [ "$rc" -eq 0 ] && [ "$out" = "$(<"$n.out")" ] &&
	    [ "$err" = "$want_err" ]; then
		ok "good/$n: lint passes with the expected summary"
	else
		fail "good/$n: exit $rc" "stdout: $out
stderr: $err"
	fi
	run "$CUTOVER" lint -q "$y"
	[ "$rc" -eq 0 ] && [ -z "$out" ] && ok "good/$n: --quiet prints nothing" ||
		fail "good/$n: --quiet: exit $rc, stdout '$out'"
done

# Interpolation reaches the checks: the default of an unset env var, a
# var built from vars, and $$ as a literal dollar.
cd "$T" || exit 1
cp "$ROOT/tests/plans/good/interpolation.yml" .
run "$CUTOVER" check interpolation.yml --only price,home -f json
expect_rc 0 "interpolated plan runs"
printf '%s\n' "$out" | jq -e '.results[] | select(.id=="price") |
    .detail == "$5\n" and .status == "pass"' >/dev/null &&
	ok "\$\$ is a literal dollar" || fail "\$\$ is not a literal dollar" "$out"
CUTOVER_TEST_PORT_UNSET=1 run "$CUTOVER" check interpolation.yml --only db-port -f json
printf '%s\n' "$out" | jq -e '.results[0].message | test("127\\.0\\.0\\.1:1( |$)")' >/dev/null &&
	ok "\${env:NAME:-default} takes the environment when set" ||
	fail "env value not used" "$out"
run "$CUTOVER" check interpolation.yml --only db-port -f json
printf '%s\n' "$out" | jq -e '.results[0].message | test("127\\.0\\.0\\.1:3306")' >/dev/null &&
	ok "\${env:NAME:-default} falls back to the default" ||
	fail "default not used" "$out"

# A file that is not UTF-8 text, and a huge one, are refused cleanly.
head -c 4096 /dev/urandom >random.yml
run "$CUTOVER" lint random.yml
expect_rc 2 "random bytes"
expect_err '^random\.yml:[0-9]+:[0-9]+: ' "random bytes: a positioned error"
python3 -c 'import sys; sys.stdout.write("cutover: 1\nname: big\ndescription: \"" + "x" * (17 << 20) + "\"\n")' >big.yml
run "$CUTOVER" lint big.yml
expect_rc 2 "a plan over 16 MiB"
expect_eq "$err" "big.yml: plan is larger than 16 MiB" "the size limit is named"

# Deep nesting and many aliases: no crash, no hang.
python3 -c 'print("[" * 100000 + "]" * 100000)' >deep.yml
run timeout 20 "$CUTOVER" lint deep.yml
expect_rc 2 "deeply nested YAML"
expect_eq "$err" "deep.yml:1:65: nested deeper than 64 levels; a plan needs a handful" \
    "deep nesting is refused before libyaml's quadratic scan"
{
	printf 'cutover: 1\nname: x\nchecks: &c\n  - { id: a, kind: disk, path: /, min_free: 1%% }\nphases:\n'
	for i in $(seq 1 2000); do printf '  - { id: p%d, gate: [a] }\n' "$i"; done
} >many.yml
run timeout 20 "$CUTOVER" lint many.yml
expect_rc 0 "2000 phases"
expect_out "2000 phases" "2000 phases counted"

# Unset ${env:NAME} and password_env: lint, status and report need no
# secret in their environment (a warning); check and run still refuse the
# plan, naming the variable and never a value.
cd "$ROOT/tests/plans/good" || exit 1
run "$CUTOVER" check env-unset.yml
expect_rc 2 "check refuses a plan whose variables are unset"
expect_err "^env-unset.yml:7:9: environment variable 'CUTOVER_TEST_HOME_UNSET' is not set" "check names the \${env:} variable"
expect_err "^env-unset.yml:9:7: target 'db': bad URL .*password_env names 'CUTOVER_TEST_SURELY_UNSET', which is not set" "check names the password_env variable"
expect_err "^env-unset.yml:14:21: 'password_env' names 'CUTOVER_TEST_SURELY_UNSET', which is not set" "check names a kind's password_env"
cd "$T" || exit 1
cat > envrun.yml <<'E'
cutover: 1
name: envrun
vars:
  pw: ${env:CUTOVER_TEST_RUN_PW}
secrets: [pw]
targets:
  db: postgres://app@127.0.0.1:1/app?password_env=CUTOVER_TEST_RUN_PW
checks:
  - { id: fine, kind: command, run: "true" }
phases:
  - id: only
    checks: [fine]
    steps:
      - { id: hello, shell: "echo hello-${pw}" }
E
CUTOVER_TEST_RUN_PW=Run-Secret-6021 run "$CUTOVER" run envrun.yml --yes
expect_rc 0 "the run with the variable set"
expect_no "Run-Secret-6021" "its value is masked"
run "$CUTOVER" lint envrun.yml
expect_rc 0 "lint with the variable unset"
expect_err "^envrun.yml:4:7: warning: environment variable 'CUTOVER_TEST_RUN_PW' is not set: check and run will need it$" "lint warns"
run "$CUTOVER" status envrun.yml
expect_rc 0 "status with the variable unset"
expect_out "run 1 completed" "status reads the journal"
run "$CUTOVER" report envrun.yml --format json
expect_rc 0 "report with the variable unset"
printf '%s' "$out" | jq -e . >/dev/null && ok "report json is valid" || fail "report json" "$out"
run "$CUTOVER" run envrun.yml --yes --new
expect_rc 2 "run refuses the plan with the variable unset"
expect_err "^envrun.yml:4:7: environment variable 'CUTOVER_TEST_RUN_PW' is not set" "run names the variable"
run "$CUTOVER" check envrun.yml
expect_rc 2 "check refuses it too"

# A plan of 5,000 checks named 20,000 times lints at once (ids are
# looked up through a sorted index; the timeout only guards a return of
# scans per reference).
awk 'BEGIN { print "cutover: 1\nname: big\nchecks:";
  for (i = 0; i < 5000; i++) printf "  - { id: c%d, kind: command, run: \"true\"%s }\n", i, i ? ", needs: [c" i - 1 "]" : "";
  print "risks:";
  for (i = 0; i < 2000; i++) printf "  - { id: r%d, title: t, level: low, probability: low, impact: x, mitigated_by: [c%d, c%d] }\n", i, i, 4999 - i;
  print "phases:";
  for (p = 0; p < 50; p++) { printf "  - id: p%d\n    checks: [", p;
    for (j = 0; j < 100; j++) printf "%sc%d", j ? ", " : "", p * 100 + j; print "]" } }' > big.yml
run timeout 60 "$CUTOVER" lint big.yml
expect_rc 0 "a 5,000-check plan lints"
expect_out "5000 checks, 2000 risks, 50 phases" "all of it"
run timeout 60 "$CUTOVER" check big.yml --only c0 -f json
expect_rc 0 "checks are found by id"

done_testing
