"""The destination-neutral steps of pricing an order line outside the US: read the columns, convert value, freight
and price into the destination's currency at the dated rate, group lines into consignments, look up dated rules
and tariff rates, split consignment amounts over lines to the cent, collect rejects, assemble the output.

Each destination (``landed/eu.py``, ``uk.py``, ``mx.py``, ``br.py``, ``ca.py``) is a short list of steps over a
:class:`Work`; its rules live under ``assumptions/<destination>/``. Money is rounded half up to the cent of the
destination's currency per line; consignment amounts are split over the consignment's lines by value with
largest-remainder rounding (:func:`costimpact.landed.money.allocate_cents`), so consignment totals are exact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario, attach, with_scenario
from costimpact.landed.engine import GRADE_MARK, _col, _combine_codes, _grade_rank, _Rejects, _text, _used_periods, line_dates
from costimpact.landed.money import allocate_cents, round_cents, to_cents
from costimpact.landed.result import MODES
from costimpact.orders.columns import header_key
from costimpact.orders.destinations import resolve_destinations, scheme_codes

P_FX = "fx/per_usd"
# the destination columns of the order-file contract (orders/columns.py); a frame handed over directly may
# carry them under another spelling of the name
EXTRA_COLUMNS = ("destination_region", "import_scheme", "carrier", "ship_from_country")
KIND_ORDER = {"duty": 0, "tax": 1, "fee": 2}


@dataclass
class Work:
    """The lines of one destination while its steps run. ``P`` gains columns step by step; ``used`` and
    ``grade`` record which assumption periods the numbers came from and each line's weakest evidence grade."""

    aset: AssumptionSet
    scenario: Scenario
    P: pd.DataFrame
    rows: np.ndarray
    currency: str
    used: list[pd.Series] = field(default_factory=list)
    grade: np.ndarray | None = None
    money: dict[str, np.ndarray] = field(default_factory=dict)  # duty_*/tax_*/fee_* local columns, in cents
    needs_rate: np.ndarray | None = None  # lines that must have a tariff rate to be priced
    refused: list[tuple[np.ndarray, str, str]] = field(default_factory=list)  # (lines, column, message key)

    @property
    def m(self) -> int:
        return len(self.P)

    def rule(self, pid: str, keys: pd.Series | None = None, applies: np.ndarray | None = None, default: float = 0.0) -> np.ndarray:
        """The value of parameter ``pid`` in force on each line's date (for ``keys``); counted as used where
        ``applies`` (default: every line) and a value is in force. Missing values read as ``default``."""
        got = attach(self.aset.param(pid), self.P["date"], keys)
        hit = got["value"].notna().to_numpy() & (np.ones(self.m, dtype=bool) if applies is None else applies)
        self.used.append(got["period_id"].astype(str).where(hit, ""))
        self.grade = np.maximum(self.grade, np.where(hit, _grade_rank(got["evidence"]), 0))
        return got["value"].fillna(default).to_numpy(dtype=float)

    def flag(self, pid: str, keys: pd.Series | None = None) -> np.ndarray:
        return self.rule(pid, keys) >= 0.5

    def convert(self, amount: np.ndarray, currency: str) -> np.ndarray:
        """An amount in ``currency`` (a rule's own, e.g. a fee in RON) in the destination's currency, unrounded."""
        fx = attach(self.aset.param(P_FX), self.P["date"], pd.Series(currency, index=self.P.index))
        self.used.append(fx["period_id"].astype(str).where(amount > 0, ""))
        return amount / fx["value"].to_numpy(dtype=float) * self.P["per_usd_local"].to_numpy()

    def ship_sum(self, values: np.ndarray) -> np.ndarray:
        """The consignment total of ``values``, on every line of the consignment."""
        return pd.Series(values).groupby(self.P["ship"].to_numpy()).transform("sum").to_numpy()

    def ship_first(self, values: np.ndarray) -> np.ndarray:
        return pd.Series(values).groupby(self.P["ship"].to_numpy()).transform("first").to_numpy()

    def items(self, digits: np.ndarray) -> np.ndarray:
        """An id per item of each consignment: a distinct (tariff subheading of ``digits`` digits, origin) pair
        (0 digits: the whole code)."""
        cut = self.P["code"].copy()
        for d in np.unique(digits[digits > 0]):  # one or two digit counts, not rows
            at = digits == d
            cut[at] = cut[at].str[: int(d)]
        return _combine_codes(self.P["ship"].to_numpy(), pd.factorize(cut)[0], pd.factorize(self.P["origin"])[0])

    def spread(self, name: str, amount: np.ndarray, group: np.ndarray, applies: np.ndarray, weight: str = "goods") -> None:
        """Charge ``amount`` (local currency, the same on every line of ``group``) once per group, split over
        the group's lines by ``weight`` (a value column) to the cent, into the column ``name``."""
        cents = allocate_cents(np.where(applies, to_cents(amount), 0), group, self.P[weight].to_numpy(), self.rows)
        self.money[name] = self.money.get(name, np.zeros(self.m, dtype=np.int64)) + cents

    def charge(self, name: str, amount: np.ndarray, applies: np.ndarray) -> None:
        """A per-line amount (local currency), rounded half up to the cent, into the column ``name``."""
        self.money[name] = self.money.get(name, np.zeros(self.m, dtype=np.int64)) + np.where(applies, to_cents(amount), 0)

    def refuse(self, lines: np.ndarray, column: str, key: str) -> None:
        """Reject ``lines`` (a rule the calculator does not model for them), naming ``column`` and the reason."""
        self.refused.append((np.asarray(lines, dtype=bool), column, key))

    def cents(self, *names: str) -> np.ndarray:
        return sum((self.money.get(n, np.zeros(self.m, dtype=np.int64)) for n in names), np.zeros(self.m, dtype=np.int64))


