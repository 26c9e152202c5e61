#!/usr/bin/env bash
# eddy-evaluate end to end on the 744-row dataset:
#
#   evaluate_test.sh embedded   # on eddy-broker
#   evaluate_test.sh kafka      # on the real broker at $EDDY_TEST_BOOTSTRAP
#
# Asserts: the compacted scores (read_committed, latest per key) hold, for
# every model and h = 1..5, the figures a direct computation from the
# predictions topic gives (evaluate_check.py); linear's h=1 MAE is the
# learners' prequential 38.8623; a second evaluator killed with SIGKILL
# three times at random points mid-run, restarted each time, ends with the
# same latest scores; on Kafka, the same again after its group is reset
# with --reset-offsets --to-earliest (the state is rebuilt, nothing is
# scored twice). The champion outputs: every
# series gets an initial decision and a served forecast, and the killed
# evaluator ends with the same model-events (each series' list) and the
# same latest forecasts as the uninterrupted one.
set -euo pipefail
mode=${1:?usage: evaluate_test.sh embedded|kafka}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" "eval-$mode"

data=$root/data/airpassengers-extended.csv
rows=744
s="-ev-$$-$(date +%s)"
obs=obs$s feat=feat$s pred=pred$s scores=scores$s scores2=scores2$s dlq=dlq$s
fc=fc$s fc2=fc2$s ev=ev$s ev2=ev2$s
case $mode in
  embedded) eddy_start_broker --topics "$obs,$feat,$pred,$scores,$scores2,$dlq,$fc,$fc2,$ev,$ev2" ;;
  kafka) it_need_kafka ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
common=(-X session.timeout.ms=6000 --deadletter-topic "$dlq" --http 127.0.0.1:0)
models=(linear snaive holt_winters)
# every decision waits for the three learners (as deploy/stages.sh does), so
# the champion does not depend on which learner the evaluator hears first
wait_models=(--champion-models "$(IFS=,; echo "${models[*]}")")
check=$root/tests/integration/evaluate_check.py
cat_() { "$(eddy_bin eddy-cat)" -X isolation.level=read_committed --topic "$@" 2>/dev/null; }

eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" --group "features$s"
for m in "${models[@]}"; do
  eddy_start "learn-$m" eddy-learn "${common[@]}" --model "$m" --input "$feat" --output "$pred" \
    --group "learn-$m$s"
done
eddy_start evaluate eddy-evaluate "${common[@]}" "${wait_models[@]}" --input "$pred" \
  --output "$scores" --group "eval$s" --forecasts "$fc" --events "$ev"
# The second evaluator, killed mid-run below: small transactions.
ev2_args=(--input "$pred" --output "$scores2" --forecasts "$fc2" --events "$ev2" --group "eval2$s"
  "${wait_models[@]}")
eddy_start eval2 eddy-evaluate "${common[@]}" "${ev2_args[@]}" --batch-size 20 \
  --transactional-id "eval2$s"
"$(eddy_bin eddy-ingest)" --topic "$obs" --deadletter-topic "$dlq" --series-id airpassengers \
  --rate 100 "$data" 2>"$EDDY_RUN/ingest.log" &
ingest_pid=$!

