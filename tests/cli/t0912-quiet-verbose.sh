#!/bin/bash
# t0912-quiet-verbose.sh - -q/--quiet and -v/--verbose mean one thing on
# every command: accepted by each, contradicting each other refused;
# quiet drops passing rows and OK lines but never a failure, the summary
# nor a JSON document; verbose shows a detail whole and names the plan and
# journal read on stderr.
. "$(dirname "$0")/lib.sh"
cd "$T"
cat >plan.yml <<'YML'
cutover: 1
name: qv
checks:
  - { id: here, kind: file, path: plan.yml }
  - { id: chatty, kind: command, shell: "seq 1 15; exit 3" }
phases:
  - { id: one, steps: [ { id: s1, shell: "true" } ] }
YML

# Every command (and nested verb) takes both, as its --help says.
for c in init lint check confirm run resume rollback watch status serve \
    report diff "manifest create" "manifest verify" "env check" "env diff" \
    "secrets scan"; do
	for o in -q --verbose; do
		# shellcheck disable=SC2086
		"$CUTOVER" $c $o --help >help.out 2>&1 ||
			echo "$c $o" >>bad.out
	done
	# shellcheck disable=SC2086
	grep -q -- '-q, --quiet' help.out || echo "$c: --help" >>bad.out
done
[ ! -s bad.out ] && ok "every command takes -q/-v and documents them" ||
	fail "-q/-v" "$(cat bad.out)"

run "$CUTOVER" check -q -v plan.yml
expect_rc 2 "-q with -v"
expect_err "contradict" "-q with -v: why"

run "$CUTOVER" check plan.yml
expect_rc 1 "check fails (chatty)"
expect_out "^pass +here" "normal: the passing row"
expect_out "\.\.\. 5 earlier lines" "normal: a long detail is cut to its end"
run "$CUTOVER" check --quiet plan.yml
expect_rc 1 "quiet: same exit status"
expect_no "^pass +here" "quiet: no passing row"
expect_out "^fail +chatty" "quiet: the failing row stays"
expect_out "^2 checks: 1 pass, 0 warn, 1 fail" "quiet: the summary counts all"
run "$CUTOVER" check -v plan.yml
expect_out "^ +1$" "verbose: the detail whole, from its first line"
expect_no "earlier line" "verbose: nothing cut"
expect_err "plan plan.yml \(sha256 [0-9a-f]{12}\): 2 checks, 1 phase" \
    "verbose: the plan read, on stderr"
run "$CUTOVER" check -q --format json plan.yml
expect_eq "$(printf '%s' "$out" | jq '.results | length')" 2 \
    "quiet: a JSON document keeps every result"

run "$CUTOVER" lint -q plan.yml
expect_eq "$out$err" "" "lint -q: nothing for a valid plan"
"$CUTOVER" run plan.yml --yes >/dev/null 2>&1
run "$CUTOVER" status -v plan.yml
expect_err "journal .*qv\.db: run 1" "verbose: the journal run read"

mkdir d && echo a >d/a && echo b >d/b
"$CUTOVER" manifest create d -o m.sha256 >/dev/null
run "$CUTOVER" manifest verify -q m.sha256
expect_no ": OK" "manifest -q: no OK line"
expect_out "2 files, 2 ok" "manifest -q: the summary"
done_testing
