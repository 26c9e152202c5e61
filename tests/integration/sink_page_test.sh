#!/usr/bin/env bash
# eddy-metrics serving eddy-evaluate's scores, on the embedded broker fed
# with the 744-row seed (linear, ridge, snaive):
#
#   sink_page_test.sh prometheus   a real Prometheus scrapes the sink; one
#                                  query per eddy_* family returns the value
#                                  expected (River's golden MAE, the last
#                                  Score record read with eddy-cat, 744...)
#   sink_page_test.sh page         headless Chromium loads the status page
#                                  of airpassengers: a screenshot is kept in
#                                  the build tree (sink-page.png), the
#                                  main chart holds one point per record and
#                                  the champion timeline one row per decision
#                                  of /champion/airpassengers
set -euo pipefail
mode=${1:?usage: sink_page_test.sh prometheus|page}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" "sink-$mode"
rows=744
s="-sp-$$-$(date +%s)"
obs=obs$s feat=feat$s pred=pred$s scores=scores$s dlq=dlq$s
models=(linear ridge snaive)
eddy_start_broker
common=(-X session.timeout.ms=6000 --deadletter-topic "$dlq" --http 127.0.0.1:0)
eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" --group "features$s"
for m in "${models[@]}"; do
  eddy_start "learn-$m" eddy-learn "${common[@]}" --model "$m" --input "$feat" --output "$pred" --group "learn-$m$s"
done
eddy_start evaluate eddy-evaluate "${common[@]}" --input "$pred" --output "$scores" --group "evaluate$s"
eddy_start metrics eddy-metrics "${common[@]}" --input "$pred" --scores "$scores" --group "metrics$s" \
  --max-series 100 -X topic.metadata.refresh.interval.ms=1000
port=$(eddy_http_port metrics)
[ -n "$port" ] || fail "the sink did not report its HTTP port"
url="http://127.0.0.1:$port"
"$(eddy_bin eddy-ingest)" --topic "$obs" --series-id airpassengers "$root/data/airpassengers-extended.csv" \
  2>"$EDDY_RUN/ingest.log" || fail ingest
