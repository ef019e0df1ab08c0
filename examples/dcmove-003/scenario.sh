#!/bin/bash
# scenario.sh - seeds/003 (AI Admin v2: Moscow -> St. Petersburg, Supabase
# -> Timeweb PostgreSQL, eight PM2 services) run end to end on simulated
# datacenters, then once more with the seed's top risk injected.
#
#   old DC (Moscow)  203.0.113.10 --"internet"-- 203.0.113.20  new DC (St. Petersburg)
#     sshd, pm2 + 8 node services               sshd, pm2 + 8 node services,
#     "Supabase" PostgreSQL on 203.0.113.50      Redis (requirepass), Timeweb
#     alert receiver (127.0.0.1:8443),           PostgreSQL on 192.168.0.4
#     the operator's cutover                     ("Cute Crossbill", on its lo)
#
# 203.0.113.10 stands for the seed's 46.149.70.219.  Supabase is a hosted
# PostgreSQL: a real PostgreSQL 15 with the seed's tables stands in for it
# (its REST API plays no part in the copy), on an address of its own in
# the old DC's namespace.  Hours are scaled to eighths of a second: the
# 48-hour parallel run lasts 6 s, "pm2 status every 2 hours" samples every
# 0.25 s; the later watches (30 minutes, 3 hours, a week) last 2-3.5 s.
#
# 1. The night as planned: checklist confirmed and signed, `run --yes`
#    copies the data (pg_dump / pg_restore), verifies it (row counts, the
#    native data-diff, the seed's own SQL), switches the new server's .env,
#    restarts PM2, watches the parallel run, the night's monitoring and
#    the week, hardens, and stops before the decommission until the
#    coordinator approves it; `resume` decommissions the old server; GO.
#    `watch --phase daily` watches the week alone.  Then Timeweb is
#    emptied, the new server's .env put back on Supabase and the old
#    server's PM2 started again for the second night.
# 2. Risk 0, "Incomplete data transfer (335 keys must ALL migrate)": the
#    run stops at the verification gate awaiting the go; 35 Baileys keys
#    vanish from Timeweb; `resume --yes` judges the gate again: no-go,
#    rollback, the alert at the receiver, the report naming the table and
#    the row difference.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
sc_init dcmove-003 pm2 node npm psql pg_dump pg_restore jq ssh ssh-keygen /usr/sbin/sshd setpriv git fail2ban-server redis-cli
T0=$(date +%s%N)

# pm2 daemons live in our namespaces (the cleanup kills them); pm2 kill
# first, so that they end cleanly.
_dc_cleanup() {
	local t=$(date +%s%N)
	local h k=""
	for h in old new; do
		[ -S "$W/$h/pm2/rpc.sock" ] || continue
		PM2_HOME=$W/$h/pm2 timeout 10 pm2 kill >/dev/null 2>&1 &
		k="$k $!"
	done
	for h in $k; do wait "$h"; done
	# What else runs in our namespaces is ours (ssh ControlMasters kept
	# 60 s, servers): TERM it now, or the cleanup polls 5 s for it.
	for h in $(_sc_ns_pids); do kill "$h" 2>/dev/null; done
	_sc_cleanup
	echo "# cleanup: $(( ($(date +%s%N) - t) / 1000000 )) ms"
}
trap _dc_cleanup EXIT

# ---- topology ------------------------------------------------------------
sc_host old; NS_OLD=$SC_NS
sc_host new; NS_NEW=$SC_NS
sc_link "$NS_OLD" 203.0.113.10/24 "$NS_NEW" 203.0.113.20/24
ip -n "$NS_OLD" addr add 203.0.113.50/24 dev v1a        # "Supabase"
# "Cute Crossbill": the private network lives inside the new DC (this
# kernel has no dummy links: the addresses sit on its loopback).
ip -n "$NS_NEW" addr add 192.168.0.4/24 dev lo           # Timeweb PostgreSQL
ip -n "$NS_NEW" addr add 192.168.0.5/32 dev lo           # the new VPS
sc_ssh "$NS_OLD" 203.0.113.10
sc_ssh "$NS_NEW" 203.0.113.20

export SUPABASE_DB_PASSWORD=sb-$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
export POSTGRES_PASSWORD=tw-$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
export REDIS_PASSWORD=rd-$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
export GEMINI_API_KEY=AIza$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
export TG_TOKEN=7001234567:$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
SECRETS="$SUPABASE_DB_PASSWORD $POSTGRES_PASSWORD $REDIS_PASSWORD $GEMINI_API_KEY $TG_TOKEN"

