"""The Python API: price order lines, compare scenarios, replay a basket over the policy timeline.

    import costimpact
    result = costimpact.price_orders("orders.xlsx", scenario="actual")
    result.lines, result.rejects, result.summary()
    cmp = costimpact.compare("orders.xlsx", scenario="actual", baseline="pre-2025")
    cmp.totals(), cmp.by("channel")
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario, load_assumptions
from costimpact.errors import ArgumentError
from costimpact.landed.engine import layer_infos, price_lines, resolve_scenario
from costimpact.landed.result import REJECT_COLUMNS, PricedResult
from costimpact.scenarios.compare import Comparison, compare_results

OrdersLike = Any  # ImportResult | DataFrame | path | bytes


def today() -> dt.date:
    return dt.date.today()


def as_date(value: dt.date | str | None) -> dt.date:
    """A date from a date, a datetime or ISO text; None means today. Bad text raises ArgumentError."""
    if value is None:
        return today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ArgumentError(f"as-of date {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-26") from None


def read(orders: OrdersLike, catalogue=None):  # noqa: ANN001, ANN201 - returns orders.ImportResult
    """Turn a path, bytes or DataFrame into an ImportResult (the orders reader does the checking).

    ``catalogue``: a product catalogue (a path, or a :class:`costimpact.orders.catalogue.Catalogue`) joined
    to the lines by SKU for their HS code, origin and declared value."""
    from costimpact import orders as orders_mod

    if catalogue is not None and not hasattr(catalogue, "table"):
        from costimpact.orders.catalogue import read_catalogue_path

        catalogue = read_catalogue_path(catalogue)
    if hasattr(orders, "lines") and hasattr(orders, "rejects") and hasattr(orders, "rows_read"):
        return orders
    if isinstance(orders, pd.DataFrame):
        return orders_mod.normalize_frame(orders, catalogue=catalogue)
    if isinstance(orders, (str, os.PathLike)):
        return orders_mod.read_orders_path(Path(orders), catalogue=catalogue)
    if isinstance(orders, (bytes, bytearray)):
        return orders_mod.read_orders(bytes(orders), "orders", catalogue=catalogue)
    raise ArgumentError(f"cannot read orders from a {type(orders).__name__}; give a file path, bytes or a DataFrame")


def assumptions_of(assumptions: AssumptionSet | str | os.PathLike[str] | None) -> AssumptionSet:
    """An assumption set as given, or loaded from a folder (None: the built-in one)."""
    if isinstance(assumptions, AssumptionSet):
        return assumptions
    return load_assumptions(assumptions)


def price_orders(
    orders: OrdersLike,
    *,
    scenario: str | Scenario = "actual",
    as_of: dt.date | str | None = None,
    assumptions: AssumptionSet | str | os.PathLike[str] | None = None,
) -> PricedResult:
    """Price every line under ``scenario`` (a built-in name or a Scenario). Rows read = priced + rejected."""
    aset = assumptions_of(assumptions)
    scen = resolve_scenario(aset, scenario)
    imported = read(orders)
    day = as_date(as_of)
    lines, engine_rejects, used = price_lines(imported.lines, aset, scen, day)
    parts = [r for r in (imported.rejects, engine_rejects) if len(r)]
    rejects = pd.concat(parts, ignore_index=True) if parts else engine_rejects
    for c in REJECT_COLUMNS:
        if c not in rejects:
            rejects[c] = ""
    rejects = rejects.sort_values("row_number", kind="stable").reset_index(drop=True)
    return PricedResult(
        lines=lines,
        rejects=rejects,
        rows_read=int(imported.rows_read),
        scenario=scen.name,
        scenario_label=scen.label,
        scenario_label_zh=scen.label_zh,
        as_of=day,
        assumptions_version=aset.version,
        assumptions_hash=aset.content_hash,
        layers=layer_infos(aset),
        used=used,
        file_name=getattr(imported, "file_name", ""),
        file_sha256=getattr(imported, "sha256", ""),
        rows_skipped=int(getattr(imported, "rows_skipped", 0)),
    )


def compare(
    orders: OrdersLike,
    *,
    scenario: str | Scenario = "actual",
    baseline: str | Scenario = "pre-2025",
    as_of: dt.date | str | None = None,
    assumptions: AssumptionSet | str | os.PathLike[str] | None = None,
) -> Comparison:
    """Price the lines under ``scenario`` and ``baseline`` and join them line by line."""
    aset = assumptions_of(assumptions)
    imported = read(orders)
    now = price_orders(imported, scenario=scenario, as_of=as_of, assumptions=aset)
    base = price_orders(imported, scenario=baseline, as_of=as_of, assumptions=aset)
    return compare_results(now, base)