eddy_wait_predictions "$url/metrics" "$rows" 60 "${models[@]}" || fail "predictions missing"
eddy_wait_scores "$scores" $((rows - 1)) 60 "${models[@]}" || fail "scores missing"
# The sink has read the last Score of every model.
for _ in $(seq 100); do
  n=$(curl -fsS "$url/metrics" | awk '$1 ~ /^eddy_forecast_scored_total\{.*horizon="1"\}/ && $2 == '$rows' {n++} END {print n+0}')
  [ "$n" = ${#models[@]} ] && break
  sleep 0.2
done
[ "$n" = ${#models[@]} ] || { curl -fsS "$url/metrics" >"$EDDY_RUN/metrics-fail.txt"; fail "the sink did not serve the scores ($n of ${#models[@]} models)"; }
ok "the sink serves the scores of ${models[*]}"

prometheus_mode() {
  curl -fsS "$url/metrics" >"$EDDY_RUN/metrics.txt"
  promtool check metrics <"$EDDY_RUN/metrics.txt" || fail "promtool check metrics"
  ! grep -vE '^#' "$EDDY_RUN/metrics.txt" | grep -qE ' (NaN|[+-]Inf)$' || fail "a sample is NaN or infinite"
  ok "promtool check metrics passed; no NaN or infinity"
  it_prometheus "$port"
  EDDY_PROM="http://127.0.0.1:$prom_port" GOLDEN="$root/tests/golden/airpassengers-extended.csv" \
    SCORES="$EDDY_RUN/scores.jsonl" ROWS=$rows MAX_SERIES=100 python3 - <<'PY' || fail "a Prometheus query"
import csv, json, os, time, urllib.parse, urllib.request
prom = os.environ["EDDY_PROM"]; rows = int(os.environ["ROWS"])
golden = list(csv.DictReader(open(os.environ["GOLDEN"])))
mae1 = sum(abs(float(r["target"]) - float(r["linear"])) for r in golden) / len(golden)
last = {}
for line in open(os.environ["SCORES"]):
    r = json.loads(line); last[r["model"]] = r
lin = last["linear"]; H = lin["horizons"]; W = lin["windows"]
def query(q, deadline=[time.time() + 40]):
    while True:
        u = prom + "/api/v1/query?query=" + urllib.parse.quote(q)
        try:
            res = json.load(urllib.request.urlopen(u))["data"]["result"]
        except OSError:
            res = []
        if res:
            return [float(x["value"][1]) for x in res]
        if time.time() > deadline[0]:
            raise SystemExit(f"FAIL: Prometheus has no result for {q}")
        time.sleep(0.3)
def check(q, want, tol=1e-9):
    got = query(q)
    assert len(got) == 1, f"{q}: {len(got)} series"
    assert abs(got[0] - want) <= tol * max(1.0, abs(want)), f"{q} = {got[0]}, expected {want}"
    print(f"ok: {q} = {got[0]:.10g}")
S = 'model="linear",series="airpassengers"'
check(f'eddy_forecast_mae{{{S},horizon="1",window="cumulative"}}', mae1)
check(f'eddy_forecast_mae{{{S},horizon="5",window="cumulative"}}', lin["mae"][4])
check(f'eddy_forecast_rmse{{{S},horizon="3",window="cumulative"}}', lin["rmse"][2])
check(f'eddy_forecast_mape_ratio{{{S},horizon="2",window="cumulative"}}', lin["mape"][1])
check(f'eddy_forecast_mase{{{S},horizon="4",window="cumulative"}}', lin["mase"][3])
w = W.index(10)
check(f'eddy_forecast_mae{{{S},horizon="2",window="10"}}', lin["rolling_mae"][w * H + 1])
check(f'eddy_forecast_scored_total{{{S},horizon="1"}}', lin["n"][0])
check('eddy_model_forecast_mae{model="linear",horizon="1",window="cumulative"}', mae1)
check('eddy_model_forecast_rmse{model="ridge",horizon="2",window="cumulative"}', last["ridge"]["rmse"][1])
check('eddy_model_forecast_mape_ratio{model="snaive",horizon="1",window="cumulative"}', last["snaive"]["mape"][0])
check('eddy_model_forecast_mase{model="linear",horizon="5",window="cumulative"}', lin["mase"][4])
check('eddy_model_forecast_scored_total{model="linear",horizon="5"}', lin["n"][4])
check('eddy_model_predictions_total{model="ridge"}', rows)
check('eddy_model_nonfinite_predictions_total{model="linear"}', 0)
check('eddy_model_failing{model="linear"}', 0)
check('eddy_prediction_latency_seconds_count{model="snaive"}', rows)
check('time() - eddy_model_last_prediction_timestamp_seconds{model="linear"} < bool 600', 1)
check('eddy_series_points{model="linear",series="airpassengers"}', rows)
check('eddy_sink_series', 3)
check('eddy_sink_series_limit', int(os.environ["MAX_SERIES"]))
check('eddy_sink_series_dropped_total', 0)
check('eddy_sink_predictions_replaced_total', 0)
check('eddy_sink_predictions_stale_total', 0)
check('eddy_sink_scores_read_total > bool 0', 1)
check('count(eddy_build_info{program="eddy-metrics"} == 1)', 1)
check('time() - process_start_time_seconds < bool 600', 1)
check('process_resident_memory_bytes > bool 0', 1)
check('process_cpu_seconds_total >= bool 0', 1)
check('process_open_fds > bool 0', 1)
check('process_virtual_memory_bytes > bool 0', 1)
# A legacy name still answers, for the seed's dashboards.
check('ml_model_mae{model="linear",series="_all"}', mae1)
PY
}

page_mode() {
  local shot=$EDDY_BIN/sink-page.png dom=$EDDY_RUN/page.html
  rm -f "$shot"
  curl -fsS "$url/chart.js" >"$EDDY_RUN/chart.js" || fail "/chart.js"
  head -c 200 "$EDDY_RUN/chart.js" | grep -q 'Chart.js v' || fail "/chart.js does not serve Chart.js"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1500 \
    --virtual-time-budget=8000 --screenshot="$shot" "$url/series/airpassengers" \
    >"$EDDY_RUN/chromium.log" 2>&1 || fail "chromium --screenshot"
  [ -s "$shot" ] || fail "no screenshot"
  ok "screenshot: $shot ($(stat -c %s "$shot") bytes)"
  chromium --headless --no-sandbox --disable-gpu --window-size=1400,1500 --virtual-time-budget=8000 \
    --dump-dom "$url/series/airpassengers" >"$dom" 2>>"$EDDY_RUN/chromium.log" || fail "chromium --dump-dom"
  grep -q 'data-ready="1"' "$dom" || fail "the page did not finish drawing: $(grep -o 'id="error">[^<]*' "$dom")"
  points=$(sed -n 's/.*id="main"[^>]*data-points="\([0-9]*\)".*/\1/p' "$dom" | head -1)
  [ "$points" = "$rows" ] || fail "the chart holds ${points:-no} points, the series has $rows records"
  ok "the chart of airpassengers holds $points points, one per record"
  models_drawn=$(sed -n 's/.*id="main"[^>]*data-models="\([0-9]*\)".*/\1/p' "$dom" | head -1)
  [ "$models_drawn" = ${#models[@]} ] || fail "the chart shows $models_drawn models"
  for m in "${models[@]}"; do grep -q "<td>$m</td>" "$dom" || fail "no table row for $m"; done
  grep -q '<td>5</td>' "$dom" || fail "no horizon 5 in the error table"
  ok "leaderboards and the per-horizon table list ${models[*]}"
  # The champion timeline beside the plot: one row per decision of
  # /champion/airpassengers (eddy-evaluate's model-events), in order; one
  # strip period per decision that set the champion; the served one last.
  curl -fsS "$url/champion/airpassengers" >"$EDDY_RUN/champion.json" || fail "GET /champion/airpassengers"
  python3 - "$dom" "$EDDY_RUN/champion.json" <<'PY' || fail "the champion timeline does not match /champion/airpassengers"
import json, re, sys
dom, c = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
sec = dom[dom.index('id="champion"'):]
sec = sec[:sec.index("</section>")]
want = [(e["kind"], e["model"]) for e in c["events"]]
assert want and want[0][0] == "initial", f"model-events of airpassengers: {want}"
rows = re.findall(r'<tr data-kind="([^"]*)" data-model="([^"]*)">', sec)
assert rows == want, f"timeline rows {rows}, model-events {want}"
for e in c["events"]:
    assert e["reason"] and e["reason"] in sec.replace("&amp;", "&").replace("&gt;", ">").replace("&lt;", "<"), f"no reason {e['reason']!r}"
periods = re.findall(r'<span [^>]*data-model="([^"]*)" data-kind="([^"]*)"', sec)
sets = [(e["model"], e["kind"]) for e in c["events"] if e["kind"] in ("initial", "promotion", "revert", "pin", "unpin")]
assert periods == sets, f"strip periods {periods}, decisions {sets}"
assert periods[-1][0] == c["forecast"]["model"], f"last period {periods[-1]}, served {c['forecast']['model']}"
assert f'data-champion="{c["forecast"]["model"]}"' in sec and f'data-events="{len(want)}"' in sec
print(f"ok: timeline {len(rows)} decisions {[k for k, _ in rows]}, {len(periods)} periods, serving {periods[-1][0]}")
PY
  ok "the champion timeline lists every decision of /champion/airpassengers, in order, with its reason"
  # Chart.js missing: a clear message, not a blank page.
  eddy_stop metrics || fail "the sink did not stop"
  eddy_start metrics2 eddy-metrics "${common[@]}" --input "$pred" --group "metrics2$s" --chart-js /nonexistent/chart.js
  port2=$(eddy_http_port metrics2)
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port2/chart.js")
  [ "$code" = 404 ] || fail "/chart.js answered $code without the file"
  curl -s "http://127.0.0.1:$port2/chart.js" >"$EDDY_RUN/nochart.js"
  grep -q 'libjs-chart.js' "$EDDY_RUN/nochart.js" || fail "no hint to install libjs-chart.js"
  ok "without Chart.js: 404 naming libjs-chart.js and --chart-js"
}
"${mode}_mode"
eddy_stop_all || fail "a stage did not stop cleanly"
