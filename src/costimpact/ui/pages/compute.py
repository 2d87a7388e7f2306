"""The compute-access page: workload inputs, routes side by side, risk sliders, chart, reasons, diligence,
the evidence grade of every default, and an Excel download. Layout only: all numbers come from
:mod:`costimpact.compute` (which never imports streamlit)."""

from __future__ import annotations

import hashlib

import altair as alt
import pandas as pd
import streamlit as st

from costimpact.assumptions import EVIDENCE_MARK, load_assumptions
from costimpact.compute import (
    ComputeScenario,
    apply_route_overrides,
    diligence_checklist,
    example_text,
    parse_compute_scenario,
    price_routes_detail,
    rules_timeline,
)
from costimpact.errors import CostImpactError
from costimpact.i18n import t

TABLE_COLUMNS = ["route_id", "kind", "accelerator", "available", "rank", "cost_per_gpu_hour", "gpu_hours", "wall_days",
                 "cost_usd", "risk_adjusted_cost_usd", "usd_per_m_tokens", "usd_per_m_tokens_basis",
                 "tokens_per_s_per_replica", "reason", "notes"]
#: Route kinds whose cut-off hazard has a slider (owned routes in China carry one only when the file gives it).
HAZARD_KINDS = ("hyperscaler_abroad", "operator_abroad", "offshore_purchase")


def _value(inputs: pd.DataFrame, route_id: str, name: str, fallback: float) -> float:
    hit = inputs[(inputs["route_id"] == route_id) & (inputs["input"] == name)]["value"]
    return float(hit.iloc[0]) if len(hit) else fallback


def render_scenario_source(lang: str) -> tuple[str, str]:
    """The scenario text (uploaded, or the built-in example) and a short id for widget keys."""
    up = st.file_uploader(t("compute.upload", lang), type=["toml"], key="compute_upload")
    text = up.getvalue().decode("utf-8", errors="replace") if up is not None else example_text()
    st.download_button(t("compute.example_download", lang), example_text().encode("utf-8"), "scenario.toml",
                       mime="application/toml", key="compute_example_dl")
    return text, hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def render_workload(sc: ComputeScenario, lang: str, sid: str) -> tuple[dict, dict]:
    """Workload and customer inputs; returns the section overrides."""
    wl = sc.workload
    st.subheader(t("compute.workload.header", lang))
    c1, c2, c3, c4, c5 = st.columns(5)
    n_b = c1.number_input(t("compute.workload.active_params_b", lang), min_value=0.1,
                          value=float((wl.active_params or 70e9) / 1e9), step=1.0, key=f"compute_n_{sid}")
    d_t = c2.number_input(t("compute.workload.train_tokens_t", lang), min_value=0.0,
                          value=float((wl.train_tokens or 0.0) / 1e12), step=0.5, key=f"compute_d_{sid}")
    s_b = c3.number_input(t("compute.workload.serve_tokens_b", lang), min_value=0.0,
                          value=float((wl.serve_tokens or 0.0) / 1e9), step=100.0, key=f"compute_s_{sid}")
    batch = c4.number_input(t("compute.workload.batch", lang), min_value=1, value=int(wl.batch or 64), step=1,
                            key=f"compute_b_{sid}")
    ctx = c5.number_input(t("compute.workload.context", lang), min_value=0, value=int(wl.context_tokens or 2048),
                          step=256, key=f"compute_ctx_{sid}")
    e1, e2, _ = st.columns(3)
    prompt = e1.number_input(t("compute.workload.prompt_tokens", lang), min_value=0, value=int(wl.prompt_tokens or 0),
                             step=128, key=f"compute_prompt_{sid}", help=t("compute.workload.prompt_help", lang))
    sdays = e2.number_input(t("compute.workload.serving_days", lang), min_value=0, value=int(wl.serving_days or 0),
                            step=30, key=f"compute_sdays_{sid}", help=t("compute.workload.serving_days_help", lang))
    st.subheader(t("compute.customer.header", lang))
    k1, k2, k3 = st.columns(3)
    hq = k1.text_input(t("compute.customer.hq", lang), value=sc.customer.hq_country, max_chars=40,
                       key=f"compute_hq_{sid}").strip() or sc.customer.hq_country
    own_default = sc.customer.chinese_ownership or 0.0
    own = k2.slider(t("compute.customer.ownership", lang), 0.0, 1.0, float(own_default), 0.05, key=f"compute_own_{sid}")
    listed = k3.slider(t("compute.customer.listed", lang), 0.0, 1.0, float(sc.customer.listed_parent_ownership or 0.0),
                       0.05, key=f"compute_listed_{sid}", help=t("compute.customer.listed_help", lang))
    workload = {"active_params": n_b * 1e9, "train_tokens": d_t * 1e12, "serve_tokens": s_b * 1e9, "batch": float(batch),
                "context_tokens": float(ctx), "prompt_tokens": float(prompt) if prompt else None,
                "serving_days": float(sdays) if sdays else None}
    return workload, {"hq_country": hq, "chinese_ownership": own, "listed_parent_ownership": listed}


