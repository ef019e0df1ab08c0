#!/bin/bash
# t0220-formats.sh - every output format of `cutover check`, read back by
# a real consumer: jq (JSON), xmllint against tests/data/junit.xsd
# (JUnit), perl's TAP::Parser, the parser under `prove` (TAP), promtool
# (Prometheus), and the text table checked for alignment and colour.
# The run mixes pass, warn, fail and skip, and text that needs escaping in
# every format (quotes, <&>, '#', backslashes, UTF-8).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"

CLOSED=$(free_port)
sqlite3 "$T/lite.db" "CREATE TABLE t (x text)"
printf '%s\n' "line one" "it's <b>&amp; \"fine\" # 50%" >"$T/special.txt"
cat >"$T/plan.yml" <<EOF
cutover: 1
name: formats-demo
checks:
  - id: disk-ok
    title: Root has space "enough" <for> the dump & more
    kind: disk
    path: /
    min_free: 1%
  - { id: closed-port, title: Nothing listens, kind: tcp, address: "127.0.0.1:$CLOSED", expect: closed }
  - id: output-missing
    kind: command
    run: [cat, "$T/special.txt"]
    stdout_contains: nothing-like-this
  - { id: db-down, kind: tcp, address: "127.0.0.1:$CLOSED" }
  - { id: after-db, title: Ünïcödé title ✓, kind: disk, path: /, min_free: 1%, needs: [db-down] }
  - id: quote-threshold
    kind: sql
    target: sqlite://$T/lite.db
    query: SELECT 'rock''n''roll'
    expect: it's
  - { id: echo-ok, kind: command, run: [echo, "it's"], stdout_contains: "it's" }
EOF
# A warning needs an open port with a silly tier; the harness's own
# PostgreSQL serves when run through run-cli.sh, else a python listener.
if [ -n "${PG_URL:-}" ]; then
	OPEN=${PG_URL##*:}; OPEN=${OPEN%%/*}
else
	OPEN=$(free_port)
	python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$OPEN)); s.listen(64); time.sleep(60)" &
	LISTENER=$!
	trap 'kill $LISTENER 2>/dev/null; rm -rf "$T"' EXIT
	wait_port "$OPEN" 10
fi
cat >>"$T/plan.yml" <<EOF
  - { id: tier-warn, kind: tcp, address: "127.0.0.1:$OPEN", latency: { warn: 1us, crit: 1h } }
EOF

# ---- JSON ------------------------------------------------------------
run "$CUTOVER" check "$T/plan.yml" -f json
expect_rc 1 "json: a failed check exits 1"
printf '%s\n' "$out" >"$T/out.json"
jq -e . "$T/out.json" >/dev/null && ok "json: jq parses it" || fail "json: jq cannot parse" "$out"
python3 -m json.tool "$T/out.json" >/dev/null && ok "json: python3 -m json.tool parses it" ||
	fail "json: json.tool cannot parse"
jq -e '
  (.plan == "formats-demo") and (.started_at | test("^\\d{4}-\\d\\d-\\d\\dT")) and
  (.duration_ms | type == "number") and (.status == "fail") and
  (.summary == {total: 8, pass: 3, warn: 1, fail: 3, skip: 1}) and
  (.results | length == 8) and
  all(.results[]; (.id | type == "string") and (.kind | type == "string") and
      (.status | IN("pass", "warn", "fail", "skip")) and
      (.message | type == "string") and (.attempts | type == "number") and
      (.duration_ms | type == "number") and
      (.observed == null or (.observed | type == "string")) and
      (.threshold == null or (.threshold | type == "string")))
' "$T/out.json" >/dev/null && ok "json: the documented shape, counts and statuses" ||
	fail "json: shape or counts" "$out"
jq -e '.results[] | select(.id == "disk-ok") | .title == "Root has space \"enough\" <for> the dump & more"' \
    "$T/out.json" >/dev/null && ok "json: quotes survive in titles" || fail "json: title"
jq -e '.results[] | select(.id == "output-missing") | .detail == "line one\nit'"'"'s <b>&amp; \"fine\" # 50%\n"' \
    "$T/out.json" >/dev/null && ok "json: multi-line detail with specials round-trips" ||
	fail "json: detail" "$(jq -c '.results[] | select(.id == "output-missing")' "$T/out.json")"
