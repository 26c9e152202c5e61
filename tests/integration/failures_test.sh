#!/usr/bin/env bash
# Faults that must explain themselves, on the real broker ($EDDY_TEST_BOOTSTRAP):
#
#   failures_test.sh oversized   a 2 MB value, accepted gzip-compressed by the
#                                broker, between 9 good rows: dead-lettered with
#                                its copy cut to the dead-letter topic's
#                                max.message.bytes (original size and CRC-32C in
#                                headers); the 9 good rows are processed; the
#                                stage keeps running
#   failures_test.sh refused     a dead-letter topic that refuses every dead
#                                letter (max.message.bytes=200): the bad record
#                                costs at most two replays, then is skipped with
#                                an error line and counted; the good rows are
#                                processed; the stage keeps running
#   failures_test.sh fenced      two eddy-learn --model linear with one group and
#                                the default transactional id on one host: the
#                                fenced one exits 78 (EX_CONFIG) with one last
#                                error line naming the id and --transactional-id
#   failures_test.sh misconfig   eddy-features --lags 10 feeding eddy-learn
#                                --lags 15: the learner exits 78 on the first
#                                records with one line naming both values
set -euo pipefail
mode=${1:?usage: failures_test.sh oversized|fenced|misconfig}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" "failures-$mode"
it_need_kafka
export EDDY_WRAP=""
s="-fail-$$-$(date +%s)"
obs=obs$s feat=feat$s pred=pred$s dlq=dlq$s
common=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500 --deadletter-topic "$dlq" --http 127.0.0.1:0)

# count TOPIC: records of TOPIC (read_committed), within 20 s.
count() {
  kcat -C -b "$EDDY_BOOTSTRAP" -t "$1" -X isolation.level=read_committed -e -q \
    -f 'x\n' 2>/dev/null | grep -c x || true
}

# ingest SERIES ROWS: ROWS observations of SERIES into $obs.
ingest() {
  python3 -c "
print('input,target')
for i in range($2): print(f'{2020 + i // 12}-{i % 12 + 1:02d},{10 + i}')" >"$EDDY_RUN/$1.csv"
  "$(eddy_bin eddy-ingest)" --topic "$obs" --series-id "$1" "$EDDY_RUN/$1.csv" \
    2>>"$EDDY_RUN/ingest.log" || fail "eddy-ingest"
}

