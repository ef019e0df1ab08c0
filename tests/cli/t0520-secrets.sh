#!/bin/bash
# t0520-secrets.sh - `cutover secrets scan`: a tree with one credential
# of every kind (generated here, random, never real), the exact text
# lines, JSON and SARIF, that no output ever holds a full secret, the
# allowlist, excludes, .git/ and binary files skipped, stdin, bad input.
. "$(dirname "$0")/lib.sh"
cd "$T"

rnd() {	# rnd N ALPHABET: N random characters
	LC_ALL=C tr -dc "$2" < /dev/urandom | head -c "$1"
}
AL='A-Za-z0-9'
AKIA="AKIA$(rnd 16 'A-Z2-7')"
AWSSEC=$(rnd 40 "$AL/+")
GOOG="AIza$(rnd 35 "$AL"_-)"
SLACK="xoxb-$(rnd 11 0-9)-$(rnd 24 "$AL")"
TG="$(rnd 10 0-9):AA$(rnd 33 "$AL")"
GHP="ghp_$(rnd 36 "$AL")"
JWT="eyJ$(rnd 20 "$AL").eyJ$(rnd 40 "$AL").$(rnd 43 "$AL"_-)"
STRIPE="sk_live_$(rnd 32 "$AL")"
PGPW=$(rnd 20 "$AL")
REDISPW=$(rnd 24 "$AL")
# A digit in it: letters-only values are judged by their capitals
# (unit test), and 0.4% of random ones are not taken.
GENERIC="$(rnd 27 "$AL")4"
KEYBODY=$(rnd 64 "$AL+/")
ALL="$AKIA $AWSSEC $GOOG $SLACK $TG $GHP $JWT $STRIPE $PGPW $REDISPW $GENERIC $KEYBODY"

mkdir -p repo/app repo/docs repo/.git repo/node_modules/lib repo/deploy
cat > repo/app/settings.py <<E
import os
AWS_ACCESS_KEY_ID = "$AKIA"
aws_secret_access_key = "$AWSSEC"
GOOGLE_MAPS_KEY = '$GOOG'
password = os.environ["DB_PASSWORD"]
E
cat > repo/app/bot.js <<E
const slack = new WebClient("$SLACK");
const bot = new Telegraf('$TG');
// token: process.env.GITHUB_TOKEN
E
cat > repo/deploy/plan.md <<E
# Datacenter move (pasted from the wiki)

1. Clone with $GHP
2. DATABASE_URL=postgres://app:$PGPW@10.0.0.5:5432/app
3. REDIS_URL=redis://:$REDISPW@10.0.0.6:6379/0
4. curl -H "Authorization: Bearer $JWT" https://api.internal/
5. stripe: $STRIPE
6. db_password = "$GENERIC"
E
printf -- '-----BEGIN RSA PRIVATE KEY-----\n%s\n-----END RSA PRIVATE KEY-----\n' "$KEYBODY" > repo/deploy/id_rsa
cat > repo/docs/template.env <<'E'
DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app
REDIS_URL=redis://:<password>@cache:6379
DB_PASSWORD=REPLACE_ME
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
STRIPE_PUBLISHABLE_KEY=pk_live_abcdefghijklmnopqrstuvwx
-----BEGIN PUBLIC KEY-----
E
echo "token = $GHP" > repo/.git/config
echo "const k = '$GHP';" > repo/node_modules/lib/x.js
printf 'bin\0ary %s\n' "$GHP" > repo/app/blob.bin

