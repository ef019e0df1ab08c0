#!/bin/bash
# scenario.sh - the XFChat PostgreSQL-only migration (seeds/004) run end
# to end on simulated hosts, then once more with the seed's top
# operational risk, connection pool exhaustion (risk 4), injected.
#
#   app   10.44.1.10 --- 10.44.1.21  pgold   PostgreSQL (old, v1's)
#         10.44.2.10 --- 10.44.2.22  pgnew   PostgreSQL (new, max_connections
#                                            30), sshd
#
# Hosts are network namespaces.  app runs the XFChat server (xfchat.py:
# v1 before, v2 after; a pool of 25 connections with a 1 s acquire
# timeout), a steady load (load.py), the alert receiver and cutover
# itself; pgnew is reached over SSH for its disk, memory and processes.
# The old database gets 500 users, 4,000 messages and 4,000 history rows.
#
# Run 1: the plan from the checklist to the watch: backup, manifest,
# restore, migrations, row-by-row verification, v2 started, 8 s of
# watching (the seed's 24 hours), success judged: exit 0, report go.
# Run 2: the same night, and once the watch has begun, 40 long-polling
# clients: v2's long-poll holds a pooled connection while it waits, the
# pool (25) fills, the new server's client connections pass 80% of
# max_connections, /health gets 503: the rule on pool-headroom fires,
# the run rolls back to v1 (journaled), the webhook receives the
# trigger and the rollback, the report says so; no secret anywhere.
#
# Needs root and ip netns (else "skipped: REASON", exit 0), PostgreSQL
# 15, python3-psycopg2, OpenSSH.  Everything is removed on every exit.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
sc_init xfchat-004 psql pg_dump pg_restore pg_isready jq curl ssh ssh-keygen \
	/usr/sbin/sshd setpriv
/usr/bin/python3 -c 'import psycopg2' 2>/dev/null ||
	skip "python3-psycopg2 is not installed (apt-get install python3-psycopg2)"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/postgres" ] || skip "the PostgreSQL server is not installed"
t_start=$(date +%s%N)
# Everything in our namespaces is ours: the app xfchatctl started, ssh's
# control masters, the servers and their sessions.  A SIGTERM to each
# first, so that lib.sh's cleanup finds them gone instead of waiting.
xf_cleanup() {
	for p in $(_sc_ns_pids); do kill "$p" 2>/dev/null; done
	_sc_cleanup
}
trap xf_cleanup EXIT
mark() { echo "# +$(( ($(date +%s%N) - t_start) / 1000000 )) ms: $*"; }
# sc_wait_tcp's "python3" may be a pyenv shim: 5 s a call on a loaded
# machine.  bash's /dev/tcp costs nothing to start.
wait_tcp() { # NS HOST PORT
	ip netns exec "$1" bash -c 'for _ in $(seq 200); do
		timeout 1 bash -c "exec 3<>/dev/tcp/$0/$1" 2>/dev/null && exit 0
		sleep 0.05; done; exit 1' "$2" "$3"
}

# ---- hosts -----------------------------------------------------------
sc_host app; NSA=$SC_NS
sc_host pgold; NSO=$SC_NS
sc_host pgnew; NSN=$SC_NS
sc_link "$NSA" 10.44.1.10/24 "$NSO" 10.44.1.21/24
sc_link "$NSA" 10.44.2.10/24 "$NSN" 10.44.2.22/24

mark "hosts"
# ---- PostgreSQL, old and new: one initdb, copied; sshd meanwhile --------
pgrun="setpriv --reuid=postgres --regid=postgres --init-groups"
mkdir -p "$W/pgold" && chown postgres:postgres "$W/pgold"
$pgrun "$pgbin/initdb" -N -A trust -U postgres -D "$W/pgold/data" \
	>"$W/initdb.log" 2>&1 &
initdb_pid=$!
sc_ssh "$NSN" 10.44.2.22
wait $initdb_pid || { nok "initdb" "$(tail -5 "$W/initdb.log")"; exit 1; }
printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' \
	'host all all 0.0.0.0/0 scram-sha-256' >"$W/pgold/data/pg_hba.conf"
