#!/bin/bash
# t0691-hosts: `hosts:` and `on: HOST` over real OpenSSH.  Two hosts,
# vps1 and vps2, are network namespaces joined to this one by veth
# pairs, each running Debian's sshd with a host key, an authorized key
# and a known_hosts line made here; cutover is at the same path in each.
# Checks run by cutover on each host observe that host (a port only vps2
# listens on, disk, a process); a step runs on vps2.  Faults: sshd stopped,
# a changed host key, no cutover at the path, a remote step interrupted
# and resumed, a remote step that ignores SIGHUP.
. "$(dirname "$0")/lib.sh"

skip() { echo "skipped: $1"; echo "# $_name: skipped: $1"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip "no sshd (openssh-server)"
command -v ssh >/dev/null || skip "no ssh (openssh-client)"

NS1=h1-$$ NS2=h2-$$
NET=10.$((100 + $$ % 100)).$(( ($$ / 100) % 250 ))
export CUTOVER_SSH_DIR=$T/ctl
_hcleanup() {
	# Master connections outlive their cutover by design: end ours.
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
	ip link add "hv$i-$$" type veth peer name eth0 netns "$ns"
	ip addr add "$NET.$((i * 4 + 1))/30" dev "hv$i-$$"
	ip link set "hv$i-$$" up
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
ssh-keygen -q -t ed25519 -N '' -f "$T/otherkey"
start_sshd() { # N [HOSTKEY]
	local ns a
	eval ns=\$NS$1 a=\$A$1
	sshd_start "$ns" "$a" "${2:-$T/hostkey$1}" "$T/sshd$1.log" "$T/sshd$1.pid"
	PIDS="$PIDS $SSHD_PID"
}
start_sshd 1
start_sshd 2
# A port only vps2 listens on.
ip netns exec "$NS2" python3 -c 'import socket,time
s=socket.socket(); s.bind(("'"$A2"'", 8470)); s.listen(); time.sleep(120)' &
PIDS="$PIDS $!"
for _ in $(seq 100); do
	ip netns exec "$NS2" ss -Htln "sport = :8470" | grep -q . && break
	sleep 0.05
done

hosts_yaml() { # the hosts: block; $1 overrides vps2's cutover path
	cat <<YAML
hosts:
  vps1:
    ssh: root@$A1
    identity: $T/id
    cutover: $CUTOVER
    options: { UserKnownHostsFile: $T/known_hosts, IdentitiesOnly: "yes", GlobalKnownHostsFile: /dev/null }
  vps2:
    ssh: root@$A2
    identity: $T/id
    cutover: ${1:-$CUTOVER}
    options: { UserKnownHostsFile: $T/known_hosts, IdentitiesOnly: "yes", GlobalKnownHostsFile: /dev/null }
YAML
}
{
	echo "cutover: 1"
	echo "name: hosts"
	echo "secrets: [HOSTS_SECRET]"
	hosts_yaml
	cat <<YAML
checks:
  - { id: app-port-vps2, kind: listen, port: 8470, on: vps2, timeout: 8s }
  - { id: app-port-not-vps1, kind: listen, port: 8470, absent: true, on: vps1, timeout: 8s }
  - { id: app-port-not-here, kind: listen, port: 8470, absent: true }
  - { id: disk-vps1, kind: disk, path: /, min_free: 1MB, on: vps1, timeout: 8s }
  - { id: sshd-vps2, kind: process, name: sshd, on: vps2, timeout: 8s }
  - { id: rel-vps2, kind: file, path: rel-here.txt, on: vps2, timeout: 8s }
  - { id: secret-vps2, kind: command, shell: 'test "\$HOSTS_SECRET" = s3cr3t-value && echo got s3cr3t-value', on: vps2, timeout: 8s }
phases:
  - id: move
    on: vps2
    steps:
      - { id: where, shell: 'ip -4 -o addr show dev eth0; echo secret s3cr3t-value' }
YAML
} >"$T/plan.yml"
export HOSTS_SECRET=s3cr3t-value
# A relative path in a check on a host is the plan's directory's.
echo here >"$T/rel-here.txt"

run "$CUTOVER" lint "$T/plan.yml"
expect_rc 0 "a plan with hosts and on: lints"

run "$CUTOVER" --help
expect_no "  agent " "the remote agent is not listed by cutover --help"
run "$CUTOVER" agent --help
expect_rc 0 "cutover agent --help"
# A caller of another version is refused by the agent itself.
run sh -c "echo '{\"hello\":\"cutover\",\"proto\":1,\"version\":\"0.0.1\"}' | '$CUTOVER' agent"
expect_rc 1 "the agent refuses a caller of another version"
expect_out '"error".*the caller is 0.0.1' "the agent says which version it met"

run "$CUTOVER" check --hosts "$T/plan.yml"
expect_rc 0 "check --hosts: both hosts reachable with this cutover"
expect_out "^ok +vps1 .*cutover [0-9]" "check --hosts names vps1 and its cutover"

t0=$(date +%s%N)
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 0 "checks on vps1 and vps2 pass"
for id in app-port-vps2 app-port-not-vps1 app-port-not-here disk-vps1 sshd-vps2 rel-vps2 secret-vps2; do
	if printf '%s' "$out" | python3 -c 'import json,sys
r={x["id"]:x for x in json.load(sys.stdin)["results"]}
sys.exit(0 if r[sys.argv[1]]["status"]=="pass" else 1)' "$id"; then ok "$id passes"
	else fail "$id does not pass" "$out"; fi
done
expect_no "s3cr3t-value" "the secret sent to vps2 is never printed"
expect_out '"on vps2|\(on vps2\)' "a remote result names its host"

# ---- a step on vps2 (the phase's on:) -------------------------------
cd "$T"
run "$CUTOVER" run plan.yml --yes
expect_rc 0 "the run's step on vps2 passes"
expect_out "inet $A2/" "the step ran on vps2 (its address)"
expect_no "s3cr3t-value" "the remote step's output is redacted"

# ---- a remote step interrupted (cutover killed) and resumed ---------
step_plan() { # NAME SHELL [idempotent]
	{
		echo "cutover: 1"
		echo "name: $1"
		hosts_yaml
		cat <<YAML
checks: []
phases:
  - id: p
    steps:
      - id: slow
        on: vps2
        shell: '$2'
YAML
	} >"$T/$1.yml"
}
step_plan resumed 'trap "" HUP; echo run >>'"$T"'/count; echo started; sleep 2; echo end >>'"$T"'/count'
"$CUTOVER" run resumed.yml --yes >"$T/r1.out" 2>&1 &
rpid=$!
# The step's own mark that it runs (cutover's echo of the command would
# match "started" too early).
for _ in $(seq 100); do [ -s "$T/count" ] && break; sleep 0.1; done
kill -9 "$rpid"; wait "$rpid" 2>/dev/null
run "$CUTOVER" resume resumed.yml --yes
if [ "$rc" -ne 0 ] && printf '%s' "$err" | grep -q "still running"; then
	ok "resume while the remote step runs: refused, it still runs on vps2"
else fail "resume did not see the remote step running (exit $rc)" "$out
$err"; fi
for _ in $(seq 60); do grep -q end "$T/count" 2>/dev/null && break; sleep 0.1; done
run "$CUTOVER" resume resumed.yml --yes
expect_eq "$(grep -c run "$T/count")" 1 "the interrupted non-idempotent remote step is not run again (resume exit $rc)"

# ---- the journal keeps the host: `on:` edited between kill -9 and resume
step_plan moved 'echo run >>'"$T"'/mcount; sleep 2.5; echo end >>'"$T"'/mcount'
# vps2's address from the environment: it can move without the plan's text.
sed -i "s/ssh: root@$A2/ssh: root@\${env:MOVED_ADDR}/" "$T/moved.yml"
export MOVED_ADDR=$A2
"$CUTOVER" run moved.yml --yes >"$T/r3.out" 2>&1 &
rpid=$!
for _ in $(seq 100); do [ -s "$T/mcount" ] && break; sleep 0.1; done
kill -9 "$rpid"; wait "$rpid" 2>/dev/null
run "$CUTOVER" status moved.yml
expect_out "last step: slow .* on vps2 \(root@$A2\)" "status names the host the step runs on"
MOVED_ADDR=$A1 run "$CUTOVER" resume moved.yml --yes
expect_rc 1 "resume after vps2's address changed: refused"
expect_err "ran on vps2 \(root@$A2\), the plan now puts it on vps2 \(root@$A1\).*--force" "the refusal names both destinations and --force"
sed -i 's/on: vps2/on: vps1/' "$T/moved.yml"
run "$CUTOVER" resume moved.yml --yes
expect_rc 2 "resume after on: changed from vps2 to vps1: refused"
# Forced: still asked on vps2 at its recorded address (where it runs),
# not vps1 (where it never ran) nor vps2's new address.
MOVED_ADDR=$A1 run "$CUTOVER" resume moved.yml --yes --force
expect_out "ran on vps2 \(root@$A2\), the plan now puts it on vps1 \(root@$A1\) \(--force\)" "resume --force says where it ran and where the plan puts it"
if [ "$rc" -ne 0 ] && printf '%s' "$err" | grep -q "on vps2) are still running"; then
	ok "resume --force asks the recorded host vps2: the step still runs there"
else fail "resume --force did not ask vps2 (exit $rc)" "$out
$err"; fi
for _ in $(seq 60); do grep -q end "$T/mcount" 2>/dev/null && break; sleep 0.1; done
run "$CUTOVER" resume moved.yml --yes --force --skip-interrupted
expect_rc 0 "once it ended on vps2: resume --force --skip-interrupted completes"
expect_eq "$(grep -c run "$T/mcount")" 1 "the moved step was not run a second time"
run "$CUTOVER" report moved.yml --format md
expect_out "slow .*on vps2" "the report's step line names the host"

# ---- Ctrl-C stops a remote step that ignores SIGHUP and SIGTERM -------
step_plan stopped 'trap "" HUP TERM; echo run >'"$T"'/running; sleep 31.7; echo never'
"$CUTOVER" run stopped.yml --yes >"$T/r2.out" 2>&1 &
rpid=$!
for _ in $(seq 100); do [ -s "$T/running" ] && break; sleep 0.1; done
t0=$(date +%s)
kill -INT "$rpid"
wait "$rpid"; rc=$?
took=$(( $(date +%s) - t0 ))
if [ "$rc" -ne 0 ] && [ "$took" -le 5 ]; then ok "Ctrl-C ends the run in ${took}s (exit $rc)"
else fail "Ctrl-C: exit $rc after ${took}s" "$(cat "$T/r2.out")"; fi
sleep 0.5
if pgrep -f "sleep 31.7" >/dev/null; then fail "the remote step survived Ctrl-C"
else ok "the remote step (ignoring SIGHUP and SIGTERM) was stopped on vps2"; fi

# ---- faults: each a clear failure naming the host, within the timeout --
check_only() { # PLANFILE ID -> $out $err $rc, $took (s)
	local t0=$(date +%s%N)
	run "$CUTOVER" check "$1" --only "$2"
	took=$(( ($(date +%s%N) - t0) / 1000000 ))
}
printf '#!/bin/sh\necho %s\ncat >/dev/null\n' \
    "'{\"hello\":\"cutover\",\"proto\":1,\"version\":\"0.0.1\"}'" >"$T/old-cutover"
chmod 755 "$T/old-cutover"
for variant in nocutover:/nonexistent/cutover old:$T/old-cutover; do
	{ echo "cutover: 1"; echo "name: ${variant%%:*}"; hosts_yaml "${variant#*:}"
	  echo "checks:"
	  echo "  - { id: d, kind: disk, path: /, min_free: 1MB, on: vps2, timeout: 5s }"
	} >"$T/${variant%%:*}.yml"
done
check_only nocutover.yml d
expect_rc 1 "no cutover on vps2: the check fails"
expect_out "host vps2 .*no cutover at '/nonexistent/cutover'" "no cutover: named, with the path"
check_only old.yml d
expect_rc 1 "an older cutover on vps2: the check fails"
expect_out "host vps2: it runs cutover 0.0.1 .*install the same version" "version mismatch: named"
run "$CUTOVER" check --hosts old.yml
expect_rc 1 "check --hosts: a mismatched remote is not ok"
expect_out "^FAIL +vps2 .*0.0.1" "check --hosts names the mismatch"

# The connection drops while a check runs: every process of vps2 killed.
{ echo "cutover: 1"; echo "name: drop"; hosts_yaml
  echo "checks:"
  echo "  - { id: slow, kind: command, shell: 'sleep 6', on: vps2, timeout: 8s }"
} >"$T/drop.yml"
( sleep 1.5; for p in $(ip netns pids "$NS2"); do kill -9 "$p"; done ) &
check_only drop.yml slow
if [ "$rc" -eq 1 ] && [ "$took" -lt 8000 ] && printf '%s' "$out" | grep -q "host vps2"; then
	ok "a connection dropped mid-check fails it naming vps2 in ${took}ms"
else fail "dropped connection: exit $rc after ${took}ms" "$out"; fi
# sshd is gone from vps2 now (and so are the masters it served).
for s in "$CUTOVER_SSH_DIR"/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit x >/dev/null 2>&1; done
check_only plan.yml sshd-vps2
expect_rc 1 "sshd stopped on vps2: the check fails"
expect_out "host vps2 .*ssh failed connecting: .*(refused|closed|reset)" "sshd stopped: ssh's reason named"
if [ "$took" -lt 8000 ]; then ok "sshd stopped: failed in ${took}ms, within the 8s timeout"
else fail "sshd stopped: took ${took}ms"; fi
# vps2 comes back with another host key: refused, never accepted.
start_sshd 2 "$T/otherkey"
check_only plan.yml sshd-vps2
expect_rc 1 "a changed host key on vps2: the check fails"
expect_out "host vps2 .*Host key verification failed" "changed host key: named"
# A key the host does not accept (vps1 is up, its host key known).
{ echo "cutover: 1"; echo "name: badkey"
  echo "hosts:"
  echo "  vps1:"
  echo "    ssh: root@$A1"
  echo "    identity: $T/otherkey"
  echo "    cutover: $CUTOVER"
  echo "    options: { UserKnownHostsFile: $T/known_hosts, IdentitiesOnly: \"yes\", GlobalKnownHostsFile: /dev/null }"
  echo "checks:"
  echo "  - { id: d, kind: disk, path: /, min_free: 1MB, on: vps1, timeout: 5s }"
} >"$T/badkey.yml"
check_only badkey.yml d
expect_rc 1 "a refused key: the check fails"
expect_out "host vps1 .*Permission denied" "a refused key: ssh's reason named"
# A host nobody answers for (TEST-NET-1): failed within the check's timeout.
{ echo "cutover: 1"; echo "name: gone"
  echo "hosts:"
  echo "  gone:"
  echo "    ssh: root@192.0.2.1"
  echo "    identity: $T/id"
  echo "    cutover: $CUTOVER"
  echo "    options: { UserKnownHostsFile: $T/known_hosts, IdentitiesOnly: \"yes\", GlobalKnownHostsFile: /dev/null }"
  echo "checks:"
  echo "  - { id: d, kind: disk, path: /, min_free: 1MB, on: gone, timeout: 3s }"
} >"$T/gone.yml"
check_only gone.yml d
if [ "$rc" -eq 1 ] && [ "$took" -lt 6000 ] && printf '%s' "$out" | grep -q "host gone"; then
	ok "an unreachable host fails the check naming it in ${took}ms (timeout 3s)"
else fail "unreachable host: exit $rc after ${took}ms" "$out"; fi
done_testing
