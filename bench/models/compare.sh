#!/usr/bin/env bash
# Compares the models' speed of this tree against another revision, in the
# same invocation (this machine is noisy: only a same-run comparison means
# anything). Builds REV's eddy-bench-models in a scratch directory, then runs
# both binaries alternately ROUNDS times on each dataset and prints, per
# model, the best ns per predict+learn step of each and the change.
#
#   bench/models/compare.sh REV [ROUNDS]     # e.g. bench/models/compare.sh 63ee09d 5
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rev=${1:?usage: $0 REV [ROUNDS]}
rounds=${2:-5}
build=${BUILD_DIR:-$root/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git -C "$root" archive "$rev" | tar -x -C "$tmp"
cmake -S "$tmp" -B "$tmp/build" -G Ninja >/dev/null
ninja -C "$tmp/build" eddy-bench-models >/dev/null
cmake -S "$root" -B "$build" -G Ninja >/dev/null
ninja -C "$build" eddy-bench-models >/dev/null

for r in $(seq "$rounds"); do
  for side in base new; do
    bin=$build/models/eddy-bench-models
    [ $side = base ] && bin=$tmp/build/models/eddy-bench-models
    for ds in airpassengers airpassengers-extended; do
      "$bin" "$root/data/$ds.csv" 20 | grep -v '^#' | sed "s/^/$side $ds /"
    done
  done
done >"$tmp/runs.txt"

python3 - "$tmp/runs.txt" "$rev" <<'PY'
import collections, sys
best = collections.defaultdict(lambda: float("inf"))
metrics = {}
models = []
for line in open(sys.argv[1]):
    side, ds, model, ns, *m = line.split()
    best[side, ds, model] = min(best[side, ds, model], float(ns))
    metrics[side, ds, model] = m
    if model not in models:
        models.append(model)
print(f"| dataset | model | {sys.argv[2]} ns | this tree ns | change | same predictions |")
print("|---|---|---:|---:|---:|---|")
for ds in ("airpassengers", "airpassengers-extended"):
    tb = tn = 0.0
    for model in models:
        if ("base", ds, model) not in metrics or ("new", ds, model) not in metrics:
            side = "new" if ("new", ds, model) in metrics else "base"
            print(f"| {ds} | {model} | only in {'this tree' if side == 'new' else sys.argv[2]} | | | |")
            continue
        b, n = best["base", ds, model], best["new", ds, model]
        tb, tn = tb + b, tn + n
        same = metrics["base", ds, model] == metrics["new", ds, model]
        print(f"| {ds} | {model} | {b:.1f} | {n:.1f} | {100 * (n - b) / b:+.1f}% | {'yes' if same else 'NO'} |")
    print(f"| {ds} | total | {tb:.1f} | {tn:.1f} | {100 * (tn - tb) / tb:+.1f}% | |")
PY
