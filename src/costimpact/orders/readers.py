"""Read order-file bytes into a raw table of cells, or refuse the whole file with one clear line.

Every reader returns a :class:`RawTable`: the header row (as the seller wrote it), the data cells (CSV: text;
XLSX: the values calamine gives - text, floats, dates), the spreadsheet row number of every data row, and the
problems found in cells that a reader alone can see (formulas without a saved result, Excel error values,
rows with more cells than the header). Nothing is dropped here except fully blank rows, which are counted.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from costimpact.orders.columns import match_header
from costimpact.orders.messages import OrderFileRefused

DEFAULT_MAX_BYTES = 512 * 1024 * 1024  # what one upload may weigh
DEFAULT_MAX_UNZIPPED_BYTES = 2 * 1024 * 1024 * 1024  # what an xlsx may unpack to
SHEET_NAMES = ("orders", "订单")
HEADER_SEARCH_ROWS = 10  # a title or a note above the header row is skipped if the header is this close
_MB = 1024 * 1024


# given the headers, the columns (by position) to read as "number" or "category" rather than text
Typing = Callable[[list[str]], dict[int, str]]


@dataclass
class RawTable:
    headers: list[str]
    frame: pd.DataFrame  # columns are ``headers`` (made unique); cells raw
    row_numbers: np.ndarray  # spreadsheet row of every frame row (header = its own row, usually 1)
    sheet: str | None = None
    encoding: str | None = None
    decimal_comma: bool = False
    # (row_number, header, value, problem key) for cells a reader found unusable
    cell_problems: list[tuple[int, str, str, str]] = field(default_factory=list)
    # (row_number, header) of cells filled from a merged range
    merged: list[tuple[int, str]] = field(default_factory=list)
    blank_rows: int = 0


# ---------------------------------------------------------------------------------------------------------
# what kind of file is this


def sniff(data: bytes, file_name: str, max_unzipped_bytes: int) -> str:
    """``"xlsx"`` or ``"csv"``; anything else is refused with the reason and the fix."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data[2:] if data.startswith((b"\xff\xfe", b"\xfe\xff")) else data
    if not body[:4096].strip(b" \t\r\n\x00") and not body.strip(b" \t\r\n\x00"):
        raise OrderFileRefused("empty", file=file_name)
    head = data[:16]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(data, file_name, max_unzipped_bytes)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if "EncryptionInfo".encode("utf-16-le") in data[:1_000_000] or "EncryptedPackage".encode("utf-16-le") in data:
            raise OrderFileRefused("encrypted", file=file_name)
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            raise OrderFileRefused("xls", file=file_name)
        raise OrderFileRefused("ole_other", file=file_name)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise OrderFileRefused("not_spreadsheet", file=file_name, what=what)
    start = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<body", b"<meta")):
        raise OrderFileRefused("html", file=file_name)
    if start.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192]:
            raise OrderFileRefused("xml2003", file=file_name)
        if b"<html" in data[:8192].lower():
            raise OrderFileRefused("html", file=file_name)
        raise OrderFileRefused("not_spreadsheet", file=file_name, what="an XML document")
    return "csv"


_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"BM", None),  # bitmap: only with a plausible header, see below
    (b"{\\rtf", "an RTF document"),
    (b"SQLite format 3", "a database file"),
)
_MAGIC = tuple((m, w) for m, w in _MAGIC if w)


def _sniff_zip(data: bytes, file_name: str, limit: int) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise OrderFileRefused("xlsx_unreadable", file=file_name, detail="damaged zip container") from None
    total = sum(max(i.file_size, 0) for i in infos)
    if total > limit:
        raise OrderFileRefused("zip_bomb", file=file_name, size=_mb(total), limit=_mb(limit))
    names = {i.filename for i in infos}
    if any(n.startswith("xl/") and n.endswith("workbook.xml") for n in names) or "xl/workbook.bin" in names:
        if "xl/workbook.bin" in names and not any(n.endswith("workbook.xml") for n in names):
            raise OrderFileRefused("xlsx_unreadable", file=file_name, detail="a binary .xlsb workbook")
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:
        raise OrderFileRefused("ods", file=file_name)
    if any(n.startswith("word/") for n in names):
        raise OrderFileRefused("not_spreadsheet", file=file_name, what="a Word document")
    if any(n.startswith("ppt/") for n in names):
        raise OrderFileRefused("not_spreadsheet", file=file_name, what="a PowerPoint file")
    raise OrderFileRefused("not_spreadsheet", file=file_name, what="a zip archive")