jq -e '.results[] | select(.id == "after-db") | .title == "Ünïcödé title ✓" and .status == "skip"' \
    "$T/out.json" >/dev/null && ok "json: UTF-8 intact" || fail "json: UTF-8"
# Status per check, the reference for the other formats.
jq -r '.results[] | "\(.id) \(.status)"' "$T/out.json" >"$T/status.json"

# ---- JUnit -----------------------------------------------------------
run "$CUTOVER" check "$T/plan.yml" -f junit -o "$T/out.xml"
expect_rc 1 "junit: a failed check exits 1"
if xmllint --noout --schema "$ROOT/tests/data/junit.xsd" "$T/out.xml" 2>"$T/xsd.err"; then
	ok "junit: valid against tests/data/junit.xsd"
else
	fail "junit: not valid" "$(cat "$T/xsd.err")"
fi
x() { xmllint --xpath "$1" "$T/out.xml" 2>/dev/null; }
expect_eq "$(x 'count(//testcase)')" 8 "junit: one testcase per check"
expect_eq "$(x 'count(//testcase/failure)')" 3 "junit: failures"
expect_eq "$(x 'count(//testcase/skipped)')" 1 "junit: skipped"
expect_eq "$(x 'string(/testsuites/testsuite/@failures)')" 3 "junit: suite failures attribute"
expect_eq "$(x 'string(/testsuites/testsuite/@name)')" formats-demo "junit: suite named after the plan"
expect_eq "$(x 'string(//testcase[1]/@name)')" 'disk-ok: Root has space "enough" <for> the dump & more' \
    "junit: readable test names (id: title), escaped"
expect_eq "$(x 'string(//testcase[@name="db-down"]/@classname)')" cutover.tcp "junit: classname is the kind"
x 'string(//testcase[@name="db-down"]/failure/@message)' | grep -q "^connect to 127.0.0.1:$CLOSED refused$" &&
	ok "junit: the failure message is the check's message" || fail "junit: failure message"
x 'string(//testcase[@name="tier-warn"]/system-out)' | grep -q "^warning: " &&
	ok "junit: a warning shows in system-out" || fail "junit: warning"
expect_eq "$(x 'string(//testcase[@name="output-missing"]/system-out)')" "line one
it's <b>&amp; \"fine\" # 50%" "junit: detail with specials round-trips"

# ---- TAP -------------------------------------------------------------
run "$CUTOVER" check "$T/plan.yml" -f tap -o "$T/out.tap"
expect_rc 1 "tap: a failed check exits 1"
perl -MTAP::Parser -e '
	local $/; my $tap = <STDIN>;
	my $p = TAP::Parser->new({ tap => $tap });
	my %yaml;
	my $last;
	while (my $r = $p->next) {
		$last = $r if $r->is_test;
		if ($r->is_yaml) {
			my ($id) = $last->description =~ /^- (\S+)/;
			$yaml{$id} = $r->data;
		}
	}
	print "version ", $p->version, "\n";
	print "plan ", $p->plan, "\n";
	print "run ", $p->tests_run, " failed ", scalar($p->failed),
	    " skipped ", scalar($p->skipped), "\n";
	print "errors ", scalar($p->parse_errors), "\n";
	for ($p->parse_errors) { print "error $_\n" }
	print "good_plan ", ($p->is_good_plan ? 1 : 0), "\n";
	for my $id (sort keys %yaml) {
		my $d = $yaml{$id};
		print "yaml $id observed=", $d->{observed}, "\n";
		print "yaml $id threshold=", $d->{threshold}, "\n" if defined $d->{threshold};
	}
