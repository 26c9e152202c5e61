#!/usr/bin/env python3
"""Writes docs/models.md's baseline tables (between <!-- baselines:begin -->
and <!-- baselines:end -->): one-step prequential MAE, over the whole series
and from step 14 on, of every eddy model with its defaults, a few documented
non-default configurations, the three baselines, and River's best
configuration (bench/models/river_best.csv, written by river_search.py, which
needs the River venv), on the seed data and the public series in
data/public/.

    scripts/build.sh && python3 bench/models/accuracy.py     # stdlib only

EDDY_BUILD_DIR (default build/) holds eddy-accuracy.
"""
import csv
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("EDDY_BUILD_DIR", os.path.join(ROOT, "build"))
DOC = os.path.join(ROOT, "docs", "models.md")

SERIES = [
    ("airpassengers-extended.csv", "seed (744)"),
    ("co2.csv", "co2 (468)"),
    ("nottem.csv", "nottem (240)"),
    ("USAccDeaths.csv", "USAccDeaths (72)"),
    ("UKDriverDeaths.csv", "UKDriverDeaths (192)"),
    ("elec_equip.csv", "elec_equip (257)"),
    ("sunspots.csv", "sunspots (2820)"),
]
BASELINES = [
    ("snaive:period=1", "baseline: previous value"),
    ("snaive", "baseline: seasonal naive y[t-12]"),
    ("snaive_drift", "baseline: y[t-12] + (y[t-1] - y[t-13])"),
]
MODELS = [
    "linear", "ridge", "lasso", "knn", "holt_winters", "rls", "bagging",
    "hoeffding_tree", "amf", "holt_winters_auto", "snarimax",
]
EXTRA = [
    "holt_winters:multiplicative=1", "ridge:seasonal_diff=12",
    "rls:seasonal_diff=12", "linear:seasonal_diff=12", "knn:seasonal_diff=12",
    "snarimax:p=12,d=1,q=12,sp=0,sq=0,lr=0.01,intercept_lr=0.01",
]


def path_of(name):
    p = os.path.join(ROOT, "data", name)
    return p if os.path.exists(p) else os.path.join(ROOT, "data", "public", name)


def measure(specs):
    cmd = [os.path.join(BUILD, "models", "eddy-accuracy")]
    cmd += [path_of(s) for s, _ in SERIES] + ["--"] + specs
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        series, spec, all_, tail, _ = line.split()
        res[(series, spec)] = (float(all_), float(tail))
    return res


def river():
    with open(os.path.join(ROOT, "bench", "models", "river_best.csv")) as f:
        return {r["series"]: (float(r["mae_all"]), float(r["mae_from14"]), r["config"])
                for r in csv.DictReader(f)}


def fmt(v):
    return f"{v:.4g}" if abs(v) < 1e6 else f"{v:.2e}"


def table(res, rv, col):
    head = "| model | " + " | ".join(label for _, label in SERIES) + " |"
    lines = [head, "|---" * (len(SERIES) + 1) + "|"]
    best_base = {s: min(res[(s, b)][col] for b, _ in BASELINES) for s, _ in SERIES}
    for spec, label in BASELINES:
        lines.append(f"| {label} | " + " | ".join(
            fmt(res[(s, spec)][col]) for s, _ in SERIES) + " |")
    for spec in MODELS + EXTRA:
        cells = []
        for s, _ in SERIES:
            v = res[(s, spec)][col]
            cells.append(f"**{fmt(v)}**" if v < best_base[s] else fmt(v))
        lines.append(f"| `{spec}` | " + " | ".join(cells) + " |")
    lines.append("| River's best (grid, in hindsight) | " + " | ".join(
        fmt(rv[s][col]) if s in rv else "—" for s, _ in SERIES) + " |")
    return "\n".join(lines)


def main():
    res = measure([b for b, _ in BASELINES] + MODELS + EXTRA)
    rv = river()
    parts = [
        "MAE over the whole series (bold: below the best of the three baselines):",
        "", table(res, rv, 0), "",
        "MAE from step 14 on (the first step whose y[t-13] exists):",
        "", table(res, rv, 1), "",
        "River's best configuration per series (bench/models/river_search.py):",
        "",
    ]
    parts += [f"- {label}: `{rv[s][2]}`" for s, label in SERIES if s in rv]
    write_between("baselines", "\n".join(parts))


def write_between(marker, text):
    """Replaces docs/models.md's text between <!-- MARKER:begin --> and
    <!-- MARKER:end --> by TEXT, and prints it."""
    with open(DOC) as f:
        doc = f.read()
    a, b = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    if a not in doc or b not in doc:
        sys.exit(f"{DOC}: no {a} ... {b} markers")
    doc = doc[: doc.index(a) + len(a)] + "\n" + text + "\n" + doc[doc.index(b):]
    with open(DOC, "w") as f:
        f.write(doc)
    print(text)


if __name__ == "__main__":
    main()
