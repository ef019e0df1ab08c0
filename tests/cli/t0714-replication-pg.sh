#!/bin/bash
# t0714-replication-pg: kind `replication` against real PostgreSQL 15
# servers the test starts: a primary with a streaming standby made by
# pg_basebackup -R, and a logical subscription from one database of the
# primary to another.  Each passes while healthy and fails naming the
# cause once broken: replay paused (lag), the standby shut down, a
# subscription disabled, a user without pg_monitor, a server that hangs.
. "$(dirname "$0")/lib.sh"

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
[ -x "$PG_BINDIR/initdb" ] || { echo "skipped: PostgreSQL 15 is not installed (make deps)"; exit 0; }

PGDIRS=""
cleanup() {
	for d in $PGDIRS; do
		su postgres -s /bin/sh -c "$PG_BINDIR/pg_ctl -D $d -m immediate stop" >/dev/null 2>&1
	done
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# Free ports, one Python start for all (seconds on a busy machine).
set -- $(python3 -c '
import socket
ss = []
for _ in range(3):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ss.append(s); print(s.getsockname()[1])
')
PP=$1 PS=$2 BH=$3

asu() { su postgres -s /bin/sh -c "$1"; }
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d "${3:-postgres}" -tA -c "$2"; }
pg_start() {  # pg_start DIR PORT
	asu "$PG_BINDIR/pg_ctl -D $1 -l $1.log -w -t 60 -o '-p $2 -k $T/pg -c listen_addresses=127.0.0.1 -c fsync=off' start" >/dev/null 2>&1
}

# --- PostgreSQL: primary, standby, logical subscription ---------------
mkdir -p "$T/pg" && chown postgres:postgres "$T/pg"
asu "$PG_BINDIR/initdb -D $T/pg/p -A trust -U postgres -E UTF8 --locale=C.UTF-8" >"$T/initdb.log" 2>&1 ||
	{ fail "initdb" "$(cat "$T/initdb.log")"; done_testing; exit; }
cat >>"$T/pg/p/postgresql.conf" <<CONF
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
wal_receiver_status_interval = 1s
CONF
PGDIRS="$T/pg/p"
pg_start "$T/pg/p" "$PP" || { fail "primary did not start" "$(cat "$T/pg/p.log")"; done_testing; exit; }
asu "$PG_BINDIR/pg_basebackup -h 127.0.0.1 -p $PP -U postgres -D $T/pg/s -R -X stream" >"$T/bb.log" 2>&1 ||
	{ fail "pg_basebackup" "$(cat "$T/bb.log")"; done_testing; exit; }
echo "application_name = 'standby1'" >>"$T/pg/s/postgresql.auto.conf"
sed -i "s/user=postgres/user=postgres application_name=standby1/" "$T/pg/s/postgresql.auto.conf"
PGDIRS="$PGDIRS $T/pg/s"
pg_start "$T/pg/s" "$PS" || { fail "standby did not start" "$(cat "$T/pg/s.log")"; done_testing; exit; }
psql_ "$PP" "CREATE DATABASE app"
psql_ "$PP" "CREATE DATABASE sub"
psql_ "$PP" "CREATE ROLE watcher LOGIN"
psql_ "$PP" "CREATE TABLE t (id int PRIMARY KEY, v text); CREATE PUBLICATION app_pub FOR TABLE t" app
psql_ "$PP" "SELECT pg_create_logical_replication_slot('app_sub', 'pgoutput')" app >/dev/null
# Publisher and subscriber in one cluster: the slot is made beforehand
# (a subscription cannot create one on its own server).
psql_ "$PP" "CREATE TABLE t (id int PRIMARY KEY, v text)" sub
psql_ "$PP" "CREATE SUBSCRIPTION app_sub CONNECTION 'host=127.0.0.1 port=$PP user=postgres dbname=app'
	PUBLICATION app_pub WITH (create_slot = false, slot_name = 'app_sub')" sub
psql_ "$PP" "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 100) g" app
for _ in $(seq 50); do
	[ "$(psql_ "$PP" "SELECT (SELECT count(*) FROM t) || ' ' || (SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r')" sub 2>/dev/null)" = "100 0" ] && break
	sleep 0.2
done

# The standby's replay lag is measured once it reports replaying what
# it was sent (every wal_receiver_status_interval): until then the
# primary shows none while bytes are behind, which the check rightly
# calls unknown (it did, once in a full run, right after the writes
# above).
for _ in $(seq 50); do
	[ "$(psql_ "$PP" "SELECT bool_or(replay_lag IS NOT NULL OR replay_lsn = pg_current_wal_lsn()) FROM pg_stat_replication WHERE application_name = 'standby1'" 2>/dev/null)" = t ] && break
	sleep 0.2
done

PRI="postgres://postgres@127.0.0.1:$PP/postgres"
STB="postgres://postgres@127.0.0.1:$PS/postgres"
cat >"$T/pg.yml" <<YML
cutover: 1
name: t0714
targets:
  primary: "$PRI"
  standby: "$STB"
  publisher: "postgres://postgres@127.0.0.1:$PP/app"
  subscriber: "postgres://postgres@127.0.0.1:$PP/sub"
checks:
  - { id: pg-primary, kind: replication, target: primary, role: primary, lag: "< 5s" }
  - { id: pg-standby, kind: replication, target: standby, role: standby, lag: "< 5s" }
  - { id: pg-sub, kind: replication, target: subscriber, subscription: app_sub, publisher: publisher, lag: "< 5s" }
  - { id: pg-two, kind: replication, target: primary, role: primary, min_replicas: 2 }
  - { id: pg-wrong-role, kind: replication, target: primary, role: replica }
  - { id: pg-wrong-role2, kind: replication, target: standby, role: primary }
  - { id: pg-no-sub, kind: replication, target: subscriber, subscription: nope }
  - { id: pg-denied, kind: replication, target: "postgres://watcher@127.0.0.1:$PP/postgres", role: primary }
  - { id: pg-hang, kind: replication, target: "postgres://postgres@127.0.0.1:$BH/postgres", role: primary, timeout: 1s }
YML
python3 "$ROOT/tests/harness/blackhole.py" "$BH" >"$T/bh.log" 2>&1 &
PIDS="$PIDS $!"
wait_ready "$T/bh.log" || sleep 5
run "$CUTOVER" check "$T/pg.yml" --format json
expect_rc 1 "check runs (some are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
want() {  # want ID GLOB DESC
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want pg-primary "pass standby1 (127.0.0.1): streaming*" "PG primary streams to its standby"
want pg-standby "pass WAL receiver from 127.0.0.1:$PP: streaming*" "PG standby receives and replays"
want pg-sub "pass subscription app_sub: streaming*; slot app_sub on the publisher: active*" "PG logical subscription and its slot"
want pg-two "fail 1 replica connected to *, expected at least 2" "min_replicas"
want pg-wrong-role "fail * is not a standby (not in recovery)*" "a primary asked as a standby"
want pg-wrong-role2 "fail * is a standby (in recovery), not a primary" "a standby asked as a primary"
want pg-no-sub "fail * has no subscription nope in this database" "no such subscription"
want pg-denied "fail standby1 (*): its state is hidden from this user (grant pg_monitor)" "a user without pg_monitor"
want pg-hang "fail *" "a server that never answers: the timeout holds"
d=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "pg-hang") | .duration_ms')
[ "${d%.*}" -lt 3000 ] && ok "timeout held (${d} ms)" || fail "timeout did not hold" "$d ms"

# Replay paused on the standby while the primary writes: lag grows.
psql_ "$PS" "SELECT pg_wal_replay_pause()" >/dev/null
psql_ "$PP" "INSERT INTO t VALUES (1000, 'a')" app
sleep 2.5
psql_ "$PP" "INSERT INTO t VALUES (1001, 'b')" app
sleep 0.5
cat >"$T/lag.yml" <<YML
cutover: 1
name: t0714b
checks:
  - { id: pg-standby-lag, kind: replication, target: "$STB", role: replica, lag: "< 1s" }
YML
run "$CUTOVER" check "$T/lag.yml" --format json
want pg-standby-lag "fail WAL receiver from 127.0.0.1:$PP: lag *s, expected < 1s" "replay paused: the standby's lag fails"
psql_ "$PS" "SELECT pg_wal_replay_resume()" >/dev/null

# Subscription disabled: the subscriber says so, the slot goes inactive.
psql_ "$PP" "ALTER SUBSCRIPTION app_sub DISABLE" sub
sleep 1
run "$CUTOVER" check "$T/pg.yml" --only pg-sub --format json
want pg-sub "fail subscription app_sub: disabled" "disabled subscription"

# The standby shut down: the primary has no replica any more.
asu "$PG_BINDIR/pg_ctl -D $T/pg/s -m fast stop" >/dev/null 2>&1
run "$CUTOVER" check "$T/pg.yml" --only pg-primary,pg-standby --format json
want pg-primary "fail no replica is connected to postgres 127.0.0.1:$PP/postgres*" "standby down: primary shows no replication"
want pg-standby "fail *127.0.0.1:$PS*" "standby down: cannot connect, named"

done_testing
