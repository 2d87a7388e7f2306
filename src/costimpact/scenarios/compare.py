"""Compare two priced results line by line, and summarise by channel, origin, HTS chapter and SKU."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, value_at
from costimpact.landed.engine import _text as text_or_empty  # the one "text, missing as empty" rule the engine reads ids with
from costimpact.landed.result import PricedResult

#: The assumption parameter holding the cost rise quoted for direct-mail sellers (value, min, max as fractions).
BAND_PARAM = "us/benchmarks/direct_mail_cost_rise"
#: Channels counted as direct mail when placing the seller against that band.
DIRECT_MAIL_MODES = ("postal", "express")

GROUPINGS = {
    "channel": "shipping_mode",
    "origin": "origin_country",
    "chapter": "hts_chapter",
    "sku": "sku",
}


@dataclasses.dataclass(frozen=True)
class Comparison:
    """``lines``: the scenario's priced lines plus ``baseline_landed_cost_usd``, ``delta_usd``, ``delta_pct``
    (blank where the baseline rejected the line). ``compared``: the lines both priced, the only ones any total,
    change or grouping is made of; a line priced on one side only is counted in ``left_out`` and never moves a
    total (its missing side is not a zero)."""

    scenario: PricedResult
    baseline: PricedResult
    lines: pd.DataFrame

    @property
    def compared(self) -> pd.DataFrame:
        return self.lines[self.lines["baseline_landed_cost_usd"].notna().to_numpy()]

    @property
    def left_out(self) -> dict[str, int]:
        """Lines left out of the comparison: priced in the scenario but rejected by the baseline, and the reverse."""
        both = len(self.compared)
        return {"baseline_rejected": len(self.lines) - both, "scenario_rejected": len(self.baseline.lines) - both}

    def totals(self) -> dict[str, float]:
        """Landed cost of the lines priced in both, before and after, the change, the IEEPA refund exposure, and
        ``lines_compared`` / ``lines_left_out`` (priced on one side only, so left out of every figure)."""
        lines = self.compared
        base = float(lines["baseline_landed_cost_usd"].sum())
        now = float(lines["landed_cost_usd"].sum())
        return {
            "baseline_landed_cost_usd": round(base, 2),
            "landed_cost_usd": round(now, 2),
            "delta_usd": round(now - base, 2),
            "delta_pct": (now - base) / base if base else 0.0,
            "ieepa_refund_exposure_usd": round(float(lines["ieepa_refund_exposure_usd"].sum()), 2),
            "lines_compared": len(lines),
            "lines_left_out": sum(self.left_out.values()),
        }

    def summary(self) -> str:
        """One line for the command line: how many lines the comparison is made of and how many it left out."""
        out = self.left_out
        text = f"compared {len(self.compared)} lines priced under both {self.scenario.scenario} and {self.baseline.scenario}"
        if out["baseline_rejected"] or out["scenario_rejected"]:
            text += (
                f"; left out {out['baseline_rejected'] + out['scenario_rejected']} priced under one only"
                f" ({out['baseline_rejected']} rejected by {self.baseline.scenario}, {out['scenario_rejected']} by {self.scenario.scenario})"
            )
        return text

    def by(self, grouping: str) -> pd.DataFrame:
        """Baseline vs scenario landed cost (and duty) per group of the compared lines; ``grouping`` is channel,
        origin, chapter or sku."""
        return summarise(self.compared, grouping)


def compare_results(scenario: PricedResult, baseline: PricedResult) -> Comparison:
    """Join the two results on the input row and add the baseline and the change. Every scenario line stays in
    ``lines``; totals and groupings read only the lines both priced (``Comparison.compared``)."""
    key = "row_number"
    base = baseline.lines[[key, "landed_cost_usd", "duty_total_usd", "fees_total_usd", "entry_type"]].rename(
        columns={
            "landed_cost_usd": "baseline_landed_cost_usd",
            "duty_total_usd": "baseline_duty_total_usd",
            "fees_total_usd": "baseline_fees_total_usd",
            "entry_type": "baseline_entry_type",
        }
    )
    lines = scenario.lines.merge(base, on=key, how="left", validate="one_to_one")
    lines["delta_usd"] = np.round(lines["landed_cost_usd"] - lines["baseline_landed_cost_usd"], 2)
    lines["delta_pct"] = np.divide(
        lines["delta_usd"].to_numpy(dtype=float),
        lines["baseline_landed_cost_usd"].to_numpy(dtype=float),
        out=np.full(len(lines), np.nan),
        where=lines["baseline_landed_cost_usd"].to_numpy(dtype=float) > 0,
    )
    return Comparison(scenario=scenario, baseline=baseline, lines=lines)


def summarise(lines: pd.DataFrame, grouping: str) -> pd.DataFrame:
    column = GROUPINGS.get(grouping, grouping)
    frame = lines.copy()
    if column == "hts_chapter":
        matched = text_or_empty(frame["hts_matched"])
        frame[column] = matched.str[:2].where(matched != "", text_or_empty(frame["hts_code"]).str[:2])
    if column not in frame:
        frame[column] = ""
    frame[column] = text_or_empty(frame[column])
    agg = {
        "lines": ("landed_cost_usd", "size"),
        "customs_value_usd": ("customs_value_usd", "sum"),
        "duty_total_usd": ("duty_total_usd", "sum"),
        "fees_total_usd": ("fees_total_usd", "sum"),
        "landed_cost_usd": ("landed_cost_usd", "sum"),
    }
    if "baseline_landed_cost_usd" in frame:
        agg["baseline_landed_cost_usd"] = ("baseline_landed_cost_usd", "sum")
    out = frame.groupby(column, sort=True, observed=True).agg(**agg).reset_index()
    if "baseline_landed_cost_usd" in out:
        out["delta_usd"] = np.round(out["landed_cost_usd"] - out["baseline_landed_cost_usd"], 2)
        out["delta_pct"] = np.divide(out["delta_usd"], out["baseline_landed_cost_usd"], out=np.full(len(out), np.nan), where=out["baseline_landed_cost_usd"] > 0)
    for c in out.columns:
        if c.endswith("_usd"):
            out[c] = out[c].round(2)
    return out


@dataclasses.dataclass(frozen=True)
class Band:
    """The cost rise analysts quoted for direct-mail sellers, as in force on ``day``."""

    low: float
    high: float
    source: str
    source_zh: str
    url: str
    evidence: str
    day: dt.date

    def source_in(self, lang: str) -> str:
        return (self.source_zh if lang == "zh" else "") or self.source


def direct_mail_band(aset: AssumptionSet | None, day: dt.date) -> Band | None:
    """The band (``us/benchmarks/direct_mail_cost_rise``) in force on ``day``, or None when the set has none then.

    The app and the report both read it here, on the as-of date of the comparison it is set against: the same
    comparison then meets the same band wherever it is shown and whenever it is shown again."""
    param = getattr(aset, "params", {}).get(BAND_PARAM) if aset is not None else None
    period = value_at(param, day) if param is not None else None
    if period is None:
        return None
    return Band(
        low=period.min if period.min is not None else period.value,
        high=period.max if period.max is not None else period.value,
        source=period.source,
        source_zh=period.source_zh or "",
        url=period.url or (param.references[0].url or ""),
        evidence=period.evidence or param.evidence,
        day=day,
    )
