# examples/lib.sh - the simulated topology the seed scenarios share.
# examples/NAME/scenario.sh sources it:
#
#   . "$(dirname "$0")/../lib.sh"
#   sc_init NAME [CMD...]    skip (exit 0, "skipped: WHY") unless root,
#                            `ip netns` works and every CMD is installed;
#                            makes the work dir $W (0755), the trap that
#                            removes namespaces, processes and $W on every
#                            exit, and the counters.  $CUTOVER: the binary.
#   sc_host SHORT            a namespace "$SC_ID-SHORT" (lo up); its name
#                            is printed back and kept in $SC_NS
#   sc_link NS_A ADDR_A NS_B ADDR_B   a veth pair, ADDRs with /prefix
#   sc_bg NS CMD...          CMD in the background inside NS (NS "-": this
#                            namespace); its pid in $SC_PID, killed at exit
#   sc_wait_tcp NS HOST PORT until something accepts there (10 s), else 1
#   sc_ssh NS ADDR           sshd on ADDR:22 in NS; the client key, its
#                            known_hosts and the ControlMaster dir are made
#                            once; exports SSH_DIR, CUTOVER_BIN and
#                            CUTOVER_SSH_DIR, which the plan's `hosts:`
#                            use (see tests/scenario/two-vps/plan.yml):
#                              identity: ${env:SSH_DIR}/id
#                              cutover: ${env:CUTOVER_BIN}
#                              options: { UserKnownHostsFile:
#                                "${env:SSH_DIR}/known_hosts",
#                                GlobalKnownHostsFile: /dev/null,
#                                IdentitiesOnly: "yes" }
#   sc_mariadb NS DIR BIND   MariaDB on BIND:3306 in NS, data in $W/DIR,
#                            socket $W/DIR/sock; pid in $SC_PID
#   sc_pg NS DIR BIND PORT [-c NAME=VALUE...]
#                            PostgreSQL on BIND:PORT in NS, data in $W/DIR,
#                            socket dir $W/DIR, with the server settings
#                            given; pid in $SC_PID
#   sc_redis NS BIND ARGS... Redis on BIND:6379 in NS; pid in $SC_PID
#   ok DESC / nok DESC [DETAIL]   one assertion line
#   sc_expect_rc WANT DESC CMD...   run CMD (stdout+stderr in $SC_OUT), assert
#   sc_finish                "# NAME: N passed, N failed", exit 1 on any
#
# Scenarios print "ok - ..." / "not ok - ..." lines and the summary; a
# tests/cli wrapper (scenario_suite in tests/cli/lib.sh) counts them.
set -u
SC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CUTOVER=${CUTOVER:-$SC_ROOT/build/cutover}
SC_ID=cv$$
SC_NSS="" SC_PIDS="" SC_NAME="" W=""
sc_npass=0 sc_nfail=0

skip() { echo "skipped: $*"; exit 0; }
ok() { sc_npass=$((sc_npass + 1)); echo "ok - $1"; }
nok() {
	sc_nfail=$((sc_nfail + 1)); echo "not ok - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /' | head -40
	return 0
}

_sc_ns_pids() { for ns in $SC_NSS; do ip netns pids "$ns" 2>/dev/null; done; }
_sc_cleanup() {
	# Everything here is thrown away with $W, so no server needs a clean
	# shutdown: MariaDB's took 35 s and idle ssh ControlMasters held the
	# old 5 s wait under load.  kill -9 now, then wait for them.
	for p in $SC_PIDS $(_sc_ns_pids); do kill -9 "$p" 2>/dev/null; done
	for p in $SC_PIDS; do wait "$p" 2>/dev/null; done
	for _ in $(seq 50); do [ -z "$(_sc_ns_pids)" ] && break; sleep 0.1; done
	for ns in $SC_NSS; do ip netns del "$ns" 2>/dev/null; done
	[ -n "$W" ] && rm -rf "$W"
}

