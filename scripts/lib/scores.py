"""The latest Score per key from eddy-cat's JSON lines (the compacted view of
the scores topic), shared by scripts/demo.sh and the evaluator's tests.

    scores.py table FILE              the per-horizon MAE table (Markdown)
    scores.py done FILE LAST MODEL... exit 0 when every MODEL's latest score
                                      is of step LAST on every series
"""
import json
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def latest(scores):
    """The last record per (model, series), as compaction keeps it."""
    out = {}
    for s in scores:
        out[(s["model"], s["series_id"])] = s
    return out


def table(scores):
    horizons = max(s["horizons"] for s in scores.values())
    lines = ["| model | series | n (h=1) | " +
             " | ".join(f"MAE h={h}" for h in range(1, horizons + 1)) + " |",
             "|---|---|---|" + "---|" * horizons]
    for (model, series), s in sorted(scores.items(), key=lambda kv: kv[1]["mae"][0]):
        cells = [f"{m:.4f}" for m in s["mae"]]
        lines.append(f"| {model} | {series} | {s['n'][0]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def done(scores, last, models):
    got = {m: [s["seq"] for k, s in scores.items() if k[0] == m] for m in models}
    return all(seqs and all(q == last for q in seqs) for seqs in got.values())


if __name__ == "__main__":
    cur = latest(load(sys.argv[2]))
    if sys.argv[1] == "table":
        print(table(cur))
    elif sys.argv[1] == "done":
        sys.exit(0 if done(cur, int(sys.argv[3]), sys.argv[4:]) else 1)
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
