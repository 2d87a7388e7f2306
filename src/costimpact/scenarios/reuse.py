"""Which lines a change can move, and which lines travel together: what lets the timeline and the outlook price
again only the lines whose law differs between two days (each with its shipment and buyer's day), never the
whole basket on every date."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, value_at
from costimpact.assumptions.models import ScenarioOptions
from costimpact.assumptions.tariff import tariff_lines
from costimpact.landed.engine import P_CARRIER_ADV, P_CARRIER_FEE, P_HMF, P_ISF, P_MAIL_FEE, P_MPF_INFORMAL, P_POSTAL_METHOD, _combine_codes
from costimpact.landed.engine import _text as text_or_empty  # the one "text, missing as empty" rule the engine reads ids with
from costimpact.memo import remember

#: Parameters the engine never reads (decision presets, the report's yardsticks, other domains): their changes
#: do not move a landed cost. Everything else under ``us/`` and ``fx/`` counts as possibly touching the basket.
_ENGINE_READS = ("us/", "fx/")
_ENGINE_SKIPS = ("us/fulfilment/", "us/benchmarks/")


def engine_reads(param_id: str) -> bool:
    """Whether the US engine may read parameter ``param_id`` (a change to any other never moves a landed cost)."""
    return param_id.startswith(_ENGINE_READS) and not param_id.startswith(_ENGINE_SKIPS)


ATTRS = ["origin", "mode", "currency", "s301", "s232", "hts", "claims"]
#: The columns of the engine's priced lines :func:`line_attrs` reads: input columns (each may be missing: its default
#: applies) and output columns.
ATTR_INPUTS = ["origin_country", "shipping_mode", "currency", "s301_exclusion"]
ATTR_OUTPUTS = ["s301_list_applied", "s232_group", "hts_matched"]
#: Parameters the US engine reads for lines of some shipping modes only (landed/us/fees.py, landed/us/postal.py):
#: a change to one of them moves only those lines. The dutiable mail fee and the postal election are read for
#: mail; carrier fees for express parcels (and mail, for the USPS clearance fee); HMF and ISF for ocean freight;
#: the informal-entry MPF for every mode but mail.
MODES_READING = {
    P_MAIL_FEE: {"postal"},
    P_POSTAL_METHOD: {"postal"},
    P_CARRIER_FEE: {"express", "postal"},
    P_CARRIER_ADV: {"express"},
    P_HMF: {"ocean_freight"},
    P_ISF: {"ocean_freight"},
    P_MPF_INFORMAL: {"express", "air_freight", "ocean_freight"},
}
NOT_PRICED = ("sku", "description", "notes", "unit_price", "unit_cost", "sheet")  # order columns no US rule reads


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
    day_code = pd.factorize(day.dt.normalize())[0]  # NaT: -1, one group of its own
    shipment = text("shipment_id").where(lambda s: s != "", text("order_id"))
    mode = text("shipping_mode")
    ship = _combine_codes(pd.factorize(shipment)[0], pd.factorize(mode)[0], day_code)
    consignee = text("consignee_id")
    has = (consignee != "").to_numpy()
    cday = _combine_codes(pd.factorize(consignee)[0], day_code)
    label = ship.copy()
    while True:
        by_c = pd.Series(label).groupby(cday).transform("min").to_numpy()
        nxt = np.where(has, np.minimum(label, by_c), label)
        nxt = pd.Series(nxt).groupby(ship).transform("min").to_numpy()
        if np.array_equal(nxt, label):
            return pd.factorize(label)[0].astype(np.int64)
        label = nxt


def shares(unit: np.ndarray, n: int) -> list[np.ndarray]:
    """Positions split into at most ``n`` shares of about equal size, never splitting a ``unit`` (a travel group,
    or lines that never share a shipment with others): the units dealt out biggest first, back and forth (share
    0, 1, ..., n-1, n-1, ..., 0, ...), so shares differ by at most the biggest unit. Each share's positions in
    order: what engine calls side by side may take apart."""
    if n <= 1:
        return [np.arange(len(unit))]
    codes, _uniq = pd.factorize(unit)
    sizes = np.bincount(codes)
    rank = np.empty(len(sizes), dtype=np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
    turn = rank % (2 * n)
    share = np.where(turn < n, turn, 2 * n - 1 - turn)[codes]
    return [rows for rows in (np.flatnonzero(share == i) for i in range(n)) if len(rows)]


def whole_groups(group: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """Every row of a group one of whose rows is hit (a mark per group: no sorting)."""
    mark = np.zeros(int(group.max(initial=-1)) + 1, dtype=bool)
    mark[group[hit]] = True
    return mark[group]


def attr_columns(lines: pd.DataFrame) -> list[str]:
    """The columns of the engine's output for ``lines`` that :func:`line_attrs` reads (``price_lines(columns=)``)."""
    return [c for c in ATTR_INPUTS if c in lines.columns] + ATTR_OUTPUTS


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
            # a product exclusion is read only for lines that claim one
            "claims": np.where(got["s301_exclusion"].fillna(False).astype(bool), "1", "") if "s301_exclusion" in got else "",
        },
        index=got.index,
    )


