"""Decisions: direct parcels vs a US warehouse, sourcing origin, the price that holds the margin.

Lays out only; the numbers come from :mod:`costimpact.decide` through the app's data layer (:mod:`costimpact.ui.data`),
on the same basket as every other page: the file uploaded on the orders page, read through its column mapping, else
the built-in sample.
"""

from __future__ import annotations

import datetime as dt
import math

import altair as alt
import pandas as pd
import streamlit as st

from costimpact.decide import common
from costimpact.decide.fulfilment import cost_curve
from costimpact.decide.origin import DEFAULT_ORIGINS
from costimpact.errors import CostImpactError
from costimpact.i18n import t
from costimpact.ui import basket, data
from costimpact.ui.state import lkey

PRESET_FIELDS = {
    "bulk_value_ratio": common.P_BULK_VALUE_RATIO,
    "air_usd_per_kg": common.P_AIR_RATE,
    "container_usd": common.P_CONTAINER,
    "lcl_usd_per_cbm": common.P_LCL,
    "capacity_cbm": common.P_CAPACITY,
    "shipment_charges_usd": common.P_SHIPMENT_CHARGES,
    "lcl_charges_usd": common.P_SHIPMENT_CHARGES,
    "shipments_per_month": common.P_SHIPMENTS,
    "storage_usd_per_cbm_month": common.P_STORAGE,
    "unit_volume_cbm": common.P_UNIT_VOLUME,
    "unit_weight_kg": common.P_UNIT_WEIGHT,
    "stock_months": common.P_STOCK_MONTHS,
    "pick_pack_usd_per_parcel": common.P_PICK_PACK,
    "last_mile_usd_per_parcel": common.P_LAST_MILE,
    "warehouse_usd_per_month": common.P_WAREHOUSE_MIN,
    "continuous_bond_usd_per_year": common.P_CONTINUOUS_BOND,
}
KEYED = {"capacity_cbm", "shipment_charges_usd"}  # keyed by the bulk mode
ONLY = {"air_usd_per_kg": "air_freight", "container_usd": "ocean_freight", "lcl_usd_per_cbm": "ocean_freight", "lcl_charges_usd": "ocean_freight"}


def _usd(x: float) -> str:
    return "–" if pd.isna(x) else f"${x:,.2f}"


def _pct(x: float) -> str:
    return "–" if pd.isna(x) else f"{x:+.1%}"


def _pickers(lang: str) -> tuple[str, str, dt.date]:
    aset = data.assumption_set()
    names = sorted(aset.scenarios)
    label = {n: (s.label_zh if lang == "zh" else s.label) for n, s in aset.scenarios.items()}
    c1, c2, c3 = st.columns(3)
    scen = c1.selectbox(t("decide.scenario", lang), names, index=names.index("actual") if "actual" in names else 0, format_func=label.get, key=lkey("decide_scen"))
    base = c2.selectbox(t("decide.baseline", lang), names, index=names.index("pre-2025") if "pre-2025" in names else 0, format_func=label.get, key=lkey("decide_base"))
    day = c3.date_input(t("decide.as_of", lang), value=st.session_state.get("as_of") or dt.date.today(), min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31), key="decide_as_of")
    return scen, base, day


def render(lang: str) -> None:
    st.title(t("decide.title", lang))
    st.caption(t("decide.intro", lang))
    imported = basket.load_basket()  # the friendly message, or the column-mapping step, when the file is refused
    if imported is None:
        return
    lines, name = imported.lines, basket.current().name
    if lines.empty:
        st.info(t("decide.no_orders", lang))
        return
    st.caption(t("decide.basket", lang, file=name, n=len(lines)))
    scen, base, day = _pickers(lang)
    tabs = _lazy(st.tabs, [t("decide.tab.fulfilment", lang), t("decide.tab.origin", lang), t("decide.tab.pricing", lang)], key="decide_tab")
    for tab, fn in zip(tabs, (render_fulfilment, render_origin, render_pricing), strict=True):
        with tab:
            if not _shown(tab):
                continue
            try:
                fn(lang, lines, scen, base, day)
            except CostImpactError as err:
                st.error(str(err))


