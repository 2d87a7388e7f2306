"""Hand-worked landed-cost cases (tests/cases/landed_cases.csv), reproduced to the cent.

The six public cases of shared/examples/worked-cases.md come first; the others sit on every boundary: the day
before and the day of each dated change, the $800 and $2,500 limits, the MPF minimum and maximum, postal regimes
with both carrier elections, Section 232 goods and the counterfactual scenarios.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import AS_OF, make_lines
from costimpact.landed.engine import price_lines, resolve_scenario

CASES = pd.read_csv(Path(__file__).parent / "cases" / "landed_cases.csv", dtype=str, keep_default_na=False)


def _price(aset, case: dict) -> pd.Series:
    row = {
        "order_id": case["case"],
        "hts_code": case["hts"],
        "origin_country": case["origin"],
        "shipping_mode": case["mode"],
        "quantity": float(case["quantity"]),
        "unit_value": float(case["unit_value"]),
        "freight_cost": float(case["freight"]),
        "ship_date": case["date"],
    }
    if case["postal_duty_method"]:
        row["postal_duty_method"] = case["postal_duty_method"]
    if case["metal_value_share"]:
        row["metal_value_share"] = float(case["metal_value_share"])
    lines = make_lines([row])
    out, rejects, _ = price_lines(lines, aset, resolve_scenario(aset, case["scenario"]), AS_OF)
    assert rejects.empty, rejects.to_dict("records")
    return out.iloc[0]


@pytest.mark.parametrize("case", CASES.to_dict("records"), ids=list(CASES["case"]))
def test_case_to_the_cent(aset, case):
    line = _price(aset, case)
    assert line["entry_type"] == case["entry_type"]
    assert line["de_minimis"] == (case["entry_type"] == "de_minimis")
    assert line["duty_total_usd"] == pytest.approx(float(case["duties"]), abs=0.001)
    assert line["fee_mpf_usd"] + line["fee_hmf_usd"] == pytest.approx(float(case["gov_fees"]), abs=0.001)
    assert line["fee_other_usd"] == pytest.approx(float(case["other_fees"]), abs=0.001)
    assert line["landed_cost_usd"] == pytest.approx(float(case["landed"]), abs=0.001)
    for check in filter(None, case["checks"].split(";")):
        column, expected = check.split("=")
        assert line[column] == pytest.approx(float(expected), abs=0.001), column
