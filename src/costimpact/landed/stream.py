"""Price an order file of any size in bounded memory: the same lines, cents and order as the in-memory run.

Three passes over disk, each holding one slice of the file at a time:

1. **Read**: the file is read in chunks (CSV cut at record boundaries, Parquet by record batch, XLSX by rows),
   each chunk checked by the existing readers and ``normalize_raw``/``normalize_frame`` with its true row
   numbers. Every normalised line goes to a partition chosen by the day its goods travelled. Both groupings
   the rules need (a shipment: id, mode and travel day; a buyer's day for de minimis) lie inside one travel
   day, so no group is ever split between partitions, however the file is ordered.
2. **Price**: each partition is priced whole by the pure engine (:func:`costimpact.landed.markets.price_any`)
   with the output layout of the whole file (the destinations pass 1 saw: each destination adds its own
   ``_local`` columns); its priced lines are cut into buckets of consecutive row numbers.
3. **Write**: bucket by bucket, in row order, the lines are sorted and appended to the output.

Spilled slices are pickled DataFrames (exact dtypes, local temporary files this process wrote itself).
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import pickle
import shutil
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.errors import ArgumentError
from costimpact.landed.engine import resolve_scenario
from costimpact.landed.markets import price_any
from costimpact.landed.result import REJECT_COLUMNS
from costimpact.orders.messages import OrderFileRefused, per_row

CHUNK_BYTES = 48 * 1024 * 1024  # about 300k lines of a typical order CSV
CHUNK_ROWS = 250_000  # Parquet and XLSX chunks
PART_ROWS = 250_000  # lines per partition and per output bucket (what one engine call holds)
_CHUNK = "__chunk_first_row"


# ---------------------------------------------------------------------------------------------------------
# progress and safe output


class Progress:
    """One line on stderr, rewritten at most once a second: what is done, how fast, how long is left."""

    def __init__(self, quiet: bool = False, stream=None) -> None:  # noqa: ANN001
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.phase, self.total, self.done = "", 0, 0
        self.t0 = self.last = time.monotonic()
        self.shown = False

    def start(self, phase: str, total: int) -> None:
        self.phase, self.total, self.done = phase, max(int(total), 0), 0
        self.t0 = time.monotonic()

    def add(self, n: int) -> None:
        self.done += int(n)
        now = time.monotonic()
        if not self.quiet and (now - self.last >= 1.0 or self.done >= self.total > 0):
            self.last = now
            rate = self.done / max(now - self.t0, 1e-9)
            left = (self.total - self.done) / rate if rate > 0 and self.total > self.done else 0.0
            of = f" of ~{self.total:,}" if self.total else ""
            self.stream.write(f"\r{self.phase}: {self.done:,}{of} lines, {rate:,.0f} lines/s, ~{left:,.0f} s left   ")
            self.stream.flush()
            self.shown = True

    def close(self) -> None:
        if self.shown and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
        self.shown = False


def staged_name(path: Path) -> Path:
    """Where ``path`` is written until it is complete (same folder, so the final rename is atomic)."""
    return path.with_name(f".{path.name}.partial-{os.getpid()}")


@contextlib.contextmanager
def staged(path: Path) -> Iterator[Path]:
    """Yield a temporary name beside ``path``; on success rename it to ``path``, on any failure (Ctrl-C
    included) delete it. A half-written file never carries the final name."""
    tmp = staged_name(path)
    _remove(tmp)
    try:
        yield tmp
    except BaseException:
        _remove(tmp)
        raise
    if path.is_dir() and tmp.is_dir():  # replace a previous output folder
        old = path.with_name(f".{path.name}.old-{os.getpid()}")
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


def _remove(p: Path) -> None:
    if p.is_dir():
        shutil.rmtree(p, ignore_errors=True)
    elif p.exists():
        p.unlink()


# ---------------------------------------------------------------------------------------------------------
# pass 1: chunked readers (each chunk through the existing readers and checks)


@dataclass
class Chunk:
    lines: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    blank_rows: int
    first_row: int  # the chunk's first row number (identical rows across chunks are matched with it)


def order_sources(path: Path) -> list[Path]:
    """The files of an order input: the file itself, or a folder's .csv/.parquet/.xlsx parts in name order."""
    if path.is_dir():
        parts = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".txt", ".parquet", ".xlsx") and not p.name.startswith("."))
        if not parts:
            raise ArgumentError(f"{path}: the folder holds no .csv, .parquet or .xlsx order files")
        return parts
    if not path.exists():
        raise OrderFileRefused("not_spreadsheet", file=path.name, what="a path that does not exist")
    return [path]


