"""Direct parcels vs a US warehouse: the closed-form break-even against hand-worked arithmetic, and the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_decide_helpers import aset, basket  # noqa: F401 - fixture

from costimpact.decide.fulfilment import FulfilmentOptions, break_even_units, compare_fulfilment, cost_curve, fulfilment_grid, warehouse_month_cost

MPF_MIN, MPF_MAX = 34.58, 670.86  # FY2027 formal MPF limits (hand example only)
K_SHIP = 125 + 35 + 1300  # broker + ISF + destination charges per container
K_MONTH = 250  # 3PL monthly minimum
CAP = 58 / 0.003  # units of 0.003 cbm in 58 usable cbm = 19,333.33
MPF_U = 0.003464 * 10.00  # MPF rate x $10 bulk value per unit = 0.03464


def test_break_even_on_the_mpf_minimum() -> None:
    # Saving $3.00 a unit. On the MPF minimum: Q = (1460 + 250 + 34.58) / 3 = 1744.58 / 3 = 581.5267;
    # MPF stays at its minimum up to 34.58 / 0.03464 = 998.27 units, and 581.53 < 998.27, so this is Q*.
    q, ships = break_even_units(np.array([3.0]), np.array([MPF_U]), np.array([K_SHIP]), np.array([K_MONTH]), np.array([CAP]), MPF_MIN, MPF_MAX)
    assert q[0] == pytest.approx(1744.58 / 3, abs=1e-9)
    assert ships[0] == 1


def test_break_even_on_the_mpf_rate() -> None:
    # Saving $1.00 a unit. On the minimum: 1744.58 / 1 = 1744.58 > 998.27, outside the segment.
    # On the rate: Q = 1710 / (1 - 0.03464) = 1710 / 0.96536 = 1771.36, between 998.27 and 670.86/0.03464 = 19,366.6.
    q, _ = break_even_units(np.array([1.0]), np.array([MPF_U]), np.array([K_SHIP]), np.array([K_MONTH]), np.array([CAP]), MPF_MIN, MPF_MAX)
    assert q[0] == pytest.approx(1710 / 0.96536, abs=1e-6)
    # the costs meet there: 1460 + 250 + 0.03464 x 1771.36 = 1771.36 x 1.00
    assert K_SHIP + K_MONTH + MPF_U * q[0] == pytest.approx(1.0 * q[0])


def test_break_even_beyond_one_container_and_never() -> None:
    # Saving $0.12 a unit: on the MPF maximum Q = (1710 + 670.86) / 0.12 = 19,840 > one container (19,333).
    # A full container: MPF = 0.03464 x 19,333.33 = 669.71 (under the max); net per unit =
    # 0.12 - (1460 + 669.71) / 19,333.33 = 0.12 - 0.110157 = 0.009843; Q = 250 / 0.009843 = 25,398, 2 containers.
    s = np.array([0.12, 0.0, -1.0])
    q, ships = break_even_units(s, np.full(3, MPF_U), np.full(3, K_SHIP), np.full(3, K_MONTH), np.full(3, CAP), MPF_MIN, MPF_MAX)
    per_unit_full = 0.12 - (K_SHIP + MPF_U * CAP) / CAP
    assert q[0] == pytest.approx(K_MONTH / per_unit_full, rel=1e-9)
    assert q[0] == pytest.approx(25398, abs=5)
    assert ships[0] == 2
    assert np.isnan(q[1]) and np.isnan(q[2])


def test_engine_matches_closed_form(aset) -> None:  # noqa: ANN001, F811
    res = compare_fulfilment(basket(), scenario="actual", as_of="2026-11-26", assumptions=aset)
    port = res.portfolio.iloc[0]
    per = res.per_sku
    goods = float((per["unit_value_usd"] * per["units_per_month"]).sum())
    # the engine-priced monthly warehouse cost = the closed form's cost + the goods' value (to a cent per line)
    closed = float(warehouse_month_cost(port, np.array([port["units_per_month"]]))[0]) + goods
    assert closed == pytest.approx(port["warehouse_cost_per_month_usd"], abs=0.05)
    # at the break-even volume the two models cost the same
    be = port["break_even_units_per_month"]
    assert np.isfinite(be)
    assert float(warehouse_month_cost(port, np.array([be]))[0]) == pytest.approx(port["direct_per_unit_ex_value_usd"] * be, rel=1e-9)
    # every legal number of the bulk entry came from the engine: a formal entry with MPF and HMF
    assert set(per["warehouse_entry_type"]) == {"formal"}
    assert per["warehouse_customs_fees_per_unit_usd"].gt(0).all()
    # the monthly totals add up
    assert float((per["direct_cost_per_unit_usd"] * per["units_per_month"]).sum()) == pytest.approx(port["direct_cost_per_month_usd"], abs=0.01)
    curve = cost_curve(res)
    assert set(curve["model"]) == {"direct", "warehouse"}


def test_editable_presets_move_the_answer(aset) -> None:  # noqa: ANN001, F811
    base = compare_fulfilment(basket(), as_of="2026-11-26", assumptions=aset).portfolio.iloc[0]
    cheap = compare_fulfilment(basket(), as_of="2026-11-26", assumptions=aset, options=FulfilmentOptions(last_mile_usd_per_unit=4.0, pick_pack_usd_per_unit=1.5)).portfolio.iloc[0]
    assert cheap["warehouse_cost_per_unit_usd"] == pytest.approx(base["warehouse_cost_per_unit_usd"] - 4.5, abs=1e-6)
    assert cheap["break_even_units_per_month"] < base["break_even_units_per_month"]
    # a bulk value at 60% of the parcel value lowers the warehouse duty by 40%
    low = compare_fulfilment(basket(), as_of="2026-11-26", assumptions=aset, options=FulfilmentOptions(bulk_value_ratio=0.6)).per_sku
    full = compare_fulfilment(basket(), as_of="2026-11-26", assumptions=aset).per_sku
    assert (low["warehouse_duty_per_unit_usd"] / full["warehouse_duty_per_unit_usd"]).to_numpy() == pytest.approx(0.6, abs=0.01)


def test_across_scenarios_and_dates(aset) -> None:  # noqa: ANN001, F811
    grid = fulfilment_grid(basket(), scenarios=("de-minimis-restored", "actual"), dates=("2025-06-01", "2026-11-26"), assumptions=aset)
    assert len(grid) == 4
    got = grid.set_index(["scenario", grid["as_of"].astype(str)])
    # with the $800 de minimis kept (counterfactual), parcels stay duty-free, so direct is cheaper and the warehouse pays later
    assert got.loc[("de-minimis-restored", "2026-11-26"), "direct_cost_per_unit_usd"] < got.loc[("actual", "2026-11-26"), "direct_cost_per_unit_usd"]
    assert got.loc[("de-minimis-restored", "2026-11-26"), "break_even_units_per_month"] > got.loc[("actual", "2026-11-26"), "break_even_units_per_month"] or np.isnan(got.loc[("de-minimis-restored", "2026-11-26"), "break_even_units_per_month"])


def test_bad_options() -> None:
    from costimpact.errors import ArgumentError

    with pytest.raises(ArgumentError):
        FulfilmentOptions(bulk_mode="rail")
    with pytest.raises(ArgumentError):
        FulfilmentOptions(months=0)


def test_no_row_dropped_from_demand(aset) -> None:  # noqa: ANN001, F811
    lines = basket()
    res = compare_fulfilment(lines, as_of="2026-11-26", assumptions=aset)
    assert res.per_sku["units_per_month"].sum() == pytest.approx(lines["quantity"].sum() / res.portfolio.iloc[0]["months_of_orders"])
    assert isinstance(res.presets, pd.DataFrame) and {"source", "evidence"} <= set(res.presets.columns)
