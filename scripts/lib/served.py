"""The served forecast of each series, from the metrics sink (scripts/demo.sh).

    served.py URL LAST TIMEOUT [SERIES...]

SERIES defaults to every series the sink knows (URL/api/series). Waits (at most TIMEOUT seconds) until GET URL/champion/SERIES serves the
forecast made at step LAST for every SERIES, then prints, per series, the
champion, its forecast with the month each value targets, and the
champion's timeline (who served from which step, and why it changed).
Exit 1 on timeout.
"""
import datetime
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def fetch(url, series):
    try:
        with urllib.request.urlopen(f"{url}/champion/{urllib.parse.quote(series)}",
                                    timeout=5) as r:
            return json.load(r)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def when(t):
    if isinstance(t, (int, float)):
        return datetime.datetime.fromtimestamp(t / 1000, datetime.timezone.utc).strftime(
            "%Y-%m")
    return str(t)


def show(c):
    f = c["forecast"]
    print(f"{c['series']}: {f['model']} (version {f['model_version']}; rolling "
          f"{f['metric']} h={f['horizon']} over the last {f['error_n']} steps: "
          f"{f['error']:.4f}), made at step {f['seq']}")
    names, weights = (f.get("combination") or "").split("/"), f.get("combination_weights") or []
    if len(weights) == len(names) > 1:
        print("  served: " + " + ".join(f"{w:.3f} x {m}" for m, w in zip(names, weights))
              + " (the champion combined with the models that erred least lately)")
    print("  next: " + "  ".join(
        f"{when(t)} {v:.1f}" for t, v in zip(f["forecast_event_times"], f["forecast"])))
    steps = [f"step {e['seq']} {e['kind']} {e['model']}"
             + (f" ({e['reason']})" if e["kind"] not in ("initial",) else "")
             for e in c["events"]]
    print("  champion timeline: " + ("; ".join(steps) if steps else "no decision yet"))


def main():
    url, last, timeout, series = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
        sys.argv[4:]
    deadline = time.monotonic() + timeout
    if not series:
        try:
            with urllib.request.urlopen(f"{url}/api/series", timeout=5) as r:
                series = json.load(r)["series"]
        except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
            print(f"cannot list the series at {url}/api/series: {e}")
            return 1
    got = {}
    while time.monotonic() < deadline and len(got) < len(series):
        for s in series:
            c = fetch(url, s)
            if c and c.get("forecast") and c["forecast"]["seq"] >= last:
                got[s] = c
        if len(got) < len(series):
            time.sleep(0.5)
    for s in series:
        if s in got:
            show(got[s])
        else:
            print(f"{s}: no forecast served for step {last} within {timeout:.0f} s "
                  f"(see {url}/champion/{s})")
    return 0 if len(got) == len(series) else 1


if __name__ == "__main__":
    sys.exit(main())
