#!/bin/bash
# t0716-systemd: kind `systemd` over D-Bus.  systemd cannot be PID 1 on
# these machines, so the test starts its own dbus-daemon and, on it,
# tests/harness/fake_systemd.py: a service that owns
# org.freedesktop.systemd1 and serves GetUnit/LoadUnit and the Unit and
# Service properties with systemd's names, types and errors (its
# interface XML is systemd's introspection data).  cutover's side is the
# real thing: sd-bus, the bus address, the calls and their replies.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
command -v dbus-daemon >/dev/null || { echo "skipped: dbus-daemon is not installed (make deps)"; exit 0; }
$PY -c 'import dbus, dbus.service, dbus.mainloop.glib; from gi.repository import GLib' 2>/dev/null ||
	{ echo "skipped: python3-dbus and python3-gi are not installed (make deps)"; exit 0; }

SOCK=$T/bus/socket
mkdir -p "$T/bus" "$T/priv"
chmod 755 "$T/bus"
chmod 700 "$T/priv"
ln -s "$SOCK" "$T/priv/socket"
# Any user may connect; user nobody may not talk to systemd (as a
# system bus's policy can say).
cat >"$T/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=$SOCK</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
  <policy user="nobody">
    <deny send_destination="org.freedesktop.systemd1"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$T/bus.conf" --nofork --print-address >"$T/bus.addr" 2>"$T/bus.err" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$T/bus.addr" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || { fail "dbus-daemon did not start" "$(cat "$T/bus.err")"; done_testing; exit; }
BUS="unix:path=$SOCK"

# The seeds' services: nginx and the app running, the old app "disabled,
# not deleted" (not even loaded), a worker in a crash loop, a failed one,
# a masked one, and one systemd never answers about.
cat >"$T/units.json" <<'JSON'
{"nginx.service": {"ActiveState": "active", "SubState": "running", "UnitFileState": "enabled", "NRestarts": 0},
 "xfchat-server-v2.service": {"ActiveState": "active", "SubState": "running", "UnitFileState": "enabled", "NRestarts": 1},
 "xfchat-server-v1.service": {"ActiveState": "inactive", "SubState": "dead", "UnitFileState": "disabled", "loaded": false},
 "worker.service": {"ActiveState": "activating", "SubState": "auto-restart", "UnitFileState": "enabled", "NRestarts": 7},
 "failed.service": {"ActiveState": "failed", "SubState": "failed", "UnitFileState": "enabled", "Result": "exit-code"},
 "masked.service": {"ActiveState": "inactive", "SubState": "dead", "UnitFileState": "masked"},
 "backup.timer": {"ActiveState": "active", "SubState": "waiting", "UnitFileState": "enabled"},
 "hang.service": {"hang": true}}
JSON
cat >"$T/plan.yml" <<YML
cutover: 1
name: t0716
vars: { bus: "$BUS" }
checks:
  - id: new-service-running
    kind: systemd
    unit: xfchat-server-v2.service
    bus: \${bus}
    state: active
    sub: running
    enabled: true
    max_restarts: 2
  - id: old-service-kept-disabled
    kind: systemd
    unit: xfchat-server-v1.service
    bus: \${bus}
    state: inactive
    enabled: false
  - { id: default-active, kind: systemd, unit: nginx.service, bus: "\${bus}" }
  - { id: timer, kind: systemd, unit: backup.timer, bus: "\${bus}", sub: waiting }
  - { id: crash-loop, kind: systemd, unit: worker.service, bus: "\${bus}", max_restarts: 3 }
  - { id: crash-loop-state, kind: systemd, unit: worker.service, bus: "\${bus}", sub: running }
  - { id: failed, kind: systemd, unit: failed.service, bus: "\${bus}" }
  - { id: not-enabled, kind: systemd, unit: xfchat-server-v1.service, bus: "\${bus}", enabled: true }
  - { id: still-enabled, kind: systemd, unit: nginx.service, bus: "\${bus}", enabled: false }
  - { id: masked, kind: systemd, unit: masked.service, bus: "\${bus}", enabled: false }
  - { id: absent, kind: systemd, unit: nope.service, bus: "\${bus}" }
  - { id: hang, kind: systemd, unit: hang.service, bus: "\${bus}", timeout: 1s }
  - { id: no-bus, kind: systemd, unit: nginx.service, bus: "unix:path=$T/nothing" }
