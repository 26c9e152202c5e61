# tests/integration/lib.sh: the preamble the integration tests share. Source
# it right after `set -euo pipefail`:
#
#   . "$(dirname "$0")/lib.sh" NAME
#
# It sets root (the source tree) and kafka (scripts/kafka.sh), requires
# EDDY_BIN (the build tree), makes a fresh EDDY_RUN scratch directory
# (eddy-NAME.XXXXXX, kept when EDDY_KEEP_RUN=1), sources
# scripts/lib/pipeline.sh, and defines:
#   it_need_kafka  skip (exit 77) unless EDDY_TEST_BOOTSTRAP names a real
#                  broker, which then becomes EDDY_BOOTSTRAP
#   fail MSG       print MSG and the tail of every log in EDDY_RUN, exit 1
#   ok MSG         print "ok: MSG"
#   it_prometheus PORT  start a real Prometheus scraping 127.0.0.1:PORT every
#                  second; sets prom_port and prom_pid (stopped on exit)
#   it_wait_group_done GROUP TOPIC PARTITIONS SLACK SECONDS  wait until GROUP
#                  has committed the end of each of TOPIC's PARTITIONS (SLACK
#                  0: the log end; txn: one past the last record a
#                  read_committed reader gets, for a log written in
#                  transactions, which ends with one commit marker or more:
#                  the broker may write a batch's marker after the next
#                  batch's records), SECONDS at most; fail when a started
#                  program died or it did not finish
#   it_kill_randomly KILLS MAX_MS TOTAL COUNT_FN NAME PROGRAM ARGS...
#                  kill NAME (started with eddy_start NAME PROGRAM ARGS...)
#                  with SIGKILL KILLS times and restart it each time: each
#                  kill once COUNT_FN prints more than at the kill before,
#                  after a random 0..MAX_MS-1 ms more; fail when a kill is
#                  not mid-run (COUNT_FN at TOTAL); sets kill_points to
#                  "COUNT+DELAYms" per kill
# On exit every started program is stopped, then it_cleanup runs when the
# test defines one.
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kafka=$root/scripts/kafka.sh
export EDDY_BIN=${EDDY_BIN:?set EDDY_BIN to the build tree}
export EDDY_RUN
EDDY_RUN=$(mktemp -d "${TMPDIR:-/tmp}/eddy-${1:?usage: . lib.sh NAME}.XXXXXX")
export EDDY_WRAP=${EDDY_WRAP:-}
# shellcheck source=../../scripts/lib/pipeline.sh
. "$root/scripts/lib/pipeline.sh"

it_need_kafka() {
  [ -n "${EDDY_TEST_BOOTSTRAP:-}" ] ||
    { echo "EDDY_TEST_BOOTSTRAP is not set: start scripts/kafka.sh"; exit 77; }
  export EDDY_BOOTSTRAP=$EDDY_TEST_BOOTSTRAP
}

fail() {
  local f
  echo "FAIL: $*" >&2
  for f in "$EDDY_RUN"/*.log; do
    [ -e "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
  done
  exit 1
}

ok() { echo "ok: $*"; }

it_prometheus() {
  prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$EDDY_RUN/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: eddy-metrics
    static_configs: [{targets: ['127.0.0.1:$1']}]
YML
  prometheus --config.file="$EDDY_RUN/prometheus.yml" --storage.tsdb.path="$EDDY_RUN/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" >"$EDDY_RUN/prometheus.log" 2>&1 &
  prom_pid=$!
}

# The offset after the last record of TOPIC partition P that a
# read_committed reader gets (0: none), from the tail of the partition.
it_committed_end() {
  local o="" from
  for from in -100 beginning; do # the last 100 offsets may all be markers
    [ -n "$o" ] || o=$(kcat -C -b "$EDDY_BOOTSTRAP" -t "$1" -p "$2" -o "$from" -e -q \
      -X isolation.level=read_committed -f '%o\n' 2>/dev/null | tail -n 1)
  done
  echo $((${o:--1} + 1))
}

it_wait_group_done() {
  local desc="" n=0 ends="" p
  if [ "$4" = txn ]; then
    for p in $(seq 0 $(($3 - 1))); do ends="$ends $p=$(it_committed_end "$2" "$p")"; done
  fi
  for _ in $(seq $(($5 * 2))); do
    desc=$("$kafka" tool consumer-groups --describe --group "$1" 2>/dev/null || true)
    n=$(echo "$desc" | awk -v t="$2" -v k="$4" -v ends="$ends" '
      BEGIN { m = split(ends, e, " "); for (i = 1; i <= m; i++) { split(e[i], kv, "="); end[kv[1]] = kv[2] } }
      $2 == t && $4 != "-" && ((k == "txn" && $4 >= end[$3]) || (k != "txn" && $4 + k >= $5)) {n++}
      END {print n+0}')
    [ "$n" = "$3" ] && return 0
    eddy_check_alive || fail "a stage died"
    sleep 0.5
  done
  fail "group $1 did not finish $2 (read_committed ends:$ends): $desc"
}

it_exit() {
  [ -z "${prom_pid:-}" ] || kill "$prom_pid" 2>/dev/null || true
  eddy_stop_all || true
  if declare -F it_cleanup >/dev/null; then it_cleanup || true; fi
  [ "${EDDY_KEEP_RUN:-0}" = 1 ] || rm -rf "$EDDY_RUN"
}
trap it_exit EXIT

it_kill_randomly() {
  local kills=$1 max_ms=$2 total=$3 count_fn=$4 name=$5 k last before=0 delay
  shift 5
  kill_points=()
  for k in $(seq "$kills"); do
    last=$before
    for _ in $(seq 300); do
      before=$("$count_fn")
      [ "$before" -gt "$last" ] && break
      sleep 0.1
    done
    delay=$((RANDOM % max_ms))
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -KILL "$(cat "$EDDY_RUN/$name.pid")"
    wait "$(cat "$EDDY_RUN/$name.pid")" 2>/dev/null || true
    [ "$before" -gt "$last" ] && [ "$before" -lt "$total" ] ||
      fail "kill $k of $name: not mid-run ($before of $total committed, $last at the kill before)"
    kill_points+=("$before+${delay}ms")
    eddy_start "$name" "$@"
  done
}
