#!/usr/bin/env python3
"""Generates eddy's golden model traces from real River.

Pinned: river==0.26.1 (Python 3.11). Install and run:

    python3 -m venv /tmp/rv && /tmp/rv/bin/pip install river==0.26.1
    /tmp/rv/bin/python tests/golden/gen_golden.py

For each dataset (data/airpassengers.csv, data/airpassengers-extended.csv) it
builds 15 lag features exactly like eddy (in_1 = previous value, in_15 the
oldest, missing lags 0.0, the current value never included), then for each
step: yhat = model.predict_one(x); model.learn_one(x, y).

Outputs (next to this script):
  <dataset>.csv        step,target,<one column per deterministic model>
                       predictions printed with repr() (round-trip exact)
  <dataset>-seeds.csv  model,seed,mae for the randomized models, seeds 0..9
  synthetic-tree.csv   a series on which the Hoeffding tree splits, with
                       River's split count per step (column splits)
  noisy-<seed>.csv     non-integer (decimal) seasonal series with noise,
                       2,400 steps, every deterministic model
  snarimax-<data>.csv  time_series.SNARIMAX's forecast(12) before each step
                       (h1 is the one-step prediction), per parameter set
                       (`gen_golden.py snarimax` writes only these)
A None prediction (AMFRegressor before its first sample) is written as 0.0,
eddy's prediction there.
"""
import csv
import math
import os
import random
import sys

import river
from river import (
    ensemble,
    forest,
    linear_model,
    neighbors,
    optim,
    preprocessing,
    time_series,
    tree,
)

RIVER_VERSION = "0.26.1"
N_LAGS = 15
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATASETS = ["airpassengers", "airpassengers-extended"]
NOISY_SEEDS = [1, 2, 3]
NOISY_LEN = 2400


def deterministic_models():
    return {
        "linear": preprocessing.StandardScaler() | linear_model.LinearRegression(),
        "ridge": preprocessing.StandardScaler() | linear_model.LinearRegression(l2=1.0),
        "lasso": preprocessing.StandardScaler() | linear_model.LinearRegression(l1=0.1),
        "knn": preprocessing.StandardScaler()
        | neighbors.KNNRegressor(
            n_neighbors=5, engine=neighbors.LazySearch(window_size=1000)
        ),
        "holt_winters": HW(
            time_series.HoltWinters(alpha=0.3, beta=0.1, gamma=0.6, seasonality=12)
        ),
        "holt_winters_mult": HW(
            time_series.HoltWinters(
                alpha=0.3, beta=0.1, gamma=0.6, seasonality=12, multiplicative=True
            )
        ),
        "snaive": SeasonalNaive(12),
        "hoeffding_tree": preprocessing.StandardScaler() | tree.HoeffdingTreeRegressor(),
        # eddy's diff / seasonal_diff parameters: River's pipeline on the
        # differenced target and lags, integrated back (Differenced below)
        "linear_sd12": Differenced(
            preprocessing.StandardScaler() | linear_model.LinearRegression(), 0, 12
        ),
        "ridge_sd12_d1": Differenced(
            preprocessing.StandardScaler() | linear_model.LinearRegression(l2=1.0), 1, 12
        ),
        "knn_d1": Differenced(
            preprocessing.StandardScaler()
            | neighbors.KNNRegressor(
                n_neighbors=5, engine=neighbors.LazySearch(window_size=1000)
            ),
            1,
            0,
        ),
    }


class Differenced:
    """A River regressor on the differenced target and lags, as eddy's
    models/diff.c: seasonal difference s_j = u_j - u_{j+D} (u_0 = y, u_j =
    in_j), then d regular differences; the model learns element 0 on elements
    1.. (named in_1, in_2, ...); a prediction is integrated back level by level
    (+ element 1 of the level below per regular difference, then + u_D)."""

    def __init__(self, model, d, sd):
        self.model, self.d, self.sd = model, d, sd

    def levels(self, x, y):
        lv = [[y] + [x[f"in_{j}"] for j in range(1, N_LAGS + 1)]]
        if self.sd:
            u = lv[0]
            lv.append([u[j] - u[j + self.sd] for j in range(len(u) - self.sd)])
        for _ in range(self.d):
            u = lv[-1]
            lv.append([u[j] - u[j + 1] for j in range(len(u) - 1)])
        return lv

    @staticmethod
    def features(top):
        return {f"in_{j}": top[j] for j in range(1, len(top))}

    def predict_one(self, x):
        lv = self.levels(x, 0.0)
        v = self.model.predict_one(self.features(lv[-1]))
        for k in range(len(lv) - 2, 0 if self.sd else -1, -1):
            v = v + lv[k][1]
        if self.sd:
            v = v + lv[0][self.sd]
        return v

    def learn_one(self, x, y):
        lv = self.levels(x, y)
        self.model.learn_one(self.features(lv[-1]), lv[-1][0])


