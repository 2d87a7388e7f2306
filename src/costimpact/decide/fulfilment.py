"""Direct parcels or stock in a US warehouse: one costing of a month, and the volume where the warehouse pays.

The same monthly demand per SKU is served two ways; the goods' value is paid either way and left out of both.

(a) **direct**: the order lines as they are, as parcels (postal or express), priced by the landed-cost engine under
    the law of the as-of date, each line on its own travel day (its parcel and its buyer's day unchanged). Postage
    is the line's ``freight_cost``; where it has none, or the line came by freight (its cost is bulk freight), the
    ``parcel_freight`` preset per parcel. A freight line is split into express parcels of the SKU's usual size,
    each its own shipment with its own entry.
    ``D(Q) = d * Q``, with ``d`` the duty, fees and postage per unit.
(b) **warehouse**: ``W(Q)`` from :func:`month_cost`, the one costing used by the per-unit figures, the break-even,
    the chart and the verdict alike. Whole shipments: ``shipments_per_month`` of them (by air more where one
    shipment's volume is exceeded), each one customs entry:

    - freight from the goods: by air the chargeable weight (the larger of ``unit_weight_kg`` and ``unit_volume_cbm``
      x the volumetric ratio) x the lane's $/kg, plus destination charges per shipment; by sea the cheaper of full
      containers (``ceil(cbm / usable cbm)`` of them, each with its freight and its drayage and unloading) and a
      shared container (LCL: cbm, at least the minimum, x the lane's $/cbm, plus CFS and delivery per shipment);
    - the entry each shipment gets on its value: informal at or under the informal limit (flat MPF, no broker),
      formal above it (MPF at its rate between its minimum and maximum, broker, bond); HMF on ocean value; ISF on
      every ocean shipment (19 CFR 149.2 asks it of all ocean cargo, informal or formal). The bond is either the
      scenario's single-entry premium per formal entry or the continuous bond's yearly premium / 12 in a month
      with a formal entry;
    - duty per unit from the engine on a bulk line per SKU (the line's own claims, such as a Section 301 exclusion,
      carried over) at the bulk value (parcel value x ``bulk_value_ratio``); bulk entries into a warehouse are not
      tested for de minimis;
    - storage (cbm x months of stock x $/cbm-month), pick-and-pack and last mile per parcel (a parcel carries the
      units per order of the SKU's parcel lines), and the 3PL's monthly minimum.

Break-even: the smallest whole number of units a month where ``W(Q) <= D(Q)``, found on the cost curve itself
(which has steps: a new shipment, container or entry type), for each SKU on its own (shipped alone, so its row's
costs and break-even are the same model) and for the basket (the same mix, scaled). Searched at every unit up to
``EXACT_UP_TO`` and on a fine geometric grid above it, refined to the unit; beyond ``SEARCH_TOP`` it is "never".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario, attach, value_at, with_scenario
from costimpact.decide import common as c
from costimpact.errors import ArgumentError
from costimpact.landed.engine import P_BOND, P_BROKER, P_HMF, P_INFORMAL_LIMIT, P_ISF, P_MPF_FORMAL, P_MPF_INFORMAL, resolve_scenario
from costimpact.landed.money import round_cents

EXACT_UP_TO = 5000  # units a month searched one by one
SEARCH_TOP = 1e7  # units a month: no crossing below this is "never"
BATCH_ROWS = 300_000  # parcels priced per engine call
LOADS = ("auto", "fcl", "lcl")
#: Per-unit figures of a group of goods that the month's cost is built from (see :func:`profile`).
PROFILE = ("cbm", "air_usd", "container_x_cbm", "lcl_x_cbm", "value", "duty", "parcels", "direct")


@dataclasses.dataclass(frozen=True)
class FulfilmentOptions:
    """How the comparison is set up. Every ``None`` number takes its preset in ``assumptions/us/fulfilment``."""

    bulk_mode: str = "ocean_freight"
    direct_mode: str = "as_is"  # as_is (the line's postal/express; freight lines become express) | postal | express
    ocean_load: str = "auto"  # auto (the cheaper of full containers and LCL) | fcl | lcl
    months: float | None = None  # months of demand in the orders; None = the span of their ship dates (>= 1)
    bulk_value_ratio: float | None = None
    air_usd_per_kg: float | None = None
    container_usd: float | None = None
    lcl_usd_per_cbm: float | None = None
    capacity_cbm: float | None = None
    shipment_charges_usd: float | None = None
    lcl_charges_usd: float | None = None
    shipments_per_month: float | None = None
    storage_usd_per_cbm_month: float | None = None
    unit_volume_cbm: float | None = None
    unit_weight_kg: float | None = None
    stock_months: float | None = None
    pick_pack_usd_per_parcel: float | None = None
    last_mile_usd_per_parcel: float | None = None
    warehouse_usd_per_month: float | None = None
    continuous_bond_usd_per_year: float | None = None
    parcel_freight_usd_per_parcel: float | None = None

    def __post_init__(self) -> None:
        if self.bulk_mode not in c.BULK_MODES:
            raise ArgumentError(f"bulk mode {self.bulk_mode!r}: expected one of {', '.join(c.BULK_MODES)}")
        if self.direct_mode not in ("as_is", *c.DIRECT_MODES):
            raise ArgumentError(f"direct mode {self.direct_mode!r}: expected as_is, postal or express")
        if self.ocean_load not in LOADS:
            raise ArgumentError(f"ocean load {self.ocean_load!r}: expected auto, fcl or lcl")
        for name in ("months", "shipments_per_month", "capacity_cbm", "unit_volume_cbm", "unit_weight_kg"):
            got = getattr(self, name)
            if got is not None and not got > 0:
                raise ArgumentError(f"{name} = {got}: expected a number above 0")


@dataclasses.dataclass(frozen=True)
class MonthTerms:
    """Everything that prices a month of warehouse supply besides the goods' own per-unit figures."""

    mode: str
    load: str
    shipments_per_month: float
    capacity_cbm: float  # usable cbm of a container (ocean) or of one shipment (air)
    per_container_usd: float  # destination charges per full container (ocean) or per shipment (air)
    lcl_min_cbm: float
    lcl_shipment_usd: float
    storage_usd_per_cbm_month: float
    stock_months: float
    per_parcel_usd: float  # pick-and-pack + last mile
    minimum_usd_per_month: float
    informal_limit_usd: float
    mpf_rate: float
    mpf_min: float
    mpf_max: float
    mpf_informal_usd: float
    hmf_rate: float
    broker_usd: float
    isf_usd: float
    single_entry_bond: bool
    bond_rate: float
    bond_min: float
    bond_usd_per_year: float


