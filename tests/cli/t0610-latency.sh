#!/bin/bash
# t0610-latency: `latency` samples a TCP connect, SELECT 1, PING or an HTTP
# GET against the shared real servers, judges a percentile on tiers, and
# counts failed samples as loss.  Latency is injected with the scenario's
# delaying relay (tests/scenario/two-vps/relay.py) on loopback.
. "$(dirname "$0")/lib.sh"


# Redis behind a relay that adds 15 ms to every request.
RP=$(port)
echo 15 >"$T/delay"
python3 "$ROOT/tests/scenario/two-vps/relay.py" 127.0.0.1 "$RP" 127.0.0.1 \
	"$REDIS_PORT" "$T/delay" >"$T/relay.log" 2>&1 &
PIDS="$PIDS $!"
wait_ready "$T/relay.log" || fail "relay did not start"
# A port that never answers (a full backlog: SYNs are dropped).
BH=$(port)
python3 "$ROOT/tests/harness/blackhole.py" "$BH" >"$T/bh.log" 2>&1 &
PIDS="$PIDS $!"
wait_ready "$T/bh.log" || fail "blackhole did not start"

cat >"$T/plan.yml" <<YML
cutover: 1
name: t0610
checks:
  - { id: tcp, kind: latency, address: "127.0.0.1:$REDIS_PORT", samples: 5,
      interval: 10ms, p: 95, latency: { expect: 1ms, warn: 500ms, crit: 1s } }
  - { id: pg, kind: latency, target: "$PG_URL", samples: 5, interval: 10ms,
      latency: { warn: 500ms, crit: 1s } }
  - { id: my, kind: latency, target: "$MY_URL", samples: 5, interval: 10ms,
      latency: { warn: 500ms, crit: 1s } }
  - { id: redis, kind: latency, target: "$REDIS_URL", samples: 5,
      interval: 10ms, p: 99, latency: { warn: 500ms, crit: 1s } }
  - { id: http, kind: latency, target: "$HTTP_URL/ok", samples: 5,
      interval: 10ms, latency: { warn: 500ms, crit: 1s } }
  - { id: slow-redis, kind: latency, target: "redis://127.0.0.1:$RP/0",
      samples: 5, interval: 10ms, latency: { expect: 2ms, warn: 5ms, crit: 10ms } }
  - { id: warn-http, kind: latency, target: "$HTTP_URL/delay/30",
      samples: 3, interval: 10ms, latency: { warn: 20ms, crit: 5s } }
  - { id: refused, kind: latency, address: "127.0.0.1:1", samples: 3,
      interval: 10ms }
  - { id: http-500, kind: latency, target: "$HTTP_URL/status/500",
      samples: 3, interval: 10ms }
  - { id: filtered, kind: latency, address: "127.0.0.1:$BH", samples: 3,
      interval: 10ms, sample_timeout: 200ms, timeout: 2s }
YML
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (some are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.observed) | \(.message)"'; }
js() { printf '%s\n' "$out" | jq -r --arg id "$1" ".results[] | select(.id == \$id) | $2"; }

for id in tcp pg my redis http; do
	r=$(st $id)
	case $r in pass*) ok "$id: $r" ;; *) fail "$id passes" "$r" ;; esac
done
expect_eq "$(js pg .detail | head -1)" \
	"SQL round trip (SELECT 1 on an open connection) to $PG_URL" "pg samples SELECT 1 on an open connection"
case $(js tcp .detail) in *"samples 5, lost 0 (0%)"*"min "*", p50 "*", p95 "*", p99 "*", max "*) ok "detail has min/p50/p95/p99/max and loss" ;;
	*) fail "detail" "$(js tcp .detail)" ;; esac
case $(js redis .observed) in "p99 "*", loss 0%") ok "observed names the percentile" ;;
	*) fail "observed" "$(js redis .observed)" ;; esac
# The value is the judged percentile in seconds (for metrics).
v=$(js slow-redis .value)
if awk "BEGIN { exit !($v >= 0.015 && $v < 1) }"; then ok "value is seconds ($v)"; else fail "value $v"; fi

r=$(st slow-redis)
case $r in "fail p50 "*"ms, loss 0% | p50 "*"(at or past crit)") ok "15 ms relay fails crit 10ms: $r" ;;
	*) fail "slow redis fails on crit" "$r" ;; esac
r=$(st warn-http)
case $r in "warn p50 "*"(at or past warn)") ok "30 ms HTTP warns at 20ms: $r" ;;
	*) fail "warn-http" "$r" ;; esac
r=$(st refused)
case $r in "fail loss 100% | all 3 samples of TCP connect to 127.0.0.1:1 failed: connect to 127.0.0.1:1 refused") ok "refused: $r" ;;
	*) fail "refused" "$r" ;; esac
r=$(st http-500)
case $r in "fail loss 100% | "*"answered HTTP 500") ok "5xx is loss: $r" ;;
	*) fail "http-500" "$r" ;; esac
r=$(st filtered)
d=$(js filtered .duration_ms)
case $r in "fail loss 100% | "*"timed out after 200"*) ok "filtered port: each sample times out: $r" ;;
	*) fail "filtered" "$r" ;; esac
