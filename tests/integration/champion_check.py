"""Checks eddy-evaluate's champion outputs (eddy-cat JSON lines).

    champion_check.py same EVENTS_A EVENTS_B FORECASTS_A FORECASTS_B [FLAG...]
        the model-events of each series are the same list in both (made_at
        aside), and the latest forecast of each series is the same; with
        --dedupe (the embedded broker, whose transactions are not fully
        isolated) a record equal to an earlier one is dropped first;
        --replayed: B holds A's events twice; --every-forecast: every
        forecast of each series, in order; --exclude=SERIES: one left out
    champion_check.py served-mae PREDICTIONS FORECASTS
        per series, the served forecast's h=1 MAE (for step t, forecast[0]
        of the last Forecast made after step t-1) beside every model's
        one-step MAE over the same steps, as a Markdown table
    champion_check.py served-same DUMP PREDICTIONS FORECASTS MODEL...
        the live pipeline serves what `eddy-accuracy --served --dump
        --served-dump` computed (DUMP, its output on one series, MODEL... its
        model list): each model's one-step forecast and target at every step
        (the learners saw the same inputs), then every served Forecast in
        order (seq, champion, every item bit for bit), then the served h=1
        MAE (equal, and the tool's printed figures to 4 decimals); fails
        naming the first step that differs
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
    """A's and B's model-events (each series' list) and served forecasts are
    the same. Flags: --dedupe (the embedded broker shows aborted records),
    --replayed (B replayed A's whole input once more), --every-forecast
    (every Forecast of each series, in order, not only the latest),
    --exclude=SERIES (leave one series out; repeatable)."""
    d = dedupe if "--dedupe" in flags else (lambda r: r)
    drop = {f.split("=", 1)[1] for f in flags if f.startswith("--exclude=")}

    def series(path):
        return {k: v for k, v in by_series(d(load(path))).items() if k not in drop}

    a, b = series(ea), series(eb)
    if "--replayed" in flags:
        # B's group was reset --to-earliest after a whole run: the replay
        # re-derives every decision, so B holds A's events twice, in order.
        a = {k: v + v for k, v in a.items()}
    assert a == b, f"model-events differ: {json.dumps(a)[:400]} vs {json.dumps(b)[:400]}"
    fa_, fb_ = series(fa), series(fb)
    if "--every-forecast" in flags:
        assert fa_ == fb_, f"forecasts differ: {json.dumps(fa_)[:400]} vs {json.dumps(fb_)[:400]}"
        what = f"{sum(len(v) for v in fa_.values())} served forecasts"
    else:
        la = {k: v[-1] for k, v in fa_.items()}
        lb = {k: v[-1] for k, v in fb_.items()}
        assert la == lb, f"latest forecasts differ: {la} vs {lb}"
        what = f"{len(la)} latest served forecasts"
    n = sum(len(v) for v in a.values())
    print(f"ok: {n} model-events and {what} identical")


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


def served_rows(preds, fcs):
    """Per series: (steps, served MAE, {model: MAE}) over the steps where a
    forecast was served and every model predicted (see served-mae)."""
    served = {}
    for f in fcs:
        if f["forecast"]:
            served[(f["series_id"], f["seq"] + 1)] = f["forecast"][0]
    by = {}
    for p in preds:
        by.setdefault(p["series_id"], {}).setdefault(p["model"], {})[p["seq"]] = p
    rows = {}
    for series, models in by.items():
        truth = {t: r["target"] for m in models for t, r in models[m].items()}
        steps = [t for t in sorted(truth) if (series, t) in served and
                 all(t in models[m] for m in models)]
        mae = lambda e: sum(e) / len(e) if e else float("nan")
        rows[series] = (len(steps), mae([abs(truth[t] - served[(series, t)]) for t in steps]),
                        {m: mae([abs(truth[t] - models[m][t]["prediction"]) for t in steps])
                         for m in models})
    return rows


def served_mae(preds_path, forecasts_path):
    rows = served_rows(load(preds_path), load(forecasts_path))
    names = sorted({m for r in rows.values() for m in r[2]})
    print("| series | steps | served | " + " | ".join(names) + " |")
    for series, (n, served, per) in sorted(rows.items()):
        cells = [served] + [per.get(m, float("nan")) for m in names]
        print(f"| {series} | {n} | " + " | ".join(f"{x:.4f}" for x in cells) + " |")


def parse_dump(path, models):
    """eddy-accuracy --served --dump --served-dump on one CSV: the
    predictions and Forecasts it computed, in the records' JSON shape, and
    its summary line's figures."""
    preds, fcs, summary = [], [], None
    with open(path) as f:
        for line in f:
            w = line.split()
            if w[:2] == ["#", "forecast"]:
                t, y = int(w[2]), float(w[3])
                # (the dump has no one-step predictions: the summary's MAEs)
                for m, v in zip(models, w[4:]):
                    preds.append({"series_id": "", "model": m, "seq": t, "target": y,
                                  "prediction": float("nan"), "forecast": [float(v)]})
            elif w[:2] == ["#", "served"]:
                fcs.append({"series_id": "", "step": int(w[2]), "seq": int(w[3]),
                            "model": w[4], "forecast": [float(x) for x in w[5:]]})
            elif len(w) > 2 and w[1] == "served":
                summary = (int(w[3]), float(w[2]),
                           {k: float(v) for k, v in (x.rsplit("=", 1) for x in w[6:])})
    assert summary, f"{path}: no summary line (eddy-accuracy --served failed?)"
    return preds, fcs, summary


def rel(a, b):
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))