_SEEN: dict[tuple, tuple[object, object]] = {}  # (what, id(parameter), ...) -> (the parameter, result); the parameter is held


def _remember(param, what: tuple, compute):  # noqa: ANN001, ANN202
    """``compute()`` once per parameter object and question: the outlook asks the same of many scenarios' sets,
    which share every parameter no event overrides."""
    return remember(_SEEN, param, what, compute, 200_000)


def _boundaries(param) -> tuple[np.ndarray, list[tuple[str, pd.Timestamp, pd.Timestamp | None]]]:  # noqa: ANN001
    """The parameter's periods as (key, start, end) and the sorted days on which any of them starts or ends."""

    def compute() -> tuple[np.ndarray, list]:
        periods = [(v.key, pd.Timestamp(v.from_), None if v.until is None else pd.Timestamp(v.until)) for v in param.values]
        days = sorted({d for _, start, end in periods for d in (start, end) if d is not None})
        return np.array(days, dtype="datetime64[ns]"), periods

    return _remember(param, ("days",), compute)


def _moved_keys(param, before: pd.Timestamp, day: pd.Timestamp) -> frozenset:  # noqa: ANN001
    """The keys of ``param`` a period of which starts or ends after ``before``, up to ``day``, and whose figures
    differ between the two days (a period renewed unchanged moves nothing)."""

    def compute() -> frozenset:
        _days, periods = _boundaries(param)
        keys = {key for key, start, end in periods if before < start <= day or (end is not None and before < end <= day)}
        return frozenset(key for key in keys if _differs(param, key, before, day))

    return _remember(param, ("keys", before, day), compute)


def _in_force(param, key: str, day: dt.date) -> tuple | None:  # noqa: ANN001
    """The figures a line keyed ``key`` reads on ``day`` (the engine's lookup, :func:`value_at`)."""
    v = value_at(param, day, key)
    return None if v is None else (v.value, v.min, v.max, v.base, v.inclusive)


def _differs(param, key: str, before: pd.Timestamp, day: pd.Timestamp) -> bool:  # noqa: ANN001
    """Whether a line keyed ``key`` reads other figures of ``param`` on ``day`` than on ``before``."""
    return _remember(param, ("differs", key, before, day), lambda: _in_force(param, key, before.date()) != _in_force(param, key, day.date()))


