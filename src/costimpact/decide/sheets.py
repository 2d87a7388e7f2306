"""The decisions as workbook sheets: ``(title, frame, {column: "money"|"pct"|"int"|"text"|"date"})`` for the
report writer's ``extra_sheets``. Frames only; the writer owns styles and files."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from costimpact.decide.fulfilment import FulfilmentResult, compare_fulfilment
from costimpact.decide.origin import OriginResult, compare_origins
from costimpact.decide.pricing import PricingResult, price_for_margin
from costimpact.i18n import t

Sheet = tuple[str, pd.DataFrame, dict[str, str]]

INT_COLUMNS = {"rank", "rank_in_sku", "lines", "skus", "skus_keep", "skus_raise_price", "skus_lower_price", "skus_stop", "skus_below_hurdle_before", "skus_without_price"}


def column_format(name: str, series: pd.Series) -> str:
    """The display format of a column, from its name (units live in the suffix) and dtype."""
    if name.endswith("_usd"):
        return "money"
    if name.endswith("_pct") or name.endswith("_rate") or name in ("duty_rate_effective", "hurdle_margin"):
        return "pct"
    if name in INT_COLUMNS:
        return "int"
    if name == "as_of" or pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    return "text"


def _sheet(title: str, frame: pd.DataFrame) -> Sheet:
    frame = frame.reset_index(drop=True)
    return title[:31], frame, {col: column_format(col, frame[col]) for col in frame.columns}


def decision_sheets(
    orders: Any = None,
    *,
    fulfilment: FulfilmentResult | None = None,
    origin: OriginResult | None = None,
    pricing: PricingResult | None = None,
    scenario: str = "actual",
    baseline: str = "pre-2025",
    as_of: dt.date | str | None = None,
    assumptions: Any = None,
    lang: str = "en",
) -> list[Sheet]:
    """Sheets for the fulfilment comparison, the origin ranking and the pricing. Results given are used as they
    are; missing ones are computed from ``orders`` (skipped when there are no orders)."""
    if orders is not None:
        fulfilment = fulfilment or compare_fulfilment(orders, scenario=scenario, as_of=as_of, assumptions=assumptions)
        origin = origin or compare_origins(orders, scenario=scenario, as_of=as_of, assumptions=assumptions)
        pricing = pricing or price_for_margin(orders, scenario=scenario, baseline=baseline, as_of=as_of, assumptions=assumptions)
    sheets: list[Sheet] = []
    if fulfilment is not None:
        sheets.append(_sheet(t("decide.sheet.fulfilment", lang), fulfilment.per_sku))
        sheets.append(_sheet(t("decide.sheet.fulfilment_total", lang), fulfilment.portfolio))
        sheets.append(_sheet(t("decide.sheet.presets", lang), fulfilment.presets.drop(columns=["label_zh" if lang == "en" else "label"])))
    if origin is not None:
        sheets.append(_sheet(t("decide.sheet.origin", lang), origin.ranking))
    if pricing is not None:
        sheets.append(_sheet(t("decide.sheet.pricing", lang), pricing.per_sku))
        sheets.append(_sheet(t("decide.sheet.pricing_total", lang), pricing.portfolio))
    return sheets
