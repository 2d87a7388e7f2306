"""Price order lines under the US rules in force on their dates: pure and vectorised (no row loops).

The flow, each step a function below: customs value in USD -> HTS treatment -> shipments -> de minimis ->
entry type -> duty layers (with their scope, exemptions and exclusivity) -> postal regimes -> fees -> landed
cost. Every rate, threshold and date comes from the assumption set; none is written here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Parameter, Scenario, attach, value_at, with_scenario
from costimpact.assumptions.lookup import ATTACH_COLUMNS, asof_join, periods_frame, postal_periods
from costimpact.assumptions.tariff import METAL_SHARE, tariff_lines
from costimpact.assumptions.usitc import COUNT_UNITS, WEIGHT_UNITS
from costimpact.errors import ArgumentError
from costimpact.i18n import t
from costimpact.landed.boundary import check_lines
from costimpact.landed.money import allocate_cents, round_cents, to_cents
from costimpact.landed.result import ENTRY_TYPES, FEE_DETAIL_COLUMNS, MODES, REJECT_COLUMNS, LayerInfo

HTS_TABLE = "us/hts/schedule"  # the rates; the engine prices from tariff_lines(aset), the schedule joined with its scope
FLAGS = ["ieepa_exempt", "fentanyl_exempt", "s122_exempt", "s122_aircraft", "flip_exempt"]
CLAIMS = {"civil_aircraft": "civil_aircraft", "auto_part": "auto_part"}  # order columns a line may use to claim a listed treatment
GRADE_RANK = {"confirmed": 0, "secondary": 1, "unverified": 2}
GRADE_MARK = np.array(["C", "C2", "U"])

P_DE_MINIMIS = "us/entry/de_minimis"
P_INFORMAL_LIMIT = "us/entry/informal_limit"
P_POSTAL_METHOD = "us/entry/postal_duty_method"
P_METAL_SHARE = "us/entry/metal_share_default"
P_POSTAL = "us/entry/postal"
P_FX = "fx/per_usd"
P_MPF_FORMAL = "us/fees/mpf_formal"
P_MPF_INFORMAL = "us/fees/mpf_informal"
P_HMF = "us/fees/hmf"
P_MAIL_FEE = "us/fees/dutiable_mail_fee"
P_BROKER = "us/fees/broker_formal"
P_ISF = "us/fees/isf"
P_BOND = "us/fees/bond_single_entry"
P_CARRIER_FEE = "us/fees/carrier_clearance_fee"
P_CARRIER_ADV = "us/fees/carrier_duty_advancement"


@dataclass
class _Rejects:
    """Collects every problem of every row (pandera's lazy validation shape)."""

    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, mask: np.ndarray, rows: pd.Series, column: str, values: pd.Series, key: str, **fmt: pd.Series | str) -> None:
        if not mask.any():
            return
        m = np.asarray(mask, dtype=bool)
        vals = _text(values[m]).to_numpy(dtype=object)  # a missing value shows as "" (never takes another's message)
        n = int(m.sum())
        extra = {k: (v[m].astype(str).to_numpy() if isinstance(v, pd.Series) else np.full(n, v, dtype=object)) for k, v in fmt.items()}
        # Messages are formatted once per distinct combination, then joined back to the rows.
        combo = pd.DataFrame({"value": vals, **extra})
        codes, uniq = pd.factorize(pd.MultiIndex.from_frame(combo)) if len(combo.columns) > 1 else pd.factorize(combo["value"])
        uniq_frame = pd.DataFrame(list(uniq), columns=combo.columns) if len(combo.columns) > 1 else pd.DataFrame({"value": uniq})
        en_u = np.array([t(key, "en", **rec) for rec in uniq_frame.to_dict("records")], dtype=object)
        zh_u = np.array([t(key, "zh", **rec) for rec in uniq_frame.to_dict("records")], dtype=object)
        en, zh = en_u[codes], zh_u[codes]
        self.parts.append(pd.DataFrame({"row_number": rows[m].to_numpy(), "column": column, "value": vals, "problem": en, "problem_zh": zh}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row_number" else object) for c in REJECT_COLUMNS})
        return pd.concat(self.parts, ignore_index=True)[REJECT_COLUMNS].sort_values("row_number", kind="stable").reset_index(drop=True)


def _col(df: pd.DataFrame, name: str, default: object) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([default] * len(df), index=df.index, dtype=object if isinstance(default, str) or default is None else float)


def _text(s: pd.Series) -> pd.Series:
    """Text (pandas' vectorised string dtype) with missing values as empty strings (never "nan", whatever the
    pandas version: on pandas 2 ``astype("str")`` writes a missing value as the text "nan")."""
    if str(s.dtype) != "str":  # pandas 3's text dtype keeps a missing cell missing; an object column may not
        s = s.astype(object).where(s.notna(), "")
    return s.astype("str").fillna("").str.strip()


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


@dataclass(frozen=True)
class _Versions:
    """The assumption set each line is priced under: the scenario's, or in variant mode one per scenario variant
    (``variant`` gives each line's index into ``asets`` and ``scenarios``)."""

    asets: tuple[AssumptionSet, ...]
    scenarios: tuple[Scenario, ...]
    variant: np.ndarray | None = None

    def take(self, sel: np.ndarray) -> _Versions:
        return _Versions(self.asets, self.scenarios, None if self.variant is None else self.variant[sel])

    def attach(self, pid: str, dates: pd.Series, keys: pd.Series | None = None) -> pd.DataFrame:
        return attach_versions([a.param(pid) for a in self.asets], self.variant, dates, keys)

    def where_scenario(self, m: int, test) -> np.ndarray:  # noqa: ANN001
        """Per line: whether ``test(scenario)`` holds for the line's scenario."""
        hits = [bool(test(s)) for s in self.scenarios]
        if self.variant is None:
            return np.full(m, hits[0])
        return np.asarray(hits, dtype=bool)[self.variant]


def attach_versions(versions: list[Parameter], variant: np.ndarray | None, dates: pd.Series, keys: pd.Series | None = None) -> pd.DataFrame:
    """:func:`attach` with each line reading its own variant's version of a parameter, in one join. Versions a
    scenario did not change are the same object and versions with the same periods are looked up as one; the period
    ids of a changed version carry ``@i`` (the first variant holding it), since its periods are numbered apart."""
    first = versions[0]
    if variant is None or all(v is first for v in versions):
        return attach(first, dates, keys)
    slot: dict[object, int] = {}
    which = np.empty(len(versions), dtype=np.int64)
    frames = []
    for i, v in enumerate(versions):
        content = id(v) if v is first else tuple((p.key, p.from_, p.until, p.value, p.min, p.max, p.base, p.inclusive, p.evidence, p.scenario) for p in v.values)
        if content not in slot:
            slot[content] = len(frames)
            frame = periods_frame(v).assign(_g=len(frames))
            if v is not first:
                frame["period_id"] = frame["period_id"] + f"@{i}"
            frames.append(frame)
        which[i] = slot[content]
    return asof_join(pd.concat(frames, ignore_index=True), dates, keys, ATTACH_COLUMNS, groups=which[variant])


@dataclass
class _Work:
    """The priceable lines while the steps run: ``P`` gains columns step by step; ``used`` and ``grade`` record
    which assumption periods the numbers came from and the weakest evidence grade of each line."""

    aset: AssumptionSet
    scenario: Scenario
    P: pd.DataFrame
    rows: np.ndarray  # input row numbers (ties in cent allocation go by row, not by position)
    versions: _Versions | None = None
    used: list[pd.Series] = field(default_factory=list)
    grade: np.ndarray | None = None

    @property
    def m(self) -> int:
        return len(self.P)

    def attach(self, pid: str, keys: pd.Series | None = None) -> pd.DataFrame:
        """The period of parameter ``pid`` in force on each line's pricing date (its variant's version)."""
        if self.versions is None:
            return attach(self.aset.param(pid), self.P["date"], keys)
        return self.versions.attach(pid, self.P["date"], keys)

    def disabled_all(self, layers: set[str]) -> np.ndarray:
        """Per line: whether its scenario switches every one of ``layers`` off."""
        if self.versions is None:
            return np.full(self.m, layers <= set(self.scenario.disable_layers))
        return self.versions.where_scenario(self.m, lambda s: layers <= set(s.disable_layers))

    def disabled(self, layer: str) -> np.ndarray:
        """Per line: whether its scenario switches ``layer`` off."""
        if self.versions is None:
            return np.full(self.m, layer in self.scenario.disable_layers)
        return self.versions.where_scenario(self.m, lambda s: layer in s.disable_layers)

    def note(self, period_ids: pd.Series, applied: np.ndarray | None = None, evidence: pd.Series | None = None) -> None:
        hit = np.ones(self.m, dtype=bool) if applied is None else applied
        self.used.append(period_ids.where(hit, "") if applied is not None else period_ids)
        if evidence is not None:
            self.grade = np.maximum(self.grade, np.where(hit, _grade_rank(evidence), 0))


def price_lines(
    lines: pd.DataFrame,
    aset: AssumptionSet,
    scenario: Scenario,
    as_of: dt.date,
    price_dates: pd.Series | np.ndarray | None = None,
    variants: tuple[Scenario, ...] | list[Scenario] | None = None,
    variant: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Price normalised order lines under ``scenario``. Returns (priced lines, rejects, used periods).

    ``price_dates`` (one date per line) sets the date whose law prices each line, whatever the scenario's date
    mode; the lines still travel on their own ``ship_date``, so shipments and buyers' days stay as they were.

    Variant mode prices many scenarios in one call: ``variants`` are scenarios differing from ``scenario`` only in
    their overrides and switched-off layers, and ``variant`` gives each line's index into them. Lines of different
    variants never share a shipment or a buyer's day, so the same order lines may be given once per variant.

    ``lines`` is never mutated. Lines that cannot be priced (unknown HTS code without ``mfn_rate``, no
    exchange rate, a specific duty that needs a weight, a destination other than the US) are rejected with
    their row number and reason; every other line comes out, in input order, through the steps below.
    """
    versions = _variant_versions(aset, scenario, variants, variant, len(lines))
    aset = with_scenario(aset, scenario)
    src, boundary_rejects, transit = check_lines(lines, aset)  # the one place input cells are checked
    rej = _Rejects([boundary_rejects] if len(boundary_rejects) else [])
    base, unit_value, freight = _read_lines(src, scenario, as_of, rej)
    if price_dates is not None:
        base["date"] = pd.to_datetime(np.asarray(price_dates)).astype("datetime64[ns]")
    if versions is not None:
        base["variant"] = versions.variant
    hts_key = apply_hts_treatment(base, src, aset, rej)
    apply_currency(base, aset, rej, versions)
    rejects = rej.frame()
    ok = ~np.isin(base["row"].to_numpy(), rejects["row_number"].to_numpy())
    sel = np.flatnonzero(ok)

    w = _Work(aset, scenario, base.iloc[sel].reset_index(drop=True), base["row"].to_numpy()[sel], versions=None if versions is None else versions.take(sel))
    w.grade = np.maximum(_grade_rank(w.P["fx_grade"]), _grade_rank(w.P["evidence"]))
    w.note(w.P["fx_pid"])
    if transit is not None:  # entry dates assumed from dispatch dates: the transit days used, graded
        t_used = transit.iloc[sel].reset_index(drop=True)
        w.note(t_used["period_id"], t_used["period_id"].to_numpy() != "", t_used["evidence"])
    apply_customs_value(w, unit_value.to_numpy()[sel], freight.to_numpy()[sel])
    apply_shipments(w)
    apply_de_minimis(w)
    apply_entry_type(w)
    duties, before_exempt, layer_used = apply_duty_layers(w)
    treatment, postal_ieepa, mail_fee_cents = apply_postal_regimes(w, duties, before_exempt)
    in_lieu = np.char.startswith(np.asarray(treatment, dtype=str), "in_lieu")
    for pid, applied, rank in layer_used:  # a layer counts as used where charged, not where a postal duty replaced it
        hit = applied & ~in_lieu
        w.used.append(pid.where(hit, ""))
        w.grade = np.maximum(w.grade, np.where(hit, rank, 0))
    duty_total = sum(duties.values(), np.zeros(w.m))
    ieepa_names = ieepa_layer_names(aset)
    ieepa_exposure = sum((duties[x] for x in ieepa_names), np.zeros(w.m)) + np.where(postal_ieepa, duties["postal"], 0.0)
    fees = apply_fees(w, duty_total, mail_fee_cents)
    out = _assemble(w, src.iloc[sel], duties, duty_total, fees, ieepa_exposure, treatment, hts_key.iloc[sel].array)
    return out, rejects, _used_periods(aset, w.used, versions)


def _variant_versions(aset: AssumptionSet, scenario: Scenario, variants, variant, n: int) -> _Versions | None:  # noqa: ANN001
    """The assumption set of each variant, after checking the variants can share one call."""
    if variants is None and variant is None:
        return None
    if variants is None or variant is None or not len(variants):
        raise ArgumentError("variant mode needs both the scenarios (variants=) and each line's index into them (variant=)")
    idx = np.asarray(variant, dtype=np.int64)
    if len(idx) != n or (n and (idx.min() < 0 or idx.max() >= len(variants))):
        raise ArgumentError(f"variant= must give each of the {n} lines an index from 0 to {len(variants) - 1}")
    for v in variants:
        if v.options != scenario.options or v.date_mode != scenario.date_mode or v.fixed_date != scenario.fixed_date:
            raise ArgumentError(f"scenario variant {v.name!r} differs from {scenario.name!r} in more than its overrides and layers")
    return _Versions(tuple(with_scenario(aset, v) for v in variants), tuple(variants), idx)


def line_dates(src: pd.DataFrame, scenario: Scenario, as_of: dt.date) -> tuple[pd.Series, pd.Series]:
    """(the date whose law prices each line, the day it travelled). The scenario's date mode picks the first: the
    line's own ``ship_date`` (``line``; lines without one take the as-of date), one fixed date (``fixed``) or the
    as-of date (``as_of``); the travel day is always the line's own (shipments and buyers' days are physical)."""
    ship_date = pd.to_datetime(_col(src, "ship_date", None), errors="coerce")
    as_of_ts = pd.Timestamp(as_of)
    if scenario.date_mode == "line":
        price_date = ship_date.fillna(as_of_ts)
    elif scenario.date_mode == "fixed":
        price_date = pd.Series(pd.Timestamp(scenario.fixed_date), index=src.index)
    else:
        price_date = pd.Series(as_of_ts, index=src.index)
    return price_date.astype("datetime64[ns]"), ship_date.fillna(as_of_ts).astype("datetime64[ns]")


def _read_lines(src: pd.DataFrame, scenario: Scenario, as_of: dt.date, rej: _Rejects) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The columns the rules read, with the spec's defaults, and the date each line is priced at.

    The scenario picks the pricing date: its own ``ship_date`` (``line``; lines without one use the as-of date),
    one fixed date (``fixed``, e.g. 2024-12-31 for pre-2025) or the as-of date (``as_of``). Lines bound for
    another country, with an unknown mode or without a positive value are rejected.
    """
    n = len(src)
    rows = _col(src, "row_number", None)
    rows = pd.Series(np.arange(2, n + 2), index=src.index) if rows.isna().all() else rows.astype("int64")
    price_date, travel_date = line_dates(src, scenario, as_of)
    order_id = _text(_col(src, "order_id", ""))
    base = pd.DataFrame(
        {
            "row": rows.astype("int64"),
            "origin": _text(_col(src, "origin_country", "")).str.upper(),
            "dest": _text(_col(src, "destination_country", "US")).str.upper().replace("", "US"),
            "mode": _text(_col(src, "shipping_mode", "express")).replace("", "express"),
            "currency": _text(_col(src, "currency", "USD")).str.upper().replace("", "USD"),
            "qty": pd.to_numeric(_col(src, "quantity", 1.0), errors="coerce").fillna(1.0).astype(float),
            "code": _text(_col(src, "hts_code", "")).str.replace(r"[^0-9]", "", regex=True),
            "date": price_date,
            # shipments and a buyer's day are physical facts: grouped by the day the goods travelled, even
            # when a scenario prices every line as of another date
            "travel_date": travel_date,
            "shipment": _text(_col(src, "shipment_id", "")).where(lambda s: s != "", order_id),
            "consignee": _text(_col(src, "consignee_id", "")),
            "metal_share": pd.to_numeric(_col(src, "metal_value_share", np.nan), errors="coerce"),
            "method": _text(_col(src, "postal_duty_method", "")),
            "excl_claimed": _col(src, "s301_exclusion", False).fillna(False).astype(bool),
        },
        index=src.index,
    )
    unit_value = pd.to_numeric(_col(src, "unit_value", np.nan), errors="coerce").astype(float)
    freight = pd.to_numeric(_col(src, "freight_cost", 0.0), errors="coerce").fillna(0.0).astype(float)
    rows = base["row"]
    rej.add((base["dest"] != "US").to_numpy(), rows, "destination_country", base["dest"], "engine.reject.destination")
    rej.add(~base["mode"].isin(MODES).to_numpy(), rows, "shipping_mode", base["mode"], "engine.reject.mode")
    rej.add(~(unit_value > 0).to_numpy(), rows, "unit_value", unit_value, "engine.reject.value")
    return base, unit_value, freight


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
    treat = tab.reindex(hts_key.where(hts_key != "", None)).reset_index(drop=True)
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


def apply_currency(base: pd.DataFrame, aset: AssumptionSet, rej: _Rejects, versions: _Versions | None = None) -> None:
    """The exchange rate in force on the line's date (units of its currency per USD; ``fx/per_usd``).
    CBP converts at the certified rate of the date of exportation (19 CFR 159.32); the built-in rates are the
    Federal Reserve's monthly averages (``import-fx`` loads CBP's certified rates). A currency without a rate on the
    line's date is rejected."""
    fx = attach(aset.param(P_FX), base["date"], base["currency"]) if versions is None else versions.attach(P_FX, base["date"], base["currency"])
    base["per_usd"] = fx["value"]
    base["fx_grade"] = fx["evidence"]
    base["fx_pid"] = fx["period_id"]
    bad = fx["value"].isna().to_numpy() | ~(fx["value"] > 0).to_numpy()
    rej.add(bad, base["row"], "currency", base["currency"], "engine.reject.currency", date=base["date"].dt.strftime("%Y-%m-%d"))


def apply_customs_value(w: _Work, unit_value: np.ndarray, freight: np.ndarray) -> None:
    """Customs value = unit_value x quantity in USD, rounded to the cent: the US duty base is the transaction
    value, FOB; international freight and insurance are not dutiable (19 U.S.C. 1401a). Freight is converted
    too, for the landed cost. Adds ``value`` and ``freight_usd``."""
    per_usd = w.P["per_usd"].to_numpy()
    w.P["value"] = round_cents(unit_value * w.P["qty"].to_numpy() / per_usd)
    w.P["freight_usd"] = round_cents(freight / per_usd)


def apply_shipments(w: _Work) -> None:
    """Lines with the same ``shipment_id`` (default: the order), mode and travel day form one shipment (one parcel
    or one entry); lines that share an id but not a day or a mode cannot travel together. Adds ``ship`` (an
    integer id), ``ship_value`` and ``day_group`` (the buyer's day where ``consignee_id`` is given, else the
    shipment) for the de minimis test."""
    P = w.P
    day = pd.factorize(P["travel_date"])[0].astype(np.int64)
    if "variant" in P:  # variant mode: each variant's lines travel apart from the others'
        day = _combine_codes(day, P["variant"].to_numpy())
    ship = _combine_codes(pd.factorize(P["shipment"])[0], pd.factorize(P["mode"])[0], day)
    P["ship"] = ship
    P["ship_value"] = P.groupby("ship")["value"].transform("sum").to_numpy()
    by_consignee = _combine_codes(pd.factorize(P["consignee"])[0], day)
    P["day_group"] = np.where((P["consignee"] != "").to_numpy(), by_consignee, ship + by_consignee.max(initial=0) + 1)


def apply_de_minimis(w: _Work) -> None:
    """De minimis (19 U.S.C. 1321(a)(2)(C)): duty- and fee-free entry where the goods one person receives in one
    day are worth no more than the threshold of the line's origin and date (``us/entry/de_minimis``: $800; 0
    for China/Hong Kong from 2025-05-02 and for every origin from 2025-08-29). Tested on the buyer's day where
    ``consignee_id`` is given, else on the shipment; a shipment qualifies only if all its lines do.
    Adds ``threshold`` and ``de_minimis``."""
    P = w.P
    dm = w.attach(P_DE_MINIMIS, P["origin"])
    threshold = dm["value"].fillna(0.0).to_numpy()
    tested = P.groupby("day_group")["value"].transform("sum").to_numpy()
    line_ok = (threshold > 0) & (tested <= threshold + 1e-9)
    P["threshold"] = threshold
    P["de_minimis"] = pd.Series(line_ok).groupby(P["ship"].to_numpy()).transform("min").to_numpy().astype(bool)
    w.note(dm["period_id"], evidence=dm["evidence"])


def apply_entry_type(w: _Work) -> None:
    """Entry type per shipment: ``de_minimis``; ``postal`` for mail at or under the informal limit ($2,500,
    19 CFR 143.21, 145.12); ``informal`` for other shipments at or under it; ``formal`` above it. Adds ``entry``."""
    P = w.P
    limit = w.attach(P_INFORMAL_LIMIT)
    w.note(limit["period_id"])
    under = P["ship_value"].to_numpy() <= limit["value"].to_numpy() + 1e-9
    postal = (P["mode"] == "postal").to_numpy()
    codes = np.select([P["de_minimis"].to_numpy(), postal & under, under], [0, 1, 2], 3)  # positions in ENTRY_TYPES
    P["entry"] = pd.Categorical.from_codes(codes, categories=list(ENTRY_TYPES))


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
        keys = P["origin"] if layer.key == "origin" else (P[layer.key].astype(str) if layer.key else None)
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
                w.note(pd.Series(np.where(estimated, f"{METAL_SHARE}#0", ""), dtype="category"), estimated,
                       pd.Series(np.full(m, w.aset.tables[METAL_SHARE].header.evidence)))
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
    parts = pd.DataFrame({i: np.append(split[i].to_numpy(dtype=object), "")[codes] for i in split.columns}, index=keys.index)

    def charge(got: pd.DataFrame) -> np.ndarray:
        return got["value"].fillna(-1.0).to_numpy() * np.where(got["base"].to_numpy() == "metal_share", metal_share, 1.0)

    best = w.attach(layer.id, parts[0])
    for i in range(1, parts.shape[1]):
        other = w.attach(layer.id, parts[i])
        better = charge(other) > charge(best)
        if better.any():
            best = best.copy()
            for c in best.columns:
                best[c] = np.where(better, other[c].astype(object), best[c].astype(object))
            best["value"] = best["value"].astype(float)
    return best


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
    value, ship, dates = P["value"].to_numpy(), P["ship"].to_numpy(), P["date"]
    postal_rows = (P["entry"] == "postal").to_numpy()
    treatment = np.full(m, "", dtype=object)
    postal_ieepa = np.zeros(m, dtype=bool)
    mail_fee_cents = np.zeros(m, dtype=np.int64)
    duties["postal"] = np.zeros(m)
    if not postal_rows.any():
        return treatment, postal_ieepa, mail_fee_cents
    ieepa_layers = ieepa_layer_names(aset)
    ieepa_off = w.disabled_all(ieepa_layers) if ieepa_layers else np.zeros(m, dtype=bool)
    reg = aset.postal[P_POSTAL]
    got = asof_join(postal_periods(reg, by_origin=True), dates, P["origin"], ["treatment", "ad_valorem", "specific_usd", "specific_until", "ieepa", "evidence", "period_id"])
    tr = got["treatment"].fillna("").astype(str).to_numpy()
    is_ieepa = got["ieepa"].fillna(False).astype(bool).to_numpy()
    tr = np.where(is_ieepa & ieepa_off, "all_duties", tr)
    tr = np.where(tr == "", "mail_entry", tr)
    tr = np.where(postal_rows, tr, "")
    in_lieu = np.char.startswith(tr.astype(str), "in_lieu")
    special = postal_rows & (tr != "mail_entry")
    w.note(got["period_id"], special, got["evidence"])

    method = _postal_method(P["method"].to_numpy(dtype=object), w, ship)
    spec_until = pd.to_datetime(got["specific_until"]).to_numpy(dtype="datetime64[ns]")
    use_specific = method & (np.isnat(spec_until) | (dates.to_numpy(dtype="datetime64[ns]") < spec_until))
    av_flat = round_cents(value * got["ad_valorem"].fillna(0.0).to_numpy())
    ieepa_sum = sum((duties[x] for x in ieepa_layers), np.zeros(m))
    origin_rate = sum((before_exempt[x] for x in ieepa_layers), np.zeros(m))
    parcel_rate = pd.Series(origin_rate).groupby(ship).transform("max").to_numpy()
    layer_sum = np.zeros(m)
    per_item = np.where(tr == "in_lieu_flat", got["specific_usd"].fillna(0.0).to_numpy(), 0.0)
    pids = got["period_id"].to_numpy()
    for pid in pd.unique(pids[postal_rows]):  # a handful of regime periods, not rows
        if not pid:
            continue
        at = pids == pid
        period = reg.periods[int(pid.rpartition("#")[2])]
        for lname in period.layers:
            layer_sum = layer_sum + np.where(at, duties.get(lname, np.zeros(m)), 0.0)
        if period.treatment == "in_lieu_ieepa":
            per_item = np.where(at, _tier_amount(period.tiers, parcel_rate), per_item)
    specific_cents = allocate_cents(to_cents(per_item), ship, value, w.rows)
    postal_duty = np.select(
        [in_lieu & use_specific & np.isin(tr, ["in_lieu_flat", "in_lieu_ieepa"]), tr == "in_lieu_flat", tr == "in_lieu_ieepa", tr == "in_lieu_layers"],
        [specific_cents / 100.0, av_flat, ieepa_sum, layer_sum],
        0.0,
    )
    for name in list(duties):
        duties[name] = np.where(in_lieu, 0.0, duties[name])
    duties["postal"] = np.where(P["de_minimis"].to_numpy(), 0.0, postal_duty)
    postal_ieepa = in_lieu & is_ieepa & ~ieepa_off

    mail = w.attach(P_MAIL_FEE)
    parcel_duty = pd.Series(sum(duties.values(), np.zeros(m))).groupby(ship).transform("sum").to_numpy()
    takes_fee = postal_rows & np.isin(tr, ["mail_entry", "all_duties"]) & (parcel_duty > 0)
    mail_fee_cents = allocate_cents(np.where(takes_fee, to_cents(mail["value"].fillna(0.0).to_numpy()), 0), ship, value, w.rows)
    w.note(mail["period_id"], takes_fee)
    return tr, postal_ieepa, mail_fee_cents


def _assemble(w: _Work, src_rows: pd.DataFrame, duties: dict[str, np.ndarray], duty_total: np.ndarray, fees: dict[str, np.ndarray], ieepa_exposure: np.ndarray, treatment: np.ndarray, hts_key: np.ndarray) -> pd.DataFrame:
    """The input columns first, then the spec's output columns, then the detail columns."""
    P, m = w.P, w.m
    value, freight_usd = P["value"].to_numpy(), P["freight_usd"].to_numpy()
    fee_other = sum((fees[c] for c in FEE_DETAIL_COLUMNS), np.zeros(m))
    fees_total = fees["fee_mpf_usd"] + fees["fee_hmf_usd"] + fee_other
    out = src_rows.copy()
    out["customs_value_usd"] = value
    out["entry_type"] = P["entry"].array
    out["de_minimis"] = P["de_minimis"].to_numpy()
    for info in layer_infos(w.aset):
        out[info.column] = np.round(duties.get(info.name, np.zeros(m)), 2)
    out["duty_total_usd"] = np.round(duty_total, 2)
    out["fee_mpf_usd"] = fees["fee_mpf_usd"]
    out["fee_hmf_usd"] = fees["fee_hmf_usd"]
    out["fee_other_usd"] = np.round(fee_other, 2)
    out["fees_total_usd"] = np.round(fees_total, 2)
    out["freight_usd"] = freight_usd
    out["landed_cost_usd"] = np.round(value + freight_usd + duty_total + fees_total, 2)
    for c in FEE_DETAIL_COLUMNS:
        out[c] = fees[c]
    out["ieepa_refund_exposure_usd"] = np.round(ieepa_exposure, 2)
    out["duty_rate_effective"] = np.divide(duty_total, value, out=np.zeros(m), where=value > 0)
    out["price_date"] = P["date"].to_numpy()
    out["hts_matched"] = hts_key
    out["rates_user_supplied"] = P["user_rates"].to_numpy()
    out["s301_exclusion_applied"] = P["excl_applied"].to_numpy(dtype=bool)
    out["s301_list_applied"] = P["s301_list"].array
    out["s232_group"] = P["s232"].array
    out["postal_treatment"] = pd.Categorical(treatment)
    out["shipment_value_usd"] = P["ship_value"].to_numpy()
    out["de_minimis_threshold_usd"] = P["threshold"].to_numpy()
    out["evidence_grade"] = pd.Categorical.from_codes(w.grade, categories=list(GRADE_MARK))
    return out.reset_index(drop=True)


def _combine_codes(*codes: np.ndarray) -> np.ndarray:
    """One dense integer id per distinct combination of several factorized columns."""
    combined = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        c = np.asarray(c, dtype=np.int64)
        combined = combined * (int(c.max(initial=0)) + 2) + (c + 1)
    return pd.factorize(combined)[0].astype(np.int64)


def _grade_rank(evidence: pd.Series | np.ndarray) -> np.ndarray:
    """Evidence grades as ranks (confirmed 0, secondary 1, unverified 2), via the categories, not per row."""
    cat = evidence.array if isinstance(evidence, pd.Series) and isinstance(evidence.dtype, pd.CategoricalDtype) else pd.Categorical(np.asarray(evidence, dtype=object))
    ranks = np.array([GRADE_RANK.get(str(c), 0) for c in cat.categories] + [0], dtype=int)
    return ranks[np.where(cat.codes >= 0, cat.codes, len(cat.categories))]


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


def _postal_method(line_method: np.ndarray, w: _Work, ship: np.ndarray) -> np.ndarray:
    """The carrier's election per parcel: the line's own column, else the scenario's option, else the default.
    Returns True where the parcel's carrier elected the specific (per-item) method."""
    default = w.attach(P_POSTAL_METHOD)["value"].fillna(0.0).to_numpy() >= 0.5
    if w.scenario.options.postal_duty_method:
        default = np.full(len(default), w.scenario.options.postal_duty_method == "specific")
    specific = np.where(line_method == "specific", True, np.where(line_method == "ad_valorem", False, default))
    return pd.Series(specific).groupby(ship).transform("first").to_numpy().astype(bool)


def apply_fees(w: _Work, duty_total: np.ndarray, mail_fee_cents: np.ndarray) -> dict[str, np.ndarray]:
    """Clearance fees, each computed once per shipment (entry) and split over its lines by value.

    MPF formal: rate x entered value between the fiscal year's minimum and maximum (19 U.S.C. 58c(a)(9));
    MPF informal: a flat fee per informal entry (58c(a)(10)); none on mail or de minimis. HMF: ocean only
    (26 U.S.C. 4461). Broker per formal entry, ISF per ocean formal entry, single-entry bond if chosen,
    carrier presets by the scenario's options (market prices, not law).
    """
    aset, scenario, P, m = w.aset, w.scenario, w.P, w.m
    dates, ship, line_rows = P["date"], P["ship"].to_numpy(), w.rows
    ship_value = P["ship_value"].to_numpy()
    entry = np.asarray(ENTRY_TYPES)[P["entry"].cat.codes.to_numpy()]
    value = P["value"].to_numpy()
    mode = P["mode"].to_numpy()
    ship_duty = pd.Series(duty_total).groupby(ship).transform("sum").to_numpy()
    formal = entry == "formal"
    informal = entry == "informal"

    def per_ship(param_id: str, applies: np.ndarray, amount_fn, keys: pd.Series | None = None) -> np.ndarray:  # noqa: ANN001
        got = w.attach(param_id, keys)
        amount = np.where(applies, amount_fn(got), 0.0)
        cents = allocate_cents(to_cents(np.nan_to_num(amount)), ship, value, line_rows)
        w.note(got["period_id"], applies & (amount > 0), got["evidence"])
        return cents / 100.0

    def clamp(got: pd.DataFrame) -> np.ndarray:
        raw = round_cents(ship_value * got["value"].fillna(0.0).to_numpy())
        lo = got["min"].fillna(0.0).to_numpy()
        hi = got["max"].fillna(np.inf).to_numpy()
        return np.clip(raw, lo, hi)

    fees: dict[str, np.ndarray] = {}
    mpf_formal = per_ship(P_MPF_FORMAL, formal, clamp)
    mpf_informal = per_ship(P_MPF_INFORMAL, informal, lambda g: g["value"].fillna(0.0).to_numpy())
    fees["fee_mpf_usd"] = np.round(mpf_formal + mpf_informal, 2)
    ocean = (mode == "ocean_freight") & (formal | informal)
    fees["fee_hmf_usd"] = per_ship(P_HMF, ocean, lambda g: round_cents(ship_value * g["value"].fillna(0.0).to_numpy()))
    fees["fee_broker_usd"] = per_ship(P_BROKER, formal, lambda g: g["value"].fillna(0.0).to_numpy())
    fees["fee_isf_usd"] = per_ship(P_ISF, formal & (mode == "ocean_freight"), lambda g: g["value"].fillna(0.0).to_numpy())
    if scenario.options.bond == "single_entry":
        # the bond covers the entered value plus all duties, taxes and fees (MPF, HMF) of the entry (19 CFR 113)
        ship_gov_fees = pd.Series(fees["fee_mpf_usd"] + fees["fee_hmf_usd"]).groupby(ship).transform("sum").to_numpy()
        bond_amount = ship_value + ship_duty + ship_gov_fees
        fees["fee_bond_usd"] = per_ship(
            P_BOND, formal, lambda g: np.maximum(round_cents(bond_amount * g["value"].fillna(0.0).to_numpy()), g["min"].fillna(0.0).to_numpy())
        )
    else:
        fees["fee_bond_usd"] = np.zeros(m)
    carrier = scenario.options.carrier
    carrier_keys = pd.Series(np.full(m, carrier))
    express = (mode == "express") & (formal | informal)
    if carrier != "none":
        flat = per_ship(P_CARRIER_FEE, express, lambda g: g["value"].fillna(0.0).to_numpy(), carrier_keys)
        adv = per_ship(
            P_CARRIER_ADV,
            express & (ship_duty > 0),
            lambda g: np.maximum(round_cents(ship_duty * g["value"].fillna(0.0).to_numpy()), g["min"].fillna(0.0).to_numpy()),
            carrier_keys,
        )
    else:
        flat = adv = np.zeros(m)
    usps = np.zeros(m)
    if scenario.options.usps_clearance_fee:
        usps = per_ship(P_CARRIER_FEE, (entry == "postal") & (ship_duty > 0), lambda g: g["value"].fillna(0.0).to_numpy(), pd.Series(np.full(m, "usps")))
    fees["fee_carrier_usd"] = np.round(flat + adv + usps, 2)
    fees["fee_mail_usd"] = mail_fee_cents / 100.0
    return fees


def _used_periods(aset: AssumptionSet, used: list[pd.Series], versions: _Versions | None = None) -> pd.DataFrame:
    """Every assumption period the numbers used, with its metadata and the count of lines that used it (in variant
    mode an id is a period of the first variant's version of the parameter, and ``...@i`` of variant ``i``'s)."""
    counts: dict[str, int] = {}
    for u in used:  # each a categorical of period ids, "" where unused: count per category, not per row
        vc = pd.Series(u).value_counts(sort=False)
        for pid, count in vc.items():
            if pid and count:
                counts[str(pid)] = counts.get(str(pid), 0) + int(count)
    rows = []
    for pid, count in counts.items():
        param_id, _, idx = str(pid).rpartition("#")
        idx, _, var = idx.partition("@")
        i = int(idx)
        if param_id in aset.params:
            p = (aset if versions is None else versions.asets[int(var or 0)]).params[param_id]
            v = p.values[i]
            rows.append(
                {
                    "parameter": param_id,
                    "label": p.label,
                    "label_zh": p.label_zh,
                    "key": v.key,
                    "value": v.value,
                    "min": v.min,
                    "max": v.max,
                    "unit": p.unit,
                    "from": v.from_,
                    "until": v.until,
                    "source": v.source,
                    "url": v.url or (p.references[0].url or ""),
                    "evidence": v.evidence or p.evidence,
                    "changed_by_scenario": bool(v.scenario),
                    "lines": int(count),
                }
            )
        elif param_id in aset.tables:  # a table used as a whole (the per-line metal share estimates)
            header = aset.tables[param_id].header
            rows.append(
                {
                    "parameter": param_id, "label": header.label, "label_zh": header.label_zh, "key": "*", "value": np.nan,
                    "min": None, "max": None, "unit": "table", "from": None, "until": None, "source": header.source or "",
                    "url": header.references[0].url or "", "evidence": header.evidence, "changed_by_scenario": False, "lines": int(count),
                }
            )
        elif param_id in aset.postal:
            reg = aset.postal[param_id]
            per = postal_periods(reg).iloc[i]
            rows.append(
                {
                    "parameter": param_id,
                    "label": reg.label,
                    "label_zh": reg.label_zh,
                    "key": per["key"],
                    "value": per["ad_valorem"],
                    "min": None,
                    "max": None,
                    "unit": per["treatment"],
                    "from": per["from"].date(),
                    "until": None if pd.isna(per["until"]) else per["until"].date(),
                    "source": per["source"],
                    "url": per["url"],
                    "evidence": per["evidence"],
                    "changed_by_scenario": False,
                    "lines": int(count),
                }
            )
    cols = ["parameter", "label", "label_zh", "key", "value", "min", "max", "unit", "from", "until", "source", "url", "evidence", "changed_by_scenario", "lines"]
    frame = pd.DataFrame(rows, columns=cols)
    if versions is not None and len(frame):  # a period several variants share unchanged is one row
        frame = frame.groupby(cols[:-1], dropna=False, sort=False, as_index=False)["lines"].sum()
    return frame.sort_values(["parameter", "key", "from"], kind="stable").reset_index(drop=True)


def resolve_scenario(aset: AssumptionSet, scenario: str | Scenario) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if scenario not in aset.scenarios:
        raise ArgumentError(f"unknown scenario {scenario!r}; choose one of {', '.join(sorted(aset.scenarios))} or give a scenario file")
    return aset.scenarios[scenario]
