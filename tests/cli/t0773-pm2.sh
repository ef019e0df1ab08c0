#!/bin/bash
# t0773-pm2: kind `pm2` against a real pm2 (npm) daemon of the test's own
# (PM2_HOME in the temp dir) running real node apps: one online, one
# crash-looping, one stopped.  The online app passes (restarts, memory);
# the crash loop fails on max_restarts, the stopped app on its status, an
# app pm2 does not know by name; no daemon, no pm2 program, a socket the
# user may not open, a pm2 that hangs (the timeout holds) and one that
# prints garbage fail naming the cause.
. "$(dirname "$0")/lib.sh"

command -v pm2 >/dev/null || { echo "skipped: pm2 not installed (npm install -g pm2)"; exit 0; }
command -v node >/dev/null || { echo "skipped: node not installed"; exit 0; }
export PM2_HOME=$T/pm2
cleanup() {
	pm2 kill >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
cat >"$T/ok.js" <<'JS'
setInterval(() => {}, 1000);
JS
cat >"$T/crash.js" <<'JS'
setTimeout(() => process.exit(2), 200);
JS
cat >"$T/eco.config.js" <<JS
module.exports = { apps: [
  { name: "api", script: "$T/ok.js" },
  { name: "crashy", script: "$T/crash.js", restart_delay: 100 },
  { name: "old", script: "$T/ok.js" },
] };
JS
# Each pm2 command is a node start (0.5 s of CPU): as few as possible.
pm2 start "$T/eco.config.js" >"$T/start.log" 2>&1 || { fail "pm2 start" "$(cat "$T/start.log")"; done_testing; exit; }
pm2 stop old >>"$T/start.log" 2>&1
for _ in $(seq 300); do
	[ "$(grep -c 'App \[crashy:' "$PM2_HOME/pm2.log")" -ge 4 ] && break
	sleep 0.1
done
cat >"$T/hang-pm2" <<'SH'
#!/bin/sh
sleep 30
SH
cat >"$T/junk-pm2" <<'SH'
#!/bin/sh
echo '[{"name": "api", "pm2_env": {"status": 7}}]'
SH
cat >"$T/fail-pm2" <<'SH'
#!/bin/sh
echo "connect EACCES $PM2_HOME/rpc.sock" >&2
exit 1
SH
chmod +x "$T"/*-pm2
mkdir -p "$T/empty"

cat >"$T/plan.yml" <<YML
cutover: 1
name: t0773
checks:
  - { id: api, kind: pm2, apps: [api], max_restarts: 0, max_memory: 1GB, timeout: 60s }
  - { id: api-mem, kind: pm2, apps: [api], max_memory: 1MB, timeout: 60s }
  - { id: crashy, kind: pm2, apps: [crashy], max_restarts: 0, timeout: 60s }
  - { id: old, kind: pm2, apps: [old], timeout: 60s }
  - { id: all, kind: pm2, max_restarts: 0, timeout: 60s }
  - { id: unknown, kind: pm2, apps: [api, web], timeout: 60s }
  - { id: old-stopped, kind: pm2, apps: [old], status: stopped, max_restarts: 0, timeout: 60s }
  - { id: all-stopped, kind: pm2, apps: [old, api], status: stopped, timeout: 60s }
  - { id: home-key, kind: pm2, apps: [api], pm2_home: $T/pm2, timeout: 60s }
  - { id: no-daemon, kind: pm2, pm2_home: $T/empty }
  - { id: no-pm2, kind: pm2, pm2: /nonexistent/bin/pm2 }
  - { id: hang, kind: pm2, pm2: $T/hang-pm2, timeout: 1s }
  - { id: junk, kind: pm2, pm2: $T/junk-pm2 }
  - { id: pm2-fails, kind: pm2, pm2: $T/fail-pm2 }
YML
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (some are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.observed) | \(.message)"'; }
want() {
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want api "pass 1/1 ok | 1 app online" "an online app"
want api-mem "fail 0/1 ok | api uses * of memory (at most 976.6 KiB)" "memory over max_memory"
want crashy "fail 0/1 ok | crashy*restarted * times*" "crash loop with restarts"
want old "fail 0/1 ok | old is stopped (restarted 0 times)" "stopped app"
want all "fail 1/3 ok | *crashy*; old is stopped*" "every app, each failure named"
want unknown "fail 1/1 ok | no app 'web' in pm2 (PM2_HOME $T/pm2)" "unknown app"
want old-stopped "pass 1/1 ok | 1 app stopped" "status: stopped, the app is stopped"
want all-stopped "fail 1/2 ok | api is online (restarted 0 times)" "status: stopped, an app still online"
r=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "old-stopped") | .threshold')
[ "$r" = "stopped, at most 0 restarts" ] && ok "status: stopped in the threshold: $r" || fail "threshold" "$r"
want home-key "pass 1/1 ok | 1 app online" "pm2_home key"
want no-daemon "fail no daemon | no pm2 daemon: socket $T/empty/rpc.sock does not exist (PM2_HOME $T/empty)" "daemon absent"
want no-pm2 "fail not run | cannot run '/nonexistent/bin/pm2 jlist' (is pm2 installed?)*" "missing pm2 program"
want hang "fail timeout | $T/hang-pm2 jlist timed out after 1*" "hanging pm2: the timeout holds"
want junk "fail error | malformed pm2 jlist: app 0 has no name, pm2_env or status" "garbage list"
want pm2-fails "fail error | $T/fail-pm2 jlist exited with status 1" "pm2 failing"

if command -v setpriv >/dev/null; then
	chmod 755 "$T" "$T/pm2"
	chmod 644 "$T/plan.yml"
	run setpriv --reuid 65534 --regid 65534 --clear-groups "$CUTOVER" check "$T/plan.yml" --only home-key --format json
	want home-key "fail no daemon | permission denied on the pm2 socket $T/pm2/rpc.sock*" "permission denied on the socket"
fi
done_testing
