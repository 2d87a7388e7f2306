"""What may come next: the basket's landed cost under pending policy events, as a probability distribution.

The events live in ``assumptions/outlook/events/`` (each with its date or window, its probability and what it
changes). For a horizon, the basket is priced as if it were shipped on each month's first day (lines keep their own
shipments and buyer-days; only the law's date moves), under every combination of event outcomes *that matters*:

1. An event can only change the lines it touches. Each event is priced alone, on the lines it may touch, to find the
   groups of lines that travel together (shipments and buyers' days) whose cost it moves.
2. Where a group is moved by two events, the pair is priced together once (over all such groups): if the two
   changes add up, they stay apart; if not (one event switches off the layer the other raises), they form one
   component, tabled over all its combinations. A check prices every event at once; where it disagrees with the
   components, the group's events become one component. Each step's pricings go out together (one engine call per
   worker process); the components' tables go out with the check, so only groups the check joins wait for more.
3. A distribution is then arithmetic on these tables: exact enumeration over the combinations when there are few
   events, seeded Monte Carlo draws otherwise. No draw prices anything.

Events are taken as independent; an event with a window happens at a uniform date inside it. An event that the law
already schedules (``in_law``) is certain unless its probability is lowered, and then ``if_not`` says what happens
instead. Events for destinations this version does not price (EU, UK) are listed, not priced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario, with_scenario
from costimpact.assumptions.models import EVIDENCE_MARK, Override, PendingEvent
from costimpact.errors import ArgumentError
from costimpact.landed import pool
from costimpact.landed.engine import price_lines, resolve_scenario
from costimpact.landed.us.layers import layer_infos
from costimpact.scenarios.reuse import ATTRS, NOT_PRICED, LinesMoved, attr_columns, line_attrs, shares, travel_groups, whole_groups

QUANTILES = (0.10, 0.50, 0.90)
EXACT_LIMIT = 12  # at most 4,096 combinations are enumerated exactly
DEFAULT_RUNS = 10_000
CENT = 0.005
#: A basket of at least this many lines is priced in worker processes (:mod:`costimpact.landed.pool`), each call
#: shared out between them; so is its IEEPA history.
PARALLEL_ROWS = 10_000
PRICED_DESTINATION = "US"


@dataclasses.dataclass(frozen=True)
class Flip:
    """An event as the outlook uses it: the change away from the parameter files and the chance of it by a date."""

    event: PendingEvent
    probability: float  # chance the event happens at all (as given, or as the user set it)
    overrides: tuple[Override, ...]
    disable_layers: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.event.name

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.event.date)

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.event.window_end or self.event.date)

    @property
    def p_flip(self) -> float:
        """The chance that pricing departs from the parameter files: the event happens, or (in law) it does not."""
        return 1.0 - self.probability if self.event.in_law else self.probability

    @property
    def changes_prices(self) -> bool:
        return bool(self.overrides or self.disable_layers)

    def elapsed(self, day: pd.Timestamp) -> float:
        """Share of the window gone by ``day``: the chance that the event, if it comes, has come by then."""
        if day < self.start:
            return 0.0
        if self.event.in_law or day >= self.end:
            return 1.0
        return float((day - self.start).days + 1) / float((self.end - self.start).days + 1)

    def q(self, day: pd.Timestamp) -> float:
        """The chance that pricing on ``day`` departs from the parameter files because of this event."""
        return self.p_flip * self.elapsed(day)


def flips(aset: AssumptionSet, probabilities: dict[str, float] | None = None) -> list[Flip]:
    """Every pending event of the set, with the user's probabilities where given (names checked)."""
    probabilities = dict(probabilities or {})
    unknown = sorted(set(probabilities) - set(aset.events))
    if unknown:
        raise ArgumentError(f"unknown event(s) {', '.join(unknown)}; the events are {', '.join(sorted(aset.events))}")
    out = []
    for name in sorted(aset.events, key=lambda n: (aset.events[n].date, n)):
        e = aset.events[name]
        p = float(probabilities.get(name, e.probability))
        if not 0.0 <= p <= 1.0:
            raise ArgumentError(f"probability of {name} is {p}; give a number from 0 to 1")
        if e.in_law:
            out.append(Flip(e, p, tuple(e.if_not), ()))
        else:
            out.append(Flip(e, p, tuple(e.overrides), tuple(e.disable_layers)))
    return out


def scenario_with(base: Scenario, on: list[Flip]) -> Scenario:
    """``base`` priced on the as-of date, with the changes of the events in ``on``."""
    overrides = list(base.overrides) + [o for f in on for o in f.overrides]
    disable = list(dict.fromkeys(list(base.disable_layers) + [x for f in on for x in f.disable_layers]))
    name = base.name if not on else f"{base.name}+" + "+".join(f.name for f in on)
    return base.model_copy(update={"date_mode": "as_of", "fixed_date": None, "overrides": overrides, "disable_layers": disable, "name": name[:120]})


