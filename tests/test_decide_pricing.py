"""The price that holds the margin restores it exactly; constant-elasticity arithmetic; the portfolio verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_decide_helpers import aset, basket  # noqa: F401 - fixture

from costimpact.decide.pricing import demand_ratio, margin_prices, price_for_margin

DAY = "2026-11-26"


def test_elasticity_math() -> None:
    # +10% price at e = -2: units x 1.1^-2 = 0.826446
    assert demand_ratio(np.array([11.0]), np.array([10.0]), -2.0)[0] == pytest.approx(1 / 1.21)
    # Lerner: cost 12, e = -3 -> p* = 12 x 3 / 2 = 18; margin 6 on price 18 = 1/3 = -1/e
    got = margin_prices(np.array([20.0]), np.array([5.0]), np.array([1.0]), np.array([12.0]), -3.0)
    assert got["best"][0] == pytest.approx(18.0)
    # hold $: 5 + 12 = 17; hold %: 12 / (1 - 0.25) = 16
    assert got["hold_usd"][0] == pytest.approx(17.0)
    assert got["hold_pct"][0] == pytest.approx(16.0)
    assert np.isnan(margin_prices(np.array([20.0]), np.array([5.0]), np.array([1.0]), np.array([12.0]), -0.8)["best"][0])


def test_margin_restored_exactly_value_fixed(aset) -> None:  # noqa: ANN001, F811
    res = price_for_margin(basket(), scenario="actual", baseline="pre-2025", as_of=DAY, assumptions=aset)
    s = res.per_sku.set_index("sku")
    assert (s["margin_hold_usd_usd"] - s["margin_before_usd"]).abs().max() < 1e-9
    assert (s["margin_hold_pct_pct"] - s["margin_before_pct"]).abs().max() < 1e-12
    # hand check, T-shirt: price 19.99, goods 6.00; before 2024-12-31 de minimis: cost 6 + 9 freight = 15.00;
    # after: + duty 2.92 (16.5% MFN 1.32 + 301 4A 7.5% 0.60 + forced-labor 12.5% 1.00) + MPF 2.77 = 20.69
    tee = s.loc["TEE-1"]
    assert tee["cost_per_unit_before_usd"] == pytest.approx(15.00, abs=1e-9)
    assert tee["cost_per_unit_after_usd"] == pytest.approx(20.69, abs=1e-9)
    assert tee["price_hold_usd_usd"] == pytest.approx(19.99 + 5.69, abs=1e-9)
    assert tee["price_hold_pct_usd"] == pytest.approx(20.69 / (1 - 4.99 / 19.99), abs=1e-9)
    # units and profit at e = -1.5
    ratio = (tee["price_hold_usd_usd"] / 19.99) ** -1.5
    assert tee["units_hold_usd"] == pytest.approx(300 * ratio)
    assert tee["profit_hold_usd_usd"] == pytest.approx(4.99 * 300 * ratio)


def test_margin_restored_when_value_follows_price(aset) -> None:  # noqa: ANN001, F811
    """Re-price the orders at the new price (declared value scaled with it): the margin comes back to the cent."""
    lines = basket()
    res = price_for_margin(lines, as_of=DAY, assumptions=aset, value_follows_price=True).per_sku.set_index("sku")
    for col, target in (("price_hold_usd_usd", "margin_before_usd"), ("price_hold_pct_usd", "margin_before_pct")):
        new_price = lines["sku"].map(res[col])
        moved = lines.assign(unit_price=new_price, unit_value=lines["unit_value"] * new_price / lines["unit_price"])
        again = price_for_margin(moved, as_of=DAY, assumptions=aset).per_sku.set_index("sku")
        tol = 0.02 if target.endswith("usd") else 0.001  # exact algebra; the engine rounds each of ~3 layers to the cent per line
        assert (again["margin_after_" + target.rsplit("_", 1)[1]] - res[target]).abs().max() < tol, col


def test_portfolio_verdicts(aset) -> None:  # noqa: ANN001, F811
    res = price_for_margin(basket(), as_of=DAY, assumptions=aset, hurdle_margin=0.10)
    s = res.per_sku.set_index("sku")
    # kitchenware: 12.99 price, 7.6% margin before already under the 10% hurdle, negative after: stop
    assert s.loc["KIT-1", "verdict"] == "stop"
    assert s.loc["PB-1", "verdict"] == "keep"  # 20% margin left after absorbing
    assert s.loc["TEE-1", "verdict"] == "raise_price"
    p = res.portfolio.iloc[0]
    assert p["skus_keep"] + p["skus_raise_price"] + p["skus_stop"] == len(s)
    assert p["profit_before_usd"] == pytest.approx(s["profit_before_usd"].sum())


def test_missing_prices_are_listed(aset) -> None:  # noqa: ANN001, F811
    lines = basket()
    lines.loc[lines["sku"] == "KIT-1", "unit_price"] = np.nan
    res = price_for_margin(lines, as_of=DAY, assumptions=aset)
    assert list(res.missing["sku"]) == ["KIT-1"]
    assert "KIT-1" not in set(res.per_sku["sku"])
    assert isinstance(res.presets, pd.DataFrame)
