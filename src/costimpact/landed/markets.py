"""Route order lines by ``destination_country``: US lines to the US engine unchanged, lines for the EU, the UK,
Mexico, Brazil, Canada, Australia and Japan to their destination modules over the shared pipeline; the results come back in input
order, every line with the ``_local`` columns (US lines in USD)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, Scenario
from costimpact.landed import engine
from costimpact.landed.engine import _col, _Rejects, _text
from costimpact.landed.au import AU
from costimpact.landed.br import BR
from costimpact.landed.ca import CA
from costimpact.landed.eu import EU
from costimpact.landed.jp import JP
from costimpact.landed.mx import MX
from costimpact.landed.pipeline import Destination, price_destination
from costimpact.landed.uk import UK

DESTINATIONS: tuple[Destination, ...] = (EU, UK, MX, BR, CA, AU, JP)
FOLDER = {"GB": "uk"}  # the assumptions folder of a destination, where it is not its name in lower case
POS = "__line_position"
MONEY = re.compile(r"^(duty|tax|fee|fees|ieepa)_.*_(usd|local)$")
BY_COUNTRY = {c: d for d in DESTINATIONS for c in d.countries}
LOCAL_FROM_USD = {
    "customs_value_local": "customs_value_usd",
    "freight_local": "freight_usd",
    "duty_total_local": "duty_total_usd",
    "tax_total_local": None,
    "fees_total_local": "fees_total_usd",
    "landed_cost_local": "landed_cost_usd",
}


def destination_of(lines: pd.DataFrame) -> pd.Series:
    """Each line's destination country (blank: US)."""
    return _text(_col(lines, "destination_country", "US")).str.upper().replace("", "US")


def destinations_in(lines: pd.DataFrame) -> set[str]:
    """The destinations (``US`` or a :class:`Destination`'s name: ``EU``, ``GB`` ...) some line is bound for."""
    codes = destination_of(lines).unique()
    return {"US" if c == "US" else BY_COUNTRY[c].name for c in codes if c == "US" or c in BY_COUNTRY}