cp -a "$W/pgold" "$W/pgnew"
pg_start() { # NS DIR BIND ARGS...
	local ns=$1 dir=$2 bind=$3; shift 3
	sc_bg "$ns" $pgrun "$pgbin/postgres" -D "$W/$dir/data" \
		-c listen_addresses="$bind" -p 5432 -k "$W/$dir" -c fsync=off \
		-c full_page_writes=off -c shared_buffers=32MB \
		-c log_destination=stderr -c logging_collector=off "$@"
}
pg_start "$NSO" pgold 10.44.1.21
# The new server: max_connections 30 for the app's pool of 25 (the
# check pool-fits wants more than 25 left after the superuser's 3).
pg_start "$NSN" pgnew 10.44.2.22 -c max_connections=30
wait_tcp "$NSO" 10.44.1.21 5432 || { nok "PostgreSQL pgold did not start"; exit 1; }
wait_tcp "$NSN" 10.44.2.22 5432 || { nok "PostgreSQL pgnew did not start"; exit 1; }
psql_su() { psql -X -q -v ON_ERROR_STOP=1 -h "$W/$1" -U postgres "${@:2}"; }

export DB_PASSWORD=Xf9c41e7ab20d5f3c8e16b74a0d29f5c1e ALERT_TOKEN=hk7Qz2mWp9xR4tLb8nVc
export JWT_SECRET=jw4e8b1d9c2f7a3e6b0d5c8f1a4e7b2d9c6f3
export XF_DIR=$HERE
# Both servers at once: the role, its 30 s statement timeout, the
# database; the old one gets 0001 and the data.
for s in pgold pgnew; do
	{ psql_su $s -d postgres -c "CREATE ROLE xfchat LOGIN PASSWORD '$DB_PASSWORD'" \
		-c "ALTER ROLE xfchat SET statement_timeout = '30s'" \
		-c "CREATE DATABASE xfchat OWNER xfchat" &&
	  if [ $s = pgold ]; then
		sh "$HERE/migrate.sh" run "postgresql://xfchat@/xfchat?host=$W/pgold" 1 &&
		psql -X -q -v ON_ERROR_STOP=1 -h "$W/pgold" -U xfchat -d xfchat -f "$HERE/gen.sql"
	  fi; } >"$W/setup-$s.log" 2>&1 &
	eval "setup_$s=\$!"
done
for s in pgold pgnew; do
	eval "wait \$setup_$s" || { nok "setting up $s" "$(cat "$W/setup-$s.log")"; exit 1; }
done

mark "PostgreSQL old and new, data; sshd"
# ---- the app host: env files, v1, load, the alert receiver --------------
export XF_HOME=$W/xfchat XF_BACKUPS=$W/backups XF_PGNEW_DATA=$W/pgnew/data
mkdir -p "$XF_HOME"
write_env() { # VERSION HOST FLAG
	printf '%s\n' "# XFChat server $1" APP_ENV=production \
		"DATABASE_URL=postgresql://xfchat@$2:5432/xfchat" \
		"DB_PASSWORD=$DB_PASSWORD" DB_MAX_CONNECTIONS=25 \
		DB_ACQUIRE_TIMEOUT_MS=1000 DB_IDLE_TIMEOUT_S=600 \
		DB_MAX_LIFETIME_S=1800 "JWT_SECRET=$JWT_SECRET" \
		"USE_POSTGRESQL_EXCLUSIVE=$3" >"$XF_HOME/$1.env"
	chmod 600 "$XF_HOME/$1.env"
}
write_env v1 10.44.1.21 0
write_env v2 10.44.2.22 1
app() { ip netns exec "$NSA" "$@"; }
app sh "$HERE/xfchatctl.sh" start v1 >"$W/v1-start.log" 2>&1 ||
	{ nok "xfchat v1 did not start" "$(cat "$W/v1-start.log")"; exit 1; }
export ALERT_PORT=9099
sc_bg "$NSA" /usr/bin/python3 "$SC_ROOT/tests/harness/alertsink.py" $ALERT_PORT "$W/alerts.jsonl"
wait_tcp "$NSA" 127.0.0.1 $ALERT_PORT || { nok "alert receiver did not start"; exit 1; }
sc_bg "$NSA" /usr/bin/python3 "$HERE/load.py" 3000 steady 5

