#!/usr/bin/env bash
# The README's "Kafka's own tools: recipes", run as written there, on the
# real broker ($EDDY_TEST_BOOTSTRAP) with unique topic and group names:
#
#   - kafka-console-consumer shows the predictions' keys and headers;
#   - kcat shows key/partition/offset and the magic byte + schema id;
#   - kafka-consumer-groups --describe lists a learner's lag;
#   - --reset-offsets --to-earliest --execute replays one model: the learner
#     rebuilds and its predictions equal the first run's;
#   - --reset-offsets --to-datetime replays from a point in time;
#   - a model started later catches up on the full history and appears in
#     the sink.
# Every stage must exit 0 on SIGTERM or at --exit-idle.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" recipes
it_need_kafka

s="-rc-$$-$(date +%s)"
obs=obs$s feat=feat$s pred=pred$s dlq=dlq$s group=learn-linear$s
common=(-X session.timeout.ms=6000 --deadletter-topic "$dlq" --http 127.0.0.1:0)
data=$root/data/airpassengers-extended.csv
count() { "$(eddy_bin eddy-cat)" --topic "$1" 2>/dev/null | wc -l; }
wait_count() { # topic n
  for _ in $(seq 150); do [ "$(count "$1")" -ge "$2" ] && return 0; sleep 0.2; done
  fail "$1 has $(count "$1") records, expected $2"
}
learn() { # name model group: one learner run until it is idle; must exit 0
  eddy_start "$1" eddy-learn "${common[@]}" --model "$2" --input "$feat" --output "$pred" \
    --group "$3" --exit-idle 8s
  wait "$(cat "$EDDY_RUN/$1.pid")" || fail "$1 exited non-zero"
  rm -f "$EDDY_RUN/$1.pid"
}
lag() { # total LAG of a group, from kafka-consumer-groups --describe
  "$kafka" tool consumer-groups --describe --group "$1" 2>/dev/null |
    awk '$1 == "GROUP" { for (i = 1; i <= NF; i++) if ($i == "LAG") c = i; next }
         c && $c ~ /^[0-9]+$/ { s += $c } END { print s + 0 }'
}

# The history: 600 observations, a point in time, then 144 more.
eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" --group "features$s"
head -n 601 "$data" >"$EDDY_RUN/part1.csv"
{ head -n 1 "$data"; tail -n +602 "$data"; } >"$EDDY_RUN/part2.csv"
"$(eddy_bin eddy-ingest)" --topic "$obs" --series-id airpassengers "$EDDY_RUN/part1.csv" 2>"$EDDY_RUN/ingest1.log" || fail ingest
wait_count "$feat" 600
sleep 1.5
point=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 1.5
"$(eddy_bin eddy-ingest)" --topic "$obs" --series-id airpassengers --seq-start 600 "$EDDY_RUN/part2.csv" \
  2>"$EDDY_RUN/ingest2.log" || fail ingest
wait_count "$feat" 744
eddy_stop features || fail "eddy-features did not exit 0 on SIGTERM"
ok "744 feature vectors (600 before $point, 144 after)"

learn learn1 linear "$group"
[ "$(count "$pred")" = 744 ] || fail "first run: $(count "$pred") predictions"
ok "first run: 744 linear predictions"

# Recipe: kafka-console-consumer with keys and headers.
"$kafka" tool console-consumer --topic "$pred" --from-beginning \
  --property print.key=true --property print.headers=true --property print.value=false \
  --max-messages 744 --timeout-ms 30000 >"$EDDY_RUN/console.txt" 2>/dev/null || true
n=$(grep -c $'^NO_HEADERS\tairpassengers$' "$EDDY_RUN/console.txt" || true)
[ "$n" = 744 ] || fail "kafka-console-consumer: $n of 744 lines 'NO_HEADERS<TAB>airpassengers': $(head -n 2 "$EDDY_RUN/console.txt")"
ok "kafka-console-consumer: 744 keys, headers shown ($(head -n 1 "$EDDY_RUN/console.txt" | tr '\t' ' '))"