@dataclasses.dataclass(frozen=True)
class FulfilmentResult:
    """``per_sku``: one row per SKU, direct vs warehouse cost per unit (the goods' value left out) with the SKU
    shipped on its own, its break-even and, for reference, its share of the basket's shared month.
    ``portfolio``: one row, the whole basket in shared shipments, with its break-even. ``presets``: every number
    used, with source and grade. ``rejects``: lines the engine could not price (left out of both sides).
    ``profiles`` and ``terms``: the inputs of :func:`month_cost`, per SKU and for the basket (index ``*``)."""

    per_sku: pd.DataFrame
    portfolio: pd.DataFrame
    presets: pd.DataFrame
    rejects: pd.DataFrame
    scenario: str
    as_of: dt.date
    options: FulfilmentOptions
    profiles: pd.DataFrame
    terms: MonthTerms


def month_cost(profiles: pd.DataFrame, units: np.ndarray, terms: MonthTerms) -> dict[str, np.ndarray]:
    """The warehouse's cost of a month at ``units`` a month (goods' value excluded), by component.

    ``profiles`` has one row per group of goods (columns ``PROFILE``, per unit); ``units`` is one volume per row
    or a (rows x points) array. Returns arrays of that shape: ``freight``, ``customs_fees``, ``duty``, ``storage``,
    ``handling``, ``fixed`` and their ``total``, and ``shipments``, ``containers``, ``lcl``, ``formal``.
    """
    col = {k: profiles[k].to_numpy(dtype=float).reshape(-1, 1) for k in PROFILE}
    q = np.asarray(units, dtype=float)
    q = q.reshape(-1, 1) if q.ndim == 1 else q
    T = terms
    cbm = q * col["cbm"]
    if T.mode == "air_freight":
        f = T.shipments_per_month  # each shipment carries 1/f months of volume, at most one shipment's capacity
        n = f * np.maximum(np.ceil(cbm / (f * T.capacity_cbm) - 1e-9), 1.0)
        freight = q * col["air_usd"] + n * T.per_container_usd
        containers = np.zeros_like(q)
        lcl = np.zeros(q.shape, dtype=bool)
    else:
        n = np.full(q.shape, float(T.shipments_per_month))
        lot = cbm / n
        per_box = np.maximum(np.ceil(lot / T.capacity_cbm - 1e-9), 1.0)
        box_rate = c.safe_div(col["container_x_cbm"], col["cbm"])
        lcl_rate = c.safe_div(col["lcl_x_cbm"], col["cbm"])
        fcl_cost = per_box * (box_rate + T.per_container_usd)
        lcl_cost = np.maximum(lot, T.lcl_min_cbm) * lcl_rate + T.lcl_shipment_usd
        lcl = {"auto": lcl_cost < fcl_cost, "lcl": np.ones(q.shape, dtype=bool), "fcl": np.zeros(q.shape, dtype=bool)}[T.load]
        freight = n * np.where(lcl, lcl_cost, fcl_cost)
        containers = np.where(lcl, 0.0, n * per_box)
    value = q * col["value"] / n  # per shipment
    duty = q * col["duty"]
    formal = value > T.informal_limit_usd + 1e-9
    mpf = np.where(formal, np.clip(round_cents(T.mpf_rate * value), T.mpf_min, T.mpf_max), T.mpf_informal_usd)
    ocean = T.mode == "ocean_freight"
    per_entry = mpf + (round_cents(T.hmf_rate * value) if ocean else 0.0) + np.where(formal, T.broker_usd, 0.0) + (T.isf_usd if ocean else 0.0)
    if T.single_entry_bond:
        per_entry = per_entry + np.where(formal, np.maximum(round_cents(T.bond_rate * (value + duty / n)), T.bond_min), 0.0)
        yearly_bond = np.zeros(q.shape)
    else:
        yearly_bond = np.where(formal, T.bond_usd_per_year / 12.0, 0.0)
    out = {
        "freight": freight,
        "customs_fees": n * per_entry + yearly_bond,
        "duty": duty,
        "storage": T.storage_usd_per_cbm_month * T.stock_months * cbm,
        "handling": q * col["parcels"] * T.per_parcel_usd,
        "fixed": np.full(q.shape, T.minimum_usd_per_month),
    }
    out["total"] = sum(out.values())
    out.update(shipments=n, containers=containers, lcl=lcl, formal=formal)
    return out


