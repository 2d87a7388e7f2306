"""``costimpact landed IN --engine dask``: the same pure engine, one partition per task, on a Dask cluster.

The order file is read and checked in chunks on the client (pass 1 of :mod:`costimpact.landed.stream`) into a
partitioned Parquet dataset, one file per group of travel days, so that every shipment and every buyer's day
lies whole in one partition. ``dask.dataframe`` reads the dataset one file per partition; each task prices
its partition with :func:`costimpact.landed.engine.price_lines` against the assumption set, which is sent to
the workers once (``Client.scatter(broadcast=True)``), and cuts the priced lines into buckets of consecutive
rows. A second round of tasks sorts each bucket and writes ``part-NNNNN.parquet``: read in name order, the
dataset holds the lines in input order, identical to the single-machine run.

The output folder and the spill folder must be visible to every worker (a shared or network file system).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.landed import stream
from costimpact.landed.engine import resolve_scenario


def _price_to_buckets(lines: pd.DataFrame, i: int, aset, scenario, baseline, as_of, protect: bool,  # noqa: ANN001
                      part_rows: int, bucket_dir: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Task: price one partition; write its lines into row buckets; return the engine's rejects (and counts)."""
    import pyarrow.parquet as pq

    from costimpact.csvout import _arrow_table

    priced, rejects, counts = stream.price_partition(lines, aset, scenario, as_of, baseline)
    if protect:
        from costimpact.report.safe_csv import protect_frame

        priced = protect_frame(priced)
    for b, piece in stream.bucket_slices(priced, part_rows):
        folder = Path(bucket_dir) / f"b-{b:06d}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(_arrow_table(piece), folder / f"p-{i:06d}.parquet")
    return rejects, counts


def _merge_bucket(folder: str, target: str) -> stream.Totals:
    """Task: one bucket's pieces in row order, written as one part of the output dataset; its totals."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pieces = [pq.read_table(p) for p in sorted(Path(folder).glob("*.parquet"))]
    table = pa.concat_tables(pieces, promote_options="permissive").sort_by("row_number")
    fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
    table = table.cast(pa.schema(fields))
    pq.write_table(table, target)
    totals = stream.Totals()
    totals.add(table.to_pandas())
    return totals


def dask_landed(source: str | os.PathLike[str], out: Path, *, aset, scenario="actual", as_of, baseline=None,  # noqa: ANN001, PLR0913
                rejects_path: Path | None = None, protect: bool = True, mapping=None, quiet: bool = False,  # noqa: ANN001
                workers: int | None = None, scheduler: str | None = None, client=None, work_dir: str | None = None,  # noqa: ANN001
                chunk_bytes: int = stream.CHUNK_BYTES, chunk_rows: int = stream.CHUNK_ROWS,
                part_rows: int = stream.PART_ROWS) -> stream.StreamResult:
    """Price ``source`` on a Dask cluster into the Parquet folder ``out``.

    ``client``: a ``distributed.Client`` to use; else one on ``scheduler`` (an address), else a LocalCluster of
    ``workers`` processes (default 2), closed at the end."""
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster, as_completed

    from costimpact.csvout import write_csv

    scen = resolve_scenario(aset, scenario)
    base = resolve_scenario(aset, baseline) if baseline is not None else None
    progress = stream.Progress(quiet)
    own_cluster = own_client = None
    if client is None:
        if scheduler:
            own_client = client = Client(scheduler)
        else:
            own_cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
            own_client = client = Client(own_cluster)
    try:
        with tempfile.TemporaryDirectory(prefix="costimpact-dask-", dir=work_dir or out.parent) as tmp:
            work = Path(tmp)
            k, rows_read, blank, import_rej, empty = stream.partition_input(
                Path(source), work, as_of=as_of, mapping=mapping, chunk_bytes=chunk_bytes, chunk_rows=chunk_rows,
                part_rows=part_rows, progress=progress)
            spill = stream.Spill(work, "parts")
            (work / "parquet").mkdir()
            files = []
            for p in spill.keys():  # one Parquet file per partition: whole groups in every file
                f = work / "parquet" / f"part-{p:06d}.parquet"
                spill.load(p).to_parquet(f, index=False)
                files.append(str(f))
            if not files:  # nothing to price: the run still writes its (empty) result
                empty.assign(**{stream._CHUNK: np.int64(0)}).to_parquet(work / "parquet" / "part-000000.parquet", index=False)
                files.append(str(work / "parquet" / "part-000000.parquet"))
            ddf = dd.from_map(pd.read_parquet, files)  # one dask partition per file, never merged or split
            aset_f = client.scatter(aset, broadcast=True)  # the assumption set travels to each worker once
            bucket_dir = str(work / "buckets")
            tasks = [dask.delayed(_price_to_buckets)(part, i, aset_f, scen, base, as_of, protect, part_rows, bucket_dir)
                     for i, part in enumerate(ddf.to_delayed())]
            n_lines = rows_read - (import_rej["row_number"].nunique() if len(import_rej) else 0)
            progress.start("pricing", n_lines)
            futures = client.compute(tasks)
            engine_rej, counts = [], {}
            for fut in as_completed(futures):
                rej, got = fut.result()
                engine_rej.append(rej)
                stream.add_counts(counts, got)
                progress.add(n_lines / max(len(tasks), 1))
            progress.close()

            with stream.staged(out) as tmp_out:
                tmp_out.mkdir(parents=True)
                buckets = sorted((work / "buckets").glob("b-*")) if (work / "buckets").exists() else []
                merged = client.map(_merge_bucket, [str(b) for b in buckets],
                                    [str(tmp_out / f"part-{j:05d}.parquet") for j in range(len(buckets))], pure=False)
                totals = stream.Totals()
                for t in client.gather(merged):
                    totals.merge(t)
            rejects = stream.sorted_rejects([import_rej, *engine_rej])
            if rejects_path is not None:
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
