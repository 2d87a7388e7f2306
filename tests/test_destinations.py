"""Hand-worked destination cases (tests/cases/destination_cases.csv), reproduced to the cent.

Each case is one consignment (its lines share a shipment id); the column ``worked`` holds the arithmetic done by
hand from the rules in assumptions/<destination>/. Every boundary of issue 17 has a case on each side.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from conftest import AS_OF, make_lines, pin_rates
from costimpact.landed.engine import resolve_scenario
from costimpact.landed.markets import price_any

CASES = pd.read_csv(Path(__file__).parent / "cases" / "destination_cases.csv", dtype=str, keep_default_na=False)
OPTIONAL = {"region": "destination_region", "scheme": "import_scheme", "ship_from": "ship_from_country", "unit_price": "unit_price", "mfn_rate": "mfn_rate"}


def _lines(case: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for c in case.to_dict("records"):
        row = {
            "order_id": c["case"],
            "hts_code": c["hts"],
            "origin_country": c["origin"],
            "destination_country": c["dest"],
            "shipping_mode": c["mode"],
            "quantity": float(c["quantity"]),
            "unit_value": float(c["unit_value"]),
            "currency": c["currency"],
            "freight_cost": float(c["freight"]),
            "ship_date": c["date"],
        }
        for src, col in OPTIONAL.items():
            if c[src]:
                row[col] = float(c[src]) if col in ("unit_price", "mfn_rate") else c[src]
        rows.append(row)
    return make_lines(rows)


def _pinned(scenario, cases: pd.DataFrame):  # noqa: ANN001, ANN202
    """The scenario with each case's stated exchange rates (column ``fx_per_usd``) on the case's day."""
    for spec, day in zip(cases["fx_per_usd"], cases["date"], strict=True):
        scenario = pin_rates(scenario, spec, day)
    return scenario


@pytest.mark.parametrize("name", list(dict.fromkeys(CASES["case"])))
def test_case_to_the_cent(aset, name):
    case = CASES[CASES["case"] == name]
    out, rejects, _ = price_any(_lines(case), aset, _pinned(resolve_scenario(aset, case["scenario"].iloc[0]), case), AS_OF)
    assert rejects.empty, rejects.to_dict("records")
    assert len(out) == len(case)
    for (_, line), expect in zip(out.iterrows(), case.to_dict("records")):
        where = f"{name} line {expect['line']}"
        assert line["entry_type"] == expect["entry_type"], where
        assert line["duty_total_local"] == pytest.approx(float(expect["duty_local"]), abs=0.001), where
        assert line["tax_total_local"] == pytest.approx(float(expect["tax_local"]), abs=0.001), where
        assert line["fees_total_local"] == pytest.approx(float(expect["fees_local"]), abs=0.001), where
        assert line["landed_cost_local"] == pytest.approx(float(expect["landed_local"]), abs=0.001), where
        for check in filter(None, expect["checks"].split(";")):
            column, value = check.split("=")
            assert line[column] == pytest.approx(float(value), abs=0.001), f"{where}: {column}"


def test_lines_come_back_in_input_order_with_local_columns(aset):
    lines = make_lines(
        [
            {"hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 20.0, "destination_country": "DE", "ship_date": "2026-07-01", "currency": "EUR"},
            {"hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 24.0, "freight_cost": 8.0, "ship_date": "2025-09-01"},
            {"hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 20.0, "destination_country": "GB", "ship_date": "2026-07-01", "currency": "GBP"},
            {"hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 20.0, "destination_country": "TR", "ship_date": "2026-07-01"},
        ]
    )
    out, rejects, used = price_any(lines, aset, resolve_scenario(aset, "actual"), AS_OF)
    assert out["row_number"].tolist() == [2, 3, 4]
    assert out["destination_currency"].tolist() == ["EUR", "USD", "GBP"]
    assert rejects["row_number"].tolist() == [5] and rejects["column"].iloc[0] == "destination_country"
    us = out.iloc[1]
    assert us["landed_cost_local"] == us["landed_cost_usd"] == pytest.approx(47.58)  # the public worked case P1
    assert out["duty_mfn_usd"].tolist()[0] == 0.0 and out["tax_total_local"].iloc[1] == 0.0
    assert {"eu/vat_standard", "uk/vat_standard", "us/entry/de_minimis"} <= set(used["parameter"])


def test_unknown_code_is_rejected_only_when_tariff_duty_is_owed(aset):
    base = {"origin_country": "CN", "destination_country": "DE", "currency": "EUR", "ship_date": "2026-07-01", "hts_code": "999999"}
    lines = make_lines([{**base, "unit_value": 50.0, "order_id": "low"}, {**base, "unit_value": 500.0, "order_id": "high"}, {**base, "unit_value": 500.0, "order_id": "own", "mfn_rate": 0.05}])
    out, rejects, _ = price_any(lines, aset, resolve_scenario(aset, "actual"), AS_OF)
    assert out["order_id"].tolist() == ["low", "own"]
    assert rejects["row_number"].tolist() == [3] and "mfn_rate" in rejects["problem"].iloc[0]
    assert out["duty_tariff_local"].iloc[1] == pytest.approx(25.0) and bool(out["rates_user_supplied"].iloc[1])


def test_us_engine_alone_still_rejects_other_destinations(aset):
    from costimpact.landed.engine import price_lines

    lines = make_lines([{"hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 20.0, "destination_country": "DE"}])
    out, rejects, _ = price_lines(lines, aset, resolve_scenario(aset, "actual"), dt.date(2026, 7, 1))
    assert out.empty and rejects["column"].tolist() == ["destination_country"]


def test_formal_imports_the_calculator_cannot_price_are_rejected(aset):
    base = {"origin_country": "CN", "hts_code": "6109.10.00", "ship_date": "2026-07-01"}
    lines = make_lines(
        [
            {**base, "destination_country": "BR", "unit_value": 2990.0, "freight_cost": 20.0, "order_id": "br-over"},
            {**base, "destination_country": "BR", "unit_value": 2990.0, "freight_cost": 10.0, "order_id": "br-at"},
            {**base, "destination_country": "MX", "unit_value": 2600.0, "order_id": "mx-formal"},
        ]
    )
    out, rejects, _ = price_any(lines, aset, resolve_scenario(aset, "actual"), AS_OF)
    assert out["order_id"].tolist() == ["br-at"]  # US$3,000 with freight is still the simplified regime
    assert rejects["row_number"].tolist() == [2, 4]
    assert "3,000" in rejects["problem"].iloc[0] and "mfn_rate" in rejects["problem"].iloc[1]


def test_policy_timeline_follows_a_destination_basket(aset):
    from types import SimpleNamespace

    from costimpact.scenarios.timeline import timeline

    lines = make_lines([{"hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 100.0, "currency": "EUR", "destination_country": "DE"}])
    scenario = pin_rates(resolve_scenario(aset, "actual"), "EUR=0.86", "2026-01-01", "2028-01-01")  # the rate worked with below
    frame = timeline(SimpleNamespace(lines=lines), scenario=scenario, assumptions=aset, start="2026-01-01", end="2027-12-31").set_index("date")
    # by hand: before 2026-07-01 relief, IOSS VAT 19% x 100 = 19 -> EUR 119 = USD 119 / 0.86 = 138.37;
    # from 2026-07-01 duty 3 and VAT 19% x 103 = 19.57 -> USD 100/0.86 + 3/0.86 + 19.57/0.86 = 116.28 + 3.49 + 22.76
    assert frame.loc["2026-06-30":"2026-06-30"].empty and frame.loc[pd.Timestamp("2026-07-01"), "landed_cost_usd"] == pytest.approx(142.53)
    assert frame.loc[pd.Timestamp("2026-01-01"), "landed_cost_usd"] == pytest.approx(116.28 + 22.09)


def test_all_cases_in_one_shuffled_batch_price_as_alone(aset):
    """Consignments do not leak into each other and row order does not matter: the 'actual' cases priced in one
    shuffled file give each line the same numbers as the case priced alone."""
    cases = CASES[CASES["scenario"] == "actual"].reset_index(drop=True)
    batch = _lines(cases)
    shuffled = batch.sample(frac=1.0, random_state=7)
    out, rejects, _ = price_any(shuffled, aset, _pinned(resolve_scenario(aset, "actual"), cases), AS_OF)
    assert rejects.empty and len(out) == len(cases)
    got = out.set_index("row_number").sort_index()
    assert got["landed_cost_local"].round(2).tolist() == [float(x) for x in cases["landed_local"]]
    assert got["tax_total_local"].round(2).tolist() == [float(x) for x in cases["tax_local"]]


def test_a_date_without_the_destination_rate_names_that_currency(aset):
    lines = make_lines([{"hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 20.0, "destination_country": "MX", "ship_date": "2023-06-01"}])
    out, rejects, _ = price_any(lines, aset, resolve_scenario(aset, "actual"), AS_OF)
    assert out.empty and rejects["value"].tolist() == ["MXN"] and "2023-06-01" in rejects["problem"].iloc[0]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LINE = st.fixed_dictionaries(
    {
        "destination_country": st.sampled_from(["US", "DE", "FR", "RO", "GB", "MX", "BR", "CA", "AU", "JP"]),
        "hts_code": st.sampled_from(["6109.10.00", "6110.20.10", "4202.92.11", "8518.30.20", "9999.99.99"]),
        "origin_country": st.sampled_from(["CN", "VN", "US"]),
        "unit_value": st.floats(min_value=0.5, max_value=4000, allow_nan=False).map(lambda x: round(x, 2)),
        "quantity": st.integers(min_value=1, max_value=5),
        "freight_cost": st.floats(min_value=0, max_value=50, allow_nan=False).map(lambda x: round(x, 2)),
        "order_id": st.sampled_from(["A", "B", "C"]),
        "ship_date": st.sampled_from(["2025-08-14", "2025-08-15", "2026-06-30", "2026-07-01"]),
    }
)


@settings(max_examples=25, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=12))
def test_every_row_is_priced_or_rejected_in_input_order(rows):
    from costimpact.assumptions import load_assumptions

    aset = load_assumptions()
    lines = make_lines(rows)
    out, rejects, _ = price_any(lines, aset, resolve_scenario(aset, "actual"), AS_OF)
    priced, rejected = set(out["row_number"]), set(rejects["row_number"])
    assert priced.isdisjoint(rejected) and priced | rejected == set(lines["row_number"])
    assert out["row_number"].is_monotonic_increasing
    assert (out["landed_cost_local"] >= out["customs_value_local"] - 1e-9).all()
    assert (out[["duty_total_local", "tax_total_local", "fees_total_local"]] >= 0).all().all()


def test_japan_needs_the_lines_own_rate_where_duty_is_owed(aset):
    """No Japanese tariff is built in: a parcel above ¥10,000 (or of excluded goods) without mfn_rate is rejected
    asking for it, while a parcel under the limit is priced free of duty and tax."""
    lines = make_lines([
        {"hts_code": "3924.10.00", "origin_country": "CN", "unit_value": 30000.0, "currency": "JPY", "destination_country": "JP", "ship_date": "2026-09-01"},
        {"hts_code": "3924.10.00", "origin_country": "CN", "unit_value": 3000.0, "currency": "JPY", "destination_country": "JP", "ship_date": "2026-09-01"},
    ])
    out, rejects, used = price_any(lines, aset, resolve_scenario(aset, "actual"), AS_OF)
    assert rejects["row_number"].tolist() == [2] and rejects["column"].iloc[0] == "hts_code"
    assert "mfn_rate" in rejects["problem"].iloc[0]
    assert out["regime"].tolist() == ["jp_exempt"] and out["landed_cost_local"].iloc[0] == 3000.0
    assert {"jp/low_value_ceiling", "jp/personal_use_share"} <= set(used["parameter"])
