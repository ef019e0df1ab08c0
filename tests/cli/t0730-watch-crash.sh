#!/bin/bash
# t0730-watch-crash.sh - kill -9 during a watch, then resume: the samples
# are kept, the watch ends when it would have (its window is wall-clock
# time), the gap is journaled and reported, and uptime counts it as
# failing.  SIGTERM to `cutover watch`: exit 143, journal consistent, and
# resume continues the same watch.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 CLI missing"; exit 0; }
# Never create the journal: the file appears whole when cutover makes it.
q() { [ -e "$T/j.db" ] && sqlite3 "$T/j.db" "$1" 2>/dev/null; }
nsamples() { q "select count(*) from samples" || echo 0; }
until_samples() {
	for _ in $(seq 150); do [ "$(nsamples)" -ge "$1" ] && return 0; sleep 0.1; done
	return 1
}

cat >"$T/plan.yml" <<YML
cutover: 1
name: watch-crash
checks:
  - { id: ok, kind: command, run: "true" }
phases:
  - id: post
    watch: { every: 200ms, for: 8s }
success:
  - { check: ok, uptime: ">= 20%" }
YML

"$CUTOVER" watch "$T/plan.yml" --state "$T/j.db" >"$T/w1.out" 2>&1 &
pid=$!
until_samples 5 || fail "no samples"
kill -9 $pid
wait $pid 2>/dev/null
before=$(nsamples)
last_t=$(q "select max(t) from samples")
sleep 1.5
t_resume=$(date +%s%N)
run "$CUTOVER" resume "$T/plan.yml" --state "$T/j.db"
t_end=$(date +%s%N)
expect_rc 0 "resume continues the watch to its end (uptime >= 20% holds)"
expect_out "watch of phase post continues after a gap of" "the gap is announced"
expect_out "resumed: $before samples kept" "the samples before the crash are kept"
expect_eq "$(q "select count(*) from watches")" 1 "the same watch, not a new one"
after=$(nsamples)
[ "$after" -gt "$before" ] && ok "sampling went on ($before -> $after)" || fail "no new samples"
# The window is wall-clock: it ends 5 s after it began, not 5 s of sampling.
span=$(q "select (ended_us - started_us) / 1000 from watches")
[ "$span" -ge 8000 ] && [ "$span" -le 9500 ] && ok "the watch ended at its time (${span} ms after its start)" ||
	fail "watch span $span ms"
left_ms=$(( (t_end - t_resume) / 1000000 ))
started_ms=$(q "select started_us / 1000 from watches")
want_ms=$(( started_ms + 8000 - t_resume / 1000000 ))
d=$(( left_ms - want_ms ))
[ "$d" -ge -200 ] && [ "$d" -le 1500 ] &&
	ok "resume watched the remaining time (${left_ms} ms for ${want_ms} ms left)" ||
	fail "resume took $left_ms ms with $want_ms ms left"
expect_eq "$(q "select count(*) from watch_gaps")" 1 "the gap is journaled"
gap=$(q "select (to_us - from_us) / 1000 from watch_gaps")
expect_eq "$(q "select (from_us - started_us) / 1000 from watch_gaps, watches")" \
	$((last_t + 200)) "the gap starts where the next sample was due"
to_ms=$(q "select to_us / 1000 from watch_gaps")
[ "$to_ms" -ge $((t_resume / 1000000)) ] && [ "$to_ms" -le $((t_end / 1000000)) ] &&
	ok "the gap ends when resume began watching (${gap} ms long)" ||
	fail "gap ends at $to_ms, resume $((t_resume / 1000000))..$((t_end / 1000000))"
# uptime = passing / (samples + intervals lost in the gap): never passing.
missed=$(( gap / 200 ))
want=$(python3 -c "print('%.3f' % (100.0 * $after / ($after + $missed)))")
expect_out "uptime +>= +20% +measured $want%" "uptime counts the gap as failing ($want%)"
run "$CUTOVER" report "$T/plan.yml" --state "$T/j.db" --format md
expect_out "^### Gaps \(nothing watched\)" "the report shows the gap"
expect_out "^\| ok \| uptime \| &gt;= 20% \| $want% \| $after \| pass \|" \
	"the success table: rule, target, measured, samples, verdict"
run "$CUTOVER" report "$T/plan.yml" --state "$T/j.db" --format json
python3 -c '
import json, sys
w = json.loads(sys.stdin.read())["watches"][0]
assert len(w["gaps"]) == 1 and w["checks"][0]["missed_in_gaps"] > 0, w
assert w["success"][0]["verdict"] == "pass", w
' <<<"$out" && ok "the JSON report has the gap and the success rule" || fail "json report" "$out"
run "$CUTOVER" status "$T/plan.yml" --state "$T/j.db"
expect_out "watch of post: go, 8\.[0-9]+s elapsed, 0us left, every 200.0ms, 1 gap" \
	"status shows the watch's progress and its gap"
expect_out "^    ok +[0-9]+ samples, 0 failing; last pass" "status shows the last sample"

# SIGTERM: exit 143 at once, the journal consistent, resume continues.
rm -f "$T/j.db"*
# No success rule here: the gap (python's start-up on a loaded machine
# can take seconds) would rightly fail one.
sed -i '/^success:/,$d; s/for: 8s }/for: 4s, checks: [ok] }/' "$T/plan.yml"
"$CUTOVER" watch "$T/plan.yml" --state "$T/j.db" --format jsonl >"$T/w2.out" 2>"$T/w2.err" &
pid=$!
until_samples 3 || fail "no samples"
t0=$(date +%s%N)
kill -TERM $pid
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "$rc" 143 "SIGTERM: exit 143"
[ "$ms" -le 1500 ] && ok "stopped within ${ms} ms" || fail "took $ms ms to stop"
expect_eq "$(q "pragma integrity_check")" ok "the journal is intact"
expect_eq "$(q "select state from runs")" stopped "the run is stopped"
expect_eq "$(q "select state from watches")" watching "the watch can continue"
python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows and all(r["type"] == "sample" for r in rows), rows
assert all(r["check"] == "ok" and r["status"] == "pass" for r in rows)
' "$T/w2.out" && ok "jsonl output parses, one sample a line" || fail "jsonl" "$(cat "$T/w2.out")"
n1=$(nsamples)
[ "$n1" -eq "$(wc -l <"$T/w2.out")" ] && ok "every journaled sample was printed ($n1)" ||
	fail "journal $n1 vs printed $(wc -l <"$T/w2.out")"
run "$CUTOVER" watch "$T/plan.yml" --state "$T/j.db"
expect_rc 0 "the same command after SIGTERM finishes the watch"
expect_out "continuing watch run 1" "it continues the run, not a new one"
expect_eq "$(q "select state from watches")" go "the same watch ended go"
done_testing
