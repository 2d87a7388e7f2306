"""The Python API (price_orders, compare) and the policy timeline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import costimpact
from costimpact.api import read
from costimpact.errors import ArgumentError
from costimpact.scenarios.timeline import change_dates, policy_events, timeline

SAMPLE = Path(costimpact.__file__).parent / "data" / "sample_orders.csv"


@pytest.fixture(scope="module")
def basket():
    return pd.DataFrame(
        [
            {"order_id": "A", "hts_code": "6109.10.00.12", "origin_country": "CN", "unit_value": 24, "ship_date": "2025-09-01", "shipping_mode": "express", "freight_cost": 8, "sku": "TEE"},
            {"order_id": "B", "hts_code": "8507.60.0020", "origin_country": "CN", "unit_value": 4, "quantity": 5000, "ship_date": "2025-12-15", "shipping_mode": "ocean_freight", "freight_cost": 1200, "sku": "PB"},
            {"order_id": "C", "hts_code": "6109.10.00.12", "origin_country": "VN", "unit_value": 24, "ship_date": "2025-08-28", "shipping_mode": "postal", "freight_cost": 5, "sku": "TEE"},
        ]
    )


def test_price_orders_from_a_dataframe(basket, aset):
    result = costimpact.price_orders(basket, assumptions=aset, as_of="2026-11-26")
    assert result.summary() == "read 3 rows: 3 priced, 0 rejected"
    assert list(result.lines["landed_cost_usd"]) == [47.58, 27634.28, 29.0]
    totals = result.totals()
    assert totals["landed_cost_usd"] == round(47.58 + 27634.28 + 29.0, 2)
    assert totals["ieepa_refund_exposure_usd"] == 4.80 + 2.40 + 2000 + 2000
    assert result.assumptions_hash == aset.content_hash and result.scenario == "actual"


def test_compare_adds_baseline_and_groups(basket, aset):
    cmp = costimpact.compare(basket, scenario="actual", baseline="pre-2025", assumptions=aset, as_of="2026-11-26")
    lines = cmp.lines
    assert list(lines["baseline_landed_cost_usd"])[0] == 32.0  # de minimis before 2025
    assert list(lines["delta_usd"])[0] == 15.58
    assert lines["delta_pct"].iloc[0] == pytest.approx(15.58 / 32.0)
    by = cmp.by("channel").set_index("shipping_mode")
    assert set(by.index) == {"express", "ocean_freight", "postal"}
    assert by.loc["express", "delta_usd"] == 15.58
    totals = cmp.totals()
    assert totals["delta_usd"] == pytest.approx(lines["delta_usd"].sum(), abs=0.01)
    sku = cmp.by("sku").set_index("sku")
    assert sku.loc["TEE", "lines"] == 2


def test_unknown_scenario_and_bad_date(basket, aset):
    with pytest.raises(ArgumentError, match="unknown scenario 'nope'"):
        costimpact.price_orders(basket, scenario="nope", assumptions=aset)
    with pytest.raises(ArgumentError, match="not a date"):
        costimpact.price_orders(basket, as_of="yesterday", assumptions=aset)


def test_change_dates_cover_every_policy_event(aset):
    dates = set(change_dates(aset))
    events = policy_events(aset)
    for day in events["date"]:
        assert day in dates, day  # every labelled event is a date on which some rate actually changes
    assert pd.Timestamp("2024-01-01") in dates and max(dates) <= pd.Timestamp("2027-12-31")


def test_timeline_of_one_tshirt(aset):
    one = read(pd.DataFrame([{"order_id": "A", "hts_code": "6109100012", "origin_country": "CN", "unit_value": 24, "shipping_mode": "express", "freight_cost": 8}]))
    days = ["2024-06-01", "2025-05-01", "2025-05-02", "2025-09-01", "2026-02-24", "2026-07-24"]
    tl = timeline(one, assumptions=aset, dates=days).set_index("date")
    landed = {d.strftime("%Y-%m-%d"): v for d, v in tl["landed_cost_usd"].items()}
    assert landed == {"2024-06-01": 32.0, "2025-05-01": 32.0, "2025-05-02": 75.18, "2025-09-01": 47.58, "2026-02-24": 42.85, "2026-07-24": 43.45}
    assert tl["landed_vs_start_pct"].iloc[0] == 0


def test_sample_file_is_realistic():
    imported = read(SAMPLE)
    lines = imported.lines
    assert imported.rows_read >= 300 and imported.rejects.empty
    assert set(lines["shipping_mode"]) == {"postal", "express", "air_freight", "ocean_freight"}
    assert lines["ship_date"].min() < pd.Timestamp("2025-01-01") and lines["ship_date"].max() >= pd.Timestamp("2026-10-01")
    assert (lines["origin_country"] == "CN").mean() > 0.5
    result = costimpact.compare(imported, scenario="actual", baseline="pre-2025")
    assert result.totals()["delta_pct"] > 0.05
