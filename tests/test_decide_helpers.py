"""Shared fixtures of the decide tests (imported by the test_decide_* modules; no tests here).

The built-in HTS table is finished by another issue; until it lands, the tests run on a copy of the assumptions
with a five-line table of the codes the worked cases use (the same rates as the worked cases in
shared/examples/worked-cases.md), so nothing below depends on which table is present.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from costimpact.assumptions import default_dir, load_assumptions

HTS_ROWS = [
    # hts, description, mfn, s301_list, s232
    ("6109100012", "T-shirts, cotton, men's", 0.165, "4A", ""),
    ("8507600020", "Lithium-ion batteries, non-EV (power banks)", 0.034, "li_ion_nonev", ""),
    ("9401614011", "Upholstered wooden seats, household", 0.0, "3", "upholstered"),
    ("42029231", "Bags, outer surface of textile, man-made fibres", 0.176, "3", ""),
    ("39241040", "Plastic tableware and kitchenware", 0.034, "3", ""),
]


def _with_table(tmp: Path) -> Path:
    from costimpact.assumptions.usitc import TABLE_COLUMNS, write_table

    dst = tmp / "assumptions"
    shutil.copytree(default_dir(), dst)
    rows = []
    for hts, desc, mfn, lst, s232 in HTS_ROWS:
        row = {col: "" for col in TABLE_COLUMNS}
        row.update(hts=hts, description=desc, description_zh=desc, mfn_text=f"{mfn:.1%}", mfn_ad_valorem=mfn, mfn_specific_usd=0.0, s301_list=lst, s232=s232, source="test fixture (worked cases)", evidence="secondary")
        for flag in ("ieepa_exempt", "fentanyl_exempt", "s122_exempt", "flip_exempt"):
            row[flag] = False
        rows.append(row)
    write_table(pd.DataFrame(rows, columns=TABLE_COLUMNS), dst / "us" / "hts")
    return dst


@pytest.fixture(scope="session")
def aset(tmp_path_factory):  # noqa: ANN001, ANN201
    real = load_assumptions()
    if "us/hts/hts_us" in real.tables:
        return real
    return load_assumptions(_with_table(tmp_path_factory.mktemp("decide")))


def basket() -> pd.DataFrame:
    """A small seller's month: three SKUs by express parcel from China, one unit per order."""
    rows = []
    specs = [("TEE-1", "6109100012", 8.0, 19.99, 6.0, 300), ("PB-1", "8507600020", 10.0, 29.99, 8.0, 150), ("KIT-1", "39241040", 4.0, 12.99, 3.0, 200)]
    n = 0
    for sku, hts, value, price, cost, units in specs:
        for i in range(units):
            n += 1
            rows.append(
                {
                    "row_number": n + 1,
                    "order_id": f"O{n}",
                    "sku": sku,
                    "hts_code": hts,
                    "origin_country": "CN",
                    "unit_value": value,
                    "quantity": 1,
                    "currency": "USD",
                    "ship_date": pd.Timestamp("2026-10-01") + pd.Timedelta(days=i % 30),
                    "shipping_mode": "express",
                    "freight_cost": 9.0,
                    "unit_price": price,
                    "unit_cost": cost,
                }
            )
    return pd.DataFrame(rows)
