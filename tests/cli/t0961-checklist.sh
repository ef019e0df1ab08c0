#!/bin/bash
# t0961-checklist.sh - T-minus checklist items against the real clock:
# the plan's start is put 47 hours from now, so an item due T-48h is an
# hour overdue, one due T-24h is pending and one due T-2790m (46h30m) is due in
# the next hour.  status (text and JSON) shows them; `status --alert`
# sends checklist.overdue to a real local webhook once per item; a run
# is blocked by the overdue manual item its phase needs, alerting (an
# overdue check of another kind is alerted, and run); confirming
# the item (journaled with the user) lets the phase start.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 not installed"; exit 0; }
command -v jq >/dev/null || { echo "skipped: jq not installed"; exit 0; }
[ -f /usr/share/zoneinfo/Europe/Moscow ] || { echo "skipped: tzdata not installed"; exit 0; }
cd "$T"
now=$(date +%s)	# read once: the minute may turn during the test
at() { TZ=Europe/Moscow date -d "@$((now + $1))" "+$2"; }
P=$(port)
python3 "$ROOT/tests/harness/alertsink.py" "$P" sink.jsonl >sink.out 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 400); do grep -q ready sink.out && break; sleep 0.05; done
grep -q ready sink.out || { fail "alert receiver did not start" "$(cat sink.out)"; done_testing; exit; }

cat >plan.yml <<EOF
cutover: 1
name: tminus
schedule: { start: "$(at $((47 * 3600)) %Y-%m-%dT%H:%M:%S)", tz: Europe/Moscow }
checks:
  - { id: backups, kind: manual, ask: Backups verified?, due: T-48h }
  - { id: notified, kind: manual, ask: Team notified?, due: T-24h }
  - { id: dns-ttl, kind: command, run: [true], due: T-2790m }
  - { id: ttl-ok, kind: command, run: [true], due: T-48h }
phases:
  - id: pre
    checks: [backups, ttl-ok]
    steps:
      - { id: mark, shell: echo ran >> log }
alerts:
  - id: hook
    kind: webhook
    url: http://127.0.0.1:$P/hook
    events: [checklist.overdue]
EOF

run "$CUTOVER" lint plan.yml
expect_rc 0 "a plan with due items lints"
run "$CUTOVER" status plan.yml
expect_rc 0 "status before any run"
expect_out "checklist: 2 overdue, 1 due, 1 pending, 0 done" "the counts"
expect_out "overdue +backups +T-48h +due $(at -3600 '%Y-%m-%d %H:%M')(:[0-9]+)? MSK" \
	"the T-48h item is overdue, with its due time in the plan's zone"
expect_out "due +dns-ttl +T-46h30m" "the T-46h30m item is due within the hour"
expect_out "pending +notified +T-24h" "the T-24h item is pending"
run "$CUTOVER" status plan.yml --format json
expect_eq "$(printf '%s' "$out" | jq -r '[.schedule.items[] | "\(.id)=\(.state)"] | join(" ")')" \
	"backups=overdue ttl-ok=overdue dns-ttl=due notified=pending" \
	"JSON lists the items in due order, then in the plan's"
expect_eq "$(printf '%s' "$out" | jq -r .schedule.overdue)" 2 "JSON counts the overdue"

# serve shows the same: the dashboard's Schedule section and /api/status.
"$CUTOVER" serve plan.yml --listen 127.0.0.1:0 2>serve.err &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 100); do grep -q '^cutover serve: http' serve.err && break; sleep 0.05; done
URL=$(sed -n 's/^cutover serve: \(http[^ ]*\) .*/\1/p' serve.err)
page=$(curl -s "${URL%/}/")
printf '%s' "$page" | grep -q '<section id="schedule"><h2>Schedule</h2><pre>' &&
printf '%s' "$page" | grep -Eq 'overdue +backups +T-48h' &&
	ok "the dashboard shows the checklist" || fail "no checklist on the dashboard" "$page"
expect_eq "$(curl -s "${URL%/}/api/status" | jq -r '.schedule.items[0] | "\(.id) \(.state)"')" \
	"backups overdue" "/api/status carries the checklist"
kill $SPID; wait $SPID 2>/dev/null

# status --alert: one delivery per overdue item, not repeated.
run "$CUTOVER" status plan.yml --alert
expect_rc 0 "status --alert"
expect_err "alerted: checklist item 'backups' was due at" "it says what it alerted"
expect_eq "$(jq -r '.body | fromjson | "\(.event) \(.check) \(.status)"' sink.jsonl | sort | tr '\n' ' ')" \
	"checklist.overdue backups overdue checklist.overdue ttl-ok overdue " \
	"the webhook got checklist.overdue for each overdue item"
run "$CUTOVER" status plan.yml --alert
expect_eq "$(wc -l <sink.jsonl)" 2 "a delivered alert is not sent again"

# A run (forced past the schedule) is blocked by the overdue item, alerting.
run "$CUTOVER" run plan.yml --yes --force
expect_rc 1 "the phase needing the overdue item is blocked"
expect_out "phase 'pre' is blocked by overdue checklist items: backups \(due " "the block names the item"
[ ! -e log ] && ok "no step ran" || fail "a step ran past an overdue item"
for _ in $(seq 100); do [ "$(wc -l <sink.jsonl)" -ge 4 ] && break; sleep 0.05; done
expect_eq "$(jq -r 'select(.body | fromjson | .phase == "pre") | .body | fromjson | "\(.event) \(.check)"' sink.jsonl | sort | tr '\n' ' ')" \
	"checklist.overdue backups checklist.overdue ttl-ok " "the run alerted the overdue items of its phase"
expect_eq "$(sqlite3 .cutover/tminus.db "select count(*) from events where type='checklist-overdue' and phase_id='pre'")" 2 \
	"each is a journal event"
expect_no "ttl-ok (due" "an overdue check that is not manual does not block: the phase runs it"

# Done late: the item is confirmed (who is journaled) and the phase goes.
run "$CUTOVER" confirm plan.yml backups --note 'restored on staging'
expect_rc 0 "the item is confirmed ahead of the run"
expect_eq "$(sqlite3 .cutover/tminus.db "select user from confirmations where check_id='backups'")" "$(id -un)" \
	"journaled with the user"
run "$CUTOVER" status plan.yml
expect_out "done +backups +T-48h .* by $(id -un)" "status shows it done, by whom"
run "$CUTOVER" resume plan.yml --yes --force
expect_rc 0 "with the item done the phase runs"
expect_eq "$(cat log)" ran "the step ran"
run "$CUTOVER" status plan.yml
expect_out "done +ttl-ok +T-48h" "the check item is done once it passed in the run"

done_testing
