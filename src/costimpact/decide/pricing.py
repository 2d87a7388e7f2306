"""The price that holds the margin, what it does to units and profit, and which SKUs stop being worth selling.

Per SKU (lines with ``unit_price`` and ``unit_cost``; money converted to USD at the as-of date's rate):

- cost per unit = ``unit_cost`` + (landed cost - customs value) / units: freight, duties and fees on top of what
  the goods cost the seller. ``c0`` under the baseline scenario, ``c1`` under the scenario.
- margin ``m0 = p0 - c0`` ($ per unit) and ``m0% = m0 / p0`` before; ``p0 - c1`` after, at the same price.

If the declared value moves with the price (``value_follows_price``, a DDP sale declared at the sale price), the
ad valorem duty grows with the price: the margin at price ``p`` is ``a*p - C`` with ``a = 1 - t*k`` (``t`` the
scenario's duty per dollar of value, ``k`` the declared value per dollar of price) and ``C`` the costs that do
not move with the price. Otherwise ``a = 1`` and ``C = c1``. Then, exactly:

- the price that holds the margin in $ per unit:  ``p$ = (m0 + C) / a``
- the price that holds the margin %:              ``p% = C / (a - m0%)``
- with constant-elasticity demand ``q = q0 * (p / p0) ** e`` (``e`` < -1), the profit-maximising price
  ``p* = C * e / (a * (1 + e))`` (the Lerner rule), kept within today's price +/- ``price_change_limit`` (the
  range an elasticity is measured over; profit is single-peaked in the price, so the clipped price is the best
  price of the range).

Expected units and profit follow from ``q``. The verdict chooses by profit: of the four prices (absorb, hold $,
hold %, and ``p*`` where ``e < -1``) the one with the most profit under the stated elasticity is the SKU's
``chosen_option`` (a price further than ``price_change_limit`` from today's is shown, not chosen; one closer than
``price_change_step`` is not worth a change, so today's price is kept). Its verdict is ``keep`` (absorbing is the most profitable), ``raise_price`` or ``lower_price``
(toward the chosen price), and ``stop`` only when the change pushed the SKU below the hurdle margin: it cleared the
hurdle before, and no price within the range clears it now. A SKU already below the hurdle before the change is
``below_hurdle_before``: the change is not why it does not pay, and its chosen option is still shown.
The elasticity is checked against ``us/fulfilment/elasticity_range``: a positive one (demand rising with the price,
almost always a sign error), an inelastic one (``-1 <= e <= 0``: the model rewards any price rise and ``p*`` does
not exist) and one more elastic than the range (``p*`` far from today's price) give ``warnings``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from costimpact.assumptions import Scenario
from costimpact.decide import common as c
from costimpact.landed.engine import resolve_scenario

OPTIONS = ("absorb", "hold_usd", "hold_pct", "best")
VERDICTS = ("keep", "raise_price", "lower_price", "stop", "below_hurdle_before")


@dataclasses.dataclass(frozen=True)
class PricingResult:
    """``per_sku``: one row per SKU with a price and a cost. ``portfolio``: totals and counts by verdict.
    ``presets``: the elasticity and hurdle used. ``missing``: SKUs left out for lack of a price or cost."""

    per_sku: pd.DataFrame
    portfolio: pd.DataFrame
    presets: pd.DataFrame
    missing: pd.DataFrame
    rejects: pd.DataFrame
    scenario: str
    baseline: str
    as_of: dt.date
    elasticity: float
    hurdle: float
    warnings: tuple[str, ...] = ()  # elasticity_positive | elasticity_inelastic | elasticity_very_elastic


def demand_ratio(new_price: np.ndarray, old_price: np.ndarray, elasticity: float) -> np.ndarray:
    """Units at the new price over units at the old one, constant elasticity: ``(p1/p0) ** e``."""
    return np.power(np.asarray(new_price, dtype=float) / np.asarray(old_price, dtype=float), elasticity)


def margin_prices(p0: np.ndarray, m0: np.ndarray, a: np.ndarray, big_c: np.ndarray, elasticity: float, limit: float = np.inf) -> dict[str, np.ndarray]:
    """The prices of the four options (see the module text); NaN where an option has no finite price. ``best`` is
    the Lerner price kept within ``p0 * (1 +/- limit)``: profit is single-peaked in the price, so that is the most
    profitable price of the range."""
    m0_pct = c.safe_div(m0, p0)
    hold_usd = c.safe_div(m0 + big_c, a)
    denom = a - m0_pct
    hold_pct = np.where(denom > 0, c.safe_div(big_c, denom), np.nan)
    p0 = np.asarray(p0, dtype=float)
    best = np.full(len(p0), np.nan) if elasticity >= -1 else np.clip(big_c * elasticity / (a * (1.0 + elasticity)), p0 * max(0.0, 1.0 - limit), p0 * (1.0 + limit))
    return {"absorb": np.asarray(p0, dtype=float), "hold_usd": hold_usd, "hold_pct": hold_pct, "best": best}


def _per_sku(priced: pd.DataFrame, aset, as_of: dt.date) -> pd.DataFrame:  # noqa: ANN001
    q = c.num_col(priced, "quantity", 1.0).fillna(1.0)
    price = c.usd_per_unit(priced, "unit_price", aset, as_of)
    cost = c.usd_per_unit(priced, "unit_cost", aset, as_of)
    frame = pd.DataFrame(
        {
            "sku": c.sku_key(priced).to_numpy(),
            "units": q.to_numpy(),
            "revenue": (price * q).to_numpy(),
            "goods": (cost * q).to_numpy(),
            "value": priced["customs_value_usd"].to_numpy(),
            "duty": priced["duty_total_usd"].to_numpy(),
            "extra": (priced["landed_cost_usd"] - priced["customs_value_usd"]).to_numpy(),
            "has_price": (price.notna() & cost.notna()).to_numpy(),
        }
    )
    return frame.groupby("sku", sort=True).agg(
        units=("units", "sum"), revenue=("revenue", "sum"), goods=("goods", "sum"), value=("value", "sum"), duty=("duty", "sum"), extra=("extra", "sum"), has_price=("has_price", "all")
    )


def price_for_margin(
    orders: Any,
    *,
    scenario: str | Scenario = "actual",
    baseline: str | Scenario = "pre-2025",
    as_of: dt.date | str | None = None,
    elasticity: float | None = None,
    hurdle_margin: float | None = None,
    value_follows_price: bool = False,
    price_change_limit: float | None = None,
    assumptions: Any = None,
) -> PricingResult:
    """Margins before (baseline) and after (scenario), the margin-holding prices and their expected effect."""
    aset = c.assumptions_of(assumptions)
    day = c.as_date(as_of)
    scen, base = resolve_scenario(aset, scenario), resolve_scenario(aset, baseline)
    e_p = c.preset(aset, c.P_ELASTICITY, day, override=elasticity)
    h_p = c.preset(aset, c.P_HURDLE, day, override=hurdle_margin)
    l_p = c.preset(aset, c.P_PRICE_LIMIT, day, override=price_change_limit)
    s_p = c.preset(aset, c.P_PRICE_STEP, day)
    e, hurdle = e_p.value, h_p.value
    lines = c.order_lines(orders)
    now, rej_now = c.price(lines, aset, scen, day)
    before, rej_base = c.price(lines, aset, base, day)
    # only lines priced both ways, so both sides carry the same units
    both = np.intersect1d(now["row_number"].to_numpy(), before["row_number"].to_numpy())
    now = now[now["row_number"].isin(both)]
    before = before[before["row_number"].isin(both)]
    a_now, a_base = _per_sku(now, aset, day), _per_sku(before, aset, day)

    ok = a_now["has_price"] & (a_now["units"] > 0)
    missing = a_now.loc[~ok].reset_index()[["sku", "units"]]
    s = a_now.loc[ok]
    b = a_base.reindex(s.index)
    u = s["units"].to_numpy()
    p0 = s["revenue"].to_numpy() / u
    goods = s["goods"].to_numpy() / u
    c0 = goods + b["extra"].to_numpy() / u
    c1 = goods + s["extra"].to_numpy() / u
    m0 = p0 - c0
    m0_pct = c.safe_div(m0, p0)
    if value_follows_price:
        t = c.safe_div(s["duty"].to_numpy(), s["value"].to_numpy())  # duty per dollar of declared value
        k = c.safe_div(s["value"].to_numpy() / u, p0)  # declared value per dollar of price
        a = 1.0 - np.nan_to_num(t) * np.nan_to_num(k)
        big_c = c1 - (1.0 - a) * p0
    else:
        a = np.ones(len(s))
        big_c = c1
    prices = margin_prices(p0, m0, a, big_c, e, l_p.value)

    out = pd.DataFrame(index=s.index)
    out["units"] = u
    out["unit_price_usd"] = p0
    out["unit_cost_usd"] = goods
    out["cost_per_unit_before_usd"] = c0
    out["cost_per_unit_after_usd"] = c1
    out["cost_increase_per_unit_usd"] = c1 - c0
    out["margin_before_usd"] = m0
    out["margin_before_pct"] = m0_pct
    out["margin_after_usd"] = p0 - c1
    out["margin_after_pct"] = c.safe_div(p0 - c1, p0)
    out["profit_before_usd"] = m0 * u
    for name in OPTIONS:
        p = prices[name]
        ratio = demand_ratio(p, p0, e)
        margin = a * p - big_c
        out[f"price_{name}_usd"] = p
        out[f"price_change_{name}_pct"] = p / p0 - 1.0
        out[f"units_{name}"] = u * ratio
        out[f"units_change_{name}_pct"] = ratio - 1.0
        out[f"margin_{name}_usd"] = margin
        out[f"margin_{name}_pct"] = c.safe_div(margin, p)
        out[f"profit_{name}_usd"] = margin * u * ratio
        out[f"profit_change_{name}_usd"] = margin * u * ratio - m0 * u
    out["verdict"], out["chosen_option"] = verdict(out, m0_pct, hurdle, l_p.value, s_p.value)
    out["price_chosen_usd"] = [out.at[i, f"price_{o}_usd"] for i, o in zip(out.index, out["chosen_option"], strict=True)]
    out["profit_chosen_usd"] = [out.at[i, f"profit_{o}_usd"] for i, o in zip(out.index, out["chosen_option"], strict=True)]
    per_sku = out.reset_index()

    counts = per_sku["verdict"].value_counts()
    portfolio = pd.DataFrame(
        {
            "skus": [len(per_sku)],
            "skus_keep": [int(counts.get("keep", 0))],
            "skus_raise_price": [int(counts.get("raise_price", 0))],
            "skus_lower_price": [int(counts.get("lower_price", 0))],
            "skus_stop": [int(counts.get("stop", 0))],
            "skus_below_hurdle_before": [int(counts.get("below_hurdle_before", 0))],
            "skus_without_price": [len(missing)],
            "revenue_before_usd": [float((per_sku["unit_price_usd"] * per_sku["units"]).sum())],
            "profit_before_usd": [float(per_sku["profit_before_usd"].sum())],
            **{f"profit_{n}_usd": [float(per_sku[f"profit_{n}_usd"].sum(min_count=1))] for n in OPTIONS},
            "profit_chosen_usd": [float(per_sku["profit_chosen_usd"].sum())],
            "elasticity": [e],
            "hurdle_margin": [hurdle],
            "value_follows_price": [value_follows_price],
            "scenario": [scen.name],
            "baseline": [base.name],
            "as_of": [day],
        }
    )
    rejects = pd.concat([r for r in (rej_now, rej_base) if len(r)], ignore_index=True).drop_duplicates() if len(rej_now) or len(rej_base) else rej_now
    return PricingResult(
        per_sku=per_sku, portfolio=portfolio, presets=c.presets_frame([e_p, h_p, l_p, s_p]), missing=missing, rejects=rejects,
        scenario=scen.name, baseline=base.name, as_of=day, elasticity=e, hurdle=hurdle, warnings=elasticity_warnings(aset, day, e),
    )


def verdict(out: pd.DataFrame, margin_before_pct: np.ndarray, hurdle: float, limit: float = np.inf, step: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The verdict and the chosen option of each SKU (see the module text) from its ``profit_<option>_usd``,
    ``margin_<option>_pct`` and ``price_<option>_usd`` columns; a price more than ``limit`` away from today's is
    not chosen (the elasticity says nothing there); a price less than ``step`` away is not worth the change, so
    today's price (absorb) is kept. Vectorised."""
    change = np.nan_to_num(np.vstack([np.abs(out[f"price_change_{n}_pct"].to_numpy(dtype=float)) for n in OPTIONS]), nan=np.inf)
    in_range = change <= limit + 1e-9
    profits = np.where(in_range, np.vstack([np.nan_to_num(out[f"profit_{n}_usd"].to_numpy(dtype=float), nan=-np.inf) for n in OPTIONS]), -np.inf)
    cols = np.arange(len(out))
    pick = profits.argmax(axis=0)
    pick = np.where(change[pick, cols] < step, 0, pick)  # OPTIONS[0] is absorb: today's price
    chosen = np.array(OPTIONS)[pick]
    price = np.vstack([out[f"price_{n}_usd"].to_numpy(dtype=float) for n in OPTIONS])[pick, cols]
    margins = np.vstack([np.nan_to_num(out[f"margin_{n}_pct"].to_numpy(dtype=float), nan=-np.inf) for n in OPTIONS])
    clears_now = (in_range & (margins >= hurdle - 1e-12)).any(axis=0)
    below_before = np.nan_to_num(np.asarray(margin_before_pct, dtype=float), nan=-np.inf) < hurdle - 1e-12
    p0 = out["price_absorb_usd"].to_numpy(dtype=float)
    move = np.select([chosen == "absorb", price > p0], ["keep", "raise_price"], "lower_price")
    return np.select([below_before, ~clears_now], ["below_hurdle_before", "stop"], move), chosen


def elasticity_warnings(aset, day: dt.date, e: float) -> tuple[str, ...]:  # noqa: ANN001
    """Which warnings the elasticity ``e`` calls for, against the plausible range in the assumptions."""
    most = c.preset(aset, c.P_ELASTICITY_RANGE, day, "most_elastic").value
    least = c.preset(aset, c.P_ELASTICITY_RANGE, day, "least_elastic").value
    if e > 0:
        return ("elasticity_positive",)
    if e >= least:
        return ("elasticity_inelastic",)
    if e < most:
        return ("elasticity_very_elastic",)
    return ()
