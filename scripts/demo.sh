#!/usr/bin/env bash
# The whole pipeline on the seed's 744-row dataset: ingest -> features ->
# one learner per model -> metrics sink; prints the leaderboard, then stops.
#
#   scripts/demo.sh                      # on the embedded broker
#   EDDY_BOOTSTRAP=host:9092 scripts/demo.sh   # on your Kafka
#
# Environment: EDDY_METRICS_PORT (9100), EDDY_DEMO_RATE (records/s, 0 = flat
# out), EDDY_DEMO_KEEP=1 (keep running until Ctrl-C), EDDY_WRAP (a command
# prefix for every stage, e.g. "valgrind --leak-check=full").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
start_s=$(date +%s.%N)

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

export EDDY_BIN=${EDDY_BUILD_DIR:-$root/build}
export EDDY_RUN=${EDDY_RUN:-$EDDY_BIN/demo}
export EDDY_WRAP=${EDDY_WRAP:-}
rm -rf "$EDDY_RUN" && mkdir -p "$EDDY_RUN"
# shellcheck source=lib/pipeline.sh
. "$root/scripts/lib/pipeline.sh"

port=${EDDY_METRICS_PORT:-9100}
data=${EDDY_DEMO_DATA:-$root/data/airpassengers-extended.csv}
rows=$(grep -c -v -e '^input' -e '^[[:space:]]*$' "$data")
trap 'eddy_stop_all || true' EXIT

suffix=""
if [ -z "${EDDY_BOOTSTRAP:-}" ]; then
  eddy_start_broker
  echo "eddy: embedded broker at $EDDY_BOOTSTRAP (development only)"
else
  # On a shared Kafka every run gets its own topics and groups.
  suffix="-demo-$(date +%s)"
  echo "eddy: using Kafka at $EDDY_BOOTSTRAP (topics end in $suffix)"
fi
common=(-X session.timeout.ms=6000)
obs=observations$suffix feat=features$suffix pred=predictions$suffix dlq=deadletter$suffix

eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" \
  --deadletter-topic "$dlq" --group "eddy-features$suffix" --http 127.0.0.1:0
mapfile -t models < <("$(eddy_bin eddy-learn)" --list-models | awk '{print $1}')
for m in "${models[@]}"; do
  eddy_start "learn-$m" eddy-learn "${common[@]}" --model "$m" --input "$feat" \
    --output "$pred" --deadletter-topic "$dlq" --group "eddy-learn-$m$suffix" \
    --http 127.0.0.1:0
done
eddy_start metrics eddy-metrics "${common[@]}" --input "$pred" --deadletter-topic "$dlq" \
  --group "eddy-metrics$suffix" --http "127.0.0.1:$port"

echo "eddy: ingesting $rows rows of $(basename "$data") into '$obs'; models: ${models[*]}"
"$(eddy_bin eddy-ingest)" --topic "$obs" --deadletter-topic "$dlq" --series-id airpassengers \
  --rate "${EDDY_DEMO_RATE:-0}" "$data" 2>"$EDDY_RUN/ingest.log" ||
  { cat "$EDDY_RUN/ingest.log" >&2; exit 1; }

url="http://127.0.0.1:$port"
eddy_wait_predictions "$url/metrics" "$rows" 180 "${models[@]}"
echo
echo "Leaderboard (prequential: every prediction made before its target was learned)"
curl -fsS "$url/leaderboard.txt"
echo
echo "Metrics: $url/metrics   Status: $url/   Forecasts: $url/forecasts"
if [ "${EDDY_DEMO_KEEP:-0}" = 1 ]; then
  echo "eddy: running until Ctrl-C (logs in $EDDY_RUN)"
  while sleep 3600; do :; done
fi
eddy_stop_all
trap - EXIT
printf 'eddy: demo finished in %.1f s (logs in %s)\n' "$(echo "$(date +%s.%N) - $start_s" | bc)" "$EDDY_RUN"