mark "v1, load, receiver"
# ---- the plan ----------------------------------------------------------
# Its journal goes beside it: a copy in the work dir.  The seed's 24
# hours are 8 s here, sampled every second; rules look back 4 s.
mkdir -p "$W/plan" && cp "$HERE/plan.yml" "$W/plan/plan.yml"
PLAN=$W/plan/plan.yml
export XF_WATCH_FOR=8s XF_WATCH_EVERY=1s XF_RULE_WITHIN=4s
export XF_START=$(date -u -d '-10 min' +%Y-%m-%dT%H:%M)
export XF_NOT_AFTER=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M)
export XF_ONCALL=root XF_LEAD=root XF_MGMT=root XF_ROLLBACK=root
cv() { app "$CUTOVER" "$@"; }
secrets_absent() { # DESC FILE...
	if grep -aqF -e "$DB_PASSWORD" -e "$ALERT_TOKEN" -e "$JWT_SECRET" "${@:2}"; then
		nok "$1: a secret appears" "$(grep -alF -e "$DB_PASSWORD" -e "$ALERT_TOKEN" -e "$JWT_SECRET" "${@:2}")"
	else ok "$1: no secret in it"; fi
}

sc_expect_rc 0 "plan.yml lints" cv lint -q "$PLAN"

# The T-minus checklist, answered the evening before; the team lead
# signs the code review, the go decision and (in advance) the switch.
manual=$(sed -n 's/^  - { id: \([a-z0-9-]*\), kind: manual.*/\1/p' "$PLAN" | grep -v -e code-review -e go-decision)
sc_expect_rc 0 "the checklist is confirmed" cv confirm "$PLAN" $manual --by ops --note "checked"
sc_expect_rc 0 "the team lead approves the code review" cv approve "$PLAN" code-review
sc_expect_rc 0 "the team lead says go" cv approve "$PLAN" go-decision
sc_expect_rc 0 "the team lead approves the switch's gate" cv approve "$PLAN" switch
cv status "$PLAN" --format json >"$W/status0.json" 2>&1
n_done=$(jq -r '"\(.schedule.done)/\(.schedule.overdue)"' "$W/status0.json" 2>/dev/null)
[ "$n_done" = 17/0 ] && ok "status: the 17 checklist items are done, none overdue" ||
	nok "status: checklist items done: ${n_done:-?}" "$(head -c 2000 "$W/status0.json")"

cv procedure "$PLAN" --list >"$W/procs" 2>&1
[ "$(grep -c -e server-wont-start -e db-connections-exhausted -e message-data-loss -e migration-failure "$W/procs")" = 4 ] &&
	ok "the seed's four incident procedures are listed" || nok "procedures" "$(cat "$W/procs")"
mark "checklist"
# ---- run 1: the night as planned ----------------------------------------
t1=$(date +%s%N)
cv run "$PLAN" --yes >"$W/run1.out" 2>&1
rc=$?
run1_ms=$(( ($(date +%s%N) - t1) / 1000000 ))
[ $rc -eq 0 ] && ok "run 1: completed (exit 0, ${run1_ms} ms)" ||
	nok "run 1: exit $rc" "$(tail -40 "$W/run1.out")"
cv report "$PLAN" --format json -o "$W/report1.json" >/dev/null 2>&1
r1() { jq -r "$1" "$W/report1.json" 2>/dev/null; }
case "$(r1 .state)/$(r1 .verdict)" in completed/GO*) true ;; *) false ;; esac &&
	ok "report 1: completed, $(r1 .verdict)" ||
	nok "report 1: $(r1 .state)/$(r1 .verdict)" "$(r1 .reason)"
[ "$(r1 '[.watches[0].success[] | select(.verdict != "pass")] | length')" = 0 ] &&
	ok "report 1: every success rule held ($(r1 '.watches[0].success | length') rules)" ||
	nok "report 1: a success rule failed" "$(r1 '.watches[0].success[] | "\(.check) \(.metric) \(.target): \(.measured) \(.verdict)"')"
[ "$(r1 '.watches[0].triggers | length')" = 0 ] && ok "report 1: no rule fired" ||
	nok "report 1: a rule fired" "$(r1 '.watches[0].triggers')"
n=$(r1 '[.checks[] | select(.id == "data-identical" and .status == "pass")] | length')
[ "${n:-0}" -ge 1 ] && ok "report 1: data-identical passed (users, messages, version_history)" ||
	nok "report 1: data-identical did not pass" "$(r1 '.checks[] | select(.id == "data-identical")')"
[ "$(r1 '[.risks[] | select(.level == "critical" and .mitigation_ready != true)] | length')" = 0 ] &&
	ok "report 1: every critical risk's mitigation is ready" ||
	nok "report 1: critical risk not ready" "$(r1 '.risks[] | "\(.id) \(.mitigation_ready) \(.mitigation_note)"')"
