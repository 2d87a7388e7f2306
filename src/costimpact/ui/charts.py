"""Altair charts. Each builder takes a plain frame and the labels to show (already in the page language)."""

from __future__ import annotations

import altair as alt
import pandas as pd

KIND_COLORS = {"value": "#8c8c8c", "duty": "#d62728", "fee": "#ff7f0e", "freight": "#1f77b4", "total": "#2c3e50"}
BASE_COLOR = "#9ecae1"
NOW_COLOR = "#d62728"
FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"


def _config(chart: alt.Chart) -> alt.Chart:
    return chart.configure_axis(labelFont=FONT, titleFont=FONT, labelLimit=220).configure_legend(labelFont=FONT, titleFont=FONT).configure_title(font=FONT, anchor="start", fontSize=14)


def waterfall(steps: pd.DataFrame, title: str, y_title: str, kind_labels: dict[str, str], y_max: float | None = None) -> alt.Chart:
    """``steps``: label, amount_usd, kind (value | duty | fee | freight | total) in display order; the last
    row is the total. Bars float from the running total before the step to the one after."""
    df = steps.reset_index(drop=True).copy()
    running = df["amount_usd"].where(df["kind"] != "total", 0.0).cumsum()
    df["end"] = running.where(df["kind"] != "total", df["amount_usd"])
    df["start"] = (running - df["amount_usd"]).where(df["kind"] != "total", 0.0)
    df["order"] = range(len(df))
    df["text"] = df["amount_usd"].map(lambda x: f"${x:,.2f}")
    df["kind_label"] = df["kind"].map(kind_labels)
    domain = [kind_labels[k] for k in KIND_COLORS if k in kind_labels]
    rng = [KIND_COLORS[k] for k in KIND_COLORS if k in kind_labels]
    y_scale = alt.Scale(domain=[0, y_max]) if y_max else alt.Undefined
    x = alt.X("label:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelAngle=-30, labelLimit=160))
    bars = (
        alt.Chart(df)
        .mark_bar(size=34)
        .encode(
            x=x,
            y=alt.Y("start:Q", title=y_title, scale=y_scale),
            y2="end:Q",
            color=alt.Color("kind_label:N", scale=alt.Scale(domain=domain, range=rng), legend=alt.Legend(title=None, orient="bottom")),
            tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("text:N", title="USD")],
        )
    )
    text = alt.Chart(df).mark_text(dy=-8, fontSize=11, font=FONT).encode(x=x, y=alt.Y("end:Q", scale=y_scale), text="text:N")
    return _config((bars + text).properties(title=title, height=320))


def change_by_group(frame: pd.DataFrame, group_col: str, group_title: str, title: str, band: tuple[float, float] | None, band_label: str, x_title: str) -> alt.Chart:
    """Horizontal bars of the % change in landed cost per group, with the analysts' band shaded."""
    df = frame[[group_col, "delta_pct", "baseline_landed_cost_usd", "landed_cost_usd", "lines"]].copy()
    df["delta_pct"] = df["delta_pct"].astype(float).fillna(0.0)
    df["text"] = df["delta_pct"].map(lambda x: f"{x * 100:+.1f}%")
    df["base_text"] = df["baseline_landed_cost_usd"].map(lambda x: f"${x:,.0f}")
    df["now_text"] = df["landed_cost_usd"].map(lambda x: f"${x:,.0f}")
    y = alt.Y(f"{group_col}:N", title=group_title, sort="-x")
    layers = []
    if band is not None:
        band_df = pd.DataFrame({"lo": [band[0]], "hi": [band[1]], "label": [band_label]})
        layers.append(
            alt.Chart(band_df).mark_rect(color="#fdd49e", opacity=0.55).encode(x=alt.X("lo:Q"), x2="hi:Q", tooltip=alt.Tooltip("label:N", title=" "))
        )
        layers.append(
            alt.Chart(band_df).mark_text(align="left", dx=3, dy=-4, baseline="bottom", fontSize=11, color="#b35806", font=FONT).encode(x="lo:Q", y=alt.value(0), text="label:N")
        )
    bars = alt.Chart(df).mark_bar(color=NOW_COLOR, height=22).encode(
        x=alt.X("delta_pct:Q", title=x_title, axis=alt.Axis(format="%")),
        y=y,
        tooltip=[
            alt.Tooltip(f"{group_col}:N", title=group_title),
            alt.Tooltip("base_text:N", title="before"),
            alt.Tooltip("now_text:N", title="now"),
            alt.Tooltip("text:N", title="%"),
            alt.Tooltip("lines:Q", title="lines"),
        ],
    )
    text = alt.Chart(df).mark_text(align="left", dx=4, fontSize=12, font=FONT).encode(x="delta_pct:Q", y=y, text="text:N")
    layers += [bars, text]
    height = max(120, 46 * len(df) + 30)
    return _config(alt.layer(*layers).properties(title=title, height=height))


