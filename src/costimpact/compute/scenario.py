"""The compute-scenario file (``shared/spec/compute-scenario.md``): parse TOML into frozen pydantic models.

Strict: an unknown key, a value out of range, a duplicate route id or a ``fallback`` naming no route stops the
load with one :class:`ComputeScenarioError` that names the file and the key (``route[2].mfu``). Keys left out are
filled later by the engine from ``assumptions/compute/``; this module holds no default number.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from costimpact.errors import CostImpactError

RouteKind = Literal["licensed_purchase", "domestic", "hyperscaler_abroad", "operator_abroad", "us_api",
                    "offshore_purchase"]
ROUTE_KINDS: tuple[str, ...] = ("licensed_purchase", "domestic", "hyperscaler_abroad", "operator_abroad", "us_api",
                                "offshore_purchase")
#: Owned hardware: bought and run by the customer (offshore_purchase: bought by a subsidiary abroad, run there).
OWNED_KINDS = ("licensed_purchase", "domestic", "offshore_purchase")
RENTED_KINDS = ("hyperscaler_abroad", "operator_abroad", "us_api")

#: Workload keys; a route may override any of them.
WORKLOAD_KEYS = ("active_params", "train_tokens", "serve_tokens", "batch", "context_tokens", "weight_bytes",
                 "kv_bytes_per_token", "prompt_tokens", "serving_days")
#: Keys of the [risk] section; a route may override any of them.
RISK_KEYS = ("cost_of_delay_per_day", "switch_cost", "switch_days")


class ComputeScenarioError(CostImpactError):
    """A compute-scenario file cannot be used: the message names the file and the key."""


#: Vendor words dropped when matching names as people write them ("NVIDIA H200", "Huawei Ascend 910C").
VENDOR_PREFIXES = ("nvidia", "huawei", "amd", "hisilicon")
#: Countries written out, and the codes they mean.
COUNTRY_NAMES = {
    "china": "CN", "prc": "CN", "mainlandchina": "CN", "peoplesrepublicofchina": "CN", "hongkong": "HK",
    "macau": "MO", "macao": "MO", "unitedstates": "US", "usa": "US", "singapore": "SG", "malaysia": "MY",
    "japan": "JP", "thailand": "TH", "saudiarabia": "SA", "unitedarabemirates": "AE", "uae": "AE",
}


def name_key(text: str) -> str:
    """A name reduced for matching: lower case, no spaces, hyphens, underscores or dots, vendor words dropped
    ("Huawei Ascend 910C", "ascend-910c" and "Ascend910C" all give "ascend910c")."""
    key = "".join(ch for ch in str(text).lower() if ch.isalnum())
    for vendor in VENDOR_PREFIXES:
        if key.startswith(vendor) and len(key) > len(vendor):
            key = key[len(vendor):]
    return key


def closest(name: str, known) -> str | None:
    """The known name closest to ``name`` (compared on :func:`name_key`), or None when nothing is close."""
    import difflib

    keys = {name_key(k): k for k in known}
    hit = difflib.get_close_matches(name_key(name), list(keys), n=1, cutoff=0.5)
    return keys[hit[0]] if hit else None


def normalise_kind(text: str) -> str:
    """A route kind as written ("Licensed purchase", "us-api") to its canonical name; unknown kinds are kept, so
    validation reports them with the list of kinds and the closest one."""
    wanted = name_key(text)
    for kind in ROUTE_KINDS:
        if name_key(kind) == wanted:
            return kind
    return text


def normalise_country(text: str) -> str:
    """A country as written ("cn", "China", "Hong Kong") to its ISO code; anything else upper-cased."""
    key = name_key(text)
    return COUNTRY_NAMES.get(key, key.upper())


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_Pos = Field(default=None, gt=0)
_NonNeg = Field(default=None, ge=0)
_Frac = Field(default=None, ge=0, le=1)


class _WorkloadKeys(_Strict):
    """The workload keys: set for the scenario in ``[workload]``, or overridden by one route."""

    active_params: float | None = _Pos
    train_tokens: float | None = _NonNeg  # omit (or 0) for inference only
    serve_tokens: float | None = _NonNeg  # tokens generated over the horizon; 0 = price per token only
    batch: float | None = _Pos
    context_tokens: float | None = _NonNeg
    weight_bytes: float | None = _Pos
    kv_bytes_per_token: float | None = _NonNeg
    prompt_tokens: float | None = _NonNeg  # prompt tokens per request: adds each request's prefill to serving
    serving_days: float | None = _Pos  # how long a serving workload is exposed to a cut-off


class _RiskKeys(_Strict):
    """The scenario-wide risk keys: set in ``[risk]``, or overridden by one route."""

    cost_of_delay_per_day: float | None = _NonNeg
    switch_cost: float | None = _NonNeg
    switch_days: float | None = _NonNeg


class Workload(_WorkloadKeys):
    """What is trained and served. ``active_params`` = N (active parameters for a mixture of experts)."""


class Risk(_RiskKeys):
    pass


class Customer(_Strict):
    hq_country: str = Field(default="CN", min_length=2, max_length=3, pattern=r"^[A-Z]{2,3}$")
    chinese_ownership: float | None = _Frac  # omitted: 1 for a China-HQ customer, else 0
    listed_parent_ownership: float | None = _Frac  # share owned by Entity-Listed parties (Affiliates rule test)

    @model_validator(mode="before")
    @classmethod
    def _country_as_written(cls, data):
        if isinstance(data, dict) and isinstance(data.get("hq_country"), str):
            data = {**data, "hq_country": normalise_country(data["hq_country"])}
        return data


class RuleSwitches(_Strict):
    """Open questions the user may answer for the scenario: each replaces the dated assumption of that name."""

    affiliates_rule_in_force: bool | None = None  # the Affiliates (50%) rule after 9 Nov 2026 is not verified


class Route(_WorkloadKeys, _RiskKeys):
    """One route. Every numeric key may be left out: the engine fills it from ``assumptions/compute/``.
    The workload and risk keys (from the bases) override the scenario's for this route only."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=60)
    kind: RouteKind

    @model_validator(mode="before")
    @classmethod
    def _kind_as_written(cls, data):
        if isinstance(data, dict) and isinstance(data.get("kind"), str):
            data = {**data, "kind": normalise_kind(data["kind"])}
        if isinstance(data, dict) and isinstance(data.get("region"), str) and data["region"].strip().lower() != "any":
            data = {**data, "region": normalise_country(data["region"])}
        return data

    label: str | None = None
    accelerator: str | None = None
    precision: Literal["bf16", "fp8"] = "bf16"
    fallback: str | None = None
    site: str | None = None  # owned routes: key of power_price / pue (default CN, or CN-domestic-chips)
    provider_class: str | None = None  # rented routes: hyperscaler | neocloud | china_domestic
    region: str | None = None  # rented routes: region of the rental price (default: any)
    dedicated_hardware: bool = False  # hardware sold, transferred or dedicated to the customer (HQ rule)

    # cluster and chip
    gpus: float | None = Field(default=None, ge=1)
    gpus_per_replica: float | None = Field(default=None, ge=1)
    mfu: float | None = Field(default=None, gt=0, le=1)
    peak_flops_bf16: float | None = _Pos
    peak_flops_fp8: float | None = _Pos
    mem_bw: float | None = _Pos
    tdp_kw: float | None = _Pos
    system_kw: float | None = _Pos
    tpp: float | None = _NonNeg
    hbm_gb: float | None = _Pos
    eta_compute: float | None = Field(default=None, gt=0, le=1)
    eta_memory: float | None = Field(default=None, gt=0, le=1)

    # owned
    chip_price: float | None = _NonNeg
    levy_rate: float | None = Field(default=None, ge=0, le=10)
    levy_passthrough: float | None = _Frac
    overhead: float | None = _Pos
    capital_rate: float | None = Field(default=None, ge=0, le=1)
    life_years: float | None = _Pos
    allocation: float | None = Field(default=None, gt=0, le=1)
    opex_rate: float | None = Field(default=None, ge=0, le=1)
    server_ratio: float | None = _Pos
    draw: float | None = Field(default=None, gt=0, le=1)
    pue: float | None = Field(default=None, ge=1)
    power_price_kwh: float | None = _NonNeg

    # rented
    list_price: float | None = _NonNeg
    commit_discount: float | None = Field(default=None, ge=0, lt=1)
    commit_months: float | None = _Pos
    intermediary_premium: float | None = Field(default=None, ge=0, le=10)
    egress_gb: float | None = _NonNeg
    egress_price: float | None = _NonNeg
    fixed_cost: float | None = _NonNeg
    api_price_per_m_tokens: float | None = _NonNeg

    # risk
    p_approve: float | None = _Frac
    lead_days: float | None = _NonNeg
    hazard_per_year: float | None = _NonNeg
    risk_premium: float | None = Field(default=None, ge=0, le=10)