def _gap(profiles: pd.DataFrame, units: np.ndarray, terms: MonthTerms) -> np.ndarray:
    """Warehouse minus direct cost of a month at ``units`` (rows x points)."""
    return month_cost(profiles, units, terms)["total"] - units * profiles["direct"].to_numpy(dtype=float).reshape(-1, 1)


def break_even(profiles: pd.DataFrame, terms: MonthTerms, block: int = 64) -> np.ndarray:
    """Per row of ``profiles``, the smallest whole number of units a month where the warehouse costs no more than
    direct parcels (NaN: not below ``SEARCH_TOP``). Every unit up to ``EXACT_UP_TO``; above it a geometric grid
    0.5% apart, the first crossing refined to the unit by bisection. Vectorised over rows, ``block`` rows at a
    time so memory stays bounded however many SKUs there are."""
    if len(profiles) > block:
        return np.concatenate([break_even(profiles.iloc[i : i + block], terms, block) for i in range(0, len(profiles), block)])
    k = len(profiles)
    grid = np.concatenate([np.arange(1.0, EXACT_UP_TO + 1), np.ceil(np.geomspace(EXACT_UP_TO + 1, SEARCH_TOP, 3300))])
    ok = _gap(profiles, np.broadcast_to(grid, (k, len(grid))), terms) <= 1e-9
    found = ok.any(axis=1)
    first = ok.argmax(axis=1)
    hi = grid[first]
    lo = np.where(first > 0, grid[np.maximum(first - 1, 0)], 0.0)  # the gap is positive at lo, not above at hi
    for _ in range(64):
        open_ = hi - lo > 1
        if not open_.any():
            break
        mid = np.floor((lo + hi) / 2)
        mid_ok = _gap(profiles, mid.reshape(-1, 1), terms)[:, 0] <= 1e-9
        hi = np.where(open_ & mid_ok, mid, hi)
        lo = np.where(open_ & ~mid_ok, mid, lo)
    return np.where(found, hi, np.nan)


def entry_terms(aset: AssumptionSet, scenario: Scenario, when: dt.date) -> dict[str, float]:
    """The customs fee terms in force on ``when`` (19 U.S.C. 58c(a)(9)-(10); 26 U.S.C. 4461; market broker, ISF
    and bond prices), from the fee assumptions as the scenario changes them."""
    a = with_scenario(aset, scenario)

    def get(pid: str):  # noqa: ANN202
        return value_at(a.param(pid), when)

    mpf, mpf_i, hmf, broker, isf, limit, bond = (get(p) for p in (P_MPF_FORMAL, P_MPF_INFORMAL, P_HMF, P_BROKER, P_ISF, P_INFORMAL_LIMIT, P_BOND))
    return {
        "mpf_rate": mpf.value if mpf else 0.0,
        "mpf_min": (mpf.min or 0.0) if mpf else 0.0,
        "mpf_max": mpf.max if mpf and mpf.max is not None else np.inf,
        "mpf_informal_usd": mpf_i.value if mpf_i else 0.0,
        "hmf_rate": hmf.value if hmf else 0.0,
        "broker_usd": broker.value if broker else 0.0,
        "isf_usd": isf.value if isf else 0.0,
        "informal_limit_usd": limit.value if limit else np.inf,
        "bond_rate": bond.value if bond else 0.0,
        "bond_min": (bond.min or 0.0) if bond else 0.0,
    }


def _months(lines: pd.DataFrame, months: float | None) -> float:
    if months is not None:
        return float(months)
    dates = pd.to_datetime(lines.get("ship_date", pd.Series(dtype=object)), errors="coerce").dropna()
    if dates.empty:
        return 1.0
    span_days = (dates.max() - dates.min()).days + 1
    return max(1.0, span_days / (365.25 / 12))


def _lane_presets(aset: AssumptionSet, pid: str, day: dt.date, origins: pd.Series, override: float | None) -> tuple[pd.Series, list[c.Preset]]:
    """A market-price preset by origin lane (falling back to key ``*``): the value per line and the presets used."""
    if override is not None:
        return pd.Series(float(override), index=origins.index), [c.preset(aset, pid, day, override=override)]
    got = attach(aset.param(pid), pd.Series(pd.Timestamp(day), index=origins.index), origins)
    if got["value"].isna().any():
        missing = sorted(set(origins[got["value"].isna()]))
        raise ArgumentError(f"assumptions/{pid}.toml: no value on {day} for origin {', '.join(missing)} (nor key *); add one or give the number yourself")
    used = {}
    for origin in pd.unique(origins):
        period = value_at(aset.param(pid), day, origin)
        used.setdefault((period.key, period.value, period.source), origin)
    presets = [dataclasses.replace(c.preset(aset, pid, day, origin), key=key) for (key, _, _), origin in used.items()]
    return got["value"].astype(float), presets