def render_risk_sliders(sc: ComputeScenario, base_inputs: pd.DataFrame, lang: str, sid: str) -> tuple[dict, dict]:
    """Sliders for the decisive risk parameters, starting at the values in use; returns route and risk overrides."""
    st.subheader(t("compute.risk.header", lang))
    first = sc.route[0].id
    cod0 = _value(base_inputs, first, "cost_of_delay_per_day", 0.0)
    cod = st.slider(t("compute.risk.cost_of_delay", lang), 0, 1_000_000, int(round(cod0 / 5000) * 5000), 5000,
                    key=f"compute_cod_{sid}")
    overrides: dict[str, dict[str, float]] = {}
    cols = st.columns(max(1, min(4, len(sc.route))))
    i = 0
    for r in sc.route:
        if r.kind == "licensed_purchase":
            p0 = _value(base_inputs, r.id, "p_approve", 1.0)
            p = cols[i % len(cols)].slider(t("compute.risk.p_approve", lang, route=r.id), 0.0, 1.0, p0, 0.05,
                                           key=f"compute_p_{sid}_{r.id}")
            overrides.setdefault(r.id, {})["p_approve"] = p
            i += 1
        elif r.kind in HAZARD_KINDS:
            h0 = _value(base_inputs, r.id, "hazard_per_year", 0.0)
            h = cols[i % len(cols)].slider(t("compute.risk.hazard", lang, route=r.id), 0.0, 3.0, h0, 0.05,
                                           key=f"compute_h_{sid}_{r.id}")
            overrides.setdefault(r.id, {})["hazard_per_year"] = h
            i += 1
    # a route-level cost of delay would hide the slider: apply it to every route
    for r in sc.route:
        overrides.setdefault(r.id, {})["cost_of_delay_per_day"] = float(cod)
    return overrides, {"cost_of_delay_per_day": float(cod)}


def render_table(routes: pd.DataFrame, lang: str) -> None:
    st.subheader(t("compute.table.header", lang))
    view = routes[TABLE_COLUMNS].copy()
    view["kind"] = view["kind"].map(lambda k: t(f"compute.kind.{k}", lang))
    for c in ("gpu_hours", "cost_usd", "risk_adjusted_cost_usd"):  # millions: whole units read best
        if c in view:
            view[c] = view[c].round(0)
    view.columns = [t(f"compute.col.{c}", lang) for c in TABLE_COLUMNS]
    st.dataframe(view, hide_index=True, width="stretch", column_config={
        t("compute.col.cost_per_gpu_hour", lang): st.column_config.NumberColumn(format="%.3f"),
        t("compute.col.gpu_hours", lang): st.column_config.NumberColumn(format="localized"),
        t("compute.col.wall_days", lang): st.column_config.NumberColumn(format="%.1f"),
        t("compute.col.cost_usd", lang): st.column_config.NumberColumn(format="dollar"),
        t("compute.col.risk_adjusted_cost_usd", lang): st.column_config.NumberColumn(format="dollar"),
        t("compute.col.usd_per_m_tokens", lang): st.column_config.NumberColumn(format="$%.3f"),
        t("compute.col.tokens_per_s_per_replica", lang): st.column_config.NumberColumn(format="%.0f"),
    })


