"""Which lines a change can move, and which lines travel together: what lets the timeline and the outlook price
again only the lines whose law differs between two days (each with its shipment and buyer's day), never the
whole basket on every date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, attach
from costimpact.assumptions.tariff import tariff_lines
from costimpact.landed.engine import _text as text_or_empty  # the one "text, missing as empty" rule the engine reads ids with

#: Parameters the engine never reads (decision presets, the report's yardsticks, other domains): their changes
#: do not move a landed cost. Everything else under ``us/`` and ``fx/`` counts as possibly touching the basket.
_ENGINE_READS = ("us/", "fx/")
_ENGINE_SKIPS = ("us/fulfilment/", "us/benchmarks/")


def engine_reads(param_id: str) -> bool:
    """Whether the US engine may read parameter ``param_id`` (a change to any other never moves a landed cost)."""
    return param_id.startswith(_ENGINE_READS) and not param_id.startswith(_ENGINE_SKIPS)


ATTRS = ["origin", "mode", "currency", "s301", "s232", "hts"]


def travel_groups(lines: pd.DataFrame) -> np.ndarray:
    """An id per set of lines that must be priced together: lines of one shipment (id, mode, day) and parcels of one
    buyer's day are joined, transitively (label propagation over the two groupings, vectorised)."""
    n = len(lines)
    if n == 0:
        return np.zeros(0, dtype=np.int64)

    def text(col: str) -> pd.Series:
        s = lines[col] if col in lines else pd.Series("", index=lines.index)
        return s.astype("string").fillna("").str.strip()

    day = pd.to_datetime(lines["ship_date"], errors="coerce") if "ship_date" in lines else pd.Series(pd.NaT, index=lines.index)
    day_code = pd.factorize(day.dt.strftime("%Y-%m-%d").fillna(""))[0]
    shipment = text("shipment_id").where(lambda s: s != "", text("order_id"))
    mode = text("shipping_mode")
    ship = pd.factorize(pd.Series(list(zip(shipment.array, mode.array, day_code))))[0].astype(np.int64)
    consignee = text("consignee_id")
    has = (consignee != "").to_numpy()
    cday = pd.factorize(pd.Series(list(zip(consignee.array, day_code))))[0].astype(np.int64)
    label = ship.copy()
    while True:
        by_c = pd.Series(label).groupby(cday).transform("min").to_numpy()
        nxt = np.where(has, np.minimum(label, by_c), label)
        nxt = pd.Series(nxt).groupby(ship).transform("min").to_numpy()
        if np.array_equal(nxt, label):
            return pd.factorize(label)[0].astype(np.int64)
        label = nxt


def line_attrs(got: pd.DataFrame) -> pd.DataFrame:
    """The attributes :class:`LinesMoved` reads (columns ``ATTRS``), from the engine's priced lines."""
    return pd.DataFrame(
        {
            "origin": text_or_empty(got["origin_country"]).str.upper() if "origin_country" in got else "",
            "mode": text_or_empty(got["shipping_mode"]).replace("", "express") if "shipping_mode" in got else "express",
            "currency": text_or_empty(got["currency"]).str.upper().replace("", "USD") if "currency" in got else "USD",
            "s301": text_or_empty(got["s301_list_applied"]),
            "s232": text_or_empty(got["s232_group"]),
            "hts": text_or_empty(got["hts_matched"]),
        },
        index=got.index,
    )


def _differs(param, key: str, before: pd.Timestamp, day: pd.Timestamp) -> bool:  # noqa: ANN001
    """Whether a line keyed ``key`` reads other figures of ``param`` on ``day`` than on ``before`` (the engine's
    own lookup, fallback to ``*`` included)."""
    got = attach(param, pd.Series([before, day]), None if key == "*" else pd.Series([key, key]))
    return any(not (a == b or (pd.isna(a) and pd.isna(b))) for a, b in (got[c].to_numpy(dtype=object) for c in ("value", "min", "max", "base", "inclusive")))


