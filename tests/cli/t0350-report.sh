#!/bin/bash
# t0350-report.sh - `cutover report`: Markdown and JSON of a rolled-back
# run compared with the expected documents (times, durations, user, host
# and the plan's hash normalised), and the HTML report opened in headless
# Chromium and screenshotted.
. "$(dirname "$0")/lib.sh"
cd "$T"
cp "$ROOT/tests/plans/runbook/rollback.yml" plan.yml
EXP=$ROOT/tests/plans/runbook

run "$CUTOVER" run plan.yml
expect_rc 1 "the run rolls back (its gate fails)"

norm() {
	perl -pe 's/\d{4}-\d\d-\d\dT[\d:.]+Z/TIME/g;
	    s/(?<![\w.])\+?\d+(\.\d+)?(us|ms|s)\b/DUR/g;
	    s/sha256 [0-9a-f]{12}/sha256 SHA/g' |
	    sed "s/by $(id -un) on $(hostname)/by USER on HOST/g"
}

"$CUTOVER" report plan.yml | norm >report.md
expect_eq "${PIPESTATUS[0]}" 1 "report of a rolled-back run exits 1"
if diff -u "$EXP/rollback.report.md" report.md >diff.out; then
	ok "Markdown report matches the expected document"
else
	fail "Markdown report differs" "$(cat diff.out)"
fi

"$CUTOVER" report plan.yml --format json -o report.json
expect_eq "$?" 1 "json report to a file"
jq -S 'del(.user, .host, .plan_sha256) | walk(if type == "object" then
    with_entries(select(.key | test("_at$|^duration_ms$") | not)) else .
    end) | .timeline |= map(.event)' report.json | norm >report.norm.json
if diff -u "$EXP/rollback.report.json" report.norm.json >diff.out; then
	ok "JSON report matches the expected document"
else
	fail "JSON report differs" "$(cat diff.out)"
fi
# Times are there, just not compared: every step has a start and an end.
expect_eq "$(jq '[.phases[].steps[] | select(.started_at == null or .ended_at == null)] | length' report.json)" \
    0 "every step has start and end times"
expect_eq "$(jq -r '.downtime.duration_ms > 0' report.json)" "true" "downtime measured"

# The HTML report: one self-contained file, rendered by Chromium.
run "$CUTOVER" report plan.yml --format html -o report.html
expect_rc 1 "html report"
head -c 15 report.html | grep -q '<!DOCTYPE html>' && ok "html document" ||
	fail "not an html document"
if grep -Eiq '(src|href)=|@import|url\(' report.html; then
	fail "the html report references outside resources"
else
	ok "the html report is self-contained (no src, href, @import, url())"
fi
grep -q '@media print' report.html && ok "print styles" || fail "no print styles"
grep -q 'NO-GO: rolled back' report.html && ok "html shows the verdict" ||
	fail "html lacks the verdict"
grep -q '<td>R1 Copy incomplete</td>' report.html && ok "html has the risk matrix" ||
	fail "html lacks the risk matrix"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	fail "chromium is not installed (make deps installs it)"
