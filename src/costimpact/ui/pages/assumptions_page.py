"""Assumptions: every parameter with its periods, source link and evidence grade; filter by layer and date."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from costimpact.ui import data
from costimpact.ui.state import lang, labels, lkey, tr
from costimpact.ui.widgets import evidence_text

GRADE_ICON = {"C": "C", "C2": "C2", "U": "⚠ U"}
GRADES = ("confirmed", "secondary", "unverified")


def render() -> None:
    aset = data.assumption_set()
    st.title(tr("asm.title"))
    st.caption(tr("asm.intro"))
    per = data.assumption_periods()
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("asm.version"), aset.version)
    c2.metric(tr("asm.hash"), aset.short_hash)
    counts = per["evidence"].value_counts()
    c3.metric(tr("asm.unverified"), f"{int(counts.get('unverified', 0))} / {len(per)}", help=tr("asm.unverified_help"))
    st.caption(" · ".join(f"{GRADE_ICON[m]} = {evidence_text(g)}" for g, m in zip(GRADES, ("C", "C2", "U"), strict=True)))

    layers = sorted(per["layer"].unique())
    default_layers = [x for x in layers if x.startswith("us/")] or layers
    f1, f2, f3 = st.columns([3, 2, 2])
    chosen = f1.multiselect(tr("asm.layers"), layers, default=default_layers, key="asm_layers")
    grades = f2.multiselect(tr("asm.grades"), GRADES, default=list(GRADES), format_func=labels(evidence_text), key=lkey("asm_grades"))
    mode = f3.radio(tr("asm.when_label"), ("all", "on_date"), format_func=labels(lambda m: tr(f"asm.when.{m}")), key=lkey("asm_when"), horizontal=True)
    g1, g2 = st.columns([2, 3])
    day = g1.date_input(tr("asm.date"), value=dt.date.today(), min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31), key="asm_date", disabled=mode != "on_date")
    query = g2.text_input(tr("asm.search"), key="asm_search", placeholder=tr("asm.search_placeholder"))

    view = per[per["layer"].isin(chosen) & per["evidence"].isin(grades)]
    if mode == "on_date":
        live = data.values_in_force(day.isoformat())
        view = view.merge(live[["parameter", "key", "from"]], on=["parameter", "key", "from"], how="inner")
    if query.strip():
        q = query.strip().lower()
        text = (view["parameter"] + " " + view["label"] + " " + view["label_zh"] + " " + view["key"].astype(str) + " " + view["source"]).str.lower()
        view = view[text.str.contains(q, regex=False)]
    zh = lang() == "zh"
    st.caption(tr("asm.count", n=len(view), params=view["parameter"].nunique()))
    table = pd.DataFrame(
        {
            tr("col.grade"): view["grade"].map(GRADE_ICON),
            tr("col.parameter"): view["label_zh" if zh else "label"],
            "id": view["parameter"],
            tr("col.key"): view["key"].astype(str),
            tr("col.value"): view["value"],
            tr("col.unit"): view["unit"],
            tr("col.from"): pd.to_datetime(view["from"]).dt.date,
            tr("col.until"): pd.to_datetime(view["until"]).dt.date,
            tr("col.source"): view["source"],
            tr("col.link"): view["url"],
        }
    )
    grade_col = tr("col.grade")
    styled = table.style.map(lambda v: "background-color:#fde2c4;color:#8a4b00;font-weight:600" if v == GRADE_ICON["U"] else "", subset=[grade_col])
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        height=560,
        column_config={
            tr("col.link"): st.column_config.LinkColumn(tr("col.link"), display_text=tr("sources.open")),
            tr("col.value"): st.column_config.NumberColumn(format="%.6g"),
        },
    )
    hts = aset.table("us/hts/hts_us")
    with st.expander(tr("asm.hts_title", n=len(hts)), icon=":material/inventory_2:"):
        st.dataframe(hts, hide_index=True, width="stretch", height=360)