' <"$T/out.tap" >"$T/tap.parsed" 2>&1
p() { grep -q -- "$1" "$T/tap.parsed" && ok "tap: $2" || fail "tap: $2" "$(cat "$T/tap.parsed")"; }
p "^version 13$" "TAP version 13"
p "^plan 1\.\.8$" "plan 1..8"
p "^run 8 failed 3 skipped 1$" "8 tests, 3 failed, 1 skipped (TAP::Parser)"
p "^errors 0$" "no parse errors"
p "^good_plan 1$" "the plan matches the tests run"
p "^yaml db-down observed=refused$" "YAML diagnostics parse"
p "^yaml tier-warn threshold=warn 1us, crit 1h00m00s$" "a warning carries its diagnostics"
p "^yaml quote-threshold observed=rock'n'roll$" "quotes in YAML diagnostics round-trip"
p "^yaml quote-threshold threshold=== it's$" "quotes in a threshold round-trip"
# TAP::Parser's YAMLish reader is lenient; a full YAML parser is not:
# every diagnostics block must load, with the values JSON has.
python3 - "$T/out.tap" "$T/out.json" >"$T/tap.yaml" 2>&1 <<'PY'
import json, re, sys, yaml
tap = open(sys.argv[1], encoding="utf-8").read().split("\n")
ref = {r["id"]: r for r in json.load(open(sys.argv[2]))["results"]}
bad, i, cur = [], 0, None
while i < len(tap):
    m = re.match(r"^(?:not )?ok \d+ - (\S+) ", tap[i])
    if m:
        cur = m.group(1)
    if tap[i] == "  ---":
        j = tap.index("  ...", i)
        d = yaml.safe_load("\n".join(l[2:] for l in tap[i + 1:j]))
        for k in ("observed", "threshold"):
            # A latency differs between runs; its shape was checked above.
            if k == "observed" and cur == "tier-warn":
                continue
            if k in d and d[k] != (ref[cur][k] or ""):
                bad.append("%s %s: %r != %r" % (cur, k, d[k], ref[cur][k]))
        i = j
    i += 1
print("\n".join(bad) if bad else "yaml ok")
PY
grep -qx "yaml ok" "$T/tap.yaml" && ok "tap: diagnostics are valid YAML with JSON's values" ||
	fail "tap: diagnostics" "$(cat "$T/tap.yaml")"
