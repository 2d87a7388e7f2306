"""Entry points: order bytes, a path, or a DataFrame in memory -> :class:`ImportResult`."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.errors import FileRefused
from costimpact.orders.catalogue import Catalogue
from costimpact.orders.columns import read_types
from costimpact.orders.marketplace import finish, prepare
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
    read_xlsx_bytes,
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
    try:
        if kind == "xlsx":
            raw = read_xlsx_bytes(data, file_name, sheet)
        else:
            raw = read_csv_bytes(data, file_name, lambda headers: read_types(headers, mapping))
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
        prep = prepare(raw, file_name, mapping, catalogue)
        lines, rejects, used = normalize_raw(prep.raw, prep.mapping, file_name)
        sha256 = digest.result()
    return finish(ImportResult(
        lines=lines, rejects=rejects, rows_read=len(prep.raw.frame), file_name=file_name,
        sha256=sha256, sheet=raw.sheet, encoding=raw.encoding, mapping=used, blank_rows=raw.blank_rows,
    ), prep)


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