class ComputeScenario(_Strict):
    """A whole scenario file: workload, risk, customer and the routes to compare."""

    title: str | None = None
    as_of: dt.date | None = None  # date the rules and prices are read at; default: today
    workload: Workload = Workload()
    risk: Risk = Risk()
    customer: Customer = Customer()
    rules: RuleSwitches = RuleSwitches()
    route: list[Route] = Field(min_length=1)

    @model_validator(mode="after")
    def _routes_consistent(self) -> ComputeScenario:
        ids = [r.id for r in self.route]
        for i, r in enumerate(self.route):
            if ids.index(r.id) != i:
                raise ValueError(f"route[{i}].id: {r.id!r} is used by route[{ids.index(r.id)}] too; give each route its own id")
            if r.fallback is not None:
                if r.fallback not in ids:
                    raise ValueError(f"route[{i}].fallback: {r.fallback!r} is not a route id; expected one of {', '.join(ids)}")
                if r.fallback == r.id:
                    raise ValueError(f"route[{i}].fallback: a route cannot fall back to itself")
            if r.kind != "us_api" and not r.accelerator:
                raise ValueError(f"route[{i}].accelerator: missing; a {r.kind} route needs an accelerator (e.g. H200, Ascend910C)")
        if self.workload.active_params is None and any(r.active_params is None for r in self.route):
            raise ValueError("workload.active_params: missing; give the model's active parameters, e.g. active_params = 70e9")
        return self