# prove: the harness people run TAP with.  A failing run is not ok, and
# prove says which tests failed.
printf '#!/bin/sh\ncat %s\n' "$T/out.tap" >"$T/checks.t"
chmod +x "$T/checks.t"
run prove "$T/checks.t"
[ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q "Failed 3/8 subtests" &&
	ok "tap: prove reads it (Failed 3/8 subtests)" || fail "tap: prove" "$out"
run "$CUTOVER" check "$T/plan.yml" -f tap --only disk-ok -o "$T/pass.tap"
printf '#!/bin/sh\ncat %s\n' "$T/pass.tap" >"$T/pass.t"
chmod +x "$T/pass.t"
run prove "$T/pass.t"
expect_rc 0 "tap: prove passes a passing run"
# Statuses agree with JSON: ok/not ok and # SKIP.
awk '/^(not )?ok / {
	st = ($1 == "not") ? "fail" : "pass"
	id = ($1 == "not") ? $5 : $4
	if ($0 ~ / # SKIP /) st = "skip"
	else if ($0 ~ / # warn$/) st = "warn"
	print id, st }' "$T/out.tap" >"$T/status.tap"
expect_eq "$(cat "$T/status.tap")" "$(cat "$T/status.json")" "tap: statuses match JSON"

# ---- Prometheus ------------------------------------------------------
run "$CUTOVER" check "$T/plan.yml" -f prometheus -o "$T/out.prom"
expect_rc 1 "prometheus: a failed check exits 1"
if command -v promtool >/dev/null; then
	run promtool check metrics <"$T/out.prom"
	[ "$rc" -eq 0 ] && ok "prometheus: promtool check metrics is happy" ||
		fail "prometheus: promtool" "$out
$err"
else
	fail "promtool is missing (scripts/deps.sh installs prometheus)"
fi
# The exposition grammar, strictly: HELP/TYPE lines, then samples of the
# declared family with well-formed labels and a float value.
python3 - "$T/out.prom" >"$T/prom.check" 2>&1 <<'PY'
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
lab = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(\{(?:%s)(?:,%s)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)( -?[0-9]+)?$' % (name, lab, lab))
typed, errors, seen = {}, [], set()
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    m = re.match(r'^# (HELP|TYPE) (%s) (.+)$' % name, line)
    if m:
        if m.group(1) == "TYPE":
            if m.group(3) not in ("gauge", "counter", "untyped", "summary", "histogram"):
                errors.append("%d: bad type" % n)
            typed[m.group(2)] = m.group(3)
        continue
    m = sample.match(line)
    if not m:
        errors.append("%d: not a sample: %r" % (n, line)); continue
    if m.group(1) not in typed:
        errors.append("%d: sample of an undeclared family %s" % (n, m.group(1)))
    key = (m.group(1), m.group(2))
    if key in seen:
        errors.append("%d: duplicate series %s%s" % (n, key[0], key[1]))
    seen.add(key)
    float(m.group(3))
print("\n".join(errors) if errors else "grammar ok")
PY
grep -qx "grammar ok" "$T/prom.check" && ok "prometheus: exposition grammar" ||
	fail "prometheus: grammar" "$(cat "$T/prom.check")"
sed -n 's/^cutover_check_status{plan="formats-demo",check="\([^"]*\)",kind="[^"]*"} \([0-3]\)$/\1 \2/p' \
    "$T/out.prom" | awk '{ split("pass warn fail skip", s, " "); print $1, s[$2 + 1] }' >"$T/status.prom"
expect_eq "$(cat "$T/status.prom")" "$(cat "$T/status.json")" "prometheus: statuses match JSON"
grep -Eq '^cutover_check_value\{plan="formats-demo",check="tier-warn",kind="tcp"\} [0-9.e-]+$' "$T/out.prom" &&
	ok "prometheus: the latency is a value" || fail "prometheus: value"
grep -Eq '^cutover_run_timestamp_seconds\{plan="formats-demo"\} [0-9]{10}\.[0-9]{3}$' "$T/out.prom" &&
	ok "prometheus: run timestamp" || fail "prometheus: timestamp"

# ---- text ------------------------------------------------------------
run env -u NO_COLOR "$CUTOVER" check "$T/plan.yml"
expect_rc 1 "text: a failed check exits 1"
expect_out "^STATUS  CHECK +KIND +OBSERVED +TIME +MESSAGE$" "text: a header row"
expect_out "^8 checks: 3 pass, 1 warn, 3 fail, 1 skip in " "text: a summary line"
printf '%s\n' "$out" | grep -q $'\033' && fail "text: colour when not a TTY" ||
	ok "text: no colour into a pipe"
# Columns line up: every result row has its KIND where the header has it.
col=$(printf '%s\n' "$out" | head -1 | awk '{ print index($0, "KIND") }')
bad=$(printf '%s\n' "$out" | grep -E '^(pass|warn|fail|skip) ' |
	awk -v c="$col" '{ k = substr($0, c, 1); p = substr($0, c - 1, 1); if (k == " " || p != " ") print }')
[ -z "$bad" ] && ok "text: columns are aligned" || fail "text: misaligned rows" "$bad"
expect_eq "$(printf '%s\n' "$out" | grep -E '^(pass|warn|fail|skip) ' | awk '{ print $2, $1 }')" \
    "$(cat "$T/status.json")" "text: statuses match JSON"
# On a terminal: colour, unless NO_COLOR says otherwise.
if command -v script >/dev/null; then
	script -qec "env -u NO_COLOR TERM=xterm '$CUTOVER' check '$T/plan.yml'" /dev/null >"$T/tty.out" 2>&1
	grep -q $'\033\[31;1mfail' "$T/tty.out" && ok "text: colour on a TTY" ||
		fail "text: no colour on a TTY" "$(head -5 "$T/tty.out")"
	script -qec "NO_COLOR=1 TERM=xterm '$CUTOVER' check '$T/plan.yml'" /dev/null >"$T/tty.out" 2>&1
	grep -q $'\033' "$T/tty.out" && fail "text: colour despite NO_COLOR" ||
		ok "text: NO_COLOR turns colour off on a TTY"
else
	fail "script(1) is missing (util-linux)"
fi

# A long or multi-line observed value (a query can return anything) is
# cut to its column, so the table stays a table.
cat >"$T/wide.yml" <<EOF
cutover: 1
name: wide
checks:
  - { id: long, kind: sql, target: "sqlite://$T/lite.db", query: "SELECT 'a very long observed value that goes on and on and on'" }
  - { id: multi, kind: sql, target: "sqlite://$T/lite.db", query: "SELECT 'line1' || char(10) || 'line2' || char(9) || 'tab'" }
  - { id: short, kind: disk, path: /, min_free: 1% }
EOF
run "$CUTOVER" check "$T/wide.yml"
expect_rc 0 "text: wide values"
expect_eq "$(printf '%s\n' "$out" | wc -l)" 6 "text: a multi-line value stays on its row"
tcol=$(printf '%s\n' "$out" | head -1 | awk '{ print index($0, "TIME") }')
bad=$(printf '%s\n' "$out" | grep -E '^pass ' |
	awk -v c="$tcol" '{ if (substr($0, c, 1) == " " || substr($0, c - 1, 1) != " ") print }')
[ -z "$bad" ] && ok "text: a long value is cut to its column" || fail "text: long value" "$out"
expect_out "^pass    long   sql   a very long observed \.\.\.  " "text: the cut is marked"
run "$CUTOVER" check "$T/wide.yml" -f json
printf '%s\n' "$out" | jq -e '.results[0].observed == "a very long observed value that goes on and on and on"' >/dev/null &&
	ok "json: the whole value" || fail "json: long value" "$out"

# Command output in Latin-1 (or any bytes) still makes valid UTF-8 JSON
# and XML: broken bytes become U+FFFD.
printf 'caf\351 \377\376 ok\n' >"$T/latin1.txt"
cat >"$T/latin1.yml" <<EOF
cutover: 1
name: latin1
checks:
  - { id: latin1, kind: command, shell: "cat $T/latin1.txt; exit 1" }
EOF
"$CUTOVER" check "$T/latin1.yml" -f json >"$T/latin1.json"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1], encoding="utf-8")); assert d["results"][0]["detail"] == "caf\ufffd \ufffd\ufffd ok\n", d' \
    "$T/latin1.json" 2>"$T/latin1.err" && ok "json: non-UTF-8 output repaired" ||
	fail "json: non-UTF-8 output" "$(cat "$T/latin1.err")"