class HW:
    """A River forecaster seen as a regressor: predict = forecast(1)[0], learn y.

    River raises (IndexError) when asked to forecast before it has seen
    max(2, seasonality) values; that step is written as nan."""

    def __init__(self, model):
        self.model = model

    def predict_one(self, x):
        try:
            return self.model.forecast(horizon=1)[0]
        except IndexError:
            return math.nan

    def learn_one(self, x, y):
        self.model.learn_one(y)


class SeasonalNaive:
    """eddy's snaive by its definition (River has none): y[t - period]; before a
    full season the last value, 0 before any."""

    def __init__(self, period):
        self.period = period
        self.ys = []

    def predict_one(self, x):
        if not self.ys:
            return 0.0
        if len(self.ys) < self.period:
            return self.ys[-1]
        return self.ys[-self.period]

    def learn_one(self, x, y):
        self.ys.append(y)


def randomized_models(seed):
    return {
        "bagging": ensemble.BaggingRegressor(
            preprocessing.StandardScaler() | linear_model.LinearRegression(l2=1.0),
            n_models=3,
            seed=seed,
        ),
        # River's defaults: n_estimators=10, step=1.0, use_aggregation=True,
        # max_nodes=None (eddy's max_nodes=4096 is never reached on these data)
        "amf": forest.AMFRegressor(seed=seed),
    }


def load(name):
    with open(os.path.join(ROOT, "data", name + ".csv")) as f:
        return [float(row["target"]) for row in csv.DictReader(f)]


def lags(history):
    """x as eddy builds it: in_1 first (dict order matters for River's sums)."""
    return {
        f"in_{i}": (history[-i] if i <= len(history) else 0.0)
        for i in range(1, N_LAGS + 1)
    }


def run(model, ys):
    preds = []
    for t, y in enumerate(ys):
        x = lags(ys[:t])
        p = model.predict_one(x)
        # AMFRegressor predicts None before its first sample; eddy predicts 0
        preds.append(0.0 if p is None else float(p))
        model.learn_one(x, y)
    return preds