def _format_error(name: str, err: ValidationError, data: dict) -> str:
    e = err.errors()[0]
    loc = list(e["loc"])
    parts: list[str] = []
    for i, x in enumerate(loc):
        if isinstance(x, int) and parts:
            parts[-1] = f"{parts[-1]}[{x}]"
            if parts[-1].startswith("route[") and i == 1:
                try:
                    parts[-1] += f" (id {data['route'][x].get('id')!r})"
                except (KeyError, IndexError, TypeError, AttributeError):
                    pass
        else:
            parts.append(str(x))
    where = ".".join(parts)
    msg = e["msg"]
    if e["type"] == "extra_forbidden":
        msg = "unknown key (a typo? keys are checked strictly; see `costimpact compute --example`)"
    elif e["type"] == "missing":
        msg = "missing; this key is required"
    elif e["type"] == "literal_error" and loc and loc[-1] == "kind":
        near = closest(str(e.get("input", "")), ROUTE_KINDS)
        msg = (f"unknown route kind {e.get('input')!r}; known kinds: {', '.join(ROUTE_KINDS)}"
               + (f" (closest: {near})" if near else ""))
    elif "input" in e and not isinstance(e["input"], dict | list):
        msg = f"{msg} (got {e['input']!r})"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
        return f"{name}: {msg}"
    more = f" (+{len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
    return f"{name}: {where}: {msg}{more}"


def parse_compute_scenario(text: str, name: str = "scenario") -> ComputeScenario:
    """Parse scenario TOML text; ``name`` is used in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ComputeScenarioError(f"{name}: not valid TOML ({exc}); fix the syntax at that line") from None
    try:
        return ComputeScenario.model_validate(data)
    except ValidationError as err:
        raise ComputeScenarioError(_format_error(name, err, data)) from None


def load_compute_scenario(text_or_path: str | Path) -> ComputeScenario:
    """A scenario from a path (``str`` or ``Path`` naming an existing file) or from TOML text."""
    if isinstance(text_or_path, Path) or ("\n" not in text_or_path and text_or_path.endswith(".toml")):
        path = Path(text_or_path)
        if not path.is_file():
            raise ComputeScenarioError(f"{path}: no such scenario file; create one with `costimpact compute --example > {path.name}`")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ComputeScenarioError(f"{path}: not UTF-8 text; save it as UTF-8") from None
        return parse_compute_scenario(text, path.name)
    return parse_compute_scenario(text_or_path)


def example_text() -> str:
    """The built-in commented example scenario (all five routes)."""
    return Path(__file__).with_name("example_scenario.toml").read_text(encoding="utf-8")