def _mb(n: int) -> str:
    return f"{n / _MB:,.1f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------------------------------------
# CSV


def decode(data: bytes, file_name: str) -> tuple[str, str]:
    """(text, encoding name). BOM first, then UTF-16 without BOM, strict UTF-8, GB18030, charset-normalizer."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", file_name), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", file_name), "utf-16"
    sample = data[:4096]
    if len(sample) >= 4:
        even_nul = sample[0::2].count(0) / len(sample[0::2])
        odd_nul = sample[1::2].count(0) / len(sample[1::2])
        if odd_nul > 0.3 and even_nul < 0.05:
            return _strict(data, "utf-16-le", file_name), "utf-16-le"
        if even_nul > 0.3 and odd_nul < 0.05:
            return _strict(data, "utf-16-be", file_name), "utf-16-be"
    if b"\x00" in sample:
        raise OrderFileRefused("binary", file=file_name)
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        raise OrderFileRefused("binary", file=file_name)
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError):
        raise OrderFileRefused("binary", file=file_name) from None


def _strict(data: bytes, enc: str, file_name: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError:
        raise OrderFileRefused("binary", file=file_name) from None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def _sniff_delimiter(head_lines: list[str]) -> str:
    """The delimiter among , ; tab | that splits the first lines most consistently into most fields."""
    best, best_score = ",", (-1.0, 0)
    for delim in (",", ";", "\t", "|"):
        try:
            counts = [len(r) for r in csv.reader(head_lines, delimiter=delim)]
        except csv.Error:
            continue
        counts = [c for c in counts if c > 0]
        if not counts:
            continue
        typical = max(set(counts), key=counts.count)
        if typical < 2:
            continue
        share = counts.count(typical) / len(counts)
        score = (share, typical)
        if score > best_score:
            best, best_score = delim, score
    return best


def read_csv_bytes(data: bytes, file_name: str, typing: Typing | None = None) -> RawTable:
    """Read CSV bytes: encoding and delimiter detected, header row found, every cell kept as text.

    The fast path hands UTF-8 bytes to Arrow's multi-threaded CSV reader (which also checks the UTF-8);
    rows of the wrong width, blank lines or a wrong guess at the encoding fall back to slower, forgiving paths.
    ``typing`` (given the headers) may ask for some columns as plain numbers or as dictionary-encoded text, which
    Arrow then builds while it parses; a column that does not hold only plain numbers is read as text after all.
    """
    encoding, utf8 = _fast_utf8(data)
    text_head = None
    if utf8 is None:
        text, encoding = decode(data, file_name)
        text = text.removeprefix("\ufeff")
        utf8 = text.encode("utf-8")
        text_head = text[:65536]
    sample = text_head if text_head is not None else _head_text(utf8)
    if len(_CONTROL.findall(sample)) > max(2, len(sample) // 200):
        raise OrderFileRefused("binary", file=file_name)
    head_lines = sample.splitlines()[:50]
    if len(sample) >= 65536 - 4 and len(head_lines) > 1:
        head_lines = head_lines[:-1]  # the last line of the sample may be cut
    delim = _sniff_delimiter(head_lines)
    head_records = list(csv.reader(head_lines, delimiter=delim))
    header_idx = _find_header(head_records)
    if header_idx is None:
        raise OrderFileRefused("no_header", file=file_name, where="")
    headers = _unique_headers(head_records[header_idx])
    n = len(headers)
    cell_problems: list[tuple[int, str, str, str]] = []
    types = typing(headers) if typing is not None else {}
    if delim == ";":  # decimal commas: numbers go through the text parser that knows them
        types = {j: t for j, t in types.items() if t != "number"}
    frame = _read_arrow(utf8, delim, header_idx + 1, n, types)
    if frame is _BAD_UTF8:
        text, encoding = decode(data, file_name)
        utf8 = text.removeprefix("\ufeff").encode("utf-8")
        frame = _read_arrow(utf8, delim, header_idx + 1, n, types)
    if frame is None or frame is _BAD_UTF8:
        # physical lines before the data: the header's record may span lines when a quoted cell holds a newline
        reader = csv.reader(io.StringIO(sample), delimiter=delim)
        for _ in range(header_idx + 1):
            next(reader)
        skip = reader.line_num
        # the forgiving path (blank lines, rows of the wrong width): Python's csv module, every row kept
        with _gc_paused():
            frame, cell_problems = _read_ragged(utf8.decode("utf-8", "replace"), delim, skip, headers, header_idx)
    frame.columns = headers
    row_numbers = np.arange(len(frame), dtype=np.int64) + header_idx + 2
    return _drop_blank(RawTable(headers, frame, row_numbers, None, encoding, delim == ";", cell_problems))


_BAD_UTF8 = object()


def _fast_utf8(data: bytes) -> tuple[str, bytes | None]:
    """(encoding, UTF-8 bytes) when the file looks like UTF-8 from its head, else ("", None)."""
    import codecs

    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        enc = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        return "", None
    else:
        body, enc = data, "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body[:65536], final=False)
    except UnicodeDecodeError:
        return "", None
    return enc, body


def _head_text(utf8: bytes) -> str:
    import codecs

    return codecs.getincrementaldecoder("utf-8")(errors="replace").decode(utf8[:65536], final=False)


def _read_arrow(utf8: bytes, delim: str, skip_rows: int, n: int, types: dict[int, str] | None = None):  # noqa: ANN202
    """The cells through pyarrow; None when a row has the wrong width or a line is blank.

    Columns are text, except those ``types`` names: ``"number"`` (float64, asked only for columns that should
    hold plain numbers) and ``"category"`` (dictionary-encoded text, for columns of few distinct values).
    A number column holding anything else ("$12", "n/a", "nan") makes the whole read start again as text, so
    the checks see every cell as written.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(n)]
    types = dict(types or {})
    odd_rows: list[int] = []

    def on_invalid(row) -> str:  # noqa: ANN001
        odd_rows.append(1)
        return "skip"

    def read(newlines_in_values: bool, typed: bool):  # noqa: ANN202
        column_types = {c: pa.string() for c in names}
        if typed:
            for j, kind in types.items():
                column_types[names[j]] = pa.float64() if kind == "number" else pa.dictionary(pa.int32(), pa.string())
        return pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip_rows, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delim, quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=newlines_in_values, ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=column_types, null_values=[""],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )

    def numbers_plain(table) -> bool:  # noqa: ANN001
        """No NaN or infinity typed into a number column: those are problems the text checks must name."""
        for j, kind in types.items():
            if kind == "number":
                col = table.column(names[j])
                if pc.any(pc.or_(pc.is_nan(col), pc.is_inf(col))).as_py():
                    return False
        return True

    typed = bool(types)
    try:
        # fast first: Arrow splits its blocks at newlines without looking at quotes. A newline inside a quoted
        # cell is read right within a block, but one cut at a block edge can leave two rows of the right width
        # and wrong cells. So when the file has quotes at all, fewer (or more) rows than lines, like a row of
        # the wrong width, means reading again with quote-aware blocks (slower, exact)
        try:
            table = read(False, typed)
        except pa.ArrowInvalid as err:
            if not typed or "conversion error" not in str(err).lower():
                raise
            table = None
        if typed and (table is None or not numbers_plain(table)):  # a number column that is not plain numbers
            odd_rows.clear()
            typed = False
            table = read(False, typed)
        if odd_rows or (b'"' in utf8 and table.num_rows != _physical_lines(utf8) - skip_rows):
            odd_rows.clear()
            table = read(True, typed)
    except pa.ArrowInvalid as err:
        return _BAD_UTF8 if "utf8" in str(err).lower() or "utf-8" in str(err).lower() else None
    except (pa.ArrowException, ValueError, OSError):
        return None
    if odd_rows:
        return None
    frame = table.to_pandas()
    frame.columns = list(range(n))
    return frame


