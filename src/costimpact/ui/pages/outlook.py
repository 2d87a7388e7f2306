"""Outlook: the basket's landed cost under pending policy events (fan chart, events, per SKU) and a tornado."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from costimpact.errors import CostImpactError
from costimpact.ui import basket, charts, data
from costimpact.ui.state import as_of, labels, lang, lkey, tr
from costimpact.ui.widgets import evidence_text, pct, render_error, usd


def default_horizon(today: dt.date) -> dt.date:
    """The end of next year: far enough to see the scheduled 2027 changes from late 2026."""
    return dt.date(today.year + 1, 12, 31)


def render() -> None:
    st.title(tr("outlook.title"))
    st.caption(tr("outlook.intro"))
    imported = basket.load_basket()
    if imported is None:
        return
    b = basket.current()
    today = as_of()
    zh = lang() == "zh"
    aset = data.assumption_set()
    horizon = st.date_input(tr("outlook.horizon"), value=default_horizon(today), min_value=today, key="outlook_horizon", help=tr("outlook.horizon_help"))
    probs = render_probabilities(aset, zh)
    try:
        with st.spinner(tr("time.pricing")):
            view = data.outlook_view(b, horizon.isoformat(), today.isoformat(), json.dumps(probs, sort_keys=True))
    except CostImpactError as err:
        render_error(err)
        return
    render_kpis(view, today, horizon)
    render_fan(view)
    render_events(view["events"], zh)
    render_groups(view["sku"])
    render_tornado(b, today, zh)


def render_probabilities(aset, zh: bool) -> dict[str, float]:  # noqa: ANN001
    """A slider per event (percent), defaults from the assumptions; returns the probabilities as fractions."""
    out: dict[str, float] = {}
    with st.expander(tr("outlook.events"), icon=":material/tune:"):
        st.caption(tr("outlook.events_help"))
        for name_, e in sorted(aset.events.items(), key=lambda kv: (kv[1].date, kv[0])):
            label = tr("outlook.prob_label", label=e.label_zh if zh else e.label, grade=evidence_text(e.evidence))
            help_ = (e.probability_note_zh if zh else e.probability_note) + "\n\n" + (e.description_zh if zh else e.description)
            value = st.slider(label, 0, 100, int(round(e.probability * 100)), step=5, format="%d%%", key=f"outlook_p_{name_}", help=help_)
            out[name_] = value / 100.0
    return out


def short_usd(x: float) -> str:
    """$436k for a metric tile where two amounts must fit side by side."""
    return usd(x, 0) if abs(x) < 10_000 else f"${x / 1000:,.0f}k"


def render_kpis(view: dict, today: dt.date, horizon: dt.date) -> None:
    star = view["sku"].iloc[0]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(tr("outlook.now", date=today.isoformat()), usd(star.as_of_landed_cost_usd, 0))
    c2.metric(tr("outlook.expected", date=horizon.isoformat()), usd(star.expected_landed_cost_usd, 0), delta=pct(star.expected_change_pct), delta_color="inverse")
    c3.metric(tr("outlook.band"), f"{short_usd(star.p10_landed_cost_usd)} – {short_usd(star.p90_landed_cost_usd)}", help=f"P10 {usd(star.p10_landed_cost_usd)} · P50 {usd(star.p50_landed_cost_usd)} · P90 {usd(star.p90_landed_cost_usd)}")
    if len(view["refund"]):
        r = view["refund"].iloc[0]
        c4.metric(
            tr("outlook.refund"), usd(r.expected_refund_usd, 0),
            help=tr("outlook.refund_help", exposure=usd(r.exposure_usd), p=pct(r.probability, 0, sign=False), share=pct(r.refund_share, 0, sign=False), paid=pct(r.paid_by_horizon, 0, sign=False)),
        )
    key = "outlook.method_exact" if view["method"] == "exact" else "outlook.method_mc"
    st.caption(tr(key, n=view["outcomes"], rows=view["rows_read"], lines=view["lines"], left=view["left_out"]))


def render_fan(view: dict) -> None:
    path = view["path"]
    groups = ["*"] + [g for g in path["group"].unique() if g != "*"]
    pick = st.radio(tr("outlook.group"), groups, format_func=labels(lambda g: tr("outlook.basket") if g == "*" else tr(f"mode.{g}")), horizontal=True, key=lkey("outlook_group"))
    one = path[path["group"] == pick]
    st.altair_chart(
        charts.fan_chart(one, tr("outlook.fan_title"), tr("chart.usd"), tr("outlook.fan_band"), tr("outlook.fan_expected"), tr("outlook.fan_median")),
        width="stretch",
    )


def render_events(events: pd.DataFrame, zh: bool) -> None:
    st.subheader(tr("outlook.events_table"))
    when = [d.isoformat() if d == w else f"{d.isoformat()} – {w.isoformat()}" for d, w in zip(events["date"], events["window_end"])]
    st.dataframe(
        pd.DataFrame(
            {
                tr("outlook.col_event"): events["label_zh" if zh else "label"],
                tr("outlook.col_when"): when,
                tr("outlook.col_prob"): events["probability"],
                tr("outlook.col_by_horizon"): events["probability_by_horizon"],
                tr("outlook.col_effect"): events["effect_alone_usd"].map(lambda x: "–" if x != x else f"{'+' if x > 0 else ''}{usd(x)}"),
                tr("col.grade"): events["evidence"].map(lambda g: evidence_text(str(g))),
                tr("outlook.col_note"): events["note_zh" if zh else "note"],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            tr("outlook.col_prob"): st.column_config.NumberColumn(format="percent"),
            tr("outlook.col_by_horizon"): st.column_config.NumberColumn(format="percent"),
        },
    )


def render_groups(groups: pd.DataFrame) -> None:
    st.subheader(tr("outlook.sku_table"))
    g = groups.iloc[1:].sort_values("expected_change_usd", kind="stable")
    money = {c: st.column_config.NumberColumn(format="dollar") for c in (tr("outlook.col_now"), tr("outlook.col_expected"), "P10", "P50", "P90", tr("outlook.col_change"))}
    st.dataframe(
        pd.DataFrame(
            {
                tr("outlook.col_group"): g["group"],
                tr("outlook.col_lines"): g["lines"],
                tr("outlook.col_now"): g["as_of_landed_cost_usd"],
                tr("outlook.col_expected"): g["expected_landed_cost_usd"],
                "P10": g["p10_landed_cost_usd"],
                "P50": g["p50_landed_cost_usd"],
                "P90": g["p90_landed_cost_usd"],
                tr("outlook.col_change"): g["expected_change_usd"],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config=money,
    )


def render_tornado(b: data.Basket, today: dt.date, zh: bool) -> None:
    if not st.toggle(tr("outlook.tornado_toggle"), key="outlook_tornado"):
        return
    try:
        with st.spinner(tr("time.pricing")):
            table = data.sensitivity_view(b, today.isoformat())
    except CostImpactError as err:
        render_error(err)
        return
    top = table.head(15).copy()
    label = top["label_zh" if zh else "label"]
    keys = top["key"].where(~top["key"].isin(["", "*"]), "")
    top["name"] = label.str.slice(0, 60) + keys.map(lambda k: f" [{k}]" if k else "")
    base = float(table["base_landed_cost_usd"][table["kind"] == "assumption"].iloc[0]) if (table["kind"] == "assumption").any() else float(top["low_landed_cost_usd"].iloc[0])
    st.altair_chart(charts.tornado_chart(top, base, tr("outlook.tornado_title"), tr("outlook.tornado_x"), tr("outlook.tornado_low"), tr("outlook.tornado_high")), width="stretch")
    st.caption(tr("outlook.tornado_caption", date=today.isoformat()))
    st.dataframe(
        pd.DataFrame(
            {
                tr("outlook.col_driver"): top["name"],
                tr("col.grade"): top["evidence"].map(lambda g: evidence_text(str(g))),
                tr("outlook.col_swing"): top["swing_usd"],
                tr("outlook.col_margin"): top["swing_margin_pts"],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={tr("outlook.col_swing"): st.column_config.NumberColumn(format="dollar"), tr("outlook.col_margin"): st.column_config.NumberColumn(format="%.2f")},
    )
