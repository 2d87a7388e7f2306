"""The one data layer of the app: every page gets its orders, prices and models through here.

No pricing happens here: each function calls the engine, the comparison, the timeline or a decision model. Two
kinds of memory, kept apart:

- the cache all sessions share (``st.cache_data``) holds only small views (totals, per channel / SKU, the
  timeline, the decision tables), keyed on the order file's content hash, its name, its column mapping and the
  assumption set's content hash, never on the file's bytes (hashing a large upload on every call is what made a
  cache hit slow);
- the order lines themselves (the file read, the priced lines) stay in the session that uploaded them
  (``st.session_state``), a few at a time, and go when the session ends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.resources
import json
from typing import Any

import pandas as pd
import streamlit as st

from costimpact.api import price_orders
from costimpact.assumptions import AssumptionSet, Scenario, load_assumptions, periods_frame
from costimpact.assumptions.lookup import postal_periods
from costimpact.assumptions.models import EVIDENCE_MARK
from costimpact import orders
from costimpact.decide.fulfilment import FulfilmentOptions, compare_fulfilment
from costimpact.decide.origin import compare_origins
from costimpact.decide.pricing import price_for_margin
from costimpact.errors import AssumptionError
from costimpact.hts_search import search_hts, suggest_for_rejects
from costimpact.landed import pool
from costimpact.report.workbook import write_report
from costimpact.scenarios.compare import Band, compare_results, direct_mail_band
from costimpact.scenarios.timeline import policy_events
from costimpact.scenarios.timeline import timeline as policy_timeline
from costimpact.ui.state import CUSTOM_PREFIX, IMPORTED_KEY, PRICED_KEY

SAMPLE_NAME = "sample_orders.csv"

#: The "30-50 %" rise in cost the source report quotes for direct-mail sellers (not law: an analyst yardstick),
#: the same parameter the report reads.


@dataclasses.dataclass(frozen=True)
class Basket:
    """The order file the pages work on: its name, the sha-256 of its bytes and the column mapping chosen for it
    (JSON, "" for none). Caches key on :meth:`key`; the bytes are read only when a view is not cached yet."""

    name: str
    digest: str
    mapping: str = ""
    raw: bytes = dataclasses.field(default=b"", repr=False, compare=False)

    def key(self) -> tuple[str, str, str]:
        return (self.digest, self.name, self.mapping)


_HASH_FUNCS = {Basket: Basket.key}


@st.cache_resource(ttl=2, show_spinner=False)
def assumption_set() -> AssumptionSet:
    """The built-in set. A page asks for it dozens of times per rerun; checking the files costs a few ms each
    time, so the answer is kept two seconds (an edited assumption file shows up on the next interaction)."""
    return load_assumptions()


@st.cache_resource(show_spinner=False)
def start_workers() -> bool:
    """Start the engine's worker processes once per server, in the background (:func:`costimpact.landed.pool.warm`),
    each with the built-in assumption set read and its lookups built, so that the first large timeline or outlook
    waits for neither."""
    pool.warm(aset=assumption_set())
    return True


def cached(max_entries: int | None = None):  # noqa: ANN201
    """``st.cache_data`` keyed also on the assumption set's content hash, so edited assumptions never serve
    stale numbers (and a set reloaded with the app's modules is picked up)."""

    def wrap(fn):  # noqa: ANN001, ANN202
        @functools.wraps(fn)
        def keyed(*args, assumptions_hash: str, **kw):  # noqa: ANN002, ANN003, ANN202, ARG001
            return fn(*args, **kw)

        inner = st.cache_data(max_entries=max_entries, show_spinner=False, hash_funcs=_HASH_FUNCS)(keyed)

        @functools.wraps(fn)
        def call(*args, **kw):  # noqa: ANN002, ANN003, ANN202
            return inner(*args, assumptions_hash=assumption_set().content_hash, **kw)

        return call

    return wrap


@functools.cache
def sample_basket() -> Basket:
    """The built-in sample orders (read and hashed once per process: they are part of the package)."""
    raw = importlib.resources.files("costimpact").joinpath("data", SAMPLE_NAME).read_bytes()
    return Basket(SAMPLE_NAME, hashlib.sha256(raw).hexdigest(), "", raw)


def _session_memo(slot: str, key: tuple, make, keep: int):  # noqa: ANN001, ANN202
    """``make()`` kept in this session's state under ``key``, the ``keep`` most recently used at most."""
    memo: dict = st.session_state.setdefault(slot, {})
    if key in memo:
        memo[key] = memo.pop(key)  # now the most recent
        return memo[key]
    value = make()
    memo[key] = value
    while len(memo) > keep:
        memo.pop(next(iter(memo)))
    return value


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


def imported(basket: Basket):  # noqa: ANN201 - orders.ImportResult
    """The basket read, once per file and mapping in this session (raises FileRefused for an unreadable file)."""
    from costimpact.ui.catalogue_widget import take  # the product catalogue rides in the mapping key

    mapping, catalogue = take(json.loads(basket.mapping) if basket.mapping else None)
    return _session_memo(IMPORTED_KEY, basket.key(), lambda: orders.read_orders(basket.raw, basket.name, mapping=mapping, catalogue=catalogue), keep=1)


def suggest(headers: list[str]) -> dict[str, str]:
    return orders.suggest_mapping(headers)


def canonical_columns() -> list[tuple[str, bool]]:
    """(name, required) of every order-file column, from the orders package."""
    return [(c.name, c.required) for c in orders.COLUMNS]


def priced(basket: Basket, scenario: str, as_of: str):  # noqa: ANN201 - PricedResult
    """The basket priced under a scenario, kept in this session (the last two: a scenario and its baseline)."""
    aset = assumption_set()
    key = (basket.key(), scenario, as_of, aset.content_hash)
    return _session_memo(PRICED_KEY, key, lambda: price_orders(imported(basket), scenario=resolve_scenario(scenario), as_of=as_of, assumptions=aset), keep=2)


def comparison(basket: Basket, scenario: str, baseline: str, as_of: str):  # noqa: ANN201
    return compare_results(priced(basket, scenario, as_of), priced(basket, baseline, as_of))


@cached(max_entries=8)
def market_comparison(basket: Basket, markets: str, regions: str, as_of: str) -> pd.DataFrame:
    """One row per market (the summary of :func:`costimpact.api.compare_markets`), on one date."""
    from costimpact.api import compare_markets

    by_country = {r.split("-")[0]: r for r in regions.split(",") if r}
    return compare_markets(imported(basket), markets=markets, regions=by_country, as_of=as_of, assumptions=assumption_set()).summary


def _rejects_csv(rejects: pd.DataFrame) -> bytes:
    return rejects.to_csv(index=False).encode("utf-8-sig")  # BOM: Chinese Excel opens it as UTF-8


@cached(max_entries=32)
def portfolio(basket: Basket, scenario: str, baseline: str, as_of: str) -> dict[str, Any]:
    """What the orders page shows, small: totals, per channel / origin / SKU, rejects, the sources used."""
    cmp = comparison(basket, scenario, baseline, as_of)
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


@cached(max_entries=16)
def code_suggestions(rejects: pd.DataFrame, described: pd.DataFrame | None) -> pd.DataFrame:
    """Codes to offer beside each line rejected for its HTS code (searched from the line's own description)."""
    return suggest_for_rejects(assumption_set(), rejects, described)


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
def timeline(basket: Basket, scenario: str, start: str, end: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    aset = assumption_set()
    frame = policy_timeline(imported(basket), scenario=resolve_scenario(scenario), assumptions=aset, start=start, end=end)
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
        f = postal_periods(reg).rename(columns={"ad_valorem": "value", "treatment": "unit"})
        parts.append(f.assign(parameter=pid, label=reg.label, label_zh=reg.label_zh, min=float("nan"), max=float("nan")))
    out = pd.concat(parts, ignore_index=True)
    out["layer"] = out["parameter"].str.rsplit("/", n=1).str[0]
    out["grade"] = out["evidence"].map(EVIDENCE_MARK).fillna("")
    return out[["layer", "parameter", "label", "label_zh", "unit", "key", "from", "until", "value", "min", "max", "grade", "evidence", "source", "url"]]


def band(day: str) -> Band | None:
    """The analysts' band of cost rise for direct-mail sellers on the comparison's as-of ``day`` (as the report
    reads it), or None when none is in force then."""
    return direct_mail_band(assumption_set(), dt.date.fromisoformat(day))


# ---- the Excel report -----------------------------------------------------------------------------------------


def report_bytes(basket: Basket, scenario: str, baseline: str, as_of: str, lang: str, progress=None) -> bytes:  # noqa: ANN001
    """The Excel report of the comparison (``progress(fraction, message)`` is called while it builds). Not in the
    shared cache: the page keeps the one a session built, with the key of what it was built from."""
    cmp = comparison(basket, scenario, baseline, as_of)
    return write_report([cmp], lang=lang, input_name=basket.name, progress=progress, assumptions=assumption_set())


def report_key(basket: Basket, scenario: str, baseline: str, as_of: str, lang: str) -> tuple:
    """Everything a report depends on: a report built for another key must not be served."""
    return (basket.key(), scenario, baseline, as_of, lang, assumption_set().content_hash)


# ---- decisions ------------------------------------------------------------------------------------------------


def _view(result):  # noqa: ANN001, ANN202
    """A decision's result as the shared cache keeps it: its tables per SKU / origin / basket, without the rows
    the engine rejected (one per copy of a line: up to 17 times the basket's for the origins; the page never
    shows them, the orders page lists the basket's own)."""
    return dataclasses.replace(result, rejects=result.rejects.head(0))


@cached(max_entries=24)
def fulfilment(basket: Basket, scenario: str, day: dt.date, options: dict[str, object]):  # noqa: ANN201
    """Direct parcels vs a US warehouse for the basket (small tables: per SKU, the portfolio, the presets)."""
    return _view(compare_fulfilment(imported(basket).lines, scenario=scenario, as_of=day, options=FulfilmentOptions(**options), assumptions=assumption_set()))


@cached(max_entries=24)
def origins(basket: Basket, candidates: tuple[str, ...], scenario: str, day: dt.date):  # noqa: ANN201
    """The basket's landed cost from each candidate origin; origins the law treats alike on the day are priced
    once, and the per-line table is not kept (the page never shows it)."""
    return _view(compare_origins(imported(basket).lines, origins=candidates, scenario=scenario, as_of=day, assumptions=assumption_set(), keep_lines=False))


@cached(max_entries=24)
def pricing(basket: Basket, scenario: str, baseline: str, day: dt.date, elasticity: float, hurdle: float, follows: bool):  # noqa: ANN201
    """The price per SKU that holds the margin."""
    return _view(price_for_margin(imported(basket).lines, scenario=scenario, baseline=baseline, as_of=day, elasticity=elasticity,
                                  hurdle_margin=hurdle, value_follows_price=follows, assumptions=assumption_set()))


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


# ---- outlook --------------------------------------------------------------------------------------------------


@cached(max_entries=8)
def outlook_view(basket: Basket, horizon: str, as_of: str, probabilities_json: str) -> dict[str, Any]:
    """The outlook of the basket (small frames only): groups by SKU and by channel, the path, events, refund."""
    from costimpact.scenarios.outlook import outlook

    lines = imported(basket)
    probs = json.loads(probabilities_json)
    aset = assumption_set()
    by_sku = outlook(lines, horizon=horizon, as_of=as_of, assumptions=aset, probabilities=probs, by="sku")
    by_channel = outlook(lines, horizon=horizon, as_of=as_of, assumptions=aset, probabilities=probs, by="channel")
    return {
        "sku": by_sku.groups,
        "channel": by_channel.groups,
        "path": by_sku.path,
        "events": by_sku.events,
        "refund": by_sku.refund,
        "method": by_sku.method,
        "outcomes": by_sku.outcomes,
        "lines": by_sku.lines_priced,
        "left_out": by_sku.lines_left_out + len(lines.rejects),
        "rows_read": lines.rows_read,
    }


@cached(max_entries=8)
def sensitivity_view(basket: Basket, as_of: str) -> pd.DataFrame:
    from costimpact.scenarios.sensitivity import sensitivity

    return sensitivity(imported(basket), as_of=as_of, assumptions=assumption_set())
