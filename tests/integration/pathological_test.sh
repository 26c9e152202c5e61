#!/usr/bin/env bash
# No non-finite number in any published prediction, on the embedded broker:
# every model learns the pathological series (tests/cases/launch_sales.csv's
# year of zeros, constants, a level shift, alternating signs, huge and tiny
# magnitudes), and eddy-cat reads every prediction back: each record is
# there (eddy-cat shows no record it cannot print as JSON), every number is
# finite, and the learner's fallbacks are marked ("nonfinite"/"diverged").
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" pathological
eddy_start_broker
s="-path-$$"
obs=obs$s feat=feat$s pred=pred$s dlq=dlq$s
common=(-X session.timeout.ms=6000 --deadletter-topic "$dlq" --http off)

cp "$root/tests/cases/launch_sales.csv" "$EDDY_RUN/launch_sales.csv"
python3 - "$EDDY_RUN" <<'PY'
import math, sys
wave = lambda t: 1.0 + 0.5 * math.sin(t * 0.5235987755982988)
sign = lambda t: -1.0 if t % 2 else 1.0
series = {
    "constant": lambda t: 7.0,
    "zeros": lambda t: 0.0,
    "level_shift": lambda t: 3.0 if t < 40 else 300.0,
    "alternating": lambda t: sign(t) * 10.0,
    "alternating_huge": lambda t: sign(t) * 1e300,
    "huge": lambda t: 1e300 * wave(t),
    "tiny": lambda t: 1e-300 * wave(t),
    "zeros_then_huge": lambda t: 0.0 if t < 12 else 1e300 * wave(t),
}
for name, f in series.items():
    with open(f"{sys.argv[1]}/{name}.csv", "w") as out:
        out.write("input,target\n")
        for t in range(80):
            out.write(f"{2000 + t // 12}-{t % 12 + 1:02d},{f(t)!r}\n")
PY
n_obs=$((60 + 8 * 80))
mapfile -t models < <("$(eddy_bin eddy-learn)" --list-models | awk '{print $1}')
[ "${#models[@]}" -ge 10 ] || fail "models: ${models[*]}"
eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" \
  --group "features$s"
for m in "${models[@]}"; do
  eddy_start "learn-$m" eddy-learn "${common[@]}" --model "$m" --input "$feat" \
    --output "$pred" --group "learn-$m$s" --horizon 12
done
eddy_start learn-hw-mult eddy-learn "${common[@]}" --model holt_winters --param multiplicative=1 \
  --input "$feat" --output "$pred" --group "learn-hwm$s" --horizon 12
"$(eddy_bin eddy-ingest)" --topic "$obs" --deadletter-topic "$dlq" "$EDDY_RUN"/*.csv \
  2>"$EDDY_RUN/ingest.log" || fail "eddy-ingest"
want=$((n_obs * (${#models[@]} + 1)))
timeout 75 "$(eddy_bin eddy-cat)" --topic "$pred" --count "$want" --follow \
  -X isolation.level=read_committed >"$EDDY_RUN/pred.jsonl" 2>"$EDDY_RUN/cat.log" ||
  fail "eddy-cat read $(wc -l <"$EDDY_RUN/pred.jsonl") of $want predictions"
eddy_check_alive || fail "a stage exited"
python3 - "$EDDY_RUN/pred.jsonl" "$want" <<'PY' || fail "a published prediction is not finite"
import collections, json, math, sys
def refuse(c):
    raise ValueError(f"non-finite constant {c}")
n, marked, models = 0, collections.Counter(), collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line, parse_constant=refuse)
    for x in [r["prediction"], r["target"], *r["forecast"]]:
        assert isinstance(x, (int, float)) and math.isfinite(x), line
    assert r["fallback"] in ("", "nonfinite", "diverged"), r["fallback"]
    if r["fallback"]:
        marked[(r["model"], r["fallback"])] += 1
    models[r["model"]] += 1
    n += 1
assert n == int(sys.argv[2]), f"{n} predictions, want {sys.argv[2]}"
assert marked, "no fallback marked"
print(f"ok: {n} predictions, all finite; fallbacks by model and reason: {dict(marked)}")
PY
grep -q 'msg="model output not published"' "$EDDY_RUN"/learn-*.log || fail "no fallback logged"
ok "every model's predictions on the pathological series are finite and marked"