def before_after(frame: pd.DataFrame, group_col: str, group_title: str, title: str, before_label: str, after_label: str, y_title: str) -> alt.Chart:
    """Grouped bars: landed cost before (baseline) and now (scenario) per group."""
    long = pd.concat(
        [
            pd.DataFrame({group_col: frame[group_col], "which": before_label, "usd": frame["baseline_landed_cost_usd"], "o": 0}),
            pd.DataFrame({group_col: frame[group_col], "which": after_label, "usd": frame["landed_cost_usd"], "o": 1}),
        ],
        ignore_index=True,
    )
    long["text"] = long["usd"].map(lambda x: f"${x:,.0f}")
    base = alt.Chart(long).encode(
        x=alt.X("which:N", title=None, sort=[before_label, after_label], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("usd:Q", title=y_title),
    )
    chart = (
        base.mark_bar()
        .encode(
            color=alt.Color("which:N", scale=alt.Scale(domain=[before_label, after_label], range=[BASE_COLOR, NOW_COLOR]), legend=alt.Legend(title=None, orient="bottom")),
            tooltip=[alt.Tooltip(f"{group_col}:N", title=group_title), alt.Tooltip("which:N", title=" "), alt.Tooltip("text:N", title="USD")],
        )
    )
    labels = base.mark_text(dy=-6, fontSize=10, font=FONT).encode(text="text:N")
    # two panels a row: four channels side by side would run past the half-page column they are drawn in
    faceted = alt.layer(chart, labels, data=long).properties(width=110, height=170).facet(
        facet=alt.Facet(f"{group_col}:N", title=None, header=alt.Header(labelFont=FONT, labelFontSize=12)), columns=2)
    return _config(faceted.resolve_scale(y="independent").properties(title=title))


def timeline_chart(frame: pd.DataFrame, events: pd.DataFrame, value_col: str, title: str, y_title: str, channel_title: str, event_col: str) -> alt.Chart:
    """Step lines of the basket's cost per channel over the policy dates; events as numbered dashed rules
    (the numbers match the events table; the full label is in the tooltip)."""
    df = frame.copy()
    df["date"] = pd.to_datetime(df["date"])
    pct = value_col.endswith("_pct")
    y_fmt = "+.0%" if pct else "$,.0f"
    lines = (
        alt.Chart(df)
        .mark_line(interpolate="step-after", point=True, strokeWidth=2)
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y-%m")),
            y=alt.Y(f"{value_col}:Q", title=y_title, axis=alt.Axis(format=y_fmt)),
            color=alt.Color("channel:N", title=channel_title, legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("channel:N", title=channel_title), alt.Tooltip(f"{value_col}:Q", format=y_fmt)],
        )
    )
    ev = events.copy()
    ev["date"] = pd.to_datetime(ev["date"])
    ev["n"] = [str(i + 1) for i in range(len(ev))]
    ev["dy"] = [(i % 3) * 12 for i in range(len(ev))]
    rules = alt.Chart(ev).mark_rule(color="#999", strokeDash=[4, 3]).encode(x="date:T", tooltip=[alt.Tooltip("n:N", title="#"), alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip(f"{event_col}:N", title=" ")])
    marks = alt.Chart(ev).mark_text(fontSize=10, color="#555", font=FONT, baseline="top").encode(
        x="date:T", y=alt.Y("dy:Q", scale=alt.Scale(domain=[0, 400], reverse=True), axis=None), text="n:N", tooltip=[alt.Tooltip(f"{event_col}:N", title=" ")]
    )
    chart = alt.layer(rules, lines, marks).resolve_scale(y="independent").properties(title=title, height=380)
    return _config(chart)


