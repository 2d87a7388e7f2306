"""``costimpact landed IN --engine dask``: the streamed run's three passes as rounds of Dask tasks.

Every round runs on the workers; the client only plans, waits and adds up. Lines move between rounds through
files in a work folder that every worker sees, never through the scheduler or the client:

1. **Read**: the client cuts the input into pieces without parsing it: Parquet files by row group (row numbers
   from the file metadata), UTF-8 CSV files into blocks of whole records (record counts from the line ends
   outside quoted cells; the worker checks its own count against it). Each task reads and checks its piece
   with the same readers as :mod:`costimpact.landed.stream` and writes its lines into the K partitions
   (travel day mod K: every shipment and buyer's day lies whole in one partition). A CSV file in another
   encoding is read and checked on the client instead.
2. **Price**: one task per partition runs the pure engine (:func:`stream.price_partition`) against the
   assumption set, which is sent to each worker once (``Client.scatter(broadcast=True)``), and cuts the priced
   lines into buckets of consecutive row numbers.
3. **Write**: one task per bucket sorts it and writes ``part-NNNNN.parquet``: read in name order, the dataset
   holds the lines in input order, identical to the single-machine run.

Worker processes run one thread each (the engine is pandas code that holds the GIL). Dask starts worker
processes with ``MALLOC_TRIM_THRESHOLD_=65536``, which fixes glibc's mmap threshold and makes every large
pandas allocation a fresh mmap (the engine took about 1.5x the CPU time), and samples the task thread's stack
every 10 ms. :data:`WORKER_CONFIG` turns both off in the local cluster started here; a cluster started
elsewhere needs the same settings in its workers' Dask configuration (README).
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.errors import ArgumentError
from costimpact.landed import stream
from costimpact.landed.engine import resolve_scenario

# Worker settings for pandas work in one thread per process (module docstring): glibc's own malloc tuning, no
# statistical profiler or GIL monitor interrupting the task thread, the event loops' housekeeping less often.
WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "500ms",
}


@dataclasses.dataclass(frozen=True)
class Piece:
    """One read task: a run of row groups of a Parquet file, or a block of whole records of a CSV file."""

    path: str
    offset: int  # Parquet: rows before it (as stream.read_chunks numbers them); CSV: data records before it
    rows: int  # lines in it (CSV: records, blank ones included)
    row_groups: tuple[int, ...] = ()  # Parquet: read these row groups, then ``rows`` rows from row ``start`` of them
    start: int = 0  # CSV: the block's bytes, after the header lines ``prefix``
    end: int = 0
    prefix: bytes = b""


def count_records(body: bytes) -> int:
    """Records in a block of whole CSV records: line ends outside quoted cells, and a last line without one."""
    data = np.frombuffer(body, dtype=np.uint8)
    ends, quotes = np.flatnonzero(data == ord("\n")), np.flatnonzero(data == ord('"'))
    outside = np.searchsorted(quotes, ends) % 2 == 0  # an even number of quote marks before the line end
    return int(np.count_nonzero(outside)) + (1 if body and not body.endswith(b"\n") else 0)


def plan_pieces(source: Path, chunk_bytes: int, chunk_rows: int) -> list[Piece] | None:
    """The read tasks of ``source``, numbered on across a folder's parts exactly as :func:`stream.read_chunks`
    numbers them; None when a CSV part is not UTF-8 (the client then reads the input itself)."""
    import pyarrow.parquet as pq

    from costimpact.orders.readers import _fast_utf8

    pieces: list[Piece] = []
    offset = 0
    for path in stream.order_sources(source):
        if path.suffix.lower() == ".parquet":
            meta = pq.ParquetFile(path).metadata
            groups: list[int] = []
            rows = 0
            for g in range(meta.num_row_groups):  # small row groups together; a run over 4 chunks in slices
                groups.append(g)
                rows += meta.row_group(g).num_rows
                if rows >= chunk_rows or g == meta.num_row_groups - 1:
                    step = rows if rows <= 4 * chunk_rows else chunk_rows
                    for a in range(0, rows, step):
                        pieces.append(Piece(str(path), offset + a, min(step, rows - a), tuple(groups), start=a))
                    offset += rows
                    groups, rows = [], 0
            continue
        with open(path, "rb") as fh:
            if _fast_utf8(fh.read(1 << 20))[1] is None:
                return None
            fh.seek(0)
            prefix = stream._header_prefix(fh.read(65536), path.name)
            fh.seek(len(prefix))
            pos, records, mine = len(prefix), 0, []  # mine: this file's blocks, records counted from its start
            for body in stream._record_blocks(fh, chunk_bytes):
                start, pos = pos, pos + len(body)
                if mine and not body.strip():  # as stream.read_chunks: a blank block after the first is passed over
                    continue
                mine.append(Piece(str(path), records, count_records(body), start=start, end=pos, prefix=prefix))
                records += mine[-1].rows
        mine = mine or [Piece(str(path), 0, 0, start=pos, end=pos, prefix=prefix)]  # the header alone is read too
        pieces += [dataclasses.replace(p, offset=offset + p.offset) for p in mine]
        offset = max(offset, pieces[-1].offset + prefix.count(b"\n") + pieces[-1].rows - 1)  # as read_chunks moves on
    return pieces


def _read_piece(piece: Piece, n: int, *, k: int, as_of, mapping, chunk_rows: int, parts_dir: str) -> dict:  # noqa: ANN001
    """Task: read and check one piece; write its lines into the partitions (``parts_dir/<n>/<partition>.pkl``)."""
    from costimpact.landed.markets import destinations_in

    path = Path(piece.path)
    if piece.row_groups:
        import pyarrow.parquet as pq

        from costimpact.orders.api import normalize_frame

        table = pq.ParquetFile(path).read_row_groups(list(piece.row_groups)).slice(piece.start, piece.rows)

        def batches():  # noqa: ANN202 - checked in chunks, as the streamed run checks a Parquet file
            for a in range(0, len(table), chunk_rows):
                res = normalize_frame(table.slice(a, chunk_rows).to_pandas(), mapping=mapping, file_name=path.name,
                                      first_row=piece.offset + 2 + a)
                yield stream.Chunk(res.lines, res.rejects, res.rows_read, res.blank_rows, piece.offset + 2 + a)

        chunks = batches()
    else:
        with open(path, "rb") as fh:
            fh.seek(piece.start)
            body = fh.read(piece.end - piece.start)
        chunk, got = stream.csv_block(piece.prefix + body, path.name, mapping, piece.offset, piece.prefix.count(b"\n"))
        if got != piece.rows:
            raise ArgumentError(f"{path.name}: bytes {piece.start:,}-{piece.end:,} held {got:,} records where {piece.rows:,} "
                                "were counted (line ends the cutter could not see); price this file with --engine stream, "
                                "or convert it to Parquet")
        chunks = iter([chunk])
    spill = _own_spill(Path(parts_dir), f"{n:06d}")
    out = {"rows_read": 0, "blank": 0, "rejects": [], "empty": None, "partitions": set(), "destinations": set()}

    def write(p: int, lines: pd.DataFrame) -> None:
        spill.add(p, lines)
        out["partitions"].add(p)

    for chunk in chunks:
        out["rows_read"] += chunk.rows_read
        out["blank"] += chunk.blank_rows
        if len(chunk.rejects):
            out["rejects"].append(chunk.rejects)
        if out["empty"] is None:
            out["empty"] = chunk.lines.iloc[:0].copy()
        out["destinations"] |= destinations_in(chunk.lines)
        stream.split_to_partitions(chunk.lines, chunk.first_row, as_of, k, write)
    return out


def _spilled(root: Path, i: int) -> list[pd.DataFrame]:
    """Every task's frames for partition (or bucket) ``i`` under ``root``, in task order. The files stay: a task
    run again (its worker lost) finds them; the client deletes a round's files once the next round is done."""
    spills = [stream.Spill(root, d.name) for d in sorted(root.iterdir())] if root.exists() else []
    return [s.load(i, keep=True) for s in spills if s.path(i).exists()]


