"""The timeline prices the basket as of each date, while every line keeps its own ship date for what is
physical: which lines share a shipment and what one buyer receives in a day (issue 12, finding 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import costimpact
from costimpact.api import read
from costimpact.scenarios.timeline import timeline

SAMPLE = Path(costimpact.__file__).parent / "data" / "sample_orders.csv"
COLS = ["lines", "customs_value_usd", "duty_total_usd", "fees_total_usd", "landed_cost_usd"]


@pytest.fixture(scope="module")
def sample():
    return read(SAMPLE)


def test_timeline_on_2024_12_31_is_the_pre_2025_scenario(sample, aset):
    """Same basket, same law (everything as of 2024-12-31): the same numbers per channel, to the cent."""
    both = timeline(sample, assumptions=aset, dates=["2024-06-01", "2024-12-31"])  # copies of the basket never pool
    tl = both[both["date"] == pd.Timestamp("2024-12-31")].set_index("shipping_mode")[COLS]
    pre = costimpact.price_orders(sample, scenario="pre-2025", assumptions=aset, as_of="2026-11-26")
    by = pre.lines.groupby("shipping_mode", observed=True).agg(
        lines=("landed_cost_usd", "size"), customs_value_usd=("customs_value_usd", "sum"), duty_total_usd=("duty_total_usd", "sum"),
        fees_total_usd=("fees_total_usd", "sum"), landed_cost_usd=("landed_cost_usd", "sum"),
    ).round(2)
    pd.testing.assert_frame_equal(tl.sort_index(), by[COLS].sort_index(), check_dtype=False, check_names=False)


def test_sample_postal_lines_in_2024_are_de_minimis(sample, aset):
    """In 2024 every postal parcel of the sample is under $800 per buyer-day: duty-free, $0 duty on all 164."""
    tl = timeline(sample, assumptions=aset, dates=["2024-01-01"]).set_index("shipping_mode")
    assert tl.loc["postal", "lines"] == 164
    assert tl.loc["postal", "duty_total_usd"] == 0.0
    assert tl.loc["postal", "fees_total_usd"] == 0.0


def test_a_buyer_s_orders_on_two_days_are_two_buyer_days(aset):
    """One consignee, two $500 express orders on different days: each day is $500 <= $800, so on 2024-06-01's
    law both are de minimis ($0 duty). Priced on one shared day they would pool to $1,000 and pay duty."""
    orders = pd.DataFrame(
        [
            {"order_id": "A", "consignee_id": "buyer-1", "hts_code": "3304.10.00", "origin_country": "VN", "unit_value": 500, "ship_date": "2025-09-02", "shipping_mode": "express"},
            {"order_id": "B", "consignee_id": "buyer-1", "hts_code": "3304.10.00", "origin_country": "VN", "unit_value": 500, "ship_date": "2025-09-03", "shipping_mode": "express"},
        ]
    )
    tl = timeline(read(orders), assumptions=aset, dates=["2024-06-01"])
    assert tl["duty_total_usd"].sum() == 0.0 and tl["landed_cost_usd"].sum() == 1000.0


def test_dates_left_unpriced_change_nothing(sample, aset):
    """Every change date 2024-2027, priced in small batches with the dates whose law cannot touch the basket
    skipped, equals every date priced in one frame."""
    fast = timeline(sample, assumptions=aset, batch_rows=2 * len(sample.lines))
    full = timeline(sample, assumptions=aset, batch_rows=10**9, skip_unchanged=False)
    pd.testing.assert_frame_equal(fast, full)


def _two_lines(first: tuple[str, str], second: tuple[str, str], ship_date: str) -> pd.DataFrame:
    """Two $50 lipstick orders, A and B, of the given (origin, shipping mode)."""
    return pd.DataFrame(
        [
            {"order_id": oid, "hts_code": "3304.10.00", "origin_country": origin, "unit_value": 50, "ship_date": ship_date, "shipping_mode": mode}
            for oid, (origin, mode) in (("A", first), ("B", second))
        ]
    )


def _engine_calls_see(monkeypatch, column: str) -> list[list[str]]:  # noqa: ANN001
    """What each timeline engine call prices: the sorted values of ``column``, one list per call."""
    from costimpact.scenarios import timeline as tl

    seen: list[list[str]] = []
    real = tl.price_lines

    def spy(lines, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(sorted(lines[column]))
        return real(lines, *args, **kwargs)

    monkeypatch.setattr(tl, "price_lines", spy)
    return seen


def test_a_change_for_other_origins_is_not_priced_again(aset, monkeypatch):
    """A Vietnamese and a Chinese line: the 2025-02-04 fentanyl duty on China and Hong Kong moves the Chinese line
    only, so only it is priced again on that date; the reciprocal rates from 2025-04-05 (every origin) move both;
    from 2025-05-15 to 2025-08-07 only the Vietnamese line's law changed (its reciprocal rate; Section 232 and
    other origins' changes touch neither). The totals are those of both lines priced on every date."""
    orders = _two_lines(("VN", "express"), ("CN", "express"), "2025-09-02")
    days = ["2025-01-01", "2025-02-04", "2025-05-15", "2025-08-07"]
    priced_origins = _engine_calls_see(monkeypatch, "origin_country")
    fast = timeline(read(orders), assumptions=aset, dates=days, batch_rows=1)
    assert priced_origins == [["CN", "VN"], ["CN"], ["CN", "VN"], ["VN"]]
    full = timeline(read(orders), assumptions=aset, dates=days, skip_unchanged=False)
    pd.testing.assert_frame_equal(fast, full)


