"""Replay one basket over the policy timeline: the same lines priced as of every date the law changed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario, load_assumptions, with_scenario
from costimpact.landed import pool
from costimpact.landed.engine import P_POSTAL, price_lines, resolve_scenario
from costimpact.landed.engine import _text as text_or_empty  # the one "text, missing as empty" rule the engine reads ids with
from costimpact.landed.markets import destination_change_dates, price_any
from costimpact.landed.result import MODES
from costimpact.scenarios.reuse import ATTRS, NOT_PRICED, attr_columns, engine_reads, LinesMoved, line_attrs, shares, travel_groups, whole_groups

EVENTS_TABLE = "us/events"


def policy_events(aset: AssumptionSet) -> pd.DataFrame:
    """Labelled policy events (date, label, label_zh, source, evidence), sorted by date."""
    return aset.table(EVENTS_TABLE).sort_values("date").reset_index(drop=True)


def change_dates(aset: AssumptionSet, start: str | dt.date = "2024-01-01", end: str | dt.date = "2027-12-31") -> list[pd.Timestamp]:
    """Every date inside [start, end] on which a US rule the engine reads changed (a duty layer, a product
    exclusion, the de minimis rule, an entry limit, a fee, a postal regime), plus ``start`` itself. Exchange rates
    move daily and are not policy: they are read on each of these dates, not dates of their own."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    days: set[pd.Timestamp] = {lo}
    for param in aset.params.values():
        if not (param.id.startswith("us/") and engine_reads(param.id)):
            continue
        for v in param.values:
            for d in (v.from_, v.until):
                if d is not None:
                    days.add(pd.Timestamp(d))
    for period in aset.postal[P_POSTAL].periods:
        for d in (period.from_, period.until):
            if d is not None:
                days.add(pd.Timestamp(d))
    return sorted(d for d in days if lo <= d <= hi)