tick() { echo "# +$(( ($(date +%s%N) - T0) / 1000000 )) ms $*"; }
tick ssh
# dc_pg NS DIR BIND PORT: sc_pg's server, from one initdb copied (initdb
# is 2-4 s of CPU; a copy is nothing).
dc_pg() {
	local bin pgrun="setpriv --reuid=postgres --regid=postgres --init-groups"
	bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	if [ ! -d "$W/.pginit" ]; then
		mkdir -p "$W/.pginit" && chown postgres:postgres "$W/.pginit"
		$pgrun "$bin/initdb" -A trust -U postgres -D "$W/.pginit/data" \
			>"$W/pginit.log" 2>&1 || { nok "initdb" "$(tail -5 "$W/pginit.log")"; sc_finish; }
		printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' \
			'host all all 0.0.0.0/0 scram-sha-256' >"$W/.pginit/data/pg_hba.conf"
	fi
	cp -a "$W/.pginit" "$W/$2"
	sc_bg "$1" $pgrun "$bin/postgres" -D "$W/$2/data" \
		-c listen_addresses="$3" -p "$4" -k "$W/$2" -c fsync=off \
		-c full_page_writes=off -c shared_buffers=32MB \
		-c log_destination=stderr -c logging_collector=off
}
dc_pg "$NS_OLD" pgsb 203.0.113.50 5432
dc_pg "$NS_NEW" pgtw 192.168.0.4 5432
for d in pgsb pgtw; do	# listening is not yet accepting ("starting up")
	for _ in $(seq 100); do
		psql -X -h "$W/$d" -U postgres -Atc 'SELECT 1' >/dev/null 2>&1 && continue 2
		sleep 0.1
	done
	nok "PostgreSQL $d did not start" "$(tail -20 "$W/bg.log")"; sc_finish
