#!/bin/bash
# scenario.sh - seeds/000 (SmartLine 2-VPS) end to end on this machine.
#
#   vps1 (app)   10.132.0.10 --private-- 10.132.0.11   vps2 (data)
#                198.51.100.1 --admin--.  203.0.113.2  vps2 public
#                                      |      |
#   outside      198.51.100.3 ---------'  203.0.113.1
#
# Hosts are network namespaces (examples/lib.sh).  vps1: the old MariaDB
# and Redis on loopback, supervisord running the app (api.py) and its 8
# queue workers (worker.py, the seed's three groups), an HTTPS endpoint
# for the certificate check, the alert receiver.  vps2: the new MariaDB on
# the private address, Redis from a redis.conf with requirepass, the Node
# realtime server (realtime.js), sshd.  outside: sshd (the "external
# server" of §4.1).  cutover runs plan.yml on vps1 with the hours scaled
# to seconds (README.md, "Time").
#
#   run 1   the migration: preflight, freeze, backup, restore, switch, a
#           5 s watch, success judged, report; the app ends on vps2.
#   run 2   the seed's top risk (4.1): vps2's MariaDB bound to 0.0.0.0.
#           Preflight stops it before anything changes (no-go), alerts
#           name the checks, the report the risk.  Repaired, `resume`
#           migrates; during the watch the API fails 60% of requests on
#           vps2: "more than 50% of API requests failing" fires, the
#           rollback runs and the app is back on vps1.
set -u
# Debian's programs first: a python3 shim (pyenv) ahead of them costs
# seconds per start on a loaded machine, and the helpers start many.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
sc_init smartline-000 mariadbd mariadb-install-db mariadb mariadb-dump \
	redis-server redis-cli supervisord supervisorctl node openssl jq scp \
	/usr/sbin/sshd ssh-keygen gzip
T0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# ---- topology -------------------------------------------------------------
sc_host vps1; NS1=$SC_NS
sc_host vps2; NS2=$SC_NS
sc_host out; NSO=$SC_NS
sc_link "$NS1" 10.132.0.10/24 "$NS2" 10.132.0.11/24
sc_link "$NS2" 203.0.113.2/24 "$NSO" 203.0.113.1/24
sc_link "$NS1" 198.51.100.1/24 "$NSO" 198.51.100.3/24

# ---- secrets (32+ characters, §4.1) -----------------------------------------
rnd() { head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c "$1"; }
export DB_PASSWORD=$(rnd 40) VPS2_DB_PASSWORD=$(rnd 40) \
	REDIS_PASSWORD=$(rnd 40) VPS2_REDIS_PASSWORD=$(rnd 40) \
	ALERT_TOKEN=7000123456:$(rnd 35)
SECRETS="$DB_PASSWORD $VPS2_DB_PASSWORD $REDIS_PASSWORD $VPS2_REDIS_PASSWORD ${ALERT_TOKEN#*:}"

# ---- vps1's and vps2's files ---------------------------------------------
R1=$W/vps1 R2=$W/vps2
APP=$R1/var/www/laravel/smartlinevps/rateel NODE=$R2/srv/smartline-realtime
mkdir -p "$APP/storage/framework" "$APP/storage/logs" "$R1/etc/supervisor" \
	"$R1/run" "$R1/log" "$NODE" "$R2/etc/redis" "$R2/tmp"
cp "$HERE/artisan" "$APP/artisan"
: >"$APP/storage/logs/laravel.log"
envfile() { # DB_HOST DB_PASSWORD REDIS_HOST REDIS_PASSWORD REALTIME_URL
	cat <<EOF
APP_NAME=SmartLine
APP_ENV=production
APP_KEY=base64:$(head -c 32 /dev/urandom | base64)
APP_DEBUG=false
APP_URL=https://smartline-it.com

DB_CONNECTION=mysql
DB_HOST=$1
DB_PORT=3306
DB_DATABASE=smartline
DB_USERNAME=smartline
DB_PASSWORD=$2

REDIS_HOST=$3
REDIS_PASSWORD=$4
REDIS_PORT=6379
QUEUE_CONNECTION=redis

NODEJS_REALTIME_URL=$5
EOF
}
envfile 127.0.0.1 "$DB_PASSWORD" 127.0.0.1 "$REDIS_PASSWORD" \
	http://203.0.113.2:3002 >"$APP/.env"