def find_column(src: pd.DataFrame, name: str) -> pd.Series | None:
    """A pass-through column of the order file by its canonical name, whatever spaces, dashes or case it has."""
    key = header_key(name)
    for c in src.columns:
        if header_key(c) == key:
            return src[c]
    return None


price_dates = line_dates  # the US engine's rule, shared


def read_lines(src: pd.DataFrame, scenario: Scenario, as_of: dt.date, rej: _Rejects) -> pd.DataFrame:
    """The columns the destination rules read, with the spec's defaults; bad mode or value rejected."""
    rows = _col(src, "row_number", None)
    rows = pd.Series(np.arange(2, len(src) + 2), index=src.index) if rows.isna().all() else rows.astype("int64")
    date, travel = price_dates(src, scenario, as_of)
    order_id = _text(_col(src, "order_id", ""))
    extra = {name: src[name] if name in src.columns else find_column(src, name) for name in EXTRA_COLUMNS}
    text = {k: (_text(v) if v is not None else pd.Series("", index=src.index, dtype="str")) for k, v in extra.items()}
    scheme = text["import_scheme"]
    if (scheme != "").any():  # a frame handed over directly: cells read as the import reads them
        scheme = pd.Series(scheme_codes(scheme), index=src.index, dtype=object).fillna(scheme.str.lower()).astype("str")
    dest, region, problems = resolve_destinations(_text(_col(src, "destination_country", "US")), text["destination_region"], scheme)
    qty = pd.to_numeric(_col(src, "quantity", 1.0), errors="coerce").fillna(1.0).astype(float)
    base = pd.DataFrame(
        {
            "row": rows.astype("int64"),
            "dest": dest,
            "region": region,
            "scheme": scheme,
            "carrier": text["carrier"].str.lower(),
            "origin": _text(_col(src, "origin_country", "")).str.upper(),
            "mode": _text(_col(src, "shipping_mode", "express")).replace("", "express"),
            "currency": _text(_col(src, "currency", "USD")).str.upper().replace("", "USD"),
            "qty": qty,
            "code": _text(_col(src, "hts_code", "")).str.replace(r"[^0-9]", "", regex=True),
            "date": date,
            "travel_date": travel,
            "shipment": _text(_col(src, "shipment_id", "")).where(lambda s: s != "", order_id),
            "unit_value": pd.to_numeric(_col(src, "unit_value", np.nan), errors="coerce").astype(float),
            "freight": pd.to_numeric(_col(src, "freight_cost", 0.0), errors="coerce").fillna(0.0).astype(float),
            "unit_price": pd.to_numeric(_col(src, "unit_price", np.nan), errors="coerce").astype(float),
            "mfn_user": pd.to_numeric(_col(src, "mfn_rate", np.nan), errors="coerce").astype(float),
        },
        index=src.index,
    )
    base["ship_from"] = text["ship_from_country"].str.upper().where(lambda s: s != "", base["origin"])
    for lines, column, key in problems:  # the import's destination checks (orders/destinations.py)
        rej.add(lines, base["row"], column, text[column] if column == "destination_region" else scheme, f"orders.problem.{key}")
    rej.add(~base["mode"].isin(MODES).to_numpy(), base["row"], "shipping_mode", base["mode"], "engine.reject.mode")
    rej.add(~(base["unit_value"] > 0).to_numpy(), base["row"], "unit_value", base["unit_value"], "engine.reject.value")
    return base


