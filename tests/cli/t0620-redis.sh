#!/bin/bash
# t0620-redis: `redis` against real Redis servers: the shared one (no
# password) and the test's own (requirepass; RDB save points; AOF).
. "$(dirname "$0")/lib.sh"

PIDS=""
cleanup() {
	for p in $PIDS; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
	for _ in $(seq 100); do
		redis-cli -p "$1" ${2:+-a "$2"} --no-auth-warning ping 2>/dev/null | grep -q PONG && return 0
		sleep 0.05
	done
	return 1
}
# redis PORT [args]: a Redis of our own on loopback, its data under $T.
redis() {
	local p=$1; shift
	mkdir -p "$T/r$p"
	redis-server --port "$p" --bind 127.0.0.1 --dir "$T/r$p" \
		--logfile "$T/r$p/log" "$@" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	LASTPID=$!
}
export RPW=t0620-redis-secret
PW=$(port); redis "$PW" --requirepass "$RPW" --save ''
PWPID=$LASTPID
PU=$(port); redis "$PU" --save '' --user default off --user alice on '>alice-t0620-pw' '~*' '&*' '+@all'
PR=$(port); redis "$PR" --save '3600 1'
PA=$(port); redis "$PA" --save '' --appendonly yes
for _ in $(seq 100); do redis-cli -p "$PU" --user alice --pass alice-t0620-pw --no-auth-warning ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
wait_port "$PW" "$RPW" && wait_port "$PR" && wait_port "$PA" || fail "own redis servers did not start"
BH=$(port)
python3 "$ROOT/tests/harness/blackhole.py" "$BH" >"$T/bh.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do grep -q ready "$T/bh.log" && break; sleep 0.05; done

cat >"$T/plan.yml" <<YML
cutover: 1
name: t0620
checks:
  - { id: auth-ok, kind: redis, target: "redis://127.0.0.1:$PW/0?password_env=RPW",
      require_auth: true,
      info: { role: master, connected_clients: "< 1000", maxmemory_policy: noeviction } }
  - { id: check-pw, kind: redis, target: "redis://127.0.0.1:$PW/2", password_env: RPW }
  - { id: open, kind: redis, target: "$REDIS_URL", require_auth: true, password_env: RPW }
  - { id: no-pw-given, kind: redis, target: "redis://127.0.0.1:$PW/0" }
  - { id: wrong-pw, kind: redis, target: "redis://:wrong-password@127.0.0.1:$PW/0" }
  - { id: pw-not-needed, kind: redis, target: "$REDIS_URL", password_env: RPW }
  - { id: info-bad, kind: redis, target: "redis://127.0.0.1:$PW/0?password_env=RPW",
      info: { maxmemory_policy: volatile-ttl, connected_clients: "> 1000", no_such_field: 1 } }
  - { id: rdb-ok, kind: redis, target: "redis://127.0.0.1:$PR/0", persistence: rdb }
  - { id: aof-ok, kind: redis, target: "redis://127.0.0.1:$PA/0", persistence: aof }
  - { id: rdb-off, kind: redis, target: "redis://127.0.0.1:$PA/0", persistence: rdb }
  - { id: aof-off, kind: redis, target: "redis://127.0.0.1:$PR/0", persistence: aof }
  - { id: acl-user, kind: redis, target: "redis://alice:alice-t0620-pw@127.0.0.1:$PU/0",
      require_auth: true }
  - { id: acl-wrong-user, kind: redis, target: "redis://bob:alice-t0620-pw@127.0.0.1:$PU/0" }
  - { id: refused, kind: redis, target: "redis://127.0.0.1:1/0" }
  - { id: filtered, kind: redis, target: "redis://127.0.0.1:$BH/0", timeout: 1s }
