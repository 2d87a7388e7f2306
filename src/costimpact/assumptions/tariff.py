"""The US tariff lines the engine prices from: the schedule (rates, ``us/hts/schedule``) joined with one scope
table per measure (``us/scope/*``) and the curated overlay of Chinese names (``us/hts/hts_us``).

Keys are the schedule's 8-digit lines plus every 10-digit statistical number a scope table or the overlay names
(its rate is its 8-digit line's). A line falls under a scope entry by its longest listed prefix (a subheading, an
8-digit line or a 10-digit number); an entry marked ``excluded`` carves a number out of its subheading.
The compiled frame is kept per assumption hash, in memory and as a pickle in the user cache folder
(``$COSTIMPACT_CACHE``, else ``$XDG_CACHE_HOME/costimpact``, else ``~/.cache/costimpact``), so a cold start reads
one file instead of joining the tables again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.assumptions.loader import AssumptionSet, cache_dir, pickle_cache

SCHEDULE = "us/hts/schedule"
OVERLAY = "us/hts/hts_us"
S301, S122, S232 = "us/scope/s301", "us/scope/s122", "us/scope/s232"
S301_SUPERSEDED = "us/scope/s301_superseded"
EXEMPT = {"ieepa_exempt": "us/scope/ieepa_exempt", "fentanyl_exempt": "us/scope/fentanyl_exempt", "flip_exempt": "us/scope/flip_exempt"}
METAL_SHARE = "us/scope/metal_share"
#: What the engine reads of a line; two lines with the same values are priced alike (code resolution uses it).
TREATMENT = ["mfn_ad_valorem", "mfn_specific_usd", "mfn_specific_unit", "mfn_needs", "s301_list", "s232", "s232_from", "metal_share",
             "ieepa_exempt", "ieepa_exempt_from", "fentanyl_exempt", "s122_exempt", "s122_aircraft", "flip_exempt"]
_GRADE_RANK = {"confirmed": 0, "secondary": 1, "unverified": 2}
_GRADES = np.array(["confirmed", "secondary", "unverified"])
_MEMO: dict[str, pd.DataFrame] = {}
# the compiled shape follows this module's code: a changed module never reads an older cache file
_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def tariff_lines(aset: AssumptionSet) -> pd.DataFrame:
    """Every priceable US tariff line with its rate, scope and grade (one row per key ``hts``)."""
    key = f"{_VERSION}-{aset.content_hash}"
    hit = _MEMO.get(key)
    if hit is not None:
        return hit
    path = cache_dir() / f"tariff-lines-{key[:52]}.pkl"
    frame = pickle_cache(path, lambda: compile_lines(aset), lambda f: isinstance(f, pd.DataFrame))
    if len(_MEMO) > 8:
        _MEMO.clear()
    _MEMO[key] = frame
    return frame


def _prefix_frame(keys: np.ndarray) -> pd.DataFrame:
    """(line, prefix, plen) for every listed prefix length of every key."""
    s = pd.Series(keys, dtype=object)
    parts = [pd.DataFrame({"line": s[s.str.len() >= n], "prefix": s[s.str.len() >= n].str[:n], "plen": n}) for n in (2, 4, 6, 8, 10)]
    return pd.concat(parts, ignore_index=True)


def _longest(prefixes: pd.DataFrame, scope: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """For each line (and each value of ``by``), the scope row of its longest matching prefix."""
    m = prefixes.merge(scope, left_on="prefix", right_on="hts", how="inner")
    return m.sort_values("plen", kind="stable").drop_duplicates(["line", *by], keep="last")


def _grade(aset: AssumptionSet, tid: str) -> int:
    return _GRADE_RANK[aset.tables[tid].header.evidence]


def compile_lines(aset: AssumptionSet) -> pd.DataFrame:
    """Join the schedule, the scope tables and the overlay (see the module docstring)."""
    sched = aset.table(SCHEDULE).set_index("hts")
    named = [aset.table(t)["hts"] for t in (S301, S122, S232, OVERLAY, *EXEMPT.values()) if t in aset.tables]
    tens = pd.unique(pd.concat(named, ignore_index=True)) if named else np.array([], dtype=object)
    tens = np.array([c for c in tens if len(c) == 10 and c[:8] in sched.index], dtype=object)
    keys = np.concatenate([sched.index.to_numpy(dtype=object), tens])
    out = sched.reindex([k[:8] for k in keys]).reset_index(drop=True)
    out.insert(0, "hts", keys)
    prefixes = _prefix_frame(keys)
    grade = np.full(len(keys), _grade(aset, SCHEDULE))
    pos = pd.Series(np.arange(len(keys)), index=keys)

    def touch(tid: str, hit_keys: pd.Series | np.ndarray) -> None:
        idx = pos.reindex(pd.unique(np.asarray(hit_keys, dtype=object))).dropna().to_numpy(dtype=int)
        grade[idx] = np.maximum(grade[idx], _grade(aset, tid))

    s301 = pd.Series("", index=keys, dtype=object)
    if S301 in aset.tables:
        listed = pd.concat([aset.table(t) for t in (S301, S301_SUPERSEDED) if t in aset.tables], ignore_index=True)
        on = _longest(prefixes, listed, ["heading"])
        on = on[~on["excluded"].astype(bool)]
        joined = on.groupby("line")["key"].agg(lambda s: "|".join(sorted(set(s))))
        s301.loc[joined.index] = joined.to_numpy()
        touch(S301, joined.index)
    out["s301_list"] = s301.to_numpy()
    for col, code in (("s122_exempt", "general"), ("s122_aircraft", "civil_aircraft")):
        flag = np.zeros(len(keys), dtype=bool)
        if S122 in aset.tables:
            scope = aset.table(S122)
            on = _longest(prefixes, scope[scope["key"] == code], ["heading"])
            on = on[~on["excluded"].astype(bool)]
            flag = pos.index.isin(on["line"])
            touch(S122, pos.index[flag])
        out[col] = flag
    group = pd.Series("", index=keys, dtype=object)
    joined_on = pd.Series(pd.NaT, index=keys, dtype="datetime64[ns]")
    if S232 in aset.tables:  # a line may be on several lists (an old derivative list, then a 2026 annex)
        on = _longest(prefixes, aset.table(S232), ["group"])
        joined = on.groupby("line")["group"].agg(lambda s: "|".join(sorted(set(s))))
        group.loc[joined.index] = joined.to_numpy()
        dated = on.dropna(subset=["from"]).groupby("line")["from"].max()
        joined_on.loc[dated.index] = pd.to_datetime(dated).to_numpy()
        touch(S232, joined.index)
    out["s232"] = group.to_numpy()
    out["s232_from"] = joined_on.to_numpy()
    share = aset.table(METAL_SHARE).set_index("hts")["metal_share"] if METAL_SHARE in aset.tables else pd.Series(dtype=float)
    out["metal_share"] = share.reindex([k[:8] for k in keys]).to_numpy(dtype=float)
    out["metal_share_source"] = np.where(np.isnan(out["metal_share"].to_numpy()), "", METAL_SHARE)
    for col, tid in EXEMPT.items():
        flag = np.zeros(len(keys), dtype=bool)
        since = pd.Series(pd.NaT, index=keys, dtype="datetime64[ns]")
        if tid in aset.tables:
            on = _longest(prefixes, aset.table(tid), [])
            flag = pos.index.isin(on["line"])
            if "from" in on:
                since.loc[on["line"].to_numpy()] = pd.to_datetime(on["from"]).to_numpy()
            touch(tid, pos.index[flag])
        out[col] = flag
        out[f"{col}_from"] = since.to_numpy()
    names = aset.table(OVERLAY).set_index("hts") if OVERLAY in aset.tables else pd.DataFrame(columns=["description_zh", "note"])
    for col in ("description_zh", "note"):
        own = names[col].reindex(keys) if col in names else pd.Series(np.nan, index=keys)
        parent = names[col].reindex([k[:8] for k in keys]) if col in names else own
        out[col] = own.fillna(pd.Series(parent.to_numpy(), index=keys)).fillna("").to_numpy(dtype=object)
    out["evidence"] = _GRADES[grade]
    out["source"] = aset.tables[SCHEDULE].header.source or ""
    out["treatment"] = pd.util.hash_pandas_object(out[TREATMENT], index=False).to_numpy()
    return out.sort_values("hts", kind="stable").reset_index(drop=True)
