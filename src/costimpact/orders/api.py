"""Entry points: order bytes, a path, or a DataFrame in memory -> :class:`ImportResult`."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.errors import FileRefused
from costimpact.errors import ArgumentError
from costimpact.orders.catalogue import Catalogue
from costimpact.orders.columns import REQUIRED, read_types, resolve_mapping
from costimpact.orders.marketplace import combine, finish, prepare
from costimpact.orders.messages import OrderFileRefused
from costimpact.orders.normalize import normalize_raw
from costimpact.orders.readers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_UNZIPPED_BYTES,
    RawTable,
    _drop_blank,
    _mb,
    _unique_headers,
    read_csv_bytes,
    read_xlsx_sheets,
    sniff,
)
from costimpact.orders.result import ImportResult


def read_orders(
    data: bytes,
    file_name: str,
    *,
    mapping: dict[str, str] | None = None,
    max_bytes: int | None = None,
    max_unzipped_bytes: int | None = None,
    sheet: str | None = None,
    catalogue: Catalogue | None = None,
) -> ImportResult:
    """Read an order file (CSV or XLSX bytes) into lines and rejects; never drops a row.

    ``mapping`` is ``{header in the file: canonical column}`` from a mapping step; unmapped headers are matched
    automatically. ``max_bytes`` (default 512 MB) caps the file, ``max_unzipped_bytes`` (default 2 GB) what an
    XLSX may unpack to. ``sheet`` picks a sheet (default: ``orders``/``订单``, else the first).
    A marketplace export (Shopify, Amazon ...) is recognised by its headers; ``catalogue`` (see
    :func:`costimpact.orders.catalogue.read_catalogue`) fills in HS codes and origins by SKU.
    A file that cannot be read at all raises :class:`costimpact.errors.FileRefused` with one line.
    """
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise OrderFileRefused("too_large", file=file_name, size=_mb(len(data)), limit=_mb(limit))
    kind = sniff(data, file_name, DEFAULT_MAX_UNZIPPED_BYTES if max_unzipped_bytes is None else max_unzipped_bytes)
    skipped: list[str] = []
    try:
        if kind == "xlsx":
            tables, skipped = read_xlsx_sheets(data, file_name, sheet, lambda headers: _names_orders(headers, mapping))
        else:
            tables = [read_csv_bytes(data, file_name, lambda headers: read_types(headers, mapping))]
    except FileRefused:
        raise
    except (MemoryError, RecursionError):
        raise OrderFileRefused("too_large", file=file_name, size=_mb(len(data)), limit=_mb(limit)) from None
    except Exception as err:  # a reader's surprise on a damaged file: still one line, never a traceback
        raise OrderFileRefused("xlsx_unreadable" if kind == "xlsx" else "binary", file=file_name,
                               detail=f"{type(err).__name__}: {str(err)[:100]}") from None
    # the file's fingerprint is hashed on another thread (hashlib lets go of the GIL) while the checks run
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        # marketplace exports recognised and the catalogue joined, sheet by sheet, before the usual checks
        preps = [prepare(t, file_name, mapping, catalogue) for t in tables]
        if len(tables) == 1:
            lines, rejects, used = normalize_raw(preps[0].raw, preps[0].mapping, file_name)
        else:
            merged: dict[str, str] = {}
            for p in preps:
                merged.update(p.mapping or {})
            lines, rejects, used = _normalize_sheets([p.raw for p in preps], merged or None, file_name)
        sha256 = digest.result()
    raw = tables[0]
    return finish(ImportResult(
        lines=lines, rejects=rejects, rows_read=sum(len(p.raw.frame) for p in preps), file_name=file_name,
        sha256=sha256, sheet=", ".join(t.sheet for t in tables if t.sheet) or None, encoding=raw.encoding,
        mapping=used, blank_rows=sum(t.blank_rows for t in tables),
        sheets=tuple(t.sheet for t in tables if t.sheet), sheets_skipped=tuple(skipped),
    ), combine(preps))


def _names_orders(headers: list[str], mapping: dict[str, str] | None) -> bool:
    """Whether a sheet's header row names every required column (automatically, or through ``mapping``)."""
    own = {h: c for h, c in (mapping or {}).items() if h in set(headers)}
    try:
        used = resolve_mapping(headers, own)
    except ArgumentError:
        return False
    return set(REQUIRED) <= set(used.values())


