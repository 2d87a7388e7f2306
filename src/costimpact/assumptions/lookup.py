"""Look up the value in force: for one date (:func:`value_at`) or for every row of a frame (:func:`attach`).

A keyed value is looked up under the row's own key first; where that key has no value in force on the date,
the default key ``*`` answers. Lookups by date use :func:`pandas.merge_asof`; there is no row loop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions.loader import AssumptionSet
from costimpact.assumptions.models import Override, Parameter, Period, Scenario
from costimpact.errors import AssumptionError

PERIOD_COLUMNS = ["key", "from", "until", "value", "min", "max", "base", "inclusive", "evidence", "source", "url", "scenario", "period_id"]


_FRAMES: dict[int, tuple[Parameter, pd.DataFrame]] = {}


def periods_frame(param: Parameter) -> pd.DataFrame:
    """The parameter's values as a frame sorted by ``from`` (one row per period, ``period_id`` = param#index)."""
    hit = _FRAMES.get(id(param))
    if hit is not None and hit[0] is param:
        return hit[1]
    if len(_FRAMES) > 4096:
        _FRAMES.clear()
    frame = _build_periods_frame(param)
    _FRAMES[id(param)] = (param, frame)
    return frame


def _build_periods_frame(param: Parameter) -> pd.DataFrame:
    rows = [
        {
            "key": p.key,
            "from": pd.Timestamp(p.from_),
            "until": pd.Timestamp(p.until) if p.until else pd.NaT,
            "value": p.value,
            "min": np.nan if p.min is None else p.min,
            "max": np.nan if p.max is None else p.max,
            "base": p.base,
            "inclusive": p.inclusive,
            "evidence": p.evidence or param.evidence,
            "source": p.source,
            "url": p.url or "",
            "scenario": p.scenario or "",
            "period_id": f"{param.id}#{i}",
        }
        for i, p in enumerate(param.values)
    ]
    frame = pd.DataFrame(rows, columns=PERIOD_COLUMNS)
    frame["until"] = pd.to_datetime(frame["until"])
    return frame.sort_values("from", kind="stable").reset_index(drop=True)


def value_at(param: Parameter, when: dt.date | str, key: str = "*") -> Period | None:
    """The period of ``param`` in force on ``when`` for ``key`` (falling back to ``*``), or None."""
    day = pd.Timestamp(when)
    for k in ([key, "*"] if key != "*" else ["*"]):
        best: Period | None = None
        for p in param.values:
            if p.key == k and pd.Timestamp(p.from_) <= day:
                best = p
        if best is not None and (best.until is None or day < pd.Timestamp(best.until)):
            return best
    return None


def attach(param: Parameter, dates: pd.Series, keys: pd.Series | None = None) -> pd.DataFrame:
    """For each row, the period of ``param`` in force on ``dates`` (datetime64) for ``keys`` (default ``*``).

    Returns a frame aligned to ``dates.index`` with ``value, min, max, base, inclusive, evidence, period_id``;
    rows with no value in force get NaN value and an empty period_id.
    """
    return asof_join(periods_frame(param), dates, keys, ["value", "min", "max", "base", "inclusive", "evidence", "period_id"])