# Recipe: kcat, key/partition/offset and the magic byte + schema id.
kcat -C -b "$EDDY_BOOTSTRAP" -t "$pred" -e -q -f '%k %p %o\n' >"$EDDY_RUN/kcat.txt"
[ "$(grep -c '^airpassengers [0-3] [0-9]*$' "$EDDY_RUN/kcat.txt")" = 744 ] || fail "kcat -f: $(head -n 2 "$EDDY_RUN/kcat.txt")"
ids=$(kcat -C -b "$EDDY_BOOTSTRAP" -t "$pred" -e -q -s value='>bI' -f '%s\n' | sort | uniq -c | awk '{print $1, $2}')
[ "$ids" = "744 05" ] || fail "kcat -s value='>bI': $ids"
ok "kcat: 744 'key partition offset' lines; every value starts with magic 0 and schema id 5"

# Recipe: lag, then replay one model from the beginning. The topics are
# written in transactions: each commit marker takes an offset, so a group
# that has read everything still shows a lag of 1 on each written partition,
# and a reset group lags by the records plus the markers.
lag0=$(lag "$group")
[ "$lag0" -le 4 ] || fail "lag after the first run: $lag0"
"$kafka" tool consumer-groups --group "$group" --topic "$feat" --reset-offsets --to-earliest --execute \
  >"$EDDY_RUN/reset.txt" 2>&1 || fail "reset --to-earliest: $(cat "$EDDY_RUN/reset.txt")"
lag1=$(lag "$group")
[ "$lag1" -ge 744 ] || fail "lag after the reset: $lag1"
ok "kafka-consumer-groups --describe: lag $lag0 after the run (commit markers), $lag1 after --reset-offsets --to-earliest"
learn learn2 linear "$group"
"$(eddy_bin eddy-cat)" --topic "$pred" >"$EDDY_RUN/pred2.jsonl" 2>/dev/null
python3 - "$EDDY_RUN/pred2.jsonl" <<'PY' || fail "the replay differs from the first run"
import json, sys, collections
by_seq = collections.defaultdict(list)
for r in map(json.loads, open(sys.argv[1])):
    r.pop("predicted_at")
    by_seq[r["seq"]].append(r)
assert len(by_seq) == 744 and all(len(v) == 2 and v[0] == v[1] for v in by_seq.values()), \
    [v for v in by_seq.values() if len(v) != 2 or v[0] != v[1]][:2]
print("ok: replay from the earliest offset: 744 predictions equal to the first run's")
PY

# Recipe: replay from a point in time.
"$kafka" tool consumer-groups --group "$group" --topic "$feat" --reset-offsets --to-datetime "$point" --execute \
  >"$EDDY_RUN/reset2.txt" 2>&1 || fail "reset --to-datetime: $(cat "$EDDY_RUN/reset2.txt")"
lag2=$(lag "$group")
[ "$lag2" -ge 144 ] && [ "$lag2" -lt 744 ] || fail "lag after --to-datetime $point: $lag2, expected 144 + markers"
learn learn3 linear "$group"
"$(eddy_bin eddy-cat)" --topic "$pred" >"$EDDY_RUN/pred3.jsonl" 2>/dev/null
[ "$(wc -l <"$EDDY_RUN/pred3.jsonl")" = 1632 ] || fail "after --to-datetime: $(wc -l <"$EDDY_RUN/pred3.jsonl") predictions, expected 1632"
n=$("$(eddy_bin eddy-cat)" --topic "$pred" 2>/dev/null | python3 -c '
import json, sys, collections
c = collections.Counter(json.loads(l)["seq"] for l in sys.stdin)
print(sum(1 for s, k in c.items() if k == 3 and s >= 600), sum(1 for s, k in c.items() if k == 3))')
[ "$n" = "144 144" ] || fail "after --to-datetime: seqs predicted 3 times (>= 600, all): $n"
ok "replay from $point (--to-datetime): the 144 later records predicted again, none before"

# Recipe: a new model started later catches up on the full history.
learn learn-rls rls "learn-rls$s"
eddy_start metrics eddy-metrics "${common[@]}" --input "$pred" --group "metrics$s"
url="http://127.0.0.1:$(eddy_http_port metrics)/metrics"
eddy_wait_predictions "$url" 744 60 rls || fail "rls did not reach the sink"
# The topic holds 1632 linear predictions (744 + the replays' 744 + 144); the
# sink counts each (model, series, seq) once, so the replays add nothing.
eddy_wait_predictions "$url" 744 60 linear || fail "linear predictions missing in the sink"
ok "a model started later (rls) caught up on all 744 records and appears in the sink; the replayed linear predictions counted once (744 of 1632)"

eddy_stop_all || fail "a stage did not exit 0 on SIGTERM"
echo "ok: recipes test passed"
