#!/bin/bash
# t0236-redaction-inputs.sh - secrets that arrive by less travelled roads:
# a URL parameter other than password= (sslpassword, *token*, *secret*),
# `confirm --by/--note`, a plan name built from a secret (it names the
# journal file and the run), the dry run.
. "$(dirname "$0")/lib.sh"
cd "$T"
export NAME_SECRET=Plan-Secret-6161 NOTE_SECRET=Note-Secret-5151
SSLPW=Ssl-Pw-Secret-4141
TOKPW=Tok-Param-3131
SECRETS="$NAME_SECRET $NOTE_SECRET $SSLPW $TOKPW Ssl-Pw-Secret Tok-Param"

# no_secrets FILE DESC: none of the secret values is in FILE.
no_secrets() {
	local s leaked=""
	for s in $SECRETS; do
		grep -qaF -- "$s" "$1" && leaked="$leaked $s"
	done
	if [ -z "$leaked" ]; then ok "$2: no secret"; else
		fail "$2: leaks$leaked" "$(grep -aF -e "${SECRETS// / -e }" "$1" | head -5)"
	fi
}

# 1. Secret-bearing URL parameters, in error messages that print the URL.
cat >urls.yml <<EOF
cutover: 1
name: urls
targets:
  pg: postgres://app@127.0.0.1:99999/db?sslmode=require&sslpassword=$SSLPW
  web: https://127.0.0.1:1/x?api_token=$TOKPW
checks:
  - { id: q, kind: sql, target: pg, query: "SELECT 1" }
  - { id: h, kind: http, url: "https://127.0.0.1:1/health?token=$TOKPW" }
EOF
"$CUTOVER" lint urls.yml >lint.out 2>&1
no_secrets lint.out "lint of a URL with sslpassword"
grep -qF 'sslpassword=***' lint.out && ok "the parameter shows the mask" ||
	fail "sslpassword mask" "$(cat lint.out)"
"$CUTOVER" diff "postgres://a@127.0.0.1:99999/x?sslpassword=$SSLPW" sqlite:x.db >diff.out 2>&1
no_secrets diff.out "diff of a bad URL with sslpassword"
sed -i 's/:99999/:1/' urls.yml
for f in text json; do
	"$CUTOVER" check urls.yml -f $f >"check.$f" 2>&1
	no_secrets "check.$f" "check -f $f with secret URL parameters"
done

# 2. confirm --by and --note, printed, journaled, shown by check and list.
cat >confirm.yml <<'EOF'
cutover: 1
name: confirm
secrets: [NOTE_SECRET]
checks:
  - { id: asked, kind: manual, ask: "Backup tested?" }
EOF
"$CUTOVER" confirm confirm.yml asked --by "ops-$NOTE_SECRET" \
    --note "key is $NOTE_SECRET" >confirm.out 2>&1
no_secrets confirm.out "confirm output"
grep -qF 'yes by ops-***' confirm.out && ok "confirm prints the masked name" ||
	fail "confirm --by" "$(cat confirm.out)"
sqlite3 .cutover/confirm.db "SELECT user, note FROM confirmations" >confirm.db.txt
no_secrets confirm.db.txt "confirmations row"
grep -qF 'ops-***|key is ***' confirm.db.txt && ok "the journal keeps the masked answer" ||
	fail "confirmations row" "$(cat confirm.db.txt)"
"$CUTOVER" confirm confirm.yml </dev/null >list.out 2>&1
no_secrets list.out "confirm listing"
"$CUTOVER" check confirm.yml -f json >manual.json 2>&1
no_secrets manual.json "manual check result"

# 3. A plan named after a secret: journal file name, runs.plan_name, run
#    output, report, dry run.
cat >named.yml <<'EOF'
cutover: 1
name: db-${env:NAME_SECRET}
secrets: [NAME_SECRET]
phases:
  - id: p
    title: Phase for ${env:NAME_SECRET}
    steps:
      - { id: s, title: "Step ${env:NAME_SECRET}", run: [echo, hello] }
EOF
"$CUTOVER" run named.yml --dry-run >dry.out 2>&1
no_secrets dry.out "dry run"
grep -qF 'journal: ./.cutover/db-___.db' dry.out && ok "the journal's name is the masked name" ||
	fail "dry run journal" "$(cat dry.out)"
"$CUTOVER" run named.yml >run.out 2>&1
expect_eq "$?" 0 "a plan named after a secret runs"
no_secrets run.out "run output"
ls -a .cutover >files.txt
no_secrets files.txt "journal file names"
[ -f .cutover/db-___.db ] && ok "the journal is .cutover/db-___.db" ||
	fail "journal file" "$(cat files.txt)"
sqlite3 "$(ls .cutover/db-*.db | head -1)" "SELECT plan_name FROM runs" >runs.txt
no_secrets runs.txt "runs.plan_name"
expect_eq "$(cat runs.txt)" "db-***" "runs.plan_name is the masked name"
for f in json md html; do
	"$CUTOVER" report named.yml --format $f >"report.$f" 2>&1
	no_secrets "report.$f" "report -f $f of a secretly named plan"
done

done_testing