def render_chart(routes: pd.DataFrame, lang: str) -> None:
    st.subheader(t("compute.chart.header", lang))
    ok = routes[routes["available"]]
    if ok.empty:
        return
    base, risk = t("compute.chart.base", lang), t("compute.chart.risk", lang)
    long = pd.concat([
        pd.DataFrame({"route": ok["route_id"], "measure": base, "usd": ok["cost_usd"]}),
        pd.DataFrame({"route": ok["route_id"], "measure": risk, "usd": ok["risk_adjusted_cost_usd"]}),
    ], ignore_index=True)
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("route:N", title=t("compute.col.route_id", lang), sort=list(ok.sort_values("risk_adjusted_cost_usd")["route_id"])),
        xOffset=alt.XOffset("measure:N", sort=[base, risk]),
        y=alt.Y("usd:Q", title="USD"),
        color=alt.Color("measure:N", title=t("compute.chart.measure", lang), sort=[base, risk]),
        tooltip=["route:N", "measure:N", alt.Tooltip("usd:Q", format=",.0f")],
    )
    st.altair_chart(chart, width="stretch")


def render_unavailable(routes: pd.DataFrame, sc: ComputeScenario, lang: str, hq: str) -> None:
    """Every unavailable route, and every route whose serving does not fit, with its reason, date and source."""
    st.subheader(t("compute.unavailable.header", lang))
    off = routes[~routes["available"] | (routes["reason"] != "")]
    if off.empty:
        st.success(t("compute.unavailable.none", lang))
    for row in off.itertuples():  # display only: one message per route
        code = row.reason_code or "memory"
        msg = t(f"compute.reason.{code}", lang, acc=row.accelerator, since=row.reason_date or row.chip_status_from, hq=hq)
        detail = t("compute.reason.detail", lang, reason=row.reason, date=row.reason_date or "—",
                   source=row.reason_source or "—")
        st.warning(f"**{row.route_id}** — {msg}  \n{detail}")


def render_inputs(routes: pd.DataFrame, inputs: pd.DataFrame, lang: str) -> None:
    st.subheader(t("compute.inputs.header", lang))
    st.caption(t("compute.inputs.caption", lang))
    for row in routes[routes["n_unverified_defaults"] > 0].itertuples():
        st.markdown(f"- ⚠ {t('compute.inputs.unverified_count', lang, route=row.route_id, n=row.n_unverified_defaults)}")
    view = inputs.copy()
    mark = view["evidence"].map(EVIDENCE_MARK).fillna("")
    view["grade"] = mark.where(view["evidence"] != "unverified", "⚠ U")
    view["origin"] = view["origin"].map(lambda o: t(f"compute.origin.{o}", lang))
    view = view[["route_id", "input", "value", "origin", "grade", "source", "assumption_id", "valid_from"]]
    view.columns = [t("compute.col.route_id", lang), t("compute.col.input", lang), t("compute.col.value", lang),
                    t("compute.col.origin", lang), t("compute.col.grade", lang), t("compute.col.source", lang),
                    t("compute.col.assumption_id", lang), t("compute.col.valid_from", lang)]
    st.dataframe(view, hide_index=True, width="stretch")


