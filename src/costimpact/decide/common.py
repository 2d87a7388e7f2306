"""What the three decisions share: reading the orders, the presets in force, pricing copies of lines.

Decisions look forward: every line is priced under the law in force on the as-of date, so the ``actual`` scenario
means "the law in force on that date"; scenarios with a fixed date (``pre-2025``) keep their own date. Only the
pricing date moves: each line still travels on its own ``ship_date``, so its shipment and its buyer's day (the de
minimis test) stay what they were. Nothing here imports streamlit or a spreadsheet library.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario, attach, value_at
from costimpact.errors import AssumptionError
from costimpact.api import as_date, assumptions_of  # noqa: F401 - re-exported for the decisions
from costimpact.landed.engine import P_FX, price_lines, resolve_scenario

FULFIL = "us/fulfilment/"
P_AIR_RATE = FULFIL + "air_freight_rate"
P_VOLUMETRIC = FULFIL + "volumetric_ratio"
P_CONTAINER = FULFIL + "container_freight"
P_LCL = FULFIL + "lcl_freight"
P_LCL_MIN = FULFIL + "lcl_minimum"
P_SHIPMENTS = FULFIL + "shipments_per_month"
P_UNIT_WEIGHT = FULFIL + "unit_weight"
P_CONTINUOUS_BOND = FULFIL + "continuous_bond"
P_ELASTICITY_RANGE = FULFIL + "elasticity_range"
P_CAPACITY = FULFIL + "shipment_capacity"
P_SHIPMENT_CHARGES = FULFIL + "shipment_charges"
P_STORAGE = FULFIL + "storage"
P_UNIT_VOLUME = FULFIL + "unit_volume"
P_STOCK_MONTHS = FULFIL + "stock_months"
P_PICK_PACK = FULFIL + "pick_pack"
P_LAST_MILE = FULFIL + "last_mile"
P_WAREHOUSE_MIN = FULFIL + "warehouse_minimum"
P_BULK_VALUE_RATIO = FULFIL + "bulk_value_ratio"
P_PARCEL_FREIGHT = FULFIL + "parcel_freight"
P_ELASTICITY = FULFIL + "price_elasticity"
P_HURDLE = FULFIL + "hurdle_margin"
P_PRICE_LIMIT = FULFIL + "price_change_limit"
P_PRICE_STEP = FULFIL + "price_change_step"

DIRECT_MODES = ("postal", "express")
BULK_MODES = ("ocean_freight", "air_freight")
NO_SKU = "(no sku)"

Money = float


def order_lines(orders: Any) -> pd.DataFrame:
    """The normalised order lines of ``orders``: an ImportResult, a DataFrame of canonical columns, a path or bytes.

    A DataFrame is taken as already normalised (canonical column names, one row per line); anything else goes
    through the order import (``costimpact.api.read``).
    """
    if hasattr(orders, "lines") and hasattr(orders, "rejects"):
        frame = orders.lines
    elif isinstance(orders, pd.DataFrame):
        frame = orders
    else:
        from costimpact.api import read

        frame = read(orders).lines
    frame = frame.reset_index(drop=True).copy()
    if "row_number" not in frame:
        frame["row_number"] = np.arange(2, len(frame) + 2)
    return frame


def text_col(frame: pd.DataFrame, name: str, default: str = "") -> pd.Series:
    if name not in frame:
        return pd.Series(default, index=frame.index, dtype=object)
    s = frame[name]
    return s.astype(object).where(s.notna(), default).astype(str).str.strip().replace("", default)


def num_col(frame: pd.DataFrame, name: str, default: float = np.nan) -> pd.Series:
    if name not in frame:
        return pd.Series(default, index=frame.index, dtype=float)
    return pd.to_numeric(frame[name], errors="coerce").astype(float)


def sku_key(frame: pd.DataFrame) -> pd.Series:
    """The SKU of each line; lines without one are grouped by HTS code and origin, so nothing is dropped."""
    sku = text_col(frame, "sku")
    fallback = text_col(frame, "hts_code") + "/" + text_col(frame, "origin_country").str.upper()
    return sku.where(sku != "", fallback)


def forward(scenario: Scenario) -> Scenario:
    """``scenario`` priced under the law of the as-of date: a scenario that reads each line's own date (``line``)
    reads the as-of date instead; ``fixed`` and ``as_of`` scenarios are already forward-looking."""
    return scenario.model_copy(update={"date_mode": "as_of"}) if scenario.date_mode == "line" else scenario


def price(lines: pd.DataFrame, aset: AssumptionSet, scenario: str | Scenario, as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Price lines with the real engine under the law of ``as_of`` (see the module text); the lines keep their
    ``ship_date``, so shipments and buyer-days are grouped as they travelled. Returns (priced, rejects)."""
    priced, rejects, _ = price_lines(lines, aset, forward(resolve_scenario(aset, scenario)), as_of)
    return priced, rejects


def usd_per_unit(lines: pd.DataFrame, column: str, aset: AssumptionSet, as_of: dt.date) -> pd.Series:
    """A per-unit money column of the orders (``unit_price``, ``unit_cost``) in USD, at the as-of date's rate."""
    currency = text_col(lines, "currency", "USD").str.upper()
    fx = attach(aset.param(P_FX), pd.Series(pd.Timestamp(as_of), index=lines.index), currency)["value"]
    return num_col(lines, column) / fx.where(fx > 0)


@dataclasses.dataclass(frozen=True)
class Preset:
    """One parameter value in force, with where it came from (shown next to the number)."""

    param: str
    key: str
    value: float
    unit: str
    label: str
    label_zh: str
    source: str
    evidence: str
    overridden: bool = False


def preset(aset: AssumptionSet, pid: str, when: dt.date, key: str = "*", override: float | None = None) -> Preset:
    """The value of ``pid`` on ``when`` for ``key``; ``override`` (a user's number) wins and is marked so."""
    p = aset.param(pid)
    period = value_at(p, when, key)
    if override is not None:
        return Preset(pid, key, float(override), p.unit, p.label, p.label_zh, "your input", "unverified", True)
    if period is None:
        raise AssumptionError(f"assumptions/{pid}.toml: no value for key {key!r} on {when}; add one or give the number yourself")
    return Preset(pid, key, float(period.value), p.unit, p.label, p.label_zh, period.source, period.evidence or p.evidence)


def presets_frame(presets: list[Preset]) -> pd.DataFrame:
    return pd.DataFrame([dataclasses.asdict(p) for p in presets])


def safe_div(a: np.ndarray | pd.Series, b: np.ndarray | pd.Series) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return np.divide(a, b, out=np.full(np.broadcast(a, b).shape, np.nan), where=(b != 0) & ~np.isnan(b))