def estimate_rows(paths: list[Path]) -> int:
    """Lines in the input, from Parquet metadata or the size of text files (about 150 bytes a line)."""
    import pyarrow.parquet as pq

    n = 0
    for p in paths:
        if p.suffix.lower() == ".parquet":
            n += pq.ParquetFile(p).metadata.num_rows
        else:
            n += max(1, p.stat().st_size // (40 if p.suffix.lower() == ".xlsx" else 150))
    return n


def read_chunks(path: Path, *, mapping: dict[str, str] | None = None, chunk_bytes: int = CHUNK_BYTES,
                chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Normalised chunks of an order file or folder, row numbers as one file's (parts numbered on)."""
    offset = 0  # rows before this part (parts of a folder are numbered on, as if one file)
    for part in order_sources(path):
        kind = part.suffix.lower()
        if kind == ".parquet":
            it = _parquet_chunks(part, mapping, chunk_rows, offset)
        elif kind == ".xlsx":
            it = _xlsx_chunks(part, mapping, chunk_rows, offset)
        else:
            it = _csv_chunks(part, mapping, chunk_bytes, offset)
        for chunk, next_row in it:
            offset = max(offset, next_row - 2)  # the next part's first data row is offset + 2
            yield chunk


def _normalized(raw, mapping, name: str, first_row: int) -> Chunk:  # noqa: ANN001
    from costimpact.orders.normalize import normalize_raw

    lines, rejects, _ = normalize_raw(raw, mapping, name)
    return Chunk(lines, rejects, len(raw.frame), raw.blank_rows, first_row)


def _parquet_chunks(path: Path, mapping, chunk_rows: int, offset: int):  # noqa: ANN001, ANN202
    import pyarrow.parquet as pq

    from costimpact.orders.api import normalize_frame

    first = offset + 2
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
        df = batch.to_pandas()
        res = normalize_frame(df, mapping=mapping, file_name=path.name, first_row=first)
        yield Chunk(res.lines, res.rejects, res.rows_read, res.blank_rows, first), first + len(df)
        first += len(df)


def _xlsx_chunks(path: Path, mapping, chunk_rows: int, offset: int):  # noqa: ANN001, ANN202
    """An XLSX sheet holds at most 1,048,576 rows: it is read whole by the existing reader, then checked and
    priced in chunks like any other file."""
    from costimpact.orders.readers import RawTable, read_xlsx_bytes

    raw = read_xlsx_bytes(path.read_bytes(), path.name, None)
    shift = offset  # row numbers as in the sheet, moved on past earlier parts
    rn = raw.row_numbers + shift
    for a in range(0, max(len(raw.frame), 1), chunk_rows):
        b = a + chunk_rows
        rows = rn[a:b]
        lo, hi = (int(rows[0]), int(rows[-1])) if len(rows) else (0, -1)
        part = RawTable(raw.headers, raw.frame.iloc[a:b].reset_index(drop=True), rows, raw.sheet, raw.encoding, raw.decimal_comma,
                        [(r + shift, *rest) for r, *rest in raw.cell_problems if lo <= r + shift <= hi],
                        [(r + shift, h) for r, h in raw.merged if lo <= r + shift <= hi], raw.blank_rows if a == 0 else 0)
        yield _normalized(part, mapping, path.name, lo), hi + 1


def _csv_chunks(path: Path, mapping, chunk_bytes: int, offset: int):  # noqa: ANN001, ANN202
    """CSV cut at record boundaries (never inside a quoted cell); every chunk after the first is read with the
    file's own header lines in front, by the same reader as a whole file."""
    with _utf8_file(path) as src, open(src, "rb") as fh:
        head = fh.read(65536)
        prefix = _header_prefix(head, path.name)
        fh.seek(0)
        records = 0  # data records before this chunk
        first = True
        for body in _record_blocks(fh, chunk_bytes):
            data = body if first else prefix + body
            if not first and not body.strip():
                continue
            chunk, n_records = csv_block(data, path.name, mapping, offset + records, prefix.count(b"\n"))
            yield chunk, chunk.first_row + n_records
            records += n_records
            first = False


def csv_block(data: bytes, name: str, mapping, shift: int, header_rows: int) -> tuple[Chunk, int]:  # noqa: ANN001
    """One block of whole CSV records with the file's header lines in front, rows numbered on past ``shift``
    data records; (the normalised chunk, the records it held, blank ones included)."""
    from costimpact.orders.columns import read_types
    from costimpact.orders.readers import read_csv_bytes

    raw = read_csv_bytes(data, name, lambda headers: read_types(headers, mapping))
    n_records = len(raw.frame) + raw.blank_rows
    raw.row_numbers = raw.row_numbers + shift
    raw.cell_problems = [(r + shift, *rest) for r, *rest in raw.cell_problems]
    return _normalized(raw, mapping, name, shift + header_rows + 1), n_records


def _header_prefix(head: bytes, name: str) -> bytes:
    """The file's bytes up to the end of its header record (title lines above it included)."""
    from costimpact.orders.readers import _find_header, _sniff_delimiter

    text = head.decode("utf-8", "replace").removeprefix("\ufeff")
    lines = text.splitlines()[:50]
    if len(head) >= 65536 and len(lines) > 1:
        lines = lines[:-1]
    delim = _sniff_delimiter(lines)
    idx = _find_header(list(csv.reader(lines, delimiter=delim)))
    if idx is None:
        raise OrderFileRefused("no_header", file=name, where="")
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    for _ in range(idx + 1):
        next(reader)
    end = 0
    for _ in range(reader.line_num):
        end = head.index(b"\n", end) + 1
    return head[:end]


def _record_blocks(fh, chunk_bytes: int) -> Iterator[bytes]:  # noqa: ANN001
    """Blocks of about ``chunk_bytes`` that end at a line end outside any quoted cell (even count of quotes)."""
    rest = b""
    while True:
        block = fh.read(chunk_bytes)
        buf = rest + block
        if not block:
            if buf:
                yield buf
            return
        cut = buf.rfind(b"\n")
        while cut >= 0 and buf.count(b'"', 0, cut) % 2:
            cut = buf.rfind(b"\n", 0, cut)
        if cut < 0:
            rest = buf
            continue
        yield buf[: cut + 1]
        rest = buf[cut + 1:]


@contextlib.contextmanager
def _utf8_file(path: Path) -> Iterator[Path]:
    """The file itself when it is UTF-8; else a UTF-8 copy (decoded piece by piece) in a temporary file."""
    import codecs

    from costimpact.orders.readers import _fast_utf8, decode

    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    enc, utf8 = _fast_utf8(head)
    if utf8 is not None:
        yield path
        return
    cut = head.rfind(b"\n") + 1 or len(head)
    _, enc = decode(head[:cut], path.name)
    dec = codecs.getincrementaldecoder(enc.replace("-sig", ""))(errors="strict")
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="costimpact-utf8-")
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as fh:
            while block := fh.read(1 << 24):
                out.write(dec.decode(block).removeprefix("\ufeff").encode("utf-8"))
            out.write(dec.decode(b"", final=True).encode("utf-8"))
        yield Path(tmp)
    except UnicodeDecodeError:
        raise OrderFileRefused("binary", file=path.name) from None
    finally:
        os.unlink(tmp)


# ---------------------------------------------------------------------------------------------------------
# group keys and duplicate notes


def travel_day(lines: pd.DataFrame, as_of) -> np.ndarray:  # noqa: ANN001
    """The day each line's goods travelled, as the engine groups them (ship_date, else the as-of date)."""
    col = lines["ship_date"] if "ship_date" in lines else pd.Series(pd.NaT, index=lines.index)
    day = pd.to_datetime(col, errors="coerce").fillna(pd.Timestamp(as_of)).astype("datetime64[ns]")
    return day.to_numpy().astype("datetime64[D]").astype(np.int64)


def renote_duplicates(lines: pd.DataFrame) -> pd.DataFrame:
    """A chunk only sees the identical rows inside it; the whole file says ``same as row N`` with the first of
    them anywhere. Identical rows share a travel day, hence a partition: here each line whose first twin lies
    in an earlier chunk gets that row in its note (replacing the chunk's own, later, twin)."""
    if _CHUNK not in lines or lines[_CHUNK].nunique() < 2:
        return lines
    content = lines.drop(columns=["row_number", "notes", _CHUNK])
    h = pd.util.hash_pandas_object(content, index=False).to_numpy()
    rows = pd.Series(lines["row_number"].to_numpy())
    first_all = rows.groupby(h).transform("min").to_numpy()
    first_chunk = rows.groupby([h, lines[_CHUNK].to_numpy()]).transform("min").to_numpy()
    fix = np.flatnonzero(first_all < first_chunk)
    if not len(fix):
        return lines
    rn = rows.to_numpy()
    notes = lines["notes"].astype(object).to_numpy().copy()
    local = per_row("note.duplicate", pd.Series(first_chunk[fix])).to_numpy(dtype=object)
    glob = per_row("note.duplicate", pd.Series(first_all[fix])).to_numpy(dtype=object)
    for k, i in enumerate(fix):  # only the rows that need it, usually none
        note = str(notes[i]) if pd.notna(notes[i]) else ""
        if rn[i] > first_chunk[fix[k]]:  # the chunk noted its own earlier twin last: take it off
            note = "" if note == local[k] else note.removesuffix("; " + local[k])
        notes[i] = glob[k] if not note else note + "; " + glob[k]
    out = lines.copy()
    out["notes"] = pd.Series(notes, index=lines.index).astype(lines["notes"].dtype)
    return out


# ---------------------------------------------------------------------------------------------------------
# spill files


class Spill:
    """Numbered files of appended pickled frames in a private temporary folder."""

    def __init__(self, root: Path, name: str) -> None:
        self.dir = root / name
        self.dir.mkdir(parents=True, exist_ok=True)

    def path(self, i: int) -> Path:
        return self.dir / f"{i:06d}.pkl"

    def add(self, i: int, frame: pd.DataFrame) -> None:
        with open(self.path(i), "ab") as fh:
            pickle.dump(frame, fh, protocol=pickle.HIGHEST_PROTOCOL)

    def keys(self) -> list[int]:
        return sorted(int(p.stem) for p in self.dir.glob("*.pkl"))

    def load(self, i: int, keep: bool = False) -> pd.DataFrame:
        frames = []
        with open(self.path(i), "rb") as fh:
            while True:
                try:
                    frames.append(pickle.load(fh))  # noqa: S301 - our own temporary files
                except EOFError:
                    break
        if not keep:
            self.path(i).unlink()
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


# ---------------------------------------------------------------------------------------------------------
# output writers


class LineWriter:
    """Appends priced lines, in order, to a CSV (UTF-8, BOM for files), one Parquet file, or a Parquet folder."""

    def __init__(self, target: Path | io.IOBase, kind: str, bom: bool = True) -> None:
        self.target, self.kind, self.bom = target, kind, bom
        self.n_parts = 0
        self.schema = None
        self.fh = None
        self.pq_writer = None

    def write(self, frame: pd.DataFrame) -> None:
        from costimpact.csvout import _arrow_table

        table = _arrow_table(frame)
        if self.kind == "csv":
            import pyarrow.csv as pacsv

            if self.fh is None:
                self.fh = open(self.target, "wb") if isinstance(self.target, Path) else self.target  # noqa: SIM115
                if self.bom:
                    self.fh.write(b"\xef\xbb\xbf")
            buf = io.BytesIO()
            pacsv.write_csv(table, buf, write_options=pacsv.WriteOptions(include_header=self.n_parts == 0, quoting_style="needed"))
            self.fh.write(buf.getvalue())
        else:
            import pyarrow.parquet as pq

            table = self._conform(table)
            if self.kind == "parquet":
                if self.pq_writer is None:
                    self.pq_writer = pq.ParquetWriter(self.target, table.schema)
                self.pq_writer.write_table(table)
            else:
                Path(self.target).mkdir(parents=True, exist_ok=True)
                pq.write_table(table, Path(self.target) / f"part-{self.n_parts:05d}.parquet")
        self.n_parts += 1

    def _conform(self, table):  # noqa: ANN001, ANN202
        """One schema for every piece: a column empty in one piece keeps the type it has elsewhere."""
        import pyarrow as pa

        if self.schema is None:
            fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
            self.schema = pa.schema(fields)
        return table.select(self.schema.names).cast(self.schema)

    def close(self) -> None:
        if self.pq_writer is not None:
            self.pq_writer.close()
        if self.fh is not None and isinstance(self.target, Path):
            self.fh.close()
        elif self.fh is not None:
            self.fh.flush()


def out_kind(path: Path | None) -> str:
    if path is None:
        return "csv"
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".parquet":
        return "parquet"
    if suffix == "":
        return "dataset"
    raise ArgumentError(f"--out {path}: write .csv or .xlsx (or .parquet, or a folder for a partitioned Parquet dataset)")


# ---------------------------------------------------------------------------------------------------------
# totals without holding the lines


@dataclass
class Totals:
    """Sums of the rounded line amounts, kept in whole cents (exact whatever the order of the pieces)."""

    cents: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)
    lines: int = 0

    def add(self, lines: pd.DataFrame) -> None:
        cols = [c for c in lines.columns if str(c).endswith("_usd") and pd.api.types.is_numeric_dtype(lines[c])]
        # a column one destination lacks is empty on its lines (a US threshold on an EU line): it adds nothing
        cents = pd.DataFrame({c: np.round(np.nan_to_num(lines[c].to_numpy(dtype=float)) * 100).astype(np.int64) for c in cols})
        for c in cols:
            self.cents[c] = self.cents.get(c, 0) + int(cents[c].sum())
        channel = lines["shipping_mode"].astype(str) if "shipping_mode" in lines else pd.Series("", index=lines.index)
        cents["lines"] = 1
        for ch, row in cents.groupby(channel.to_numpy()).sum().iterrows():
            acc = self.by_channel.setdefault(str(ch), {})
            for c, v in row.items():
                acc[c] = acc.get(c, 0) + int(v)
        self.lines += len(lines)

    def merge(self, other: Totals) -> None:
        for c, v in other.cents.items():
            self.cents[c] = self.cents.get(c, 0) + v
        for ch, acc in other.by_channel.items():
            mine = self.by_channel.setdefault(ch, {})
            for c, v in acc.items():
                mine[c] = mine.get(c, 0) + v
        self.lines += other.lines

    def totals(self) -> dict[str, float]:
        return {c: v / 100 for c, v in self.cents.items()}

    def channels(self) -> pd.DataFrame:
        rows = [{"shipping_mode": ch, **{c: (v if c == "lines" else v / 100) for c, v in acc.items()}} for ch, acc in sorted(self.by_channel.items())]
        return pd.DataFrame(rows)