def _physical_lines(utf8: bytes) -> int:
    return utf8.count(b"\n") + (0 if utf8.endswith(b"\n") else 1)


def _read_ragged(text: str, delim: str, skip: int, headers: list[str], header_idx: int):
    """The slow path for rows with more cells than the header: keep them, and reject them by name."""
    lines = io.StringIO(text)
    for _ in range(skip):
        lines.readline()
    n = len(headers)
    rows: list[list[str]] = []
    problems: list[tuple[int, str, str, str]] = []
    for i, rec in enumerate(csv.reader(lines, delimiter=delim)):
        if len(rec) > n:
            extra = [c for c in rec[n:] if c.strip()]
            if extra:
                problems.append((header_idx + 2 + i, headers[-1], f"{len(rec)} cells, header {n}", "too_many_cells"))
            rec = rec[:n]
        elif len(rec) < n:
            rec = rec + [""] * (n - len(rec))
        rows.append(rec)
    frame = pd.DataFrame(rows, columns=list(range(n)), dtype="str") if rows else pd.DataFrame(
        {i: pd.Series([], dtype="str") for i in range(n)})
    return frame, problems


def _find_header(records: list[list]) -> int | None:
    """The header row: among the first non-blank rows, the one naming most known columns (first if none do)."""
    best, best_hits, first = None, 0, None
    seen = 0
    for i, rec in enumerate(records):
        cells = [c for c in rec if c is not None and str(c).strip() != ""]
        if not cells:
            continue
        if first is None:
            first = i
        hits = len({match_header(c) for c in cells} - {None})
        if hits > best_hits:
            best, best_hits = i, hits
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return best if best is not None else first