def fan_chart(path: pd.DataFrame, title: str, y_title: str, band_label: str, expected_label: str, median_label: str) -> alt.Chart:
    """The month-by-month distribution: a P10-P90 band, the median and the expectation (``path``: date,
    expected_landed_cost_usd, p10/p50/p90_landed_cost_usd for one group)."""
    df = path.copy()
    df["date"] = pd.to_datetime(df["date"])
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%Y-%m"))
    fmt = "$,.0f"
    band = alt.Chart(df).mark_area(opacity=0.25, color=BASE_COLOR, interpolate="step-after").encode(
        x=x, y=alt.Y("p10_landed_cost_usd:Q", title=y_title, scale=alt.Scale(zero=False), axis=alt.Axis(format=fmt)), y2="p90_landed_cost_usd:Q",
        tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("p10_landed_cost_usd:Q", title="P10", format=fmt), alt.Tooltip("p90_landed_cost_usd:Q", title="P90", format=fmt)],
    )
    long = df.melt(id_vars=["date"], value_vars=["expected_landed_cost_usd", "p50_landed_cost_usd"], var_name="measure", value_name="usd")
    long["measure"] = long["measure"].map({"expected_landed_cost_usd": expected_label, "p50_landed_cost_usd": median_label})
    lines = alt.Chart(long).mark_line(interpolate="step-after", point=True).encode(
        x=x, y=alt.Y("usd:Q", scale=alt.Scale(zero=False)),
        color=alt.Color("measure:N", title=None, scale=alt.Scale(domain=[expected_label, median_label], range=[NOW_COLOR, "#2c3e50"]), legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("measure:N", legend=None, scale=alt.Scale(domain=[expected_label, median_label], range=[[1, 0], [5, 3]])),
        tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("measure:N", title=" "), alt.Tooltip("usd:Q", format=fmt)],
    )
    chart = alt.layer(band, lines).properties(title=alt.TitleParams(title, subtitle=band_label), height=340)
    return _config(chart)


def tornado_chart(table: pd.DataFrame, base: float, title: str, x_title: str, low_label: str, high_label: str) -> alt.Chart:
    """Horizontal bars from the base total to each driver's low and high totals, largest swing on top
    (``table``: name, low_landed_cost_usd, high_landed_cost_usd, swing_usd)."""
    df = table.reset_index(drop=True).copy()
    df["order"] = range(len(df))
    long = pd.concat(
        [
            pd.DataFrame({"name": df["name"], "order": df["order"], "end": df["low_landed_cost_usd"], "side": low_label}),
            pd.DataFrame({"name": df["name"], "order": df["order"], "end": df["high_landed_cost_usd"], "side": high_label}),
        ]
    )
    long["start"] = base
    long["delta"] = long["end"] - base
    fmt = "$,.0f"
    bars = alt.Chart(long).mark_bar(height=14).encode(
        y=alt.Y("name:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("start:Q", title=x_title, scale=alt.Scale(zero=False), axis=alt.Axis(format=fmt)),
        x2="end:Q",
        color=alt.Color("side:N", title=None, scale=alt.Scale(domain=[low_label, high_label], range=[BASE_COLOR, NOW_COLOR]), legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("name:N", title=" "), alt.Tooltip("side:N", title=" "), alt.Tooltip("end:Q", format=fmt), alt.Tooltip("delta:Q", format="+$,.2f")],
    )
    rule = alt.Chart(pd.DataFrame({"x": [base]})).mark_rule(color="#555").encode(x="x:Q")
    return _config(alt.layer(bars, rule).properties(title=title, height=max(120, 26 * len(df))))