def summarize(path: str | os.PathLike[str], batch_rows: int = 200_000) -> Totals:
    """Totals and per-channel sums of a priced output (CSV, Parquet file or folder), read in batches."""
    import pyarrow.dataset as pads

    p = Path(path)
    tot = Totals()
    if p.suffix.lower() == ".csv":
        for chunk in pd.read_csv(p, chunksize=batch_rows, encoding="utf-8-sig", low_memory=False):
            tot.add(chunk)
        return tot
    for batch in pads.dataset(p, format="parquet").to_batches(batch_size=batch_rows):
        tot.add(batch.to_pandas())
    return tot


# ---------------------------------------------------------------------------------------------------------
# the three passes


@dataclass
class StreamResult:
    rows_read: int
    rows_priced: int
    rows_rejected: int
    blank_rows: int
    totals: Totals
    partitions: int
    comparison: str = ""  # with a baseline: the in-memory run's ``compared ...`` line

    def summary(self) -> str:
        line = f"read {self.rows_read} rows: {self.rows_priced} priced, {self.rows_rejected} rejected"
        return f"{line}\n{self.comparison}" if self.comparison else line


def partition_input(source: Path, work: Path, *, as_of, mapping=None, chunk_bytes: int = CHUNK_BYTES,  # noqa: ANN001
                    chunk_rows: int = CHUNK_ROWS, part_rows: int = PART_ROWS, progress: Progress | None = None,
                    write: Callable[[int, pd.DataFrame], None] | None = None,
                    destinations: set[str] | None = None) -> tuple[int, int, int, pd.DataFrame, pd.DataFrame]:
    """Pass 1: read and check ``source`` in chunks; each line goes to partition ``travel day mod K``.

    Every group the rules form lies inside one travel day: a US shipment or buyer's day, and a consignment of
    any other destination (shipment, mode, travel day and destination: ``pipeline.apply_consignments``), so a
    partition holds whole groups. ``write(partition, lines)`` stores the lines (default: a pickle spill under
    ``work``); ``destinations``, if given, gains the destinations of the lines read
    (:func:`costimpact.landed.markets.destinations_in`). Returns (partitions K, rows read, blank rows, import
    rejects, an empty frame of the lines' columns)."""
    from costimpact.landed.markets import destinations_in

    paths = order_sources(source)
    est = estimate_rows(paths)
    k = max(1, math.ceil(est / part_rows))
    spill = Spill(work, "parts")
    write = write or spill.add
    progress = progress or Progress(quiet=True)
    progress.start("reading", est)
    rows_read = blank = 0
    rejects: list[pd.DataFrame] = []
    empty = None
    for chunk in read_chunks(source, mapping=mapping, chunk_bytes=chunk_bytes, chunk_rows=chunk_rows):
        rows_read += chunk.rows_read
        blank += chunk.blank_rows
        if len(chunk.rejects):
            rejects.append(chunk.rejects)
        lines = chunk.lines
        if destinations is not None:
            destinations |= destinations_in(lines)
        if empty is None:
            empty = lines.iloc[:0].copy()
        split_to_partitions(lines, chunk.first_row, as_of, k, write)
        progress.add(chunk.rows_read + chunk.blank_rows)
    progress.close()
    rej = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame({c: pd.Series(dtype="int64" if c == "row_number" else object) for c in REJECT_COLUMNS})
    return k, rows_read, blank, rej, empty if empty is not None else pd.DataFrame()


