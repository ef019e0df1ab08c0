#!/bin/bash
# t0750-alert.sh - alerts of a run, received by a real HTTP receiver
# (tests/harness/alertsink.py) and a command: a failing gate sends
# gate.nogo, rollback.start and rollback.done (bodies parsed as JSON), a
# Telegram-style channel gets its template with the bot token in the
# URL path, a Slack-style one the default JSON, a command the event on
# stdin; check.fail / check.recover on changes.  The bot token, a header
# key and a declared secret appear in no journal row, output or report.
# `cutover check` sends nothing.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 not installed"; exit 0; }
command -v jq >/dev/null || { echo "skipped: jq not installed"; exit 0; }
cd "$T"
# Neither is declared in secrets: a channel's URL and key are masked anyway.
export TG_TOKEN=123456789:AAHsecretBotTokenValue_0123456789
export HOOK_KEY=hk-secret-hook-key-42
export API_TOKEN=api-s3cr3t-in-output
P=$(port)
python3 "$ROOT/tests/harness/alertsink.py" "$P" sink.jsonl >sink.out 2>&1 &
PIDS="$PIDS $!"
# Up to 20s: Python starts slowly on a loaded machine.
for _ in $(seq 400); do grep -q ready sink.out && break; sleep 0.05; done
grep -q ready sink.out || { fail "alert receiver did not start" "$(cat sink.out)"; done_testing; exit; }

cat >plan.yml <<EOF
cutover: 1
name: alerted
vars:
  chat: "-100123"
secrets: [API_TOKEN]
checks:
  - { id: flag, kind: file, path: flag }
  - id: db-login
    kind: command
    run: [sh, -c, 'test -e flag || { echo "login with \$API_TOKEN refused"; exit 1; }']
phases:
  - id: pre
    checks: [flag]
  - id: cut
    steps:
      - id: drop-flag
        shell: rm -f flag
        undo: { shell: touch flag }
    gate: [flag, db-login]
rollback_verify: [flag]
alerts:
  - id: telegram
    kind: webhook
    url: http://127.0.0.1:$P/bot\${env:TG_TOKEN}/sendMessage
    body: '{"chat_id": "\${chat}", "text": "\${text}"}'
    events: [run.start, gate.nogo, rollback.start, rollback.done, run.done]
  - id: slack
    kind: webhook
    url: http://127.0.0.1:$P/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX
    headers: { X-Api-Key: "\${env:HOOK_KEY}" }
  - id: logger
    kind: command
    run: [sh, -c, 'cat >> events.jsonl']
    events: [check.fail, check.recover, gate.nogo]
    hold: 0s
EOF
touch flag

run "$CUTOVER" lint plan.yml
expect_rc 0 "a plan with alerts lints"

# cutover check runs checks once: no run, no journal, no alert.
run "$CUTOVER" check plan.yml
expect_rc 0 "check passes"
sleep 0.3
[ ! -s sink.jsonl ] && [ ! -e events.jsonl ] && ok "check sends no alert" ||
	fail "check sent alerts" "$(cat sink.jsonl events.jsonl 2>/dev/null)"

start=$(date +%s)
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "the gate fails and the run rolls back"
expect_out "run 1: rolled back" "rolled back"
[ $(( $(date +%s) - start )) -le 8 ] && ok "delivery did not slow the run" ||
	fail "the run took $(( $(date +%s) - start ))s"

tg() { jq -c "select(.path | startswith(\"/bot\")) | .body | fromjson | $1" sink.jsonl; }
sl() { jq -c "select(.path | startswith(\"/services\")) | .body | fromjson | $1" sink.jsonl; }

expect_eq "$(tg '.chat_id' | sort -u)" '"-100123"' "telegram: the template's chat_id (a var)"
expect_eq "$(tg '.text | split(": ")[0:3] | join(": ")' | tr '\n' ' ')" \
    '"cutover: alerted run 1: run.start (started)" "cutover: alerted run 1: gate.nogo phase cut (no-go)" "cutover: alerted run 1: rollback.start (rolling-back)" "cutover: alerted run 1: rollback.done (rolled-back)" "cutover: alerted run 1: run.done (rolled-back)" ' \
    "telegram: the events it asked for, in order"
