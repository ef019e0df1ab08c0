#!/bin/bash
# run.sh - the two-VPS migration of seeds/000 (SmartLine), simulated on one
# machine, and the seeds' failure modes injected one at a time.
#
#   vps1 (app)  10.132.0.10 --private link-- 10.132.0.11  vps2 (data)
#                                            203.0.113.2  vps2 public
#   outside     203.0.113.1 --public link----'
#
# Hosts are network namespaces joined by veth pairs.  vps1 runs the old
# MariaDB (the source, 127.0.0.1 only); vps2 runs the new MariaDB (bound to
# the private address only), Redis with requirepass, and, on the private
# path, relay.py: the kernel has no netem, so a small TCP relay adds the
# link's latency (1 ms by default).  vps1 and vps2 run Debian's sshd (keys
# and known_hosts made here, tests/harness/sshd.sh); vps2's is on an admin
# link (198.51.100.0/24) that stays up when the private one fails.
# cutover runs on vps1 with plan.yml; its `on: vps1` / `on: vps2` checks
# and steps are run by cutover on those hosts over SSH; probes "from
# outside" enter the outside namespace (tcp `from:`).
#
# Then, one at a time, each failure is injected, the plan is run, and the
# set of failing checks must be exactly the expected one (with a clear
# message), before the failure is repaired:
#   1. relay delay 12 ms           -> private-latency (crit)
#   2. MariaDB rebound to 0.0.0.0  -> mysql-closed-outside, mysql-bind
#   3. Redis without requirepass   -> redis-auth
#   4. a row deleted on the target -> rows-match
#   5. the private link down       -> everything across it, within the
#                                     timeouts; the outside and bind checks
#                                     still pass
# Needs root (ip netns); prints "skipped: REASON" and exits 0 otherwise.
# Namespaces, processes and files are removed on every exit path.
# Output: "ok - ..." / "not ok - ..." lines and "# two-vps: N passed, N
# failed"; exit 1 when anything failed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CUTOVER=${CUTOVER:-$ROOT/build/cutover}