def _unique_headers(cells: list) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for j, c in enumerate(cells):
        name = _cell_header(c) or f"column_{_col_letter(j)}"
        base, k = name, 2
        while name in seen:
            name, k = f"{base} ({k})", k + 1
        seen.add(name)
        out.append(name)
    return out


def _cell_header(c: object) -> str:
    if c is None:
        return ""
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    return str(c).strip()


def _col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _drop_blank(raw: RawTable) -> RawTable:
    """Fully blank rows (Excel's trailing rows, empty lines) are not order lines: drop them, count them."""
    frame = raw.frame
    if len(frame) == 0:
        return raw
    blank = np.ones(len(frame), dtype=bool)
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = pd.Series(s.cat.categories.to_numpy(dtype=object), dtype=object)
            blank_cat = np.append(cats.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool), True)
            codes = s.cat.codes.to_numpy(dtype=np.int64)
            empty = blank_cat[np.where(codes < 0, len(cats), codes)]
        elif s.dtype == object:
            empty = s.isna().to_numpy() | s.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
        elif pd.api.types.is_string_dtype(s.dtype):
            empty = s.isna().to_numpy() | (s.str.len().fillna(0).to_numpy() == 0)
            if not empty.all():
                maybe = ~empty
                empty[maybe] = (s[maybe].str.strip().str.len() == 0).to_numpy()
        else:
            empty = s.isna().to_numpy()
        blank &= empty
        if not blank.any():
            break
    # rows named by a cell problem are never blank: the problem must reach the rejects
    if raw.cell_problems:
        flagged = np.isin(raw.row_numbers, [p[0] for p in raw.cell_problems])
        blank &= ~flagged
    if blank.any():
        keep = ~blank
        raw.frame = frame.loc[keep].reset_index(drop=True)
        raw.row_numbers = raw.row_numbers[keep]
        raw.blank_rows += int(blank.sum())
    return raw


# ---------------------------------------------------------------------------------------------------------
# XLSX