def split_to_partitions(lines: pd.DataFrame, first_row: int, as_of, k: int, write: Callable[[int, pd.DataFrame], None]) -> None:  # noqa: ANN001
    """``write(partition, lines)`` for each of the K partitions (travel day mod K) a chunk's lines fall in."""
    if not len(lines):
        return
    lines = lines.assign(**{_CHUNK: np.int64(first_row)})
    part = travel_day(lines, as_of) % k
    order = np.argsort(part, kind="stable")
    cuts = np.flatnonzero(np.diff(part[order])) + 1
    for idx in np.split(order, cuts):
        write(int(part[idx[0]]), lines.iloc[idx].reset_index(drop=True))


def bucket_slices(priced: pd.DataFrame, part_rows: int):  # noqa: ANN201
    """(bucket, lines) for each bucket of ``part_rows`` consecutive row numbers the priced lines fall in."""
    bucket = (priced["row_number"].to_numpy() - 2) // part_rows
    order = np.argsort(bucket, kind="stable")
    cuts = np.flatnonzero(np.diff(bucket[order])) + 1
    for idx in np.split(order, cuts) if len(order) else []:
        yield int(bucket[idx[0]]), priced.iloc[idx]


class OtherDestinations(ArgumentError):
    """A partition has lines bound for a destination other than the US but the caller did not say which
    destinations the whole file has (``layout``): each destination adds its own output columns, so partitions
    would not share one layout. The command line then prices the file in memory."""


