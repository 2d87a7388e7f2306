"""CSV-injection protection for CSV outputs (OWASP "CSV Injection").

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula. :func:`protect_frame` prefixes such text cells with a single quote so they stay text. Only text
cells change: numbers (including negative ones) are left alone, so the figures still add up.
"""

from __future__ import annotations

import pandas as pd

#: The characters OWASP lists as formula triggers.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _is_text_column(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s.dtype) or s.dtype == object or isinstance(s.dtype, pd.CategoricalDtype)


def _may_be_risky(s: pd.Series) -> bool:
    """False when no cell can start with a trigger: checked on the categories, or in one vectorised pass over a
    string column (a million lines: milliseconds instead of a Python call per cell)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = pd.Series(s.cat.categories)
        if s.dtype == object:
            return True
    if s.dtype == object:
        return True
    return bool(s.str.startswith(FORMULA_TRIGGERS).fillna(False).any())


def protect_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` in which every text cell that starts with a formula trigger is prefixed with ``'``.

    Column names are protected the same way. Non-text values in object columns are left as they are.
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not _is_text_column(s) or not _may_be_risky(s):
            continue
        obj = s.astype(object)
        is_text = obj.map(lambda v: isinstance(v, str))
        risky = is_text & obj.where(is_text, "").astype(str).str.startswith(FORMULA_TRIGGERS)
        if risky.any():
            out[col] = obj.where(~risky, "'" + obj.where(risky, "").astype(str))
    out.columns = [("'" + c) if isinstance(c, str) and c.startswith(FORMULA_TRIGGERS) else c for c in out.columns]
    return out