def _as_parcels(lines: pd.DataFrame, opt: FulfilmentOptions, per_usd: np.ndarray | None = None) -> pd.DataFrame:
    """The order lines as parcels: postal and express lines as they are; a freight line split into parcels of its
    SKU's usual size (the units per order of the SKU's parcel lines, rounded, at least 1; 1 where it has none),
    each its own shipment, without the line's bulk freight cost. Adds ``_was_parcel``, ``_parcels``, ``_weight``
    (how many identical parcels the row stands for) and ``_ballast``.

    Each parcel of a split line is its own shipment, so its full parcels price alike: they are one row, its
    first full parcel (standing for all of them), plus its smaller last parcel if any (an ocean line of
    thousands of units would otherwise be thousands of rows). Where a buyer is named, the parcels share the
    buyer's day, whose total value the de minimis test reads: a *ballast* row then carries the customs value of
    the other full parcels into that day (its own shipment, in USD at the parcel's value, ``_weight`` 0, dropped
    once priced). That needs the parcel's value as the engine computes it, so the line's rate (``per_usd``, the
    units of its currency per USD on the pricing date) must be known and the parcel worth more than 0; else
    every parcel stays a row.
    """
    mode = c.text_col(lines, "shipping_mode", "express")
    was_parcel = mode.isin(c.DIRECT_MODES).to_numpy()
    split = ~was_parcel
    qty = c.num_col(lines, "quantity", 1.0).fillna(1.0).to_numpy()
    sku = c.sku_key(lines)
    ship = c.text_col(lines, "shipment_id")
    ship = ship.where(ship != "", c.text_col(lines, "order_id"))
    par = pd.DataFrame({"sku": sku, "ship": ship, "qty": qty})[was_parcel]
    upp = (par.groupby("sku")["qty"].sum() / par.groupby("sku")["ship"].nunique()).round().clip(lower=1.0)
    size = np.where(was_parcel, qty, sku.map(upp).fillna(1.0).to_numpy())
    count = np.where(was_parcel, 1, np.ceil(qty / size - 1e-9)).astype(np.int64)
    last = qty - (count - 1) * size  # the last parcel's units
    odd = split & (count > 1) & ~np.isclose(last, size)
    full = count - odd  # full parcels
    named = (c.text_col(lines, "consignee_id") != "").to_numpy()
    value = np.full(len(lines), np.nan) if per_usd is None else round_cents(c.num_col(lines, "unit_value").to_numpy() * size / per_usd)
    ballast = split & named & (full >= 2) & (value > 0)
    short = split & (count > 1) & (~named | ballast)  # lines whose full parcels are one row
    rows = np.where(short, 1 + odd + ballast, count)  # rows per line
    pos = np.repeat(np.arange(len(lines)), rows)
    j = np.arange(len(pos)) - np.repeat(np.cumsum(rows) - rows, rows)  # the row's number within its line
    is_ballast = ballast[pos] & (j == rows[pos] - 1)
    k = np.where(short[pos], np.where(j == 0, 0, count[pos] - 1), j)  # the parcel's number within its line
    weight = np.where(is_ballast, 0, np.where(short[pos], np.where(j == 0, full[pos], 1), 1))
    out = lines.iloc[pos].reset_index(drop=True)
    split_row = split[pos]
    out["quantity"] = np.where(is_ballast, full[pos] - 1, np.where(split_row, np.minimum(size[pos], qty[pos] - k * size[pos]), qty[pos]))
    if ballast.any():
        out["unit_value"] = np.where(is_ballast, value[pos], c.num_col(out, "unit_value").to_numpy())
        out["currency"] = np.where(is_ballast, "USD", c.text_col(out, "currency", "USD").to_numpy())
    # the line's own number too: parcels of two lines of one freight shipment never share an id (and an entry)
    tail = np.where(is_ballast, "rest", k.astype(str))
    out["shipment_id"] = np.where(split_row, ship.to_numpy()[pos] + "#" + pos.astype(str) + "." + tail, ship.to_numpy()[pos])
    out["freight_cost"] = np.where(split_row, 0.0, c.num_col(out, "freight_cost", 0.0).fillna(0.0).to_numpy())
    out["_was_parcel"] = was_parcel[pos]
    out["shipping_mode"] = mode.where(mode.isin(c.DIRECT_MODES), "express").to_numpy()[pos] if opt.direct_mode == "as_is" else opt.direct_mode
    ship_qty = pd.Series(out["quantity"].to_numpy()).groupby(out["shipment_id"].to_numpy()).transform("sum").to_numpy()
    out["_parcels"] = np.where(split_row, 1.0, out["quantity"].to_numpy() / ship_qty)
    out["_weight"] = weight.astype(float)
    out["_ballast"] = is_ballast
    return out


