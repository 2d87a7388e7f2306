"""Scenarios: compare every scenario on the basket, edit assumptions as overrides, save/load scenario files."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from costimpact.assumptions import Scenario, load_scenario_text
from costimpact.assumptions.models import Override
from costimpact.errors import CostImpactError
from costimpact.ui import basket, data
from costimpact.assumptions import scenario_toml
from costimpact.ui.state import CUSTOM_KEY, CUSTOM_PREFIX, SCENARIO_KEY, lang, labels, lkey, tr
from costimpact.ui.widgets import pct, render_error, usd, used_table

UPLOADED_KEY = "uploaded_scenario_json"
GROUPS = ("us/layers", "us/fees", "us/entry", "fx")
CUSTOM_NAME = "custom"


def render() -> None:
    st.title(tr("scen.title"))
    st.caption(tr("scen.intro"))
    imported = basket.load_basket()
    if imported is None:
        return
    b = basket.current()
    st.caption(tr("scen.basket", file=b.name, n=len(imported.lines)))
    custom = render_editor()
    st.divider()
    scen, base, day = basket.render_scenario_pickers("scen")
    render_all_scenarios(b, base, day, custom)
    render_changed(b, scen, base, day)


def _display(value: float, unit: str) -> float:
    return value * 100 if unit.startswith("fraction") else value


def _stored(value: float, unit: str) -> float:
    return value / 100 if unit.startswith("fraction") else value


def render_editor() -> str | None:
    """Base scenario + edited values -> the custom scenario (kept in session as JSON). Returns its key."""
    aset = data.assumption_set()
    st.subheader(tr("scen.edit_title"))
    st.caption(tr("scen.edit_intro"))
    bases: list[str] = sorted(aset.scenarios)
    uploaded = st.session_state.get(UPLOADED_KEY)
    if uploaded:
        bases.append(CUSTOM_PREFIX + uploaded)
    c1, c2, c3 = st.columns([3, 2, 3])
    base_key = c1.selectbox(tr("scen.edit_base"), bases, index=bases.index("actual") if "actual" in bases else 0, format_func=labels(lambda k: data.scenario_label(k, lang())), key=lkey("edit_base"))
    eff = c2.date_input(tr("scen.edit_from"), value=dt.date(2025, 1, 1), min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31), key="edit_from", help=tr("scen.edit_from_help"))
    with c3:
        up = st.file_uploader(tr("scen.upload"), type=["toml"], key="scen_upload", help=tr("scen.upload_help"))
        if up is not None:
            try:
                got = load_scenario_text(up.getvalue().decode("utf-8", errors="replace"), up.name)
                js = got.model_dump_json(by_alias=True)
                if st.session_state.get(UPLOADED_KEY) != js:
                    st.session_state[UPLOADED_KEY] = js
                    st.rerun()
            except CostImpactError as err:
                render_error(err)
    current = data.values_in_force(eff.isoformat())
    zh = lang() == "zh"
    overrides: list[Override] = []
    tabs = st.tabs([tr(f"scen.group.{g.replace('/', '_')}") for g in GROUPS])
    for tab, group in zip(tabs, GROUPS, strict=True):
        with tab:
            rows = current[current["layer"] == group].reset_index(drop=True)
            if rows.empty:
                st.caption(tr("scen.group_empty"))
                continue
            shown = pd.DataFrame(
                {
                    "parameter": rows["parameter"],
                    tr("col.parameter"): rows["label_zh" if zh else "label"],
                    tr("col.key"): rows["key"],
                    tr("col.unit"): rows["unit"].map(lambda u: tr("unit.percent") if u.startswith("fraction") else u),
                    tr("col.grade"): rows["grade"],
                    tr("scen.col_current"): [_display(v, u) for v, u in zip(rows["value"], rows["unit"], strict=True)],
                    tr("scen.col_new"): [_display(v, u) for v, u in zip(rows["value"], rows["unit"], strict=True)],
                }
            )
            edited = st.data_editor(
                shown,
                hide_index=True,
                width="stretch",
                key=f"editor_{group}",
                disabled=[c for c in shown.columns if c != tr("scen.col_new")],
                column_config={
                    "parameter": None,
                    tr("scen.col_current"): st.column_config.NumberColumn(format="%.4g"),
                    tr("scen.col_new"): st.column_config.NumberColumn(format="%.4g", min_value=0.0, help=tr("scen.col_new_help")),
                },
            )
            for i in range(len(rows)):
                new = edited[tr("scen.col_new")].iloc[i]
                old = shown[tr("scen.col_current")].iloc[i]
                if pd.isna(new) or abs(float(new) - float(old)) < 1e-12:
                    continue
                r = rows.iloc[i]
                overrides.append(
                    Override.model_validate(
                        {
                            "param": r["parameter"],
                            "keys": [r["key"]],
                            "from": eff,
                            "value": _stored(float(new), r["unit"]),
                            "min": None if pd.isna(r["min"]) else float(r["min"]),
                            "max": None if pd.isna(r["max"]) else float(r["max"]),
                            "note": "edited in the app",
                        }
                    )
                )
    base = data.resolve_scenario(base_key)
    base = aset.scenarios[base] if isinstance(base, str) else base
    if not overrides and not base_key.startswith(CUSTOM_PREFIX):
        st.session_state.pop(CUSTOM_KEY, None)
        st.caption(tr("scen.no_edits"))
        st.download_button(tr("scen.download"), data=scenario_toml(base), file_name=f"{base.name}.toml", mime="application/toml", key="dl_scen", icon=":material/download:")
        return None
    custom = base.model_copy(
        update={
            "name": CUSTOM_NAME,
            "label": f"My scenario ({base.label.split(':')[0]} + {len(overrides)} edits)",
            "label_zh": f"我的情景（{base.label_zh.split('：')[0]} + {len(overrides)} 处修改）",
            "overrides": [*base.overrides, *overrides],
        }
    )
    try:
        custom = Scenario.model_validate(custom.model_dump(by_alias=True))
    except Exception as err:  # noqa: BLE001 - an invalid edit: say which, keep the page
        st.error(tr("scen.invalid", detail=str(err)[:300]), icon=":material/warning:")
        return None
    js = custom.model_dump_json(by_alias=True)
    st.session_state[CUSTOM_KEY] = js
    st.success(tr("scen.custom_ready", n=len(overrides)), icon=":material/edit:")
    c1, c2 = st.columns(2)
    c1.download_button(tr("scen.download"), data=scenario_toml(custom), file_name="my-scenario.toml", mime="application/toml", key="dl_scen", icon=":material/download:")
    if c2.button(tr("scen.use_custom"), key="use_custom"):
        st.session_state[SCENARIO_KEY] = CUSTOM_PREFIX + js
        st.rerun()
    return CUSTOM_PREFIX + js


def render_all_scenarios(b: data.Basket, base: str, day: str, custom: str | None) -> None:
    """Every scenario priced on the basket against the chosen baseline."""
    st.subheader(tr("scen.all_title"))
    keys = sorted(data.assumption_set().scenarios) + ([custom] if custom else [])
    rows = []
    with st.spinner(tr("scen.pricing")):
        for k in keys:
            try:
                tot = data.portfolio(b, k, base, day)["totals"]
            except CostImpactError as err:
                render_error(err)
                continue
            rows.append(
                {
                    tr("scen.col_scenario"): data.scenario_label(k, lang()),
                    tr("orders.before"): usd(tot["baseline_landed_cost_usd"], 0),
                    tr("orders.now"): usd(tot["landed_cost_usd"], 0),
                    tr("orders.delta"): usd(tot["delta_usd"], 0),
                    tr("orders.change"): pct(tot["delta_pct"]),
                    tr("orders.refund"): usd(tot["ieepa_refund_exposure_usd"], 0),
                    tr("scen.col_left_out"): tot["lines_left_out"],
                }
            )
    st.caption(tr("scen.all_caption", baseline=data.scenario_label(base, lang())))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def render_changed(b: data.Basket, scen: str, base: str, day: str) -> None:
    """The chosen scenario against the baseline, and which assumption values the scenario changed."""
    try:
        view = data.portfolio(b, scen, base, day)
    except CostImpactError as err:
        render_error(err)
        return
    tot = view["totals"]
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("orders.landed_before"), usd(tot["baseline_landed_cost_usd"], 0))
    c2.metric(tr("scen.landed_scenario"), usd(tot["landed_cost_usd"], 0), delta=usd(tot["delta_usd"], 0), delta_color="inverse")
    c3.metric(tr("orders.change"), pct(tot["delta_pct"]))
    if tot["lines_left_out"]:
        st.caption(tr("scen.left_out", n=tot["lines_left_out"]))
    st.subheader(tr("scen.changed_title"))
    scen_obj = data.resolve_scenario(scen)
    scen_obj = data.assumption_set().scenarios.get(scen_obj, None) if isinstance(scen_obj, str) else scen_obj
    if scen_obj is not None and scen_obj.disable_layers:
        st.markdown(tr("scen.disabled_layers", layers=", ".join(scen_obj.disable_layers)))
    if scen_obj is not None and scen_obj.date_mode != "line":
        st.markdown(tr(f"scen.date_mode.{scen_obj.date_mode}", date=str(scen_obj.fixed_date or day)))
    used = view["used"]
    changed = used[used["changed_by_scenario"].astype(bool)] if len(used) else used
    if changed.empty:
        st.caption(tr("scen.changed_none"))
    else:
        st.dataframe(used_table(changed), hide_index=True, width="stretch", column_config={tr("col.link"): None})