expect_eq "$(jq -r 'select(.path | startswith("/bot")) | .path' sink.jsonl | sort -u)" \
    "/bot$TG_TOKEN/sendMessage" "telegram: the token goes in the URL path"
expect_eq "$(jq -r 'select(.path | startswith("/bot")) | .headers["Content-Type"]' sink.jsonl | sort -u)" \
    "application/json" "a JSON template is sent as application/json"

# The default body and the default events (no run.start, no gate.go).
# flag recovered during the rollback, inside the default hold (5m): the
# recover is held back, and sent at the end as the state it ended in.
expect_eq "$(sl '.event' | tr -d '"' | tr '\n' ' ')" \
    "check.fail check.fail gate.nogo rollback.start rollback.done run.done check.recover " \
    "slack: the default events; a change inside the hold waits for the end"
expect_eq "$(sl 'select(.event == "check.recover") | .message')" \
    "\"'flag' exists (the state at the end)\"" "slack: the held recover says so"
expect_eq "$(sl 'select(.event == "gate.nogo") | "\(.plan)|\(.run)|\(.phase)|\(.status)|\(.message)"')" \
    '"alerted|1|cut|no-go|gate of phase cut failed: flag, db-login"' "slack: gate.nogo's fields"
expect_eq "$(sl 'select(.event == "check.fail" and .check == "db-login") | .message')" \
    '"exited with status 1, expected 0: login with *** refused"' "an event's text has the declared secret masked"
expect_eq "$(sl 'select(.event == "gate.nogo") | .time | test("^20[0-9-]+T[0-9:.]+Z$")')" "true" \
    "slack: an ISO time"
expect_eq "$(jq -r 'select(.path | startswith("/services")) | .headers["X-Api-Key"]' sink.jsonl | sort -u)" \
    "$HOOK_KEY" "slack: the header is sent"

# The command gets one JSON object per event on stdin; hold 0s: every change.
expect_eq "$(jq -r '.event + ":" + (.check // "-")' events.jsonl | tr '\n' ' ')" \
    "check.fail:flag check.fail:db-login gate.nogo:- check.recover:flag " \
    "command: check.fail, gate.nogo, check.recover on stdin"
[ "$(wc -l <events.jsonl)" -eq "$(jq -c . events.jsonl | wc -l)" ] &&
	ok "command: every line is one JSON object" || fail "command: not one object per line"

# Journaled: every delivery with its outcome.
q() { sqlite3 .cutover/alerted.db "$1"; }
expect_eq "$(q "select count(*) from alerts where state != 'sent'")" "0" "every delivery journaled as sent"
expect_eq "$(q "select count(*) from alerts where channel='telegram'")" "5" "telegram: 5 deliveries journaled"
expect_eq "$(q "select outcome from alerts where channel='logger' limit 1")" "exited with status 0" \
    "a command's outcome is its exit"
expect_eq "$(q "select outcome from alerts where channel='slack' limit 1")" 'HTTP 200: {"ok":true}' \
    "a webhook's outcome is its HTTP status"

run "$CUTOVER" status plan.yml
expect_out "alerts: 16 sent, 0 failed" "status counts deliveries"
run "$CUTOVER" report plan.yml
expect_out "^\| telegram \| webhook POST http://127.0.0.1:$P \| 5 \| 0 \| 0 \| 0 \|" \
    "report: per channel, the endpoint without its path"
expect_out "Every alert was delivered \(16\)" "report: all delivered"
run "$CUTOVER" report plan.yml --format json
expect_eq "$(printf '%s' "$out" | jq -c '[.alerts.channels[] | [.id, .sent, .failed]]')" \
    '[["telegram",5,0],["slack",7,0],["logger",4,0]]' "report json: per channel"

# No credential anywhere it could be read back.
secret_half=AAHsecretBotTokenValue_0123456789
leaks=""
for f in .cutover/alerted.db; do
	sqlite3 "$f" .dump >dump.sql
	grep -q -e "$secret_half" -e "$HOOK_KEY" -e XXXXXXXXXXXXXXXXXXXXXXXX -e "$API_TOKEN" dump.sql &&
		leaks="$leaks journal"