run "$CUTOVER" secrets scan repo
expect_rc 1 "findings exit 1"
want='repo/app/bot.js:1:30: slack-token: xoxb-***
repo/app/bot.js:2:27: telegram-bot-token: ***
repo/app/settings.py:2:22: aws-access-key-id: AKIA***
repo/app/settings.py:3:1: aws-secret-access-key: aws_secret_access_key = "***
repo/app/settings.py:4:20: google-api-key: AIza***
repo/deploy/id_rsa:1:1: private-key: -----BEGIN RSA PRIVATE KEY----- ***
repo/deploy/plan.md:3:15: github-token: ghp_***
repo/deploy/plan.md:4:17: url-password: postgres://app:***@
repo/deploy/plan.md:5:14: url-password: redis://:***@
repo/deploy/plan.md:6:35: jwt: eyJ***
repo/deploy/plan.md:7:12: stripe-key: sk_live_***
repo/deploy/plan.md:8:4: generic-secret: db_password = "***
repo/node_modules/lib/x.js:1:12: github-token: ghp_***'
expect_eq "$out" "$want" "exact findings: every rule; nothing from .git/, binaries, templates"
expect_err '^secrets: 13 findings in 6 files; 1 binary file skipped$' "summary on stderr (the binary is not counted, but said)"

# No output format ever contains a full secret.
"$CUTOVER" secrets scan repo > all.txt 2>&1
"$CUTOVER" secrets scan repo --format json > all.json 2>&1
"$CUTOVER" secrets scan repo --format sarif > all.sarif 2>&1
"$CUTOVER" secrets scan repo --format sarif -o out.sarif 2>>all.txt
leaked=0
for s in $ALL; do
	for f in all.txt all.json all.sarif out.sarif; do
		if grep -Fq -- "${s:4}" "$f"; then leaked=$((leaked + 1)); echo "# $f shows ${s:0:4}..."; fi
	done
done
expect_eq "$leaked" 0 "no format shows a secret (text, json, sarif)"

# JSON and SARIF are what their readers expect.
if jq -e '.count == 13 and (.findings | length) == 13 and
    (.findings[0] | has("file") and has("line") and has("column") and has("rule")
    and has("match") and (.fingerprint | test("^[0-9a-f]{16}$")))' all.json >/dev/null; then
	ok "json findings"; else fail "json findings" "$(head -c 600 all.json)"; fi
if jq -e '.version == "2.1.0" and (.runs[0].results | length) == 13 and
    (.runs[0].tool.driver.rules | length) >= 12 and
    (.runs[0].results[0].locations[0].physicalLocation.region.startLine >= 1) and
    (.runs[0].results | all(.ruleId != null and .partialFingerprints != null))' all.sarif >/dev/null; then
	ok "sarif 2.1.0 shape"; else fail "sarif" "$(head -c 600 all.sarif)"; fi
cmp -s all.sarif out.sarif && ok "-o writes the same" || fail "-o output differs"

# The allowlist accepts a known finding by fingerprint.
fp=$(jq -r '.findings[] | select(.rule == "private-key") | .fingerprint' all.json)
printf '# the deploy key is rotated and kept for the record\n%s  # deploy key\n' "$fp" > allow.txt
run "$CUTOVER" secrets scan repo --allowlist allow.txt
expect_rc 1 "others still found"
expect_no "private-key" "the allowlisted finding is gone"
expect_err "12 findings" "12 remain"
# The fingerprint follows the secret, not the line or the file.
mkdir moved && { echo; echo; cat repo/deploy/id_rsa; } > moved/key.pem
run "$CUTOVER" secrets scan moved --allowlist allow.txt
expect_rc 0 "a moved key is still accepted"
printf 'not-a-fingerprint\n' > badallow.txt
run "$CUTOVER" secrets scan repo --allowlist badallow.txt
expect_rc 2 "a malformed allowlist"
expect_err "badallow.txt:1: expected a 16-digit fingerprint" "names file and line"

# Excludes.
run "$CUTOVER" secrets scan repo --exclude deploy/ --exclude '*.py' -x node_modules/
expect_rc 1 "excludes"
expect_no "plan.md" "directory excluded"
expect_no "settings.py" "glob excluded"
expect_out "bot.js" "the rest is scanned"
printf '# ignore\n/app\n/deploy/plan.md\n' > ignore.txt
run "$CUTOVER" secrets scan repo --exclude-from ignore.txt -x node_modules
expect_out '^repo/deploy/id_rsa:' "anchored patterns from a file"
expect_no "bot.js" "anchored dir excluded"
expect_no "plan.md" "anchored file excluded"

