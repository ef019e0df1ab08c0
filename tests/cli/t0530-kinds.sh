#!/bin/bash
# t0530-kinds.sh - the manifest, env, env-drift and secrets check kinds
# inside a plan run by `cutover check`: passing and failing cases, the
# message a person reads, plan errors at FILE:LINE:COL, a manifest check
# that stops at its timeout, and no secret value in any output format.
. "$(dirname "$0")/lib.sh"
cd "$T"

mkdir bk
head -c 2000000 /dev/urandom > bk/db.bin
printf -- '-- MySQL dump 10.13\nINSERT INTO t VALUES (1);\n' | gzip > bk/cut.sql.gz
"$CUTOVER" manifest create bk/db.bin -o good.sha256 -q >/dev/null
"$CUTOVER" manifest create bk -o all.sha256 -q >/dev/null
SECRET=$(LC_ALL=C tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 40)
WEAK=Summer2026
printf 'APP_ENV=production\nAPP_DEBUG=false\nDB_PASSWORD=%s\n' "$SECRET" > good.env
printf 'APP_ENV=production\nAPP_DEBUG=true\nDB_PASSWORD=%s\n' "$WEAK" > bad.env
printf 'APP_ENV=production\nAPP_DEBUG=false\nDB_PASSWORD=%s\nDB_HOST=10.0.0.1\n' "$SECRET" > old.env
printf 'APP_ENV=production\nAPP_DEBUG=false\nDB_PASSWORD=%s\nDB_HOST=10.0.0.2\n' "$SECRET" > new.env
chmod 600 ./*.env
mkdir clean leaky
echo 'DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app' > clean/app.env
echo "DATABASE_URL=postgres://app:$SECRET@db/app" > leaky/runbook.md

cat > plan.yml <<'E'
cutover: 1
name: t0530
checks:
  - { id: backup-ok, kind: manifest, file: good.sha256 }
  - { id: backup-incomplete, kind: manifest, file: all.sha256 }
  - { id: backup-hash-only, kind: manifest, file: all.sha256, content: false }
  - { id: env-ok, kind: env, file: good.env, require: [DB_PASSWORD] }
  - { id: env-bad, kind: env, file: bad.env, require: [DB_PASSWORD, APP_KEY] }
  - { id: drift-ok, kind: env-drift, old: old.env, new: new.env, expect_changed: [DB_HOST] }
  - { id: drift-stale, kind: env-drift, old: old.env, new: new.env, expect_changed: [DB_HOST, DB_PASSWORD] }
  - { id: no-secrets, kind: secrets, paths: [clean] }
  - { id: leaked, kind: secrets, paths: [clean, leaky] }
E
run "$CUTOVER" lint plan.yml
expect_rc 0 "the plan lints"
run "$CUTOVER" check plan.yml --format json
expect_rc 1 "some checks fail"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
expect_result() {
	local got; got=$(st "$1")
	if printf '%s\n' "$got" | grep -Eq -- "^$2"; then ok "$1: $got"; else fail "$1" "got: $got"; fi
}
expect_result backup-ok 'pass 1 file intact \(sha256'
expect_result backup-incomplete 'fail 1 of 2 files failed, 0 extra: bk/cut.sql.gz content incomplete'
expect_result backup-hash-only 'pass 2 files intact'
expect_result env-ok 'pass good.env: 3 keys, nothing to report'
expect_result env-bad 'fail bad.env: APP_KEY missing; APP_DEBUG debug-in-production; DB_PASSWORD weak-secret'
expect_result drift-ok 'pass exactly the expected keys changed'
expect_result drift-stale 'fail DB_PASSWORD expected to change'
expect_result no-secrets 'pass no credentials in 1 file'
expect_result leaked 'fail 1 credential found, first leaky/runbook.md:1 \(url-password\)'
for f in text json junit tap prometheus; do
	"$CUTOVER" check plan.yml --format $f > out.$f 2>&1
done
if grep -Fq -- "$SECRET" out.* || grep -Fq -- "$WEAK" out.*; then
	fail "a secret value reached an output format"
else
	ok "no env value or leaked secret in any format"
fi

# Plan errors: the kinds' keys are checked at lint time.
cat > badplan.yml <<'E'
cutover: 1
name: bad
checks:
  - { id: a, kind: manifest }
  - { id: b, kind: manifest, file: x, algo: blake3 }
  - { id: c, kind: env, file: x.env, schema: nope.yml }
  - { id: d, kind: env-drift, old: a.env }
  - { id: e, kind: secrets }
  - { id: f, kind: env, file: x, requires: [A] }
E
run "$CUTOVER" lint badplan.yml
expect_rc 2 "bad keys are plan errors"
expect_err "^badplan.yml:4:5: missing 'file'" "manifest without file"
expect_err "^badplan.yml:5:.*'algo' must be sha256" "unknown algorithm"
expect_err "^badplan.yml:6:.*'schema': cannot read 'nope.yml'" "missing schema"
expect_err "^badplan.yml:7:5: missing 'new'" "env-drift without new"
expect_err "^badplan.yml:8:5: missing 'paths'" "secrets without paths"
expect_err "^badplan.yml:9:.*unknown key 'requires'.*did you mean 'require'" "misspelt key"

# A manifest check honours its timeout instead of hashing on and on.
head -c 400000000 /dev/zero > big.bin
"$CUTOVER" manifest create big.bin -o big.sha256 -q >/dev/null
cat > slow.yml <<'E'
cutover: 1
name: slow
checks:
  - { id: big, kind: manifest, file: big.sha256, timeout: 50ms }
E
t0=$(date +%s%N)
run "$CUTOVER" check slow.yml --format json
t1=$(date +%s%N)
expect_rc 1 "an overrun manifest check fails"
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -lt 3000 ] && ok "stopped near its timeout (${ms}ms)" || fail "took ${ms}ms"
done_testing
