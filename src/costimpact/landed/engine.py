"""Price order lines under the US rules in force on their dates: pure and vectorised (no row loops).

The flow is :func:`price_lines`; each step is a module of ``landed/us/``: HTS treatment (``hts``) -> currency and
customs value in USD (``value``) -> shipments, de minimis, entry type (``entry``) -> duty layers with their scope,
exemptions and exclusivity (``layers``) -> postal regimes (``postal``) -> fees (``fees``) -> landed cost. The work
shared with the other destinations (rejects, the lines being priced, variants) is in ``landed/work.py``. Every rate,
threshold and date comes from the assumption set; none is written here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario, with_scenario
from costimpact.assumptions.lookup import postal_periods
from costimpact.errors import ArgumentError
from costimpact.landed.boundary import check_lines
from costimpact.landed.result import FEE_DETAIL_COLUMNS, MODES
from costimpact.landed.us.entry import apply_de_minimis, apply_entry_type, apply_shipments
from costimpact.landed.us.fees import apply_fees
from costimpact.landed.us.hts import apply_hts_treatment
from costimpact.landed.us.layers import apply_duty_layers, ieepa_layer_names, layer_infos
from costimpact.landed.us.postal import apply_postal_regimes
from costimpact.landed.us.value import apply_currency, apply_customs_value
from costimpact.landed.work import GRADE_MARK, _col, _Rejects, _text, _Versions, _Work

# Re-exported: callers (the other destinations, the stream, the app) import these names from the engine.
from costimpact.landed.us.entry import P_DE_MINIMIS, P_INFORMAL_LIMIT  # noqa: E402, F401
from costimpact.landed.us.fees import P_BOND, P_BROKER, P_CARRIER_ADV, P_CARRIER_FEE, P_HMF, P_ISF, P_MPF_FORMAL, P_MPF_INFORMAL  # noqa: E402, F401
from costimpact.landed.us.hts import CLAIMS, FLAGS, HTS_TABLE, resolve_hts  # noqa: E402, F401
from costimpact.landed.us.layers import P_METAL_SHARE, layer_name  # noqa: E402, F401
from costimpact.landed.us.postal import P_MAIL_FEE, P_POSTAL, P_POSTAL_METHOD  # noqa: E402, F401
from costimpact.landed.us.value import P_FX  # noqa: E402, F401
from costimpact.landed.work import GRADE_RANK, _combine_codes, _grade_rank, attach_versions  # noqa: E402, F401


def price_lines(
    lines: pd.DataFrame,
    aset: AssumptionSet,
    scenario: Scenario,
    as_of: dt.date,
    price_dates: pd.Series | np.ndarray | None = None,
    variants: tuple[Scenario, ...] | list[Scenario] | None = None,
    variant: np.ndarray | None = None,
    apart: np.ndarray | None = None,
    take: np.ndarray | None = None,
    columns: list[str] | tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Price normalised order lines under ``scenario``. Returns (priced lines, rejects, used periods).

    ``price_dates`` (one date per line) sets the date whose law prices each line, whatever the scenario's date
    mode; the lines still travel on their own ``ship_date``, so shipments and buyers' days stay as they were.

    Variant mode prices many scenarios in one call: ``variants`` are scenarios differing from ``scenario`` only in
    their overrides and switched-off layers, and ``variant`` gives each line's index into them. Lines of different
    variants never share a shipment or a buyer's day, so the same order lines may be given once per variant.
    ``apart`` (an integer per line) keeps lines apart the same way without changing their scenario.

    ``take`` (positions into ``lines``) prices ``lines.iloc[take]``, checking, reading and matching each line of
    ``lines`` once, however often it is taken: the way to price the same lines under many variants. ``price_dates``
    then gives one date per line of ``lines``; ``variant`` and ``apart`` one value per position of ``take``; the
    priced lines carry ``take_position``, their position in ``take``.

    ``columns`` (names of input or output columns) keeps only those columns of the priced lines, in that order,
    and leaves the used periods out (an empty table): for callers that total a few figures over many calls (the
    timeline, the outlook), which need neither the rest of the row nor the sources of each call.

    ``lines`` is never mutated. Lines that cannot be priced (unknown HTS code without ``mfn_rate``, no
    exchange rate, a specific duty that needs a weight, a destination other than the US) are rejected with
    their row number and reason; every other line comes out, in input order, through the steps below.
    """
    versions = _variant_versions(aset, scenario, variants, variant, len(lines) if take is None else len(take))
    aset = with_scenario(aset, scenario)
    src, boundary_rejects, transit = check_lines(lines, aset)  # the one place input cells are checked
    rej = _Rejects([boundary_rejects] if len(boundary_rejects) else [])
    base, unit_value, freight = _read_lines(src, scenario, as_of, rej)
    if price_dates is not None:
        base["date"] = pd.to_datetime(np.asarray(price_dates)).astype("datetime64[ns]")
    hts_key = apply_hts_treatment(base, src, aset, rej)
    if take is not None:  # each line was read once; now one row per position of take
        pick = np.asarray(take, dtype=np.int64)
        if columns is not None:  # from here the input columns only pass through to the output: take those asked for
            asked = set(columns)
            src = src[[c for c in src.columns if c in asked]]
        base, src, hts_key = (x.iloc[pick].reset_index(drop=True) for x in (base, src, hts_key))
        unit_value, freight = (x.iloc[pick].reset_index(drop=True) for x in (unit_value, freight))
        transit = None if transit is None else transit.iloc[pick].reset_index(drop=True)
    if versions is not None:
        base["variant"] = versions.variant
    if apart is not None or versions is not None:  # lines told apart travel apart: separate shipments and buyers' days
        base["apart"] = _combine_codes(np.zeros(len(base), dtype=np.int64) if apart is None else np.asarray(apart), np.zeros(len(base), dtype=np.int64) if versions is None else versions.variant)
    apply_currency(base, aset, rej, versions)
    rejects = rej.frame()
    ok = ~np.isin(base["row"].to_numpy(), rejects["row_number"].to_numpy())
    sel = np.flatnonzero(ok)

    w = _Work(aset, scenario, base.iloc[sel].reset_index(drop=True), base["row"].to_numpy()[sel], versions=None if versions is None else versions.take(sel))
    w.grade = np.maximum(_grade_rank(w.P["fx_grade"]), _grade_rank(w.P["evidence"]))
    w.note(w.P["fx_pid"])
    if transit is not None:  # entry dates assumed from dispatch dates: the transit days used, graded
        t_used = transit.iloc[sel].reset_index(drop=True)
        w.note(t_used["period_id"], t_used["period_id"].to_numpy() != "", t_used["evidence"])
    apply_customs_value(w, unit_value.to_numpy()[sel], freight.to_numpy()[sel])
    apply_shipments(w)
    apply_de_minimis(w)
    apply_entry_type(w)
    duties, before_exempt, layer_used = apply_duty_layers(w)
    treatment, postal_ieepa, mail_fee_cents = apply_postal_regimes(w, duties, before_exempt)
    in_lieu = np.char.startswith(np.asarray(treatment, dtype=str), "in_lieu")
    for pid, applied, rank in layer_used:  # a layer counts as used where charged, not where a postal duty replaced it
        hit = applied & ~in_lieu
        w.used.append(pid.where(hit, ""))
        w.grade = np.maximum(w.grade, np.where(hit, rank, 0))
    duty_total = sum(duties.values(), np.zeros(w.m))
    ieepa_names = ieepa_layer_names(aset)
    ieepa_exposure = sum((duties[x] for x in ieepa_names), np.zeros(w.m)) + np.where(postal_ieepa, duties["postal"], 0.0)
    fees = apply_fees(w, duty_total, mail_fee_cents)
    out = _assemble(w, src.iloc[sel], duties, duty_total, fees, ieepa_exposure, treatment, hts_key.iloc[sel].array, columns)
    if take is not None:
        out["take_position"] = sel
    return out, rejects, _used_periods(aset, [] if columns is not None else w.used, versions)


