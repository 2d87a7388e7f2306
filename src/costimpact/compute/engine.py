"""Price compute-access routes: resolve every input (route, scenario section or dated assumption), decide
availability, then apply the formulas of :mod:`costimpact.compute.formulas` to all routes at once.

Input resolution, in order of precedence, for each key and route:
``route`` (set in the ``[[route]]``) > ``workload``/``risk`` (the scenario's section) > ``assumption`` (the value
in force on ``as_of`` in ``assumptions/compute/``, keyed by accelerator, route kind or site). Each resolved input
keeps where it came from: the assumption id, the period or table row, its source and its evidence grade
(:attr:`ComputeResult.inputs`). The math is vectorised over routes: one column per quantity, no per-route loop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, attach, load_assumptions, periods_frame
from costimpact.compute import formulas as f
from costimpact.compute.scenario import (
    OWNED_KINDS,
    RENTED_KINDS,
    ROUTE_KINDS,
    ComputeScenario,
    ComputeScenarioError,
    closest,
    load_compute_scenario,
    name_key,
)

A = "compute/"  # assumption id prefix
ACCEL_TABLE = A + "accelerators"
STATUS_TABLE = A + "chip_status_china"
RENTAL_TABLE = A + "rental_prices"
RULES_TABLE = A + "rules_timeline"
DILIGENCE_TABLE = A + "diligence"

HW_KINDS = ("licensed_purchase", "domestic", "hyperscaler_abroad", "operator_abroad", "offshore_purchase")
RENTED_GPU_KINDS = ("hyperscaler_abroad", "operator_abroad")
LICENSABLE = ("open", "revenue_share", "case_by_case")

#: Where owned routes run by default (the key of power_price and pue): domestic-chip DCs get subsidised power.
DEFAULT_SITE = {"licensed_purchase": "CN", "domestic": "CN-domestic-chips", "offshore_purchase": "MY"}
#: Which rental price class a rented route reads by default: operators abroad are priced on the neocloud index.
DEFAULT_PROVIDER_CLASS = {"hyperscaler_abroad": "hyperscaler", "operator_abroad": "neocloud"}
DEFAULT_REGION = "any"


@dataclasses.dataclass(frozen=True)
class Key:
    """One input: which route kinds use it, which scenario section may set it, where its default comes from."""

    name: str
    kinds: tuple[str, ...]
    default: str  # "param:<id>" | "accel" | "rental" | "zero" | "none"
    key_by: str | None = None  # routes-frame column keying the parameter: kind | accelerator | site
    section: str | None = None  # workload | risk
    required: bool = True
    default_kinds: tuple[str, ...] | None = None  # kinds the default fills (others: 0 unless given); None = all


KEYS: tuple[Key, ...] = (
    Key("active_params", ROUTE_KINDS, "none", section="workload"),
    Key("train_tokens", ROUTE_KINDS, "zero", section="workload"),
    Key("serve_tokens", ROUTE_KINDS, "zero", section="workload"),
    Key("batch", HW_KINDS, f"param:{A}workload/batch", section="workload"),
    Key("context_tokens", ROUTE_KINDS, f"param:{A}workload/context_tokens", section="workload"),
    Key("weight_bytes", HW_KINDS, f"param:{A}workload/weight_bytes", section="workload"),
    Key("kv_bytes_per_token", HW_KINDS, f"param:{A}workload/kv_bytes_per_token", section="workload"),
    Key("prompt_tokens", ROUTE_KINDS, "zero", section="workload"),
    Key("serving_days", ROUTE_KINDS, f"param:{A}workload/serving_days", section="workload"),
    Key("gpus", HW_KINDS, f"param:{A}workload/gpus"),
    Key("gpus_per_replica", HW_KINDS, f"param:{A}workload/gpus_per_replica"),
    Key("mfu", HW_KINDS, f"param:{A}efficiency/mfu", key_by="accelerator"),
    Key("eta_compute", HW_KINDS, f"param:{A}efficiency/eta_compute"),
    Key("eta_memory", HW_KINDS, f"param:{A}efficiency/eta_memory"),
    Key("peak_flops_bf16", HW_KINDS, "accel"),
    Key("peak_flops_fp8", HW_KINDS, "accel", required=False),
    Key("mem_bw", HW_KINDS, "accel"),
    Key("tpp", ("licensed_purchase",), "accel", required=False),
    Key("hbm_gb", HW_KINDS, "accel", required=False),
    Key("tdp_kw", OWNED_KINDS, "accel", required=False),
    Key("system_kw", OWNED_KINDS, "accel", required=False),
    Key("chip_price", OWNED_KINDS, f"param:{A}prices/chip_price", key_by="accelerator"),
    Key("levy_rate", OWNED_KINDS, f"param:{A}prices/levy_rate", key_by="accelerator",
        default_kinds=("licensed_purchase", "domestic")),
    Key("levy_passthrough", OWNED_KINDS, f"param:{A}prices/levy_passthrough"),
    Key("overhead", OWNED_KINDS, f"param:{A}facility/overhead", key_by="accelerator"),
    Key("capital_rate", OWNED_KINDS, f"param:{A}facility/capital_rate"),
    Key("life_years", OWNED_KINDS, f"param:{A}facility/life_years"),
    Key("allocation", OWNED_KINDS, f"param:{A}facility/allocation"),
    Key("opex_rate", OWNED_KINDS, f"param:{A}facility/opex_rate"),
    Key("server_ratio", OWNED_KINDS, f"param:{A}facility/server_ratio"),
    Key("draw", OWNED_KINDS, f"param:{A}facility/draw"),
    Key("pue", OWNED_KINDS, f"param:{A}facility/pue", key_by="site"),
    Key("power_price_kwh", OWNED_KINDS, f"param:{A}facility/power_price", key_by="site"),
    Key("list_price", RENTED_GPU_KINDS, "rental"),
    Key("commit_discount", RENTED_GPU_KINDS, f"param:{A}prices/commit_discount", key_by="kind"),
    Key("commit_months", RENTED_GPU_KINDS, f"param:{A}prices/commit_months"),
    Key("intermediary_premium", RENTED_GPU_KINDS, f"param:{A}prices/intermediary_premium", key_by="kind"),
    Key("api_price_per_m_tokens", ("us_api",), f"param:{A}prices/us_api_price"),
    Key("egress_gb", ROUTE_KINDS, f"param:{A}workload/egress_gb"),
    Key("egress_price", ROUTE_KINDS, f"param:{A}prices/egress_price", key_by="kind"),
    Key("fixed_cost", ROUTE_KINDS, f"param:{A}risk/fixed_cost", key_by="kind"),
    Key("p_approve", ("licensed_purchase",), f"param:{A}risk/p_approve", key_by="kind"),
    Key("lead_days", ROUTE_KINDS, f"param:{A}risk/lead_days", key_by="kind"),
    # owned routes bought in China carry a hazard only when the route gives one (spec); the others default
    Key("hazard_per_year", ROUTE_KINDS, f"param:{A}risk/hazard_per_year", key_by="kind",
        default_kinds=(*RENTED_KINDS, "offshore_purchase")),
    Key("risk_premium", RENTED_KINDS, f"param:{A}risk/risk_premium", key_by="kind"),
    Key("cost_of_delay_per_day", ROUTE_KINDS, f"param:{A}risk/cost_of_delay_per_day", section="risk"),
    Key("switch_cost", ROUTE_KINDS, f"param:{A}risk/switch_cost", section="risk"),
    Key("switch_days", ROUTE_KINDS, f"param:{A}risk/switch_days", section="risk"),
)
KEY_NAMES = tuple(k.name for k in KEYS)

#: Output columns the file contract promises, in order; the CSV adds the breakdown after them.
CONTRACT_COLUMNS = [
    "route_id", "available", "reason", "cost_per_gpu_hour", "gpu_hours", "wall_days", "cost_usd",
    "risk_adjusted_cost_usd", "tokens_per_s_per_replica", "usd_per_m_tokens",
]
DETAIL_COLUMNS = [
    "kind", "accelerator", "accelerator_input", "user_supplied_accelerator", "rank", "reason_code", "reason_date",
    "reason_source", "notes", "chip_status", "chip_status_from", "train_flops",
    "train_gpu_hours", "serve_gpu_hours", "compute_cost_usd", "egress_cost_usd", "fixed_cost_usd", "capex_per_gpu_usd",
    "crf", "capital_per_gpu_hour", "opex_per_gpu_hour", "energy_per_gpu_hour", "peak_flops_train", "peak_flops_serve",
    "t_compute_s", "t_memory_s", "memory_bound", "replica_need_gb", "replica_usable_gb", "serving_fits",
    "min_gpus_per_replica", "usd_per_m_tokens_basis", "run_days", "commitment_outlasts_run", "delay_cost_usd", "p_cut",
    "fallback", "fallback_cost_usd", "fallback_expected_usd", "risk_delta_usd", "n_unverified_defaults",
]
OUTPUT_COLUMNS = CONTRACT_COLUMNS + DETAIL_COLUMNS
INPUT_COLUMNS = ["route_id", "input", "value", "origin", "assumption_id", "evidence", "source", "valid_from"]
GRADE_ORDER = {"confirmed": 0, "secondary": 1, "unverified": 2}


@dataclasses.dataclass(frozen=True)
class ComputeResult:
    """Routes priced, with every resolved input and its provenance."""

    routes: pd.DataFrame  # one row per route: OUTPUT_COLUMNS
    inputs: pd.DataFrame  # long: one row per (route, input): INPUT_COLUMNS
    scenario: ComputeScenario
    as_of: dt.date
    assumptions_version: str


# --------------------------------------------------------------------------- resolution


_DEFAULTS_CACHE: dict[tuple, pd.DataFrame] = {}


def _param_default(aset: AssumptionSet, pid: str, dates: pd.Series, keys: pd.Series | None) -> pd.DataFrame:
    """The value of parameter ``pid`` in force on each date (for each key), with its source and grade.

    Memoised on (assumption content, parameter, dates, keys): the app re-prices on every slider move and the
    defaults do not change with the sliders."""
    param = aset.param(pid)
    memo = (aset.content_hash, aset.scenario, id(param), pid, tuple(dates.astype(str)),
            None if keys is None or not param.key else tuple(keys.astype(str)))
    hit = _DEFAULTS_CACHE.get(memo)
    if hit is not None:
        return hit.set_axis(dates.index)
    if len(_DEFAULTS_CACHE) > 4096:
        _DEFAULTS_CACHE.clear()
    out = _param_default_uncached(aset, param, pid, dates, keys)
    _DEFAULTS_CACHE[memo] = out
    return out


def _param_default_uncached(aset: AssumptionSet, param, pid: str, dates: pd.Series, keys: pd.Series | None) -> pd.DataFrame:
    att = attach(param, dates, keys if param.key else None)
    periods = periods_frame(param).set_index("period_id")
    notes = {f"{param.id}#{i}": (p.note or "") for i, p in enumerate(param.values)}
    pid_s = att["period_id"]
    source = pid_s.map(periods["source"]).fillna("")
    note = pid_s.map(notes).fillna("")
    source = source.where(note == "", source + " [" + note + "]")
    valid_from = pid_s.map(periods["from"].dt.date.astype(str)).fillna("")
    return pd.DataFrame({"value": att["value"], "evidence": att["evidence"].replace("", np.nan).fillna(""),
                         "source": source, "assumption_id": pid_s,
                         "valid_from": valid_from}, index=dates.index)


def _lookup_dated(table: pd.DataFrame, left: pd.DataFrame, by: list[str], value_cols: list[str]) -> pd.DataFrame:
    """merge_asof of ``left`` (``by`` + ``_date``) on ``table`` (``by`` + ``from``); keeps the row's ``from``."""
    right = table[by + ["from"] + value_cols].copy()
    right["_date"] = pd.to_datetime(right["from"]).astype("datetime64[ns]")
    right = right.sort_values("_date", kind="stable")
    pend = left[by + ["_date"]].assign(_pos=np.arange(len(left)), _date=pd.to_datetime(left["_date"]).astype("datetime64[ns]"))
    pend = pend.sort_values("_date", kind="stable")
    for c in by:  # one key dtype on both sides (tables may load as the string dtype, routes as objects)
        right[c] = right[c].astype(str)
        pend[c] = pend[c].astype(str)
    m = pd.merge_asof(pend, right, on="_date", by=by, direction="backward")
    return m.sort_values("_pos").set_index(left.index)[["from"] + value_cols]


