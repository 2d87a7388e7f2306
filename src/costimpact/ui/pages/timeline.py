"""Policy timeline: the basket priced on every date the law changed, 2024-01 to 2027-12, per channel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from costimpact.errors import CostImpactError
from costimpact.ui import basket, charts, data
from costimpact.ui.state import lang, labels, lkey, tr
from costimpact.ui.widgets import evidence_text, pct, render_error, usd

START, END = "2024-01-01", "2027-12-31"
MEASURES = ("landed_vs_start_pct", "landed_cost_usd", "duty_total_usd", "fees_total_usd")


def render() -> None:
    st.title(tr("time.title"))
    st.caption(tr("time.intro"))
    imported = basket.load_basket()
    if imported is None:
        return
    b = basket.current()
    names = sorted(data.assumption_set().scenarios)
    line_names = [n for n in names if data.assumption_set().scenarios[n].date_mode == "line"]
    c1, c2 = st.columns([3, 2])
    scen = c1.selectbox(tr("time.scenario"), line_names, index=line_names.index("actual") if "actual" in line_names else 0, format_func=labels(lambda k: data.scenario_label(k, lang())), key=lkey("time_scen"), help=tr("time.scenario_help"))
    measure = c2.radio(tr("time.measure_label"), MEASURES, format_func=labels(lambda m: tr(f"time.measure.{m}")), key=lkey("time_measure"), horizontal=True)
    try:
        with st.spinner(tr("time.pricing")):
            frame, events = data.timeline(b, scen, START, END)
    except CostImpactError as err:
        render_error(err)
        return
    if frame.empty:
        st.info(tr("time.empty"))
        return
    zh = lang() == "zh"
    frame = frame.copy()
    frame["channel"] = frame["shipping_mode"].map(lambda m: tr(f"mode.{m}"))
    render_peaks(frame, "landed_cost_usd")
    ev = events.copy()
    ev["event"] = ev["label_zh" if zh else "label"]
    st.altair_chart(
        charts.timeline_chart(frame, ev, measure, tr("time.chart_title", file=b.name), tr(f"time.measure.{measure}"), tr("orders.channel"), "event"),
        width="stretch",
    )
    st.caption(tr("time.chart_caption", n=len(imported.lines)))
    st.subheader(tr("time.events"))
    st.dataframe(
        pd.DataFrame(
            {
                "#": range(1, len(ev) + 1),
                tr("col.date"): pd.to_datetime(ev["date"]).dt.date.astype(str),
                tr("time.event"): ev["event"],
                tr("col.source"): ev["source"],
                tr("col.grade"): ev["evidence"].map(lambda g: evidence_text(str(g))),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    with st.expander(tr("time.table"), icon=":material/timeline:"):
        wide = frame.pivot_table(index="date", columns="channel", values=measure, aggfunc="sum").reset_index()
        wide["date"] = pd.to_datetime(wide["date"]).dt.date.astype(str)
        fmt = "percent" if measure.endswith("_pct") else "$%.2f"
        st.dataframe(wide, hide_index=True, width="stretch", column_config={c: st.column_config.NumberColumn(format=fmt) for c in wide.columns if c != "date"})


def render_peaks(frame: pd.DataFrame, measure: str) -> None:
    """Per channel: the first date's value, the peak and when, and the last date's value."""
    cols = st.columns(max(1, frame["channel"].nunique()))
    for col, (channel, g) in zip(cols, frame.sort_values("date").groupby("channel", sort=True), strict=False):
        first, last = float(g[measure].iloc[0]), float(g[measure].iloc[-1])
        peak_row = g.loc[g[measure].idxmax()]
        peak = float(peak_row[measure])
        col.metric(
            channel,
            usd(peak, 0),
            delta=pct((peak - first) / first) if first else None,
            delta_color="inverse",
            help=tr("time.peak_help"),
        )
        col.caption(tr("time.peak_line", date=pd.Timestamp(peak_row["date"]).date().isoformat(), first=usd(first, 0), last=usd(last, 0)))
