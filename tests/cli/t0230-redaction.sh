#!/bin/bash
# t0230-redaction.sh - secrets never leave the process.  A plan puts
# secrets in vars, in the environment, in URLs (inline, percent-encoded
# and through password_env) and hands them to commands, HTTP URLs, SQL
# queries and titles, with checks that fail so that the secrets would be
# in their messages.  No output format (text, json, junit, tap,
# prometheus) and no stderr may contain any secret value; each must show
# the mask where the secret was.
. "$(dirname "$0")/lib.sh"
: "${PG_URL:?run me through tests/run-cli.sh}" "${MY_URL:?}" "${HTTP_URL:?}" "${MY_SOCK:?}"
. "$ROOT/tests/harness/servers.sh"

PG_PORT=${PG_URL##*:}; PG_PORT=${PG_PORT%%/*}
MY_HOSTPORT=${MY_URL#*@}; MY_HOSTPORT=${MY_HOSTPORT%%/*}

VAR_SECRET=Var-Secret-7731
ENV_SECRET=Env-Token-5519
PWENV_SECRET=My-Pass-Env-8842
INLINE_SECRET=My-Inline-Pw-3390
PCT_SECRET='Pct@Secret-991'
PCT_SECRET_ENC='Pct%40Secret-991'
SECRETS="$VAR_SECRET $ENV_SECRET $PWENV_SECRET $INLINE_SECRET $PCT_SECRET $PCT_SECRET_ENC"

my_sql "DROP USER IF EXISTS 'redact1'@'%'; DROP USER IF EXISTS 'redact2'@'%';
        CREATE USER 'redact1'@'%' IDENTIFIED BY '$PWENV_SECRET';
        CREATE USER 'redact2'@'%' IDENTIFIED BY '$INLINE_SECRET';
        GRANT SELECT ON *.* TO 'redact1'@'%'; GRANT SELECT ON *.* TO 'redact2'@'%';"

export API_TOKEN=$ENV_SECRET MY_PW=$PWENV_SECRET
cat >"$T/plan.yml" <<EOF
cutover: 1
name: redaction
vars:
  db_pass: $VAR_SECRET
secrets: [db_pass, API_TOKEN]
targets:
  # PostgreSQL trusts loopback, so any password logs in.
  pg: postgres://postgres:\${db_pass}@127.0.0.1:$PG_PORT/postgres
  pg-pct: postgres://postgres:$PCT_SECRET_ENC@127.0.0.1:$PG_PORT/postgres
  my-env: mysql://redact1@$MY_HOSTPORT/mysql?password_env=MY_PW
  my-inline: mysql://redact2:$INLINE_SECRET@$MY_HOSTPORT/mysql
  my-wrong: mysql://redact2:\${db_pass}@$MY_HOSTPORT/mysql
checks:
  - id: cmd-echo
    title: Login with \${db_pass}
    kind: command
    shell: 'echo "token=\$TOKEN pass=\$PASS"; echo "last \$TOKEN \$PASS"; exit 1'
    env: { TOKEN: "\${env:API_TOKEN}", PASS: "\${db_pass}" }
  - id: cmd-args
    kind: command
    run: [sh, -c, 'echo "\$0" "\$1"; exit 2', "\${db_pass}", "$ENV_SECRET"]
  - id: http-url
    title: Token \${env:API_TOKEN} in the URL
    kind: http
    url: $HTTP_URL/body/\${env:API_TOKEN}
    body_contains: not-\${db_pass}
  - id: http-status
    kind: http
    url: $HTTP_URL/body/\${db_pass}
    expect_status: 404
  - { id: sql-var, kind: sql, target: pg, query: "SELECT '\${db_pass}'", expect: nope }
  - { id: sql-env, kind: sql, target: pg-pct, query: "SELECT '$ENV_SECRET'", expect: "== x" }
  - { id: sql-pwenv, kind: sql, target: my-env, query: "SELECT '$PWENV_SECRET'", expect: nope }
  - { id: sql-inline, kind: sql, target: my-inline, query: "SELECT '$INLINE_SECRET'", expect: nope }
  - { id: sql-denied, kind: sql, target: my-wrong, query: "SELECT 1" }
  - { id: sql-pct, kind: sql, target: pg-pct, query: "SELECT '$PCT_SECRET'", expect: nope }
  - { id: sql-compare, kind: sql, query: "SELECT '\${db_pass}'", compare: { source: pg, target: my-inline } }
  - { id: rows, kind: row-count, source: pg, target: my-env, tables: ["\${db_pass}"] }
  - { id: tcp-title, title: "\${db_pass}", kind: tcp, address: "127.0.0.1:$PG_PORT", latency: { warn: 1us, crit: 1h } }
  - { id: file, kind: file, path: "/nonexistent/\${db_pass}" }
  - { id: disk, kind: disk, path: "/nonexistent/\${env:API_TOKEN}", min_free: 1% }
EOF

# no_secrets FILE DESC: none of the secret values is in FILE.
no_secrets() {
	local s leaked=""
	for s in $SECRETS; do
		grep -qF -- "$s" "$1" && leaked="$leaked $s"
	done
	if [ -z "$leaked" ]; then ok "$2: no secret"; else
		fail "$2: leaks$leaked" "$(grep -F -e "${SECRETS// / -e }" "$1" | head -5)"
	fi
}
for f in text json junit tap prometheus; do
	"$CUTOVER" check "$T/plan.yml" -f "$f" >"$T/out.$f" 2>"$T/err.$f"
	rc=$?
	[ "$rc" -eq 1 ] && ok "$f: exit 1 (checks failed)" ||
		fail "$f: exit $rc" "$(cat "$T/err.$f")"
	no_secrets "$T/out.$f" "$f output"
	no_secrets "$T/err.$f" "$f stderr"
done

# The mask is where the secrets were: the test would see a leak.
j="$T/out.json"
jr() { jq -r --arg id "$1" ".results[] | select(.id == \$id) | $2" "$j"; }
expect_eq "$(jr cmd-echo .message)" "exited with status 1, expected 0: last *** ***" \
    "command output: both secrets masked in the message"
expect_eq "$(jr cmd-echo .detail)" "token=*** pass=***
last *** ***" "command output: masked in the kept tail"
expect_eq "$(jr cmd-echo .title)" "Login with ***" "titles are masked"
expect_eq "$(jr cmd-args .message)" "exited with status 2, expected 0: *** ***" \
    "secrets passed as argv are masked in the output"
expect_eq "$(jr http-status .message)" "$HTTP_URL/body/*** answered HTTP 200, expected 404" \
    "a secret inside an HTTP URL is masked"
expect_eq "$(jr http-url .title)" "Token *** in the URL" "an env secret in a title is masked"
expect_eq "$(jr sql-var .observed)" "***" "a query result equal to a var secret is masked"
expect_eq "$(jr sql-env .message)" "query returned ***, expected == x" "an env secret is masked"
expect_eq "$(jr sql-pwenv .observed)" "***" "a password_env value is masked"
expect_eq "$(jr sql-inline .observed)" "***" "an inline URL password is masked"
expect_eq "$(jr sql-pct .observed)" "***" "a percent-encoded URL password is masked decoded too"
jr sql-denied .message | grep -q "Access denied" &&
	ok "a refused login still says why" || fail "sql-denied message" "$(jr sql-denied .message)"
grep -q '\*\*\*' "$T/out.prometheus" || ok "prometheus carries no free text to leak through"
grep -qF 'Login with ***' "$T/out.junit" && ok "junit: masked title in the test name" ||
	fail "junit: title" "$(grep cmd-echo "$T/out.junit")"
grep -qF 'last *** ***' "$T/out.tap" && ok "tap: masked message" || fail "tap: message"
grep -qF 'last *** ***' "$T/out.text" && ok "text: masked message" || fail "text: message"

# Errors while loading a plan are masked too.
cat >"$T/bad.yml" <<EOF
cutover: 1
name: bad
vars: { db_pass: $VAR_SECRET }
secrets: [db_pass, API_TOKEN]
targets:
  a: postgres://app:\${db_pass}@db.example.com:99999/app
  b: mysql://app:$INLINE_SECRET@:3306/app
  c: redis://:\${env:API_TOKEN}@host:6379/0?password=$PWENV_SECRET&x=\${nosuchvar}
checks:
  - { id: h, kind: http, url: "\${db_pass}" }
  - { id: c, kind: command, run: "echo '\${env:API_TOKEN}", timeout: "\${db_pass}" }
EOF
for cmd in lint check; do
	"$CUTOVER" $cmd "$T/bad.yml" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	expect_eq "$rc" 2 "$cmd of a bad plan exits 2"
	[ "$(wc -l <"$T/bad.err")" -ge 5 ] && ok "$cmd: every error is reported" ||
		fail "$cmd: errors" "$(cat "$T/bad.err")"
	no_secrets "$T/bad.err" "$cmd errors"
	no_secrets "$T/bad.out" "$cmd stdout"
done
grep -qF "'url' must start with http:// or https:// (got '***')" "$T/bad.err" &&
	ok "plan errors show the mask" || fail "plan errors" "$(cat "$T/bad.err")"

# Secrets named in `secrets:` but only in the environment are masked even
# when the plan never uses them.
export UNUSED_SECRET=Unused-Secret-4242
cat >"$T/env.yml" <<EOF
cutover: 1
name: \${env:UNUSED_SECRET}
secrets: [UNUSED_SECRET]
checks:
  - { id: printenv, kind: command, run: [printenv, UNUSED_SECRET], expect_exit: 1 }
EOF
run "$CUTOVER" check "$T/env.yml" -f json
expect_rc 1 "a command that prints an env secret fails as planned"
expect_no "Unused-Secret-4242" "an inherited env secret never appears"
printf '%s\n' "$out" | jq -e '.results[0].message == "exited with status 0, expected 1: ***"' >/dev/null &&
	ok "the inherited env secret shows as ***" || fail "env secret message" "$out"
# Even a plan named after a secret: every format names the plan.
for f in text json junit tap prometheus; do
	run "$CUTOVER" check "$T/env.yml" -f "$f"
	expect_no "Unused-Secret-4242" "a secret plan name stays masked in $f"
done
run "$CUTOVER" lint "$T/env.yml"
expect_out "^$T/env.yml: ok: plan '\*\*\*', " "lint masks a secret plan name"

my_sql "DROP USER 'redact1'@'%'; DROP USER 'redact2'@'%';"
done_testing
