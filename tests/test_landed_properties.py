"""Properties of the engine over generated baskets (hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AS_OF, make_lines
from costimpact.landed.engine import price_lines, resolve_scenario

CODES = ["6109100012", "61102020", "42029231", "8507600020", "9401614011", "95030000", "39241040", "85176200", "73269086", "99999999"]
ORIGINS = ["CN", "HK", "VN", "IN", "DE", "JP", "MX", "BR", "US"]
MODES = ["postal", "express", "air_freight", "ocean_freight"]

line = st.fixed_dictionaries(
    {
        "hts_code": st.sampled_from(CODES),
        "origin_country": st.sampled_from(ORIGINS),
        "shipping_mode": st.sampled_from(MODES),
        "unit_value": st.floats(min_value=0.01, max_value=5000, allow_nan=False).map(lambda x: round(x, 2)),
        "quantity": st.integers(min_value=1, max_value=500),
        "freight_cost": st.floats(min_value=0, max_value=500, allow_nan=False).map(lambda x: round(x, 2)),
        "ship_date": st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31)).map(str),
        "order": st.integers(min_value=0, max_value=6),
        "consignee_id": st.sampled_from(["", "", "buyer-1", "buyer-2"]),
        "postal_duty_method": st.sampled_from(["", "ad_valorem", "specific"]),
        "currency": st.sampled_from(["USD", "USD", "CNY"]),
    }
)
baskets = st.lists(line, min_size=1, max_size=25)
SCENARIOS = st.sampled_from(["actual", "pre-2025", "today", "no-ieepa", "de-minimis-restored", "china-escalation"])


def _lines(rows):
    for r in rows:
        r["order_id"] = f"O{r.pop('order')}"
    return make_lines(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=baskets, scenario=SCENARIOS)
def test_conservation_and_money_properties(aset, rows, scenario):
    lines = _lines(rows)
    original = lines.copy(deep=True)
    out, rejects, _ = price_lines(lines, aset, resolve_scenario(aset, scenario), AS_OF)
    pd.testing.assert_frame_equal(lines, original)  # input never mutated
    # rows in = priced + rejected, and line ids are conserved in order
    assert len(out) + rejects["row_number"].nunique() == len(lines)
    assert set(out["row_number"]).isdisjoint(set(rejects["row_number"]))
    assert list(out["row_number"]) == sorted(out["row_number"])
    # landed >= customs value + freight, and landed is the sum of its parts
    assert (out["landed_cost_usd"] >= out["customs_value_usd"] + out["freight_usd"] - 1e-9).all()
    parts = out["customs_value_usd"] + out["freight_usd"] + out["duty_total_usd"] + out["fees_total_usd"]
    assert np.allclose(out["landed_cost_usd"], parts, atol=0.005)
    duty_cols = [c for c in out if c.startswith("duty_") and c.endswith("_usd") and c != "duty_total_usd"]
    assert np.allclose(out[duty_cols].sum(axis=1), out["duty_total_usd"], atol=0.005)
    # every amount is whole cents
    for c in ["customs_value_usd", "duty_total_usd", "fee_mpf_usd", "fee_hmf_usd", "fee_other_usd", "landed_cost_usd", *duty_cols]:
        cents = out[c].to_numpy() * 100
        assert np.allclose(cents, np.round(cents), atol=1e-6), c
    # de minimis lines pay nothing but their value and freight
    dm = out[out["de_minimis"]]
    assert (dm["duty_total_usd"] == 0).all() and (dm["fees_total_usd"] == 0).all()
    # postal entries pay no MPF; HMF only by sea
    assert (out.loc[out["entry_type"] == "postal", "fee_mpf_usd"] == 0).all()
    assert (out.loc[out["shipping_mode"] != "ocean_freight", "fee_hmf_usd"] == 0).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=baskets, seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_shuffling_rows_changes_no_line(aset, rows, seed):
    lines = _lines(rows)
    scen = resolve_scenario(aset, "actual")
    out, _, _ = price_lines(lines, aset, scen, AS_OF)
    shuffled = lines.sample(frac=1.0, random_state=seed)
    out2, _, _ = price_lines(shuffled, aset, scen, AS_OF)
    a = out.set_index("row_number").sort_index()
    b = out2.set_index("row_number").sort_index()[a.columns]
    money = [c for c in a if c.endswith("_usd")]
    pd.testing.assert_frame_equal(a[money], b[money], check_exact=False, atol=0.005)
    assert (a["entry_type"].astype(str) == b["entry_type"].astype(str)).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=baskets)
def test_shipment_totals_equal_the_sum_of_their_lines(aset, rows):
    """Per-shipment charges (MPF with its minimum and maximum, HMF, broker, per-item postal duty) are exact."""
    lines = _lines(rows)
    out, _, _ = price_lines(lines, aset, resolve_scenario(aset, "actual"), AS_OF)
    if out.empty:
        return
    out = out.assign(_ship=out["shipment_id"] + "|" + out["shipping_mode"] + "|" + out["price_date"].astype(str))
    for _, ship in out.groupby("_ship"):
        value = ship["customs_value_usd"].sum()
        formal = (ship["entry_type"] == "formal").all()
        mpf = round(ship["fee_mpf_usd"].sum(), 2)
        if formal:
            assert 31.67 - 1e-9 <= mpf <= 670.86 + 1e-9 or value == 0
        if (ship["shipping_mode"] == "ocean_freight").all() and (ship["entry_type"].isin(["formal", "informal"])).all():
            assert round(ship["fee_hmf_usd"].sum(), 2) == round(np.floor(value * 0.125 + 0.5 + 1e-6) / 100, 2)
        if formal:
            assert round(ship["fee_broker_usd"].sum(), 2) == 125.0


def test_mixed_origin_parcel_pays_the_highest_tier(aset):
    rows = [
        {"order_id": "M", "hts_code": "6109100012", "origin_country": "CN", "unit_value": 24.0, "shipping_mode": "postal", "ship_date": "2025-09-01", "postal_duty_method": "specific"},
        {"order_id": "M", "hts_code": "6109100012", "origin_country": "VN", "unit_value": 12.0, "shipping_mode": "postal", "ship_date": "2025-09-01", "postal_duty_method": "specific"},
    ]
    out, rejects, _ = price_lines(make_lines(rows), aset, resolve_scenario(aset, "actual"), AS_OF)
    assert rejects.empty
    assert out["duty_postal_usd"].sum() == 200.0  # CN's 30% puts the whole parcel in the $200 tier
    assert list(out["duty_postal_usd"]) == [133.33, 66.67]  # split by value, largest remainder


def test_consignee_day_adds_up_for_de_minimis(aset):
    base = {"hts_code": "6109100012", "origin_country": "VN", "unit_value": 500.0, "ship_date": "2025-08-01"}
    alone = make_lines([{**base, "order_id": "A"}, {**base, "order_id": "B"}])
    same_buyer = make_lines([{**base, "order_id": "A", "consignee_id": "b1"}, {**base, "order_id": "B", "consignee_id": "b1"}])
    out1, _, _ = price_lines(alone, aset, resolve_scenario(aset, "actual"), AS_OF)
    out2, _, _ = price_lines(same_buyer, aset, resolve_scenario(aset, "actual"), AS_OF)
    assert out1["de_minimis"].all()
    assert not out2["de_minimis"].any()
    assert list(out2["landed_cost_usd"]) == [635.12, 635.12]


def test_unknown_code_rejected_unless_rates_supplied(aset):
    rows = [
        {"hts_code": "9999999999", "origin_country": "CN", "unit_value": 10.0, "ship_date": "2026-11-26"},
        {"hts_code": "9999999999", "origin_country": "CN", "unit_value": 10.0, "ship_date": "2026-11-26", "mfn_rate": 0.05, "s301_list": "3"},
        {"hts_code": "6109", "origin_country": "CN", "unit_value": 10.0, "ship_date": "2026-11-26"},
    ]
    out, rejects, _ = price_lines(make_lines(rows), aset, resolve_scenario(aset, "actual"), AS_OF)
    assert list(rejects["row_number"]) == [2, 4]
    assert "not in the loaded tariff table" in rejects["problem"].iloc[0]
    assert "6-10 digits" in rejects["problem"].iloc[1] or "not 6 to 10 digits" in rejects["problem"].iloc[1]
    line = out.iloc[0]
    assert line["rates_user_supplied"]
    assert line["duty_mfn_usd"] == 0.50 and line["duty_s301_usd"] == 2.50 and line["evidence_grade"] == "U"


def test_six_digit_code_needs_uniform_treatment(aset):
    rows = [{"hts_code": "940161", "origin_country": "CN", "unit_value": 80.0, "ship_date": "2026-11-26"}]
    _, rejects, _ = price_lines(make_lines(rows), aset, resolve_scenario(aset, "actual"), AS_OF)
    assert "different duties" in rejects["problem"].iloc[0]


def test_carrier_presets_from_scenario_options(aset):
    scen = resolve_scenario(aset, "actual").model_copy(update={"options": resolve_scenario(aset, "actual").options.model_copy(update={"carrier": "fedex"})})
    rows = [{"hts_code": "6109100012", "origin_country": "CN", "unit_value": 24.0, "freight_cost": 8.0, "ship_date": "2025-09-01"}]
    out, _, used = price_lines(make_lines(rows), aset, scen, AS_OF)
    assert out["fee_carrier_usd"].iloc[0] == 11.0  # max($11, 2% of $12.96)
    assert out["landed_cost_usd"].iloc[0] == 58.58
    assert "us/fees/carrier_duty_advancement" in set(used["parameter"])


def test_metal_share_splits_232_and_reciprocal(aset):
    rows = [{"hts_code": "73269086", "origin_country": "VN", "unit_value": 100.0, "ship_date": "2025-09-01", "metal_value_share": 0.4}]
    from costimpact.assumptions.tariff import tariff_lines

    table = tariff_lines(aset).set_index("hts")
    out, _, _ = price_lines(make_lines(rows), aset, resolve_scenario(aset, "actual"), AS_OF)
    line = out.iloc[0]
    if table.loc["73269086", "s232"] == "steel_alu":  # full value: reciprocal does not apply at all
        assert line["duty_s232_usd"] == 50.0 and line["duty_ieepa_reciprocal_usd"] == 0.0
    else:  # derivative: 50% on the 40% metal share, reciprocal on the other 60%
        assert line["duty_s232_usd"] == 20.0 and line["duty_ieepa_reciprocal_usd"] == 12.0


def test_used_periods_carry_sources_and_grades(aset):
    rows = [{"hts_code": "6109100012", "origin_country": "CN", "unit_value": 24.0, "ship_date": "2025-09-01"}]
    _, _, used = price_lines(make_lines(rows), aset, resolve_scenario(aset, "actual"), AS_OF)
    assert {"us/layers/ieepa_fentanyl", "us/layers/ieepa_reciprocal", "us/layers/s301", "us/fees/mpf_informal", "us/entry/de_minimis"} <= set(used["parameter"])
    assert used["source"].str.len().min() > 3
    assert set(used["evidence"]) <= {"confirmed", "secondary", "unverified"}


def test_fixed_date_scenario_keeps_shipments_and_buyer_days_apart(aset):
    """pre-2025 prices every line as of 2024-12-31, but parcels sent on different days stay separate parcels."""
    base = {"hts_code": "6109100012", "origin_country": "CN", "unit_value": 500.0, "consignee_id": "b1", "shipping_mode": "postal"}
    lines = make_lines([{**base, "order_id": "A", "ship_date": "2025-09-01"}, {**base, "order_id": "B", "ship_date": "2025-10-01"}])
    out, _, _ = price_lines(lines, aset, resolve_scenario(aset, "pre-2025"), AS_OF)
    assert out["de_minimis"].all()  # each day's $500 is under $800
    same_day = make_lines([{**base, "order_id": "A", "ship_date": "2025-09-01"}, {**base, "order_id": "B", "ship_date": "2025-09-01"}])
    out2, _, _ = price_lines(same_day, aset, resolve_scenario(aset, "pre-2025"), AS_OF)
    assert not out2["de_minimis"].any()  # one buyer, one day: $1,000