def _normalize_sheets(tables: list[RawTable], mapping: dict[str, str] | None,
                      file_name: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Each order sheet checked on its own headers, then the lines and rejects of all, with a ``sheet`` column
    naming where each came from (row numbers are already apart: ``readers.SHEET_ROW_STRIDE``)."""
    all_lines, all_rejects, used_all = [], [], {}
    for raw in tables:
        own = {h: c for h, c in (mapping or {}).items() if h in set(raw.headers)}
        lines, rejects, used = normalize_raw(raw, own, file_name)
        all_lines.append(lines.assign(sheet=raw.sheet))
        all_rejects.append(rejects.assign(sheet=raw.sheet))
        used_all.update(used)
    lines = pd.concat(all_lines, ignore_index=True)
    return _note_copies_across_sheets(lines), pd.concat(all_rejects, ignore_index=True), used_all


def _note_copies_across_sheets(lines: pd.DataFrame) -> pd.DataFrame:
    """A line identical (in every canonical column) to a line of an earlier sheet is priced, as within a sheet,
    and says so: a copied sheet would otherwise double an order without a word."""
    from costimpact.orders.columns import CANONICAL
    from costimpact.orders.messages import text

    if not len(lines):
        return lines
    cols = [c for c in CANONICAL if c in lines.columns]
    group = lines.groupby(cols, dropna=False, sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(lines))).groupby(group).transform("first").to_numpy()
    sheet = lines["sheet"].to_numpy(dtype=object)
    copy = sheet != sheet[first]
    if copy.any():
        where = [f"{lines['row_number'].iloc[i]} ({sheet[i]})" for i in first[copy]]
        new = pd.Series([text("note.duplicate", value=w) for w in where], dtype=object)
        old = lines["notes"].to_numpy(dtype=object)[copy]
        lines.loc[copy, "notes"] = np.where(old == "", new, old + "; " + new)
    return lines


def read_orders_path(path: str | Path, **kw: object) -> ImportResult:
    """:func:`read_orders` on a file; the file name in messages is the path's name."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise OrderFileRefused("not_spreadsheet", file=p.name, what="a path that does not exist") from None
    except IsADirectoryError:
        raise OrderFileRefused("not_spreadsheet", file=p.name, what="a folder") from None
    return read_orders(data, p.name, **kw)  # type: ignore[arg-type]


def normalize_frame(
    df: pd.DataFrame,
    *,
    mapping: dict[str, str] | None = None,
    file_name: str = "(data frame)",
    first_row: int = 2,
    catalogue: Catalogue | None = None,
) -> ImportResult:
    """:func:`read_orders` for a DataFrame already in memory (the Python API).

    Row ``i`` of ``df`` is reported as spreadsheet row ``first_row + i`` (the header is row 1). Cells may be
    text, numbers or datetimes, as pandas or a caller left them.
    """
    headers = _unique_headers(list(df.columns))
    frame = df.reset_index(drop=True).copy()
    frame.columns = headers
    raw = _drop_blank(RawTable(headers, frame, np.arange(len(frame), dtype=np.int64) + first_row))
    prep = prepare(raw, file_name, mapping, catalogue)
    lines, rejects, used = normalize_raw(prep.raw, prep.mapping, file_name)
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame.astype("str"), index=False).to_numpy().tobytes()).hexdigest()
    return finish(ImportResult(lines=lines, rejects=rejects, rows_read=len(prep.raw.frame), file_name=file_name,
                               sha256=digest, mapping=used, blank_rows=raw.blank_rows), prep)
