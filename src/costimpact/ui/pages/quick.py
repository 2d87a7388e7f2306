"""Quick estimate: one product, duty and fee breakdown before vs now, every number with its sources."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import streamlit as st

from costimpact.errors import CostImpactError
from costimpact.landed.result import MODES
from costimpact.ui import charts, data
from costimpact.ui.sources import render_number_sources
from costimpact.ui.state import DEFAULT_BASELINE, DEFAULT_SCENARIO, lang, labels, lkey, tr
from costimpact.ui.widgets import pct, render_error, render_sources, usd

DEFAULT_QUERY = "6109.10"
METHODS = ("", "ad_valorem", "specific")


def render_hts_picker() -> tuple[str, dict | None]:
    """Search the built-in HTS table by code or words (English or Chinese); returns (code, table row)."""
    query = st.text_input(tr("quick.hts_search"), value=DEFAULT_QUERY, key="q_hts_query", help=tr("quick.hts_search_help"))
    try:
        hits = data.hts_search(query.strip(), 40) if query.strip() else pd.DataFrame()
    except CostImpactError as err:
        render_error(err)
        return "", None
    if hits is None or hits.empty:
        st.warning(tr("quick.hts_none", query=query))
        code = st.text_input(tr("quick.hts_code"), value="", key="q_hts_manual", help=tr("quick.hts_code_help")).strip()
        return code, None
    zh = lang() == "zh"
    if "in_schedule" in hits:  # lines the loaded schedule can price first, each group in search order
        hits = hits.sort_values("in_schedule", ascending=False, kind="stable")
    rows = hits.reset_index(drop=True).to_dict("records")

    def show(i: int) -> str:
        r = rows[i]
        desc = (r.get("description_zh") if zh else None) or str(r.get("description") or "").split(" > ")[-1]
        names = str(r.get("seller_names") or "").split("; ")[0]
        rate = r.get("mfn_text") or ""
        return f"{r['hts']} · " + (f"{names} (U) · " if names else "") + desc[:60] + (f" · {rate}" if rate else "")

    i = st.selectbox(tr("quick.hts_pick", n=len(rows)), range(len(rows)), format_func=labels(show), key=lkey("q_hts_pick"))
    row = rows[i]
    st.caption(tr("quick.hts_found", description=row.get("description", "")))
    if not row.get("in_schedule", True):
        st.warning(tr("quick.hts_not_in_schedule", hts=row["hts"]), icon=":material/info:")
    return str(row["hts"]), row


def render_inputs() -> tuple[str, dict | None, dict, str, str]:
    origins = data.known_origins()
    code, hts_row = render_hts_picker()
    c1, c2 = st.columns(2)
    origin = c1.selectbox(tr("quick.origin"), origins, index=0, key="q_origin", help=tr("quick.origin_help"))
    mode = c2.selectbox(tr("quick.mode"), MODES, index=MODES.index("postal"), format_func=labels(lambda m: tr(f"mode.{m}")), key=lkey("q_mode"), help=tr("quick.mode_help"))
    c3, c4, c5 = st.columns(3)
    value = c3.number_input(tr("quick.unit_value"), min_value=0.01, value=12.0, step=1.0, format="%.2f", key="q_value", help=tr("quick.unit_value_help"))
    qty = c4.number_input(tr("quick.quantity"), min_value=1, value=1, step=1, key="q_qty")
    freight = c5.number_input(tr("quick.freight"), min_value=0.0, value=0.0, step=1.0, format="%.2f", key="q_freight", help=tr("quick.freight_help"))
    c6, c7 = st.columns(2)
    day = c6.date_input(tr("quick.date"), value=dt.date.today(), min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31), key="q_date", help=tr("quick.date_help"))
    method = c7.selectbox(
        tr("quick.postal_method"),
        METHODS,
        format_func=labels(lambda m: tr(f"method.{m or 'default'}")),
        key=lkey("q_method"),
        disabled=mode != "postal",
        help=tr("quick.postal_method_help"),
    )
    names = sorted(data.assumption_set().scenarios)
    c8, c9 = st.columns(2)
    scen = c8.selectbox(tr("quick.scenario"), names, index=names.index(DEFAULT_SCENARIO) if DEFAULT_SCENARIO in names else 0, format_func=labels(lambda k: data.scenario_label(k, lang())), key=lkey("q_scenario"))
    base = c9.selectbox(tr("quick.baseline"), names, index=names.index(DEFAULT_BASELINE) if DEFAULT_BASELINE in names else 0, format_func=labels(lambda k: data.scenario_label(k, lang())), key=lkey("q_baseline"))
    excl = st.checkbox(tr("quick.s301_exclusion"), key="q_excl", help=tr("quick.s301_exclusion_help"))
    line = {
        "order_id": "Q1",
        "hts_code": code,
        "origin_country": origin,
        "unit_value": float(value),
        "quantity": int(qty),
        "currency": "USD",
        "ship_date": day.isoformat(),
        "shipping_mode": mode,
        "freight_cost": float(freight),
    }
    if mode == "postal" and method:
        line["postal_duty_method"] = method
    if excl:
        line["s301_exclusion"] = "yes"
    return code, hts_row, line, scen, base


def steps_of(line: dict, layers: list[tuple[str, str, str]]) -> pd.DataFrame:
    """The waterfall steps of one priced line: value, each duty layer charged, fees, freight, landed cost."""
    zh = lang() == "zh"
    rows = [(tr("quick.step.value"), line["customs_value_usd"], "value", "customs_value_usd")]
    for col, label, label_zh in layers:
        amount = float(line.get(col) or 0.0)
        if amount:
            rows.append((label_zh if zh else label, amount, "duty", col))
    for col, key in (("fee_mpf_usd", "mpf"), ("fee_hmf_usd", "hmf"), ("fee_other_usd", "other_fees")):
        amount = float(line.get(col) or 0.0)
        if amount:
            rows.append((tr(f"quick.step.{key}"), amount, "fee", col))
    if float(line.get("freight_usd") or 0.0):
        rows.append((tr("quick.step.freight"), float(line["freight_usd"]), "freight", "freight_usd"))
    rows.append((tr("quick.step.landed"), float(line["landed_cost_usd"]), "total", "landed_cost_usd"))
    return pd.DataFrame(rows, columns=["label", "amount_usd", "kind", "column"])


def kind_labels() -> dict[str, str]:
    return {k: tr(f"quick.kind.{k}") for k in ("value", "duty", "fee", "freight", "total")}


def render_breakdown(now: dict, base: dict, layers: list[tuple[str, str, str]], used: pd.DataFrame, base_used: pd.DataFrame, hts_row: dict | None) -> None:
    """Component by component: before, now, change, and a one-click list of the sources behind each."""
    zh = lang() == "zh"
    comps = [("customs_value_usd", tr("quick.step.value"))]
    comps += [(c, z if zh else lab) for c, lab, z in layers if (now.get(c) or 0) or (base.get(c) or 0)]
    comps += [("fee_mpf_usd", tr("quick.step.mpf")), ("fee_hmf_usd", tr("quick.step.hmf")), ("fee_other_usd", tr("quick.step.other_fees")), ("freight_usd", tr("quick.step.freight")), ("landed_cost_usd", tr("quick.step.landed"))]
    head = st.columns([3, 2, 2, 2, 1.4, 1.4])
    for col, text in zip(head, [tr("col.component"), tr("quick.before"), tr("quick.now"), tr("col.change"), tr("quick.src_before"), tr("quick.src_now")], strict=True):
        col.markdown(f"**{text}**")
    mfn_extra = ""
    if hts_row:
        mfn_extra = tr("quick.mfn_source", hts=hts_row.get("hts", ""), rate=hts_row.get("mfn_text", ""), source=hts_row.get("source", ""), grade=hts_row.get("evidence", ""))
    for col, text in comps:
        b, n = float(base.get(col) or 0.0), float(now.get(col) or 0.0)
        if col in ("fee_mpf_usd", "fee_hmf_usd", "fee_other_usd", "freight_usd") and not b and not n:
            continue
        cells = st.columns([3, 2, 2, 2, 1.4, 1.4])
        strong = col == "landed_cost_usd"
        cells[0].markdown(f"**{text}**" if strong else text)
        cells[1].markdown(usd(b))
        cells[2].markdown(f"**{usd(n)}**" if strong else usd(n))
        d = n - b
        cells[3].markdown((":red[▲] " if d > 0.005 else ":green[▼] " if d < -0.005 else "") + usd(d))
        if col in ("landed_cost_usd", "freight_usd"):
            continue
        extra = mfn_extra if col == "duty_mfn_usd" else ""
        extra_grade = (hts_row or {}).get("evidence", "") if col == "duty_mfn_usd" else ""
        with cells[4]:
            render_number_sources(base_used, col, key=f"src_b_{col}", extra=extra, extra_grade=extra_grade)
        with cells[5]:
            render_number_sources(used, col, key=f"src_n_{col}", extra=extra, extra_grade=extra_grade)


def render() -> None:
    st.title(tr("quick.title"))
    st.caption(tr("quick.intro"))
    left, right = st.columns([2, 3], gap="large")
    with left:
        code, hts_row, line, scen, base = render_inputs()
    if not code:
        right.info(tr("quick.need_code"))
        return
    try:
        res = data.quick_estimate(json.dumps(line, sort_keys=True), scen, base, line["ship_date"])
    except CostImpactError as err:
        with right:
            render_error(err)
        return
    if res["now"] is None or res["base"] is None:
        rej = res["rejects"]
        problems = rej["problem_zh" if lang() == "zh" else "problem"].astype(str).tolist() if len(rej) else []
        right.error(tr("quick.rejected", problems="; ".join(dict.fromkeys(problems))), icon=":material/warning:")
        return
    now, before = res["now"], res["base"]
    with right:
        render_headline(now, before, scen, base)
        steps_now = steps_of(now, res["layers"])
        steps_base = steps_of(before, res["layers"])
        top = max(float(now["landed_cost_usd"]), float(before["landed_cost_usd"])) * 1.15 or None
        y_title = tr("chart.usd")
        short = lambda k: data.scenario_label(k, lang()).split("：")[0].split(":")[0]  # noqa: E731
        c1, c2 = st.columns(2)
        c1.altair_chart(charts.waterfall(steps_base, tr("quick.chart_before", label=short(base)), y_title, kind_labels(), top), width="stretch")
        c2.altair_chart(charts.waterfall(steps_now, tr("quick.chart_now", label=short(scen)), y_title, kind_labels(), top), width="stretch")
    st.subheader(tr("quick.breakdown"))
    render_breakdown(now, before, res["layers"], res["used"], res["baseline_used"], hts_row)
    render_sources(res["used"], "sources.title_now")
    render_sources(res["baseline_used"], "sources.title_before")


def render_headline(now: dict, before: dict, scen: str, base: str) -> None:
    n, b = float(now["landed_cost_usd"]), float(before["landed_cost_usd"])
    change = (n - b) / b if b else math.nan
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(tr("quick.landed_now"), usd(n), delta=usd(n - b), delta_color="inverse", help=tr("quick.landed_now_help"))
    m2.metric(tr("quick.landed_before"), usd(b))
    m3.metric(tr("quick.change"), pct(change), help=tr("quick.change_help"))
    rate = float(now.get("duty_rate_effective") or 0.0)
    m4.metric(tr("quick.duty_now"), usd(float(now["duty_total_usd"])), delta=pct(rate, sign=False) + " " + tr("quick.of_value"), delta_color="off")
    entry_now = tr(f"entry.{now['entry_type']}")
    entry_before = tr(f"entry.{before['entry_type']}")
    grade = str(now.get("evidence_grade", ""))
    st.caption(tr("quick.entry_line", before=entry_before, now=entry_now, grade=grade))
