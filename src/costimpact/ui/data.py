"""Cached calls into the package, keyed on primitive values (file bytes, scenario name or JSON, dates).

No pricing happens here: each function calls the engine, the comparison or the timeline and keeps the result
(``st.cache_data``) so that a widget change that does not change the inputs reruns in milliseconds. The results
that pages show are reduced to small frames here, so a cache hit unpickles kilobytes, not the 10k-line tables.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import json
from typing import Any

import pandas as pd
import streamlit as st

from costimpact.api import price_orders
from costimpact.assumptions import AssumptionSet, Scenario, load_assumptions, periods_frame, value_at
from costimpact.assumptions.models import EVIDENCE_MARK
from costimpact import orders
from costimpact.errors import AssumptionError
from costimpact.landed.hts import search_hts
from costimpact.report.workbook import write_report
from costimpact.scenarios.compare import compare_results
from costimpact.scenarios.timeline import policy_events
from costimpact.scenarios.timeline import timeline as policy_timeline
from costimpact.ui.state import CUSTOM_PREFIX

SAMPLE_NAME = "sample_orders.csv"

#: The "30-50 %" rise in cost the source report quotes for direct-mail sellers (not law: an analyst yardstick),
#: the same parameter the report reads.
BAND_PARAM = "us/benchmarks/direct_mail_cost_rise"


@st.cache_resource(ttl=2, show_spinner=False)
def assumption_set() -> AssumptionSet:
    """The built-in set. A page asks for it dozens of times per rerun; checking the files costs a few ms each
    time, so the answer is kept two seconds (an edited assumption file shows up on the next interaction)."""
    return load_assumptions()


def cached(max_entries: int | None = None):  # noqa: ANN201
    """``st.cache_data`` keyed also on the assumption set's content hash, so edited assumptions never serve
    stale numbers (and a set reloaded with the app's modules is picked up)."""

    def wrap(fn):  # noqa: ANN001, ANN202
        @functools.wraps(fn)
        def keyed(*args, assumptions_hash: str, **kw):  # noqa: ANN002, ANN003, ANN202, ARG001
            return fn(*args, **kw)

        inner = st.cache_data(max_entries=max_entries, show_spinner=False)(keyed)

        @functools.wraps(fn)
        def call(*args, **kw):  # noqa: ANN002, ANN003, ANN202
            return inner(*args, assumptions_hash=assumption_set().content_hash, **kw)

        return call

    return wrap


@st.cache_data(show_spinner=False)
def sample_bytes() -> bytes:
    return importlib.resources.files("costimpact").joinpath("data", SAMPLE_NAME).read_bytes()


def resolve_scenario(key: str) -> str | Scenario:
    """A built-in scenario name, or the Scenario encoded in a ``custom:{json}`` key."""
    if key.startswith(CUSTOM_PREFIX):
        return Scenario.model_validate_json(key[len(CUSTOM_PREFIX):])
    return key


def scenario_label(key: str, lang: str) -> str:
    scen = resolve_scenario(key)
    if isinstance(scen, str):
        scen = assumption_set().scenarios.get(scen)
        if scen is None:
            return key
    return scen.label_zh if lang == "zh" else scen.label


# ---- orders ---------------------------------------------------------------------------------------------------


@st.cache_data(max_entries=8, show_spinner=False)
def import_orders(data: bytes, file_name: str, mapping: str):  # noqa: ANN201 - orders.ImportResult
    """Read the file (raises FileRefused for a file that cannot be read at all)."""
    return orders.read_orders(data, file_name, mapping=json.loads(mapping) if mapping else None)


def suggest(headers: list[str]) -> dict[str, str]:
    return orders.suggest_mapping(headers)


def canonical_columns() -> list[tuple[str, bool]]:
    """(name, required) of every order-file column, from the orders package."""
    return [(c.name, c.required) for c in orders.COLUMNS]


@cached(max_entries=16)
def priced(data: bytes, file_name: str, mapping: str, scenario: str, as_of: str):  # noqa: ANN201
    imported = import_orders(data, file_name, mapping)
    return price_orders(imported, scenario=resolve_scenario(scenario), as_of=as_of, assumptions=assumption_set())


@cached(max_entries=16)
def comparison(data: bytes, file_name: str, mapping: str, scenario: str, baseline: str, as_of: str):  # noqa: ANN201
    return compare_results(priced(data, file_name, mapping, scenario, as_of), priced(data, file_name, mapping, baseline, as_of))


@cached(max_entries=8)
def market_comparison(data: bytes, file_name: str, mapping: str, markets: str, regions: str, as_of: str) -> pd.DataFrame:
    """One row per market (the summary of :func:`costimpact.api.compare_markets`), on one date."""
    from costimpact.api import compare_markets

    by_country = {r.split("-")[0]: r for r in regions.split(",") if r}
    imported = import_orders(data, file_name, mapping)
    return compare_markets(imported, markets=markets, regions=by_country, as_of=as_of, assumptions=assumption_set()).summary


def _rejects_csv(rejects: pd.DataFrame) -> bytes:
    return rejects.to_csv(index=False).encode("utf-8-sig")  # BOM: Chinese Excel opens it as UTF-8


@cached(max_entries=32)
def portfolio(data: bytes, file_name: str, mapping: str, scenario: str, baseline: str, as_of: str) -> dict[str, Any]:
    """What the orders page shows, small: totals, per channel / origin / SKU, rejects, the sources used."""
    cmp = comparison(data, file_name, mapping, scenario, baseline, as_of)
    now, base = cmp.scenario, cmp.baseline
    skus = cmp.by("sku")
    skus = skus[skus["sku"] != ""].sort_values(["delta_usd", "sku"], ascending=[False, True]).head(15)
    layers = [(x.column, x.label, x.label_zh) for x in now.layers]
    now_totals, base_totals = now.totals(), base.totals()
    return {
        "totals": cmp.totals(),
        "rows_read": now.rows_read,
        "rows_priced": now.rows_priced,
        "rows_rejected": now.rows_rejected,
        "rejects": now.rejects,
        "rejects_csv": _rejects_csv(now.rejects),
        "by_channel": cmp.by("channel"),
        "by_origin": cmp.by("origin"),
        "by_sku": skus.reset_index(drop=True),
        "layers": layers,
        "duty_by_layer": pd.DataFrame(
            {
                "column": [c for c, _, _ in layers],
                "label": [lab for _, lab, _ in layers],
                "label_zh": [z for _, _, z in layers],
                "baseline_usd": [base_totals.get(c, 0.0) for c, _, _ in layers],
                "scenario_usd": [now_totals.get(c, 0.0) for c, _, _ in layers],
            }
        ),
        "fees": {k: (base_totals.get(k, 0.0), now_totals.get(k, 0.0)) for k in ("fee_mpf_usd", "fee_hmf_usd", "fee_other_usd", "fees_total_usd", "duty_total_usd", "customs_value_usd", "freight_usd")},
        "entry_types": cmp.lines.groupby(["shipping_mode", "entry_type"], observed=True).size().rename("lines").reset_index(),
        "used": now.used,
        "baseline_used": base.used,
        "version": now.assumptions_version,
        "hash": now.assumptions_hash[:12],
    }


# ---- one product ----------------------------------------------------------------------------------------------


@cached(max_entries=64)
def quick_estimate(line_json: str, scenario: str, baseline: str, as_of: str) -> dict[str, Any]:
    """Price one product line (a JSON object of order-file columns) under the scenario and the baseline."""
    frame = pd.DataFrame([json.loads(line_json)])
    imported = orders.normalize_frame(frame, file_name="quick-estimate")
    aset = assumption_set()
    now = price_orders(imported, scenario=resolve_scenario(scenario), as_of=as_of, assumptions=aset)
    base = price_orders(imported, scenario=resolve_scenario(baseline), as_of=as_of, assumptions=aset)
    return {
        "now": now.lines.iloc[0].to_dict() if len(now.lines) else None,
        "base": base.lines.iloc[0].to_dict() if len(base.lines) else None,
        "rejects": now.rejects,
        "layers": [(x.column, x.label, x.label_zh) for x in now.layers],
        "used": now.used,
        "baseline_used": base.used,
    }


@cached(max_entries=128)
def hts_search(query: str, limit: int = 30) -> pd.DataFrame:
    return search_hts(assumption_set(), query, limit=limit)


@cached()
def known_origins() -> list[str]:
    """Every origin the assumptions name a value for (origin-keyed layers), China first."""
    aset = assumption_set()
    keys: set[str] = set()
    for p in aset.params.values():
        if p.key == "origin" or p.applies_to_origins:
            keys.update(v.key for v in p.values if len(v.key) == 2 and v.key.isalpha())
            keys.update(o for o in (p.applies_to_origins or []) if len(o) == 2)
    ordered = sorted(keys)
    for first in ("VN", "HK", "CN"):
        if first in ordered:
            ordered.remove(first)
            ordered.insert(0, first)
    return ordered


# ---- timeline -------------------------------------------------------------------------------------------------


@cached(max_entries=8)
def timeline(data: bytes, file_name: str, mapping: str, scenario: str, start: str, end: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    imported = import_orders(data, file_name, mapping)
    aset = assumption_set()
    frame = policy_timeline(imported, scenario=resolve_scenario(scenario), assumptions=aset, start=start, end=end)
    events = policy_events(aset)
    return frame, events


# ---- assumptions ----------------------------------------------------------------------------------------------


@cached()
def assumption_periods() -> pd.DataFrame:
    """Every period of every parameter and postal regime, one row each, with its source and grade."""
    aset = assumption_set()
    parts = []
    for pid, p in aset.params.items():
        f = periods_frame(p).copy()
        f.insert(0, "parameter", pid)
        f.insert(1, "label", p.label)
        f.insert(2, "label_zh", p.label_zh)
        f.insert(3, "unit", p.unit)
        f["url"] = f["url"].where(f["url"] != "", p.references[0].url or "")
        parts.append(f)
    for pid, reg in aset.postal.items():
        rows = [
            {
                "parameter": pid,
                "label": reg.label,
                "label_zh": reg.label_zh,
                "unit": per.treatment,
                "key": ",".join(per.origins),
                "from": pd.Timestamp(per.from_),
                "until": pd.Timestamp(per.until) if per.until else pd.NaT,
                "value": per.ad_valorem,
                "evidence": per.evidence or reg.evidence,
                "source": per.source,
                "url": per.url or reg.references[0].url or "",
            }
            for per in reg.periods
        ]
        parts.append(pd.DataFrame(rows))
    out = pd.concat(parts, ignore_index=True)
    out["layer"] = out["parameter"].str.rsplit("/", n=1).str[0]
    out["grade"] = out["evidence"].map(EVIDENCE_MARK).fillna("")
    return out[["layer", "parameter", "label", "label_zh", "unit", "key", "from", "until", "value", "min", "max", "grade", "evidence", "source", "url"]]


def band(lang: str) -> tuple[float, float, str]:
    """The analysts' band of cost rise for direct-mail sellers in force today: (low, high, evidence)."""
    aset = assumption_set()
    period = value_at(aset.param(BAND_PARAM), dt.date.today())
    if period is None:
        raise AssumptionError(f"{BAND_PARAM}: no value in force today; add one to assumptions/{BAND_PARAM}.toml")
    low = period.min if period.min is not None else period.value
    high = period.max if period.max is not None else period.value
    return low, high, period.evidence or aset.param(BAND_PARAM).evidence


# ---- the Excel report -----------------------------------------------------------------------------------------


@cached(max_entries=4)
def report_bytes(data: bytes, file_name: str, mapping: str, scenario: str, baseline: str, as_of: str, lang: str, _progress=None) -> bytes:  # noqa: ANN001
    """The Excel report of the comparison (``_progress(fraction, message)`` is called while it builds)."""
    cmp = comparison(data, file_name, mapping, scenario, baseline, as_of)
    return write_report([cmp], lang=lang, input_name=file_name, progress=_progress, assumptions=assumption_set())


def today_iso() -> str:
    return dt.date.today().isoformat()


@cached(max_entries=8)
def values_in_force(day: str) -> pd.DataFrame:
    """For each parameter and key, the period in force on ``day`` (for the scenario editor)."""
    per = assumption_periods()
    per = per[per["parameter"].isin(list(assumption_set().params))]
    ts = pd.Timestamp(day)
    started = per[per["from"] <= ts].sort_values("from", kind="stable")
    last = started.groupby(["parameter", "key"], sort=False).tail(1)
    live = last[last["until"].isna() | (ts < last["until"])]
    return live.sort_values(["parameter", "key"], kind="stable").reset_index(drop=True)