def _rates(lines: pd.DataFrame, aset: AssumptionSet, scen: Scenario, day: dt.date) -> np.ndarray | None:
    """Each line's exchange rate (units of its currency per USD) on the date the engine prices it, for the
    ballast rows of :func:`_as_parcels`; None when a USD amount is not priced at exactly 1 (a scenario's rate)."""
    fx = with_scenario(aset, scen).param(c.P_FX)
    when = pd.Timestamp(scen.fixed_date if scen.date_mode == "fixed" and scen.fixed_date else day)
    if attach(fx, pd.Series([when]), pd.Series(["USD"]))["value"].iloc[0] != 1.0:
        return None
    rate = attach(fx, pd.Series(when, index=lines.index), c.text_col(lines, "currency", "USD").str.upper())["value"].to_numpy(dtype=float)
    return np.where(rate > 0, rate, np.nan)


def _direct(lines: pd.DataFrame, opt: FulfilmentOptions, aset: AssumptionSet, scen: Scenario, day: dt.date, parcel: dict[str, c.Preset]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The order lines priced as parcels (see the module text), with per-row postage, parcels, units and money,
    each times the parcels the row stands for (``_weight``).

    More than ``BATCH_ROWS`` parcels are priced a few travel days at a time (a shipment and a buyer's day never
    span two days, so no group is split) and only the columns the comparison reads are kept of each batch."""
    parcels = _as_parcels(lines, opt, _rates(lines, aset, scen, day))
    if len(parcels) <= BATCH_ROWS:
        priced, rejects = _priced_parcels(parcels, aset, scen, day, parcel)
    else:
        keep = [*lines.columns, "_was_parcel", "_weight"]
        travel = pd.to_datetime(parcels["ship_date"], errors="coerce") if "ship_date" in parcels else pd.Series(pd.NaT, index=parcels.index)
        travel = travel.fillna(pd.Timestamp(day))  # the engine's travel day for a line without a ship date
        order = np.argsort(travel.to_numpy(), kind="stable")
        day_codes = pd.factorize(travel.to_numpy()[order])[0]
        bounds = np.r_[np.flatnonzero(np.r_[True, day_codes[1:] != day_codes[:-1]]), len(order)]  # where travel days begin
        parts, rej_parts, begin = [], [], 0
        while begin < len(order):
            fits = bounds[(bounds > begin) & (bounds <= begin + BATCH_ROWS)]
            end = fits[-1] if len(fits) else bounds[bounds > begin][0]  # whole days; a day larger than a batch alone
            idx = np.sort(order[begin:end])
            got, rej = _priced_parcels(parcels.iloc[idx].assign(_pos=idx), aset, scen, day, parcel)
            parts.append(got[[c_ for c_ in got.columns if c_ in keep or c_.startswith("_") or c_ in ("customs_value_usd", "duty_total_usd", "fees_total_usd", "freight_usd")]])
            rej_parts.append(rej)
            begin = end
        priced = pd.concat(parts, ignore_index=True).sort_values("_pos", kind="stable").reset_index(drop=True)
        rejects = pd.concat(rej_parts, ignore_index=True).drop_duplicates(ignore_index=True)
    if priced.empty:
        raise ArgumentError("no order line could be priced, so there is nothing to compare; see the rejected rows")
    return priced, rejects


def _priced_parcels(parcels: pd.DataFrame, aset: AssumptionSet, scen: Scenario, day: dt.date, parcel: dict[str, c.Preset]) -> tuple[pd.DataFrame, pd.DataFrame]:
    priced, rejects = c.price(parcels, aset, scen, day)
    priced = priced[~priced["_ballast"].to_numpy(dtype=bool)].reset_index(drop=True)  # it only weighed in the buyer's day
    rejects = rejects.drop_duplicates(ignore_index=True)  # a freight line's parcels share its row number
    qty = c.num_col(priced, "quantity", 1.0).fillna(1.0)
    preset_postage = priced["shipping_mode"].map({m: parcel[m].value for m in c.DIRECT_MODES}).astype(float) * priced["_parcels"]
    no_postage = ~(priced["freight_usd"] > 0) | ~priced["_was_parcel"].astype(bool)
    postage = priced["freight_usd"].where(~no_postage, preset_postage)
    w = priced["_weight"]
    priced = priced.assign(
        _sku=c.sku_key(priced).to_numpy(), _qty=(qty * w).to_numpy(), _postage=(postage * w).to_numpy(),
        _direct=((priced["duty_total_usd"] + priced["fees_total_usd"] + postage) * w).to_numpy(), _preset_postage=no_postage.to_numpy(),
        _value=(priced["customs_value_usd"] * w).to_numpy(), _duty=(priced["duty_total_usd"] * w).to_numpy(),
        _fees=(priced["fees_total_usd"] * w).to_numpy(), _parcels=(priced["_parcels"] * w).to_numpy(),
    )
    return priced, rejects


def compare_fulfilment(
    orders: Any,
    *,
    scenario: str | Scenario = "actual",
    as_of: dt.date | str | None = None,
    options: FulfilmentOptions | None = None,
    assumptions: Any = None,
) -> FulfilmentResult:
    """Cost per unit of direct parcels vs a US warehouse for each SKU and the basket, and the break-even volumes."""
    opt = options or FulfilmentOptions()
    aset = c.assumptions_of(assumptions)
    day = c.as_date(as_of)
    scen = resolve_scenario(aset, scenario)
    price_day = scen.fixed_date if scen.date_mode == "fixed" and scen.fixed_date else day
    lines = c.order_lines(orders)
    bulk = opt.bulk_mode
    ocean = bulk == "ocean_freight"

    p = {
        "ratio": c.preset(aset, c.P_BULK_VALUE_RATIO, day, override=opt.bulk_value_ratio),
        "capacity": c.preset(aset, c.P_CAPACITY, day, bulk, opt.capacity_cbm),
        "charges": c.preset(aset, c.P_SHIPMENT_CHARGES, day, bulk, opt.shipment_charges_usd),
        "shipments": c.preset(aset, c.P_SHIPMENTS, day, override=opt.shipments_per_month),
        "storage": c.preset(aset, c.P_STORAGE, day, override=opt.storage_usd_per_cbm_month),
        "volume": c.preset(aset, c.P_UNIT_VOLUME, day, override=opt.unit_volume_cbm),
        "weight": c.preset(aset, c.P_UNIT_WEIGHT, day, override=opt.unit_weight_kg),
        "stock": c.preset(aset, c.P_STOCK_MONTHS, day, override=opt.stock_months),
        "pick": c.preset(aset, c.P_PICK_PACK, day, override=opt.pick_pack_usd_per_parcel),
        "last": c.preset(aset, c.P_LAST_MILE, day, override=opt.last_mile_usd_per_parcel),
        "minimum": c.preset(aset, c.P_WAREHOUSE_MIN, day, override=opt.warehouse_usd_per_month),
    }
    if ocean:
        p["lcl_min"] = c.preset(aset, c.P_LCL_MIN, day)
        p["lcl_charges"] = c.preset(aset, c.P_SHIPMENT_CHARGES, day, "ocean_lcl", opt.lcl_charges_usd)
    else:
        p["volumetric"] = c.preset(aset, c.P_VOLUMETRIC, day)
    if scen.options.bond != "single_entry":
        p["bond"] = c.preset(aset, c.P_CONTINUOUS_BOND, day, override=opt.continuous_bond_usd_per_year)
    parcel = {m: c.preset(aset, c.P_PARCEL_FREIGHT, day, m, opt.parcel_freight_usd_per_parcel) for m in c.DIRECT_MODES}

    # --- (a) direct parcels, and the goods' figures per SKU ---------------------------------------------------
    priced, rejects = _direct(lines, opt, aset, scen, day, parcel)
    origin = c.text_col(priced, "origin_country").str.upper()
    vol = c.num_col(priced, "unit_volume_cbm").where(lambda s: s > 0).fillna(p["volume"].value)
    kg = c.num_col(priced, "unit_weight_kg").where(lambda s: s > 0).fillna(p["weight"].value)
    lane_presets: list[c.Preset] = []
    if ocean:
        box, used_box = _lane_presets(aset, c.P_CONTAINER, day, origin, opt.container_usd)
        lcl, used_lcl = _lane_presets(aset, c.P_LCL, day, origin, opt.lcl_usd_per_cbm)
        lane_presets += used_box + used_lcl
        air = pd.Series(0.0, index=priced.index)
    else:
        rate, lane_presets = _lane_presets(aset, c.P_AIR_RATE, day, origin, opt.air_usd_per_kg)
        air = np.maximum(kg, vol * p["volumetric"].value) * rate  # chargeable weight x $/kg
        box = lcl = pd.Series(0.0, index=priced.index)
    q_line = priced["_qty"]
    work = priced.assign(
        _cbm=vol * q_line, _air=air * q_line, _box=box * vol * q_line, _lcl=lcl * vol * q_line, _kg=kg * q_line,
    )
    g = work.groupby("_sku", sort=True)
    months = _months(lines, opt.months)
    sku = g.agg(
        hts_code=("hts_code", "first"), origin_country=("origin_country", "first"), units=("_qty", "sum"),
        value=("_value", "sum"), duty=("_duty", "sum"), fees=("_fees", "sum"),
        postage=("_postage", "sum"), direct=("_direct", "sum"), parcels=("_parcels", "sum"), cbm=("_cbm", "sum"),
        kg=("_kg", "sum"), air=("_air", "sum"), box=("_box", "sum"), lcl=("_lcl", "sum"), preset_postage=("_preset_postage", "any"),
    )
    sku.index.name = "sku"
    u = sku["units"].to_numpy()
    bulk_value = sku["value"].to_numpy() / u * p["ratio"].value

    # --- the bulk duty per unit: one large bulk line per SKU through the engine, the line's claims kept --------
    big = np.ceil(np.maximum(1000.0, 10000.0 / np.maximum(bulk_value, 0.01)))  # a formal-size line: cents vanish per unit
    bl = pd.DataFrame(
        {
            "row_number": np.arange(2, len(sku) + 2), "order_id": "bulk", "shipment_id": [f"bulk-{i}" for i in range(len(sku))],
            "sku": sku.index.to_numpy(), "hts_code": sku["hts_code"].to_numpy(), "origin_country": sku["origin_country"].to_numpy(),
            "unit_value": bulk_value, "quantity": big, "currency": "USD", "shipping_mode": bulk, "freight_cost": 0.0,
        }
    )
    for extra in ("mfn_rate", "s301_list", "metal_value_share", "unit_weight_kg", "s301_exclusion"):
        if extra in priced:
            bl[extra] = priced.groupby("_sku", sort=True)[extra].first().reindex(sku.index).to_numpy()
    bpriced, brejects = c.price(bl, aset, scen, day)
    bduty = bpriced.set_index("sku")["duty_total_usd"].reindex(sku.index).to_numpy() / big

    profiles = pd.DataFrame(
        {
            "units": u / months, "cbm": sku["cbm"].to_numpy() / u, "air_usd": sku["air"].to_numpy() / u,
            "container_x_cbm": sku["box"].to_numpy() / u, "lcl_x_cbm": sku["lcl"].to_numpy() / u, "value": bulk_value,
            "duty": bduty, "parcels": sku["parcels"].to_numpy() / u, "direct": sku["direct"].to_numpy() / u,
        },
        index=sku.index,
    )
    profiles = profiles[profiles["duty"].notna()]  # a SKU whose bulk line was rejected cannot be costed
    if profiles.empty:
        raise ArgumentError("no SKU could be priced as a bulk entry, so there is no warehouse to compare; see the rejected rows")
    w = profiles["units"].to_numpy()
    basket = pd.DataFrame({k: [float(np.sum(profiles[k].to_numpy() * w) / w.sum())] for k in PROFILE}, index=["*"])
    basket.insert(0, "units", [float(w.sum())])
    profiles = pd.concat([profiles, basket])

    fees = entry_terms(aset, scen, price_day)
    terms = MonthTerms(
        mode=bulk, load=opt.ocean_load, shipments_per_month=p["shipments"].value, capacity_cbm=p["capacity"].value,
        per_container_usd=p["charges"].value, lcl_min_cbm=p["lcl_min"].value if ocean else 0.0,
        lcl_shipment_usd=p["lcl_charges"].value if ocean else 0.0, storage_usd_per_cbm_month=p["storage"].value,
        stock_months=p["stock"].value, per_parcel_usd=p["pick"].value + p["last"].value, minimum_usd_per_month=p["minimum"].value,
        single_entry_bond=scen.options.bond == "single_entry", bond_usd_per_year=p["bond"].value if "bond" in p else 0.0, **fees,
    )

    # --- one costing: today's volume and the break-even, per SKU alone and for the basket ----------------------
    now = month_cost(profiles, profiles["units"].to_numpy(), terms)
    q_now = profiles["units"].to_numpy()
    d_now = q_now * profiles["direct"].to_numpy()
    be = break_even(profiles, terms)
    at_be = month_cost(profiles, np.nan_to_num(be, nan=1.0), terms)
    flat = {k: v[:, 0] for k, v in now.items()}
    load = np.where(bulk == "air_freight", "air", np.where(flat["lcl"], "lcl", "fcl"))
    rows = pd.DataFrame(index=profiles.index)
    rows["units_per_month"] = q_now
    for part in ("duty", "freight", "customs_fees", "storage", "handling", "fixed"):
        rows[f"warehouse_{part}_per_unit_usd"] = flat[part] / q_now
    rows["warehouse_cost_per_unit_usd"] = flat["total"] / q_now
    rows["direct_cost_per_unit_usd"] = profiles["direct"].to_numpy()
    rows["saving_per_unit_usd"] = rows["direct_cost_per_unit_usd"] - rows["warehouse_cost_per_unit_usd"]
    rows["warehouse_pays_now"] = flat["total"] <= d_now + 1e-9
    rows["cheaper"] = np.where(rows["warehouse_pays_now"], "warehouse", "direct")
    rows["shipments_per_month"] = flat["shipments"]
    rows["containers_per_month"] = flat["containers"]
    rows["freight_load"] = load
    rows["warehouse_entry_type"] = np.where(flat["formal"], "formal", "informal")
    rows["break_even_units_per_month"] = be
    rows["break_even_shipments_per_month"] = np.where(np.isnan(be), np.nan, at_be["shipments"][:, 0])
    rows["break_even_entry_type"] = np.where(np.isnan(be), "", np.where(at_be["formal"][:, 0], "formal", "informal"))

    per = rows.drop(index="*").copy()
    info = sku.reindex(per.index)
    per.insert(0, "hts_code", info["hts_code"].astype(str))
    per.insert(1, "origin_country", info["origin_country"].astype(str))
    pu = info["units"].to_numpy()
    per["unit_value_usd"] = info["value"].to_numpy() / pu
    per["unit_volume_cbm"] = info["cbm"].to_numpy() / pu
    per["unit_weight_kg"] = info["kg"].to_numpy() / pu
    per["units_per_parcel"] = pu / info["parcels"].to_numpy()
    per["bulk_value_per_unit_usd"] = profiles["value"].reindex(per.index)
    per["direct_duty_per_unit_usd"] = info["duty"].to_numpy() / pu
    per["direct_fees_per_unit_usd"] = info["fees"].to_numpy() / pu
    per["direct_freight_per_unit_usd"] = info["postage"].to_numpy() / pu
    per["direct_postage_from_preset"] = info["preset_postage"].to_numpy()
    per["warehouse_shared_cost_per_unit_usd"] = _shared(profiles.drop(index="*"), {k: v[-1, 0] for k, v in now.items()})

    port = rows.loc["*"]
    units_now = float(port["units_per_month"])
    direct_month = units_now * float(port["direct_cost_per_unit_usd"])
    wh_month = float(flat["total"][-1])
    portfolio = pd.DataFrame(
        {
            "skus": [len(per)],
            "units_per_month": [units_now],
            "months_of_orders": [months],
            "cbm_per_month": [units_now * float(profiles.loc["*", "cbm"])],
            "shipments_per_month": [port["shipments_per_month"]],
            "containers_per_month": [port["containers_per_month"]],
            "freight_load": [port["freight_load"]],
            "warehouse_entry_type": [port["warehouse_entry_type"]],
            "direct_cost_per_month_usd": [round(direct_month, 2)],
            "warehouse_cost_per_month_usd": [round(wh_month, 2)],
            "saving_per_month_usd": [round(direct_month - wh_month, 2)],
            **{f"warehouse_{k}_per_month_usd": [round(float(flat[k][-1]), 2)] for k in ("duty", "freight", "customs_fees", "storage", "handling", "fixed")},
            "direct_cost_per_unit_usd": [port["direct_cost_per_unit_usd"]],
            "warehouse_cost_per_unit_usd": [port["warehouse_cost_per_unit_usd"]],
            "break_even_units_per_month": [port["break_even_units_per_month"]],
            "break_even_shipments_per_month": [port["break_even_shipments_per_month"]],
            "break_even_entry_type": [port["break_even_entry_type"]],
            "break_even_multiple_of_demand": [port["break_even_units_per_month"] / units_now if units_now else np.nan],
            "warehouse_pays_now": [bool(port["warehouse_pays_now"])],
            "cheaper": [port["cheaper"]],
            "scenario": [scen.name],
            "as_of": [day],
            "bulk_mode": [bulk],
        }
    )
    fee_presets = [
        c.Preset(P_MPF_FORMAL, "*", terms.mpf_rate, "fraction", "MPF formal entry (rate; min/max per entry)", "MPF 正式报关（费率；每票最低/最高）", f"min {terms.mpf_min}, max {terms.mpf_max}", "confirmed"),
        c.Preset(P_MPF_INFORMAL, "*", terms.mpf_informal_usd, "usd_per_entry", "MPF informal entry", "MPF 非正式报关", "us/fees/mpf_informal.toml", "confirmed"),
        c.Preset(P_BROKER, "*", terms.broker_usd, "usd_per_entry", "Broker per formal entry", "每票正式报关的报关费", "us/fees/broker_formal.toml", "secondary"),
        c.Preset(P_ISF, "*", terms.isf_usd if ocean else 0.0, "usd_per_entry", "ISF per ocean shipment", "每票海运 ISF", "us/fees/isf.toml", "secondary"),
    ]
    presets = c.presets_frame([*p.values(), *lane_presets, *parcel.values(), *fee_presets])
    all_rejects = rejects if brejects.empty else pd.concat([rejects, brejects.assign(column="(bulk) " + brejects["column"].astype(str))], ignore_index=True)
    return FulfilmentResult(
        per_sku=per.reset_index().rename(columns={"index": "sku"}), portfolio=portfolio, presets=presets, rejects=all_rejects,
        scenario=scen.name, as_of=day, options=opt, profiles=profiles, terms=terms,
    )


def _shared(profiles: pd.DataFrame, basket: dict[str, float]) -> np.ndarray:
    """Each SKU's share of the basket's shared month, per unit: its own duty, storage and handling; freight by
    its share of the volume; customs fees by its share of the value; the fixed month by its share of the units."""
    q = profiles["units"].to_numpy()

    def share(col: str) -> np.ndarray:
        x = q * profiles[col].to_numpy()
        return x / x.sum()

    month = (
        q * profiles["duty"].to_numpy()
        + basket["storage"] * share("cbm")
        + basket["handling"] * share("parcels")
        + basket["freight"] * share("cbm")
        + basket["customs_fees"] * share("value")
        + basket["fixed"] * q / q.sum()
    )
    return month / q


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


def cost_curve(result: FulfilmentResult, max_units: float | None = None, points: int = 120) -> pd.DataFrame:
    """The basket's monthly cost direct vs warehouse (goods' value excluded) over a range of volumes, long format
    for a chart, from :func:`month_cost`: the lines cross at the break-even, which is among the volumes."""
    basket = result.profiles.loc[["*"]]
    q0 = float(basket["units"].iloc[0])
    be = float(result.portfolio["break_even_units_per_month"].iloc[0])
    top = max_units or 2.0 * max(q0, be if np.isfinite(be) else q0)
    vols = np.unique(np.concatenate([np.ceil(np.linspace(top / points, top, points)), [be - 1, be] if np.isfinite(be) else []]))
    vols = vols[vols >= 1]
    wh = month_cost(basket, vols.reshape(1, -1), result.terms)["total"][0]
    direct = vols * float(basket["direct"].iloc[0])
    return pd.concat(
        [
            pd.DataFrame({"units_per_month": vols, "model": "direct", "cost_per_month_usd": direct}),
            pd.DataFrame({"units_per_month": vols, "model": "warehouse", "cost_per_month_usd": wh}),
        ],
        ignore_index=True,
    )