done
tick pg
sc_redis "$NS_NEW" 127.0.0.1 --requirepass "$REDIS_PASSWORD"
# The bot's cache at work: 9 hits and 1 miss (90%), for 6.2's hit rate.
rc_new() { ip netns exec "$NS_NEW" redis-cli -a "$REDIS_PASSWORD" --no-auth-warning "$@" >/dev/null; }
rc_new set cache:session v
for _ in 1 2 3 4 5 6 7 8 9; do rc_new get cache:session; done
rc_new get cache:absent
# The old server's own Redis (stopped at the decommission).
export OLD_REDIS_PASSWORD=old-$REDIS_PASSWORD
sc_redis "$NS_OLD" 127.0.0.1 --requirepass "$OLD_REDIS_PASSWORD"
sb() { psql -X -q -v ON_ERROR_STOP=1 -h "$W/pgsb" -U postgres "$@"; }
tw() { psql -X -q -v ON_ERROR_STOP=1 -h "$W/pgtw" -U postgres "$@"; }
{ sb -c "ALTER USER postgres PASSWORD '$SUPABASE_DB_PASSWORD'" &&
  sb -f "$HERE/schema.sql" && sb -f "$HERE/data.sql" &&
  tw -c "CREATE USER gen_user PASSWORD '$POSTGRES_PASSWORD'" &&
  tw -c "CREATE DATABASE default_db OWNER gen_user" &&
  psql -X -q -v ON_ERROR_STOP=1 -h "$W/pgtw" -U gen_user default_db -f "$HERE/schema.sql"
} >"$W/sql.log" 2>&1 || { nok "databases" "$(cat "$W/sql.log")"; sc_finish; }
rows=$(sb -At -c "SELECT (SELECT count(*) FROM whatsapp_auth) + (SELECT count(*) FROM whatsapp_keys) +
	(SELECT count(*) FROM clients) + (SELECT count(*) FROM schedules) +
	(SELECT count(*) FROM bookings) + (SELECT count(*) FROM messages)")
[ "$rows" = 6036 ] && ok "Supabase holds 6036 generated rows over 6 tables" || nok "generated rows: $rows"

# ---- the application on both servers ---------------------------------------
# .env as the seed's 3.3 has it: the old one reaches Timeweb through the
# SSH tunnel (localhost:5433); the new one on the private network, a new
# Redis password, its own API address.  Both still run on Supabase.
app_env() { # HOST PGHOST PGPORT REDISPW
	cat <<EOF
NODE_ENV=production
USE_LEGACY_SUPABASE=true
SUPABASE_URL=https://aiadmin.supabase.co
SUPABASE_DB_HOST=203.0.113.50
SUPABASE_DB_USER=postgres
SUPABASE_DB_NAME=postgres
SUPABASE_DB_PASSWORD=$SUPABASE_DB_PASSWORD
USE_DATABASE_AUTH_STATE=true
POSTGRES_HOST=$2
POSTGRES_PORT=$3
POSTGRES_DATABASE=default_db
POSTGRES_USER=gen_user
POSTGRES_PASSWORD=$POSTGRES_PASSWORD
REDIS_URL=redis://localhost:6379
REDIS_PASSWORD=$4
SOCKS_PROXY=socks5://127.0.0.1:1080
AI_ADMIN_API_URL=http://$1:3000
WEBHOOK_URL=http://$1:3000/webhook/whatsapp/batched
AI_PROVIDER=gemini-flash
GEMINI_API_KEY=$GEMINI_API_KEY
YCLIENTS_COMPANY_ID=962302
WHATSAPP_PHONE=79936363848
BAILEYS_STANDALONE=true
EOF
}
for h in old new; do mkdir -p "$W/$h/opt/ai-admin/logs" "$W/$h/pm2"; done
mkdir -p "$W/backups"
OLD_APP=$W/old/opt/ai-admin NEW_APP=$W/new/opt/ai-admin
app_env 203.0.113.10 localhost 5433 "old-$REDIS_PASSWORD" >"$OLD_APP/.env"
app_env 203.0.113.20 192.168.0.4 5432 "$REDIS_PASSWORD" >"$NEW_APP/.env"
chmod 600 "$OLD_APP/.env" "$NEW_APP/.env"
# The deployed code (3.1, 3.4): the repository on main at the release
# commit, its dependencies as npm installed them (package.json files
# only: the stand-in services need none of them).
deploy() { # APP_DIR API_IP
	local d=$1 p v
	mkdir -p "$d/src" "$d/scripts" "$d/docs/migrations"
	cat >"$d/package.json" <<'JSON'
{
  "name": "ai-admin-v2",
  "version": "2.0.0",
  "private": true,
  "dependencies": {
    "@google/generative-ai": "0.21.0",
    "@whiskeysockets/baileys": "6.7.9",
    "bullmq": "5.1.0",
    "express": "4.18.2",
    "ioredis": "5.3.2"
  }
}
JSON
	for p in @google/generative-ai=0.21.0 @whiskeysockets/baileys=6.7.9 bullmq=5.1.0 \
	    express=4.18.2 ioredis=5.3.2; do
		v=${p#*=} p=${p%=*}
		mkdir -p "$d/node_modules/$p"
		printf '{"name": "%s", "version": "%s"}\n' "$p" "$v" >"$d/node_modules/$p/package.json"
	done
	echo "console.log('ai-admin');" >"$d/src/index.js"
	printf '#!/bin/sh\ncurl -s http://%s:3000/health\n' "$2" >"$d/scripts/health.sh"
}
deploy "$OLD_APP" 203.0.113.10
deploy "$NEW_APP" 203.0.113.20
# 6.4: the documentation, updated for the new server.
printf '# AI Admin v2\nServer: 203.0.113.20 (St. Petersburg); PostgreSQL over the internal network\n' >"$NEW_APP/CLAUDE.md"
printf '# Timeweb PostgreSQL\n192.168.0.4:5432 over the internal network ("Cute Crossbill")\n' \
	>"$NEW_APP/docs/TIMEWEB_POSTGRES_SUMMARY.md"
printf '# Datacenter Migration: Moscow -> St. Petersburg\n' >"$NEW_APP/docs/migrations/2025-11-05-datacenter-migration.md"
git -C "$NEW_APP" init -q -b main && git -C "$NEW_APP" add package.json src scripts CLAUDE.md docs &&
	git -C "$NEW_APP" -c user.name=arsen -c user.email=arsen@localhost commit -qm "release" ||
	nok "git repository of the new server"
export RELEASE_COMMIT=$(git -C "$NEW_APP" rev-parse HEAD)
# 6.3: the new server's hardened configuration, as ufw, sshd and
# unattended-upgrades leave it.
export NEW_ETC=$W/new/etc
mkdir -p "$NEW_ETC/ufw" "$NEW_ETC/ssh" "$NEW_ETC/apt/apt.conf.d"
printf 'ENABLED=yes\nLOGLEVEL=low\n' >"$NEW_ETC/ufw/ufw.conf"
printf 'PasswordAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\n' >"$NEW_ETC/ssh/sshd_config"
printf 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n' \
	>"$NEW_ETC/apt/apt.conf.d/20auto-upgrades"
# fail2ban on the new server (the Debian package's configuration, no jail
# enabled, its database in memory): "Fail2ban installed and running".
export NEW_RUN=$W/new/run
mkdir -p "$NEW_ETC/fail2ban" "$NEW_RUN/fail2ban"
cp -r /etc/fail2ban/. "$NEW_ETC/fail2ban/" && rm -f "$NEW_ETC/fail2ban/jail.d/"*
printf '[DEFAULT]\ndbfile = :memory:\n' >"$NEW_ETC/fail2ban/fail2ban.local"
sc_bg "$NS_NEW" fail2ban-server -f -x -c "$NEW_ETC/fail2ban" -s "$NEW_RUN/fail2ban/fail2ban.sock" \
	-p "$NEW_RUN/fail2ban/fail2ban.pid" --logtarget "$W/fail2ban.log"
# Day 3 (5.1): the final backup, downloaded, with its manifest; 1.1: .env.
cp -p "$OLD_APP/.env" "$W/backups/env.backup"
tar -C "$W/old/opt" -czf "$W/backups/final-backup.tar.gz" ai-admin/.env ai-admin/logs
"$CUTOVER" manifest create "$W/backups/final-backup.tar.gz" "$W/backups/env.backup" \
	-o "$W/backups/final-backup.manifest" >"$W/manifest.log" 2>&1 ||
	nok "manifest create" "$(cat "$W/manifest.log")"

pm2_on() { # old|new ARGS...: pm2 of that server, inside its namespace
	local h=$1 ns host; shift
	if [ "$h" = old ]; then ns=$NS_OLD host=203.0.113.10; else ns=$NS_NEW host=0.0.0.0; fi
	ip netns exec "$ns" env PM2_HOME="$W/$h/pm2" APP_DIR="$W/$h/opt/ai-admin" \
		HOST=$host pm2 "$@"
}
tick data
pm2_on old start "$HERE/app/ecosystem.config.js" >"$W/pm2-old.log" 2>&1 &
p1=$!
pm2_on new start "$HERE/app/ecosystem.config.js" >"$W/pm2-new.log" 2>&1
wait $p1 && grep -q baileys-whatsapp-service "$W/pm2-old.log" ||
	{ nok "pm2 start on the old server" "$(tail -20 "$W/pm2-old.log")"; sc_finish; }
grep -q baileys-whatsapp-service "$W/pm2-new.log" ||
	{ nok "pm2 start on the new server" "$(tail -20 "$W/pm2-new.log")"; sc_finish; }
sc_wait_tcp "$NS_OLD" 203.0.113.10 3000 && sc_wait_tcp "$NS_NEW" 203.0.113.20 3000 ||
	{ nok "the API did not listen" "$(cat "$W"/*/opt/ai-admin/logs/pm2-error.log)"; sc_finish; }
# The session files the new server's Baileys writes (from Supabase, now).
for _ in $(seq 100); do
	[ "$(ls "$NEW_APP/baileys_sessions/company_962302" 2>/dev/null | wc -l)" -ge 181 ] && break
	sleep 0.1
done

tick pm2
# ---- the operator's side ---------------------------------------------------
sc_bg "$NS_OLD" python3 "$SC_ROOT/tests/harness/alertsink.py" 8443 "$W/alerts.jsonl"
sc_wait_tcp "$NS_OLD" 127.0.0.1 8443 || { nok "alert receiver"; sc_finish; }
export OLD_IP=203.0.113.10 NEW_IP=203.0.113.20 PG_PRIVATE=192.168.0.4 \
	SUPABASE_HOST=203.0.113.50 OLD_APP NEW_APP \
	OLD_PM2_HOME=$W/old/pm2 NEW_PM2_HOME=$W/new/pm2 BACKUPS=$W/backups \
	EVERY_2H=250ms EVERY_4H=500ms EVERY_8H=1s EVERY_12H=1500ms EVERY_24H=3s \
	PARALLEL_RUN=6s STABILIZE_SECONDS=0.5 MAX_LOAD_PER_CPU=1000 MAX_CPU_BUSY=100% DISK_MIN_FREE=5% SLOW_QUERY_DIGITS=4 \
	EVERY_5M=250ms EVERY_10M=500ms INTENSIVE_FOR=2s EVERY_15M=500ms EXTENDED_FOR=2s \
	EVERY_1M=100ms EVERY_DAY=500ms WEEK=3500ms DB_LATENCY_TARGET=100ms REDIS_LATENCY_TARGET=100ms \
	PG_LATENCY_CRIT=1s REDIS_LATENCY_CRIT=1s ALERT_URL=http://127.0.0.1:8443 TG_CHAT=-100777
# The window opens now, Moscow time, and closes in an hour.
export WINDOW_START=$(TZ=Europe/Moscow date -d '-5 min' +%Y-%m-%dT%H:%M)
export WINDOW_END=$(TZ=Europe/Moscow date -d '+1 hour' +%H:%M)
# The journal goes beside the plan: a copy in the work dir.
cp "$HERE/plan.yml" "$W/plan.yml"
PLAN=$W/plan.yml
cv() { ip netns exec "$NS_OLD" "$CUTOVER" "$@"; }
no_secret() { # DESC FILE...
	local s f
	for s in $SECRETS; do
		for f in "${@:2}"; do
			if grep -aqF -- "$s" "$f"; then nok "$1: a secret appears in ${f##*/}"; return; fi
		done
	done
	local names="${*:2}"
	ok "$1: no secret in ${names//$W\//}"
}
T1=$(date +%s%N)
echo "# topology ready in $(( (T1 - T0) / 1000000 )) ms"

sc_expect_rc 0 "plan.yml lints" cv lint -q "$PLAN"
# T-48h .. T-1h: the checklist, answered; the two sign-offs by their roles.
sc_expect_rc 0 "the checklist is confirmed" cv confirm "$PLAN" devops-assigned \
	backend-standby panel-access repo-access secrets-documented budget-approved \
	calendar-blocked timeweb-status clients-notified test-migration team-standby \
	vps-created npm-audit
# What people do during the days around the night, answered as they do it:
# the functional tests (4.3), the announcement (5.3), the review and the
# documentation (6.3, 6.4), the backups before the decommission (6.6).
sc_expect_rc 0 "the human steps are confirmed" cv confirm "$PLAN" ft-simple-message \
	ft-schedules ft-context ft-booking ft-telegram ft-automated clients-told-done \
	services-reviewed external-updated team-docs backups-two-places restore-tested
sc_expect_rc 0 "the coordinator approves the window" env SUDO_USER=pavel \
	ip netns exec "$NS_OLD" "$CUTOVER" approve "$PLAN" window-approved
sc_expect_rc 0 "DevOps signs the tested rollback" env SUDO_USER=arsen \
	ip netns exec "$NS_OLD" "$CUTOVER" approve "$PLAN" rollback-tested
sc_expect_rc 1 "a sign-off from outside the role is refused" env SUDO_USER=olga \
	ip netns exec "$NS_OLD" "$CUTOVER" approve "$PLAN" window-approved

sc_expect_rc 0 "the seed's fallbacks are procedures" cv procedure "$PLAN" --list
echo "$SC_OUT" | grep -q supabase-fallback && echo "$SC_OUT" | grep -q deepseek-fallback &&
	ok "procedures: supabase-fallback, deepseek-fallback" || nok "procedures" "$SC_OUT"

# ---- 1. the night as planned -------------------------------------------------
t=$(date +%s%N)
cv run "$PLAN" --yes --format json >"$W/run1.json" 2>"$W/run1.err"
rc=$?
echo "# run 1: $(( ($(date +%s%N) - t) / 1000000 )) ms"
j() { jq -r "$1" "$W/run1.json" 2>/dev/null; }
echo "# run 1 phases: $(j '[.phases[] | "\(.id) \(.duration_ms)ms"] | join(", ")')"
echo "# run 1 steps: $(j '[.phases[].steps[] | "\(.id) \(.duration_ms)ms"] | join(", ")')"
echo "# run 1 slowest checks: $(j '[.checks[] | select(.role != "watch")] | sort_by(-.duration_ms) | .[:6] | map("\(.id) \(.duration_ms)ms") | join(", ")')"
# Everything up to the decommission, whose GO/NO-GO is the coordinator's
# a week later: until then the run stops before it (NO-GO: the old
# server stays on standby).
if [ $rc -eq 1 ] && [ "$(j .state)" = stopped ] && j .reason | grep -q "entry checks of phase decommission failed: decommission-go"; then
	ok "run 1: stops before the decommission, awaiting its GO ($(j .reason))"
else nok "run 1: exit $rc, state $(j .state): $(j .reason)" "$(tail -40 "$W/run1.err")"; fi
[ "$(j '[.phases[] | select(.state == "done")] | map(.id) | join(" ")')" = "preflight db-switchover server-switch parallel-run intensive extended daily hardening" ] &&
	ok "run 1: the night, the parallel run, the monitoring, the week and the hardening completed" ||
	nok "run 1: phases" "$(j '[.phases[] | "\(.id) \(.state)"] | join(", ")')"
[ "$(j '[.checks[] | select(.phase == "db-switchover" and .role == "gate" and .status == "pass")] | length')" = 7 ] &&
	ok "run 1: the verification gate passed its 7 checks (old server's PM2 all stopped, the copy verified)" ||
	nok "run 1: verification gate" "$(j '.checks[] | select(.phase == "db-switchover") | "\(.status) \(.id): \(.message)"')"
m=$(j '.checks[] | select(.id == "data-identical" and .role == "gate") | .message')
echo "$m" | grep -q "6 tables: 6 identical, 0 differ" && ok "run 1: data-diff: $m" || nok "run 1: data-diff says: $m"
[ "$(j '.downtime.duration_ms')" -gt 0 ] 2>/dev/null && [ "$(j .downtime.judgement)" = "within target" ] && ok "run 1: downtime measured ($(j .downtime.duration_ms) ms, $(j .downtime.judgement))" ||
	nok "run 1: downtime not measured" "$(j .downtime)"
w=$(j '.watches[0]')
[ "$(j '.watches[0].state')" != null ] && [ "$(j '[.watches[0].success[] | select(.verdict != "pass")] | length')" = 0 ] &&
	[ "$(j '.watches[0].success | length')" = 7 ] &&
	ok "run 1: the parallel run's 7 success rules hold (GO)" ||
	nok "run 1: success rules" "$(j '.watches[0].success[] | "\(.verdict) \(.check) \(.metric) \(.target): \(.measured) over \(.samples)"')"
# 5.2's 30-minute intensive and 3-hour extended monitoring, 6.1's week.
wj() { jq -r --arg p "$1" "$2" "$W/run1.json" 2>/dev/null; }
for w in intensive:6 extended:6 daily:13; do
	p=${w%:*} n=${w#*:}
	if [ "$(wj "$p" '[.watches[] | select(.phase == $p) | .success[] | select(.verdict == "pass")] | length')" = "$n" ]; then
		ok "run 1: $p: its $n success rules hold ($(wj "$p" '[.watches[] | select(.phase == $p) | .checks[] | .samples] | add') samples)"
	else nok "run 1: $p" "$(wj "$p" '.watches[] | select(.phase == $p) | .success[] | "\(.verdict) \(.check) \(.metric) \(.target): \(.measured) over \(.samples)"')"; fi
done
m=$(j '.watches[] | select(.phase == "daily") | .success[] | select(.check == "d-api") | "\(.metric) \(.target): \(.measured) over \(.samples) samples"')
echo "$m" | grep -q '^uptime > 99.9%' && ok "run 1: the 7-day uptime rule: $m" || nok "run 1: daily uptime" "$m"
# The seed's schedule: pm2 status every 2 h, error logs every 4 h, test
# messages every 8 h, file count every 24 h.  A slow round (pm2 costs
# 0.5 s of CPU) skips slots, so the counts are compared, not fixed.
n() { j ".watches[0].checks[] | select(.id == \"$1\") | .samples"; }
if [ "$(n services-online)" -ge "$(n test-message)" ] && [ "$(n no-critical-errors)" -ge "$(n test-message)" ] &&
    [ "$(n test-message)" -gt "$(n baileys-files)" ] && [ "$(n baileys-files)" -ge 2 ]; then
	ok "run 1: samples follow the schedule: pm2 $(n services-online), error logs $(n no-critical-errors), test messages $(n test-message), file count $(n baileys-files)"
else nok "run 1: samples: pm2 $(n services-online), logs $(n no-critical-errors), test messages $(n test-message), files $(n baileys-files)"; fi
grep -q '"database":"timeweb"' <(ip netns exec "$NS_OLD" curl -s http://203.0.113.20:3000/api/health/database 2>/dev/null) &&
	ok "the new server answers from Timeweb" || nok "the new server is not on Timeweb"
no_secret "run 1" "$W/run1.json" "$W/run1.err" "$W/backups/config/pm2-status.txt"

# ---- a week later: the decommission's GO/NO-GO -----------------------------
sc_expect_rc 0 "the coordinator approves the decommission (GO)" env SUDO_USER=pavel \
	ip netns exec "$NS_OLD" "$CUTOVER" approve "$PLAN" decommission-go
cv resume "$PLAN" --yes >"$W/run1b.err" 2>&1
rc=$?
cv report "$PLAN" --format json -o "$W/run1b.json" >/dev/null 2>&1
j() { jq -r "$1" "$W/run1b.json" 2>/dev/null; }
[ $rc -eq 0 ] && [ "$(j .state)" = completed ] && j .verdict | grep -q '^GO' &&
	ok "decommission: run 1 completed, GO" || nok "decommission: exit $rc, state $(j .state): $(j .reason)" "$(tail -30 "$W/run1b.err")"
[ "$(j '[.checks[] | select(.phase == "decommission" and .status == "pass") | .id] | unique | length')" = 9 ] &&
	ok "decommission: the hardened files, the standby server checked, its archive verified, its Redis stopped" ||
	nok "decommission checks" "$(j '.checks[] | select(.phase == "decommission") | "\(.status) \(.id): \(.message)"')"
[ "$(PM2_HOME=$W/old/pm2 ip netns exec "$NS_OLD" pm2 jlist 2>/dev/null)" = "[]" ] &&
	ok "decommission: the old server runs no PM2 process" || nok "old server's PM2 not empty"
st=$(cv status "$PLAN" --format json 2>/dev/null)
[ "$(echo "$st" | jq -r .state)" = completed ] && [ "$(echo "$st" | jq -r '.watches | length')" = 4 ] &&
	ok "journal: run 1 completed, its 4 watches recorded" || nok "journal state after run 1" "$st"
# The watch a service manager keeps after the run: 6.1's daily phase, on
# its own ("30 days stable" before the old VPS is cancelled).
cv watch "$PLAN" --phase daily --for 2s >"$W/watch.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "every success rule held" "$W/watch.out" &&
	ok "cutover watch --phase daily: every success rule held" || nok "watch --phase daily: exit $rc" "$(tail -30 "$W/watch.out")"
no_secret "decommission and watch" "$W/run1b.json" "$W/run1b.err" "$W/watch.out"

# The next night starts from where this one started: Timeweb empty, the
# new server's .env on Supabase again.  (cutover rollback --yes would do
# it too, at 8 s of CPU on this machine: pm2 stops and starts eight apps
# twice; run 2 rolls back anyway.)
tw -d default_db -c "TRUNCATE whatsapp_auth, whatsapp_keys, clients, schedules, bookings, messages" >/dev/null &&
	cp -p "$NEW_APP/.env.supabase" "$NEW_APP/.env" && ok "reset for the second night" || nok "reset"
# The old server, decommissioned, is brought back for it (a fresh daemon:
# the seed's `pm2 env 0` names the API by its id 0).
PM2_HOME=$W/old/pm2 ip netns exec "$NS_OLD" pm2 kill >/dev/null 2>&1
pm2_on old start "$HERE/app/ecosystem.config.js" >"$W/pm2-old.log" 2>&1 && sc_wait_tcp "$NS_OLD" 203.0.113.10 3000 ||
	nok "old server restarted" "$(tail -20 "$W/pm2-old.log")"

# ---- 2. risk 0: a table short on the target after the restore ---------------
: >"$W/alerts.jsonl"
cv run "$PLAN" >"$W/run2.out" 2>&1
rc=$?
st=$(cv status "$PLAN" --format json 2>/dev/null)
if [ $rc -eq 1 ] && [ "$(echo "$st" | jq -r .state)" = awaiting ]; then
	ok "run 2 awaits the go at the verification gate"
else nok "run 2: exit $rc, state $(echo "$st" | jq -r .state)" "$(tail -30 "$W/run2.out")"; fi
# 35 keys of the 335 are gone on Timeweb (a lost batch: "Migrated 300/335").
tw -d default_db -c "DELETE FROM whatsapp_keys WHERE key_id IN (SELECT key_id FROM whatsapp_keys ORDER BY key_id DESC LIMIT 35)" >/dev/null
cv resume "$PLAN" --yes >"$W/run2.err" 2>&1
rc=$?
cv report "$PLAN" --format json -o "$W/run2.json" >/dev/null 2>&1
j() { jq -r "$1" "$W/run2.json" 2>/dev/null; }
[ $rc -eq 1 ] && ok "resume: no-go (exit 1)" || nok "resume: exit $rc" "$(tail -30 "$W/run2.err")"
[ "$(j .state)" = rolled-back ] && ok "run 2: rolled back ($(j .reason))" ||
	nok "run 2: state $(j .state)" "$(j .reason)"
m=$(j '[.checks[] | select(.id == "rows-match" and .role == "gate")] | last | .message')
echo "$m" | grep -q "whatsapp_keys (source 335, target 300)" &&
	ok "report: rows-match names the table and the counts: $m" || nok "rows-match says: $m"
m=$(j '[.checks[] | select(.id == "data-identical" and .role == "gate")] | last | .message')
echo "$m" | grep -q "whatsapp_keys (35 missing, 0 extra, 0 changed)" &&
	ok "report: data-diff names the 35 missing rows: $m" || nok "data-identical says: $m"
m=$(j '[.checks[] | select(.id == "keys-335" and .role == "gate")] | last | .status')
[ "$m" = fail ] && ok "report: the seed's own 'must be 335' fails too" || nok "keys-335 is $m"
[ "$(j '[.checks[] | select(.role == "gate" and .phase == "db-switchover" and .status == "pass")] | map(.id) | sort | join(" ")' | grep -c 'auth-record.*creds-object.*key-types')" = 1 ] &&
	ok "report: the other verification checks still pass" || nok "other verification checks"
[ "$(j '[.phases[] | select(.id == "server-switch")][0].state')" != completed ] &&
	ok "run 2: the services were never switched" || nok "run 2: server-switch ran"
[ "$(j '[.rollback[] | select(.state == "ok" or .state == "done")] | length')" -ge 2 ] &&
	ok "run 2: rollback ran ($(j '[.rollback[] | .step] | join(", ")'))" ||
	nok "run 2: rollback" "$(j '.rollback')"
[ "$(j '[.checks[] | select(.role == "rollback-verify" and .status == "pass")] | length')" = 4 ] &&
	ok "run 2: rollback verified: the old server is online on Supabase and answers a test message" ||
	nok "run 2: rollback_verify" "$(j '.checks[] | select(.role == "rollback-verify") | "\(.status) \(.id): \(.message)"')"
[ "$(tw -d default_db -At -c 'SELECT count(*) FROM whatsapp_keys')" = 0 ] &&
	ok "run 2: the undo emptied Timeweb" || nok "run 2: Timeweb not emptied"
# The alert reached the receiver, with the gate's failure and no secret.
for _ in $(seq 50); do grep -q rollback.done "$W/alerts.jsonl" && break; sleep 0.1; done
bodies=$(jq -r .body "$W/alerts.jsonl" 2>/dev/null)
echo "$bodies" | grep -q 'gate.nogo.*rows-match' && ok "alert: gate.nogo received, naming rows-match" ||
	nok "alert: no gate.nogo" "$bodies"
echo "$bodies" | grep -q 'rollback.done' && ok "alert: rollback.done received" || nok "alert: no rollback.done" "$bodies"
jq -r .path "$W/alerts.jsonl" | grep -qF "/bot$TG_TOKEN/sendMessage" &&
	ok "alert: sent to the bot's URL" || nok "alert: wrong path"
printf '%s\n' "$bodies" >"$W/bodies.txt"
cv report "$PLAN" --format md -o "$W/report.md" >/dev/null 2>&1
grep -q "whatsapp_keys (source 335, target 300)" "$W/report.md" &&
	ok "report.md names whatsapp_keys and 335 vs 300" || nok "report.md lacks the table"
no_secret "run 2" "$W/run2.json" "$W/run2.err" "$W/run2.out" "$W/bodies.txt" "$W/report.md" "$W"/.cutover/*

echo "# scenario: $(( ($(date +%s%N) - T0) / 1000000 )) ms"
sc_finish
