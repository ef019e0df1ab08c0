#!/bin/bash
# t0953-env-hosts: kind env's same_as on another host (`on:`), over real
# OpenSSH.  Two hosts, api and node, are network namespaces with sshd
# (as in t0691); node's LARAVEL_API_KEY must equal api's INTERNAL_API_KEY
# and JWT_SECRET must be shared (seeds 000 and 001).  Cases: equal,
# different, a key missing there, the check's own file here (no on:), an
# item `on: local`, the other host unreachable.  The agents are started
# through a wrapper that records both directions of the wire: no value
# crosses it, and none appears in any output, journal or report.
. "$(dirname "$0")/lib.sh"

skip() { echo "skipped: $1"; echo "# $_name: skipped: $1"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip "no sshd (openssh-server)"
command -v ssh >/dev/null || skip "no ssh (openssh-client)"
command -v sqlite3 >/dev/null || skip "no sqlite3 CLI"

NS1=eh1-$$ NS2=eh2-$$
NET=10.$((100 + $$ % 100)).$(( ($$ / 100) % 250 ))
export CUTOVER_SSH_DIR=$T/ctl
_hcleanup() {
	for s in "$CUTOVER_SSH_DIR"/*; do
		[ -S "$s" ] && ssh -o ControlPath="$s" -O exit x >/dev/null 2>&1
	done
	for ns in $NS1 $NS2; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	for ns in $NS1 $NS2; do ip netns del "$ns" 2>/dev/null; done
	PIDS=""
	rm -rf "$T"
}
trap _hcleanup EXIT
ip netns add "$NS1" 2>"$T/e" || skip "ip netns add does not work here: $(head -1 "$T/e")"
ip netns add "$NS2"
i=0
for ns in $NS1 $NS2; do
	i=$((i + 1))
	ip link add "eh$i-$$" type veth peer name eth0 netns "$ns"
	ip addr add "$NET.$((i * 4 + 1))/30" dev "eh$i-$$"
	ip link set "eh$i-$$" up
	ip netns exec "$ns" ip addr add "$NET.$((i * 4 + 2))/30" dev eth0
	ip netns exec "$ns" ip link set eth0 up
	ip netns exec "$ns" ip link set lo up
done
A1=$NET.6 A2=$NET.10
mkdir -p "$T/ctl" && chmod 700 "$T/ctl"
. "$ROOT/tests/harness/sshd.sh"
sshd_keys "$T"
sshd_hostkey "$T" 1 "$A1"
sshd_hostkey "$T" 2 "$A2"
for n in 1 2; do
	eval ns=\$NS$n a=\$A$n
	sshd_start "$ns" "$a" "$T/hostkey$n" "$T/sshd$n.log" "$T/sshd$n.pid" ||
	    skip "sshd did not start"
	PIDS="$PIDS $SSHD_PID"
done

# The agent behind a recorder of what crosses the wire, both ways.
cat >"$T/agent" <<SH
#!/bin/sh
tee -a "$T/wire.in" | "$CUTOVER" "\$@" | tee -a "$T/wire.out"
SH
chmod 755 "$T/agent"

# Same length on purpose: only equality may be told, not lengths.
KEY=Ia8-Internal-Api-Key-7b6c5d4e3f2a1908
OLD=Zz9-Internal-Api-Key-0000111122223333
JWT=jwt-Shared-Secret-4c3b2a19f8e7d6c5b4a3
mkdir -p "$T/api" "$T/node" "$T/here"
printf 'APP_ENV=production\nINTERNAL_API_KEY=%s\nJWT_SECRET=%s\n' "$KEY" "$JWT" >"$T/api/.env"
printf 'NODE_ENV=production\nLARAVEL_API_KEY=%s\nJWT_SECRET=%s\n' "$KEY" "$JWT" >"$T/node/.env"
printf 'NODE_ENV=production\nLARAVEL_API_KEY=%s\nJWT_SECRET=%s\n' "$OLD" "$JWT" >"$T/node/stale.env"
printf 'LARAVEL_API_KEY=%s\n' "$KEY" >"$T/here/.env"
chmod 600 "$T"/*/.env "$T/node/stale.env"

hostyaml() { # ID ADDR [PORT]
	cat <<YAML
  $1:
    ssh: root@$2
    identity: $T/id
    cutover: $T/agent
${3:+    port: $3
}    options: { UserKnownHostsFile: $T/known_hosts, IdentitiesOnly: "yes", GlobalKnownHostsFile: /dev/null, ConnectTimeout: "3" }
YAML
}
{
	echo "cutover: 1"
	echo "name: env-hosts"
	echo "hosts:"
	hostyaml api "$A1"
	hostyaml node "$A2"
	# Nothing listens on port 2 there: refused at once.
	hostyaml gone "$A1" 2
	cat <<YAML
checks:
  - id: keys-shared
    kind: env
    on: node
    file: $T/node/.env
    timeout: 8s
    same_as:
      - { key: LARAVEL_API_KEY, on: api, file: $T/api/.env, as: INTERNAL_API_KEY }
      - { key: JWT_SECRET, on: api, file: $T/api/.env }
  - id: key-stale
    kind: env
    on: node
    file: $T/node/stale.env
    timeout: 8s
    same_as:
      - { key: LARAVEL_API_KEY, on: api, file: $T/api/.env, as: INTERNAL_API_KEY }
      - { key: JWT_SECRET, on: api, file: $T/api/.env }
  - id: key-missing
    kind: env
    on: node
    file: $T/node/.env
    timeout: 8s
    same_as: [{ key: LARAVEL_API_KEY, on: api, file: $T/api/.env, as: NOT_THERE }]
  - id: here-vs-api
    kind: env
    file: $T/here/.env
    timeout: 8s
    same_as: [{ key: LARAVEL_API_KEY, on: api, file: $T/api/.env, as: INTERNAL_API_KEY }]
  - id: api-vs-here
    kind: env
    on: api
    file: $T/api/.env
    timeout: 8s
    same_as: [{ key: INTERNAL_API_KEY, on: local, file: $T/here/.env, as: LARAVEL_API_KEY }]
  - id: other-gone
    kind: env
    on: node
    file: $T/node/.env
    timeout: 5s
    same_as: [{ key: LARAVEL_API_KEY, on: gone, file: $T/api/.env, as: INTERNAL_API_KEY }]
phases:
  - id: pre
    checks: [keys-shared, here-vs-api, api-vs-here]
    steps:
      - { id: noop, shell: "true" }
    gate: [key-stale]
YAML
} >"$T/plan.yml"
cd "$T" || exit 1

run "$CUTOVER" lint plan.yml
expect_rc 0 "a plan with same_as on other hosts lints"

field() { # ID FIELD: from $out (check --format json)
	printf '%s' "$out" | python3 -c 'import json,sys
r={x["id"]:x for x in json.load(sys.stdin)["results"]}
print(r[sys.argv[1]].get(sys.argv[2]) or "")' "$1" "$2"
}

run "$CUTOVER" check plan.yml --format json --only keys-shared,key-stale,key-missing,here-vs-api,api-vs-here
expect_rc 1 "some comparisons fail"
cp "$T/.out" "$T/check.json"
expect_eq "$(field keys-shared status)" pass "equal on node and api: pass"
case $(field keys-shared detail) in
*"LARAVEL_API_KEY: equal to $T/api/.env INTERNAL_API_KEY on api"*"JWT_SECRET: equal to $T/api/.env JWT_SECRET on api"*)
	ok "equal: both keys said equal, naming the other host" ;;
*) fail "equal: detail" "$(field keys-shared detail)" ;;
esac
expect_eq "$(field key-stale status)" fail "a different key on node: fail"
case $(field key-stale message) in
*"LARAVEL_API_KEY differs"*"(on node)"*) ok "different: the key and the host named" ;;
*) fail "different: message" "$(field key-stale message)" ;;
esac
case $(field key-stale detail) in
*"JWT_SECRET: equal"*) ok "different: the shared JWT_SECRET still equal" ;;
*) fail "different: detail" "$(field key-stale detail)" ;;
esac
expect_eq "$(field key-missing status)" fail "a key missing on api: fail"
case $(field key-missing message) in
*"LARAVEL_API_KEY not-comparable"*) ok "missing: not comparable" ;;
*) fail "missing: message" "$(field key-missing message)" ;;
esac
case $(field key-missing detail) in
*"NOT_THERE on api: missing there"*) ok "missing: said missing there" ;;
*) fail "missing: detail" "$(field key-missing detail)" ;;
esac
expect_eq "$(field here-vs-api status)" pass "this machine's file against api's: pass"
expect_eq "$(field api-vs-here status)" pass "api's file against this machine's (on: local): pass"