@contextlib.contextmanager
def _gc_paused():  # noqa: ANN202
    """Pause Python's cycle collector while a reader makes millions of short-lived cell objects.

    They hold no cycles (reference counting frees them), yet every few thousand allocations the collector
    would walk every object of the process: a third of the time of a large read in a busy process.
    The switch is process-wide, so only a process with one thread (the CLI, a script) pauses it: in a
    server (the app's sessions run in threads) it would stop collection for every session.
    """
    was_on = gc.isenabled() and threading.active_count() == 1
    if was_on:
        gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def read_xlsx_bytes(data: bytes, file_name: str, sheet: str | None = None) -> RawTable:
    """Read the order sheet of XLSX bytes (``sheet``, else ``orders``/``订单``, else the first visible one)."""
    return read_xlsx_sheets(data, file_name, sheet)[0][0]


# rows of the k-th order sheet of a workbook (counting from 0) are numbered k x this + their spreadsheet row,
# so every line keeps one number of its own that still tells its sheet and row (10000005: 2nd sheet, row 5)
SHEET_ROW_STRIDE = 10_000_000


def read_xlsx_sheets(data: bytes, file_name: str, sheet: str | None = None,
                     is_orders: Callable[[list[str]], bool] | None = None) -> tuple[list[RawTable], list[str]]:
    """(the order sheets of a workbook, the visible sheets not read).

    ``sheet`` given: that sheet alone. Else every visible worksheet whose header row ``is_orders`` accepts (a
    workbook of monthly sheets is read whole), in workbook order; when none does, the sheet named
    ``orders``/``订单`` or else the first visible one (whose missing columns the checks then name).
    """
    with _gc_paused():
        wb = _open_workbook(data, file_name)
        names = list(wb.sheet_names)
        if sheet is not None:
            if sheet not in names:
                raise OrderFileRefused("no_sheet", file=file_name, sheet=sheet, found=", ".join(names))
            return [_read_sheet(wb, data, file_name, sheet)], []
        visible = [m.name for m in wb.sheets_metadata if str(m.visible).endswith("Visible") and
                   "Hidden" not in str(m.visible) and str(m.typ).endswith("WorkSheet")]
        fallback = next((n for n in names if n.strip().lower() in SHEET_NAMES), None)
        if fallback is None:
            fallback = visible[0] if visible else (names[0] if names else None)
        if fallback is None:
            raise OrderFileRefused("no_header", file=file_name, where=" (the workbook has no sheet)")
        if is_orders is None or len(visible) < 2:
            return [_read_sheet(wb, data, file_name, fallback)], [n for n in visible if n != fallback]
        tables: list[RawTable] = []
        skipped: list[str] = []
        for name in visible:
            try:
                raw = _read_sheet(wb, data, file_name, name)
            except OrderFileRefused:
                skipped.append(name)
                continue
            if is_orders(raw.headers):
                tables.append(_offset_rows(raw, len(tables)))
            else:
                skipped.append(name)
        if not tables:
            return [_read_sheet(wb, data, file_name, fallback)], [n for n in visible if n != fallback]
        return tables, skipped


def _offset_rows(raw: RawTable, k: int) -> RawTable:
    """Number the rows of the k-th order sheet apart from the others' (see ``SHEET_ROW_STRIDE``)."""
    if k == 0:
        return raw
    off = k * SHEET_ROW_STRIDE
    raw.row_numbers = raw.row_numbers + off
    raw.cell_problems = [(r + off, *rest) for r, *rest in raw.cell_problems]
    raw.merged = [(r + off, h) for r, h in raw.merged]
    return raw


def _open_workbook(data: bytes, file_name: str):  # noqa: ANN202
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as err:  # calamine raises its own types and plain ones for damaged parts
        if "password" in str(err).lower() or "encrypt" in str(err).lower():
            raise OrderFileRefused("encrypted", file=file_name) from None
        raise OrderFileRefused("xlsx_unreadable", file=file_name, detail=_short(err)) from None


