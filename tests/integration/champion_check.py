"""Checks eddy-evaluate's champion outputs (eddy-cat JSON lines).

    champion_check.py same EVENTS_A EVENTS_B FORECASTS_A FORECASTS_B [--dedupe]
        the model-events of each series are the same list in both (made_at
        aside), and the latest forecast of each series is the same; with
        --dedupe (the embedded broker, whose transactions are not fully
        isolated) a record equal to an earlier one is dropped first
    champion_check.py served-mae PREDICTIONS FORECASTS
        per series, the served forecast's h=1 MAE (for step t, forecast[0]
        of the last Forecast made after step t-1) beside every model's
        one-step MAE over the same steps, as a Markdown table
    champion_check.py show EVENTS FORECASTS
        prints each series' decisions and served forecast
    champion_check.py expect EVENTS FORECASTS [--series S] [--champion M]
        [--seq N] [--kinds k1,k2,...] [--never-served M]
        [--first-seq KIND=LO..HI ...] [--reason KIND=TEXT ...]
        the latest served forecast of S is M's, made at step N; the decisions
        of S are exactly those kinds, in order; M never appears in the
        forecasts; the first event of KIND has its seq in LO..HI (its reason
        TEXT)
"""
import json
import sys

STRIP = ("made_at",)


def load(path):
    with open(path) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    for r in recs:
        for k in STRIP:
            r.pop(k, None)
    return recs


def by_series(recs):
    out = {}
    for r in recs:
        out.setdefault(r["series_id"], []).append(r)
    return out


def dedupe(recs):
    seen, out = set(), []
    for r in recs:
        k = json.dumps(r, sort_keys=True)
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out


def same(ea, eb, fa, fb, *flags):
    d = dedupe if "--dedupe" in flags else (lambda r: r)
    a, b = by_series(d(load(ea))), by_series(d(load(eb)))
    if "--replayed" in flags:
        # B's group was reset --to-earliest after a whole run: the replay
        # re-derives every decision, so B holds A's events twice, in order.
        a = {k: v + v for k, v in a.items()}
    assert a == b, f"model-events differ: {json.dumps(a)[:400]} vs {json.dumps(b)[:400]}"
    la = {k: v[-1] for k, v in by_series(load(fa)).items()}
    lb = {k: v[-1] for k, v in by_series(load(fb)).items()}
    assert la == lb, f"latest forecasts differ: {la} vs {lb}"
    n = sum(len(v) for v in a.values())
    print(f"ok: {n} model-events and {len(la)} served forecasts identical")


def show(events, forecasts):
    for s, evs in sorted(by_series(load(events)).items()):
        for e in evs:
            print(f"{s} seq={e['seq']} {e['kind']}: {e['previous_model']} -> {e['model']}"
                  f" ({e['model_error']:.4g} vs {e['previous_error']:.4g}) {e['reason']}")
    for s, fs in sorted(by_series(load(forecasts)).items()):
        f = fs[-1]
        print(f"{s}: served {f['model']} at seq {f['seq']}: {f['forecast']}"
              f" ({f['metric']} {f['error']:.4g} over {f['error_n']})")


def expect(events, forecasts, args):
    opts = list(zip(args[::2], args[1::2]))
    one = dict(opts)
    series = one.get("--series")
    evs = by_series(load(events)).get(series, [])
    fcs = by_series(load(forecasts)).get(series, [])
    if "--champion" in one:
        assert fcs and fcs[-1]["model"] == one["--champion"], \
            f"{series}: served {fcs[-1]['model'] if fcs else None}, want {one['--champion']}"
    if "--seq" in one:
        assert fcs and fcs[-1]["seq"] == int(one["--seq"]), f"{series}: latest forecast seq"
    if "--kinds" in one:
        kinds = [e["kind"] for e in evs]
        assert kinds == one["--kinds"].split(","), f"{series}: events {kinds}"
    if "--never-served" in one:
        bad = [f["seq"] for f in fcs if f["model"] == one["--never-served"]]
        assert not bad, f"{one['--never-served']} served at {bad[:5]}"
    for k, v in opts:
        if k == "--first-seq":
            kind, rng = v.split("=")
            lo, hi = (int(x) for x in rng.split(".."))
            seqs = [e["seq"] for e in evs if e["kind"] == kind]
            assert seqs and lo <= seqs[0] <= hi, \
                f"{series}: first {kind} at {seqs[:1]}, want {lo}..{hi}"
        if k == "--reason":
            kind, text = v.split("=", 1)
            got = [e["reason"] for e in evs if e["kind"] == kind]
            assert got and got[0] == text, f"{series}: {kind} reason {got[:1]}, want {text!r}"
    print(f"ok: {series}: {[(e['kind'], e['model'], e['seq']) for e in evs]}")


def served_mae(preds_path, forecasts_path):
    preds, fcs = load(preds_path), load(forecasts_path)
    served = {}
    for f in fcs:
        if f["forecast"]:
            served[(f["series_id"], f["seq"] + 1)] = f["forecast"][0]
    by = {}
    for p in preds:
        by.setdefault(p["series_id"], {}).setdefault(p["model"], {})[p["seq"]] = p
    print("| series | steps | served | " + " | ".join(sorted({m for v in by.values() for m in v})) + " |")
    for series, models in sorted(by.items()):
        names = sorted(models)
        truth = {t: r["target"] for m in names for t, r in models[m].items()}
        steps = [t for t in sorted(truth) if (series, t) in served and
                 all(t in models[m] for m in names)]
        mae = lambda e: sum(e) / len(e) if e else float("nan")
        row = [mae([abs(truth[t] - served[(series, t)]) for t in steps])]
        row += [mae([abs(truth[t] - models[m][t]["prediction"]) for t in steps]) for m in names]
        print(f"| {series} | {len(steps)} | " + " | ".join(f"{x:.4f}" for x in row) + " |")


if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "same":
        same(*rest)
    elif cmd == "served-mae":
        served_mae(*rest)
    elif cmd == "show":
        show(*rest)
    else:
        expect(rest[0], rest[1], rest[2:])
