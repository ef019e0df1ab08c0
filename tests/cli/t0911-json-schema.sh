#!/bin/bash
# t0911-json-schema.sh - every JSON output validated against its documented
# shape (tests/schema/*.json, JSON Schema 2020-12, README "JSON output"):
# check, lint (valid and invalid), run, report, status (with and without a
# run), diff and its JSON Lines, manifest create and verify, env check and
# diff, secrets scan, watch's JSON Lines.  Beyond each shape, one naming
# scheme everywhere: "schema": 1 first, instants as RFC 3339 UTC in keys
# ending _at, durations as whole milliseconds in keys ending _ms.
. "$(dirname "$0")/lib.sh"
cd "$T"
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
	{ echo "skipped: python3-jsonschema is not installed"; exit 0; }
S=$ROOT/tests/schema

# validate SCHEMA FILE WHAT [lines]: queued, checked at the end in one go.
validate() { echo "$1 $2 ${4:-doc} $3" >>batch; }

cat >plan.yml <<'YML'
cutover: 1
name: js
checks:
  - { id: marker, kind: file, path: marker }
  - { id: echo, kind: command, shell: "true" }
risks:
  - { id: R1, title: Lost rows, level: high, probability: low,
      impact: Missing rows, mitigated_by: [marker] }
phases:
  - id: one
    window: { target: 10m, max: 20m }
    checks: [echo]
    steps:
      - { id: s1, shell: echo s1 >> log, undo: { shell: echo u1 >> log } }
    gate: [marker]
  - id: after
    watch: { every: 200ms, for: 1s, checks: [echo] }
    success:
      - { check: echo, uptime: ">= 90%" }
rollback:
  - { id: restore, shell: echo restore >> log }
YML
touch marker

"$CUTOVER" check plan.yml --format json >check.json
validate check.json check.json "check --format json"
"$CUTOVER" lint plan.yml --format json >lint.json
expect_eq "$?" 0 "lint --format json of a valid plan exits 0"
validate lint.json lint.json "lint --format json (valid plan)"
printf 'name: x\nchecks:\n  - { id: a, kind: tcpp }\n' >bad.yml
"$CUTOVER" lint bad.yml --format json >lint-bad.json
expect_eq "$?" 2 "lint --format json of a bad plan exits 2"
validate lint.json lint-bad.json "lint --format json (errors)"
expect_eq "$(jq -c '[.valid, (.errors[] | [.file, .line, .column])]' lint-bad.json)" \
    '[false,["bad.yml",1,1],["bad.yml",3,20]]' "lint json: each error's file, line, column"

"$CUTOVER" status plan.yml --format json >status-none.json
validate status.json status-none.json "status --format json before any run"
"$CUTOVER" run plan.yml --yes --format json >run.json 2>run.err
expect_eq "$?" 0 "run --yes --format json completes"
validate report.json run.json "run --format json: the report's shape"
grep -q 's1' run.err && ok "run's own lines go to stderr" ||
	fail "run's lines" "$(cat run.err)"
expect_eq "$(jq -r '.state + " " + (.phases | length | tostring)' run.json)" \
    "completed 2" "run json: the run's state and phases"
"$CUTOVER" report plan.yml --format json >report.json
validate report.json report.json "report --format json"
"$CUTOVER" status plan.yml --format json >status.json
validate status.json status.json "status --format json after a run"
"$CUTOVER" watch plan.yml --new --format jsonl >watch.jsonl 2>watch.err
validate watch-line.json watch.jsonl "watch --format jsonl, every line" lines

sqlite3 a.db 'create table t (id integer primary key, v text); insert into t values (1,"a"),(2,"b");'
sqlite3 b.db 'create table t (id integer primary key, v text); insert into t values (1,"a"),(2,"B"),(3,"c");'
"$CUTOVER" diff sqlite:a.db sqlite:b.db --format json >diff.json
validate diff.json diff.json "diff --format json"
"$CUTOVER" diff sqlite:a.db sqlite:b.db --format jsonl >diff.jsonl
validate diff-line.json diff.jsonl "diff --format jsonl, every line" lines

mkdir d && echo one >d/a && echo two >d/b
"$CUTOVER" manifest create d -o m.sha256 --format json >mc.json
validate manifest.json mc.json "manifest create --format json"
echo changed >d/b
"$CUTOVER" manifest verify m.sha256 --format json >mv.json
validate manifest.json mv.json "manifest verify --format json"

printf 'A=1\nlower=2\nA=3\n' >app.env
"$CUTOVER" env check app.env --format json >envc.json
validate env-check.json envc.json "env check --format json"
printf 'A=1\nB=2\n' >new.env
"$CUTOVER" env diff app.env new.env --format json >envd.json
validate env-diff.json envd.json "env diff --format json"

printf 'token = "ghp_Zq8Lr2Xv9Kt4Wm7Np3Bc6Hd1Fg5Js0Ya8TuE"\n' >leak.txt
"$CUTOVER" secrets scan leak.txt --format json >sec.json
expect_eq "$(jq .count sec.json)" 1 "secrets json: the finding"
validate secrets.json sec.json "secrets scan --format json"

# Every shape and the naming scheme, in one Python start.
/usr/bin/python3 "$S/validate.py" --batch batch >val.out 2>&1
while IFS= read -r l; do
	case $l in
	"ok "*) ok "${l#ok }" ;;
	"fail "*) fail "${l#fail }" ;;
	*) fail "validate.py: $l" ;;
	esac
done <val.out
expect_eq "$(grep -c . val.out)" "$(grep -c . batch)" "every document validated"
done_testing