def _read_sheet(wb, data: bytes, file_name: str, chosen: str) -> RawTable:  # noqa: ANN001
    # calamine shows a formula without a saved result, or an error value, as an empty cell, and drops such
    # cells from the end of the sheet: a byte search of the sheet XML tells whether a closer look is needed.
    # It runs on another thread while calamine parses (calamine lets go of the GIL)
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan = pool.submit(_formula_and_error_cells, data, chosen)
        try:
            ws = wb.get_sheet_by_name(chosen)
            rows = ws.to_python(skip_empty_area=False)
            merged = list(ws.merged_cell_ranges or [])
        except Exception as err:
            scan.cancel()
            raise OrderFileRefused("xlsx_unreadable", file=file_name, detail=_short(err)) from None
        cell_xml = scan.result()
    if cell_xml:  # calamine stops at the last cell with a value; a trailing formula row may lie beyond
        last = max(r for r, _ in cell_xml)
        width = max((len(r) for r in rows), default=0)
        width = max(width, max(c for _, c in cell_xml) + 1)
        while len(rows) <= last:
            rows.append([""] * width)

    header_idx = _find_header(rows[: HEADER_SEARCH_ROWS * 5])
    if header_idx is None:
        raise OrderFileRefused("no_header", file=file_name, where=f" (sheet {chosen!r} is blank)")
    header_cells = list(rows[header_idx])
    while header_cells and _cell_header(header_cells[-1]) == "":
        header_cells.pop()
    n = len(header_cells)
    headers = _unique_headers(header_cells)
    data_rows = rows[header_idx + 1:]
    if not (data_rows and len(set(map(len, data_rows))) == 1 and len(data_rows[0]) >= n):
        data_rows = [list(r[:n]) + [""] * (n - len(r)) if len(r) < n else list(r[:n]) for r in data_rows]
    # one 2-D object array (the usual rectangle goes in as it is), then a contiguous array per column
    block = np.array(data_rows, dtype=object) if data_rows else np.empty((0, n), dtype=object)
    columns = [np.ascontiguousarray(block[:, j]) for j in range(n)]
    del rows[header_idx + 1:], data_rows, block  # the cells now live in ``columns``

    merged_cells: list[tuple[int, str]] = []
    for (r0, c0), (r1, c1) in merged:
        if r1 <= header_idx or c0 >= n:
            continue
        if r0 <= header_idx:
            value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        else:
            value = columns[c0][r0 - header_idx - 1] if r0 - header_idx - 1 < len(columns[c0]) else ""
        for r in range(max(r0, header_idx + 1), r1 + 1):
            for c in range(c0, min(c1, n - 1) + 1):
                i = r - header_idx - 1
                if i >= len(columns[c]) or (r, c) == (r0, c0):
                    continue
                if columns[c][i] == "":
                    columns[c][i] = value
                    merged_cells.append((r + 1, headers[c]))

    problems: list[tuple[int, str, str, str]] = []
    for (r, c), (kind, text) in sorted(cell_xml.items()):
        if r <= header_idx or c >= n:
            continue
        problems.append((r + 1, headers[c], text, kind))

    frame = pd.DataFrame({j: _cells_to_series(col) for j, col in enumerate(columns)}) if columns and len(columns[0]) \
        else pd.DataFrame({j: pd.Series([], dtype=object) for j in range(n)})
    frame.columns = headers
    row_numbers = np.arange(len(frame), dtype=np.int64) + header_idx + 2
    raw = RawTable(headers, frame, row_numbers, chosen, None, False, problems, merged_cells)
    return _drop_blank(raw)


