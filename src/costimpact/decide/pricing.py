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
  ``p* = C * e / (a * (1 + e))`` (the Lerner rule).

Expected units and profit follow from ``q``. A SKU is ``keep`` if absorbing the cost still leaves the hurdle
margin, ``raise_price`` if holding the $ or the % margin does (with the units the elasticity leaves), ``stop`` if
neither does. ``p*`` is shown for information only (it extrapolates the elasticity far from today's price).
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
#: The options a verdict weighs. ``best`` (the Lerner price) extrapolates the constant elasticity far from today's
#: price (at e = -1.5 it triples the markup), so it is shown for information and never drives a verdict.
DECISION_OPTIONS = ("absorb", "hold_usd", "hold_pct")


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


def demand_ratio(new_price: np.ndarray, old_price: np.ndarray, elasticity: float) -> np.ndarray:
    """Units at the new price over units at the old one, constant elasticity: ``(p1/p0) ** e``."""
    return np.power(np.asarray(new_price, dtype=float) / np.asarray(old_price, dtype=float), elasticity)


def margin_prices(p0: np.ndarray, m0: np.ndarray, a: np.ndarray, big_c: np.ndarray, elasticity: float) -> dict[str, np.ndarray]:
    """The prices of the four options (see the module text); NaN where an option has no finite price."""
    m0_pct = c.safe_div(m0, p0)
    hold_usd = c.safe_div(m0 + big_c, a)
    denom = a - m0_pct
    hold_pct = np.where(denom > 0, c.safe_div(big_c, denom), np.nan)
    best = np.full(len(p0), np.nan) if elasticity >= -1 else big_c * elasticity / (a * (1.0 + elasticity))
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
    assumptions: Any = None,
) -> PricingResult:
    """Margins before (baseline) and after (scenario), the margin-holding prices and their expected effect."""
    aset = c.assumptions_of(assumptions)
    day = c.as_date(as_of)
    scen, base = resolve_scenario(aset, scenario), resolve_scenario(aset, baseline)
    e_p = c.preset(aset, c.P_ELASTICITY, day, override=elasticity)
    h_p = c.preset(aset, c.P_HURDLE, day, override=hurdle_margin)
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
    prices = margin_prices(p0, m0, a, big_c, e)

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
    profits = np.vstack([np.nan_to_num(out[f"profit_{n}_usd"].to_numpy(), nan=-np.inf) for n in DECISION_OPTIONS])
    out["best_option"] = np.array(DECISION_OPTIONS)[profits.argmax(axis=0)]
    pct = np.vstack([np.where(out[f"profit_{n}_usd"].to_numpy() > 0, np.nan_to_num(out[f"margin_{n}_pct"].to_numpy(), nan=-np.inf), -np.inf) for n in DECISION_OPTIONS])
    reachable = pct.max(axis=0) >= hurdle - 1e-12
    absorb_ok = np.nan_to_num(out["margin_absorb_pct"].to_numpy(), nan=-np.inf) >= hurdle - 1e-12
    out["verdict"] = np.select([absorb_ok, reachable], ["keep", "raise_price"], "stop")
    per_sku = out.reset_index()

    counts = per_sku["verdict"].value_counts()
    portfolio = pd.DataFrame(
        {
            "skus": [len(per_sku)],
            "skus_keep": [int(counts.get("keep", 0))],
            "skus_raise_price": [int(counts.get("raise_price", 0))],
            "skus_stop": [int(counts.get("stop", 0))],
            "skus_without_price": [len(missing)],
            "revenue_before_usd": [float((per_sku["unit_price_usd"] * per_sku["units"]).sum())],
            "profit_before_usd": [float(per_sku["profit_before_usd"].sum())],
            **{f"profit_{n}_usd": [float(per_sku[f"profit_{n}_usd"].sum(min_count=1))] for n in OPTIONS},
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
        per_sku=per_sku, portfolio=portfolio, presets=c.presets_frame([e_p, h_p]), missing=missing, rejects=rejects,
        scenario=scen.name, baseline=base.name, as_of=day, elasticity=e, hurdle=hurdle,
    )
