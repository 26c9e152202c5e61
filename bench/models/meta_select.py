#!/usr/bin/env python3
"""Would a selection among champion settings ("selection among selectors")
make the served forecast beat every single model? An offline check for the
issue's target (the served forecast's h=1 MAE below every single model's on
at least 4 series, never more than 5% behind the best one), before any
change to eddy-evaluate.

Each champion setting (eddy-evaluate's --champion-window, -margin,
-consecutive, -metric) is run by `eddy-accuracy --served --timeline` (the
evaluator's own pure core, revert and drift window included); its served
forecast of step t is forecast[0] of its champion after step t - 1, as
served.py defines it, with the forecasts of `--dump`. The script first checks
that this reconstruction gives the served MAE eddy-accuracy prints, for every
setting and series (to its 4 printed decimals), and stops if not.

A meta-rule then serves at step t the served forecast of one setting (so
still one model's forecast, the champion of the chosen setting), chosen
after step t - 1 from the settings' own served errors:
  window     mean absolute error over the last W scored steps (all windows
             full: the default setting until then);
  discounted exponentially weighted mean absolute error with forgetting
             factor lam (weight lam**age; Gardner 1985, "Exponential
             smoothing: the state of the art", tracking signals), the
             default setting until round(1 / (1 - lam)) steps are scored.
Both with the evaluator's hysteresis: the setting served is replaced by one
whose error is below (1 - margin) of its own on `consecutive` steps in a
row (the lowest among those ready). The default setting (eddy-evaluate's
defaults) serves first. A cell is (rule, W or lam, margin or z,
consecutive). Two variants of the window rule, because a relative
margin lets a setting take over for a negligible gain where every error is
near 0 (the seed's synthetic stretches where snaive_drift is exact):
  scaled     the window's errors, the margin times the served setting's
             mean absolute error over the whole history so far (an
             absolute threshold on the series' error level);
  test       the window's errors, a one-sided paired test of the mean
             difference of absolute errors (Diebold & Mariano 1995,
             "Comparing predictive accuracy", without the autocorrelation
             correction): switch when it exceeds z standard errors.

It prints, per settings family and meta-rule family (then all four
together): the whole grid's distribution (cells meeting the target, series
below, worst loss), the best cell, a leave-one-series-out check (the cell
chosen on six series, scored on the seventh), and the per-series table
(meta-selector vs best single model vs today's default served vs the best
single setting in hindsight).

    scripts/build.sh && python3 bench/models/meta_select.py     # stdlib only
    python3 bench/models/meta_select.py --cells    # also every cell's scores

EDDY_BUILD_DIR (default build/) holds eddy-accuracy.
"""
import itertools
import math
import os
import statistics
import subprocess
import sys

from accuracy import BUILD, SERIES, path_of
from combination import mae
from served import pipeline_models

DEFAULT = (240, 0.05, 8, "mae")  # eddy-evaluate's defaults (docs/models.md)
SETTING_FAMILIES = {
    "windows": [(w, 0.05, 8, "mae") for w in (240, 24, 48, 120)],
    "wide": [DEFAULT] + [(w, m, k, x) for w in (24, 48, 120, 240)
                         for m, k in ((0.05, 8), (0.1, 2)) for x in ("mae", "rmse")
                         if (w, m, k, x) != DEFAULT],
}
HYSTERESIS = list(itertools.product((0.0, 0.05, 0.1), (1, 8)))  # margin, consecutive
META_FAMILIES = {
    "window": [("window", w, m, k) for w in (24, 48, 96, 240) for m, k in HYSTERESIS],
    "discounted": [("discounted", lam, m, k) for lam in (0.9, 0.95, 0.98, 0.99)
                   for m, k in HYSTERESIS],
    "scaled": [("scaled", w, m, k) for w in (24, 48, 96, 240) for m in (0.02, 0.05, 0.1)
               for k in (1, 8)],
    "test": [("test", w, z, k) for w in (48, 96, 240) for z in (1.64, 2.33, 3.09)
             for k in (1, 8)],
}
STRICT = 1e-4  # "below": by more than 0.01% (as combination.py)
LOSS = 0.05    # the target's worst allowed loss against the best single model
TIE = 1e-9     # relative: two settings serving the same model are equal, whatever
               # the rounding of their prefix sums


def run(args, models):
    cmd = [os.path.join(BUILD, "models", "eddy-accuracy"), "--served"] + args
    cmd += [path_of(s) for s, _ in SERIES] + ["--"] + models
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def per_file(out):
    """{file: (comment lines, summary fields)} of one eddy-accuracy run."""
    res, lines = {}, []
    for line in out.splitlines():
        if line.startswith("#"):
            lines.append(line)
        else:
            f = line.split()
            res[f[0]] = (lines, f)
            lines = []
    return res