# Clean trees pass; stdin; bad input.
run "$CUTOVER" secrets scan repo/docs
expect_rc 0 "placeholders and near misses are not findings"
printf 'x\nexport GITHUB_TOKEN=%s\n' "$GHP" | "$CUTOVER" secrets scan - > stdin.out 2>/dev/null
expect_eq "$?:$(cat stdin.out)" "1:-:2:21: github-token: ghp_***" "stdin"
run "$CUTOVER" secrets scan nope
expect_rc 2 "a missing path"
expect_err "cannot read 'nope'" "names it"
run "$CUTOVER" secrets scan repo --format xml
expect_rc 2 "an unknown format"
run "$CUTOVER" secrets scan
expect_rc 2 "no path"
run "$CUTOVER" secrets rules
expect_rc 0 "rules"
expect_out '^url-password ' "lists rules"
run "$CUTOVER" secrets scna repo
expect_err "did you mean 'scan'" "a misspelt verb"
run "$CUTOVER" secrets scan --help
expect_out "usage: cutover secrets scan" "--help"
# Seed-shaped documents: the redacted and placeholder forms real runbooks
# use are not findings; the datacenter plan with a pasted key and password
# (generated here) gives exactly those two, on their lines.
run "$CUTOVER" secrets scan "$ROOT/tests/data/secrets/clean"
expect_rc 0 "seed-shaped documents without credentials"
expect_err '^secrets: 0 findings in 7 files$' "all seven scanned"
GK="AIza$(rnd 35 "$AL")"
sed -e "s/@@GOOGLE_KEY@@/$GK/" -e "s/@@DB_PASSWORD@@/$PGPW/" \
    "$ROOT/tests/data/secrets/datacenter-plan.md.in" > plan.md
run "$CUTOVER" secrets scan plan.md
expect_rc 1 "the pasted key and password are found"
expect_eq "$out" "plan.md:8:25: google-api-key: AIza***
plan.md:14:18: url-password: postgresql://gen_user:***@" "exactly the two, on their lines"
# Paths that cannot be read, or must not be opened (issue 11 #10, #11).
mkdir -p odd/sub
printf 'export GITHUB_TOKEN=%s\n' "$GHP" > odd/sub/ok.env
mkfifo odd/pipe
run timeout 10 "$CUTOVER" secrets scan odd/pipe
expect_rc 2 "a FIFO named as an argument: not opened, not a pass"
expect_err '^secrets: skipped odd/pipe: a FIFO, not scanned$' "says why"
run timeout 10 "$CUTOVER" secrets scan odd
expect_rc 1 "a FIFO inside a walked directory does not block the scan"
expect_err '^secrets: skipped odd/pipe: a FIFO$' "and is named"
# The secrets check kind: what could not be read fails the check.
cat > fifo-plan.yml <<'E'
cutover: 1
name: t0520
checks:
  - { id: scan, kind: secrets, paths: [odd/pipe], timeout: 5s }
E
run timeout 20 "$CUTOVER" check fifo-plan.yml --format json
expect_rc 1 "a secrets check on a FIFO fails"
expect_eq "$(printf '%s' "$out" | jq -r '.results[0].message')" \
    "1 path could not be read, first odd/pipe: a FIFO, not scanned" "and says why"
