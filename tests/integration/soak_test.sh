#!/usr/bin/env bash
# Soak: good records at a steady rate through eddy-ingest -> eddy-features ->
# eddy-learn on the real broker ($EDDY_TEST_BOOTSTRAP), mixed with every kind
# of record-level fault from tests/integration/poison.py, injected in rounds
# while the good records flow:
#   into observations: random bytes, short/truncated frames, trailing bytes,
#     empty values, unknown and wrong schema ids, NaN/-Inf values, an oversized
#     key, and a 2 MB value the broker takes gzip-compressed (dead-lettered
#     with its copy cut to fit);
#   into features: the same framing faults, NaN/Inf, a wrong lag count, an
#     invalid available_lags, an oversized key and value;
#   in the CSV: unparsable rows (dead-lettered by eddy-ingest);
#   among the good series: ones that drive the model's output non-finite or
#     away (a level shift, huge magnitudes), which the learner's guard
#     replaces (Prediction.fallback) rather than dead-letters.
# Asserts: no stage exits (each stops with 0 on SIGTERM at the end); every
# good record is processed exactly once (read_committed features and
# predictions hold each (series, seq) once); every bad record is
# dead-lettered once with its reason, by the stage that met it; no
# prediction holds a non-finite number. Prints the run's figures.
# EDDY_SOAK_SECONDS (default 60) sets the length of the good stream.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" soak
it_need_kafka
export EDDY_WRAP=""
seconds=${EDDY_SOAK_SECONDS:-60}
rate=100
series=20
per_series=$((seconds * rate / series))
s="-soak-$$-$(date +%s)"
obs=obs$s feat=feat$s pred=pred$s dlq=dlq$s
for t in "$obs" "$feat"; do
  "$kafka" tool topics --create --topic "$t" --partitions 4 --replication-factor 1 >/dev/null
done
common=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500 --deadletter-topic "$dlq" --http 127.0.0.1:0)
eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" --group "features$s"
eddy_start learn eddy-learn "${common[@]}" --model linear --input "$feat" --output "$pred" \
  --group "learn$s" --max-value-bytes 4096

# stages_alive: fails, showing its log, if eddy-features or eddy-learn exited.
stages_alive() {
  local st
  for st in features learn; do
    kill -0 "$(cat "$EDDY_RUN/$st.pid")" 2>/dev/null ||
      fail "$st exited during the soak: $(tail -n 3 "$EDDY_RUN/$st.log")"
  done
}

# The good stream: synthetic seasonal series at a steady rate, and a CSV of
# series that drive the model off (level shift, huge values) with 3 bad rows.
python3 - "$EDDY_RUN" <<'PY'
import math, sys
with open(f"{sys.argv[1]}/wild.csv", "w") as out:
    out.write("series_id,input,value\n")
    for t in range(80):
        month = f"{2000 + t // 12}-{t % 12 + 1:02d}"  # the event time
        out.write(f"shift,{month},{3.0 if t < 40 else 300.0!r}\n")
        out.write(f"huge,{month},{1e300 * (1.5 + math.sin(t)):.17g}\n")
        if t in (10, 30, 50):
            out.write(f"shift,{month},not-a-number\n")
PY
good_wild=160 bad_rows=3
t0=$(date +%s)
eddy_start ingest eddy-ingest --topic "$obs" --deadletter-topic "$dlq" \
  --synthetic-series "$series" --synthetic-count "$per_series" --rate "$rate"
eddy_start ingest-wild eddy-ingest --topic "$obs" --deadletter-topic "$dlq" --rate 10 \
  "$EDDY_RUN/wild.csv"
good=$((series * per_series + good_wild))

# Poison rounds while the good records flow: every 3 s, observations and
# features poison (one oversized record in every third round).
rounds=0
echo '{}' >"$EDDY_RUN/expect.json"
while kill -0 "$(cat "$EDDY_RUN/ingest.pid")" 2>/dev/null; do
  rounds=$((rounds + 1))
  extra=()
  [ $((rounds % 3)) = 1 ] && extra=(--oversized)
  python3 "$root/tests/integration/poison.py" observations --tag "-r$rounds" "${extra[@]}" \
    >"$EDDY_RUN/p-obs.bin" 2>"$EDDY_RUN/p-obs.json"
  kcat -P -b "$EDDY_BOOTSTRAP" -t "$obs" -z gzip -X message.max.bytes=10000000 \
    -K '@@EDDYKEY@@' -D '@@EDDYMSG@@' -l "$EDDY_RUN/p-obs.bin" || fail "kcat (observations)"
  python3 "$root/tests/integration/poison.py" features >"$EDDY_RUN/p-feat.bin" 2>"$EDDY_RUN/p-feat.json"
  kcat -P -b "$EDDY_BOOTSTRAP" -t "$feat" -K '@@EDDYKEY@@' -D '@@EDDYMSG@@' \
    -l "$EDDY_RUN/p-feat.bin" || fail "kcat (features)"
  python3 - "$EDDY_RUN" <<'PY'
