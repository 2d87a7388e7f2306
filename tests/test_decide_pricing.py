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
    # kept within +/-25% of today's 20: 18 stays, a Lerner price of 36 (cost 24) becomes 25
    assert margin_prices(np.array([20.0]), np.array([5.0]), np.array([1.0]), np.array([24.0]), -3.0, 0.25)["best"][0] == pytest.approx(25.0)


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


def test_verdicts_choose_by_profit(aset) -> None:  # noqa: ANN001, F811
    res = price_for_margin(basket(), as_of=DAY, assumptions=aset, hurdle_margin=0.10)
    s = res.per_sku.set_index("sku")
    # kitchenware: 12.99 price, 3.00 goods + 9.00 freight = 12.00 before, 0.99 / 12.99 = 7.6% margin: already under
    # the 10% hurdle before the change, which is not why it does not pay (main: "stop")
    assert s.loc["KIT-1", "verdict"] == "below_hurdle_before"
    # power bank: 29.99; after: 8 + 9 + duty 4.09 (MFN 3.4% 0.34 + 301 25% 2.50 + forced-labor 12.5% 1.25) + MPF 2.77
    # = 23.86. Absorb: 6.13 x 150 = 919.50 (20.4%: main said "keep"). Hold $: 23.86 + 12.99 = 36.85 (+22.9%),
    # units 150 x (36.85 / 29.99)^-1.5 = 150 x 0.734190 = 110.13, profit 12.99 x 110.13 = 1,430.57. The Lerner price
    # 23.86 x 1.5 / 0.5 = 71.58 is kept to +25%: 37.4875, units 150 x 1.25^-1.5 = 107.331, profit 13.6275 x 107.331
    # = 1,462.66, the most: raise the price to 37.49.
    pb = s.loc["PB-1"]
    assert pb["profit_absorb_usd"] == pytest.approx(919.50, abs=1e-6)
    assert pb["profit_hold_usd_usd"] == pytest.approx(12.99 * 150 * (36.85 / 29.99) ** -1.5, rel=1e-9)
    assert pb["price_best_usd"] == pytest.approx(29.99 * 1.25)
    assert pb["profit_best_usd"] == pytest.approx((37.4875 - 23.86) * 150 * 1.25**-1.5, rel=1e-9)
    assert pb["verdict"] == "raise_price" and pb["chosen_option"] == "best"
    assert pb["price_chosen_usd"] == pytest.approx(37.4875)
    # T-shirt: absorbing loses 0.70 a unit; hold $ (25.68, +28.5%) and hold % (27.57, +37.9%) lie beyond +/-25% and
    # are not chosen; the best price of the range, 24.9875, earns (24.9875 - 20.69) x 300 x 1.25^-1.5 = 922.51
    tee = s.loc["TEE-1"]
    assert tee["verdict"] == "raise_price" and tee["chosen_option"] == "best"
    assert tee["profit_chosen_usd"] == pytest.approx(4.2975 * 300 * 1.25**-1.5, rel=1e-9)
    p = res.portfolio.iloc[0]
    assert p["skus_keep"] + p["skus_raise_price"] + p["skus_lower_price"] + p["skus_stop"] + p["skus_below_hurdle_before"] == len(s)
    assert p["skus_below_hurdle_before"] == 1 and p["skus_stop"] == 0
    assert res.warnings == ()


def mugs(price: float) -> pd.DataFrame:
    """100 express parcels of one kitchenware unit: value 4.00, goods 3.00, postage 9.00."""
    lines = basket()
    lines = lines[lines["sku"] == "KIT-1"].head(100).copy()
    lines["unit_price"] = price
    return lines


