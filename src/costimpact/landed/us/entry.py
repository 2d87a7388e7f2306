"""US steps: shipments, the de minimis test on the buyer's day, and the entry type (de minimis, postal, informal,
formal)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.landed.result import ENTRY_TYPES
from costimpact.landed.work import _combine_codes, _Work

P_DE_MINIMIS = "us/entry/de_minimis"
P_INFORMAL_LIMIT = "us/entry/informal_limit"


def apply_shipments(w: _Work) -> None:
    """Lines with the same ``shipment_id`` (default: the order), mode and travel day form one shipment (one parcel
    or one entry); lines that share an id but not a day or a mode cannot travel together. Adds ``ship`` (an
    integer id), ``ship_value`` and ``day_group`` (the buyer's day where ``consignee_id`` is given, else the
    shipment) for the de minimis test."""
    P = w.P
    day = pd.factorize(P["travel_date"])[0].astype(np.int64)
    if "apart" in P:  # lines of different variants (or told apart by the caller) never travel together
        day = _combine_codes(day, P["apart"].to_numpy())
    ship = _combine_codes(pd.factorize(P["shipment"])[0], pd.factorize(P["mode"])[0], day)
    P["ship"] = ship
    P["ship_value"] = P.groupby("ship")["value"].transform("sum").to_numpy()
    by_consignee = _combine_codes(pd.factorize(P["consignee"])[0], day)
    P["day_group"] = np.where((P["consignee"] != "").to_numpy(), by_consignee, ship + by_consignee.max(initial=0) + 1)


def apply_de_minimis(w: _Work) -> None:
    """De minimis (19 U.S.C. 1321(a)(2)(C)): duty- and fee-free entry where the goods one person receives in one
    day are worth no more than the threshold of the line's origin and date (``us/entry/de_minimis``: $800; 0
    for China/Hong Kong from 2025-05-02 and for every origin from 2025-08-29). Tested on the buyer's day where
    ``consignee_id`` is given, else on the shipment; a shipment qualifies only if all its lines do.
    Adds ``threshold`` and ``de_minimis``."""
    P = w.P
    dm = w.attach(P_DE_MINIMIS, P["origin"])
    threshold = dm["value"].fillna(0.0).to_numpy()
    tested = P.groupby("day_group")["value"].transform("sum").to_numpy()
    line_ok = (threshold > 0) & (tested <= threshold + 1e-9)
    P["threshold"] = threshold
    P["de_minimis"] = pd.Series(line_ok).groupby(P["ship"].to_numpy()).transform("min").to_numpy().astype(bool)
    w.note(dm["period_id"], evidence=dm["evidence"])


def apply_entry_type(w: _Work) -> None:
    """Entry type per shipment: ``de_minimis``; ``postal`` for mail at or under the informal limit ($2,500,
    19 CFR 143.21, 145.12); ``informal`` for other shipments at or under it; ``formal`` above it. Adds ``entry``."""
    P = w.P
    limit = w.attach(P_INFORMAL_LIMIT)
    w.note(limit["period_id"])
    under = P["ship_value"].to_numpy() <= limit["value"].to_numpy() + 1e-9
    postal = (P["mode"] == "postal").to_numpy()
    codes = np.select([P["de_minimis"].to_numpy(), postal & under, under], [0, 1, 2], 3)  # positions in ENTRY_TYPES
    P["entry"] = pd.Categorical.from_codes(codes, categories=list(ENTRY_TYPES))
