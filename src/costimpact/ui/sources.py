"""Which assumption parameters stand behind each shown number (so every number links to its sources)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from costimpact.ui.state import tr
from costimpact.ui.widgets import grade_badge, used_table

#: Output column -> prefixes of the parameter ids whose periods made that number.
COLUMN_PARAMS: dict[str, tuple[str, ...]] = {
    "customs_value_usd": ("fx/",),
    "duty_postal_usd": ("us/entry/postal",),
    "fee_mpf_usd": ("us/fees/mpf_",),
    "fee_hmf_usd": ("us/fees/hmf",),
    "fee_other_usd": ("us/fees/broker", "us/fees/isf", "us/fees/bond", "us/fees/carrier", "us/fees/dutiable_mail"),
    "fees_total_usd": ("us/fees/",),
    "entry_type": ("us/entry/de_minimis", "us/entry/informal_limit", "us/entry/postal"),
    "duty_total_usd": ("us/layers/", "us/entry/postal"),
}


def params_for(column: str) -> tuple[str, ...]:
    if column in COLUMN_PARAMS:
        return COLUMN_PARAMS[column]
    if column.startswith("duty_") and column.endswith("_usd"):
        return ("us/layers/" + column[len("duty_") : -len("_usd")],)
    return ()


def used_for(used: pd.DataFrame, column: str) -> pd.DataFrame:
    prefixes = params_for(column)
    if used is None or used.empty or not prefixes:
        return used.iloc[0:0] if used is not None else pd.DataFrame()
    mask = used["parameter"].astype(str).str.startswith(prefixes)
    if column.startswith("duty_") and column not in COLUMN_PARAMS:
        mask &= used["parameter"].astype(str).isin(prefixes)  # exact layer, not s301 matching s301_brazil
    return used[mask]


def render_number_sources(used: pd.DataFrame, column: str, key: str, extra: str = "", extra_grade: str = "") -> None:
    """A popover (one click) with the periods behind one number, their sources and grades (``extra`` and
    ``extra_grade``: a source outside the assumption periods, such as the HTS table row behind MFN)."""
    rows = used_for(used, column)
    grades = sorted(set(rows["evidence"].astype(str)) | ({extra_grade} if extra_grade else set())) if len(rows) or extra_grade else []
    label = " ".join(grade_badge(g) for g in grades) if grades else ":material/info:"
    with st.popover(label or "i", help=tr("sources.popover_help")):
        if extra:
            st.markdown(extra)
        if rows.empty:
            st.caption(tr("sources.none_for_number"))
            return
        table = used_table(rows)
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={tr("col.link"): st.column_config.LinkColumn(tr("col.link"), display_text=tr("sources.open"))},
        )
