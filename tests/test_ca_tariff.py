"""Canada's built-in MFN lines (assumptions/ca/mfn_ca.csv): a consumer line is priced from the table with its
row's grade, a subheading with two rates needs the Canadian tariff item, and every row names its source.

Amounts worked by hand: C$50 parcels from China by courier are above the C$20 remission, so MFN duty on the
value for duty (freight excluded) and GST 5% (no province given) on value plus duty.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import AS_OF, make_lines
from costimpact.landed.engine import resolve_scenario
from costimpact.landed.markets import price_any


def _line(code: str, order: str) -> dict:
    return {"order_id": order, "hts_code": code, "origin_country": "CN", "unit_value": 50.0, "currency": "CAD",
            "freight_cost": 12.0, "ship_date": "2026-09-01", "destination_country": "CA"}


def test_consumer_lines_are_priced_from_the_built_in_table(aset):
    lines = make_lines([_line("3924.10.4000", "kitchen"), _line("9503.00.90", "toy"), _line("9503.00.0073", "us_toy_code")])
    out, rejects, _ = price_any(lines, aset, resolve_scenario(aset, "actual"), AS_OF)
    out = out.set_index("order_id")
    # plastic kitchenware: 3924.10 has one built-in rate, 6.5% (graded unverified): 3.25 duty; GST 5% x 53.25 = 2.6625 -> 2.66
    assert out.loc["kitchen", "duty_total_local"] == pytest.approx(3.25)
    assert out.loc["kitchen", "tax_total_local"] == pytest.approx(2.66)
    assert out.loc["kitchen", "rate_matched"] == "hs6" and out.loc["kitchen", "evidence_grade"] == "U"
    # the Canadian item 9503.00.90 (other toys) is free (T2025, graded secondary): GST 5% x 50 = 2.50
    assert out.loc["toy", "duty_total_local"] == 0.0 and out.loc["toy", "tax_total_local"] == pytest.approx(2.50)
    assert out.loc["toy", "rate_matched"] == "code8"
    # 9503.00 holds 8% (wheeled toys) and free: a US code cannot tell which, so the line asks for the rate
    assert rejects["column"].tolist() == ["hts_code"] and "95030000" in rejects["problem"].iloc[0]


def test_every_row_has_a_source_and_a_grade(aset):
    table = aset.table("ca/mfn_ca")
    assert len(table) >= 30
    assert table["code"].str.fullmatch(r"\d{8}").all()
    assert table["source"].str.len().gt(20).all()
    assert set(table["evidence"]) <= {"secondary", "unverified"}  # the official schedule text was not read
    assert ((table["duty_rate"] >= 0) & (table["duty_rate"] <= 0.2)).all()
