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
mkdir -p /run/sshd "$T/ctl" && chmod 700 "$T/ctl"
ssh-keygen -q -t ed25519 -N '' -f "$T/id" -C cutover-test
for n in 1 2; do ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey$n"; done
ssh-keygen -q -t ed25519 -N '' -f "$T/otherkey"
cp "$T/id.pub" "$T/authorized_keys"
: >"$T/known_hosts"
for n in 1 2; do
	eval a=\$A$n
	echo "$a $(cut -d' ' -f1-2 "$T/hostkey$n.pub")" >>"$T/known_hosts"
done
start_sshd() { # N [HOSTKEY]
	local ns a key=${2:-$T/hostkey$1}
	eval ns=\$NS$1 a=\$A$1
	ip netns exec "$ns" /usr/sbin/sshd -D -f /dev/null -p 22 \
	    -o ListenAddress="$a" -h "$key" \
	    -o AuthorizedKeysFile="$T/authorized_keys" -o StrictModes=no \
	    -o PermitRootLogin=prohibit-password -o MaxSessions=100 \
	    -o MaxStartups=100 -o PidFile="$T/sshd$1.pid" -E "$T/sshd$1.log" &
	eval SSHD$1=$!
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		ip netns exec "$ns" ss -Htln "sport = :22" | grep -q . && return 0
		sleep 0.05
	done
	echo "# sshd $1 did not start: $(cat "$T/sshd$1.log")"
}
start_sshd 1
start_sshd 2
# A port only vps2 listens on.
ip netns exec "$NS2" python3 -c 'import socket,time
s=socket.socket(); s.bind(("'"$A2"'", 8470)); s.listen(); time.sleep(120)' &
PIDS="$PIDS $!"

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
  - { id: secret-vps2, kind: command, shell: 'test "\$HOSTS_SECRET" = s3cr3t-value && echo got s3cr3t-value', on: vps2, timeout: 8s }
phases:
  - id: move
    on: vps2
    steps:
      - { id: where, shell: 'ip -4 -o addr show dev eth0; echo secret s3cr3t-value' }
YAML
} >"$T/plan.yml"
export HOSTS_SECRET=s3cr3t-value

run "$CUTOVER" lint "$T/plan.yml"
expect_rc 0 "a plan with hosts and on: lints"

run "$CUTOVER" check --hosts "$T/plan.yml"
expect_rc 0 "check --hosts: both hosts reachable with this cutover"
expect_out "^ok +vps1 .*cutover [0-9]" "check --hosts names vps1 and its cutover"

t0=$(date +%s%N)
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 0 "checks on vps1 and vps2 pass"
for id in app-port-vps2 app-port-not-vps1 app-port-not-here disk-vps1 sshd-vps2 secret-vps2; do
	if printf '%s' "$out" | python3 -c 'import json,sys
r={x["id"]:x for x in json.load(sys.stdin)["results"]}
sys.exit(0 if r[sys.argv[1]]["status"]=="pass" else 1)' "$id"; then ok "$id passes"
	else fail "$id does not pass" "$out"; fi
done
expect_no "s3cr3t-value" "the secret sent to vps2 is never printed"
expect_out '"on vps2|\(on vps2\)' "a remote result names its host"
done_testing