def price_partition(lines: pd.DataFrame, aset, scenario, as_of, baseline=None, layout=None) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:  # noqa: ANN001
    """One partition (whole groups) through the pure engine: (priced lines in row order, engine rejects, and
    with a baseline the comparison's counts: compared, baseline_rejected, scenario_rejected).

    ``layout``: the destinations of the whole file (:func:`costimpact.landed.markets.destinations_in`, gathered
    by :func:`partition_input`), so every partition has the whole file's columns. Without it a partition with
    lines for another destination than the US is refused (:class:`OtherDestinations`)."""
    from costimpact.landed.markets import destinations_in

    if layout is None:
        other = sorted(destinations_in(lines) - {"US"})
        if other:
            raise OtherDestinations(
                f"lines bound for {', '.join(other)}: this engine does not yet gather the file's destinations; "
                "run `costimpact landed FILE --engine stream` or `--engine memory`"
            )
    lines = lines.sort_values("row_number", kind="stable").reset_index(drop=True)
    lines = renote_duplicates(lines).drop(columns=[_CHUNK], errors="ignore")
    priced, rejects, _ = price_any(lines, aset, scenario, as_of, layout)  # the same router as the in-memory run
    counts: dict[str, int] = {}
    if baseline is not None:
        from costimpact.scenarios.compare import compare_results

        base, _, _ = price_any(lines, aset, baseline, as_of, layout)
        # compare_results and the counts read only the two results' lines
        cmp = compare_results(types.SimpleNamespace(lines=priced, scenario=scenario.name),
                              types.SimpleNamespace(lines=base, scenario=baseline.name))
        priced = cmp.lines
        counts = {"compared": len(cmp.compared), **cmp.left_out}
    return priced, rejects, counts


