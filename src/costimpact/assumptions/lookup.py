"""Look up the value in force: for one date (:func:`value_at`) or for every row of a frame (:func:`attach`).

A keyed value is looked up under the row's own key first; where that key has no value in force on the date,
the default key ``*`` answers. Lookups are binary searches over each distinct (key, date) pair; there is no row loop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions.loader import AssumptionSet
from costimpact.assumptions.models import Override, Parameter, Period, PostalRegime, Scenario
from costimpact.errors import AssumptionError
from costimpact.memo import remember

PERIOD_COLUMNS = ["key", "from", "until", "value", "min", "max", "base", "inclusive", "evidence", "source", "url", "scenario", "period_id"]


_FRAMES: dict[tuple, tuple[Parameter, pd.DataFrame]] = {}
ATTACH_COLUMNS = ["value", "min", "max", "base", "inclusive", "evidence", "period_id"]


_BY_CONTENT: dict[tuple, pd.DataFrame] = {}


def periods_frame(param: Parameter) -> pd.DataFrame:
    """The parameter's values as a frame sorted by ``from`` (one row per period, ``period_id`` = param#index).
    Built once per content: a scenario's version of a parameter, received again as a new object (in a worker
    process, with every call), finds the frame built before. Callers never change it."""
    return remember(_FRAMES, param, (), lambda: _frame_by_content(param), 4096)


def param_content(param: Parameter) -> tuple:
    """What a parameter's periods frame is made of: parameters with equal contents look up alike."""
    return (param.id, param.evidence, *((p.key, p.from_, p.until, p.value, p.min, p.max, p.base, p.inclusive, p.evidence, p.scenario, p.source, p.url) for p in param.values))


def _frame_by_content(param: Parameter) -> pd.DataFrame:
    key = param_content(param)
    frame = _BY_CONTENT.get(key)
    if frame is None:
        if len(_BY_CONTENT) > 4096:
            _BY_CONTENT.clear()
        frame = _BY_CONTENT[key] = _build_periods_frame(param)
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


_POSTAL: dict[int, tuple[PostalRegime, pd.DataFrame]] = {}


def postal_periods(regime: PostalRegime, *, by_origin: bool = False) -> pd.DataFrame:
    """A postal regime's periods as a frame, the one flattening the engine, the used-values table and the app
    read: one row per period (``key`` = its origins joined by commas), or with ``by_origin`` one row per period
    and origin (``key`` = the origin, for a lookup by the line's origin). Columns: key, from, until, treatment,
    ad_valorem, specific_usd, specific_until, ieepa, evidence, source, url (the regime's reference where the
    period has none), period_id (regime#index)."""
    hit = _POSTAL.get(id(regime))
    if hit is None or hit[0] is not regime:
        rows = [
            {
                "origins": list(p.origins),
                "key": ",".join(p.origins),
                "from": pd.Timestamp(p.from_),
                "until": pd.Timestamp(p.until) if p.until else pd.NaT,
                "treatment": p.treatment,
                "ad_valorem": np.nan if p.ad_valorem is None else p.ad_valorem,
                "specific_usd": np.nan if p.specific_usd is None else p.specific_usd,
                "specific_until": pd.Timestamp(p.specific_until) if p.specific_until else pd.NaT,
                "ieepa": p.ieepa,
                "evidence": p.evidence or regime.evidence,
                "source": p.source,
                "url": p.url or regime.references[0].url or "",
                "period_id": f"{regime.id}#{i}",
            }
            for i, p in enumerate(regime.periods)
        ]
        frame = pd.DataFrame(rows)
        for col in ("until", "specific_until"):
            frame[col] = pd.to_datetime(frame[col])
        hit = (regime, frame)
        _POSTAL[id(regime)] = hit
    frame = hit[1]
    if not by_origin:
        return frame.drop(columns="origins")
    flat = frame.explode("origins", ignore_index=True)
    return flat.assign(key=flat.pop("origins").astype(str))


def value_at(param: Parameter, when: dt.date | str, key: str = "*") -> Period | None:
    """The period of ``param`` in force on ``when`` for ``key`` (falling back to ``*``), or None: as :func:`attach`
    looks it up, the key's period begun last (the later in file order on a tie), if it has not ended."""
    day = pd.Timestamp(when)
    for k in ([key, "*"] if key != "*" else ["*"]):
        best: Period | None = None
        for p in param.values:
            if p.key == k and pd.Timestamp(p.from_) <= day and (best is None or p.from_ >= best.from_):
                best = p
        if best is not None and (best.until is None or day < pd.Timestamp(best.until)):
            return best
    return None


