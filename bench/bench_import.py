"""Order import speed, one run, side by side.

    .venv/bin/python bench/bench_import.py [--xlsx-rows 100000] [--csv-rows 1000000]

1. a 100k-row XLSX: our reader (calamine + normalisation) vs ``pandas.read_excel`` (its default engine until now, openpyxl,
   no normalisation at all). Goal: ours >= 5x faster.
2. a 1M-row CSV: our reader (detection + all checks + rejects) vs a bare ``pandas.read_csv``. Goal: <= 2x.
"""

from __future__ import annotations

import argparse
import io
import time

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from costimpact.orders import read_orders
from costimpact.orders.synthetic import synthetic_orders


def _time(fn, repeat: int = 3):  # noqa: ANN001, ANN202
    """Best of ``repeat`` runs (the machine may be shared; the minimum is the least disturbed)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    ap.add_argument("--csv-rows", type=int, default=1_000_000)
    args = ap.parse_args()

    df = synthetic_orders(args.xlsx_rows, seed=1)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        df.to_excel(xw, index=False, sheet_name="orders")
    xlsx = buf.getvalue()
    ours_x, res_x = _time(lambda: read_orders(xlsx, "bench.xlsx"))
    pandas_x, _ = _time(lambda: pd.read_excel(io.BytesIO(xlsx), engine="openpyxl"), repeat=1)

    big = synthetic_orders(args.csv_rows, seed=2)
    cbuf = io.BytesIO()
    pacsv.write_csv(pa.Table.from_pandas(big.astype("str"), preserve_index=False), cbuf)
    data = cbuf.getvalue()
    pandas_c, _ = _time(lambda: pd.read_csv(io.BytesIO(data)))
    ours_c, res_c = _time(lambda: read_orders(data, "bench.csv"))

    print("best of 3 runs (read_excel: 1 run)")
    print(f"{'case':<34}{'ours s':>9}{'pandas s':>10}{'ratio':>9}   goal")
    print(f"{f'XLSX {args.xlsx_rows:,} rows ({len(xlsx) / 1e6:.1f} MB)':<34}{ours_x:>9.2f}{pandas_x:>10.2f}"
          f"{pandas_x / ours_x:>8.1f}x   ours >= 5x faster than read_excel")
    print(f"{f'CSV {args.csv_rows:,} rows ({len(data) / 1e6:.0f} MB)':<34}{ours_c:>9.2f}{pandas_c:>10.2f}"
          f"{ours_c / pandas_c:>8.2f}x   ours <= 2x bare read_csv")
    print(f"  xlsx: {res_x.summary()}; csv: {res_c.summary()}")


if __name__ == "__main__":
    main()
