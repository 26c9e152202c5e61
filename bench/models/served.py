#!/usr/bin/env python3
"""Writes docs/models.md's served-forecast table (between <!-- served:begin -->
and <!-- served:end -->): the h=1 MAE of the forecast eddy-evaluate serves
(its champion's, with the evaluator's default settings) beside every model
of the pipeline (deploy/programs.sh EDDY_MODELS), over the same steps, on the
seed and the public series of data/public/. `eddy-accuracy --served` runs
the learner's and the evaluator's pure cores in lockstep (no Kafka); see
bench/models/served.h.

    scripts/build.sh && python3 bench/models/served.py     # stdlib only

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


def measure(models):
    cmd = [os.path.join(BUILD, "models", "eddy-accuracy"), "--served"]
    cmd += [path_of(s) for s, _ in SERIES] + ["--"] + models
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        f = line.split()
        res[f[0]] = (float(f[2]), int(f[3]), int(f[5]),
                     {k: float(v) for k, v in (x.split("=") for x in f[6:])})
    return res


def table(res, models):
    lines = ["| series | steps | champions crowned | served | best model | served vs best | "
             + " | ".join(f"`{m}`" for m in models) + " |",
             "|---" * (len(models) + 6) + "|"]
    below = 0
    for s, label in SERIES:
        served, steps, changes, per = res[s]
        best = min(per, key=per.get)
        below += served < per[best]
        cells = [f"**{per[m]:.4g}**" if per[m] == per[best] else f"{per[m]:.4g}" for m in models]
        lines.append(f"| {label} | {steps} | {changes} | {served:.4g} | `{best}` | "
                     f"{100 * (served / per[best] - 1):+.1f}% | " + " | ".join(cells) + " |")
    return "\n".join(lines), below


def main():
    models = pipeline_models()
    res = measure(models)
    text, below = table(res, models)
    text += (f"\n\nServed below every model on {below} of {len(SERIES)} series "
             "(bold: the best single model).")
    write_between("served", text)

if __name__ == "__main__":
    main()