def _lazy(make, *args, key: str):  # noqa: ANN001, ANN202
    """``st.tabs`` / ``st.expander`` that rerun the page when the seller opens one, so that only what is shown
    is computed (:func:`_shown`): opening the page prices one model, not three. A Streamlit without
    ``on_change`` here (before 1.5x) gives the plain containers, every body computed."""
    try:
        return make(*args, key=key, on_change="rerun")
    except TypeError:
        return make(*args)


def _shown(container) -> bool:  # noqa: ANN001
    """Whether a container of :func:`_lazy` is open (always, where Streamlit does not track it)."""
    return getattr(container, "open", None) is not False


def _table(frame: pd.DataFrame, cols: list[str], lang: str, digits: int = 2) -> None:
    """A result table with translated headers and translated model names / grades."""
    view = frame[cols].round(digits).copy()
    if "break_even_units_per_month" in view:  # no break-even: the warehouse never pays off at any volume
        view["break_even_units_per_month"] = view["break_even_units_per_month"].map(
            lambda v: t("decide.ful.never", lang) if pd.isna(v) else f"{v:,.0f}")
    for c in ("cheaper", "model"):
        if c in view:
            view[c] = view[c].map(lambda v: t(f"decide.model.{v}", lang))
    if "evidence" in view:
        view["evidence"] = view["evidence"].map(lambda v: t(f"common.evidence.{v}", lang))
    view.columns = [t(f"decide.col.{c}", lang) for c in cols]
    st.dataframe(view, hide_index=True, width="stretch")


