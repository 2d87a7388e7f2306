"""Outlook and sensitivity: small baskets whose event effects are worked by hand.

The basket: a $1,000 cotton T-shirt line from China (forced-labor 301 at 12.5% = $125.00) and a $200 one from
Norway (not among the 60 forced-labor economies), each its own express shipment. Two test events:
- E1 "flip-off": the forced-labor 301 layer ends from 2027-01-15 (China line -$125.00, Norway line $0);
- E2 "s122-again": a 10% Section 122 surcharge from 2027-03-01 to 2027-07-29 (China +$100.00, Norway +$20.00).
Only the deltas are worked here; the base cost B of each line on each date is the engine's own, priced through the
ordinary API with the matching scenario, never through the outlook.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import costimpact
from costimpact.assumptions import load_assumptions
from costimpact.orders import normalize_frame
from costimpact.scenarios.outlook import month_points, outlook, weighted_quantiles
from costimpact.scenarios.sensitivity import sensitivity

BUILTIN = Path(costimpact.__file__).resolve().parents[2] / "assumptions"
E1 = """kind = "pending_event"
label = "forced-labor 301 ends"
label_zh = "强迫劳动 301 结束"
description = "test"
description_zh = "测试"
date = 2027-01-15
{window}
probability = {p}
probability_note = "test value"
probability_note_zh = "测试值"
references = [{{ title = "test event" }}]
disable_layers = ["s301_forced_labor"]
"""
E2 = """kind = "pending_event"
label = "Section 122 again"
label_zh = "再次 122"
description = "test"
description_zh = "测试"
date = 2027-03-01
probability = {p}
probability_note = "test value"
probability_note_zh = "测试值"
references = [{{ title = "test event" }}]

