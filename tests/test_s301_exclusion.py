"""A line that claims a Section 301 product exclusion (the s301_exclusion column): worked by hand from case P1
(a CN cotton T-shirt, $24, express, 2025-09-01: MFN 3.96 + 301 1.80 + fentanyl 4.80 + reciprocal 2.40)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import AS_OF, make_lines
from costimpact.assumptions import load_scenario_text
from costimpact.landed.engine import price_lines, resolve_scenario
from costimpact.orders import read_orders

LINE = {"order_id": "A", "hts_code": "6109.10.00", "origin_country": "CN", "shipping_mode": "express",
        "quantity": 1.0, "unit_value": 24.0, "freight_cost": 8.0, "ship_date": "2025-09-01"}


def _price(aset, scenario="actual", **change) -> pd.Series:  # noqa: ANN001
    out, rejects, _ = price_lines(make_lines([{**LINE, **change}]), aset, resolve_scenario(aset, scenario), AS_OF)
    assert rejects.empty, rejects.to_dict("records")
    return out.iloc[0]


def test_a_claimed_exclusion_takes_off_the_china_301_duty_only(aset):
    line = _price(aset, s301_exclusion=True)
    assert line["duty_s301_usd"] == 0.0 and bool(line["s301_exclusion_applied"])
    assert line["duty_mfn_usd"] == 3.96 and line["duty_ieepa_fentanyl_usd"] == 4.80
    assert line["duty_ieepa_reciprocal_usd"] == 2.40
    assert line["duty_total_usd"] == pytest.approx(11.16) and line["landed_cost_usd"] == pytest.approx(45.78)


def test_without_a_claim_nothing_changes(aset):
    line = _price(aset)
    assert line["duty_s301_usd"] == 1.80 and not bool(line["s301_exclusion_applied"])
    assert line["landed_cost_usd"] == pytest.approx(47.58)


def test_after_2026_11_10_the_exclusions_are_assumed_lapsed_and_the_line_says_unverified(aset):
    claimed = _price(aset, s301_exclusion=True, ship_date="2026-11-20")
    plain = _price(aset, ship_date="2026-11-20")
    assert claimed["duty_s301_usd"] == plain["duty_s301_usd"] > 0
    assert not bool(claimed["s301_exclusion_applied"])
    assert claimed["evidence_grade"] == "U"


def test_a_scenario_that_extends_the_exclusions(aset):
    extended = load_scenario_text("""
kind = "scenario"
name = "exclusions-extended"
label = "301 exclusions extended"
label_zh = "301 排除延期"
description = "The actual law, with the Section 301 exclusions extended past 2026-11-10."
description_zh = "实际规则，但 301 排除延期至 2026-11-10 之后。"
date_mode = "line"

[[overrides]]
param = "us/layers/s301_exclusions"
from = 2026-11-11
value = 1
note = "extension assumed"
""", "exclusions-extended.toml")
    line = _price(aset, extended, s301_exclusion=True, ship_date="2026-11-20")
    assert line["duty_s301_usd"] == 0.0 and bool(line["s301_exclusion_applied"])


def test_a_claim_on_goods_without_china_301_duty_changes_nothing(aset):
    line = _price(aset, s301_exclusion=True, origin_country="VN", ship_date="2025-09-01")
    assert not bool(line["s301_exclusion_applied"]) and line["duty_s301_usd"] == 0.0
    assert line["evidence_grade"] == _price(aset, origin_country="VN")["evidence_grade"]


@pytest.mark.parametrize(("cell", "claimed"), [("yes", True), ("是", True), ("9903.88.69", True), ("9903 88 70", True),
                                               ("1", True), ("no", False), ("否", False), ("", False), ("0", False)])
def test_the_column_reads_yes_no_and_the_claim_headings(cell, claimed):
    data = f"订单号,HS编码,原产国,申报单价,301排除\nA,6109100012,CN,5,{cell}\n".encode()
    res = read_orders(data, "o.csv")
    assert res.rejects.empty and res.lines["s301_exclusion"].tolist() == [claimed]
    assert res.lines["s301_exclusion"].dtype == bool


def test_an_unreadable_claim_is_rejected_with_the_fix():
    res = read_orders(b"order_id,hts_code,origin_country,unit_value,s301_exclusion\nA,6109100012,CN,5,maybe\n", "o.csv")
    assert [(r.row_number, r.column, r.value) for r in res.rejects.itertuples()] == [(2, "s301_exclusion", "maybe")]
    assert "9903.88.69" in res.rejects.problem[0]


def test_only_the_claim_makes_the_late_line_unverified(aset):
    assert _price(aset, ship_date="2026-11-20")["evidence_grade"] != "U"
