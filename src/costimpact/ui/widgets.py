"""Small render helpers shared by the pages: money and percent formats, friendly errors, sources lists."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from costimpact.assumptions.models import EVIDENCE_MARK
from costimpact.errors import CostImpactError
from costimpact.i18n import t
from costimpact.ui.state import lang, tr


def usd(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"${x:,.{digits}f}"


def pct(x: float | None, digits: int = 1, sign: bool = True) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x * 100:+.{digits}f}%" if sign else f"{x * 100:.{digits}f}%"


def evidence_text(grade: str) -> str:
    """``已确认 (C)`` / ``unverified (U)`` from the common catalogue."""
    return t(f"common.evidence.{grade}", lang()) if grade in EVIDENCE_MARK else grade


def error_message(err: Exception) -> str:
    """The user's line for an error: the localised message when the error has one, else ``str(err)``."""
    msg = getattr(err, "message", None)
    if callable(msg):
        try:
            return msg(lang())
        except Exception:  # noqa: BLE001 - a message that fails to format must not hide the error itself
            return str(err)
    return str(err)


def render_error(err: Exception) -> None:
    """One friendly line, never a traceback."""
    if isinstance(err, CostImpactError):
        st.error(tr("error.prefix") + " " + error_message(err), icon=":material/warning:")
    else:
        st.error(tr("error.unexpected", detail=f"{type(err).__name__}: {err}"), icon=":material/warning:")


def used_table(used: pd.DataFrame) -> pd.DataFrame:
    """The assumption periods behind the numbers, in the page language, ready for st.dataframe."""
    zh = lang() == "zh"
    if used is None or used.empty:
        return pd.DataFrame()
    out = pd.DataFrame(
        {
            tr("col.parameter"): (used["label_zh"] if zh else used["label"]).astype(str),
            tr("col.key"): used["key"].astype(str),
            tr("col.value"): [_fmt_value(v, u) for v, u in zip(used["value"], used["unit"], strict=True)],
            tr("col.from"): pd.to_datetime(used["from"]).dt.date.astype(str),
            tr("col.until"): pd.to_datetime(used["until"]).dt.date.astype(str).replace({"NaT": "", "None": ""}),
            tr("col.grade"): used["evidence"].map(lambda g: evidence_text(str(g))),
            tr("col.source"): used["source"].astype(str),
            tr("col.link"): used["url"].astype(str),
            tr("col.lines"): used["lines"],
        }
    )
    if "changed_by_scenario" in used:
        out.insert(0, tr("col.changed"), used["changed_by_scenario"].map(lambda b: "✓" if b else ""))
    return out


def _fmt_value(v: object, unit: str) -> str:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(x):
        return ""
    if unit.startswith("fraction"):
        return f"{x * 100:.4g}%"
    if unit.startswith("usd"):
        return f"${x:,.2f}"
    return f"{x:,.6g}"


def render_sources(used: pd.DataFrame, title_key: str = "sources.title", expanded: bool = False) -> None:
    """An expander listing every assumption period the numbers used: value, dates, source link and grade."""
    n_u = int((used["evidence"] == "unverified").sum()) if used is not None and len(used) else 0
    label = tr(title_key, n=len(used) if used is not None else 0)
    if n_u:
        label += " · " + tr("sources.unverified", n=n_u)
    with st.expander(label, expanded=expanded, icon=":material/menu_book:"):
        table = used_table(used)
        if table.empty:
            st.caption(tr("sources.none"))
            return
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={tr("col.link"): st.column_config.LinkColumn(tr("col.link"), display_text=tr("sources.open"))},
        )
        st.caption(tr("sources.grades_help"))


def grade_badge(grade: str) -> str:
    """A coloured Markdown badge for an evidence grade (U stands out)."""
    mark = EVIDENCE_MARK.get(grade, grade)
    color = {"C": "green", "C2": "blue", "U": "orange"}.get(mark, "gray")
    return f":{color}-badge[{mark}]"