sed -e 's/=.*/=/' "$APP/.env" >"$APP/.env.example"
cat >"$NODE/.env" <<EOF
NODE_ENV=production
PORT=3002
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
REDIS_PASSWORD=$VPS2_REDIS_PASSWORD
LARAVEL_API_URL=http://10.132.0.10
EOF
chmod 600 "$APP/.env" "$NODE/.env"
cp -p "$APP/.env" "$W/env.orig"

echo "# setup: topology and files done at $(ms "$T0") ms"
# ---- servers ---------------------------------------------------------------
sc_mariadb "$NS1" my1 127.0.0.1
sc_mariadb "$NS2" my2 10.132.0.11
MY2PID=$SC_PID
# start_my2 BIND: vps2's MariaDB again, on the same data, bound to BIND.
start_my2() {
	kill "$MY2PID" 2>/dev/null; wait "$MY2PID" 2>/dev/null
	sc_bg "$NS2" mariadbd --no-defaults --user=mysql --datadir="$W/my2/data" \
		--port=3306 --bind-address="$1" --socket="$W/my2/sock" \
		--pid-file="$W/my2/pid" --skip-log-bin --skip-name-resolve \
		--innodb-buffer-pool-size=32M --innodb-flush-log-at-trx-commit=0 \
		--log-error="$W/my2/err.log"
	MY2PID=$SC_PID
	sc_wait_tcp "$NS2" 10.132.0.11 3306 || { nok "MariaDB on vps2 did not restart"; exit 1; }
}
my() { mariadb --no-defaults -S "$W/$1/sock" -uroot -N -B -e "$2"; }
my my1 "CREATE DATABASE smartline;
CREATE USER 'smartline'@'%' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL ON smartline.* TO 'smartline'@'%';
USE smartline;
CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40), phone VARCHAR(20));
CREATE TABLE drivers (id INT PRIMARY KEY, user_id INT, plate VARCHAR(12));
CREATE TABLE trips (id INT PRIMARY KEY, driver_id INT, user_id INT, km DECIMAL(8,2), created_at DATETIME);
CREATE TABLE transactions (id INT PRIMARY KEY, trip_id INT, amount DECIMAL(10,2), status VARCHAR(10));
INSERT INTO users SELECT seq, CONCAT('rider ', seq), CONCAT('+20100', LPAD(seq, 7, '0')) FROM seq_1_to_2000;
INSERT INTO drivers SELECT seq, seq * 5, CONCAT('SL-', seq) FROM seq_1_to_300;
INSERT INTO trips SELECT seq, seq % 300 + 1, seq % 2000 + 1, seq / 7, '2026-01-18 22:00:00' + INTERVAL seq MINUTE FROM seq_1_to_3000;
INSERT INTO transactions SELECT seq, seq, seq * 1.25, IF(seq % 17, 'paid', 'refunded') FROM seq_1_to_3000;" \
	2>"$W/err" || { nok "schema on vps1" "$(cat "$W/err")"; exit 1; }
# vps2 provisioned (§8 "48 hours before"): the database and its user.
my my2 "CREATE DATABASE smartline;
CREATE USER 'smartline'@'%' IDENTIFIED BY '$VPS2_DB_PASSWORD';
GRANT ALL ON smartline.* TO 'smartline'@'%';" 2>"$W/err" ||
	{ nok "database on vps2" "$(cat "$W/err")"; exit 1; }

echo "# setup: MariaDB x2 and data done at $(ms "$T0") ms"
sc_redis "$NS1" 127.0.0.1 --requirepass "$REDIS_PASSWORD"
cat >"$R2/etc/redis/redis.conf" <<EOF
port 6379
bind 127.0.0.1 10.132.0.11
requirepass $VPS2_REDIS_PASSWORD
save ""
dir $R2/tmp
logfile $W/redis-vps2.log
EOF
chmod 640 "$R2/etc/redis/redis.conf"
sc_bg "$NS2" redis-server "$R2/etc/redis/redis.conf"
sc_wait_tcp "$NS2" 10.132.0.11 6379 || { nok "Redis on vps2 did not start"; exit 1; }
sc_bg "$NS2" node "$HERE/realtime.js" "$NODE/.env" 10.132.0.11 3002
sc_wait_tcp "$NS2" 10.132.0.11 3002 || { nok "realtime server did not start"; exit 1; }