def _resolve(sc: ComputeScenario, aset: AssumptionSet, as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The routes frame with one column per key (resolved), plus the long provenance frame."""
    raw = pd.DataFrame([r.model_dump() for r in sc.route])
    n = len(raw)
    fr = pd.DataFrame(index=pd.RangeIndex(n))
    fr["route_no"] = np.arange(n)
    fr["route_id"] = raw["id"].astype(str)
    fr["kind"] = raw["kind"].astype(str)
    fr["label"] = raw["label"].fillna(raw["id"]).astype(str)
    fr["accelerator_input"] = raw["accelerator"].fillna("").astype(str)
    fr["precision"] = raw["precision"].astype(str)
    fr["fallback"] = raw["fallback"].fillna("").astype(str)
    fr["dedicated_hardware"] = raw["dedicated_hardware"].astype(bool)
    fr["site"] = raw["site"].fillna(fr["kind"].map(DEFAULT_SITE)).fillna("").astype(str)
    fr["provider_class"] = raw["provider_class"].fillna(fr["kind"].map(DEFAULT_PROVIDER_CLASS)).fillna("").astype(str)
    fr["region"] = raw["region"].fillna(DEFAULT_REGION).astype(str)
    dates = pd.Series(pd.Timestamp(as_of), index=fr.index)

    accel = aset.table(ACCEL_TABLE).set_index("accelerator")
    canonical = {name_key(a): a for a in accel.index}
    matched = fr["accelerator_input"].map(lambda x: canonical.get(name_key(x), ""))
    in_table = matched != ""
    fr["accelerator"] = matched.where(in_table, fr["accelerator_input"])

    rented_gpu = fr["kind"].isin(RENTED_GPU_KINDS)
    rental = pd.DataFrame({"value": np.nan, "evidence": "", "source": "", "valid_from": ""}, index=fr.index)
    if rented_gpu.any():
        table = aset.table(RENTAL_TABLE)
        left = pd.DataFrame({"provider_class": fr["provider_class"], "region": fr["region"],
                             "accelerator": fr["accelerator"], "_date": dates})
        exact = _lookup_dated(table, left, ["provider_class", "region", "accelerator"], ["usd_per_hour", "source", "evidence"])
        anyr = _lookup_dated(table, left.assign(region=DEFAULT_REGION), ["provider_class", "region", "accelerator"],
                             ["usd_per_hour", "source", "evidence"])
        best = exact.where(exact["usd_per_hour"].notna(), anyr)
        rental = pd.DataFrame({"value": best["usd_per_hour"].astype(float), "evidence": best["evidence"].fillna(""),
                               "source": best["source"].fillna(""),
                               "valid_from": pd.to_datetime(best["from"]).dt.date.astype(str).where(best["from"].notna(), "")},
                              index=fr.index)

    long_parts: list[pd.DataFrame] = []
    for key in KEYS:
        applies = fr["kind"].isin(key.kinds)
        value = pd.to_numeric(raw[key.name], errors="coerce").astype(float) if key.name in raw else pd.Series(np.nan, index=fr.index)
        origin = pd.Series(np.where(value.notna(), "route", ""), index=fr.index, dtype=object)
        aid = pd.Series("", index=fr.index, dtype=object)
        evidence = pd.Series("", index=fr.index, dtype=object)
        source = pd.Series(np.where(value.notna(), "scenario file, [[route]]", ""), index=fr.index, dtype=object)
        valid_from = pd.Series("", index=fr.index, dtype=object)
        if key.section is not None:
            sec_value = getattr(getattr(sc, key.section), key.name)
            if sec_value is not None:
                fill = value.isna()
                value = value.where(~fill, float(sec_value))
                origin = origin.where(~fill, key.section)
                source = source.where(~fill, f"scenario file, [{key.section}]")
        fill = value.isna() & applies
        if key.default_kinds is not None:
            no_default = fill & ~fr["kind"].isin(key.default_kinds)
            value = value.where(~no_default, 0.0)
            origin = origin.where(~no_default, "definition")
            source = source.where(~no_default, "omitted: none for this route kind")
            fill = fill & ~no_default
        if fill.any():
            if key.default.startswith("param:"):
                pid = key.default[len("param:"):]
                keys = fr[key.key_by] if key.key_by else None
                d = _param_default(aset, pid, dates, keys)
                ok = fill & d["value"].notna()
                value = value.where(~ok, d["value"])
                origin = origin.where(~ok, "assumption")
                aid = aid.where(~ok, d["assumption_id"])
                evidence = evidence.where(~ok, d["evidence"])
                source = source.where(~ok, d["source"])
                valid_from = valid_from.where(~ok, d["valid_from"])
            elif key.default == "accel":
                col = accel[key.name] if key.name in accel.columns else pd.Series(dtype=float)
                v = fr["accelerator"].map(col).astype(float)
                ok = fill & v.notna()
                value = value.where(~ok, v)
                origin = origin.where(~ok, "assumption")
                aid = aid.where(~ok, ACCEL_TABLE + "#" + fr["accelerator"])
                evidence = evidence.where(~ok, fr["accelerator"].map(accel["evidence"]))
                source = source.where(~ok, fr["accelerator"].map(accel["source"]))
            elif key.default == "rental":
                ok = fill & rental["value"].notna()
                value = value.where(~ok, rental["value"])
                origin = origin.where(~ok, "assumption")
                aid = aid.where(~ok, RENTAL_TABLE + "#" + fr["provider_class"] + "/" + fr["region"] + "/" + fr["accelerator"])
                evidence = evidence.where(~ok, rental["evidence"])
                source = source.where(~ok, rental["source"])
                valid_from = valid_from.where(~ok, rental["valid_from"])
            elif key.default == "zero":
                value = value.where(~fill, 0.0)
                origin = origin.where(~fill, "definition")
                source = source.where(~fill, "omitted: none")
        value = value.where(applies)
        fr[key.name] = value
        part = pd.DataFrame({"route_id": fr["route_id"], "input": key.name, "value": value, "origin": origin,
                             "assumption_id": aid, "evidence": evidence, "source": source, "valid_from": valid_from})
        long_parts.append(part[applies & value.notna()])

    # system_kw = tdp_kw x server_ratio unless given (owned routes)
    owned = fr["kind"].isin(OWNED_KINDS)
    derived_kw = owned & fr["system_kw"].isna()
    fr["system_kw"] = pd.Series(f.system_kw(fr["tdp_kw"], fr["server_ratio"], fr["system_kw"]), index=fr.index).where(owned)
    if derived_kw.any():
        long_parts.append(pd.DataFrame({
            "route_id": fr["route_id"], "input": "system_kw", "value": fr["system_kw"], "origin": "derived",
            "assumption_id": "", "evidence": "", "source": "tdp_kw x server_ratio", "valid_from": ""})[derived_kw & fr["system_kw"].notna()])
    inputs = pd.concat(long_parts, ignore_index=True) if long_parts else pd.DataFrame(columns=INPUT_COLUMNS)
    order = {name: i for i, name in enumerate(KEY_NAMES)}
    inputs = inputs.assign(_r=inputs["route_id"].map(dict(zip(fr["route_id"], fr["route_no"], strict=True))),
                           _k=inputs["input"].map(order)).sort_values(["_r", "_k"], kind="stable")
    inputs = inputs.drop(columns=["_r", "_k"]).reset_index(drop=True)[INPUT_COLUMNS]
    fr["user_supplied"] = fr["kind"].isin(HW_KINDS) & ~in_table
    _check_complete(fr, in_table, list(accel.index))
    return fr, inputs


def _check_complete(fr: pd.DataFrame, in_table: pd.Series, known: list[str]) -> None:
    """The accelerator must be known and the owned routes' power given: name the route and key, and the fix."""
    hw = fr["kind"].isin(HW_KINDS)
    unknown = hw & ~in_table & (fr["peak_flops_bf16"].isna() | fr["mem_bw"].isna())
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        typed = fr["accelerator_input"].iloc[i]
        near = closest(typed, known)
        hint = f" (closest: {near})" if near else ""
        raise ComputeScenarioError(
            f"route[{i}] (id {fr['route_id'].iloc[i]!r}).accelerator: {typed!r} matches no accelerator in "
            f"assumptions/compute/accelerators.csv{hint}; known: {', '.join(known)}. Use one of these names, or give "
            f"peak_flops_bf16, mem_bw and hbm_gb (and tdp_kw for owned routes) in the route to price your own chip"
        )
    bad_prompt = hw & (fr["prompt_tokens"] > 0) & (fr["prompt_tokens"] >= fr["context_tokens"])
    if bad_prompt.any():
        i = int(np.flatnonzero(bad_prompt.to_numpy())[0])
        raise ComputeScenarioError(
            f"route[{i}] (id {fr['route_id'].iloc[i]!r}).prompt_tokens: {fr['prompt_tokens'].iloc[i]:g} is not below "
            f"context_tokens ({fr['context_tokens'].iloc[i]:g}); the context holds the prompt and the output, so give "
            f"a prompt shorter than the context"
        )
    owned = fr["kind"].isin(OWNED_KINDS)
    no_power = owned & fr["system_kw"].isna()
    if no_power.any():
        i = int(np.flatnonzero(no_power.to_numpy())[0])
        raise ComputeScenarioError(f"route[{i}] (id {fr['route_id'].iloc[i]!r}).tdp_kw: missing; give tdp_kw or system_kw in the route")
    fp8 = hw & (fr["precision"] == "fp8") & (fr["train_tokens"] > 0) & fr["peak_flops_fp8"].isna()
    if fp8.any():
        i = int(np.flatnonzero(fp8.to_numpy())[0])
        raise ComputeScenarioError(
            f"route[{i}] (id {fr['route_id'].iloc[i]!r}).precision: 'fp8' but {fr['accelerator'].iloc[i]} has no FP8 peak; "
            f"use precision = 'bf16' or give peak_flops_fp8 (training is priced on the BF16 peak either way)"
        )


def _check_values(fr: pd.DataFrame, available: pd.Series, as_of: dt.date) -> None:
    """Every required input of an available route must have a value: name the first one missing, and how to give it."""
    for key in KEYS:
        if not key.required:
            continue
        missing = available & fr["kind"].isin(key.kinds) & fr[key.name].isna()
        if missing.any():
            i = int(np.flatnonzero(missing.to_numpy())[0])
            where = {"accelerator": fr["accelerator"].iloc[i], "kind": fr["kind"].iloc[i], "site": fr["site"].iloc[i]}
            detail = f" for {where[key.key_by]}" if key.key_by else ""
            if key.default == "rental":
                detail = (f" for {fr['accelerator'].iloc[i]} from {fr['provider_class'].iloc[i]} in region "
                          f"{fr['region'].iloc[i]}")
            raise ComputeScenarioError(
                f"route[{i}] (id {fr['route_id'].iloc[i]!r}).{key.name}: no value in assumptions/compute/{detail} "
                f"on {as_of}; set {key.name} in the route"
            )


# --------------------------------------------------------------------------- availability


def _availability(fr: pd.DataFrame, sc: ComputeScenario, aset: AssumptionSet, as_of: dt.date) -> pd.DataFrame:
    """available, reason_code, reason, reason_date, reason_source, chip_status, chip_status_from for every route
    (vectorised). Each closed route names the rule, the day it took effect and its source."""
    idx = fr.index
    day = pd.Timestamp(as_of)
    hq = sc.customer.hq_country
    dates = pd.Series(day, index=idx)
    hq_keys = pd.Series(hq, index=idx)
    hq_rule = _param_default(aset, A + "rules/china_hq", dates, hq_keys)
    china_hq = hq_rule["value"].fillna(0) >= 1
    closed_rule = _param_default(aset, A + "rules/api_closed_hq", dates, hq_keys)
    api_closed = closed_rule["value"].fillna(0) >= 1
    threshold_rule = _param_default(aset, A + "rules/api_ownership_threshold", dates, None)
    threshold = threshold_rule["value"]
    ownership = sc.customer.chinese_ownership
    if ownership is None:
        ownership = china_hq.astype(float)  # omitted: wholly Chinese-owned if China-HQ, else none
    ownership = pd.Series(ownership, index=idx, dtype=float)
    over_threshold = threshold.notna() & (ownership > threshold)
    offshore_rule = _param_default(aset, A + "rules/offshore_subsidiary_closed", dates, hq_keys)
    offshore_closed = offshore_rule["value"].fillna(0) >= 1
    affiliates_rule = _param_default(aset, A + "rules/affiliates_rule_in_force", dates, None)
    if sc.rules.affiliates_rule_in_force is not None:  # the scenario answers the open question itself
        affiliates_rule = affiliates_rule.assign(value=float(sc.rules.affiliates_rule_in_force), valid_from=str(as_of),
                                                 source="scenario file, [rules] affiliates_rule_in_force")
    affiliates_share = _param_default(aset, A + "rules/affiliates_threshold", dates, None)
    listed = pd.Series(sc.customer.listed_parent_ownership or 0.0, index=idx, dtype=float)
    affiliated = (affiliates_rule["value"].fillna(0) >= 1) & affiliates_share["value"].notna() & (listed >= affiliates_share["value"])

    accel = aset.table(ACCEL_TABLE).set_index("accelerator")
    status_tab = aset.table(STATUS_TABLE)
    left = pd.DataFrame({"accelerator": fr["accelerator"], "_date": dates})
    st = _lookup_dated(status_tab, left, ["accelerator"], ["status", "source"])
    status = st["status"].fillna("")
    status_source = st["source"].fillna("")
    status_from = pd.to_datetime(st["from"]).dt.date.astype(str).where(st["from"].notna(), "")
    # an accelerator missing from the status table: classify by the Jan 2026 case-by-case band (TPP and bandwidth)
    tpp_rule = _param_default(aset, A + "rules/case_by_case_tpp_max", dates, None)
    tpp_max = tpp_rule["value"]
    bw_max = _param_default(aset, A + "rules/case_by_case_bw_max", dates, None)["value"]
    on_list = fr["accelerator"].isin(status_tab["accelerator"])
    tpp = fr["tpp"]
    in_band = tpp.notna() & tpp_max.notna() & (tpp < tpp_max) & (fr["mem_bw"] < bw_max)
    derived = ~on_list & (fr["kind"] == "licensed_purchase") & tpp.notna()
    status = status.where(~derived, np.where(in_band, "case_by_case", "not_licensable"))
    status_from = status_from.where(~derived, tpp_rule["valid_from"])
    status_source = status_source.where(~derived, "derived from the TPP and bandwidth band: " + tpp_rule["source"])
    # a chip the user describes on a domestic route is taken as domestic, and flagged user-supplied
    own_domestic = ~on_list & fr["user_supplied"] & (fr["kind"] == "domestic")
    status = status.where(~own_domestic, "domestic")
    status_from = status_from.where(~own_domestic, "")
    status_source = status_source.where(~own_domestic, "user-supplied accelerator: status as given by the route")
    origin = fr["accelerator"].map(accel["origin"]).fillna("")

    kind = fr["kind"]
    acc = fr["accelerator"]
    as_of_s = pd.Series(str(as_of), index=idx)
    rules = [  # (condition, code, reason, date, source)
        ((kind == "us_api") & api_closed, "api_closed_hq",
         f"US frontier model APIs are closed to customers headquartered in {hq} since " + closed_rule["valid_from"],
         closed_rule["valid_from"], closed_rule["source"]),
        ((kind == "us_api") & over_threshold, "api_ownership",
         "US frontier model APIs refuse customers more than " + (threshold.fillna(0) * 100).round(0).astype(int).astype(str)
         + "% Chinese-owned, wherever located; this customer is " + (ownership * 100).round(0).astype(int).astype(str)
         + "% Chinese-owned", threshold_rule["valid_from"], threshold_rule["source"]),
        ((kind == "licensed_purchase") & (status == "domestic"), "domestic_chip",
         acc + " is a domestic (PRC-made) accelerator: use kind = \"domestic\"", status_from, status_source),
        ((kind == "licensed_purchase") & (status == "not_licensable"), "not_licensable",
         acc + ": presumption of denial for China since " + status_from + "; not licensable (no route to buy it)",
         status_from, status_source),
        ((kind == "licensed_purchase") & (status == "production_halted"), "production_halted",
         acc + ": no new supply since " + status_from + " (production halted); only an existing fleet can be used",
         status_from, status_source),
        ((kind == "licensed_purchase") & (status == "licence_required"), "licence_required",
         acc + ": licence required since " + status_from + " and none being granted", status_from, status_source),
        ((kind == "licensed_purchase") & ~status.isin(LICENSABLE), "no_status",
         acc + ": no licence status for China in assumptions/compute/chip_status_china.csv on " + as_of_s
         + "; add a row or give tpp in the route", as_of_s, pd.Series("assumptions/compute/chip_status_china.csv", index=idx)),
        ((kind == "domestic") & (status == "announced"), "not_shipping",
         acc + ": announced, not shipping on " + as_of_s + " (listed as announced since " + status_from + ")",
         status_from, status_source),
        ((kind == "domestic") & (status != "domestic"), "not_domestic",
         acc + " is not a domestic accelerator available in China on " + as_of_s + " (status: "
         + status.replace("", "unknown") + ")", status_from, status_source),
        (kind.isin(RENTED_GPU_KINDS) & fr["dedicated_hardware"] & china_hq & (origin != "cn"), "hq_licence",
         pd.Series("hardware dedicated to a China-HQ customer needs a BIS licence wherever it sits (HQ rule, enforced "
                   "by the BIS guidance of 31 May 2026)", index=idx), hq_rule["valid_from"], hq_rule["source"]),
        ((kind == "offshore_purchase") & china_hq & offshore_closed, "offshore_closed",
         "a subsidiary abroad of a China-HQ or China-parented group needs a BIS licence for 3A090/4A090 chips "
         "wherever it sits (BIS guidance of " + offshore_rule["valid_from"] + "): the offshore purchase route is closed",
         offshore_rule["valid_from"], offshore_rule["source"]),
        (kind.isin(["licensed_purchase", "offshore_purchase"]) & (origin != "cn") & affiliated, "affiliates_rule",
         "the customer is " + (listed * 100).round(0).astype(int).astype(str) + "% owned by Entity-Listed parties and "
         "the Affiliates (50%) rule is in force since " + affiliates_rule["valid_from"] + ": Entity List licence "
         "requirements reach it", affiliates_rule["valid_from"], affiliates_rule["source"]),
    ]
    conds = [r[0] for r in rules]
    code = pd.Series(np.select(conds, [r[1] for r in rules], default=""), index=idx)
    pick = lambda j: pd.Series(np.select(conds, [pd.Series(r[j], index=idx).astype(str) for r in rules], default=""), index=idx)  # noqa: E731
    owned = kind.isin(OWNED_KINDS)
    return pd.DataFrame({"available": code == "", "reason_code": code, "reason": pick(2), "reason_date": pick(3),
                         "reason_source": pick(4), "chip_status": status.where(owned, ""),
                         "chip_status_from": status_from.where(owned, "")}, index=idx)


# --------------------------------------------------------------------------- pricing


def _fmt(values: pd.Series, spec: str) -> pd.Series:
    """Numbers as text for reasons and notes ("" where missing), so text columns stay text."""
    values = pd.to_numeric(values, errors="coerce")
    return values.map(lambda v: "" if pd.isna(v) else spec.format(v)).astype(object)


def _as_scenario(scenario: ComputeScenario | str | Path) -> ComputeScenario:
    return scenario if isinstance(scenario, ComputeScenario) else load_compute_scenario(scenario)


def price_routes_detail(scenario: ComputeScenario | str | Path, assumptions: AssumptionSet | None = None,
                        as_of: dt.date | None = None) -> ComputeResult:
    """Price every route of ``scenario``; return the routes, the resolved inputs and their provenance."""
    sc = _as_scenario(scenario)
    aset = assumptions if assumptions is not None else load_assumptions()
    day = as_of or sc.as_of or dt.date.today()
    fr, inputs = _resolve(sc, aset, day)
    av = _availability(fr, sc, aset, day)
    _check_values(fr, av["available"], day)
    kind = fr["kind"]
    hw = kind.isin(HW_KINDS)
    owned = kind.isin(OWNED_KINDS)
    rented_gpu = kind.isin(RENTED_GPU_KINDS)
    api = kind == "us_api"
    rented = kind.isin(RENTED_KINDS)
    licensed = kind == "licensed_purchase"
    notes: list[pd.Series] = []

    def note(mask, text) -> None:
        notes.append(pd.Series(np.where(mask, text, ""), index=fr.index))

    note(fr["user_supplied"], "accelerator " + fr["accelerator_input"] + " is not in the catalogue: priced on the "
         "specs given in the route (user-supplied, not checked)")

    # training: MFU is quoted against the BF16 peak, whatever precision the run uses (spec)
    peak_train = fr["peak_flops_bf16"]
    flops = pd.Series(f.training_flops(fr["active_params"], fr["train_tokens"]), index=fr.index)
    train_h = pd.Series(f.train_gpu_hours(flops, peak_train, fr["mfu"]), index=fr.index).where(flops > 0, 0.0).where(hw)
    note(hw & (fr["precision"] == "fp8") & (flops > 0),
         "precision fp8: training is still priced on the BF16 peak, as MFU figures are quoted against it (FP8 gains sit "
         "inside the MFU)")

    # serving (roofline); FP8 peak when weights are 1 byte and the chip has FP8
    fp8_serving = (fr["weight_bytes"] <= 1) & fr["peak_flops_fp8"].notna()
    peak_serve = fr["peak_flops_fp8"].where(fp8_serving, fr["peak_flops_bf16"])
    note(hw & (fr["weight_bytes"] <= 1) & fr["peak_flops_fp8"].isna(), "no FP8 on this chip: serving uses the BF16 peak")
    roof = f.decode_roofline(active_params=fr["active_params"], batch=fr["batch"], context_tokens=fr["context_tokens"],
                             weight_bytes=fr["weight_bytes"], kv_bytes_per_token=fr["kv_bytes_per_token"],
                             gpus_per_replica=fr["gpus_per_replica"], peak_flops=peak_serve, mem_bw=fr["mem_bw"],
                             eta_compute=fr["eta_compute"], eta_memory=fr["eta_memory"])
    tps = pd.Series(roof["tokens_per_s"], index=fr.index)
    prefill = hw & (fr["prompt_tokens"] > 0)
    out_per_request = fr["context_tokens"] - fr["prompt_tokens"]
    tps = tps.where(~prefill, pd.Series(f.with_prefill(
        tokens_per_s=tps, active_params=fr["active_params"], prompt_tokens=fr["prompt_tokens"],
        output_tokens=out_per_request.where(prefill, 1.0), gpus_per_replica=fr["gpus_per_replica"],
        peak_flops=peak_serve, eta_compute=fr["eta_compute"]), index=fr.index))
    note(prefill, "per output token, including each request's prefill of " + _fmt(fr["prompt_tokens"], "{:g}")
         + " prompt tokens (2 N P FLOPs) spread over its " + _fmt(out_per_request, "{:g}")
         + " output tokens (context_tokens - prompt_tokens)")

    # memory fit: a replica must hold its weights and the batch's KV cache
    need = pd.Series(f.replica_bytes(fr["active_params"], fr["weight_bytes"], fr["batch"], fr["context_tokens"],
                                     fr["kv_bytes_per_token"]), index=fr.index)
    checked = hw & fr["hbm_gb"].notna()
    fits = pd.Series(f.fits_memory(need, fr["gpus_per_replica"], fr["hbm_gb"]), index=fr.index) | ~checked
    min_g = pd.Series(f.smallest_replica(need, fr["hbm_gb"]), index=fr.index).where(checked)
    note(hw & ~checked, "memory fit not checked: no hbm_gb for this accelerator")
    mem_reason = ("the model does not fit a replica of " + _fmt(fr["gpus_per_replica"], "{:g}") + " x "
                  + fr["accelerator"] + ": weights + KV cache = " + _fmt((need / 1e9), "{:,.1f}") + " GB > "
                  + _fmt((fr["gpus_per_replica"] * fr["hbm_gb"] * f.HBM_USABLE), "{:,.1f}")
                  + " GB usable (90% of HBM); the smallest replica that fits has " + _fmt(min_g, "{:g}")
                  + " accelerators (set gpus_per_replica)")
    infeasible = hw & ~fits
    serving = fr["serve_tokens"] > 0
    available = av["available"] & ~(infeasible & serving)
    reason = av["reason"].where(~(av["available"] & infeasible), mem_reason)
    reason_code = av["reason_code"].where(~(av["available"] & infeasible & serving), "memory")
    reason_date = av["reason_date"].where(~(av["available"] & infeasible), "")
    reason_source = av["reason_source"].where(~(av["available"] & infeasible),
                                              "memory-fit rule: N w + B ctx kv <= g x hbm_gb x 1e9 x 0.9 (spec)")
    tps = tps.where(fits)

    # cost per accelerator-hour
    own = f.owned_cost_per_hour(chip_price=fr["chip_price"], levy_rate=fr["levy_rate"],
                                levy_passthrough=fr["levy_passthrough"], overhead=fr["overhead"],
                                capital_rate=fr["capital_rate"], life_years=fr["life_years"],
                                allocation=fr["allocation"], opex_rate=fr["opex_rate"], system_kw=fr["system_kw"],
                                draw=fr["draw"], pue=fr["pue"], power_price_kwh=fr["power_price_kwh"])
    rent = f.rented_cost_per_hour(fr["list_price"], fr["commit_discount"], fr["intermediary_premium"])
    cph = pd.Series(np.select([owned, rented_gpu], [own["cost_per_hour"], rent], default=np.nan), index=fr.index)

    serve_h = pd.Series(f.serve_gpu_hours(fr["serve_tokens"], tps, fr["gpus_per_replica"]), index=fr.index)
    serve_h = serve_h.where(serving, 0.0).where(hw)
    gpu_hours = train_h + serve_h
    days = pd.Series(f.wall_days(gpu_hours, fr["gpus"]), index=fr.index).where(hw, 0.0)

    # $ per million tokens: hardware routes per output token; an API's blended list price also bills the prompt
    api_price = fr["api_price_per_m_tokens"]
    api_prompts = api & (fr["prompt_tokens"] > 0) & (fr["context_tokens"] > fr["prompt_tokens"])
    api_per_output = api_price.where(~api_prompts, api_price * fr["context_tokens"] / out_per_request)
    note(api & ~api_prompts, "API list price is a blended input/output price; it is set here against output tokens "
         "only (give prompt_tokens and context_tokens to bill the prompts too)")
    note(api_prompts, "API price per output token = blended price x (prompt + output) / output tokens per request")
    compute_cost = (gpu_hours * cph).where(hw, fr["serve_tokens"] / 1e6 * api_per_output)
    note(api & (fr["train_tokens"] > 0), "training is not possible through a model API: only serving is priced")
    usd_m = pd.Series(f.usd_per_m_tokens(fr["gpus_per_replica"], cph, tps), index=fr.index).where(hw, api_per_output)
    basis = pd.Series(np.select([prefill, hw, api_prompts, api],
                                ["output tokens (decode + prefill)", "output tokens (decode only)",
                                 "output tokens (API blended price, prompts billed)", "API blended price per token"],
                                default=""), index=fr.index)
    egress_cost = fr["egress_gb"] * fr["egress_price"]
    cost = pd.Series(f.route_cost(1.0, compute_cost, fr["egress_gb"], fr["egress_price"], fr["fixed_cost"]), index=fr.index)
    cost = cost.where(available)
    compute_cost = compute_cost.where(available)

    # exposure: the run, or the serving period when the workload only serves
    serving_only = serving & ~(fr["train_tokens"] > 0)
    run_days = days.where(~serving_only, fr["serving_days"]).fillna(0.0)
    commit_days = fr["commit_months"] * f.DAYS_PER_YEAR / 12.0
    outlasts = rented_gpu & (fr["commit_discount"] > 0) & (commit_days > run_days)
    note(outlasts, "the " + _fmt((fr["commit_discount"] * 100), "{:g}") + "% discount needs a "
         + _fmt(fr["commit_months"], "{:g}") + "-month commitment but the run lasts "
         + _fmt(run_days, "{:,.1f}") + " days: the unused commitment is paid for, or the discount is lost")

    # risk
    cost_by_id = pd.Series(cost.to_numpy(), index=fr["route_id"])
    has_fb = fr["fallback"] != ""
    fb_cost = fr["fallback"].map(cost_by_id).astype(float).where(has_fb)
    fb_unusable = has_fb & fb_cost.isna()
    note(available & fb_unusable & (kind != "domestic"),
         "fallback '" + fr["fallback"] + "' is not available: a refusal or cut-off is priced as delay only")
    note(available & ~has_fb & licensed, "no fallback named: a refusal is priced as delay only")
    pc = pd.Series(f.p_cut(fr["hazard_per_year"].fillna(0.0), run_days / f.DAYS_PER_YEAR), index=fr.index)
    cutoff = pd.Series(f.cutoff_cost(cost=cost, fallback_cost=fb_cost.fillna(cost), cost_of_delay_per_day=fr["cost_of_delay_per_day"],
                                     p_cut=pc, switch_cost=fr["switch_cost"], switch_days=fr["switch_days"]),
                       index=fr.index).fillna(0.0)
    note(owned & (fr["hazard_per_year"] > 0), "owned route with a hazard of " + _fmt(fr["hazard_per_year"], "{:g}")
         + " a year: a cut-off is priced as for a rented route")
    delay = pd.Series(f.delay_cost(fr["cost_of_delay_per_day"], fr["lead_days"], days), index=fr.index)
    e_own = pd.Series(f.risk_domestic(cost=cost, cost_of_delay_per_day=fr["cost_of_delay_per_day"],
                                      lead_days=fr["lead_days"], wall_days=days, cutoff=cutoff), index=fr.index)
    e_rent = pd.Series(f.risk_rented(cost=cost, compute_cost=compute_cost, fallback_cost=fb_cost.fillna(cost),
                                     cost_of_delay_per_day=fr["cost_of_delay_per_day"], lead_days=fr["lead_days"],
                                     wall_days=days, p_cut=pc, switch_cost=fr["switch_cost"],
                                     switch_days=fr["switch_days"], risk_premium=fr["risk_premium"]), index=fr.index)
    risk_adj = pd.Series(np.select([rented, owned & ~licensed], [e_rent, e_own], default=np.nan), index=fr.index)
    risk_adj = risk_adj.where(available)
    # a refused licence takes the fallback's risk-adjusted cost, which may itself be a licensed route: resolve the
    # chain one level per pass (no usable fallback: the same compute after the wait, i.e. cost + D wall)
    fb_expected = pd.Series(np.nan, index=fr.index)
    for _ in range(len(fr) + 1):
        pending = licensed & available & risk_adj.isna()
        if not pending.any():
            break
        fb_e = fr["fallback"].map(pd.Series(risk_adj.to_numpy(), index=fr["route_id"])).astype(float).where(has_fb)
        fb_e = fb_e.where(~fb_unusable, cost + fr["cost_of_delay_per_day"] * days).where(has_fb, cost + fr["cost_of_delay_per_day"] * days)
        ready = pending & fb_e.notna()
        if not ready.any():
            i = int(np.flatnonzero(pending.to_numpy())[0])
            raise ComputeScenarioError(
                f"route[{i}] (id {fr['route_id'].iloc[i]!r}).fallback: licensed routes fall back on each other in a "
                f"loop; end the chain with a route that needs no licence")
        e_lic = pd.Series(f.risk_licensed(p_approve=fr["p_approve"], cost=cost, fallback_expected=fb_e,
                                          cost_of_delay_per_day=fr["cost_of_delay_per_day"], lead_days=fr["lead_days"],
                                          wall_days=days, cutoff=cutoff), index=fr.index)
        risk_adj = risk_adj.where(~ready, e_lic)
        fb_expected = fb_expected.where(~ready, fb_e)

    out = pd.DataFrame(index=fr.index)
    out["route_id"] = fr["route_id"]
    out["available"] = available
    out["reason"] = reason
    out["cost_per_gpu_hour"] = cph.where(available)
    out["gpu_hours"] = gpu_hours.where(available)
    out["wall_days"] = days.where(available & hw)
    out["cost_usd"] = cost
    out["risk_adjusted_cost_usd"] = risk_adj
    out["tokens_per_s_per_replica"] = tps.where(available & hw)
    out["usd_per_m_tokens"] = usd_m.where(available)
    out["kind"] = kind
    out["accelerator"] = fr["accelerator"]
    out["accelerator_input"] = fr["accelerator_input"]
    out["user_supplied_accelerator"] = fr["user_supplied"]
    out["rank"] = risk_adj.rank(method="min").astype("Int64")
    out["reason_code"] = reason_code
    out["reason_date"] = reason_date
    out["reason_source"] = reason_source
    note_frame = pd.concat(notes, axis=1)
    out["notes"] = note_frame.apply(lambda row: "; ".join(x for x in row if x), axis=1).where(available, "")
    out["chip_status"] = av["chip_status"]
    out["chip_status_from"] = av["chip_status_from"]
    out["train_flops"] = flops.where(hw | (flops > 0))
    out["train_gpu_hours"] = train_h.where(available)
    out["serve_gpu_hours"] = serve_h.where(available)
    out["compute_cost_usd"] = compute_cost
    out["egress_cost_usd"] = egress_cost.where(available)
    out["fixed_cost_usd"] = fr["fixed_cost"].where(available)
    out["capex_per_gpu_usd"] = pd.Series(own["capex"], index=fr.index).where(owned & available)
    out["crf"] = pd.Series(own["crf"], index=fr.index).where(owned & available)
    out["capital_per_gpu_hour"] = pd.Series(own["capital"], index=fr.index).where(owned & available)
    out["opex_per_gpu_hour"] = pd.Series(own["opex"], index=fr.index).where(owned & available)
    out["energy_per_gpu_hour"] = pd.Series(own["energy"], index=fr.index).where(owned & available)
    out["peak_flops_train"] = peak_train.where(hw)
    out["peak_flops_serve"] = peak_serve.where(hw)
    out["t_compute_s"] = pd.Series(roof["t_compute"], index=fr.index).where(hw)
    out["t_memory_s"] = pd.Series(roof["t_memory"], index=fr.index).where(hw)
    out["memory_bound"] = pd.Series(roof["memory_bound"], index=fr.index).where(hw)
    out["replica_need_gb"] = (need / 1e9).where(hw)
    out["replica_usable_gb"] = (fr["gpus_per_replica"] * fr["hbm_gb"] * f.HBM_USABLE).where(hw)
    out["serving_fits"] = fits.where(hw)
    out["min_gpus_per_replica"] = min_g.where(hw)
    out["usd_per_m_tokens_basis"] = basis.where(available, "")
    out["run_days"] = run_days.where(available)
    out["commitment_outlasts_run"] = outlasts & available
    out["delay_cost_usd"] = delay.where(available)
    out["p_cut"] = pc.where(available & (rented | (fr["hazard_per_year"] > 0)))
    out["fallback"] = fr["fallback"]
    out["fallback_cost_usd"] = fb_cost.where(available)
    out["fallback_expected_usd"] = fb_expected.where(available)
    out["risk_delta_usd"] = risk_adj - cost
    graded = inputs[inputs["origin"] == "assumption"]
    unverified = graded[graded["evidence"] == "unverified"].groupby("route_id").size()
    out["n_unverified_defaults"] = fr["route_id"].map(unverified).fillna(0).astype(int)
    out = out[OUTPUT_COLUMNS]
    return ComputeResult(routes=out.reset_index(drop=True), inputs=inputs, scenario=sc, as_of=day,
                         assumptions_version=aset.version)


def price_routes(scenario: ComputeScenario | str | Path, assumptions: AssumptionSet | None = None) -> pd.DataFrame:
    """One row per route (``OUTPUT_COLUMNS``); unavailable routes carry ``available = False``, the reason and no price."""
    return price_routes_detail(scenario, assumptions).routes


def diligence_checklist(kind: str, assumptions: AssumptionSet | None = None) -> pd.DataFrame:
    """The diligence items for a route kind (items for ``all`` kinds first): id, text_zh, text_en, source, evidence."""
    aset = assumptions if assumptions is not None else load_assumptions()
    tab = aset.table(DILIGENCE_TABLE)
    sel = tab[tab["route_kind"].isin(["all", kind])]
    return sel.sort_values("route_kind", key=lambda s: s != "all", kind="stable").reset_index(drop=True)


def rules_timeline(assumptions: AssumptionSet | None = None) -> pd.DataFrame:
    """The dated rules timeline, in date order."""
    aset = assumptions if assumptions is not None else load_assumptions()
    return aset.table(RULES_TABLE).sort_values("date", kind="stable").reset_index(drop=True)


def apply_route_overrides(sc: ComputeScenario, overrides: dict[str, dict[str, float]] | None = None,
                          **sections: dict) -> ComputeScenario:
    """A new scenario with route keys (``{route_id: {key: value}}``) and section keys (``workload={...}``,
    ``risk={...}``, ``customer={...}``) replaced. Used by the app's inputs and sliders; validated like a file."""
    data = sc.model_dump(exclude_none=True)
    for name, values in sections.items():
        data.setdefault(name, {}).update({k: v for k, v in values.items() if v is not None})
    for route in data["route"]:
        route.update((overrides or {}).get(route["id"], {}))
    return ComputeScenario.model_validate(data)