def render_fulfilment(lang: str, lines: pd.DataFrame, scen: str, base: str, day: dt.date) -> None:
    st.caption(t("decide.ful.intro", lang))
    aset = data.assumption_set()
    c1, c2 = st.columns(2)
    bulk = c1.radio(t("decide.ful.bulk_mode", lang), common.BULK_MODES, format_func=lambda m: t(f"ui.mode.{m}", lang), horizontal=True, key=lkey("decide_bulk"))
    direct = c2.radio(t("decide.ful.direct_mode", lang), ("as_is", *common.DIRECT_MODES), format_func=lambda m: t("decide.ful.as_is", lang) if m == "as_is" else t(f"ui.mode.{m}", lang), horizontal=True, key=lkey("decide_direct"))
    load = "auto"
    if bulk == "ocean_freight":
        load = st.radio(t("decide.ful.load", lang), ("auto", "fcl", "lcl"), format_func=lambda v: t(f"decide.load.{v}", lang), horizontal=True, key=lkey("decide_load"))
    overrides: dict[str, float] = {}
    with st.expander(t("decide.ful.presets", lang)):
        cols = st.columns(2)
        fields = [(f, pid) for f, pid in PRESET_FIELDS.items() if ONLY.get(f, bulk) == bulk]
        for i, (field, pid) in enumerate(fields):
            got = common.preset(aset, pid, day, "ocean_lcl" if field == "lcl_charges_usd" else bulk if field in KEYED else "*")
            typed = cols[i % 2].number_input(
                t(f"decide.ful.field.{field}", lang), value=float(got.value), min_value=0.0, format="%.4f" if got.value < 1 else "%.2f",
                help=f"{got.source} · {t(f'common.evidence.{got.evidence}', lang)}", key=f"decide_{field}_{bulk}",
            )
            if not math.isclose(typed, got.value, rel_tol=1e-9, abs_tol=1e-12):
                overrides[field] = typed  # only a number the seller changed is theirs; the rest keep source and grade
    options = {"bulk_mode": bulk, "direct_mode": direct, "ocean_load": load, **overrides}
    res = data.fulfilment(basket.current(), scen, day, options)
    port = res.portfolio.iloc[0]
    m = st.columns(4)
    m[0].metric(t("decide.ful.direct_cost", lang), _usd(port["direct_cost_per_unit_usd"]))
    m[1].metric(t("decide.ful.warehouse_cost", lang), _usd(port["warehouse_cost_per_unit_usd"]))
    m[2].metric(t("decide.ful.units_now", lang), f"{port['units_per_month']:,.0f}")
    be = port["break_even_units_per_month"]
    m[3].metric(t("decide.ful.break_even", lang), t("decide.ful.never", lang) if pd.isna(be) else f"{be:,.0f}", None if pd.isna(be) else t("decide.ful.multiple", lang, x=port["break_even_multiple_of_demand"]), delta_color="off")
    saving = port["saving_per_month_usd"]
    st.write(t("decide.ful.verdict_wh", lang, usd=_usd(saving)) if port["warehouse_pays_now"] else t("decide.ful.verdict_direct", lang, usd=_usd(-saving)))
    st.caption(t(
        "decide.ful.month", lang, ships=port["shipments_per_month"], load=t(f"decide.load.{port['freight_load']}", lang),
        entry=t(f"decide.entry.{port['warehouse_entry_type']}", lang), cbm=port["cbm_per_month"],
        be_entry=t(f"decide.entry.{port['break_even_entry_type']}", lang) if port["break_even_entry_type"] else "–",
    ))
    curve = cost_curve(res)
    curve["model"] = curve["model"].map(lambda v: t(f"decide.model.{v}", lang))
    chart = alt.Chart(curve).mark_line().encode(
        x=alt.X("units_per_month:Q", title=t("decide.ful.units_now", lang)),
        y=alt.Y("cost_per_month_usd:Q", title=t("ui.chart.usd", lang)),
        color=alt.Color("model:N", title=None),
    ).properties(title=t("decide.ful.chart_title", lang), height=280)
    st.altair_chart(chart, width="stretch")
    st.caption(t("decide.ful.closed_form", lang))
    st.subheader(t("decide.ful.per_sku", lang))
    st.caption(t("decide.ful.per_sku_note", lang))
    show = ["sku", "origin_country", "units_per_month", "direct_cost_per_unit_usd", "warehouse_cost_per_unit_usd", "saving_per_unit_usd", "break_even_units_per_month", "cheaper", "warehouse_shared_cost_per_unit_usd"]
    _table(res.per_sku, show, lang)
    with (grid := _lazy(st.expander, t("decide.ful.grid", lang), key="decide_grid")):
        if _shown(grid):  # the baseline's costing runs when the seller opens the comparison
            rows = [data.fulfilment(basket.current(), s, day, options).portfolio for s in dict.fromkeys([base, scen])]
            _table(pd.concat(rows, ignore_index=True), ["scenario", "as_of", "direct_cost_per_unit_usd", "warehouse_cost_per_unit_usd", "break_even_units_per_month", "cheaper"], lang)
    presets = res.presets.copy()
    presets["source"] = presets["source"].where(~presets["overridden"], t("decide.ful.your_input", lang))
    _table(presets, ["label_zh" if lang == "zh" else "label", "key", "value", "source", "evidence"], lang, digits=4)


