#!/usr/bin/env bash
# The whole pipeline on the seed's 744-row dataset: ingest -> features ->
# one learner per model -> evaluator + metrics sink; prints the leaderboard
# and the per-horizon MAE table (from the scores topic), then stops.
#
#   scripts/demo.sh                      # on the embedded broker
#   EDDY_BOOTSTRAP=host:9092 scripts/demo.sh   # on your Kafka
#
# Environment: EDDY_METRICS_PORT (eddy-metrics' default port), EDDY_DEMO_RATE
# (records/s, 0 = flat out), EDDY_DEMO_KEEP=1 (keep running until Ctrl-C),
# EDDY_WRAP (a command prefix for every stage, e.g. "valgrind --leak-check=full").
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

port=${EDDY_METRICS_PORT:-}
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
# The stages, their programs and flags: deploy/stages.sh, the one definition
# docker-compose.yml and k8s/ are generated from (deploy/gen.sh).
# shellcheck source=../deploy/stages.sh
. "$root/deploy/stages.sh"
EDDY_TOPIC_SUFFIX=$suffix
port=${port:-$(eddy_stage_port metrics)}
models=("${EDDY_MODELS[@]}")
obs=$(eddy_topic observations)

for s in $(eddy_stage_names); do
  http=127.0.0.1:0
  [ "$s" = metrics ] && http=127.0.0.1:$port
  eddy_stage_argv "$s" "$http"
  eddy_start "$s" "$EDDY_PROG" "${EDDY_ARGV[@]}"
done

echo "eddy: ingesting $rows rows of $(basename "$data") into '$obs'; models: ${models[*]}"
EDDY_INGEST_RATE=${EDDY_DEMO_RATE:-0} EDDY_INGEST_DATA=$data eddy_stage_argv ingest
"$(eddy_bin "$EDDY_PROG")" "${EDDY_ARGV[@]}" 2>"$EDDY_RUN/ingest.log" ||
  { cat "$EDDY_RUN/ingest.log" >&2; exit 1; }

# On your own Kafka: what this run created, and how to restart one learner
# by hand on the same topics and group (it resumes from its committed
# offsets and changelog state).
print_own_kafka() {
  local t s m=${models[0]}
  echo "eddy: on $EDDY_BOOTSTRAP this run uses"
  for t in observations features predictions deadletter; do
    printf '  topic  %s\n' "$(eddy_topic "$t")"
  done
  for s in $(eddy_stage_names); do
    printf '  group  %-36s (state topic %s-state)\n' "$(eddy_stage_group "$s")" "$(eddy_stage_group "$s")"
  done
  eddy_stage_argv "learn-$m" 127.0.0.1:0
  echo "eddy: restart the $m learner (after stopping it) with:"
  printf '  %q --bootstrap %q' "$(eddy_bin "$EDDY_PROG")" "$EDDY_BOOTSTRAP"
  printf ' %q' "${EDDY_ARGV[@]}"
  printf '\n'
}

url="http://127.0.0.1:$port"
eddy_wait_predictions "$url/metrics" "$rows" 180 "${models[@]}"
echo
echo "Leaderboard (prequential: every prediction made before its target was learned)"
curl -fsS "$url/leaderboard.txt"
echo
eddy_wait_scores "$(eddy_topic scores)" $((rows - 1)) 60 "${models[@]}"
echo
echo "Per-horizon MAE (eddy-evaluate: each forecast scored once against its later truth; topic $(eddy_topic scores))"
python3 "$root/scripts/lib/scores.py" table "$EDDY_RUN/scores.jsonl"
echo
echo "Served forecast (eddy-evaluate's champion per series, combined with the models that erred least lately: $url/forecast?series=X; topics $(eddy_topic forecasts), $(eddy_topic model-events))"
python3 "$root/scripts/lib/served.py" "$url" $((rows - 1)) 60 || true
echo
echo "Metrics: $url/metrics   Status: $url/   Forecasts: $url/forecasts"
[ -z "$suffix" ] || print_own_kafka
if [ "${EDDY_DEMO_KEEP:-0}" = 1 ]; then
  echo "eddy: running until Ctrl-C (logs in $EDDY_RUN)"
  while sleep 3600; do :; done
fi
echo "eddy: stopping the stages now; to keep them (and these URLs) running, run EDDY_DEMO_KEEP=1 scripts/demo.sh (Ctrl-C stops)"
eddy_stop_all
trap - EXIT
printf 'eddy: demo finished in %.1f s (logs in %s)\n' "$(echo "$(date +%s.%N) - $start_s" | bc)" "$EDDY_RUN"
