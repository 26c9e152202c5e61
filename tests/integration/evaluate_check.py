"""Checks eddy-evaluate's Score records against a direct computation.

    evaluate_check.py PREDICTIONS.jsonl SCORES.jsonl [--horizons 5]
        [--season 12] [--windows 5,10,20] [--expect-mae MODEL=VALUE ...]
    evaluate_check.py --same SCORES_A.jsonl SCORES_B.jsonl

Inputs are eddy-cat's JSON lines (one record a line). The direct computation
is written from the definitions, without the evaluator's ring buffers or
running sums: for every (model, series) the predictions sorted by seq, each
step's truth; horizon h's pairs are (prediction, target) of the same record
for h = 1 and (forecast[h-1] of step s - h, target of step s) for h >= 2;
MAE, RMSE, MAPE (non-zero targets), rolling windows over the last W pairs,
MASE over the mean |y_s - y_(s-m)|. The latest Score per key (the compacted
view) must hold the same figures (relative 1e-9) and counts (exactly).
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
from scores import latest, load  # noqa: E402


def direct(preds, horizons, season, windows):
    by = {}
    for p in preds:
        by.setdefault((p["model"], p["series_id"]), {}).setdefault(p["seq"], p)
    want = {}
    for key, recs in by.items():
        steps = sorted(recs)
        y = {s: recs[s]["target"] for s in steps}
        pairs = {h: [] for h in range(1, horizons + 1)}
        for s in steps:
            pairs[1].append((recs[s]["prediction"], y[s]))
            for h in range(2, horizons + 1):
                o = recs.get(s - h)
                if o is not None and len(o["forecast"]) >= h:
                    pairs[h].append((o["forecast"][h - 1], y[s]))
        diffs = [abs(y[s] - y[s - season]) for s in steps if s - season in y]
        scale = sum(diffs) / len(diffs) if diffs else 0.0
        want[key] = summarize(pairs, scale, windows, steps[-1])
    return want


def figures(pairs):
    n = len(pairs)
    errs = [abs(t - f) for f, t in pairs]
    ape = [abs(t - f) / abs(t) for f, t in pairs if t != 0]
    return {
        "n": n,
        "mae": sum(errs) / n if n else 0.0,
        "rmse": math.sqrt(sum(e * e for e in errs) / n) if n else 0.0,
        "mape": sum(ape) / len(ape) if ape else 0.0,
        "mape_n": len(ape),
    }


def summarize(pairs, scale, windows, last_seq):
    horizons = len(pairs)
    out = {"seq": last_seq, "mase_scale": scale}
    cum = [figures(pairs[h]) for h in range(1, horizons + 1)]
    for k in ("n", "mae", "rmse", "mape", "mape_n"):
        out[k] = [c[k] for c in cum]
    out["mase"] = [c["mae"] / scale if scale > 0 else 0.0 for c in cum]
    roll = [figures(pairs[h][-w:]) for w in windows for h in range(1, horizons + 1)]
    for k in ("n", "mae", "rmse", "mape", "mape_n"):
        out["rolling_" + k] = [r[k] for r in roll]
    out["rolling_mase"] = [r["mae"] / scale if scale > 0 else 0.0 for r in roll]
    return out


def close(a, b):
    if isinstance(a, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def check(argv):
    opts = {"--horizons": "5", "--season": "12", "--windows": "5,10,20"}
    expect_mae = []
    args = []
    i = 0
    while i < len(argv):
        if argv[i] in opts:
            opts[argv[i]] = argv[i + 1]
            i += 2
        elif argv[i] == "--expect-mae":
            expect_mae.append(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    preds, scores = load(args[0]), latest(load(args[1]))
    windows = [int(w) for w in opts["--windows"].split(",")]
    want = direct(preds, int(opts["--horizons"]), int(opts["--season"]), windows)
    assert set(want) == set(scores), f"keys {sorted(scores)} != {sorted(want)}"
    for key, w in sorted(want.items()):
        got = scores[key]
        for field, value in w.items():
            assert close(value, got[field]), f"{key} {field}: got {got[field]}, want {value}"
        assert got["windows"] == windows and got["horizons"] == len(w["n"]), got
        assert got["duplicates"] == 0 and got["gap_dropped"] == 0, got
    for e in expect_mae:
        model, value = e.split("=")
        got = [s for k, s in scores.items() if k[0] == model][0]["mae"][0]
        assert f"{got:.4f}" == value, f"{model} h=1 MAE {got:.4f} != {value}"
        print(f"ok: {model} h=1 MAE {got:.4f}")
    print(f"ok: {len(want)} (model, series) scores equal the direct computation at "
          f"every horizon, window and figure")


STRIP = ("scored_at",)


def same(a_path, b_path):
    a, b = latest(load(a_path)), latest(load(b_path))
    for d in (a, b):
        for s in d.values():
            for k in STRIP:
                s.pop(k, None)
    assert set(a) == set(b), f"keys differ: {sorted(a)} vs {sorted(b)}"
    diff = [k for k in a if a[k] != b[k]]
    assert not diff, f"{diff[0]}: {a[diff[0]]} vs {b[diff[0]]}"
    print(f"ok: the latest scores of {len(a)} keys are identical (scored_at aside)")


if __name__ == "__main__":
    if sys.argv[1] == "--same":
        same(sys.argv[2], sys.argv[3])
    else:
        check(sys.argv[1:])
