"""Order import speed, one run, side by side.

    .venv/bin/python bench/bench_import.py [--xlsx-rows 100000] [--csv-rows 1000000]

1. a 100k-row XLSX: our reader (calamine + normalisation) vs ``pandas.read_excel`` (its default engine until now, openpyxl,
   no normalisation at all). Goal: ours >= 5x faster.
2. a 1M-row CSV: our reader (detection + all checks + rejects) vs a bare ``pandas.read_csv``. Goal: <= 2x.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from costimpact.orders import read_orders
from costimpact.orders.synthetic import synthetic_orders


def _time(fn, repeat: int = 5):  # noqa: ANN001, ANN202
    """(best, median, result) of ``repeat`` runs. The machine may be shared: the best run is the least disturbed,
    the median shows the spread."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


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
    ours_x, med_x, res_x = _time(lambda: read_orders(xlsx, "bench.xlsx"))
    pandas_x, pmed_x, _ = _time(lambda: pd.read_excel(io.BytesIO(xlsx), engine="openpyxl"), repeat=2)

    big = synthetic_orders(args.csv_rows, seed=2)
    cbuf = io.BytesIO()
    pacsv.write_csv(pa.Table.from_pandas(big.astype("str"), preserve_index=False), cbuf)
    data = cbuf.getvalue()
    pandas_c, pmed_c, _ = _time(lambda: pd.read_csv(io.BytesIO(data)))
    ours_c, med_c, res_c = _time(lambda: read_orders(data, "bench.csv"))

    print("best of 5 runs (read_excel: of 2); medians in brackets")
    print(f"{'case':<34}{'ours s':>14}{'pandas s':>15}{'ratio':>9}   goal")
    print(f"{f'XLSX {args.xlsx_rows:,} rows ({len(xlsx) / 1e6:.1f} MB)':<34}{ours_x:>6.2f} [{med_x:5.2f}]"
          f"{pandas_x:>7.2f} [{pmed_x:5.2f}]{pandas_x / ours_x:>8.1f}x   ours >= 5x faster than read_excel"
          f" (medians {pmed_x / med_x:.1f}x)")
    print(f"{f'CSV {args.csv_rows:,} rows ({len(data) / 1e6:.0f} MB)':<34}{ours_c:>6.2f} [{med_c:5.2f}]"
          f"{pandas_c:>7.2f} [{pmed_c:5.2f}]{ours_c / pandas_c:>8.2f}x   ours <= 2x bare read_csv"
          f" (medians {med_c / pmed_c:.2f}x)")
    print(f"  xlsx: {res_x.summary()}; csv: {res_c.summary()}")


if __name__ == "__main__":
    main()