def _variant_versions(aset: AssumptionSet, scenario: Scenario, variants, variant, n: int) -> _Versions | None:  # noqa: ANN001
    """The assumption set of each variant, after checking the variants can share one call."""
    if variants is None and variant is None:
        return None
    if variants is None or variant is None or not len(variants):
        raise ArgumentError("variant mode needs both the scenarios (variants=) and each line's index into them (variant=)")
    idx = np.asarray(variant, dtype=np.int64)
    if len(idx) != n or (n and (idx.min() < 0 or idx.max() >= len(variants))):
        raise ArgumentError(f"variant= must give each of the {n} lines an index from 0 to {len(variants) - 1}")
    for v in variants:
        if v.options != scenario.options or v.date_mode != scenario.date_mode or v.fixed_date != scenario.fixed_date:
            raise ArgumentError(f"scenario variant {v.name!r} differs from {scenario.name!r} in more than its overrides and layers")
    return _Versions(tuple(with_scenario(aset, v) for v in variants), tuple(variants), idx)


def line_dates(src: pd.DataFrame, scenario: Scenario, as_of: dt.date) -> tuple[pd.Series, pd.Series]:
    """(the date whose law prices each line, the day it travelled). The scenario's date mode picks the first: the
    line's own ``ship_date`` (``line``; lines without one take the as-of date), one fixed date (``fixed``) or the
    as-of date (``as_of``); the travel day is always the line's own (shipments and buyers' days are physical)."""
    ship_date = pd.to_datetime(_col(src, "ship_date", None), errors="coerce")
    as_of_ts = pd.Timestamp(as_of)
    if scenario.date_mode == "line":
        price_date = ship_date.fillna(as_of_ts)
    elif scenario.date_mode == "fixed":
        price_date = pd.Series(pd.Timestamp(scenario.fixed_date), index=src.index)
    else:
        price_date = pd.Series(as_of_ts, index=src.index)
    return price_date.astype("datetime64[ns]"), ship_date.fillna(as_of_ts).astype("datetime64[ns]")