# eval2 is killed with SIGKILL three times at random points while the
# predictions are still arriving: each time once its restarted self has
# committed scores beyond the previous kill's, after a random 0-499 ms more.
scores2_n() { { cat_ "$scores2" || true; } | wc -l; }
it_kill_randomly 3 500 $((rows * ${#models[@]})) scores2_n eval2 eddy-evaluate "${common[@]}" \
  "${ev2_args[@]}" --batch-size 20 --transactional-id "eval2$s"
ok "eval2 killed with SIGKILL 3 times (after N committed scores + a random delay: ${kill_points[*]}) of $((rows * ${#models[@]})), restarted each time"
wait $ingest_pid || fail "eddy-ingest exited non-zero"

# Done when the latest score of every model is the last step, in both.
eddy_wait_scores "$scores" $((rows - 1)) 60 "${models[@]}" ||
  fail "the scores did not reach seq $((rows - 1)) for every model"
eddy_wait_scores "$scores2" $((rows - 1)) 30 "${models[@]}" ||
  fail "the restarted evaluator did not finish"

cat_ "$pred" >"$EDDY_RUN/pred.jsonl"
cat_ "$scores" >"$EDDY_RUN/scores.jsonl"
cat_ "$scores2" >"$EDDY_RUN/scores2.jsonl"
[ "$(wc -l <"$EDDY_RUN/pred.jsonl")" = $((rows * ${#models[@]})) ] || fail "predictions missing"
python3 "$check" "$EDDY_RUN/pred.jsonl" "$EDDY_RUN/scores.jsonl" --expect-mae linear=38.8623 ||
  fail "scores differ from the direct computation"
python3 "$check" --same "$EDDY_RUN/scores.jsonl" "$EDDY_RUN/scores2.jsonl" ||
  fail "the evaluator killed mid-run ends with other scores"
for t in "$fc" "$ev" "$fc2" "$ev2"; do cat_ "$t" >"$EDDY_RUN/$t.jsonl"; done
champ=$root/tests/integration/champion_check.py
python3 "$champ" show "$EDDY_RUN/$ev.jsonl" "$EDDY_RUN/$fc.jsonl"
grep -q '"kind": *"initial"' "$EDDY_RUN/$ev.jsonl" || fail "no initial champion decision"
[ -s "$EDDY_RUN/$fc.jsonl" ] || fail "no served forecast"
# The latest served forecast is the combination its record names: the
# weighted sum of the named models' forecasts made after its step (their
# Predictions), the champion first, weights summing to 1.
python3 - "$EDDY_RUN/$fc.jsonl" "$EDDY_RUN/pred.jsonl" <<'PY' || fail "the served forecast is not the combination its record names"
import json, sys
fc = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
preds = {(p["model"], p["seq"]): p for p in map(json.loads, open(sys.argv[2])) if p}
names, w = fc["combination"].split("/"), fc["combination_weights"]
assert names[0] == fc["model"] and len(names) == len(w) >= 2, fc
assert abs(sum(w) - 1) < 1e-12 and all(0 < x < 1 for x in w), w
for h, v in enumerate(fc["forecast"]):
    want = sum(x * preds[(m, fc["seq"])]["forecast"][h] for m, x in zip(names, w))
    assert abs(v - want) <= 1e-9 * abs(want), (h, v, want)
print(f"ok: served at step {fc['seq']}: {' + '.join(f'{x:.3f} x {m}' for m, x in zip(names, w))}")
PY
! grep -q 'no --champion-models' "$EDDY_RUN/evaluate.log" ||
  fail "eddy-evaluate warned about --champion-models although it was given"
dedupe=""
[ "$mode" = embedded ] && dedupe=--dedupe
python3 "$champ" same "$EDDY_RUN/$ev.jsonl" "$EDDY_RUN/$ev2.jsonl" "$EDDY_RUN/$fc.jsonl" \
  "$EDDY_RUN/$fc2.jsonl" $dedupe || fail "the evaluator killed mid-run ends with other champion outputs"

# The embedded broker drops transactional offset commits (README), so there
# a restart replays from the start (rebuilding the state, as the latest
# scores above show); only a real broker commits each score exactly once.
if [ "$mode" = kafka ]; then
  grep -q "msg=\"output topic created\" topic=$scores partitions=4 cleanup.policy=compact" \
    "$EDDY_RUN/evaluate.log" || fail "the scores topic was not created compacted"
  ok "eddy-evaluate created '$scores' compacted"
  n=$(grep -c '"seq":' "$EDDY_RUN/scores2.jsonl")
  [ "$n" = $((rows * ${#models[@]})) ] ||
    fail "the killed evaluator committed $n scores, not $((rows * ${#models[@]})): a batch twice or lost"
  ok "the killed evaluator committed exactly one score per prediction"
  eddy_stop eval2 || fail "eval2 did not stop cleanly"
  "$kafka" tool consumer-groups --group "eval2$s" --topic "$pred" --reset-offsets --to-earliest \
    --execute >/dev/null || fail "reset-offsets"
  eddy_start eval2 eddy-evaluate "${common[@]}" "${ev2_args[@]}" \
    --transactional-id "eval2$s" --exit-idle 3s
  wait "$(cat "$EDDY_RUN/eval2.pid")" || fail "the replaying evaluator exited non-zero"
  rm -f "$EDDY_RUN/eval2.pid"
  grep -q 'rebuilding=[1-9]' "$EDDY_RUN/eval2.log" || fail "the replay did not notice its state was ahead"
  cat_ "$scores2" >"$EDDY_RUN/scores2.jsonl"
  python3 "$check" --same "$EDDY_RUN/scores.jsonl" "$EDDY_RUN/scores2.jsonl" ||
    fail "the replayed scores differ"
  for t in "$fc2" "$ev2"; do cat_ "$t" >"$EDDY_RUN/$t.jsonl"; done
  # The replay re-derives the model-events (a log: the same decisions again,
  # in the same order) and the latest served forecasts are the same.
  python3 "$champ" same "$EDDY_RUN/$ev.jsonl" "$EDDY_RUN/$ev2.jsonl" "$EDDY_RUN/$fc.jsonl" \
    "$EDDY_RUN/$fc2.jsonl" --replayed || fail "the replay changed the champion outputs"
  ok "replay after --reset-offsets --to-earliest: the same latest scores and served forecasts, the same model-events again"
fi

python3 "$root/scripts/lib/scores.py" table "$EDDY_RUN/scores.jsonl"
eddy_stop_all || fail "a stage did not stop cleanly on SIGTERM"
ok "every stage exited 0 on SIGTERM"
