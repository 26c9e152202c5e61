"""Golden drift detections from River (see README.md here for the venv):

    /tmp/rv/bin/python tests/golden/gen_drift.py > tests/golden/drift-page-hinkley.csv

A fixed residual sequence (written here, seeded): 300 steps of noise around
0, a level shift of +8 for 300 steps, back to 0 for 200, a shift of -6 for
200; drift.PageHinkley() with River's defaults (min_instances=30,
delta=0.005, threshold=50, alpha=1-0.0001, mode="both"). Prints
`step,residual,detected` (residual as repr, round-trip exact).
"""
import random

from river import drift

rng = random.Random(7)
xs = []
for n, level in ((300, 0.0), (300, 8.0), (200, 0.0), (200, -6.0)):
    xs += [level + rng.gauss(0.0, 2.0) for _ in range(n)]
ph = drift.PageHinkley()
print("step,residual,detected")
for i, x in enumerate(xs):
    ph.update(x)
    print(f"{i},{x!r},{int(ph.drift_detected)}")