[[overrides]]
param = "us/layers/s122"
from = 2027-03-01
until = 2027-07-29
value = 0.10
"""


def assumptions_with(tmp_path: Path, events: dict[str, str]):
    root = tmp_path / "assumptions"
    shutil.copytree(BUILTIN, root)
    shutil.rmtree(root / "outlook" / "events")
    (root / "outlook" / "events").mkdir()
    for name, text in events.items():
        (root / "outlook" / "events" / f"{name}.toml").write_text(text, encoding="utf-8")
    return load_assumptions(root)


def basket():
    frame = pd.DataFrame(
        {
            "order_id": ["A1", "B1"],
            "sku": ["TEE-CN", "TEE-NO"],
            "hts_code": ["6109.10.00", "6109.10.00"],
            "origin_country": ["CN", "NO"],
            "unit_value": [1000.0, 200.0],
            "quantity": [1, 1],
            "shipping_mode": ["express", "express"],
            "ship_date": ["2026-11-20", "2026-11-20"],
        }
    )
    return normalize_frame(frame)


def engine_cost(imported, aset, day: str, *, disable=(), s122=False) -> pd.Series:
    """Per-SKU landed cost from the ordinary API, every line under the law of ``day``."""
    scen = aset.scenarios["today"].model_copy(update={"disable_layers": list(disable)})
    if s122:
        from costimpact.assumptions.models import Override

        scen = scen.model_copy(update={"overrides": [Override.model_validate({"param": "us/layers/s122", "from": "2027-03-01", "until": "2027-07-29", "value": 0.10})]})
    r = costimpact.price_orders(imported, scenario=scen, as_of=day, assumptions=aset)
    assert len(r.rejects) == 0, r.rejects
    return r.lines.set_index("sku")["landed_cost_usd"]


def test_event_deltas_are_the_hand_worked_ones(tmp_path):
    aset = assumptions_with(tmp_path, {"flip-off": E1.format(window="", p=0.3), "s122-again": E2.format(p=0.2)})
    imp = basket()
    base = engine_cost(imp, aset, "2027-04-01")
    assert engine_cost(imp, aset, "2027-04-01", disable=["s301_forced_labor"]).sub(base).round(2).to_dict() == {"TEE-CN": -125.0, "TEE-NO": 0.0}
    assert engine_cost(imp, aset, "2027-04-01", s122=True).sub(base).round(2).to_dict() == {"TEE-CN": 100.0, "TEE-NO": 20.0}


def test_exact_enumeration_two_events(tmp_path):
    aset = assumptions_with(tmp_path, {"flip-off": E1.format(window="", p=0.3), "s122-again": E2.format(p=0.2)})
    imp = basket()
    o = outlook(imp, horizon="2027-04-01", as_of="2026-12-02", assumptions=aset)
    assert o.method == "exact"
    b = engine_cost(imp, aset, "2027-04-01")
    B = b.sum()
    # outcomes on 2027-04-01 (both events dated before it), probabilities by hand:
    #   neither 0.7*0.8 = 0.56 -> B; E1 only 0.3*0.8 = 0.24 -> B-125; E2 only 0.7*0.2 = 0.14 -> B+120; both 0.06 -> B-5
    star = o.groups.set_index("group").loc["*"]
    assert star.expected_landed_cost_usd == pytest.approx(B - 0.24 * 125 + 0.14 * 120 - 0.06 * 5, abs=0.005)
    # sorted: B-125 (cum 0.24), B-5 (0.30), B (0.86), B+120 (1.00)
    assert star.p10_landed_cost_usd == pytest.approx(B - 125, abs=0.005)
    assert star.p50_landed_cost_usd == pytest.approx(B, abs=0.005)
    assert star.p90_landed_cost_usd == pytest.approx(B + 120, abs=0.005)
    tee_no = o.groups.set_index("group").loc["TEE-NO"]
    # the Norway line only feels E2: B_no + 0.2*20
    assert tee_no.expected_landed_cost_usd == pytest.approx(b["TEE-NO"] + 4.0, abs=0.005)
    assert tee_no.p90_landed_cost_usd == pytest.approx(b["TEE-NO"] + 20.0, abs=0.005)
    events = o.events.set_index("event")
    assert events.loc["flip-off", "effect_alone_usd"] == pytest.approx(-125.0)
    assert events.loc["s122-again", "effect_alone_usd"] == pytest.approx(120.0)


def test_path_before_and_after_each_event(tmp_path):
    aset = assumptions_with(tmp_path, {"flip-off": E1.format(window="", p=0.3), "s122-again": E2.format(p=0.2)})
    imp = basket()
    o = outlook(imp, horizon="2027-09-30", as_of="2026-12-02", assumptions=aset)
    path = o.path[o.path["group"] == "*"].set_index("date")
    assert list(path.index) == [p.date() for p in month_points(dt.date(2026, 12, 2), dt.date(2027, 9, 30))]
    first = path.loc[dt.date(2026, 12, 2)]
    assert first.p10_landed_cost_usd == first.p90_landed_cost_usd == first.expected_landed_cost_usd  # nothing pending yet
    feb = path.loc[dt.date(2027, 2, 1)]
    b_feb = engine_cost(imp, aset, "2027-02-01").sum()
    assert feb.expected_landed_cost_usd == pytest.approx(b_feb - 0.3 * 125, abs=0.005)  # E1 only
    sep = path.loc[dt.date(2027, 9, 1)]
    b_sep = engine_cost(imp, aset, "2027-09-01").sum()
    assert sep.expected_landed_cost_usd == pytest.approx(b_sep - 0.3 * 125, abs=0.005)  # the surcharge has run out
    channels = set(o.path["group"])
    assert channels == {"*", "express"}


def test_window_spreads_the_probability_uniformly(tmp_path):
    aset = assumptions_with(tmp_path, {"flip-off": E1.format(window="window_end = 2027-06-30", p=0.3)})
    imp = basket()
    o = outlook(imp, horizon="2027-04-01", as_of="2026-12-02", assumptions=aset)
    b = engine_cost(imp, aset, "2027-04-01").sum()
    # 2027-01-15 .. 2027-04-01 is 77 of the window's 167 days
    q = 0.3 * 77 / 167
    assert o.groups.iloc[0].expected_landed_cost_usd == pytest.approx(b - q * 125, abs=0.005)
    assert o.events.set_index("event").loc["flip-off", "probability_by_horizon"] == pytest.approx(q)


def test_monte_carlo_converges_and_repeats(tmp_path):
    aset = assumptions_with(tmp_path, {"flip-off": E1.format(window="window_end = 2027-06-30", p=0.3), "s122-again": E2.format(p=0.2)})
    imp = basket()
    exact = outlook(imp, horizon="2027-05-01", as_of="2026-12-02", assumptions=aset)
    mc = outlook(imp, horizon="2027-05-01", as_of="2026-12-02", assumptions=aset, runs=40_000, seed=7)
    again = outlook(imp, horizon="2027-05-01", as_of="2026-12-02", assumptions=aset, runs=40_000, seed=7)
    assert mc.method == "monte_carlo" and mc.runs == 40_000
    e, m = exact.groups.iloc[0], mc.groups.iloc[0]
    # standard error of the mean: sd of the outcome (< $70) / sqrt(40,000) < $0.35; allow 5 of them
    assert m.expected_landed_cost_usd == pytest.approx(e.expected_landed_cost_usd, abs=1.75)
    assert m.p10_landed_cost_usd == e.p10_landed_cost_usd and m.p90_landed_cost_usd == e.p90_landed_cost_usd
    pd.testing.assert_frame_equal(mc.groups, again.groups)
    pd.testing.assert_frame_equal(mc.path, again.path)


def test_in_law_event_applies_if_not_when_doubted(tmp_path):
    in_law = """kind = "pending_event"