else
	prof=$(mktemp -d)
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --user-data-dir="$prof" \
	    --window-size=1200,1600 --screenshot="$T/report.png" \
	    "file://$T/report.html" >chromium.log 2>&1
	rm -rf "$prof"
	size=$(stat -c %s report.png 2>/dev/null || echo 0)
	if [ "$size" -gt 30000 ] && [ "$(head -c 8 report.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
		ok "chromium rendered the html report ($size bytes of PNG)"
	else
		fail "no screenshot of the html report ($size bytes)" "$(tail -5 chromium.log)"
	fi
	# A blank page compresses to almost nothing: make sure it is not blank.
	colours=$(python3 -c 'import sys,zlib,struct
d=open(sys.argv[1],"rb").read()
print(len(set(d[i:i+3] for i in range(100, min(len(d), 40000), 7))))' report.png)
	[ "$colours" -gt 100 ] && ok "the screenshot is not blank" ||
		fail "the screenshot looks blank ($colours)"
fi

run "$CUTOVER" report plan.yml --format md -o /nonexistent/dir/r.md
expect_rc 2 "unwritable output"
expect_err "cannot write '/nonexistent/dir/r.md'" "names the file"
run "$CUTOVER" report plan.yml --run 9
expect_rc 2 "a run that does not exist"
expect_err "no run 9" "says so"

# ---- a hostile NO-GO run: what differs, who owns it, nothing raw -----
# A data diff that finds one changed row fails the gate; a step's output
# and the plan's description carry raw HTML, ESC and bytes that are not
# UTF-8; the plan's name interpolates a secret.
mkdir -p "$T/h" && cd "$T/h"
sqlite3 src.db "CREATE TABLE users (id integer primary key, email text); INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x'), (3, 'c@x')"
sqlite3 dst.db "CREATE TABLE users (id integer primary key, email text); INSERT INTO users VALUES (1, 'a@x'), (2, 'B@x'), (3, 'c@x')"
printf 'out \377\376 \357\277\276 \001 \033[2J\033[32mpass <script>alert(1)</script>\n' >hostile.txt
cat >plan.yml <<EOF
cutover: 1
name: "h-\${PW}"
description: "Move <script>alert(1)</script> \e[31m now"
secrets: [PW]
vars: { PW: "Hunter2-Secret-77" }
targets:
  src: sqlite://$T/h/src.db
  dst: sqlite://$T/h/dst.db
checks:
  - { id: same, kind: data-diff, source: src, target: dst, description: "Check <i>c</i> key \${PW}" }
risks:
  - { id: R1, title: Rows lost, description: "Risk <script>r</script> key \${PW}", level: high, impact: Data loss, mitigated_by: [same], owner: Dana Ops, causes: [Copy cut short] }
phases:
  - id: cut
    title: The cut
    description: "Phase <script>p</script> key \${PW}"
    steps:
      - { id: copy, title: Copy the users table, description: "Step <script>s</script> key \${PW}", shell: "cat hostile.txt", undo: { shell: "true" } }
      - { id: noisy, title: A noisy step, shell: "cat hostile.txt; exit 0" }
    gate: [same]
EOF
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "hostile: the gate fails (one changed row)"
"$CUTOVER" report plan.yml -o r.md
"$CUTOVER" report plan.yml -f html -o r.html
"$CUTOVER" report plan.yml -f json -o r.json
expect_eq "$(stat -c %a r.md r.html r.json | sort -u)" 600 "reports are 0600"
python3 - r.md r.html r.json >check.out 2>&1 <<'PY'
import json, sys
bad = []
for f in sys.argv[1:]:
    raw = open(f, "rb").read()
    try:
        text = raw.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        bad.append("%s: not UTF-8: %s" % (f, e)); continue
    ctl = sorted({hex(ord(c)) for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) < 0xa0})
    if ctl: bad.append("%s: control characters %s" % (f, ctl))
    if "Hunter2-Secret-77" in text: bad.append("%s: the secret" % f)
    if not f.endswith(".json") and "<script>" in text.replace("```", ""):
        # Inside a fenced code block raw text is shown, not run; elsewhere never.
        outside = "".join(text.split("```")[0::2]) if f.endswith(".md") else text
        if "<script>" in outside: bad.append("%s: raw <script>" % f)
j = json.load(open("r.json", encoding="utf-8"))
det = [c["detail"] for c in j["checks"] if c["id"] == "same"][0] or ""
if "id=2" not in det: bad.append("json: the changed key is missing: %r" % det)
if [r["owner"] for r in j["risks"]] != ["Dana Ops"]: bad.append("json: owner")
if [r["causes"] for r in j["risks"]] != [["Copy cut short"]]: bad.append("json: causes")
titles = [s["title"] for p in j["phases"] for s in p["steps"]]
if titles != ["Copy the users table", "A noisy step"]: bad.append("json: titles %r" % titles)
# Descriptions are shown where titles are, the secret in them masked.
descs = [(p["title"], p["description"]) for p in j["phases"]] + \
    [s["description"] for p in j["phases"] for s in p["steps"]] + \
    [r["description"] for r in j["risks"]]
if descs != [("The cut", "Phase <script>p</script> key ***"), "Step <script>s</script> key ***", None,
    "Risk <script>r</script> key ***"]: bad.append("json: descriptions %r" % descs)
md = open("r.md", encoding="utf-8").read()
for want in ("id=2", "1 changed", "Dana Ops", "causes: Copy cut short", "copy: Copy the users table", "&lt;script&gt;",
    "cut: The cut - Phase &lt;script&gt;p&lt;/script&gt; key ***",
    "copy: Copy the users table - Step &lt;script&gt;s&lt;/script&gt; key ***",
    "R1 Rows lost - Risk &lt;script&gt;r&lt;/script&gt; key ***"):
    if want not in md: bad.append("md lacks %r" % want)
html = open("r.html", encoding="utf-8").read()
for want in ("id=2", "Dana Ops", "Copy the users table", "Step &lt;script&gt;s&lt;/script&gt; key ***",
    "Phase &lt;script&gt;p&lt;/script&gt; key ***", "Risk &lt;script&gt;r&lt;/script&gt; key ***"):
    if want not in html: bad.append("html lacks %r" % want)
print("\n".join(bad) if bad else "reports ok")
PY
grep -qx "reports ok" check.out && ok "hostile: md, html, json are clean and name the row, titles, owner" ||
	fail "hostile reports" "$(cat check.out)"
xmllint --html --noout r.html 2>xml.err && ok "hostile: html parses" || fail "hostile: html" "$(head -5 xml.err)"
run "$CUTOVER" check plan.yml -f json
printf '%s\n' "$out" | jq -e '.results[0].description == "Check <i>c</i> key ***"' >/dev/null &&
	ok "check json: the check's description, masked" || fail "check json description" "$out"
# status: the secret in the name never shows, the step title does.
for f in text json; do
	run "$CUTOVER" status plan.yml -f $f
	expect_no "Hunter2-Secret-77" "status -f $f: the secret in the plan name is redacted"
done
printf '%s\n' "$out" | jq -e '.step == "copy" and .step_kind == "undo" and .step_title == "Copy the users table" and .step_description == "Step <script>s</script> key ***"' >/dev/null &&
	ok "status json: the last step's title and description" || fail "status json" "$out"
run "$CUTOVER" status plan.yml
expect_out '^  last undo: copy "Copy the users table" - Step <script>s</script> key \*\*\*, ok' "status text: the last step's title and description"
rm -rf .cutover
for f in text json; do
	run "$CUTOVER" status plan.yml -f $f
	expect_no "Hunter2-Secret-77" "status -f $f before any run: the secret is redacted"
done
cd "$T"

done_testing
