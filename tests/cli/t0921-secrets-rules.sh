#!/bin/bash
# t0921-secrets-rules.sh - `secrets scan --rules FILE`: a custom rule
# finds its secret and masks it in text, JSON and SARIF (files and
# --git); keywords gate a rule; allowlists (a rule's and the global one:
# regexes on the secret or the line, path regexes) suppress findings;
# use_default: false keeps only the file's rules; a bad rules file (YAML
# syntax, unknown key, bad or unbounded regex) is exit 2 with
# FILE:LINE:COL and never the secret.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

K1=acme_k3j4h5g6f7d8s9a0q1w2e3r4t5y6u7i8
K2=acme_0000h5g6f7d8s9a0q1w2e3r4t5y6u7i8
K3=acme_z9x8c7v6b5n4m3l2k1j0h9g8f7d6s5a4
PW=Xq9vLm2Pz8Rt7Wk
cat >rules.yml <<'R'
rules:
  - id: acme-key
    description: ACME API key
    regex: '\b(acme_[a-z0-9]{32})\b'
    entropy: 3.0
    keywords: [ACME_]
    allowlist:
      paths: ['^src/fixtures/']
  - id: internal-pass
    regex: '(?i)intpass[ \t]{0,8}=[ \t]{0,8}([A-Za-z0-9]{12,64})'
    allowlist:
      regexes: ['#[ \t]{0,4}test-only']
      regex_target: line
allowlist:
  regexes: ['^acme_0{4}']
R
mkdir -p src/fixtures
echo "key = $K1" >src/app.txt
echo "key = $K1" >src/fixtures/app.txt
echo "key = $K2" >src/zeros.txt
printf 'intpass = %s\nintpass = %s-t # test-only\n' "$PW" "$PW" >src/conf.txt

run "$CUTOVER" secrets scan --rules rules.yml src
expect_rc 1 "a custom rule's finding exits 1"
expect_out "^src/app\.txt:1:7: acme-key: \*\*\*$" "the custom rule finds its secret, masked"
expect_out "^src/conf\.txt:1:1: internal-pass: intpass = \*\*\*$" "the secret group is masked, the rest shown"
expect_eq "$(printf '%s\n' "$out" | wc -l)" 2 "allowlists: the path, the global secret regex, the line regex"
expect_err "2 findings in 4 files \(some accepted by the allowlist\)" "the summary says some were accepted"
expect_no "$K1" "text: never the secret"
expect_no "$PW" "text: never the password"
run "$CUTOVER" secrets scan src
expect_eq "$(printf '%s\n' "$out" | grep -c 'acme-key\|internal-pass')" 0 "without --rules, no custom rule"

run "$CUTOVER" secrets scan --rules rules.yml src -f json
expect_rc 1 "json"
jq -e '[.findings[].rule] == ["internal-pass","acme-key"] or [.findings[].rule] == ["acme-key","internal-pass"]' \
    <<<"$out" >/dev/null && ok "JSON has both custom findings" || fail "json findings" "$out"
expect_no "$K1" "JSON: never the secret"
run "$CUTOVER" secrets scan --rules rules.yml src -f sarif
expect_rc 1 "sarif"
jq -e '.runs[0].results | map(select(.ruleId == "acme-key")) | length == 1' <<<"$out" >/dev/null &&
	ok "SARIF: the custom rule's result" || fail "sarif result" "$out"
jq -e '.runs[0] as $r | $r.results[] | select(.ruleId == "acme-key") | $r.tool.driver.rules[.ruleIndex].id == "acme-key"' \
    <<<"$out" >/dev/null && ok "SARIF: ruleIndex points at the custom rule" || fail "sarif index" "$out"
jq -e '.runs[0].tool.driver.rules | map(.id) | index("aws-access-key-id") != null and index("acme-key") != null' \
    <<<"$out" >/dev/null && ok "SARIF: built-in and custom rules listed" || fail "sarif rules" "$out"
jq -e '.runs[0].tool.driver.rules[] | select(.id == "acme-key") | .shortDescription.text == "ACME API key"' \
    <<<"$out" >/dev/null && ok "SARIF: the description" || fail "sarif description" "$out"
expect_no "$K1" "SARIF: never the secret"

# Keywords gate a rule: without "acme_" anywhere (any case) it never runs.
cat >kw.yml <<'R'
rules:
  - id: bare-hex
    regex: '\b[0-9a-f]{40}\b'
    keywords: [commit-sig]