def _read_lines(src: pd.DataFrame, scenario: Scenario, as_of: dt.date, rej: _Rejects) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The columns the rules read, with the spec's defaults, and the date each line is priced at.

    The scenario picks the pricing date: its own ``ship_date`` (``line``; lines without one use the as-of date),
    one fixed date (``fixed``, e.g. 2024-12-31 for pre-2025) or the as-of date (``as_of``). Lines bound for
    another country, with an unknown mode or without a positive value are rejected.
    """
    n = len(src)
    rows = _col(src, "row_number", None)
    rows = pd.Series(np.arange(2, n + 2), index=src.index) if rows.isna().all() else rows.astype("int64")
    price_date, travel_date = line_dates(src, scenario, as_of)
    order_id = _text(_col(src, "order_id", ""))
    base = pd.DataFrame(
        {
            "row": rows.astype("int64"),
            # keys every step looks parameters up by: categorical, so each lookup factorizes a few codes, not text
            "origin": _text(_col(src, "origin_country", "")).str.upper().astype("category"),
            "dest": _text(_col(src, "destination_country", "US")).str.upper().replace("", "US"),
            "mode": _text(_col(src, "shipping_mode", "express")).replace("", "express"),
            "currency": _text(_col(src, "currency", "USD")).str.upper().replace("", "USD").astype("category"),
            "qty": pd.to_numeric(_col(src, "quantity", 1.0), errors="coerce").fillna(1.0).astype(float),
            "code": _text(_col(src, "hts_code", "")).str.replace(r"[^0-9]", "", regex=True),
            "date": price_date,
            # shipments and a buyer's day are physical facts: grouped by the day the goods travelled, even
            # when a scenario prices every line as of another date
            "travel_date": travel_date,
            "shipment": _text(_col(src, "shipment_id", "")).where(lambda s: s != "", order_id),
            "consignee": _text(_col(src, "consignee_id", "")),
            "metal_share": pd.to_numeric(_col(src, "metal_value_share", np.nan), errors="coerce"),
            "method": _text(_col(src, "postal_duty_method", "")),
            "excl_claimed": _col(src, "s301_exclusion", False).fillna(False).astype(bool),
        },
        index=src.index,
    )
    unit_value = pd.to_numeric(_col(src, "unit_value", np.nan), errors="coerce").astype(float)
    freight = pd.to_numeric(_col(src, "freight_cost", 0.0), errors="coerce").fillna(0.0).astype(float)
    rows = base["row"]
    rej.add((base["dest"] != "US").to_numpy(), rows, "destination_country", base["dest"], "engine.reject.destination")
    rej.add(~base["mode"].isin(MODES).to_numpy(), rows, "shipping_mode", base["mode"], "engine.reject.mode")
    rej.add(~(unit_value > 0).to_numpy(), rows, "unit_value", unit_value, "engine.reject.value")
    return base, unit_value, freight


def _assemble(w: _Work, src_rows: pd.DataFrame, duties: dict[str, np.ndarray], duty_total: np.ndarray, fees: dict[str, np.ndarray], ieepa_exposure: np.ndarray, treatment: np.ndarray, hts_key: np.ndarray,
              columns: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """The input columns first, then the spec's output columns, then the detail columns; or only ``columns``."""
    P, m = w.P, w.m
    value, freight_usd = P["value"].to_numpy(), P["freight_usd"].to_numpy()
    fee_other = sum((fees[c] for c in FEE_DETAIL_COLUMNS), np.zeros(m))
    fees_total = fees["fee_mpf_usd"] + fees["fee_hmf_usd"] + fee_other
    figures = {  # each output column, made when it is wanted
        "customs_value_usd": lambda: value,
        "entry_type": lambda: P["entry"].array,
        "de_minimis": lambda: P["de_minimis"].to_numpy(),
        **{info.column: (lambda name=info.name: np.round(duties.get(name, np.zeros(m)), 2)) for info in layer_infos(w.aset)},
        "duty_total_usd": lambda: np.round(duty_total, 2),
        "fee_mpf_usd": lambda: fees["fee_mpf_usd"],
        "fee_hmf_usd": lambda: fees["fee_hmf_usd"],
        "fee_other_usd": lambda: np.round(fee_other, 2),
        "fees_total_usd": lambda: np.round(fees_total, 2),
        "freight_usd": lambda: freight_usd,
        "landed_cost_usd": lambda: np.round(value + freight_usd + duty_total + fees_total, 2),
        **{c: (lambda c=c: fees[c]) for c in FEE_DETAIL_COLUMNS},
        "ieepa_refund_exposure_usd": lambda: np.round(ieepa_exposure, 2),
        "duty_rate_effective": lambda: np.divide(duty_total, value, out=np.zeros(m), where=value > 0),
        "price_date": lambda: P["date"].to_numpy(),
        "hts_matched": lambda: hts_key,
        "rates_user_supplied": lambda: P["user_rates"].to_numpy(),
        "s301_exclusion_applied": lambda: P["excl_applied"].to_numpy(dtype=bool),
        "s301_list_applied": lambda: P["s301_list"].astype("str").array,  # kept as categoricals while pricing
        "s232_group": lambda: P["s232"].astype("str").array,
        "postal_treatment": lambda: pd.Categorical(treatment),
        "shipment_value_usd": lambda: P["ship_value"].to_numpy(),
        "de_minimis_threshold_usd": lambda: P["threshold"].to_numpy(),
        "evidence_grade": lambda: pd.Categorical.from_codes(w.grade, categories=list(GRADE_MARK)),
    }
    if columns is not None:
        unknown = [c for c in columns if c not in figures and c not in src_rows]
        if unknown:
            raise ArgumentError(f"price_lines(columns=...): no column {', '.join(map(repr, unknown))} in the lines or the output")
        return pd.DataFrame({c: figures[c]() if c in figures else src_rows[c].array for c in columns})
    out = src_rows.copy()
    for name, make in figures.items():
        out[name] = make()
    return out.reset_index(drop=True)