#: Rows priced per engine call (copies of the basket x dates): about 0.6 GB at the engine's peak, whatever the basket.
BATCH_ROWS = 300_000
#: From this many lines x dates the calls run in worker processes (:mod:`costimpact.landed.pool`), if there are cores.
PARALLEL_ROWS = 200_000
#: Rows per engine call when the calls run in workers: each worker holds one call's lines at a time.
WORKER_BATCH_ROWS = 150_000
TOTALS = ["customs_value_usd", "duty_total_usd", "fees_total_usd", "landed_cost_usd"]
def timeline(
    imported,  # noqa: ANN001 - an orders.ImportResult (or anything with .lines)
    *,
    scenario: str | Scenario = "actual",
    assumptions: AssumptionSet | None = None,
    start: str | dt.date = "2024-01-01",
    end: str | dt.date = "2027-12-31",
    dates: list | None = None,
    batch_rows: int = BATCH_ROWS,
    skip_unchanged: bool = True,
) -> pd.DataFrame:
    """The basket priced as of each change date, totalled per channel (shipping_mode).

    Each date is a pricing date only, like the ``today`` scenario's as-of date: every line is priced under the
    rules in force on that date, while it keeps its own ship date for what is physical (which lines share a
    shipment, what one buyer receives in a day). So the timeline on 2024-12-31 is the ``pre-2025`` scenario.
    The scenario's switched-off layers and overrides apply; its own date rule is replaced by the date.

    With ``skip_unchanged`` (US lines, and more lines x dates than one engine call of ``batch_rows``) the basket
    is priced in full on the first date only; on each later date only the lines whose law may have changed since
    the date before (:class:`LinesMoved`), with the lines they travel with, are priced again, and the totals are
    kept up to date line by line (:func:`_replay`): the same figures as pricing every line on every date.
    Otherwise every line is priced on every date. Either way the engine sees batches of about ``batch_rows``
    lines and only per-line figures are kept, so memory stays bounded.

    Returns one row per date x shipping_mode with customs_value_usd, duty_total_usd, fees_total_usd,
    landed_cost_usd, lines, and ``landed_vs_start_pct`` (change against the first date, same channel).
    """
    aset = assumptions or load_assumptions()
    scen = resolve_scenario(aset, scenario).model_copy(update={"date_mode": "line", "fixed_date": None})
    base = imported.lines.reset_index(drop=True)
    days = sorted({pd.Timestamp(d) for d in (dates or set(change_dates(aset, start, end)) | set(destination_change_dates(aset, base, start, end)))})
    k = len(base)
    if k == 0 or not days:
        return pd.DataFrame(columns=["date", "shipping_mode", "lines", *TOTALS, "landed_vs_start_pct"])
    tagged = _travel_day_ids(base)
    us_only = "destination_country" not in base or text_or_empty(base["destination_country"]).str.upper().isin(["", "US"]).all()
    if skip_unchanged and us_only and k * len(days) > batch_rows:  # what moves a line is known for the US law only
        out = _replay(tagged, days, aset, scen, batch_rows)
    else:
        per_call = max(1, batch_rows // k)
        out = pd.concat([_price_totals(tagged, days[i : i + per_call], aset, scen) for i in range(0, len(days), per_call)], ignore_index=True)
    out = out.sort_values(["date", "shipping_mode"], kind="stable").reset_index(drop=True)
    first_total = out.groupby("shipping_mode", observed=True)["landed_cost_usd"].transform("first")
    out["landed_vs_start_pct"] = np.where(first_total > 0, out["landed_cost_usd"] / first_total - 1.0, np.nan)
    for col in TOTALS:
        out[col] = out[col].round(2)
    return out


def _price_totals(tagged: pd.DataFrame, days: list[pd.Timestamp], aset: AssumptionSet, scen: Scenario) -> pd.DataFrame:
    """One engine call on the basket copied once per day: the totals per day x channel."""
    priced, _rejects, _used = price_any(_copies_priced_on(tagged, days), aset, scen, days[0].date())
    priced["date"] = priced["price_date"]
    return (
        priced.groupby(["date", "shipping_mode"], observed=True)
        .agg(lines=("landed_cost_usd", "size"), **{c: (c, "sum") for c in TOTALS})
        .reset_index()
    )


def _travel_day_ids(base: pd.DataFrame) -> pd.DataFrame:
    """The basket with its real ship date folded into ``order_id``, ``shipment_id`` and ``consignee_id``.

    The engine prices a line on its ``ship_date`` and groups shipments and a buyer's day by the same date, so
    each copy gets its pricing date as ``ship_date`` (:func:`_copies_priced_on`) and keeps its real groups
    through these ids: lines that travelled together still do, lines of different days or different copies
    never merge. An empty shipment or consignee id stays empty, so the engine's defaults (the order; the
    shipment) still apply.
    """
    travel = pd.to_datetime(base["ship_date"], errors="coerce") if "ship_date" in base else pd.Series(pd.NaT, index=base.index)
    day_tag = "|" + travel.dt.strftime("%Y-%m-%d").fillna("")
    copy = base.copy()
    for col in ("order_id", "shipment_id", "consignee_id"):
        ids = text_or_empty(copy[col]) if col in copy else pd.Series("", index=copy.index)
        # an empty order id still gets the day: the engine's last fallback groups id-less lines by day
        copy[col] = ids + day_tag if col == "order_id" else ids.where(ids == "", ids + day_tag)
    return copy


def _copies_priced_on(copy: pd.DataFrame, days: list[pd.Timestamp]) -> pd.DataFrame:
    """One copy of the id-folded basket (:func:`_travel_day_ids`) per pricing date, for one engine call."""
    k = len(copy)
    big = copy.loc[np.tile(np.arange(k), len(days))].reset_index(drop=True)
    big["ship_date"] = np.repeat(np.array(days, dtype="datetime64[ns]"), k)
    big["row_number"] = np.arange(2, len(big) + 2)
    return big


def _replay(tagged: pd.DataFrame, days: list[pd.Timestamp], aset: AssumptionSet, scen: Scenario, batch_rows: int) -> pd.DataFrame:
    """The totals per day x channel with every line priced on the first day, and on each later day only the
    travel groups (:func:`costimpact.scenarios.reuse.travel_groups`: a line's price depends on nothing
    outside its shipment and its buyer's day) of the lines :class:`LinesMoved` names; the other lines keep
    their cents from the day before. Each line's four money figures are kept, not its priced row.

    The engine calls are independent (each prices whole groups on one day), so they run side by side in worker
    processes where the machine has several cores (:mod:`costimpact.landed.pool`); the results are taken in
    date order, so the totals are the same either way."""
    k = len(tagged)
    a = with_scenario(aset, scen)
    tagged = tagged.drop(columns=[c for c in NOT_PRICED if c in tagged])  # what no US rule reads need not travel
    values = np.full((len(TOTALS), k), np.nan)  # each line's money figures as last priced
    mode = np.full(k, len(MODES), dtype=np.int64)  # index into MODES; len(MODES): not priced (rejected)
    attrs = {name: np.full(k, "", dtype=object) for name in ATTRS}
    days_done: list[pd.Timestamp] = []
    counts_by_day, sums_by_day = [], []
    group = travel_groups(tagged)
    basket = pool.Shared(tagged)  # sent to each worker once: a call names only its days and lines
    n_workers = pool.workers() if k * len(days) >= PARALLEL_ROWS else 1  # a small basket is priced sooner here
    if n_workers > 1:  # smaller calls, so that every worker has some and each holds less (about 0.35 GB at 150k)
        batch_rows = min(batch_rows, WORKER_BATCH_ROWS, max(20_000, k * len(days) // (4 * n_workers) + 1))

    def apply(rows: np.ndarray, result: tuple) -> None:
        line, money, modes, attr = result
        values[:, rows], mode[rows] = np.nan, len(MODES)  # a line rejected on this day drops out of its totals
        values[:, line], mode[line] = money.T, modes
        for name, (codes, uniques) in (attr or {}).items():
            attrs[name][line] = uniques[codes]

    def total(day: pd.Timestamp) -> None:  # per channel; the rejected lines' NaNs fall in a bucket of their own
        days_done.append(day)
        counts_by_day.append(np.bincount(mode, minlength=len(MODES) + 1)[: len(MODES)])
        sums_by_day.append(np.stack([np.bincount(mode, weights=v, minlength=len(MODES) + 1)[: len(MODES)] for v in values]))

    def run(jobs: list[tuple[pd.Timestamp, np.ndarray]], rows_per_call: int, with_attrs: bool = False):  # noqa: ANN202
        """Each job's (day, rows, result), in order, the jobs priced in calls of about ``rows_per_call`` lines
        (with the lines' attributes where ``with_attrs``)."""
        batches = []
        while jobs:
            batch, size = [], 0
            while jobs and (not batch or size + len(jobs[0][1]) <= rows_per_call):
                batch.append(jobs.pop(0))
                size += len(batch[-1][1])
            batches.append(batch)
        calls = [(basket, [(day, rows.astype(np.int32)) for day, rows in b], scen, b[0][0].date(), with_attrs) for b in batches]
        for batch, results in zip(batches, pool.run(_priced_batch, calls, aset, parallel=n_workers > 1)):
            for (day, rows), result in zip(batch, results):
                yield day, rows, result

    # the first day in full, its travel groups shared out whole between the workers, one call each
    first = [(days[0], rows) for rows in shares(group, n_workers)]
    for _day, rows, result in run(first, 1, with_attrs=True):  # a call of at most 1 row holds one job: each share its own
        apply(rows, result)
    total(days[0])
    unknown = mode == len(MODES)  # rejected on the first day: what moves them is not known, so they are priced every day
    lines_moved = LinesMoved(a, pd.DataFrame(attrs), options=scen.options)
    jobs = []
    for before, day in zip(days, days[1:]):
        moved = lines_moved(before, day) | unknown
        jobs.append((day, np.flatnonzero(whole_groups(group, moved))))
    for day, rows, result in run(jobs, batch_rows):
        apply(rows, result)
        total(day)
    basket.release()
    counts, sums = np.stack(counts_by_day), np.stack(sums_by_day)  # (days, modes), (days, totals, modes)
    at_day, at_mode = np.nonzero(counts)
    return pd.DataFrame(
        {
            "date": np.array(days_done, dtype="datetime64[ns]")[at_day],
            "shipping_mode": np.asarray(MODES, dtype=object)[at_mode],
            "lines": counts[at_day, at_mode],
            **{c: sums[at_day, i, at_mode] for i, c in enumerate(TOTALS)},
        }
    )


def _batch_frame(tagged: pd.DataFrame, jobs: list[tuple[pd.Timestamp, np.ndarray]]) -> pd.DataFrame:
    """The lines ``rows`` of each job with its day as their ship date, and ``row_number`` telling job and line apart."""
    k = len(tagged)
    big = tagged.iloc[np.concatenate([rows for _, rows in jobs])].reset_index(drop=True)
    big["ship_date"] = np.repeat(np.array([d for d, _ in jobs], dtype="datetime64[ns]"), [len(rows) for _, rows in jobs])
    big["row_number"] = 2 + np.concatenate([j * k + rows for j, (_, rows) in enumerate(jobs)])  # a line's place, per job
    return big


def _priced_batch(aset: AssumptionSet, tagged: pd.DataFrame, jobs: list[tuple[pd.Timestamp, np.ndarray]], scen: Scenario, as_of: dt.date, with_attrs: bool) -> list[tuple]:
    """One engine call on the lines of ``tagged`` each job names, priced on its day (:func:`_batch_frame`), here or
    in a worker. Per job: the positions of the lines priced (not rejected), their money figures (``TOTALS``), their
    channel (index into ``MODES``) and, where ``with_attrs``, the attributes :class:`LinesMoved` reads (else None:
    only numbers travel back)."""
    k, n_jobs = len(tagged), len(jobs)
    big = _batch_frame(tagged, jobs)
    if big.empty:
        return [(np.zeros(0, dtype=np.int64), np.zeros((0, len(TOTALS))), np.zeros(0, dtype=np.int64), None) for _ in range(n_jobs)]
    got, _rejects, _used = price_lines(big, aset, scen, as_of, columns=["row_number", "shipping_mode", *TOTALS, *(attr_columns(big) if with_attrs else [])])
    where = got["row_number"].to_numpy() - 2
    job, line = where // k, where % k
    attr = {name: pd.factorize(col) for name, col in line_attrs(got).items()} if with_attrs else None  # codes travel, not text
    money = got[TOTALS].to_numpy(dtype=float)
    modes = pd.Index(MODES).get_indexer(text_or_empty(got["shipping_mode"]).replace("", "express"))  # the engine's default
    return [(line[job == j], money[job == j], modes[job == j], None if attr is None else {name: (codes[job == j], uniques.to_numpy(dtype=object)) for name, (codes, uniques) in attr.items()})
            for j in range(n_jobs)]
