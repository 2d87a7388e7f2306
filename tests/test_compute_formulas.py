"""Every formula of the compute model against numbers worked by hand (written out in the comments), the
DeepSeek-V3 published figures, and hypothesis properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costimpact.compute import formulas as f
from costimpact.compute import load_compute_scenario, price_routes_detail
from test_compute_support import FIXTURES, caset, compute_dir  # noqa: F401 - fixtures

REL = 1e-9


def test_training_compute_and_hours():
    # C = 6 x 70e9 x 15e12 = 6.3e24; hours = 6.3e24 / (989e12 x 0.4 x 3600) = 6.3e24 / 1.42416e18 = 4,423,660.26
    c = f.training_flops(70e9, 15e12)
    assert c == pytest.approx(6.3e24, rel=REL)
    h = f.train_gpu_hours(c, 989e12, 0.4)
    assert h == pytest.approx(4_423_660.2629, rel=1e-9)
    # 4,423,660.26 / 4096 / 24 = 44.99980 days
    assert f.wall_days(h, 4096) == pytest.approx(44.999799, rel=1e-6)


def test_capital_recovery_factor():
    # r = 0.10, n = 5: 0.1 x 1.61051 / 0.61051 = 0.2637975
    assert float(f.capital_recovery_factor(0.10, 5)) == pytest.approx(0.26379748, rel=1e-7)
    # r = 0: straight line 1/n
    assert float(f.capital_recovery_factor(0.0, 4)) == pytest.approx(0.25)
    # r = 0.08, n = 3: 0.08 x 1.259712 / 0.259712 = 0.3880335
    assert float(f.capital_recovery_factor(0.08, 3)) == pytest.approx(0.38803351, rel=1e-7)


def test_owned_cost_per_hour_hand_worked():
    # the levy falls on the chip alone: capex = 25,000 x (1.6 + 0.25 x 1.0) = 25,000 x 1.85 = 46,250
    # hours = 8760 x 0.8 = 7,008; capital = 46,250 x 0.2637975 / 7,008 = 1.740958
    # opex = 46,250 x 0.05 / 7,008 = 0.329980; energy = 0.7 x 1.8 x 0.75 x 1.3 x 0.08 = 0.09828
    # total = 1.740958 + 0.329980 + 0.09828 = 2.169218
    out = f.owned_cost_per_hour(chip_price=25_000, levy_rate=0.25, levy_passthrough=1.0, overhead=1.6,
                                capital_rate=0.10, life_years=5, allocation=0.8, opex_rate=0.05,
                                system_kw=f.system_kw(0.7, 1.8), draw=0.75, pue=1.3, power_price_kwh=0.08)
    assert out["capex"] == pytest.approx(46_250)
    assert out["hours"] == pytest.approx(7_008)
    assert float(out["capital"]) == pytest.approx(1.740958, rel=1e-6)
    assert float(out["opex"]) == pytest.approx(0.329980, rel=1e-5)
    assert float(out["energy"]) == pytest.approx(0.09828, rel=1e-9)
    assert float(out["cost_per_hour"]) == pytest.approx(2.169218, rel=1e-6)


def test_system_kw_given_wins():
    assert list(f.system_kw(np.array([0.7, np.nan]), 1.8, np.array([np.nan, 1.456]))) == pytest.approx([1.26, 1.456])


def test_rented_cost_per_hour():
    # 6.88 x (1 - 0.41) x (1 + 0) = 4.0592; 2.35 x 1 x 1.3 = 3.055
    assert f.rented_cost_per_hour(6.88, 0.41, 0.0) == pytest.approx(4.0592)
    assert f.rented_cost_per_hour(2.35, 0.0, 0.30) == pytest.approx(3.055)


def test_route_cost():
    # 1,000 h x $2 + 500 GB x $0.09 + $10,000 = 2,000 + 45 + 10,000 = 12,045
    assert f.route_cost(1_000, 2.0, 500, 0.09, 10_000) == pytest.approx(12_045)


def test_roofline_memory_bound_hand_worked():
    # H200, FP8 weights, g = 1, B = 64, ctx = 2048, kv = 163,840 B, N = 70e9
    # t_compute = 2 x 70e9 x 64 / (1 x 1979e12 x 0.5) = 8.96e12 / 9.895e14 = 0.00905508 s
    # t_memory = (70e9 x 1 + 64 x 2048 x 163,840) / (4.8e12 x 0.7) = 9.147483648e10 / 3.36e12 = 0.02722465 s
    # tokens/s = 64 / 0.02722465 = 2,350.81; $/M = 1 x 2.337132 / (2,350.81 x 3600) x 1e6 = 0.276161
    r = f.decode_roofline(active_params=70e9, batch=64, context_tokens=2048, weight_bytes=1, kv_bytes_per_token=163_840,
                          gpus_per_replica=1, peak_flops=1979e12, mem_bw=4.8e12, eta_compute=0.5, eta_memory=0.7)
    assert r["t_compute"] == pytest.approx(0.00905508, rel=1e-6)
    assert r["t_memory"] == pytest.approx(0.02722465, rel=1e-6)
    assert bool(r["memory_bound"])
    assert r["tokens_per_s"] == pytest.approx(2350.8104, rel=1e-6)
    assert f.usd_per_m_tokens(1, 2.337132, r["tokens_per_s"]) == pytest.approx(0.276161, rel=1e-5)


def test_roofline_compute_bound_hand_worked():
    # N = 1e9, B = 1024, no KV, w = 2, g = 2, peak 100e12, BW 2e12, eta 1/1
    # t_compute = 2 x 1e9 x 1024 / (2 x 100e12) = 0.01024 s; t_memory = 2e9 / (2 x 2e12) = 0.0005 s
    # tokens/s = 1024 / 0.01024 = 100,000
    r = f.decode_roofline(active_params=1e9, batch=1024, context_tokens=0, weight_bytes=2, kv_bytes_per_token=0,
                          gpus_per_replica=2, peak_flops=100e12, mem_bw=2e12, eta_compute=1.0, eta_memory=1.0)
    assert r["t"] == pytest.approx(0.01024)
    assert not bool(r["memory_bound"])
    assert r["tokens_per_s"] == pytest.approx(100_000)
    # serving 3.6e9 tokens: 3.6e9 / 1e5 / 3600 x 2 = 20 GPU-hours
    assert f.serve_gpu_hours(3.6e9, 100_000, 2) == pytest.approx(20)


def test_p_cut():
    # 1 - exp(-0.5 x 1) = 0.393469; hazard 0 -> 0; 1 - exp(-0.3 x 45/365) = 0.0363105
    assert float(f.p_cut(0.5, 1.0)) == pytest.approx(0.39346934)
    assert float(f.p_cut(0.0, 3.0)) == 0.0
    assert float(f.p_cut(0.3, 44.999799 / 365)) == pytest.approx(0.0363105, rel=1e-5)


def test_risk_licensed_hand_worked():
    # p = 0.6, cost 10m, D = 50k/day, L = 120, wall 40 -> approved: 10m + 50k x 160 = 18m
    # refused: waited 120 days (6m), then the fallback's risk-adjusted cost 27m -> 33m
    # E = 0.6 x 18m + 0.4 x 33m = 10.8m + 13.2m = 24m
    assert f.risk_licensed(p_approve=0.6, cost=10e6, fallback_expected=27e6, cost_of_delay_per_day=50_000,
                           lead_days=120, wall_days=40) == pytest.approx(24e6)


def test_risk_domestic_hand_worked():
    # 21m + 50k x (60 + 45) = 21m + 5.25m = 26.25m
    assert f.risk_domestic(cost=21e6, cost_of_delay_per_day=50_000, lead_days=60, wall_days=45) == pytest.approx(26.25e6)


def test_risk_rented_hand_worked():
    # cost 15m (compute 14.7m), D 50k, L 30 + wall 20 -> 2.5m; p_cut 0.1; switch 1m; fallback 21m -> half of 6m = 3m;
    # D x switch_days 60 = 3m; bracket = 1m + 3m + 3m = 7m -> 0.7m; premium 0.1 x 14.7m = 1.47m
    # E = 15 + 2.5 + 0.7 + 1.47 = 19.67m
    e = f.risk_rented(cost=15e6, compute_cost=14.7e6, fallback_cost=21e6, cost_of_delay_per_day=50_000, lead_days=30,
                      wall_days=20, p_cut=0.1, switch_cost=1e6, switch_days=60, risk_premium=0.1)
    assert e == pytest.approx(19.67e6)
    # a cheaper fallback adds nothing for the remaining work: max(0, 10m - 15m) = 0 -> 15 + 2.5 + 0.4 + 0 = 17.9m
    e2 = f.risk_rented(cost=15e6, compute_cost=14.7e6, fallback_cost=10e6, cost_of_delay_per_day=50_000, lead_days=30,
                       wall_days=20, p_cut=0.1, switch_cost=1e6, switch_days=60, risk_premium=0.0)
    assert e2 == pytest.approx(17.9e6)


def test_formulas_are_vectorised():
    h = f.train_gpu_hours(np.array([6.3e24, 3.2856e24]), np.array([989e12, 989e12]), np.array([0.4, 0.331]))
    assert h.shape == (2,)
    assert h[0] == pytest.approx(4_423_660.26, rel=1e-8)


# ---------------------------------------------------------------- DeepSeek-V3

DS_FLOPS = 6 * 37e9 * 14.8e12  # 3.2856e24
DS_HOURS = 2.788e6
H800_BF16 = 989e12


def test_deepseek_v3_implied_mfu():
    # MFU = 3.2856e24 / (989e12 x 3600 x 2.788e6) = 3.2856e24 / 9.92640e24 = 0.3310
    mfu = DS_FLOPS / (H800_BF16 * 3600 * DS_HOURS)
    assert mfu == pytest.approx(0.3310, abs=0.0005)
    assert f.train_gpu_hours(DS_FLOPS, H800_BF16, mfu) == pytest.approx(DS_HOURS, rel=1e-12)


def test_deepseek_v3_through_the_engine(caset):
    sc = load_compute_scenario(FIXTURES / "deepseek_v3.toml")
    mfu = DS_FLOPS / (H800_BF16 * 3600 * DS_HOURS)
    from costimpact.compute import apply_route_overrides

    res = price_routes_detail(apply_route_overrides(sc, {"rented_h800": {"mfu": mfu}}), caset)
    row = res.routes.iloc[0]
    assert row["available"]
    assert row["gpu_hours"] == pytest.approx(2.788e6, rel=1e-9)
    assert row["cost_per_gpu_hour"] == pytest.approx(2.0)
    assert row["cost_usd"] == pytest.approx(5.576e6, rel=1e-9)
    assert row["wall_days"] == pytest.approx(2.788e6 / 2048 / 24, rel=1e-9)  # 56.7 days
    # the H800 peak used is the assumption's 989 TFLOP/s BF16
    peak = res.inputs[(res.inputs["input"] == "peak_flops_bf16")]
    assert float(peak["value"].iloc[0]) == H800_BF16
    assert peak["assumption_id"].iloc[0] == "compute/accelerators#H800"


def test_deepseek_v3_default_h800_mfu_reproduces_hours(caset):
    # with the H800 default MFU (0.33, from the same paper) the engine lands within 0.5 % of 2.788M hours
    sc = load_compute_scenario(FIXTURES / "deepseek_v3.toml")
    row = price_routes_detail(sc, caset).routes.iloc[0]
    assert row["gpu_hours"] == pytest.approx(2.788e6, rel=0.005)
    assert row["cost_usd"] == pytest.approx(5.576e6, rel=0.005)


# ---------------------------------------------------------------- properties

_settings = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_settings
@given(price=st.floats(0.5, 20), bump=st.floats(0.01, 10), mfu=st.floats(0.1, 0.6))
def test_rented_cost_rises_with_price(price, bump, mfu):
    lo = f.rented_cost_per_hour(price, 0.2, 0.1) * f.train_gpu_hours(6.3e24, 989e12, mfu)
    hi = f.rented_cost_per_hour(price + bump, 0.2, 0.1) * f.train_gpu_hours(6.3e24, 989e12, mfu)
    assert hi > lo


@_settings
@given(mfu=st.floats(0.05, 0.9), more=st.floats(0.001, 0.1))
def test_cost_falls_with_mfu(mfu, more):
    hi = f.route_cost(f.train_gpu_hours(6.3e24, 989e12, mfu), 3.0, 0, 0, 0)
    lo = f.route_cost(f.train_gpu_hours(6.3e24, 989e12, min(mfu + more, 1.0)), 3.0, 0, 0, 0)
    assert lo < hi


@_settings
@given(chip=st.floats(1_000, 80_000), bump=st.floats(1, 20_000))
def test_owned_cost_rises_with_chip_price(chip, bump):
    kw = dict(levy_rate=0.25, levy_passthrough=1.0, overhead=1.6, capital_rate=0.1, life_years=5, allocation=0.8,
              opex_rate=0.05, system_kw=1.26, draw=0.75, pue=1.3, power_price_kwh=0.08)
    assert f.owned_cost_per_hour(chip_price=chip + bump, **kw)["cost_per_hour"] > f.owned_cost_per_hour(chip_price=chip, **kw)["cost_per_hour"]


@_settings
@given(cost=st.floats(0, 1e9), share=st.floats(0, 1), fb=st.floats(0, 2e9), d=st.floats(0, 1e6), lead=st.floats(0, 365),
       hazard=st.floats(0.001, 5), years=st.floats(0.001, 3), sc=st.floats(0, 1e7), sd=st.floats(0, 365), rp=st.floats(0, 1))
def test_risk_adjusted_at_least_base_for_rented(cost, share, fb, d, lead, hazard, years, sc, sd, rp):
    compute = cost * share
    e = f.risk_rented(cost=cost, compute_cost=compute, fallback_cost=fb, cost_of_delay_per_day=d, lead_days=lead,
                      wall_days=years * 365, p_cut=f.p_cut(hazard, years), switch_cost=sc, switch_days=sd, risk_premium=rp)
    assert e >= cost - 1e-6 * max(1.0, cost)


@_settings
@given(price=st.floats(0.5, 20), mfu=st.floats(0.1, 0.6), hazard=st.floats(0.01, 3))
def test_engine_monotone_and_risk_above_base(caset, price, mfu, hazard):
    sc = load_compute_scenario(FIXTURES / "deepseek_v3.toml")
    from costimpact.compute import apply_route_overrides

    a = price_routes_detail(apply_route_overrides(sc, {"rented_h800": {"list_price": price, "mfu": mfu, "hazard_per_year": hazard}}), caset).routes.iloc[0]
    b = price_routes_detail(apply_route_overrides(sc, {"rented_h800": {"list_price": price * 1.1, "mfu": mfu, "hazard_per_year": hazard}}), caset).routes.iloc[0]
    assert b["cost_usd"] > a["cost_usd"]
    assert a["risk_adjusted_cost_usd"] >= a["cost_usd"]
    assert a["p_cut"] > 0
    assert not math.isnan(a["risk_adjusted_cost_usd"])