echo "# setup: Redis x2, realtime done at $(ms "$T0") ms"
cat >"$R1/etc/supervisor/supervisord.conf" <<EOF
[unix_http_server]
file=$R1/run/supervisor.sock
[supervisord]
nodaemon=true
logfile=$R1/log/supervisord.log
pidfile=$R1/run/supervisord.pid
childlogdir=$R1/log
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$R1/run/supervisor.sock
[program:smartline-api]
command=/usr/bin/python3 $HERE/api.py $APP/.env 127.0.0.1 8000
startsecs=0
stopwaitsecs=2
EOF
for g in high:4 default:2 notifications:2; do
	cat >>"$R1/etc/supervisor/supervisord.conf" <<EOF
[program:smartline-worker-${g%:*}]
command=/usr/bin/python3 $HERE/worker.py $APP/.env ${g%:*}
process_name=%(program_name)s_%(process_num)02d
numprocs=${g#*:}
startsecs=0
stopwaitsecs=2
EOF
done
sc_bg "$NS1" supervisord -n -c "$R1/etc/supervisor/supervisord.conf"
sc_wait_tcp "$NS1" 127.0.0.1 8000 || { nok "the app did not start" "$(tail "$R1/log/supervisord.log")"; exit 1; }

echo "# setup: supervisord, app, workers done at $(ms "$T0") ms"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 \
	-keyout "$W/web.key" -out "$W/web.crt" -subj /CN=smartline-it.com \
	-addext subjectAltName=DNS:smartline-it.com,DNS:www.smartline-it.com,DNS:api.smartline-it.com \
	>/dev/null 2>&1 || { nok "openssl req"; exit 1; }
sc_bg "$NS1" openssl s_server -quiet -accept 127.0.0.1:443 -cert "$W/web.crt" \
	-key "$W/web.key" -www
sc_bg "$NS1" /usr/bin/python3 "$SC_ROOT/tests/harness/alertsink.py" 9999 "$W/alerts.log"
sc_wait_tcp "$NS1" 127.0.0.1 443 && sc_wait_tcp "$NS1" 127.0.0.1 9999 ||
	{ nok "TLS endpoint or alert receiver did not start"; exit 1; }

echo "# setup: TLS, alert receiver done at $(ms "$T0") ms"
sc_ssh "$NS2" 10.132.0.11
sc_ssh "$NSO" 198.51.100.3

# ---- the plan's environment ----------------------------------------------
export VPS1_ROOT=$R1 VPS2_ROOT=$R2 VPS1_PUBLIC_IP=198.51.100.1 \
	VPS2_PUBLIC_IP=203.0.113.2 VPS2_SSH=10.132.0.11 OUTSIDE_SSH=198.51.100.3 \
	SSH_IDENTITY=$SSH_DIR/id SSH_KNOWN_HOSTS=$SSH_DIR/known_hosts \
	VPS2_MYSQL="mariadb --no-defaults -S $W/my2/sock -uroot" \
	SCP="scp -O -q -o BatchMode=yes -i $SSH_DIR/id -o UserKnownHostsFile=$SSH_DIR/known_hosts -o IdentitiesOnly=yes" \
	API_URL=http://127.0.0.1:8000/api/health WEB_ADDRESS=127.0.0.1:443 \
	WS_URL="ws://10.132.0.11:3002/socket.io/?EIO=4&transport=websocket" \
	TLS_CA_FILE=$W/web.crt ALERT_BASE=http://127.0.0.1:9999 \
	SMARTLINE_DBA=root SMARTLINE_TZ=UTC \
	SMARTLINE_START=$(date -u -d '-1 min' +%Y-%m-%dT%H:%M) \
	SMARTLINE_NOT_AFTER=$(date -u -d '+1 hour' +%H:%M) \
	DOWNTIME_TARGET=30s DOWNTIME_MAX=120s NO_PROGRESS=60s ROLLBACK_MAX=15s \
	MYSQL_WARN=500ms MYSQL_CRIT=1s REDIS_WARN=500ms REDIS_CRIT=1s \
	NODE_WARN=500ms NODE_CRIT=1s WATCH_EVERY=1s WATCH_FOR=5s TRIGGER_WITHIN=5s QUEUE_MAX_AGE=3s
cp "$HERE/plan.yml" "$W/plan.yml"
PLAN=$W/plan.yml
cv() { ip netns exec "$NS1" "$CUTOVER" "$@"; }
# report NAME: the report's JSON in $W/NAME.json
report() { cv report "$PLAN" --format json >"$W/$1.json" 2>"$W/$1.rerr"; }
jqr() { jq -r "$2" "$W/$1.json" 2>/dev/null; }
expect_jq() { # NAME FILTER WANT DESC
	local got
	got=$(jqr "$1" "$2")
	if [ "$got" = "$3" ]; then ok "$4"
	else nok "$4: $2 is '$got', expected '$3'" "$(jq -c '{state, reason,
		failed: [.checks[] | select(.status == "fail") | {phase, id, message}]}' "$W/$1.json")"; fi
}
# The journal, the alerts received, the report and the output: no secret.
no_secrets() { # DESC FILES...
	local d=$1 s hit=""; shift
	for s in $SECRETS; do
		hit="$hit$(grep -alF -- "$s" "$@" 2>/dev/null | sed "s|^|  ${s:0:4}... in |")"
	done
	[ -z "$hit" ] && ok "$d: no secret in $(basename -a "$@" | tr '\n' ' ')" ||
		nok "$d: secrets found:$hit"
}
alerts() { jq -r '.body | fromjson | .text' "$W/alerts.log" 2>/dev/null; }
# What cutover sent (the receiver also logs the URL, whose path is the
# bot token by design: the token must only appear there).
sent() { jq -c '{headers, body}' "$W/alerts.log" >"$W/$1"; }