def test_elastic_demand_prefers_the_price_that_earns_most(aset) -> None:  # noqa: ANN001, F811
    # Price 17.99; before 3 + 9 = 12.00 (33.3%); after + duty 0.64 + MPF 2.77 = 15.41, margin 2.58 (14.3%).
    # Hurdle 20%, elasticity -10 (main: "raise_price", holding the $ margin at 21.40, though at e = -10 it earns
    # 5.99 x 100 x (21.40 / 17.99)^-10 = 105.59 against 258.00 for absorbing). The Lerner price
    # 15.41 x 10 / 9 = 17.1222 (-4.8%) earns 1.7122 x 100 x (17.1222 / 17.99)^-10 = 280.72, the most: lower the price.
    res = price_for_margin(mugs(17.99), as_of=DAY, assumptions=aset, hurdle_margin=0.20, elasticity=-10)
    row = res.per_sku.iloc[0]
    best = 15.41 * 10 / 9
    assert row["profit_absorb_usd"] == pytest.approx(258.00, abs=1e-6)
    assert row["profit_hold_usd_usd"] == pytest.approx(5.99 * 100 * (21.40 / 17.99) ** -10, rel=1e-9)
    assert row["price_chosen_usd"] == pytest.approx(best, rel=1e-9)
    assert row["profit_chosen_usd"] == pytest.approx((best - 15.41) * 100 * (best / 17.99) ** -10, rel=1e-9)
    assert row["profit_chosen_usd"] == pytest.approx(280.72, abs=0.01)
    assert row["verdict"] == "lower_price"
    assert res.warnings == ("elasticity_very_elastic",)  # -10 is beyond the plausible -8
    # at a price of 17.30 the best price, 17.1222, is 1.03% away: under the 2% step, not worth a change -> keep
    near = price_for_margin(mugs(17.30), as_of=DAY, assumptions=aset, hurdle_margin=0.05, elasticity=-10).per_sku.iloc[0]
    assert near["price_best_usd"] == pytest.approx(best, rel=1e-9)
    assert near["verdict"] == "keep" and near["chosen_option"] == "absorb"


def test_pushed_below_the_hurdle_is_stop(aset) -> None:  # noqa: ANN001, F811
    # Price 16.00: before 4.00 / 16 = 25%; after, cost 15.41. Hurdle 24%: absorb 0.59 / 16 = 3.7%; hold $ 19.41
    # (+21.3%) 4.00 / 19.41 = 20.6%; the Lerner price 15.41 x 1.5 / 0.5 = 46.23 kept to +25% = 20.00, 4.59 / 20 =
    # 22.95%; hold % keeps 25% but lies at 15.41 / 0.75 = 20.547, +28.4%, beyond the range. Nothing in range clears
    # 24%, which the SKU cleared before: the change pushed it below -> stop. At a 30% hurdle it was below before.
    row = price_for_margin(mugs(16.00), as_of=DAY, assumptions=aset, hurdle_margin=0.24).per_sku.iloc[0]
    assert row["margin_before_pct"] == pytest.approx(0.25)
    assert row["verdict"] == "stop"
    assert price_for_margin(mugs(16.00), as_of=DAY, assumptions=aset, hurdle_margin=0.30).per_sku.iloc[0]["verdict"] == "below_hurdle_before"


@pytest.mark.parametrize(("e", "warning"), [(0.5, "elasticity_positive"), (-0.6, "elasticity_inelastic"), (-12.0, "elasticity_very_elastic")])
def test_elasticity_warnings(aset, e: float, warning: str) -> None:  # noqa: ANN001, F811
    assert warning in price_for_margin(basket(), as_of=DAY, assumptions=aset, elasticity=e).warnings


def test_baseline_keeps_each_parcel_on_its_day(aset) -> None:  # noqa: ANN001, F811
    """Issue 12 #3 (decisions): two $500 parcels to one buyer on two days were each under the $800 de minimis of
    the pre-2025 baseline; main moved both to the as-of day, pooled them ($1,000 > $800) and charged duty."""
    lines = basket().head(2).copy()
    lines[["unit_value", "consignee_id", "unit_price", "unit_cost"]] = [500.0, "B1", 900.0, 300.0]
    lines["ship_date"] = [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-02")]
    row = price_for_margin(lines, as_of=DAY, assumptions=aset).per_sku.iloc[0]
    assert row["cost_per_unit_before_usd"] == pytest.approx(300.0 + 9.0)  # de minimis: goods + postage only


def test_missing_prices_are_listed(aset) -> None:  # noqa: ANN001, F811
    lines = basket()
    lines.loc[lines["sku"] == "KIT-1", "unit_price"] = np.nan
    res = price_for_margin(lines, as_of=DAY, assumptions=aset)
    assert list(res.missing["sku"]) == ["KIT-1"]
    assert "KIT-1" not in set(res.per_sku["sku"])
    assert isinstance(res.presets, pd.DataFrame)
