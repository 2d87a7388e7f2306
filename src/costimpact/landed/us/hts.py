"""US step: each line's tariff treatment from the HTS table (MFN rate, Section 301 list, Section 232 group, exemption
flags), the code matched at 10, 8 or fewer digits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet
from costimpact.assumptions.tariff import tariff_lines
from costimpact.assumptions.usitc import COUNT_UNITS, WEIGHT_UNITS
from costimpact.landed.work import _col, _Rejects, _text
from costimpact.memo import remember

HTS_TABLE = "us/hts/schedule"  # the rates; the engine prices from tariff_lines(aset), the schedule joined with its scope
FLAGS = ["ieepa_exempt", "fentanyl_exempt", "s122_exempt", "s122_aircraft", "flip_exempt"]
CLAIMS = {"civil_aircraft": "civil_aircraft", "auto_part": "auto_part"}  # order columns a line may use to claim a listed treatment


_KEYS: dict[tuple, tuple[pd.DataFrame, tuple]] = {}


def _table_keys(table: pd.DataFrame) -> tuple[np.ndarray, set, dict]:
    """(the table's keys sorted, as a set, each key's treatment), once per table."""

    def index() -> tuple[np.ndarray, set, dict]:
        keys = np.sort(table["hts"].to_numpy().astype(str))
        return keys, set(keys), dict(zip(table["hts"], table["treatment"]))

    return remember(_KEYS, table, (), index, 16)


def resolve_hts(codes: pd.Series, table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Match each code to a table key: a 10-digit code its own line, else its 8-digit line; an 8-digit code its line
    (the rule the notes state for the subheading; a statistical number carved out of it needs its 10-digit code);
    a shorter code only where every line under it gets the same treatment.

    Returns (matched key or "", why: "" | "bad" | "unknown" | "ambiguous"). Work is per distinct code.
    """
    keys, key_set, treat = _table_keys(table)

    def under(prefix: str) -> np.ndarray:
        lo, hi = np.searchsorted(keys, prefix), np.searchsorted(keys, prefix + ":")  # ':' sorts after '9'
        return keys[lo:hi]

    key_of: dict[str, str] = {}
    why_of: dict[str, str] = {}
    for c in pd.unique(codes.astype(str)):
        if not c.isdigit() or not 6 <= len(c) <= 10:
            key_of[c], why_of[c] = "", "bad"
        elif len(c) == 10 and c in key_set:
            key_of[c], why_of[c] = c, ""
        elif len(c) >= 8 and c[:8] in key_set:  # an 8-digit code is its subheading's general rule; the 10-digit carve-outs need their own code
            key_of[c], why_of[c] = c[:8], ""
        else:
            group = under(c[:8] if len(c) > 8 else c)
            kinds = {treat[k] for k in group}
            if len(kinds) == 1:
                key_of[c], why_of[c] = min(group, key=len), ""
            else:
                key_of[c], why_of[c] = "", ("ambiguous" if group.size else "unknown")
    inverse, uniq = pd.factorize(codes.astype(str))
    keys_u = np.array([key_of[u] for u in uniq] + [""], dtype=object)
    why_u = np.array([why_of[u] for u in uniq] + ["bad"], dtype=object)
    return pd.Series(keys_u[inverse], index=codes.index, dtype="str"), pd.Series(why_u[inverse], index=codes.index, dtype="str")


