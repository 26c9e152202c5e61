#!/usr/bin/env bash
# The live served forecast is the offline one (label kafka): USAccDeaths (72
# monthly rows, data/public/) through eddy-ingest -> eddy-features -> four
# eddy-learn (holt_winters_auto snaive_drift rls knn) -> eddy-evaluate on the
# real broker, beside `eddy-accuracy --served --dump --served-dump`, which
# runs the same learners' and evaluator's pure cores in lockstep on the CSV.
# Two evaluators read the same predictions, each with --champion-models
# naming the four (every step decided with all of them, as offline):
#
#   default   every default (the champion stays holt_winters_auto here)
#   window12  --champion-window 12 (offline: --set window=12): two changes
#             of champion, so the served forecast follows promotions too
#
# Asserts, per evaluator (champion_check.py served-same): every model's
# target and forecast[0] at each step equal the offline ones (the learners
# saw the same lags), every Forecast on the forecasts topic (read_committed,
# in order) has the offline seq, champion and items bit for bit, and the
# served h=1 MAE over the topics equals the offline one (and the figures
# eddy-accuracy prints). Event times differ (the CSV's calendar months live,
# 30-day steps offline) and are not compared: no model or decision uses them.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" served
it_need_kafka

data=$root/data/public/USAccDeaths.csv
series=USAccDeaths # the series id eddy-accuracy gives the file
rows=$(($(wc -l <"$data") - 1))
models=(holt_winters_auto snaive_drift rls knn)
s="-sv-$$-$(date +%s)"
obs=obs$s feat=feat$s pred=pred$s dlq=dlq$s
common=(-X session.timeout.ms=6000 --deadletter-topic "$dlq" --http 127.0.0.1:0)
check=$root/tests/integration/champion_check.py
cat_() { "$(eddy_bin eddy-cat)" -X isolation.level=read_committed --topic "$1" 2>/dev/null; }
list=$(
  IFS=,
  echo "${models[*]}"
)

eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" \
  --group "features$s"
for m in "${models[@]}"; do
  eddy_start "learn-$m" eddy-learn "${common[@]}" --model "$m" --input "$feat" \
    --output "$pred" --group "learn-$m$s"
done
declare -A offline=([default]="" [window12]="--set window=12")
declare -A live=([default]="" [window12]="--champion-window 12")
for e in default window12; do
  # shellcheck disable=SC2086 # the options are words
  eddy_start "evaluate-$e" eddy-evaluate "${common[@]}" --input "$pred" \
    --output "scores-$e$s" --forecasts "fc-$e$s" --events "ev-$e$s" --control off \
    --group "eval-$e$s" --champion-models "$list" ${live[$e]}
done
"$(eddy_bin eddy-ingest)" --topic "$obs" --deadletter-topic "$dlq" --series-id "$series" \
  "$data" 2>"$EDDY_RUN/ingest.log" || fail "eddy-ingest"

# Done when every prediction is committed and each evaluator has served the
# forecast made at the last step.
last=$((rows - 1))
for _ in $(seq 120); do
  cat_ "$pred" >"$EDDY_RUN/pred.jsonl" || true
  n=0
  for e in default window12; do
    cat_ "fc-$e$s" >"$EDDY_RUN/fc-$e.jsonl" || true
    grep -q "\"seq\": *$last," "$EDDY_RUN/fc-$e.jsonl" && n=$((n + 1))
  done
  [ "$n" = 2 ] && [ "$(wc -l <"$EDDY_RUN/pred.jsonl")" = $((rows * ${#models[@]})) ] && break
  eddy_check_alive || fail "a stage died"
  sleep 0.5
done
[ "$n" = 2 ] || fail "the evaluators did not serve the forecast of step $last within 60 s"
ok "$((rows * ${#models[@]})) predictions, and both evaluators served step $last"

for e in default window12; do
  # shellcheck disable=SC2086
  "$EDDY_BIN/models/eddy-accuracy" --served ${offline[$e]} --dump --served-dump "$data" \
    -- "${models[@]}" >"$EDDY_RUN/offline-$e.txt" || fail "eddy-accuracy --served ($e)"
  echo "$e: offline $(tail -n 1 "$EDDY_RUN/offline-$e.txt")"
  python3 "$check" served-same "$EDDY_RUN/offline-$e.txt" "$EDDY_RUN/pred.jsonl" \
    "$EDDY_RUN/fc-$e.jsonl" "${models[@]}" || fail "$e: the live served forecasts differ from eddy-accuracy --served"
  ok "$e: the live served forecasts are eddy-accuracy --served's, bit for bit"
done
eddy_stop_all || fail "a stage did not stop cleanly on SIGTERM"
ok "every stage exited 0 on SIGTERM"
