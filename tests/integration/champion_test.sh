#!/usr/bin/env bash
# The champion per series on the real broker (label kafka), on synthetic
# predictions (champion_gen.py: every model's one-step error set by hand)
# read by eddy-evaluate with h=1 MASE over 24 steps, margin 0.05, 3 steps in
# a row (the defaults before the served-accuracy tuning, given explicitly)
# and --champion-default a:
#
#   promote   b becomes better at step 60; its window beats a's by the
#             margin from step 77 (18 of 24 errors at 0.2): promoted at 79,
#             the third winning step in a row, and not before
#   revert    b (0.2) promoted at 25; degraded to 5.0 from step 100, its
#             window is above 1.05 x a's from step 104: reverted at 106
#   contract  c has the best errors but NaN forecasts: one gate_failure,
#             never served
#   pin       eddy-ctl pin b overrides a (worse b is served), unpin restores a;
#             the pin and unpin events carry each command's operator and reason
#   drift     a level shift of +60 (10 MASE scales) in the champion's
#             residuals at step 80 is a drift event (Page-Hinkley, River's
#             defaults, on residuals / MASE scale) within 10 steps
#   adwin     a shift of +3 (0.5 MASE scales) in residuals of +-0.05 at step
#             100 is a drift event naming ADWIN alone within 60 steps (it
#             tests its window every 32 residuals; Page-Hinkley's threshold
#             is never reached)
#   kill -9   a second evaluator over the same predictions, killed with
#             SIGKILL at three random points, ends with the same
#             model-events and every served forecast (read_committed)
#
# Asserts the exact event lists, read_committed from model-events, and the
# served forecasts from the compacted forecasts topic; then eddy-metrics
# serves them: GET /forecast?series=X (404 naming an unknown series),
# GET /champion/X (forecast and events), the gauge
# eddy_series_champion_info{series,model} on /metrics, and the status
# page's champion timeline (headless Chromium).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" champion
it_need_kafka

s="-ch-$$-$(date +%s)"
pred=pred$s fc=fc$s ev=ev$s ctl=ctl$s scores=scores$s dlq=dlq$s
gen=$root/tests/integration/champion_gen.py
check=$root/tests/integration/champion_check.py
# Predictions in the layout before `fallback` (schema id 3, as an older
# eddy-learn wrote them): the evaluator reads them with fallback "".
produce() { # SERIES FROM TO
  python3 "$gen" "$1" "$2" "$3" |
    "$EDDY_BIN/tests/integration/avro_produce" "$EDDY_BOOTSTRAP" "$pred" \
      "$root/schemas/prediction_v1.avsc" 3 series_id 2>>"$EDDY_RUN/produce.log" ||
    fail "avro_produce $1"
}
cat_() { "$(eddy_bin eddy-cat)" -X isolation.level=read_committed --topic "$1" 2>/dev/null; }
ctl() { "$(eddy_bin eddy-ctl)" "$@" --topic "$ctl" --operator test >>"$EDDY_RUN/ctl.out" ||
  fail "eddy-ctl $*"; }
