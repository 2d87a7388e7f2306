"""Direct parcels or stock in a US warehouse: the cost per unit each way and the volume where the warehouse pays.

The same monthly demand per SKU is served two ways:

(a) **direct**: the order lines as they are, as parcels (postal or express), priced by the landed-cost engine;
    postage is the line's ``freight_cost`` or, where it has none (or the line came by freight, so its cost is
    bulk freight), the ``us/fulfilment/parcel_freight`` preset. Freight lines are priced as express shipments of
    the same size (their parcels are not split into one-unit orders).
(b) **warehouse**: one bulk shipment (a container by sea, a consolidated air shipment) per capacity per month,
    entered formally. Synthetic bulk lines (one line per SKU, one shipment per container) are priced by the same
    engine, so duty, MPF, HMF, broker, ISF and bond come from the assumptions; the bulk transaction value is the
    parcel's declared value x ``bulk_value_ratio``. On top: bulk freight, destination charges per shipment,
    storage (cbm x months of stock), pick-and-pack and domestic last mile, and the 3PL's monthly minimum.

Break-even (closed form). With ``Q`` units a month in one shipment, the warehouse costs

    W(Q) = K_s + K_m + w*Q + clip(r*b*Q, mpf_min, mpf_max)        direct: D(Q) = d*Q

with ``K_s`` the fixed costs per shipment (broker, ISF, single-entry bond minimum, destination charges), ``K_m``
the monthly minimum, ``w`` the variable warehouse cost per unit (duty, HMF, freight, storage, pick-pack, last
mile), ``b`` the bulk value per unit and ``r`` the MPF rate. The goods' value is in both and cancels. ``Q*`` is the
smallest ``Q`` with ``W(Q) <= D(Q)``: one candidate per MPF segment (at its minimum, on its rate, at its
maximum), keep the smallest that falls in its segment. Beyond one shipment's capacity every further shipment
repeats ``K_s`` and the MPF; the break-even then assumes full shipments. Entries under the informal limit
would pay less (no broker, flat MPF); the result flags where ``Q*`` is such a small shipment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario, value_at, with_scenario
from costimpact.decide import common as c
from costimpact.errors import ArgumentError
from costimpact.landed.engine import P_BOND, P_BROKER, P_HMF, P_INFORMAL_LIMIT, P_ISF, P_MPF_FORMAL, resolve_scenario


@dataclasses.dataclass(frozen=True)
class FulfilmentOptions:
    """How the comparison is set up. Every ``None`` number takes its preset in ``assumptions/us/fulfilment``."""

    bulk_mode: str = "ocean_freight"
    direct_mode: str = "as_is"  # as_is (the line's postal/express; freight lines become express) | postal | express
    months: float | None = None  # months of demand in the orders; None = the span of their ship dates (>= 1)
    bulk_value_ratio: float | None = None
    bulk_freight_usd_per_unit: float | None = None
    capacity_cbm: float | None = None
    shipment_charges_usd: float | None = None
    storage_usd_per_cbm_month: float | None = None
    unit_volume_cbm: float | None = None
    stock_months: float | None = None
    pick_pack_usd_per_unit: float | None = None
    last_mile_usd_per_unit: float | None = None
    warehouse_usd_per_month: float | None = None
    parcel_freight_usd_per_unit: float | None = None

    def __post_init__(self) -> None:
        if self.bulk_mode not in c.BULK_MODES:
            raise ArgumentError(f"bulk mode {self.bulk_mode!r}: expected one of {', '.join(c.BULK_MODES)}")
        if self.direct_mode not in ("as_is", *c.DIRECT_MODES):
            raise ArgumentError(f"direct mode {self.direct_mode!r}: expected as_is, postal or express")
        if self.months is not None and not self.months > 0:
            raise ArgumentError(f"months = {self.months}: expected a number of months above 0")


@dataclasses.dataclass(frozen=True)
class EntryTerms:
    """The formal-entry fee structure on a date, read from the fee assumptions (for the closed form)."""

    mpf_rate: float
    mpf_min: float
    mpf_max: float
    hmf_rate: float
    fixed_per_entry_usd: float  # broker + ISF (ocean) + single-entry bond minimum
    informal_limit_usd: float


@dataclasses.dataclass(frozen=True)
class FulfilmentResult:
    """``per_sku``: one row per SKU, direct vs warehouse cost per unit and the SKU's own break-even volume.
    ``portfolio``: one row, the whole basket in shared shipments, with the break-even as units a month and as a
    multiple of today's demand. ``presets``: every preset used, with source and grade. ``rejects``: lines the
    engine could not price (left out of both sides)."""

    per_sku: pd.DataFrame
    portfolio: pd.DataFrame
    presets: pd.DataFrame
    rejects: pd.DataFrame
    scenario: str
    as_of: dt.date
    options: FulfilmentOptions


def entry_terms(aset: AssumptionSet, scenario: Scenario, when: dt.date, mode: str) -> EntryTerms:
    """The fee parameters of a formal entry by ``mode`` on ``when`` (19 U.S.C. 58c(a)(9); 26 U.S.C. 4461)."""
    a = with_scenario(aset, scenario)

    def get(pid: str):  # noqa: ANN202
        return value_at(a.param(pid), when)

    mpf, hmf, broker, isf, limit = get(P_MPF_FORMAL), get(P_HMF), get(P_BROKER), get(P_ISF), get(P_INFORMAL_LIMIT)
    ocean = mode == "ocean_freight"
    fixed = (broker.value if broker else 0.0) + (isf.value if (isf and ocean) else 0.0)
    if scenario.options.bond == "single_entry":
        bond = get(P_BOND)
        fixed += (bond.min or 0.0) if bond else 0.0
    return EntryTerms(
        mpf_rate=mpf.value if mpf else 0.0,
        mpf_min=(mpf.min or 0.0) if mpf else 0.0,
        mpf_max=(mpf.max if mpf and mpf.max is not None else np.inf),
        hmf_rate=(hmf.value if (hmf and ocean) else 0.0),
        fixed_per_entry_usd=fixed,
        informal_limit_usd=limit.value if limit else np.inf,
    )


def break_even_units(
    saving_per_unit: np.ndarray,
    mpf_per_unit: np.ndarray,
    fixed_per_shipment: np.ndarray,
    fixed_per_month: np.ndarray,
    capacity_units: np.ndarray,
    mpf_min: float,
    mpf_max: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest monthly volume ``Q`` where the warehouse costs no more than direct parcels (see the module text).

    ``saving_per_unit`` is direct cost minus the warehouse's variable cost per unit before MPF. Returns
    (``Q*`` or NaN where the warehouse never pays, the shipments a month at ``Q*``). Vectorised over rows.
    """
    s = np.asarray(saving_per_unit, dtype=float)
    m = np.asarray(mpf_per_unit, dtype=float)
    ks = np.asarray(fixed_per_shipment, dtype=float)
    km = np.asarray(fixed_per_month, dtype=float)
    cap = np.asarray(capacity_units, dtype=float)
    k = ks + km
    with np.errstate(divide="ignore", invalid="ignore"):
        lo_edge = np.where(m > 0, mpf_min / m, np.inf)  # Q where MPF leaves its minimum
        hi_edge = np.where(m > 0, mpf_max / m, np.inf)  # Q where MPF reaches its maximum
        q_min = np.where(s > 0, (k + mpf_min) / s, np.nan)
        q_rate = np.where(s > m, k / (s - m), np.nan)
        q_max = np.where(s > 0, (k + mpf_max) / s, np.nan)
    cands = np.vstack(
        [
            np.where(q_min <= lo_edge, q_min, np.nan),
            np.where((q_rate > lo_edge) & (q_rate <= hi_edge), q_rate, np.nan),
            np.where(q_max > hi_edge, q_max, np.nan),
        ]
    )
    q_one = np.where(np.isnan(cands).all(axis=0), np.nan, np.nanmin(np.where(np.isnan(cands), np.inf, cands), axis=0))
    q_one = np.where(np.isinf(q_one), np.nan, q_one)
    fits = q_one <= cap
    # Beyond one shipment: full shipments, each with K_s and its MPF; the monthly minimum is spread over them.
    mpf_full = np.clip(m * cap, mpf_min, mpf_max)
    per_unit_full = s - np.where(cap > 0, (ks + mpf_full) / cap, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_many = np.where(per_unit_full > 0, km / per_unit_full, np.nan)
    q_many = np.where(q_many <= cap, np.nan, q_many)  # a full shipment alone did not pay: only volumes above cap count
    q = np.where(fits, q_one, q_many)
    with np.errstate(invalid="ignore"):
        ships = np.where(np.isnan(q), np.nan, np.maximum(np.ceil(q / cap - 1e-9), 1.0))
    return q, ships


def _months(lines: pd.DataFrame, months: float | None) -> float:
    if months is not None:
        return float(months)
    dates = pd.to_datetime(lines.get("ship_date", pd.Series(dtype=object)), errors="coerce").dropna()
    if dates.empty:
        return 1.0
    span_days = (dates.max() - dates.min()).days + 1
    return max(1.0, span_days / (365.25 / 12))


def compare_fulfilment(
    orders: Any,
    *,
    scenario: str | Scenario = "actual",
    as_of: dt.date | str | None = None,
    options: FulfilmentOptions | None = None,
    assumptions: Any = None,
) -> FulfilmentResult:
    """Cost per unit of direct parcels vs a US warehouse for each SKU, and the break-even monthly volume."""
    opt = options or FulfilmentOptions()
    aset = c.assumptions_of(assumptions)
    day = c.as_date(as_of)
    scen = resolve_scenario(aset, scenario)
    price_day = scen.fixed_date if scen.date_mode == "fixed" and scen.fixed_date else day
    lines = c.order_lines(orders)
    bulk = opt.bulk_mode

    p = {
        "ratio": c.preset(aset, c.P_BULK_VALUE_RATIO, day, override=opt.bulk_value_ratio),
        "freight": c.preset(aset, c.P_BULK_FREIGHT, day, bulk, opt.bulk_freight_usd_per_unit),
        "capacity": c.preset(aset, c.P_CAPACITY, day, bulk, opt.capacity_cbm),
        "charges": c.preset(aset, c.P_SHIPMENT_CHARGES, day, bulk, opt.shipment_charges_usd),
        "storage": c.preset(aset, c.P_STORAGE, day, override=opt.storage_usd_per_cbm_month),
        "volume": c.preset(aset, c.P_UNIT_VOLUME, day, override=opt.unit_volume_cbm),
        "stock": c.preset(aset, c.P_STOCK_MONTHS, day, override=opt.stock_months),
        "pick": c.preset(aset, c.P_PICK_PACK, day, override=opt.pick_pack_usd_per_unit),
        "last": c.preset(aset, c.P_LAST_MILE, day, override=opt.last_mile_usd_per_unit),
        "minimum": c.preset(aset, c.P_WAREHOUSE_MIN, day, override=opt.warehouse_usd_per_month),
    }
    parcel = {m: c.preset(aset, c.P_PARCEL_FREIGHT, day, m, opt.parcel_freight_usd_per_unit) for m in c.DIRECT_MODES}

    # --- (a) direct parcels: the lines as they are --------------------------------------------------------------
    direct = lines.copy()
    mode = c.text_col(direct, "shipping_mode", "express")
    # a line that came by freight carries bulk freight, not postage: it gets the parcel postage preset
    direct["_was_parcel"] = mode.isin(c.DIRECT_MODES).to_numpy()
    if opt.direct_mode == "as_is":
        mode = mode.where(mode.isin(c.DIRECT_MODES), "express")
    else:
        mode = pd.Series(opt.direct_mode, index=direct.index)
    direct["shipping_mode"] = mode
    priced, rejects = c.price(direct, aset, scen, day)
    if priced.empty:
        raise ArgumentError("no order line could be priced, so there is nothing to compare; see the rejected rows")
    qty = c.num_col(priced, "quantity", 1.0).fillna(1.0)
    postage_preset = priced["shipping_mode"].map({m: parcel[m].value for m in c.DIRECT_MODES}).astype(float)
    no_postage = ~(priced["freight_usd"] > 0) | ~priced["_was_parcel"].astype(bool)
    postage = priced["freight_usd"].where(~no_postage, postage_preset * qty)
    priced = priced.assign(
        _sku=c.sku_key(priced).to_numpy(),
        _qty=qty.to_numpy(),
        _postage=postage.to_numpy(),
        _cost=(priced["landed_cost_usd"] - priced["freight_usd"] + postage).to_numpy(),
        _vol=c.num_col(priced, "unit_volume_cbm").fillna(p["volume"].value).to_numpy() * qty.to_numpy(),
        _preset_postage=no_postage.to_numpy(),
    )
    g = priced.groupby("_sku", sort=True)
    months = _months(lines, opt.months)
    sku = g.agg(
        hts_code=("hts_code", "first"),
        origin_country=("origin_country", "first"),
        units=("_qty", "sum"),
        value=("customs_value_usd", "sum"),
        duty=("duty_total_usd", "sum"),
        fees=("fees_total_usd", "sum"),
        postage=("_postage", "sum"),
        cost=("_cost", "sum"),
        vol=("_vol", "sum"),
        preset_postage=("_preset_postage", "any"),
    )
    sku.index.name = "sku"
    u = sku["units"].to_numpy()
    per = pd.DataFrame(index=sku.index)
    per["hts_code"] = sku["hts_code"].astype(str)
    per["origin_country"] = sku["origin_country"].astype(str)
    per["units_per_month"] = u / months
    per["unit_value_usd"] = sku["value"].to_numpy() / u
    per["unit_volume_cbm"] = sku["vol"].to_numpy() / u
    per["direct_duty_per_unit_usd"] = sku["duty"].to_numpy() / u
    per["direct_fees_per_unit_usd"] = sku["fees"].to_numpy() / u
    per["direct_freight_per_unit_usd"] = sku["postage"].to_numpy() / u
    per["direct_cost_per_unit_usd"] = sku["cost"].to_numpy() / u
    per["direct_postage_from_preset"] = sku["preset_postage"].to_numpy()

    # --- (b) warehouse: synthetic bulk lines, one per SKU, priced by the engine --------------------------------
    cap_units = p["capacity"].value / per["unit_volume_cbm"].to_numpy()
    q = per["units_per_month"].to_numpy()
    total_cbm = float((q * per["unit_volume_cbm"]).sum())
    ships_all = max(1.0, float(np.ceil(total_cbm / p["capacity"].value - 1e-9)))
    bulk_value = per["unit_value_usd"].to_numpy() * p["ratio"].value
    bl = pd.DataFrame(
        {
            "row_number": np.arange(2, len(per) + 2),
            "order_id": "bulk",
            "shipment_id": "bulk",  # the basket shares each container
            "sku": per.index.to_numpy(),
            "hts_code": per["hts_code"].to_numpy(),
            "origin_country": per["origin_country"].to_numpy(),
            "unit_value": bulk_value,
            "quantity": q / ships_all,  # one shipment per container: a container carries 1/ships of the month
            "currency": "USD",
            "shipping_mode": bulk,
            "freight_cost": 0.0,
        }
    )
    for extra in ("mfn_rate", "s301_list", "metal_value_share", "unit_weight_kg"):
        if extra in lines:
            bl[extra] = priced.groupby("_sku", sort=True)[extra].first().reindex(per.index).to_numpy()
    bpriced, brejects = c.price(bl, aset, scen, day)
    bp = bpriced.set_index("sku").reindex(per.index)
    bq = bl.set_index("sku")["quantity"].reindex(per.index).to_numpy()
    per["bulk_value_per_unit_usd"] = bulk_value
    per["warehouse_duty_per_unit_usd"] = bp["duty_total_usd"].to_numpy() / bq
    per["warehouse_customs_fees_per_unit_usd"] = bp["fees_total_usd"].to_numpy() / bq
    per["warehouse_entry_type"] = bp["entry_type"].astype(str).to_numpy()
    per["warehouse_freight_per_unit_usd"] = p["freight"].value
    cbm_share = q * per["unit_volume_cbm"].to_numpy() / total_cbm if total_cbm > 0 else np.zeros(len(per))
    shared_month = p["charges"].value * ships_all + p["minimum"].value
    per["warehouse_fixed_per_unit_usd"] = shared_month * cbm_share / q
    per["warehouse_storage_per_unit_usd"] = p["storage"].value * per["unit_volume_cbm"].to_numpy() * p["stock"].value
    per["warehouse_pick_pack_per_unit_usd"] = p["pick"].value
    per["warehouse_last_mile_per_unit_usd"] = p["last"].value
    per["warehouse_cost_per_unit_usd"] = (
        per["unit_value_usd"]
        + per["warehouse_duty_per_unit_usd"]
        + per["warehouse_customs_fees_per_unit_usd"]
        + per["warehouse_freight_per_unit_usd"]
        + per["warehouse_fixed_per_unit_usd"]
        + per["warehouse_storage_per_unit_usd"]
        + per["warehouse_pick_pack_per_unit_usd"]
        + per["warehouse_last_mile_per_unit_usd"]
    )
    per["saving_per_unit_usd"] = per["direct_cost_per_unit_usd"] - per["warehouse_cost_per_unit_usd"]
    per["cheaper"] = np.where(per["saving_per_unit_usd"] > 0, "warehouse", "direct")

    # --- break-even, closed form: each SKU on its own, and the basket scaled up or down -----------------------
    terms = entry_terms(aset, scen, price_day, bulk)
    duty_u = per["warehouse_duty_per_unit_usd"].to_numpy()
    variable = (
        duty_u
        + terms.hmf_rate * bulk_value
        + p["freight"].value
        + per["warehouse_storage_per_unit_usd"].to_numpy()
        + p["pick"].value
        + p["last"].value
    )
    direct_ex_value = per["direct_cost_per_unit_usd"].to_numpy() - per["unit_value_usd"].to_numpy()
    saving = direct_ex_value - variable
    k_ship = terms.fixed_per_entry_usd + p["charges"].value
    q_star, ships_star = break_even_units(
        saving, terms.mpf_rate * bulk_value, np.full(len(per), k_ship), np.full(len(per), p["minimum"].value), cap_units, terms.mpf_min, terms.mpf_max
    )
    per["break_even_units_per_month"] = q_star
    per["break_even_shipments_per_month"] = ships_star
    per["break_even_informal_size"] = (q_star / np.where(np.isnan(ships_star), 1, ships_star)) * bulk_value <= terms.informal_limit_usd
    per["warehouse_pays_now"] = per["units_per_month"].to_numpy() >= np.nan_to_num(q_star, nan=np.inf)

    # the basket: the same mix, all SKUs in shared shipments
    w = q / q.sum()
    mix = lambda a: float(np.sum(np.asarray(a, dtype=float) * w))  # noqa: E731 - a weighted mean, used four times
    v_mix = mix(per["unit_volume_cbm"])
    qb, sb = break_even_units(
        np.array([mix(saving)]), np.array([terms.mpf_rate * mix(bulk_value)]), np.array([k_ship]), np.array([p["minimum"].value]), np.array([p["capacity"].value / v_mix]), terms.mpf_min, terms.mpf_max
    )
    units_now = float(q.sum())
    direct_month = float((per["direct_cost_per_unit_usd"] * q).sum())
    wh_month = float((per["warehouse_cost_per_unit_usd"] * q).sum())
    portfolio = pd.DataFrame(
        {
            "skus": [len(per)],
            "units_per_month": [units_now],
            "months_of_orders": [months],
            "cbm_per_month": [total_cbm],
            "shipments_per_month": [ships_all],
            "direct_cost_per_month_usd": [round(direct_month, 2)],
            "warehouse_cost_per_month_usd": [round(wh_month, 2)],
            "saving_per_month_usd": [round(direct_month - wh_month, 2)],
            "direct_cost_per_unit_usd": [direct_month / units_now],
            "warehouse_cost_per_unit_usd": [wh_month / units_now],
            "break_even_units_per_month": [float(qb[0])],
            "break_even_shipments_per_month": [float(sb[0])],
            "break_even_multiple_of_demand": [float(qb[0]) / units_now if units_now else np.nan],
            "cheaper": ["warehouse" if wh_month < direct_month else "direct"],
            "scenario": [scen.name],
            "as_of": [day],
            "bulk_mode": [bulk],
            # the closed form's terms (per unit excluding the goods' value), for charts and checks
            "direct_per_unit_ex_value_usd": [mix(direct_ex_value)],
            "warehouse_variable_per_unit_usd": [mix(variable)],
            "mpf_rate_per_unit_usd": [terms.mpf_rate * mix(bulk_value)],
            "mpf_min_usd": [terms.mpf_min],
            "mpf_max_usd": [terms.mpf_max],
            "fixed_per_shipment_usd": [k_ship],
            "fixed_per_month_usd": [p["minimum"].value],
            "capacity_units": [p["capacity"].value / v_mix],
        }
    )
    fees_used = [
        c.Preset(P_MPF_FORMAL, "*", terms.mpf_rate, "fraction", "MPF formal rate (min/max per entry)", "MPF 正式报关费率", f"min {terms.mpf_min}, max {terms.mpf_max}", "confirmed"),
        c.Preset("us/fees/broker+isf+bond", "*", terms.fixed_per_entry_usd, "usd_per_entry", "Broker, ISF and bond per formal entry", "每票正式报关的报关、ISF、保证金费用", "us/fees/*.toml", "secondary"),
    ]
    presets = c.presets_frame([*p.values(), *parcel.values(), *fees_used])
    per = per.reset_index()
    all_rejects = rejects if brejects.empty else pd.concat([rejects, brejects.assign(column="(bulk) " + brejects["column"].astype(str))], ignore_index=True)
    return FulfilmentResult(per_sku=per, portfolio=portfolio, presets=presets, rejects=all_rejects, scenario=scen.name, as_of=day, options=opt)


def fulfilment_grid(
    orders: Any,
    *,
    scenarios: list[str] | tuple[str, ...] = ("pre-2025", "actual"),
    dates: list[dt.date | str] | tuple[dt.date | str, ...] = (),
    options: FulfilmentOptions | None = None,
    assumptions: Any = None,
) -> pd.DataFrame:
    """The basket's direct vs warehouse cost and break-even for each scenario x date (one row each)."""
    aset = c.assumptions_of(assumptions)
    lines = c.order_lines(orders)
    days = [c.as_date(d) for d in (dates or [None])]
    rows = [compare_fulfilment(lines, scenario=s, as_of=d, options=options, assumptions=aset).portfolio for s in scenarios for d in days]
    return pd.concat(rows, ignore_index=True)


def warehouse_month_cost(port: pd.Series, units: np.ndarray) -> np.ndarray:
    """The closed form's monthly warehouse cost (excluding the goods' value) at ``units`` a month, full shipments
    first: ``ships*K_s + K_m + w*Q + MPF per shipment``."""
    q = np.asarray(units, dtype=float)
    cap = float(port["capacity_units"])
    ships = np.maximum(np.ceil(q / cap - 1e-9), 1.0)
    full = ships - 1.0
    last = q - full * cap
    m = float(port["mpf_rate_per_unit_usd"])
    lo, hi = float(port["mpf_min_usd"]), float(port["mpf_max_usd"])
    mpf = full * np.clip(m * cap, lo, hi) + np.clip(m * last, lo, hi)
    return ships * float(port["fixed_per_shipment_usd"]) + float(port["fixed_per_month_usd"]) + float(port["warehouse_variable_per_unit_usd"]) * q + mpf


def cost_curve(result: FulfilmentResult, max_units: float | None = None, points: int = 60) -> pd.DataFrame:
    """The basket's monthly cost direct vs warehouse (excluding the goods' value, which both pay) over a range of
    volumes, long format for a chart; the lines cross at the break-even volume."""
    port = result.portfolio.iloc[0]
    q0 = float(port["units_per_month"])
    be = float(port["break_even_units_per_month"])
    top = max_units or 2.0 * max(q0, be if np.isfinite(be) else q0)
    vols = np.linspace(top / points, top, points)
    return pd.concat(
        [
            pd.DataFrame({"units_per_month": vols, "model": "direct", "cost_per_month_usd": float(port["direct_per_unit_ex_value_usd"]) * vols}),
            pd.DataFrame({"units_per_month": vols, "model": "warehouse", "cost_per_month_usd": warehouse_month_cost(port, vols)}),
        ],
        ignore_index=True,
    )
