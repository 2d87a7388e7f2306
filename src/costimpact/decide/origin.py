"""The same basket as if made elsewhere: every line copied once per origin, priced with the real engine, ranked.

Only ``origin_country`` changes on the copies (and ``shipment_id`` and ``consignee_id``, so that copies of one
parcel or one buyer's day for different origins do not merge); value, quantity, mode and date stay, so the
differences are the law's alone.

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

from costimpact.assumptions import AssumptionSet, Scenario, attach, with_scenario
from costimpact.assumptions.lookup import asof_join, postal_periods
from costimpact.decide import common as c
from costimpact.errors import ArgumentError
from costimpact.landed.engine import layer_infos, resolve_scenario
from costimpact.scenarios.reuse import engine_reads

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
    keep_lines: bool = True,
    batch_rows: int = 300_000,
) -> OriginResult:
    """Price the basket under ``scenario`` on ``as_of`` as if made in each of ``origins`` and rank them.

    Without ``keep_lines`` only the sums are kept (the result's ``lines`` is then empty) and origins the law
    treats alike on the pricing date are priced once (:func:`origin_classes`; after the IEEPA duties ended, 17
    origins are 5 pricings), in batches of about ``batch_rows`` lines: the same figures, bounded memory."""
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
    n = max(len(lines), 1)
    infos = layer_infos(aset)
    if keep_lines:
        parts = [_price_as_made_in(lines, 0, wanted, aset, scen, day, infos, keep_lines)]
    else:
        parts = _price_by_class(lines, wanted, aset, scen, day, infos, max(1, batch_rows // n))
    duty_cols = parts[0][3]
    agg = {col: (col, "sum") for col in ["customs_value_usd", "freight_usd", *duty_cols, "duty_total_usd", "fee_mpf_usd", "fee_hmf_usd", "fee_other_usd", "fees_total_usd", "landed_cost_usd"]}
    ranking = pd.concat([p[0] for p in parts])
    by = pd.concat([p[1] for p in parts]).sort_index(kind="stable")
    rejects = pd.concat([p[2] for p in parts], ignore_index=True) if len(parts) > 1 else parts[0][2]
    priced = pd.concat([p[4] for p in parts], ignore_index=True) if len(parts) > 1 else parts[0][4]
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

    by["landed_per_unit_usd"] = by["landed"] / by["units"]
    by["duty_per_unit_usd"] = by["duty"] / by["units"]
    by_sku = by.reset_index().rename(columns={"_sku": "sku", "origin_scenario": "origin"})[["sku", "origin", "units", "landed_per_unit_usd", "duty_per_unit_usd"]]
    by_sku["rank_in_sku"] = by_sku.groupby("sku")["landed_per_unit_usd"].rank(method="min").astype("Int64")
    return OriginResult(ranking=ranking, by_sku=by_sku, lines=priced, rejects=rejects, duty_columns=tuple(duty_cols), scenario=scen.name, as_of=day)


def _price_as_made_in(lines: pd.DataFrame, first: int, batch: list[str], aset, scen: Scenario, day: dt.date, infos, keep_lines: bool) -> tuple:  # noqa: ANN001
    """The basket copied once per origin of ``batch`` (``first``: the batch's place in ``wanted``, so row numbers
    are those of one frame of all origins), priced in one engine call. Returns the sums per origin, the units,
    landed cost and duty per SKU x origin, the rejects, the duty columns, and the priced copies (none without
    ``keep_lines``)."""
    n, k = len(lines), len(batch)
    copies = lines.loc[np.tile(np.arange(n), k)].reset_index(drop=True)
    label = np.repeat(np.array(batch, dtype=object), n)
    copies["origin_scenario"] = label
    copies["origin_country"] = pd.Series(label).str.removesuffix(USMCA_SUFFIX).to_numpy()
    ship = c.text_col(copies, "shipment_id")
    ship = ship.where(ship != "", c.text_col(copies, "order_id"))
    copies["shipment_id"] = ship + "@" + copies["origin_scenario"]
    buyer = c.text_col(copies, "consignee_id")  # nor a buyer's day: each copy's de minimis test is its own
    copies["consignee_id"] = buyer.where(buyer == "", buyer + "@" + copies["origin_scenario"])
    copies["_src_row"] = copies["row_number"].to_numpy()
    copies["row_number"] = np.arange(2, len(copies) + 2) + first * n
    copies["_sku"] = c.sku_key(copies).to_numpy()
    priced, rejects = c.price(copies, aset, scen, day)
    duty_cols = [i.column for i in infos if i.column in priced]
    priced = _usmca(priced, priced["origin_scenario"].astype(str).str.endswith(USMCA_SUFFIX).to_numpy(), duty_cols)
    sums, by = _origin_sums(priced, duty_cols)
    return sums, by, rejects, duty_cols, priced if keep_lines else priced.head(0)


def _origin_sums(priced: pd.DataFrame, duty_cols: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per origin copy the sums of the money columns, and per SKU x origin the units, landed cost and duty."""
    agg = {col: (col, "sum") for col in ["customs_value_usd", "freight_usd", *duty_cols, "duty_total_usd", "fee_mpf_usd", "fee_hmf_usd", "fee_other_usd", "fees_total_usd", "landed_cost_usd"]}
    sums = priced.groupby("origin_scenario", sort=False).agg(lines=("landed_cost_usd", "size"), **agg)
    q = c.num_col(priced, "quantity", 1.0).fillna(1.0)
    by = priced.assign(_qty=q).groupby(["_sku", "origin_scenario"], sort=True).agg(units=("_qty", "sum"), landed=("landed_cost_usd", "sum"), duty=("duty_total_usd", "sum"))
    return sums, by


def origin_classes(aset: AssumptionSet, scen: Scenario, day: dt.date, origins: list[str]) -> np.ndarray:
    """For each of ``origins`` (USMCA variants by their country), the number of its class: origins the engine
    cannot tell apart on the pricing date share one. Two origins are alike when every origin-keyed value the
    engine reads (duty layers, de minimis) is the same for both on that date, each origin-limited layer takes
    both or neither, no claim key names either, and the same postal regime period covers both: then every
    copy of the basket prices to the same cents whichever of them it is made in (the evidence graded may
    differ, which the comparison's sums never show). Distinct origins get distinct classes whenever in doubt."""
    a = with_scenario(aset, scen)
    when = pd.Timestamp(scen.fixed_date if scen.date_mode == "fixed" and scen.fixed_date else day)
    codes = pd.Series([o.removesuffix(USMCA_SUFFIX) for o in origins])
    dates = pd.Series(when, index=codes.index)
    sig: list[pd.Series] = []
    for p in a.params.values():
        if not engine_reads(p.id):
            continue
        if p.applies_to_origins is not None:
            sig.append(codes.isin(p.applies_to_origins))
        if p.claim_keys:
            sig.append(codes.where(codes.isin(list(p.claim_keys)), ""))
        if p.key == "origin":
            got = attach(p, dates, codes)
            sig += [got[col] for col in ("value", "min", "max", "base", "inclusive")]
    for reg in a.postal.values():
        sig.append(asof_join(postal_periods(reg, by_origin=True), dates, codes, ["period_id"])["period_id"])
    text = [repr(row) for row in zip(*(s.tolist() for s in sig))] if sig else list(codes)
    return pd.factorize(pd.Series(text, dtype=object))[0]


def _price_by_class(lines: pd.DataFrame, wanted: list[str], aset, scen: Scenario, day: dt.date, infos, per_call: int) -> list[tuple]:  # noqa: ANN001
    """The sums of :func:`_price_as_made_in` for every origin of ``wanted``, pricing one origin per class of
    :func:`origin_classes` (a USMCA variant is its country's copy with the USMCA columns zeroed): identical to
    pricing every origin, in a fraction of the engine calls. The priced copies are not kept."""
    cls = origin_classes(aset, scen, day, wanted)
    reps = [wanted[int(np.flatnonzero(cls == k)[0])].removesuffix(USMCA_SUFFIX) for k in range(cls.max() + 1)]
    n = len(lines)
    out = []
    for i in range(0, len(reps), per_call):
        batch = reps[i : i + per_call]
        _, _, rejects, duty_cols, priced = _price_as_made_in(lines, i, batch, aset, scen, day, infos, keep_lines=True)
        for k, rep in enumerate(batch, start=i):
            mine = priced[priced["origin_scenario"] == rep]
            no_sku = (c.text_col(mine, "sku") == "").to_numpy()  # these group by HTS code and the copy's origin
            hts = c.text_col(mine, "hts_code")[no_sku] + "/"
            done: dict[tuple, tuple] = {}
            for pos in np.flatnonzero(cls == k):
                label = wanted[pos]
                usmca, code = label.endswith(USMCA_SUFFIX), label.removesuffix(USMCA_SUFFIX)
                key = (usmca, code if no_sku.any() else rep)
                if key not in done:
                    copy = mine.assign(_sku=np.where(no_sku, hts.reindex(mine.index).fillna("") + code, mine["_sku"].to_numpy())) if no_sku.any() else mine
                    done[key] = _origin_sums(_usmca(copy, np.full(len(copy), usmca), duty_cols) if usmca else copy, duty_cols)
                sums, by = done[key]
                rej = rejects[rejects["row_number"].between(2 + k * n, 1 + (k + 1) * n)] if len(rejects) else rejects
                out.append((sums.rename(index={rep: label}), by.rename(index={rep: label}, level="origin_scenario"), rej.assign(row_number=rej["row_number"] + (pos - k) * n), duty_cols, priced.head(0)))
    return out
