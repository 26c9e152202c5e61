#!/usr/bin/env python3
"""Writes docs/models.md's served-forecast table (between <!-- served:begin -->
and <!-- served:end -->): the h=1 MAE of the forecast eddy-evaluate serves
(its champion's, with the evaluator's default settings) beside every model
of the pipeline (deploy/programs.sh EDDY_MODELS), over the same steps, on the
seed and the public series of data/public/. `eddy-accuracy --served` runs
the learner's and the evaluator's pure cores in lockstep (no Kafka); see
bench/models/served.h.

    scripts/build.sh && python3 bench/models/served.py     # stdlib only
    python3 bench/models/served.py --grid   # the combination's settings around the
                                            # defaults, and leave-one-series-out

EDDY_BUILD_DIR (default build/) holds eddy-accuracy.
"""
import os
import re
import subprocess

from accuracy import BUILD, ROOT, SERIES, path_of, write_between


def pipeline_models():
    with open(os.path.join(ROOT, "deploy", "programs.sh")) as f:
        m = re.search(r"^EDDY_MODELS=\((.*)\)$", f.read(), re.M)
    return m.group(1).split()


def measure(models, *sets):
    cmd = [os.path.join(BUILD, "models", "eddy-accuracy"), "--served"]
    for kv in sets:
        cmd += ["--set", kv]
    cmd += [path_of(s) for s, _ in SERIES] + ["--"] + models
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        f = line.split()
        res[f[0]] = (float(f[2]), int(f[3]), int(f[5]),
                     {k: float(v) for k, v in (x.split("=") for x in f[6:])})
    return res


def table(res, alone, models):
    lines = ["| series | steps | champions crowned | served | best model | served vs best | "
             "champion alone vs best | " + " | ".join(f"`{m}`" for m in models) + " |",
             "|---" * (len(models) + 7) + "|"]
    below, worst = 0, -1.0
    for s, label in SERIES:
        served, steps, changes, per = res[s]
        best = min(per, key=per.get)
        below += served < per[best]
        worst = max(worst, served / per[best] - 1)
        cells = [f"**{per[m]:.4g}**" if per[m] == per[best] else f"{per[m]:.4g}" for m in models]
        lines.append(f"| {label} | {steps} | {changes} | {served:.4g} | `{best}` | "
                     f"{100 * (served / per[best] - 1):+.1f}% | "
                     f"{100 * (alone[s][0] / per[best] - 1):+.1f}% | " + " | ".join(cells) + " |")
    return "\n".join(lines), below, worst


GRID = {  # the neighbourhood of the defaults (0.3, 8 steps, power 4, 2 models)
    "combination_share": ["0.2", "0.3", "0.4"],
    "combination_window": ["4", "8", "12", "24"],
    "combination_power": ["2", "4", "8"],
    "combination_models": ["2", "3"],
}


def grid(models):
    """--grid: every setting of GRID; per setting the served MAE against the
    best single model on each series; then leave-one-series-out: the setting
    chosen on six series (most series below, then the smallest worst loss)
    scored on the seventh."""
    import itertools
    keys = list(GRID)
    cells = []
    for values in itertools.product(*GRID.values()):
        sets = [f"{k}={v}" for k, v in zip(keys, values)]
        res = measure(models, *sets)
        rel = {s: res[s][0] / min(res[s][3].values()) - 1 for s, _ in SERIES}
        cells.append((values, rel))
        print(" ".join(values), sum(r < 0 for r in rel.values()),
              f"{100 * max(rel.values()):+.2f}%",
              " ".join(f"{100 * rel[s]:+.2f}" for s, _ in SERIES), flush=True)
    below = [sum(r < 0 for r in rel.values()) for _, rel in cells]
    print(f"settings: {len(cells)}; below on all {len(SERIES)} series: "
          f"{below.count(len(SERIES))}; fewest series below: {min(below)}; "
          f"worst loss of any setting on any series: "
          f"{100 * max(max(rel.values()) for _, rel in cells):+.2f}%")
    for out, label in SERIES:
        def key(cell):
            rel = [r for s, r in cell[1].items() if s != out]
            return (-sum(r < 0 for r in rel), max(rel))
        chosen = min(cells, key=key)
        print(f"leave out {label}: chosen {' '.join(chosen[0])}, "
              f"served vs best there {100 * chosen[1][out]:+.2f}%")


def main():
    import sys
    models = pipeline_models()
    if sys.argv[1:] == ["--grid"]:
        return grid(models)
    res = measure(models)
    alone = measure(models, "combination_share=0")
    text, below, worst = table(res, alone, models)
    text += (f"\n\nServed below every model on {below} of {len(SERIES)} series, "
             f"at most {100 * worst:+.1f}% against the best one (bold: the best "
             "single model; *champion alone*: `--combination-share 0`, the "
             "champion's forecast served as it is).")
    write_between("served", text)

if __name__ == "__main__":
    main()
