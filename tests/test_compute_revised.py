"""Issue 14: the analyst's findings, each against numbers worked by hand from the revised spec
(``shared/spec/compute-scenario.md``), and the 2026 rules on the day before and the day they take effect.

Most scenarios here use a toy cost stack so the arithmetic stays short: chip_price 8,760, overhead 1, no levy,
capital_rate 0, life 1 year, allocation 1, opex 0, no power price -> capital = 8,760 x (1/1) / 8,760 = $1.00 per
accelerator-hour, energy 0. Training N = 1e10, D = 7.2e13 -> C = 6 x 1e10 x 7.2e13 = 4.32e24 FLOP; at a BF16 peak
of 1e15 and MFU 0.5 -> 4.32e24 / (1e15 x 0.5 x 3600) = 2.4e6 accelerator-hours, so cost = $2.4M on every route.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from costimpact.compute import ComputeScenarioError, parse_compute_scenario, price_routes, price_routes_detail
from test_compute_support import caset, compute_dir  # noqa: F401 - fixtures

TOY = dict(peak_flops_bf16=1e15, mfu=0.5, chip_price=8760, overhead=1, levy_rate=0, capital_rate=0, life_years=1,
           allocation=1, opex_rate=0, system_kw=1, draw=1, pue=1, power_price_kwh=0)


def route(id_: str, kind: str, accelerator: str | None = None, **kw) -> str:
    lines = [f'[[route]]\nid = "{id_}"\nkind = "{kind}"']
    if accelerator:
        lines.append(f'accelerator = "{accelerator}"')
    for k, v in kw.items():
        if isinstance(v, bool):
            lines.append(f"{k} = {str(v).lower()}")
        elif isinstance(v, str):
            lines.append(f'{k} = "{v}"')
        else:
            lines.append(f"{k} = {v!r}")
    return "\n".join(lines) + "\n"


def scenario(routes: str, *, as_of: str = "2026-06-30", hq: str = "CN", workload: str = "active_params = 1e10\ntrain_tokens = 7.2e13",
             risk: str = "cost_of_delay_per_day = 10000", customer: str = "", extra: str = "") -> str:
    return (f"as_of = {as_of}\n{extra}\n[workload]\n{workload}\n\n[risk]\n{risk}\n\n"
            f'[customer]\nhq_country = "{hq}"\n{customer}\n\n{routes}')


def priced(text: str, aset) -> pd.DataFrame:
    return price_routes(parse_compute_scenario(text), aset).set_index("route_id")


# ---------------------------------------------------------------- names as people write them


@pytest.mark.parametrize("typed", ["Ascend 910C", "ascend-910c", "Huawei Ascend 910C", "ASCEND910C", "Ascend910C"])
def test_accelerator_names_as_typed(caset, typed):
    # every spelling finds the catalogue's Ascend910C: the route is available and priced like the canonical name
    r = priced(scenario(route("d", "domestic", typed, gpus=1000, **TOY)), caset).loc["d"]
    assert r["available"], r["reason"]
    assert r["accelerator"] == "Ascend910C" and r["accelerator_input"] == typed
    assert r["cost_usd"] == pytest.approx(2.4e6)  # 2.4e6 h x $1.00


def test_vendor_prefix_kind_and_country_as_typed(caset):
    text = scenario(route("h", "Hyperscaler abroad", "NVIDIA H200", gpus=8, region="my"), hq="china")
    sc = parse_compute_scenario(text)
    assert sc.customer.hq_country == "CN" and sc.route[0].region == "MY"
    r = priced(text, caset).loc["h"]
    assert r["kind"] == "hyperscaler_abroad" and r["accelerator"] == "H200"
    # H200 hyperscaler list 5.75 x (1 - 0.41) = 3.3925
    assert r["cost_per_gpu_hour"] == pytest.approx(3.3925)


def test_a_typo_is_an_input_error_naming_the_closest(caset):
    with pytest.raises(ComputeScenarioError) as exc:
        priced(scenario(route("d", "domestic", "Ascnd 910C", gpus=8)), caset)
    msg = str(exc.value)
    assert "'Ascnd 910C' matches no accelerator" in msg and "closest: Ascend910C" in msg
    assert "H200" in msg and "Ascend950PR" in msg  # the known names are listed


def test_a_route_kind_typo_names_the_closest():
    with pytest.raises(ComputeScenarioError, match=r"unknown route kind 'licenced purchase'.*closest: licensed_purchase"):
        parse_compute_scenario(scenario(route("x", "licenced purchase", "H200")))


def test_catalogue_miss_with_all_specs_is_priced_and_flagged(caset):
    spec = dict(TOY, mem_bw=2e12, hbm_gb=96)
    r = priced(scenario(route("own", "domestic", "MyChip X1", gpus=1000, **spec)), caset).loc["own"]
    assert r["available"] and r["user_supplied_accelerator"]
    assert "user-supplied" in r["notes"]
    assert r["cost_usd"] == pytest.approx(2.4e6)


def test_cli_exit_2_on_an_unknown_accelerator(tmp_path, compute_dir, capsys):
    from costimpact.cli import main

    p = tmp_path / "s.toml"
    p.write_text(scenario(route("d", "domestic", "Ascend 91OC", gpus=8)), encoding="utf-8")
    code = main(["compute", str(p), "--assumptions", str(compute_dir)])
    _, err = capsys.readouterr()
    assert code == 2 and "closest: Ascend910C" in err and err.count("\n") == 1


# ---------------------------------------------------------------- the model's economics


def test_levy_falls_on_the_chip_only(caset):
    # H100: 27,500 x (1.6 + 0.25 x 1.0) = 27,500 x 1.85 = 50,875 (not 27,500 x 1.25 x 1.6 = 55,000)
    r = priced(scenario(route("h", "licensed_purchase", "H100", levy_rate=0.25, gpus=8)), caset).loc["h"]
    assert r["capex_per_gpu_usd"] == pytest.approx(50_875)


def test_fp8_training_uses_the_bf16_peak(caset):
    # 6 x 70e9 x 15e12 / (989e12 x 0.4 x 3600) = 6.3e24 / 1.42416e18 = 4,423,660.26 h, for bf16 and fp8 alike
    wl = "active_params = 70e9\ntrain_tokens = 15e12"
    both = priced(scenario(route("b", "hyperscaler_abroad", "H200", gpus=4096, mfu=0.4, precision="bf16")
                           + route("f", "hyperscaler_abroad", "H200", gpus=4096, mfu=0.4, precision="fp8"), workload=wl), caset)
    assert both.loc["b", "gpu_hours"] == pytest.approx(4_423_660.26, rel=1e-8)
    assert both.loc["f", "gpu_hours"] == pytest.approx(4_423_660.26, rel=1e-8)
    assert "BF16 peak" in both.loc["f", "notes"]


def test_delay_is_priced_on_lead_plus_wall_two_chip_counts(caset):
    # 2.4e6 h on 64 chips: 2.4e6 / 64 / 24 = 1,562.5 days; on 512 chips: 2.4e6 / 512 / 24 = 195.3125 days
    # E = 2.4M + 10,000 x (60 + wall): 64 -> 2.4M + 16,225,000 = 18,625,000; 512 -> 2.4M + 2,553,125 = 4,953,125
    r = priced(scenario(route("d64", "domestic", "Ascend910C", gpus=64, **TOY)
                        + route("d512", "domestic", "Ascend910C", gpus=512, **TOY)), caset)
    assert r.loc["d64", "cost_usd"] == pytest.approx(r.loc["d512", "cost_usd"])
    assert r.loc["d64", "wall_days"] == pytest.approx(1_562.5)
    assert r.loc["d512", "wall_days"] == pytest.approx(195.3125)
    assert r.loc["d64", "risk_adjusted_cost_usd"] == pytest.approx(18_625_000)
    assert r.loc["d512", "risk_adjusted_cost_usd"] == pytest.approx(4_953_125)


def _licensed_with_domestic_fallback() -> str:
    return (route("lic", "licensed_purchase", "H200", gpus=1000, p_approve=0.5, lead_days=90, fallback="dom", **TOY)
            + route("dom", "domestic", "Ascend 910C", gpus=500, lead_days=60, **TOY))  # named as a user types it


def test_refused_licence_takes_the_fallbacks_risk_adjusted_cost_after_the_wait(caset):
    # licensed: 2.4e6 h / 1000 / 24 = 100 days; domestic fallback: 2.4e6 / 500 / 24 = 200 days, own lead 60 days
    # E_dom = 2.4M + 10,000 x (60 + 200) = 5.0M
    # approved = 2.4M + 10,000 x (90 + 100) = 4.3M; refused = 10,000 x 90 + E_dom = 0.9M + 5.0M = 5.9M
    # E_lic = 0.5 x 4.3M + 0.5 x 5.9M = 5.1M   (the old rule gave 0.5 x 3.3M + 0.5 x 3.3M = 3.3M)
    r = priced(scenario(_licensed_with_domestic_fallback()), caset)
    assert r.loc["lic", "wall_days"] == pytest.approx(100)
    assert r.loc["dom", "risk_adjusted_cost_usd"] == pytest.approx(5.0e6)
    assert r.loc["lic", "risk_adjusted_cost_usd"] == pytest.approx(5.1e6)
    assert r.loc["lic", "fallback_expected_usd"] == pytest.approx(5.0e6)


def test_licensed_chain_resolves_and_a_loop_is_refused(caset):
    # lic2 falls back on lic (5.1M above): lic2 approved = 2.4M + 10,000 x (30 + 100) = 3.7M;
    # refused = 10,000 x 30 + 5.1M = 5.4M; E = 0.8 x 3.7M + 0.2 x 5.4M = 2.96M + 1.08M = 4.04M
    text = scenario(route("lic2", "licensed_purchase", "H200", gpus=1000, p_approve=0.8, lead_days=30, fallback="lic", **TOY)
                    + _licensed_with_domestic_fallback())
    r = priced(text, caset)
    assert r.loc["lic2", "risk_adjusted_cost_usd"] == pytest.approx(4.04e6)
    loop = scenario(route("a", "licensed_purchase", "H200", gpus=8, fallback="b")
                    + route("b", "licensed_purchase", "H200", gpus=8, fallback="a"))
    with pytest.raises(ComputeScenarioError, match="loop"):
        priced(loop, caset)


def test_owned_route_may_carry_a_hazard(caset):
    # domestic, 200 days, hazard 0.5/yr: p_cut = 1 - exp(-0.5 x 200 / 365) = 1 - exp(-0.2739726) = 0.2396471
    # E = 2.4M + 10,000 x (60 + 200) + 0.2396471 x (1,000,000 + 0 + 10,000 x 60) = 5.0M + 0.2396471 x 1.6M
    #   = 5.0M + 383,435.35 = 5,383,435.35
    risk = "cost_of_delay_per_day = 10000\nswitch_cost = 1000000\nswitch_days = 60"
    r = priced(scenario(route("dom", "domestic", "Ascend910C", gpus=500, lead_days=60, hazard_per_year=0.5, **TOY),
                        risk=risk), caset).loc["dom"]
    assert r["p_cut"] == pytest.approx(0.2396471, rel=1e-6)
    assert r["risk_adjusted_cost_usd"] == pytest.approx(5_383_435.35, rel=1e-8)


def test_a_model_that_does_not_fit_the_replica(caset):
    # 70B at BF16 = 140 GB of weights; KV = 32 x 4,096 x 131,072 B = 17.18 GB; need 157.18 GB
    # one H100 holds 80 x 0.9 = 72 GB -> infeasible; smallest g = ceil(157.18 / 72) = ceil(2.183) = 3
    wl = ("active_params = 70e9\nserve_tokens = 1e9\nbatch = 32\ncontext_tokens = 4096\nweight_bytes = 2\n"
          "kv_bytes_per_token = 131072")
    r = priced(scenario(route("one", "hyperscaler_abroad", "H100", gpus=8, gpus_per_replica=1)
                        + route("three", "hyperscaler_abroad", "H100", gpus=9, gpus_per_replica=3), workload=wl), caset)
    one = r.loc["one"]
    assert not one["available"] and one["reason_code"] == "memory"
    assert "157.2 GB > 72.0 GB" in one["reason"] and "smallest replica that fits has 3" in one["reason"]
    assert np.isnan(one["tokens_per_s_per_replica"]) and np.isnan(one["usd_per_m_tokens"])
    assert one["min_gpus_per_replica"] == 3
    assert r.loc["three", "available"] and r.loc["three", "tokens_per_s_per_replica"] > 0  # 3 x 72 = 216 GB >= 157.18


def test_training_only_route_keeps_its_price_but_not_a_serving_figure(caset):
    wl = "active_params = 70e9\ntrain_tokens = 1e12\nbatch = 32\ncontext_tokens = 4096\nweight_bytes = 2\nkv_bytes_per_token = 131072"
    r = priced(scenario(route("t", "hyperscaler_abroad", "H100", gpus=8, gpus_per_replica=1), workload=wl), caset).loc["t"]
    assert r["available"] and r["cost_usd"] > 0
    assert np.isnan(r["usd_per_m_tokens"]) and "does not fit" in r["reason"]


def test_fp8_serving_with_prefill(caset):
    # H200, weight_bytes 1 -> FP8 peak 1979e12. Decode alone (test_compute_formulas): 2,350.8104 tokens/s.
    # prompt 1,024 of a 2,048 context -> 1,024 output tokens per request.
    # prefill per request = 2 x 70e9 x 1,024 / (1 x 1979e12 x 0.5) = 1.4336e14 / 9.895e14 = 0.1448813 s
    # per output token: 1 / 2,350.8104 + 0.1448813 / 1,024 = 4.2538522e-4 + 1.4148560e-4 = 5.6687082e-4 s
    # -> 1,764.0703 tokens/s; $/M = 3.3925 / (1,764.0703 x 3600) x 1e6 = 0.534197
    wl = ("active_params = 70e9\nserve_tokens = 1e9\nbatch = 64\ncontext_tokens = 2048\nweight_bytes = 1\n"
          "kv_bytes_per_token = 163840\nprompt_tokens = 1024")
    r = priced(scenario(route("h", "hyperscaler_abroad", "H200", gpus=8, gpus_per_replica=1), workload=wl), caset).loc["h"]
    assert r["tokens_per_s_per_replica"] == pytest.approx(1764.0703, rel=1e-6)
    assert r["usd_per_m_tokens"] == pytest.approx(0.534197, rel=1e-5)
    assert "prefill" in r["notes"]


def test_api_price_set_on_the_same_basis(caset):
    # blended $5 per million tokens; each request bills 1,024 prompt + 1,024 output tokens
    # -> per output token: 5 x 2,048 / 1,024 = $10 per million; 1e9 output tokens -> $10,000
    wl = "active_params = 70e9\nserve_tokens = 1e9\ncontext_tokens = 2048\nprompt_tokens = 1024"
    r = priced(scenario(route("api", "us_api"), workload=wl, hq="US", customer="chinese_ownership = 0"), caset).loc["api"]
    assert r["usd_per_m_tokens"] == pytest.approx(10.0)
    assert r["cost_usd"] == pytest.approx(10_000)


def test_serving_exposure_over_serving_days(caset):
    # serving 1e9 tokens on H200 at 2,350.8104 tokens/s: 1e9 / 2,350.8104 / 3600 = 118.16256 h; 8 GPUs -> 0.61543 d
    # cost = 118.162561 x 3.3925 + 300,000 fixed = 400.86649 + 300,000 = 300,400.86649
    # p_cut over serving_days 180 (not the 0.6 compressed days): 1 - exp(-0.3 x 180 / 365) = 0.1375216
    # E = 300,400.87 + 10,000 x (30 + 0.61543) + 0.13752163 x (1,000,000 + 0 + 10,000 x 60)
    #   = 300,400.86649 + 306,154.30006 + 220,034.60362 = 826,589.77017
    wl = ("active_params = 70e9\nserve_tokens = 1e9\nbatch = 64\ncontext_tokens = 2048\nweight_bytes = 1\n"
          "kv_bytes_per_token = 163840\nserving_days = 180")
    risk = "cost_of_delay_per_day = 10000\nswitch_cost = 1000000\nswitch_days = 60"
    r = priced(scenario(route("h", "hyperscaler_abroad", "H200", gpus=8, gpus_per_replica=1), workload=wl, risk=risk), caset).loc["h"]
    assert r["cost_usd"] == pytest.approx(300_400.86649, rel=1e-9)
    assert r["p_cut"] == pytest.approx(0.1375216, rel=1e-6)
    assert r["risk_adjusted_cost_usd"] == pytest.approx(826_589.77017, rel=1e-9)
    # 180 days of serving is shorter than the 12-month commitment behind the 41% discount: flagged
    assert r["commitment_outlasts_run"]


def test_commitment_shorter_than_the_run_is_not_flagged(caset):
    wl = "active_params = 70e9\nserve_tokens = 1e9\nserving_days = 400"
    r = priced(scenario(route("h", "hyperscaler_abroad", "H200", gpus=8), workload=wl), caset).loc["h"]
    assert not r["commitment_outlasts_run"]  # 12 x 365 / 12 = 365 days < 400


# ---------------------------------------------------------------- the 2026 rules, day before and day of


@pytest.mark.parametrize(("day", "available"), [("2026-05-30", True), ("2026-05-31", False)])
def test_offshore_subsidiary_purchase_closed_from_2026_05_31(caset, day, available):
    r = priced(scenario(route("off", "offshore_purchase", "H200", gpus=8), as_of=day), caset).loc["off"]
    assert bool(r["available"]) == available
    if not available:
        assert r["reason_code"] == "offshore_closed"
        assert r["reason_date"] == "2026-05-31" and "hoganlovells" in r["reason_source"]
    else:
        # bought abroad: no levy; site MY; hazard 1.0/yr of the route's default
        assert r["cost_usd"] > 0 and r["p_cut"] > 0


def test_offshore_purchase_open_to_a_non_chinese_group(caset):
    r = priced(scenario(route("off", "offshore_purchase", "H200", gpus=8), hq="SG", customer="chinese_ownership = 0"), caset)
    assert r.loc["off", "available"]


@pytest.mark.parametrize(("day", "available"), [
    ("2025-09-28", True), ("2025-09-29", False),   # Affiliates rule in force
    ("2025-11-09", False), ("2025-11-10", True),   # suspended for a year
    ("2026-11-09", True), ("2026-11-10", False),   # scheduled return
])
def test_affiliates_rule_as_a_dated_switch(caset, day, available):
    # a Singapore group (so the offshore route is open to it) 60% owned by Entity-Listed parties
    text = scenario(route("off", "offshore_purchase", "H200", gpus=8, chip_price=25000), as_of=day, hq="SG",
                    customer="chinese_ownership = 0\nlisted_parent_ownership = 0.6")
    r = price_routes(parse_compute_scenario(text), caset).iloc[0]
    assert bool(r["available"]) == available
    if not available:
        assert r["reason_code"] == "affiliates_rule" and r["reason_date"] and r["reason_source"]


def test_affiliates_open_question_as_a_scenario_switch(caset):
    base = route("lic", "licensed_purchase", "H200", gpus=8)
    extended = scenario(base, as_of="2026-11-30", customer="listed_parent_ownership = 0.6",
                        extra="[rules]\naffiliates_rule_in_force = false")
    assert priced(extended, caset).loc["lic", "available"]
    returned = scenario(base, as_of="2026-11-30", customer="listed_parent_ownership = 0.6")
    assert priced(returned, caset).loc["lic", "reason_code"] == "affiliates_rule"


def test_h200_levy_is_the_232_duty_of_proclamation_11002(caset):
    res = price_routes_detail(parse_compute_scenario(scenario(route("h", "licensed_purchase", "H200", gpus=8))), caset)
    levy = res.inputs[(res.inputs["input"] == "levy_rate")].iloc[0]
    assert levy["value"] == 0.25 and "11002" in levy["source"] and levy["valid_from"] == "2026-01-15"


@pytest.mark.parametrize(("day", "hazard"), [("2026-06-11", 0.0), ("2026-06-12", 0.2)])
def test_model_access_control_hazard_on_us_api(caset, day, hazard):
    wl = "active_params = 70e9\nserve_tokens = 1e9\nserving_days = 365"
    r = priced(scenario(route("api", "us_api"), as_of=day, workload=wl, hq="US", customer="chinese_ownership = 0"), caset).loc["api"]
    # p_cut over a year = 1 - exp(-hazard)
    assert r["p_cut"] == pytest.approx(1 - math.exp(-hazard))


@pytest.mark.parametrize(("day", "available"), [("2026-02-28", False), ("2026-03-01", True)])
def test_ascend_950pr_from_mass_production(caset, day, available):
    r = priced(scenario(route("d", "domestic", "Ascend 950PR", gpus=8, chip_price=30000, tdp_kw=0.6), as_of=day), caset).loc["d"]
    assert bool(r["available"]) == available
    assert r["accelerator"] == "Ascend950PR"


def test_ascend_950dt_announced_not_shipping(caset):
    r = priced(scenario(route("d", "domestic", "Ascend950DT", gpus=8, chip_price=30000, tdp_kw=0.6)), caset).loc["d"]
    assert not r["available"] and r["reason_code"] == "not_shipping" and r["reason_date"] == "2025-09-18"


@pytest.mark.parametrize(("day", "price"), [("2026-06-25", 2.35), ("2026-06-26", 2.65)])
def test_2026_h100_contract_price_by_date(caset, day, price):
    r = priced(scenario(route("o", "operator_abroad", "H100", gpus=8), as_of=day), caset).loc["o"]
    assert r["cost_per_gpu_hour"] == pytest.approx(price * 1.3)  # neocloud index + 30% intermediary


def test_unavailable_routes_carry_reason_date_and_source_in_the_csv(tmp_path, compute_dir, capsys):
    from costimpact.cli import main

    p = tmp_path / "s.toml"
    p.write_text(scenario(route("api", "us_api") + route("b", "licensed_purchase", "B200", gpus=8)), encoding="utf-8")
    out = tmp_path / "r.csv"
    assert main(["compute", str(p), "--out", str(out), "--assumptions", str(compute_dir)]) == 0
    capsys.readouterr()
    frame = pd.read_csv(out, keep_default_na=False).set_index("route_id")
    assert frame.loc["api", "reason_date"] == "2024-07-09" and "deeplearning.ai" in frame.loc["api", "reason_source"]
    assert frame.loc["b", "reason_date"] == "2023-11-17" and frame.loc["b", "reason_source"]
