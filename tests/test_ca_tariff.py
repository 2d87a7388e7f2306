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


SCHEDULE = """Tariff Item,Description of Goods,Unit of Meas.,MFN Tariff,Applicable Preferential Tariffs
61.09,"T-shirts, singlets and other vests, knitted or crocheted.",,,
6109.10.00,Of cotton,,18 %,"CCCT, LDCT, UST: Free"
6109.10.00.11,"T-shirts, all white",NMB,18 %,
6402.99.10,Other footwear,PAR,"1.41 c/kg but not less than 6 %",
9503.00.90,Other,,Free,"CCCT, LDCT, GPT: Free"
3924.10.00,Tableware and kitchenware,,6.5%,
"""


def test_a_cbsa_schedule_file_replaces_the_built_in_lines(tmp_path):
    """``import-cbsa`` keeps the 8-digit items with a Free or percentage MFN Tariff (graded confirmed: the
    official file), leaves specific rates to mfn_rate, and the copied assumptions price with it."""
    import shutil

    from costimpact.assumptions import default_dir, load_assumptions
    from costimpact.cli import main

    copy = tmp_path / "assumptions"
    shutil.copytree(default_dir(), copy)
    (tmp_path / "01-99.csv").write_text(SCHEDULE, encoding="utf-8")
    assert main(["import-cbsa", str(tmp_path / "01-99.csv"), "--out", str(copy / "ca")]) == 0
    aset = load_assumptions(copy)
    table = aset.table("ca/mfn_ca").set_index("code")
    assert sorted(table.index) == ["39241000", "61091000", "95030090"]
    assert table.loc["61091000", "duty_rate"] == pytest.approx(0.18) and table.loc["95030090", "duty_rate"] == 0.0
    assert set(table["evidence"]) == {"confirmed"}
    out, _, _ = price_any(make_lines([_line("3924.10.4000", "kitchen")]), aset, resolve_scenario(aset, "actual"), AS_OF)
    assert out["duty_total_local"].iloc[0] == pytest.approx(3.25) and out["rate_matched"].iloc[0] == "hs6"


def test_a_file_that_is_not_the_schedule_is_refused(tmp_path):
    from costimpact.errors import ArgumentError
    from costimpact.landed.tariffs import read_cbsa_schedule

    with pytest.raises(ArgumentError, match="MFN Tariff"):
        read_cbsa_schedule(b"Tariff Item,Rate\n61091000,0.18\n", "x.csv")
