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


def allocate_cents(total_cents: np.ndarray, group: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Split each group's total (in cents, one value per line, equal within a group) over the group's lines
    in proportion to ``weight``, by the largest-remainder method, so the parts add up to the total exactly.

    Lines of a group with zero total weight share equally. Ties in remainder go to the earlier line.
    """
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame({"g": group, "w": np.asarray(weight, dtype=float), "t": np.asarray(total_cents, dtype=np.int64), "pos": np.arange(n)})
    gsum = frame.groupby("g", sort=False)["w"].transform("sum").to_numpy()
    gcount = frame.groupby("g", sort=False)["w"].transform("size").to_numpy()
    share = np.where(gsum > 0, frame["w"].to_numpy() / np.where(gsum > 0, gsum, 1.0), 1.0 / gcount)
    raw = frame["t"].to_numpy() * share
    base = np.floor(raw + 1e-9).astype(np.int64)
    frame["base"] = base
    frame["rem"] = raw - base
    leftover = frame["t"].to_numpy() - frame.groupby("g", sort=False)["base"].transform("sum").to_numpy()
    frame["left"] = leftover
    order = frame.sort_values(["g", "rem", "pos"], ascending=[True, False, True], kind="stable")
    rank = order.groupby("g", sort=False).cumcount().to_numpy()
    bump = np.zeros(n, dtype=np.int64)
    bump[order["pos"].to_numpy()] = (rank < order["left"].to_numpy()).astype(np.int64)
    return base + bump