def _combos(k: int) -> np.ndarray:
    """Every 0/1 combination of ``k`` events, one per row; row ``c`` has bit ``j`` of ``c`` in column ``j``."""
    return (np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1


class _Tiled:
    """The basket once per pricing date (a *copy*), priced in engine calls that each take many sets of flipped events.

    A tiled row is (copy, line); copies are never materialised: each call takes the lines it needs and keeps the
    copies apart (``price_lines(apart=)``), so no shipment or buyer's day spans two copies. Each line keeps its own
    ship date for travel and takes its copy's date for the law (``price_lines(price_dates=)``).
    """

    def __init__(self, lines: pd.DataFrame, days: list[pd.Timestamp], aset: AssumptionSet, base: Scenario):
        n, r = len(lines), len(days)
        self.n, self.days, self.aset, self.base = n, days, aset, base
        self.rows = n * r
        self.copy = np.repeat(np.arange(r), n)
        self.line = np.tile(np.arange(n), r)
        # the columns the US engine reads: descriptions, SKUs and prices travel with the lines for nothing here
        self.lines = lines.drop(columns=[c for c in NOT_PRICED if c in lines]).reset_index(drop=True)
        self.shared = pool.Shared(self.lines)  # sent to each worker once: a call names the lines it prices
        self.tgroup = self.copy  # travel groups per tiled row (setup_reuse); copies never share one
        # a big basket is priced in the worker processes, every call of it (their caches are warm; this process's not)
        self.parallel = pool.workers() > 1 and n >= PARALLEL_ROWS
        self.price_date = np.array(days, dtype="datetime64[ns]")[self.copy] if r else np.zeros(0, dtype="datetime64[ns]")
        self.pricings = 0
        self.calls = 0

    def landed(self, rows: np.ndarray, on: list[Flip]) -> np.ndarray:
        """Landed cost of the tiled rows ``rows`` (whole travel groups) with the events ``on`` flipped."""
        return self.landed_many([(rows, on)])[0]

    def landed_many(self, requests: list[tuple[np.ndarray, list[Flip]]]) -> list[np.ndarray]:
        """:meth:`landed` for many (rows, events) at once: each request a scenario variant, in one engine call, or
        in one call per worker process where there are several cores and enough lines (:mod:`costimpact.landed.pool`;
        each request's travel groups are shared out whole: requests and copies never share a shipment)."""
        costs = [np.full(len(rows), np.nan) for rows, _on in requests]
        todo = [k for k, (rows, _on) in enumerate(requests) if len(rows)]
        if not todo:
            return costs
        rows = np.concatenate([requests[k][0] for k in todo])
        variant = np.repeat(np.arange(len(todo)), [len(requests[k][0]) for k in todo])
        scenarios = [scenario_with(self.base, requests[k][1]) for k in todo]
        n_workers = pool.workers() if self.parallel else 1
        parts = shares(variant * (int(self.tgroup.max(initial=0)) + 1) + self.tgroup[rows], n_workers)  # whole travel groups of a request
        calls = []
        for pos in parts:
            used, local = np.unique(variant[pos], return_inverse=True)
            distinct, take = np.unique(rows[pos], return_inverse=True)  # each (copy, line) read once, priced per request
            calls.append((self.shared, self.line[distinct], scenario_with(self.base, []), self.days[0].date(), self.price_date[distinct], [scenarios[i] for i in used], local,
                          self.copy[rows[pos]], take))
        flat = np.full(len(rows), np.nan)
        for pos, (at, landed) in zip(parts, pool.run(_landed_call, calls, self.aset, parallel=self.parallel)):
            flat[pos[at]] = landed
        self.pricings += len(rows)
        self.calls += 1
        starts = np.concatenate([[0], np.cumsum([len(requests[k][0]) for k in todo])])
        for i, k in enumerate(todo):
            costs[k] = flat[starts[i]:starts[i + 1]]
        return costs

    def first_copy(self, tgroup: np.ndarray) -> pd.DataFrame:
        """The basket priced on the first copy's date with nothing flipped: per line priced, its position ``_i``, its
        landed cost, its duty columns and the attributes :class:`LinesMoved` reads. Its travel groups (``tgroup``,
        per tiled row) are shared out whole between the worker processes where there are several."""
        n_workers = pool.workers() if self.parallel else 1
        columns = ["_i", "landed_cost_usd", "duty_total_usd", *(info.column for info in layer_infos(self.aset) if info.column), *attr_columns(self.lines)]
        calls = [(self.shared, rows, scenario_with(self.base, []), self.days[0].date(), self.price_date[rows], columns) for rows in shares(tgroup[: self.n], n_workers)]
        out = pd.concat(list(pool.run(_first_call, calls, self.aset, parallel=self.parallel)), ignore_index=True)
        self.pricings += self.n
        self.calls += 1
        return out.sort_values("_i", kind="stable").reset_index(drop=True)

    def setup_reuse(self, first: pd.DataFrame, tgroup: np.ndarray) -> None:
        """What :meth:`representatives` needs: the attributes of each line that parameters are keyed by (from the
        first copy's pricing; a line the engine refused has none, so any change touches it) and its travel group."""
        self.line_group = tgroup[: self.n]
        self.tgroup = tgroup
        at = first["_i"].to_numpy()
        attrs = {name: np.full(self.n, "", dtype=object) for name in ATTRS}
        for name, col in line_attrs(first).items():
            attrs[name][at] = col.to_numpy(dtype=object)
        self.attrs = attrs = pd.DataFrame(attrs)
        self.unknown = np.ones(self.n, dtype=bool)
        self.unknown[at] = False
        self.keys = LinesMoved(self.aset, attrs, options=self.base.options)
        self._under: dict[tuple, LinesMoved] = {}  # events' names -> the lines' LinesMoved in their scenario
        self._grouped: dict[tuple, np.ndarray] = {}  # LinesMoved.signature -> the lines moved, with their travel groups
        self._recent: dict[tuple, np.ndarray] = {}  # events' names -> _touched, the latest 32

    def _touched(self, on: list[Flip]) -> np.ndarray:
        """(copies x lines): whether a parameter a line (or its travel group) reads changed between the copy before
        and this one, in the scenario of the events ``on`` (:class:`costimpact.scenarios.reuse.LinesMoved`; copy 0:
        no). Each copy's lines are worked out once per distinct set of parameters changing there, whatever the events."""
        names = tuple(f.name for f in on)
        if names in self._recent:  # the same events are asked about several times in a row
            return self._recent[names]
        moved_by = self._under.get(names)
        if moved_by is None:
            moved_by = self._under[names] = self.keys.under(with_scenario(self.aset, scenario_with(self.base, on)))
        touched = np.zeros((len(self.days), self.n), dtype=bool)
        for c in range(1, len(self.days)):
            sig = moved_by.signature(self.days[c - 1], self.days[c])
            if sig not in self._grouped:
                self._grouped[sig] = whole_groups(self.line_group, moved_by(self.days[c - 1], self.days[c]) | self.unknown)
            touched[c] = self._grouped[sig]
        if len(self._recent) >= 32:
            self._recent.pop(next(iter(self._recent)))
        self._recent[names] = touched
        return touched

    def representatives(self, on: list[Flip], rows: np.ndarray) -> np.ndarray:
        """Per tiled row of ``rows``: the tiled row of the earliest copy whose pricing of the line under the events
        ``on`` is the same as this copy's, because no parameter the line (or its travel group) reads changed in
        between (:meth:`_touched`). Copies are priced only where they differ; the rest reuse the earlier copy's costs."""
        touched = self._touched(on)
        copy, line = self.copy[rows], self.line[rows]
        upto = touched[:, line] & (np.arange(len(self.days))[:, None] <= copy[None, :])  # changes up to each row's copy
        last = len(self.days) - 1 - np.argmax(upto[::-1], axis=0)  # the latest copy where the line changed
        return np.where(upto.any(axis=0), last, 0) * self.n + line


def _first_call(aset: AssumptionSet, lines: pd.DataFrame, picked: np.ndarray, base: Scenario, as_of: dt.date, price_dates: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """One engine call of :meth:`_Tiled.first_copy`, here or in a worker: the lines ``picked`` of the basket with their
    positions as ``_i``, priced, the ``columns`` kept."""
    out, _rejects, _used = price_lines(lines.iloc[picked].assign(_i=picked).reset_index(drop=True), aset, base, as_of, price_dates=price_dates, columns=columns)
    return out


def _landed_call(aset: AssumptionSet, lines: pd.DataFrame, picked: np.ndarray, base: Scenario, as_of: dt.date, price_dates: np.ndarray, scenarios: list[Scenario],
                 variant: np.ndarray, apart: np.ndarray, take: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One engine call of :meth:`_Tiled.landed_many`, here or in a worker, on the lines ``picked`` of the basket:
    (positions in ``take`` priced, their landed cost)."""
    frame = lines.iloc[picked].reset_index(drop=True)
    out, _rejects, _used = price_lines(frame, aset, base, as_of, price_dates=price_dates, variants=scenarios, variant=variant, apart=apart, take=take,
                                       columns=["landed_cost_usd"])
    return out["take_position"].to_numpy(), out["landed_cost_usd"].to_numpy(dtype=float)


def _union(parts: list[np.ndarray], n: int) -> np.ndarray:
    """The sorted distinct rows of several row arrays (out of ``n``)."""
    mark = np.zeros(n, dtype=bool)
    for p in parts:
        mark[p] = True
    return np.flatnonzero(mark)


def _paid_layers(tiled: _Tiled, first: pd.DataFrame, base_cost: np.ndarray, ok: np.ndarray) -> dict[str, np.ndarray]:
    """Per duty column, the tiled rows that may pay it with nothing flipped (a superset): the lines that paid it on
    the first copy's date, and on later copies any line the parameter files moved since."""
    moved = tiled.representatives([], np.arange(tiled.rows)) != tiled.line  # priced again since the first copy
    paid: dict[str, np.ndarray] = {}
    for column in [c for c in first.columns if c.startswith("duty_") and c.endswith("_usd")]:
        on_first = np.zeros(tiled.n, dtype=bool)
        on_first[first["_i"].to_numpy()] = first[column].to_numpy(dtype=float) > 0
        paid[column] = (on_first[tiled.line] | moved) & ok
    return paid


def _candidates(f: Flip, tiled: _Tiled, paid: dict[str, np.ndarray]) -> np.ndarray:
    """Tiled rows an event may move (a superset): lines whose key (origin, Section 301 list, Section 232 group,
    currency) its overrides name, lines claiming the product exclusion it extends, or lines that paid a layer it
    switches off. An override of a parameter keyed otherwise may move any line."""
    aset = tiled.aset
    n = tiled.rows
    may = np.zeros(n, dtype=bool)
    for o in f.overrides:
        param = aset.params[o.param]
        if o.param in tiled.keys.exclusions:  # read only for lines that claim an exclusion
            may |= (tiled.keys.claiming() | tiled.unknown)[tiled.line]
            continue
        hit = tiled.keys.keyed(param, set(o.keys))
        if hit is None:
            return np.ones(n, dtype=bool)
        may |= (hit | tiled.unknown)[tiled.line]
    for layer in f.disable_layers:
        column = next((p.column for p in aset.layers() if p.id.rsplit("/", 1)[-1] == layer), None)
        if column is None or column not in paid:
            return np.ones(n, dtype=bool)
        may |= paid[column]
    return may


class _Costs:
    """The tiled rows priced so far under one combination of events, with their costs (NaN: the engine refused the
    line). The basket alone and each event alone cover much of the million or so tiled rows: those are kept in full
    arrays. There are a hundred or more combinations of events, each over a few thousand to tens of thousands of
    rows. A full array each (10 MB for 100k lines over 13 months) took longer to allocate than its rows took to fill,
    and held the main process at 1.09 GB. So a combination keeps its rows sorted, with the costs beside them."""

    def __init__(self, n_rows: int, full: bool) -> None:
        self.full = full
        if full:
            self.values, self.known = np.full(n_rows, np.nan), np.zeros(n_rows, dtype=bool)
        else:
            self.rows, self.values = np.zeros(0, dtype=np.int64), np.zeros(0)

    def _find(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not len(self.rows):
            return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=bool)
        at = np.searchsorted(self.rows, rows)
        found = at < len(self.rows)
        found[found] = self.rows[at[found]] == rows[found]
        return at, found

    def has(self, rows: np.ndarray) -> np.ndarray:
        """Whether each of ``rows`` is priced."""
        return self.known[rows] if self.full else self._find(rows)[1]

    def at(self, rows: np.ndarray) -> np.ndarray:
        """The cost of each of ``rows``, all priced."""
        if self.full:
            found, values = self.known[rows], self.values[rows]
        else:
            at, found = self._find(rows)
            values = self.values[at]
        if not found.all():
            raise AssertionError("outlook: a cost was read before it was priced")
        return values

    def add(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Keep the costs of ``rows``, none priced before."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.full:
            self.values[rows], self.known[rows] = values, True
        elif len(rows):
            rows = np.concatenate([self.rows, rows])
            order = np.argsort(rows, kind="stable")
            self.rows, self.values = rows[order], np.concatenate([self.values, values])[order]

    def dense(self, out: np.ndarray) -> np.ndarray:
        """``out`` (one value per tiled row) with the priced costs written in, NaNs left out."""
        ok = ~np.isnan(self.values)
        if self.full:
            ok &= self.known
            out[ok] = self.values[ok]
        else:
            out[self.rows[ok]] = self.values[ok]
        return out


@dataclasses.dataclass
class _Tables:
    """Cost tables over the tiled basket: for each copy and each set of events that move a travel group, the
    output totals under every combination of those events."""

    base_cost: np.ndarray  # per tiled row, nothing flipped (NaN: rejected)
    tables: dict[int, list[tuple[np.ndarray, np.ndarray]]]  # copy -> [(event indices, (2**k, outputs) totals)]
    alone: dict[tuple[int, int], float]  # (copy, flip) -> change of the basket total when it alone flips
    moved: dict[tuple[int, int], int]  # (copy, flip) -> lines it moves
    may_move: object  # (event) -> the tiled rows it may move, whole travel groups (a superset)


def _solve(tiled: _Tiled, first: pd.DataFrame, fl: list[Flip], active: np.ndarray, tgroup: np.ndarray, codes: np.ndarray, n_out: int) -> _Tables:
    """The cost tables (module docstring, steps 1-3). ``active[copy, j]``: flip ``j`` may happen by that copy's
    date; ``tgroup`` travel groups and ``codes`` output codes (one row per grouping), both per tiled row.

    A travel group's cost is its base cost plus one change per *component*: a set of events whose effects on the
    group do not add up (found pair by pair); events that add up stay components of one. Each component's change is
    tabled over its combinations; every pricing is batched over all the groups that need it. ``first``: the first
    copy priced (:meth:`_Tiled.first_copy`)."""
    n_rows = tiled.rows
    everyone = np.arange(n_rows)
    tiled.setup_reuse(first, tgroup)
    copy = tiled.copy
    n_copies, k = active.shape
    sig = np.zeros(n_rows, dtype=np.int64)
    priced: dict[int, _Costs] = {}  # combination bitmask -> the tiled rows priced with its events on, and their costs
    alone: dict[tuple[int, int], float] = {}
    moved: dict[tuple[int, int], int] = {}

    def groups_of(rows: np.ndarray) -> np.ndarray:
        mark = np.zeros(n_rows, dtype=bool)
        mark[rows] = True
        return whole_groups(tgroup, mark) & ok

    def on_of(mask: int) -> list[Flip]:
        return [fl[j] for j in range(k) if (mask >> j) & 1]

    def cost_of(mask: int) -> _Costs:
        """The costs priced so far with the events of ``mask`` on."""
        if mask not in priced:
            priced[mask] = _Costs(n_rows, full=mask & (mask - 1) == 0)  # the basket, or one event alone
        return priced[mask]

    def prefetch(wanted: list[tuple[int, np.ndarray]]) -> None:
        """Price every (events mask, rows) not priced yet in one engine call (each mask a scenario variant); a row
        whose earlier copy prices alike takes that copy's cost, so only the representatives are priced."""
        requests: dict[int, list[np.ndarray]] = {}
        filled: list[tuple[int, np.ndarray, np.ndarray]] = []
        for mask, rows in wanted:
            held = cost_of(mask)
            todo = rows[~held.has(rows)]
            if not len(todo):
                continue
            reps = tiled.representatives(on_of(mask), todo)
            filled.append((mask, todo, reps))
            need = reps[~held.has(reps)]
            if len(need):
                requests.setdefault(mask, []).append(need)
        masks = list(requests)
        rows_of = [_union(requests[mk], n_rows) for mk in masks]
        got = tiled.landed_many([(r, on_of(mk)) for mk, r in zip(masks, rows_of)])
        for mk, r, cost in zip(masks, rows_of, got):
            priced[mk].add(r, cost)
        for mask, todo, reps in filled:
            held = priced[mask]
            new = ~held.has(todo)  # a row priced itself is held already
            held.add(todo[new], held.at(reps[new]))

    # 0. the basket with nothing flipped: the first copy in full, later copies where they differ
    cost_of(0).add(first["_i"].to_numpy(), first["landed_cost_usd"].to_numpy(dtype=float))
    prefetch([(0, everyone[copy > 0])])
    base_cost = priced[0].dense(np.full(n_rows, np.nan))
    ok = ~np.isnan(base_cost)
    base_out = _paid_layers(tiled, first, base_cost, ok)

    def price(mask: int, rows: np.ndarray) -> np.ndarray:
        """The cost of each of ``rows`` with the events of ``mask`` on (kept with any earlier pricing of the mask)."""
        prefetch([(mask, rows)])
        return priced[mask].at(rows)

    # 1. each event alone, on the groups it may touch
    alone_rows = []
    for j in range(k):
        may = _candidates(fl[j], tiled, base_out) & ok & active[copy, j]
        alone_rows.append(everyone[groups_of(everyone[may])] if may.any() else everyone[:0])
    prefetch([(1 << j, rows) for j, rows in enumerate(alone_rows)])
    for j in range(k):
        rows = alone_rows[j]
        delta = price(1 << j, rows) - base_cost[rows]
        moved_line = np.abs(delta) > CENT
        sig[groups_of(rows[moved_line])] |= 1 << j
        for c in np.flatnonzero(active[:, j]):
            in_c = copy[rows] == c
            alone[(int(c), j)] = float(np.nansum(delta[in_c]))
            moved[(int(c), j)] = int(moved_line[in_c].sum())
    single = {j: cost_of(1 << j).dense(base_cost.copy()) for j in range(k)}  # the base where the event was not priced

    # 2. pairs: where two events' changes do not add up, they join one component
    comp = np.where((sig[:, None] >> np.arange(k)[None, :]) & 1, 1 << np.arange(k)[None, :], 0).astype(np.int64)
    pairs = [(i, j, everyone[ok & ((sig >> i) & 1 == 1) & ((sig >> j) & 1 == 1)]) for i in range(k) for j in range(i + 1, k)]
    prefetch([((1 << i) | (1 << j), both) for i, j, both in pairs])
    for i, j, both in pairs:
        if not len(both):
            continue
        joint = price((1 << i) | (1 << j), both)
        added = single[i][both] + single[j][both] - base_cost[both]
        _merge(comp, everyone[groups_of(both[np.abs(joint - added) > CENT])], i, j)

    def component_wants() -> tuple[list[tuple[int, np.ndarray]], dict[int, np.ndarray]]:
        """Every combination of each component's events, over the rows of that component (step 4's pricings), and
        the rows of each component."""
        wanted, members = [], {}
        for mask in np.unique(comp[comp > 0]):
            mask = int(mask)
            low = (mask & -mask).bit_length() - 1
            rows = members[mask] = everyone[ok & (comp[:, low] == mask)]
            bits = [j for j in range(k) if (mask >> j) & 1]
            wanted.extend((sum(1 << b for b, x in zip(bits, combo) if x), rows) for combo in _combos(len(bits)) if combo.any())
        return wanted, members

    # 3. every event at once, per distinct set of events that may have happened: what the components miss
    act_rows = [(act, everyone[ok & np.all(active[copy] == np.isin(np.arange(k), act), axis=1)]) for act in {tuple(np.flatnonzero(a)) for a in active if a.sum() >= 2}]
    wanted = []
    for act, rows in act_rows:
        wanted.append((sum(1 << j for j in act), rows))
        sub = comp[rows]
        for mask in np.unique(sub[sub > 0]):
            if int(mask) & (int(mask) - 1):
                low = (int(mask) & -int(mask)).bit_length() - 1
                wanted.append((int(mask), rows[sub[:, low] == mask]))
    prefetch(wanted + component_wants()[0])  # with step 4's pricings, which stand unless a component grows here
    for act, rows in act_rows:
        if not len(rows):
            continue
        all_on = price(sum(1 << j for j in act), rows)
        composed = base_cost[rows] + _component_changes(comp[rows], lambda m, r: price(m, rows[r]), base_cost[rows], single, rows)
        wrong = np.abs(all_on - composed) > CENT
        if wrong.any():  # these groups depend on events jointly beyond pairs: one component of all their events
            bad = groups_of(rows[wrong])
            comp[bad] = np.where(comp[bad] > 0, sig[bad][:, None], 0)

    # 4. tables: the base, and each component's change over its combinations, totalled per copy and output
    tables: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {c: [] for c in range(n_copies)}

    def add_table(bits: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
        """``values``: (combinations, rows) amounts to total per copy and output code."""
        present = np.unique(copy[rows])
        slot = np.searchsorted(present, copy[rows])
        table = np.zeros((len(present), values.shape[0], n_out))
        for c in range(values.shape[0]):
            for row in codes:
                table[:, c, :] += np.bincount(slot * n_out + row[rows], weights=values[c], minlength=len(present) * n_out).reshape(len(present), n_out)
        for i, cp in enumerate(present):
            tables[int(cp)].append((bits, table[i]))

    base_rows = everyone[ok]
    add_table(np.zeros(0, dtype=np.int64), base_rows, base_cost[base_rows][None, :])
    wanted, members = component_wants()
    prefetch(wanted)
    for mask, rows in members.items():
        bits = np.array([j for j in range(k) if (mask >> j) & 1], dtype=np.int64)
        combos = _combos(len(bits))
        values = np.zeros((len(combos), len(rows)))
        for c, combo in enumerate(combos):
            on = sum(1 << int(b) for b, x in zip(bits, combo) if x)
            if on:
                values[c] = price(on, rows) - base_cost[rows]
        add_table(bits, rows, values)
    return _Tables(base_cost, tables, alone, moved, lambda f: groups_of(everyone[_candidates(f, tiled, base_out) & ok]))


def _merge(comp: np.ndarray, rows: np.ndarray, i: int, j: int) -> None:
    """Join the components of events ``i`` and ``j`` on ``rows`` (every member of the union points to it)."""
    if not len(rows):
        return
    merged = comp[rows, i] | comp[rows, j]
    for b in range(comp.shape[1]):
        in_it = (merged >> b) & 1 == 1
        comp[rows, b] = np.where(in_it, merged, comp[rows, b])


def _component_changes(comp: np.ndarray, price_rows, base: np.ndarray, single: dict[int, np.ndarray], rows: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """Per row: the sum over its components of the component's change with all its events on."""
    out = np.zeros(len(rows))
    for mask in np.unique(comp[comp > 0]):
        mask = int(mask)
        low = (mask & -mask).bit_length() - 1
        r = np.flatnonzero(comp[:, low] == mask)
        if not len(r):
            continue
        if mask & (mask - 1) == 0:
            out[r] += single[low][rows[r]] - base[r]
        else:
            out[r] += price_rows(mask, r) - base[r]
    return out


def _totals_for(tables: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, n_out: int) -> np.ndarray:
    """Output totals for outcome rows ``x`` (outcomes x all flips, 0/1) from one copy's tables."""
    out = np.zeros((x.shape[0], n_out))
    for bits, table in tables:
        local = np.zeros(x.shape[0], dtype=np.int64)
        for pos, b in enumerate(bits):
            local |= x[:, b].astype(np.int64) << pos
        out += table[local]
    return out


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs=QUANTILES) -> np.ndarray:
    """Per column of ``values`` (outcomes x groups): the smallest value whose cumulative weight reaches q."""
    order = np.argsort(values, axis=0, kind="stable")
    v = np.take_along_axis(values, order, axis=0)
    w = weights[order]
    cum = np.cumsum(w, axis=0) / w.sum(axis=0, keepdims=True)
    res = np.empty((len(qs), values.shape[1]))
    for i, q in enumerate(qs):
        idx = (cum < q - 1e-12).sum(axis=0)
        res[i] = v[np.minimum(idx, len(v) - 1), np.arange(values.shape[1])]
    return res


@dataclasses.dataclass(frozen=True)
class Outlook:
    """The outlook of one basket. ``groups``: one row per group (and ``*`` for the basket) at the horizon;
    ``path``: the month-by-month distribution of the basket and each channel; ``events``: each event with its
    probability by the horizon and its effect alone; ``refund``: the expected IEEPA refund, apart."""

    groups: pd.DataFrame
    path: pd.DataFrame
    events: pd.DataFrame
    refund: pd.DataFrame
    method: str  # "exact" or "monte_carlo"
    outcomes: int  # combinations enumerated at the busiest date (exact) or draws (Monte Carlo)
    runs: int
    seed: int
    as_of: dt.date
    horizon: dt.date
    lines_priced: int
    lines_left_out: int
    line_pricings: int


def month_points(as_of: dt.date, horizon: dt.date) -> list[pd.Timestamp]:
    """The as-of date, the first day of every later month up to the horizon, and the horizon."""
    start, end = pd.Timestamp(as_of), pd.Timestamp(horizon)
    firsts = pd.date_range(start + pd.offsets.MonthBegin(1), end, freq="MS")
    return sorted({start, *firsts, end})


def _change_days(aset: AssumptionSet, fl: list[Flip]) -> list[pd.Timestamp]:
    """Days on which pricing may change other than by an event starting: a parameter's or a postal regime's
    period starts or ends, or an event's override starts later than the event or ends."""
    days: set[pd.Timestamp] = set()
    for param in aset.params.values():
        for v in param.values:
            days.update(pd.Timestamp(d) for d in (v.from_, v.until) if d is not None)
    for regime in aset.postal.values():
        for period in regime.periods:
            days.update(pd.Timestamp(d) for d in (period.from_, period.until) if d is not None)
    for f in fl:
        for o in f.overrides:
            days.update(pd.Timestamp(d) for d in (o.from_, o.until) if d is not None and pd.Timestamp(d) != f.start)
    return sorted(days)


def outlook(
    imported,  # noqa: ANN001 - an orders.ImportResult (or anything with .lines)
    *,
    horizon: dt.date | str,
    as_of: dt.date | str | None = None,
    assumptions: AssumptionSet | None = None,
    scenario: str | Scenario = "actual",
    probabilities: dict[str, float] | None = None,
    by: str = "sku",
    runs: int | None = None,
    seed: int = 0,
) -> Outlook:
    """The basket's landed cost at the horizon and month by month, under the pending events.

    Exact enumeration when no date has more than ``EXACT_LIMIT`` events that can move prices and ``runs`` is not
    given; otherwise ``runs`` seeded Monte Carlo draws (default 10,000), each event's outcome and date drawn once
    per draw for the whole path. The same seed gives the same numbers.
    """
    from costimpact import api
    from costimpact.assumptions import load_assumptions

    aset = assumptions or load_assumptions()
    day0 = api.as_date(as_of)
    end = api.as_date(horizon)
    if end < day0:
        raise ArgumentError(f"horizon {end} is before the as-of date {day0}; give a later --horizon")
    if by not in ("sku", "channel"):
        raise ArgumentError(f"--by {by!r}: choose sku or channel")
    if runs is not None and runs < 100:
        raise ArgumentError(f"--runs {runs}: give at least 100 draws")
    base = resolve_scenario(aset, scenario)
    fl = flips(aset, probabilities)
    lines = imported.lines.reset_index(drop=True)
    points = month_points(day0, end)
    priced = [f.event.destination == PRICED_DESTINATION and f.event.refund is None and f.changes_prices for f in fl]
    pf = [f for f, p in zip(fl, priced) if p and f.p_flip > 0]  # the events whose outcome moves prices
    change_days = [d for d in _change_days(aset, fl) if pd.Timestamp(day0) < d <= pd.Timestamp(end)]

    def regime_day(t: pd.Timestamp) -> pd.Timestamp:
        """The last day, up to the horizon, of the stretch of days around ``t`` on which the parameter files price
        alike; an event that has started by ``t`` has started by then too (event starts do not split stretches)."""
        later = [d for d in change_days if d > t]
        return min(later) - pd.Timedelta(days=1) if later else pd.Timestamp(end)

    days = sorted({regime_day(t) for t in points})
    copy_of = {d: i for i, d in enumerate(days)}
    tiled = _Tiled(lines, days, aset, base)
    active = np.array([[f.start <= d for f in pf] for d in days], dtype=bool).reshape(len(days), len(pf))

    n = len(lines)
    sku = _text(lines, "sku")
    channel = _text(lines, "shipping_mode").replace("", "express")
    key = sku.replace("", "(no sku)") if by == "sku" else channel
    group_names, group_code = np.unique(key.to_numpy(dtype=str), return_inverse=True)
    chan_names, chan_code = np.unique(channel.to_numpy(dtype=str), return_inverse=True)
    g_by, g_chan = len(group_names), len(chan_names)
    star = g_by + g_chan
    # one output code space: the --by groups, then the channels, then the whole basket
    codes = np.stack([group_code, g_by + chan_code, np.full(n, star)]).astype(np.int64)
    n_out = star + 1
    groups = travel_groups(lines)  # the same in every copy; copies never share one
    tgroup = groups[tiled.line] + tiled.copy * (int(groups.max(initial=0)) + 1)
    first = tiled.first_copy(tgroup)
    # the IEEPA duty paid on the basket's history: priced in a worker while the outlook is worked out here
    history = _ieepa_lines(lines, aset) if any(f.event.refund == "ieepa" for f in fl) else lines.iloc[:0]
    exposure = pool.later(_ieepa_exposure, (history, day0), aset) if tiled.parallel and len(history) >= PARALLEL_ROWS else lambda: _ieepa_exposure(aset, history, day0)
    solved = _solve(tiled, first, pf, active, tgroup, codes[:, tiled.line], n_out)
    ok = ~np.isnan(solved.base_cost[tiled.copy == copy_of[regime_day(points[-1])]])

    k_max = int(active.sum(axis=1).max()) if len(pf) else 0
    method = "exact" if runs is None and k_max <= EXACT_LIMIT else "monte_carlo"
    n_runs = 0 if method == "exact" else int(runs or DEFAULT_RUNS)
    if method == "monte_carlo":
        rng = np.random.default_rng(seed)
        happens = rng.random((n_runs, len(pf))) < np.array([f.p_flip for f in pf])
        span = np.array([(f.end - f.start).value + pd.Timedelta(days=1).value for f in pf], dtype=float)
        when = np.array([f.start.value for f in pf], dtype=float) + rng.random((n_runs, len(pf))) * span
        in_law = np.array([f.event.in_law for f in pf], dtype=bool)

    def distribution(t: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
        """(outcomes x outputs, weights) on day ``t``."""
        c = copy_of[regime_day(t)]
        act = np.flatnonzero(active[c])
        if method == "exact":
            local = _combos(len(act))
            x = np.zeros((len(local), len(pf)), dtype=np.int64)
            x[:, act] = local
            q = np.array([pf[j].q(t) for j in act])
            w = np.prod(np.where(local == 1, q[None, :], 1.0 - q[None, :]), axis=1)
        else:
            x = (happens & (in_law[None, :] | (when <= float(t.value)))).astype(np.int64)
            x[:, ~active[c]] = 0
            w = np.ones(n_runs)
        return _totals_for(solved.tables[c], x, n_out), w

    def summary(t: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
        values, w = distribution(t)
        return (values * w[:, None]).sum(axis=0) / w.sum(), weighted_quantiles(values, w)

    path_rows = []
    for t in points:
        mean, qv = summary(t)
        for pos, name in [(star, "*")] + [(g_by + i, c) for i, c in enumerate(chan_names)]:
            path_rows.append({"date": t.date(), "group": name, "expected_landed_cost_usd": mean[pos], "p10_landed_cost_usd": qv[0, pos], "p50_landed_cost_usd": qv[1, pos], "p90_landed_cost_usd": qv[2, pos]})
    path = pd.DataFrame(path_rows)

    now_mean, _ = summary(points[0])
    mean, qv = summary(points[-1])
    order = [star] + list(range(g_by))
    lines_in = np.bincount(group_code[ok], minlength=g_by)
    groups = pd.DataFrame(
        {
            "group": ["*"] + [str(g) for g in group_names],
            "lines": [int(ok.sum())] + [int(x) for x in lines_in],
            "as_of_landed_cost_usd": now_mean[order],
            "expected_landed_cost_usd": mean[order],
            "p10_landed_cost_usd": qv[0, order],
            "p50_landed_cost_usd": qv[1, order],
            "p90_landed_cost_usd": qv[2, order],
        }
    )
    groups["expected_change_usd"] = groups["expected_landed_cost_usd"] - groups["as_of_landed_cost_usd"]
    base_now = groups["as_of_landed_cost_usd"].where(groups["as_of_landed_cost_usd"] > 0)
    groups["expected_change_pct"] = groups["expected_change_usd"] / base_now
    for frame in (groups, path):
        for c in [c for c in frame.columns if c.endswith("_usd")]:
            frame[c] = frame[c].astype(float).round(2)
    events = _event_table(fl, priced, pf, solved, tiled, copy_of[regime_day(points[-1])], points[-1])
    tiled.shared.release()  # the workers price nothing more of this basket
    return Outlook(
        groups=groups,
        path=path,
        events=events,
        refund=ieepa_refund(imported, aset, fl, end, as_of=day0, exposure=exposure()),
        method=method,
        outcomes=2**k_max if method == "exact" else n_runs,
        runs=n_runs,
        seed=seed,
        as_of=day0,
        horizon=end,
        lines_priced=int(ok.sum()),
        lines_left_out=int((~ok).sum()),
        line_pricings=tiled.pricings,
    )


def _text(lines: pd.DataFrame, col: str) -> pd.Series:
    s = lines[col] if col in lines else pd.Series("", index=lines.index)
    return s.astype("string").fillna("").str.strip()


def _event_table(fl: list[Flip], priced: list[bool], pf: list[Flip], solved: _Tables, tiled: _Tiled, last: int, horizon: pd.Timestamp) -> pd.DataFrame:
    """Each event: its probability by the horizon and what it alone does to the basket on the horizon's date (an
    event certain either way is priced once more, on that date only, to show it)."""
    rows = []
    in_last = (tiled.copy == last) & ~np.isnan(solved.base_cost)
    for f, is_priced in zip(fl, priced):
        effect, moved = np.nan, 0
        if is_priced and f.start <= horizon:
            if f in pf:
                j = pf.index(f)
                effect, moved = solved.alone.get((last, j), 0.0), solved.moved.get((last, j), 0)
            else:
                touched = np.flatnonzero(in_last & solved.may_move(f))  # the lines it may move, with their travel groups
                delta = tiled.landed(touched, [f]) - solved.base_cost[touched]
                effect, moved = float(np.nansum(delta)), int((np.abs(delta) > CENT).sum())
            effect = -effect if f.event.in_law else effect  # in law, the flip is the event *not* happening
        rows.append(
            {
                "event": f.name,
                "label": f.event.label,
                "label_zh": f.event.label_zh,
                "destination": f.event.destination,
                "date": f.event.date,
                "window_end": f.event.window_end or f.event.date,
                "in_law": f.event.in_law,
                "probability": f.probability,
                "probability_by_horizon": f.probability * (1.0 if f.event.in_law else f.elapsed(horizon)) if horizon >= f.start else 0.0,
                "evidence": f.event.evidence,
                "priced": is_priced,
                "effect_alone_usd": round(effect, 2) if effect == effect else np.nan,
                "lines_moved": moved,
                "note": _event_note(f, horizon),
                "note_zh": _event_note(f, horizon, zh=True),
            }
        )
    return pd.DataFrame(rows)


def _event_note(f: Flip, horizon: pd.Timestamp, zh: bool = False) -> str:
    if f.event.refund is not None:
        return "退还以往关税：单独计算，不计入到岸成本" if zh else "refund of past duties: counted apart, not in the landed cost"
    if f.event.destination != PRICED_DESTINATION:
        return f"目的地 {f.event.destination}：本版本尚不计价" if zh else f"destination {f.event.destination}: not priced in this version"
    if not f.changes_prices:
        return "不改变价格（已在参数文件中）" if zh else "no change to prices (already in the parameter files)"
    if f.start > horizon:
        return "在展望期之后" if zh else "after the horizon"
    ends = [o.until for o in f.overrides]
    if ends and all(u is not None and pd.Timestamp(u) <= horizon for u in ends):
        last = max(ends).isoformat()
        return f"仅到 {last} 前有效，展望日已结束" if zh else f"in force only before {last}: over by the horizon"
    return ""


def _ieepa_lines(lines: pd.DataFrame, aset: AssumptionSet) -> pd.DataFrame:
    """The lines that may have paid an IEEPA duty: shipped while one was in force (or without a ship date)."""
    window = _ieepa_window(aset)
    if window is not None and "ship_date" in lines:
        day = pd.to_datetime(lines["ship_date"], errors="coerce")
        lines = lines[day.isna() | ((day >= window[0]) & (day < window[1]))]
    return lines.drop(columns=[c for c in NOT_PRICED if c in lines])


def _ieepa_exposure(aset: AssumptionSet, lines: pd.DataFrame, as_of: dt.date) -> float:
    """The IEEPA duty the lines paid, each priced on its own date under ``actual`` (here or in a worker)."""
    out, _rej, _used = price_lines(lines, aset, resolve_scenario(aset, "actual"), as_of, columns=["ieepa_refund_exposure_usd"])
    return float(out["ieepa_refund_exposure_usd"].sum()) if len(out) else 0.0


def ieepa_refund(imported, aset: AssumptionSet, fl: list[Flip], horizon: dt.date, *, as_of: dt.date, exposure: float | None = None) -> pd.DataFrame:  # noqa: ANN001
    """The expected IEEPA refund on the basket's own history (each line priced on its own date under ``actual``):
    exposure x probability x the share refunded to the seller x the chance it is paid by the horizon. ``exposure``:
    the IEEPA duty paid, where the caller worked it out already (:func:`_ieepa_exposure`)."""
    rows = []
    refund_events = [f for f in fl if f.event.refund == "ieepa"]
    if not refund_events:
        return pd.DataFrame(columns=["event", "exposure_usd", "probability", "refund_share", "paid_by_horizon", "expected_refund_usd"])
    if exposure is None:
        exposure = _ieepa_exposure(aset, _ieepa_lines(imported.lines, aset), as_of)
    for f in refund_events:
        paid = f.elapsed(pd.Timestamp(horizon))
        rows.append(
            {
                "event": f.name,
                "exposure_usd": round(exposure, 2),
                "probability": f.probability,
                "refund_share": f.event.refund_share,
                "paid_by_horizon": paid,
                "expected_refund_usd": round(exposure * f.probability * f.event.refund_share * paid, 2),
            }
        )
    return pd.DataFrame(rows)


def _ieepa_window(aset: AssumptionSet) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and the last day (exclusive) any IEEPA duty was in force: an IEEPA layer's period with a rate, or
    a postal regime's IEEPA-based period. None if none ever was."""
    spans = []
    for p in aset.layers():
        if not p.ieepa:
            continue
        for key in {v.key for v in p.values}:  # a period ends at its until or where the key's next period starts
            own = sorted((v for v in p.values if v.key == key), key=lambda v: v.from_)
            for v, nxt in zip(own, [*own[1:], None]):
                ends = [d for d in (v.until, nxt.from_ if nxt is not None else None) if d is not None]
                if v.value > 0:
                    spans.append((v.from_, min(ends) if ends else None))
    spans += [(per.from_, per.until) for reg in aset.postal.values() for per in reg.periods if per.ieepa]
    if not spans:
        return None
    end = pd.Timestamp.max if any(u is None for _, u in spans) else pd.Timestamp(max(u for _, u in spans))
    return pd.Timestamp(min(f for f, _ in spans)), end


def report_sheets(o: Outlook, lang: str = "en") -> list[tuple[str, pd.DataFrame, dict[str, str]]]:
    """The outlook as two report sheets (``write_report(extra_sheets=...)``): the distribution per SKU with the
    basket first, and the events with their probabilities, grades and effects, the IEEPA refund last."""
    from costimpact.i18n import t

    def h(key: str) -> str:
        return t(f"report.outlook.{key}", lang)

    g = o.groups
    groups = pd.DataFrame(
        {
            h("group"): g["group"],
            h("lines"): g["lines"],
            h("now"): g["as_of_landed_cost_usd"],
            h("expected"): g["expected_landed_cost_usd"],
            h("p10"): g["p10_landed_cost_usd"],
            h("p50"): g["p50_landed_cost_usd"],
            h("p90"): g["p90_landed_cost_usd"],
            h("change"): g["expected_change_usd"],
            h("change_pct"): g["expected_change_pct"],
        }
    )
    zh = lang == "zh"
    ev = o.events
    events = pd.DataFrame(
        {
            h("event"): ev["label_zh" if zh else "label"],
            h("date"): pd.to_datetime(ev["date"]),
            h("window_end"): pd.to_datetime(ev["window_end"]),
            h("probability"): ev["probability"],
            h("by_horizon"): ev["probability_by_horizon"],
            h("effect"): ev["effect_alone_usd"],
            h("grade"): ev["evidence"].map(lambda g: EVIDENCE_MARK.get(str(g), str(g))),
            h("note"): ev["note_zh" if zh else "note"],
        }
    )
    for r in o.refund.itertuples(index=False):
        text = h("refund_row").format(exposure=f"${r.exposure_usd:,.2f}", p=f"{r.probability:.0%}", share=f"{r.refund_share:.0%}", paid=f"{r.paid_by_horizon:.0%}")
        events.loc[len(events)] = [text, pd.NaT, pd.NaT, r.probability, r.probability * r.paid_by_horizon, r.expected_refund_usd, "U", ""]
    money = {c: "money" for c in (h("now"), h("expected"), h("p10"), h("p50"), h("p90"), h("change"), h("effect"))}
    pcts = {c: "pct" for c in (h("change_pct"), h("probability"), h("by_horizon"))}
    kinds = {**money, **pcts, h("lines"): "int", h("date"): "date", h("window_end"): "date"}
    return [(h("sheet"), groups, kinds), (h("events_sheet"), events, kinds)]
