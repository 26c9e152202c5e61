# Shared shell functions for running eddy's programs as processes: used by
# scripts/demo.sh and the integration tests, so both run the same commands.
# Source it; it expects $EDDY_BIN (the build tree) and $EDDY_RUN (a scratch
# directory for logs and pid files).

eddy_bin() { # name -> path of the built program
  case "$1" in
    eddy-broker) echo "$EDDY_BIN/tools/broker/eddy-broker" ;;
    eddy-ingest) echo "$EDDY_BIN/producers/ingest/eddy-ingest" ;;
    eddy-features) echo "$EDDY_BIN/processors/features/eddy-features" ;;
    eddy-learn) echo "$EDDY_BIN/processors/learn/eddy-learn" ;;
    eddy-evaluate) echo "$EDDY_BIN/processors/evaluate/eddy-evaluate" ;;
    eddy-metrics) echo "$EDDY_BIN/sinks/metrics/eddy-metrics" ;;
    eddy-cat) echo "$EDDY_BIN/sinks/cat/eddy-cat" ;;
    eddy-bench) echo "$EDDY_BIN/bench/pipeline/eddy-bench" ;;
    eddy-ctl) echo "$EDDY_BIN/tools/ctl/eddy-ctl" ;;
    *) echo "unknown program $1" >&2; return 1 ;;
  esac
}

# eddy_start NAME PROGRAM ARGS...: runs PROGRAM in the background (under
# $EDDY_WRAP, e.g. valgrind, when set), logs to $EDDY_RUN/NAME.log.
eddy_start() {
  local name=$1 prog=$2
  shift 2
  # shellcheck disable=SC2086
  $EDDY_WRAP "$(eddy_bin "$prog")" "$@" >"$EDDY_RUN/$name.out" 2>"$EDDY_RUN/$name.log" &
  echo $! >"$EDDY_RUN/$name.pid"
}

# eddy_start_broker: starts the embedded broker; sets EDDY_BOOTSTRAP.
eddy_start_broker() {
  rm -f "$EDDY_RUN/bootstrap"
  "$(eddy_bin eddy-broker)" --bootstrap-file "$EDDY_RUN/bootstrap" "$@" \
    >"$EDDY_RUN/broker.out" 2>"$EDDY_RUN/broker.log" &
  echo $! >"$EDDY_RUN/broker.pid"
  for _ in $(seq 100); do
    [ -s "$EDDY_RUN/bootstrap" ] && break
    sleep 0.1
  done
  [ -s "$EDDY_RUN/bootstrap" ] || { cat "$EDDY_RUN/broker.log" >&2; return 1; }
  EDDY_BOOTSTRAP=$(cat "$EDDY_RUN/bootstrap")
  export EDDY_BOOTSTRAP
}

# eddy_stop NAME [TIMEOUT]: SIGTERM, wait for a clean exit; returns its status.
eddy_stop() {
  local name=$1 timeout=${2:-30} pid rc=0
  [ -f "$EDDY_RUN/$name.pid" ] || return 0
  pid=$(cat "$EDDY_RUN/$name.pid")
  rm -f "$EDDY_RUN/$name.pid"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq $((timeout * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "eddy: $name did not stop within ${timeout}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
    rc=1
  fi
  wait "$pid" 2>/dev/null || rc=$?
  return $rc
}

# eddy_stop_all: stops every stage started from $EDDY_RUN, the broker last.
eddy_stop_all() {
  local f name rc=0
  for f in "$EDDY_RUN"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    [ "$name" = broker ] && continue
    eddy_stop "$name" || rc=1
  done
  eddy_stop broker || rc=1
  return $rc
}

# eddy_http_port NAME: the port a stage logged ("serving HTTP ... port=N").
eddy_http_port() {
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*msg="serving HTTP" port=\([0-9]*\).*/\1/p' "$EDDY_RUN/$1.log" 2>/dev/null | tail -n1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  echo "$port"
}

# eddy_metric URL NAME LABELS: the value of one sample, or empty.
eddy_metric() {
  { curl -fsS "$1" 2>/dev/null || true; } | awk -v n="$2" -v l="$3" '$1 == n "{" l "}" { print $2 }'
}

# eddy_check_alive: fails, showing its log, if a started stage has exited.
eddy_check_alive() {
  local f name
  for f in "$EDDY_RUN"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    if ! kill -0 "$(cat "$f")" 2>/dev/null; then
      echo "eddy: $name exited unexpectedly; the end of its log:" >&2
      tail -n 15 "$EDDY_RUN/$name.log" >&2
      return 1
    fi
  done
}

# eddy_wait_predictions URL COUNT TIMEOUT MODEL...: waits until the sink at
# URL (its /metrics) has COUNT predictions of every MODEL.
eddy_wait_predictions() {
  local url=$1 count=$2 timeout=$3 m v done_all
  shift 3
  for _ in $(seq $((timeout * 5))); do
    eddy_check_alive || return 1
    done_all=1
    for m in "$@"; do
      v=$(eddy_metric "$url" ml_model_predictions_total "model=\"$m\",series=\"_all\"")
      [ "${v:-0}" = "$count" ] || { done_all=0; break; }
    done
    [ $done_all = 1 ] && return 0
    sleep 0.2
  done
  echo "eddy: timed out after ${timeout}s waiting for $count predictions per model at $url" >&2
  for m in "$@"; do
    echo "  $m: $(eddy_metric "$url" ml_model_predictions_total "model=\"$m\",series=\"_all\"")" >&2
  done
  return 1
}

# eddy_wait_scores TOPIC LAST TIMEOUT MODEL...: waits until the compacted
# scores TOPIC (eddy-evaluate's output, read_committed) holds, for every
# MODEL, a latest score of step LAST; leaves the records in $EDDY_RUN/scores.jsonl.
eddy_wait_scores() {
  local topic=$1 last=$2 timeout=$3
  shift 3
  for _ in $(seq $((timeout * 2))); do
    eddy_check_alive || return 1
    "$(eddy_bin eddy-cat)" -X isolation.level=read_committed --topic "$topic" \
      >"$EDDY_RUN/scores.jsonl" 2>/dev/null || true
    python3 "$(dirname "${BASH_SOURCE[0]}")/scores.py" done "$EDDY_RUN/scores.jsonl" \
      "$last" "$@" && return 0
    sleep 0.5
  done
  echo "eddy: timed out after ${timeout}s waiting for the scores of step $last in '$topic'" >&2
  return 1
}