if awk "BEGIN { exit !($d < 1500) }"; then ok "filtered: 3 samples in ${d}ms"; else fail "filtered took ${d}ms"; fi

# Partial loss: servers that accept two connections, then close their port.
TWO='import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
print("ready", flush=True)
for _ in range(2):
    c, _ = s.accept(); c.close()
s.close()
import time; time.sleep(60)'
L1=$(port); L2=$(port)
python3 -c "$TWO" "$L1" >"$T/two1.log" 2>&1 &
PIDS="$PIDS $!"
python3 -c "$TWO" "$L2" >"$T/two2.log" 2>&1 &
PIDS="$PIDS $!"
wait_ready "$T/two1.log" && wait_ready "$T/two2.log" || fail "two-shot servers did not start"
cat >"$T/loss.yml" <<YML
cutover: 1
name: t0610
checks:
  - { id: loss-ok, kind: latency, address: "127.0.0.1:$L1", samples: 4,
      interval: 50ms, max_loss: 50% }
  - { id: loss-bad, kind: latency, address: "127.0.0.1:$L2", samples: 4,
      interval: 50ms, max_loss: 25% }
YML
run "$CUTOVER" check "$T/loss.yml" --format json
r=$(st loss-ok)
case $r in "pass p50 "*", loss 50% | p50 "*" over 2 TCP connect samples"*) ok "loss within max_loss passes: $r" ;;
	*) fail "loss-ok" "$r" ;; esac
r=$(st loss-bad)
case $r in "fail p50 "*", loss 50% | 2 of 4 samples lost (50%, more than 25%): connect to 127.0.0.1:$L2 refused") ok "loss past max_loss fails: $r" ;;
	*) fail "loss-bad" "$r" ;; esac

# Without `timeout:` the check sizes its own to hold every sample: 10
# samples 1.1 s apart through a relay adding 300 ms are 9.9 s of pacing
# plus connecting and the last answer, past the default 10 s, where the
# last sample never ran and counted as lost.
echo 300 >"$T/delay"
cat >"$T/sized.yml" <<YML
cutover: 1
name: t0610
checks:
  - { id: sized, kind: latency, target: "redis://127.0.0.1:$RP/0", samples: 10,
      interval: 1100ms }
YML
run "$CUTOVER" check "$T/sized.yml" --format json
expect_rc 0 "a check sized by its samples passes"
case $(js sized .detail) in *"samples 10, lost 0 (0%)"*) ok "every sample ran" ;;
	*) fail "samples lost" "$(js sized .detail)" ;; esac

# A check that overruns its timeout is cut off: SQL samples through a relay
# that now holds every request for 3 s.
echo 3000 >"$T/delay"
cat >"$T/slow.yml" <<YML
cutover: 1
name: t0610
checks:
  - { id: stuck, kind: latency, target: "redis://127.0.0.1:$RP/0", samples: 3,
      interval: 100ms, sample_timeout: 300ms, timeout: 1s }
YML
t0=$(date +%s%N)
run "$CUTOVER" check "$T/slow.yml"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_rc 1 "a stuck target fails"
if [ "$ms" -lt 2500 ]; then ok "and the run ends in ${ms}ms (timeout 1s)"; else fail "stuck run took ${ms}ms"; fi

# Bad configuration: exit 2, FILE:LINE:COL for each.
cat >"$T/bad.yml" <<'YML'
cutover: 1
name: t0610
checks:
  - { id: both, kind: latency, address: "127.0.0.1:1", target: "tcp://127.0.0.1:1" }
  - { id: neither, kind: latency, samples: 3 }
  - { id: toolong, kind: latency, address: "127.0.0.1:1", samples: 200, interval: 100ms, timeout: 10s }
  - { id: p0, kind: latency, address: "127.0.0.1:1", p: 0 }
  - { id: loss, kind: latency, address: "127.0.0.1:1", max_loss: 5 }
  - { id: scheme, kind: latency, target: "rediss://127.0.0.1:1" }
  - { id: tiers, kind: latency, address: "127.0.0.1:1", latency: { warn: 5ms, crit: 2ms } }
  - { id: port, kind: latency, address: "127.0.0.1" }
YML
run "$CUTOVER" lint "$T/bad.yml"
expect_rc 2 "bad latency checks fail lint"
expect_err "bad.yml:4:[0-9]+: check 'both': give either 'target'" "target and address"
expect_err "bad.yml:5:[0-9]+: check 'neither': give either" "neither target nor address"
expect_err "bad.yml:6:[0-9]+: check 'toolong': 200 samples every 100[.0]*ms, each within 1[.0]*s, need up to 20.9[0]*s; 'timeout' is 10" "samples x interval over the timeout"
expect_err "bad.yml:7:[0-9]+: 'p': " "p out of range"
expect_err "bad.yml:8:[0-9]+: 'max_loss': bad percentage" "max_loss without %"
expect_err "bad.yml:9:[0-9]+: check 'scheme': latency cannot sample" "unsupported scheme"
expect_err "bad.yml:10:[0-9]+: 'latency': warn must not be above crit" "tiers out of order"
expect_err "bad.yml:11:[0-9]+: 'address': bad address" "address without port"
done_testing