# wait_served SERIES SEQ MODEL: the latest forecast of SERIES is MODEL's at SEQ.
wait_served() {
  for _ in $(seq 300); do
    cat_ "$fc" >"$EDDY_RUN/fc.jsonl" || true
    python3 "$check" expect "$EDDY_RUN/ev.jsonl" "$EDDY_RUN/fc.jsonl" --series "$1" \
      --champion "$3" --seq "$2" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

produce pin 0 1 # creates the topic before the evaluator waits for it
ctl unpin --series '*' --reason "start clean" # creates the control topic
champ_args=(--champion-default a --champion-metric mase --champion-window 24
  --champion-margin 0.05 --champion-consecutive 3)
eddy_start evaluate eddy-evaluate -X session.timeout.ms=6000 --deadletter-topic "$dlq" \
  --http 127.0.0.1:0 --input "$pred" --output "$scores" --forecasts "$fc" --events "$ev" \
  --control "$ctl" --group "eval$s" "${champ_args[@]}"
produce promote 0 120
produce revert 0 130
produce contract 0 60
produce pin 1 50
produce drift 0 120
produce adwin 0 170
: >"$EDDY_RUN/ev.jsonl"
wait_served pin 49 a || fail "pin: a not served at step 49"
# This evaluator names no --champion-models: it says once what that costs.
[ "$(grep -c 'msg="no --champion-models: each champion decision waits' "$EDDY_RUN/evaluate.log")" = 1 ] ||
  fail "no single warning about the missing --champion-models"
ok "eddy-evaluate without --champion-models warns once that its decisions depend on the learners' pace"
ctl pin --series pin --model b --reason "test the override"
sleep 1 # the evaluator follows the control topic at its next record
produce pin 50 60
wait_served pin 59 b || fail "pin: the pinned b was not served"
ctl unpin --series pin --reason "done"
sleep 1
produce pin 60 70
wait_served pin 69 a || fail "pin: unpin did not restore a"
ok "pin overrides the automatic choice, unpin restores it"
wait_served promote 119 b || fail "promote: b is not served at the end"
wait_served revert 129 a || fail "revert: a is not served at the end"
wait_served drift 119 a || fail "drift: a is not served at the end"
wait_served adwin 169 a || fail "adwin: a is not served at the end"
cat_ "$ev" >"$EDDY_RUN/ev.jsonl"
python3 "$check" show "$EDDY_RUN/ev.jsonl" "$EDDY_RUN/fc.jsonl"
x() { python3 "$check" expect "$EDDY_RUN/ev.jsonl" "$EDDY_RUN/fc.jsonl" "$@"; }
x --series promote --kinds initial,promotion --first-seq promotion=79..79 ||
  fail "promote: not promoted at step 79 exactly"
ok "promote: promoted after the hysteresis (step 79) and not before"
x --series revert --kinds initial,promotion,revert --first-seq promotion=25..25 \
  --first-seq revert=106..106 || fail "revert: not reverted at step 106"
ok "revert: the degraded champion was reverted at step 106"
x --series contract --kinds initial,gate_failure --champion a --never-served c ||
  fail "contract: c was served or not refused"
ok "contract: c (NaN forecasts) failed the gate once and was never served"
x --series pin --kinds initial,pin,unpin --reason "pin=operator test: test the override" \
  --reason "unpin=operator test: done" || fail "pin: other decisions, or not the operator's reasons"
ok "pin: one pin and one unpin event (the operator's reason in each)"
x --series drift --kinds initial,drift --first-seq drift=80..90 ||
  fail "drift: the level shift at step 80 was not detected within 10 steps"
ok "drift: the level shift at step 80 detected within 10 steps (Page-Hinkley)"
x --series adwin --kinds initial,drift --first-seq drift=100..160 \
  --reason "drift=ADWIN detected a change in the residuals of 'a'; selection window 8 for the next 24 champion steps" ||
  fail "adwin: the small shift at step 100 was not one drift event naming ADWIN within 60 steps"
ok "adwin: the small shift at step 100 detected by ADWIN alone within 60 steps"
curl -fsS "http://127.0.0.1:$(eddy_http_port evaluate)/metrics" >"$EDDY_RUN/evaluate-metrics.txt" ||
  fail "GET eddy-evaluate /metrics"
grep -qx 'eddy_evaluate_champion_drift_detections_total{detector="adwin"} [1-9][0-9]*' "$EDDY_RUN/evaluate-metrics.txt" &&
  grep -qx 'eddy_evaluate_champion_drift_detections_total{detector="page_hinkley"} [1-9][0-9]*' "$EDDY_RUN/evaluate-metrics.txt" &&
  grep -qx 'eddy_evaluate_champion_decisions_total{kind="drift"} 2' "$EDDY_RUN/evaluate-metrics.txt" ||
  fail "drift metrics: $(grep drift "$EDDY_RUN/evaluate-metrics.txt")"
ok "eddy-evaluate counts the drift events (2) and the detections by detector (adwin, page_hinkley)"
# kill -9 at random points: a second evaluator reads the same predictions
# in transactions of 5 records and is killed with SIGKILL three times, each
# once its restarted self committed scores beyond the previous kill's, after
# a random 0-199 ms more. Its model-events and every served forecast equal
# the uninterrupted evaluator's (series pin aside: eval2 reads no control
# topic).
scores2=scores2$s fc2=fc2$s ev2=ev2$s
eval2_args=(-X session.timeout.ms=6000 --deadletter-topic "$dlq" --http 127.0.0.1:0
  --input "$pred" --output "$scores2" --forecasts "$fc2" --events "$ev2" --group "eval2$s"
  --transactional-id "eval2$s" --batch-size 5 "${champ_args[@]}")
total=$(cat_ "$pred" | wc -l)
eddy_start eval2 eddy-evaluate "${eval2_args[@]}"
scores2_n() { { cat_ "$scores2" || true; } | wc -l; }
it_kill_randomly 3 200 "$total" scores2_n eval2 eddy-evaluate "${eval2_args[@]}"
same_as_eval2() {
  cat_ "$ev" >"$EDDY_RUN/ev.jsonl" && cat_ "$fc" >"$EDDY_RUN/fc.jsonl" &&
    cat_ "$ev2" >"$EDDY_RUN/ev2.jsonl" && cat_ "$fc2" >"$EDDY_RUN/fc2.jsonl" &&
    python3 "$check" same "$EDDY_RUN/ev.jsonl" "$EDDY_RUN/ev2.jsonl" "$EDDY_RUN/fc.jsonl" \
      "$EDDY_RUN/fc2.jsonl" --every-forecast --exclude=pin
}
for _ in $(seq 150); do
  same_as_eval2 >"$EDDY_RUN/same.out" 2>&1 && break
  sleep 0.2
done
same_as_eval2 || fail "kill -9: the evaluator killed at ${kill_points[*]} ends with other model-events or forecasts"
ok "kill -9 three times (after N of $total committed scores + a random delay: ${kill_points[*]}): the same model-events and every served forecast as the uninterrupted evaluator"
eddy_start metrics eddy-metrics -X session.timeout.ms=6000 --deadletter-topic "$dlq" \
  --http 127.0.0.1:0 --input "$pred" --scores "$scores" --forecasts "$fc" --events "$ev" \
  --group "metrics$s"
url=http://127.0.0.1:$(eddy_http_port metrics)
for _ in $(seq 100); do
  curl -fsS "$url/forecast?series=promote" >"$EDDY_RUN/served.json" 2>/dev/null &&
    grep -q '"seq": *119' "$EDDY_RUN/served.json" && break
  sleep 0.2
done
python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); assert f["model"]=="b" and f["seq"]==119 and len(f["forecast"])==3, f' \
  "$EDDY_RUN/served.json" || fail "GET /forecast?series=promote: $(cat "$EDDY_RUN/served.json")"
code=$(curl -s -o "$EDDY_RUN/missing.json" -w '%{http_code}' "$url/forecast?series=nope")
[ "$code" = 404 ] && grep -q '"nope"' "$EDDY_RUN/missing.json" ||
  fail "GET /forecast?series=nope: $code $(cat "$EDDY_RUN/missing.json")"
# The sink follows forecasts and model-events apart: wait for the events too.
for _ in $(seq 100); do
  curl -fsS "$url/champion/revert" >"$EDDY_RUN/champion.json" 2>/dev/null &&
    grep -q '"kind": *"revert"' "$EDDY_RUN/champion.json" && break
  sleep 0.2
done
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); k=[e["kind"] for e in c["events"]]; assert k==["initial","promotion","revert"] and c["forecast"]["model"]=="a", c' \
  "$EDDY_RUN/champion.json" || fail "GET /champion/revert: $(cat "$EDDY_RUN/champion.json")"
