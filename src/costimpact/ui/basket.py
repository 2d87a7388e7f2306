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
    MAPPING_KEY,
    ORDERS_KEY,
    SCENARIO_KEY,
    UPLOADER_GEN_KEY,
    as_of,
    baseline_key as _baseline_key,
    labels,
    lang,
    lkey,
    mapping_json,
    orders_source,
    scenario_key as _scenario_key,
    set_mapping,
    set_orders,
    tr,
)
from costimpact.ui.widgets import render_error

NONE = ""


def current() -> data.Basket:
    """The basket: the uploaded file (with its content hash and column mapping), else the built-in sample."""
    from costimpact.ui.catalogue_widget import with_catalogue

    raw, name, digest = orders_source()
    if raw is None:
        return data.sample_basket()
    return data.Basket(name, digest, with_catalogue(mapping_json(digest)), raw)


def scenario_key() -> str:
    return _scenario_key()


def baseline_key() -> str:
    return _baseline_key()


def is_sample() -> bool:
    return orders_source()[0] is None


def _uploader_key() -> str:
    return f"uploader_{st.session_state.get(UPLOADER_GEN_KEY, 0)}"


def _take_upload() -> None:
    """The uploader changed (a callback, so the whole run that follows, captions included, sees the new file)."""
    up = st.session_state.get(_uploader_key())
    if up is None:
        st.session_state.pop(ORDERS_KEY, None)  # the seller removed the file: back to the sample
    else:
        set_orders(up.getvalue(), up.name)


def _back_to_sample() -> None:
    st.session_state.pop(ORDERS_KEY, None)
    st.session_state[UPLOADER_GEN_KEY] = st.session_state.get(UPLOADER_GEN_KEY, 0) + 1  # a fresh, empty uploader


def render_upload() -> None:
    """Upload a CSV/XLSX (kept for every page) or go back to the sample."""
    st.file_uploader(tr("orders.upload"), type=["csv", "xlsx"], key=_uploader_key(), on_change=_take_upload, help=tr("orders.upload_help"))
    st.caption(tr("orders.big_files"))
    if is_sample():
        st.caption(tr("orders.using_sample", file=data.SAMPLE_NAME))
    else:
        c1, c2 = st.columns([3, 1])
        c1.caption(tr("orders.using_file", file=orders_source()[1]))
        c2.button(tr("orders.back_to_sample"), key="back_to_sample", on_click=_back_to_sample)


def load_basket():  # noqa: ANN201 - ImportResult, or None when the page must stop (error or mapping step shown)
    """Import the basket; on a refused file show the friendly message (and the mapping step for missing columns)."""
    b = current()
    try:
        return data.imported(b)
    except CostImpactError as err:
        if getattr(err, "key", None) == "missing_columns":
            from costimpact.ui.catalogue_widget import recall

            found = str(getattr(err, "fields", {}).get("found", "")).split(", ")
            if not is_sample() and recall(b.digest, found):  # a mapping saved for these headers: no clicks
                st.rerun()
            render_mapping_step(b.digest, err)
        else:
            render_error(err)
        return None


def render_mapping_step(digest: str, err: CostImpactError) -> None:
    """The file's headers are unknown: let the seller say which header holds which column, then read again."""
    render_error(err)
    found = str(getattr(err, "fields", {}).get("found", ""))
    headers = [h for h in found.split(", ") if h and h != "(none)"]
    if not headers:
        return
    st.subheader(tr("mapping.title"))
    st.caption(tr("mapping.intro"))
    suggested = {v: k for k, v in data.suggest(headers).items()}
    for earlier in st.session_state.get(MAPPING_KEY, {}).values():  # a corrected file: offer the choices made before
        if set(earlier) <= set(headers):
            suggested.update({column: header for header, column in earlier.items()})
    choices = [NONE, *headers]
    chosen: dict[str, str] = {}
    with st.form("mapping_form"):
        cols = st.columns(2)
        for i, (name, required) in enumerate(data.canonical_columns()):
            default = suggested.get(name, NONE)
            label = f"{tr('col_name.' + name)} ({name})" + (" *" if required else "")
            pick = cols[i % 2].selectbox(label, choices, index=choices.index(default), key=lkey(f"map_{name}"), format_func=labels(lambda h: h or tr("mapping.none")))
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
        set_mapping(digest, chosen)
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
    fmt = labels(lambda k: data.scenario_label(k, lang()))
    scen, base = _scenario_key(), _baseline_key()
    scen = scen if scen in opts else "actual"
    base = base if base in opts else "pre-2025"
    c1, c2, c3 = st.columns([3, 3, 2]) if with_date else (*st.columns(2), None)
    c1.selectbox(tr("scenario.scenario"), opts, index=opts.index(scen), format_func=fmt, key=lkey(f"{prefix}_scen"), on_change=_store, args=(lkey(f"{prefix}_scen"), SCENARIO_KEY), help=tr("scenario.scenario_help"))
    c2.selectbox(tr("scenario.baseline"), opts, index=opts.index(base), format_func=fmt, key=lkey(f"{prefix}_base"), on_change=_store, args=(lkey(f"{prefix}_base"), BASELINE_KEY), help=tr("scenario.baseline_help"))
    if with_date and c3 is not None:
        c3.date_input(tr("scenario.as_of"), value=as_of(), min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31), key=f"{prefix}_asof", on_change=_store, args=(f"{prefix}_asof", AS_OF_KEY), help=tr("scenario.as_of_help"))
    return st.session_state[lkey(f"{prefix}_scen")], st.session_state[lkey(f"{prefix}_base")], as_of().isoformat()
