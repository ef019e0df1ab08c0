# sshd.sh - real OpenSSH servers inside network namespaces, for the
# suites that reach hosts over SSH (t0691, the two-VPS scenario).  Source
# it, then:
#   sshd_keys DIR            a client key DIR/id, DIR/authorized_keys and
#                            an empty DIR/known_hosts
#   sshd_hostkey DIR N ADDR  host key DIR/hostkeyN, known at ADDR
#   sshd_start NS ADDR KEY LOG PIDFILE
#                            sshd on ADDR:22 inside NS with host key KEY;
#                            its pid in SSHD_PID (the caller kills it);
#                            1 if it did not listen within 5 s
# The caller removes DIR and the namespaces.
sshd_keys() {
	mkdir -p /run/sshd "$1"
	: >"$1/bashrc"
	ssh-keygen -q -t ed25519 -N '' -f "$1/id" -C cutover-test
	cp "$1/id.pub" "$1/authorized_keys"
	: >"$1/known_hosts"
}
sshd_hostkey() {
	ssh-keygen -q -t ed25519 -N '' -f "$1/hostkey$2"
	echo "$3 $(cut -d' ' -f1-2 "$1/hostkey$2.pub")" >>"$1/known_hosts"
}
sshd_start() { # NS ADDR KEY LOG PIDFILE
	local dir
	dir=$(dirname "$3")
	# This machine's root ~/.bashrc (which bash reads for an ssh
	# command) starts pyenv: seconds per session under load.  The test
	# hosts get a plain one, as a server has, in their mount namespace.
	ip netns exec "$1" sh -c 'if [ -f "$HOME/.bashrc" ]; then
		mount --bind "$0" "$HOME/.bashrc" || exit 1; fi; exec "$@"' \
	    "$dir/bashrc" /usr/sbin/sshd -D -f /dev/null -p 22 \
	    -o ListenAddress="$2" -h "$3" \
	    -o AuthorizedKeysFile="$dir/authorized_keys" -o StrictModes=no \
	    -o PermitRootLogin=prohibit-password -o MaxSessions=100 \
	    -o MaxStartups=100 -o PidFile="$5" -E "$4" &
	SSHD_PID=$!
	for _ in $(seq 100); do
		ip netns exec "$1" ss -Htln "src $2 and sport = :22" | grep -q . && return 0
		sleep 0.05
	done
	echo "# sshd in $1 did not start: $(cat "$4" 2>/dev/null)"
	return 1
}