ok "eddy-metrics serves GET /forecast?series=X (404 naming an unknown series) and /champion/X"
curl -fsS "$url/metrics" >"$EDDY_RUN/metrics.txt" || fail "GET /metrics"
grep -qx 'eddy_series_champion_info{series="promote",model="b"} 1' "$EDDY_RUN/metrics.txt" &&
  grep -qx 'eddy_series_champion_info{series="revert",model="a"} 1' "$EDDY_RUN/metrics.txt" &&
  [ "$(grep -c '^eddy_series_champion_info{series="promote"' "$EDDY_RUN/metrics.txt")" = 1 ] ||
  fail "eddy_series_champion_info: $(grep champion "$EDDY_RUN/metrics.txt")"
ok "eddy-metrics exports eddy_series_champion_info{series,model} (one champion per series)"
# The status page's champion timeline of series pin, in headless Chromium:
# initial, pin, unpin rows with the operator's reasons; periods a, b, a.
chromium --headless --no-sandbox --disable-gpu --window-size=1400,1500 --virtual-time-budget=8000 \
  --dump-dom "$url/series/pin" >"$EDDY_RUN/page.html" 2>"$EDDY_RUN/chromium.log" || fail "chromium --dump-dom"
curl -fsS "$url/forecast?series=pin" >"$EDDY_RUN/pin.json" || fail "GET /forecast?series=pin"
python3 - "$EDDY_RUN/page.html" "$EDDY_RUN/pin.json" <<'PY' || fail "the champion timeline of series pin"
import html, json, re, sys
dom = open(sys.argv[1]).read()
f = json.load(open(sys.argv[2]))
# What the page says is served: the combination the Forecast names, with its
# weights (the champion first), or the champion alone.
names, w = f["combination"].split("/") if f["combination"] else [], f["combination_weights"]
assert len(names) >= 2, f"no combination served for pin at step {f['seq']}: {f}"
want = " + ".join(f"{x:.3f} \u00d7 {m}" for x, m in zip(w, names))
assert f'data-combination="{f["combination"]}"' in dom, "data-combination"
assert f"Serving now: {want} (step {f['seq']})" in html.unescape(dom), want
print(f"ok: the page serves {want}")
assert 'data-ready="1"' in dom, "the page did not finish drawing"
sec = dom[dom.index('id="champion"'):]
sec = sec[:sec.index("</section>")]
rows = re.findall(r'<tr data-kind="([^"]*)" data-model="([^"]*)">', sec)
assert rows == [("initial", "a"), ("pin", "b"), ("unpin", "a")], rows
assert "operator test: test the override" in sec and "operator test: done" in sec, "reasons"
periods = re.findall(r'<span [^>]*data-model="([^"]*)" data-kind="([^"]*)"', sec)
assert periods == [("a", "initial"), ("b", "pin"), ("a", "unpin")], periods
print(f"ok: timeline of pin: {rows}")
PY
ok "the status page's champion timeline of series pin: initial a, pin b, unpin a, with the operator's reasons, and what is served now (the combination and its weights)"
curl -fsS "$url/metrics" >"$EDDY_RUN/metrics.txt" || fail "GET /metrics"
python3 - "$EDDY_RUN/metrics.txt" "$EDDY_RUN/pin.json" <<'PY' || fail "eddy_series_served_weight of series pin"
import json, re, sys
f = json.load(open(sys.argv[2]))
got = {m: float(v) for m, v in re.findall(
    r'^eddy_series_served_weight\{series="pin",model="([^"]*)"\} (\S+)$', open(sys.argv[1]).read(), re.M)}
want = dict(zip(f["combination"].split("/"), f["combination_weights"]))
assert got.keys() == want.keys() and all(abs(got[m] - want[m]) <= 1e-12 * max(1, want[m]) for m in want), (got, want)
print(f"ok: eddy_series_served_weight of pin: {got}")
PY
ok "eddy-metrics exports eddy_series_served_weight{series,model}: the served combination's weights"
eddy_stop_all || fail "a stage did not stop cleanly"
ok "every stage exited 0 on SIGTERM"
