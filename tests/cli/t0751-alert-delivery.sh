#!/bin/bash
# t0751-alert-delivery.sh - alert deliveries that do not go well, against
# a real receiver (tests/harness/alertsink.py): down then up (retried
# until it answers, the outcome journaled), answering 503 twice (retried
# with backoff), 404 (a wrong token: failed at once, in the report), a
# receiver that never answers (timed out; the run ends within the drain
# deadline, 10s, its result unchanged).  The runs themselves are the same
# each time: a gate that fails and a rollback.  One receiver serves every
# case (its mode in a file): Python starts slowly on a loaded machine.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 not installed"; exit 0; }
command -v bc >/dev/null || { echo "skipped: bc not installed"; exit 0; }
cd "$T"

plan() {	# plan TIMEOUT RETRY_FOR
	cat >plan.yml <<EOF
cutover: 1
name: deliv
checks:
  - { id: flag, kind: file, path: flag }
phases:
  - id: cut
    steps:
      - { id: s, shell: "true" }
    gate: [flag]
alerts:
  - id: hook
    kind: webhook
    url: http://127.0.0.1:$P/hook
    events: [gate.nogo, rollback.done]
    timeout: $1
    retry: { for: $2 }
EOF
	rm -rf .cutover sink.jsonl
}
q() { sqlite3 .cutover/deliv.db "$1"; }
# run_timed CMD...: run, and $el the seconds it took
run_timed() { local t0; t0=$(date +%s.%N); run "$@"; el=$(echo "$(date +%s.%N) - $t0" | bc); }

P=$(port)
echo ok >mode
python3 "$ROOT/tests/harness/alertsink.py" "$P" sink.jsonl @mode up >sink.out 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 400); do grep -q started sink.out && break; sleep 0.05; done

# Down (the port refuses), then up 2s into the run: retried (1s, 2s,
# 4s ...) until it answers; the run waits for it only at its end.
plan 2s 30s
( sleep 2; touch up ) &
PIDS="$PIDS $!"
run_timed "$CUTOVER" run plan.yml --yes
expect_rc 1 "the run's result is its own (rolled back)"
expect_eq "$(q "select state from alerts where event='gate.nogo'")" "sent" "down then up: delivered"
n=$(q "select attempts from alerts where event='gate.nogo'")
[ "$n" -ge 2 ] && ok "down then up: $n attempts journaled" || fail "down then up: $n attempts"
expect_eq "$(q "select outcome from alerts where event='rollback.done'")" 'HTTP 200: {"ok":true}' \
    "down then up: the outcome journaled"
[ "$(echo "$el < 10" | bc)" = 1 ] && ok "down then up: the run ended in ${el}s" ||
	fail "down then up took ${el}s"
expect_eq "$(grep -c '"path": "/hook"' sink.jsonl)" "2" "down then up: each alert arrived once"

# 503 twice, then 200: backoff and a retry of a 5xx.
plan 2s 30s
echo fail:2 >mode
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "503: the run's result is its own"
expect_eq "$(q "select state || ' ' || attempts from alerts where event='gate.nogo'")" "sent 3" \
    "503 twice: sent at the third attempt"
expect_eq "$(q "select count(*) from alerts where state='sent'")" "2" "503: both alerts delivered"

# 404: a wrong token stays wrong: no retry, failed, reported.
plan 2s 30s
echo status:404 >mode
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "404: the run's result is its own"
expect_err "alerts: 2 deliveries failed \(see 'cutover report plan.yml'\)" "404: the run says alerts failed"
expect_eq "$(q "select state || ' ' || attempts from alerts where event='gate.nogo'")" "failed 1" \
    "404: failed at once"
run "$CUTOVER" status plan.yml
expect_out "alerts: 0 sent, 2 failed" "404: status counts the failures"
run "$CUTOVER" report plan.yml
expect_out "2 alerts were not delivered" "404: the report lists them"
expect_out "\| hook \| gate.nogo \| phase cut \| failed \| 1 \| HTTP 404: \{\"ok\":false,\"description\":\"no\"\} \|" \
    "404: with the receiver's answer"

# A server that answers with the request's path: the token in it is
# masked in the journal and the report like the URL itself.
plan 2s 0s
sed -i "s|url: http://127.0.0.1:$P/hook|url: http://127.0.0.1:$P/bot123456:AAHechoedTokenValue0123456789/sendMessage|" plan.yml
echo echo:404 >mode
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "echo: the run's result is its own"
o=$(q "select outcome from alerts where event='gate.nogo'")
case "$o" in
"HTTP 404: no such path: "*"***"*) ok "echo: the answer is journaled, the token masked" ;;
*) fail "echo: outcome '$o'" ;;
esac
sqlite3 .cutover/deliv.db .dump | grep -q AAHechoedTokenValue && fail "echo: the token is in the journal" ||
	ok "echo: no token in the journal"
run "$CUTOVER" report plan.yml --format html
expect_no AAHechoedTokenValue "echo: no token in the report"

# A receiver that never answers: each attempt times out, and the run
# ends by the drain deadline (10s) although retry.for is 2m.
plan 1s 2m
echo hang >mode
run_timed "$CUTOVER" run plan.yml --yes
expect_rc 1 "hang: the run's result is its own"
[ "$(echo "$el < 12.5" | bc)" = 1 ] && ok "hang: the run ended in ${el}s (drain deadline 10s)" ||
	fail "hang: the run took ${el}s"
expect_eq "$(q "select count(*) from alerts where state='failed'")" "2" "hang: both failed"
o=$(q "select outcome from alerts where event='gate.nogo'")
case "$o" in
*"timed out"*) ok "hang: the outcome says it timed out" ;;
*) fail "hang: outcome '$o'" ;;
esac
o=$(q "select outcome from alerts where event='rollback.done'")
case "$o" in
"not delivered before the end"*) ok "hang: what waited is failed at the deadline" ;;
*) fail "hang: outcome '$o'" ;;
esac

# kill -9 while a delivery hangs: its row stays "sending", and the report
# says the delivery was cut short rather than claim either outcome.
plan 20s 2m
echo hang >mode
"$CUTOVER" run plan.yml --yes >run.out 2>&1 &
RUNPID=$!
PIDS="$PIDS $RUNPID"
for _ in $(seq 300); do
	[ "$(q "select count(*) from alerts where state='sending'" 2>/dev/null)" = 1 ] && break
	sleep 0.05
done
kill -9 "$RUNPID"; wait "$RUNPID" 2>/dev/null
expect_eq "$(q "select event || ' ' || state from alerts")" "gate.nogo sending" \
    "kill -9: the delivery in flight is journaled as sending"
run "$CUTOVER" report plan.yml
expect_out "\| hook \| gate.nogo \| phase cut \| cut short \| 0 \|" "kill -9: the report says cut short"
run "$CUTOVER" status plan.yml
expect_out "alerts: 0 sent, 1 failed" "kill -9: status counts it as not delivered"
done_testing