def apply_hts_treatment(base: pd.DataFrame, src: pd.DataFrame, aset: AssumptionSet, rej: _Rejects) -> pd.Series:
    """Attach each line's tariff treatment from the HTS table (MFN rate, Section 301 list, Section 232 group,
    exemption flags); returns the matched table key.

    Duty rates are set at 8 digits: a 10-digit code takes its own line if the table has one, else its 8-digit
    line; a shorter code only where every line under it is treated alike (spec: HTS matching). A code the table
    does not know is priced from the line's own ``mfn_rate`` (and ``s301_list``), flagged as user-supplied and
    graded unverified; without them the line is rejected. A specific MFN rate needs the units it is levied on
    (pieces, pairs, dozens, or kilograms from ``unit_weight_kg``).
    """
    rows, code = base["row"], base["code"]
    lines = tariff_lines(aset)
    hts_key, why = resolve_hts(code, lines)
    user_mfn = pd.to_numeric(_col(src, "mfn_rate", np.nan), errors="coerce")
    tab = lines.set_index("hts")
    # the table's row for each distinct matched key (one extra row: no key), worked on per key, then spread to the
    # lines by position: numpy takes, text as categoricals over the few distinct values
    key_codes, key_uniq = pd.factorize(hts_key.to_numpy(dtype=object))
    wanted = ["mfn_needs", "mfn_text", "mfn_ad_valorem", "mfn_specific_usd", "mfn_specific_unit", "s301_list", "s232", "s232_from", "metal_share", "evidence"]
    wanted += [c for c in tab.columns if c in FLAGS or (c.endswith("_from") and c[: -len("_from")] in FLAGS)]
    small = tab[wanted].reindex([k if k else None for k in key_uniq] + [None]).reset_index(drop=True)
    ki = np.where(key_codes >= 0, key_codes, len(key_uniq))

    def text(col: str) -> pd.Series:
        return pd.Series(pd.Categorical.from_codes(*_codes_of(_text(small[col])), validate=False)[ki], index=base.index)

    def number(col: str) -> np.ndarray:
        return small[col].to_numpy(dtype=float, na_value=np.nan)[ki]

    def day(col: str) -> np.ndarray:
        return pd.to_datetime(small[col]).to_numpy(dtype="datetime64[ns]")[ki]

    needs = text("mfn_needs")
    has_needs = (needs != "").to_numpy()
    unknown = (hts_key == "").to_numpy()
    why_a = why.to_numpy(dtype=object)
    # the order's own mfn_rate prices a code the schedule lacks, or one whose rate needs what the order lacks
    user_rates = user_mfn.notna().to_numpy() & (why_a != "bad") & (unknown | has_needs)
    rej.add(why_a == "bad", rows, "hts_code", code, "engine.reject.hts_bad")
    rej.add((why_a == "unknown") & ~user_rates, rows, "hts_code", code, "engine.reject.hts_unknown")
    rej.add((why_a == "ambiguous") & ~user_rates, rows, "hts_code", code, "engine.reject.hts_ambiguous")
    rej.add(has_needs & ~user_rates, rows, "hts_code", code, "engine.reject.mfn_needs", needs=lambda: needs, text=lambda: text("mfn_text"))
    known = ~unknown & ~has_needs
    base["user_rates"] = user_rates
    base["mfn_ad_valorem"] = np.where(user_rates, user_mfn.to_numpy(dtype=float), number("mfn_ad_valorem"))
    base["mfn_specific_usd"] = np.where(user_rates, 0.0, np.nan_to_num(number("mfn_specific_usd")))
    spec_unit = text("mfn_specific_unit")
    if user_rates.any():
        spec_unit = spec_unit.astype(object).where(~user_rates, "")
    base["mfn_specific_unit"] = spec_unit
    s301 = text("s301_list")
    own_list = user_rates & unknown
    if own_list.any():
        user_list = _text(_col(src, "s301_list", "")).str.upper().str.replace("LIST", "", regex=False).str.strip()
        s301 = s301.astype(object).where(~own_list, user_list)
    base["s301_list"] = s301 if isinstance(s301.dtype, pd.CategoricalDtype) else s301.astype("category")  # keys the layers look up
    base["s232"] = text("s232")
    base["s232_from"] = day("s232_from")
    base["metal_share_table"] = number("metal_share")
    dates = base["date"].to_numpy(dtype="datetime64[ns]")
    for flag in FLAGS:
        flags = small[flag].astype(object).where(small[flag].notna(), False).to_numpy(dtype=bool)[ki]
        since = f"{flag}_from"  # a line that joined an exemption list later is exempt only from that day
        if since in small:
            joined = day(since)
            flags = flags & (np.isnat(joined) | (dates >= joined))
        base[flag] = flags
    for claim in CLAIMS:
        base[f"claim_{claim}"] = src[claim].fillna(False).astype(bool).to_numpy() if claim in src else np.zeros(len(base), dtype=bool)
    grade = text("evidence")
    base["evidence"] = grade.cat.add_categories([g for g in ["unverified"] if g not in grade.cat.categories]).where(known & ~user_rates, "unverified")

    weight = pd.to_numeric(_col(src, "unit_weight_kg", np.nan), errors="coerce").to_numpy(dtype=float)
    qty = base["qty"].to_numpy(dtype=float)
    unit_text = spec_unit.astype(object).to_numpy()
    units = np.full(len(base), np.nan)
    for unit in set(pd.unique(unit_text)) - {""}:  # the few units the lines' specific rates are levied on
        if unit in COUNT_UNITS:
            units = np.where(unit_text == unit, qty * COUNT_UNITS[unit], units)
        elif unit in WEIGHT_UNITS:
            units = np.where(unit_text == unit, qty * weight * WEIGHT_UNITS[unit], units)
    base["units"] = units
    needs_units = (base["mfn_specific_usd"].to_numpy() > 0) & (unit_text != "")
    rej.add(needs_units & np.isnan(units), rows, "hts_code", code, "engine.reject.specific_units", unit=spec_unit)
    return hts_key


def _codes_of(texts: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(a code per row, the distinct texts): a few distinct values of a per-key column, for a categorical."""
    codes, uniq = pd.factorize(texts.to_numpy(dtype=object))
    return codes, pd.Index(uniq, dtype=object)
