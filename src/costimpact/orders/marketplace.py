"""Marketplace and ERP order exports, recognised by their headers and turned into order-file columns.

Each export is a preset in data (``orders/presets/*.toml``): a header *fingerprint* (headers that must all be
present), the *fields* (canonical column -> the export's header) and *value rules*:

- ``order_key`` + ``order_fields``: continuation rows of a multi-line order (Shopify) leave the order's fields
  blank; they inherit them from the order's first row that has them;
- ``skip``: rows of a cancelled order are not priced; they are counted and listed as skipped;
- ``dates``: a timestamp with a time and a UTC offset (``2025-03-04 21:15:00 -0500``) gives the calendar date
  as written (the local date of the export), in the preset's ``date_order``;
- ``money``: a currency sign or code around an amount (``$12.50``, ``USD 12.50``) is dropped;
- ``per_unit``: the export gives the line total (Amazon's ``item-price``); it is divided by the quantity.

The result is a raw table with canonical columns first and every export column passed through unchanged, so
the usual checks (:func:`costimpact.orders.normalize.normalize_raw`) price and reject it like an order file.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.orders.columns import BY_NAME, REQUIRED, header_key
from costimpact.orders.messages import OrderFileRefused, text
from costimpact.orders.readers import RawTable

PRESET_DIR = Path(__file__).with_name("presets")
SKIPPED_COLUMNS = ["row_number", "order_id", "column", "value", "reason", "reason_zh"]


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    label_zh: str
    source: str
    evidence: str
    fingerprint: tuple[str, ...]
    fields: dict[str, str]
    order_key: str | None = None
    order_fields: tuple[str, ...] = ()
    skip: tuple[dict, ...] = ()
    money: tuple[str, ...] = ()
    per_unit: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    date_order: str = "ymd"
    value_label: str | None = None  # what the export's unit_value is, when not the line's sale price


@dataclass
class Prepared:
    """What the marketplace and catalogue steps did before the usual checks."""

    raw: RawTable
    mapping: dict[str, str] | None
    preset: Preset | None = None
    rejects: pd.DataFrame | None = None  # rows refused here (same columns as the importer's rejects)
    skipped: pd.DataFrame = field(default_factory=lambda: empty_skipped())
    catalogue_problems: pd.DataFrame | None = None
    catalogue_name: str | None = None


def empty_skipped() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "row_number" else "str") for c in SKIPPED_COLUMNS})


@functools.cache
def presets() -> tuple[Preset, ...]:
    """Every preset shipped in ``orders/presets``; a malformed one is a bug of ours, so it fails loudly."""
    out = []
    for path in sorted(PRESET_DIR.glob("*.toml")):
        d = tomllib.loads(path.read_text(encoding="utf-8"))
        unknown = set(d["fields"]) - set(BY_NAME)
        if unknown:
            raise ValueError(f"orders/presets/{path.name}: unknown columns {sorted(unknown)}")
        out.append(Preset(
            name=d["name"], label=d["label"], label_zh=d["label_zh"], source=d["source"], evidence=d["evidence"],
            fingerprint=tuple(d["fingerprint"]), fields=dict(d["fields"]), order_key=d.get("order_key"),
            order_fields=tuple(d.get("order_fields", ())), skip=tuple(d.get("skip", ())),
            money=tuple(d.get("money", ())), per_unit=tuple(d.get("per_unit", ())),
            dates=tuple(d.get("dates", ())), date_order=d.get("date_order", "ymd"), value_label=d.get("value_label"),
        ))
    return tuple(out)


def detect(headers: list[str]) -> Preset | None:
    """The preset whose fingerprint headers are all in ``headers`` (the longest fingerprint wins), else None."""
    keys = {header_key(h) for h in headers}
    hits = [p for p in presets() if all(header_key(h) in keys for h in p.fingerprint)]
    return max(hits, key=lambda p: len(p.fingerprint)) if hits else None


def _blank(s: pd.Series) -> np.ndarray:
    return (s.isna() | (s.astype("str").str.strip() == "")).to_numpy(dtype=bool)


def _as_text(s: pd.Series) -> pd.Series:
    """Cells as text ("" for empty); numbers that are whole print without ``.0``."""
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("string", "empty"):  # a CSV column: text already, no per-cell detour
        return s.astype(object).where(s.notna(), "").astype(str).astype(object)

    def one(x: object) -> str:
        if x is None or (isinstance(x, float) and np.isnan(x)):
            return ""
        if isinstance(x, float) and x.is_integer():
            return str(int(x))
        if isinstance(x, pd.Timestamp):
            return x.strftime("%Y-%m-%d %H:%M:%S")
        return str(x)
    return pd.Series([one(x) for x in s.to_numpy(dtype=object)], index=s.index, dtype=object)


_YMD = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_XY_YEAR = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_MONEY_NOISE = re.compile(r"[A-Za-z$€£¥￥₩₹\s\u00a0]+")


def local_date(values: pd.Series, order: str) -> pd.Series:
    """The calendar date as written in a timestamp (time and UTC offset dropped), as ``YYYY-MM-DD``;
    a cell that is not such a timestamp is left as it was, for the usual date check to judge."""
    s = values.astype("str")
    out = s.copy()
    ymd = s.str.extract(_YMD)
    hit = ymd[0].notna()
    out[hit] = ymd[0][hit] + "-" + ymd[1][hit].str.zfill(2) + "-" + ymd[2][hit].str.zfill(2)
    if order in ("mdy", "dmy"):
        xy = s.str.extract(_XY_YEAR)
        hit2 = xy[0].notna() & ~hit
        month, day = (xy[0], xy[1]) if order == "mdy" else (xy[1], xy[0])
        out[hit2] = xy[2][hit2] + "-" + month[hit2].str.zfill(2) + "-" + day[hit2].str.zfill(2)
    return out


def plain_money(values: pd.Series) -> pd.Series:
    """``$12.50`` / ``USD 12.50`` / ``12.50 EUR`` -> ``12.50``; anything else is left for the number check."""
    s = values.astype("str")
    stripped = s.str.replace(_MONEY_NOISE, "", regex=True)
    return stripped.where(stripped.str.fullmatch(r"-?[\d.,]*\d[\d.,]*"), s)


def apply_preset(raw: RawTable, preset: Preset, file_name: str) -> tuple[RawTable, dict[str, str], pd.DataFrame]:
    """(canonical raw table, the mapping to use with it, skipped rows) for an export ``preset`` recognised."""
    by_key = {header_key(h): h for h in raw.headers}
    col = lambda name: by_key.get(header_key(name))  # noqa: E731 - the file's own spelling of a preset header
    frame = raw.frame.reset_index(drop=True)
    text_cols: dict[str, pd.Series] = {}

    def cells(header: str) -> pd.Series:
        if header not in text_cols:
            text_cols[header] = _as_text(frame[header])
        return text_cols[header]

    key_header = col(preset.order_key) if preset.order_key else None
    if key_header is not None:  # continuation rows inherit the order's fields from its first row that has them
        key = pd.factorize(cells(key_header))[0]  # group by integer codes: much faster than by text
        for name in preset.order_fields:
            h = col(name)
            if h is None:
                continue
            s = cells(h)
            filled = s.where(s.str.strip() != "").groupby(key, sort=False).transform("first")
            text_cols[h] = s.where(s.str.strip() != "", filled.fillna(""))

    rn = np.asarray(raw.row_numbers, dtype=np.int64)
    skip = np.zeros(len(frame), dtype=bool)
    skipped: list[pd.DataFrame] = []
    order_h = col(preset.fields["order_id"])
    for rule in preset.skip:
        h = col(rule["column"])
        if h is None:
            continue
        s = cells(h)
        if rule.get("when") == "set":
            hit = ~_blank(s)
        else:
            wanted = {v.strip().casefold() for v in rule["values"]}
            hit = s.str.strip().str.casefold().isin(wanted).to_numpy(dtype=bool).copy()
        hit = hit & ~skip
        if hit.any():
            skip |= hit
            skipped.append(pd.DataFrame({
                "row_number": rn[hit], "order_id": cells(order_h)[hit].to_numpy(dtype=object) if order_h else "",
                "column": h, "value": s[hit].to_numpy(dtype=object),
                "reason": text("market.skipped_cancelled", "en", column=h),
                "reason_zh": text("market.skipped_cancelled", "zh", column=h),
            }))

    canon: dict[str, pd.Series] = {}
    for name, header in preset.fields.items():
        h = col(header)
        if h is None:
            continue
        s = cells(h)
        if name in preset.dates:
            s = local_date(s, preset.date_order)
        if name in preset.money:
            s = plain_money(s)
        canon[name] = s
    for name in preset.per_unit:
        if name in canon and "quantity" in canon:
            total = pd.to_numeric(canon[name], errors="coerce")
            qty = pd.to_numeric(canon["quantity"], errors="coerce")
            ok = total.notna() & (qty > 0)
            canon[name] = canon[name].where(~ok, (total / qty.where(ok)).map(lambda v: f"{v:.10g}"))

    keep = ~skip
    out = pd.DataFrame({name: s[keep].to_numpy(dtype=object) for name, s in canon.items()})
    mapping = {name: name for name in canon}
    canon_keys = {header_key(n) for n in canon}
    # the export's own columns pass through unchanged, kept out of the matching; a header that is a canonical
    # name (Amazon's "sku") is dropped: the canonical column is that column
    passed = [h for h in raw.headers if h not in canon and header_key(h) not in canon_keys]
    rest = frame[passed] if keep.all() else frame.loc[keep, passed]
    out = pd.concat([out, rest.reset_index(drop=True)], axis=1)
    mapping.update({h: "" for h in passed})
    new = replace(raw, headers=list(out.columns), frame=out, row_numbers=rn[keep],
                  cell_problems=[p for p in raw.cell_problems if p[0] in set(rn[keep].tolist())],
                  merged=[m for m in raw.merged if m[0] in set(rn[keep].tolist())])
    skipped_df = pd.concat(skipped, ignore_index=True) if skipped else empty_skipped()
    return new, mapping, skipped_df


class NeedsCatalogue(OrderFileRefused):
    """A marketplace export recognised, but without the catalogue that gives its HS codes and origins."""

    def __init__(self, file: str, preset: Preset, missing: list[str]) -> None:
        super().__init__("needs_catalogue", file=file, export=preset.label, missing=", ".join(missing))
        self.export_zh = preset.label_zh

    def message(self, lang: str = "en") -> str:
        fields = dict(self.fields, export=self.export_zh) if lang == "zh" else self.fields
        return text(f"refused.{self.key}", lang, **fields)


def prepare(raw: RawTable, file_name: str, mapping: dict[str, str] | None, catalogue=None) -> Prepared:  # noqa: ANN001
    """Recognise a marketplace export (unless the caller mapped the columns) and join the catalogue."""
    prep = Prepared(raw=raw, mapping=mapping)
    preset = None if mapping else detect(raw.headers)
    if preset is not None:
        prep.raw, prep.mapping, prep.skipped = apply_preset(raw, preset, file_name)
        prep.preset = preset
        lacking = [c for c in REQUIRED if c not in prep.mapping]
        if lacking and catalogue is None:
            raise NeedsCatalogue(file_name, preset, lacking)
    if catalogue is not None:
        from costimpact.orders.catalogue import SOURCE_COLUMN, SOURCE_PRICE, join_catalogue

        prep.raw, prep.mapping, prep.rejects = join_catalogue(prep.raw, prep.mapping, catalogue)
        if preset is not None and preset.value_label:  # e.g. Temu's 申报价格 is a declared price, not the sale price
            src = prep.raw.frame[SOURCE_COLUMN]
            prep.raw.frame[SOURCE_COLUMN] = src.where(src != SOURCE_PRICE, preset.value_label)
        prep.catalogue_problems = catalogue.problems
        prep.catalogue_name = catalogue.file_name
    return prep


def finish(result, prep: Prepared):  # noqa: ANN001, ANN201 - ImportResult in and out
    """The import result with the rows refused or skipped before the checks added back into the counts:
    rows read = priced + rejected + skipped."""
    extra = 0
    rejects = result.rejects
    if prep.rejects is not None and len(prep.rejects):
        extra += int(prep.rejects["row_number"].nunique())
        rejects = pd.concat([prep.rejects.astype({"row_number": "int64"}), rejects], ignore_index=True)
        rejects = rejects.sort_values("row_number", kind="stable").reset_index(drop=True)
    extra += int(prep.skipped["row_number"].nunique()) if len(prep.skipped) else 0
    return replace(
        result, rejects=rejects, rows_read=result.rows_read + extra, skipped=prep.skipped,
        preset=prep.preset.name if prep.preset else None,
        preset_label=(prep.preset.label, prep.preset.label_zh) if prep.preset else None,
        catalogue_problems=prep.catalogue_problems, catalogue_name=prep.catalogue_name,
    )


def combine(preps: list[Prepared]) -> Prepared:
    """The sheets of a workbook prepared one by one, as one: their rejects and skipped rows together."""
    if len(preps) == 1:
        return preps[0]
    rejects = [p.rejects for p in preps if p.rejects is not None and len(p.rejects)]
    skipped = [p.skipped for p in preps if len(p.skipped)]
    first = preps[0]
    return Prepared(raw=first.raw, mapping=first.mapping, preset=first.preset,
                    rejects=pd.concat(rejects, ignore_index=True) if rejects else None,
                    skipped=pd.concat(skipped, ignore_index=True) if skipped else empty_skipped(),
                    catalogue_problems=first.catalogue_problems, catalogue_name=first.catalogue_name)