@pytest.mark.parametrize("scenario", ["china-escalation", "de-minimis-restored", "no-ieepa"])
def test_repricing_only_the_lines_that_moved_equals_pricing_every_line(sample, aset, scenario):
    """Under scenarios that override a rate, the de minimis rule or switch layers off, the timeline that prices
    again only the lines a change can move (with their shipments and buyers' days) equals every line priced on
    every date, to the cent and the line."""
    fast = timeline(sample, scenario=scenario, assumptions=aset, batch_rows=3 * len(sample.lines))
    full = timeline(sample, scenario=scenario, assumptions=aset, skip_unchanged=False)
    pd.testing.assert_frame_equal(fast, full)


def test_repricing_only_the_lines_that_moved_on_a_synthetic_seller(aset):
    """1,500 synthetic lines (orders of several lines, buyers ordering twice a day, bills of lading shared by
    seven orders, CNY prices): repricing only what moved equals every line priced on every date."""
    from costimpact.orders import normalize_frame
    from costimpact.orders.synthetic import synthetic_orders

    basket = normalize_frame(synthetic_orders(1500), file_name="synthetic.csv")
    fast = timeline(basket, assumptions=aset, batch_rows=20_000)
    full = timeline(basket, assumptions=aset, skip_unchanged=False)
    pd.testing.assert_frame_equal(fast, full)


def test_the_timeline_in_worker_processes_equals_one_process(aset, monkeypatch):
    """The same synthetic seller with its engine calls run side by side in two worker processes (the first day
    split between them, later days in small calls): the same totals as every line priced on every date here."""
    from costimpact.landed import pool
    from costimpact.orders import normalize_frame
    from costimpact.orders.synthetic import synthetic_orders
    from costimpact.scenarios import timeline as tl

    basket = normalize_frame(synthetic_orders(1500), file_name="synthetic.csv")
    monkeypatch.setenv(pool.WORKERS_ENV, "2")
    monkeypatch.setattr(tl, "PARALLEL_ROWS", 1)
    calls = []
    real_run = pool.run

    def counting(fn, todo, aset_, parallel=True):  # noqa: ANN001, ANN202
        todo = list(todo)
        calls.append((len(todo), parallel))
        return real_run(fn, todo, aset_, parallel=parallel)

    monkeypatch.setattr(pool, "run", counting)
    fast = timeline(basket, assumptions=aset, batch_rows=20_000)
    assert calls[0] == (2, True) and all(p for _n, p in calls) and sum(n for n, _p in calls) > 3
    assert pool.worker_pids(), "the calls ran in worker processes"
    monkeypatch.setenv(pool.WORKERS_ENV, "1")
    full = timeline(basket, assumptions=aset, skip_unchanged=False)
    pd.testing.assert_frame_equal(fast, full)


def test_a_fee_for_mail_moves_only_the_mail(aset, monkeypatch):
    """A scenario raises the dutiable mail fee on 2024-11-01, a day nothing else changes: only the postal line is
    priced again on that day (the fee is read for mail only), and the totals are those of every line priced."""
    from costimpact.assumptions.models import Override

    orders = _two_lines(("VN", "postal"), ("VN", "express"), "2024-09-02")
    fee = Override(param="us/fees/dutiable_mail_fee", keys=["*"], **{"from": "2024-11-01"}, value=9.99)
    actual = aset.scenarios["actual"]
    scen = actual.model_copy(update={"name": "mail-fee-up", "overrides": [*actual.overrides, fee]})
    priced_modes = _engine_calls_see(monkeypatch, "shipping_mode")
    fast = timeline(read(orders), scenario=scen, assumptions=aset, dates=["2024-10-15", "2024-11-01"], batch_rows=1)
    assert priced_modes == [["express", "postal"], ["postal"]]
    full = timeline(read(orders), scenario=scen, assumptions=aset, dates=["2024-10-15", "2024-11-01"], skip_unchanged=False)
    pd.testing.assert_frame_equal(fast, full)


