"""Excel export of a compute-route comparison: values (never formulas), formats defined once.

Sheets: ``Routes`` (the comparison, one row per route), ``Inputs`` (every resolved input with its origin,
assumption id, source and evidence grade), ``Rules`` (the dated rules timeline), ``Diligence`` (the checklist
for the route kinds compared) and ``About`` (version, date, formulas).
"""

from __future__ import annotations

import io
import math

import pandas as pd
import xlsxwriter

from costimpact.assumptions import EVIDENCE_MARK, AssumptionSet, load_assumptions
from costimpact.compute.engine import OUTPUT_COLUMNS, ComputeResult, diligence_checklist, rules_timeline
from costimpact.i18n import t

SHEETS = ("Routes", "Inputs", "Rules", "Diligence", "About")
_MONEY = {"cost_usd", "risk_adjusted_cost_usd", "compute_cost_usd", "egress_cost_usd", "fixed_cost_usd",
          "capex_per_gpu_usd", "delay_cost_usd", "fallback_cost_usd", "fallback_expected_usd", "risk_delta_usd"}
_RATE = {"cost_per_gpu_hour", "usd_per_m_tokens", "capital_per_gpu_hour", "opex_per_gpu_hour", "energy_per_gpu_hour"}
_BIG = {"gpu_hours", "train_gpu_hours", "serve_gpu_hours", "tokens_per_s_per_replica"}
_SCI = {"train_flops", "peak_flops_train", "peak_flops_serve", "t_compute_s", "t_memory_s"}


def _cell(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return _cell(v.item())
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return v


def _write_frame(ws, frame: pd.DataFrame, fmt_header, col_formats: dict[str, object], headers: list[str] | None = None,
                 start_row: int = 0) -> None:
    headers = headers or list(frame.columns)
    ws.write_row(start_row, 0, headers, fmt_header)
    for j, col in enumerate(frame.columns):
        fmt = col_formats.get(col)
        for i, v in enumerate(frame[col].tolist(), start=start_row + 1):
            v = _cell(v)
            if v is None:
                ws.write_blank(i, j, None, fmt)
            elif isinstance(v, str):
                ws.write_string(i, j, v, fmt)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v, fmt)
            else:
                ws.write_number(i, j, v, fmt)
        width = max([len(str(headers[j]))] + [len(str(x)) for x in frame[col].head(50).tolist()])
        ws.set_column(j, j, min(max(10, width * 0.9), 60))
    ws.freeze_panes(start_row + 1, 1)
    if len(frame):
        ws.autofilter(start_row, 0, start_row + len(frame), len(frame.columns) - 1)


def write_compute_workbook(result: ComputeResult, lang: str = "en", assumptions: AssumptionSet | None = None) -> bytes:
    """The comparison as .xlsx bytes (sheets :data:`SHEETS`)."""
    aset = assumptions if assumptions is not None else load_assumptions()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    money = wb.add_format({"num_format": "#,##0"})
    rate = wb.add_format({"num_format": "#,##0.000"})
    big = wb.add_format({"num_format": "#,##0"})
    sci = wb.add_format({"num_format": "0.000E+00"})
    frac = wb.add_format({"num_format": "0.000"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    unverified = wb.add_format({"bg_color": "#FCE4D6"})
    formats = {c: money for c in _MONEY} | {c: rate for c in _RATE} | {c: big for c in _BIG} | {c: sci for c in _SCI}
    formats |= {"wall_days": frac, "run_days": frac, "p_cut": frac, "crf": frac, "replica_need_gb": frac,
                "replica_usable_gb": frac, "reason": wrap, "reason_source": wrap, "notes": wrap}

    routes = result.routes[OUTPUT_COLUMNS]
    ws = wb.add_worksheet("Routes")
    labels = [t(f"compute.col.{c}", lang) if f"compute.col.{c}" in _known() else c for c in routes.columns]
    ws.write_string(0, 0, t("compute.xlsx.note", lang, version=result.assumptions_version, day=result.as_of.isoformat()))
    ws.write_row(1, 0, list(routes.columns))
    _write_frame(ws, routes, header, formats, headers=labels, start_row=2)

    inputs = result.inputs.copy()
    inputs["grade"] = inputs["evidence"].map(EVIDENCE_MARK).fillna("")
    inputs = inputs[["route_id", "input", "value", "origin", "grade", "evidence", "assumption_id", "valid_from", "source"]]
    ws = wb.add_worksheet("Inputs")
    _write_frame(ws, inputs, header, {"value": wb.add_format({"num_format": "General"}), "source": wrap})
    for i, ev in enumerate(inputs["evidence"].tolist(), start=1):
        if ev == "unverified":
            ws.write_string(i, 4, "U", unverified)

    rules = rules_timeline(aset).copy()
    rules["date"] = rules["date"].dt.date.astype(str)
    ws = wb.add_worksheet("Rules")
    _write_frame(ws, rules, header, {c: wrap for c in rules.columns if c not in ("id", "date", "status")})

    kinds = list(dict.fromkeys(result.routes["kind"]))
    dil = pd.concat([diligence_checklist(k, aset).assign(for_kind=k) for k in kinds], ignore_index=True)
    dil = dil[["for_kind", "id", "text_zh" if lang == "zh" else "text_en", "text_en" if lang == "zh" else "text_zh", "source", "evidence"]]
    ws = wb.add_worksheet("Diligence")
    _write_frame(ws, dil, header, {c: wrap for c in dil.columns})

    ws = wb.add_worksheet("About")
    about = pd.DataFrame({
        "item": ["title", "as_of", "assumptions_version", "customer_hq", "chinese_ownership", "listed_parent_ownership",
                 "affiliates_rule_in_force (scenario answer)", "formulas"],
        "value": [result.scenario.title or "", result.as_of.isoformat(), result.assumptions_version,
                  result.scenario.customer.hq_country,
                  "" if result.scenario.customer.chinese_ownership is None else result.scenario.customer.chinese_ownership,
                  "" if result.scenario.customer.listed_parent_ownership is None else result.scenario.customer.listed_parent_ownership,
                  "" if result.scenario.rules.affiliates_rule_in_force is None else str(result.scenario.rules.affiliates_rule_in_force),
                  t("compute.formulas.body", lang)],
    })
    _write_frame(ws, about, header, {"value": wrap})
    wb.close()
    return buf.getvalue()


def _known() -> set[str]:
    from costimpact.i18n import catalogue

    return set(catalogue())