def apply_money(w: Work, rej: _Rejects) -> np.ndarray:
    """Value, freight and price of each line in the destination's currency (``goods``, ``freight_local``,
    ``price``) and in USD (``goods_usd``, ``freight_usd``), at the dated rates of ``fx/per_usd`` (units per USD).
    The buyer's price is ``unit_price`` x quantity where given, else the customs value. Returns the lines
    whose own currency has no rate (rejected)."""
    P = w.P
    line_fx = attach(w.aset.param(P_FX), P["date"], P["currency"])
    dest_fx = attach(w.aset.param(P_FX), P["date"], pd.Series(w.currency, index=P.index))
    own, local = line_fx["value"].to_numpy(dtype=float), dest_fx["value"].to_numpy(dtype=float)
    bad = ~(own > 0) | ~(local > 0)
    missing = pd.Series(np.where(own > 0, w.currency, P["currency"]), index=P.index)  # the line's, else the destination's
    rej.add(bad, P["row"], "currency", missing, "engine.reject.currency", date=P["date"].dt.strftime("%Y-%m-%d"))
    for got in (line_fx, dest_fx):
        w.used.append(got["period_id"].astype(str))
        w.grade = np.maximum(w.grade, _grade_rank(got["evidence"]))
    own, local = np.where(bad, 1.0, own), np.where(bad, 1.0, local)
    qty = P["qty"].to_numpy()
    goods_src = P["unit_value"].fillna(0.0).to_numpy() * qty
    price_src = np.where(P["unit_price"].notna(), P["unit_price"].fillna(0.0).to_numpy() * qty, goods_src)
    P["per_usd_local"] = local
    P["goods"] = round_cents(goods_src / own * local)
    P["freight_local"] = round_cents(P["freight"].to_numpy() / own * local)
    P["price"] = round_cents(price_src / own * local)
    P["goods_usd"] = round_cents(goods_src / own)
    P["freight_usd"] = round_cents(P["freight"].to_numpy() / own)
    P["cif"] = P["goods"] + P["freight_local"]
    return bad


def apply_consignments(w: Work) -> None:
    """Lines with the same ``shipment_id`` (default: the order), mode and travel day are one consignment.
    Adds ``ship`` (an integer id)."""
    P = w.P
    day = pd.factorize(P["travel_date"])[0].astype(np.int64)
    P["ship"] = _combine_codes(pd.factorize(P["shipment"])[0], pd.factorize(P["mode"])[0], day, pd.factorize(P["dest"])[0])


def tariff_rate(w: Work, table_id: str) -> np.ndarray:
    """The ad valorem rate of each line's code in a destination's tariff table (8-digit codes).

    The six-digit subheading is what every country shares: where all the table's lines under it have one rate,
    that rate answers (``rate_matched`` = hs6). Otherwise the line's own 8 digits must be a code of the table
    (code8: right for a code of that country, a guess for a US code that happens to exist there). The line's
    ``mfn_rate`` wins (user). NaN where nothing answers: the destination rejects the line only if it owes
    tariff duty. The table row's evidence grade counts where a rate is found.
    """
    table = w.aset.table(table_id)
    rates = dict(zip(table["code"], table["duty_rate"]))
    grade_of = dict(zip(table["code"], table["evidence"]))
    by6 = table.assign(h6=table["code"].str[:6]).groupby("h6").agg(lo=("duty_rate", "min"), hi=("duty_rate", "max"), first=("code", "first"))
    one6 = by6[by6["lo"] == by6["hi"]]
    codes, uniq = pd.factorize(w.P["code"])
    rate_u, how_u, grade_u = np.full(len(uniq), np.nan), np.full(len(uniq), "", dtype=object), np.zeros(len(uniq), dtype=int)
    for i, c in enumerate(uniq):  # distinct codes, not rows
        if len(c) >= 6 and c[:6] in one6.index:
            rate_u[i], how_u[i], ref = one6.at[c[:6], "lo"], "hs6", one6.at[c[:6], "first"]
        elif len(c) >= 8 and c[:8] in rates:
            rate_u[i], how_u[i], ref = rates[c[:8]], "code8", c[:8]
        else:
            continue
        grade_u[i] = _grade_rank(pd.Series([grade_of[ref]]))[0]
    user = w.P["mfn_user"].to_numpy()
    own = ~np.isnan(user)
    w.P["rate_user_supplied"] = own
    w.P["rate_matched"] = np.where(own, "user", how_u[codes])
    w.grade = np.maximum(w.grade, np.where(own, 2, grade_u[codes]))
    return np.where(own, user, rate_u[codes])


def usmca_partners(w: Work, me: str) -> list[str]:
    """The other USMCA parties (the ``USMCA`` country group), from which a parcel ships under the bilateral rules."""
    return [c for c in w.aset.groups.get("USMCA", []) if c != me]


