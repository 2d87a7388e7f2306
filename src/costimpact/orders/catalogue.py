"""The product catalogue: a table by SKU that fills in what marketplace exports lack (HS code, origin ...).

``read_catalogue`` reads a CSV/XLSX catalogue and checks it once per SKU (one SKU with two codes, a bad code,
a bad declared value: reported once, with the catalogue's row numbers). ``join_catalogue`` joins it to the order
lines by SKU, matched ignoring case and surrounding spaces:

- ``hts_code``, ``origin_country``, ``unit_weight_kg``, ``description``, ``unit_cost`` fill every line of the SKU
  unless the line has its own;
- ``declared_value`` (customs value of one unit, in the line's currency) replaces the line's price as
  ``unit_value``; without it the line's own price is the customs value. The column ``customs_value_source``
  says which, on every line;
- a line whose SKU is not in the catalogue, or whose SKU the catalogue cannot stand behind, is rejected
  naming the SKU.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.errors import FileRefused
from costimpact.orders.columns import header_key, match_header, resolve_mapping
from costimpact.orders.messages import text
from costimpact.orders.readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_UNZIPPED_BYTES, RawTable, read_csv_bytes, read_xlsx_bytes, sniff

FILLED = ("hts_code", "origin_country", "unit_weight_kg", "description", "unit_cost")
SOURCE_COLUMN = "customs_value_source"
SOURCE_DECLARED = "declared_value (catalogue)"
SOURCE_PRICE = "line price"

_SKU_ALIASES = ("sku", "seller sku", "seller-sku", "variant sku", "lineitem sku", "item sku", "msku", "sku id",
                "商品编码", "SKU编码", "商品SKU", "产品SKU", "库存SKU", "卖家SKU", "货号", "商品货号", "产品编码")
_OWN_ALIASES = {
    "declared_value": ("declared value", "declared_value", "declared unit value", "customs value", "申报价值",
                       "申报单价", "申报价格", "报关单价"),
    "unit_weight_kg": ("unit_weight_kg", "unit weight kg", "weight kg", "weight", "net weight", "unit weight",
                       "重量", "净重", "单件重量", "重量kg", "重量(kg)"),
}
_HTS_OK = re.compile(r"^\d{6,10}$")


class CatalogueRefused(FileRefused):
    """A catalogue that cannot be used at all; ``message("zh")`` gives the Chinese line."""

    def __init__(self, key: str, **fmt: object) -> None:
        self.key, self.fields = key, fmt
        super().__init__(text(f"market.refused.{key}", "en", **fmt))

    def message(self, lang: str = "en") -> str:
        return text(f"market.refused.{self.key}", lang, **self.fields)


@dataclass(frozen=True)
class Catalogue:
    """One row per usable SKU (index: the matching key) and the problems found, once per SKU."""

    table: pd.DataFrame  # index sku key; columns sku, catalogue_row and those of FILLED / declared_value present
    problems: pd.DataFrame  # catalogue_row, sku, column, value, problem, problem_zh
    bad: dict[str, tuple[str, str]]  # sku key -> (problem, problem_zh) for SKUs the catalogue cannot stand behind
    file_name: str

    @property
    def columns(self) -> list[str]:
        return [c for c in (*FILLED, "declared_value") if c in self.table]


def sku_key(values: pd.Series) -> pd.Series:
    return values.astype("str").str.strip().str.casefold()


def _catalogue_column(header: str) -> str | None:
    key = header_key(header)
    if key in {header_key(a) for a in _SKU_ALIASES}:
        return "sku"
    for name, aliases in _OWN_ALIASES.items():
        if key in {header_key(a) for a in aliases}:
            return name
    name = match_header(header)
    if name == "unit_value":
        return "declared_value"
    return name if name in FILLED else None


def _text(s: pd.Series) -> pd.Series:
    """Cells as stripped text ("" for empty; whole numbers without ``.0``)."""
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s.astype(object).where(s.notna(), "").astype(str).str.strip().astype(object)

    def one(x: object) -> str:
        if x is None or (isinstance(x, float) and np.isnan(x)):
            return ""
        if isinstance(x, float) and x.is_integer():
            return str(int(x))
        return str(x).strip()
    return pd.Series([one(x) for x in s.to_numpy(dtype=object)], index=s.index, dtype=object)


def read_catalogue(data: bytes, file_name: str) -> Catalogue:
    """Read and check a catalogue file (CSV or XLSX, first sheet or one named ``catalogue``/``商品``)."""
    if len(data) > DEFAULT_MAX_BYTES:
        raise CatalogueRefused("too_large", file=file_name)
    kind = sniff(data, file_name, DEFAULT_MAX_UNZIPPED_BYTES)
    raw = read_xlsx_bytes(data, file_name, None) if kind == "xlsx" else read_csv_bytes(data, file_name)
    return catalogue_from_raw(raw, file_name)


def read_catalogue_path(path: str | Path) -> Catalogue:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as err:
        raise CatalogueRefused("unreadable", file=p.name, why=err.strerror or type(err).__name__) from None
    return read_catalogue(data, p.name)


def catalogue_from_raw(raw: RawTable, file_name: str) -> Catalogue:
    cols: dict[str, str] = {}
    for h in raw.headers:
        name = _catalogue_column(h)
        if name is not None and name not in cols:
            cols[name] = h
    if "sku" not in cols:
        raise CatalogueRefused("no_sku", file=file_name, found=", ".join(raw.headers) or "(none)")
    if len(cols) == 1:
        raise CatalogueRefused("nothing_to_fill", file=file_name, found=", ".join(raw.headers))
    frame = raw.frame.reset_index(drop=True)
    t = pd.DataFrame({name: _text(frame[h]) for name, h in cols.items()})
    t["catalogue_row"] = np.asarray(raw.row_numbers, dtype=np.int64)
    t["key"] = sku_key(t["sku"])
    problems: list[dict] = []
    bad: dict[str, tuple[str, str]] = {}

    def report(key: str, sku: str, rows: list[int], column: str, value: str, msg: str, **fmt: object) -> None:
        rows_text = ", ".join(str(r) for r in rows)
        fields = dict(sku=sku, rows=rows_text, value=value, file=file_name, column=column, **fmt)
        en, zh = text(f"market.catalogue.{msg}", "en", **fields), text(f"market.catalogue.{msg}", "zh", **fields)
        problems.append({"catalogue_row": rows[0], "sku": sku, "column": column, "value": value,
                         "problem": en, "problem_zh": zh})
        if key:
            bad.setdefault(key, (en, zh))

    no_sku = t["key"] == ""
    for r in t.loc[no_sku, "catalogue_row"]:
        report("", "", [int(r)], "sku", "", "no_sku")
    t = t.loc[~no_sku]
    typed_code = t["hts_code"].copy() if "hts_code" in t else None
    if "hts_code" in t:
        t["hts_code"] = t["hts_code"].str.replace(r"[\s.\-]", "", regex=True)
    if "origin_country" in t:
        t["origin_country"] = t["origin_country"].str.upper()
    if "declared_value" in t:
        dv = pd.to_numeric(t["declared_value"].str.replace(",", "", regex=False), errors="coerce")
        wrong = (t["declared_value"] != "") & ~(dv > 0)
        for _, row in t.loc[wrong].iterrows():
            report(row["key"], row["sku"], [int(row["catalogue_row"])], "declared_value", row["declared_value"], "bad_value")
        t["declared_value"] = dv.where(~wrong)
    if "hts_code" in t:
        wrong = (t["hts_code"] != "") & ~t["hts_code"].str.match(_HTS_OK)
        for i, row in t.loc[wrong].iterrows():
            report(row["key"], row["sku"], [int(row["catalogue_row"])], "hts_code", typed_code[i], "bad_code")
    # one SKU, two different answers for the same column: the catalogue cannot say which is right
    dup = t[t["key"].duplicated(keep=False)]
    for key, group in dup.groupby("key", sort=False):
        for column in ("hts_code", "origin_country", "declared_value"):
            if column not in group:
                continue
            vals = group[column].dropna()
            vals = vals[vals.astype("str") != ""]
            if vals.astype("str").nunique() > 1:
                report(key, group["sku"].iloc[0], [int(r) for r in group["catalogue_row"]], column,
                       " / ".join(dict.fromkeys(vals.astype("str"))), "conflict")
    table = t.drop_duplicates("key", keep="first").set_index("key")
    prob = pd.DataFrame(problems, columns=["catalogue_row", "sku", "column", "value", "problem", "problem_zh"])
    return Catalogue(table=table, problems=prob.astype({"catalogue_row": "int64"}), bad=bad, file_name=file_name)


def join_catalogue(raw: RawTable, mapping: dict[str, str] | None, cat: Catalogue) -> tuple[RawTable, dict[str, str], pd.DataFrame]:
    """(raw table with the catalogue's columns filled in, the mapping to use, rows rejected here)."""
    used = resolve_mapping(raw.headers, mapping)
    header_of = {v: k for k, v in used.items()}
    frame = raw.frame.reset_index(drop=True).copy()
    rn = np.asarray(raw.row_numbers, dtype=np.int64)
    new_mapping = dict(mapping or {})
    sku_h = header_of.get("sku")
    if sku_h is None:  # no SKU column: nothing to join on, every line is refused with the reason
        skus = pd.Series([""] * len(frame), dtype=object)
    else:
        skus = _text(frame[sku_h])
    keys = sku_key(skus)
    known = keys.isin(cat.table.index).to_numpy(dtype=bool) & (keys != "").to_numpy(dtype=bool)
    bad = keys.isin(list(cat.bad)).to_numpy(dtype=bool)
    missing = ~known & ~bad
    rej: list[pd.DataFrame] = []
    if missing.any():
        sku_vals = skus[missing]
        empty = (sku_vals == "").to_numpy(dtype=bool)
        en = np.where(empty, text("market.no_sku_on_line", "en", file=cat.file_name),
                      [text("market.sku_not_in_catalogue", "en", sku=s, file=cat.file_name) for s in sku_vals])
        zh = np.where(empty, text("market.no_sku_on_line", "zh", file=cat.file_name),
                      [text("market.sku_not_in_catalogue", "zh", sku=s, file=cat.file_name) for s in sku_vals])
        rej.append(pd.DataFrame({"row_number": rn[missing], "column": "sku", "value": sku_vals.to_numpy(dtype=object),
                                 "problem": en, "problem_zh": zh}))
    if bad.any():
        msgs = [cat.bad[k] for k in keys[bad]]
        rej.append(pd.DataFrame({"row_number": rn[bad], "column": "sku", "value": skus[bad].to_numpy(dtype=object),
                                 "problem": [m[0] for m in msgs], "problem_zh": [m[1] for m in msgs]}))
    rejects = pd.concat(rej, ignore_index=True) if rej else None
    keep = known & ~bad
    frame = frame.loc[keep].reset_index(drop=True)
    rows = cat.table.loc[keys[keep].to_numpy()].reset_index(drop=True)
    for name in FILLED:
        if name not in rows:
            continue
        h = header_of.get(name)
        if h is None:
            h = name if name not in frame else f"{name} (catalogue)"
            frame[h] = rows[name].to_numpy(dtype=object)
            if name in ("hts_code", "origin_country", "description", "unit_cost"):
                new_mapping[h] = name
        else:
            own = _text(frame[h])
            frame[h] = np.where(own != "", frame[h].to_numpy(dtype=object), rows[name].to_numpy(dtype=object))
    declared = rows["declared_value"] if "declared_value" in rows else pd.Series(np.nan, index=rows.index)
    has = declared.notna().to_numpy(dtype=bool)
    vh = header_of.get("unit_value")
    if vh is None:
        vh = "unit_value"
        frame[vh] = np.full(len(frame), "", dtype=object)
        new_mapping[vh] = "unit_value"
    frame[vh] = np.where(has, declared.to_numpy(dtype=object), frame[vh].to_numpy(dtype=object))
    frame[SOURCE_COLUMN] = np.where(has, SOURCE_DECLARED, SOURCE_PRICE)
    new_mapping.setdefault(SOURCE_COLUMN, "")
    kept = set(rn[keep].tolist())
    out = replace(raw, headers=list(frame.columns), frame=frame, row_numbers=rn[keep],
                  cell_problems=[p for p in raw.cell_problems if p[0] in kept],
                  merged=[m for m in raw.merged if m[0] in kept])
    return out, new_mapping, rejects


def report_problems(imported, stream=None) -> None:  # noqa: ANN001 - ImportResult, a text stream (stderr)
    """One line per catalogue problem (once per SKU, with the catalogue's rows), for the command line."""
    import sys

    probs = getattr(imported, "catalogue_problems", None)
    if probs is None or not len(probs):
        return
    out = stream or sys.stderr
    for problem in probs["problem"]:
        print(f"catalogue: {problem}", file=out)