def add_counts(total: dict[str, int], counts: dict[str, int]) -> None:
    for k, v in counts.items():
        total[k] = total.get(k, 0) + int(v)


def comparison_summary(counts: dict[str, int], scenario, baseline) -> str:  # noqa: ANN001
    """The in-memory run's ``compared ...`` line, from counts summed over the partitions."""
    from costimpact.scenarios.compare import Comparison

    stand_in = types.SimpleNamespace(
        compared=range(counts.get("compared", 0)), scenario=types.SimpleNamespace(scenario=scenario.name),
        baseline=types.SimpleNamespace(scenario=baseline.name),
        left_out={"baseline_rejected": counts.get("baseline_rejected", 0), "scenario_rejected": counts.get("scenario_rejected", 0)})
    return Comparison.summary(stand_in)


def sorted_rejects(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row_number" else object) for c in REJECT_COLUMNS})
    rej = pd.concat(parts, ignore_index=True)
    for c in REJECT_COLUMNS:
        if c not in rej:
            rej[c] = ""
    return rej.sort_values("row_number", kind="stable").reset_index(drop=True)


def stream_landed(source: str | os.PathLike[str], out: Path | None, *, aset, scenario="actual", as_of, baseline=None,  # noqa: ANN001, PLR0913
                  rejects_path: Path | None = None, protect: bool = True, mapping=None, quiet: bool = False,  # noqa: ANN001
                  chunk_bytes: int = CHUNK_BYTES, chunk_rows: int = CHUNK_ROWS, part_rows: int = PART_ROWS,
                  work_dir: str | None = None, stdout=None) -> StreamResult:  # noqa: ANN001
    """Price ``source`` (file or folder) into ``out`` (CSV, Parquet file or folder; None: CSV to ``stdout``)."""
    from costimpact.csvout import write_csv

    scen = resolve_scenario(aset, scenario)
    base = resolve_scenario(aset, baseline) if baseline is not None else None
    kind = out_kind(out)
    progress = Progress(quiet)
    with tempfile.TemporaryDirectory(prefix="costimpact-spill-", dir=work_dir) as tmp:
        work = Path(tmp)
        seen: set[str] = set()
        k, rows_read, blank, import_rej, empty = partition_input(
            Path(source), work, as_of=as_of, mapping=mapping, chunk_bytes=chunk_bytes, chunk_rows=chunk_rows,
            part_rows=part_rows, progress=progress, destinations=seen)
        layout = frozenset(seen)
        parts, buckets = Spill(work, "parts"), Spill(work, "buckets")
        n_lines = rows_read - (import_rej["row_number"].nunique() if len(import_rej) else 0)
        progress.start("pricing", n_lines)
        engine_rej: list[pd.DataFrame] = []
        n_priced = 0
        counts: dict[str, int] = {}
        for p in parts.keys():
            priced, rej, got = price_partition(parts.load(p), aset, scen, as_of, base, layout)
            engine_rej.append(rej)
            add_counts(counts, got)
            if protect:
                from costimpact.report.safe_csv import protect_frame

                priced = protect_frame(priced)
            for b, piece in bucket_slices(priced, part_rows):
                buckets.add(b, piece)
            n_priced += len(priced)
            progress.add(len(priced) + rej["row_number"].nunique())
        progress.close()

        totals = Totals()
        target = staged_name(out) if out is not None else None
        writer = LineWriter(target if target is not None else (stdout or sys.stdout.buffer), kind, bom=out is not None)
        with staged(out) if out is not None else contextlib.nullcontext():
            progress.start("writing", n_priced)
            for b in buckets.keys():
                frame = buckets.load(b).sort_values("row_number", kind="stable").reset_index(drop=True)
                writer.write(frame)
                totals.add(frame)
                progress.add(len(frame))
            if writer.n_parts == 0:  # no line priced: the header alone, as the in-memory run writes it
                priced, _, _ = price_partition(empty.assign(**{_CHUNK: np.int64(0)}), aset, scen, as_of, base, layout)
                writer.write(priced)
            writer.close()
            progress.close()
        rejects = sorted_rejects([import_rej, *engine_rej])
        if rejects_path is not None:
            if protect:
                from costimpact.report.safe_csv import protect_frame

                rejects = protect_frame(rejects)
            with staged(Path(rejects_path)) as tmp_rej:
                write_csv(rejects, tmp_rej)
    return StreamResult(rows_read, totals.lines, int(rejects["row_number"].nunique()) if len(rejects) else 0, blank, totals, k,
                        comparison_summary(counts, scen, base) if base is not None else "")


def needs_memory(args, out: Path | None) -> bool:  # noqa: ANN001
    """What streaming leaves to the in-memory engine: XLSX out, an XLSX workbook in (its sheets are read
    together), a product catalogue, a skipped-rows file, and marketplace exports (their presets read whole
    orders)."""
    if out is not None and out.suffix.lower() == ".xlsx":
        return True
    if getattr(args, "catalogue", None) or getattr(args, "skipped", None):
        return True
    path = Path(args.orders)
    try:
        first = order_sources(path)[0]
    except (ArgumentError, OrderFileRefused):
        return False  # the streamed run says what is wrong
    return first.suffix.lower() == ".xlsx" or _is_marketplace(first)


def _is_marketplace(path: Path) -> bool:
    from costimpact.orders.marketplace import detect

    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        headers = list(pq.ParquetFile(path).schema_arrow.names)
    else:
        from costimpact.orders.readers import read_csv_bytes

        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
        cut = head.rfind(b"\n") + 1 if len(head) == 1 << 20 else len(head)
        try:  # the file's head through the same reader (encoding, delimiter, header row)
            headers = read_csv_bytes(head[:cut] or head, path.name).headers
        except Exception:  # noqa: BLE001 - the streamed run reports what is wrong with the file
            return False
    return detect(headers) is not None


def run_cli(args, aset, scenario, baseline) -> int:  # noqa: ANN001
    """``costimpact landed`` with ``--engine stream`` (the default) or ``--engine dask``."""
    from costimpact.api import as_date

    out = Path(args.out) if args.out else None
    rejects = Path(args.rejects) if args.rejects else None
    common = dict(aset=aset, scenario=scenario, as_of=as_date(args.as_of), baseline=baseline, rejects_path=rejects,
                  protect=not args.no_protect, quiet=args.quiet, work_dir=args.spill_dir)
    if args.engine == "dask":
        from costimpact.landed.distributed import dask_landed

        if needs_memory(args, out):
            raise ArgumentError("--engine dask takes plain order files (CSV or Parquet, or a folder of them); for XLSX, "
                                "marketplace exports or --catalogue use --engine memory")
        if out is None or out.suffix:
            raise ArgumentError("--engine dask writes a folder (a partitioned Parquet dataset): give --out DIR")
        res = dask_landed(args.orders, out, workers=args.workers, scheduler=args.scheduler, **common)
    else:
        if args.workers or args.scheduler:
            raise ArgumentError("--workers and --scheduler go with --engine dask")
        res = stream_landed(args.orders, out, **common)
    print(res.summary(), file=sys.stderr)
    return 0