def _own_spill(root: Path, name: str) -> stream.Spill:
    """A task's own folder of appended frames, emptied first: a task run again does not append twice."""
    shutil.rmtree(root / name, ignore_errors=True)
    return stream.Spill(root, name)


def _price_partition(p: int, *, parts_dir: str, bucket_dir: str, aset, scenario, baseline, as_of, layout,  # noqa: ANN001, PLR0913
                     protect: bool, part_rows: int) -> tuple[pd.DataFrame, dict[str, int], set[int]]:
    """Task: price one partition whole, with the whole file's destination columns (``layout``); cut its lines
    into row buckets (``bucket_dir/<p>/<bucket>.pkl``)."""
    lines = pd.concat(_spilled(Path(parts_dir), p), ignore_index=True)
    priced, rejects, counts = stream.price_partition(lines, aset, scenario, as_of, baseline, layout)
    if protect:
        from costimpact.report.safe_csv import protect_frame

        priced = protect_frame(priced)
    spill = _own_spill(Path(bucket_dir), f"{p:06d}")
    buckets = set()
    for b, piece in stream.bucket_slices(priced, part_rows):
        spill.add(b, piece)
        buckets.add(b)
    return rejects, counts, buckets


def _write_part(frame: pd.DataFrame, target: str) -> stream.Totals:
    """One part of the output dataset (a column with no value in it is typed as text); its totals."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from costimpact.csvout import _arrow_table

    table = _arrow_table(frame)
    table = table.cast(pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]))
    pq.write_table(table, target)
    totals = stream.Totals()
    totals.add(frame)
    return totals


def _merge_bucket(b: int, target: str, *, bucket_dir: str) -> stream.Totals:
    """Task: one bucket's pieces in row order, written as one part of the output dataset."""
    frame = pd.concat(_spilled(Path(bucket_dir), b), ignore_index=True)
    return _write_part(frame.sort_values("row_number", kind="stable").reset_index(drop=True), target)