[ "$(r1 '.downtime.duration_ms | type')" = number ] && ok "report 1: downtime measured ($(r1 .downtime.duration_ms) ms, stop-v1 to start-v2)" ||
	nok "report 1: no downtime measured" "$(r1 .downtime)"
grep -q '"version": "v2"' <(app curl -s -m 2 http://127.0.0.1:3000/health) &&
	ok "run 1: v2 answers /health" || nok "run 1: v2 does not answer /health"
n=$(psql -X -At -h "$W/pgnew" -U xfchat -d xfchat -c "SELECT count(*) FROM chat_messages WHERE id > 4000")
[ "${n:-0}" -gt 0 ] && ok "run 1: the load's messages land in chat_messages on the new server ($n)" ||
	nok "run 1: no new message in chat_messages"
grep -q '"event": "trigger"' "$W/alerts.jsonl" 2>/dev/null &&
	nok "run 1: a trigger alert was sent" || ok "run 1: no trigger alert"

mark "run 1 judged"
# ---- between the runs: back to v1 on a fresh new server -----------------
app sh "$HERE/xfchatctl.sh" stop v2 >/dev/null 2>&1
psql_su pgnew -d postgres -c "DROP DATABASE xfchat WITH (FORCE)" \
	-c "CREATE DATABASE xfchat OWNER xfchat" 2>"$W/err" || nok "reset pgnew" "$(cat "$W/err")"
app sh "$HERE/xfchatctl.sh" start v1 >/dev/null 2>&1 || nok "v1 did not start again"
: >"$W/alerts.jsonl"

mark "reset"
# ---- run 2: the pool runs out under load --------------------------------
# 40 long-polling clients, ready before the run; once the watch has
# begun they start, each holding one of v2's pooled connections for 3 s.
sc_bg "$NSA" /usr/bin/python3 "$HERE/load.py" 3000 longpoll 40 "$W/go"
burst=$SC_PID
# A gate's approval opens it once: the team lead approves run 2's switch.
sc_expect_rc 0 "the team lead approves run 2's switch" cv approve "$PLAN" switch
t2=$(date +%s%N)
cv run "$PLAN" --yes >"$W/run2.out" 2>&1 &
run2=$!
for _ in $(seq 600); do
	cv status "$PLAN" --format json 2>/dev/null | jq -e '.run == 2 and (.watches | length > 0)' >/dev/null 2>&1 && break
	kill -0 $run2 2>/dev/null || break
	sleep 0.05
done
touch "$W/go"
wait $run2
rc=$?
run2_ms=$(( ($(date +%s%N) - t2) / 1000000 ))
kill $burst 2>/dev/null
[ $rc -eq 1 ] && ok "run 2: rolled back (exit 1, ${run2_ms} ms)" ||
	nok "run 2: exit $rc, expected 1" "$(tail -40 "$W/run2.out")"
cv report "$PLAN" --format json -o "$W/report2.json" >/dev/null 2>&1
cv report "$PLAN" -o "$W/report2.md" >/dev/null 2>&1
r2() { jq -r "$1" "$W/report2.json" 2>/dev/null; }
[ "$(r2 .run)" = 2 ] && [ "$(r2 .state)" = rolled-back ] &&
	ok "report 2: run 2 rolled back" || nok "report 2: run $(r2 .run) $(r2 .state)" "$(r2 .reason)"
# The pool's exhaustion shows first on one of the two rules the seed's
# risks give: pool-headroom (risk 4) two samples in a row, or /health
# failing (risk 1); whichever fires, pool-headroom must have failed.
trig=$(r2 '.watches[0].triggers[0] | "\(.check): \(.rule)"')
case $trig in
pool-headroom:*|app-health:*) ok "report 2: the rule that fired: $trig" ;;
*) nok "report 2: trigger is '$trig', expected pool-headroom or app-health" "$(r2 '.watches[0].reason')" ;;
esac
n=$(r2 '.watches[0].checks[] | select(.id == "pool-headroom") | .failing')
[ "${n:-0}" -ge 1 ] && ok "report 2: pool-headroom failed in the watch ($n samples)" ||
	nok "report 2: pool-headroom never failed in the watch" "$(r2 '.watches[0].checks[] | select(.id == "pool-headroom")')"
