"""The route engine: assumptions load, inputs resolve with provenance, availability reasons on the dates the
rules changed, scenario-file errors that name the key, and the example scenario worked by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from costimpact.assumptions import load_assumptions
from costimpact.compute import (
    CONTRACT_COLUMNS,
    ComputeScenarioError,
    apply_route_overrides,
    diligence_checklist,
    example_text,
    load_compute_scenario,
    parse_compute_scenario,
    price_routes,
    price_routes_detail,
    rules_timeline,
)
from costimpact.compute.engine import KEYS
from test_compute_support import ROOT, caset, compute_dir  # noqa: F401 - fixtures


def scenario(routes: str, *, as_of: str = "2026-06-30", hq: str = "CN", ownership: str | None = None, extra: str = "") -> str:
    own = f"chinese_ownership = {ownership}\n" if ownership is not None else ""
    return (f'as_of = {as_of}\n{extra}\n[workload]\nactive_params = 70e9\ntrain_tokens = 15e12\n\n'
            f'[customer]\nhq_country = "{hq}"\n{own}\n{routes}')


def route(id_: str, kind: str, accelerator: str | None = None, **kw) -> str:
    lines = [f'[[route]]\nid = "{id_}"\nkind = "{kind}"']
    if accelerator:
        lines.append(f'accelerator = "{accelerator}"')
    for k, v in kw.items():
        lines.append(f"{k} = {v!r}".replace("'", '"') if isinstance(v, str) else f"{k} = {str(v).lower() if isinstance(v, bool) else v}")
    return "\n".join(lines) + "\n"


def one(text: str, aset) -> pd.Series:
    return price_routes(parse_compute_scenario(text), aset).iloc[0]


# ---------------------------------------------------------------- assumptions


def test_compute_assumptions_load_strictly(caset):
    for pid in {k.default[len("param:"):] for k in KEYS if k.default.startswith("param:")}:
        assert pid in caset.params, pid
    for tid in ("accelerators", "chip_status_china", "rental_prices", "rules_timeline", "diligence"):
        frame = caset.table(f"compute/{tid}")
        assert len(frame) > 0
        assert frame["source"].str.len().min() > 3
        assert frame["evidence"].isin(["confirmed", "secondary", "unverified"]).all()


def test_modelling_assumptions_are_unverified_with_a_note(caset):
    for pid, p in caset.params.items():
        if not pid.startswith("compute/"):
            continue
        for v in p.values:
            grade = v.evidence or p.evidence
            if "Modelling assumption" in v.source or "modelling assumption" in (v.note or ""):
                assert grade == "unverified", (pid, v)
                assert v.note, (pid, v)


def test_real_assumptions_folder_loads_compute_files():
    aset = load_assumptions(ROOT / "assumptions")
    assert "compute/accelerators" in aset.tables
    assert "compute/prices/levy_rate" in aset.params


def test_levy_dates(caset):
    from costimpact.assumptions import value_at

    levy = caset.param("compute/prices/levy_rate")
    assert value_at(levy, "2025-08-10", "H20").value == 0.0
    assert value_at(levy, "2025-08-11", "H20").value == 0.15
    assert value_at(levy, "2026-01-14", "H200").value == 0.0
    assert value_at(levy, "2026-01-15", "H200").value == 0.25


# ---------------------------------------------------------------- the example, by hand


def test_example_scenario_prices_by_hand(caset):
    res = price_routes_detail(load_compute_scenario(example_text()), caset)
    r = res.routes.set_index("route_id")
    assert list(res.routes.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert set(res.routes["kind"]) == {"licensed_purchase", "domestic", "hyperscaler_abroad", "operator_abroad", "us_api"}
    # H200 licensed: capex 25,000 x (1.6 + 0.25) = 46,250 -> 2.169218 $/h (see test_compute_formulas)
    assert r.loc["h200_licensed", "cost_per_gpu_hour"] == pytest.approx(2.169218, rel=1e-6)
    assert r.loc["h200_licensed", "gpu_hours"] == pytest.approx(4_423_660.26, rel=1e-8)
    # hyperscaler H200 list 5.75 (May 2026) x (1 - 0.41) = 3.3925; operator neocloud 4.00 x 1.30 = 5.20
    assert r.loc["hyperscaler_my", "cost_per_gpu_hour"] == pytest.approx(3.3925)
    assert r.loc["operator_my", "cost_per_gpu_hour"] == pytest.approx(5.20)
    # operator: 4,423,660.26 h x 5.20 + 80,000 GB x 0.09 + 500,000 = 23,003,033.37 + 7,200 + 500,000
    assert r.loc["operator_my", "cost_usd"] == pytest.approx(23_510_233.37, rel=1e-8)
    # Ascend 910C: capex 28,000 x (1.8 + 0) = 50,400; energy 1.456 x 0.75 x 1.3 x 0.056 = 0.0794976
    assert r.loc["ascend", "energy_per_gpu_hour"] == pytest.approx(0.0794976, rel=1e-6)
    assert r.loc["ascend", "capex_per_gpu_usd"] == pytest.approx(50_400)
    # ascend: 6.3e24 / (780e12 x 0.25 x 3600) = 8,974,358.97 h; / 8192 / 24 = 45.64595 days; cost 20,966,438.63
    # domestic E = 20,966,438.63 + 50,000 x (60 + 45.64595) = 20,966,438.63 + 5,282,297.53 = 26,248,736.16
    assert r.loc["ascend", "wall_days"] == pytest.approx(45.64595, rel=1e-6)
    assert r.loc["ascend", "risk_adjusted_cost_usd"] == pytest.approx(26_248_736.16, rel=1e-8)
    # licensed: cost 4,423,660.26 x 2.169218 = 9,595,883.46; approved 9,595,883.46 + 50,000 x (120 + 44.9998)
    # = 17,845,873.41; refused 50,000 x 120 + 26,248,736.16 = 32,248,736.16
    # E = 0.6 x 17,845,873.41 + 0.4 x 32,248,736.16 = 10,707,524.05 + 12,899,494.46 = 23,607,018.51
    assert r.loc["h200_licensed", "cost_usd"] == pytest.approx(9_595_883.46, rel=1e-8)
    assert r.loc["h200_licensed", "risk_adjusted_cost_usd"] == pytest.approx(23_607_018.51, rel=1e-8)
    # hyperscaler: 15,307,267.44 + 50,000 x (30 + 44.9998) + p_cut(0.3, 44.9998 d) x (1m + 0.5 x (20,966,438.63
    # - 15,307,267.44) + 3m); p_cut = 1 - exp(-0.3 x 44.9998 / 365) = 0.0363105
    pc = 1 - np.exp(-0.3 * 44.999799 / 365)
    expected = 15_307_267.44 + 50_000 * (30 + 44.999799) + pc * (1e6 + 0.5 * (20_966_438.63 - 15_307_267.44) + 3e6)
    assert r.loc["hyperscaler_my", "risk_adjusted_cost_usd"] == pytest.approx(expected, rel=1e-8)
    # a 45-day run on a 12-month commitment discount is flagged
    assert r.loc["hyperscaler_my", "commitment_outlasts_run"]
    assert "12-month commitment" in r.loc["hyperscaler_my", "notes"]
    # us_api closed: no price at all
    assert not r.loc["us_api", "available"]
    assert r.loc["us_api", "reason_code"] == "api_closed_hq"
    assert r.loc["us_api", ["cost_usd", "risk_adjusted_cost_usd", "usd_per_m_tokens"]].isna().all()
    assert r.loc["hyperscaler_my", "rank"] == 1


def test_provenance_names_assumption_and_grade(caset):
    res = price_routes_detail(load_compute_scenario(example_text()), caset)
    inp = res.inputs
    mfu = inp[(inp["route_id"] == "ascend") & (inp["input"] == "mfu")].iloc[0]
    assert mfu["origin"] == "assumption"
    assert mfu["assumption_id"].startswith("compute/efficiency/mfu#")
    assert mfu["evidence"] == "unverified"
    assert "modelling assumption" in mfu["source"]
    levy = inp[(inp["route_id"] == "h200_licensed") & (inp["input"] == "levy_rate")].iloc[0]
    assert levy["origin"] == "route"
    lp = inp[(inp["route_id"] == "hyperscaler_my") & (inp["input"] == "list_price")].iloc[0]
    assert lp["assumption_id"] == "compute/rental_prices#hyperscaler/MY/H200"
    assert lp["evidence"] == "secondary" and lp["valid_from"] == "2026-05-01"
    wb = inp[(inp["route_id"] == "ascend") & (inp["input"] == "weight_bytes")].iloc[0]
    assert wb["origin"] == "route" and wb["value"] == 2  # a route overrides a [workload] key
    assert (res.routes["n_unverified_defaults"] >= 0).all()


def test_routes_priced_together_equal_priced_alone(caset):
    sc = load_compute_scenario(example_text())
    together = price_routes(sc, caset).set_index("route_id")
    for r in sc.route:
        if r.fallback or r.kind == "us_api":
            continue
        alone = price_routes(sc.model_copy(update={"route": [r]}), caset).iloc[0]
        assert alone["cost_usd"] == pytest.approx(together.loc[r.id, "cost_usd"])


def test_rental_price_changes_on_its_date(caset):
    text = lambda day: scenario(route("n", "operator_abroad", "H100"), as_of=day)  # noqa: E731
    assert one(text("2026-02-28"), caset)["cost_per_gpu_hour"] == pytest.approx(1.70 * 1.3)
    assert one(text("2026-03-01"), caset)["cost_per_gpu_hour"] == pytest.approx(2.35 * 1.3)


def test_inference_only_and_serving_tokens(caset):
    text = ('as_of = 2026-06-30\n[workload]\nactive_params = 70e9\nserve_tokens = 1e9\n'
            + route("h", "hyperscaler_abroad", "H200", gpus_per_replica=1, gpus=8))
    row = one(text, caset)
    # serving hours = 1e9 / 2,350.81 / 3600 x 1 = 118.16 h
    assert row["gpu_hours"] == pytest.approx(1e9 / 2350.8104 / 3600, rel=1e-5)
    assert row["cost_usd"] == pytest.approx(row["gpu_hours"] * 3.3925 + 300_000, rel=1e-9)


# ---------------------------------------------------------------- availability


@pytest.mark.parametrize(("day", "available", "code"), [
    ("2025-04-08", True, ""),                      # open, before the is-informed letter
    ("2025-04-09", False, "licence_required"),     # day of the letter
    ("2025-08-10", False, "licence_required"),
    ("2025-08-11", True, ""),                      # licences against the 15 % share
    ("2025-08-20", True, ""),
    ("2025-08-21", False, "production_halted"),    # no new supply
])
def test_h20_status_by_date(caset, day, available, code):
    row = one(scenario(route("h20", "licensed_purchase", "H20"), as_of=day), caset)
    assert row["available"] is available or bool(row["available"]) == available
    assert row["reason_code"] == code
    if available:
        assert row["cost_usd"] > 0
    else:
        assert np.isnan(row["cost_usd"]) and row["reason"]


def test_h20_levy_applied_when_licensed(caset):
    res = price_routes_detail(parse_compute_scenario(scenario(route("h20", "licensed_purchase", "H20"), as_of="2025-08-15")), caset)
    levy = res.inputs[res.inputs["input"] == "levy_rate"].iloc[0]
    assert levy["value"] == 0.15 and levy["evidence"] == "confirmed"
    # the levy falls on the chip alone: capex = 12,000 x (1.6 + 0.15) = 21,000
    assert res.routes.iloc[0]["capex_per_gpu_usd"] == pytest.approx(21_000)


@pytest.mark.parametrize(("day", "available"), [("2026-01-14", False), ("2026-01-15", True)])
def test_h200_case_by_case_from_2026_01_15(caset, day, available):
    row = one(scenario(route("h200", "licensed_purchase", "H200"), as_of=day), caset)
    assert bool(row["available"]) == available
    if not available:
        assert row["reason_code"] == "not_licensable"


def test_blackwell_not_licensable(caset):
    row = one(scenario(route("b", "licensed_purchase", "B200")), caset)
    assert not row["available"] and row["reason_code"] == "not_licensable"
    assert "B200" in row["reason"] and np.isnan(row["risk_adjusted_cost_usd"])


def test_kind_and_chip_must_match(caset):
    assert one(scenario(route("d", "domestic", "H200")), caset)["reason_code"] == "not_domestic"
    assert one(scenario(route("l", "licensed_purchase", "Ascend910C")), caset)["reason_code"] == "domestic_chip"


def test_custom_chip_classified_by_band(caset):
    inside = route("c", "licensed_purchase", "X1", peak_flops_bf16=5e14, mem_bw=4e12, tdp_kw=0.5, tpp=15000, chip_price=10000)
    outside = route("c", "licensed_purchase", "X1", peak_flops_bf16=5e14, mem_bw=7e12, tdp_kw=0.5, tpp=15000, chip_price=10000)
    assert one(scenario(inside), caset)["chip_status"] == "case_by_case"
    assert one(scenario(outside), caset)["reason_code"] == "not_licensable"


@pytest.mark.parametrize(("hq", "ownership", "day", "available", "code"), [
    ("CN", None, "2026-06-30", False, "api_closed_hq"),
    ("CN", None, "2024-07-08", True, ""),          # the day before OpenAI's block
    ("CN", None, "2024-07-09", False, "api_closed_hq"),
    ("SG", "0.5", "2026-06-30", True, ""),         # at the threshold: not above it
    ("SG", "0.51", "2026-06-30", False, "api_ownership"),
    ("SG", "0.6", "2025-09-04", True, ""),         # the day before Anthropic's rule
    ("SG", "0.6", "2025-09-05", False, "api_ownership"),
    ("US", "0.0", "2026-06-30", True, ""),
])
def test_us_api_availability(caset, hq, ownership, day, available, code):
    row = one(scenario(route("api", "us_api", serve_tokens=1e9), hq=hq, ownership=ownership, as_of=day), caset)
    assert bool(row["available"]) == available
    assert row["reason_code"] == code
    if available:
        # 1e9 tokens at the assumed $5 per million
        assert row["cost_usd"] == pytest.approx(5_000)
        assert row["usd_per_m_tokens"] == pytest.approx(5.0)
    else:
        assert np.isnan(row["usd_per_m_tokens"])


def test_dedicated_hardware_for_china_hq_needs_a_licence(caset):
    r = route("op", "operator_abroad", "H200", dedicated_hardware=True)
    assert one(scenario(r), caset)["reason_code"] == "hq_licence"
    assert bool(one(scenario(r, hq="US", ownership="0.0"), caset)["available"])


def test_unavailable_fallback_is_noted(caset):
    text = scenario(route("lp", "licensed_purchase", "H200", fallback="bw") + route("bw", "licensed_purchase", "B200"))
    row = price_routes(parse_compute_scenario(text), caset).iloc[0]
    assert row["available"] and "not available" in row["notes"]
    # denial priced as delay only: E = cost + D x (L + wall)
    assert row["delay_cost_usd"] == pytest.approx(50_000 * (120 + row["wall_days"]))
    assert row["risk_adjusted_cost_usd"] == pytest.approx(row["cost_usd"] + row["delay_cost_usd"])


def test_diligence_and_rules(caset):
    items = diligence_checklist("operator_abroad", caset)
    assert items["route_kind"].iloc[0] == "all"
    assert {"op_dedicated", "op_capacity"} <= set(items["id"])
    assert (items["text_zh"].str.len() > 0).all() and (items["text_en"].str.len() > 0).all()
    rules = rules_timeline(caset)
    assert rules["date"].is_monotonic_increasing
    assert {"ai_diffusion_rescission", "h200_case_by_case", "bis_hq_guidance", "rasa_house"} <= set(rules["id"])
    assert rules.set_index("id").loc["ai_diffusion_rescission", "date"] == pd.Timestamp("2025-05-13")


# ---------------------------------------------------------------- file errors name the key


@pytest.mark.parametrize(("text", "needle"), [
    (scenario(route("a", "domestic", "Ascend910C", gpu=8)), "route[0] (id 'a').gpu: unknown key"),
    (scenario(route("a", "domestic", "Ascend910C", mfu=1.5)), "route[0] (id 'a').mfu: Input should be less than or equal to 1 (got 1.5)"),
    (scenario(route("a", "teleport", "H200")), "route[0] (id 'a').kind"),
    (scenario(route("a", "domestic", "Ascend910C") + route("a", "domestic", "Ascend910C")), "route[1].id: 'a' is used by route[0]"),
    (scenario(route("a", "domestic", "Ascend910C", fallback="zz")), "route[0].fallback: 'zz' is not a route id"),
    (scenario(route("a", "domestic")), "route[0].accelerator: missing"),
    ('[[route]]\nid = "a"\nkind = "us_api"\n', "workload.active_params: missing"),
    (scenario(route("a", "us_api"), extra="colour = 1"), "colour: unknown key"),
    (scenario(route("a", "us_api")).replace("[workload]", "[workload]\ntrain_tokens = -1\n", 1).replace("train_tokens = 15e12\n", ""), "workload.train_tokens"),
    ("[workload\n", "not valid TOML"),
])
def test_scenario_errors_name_the_key(text, needle):
    with pytest.raises(ComputeScenarioError) as exc:
        parse_compute_scenario(text, "s.toml")
    assert str(exc.value).startswith("s.toml: ")
    assert needle in str(exc.value)
    assert "\n" not in str(exc.value)


def test_engine_errors_name_the_key(caset):
    with pytest.raises(ComputeScenarioError, match=r"route\[0\] \(id 'x'\)\.accelerator: 'Z9' matches no accelerator"):
        price_routes(parse_compute_scenario(scenario(route("x", "hyperscaler_abroad", "Z9"))), caset)
    with pytest.raises(ComputeScenarioError, match=r"route\[0\] \(id 'x'\)\.list_price: no value .* for Ascend910C from hyperscaler"):
        price_routes(parse_compute_scenario(scenario(route("x", "hyperscaler_abroad", "Ascend910C"))), caset)
    with pytest.raises(ComputeScenarioError, match=r"precision: 'fp8' but Ascend910C has no FP8"):
        price_routes(parse_compute_scenario(scenario(route("x", "domestic", "Ascend910C", precision="fp8"))), caset)


def test_load_from_path_and_missing_file(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(example_text(), encoding="utf-8")
    assert len(load_compute_scenario(p).route) == 5
    assert len(load_compute_scenario(str(p)).route) == 5
    with pytest.raises(ComputeScenarioError, match="no such scenario file"):
        load_compute_scenario(tmp_path / "none.toml")


def test_overrides_are_validated():
    sc = load_compute_scenario(example_text())
    with pytest.raises(ValueError):
        apply_route_overrides(sc, {"h200_licensed": {"p_approve": 1.5}})
    sc2 = apply_route_overrides(sc, {"h200_licensed": {"p_approve": 0.9}}, risk={"cost_of_delay_per_day": 0})
    assert sc2.route[0].p_approve == 0.9 and sc2.risk.cost_of_delay_per_day == 0


def test_as_of_default_is_today(caset):
    sc = parse_compute_scenario(scenario(route("a", "domestic", "Ascend910C")).replace("as_of = 2026-06-30", ""))
    assert price_routes_detail(sc, caset).as_of == dt.date.today()
