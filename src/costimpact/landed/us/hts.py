"""US step: each line's tariff treatment from the HTS table (MFN rate, Section 301 list, Section 232 group, exemption
flags), the code matched at 10, 8 or fewer digits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet
from costimpact.assumptions.tariff import tariff_lines
from costimpact.assumptions.usitc import COUNT_UNITS, WEIGHT_UNITS
from costimpact.landed.work import _col, _Rejects, _text

HTS_TABLE = "us/hts/schedule"  # the rates; the engine prices from tariff_lines(aset), the schedule joined with its scope
FLAGS = ["ieepa_exempt", "fentanyl_exempt", "s122_exempt", "s122_aircraft", "flip_exempt"]
CLAIMS = {"civil_aircraft": "civil_aircraft", "auto_part": "auto_part"}  # order columns a line may use to claim a listed treatment


def resolve_hts(codes: pd.Series, table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Match each code to a table key: a 10-digit code its own line, else its 8-digit line; an 8-digit code its line
    (the rule the notes state for the subheading; a statistical number carved out of it needs its 10-digit code);
    a shorter code only where every line under it gets the same treatment.

    Returns (matched key or "", why: "" | "bad" | "unknown" | "ambiguous"). Work is per distinct code.
    """
    keys = np.sort(table["hts"].to_numpy().astype(str))
    key_set = set(keys)
    treat = dict(zip(table["hts"], table["treatment"]))

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
    # the table's row for each distinct matched key, then spread to the lines by position (no per-line reindex)
    key_codes, key_uniq = pd.factorize(hts_key.to_numpy(dtype=object))
    wanted = ["mfn_needs", "mfn_text", "mfn_ad_valorem", "mfn_specific_usd", "mfn_specific_unit", "s301_list", "s232", "s232_from", "metal_share", "evidence"]
    wanted += [c for c in tab.columns if c in FLAGS or (c.endswith("_from") and c[: -len("_from")] in FLAGS)]
    small = tab[wanted].reindex([k if k else None for k in key_uniq] + [None]).reset_index(drop=True)
    treat = small.take(np.where(key_codes >= 0, key_codes, len(key_uniq)))
    treat.index = base.index
    needs = _text(treat["mfn_needs"])
    # the order's own mfn_rate prices a code the schedule lacks, or one whose rate needs what the order lacks
    user_rates = user_mfn.notna() & (why != "bad") & ((hts_key == "") | (needs != ""))
    rej.add((why == "bad").to_numpy(), rows, "hts_code", code, "engine.reject.hts_bad")
    rej.add(((why == "unknown") & ~user_rates).to_numpy(), rows, "hts_code", code, "engine.reject.hts_unknown")
    rej.add(((why == "ambiguous") & ~user_rates).to_numpy(), rows, "hts_code", code, "engine.reject.hts_ambiguous")
    rej.add(((needs != "") & ~user_rates).to_numpy(), rows, "hts_code", code, "engine.reject.mfn_needs", needs=needs, text=_text(treat["mfn_text"]))
    known = (hts_key != "") & (needs == "")
    base["user_rates"] = user_rates
    base["mfn_ad_valorem"] = treat["mfn_ad_valorem"].astype(float).where(~user_rates, user_mfn)
    base["mfn_specific_usd"] = treat["mfn_specific_usd"].astype(float).fillna(0.0).where(~user_rates, 0.0)
    base["mfn_specific_unit"] = _text(treat["mfn_specific_unit"]).where(~user_rates, "")
    user_list = _text(_col(src, "s301_list", "")).str.upper().str.replace("LIST", "", regex=False).str.strip()
    base["s301_list"] = _text(treat["s301_list"]).where(~(user_rates & (hts_key == "")), user_list)
    base["s232"] = _text(treat["s232"])
    base["s232_from"] = pd.to_datetime(treat["s232_from"]).astype("datetime64[ns]")
    base["metal_share_table"] = treat["metal_share"].astype(float)
    for flag in FLAGS:
        base[flag] = treat[flag].astype(object).where(treat[flag].notna(), False).astype(bool)
        since = f"{flag}_from"  # a line that joined an exemption list later is exempt only from that day
        if since in treat:
            joined = pd.to_datetime(treat[since]).astype("datetime64[ns]")
            base[flag] = base[flag] & (joined.isna() | (base["date"] >= joined))
    for claim in CLAIMS:
        base[f"claim_{claim}"] = _col(src, claim, False).fillna(False).astype(bool)
    base["evidence"] = _text(treat["evidence"]).where(~user_rates, "unverified").where(known | user_rates, "unverified")

    spec_unit = base["mfn_specific_unit"]
    weight = pd.to_numeric(_col(src, "unit_weight_kg", np.nan), errors="coerce")
    units = pd.Series(np.nan, index=base.index)
    for unit, per in COUNT_UNITS.items():
        units = units.where(spec_unit != unit, base["qty"] * per)
    for unit, per in WEIGHT_UNITS.items():
        units = units.where(spec_unit != unit, base["qty"] * weight * per)
    base["units"] = units
    needs_units = (base["mfn_specific_usd"] > 0) & (spec_unit != "")
    rej.add((needs_units & base["units"].isna()).to_numpy(), rows, "hts_code", code, "engine.reject.specific_units", unit=spec_unit)
    return hts_key
