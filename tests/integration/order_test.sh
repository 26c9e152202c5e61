#!/usr/bin/env bash
# Order by event time on the embedded broker, with the cases of tests/cases/:
#   sales_2023.csv + sales_2024.csv, one series over two files (seq restarts):
#     24 feature vectors and 24 predictions, seq 0..23 in time order;
#   late_event.jsonl (03:00 after 05:00): dead-lettered as late, logged, counted;
#     the rest get seq 0..6; the 02:00 -> 04:00 gap counted;
#   airpassengers_gappy.csv: the missing 1950-04 and (after 1950-07) 1950-08
#     counted as gaps, the second 1950-06 dead-lettered as a conflicting
#     duplicate, the 1950-08 after 1950-09 as late; one gap line a minute;
#   an Observation from another producer with a Latin-1 series id: dead-lettered
#     as invalid_utf8 by features (the first stage), shown escaped by eddy-cat.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" order
cases=$root/tests/cases
eddy_start_broker
obs=obs-order feat=feat-order pred=pred-order dlq=dlq-order
common=(-X session.timeout.ms=6000 --deadletter-topic "$dlq")
eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" \
  --lags 3 --group features-order --http 127.0.0.1:0
eddy_start learn eddy-learn "${common[@]}" --model linear --lags 3 --input "$feat" \
  --output "$pred" --group learn-order --http 127.0.0.1:0
ingest() { "$(eddy_bin eddy-ingest)" --topic "$obs" --deadletter-topic "$dlq" "$@"; }
ingest --series-id sales "$cases/sales_2023.csv" 2>"$EDDY_RUN/ingest1.log" || fail "ingest 2023"
ingest --series-id sales "$cases/sales_2024.csv" 2>"$EDDY_RUN/ingest2.log" || fail "ingest 2024"
ingest - <"$cases/late_event.jsonl" 2>"$EDDY_RUN/ingest3.log" || fail "ingest late_event"
ingest --series-id air "$cases/airpassengers_gappy.csv" 2>"$EDDY_RUN/ingest4.log" || fail "ingest gappy"

python3 - >"$EDDY_RUN/latin1.kcat" <<'PY'
import struct, sys
def zz(n):
    n, out = (n << 1) ^ (n >> 63), bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)
s = lambda b: zz(len(b)) + b
obs = s(b"caf\xe9") + zz(0) + zz(0) + s(b"1949-01") + struct.pack("<d", 1.0) + zz(0)
sys.stdout.buffer.write(b"caf\xe9@@K@@" + b"\x00" + struct.pack(">I", 1) + obs)
PY
kcat -P -b "$EDDY_BOOTSTRAP" -t "$obs" -K '@@K@@' -D '@@NONE@@' -l "$EDDY_RUN/latin1.kcat" ||
  fail "kcat could not produce the Latin-1 record"

# Wait for what each stage has committed, not what it has read: a record
# counts in eddy_stage_time_in_stage_seconds_count when its batch commits, and
# eddy-cat reads read_committed (waiting on records_in raced the last commit).
# committed URL STAGE COUNT: waits up to 60 s for COUNT committed records.
committed() {
  local n=0
  for _ in $(seq 300); do
    n=$(eddy_metric "$1" eddy_stage_time_in_stage_seconds_count "stage=\"$2\"")
    [ "${n:-0}" -ge "$3" ] && break
    eddy_check_alive || fail "a stage exited"
    sleep 0.2
  done
  [ "${n:-0}" = "$3" ] || fail "$2 committed ${n:-0} records, expected $3"
}
url="http://127.0.0.1:$(eddy_http_port features)/metrics"
committed "$url" features $((24 + 8 + 36 + 1))
lurl="http://127.0.0.1:$(eddy_http_port learn)/metrics"
committed "$lurl" learn $((24 + 7 + 34))

"$(eddy_bin eddy-cat)" --topic "$feat" >"$EDDY_RUN/feat.jsonl" 2>"$EDDY_RUN/cat.log" || fail "eddy-cat features"
"$(eddy_bin eddy-cat)" --topic "$pred" >"$EDDY_RUN/pred.jsonl" 2>>"$EDDY_RUN/cat.log" || fail "eddy-cat predictions"
"$(eddy_bin eddy-cat)" --topic "$dlq" >"$EDDY_RUN/dlq.jsonl" 2>>"$EDDY_RUN/cat.log" || fail "eddy-cat deadletter"
curl -fsS "$url" >"$EDDY_RUN/features-metrics.txt" || fail "features /metrics"

