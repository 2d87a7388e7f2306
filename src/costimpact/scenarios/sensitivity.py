"""What moves my costs most: a tornado over the assumptions the basket uses and over the pending events.

Every numeric parameter value the basket's pricing used on the as-of date is moved down and up by its range
(``assumptions/outlook/sensitivity.csv``: by parameter, else by its evidence grade; a confirmed value is always
held fixed, its change being an event), one at a time, and the basket is priced again. Each pending event that
moves US prices is switched off and on, on the later of its date and the as-of date. Drivers are ranked by the swing
of the basket's total landed cost; with retail prices (``unit_price``) the swing is also given in points of margin.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario
from costimpact.assumptions.models import Override
from costimpact.errors import AssumptionError
from costimpact.landed.engine import price_lines, resolve_scenario
from costimpact.scenarios.outlook import PRICED_DESTINATION, flips, scenario_with

RANGES_TABLE = "outlook/sensitivity"
SKIP_UNITS = {"flag"}
COLUMNS = [
    "driver", "kind", "label", "label_zh", "key", "evidence", "value", "low_value", "high_value",
    "base_landed_cost_usd", "low_landed_cost_usd", "high_landed_cost_usd", "swing_usd", "swing_margin_pts", "price_date", "lines",
]


def _ranges(aset: AssumptionSet) -> dict[str, tuple[float, float]]:
    table = aset.table(RANGES_TABLE)
    out = {str(r.driver): (float(r.low), float(r.high)) for r in table.itertuples(index=False)}
    for grade in ("confirmed", "secondary", "unverified"):
        if f"grade:{grade}" not in out:
            raise AssumptionError(f"{RANGES_TABLE}.csv: no row for grade:{grade}; every grade needs a default range")
    return out


def _total(lines: pd.DataFrame, aset: AssumptionSet, scen: Scenario, day: dt.date) -> float:
    out, _rejects, _used = price_lines(lines, aset, scen, day)
    return float(out["landed_cost_usd"].sum())


def _scaled(aset: AssumptionSet, pid: str, key: str, start: dt.date, factor: float) -> Override:
    period = next(v for v in aset.params[pid].values if v.key == key and v.from_ == start)

    def scale(x: float | None) -> float | None:
        return None if x is None else x * factor

    return Override.model_validate(
        {
            "param": pid, "keys": [key], "from": period.from_, "until": period.until, "value": period.value * factor,
            "min": scale(period.min), "max": scale(period.max), "base": period.base, "inclusive": period.inclusive,
            "note": f"sensitivity x{factor:.2f}",
        }
    )


def sensitivity(
    imported,  # noqa: ANN001 - an orders.ImportResult (or anything with .lines)
    *,
    as_of: dt.date | str | None = None,
    assumptions: AssumptionSet | None = None,
    scenario: str | Scenario = "actual",
    probabilities: dict[str, float] | None = None,
) -> pd.DataFrame:
    """One row per driver (COLUMNS), largest swing of the basket's total landed cost first."""
    from costimpact import api
    from costimpact.assumptions import load_assumptions
    from costimpact.decide.common import usd_per_unit

    aset = assumptions or load_assumptions()
    day = api.as_date(as_of)
    base = scenario_with(resolve_scenario(aset, scenario), [])
    lines = imported.lines
    priced, _rejects, used = price_lines(lines, aset, base, day)
    base_total = float(priced["landed_cost_usd"].sum())
    revenue = np.nan
    if "unit_price" in priced and priced["unit_price"].notna().any():
        qty = pd.to_numeric(priced.get("quantity", 1), errors="coerce").fillna(1.0)
        revenue = float((usd_per_unit(priced, "unit_price", aset, day) * qty).sum())
    ranges = _ranges(aset)
    rows = []
    for u in used.to_dict("records"):
        param = aset.params.get(u["parameter"])
        value = float(u["value"]) if u["value"] is not None else np.nan
        if param is None or param.unit in SKIP_UNITS or not np.isfinite(value) or value == 0 or bool(u["changed_by_scenario"]):
            continue
        grade = f"grade:{u['evidence']}"
        low, high = ranges[grade] if u["evidence"] == "confirmed" else ranges.get(u["parameter"], ranges[grade])
        if low == 0 and high == 0:
            continue
        totals = []
        for f in (1 + low, 1 + high):
            scen = base.model_copy(update={"overrides": [*base.overrides, _scaled(aset, u["parameter"], u["key"], u["from"], f)]})
            totals.append(_total(lines, aset, scen, day))
        rows.append(
            {
                "driver": u["parameter"], "kind": "assumption", "label": u["label"], "label_zh": u["label_zh"], "key": u["key"],
                "evidence": u["evidence"], "value": value, "low_value": value * (1 + low), "high_value": value * (1 + high),
                "low_landed_cost_usd": totals[0], "high_landed_cost_usd": totals[1], "price_date": day, "lines": int(u["lines"]),
                "base_landed_cost_usd": base_total,
            }
        )
    for f in flips(aset, probabilities):
        if f.event.destination != PRICED_DESTINATION or f.event.refund is not None or not f.changes_prices:
            continue
        when = max(day, f.event.date)
        without_or_with = [_total(lines, aset, base, when), _total(lines, aset, scenario_with(base, [f]), when)]
        off, on = (without_or_with[1], without_or_with[0]) if f.event.in_law else without_or_with
        rows.append(
            {
                "driver": f"event:{f.name}", "kind": "event", "label": f.event.label, "label_zh": f.event.label_zh, "key": "",
                "evidence": f.event.evidence, "value": f.probability, "low_value": 0.0, "high_value": 1.0,
                "low_landed_cost_usd": off, "high_landed_cost_usd": on, "price_date": when, "lines": len(priced),
                "base_landed_cost_usd": without_or_with[0],
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["swing_usd"] = (out["high_landed_cost_usd"] - out["low_landed_cost_usd"]).abs()
    out["swing_margin_pts"] = out["swing_usd"] / revenue * 100 if revenue == revenue and revenue > 0 else np.nan
    for c in ("base_landed_cost_usd", "low_landed_cost_usd", "high_landed_cost_usd", "swing_usd"):
        out[c] = out[c].astype(float).round(2)
    out = out.sort_values(["swing_usd", "driver", "key"], ascending=[False, True, True], kind="stable").reset_index(drop=True)
    return out[COLUMNS]
