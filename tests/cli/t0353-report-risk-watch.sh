#!/bin/bash
# t0353-report-risk-watch.sh - the risk matrix accounts for the watch: a
# check bound to a risk that passed at the gate and then failed samples
# while watched (or fired a rollback trigger) leaves the risk's
# mitigation not ready, with a note naming the watch; one whose samples
# all passed keeps it ready; a check only watched counts by its samples.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "skipped: jq not installed"; exit 0; }
cd "$T"
# seq.sh NAME: the Nth run of NAME answers the Nth line of NAME.script.
cat >seq.sh <<'SH'
#!/bin/sh
n=$(cat "$1.count" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >"$1.count"
[ "$(sed -n "${n}p" "$1.script")" != fail ]
SH
chmod +x seq.sh
printf 'pass\npass\nfail\npass\npass\npass\npass\npass\npass\npass\npass\npass\npass\npass\npass\npass\n' >api.script
printf 'pass\n%.0s' $(seq 30) >db.script
printf 'pass\n%.0s' $(seq 30) >queue.script
cat >plan.yml <<EOF
cutover: 1
name: risk-watch
checks:
  - { id: api, kind: command, run: [./seq.sh, api] }
  - { id: db, kind: command, run: [./seq.sh, db] }
  - { id: queue, kind: command, run: [./seq.sh, queue] }
risks:
  - { id: R-api, title: API down after the switch, level: high, mitigated_by: [api] }
  - { id: R-db, title: Database unreachable, level: high, mitigated_by: [db] }
  - { id: R-queue, title: Queue stalls, level: medium, mitigated_by: [queue] }
phases:
  - id: switch
    steps: [{ id: flip, shell: "true" }]
    gate: [api, db]
  - id: post
    watch: { every: 200ms, for: 1500ms, checks: [api, db, queue] }
    success:
      - { check: api, uptime: ">= 50%" }
EOF
run "$CUTOVER" run plan.yml --yes
expect_rc 0 "the run completes: one failed api sample is within the success rule"
run "$CUTOVER" report plan.yml --format json
r() { printf '%s\n' "$out" | jq -r --arg id "$1" '.risks[] | select(.id == $id) | "\(.mitigation_ready) \(.mitigation_note)"'; }
case $(r R-api) in
"false api failed 1 of "*" samples in the watch of phase post") ok "R-api: $(r R-api)" ;;
*) fail "R-api: a failed watch sample leaves the mitigation not ready" "$(r R-api)" ;;
esac
expect_eq "$(r R-db)" "true db pass" "R-db: passed at the gate, every watch sample passed"
case $(r R-queue) in
"true queue passed "*" watch samples") ok "R-queue: $(r R-queue)" ;;
*) fail "R-queue: only watched, every sample passed" "$(r R-queue)" ;;
esac
run "$CUTOVER" report plan.yml
expect_out "api failed 1 of [0-9]+ samples in the watch of phase post" "the markdown report says why"

# A trigger that fired names the check in the risk's note.
rm -rf .cutover ./*.count
printf 'pass\npass\nfail\nfail\nfail\nfail\nfail\nfail\nfail\nfail\nfail\nfail\nfail\n' >api.script
sed -i 's/    success:/    rollback_if:\n      - { check: api, consecutive: 2 }\n    success:/' plan.yml
run "$CUTOVER" run plan.yml --yes
expect_rc 1 "the trigger fires and rolls back"
run "$CUTOVER" report plan.yml --format json
case $(r R-api) in
"false api fired a rollback trigger in the watch of phase post") ok "R-api: $(r R-api)" ;;
*) fail "R-api: a fired trigger leaves the mitigation not ready" "$(r R-api)" ;;
esac
done_testing