"$CUTOVER" check "$T/latin1.yml" -f junit >"$T/latin1.xml"
xmllint --noout --schema "$ROOT/tests/data/junit.xsd" "$T/latin1.xml" 2>"$T/latin1.err" &&
	ok "junit: non-UTF-8 output repaired" || fail "junit: non-UTF-8 output" "$(cat "$T/latin1.err")"

# ---- an empty selection is still a valid document in every format ----
printf 'cutover: 1\nname: empty\nchecks: []\nphases: [ { id: none } ]\n' >"$T/empty.yml"
run "$CUTOVER" check "$T/empty.yml" -f json
expect_rc 0 "no checks: exit 0"
printf '%s\n' "$out" | jq -e '.summary.total == 0 and .results == []' >/dev/null &&
	ok "json: no checks" || fail "json: no checks" "$out"
run "$CUTOVER" check "$T/empty.yml" -f junit -o "$T/empty.xml"
xmllint --noout --schema "$ROOT/tests/data/junit.xsd" "$T/empty.xml" 2>/dev/null &&
	ok "junit: no checks is valid" || fail "junit: no checks"
run "$CUTOVER" check "$T/empty.yml" -f tap
expect_eq "$out" $'TAP version 13\n1..0' "tap: no checks is 1..0"
run "$CUTOVER" check "$T/empty.yml" -f prometheus -o "$T/empty.prom"
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/empty.prom" >/dev/null 2>&1 &&
		ok "prometheus: no checks is valid" || fail "prometheus: no checks"
fi

# ---- hostile bytes: every format valid for its strictest reader ------
# A command's output and a SQLite value carry invalid UTF-8, U+FFFE,
# \x01, ESC sequences and <script>; each format is read back by its
# strictest common parser.
printf 'bad \377\376 nonchar \357\277\276 ctl \001 esc \033[2K\033[32mpass <script>alert(1)</script>\n' >"$T/hostile.txt"
HT="t<script>$(printf '\033')"
sqlite3 "$T/hostile.db" "CREATE TABLE \"$HT\" (id integer primary key, x text); INSERT INTO \"$HT\" VALUES (1, CAST(X'41FF01EFBFBE1B5B324B3C623E' AS TEXT))"
sqlite3 "$T/hostile2.db" "CREATE TABLE \"$HT\" (id integer primary key, x text); INSERT INTO \"$HT\" VALUES (1, CAST(X'42FE02EFBFBF1B5B324B' AS TEXT)), (2, 'x')"
cat >"$T/hostile.yml" <<EOF
cutover: 1
name: hostile
checks:
  - { id: out, kind: command, shell: "cat $T/hostile.txt; exit 1" }
  - { id: val, kind: sql, target: "sqlite://$T/hostile.db", query: "SELECT x FROM \"t<script>\u001b\"", expect: nothing }