sc_expect_rc 0 "plan.yml lints" cv lint -q "$PLAN"

# §8: the T-minus checklist answered and signed off before the night.
sc_expect_rc 0 "the checklist is confirmed" cv confirm "$PLAN" vps2-provisioned \
	scripts-tested rollback-tested team-notified config-backed-up \
	alerts-configured users-informed ws-noted team-available rollback-ready \
	push-sent
sc_expect_rc 0 "the DBA approves the backup" cv approve "$PLAN" backup-verified
sc_expect_rc 0 "the DBA signs off" cv approve "$PLAN" dba-signoff
echo "# setup took $(( ($(date +%s%N) - T0) / 1000000 )) ms"

# ---- run 1: the migration ------------------------------------------------------
T1=$(date +%s%N)
sc_expect_rc 0 "run 1: the migration completes" cv run "$PLAN" --yes
cp "$W/.out" "$W/run1.out"
[ "$SC_RC" = 0 ] || tail -25 "$W/run1.out" | sed 's/^/#   /'
echo "# run 1 took $(( ($(date +%s%N) - T1) / 1000000 )) ms"
report run1
expect_jq run1 .state completed "run 1: report state completed"
expect_jq run1 '[.phases[] | .state] | join(" ")' \
	"done done done done done done" "run 1: all six phases done"
expect_jq run1 '.downtime.judgement != "over max" and .downtime.duration_ms > 0' true \
	"run 1: downtime measured ($(jqr run1 .downtime.duration_ms) ms, $(jqr run1 .downtime.judgement)), within its max"
expect_jq run1 '[.watches[0].success[] | .verdict] | unique | join(",")' pass \
	"run 1: every success rule of the watch passed"
expect_jq run1 '.watches[0].triggers | length' 0 "run 1: no rollback trigger fired"
expect_jq run1 '[.risks[] | select(.mitigation_ready != true) | .id] | join(",")' "" \
	"run 1: every risk's mitigation is ready"
