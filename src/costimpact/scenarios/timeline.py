"""Replay one basket over the policy timeline: the same lines priced as of every date the law changed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario, load_assumptions, with_scenario
from costimpact.landed.engine import P_POSTAL, resolve_scenario
from costimpact.landed.engine import _text as text_or_empty  # the one "text, missing as empty" rule the engine reads ids with
from costimpact.landed.markets import destination_change_dates, price_any

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


#: Rows priced per engine call (copies of the basket x dates): about 0.6 GB at the engine's peak, whatever the basket.
BATCH_ROWS = 300_000
TOTALS = ["customs_value_usd", "duty_total_usd", "fees_total_usd", "landed_cost_usd"]
#: Parameters the engine never reads (decision presets, the report's yardsticks, other domains): their changes
#: do not move a landed cost. Everything else under ``us/`` and ``fx/`` counts as possibly touching the basket.
_ENGINE_READS = ("us/", "fx/")
_ENGINE_SKIPS = ("us/fulfilment/", "us/benchmarks/")


def engine_reads(param_id: str) -> bool:
    """Whether the US engine may read parameter ``param_id`` (a change to any other never moves a landed cost)."""
    return param_id.startswith(_ENGINE_READS) and not param_id.startswith(_ENGINE_SKIPS)


def timeline(
    imported,  # noqa: ANN001 - an orders.ImportResult (or anything with .lines)
    *,
    scenario: str | Scenario = "actual",
    assumptions: AssumptionSet | None = None,
    start: str | dt.date = "2024-01-01",
    end: str | dt.date = "2027-12-31",
    dates: list | None = None,
    batch_rows: int = BATCH_ROWS,
    skip_unchanged: bool = True,
) -> pd.DataFrame:
    """The basket priced as of each change date, totalled per channel (shipping_mode).

    Each date is a pricing date only, like the ``today`` scenario's as-of date: every line is priced under the
    rules in force on that date, while it keeps its own ship date for what is physical (which lines share a
    shipment, what one buyer receives in a day). So the timeline on 2024-12-31 is the ``pre-2025`` scenario.
    The scenario's switched-off layers and overrides apply; its own date rule is replaced by the date.

    Memory stays bounded: the dates are priced in batches of about ``batch_rows`` lines (copies of the basket)
    and only each batch's totals are kept. With ``skip_unchanged``, a date on which nothing the basket can be
    priced by changed since the previous date (see :func:`dates_to_price`) takes that date's totals unpriced.

    Returns one row per date x shipping_mode with customs_value_usd, duty_total_usd, fees_total_usd,
    landed_cost_usd, lines, and ``landed_vs_start_pct`` (change against the first date, same channel).
    """
    aset = assumptions or load_assumptions()
    scen = resolve_scenario(aset, scenario).model_copy(update={"date_mode": "line", "fixed_date": None})
    base = imported.lines.reset_index(drop=True)
    days = sorted({pd.Timestamp(d) for d in (dates or set(change_dates(aset, start, end)) | set(destination_change_dates(aset, base, start, end)))})
    k = len(base)
    if k == 0 or not days:
        return pd.DataFrame(columns=["date", "shipping_mode", "lines", *TOTALS, "landed_vs_start_pct"])
    tagged = _travel_day_ids(base)
    per_call = max(1, batch_rows // k)
    first, lines_seen = _price_totals(tagged, days[:1], aset, scen)
    us_only = "destination_country" not in base or text_or_empty(base["destination_country"]).str.upper().isin(["", "US"]).all()
    if skip_unchanged and us_only:  # the skipping rule knows the US layers only
        priced_days = dates_to_price(aset, scen, lines_seen, days)
    else:
        priced_days = days
    rest = priced_days[1:]
    parts = [first] + [_price_totals(tagged, rest[i : i + per_call], aset, scen)[0] for i in range(0, len(rest), per_call)]
    out = pd.concat(parts, ignore_index=True)
    if len(priced_days) < len(days):  # an unpriced date shows the totals of the last priced date before it
        source = pd.Series(priced_days, index=priced_days).reindex(days, method="ffill")
        out = pd.concat([out[out["date"] == src].assign(date=day) for day, src in source.items()], ignore_index=True)
        out["date"] = out["date"].astype("datetime64[ns]")
    out = out.sort_values(["date", "shipping_mode"], kind="stable").reset_index(drop=True)
    first_total = out.groupby("shipping_mode", observed=True)["landed_cost_usd"].transform("first")
    out["landed_vs_start_pct"] = np.where(first_total > 0, out["landed_cost_usd"] / first_total - 1.0, np.nan)
    for col in TOTALS:
        out[col] = out[col].round(2)
    return out


def _price_totals(tagged: pd.DataFrame, days: list[pd.Timestamp], aset: AssumptionSet, scen: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One engine call on the basket copied once per day: the totals per day x channel, and what the lines were
    priced with (origin, mode, currency, Section 301 list, Section 232 group; one row per distinct set)."""
    priced, _rejects, _used = price_any(_copies_priced_on(tagged, days), aset, scen, days[0].date())
    priced["date"] = priced["price_date"]
    totals = (
        priced.groupby(["date", "shipping_mode"], observed=True)
        .agg(lines=("landed_cost_usd", "size"), **{c: (c, "sum") for c in TOTALS})
        .reset_index()
    )
    seen = pd.DataFrame(
        {
            "origin": text_or_empty(priced["origin_country"]).str.upper(),
            "mode": text_or_empty(priced["shipping_mode"]),
            "currency": text_or_empty(priced["currency"]).str.upper() if "currency" in priced else "USD",
            "s301_list": text_or_empty(priced["s301_list_applied"]) if "s301_list_applied" in priced else "",
            "s232": text_or_empty(priced["s232_group"]) if "s232_group" in priced else "",
        }
    ).drop_duplicates()
    return totals, seen