def test_shares_never_split_a_travel_group_and_cover_every_line():
    """What the workers are given side by side: every line exactly once, each travel group whole, sizes within one
    group of each other (a synthetic seller's groups, and four groups whose sizes are known)."""
    from costimpact.orders import normalize_frame
    from costimpact.orders.synthetic import synthetic_orders
    from costimpact.scenarios.reuse import shares, travel_groups

    group = travel_groups(normalize_frame(synthetic_orders(1500), file_name="synthetic.csv").lines)
    assert (pd.Series(group).value_counts() > 1).any()  # there are groups of several lines to split
    for n in (2, 3):
        parts = shares(group, n)
        assert sorted(np.concatenate(parts)) == list(range(len(group)))
        owner = np.empty(len(group), dtype=int)
        for i, rows in enumerate(parts):
            owner[rows] = i
        assert (pd.Series(owner).groupby(group).nunique() == 1).all()
        sizes = [len(rows) for rows in parts]
        assert max(sizes) - min(sizes) <= pd.Series(group).value_counts().max()
    assert [len(rows) for rows in shares(np.repeat([0, 1, 2, 3], [60, 50, 40, 30]), 2)] == [90, 90]


def test_the_timeline_dates_include_every_us_rule_the_engine_reads(aset):
    """The carrier fees' changes (UPS from 2025-09-08, USPS from 2026-01-18) and the lapse of the Section 301
    product exclusions (2026-11-11) are dates of the timeline; exchange rates are not."""
    from costimpact.scenarios.timeline import change_dates

    days = set(change_dates(aset, "2024-01-01", "2027-12-31"))
    assert {pd.Timestamp("2025-09-08"), pd.Timestamp("2026-01-18"), pd.Timestamp("2026-11-11")} <= days
    assert pd.Timestamp("2025-09-01") not in days  # a monthly exchange rate, not a rule


def test_a_carrier_fee_moves_only_the_lines_that_pay_it(aset, monkeypatch):
    """With UPS as the carrier, its clearance fee from 2025-09-08 moves the express line only; with the USPS fee
    on, the USPS fee from 2026-01-18 moves the postal line only; with no carrier, neither moves. The totals are
    those of every line priced on every date."""
    orders = _two_lines(("VN", "postal"), ("VN", "express"), "2025-09-02")
    actual = aset.scenarios["actual"]
    cases = [
        ({"carrier": "ups"}, ["2025-09-01", "2025-09-08"], [["express", "postal"], ["express"]]),
        ({"carrier": "none", "usps_clearance_fee": True}, ["2026-01-01", "2026-01-18"], [["express", "postal"], ["postal"]]),
        ({"carrier": "none"}, ["2025-09-01", "2025-09-08"], [["express", "postal"]]),
    ]
    for options, days, priced in cases:
        scen = actual.model_copy(update={"name": "carrier-case", "options": actual.options.model_copy(update=options)})
        seen = _engine_calls_see(monkeypatch, "shipping_mode")
        fast = timeline(read(orders), scenario=scen, assumptions=aset, dates=days, batch_rows=1)
        assert seen == priced, options
        full = timeline(read(orders), scenario=scen, assumptions=aset, dates=days, skip_unchanged=False)
        pd.testing.assert_frame_equal(fast, full)
        if options["carrier"] == "ups" or options.get("usps_clearance_fee"):
            assert fast.groupby("date")["fees_total_usd"].sum().diff().iloc[-1] > 0, "the fee starts on the second date"


def test_the_exclusions_lapse_moves_only_the_line_claiming_one(aset, monkeypatch):
    """Two Chinese lines on a Section 301 list, one claiming a product exclusion: the exclusions lapse after
    2026-11-10, which raises that line's duty and moves no other line. Totals as every line priced."""
    orders = _two_lines(("CN", "express"), ("CN", "express"), "2026-10-02").assign(hts_code="8504.40.95", s301_exclusion=[True, False])
    seen = _engine_calls_see(monkeypatch, "order_id")
    days = ["2026-11-01", "2026-11-11"]
    fast = timeline(read(orders), assumptions=aset, dates=days, batch_rows=1)
    assert [[oid.split("|")[0] for oid in call] for call in seen] == [["A", "B"], ["A"]]
    full = timeline(read(orders), assumptions=aset, dates=days, skip_unchanged=False)
    pd.testing.assert_frame_equal(fast, full)
    duty = fast.groupby("date")["duty_total_usd"].sum()
    assert duty.iloc[1] > duty.iloc[0], "the claimed exclusion ended"