R
echo "x 3f786850e387550fdab836ed7e6dc881de23001b" >nokw.txt
echo "COMMIT-SIG 3f786850e387550fdab836ed7e6dc881de23001b" >kw.txt
run "$CUTOVER" secrets scan --rules kw.yml nokw.txt kw.txt
expect_out "^kw\.txt:1:12: bare-hex: " "a keyword (another case) lets the rule run"
expect_eq "$(printf '%s\n' "$out" | grep -c '^nokw')" 0 "no keyword, no finding"

# use_default: false: only the file's rules.
printf 'token: ghp_Zq8Jx2Lw9Vb4Nm7Rt1Ys6Uc3Pk5Hd0Fg2Ae8\nkey = %s\n' "$K3" >mixed.txt
run "$CUTOVER" secrets scan --rules rules.yml mixed.txt
expect_out "github-token" "built-in rules run beside the file's"
{ echo "use_default: false"; cat rules.yml; } >only.yml
run "$CUTOVER" secrets scan --rules only.yml mixed.txt
expect_eq "$(printf '%s\n' "$out" | cut -d: -f4 | tr -d ' ')" "acme-key" "use_default: false keeps only the file's rules"
run "$CUTOVER" secrets rules --rules only.yml
expect_eq "$out" "acme-key               ACME API key (min entropy 3.0)
internal-pass          internal-pass (min entropy 0.0)" "secrets rules --rules lists them"

# The built-in rules' own regexes pass the bound: what it accepts is what
# the scanner's window overlap relies on already.
"$CUTOVER" secrets rules --regex | awk -F'\t' '
	BEGIN { print "use_default: false"; print "rules:" }
	{ gsub("\047", "\047\047", $2); printf "  - id: copy-%s\n    regex: \047%s\047\n", $1, $2 }' >copy.yml
run "$CUTOVER" secrets rules --rules copy.yml
expect_rc 0 "the built-in regexes are accepted as custom rules"
expect_eq "$(printf '%s\n' "$out" | wc -l)" "$("$CUTOVER" secrets rules | wc -l)" "all of them"
run "$CUTOVER" secrets scan --rules copy.yml mixed.txt
expect_out "copy-github-token" "and find what they find"

# --git: the history, with the custom rule.
if command -v git >/dev/null; then
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
	git init -q -b main repo && (cd repo && echo "k=$K3" >old.txt &&
		git add . && git commit -qm a && git rm -q old.txt && git commit -qm b &&
		mkdir -p src/fixtures && echo "k=$K1" >src/fixtures/f.txt && git add . && git commit -qm c)
	run "$CUTOVER" secrets scan --git repo --rules rules.yml
	expect_rc 1 "--git with rules"
	expect_out "^[0-9a-f]{12}:old\.txt:1:3: acme-key: \*\*\*$" "--git: a deleted secret found by the custom rule"
	expect_eq "$(printf '%s\n' "$out" | grep -c fixtures)" 0 "--git: the path allowlist applies to history paths"
	expect_no "$K3" "--git: never the secret"
else
	ok "skipped --git part: git is not installed"
fi