import json, sys
d = sys.argv[1]
e = json.load(open(f"{d}/expect.json"))
for stage, f in (("features", "p-obs.json"), ("learn", "p-feat.json")):
    for reason, n in json.load(open(f"{d}/{f}")).items():
        key = f"{stage}/{reason}"
        e[key] = e.get(key, 0) + n
json.dump(e, open(f"{d}/expect.json", "w"))
PY
  stages_alive
  sleep 3
done
wait "$(cat "$EDDY_RUN/ingest.pid")" || fail "eddy-ingest exited non-zero"
wait "$(cat "$EDDY_RUN/ingest-wild.pid")" || fail "eddy-ingest (wild) exited non-zero"
rm -f "$EDDY_RUN/ingest.pid" "$EDDY_RUN/ingest-wild.pid"
t_ingest=$(($(date +%s) - t0))
python3 - "$EDDY_RUN" "$bad_rows" <<'PY'
import json, sys
e = json.load(open(f"{sys.argv[1]}/expect.json"))
e["ingest/bad_row"] = int(sys.argv[2])
json.dump(e, open(f"{sys.argv[1]}/expect.json", "w"))
PY
n_bad=$(python3 -c "import json; print(sum(json.load(open('$EDDY_RUN/expect.json')).values()))")

# read TOPIC FILE: every read_committed record of TOPIC as JSON lines.
read_topic() {
  timeout 60 "$(eddy_bin eddy-cat)" --topic "$1" -X isolation.level=read_committed --meta \
    >"$2" 2>>"$EDDY_RUN/cat.log" || true
}
for _ in $(seq 90); do
  stages_alive
  read_topic "$pred" "$EDDY_RUN/pred.jsonl"
  read_topic "$dlq" "$EDDY_RUN/dlq.jsonl"
  [ "$(wc -l <"$EDDY_RUN/pred.jsonl")" -ge "$good" ] &&
    [ "$(wc -l <"$EDDY_RUN/dlq.jsonl")" -ge "$n_bad" ] && break
  sleep 1
done
t_total=$(($(date +%s) - t0))
read_topic "$feat" "$EDDY_RUN/feat.jsonl"
for st in learn features; do
  eddy_stop "$st" || fail "$st did not stop cleanly with exit 0"
done
python3 - "$EDDY_RUN" "$good" "$rounds" "$t_ingest" "$t_total" <<'PY' || fail "soak assertions"
import collections, json, math, sys
d, good, rounds, t_ingest, t_total = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
def refuse(c):
    raise ValueError(f"non-finite {c}")
def records(name):
    return [json.loads(l, parse_constant=refuse) for l in open(f"{d}/{name}")]
def injected(v):  # poison.py's decodable records in the features topic
    return v["series_id"].startswith("poison") or len(v["series_id"]) > 255
# every good record exactly once, downstream of each stage
feats = [r["value"] for r in records("feat.jsonl")
         if "series_id" in r["value"] and not injected(r["value"])]
preds = [r["value"] for r in records("pred.jsonl")]
for name, recs in (("features", feats), ("predictions", preds)):
    keys = collections.Counter((r["series_id"], r["seq"]) for r in recs)
    dup = [k for k, n in keys.items() if n > 1]
    assert not dup, f"{name}: {len(dup)} records more than once, e.g. {dup[:3]}"
    assert len(keys) == good, f"{name}: {len(keys)} distinct records, want {good}"
assert not [r for r in preds if r["series_id"].startswith("poison")], "poison was learned"
fallback = collections.Counter(r["fallback"] for r in preds if r["fallback"])
for r in preds:
    assert all(math.isfinite(x) for x in [r["prediction"], *r["forecast"]]), r
assert fallback, "the wild series never tripped the learner's guard"
# every bad record dead-lettered once, with its reason, by its stage
want = json.load(open(f"{d}/expect.json"))
got, cut = collections.Counter(), 0
for r in (json.loads(l) for l in open(f"{d}/dlq.jsonl")):
    h = r["headers"]
    got[f'{h["eddy.stage"]}/{h["eddy.error"]}'] += 1
    if "eddy.original.size" in h:
        cut += 1
        assert h["eddy.original.size"] == "2000011" and len(h["eddy.original.crc32c"]) == 8, h
assert dict(got) == want, f"dead letters by stage/reason:\n got  {dict(sorted(got.items()))}\n want {dict(sorted(want.items()))}"
oversized = want.get("features/value_too_large", 0)
assert cut == oversized, f"{cut} dead letters cut, want {oversized}"
n_bad = sum(want.values())
print(f"soak figures: {t_ingest} s of input at ~{good / max(t_ingest, 1):.0f} good records/s, "
      f"{t_total} s until all processed; {good} good records -> {len(feats)} features, "
      f"{len(preds)} predictions, each exactly once; {rounds} poison rounds, {n_bad} bad "
      f"records dead-lettered by reason ({oversized} 2 MB ones cut to fit); learner "
      f"fallbacks {dict(fallback)}; 0 stage exits")
print("dead letters:", json.dumps(dict(sorted(got.items()))))
PY
ok "soak: no restarts, every good record exactly once, every bad one dead-lettered with its reason"
