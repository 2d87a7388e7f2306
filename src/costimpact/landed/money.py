"""Money rules: half-up rounding to the cent and exact allocation of shipment amounts over lines."""

from __future__ import annotations

import numpy as np
import pandas as pd

# A product like 24.00 x 0.165 lands a hair under x.xx5 in binary floating point; this tolerance (a
# millionth of a cent) lets half-up rounding see the decimal value the user meant.
_EPS_CENTS = 1e-6


def to_cents(amount: pd.Series | np.ndarray) -> np.ndarray:
    """Dollars to whole cents, rounding half up (away from zero for the non-negative amounts we handle)."""
    a = np.asarray(amount, dtype=float)
    return np.floor(a * 100.0 + 0.5 + _EPS_CENTS).astype(np.int64)


def round_cents(amount: pd.Series | np.ndarray) -> np.ndarray:
    """Dollars rounded half up to the cent, as float dollars."""
    return to_cents(amount) / 100.0


def allocate_cents(total_cents: np.ndarray, group: np.ndarray, weight: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """Split each group's total (in cents, one value per line, equal within a group) over the group's lines
    in proportion to ``weight``, by the largest-remainder method, so the parts add up to the total exactly.

    Lines of a group with zero total weight share equally. Ties in remainder go to the line with the smaller
    ``tiebreak`` (default: position), so passing the input row number makes the result independent of row order.
    """
    n = len(group)
    out = np.zeros(n, dtype=np.int64)
    total = np.asarray(total_cents, dtype=np.int64)
    live = np.flatnonzero(total != 0)  # most shipments owe nothing for most charges
    if live.size == 0:
        return out
    g = pd.factorize(np.asarray(group)[live])[0]
    sizes = np.bincount(g)[g]
    single = sizes == 1  # a one-line shipment takes the whole amount
    out[live[single]] = total[live[single]]
    multi = live[~single]
    if multi.size:
        order = np.arange(n) if tiebreak is None else np.asarray(tiebreak)
        out[multi] = _largest_remainder(total[multi], g[~single], np.asarray(weight, dtype=float)[multi], order[multi])
    return out


def _largest_remainder(total: np.ndarray, group: np.ndarray, weight: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """``group``: dense codes 0..k-1. Each line's floor share, plus a cent for the largest remainders of its group
    (ties to the smaller ``tiebreak``, then the earlier position) until the group's total is reached."""
    n = len(group)
    gsum = np.bincount(group, weights=weight)[group]
    gcount = np.bincount(group)[group]
    share = np.where(gsum > 0, weight / np.where(gsum > 0, gsum, 1.0), 1.0 / gcount)
    raw = total * share
    base = np.floor(raw + 1e-9).astype(np.int64)
    rem = np.round(raw - base, 9)  # remainders equal in exact arithmetic tie, whatever the float noise of the sums
    left = total - np.bincount(group, weights=base)[group].round().astype(np.int64)
    order = np.lexsort((tiebreak, -rem, group))  # by group, largest remainder first, then tiebreak; stable
    g_sorted = group[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    bump = np.zeros(n, dtype=np.int64)
    bump[order] = (rank < left[order]).astype(np.int64)
    return base + bump