sc_init() {
	SC_NAME=$1; shift
	[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns (running as uid $(id -u))"
	for c in ip "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed"
	done
	[ -x "$CUTOVER" ] || { echo "not ok - $CUTOVER is not built"; exit 1; }
	W=$(mktemp -d "/tmp/cutover-$SC_NAME.XXXXXX")
	chmod 755 "$W"
	trap _sc_cleanup EXIT
	trap 'exit 1' INT TERM
	if ! ip netns add "$SC_ID-probe" 2>"$W/err"; then
		skip "ip netns add does not work here: $(head -1 "$W/err")"
	fi
	ip netns del "$SC_ID-probe"
}

sc_host() {
	SC_NS=$SC_ID-$1
	ip netns add "$SC_NS" || { nok "ip netns add $SC_NS"; exit 1; }
	SC_NSS="$SC_NSS $SC_NS"
	ip -n "$SC_NS" link set lo up
	echo "# namespaces:$SC_NSS"
}

_sc_link_n=0
sc_link() { # NS_A ADDR_A NS_B ADDR_B
	_sc_link_n=$((_sc_link_n + 1))
	local a=v${_sc_link_n}a b=v${_sc_link_n}b
	ip link add name $a netns "$1" type veth peer name $b netns "$3" &&
	ip -n "$1" addr add "$2" dev $a && ip -n "$3" addr add "$4" dev $b &&
	ip -n "$1" link set $a up && ip -n "$3" link set $b up ||
		{ nok "link $1 $2 -- $3 $4"; exit 1; }
}

sc_bg() {
	local ns=$1; shift
	# Servers talk on stderr; their words go to $W/bg.log, not the TAP.
	if [ "$ns" = - ]; then "$@" >>"$W/bg.log" 2>&1 &
	else ip netns exec "$ns" "$@" >>"$W/bg.log" 2>&1 & fi
	SC_PID=$!
	SC_PIDS="$SC_PIDS $SC_PID"
}

sc_wait_tcp() {
	# bash's /dev/tcp, not python3: the PATH's python3 may be a version
	# manager's shim, seconds a start under load.
	local i
	for i in $(seq 200); do
		ip netns exec "$1" timeout 1 bash -c "exec 3<>/dev/tcp/$2/$3" \
			2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

_sc_sshn=0
sc_ssh() { # NS ADDR
	. "$SC_ROOT/tests/harness/sshd.sh"
	export SSH_DIR=$W/ssh CUTOVER_SSH_DIR=$W/ctl CUTOVER_BIN=$CUTOVER
	if [ ! -d "$SSH_DIR" ]; then
		mkdir -p "$CUTOVER_SSH_DIR" && chmod 700 "$CUTOVER_SSH_DIR"
		sshd_keys "$SSH_DIR"
	fi
	_sc_sshn=$((_sc_sshn + 1))
	sshd_hostkey "$SSH_DIR" $_sc_sshn "$2"
	sshd_start "$1" "$2" "$SSH_DIR/hostkey$_sc_sshn" "$W/sshd$_sc_sshn.log" \
		"$W/sshd$_sc_sshn.pid" || { nok "sshd in $1"; exit 1; }
	SC_PIDS="$SC_PIDS $SSHD_PID"
}

_sc_myinit() {
	[ -d "$W/.myinit" ] && return 0
	mkdir -p "$W/.myinit" && chown mysql:mysql "$W/.myinit"
	mariadb-install-db --user=mysql --datadir="$W/.myinit/data" \
		--auth-root-authentication-method=socket --skip-test-db \
		>"$W/my-init.log" 2>&1 ||
		{ nok "mariadb-install-db" "$(tail -5 "$W/my-init.log")"; exit 1; }
}
sc_mariadb() { # NS DIR BIND
	_sc_myinit
	cp -a "$W/.myinit" "$W/$2"
	sc_bg "$1" mariadbd --no-defaults --user=mysql --datadir="$W/$2/data" \
		--port=3306 --bind-address="$3" --socket="$W/$2/sock" \
		--pid-file="$W/$2/pid" --skip-log-bin --skip-name-resolve \
		--innodb-buffer-pool-size=32M --innodb-flush-log-at-trx-commit=0 \
		--log-error="$W/$2/err.log"
	local probe=${3%%,*}
	[ "$probe" = 0.0.0.0 ] && probe=127.0.0.1
	sc_wait_tcp "$1" "$probe" 3306 ||
		{ nok "MariaDB $2 did not start" "$(tail -5 "$W/$2/err.log")"; exit 1; }
}
sc_pg() { # NS DIR BIND PORT [-c NAME=VALUE...]
	local bin pgrun="setpriv --reuid=postgres --regid=postgres --init-groups"
	bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	# initdb once (3-4 s of CPU), then a copy per server.
	if [ ! -d "$W/.pginit" ]; then
		mkdir -p "$W/.pginit" && chown postgres:postgres "$W/.pginit"
		$pgrun "$bin/initdb" -N -A trust -U postgres -D "$W/.pginit/data" \
			>"$W/pginit.log" 2>&1 ||
			{ nok "initdb" "$(tail -5 "$W/pginit.log")"; exit 1; }
	fi
	cp -a "$W/.pginit" "$W/$2"
	# The unix socket and loopback trust; other hosts need a password
	# (as a real server's pg_hba would have it).
	printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' \
		'host all all 0.0.0.0/0 scram-sha-256' >"$W/$2/data/pg_hba.conf"
	local ns=$1 dir=$2 bind=$3 port=$4
	shift 4
	sc_bg "$ns" $pgrun "$bin/postgres" -D "$W/$dir/data" \
		-c listen_addresses="$bind" -p "$port" -k "$W/$dir" -c fsync=off \
		-c full_page_writes=off -c shared_buffers=32MB \
		-c log_destination=stderr -c logging_collector=off "$@"
	set -- "$ns" "$dir" "$bind" "$port"
	local probe=${3%%,*}
	[ "$probe" = '*' ] || [ "$probe" = 0.0.0.0 ] && probe=127.0.0.1
	sc_wait_tcp "$1" "$probe" "$4" || { nok "PostgreSQL $2 did not start"; exit 1; }
}
sc_redis() { # NS BIND ARGS...
	local ns=$1 bind=$2; shift 2
	sc_bg "$ns" redis-server --port 6379 --bind $bind --save '' --dir "$W" \
		--logfile "$W/redis-$ns.log" "$@"
	sc_wait_tcp "$ns" "${bind%% *}" 6379 || { nok "Redis in $ns did not start"; exit 1; }
}

sc_expect_rc() { # WANT DESC CMD...
	local want=$1 desc=$2; shift 2
	"$@" >"$W/.out" 2>&1
	SC_RC=$?
	SC_OUT=$(cat "$W/.out")
	if [ "$SC_RC" -eq "$want" ]; then ok "$desc (exit $want)"
	else nok "$desc: exit $SC_RC, expected $want" "$SC_OUT"; fi
}

sc_finish() {
	echo "# $SC_NAME: $sc_npass passed, $sc_nfail failed"
	[ "$sc_nfail" -eq 0 ]
	exit $?
}
