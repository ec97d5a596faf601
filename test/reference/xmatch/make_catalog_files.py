"""A small catalog written both as Parquet (by pyarrow, two row groups) and as CSV (by Python's
csv module, which quotes fields holding commas, quotes and line breaks), so the tests can check
that Nightjar's two readers produce the same index. Run from the repository root:

    python3 test/reference/xmatch/make_catalog_files.py
"""
import csv
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

rng = np.random.default_rng(7)
n = 300
here = os.path.dirname(__file__)
ids = (np.arange(n, dtype=np.int64) * 1_000_000_007 + 281323062375219201).tolist()  # 64-bit ids beyond 2^53
ra = rng.uniform(0, 360, n)
dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
ra[:4] = [359.9999, 0.0001, 180.0, 42.0]
dec[:4] = [0.0, 0.0, 89.999, -89.999]
mag = rng.uniform(12, 22, n).round(3)
names = [f"src {i}" for i in range(n)]
names[5] = 'with, comma'
names[6] = 'with "quotes"'
names[7] = 'two\nlines'
names[8] = 'ünïcødé ★'

table = pa.table({"source_id": pa.array(ids, pa.int64()), "ra": ra, "dec": dec, "phot_g_mean_mag": mag, "label": names})
pq.write_table(table, os.path.join(here, "small-catalog.parquet"), row_group_size=128)

with open(os.path.join(here, "small-catalog.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["source_id", "ra", "dec", "phot_g_mean_mag", "label"])
    for row in zip(ids, ra.tolist(), dec.tolist(), mag.tolist(), names):
        w.writerow([row[0], repr(row[1]), repr(row[2]), row[3], row[4]])
print(f"wrote {n} rows")
