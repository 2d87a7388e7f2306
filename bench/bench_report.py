"""Benchmark: the full Excel scenario report for 100k priced lines vs a bare ``DataFrame.to_excel`` of the lines.

    .venv/bin/python bench/bench_report.py [--lines 100000] [--repeat 1]

Builds 100k order lines by replicating the sample orders (or the tests' small frame), prices them through the
engine once (timed separately), then times:
- ``write_report`` (all sheets, tables, charts) for one scenario against its baseline;
- ``comparison.lines.to_excel`` with each pandas engine available (xlsxwriter, openpyxl), lines alone.
Prints seconds and the ratio report / to_excel (goal: <= 1.0 against the xlsxwriter engine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import test_report_support as support  # noqa: E402

import costimpact  # noqa: E402
from costimpact.report import write_report  # noqa: E402


def _timed(fn, repeat: int):  # noqa: ANN001, ANN202
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()

    aset = support.assumptions()
    sample = support.orders_frame()
    priced = costimpact.price_orders(support.imported(sample), as_of="2026-11-26", assumptions=aset)
    base = sample.iloc[(priced.lines["row_number"] - 2).to_numpy()].reset_index(drop=True)  # the rows that price
    reps = -(-args.lines // len(base))
    df = pd.concat([base] * reps, ignore_index=True).iloc[: args.lines].copy()
    df["order_id"] = df["order_id"].astype(str) + "-" + (df.index // len(base)).astype(str)
    df["sku"] = df["sku"].astype(str) + "-" + (df.index % 997).astype(str)  # a realistic spread of SKUs
    imported = support.imported(df, "bench.csv")

    t_price, cmp = _timed(lambda: costimpact.compare(imported, scenario="actual", baseline="pre-2025", as_of="2026-11-26", assumptions=aset), 1)
    print(f"lines: {len(cmp.lines):,} priced ({cmp.lines.shape[1]} columns)  pricing (both scenarios): {t_price:.2f} s")

    when = dt.datetime(2026, 11, 26)
    t_report, data = _timed(lambda: write_report([cmp], generated_at=when, assumptions=aset), args.repeat)
    print(f"write_report (6 sheets, tables, charts): {t_report:.2f} s, {len(data) / 1e6:.1f} MB")

    for engine in ("xlsxwriter", "openpyxl"):
        def bare(engine: str = engine) -> int:
            buf = io.BytesIO()
            cmp.lines.to_excel(buf, index=False, engine=engine)
            return buf.tell()

        t_bare, size = _timed(bare, args.repeat)
        print(f"DataFrame.to_excel(engine={engine}) lines only: {t_bare:.2f} s, {size / 1e6:.1f} MB  ratio report/bare: {t_report / t_bare:.2f}x")


if __name__ == "__main__":
    main()