class LinesMoved:
    """Which lines' law may differ on a day from an earlier day (a superset), for the lines last priced with the
    attributes ``attrs`` (columns ``ATTRS``: origin, mode, currency, Section 301 list(s), Section 232 group,
    HTS line matched) under the assumption set ``a`` (the scenario applied).

    A period of a parameter the engine reads that starts or ends between the two days (after the first, up to
    the second) moves the lines its key names (origin, mode, currency, Section 301 list, Section 232 group; a
    cell naming several keys counts for each), all of them for key ``*`` or a key of any other kind, within the
    layer's origins, unless what a line with that key reads (value, minimum, maximum, base, inclusive) is the
    same on both days (a period renewed unchanged); a postal regime period moves the postal lines of its
    origins; an HTS line's own start date (an exemption or a Section 232 listing from a later day) moves the
    lines matched to it.
    """

    _BY_KEY = {"origin": "origin", "mode": "mode", "currency": "currency", "s301_list": "s301", "s232": "s232"}

    def __init__(self, a: AssumptionSet, attrs: pd.DataFrame) -> None:
        self.a = a
        self.k = len(attrs)
        self.codes, self.uniq = {}, {}
        for name in attrs.columns:  # each attribute as codes into its few distinct values
            codes, uniq = pd.factorize(attrs[name].fillna("").astype(str).to_numpy(dtype=object))
            self.codes[name], self.uniq[name] = codes, [set(u.split("|")) for u in uniq]
        self.present = {name: set().union(*parts) for name, parts in self.uniq.items()}
        self.origin = attrs["origin"].fillna("").astype(str).to_numpy(dtype=object)
        self.postal = (attrs["mode"] == "postal").to_numpy()
        self.params = [(p, [(v.key, v.from_, v.until) for v in p.values]) for p in a.params.values() if engine_reads(p.id)]
        self.periods = [(list(per.origins), per.from_, per.until) for reg in a.postal.values() for per in reg.periods]
        table = tariff_lines(a)
        since = [c for c in table.columns if c.endswith("_from")]
        self.hts_starts = table.set_index("hts")[since].stack().dropna() if since else pd.Series(dtype=object)

    def keyed(self, param, keys: set[str]) -> np.ndarray | None:  # noqa: ANN001
        """The lines whose key of ``param`` is among ``keys`` (origin groups expanded), within the layer's origins;
        None where any line may read them (key ``*``, or a parameter keyed by something lines do not carry)."""
        if "*" in keys or param.key not in self._BY_KEY:
            return None
        wanted = set(keys) | (set(self.a.expand_origins(sorted(keys))) if param.key == "origin" else set())
        hit = self._having(self._BY_KEY[param.key], wanted)
        return hit & np.isin(self.origin, list(param.applies_to_origins)) if param.applies_to_origins is not None else hit

    def _having(self, name: str, keys: set[str]) -> np.ndarray:
        hit = np.array([bool(keys & parts) for parts in self.uniq[name]] + [False])
        return hit[self.codes[name]]

    def __call__(self, before: pd.Timestamp, day: pd.Timestamp) -> np.ndarray:
        def changes(*dates) -> bool:  # noqa: ANN002
            return any(d is not None and before < pd.Timestamp(d) <= day for d in dates)

        moved = np.zeros(self.k, dtype=bool)
        for param, values in self.params:
            keys = {key for key, start, end in values if changes(start, end)}
            if param.key in self._BY_KEY:  # keys no line has move nothing
                keys = {key for key in keys if key == "*" or key in self.present[self._BY_KEY[param.key]]}
            keys = {key for key in keys if _differs(param, key, before, day)}
            if not keys:
                continue
            scope = np.isin(self.origin, list(param.applies_to_origins)) if param.applies_to_origins is not None else True
            if "*" in keys or param.key not in self._BY_KEY:
                moved |= scope
            else:
                moved |= scope & self._having(self._BY_KEY[param.key], keys)
        for origins, start, end in self.periods:
            if changes(start, end):
                moved |= self.postal & (np.isin(self.origin, origins) | ("*" in origins))
        hit = {hts for (hts, _), d in self.hts_starts.items() if before < pd.Timestamp(d) <= day}
        if hit:
            moved |= self._having("hts", hit)
        return moved
