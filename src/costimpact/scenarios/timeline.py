"""Replay one basket over the policy timeline: the same lines priced as of every date the law changed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario, load_assumptions
from costimpact.landed.engine import P_POSTAL, price_lines, resolve_scenario
from costimpact.landed.engine import _text as text_or_empty  # the one "text, missing as empty" rule the engine reads ids with

EVENTS_TABLE = "us/events"


def policy_events(aset: AssumptionSet) -> pd.DataFrame:
    """Labelled policy events (date, label, label_zh, source, evidence), sorted by date."""
    return aset.table(EVENTS_TABLE).sort_values("date").reset_index(drop=True)


def change_dates(aset: AssumptionSet, start: str | dt.date = "2024-01-01", end: str | dt.date = "2027-12-31") -> list[pd.Timestamp]:
    """Every date inside [start, end] on which a duty layer, the de minimis rule, a postal regime or a fee changed,
    plus ``start`` itself."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    days: set[pd.Timestamp] = {lo}
    for param in aset.params.values():
        if not (param.kind == "layer" or param.id.startswith("us/entry/") or param.id.startswith("us/fees/mpf")):
            continue
        for v in param.values:
            for d in (v.from_, v.until):
                if d is not None:
                    days.add(pd.Timestamp(d))
    for period in aset.postal[P_POSTAL].periods:
        for d in (period.from_, period.until):
            if d is not None:
                days.add(pd.Timestamp(d))
    return sorted(d for d in days if lo <= d <= hi)


def timeline(
    imported,  # noqa: ANN001 - an orders.ImportResult (or anything with .lines)
    *,
    scenario: str | Scenario = "actual",
    assumptions: AssumptionSet | None = None,
    start: str | dt.date = "2024-01-01",
    end: str | dt.date = "2027-12-31",
    dates: list | None = None,
) -> pd.DataFrame:
    """The basket priced as of each change date, totalled per channel (shipping_mode).

    Each date is a pricing date only, like the ``today`` scenario's as-of date: every line is priced under the
    rules in force on that date, while it keeps its own ship date for what is physical (which lines share a
    shipment, what one buyer receives in a day). So the timeline on 2024-12-31 is the ``pre-2025`` scenario.
    The scenario's switched-off layers and overrides apply; its own date rule is replaced by the date.

    Returns one row per date x shipping_mode with customs_value_usd, duty_total_usd, fees_total_usd,
    landed_cost_usd, lines, and ``landed_vs_start_pct`` (change against the first date, same channel).
    """
    aset = assumptions or load_assumptions()
    scen = resolve_scenario(aset, scenario).model_copy(update={"date_mode": "line", "fixed_date": None})
    days = [pd.Timestamp(d) for d in (dates or change_dates(aset, start, end))]
    base = imported.lines.reset_index(drop=True)
    k = len(base)
    if k == 0 or not days:
        return pd.DataFrame(columns=["date", "shipping_mode", "lines", "customs_value_usd", "duty_total_usd", "fees_total_usd", "landed_cost_usd", "landed_vs_start_pct"])
    big = _copies_priced_on(base, days)
    priced, _rejects, _used = price_lines(big, aset, scen, days[0].date())
    priced["date"] = priced["price_date"]
    out = (
        priced.groupby(["date", "shipping_mode"], observed=True)
        .agg(
            lines=("landed_cost_usd", "size"),
            customs_value_usd=("customs_value_usd", "sum"),
            duty_total_usd=("duty_total_usd", "sum"),
            fees_total_usd=("fees_total_usd", "sum"),
            landed_cost_usd=("landed_cost_usd", "sum"),
        )
        .reset_index()
    )
    first = out.groupby("shipping_mode")["landed_cost_usd"].transform("first")
    out["landed_vs_start_pct"] = np.where(first > 0, out["landed_cost_usd"] / first - 1.0, np.nan)
    for c in ("customs_value_usd", "duty_total_usd", "fees_total_usd", "landed_cost_usd"):
        out[c] = out[c].round(2)
    return out


def _copies_priced_on(base: pd.DataFrame, days: list[pd.Timestamp]) -> pd.DataFrame:
    """One copy of the basket per pricing date, for one vectorised engine call.

    The engine prices a line on its ``ship_date`` and groups shipments and a buyer's day by the same date, so
    each copy gets its pricing date as ``ship_date`` and keeps its real groups by folding the real ship date
    into ``order_id``, ``shipment_id`` and ``consignee_id``: lines that travelled together still do, lines of
    different days or different copies never merge. An empty shipment or consignee id stays empty, so the
    engine's defaults (the order; the shipment) still apply.
    """
    k = len(base)
    travel = pd.to_datetime(base["ship_date"], errors="coerce") if "ship_date" in base else pd.Series(pd.NaT, index=base.index)
    day_tag = "|" + travel.dt.strftime("%Y-%m-%d").fillna("")
    copy = base.copy()
    for col in ("order_id", "shipment_id", "consignee_id"):
        ids = text_or_empty(copy[col]) if col in copy else pd.Series("", index=copy.index)
        # an empty order id still gets the day: the engine's last fallback groups id-less lines by day
        copy[col] = ids + day_tag if col == "order_id" else ids.where(ids == "", ids + day_tag)
    big = copy.loc[np.tile(np.arange(k), len(days))].reset_index(drop=True)
    big["ship_date"] = np.repeat(np.array(days, dtype="datetime64[ns]"), k)
    big["row_number"] = np.arange(2, len(big) + 2)
    return big
