#!/bin/bash
# t0510-env.sh - `cutover env check` over the corpus in tests/data/env
# (each file's exact expected output), the mode finding, and `env diff`
# with and without --expect-changed; values are never printed.
#   t0510-env.sh --regen   rewrites the corpus's .expected files
. "$(dirname "$0")/lib.sh"
D=$ROOT/tests/data/env

cp "$D"/*.env "$D"/*.args "$D"/*.yml "$T"/
chmod 600 "$T"/*.env
cd "$T"
for f in "$D"/*.env; do
	n=$(basename "$f" .env)
	args=$(cat "$n.args" 2>/dev/null || true)
	# shellcheck disable=SC2086
	got=$("$CUTOVER" env check "$n.env" $args 2>&1; echo "exit $?")
	if [ "${1:-}" = --regen ]; then
		printf '%s\n' "$got" > "$D/$n.expected"
		continue
	fi
	want=$(cat "$D/$n.expected" 2>/dev/null || echo "(no $n.expected)")
	if [ "$got" = "$want" ]; then ok "corpus $n"; else
		fail "corpus $n" "$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got"))"
	fi
done
[ "${1:-}" = --regen ] && { echo "regenerated $D/*.expected"; exit 0; }
n=$(ls "$D"/*.env | wc -l)
[ "$n" -ge 30 ] && ok "corpus has $n files" || fail "corpus has only $n files"

# No value of any corpus file appears in any output, in either format.
for f in *.env; do
	n=${f%.env}
	args=$(cat "$n.args" 2>/dev/null || true)
	# shellcheck disable=SC2086
	"$CUTOVER" env check "$f" $args >>all.out 2>&1
	# shellcheck disable=SC2086
	"$CUTOVER" env check "$f" $args --format json >>all.out 2>&1
done
leaks=0
while IFS= read -r line; do
	case $line in *=*) ;; *) continue ;; esac
	v=${line#*=}; v=${v%\"}; v=${v#\"}; v=${v%\'}; v=${v#\'}
	# Short values (ports, booleans) collide with ordinary text.
	[ ${#v} -ge 12 ] || continue
	case $v in *'${'*|*example*|*localhost*|*/*) continue ;; esac
	if grep -Fq -- "$v" all.out; then leaks=$((leaks + 1)); echo "# leaked: ${v:0:6}..."; fi
