"""US step: the duty layers (MFN, Section 301, 232, the IEEPA tariffs, Section 122, the forced-labor 301 ...), each
with its scope, exemptions, claims and exclusivity."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Parameter, value_at
from costimpact.assumptions.tariff import METAL_SHARE
from costimpact.landed.money import round_cents
from costimpact.landed.result import LayerInfo
from costimpact.landed.work import _grade_rank, _Work, constant

P_METAL_SHARE = "us/entry/metal_share_default"


def layer_name(param: Parameter) -> str:
    return param.id.rsplit("/", 1)[-1]


def ieepa_layer_names(aset: AssumptionSet) -> set[str]:
    """The layers resting on IEEPA (refund exposure; the postal regimes built on them)."""
    return {layer_name(p) for p in aset.layers() if p.ieepa}


def layer_infos(aset: AssumptionSet) -> tuple[LayerInfo, ...]:
    """The duty columns in output order: MFN, the layer files, then the postal duty."""
    mfn = LayerInfo("mfn", "duty_mfn_usd", "MFN (column 1 general) duty", "最惠国（第一栏普通）税", False)
    postal = LayerInfo("postal", "duty_postal_usd", "Postal duty in lieu of other duties", "邮政替代关税", True)
    return (mfn, *(LayerInfo(layer_name(p), p.column or "", p.label, p.label_zh, p.ieepa) for p in aset.layers()), postal)


def apply_duty_layers(w: _Work) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list]:
    """Every duty layer on every dutiable line: value x rate, rounded half up to the cent.

    MFN comes from the HTS table (ad valorem plus any specific part). Each layer file gives a rate keyed by
    origin or by a product attribute (Section 301 list, Section 232 group), limited by ``applies_to_origins``,
    zeroed by the product's exemption flags (``exempt_if``) and by the scenario (``disable_layers``). A layer
    that ``covers_share`` (Section 232) charges the full value or the metal share (``metal_value_share``, default
    from ``us/entry/metal_share_default``); layers that exclude it (reciprocal, Section 122, forced-labor 301)
    charge only the rest. An ``inclusive`` rate tops MFN up to the rate (EU/Japan all-in rates).
    Returns (duties by layer, rates before exemptions by layer, the periods each layer used).
    """
    P, m = w.P, w.m
    value = P["value"].to_numpy()
    dutiable = ~P["de_minimis"].to_numpy()
    av = P["mfn_ad_valorem"].to_numpy(dtype=float)
    specific = P["mfn_specific_usd"].to_numpy(dtype=float)
    mfn_raw = np.where(specific > 0, av * value + specific * np.nan_to_num(P["units"].to_numpy(dtype=float)), av * value)
    duties: dict[str, np.ndarray] = {"mfn": np.where(dutiable, round_cents(mfn_raw), 0.0)}
    mfn_rate = np.divide(mfn_raw, value, out=np.zeros(m), where=value > 0)
    covered: dict[str, np.ndarray] = {}
    before_exempt: dict[str, np.ndarray] = {}
    layer_used: list[tuple[pd.Series, np.ndarray, np.ndarray]] = []
    default_share = value_at(w.aset.param(P_METAL_SHARE), P["date"].min() if m else dt.date.today())
    share_in = P["metal_share"].to_numpy(dtype=float)
    share_line = P["metal_share_table"].to_numpy(dtype=float)  # the per-line estimate (unverified), else the flat default
    from_table = np.isnan(share_in) & ~np.isnan(share_line)
    metal_share = np.where(np.isnan(share_in), np.where(from_table, share_line, default_share.value if default_share else 1.0), share_in)
    excl_applied = np.zeros(m, dtype=bool)  # lines whose claimed product exclusion took a layer off
    for layer in w.aset.layers():
        name = layer_name(layer)
        keys = P[layer.key] if layer.key else None
        if keys is not None and not isinstance(keys.dtype, pd.CategoricalDtype):
            keys = keys.astype(str)
        for key, claim in layer.claim_keys.items():  # a key that needs the order's claim is dropped where not claimed
            if keys is not None:
                drop = ~P[f"claim_{claim}"].to_numpy(dtype=bool)
                if drop.any():  # strip the key from each distinct cell once, then spread back to the lines
                    codes, uniq = pd.factorize(keys)
                    stripped = np.array(["|".join(x for x in str(u).split("|") if x != key) for u in uniq] + [np.nan], dtype=object)
                    keys = pd.Series(np.where(drop, stripped[codes], keys.to_numpy(dtype=object)), index=keys.index)
        got = _attach_layer(w, layer, keys, metal_share)
        rate = got["value"].fillna(0.0).to_numpy()
        if layer.key == "s232":  # a line that joined its group's list later pays nothing before that day
            joined = P["s232_from"].to_numpy(dtype="datetime64[ns]")
            rate = np.where(~np.isnat(joined) & (P["date"].to_numpy(dtype="datetime64[ns]") < joined), 0.0, rate)
        if layer.applies_to_origins is not None:
            rate = np.where(P["origin"].isin(layer.applies_to_origins).to_numpy(), rate, 0.0)
        rate = np.where(w.disabled(name), 0.0, rate)
        before_exempt[name] = rate
        for flag in layer.exempt_if:
            rate = np.where(P[flag].to_numpy(dtype=bool), 0.0, rate)
        for flag, claim in layer.exempt_if_claimed.items():  # a listed product the order claims (civil aircraft parts)
            rate = np.where(P[flag].to_numpy(dtype=bool) & P[f"claim_{claim}"].to_numpy(dtype=bool), 0.0, rate)
        if layer.claimable_exclusion is not None:  # a claimed product exclusion, while the exclusions are in force
            claimed = P["excl_claimed"].to_numpy(dtype=bool) & (rate > 0)
            if claimed.any():
                excl = w.attach(layer.claimable_exclusion)
                granted = claimed & (excl["value"].fillna(0.0).to_numpy() > 0)
                w.note(excl["period_id"], claimed, excl["evidence"])
                excl_applied |= granted
                rate = np.where(granted, 0.0, rate)
        if layer.covers_share:
            on_metal = got["base"].to_numpy() == "metal_share"
            share = np.where(rate > 0, np.where(on_metal, metal_share, 1.0), 0.0)
            estimated = dutiable & (rate > 0) & on_metal & from_table
            if estimated.any():  # the per-line estimate is a source the result must list, with its grade
                w.note(pd.Series(pd.Categorical.from_codes(estimated.astype(np.int64), categories=["", f"{METAL_SHARE}#0"])), estimated,
                       constant(m, w.aset.tables[METAL_SHARE].header.evidence))
            covered[name] = share
            base = value * share
        else:
            skip = sum((covered.get(x, np.zeros(m)) for x in layer.excludes), np.zeros(m))
            base = value * np.clip(1.0 - skip, 0.0, 1.0)
        eff = np.where(got["inclusive"].to_numpy(dtype=bool), np.maximum(rate - mfn_rate, 0.0), rate)
        duties[name] = np.where(dutiable, round_cents(base * eff), 0.0)
        layer_used.append((got["period_id"], dutiable & (rate > 0), _grade_rank(got["evidence"])))
    P["excl_applied"] = excl_applied
    return duties, before_exempt, layer_used


def _attach_layer(w: _Work, layer: Parameter, keys: pd.Series | None, metal_share: np.ndarray) -> pd.DataFrame:
    """The layer's period in force per line; for a ``multi_key`` layer a key cell may name several keys ("4A|9903.91.06")
    and the one charging most in force applies (a rate on the metal content weighs by the line's metal share)."""
    if not layer.multi_key or keys is None or not keys.str.contains("|", regex=False).any():
        return w.attach(layer.id, keys)
    codes, uniq = pd.factorize(keys)  # split each distinct cell once; a missing cell names no key
    split = pd.Series(uniq, dtype=object).astype(str).str.split("|", expand=True).fillna("")
    parts = []
    for i in split.columns:  # each part as a categorical over the few distinct keys (codes move, not strings)
        part_codes, part_keys = pd.factorize(np.append(split[i].to_numpy(dtype=object), ""))
        parts.append(pd.Series(pd.Categorical.from_codes(part_codes[codes], categories=part_keys), index=keys.index))

    def charge(got: pd.DataFrame, share: np.ndarray) -> np.ndarray:
        return got["value"].fillna(-1.0).to_numpy() * np.where(got["base"].to_numpy() == "metal_share", share, 1.0)

    best = w.attach(layer.id, parts[0])
    versions = [layer] if w.versions is None else [a.param(layer.id) for a in w.versions.asets]
    star = any(p.key == "*" for v in versions for p in v.values)  # without a default key, an empty part finds nothing
    for i in range(1, len(parts)):
        rows = np.arange(len(keys)) if star else np.flatnonzero((parts[i] != "").to_numpy())
        if not len(rows):
            continue
        other = w.attach(layer.id, parts[i], rows=rows)
        better = charge(other, metal_share[rows]) > charge(best.iloc[rows], metal_share[rows])
        if better.any():
            best = _take_rows(best, other, rows[better], np.flatnonzero(better))
    return best


def _take_rows(best: pd.DataFrame, other: pd.DataFrame, at: np.ndarray, src: np.ndarray) -> pd.DataFrame:
    """``best`` with rows ``at`` taken from ``other``'s rows ``src`` (text columns stay categorical: codes are moved,
    not strings)."""
    out = best.copy()
    for c in best.columns:
        a, b = best[c], other[c]
        if isinstance(a.dtype, pd.CategoricalDtype) and isinstance(b.dtype, pd.CategoricalDtype):
            cats = a.cat.categories.union(b.cat.categories)
            codes = np.append(cats.get_indexer(a.cat.categories), -1)[a.cat.codes.to_numpy()]
            codes[at] = np.append(cats.get_indexer(b.cat.categories), -1)[b.cat.codes.to_numpy()[src]]
            out[c] = pd.Categorical.from_codes(codes, categories=cats)
        else:
            kind = float if c in ("value", "min", "max") else bool if c == "inclusive" else object
            col = a.to_numpy(dtype=kind).copy()
            col[at] = b.to_numpy(dtype=kind)[src]
            out[c] = col
    return out