def local_cluster(workers: int):  # noqa: ANN201
    """``workers`` local processes of one thread each, with :data:`WORKER_CONFIG`. Where the system has it they
    are forked from a fresh server process that has imported Dask once: about 2 s sooner ready than spawned."""
    import multiprocessing

    import dask
    from distributed import LocalCluster

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    with dask.config.set({**WORKER_CONFIG, "distributed.worker.multiprocessing-method": method}):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40)


def dask_landed(source: str | os.PathLike[str], out: Path, *, aset, scenario="actual", as_of, baseline=None,  # noqa: ANN001, PLR0913
                rejects_path: Path | None = None, protect: bool = True, mapping=None, quiet: bool = False,  # noqa: ANN001
                workers: int | None = None, scheduler: str | None = None, client=None, work_dir: str | None = None,  # noqa: ANN001
                chunk_bytes: int = stream.CHUNK_BYTES, chunk_rows: int = stream.CHUNK_ROWS,
                part_rows: int = stream.PART_ROWS) -> stream.StreamResult:
    """Price ``source`` on a Dask cluster into the Parquet folder ``out``.

    ``client``: a ``distributed.Client`` to use; else one on ``scheduler`` (an address), else a local cluster of
    ``workers`` processes (default 2), closed at the end."""
    from distributed import Client

    scen = resolve_scenario(aset, scenario)
    base = resolve_scenario(aset, baseline) if baseline is not None else None
    progress = stream.Progress(quiet)
    own_cluster = own_client = None
    if client is None:
        own_cluster = None if scheduler else local_cluster(workers or 2)
        own_client = client = Client(scheduler or own_cluster)
    try:
        with tempfile.TemporaryDirectory(prefix="costimpact-dask-", dir=work_dir or out.parent) as tmp:
            work = Path(tmp)
            parts_dir, bucket_dir = work / "parts", work / "buckets"
            parts_dir.mkdir()
            src = Path(source)
            pieces = plan_pieces(src, chunk_bytes, chunk_rows)
            read = _read_on_workers(client, pieces, src, as_of, mapping, chunk_rows, part_rows, parts_dir, progress) if pieces is not None \
                else _read_on_client(src, work, as_of, mapping, chunk_bytes, chunk_rows, part_rows, progress)
            k, rows_read, blank, import_rej, empty, partitions, layout = read

            aset_f = client.scatter(aset, broadcast=True, hash=False)  # the assumption set travels to each worker once
            n_lines = rows_read - (import_rej["row_number"].nunique() if len(import_rej) else 0)
            progress.start("pricing", n_lines)
            futures = client.map(_price_partition, sorted(partitions), parts_dir=str(parts_dir), bucket_dir=str(bucket_dir),
                                 aset=aset_f, scenario=scen, baseline=base, as_of=as_of, layout=layout, protect=protect,
                                 part_rows=part_rows, pure=False)
            engine_rej, counts, buckets = [], {}, set()
            for rej, got, bs in _as_done(futures, progress, n_lines):
                engine_rej.append(rej)
                stream.add_counts(counts, got)
                buckets |= bs
            progress.close()
            shutil.rmtree(parts_dir)  # priced: the partitions' files are no longer needed

            totals = stream.Totals()
            with stream.staged(out) as tmp_out:
                tmp_out.mkdir(parents=True)
                if buckets:
                    order = sorted(buckets)
                    targets = [str(tmp_out / f"part-{j:05d}.parquet") for j in range(len(order))]
                    merged = client.map(_merge_bucket, order, targets, bucket_dir=str(bucket_dir), pure=False)
                    for t in client.gather(merged):
                        totals.merge(t)
                else:  # no line priced: the result's columns alone, as the single-machine run writes them
                    priced, _, _ = stream.price_partition(empty.assign(**{stream._CHUNK: np.int64(0)}), aset, scen, as_of, base, layout)
                    _write_part(priced, str(tmp_out / "part-00000.parquet"))
            rejects = stream.sorted_rejects([import_rej, *engine_rej])
            if rejects_path is not None:
                from costimpact.csvout import write_csv

                if protect:
                    from costimpact.report.safe_csv import protect_frame

                    rejects = protect_frame(rejects)
                with stream.staged(Path(rejects_path)) as tmp_rej:
                    write_csv(rejects, tmp_rej)
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
    return stream.StreamResult(rows_read, totals.lines, int(rejects["row_number"].nunique()) if len(rejects) else 0, blank, totals, k,
                               stream.comparison_summary(counts, scen, base) if base is not None else "")


