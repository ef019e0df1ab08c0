#!/bin/bash
# t0917-include.sh - `include:` in plans: files relative to the including
# file, merged (targets, checks, risks, vars), checks from them run;
# errors inside them name THEIR file:line:col; a cycle, a key defined
# twice, a key an included file may not hold, a missing file refused; the
# plan's hash covers the included files.
. "$(dirname "$0")/lib.sh"
cd "$T"
mkdir -p shared/deeper
cat >plan.yml <<'YML'
cutover: 1
name: inc
include: [shared/checks.yml]
checks:
  - { id: local, kind: file, path: plan.yml }
phases:
  - { id: one, checks: [local, remote] }
YML
cat >shared/checks.yml <<'YML'
include: deeper/vars.yml
checks:
  - { id: remote, kind: file, path: "${where}" }
YML
cat >shared/deeper/vars.yml <<'YML'
vars:
  where: plan.yml
YML
run "$CUTOVER" lint plan.yml
expect_rc 0 "a plan with nested includes lints"
expect_out "2 checks" "the included check counts"
run "$CUTOVER" check plan.yml
expect_rc 0 "check runs the included check, with the included var"
expect_out "^pass +remote" "the included check's row"
sha1=$("$CUTOVER" lint --format json plan.yml >/dev/null; "$CUTOVER" check -v plan.yml 2>&1 >/dev/null | grep -o 'sha256 [0-9a-f]*')

cat >shared/checks.yml <<'YML'
include: deeper/vars.yml
checks:
  - { id: remote, kind: file, path: "${where}" }
  - id: bad
    kind: tcp
    adress: 1.2.3.4:5
YML
run "$CUTOVER" lint plan.yml
expect_rc 2 "an error inside an included file"
expect_err "^shared/checks\.yml:6:5: unknown key 'adress' in check \(did you mean 'address'\?\)$" \
    "the error names the included file, line and column"
expect_err "^shared/checks\.yml:4:5: missing 'address'$" "and its other error"
run "$CUTOVER" lint --format json plan.yml
expect_eq "$(printf '%s' "$out" | jq -c '[.errors[] | [.file, .line, .column]] | sort')" \
    '[["shared/checks.yml",4,5],["shared/checks.yml",6,5]]' "lint json: the included file's positions"

cat >shared/checks.yml <<'YML'
include: deeper/vars.yml
checks:
  - { id: remote, kind: file, path: "${where}" }
YML
sha2=$("$CUTOVER" check -v plan.yml 2>&1 >/dev/null | grep -o 'sha256 [0-9a-f]*')
printf 'vars:\n  where: shared/checks.yml\n' >shared/deeper/vars.yml
sha3=$("$CUTOVER" check -v plan.yml 2>&1 >/dev/null | grep -o 'sha256 [0-9a-f]*')
[ -n "$sha2" ] && [ "$sha2" != "$sha3" ] && ok "the plan's hash covers an included file" ||
	fail "hash" "$sha2 / $sha3"

printf 'include: ../checks.yml\nvars:\n  where: plan.yml\n' >shared/deeper/vars.yml
run "$CUTOVER" lint plan.yml
expect_rc 2 "a cycle"
expect_err "^shared/deeper/vars\.yml:1:10: include '\.\./checks\.yml': a cycle" \
    "the cycle is named where it closes"

printf 'vars:\n  where: plan.yml\ntargets: { db: "sqlite:a.db" }\nphases: []\n' >shared/deeper/vars.yml
printf 'cutover: 1\nname: inc2\ninclude: [shared/deeper/vars.yml]\ntargets: { db: "sqlite:b.db" }\n' >plan2.yml
run "$CUTOVER" lint plan2.yml
expect_rc 2 "a target defined twice, a key an included file may not hold"
expect_err "^shared/deeper/vars\.yml:3:12: 'db' in 'targets' is defined twice" "defined twice"
expect_err "^shared/deeper/vars\.yml:4:1: 'phases' cannot come from an included file" \
    "phases belong to the plan"

printf 'cutover: 1\nname: inc3\ninclude: /dev/zero\n' >plan3.yml
run "$CUTOVER" lint plan3.yml
expect_rc 2 "a device refused"
expect_err "^plan3\.yml:3:10: include '/dev/zero': not a regular file" "not a regular file"
python3 -c "print('checks: ' + '[' * 100 + ']' * 100)" >shared/deep.yml
printf 'cutover: 1\nname: inc4\ninclude: shared/deep.yml\n' >plan4.yml
run "$CUTOVER" lint plan4.yml
expect_rc 2 "an included file nested too deep"
expect_err "^shared/deep\.yml:1:[0-9]+: nested deeper than 64 levels" "the depth guard covers included files"
done_testing
