"""Postal regimes are flattened in one place (issue 12, finding 10): the engine's lookup by origin, the table of
values a result used and the app's table of every period all read :func:`postal_periods`."""

from __future__ import annotations

import pandas as pd

import costimpact
from costimpact.assumptions.lookup import postal_periods

REGIME = "us/entry/postal"


def test_one_row_per_period_and_per_period_origin(aset):
    reg = aset.postal[REGIME]
    per = postal_periods(reg)
    assert list(per["period_id"]) == [f"{REGIME}#{i}" for i in range(len(reg.periods))]
    # the first period (2025-05-02, EO 14256 as amended): China and Hong Kong, 120 % or $100 per item
    first = per.iloc[0]
    assert (first["key"], first["from"], first["treatment"], first["ad_valorem"], first["specific_usd"]) == ("CN,HK", pd.Timestamp("2025-05-02"), "in_lieu_flat", 1.20, 100)
    flat = postal_periods(reg, by_origin=True)
    assert len(flat) == sum(len(p.origins) for p in reg.periods)
    assert list(flat.loc[flat["period_id"] == f"{REGIME}#0", "key"]) == ["CN", "HK"]


def test_used_values_and_the_app_show_the_same_postal_period(aset):
    """A $50 parcel from China by post on 2025-05-10 pays the 120 % in-lieu duty: the result's used values name
    that period with the same key, source and link as the shared frame (and so as the app's table)."""
    orders = pd.DataFrame([{"order_id": "P1", "hts_code": "6109.10.00.12", "origin_country": "CN", "unit_value": 50, "ship_date": "2025-05-10", "shipping_mode": "postal"}])
    result = costimpact.price_orders(orders, assumptions=aset, as_of="2026-11-26")
    used = result.used[result.used["parameter"] == REGIME]
    assert len(used) == 1
    want = postal_periods(aset.postal[REGIME]).iloc[0]
    row = used.iloc[0]
    assert (row["key"], row["source"], row["url"], row["unit"], row["value"]) == (want["key"], want["source"], want["url"], "in_lieu_flat", 1.20)
    assert result.lines["duty_postal_usd"].iloc[0] == 60.0  # 120 % of $50 (the ad valorem method, the default)


def test_the_app_table_lists_each_postal_period_once(aset):
    from costimpact.ui import data

    table = data.assumption_periods()
    rows = table[table["parameter"] == REGIME].reset_index(drop=True)
    want = postal_periods(aset.postal[REGIME])
    assert list(rows["key"]) == list(want["key"])
    assert list(rows["unit"]) == list(want["treatment"])
    assert list(rows["source"]) == list(want["source"])