expect_jq run1 '[.checks[] | select(.phase == "switch" and .id == "api-on-vps2") | .status] | join(",")' \
	pass "run 1: the app talks to vps2's MySQL and Redis"
grep -q "^DB_HOST=10.132.0.11$" "$APP/.env" && grep -q "^REDIS_HOST=10.132.0.11$" "$APP/.env" &&
	ok "run 1: the app's .env points at vps2" || nok "run 1: .env not switched"
n=$(my my2 "SELECT COUNT(*) FROM smartline.trips")
[ "$n" = 3000 ] && ok "run 1: vps2 holds the 3000 trips" || nok "run 1: vps2 has '$n' trips"
alerts >"$W/alerts1.txt"
grep -q 'gate.go phase switch' "$W/alerts1.txt" && grep -q 'run.done (completed)' "$W/alerts1.txt" &&
	! grep -q 'gate.nogo\|trigger' "$W/alerts1.txt" &&
	ok "run 1: the receiver got gate.go and run.done (completed), no no-go" ||
	nok "run 1: alerts" "$(cat "$W/alerts1.txt")"
# §5.1 "REDIS_PASSWORD=<SAME_AS_ABOVE>": VPS1's app against Node's .env
# on VPS2, across hosts (fingerprints only).
sc_expect_rc 0 "run 1: Node's REDIS_PASSWORD (on vps2) equals the app's" \
	cv check "$PLAN" --only env-redis-same --format json