skip() { echo "skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns (running as uid $(id -u))"
for c in ip mariadbd mariadb-install-db mariadb redis-server python3 jq ssh ssh-keygen /usr/sbin/sshd; do
	command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed"
done
[ -x "$CUTOVER" ] || { echo "not ok - $CUTOVER is not built"; exit 1; }

ID=cv$$
NS1=$ID-vps1 NS2=$ID-vps2 NSO=$ID-out
W=$(mktemp -d /tmp/cutover-2vps.XXXXXX)
chmod 755 "$W"
PIDS=""

ns_pids() {
	for ns in $NS1 $NS2 $NSO; do ip netns pids "$ns" 2>/dev/null; done
}
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	# MariaDB takes a moment to shut down; give it 5 s, then insist.
	# Whatever still runs inside our namespaces is ours.
	for _ in $(seq 50); do [ -z "$(ns_pids)" ] && break; sleep 0.1; done
	for p in $(ns_pids); do kill -9 "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	for ns in $NS1 $NS2 $NSO; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! ip netns add "$NS1" 2>"$W/err"; then
	skip "ip netns add does not work here: $(head -1 "$W/err")"
fi
ip netns add "$NS2" && ip netns add "$NSO" || { echo "not ok - ip netns add"; exit 1; }
echo "# namespaces: $NS1 $NS2 $NSO"

npass=0 nfail=0
ok() { npass=$((npass + 1)); echo "ok - $1"; }
nok() { nfail=$((nfail + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /' | head -40; }

# ---- topology ----------------------------------------------------------
set -e
for ns in $NS1 $NS2 $NSO; do ip -n "$ns" link set lo up; done
ip link add name priv1 netns "$NS1" type veth peer name priv2 netns "$NS2"
ip link add name pub2 netns "$NS2" type veth peer name pubo netns "$NSO"
ip link add name adm1 netns "$NS1" type veth peer name adm2 netns "$NS2"
ip -n "$NS1" addr add 198.51.100.1/24 dev adm1
ip -n "$NS2" addr add 198.51.100.2/24 dev adm2
ip -n "$NS1" link set adm1 up
ip -n "$NS2" link set adm2 up
ip -n "$NS1" addr add 10.132.0.10/24 dev priv1
ip -n "$NS2" addr add 10.132.0.11/24 dev priv2
ip -n "$NS2" addr add 203.0.113.2/24 dev pub2
ip -n "$NSO" addr add 203.0.113.1/24 dev pubo
ip -n "$NS1" link set priv1 up
ip -n "$NS2" link set priv2 up
ip -n "$NS2" link set pub2 up
ip -n "$NSO" link set pubo up
set +e

# wait_tcp NS HOST PORT: until something accepts there (10 s).
wait_tcp() {
	ip netns exec "$1" python3 - "$2" "$3" <<'EOF'
import socket, sys, time
for _ in range(200):
    s = socket.socket(); s.settimeout(0.2)
    if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0:
        sys.exit(0)
    s.close(); time.sleep(0.05)
sys.exit(1)
EOF
}

# ---- servers -----------------------------------------------------------
export DB_PASSWORD=app-pw-7f3c REDIS_PASSWORD=redis-pw-91ad
mkdir -p "$W/myinit"
chown mysql:mysql "$W/myinit"
mariadb-install-db --user=mysql --datadir="$W/myinit/data" \
	--auth-root-authentication-method=socket --skip-test-db \
	>"$W/my-init.log" 2>&1 || { nok "mariadb-install-db" "$(tail -5 "$W/my-init.log")"; exit 1; }
cp -a "$W/myinit" "$W/my1"
cp -a "$W/myinit" "$W/my2"

# start_my NS DIR BIND: a MariaDB on BIND:3306 inside NS; sets MYPID_<DIR>.
start_my() {
	ip netns exec "$1" mariadbd --no-defaults --user=mysql \
		--datadir="$W/$2/data" --port=3306 --bind-address="$3" \
		--socket="$W/$2/sock" --pid-file="$W/$2/pid" --skip-log-bin \
		--skip-name-resolve --innodb-buffer-pool-size=32M \
		--innodb-flush-log-at-trx-commit=0 --log-error="$W/$2/err.log" \
		>/dev/null 2>&1 &
	eval "MYPID_$2=$!"
	PIDS="$PIDS $!"
	wait_tcp "$1" "$4" 3306 || { nok "MariaDB in $1 did not start" "$(tail -5 "$W/$2/err.log")"; exit 1; }
}
stop_my() {
	eval "_p=\$MYPID_$1"
	kill "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
}
my() { mariadb --no-defaults -S "$W/$1/sock" -uroot -N -B smartline -e "$2"; }

start_redis() {
	ip netns exec "$NS2" redis-server --port 6379 --bind 10.132.0.11 127.0.0.1 \
		--save '' --dir "$W" --logfile "$W/redis.log" "$@" >/dev/null 2>&1 &
	REDISPID=$!
	PIDS="$PIDS $!"
	wait_tcp "$NS2" 127.0.0.1 6379 || { nok "Redis did not start"; exit 1; }
}
stop_redis() { kill "$REDISPID" 2>/dev/null; wait "$REDISPID" 2>/dev/null; }

start_my "$NS1" my1 127.0.0.1 127.0.0.1
start_my "$NS2" my2 10.132.0.11 10.132.0.11
start_redis --requirepass "$REDIS_PASSWORD"
echo 1 >"$W/delay"
ip netns exec "$NS2" python3 "$HERE/relay.py" 10.132.0.11 3307 10.132.0.11 3306 \
	"$W/delay" >"$W/relay.log" 2>&1 &
PIDS="$PIDS $!"
wait_tcp "$NS2" 10.132.0.11 3307 || { nok "relay did not start"; exit 1; }

schema="CREATE DATABASE smartline;
USE smartline;
CREATE USER 'app'@'%' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL ON smartline.* TO 'app'@'%';
CREATE TABLE smartline.users (id INT PRIMARY KEY, name VARCHAR(40));
CREATE TABLE smartline.drivers (id INT PRIMARY KEY, user_id INT);
CREATE TABLE smartline.trips (id INT PRIMARY KEY, driver_id INT, km DECIMAL(8,2));
CREATE TABLE smartline.transactions (id INT PRIMARY KEY, trip_id INT, amount DECIMAL(10,2));
INSERT INTO smartline.users SELECT seq, CONCAT('user', seq) FROM seq_1_to_200;
INSERT INTO smartline.drivers SELECT seq, seq * 2 FROM seq_1_to_40;
INSERT INTO smartline.trips SELECT seq, seq % 40 + 1, seq / 7 FROM seq_1_to_1000;
INSERT INTO smartline.transactions SELECT seq, seq, seq * 1.5 FROM seq_1_to_1000;"
for d in my1 my2; do
	mariadb --no-defaults -S "$W/$d/sock" -uroot -e "$schema" 2>"$W/err" ||
		{ nok "schema on $d" "$(cat "$W/err")"; exit 1; }
done
export NS_OUTSIDE=$NSO

# ---- sshd on vps1 and vps2 ----------------------------------------------
. "$ROOT/tests/harness/sshd.sh"
export SSH_DIR=$W/ssh CUTOVER_BIN=$CUTOVER CUTOVER_SSH_DIR=$W/ctl
mkdir -p "$CUTOVER_SSH_DIR" && chmod 700 "$CUTOVER_SSH_DIR"
sshd_keys "$SSH_DIR"
sshd_hostkey "$SSH_DIR" 1 127.0.0.1
sshd_hostkey "$SSH_DIR" 2 198.51.100.2
sshd_start "$NS1" 127.0.0.1 "$SSH_DIR/hostkey1" "$W/sshd1.log" "$W/sshd1.pid" ||
	{ nok "sshd on vps1"; exit 1; }
PIDS="$PIDS $SSHD_PID"
sshd_start "$NS2" 198.51.100.2 "$SSH_DIR/hostkey2" "$W/sshd2.log" "$W/sshd2.pid" ||
	{ nok "sshd on vps2"; exit 1; }
PIDS="$PIDS $SSHD_PID"
# The journal of `run` goes next to the plan: a copy in the work dir.
cp "$HERE/plan.yml" "$W/plan.yml"
PLAN=$W/plan.yml

# ---- running the plan --------------------------------------------------
if ip netns exec "$NS1" "$CUTOVER" lint -q "$PLAN" >"$W/lint" 2>&1; then
	ok "plan.yml lints"
else
	nok "plan.yml lints" "$(cat "$W/lint")"
fi

# check NAME: run the plan on vps1; sets $failing (sorted ids), $rc, $secs.
check() {
	local t0=$(date +%s%N)
	ip netns exec "$NS1" "$CUTOVER" check "$PLAN" --format json \
		-o "$W/$1.json" 2>"$W/$1.err"
	rc=$?
	secs=$(( ($(date +%s%N) - t0) / 1000000 ))
	failing=$(jq -r '[.results[] | select(.status == "fail") | .id] | sort | join(" ")' \
		"$W/$1.json" 2>/dev/null)
}
msg() { jq -r --arg id "$2" '.results[] | select(.id == $id) | .message' "$W/$1.json"; }
status() { jq -r --arg id "$2" '.results[] | select(.id == $id) | .status' "$W/$1.json"; }

# expect_failing NAME "ids" DESCRIPTION
expect_failing() {
	if [ -s "$W/$1.json" ] && [ "$failing" = "$2" ] &&
	    { [ -z "$2" ] || [ "$rc" -eq 1 ]; } && [ "$rc" -le 1 ]; then
		ok "$3: failing = {${2}} (exit $rc, ${secs}ms)"
	else
		nok "$3: failing = {$failing}, expected {$2} (exit $rc)" \
			"$(jq -r '.results[] | "\(.status) \(.id): \(.message)"' "$W/$1.json" 2>/dev/null; cat "$W/$1.err")"
	fi
}
# expect_msg NAME ID REGEX
expect_msg() {
	local m
	m=$(msg "$1" "$2")
	if printf '%s\n' "$m" | grep -Eq -- "$3"; then ok "$1: $2 says: $m"; else
		nok "$1: $2 message lacks /$3/" "$m"; fi
}
no_secrets() {
	if grep -qF -e "$DB_PASSWORD" -e "$REDIS_PASSWORD" "$W/$1.json" "$W/$1.err"; then
		nok "$1: a password appears in the output"
	else
		ok "$1: no password in the output"
	fi
}

check baseline
expect_failing baseline "" "baseline: every check passes"
[ "$rc" -eq 0 ] && ok "baseline exits 0" || nok "baseline exits $rc" "$(head -30 "$W/baseline.err")"
expect_msg baseline private-latency "p90 [0-9.]+(us|ms) over 20 SELECT 1"
expect_msg baseline mysql-closed-outside "closed.*from $NSO"
expect_msg baseline redis-auth "NOAUTH without password, PONG"
expect_msg baseline mysql-bind "bound to 10\.132\.0\.11.*on vps2"
expect_msg baseline mysql-bind-vps1 "127\.0\.0\.1.*on vps1"
no_secrets baseline

# A step on each host, over SSH: each prints its own private address.
ip netns exec "$NS1" "$CUTOVER" run "$PLAN" --yes >"$W/run.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "inet 10\.132\.0\.10/" "$W/run.out" &&
    grep -q "inet 10\.132\.0\.11/" "$W/run.out"; then
	ok "run: the steps ran on vps1 and on vps2 (exit 0)"
else nok "run: exit $rc, or a step did not run on its host" "$(tail -30 "$W/run.out")"; fi
if grep -qF -e "$DB_PASSWORD" -e "$REDIS_PASSWORD" "$W/run.out"; then
	nok "run: a password appears in the output"
else ok "run: no password in the output"; fi

# 1. The private link slows down past the critical tier.
echo 12 >"$W/delay"
check delay
expect_failing delay "private-latency" "relay delay 12ms"
expect_msg delay private-latency "p90 ([1-9][0-9][.0-9]*ms|[0-9.]+s) over 20 .*at or past crit"
echo 1 >"$W/delay"

# 2. MariaDB listens on every address, the public link included.
stop_my my2
start_my "$NS2" my2 0.0.0.0 10.132.0.11
check exposed
expect_failing exposed "mysql-bind mysql-closed-outside" "MariaDB on 0.0.0.0"
expect_msg exposed mysql-closed-outside "OPEN.*from $NSO"
expect_msg exposed mysql-bind "0\.0\.0\.0 \(all addresses\).*allowed only 10\.132\.0\.11"
stop_my my2
start_my "$NS2" my2 10.132.0.11 10.132.0.11

# 3. Redis comes back without its password.
stop_redis
start_redis --protected-mode no
check noauth
expect_failing noauth "redis-auth" "Redis without requirepass"
expect_msg noauth redis-auth "answered PING without a password"
stop_redis
start_redis --requirepass "$REDIS_PASSWORD"

# 4. The migrated copy loses a row.
my my2 "DELETE FROM trips WHERE id = 500"
check rowgone
expect_failing rowgone "rows-match" "a row deleted on the target"
expect_msg rowgone rows-match "trips \(source 1000, target 999\)"
my my2 "INSERT INTO trips VALUES (500, 21, 71.43)"

# 5. The private link goes dark (vps2's end down: packets vanish).
ip -n "$NS2" link set priv2 down
check linkdown
expect_failing linkdown \
	"dst-ready mysql-private private-latency redis-auth redis-private rows-match" \
	"private link down"
expect_msg linkdown mysql-private "timed out after 2|unreachable"
if [ "$secs" -lt 15000 ]; then ok "link down: the run ends in ${secs}ms (timeouts 2-4s)"
else nok "link down: the run took ${secs}ms"; fi
for id in mysql-closed-outside redis-closed-outside mysql-bind redis-bind \
    mysql-bind-vps1 disk-vps2 mariadb-vps2 redis-vps2; do
	[ "$(status linkdown $id)" = pass ] && ok "link down: $id still passes" ||
		nok "link down: $id is $(status linkdown $id)"
done
ip -n "$NS2" link set priv2 up
# vps1 marked 10.132.0.11 unreachable while the link was down: forget it.
ip -n "$NS1" neigh flush dev priv1
wait_tcp "$NS1" 10.132.0.11 3306 || nok "the private link did not come back"

# Repaired: everything passes again.
check repaired
expect_failing repaired "" "after the repairs every check passes again"

echo "# two-vps: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