label = "forced-labor rate stays at 12.5%"
label_zh = "强迫劳动税率维持 12.5%"
description = "test"
description_zh = "测试"
date = 2027-01-01
in_law = true
probability = {p}
probability_note = "test value"
probability_note_zh = "测试值"
evidence = "confirmed"
references = [{{ title = "test event" }}]

[[if_not]]
param = "us/layers/s301_forced_labor"
keys = ["CN"]
from = 2027-01-01
value = 0.10
"""
    imp = basket()
    certain = outlook(imp, horizon="2027-02-01", as_of="2026-12-02", assumptions=assumptions_with(tmp_path / "a", {"stay": in_law.format(p=1.0)}))
    aset = assumptions_with(tmp_path / "b", {"stay": in_law.format(p=0.75)})
    doubted = outlook(imp, horizon="2027-02-01", as_of="2026-12-02", assumptions=aset)
    b = engine_cost(imp, aset, "2027-02-01").sum()
    assert certain.groups.iloc[0].expected_landed_cost_usd == pytest.approx(b, abs=0.005)
    # 25% chance of 10% instead of 12.5% on $1,000: -$25.00 x 0.25
    assert doubted.groups.iloc[0].expected_landed_cost_usd == pytest.approx(b - 6.25, abs=0.005)
    assert doubted.events.set_index("event").loc["stay", "effect_alone_usd"] == pytest.approx(25.0)


def test_probabilities_from_the_caller_and_refused_names(tmp_path):
    aset = assumptions_with(tmp_path, {"flip-off": E1.format(window="", p=0.3)})
    imp = basket()
    b = engine_cost(imp, aset, "2027-04-01").sum()
    o = outlook(imp, horizon="2027-04-01", as_of="2026-12-02", assumptions=aset, probabilities={"flip-off": 1.0})
    assert o.groups.iloc[0].expected_landed_cost_usd == pytest.approx(b - 125, abs=0.005)
    with pytest.raises(costimpact.errors.ArgumentError, match="unknown event"):
        outlook(imp, horizon="2027-04-01", as_of="2026-12-02", assumptions=aset, probabilities={"nope": 0.5})
    with pytest.raises(costimpact.errors.ArgumentError, match="before the as-of"):
        outlook(imp, horizon="2026-01-01", as_of="2026-12-02", assumptions=aset)


def test_ieepa_refund_is_exposure_times_probability_times_timing(tmp_path):
    refund = """kind = "pending_event"