case $(jq -r '.results[0].detail' "$W/.out") in
*"REDIS_PASSWORD: equal to $NODE/.env REDIS_PASSWORD on vps2"*) ok "... said equal, on vps2" ;;
*) nok "env-redis-same detail" "$SC_OUT" ;;
esac
sent sent1.json
no_secrets "run 1" "$W/run1.out" "$W/run1.json" "$W/sent1.json" "$W"/.cutover/*

# §3.2 "clear failed jobs table after migration if needed": by hand, a
# contingency procedure of the plan, journaled as a run of its own.
sc_expect_rc 0 "the plan lists its four procedures" cv procedure "$PLAN" --list
[ "$(printf '%s\n' "$SC_OUT" | cut -f1 | tr '\n' ' ')" = "public-ips failed-jobs post-rollback maintenance " ] &&
	ok "... public-ips, failed-jobs, post-rollback, maintenance" || nok "procedures listed" "$SC_OUT"
sc_expect_rc 0 "the failed-jobs procedure runs after the migration" cv procedure "$PLAN" failed-jobs
printf '%s\n' "$SC_OUT" | grep -q "All failed jobs deleted" && ok "... and says so" ||
	nok "failed-jobs output" "$SC_OUT"

# ---- back to the state before the migration ------------------------------------
cp -p "$W/env.orig" "$APP/.env"
supervisorctl -c "$R1/etc/supervisor/supervisord.conf" restart all >/dev/null
rm -rf "$R1/tmp" "$R2/tmp/smartline_migration"
sc_wait_tcp "$NS1" 127.0.0.1 8000

# ---- run 2: risk 4.1, MySQL on vps2 bound to 0.0.0.0 ---------------------------
: >"$W/alerts.log"
start_my2 0.0.0.0
T2=$(date +%s%N)
sc_expect_rc 1 "run 2: MySQL on 0.0.0.0 stops the run at preflight" cv run "$PLAN" --yes
cp "$W/.out" "$W/run2.out"
report run2
expect_jq run2 .state stopped "run 2: stopped before any step"
expect_jq run2 .reason "entry checks of phase preflight failed: mysql-closed-outside, mysql-bind" \
	"run 2: the reason names the two failing checks"
expect_jq run2 '.risks[] | select(.id == "4.1") | "\(.mitigation_ready) \(.mitigation_note)"' \
	"false mysql-bind fail, mysql-closed-outside fail" \
	"run 2: the report says risk 4.1 (Exposed database port) is not mitigated, and why"
expect_jq run2 '[.risks[] | select(.id == ("2.1", "2.2", "2.3", "4.2")) | .mitigation_ready] | unique | join(",")' \
	true "run 2: the risks whose checks all ran in preflight are mitigated"
expect_jq run2 '.checks[] | select(.id == "mysql-closed-outside") | .message | test("3306 is OPEN.*on outside")' \
	true "run 2: the external scan found port 3306 open"
expect_jq run2 '[.phases[] | .steps[]] | length' 0 "run 2: no step ran"
grep -q "^DB_HOST=127.0.0.1$" "$APP/.env" && ok "run 2: the app's .env is untouched" ||
	nok "run 2: .env changed"
alerts >"$W/alerts2.txt"
grep -q 'check.fail phase preflight check mysql-closed-outside' "$W/alerts2.txt" &&
	grep -q 'check.fail phase preflight check mysql-bind' "$W/alerts2.txt" &&
	grep -q 'run.done (stopped): entry checks of phase preflight failed' "$W/alerts2.txt" &&
	ok "run 2: the receiver was told which checks failed and that the run stopped" ||
	nok "run 2: alerts" "$(cat "$W/alerts2.txt")"
sent sent2.json
no_secrets "run 2" "$W/run2.out" "$W/run2.json" "$W/sent2.json" "$W"/.cutover/*

# Repaired as §4.1 says, the run resumes.  On vps2 the app then fails
# 60% of its requests once the switch's gate has had its two (api.py's
# fault switch); the watch is longer this time, for the rule to see it.
start_my2 10.132.0.11
echo "60 10.132.0.11 2" >"$APP/storage/fault"
: >"$W/alerts.log"
export WATCH_FOR=12s
sc_expect_rc 1 "run 2 resumed: the watch rolls the migration back" cv resume "$PLAN" --yes
cp "$W/.out" "$W/resume.out"
echo "# run 2 took $(( ($(date +%s%N) - T2) / 1000000 )) ms"
report resume
expect_jq resume .state rolled-back "run 2: rolled back"
expect_jq resume '.watches[0].triggers[0].check' api-health "run 2: the trigger was api-health"
expect_jq resume '.watches[0].triggers[0].rule | test("failing >= 51%")' true \
	"run 2: ... by its rule 'more than 50% failing'"
expect_jq resume '[.rollback[] | select(.action == "rollback") | .step + ":" + .state] | join(" ")' \
	"rb-maintenance:ok restore-env:ok clear-cache:ok restart-workers:ok rb-online:ok" \
	"run 2: the seed's rollback steps ran, in order"
expect_jq resume '[.checks[] | select(.role == "rollback_verify" and .status != "pass") | .id] | join(",")' "" \
	"run 2: rollback verified (app, MySQL and Redis on vps1, workers)"
grep -q "^DB_HOST=127.0.0.1$" "$APP/.env" && ok "run 2: the app's .env is the original again" ||
	nok "run 2: .env not restored"
alerts >"$W/alerts3.txt"
grep -q 'trigger phase post check api-health' "$W/alerts3.txt" &&
	grep -q 'rollback.start' "$W/alerts3.txt" && grep -q 'rollback.done (rolled-back)' "$W/alerts3.txt" &&
	ok "run 2: the receiver got the trigger, rollback.start and rollback.done" ||
	nok "run 2: alerts" "$(cat "$W/alerts3.txt")"
sent sent3.json
no_secrets "run 2 resumed" "$W/resume.out" "$W/resume.json" "$W/sent3.json" "$W"/.cutover/*

# §6 post-rollback actions: the logs kept for the root cause, which the
# operator analyses, and the next window scheduled; the procedure asks
# both (answered here as the operator would) and journals them.
sc_expect_rc 0 "post-rollback: the operator answers" cv confirm "$PLAN" root-cause-analysed \
	next-window-scheduled --note "scenario"
sc_expect_rc 0 "post-rollback: the procedure passes" cv procedure "$PLAN" post-rollback
[ -s "$R1/tmp/smartline_migration_backup/incident/laravel.log" ] && ok "post-rollback: the night's log kept in the incident folder" ||
	nok "post-rollback: no incident log"

echo "# scenario took $(( ($(date +%s%N) - T0) / 1000000 )) ms"
# Everything here is thrown away: no clean shutdown (MariaDB's takes
# seconds, and lib.sh's cleanup would wait for it).
for ns in $SC_NSS; do
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
done
sc_finish
