#!/bin/bash
# t0952-env-across.sh - kind env across files: same_as (a key's value
# equals another file's key: "equal" or "differs", never a value) and
# template (the key set of .env.example: missing and extra keys named,
# values never).  Every output format and the run's journal are grepped
# for the secret values.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 CLI missing"; exit 0; }
cd "$T" || exit 1
S1='s3cr3t-Very-Long-Internal-Key-9f8e7d6c5b4a'
S2='0ther-Long-Internal-Key-z9y8x7w6v5u4t3s2r1'
# The same length: a length printed would tell them apart from nothing.
printf 'APP_KEY=base64:Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5\nINTERNAL_API_KEY=%s\nEXTRA_FLAG=1\n' "$S1" >app.env
printf '# the worker\nAPI_KEY=%s\n' "$S1" >worker.env
printf 'API_KEY=%s\n' "$S2" >stale.env
printf 'APP_KEY=\nINTERNAL_API_KEY=\nDB_PASSWORD=\n' >.env.example
printf 'APP_KEY=base64:Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5\nINTERNAL_API_KEY=%s\nDB_PASSWORD=Qw8-rT5_yU2.iO9-pA6_sD3.fG7-hJ4_kL1\n' "$S1" >full.env
chmod 600 ./*.env
cat >plan.yml <<'YML'
cutover: 1
name: env-across
checks:
  - id: same
    kind: env
    file: app.env
    same_as: [{ key: INTERNAL_API_KEY, file: worker.env, as: API_KEY }]
  - id: stale
    kind: env
    file: app.env
    same_as: [{ key: INTERNAL_API_KEY, file: stale.env, as: API_KEY }]
  - id: missing
    kind: env
    file: app.env
    same_as: [{ key: INTERNAL_API_KEY, file: app.env, as: NOT_THERE }]
  - id: tmpl
    kind: env
    file: app.env
    template: .env.example
  - id: tmpl-ok
    kind: env
    file: full.env
    template: .env.example
phases:
  - id: pre
    checks: [same, tmpl-ok]
    steps:
      - { id: show, shell: "cat app.env stale.env" }
    gate: [stale, tmpl]
YML
run "$CUTOVER" check plan.yml --only same
expect_rc 0 "equal values pass"
expect_out "INTERNAL_API_KEY: equal to worker.env API_KEY" "said as equal"
run "$CUTOVER" check plan.yml --only stale
expect_rc 1 "different values fail"
expect_out "INTERNAL_API_KEY: differs from stale.env API_KEY" "said as differs"
run "$CUTOVER" check plan.yml --only missing
expect_rc 1 "a key missing on the other side fails"
expect_out "cannot compare with app.env NOT_THERE: missing there" "named"
run "$CUTOVER" check plan.yml --only tmpl
expect_rc 1 "a key set unlike the template fails"
expect_out "DB_PASSWORD: missing: .env.example has it" "the missing key is named"
expect_out "EXTRA_FLAG: extra: not in .env.example" "the extra key is named"
run "$CUTOVER" check plan.yml --only tmpl-ok
expect_rc 0 "the same key set passes"

all=""
for f in text json junit tap prometheus; do
	run "$CUTOVER" check plan.yml --format "$f"
	all="$all$out$err"
done
run "$CUTOVER" run plan.yml --yes --state j.db
all="$all$out$err"
for f in md html json; do
	run "$CUTOVER" report plan.yml --state j.db --format "$f"
	all="$all$out$err"
done
run "$CUTOVER" status plan.yml --state j.db --format json
all="$all$out$err$(sqlite3 j.db .dump)"
printf '%s' "$all" | grep -q "differs from stale.env" && ok "the run's gate said differs" ||
	fail "no differs in the run" "$all"
for s in "$S1" "$S2" "${S1:0:16}" "${S2:0:16}"; do
	if printf '%s' "$all" | grep -qF -- "$s"; then fail "a secret value (or part) was printed: ${s:0:4}..."
	else ok "never printed: ${s:0:4}... (outputs, reports, journal)"; fi
done

done_testing