class LinesMoved:
    """Which lines' law may differ on a day from an earlier day (a superset), for the lines last priced with the
    attributes ``attrs`` (columns ``ATTRS``: origin, mode, currency, Section 301 list(s), Section 232 group,
    HTS line matched) under the assumption set ``a`` (the scenario applied).

    A period of a parameter the engine reads that starts or ends between the two days (after the first, up to
    the second) moves the lines its key names (origin, mode, currency, Section 301 list, Section 232 group; a
    cell naming several keys counts for each), all of them for key ``*`` or a key of any other kind, within the
    layer's origins, unless what a line with that key reads (value, minimum, maximum, base, inclusive) is the
    same on both days (a period renewed unchanged); a fee read for some shipping modes only (``MODES_READING``)
    moves lines of those modes, a product exclusion (a layer's ``claimable_exclusion``) the lines claiming one;
    with the scenario's ``options``, a carrier fee moves only the lines of the modes that pay that carrier's fee;
    a postal regime period moves the postal lines of its
    origins; an HTS line's own start date (an exemption or a Section 232 listing from a later day) moves the
    lines matched to it.
    """

    _BY_KEY = {"origin": "origin", "mode": "mode", "currency": "currency", "s301_list": "s301", "s232": "s232"}

    def __init__(self, a: AssumptionSet, attrs: pd.DataFrame, options: ScenarioOptions | None = None) -> None:
        self.a = a
        self.options = options
        self.k = len(attrs)
        self.codes, self.uniq = {}, {}
        for name in attrs.columns:  # each attribute as codes into its few distinct values
            codes, uniq = pd.factorize(attrs[name].fillna("").astype(str).to_numpy(dtype=object))
            self.codes[name], self.uniq[name] = codes, [set(u.split("|")) for u in uniq]
        self.present = {name: set().union(*parts) for name, parts in self.uniq.items()}
        self.origin = attrs["origin"].fillna("").astype(str).to_numpy(dtype=object)
        self.postal = (attrs["mode"] == "postal").to_numpy()
        self._bind(a)
        self.root = self.params  # the parameters of the first set: what every scenario's differ from
        self.changed: set[str] = set()  # parameters this set has other than the first (a scenario's overrides)
        self._pairs: dict[tuple, list[str]] = {}  # (before, day) -> parameters of the first set that change between
        self._moved: dict[tuple, np.ndarray] = {}  # signature -> the lines moved
        table = tariff_lines(a)
        since = [c for c in table.columns if c.endswith("_from")]
        starts = table.set_index("hts")[since].stack().dropna() if since else pd.Series(dtype=object)
        self.hts_keys = np.array([hts for hts, _ in starts.index], dtype=object)
        self.hts_days = pd.to_datetime(starts.to_numpy()).to_numpy(dtype="datetime64[ns]")

    def _bind(self, a: AssumptionSet) -> None:
        self.a = a
        self.params = {p.id: p for p in a.params.values() if engine_reads(p.id)}
        self.exclusions = {p.claimable_exclusion for p in a.layers() if p.claimable_exclusion}  # read only where claimed
        self.periods = [(list(per.origins), per.from_, per.until) for reg in a.postal.values() for per in reg.periods]

    def under(self, a: AssumptionSet) -> LinesMoved:
        """The same lines under another scenario's assumption set (its tables the same, its parameters its own)."""
        other = copy.copy(self)  # the lines' attributes and the caches are shared
        other._bind(a)
        other.changed = {pid for pid, p in other.params.items() if self.root.get(pid) is not p}
        return other

    def keyed(self, param, keys: set[str]) -> np.ndarray | None:  # noqa: ANN001
        """The lines whose key of ``param`` is among ``keys`` (origin groups expanded), within the layer's origins;
        None where any line may read them (key ``*``, or a parameter keyed by something lines do not carry)."""
        if "*" in keys or param.key not in self._BY_KEY:
            return None
        wanted = set(keys) | (set(self.a.expand_origins(sorted(keys))) if param.key == "origin" else set())
        hit = self._having(self._BY_KEY[param.key], wanted)
        return hit & np.isin(self.origin, list(param.applies_to_origins)) if param.applies_to_origins is not None else hit

    def _carrier_modes(self, keys: set[str]) -> set[str]:
        """The shipping modes whose lines read a carrier fee of one of ``keys`` under the scenario's options: express
        parcels that of the carrier chosen (none: no carrier fee), mail the USPS fee where the scenario charges it."""
        modes = set()
        if self.options.carrier != "none" and keys & {"*", self.options.carrier}:
            modes.add("express")
        if self.options.usps_clearance_fee and keys & {"*", "usps"}:
            modes.add("postal")
        return modes

    def claiming(self) -> np.ndarray:
        """The lines that claim a product exclusion (the only ones that read one: ``self.exclusions``)."""
        return self._having("claims", {"1"})

    def _having(self, name: str, keys: set[str]) -> np.ndarray:
        hit = np.array([bool(keys & parts) for parts in self.uniq[name]] + [False])
        return hit[self.codes[name]]

    def _changing(self, before: pd.Timestamp, day: pd.Timestamp) -> list:
        """The parameters (this set's versions) of which a period starts or ends after ``before``, up to ``day``."""
        lo, hi = np.datetime64(before, "ns"), np.datetime64(day, "ns")

        def changes(param) -> bool:  # noqa: ANN001
            days, _periods = _boundaries(param)
            return bool(np.searchsorted(days, lo, side="right") != np.searchsorted(days, hi, side="right"))

        pair = (before, day)
        if pair not in self._pairs:
            self._pairs[pair] = [pid for pid, p in self.root.items() if changes(p)]
        return [self.params[pid] for pid in self._pairs[pair] if pid not in self.changed] + [self.params[pid] for pid in sorted(self.changed) if changes(self.params[pid])]

    def _keyed(self, before: pd.Timestamp, day: pd.Timestamp) -> list:
        """(parameter, the keys some line has whose figures differ between the two days) for each parameter that
        changes in between and moves something."""
        out = []
        for param in self._changing(before, day):
            keys = _moved_keys(param, before, day)
            if param.key in self._BY_KEY:  # keys no line has move nothing
                keys = frozenset(key for key in keys if key == "*" or key in self.present[self._BY_KEY[param.key]])
            if keys:
                out.append((param, keys))
        return out

    def signature(self, before: pd.Timestamp, day: pd.Timestamp) -> tuple:
        """What :meth:`__call__` depends on for these two days: equal signatures, equal lines moved (another
        scenario's set gives the same one unless a parameter it overrides moves other keys between the two days)."""
        return (before, day, *((param.id, keys) for param, keys in self._keyed(before, day)))

    def __call__(self, before: pd.Timestamp, day: pd.Timestamp) -> np.ndarray:
        keyed = self._keyed(before, day)
        sig = (before, day, *((param.id, keys) for param, keys in keyed))
        if sig not in self._moved:
            self._moved[sig] = self._lines_moved(keyed, before, day)
        return self._moved[sig]

    def _lines_moved(self, keyed: list, before: pd.Timestamp, day: pd.Timestamp) -> np.ndarray:
        def changes(*dates) -> bool:  # noqa: ANN002
            return any(d is not None and before < pd.Timestamp(d) <= day for d in dates)

        moved = np.zeros(self.k, dtype=bool)
        lo, hi = np.datetime64(before, "ns"), np.datetime64(day, "ns")
        for param, keys in keyed:  # what follows reads of a parameter only its id, key kind and origins: fixed per id
            scope = np.isin(self.origin, list(param.applies_to_origins)) if param.applies_to_origins is not None else np.ones(self.k, dtype=bool)
            if param.id in MODES_READING:
                scope = scope & self._having("mode", MODES_READING[param.id])
            if param.id in self.exclusions:
                scope = scope & self.claiming()
            if param.key == "carrier" and self.options is not None:  # the scenario's carrier for express, USPS for mail
                scope = scope & self._having("mode", self._carrier_modes(set(keys)))
            if "*" in keys or param.key not in self._BY_KEY:
                moved |= scope
            else:
                moved |= scope & self._having(self._BY_KEY[param.key], set(keys))
        for origins, start, end in self.periods:
            if changes(start, end):
                moved |= self.postal & (np.isin(self.origin, origins) | ("*" in origins))
        hit = set(self.hts_keys[(self.hts_days > lo) & (self.hts_days <= hi)])
        if hit:
            moved |= self._having("hts", hit)
        moved.flags.writeable = False  # kept and shared: callers combine it, never change it
        return moved