def price_any(lines: pd.DataFrame, aset: AssumptionSet, scenario: Scenario, as_of: dt.date,
              layout: set[str] | frozenset[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Price lines for any supported destination. Returns (priced lines, rejects, used periods) in input order.

    US lines go through :func:`costimpact.landed.engine.price_lines` as they are and get the ``_local`` columns
    in USD; other destinations' lines get zeros in the US duty and fee columns. A destination no module covers
    is rejected with its row number.

    The output's columns (which, in what order, of what type) depend only on the destinations laid out:
    ``layout`` (see :func:`destinations_in`; default the destinations of ``lines``). A slice of a file priced
    with the whole file's layout has the columns of the whole file priced at once, so slices can be written
    one after another (the streamed run).
    """
    dest = destination_of(lines)
    layout = destinations_in(lines) if layout is None else set(layout) | destinations_in(lines)
    if layout <= {"US"} and (dest == "US").all():  # the common case: the US engine alone, no reordering
        out, rej, u = engine.price_lines(lines, aset, scenario, as_of)
        return _with_local_usd(out), rej, u
    src = lines.reset_index(drop=True)
    if "row_number" not in src:
        src = src.assign(row_number=np.arange(2, len(src) + 2))
    src[POS] = np.arange(len(src))  # carried through every engine as an input column, dropped at the end
    dest = dest.set_axis(src.index)
    outs, rejects, used = [], [], []
    us = (dest == "US").to_numpy()
    if "US" in layout:
        out, rej, u = engine.price_lines(src[us], aset, scenario, as_of)
        outs.append(_with_local_usd(out))
        rejects.append(rej)
        used.append(u)
    for d in DESTINATIONS:
        mine = dest.isin(d.countries).to_numpy()
        if d.name in layout:
            out, rej, u = price_destination(src[mine], aset, scenario, as_of, d)
            outs.append(out)
            rejects.append(rej)
            used.append(u)
    unknown = ~us & ~dest.isin(list(BY_COUNTRY)).to_numpy()
    r = _Rejects()
    r.add(unknown, src["row_number"].astype("int64"), "destination_country", dest, "markets.reject.destination")
    rejects.append(r.frame())
    if not outs:  # every line rejected: still the full set of output columns
        outs.append(_with_local_usd(engine.price_lines(src.iloc[:0], aset, scenario, as_of)[0]))
    return _in_input_order(outs, src), _concat_rejects(rejects), _concat_used(used, aset)


def _with_local_usd(out: pd.DataFrame) -> pd.DataFrame:
    """The US engine's lines (a frame of its own) with the ``_local`` columns in USD, added in place."""
    out["tax_total_usd"] = 0.0
    out["destination_currency"] = "USD"
    out["regime"] = "us"
    for local, usd in LOCAL_FROM_USD.items():
        out[local] = out[usd].to_numpy() if usd else 0.0
    return out


def _in_input_order(outs: list[pd.DataFrame], src: pd.DataFrame) -> pd.DataFrame:
    """The destinations' lines in input order. A column some destination lacks is missing on its lines: a money
    column reads 0 there; whole numbers become floats and yes/no cells objects, whether or not that destination
    has lines in this call (so the column types depend only on the destinations laid out)."""
    frame = pd.concat(outs, ignore_index=True, sort=False)
    added = [c for c in frame.columns if c not in src.columns]
    for c in added:
        partial = any(c not in o.columns for o in outs)
        if MONEY.match(c) and frame[c].dtype.kind == "f":
            frame[c] = frame[c].fillna(0.0)
        elif partial and frame[c].dtype.kind in "iu":
            frame[c] = frame[c].astype("float64")
        elif partial and frame[c].dtype.kind == "b":
            frame[c] = frame[c].astype(object)
    order = np.argsort(frame[POS].to_numpy(), kind="stable")
    return frame.iloc[order].drop(columns=[POS]).reset_index(drop=True)


def _concat_rejects(parts: list[pd.DataFrame]) -> pd.DataFrame:
    live = [p for p in parts if len(p)]
    if not live:
        return parts[-1]
    return pd.concat(live, ignore_index=True).sort_values("row_number", kind="stable").reset_index(drop=True)


def _concat_used(parts: list[pd.DataFrame], aset: AssumptionSet) -> pd.DataFrame:
    if not parts:
        return engine._used_periods(aset, [])
    frame = pd.concat(parts, ignore_index=True)
    keys = ["parameter", "key", "from", "value"]
    lines = frame.groupby(keys, dropna=False, sort=False)["lines"].transform("sum")
    return frame.assign(lines=lines).drop_duplicates(keys).sort_values(["parameter", "key", "from"], kind="stable").reset_index(drop=True)


GRADES = ["C", "C2", "U"]
MARKET_COLUMNS = [
    "market",
    "destination_currency",
    "lines_compared",
    "lines_priced",
    "lines_rejected",
    "customs_value_usd",
    "freight_usd",
    "duty_total_usd",
    "tax_total_usd",
    "fees_total_usd",
    "border_cost_usd",
    "landed_cost_usd",
    "landed_cost_local",
    "border_cost_pct_of_value",
    "evidence_grade",
]


def compare_markets(
    lines: pd.DataFrame,
    aset: AssumptionSet,
    scenario: Scenario,
    as_of: dt.date,
    markets: list[str],
    regions: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The same lines priced into each market, side by side. Returns (one row per market, every priced line
    with its ``market``, rejects with their ``market``).

    Each line is copied once per market with ``destination_country`` set to it; ``import_scheme`` is left to
    each market's default and ``destination_region`` comes from ``regions`` (e.g. {"BR": "BR-SP"}), else the
    market's default rate. The money columns add up only the input rows priced in *every* market
    (``lines_compared``), so the markets are compared on the same goods; ``lines_priced`` and ``lines_rejected``
    say how many each market could price. ``border_cost_usd`` is duty plus fees (what the border adds besides tax);
    ``tax_total_usd`` is VAT/GST/ICMS/IVA, which the US column does not have (US sales tax is not priced).
    """
    regions = regions or {}
    src = lines.reset_index(drop=True)
    drop = [c for c in src.columns if find_header(c) in ("destination_region", "import_scheme")]
    priced_parts, reject_parts = [], []
    for market in markets:  # a handful of markets, each priced whole
        copy = src.drop(columns=drop).assign(destination_country=market)
        if market in regions:
            copy["destination_region"] = regions[market]
        out, rej, _ = price_any(copy, aset, scenario, as_of)
        priced_parts.append(out.assign(market=market))
        reject_parts.append(rej.assign(market=market))
    priced = pd.concat(priced_parts, ignore_index=True, sort=False)
    for c in priced.columns:
        if MONEY.match(c) and priced[c].dtype.kind == "f":
            priced[c] = priced[c].fillna(0.0)
    rejects = pd.concat(reject_parts, ignore_index=True)
    # like for like: the totals cover only the input rows every market could price
    common = set(src["row_number"]) if "row_number" in src else set(range(2, len(src) + 2))
    for part in priced_parts:
        common &= set(part["row_number"])
    compared = priced[priced["row_number"].isin(common)]
    summary = []
    for market in markets:
        mine = compared[compared["market"] == market]
        money = {c: round(float(mine[c].sum()), 2) for c in ("customs_value_usd", "freight_usd", "duty_total_usd", "tax_total_usd", "fees_total_usd", "landed_cost_usd", "landed_cost_local")}
        border = round(money["duty_total_usd"] + money["fees_total_usd"], 2)
        grades = mine["evidence_grade"].astype(str)
        summary.append(
            {
                "market": market,
                "destination_currency": str(priced.loc[priced["market"] == market, "destination_currency"].iloc[0]) if (priced["market"] == market).any() else "",
                "lines_compared": len(mine),
                "lines_priced": int((priced["market"] == market).sum()),
                "lines_rejected": int(rejects.loc[rejects["market"] == market, "row_number"].nunique()),
                **money,
                "border_cost_usd": border,
                "border_cost_pct_of_value": border / money["customs_value_usd"] if money["customs_value_usd"] else 0.0,
                "evidence_grade": max(grades, key=GRADES.index) if len(grades) else "",
            }
        )
    return pd.DataFrame(summary, columns=MARKET_COLUMNS), priced, rejects


def find_header(name: str) -> str:
    from costimpact.orders.columns import header_key

    key = header_key(name)
    return {"destinationregion": "destination_region", "importscheme": "import_scheme"}.get(key, name)


def parse_markets(markets: list[str] | str) -> list[str]:
    """``US,DE,GB`` (or a list) as ISO codes; an unknown market is an ArgumentError naming the choices."""
    from costimpact.errors import ArgumentError

    items = markets.split(",") if isinstance(markets, str) else list(markets)
    codes = [m.strip().upper() for m in items if m.strip()]
    bad = [m for m in codes if m != "US" and m not in BY_COUNTRY]
    if bad or not codes:
        raise ArgumentError(f"--markets {','.join(bad) or '(empty)'}: choose from US, GB, MX, BR, CA, AU, JP and the EU member states ({', '.join(EU.countries)}), e.g. US,DE,GB,MX,BR,CA")
    return list(dict.fromkeys(codes))


@dataclass(frozen=True)
class MarketComparison:
    """The basket priced into several markets: ``summary`` one row per market, ``lines`` and ``rejects``
    with their ``market``; ``import_rejects`` are the rows the order reader refused (in no market)."""

    summary: pd.DataFrame
    lines: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    as_of: dt.date
    import_rejects: pd.DataFrame

    def summary_line(self) -> str:
        per = ", ".join(f"{r.market} {r.lines_priced}" for r in self.summary.itertuples())
        return f"read {self.rows_read} rows; priced per market: {per}; {len(self.import_rejects)} rejected on import"


def market_sheet(summary: pd.DataFrame, lang: str = "en") -> tuple[str, pd.DataFrame, dict[str, str]]:
    """The market comparison as a report sheet for ``write_report(extra_sheets=...)``: (title, frame, formats)."""
    from costimpact.i18n import t

    formats = {c: "money" if c.endswith("_usd") or c.endswith("_local") else "pct" if c.endswith("_pct_of_value") else "int" if c.startswith("lines_") else "text" for c in summary.columns}
    return t("ui.nav.markets", lang)[:31], summary.reset_index(drop=True), formats


def destination_change_dates(aset: AssumptionSet, lines: pd.DataFrame, start: str | dt.date, end: str | dt.date) -> list[pd.Timestamp]:
    """The dates inside [start, end] on which a rule of a destination the lines go to (other than the US) changed."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    folders = {FOLDER.get(BY_COUNTRY[c].name, BY_COUNTRY[c].name.lower()) for c in destination_of(lines).unique() if c in BY_COUNTRY}
    days = {pd.Timestamp(d) for p in aset.params.values() if p.id.split("/")[0] in folders for v in p.values for d in (v.from_, v.until) if d is not None}
    return sorted(d for d in days if lo <= d <= hi)