msg=$(r2 '[.alerts.deliveries[] | select(.check == "pool-headroom" and .event == "check.fail")][0].message')
# When the pool and cutover's other samples hold every slot the
# superuser has not reserved, the check cannot connect at all: that is
# a failure too, and says why.
echo "$msg" | grep -Eq '^[0-9]+ of 30 connections in use \([0-9]+%\), at or past 80%$|remaining connection slots are reserved' &&
	ok "report 2: pool-headroom said: $msg" || nok "report 2: pool-headroom's message" "$msg"
undone=$(r2 '[.rollback[] | select(.state == "ok") | .step] | join(" ")')
for s in start-v2 migrate restore stop-v1 status-page; do
	case " $undone " in
	*" $s "*) ok "report 2: rollback ran $s" ;;
	*) nok "report 2: rollback did not run $s" "$(r2 '.rollback')" ;;
	esac
done
[ "$(r2 '[.checks[] | select(.id == "v1-health" and .status == "pass")] | length')" -ge 1 ] &&
	ok "report 2: rollback_verify v1-health passed" ||
	nok "report 2: v1-health" "$(r2 '.checks[] | select(.id == "v1-health")')"
grep -q 'Connection pool exhaustion' "$W/report2.md" 2>/dev/null && grep -q 'rollback_if fired in phase post' "$W/report2.md" &&
	ok "report 2 (Markdown) names the trigger and the risk" || nok "report 2 (Markdown)" "$(head -60 "$W/report2.md")"
grep -q '"version": "v1"' <(app curl -s -m 2 http://127.0.0.1:3000/health) &&
	ok "run 2: v1 answers /health again" || nok "run 2: v1 does not answer"
n=$(psql -X -At -h "$W/pgnew" -U xfchat -d xfchat -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
[ "$n" = 0 ] && ok "run 2: the new server was emptied by restore's undo" || nok "run 2: pgnew has $n tables"
[ -s "$XF_HOME/status-page.txt" ] && ok "run 2: the status page was posted" || nok "run 2: no status page"

mark "run 2 judged"
# The receiver got the trigger and the rollback, with the bearer token.
sleep 0.2
ev=$(jq -r '.body | fromjson | .event' "$W/alerts.jsonl" 2>/dev/null | sort -u | tr '\n' ' ')
for e in trigger rollback.start rollback.done run.done; do
	case " $ev " in
	*" $e "*) ok "alert: $e received" ;;
	*) nok "alert: no $e (got: $ev)" ;;
	esac
done
jq -r 'select((.body | fromjson | .event) == "trigger") | .body | fromjson | .text' "$W/alerts.jsonl" |
	grep -Eq 'rollback_if fired in phase post: (pool-headroom|app-health)' &&
	ok "alert: the trigger names its rule" || nok "alert: trigger text" "$(jq -r .body "$W/alerts.jsonl")"
jq -r '.body | fromjson | select(.event == "check.fail") | .text' "$W/alerts.jsonl" |
	grep -Eq 'pool-headroom \(fail\): ([0-9]+ of 30 connections in use|.*remaining connection slots are reserved)' &&
	ok "alert: check.fail of pool-headroom received" || nok "alert: no check.fail of pool-headroom" "$(jq -r .body "$W/alerts.jsonl")"
jq -r '.headers.Authorization' "$W/alerts.jsonl" | grep -qxF "Bearer $ALERT_TOKEN" &&
	ok "alert: sent with the token" || nok "alert: no Authorization header"

# No secret in what cutover wrote: output, reports, journal, alert bodies.
jq -r '.body' "$W/alerts.jsonl" >"$W/alert-bodies"
secrets_absent "run output" "$W/run1.out" "$W/run2.out"
secrets_absent "reports" "$W/report1.json" "$W/report2.json" "$W/report2.md"
secrets_absent "journal" "$W/plan/.cutover/"*.db*
secrets_absent "alert bodies" "$W/alert-bodies"

# XF_DEBUG=DIR keeps the outputs, reports and journal there.
[ -n "${XF_DEBUG:-}" ] && mkdir -p "$XF_DEBUG" &&
	cp -r "$W"/*.out "$W"/*.json "$W"/*.md "$W"/alerts.jsonl "$W/plan" "$XF_HOME" "$XF_DEBUG/"
echo "# scenario time: $(( ($(date +%s%N) - t_start) / 1000000 )) ms (run 1 ${run1_ms} ms, run 2 ${run2_ms} ms)"
sc_finish