def served_same(dump_path, preds_path, forecasts_path, *models):
    off_preds, off_fcs, summary = parse_dump(dump_path, models)
    preds, fcs = load(preds_path), load(forecasts_path)
    series = {r["series_id"] for r in preds + fcs}
    assert len(series) == 1, f"one series expected on the topics, got {sorted(series)}"
    live = {(p["model"], p["seq"]): p for p in preds}
    for o in off_preds:
        p = live.get((o["model"], o["seq"]))
        assert p, f"step {o['seq']}: no live prediction of {o['model']}"
        assert p["target"] == o["target"], \
            f"step {o['seq']}: live target {p['target']!r}, offline {o['target']!r} (ingest?)"
        got = (p["forecast"] or [None])[0]
        assert got == o["forecast"][0], \
            (f"step {o['seq']}: {o['model']}'s forecast[0] live {got!r}, offline "
             f"{o['forecast'][0]!r}: the learners saw other inputs (eddy-features?)")
    assert len(live) == len(off_preds), f"{len(live)} live predictions, {len(off_preds)} offline"
    print(f"ok: {len(off_preds)} predictions: every model's target and forecast[0] "
          "identical live and offline")
    for i, (f, o) in enumerate(zip(fcs, off_fcs)):
        where = f"served Forecast #{i} (offline: made at step {o['step']}, seq {o['seq']})"
        assert (f["seq"], f["model"]) == (o["seq"], o["model"]), \
            f"{where}: live seq {f['seq']} champion {f['model']}, offline {o['model']}"
        assert len(f["forecast"]) == len(o["forecast"]), f"{where}: item counts differ"
        for h, (a, b) in enumerate(zip(f["forecast"], o["forecast"])):
            assert a == b, (f"{where}: item {h} (step {o['seq'] + h + 1}) live {a!r}, "
                            f"offline {b!r} (relative difference {rel(a, b):.3g})")
    assert len(fcs) == len(off_fcs), \
        f"{len(fcs)} Forecasts served live, {len(off_fcs)} offline (steps past the shorter)"
    print(f"ok: {len(fcs)} served Forecasts: the same seq, champion and every item bit for bit")
    (n, mae, per), = served_rows(preds, fcs).values()
    (n_off, mae_off, _), = served_rows(off_preds, off_fcs).values()
    assert (n, mae) == (n_off, mae_off), f"served h=1 MAE live {mae!r} over {n} steps, " \
        f"offline {mae_off!r} over {n_off}"
    four = lambda x: f"{x:.4f}"
    printed = (summary[0], four(summary[1]), {m: four(summary[2][m]) for m in models})
    got = (n, four(mae), {m: four(per[m]) for m in models})
    assert got == printed, f"live (steps, served MAE, models' MAE) {got}, eddy-accuracy printed {printed}"
    print(f"ok: served h=1 MAE {mae:.4f} over {n} steps live = offline; models: " +
          ", ".join(f"{m} {per[m]:.4f}" for m in models))


if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "same":
        same(*rest)
    elif cmd == "served-mae":
        served_mae(*rest)
    elif cmd == "served-same":
        try:
            served_same(*rest)
        except AssertionError as e:
            sys.exit(f"FAIL: served-same: {e}")
    elif cmd == "show":
        show(*rest)
    else:
        expect(rest[0], rest[1], rest[2:])
