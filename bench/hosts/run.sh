#!/bin/sh
# bench/hosts/run.sh - 50 checks on one remote host over SSH, side by side
# in one run:
#   local    the same 50 checks run here by `cutover check` (no on:)
#   ssh      one fresh SSH handshake (`ssh HOST true`, no master)
#   remote   the 50 checks with `on: vps1`, from a cold start (no master:
#            cutover makes the connection, so the handshake is included)
#   ansible  the 50 equivalent commands as Ansible ad-hoc runs
#            (`ansible vps1 -m command -a CMD`), 16 at a time like
#            cutover's 16 jobs, over Ansible's own ControlPersist master
# The host is a network namespace running Debian's sshd (as in
# tests/cli/t0691-hosts.sh).  Goals: remote <= 1.5 x (local + ssh), and
# ansible / remote >= 10.  Wall times are medians of ROUNDS runs; CPU
# seconds (user+sys of everything started) beside them.
#
#   make bench BENCH=hosts      # or: sh bench/hosts/run.sh [ROUNDS]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CUTOVER=$ROOT/build/cutover
ROUNDS=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "bench/hosts: needs root (ip netns)"; exit 0; }
command -v ansible >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q ansible >/dev/null
W=$(mktemp -d /tmp/cutover-bench.XXXXXX)
chmod 755 "$W"
NS=bh-$$
A=10.$((100 + $$ % 100)).$(( ($$ / 100) % 250 ))
export CUTOVER_SSH_DIR=$W/ctl
cleanup() {
	for s in "$W"/ctl/* "$W"/actl/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit x >/dev/null 2>&1; done
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
ip netns add "$NS"
ip link add "bh-$$" type veth peer name eth0 netns "$NS"
ip addr add "$A.1/30" dev "bh-$$"; ip link set "bh-$$" up
ip netns exec "$NS" ip addr add "$A.2/30" dev eth0
ip netns exec "$NS" ip link set eth0 up
ip netns exec "$NS" ip link set lo up
mkdir -p /run/sshd "$W/ctl" "$W/actl"; chmod 700 "$W/ctl" "$W/actl"
: >"$W/bashrc"
ssh-keygen -q -t ed25519 -N '' -f "$W/id"; ssh-keygen -q -t ed25519 -N '' -f "$W/hk"
cp "$W/id.pub" "$W/ak"
echo "$A.2 $(cut -d' ' -f1-2 "$W/hk.pub")" >"$W/kh"
# A plain ~/.bashrc on the host, as a server has (this machine's starts pyenv).
ip netns exec "$NS" sh -c '[ -f "$HOME/.bashrc" ] && mount --bind "$0" "$HOME/.bashrc"; exec "$@"' \
    "$W/bashrc" /usr/sbin/sshd -D -f /dev/null -p 22 -o ListenAddress="$A.2" -h "$W/hk" \
    -o AuthorizedKeysFile="$W/ak" -o StrictModes=no -o MaxSessions=100 \
    -o MaxStartups=100 -E "$W/sshd.log" &
for _ in $(seq 100); do ip netns exec "$NS" ss -Htln "sport = :22" | grep -q . && break; sleep 0.05; done
SSHO="-o UserKnownHostsFile=$W/kh -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i $W/id"

# The 50 checks: 20 commands, 10 disk, 10 listen, 10 file; and the
# commands an operator would run for them.
: >"$W/cmds"
checks() {
	for i in $(seq 20); do
		echo "  - { id: cmd$i, kind: command, shell: 'test -d /etc'$1 }"
		echo "test -d /etc" >>"$W/cmds"
	done
	for i in $(seq 10); do
		echo "  - { id: disk$i, kind: disk, path: /, min_free: 1MB$1 }"
		echo "df -P /" >>"$W/cmds"
	done
	for i in $(seq 10); do
		echo "  - { id: listen$i, kind: listen, port: 1, absent: true$1 }"
		echo "ss -Htln sport = :1" >>"$W/cmds"
	done
	for i in $(seq 10); do
		echo "  - { id: file$i, kind: file, path: /etc/hostname$1 }"
		echo "stat /etc/hostname" >>"$W/cmds"
	done
}
{ echo "cutover: 1"; echo "name: local"; echo "checks:"; checks ""; } >"$W/local.yml"
{ echo "cutover: 1"; echo "name: remote"
  echo "hosts:"
  echo "  vps1: { ssh: root@$A.2, identity: $W/id, cutover: $CUTOVER, options: { UserKnownHostsFile: $W/kh, GlobalKnownHostsFile: /dev/null, IdentitiesOnly: 'yes' } }"
  echo "checks:"; : >"$W/cmds"; checks ", on: vps1"; } >"$W/remote.yml"
cat >"$W/inv" <<INV
vps1 ansible_host=$A.2 ansible_user=root ansible_ssh_private_key_file=$W/id ansible_ssh_common_args='-o UserKnownHostsFile=$W/kh -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o ControlPath=$W/actl/%C' ansible_python_interpreter=/usr/bin/python3
INV
export ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP=$W/atmp
exit_masters() { for s in "$W"/ctl/* "$W"/actl/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit x >/dev/null 2>&1; done; true; }

# t LABEL CMD...: wall ms and CPU s of one run, appended to $W/LABEL.
t() {
	local label=$1; shift
	local t0=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$W/time" "$@" >"$W/last.out" 2>&1 || true
	local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "$ms $(tail -n 1 "$W/time" | awk '{print $1 + $2}')" >>"$W/$label"
}
for r in $(seq "$ROUNDS"); do
	echo "bench/hosts: round $r" >&2
	t local "$CUTOVER" check "$W/local.yml"
	exit_masters
	t ssh ssh $SSHO -o ControlMaster=no -o BatchMode=yes "root@$A.2" true
	exit_masters
	t remote "$CUTOVER" check "$W/remote.yml"
	t remote_warm "$CUTOVER" check "$W/remote.yml"
	grep -q '50 checks' "$W/last.out" || { echo "bench/hosts: remote run failed:"; cat "$W/last.out"; exit 1; }
	[ "${NO_ANSIBLE:-}" ] || t ansible sh -c \
	    'xargs -P 16 -I{} ansible vps1 -i "$0/inv" -m command -a {} <"$0/cmds"' "$W"
done
[ -s "$W/ansible" ] || echo "0 0" >"$W/ansible"
med() { sort -n "$W/$1" | awk '{a[NR]=$1; c[NR]=$2} END {m=int((NR+1)/2); printf "%d %.2f", a[m], c[m]}'; }
set -- $(med local) $(med ssh) $(med remote) $(med remote_warm) $(med ansible)
lw=$1 lc=$2 sw=$3 sc=$4 rw=$5 rc=$6 ww=$7 wc=$8 aw=$9 ac=${10}
echo "bench/hosts: 50 checks on one host, median of $ROUNDS rounds (wall ms, CPU s)"
printf '  %-36s %7s ms  %6s s\n' "local (cutover check, no on:)" "$lw" "$lc" \
    "one ssh handshake (ssh HOST true)" "$sw" "$sc" \
    "remote, cold (on: vps1, new master)" "$rw" "$rc" \
    "remote, warm (master kept)" "$ww" "$wc" \
    "ansible -m command x50, 16 at once" "$aw" "$ac"
awk -v r="$rw" -v l="$lw" -v s="$sw" -v a="$aw" 'BEGIN {
	printf "  remote cold / (local + handshake) = %.2f (goal <= 1.5)\n", r / (l + s)
	if (a > 0) printf "  ansible / remote cold             = %.1f (goal >= 10)\n", a / r }'