def render_diligence(sc: ComputeScenario, aset, lang: str) -> None:
    st.subheader(t("compute.diligence.header", lang))
    text_col = "text_zh" if lang == "zh" else "text_en"
    tabs = st.tabs([r.id for r in sc.route])
    for tab, r in zip(tabs, sc.route, strict=True):
        items = diligence_checklist(r.kind, aset)
        with tab:
            st.caption(t(f"compute.kind.{r.kind}", lang))
            for item in items.itertuples():
                grade = EVIDENCE_MARK.get(item.evidence, "")
                flag = "⚠ " if item.evidence == "unverified" else ""
                st.markdown(f"- {getattr(item, text_col)}  \n  <small>{flag}{grade} · {item.source}</small>",
                            unsafe_allow_html=True)


def render_rules(aset, lang: str) -> None:
    with st.expander(t("compute.rules.header", lang)):
        rules = rules_timeline(aset)
        view = pd.DataFrame({
            t("compute.col.date", lang): rules["date"].dt.date.astype(str),
            t("compute.col.instrument", lang): rules["instrument_zh" if lang == "zh" else "instrument"],
            t("compute.col.status", lang): rules["status"],
            "licensed_purchase": rules["licensed_purchase"], "domestic": rules["domestic"],
            "hyperscaler_abroad": rules["hyperscaler_abroad"], "operator_abroad": rules["operator_abroad"],
            "us_api": rules["us_api"], "offshore_purchase": rules["offshore_purchase"],
            t("compute.col.source", lang): rules["source"],
            t("compute.col.grade", lang): rules["evidence"].map(EVIDENCE_MARK),
        })
        st.dataframe(view, hide_index=True, width="stretch")


def render(lang: str) -> None:
    """Draw the whole compute-access page in ``lang`` (zh or en)."""
    st.header(t("compute.title", lang))
    st.caption(t("compute.intro", lang))
    try:
        aset = load_assumptions()
    except CostImpactError as err:
        st.error(t("compute.error", lang, msg=str(err)))
        return
    text, sid = render_scenario_source(lang)
    try:
        sc = parse_compute_scenario(text, "scenario.toml")
        workload, customer = render_workload(sc, lang, sid)
        sc = apply_route_overrides(sc, workload=workload, customer=customer)
        base = price_routes_detail(sc, aset)
        overrides, risk = render_risk_sliders(sc, base.inputs, lang, sid)
        sc = apply_route_overrides(sc, overrides, risk=risk)
        result = price_routes_detail(sc, aset)
    except CostImpactError as err:
        st.error(t("compute.error", lang, msg=str(err)))
        return
    except ValueError as err:  # pydantic validation of edited inputs
        st.error(t("compute.error", lang, msg=str(err).splitlines()[0]))
        return
    routes = result.routes
    st.caption(t("compute.as_of", lang, day=result.as_of.isoformat(), version=result.assumptions_version))
    ok = routes[routes["available"]].sort_values("risk_adjusted_cost_usd")
    if ok.empty:
        st.info(t("compute.best_none", lang))
    else:
        best = ok.iloc[0]
        c1, c2, c3 = st.columns(3)
        c1.metric(t("compute.best", lang, route=best["route_id"]), f"${best['risk_adjusted_cost_usd']:,.0f}")
        c2.metric(t("compute.col.cost_usd", lang), f"${best['cost_usd']:,.0f}")
        c3.metric(t("compute.col.wall_days", lang), f"{best['wall_days']:,.1f}")
    render_table(routes, lang)
    render_chart(routes, lang)
    render_unavailable(routes, sc, lang, sc.customer.hq_country)
    render_inputs(routes, result.inputs, lang)
    render_diligence(sc, aset, lang)
    render_rules(aset, lang)
    with st.expander(t("compute.formulas.header", lang)):
        st.markdown(t("compute.formulas.body", lang))
    from costimpact.report.compute_workbook import write_compute_workbook

    st.download_button(t("compute.download", lang), write_compute_workbook(result, lang, aset), "compute_routes.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="compute_xlsx")
