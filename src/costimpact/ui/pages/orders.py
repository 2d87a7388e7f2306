"""My orders: the basket before vs now, per channel against the analysts' band, what hit hardest, rejects, report."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from costimpact.errors import CostImpactError
from costimpact.i18n import t
from costimpact.ui import basket, catalogue_widget, charts, data
from costimpact.ui.state import lang, tr
from costimpact.ui.widgets import pct, render_error, render_sources, usd

REPORT_KEY = "report_ready"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render() -> None:
    st.title(tr("orders.title"))
    st.caption(tr("orders.intro"))
    label = tr("orders.data_box", file=basket.current().name, now=data.scenario_label(basket.scenario_key(), lang()), before=data.scenario_label(basket.baseline_key(), lang()))
    with st.expander(label, icon=":material/tune:", key="orders_data_box"):  # a key: a new file name keeps it open
        basket.render_upload()
        catalogue_widget.render_catalogue_upload()
        catalogue_widget.render_mapping_memory()
        scen, base, day = basket.render_scenario_pickers("orders")
    head = st.container()
    imported = basket.load_basket()
    if imported is None:
        return
    b = basket.current()
    try:
        view = data.portfolio(b, scen, base, day)
    except CostImpactError as err:
        render_error(err)
        return
    with head:
        render_kpis(view, scen, base)
        render_import_summary(view, imported)
        render_channels(view, day)
    render_origins_and_skus(view)
    render_rejects(view, imported)
    render_report(b, scen, base, day)
    render_sources(view["used"], "sources.title_now")
    st.caption(tr("orders.assumptions_version", version=view["version"], hash=view["hash"]))


def render_import_summary(view: dict, imported) -> None:  # noqa: ANN001
    read, priced, rejected = view["rows_read"], view["rows_priced"], view["rows_rejected"]
    skipped = int(getattr(imported, "rows_skipped", 0))  # cancelled marketplace orders: read, not priced
    ok = read == priced + rejected + skipped
    st.markdown(
        f":blue-badge[{tr('orders.rows_read')} {read:,}] = :green-badge[{tr('orders.rows_priced')} {priced:,}] + "
        f":{'red' if rejected else 'gray'}-badge[{tr('orders.rows_rejected')} {rejected:,}]  "
        + (f"+ :gray-badge[{tr('catalogue.rows_skipped')} {skipped:,}]  " if skipped else "")
        + ("" if ok else tr("orders.conservation_bad", read=read, priced=priced, rejected=rejected))
    )
    catalogue_widget.render_import_note(imported)
    if getattr(imported, "mapping", None) and not basket.is_sample():
        with st.expander(tr("orders.mapping_used"), icon=":material/link:"):
            st.dataframe(pd.DataFrame({tr("mapping.header"): list(imported.mapping), tr("mapping.column"): list(imported.mapping.values())}), hide_index=True)


def render_kpis(view: dict, scen: str, base: str) -> None:
    tot = view["totals"]
    st.subheader(tr("orders.kpis"))
    st.caption(tr("orders.kpis_caption", before=data.scenario_label(base, lang()), now=data.scenario_label(scen, lang())))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(tr("orders.landed_before"), usd(tot["baseline_landed_cost_usd"], 0), help=tr("orders.landed_before_help"))
    c2.metric(tr("orders.landed_now"), usd(tot["landed_cost_usd"], 0), delta=usd(tot["delta_usd"], 0), delta_color="inverse", help=tr("orders.landed_now_help"))
    c3.metric(tr("orders.change"), pct(tot["delta_pct"]), help=tr("orders.change_help"))
    c4.metric(tr("orders.refund"), usd(tot["ieepa_refund_exposure_usd"], 0), help=tr("orders.refund_help"))


def render_channels(view: dict, day: str) -> None:
    band = data.band(day)  # on the as-of date, as the report reads it
    lo, hi = (band.low, band.high) if band is not None else (float("-inf"), float("inf"))
    by = view["by_channel"].copy()
    by["channel"] = by["shipping_mode"].map(lambda m: tr(f"mode.{m}"))
    st.subheader(tr("orders.by_channel"))
    band_label = ""
    if band is not None:
        st.caption(tr("orders.band_caption", lo=pct(lo, 0, sign=False), hi=pct(hi, 0, sign=False), grade=t(f"common.evidence.{band.evidence}", lang())))
        band_label = tr("orders.band_label", lo=pct(lo, 0, sign=False), hi=pct(hi, 0, sign=False))
    c1, c2 = st.columns(2)
    c1.altair_chart(
        charts.change_by_group(by, "channel", tr("orders.channel"), tr("orders.chart_change_channel"), (lo, hi) if band is not None else None, band_label, tr("orders.axis_change")),
        width="stretch",
    )
    c2.altair_chart(
        charts.before_after(by, "channel", tr("orders.channel"), tr("orders.chart_before_after"), tr("orders.before"), tr("orders.now"), tr("chart.usd")),
        width="stretch",
    )
    table = pd.DataFrame(
        {
            tr("orders.channel"): by["channel"],
            tr("orders.lines"): by["lines"],
            tr("orders.before"): by["baseline_landed_cost_usd"].map(lambda x: usd(x, 0)),
            tr("orders.now"): by["landed_cost_usd"].map(lambda x: usd(x, 0)),
            tr("orders.change"): by["delta_pct"].map(pct),
            tr("orders.vs_band"): by["delta_pct"].map(lambda x: "" if band is None else tr("orders.band_below") if x < lo else tr("orders.band_above") if x > hi else tr("orders.band_in")),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


def render_origins_and_skus(view: dict) -> None:
    c1, c2 = st.columns(2)
    with c1:
        st.subheader(tr("orders.by_origin"))
        by = view["by_origin"]
        st.altair_chart(
            charts.change_by_group(by, "origin_country", tr("orders.origin"), tr("orders.chart_origin"), None, "", tr("orders.axis_change")),
            width="stretch",
        )
    with c2:
        st.subheader(tr("orders.top_skus"))
        skus = view["by_sku"]
        if skus.empty:
            st.caption(tr("orders.no_skus"))
        else:
            st.dataframe(
                pd.DataFrame(
                    {
                        "SKU": skus["sku"],
                        tr("orders.lines"): skus["lines"],
                        tr("orders.before"): skus["baseline_landed_cost_usd"],
                        tr("orders.now"): skus["landed_cost_usd"],
                        tr("orders.delta"): skus["delta_usd"],
                        tr("orders.change"): skus["delta_pct"] * 100,
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    tr("orders.before"): st.column_config.NumberColumn(format="$%.2f"),
                    tr("orders.now"): st.column_config.NumberColumn(format="$%.2f"),
                    tr("orders.delta"): st.column_config.NumberColumn(format="$%.2f"),
                    tr("orders.change"): st.column_config.NumberColumn(format="%+.1f%%"),
                },
            )
    layers = view["duty_by_layer"]
    layers = layers[(layers["baseline_usd"] != 0) | (layers["scenario_usd"] != 0)]
    with st.expander(tr("orders.duty_by_layer"), icon=":material/layers:"):
        zh = lang() == "zh"
        st.dataframe(
            pd.DataFrame(
                {
                    tr("col.component"): layers["label_zh" if zh else "label"],
                    tr("orders.before"): layers["baseline_usd"],
                    tr("orders.now"): layers["scenario_usd"],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={tr("orders.before"): st.column_config.NumberColumn(format="$%.2f"), tr("orders.now"): st.column_config.NumberColumn(format="$%.2f")},
        )
        et = view["entry_types"].copy()
        et["shipping_mode"] = et["shipping_mode"].map(lambda m: tr(f"mode.{m}"))
        et["entry_type"] = et["entry_type"].astype(str).map(lambda e: tr(f"entry.{e}"))
        st.caption(tr("orders.entry_types"))
        st.dataframe(et.rename(columns={"shipping_mode": tr("orders.channel"), "entry_type": tr("orders.entry_type"), "lines": tr("orders.lines")}), hide_index=True)


def render_rejects(view: dict, imported=None) -> None:  # noqa: ANN001 - orders.ImportResult
    rej = view["rejects"]
    if rej.empty:
        st.success(tr("orders.no_rejects"), icon=":material/check_circle:")
        return
    with st.expander(tr("orders.rejects_title", n=view["rows_rejected"]), expanded=False, icon=":material/block:"):
        zh = lang() == "zh"
        lines = getattr(imported, "lines", None)
        described = None
        if lines is not None and "description" in lines:
            described = lines.loc[lines["row_number"].isin(rej["row_number"]), ["row_number", "description"]]
        try:
            hints = data.code_suggestions(rej[["row_number", "column", "value"]], described)
        except CostImpactError:  # an assumptions copy without the search tables: the rejects still show
            hints = pd.DataFrame()
        hint = rej["row_number"].map(hints.set_index("row_number")["suggested_zh" if zh else "suggested_en"]) if len(hints) else None
        st.dataframe(
            pd.DataFrame(
                {
                    tr("col.row"): rej["row_number"],
                    tr("col.column"): rej["column"],
                    tr("col.value"): rej["value"].astype(str),
                    tr("col.problem"): rej["problem_zh" if zh else "problem"],
                    tr("orders.suggested_codes"): (hint.where(rej["column"] == "hts_code") if hint is not None else pd.Series("", index=rej.index)).fillna(""),
                }
            ),
            hide_index=True,
            width="stretch",
        )
        if hint is not None and (rej["column"] == "hts_code").any():
            st.caption(tr("orders.suggested_codes_help"))
    st.download_button(tr("orders.download_rejects"), data=view["rejects_csv"], file_name="rejects.csv", mime="text/csv", key="dl_rejects", icon=":material/download:")


def render_report(b: data.Basket, scen: str, base: str, day: str) -> None:
    st.subheader(tr("orders.report"))
    key = data.report_key(b, scen, base, day, lang())  # a file's content, not its name: a corrected file is new
    ready = st.session_state.get(REPORT_KEY)
    if ready is None or ready[0] != key:
        if st.button(tr("orders.report_build"), key="report_build", type="primary", icon=":material/table_view:"):
            bar = st.progress(0.0, text=tr("orders.report_building"))
            try:
                blob = data.report_bytes(b, scen, base, day, lang(), progress=lambda f, msg: bar.progress(min(max(float(f), 0.0), 1.0), text=msg))
            except CostImpactError as err:
                bar.empty()
                render_error(err)
                return
            bar.progress(1.0, text=tr("orders.report_done", kb=len(blob) // 1024))
            st.session_state[REPORT_KEY] = (key, blob)
            ready = st.session_state[REPORT_KEY]
    if ready is not None and ready[0] == key:
        st.download_button(tr("orders.report_download"), data=ready[1], file_name="costimpact-report.xlsx", mime=XLSX_MIME, key="dl_report", type="primary", icon=":material/download:")
