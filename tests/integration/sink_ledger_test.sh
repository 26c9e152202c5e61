#!/usr/bin/env bash
# The sink's figures are the same before and after a fault (issue 10's
# double counting), on the real broker ($EDDY_TEST_BOOTSTRAP):
#
#   sink_ledger_test.sh restart    the sink killed and started again
#   sink_ledger_test.sh rebalance  a second sink joins the group, then leaves
#   sink_ledger_test.sh outage     the broker unreachable for 10 s (paused, or
#                                  stopped and started: EDDY_LEDGER_OUTAGE=restart)
#   sink_ledger_test.sh replay     a learner replayed with --reset-offsets
#
# The pipeline (features, two learners, eddy-evaluate, the sink)
# runs on the 744-row seed plus 8 synthetic series over 4 partitions, so a
# rebalance moves partitions. Once the sink's numbers are stable they are
# taken (every ml_model_* and eddy_* sample but the sink's own read
# counters, and /leaderboard); the fault is applied; once stable again they
# must be equal, sample for sample. EDDY_SINK_BIN runs another eddy-metrics
# (e.g. an older build: the old sink added the re-read records again).
set -euo pipefail
scenario=${1:?usage: sink_ledger_test.sh restart|rebalance|outage|replay}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" "ledger-$scenario"
it_need_kafka
export EDDY_KAFKA_PORT=${EDDY_BOOTSTRAP##*:}
sink_bin=${EDDY_SINK_BIN:-$EDDY_BIN/sinks/metrics/eddy-metrics}
s="-sl-$scenario-$$-$(date +%s)"
obs=obs$s feat=feat$s pred=pred$s scores=scores$s dlq=dlq$s
for t in "$obs" "$feat" "$pred" "$scores"; do
  extra=()
  [ "$t" = "$scores" ] && extra=(--config cleanup.policy=compact)
  "$kafka" tool topics --create --topic "$t" --partitions 4 --replication-factor 1 "${extra[@]}" >/dev/null
done
common=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500 --deadletter-topic "$dlq" --http 127.0.0.1:0)
models=(linear ridge)
series=8 count=100
total=$((744 + series * count))

eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" --group "features$s"
start_learner() {
  eddy_start "learn-$1" eddy-learn "${common[@]}" --model "$1" --input "$feat" --output "$pred" \
    --group "learn-$1$s" --transactional-id "learn-$1$s"
}
for m in "${models[@]}"; do start_learner "$m"; done
eddy_start evaluate eddy-evaluate "${common[@]}" --input "$pred" --output "$scores" --group "evaluate$s" \
  --transactional-id "evaluate$s"
# An older eddy-metrics (EDDY_SINK_BIN) may not know --scores.
scores_opt=(--scores "$scores")
"$sink_bin" --help 2>&1 | grep -q -- '--scores' || scores_opt=()
start_sink() { # name
  "$sink_bin" "${common[@]}" --input "$pred" "${scores_opt[@]}" --group "metrics$s" --transactional-id "metrics$s-$1" \
    >"$EDDY_RUN/$1.out" 2>"$EDDY_RUN/$1.log" &
  echo $! >"$EDDY_RUN/$1.pid"
}
start_sink sink1
port=$(eddy_http_port sink1)
[ -n "$port" ] || fail "the sink did not report its HTTP port"

"$(eddy_bin eddy-ingest)" --topic "$obs" --series-id airpassengers "$root/data/airpassengers-extended.csv" \
  2>"$EDDY_RUN/ingest1.log" || fail ingest
"$(eddy_bin eddy-ingest)" --topic "$obs" --synthetic-series "$series" --synthetic-count "$count" \
  2>"$EDDY_RUN/ingest2.log" || fail ingest

# The figures: every ml_model_* / eddy_* sample but the read counters, and
# the leaderboard, as sorted lines.
figures() { # port
  { curl -fsS "http://127.0.0.1:$1/metrics" | grep -E '^(ml_model_|eddy_)' |
      grep -vE '^eddy_(stage|sink_predictions_replaced|sink_predictions_stale|sink_scores_read|build_info)'
    curl -fsS "http://127.0.0.1:$1/leaderboard" | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    r.pop("next_forecast", None)  # the newest record of any series: arrival order
    print("leaderboard", json.dumps(r, sort_keys=True))'
  } 2>/dev/null | sort
}
# Waits until the sink at PORT holds TOTAL predictions of every model and
# its figures stay the same for 3 s; leaves them in $EDDY_RUN/$2.
stable() { # port name
  local prev="" cur n ok
  for _ in $(seq 120); do
    eddy_check_alive || fail "a stage died"
    cur=$(figures "$1")
    ok=1
    for m in "${models[@]}"; do
      n=$(echo "$cur" | awk -v m="ml_model_predictions_total{model=\"$m\",series=\"_all\"}" '$1 == m {print $2}')
      [ "${n:-0}" -ge "$total" ] || ok=0
    done
    # ... and, on a sink that reads them, the scores of every record.
    if echo "$cur" | grep -q '^eddy_model_forecast_scored_total'; then
      for m in "${models[@]}"; do
        n=$(echo "$cur" | awk -v m="eddy_model_forecast_scored_total{model=\"$m\",horizon=\"1\"}" '$1 == m {print $2}')
        [ "${n:-0}" -ge "$total" ] || ok=0
      done
    fi
    if [ $ok = 1 ] && [ "$cur" = "$prev" ]; then
      echo "$cur" >"$EDDY_RUN/$2"
      return 0
    fi
    [ $ok = 1 ] && prev=$cur
    sleep 1.5
  done
  fail "the sink's figures did not settle ($2)"
}
t0=$(date +%s)
stable "$port" before
ok "$(wc -l <"$EDDY_RUN/before") figures settled in $(($(date +%s) - t0)) s"

