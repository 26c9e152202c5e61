#!/usr/bin/env bash
# End-to-end test: the real programs as processes on the 744-row dataset.
#
#   pipeline_test.sh embedded   # on eddy-broker
#   pipeline_test.sh kafka      # on the real broker at $EDDY_TEST_BOOTSTRAP
#
# Asserts: exactly 744 predictions per model reach the sink; the sink's
# linear MAE, and eddy-evaluate's h=1 score of linear, equal the MAE of
# River's golden trace; bad rows and poison
# records land in the dead-letter topic and the pipeline goes on; a real
# Prometheus server scrapes the sink and answers ml_model_mae_5; eddy-cat
# (and, on Kafka, kafka-console-consumer) read the predictions' keys.
set -euo pipefail
mode=${1:?usage: pipeline_test.sh embedded|kafka}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" "it-$mode"
it_cleanup() { [ -z "${prom_pid:-}" ] || kill "$prom_pid" 2>/dev/null; }

data=$root/data/airpassengers-extended.csv
golden=$root/tests/golden/airpassengers-extended.csv
rows=744
suffix="-it-$$-$(date +%s)"
case $mode in
  embedded) eddy_start_broker ;;
  kafka) it_need_kafka ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
obs=obs$suffix feat=feat$suffix pred=pred$suffix dlq=dlq$suffix
common=(-X session.timeout.ms=6000 --deadletter-topic "$dlq")
models=(linear ridge knn)

eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" \
  --group "features$suffix" --http 127.0.0.1:0
for m in "${models[@]}"; do
  eddy_start "learn-$m" eddy-learn "${common[@]}" --model "$m" --input "$feat" --output "$pred" \
    --group "learn-$m$suffix" --http 127.0.0.1:0 --max-value-bytes 4096
done
eddy_start evaluate eddy-evaluate "${common[@]}" --input "$pred" --output "scores$suffix" \
  --group "evaluate$suffix" --http 127.0.0.1:0
eddy_start metrics eddy-metrics "${common[@]}" --input "$pred" --group "metrics$suffix" \
  --http 127.0.0.1:0
port=$(eddy_http_port metrics)
[ -n "$port" ] || fail "the sink did not report its HTTP port"
url="http://127.0.0.1:$port"

# Good rows plus three bad ones (not a number, NaN, wrong column count)
# that must be dead-lettered by ingest without stopping it.
{ cat "$data"; printf '\n2011-01,abc\n2011-02,nan\n2011-03,1,2\n'; } >"$EDDY_RUN/input.csv"
"$(eddy_bin eddy-ingest)" --topic "$obs" --deadletter-topic "$dlq" --series-id airpassengers \
  "$EDDY_RUN/input.csv" 2>"$EDDY_RUN/ingest.log" || fail "eddy-ingest exited non-zero"
grep -q 'input.csv:746: target .abc. is not a number' "$EDDY_RUN/ingest.log" ||
  fail "ingest did not name file:line and value of the bad row"
ok "ingest reported bad rows with file:line"

eddy_wait_predictions "$url/metrics" "$rows" 120 "${models[@]}" || fail "predictions missing"
ok "$rows predictions per model reached the sink (${models[*]})"