@dataclass(frozen=True)
class Destination:
    """A destination's pricing: its currency, the countries it covers and its steps (a function over Work)."""

    name: str
    currency: str
    countries: tuple[str, ...]
    steps: Callable[[Work], None]


def price_destination(src: pd.DataFrame, aset: AssumptionSet, scenario: Scenario, as_of: dt.date, dest: Destination) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Price the lines of one destination. Returns (priced lines, rejects, used periods) like the US engine."""
    aset = with_scenario(aset, scenario)
    src = src.reset_index(drop=True)
    rej = _Rejects()
    base = read_lines(src, scenario, as_of, rej)
    early = rej.frame()
    keep = np.flatnonzero(~np.isin(base["row"].to_numpy(), early["row_number"].to_numpy()))
    w = Work(aset, scenario, base.iloc[keep].reset_index(drop=True), base["row"].to_numpy()[keep], dest.currency)
    w.grade = np.zeros(w.m, dtype=int)
    no_fx = apply_money(w, rej)
    apply_consignments(w)
    w.needs_rate = np.zeros(w.m, dtype=bool)
    dest.steps(w)
    no_rate = w.needs_rate & np.isnan(w.P.get("duty_rate", pd.Series(np.zeros(w.m))).to_numpy(dtype=float))
    rej.add(no_rate & ~no_fx, w.P["row"], "hts_code", w.P["code"], "markets.reject.no_rate", destination=dest.name)
    ok = ~(no_fx | no_rate)
    for lines, column, key in w.refused:
        rej.add(lines & ok, w.P["row"], column, w.P["code" if column == "hts_code" else "dest"], key, destination=dest.name)
        ok &= ~lines
    out = assemble(w, src.iloc[keep], ok)
    return out, rej.frame(), _used_periods(aset, [u.where(ok, "") for u in w.used])


def assemble(w: Work, src_rows: pd.DataFrame, ok: np.ndarray) -> pd.DataFrame:
    """The input columns, then the spec's output columns in USD, the ``_local`` columns and the detail."""
    P = w.P
    out = src_rows.reset_index(drop=True).copy()
    local = w.P["per_usd_local"].to_numpy()

    def usd(cents: np.ndarray) -> np.ndarray:
        return round_cents(cents / 100.0 / local)

    names = sorted(w.money, key=lambda n: (KIND_ORDER[n.split("_")[0]], n))
    duty_c = w.cents(*(n for n in names if n.startswith("duty_")))
    tax_c = w.cents(*(n for n in names if n.startswith("tax_")))
    fee_c = w.cents(*(n for n in names if n.startswith("fee_")))
    goods, freight = P["goods"].to_numpy(), P["freight_local"].to_numpy()
    out["customs_value_usd"] = P["goods_usd"].to_numpy()
    out["entry_type"] = P["entry"].to_numpy()
    out["de_minimis"] = P["entry"].to_numpy() == "de_minimis"
    out["duty_total_usd"] = usd(duty_c)
    out["tax_total_usd"] = usd(tax_c)
    out["fees_total_usd"] = usd(fee_c)
    out["freight_usd"] = P["freight_usd"].to_numpy()
    out["landed_cost_usd"] = np.round(out["customs_value_usd"] + out["freight_usd"] + out["duty_total_usd"] + out["tax_total_usd"] + out["fees_total_usd"], 2)
    out["destination_currency"] = w.currency
    out["customs_value_local"] = goods
    out["freight_local"] = freight
    for n in names:
        out[f"{n}_local"] = w.money[n] / 100.0
    out["duty_total_local"] = duty_c / 100.0
    out["tax_total_local"] = tax_c / 100.0
    out["fees_total_local"] = fee_c / 100.0
    out["landed_cost_local"] = np.round(goods + freight + (duty_c + tax_c + fee_c) / 100.0, 2)
    out["regime"] = P["regime"].to_numpy()
    out["import_scheme_applied"] = P["scheme_applied"].to_numpy()
    out["consignment_value_local"] = P["tested_value"].to_numpy()
    out["threshold_local"] = P["threshold"].to_numpy()
    out["duty_rate_applied"] = P.get("duty_rate", pd.Series(np.nan, index=P.index)).to_numpy(dtype=float)
    out["rates_user_supplied"] = P.get("rate_user_supplied", pd.Series(False, index=P.index)).to_numpy(dtype=bool)
    out["rate_matched"] = P.get("rate_matched", pd.Series("", index=P.index)).to_numpy()
    out["price_date"] = P["date"].to_numpy()
    out["evidence_grade"] = pd.Categorical.from_codes(w.grade, categories=list(GRADE_MARK))
    return out[ok].reset_index(drop=True)