run timeout 10 "$CUTOVER" secrets scan odd/sub --allowlist odd/pipe
expect_rc 2 "a FIFO as the allowlist is refused, not waited on"
expect_err "'odd/pipe' is a FIFO, not an allowlist" "says so"
run timeout 10 "$CUTOVER" secrets scan odd/sub --exclude-from odd/pipe
expect_rc 2 "a FIFO as the pattern file is refused"
rm odd/pipe
# As an unprivileged user, against a root-owned 0600 file and 0700 dir.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 odd odd/sub && chmod 644 odd/sub/ok.env
	mkdir odd/locked && printf 'DB_PASSWORD=%s\n' "$GENERIC" > odd/locked/x.env
	chmod 700 odd/locked
	printf 'DB_PASSWORD=%s\n' "$GENERIC" > odd/secret.env && chmod 600 odd/secret.env
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	run nobody "$CUTOVER" secrets scan odd/secret.env
	expect_rc 2 "an unreadable file named as an argument fails"
	expect_err '^secrets: skipped odd/secret.env: cannot read: Permission denied$' "names it"
	run nobody "$CUTOVER" secrets scan odd
	expect_rc 2 "unreadable files and directories in a walk fail the scan"
	expect_err '^secrets: skipped odd/locked: cannot read the directory: Permission denied$' "the directory is named"
	expect_err '^secrets: skipped odd/secret.env: cannot read: Permission denied$' "the file is named"
	expect_out 'odd/sub/ok.env:1:21: github-token' "what could be read is still scanned"
	run nobody "$CUTOVER" secrets scan odd --skip-unreadable
	expect_rc 1 "--skip-unreadable: the verdict of what was read"
	rm -rf odd/locked odd/secret.env
	printf 'nothing here\n' > odd/sub/ok.env
	printf 'DB_PASSWORD=%s\n' "$GENERIC" > odd/secret.env && chmod 600 odd/secret.env
	run nobody "$CUTOVER" secrets scan odd --skip-unreadable
	expect_rc 0 "--skip-unreadable with nothing found in the rest"
	expect_err 'skipped odd/secret.env' "still names what it skipped"
	rm -f odd/secret.env
else
	echo "skipped: unreadable paths (needs root and setpriv)"
fi
# A file of size 0 to stat that is not empty: /proc/PID/environ.
env GH_TOKEN="$GHP" sleep 30 &
spid=$!
sleep 0.2
run "$CUTOVER" secrets scan /proc/$spid/environ
kill $spid
expect_rc 1 "/proc/PID/environ is read to its end"
expect_out "^/proc/$spid/environ:[0-9]+:10: github-token: ghp_\\*\\*\\*$" "the token in the environment"
# Any depth: a secret 70 levels down (walks stopped at 64, silently).
d=deep
for i in $(seq 1 70); do d="$d/d"; done
mkdir -p "$d"
printf 'export GITHUB_TOKEN=%s\n' "$GHP" > "$d/x.env"
run "$CUTOVER" secrets scan deep
expect_rc 1 "a secret 70 directories down is found"
expect_out "^$d/x.env:1:21: github-token" "named"

# Files are read in windows with overlap: a token across the 4 MiB edge
# of a one-line file is found, and memory stays bounded by the window.
W=$((4 * 1024 * 1024))
for at in $((W - 20)) $((W - 65536 - 5)) $((2 * W - 2 * 65536 - 20)) $((2 * W - 3 * 65536 - 20)); do
	{ head -c $((at - 7)) /dev/zero | tr '\0' 'a'; printf ' token=%s ' "$GHP"; head -c 1000 /dev/zero | tr '\0' 'b'; } > edge.txt
	run "$CUTOVER" secrets scan edge.txt
	expect_rc 1 "a token at byte $at of a one-line file (windows of $W)"
	expect_eq "$out" "edge.txt:1:$((at + 1)): github-token: ghp_***" "found once, at its column"
done
if [ -x /usr/bin/time ]; then
	head -c 400000000 /dev/zero | tr '\0' 'x' > big.txt
	printf ' password=%s\n' "$GENERIC" >> big.txt
	ln big.txt big2.txt
	/usr/bin/time -f '%M' -o rss.txt "$CUTOVER" secrets scan big.txt big2.txt -j 2 > big.out 2>/dev/null
	rc=$?
	rss=$(tail -n 1 rss.txt)
	expect_eq "$rc:$(grep -c generic-secret big.out)" "1:2" "the secret at the end of a 400 MB line, twice"
	if [ "$rss" -lt 65536 ]; then ok "peak RSS ${rss} KiB for two 400 MB files at -j 2"; else
		fail "peak RSS ${rss} KiB for two 400 MB files (bounded windows expected)"; fi
	rm -f big.txt big2.txt
else
	echo "skipped: peak RSS (no /usr/bin/time)"
fi
done_testing
