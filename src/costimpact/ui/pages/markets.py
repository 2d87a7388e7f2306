"""Where to sell / 哪里卖: the basket priced into several markets on one date, side by side."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from costimpact.errors import CostImpactError
from costimpact.landed.eu import MEMBERS
from costimpact.ui import basket, data
from costimpact.ui.state import labels, lkey, tr
from costimpact.ui.widgets import evidence_text, pct, render_error

DEFAULT = ["US", "DE", "GB", "MX", "BR", "CA"]
CHOICES = ["US", *MEMBERS, "GB", "MX", "BR", "CA", "AU", "JP"]
BR_STATES = ["BR-SP", "BR-RJ", "BR-MG", "BR-BA", "BR-PR", "BR-RS", "BR-SC", "BR-CE", "BR-PE", "BR-DF"]
CA_PROVINCES = ["CA-ON", "CA-QC", "CA-BC", "CA-AB", "CA-NS", "CA-NB", "CA-MB", "CA-SK", "CA-NL", "CA-PE"]
GRADE = {"C": "confirmed", "C2": "secondary", "U": "unverified"}


def market_name(code: str) -> str:
    return tr("markets.name.EU", code=code) if code in MEMBERS else tr(f"markets.name.{code}")


def render() -> None:
    st.title(tr("markets.title"))
    st.caption(tr("markets.intro"))
    imported = basket.load_basket()
    if imported is None:
        return
    b = basket.current()
    c1, c2, c3, c4 = st.columns([4, 2, 2, 2])
    markets = c1.multiselect(tr("markets.pick"), CHOICES, default=DEFAULT, format_func=labels(market_name), key=lkey("mk_markets"), help=tr("markets.pick_help"))
    day = c2.date_input(tr("markets.date"), value=dt.date.today(), min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31), key="mk_date")
    br = c3.selectbox(tr("markets.br_state"), BR_STATES, key="mk_br")
    ca = c4.selectbox(tr("markets.ca_province"), CA_PROVINCES, key="mk_ca")
    if not markets:
        st.info(tr("markets.none"))
        return
    try:
        with st.spinner(tr("markets.pricing")):
            summary = data.market_comparison(b, ",".join(markets), f"{br},{ca}", day.isoformat())
    except CostImpactError as err:
        render_error(err)
        return
    if int(summary["lines_compared"].max()) == 0:
        st.info(tr("markets.empty"))
    table = pd.DataFrame(
        {
            tr("markets.market"): summary["market"].map(market_name),
            tr("markets.currency"): summary["destination_currency"],
            tr("markets.compared"): summary["lines_compared"],
            tr("markets.rejected"): summary["lines_rejected"],
            tr("markets.value"): summary["customs_value_usd"],
            tr("markets.duty"): summary["duty_total_usd"],
            tr("markets.tax"): summary["tax_total_usd"],
            tr("markets.fees"): summary["fees_total_usd"],
            tr("markets.landed"): summary["landed_cost_usd"],
            tr("markets.landed_local"): summary["landed_cost_local"],
            tr("markets.border_pct"): summary["border_cost_pct_of_value"].map(lambda x: pct(x, sign=False)),
            tr("markets.grade"): summary["evidence_grade"].map(lambda g: evidence_text(GRADE.get(str(g), str(g)))),
        }
    )
    money = {c: st.column_config.NumberColumn(c, format="%.2f") for c in table.columns if "USD" in c or "美元" in c or "local" in c or "当地" in c}
    st.dataframe(table, hide_index=True, column_config=money, width="stretch")
    st.subheader(tr("markets.chart"))
    st.bar_chart(pd.DataFrame({tr("markets.landed"): summary["landed_cost_usd"].to_numpy()}, index=summary["market"].map(market_name)), horizontal=True)
    st.caption(tr("markets.caption"))
    if int(summary["lines_rejected"].sum()):
        st.caption(tr("markets.rejects_note"))
