"""Variant mode: many scenarios priced in one engine call give, line for line, what one call per scenario gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from costimpact.assumptions import load_assumptions
from costimpact.errors import ArgumentError
from costimpact.landed.engine import price_lines, resolve_scenario
from costimpact.orders import normalize_frame
from costimpact.orders.synthetic import synthetic_orders

AS_OF = dt.date(2026, 12, 2)
# line-dated scenarios that differ only in overrides (de minimis, a layer's rate) and switched-off layers
NAMES = ["actual", "no-ieepa", "de-minimis-restored", "china-escalation", "no-forced-labor-301"]


@pytest.fixture(scope="module")
def setup():
    aset = load_assumptions()
    lines = normalize_frame(synthetic_orders(600)).lines
    return aset, lines


def test_one_call_equals_one_call_per_scenario(setup):
    aset, lines = setup
    scenarios = [resolve_scenario(aset, n) for n in NAMES]
    n = len(lines)
    tiled = pd.concat([lines] * len(scenarios), ignore_index=True)
    tiled["row_number"] = np.arange(len(tiled)) + 2  # the same order lines, once per scenario
    variant = np.repeat(np.arange(len(scenarios)), n)
    out, rej, used = price_lines(tiled, aset, scenarios[0], AS_OF, variants=scenarios, variant=variant)
    assert len(out) + len(rej["row_number"].unique()) == len(tiled)
    totals = {}
    for v, sc in enumerate(scenarios):
        alone, alone_rej, alone_used = price_lines(lines, aset, sc, AS_OF)
        mine = out[(out["row_number"] >= v * n + 2) & (out["row_number"] < (v + 1) * n + 2)]
        assert len(mine) == len(alone)
        for col in ["landed_cost_usd", "duty_total_usd", "fees_total_usd", "duty_postal_usd", "fee_mpf_usd", "de_minimis_threshold_usd"]:
            np.testing.assert_array_equal(mine[col].to_numpy(), alone[col].to_numpy(), err_msg=f"{sc.name}: {col}")
        assert list(mine["evidence_grade"].astype(str)) == list(alone["evidence_grade"].astype(str))
        totals[sc.name] = round(float(alone["landed_cost_usd"].sum()), 2)
    # the scenarios do differ on this basket, so the equality above tests the per-line choice of version
    assert len(set(totals.values())) == len(NAMES)
    # a period a variant changed is listed with its own value (china-escalation's 125% on CN)
    recip = used[(used["parameter"] == "us/layers/ieepa_reciprocal") & (used["key"] == "CN")]
    assert 1.25 in set(recip["value"]) and recip["changed_by_scenario"].any()


def test_variants_must_share_date_mode_and_options(setup):
    aset, lines = setup
    actual, pre = resolve_scenario(aset, "actual"), resolve_scenario(aset, "pre-2025")
    with pytest.raises(ArgumentError, match="more than its overrides"):
        price_lines(lines, aset, actual, AS_OF, variants=[actual, pre], variant=np.zeros(len(lines), dtype=int))
    with pytest.raises(ArgumentError, match="index from 0 to 0"):
        price_lines(lines, aset, actual, AS_OF, variants=[actual], variant=np.ones(len(lines), dtype=int))


def test_take_prices_each_position_like_the_materialised_frame(setup):
    """``take=``: the lines read once, priced once per position (here each line under three scenarios, some twice)."""
    aset, lines = setup
    scenarios = [resolve_scenario(aset, n) for n in NAMES[:3]]
    n = len(lines)
    take = np.concatenate([np.arange(n), np.arange(n), np.arange(0, n, 2)])
    variant = np.concatenate([np.zeros(n, dtype=int), np.ones(n, dtype=int), np.full(len(range(0, n, 2)), 2)])
    out, _rej, _used = price_lines(lines, aset, scenarios[0], AS_OF, variants=scenarios, variant=variant, take=take)
    tiled = lines.iloc[take].reset_index(drop=True)
    whole, _rej2, _used2 = price_lines(tiled, aset, scenarios[0], AS_OF, variants=scenarios, variant=variant)
    assert len(out) == len(whole) == len(take)
    assert list(out["take_position"]) == list(range(len(take)))
    np.testing.assert_array_equal(out["landed_cost_usd"].to_numpy(), whole["landed_cost_usd"].to_numpy())
    # the positions taken twice under different scenarios do differ where the scenarios do
    assert (out["landed_cost_usd"].to_numpy()[:n] != out["landed_cost_usd"].to_numpy()[n : 2 * n]).any()
    # with columns=, only the input columns asked for are taken, and they still line up with their positions
    wanted = ["sku", "landed_cost_usd", "origin_country"]
    lean, _rej3, _used3 = price_lines(lines, aset, scenarios[0], AS_OF, variants=scenarios, variant=variant, take=take, columns=wanted)
    assert list(lean.columns) == [*wanted, "take_position"]
    pd.testing.assert_frame_equal(lean[wanted], out[wanted], check_dtype=False)


def test_columns_keeps_only_the_figures_asked_for(setup):
    """``price_lines(columns=)``: the same figures as the full output, only those columns in that order, no used
    periods; a column that is neither an input nor an output is refused by name."""
    aset, lines = setup
    scen = resolve_scenario(aset, "actual")
    full, full_rej, full_used = price_lines(lines, aset, scen, AS_OF)
    wanted = ["row_number", "landed_cost_usd", "s301_list_applied", "duty_mfn_usd", "entry_type", "origin_country"]
    lean, lean_rej, lean_used = price_lines(lines, aset, scen, AS_OF, columns=wanted)
    assert list(lean.columns) == wanted
    pd.testing.assert_frame_equal(lean, full[wanted].reset_index(drop=True), check_dtype=False, check_categorical=False)
    pd.testing.assert_frame_equal(lean_rej, full_rej)
    assert len(full_used) and lean_used.empty
    with pytest.raises(ArgumentError, match="no_such_column"):
        price_lines(lines, aset, scen, AS_OF, columns=["landed_cost_usd", "no_such_column"])


def test_variants_sent_again_as_new_objects_find_their_periods_stacked_before(setup):
    """A worker process receives the same scenarios as new objects with every call: their changed parameter
    versions are told apart by content, so the second call stacks no periods again, and prices the same."""
    from costimpact.landed import work

    aset, lines = setup
    n = len(lines)
    variant = np.repeat(np.arange(3), n)
    tiled = pd.concat([lines] * 3, ignore_index=True)
    tiled["row_number"] = np.arange(len(tiled)) + 2

    def call() -> pd.DataFrame:  # fresh scenario objects, as unpickled in a worker
        scenarios = [resolve_scenario(aset, name).model_copy(deep=True) for name in ["china-escalation", "actual", "no-forced-labor-301"]]
        return price_lines(tiled, aset, scenarios[0], AS_OF, variants=scenarios, variant=variant)[0]

    first = call()
    stacked = len(work._STACKED)
    again = call()
    assert len(work._STACKED) == stacked, "the second call found every stacked version"
    pd.testing.assert_frame_equal(first, again)