done
for fmt in md html json; do
	"$CUTOVER" report plan.yml --format $fmt >report.$fmt 2>&1
	grep -q -e "$secret_half" -e "$HOOK_KEY" -e XXXXXXXXXXXXXXXXXXXXXXXX -e "$API_TOKEN" report.$fmt &&
		leaks="$leaks report.$fmt"
done
for c in "status plan.yml" "status plan.yml --format json" "run plan.yml --dry-run" "lint plan.yml"; do
	run "$CUTOVER" $c
	printf '%s\n%s\n' "$out" "$err" | grep -q -e "$secret_half" -e "$HOOK_KEY" \
	    -e XXXXXXXXXXXXXXXXXXXXXXXX && leaks="$leaks '$c'"
done
[ -z "$leaks" ] && ok "no token, key or secret in the journal, reports or output" ||
	fail "a credential leaked into:$leaks"
grep -q "$secret_half" sink.jsonl && ok "(the receiver did get the token: the test can see it)" ||
	fail "the token never reached the receiver"
n=$(wc -l <sink.jsonl)
run "$CUTOVER" run plan.yml --dry-run
expect_eq "$(wc -l <sink.jsonl)" "$n" "a dry run sends nothing"
expect_out "^  telegram: webhook POST http://127.0.0.1:$P\$" "a dry run shows the channel's endpoint"
expect_out "^    events: gate.nogo check.fail check.recover\$" "... and its events"

# A run that goes well (gate.go, run.done completed), a window overrun,
# and `cutover rollback`: the events a command channel gets.
mkdir good && cd good || exit 1
cat >plan.yml <<'EOF'
cutover: 1
name: good
checks:
  - { id: ok, kind: command, run: "true" }
  - { id: ready, kind: file, path: ready }
phases:
  - id: pre
    checks: [ready]
  - id: cut
    steps:
      - { id: s, shell: "true", undo: "true" }
    gate: [ok]
  - id: slow
    window: { max: 1s }
    steps:
      - { id: nap, shell: "sleep ${env:NAP:-0}" }
alerts:
  - kind: command
    run: [sh, -c, 'cat >> events.jsonl']
    events: [run.start, gate.go, gate.nogo, window.overrun, rollback.start, rollback.done, run.done]
  - kind: command
    run: [perl, -e, 'open F, ">>sigblk.txt"; open S, "/proc/self/status"; print F grep /^SigBlk/, <S>']
    events: [run.start]
EOF
ev() { jq -r '.event + ":" + .status' events.jsonl | tr '\n' ' '; rm -f events.jsonl; }
touch ready
run "$CUTOVER" run plan.yml --yes
expect_rc 0 "a run that goes well"
expect_eq "$(cut -f2 sigblk.txt)" "0000000000000000" \
    "a command starts with no signal blocked (the sender thread blocks them)"
expect_eq "$(ev)" "run.start:started gate.go:go run.done:completed " \
    "run.start, gate.go, run.done completed"
run "$CUTOVER" rollback plan.yml --yes
expect_rc 0 "rollback of the completed run"
expect_eq "$(ev)" "run.start:rollback requested rollback.start:rolling-back rollback.done:rolled-back run.done:rolled-back " \
    "cutover rollback: run.start, rollback.start, rollback.done, run.done"
NAP=3 run "$CUTOVER" run plan.yml --yes
expect_rc 1 "a window overrun rolls back"
expect_eq "$(ev)" "run.start:started gate.go:go window.overrun:overrun rollback.start:rolling-back rollback.done:rolled-back run.done:rolled-back " \
    "window.overrun, then the rollback"
# Stopped at an entry check, then resumed.
rm ready
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "an entry check stops the run"
expect_eq "$(ev)" "run.start:started gate.nogo:no-go run.done:stopped " "a stopped run: gate.nogo for its entry checks, and run.done says stopped"
touch ready
run "$CUTOVER" resume plan.yml --yes
expect_rc 0 "resume completes"
expect_eq "$(ev)" "run.start:resumed gate.go:go run.done:completed " "resume: run.start resumed"
done_testing