def dump(models):
    """{file: (y, F, best)}: F[t] every model's forecast[0] made at step t
    (of step t + 1); best the MAE of the best single model (the lowest
    eddy-accuracy prints), from its dumped forecasts: full precision, where
    the printed 4 decimals are only 4 digits on co2."""
    res = {}
    for file, (lines, f) in per_file(run(["--dump"], models)).items():
        rows = [[float(x) for x in ln.split()[3:]] for ln in lines
                if ln.startswith("# forecast ")]
        per = {k: float(v) for k, v in (x.split("=") for x in f[6:])}
        for m, name in enumerate(models):
            # eddy-accuracy scores a model by its prediction of step t, made at
            # t; the dump holds its forecast of t made at t - 1. They differ
            # only after the learner's output guard refused a forecast (the
            # model was reset in between): never for the best model here.
            got = mae([r[0] for r in rows], [math.nan] + [r[1 + m] for r in rows[:-1]])
            if abs(got - per[name]) > 5.1e-5:  # printed %.4f
                print(f"note: {file} {name}: MAE of its dumped forecasts {got:.6g}, "
                      f"of its predictions {per[name]}")
                if per[name] == min(per.values()):
                    sys.exit("meta_select: the best model's forecasts differ")
            elif per[name] == min(per.values()):
                best = got
        res[file] = ([r[0] for r in rows], [r[1:] for r in rows], best)
    return res


def setting_args(s):
    w, m, k, metric = s
    return ["--set", f"window={w}", "--set", f"margin={m}",
            "--set", f"consecutive={k}", "--set", f"metric={metric}"]


def served_of(setting, models, data):
    """{file: served forecast per step} of SETTING, checked against the
    served MAE eddy-accuracy prints for it; exits when they differ."""
    res = {}
    for file, (lines, f) in per_file(run(setting_args(setting) + ["--timeline"],
                                          models)).items():
        y, F, _ = data[file]
        champ, now = [None] * len(y), None
        changes = {int(ln.split()[2].rstrip(":")): ln.split()[-1] for ln in lines
                   if ln.startswith("# step ")}
        for t in range(len(y)):
            now = changes.get(t, now)
            champ[t] = models.index(now)
        s = [math.nan] + [F[t - 1][champ[t - 1]] for t in range(1, len(y))]
        got, want = mae(y, s), float(f[2])
        if abs(got - want) > 5.1e-5 or int(f[3]) != len(y) - 1:  # printed %.4f
            sys.exit(f"meta_select: {file} {setting}: reconstructed served MAE "
                     f"{got:.6g}, eddy-accuracy printed {want} over {f[3]} steps")
        res[file] = s
    return res


def prefix(y, cols):
    """A[s][t]: setting s's absolute errors summed over steps 1..t; B[s][u][t]
    the same of the products of s's and u's (the paired test's variance)."""
    a = [[0.0] + [abs(c[t] - y[t]) for t in range(1, len(y))] for c in cols]
    A = [list(itertools.accumulate(x)) for x in a]
    B = [[list(itertools.accumulate(p * q for p, q in zip(x, z))) for z in a] for x in a]
    return A, B


def better_than(t, cur, rule, pre, state):
    """{s: its error} of the settings better than CUR after step T by RULE
    (None: not ready)."""
    kind, par, margin = rule[0], rule[1], rule[2]
    A, B = pre
    S = len(A)
    if kind == "discounted":
        e = state["e"] = [par * x + (A[s][t] - A[s][t - 1])
                          for s, x in enumerate(state.get("e", [0.0] * S))]
        if t < round(1 / (1 - par)):
            return None
        return {s: e[s] for s in range(S) if s != cur and e[s] < (1 - margin - TIE) * e[cur]}
    if t < par:
        return None
    e = [(A[s][t] - A[s][t - par]) / par for s in range(S)]
    if kind == "window":
        return {s: e[s] for s in range(S) if s != cur and e[s] < (1 - margin - TIE) * e[cur]}
    if kind == "scaled":  # the margin on the whole history's error level
        level = A[cur][t] / t
        return {s: e[s] for s in range(S)
                if s != cur and e[cur] - e[s] > max(margin * level, TIE * e[cur])}
    out = {}  # "test": the paired one-sided test of the mean error difference
    for s in range(S):
        if s == cur or e[s] >= (1 - TIE) * e[cur]:
            continue
        d2 = (B[cur][cur][t] - B[cur][cur][t - par] + B[s][s][t] - B[s][s][t - par]
              - 2 * (B[cur][s][t] - B[cur][s][t - par])) / par
        d = e[cur] - e[s]
        if d > margin * math.sqrt(max(d2 - d * d, 0.0) / (par - 1)):
            out[s] = e[s]
    return out


def meta(y, cols, rule, pre):
    """The meta-selector's served forecast per step (setting 0 first)."""
    consecutive = rule[3]
    cur, streak, state = 0, [0] * len(cols), {}
    served = [math.nan] * len(y)
    for t in range(1, len(y)):
        served[t] = cols[cur][t]
        better = better_than(t, cur, rule, pre, state)
        if better is None:
            continue
        streak = [streak[s] + 1 if s in better else 0 for s in range(len(cols))]
        ready = [s for s in better if streak[s] >= consecutive]
        if ready:
            cur, streak = min(ready, key=better.get), [0] * len(cols)
    return served