done < <(cat ./*.env)
expect_eq "$leaks" 0 "no value of the corpus is ever printed"

# File mode: a copy readable by group or others fails.
printf 'APP_ENV=local\nDB_HOST=db\n' > open.env
chmod 644 open.env
run "$CUTOVER" env check open.env
expect_rc 1 "a world-readable env file fails"
expect_out '^open.env: fail: mode 0644: readable by everyone \(chmod 600\)$' "mode finding"
chmod 640 open.env
run "$CUTOVER" env check open.env
expect_out 'readable by the group' "group-readable"
chmod 600 open.env
run "$CUTOVER" env check open.env
expect_rc 0 "mode 0600 passes"

# --strict turns warnings into a failure; -q hides info lines.
run "$CUTOVER" env check laravel-duplicates.env
expect_rc 0 "warnings alone pass"
run "$CUTOVER" env check laravel-duplicates.env --strict
expect_rc 1 "--strict fails on warnings"
run "$CUTOVER" env check laravel-references.env -q
expect_no "info:" "-q hides info lines"
run "$CUTOVER" env check laravel-weak-db-password.env --format json
expect_rc 1 "json exit status"
if printf '%s' "$out" | jq -e '.files[0].findings[0].code == "weak-secret"' >/dev/null; then
	ok "json is valid and names the finding"; else fail "json output" "$out"; fi

# Bad input: exit 2 with FILE:LINE.
run "$CUTOVER" env check missing.env
expect_rc 2 "a missing file is bad input"
expect_err "cannot read 'missing.env'" "names the missing file"
run "$CUTOVER" env check laravel-clean.env --schema nope.yml
expect_rc 2 "a missing schema is bad input"
printf 'production: maybe\n' > bad.yml
run "$CUTOVER" env check laravel-clean.env --schema bad.yml
expect_rc 2 "a bad schema is bad input"
expect_err "^bad.yml:1: 'production' must be true or false$" "schema error names file and line"
printf 'keys:\n  A: { patern: x }\n' > bad2.yml
run "$CUTOVER" env check laravel-clean.env --schema bad2.yml
expect_err "^bad2.yml:2: unknown rule 'patern'" "unknown schema rule"
run "$CUTOVER" env chek x
expect_rc 2 "a misspelt verb"
expect_err "did you mean 'check'" "suggests the verb"
run "$CUTOVER" env check --help
expect_rc 0 "env check --help"
expect_out "usage: cutover env check" "check usage"
run "$CUTOVER" env diff --help
expect_out "usage: cutover env diff" "diff usage"

# env diff: the seeds' "VPS1 .env - must update these".
cat > vps1.env <<'E'
APP_ENV=production
DB_HOST=127.0.0.1
REDIS_HOST=127.0.0.1
DB_PASSWORD=Xq2mP9vL4tR8wZ1cK6nB3hJ7
SESSION_DRIVER=file
E
cat > vps2.env <<'E'
APP_ENV=production
DB_HOST=10.132.0.11
REDIS_HOST=127.0.0.1
DB_PASSWORD=Lr5tY8uI2oP4aS6dF9gH1jK3lZ7xC0vB5nM8qW2e
SESSION_DRIVER=redis
QUEUE_CONNECTION=redis
E
run "$CUTOVER" env diff vps1.env vps2.env
expect_rc 1 "differences exit 1"
expect_out '^~ DB_PASSWORD: changed \(length 24 -> 40\)$' "a changed secret shows lengths"
expect_out '^\+ QUEUE_CONNECTION: added$' "added key"
expect_out '^1 added, 0 removed, 3 changed, 2 unchanged$' "summary"
expect_no "Xq2mP9" "old value never printed"
expect_no "Lr5tY8" "new value never printed"
expect_no "10.132.0.11" "no value at all is printed"
run "$CUTOVER" env diff vps1.env vps2.env --expect-changed DB_HOST,REDIS_HOST,DB_PASSWORD
expect_rc 1 "an expected key that did not change fails"
expect_out '^! REDIS_HOST: unchanged: expected to change$' "names the stale key"
expect_out '^! SESSION_DRIVER: changed \(length 4 -> 5\): drift' "unlisted change is drift"
expect_out '^! QUEUE_CONNECTION: added: drift' "unlisted addition is drift"
run "$CUTOVER" env diff vps1.env vps2.env --expect-changed \
    DB_HOST,DB_PASSWORD,SESSION_DRIVER,QUEUE_CONNECTION
expect_rc 0 "exactly the expected keys changed"
run "$CUTOVER" env diff vps1.env vps1.env
expect_rc 0 "identical files"
run "$CUTOVER" env diff vps1.env vps2.env --format json
if printf '%s' "$out" | jq -e '.changed == 3 and .added == 1 and
    ([.keys[] | select(.key == "DB_PASSWORD")][0].new_length == 40)' >/dev/null; then
	ok "diff json"; else fail "diff json" "$out"; fi
run "$CUTOVER" env diff vps1.env
expect_rc 2 "diff needs two files"
run "$CUTOVER" env diff vps1.env malformed-unterminated.env
expect_rc 2 "a malformed file in diff"
expect_err '^malformed-unterminated.env:2:9: ' "diff names the file, line and column"
# A bad OLD file used to crash diff (the NEW file was released unread).
run "$CUTOVER" env diff MISSING.env vps1.env
expect_rc 2 "diff of a missing OLD file is bad input, not a crash"
expect_eq "$(printf '%s\n' "$err" | wc -l)" 1 "one line for a missing OLD file"
expect_err "^cannot read 'MISSING.env'" "names the missing file"
run "$CUTOVER" env diff malformed-bad-key.env vps1.env
expect_rc 2 "diff of a malformed OLD file is bad input, not a crash"
expect_eq "$(printf '%s\n' "$err" | wc -l)" 1 "one line for a malformed OLD file"
run "$CUTOVER" env diff vps1.env MISSING.env
expect_rc 2 "diff of a missing NEW file"

# A parse error names file, line, column and key, never the line's text:
# here the line is part of a private key pasted without quotes.
cat > pem.env <<'E'
APP_ENV=production
JWT_PRIVATE_KEY=-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Vx+q/Lr5tY8uI2oP
-----END PRIVATE KEY-----
E
printf 'A=1\nBAD KEY=Secret-7777\n' > badkey.env
chmod 600 pem.env badkey.env
run "$CUTOVER" env check pem.env
expect_rc 2 "a PEM pasted without quotes is bad input"
expect_err '^pem.env:3:55: expected KEY=VALUE: a character keys may not contain where' "names line and column"
expect_no "MIIEvQ" "the key's text is not echoed"
run "$CUTOVER" env check badkey.env
expect_rc 2 "a key with a space"
expect_err '^badkey.env:2:4: expected KEY=VALUE: a space where' "names line and column"
expect_no "Secret-7777" "the value is not echoed"
run "$CUTOVER" env diff badkey.env vps1.env
expect_no "Secret-7777" "nor by diff"
printf 'DB_PASSWORD="Secret-7777 unterminated\n' > open.env
run "$CUTOVER" env check open.env
expect_err "^open.env:1:13: 'DB_PASSWORD': unterminated double-quoted" "an open quote names the key"
expect_no "Secret-7777" "and not the value"

# CRLF, BOM and stdin.
printf '\xef\xbb\xbfA=1\r\nB="two\r\nlines"\r\n' | "$CUTOVER" env check - >crlf.out 2>&1
expect_eq "$(tail -n 1 crlf.out)" "-: 2 keys, 0 failed, 0 warnings" "stdin with BOM and CRLF"
# --expand: references resolved from keys above, then judged.
printf 'DB_PASSWORD=hunter2\nDATABASE_URL=postgres://app:${DB_PASSWORD}@db/app\n' > ref.env
chmod 600 ref.env
run "$CUTOVER" env check ref.env
expect_out 'DATABASE_URL: refers to \$\{DB_PASSWORD\} \(not expanded\)$' "not expanded by default"
expect_no "inside the URL" "the URL is not judged unexpanded"
run "$CUTOVER" env check ref.env --expand
expect_out 'DATABASE_URL: weak password inside the URL: 7 characters' "expanded, the URL's password is judged"
expect_no "hunter2" "still no value printed"
printf 'DB_PASSWORD=Lr5tY8uI2oP4aS6dF9gH1jK3lZ7xC0vB5nM8qW2e\nDATABASE_URL=postgres://app:${DB_PASSWORD}@db/app\n' > ref2.env
run "$CUTOVER" env diff ref.env ref2.env
expect_out '^~ DB_PASSWORD: changed' "diff without --expand"
expect_no "DATABASE_URL" "the reference itself did not change"
run "$CUTOVER" env diff ref.env ref2.env --expand
expect_out '^~ DATABASE_URL: changed \(length 29 -> 62\)$' "with --expand the URL changed too"
# References that double at each line are cut at 1 MiB per value (this
# once grew to 24 GB), with the key and its place named.
{ echo 'A0=0123456789abcdef0123456789abcdef'
  for i in $(seq 1 40); do echo "A$i=\${A$((i - 1))}\${A$((i - 1))}"; done; } > bomb.env
chmod 600 bomb.env
run timeout 60 "$CUTOVER" env check bomb.env --expand
expect_rc 2 "an expansion bomb is bad input"
expect_err "^bomb.env:17:1: 'A16': expanding \\$\\{...\\} references makes the value larger than 1 MiB$" "names the key, place and limit"
run timeout 60 "$CUTOVER" env diff bomb.env bomb.env --expand
expect_rc 2 "diff --expand too"
run "$CUTOVER" env check bomb.env
expect_rc 0 "without --expand nothing is expanded"
# 100k keys: was 23 s and more (every key looked up by a scan), now well
# under a second; the timeout only guards against a return of that.
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "KEY_%d=value%d\n", i, i }' > big.env
chmod 600 big.env
run timeout 60 "$CUTOVER" env check big.env -q
expect_rc 0 "100k keys are checked"
expect_out '^big.env: 100000 keys, 0 failed, 0 warnings$' "all of them"
run timeout 60 "$CUTOVER" env diff big.env big.env --expect-changed KEY_5
expect_rc 1 "100k keys are compared"
expect_out '^! KEY_5: unchanged: expected to change$' "the expected key is named"
# A plan's env files are masked from the moment it is loaded: a step
# that prints .env before the env check's phase, and a resumed run that
# does not run the check again, print no secret value.
mkdir runmask && cd runmask
ENV_PW=Kq7vR2mX9pL4tW8zN3cB6hJ1aYe5oU0iPd
ENV_URLPW=Zt5yH8uJ2kM4nB7vC1xQ9wE3rTg6fDs0a
DRIFT_PW=Wm3nB8vC5xZ2lK7jH4gF9dS1qPo0iUy6t
cat > .env <<E
APP_ENV=production
DB_PASSWORD=$ENV_PW
DATABASE_URL=postgres://app:$ENV_URLPW@db/app
E
printf 'APP_ENV=production\nAPI_TOKEN=%s\n' "$DRIFT_PW" > new.env
chmod 600 .env new.env
cat > plan.yml <<'E'
cutover: 1
name: envmask
checks:
  - { id: env-ok, kind: env, file: .env }
  - { id: drift, kind: env-drift, old: .env, new: new.env }
  - { id: ready, kind: file, path: ready }
phases:
  - id: early
    steps:
      - { id: show-early, shell: "cat .env new.env" }
  - id: check
    checks: [env-ok]
  - id: late
    checks: [ready]
    steps:
      - { id: show-late, shell: "cat .env new.env" }
E
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "the run stops at the entry check of 'late'"
expect_out "    \| DB_PASSWORD=\*\*\*" "a step before the env check's phase prints the mask"
expect_out "    \| API_TOKEN=\*\*\*" "an env-drift file is masked too"
for v in "$ENV_PW" "$ENV_URLPW" "$DRIFT_PW"; do
	expect_no "$v" "no env value before the check ran (${v:0:4}...)"
done
touch ready
run "$CUTOVER" resume plan.yml --yes
expect_rc 0 "resume completes"
expect_out "step show-late: ok" "the late step ran"
expect_out "    \| DB_PASSWORD=\*\*\*" "after resume, the mask"
for v in "$ENV_PW" "$ENV_URLPW" "$DRIFT_PW"; do
	expect_no "$v" "no env value after resume (${v:0:4}...)"
done
run "$CUTOVER" report plan.yml --format md
for v in "$ENV_PW" "$ENV_URLPW" "$DRIFT_PW"; do
	expect_no "$v" "no env value in the report (${v:0:4}...)"
done
if sqlite3 .cutover/envmask.db .dump | grep -Fq -e "$ENV_PW" -e "$DRIFT_PW"; then
	fail "a value is in the journal"; else ok "no env value in the journal"; fi
cd ..

# Endless input is bad input, not a hang.
run timeout 20 "$CUTOVER" env check /dev/zero
expect_rc 2 "/dev/zero is refused"
expect_err "^'/dev/zero' is a character device, not an env file$" "says why"

# A FIFO is never opened blocking: open() would wait for a writer forever.
# timeout 10: a hang fails here (rc 124) instead of hanging the suite.
mkdir fifo && cd fifo
mkfifo pipe
printf 'A=1\n' > ok.env
run timeout 10 "$CUTOVER" env check pipe
expect_rc 2 "env check on a FIFO is refused, not waited on"
expect_err "^'pipe' is a FIFO, not an env file$" "one line names it"
expect_eq "$(printf "%s\n" "$err" | wc -l)" 1 "one line"
run timeout 10 "$CUTOVER" env diff pipe ok.env
expect_rc 2 "env diff with a FIFO first"
expect_err "^'pipe' is a FIFO, not an env file$" "names it"
run timeout 10 "$CUTOVER" env diff ok.env pipe
expect_rc 2 "env diff with a FIFO second"
expect_err "^'pipe' is a FIFO, not an env file$" "names it"
run timeout 10 "$CUTOVER" env check --schema pipe ok.env
expect_rc 2 "a FIFO as the schema"
expect_err "^'pipe' is a FIFO, not a schema$" "names it"
cat > plan.yml <<'E'
cutover: 1
name: fifo
checks:
  - { id: e, kind: env, file: pipe }
E
run timeout 10 "$CUTOVER" lint plan.yml
expect_rc 0 "lint does not block on an env check's FIFO (masks are loaded at load time)"
run timeout 10 "$CUTOVER" check plan.yml
expect_rc 1 "an env check on a FIFO fails, as any unreadable file does"
expect_out "'pipe' is a FIFO, not an env file" "and says why"
cat > schema.yml <<'E'
cutover: 1
name: fifo
checks:
  - { id: e, kind: env, file: ok.env, schema: pipe }
E
run timeout 10 "$CUTOVER" lint schema.yml
expect_rc 2 "a FIFO as an env check's schema is a plan error"
expect_err "'pipe' is a FIFO, not a schema" "names it"
run timeout 10 "$CUTOVER" lint pipe
expect_rc 2 "a FIFO as the plan is refused"
expect_err "^pipe: is a FIFO, not a plan file$" "names it"
cd ..
# What dotenv-linter flags: lowercase keys and blanks around '=' warn,
# keys out of order within a block are information, and a key set in an
# earlier file of the same command warns in the later one.
printf 'B=1\nA=2\nlower_name=3\nC = 4\n\n# block\nZ=1\n' >"$T/style.env"
printf 'A=9\nQ=1\n' >"$T/local.env"
chmod 600 "$T/style.env" "$T/local.env"
run "$CUTOVER" env check "$T/style.env" "$T/local.env"
expect_rc 0 "style findings do not fail the check"
expect_out "style.env:2: info: A: not in alphabetical order within its block \(after B\)" "unordered key"
expect_out "style.env:3: warn: lower_name: key has lowercase letters" "lowercase key"
expect_out "style.env:4: warn: C: blanks around '='" "blanks around ="
expect_no "style.env:7: info: Z" "a comment line starts a new block"
expect_out "local.env:1: warn: A: also set in .*style.env:2" "a key set in an earlier file"
run "$CUTOVER" env check --strict "$T/style.env"
expect_rc 1 "--strict fails on the style warnings"
done_testing