def render_origin(lang: str, lines: pd.DataFrame, scen: str, base: str, day: dt.date) -> None:
    st.caption(t("decide.org.intro", lang))
    picked = st.multiselect(t("decide.org.origins", lang), list(DEFAULT_ORIGINS) + ["CA", "CA-USMCA", "HK", "DE", "GB", "BR"], default=list(DEFAULT_ORIGINS), key="decide_origins")
    if not picked:
        return
    res = data.origins(basket.current(), tuple(picked), scen, day)
    top = res.ranking.iloc[0]
    st.write(t("decide.org.cheapest", lang, origin=top["origin"], delta=_pct(top["delta_vs_current_pct"])))
    long = res.ranking.melt(id_vars=["origin"], value_vars=[c for c in res.duty_columns if res.ranking[c].abs().sum() > 0], var_name="layer", value_name="usd")
    chart = alt.Chart(long).mark_bar().encode(
        y=alt.Y("origin:N", sort=list(res.ranking["origin"]), title=None),
        x=alt.X("usd:Q", stack=True, title=t("ui.chart.usd", lang)),
        color=alt.Color("layer:N", title=None),
    ).properties(title=t("decide.org.chart_title", lang), height=24 * len(res.ranking) + 40)
    st.altair_chart(chart, width="stretch")
    show = ["rank", "origin", "landed_cost_usd", "duty_total_usd", "fees_total_usd", "duty_rate_effective", "delta_vs_current_usd", "delta_vs_current_pct"]
    _table(res.ranking, show, lang, digits=4)
    with st.expander(t("decide.org.by_sku", lang)):
        wide = res.by_sku.pivot(index="sku", columns="origin", values="landed_per_unit_usd").round(2)
        st.dataframe(wide, width="stretch")


def render_pricing(lang: str, lines: pd.DataFrame, scen: str, base: str, day: dt.date) -> None:
    st.caption(t("decide.prc.intro", lang))
    if "unit_price" not in lines or "unit_cost" not in lines or lines[["unit_price", "unit_cost"]].isna().all().all():
        st.info(t("decide.prc.no_prices", lang))
        return
    aset = data.assumption_set()
    c1, c2, c3 = st.columns(3)
    e_p, h_p = common.preset(aset, common.P_ELASTICITY, day), common.preset(aset, common.P_HURDLE, day)
    e = c1.number_input(t("decide.prc.elasticity", lang), value=e_p.value, step=0.1, key="decide_elasticity", help=f"{e_p.source} · {t(f'common.evidence.{e_p.evidence}', lang)}")
    h = c2.number_input(t("decide.prc.hurdle", lang), value=h_p.value, min_value=0.0, max_value=0.99, step=0.01, key="decide_hurdle", help=f"{h_p.source} · {t(f'common.evidence.{h_p.evidence}', lang)}")
    follows = c3.checkbox(t("decide.prc.follows", lang), key="decide_follows")
    res = data.pricing(basket.current(), scen, base, day, float(e), float(h), bool(follows))
    port = res.portfolio.iloc[0]
    for warning in res.warnings:
        st.warning(t(f"decide.prc.warn.{warning}", lang, e=res.elasticity))
    st.write(t(
        "decide.prc.counts", lang, keep=port["skus_keep"], raise_price=port["skus_raise_price"], lower_price=port["skus_lower_price"],
        stop=port["skus_stop"], before=port["skus_below_hurdle_before"], missing=port["skus_without_price"],
    ))
    st.write(t("decide.prc.profit", lang, before=_usd(port["profit_before_usd"]), absorb=_usd(port["profit_absorb_usd"]), hold_usd=_usd(port["profit_hold_usd_usd"]), hold_pct=_usd(port["profit_hold_pct_usd"]), chosen=_usd(port["profit_chosen_usd"])))
    table = res.per_sku.copy()
    table["verdict"] = table["verdict"].map(lambda v: t(f"decide.prc.{v}", lang))
    table["chosen_option"] = table["chosen_option"].map(lambda v: t(f"decide.option.{v}", lang))
    show = ["sku", "verdict", "chosen_option", "unit_price_usd", "price_chosen_usd", "profit_before_usd", "profit_chosen_usd", "margin_before_pct", "margin_after_pct", "price_hold_usd_usd", "price_hold_pct_usd", "price_best_usd"]
    _table(table, show, lang, digits=4)
    used = res.presets.set_index("param")["value"]
    st.caption(t("decide.prc.best_note", lang, limit=used[common.P_PRICE_LIMIT], step=used[common.P_PRICE_STEP]))