def dates_to_price(aset: AssumptionSet, scenario: Scenario, seen: pd.DataFrame, days: list[pd.Timestamp]) -> list[pd.Timestamp]:
    """The days whose law may differ for the basket from the day before them in ``days`` (the first always).

    A day is left out only when every period that starts or ends after the previous day and up to it is
    provably foreign to the basket: a parameter the engine does not read, a layer for other origins only, or a
    value keyed by an origin, mode, currency, Section 301 list or Section 232 group that no line has (``seen``,
    from the engine's own pricing of the basket). Values for every key (``*``), keys of any other kind, and
    postal regime periods always count.
    """
    a = with_scenario(aset, scenario)
    have = {dim: set(seen[dim]) for dim in ("origin", "mode", "currency", "s301_list", "s232")}
    moves: set[pd.Timestamp] = set()
    for param in a.params.values():
        if not engine_reads(param.id):
            continue
        if param.applies_to_origins is not None and not set(param.applies_to_origins) & have["origin"]:
            continue
        for v in param.values:
            if v.key != "*" and param.key in have and v.key not in have[param.key]:
                continue
            moves.update(pd.Timestamp(d) for d in (v.from_, v.until) if d is not None)
    for regime in a.postal.values():
        for period in regime.periods:
            moves.update(pd.Timestamp(d) for d in (period.from_, period.until) if d is not None)
    keep = [days[0]]
    for before, day in zip(days, days[1:]):
        if any(before < m <= day for m in moves):
            keep.append(day)
    return keep


def _travel_day_ids(base: pd.DataFrame) -> pd.DataFrame:
    """The basket with its real ship date folded into ``order_id``, ``shipment_id`` and ``consignee_id``.

    The engine prices a line on its ``ship_date`` and groups shipments and a buyer's day by the same date, so
    each copy gets its pricing date as ``ship_date`` (:func:`_copies_priced_on`) and keeps its real groups
    through these ids: lines that travelled together still do, lines of different days or different copies
    never merge. An empty shipment or consignee id stays empty, so the engine's defaults (the order; the
    shipment) still apply.
    """
    travel = pd.to_datetime(base["ship_date"], errors="coerce") if "ship_date" in base else pd.Series(pd.NaT, index=base.index)
    day_tag = "|" + travel.dt.strftime("%Y-%m-%d").fillna("")
    copy = base.copy()
    for col in ("order_id", "shipment_id", "consignee_id"):
        ids = text_or_empty(copy[col]) if col in copy else pd.Series("", index=copy.index)
        # an empty order id still gets the day: the engine's last fallback groups id-less lines by day
        copy[col] = ids + day_tag if col == "order_id" else ids.where(ids == "", ids + day_tag)
    return copy


def _copies_priced_on(copy: pd.DataFrame, days: list[pd.Timestamp]) -> pd.DataFrame:
    """One copy of the id-folded basket (:func:`_travel_day_ids`) per pricing date, for one engine call."""
    k = len(copy)
    big = copy.loc[np.tile(np.arange(k), len(days))].reset_index(drop=True)
    big["ship_date"] = np.repeat(np.array(days, dtype="datetime64[ns]"), k)
    big["row_number"] = np.arange(2, len(big) + 2)
    return big
