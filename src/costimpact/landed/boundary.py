"""The engine's boundary: every line it is given is checked here, in one place, before a rule reads it.

Lines from an order file were checked by the import already (they pass unchanged, cheaply); a DataFrame handed
to :func:`costimpact.landed.engine.price_lines` directly goes through the same per-column checks as a file
(:func:`costimpact.orders.normalize.check_column`), so ``"no"`` in ``s301_exclusion`` is no, a negative weight
is refused and a missing value is named as missing. Every problem of every row is collected into one rejects
table (pandera's lazy validation shape); rejected rows are not priced.

Dates: ``ship_date`` is the date of entry and stays as given. A line with only a ``dispatch_date`` (the day the
goods left: 发货日期, dispatch/shipped date) is assumed to enter that date plus the transit days of its mode
(``us/entry/transit_days``, an editable assumption); the days added are shown in ``entry_date_assumed_days``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, attach

P_TRANSIT = "us/entry/transit_days"

# the input columns the pricing rules read, checked as the order file contract types them
CHECKED = ("unit_value", "quantity", "freight_cost", "ship_date", "dispatch_date", "metal_value_share", "mfn_rate",
           "s301_exclusion", "unit_weight_kg", "civil_aircraft", "auto_part")
ASSUMED_DAYS = "entry_date_assumed_days"


def check_lines(lines: pd.DataFrame, aset: AssumptionSet) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """(the lines that passed, with checked columns in their contract types; rejects; transit periods used).

    The transit frame (None when no entry date was assumed) is aligned to the lines that passed: ``period_id``
    and ``evidence`` where an entry date was assumed from a dispatch date, empty elsewhere.
    """
    from costimpact.orders.normalize import _rejects, check_column

    src = lines.reset_index(drop=True).copy(deep=False)
    rows = row_numbers(src)
    src["row_number"] = rows
    problems: list[pd.DataFrame] = []
    for name in CHECKED:
        if name not in src.columns:
            continue
        got = check_column(name, src[name], rows)
        if got.problems is not None:
            problems.append(got.problems)
        if not _numbers_already(src[name]):  # numbers stay as given (an int quantity stays int); others normalised
            src[name] = got.value
    transit = _assume_entry_dates(src, aset)
    rejects = _rejects(problems)
    if len(rejects):
        keep = ~np.isin(rows, rejects["row_number"].to_numpy())
        src = src.loc[keep].reset_index(drop=True)
        transit = None if transit is None else transit.loc[keep].reset_index(drop=True)
    return src, rejects, transit


def _numbers_already(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def row_numbers(src: pd.DataFrame) -> np.ndarray:
    """Each line's row number: as given; none given, the spreadsheet rows 2, 3, ...; where only some are missing
    (or not whole numbers), those lines are numbered on from the largest given, so no two lines share one."""
    n = len(src)
    if "row_number" not in src.columns:
        return np.arange(2, n + 2, dtype=np.int64)
    given = pd.to_numeric(src["row_number"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(given) & (np.floor(given) == given)
    if not ok.any():
        return np.arange(2, n + 2, dtype=np.int64)
    out = np.where(ok, given, 0).astype(np.int64)
    missing = ~ok
    if missing.any():
        start = int(out[ok].max()) + 1
        out[missing] = np.arange(start, start + int(missing.sum()), dtype=np.int64)
    return out


def _assume_entry_dates(src: pd.DataFrame, aset: AssumptionSet) -> pd.DataFrame | None:
    """Fill ``ship_date`` from ``dispatch_date`` + the mode's transit days where only the dispatch date is given."""
    n = len(src)
    if "dispatch_date" not in src.columns:
        return None
    dispatch = pd.Series(src["dispatch_date"].to_numpy(dtype="datetime64[ns]"))
    entry = pd.Series(src["ship_date"].to_numpy(dtype="datetime64[ns]")) if "ship_date" in src.columns \
        else pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    need = (entry.isna() & dispatch.notna()).to_numpy()
    src[ASSUMED_DAYS] = np.nan
    if not need.any() or P_TRANSIT not in aset.params:
        return None
    if "shipping_mode" in src.columns:
        mode = src["shipping_mode"].astype(object).where(src["shipping_mode"].notna(), "").astype(str).str.strip()
        mode = mode.mask(mode == "", "express")
    else:
        mode = pd.Series("express", index=src.index)
    got = attach(aset.param(P_TRANSIT), dispatch, mode)
    days = got["value"].to_numpy(dtype=float, na_value=np.nan)
    use = need & ~np.isnan(days)
    entry = entry.to_numpy(dtype="datetime64[ns]").copy()
    entry[use] = dispatch.to_numpy()[use] + pd.to_timedelta(days[use], unit="D").to_numpy()
    src["ship_date"] = entry
    src[ASSUMED_DAYS] = np.where(use, days, np.nan)
    return pd.DataFrame({"period_id": np.where(use, got["period_id"].to_numpy(dtype=object), ""),
                         "evidence": np.where(use, got["evidence"].to_numpy(dtype=object), "")}, dtype=object)