label = "refunds"
label_zh = "退税"
description = "test"
description_zh = "测试"
date = 2027-01-01
window_end = 2027-12-31
probability = 0.6
refund = "ieepa"
refund_share = 0.5
probability_note = "test value"
probability_note_zh = "测试值"
references = [{ title = "test event" }]
"""
    aset = assumptions_with(tmp_path, {"refunds": refund})
    frame = basket().lines.copy()
    frame["ship_date"] = pd.Timestamp("2025-06-02")  # under the IEEPA tariffs
    imp = normalize_frame(frame.drop(columns=[c for c in frame.columns if c == "row_number"]))
    exposure = costimpact.price_orders(imp, scenario="actual", as_of="2026-12-02", assumptions=aset).lines["ieepa_refund_exposure_usd"].sum()
    assert exposure > 0
    o = outlook(imp, horizon="2027-07-01", as_of="2026-12-02", assumptions=aset)
    r = o.refund.iloc[0]
    # 2027-01-01 .. 2027-07-01 is 182 of the window's 365 days
    assert r.exposure_usd == pytest.approx(exposure)
    assert r.expected_refund_usd == pytest.approx(round(exposure * 0.6 * 0.5 * 182 / 365, 2))


def test_weighted_quantiles_by_hand():
    values = np.array([[10.0], [20.0], [30.0], [40.0]])
    w = np.array([0.05, 0.10, 0.50, 0.35])  # cumulative 0.05, 0.15, 0.65, 1.00
    assert weighted_quantiles(values, w)[:, 0].tolist() == [20.0, 30.0, 40.0]


def test_sensitivity_swings_by_hand(tmp_path):
    aset = assumptions_with(tmp_path, {"flip-off": E1.format(window="", p=0.3)})
    frame = basket().lines.iloc[:1].copy()
    imp = normalize_frame(frame.drop(columns=["row_number"], errors="ignore"))
    table = sensitivity(imp, as_of="2027-02-01", assumptions=aset).set_index(["driver", "key"])
    # the CN forced-labor rate (secondary: +-10%) moves 12.5% to 11.25%/13.75% on $1,000: a $25.00 swing
    assert table.loc[("us/layers/s301_forced_labor", "CN"), "swing_usd"] == pytest.approx(25.0)
    assert table.loc[("event:flip-off", ""), "swing_usd"] == pytest.approx(125.0)
    assert table.index[0] == ("event:flip-off", "")  # ranked first
    assert not any(d == "us/layers/s301" for d, _k in table.index)  # a confirmed rate is held fixed
    assert (table["swing_usd"].diff().dropna() <= 0).all()


def test_cli_same_seed_same_file(tmp_path):
    sample = Path(costimpact.__file__).parent / "data" / "sample_orders.csv"
    outs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.csv"
        proc = subprocess.run(
            [sys.executable, "-m", "costimpact.cli", "outlook", str(sample), "--horizon", "2027-06-30", "--as-of", "2026-12-02", "--runs", "2000", "--seed", "11", "--out", str(out)],
            capture_output=True, text=True, check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert "expected $" in proc.stderr and "Traceback" not in proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    table = pd.read_csv(tmp_path / "a.csv", encoding="utf-8-sig")
    assert list(table.columns[:7]) == ["group", "lines", "as_of_landed_cost_usd", "expected_landed_cost_usd", "p10_landed_cost_usd", "p50_landed_cost_usd", "p90_landed_cost_usd"]
    assert table["group"].iloc[0] == "*"
    assert (table["p10_landed_cost_usd"] <= table["p50_landed_cost_usd"] + 1e-9).all() and (table["p50_landed_cost_usd"] <= table["p90_landed_cost_usd"] + 1e-9).all()
    bad = subprocess.run([sys.executable, "-m", "costimpact.cli", "outlook", str(sample), "--horizon", "2027-06-30", "--prob", "x", "--out", str(tmp_path / "c.csv")], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "EVENT=P" in bad.stderr and "Traceback" not in bad.stderr


def test_an_event_naming_a_key_nobody_prices_is_refused(tmp_path):
    bad = E2.format(p=0.2).replace('param = "us/layers/s122"', 'param = "us/layers/s232"\nkeys = ["upholsterd"]')
    with pytest.raises(costimpact.errors.AssumptionError, match="upholsterd"):
        assumptions_with(tmp_path, {"typo": bad})


def test_outlook_equals_pricing_every_combination_on_every_date(tmp_path):
    """Brute force on a mixed basket: at each month of the path, the whole basket priced under every combination of
    the events that may have happened (each combination its own scenario, on that day's law), weighted by the
    events' chances. The outlook (events priced only on the lines they may touch, copies priced only where the law
    moved) must give the same expected value and quantiles for the basket and each channel. The horizon spans the
    furniture step (2027-01-01, certain), the de minimis repeal (2027-07-01) and the end of the second Section 122
    window (2027-07-29), so copies of the basket are reused and repriced; some lines claim the Section 301 product
    exclusion whose extension is an event (2026-11-11 to 2027-11-10)."""
    from costimpact.landed.engine import price_lines, resolve_scenario
    from costimpact.orders.synthetic import synthetic_orders
    from costimpact.scenarios.outlook import _combos, flips, scenario_with

    flip_cn = E2.replace("Section 122 again", "forced-labor CN up").replace('param = "us/layers/s122"\nfrom = 2027-03-01\nuntil = 2027-07-29\nvalue = 0.10', 'param = "us/layers/s301_forced_labor"\nkeys = ["CN"]\nfrom = 2027-03-01\nvalue = 0.15')
    events = {"e1-flip-off": E1.format(window="window_end = 2027-04-30", p=0.3), "e2-s122-again": E2.format(p=0.4), "e3-flip-cn-up": flip_cn.format(p=0.5)}
    furniture = (BUILTIN / "outlook" / "events" / "furniture-232-step.toml").read_text(encoding="utf-8").replace("probability = 1.0", "probability = 0.8")
    events["furniture-232-step"] = furniture
    events["s301-exclusions-extended"] = (BUILTIN / "outlook" / "events" / "s301-exclusions-extended.toml").read_text(encoding="utf-8")
    aset = assumptions_with(tmp_path, events)
    frame = synthetic_orders(160, seed=3)
    frame["s301_exclusion"] = np.arange(len(frame)) % 5 == 0  # some lines claim a product exclusion
    imported = normalize_frame(frame)
    o = outlook(imported, horizon="2027-08-15", as_of="2026-12-02", assumptions=aset, by="channel")
    assert o.method == "exact"

    base = resolve_scenario(aset, "actual")
    pf = [f for f in flips(aset) if f.changes_prices and f.p_flip > 0]
    assert len(pf) == 5
    lines = imported.lines.reset_index(drop=True)
    n = len(lines)
    channel = lines["shipping_mode"].astype(str).to_numpy()
    for t in month_points(dt.date(2026, 12, 2), dt.date(2027, 8, 15)):
        act = [f for f in pf if f.start <= t]
        combos = _combos(len(act))
        scenarios = [scenario_with(base, [f for f, x in zip(act, c) if x]) for c in combos]
        tiled = pd.concat([lines] * len(combos), ignore_index=True)
        tiled["row_number"] = np.arange(len(tiled)) + 2
        variant = np.repeat(np.arange(len(combos)), n)
        out, rej, _ = price_lines(tiled, aset, scenario_with(base, []), t.date(), price_dates=np.full(len(tiled), np.datetime64(t.date(), "ns")), variants=scenarios, variant=variant)
        assert len(rej) == 0
        cost = out["landed_cost_usd"].to_numpy().reshape(len(combos), n)
        q = np.array([f.q(t) for f in act])
        w = np.prod(np.where(combos == 1, q[None, :], 1 - q[None, :]), axis=1) if len(act) else np.ones(1)
        got = o.path[o.path["date"] == t.date()].set_index("group")
        for group, pick in [("*", np.ones(n, dtype=bool))] + [(c, channel == c) for c in np.unique(channel)]:
            totals = cost[:, pick].sum(axis=1)
            expect = float((totals * w).sum() / w.sum())
            assert got.loc[group, "expected_landed_cost_usd"] == pytest.approx(expect, abs=0.011), (t, group)
            p10, p50, p90 = weighted_quantiles(totals[:, None], w)[:, 0]
            assert got.loc[group, "p10_landed_cost_usd"] == pytest.approx(p10, abs=0.011), (t, group)
            assert got.loc[group, "p90_landed_cost_usd"] == pytest.approx(p90, abs=0.011), (t, group)


@pytest.mark.parametrize("full", [True, False])
def test_costs_kept_per_combination(full):
    """The outlook's store of costs per combination of events (full arrays for the basket and each event alone,
    sorted rows for combinations): rows added in any order are found again with their costs, a refused line (NaN)
    counts as priced, unpriced rows are not, reading one is refused, and the dense view keeps the fallback there."""
    from costimpact.scenarios.outlook import _Costs

    held = _Costs(10, full=full)
    assert not held.has(np.array([0, 9])).any()
    held.add(np.array([7, 2]), np.array([70.0, 20.0]))
    held.add(np.array([5]), np.array([np.nan]))
    held.add(np.array([]), np.array([]))
    assert held.has(np.array([9, 7, 5, 2, 0])).tolist() == [False, True, True, True, False]
    np.testing.assert_array_equal(held.at(np.array([2, 7, 2])), [20.0, 70.0, 20.0])
    assert np.isnan(held.at(np.array([5])))[0]
    with pytest.raises(AssertionError, match="before it was priced"):
        held.at(np.array([2, 3]))
    np.testing.assert_array_equal(held.dense(np.full(10, -1.0)), [-1, -1, 20, -1, -1, -1, -1, 70, -1, -1])