YML
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (most are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
want() {  # want ID GLOB DESC
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want auth-ok "pass *NOAUTH without password, PONG, INFO as expected" "require_auth on a password-protected Redis"
want check-pw "pass *PONG" "password from the check's password_env, db 2"
want open "fail *answered PING without a password*anyone who reaches the port can use it" "require_auth on an open Redis"
want no-pw-given "fail *answered PING with 'NOAUTH Authentication required'*(no password given)" "no password given"
want wrong-pw "fail *refused the password*" "wrong password"
want pw-not-needed "warn *has no password configured*" "a password the server does not need"
want info-bad "fail *maxmemory_policy is noeviction, expected == volatile-ttl; connected_clients is *, expected > 1000; no_such_field is absent, expected == 1" "INFO assertions, every miss named"
want rdb-ok "pass *RDB snapshots on" "persistence: rdb with save points"
want aof-ok "pass *AOF on" "persistence: aof with appendonly yes"
want rdb-off "fail *RDB snapshots are off (save \"\"): nothing is persisted" "persistence: rdb without save points"
want aof-off "fail *AOF is off (appendonly no)*" "persistence: aof without appendonly"
want acl-user "pass *NOAUTH without password, PONG" "ACL user from the URL (AUTH user password)"
want acl-wrong-user "fail *refused the password: WRONGPASS*" "unknown ACL user"
want refused "fail connect to redis 127.0.0.1:1: Connection refused" "refused"
want filtered "fail connect to redis 127.0.0.1:$BH: timed out" "filtered port times out"
expect_no "$RPW" "the password never appears"
expect_no "wrong-password" "an inline URL password never appears"
expect_no "alice-t0620-pw" "an ACL password never appears"

# Hostile servers (tests/harness/fakeredis.py): a password check that
# says OK to anything, an AUTH that answers an integer, replies of 300 MB.
fake() {  # fake MODE -> port in $FP
	FP=$(port)
	python3 "$ROOT/tests/harness/fakeredis.py" "$1" "$FP" >"$T/fake-$1.log" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do grep -q ready "$T/fake-$1.log" && break; sleep 0.05; done
}
fake permissive; FPERM=$FP
fake auth-int; FINT=$FP
fake bigping; FBIG=$FP
fake bigerr; FERR=$FP
cat >"$T/fake.yml" <<YML
cutover: 1
name: t0620
checks:
  - { id: permissive, kind: redis, target: "redis://127.0.0.1:$FPERM/0", require_auth: true, password_env: RPW }
  - { id: auth-int, kind: redis, target: "redis://127.0.0.1:$FINT/0", password_env: RPW }
  - { id: auth-int-req, kind: redis, target: "redis://127.0.0.1:$FINT/0", password_env: RPW, require_auth: true }
  - { id: big-ping, kind: redis, target: "redis://127.0.0.1:$FBIG/0", timeout: 20s }
  - { id: big-err, kind: redis, target: "redis://127.0.0.1:$FERR/0", timeout: 20s }
YML
run /usr/bin/time -f 'maxrss %M' -o "$T/time" "$CUTOVER" check "$T/fake.yml" --format json
want permissive "fail *accepted a wrong password*" "require_auth: a server that accepts any password fails"
want auth-int "fail *answered AUTH with '(an integer)', not OK" "an AUTH answered :0 is not authenticated"
want auth-int-req "fail *accepted a wrong password*" "require_auth: an AUTH answered :0 to a wrong password fails"
want big-ping "fail *reply longer than 1024 KiB: not read further (truncated)" "a 300 MB PING reply is cut at 1 MiB"
want big-err "fail *reply longer than 1024 KiB: not read further (truncated)" "a 300 MB error reply is cut at 1 MiB"
len=$(printf '%s\n' "$out" | wc -c)
[ "$len" -lt 20000 ] && ok "the report stays small ($len bytes)" || fail "report of $len bytes"
rss=$(sed -n 's/^maxrss //p' "$T/time")
[ -n "$rss" ] && [ "$rss" -lt 100000 ] && ok "memory stays bounded (${rss} KiB)" || fail "max RSS ${rss} KiB"
expect_no "$RPW" "the password never appears (fake servers)"

# The latency kind's PING samples go through the same capped reader and
# the same exact AUTH: against the hostile servers they are lost, against
# the real password-protected Redis they pass.
cat >"$T/lat.yml" <<YML
cutover: 1
name: t0620
checks:
  - { id: lat-real, kind: latency, target: "redis://127.0.0.1:$PW/0?password_env=RPW",
      samples: 3, interval: 10ms }
  - { id: lat-permissive, kind: latency, target: "redis://127.0.0.1:$FPERM/0",
      samples: 3, interval: 10ms }
  - { id: lat-auth-int, kind: latency, target: "redis://127.0.0.1:$FINT/0?password_env=RPW",
      samples: 3, interval: 10ms }
  - { id: lat-big-ping, kind: latency, target: "redis://127.0.0.1:$FBIG/0",
      samples: 3, interval: 10ms, sample_timeout: 5s }
YML
run /usr/bin/time -f 'maxrss %M' -o "$T/time" "$CUTOVER" check "$T/lat.yml" --format json
want lat-real "pass *" "latency: PING samples on the real password-protected Redis"
want lat-permissive "fail *NOAUTH*" "latency: PING without the password is refused"
want lat-auth-int "fail *answered AUTH with '(an integer)', not OK" "latency: an AUTH answered :0 is not authenticated"
want lat-big-ping "fail *reply longer than 1024 KiB: not read further (truncated)" "latency: a 300 MB PING reply is cut at 1 MiB"
rss=$(sed -n 's/^maxrss //p' "$T/time")
[ -n "$rss" ] && [ "$rss" -lt 100000 ] && ok "latency: memory stays bounded (${rss} KiB)" || fail "latency: max RSS ${rss} KiB"
expect_no "$RPW" "the password never appears (latency)"

# A server that stops answering mid-conversation: the command times out.
kill -STOP "$PWPID"
cat >"$T/stopped.yml" <<YML
cutover: 1
name: t0620
checks:
  - { id: stopped, kind: redis, target: "redis://127.0.0.1:$PW/0?password_env=RPW", timeout: 1s }
YML
t0=$(date +%s%N)
run "$CUTOVER" check "$T/stopped.yml"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -CONT "$PWPID"
expect_rc 1 "a stopped Redis fails"
expect_out "timed out" "and says it timed out"
if [ "$ms" -lt 2500 ]; then ok "within the 1s timeout (${ms}ms)"; else fail "took ${ms}ms"; fi

unset CUTOVER_T0620_UNSET
cat >"$T/bad.yml" <<'YML'
cutover: 1
name: t0620
checks:
  - { id: tls, kind: redis, target: "rediss://127.0.0.1:6380/0" }
  - { id: http, kind: redis, target: "http://127.0.0.1:6379/" }
  - { id: nopw, kind: redis, target: "redis://127.0.0.1:6379/0", require_auth: true }
  - { id: persist, kind: redis, target: "redis://127.0.0.1:6379/0", persistence: both }
  - { id: info, kind: redis, target: "redis://127.0.0.1:6379/0", info: [role] }
  - { id: notarget, kind: redis, require_auth: yes }
YML
run "$CUTOVER" lint "$T/bad.yml"
expect_rc 2 "bad redis checks fail lint"
expect_err "bad.yml:4:[0-9]+: rediss:// \(Redis over TLS\) is not supported" "rediss"
expect_err "bad.yml:5:[0-9]+: check 'http': 'http://127.0.0.1:6379/' is not a redis:// URL" "not a redis URL"
expect_err "bad.yml:6:[0-9]+: 'require_auth' needs the password" "require_auth without a password"
expect_err "bad.yml:7:[0-9]+: 'persistence' must be rdb or aof \(got 'both'\)" "bad persistence"
expect_err "bad.yml:8:[0-9]+: 'info' must be a map" "info as a list"
expect_err "bad.yml:9:[0-9]+: missing 'target'" "no target"

# hit_rate: keyspace_hits / (hits + misses) from INFO.  A fresh server
# has no lookups: no data, a fail, never a pass on nothing.  Then 4 hits
# and 1 miss make 80%.
cat >"$T/hit.yml" <<YML
cutover: 1
name: t0620
checks:
  - { id: hit-ok, kind: redis, target: "redis://127.0.0.1:$PR/0", hit_rate: ">= 80%" }
  - { id: hit-low, kind: redis, target: "redis://127.0.0.1:$PR/0", hit_rate: "> 80%" }
YML
redis-cli -p "$PR" config resetstat >/dev/null
run "$CUTOVER" check "$T/hit.yml" --format json
expect_rc 1 "hit_rate with no lookups yet fails"
want hit-ok "fail *hit rate: no data yet (0 keyspace hits and 0 misses*expected >= 80%" "hit_rate: no data is a fail"
redis-cli -p "$PR" set t0620-key v >/dev/null
for _ in 1 2 3 4; do redis-cli -p "$PR" get t0620-key >/dev/null; done
redis-cli -p "$PR" get t0620-missing >/dev/null
run "$CUTOVER" check "$T/hit.yml" --format json
want hit-ok "pass *PONG, hit rate as expected" "hit_rate: 4 hits, 1 miss is >= 80%"
want hit-low "fail *hit rate is 80.0% (4 hits, 1 misses), expected > 80%" "hit_rate: 80% is not > 80%"
cat >"$T/hitbad.yml" <<'YML'
cutover: 1
name: t0620
checks:
  - { id: h1, kind: redis, target: "redis://127.0.0.1:6379/0", hit_rate: ">= 80" }
  - { id: h2, kind: redis, target: "redis://127.0.0.1:6379/0", hit_rate: "high" }
  - { id: h3, kind: redis, target: "redis://127.0.0.1:6379/0", hit_rat: ">= 80%" }
YML
run "$CUTOVER" lint "$T/hitbad.yml"
expect_rc 2 "bad hit_rate fails lint"
expect_err "hitbad.yml:4:[0-9]+: 'hit_rate' compares a share, like \">= 80%\" \(got '80'\)" "hit_rate without %"
expect_err "hitbad.yml:5:[0-9]+: 'hit_rate' compares a share" "hit_rate as a word"
expect_err "hitbad.yml:6:[0-9]+: unknown key 'hit_rat' in check \(did you mean 'hit_rate'\?\)" "hit_rate typo"
# An unset password_env: lint only warns (it runs without secrets, in
# CI), check refuses, naming the variable.
cat >"$T/pe.yml" <<'YML'
cutover: 1
name: t0620
checks:
  - { id: env, kind: redis, target: "redis://127.0.0.1:6379/0", password_env: CUTOVER_T0620_UNSET }
YML
run "$CUTOVER" lint "$T/pe.yml"
expect_rc 0 "lint with password_env unset"
expect_err "pe.yml:4:[0-9]+: warning: environment variable 'CUTOVER_T0620_UNSET' is not set" "lint warns"
run "$CUTOVER" check "$T/pe.yml"
expect_rc 2 "check with password_env unset"
expect_err "pe.yml:4:[0-9]+: 'password_env' names 'CUTOVER_T0620_UNSET', which is not set" "password_env unset"
done_testing