# Bad rules files: exit 2, FILE:LINE:COL, one line, no secret.
bad() {	# NAME CONTENT PATTERN DESC
	printf '%s\n' "$2" >"$1"
	run "$CUTOVER" secrets scan --rules "$1" src
	expect_rc 2 "$4"
	expect_err "^cutover: $1:$3" "$4: the message"
	expect_eq "$(printf '%s\n' "$err" | wc -l)" 1 "$4: one line"
}
bad b1.yml 'rules: [' "2:1: " "YAML syntax"
bad b2.yml $'rules:\n  - id: x\n    regx: "a"' "3:5: unknown key 'regx' in a rule; did you mean 'regex'\\?" "unknown key"
bad b3.yml $'rules:\n  - id: x\n    regex: "(ab"' "3:12: 'regex': missing closing parenthesis" "a regex that does not compile"
bad b4.yml $'rules:\n  - id: x\n    regex: "key=[a-z]+"' "3:12: 'regex': the regex has an unbounded repetition" "an unbounded regex"
bad b5.yml $'rules:\n  - id: x\n    regex: "(a{0,1000}){0,1000}"' "3:12: 'regex': the regex can match more than 65536 bytes" "a regex over 64 KiB"
bad b6.yml $'rules:\n  - id: x\n    regex: "(a)\\\\1"' "3:12: 'regex': the regex has a back-reference" "a back-reference"
bad b7.yml $'rules:\n  - id: x\n    regex: "a"\n    secret_group: 2' "4:19: 'secret_group' is 2 but the regex has 0 capture groups" "secret_group beyond the groups"
bad b8.yml $'rules:\n  - id: aws-access-key-id\n    regex: "a"' "2:9: 'aws-access-key-id' is a built-in rule's id" "a built-in id"
bad b9.yml $'allowlist:\n  regexes: ["x"]\n  regex_target: everything' "3:17: 'regex_target' is secret, match or line" "a bad regex_target"
bad b10.yml $'rules:\n  - id: x\n    regex: "a"\n    entropy: lots' "4:14: 'entropy' is a number" "a bad entropy"
bad b11.yml $'rules:\n  - description: no id' "2:5: a rule needs 'id' and 'regex'" "a rule without id"
bad b12.yml $'rules:\n  - id: x\n    regex: "a"\n    keywords: []' "4:15: 'keywords' must be a non-empty list" "empty keywords"
bad b13.yml $'rules:\n  - id: x\n    regex: "a"\n  - id: x\n    regex: "b"' "4:9: rule 'x' is defined twice" "a duplicate id"
bad b16.yml $'rules:\n  - id: x\n    regex: \'a{60000}[\\Q]|\\E]b{60000}\'' "3:12: 'regex': the regex can match more than" "an alternation hidden in a class's quoted part"
bad b17.yml $'rules:\n  - id: x\n    regex: "(?x)a {9}"' "3:12: 'regex': the regex sets extended mode" "extended mode"
bad b18.yml $'rules:\n  - id: x\n    regex: "a"\n    id: y' "4:5: 'id' is given twice in a rule" "a key twice"
bad b14.yml $'allowlist:\n  paths: ["(*"]' "2:11: 'paths': " "a bad path regex"
printf 'rules:\n  - id: x\n    regex: "%s{0,3}"\n' "$PW" >b15.yml
run "$CUTOVER" secrets scan --rules b15.yml nokw.txt
expect_rc 0 "a rule whose regex holds a literal is fine"
run "$CUTOVER" secrets scan --rules missing.yml src
expect_rc 2 "a missing rules file"
expect_err "missing\.yml" "names the file"
: >empty.yml
run "$CUTOVER" secrets scan --rules empty.yml src
expect_rc 2 "an empty rules file"
expect_err "^cutover: empty\.yml:1:1: empty rules file" "says so"

# The plan's `secrets` check takes the same rules file.
cat >plan.yml <<P
cutover: 1
name: rules-check
checks:
  - { id: custom, kind: secrets, paths: [src], rules: rules.yml }
  - { id: builtin, kind: secrets, paths: [src] }
P
run "$CUTOVER" check plan.yml --format json
expect_rc 1 "a plan check with rules: fails on the custom findings"
expect_eq "$(jq -r '.results[] | select(.id == "custom") | "\(.status) \(.value)"' <<<"$out")" "fail 2" "rules: finds the two custom secrets"
expect_eq "$(jq -r '.results[] | select(.id == "builtin") | .status' <<<"$out")" "pass" "without rules:, the same paths pass"
expect_no "$K1" "check output: never the secret"
printf 'rules: [oops\n' >broken.yml
sed -i 's/rules: rules.yml/rules: broken.yml/' plan.yml
run "$CUTOVER" check plan.yml
expect_rc 1 "a broken rules file fails the check"
expect_out "broken\.yml:[0-9]+:[0-9]+" "naming the rules file's position"

# A rule that runs into PCRE2's match limit has not looked at the rest of
# the file: the scan fails naming the rule, it does not say "0 findings".
printf '%s\n' 'use_default: false' 'rules:' '  - id: slow' \
    "    regex: '(?:a|ab|ba|b){1,1000}(?:\\w{1,1000}){1,10}c'" >slow.yml
python3 -c "print('ab' * 3000 + '!c')" >slow.txt
run "$CUTOVER" secrets scan --rules slow.yml slow.txt
expect_rc 2 "a rule past its match limit fails the scan"
expect_err "slow\.txt: rule slow stopped at byte 0: match limit exceeded" "naming the file and the rule"

done_testing
