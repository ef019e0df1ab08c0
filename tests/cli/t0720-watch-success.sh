#!/bin/bash
# t0720-watch-success.sh - success figures against a scripted sequence of
# samples (a command check reads one line per sample: pass/fail and a
# value), asserted exactly; consecutive and value...for rules at their
# boundaries; jsonl output read back by Python's json.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 CLI missing"; exit 0; }
# Never create the journal: the file appears whole when cutover makes it.
q() { [ -e "$T/j.db" ] && sqlite3 "$T/j.db" "$1" 2>/dev/null; }

# seq.sh: the Nth run answers the Nth line of $T/script ("pass 120ms").
cat >"$T/seq.sh" <<'SH'
#!/bin/sh
d=$(dirname "$0")
n=$(cat "$d/count" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >"$d/count"
set -- $(sed -n "${n}p" "$d/script")
[ -n "${2:-}" ] && echo "$2"
[ "${1:-pass}" = pass ]
SH
chmod +x "$T/seq.sh"
script() { rm -f "$T/count" "$T/j.db"*; printf '%s\n' "$@" >"$T/script"; }

cat >"$T/plan.yml" <<YML
cutover: 1
name: watch-success
checks:
  - { id: seq, kind: command, run: "$T/seq.sh", value: stdout }
phases:
  - id: post
    watch: { every: 400ms, for: 4s }
    success:
      - { check: seq, p50: "< 200ms" }
      - { check: seq, p95: "< 1s" }
success:
  - { check: seq, uptime: ">= 75%" }
  - { check: seq, failures: "<= 2" }
  - { check: seq, max: "<= 900ms" }
  - { check: seq, min: ">= 10ms" }
  - { check: seq, avg: "< 300ms" }
YML

# Ten samples at most fit 4 s; the script has more lines than that.
script "pass 100ms" "pass 120ms" "fail 900ms" "pass 110ms" "pass 130ms" \
	"pass 10ms" "fail" "pass 150ms" "pass 140ms" "pass 160ms" \
	"pass 100ms" "pass 100ms" "pass 100ms"
run "$CUTOVER" watch "$T/plan.yml" --state "$T/j.db" --format jsonl
printf '%s\n' "$out" >"$T/out.jsonl"
n=$(q "select count(*) from samples")
[ "$n" -ge 8 ] && ok "$n samples in 4 s at 400 ms" || fail "only $n samples" "$err"
# The figures the samples taken must give, computed here from the script.
python3 - "$T/out.jsonl" "$T/script" "$n" "$rc" >"$T/py.out" 2>&1 <<'PY'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
lines = [l.split() for l in open(sys.argv[2])][:int(sys.argv[3])]
def sec(s): return float(s[:-2]) / 1000 if s.endswith("ms") else float(s[:-1])
vals = sorted(sec(l[1]) for l in lines if len(l) > 1)
npass = sum(l[0] == "pass" for l in lines)
n = len(lines)
def pct(p): return vals[max(1, math.ceil(p / 100 * len(vals))) - 1]
want = {"uptime": 100.0 * npass / n, "failures": n - npass, "p50": pct(50),
        "p95": pct(95), "max": max(vals), "min": min(vals),
        "avg": sum(vals) / len(vals)}
samples = [r for r in rows if r["type"] == "sample"]
assert len(samples) == n, (len(samples), n)
got = {r["metric"]: r for r in rows if r["type"] == "success"}
assert set(got) == set(want), got.keys()
for k, v in want.items():
    assert abs(got[k]["measured"] - v) < 1e-6, (k, got[k]["measured"], v)
    assert got[k]["samples"] == n
done = [r for r in rows if r["type"] == "done"][0]
verdicts = {k: got[k]["verdict"] for k in got}
ok = all(v == "pass" for v in verdicts.values())
assert done["verdict"] == ("go" if ok else "no-go"), (done, verdicts)
assert (sys.argv[4] == "0") == ok
print("figures", json.dumps(want, sort_keys=True))
PY
[ $? -eq 0 ] && ok "every success figure exact, jsonl parsed by Python" ||
	fail "success figures" "$(cat "$T/py.out")
$out"
expect_rc 0 "all success rules hold: exit 0"
expect_eq "$(q "select state from watches")" "go" "the watch ended go"
expect_eq "$(q "select decision from decisions")" "go" "the go decision is journaled"

# A success rule that fails: no-go, exit 1, the run rolled back.
script "pass 100ms" "fail" "fail" "fail" "pass 100ms" "pass 100ms" "pass 100ms" \
	"pass 100ms" "pass 100ms" "pass 100ms" "pass 100ms" "pass 100ms"
run "$CUTOVER" watch "$T/plan.yml" --state "$T/j.db" --for 2s
expect_rc 1 "3 failures against failures <= 2: no-go"
expect_out "failures +<= +2 +measured 3 " "the measured figure is in the table"
expect_eq "$(q "select state from runs")" "rolled-back" "no-go rolls back"
expect_eq "$(q "select decision from decisions where phase_id='post'")" "no-go" \
	"the no-go is journaled"

# consecutive: 3 - two failures in a row twice never fire; the third
# failure of a run of three fires at exactly that sample.
cat >"$T/cons.yml" <<YML
cutover: 1
name: watch-cons
checks:
  - { id: seq, kind: command, run: "$T/seq.sh", value: stdout }
phases:
  - id: post
    watch: { every: 300ms, for: 6s }
    rollback_if:
      - { check: seq, consecutive: 3 }
YML
script pass fail fail pass fail fail pass fail fail fail pass pass pass \
	pass pass pass pass pass pass pass pass pass pass pass
run "$CUTOVER" watch "$T/cons.yml" --state "$T/j.db"
expect_rc 1 "consecutive: 3 fires"
expect_eq "$(q "select count(*) from samples")" 10 "at the 10th sample, the third failure in a row"
script pass fail fail pass fail fail pass pass pass pass pass pass pass pass \
	pass pass pass pass pass pass pass pass pass pass pass
run "$CUTOVER" watch "$T/cons.yml" --state "$T/j.db" --for 2s
expect_rc 0 "two failures in a row, twice: no trigger"

# value "> 500ms" for 1s at 500 ms: three samples span 1 s (t, t+0.5,
# t+1); two slow samples, a fast one, two slow: nothing; three: fires.
cat >"$T/val.yml" <<YML
cutover: 1
name: watch-val
checks:
  - { id: seq, kind: command, run: "$T/seq.sh", value: stdout }
phases:
  - id: post
    watch: { every: 500ms, for: 8s }
    rollback_if:
      - { check: seq, value: "> 500ms", for: 1s }
YML
script "pass 1s" "pass 2s" "pass 100ms" "pass 900ms" "pass 600ms" "pass 500ms" \
	"pass 700ms" "pass 800ms" "pass 900ms" "pass 1ms" "pass 1ms" "pass 1ms" \
	"pass 1ms" "pass 1ms" "pass 1ms" "pass 1ms" "pass 1ms" "pass 1ms"
run "$CUTOVER" watch "$T/val.yml" --state "$T/j.db"
expect_rc 1 "value > 500ms held for 1 s fires"
expect_eq "$(q "select count(*) from samples")" 9 \
	"at the 9th sample: 500ms is not > 500ms, so the run starts at the 7th"
expect_out "value > 500ms held for 1.00s" "the trigger says how long it held"

# A check's own `every`: sampled on its schedule, not the watch's.
cat >"$T/every.yml" <<YML
cutover: 1
name: watch-every
checks:
  - { id: fast, kind: command, run: "true" }
  - { id: slow, kind: command, run: "true", every: 1200ms }
phases:
  - id: post
    watch: { every: 400ms, for: 3600ms, checks: [fast, slow] }
YML
# Bad input: exit 2 and one line.
run "$CUTOVER" watch --help
expect_rc 0 "watch --help"
expect_out "^usage: cutover watch" "the usage"
run "$CUTOVER" watch "$T/every.yml" --format jsn
expect_rc 2 "an unknown format"
expect_err "did you mean 'json" "names the nearest"
run "$CUTOVER" watch "$T/every.yml" --phase nope
expect_rc 2 "an unknown phase"
run "$CUTOVER" watch "$T/every.yml" --for 0s
expect_rc 2 "--for 0s"
printf 'cutover: 1\nname: nowatch\nchecks: [{ id: a, kind: command, run: "true" }]\nphases: [{ id: p, checks: [a] }]\n' >"$T/nowatch.yml"
run "$CUTOVER" watch "$T/nowatch.yml" --state "$T/nw.db"
expect_rc 2 "a plan without a watch phase"
expect_err "no phase has 'watch:'" "says so"

rm -f "$T/j.db"*
run "$CUTOVER" run "$T/every.yml" --dry-run --state "$T/j.db"
expect_out "^  watch: every 400.0ms for 3.60s" "--dry-run shows the watch"
expect_out "sampled: fast \(command\), slow \(command\)" "and what it samples"
run "$CUTOVER" watch "$T/every.yml" --state "$T/j.db"
expect_rc 0 "a watch without success rules ends go"
expect_eq "$(q "select group_concat(t, ' ') from samples where c = 1")" "0 1200 2400" \
	"the slow check sampled every 1200 ms"
nf=$(q "select count(*) from samples where c = 0")
[ "$nf" -ge 7 ] && ok "the fast one every 400 ms ($nf samples)" || fail "fast: $nf samples"
expect_eq "$(q "select every_us from watch_checks where idx = 1")" 1200000 \
	"the check's interval is journaled (a resume keeps it)"
done_testing
