#!/usr/bin/env python3
"""ingest_cases.py CASE RUN_DIR CASES_DIR: checks what eddy-ingest published for one
case of tests/data/cases (see ingest_cases_test.sh): RUN_DIR/CASE.obs.jsonl
and RUN_DIR/CASE.dlq.jsonl (eddy-cat --meta output) and RUN_DIR/CASE.log
(its stderr). Exits 1 with a message naming what differs."""
import json
import sys
from datetime import datetime, timezone, timedelta

case, run = sys.argv[1], sys.argv[2]


def load(kind):
    with open(f"{run}/{case}.{kind}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


obs = [r["value"] for r in load("obs")]
dlq = [r["headers"] for r in load("dlq")]
log = open(f"{run}/{case}.log", encoding="utf-8", errors="replace").read()


def ms(text):
    """Milliseconds since the epoch of an ISO 8601 time (UTC when naive)."""
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return (t - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(milliseconds=1)


def months(first, n):
    y, m = first
    out = []
    for _ in range(n):
        out.append(ms(f"{y:04d}-{m:02d}-01"))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def fail(msg):
    print(f"FAIL {case}: {msg}", file=sys.stderr)
    sys.exit(1)


def expect(got, want, what):
    if got != want:
        fail(f"{what}: got {got!r}, expected {want!r}")


def series_of(s):
    return [r for r in obs if r["series_id"] == s]


def times(rows=None):
    return [r["event_time"] for r in (obs if rows is None else rows)]


def dead(n, reason, *needles):
    expect(len(dlq), n, "dead letters")
    for h in dlq:
        expect(h["eddy.error"], reason, "dead-letter reason")
        expect(h["eddy.stage"], "ingest", "dead-letter stage")
    for needle in needles:
        if needle not in log:
            fail(f"stderr does not say {needle!r}:\n{log}")


def check_bom_series():
    expect(len(obs), 4, "observations")
    expect(sorted({r["series_id"] for r in obs}), ["store-1", "store-2"], "series")
    for s in ("store-1", "store-2"):
        expect(times(series_of(s)), months((2024, 1), 2), f"{s} event times")
    dead(0, None)


def check_quoted_nonnumeric():
    expect([r["input"] for r in obs], ["2024-01", "2024-02", "2024-03"], "inputs")
    expect([r["value"] for r in obs], [112.0, 118.0, 132.0], "values")
    expect(times(), months((2024, 1), 3), "event times")
    dead(0, None)


def check_iso_timestamps():
    t0 = ms("2024-03-01T00:00:00Z")
    h = 3600000
    expect(times(), [t0, t0, t0 + 2 * h, t0 + 3 * h + 123, t0 + 4 * h, t0 + 5 * h],
           "event times (the +01:00 row is 00:00 UTC)")
    dead(0, None)


def check_sales():
    expect({r["series_id"] for r in obs}, {"sales"}, "one series")
    expect(sorted(times()), months((2023, 1), 24), "24 monthly event times")
    dead(0, None)


def check_late_event():
    expect(len(obs), 8, "observations")
    hours = [0, 1, 2, 4, 5, 3, 6, 7]
    expect(times(), [ms(f"2024-05-01T{h:02d}:00:00Z") for h in hours],
           "event times as given (the late 03:00 included)")
    expect([r["seq"] for r in obs], hours, "seq as given")
    dead(0, None)


def check_airpassengers_gappy():
    rows = open(f"{sys.argv[3]}/airpassengers_gappy.csv").read().split()[1:]
    expect(len(obs), len(rows), "every row published")
    expect(times(), [ms(r.split(",")[0] + "-01") for r in rows],
           "event times in file order (gaps are the features stage's)")
    dead(0, None)


def check_semicolon_decimal_comma():
    expect([r["value"] for r in obs], [2.5], "values")
    expect(times(), months((2024, 2), 1), "event times")
    dead(2, "bad_row", "semicolon_decimal_comma.csv:2: value '1,5' is not a number",
         "decimal comma", "semicolon_decimal_comma.csv:4:")


def check_cr_only():
    expect([r["value"] for r in obs], [112.0, 118.0, 132.0], "values")
    expect(times(), months((1949, 1), 3), "event times")
    dead(0, None)


def check_crlf_quoted():
    t0 = ms("2024-03-01T00:00:00Z")
    expect([(r["series_id"], r["event_time"], r["value"]) for r in obs],
           [("a", t0, 1.0), ("b", t0, 2.0), ("a", t0 + 500, 3.0)], "rows")
    dead(0, None)


def check_latin1_series():
    expect([(r["series_id"], r["value"]) for r in obs], [("Bern", 2.0)], "rows")
    dead(2, "invalid_utf8", "latin1_series.csv:2: series_id 'Z\\xfcrich' is not UTF-8",
         "2 rows refused as invalid_utf8")


def check_month_names():
    expect(times(), months((1949, 1), 2), "event times")
    dead(1, "bad_row", "month_names.csv:4:", "does not match --time-format '%b %Y'")


def check_epoch_tab():
    t0 = ms("2024-03-01T00:00:00Z")
    expect(times(), [t0, t0 + 3600000], "event times (seconds, then milliseconds)")
    dead(1, "bad_row", "epoch_tab.tsv:4:", "5-digit number", "--time-unit")


def check_bad_numbers():
    expect([r["value"] for r in obs], [5.0], "values")
    dead(4, "bad_row", "bad_numbers.csv:2: target '12kg' is not a number",
         "trailing text 'kg'", "thousands separator", "is empty",
         "2 rows refused as trailing_text")


def check_times():
    t = times()
    expect(len(obs), 3, "observations (the 'Jan 2024' input refused)")
    expect(t[0], ms("2024-04-30T22:00:00Z"), "an offset in event_time")
    expect(t[1], ms("2024-05-01T00:00:00Z"), "a JSON number is epoch milliseconds")
    now = ms(datetime.now(timezone.utc).isoformat())
    if abs(t[2] - now) > 600000:
        fail(f"a line without a time gets the time of ingest, got {t[2]} at {now}")
    dead(1, "bad_row", "times.jsonl:3:", "'Jan 2024'")


def check_empty(*needles):
    expect(len(obs), 0, "observations")
    for needle in needles:
        if needle not in log:
            fail(f"stderr does not say {needle!r}:\n{log}")


checks = {
    "bom_series": check_bom_series,
    "quoted_nonnumeric": check_quoted_nonnumeric,
    "iso_timestamps": check_iso_timestamps,
    "sales": check_sales,
    "late_event": check_late_event,
    "airpassengers_gappy": check_airpassengers_gappy,
    "semicolon_decimal_comma": check_semicolon_decimal_comma,
    "cr_only": check_cr_only,
    "crlf_quoted": check_crlf_quoted,
    "latin1_series": check_latin1_series,
    "month_names": check_month_names,
    "epoch_tab": check_epoch_tab,
    "bad_numbers": check_bad_numbers,
    "times": check_times,
    "empty": lambda: check_empty("empty input"),
    "header_only": lambda: check_empty("header but no data rows"),
    "unknown_header": lambda: check_empty("found 'when,amount'", "--value-column"),
    "directory": lambda: check_empty("is a directory"),
}
checks[case]()
print(f"ok: {case}")