def _cells_to_series(arr: np.ndarray) -> pd.Series:
    """One column of workbook cells as a Series of the narrowest honest type.

    All text: ``str``. Numbers (blank cells allowed): float64 with NaN where blank. Dates (blank allowed):
    datetime64. Anything mixed (numbers and text in one column) stays ``object`` with every cell as calamine
    gave it, so the checks see exactly what the seller typed. Arrow does the type test at C speed.
    """
    import pyarrow as pa

    try:
        typed = pa.array(arr, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        typed = None
    if typed is not None and pa.types.is_string(typed.type):
        return pd.Series(typed.to_pandas(), dtype="str")
    blank = np.asarray(arr == "", dtype=bool) if typed is None else np.zeros(len(arr), dtype=bool)
    if typed is None and blank.any() and not blank.all():  # numbers or dates with blank cells between them
        holes = arr.copy()
        holes[blank] = None
        try:
            typed = pa.array(holes, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
            typed = None
    if typed is not None:
        if pa.types.is_floating(typed.type) or pa.types.is_integer(typed.type):
            return pd.Series(typed.to_numpy(zero_copy_only=False).astype(float))
        if pa.types.is_timestamp(typed.type) or pa.types.is_date(typed.type):
            return pd.Series(pd.to_datetime(typed.to_pandas(), errors="coerce"), dtype="datetime64[ns]")
    return pd.Series(arr, dtype=object)


def _short(err: Exception) -> str:
    msg = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return msg[:120]


_SHEET_REL = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"', re.S)
_SHEET_REL2 = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"', re.S)
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|'
                  rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"', re.S)
_FORMULA_OR_ERROR = re.compile(rb'<(?:\w+:)?f[\s>/]|\bt="e"')
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_V = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_C_CLOSE = re.compile(rb"</(?:\w+:)?c>")
_F = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)


def _formula_and_error_cells(data: bytes, sheet_name: str) -> dict[tuple[int, int], tuple[str, str]]:
    """Cells calamine shows as empty that are formulas without a saved result, or Excel error values.

    calamine reads cached values only, so a formula never calculated (written by a script, or saved with
    manual calculation) reads as an empty cell. This looks at the sheet XML: a byte search first, and only if
    that finds a formula or an error cell, a scan of those cells. ``{(row0, col0): (problem key, text)}``.
    """
    import html

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            part = _sheet_part(zf, sheet_name)
            if part is None:
                return {}
            xml = zf.read(part)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return {}
    # plain byte searches (a regex over a large sheet costs seconds): three broad ones first, which nearly
    # every sheet without formulas fails, then the exact tokens
    if not (b"<f" in xml or b":f" in xml or b't="e"' in xml):
        return {}
    if not any(tok in xml for tok in (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"')):
        return {}
    found: dict[tuple[int, int], tuple[str, str]] = {}
    for m in _FORMULA_OR_ERROR.finditer(xml):
        start = max(xml.rfind(b"<c ", 0, m.start()), xml.rfind(b":c ", 0, m.start()))
        tag_end = xml.find(b">", start) if start >= 0 else -1
        if tag_end < 0:
            continue
        ref = _CELL_REF.search(xml, start, tag_end + 1)
        if ref is None:
            continue
        col = 0
        for ch in ref.group(1):
            col = col * 26 + (ch - 64)
        key = (int(ref.group(2)) - 1, col - 1)
        if key in found:
            continue
        if xml[tag_end - 1: tag_end] == b"/":  # <c r="A1" t="e"/>: no content
            cell = xml[start: tag_end + 1]
        else:
            close = _C_CLOSE.search(xml, tag_end)
            cell = xml[start: close.end() if close else len(xml)]
        v = _V.search(cell)
        value = html.unescape(v.group(1).decode("utf-8", "replace")) if v else ""
        is_error = b't="e"' in xml[start: tag_end + 1]
        fm = _F.search(cell)
        if is_error and value:
            found[key] = ("excel_error", value)
        elif value == "" and fm is not None:
            ftext = html.unescape((fm.group(1) or b"").decode("utf-8", "replace"))
            found[key] = ("formula_no_value", "=" + ftext if ftext else "a shared formula")
    return found


def _sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    wb = zf.read("xl/workbook.xml")
    rels = zf.read("xl/_rels/workbook.xml.rels")
    import html

    rid = None
    for m in _SHEET_REL.finditer(wb):
        if html.unescape(m.group(1).decode("utf-8")) == sheet_name:
            rid = m.group(2)
    if rid is None:
        for m in _SHEET_REL2.finditer(wb):
            if html.unescape(m.group(2).decode("utf-8")) == sheet_name:
                rid = m.group(1)
    if rid is None:
        return None
    for m in _REL.finditer(rels):
        ident, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if ident == rid:
            t = target.decode("utf-8")
            return t.lstrip("/") if t.startswith("/") else "xl/" + t
    return None