def verdict(rels):
    below = sum(r < -STRICT for r in rels)
    return below, max(rels), below >= 4 and max(rels) <= LOSS


def key(rels):
    below, worst, met = verdict(rels)
    return (met, below, -worst, -statistics.mean(rels))


def pct(r):
    return f"{100 * r:+.2f}%"


def scores(settings, rules, data, served, files):
    """{rule: [served MAE / best single model's - 1 per series]}."""
    cols = {f: [served[s][f] for s in settings] for f in files}
    pre = {f: prefix(data[f][0], cols[f]) for f in files}
    return {r: [mae(data[f][0], meta(data[f][0], cols[f], r, pre[f])) / data[f][2] - 1
                for f in files] for r in rules}


def grid(rel, files, cells):
    """Prints the distribution of the grid REL (every cell when CELLS)."""
    v = {r: verdict(x) for r, x in rel.items()}
    hist = {b: sum(x[0] == b for x in v.values()) for b in range(len(files) + 1)}
    worst = sorted(x[1] for x in v.values())
    print(f"cells meeting the target: {sum(x[2] for x in v.values())} of {len(rel)}; "
          "series below: " + ", ".join(f"{b}: {c}" for b, c in hist.items() if c)
          + f"; worst loss min {pct(worst[0])}, median {pct(statistics.median(worst))}, "
          f"max {pct(worst[-1])}")
    print("per series, over the cells: min / median / max vs best single model")
    for i, f in enumerate(files):
        xs = sorted(x[i] for x in rel.values())
        print(f"  {f}: {pct(xs[0])} / {pct(statistics.median(xs))} / {pct(xs[-1])}")
    for r, x in rel.items():
        if cells or v[r][2]:
            print(f"  cell {r}: {' '.join(pct(e) for e in x)}"
                  + (" (meets the target)" if v[r][2] else ""))


def loso(rel, files):
    """[(cell, its score on series i)]: per series i, the cell of REL with the
    best key on the other series, scored on i."""
    out = []
    for i in range(len(files)):
        pick = max(rel, key=lambda r: key(rel[r][:i] + rel[r][i + 1:]))
        out.append((pick, rel[pick][i]))
    below, worst, met = verdict([x for _, x in out])
    print(f"leave-one-series-out: below {below}, worst {pct(worst)}, met {met}")
    return out


def table(settings, rel, held, data, served, files):
    """The per-series table: best single model, today's default served, the
    best single setting in hindsight, the best cell of REL, and HELD (LOSO)."""
    top = max(rel, key=lambda r: key(rel[r]))
    below, worst, met = verdict(rel[top])
    print(f"best cell {top}: below {below}, worst {pct(worst)}, met {met}")
    print("| series | best single | default served | best setting (hindsight) | "
          "meta best cell | meta LOSO (cell chosen on the other six) |")
    print("|---|---|---|---|---|---|")
    for i, f in enumerate(files):
        y, best = data[f][0], data[f][2]
        d = mae(y, served[DEFAULT][f])
        h = min((mae(y, served[s][f]), s != DEFAULT, s) for s in settings)  # ties: default
        m = best * (1 + rel[top][i])
        print(f"| {f} | {best:.4g} | {d:.4g} ({pct(d / best - 1)}) | {h[0]:.4g} "
              f"({pct(h[0] / best - 1)}) {h[2]} | {m:.4g} ({pct(rel[top][i])}) | "
              f"{best * (1 + held[i][1]):.4g} ({pct(held[i][1])}) {held[i][0]} |")


def main():
    cells = sys.argv[1:] == ["--cells"]
    models = pipeline_models()
    data = dump(models)
    files = [s for s, _ in SERIES]
    settings = sorted({s for ss in SETTING_FAMILIES.values() for s in ss})
    served = {s: served_of(s, models, data) for s in settings}
    print(f"reconstruction checked: {len(settings)} settings x {len(files)} series "
          "match eddy-accuracy's served MAE")
    print(f"series: {' '.join(files)}; setting = (window, margin, consecutive, metric)")
    for fam, ss in SETTING_FAMILIES.items():
        every = {}
        for mfam, rules in META_FAMILIES.items():
            print(f"\n## settings '{fam}' ({len(ss)}), meta-rule '{mfam}' "
                  f"({len(rules)} cells)")
            rel = scores(ss, rules, data, served, files)
            every.update(rel)
            grid(rel, files, cells)
            table(ss, rel, loso(rel, files), data, served, files)
        print(f"\n## settings '{fam}', all {len(every)} cells of the four meta-rules")
        grid(every, files, False)
        table(ss, every, loso(every, files), data, served, files)


if __name__ == "__main__":
    main()