def _as_done(futures, progress: stream.Progress, total: int):  # noqa: ANN001, ANN202
    """Task results as they finish, the progress line moved on by an equal share each."""
    from distributed import as_completed

    for fut in as_completed(futures):
        yield fut.result()
        progress.add(total / max(len(futures), 1))


def _read_on_workers(client, pieces: list[Piece], source: Path, as_of, mapping, chunk_rows: int, part_rows: int, parts_dir: Path,  # noqa: ANN001, PLR0913
                     progress: stream.Progress) -> tuple:
    """Round 1 on the workers: (K, rows read, blank rows, import rejects, an empty frame of the lines' columns,
    the partitions that received lines, the destinations of the file)."""
    k = max(1, math.ceil(stream.estimate_rows(stream.order_sources(source)) / part_rows))
    total = sum(p.rows for p in pieces)
    progress.start("reading", total)
    futures = client.map(_read_piece, pieces, range(len(pieces)), k=k, as_of=as_of, mapping=mapping,
                         chunk_rows=chunk_rows, parts_dir=str(parts_dir), pure=False)
    rows_read = blank = 0
    rejects, partitions, destinations = [], set(), set()
    for got in _as_done(futures, progress, total):
        rows_read += got["rows_read"]
        blank += got["blank"]
        rejects += got["rejects"]
        partitions |= got["partitions"]
        destinations |= got["destinations"]
    progress.close()
    first = futures[0].result()["empty"] if futures else None  # the lines' columns, as the first chunk has them
    return (k, rows_read, blank, stream.sorted_rejects(rejects), first if first is not None else pd.DataFrame(), partitions,
            frozenset(destinations))


def _read_on_client(source: Path, work: Path, as_of, mapping, chunk_bytes: int, chunk_rows: int, part_rows: int,  # noqa: ANN001, PLR0913
                    progress: stream.Progress) -> tuple:
    """Round 1 here, for a CSV file the workers cannot cut (not UTF-8): the streamed run's reading pass."""
    spill = stream.Spill(work / "parts", f"{0:06d}")
    partitions: set[int] = set()

    def write(p: int, lines: pd.DataFrame) -> None:
        spill.add(p, lines)
        partitions.add(p)

    destinations: set[str] = set()
    k, rows_read, blank, rej, empty = stream.partition_input(source, work, as_of=as_of, mapping=mapping, chunk_bytes=chunk_bytes,
                                                             chunk_rows=chunk_rows, part_rows=part_rows, progress=progress, write=write,
                                                             destinations=destinations)
    return k, rows_read, blank, rej, empty, partitions, frozenset(destinations)
