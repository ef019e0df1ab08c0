#!/bin/bash
# t0775-log-journal.sh - the `log` kind's systemd-journal source: a unit's
# messages (not another unit's), max/min, last N, since a duration, a
# watch-style repeat that reads only what is new, and a journal that is
# not there.  journald cannot run here (no systemd as PID 1): the journal
# files are written by systemd-journal-remote, the same writer journald
# uses, from the journal export format.
. "$(dirname "$0")/lib.sh"
cd "$T"
REMOTE=/lib/systemd/systemd-journal-remote
[ -x "$REMOTE" ] || { echo "skipped: systemd-journal-remote is not installed"; exit 0; }
mkdir jdir
NOW=$(date +%s%6N)
seq_no=0
# entry UNIT MESSAGE AGE_SECONDS
entries() {
	while [ $# -ge 3 ]; do
		seq_no=$((seq_no + 1))
		printf '__CURSOR=s=0;i=%d\n__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_SYSTEMD_UNIT=%s\nMESSAGE=%s\n\n' \
		    "$seq_no" $((NOW - $3 * 1000000)) "$seq_no" "$1" "$2"
		shift 3
	done
}
entries app.service "started" 3600 \
    app.service "ERROR db down" 1800 \
    web.service "ERROR not ours" 60 \
    app.service "connection: open" 30 \
    app.service "ERROR pool exhausted" 10 | "$REMOTE" -o jdir/a.journal - 2>remote.err ||
	{ fail "journal-remote" "$(cat remote.err)"; done_testing; exit; }

cat >plan.yml <<EOF
cutover: 1
name: journal
checks:
  - { id: no-error, kind: log, unit: app.service, journal: "$T/jdir", pattern: '\bERROR\b', max: 0 }
  - { id: opened, kind: log, unit: app.service, journal: "$T/jdir", pattern: 'connection: open', min: 1 }
  - { id: last2, kind: log, unit: app.service, journal: "$T/jdir", pattern: ERROR, last: 2, max: 1 }
  - { id: last-hour, kind: log, unit: app.service, journal: "$T/jdir", pattern: ERROR, since: 20m, max: 1 }
  - { id: web, kind: log, unit: web.service, journal: "$T/jdir", pattern: ERROR, min: 1, max: 1 }
  - { id: nothing, kind: log, unit: app.service, journal: "$T/none", pattern: ERROR, max: 0 }
EOF
run "$CUTOVER" check plan.yml --format json -o r.json
expect_rc 1 "the ERRORs of app.service fail max: 0"
st() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r={x["id"]: x for x in d["results"]}; x=r[sys.argv[2]]; print(x["status"], x.get("observed",""), "|", x["message"])' r.json "$1"; }
expect_eq "$(st no-error | cut -d'|' -f1)" "fail 2 matching lines " "no-error: two ERROR lines of app.service, not web's"
expect_eq "$(st opened | cut -d' ' -f1)" "pass" "min: 1 finds connection: open"
expect_eq "$(st last2 | cut -d'|' -f1)" "pass 1 matching line " "last: 2 reads the last two messages only"
expect_eq "$(st last-hour | cut -d'|' -f1)" "pass 1 matching line " "since: 20m sees only the recent ERROR"
expect_eq "$(st web | cut -d' ' -f1)" "pass" "another unit's messages are its own"
m=$(st nothing)
case "$m" in fail*) ok "a journal that is not there fails: ${m#*| }" ;; *) fail "missing journal" "$m" ;; esac

# Watch-style repeats in one process read only what is new.
cat >w.yml <<EOF
cutover: 1
name: journal-watch
checks:
  - { id: errors, kind: log, unit: app.service, journal: "$T/jdir", pattern: ERROR, since: start, max: 0 }
phases:
  - id: post
    watch: { every: 300ms, for: 2s, checks: [errors] }
    success:
      - { check: errors, failures: 0 }
EOF
"$CUTOVER" watch w.yml --state j.db >w.out 2>&1 &
W=$!
PIDS="$PIDS $W"
sleep 0.8
NOW=$(date +%s%6N)
entries app.service "ERROR after the switch" 0 | "$REMOTE" -o jdir/b.journal - 2>>remote.err
wait "$W"
rc=$?
expect_eq "$rc" 1 "an ERROR logged during the watch fails it"
n=$(sqlite3 j.db "select count(*) from samples where s = 0")
[ "$n" -ge 1 ] && ok "samples before it passed ($n): the old ERRORs were not counted" ||
	fail "early samples" "$(cat w.out)"
run "$CUTOVER" lint - <<EOF
cutover: 1
name: bad
checks:
  - { id: a, kind: log, path: /x, journal: /y, pattern: x, max: 0 }
EOF
expect_rc 2 "journal without unit"
expect_err "'journal' .* goes with 'unit'" "names the rule"
done_testing
