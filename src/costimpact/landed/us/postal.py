"""US step: the postal regimes that replace the ordinary duties on mail, and the dutiable mail fee."""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.assumptions.lookup import asof_join, postal_periods
from costimpact.landed.money import allocate_cents, round_cents, to_cents
from costimpact.landed.us.layers import ieepa_layer_names
from costimpact.landed.work import _Work, category_text, spread

P_POSTAL = "us/entry/postal"
P_POSTAL_METHOD = "us/entry/postal_duty_method"
P_MAIL_FEE = "us/fees/dutiable_mail_fee"


def apply_postal_regimes(w: _Work, duties: dict[str, np.ndarray], before_exempt: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Postal items under the special regimes of their origin and date (``us/entry/postal``), in lieu of the
    ordinary layers: the China postal duty (EO 14256/14266/14298: 120% or 54% of value, or $100 per item);
    EO 14324 (the origin's IEEPA rate x value, or $80/$160/$200 per item by that rate, the highest tier for a
    parcel of mixed origins, until 2026-02-28); EO 14388 (the Section 122 rate only); from 2026-07-24 the postal
    informal entry with all duties. The carrier's election comes from ``postal_duty_method``, else the
    scenario, else ``us/entry/postal_duty_method``; per-item amounts are charged once per parcel and split over
    its lines by value. A scenario that switches IEEPA off turns the IEEPA-based regimes into ordinary duty.
    Dutiable mail entered the ordinary way pays the dutiable mail fee once per parcel.
    Updates ``duties`` in place (adds ``postal``); returns (treatment, IEEPA-based postal duty, mail fee cents).
    """
    P, m, aset = w.P, w.m, w.aset
    postal_rows = (P["entry"] == "postal").to_numpy()
    treatment = np.full(m, "", dtype=object)
    postal_ieepa = np.zeros(m, dtype=bool)
    mail_fee_cents = np.zeros(m, dtype=np.int64)
    duties["postal"] = np.zeros(m)
    if not postal_rows.any():
        return treatment, postal_ieepa, mail_fee_cents
    # every step on the postal lines only (a postal entry is a whole parcel: its lines are all here)
    rows = np.flatnonzero(postal_rows)
    k = len(rows)
    value, ship, dates = P["value"].to_numpy()[rows], P["ship"].to_numpy()[rows], P["date"].iloc[rows]
    line_rows = w.rows[rows]
    ieepa_layers = ieepa_layer_names(aset)
    ieepa_off = (w.disabled_all(ieepa_layers) if ieepa_layers else np.zeros(m, dtype=bool))[rows]
    reg = aset.postal[P_POSTAL]
    got = asof_join(postal_periods(reg, by_origin=True), dates, P["origin"].iloc[rows], ["treatment", "ad_valorem", "specific_usd", "specific_until", "ieepa", "evidence", "period_id"], days=w.days(rows))
    tr = category_text(got["treatment"])
    is_ieepa = got["ieepa"].fillna(False).astype(bool).to_numpy()
    tr = np.where(is_ieepa & ieepa_off, "all_duties", tr)
    tr = np.where(tr == "", "mail_entry", tr)
    in_lieu = np.char.startswith(tr.astype(str), "in_lieu")
    special = tr != "mail_entry"
    w.note(spread(got["period_id"], rows, m), _full(special, rows, m), spread(got["evidence"], rows, m))

    method = _postal_method(P["method"].to_numpy(dtype=object)[rows], w, ship, rows)
    spec_until = pd.to_datetime(got["specific_until"]).to_numpy(dtype="datetime64[ns]")
    use_specific = method & (np.isnat(spec_until) | (dates.to_numpy(dtype="datetime64[ns]") < spec_until))
    av_flat = round_cents(value * got["ad_valorem"].fillna(0.0).to_numpy())
    ieepa_sum = sum((duties[x][rows] for x in ieepa_layers), np.zeros(k))
    origin_rate = sum((before_exempt[x][rows] for x in ieepa_layers), np.zeros(k))
    parcel_rate = pd.Series(origin_rate).groupby(ship).transform("max").to_numpy()
    layer_sum = np.zeros(k)
    per_item = np.where(tr == "in_lieu_flat", got["specific_usd"].fillna(0.0).to_numpy(), 0.0)
    pids = got["period_id"].to_numpy()
    for pid in pd.unique(pids):  # a handful of regime periods, not rows
        if not pid:
            continue
        at = pids == pid
        period = reg.periods[int(pid.rpartition("#")[2])]
        for lname in period.layers:
            if lname in duties:
                layer_sum = layer_sum + np.where(at, duties[lname][rows], 0.0)
        if period.treatment == "in_lieu_ieepa":
            per_item = np.where(at, _tier_amount(period.tiers, parcel_rate), per_item)
    specific_cents = allocate_cents(to_cents(per_item), ship, value, line_rows)
    postal_duty = np.select(
        [in_lieu & use_specific & np.isin(tr, ["in_lieu_flat", "in_lieu_ieepa"]), tr == "in_lieu_flat", tr == "in_lieu_ieepa", tr == "in_lieu_layers"],
        [specific_cents / 100.0, av_flat, ieepa_sum, layer_sum],
        0.0,
    )
    lieu_at = rows[in_lieu]
    for name in list(duties):
        if len(lieu_at):
            duties[name] = duties[name].copy()
            duties[name][lieu_at] = 0.0
    duties["postal"][rows] = np.where(P["de_minimis"].to_numpy()[rows], 0.0, postal_duty)
    postal_ieepa[rows] = in_lieu & is_ieepa & ~ieepa_off

    mail = w.attach(P_MAIL_FEE, rows=rows)
    parcel_duty = pd.Series(sum((d[rows] for d in duties.values()), np.zeros(k))).groupby(ship).transform("sum").to_numpy()
    takes_fee = np.isin(tr, ["mail_entry", "all_duties"]) & (parcel_duty > 0)
    mail_fee_cents[rows] = allocate_cents(np.where(takes_fee, to_cents(mail["value"].fillna(0.0).to_numpy()), 0), ship, value, line_rows)
    w.note(spread(mail["period_id"], rows, m), _full(takes_fee, rows, m))
    treatment[rows] = tr
    return treatment, postal_ieepa, mail_fee_cents


def _full(flags: np.ndarray, rows: np.ndarray, m: int) -> np.ndarray:
    """Per-line flags of ``rows`` as ``m`` lines (False elsewhere)."""
    out = np.zeros(m, dtype=bool)
    out[rows] = flags
    return out


def _tier_amount(tiers, rate: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """The per-item amount of a tier table (EO 14324: $80 / $160 / $200 by the origin's IEEPA rate)."""
    conds, vals = [], []
    for tier in tiers:
        if tier.upto is None:
            conds.append(np.ones(len(rate), dtype=bool))
        else:
            conds.append(rate <= tier.upto + 1e-12 if tier.inclusive else rate < tier.upto - 1e-12)
        vals.append(tier.usd)
    return np.select(conds, vals, 0.0)


def _postal_method(line_method: np.ndarray, w: _Work, ship: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The carrier's election per parcel of the lines ``rows``: the line's own column, else the scenario's option,
    else the default. Returns True where the parcel's carrier elected the specific (per-item) method."""
    default = w.attach(P_POSTAL_METHOD, rows=rows)["value"].fillna(0.0).to_numpy() >= 0.5
    if w.scenario.options.postal_duty_method:
        default = np.full(len(default), w.scenario.options.postal_duty_method == "specific")
    specific = np.where(line_method == "specific", True, np.where(line_method == "ad_valorem", False, default))
    return pd.Series(specific).groupby(ship).transform("first").to_numpy().astype(bool)