def attach(param: Parameter, dates: pd.Series, keys: pd.Series | None = None, days: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """For each row, the period of ``param`` in force on ``dates`` (datetime64) for ``keys`` (default ``*``).

    Returns a frame aligned to ``dates.index`` with ``value, min, max, base, inclusive, evidence, period_id``;
    rows with no value in force get NaN value and an empty period_id. ``days`` is ``day_codes(dates)`` where the
    caller already has it.
    """
    return asof_join(periods_frame(param), dates, keys, ATTACH_COLUMNS, days=days)


_PREPARED: dict[tuple, tuple[pd.DataFrame, dict]] = {}


def _prepared(periods: pd.DataFrame) -> dict:
    """What :func:`asof_join` reads of a periods frame, worked out once per frame (frames are not changed once
    built): key codes, start and end dates, and each column as an array with one extra entry for "not found"."""
    return remember(_PREPARED, periods, (), lambda: _prepare(periods), 4096)


def _prepare(periods: pd.DataFrame) -> dict:
    pkeys = periods["key"].astype(str).to_numpy()
    vocab = {k: i for i, k in enumerate(pd.unique(pkeys))}
    return {
        "vocab": vocab,
        "star": vocab.get("*", -1),
        "right_code": np.array([vocab[k] for k in pkeys], dtype=np.int64),
        "start": periods["from"].to_numpy().astype("datetime64[ns]").view(np.int64),
        "until": periods["until"].to_numpy().astype("datetime64[ns]"),
        "group": np.zeros(len(periods), dtype=np.int64) if "_g" not in periods else periods["_g"].to_numpy(dtype=np.int64),
        "cols": {},
    }


def _column(periods: pd.DataFrame, prep: dict, c: str) -> tuple:
    """Column ``c`` of the periods with a last entry for rows that found no period: NaN, False, NaT, or for text
    the codes of a categorical whose "nothing" is empty ("full" for ``base``)."""
    got = prep["cols"].get(c)
    if got is not None:
        return got
    src = periods[c]
    if c in ("value", "min", "max") or src.dtype.kind == "f":
        got = ("f", np.append(src.to_numpy(dtype=float), np.nan))
    elif c == "inclusive" or src.dtype.kind == "b":
        got = ("b", np.append(src.to_numpy(dtype=bool), False))
    elif src.dtype.kind == "M":
        got = ("M", np.append(src.to_numpy().astype("datetime64[ns]"), np.datetime64("NaT", "ns")))
    else:
        empty = "full" if c == "base" else ""
        text = src.astype(object).where(src.notna(), empty).astype(str).to_numpy()
        cats = pd.unique(np.append(text, empty))
        code_of = {v: i for i, v in enumerate(cats)}
        got = ("c", np.array([code_of[v] for v in text] + [code_of[empty]], dtype=np.int64), pd.Index(cats))
    prep["cols"][c] = got
    return got


def day_codes(dates: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a code per row, the distinct days as datetime64[ns]): the dates factorized once, for many lookups."""
    day = pd.to_datetime(np.asarray(dates)).to_numpy().astype("datetime64[ns]") if not isinstance(dates, np.ndarray) or dates.dtype != "datetime64[ns]" else dates
    codes, uniq = pd.factorize(day, use_na_sentinel=False)
    return codes.astype(np.int64), np.asarray(uniq, dtype="datetime64[ns]")


def _first_of_each(combined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(for each row, the index of its distinct value; the first row holding each distinct value). Values that
    fit a small table are counted in it (no hashing); others are factorized."""
    n = len(combined)
    top = int(combined.max(initial=0)) + 1
    if top <= max(4 * n, 1 << 16) and top <= (1 << 25):
        first_at = np.full(top, n, dtype=np.int64)
        first_at[combined[::-1]] = np.arange(n - 1, -1, -1)  # written in reverse: the earliest row is written last
        present = np.flatnonzero(first_at < n)
        rank = np.zeros(top, dtype=np.int64)
        rank[present] = np.arange(len(present))
        return rank[combined], first_at[present]
    back, uniq = pd.factorize(combined)
    first = np.zeros(len(uniq), dtype=np.int64)
    first[back[::-1]] = np.arange(n - 1, -1, -1)
    return back.astype(np.int64), first


def asof_join(periods: pd.DataFrame, dates: pd.Series, keys: pd.Series | None, cols: list[str], groups: np.ndarray | None = None,
              days: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """The row of ``periods`` (columns key, from, until and ``cols``) in force on each date, by key with
    fallback to key ``*``: the key's period begun last (the later in file order on a tie), if it has not ended.
    Vectorised: keys and dates become integer codes, each distinct (key, date) pair is looked up once by a
    binary search over the periods sorted by key and start, and the columns are gathered with one take each
    (text columns as categoricals).

    With ``groups`` (an integer per row) ``periods`` holds several versions of a parameter, told apart by its
    integer column ``_g``: each row looks up only the periods of its own group. ``days`` is ``day_codes(dates)``
    where the caller already has it."""
    idx = dates.index
    n = len(dates)
    prep = _prepared(periods)
    vocab, star, right_code = prep["vocab"], prep["star"], prep["right_code"]
    lg = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    rg = np.zeros(len(periods), dtype=np.int64) if groups is None else prep["group"]
    n_groups = int(max(lg.max(initial=0), rg.max(initial=0))) + 1
    date_code, uniq_days = days if days is not None else day_codes(dates)
    if keys is None:
        left_code = np.full(n, star, dtype=np.int64)
    else:
        if isinstance(keys.dtype, pd.CategoricalDtype):  # the categories are the distinct keys already
            inverse, uniq = keys.cat.codes.to_numpy().astype(np.int64), keys.cat.categories
        else:
            inverse, uniq = pd.factorize(keys, use_na_sentinel=True)
        lookup = np.array([vocab.get(str(u), -2) for u in uniq] + [star], dtype=np.int64)
        left_code = lookup[inverse]  # a missing key (-1) takes the last entry: the default key
    # Order files repeat the same (key, date) pairs many times: look each distinct pair up once.
    back, first = _first_of_each(((left_code + 2) * n_groups + lg) * (len(uniq_days) + 1) + date_code)
    pair_day = uniq_days[date_code[first]]
    day, has_date = pair_day.view(np.int64), ~np.isnat(pair_day)
    left_code, lg = left_code[first], lg[first]
    k = len(first)
    found = np.full(k, -1, dtype=np.int64)
    start, until = prep["start"], prep["until"]
    for use_key in (True, False):
        want = has_date & (found < 0) & ((left_code >= 0) & (left_code != star) if use_key else np.ones(k, dtype=bool))
        rsel = right_code != star if use_key else right_code == star
        if not want.any() or not rsel.any():
            continue
        pos = np.flatnonzero(want)
        ridx = np.flatnonzero(rsel)
        rk = (right_code[ridx] * n_groups if use_key else 0) + rg[ridx]
        lk = (left_code[pos] * n_groups if use_key else 0) + lg[pos]
        # rank every date among the periods' starts and the rows' days, then search (key, rank) pairs
        when = np.unique(np.concatenate([start[ridx], day[pos]]))
        width = len(when) + 1
        order = np.lexsort((start[ridx], rk))  # stable: periods beginning the same day stay in file order
        right_key = rk[order] * width + np.searchsorted(when, start[ridx][order])
        at = np.searchsorted(right_key, lk * width + np.searchsorted(when, day[pos]), side="right") - 1
        hit = (at >= 0) & (rk[order][np.maximum(at, 0)] == lk)
        pidx = ridx[order][np.maximum(at, 0)]
        end = until[pidx]
        live = hit & (np.isnat(end) | (day[pos] < end.view(np.int64)))
        found[pos[live]] = pidx[live]
    found = found[back] if n else found
    found = np.where(found >= 0, found, len(periods))  # the extra last entry: nothing found
    data: dict[str, object] = {}
    for c in cols:
        got = _column(periods, prep, c)
        if got[0] == "c":
            data[c] = pd.Categorical.from_codes(got[1][found], categories=got[2], validate=False)
        else:
            data[c] = got[1][found]
    return pd.DataFrame(data, index=idx, copy=False)


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