# The sink's MAE for linear must be River's, from the golden trace.
expect=$(python3 -c "
import csv,sys
r=list(csv.DictReader(open('$golden')))
print(repr(sum(abs(float(x['target'])-float(x['linear'])) for x in r)/len(r)))")
got=$(eddy_metric "$url/metrics" ml_model_mae 'model="linear",series="_all"')
python3 -c "
e,g=$expect,float('$got')
assert abs(e-g) <= 1e-9*abs(e), f'sink MAE {g} != golden {e}'
print(f'ok: sink linear MAE {g:.12f} equals River golden {e:.12f}')" || fail "MAE mismatch"

# eddy-evaluate's h=1 score of linear is the same prequential MAE.
eddy_wait_scores "scores$suffix" $((rows - 1)) 60 "${models[@]}" || fail "scores missing"
python3 -c "
import json
s = [json.loads(l) for l in open('$EDDY_RUN/scores.jsonl')]
g = [r for r in s if r['model'] == 'linear'][-1]['mae'][0]
e = $expect
assert abs(e - g) <= 1e-9 * abs(e), f'scores linear h=1 MAE {g} != golden {e}'
print(f'ok: scores topic: linear h=1 MAE {g:.12f} equals River golden')" || fail "scores MAE mismatch"

# A poison stream straight into the features topic (random bytes, short and
# truncated frames, unknown and wrong schema ids, NaN/Inf, wrong lag count,
# an oversized key and value, an empty value), interleaved with the good
# records: every one dead-lettered with its reason, counted, and the
# pipeline goes on.
python3 "$root/tests/integration/poison.py" >"$EDDY_RUN/poison.bin" 2>"$EDDY_RUN/poison.json"
kcat -P -b "$EDDY_BOOTSTRAP" -t "$feat" -K '@@EDDYKEY@@' -D '@@EDDYMSG@@' -l "$EDDY_RUN/poison.bin" ||
  fail "kcat could not produce the poison stream"
n_poison=$(python3 -c "import json; print(sum(json.load(open('$EDDY_RUN/poison.json')).values()))")
lport=$(eddy_http_port learn-linear)
for _ in $(seq 150); do
  curl -fsS "http://127.0.0.1:$lport/metrics" >"$EDDY_RUN/learn-metrics.txt" || true
  n=$(awk '/^eddy_stage_deadletter_total/ {s+=$2} END {print s+0}' "$EDDY_RUN/learn-metrics.txt")
  [ "$n" -ge "$n_poison" ] && break
  sleep 0.2
done
python3 - "$EDDY_RUN/poison.json" "$EDDY_RUN/learn-metrics.txt" <<'PY' || fail "dead-letter reasons differ"
import json, re, sys
want = json.load(open(sys.argv[1]))
got = {}
for line in open(sys.argv[2]):
    m = re.match(r'eddy_stage_deadletter_total\{stage="learn",reason="([^"]+)"\} (\d+)', line)
    if m:
        got[m.group(1)] = int(m.group(2))
assert got == want, f"dead letters by reason: got {got}, want {want}"
print(f"ok: {sum(got.values())} poison records dead-lettered, by reason: {got}")
PY
want=$((3 + n_poison * ${#models[@]}))
for _ in $(seq 60); do
  "$(eddy_bin eddy-cat)" --topic "$dlq" >"$EDDY_RUN/dlq.jsonl" 2>/dev/null || fail "eddy-cat on deadletter"
  dl=$(grep -c '"eddy.error"' "$EDDY_RUN/dlq.jsonl" || true)
  [ "$dl" -ge $want ] && break
  sleep 0.5
done
[ "$dl" = "$want" ] || fail "expected $want dead letters, found $dl"
grep -q '"eddy.stage": *"ingest"' "$EDDY_RUN/dlq.jsonl" || grep -q '"eddy.stage":"ingest"' "$EDDY_RUN/dlq.jsonl" ||
  fail "no ingest dead letter"
ok "$dl dead letters with reason headers"

# eddy-cat reads every prediction and its key.
"$(eddy_bin eddy-cat)" --topic "$pred" --meta >"$EDDY_RUN/pred.jsonl" 2>/dev/null || fail "eddy-cat"
n=$(grep -c '"key":"airpassengers"' "$EDDY_RUN/pred.jsonl" || true)
[ "$n" = $((rows * ${#models[@]})) ] || fail "eddy-cat read $n predictions, expected $((rows * ${#models[@]}))"
ok "eddy-cat decoded $n predictions"

if [ "$mode" = kafka ]; then
  keys=$("$root/scripts/kafka.sh" tool console-consumer --topic "$pred" --from-beginning \
    --property print.key=true --property print.value=false --max-messages $((rows * ${#models[@]})) \
    --timeout-ms 30000 2>/dev/null | sort | uniq -c | awk '{print $1, $2}')
  [ "$keys" = "$((rows * ${#models[@]})) airpassengers" ] ||
    fail "kafka-console-consumer saw keys: $keys"
  ok "kafka-console-consumer read $((rows * ${#models[@]})) predictions keyed airpassengers"
fi

# promtool lints the exposition; a real Prometheus scrapes it.
curl -fsS "$url/metrics" >"$EDDY_RUN/metrics.txt"
promtool check metrics <"$EDDY_RUN/metrics.txt" || fail "promtool check metrics"
ok "promtool check metrics passed"
it_prometheus "$port"
for _ in $(seq 150); do
  r=$(curl -fsS "http://127.0.0.1:$prom_port/api/v1/query?query=ml_model_mae_5%7Bmodel%3D%22linear%22%2Cseries%3D%22_all%22%7D" 2>/dev/null || true)
  echo "$r" | grep -q '"model":"linear"' && break
  sleep 0.2
done
echo "$r" | python3 -c "
import json,sys
r=json.load(sys.stdin)['data']['result']
assert r and float(r[0]['value'][1]) > 0, r
print('ok: Prometheus scraped the sink: ml_model_mae_5{model=\"linear\"} =', r[0]['value'][1])" ||
  fail "Prometheus did not return ml_model_mae_5: $r"

eddy_stop_all || fail "a stage did not stop cleanly on SIGTERM"
ok "every stage exited 0 on SIGTERM"