# wait_exit NAME TIMEOUT: waits for NAME to exit; sets rc to its exit code
# (returns 1 when it still runs).
wait_exit() {
  local pid
  pid=$(cat "$EDDY_RUN/$1.pid")
  for _ in $(seq $(($2 * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && return 1
  rm -f "$EDDY_RUN/$1.pid"
  rc=0
  wait "$pid" || rc=$?
}

# last_line NAME: the last line of NAME's log.
last_line() { tail -n 1 "$EDDY_RUN/$1.log"; }

oversized() {
  "$kafka" tool topics --create --topic "$obs" --partitions 1 --replication-factor 1 >/dev/null
  eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" \
    --group "features$s" --lags 3
  ingest a 4
  { printf 'key|{"blob":"'; head -c 2000000 /dev/zero | tr '\0' A; printf '"}\n'; } |
    kcat -P -b "$EDDY_BOOTSTRAP" -t "$obs" -z gzip -X message.max.bytes=10000000 -K '|' ||
    fail "kcat could not produce the 2 MB record"
  ingest b 5
  local n=0
  for _ in $(seq 300); do
    n=$(count "$feat")
    [ "$n" -ge 9 ] && [ "$(count "$dlq")" -ge 1 ] && break
    eddy_check_alive || fail "eddy-features exited"
    sleep 0.2
  done
  [ "$n" = 9 ] || fail "$n of the 9 good rows processed"
  ok "the 9 good rows around the 2 MB record were processed"
  kcat -C -b "$EDDY_BOOTSTRAP" -t "$dlq" -X isolation.level=read_committed -e -q \
    -f '%S %h\n' >"$EDDY_RUN/dlq.txt" 2>/dev/null
  [ "$(wc -l <"$EDDY_RUN/dlq.txt")" = 1 ] || fail "dead letters: $(cat "$EDDY_RUN/dlq.txt")"
  local size
  size=$(cut -d' ' -f1 "$EDDY_RUN/dlq.txt")
  [ "$size" -lt 1048588 ] || fail "the dead letter's copy was not cut: $size bytes"
  grep -q 'eddy.error=value_too_large' "$EDDY_RUN/dlq.txt" || fail "reason: $(cat "$EDDY_RUN/dlq.txt")"
  grep -q 'eddy.original.size=2000011' "$EDDY_RUN/dlq.txt" || fail "no original size: $(cat "$EDDY_RUN/dlq.txt")"
  grep -Eq 'eddy.original.crc32c=[0-9a-f]{8}' "$EDDY_RUN/dlq.txt" || fail "no CRC-32C"
  ok "the 2 MB record was dead-lettered: copy cut to $size bytes, original size and CRC-32C in headers"
  grep -q 'msg="dead letters sized to their topic".*max_message_bytes=1048588' \
    "$EDDY_RUN/features.log" || fail "the topic's max.message.bytes was not read"
  ingest c 3
  for _ in $(seq 100); do
    [ "$(count "$feat")" -ge 12 ] && break
    sleep 0.2
  done
  eddy_check_alive || fail "eddy-features stopped"
  [ "$(count "$feat")" = 12 ] || fail "records after the bad one were not processed"
  ok "eddy-features keeps running and processing"
}

refused() {
  "$kafka" tool topics --create --topic "$obs" --partitions 1 --replication-factor 1 >/dev/null
  "$kafka" tool topics --create --topic "$dlq" --partitions 1 --replication-factor 1 \
    --config max.message.bytes=200 >/dev/null
  eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" \
    --group "features$s" --lags 3
  ingest a 4
  printf 'a|not an observation\n' | kcat -P -b "$EDDY_BOOTSTRAP" -t "$obs" -K '|' ||
    fail "kcat could not produce the bad record"
  ingest b 5
  local n=0
  for _ in $(seq 300); do
    n=$(count "$feat")
    [ "$n" -ge 9 ] && break
    eddy_check_alive || fail "eddy-features exited"
    sleep 0.2
  done
  [ "$n" = 9 ] || fail "$n of the 9 good rows processed"
  eddy_check_alive || fail "eddy-features exited"
  [ "$(count "$dlq")" = 0 ] || fail "a dead letter was written to a topic that refuses them"
  grep -q 'level=error.*msg="dead letter not written: the record is skipped" reason=decode:bad_magic' \
    "$EDDY_RUN/features.log" || fail "no error line for the dead letter that could not be written"
  local replays
  replays=$(grep -c 'msg="the broker refused dead letters: replaying the batch"' "$EDDY_RUN/features.log" || true)
  [ "$replays" -le 2 ] || fail "$replays replays for one refused dead letter"
  local port
  port=$(eddy_http_port features)
  [ "$(eddy_metric "http://127.0.0.1:$port/metrics" eddy_stage_deadletter_lost_total \
    'stage="features",reason="decode:bad_magic"')" = 1 ] || fail "the lost dead letter was not counted"
  ok "a dead letter the topic refuses cost $replays replays, was logged and counted; the 9 good rows were processed"
}

fenced() {
  "$kafka" tool topics --create --topic "$obs" --partitions 2 --replication-factor 1 >/dev/null
  eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" \
    --group "features$s"
  ingest a 20
  eddy_start learn1 eddy-learn "${common[@]}" --model linear --input "$feat" \
    --output "$pred" --group "learn$s"
  for _ in $(seq 300); do
    [ "$(count "$pred")" -ge 20 ] && break
    sleep 0.2
  done
  eddy_start learn2 eddy-learn "${common[@]}" --model linear --input "$feat" \
    --output "$pred" --group "learn$s"
  local rc="" who="" i
  for i in $(seq 60); do
    ingest "s$i" 5
    for who in learn1 learn2; do
      kill -0 "$(cat "$EDDY_RUN/$who.pid")" 2>/dev/null || { wait_exit "$who" 5; break 2; }
    done
    sleep 0.5
  done
  [ -n "$rc" ] || fail "neither replica noticed the other (no fencing within 30 s)"
  [ "$rc" = 78 ] || fail "the fenced replica ($who) exited $rc, not 78"
  local last
  last=$(last_line "$who")
  echo "$who: $last"
  grep -q 'level=error' <<<"$last" || fail "last line is not an error: $last"
  grep -q "transactional id 'learn$s-$(hostname)'" <<<"$last" || fail "the id is not named: $last"
  grep -q 'another instance' <<<"$last" || fail "no other instance named: $last"
  grep -q -- '--transactional-id' <<<"$last" || fail "no flag named: $last"
  local purged
  purged=$(grep -c 'msg="delivery failed"' "$EDDY_RUN/$who.log" || true)
  [ "$purged" -le 5 ] || fail "$purged 'delivery failed' lines: not rate-limited"
  ok "the fenced replica exited 78 with one line naming the id and --transactional-id ($purged delivery-failed lines)"
}

misconfig() {
  eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" \
    --group "features$s" --lags 10
  ingest a 40
  eddy_start learn eddy-learn "${common[@]}" --model linear --input "$feat" \
    --output "$pred" --group "learn$s" --lags 15
  local rc
  wait_exit learn 60 || fail "eddy-learn kept running with --lags 15 on 10-lag features"
  [ "$rc" = 78 ] || fail "eddy-learn exited $rc, not 78"
  local last
  last=$(last_line learn)
  echo "learn: $last"
  grep -q 'level=error' <<<"$last" || fail "last line is not an error: $last"
  grep -q 'eddy-features --lags 10' <<<"$last" || fail "the features' value is not named: $last"
  grep -q 'eddy-learn --lags 15' <<<"$last" || fail "the learner's value is not named: $last"
  grep -q 'same --lags' <<<"$last" || fail "no fix named: $last"
  local warns
  warns=$(grep -c 'msg="record dead-lettered"' "$EDDY_RUN/learn.log" || true)
  [ "$warns" -le 3 ] || fail "$warns dead-letter lines: the log floods"
  [ "$(count "$pred")" = 0 ] || fail "predictions were published"
  ok "eddy-learn stopped with exit 78 and one line naming both --lags values"
}

"$mode"
