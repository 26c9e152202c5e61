#!/usr/bin/env bash
# A transaction left open on a stage's input, on the real broker
# ($EDDY_TEST_BOOTSTRAP), and the gauges that show it (runtime/lso.h):
#   1. eddy-features reads a one-partition topic; 24 observations flow;
#      eddy_stage_input_unstable_records is 0 and the last stable offset
#      (LSO) equals the log's end;
#   2. open_txn writes one record in a transaction it never ends, then 12
#      more observations arrive behind it: the LSO stays at the open record's
#      offset, 13 records are unstable, and the stage outputs nothing of
#      them (read_committed stops at the LSO);
#   3. the broker aborts the transaction at its timeout (15 s): the LSO
#      moves to the end, nothing is unstable, and the 12 observations are
#      processed.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" lso
it_need_kafka
export EDDY_WRAP=""
s="-lso-$$-$(date +%s)"
obs=obs$s out=out$s dlq=dlq$s
"$kafka" tool topics --create --topic "$obs" --partitions 1 --replication-factor 1 >/dev/null
ingest() {
  "$(eddy_bin eddy-ingest)" --topic "$obs" --deadletter-topic "$dlq" --series-id s "$1" \
    2>>"$EDDY_RUN/ingest.log" || fail "eddy-ingest $1"
}
head -n 25 "$root/data/airpassengers.csv" >"$EDDY_RUN/part1.csv"
{ head -n 1 "$root/data/airpassengers.csv"; sed -n 26,37p "$root/data/airpassengers.csv"; } \
  >"$EDDY_RUN/part2.csv"

eddy_start features eddy-features -X session.timeout.ms=6000 -X statistics.interval.ms=500 \
  --http 127.0.0.1:0 --input "$obs" --output "$out" --deadletter-topic "$dlq" \
  --group "features$s"
url="http://127.0.0.1:$(eddy_http_port features)/metrics"
labels="stage=\"features\",topic=\"$obs\",partition=\"0\""
lso() { eddy_metric "$url" eddy_stage_input_last_stable_offset "$labels"; }
unstable() { eddy_metric "$url" eddy_stage_input_unstable_records "$labels"; }
outputs() { "$(eddy_bin eddy-cat)" --topic "$out" | wc -l; }
# wait_for WHAT SECONDS CMD...: until CMD succeeds, at most SECONDS.
wait_for() {
  local what=$1 n=$2
  shift 2
  for _ in $(seq $((n * 2))); do
    "$@" && return 0
    eddy_check_alive || fail "eddy-features died"
    sleep 0.5
  done
  fail "$what after $n s (LSO ${last_lso:-?}, unstable ${last_unstable:-?}, outputs $(outputs))"
}
check() { # check LSO UNSTABLE OUTPUTS: the gauges and the output count are these
  last_lso=$(lso) last_unstable=$(unstable)
  [ "$last_lso" = "$1" ] && [ "$last_unstable" = "$2" ] && [ "$(outputs)" -eq "$3" ]
}

ingest "$EDDY_RUN/part1.csv"
wait_for "24 observations not processed with a stable input" 30 check 24 0 24
ok "24 observations processed; LSO 24, nothing unstable"

open=$("$EDDY_BIN/tests/integration/open_txn" "$EDDY_BOOTSTRAP" "$obs" 0 15000) ||
  fail "open_txn"
[ "$open" -eq 24 ] || fail "the open transaction's record is at offset $open, not 24"
ingest "$EDDY_RUN/part2.csv"
wait_for "the open transaction not shown" 10 check 24 13 24
sleep 3
check 24 13 24 || fail "the LSO moved or the stage read past it while the transaction was open"
ok "transaction open at offset 24: LSO stays 24, 13 records unstable, no output for them"

# The broker aborts it 15 s after it began (and its cleanup runs every 1 s
# with scripts/kafka.sh): the abort marker is offset 37.
wait_for "the aborted transaction still pins the LSO" 40 check 38 0 36
ok "the broker aborted the transaction: LSO 38, nothing unstable, the 12 observations processed"
eddy_stop features || fail "eddy-features did not stop cleanly"
