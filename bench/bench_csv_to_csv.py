"""500,000 order lines CSV in, priced CSV out, through the same calls as `costimpact landed` (read and check every
row, price under the whole schedule, write), against a bare pandas read_csv + to_csv of the same file in the
same run (the floor for any CSV-to-CSV tool). Goal: at most 3x.

Usage: python bench/bench_csv_to_csv.py [N]   (default 500,000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from costimpact import api
from costimpact.assumptions import load_assumptions
from costimpact.csvout import write_csv
from costimpact.orders.synthetic import synthetic_orders


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "orders.csv"
        synthetic_orders(n).to_csv(src, index=False)
        aset = load_assumptions()
        api.price_orders(src.read_bytes()[:20000].rsplit(b"\n", 1)[0] + b"\n", assumptions=aset)  # warm the caches
        t0 = time.perf_counter()
        pd.read_csv(src).to_csv(Path(tmp) / "bare.csv", index=False)
        bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = api.price_orders(src, assumptions=aset, as_of="2026-11-26")
        write_csv(result.lines, Path(tmp) / "priced.csv")
        ours = time.perf_counter() - t0
        print(f"{n:,} lines: priced {len(result.lines):,}, rejected {len(result.rejects):,}; "
              f"CSV to CSV {ours:.1f} s vs bare pandas read + write {bare:.1f} s = {ours / bare:.2f}x (goal <= 3x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500_000)
