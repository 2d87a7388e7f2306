"""Route order lines by ``destination_country``: US lines to the US engine unchanged, lines for the EU, the UK,
Mexico, Brazil and Canada to their destination modules over the shared pipeline; the results come back in input
order, every line with the ``_local`` columns (US lines in USD)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario
from costimpact.landed import engine
from costimpact.landed.engine import _col, _Rejects, _text
from costimpact.landed.br import BR
from costimpact.landed.ca import CA
from costimpact.landed.eu import EU
from costimpact.landed.mx import MX
from costimpact.landed.pipeline import Destination, price_destination
from costimpact.landed.uk import UK

DESTINATIONS: tuple[Destination, ...] = (EU, UK, MX, BR, CA)
POS = "__line_position"
MONEY = re.compile(r"^(duty|tax|fee|fees|ieepa)_.*_(usd|local)$")
BY_COUNTRY = {c: d for d in DESTINATIONS for c in d.countries}
LOCAL_FROM_USD = {
    "customs_value_local": "customs_value_usd",
    "freight_local": "freight_usd",
    "duty_total_local": "duty_total_usd",
    "tax_total_local": None,
    "fees_total_local": "fees_total_usd",
    "landed_cost_local": "landed_cost_usd",
}


def destination_of(lines: pd.DataFrame) -> pd.Series:
    """Each line's destination country (blank: US)."""
    return _text(_col(lines, "destination_country", "US")).str.upper().replace("", "US")


def price_any(lines: pd.DataFrame, aset: AssumptionSet, scenario: Scenario, as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Price lines for any supported destination. Returns (priced lines, rejects, used periods) in input order.

    US lines go through :func:`costimpact.landed.engine.price_lines` as they are and get the ``_local`` columns
    in USD; other destinations' lines get zeros in the US duty and fee columns. A destination no module covers
    is rejected with its row number.
    """
    src = lines.reset_index(drop=True)
    if "row_number" not in src:
        src = src.assign(row_number=np.arange(2, len(src) + 2))
    src[POS] = np.arange(len(src))  # carried through every engine as an input column, dropped at the end
    dest = destination_of(src)
    outs, rejects, used = [], [], []
    us = (dest == "US").to_numpy()
    if us.any():
        out, rej, u = engine.price_lines(src[us], aset, scenario, as_of)
        outs.append(_with_local_usd(out))
        rejects.append(rej)
        used.append(u)
    for d in DESTINATIONS:
        mine = dest.isin(d.countries).to_numpy()
        if mine.any():
            out, rej, u = price_destination(src[mine], aset, scenario, as_of, d)
            outs.append(out)
            rejects.append(rej)
            used.append(u)
    unknown = ~us & ~dest.isin(list(BY_COUNTRY)).to_numpy()
    r = _Rejects()
    r.add(unknown, src["row_number"].astype("int64"), "destination_country", dest, "markets.reject.destination")
    rejects.append(r.frame())
    return _in_input_order(outs, src), _concat_rejects(rejects), _concat_used(used, aset)


def _with_local_usd(out: pd.DataFrame) -> pd.DataFrame:
    out = out.copy()
    out["tax_total_usd"] = 0.0
    out["destination_currency"] = "USD"
    out["regime"] = "us"
    for local, usd in LOCAL_FROM_USD.items():
        out[local] = out[usd].to_numpy() if usd else 0.0
    return out


def _in_input_order(outs: list[pd.DataFrame], src: pd.DataFrame) -> pd.DataFrame:
    if not outs:
        return src.iloc[:0].drop(columns=[POS])
    frame = pd.concat(outs, ignore_index=True, sort=False)
    added = [c for c in frame.columns if c not in src.columns]
    for c in added:  # money columns another destination does not have are zero there, not missing
        if MONEY.match(c) and frame[c].dtype.kind == "f":
            frame[c] = frame[c].fillna(0.0)
    order = np.argsort(frame[POS].to_numpy(), kind="stable")
    return frame.iloc[order].drop(columns=[POS]).reset_index(drop=True)


def _concat_rejects(parts: list[pd.DataFrame]) -> pd.DataFrame:
    live = [p for p in parts if len(p)]
    if not live:
        return parts[-1]
    return pd.concat(live, ignore_index=True).sort_values("row_number", kind="stable").reset_index(drop=True)


def _concat_used(parts: list[pd.DataFrame], aset: AssumptionSet) -> pd.DataFrame:
    if not parts:
        return engine._used_periods(aset, [])
    frame = pd.concat(parts, ignore_index=True)
    keys = ["parameter", "key", "from", "value"]
    lines = frame.groupby(keys, dropna=False, sort=False)["lines"].transform("sum")
    return frame.assign(lines=lines).drop_duplicates(keys).sort_values(["parameter", "key", "from"], kind="stable").reset_index(drop=True)
