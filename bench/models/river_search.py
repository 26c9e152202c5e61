#!/usr/bin/env python3
"""River's best configuration per series, by a small grid search, for
docs/models.md's accuracy tables (bench/models/accuracy.sh reads the output).

    /tmp/rv/bin/python bench/models/river_search.py > bench/models/river_best.csv

Pinned like the golden traces: river==0.26.1 (Python 3.11). One-step
prequential, lags built as eddy's features stage (15, in_1 the previous
value, missing 0.0); a forecaster that cannot forecast yet (Holt-Winters
before its first season) or raises (division by zero) predicts the last
target, eddy's fallback. The grid:
  time_series.HoltWinters: alpha {0.1, 0.3, 0.5, 0.8} x beta {0.01, 0.1, 0.3}
    x gamma {0.1, 0.3, 0.6} x additive/multiplicative, seasonality 12;
  StandardScaler | LinearRegression(l2 {0, 1}) on the target and lags
    seasonally differenced (lag 12), with and without a regular difference;
  time_series.SNARIMAX(p=1, d=0|1, q=0|1, m=12, sp=0|1, sd=1, sq=0|1).
Output: series,config,mae_all,mae_from14 for the best config by mae_all.
"""
import csv
import glob
import itertools
import math
import os
import sys

from river import linear_model, preprocessing, time_series

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
from gen_golden import Differenced, lags  # noqa: E402

SKIP = 13


def series_files():
    return [os.path.join(ROOT, "data", "airpassengers-extended.csv")] + sorted(
        glob.glob(os.path.join(ROOT, "data", "public", "*.csv"))
    )


def load(path):
    with open(path) as f:
        return [float(r["target"]) for r in csv.DictReader(f)]


def run_forecaster(model, ys):
    """predict = forecast(1)[0] (last target when River cannot), learn y;
    a River exception in learn_one ends the run (None: config invalid)."""
    errs = []
    for t, y in enumerate(ys):
        try:
            p = model.forecast(horizon=1)[0]
        except (IndexError, ZeroDivisionError):
            p = ys[t - 1] if t else 0.0
        if not math.isfinite(p):
            return None
        errs.append(abs(p - y))
        try:
            model.learn_one(y)
        except ZeroDivisionError:
            return None
    return errs


def run_regressor(model, ys):
    errs = []
    for t, y in enumerate(ys):
        x = lags(ys[:t])
        p = model.predict_one(x)
        if not math.isfinite(p):
            return None
        errs.append(abs(p - y))
        model.learn_one(x, y)
    return errs


def configs():
    for a, b, g, mult in itertools.product(
        [0.1, 0.3, 0.5, 0.8], [0.01, 0.1, 0.3], [0.1, 0.3, 0.6], [False, True]
    ):
        name = f"HoltWinters(alpha={a}, beta={b}, gamma={g}, seasonality=12" + (
            ", multiplicative=True)" if mult else ")"
        )
        yield name, "f", lambda a=a, b=b, g=g, m=mult: time_series.HoltWinters(
            alpha=a, beta=b, gamma=g, seasonality=12, multiplicative=m
        )
    for l2, d in itertools.product([0.0, 1.0], [0, 1]):
        name = f"StandardScaler | LinearRegression(l2={l2}) on y[t]-y[t-12]" + (
            ", differenced once more" if d else ""
        )
        yield name, "r", lambda l2=l2, d=d: Differenced(
            preprocessing.StandardScaler() | linear_model.LinearRegression(l2=l2), d, 12
        )
    for d, q, sp, sq in itertools.product([0, 1], [0, 1], [0, 1], [0, 1]):
        name = f"SNARIMAX(p=1, d={d}, q={q}, m=12, sp={sp}, sd=1, sq={sq})"
        yield name, "f", lambda d=d, q=q, sp=sp, sq=sq: time_series.SNARIMAX(
            p=1, d=d, q=q, m=12, sp=sp, sd=1, sq=sq
        )


def main():
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["series", "config", "mae_all", "mae_from14"])
    for path in series_files():
        ys = load(path)
        best = None
        for name, kind, make in configs():
            try:
                errs = (run_forecaster if kind == "f" else run_regressor)(make(), ys)
            except (OverflowError, ValueError, ZeroDivisionError):
                errs = None
            if errs is None:
                continue
            mae = sum(errs) / len(errs)
            tail = sum(errs[SKIP:]) / len(errs[SKIP:])
            if best is None or mae < best[1]:
                best = (name, mae, tail)
        w.writerow([os.path.basename(path), best[0], f"{best[1]:.4f}", f"{best[2]:.4f}"])
        sys.stdout.flush()
        print(os.path.basename(path), best, file=sys.stderr)


if __name__ == "__main__":
    main()
