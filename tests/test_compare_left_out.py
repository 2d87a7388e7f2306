"""A comparison is made of the lines priced in both scenarios; a line one side rejected is counted, never half-summed.

The basket (hand-worked from assumptions/us):
- row 2: lipstick, HTS 3304.10.00 (MFN free), from Vietnam, $7.15, express, entered
  2025-09-02. Under ``actual``: no de minimis for any origin after 2025-08-29, reciprocal IEEPA on Vietnam 20 %
  (EO 14257 as amended, from 2025-08-07) = $1.43, informal-entry MPF of FY2025 $2.62: landed $11.20. Under
  ``pre-2025`` (the law of 2024-12-31): $800 de minimis, so no duty and no fee: landed $7.15. It falls $4.05.
- row 3: the same lipstick from China, 50 CNY, entered 2023-06-01. ``actual`` prices it on 2023-06-01, where the
  assumption set has no CNY rate (the first starts 2024-01-01): rejected. ``pre-2025`` prices it on 2024-12-31.

Comparing ``pre-2025`` (scenario) with ``actual`` (baseline): one comparable line, $11.20 -> $7.15, -36.2 %.
The old left join summed row 3 into the scenario side only and headlined a rise.
"""

from __future__ import annotations

import io
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

import costimpact
from costimpact.report import write_report

ORDERS = pd.DataFrame(
    [
        {"order_id": "A", "hts_code": "3304.10.00", "origin_country": "VN", "unit_value": 7.15, "ship_date": "2025-09-02", "shipping_mode": "express", "sku": "LIP-VN", "currency": "USD"},
        {"order_id": "B", "hts_code": "3304.10.00", "origin_country": "CN", "unit_value": 50, "ship_date": "2023-06-01", "shipping_mode": "express", "sku": "LIP-CN", "currency": "CNY"},
    ]
)


@pytest.fixture(scope="module")
def cmp(aset):
    return costimpact.compare(ORDERS, scenario="pre-2025", baseline="actual", assumptions=aset, as_of="2026-11-26")


def test_totals_read_only_the_lines_priced_in_both(cmp):
    tot = cmp.totals()
    assert tot["baseline_landed_cost_usd"] == 11.20
    assert tot["landed_cost_usd"] == 7.15
    assert tot["delta_usd"] == -4.05
    assert tot["delta_pct"] == pytest.approx(-4.05 / 11.20)
    assert tot["lines_compared"] == 1 and tot["lines_left_out"] == 1
    assert cmp.left_out == {"baseline_rejected": 1, "scenario_rejected": 0}
    # the line stays in .lines (the priced file keeps it) with its baseline blank
    assert len(cmp.lines) == 2 and cmp.lines["baseline_landed_cost_usd"].isna().sum() == 1


def test_groupings_read_the_same_lines(cmp):
    by = cmp.by("channel").set_index("shipping_mode")
    assert by.loc["express", "lines"] == 1
    assert by.loc["express", "delta_usd"] == -4.05
    assert set(cmp.by("sku")["sku"]) == {"LIP-VN"}


def test_the_reverse_direction_counts_the_line_the_scenario_rejected(aset):
    rev = costimpact.compare(ORDERS, scenario="actual", baseline="pre-2025", assumptions=aset, as_of="2026-11-26")
    tot = rev.totals()
    assert (tot["baseline_landed_cost_usd"], tot["landed_cost_usd"], tot["delta_usd"]) == (7.15, 11.20, 4.05)
    assert rev.left_out == {"baseline_rejected": 0, "scenario_rejected": 1}
    assert "left out 1 priced under one only" in rev.summary()


def test_report_headline_and_left_out_count(cmp):
    wb = openpyxl.load_workbook(io.BytesIO(write_report([cmp], lang="en")))

    def defined(name):
        (sheet, ref), = list(wb.defined_names[name].destinations)
        return wb[sheet][ref.replace("$", "")].value

    assert defined("LandedCostChangePct") == pytest.approx(-4.05 / 11.20)
    assert defined("LandedCostChange") == pytest.approx(-4.05)
    assert defined("LinesLeftOut") == 1
    texts = [c.value for row in wb["Summary"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("1 lines were priced under one scenario only" in v for v in texts)


def test_cli_summary_says_how_many_were_left_out(tmp_path):
    src = tmp_path / "orders.csv"
    ORDERS.to_csv(src, index=False)
    run = subprocess.run(
        [sys.executable, "-m", "costimpact.cli", "landed", str(src), "--scenario", "pre-2025", "--baseline", "actual", "--out", str(tmp_path / "p.csv")],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "compared 1 lines priced under both pre-2025 and actual; left out 1 priced under one only (1 rejected by actual, 0 by pre-2025)" in run.stderr
