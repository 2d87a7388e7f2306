"""US step: clearance fees per shipment (MPF, HMF, broker, ISF, bond, carrier presets), split over its lines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.landed.money import allocate_cents, round_cents, to_cents
from costimpact.landed.result import ENTRY_TYPES
from costimpact.landed.work import _Work, constant, spread

P_MPF_FORMAL = "us/fees/mpf_formal"
P_MPF_INFORMAL = "us/fees/mpf_informal"
P_HMF = "us/fees/hmf"
P_BROKER = "us/fees/broker_formal"
P_ISF = "us/fees/isf"
P_BOND = "us/fees/bond_single_entry"
P_CARRIER_FEE = "us/fees/carrier_clearance_fee"
P_CARRIER_ADV = "us/fees/carrier_duty_advancement"


def apply_fees(w: _Work, duty_total: np.ndarray, mail_fee_cents: np.ndarray) -> dict[str, np.ndarray]:
    """Clearance fees, each computed once per shipment (entry) and split over its lines by value.

    MPF formal: rate x entered value between the fiscal year's minimum and maximum (19 U.S.C. 58c(a)(9));
    MPF informal: a flat fee per informal entry (58c(a)(10)); none on mail or de minimis. HMF: ocean only
    (26 U.S.C. 4461). Broker per formal entry, ISF per ocean formal entry, single-entry bond if chosen,
    carrier presets by the scenario's options (market prices, not law).
    """
    scenario, P, m = w.scenario, w.P, w.m
    ship, line_rows = P["ship"].to_numpy(), w.rows
    ship_value = P["ship_value"].to_numpy()
    entry = np.asarray(ENTRY_TYPES)[P["entry"].cat.codes.to_numpy()]
    value = P["value"].to_numpy()
    mode = P["mode"].to_numpy()
    ship_duty = pd.Series(duty_total).groupby(ship).transform("sum").to_numpy()
    formal = entry == "formal"
    informal = entry == "informal"

    def per_ship(param_id: str, applies: np.ndarray, amount_fn, keys: pd.Series | None = None) -> np.ndarray:  # noqa: ANN001
        """The fee on the entries it applies to (whole shipments), looked up for their lines only; ``amount_fn``
        gets the periods found and those lines' positions."""
        rows = np.flatnonzero(applies)
        if not len(rows):
            return np.zeros(m)
        got = w.attach(param_id, keys, rows=rows)
        amount = np.zeros(m)
        amount[rows] = np.nan_to_num(amount_fn(got, rows))
        cents = allocate_cents(to_cents(amount), ship, value, line_rows)
        w.note(spread(got["period_id"], rows, m), amount > 0, spread(got["evidence"], rows, m))
        return cents / 100.0

    def flat(got: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        return got["value"].fillna(0.0).to_numpy()

    def clamp(got: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        raw = round_cents(ship_value[rows] * got["value"].fillna(0.0).to_numpy())
        lo = got["min"].fillna(0.0).to_numpy()
        hi = got["max"].fillna(np.inf).to_numpy()
        return np.clip(raw, lo, hi)

    fees: dict[str, np.ndarray] = {}
    mpf_formal = per_ship(P_MPF_FORMAL, formal, clamp)
    mpf_informal = per_ship(P_MPF_INFORMAL, informal, flat)
    fees["fee_mpf_usd"] = np.round(mpf_formal + mpf_informal, 2)
    ocean = (mode == "ocean_freight") & (formal | informal)
    fees["fee_hmf_usd"] = per_ship(P_HMF, ocean, lambda g, r: round_cents(ship_value[r] * g["value"].fillna(0.0).to_numpy()))
    fees["fee_broker_usd"] = per_ship(P_BROKER, formal, flat)
    fees["fee_isf_usd"] = per_ship(P_ISF, formal & (mode == "ocean_freight"), flat)
    if scenario.options.bond == "single_entry":
        # the bond covers the entered value plus all duties, taxes and fees (MPF, HMF) of the entry (19 CFR 113)
        ship_gov_fees = pd.Series(fees["fee_mpf_usd"] + fees["fee_hmf_usd"]).groupby(ship).transform("sum").to_numpy()
        bond_amount = ship_value + ship_duty + ship_gov_fees
        fees["fee_bond_usd"] = per_ship(
            P_BOND, formal, lambda g, r: np.maximum(round_cents(bond_amount[r] * g["value"].fillna(0.0).to_numpy()), g["min"].fillna(0.0).to_numpy())
        )
    else:
        fees["fee_bond_usd"] = np.zeros(m)
    carrier = scenario.options.carrier
    carrier_keys = constant(m, carrier)
    express = (mode == "express") & (formal | informal)
    if carrier != "none":
        clearance = per_ship(P_CARRIER_FEE, express, flat, carrier_keys)
        adv = per_ship(
            P_CARRIER_ADV,
            express & (ship_duty > 0),
            lambda g, r: np.maximum(round_cents(ship_duty[r] * g["value"].fillna(0.0).to_numpy()), g["min"].fillna(0.0).to_numpy()),
            carrier_keys,
        )
    else:
        clearance = adv = np.zeros(m)
    usps = np.zeros(m)
    if scenario.options.usps_clearance_fee:
        usps = per_ship(P_CARRIER_FEE, (entry == "postal") & (ship_duty > 0), flat, constant(m, "usps"))
    fees["fee_carrier_usd"] = np.round(clearance + adv + usps, 2)
    fees["fee_mail_usd"] = mail_fee_cents / 100.0
    return fees
