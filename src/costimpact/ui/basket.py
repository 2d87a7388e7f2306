"""The order basket every page works on (the uploaded file or the built-in sample), the column-mapping step,
and the scenario pickers shared by the pages."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from costimpact.errors import CostImpactError
from costimpact.ui import data
from costimpact.ui.state import (
    AS_OF_KEY,
    BASELINE_KEY,
    CUSTOM_KEY,
    CUSTOM_PREFIX,
    ORDERS_KEY,
    SCENARIO_KEY,
    as_of,
    baseline_key as _baseline_key,
    lang,
    lkey,
    mapping_json,
    orders_source,
    scenario_key as _scenario_key,
    set_mapping,
    tr,
)
from costimpact.ui.widgets import render_error

NONE = ""


def current() -> tuple[bytes, str, str]:
    """(bytes, file name, mapping JSON) of the basket: the uploaded file, else the built-in sample."""
    got, name = orders_source()
    if got is None:
        return data.sample_bytes(), data.SAMPLE_NAME, ""
    return got, name, mapping_json(name)


def scenario_key() -> str:
    return _scenario_key()


def baseline_key() -> str:
    return _baseline_key()


def is_sample() -> bool:
    return orders_source()[0] is None


def render_upload() -> None:
    """Upload a CSV/XLSX (kept for every page) or go back to the sample."""
    up = st.file_uploader(tr("orders.upload"), type=["csv", "xlsx"], key="uploader", help=tr("orders.upload_help"))
    st.caption(tr("orders.big_files"))
    if up is not None:
        got = (up.getvalue(), up.name)
        if st.session_state.get(ORDERS_KEY) is None or st.session_state[ORDERS_KEY][1] != up.name or st.session_state[ORDERS_KEY][0] != got[0]:
            st.session_state[ORDERS_KEY] = got
    if is_sample():
        st.caption(tr("orders.using_sample", file=data.SAMPLE_NAME))
    else:
        c1, c2 = st.columns([3, 1])
        c1.caption(tr("orders.using_file", file=orders_source()[1]))
        if c2.button(tr("orders.back_to_sample"), key="back_to_sample"):
            st.session_state.pop(ORDERS_KEY, None)
            st.rerun()


def load_basket():  # noqa: ANN201 - ImportResult, or None when the page must stop (error or mapping step shown)
    """Import the basket; on a refused file show the friendly message (and the mapping step for missing columns)."""
    raw, name, mapping = current()
    try:
        return data.import_orders(raw, name, mapping)
    except CostImpactError as err:
        if getattr(err, "key", None) == "missing_columns":
            render_mapping_step(name, err)
        else:
            render_error(err)
        return None


def render_mapping_step(file_name: str, err: CostImpactError) -> None:
    """The file's headers are unknown: let the seller say which header holds which column, then read again."""
    render_error(err)
    found = str(getattr(err, "fields", {}).get("found", ""))
    headers = [h for h in found.split(", ") if h and h != "(none)"]
    if not headers:
        return
    st.subheader(tr("mapping.title"))
    st.caption(tr("mapping.intro"))
    suggested = {v: k for k, v in data.suggest(headers).items()}
    choices = [NONE, *headers]
    chosen: dict[str, str] = {}
    with st.form("mapping_form"):
        cols = st.columns(2)
        for i, (name, required) in enumerate(data.canonical_columns()):
            default = suggested.get(name, NONE)
            label = f"{tr('col_name.' + name)} ({name})" + (" *" if required else "")
            pick = cols[i % 2].selectbox(label, choices, index=choices.index(default), key=lkey(f"map_{name}"), format_func=lambda h: h or tr("mapping.none"))
            if pick:
                chosen[pick] = name
        submitted = st.form_submit_button(tr("mapping.apply"), type="primary")
    if submitted:
        picked = list(chosen)
        dupes = {h for h in picked if picked.count(h) > 1}
        if len(chosen) < sum(1 for _, req in data.canonical_columns() if req):
            st.warning(tr("mapping.need_required"))
            return
        if dupes:
            st.warning(tr("mapping.duplicate", headers=", ".join(sorted(dupes))))
            return
        set_mapping(file_name, chosen)
        st.rerun()


def _options() -> list[str]:
    names = sorted(data.assumption_set().scenarios)
    custom = st.session_state.get(CUSTOM_KEY)
    return names + ([CUSTOM_PREFIX + custom] if custom else [])


def _store(widget: str, target: str) -> None:
    """Keep a picker's choice beyond its widget (pages and language switches drop widget state)."""
    value = st.session_state.get(widget)
    if value is None or (target != AS_OF_KEY and value not in _options()):
        return  # a stale label sent back after a language switch: keep the last good choice
    st.session_state[target] = value


def render_scenario_pickers(prefix: str, with_date: bool = True) -> tuple[str, str, str]:
    """Scenario and baseline (kept across pages) and the as-of date; returns (scenario, baseline, as_of)."""
    opts = _options()
    fmt = lambda k: data.scenario_label(k, lang())  # noqa: E731
    scen, base = _scenario_key(), _baseline_key()
    scen = scen if scen in opts else "actual"
    base = base if base in opts else "pre-2025"
    c1, c2, c3 = st.columns([3, 3, 2]) if with_date else (*st.columns(2), None)
    c1.selectbox(tr("scenario.scenario"), opts, index=opts.index(scen), format_func=fmt, key=lkey(f"{prefix}_scen"), on_change=_store, args=(lkey(f"{prefix}_scen"), SCENARIO_KEY), help=tr("scenario.scenario_help"))
    c2.selectbox(tr("scenario.baseline"), opts, index=opts.index(base), format_func=fmt, key=lkey(f"{prefix}_base"), on_change=_store, args=(lkey(f"{prefix}_base"), BASELINE_KEY), help=tr("scenario.baseline_help"))
    if with_date and c3 is not None:
        c3.date_input(tr("scenario.as_of"), value=as_of(), min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31), key=f"{prefix}_asof", on_change=_store, args=(f"{prefix}_asof", AS_OF_KEY), help=tr("scenario.as_of_help"))
    return st.session_state[lkey(f"{prefix}_scen")], st.session_state[lkey(f"{prefix}_base")], as_of().isoformat()