def write_trace(name, ys, cols):
    with open(os.path.join(HERE, name + ".csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["step", "target"] + list(cols))
        for t, y in enumerate(ys):
            w.writerow([t, repr(y)] + [repr(cols[c][t]) for c in cols])


def noisy_series(seed, n=NOISY_LEN):
    """Non-integer monthly-like series, long enough (>= 2,000 steps) for the
    long-run traces. Seed 1: additive season + trend, 2 decimals; seed 2:
    multiplicative season on a growing level, 3 decimals; seed 3: a random
    walk level with a season, 1 decimal. All stay positive (multiplicative
    Holt-Winters needs it)."""
    rng = random.Random(seed)
    ys, level = [], 300.0
    for t in range(n):
        season = math.sin(2 * math.pi * t / 12)
        if seed == 1:
            v = 200 + 0.05 * t + 40 * season + rng.gauss(0, 8)
        elif seed == 2:
            v = (150 + 0.1 * t) * (1 + 0.25 * season) + rng.gauss(0, 5)
        else:
            level = max(50.0, level + rng.gauss(0, 3))
            v = level + 30 * season + rng.gauss(0, 4)
        ys.append(round(max(v, 1.0), 4 - seed))
    return ys


def noisy_traces():
    for seed in NOISY_SEEDS:
        ys = noisy_series(seed)
        cols = {name: run(m, ys) for name, m in deterministic_models().items()}
        write_trace(f"noisy-{seed}", ys, cols)
        print(f"noisy-{seed}", "rows", len(ys), file=sys.stderr)


SNARIMAX_HORIZON = 12
# name -> (p, d, q, m, sp, sd, sq, lr, intercept_lr), the regressor being
# StandardScaler() | LinearRegression(optimizer=optim.SGD(lr),
# intercept_lr=intercept_lr): eddy's defaults; River's docstring example
# with River's default regressor (lr 0.01); a seasonal ARMA with regular
# and seasonal error terms; m=1, where the two differencers' lags collide
# (coefficient -2 at lag 1); d=2 with a short season and two seasonal AR lags
SNARIMAX_SETS = {
    "default": (3, 0, 0, 12, 1, 1, 1, 0.001, 0.3),
    "docs": (12, 1, 12, 12, 0, 1, 0, 0.01, 0.01),
    "arma": (2, 0, 1, 12, 1, 0, 1, 0.01, 0.01),
    "m1": (2, 1, 1, 1, 1, 1, 0, 0.01, 0.01),
    "d2": (3, 2, 2, 4, 2, 1, 1, 0.003, 0.1),
}


def snarimax_model(params=SNARIMAX_SETS["default"]):
    p, d, q, m, sp, sd, sq, lr, ilr = params
    regressor = preprocessing.StandardScaler() | linear_model.LinearRegression(
        optimizer=optim.SGD(lr), intercept_lr=ilr
    )
    return time_series.SNARIMAX(
        p=p, d=d, q=q, m=m, sp=sp, sd=sd, sq=sq, regressor=regressor
    )


def snarimax_run(params, ys):
    """forecast(12) before learning each target: rows of 12 values."""
    model = snarimax_model(params)
    rows = []
    for y in ys:
        rows.append([float(v) for v in model.forecast(horizon=SNARIMAX_HORIZON)])
        model.learn_one(y)
    return rows


def snarimax_traces():
    series = {"airpassengers": load("airpassengers"), "noisy-1": noisy_series(1),
              "noisy-3": noisy_series(3)}
    for ds, ys in series.items():
        cols = {}
        for name, params in SNARIMAX_SETS.items():
            rows = snarimax_run(params, ys)
            for h in range(SNARIMAX_HORIZON):
                cols[f"{name}_h{h + 1}"] = [r[h] for r in rows]
        write_trace(f"snarimax-{ds}", ys, cols)
        print(f"snarimax-{ds}", "rows", len(ys), file=sys.stderr)


def main():
    if river.__version__ != RIVER_VERSION:
        sys.exit(f"need river=={RIVER_VERSION}, found {river.__version__}")
    if sys.argv[1:] == ["snarimax"]:
        snarimax_traces()
        return
    for ds in DATASETS:
        ys = load(ds)
        models = deterministic_models()
        cols = {name: run(m, ys) for name, m in models.items()}
        write_trace(ds, ys, cols)
        rows = []
        for seed in range(10):
            for name, m in randomized_models(seed).items():
                p = run(m, ys)
                mae = sum(abs(a - b) for a, b in zip(p, ys)) / len(ys)
                rows.append((name, seed, repr(mae)))
        if rows:
            with open(os.path.join(HERE, ds + "-seeds.csv"), "w", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(["model", "seed", "mae"])
                w.writerows(rows)
        print(ds, "rows", len(ys), "models", list(cols), file=sys.stderr)
    synthetic_tree()
    noisy_traces()
    snarimax_traces()


def synthetic_series(n=2400):
    """A regime-switching series on which the Hoeffding tree splits several
    times (it never does on airpassengers): four levels in turn, 20 steps
    each, a trend and a deterministic LCG wobble."""
    ys, state = [], 12345
    for t in range(n):
        state = (state * 1103515245 + 12345) % 2**31
        wobble = (state / 2**31 - 0.5) * 20
        level = [-60, 60, -20, 20][(t // 20) % 4]
        ys.append(round(100 + 0.02 * t + level + wobble, 3))
    return ys


def synthetic_tree():
    """The tree trace, with River's split count after each step (column
    `splits`: the tree's branch nodes), so the test can see it splits."""
    ys = synthetic_series()
    m = preprocessing.StandardScaler() | tree.HoeffdingTreeRegressor()
    ht = m["HoeffdingTreeRegressor"]
    preds, splits = [], []
    for t, y in enumerate(ys):
        x = lags(ys[:t])
        preds.append(float(m.predict_one(x)))
        m.learn_one(x, y)
        splits.append(float(ht.summary["n_branches"]))
    write_trace("synthetic-tree", ys, {"hoeffding_tree": preds, "splits": splits})
    print("synthetic-tree", ht.summary, file=sys.stderr)


if __name__ == "__main__":
    main()