python3 - "$EDDY_RUN" <<'PY' || fail "records read back differ from the cases' expectations"
import json, sys
run = sys.argv[1]
def rows(name):
    return [json.loads(l) for l in open(f"{run}/{name}") if l.strip()]
feat, pred, dlq = rows("feat.jsonl"), rows("pred.jsonl"), rows("dlq.jsonl")
def series(recs, s):
    return [r for r in recs if r.get("series_id") == s]

# one series over two files: 24 in time order, dense seq, then learned
sales = series(feat, "sales")
assert [r["seq"] for r in sales] == list(range(24)), [r["seq"] for r in sales]
assert [r["target"] for r in sales] == [101 + i for i in range(12)] + [201 + i for i in range(12)]
t = [r["event_time"] for r in sales]
assert t == sorted(t) and len(set(t)) == 24, t
assert [r["seq"] for r in series(pred, "sales")] == list(range(24)), "predictions of sales"
print("ok: sales over two files: 24 features and 24 predictions, seq 0..23 in time order")

# the late record: not among the features, dead-lettered as late
s7 = series(feat, "sensor-7")
assert [r["target"] for r in s7] == [20, 21, 22, 24, 25, 26, 27], s7
assert [r["seq"] for r in s7] == list(range(7))
reasons = [(d["headers"].get("eddy.error"), d.get("key")) for d in dlq]
assert ("late", "sensor-7") in reasons, reasons
print("ok: late_event: 03:00 after 05:00 dead-lettered as late; 7 features, seq 0..6")

# calendar gaps: conflicting duplicate and late month dead-lettered
air = series(feat, "air")
assert len(air) == 34 and [r["seq"] for r in air] == list(range(34)), len(air)
assert sorted(reasons) == sorted([("late", "sensor-7"), ("late", "air"),
                                  ("conflicting_duplicate", "air"),
                                  ("invalid_utf8", "caf\\xE9")]), reasons
bad = [d for d in dlq if d["headers"].get("eddy.error") == "invalid_utf8"][0]
assert bad["headers"]["eddy.stage"] == "features", bad
assert "series_id is not UTF-8: byte 0xE9 at offset 3" in bad["headers"]["eddy.message"], bad
assert bad["value"]["series_id"] == "caf\\xE9" and bad["value"]["series_id_invalid_utf8"], bad
print("ok: a Latin-1 series id from another producer dead-lettered by features as invalid_utf8; eddy-cat shows it escaped")
m = {}
for line in open(f"{run}/features-metrics.txt"):
    if line.startswith("eddy_features_"):
        k, v = line.rsplit(" ", 1)
        m[k] = float(v)
want = {
    'eddy_features_gaps_total{series="air"}': 2,
    'eddy_features_missing_steps_total{series="air"}': 2,
    'eddy_features_gaps_total{series="sensor-7"}': 1,
    'eddy_features_gaps_total{series="_all"}': 3,
    'eddy_features_out_of_order_total{series="_all"}': 2,
    'eddy_features_conflicting_duplicates_total{series="air"}': 1,
    'eddy_features_duplicates_total{series="_all"}': 0,
}
for k, v in want.items():
    assert m.get(k) == v, f"{k} = {m.get(k)}, expected {v}"
assert 'eddy_features_gaps_total{series="sales"}' not in m
print("ok: airpassengers_gappy: 2 gaps, 1 late, 1 conflicting duplicate counted; 34 features")
PY
grep -q 'eddy-cat: .* records printed; 0 numbers not finite .*, 2 strings not UTF-8' "$EDDY_RUN/cat.log" ||
  fail "eddy-cat did not count the escaped key and series id on stderr: $(cat "$EDDY_RUN/cat.log")"
log=$EDDY_RUN/features.log
[ "$(grep -c 'msg="gap in the series.* event times" series="air"' "$log")" = 1 ] ||
  fail "expected one (rate-limited) gap line for air: $(grep gap "$log")"
grep -q 'reason=late .*sensor-7.*before the last accepted' "$log" || fail "no log line for the late record"
grep -q 'reason=conflicting_duplicate .*already has value 149, this record says 152' "$log" ||
  fail "no log line naming both values of the conflicting duplicate"
ok "gap, late and conflicting duplicate logged (gap lines rate-limited to one per series a minute)"
eddy_stop_all || fail "a stage did not stop cleanly"