def asof_join(periods: pd.DataFrame, dates: pd.Series, keys: pd.Series | None, cols: list[str]) -> pd.DataFrame:
    """The row of ``periods`` (columns key, from, until and ``cols``) in force on each date, by key with
    fallback to key ``*``. Vectorised with two :func:`pandas.merge_asof` calls."""
    idx = dates.index
    n = len(dates)
    left = pd.DataFrame({"_date": pd.to_datetime(dates).to_numpy().astype("datetime64[ns]"), "_pos": np.arange(n)})
    left["_key"] = "*" if keys is None else keys.fillna("*").astype(str).to_numpy()
    has_date = left["_date"].notna().to_numpy()
    out = {c: np.full(n, None, dtype=object) for c in cols}
    found = np.zeros(n, dtype=bool)
    for use_key in (True, False):
        pend = left[has_date & ~found]
        right = periods[periods["key"] != "*"] if use_key else periods[periods["key"] == "*"]
        if use_key:
            pend = pend[pend["_key"].isin(set(right["key"]))]
        if pend.empty or right.empty:
            continue
        pend = pend.sort_values("_date", kind="stable")
        r = right.rename(columns={"from": "_date", "key": "_key"})[["_date", "_key", "until", *cols]].sort_values("_date", kind="stable")
        r["_date"] = r["_date"].to_numpy().astype("datetime64[ns]")
        r["until"] = r["until"].to_numpy().astype("datetime64[ns]")
        r["_hit"] = True
        if use_key:
            m = pd.merge_asof(pend, r, on="_date", by="_key", direction="backward")
        else:
            m = pd.merge_asof(pend.drop(columns="_key"), r.drop(columns="_key"), on="_date", direction="backward")
        live = (m["_hit"].eq(True) & (m["until"].isna() | (m["_date"] < m["until"]))).to_numpy()
        m = m[live]
        pos = m["_pos"].to_numpy()
        for c in cols:
            out[c][pos] = m[c].to_numpy()
        found[pos] = True
    frame = pd.DataFrame(out, index=idx)
    for c in cols:
        if c in ("value", "min", "max") or periods[c].dtype.kind == "f":
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
        elif c == "inclusive":
            frame[c] = frame[c].fillna(False).astype(bool)
        elif c == "base":
            frame[c] = frame[c].fillna("full")
        elif periods[c].dtype == object or pd.api.types.is_string_dtype(periods[c]):
            frame[c] = frame[c].fillna("").astype(object)
    return frame


def apply_overrides(param: Parameter, overrides: list[Override], scenario: str) -> Parameter:
    """A new parameter whose values for each override's keys are replaced from ``from`` to ``until``.

    The baseline's periods that overlap the window are cut at its edges, so dates outside it keep their
    baseline values (the PolicyEngine "reform" idea, as data).
    """
    values = list(param.values)
    for o in overrides:
        start = o.from_
        for key in o.keys:
            kept: list[Period] = []
            own = sorted((p for p in values if p.key == key), key=lambda p: p.from_)
            for i, p in enumerate(own):
                nxt = own[i + 1].from_ if i + 1 < len(own) else None
                end = p.until or nxt  # effective end of this period (None = open)
                if o.until is not None and p.from_ >= o.until:
                    kept.append(p)
                    continue
                if end is not None and end <= start:
                    kept.append(p)
                    continue
                # overlaps the window: keep the part before and the part after
                if p.from_ < start:
                    kept.append(p.model_copy(update={"until": start}))
                if o.until is not None and (end is None or end > o.until):
                    kept.append(p.model_copy(update={"from_": o.until, "until": p.until}))
            kept.append(
                Period.model_validate(
                    {
                        "from": start,
                        "until": o.until,
                        "key": key,
                        "value": o.value,
                        "min": o.min,
                        "max": o.max,
                        "base": o.base,
                        "inclusive": o.inclusive,
                        "source": f"scenario {scenario}" + (f": {o.note}" if o.note else ""),
                        "evidence": "unverified",
                        "scenario": scenario,
                        "note": o.note,
                    }
                )
            )
            values = [p for p in values if p.key != key] + kept
    values.sort(key=lambda p: (p.key != "*", p.key, p.from_))
    data = param.model_dump(by_alias=True)
    data["values"] = [v.model_dump(by_alias=True) for v in values]
    try:
        return Parameter.model_validate(data)
    except Exception as exc:  # pydantic ValidationError: say which scenario made the bad value
        raise AssumptionError(f"scenario {scenario}: override of {param.id} gives an invalid parameter: {exc}") from None


def with_scenario(aset: AssumptionSet, scenario: Scenario) -> AssumptionSet:
    """The assumption set as ``scenario`` sees it: overrides applied, disabled layers kept (the engine skips them)."""
    by_param: dict[str, list[Override]] = {}
    for o in scenario.overrides:
        if o.param not in aset.params:
            raise AssumptionError(f"scenario {scenario.name}: overrides a parameter {o.param!r} that does not exist")
        by_param.setdefault(o.param, []).append(o)
    params = dict(aset.params)
    for pid, overrides in by_param.items():
        params[pid] = apply_overrides(aset.params[pid], overrides, scenario.name)
    return dataclasses.replace(aset, params=params, scenario=scenario.name)
