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
#                  1 when the log ends with a transaction marker, one offset
#                  past the last record; 0 otherwise), SECONDS at most; fail
#                  when a started program died or it did not finish
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

it_wait_group_done() {
  local desc="" n=0
  for _ in $(seq $(($5 * 2))); do
    desc=$("$kafka" tool consumer-groups --describe --group "$1" 2>/dev/null || true)
    n=$(echo "$desc" | awk -v t="$2" -v k="$4" '$2 == t && $4 != "-" && $4 + k >= $5 {n++} END {print n+0}')
    [ "$n" = "$3" ] && return 0
    eddy_check_alive || fail "a stage died"
    sleep 0.5
  done
  fail "group $1 did not finish $2: $desc"
}

it_exit() {
  [ -z "${prom_pid:-}" ] || kill "$prom_pid" 2>/dev/null || true
  eddy_stop_all || true
  if declare -F it_cleanup >/dev/null; then it_cleanup || true; fi
  [ "${EDDY_KEEP_RUN:-0}" = 1 ] || rm -rf "$EDDY_RUN"
}
trap it_exit EXIT
