"""Make the sample order files the app opens with (deterministic: same seed, same bytes).

    .venv/bin/python scripts/make_sample_orders.py

Writes ``src/costimpact/data/sample_orders.csv`` (UTF-8, canonical English headers) and
``src/costimpact/data/sample_orders.xlsx`` (sheet 订单, Chinese headers, HTS as text with dots, real date
cells, Chinese mode words): 360 lines of a Chinese seller's mix, from the generator in
``costimpact.orders.synthetic``, with a few lines set by hand so that every case the app shows is present.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.orders.columns import BY_NAME
from costimpact.orders.synthetic import synthetic_orders

N_LINES = 360
SEED = 20251101
OUT = Path(__file__).resolve().parents[1] / "src" / "costimpact" / "data"
MODE_ZH = {"postal": "邮政小包", "express": "快递", "air_freight": "空运", "ocean_freight": "海运"}


def build() -> pd.DataFrame:
    df = synthetic_orders(N_LINES, seed=SEED, mode_p=(0.42, 0.38, 0.14, 0.06))
    chairs = np.flatnonzero(df["hts_code"].to_numpy() == "9401614011")
    # exactly three armchair lines: extra ones become storage shelves, and missing ones are placed by hand
    df.loc[chairs[3:], ["hts_code", "description"]] = ["94036080", "Bamboo storage shelf"]
    for i in range(3 - min(3, len(chairs))):
        row = 40 + 97 * i
        df.loc[row, ["hts_code", "description"]] = ["9401614011", "Upholstered wooden armchair"]
        df.loc[row, ["unit_value", "unit_price", "unit_cost"]] = [48.0, 159.0, 41.0]
    # at least a dozen power-bank lines (a product line sellers ask about)
    banks = np.flatnonzero(df["hts_code"].to_numpy() == "8507600020")
    for row in range(5, 5 + 31 * max(0, 12 - len(banks)), 31):
        df.loc[row, ["hts_code", "description"]] = ["8507600020", "Power bank 10000 mAh, lithium-ion"]
    return df


def _dotted(code: str) -> str:
    return f"{code[:4]}.{code[4:6]}.{code[6:]}"


def main() -> None:
    df = build()
    OUT.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUT / "sample_orders.csv", index=False, lineterminator="\n", encoding="utf-8")

    import xlsxwriter

    zh = df.copy()
    zh["hts_code"] = zh["hts_code"].map(_dotted)
    zh["shipping_mode"] = zh["shipping_mode"].map(MODE_ZH)
    zh["origin_country"] = zh["origin_country"].replace({"CN": "中国"})
    zh["ship_date"] = pd.to_datetime(zh["ship_date"])
    wb = xlsxwriter.Workbook(str(OUT / "sample_orders.xlsx"))
    wb.set_properties({"created": pd.Timestamp("2025-11-01").to_pydatetime()})  # same bytes every run
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    text_fmt = wb.add_format({"num_format": "@"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("订单")
    for j, name in enumerate(zh.columns):
        ws.write_string(0, j, BY_NAME[name].zh, head)
        ws.set_column(j, j, 14)
    for i, row in enumerate(zh.itertuples(index=False), start=1):  # 360 rows: writing cell by cell is fine
        for j, (name, value) in enumerate(zip(zh.columns, row)):
            if name == "ship_date":
                ws.write_datetime(i, j, value.to_pydatetime(), date_fmt)
            elif isinstance(value, str):
                ws.write_string(i, j, value, text_fmt if name == "hts_code" else None)
            elif isinstance(value, float) and np.isnan(value):
                continue
            else:
                ws.write_number(i, j, float(value))
    wb.close()
    print(f"wrote {len(df)} lines to {OUT}/sample_orders.csv and .xlsx")


if __name__ == "__main__":
    main()