YML
# Before the stand-in owns its name: systemd is not on the bus.
run "$CUTOVER" check "$T/plan.yml" --only default-active --format json
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
want() {  # want ID GLOB DESC
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want default-active "fail systemd is not on $BUS (no org.freedesktop.systemd1 there)" "a bus without systemd"

$PY "$ROOT/tests/harness/fake_systemd.py" "$BUS" "$T/units.json" >"$T/fake.log" 2>&1 &
PIDS="$PIDS $!"
wait_ready "$T/fake.log" || sleep 5
wait_ready "$T/fake.log" || { fail "fake_systemd.py did not start" "$(cat "$T/fake.log")"; done_testing; exit; }

run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (most are meant to fail)"
want new-service-running "pass xfchat-server-v2.service is active (running), enabled, 1 restart" "the new service runs, enabled, few restarts"
want old-service-kept-disabled "pass xfchat-server-v1.service is inactive (dead), disabled" "the old service kept disabled, not deleted (LoadUnit)"
want default-active "pass nginx.service is active (running)" "no key: active is expected"
want timer "pass backup.timer is active (waiting)" "a timer's sub-state"
want crash-loop "fail worker.service restarted 7 times, at most 3 allowed" "restarts too many"
want crash-loop-state "fail worker.service sub-state is auto-restart, expected running" "a crash loop's sub-state"
want failed "fail failed.service is failed (failed), expected active" "a failed unit"
want not-enabled "fail xfchat-server-v1.service is disabled, expected enabled" "disabled, expected enabled"
want still-enabled "fail nginx.service is enabled, expected disabled" "enabled, expected disabled"
want masked "fail masked.service is masked, expected disabled (masked: unmask it before it can be enabled again)" "masked is not disabled"
want absent "fail unit nope.service not found (no unit file; LoadState not-found)" "unit absent"
want hang "fail asking for the unit: no answer from systemd on $BUS within 1.00s" "systemd never answers: the timeout holds"
want no-bus "fail no D-Bus at unix:path=$T/nothing (No such file or directory): is dbus-daemon running?" "bus absent"
v=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "crash-loop") | .value')
expect_eq "$v" "7" "NRestarts is the result's value (metrics)"

# A unit that stops: rewrite its state; the same check now fails.
sed -i 's/"nginx.service": {"ActiveState": "active", "SubState": "running"/"nginx.service": {"ActiveState": "inactive", "SubState": "dead"/' "$T/units.json"
run "$CUTOVER" check "$T/plan.yml" --only default-active --format tap
expect_rc 1 "nginx stopped"
expect_out "nginx.service is inactive \(dead\), expected active" "stopped unit named in tap"

# The system bus by its environment variable, as on a real host.
cat >"$T/sys.yml" <<YML
cutover: 1
name: t0716b
checks:
  - { id: sys, kind: systemd, unit: xfchat-server-v2.service }
YML
DBUS_SYSTEM_BUS_ADDRESS=$BUS run "$CUTOVER" check "$T/sys.yml"
expect_rc 0 "DBUS_SYSTEM_BUS_ADDRESS chooses the system bus"

# Permission denied: the bus's policy refuses user nobody; a socket in a
# directory nobody cannot enter refuses the connection itself.
if command -v setpriv >/dev/null; then
	cp "$CUTOVER" "$T/cutover"
	cat >"$T/deny.yml" <<YML
cutover: 1
name: t0716c
checks:
  - { id: policy, kind: systemd, unit: nginx.service, bus: "$BUS" }
  - { id: socket, kind: systemd, unit: nginx.service, bus: "unix:path=$T/priv/socket" }
YML
	chmod 644 "$T/deny.yml"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$T/cutover" check "$T/deny.yml" --format json
	want policy "fail asking for the unit: permission denied on $BUS: *" "the bus's policy refuses"
	want socket "fail connecting: permission denied on unix:path=$T/priv/socket" "the socket refuses"
else
	echo "# skipped: setpriv is missing (permission cases)"
fi

run "$CUTOVER" check --kinds
expect_out "^systemd +a unit's ActiveState" "--kinds lists systemd"
done_testing
