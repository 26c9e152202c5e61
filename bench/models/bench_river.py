#!/usr/bin/env python3
"""Times River (the version pinned in tests/golden/gen_golden.py) on the same
data and lag features as eddy-bench-models. Prints
"model ns_per_step mae rmse mape" lines; models without a River twin are left
out. Randomized models use seed 0.

    python bench/models/bench_river.py data/airpassengers-extended.csv [repeats]
"""
import csv
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "golden"))

from gen_golden import (  # noqa: E402
    HW,
    N_LAGS,
    deterministic_models,
    randomized_models,
    snarimax_model,
)


def twins(seed):
    """Every River twin by eddy name (snarimax with eddy's defaults)."""
    return {**deterministic_models(), **randomized_models(seed), "snarimax": HW(snarimax_model())}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "data/airpassengers-extended.csv"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with open(path) as f:
        ys = [float(r["target"]) for r in csv.DictReader(f)]
    xs = [
        {f"in_{i}": (ys[t - i] if i <= t else 0.0) for i in range(1, N_LAGS + 1)}
        for t in range(len(ys))
    ]

    def factories():
        for name in twins(0):
            if name in ("snaive", "holt_winters_mult"):
                continue  # snaive is no River model
            yield name

    print(f"# {path}: {len(ys)} rows, {repeats} repeats")
    for name in factories():
        best, preds = math.inf, None
        for _ in range(repeats):
            m = twins(0)[name]
            out = []
            t0 = time.perf_counter_ns()
            for x, y in zip(xs, ys):
                p = m.predict_one(x)
                m.learn_one(x, y)
                if p is None:  # AMFRegressor before its first sample
                    p = 0.0
                out.append(p)
            best = min(best, (time.perf_counter_ns() - t0) / len(ys))
            preds = out
        # River raises before Holt-Winters is initialised: eddy's fallback
        preds = [
            (p if not (isinstance(p, float) and math.isnan(p)) else (ys[t - 1] if t else 0.0))
            for t, p in enumerate(preds)
        ]
        err = [p - y for p, y in zip(preds, ys)]
        mae = sum(abs(e) for e in err) / len(ys)
        rmse = math.sqrt(sum(e * e for e in err) / len(ys))
        mape = 100 * sum(abs(e / y) for e, y in zip(err, ys)) / len(ys)
        print(f"{name} {best:.1f} {mae:.4f} {rmse:.4f} {mape:.4f}")


if __name__ == "__main__":
    main()
