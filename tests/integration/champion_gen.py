"""Synthetic Prediction records (JSON lines for avro_produce) for the
champion tests: per series, models whose one-step errors are set by hand,
all models' records of a step written together (aligned).

    champion_gen.py SERIES FROM TO

Series (truth y_t = 100 + t / 2 + 10 sin(2 pi t / 12), so the MASE scale
is 6 for every model; errors are |prediction - y|):
  promote   a: 1.0;  b: 3.0 before step 60, 0.2 from 60
  revert    a: 1.0;  b: 0.2 before step 100, 5.0 from 100
  contract  a: 1.0;  c: 0.1 but every forecast NaN
  pin       a: 1.0;  b: 3.0
  drift     a alone, residual y - yhat = +-0.5 before step 80, +60 from 80
            (a level shift of 10 MASE scales)
  adwin     a alone, residual +-0.05 before step 100, +3 from 100 (a small
            lasting shift, 0.5 MASE scales: ADWIN finds it, Page-Hinkley's
            threshold is never reached)
"""
import json
import math
import sys

ERR = {
    "promote": {"a": lambda t: 1.0, "b": lambda t: 3.0 if t < 60 else 0.2},
    "revert": {"a": lambda t: 1.0, "b": lambda t: 0.2 if t < 100 else 5.0},
    "contract": {"a": lambda t: 1.0, "c": lambda t: 0.1},
    "pin": {"a": lambda t: 1.0, "b": lambda t: 3.0},
    "drift": {"a": lambda t: (0.5 if t % 2 else -0.5) if t < 80 else 60.0},
    "adwin": {"a": lambda t: (0.05 if t % 2 else -0.05) if t < 100 else 3.0},
}


def record(series, model, t):
    y = 100.0 + 0.5 * t + 10.0 * math.sin(2 * math.pi * t / 12)
    e = ERR[series][model](t)
    sign = -1 if series in ("drift", "adwin") else 1 if t % 2 else -1
    fc = ["NaN"] * 3 if series == "contract" and model == "c" else [y + 1.0, y + 2.0, y + 3.0]
    return {"series_id": series, "seq": t, "event_time": 1700000000000 + t * 3600000,
            "produced_at": 0, "model": model, "model_version": t + 1,
            "prediction": y + sign * e, "target": y, "forecast": fc, "predicted_at": 0}


if __name__ == "__main__":
    series, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for t in range(lo, hi):
        for m in ERR[series]:
            print(json.dumps(record(series, m, t)))
