"""The same basket as if made elsewhere: every line copied once per origin, priced in one engine call, ranked.

Only ``origin_country`` changes on the copies (and ``shipment_id``, so that copies of one parcel for different
origins do not merge); value, quantity, mode and date stay, so the differences are the law's alone.

USMCA. The engine has no USMCA flag, so ``MX-USMCA`` and ``CA-USMCA`` are variants of Mexican and Canadian
copies that qualify as USMCA-originating: the MFN duty is zero (the USMCA preference, General Note 11), the IEEPA
fentanyl order, Section 122 and the 2026 forced-labor Section 301 do not apply to USMCA goods (their own texts;
see the layers' descriptions), and originating goods pay no MPF (19 U.S.C. 58c(b)(10)). A postal duty is
collected in lieu of the IEEPA duties (later of Section 122), which USMCA goods do not pay, so the variants pay no
postal duty either. Section 232 still applies. The variant is priced as MX/CA by the engine and those columns are then set to zero; qualifying (rules
of origin, certification) is the seller's to prove.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from costimpact.assumptions import Scenario
from costimpact.decide import common as c
from costimpact.errors import ArgumentError
from costimpact.landed.engine import layer_infos, resolve_scenario

DEFAULT_ORIGINS = ("CN", "VN", "MX", "MX-USMCA", "IN", "BD", "KH", "MY", "TH", "TW", "ID", "PH", "PK", "LK", "TR", "KR", "JP")
USMCA_SUFFIX = "-USMCA"
#: Layers (by name) that USMCA-originating goods do not pay; MPF is waived too.
USMCA_FREE_LAYERS = ("mfn", "ieepa_fentanyl", "ieepa_reciprocal", "s122", "s301_forced_labor")


@dataclasses.dataclass(frozen=True)
class OriginResult:
    """``ranking``: one row per origin, the basket's landed cost and its layers, cheapest first (``rank`` 1).
    ``by_sku``: landed cost per unit by SKU x origin. ``lines``: every priced copy (column ``origin_scenario``)."""

    ranking: pd.DataFrame
    by_sku: pd.DataFrame
    lines: pd.DataFrame
    rejects: pd.DataFrame
    duty_columns: tuple[str, ...]
    scenario: str
    as_of: dt.date


def _usmca(priced: pd.DataFrame, is_usmca: np.ndarray, duty_cols: list[str]) -> pd.DataFrame:
    """Zero the layers USMCA goods do not pay and the MPF, then recompute the totals (vectorised)."""
    out = priced.copy()
    free = [f"duty_{name}_usd" for name in (*USMCA_FREE_LAYERS, "postal") if f"duty_{name}_usd" in out]
    for col in free:
        out[col] = np.where(is_usmca, 0.0, out[col])
    out["fee_mpf_usd"] = np.where(is_usmca, 0.0, out["fee_mpf_usd"])
    out["duty_total_usd"] = np.round(out[duty_cols].sum(axis=1), 2)
    out["fees_total_usd"] = np.round(out["fee_mpf_usd"] + out["fee_hmf_usd"] + out["fee_other_usd"], 2)
    out["landed_cost_usd"] = np.round(out["customs_value_usd"] + out["freight_usd"] + out["duty_total_usd"] + out["fees_total_usd"], 2)
    return out


def compare_origins(
    orders: Any,
    *,
    origins: list[str] | tuple[str, ...] = DEFAULT_ORIGINS,
    scenario: str | Scenario = "actual",
    as_of: dt.date | str | None = None,
    assumptions: Any = None,
) -> OriginResult:
    """Price the basket under ``scenario`` on ``as_of`` as if made in each of ``origins`` and rank them."""
    aset = c.assumptions_of(assumptions)
    day = c.as_date(as_of)
    scen = resolve_scenario(aset, scenario)
    wanted = [o.strip().upper() for o in origins if o and o.strip()]
    bad = [o for o in wanted if not (len(o.removesuffix(USMCA_SUFFIX)) == 2 and o.removesuffix(USMCA_SUFFIX).isalpha())]
    if bad or not wanted:
        raise ArgumentError(f"origins {bad or origins!r}: expected ISO two-letter codes such as CN, VN, MX, or MX-USMCA / CA-USMCA")
    for o in wanted:
        if o.endswith(USMCA_SUFFIX) and o.removesuffix(USMCA_SUFFIX) not in ("MX", "CA"):
            raise ArgumentError(f"origin {o}: only MX-USMCA and CA-USMCA are USMCA variants")
    lines = c.order_lines(orders)
    n = len(lines)
    k = len(wanted)
    copies = lines.loc[np.tile(np.arange(n), k)].reset_index(drop=True)
    label = np.repeat(np.array(wanted, dtype=object), n)
    copies["origin_scenario"] = label
    copies["origin_country"] = pd.Series(label).str.removesuffix(USMCA_SUFFIX).to_numpy()
    ship = c.text_col(copies, "shipment_id")
    ship = ship.where(ship != "", c.text_col(copies, "order_id"))
    copies["shipment_id"] = ship + "@" + copies["origin_scenario"]
    copies["_src_row"] = copies["row_number"].to_numpy()
    copies["row_number"] = np.arange(2, len(copies) + 2)
    copies["_sku"] = c.sku_key(copies).to_numpy()
    priced, rejects = c.price(copies, aset, scen, day)
    infos = layer_infos(aset)
    duty_cols = [i.column for i in infos if i.column in priced]
    priced = _usmca(priced, priced["origin_scenario"].astype(str).str.endswith(USMCA_SUFFIX).to_numpy(), duty_cols)

    agg = {col: (col, "sum") for col in ["customs_value_usd", "freight_usd", *duty_cols, "duty_total_usd", "fee_mpf_usd", "fee_hmf_usd", "fee_other_usd", "fees_total_usd", "landed_cost_usd"]}
    ranking = priced.groupby("origin_scenario", sort=False).agg(lines=("landed_cost_usd", "size"), **agg)
    ranking = ranking.reindex(wanted).reset_index().rename(columns={"origin_scenario": "origin"})
    for col in agg:
        ranking[col] = ranking[col].round(2)
    ranking["duty_rate_effective"] = c.safe_div(ranking["duty_total_usd"], ranking["customs_value_usd"])
    current = c.text_col(lines, "origin_country").str.upper()
    home = current.mode().iloc[0] if len(current) else ""
    home_cost = ranking.loc[ranking["origin"] == home, "landed_cost_usd"]
    ref = float(home_cost.iloc[0]) if len(home_cost) else np.nan
    ranking["delta_vs_current_usd"] = np.round(ranking["landed_cost_usd"] - ref, 2)
    ranking["delta_vs_current_pct"] = c.safe_div(ranking["delta_vs_current_usd"], np.full(len(ranking), ref))
    ranking["rank"] = ranking["landed_cost_usd"].rank(method="min").astype("Int64")
    ranking["current_origin"] = ranking["origin"] == home
    ranking = ranking.sort_values(["rank", "origin"], kind="stable").reset_index(drop=True)

    q = c.num_col(priced, "quantity", 1.0).fillna(1.0)
    by = priced.assign(_qty=q).groupby(["_sku", "origin_scenario"], sort=True).agg(units=("_qty", "sum"), landed=("landed_cost_usd", "sum"), duty=("duty_total_usd", "sum"))
    by["landed_per_unit_usd"] = by["landed"] / by["units"]
    by["duty_per_unit_usd"] = by["duty"] / by["units"]
    by_sku = by.reset_index().rename(columns={"_sku": "sku", "origin_scenario": "origin"})[["sku", "origin", "units", "landed_per_unit_usd", "duty_per_unit_usd"]]
    by_sku["rank_in_sku"] = by_sku.groupby("sku")["landed_per_unit_usd"].rank(method="min").astype("Int64")
    return OriginResult(ranking=ranking, by_sku=by_sku, lines=priced, rejects=rejects, duty_columns=tuple(duty_cols), scenario=scen.name, as_of=day)