case $scenario in
  restart)
    kill -KILL "$(cat "$EDDY_RUN/sink1.pid")"; wait "$(cat "$EDDY_RUN/sink1.pid")" 2>/dev/null || true
    rm -f "$EDDY_RUN/sink1.pid"
    : >"$EDDY_RUN/sink1.log"
    start_sink sink1
    port=$(eddy_http_port sink1)
    ok "sink restarted (SIGKILL), now on port $port" ;;
  rebalance)
    start_sink sink2
    for _ in $(seq 60); do grep -q 'partitions assigned.*count=[1-9]' "$EDDY_RUN/sink2.log" && break; sleep 0.5; done
    grep -q 'partitions assigned.*count=[1-9]' "$EDDY_RUN/sink2.log" || fail "sink2 got no partitions"
    sleep 2
    eddy_stop sink2 || fail "sink2 did not stop"
    for _ in $(seq 60); do [ "$(grep -c 'partitions assigned' "$EDDY_RUN/sink1.log")" -ge 3 ] && break; sleep 0.5; done
    ok "sink2 joined (took $(grep -o "partitions assigned.*count=[1-9][0-9]*" "$EDDY_RUN/sink2.log" | head -1 | sed "s/.*count=//") partitions) and left" ;;
  outage)
    # The broker stops answering for 10 s: paused (SIGSTOP/SIGCONT), since a
    # full stop and start of the JVM takes over a minute on a loaded host;
    # EDDY_LEDGER_OUTAGE=restart stops and starts it instead.
    t1=$(date +%s)
    if [ "${EDDY_LEDGER_OUTAGE:-pause}" = restart ]; then
      EDDY_KAFKA_STOP_TIMEOUT=${EDDY_KAFKA_STOP_TIMEOUT:-2} "$kafka" stop >/dev/null || fail "broker stop"
      sleep 10
      "$kafka" start >/dev/null || fail "broker start"
    else
      bpid=$(cat "${EDDY_KAFKA_DIR:-$root/build/kafka}/kafka.pid") || fail "no broker pid file"
      kill -STOP "$bpid"
      sleep 10
      kill -CONT "$bpid"
    fi
    # The sink's session timed out (6 s) during the outage: it rejoins and
    # is assigned its partitions again, to be read from their start.
    for _ in $(seq 120); do [ "$(grep -c 'partitions assigned' "$EDDY_RUN/sink1.log")" -ge 2 ] && break; sleep 0.5; done
    grep -q 'lost=1' "$EDDY_RUN/sink1.log" || fail "the sink did not lose its partitions in the outage"
    ok "broker out for $(($(date +%s) - t1)) s (${EDDY_LEDGER_OUTAGE:-pause}); the sink lost its partitions and got them back" ;;
  replay)
    eddy_stop learn-linear || fail "learner did not stop"
    "$kafka" tool consumer-groups --group "learn-linear$s" --topic "$feat" --reset-offsets --to-earliest \
      --execute >/dev/null || fail "reset-offsets"
    start_learner linear
    for _ in $(seq 60); do grep -q 'rebuilding=[1-9]' "$EDDY_RUN/learn-linear.log" && break; sleep 0.5; done
    ok "learner linear replayed from the earliest offset" ;;
  *) fail "unknown scenario $scenario" ;;
esac

# The fault must have made the sink read records again (else it tested
# nothing): a new process for a restart, re-reads otherwise.
sleep 3
t0=$(date +%s)
stable "$port" after
ok "figures settled again in $(($(date +%s) - t0)) s"
curl -fsS "http://127.0.0.1:$port/metrics" >"$EDDY_RUN/metrics-after.txt" || fail "no /metrics"
if [ "$scenario" != restart ] && grep -q '^eddy_sink_predictions_replaced_total' "$EDDY_RUN/metrics-after.txt"; then
  r=$(awk '$1 == "eddy_sink_predictions_replaced_total" {print $2}' "$EDDY_RUN/metrics-after.txt")
  [ "${r:-0}" -gt 0 ] || fail "the sink read nothing again: the fault did not reach it"
  ok "the sink read $r predictions again"
fi
# Equal sample for sample; values within 1e-9 relative (sums over series
# that arrive from 4 partitions in another order may differ in the last
# bits). The legacy all-series rows that follow the arrival order (rolling
# windows, last values, forecast) are left out: they are not totals.
python3 - "$EDDY_RUN/before" "$EDDY_RUN/after" "$scenario" <<'PY' || fail "$scenario changed the sink's figures"
import re, sys
legacy_order = re.compile(r'^ml_model_(\w+_(5|10|20)|last_\w+|forecast)\{model="[^"]*",series="_all"')
def load(path):
    out = {}
    for line in open(path):
        name, _, value = line.rstrip("\n").rpartition(" ")
        if legacy_order.match(name):
            continue
        if name.startswith("leaderboard"):
            name, value = line, "0"
        out[name] = value
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
diff = []
for k in sorted(set(a) | set(b)):
    x, y = a.get(k), b.get(k)
    try:
        same = x is not None and y is not None and abs(float(x) - float(y)) <= 1e-9 * max(1.0, abs(float(x)))
    except ValueError:
        same = x == y
    if not same:
        diff.append(f"  {k}: {x} -> {y}")
if diff:
    print(f"FAIL: {len(diff)} of {len(a)} figures changed, e.g.:", *diff[:12], sep="\n", file=sys.stderr)
    sys.exit(1)
print(f"ok: {sys.argv[3]}: all {len(a)} figures equal before and after")
PY
