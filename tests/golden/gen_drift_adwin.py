"""Golden ADWIN detections from River (see README.md here for the venv):

    /tmp/rv/bin/python tests/golden/gen_drift_adwin.py shifts > tests/golden/drift-adwin.csv
    /tmp/rv/bin/python tests/golden/gen_drift_adwin.py noisy  > tests/golden/drift-adwin-noisy.csv
    /tmp/rv/bin/python tests/golden/gen_drift_adwin.py long   > tests/golden/drift-adwin-long.csv

drift.ADWIN() with River's defaults (delta=0.002, clock=32, max_buckets=5,
min_window_length=5, grace_period=10) on a fixed residual sequence:

  shifts  the sequence of gen_drift.py (drift-page-hinkley.csv): noise of sd 2
          around 0 for 300 steps, +8 for 300, 0 for 200, -6 for 200;
  noisy   heavy-tailed noise (Student-like: a gaussian over a random scale)
          with seven shifts of the level and of the spread, 3,000 steps;
  long    20,000 steps of slow trend, a sine and noise with four level
          shifts, so that the window grows through many bucket levels.

Prints `step,residual,detected,width,estimation,variance` after each
update (floats as repr, round-trip exact; width an integer; variance is
River's `variance`, the window's sum of squared deviations).
"""
import math
import random
import sys

from river import drift


def shifts():
    rng = random.Random(7)
    xs = []
    for n, level in ((300, 0.0), (300, 8.0), (200, 0.0), (200, -6.0)):
        xs += [level + rng.gauss(0.0, 2.0) for _ in range(n)]
    return xs


def noisy():
    rng = random.Random(11)
    xs = []
    plan = ((400, 0.0, 1.0), (300, 2.5, 1.0), (500, 2.5, 4.0), (250, -3.0, 1.5),
            (600, 0.0, 0.5), (350, 1.0, 3.0), (300, -1.5, 1.0), (300, 4.0, 2.0))
    for n, level, sd in plan:
        for _ in range(n):
            scale = sd / math.sqrt(max(rng.gammavariate(2.0, 0.5), 1e-3))
            xs.append(level + rng.gauss(0.0, scale))
    return xs


def long():
    rng = random.Random(23)
    xs = []
    level = 0.0
    for i in range(20000):
        if i in (5000, 9000, 14000, 17500):
            level += (-1.0) ** i * 3.0 + (2.0 if i == 14000 else 0.0)
        xs.append(level + 1e-4 * i + math.sin(i / 6.0) + rng.gauss(0.0, 1.5))
    return xs


def main():
    xs = {"shifts": shifts, "noisy": noisy, "long": long}[sys.argv[1]]()
    adwin = drift.ADWIN()
    print("step,residual,detected,width,estimation,variance")
    for i, x in enumerate(xs):
        adwin.update(x)
        print(f"{i},{x!r},{int(adwin.drift_detected)},{int(adwin.width)},"
              f"{adwin.estimation!r},{adwin.variance!r}")


main()
