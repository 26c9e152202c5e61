#!/usr/bin/env python3
"""Would a forecast-combination challenger make the served forecast beat
every single model? An offline check, before any change to eddy-evaluate.

For each series (the seed and data/public/, as served.py) it takes every
pipeline model's one-step forecasts (`eddy-accuracy --served --dump`, the
learners' pure cores) and adds a virtual model, the combination: at step t
the weighted mean of the k models with the lowest mean squared one-step
error over the previous W steps, weights proportional to 1 / MSE**p (p = 1:
Bates & Granger 1969, "The combination of forecasts", their inverse-variance
rule without covariances; Stock & Watson 2004, "Combination forecasts of
output growth in a seven-country data set", discounted-MSE weights with
p = 1 and top-k trimming), shrunk toward equal weights by s
(w = (1 - s) w + s / k). It then chooses a champion per step among the
models and the combination with a simplified form of the evaluator's rules
(champion.h: default holt_winters_auto; a challenger whose rolling RMSE over
the window is below (1 - margin) of the champion's, both windows full, on
`consecutive` steps in a row is promoted; no revert, drift window or
contract gate: every forecast here is finite) and prints, per rule (None:
no combination, the models alone), the
best champion setting by (series strictly below every single model, worst
loss against the best single model), beside the combination alone.

The issue's target: below every single model on at least 4 series, never
more than 5% worse than the best one.

    scripts/build.sh && python3 bench/models/combination.py     # stdlib only
    python3 bench/models/combination.py --without snarimax    # fewer models
"""
import itertools
import math
import os
import subprocess
import sys

from accuracy import BUILD, SERIES, path_of
from served import pipeline_models

RULES = [  # k, W, p, s
    (2, 24, 1, 0.0), (2, 24, 2, 0.0), (2, 120, 1, 0.0), (2, 240, 4, 0.0),
    (3, 6, 1, 0.5), (3, 24, 1, 0.0), (3, 48, 2, 0.0), (3, 120, 1, 0.5),
    (4, 12, 2, 0.5), (6, 24, 1, 0.0), (13, 120, 1, 0.0),
]
CHAMPION = list(itertools.product([72, 96, 120, 144, 168], [0.0, 0.02, 0.05, 0.1], [1, 2, 3]))
STRICT = 1e-4  # "below": by more than 0.01%


def dump(models):
    """{file: (y, P)}: P[t][m] model m's forecast of step t made at t - 1."""
    cmd = [os.path.join(BUILD, "models", "eddy-accuracy"), "--served", "--dump"]
    cmd += [path_of(s) for s, _ in SERIES] + ["--"] + models
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    res, y, f = {}, [], []
    for line in out.splitlines():
        if line.startswith("# forecast "):
            v = [float(x) for x in line.split()[3:]]
            y.append(v[0])
            f.append(v[1:])
        elif not line.startswith("#"):
            res[line.split()[0]] = (y, [[math.nan] * len(models)] + f[:-1])
            y, f = [], []
    return res


def prefix(y, cols):
    """Per column, prefix sums of squared one-step errors (step 0 unscored)."""
    out = []
    for c in cols:
        s, acc = [0.0], 0.0
        for t in range(1, len(y)):
            acc += (c[t] - y[t]) ** 2 if math.isfinite(c[t]) else 0.0
            s.append(acc)
        out.append(s)
    return out


def combine(y, P, rule):
    """The combination's forecast of every step (nan until step 2)."""
    k, w, p, s = rule
    cols = list(zip(*P))
    sq = prefix(y, cols)
    c = [math.nan] * len(y)
    for t in range(2, len(y)):
        lo = max(1, t - w)
        mse = sorted(((sq[m][t - 1] - sq[m][lo - 1]) / (t - lo), m)
                     for m in range(len(cols)) if math.isfinite(P[t][m]))[:k]
        low = max(mse[0][0], 1e-300)  # relative to the lowest: no overflow
        raw = [(low / max(e, low)) ** p for e, _ in mse]
        tot = sum(raw)
        c[t] = sum(((1 - s) * r / tot + s / len(mse)) * P[t][m]
                   for r, (_, m) in zip(raw, mse))
    return c


def champion(y, cols, default, window, margin, consecutive):
    """The served forecast of each step under the simplified rules."""
    sq = prefix(y, cols)
    ch, streak, served = default, [0] * len(cols), [math.nan] * len(y)
    start = [next(t for t in range(1, len(y)) if math.isfinite(c[t])) for c in cols]
    for t in range(1, len(y)):
        served[t] = cols[ch][t]
        full = [t - start[m] + 1 >= window for m in range(len(cols))]
        if not full[ch]:
            continue
        err = [sq[m][t] - sq[m][t - window] for m in range(len(cols))]
        for m in range(len(cols)):
            better = m != ch and full[m] and err[m] < (1 - margin) ** 2 * err[ch]
            streak[m] = streak[m] + 1 if better else 0
        ready = [m for m in range(len(cols)) if streak[m] >= consecutive]
        if ready:
            ch, streak = min(ready, key=lambda m: err[m]), [0] * len(cols)
    return served


def mae(y, f):
    e = [abs(f[t] - y[t]) for t in range(1, len(y)) if math.isfinite(f[t])]
    return sum(e) / len(e)


def score(rels):
    return sum(r < -STRICT for r in rels), max(rels)


def main():
    drop = sys.argv[2].split(",") if sys.argv[1:2] == ["--without"] else []
    models = [m for m in pipeline_models() if m not in drop]
    data = dump(models)
    default = models.index("holt_winters_auto")
    files = [s for s, _ in SERIES]
    print("rule (k, W, p, s) | combination alone vs best | served: below, worst | "
          "champion (window, margin, consecutive)")
    met = []
    for rule in [None] + RULES:
        alone, runs = [], {}
        for f in files:
            y, P = data[f]
            cols = list(zip(*P))
            best = min(mae(y, c) for c in cols)
            comb = combine(y, P, rule) if rule else None
            alone.append(mae(y, comb) / best - 1 if rule else math.nan)
            runs[f] = (y, cols + [comb] if rule else cols, best)
        top = None
        for cw, mg, cons in CHAMPION:
            rels = [mae(y, champion(y, cols, default, cw, mg, cons)) / best - 1
                    for y, cols, best in runs.values()]
            below, worst = score(rels)
            key = (below >= 4 and worst <= 0.05, below, -worst)
            if top is None or key > top[0]:
                top = (key, (cw, mg, cons), rels)
        met += [rule] if top[0][0] and rule else []
        print(f"{rule} | " + " ".join(f"{r:+.3f}" for r in alone) +
              f" | {top[0][1]}, {top[0][2] * -100:+.1f}% | {top[1]}: " +
              " ".join(f"{r:+.4f}" for r in top[2]))
    print(f"series: {' '.join(files)}")
    print(f"rules meeting the target: {met if met else 'none'}")


if __name__ == "__main__":
    main()
