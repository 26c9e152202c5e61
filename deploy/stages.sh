# The one definition of eddy's pipeline: which stages run, with which program,
# topics, consumer groups and flags. Sourced (bash) by scripts/demo.sh, which
# runs the stages as processes, and by deploy/gen.sh, which writes the
# docker-compose.yml services, the Prometheus scrape targets for compose and
# the Kubernetes Deployments/ScaledObjects from it. Change a stage here, run
# deploy/gen.sh, and the demo, the tests that run the demo, compose and
# Kubernetes all change together (scripts/validate-deploy.sh fails while the
# generated files are stale).
#
# Inputs (all optional):
#   EDDY_TOPIC_SUFFIX   appended to every topic and group name (the demo's
#                       per-run names on a shared Kafka); default none
#   EDDY_INGEST_RATE    records per second of the ingest stage (0 = flat out)
#   EDDY_INGEST_DATA    the CSV the ingest stage replays
# shellcheck shell=bash

# One learner per model: must equal `eddy-learn --list-models` (checked by
# scripts/validate-deploy.sh against the built program).
EDDY_MODELS=(linear ridge lasso knn snaive holt_winters rls bagging hoeffding_tree amf)

# Partitions of every pipeline topic: the most replicas any stage can use.
EDDY_PARTITIONS=4

# Flags every consuming stage gets.
EDDY_COMMON_ARGS=(-X session.timeout.ms=6000)

# The series id of the seed dataset.
EDDY_SERIES_ID=airpassengers

# eddy_stage_names: every long-running stage, in start order.
eddy_stage_names() {
  local m
  echo features
  for m in "${EDDY_MODELS[@]}"; do echo "learn-$m"; done
  echo metrics
}

# eddy_stage_port NAME: the stage's default HTTP port (/metrics, /healthz, /readyz).
eddy_stage_port() {
  case "$1" in
    features) echo 9101 ;;
    learn-*) echo 9102 ;;
    metrics) echo 9100 ;;
    *) return 1 ;;
  esac
}

# eddy_topic NAME: observations|features|predictions|deadletter with the suffix.
eddy_topic() { echo "$1${EDDY_TOPIC_SUFFIX:-}"; }

# eddy_stage_group NAME: the stage's consumer group (its state topic is
# "<group>-state", the programs' default).
eddy_stage_group() { echo "eddy-$1${EDDY_TOPIC_SUFFIX:-}"; }

# eddy_state_topics: the compacted changelog topics of every stage.
eddy_state_topics() {
  local s
  for s in $(eddy_stage_names); do echo "$(eddy_stage_group "$s")-state"; done
}

# eddy_stage_argv NAME [HTTP]: sets EDDY_PROG (program name) and EDDY_ARGV
# (its arguments) for stage NAME (features, learn-MODEL, metrics or ingest).
# HTTP overrides the listen address (default 0.0.0.0:<eddy_stage_port>).
eddy_stage_argv() {
  local name=$1 http=${2:-}
  local obs feat pred dlq
  obs=$(eddy_topic observations) feat=$(eddy_topic features)
  pred=$(eddy_topic predictions) dlq=$(eddy_topic deadletter)
  [ -n "$http" ] || [ "$name" = ingest ] || http=0.0.0.0:$(eddy_stage_port "$name")
  case "$name" in
    features)
      EDDY_PROG=eddy-features
      EDDY_ARGV=("${EDDY_COMMON_ARGS[@]}" --input "$obs" --output "$feat"
        --deadletter-topic "$dlq" --group "$(eddy_stage_group "$name")" --http "$http")
      ;;
    learn-*)
      EDDY_PROG=eddy-learn
      EDDY_ARGV=("${EDDY_COMMON_ARGS[@]}" --model "${name#learn-}" --input "$feat"
        --output "$pred" --deadletter-topic "$dlq" --group "$(eddy_stage_group "$name")"
        --http "$http")
      ;;
    metrics)
      EDDY_PROG=eddy-metrics
      EDDY_ARGV=("${EDDY_COMMON_ARGS[@]}" --input "$pred" --deadletter-topic "$dlq"
        --group "$(eddy_stage_group "$name")" --http "$http")
      ;;
    ingest)
      EDDY_PROG=eddy-ingest
      EDDY_ARGV=(--topic "$obs" --deadletter-topic "$dlq" --series-id "$EDDY_SERIES_ID"
        --rate "${EDDY_INGEST_RATE:-0}" "${EDDY_INGEST_DATA:-data/airpassengers-extended.csv}")
      ;;
    *)
      echo "eddy: unknown stage $name" >&2
      return 1
      ;;
  esac
}