def _used_periods(aset: AssumptionSet, used: list[pd.Series], versions: _Versions | None = None) -> pd.DataFrame:
    """Every assumption period the numbers used, with its metadata and the count of lines that used it (in variant
    mode an id is a period of the first variant's version of the parameter, and ``...@i`` of variant ``i``'s)."""
    counts: dict[str, int] = {}
    for u in used:  # each a categorical of period ids, "" where unused: count per category, not per row
        vc = pd.Series(u).value_counts(sort=False)
        for pid, count in vc.items():
            if pid and count:
                counts[str(pid)] = counts.get(str(pid), 0) + int(count)
    rows = []
    for pid, count in counts.items():
        param_id, _, idx = str(pid).rpartition("#")
        idx, _, var = idx.partition("@")
        i = int(idx)
        if param_id in aset.params:
            p = (aset if versions is None else versions.asets[int(var or 0)]).params[param_id]
            v = p.values[i]
            rows.append(
                {
                    "parameter": param_id,
                    "label": p.label,
                    "label_zh": p.label_zh,
                    "key": v.key,
                    "value": v.value,
                    "min": v.min,
                    "max": v.max,
                    "unit": p.unit,
                    "from": v.from_,
                    "until": v.until,
                    "source": v.source,
                    "url": v.url or (p.references[0].url or ""),
                    "evidence": v.evidence or p.evidence,
                    "changed_by_scenario": bool(v.scenario),
                    "lines": int(count),
                }
            )
        elif param_id in aset.tables:  # a table used as a whole (the per-line metal share estimates)
            header = aset.tables[param_id].header
            rows.append(
                {
                    "parameter": param_id, "label": header.label, "label_zh": header.label_zh, "key": "*", "value": np.nan,
                    "min": None, "max": None, "unit": "table", "from": None, "until": None, "source": header.source or "",
                    "url": header.references[0].url or "", "evidence": header.evidence, "changed_by_scenario": False, "lines": int(count),
                }
            )
        elif param_id in aset.postal:
            reg = aset.postal[param_id]
            per = postal_periods(reg).iloc[i]
            rows.append(
                {
                    "parameter": param_id,
                    "label": reg.label,
                    "label_zh": reg.label_zh,
                    "key": per["key"],
                    "value": per["ad_valorem"],
                    "min": None,
                    "max": None,
                    "unit": per["treatment"],
                    "from": per["from"].date(),
                    "until": None if pd.isna(per["until"]) else per["until"].date(),
                    "source": per["source"],
                    "url": per["url"],
                    "evidence": per["evidence"],
                    "changed_by_scenario": False,
                    "lines": int(count),
                }
            )
    cols = ["parameter", "label", "label_zh", "key", "value", "min", "max", "unit", "from", "until", "source", "url", "evidence", "changed_by_scenario", "lines"]
    frame = pd.DataFrame(rows, columns=cols)
    if versions is not None and len(frame):  # a period several variants share unchanged is one row
        frame = frame.groupby(cols[:-1], dropna=False, sort=False, as_index=False)["lines"].sum()
    return frame.sort_values(["parameter", "key", "from"], kind="stable").reset_index(drop=True)


def resolve_scenario(aset: AssumptionSet, scenario: str | Scenario) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if scenario not in aset.scenarios:
        raise ArgumentError(f"unknown scenario {scenario!r}; choose one of {', '.join(sorted(aset.scenarios))} or give a scenario file")
    return aset.scenarios[scenario]