EOF
"$CUTOVER" check "$T/hostile.yml" -f json >"$T/hostile.json"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))
raw = open(sys.argv[1], "rb").read()
assert not [b for b in raw if b < 0x20 and b != 10], "raw control bytes"
det = d["results"][0]["detail"]
# Control characters arrive as visible escapes (the rule of the README for
# every format), never as raw bytes.
assert det.startswith("bad \ufffd\ufffd nonchar \ufffe ctl \\x01 esc \\x1b[2K"), repr(det)
assert d["results"][1]["observed"].startswith("A"), d["results"][1]' "$T/hostile.json" 2>"$T/h.err" &&
	ok "hostile: json parses strictly" || fail "hostile: json" "$(cat "$T/h.err" "$T/hostile.json")"
"$CUTOVER" check "$T/hostile.yml" -f junit >"$T/hostile.xml"
xmllint --noout --schema "$ROOT/tests/data/junit.xsd" "$T/hostile.xml" 2>"$T/h.err" &&
	ok "hostile: junit is valid XML 1.0 against the schema" || fail "hostile: junit" "$(cat "$T/h.err")"
if grep -q '<script>' "$T/hostile.xml"; then fail "hostile: junit carries raw <script>"
else ok "hostile: junit escapes markup"; fi
"$CUTOVER" check "$T/hostile.yml" -f tap >"$T/hostile.tap"
python3 -c 'import sys, yaml
tap = open(sys.argv[1], encoding="utf-8", errors="strict").read()
bad = [c for c in tap if c != "\n" and (ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0)]
assert not bad, "control characters %r" % bad
lines = tap.split("\n")
i = lines.index("  ---"); j = lines.index("  ...", i)
d = yaml.safe_load("\n".join(l[2:] for l in lines[i + 1:j]))
print("tap ok" if d["attempts"] == 1 else d)' "$T/hostile.tap" >"$T/h.out" 2>&1
grep -qx "tap ok" "$T/h.out" && ok "hostile: tap has no raw controls, its YAML loads" ||
	fail "hostile: tap" "$(cat "$T/h.out"; cat -v "$T/hostile.tap")"
printf '#!/bin/sh\ncat %s\n' "$T/hostile.tap" >"$T/hostile.t"
chmod +x "$T/hostile.t"
run prove "$T/hostile.t"
printf '%s\n' "$out" | grep -q "Failed 2/2 subtests" && ok "hostile: prove reads it" ||
	fail "hostile: prove" "$out"
run "$CUTOVER" check "$T/hostile.yml"
if printf '%s\n' "$out" | grep -q $'\033'; then fail "hostile: text passes ESC through" "$(printf '%s' "$out" | cat -v)"
else ok "hostile: text has no ESC"; fi
run "$CUTOVER" check "$T/hostile.yml" -f prometheus -o "$T/hostile.prom"
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/hostile.prom" >/dev/null 2>&1 &&
		ok "hostile: prometheus is valid" || fail "hostile: prometheus"
fi
# diff -f json / jsonl of a table whose name and values are hostile.
for f in json jsonl; do
	"$CUTOVER" diff "sqlite://$T/hostile.db" "sqlite://$T/hostile2.db" --show-values -f $f >"$T/hd.$f"
	python3 -c 'import json, sys
for l in (open(sys.argv[1], encoding="utf-8", errors="strict").read().splitlines() if sys.argv[2] == "jsonl" else [open(sys.argv[1], encoding="utf-8", errors="strict").read()]):
    json.loads(l)
print("ok")' "$T/hd.$f" $f >"$T/h.out" 2>&1
	grep -qx ok "$T/h.out" && ok "hostile: diff -f $f parses strictly" ||
		fail "hostile: diff -f $f" "$(cat "$T/h.out"; cat -v "$T/hd.$f")"
