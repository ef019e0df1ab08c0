#!/bin/bash
# t0771-container: kind `container` against a real dockerd of the test's
# own (own socket, data and exec roots, so it never meets another
# daemon), with an image imported from busybox-static whose HEALTHCHECK
# fails once /tmp/sick exists: running and healthy passes; an unhealthy
# container, a stopped one, a crash loop, an unpinned image, a compose
# project with a stopped service fail naming the cause; so do an absent
# daemon, a stale socket, a socket the user may not open, a daemon that
# hangs (the timeout holds) and one that answers garbage.  The env (keys
# set, as in an env file, one value across a project; values never in
# the output), the memory limit, the image's size and age, commands absent
# from the container, images stored: each passes and fails.
. "$(dirname "$0")/lib.sh"

command -v dockerd >/dev/null && command -v docker >/dev/null ||
	{ echo "skipped: dockerd not installed (docker.io)"; exit 0; }
[ -x /bin/busybox ] || { echo "skipped: no /bin/busybox (busybox-static)"; exit 0; }
[ "$(id -u)" -eq 0 ] || { echo "skipped: dockerd needs root"; exit 0; }

D=$T/docker
mkdir -p "$D"
SOCK=$D/docker.sock
DPID=""
cleanup() {
	if [ -n "$DPID" ]; then
		docker -H "unix://$SOCK" rm -f $(docker -H "unix://$SOCK" ps -aq) >/dev/null 2>&1
		kill "$DPID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	fi
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
dockerd --iptables=false --ip6tables=false --bridge=none --data-root "$D/data" \
	--exec-root "$D/exec" -H "unix://$SOCK" --pidfile "$D/pid" >"$D/log" 2>&1 &
DPID=$!
dk() { docker -H "unix://$SOCK" "$@"; }
for _ in $(seq 150); do dk version >/dev/null 2>&1 && break; sleep 0.1; done
dk version >/dev/null 2>&1 || { echo "skipped: dockerd did not start: $(tail -n 3 "$D/log")"; exit 0; }

mkdir -p "$D/root/bin" "$D/root/tmp"
cp /bin/busybox "$D/root/bin/"
for x in sh sleep test touch false; do ln -s busybox "$D/root/bin/$x"; done
tar -C "$D/root" -c . | dk import -c 'HEALTHCHECK --interval=1s --timeout=20s --retries=1 CMD test ! -e /tmp/sick' - t0771:1.0 >/dev/null
dk tag t0771:1.0 t0771:latest
ctr() { dk run -d --network none "$@" >/dev/null; }
# Each `docker run` is costly on a busy host: eight containers, the
# compose projects made of them by their labels.  Unpinned references
# without a tag are covered by the unit test (engine_ref_pinned).
shop="--label com.docker.compose.project=shop --env-file $T/app.env"
blog="--label com.docker.compose.project=blog"
printf 'APP_ENV=production\nDB_URL=postgres://u:s3cr3tpw@db/app\n' >"$T/app.env"
ctr --name web $shop --label com.docker.compose.service=web --memory 64m t0771:1.0 /bin/sleep 300
ctr --name sick t0771:1.0 /bin/sleep 300
ctr --name floating --no-healthcheck t0771:latest /bin/sleep 300
ctr --name nohc $blog --env-file "$T/app.env" --label com.docker.compose.service=db --no-healthcheck t0771:1.0 /bin/sleep 300
ctr --name crash --restart always --no-healthcheck t0771:1.0 /bin/sh -c 'sleep 0.2; exit 3'
ctr --name logger $shop --label com.docker.compose.service=worker --no-healthcheck t0771:1.0 /bin/sh -c 'echo "01:00 connection: open"; echo "01:01 ERROR boom" >&2; sleep 1; echo "01:02 done"; sleep 300'
ctr --name ttylog -t --no-healthcheck t0771:1.0 /bin/sh -c 'echo "01:01 ERROR on a tty"; sleep 300'
ctr --name stopped $blog -e APP_ENV=production -e DB_URL=postgres://u:0th3rpw@db/app --label com.docker.compose.service=api --no-healthcheck t0771:1.0 /bin/sh -c 'exit 7'
dk exec sick touch /tmp/sick
health() { dk inspect -f '{{.State.Health.Status}}' "$1"; }
for _ in $(seq 300); do
	[ "$(health web)" = healthy ] && [ "$(health sick)" = unhealthy ] &&
		[ "$(dk inspect -f '{{.RestartCount}}' crash)" -ge 1 ] &&
		dk logs logger 2>&1 | grep -q '01:02 done' && break
	sleep 0.1
done

# Hostile daemons.
python3 "$ROOT/tests/harness/fakesock.py" hang "$T/hang.sock" >"$T/f1.log" 2>&1 &
PIDS="$PIDS $!"
python3 "$ROOT/tests/harness/fakesock.py" answer "$T/junk.sock" '{"Id": "x", "State": [' >"$T/f2.log" 2>&1 &
PIDS="$PIDS $!"
python3 "$ROOT/tests/harness/fakesock.py" stale "$T/stale.sock" >"$T/f3.log" 2>&1
wait_ready "$T/f1.log" && wait_ready "$T/f2.log" || fail "fake daemons did not start"

IMGID=$(dk image inspect -f '{{.Id}}' t0771:1.0)
printf 'APP_ENV=production\nDB_URL=postgres://u:n0tthis@db/app\nEXTRA=1\n' >"$T/other.env"
# The image must be older than 1s for img-age: it was imported before the
# containers reached healthy (1 s probes), but say so rather than assume.
sleep 1
cat >"$T/plan.yml" <<YML
cutover: 1
name: t0771
checks:
  - { id: web, kind: container, name: web, socket: $SOCK, pinned: true, max_restarts: 0, healthy: true }
  - { id: sick, kind: container, name: sick, socket: $SOCK }
  - { id: floating, kind: container, name: floating, socket: $SOCK, pinned: true }
  - { id: nohc, kind: container, name: nohc, socket: $SOCK }
  - { id: nohc-strict, kind: container, name: nohc, socket: $SOCK, healthy: true }
  - { id: crash, kind: container, name: crash, socket: $SOCK, max_restarts: 0 }
  - { id: stopped, kind: container, name: stopped, socket: $SOCK }
  - { id: absent, kind: container, name: no-such, socket: $SOCK }
  - { id: shop, kind: container, compose_project: shop, socket: $SOCK, pinned: true }
  - { id: blog, kind: container, compose_project: blog, socket: $SOCK }
  - { id: none, kind: container, compose_project: nothing, socket: $SOCK }
  - { id: no-daemon, kind: container, name: web, socket: $T/absent.sock }
  - { id: stale, kind: container, name: web, socket: $T/stale.sock }
  - { id: hang, kind: container, name: web, socket: $T/hang.sock, timeout: 1s }
  - { id: junk, kind: container, name: web, socket: $T/junk.sock }
  - { id: env-ok, kind: container, name: web, socket: $SOCK, env: [APP_ENV, DB_URL], env_file: $T/app.env,
      memory_limit: true, min_memory_limit: 32MB, max_memory_limit: 64MiB, max_image_size: 20MB, max_image_age: 1h,
      absent_commands: [gcc, g++, make, /usr/bin/cc] }
  - { id: env-missing, kind: container, name: web, socket: $SOCK, env: [APP_ENV, NOPE, ALSO_NOT] }
  - { id: env-file-differs, kind: container, name: nohc, socket: $SOCK, env_file: $T/other.env }
  - { id: shop-same, kind: container, compose_project: shop, socket: $SOCK, env_same: [DB_URL, APP_ENV], env_file: $T/app.env }
  - { id: blog-same, kind: container, compose_project: blog, socket: $SOCK, env_same: [DB_URL, APP_ENV] }
  - { id: mem-none, kind: container, name: nohc, socket: $SOCK, memory_limit: true }
  - { id: mem-max, kind: container, name: web, socket: $SOCK, max_memory_limit: 32MB }
  - { id: mem-min, kind: container, name: web, socket: $SOCK, min_memory_limit: 100MB }
  - { id: img-size, kind: container, name: web, socket: $SOCK, max_image_size: 100KB }
  - { id: img-age, kind: container, name: web, socket: $SOCK, max_image_age: 1s }
  - { id: has-cmd, kind: container, name: web, socket: $SOCK, absent_commands: [gcc, sleep, /bin/test] }
  - { id: images-ok, kind: container, images: [t0771:1.0, t0771:latest, $IMGID], socket: $SOCK, max_image_size: 20MB }
  - { id: images-missing, kind: container, images: [t0771:1.0, t0771:9.9, gone:1], socket: $SOCK }
  - { id: images-hang, kind: container, images: [t0771:1.0], socket: $T/hang.sock, timeout: 1s }
  - { id: log-err, kind: log, container: logger, socket: $SOCK, pattern: '\bERROR\b', max: 0 }
  - { id: log-open, kind: log, container: logger, socket: $SOCK, pattern: 'connection: open', min: 1 }
  - { id: log-last, kind: log, container: logger, socket: $SOCK, pattern: ERROR, max: 0, last: 1 }
  - { id: log-hour, kind: log, container: logger, socket: $SOCK, pattern: ERROR, max: 0, since: 1h }
  - { id: log-start, kind: log, container: logger, socket: $SOCK, pattern: ERROR, max: 0, since: start }
  - { id: log-tty, kind: log, container: ttylog, socket: $SOCK, pattern: ERROR, max: 0 }
  - { id: log-absent, kind: log, container: no-such, socket: $SOCK, pattern: ERROR, max: 0 }
  - { id: log-hang, kind: log, container: web, socket: $T/hang.sock, pattern: ERROR, max: 0, timeout: 1s }
YML
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (some are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.observed) | \(.message)"'; }
want() {
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want web "pass running, healthy, 0 restarts | container web is running, healthy, 0 restarts" "running and healthy, pinned"
want sick "fail running, unhealthy, * | container sick is unhealthy*" "HEALTHCHECK failing"
want floating "fail running, 0 restarts | container floating runs image 't0771:latest', not pinned*" "latest is not pinned"
want nohc "pass running, 0 restarts | *" "no HEALTHCHECK: running is enough"
want nohc-strict "fail * | container nohc has no HEALTHCHECK*" "healthy: true needs a HEALTHCHECK"
want crash "fail * | container crash*restart*" "crash loop"
want stopped "fail exited, 0 restarts | container stopped is exited (exit code 7)" "stopped container"
want absent "fail absent | no container named no-such" "absent container"
want shop "pass 2/2 containers ok | compose project shop: all 2 containers running" "compose project running and healthy"
want blog "fail 1/2 containers ok | compose project blog: stopped is exited (exit code 7)" "compose project with a stopped service"
want none "fail 0 containers | compose project nothing has no containers*" "empty compose project"
want no-daemon "fail error | container web: no Docker daemon: socket $T/absent.sock does not exist" "daemon absent"
want stale "fail error | container web: Docker daemon not running: nothing listens on $T/stale.sock*" "stale socket"
want hang "fail error | container web: Docker did not answer within 1*s (timeout)" "hanging daemon: the timeout holds"
want junk "fail error | container web: malformed Docker answer: *" "garbage answer"
want env-ok "pass running, healthy, 0 restarts | container web is running*" "env keys, env file, memory limit, image size and age, commands absent"
want env-missing "fail * | container web lacks env NOPE, ALSO_NOT" "env keys missing, by name"
want env-file-differs "fail * | container nohc lacks env EXTRA of $T/other.env; nohc's env differs from $T/other.env on DB_URL (values not shown)" "env differs from a file"
want shop-same "pass 2/2 containers ok | *" "one env file for a project, one value of each key"
want blog-same "fail 0/2 containers ok | compose project blog: *env DB_URL differs between *(values not shown)*" "env differs across a project"
want mem-none "fail * | container nohc has no memory limit" "no memory limit"
want mem-max "fail * | container web's memory limit is 64.0 MiB (at most 32MB allowed)" "memory limit above the maximum"
want mem-min "fail * | container web's memory limit is 64.0 MiB (at least 100MB needed)" "memory limit below the minimum"
want img-size "fail * | container web's image is * (at most 100KB allowed)" "image too large"
want img-age "fail * | container web's image was built *s ago (at most 1s allowed)" "image too old"
want has-cmd "fail * | container web has /bin/sleep; web has /bin/test" "commands present in the container, found in its PATH"
want images-ok "pass 3/3 images stored | all 3 images stored" "images stored, by tag and by id"
want images-missing "fail 1/3 images stored | not stored on the daemon: t0771:9.9, gone:1" "images not stored"
want images-hang "fail error | image t0771:1.0: Docker did not answer within 1*s (timeout)" "images: a hanging daemon"
for s in s3cr3tpw 0th3rpw n0tthis; do
	printf '%s\n' "$out" | grep -q "$s" && fail "a container's env value is in the output: $s" ||
		ok "no env value in the output ($s)"
done
want log-err "fail 1 matching line | logger: 1 line match /*/, at most 0 allowed; first: 01:01 ERROR boom" "ERROR on a container's stderr (multiplexed frames)"
want log-open "pass 1 matching line | *" "a line that must appear in a container's log"
want log-last "pass 0 matching lines | *" "last: 1 of a container's log"
want log-hour "fail 1 matching line | *" "since: 1h"
want log-start "pass 0 matching lines | *" "since: start: lines logged before the plan was loaded do not count"
want log-tty "fail 1 matching line | ttylog: *first: 01:01 ERROR on a tty*" "a TTY container's raw log"
want log-absent "fail error | no container named no-such" "log of an absent container"
want log-hang "fail error | Docker did not answer within 1*s (timeout)" "log: a hanging daemon"

# Permission denied: root passes any socket's mode, so run as nobody.
if command -v setpriv >/dev/null; then
	chmod 755 "$D"
	cat >"$T/perm.yml" <<YML
cutover: 1
name: t0771-perm
checks:
  - { id: perm, kind: container, name: web, socket: $SOCK }
YML
	chmod 644 "$T/perm.yml"
	run setpriv --reuid 65534 --regid 65534 --clear-groups "$CUTOVER" check "$T/perm.yml" --format json
	expect_rc 1 "as nobody"
	want perm "fail error | container web: permission denied on the Docker socket $SOCK*" "permission denied on the socket"
fi
done_testing
