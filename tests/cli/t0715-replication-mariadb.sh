#!/bin/bash
# t0715-replication-mariadb: kind `replication` against a real MariaDB
# primary (binary log, GTID) and replica (CHANGE MASTER TO ...,
# MASTER_USE_GTID) the test starts.  Both pass while healthy; then they
# fail naming the cause: a user without the privilege, the SQL thread
# stopped, the replica stopped (STOP REPLICA: the primary has no replica
# any more), a delayed replica (lag).
. "$(dirname "$0")/lib.sh"

command -v mariadbd >/dev/null || { echo "skipped: MariaDB is not installed (make deps)"; exit 0; }

set -- $(python3 -c '
import socket
ss = []
for _ in range(2):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ss.append(s); print(s.getsockname()[1])
')
MP=$1 MR=$2

# One data directory made, copied for the replica (install-db is slow).
# Everything mariadbd writes lives in $D, which the mysql user owns.
D=$T/my
mkdir -p "$D" && chown mysql:mysql "$D"
mariadb-install-db --no-defaults --user=mysql --datadir="$D/p" --auth-root-authentication-method=socket \
	--skip-test-db >"$T/install.log" 2>&1 || { fail "mariadb-install-db" "$(cat "$T/install.log")"; done_testing; exit; }
cp -a "$D/p" "$D/r"
my_start() {  # my_start NAME PORT ID [ARGS]
	local n=$1 p=$2 id=$3; shift 3
	mariadbd --no-defaults --user=mysql --datadir="$D/$n" --port="$p" \
		--bind-address=127.0.0.1 --socket="$D/$n.sock" --skip-name-resolve \
		--pid-file="$D/$n.pid" --innodb-buffer-pool-size=16M --innodb-flush-log-at-trx-commit=0 \
		--server-id="$id" --log-error="$D/$n.err" "$@" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
}
my() { mariadb --no-defaults -S "$D/$1.sock" -uroot -N -B -e "$2"; }
my_wait() { for _ in $(seq 300); do my "$1" "SELECT 1" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
my_start p "$MP" 1 --log-bin="$D/p-bin" --binlog-format=ROW
my_start r "$MR" 2 --skip-log-bin --relay-log="$D/r-relay"
my_wait p && my_wait r || { fail "mariadbd did not start" "$(cat "$D"/*.err)"; done_testing; exit; }
my p "CREATE USER 'repl'@'%' IDENTIFIED BY 'repl-t0715-pw'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
	CREATE USER 'mon'@'%' IDENTIFIED BY 'mon-t0715-pw'; GRANT SLAVE MONITOR, REPLICATION MASTER ADMIN, PROCESS ON *.* TO 'mon'@'%';
	CREATE USER 'nobody'@'%' IDENTIFIED BY 'nobody-t0715-pw';
	CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)"
my r "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MP, MASTER_USER='repl',
	MASTER_PASSWORD='repl-t0715-pw', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE"
for _ in $(seq 100); do
	[ "$(my r "SELECT count(*) FROM app.t" 2>/dev/null)" = 0 ] && break
	sleep 0.1
done
# The replica replicated the users too: mon and nobody exist on both.
export MON_PW=mon-t0715-pw
PRI="mysql://mon@127.0.0.1:$MP/?password_env=MON_PW"
REP="mysql://mon@127.0.0.1:$MR/?password_env=MON_PW"
cat >"$T/plan.yml" <<YML
cutover: 1
name: t0715
targets: { primary: "$PRI", replica: "$REP" }
checks:
  - { id: my-primary, kind: replication, target: primary, role: primary }
  - { id: my-replica, kind: replication, target: replica, role: replica, lag: "< 5s" }
  - { id: my-not-replica, kind: replication, target: primary, role: replica }
  - { id: my-not-primary, kind: replication, target: replica, role: primary }
  - { id: my-denied, kind: replication, target: "mysql://nobody:nobody-t0715-pw@127.0.0.1:$MR/", role: replica }
YML
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (some are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
want() {  # want ID GLOB DESC
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want my-primary "pass replica at 127.0.0.1:*: connected" "MariaDB primary sees its replica"
want my-replica "pass replica of 127.0.0.1:$MP: IO Yes, SQL Yes, lag 0us, at GTID 0-1-*" "MariaDB replica running, GTID position"
want my-not-replica "fail * is not a replica (SHOW REPLICA STATUS is empty)" "a primary asked as a replica"
want my-not-primary "fail * has no binary log (log_bin is off): it cannot be a primary" "a replica without binlog asked as a primary"
want my-denied "fail *Access denied*privilege*" "a user without the privilege"
expect_no "mon-t0715-pw" "the password never printed"
expect_no "nobody-t0715-pw" "the password in a URL never printed"

# The SQL thread stopped.
my r "STOP SLAVE SQL_THREAD"
run "$CUTOVER" check "$T/plan.yml" --only my-replica --format json
want my-replica "fail replica of 127.0.0.1:$MP: the SQL thread is No, not running" "SQL thread stopped"

# Delayed replica: events wait 60s, the lag grows.
my r "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=60; START SLAVE"
sleep 0.5
my p "INSERT INTO app.t VALUES (1)"
sleep 2.5
cat >"$T/lag.yml" <<YML
cutover: 1
name: t0715b
checks:
  - { id: my-lag, kind: replication, target: "$REP", role: replica, lag: "< 1s" }
YML
run "$CUTOVER" check "$T/lag.yml" --format json
want my-lag "fail replica of 127.0.0.1:$MP: lag *s, expected < 1s" "a delayed replica's lag fails"

# STOP REPLICA: the replica says so, the primary has no replica any more.
# A dump thread ends when a write to the gone replica fails: give it
# events, and wait for the primary to see it gone.
my r "STOP SLAVE"
for i in $(seq 2 40); do
	my p "INSERT INTO app.t VALUES ($i)"
	[ "$(my p "SELECT count(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")" = 0 ] && break
	sleep 0.2
done
run "$CUTOVER" check "$T/plan.yml" --only my-replica,my-primary --format json
want my-replica "fail replica of 127.0.0.1:$MP: the IO thread is No, not running" "replica stopped"
want my-primary "fail no replica is connected to *" "replica stopped: the primary has none"

done_testing