t0=$(date +%s%N)
run "$CUTOVER" check plan.yml --format json --only other-gone
took=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_rc 1 "the other host unreachable: fail"
case $(field other-gone message) in
*"LARAVEL_API_KEY not-comparable"*) ok "unreachable: not comparable" ;;
*) fail "unreachable: message" "$(field other-gone message)" ;;
esac
case $(field other-gone detail) in
*"on gone: host gone"*) ok "unreachable: the host named with its reason" ;;
*) fail "unreachable: detail" "$(field other-gone detail)" ;;
esac
if [ "$took" -lt 12000 ]; then ok "unreachable: answered in ${took}ms"
else fail "unreachable: took ${took}ms"; fi

# A run: the gate fails on key-stale; journal and report then grepped.
run "$CUTOVER" run plan.yml --yes --state j.db
expect_rc 1 "a run whose gate compares a stale key across hosts is a no-go"
cp "$T/.out" "$T/run.txt"
run "$CUTOVER" report plan.yml --state j.db --format md
expect_out "key-stale" "the report names the failing comparison"
cp "$T/.out" "$T/report.md"
run "$CUTOVER" report plan.yml --state j.db --format json
cp "$T/.out" "$T/report.json"
sqlite3 j.db .dump >"$T/journal.sql"
grep -q "LARAVEL_API_KEY differs" "$T/journal.sql" && ok "the journal holds the comparison's verdict" ||
    fail "no verdict in the journal"
run "$CUTOVER" check plan.yml --only keys-shared,key-stale
cp "$T/.out" "$T/check.txt"

[ -s "$T/wire.out" ] && ok "the agents' answers were recorded" || fail "no wire recorded"
grep -q '"fingerprints"' "$T/wire.out" && ok "fingerprints crossed the wire" ||
    fail "no fingerprint answer on the wire" "$(head -c 2000 "$T/wire.out")"
leaks=""
for v in "$KEY" "$OLD" "$JWT"; do
	for f in check.json check.txt run.txt report.md report.json journal.sql \
	    wire.in wire.out .err; do
		grep -qF -- "$v" "$f" && leaks="$leaks $f"
		grep -qF -- "${v:0:12}" "$f" && leaks="$leaks $f(part)"
	done
done
expect_eq "$leaks" "" "no value in the outputs, report, journal or on the wire"
done_testing