done

# secrets scan: a hostile file name reaches JSON and SARIF as valid
# documents; SARIF's artifactLocation is a URI reference (percent-encoded).
mkdir -p "$T/sc"
HN="$T/sc/a b#%$(printf '\377\033')<x>.env"
printf 'GITHUB_TOKEN=ghp_%s\n' "$(python3 -c 'import random, string; r = random.Random(7); print("".join(r.choice(string.ascii_letters + string.digits) for _ in range(36)))')" >"$HN"
for f in json sarif; do
	"$CUTOVER" secrets scan "$T/sc" -f $f >"$T/sc.$f" 2>/dev/null
	python3 -c 'import json, sys, re
d = json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))
if sys.argv[2] == "sarif":
    uri = d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert re.fullmatch(r"[A-Za-z0-9\-._~/%]+", uri), uri
    assert uri.endswith("a%20b%23%25%FF%1B%3Cx%3E.env"), uri
else:
    assert len(d["findings"]) == 1, d
print("ok")' "$T/sc.$f" $f >"$T/h.out" 2>&1
	grep -qx ok "$T/h.out" && ok "hostile: secrets -f $f with a hostile file name" ||
		fail "hostile: secrets -f $f" "$(cat "$T/h.out"; cat -v "$T/sc.$f")"
done
run "$CUTOVER" secrets scan "$T/sc"
if printf '%s\n' "$out" | grep -q $'\033'; then fail "hostile: secrets text passes ESC through"
else ok "hostile: secrets text shows no raw ESC"; fi

# ---- -o: one safe writer ---------------------------------------------
# The old writer opened OUT.tmp.PID with fopen("w"): a link planted there
# for the next pids redirected the write.  Plant them, and one at OUT.
echo precious >"$T/victim"
chmod 644 "$T/victim"
# One process plants them all, so that the pids that follow are cutover's.
python3 -c 'import os, sys
last = os.getpid()
for i in range(1, 200):
    os.symlink(sys.argv[1] + "/victim", "%s/safe.json.tmp.%d" % (sys.argv[1], last + i))' "$T"
umask 022
run "$CUTOVER" check "$T/empty.yml" -f json -o "$T/safe.json"
expect_rc 0 "-o with links planted at the old temporary names"
expect_eq "$(cat "$T/victim")" precious "-o never writes through a planted link"
expect_eq "$(stat -c %a "$T/safe.json")" 600 "-o files are 0600 (umask 022)"
jq -e '.summary.total == 0' "$T/safe.json" >/dev/null && ok "-o wrote the document" ||
	fail "-o document" "$(cat "$T/safe.json")"
rm -f "$T"/safe.json.tmp.*
ln -s "$T/victim" "$T/link.out"
for cmd in "check $T/empty.yml -f json" "secrets scan $T/hostile.txt" \
    "manifest create $T/hostile.txt" \
    "diff sqlite://$T/hostile.db sqlite://$T/hostile.db"; do
	run "$CUTOVER" $cmd -o "$T/link.out"
	expect_rc 2 "${cmd%% *}: -o to a symlink is refused"
	expect_err "symbolic link" "${cmd%% *}: says why"
done
expect_eq "$(cat "$T/victim")" precious "no -o wrote through the link"
[ -L "$T/link.out" ] && ok "the link itself is left alone" || fail "the link was replaced"
run "$CUTOVER" secrets scan "$T/hostile.txt" -f json -o "$T/f.json"
expect_eq "$(stat -c %a "$T/f.json")" 600 "secrets -o is 0600"
run "$CUTOVER" manifest create "$T/hostile.txt" -o "$T/m.sha256"
expect_eq "$(stat -c %a "$T/m.sha256")" 600 "manifest -o is 0600"
run "$CUTOVER" diff "sqlite://$T/hostile.db" "sqlite://$T/hostile.db" -f json -o "$T/d.json"
expect_eq "$(stat -c %a "$T/d.json")" 600 "diff -o is 0600"
expect_eq "$(ls "$T" | grep -c '\.tmp\.')" 0 "no temporary file is left behind"

done_testing
