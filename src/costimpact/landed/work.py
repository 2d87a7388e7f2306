"""The work every destination's engine shares: the rejects collector, the lines being priced (``_Work``) with the
assumption set each line reads (one scenario, or one per variant), and small helpers for text, codes and grades."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Parameter, Scenario, attach
from costimpact.assumptions.lookup import ATTACH_COLUMNS, asof_join, day_codes, param_content
from costimpact.i18n import t
from costimpact.landed.result import REJECT_COLUMNS

GRADE_RANK = {"confirmed": 0, "secondary": 1, "unverified": 2}
GRADE_MARK = np.array(["C", "C2", "U"])


@dataclass
class _Rejects:
    """Collects every problem of every row (pandera's lazy validation shape)."""

    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, mask: np.ndarray, rows: pd.Series, column: str, values: pd.Series, key: str, **fmt: pd.Series | str) -> None:
        if not mask.any():
            return
        m = np.asarray(mask, dtype=bool)
        vals = _text(values[m]).to_numpy(dtype=object)  # a missing value shows as "" (never takes another's message)
        n = int(m.sum())
        fmt = {k: (v() if callable(v) else v) for k, v in fmt.items()}  # a callable is only worked out when a row is rejected
        extra = {k: (v[m].astype(str).to_numpy() if isinstance(v, pd.Series) else np.full(n, v, dtype=object)) for k, v in fmt.items()}
        # Messages are formatted once per distinct combination, then joined back to the rows.
        combo = pd.DataFrame({"value": vals, **extra})
        codes, uniq = pd.factorize(pd.MultiIndex.from_frame(combo)) if len(combo.columns) > 1 else pd.factorize(combo["value"])
        uniq_frame = pd.DataFrame(list(uniq), columns=combo.columns) if len(combo.columns) > 1 else pd.DataFrame({"value": uniq})
        en_u = np.array([t(key, "en", **rec) for rec in uniq_frame.to_dict("records")], dtype=object)
        zh_u = np.array([t(key, "zh", **rec) for rec in uniq_frame.to_dict("records")], dtype=object)
        en, zh = en_u[codes], zh_u[codes]
        self.parts.append(pd.DataFrame({"row_number": rows[m].to_numpy(), "column": column, "value": vals, "problem": en, "problem_zh": zh}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row_number" else object) for c in REJECT_COLUMNS})
        return pd.concat(self.parts, ignore_index=True)[REJECT_COLUMNS].sort_values("row_number", kind="stable").reset_index(drop=True)


def _col(df: pd.DataFrame, name: str, default: object) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([default] * len(df), index=df.index, dtype=object if isinstance(default, str) or default is None else float)


def _text(s: pd.Series) -> pd.Series:
    """Text (pandas' vectorised string dtype) with missing values as empty strings (never "nan", whatever the
    pandas version: on pandas 2 ``astype("str")`` writes a missing value as the text "nan")."""
    if str(s.dtype) != "str":  # pandas 3's text dtype keeps a missing cell missing; an object column may not
        s = s.astype(object).where(s.notna(), "")
    return s.astype("str").fillna("").str.strip()


@dataclass(frozen=True)
class _Versions:
    """The assumption set each line is priced under: the scenario's, or in variant mode one per scenario variant
    (``variant`` gives each line's index into ``asets`` and ``scenarios``)."""

    asets: tuple[AssumptionSet, ...]
    scenarios: tuple[Scenario, ...]
    variant: np.ndarray | None = None

    def take(self, sel: np.ndarray) -> _Versions:
        return _Versions(self.asets, self.scenarios, None if self.variant is None else self.variant[sel])

    def attach(self, pid: str, dates: pd.Series, keys: pd.Series | None = None, days: tuple | None = None) -> pd.DataFrame:
        return attach_versions([a.param(pid) for a in self.asets], self.variant, dates, keys, days)

    def where_scenario(self, m: int, test) -> np.ndarray:  # noqa: ANN001
        """Per line: whether ``test(scenario)`` holds for the line's scenario."""
        hits = [bool(test(s)) for s in self.scenarios]
        if self.variant is None:
            return np.full(m, hits[0])
        return np.asarray(hits, dtype=bool)[self.variant]


_STACKED: dict[tuple, tuple[pd.DataFrame, np.ndarray]] = {}

def attach_versions(versions: list[Parameter], variant: np.ndarray | None, dates: pd.Series, keys: pd.Series | None = None, days: tuple | None = None) -> pd.DataFrame:
    """:func:`attach` with each line reading its own variant's version of a parameter, in one join. Versions a
    scenario did not change are the same object and versions with the same periods are looked up as one; the period
    ids of a changed version carry ``@i`` (the first variant holding it), since its periods are numbered apart."""
    first = versions[0]
    if variant is None or all(v is first for v in versions):
        return attach(first, dates, keys, days)
    # versions are told apart by content: a worker process receives new objects for the same scenarios with every
    # call, and still finds the periods stacked before
    seen: dict[int, tuple] = {}
    contents = tuple(seen.get(id(v)) or seen.setdefault(id(v), param_content(v)) for v in versions)
    hit = _STACKED.get(contents)
    if hit is not None:  # the same versions: the same stacked periods
        return asof_join(hit[0], dates, keys, ATTACH_COLUMNS, groups=hit[1][variant], days=days)
    slot: dict[object, int] = {}
    which = np.empty(len(versions), dtype=np.int64)
    held: list[tuple[Parameter, str]] = []  # each distinct version, with the suffix of its period ids
    for i, (v, content) in enumerate(zip(versions, contents)):
        if content not in slot:
            slot[content] = len(held)
            held.append((v, "" if v is first else f"@{i}"))
        which[i] = slot[content]
    stacked = _stacked_periods(held)
    if len(_STACKED) > 256:
        _STACKED.clear()
    _STACKED[contents] = (stacked, which)
    return asof_join(stacked, dates, keys, ATTACH_COLUMNS, groups=which[variant], days=days)


def _stacked_periods(held: list[tuple[Parameter, str]]) -> pd.DataFrame:
    """The periods of several versions of one parameter in one frame, as :func:`periods_frame` lays out each
    (sorted by start, ties in file order) with the columns a lookup reads, ``_g`` the version's place in ``held``
    and its period ids suffixed. Built in one go: an outlook stage brings dozens of versions at a time."""
    cols: dict[str, list] = {c: [] for c in ("key", "from", "until", "value", "min", "max", "base", "inclusive", "evidence", "period_id", "_g")}
    for g, (v, suffix) in enumerate(held):
        values = v.values
        for i in sorted(range(len(values)), key=lambda i: values[i].from_):
            p = values[i]
            cols["key"].append(p.key)
            cols["from"].append(p.from_)
            cols["until"].append(p.until)
            cols["value"].append(p.value)
            cols["min"].append(np.nan if p.min is None else p.min)
            cols["max"].append(np.nan if p.max is None else p.max)
            cols["base"].append(p.base)
            cols["inclusive"].append(p.inclusive)
            cols["evidence"].append(p.evidence or v.evidence)
            cols["period_id"].append(f"{v.id}#{i}{suffix}")
            cols["_g"].append(g)
    return pd.DataFrame(
        {
            "key": np.array(cols["key"], dtype=object),
            "from": np.array(cols["from"], dtype="datetime64[ns]"),
            "until": np.array(cols["until"], dtype="datetime64[ns]"),
            "value": np.array(cols["value"], dtype=float),
            "min": np.array(cols["min"], dtype=float),
            "max": np.array(cols["max"], dtype=float),
            "base": np.array(cols["base"], dtype=object),
            "inclusive": np.array(cols["inclusive"], dtype=bool),
            "evidence": np.array(cols["evidence"], dtype=object),
            "period_id": np.array(cols["period_id"], dtype=object),
            "_g": np.array(cols["_g"], dtype=np.int64),
        }
    )


@dataclass
class _Work:
    """The priceable lines while the steps run: ``P`` gains columns step by step; ``used`` and ``grade`` record
    which assumption periods the numbers came from and the weakest evidence grade of each line."""

    aset: AssumptionSet
    scenario: Scenario
    P: pd.DataFrame
    rows: np.ndarray  # input row numbers (ties in cent allocation go by row, not by position)
    versions: _Versions | None = None
    used: list[pd.Series] = field(default_factory=list)
    grade: np.ndarray | None = None
    _days: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def m(self) -> int:
        return len(self.P)

    def days(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The pricing dates factorized (a code per line, the distinct days), once for every lookup; with
        ``rows``, those lines' codes."""
        if self._days is None or len(self._days[0]) != self.m:
            self._days = day_codes(self.P["date"])
        return self._days if rows is None else (self._days[0][rows], self._days[1])

    def attach(self, pid: str, keys: pd.Series | None = None, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The period of parameter ``pid`` in force on each line's pricing date (its variant's version); with
        ``rows``, for those lines only (``keys`` still one per line)."""
        dates = self.P["date"] if rows is None else self.P["date"].iloc[rows]
        if rows is not None and keys is not None:
            keys = keys.iloc[rows]
        if self.versions is None:
            return attach(self.aset.param(pid), dates, keys, self.days(rows))
        return (self.versions if rows is None else self.versions.take(rows)).attach(pid, dates, keys, self.days(rows))

    def disabled_all(self, layers: set[str]) -> np.ndarray:
        """Per line: whether its scenario switches every one of ``layers`` off."""
        if self.versions is None:
            return np.full(self.m, layers <= set(self.scenario.disable_layers))
        return self.versions.where_scenario(self.m, lambda s: layers <= set(s.disable_layers))

    def disabled(self, layer: str) -> np.ndarray:
        """Per line: whether its scenario switches ``layer`` off."""
        if self.versions is None:
            return np.full(self.m, layer in self.scenario.disable_layers)
        return self.versions.where_scenario(self.m, lambda s: layer in s.disable_layers)

    def note(self, period_ids: pd.Series, applied: np.ndarray | None = None, evidence: pd.Series | None = None) -> None:
        hit = np.ones(self.m, dtype=bool) if applied is None else applied
        self.used.append(period_ids.where(hit, "") if applied is not None else period_ids)
        if evidence is not None:
            self.grade = np.maximum(self.grade, np.where(hit, _grade_rank(evidence), 0))


def _combine_codes(*codes: np.ndarray) -> np.ndarray:
    """One dense integer id per distinct combination of several factorized columns."""
    combined = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        c = np.asarray(c, dtype=np.int64)
        combined = combined * (int(c.max(initial=0)) + 2) + (c + 1)
    return pd.factorize(combined)[0].astype(np.int64)


def _grade_rank(evidence: pd.Series | np.ndarray) -> np.ndarray:
    """Evidence grades as ranks (confirmed 0, secondary 1, unverified 2), via the categories, not per row."""
    if isinstance(evidence, pd.Series) and isinstance(evidence.dtype, pd.CategoricalDtype):
        codes, grades = evidence.cat.codes.to_numpy(), evidence.cat.categories
    else:
        codes, grades = pd.factorize(evidence if isinstance(evidence, pd.Series) else np.asarray(evidence, dtype=object))
    ranks = np.array([GRADE_RANK.get(str(c), 0) for c in grades] + [0], dtype=int)
    return ranks[np.where(codes >= 0, codes, len(grades))]


def constant(m: int, value: str) -> pd.Series:
    """``m`` lines all holding the text ``value`` (as a categorical: one string, not ``m``)."""
    return pd.Series(pd.Categorical.from_codes(np.zeros(m, dtype=np.int64), categories=[value]))


def spread(col: pd.Series, rows: np.ndarray, m: int, empty: str = "") -> pd.Series:
    """A text column looked up for ``rows`` only, as a categorical over all ``m`` lines (``empty`` elsewhere)."""
    cat = col.array if isinstance(col.dtype, pd.CategoricalDtype) else pd.Categorical(np.asarray(col, dtype=object))
    cats = cat.categories
    if empty not in cats:
        cats = cats.append(pd.Index([empty]))
    blank = cats.get_loc(empty)
    codes = np.full(m, blank, dtype=np.int64)
    codes[rows] = np.where(cat.codes >= 0, cat.codes, blank)
    return pd.Series(pd.Categorical.from_codes(codes, categories=cats))


def category_text(s: pd.Series, missing: str = "") -> np.ndarray:
    """A categorical column's text per line (object array), taken through its categories."""
    cats = np.append(s.cat.categories.astype(str).to_numpy(dtype=object), missing)
    codes = s.cat.codes.to_numpy()
    return cats[np.where(codes >= 0, codes, len(cats) - 1)]
