#!/bin/bash
# t0950-procedures.sh - contingency procedures through the binary with real
# steps and the real clock: started by a `when` rule mid-watch (the check
# turns bad while the watch runs), by a failing gate (then the gate is
# judged again), by hand (`cutover procedure`, `run --procedure`); a
# failed procedure stops or rolls back as it says; report, status and
# alerts say which ran, why (the rule and its samples) and how it ended.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 CLI missing"; exit 0; }
# Never create a journal: sqlite3 makes an empty file for a missing one.
q() { [ -e "$1" ] && sqlite3 "$1" "$2" 2>/dev/null; }

# ---- 1. a when rule fires mid-watch --------------------------------------
touch "$T/net-ok"
cat >"$T/w.yml" <<YML
cutover: 1
name: proc-watch
checks:
  - { id: private-net, kind: command, run: "test -f $T/net-ok" }
  - { id: api, kind: command, run: "test -f $T/public" }
procedures:
  public-ips:
    title: Use the public IPs while the private network is down
    when: [{ check: private-net, consecutive: 2 }]
    steps:
      - { id: use-public, run: "touch $T/public" }
      - { id: restart-app, shell: "echo restarted >> $T/restarts" }
    checks: [api]
phases:
  - id: switch
    steps:
      - { id: flip, run: "touch $T/flipped", undo: "rm -f $T/flipped" }
  - id: post
    watch: { every: 200ms, for: 4s }
rollback:
  - { id: restore, run: "touch $T/restored" }
alerts:
  - id: log
    kind: command
    run: [sh, -c, 'cat >> $T/events.jsonl; echo >> $T/events.jsonl']
    events: [procedure.start, procedure.done]
YML
(sleep 1.2; rm -f "$T/net-ok") &
PIDS="$PIDS $!"
run "$CUTOVER" run "$T/w.yml" --yes --state "$T/w.db"
expect_rc 0 "the procedure repaired it: the run completes"
expect_out "== procedure public-ips started in phase post: when private-net 2 consecutive failures: 2 failures in a row" \
	"the rule that started it is printed with its samples"
expect_out "== procedure public-ips done: steps ok, checks passed" "and its end"
[ -f "$T/public" ] && [ "$(cat "$T/restarts")" = restarted ] &&
	ok "its steps ran, once" || fail "procedure steps" "$out"
expect_eq "$(q "$T/w.db" "select count(*) from steps where kind='procedure' and state='ok'")" 2 \
	"both steps journaled as procedure steps"
expect_eq "$(q "$T/w.db" "select phase_id || '|' || step_id from events where type='procedure.start'")" \
	"post|public-ips" "the start is journaled with the phase it started in"
expect_eq "$(q "$T/w.db" "select count(*) from checks where role='procedure' and status='pass'")" 1 \
	"its checks are journaled"
grep -q '"event": *"procedure.start"' "$T/events.jsonl" &&
	grep -q '"event": *"procedure.done"' "$T/events.jsonl" &&
	ok "alerts on start and end" || fail "alerts" "$(cat "$T/events.jsonl" 2>&1)"
run "$CUTOVER" report "$T/w.yml" --state "$T/w.db"
expect_out "^## Procedures" "the report has a Procedures section"
expect_out "\| public-ips \| post \| when private-net 2 consecutive failures: 2 failures in a row: .*fail.* \| ok \|" \
	"the report names the procedure, where, the rule with its samples and the outcome"
run "$CUTOVER" report "$T/w.yml" --state "$T/w.db" --format json
expect_eq "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["procedures"][0]; print(d["procedure"], d["phase"], d["outcome"], d["steps_ok"])')" \
	"public-ips post ok 2" "the JSON report lists it"
run "$CUTOVER" report "$T/w.yml" --state "$T/w.db" --format html
expect_out "<h2>Procedures</h2>" "the HTML report too"
run "$CUTOVER" status "$T/w.yml" --state "$T/w.db"
expect_out "procedure public-ips \(post\): ok; when private-net" "status shows it"

# ---- 2. a failing gate starts one; the gate is judged again ---------------
cat >"$T/g.yml" <<YML
cutover: 1
name: proc-gate
checks:
  - { id: pool, kind: command, run: "test -f $T/pool-ok" }
procedures:
  pool-exhausted:
    when: [{ check: pool, consecutive: 1 }]
    steps:
      - { id: raise-pool, run: "touch $T/pool-ok" }
phases:
  - id: switch
    steps: [{ id: go, run: "true" }]
    gate: [pool]
YML
run "$CUTOVER" run "$T/g.yml" --yes --state "$T/g.db"
expect_rc 0 "a gate repaired by its procedure passes"
expect_out "gate of phase switch again, after the procedure" "the gate is judged again"
expect_eq "$(q "$T/g.db" "select group_concat(status) from checks where role='gate'")" "fail,pass" \
	"both gate judgements are journaled"

