#!/bin/bash
# t0673-version.sh - kind `version`: a program's version from its output
# (default: the first dotted number; or a regex's first group) and an
# installed Debian package's from dpkg's status database, compared as
# versions against ranges; a missing program, a program that fails or
# hangs, output without a version and a package that is not installed
# all fail naming the cause; a daemon the command starts is killed.
. "$(dirname "$0")/lib.sh"
cd "$T"

mkdir bin
printf '#!/bin/sh\necho v20.11.1\n' > bin/node
printf '#!/bin/sh\necho "Docker version 24.0.5, build ced0996"\n' > bin/docker
printf '#!/bin/sh\necho "Docker version 20.10.24+dfsg1, build 297e128"\n' > bin/olddocker
printf '#!/bin/sh\necho "usage: tool [-v]" >&2; exit 64\n' > bin/broken
printf '#!/bin/sh\necho "no numbers here"\n' > bin/vague
printf '#!/bin/sh\nexec sleep 30\n' > bin/hang
chmod +x bin/*
export PATH="$T/bin:$PATH"
bashv=$(dpkg-query -W -f='${Version}' bash)

cat > plan.yml <<'E2'
cutover: 1
name: t0673
checks:
  - { id: node-20, kind: version, command: "node --version", range: "20.x" }
  - { id: node-18, kind: version, command: "node --version", range: "18.x" }
  - { id: docker-24, kind: version, command: "docker --version", range: ">= 24.0, < 25" }
  - { id: docker-old, kind: version, command: "olddocker --version", range: ">= 24.0" }
  - { id: regex, kind: version, command: [docker, --version], regex: "build ([0-9a-f]+)", range: "!= 0" }
  - { id: bash-pkg, kind: version, package: bash, range: ">= 4" }
  - { id: bash-pkg-old, kind: version, package: bash, range: "< 5, < 2:0" }
  - { id: no-pkg, kind: version, package: no-such-package-t0673, range: ">= 1" }
  - { id: no-prog, kind: version, command: "no-such-prog-t0673 --version", range: ">= 1" }
  - { id: broken, kind: version, command: "broken -v", range: ">= 1" }
  - { id: vague, kind: version, command: "vague", range: ">= 1" }
  - { id: hang, kind: version, command: "hang", range: ">= 1", timeout: 1s }
E2
run "$CUTOVER" lint plan.yml
expect_rc 0 "the plan lints"
run "$CUTOVER" check plan.yml --format json
expect_rc 1 "some checks fail"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
expect_result() {
	local got; got=$(st "$1")
	if printf '%s\n' "$got" | grep -Eq -- "^$2"; then ok "$1: $got"; else fail "$1" "got: $got"; fi
}
expect_result node-20 "pass node 20.11.1 is in 20.x"
expect_result node-18 "fail node 20.11.1 is not in 18.x"
expect_result docker-24 "pass docker 24.0.5 is in >= 24.0, < 25"
expect_result docker-old "fail olddocker 20.10.24 is not in >= 24.0"
expect_result regex "pass docker ced0996 is in != 0"
expect_result bash-pkg "pass bash ${bashv//+/\\+} is in >= 4"
expect_result bash-pkg-old "fail bash ${bashv//+/\\+} is not in < 5, < 2:0"
expect_result no-pkg "fail package 'no-such-package-t0673' is not installed"
expect_result no-prog "fail cannot run 'no-such-prog-t0673' \(not installed, or not in PATH\)"
expect_result broken "fail 'broken -v' exited with status 64"
expect_result vague "fail no version in the output of 'vague'"
expect_result hang "fail 'hang' timed out after 1"

# A program that starts a daemon (in a session of its own, as pm2 does
# for `pm2 --version`) while printing its version: the daemon is killed
# once the program has exited.
cat > bin/daemonish <<E2
#!/bin/sh
setsid sh -c 'echo \$\$ > "$T/daemon.pid"; exec sleep 300' </dev/null >/dev/null 2>&1 &
while [ ! -s "$T/daemon.pid" ]; do sleep 0.01; done
echo "daemonish 3.4.5"
E2
chmod +x bin/daemonish
cat > daemon.yml <<'E2'
cutover: 1
name: daemon
checks:
  - { id: d, kind: version, command: "daemonish --version", range: "3.x" }
E2
run "$CUTOVER" check daemon.yml --format json
expect_rc 0 "the version is read"
dp=$(cat daemon.pid 2>/dev/null)
[ -n "$dp" ] && ok "the program started its daemon ($dp)" || fail "no daemon was started"
for _ in $(seq 50); do kill -0 "$dp" 2>/dev/null || break; sleep 0.02; done
if [ -n "$dp" ] && kill -0 "$dp" 2>/dev/null; then
	fail "the daemon the version command started is still running"
	kill "$dp"
else
	ok "the daemon it left behind was killed"
fi

# pm2: the form the README gives reads the installed version and starts
# nothing at all.
pj=/usr/lib/node_modules/pm2/package.json
if [ -r "$pj" ]; then
	pv=$(jq -r .version "$pj")
	cat > pm2.yml <<E2
cutover: 1
name: pm2v
checks:
  - { id: pm2, kind: version, command: [cat, $pj], regex: '"version": "([^"]+)"', range: ">= 1" }
E2
	export PM2_HOME="$T/pm2home"
	run "$CUTOVER" check pm2.yml --format json
	expect_rc 0 "pm2's version read from its package.json"
	expect_result pm2 "pass cat $pv is in >= 1"
	[ ! -e "$PM2_HOME" ] && ok "no pm2 daemon started (no PM2_HOME made)" ||
		fail "something made $PM2_HOME"
	unset PM2_HOME
else
	ok "# skip pm2 not installed"
fi

cat > bad.yml <<'E2'
cutover: 1
name: bad
checks:
  - { id: a, kind: version, range: ">= 1" }
  - { id: b, kind: version, command: "node --version" }
E2
run "$CUTOVER" lint bad.yml
expect_rc 2 "missing keys are plan errors"
expect_err "^bad.yml:4:5: check 'a' needs exactly one of 'command'" "neither command nor package"
expect_err "^bad.yml:5:5: missing 'range'" "no range"
done_testing