# ---- 3. by hand; unknown names; --help ------------------------------------
run "$CUTOVER" procedure --help
expect_rc 0 "procedure --help"
expect_out "usage: cutover procedure" "with its usage"
run "$CUTOVER" procedure "$T/g.yml" pool-exausted --state "$T/h.db"
expect_rc 2 "an unknown procedure is bad input"
expect_err "did you mean 'pool-exhausted'" "with did you mean"
run "$CUTOVER" run "$T/g.yml" --procedure nope --state "$T/h.db"
expect_rc 2 "run --procedure checks the name too"
run "$CUTOVER" procedure "$T/g.yml" --list
expect_out "^pool-exhausted	1 step, on_failure stop" "--list"
rm -f "$T/pool-ok"
run "$CUTOVER" procedure "$T/g.yml" pool-exhausted --state "$T/h.db"
expect_rc 0 "started by hand, it succeeds"
expect_out "started by hand: started by $(id -un)" "by whom"
[ -f "$T/pool-ok" ] && ok "its step ran" || fail "by hand: no step"
rm -f "$T/pool-ok"
run "$CUTOVER" run "$T/g.yml" --procedure pool-exhausted --state "$T/h.db"
expect_rc 0 "run --procedure NAME does the same"
expect_eq "$(q "$T/h.db" "select count(*) from runs where state='completed'")" 2 \
	"each by-hand procedure is a run of its own"

# ---- 4. kill -9 inside a procedure, then resume ---------------------------
cat >"$T/k.yml" <<YML
cutover: 1
name: proc-kill
checks:
  - { id: fine, kind: command, run: "true" }
procedures:
  failover:
    steps:
      - { id: k1, shell: "echo x >> $T/k1" }
      - { id: k2, shell: "echo x >> $T/k2; touch $T/k2-started; sleep 30", idempotent: true }
      - { id: k3, shell: "echo x >> $T/k3" }
    checks: [fine]
YML
"$CUTOVER" procedure "$T/k.yml" failover --state "$T/k.db" >"$T/k.out" 2>&1 &
kp=$!
for _ in $(seq 100); do [ -f "$T/k2-started" ] && break; sleep 0.05; done
kill -9 $kp; wait $kp 2>/dev/null
pg=$(q "$T/k.db" "select pgid from steps where step_id='k2'")
[ -n "$pg" ] && kill -KILL -- "-$pg" 2>/dev/null
for _ in $(seq 50); do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.05; done
run "$CUTOVER" status "$T/k.yml" --state "$T/k.db"
expect_out "procedure failover \(by hand\): interrupted" "status: the procedure was cut short"
sed -i "s/sleep 30/true/" "$T/k.yml"
run "$CUTOVER" resume "$T/k.yml" --state "$T/k.db" --force
expect_rc 0 "resume finishes the procedure"
expect_out "procedure failover continues" "it continues the same execution"
expect_out "step k1: done earlier" "the completed step is not run again"
expect_eq "$(wc -l <"$T/k1" | tr -d ' '):$(wc -l <"$T/k2" | tr -d ' '):$(wc -l <"$T/k3" | tr -d ' ')" \
	"1:2:1" "k1 once, the interrupted k2 again (idempotent), k3 once"
expect_eq "$(q "$T/k.db" "select state from runs")" completed "the run completes"
expect_eq "$(q "$T/k.db" "select count(*) from events where type='procedure.start'")" 1 \
	"one execution, not two"

# ---- 5. a failed procedure rolls back (on_failure: rollback) or stops ------
cat >"$T/f.yml" <<YML
cutover: 1
name: proc-fail
checks:
  - { id: db, kind: command, run: "test -f $T/db-ok" }
procedures:
  fix-db:
    when: [{ check: db, consecutive: 1 }]
    steps:
      - { id: try-fix, run: "false" }
    on_failure: rollback
  fix-soft:
    steps:
      - { id: soft, run: "true" }
    checks: [db]
phases:
  - id: switch
    steps:
      - { id: flip, run: "touch $T/f-flipped", undo: "touch $T/f-undone" }
    gate: [db]
rollback:
  - { id: restore, run: "touch $T/f-restored" }
YML
run "$CUTOVER" run "$T/f.yml" --yes --state "$T/f.db"
expect_rc 1 "a failed procedure with on_failure: rollback rolls back"
expect_out "== procedure fix-db failed: procedure fix-db: step try-fix failed" "its failure is printed"
[ -f "$T/f-undone" ] && [ -f "$T/f-restored" ] && ok "undo and rollback steps ran" ||
	fail "no rollback" "$out"
expect_eq "$(q "$T/f.db" "select state from runs")" rolled-back "the run is rolled back"
expect_eq "$(q "$T/f.db" "select how from decisions where decision='rollback'")" \
	"procedure failed (on_failure: rollback)" "the decision says why"
run "$CUTOVER" procedure "$T/f.yml" fix-soft --state "$T/f2.db"
expect_rc 1 "on_failure stop (the default): a failed procedure stops"
expect_eq "$(q "$T/f2.db" "select state from runs")" stopped "the run is stopped"
run "$CUTOVER" report "$T/f.yml" --state "$T/f2.db"
expect_out "\| fix-soft \| by hand \| .* \| failed \|" "the report shows the failure"

# ---- 6. the seed-000 example plan lints clean ------------------------------
run "$CUTOVER" lint "$ROOT/examples/runbook-000/plan.yml"
expect_rc 0 "examples/runbook-000/plan.yml lints"
expect_eq "$err" "" "without a warning"
expect_out "1 procedure" "with its procedure"
run "$CUTOVER" run "$ROOT/examples/runbook-000/plan.yml" --dry-run
expect_out "^procedure public-ips: .* \(on failure: rollback\)" "a dry run shows the procedure"
expect_out "^  when mysql-private 3 consecutive failures" "with its rule"
expect_out "^rollback within 15m00s:" "and the rollback's deadline"

done_testing
